fn main() {
    // Embed templates/*.j2 into the binary; a template with a syntax error fails the build.
    minijinja_embed::embed_templates!("../../templates", &[".j2"]);
    println!("cargo:rerun-if-changed=../../templates");
}

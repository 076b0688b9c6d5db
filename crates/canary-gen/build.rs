fn main() {
    // Templates are embedded with include_str!; rebuild when any of them changes.
    println!("cargo:rerun-if-changed=../../templates");
}

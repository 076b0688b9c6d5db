//! `--format github`: GitHub Actions workflow commands, one per finding
//! (`::error file=…,line=…,col=…,endLine=…,endColumn=…,title=CODE::message`).

use super::escape_controls;
use crate::diagnostic::{Diagnostic, Severity};

/// Escape a command's data (`%`, CR, LF), as the Actions runner decodes it.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a property value (data escapes plus `:` and `,`).
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// One line per finding.
pub fn render(diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let end_col = if d.span.end > d.span.start {
            d.span.end.col
        } else {
            d.span.start.col + 1
        };
        // Line breaks separate the parts; inside a part every control character is escaped
        // first (a YAML value's `\n` stays visible as `\n`), then the runner's escapes apply.
        let mut msg = format!("{} [{}]", escape_controls(&d.message), d.name);
        if let Some(help) = &d.help {
            msg.push_str("\nhelp: ");
            msg.push_str(&escape_controls(help));
        }
        for r in &d.related {
            msg.push_str(&format!(
                "\n{}:{}:{}: {}",
                escape_controls(&r.file),
                r.span.start.line,
                r.span.start.col,
                escape_controls(&r.message)
            ));
        }
        out.push_str(&format!(
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            escape_property(&escape_controls(&d.file)),
            d.span.start.line,
            d.span.start.col,
            d.span.end.line.max(d.span.start.line),
            end_col,
            escape_property(d.code),
            escape_data(&msg)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_the_runner() {
        assert_eq!(escape_data("a%b\nc"), "a%25b%0Ac");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }
}

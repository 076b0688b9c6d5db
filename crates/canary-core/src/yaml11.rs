//! The Norway problem: plain scalars that a YAML 1.1 reader (kubectl's go-yaml v2 via
//! sigs.k8s.io/yaml, PyYAML) types differently from a YAML 1.2 reader.
//!
//! The regular expressions are the YAML 1.1 type repository's (yaml.org/type/bool, int, float,
//! null, timestamp), in the form PyYAML's resolver uses.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

/// How a YAML 1.1 reader types a plain scalar.
#[derive(Debug, Clone, PartialEq)]
pub enum Yaml11 {
    /// `~`, `null`, empty.
    Null,
    /// `yes`, `on`, `n`, `true`, ...
    Bool(bool),
    /// `0777` (octal), `1_000`, `0b101`, `190:20:30`, ...
    Int(Option<i128>),
    /// `1.5`, `.inf`, `1_000.5`, ...
    Float,
    /// `2024-01-01`, ...
    Timestamp,
    /// Everything else.
    Str,
}

static BOOL_TRUE: &[&str] = &[
    "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON",
];
static BOOL_FALSE: &[&str] = &[
    "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF",
];

static INT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$",
    )
    .expect("static regex")
});
static FLOAT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
    )
    .expect("static regex")
});
static TIMESTAMP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$",
    )
    .expect("static regex")
});

fn parse_int11(text: &str) -> Option<i128> {
    let t: String = text.chars().filter(|c| *c != '_').collect();
    let (neg, body) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, &t[..]),
    };
    let v = if let Some(b) = body.strip_prefix("0b") {
        i128::from_str_radix(b, 2).ok()?
    } else if let Some(h) = body.strip_prefix("0x") {
        i128::from_str_radix(h, 16).ok()?
    } else if body.contains(':') {
        body.split(':').try_fold(0i128, |acc, part| {
            Some(acc * 60 + part.parse::<i128>().ok()?)
        })?
    } else if body.len() > 1 && body.starts_with('0') {
        i128::from_str_radix(&body[1..], 8).ok()?
    } else {
        body.parse().ok()?
    };
    Some(if neg { -v } else { v })
}

/// Type a plain scalar as YAML 1.1 does.
pub fn resolve(text: &str) -> Yaml11 {
    if matches!(text, "" | "~" | "null" | "Null" | "NULL") {
        return Yaml11::Null;
    }
    if BOOL_TRUE.contains(&text) {
        return Yaml11::Bool(true);
    }
    if BOOL_FALSE.contains(&text) {
        return Yaml11::Bool(false);
    }
    let first = text.as_bytes()[0];
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        return Yaml11::Str;
    }
    // Fast paths that keep the regexes (compiled on first use) out of the common cases: a
    // character no int, float or timestamp can contain (`5m`), and plain decimal integers.
    let possible = |b: u8| {
        b.is_ascii_hexdigit()
            || matches!(
                b,
                b'+' | b'-'
                    | b'.'
                    | b'_'
                    | b':'
                    | b'x'
                    | b'X'
                    | b'o'
                    | b'T'
                    | b't'
                    | b'Z'
                    | b' '
                    | b'\t'
                    | b'i'
                    | b'n'
                    | b'I'
                    | b'N'
            )
    };
    if !text.bytes().all(possible) {
        return Yaml11::Str;
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'))
    {
        return Yaml11::Int(text.parse().ok());
    }
    if INT.is_match(text) {
        return Yaml11::Int(parse_int11(text));
    }
    if FLOAT.is_match(text) {
        return Yaml11::Float;
    }
    if TIMESTAMP.is_match(text) {
        return Yaml11::Timestamp;
    }
    Yaml11::Str
}

/// Does a YAML 1.1 reader type (or value) this plain scalar differently from YAML 1.2?
pub fn differs_from_yaml12(text: &str) -> bool {
    let v12 = crate::located::resolve_plain(text);
    match (resolve(text), &v12) {
        (Yaml11::Null, Value::Null) | (Yaml11::Str, Value::String(_)) => false,
        (Yaml11::Bool(a), Value::Bool(b)) => a != *b,
        (Yaml11::Int(Some(a)), Value::Number(n)) => {
            n.as_i64().map(i128::from).or(n.as_u64().map(i128::from)) != Some(a)
        }
        (Yaml11::Float, Value::Number(n)) => n.is_i64() || n.is_u64(),
        _ => true,
    }
}

/// Would a YAML 1.1 reader read this plain scalar as the string it is?
pub fn plain_is_string_in_yaml11(text: &str) -> bool {
    resolve(text) == Yaml11::Str
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn norway() {
        for s in ["yes", "no", "on", "off", "y", "N", "NO"] {
            assert!(matches!(resolve(s), Yaml11::Bool(_)), "{s}");
            assert!(differs_from_yaml12(s), "{s}");
        }
    }

    #[test]
    fn fast_paths_agree_with_the_type_repository() {
        assert_eq!(resolve("0"), Yaml11::Int(Some(0)));
        assert_eq!(resolve("-5"), Yaml11::Int(Some(-5)));
        assert_eq!(resolve("+12"), Yaml11::Int(Some(12)));
        assert_eq!(resolve("0x1F"), Yaml11::Int(Some(31)));
        assert_eq!(resolve(".inf"), Yaml11::Float);
        assert_eq!(resolve("-.inf"), Yaml11::Float);
        assert_eq!(resolve(".nan"), Yaml11::Float);
        assert_eq!(resolve("5m"), Yaml11::Str);
        assert_eq!(resolve("1.2.3"), Yaml11::Str);
        assert_eq!(resolve("2024-01-01T10:00:00Z"), Yaml11::Timestamp);
    }

    #[test]
    fn numbers_and_dates() {
        assert_eq!(resolve("0777"), Yaml11::Int(Some(511)));
        assert!(differs_from_yaml12("0777"));
        assert_eq!(resolve("1_000"), Yaml11::Int(Some(1000)));
        assert!(differs_from_yaml12("1_000"));
        assert_eq!(resolve("190:20:30"), Yaml11::Int(Some(685_230)));
        assert_eq!(resolve("1e3"), Yaml11::Str);
        assert!(differs_from_yaml12("1e3"));
        assert_eq!(resolve("2024-01-01"), Yaml11::Timestamp);
        assert!(differs_from_yaml12("2024-01-01"));
        assert_eq!(resolve("3.0"), Yaml11::Float);
        assert!(!differs_from_yaml12("3.0"));
        assert!(!differs_from_yaml12("10"));
        assert!(!differs_from_yaml12("true"));
        assert!(!differs_from_yaml12("10s"));
        assert!(!differs_from_yaml12("instant-api"));
        assert!(plain_is_string_in_yaml11("10s"));
        assert!(!plain_is_string_in_yaml11("10"));
    }
}

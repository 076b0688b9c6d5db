//! The Norway problem: plain scalars that a YAML 1.1 reader (kubectl's go-yaml v2 via
//! sigs.k8s.io/yaml, PyYAML) types differently from a YAML 1.2 reader.
//!
//! Two readers are modelled. [`resolve`] is the YAML 1.1 type repository (yaml.org/type/bool,
//! int, float, null, timestamp) in the form PyYAML's resolver uses: the generator quotes
//! anything it types as other than a string. [`kubectl`] is what kubectl itself reads: it
//! decodes manifests with sigs.k8s.io/yaml, which unmarshals with go-yaml v2
//! (`go.yaml.in/yaml/v2`, a fork of `gopkg.in/yaml.v2`) into `interface{}` and converts the
//! result to JSON. The two differ: go-yaml v2 has no sexagesimal numbers, reads `1e3` as a
//! float, `0o17` as 15 and `08` as the float 8, and keeps timestamps as strings.

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

/// Does a YAML 1.1 reader (PyYAML's type repository or kubectl's go-yaml v2) type (or value)
/// this plain scalar differently from YAML 1.2?
pub fn differs_from_yaml12(text: &str) -> bool {
    // Fast paths for most plain scalars (the loader asks for each one): a word starting with
    // a letter is a string to all three readers unless it is one of the boolean or null
    // words (go-yaml v2 tries numbers only on a leading digit, sign or `.`: `resolve.go`
    // `resolveTable`); a decimal integer without a leading zero is the same integer to all.
    let bytes = text.as_bytes();
    match bytes.first() {
        Some(b) if b.is_ascii_alphabetic() => {
            const WORDS: [&str; 9] = ["y", "n", "yes", "no", "on", "off", "true", "false", "null"];
            if text.len() > 5 || !WORDS.iter().any(|w| w.eq_ignore_ascii_case(text)) {
                return false;
            }
        }
        Some(b'1'..=b'9') if bytes.len() <= 18 && bytes.iter().all(u8::is_ascii_digit) => {
            return false;
        }
        _ => {}
    }
    differs_from_yaml12_full(text)
}

/// [`differs_from_yaml12`] without its fast paths.
fn differs_from_yaml12_full(text: &str) -> bool {
    let v12 = crate::located::resolve_plain(text);
    pyyaml_differs(text, &v12) || kubectl_differs(text, &v12).is_some()
}

fn pyyaml_differs(text: &str, v12: &Value) -> bool {
    match (resolve(text), v12) {
        (Yaml11::Null, Value::Null) | (Yaml11::Str, Value::String(_)) => false,
        (Yaml11::Bool(a), Value::Bool(b)) => a != *b,
        (Yaml11::Int(Some(a)), Value::Number(n)) => {
            n.as_i64().map(i128::from).or(n.as_u64().map(i128::from)) != Some(a)
        }
        (Yaml11::Float, Value::Number(n)) => n.is_i64() || n.is_u64(),
        _ => true,
    }
}

/// What kubectl reads from a plain scalar, as the JSON value it sends to the API server.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kubectl {
    /// JSON `null`.
    Null,
    /// JSON `true` / `false`.
    Bool(bool),
    /// An integer (go-yaml's `int`, `int64` or `uint64`).
    Int(i128),
    /// A float; `json.Marshal` fails on infinities and NaN, so kubectl refuses those.
    Float(f64),
    /// The scalar's own text.
    Str,
}

impl Kubectl {
    /// The value as kubectl sends it, for messages: `8`, `false`, `1000.5`.
    pub fn json_text(&self, text: &str) -> String {
        match self {
            Kubectl::Null => "null".to_string(),
            Kubectl::Bool(b) => b.to_string(),
            Kubectl::Int(i) => i.to_string(),
            Kubectl::Float(f) if f.is_finite() => {
                // Go's json.Marshal writes 8.0 as 8.
                if f.fract() == 0.0 && f.abs() < 1e21 {
                    format!("{}", *f as i128)
                } else {
                    f.to_string()
                }
            }
            Kubectl::Float(f) => format!("{f} (which kubectl cannot encode as JSON)"),
            Kubectl::Str => serde_json::to_string(text).unwrap_or_default(),
        }
    }

    /// A short description of the type: "a boolean", "an integer", "a number", "a string".
    pub fn type_name(&self) -> &'static str {
        match self {
            Kubectl::Null => "null",
            Kubectl::Bool(_) => "a boolean",
            Kubectl::Int(_) => "an integer",
            Kubectl::Float(_) => "a number",
            Kubectl::Str => "a string",
        }
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)` then `ParseUint(s, 0, 64)` on a string without
/// underscores: an optional sign (ParseInt only), then `0x`/`0X` hex, `0o`/`0O` or a leading
/// `0` octal, `0b`/`0B` binary, else decimal.
fn go_parse_int_base0(s: &str) -> Option<i128> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let v = u64::from_str_radix(digits, radix).ok()?;
    let v = i128::from(v);
    if neg {
        // ParseInt's range; ParseUint takes no sign.
        (v <= i128::from(i64::MAX) + 1).then_some(-v)
    } else if s.starts_with('+') {
        (v <= i128::from(i64::MAX)).then_some(v)
    } else {
        Some(v)
    }
}

/// go-yaml v2's `yamlStyleFloat`: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn go_yaml_style_float(s: &str) -> bool {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mantissa, exp) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", frac)) => digits(frac),
        Some((int, frac)) => digits(int) && (frac.is_empty() || digits(frac)),
        None => digits(mantissa),
    };
    mantissa_ok && exp.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e)))
}

/// Could go-yaml v2's `parseTimestamp` take the text? Its formats (`2006-1-2`,
/// `2006-1-2T15:4:5.999999999Z07:00`, …) all start with four digits and `-`; a timestamp
/// decoded into `interface{}` stays a string.
fn go_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() > 4 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-'
}

/// What kubectl reads from a plain scalar: go-yaml v2's `resolve` (sigs.k8s.io/yaml's fork,
/// `goyaml.v2/resolve.go`, function `resolve`) followed by `decoder.scalar` into
/// `interface{}` (`goyaml.v2/decode.go`: a timestamp stays the string it was written as).
///
/// - the `resolveMap` words: `y`, `Y`, `yes`, `on`, `true` … are booleans, `n`, `no`, `off`,
///   `false` … too; `~`, `null` and the empty scalar are null; `.inf`, `.nan` are floats;
/// - a scalar starting with a digit or a sign is tried as a timestamp, then, with every `_`
///   removed, as `strconv.ParseInt(s, 0, 64)` (`010` is 8, `0x1F`, `0o17`, `0b101`), then
///   `ParseUint`, then as a float if it matches `yamlStyleFloat` (`1e3`, `08` → 8.0);
/// - a scalar starting with `.` is a float when `strconv.ParseFloat` takes it;
/// - everything else is a string (there are no sexagesimal numbers: "Base 60 floats are a
///   bad idea … purposefully unsupported here").
pub fn kubectl(text: &str) -> Kubectl {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Kubectl::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Kubectl::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Kubectl::Bool(false);
        }
        ".nan" | ".NaN" | ".NAN" => return Kubectl::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Kubectl::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Kubectl::Float(f64::NEG_INFINITY),
        _ => {}
    }
    let first = text.as_bytes()[0];
    if first == b'.' {
        // strconv.ParseFloat on a scalar starting with `.`: a Go decimal float literal, with
        // underscores only between digits.
        let b = text.as_bytes();
        let underscores_ok = b.iter().enumerate().all(|(i, &c)| {
            c != b'_'
                || (i > 0
                    && b[i - 1].is_ascii_digit()
                    && b.get(i + 1).is_some_and(u8::is_ascii_digit))
        });
        let plain = text.replace('_', "");
        return match plain.parse::<f64>() {
            Ok(f) if underscores_ok && go_yaml_style_float(&plain) && f.is_finite() => {
                Kubectl::Float(f)
            }
            _ => Kubectl::Str,
        };
    }
    if !(first.is_ascii_digit() || first == b'-' || first == b'+') {
        return Kubectl::Str;
    }
    if go_timestamp(text) {
        // A timestamp stays a string, and anything else starting `dddd-` parses as neither an
        // integer nor a float.
        return Kubectl::Str;
    }
    let plain = text.replace('_', "");
    if let Some(i) = go_parse_int_base0(&plain) {
        return Kubectl::Int(i);
    }
    if go_yaml_style_float(&plain) {
        return match plain.parse::<f64>() {
            Ok(f) if f.is_finite() => Kubectl::Float(f),
            _ => Kubectl::Str,
        };
    }
    Kubectl::Str
}

/// How kubectl's reading of a plain scalar differs from the YAML 1.2 core-schema reading
/// `v12` (the linter's): `None` when both send the same JSON value.
pub fn kubectl_differs(text: &str, v12: &Value) -> Option<Kubectl> {
    let k = kubectl(text);
    let same = match (k, v12) {
        (Kubectl::Null, Value::Null) | (Kubectl::Str, Value::String(_)) => true,
        (Kubectl::Bool(a), Value::Bool(b)) => a == *b,
        (Kubectl::Int(a), Value::Number(n)) => match (n.as_i64(), n.as_u64()) {
            (Some(b), _) => a == i128::from(b),
            (_, Some(b)) => a == i128::from(b),
            _ => n.as_f64().is_some_and(|f| f == a as f64),
        },
        // Both are JSON numbers: the API server sees the same number (Go writes 8.0 as 8).
        (Kubectl::Float(a), Value::Number(n)) => n.as_f64() == Some(a),
        _ => false,
    };
    (!same).then_some(k)
}

/// Would every YAML 1.1 reader we know read this plain scalar as the string it is? Both the
/// YAML 1.1 type repository ([`resolve`], as PyYAML reads it) and go-yaml v2 ([`kubectl`], as
/// kubectl reads it) must say string: they differ at the edges (go-yaml v2 reads `0X1F` as 31
/// through `strconv.ParseInt` base 0; the 1.1 repository's hex form is lower-case `0x` only).
pub fn plain_is_string_in_yaml11(text: &str) -> bool {
    resolve(text) == Yaml11::Str && kubectl(text) == Kubectl::Str
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_string_must_be_a_string_to_pyyaml_and_to_kubectl() {
        // PyYAML reads `0X1F` as a string, kubectl (go-yaml v2) as 31: not safe to write plain.
        assert_eq!(resolve("0X1F"), Yaml11::Str);
        assert_eq!(kubectl("0X1F"), Kubectl::Int(31));
        assert!(!plain_is_string_in_yaml11("0X1F"));
        assert!(!plain_is_string_in_yaml11("0x1F"));
        assert!(!plain_is_string_in_yaml11("no"));
        assert!(plain_is_string_in_yaml11("instant-api"));
        assert!(plain_is_string_in_yaml11("v1.2.3"));
    }

    /// The fast paths of `differs_from_yaml12` give the full answer: every short string
    /// over letters, digits and the characters the number forms use.
    #[test]
    fn fast_paths_agree_with_the_full_comparison() {
        let alphabet = [
            "y", "Y", "e", "s", "n", "N", "o", "O", "f", "t", "r", "u", "l", "0", "1", "9", "x",
            "_", ".", "-", "+", ":", "a",
        ];
        let mut words: Vec<String> = alphabet.iter().map(|s| s.to_string()).collect();
        for _ in 0..2 {
            let longer: Vec<String> = words
                .iter()
                .flat_map(|w| alphabet.iter().map(move |c| format!("{w}{c}")))
                .collect();
            words.extend(longer);
        }
        words.extend(
            [
                "yes",
                "Yes",
                "YES",
                "no",
                "NO",
                "On",
                "off",
                "OFF",
                "true",
                "True",
                "False",
                "NULL",
                "nuLL",
                "yEs",
                "12345678901234567",
                "123456789012345678",
                "1234567890123456789",
                "18446744073709551616",
                "instant-api",
                "v1",
            ]
            .map(String::from),
        );
        for w in &words {
            assert_eq!(differs_from_yaml12(w), differs_from_yaml12_full(w), "{w:?}");
        }
    }

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

    /// go-yaml v2 (`goyaml.v2/resolve.go` `resolve`), as kubectl reads it.
    #[test]
    fn kubectl_reads_like_go_yaml_v2() {
        use Kubectl::*;
        let cases: &[(&str, Kubectl)] = &[
            ("010", Int(8)),
            ("-010", Int(-8)),
            ("0", Int(0)),
            ("10", Int(10)),
            ("+12", Int(12)),
            ("1_000", Int(1000)),
            ("0x1F", Int(31)),
            ("0X1F", Int(31)),
            ("-0x1F", Int(-31)),
            ("0o17", Int(15)),
            ("0b101", Int(5)),
            ("-0b101", Int(-5)),
            ("18446744073709551615", Int(18_446_744_073_709_551_615)),
            ("08", Float(8.0)),
            ("1e3", Float(1000.0)),
            ("1.5", Float(1.5)),
            (".5", Float(0.5)),
            (".5_5", Float(0.55)),
            ("._5", Str),
            ("+.5", Float(0.5)),
            ("yes", Bool(true)),
            ("no", Bool(false)),
            ("y", Bool(true)),
            ("N", Bool(false)),
            ("On", Bool(true)),
            ("off", Bool(false)),
            ("~", Null),
            ("", Null),
            ("190:20:30", Str),
            ("1:30", Str),
            ("2024-01-01", Str),
            ("2024-01-01T10:00:00Z", Str),
            ("10s", Str),
            ("nope", Str),
            ("0x", Str),
            ("1.2.3", Str),
        ];
        for (text, want) in cases {
            assert_eq!(kubectl(text), *want, "{text}");
        }
        assert!(matches!(kubectl(".inf"), Float(f) if f.is_infinite()));
        assert!(matches!(kubectl("-.Inf"), Float(f) if f == f64::NEG_INFINITY));
    }

    #[test]
    fn kubectl_differences_from_yaml12() {
        let differs = |t: &str| kubectl_differs(t, &crate::located::resolve_plain(t));
        assert_eq!(differs("010"), Some(Kubectl::Int(8)));
        assert_eq!(differs("no"), Some(Kubectl::Bool(false)));
        assert_eq!(differs("1_000"), Some(Kubectl::Int(1000)));
        assert_eq!(differs("0X1F"), Some(Kubectl::Int(31)));
        // The same JSON number either way.
        assert_eq!(differs("08"), None);
        assert_eq!(differs("1e3"), None);
        assert_eq!(differs("0o17"), None);
        assert_eq!(differs("0x1F"), None);
        assert_eq!(differs("10"), None);
        assert_eq!(differs("2024-01-01"), None);
        assert_eq!(differs("1:30"), None);
        assert_eq!(differs("true"), None);
        assert_eq!(Kubectl::Int(8).json_text("010"), "8");
        assert_eq!(Kubectl::Float(8.0).json_text("08"), "8");
        assert_eq!(Kubectl::Bool(false).json_text("no"), "false");
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

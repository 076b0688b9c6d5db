//! Value types that parse and print the way Argo Rollouts and Kubernetes do.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

/// Why a duration string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// Nothing to parse.
    #[error("empty duration")]
    Empty,
    /// A number with no unit, where Go's `time.ParseDuration` needs one.
    #[error("missing unit in duration `{0}` (write e.g. `{0}s`)")]
    MissingUnit(String),
    /// A unit Go does not know, such as `d` or `w`.
    #[error(
        "unknown unit `{unit}` in duration `{text}`: use ns, us, ms, s, m or h{}",
        day_hint(unit)
    )]
    UnknownUnit {
        /// The whole text.
        text: String,
        /// The offending unit.
        unit: String,
    },
    /// Anything else that is not a duration.
    #[error("invalid duration `{0}`: expected a Go duration such as 90s, 5m or 1h30m")]
    Invalid(String),
    /// Negative values are never meaningful here.
    #[error("negative duration `{0}`")]
    Negative(String),
    /// Longer than Go's `time.Duration` holds (2562047h47m16.854775807s).
    #[error(
        "duration `{0}` is longer than Go's limit of 2562047h47m16.854775807s; Go's \
         time.ParseDuration rejects it (the controller and the plugin then fail)"
    )]
    OutOfRange(String),
}

/// Nanoseconds one past the longest Go `time.Duration` (an `int64`): 2^63.
const GO_DURATION_LIMIT: u64 = 1 << 63;

fn day_hint(unit: &str) -> &'static str {
    match unit {
        "d" => " (there is no `d`; write 24h)",
        "w" => " (there is no `w`; write 168h)",
        _ => "",
    }
}

/// Parse a Go `time.ParseDuration` string into whole seconds, truncating like Argo's
/// `int32(d.Seconds())` (`pkg/apis/rollouts/v1alpha1/types.go`, `DurationSeconds`).
///
/// Accepts the Go units `ns`, `us`, `µs`, `ms`, `s`, `m`, `h`, decimals (`1.5h`) and chains
/// (`1h30m`). A bare `0` is valid, as in Go; any other bare number is an error.
pub fn parse_go_duration(text: &str) -> Result<u64, DurationError> {
    // Go does not trim: " 5m" is an error there, so it is here.
    let s = text;
    if s.is_empty() {
        return Err(DurationError::Empty);
    }
    let (neg, body) = match s.as_bytes()[0] {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if body == "0" {
        return Ok(0);
    }
    if body.is_empty() {
        return Err(DurationError::Invalid(text.to_string()));
    }
    // Whole nanoseconds, accumulated as Go's `time.ParseDuration` does (`src/time/format.go`):
    // the integer part exactly, with an overflow check past 2^63; the fraction through a
    // float64 scaled to the unit; the total must fit an int64.
    let out_of_range = || DurationError::OutOfRange(text.to_string());
    let mut total: u64 = 0;
    let mut rest = body;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let num = &rest[..num_len];
        if num.is_empty() || num == "." || num.matches('.').count() > 1 {
            return Err(DurationError::Invalid(text.to_string()));
        }
        let (whole, fraction) = num.split_once('.').unwrap_or((num, ""));
        let mut value: u64 = 0;
        for digit in whole.bytes() {
            value = value
                .checked_mul(10)
                .and_then(|v| v.checked_add(u64::from(digit - b'0')))
                .filter(|v| *v <= GO_DURATION_LIMIT)
                .ok_or_else(out_of_range)?;
        }
        // Go stops taking fraction digits once they would overflow; they change nothing.
        let (mut frac, mut scale) = (0u64, 1f64);
        for digit in fraction.bytes() {
            if frac > (GO_DURATION_LIMIT - 1) / 10 {
                continue;
            }
            frac = frac * 10 + u64::from(digit - b'0');
            scale *= 10.0;
        }
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let unit_nanos: u64 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            "" => return Err(DurationError::MissingUnit(text.to_string())),
            other => {
                return Err(DurationError::UnknownUnit {
                    text: text.to_string(),
                    unit: other.to_string(),
                });
            }
        };
        if value > GO_DURATION_LIMIT / unit_nanos {
            return Err(out_of_range());
        }
        value *= unit_nanos;
        if frac > 0 {
            value += (frac as f64 * (unit_nanos as f64 / scale)) as u64;
            if value > GO_DURATION_LIMIT {
                return Err(out_of_range());
            }
        }
        total = total
            .checked_add(value)
            .filter(|t| *t <= GO_DURATION_LIMIT)
            .ok_or_else(out_of_range)?;
    }
    if neg && total > 0 {
        return Err(DurationError::Negative(text.to_string()));
    }
    if total > GO_DURATION_LIMIT - 1 {
        return Err(out_of_range());
    }
    Ok(total / 1_000_000_000)
}

/// Format whole seconds as the shortest Go duration (`300` → `5m`, `5400` → `1h30m`).
pub fn format_go_duration(seconds: u64) -> String {
    if seconds == 0 {
        return "0s".to_string();
    }
    let (h, m, s) = (seconds / 3600, (seconds % 3600) / 60, seconds % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if s > 0 {
        out.push_str(&format!("{s}s"));
    }
    out
}

/// A duration written as Argo's `pause.duration` takes it: an integer (seconds), a string of
/// digits (seconds) or a Go duration string.
///
/// Source: `RolloutPause.DurationSeconds` in `pkg/apis/rollouts/v1alpha1/types.go`; the CRD marks
/// the field `x-kubernetes-int-or-string`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PauseDuration(pub IntOrString);

impl PauseDuration {
    /// A duration printed as a Go string, e.g. `5m`.
    pub fn from_seconds(seconds: u64) -> Self {
        PauseDuration(IntOrString::String(format_go_duration(seconds)))
    }

    /// Seconds Argo waits, or why it cannot parse it (Argo then reports
    /// `Duration needs to be greater than 0`).
    pub fn seconds(&self) -> Result<u64, DurationError> {
        match &self.0 {
            IntOrString::Int(i) if *i < 0 => Err(DurationError::Negative(i.to_string())),
            IntOrString::Int(i) => Ok(*i as u64),
            IntOrString::String(s) => {
                // strconv.ParseInt first, as DurationSeconds does: "10" and "+10" are seconds.
                let digits = s.strip_prefix('+').unwrap_or(s);
                let negative =
                    s.len() > 1 && s.starts_with('-') && s[1..].bytes().all(|b| b.is_ascii_digit());
                if negative {
                    Err(DurationError::Negative(s.clone()))
                } else if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                    // `strconv.ParseInt(s, 10, 32)`: past an int32 it is not seconds, and
                    // `time.ParseDuration` then finds no unit (Argo Rollouts,
                    // `pkg/apis/rollouts/v1alpha1/types.go`, `RolloutPause.DurationSeconds`).
                    match digits.parse::<i32>() {
                        Ok(seconds) => Ok(seconds as u64),
                        Err(_) => Err(DurationError::MissingUnit(s.clone())),
                    }
                } else {
                    parse_go_duration(s)
                }
            }
        }
    }
}

impl fmt::Display for PauseDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            IntOrString::Int(i) => write!(f, "{i}"),
            IntOrString::String(s) => f.write_str(s),
        }
    }
}

impl Serialize for PauseDuration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for PauseDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        IntOrString::deserialize(deserializer).map(PauseDuration)
    }
}

/// A duration that must be a Go duration string (`interval`, `initialDelay` on a metric):
/// Argo parses it with `time.ParseDuration`, so a bare `60` is an error there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DurationString(pub String);

impl DurationString {
    /// A duration printed as a Go string.
    pub fn from_seconds(seconds: u64) -> Self {
        DurationString(format_go_duration(seconds))
    }

    /// Whole seconds, or why Go would reject it.
    pub fn seconds(&self) -> Result<u64, DurationError> {
        parse_go_duration(&self.0)
    }
}

impl fmt::Display for DurationString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Resolve an int-or-percent the way `intstr.GetValueFromIntOrPercent` does, as Argo calls it
/// for `maxSurge` / `maxUnavailable`: every string is a percentage, with or without `%`
/// (`utils/replicaset/replicaset.go`, `resolveFenceposts`).
pub fn resolve_int_or_percent(
    value: &IntOrString,
    total: i64,
    round_up: bool,
) -> Result<i64, String> {
    match value {
        IntOrString::Int(i) => Ok(i64::from(*i)),
        IntOrString::String(s) => {
            let digits = s.strip_suffix('%').unwrap_or(s);
            let pct: i64 = digits
                .parse()
                .map_err(|_| format!("invalid value for IntOrString: invalid value {s:?}"))?;
            let scaled = pct * total;
            Ok(if round_up {
                (scaled + 99).div_euclid(100)
            } else {
                scaled.div_euclid(100)
            })
        }
    }
}

/// Is this a valid RFC 1123 DNS label (Service, Namespace names)?
pub fn is_dns1123_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// Is this a valid RFC 1123 DNS subdomain (most object names)?
pub fn is_dns1123_subdomain(s: &str) -> bool {
    !s.is_empty() && s.len() <= 253 && s.split('.').all(is_dns1123_label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations_parse_like_go() {
        assert_eq!(parse_go_duration("90s"), Ok(90));
        assert_eq!(parse_go_duration("5m"), Ok(300));
        assert_eq!(parse_go_duration("1h30m"), Ok(5400));
        assert_eq!(parse_go_duration("1.5h"), Ok(5400));
        assert_eq!(parse_go_duration("500ms"), Ok(0));
        assert_eq!(parse_go_duration("0"), Ok(0));
        assert!(matches!(
            parse_go_duration("1d"),
            Err(DurationError::UnknownUnit { .. })
        ));
        assert!(matches!(
            parse_go_duration("60"),
            Err(DurationError::MissingUnit(_))
        ));
        assert!(parse_go_duration("").is_err());
        assert!(parse_go_duration("m").is_err());
        assert!(parse_go_duration("1..5s").is_err());
    }

    #[test]
    fn pause_durations_accept_integers_and_digit_strings() {
        assert_eq!(PauseDuration(IntOrString::Int(10)).seconds(), Ok(10));
        assert_eq!(
            PauseDuration(IntOrString::String("10".into())).seconds(),
            Ok(10)
        );
        assert_eq!(
            PauseDuration(IntOrString::String("2m".into())).seconds(),
            Ok(120)
        );
        assert!(
            PauseDuration(IntOrString::String("1d".into()))
                .seconds()
                .is_err()
        );
        assert!(PauseDuration(IntOrString::Int(-1)).seconds().is_err());
    }

    #[test]
    fn follows_go_edge_cases() {
        let s = |v: &str| PauseDuration(IntOrString::String(v.into()));
        assert_eq!(s("+10").seconds(), Ok(10));
        assert!(s("-10").seconds().is_err());
        assert!(parse_go_duration(" 5m").is_err());
        let msg = parse_go_duration("2w").unwrap_err().to_string();
        assert!(msg.contains("168h"), "{msg}");
        assert!(
            !parse_go_duration("5x")
                .unwrap_err()
                .to_string()
                .contains("24h")
        );
    }

    /// Issue 13, B11: Go's `time.Duration` range, at the limit and one nanosecond past it,
    /// in every spelling; `strconv.ParseInt(s, 10, 32)` for bare digits.
    #[test]
    fn go_duration_range_is_enforced() {
        let max = 9_223_372_036; // seconds in 2^63 - 1 ns
        assert_eq!(parse_go_duration("2562047h47m16.854775807s"), Ok(max));
        assert_eq!(parse_go_duration("9223372036854775807ns"), Ok(max));
        assert_eq!(parse_go_duration("9223372036.854775807s"), Ok(max));
        for past in [
            "2562047h47m16.854775808s",
            "9223372036854775808ns",
            "2562048h",
            "18446744073709551615s",
            "99999999999999h",
            "99999999999999999999999ns",
        ] {
            assert_eq!(
                parse_go_duration(past),
                Err(DurationError::OutOfRange(past.into())),
                "{past}"
            );
        }
        let msg = parse_go_duration("2562048h").unwrap_err().to_string();
        assert!(msg.contains("2562047h47m16.854775807s"), "{msg}");
        let s = |v: &str| PauseDuration(IntOrString::String(v.into())).seconds();
        assert_eq!(s("2147483647"), Ok(2_147_483_647));
        assert_eq!(
            s("2147483648"),
            Err(DurationError::MissingUnit("2147483648".into()))
        );
        assert_eq!(
            s("18446744073709551615s"),
            Err(DurationError::OutOfRange("18446744073709551615s".into()))
        );
        // Fractions still truncate as before.
        assert_eq!(parse_go_duration("1.5h"), Ok(5400));
        assert_eq!(parse_go_duration("0.1s"), Ok(0));
        assert_eq!(parse_go_duration("1.9999999999s"), Ok(1));
        assert_eq!(parse_go_duration("5.s"), Ok(5));
    }

    #[test]
    fn formats_shortest_go_duration() {
        assert_eq!(format_go_duration(300), "5m");
        assert_eq!(format_go_duration(5400), "1h30m");
        assert_eq!(format_go_duration(61), "1m1s");
        assert_eq!(format_go_duration(0), "0s");
    }

    #[test]
    fn strings_are_percentages() {
        let s = |v: &str| IntOrString::String(v.into());
        assert_eq!(resolve_int_or_percent(&s("25%"), 2, true), Ok(1));
        assert_eq!(resolve_int_or_percent(&s("25%"), 2, false), Ok(0));
        assert_eq!(resolve_int_or_percent(&s("1"), 10, true), Ok(1));
        assert_eq!(resolve_int_or_percent(&s("1"), 200, false), Ok(2));
        assert_eq!(
            resolve_int_or_percent(&IntOrString::Int(3), 10, true),
            Ok(3)
        );
        assert!(resolve_int_or_percent(&s("x"), 10, true).is_err());
    }

    #[test]
    fn dns_names() {
        assert!(is_dns1123_label("instant-api"));
        assert!(!is_dns1123_label("Instant"));
        assert!(!is_dns1123_label("-a"));
        assert!(is_dns1123_subdomain("a.b-c"));
    }
}

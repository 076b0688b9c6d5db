//! `.canary-lint.toml` (at the root, or `--config FILE`): rule severities and disables,
//! include/exclude globs, the readiness allowance, the New Relic namespace attribute, extra
//! Prometheus jobs, CRD schemas, objects defined outside the repo, and per-file suppressions
//! (JSON files have no comments).
//!
//! ```toml
//! readiness-allowance = "90s"
//! newrelic-namespace-attribute = "exported_namespace"
//! prometheus-jobs = ["legacy-api"]
//! include = ["k8s/**", "api/.github/workflows/**", "newrelic/**"]
//! exclude = ["charts/**"]
//! crd-dir = "crds"
//! strict-references = false
//!
//! [rules]
//! CL1001 = "off"
//! quoted-max-surge = "error"
//!
//! [external]
//! ClusterAnalysisTemplate = ["platform-*"]
//! Service = ["payments/shared-gateway"]
//!
//! [[per-file]]
//! path = "newrelic/alerts/legacy.json"
//! allow = ["CL705"]
//! reason = "imported from the old account; rewritten in Q1"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use canary_core::diag::{Located, render_error};
use canary_core::located::{Pos, Span};
use serde::Deserialize;
use toml::Spanned;

use crate::diagnostic::{Diagnostic, Severity};
use crate::registry::find_rule;
use crate::settings::Settings;

/// The default config file name at the root.
pub const CONFIG_FILE: &str = ".canary-lint.toml";

/// What a rule is set to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleLevel {
    /// Do not report.
    Off,
    /// Report as info.
    Info,
    /// Report as a warning.
    Warning,
    /// Report as an error.
    Error,
}

/// One `[[per-file]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct PerFileRaw {
    path: Spanned<String>,
    allow: Vec<Spanned<String>>,
    reason: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct ConfigRaw {
    readiness_allowance: Option<Spanned<toml::Value>>,
    newrelic_namespace_attribute: Option<Spanned<String>>,
    #[serde(default)]
    prometheus_jobs: Vec<String>,
    #[serde(default)]
    include: Vec<Spanned<String>>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    crd_dir: Option<Spanned<String>>,
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, Spanned<RuleLevel>>,
    #[serde(default)]
    per_file: Vec<PerFileRaw>,
    #[serde(default)]
    strict_references: bool,
    #[serde(default)]
    external: BTreeMap<Spanned<String>, Vec<Spanned<String>>>,
}

/// Command-line values that win over the config file.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--readiness-allowance`.
    pub readiness_allowance_secs: Option<u64>,
    /// `--crd-dir`.
    pub crd_dir: Option<PathBuf>,
}

/// A per-file suppression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PerFileAllow {
    /// Repo-relative path.
    pub path: String,
    /// Codes or names.
    pub allow: Vec<String>,
}

/// A validated config.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    /// Seconds per setWeight step in CI budgets.
    pub readiness_allowance_secs: Option<u64>,
    /// `namespace` or `exported_namespace`.
    pub newrelic_namespace_attribute: Option<String>,
    /// Jobs defined outside the repo (e.g. by a central Prometheus).
    pub prometheus_jobs: Vec<String>,
    /// Only files matching one of these globs are linted (all when empty).
    pub include: Vec<String>,
    /// Files matching these globs are not linted.
    pub exclude: Vec<String>,
    /// Directory of CustomResourceDefinition YAML for strict schema checks, relative to the root.
    pub crd_dir: Option<PathBuf>,
    /// Rule code → level.
    pub rules: BTreeMap<&'static str, RuleLevel>,
    /// Per-file suppressions.
    pub per_file: Vec<PerFileAllow>,
    /// Every missing reference target is an error.
    pub strict_references: bool,
    /// `[external]`: `(kind, pattern)` of objects defined outside the repo.
    pub external: Vec<(String, String)>,
}

/// Why the config could not be used; rendered with its location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The file.
    pub path: String,
    /// Its text.
    pub text: String,
    /// Every problem.
    pub problems: Vec<Located>,
}

impl ConfigError {
    /// rustc-style rendering of every problem.
    pub fn render(&self, styled: bool) -> String {
        let mut out = String::new();
        for p in &self.problems {
            out.push_str(&render_error(&self.path, &self.text, p, styled));
            out.push('\n');
        }
        out
    }
}

fn pos_at(text: &str, offset: usize) -> Pos {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() as u32 + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    Pos {
        line,
        col: text[line_start..offset].chars().count() as u32 + 1,
    }
}

fn span_of(text: &str, range: std::ops::Range<usize>) -> Span {
    Span {
        start: pos_at(text, range.start),
        end: pos_at(text, range.end),
    }
}

/// Largest config file read (`.canary-lint.toml`); a larger one is an error.
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

impl Config {
    /// Read `path` if given, else `<root>/.canary-lint.toml` if it exists, else defaults.
    pub fn discover(root: &Path, explicit: Option<&Path>) -> Result<Config, ConfigError> {
        let (path, required) = match explicit {
            Some(p) => (p.to_path_buf(), true),
            None => {
                let base = if root.is_dir() {
                    root.to_path_buf()
                } else {
                    root.parent().map(Path::to_path_buf).unwrap_or_default()
                };
                (base.join(CONFIG_FILE), false)
            }
        };
        let fail = |message: String| ConfigError {
            path: path.display().to_string(),
            text: String::new(),
            problems: vec![Located {
                span: Span::file_start(),
                message,
                help: None,
            }],
        };
        match crate::repo::load::read_regular(&path, MAX_CONFIG_BYTES) {
            Ok(Some(bytes)) => match String::from_utf8(bytes) {
                Ok(text) => Config::parse(&path.display().to_string(), &text),
                Err(_) => Err(fail(
                    "cannot read the config: it is not UTF-8; re-encode it as UTF-8".into(),
                )),
            },
            Ok(None) => Err(fail(format!(
                "cannot read the config: it is larger than {} KiB; a config is a few lines",
                MAX_CONFIG_BYTES / 1024
            ))),
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => {
                Ok(Config::default())
            }
            Err(e) => Err(fail(format!(
                "cannot read the config: {e}; make it a regular file or remove it"
            ))),
        }
    }

    /// Parse and validate config text.
    pub fn parse(path: &str, text: &str) -> Result<Config, ConfigError> {
        let fail = |problems| ConfigError {
            path: path.to_string(),
            text: text.to_string(),
            problems,
        };
        let raw: ConfigRaw = toml::from_str(text).map_err(|e| {
            let span = e.span().map_or_else(Span::file_start, |r| span_of(text, r));
            fail(vec![Located {
                span,
                message: e.message().to_string(),
                help: Some("keys: readiness-allowance, newrelic-namespace-attribute, prometheus-jobs, include, exclude, crd-dir, strict-references, [rules], [[per-file]], [external]".into()),
            }])
        })?;
        let mut problems = Vec::new();
        let mut config = Config {
            prometheus_jobs: raw.prometheus_jobs,
            strict_references: raw.strict_references,
            ..Config::default()
        };
        for (kind, patterns) in &raw.external {
            for pattern in patterns {
                match crate::settings::External::new(kind.get_ref(), pattern.get_ref()) {
                    Ok(_) => config
                        .external
                        .push((kind.get_ref().clone(), pattern.get_ref().clone())),
                    Err(message) => {
                        let span = if message.contains("not a kind") {
                            kind.span()
                        } else {
                            pattern.span()
                        };
                        problems.push(Located {
                            span: span_of(text, span),
                            message,
                            help: Some("[external] maps a kind to `name` or `namespace/name` patterns, e.g. Service = [\"payments/api-*\"]".into()),
                        });
                    }
                }
            }
        }
        if let Some(v) = raw.readiness_allowance {
            let secs = match v.get_ref() {
                toml::Value::Integer(i) if *i >= 0 => Some(*i as u64),
                toml::Value::String(s) => canary_core::model::values::parse_go_duration(s).ok(),
                _ => None,
            };
            match secs {
                Some(s) => config.readiness_allowance_secs = Some(s),
                None => problems.push(Located {
                    span: span_of(text, v.span()),
                    message: "readiness-allowance must be seconds or a Go duration such as \"90s\""
                        .into(),
                    help: None,
                }),
            }
        }
        if let Some(attr) = raw.newrelic_namespace_attribute {
            if matches!(attr.get_ref().as_str(), "namespace" | "exported_namespace") {
                config.newrelic_namespace_attribute = Some(attr.get_ref().clone());
            } else {
                problems.push(Located { span: span_of(text, attr.span()), message: format!("`{}` is not `namespace` or `exported_namespace`", attr.get_ref()), help: Some("the attribute that holds the Rollout's namespace on controller metrics in New Relic".into()) });
            }
        }
        for (list, out) in [
            (&raw.include, &mut config.include),
            (&raw.exclude, &mut config.exclude),
        ] {
            for glob in list {
                match ignore::overrides::OverrideBuilder::new(".").add(glob.get_ref()) {
                    Ok(_) => out.push(glob.get_ref().clone()),
                    Err(e) => problems.push(Located {
                        span: span_of(text, glob.span()),
                        message: format!("bad glob: {e}"),
                        help: None,
                    }),
                }
            }
        }
        config.crd_dir = raw.crd_dir.map(|d| PathBuf::from(d.into_inner()));
        for (key, level) in raw.rules {
            match find_rule(key.get_ref()) {
                Some(rule) => {
                    config.rules.insert(rule.meta().code, *level.get_ref());
                }
                None => problems.push(Located {
                    span: span_of(text, key.span()),
                    message: format!("`{}` is not a canary-lint rule", key.get_ref()),
                    help: Some("`canary-lint rules` lists every code and name".into()),
                }),
            }
        }
        for entry in raw.per_file {
            let mut allow = Vec::new();
            for code in &entry.allow {
                match find_rule(code.get_ref()) {
                    Some(rule) => allow.push(rule.meta().code.to_string()),
                    None => problems.push(Located {
                        span: span_of(text, code.span()),
                        message: format!("`{}` is not a canary-lint rule", code.get_ref()),
                        help: None,
                    }),
                }
            }
            if entry
                .reason
                .as_ref()
                .is_none_or(|r| r.get_ref().trim().is_empty())
            {
                problems.push(Located {
                    span: span_of(text, entry.path.span()),
                    message: format!(
                        "the per-file suppression for `{}` has no reason",
                        entry.path.get_ref()
                    ),
                    help: Some("add `reason = \"why this is acceptable\"`".into()),
                });
            }
            config.per_file.push(PerFileAllow {
                path: entry.path.into_inner(),
                allow,
            });
        }
        if problems.is_empty() {
            Ok(config)
        } else {
            Err(fail(problems))
        }
    }

    /// The rule settings for linting `root`: the config's values, with command-line
    /// overrides, and the CRD schemas loaded when a CRD directory is set (relative to the root
    /// in the config, as given on the command line).
    pub fn settings(&self, root: &Path, overrides: &Overrides) -> Result<Settings, String> {
        let defaults = Settings::default();
        let base = if root.is_dir() {
            root.to_path_buf()
        } else {
            root.parent().map(Path::to_path_buf).unwrap_or_default()
        };
        let crd_dir = overrides
            .crd_dir
            .clone()
            .or_else(|| self.crd_dir.as_ref().map(|d| base.join(d)));
        let crd_schemas = match crd_dir {
            Some(dir) => Some(std::sync::Arc::new(
                canary_core::crd::CrdSchemas::load_dir(&dir).map_err(|e| e.to_string())?,
            )),
            None => None,
        };
        Ok(Settings {
            crd_schemas,
            readiness_allowance_secs: overrides
                .readiness_allowance_secs
                .or(self.readiness_allowance_secs)
                .unwrap_or(defaults.readiness_allowance_secs),
            prometheus_jobs: self.prometheus_jobs.clone(),
            strict_references: self.strict_references,
            external: self
                .external
                .iter()
                .filter_map(|(kind, pattern)| crate::settings::External::new(kind, pattern).ok())
                .collect(),
            newrelic_namespace_attribute: self
                .newrelic_namespace_attribute
                .clone()
                .unwrap_or(defaults.newrelic_namespace_attribute),
        })
    }

    /// Apply rule levels and per-file suppressions to findings.
    pub fn apply(&self, diagnostics: &mut Vec<Diagnostic>) {
        diagnostics.retain_mut(|d| {
            if self
                .per_file
                .iter()
                .any(|p| p.path == d.file && p.allow.iter().any(|c| c == d.code))
            {
                return false;
            }
            match self.rules.get(d.code) {
                Some(RuleLevel::Off) => false,
                Some(RuleLevel::Info) => {
                    d.severity = Severity::Info;
                    true
                }
                Some(RuleLevel::Warning) => {
                    d.severity = Severity::Warning;
                    true
                }
                Some(RuleLevel::Error) => {
                    d.severity = Severity::Error;
                    true
                }
                None => true,
            }
        });
    }

    /// Does a repo-relative path pass the include/exclude globs?
    pub fn selects(&self, rel: &str) -> bool {
        let matches = |globs: &[String]| {
            let mut b = ignore::overrides::OverrideBuilder::new("/");
            for g in globs {
                let _ = b.add(g);
            }
            b.build()
                .is_ok_and(|o| o.matched(Path::new("/").join(rel), false).is_whitelist())
        };
        (self.include.is_empty() || matches(&self.include))
            && (self.exclude.is_empty() || !matches(&self.exclude))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_full_config() {
        let c = Config::parse(
            "c.toml",
            "readiness-allowance = \"90s\"\nnewrelic-namespace-attribute = \"exported_namespace\"\nprometheus-jobs = [\"legacy\"]\ninclude = [\"k8s/**\"]\nexclude = [\"k8s/old/**\"]\n[rules]\nCL104 = \"warning\"\nworkload-ref-target-exists = \"off\"\n[[per-file]]\npath = \"a.json\"\nallow = [\"CL104\"]\nreason = \"legacy\"\n",
        )
        .expect("valid");
        assert_eq!(c.readiness_allowance_secs, Some(90));
        assert_eq!(c.rules.get("CL101"), Some(&RuleLevel::Off));
        assert_eq!(c.rules.get("CL104"), Some(&RuleLevel::Warning));
        assert!(c.selects("k8s/app.yaml"));
        assert!(!c.selects("k8s/old/app.yaml"));
        assert!(!c.selects("other/app.yaml"));
    }

    #[test]
    fn bad_keys_and_values_are_located() {
        let e = Config::parse("c.toml", "readiness = 1\n").unwrap_err();
        assert_eq!(e.problems[0].span.start, Pos { line: 1, col: 1 });
        assert!(
            e.problems[0].message.contains("unknown field"),
            "{:?}",
            e.problems
        );
        let e =
            Config::parse("c.toml", "[rules]\nCL999 = \"off\"\nCL104 = \"loud\"\n").unwrap_err();
        assert!(!e.problems.is_empty());
        let e = Config::parse("c.toml", "[rules]\nCL999 = \"off\"\n").unwrap_err();
        assert_eq!(e.problems[0].span.start, Pos { line: 2, col: 1 });
        let e = Config::parse(
            "c.toml",
            "[[per-file]]\npath = \"a.json\"\nallow = [\"CL104\"]\n",
        )
        .unwrap_err();
        assert!(e.problems[0].message.contains("no reason"));
    }
}

//! Helm charts: a directory holding `Chart.yaml` is a chart, and the files under its
//! `templates/` are Go templates that Helm renders, not manifests. They are not parsed (a
//! template is rarely valid YAML as written, and what it renders to depends on values), and
//! neither are the chart's `values*.yaml`, which are not Kubernetes objects (`Chart.yaml` is
//! read: it is plain YAML of no known kind, and the chart's note points at it).
//! One note per chart says how many templates were left out and how to lint what they render.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use canary_core::located::Span;

use super::problem::{LoadProblem, ProblemKind};

/// Which walked files belong to a Helm chart, and how many templates each chart had.
#[derive(Debug)]
pub struct HelmCharts {
    root: PathBuf,
    /// Repo-relative directory → does it hold `Chart.yaml`.
    charts: Mutex<HashMap<String, bool>>,
    /// Chart directory → templates left out.
    skipped: Mutex<BTreeMap<String, usize>>,
}

/// What a file is to its chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Template,
    Metadata,
}

impl HelmCharts {
    /// Charts found under `root` as the walk reaches them.
    pub fn new(root: &Path) -> Self {
        HelmCharts {
            root: root.to_path_buf(),
            charts: Mutex::default(),
            skipped: Mutex::default(),
        }
    }

    fn is_chart(&self, dir: &str) -> bool {
        if let Ok(charts) = self.charts.lock()
            && let Some(&known) = charts.get(dir)
        {
            return known;
        }
        let found = self.root.join(dir).join("Chart.yaml").is_file();
        if let Ok(mut charts) = self.charts.lock() {
            charts.insert(dir.to_string(), found);
        }
        found
    }

    /// The chart `rel` (a repo-relative path with `/` separators) belongs to, and how.
    fn chart_of(&self, rel: &str) -> Option<(String, Role)> {
        let parts: Vec<&str> = rel.split('/').collect();
        let (name, dirs) = parts.split_last()?;
        for (i, part) in dirs.iter().enumerate() {
            if *part == "templates" {
                let chart = dirs[..i].join("/");
                if self.is_chart(&chart) {
                    return Some((chart, Role::Template));
                }
            }
        }
        // `Chart.yaml` is read (it is YAML and no kind of object, and the chart's note points
        // at it); values files may hold anything.
        let is_metadata = name.starts_with("values")
            && [".yaml", ".yml", ".json"].iter().any(|e| name.ends_with(e));
        let dir = dirs.join("/");
        (is_metadata && self.is_chart(&dir)).then_some((dir, Role::Metadata))
    }

    /// Should the walk leave `rel` out? Counts the templates it leaves out.
    pub fn skip(&self, rel: &str) -> bool {
        let Some((chart, role)) = self.chart_of(rel) else {
            return false;
        };
        if role == Role::Template
            && let Ok(mut skipped) = self.skipped.lock()
        {
            *skipped.entry(chart).or_default() += 1;
        }
        true
    }

    /// One note per chart with templates left out, at its `Chart.yaml`.
    pub fn notes(self) -> Vec<LoadProblem> {
        let skipped = self.skipped.into_inner().unwrap_or_default();
        skipped
            .into_iter()
            .map(|(chart, count)| {
                let (file, shown) = if chart.is_empty() {
                    ("Chart.yaml".to_string(), ".".to_string())
                } else {
                    (format!("{chart}/Chart.yaml"), chart.clone())
                };
                let what = if count == 1 {
                    "1 template not linted (a Go template that Helm renders, not a manifest)"
                        .to_string()
                } else {
                    format!("{count} templates not linted (Go templates that Helm renders, not manifests)")
                };
                LoadProblem::new(
                    ProblemKind::HelmChart,
                    file,
                    Span::file_start(),
                    format!("Helm chart `{shown}`: {what}"),
                )
                .with_help(format!(
                    "lint what the chart renders: `helm template {shown} | canary-lint -` (add your `-f values-<env>.yaml`)"
                ))
            })
            .collect()
    }
}

/// The first Helm template action in `text` (`{{ .Values.replicaCount }}`), if it holds one:
/// `{{ … }}` that reads Helm's objects (`.Values`, `.Release`, `.Chart`, `.Capabilities`) or
/// calls `include` or `template`. Argo's own `{{args.x}}` placeholders and other `{{ }}` text
/// are not Helm actions.
pub fn template_action(text: &str) -> Option<&str> {
    const HELM: [&str; 6] = [
        ".Values",
        ".Release",
        ".Chart",
        ".Capabilities",
        "include ",
        "template ",
    ];
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start..];
        let end = after.find("}}").map_or(after.len(), |e| e + 2);
        let action = &after[..end];
        if !action.contains('\n') && HELM.iter().any(|h| action.contains(h)) {
            return Some(action);
        }
        rest = &after[2..];
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helm_actions_are_told_from_other_braces() {
        assert_eq!(
            template_action("name: {{ template \"app.fullname\" . }}\n"),
            Some("{{ template \"app.fullname\" . }}")
        );
        assert_eq!(
            template_action("a: x\nreplicas: {{ .Values.replicaCount }}\n"),
            Some("{{ .Values.replicaCount }}")
        );
        assert_eq!(
            template_action("labels:\n  {{- include \"app.labels\" . | nindent 4 }}\n"),
            Some("{{- include \"app.labels\" . | nindent 4 }}")
        );
        // Argo placeholders, Go templates of other tools, and unclosed braces are not Helm.
        assert_eq!(template_action("query: up{job=\"{{args.job}}\"}\n"), None);
        assert_eq!(template_action("msg: '{{ .app.metadata.name }}'\n"), None);
        assert_eq!(template_action("a: {{\nb: .Values\n"), None);
        assert_eq!(template_action("a: 1\n"), None);
    }

    #[test]
    fn templates_and_metadata_of_a_chart_are_left_out() {
        let dir = match tempfile::tempdir() {
            Ok(d) => d,
            Err(e) => panic!("tempdir: {e}"),
        };
        let chart = dir.path().join("charts/api");
        for sub in ["templates/sub", "crds"] {
            if let Err(e) = std::fs::create_dir_all(chart.join(sub)) {
                panic!("mkdir: {e}");
            }
        }
        if let Err(e) = std::fs::write(chart.join("Chart.yaml"), "apiVersion: v2\nname: api\n") {
            panic!("write: {e}");
        }
        let helm = HelmCharts::new(dir.path());
        assert!(helm.skip("charts/api/templates/rollout.yaml"));
        assert!(helm.skip("charts/api/templates/sub/svc.yaml"));
        assert!(helm.skip("charts/api/values.yaml"));
        assert!(helm.skip("charts/api/values-prod.yaml"));
        assert!(!helm.skip("charts/api/Chart.yaml"));
        // CRDs of a chart are plain manifests; a `templates/` outside a chart is a folder.
        assert!(!helm.skip("charts/api/crds/rollout-crd.yaml"));
        assert!(!helm.skip("k8s/templates/rollout.yaml"));
        assert!(!helm.skip("values.yaml"));
        let notes = helm.notes();
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].file, "charts/api/Chart.yaml");
        assert_eq!(notes[0].kind, ProblemKind::HelmChart);
        assert!(
            notes[0].message.contains("2 templates"),
            "{}",
            notes[0].message
        );
    }
}

//! The Prometheus `job` label values a repo defines, for CL602.
//!
//! Where a `job` comes from (kept simple on purpose):
//!
//! - **PrometheusRule**: every equality `job="…"` matcher in a rule `expr`.
//! - **ServiceMonitor** (prometheus-operator `pkg/prometheus/promcfg.go`): for each Service of
//!   the repo its `spec.selector.matchLabels` select (in the monitor's namespace, or those of
//!   `namespaceSelector`), the value of the Service label named by `spec.jobLabel`, else the
//!   Service's name.
//! - **PodMonitor**: with `spec.jobLabel`, that label's value on the pod templates of the
//!   Deployments it selects; otherwise `<namespace>/<podmonitor name>`.
//! - A `relabelings` entry with `targetLabel: job` and a literal `replacement` on any monitor
//!   endpoint.
//! - **scrape configs** (`prometheus.yml`): every `scrape_configs[].job_name`.
//! - `prometheus-jobs` in `.canary-lint.toml`, for jobs defined outside the repo.
//!
//! A monitor whose selector matches nothing in the repo is listed as unresolved; its job
//! cannot be known from the repo.

use std::collections::{BTreeMap, HashMap};

use canary_core::model::Service;

use canary_core::located::NodeRef;
use rayon::prelude::*;

use super::Facts;
use crate::repo::index::namespaces_match;
use crate::repo::{Document, Kind, Object};

/// What the repo says about Prometheus jobs.
#[derive(Debug, Default)]
pub struct KnownJobs<'r> {
    /// Exact job names.
    pub exact: Vec<String>,
    /// PodMonitors without a namespace: any `<namespace>/<name>` matches.
    pub suffixes: Vec<String>,
    /// Monitors whose selector matched nothing in the repo.
    pub unresolved: Vec<&'r Document>,
}

impl KnownJobs<'_> {
    /// Does the repo define any job at all?
    pub fn is_empty(&self) -> bool {
        self.exact.is_empty() && self.suffixes.is_empty()
    }

    /// Is `job` defined?
    pub fn contains(&self, job: &str) -> bool {
        self.exact.binary_search_by(|j| j.as_str().cmp(job)).is_ok()
            || self.suffixes.iter().any(|s| {
                job.strip_suffix(s.as_str())
                    .is_some_and(|ns| ns.ends_with('/'))
            })
    }

    /// Every known job, for help text.
    pub fn describe(&self) -> String {
        let mut all: Vec<String> = self.exact.clone();
        all.extend(self.suffixes.iter().map(|s| format!("<namespace>/{s}")));
        all.iter()
            .map(|j| format!("`{j}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn get<'a>(node: Option<NodeRef<'a>>, key: &str) -> Option<NodeRef<'a>> {
    node?.get(key)
}

fn match_labels(selector: Option<NodeRef<'_>>) -> BTreeMap<String, String> {
    get(selector, "matchLabels")
        .into_iter()
        .flat_map(|m| m.entries())
        .filter_map(|v| Some((v.key()?.to_string(), v.as_str()?.to_string())))
        .collect()
}

fn selects(wanted: &BTreeMap<String, String>, labels: Option<&BTreeMap<String, String>>) -> bool {
    !wanted.is_empty()
        && wanted
            .iter()
            .all(|(k, v)| labels.and_then(|l| l.get(k)) == Some(v))
}

/// Does the monitor in `monitor_ns` with `namespaceSelector` look at namespace `ns`?
fn in_namespaces(spec: Option<NodeRef<'_>>, monitor_ns: Option<&str>, ns: Option<&str>) -> bool {
    let selector = get(spec, "namespaceSelector");
    if get(selector, "any").and_then(|a| a.as_bool()) == Some(true) {
        return true;
    }
    if let Some(names) = get(selector, "matchNames").filter(NodeRef::is_array) {
        return ns.is_none()
            || names
                .items()
                .filter_map(|n| n.as_str())
                .any(|n| Some(n) == ns);
    }
    namespaces_match(monitor_ns, ns)
}

/// Literal `replacement`s of `targetLabel: job` relabelings of a monitor's endpoints.
fn relabeled_jobs(spec: Option<NodeRef<'_>>) -> Vec<String> {
    let mut out = Vec::new();
    for key in ["endpoints", "podMetricsEndpoints"] {
        for endpoint in get(spec, key).into_iter().flat_map(|e| e.items()) {
            for r in endpoint
                .get("relabelings")
                .into_iter()
                .flat_map(|r| r.items())
            {
                if r.get("targetLabel").and_then(|t| t.as_str()) == Some("job")
                    && let Some(rep) = r.get("replacement").and_then(|t| t.as_str())
                    && !rep.contains('$')
                {
                    out.push(rep.to_string());
                }
            }
        }
    }
    out
}

/// Everything the repo (and the settings) define.
pub fn known_jobs<'r>(cx: &Facts<'r>) -> KnownJobs<'r> {
    let repo = cx.repo;
    let mut known = KnownJobs {
        exact: cx.settings.prometheus_jobs.clone(),
        ..KnownJobs::default()
    };
    let mut exprs: Vec<&str> = Vec::new();
    for doc in repo.of_kind(Kind::PrometheusRule) {
        let Some(Object::PrometheusRule(rule)) = &doc.object else {
            continue;
        };
        for group in &rule.spec.groups {
            for r in &group.rules {
                if let Some(k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::String(
                    expr,
                )) = &r.expr
                {
                    exprs.push(expr);
                }
            }
        }
    }
    // Parsed on rayon's threads; the jobs are added in document order.
    let parsed: Vec<_> = exprs
        .par_iter()
        .map(|expr| cx.memo.promql_selectors(expr))
        .collect();
    for selectors in parsed.iter().filter_map(|p| p.as_ref().as_ref().ok()) {
        known
            .exact
            .extend(selectors.iter().filter_map(|s| s.job().map(str::to_string)));
    }
    // Services by each of their labels, in file order: a selector can only pick Services
    // that carry its first label, so a monitor looks at those instead of at every Service.
    let services: Vec<(&Document, &Service)> = repo
        .of_kind(Kind::Service)
        .filter_map(|d| match &d.object {
            Some(Object::Service(svc)) => Some((d, &**svc)),
            _ => None,
        })
        .collect();
    let mut by_label: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    for (i, (_, svc)) in services.iter().enumerate() {
        for (k, v) in svc.metadata.labels.iter().flatten() {
            by_label
                .entry((k.as_str(), v.as_str()))
                .or_default()
                .push(i);
        }
    }
    for doc in repo.of_kind(Kind::ServiceMonitor) {
        let spec = get(repo.located(doc).root(), "spec");
        let wanted = match_labels(get(spec, "selector"));
        let job_label = get(spec, "jobLabel").and_then(|l| l.as_str());
        let mut found = false;
        let candidates = wanted
            .iter()
            .next()
            .and_then(|(k, v)| by_label.get(&(k.as_str(), v.as_str())))
            .map_or(&[][..], Vec::as_slice);
        for &(svc_doc, svc) in candidates.iter().filter_map(|&i| services.get(i)) {
            if !in_namespaces(spec, doc.namespace.as_deref(), svc_doc.namespace.as_deref())
                || !selects(&wanted, svc.metadata.labels.as_ref())
            {
                continue;
            }
            found = true;
            let from_label = job_label.and_then(|l| svc.metadata.labels.as_ref()?.get(l).cloned());
            if let Some(job) = from_label.or_else(|| svc_doc.name.clone()) {
                known.exact.push(job);
            }
        }
        let relabeled = relabeled_jobs(spec);
        if !found && relabeled.is_empty() {
            known.unresolved.push(doc);
        }
        known.exact.extend(relabeled);
    }
    for doc in repo.of_kind(Kind::PodMonitor) {
        let spec = get(repo.located(doc).root(), "spec");
        let relabeled = relabeled_jobs(spec);
        match get(spec, "jobLabel").and_then(|l| l.as_str()) {
            Some(label) => {
                let wanted = match_labels(get(spec, "selector"));
                let mut found = false;
                for d in repo.of_kind(Kind::Deployment) {
                    let Some(dep) = d.as_deployment() else {
                        continue;
                    };
                    let labels = dep
                        .spec
                        .as_ref()
                        .and_then(|s| s.template.metadata.as_ref())
                        .and_then(|m| m.labels.as_ref());
                    if in_namespaces(spec, doc.namespace.as_deref(), d.namespace.as_deref())
                        && selects(&wanted, labels)
                        && let Some(job) = labels.and_then(|l| l.get(label))
                    {
                        found = true;
                        known.exact.push(job.clone());
                    }
                }
                if !found && relabeled.is_empty() {
                    known.unresolved.push(doc);
                }
            }
            None => match (&doc.namespace, &doc.name) {
                (Some(ns), Some(name)) => known.exact.push(format!("{ns}/{name}")),
                (None, Some(name)) => known.suffixes.push(name.clone()),
                _ => {}
            },
        }
        known.exact.extend(relabeled);
    }
    for doc in repo.of_kind(Kind::ScrapeConfig) {
        let root = repo.located(doc).root();
        for sc in get(root, "scrape_configs")
            .into_iter()
            .flat_map(|s| s.items())
        {
            if let Some(name) = sc.get("job_name").and_then(|n| n.as_str()) {
                known.exact.push(name.to_string());
            }
        }
    }
    known.exact.sort();
    known.exact.dedup();
    known.suffixes.sort();
    known.suffixes.dedup();
    known
}

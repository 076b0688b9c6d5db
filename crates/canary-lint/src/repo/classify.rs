//! What each document is: a Kubernetes object by `apiVersion`/`kind`, a GitHub workflow by
//! its path, a New Relic file or a Prometheus config by its shape.

use canary_core::located::{LocatedDoc, NodeRef};
use canary_core::model::rollout::{Experiment, RolloutAnalysis};
use canary_core::model::{
    AnalysisTemplate, Dashboard, Deployment, Ingress, Monitor, NrqlCondition, PrometheusRule, Role,
    RoleBinding, Rollout, Service, ServiceAccount,
};
use serde::de::DeserializeOwned;

use super::problem::{LoadProblem, ProblemKind};

/// Every kind of document the linter understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// `apps/v1` Deployment.
    Deployment,
    /// `v1` Service.
    Service,
    /// `networking.k8s.io/v1` Ingress.
    Ingress,
    /// `argoproj.io` Rollout.
    Rollout,
    /// `argoproj.io` AnalysisTemplate.
    AnalysisTemplate,
    /// `argoproj.io` ClusterAnalysisTemplate.
    ClusterAnalysisTemplate,
    /// `argoproj.io` AnalysisRun (its metrics are checked like a template's).
    AnalysisRun,
    /// `argoproj.io` Experiment (its `analyses` reference templates like a Rollout's steps).
    Experiment,
    /// `rbac.authorization.k8s.io/v1` Role.
    Role,
    /// `rbac.authorization.k8s.io/v1` RoleBinding.
    RoleBinding,
    /// `v1` ServiceAccount.
    ServiceAccount,
    /// `monitoring.coreos.com` PrometheusRule.
    PrometheusRule,
    /// `monitoring.coreos.com` ServiceMonitor.
    ServiceMonitor,
    /// `monitoring.coreos.com` PodMonitor.
    PodMonitor,
    /// A file under `.github/workflows/`.
    Workflow,
    /// A New Relic NRQL alert condition (object with `nrql.query` and `terms` or `signal`).
    NrqlCondition,
    /// A New Relic dashboard (object with `pages[*].widgets`).
    Dashboard,
    /// A `prometheus.yml`-style config (object with `scrape_configs`).
    ScrapeConfig,
}

impl Kind {
    /// Is this a Kubernetes API object (applied to a cluster), as opposed to a file another
    /// tool reads (a workflow, a New Relic condition or dashboard, a scrape config)?
    pub fn is_api_object(self) -> bool {
        !matches!(
            self,
            Kind::Workflow | Kind::NrqlCondition | Kind::Dashboard | Kind::ScrapeConfig
        )
    }

    /// The name used in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Deployment => "Deployment",
            Kind::Service => "Service",
            Kind::Ingress => "Ingress",
            Kind::Rollout => "Rollout",
            Kind::AnalysisTemplate => "AnalysisTemplate",
            Kind::ClusterAnalysisTemplate => "ClusterAnalysisTemplate",
            Kind::AnalysisRun => "AnalysisRun",
            Kind::Experiment => "Experiment",
            Kind::Role => "Role",
            Kind::RoleBinding => "RoleBinding",
            Kind::ServiceAccount => "ServiceAccount",
            Kind::PrometheusRule => "PrometheusRule",
            Kind::ServiceMonitor => "ServiceMonitor",
            Kind::PodMonitor => "PodMonitor",
            Kind::Workflow => "GitHub workflow",
            Kind::NrqlCondition => "New Relic alert condition",
            Kind::Dashboard => "New Relic dashboard",
            Kind::ScrapeConfig => "Prometheus scrape config",
        }
    }
}

/// A document deserialized into the shared model. Workflows and scrape configs stay JSON
/// (read them from the document's `LocatedDoc`).
#[derive(Debug, Clone)]
pub enum Object {
    /// A Deployment.
    Deployment(Box<Deployment>),
    /// A Service.
    Service(Box<Service>),
    /// An Ingress.
    Ingress(Box<Ingress>),
    /// A Rollout.
    Rollout(Box<Rollout>),
    /// An AnalysisTemplate, ClusterAnalysisTemplate or AnalysisRun (the same metrics and
    /// args).
    AnalysisTemplate(Box<AnalysisTemplate>),
    /// An Experiment, with each analysis as the one-template analysis it amounts to.
    Experiment(Box<ExperimentObject>),
    /// A Role.
    Role(Box<Role>),
    /// A RoleBinding.
    RoleBinding(Box<RoleBinding>),
    /// A ServiceAccount.
    ServiceAccount(Box<ServiceAccount>),
    /// A PrometheusRule.
    PrometheusRule(Box<PrometheusRule>),
    /// A ServiceMonitor or PodMonitor.
    Monitor(Box<Monitor>),
    /// A New Relic alert condition.
    NrqlCondition(Box<NrqlCondition>),
    /// A New Relic dashboard.
    Dashboard(Box<Dashboard>),
    /// Kept as JSON: workflows and scrape configs.
    Json,
}

/// An Experiment and its analyses as `RolloutAnalysis` values (what the analysis facts read).
#[derive(Debug, Clone)]
pub struct ExperimentObject {
    /// The typed Experiment.
    pub experiment: Experiment,
    /// `analyses[i]` as a one-template analysis.
    pub analyses: Vec<RolloutAnalysis>,
}

/// What a document was recognised as.
#[derive(Debug, Clone)]
pub struct Classified {
    /// The kind.
    pub kind: Kind,
    /// `metadata.name` (Kubernetes), `name` (workflows, New Relic).
    pub name: Option<String>,
    /// `metadata.namespace`, when set.
    pub namespace: Option<String>,
    /// The typed object; `None` when the document does not fit its kind (a CL003 finding).
    pub object: Option<Object>,
}

/// Is `rel` a GitHub workflow file (`<anything>/.github/workflows/<file>`)?
pub fn is_workflow_path(rel: &str) -> bool {
    let parts: Vec<&str> = rel.split('/').collect();
    parts.len() >= 3 && parts[parts.len() - 2] == "workflows" && parts[parts.len() - 3] == ".github"
}

/// Is `rel` a shell script (`*.sh`, `*.bash`) or a Makefile (`Makefile`, `makefile`,
/// `GNUmakefile`, `*.mk`)? Their `kubectl argo rollouts` commands get the CI checks; they hold
/// no Kubernetes objects.
pub fn is_script_path(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    is_makefile_path(rel)
        || name
            .rsplit_once('.')
            .is_some_and(|(stem, ext)| !stem.is_empty() && matches!(ext, "sh" | "bash"))
}

/// Is `rel` a Makefile (see [`is_script_path`])?
pub fn is_makefile_path(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    matches!(name, "Makefile" | "makefile" | "GNUmakefile")
        || name
            .rsplit_once('.')
            .is_some_and(|(stem, ext)| !stem.is_empty() && ext == "mk")
}

fn str_at<'a>(v: NodeRef<'a>, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer)?.as_str()
}

fn kubernetes_kind(api_version: &str, kind: &str) -> Option<Kind> {
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    Some(match (api_version, group, kind) {
        ("apps/v1", _, "Deployment") => Kind::Deployment,
        ("v1", _, "Service") => Kind::Service,
        ("v1", _, "ServiceAccount") => Kind::ServiceAccount,
        ("networking.k8s.io/v1", _, "Ingress") => Kind::Ingress,
        ("rbac.authorization.k8s.io/v1", _, "Role") => Kind::Role,
        ("rbac.authorization.k8s.io/v1", _, "RoleBinding") => Kind::RoleBinding,
        (_, "argoproj.io", "Rollout") => Kind::Rollout,
        (_, "argoproj.io", "AnalysisTemplate") => Kind::AnalysisTemplate,
        (_, "argoproj.io", "ClusterAnalysisTemplate") => Kind::ClusterAnalysisTemplate,
        (_, "argoproj.io", "AnalysisRun") => Kind::AnalysisRun,
        (_, "argoproj.io", "Experiment") => Kind::Experiment,
        (_, "monitoring.coreos.com", "PrometheusRule") => Kind::PrometheusRule,
        (_, "monitoring.coreos.com", "ServiceMonitor") => Kind::ServiceMonitor,
        (_, "monitoring.coreos.com", "PodMonitor") => Kind::PodMonitor,
        _ => return None,
    })
}

fn shape_kind(v: NodeRef<'_>) -> Option<Kind> {
    let has_query = v.pointer("/nrql/query").is_some_and(|q| !q.is_null());
    if has_query && (v.get("terms").is_some() || v.get("signal").is_some()) {
        return Some(Kind::NrqlCondition);
    }
    let dashboard = v.get("pages").is_some_and(|pages| {
        pages.is_array() && pages.children().any(|p| p.get("widgets").is_some())
    });
    if dashboard {
        return Some(Kind::Dashboard);
    }
    if v.get("scrape_configs").is_some() {
        return Some(Kind::ScrapeConfig);
    }
    None
}

/// Recognises one document of the file `rel`. `None`: not something the linter reads.
/// A load problem comes back when the document is recognised but does not fit its kind.
pub fn classify(rel: &str, doc: &LocatedDoc) -> Option<(Classified, Option<LoadProblem>)> {
    let v = doc.root()?;
    if !v.is_object() {
        return None;
    }
    let kind = if is_workflow_path(rel) {
        Kind::Workflow
    } else if let (Some(api_version), Some(kind)) = (str_at(v, "/apiVersion"), str_at(v, "/kind")) {
        kubernetes_kind(api_version, kind)?
    } else {
        shape_kind(v)?
    };
    let (name, namespace) = match kind {
        Kind::Workflow | Kind::NrqlCondition | Kind::Dashboard | Kind::ScrapeConfig => {
            (str_at(v, "/name").map(str::to_string), None)
        }
        _ => (
            str_at(v, "/metadata/name").map(str::to_string),
            str_at(v, "/metadata/namespace").map(str::to_string),
        ),
    };
    let typed = match kind {
        Kind::Deployment => typed(doc).map(Object::Deployment),
        Kind::Service => typed(doc).map(Object::Service),
        Kind::Ingress => typed(doc).map(Object::Ingress),
        Kind::Rollout => typed(doc).map(Object::Rollout),
        Kind::AnalysisTemplate | Kind::ClusterAnalysisTemplate | Kind::AnalysisRun => {
            typed(doc).map(Object::AnalysisTemplate)
        }
        Kind::Experiment => typed::<Experiment>(doc).map(|experiment| {
            let analyses = experiment
                .spec
                .analyses
                .iter()
                .map(|a| a.as_rollout_analysis())
                .collect();
            Object::Experiment(Box::new(ExperimentObject {
                experiment: *experiment,
                analyses,
            }))
        }),
        Kind::Role => typed(doc).map(Object::Role),
        Kind::RoleBinding => typed(doc).map(Object::RoleBinding),
        Kind::ServiceAccount => typed(doc).map(Object::ServiceAccount),
        Kind::PrometheusRule => typed(doc).map(Object::PrometheusRule),
        Kind::ServiceMonitor | Kind::PodMonitor => typed(doc).map(Object::Monitor),
        Kind::NrqlCondition => typed(doc).map(Object::NrqlCondition),
        Kind::Dashboard => typed(doc).map(Object::Dashboard),
        Kind::Workflow | Kind::ScrapeConfig => Ok(Object::Json),
    };
    let (object, problem) = match typed {
        Ok(object) => (Some(object), None),
        Err(mismatch) => (None, Some(mismatch.into_problem(rel, doc, kind))),
    };
    Some((
        Classified {
            kind,
            name,
            namespace,
            object,
        },
        problem,
    ))
}

/// Where and why a document did not deserialize.
struct Mismatch {
    pointer: String,
    dotted: String,
    message: String,
}

impl Mismatch {
    fn into_problem(self, rel: &str, doc: &LocatedDoc, kind: Kind) -> LoadProblem {
        // A missing field is reported on its parent's key; anything else on the bad value.
        let span = if self.message.starts_with("missing field") {
            doc.nearest_key_span(&self.pointer)
        } else {
            doc.value_span(&self.pointer)
                .unwrap_or_else(|| doc.nearest_key_span(&self.pointer))
        };
        let at = if self.dotted.is_empty() || self.dotted == "." {
            String::new()
        } else {
            format!(" at `{}`", self.dotted)
        };
        LoadProblem::new(
            ProblemKind::InvalidObject,
            rel,
            span,
            format!("this {} does not fit its schema{at}: {}", kind.as_str(), self.message),
        )
        .with_help("fix the field's type or add the missing field; other rules skip this document until then")
    }
}

/// The typed object of `doc`, as the API server would receive it from kubectl.
///
/// kubectl reads YAML 1.1 (go-yaml v2), this loader YAML 1.2. Where a plain scalar reads
/// differently ([`LocatedDoc::as_kubectl_reads`]), the model is built from kubectl's reading
/// first, so `hostNetwork: yes` (the boolean `true` to kubectl) fits its schema and is not a
/// CL003 finding. When kubectl's reading does not fit (a label `legacy: no` is a boolean in a
/// string field), the YAML 1.2 reading is tried next, so the object is still judged and CL009
/// reports the scalar at its line, once.
fn typed<T: DeserializeOwned>(doc: &LocatedDoc) -> Result<Box<T>, Mismatch> {
    if let Some(kubectl) = doc.as_kubectl_reads()
        && let Ok(object) = T::deserialize(kubectl.deserializer())
    {
        return Ok(Box::new(object));
    }
    // Most documents fit: deserialize without tracking the path, and only run the tracking
    // deserializer (same input, so the same error) to say where a document does not fit.
    if let Ok(object) = T::deserialize(doc.deserializer()) {
        return Ok(Box::new(object));
    }
    serde_path_to_error::deserialize::<_, T>(doc.deserializer())
        .map(Box::new)
        .map_err(|err| {
            let mut pointer = String::new();
            for segment in err.path().iter() {
                use serde_path_to_error::Segment;
                match segment {
                    Segment::Seq { index } => {
                        pointer.push('/');
                        pointer.push_str(&index.to_string());
                    }
                    Segment::Map { key } => {
                        pointer.push('/');
                        pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
                    }
                    Segment::Enum { .. } | Segment::Unknown => {}
                }
            }
            Mismatch {
                pointer,
                dotted: err.path().to_string(),
                message: err.inner().to_string(),
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use canary_core::located::{Limits, Pos, load_str};

    fn one(rel: &str, src: &str) -> Option<(Classified, Option<LoadProblem>)> {
        let docs = load_str(src, Limits::default()).ok()?;
        classify(rel, docs.first()?)
    }

    #[test]
    fn workflows_anywhere_in_the_tree() {
        assert!(is_workflow_path("api/.github/workflows/deploy.yml"));
        assert!(is_workflow_path(".github/workflows/ci.yaml"));
        assert!(!is_workflow_path("github/workflows/ci.yaml"));
        assert!(!is_workflow_path("workflows/ci.yaml"));
        let (c, d) = one(
            "api/.github/workflows/deploy.yml",
            "name: deploy\non: push\n",
        )
        .unwrap();
        assert_eq!(c.kind, Kind::Workflow);
        assert_eq!(c.name.as_deref(), Some("deploy"));
        assert!(d.is_none());
    }

    #[test]
    fn kinds_by_api_version_and_shape() {
        let src =
            "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r, namespace: ns}\n";
        let (c, _) = one("r.yaml", src).unwrap();
        assert_eq!(
            (c.kind, c.namespace.as_deref()),
            (Kind::Rollout, Some("ns"))
        );
        let (c, _) = one(
            "a.json",
            r#"{"name":"x","nrql":{"query":"SELECT 1"},"terms":[]}"#,
        )
        .unwrap();
        assert_eq!(c.kind, Kind::NrqlCondition);
        let (c, _) = one(
            "d.json",
            r#"{"name":"x","pages":[{"name":"p","widgets":[]}]}"#,
        )
        .unwrap();
        assert_eq!(c.kind, Kind::Dashboard);
        let (c, _) = one("prometheus.yml", "scrape_configs: []\n").unwrap();
        assert_eq!(c.kind, Kind::ScrapeConfig);
        assert!(one("package.json", r#"{"name":"x"}"#).is_none());
        assert!(one("cm.yaml", "apiVersion: v1\nkind: ConfigMap\n").is_none());
    }

    #[test]
    fn a_bad_field_is_reported_at_its_value() {
        let src = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  replicas: three\n";
        let (c, d) = one("d.yaml", src).unwrap();
        assert!(c.object.is_none());
        let d = d.unwrap();
        assert_eq!(d.kind, ProblemKind::InvalidObject);
        assert_eq!(d.span.start, Pos { line: 6, col: 13 });
        assert!(d.message.contains("spec.replicas"), "{}", d.message);
    }

    /// kubectl reads `yes` as `true` and `010` as 8 (go-yaml v2): the object fits its schema
    /// and holds what the API server receives. Before, the YAML 1.2 reading made
    /// `hostNetwork: yes` a CL003 error on a Deployment kubectl applies.
    #[test]
    fn the_typed_object_holds_what_kubectl_sends() {
        let src = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  replicas: 010\n  selector: {matchLabels: {app: d}}\n  template:\n    metadata: {labels: {app: d}}\n    spec:\n      hostNetwork: yes\n      containers: [{name: c, image: i}]\n";
        let (c, d) = one("d.yaml", src).unwrap();
        assert!(d.is_none(), "{:?}", d.map(|d| d.message));
        let Some(Object::Deployment(dep)) = c.object else {
            panic!("not a Deployment");
        };
        let spec = dep.spec.as_ref().unwrap();
        assert_eq!(spec.replicas, Some(8));
        let pod = spec.template.spec.as_ref().unwrap();
        assert_eq!(pod.host_network, Some(true));
    }

    /// A label `legacy: no` is a boolean to kubectl, which no string field takes: the YAML 1.2
    /// reading is judged instead (CL009 reports the label), not a CL003 on top of it.
    #[test]
    fn a_kubectl_reading_that_does_not_fit_falls_back_to_yaml_1_2() {
        let src = "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  labels: {legacy: no}\nspec:\n  ports: [{port: 80}]\n";
        let (c, d) = one("s.yaml", src).unwrap();
        assert!(d.is_none(), "{:?}", d.map(|d| d.message));
        assert!(c.object.is_some());
    }
}

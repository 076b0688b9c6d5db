//! Hostile strings in a spec must render, read back equal, and stay strings under YAML 1.1.
//! The render self-check enforces both; these tests drive it with random input and, when
//! PyYAML is installed, confirm with a real YAML 1.1 reader.

mod common;

use canary_gen::bundle::build;
use canary_gen::render::render;
use canary_gen::spec::{LoadedSpec, NamespaceLabel, Provider, Routing, default_spec, validate};
use proptest::prelude::*;

/// Strings YAML 1.1 readers type as something else, and strings that break naive templating.
const NORWAY: &[&str] = &[
    "yes",
    "no",
    "on",
    "off",
    "y",
    "n",
    "Yes",
    "NO",
    "true",
    "null",
    "0777",
    "012",
    "1e3",
    "1_000",
    "2024-01-01",
    "0x1F",
    // go-yaml v2 (kubectl) reads these as integers through Go's base-0 `ParseInt`; PyYAML's
    // YAML 1.1 repository reads them as strings. Both readers must get a string back.
    "0X1F",
    "0B101",
    "0O17",
    "3.0",
    "190:20:30",
    "10",
    "1.5",
];
const NASTY: &[&str] = &[
    "a: b",
    "#x",
    "- x",
    "'quoted'",
    "\"dq\"",
    "line\nbreak",
    "tab\there",
    "{{ args.x }}",
    "{% raw %}",
    "*alias",
    "&anchor",
    "!tag",
    "@at",
    "`tick`",
    "%percent",
    "| block",
    "> folded",
    "trailing ",
    " leading",
    "ünïcödé ✓",
    "a\u{0}nul",
    "\u{feff}bom",
    "key: value # comment",
    "[flow]",
    "{flow: map}",
    "---",
    "...",
    "",
];

fn label_value() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(NORWAY)
            .prop_filter("label syntax", |s| s
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)))
            .prop_map(str::to_string),
        "[a-z0-9]([a-z0-9._-]{0,10}[a-z0-9])?",
    ]
}

fn free_text() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(NORWAY).prop_map(str::to_string),
        proptest::sample::select(NASTY).prop_map(str::to_string),
        any::<String>(),
    ]
}

fn query_safe(quote: char) -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(NORWAY).prop_map(str::to_string),
        proptest::sample::select(NASTY).prop_map(str::to_string),
    ]
    .prop_filter("no quote, backslash or control", move |s| {
        !s.is_empty()
            && !s.contains([quote, '\\'])
            && !s.chars().any(char::is_control)
            && !s.contains('\u{feff}')
    })
}

// Each argument is one hostile input dimension; a struct would only rename them.
#[allow(clippy::too_many_arguments)]
fn hostile_spec(
    labels: Vec<(String, String)>,
    description: String,
    runbook: String,
    job: String,
    app_name: String,
    provider: Provider,
    routing: Routing,
    exported: bool,
) -> LoadedSpec {
    let mut loaded = default_spec().expect("default loads");
    let spec = &mut loaded.spec;
    spec.app.pod_labels = labels.into_iter().collect();
    spec.app
        .pod_labels
        .insert("app".into(), "instant-api".into());
    for m in &mut spec.metrics {
        m.description = Some(description.clone());
    }
    spec.alerts.runbook_url = Some(runbook);
    spec.provider.prometheus.job = job;
    spec.provider.newrelic.app_name = app_name;
    spec.provider.use_ = provider;
    spec.traffic.routing = routing;
    spec.provider.namespace_label = if exported {
        NamespaceLabel::ExportedNamespace
    } else {
        NamespaceLabel::Namespace
    };
    loaded
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, .. ProptestConfig::default() })]

    #[test]
    fn hostile_strings_render_and_read_back(
        labels in proptest::collection::vec((label_value(), label_value()), 0..4),
        description in free_text(),
        runbook in free_text(),
        job in query_safe('"'),
        app_name in query_safe('\''),
        nr in any::<bool>(),
        nginx in any::<bool>(),
        exported in any::<bool>(),
    ) {
        let provider = if nr { Provider::Newrelic } else { Provider::Prometheus };
        let routing = if nginx { Routing::Nginx } else { Routing::None };
        let loaded = hostile_spec(labels, description, runbook, job, app_name, provider, routing, exported);
        prop_assume!(validate(&loaded).is_ok());
        // render() parses every YAML file back, requires equality with the model and rejects
        // any plain scalar whose YAML 1.1 reading differs: an Err here is the failure.
        let files = render(&build(&loaded.spec));
        prop_assert!(files.is_ok(), "{:?}", files.err());
        // A second, independent reader (serde-saphyr, the maintained serde_yaml successor)
        // reads every YAML file to the same values as our span-keeping loader.
        for f in files.iter().flatten().filter(|f| f.path.ends_with(".yaml") || f.path.ends_with(".yml")) {
            let ours: Vec<serde_json::Value> = canary_core::located::load_str(&f.contents, Default::default())
                .map_err(|e| TestCaseError::fail(format!("{}: {e}", f.path)))?
                .into_iter()
                .map(|d| d.value().clone())
                .collect();
            let theirs: Vec<serde_json::Value> = serde_saphyr::from_multiple(&f.contents)
                .map_err(|e| TestCaseError::fail(format!("serde-saphyr cannot read {}: {e}", f.path)))?;
            prop_assert_eq!(&ours, &theirs, "{}", f.path);
        }
    }
}

#[test]
fn the_norway_values_are_quoted_in_the_output() {
    let labels = vec![
        ("yes".to_string(), "on".to_string()),
        ("tier".to_string(), "0777".to_string()),
        ("d".to_string(), "2024-01-01".to_string()),
        ("hex".to_string(), "0X1F".to_string()),
    ];
    let loaded = hostile_spec(
        labels,
        "a: b\n#x".into(),
        "no".into(),
        "1e3".into(),
        "off".into(),
        Provider::Prometheus,
        Routing::None,
        false,
    );
    validate(&loaded).expect("valid");
    let files = render(&build(&loaded.spec)).expect("renders");
    let services = files.iter().find(|f| f.path.contains("services")).unwrap();
    assert!(
        services.contents.contains("\"yes\": \"on\""),
        "{}",
        services.contents
    );
    assert!(
        services.contents.contains("tier: \"0777\""),
        "{}",
        services.contents
    );
    assert!(
        services.contents.contains("hex: \"0X1F\""),
        "{}",
        services.contents
    );
    assert!(
        services.contents.contains("d: \"2024-01-01\""),
        "{}",
        services.contents
    );
    let rollout = files.iter().find(|f| f.path.contains("rollout-")).unwrap();
    assert!(
        rollout.contents.contains("value: \"1e3\""),
        "{}",
        rollout.contents
    );
}

/// Load every rendered YAML file with PyYAML (a YAML 1.1 reader, like kubectl's go-yaml v2) and
/// compare with our YAML 1.2 reading. Skips with a notice when python3 or PyYAML is missing.
#[test]
fn pyyaml_reads_the_same_values() {
    let probe = std::process::Command::new("python3")
        .args(["-c", "import yaml"])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        assert!(
            std::env::var_os("CANARY_REQUIRE_PYYAML").is_none(),
            "CANARY_REQUIRE_PYYAML is set but python3 cannot import yaml"
        );
        eprintln!(
            "notice: python3 with PyYAML not found; skipping the YAML 1.1 cross-check (CI installs it)"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    let cases = [
        (
            vec![("yes".to_string(), "no".to_string())],
            "on",
            "0777",
            "y",
            Provider::Prometheus,
            Routing::Nginx,
        ),
        (
            vec![("on".to_string(), "1_000".to_string())],
            "2024-01-01",
            "off",
            "1e3",
            Provider::Newrelic,
            Routing::None,
        ),
    ];
    for (i, (labels, desc, job, app, provider, routing)) in cases.into_iter().enumerate() {
        let loaded = hostile_spec(
            labels,
            format!("{desc}\n'q' \"dq\" a: b #c"),
            "yes".into(),
            job.into(),
            app.into(),
            provider,
            routing,
            i == 1,
        );
        validate(&loaded).expect("valid");
        for f in render(&build(&loaded.spec)).expect("renders") {
            if f.path.ends_with(".yaml") || f.path.ends_with(".yml") {
                let p = dir.path().join(format!("{i}-{}", f.path.replace('/', "_")));
                std::fs::write(&p, &f.contents).unwrap();
                paths.push((p, f.contents));
            }
        }
    }
    let script = "import sys, json, yaml\nprint(json.dumps(list(yaml.safe_load_all(open(sys.argv[1], encoding='utf-8'))), default=lambda o: {'__not_json__': repr(o)}))";
    for (path, contents) in paths {
        let out = std::process::Command::new("python3")
            .args(["-c", script, path.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "PyYAML failed on {}: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let theirs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let ours: Vec<serde_json::Value> =
            canary_core::located::load_str(&contents, Default::default())
                .unwrap()
                .into_iter()
                .map(|d| d.value().clone())
                .collect();
        let mut ours = serde_json::Value::Array(ours);
        // GitHub's `on:` key is the one place YAML 1.1 differs by design (PyYAML reads True);
        // GitHub Actions itself reads it as "on".
        if let Some(arr) = theirs.as_array() {
            for (a, b) in arr.iter().zip(ours.as_array_mut().unwrap().iter_mut()) {
                if a.get("true").is_some()
                    && let Some(on) = b.as_object_mut().and_then(|o| o.remove("on"))
                {
                    b.as_object_mut().unwrap().insert("true".into(), on);
                }
            }
        }
        assert_eq!(
            theirs,
            ours,
            "YAML 1.1 and 1.2 readings differ for {}",
            path.display()
        );
    }
}

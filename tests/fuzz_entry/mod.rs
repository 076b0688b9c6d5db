//! The bodies of the fuzz targets (issue 13's fuzz campaign), shared by `fuzz/fuzz_targets/*.rs`
//! (which include this file) and `tests/fuzz_regressions.rs` (which feeds every file under
//! `fixtures/fuzz/<target>/` through the same function), so a crasher found by the fuzzer is
//! checked by `cargo test --workspace` without it. Every function takes arbitrary bytes and
//! must return: a panic, a hang or unbounded memory is a finding. Besides "does not panic",
//! each target checks properties the code documents (see each function).

#![allow(dead_code)]

use canary_core::located::{Limits, load_str, strict_json};
use canary_lint::config::Config;
use canary_lint::engine::{Summary, lint_stream};
use canary_lint::report::{self, Format};
use canary_lint::settings::Settings;

/// The names a `loader` input is read under, chosen by its first byte: the YAML route, the
/// JSON route (`.json`), and a GitHub workflow (the CI rules).
const LOADER_NAMES: [&str; 3] = [
    "stdin.yaml",
    "alerts/canary.json",
    ".github/workflows/deploy.yml",
];

/// Lints one stream the way `canary-lint -` does (load, classify, every rule, suppressions),
/// then renders the findings in the human and SARIF formats (both cut source lines at the
/// findings' spans). The first byte picks the file name (see [`LOADER_NAMES`]); the rest is
/// the file. For a strict JSON text, the JSON route's tree must equal the YAML route's
/// whenever the YAML route reads it (`located/json.rs` promises the same tree).
pub fn loader(data: &[u8]) {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let name = LOADER_NAMES[usize::from(selector) % LOADER_NAMES.len()];
    lint_and_render(name, bytes.to_vec());
    if let Ok(text) = std::str::from_utf8(bytes) {
        json_route_matches_yaml_route(text);
    }
}

fn lint_and_render(name: &str, bytes: Vec<u8>) {
    let outcome = lint_stream(name, bytes, &Settings::default(), &Config::default(), false);
    let summary = Summary::new(&outcome.repo, &outcome.diagnostics);
    for format in [Format::Human, Format::Sarif] {
        let _ = report::render(format, &outcome.repo, &outcome.diagnostics, &summary, false);
    }
}

fn json_route_matches_yaml_route(text: &str) {
    let Some(json) = strict_json(text, Limits::default()) else {
        return;
    };
    let Ok(yaml) = load_str(text, Limits::default()) else {
        return;
    };
    assert_eq!(yaml.len(), 1, "strict JSON is one YAML document");
    assert_eq!(
        json.value(),
        yaml[0].value(),
        "the JSON route and the YAML route read different trees"
    );
    assert_eq!(
        json.node(""),
        yaml[0].node(""),
        "the JSON route and the YAML route give the root different spans"
    );
}

/// canary-gen's spec path: parse (YAML or JSON), JSON Schema, typed spec, semantic
/// validation; a spec that passes validation is built and rendered, and rendering it must
/// succeed (a render error after validation is a spec the validation should have refused, or
/// a generator bug). Errors are rendered rustc-style, which cuts the spec's lines at spans.
pub fn spec(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = "canary.yaml";
    let loaded = match canary_gen::spec::load_spec(path, text) {
        Ok(loaded) => loaded,
        Err(e) => {
            let _ = e.render(false);
            return;
        }
    };
    if let Err(e) = canary_gen::spec::validate(&loaded) {
        let _ = e.render(false);
        return;
    }
    let bundle = canary_gen::bundle::build(&loaded.spec);
    if let Err(e) = canary_gen::render::render(&bundle) {
        panic!("a spec that passed validation does not render: {e}");
    }
}

/// canary-core's PromQL checks on any text: the parser limits first (past them nothing is
/// parsed, as in the tools); then the shape-cached selector route must agree with parsing as
/// written (`promql::selectors` promises it), and the cached shape must be the shape of the
/// query as written whenever it parses.
pub fn promql(data: &[u8]) {
    let Ok(query) = std::str::from_utf8(data) else {
        return;
    };
    let _ = canary_core::promql::without_matcher_values(query);
    if canary_core::promql::check_limits(query).is_err() {
        assert!(canary_core::promql::selectors(query).is_err());
        return;
    }
    let fast = canary_core::promql::selectors(query);
    let parsed = canary_core::promql::selectors_parsed(query);
    assert_eq!(
        fast, parsed,
        "the shape-cached route disagrees with parsing"
    );
    let shape = canary_core::promql_shape::shape(query);
    if let Ok(expr) = canary_core::promql::parse(query) {
        let written = canary_core::promql_shape::QueryShape::of(&expr);
        assert_eq!(
            shape,
            Ok(written),
            "the cached shape differs from the shape of the query as written"
        );
    }
}

/// The NRQL clauses the tools look for.
const NRQL_WORDS: [&str; 7] = [
    "SINCE",
    "UNTIL",
    "LIMIT",
    "TIMESERIES",
    "FACET",
    "COMPARE WITH",
    "WHERE",
];

/// canary-core's NRQL checks: keywords outside strings and comments, and aliases. The first
/// line of the input is also looked up as a keyword in the rest.
pub fn nrql(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for word in NRQL_WORDS {
        let _ = canary_core::nrql::nrql_has_keyword(text, word);
    }
    if let Some((word, rest)) = text.split_once('\n') {
        let _ = canary_core::nrql::nrql_has_keyword(rest, word);
    }
    for alias in canary_core::nrql::nrql_aliases(text) {
        assert!(!alias.is_empty());
    }
}

/// The shell reading of canary-lint's workflow facts: every word's byte range must lie on
/// character boundaries inside the script (the CI rules cut the script there), and the
/// `kubectl argo rollouts` / `kubectl rollout status` recognisers must take any command. Then
/// the script is linted as the `run:` of a workflow step, through the real CI rules.
pub fn workflow(data: &[u8]) {
    use canary_lint::facts::workflow::{argo_command, deployment_status, shell_commands};
    let Ok(script) = std::str::from_utf8(data) else {
        return;
    };
    for words in shell_commands(script) {
        assert!(!words.is_empty(), "a command has at least one word");
        for w in &words {
            assert!(w.start <= w.end, "word {w:?} ends before it starts");
            assert!(
                script.get(w.start..w.end).is_some(),
                "word {w:?} is not a slice of the script"
            );
        }
        if let Some(argo) = argo_command(&words) {
            let _ = (argo.rollout(), argo.watches(), argo.is_set_image());
            let _ = argo.call.namespace();
        }
        if let Some(status) = deployment_status(&words) {
            let _ = status.call.flag("timeout");
        }
    }
    let mut doc = String::from(
        "on: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n",
    );
    for line in script.lines() {
        doc.push_str("          ");
        doc.push_str(line);
        doc.push('\n');
    }
    lint_and_render(".github/workflows/deploy.yml", doc.into_bytes());
}

//! The runbook's shell and the CI workflow's scripts, judged by what they do (issue 12, defects
//! 6 and 7): the back-out cannot take the app to zero pods, commands select what they mean,
//! every variable set is used, curl sends PromQL encoded, the cut-over goes Services → Ingress →
//! Rollout, and every block parses with `bash -n` (and passes shellcheck when it is installed;
//! CI installs it and sets `CANARY_REQUIRE_SHELLCHECK=1`).
//!
//! Each check is a function over the rendered text, and `the_checks_reject_the_old_runbook`
//! feeds them the commands the runbook had before, so every check is shown to fail.

mod common;

use canary_gen::bundle::{Bundle, WAIT_ATTEMPTS, WAIT_INTERVAL_SECS, build};
use canary_gen::render::{RenderedFile, render};
use canary_gen::spec::{LoadedSpec, Overrides, Provider, Routing, ScaleDown, default_spec};

/// One fenced `sh` block: the `## ` section it is in, and its text without the fence's indent.
#[derive(Debug)]
struct Block {
    section: String,
    text: String,
}

fn sh_blocks(markdown: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut section = String::new();
    let mut open: Option<(usize, String)> = None;
    for line in markdown.lines() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        match &mut open {
            Some((fence_indent, text)) => {
                if trimmed == "```" {
                    blocks.push(Block {
                        section: section.clone(),
                        text: std::mem::take(text),
                    });
                    open = None;
                } else {
                    let cut = (*fence_indent).min(line.len() - line.trim_start().len());
                    text.push_str(&line[cut..]);
                    text.push('\n');
                }
            }
            None => {
                if let Some(title) = line.strip_prefix("## ") {
                    section = title.to_string();
                } else if trimmed == "```sh" {
                    open = Some((indent, String::new()));
                }
            }
        }
    }
    assert!(open.is_none(), "unclosed ```sh block");
    blocks
}

/// All blocks of a section, in order, as one script.
fn section_script(blocks: &[Block], section: &str) -> String {
    blocks
        .iter()
        .filter(|b| b.section.starts_with(section))
        .map(|b| b.text.as_str())
        .collect()
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Variable names with the byte offset where each is set or used.
type Occurrences = Vec<(String, usize)>;

/// Variables a script assigns (`NAME=…` starting a line or an `if`/`then` clause) and uses
/// (`$NAME`, `${NAME…}`), each with the byte offset where it happens.
fn variables(script: &str) -> (Occurrences, Occurrences) {
    let mut set = Vec::new();
    let mut used = Vec::new();
    let mut offset = 0;
    for line in script.split_inclusive('\n') {
        let code = line.trim_start();
        let name: String = code.chars().take_while(|c| is_name_char(*c)).collect();
        if !name.is_empty() && code[name.len()..].starts_with('=') {
            set.push((name, offset + line.len() - code.len()));
        }
        for (i, _) in line.match_indices('$') {
            let rest = &line[i + 1..];
            let rest = rest.strip_prefix('{').unwrap_or(rest);
            let name: String = rest.chars().take_while(|c| is_name_char(*c)).collect();
            if !name.is_empty() && !name.starts_with(|c: char| c.is_ascii_digit()) {
                used.push((name, offset + i));
            }
        }
        offset += line.len();
    }
    (set, used)
}

/// Problems with the variables of one section: set and never used after, or used and never set
/// before (`external` names are set by the reader, as the text says).
fn variable_problems(section: &str, script: &str, external: &[&str]) -> Vec<String> {
    let (set, used) = variables(script);
    let mut problems = Vec::new();
    for (name, at) in &set {
        if !used.iter().any(|(n, u)| n == name && u > at) {
            problems.push(format!("{section}: `{name}` is set and never used"));
        }
    }
    for (name, at) in &used {
        if !external.contains(&name.as_str()) && !set.iter().any(|(n, s)| n == name && s < at) {
            problems.push(format!("{section}: `${name}` is used but never set"));
        }
    }
    problems
}

/// A curl URL with `{}[]` is globbed by curl unless `-g`; PromQL must go through
/// `--data-urlencode`.
fn curl_problems(script: &str) -> Vec<String> {
    script
        .lines()
        .filter(|l| l.contains("curl ") && !l.contains(" -g") && !l.contains("--globoff"))
        .flat_map(|l| l.split_whitespace().map(move |w| (l, w)))
        .filter(|(_, w)| w.contains("://") && w.contains(['{', '}', '[', ']']))
        .map(|(l, _)| format!("curl globs the braces of its URL: {l}"))
        .collect()
}

/// `kubectl get|describe analysisrun` must select by the Rollout's selector labels.
fn selector_problems(script: &str, pod_labels: &[String]) -> Vec<String> {
    let mut problems = Vec::new();
    for line in script.lines().filter(|l| l.contains("analysisrun")) {
        let selector = line
            .split_whitespace()
            .skip_while(|w| *w != "-l")
            .nth(1)
            .unwrap_or("");
        let keys: Vec<&str> = selector
            .trim_matches(['\'', '"'])
            .split(',')
            .filter_map(|kv| kv.split_once('=').map(|(k, _)| k))
            .collect();
        if keys.contains(&"rollout") {
            problems.push(format!("no AnalysisRun carries a `rollout` label: {line}"));
        }
        for label in pod_labels {
            if !selector.contains(label.as_str()) {
                problems.push(format!("selector without the Rollout's `{label}`: {line}"));
            }
        }
    }
    problems
}

/// `<name>` in a shell line is a redirection, not a placeholder.
fn placeholder_problems(script: &str) -> Vec<String> {
    script
        .lines()
        .filter(|l| {
            l.match_indices('<')
                .any(|(i, _)| l[i + 1..].starts_with(|c: char| c.is_ascii_alphabetic()))
        })
        .map(|l| format!("an angle-bracket placeholder is a shell redirection: {l}"))
        .collect()
}

fn line_of(script: &str, what: impl Fn(&str) -> bool) -> Option<usize> {
    script.lines().position(what)
}

/// The back-out's order: scaleDown never, then scale, then a wait that cannot pass on 0/0,
/// (nginx: the Ingress back off the stable Service), then the Rollout deleted behind a check
/// of the ready pods, then the Services.
fn backout_problems(script: &str, replicas: i32, nginx: Option<(&str, &str)>) -> Vec<String> {
    let mut problems = Vec::new();
    let patch = line_of(script, |l| {
        l.contains("kubectl patch rollout") && l.contains(r#""scaleDown":"never""#)
    });
    let scale = line_of(script, |l| {
        l.contains("kubectl scale deployment") && l.contains(&format!("--replicas={replicas}"))
    });
    let wait = line_of(script, |l| {
        l.contains("kubectl wait")
            && l.contains(&format!(
                "--for=jsonpath='{{.status.readyReplicas}}'={replicas}"
            ))
    });
    let delete = line_of(script, |l| l.contains("kubectl delete rollout"));
    let services = line_of(script, |l| {
        l.contains("kubectl delete -f") && l.contains("services-")
    });
    let (Some(patch), Some(scale), Some(wait), Some(delete), Some(services)) =
        (patch, scale, wait, delete, services)
    else {
        return vec![format!(
            "the back-out lacks a step: scaleDown patch {patch:?}, scale {scale:?}, ready wait {wait:?}, delete rollout {delete:?}, delete services {services:?}"
        )];
    };
    if !(patch < scale && scale < wait && wait < delete && delete < services) {
        problems.push(format!(
            "back-out order: patch {patch}, scale {scale}, wait {wait}, delete rollout {delete}, delete services {services}"
        ));
    }
    let delete_line = script.lines().nth(delete).unwrap_or("");
    if !delete_line.contains(&format!(
        "if [ \"$READY\" = {replicas} ]; then kubectl delete rollout"
    )) || !script.contains(".status.readyReplicas}')\n")
    {
        problems.push(format!(
            "the Rollout is deleted without checking the Deployment's ready pods: {delete_line}"
        ));
    }
    if script.contains("kubectl rollout status") {
        problems.push("`kubectl rollout status` passes on 0/0".to_string());
    }
    if let Some((ingress, stable)) = nginx {
        match line_of(script, |l| {
            l.contains("grep -qx") && l.contains(stable) && l.contains("STOP")
        }) {
            Some(check) if check > wait && check < delete => {}
            other => problems.push(format!(
                "Ingress {ingress} must be moved off {stable} (checked) after the Deployment is ready and before the Rollout or the Service goes: check at {other:?}, delete rollout at {delete}"
            )),
        }
    }
    problems
}

/// The cut-over: everything but the Rollout, (nginx: the Ingress), then the Rollout.
fn cutover_problems(script: &str, rollout_file: &str, ingress: Option<&str>) -> Vec<String> {
    let mut problems = Vec::new();
    let services = line_of(script, |l| {
        l.contains("kubectl apply -f") && l.contains("services-")
    });
    let rollout = line_of(script, |l| {
        l.contains("kubectl apply -f") && l.contains(rollout_file)
    });
    let (Some(services), Some(rollout)) = (services, rollout) else {
        return vec![format!(
            "the cut-over lacks an apply: services {services:?}, rollout {rollout:?}"
        )];
    };
    if services > rollout {
        problems.push("the Services must exist before the Rollout".to_string());
    }
    let last_apply = script
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains("kubectl apply -f"))
        .map(|(i, _)| i)
        .max();
    if last_apply != Some(rollout) {
        problems.push("the Rollout is applied last".to_string());
    }
    if let Some(ingress) = ingress {
        match line_of(script, |l| l.contains(&format!("get ingress {ingress}"))) {
            Some(i) if i > services && i < rollout => {}
            other => problems.push(format!(
                "Ingress {ingress} must be switched after the Services and before the Rollout (at {other:?})"
            )),
        }
    }
    problems
}

/// `bash -n`, and shellcheck when installed.
fn shell_problems(name: &str, script: &str) -> Vec<String> {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("script.sh");
    std::fs::write(&path, format!("#!/usr/bin/env bash\n{script}")).expect("write");
    let mut problems = Vec::new();
    let out = std::process::Command::new("bash")
        .arg("-n")
        .arg(&path)
        .output()
        .expect("bash runs");
    if !out.status.success() {
        problems.push(format!(
            "{name}: bash -n: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    match std::process::Command::new("shellcheck")
        .args(["--shell=bash", "--format=gcc"])
        .arg(&path)
        .output()
    {
        Ok(out) if !out.status.success() => problems.push(format!(
            "{name}: shellcheck:\n{}{script}",
            String::from_utf8_lossy(&out.stdout)
        )),
        Ok(_) => {}
        Err(_) if std::env::var_os("CANARY_REQUIRE_SHELLCHECK").is_some() => problems
            .push("shellcheck is required (CANARY_REQUIRE_SHELLCHECK) but not installed".into()),
        Err(_) => eprintln!("notice: shellcheck not installed; only `bash -n` checked {name}"),
    }
    problems
}

fn variants() -> Vec<(String, LoadedSpec)> {
    let mut out = Vec::new();
    for provider in [Provider::Prometheus, Provider::Newrelic] {
        for routing in [Routing::None, Routing::Nginx] {
            for scale_down in [
                ScaleDown::Onsuccess,
                ScaleDown::Progressively,
                ScaleDown::Never,
            ] {
                let mut loaded = default_spec().expect("default");
                Overrides {
                    provider: Some(provider),
                    routing: Some(routing),
                    stable_ingress: None,
                }
                .apply(&mut loaded);
                loaded.spec.app.scale_down = scale_down;
                out.push((format!("{provider:?}/{routing:?}/{scale_down:?}"), loaded));
            }
        }
    }
    out.push(("custom".to_string(), common::custom_spec()));
    out
}

fn runbook_of(files: &[RenderedFile], bundle: &Bundle) -> String {
    files
        .iter()
        .find(|f| f.path == bundle.spec.layout.runbook)
        .map(|f| f.contents.clone())
        .expect("a runbook")
}

/// Every problem of one rendered runbook.
fn runbook_problems(bundle: &Bundle, runbook: &str) -> Vec<String> {
    let spec = &bundle.spec;
    let blocks = sh_blocks(runbook);
    let mut problems = Vec::new();
    let sections: Vec<&str> = {
        let mut s: Vec<&str> = blocks.iter().map(|b| b.section.as_str()).collect();
        s.dedup();
        s
    };
    for section in &sections {
        let script = section_script(&blocks, section);
        let external: &[&str] = if section.starts_with("Deploying") {
            &["IMAGE"]
        } else {
            &[]
        };
        problems.extend(variable_problems(section, &script, external));
        problems.extend(curl_problems(&script));
        problems.extend(placeholder_problems(&script));
        problems.extend(shell_problems(section, &script));
    }
    let all: String = blocks.iter().map(|b| b.text.as_str()).collect();
    let labels: Vec<String> = spec
        .app
        .pod_labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    problems.extend(selector_problems(&all, &labels));
    if !all.contains("analysisrun") {
        problems.push("the runbook no longer shows how to find the AnalysisRuns".into());
    }
    let stable = format!("{}-stable", spec.app.name);
    let ingress = spec
        .traffic
        .nginx
        .as_ref()
        .map(|n| n.stable_ingress.as_str());
    let nginx = (spec.traffic.routing == Routing::Nginx)
        .then(|| ingress.map(|i| (i, stable.as_str())))
        .flatten();
    problems.extend(backout_problems(
        &section_script(&blocks, "Back out"),
        spec.app.replicas,
        nginx,
    ));
    let rollout_file = format!("rollout-{}.yaml", spec.app.name);
    problems.extend(cutover_problems(
        &section_script(&blocks, "Cut-over"),
        &rollout_file,
        nginx.map(|(i, _)| i),
    ));
    if runbook.contains("adopts the running pods") {
        problems.push("the first apply does not adopt the Deployment's pods".into());
    }
    if spec.provider.use_ == Provider::Newrelic && !runbook.contains("optionally `region`") {
        problems.push("`region` of the New Relic Secret is optional".into());
    }
    problems
}

#[test]
fn every_runbook_variant_passes_the_behaviour_checks() {
    for (name, loaded) in variants() {
        canary_gen::spec::validate(&loaded).expect("valid");
        let bundle = build(&loaded.spec);
        let files = render(&bundle).expect("renders");
        let runbook = runbook_of(&files, &bundle);
        let problems = runbook_problems(&bundle, &runbook);
        assert!(
            problems.is_empty(),
            "{name}:\n{}\n\n{runbook}",
            problems.join("\n")
        );
    }
}

#[test]
fn the_checks_reject_the_old_runbook() {
    // The commands of the runbook before issue 12 (defects 6 and 7).
    let old_backout = "IMAGE=$(kubectl get deploy api -n ns -o jsonpath='{.spec.template.spec.containers[0].image}')\n\
kubectl scale deployment/api -n ns --replicas=2\n\
kubectl rollout status deployment/api -n ns --timeout=300s\n\
kubectl delete rollout api -n ns\n\
kubectl delete -f k8s/canary/services-api-canary.yaml\n";
    assert!(!variable_problems("old", old_backout, &[]).is_empty());
    let problems = backout_problems(old_backout, 2, Some(("api", "api-stable")));
    assert!(
        problems.iter().any(|p| p.contains("lacks a step")),
        "{problems:?}"
    );
    // Even in an order with every step, deleting before the wait or the Ingress is caught.
    let reordered = "kubectl patch rollout api -n ns --type=merge -p '{\"spec\":{\"workloadRef\":{\"scaleDown\":\"never\"}}}'\n\
kubectl scale deployment/api -n ns --replicas=2\n\
kubectl delete rollout api -n ns\n\
kubectl wait deployment/api -n ns --for=jsonpath='{.status.readyReplicas}'=2 --timeout=300s\n\
kubectl delete -f k8s/canary/services-api-canary.yaml\n\
if [ -n \"$B\" ] && ! printf '%s' \"$B\" | grep -qx api-stable; then :; else echo STOP; fi\n";
    let problems = backout_problems(reordered, 2, Some(("api", "api-stable")));
    assert!(
        problems.iter().any(|p| p.contains("back-out order")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("without checking")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("Ingress api")),
        "{problems:?}"
    );
    assert!(
        !curl_problems("curl -s 'http://p:9090/api/v1/query?query=up{job=\"api\"}'").is_empty()
    );
    assert!(
        !selector_problems(
            "kubectl get analysisrun -n ns -l rollout=api",
            &["app=api".into()]
        )
        .is_empty()
    );
    assert!(!placeholder_problems("kubectl describe analysisrun <name> -n ns").is_empty());
    let old_cutover = "kubectl apply -f k8s/canary/services-api-canary.yaml\n\
kubectl apply -f k8s/canary/rollout-api.yaml\n\
kubectl get ingress api -n ns\n";
    assert!(!cutover_problems(old_cutover, "rollout-api.yaml", Some("api")).is_empty());
    assert!(!shell_problems("broken", "if true; then echo\n").is_empty());
}

#[test]
fn the_workflow_waits_for_the_new_template_and_verifies_the_plugin() {
    for (name, loaded) in variants() {
        let bundle = build(&loaded.spec);
        let job = &bundle.workflow["jobs"]["deploy"];
        let steps = job["steps"].as_array().expect("steps");
        let runs: Vec<&str> = steps.iter().filter_map(|s| s["run"].as_str()).collect();
        for (i, run) in runs.iter().enumerate() {
            let problems = shell_problems(&format!("{name} step {i}"), run);
            assert!(problems.is_empty(), "{}", problems.join("\n"));
            assert!(placeholder_problems(run).is_empty(), "{run}");
        }
        let position = |needle: &str| runs.iter().position(|r| r.contains(needle));
        let set_image = position("rollouts set image").expect("set image");
        let wait = position(".status.workloadObservedGeneration").expect("wait");
        let status = position("rollouts status").expect("status");
        assert!(set_image < wait && wait < status, "{name}: {runs:?}");
        let install = runs[position("kubectl-argo-rollouts-linux-amd64").expect("install")];
        assert!(
            install.contains("/argo-rollouts-checksums.txt\n")
                && install.contains(
                    "grep ' kubectl-argo-rollouts-linux-amd64$' argo-rollouts-checksums.txt | sha256sum --check --strict"
                ),
            "{install}"
        );
        assert_eq!(bundle.workflow["permissions"], serde_json::json!({}));
        assert_eq!(job["concurrency"]["cancel-in-progress"], false);
        assert!(
            job["concurrency"]["group"]
                .as_str()
                .is_some_and(|g| g.ends_with(&format!(
                    "{}-{}",
                    loaded.spec.app.namespace, loaded.spec.app.name
                ))),
            "{name}: {job}"
        );
        assert_eq!(job["defaults"]["run"]["shell"], "bash");
        // The job outlives the controller wait plus the whole status timeout.
        let minutes = job["timeout-minutes"].as_u64().expect("minutes");
        assert!(
            minutes * 60 > bundle.ci.status_timeout_secs + WAIT_ATTEMPTS * WAIT_INTERVAL_SECS,
            "{name}: {minutes} minutes"
        );
    }
}

#[test]
fn shell_words_survive_hostile_names() {
    for hostile in ["a b", "it's", "$(reboot)", "`x`", "a\"b", "*", ""] {
        let word = canary_gen::bundle::shell_word(hostile);
        let out = std::process::Command::new("bash")
            .arg("-c")
            .arg(format!("printf '%s' {word}"))
            .output()
            .expect("bash runs");
        assert_eq!(String::from_utf8_lossy(&out.stdout), hostile, "{word}");
    }
}

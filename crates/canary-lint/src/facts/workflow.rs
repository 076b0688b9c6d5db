//! GitHub workflow facts for the CI rules (CL8xx): jobs and steps of a workflow document, the
//! simple commands of a `run:` script, and the `kubectl argo rollouts …` and
//! `kubectl rollout status …` invocations among them.
//!
//! The shell reading is deliberately small: words, single and double quotes, backslash
//! escapes and line continuations, comments, and the separators `;`, `&&`, `||`, `|`, `&`
//! and newlines. It does not expand variables, so `$NAME` stays as written and a Rollout name
//! held in a variable is simply not recognised. Flags follow pflag: `--flag=value`,
//! `--flag value`, `-f value`, `-fvalue` and `-f=value`.
//!
//! Sources: argo-rollouts `pkg/kubectl-argo-rollouts/cmd/status/status.go` (`-t/--timeout`
//! is a `time.Duration` flag, default 0 = wait forever; `-w/--watch` default true) and
//! `cmd/set/set_image.go`; GitHub Actions workflow syntax (`jobs.<id>.steps[*].run`,
//! `jobs.<id>.timeout-minutes`, default 360).

use canary_core::located::NodeRef;

use super::Facts;
use crate::facts::locate::{occurrences_before, span_in_value};
use crate::repo::Document;
use crate::repo::SourceFile;
use canary_core::located::Span;

/// GitHub's default `timeout-minutes` for a job.
pub const DEFAULT_JOB_TIMEOUT_MINUTES: f64 = 360.0;

/// One JSON Pointer segment, escaped.
fn esc(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// A job of a workflow, read from the document tree (no `serde_json::Value` is built).
#[derive(Debug, Clone)]
pub struct Job<'a> {
    /// The job id (the key under `jobs`).
    pub id: &'a str,
    /// The job's node.
    pub node: NodeRef<'a>,
    /// Its steps, in order.
    pub steps: Vec<Step<'a>>,
}

impl Job<'_> {
    /// `/jobs/<id>`.
    pub fn pointer(&self) -> String {
        format!("/jobs/{}", esc(self.id))
    }

    /// `timeout-minutes` when it is a literal number (an expression gives `None`).
    pub fn timeout_minutes(&self) -> Option<f64> {
        minutes(self.node.get("timeout-minutes")?)
    }

    /// Does the job set `timeout-minutes` at all (a literal or an expression)?
    pub fn has_timeout(&self) -> bool {
        self.node.get("timeout-minutes").is_some()
    }

    /// Does the job run on a GitHub-hosted runner? `runs-on` is an `ubuntu-*`, `windows-*` or
    /// `macos-*` label, or a list of only such labels. A self-hosted label, a runner group or
    /// an expression (`${{ matrix.os }}`) is not known to be hosted.
    pub fn runs_on_github_hosted(&self) -> bool {
        fn hosted(label: &str) -> bool {
            let label = label.trim().to_ascii_lowercase();
            ["ubuntu-", "windows-", "macos-"]
                .iter()
                .any(|p| label.starts_with(p))
        }
        let Some(runs_on) = self.node.get("runs-on") else {
            return false;
        };
        if let Some(label) = runs_on.as_str() {
            return hosted(label);
        }
        let mut labels = runs_on.items().peekable();
        labels.peek().is_some() && labels.all(|l| l.as_str().is_some_and(hosted))
    }

    /// The job's container image, if it runs in one.
    pub fn container_image(&self) -> Option<&str> {
        let container = self.node.get("container")?;
        match container.as_str() {
            Some(image) => Some(image),
            None => container.get("image")?.as_str(),
        }
    }
}

/// A literal `timeout-minutes` value: a number, or a string that reads as one.
pub fn minutes(v: NodeRef<'_>) -> Option<f64> {
    match v.as_str() {
        Some(s) => s.trim().parse().ok(),
        None => v.as_f64(),
    }
}

/// A step of a job.
#[derive(Debug, Clone)]
pub struct Step<'a> {
    /// The id of the job it belongs to.
    pub job_id: &'a str,
    /// Index in `steps`.
    pub index: usize,
    /// The step's node.
    pub node: NodeRef<'a>,
    /// The `run:` script.
    pub run: Option<&'a str>,
    /// The `uses:` action.
    pub uses: Option<&'a str>,
}

impl Step<'_> {
    /// `/jobs/<id>/steps/<index>`.
    pub fn pointer(&self) -> String {
        format!("/jobs/{}/steps/{}", esc(self.job_id), self.index)
    }

    /// `/jobs/<id>/steps/<index>/run`.
    pub fn run_pointer(&self) -> String {
        format!("{}/run", self.pointer())
    }

    /// The step's own `timeout-minutes`, when a literal number.
    pub fn timeout_minutes(&self) -> Option<f64> {
        minutes(self.node.get("timeout-minutes")?)
    }
}

/// Every job of a workflow document, in document order.
pub fn jobs(workflow: NodeRef<'_>) -> Vec<Job<'_>> {
    let Some(jobs) = workflow.get("jobs").filter(NodeRef::is_object) else {
        return Vec::new();
    };
    jobs.children()
        .map(|node| {
            let id = node.key().unwrap_or_default();
            let steps = node
                .get("steps")
                .into_iter()
                .flat_map(|steps| steps.items())
                .enumerate()
                .map(|(index, step)| Step {
                    job_id: id,
                    index,
                    node: step,
                    run: step.get("run").and_then(|r| r.as_str()),
                    uses: step.get("uses").and_then(|u| u.as_str()),
                })
                .collect();
            Job { id, node, steps }
        })
        .collect()
}

/// A shell word with its byte range in the script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// The word with quotes and escapes removed.
    pub text: String,
    /// Byte offset of its first character in the script.
    pub start: usize,
    /// Byte offset one past its last character.
    pub end: usize,
}

/// The simple commands of a shell script, each a list of words.
///
/// A here-document body is data, not commands (POSIX XCU 2.7.4 "Here-Document"): after an
/// unquoted `<<` or `<<-` and its delimiter word, the lines that follow the operator's line
/// are skipped up to a line that is exactly the delimiter (after quote removal; with `<<-`,
/// after stripping leading tabs), or to the end of the script. Several here-documents on one
/// line are read in order. The operator and its delimiter are redirections, not words of the
/// command; `<<<` (a here-string) and `<<` inside `((…))` arithmetic are not here-documents.
pub fn shell_commands(script: &str) -> Vec<Vec<Word>> {
    let mut reader = ShellReader::default();
    let mut chars = script.char_indices().peekable();
    // Depth of `((` arithmetic, where `<<` is a shift.
    let mut arithmetic = 0usize;
    while let Some((i, c)) = chars.next() {
        let end = i + c.len_utf8();
        match c {
            '\\' => match chars.next() {
                Some((_, '\n')) => reader.finish_word(),
                Some((j, e)) => {
                    let w = reader.word(i, end);
                    w.text.push(e);
                    w.end = j + e.len_utf8();
                }
                None => {}
            },
            '\'' | '"' => {
                let w = reader.word(i, end);
                w.end = end;
                while let Some((j, q)) = chars.next() {
                    w.end = j + q.len_utf8();
                    if q == c {
                        break;
                    }
                    if c == '"' && q == '\\' {
                        if let Some((k, e)) = chars.next() {
                            w.text.push(e);
                            w.end = k + e.len_utf8();
                        }
                        continue;
                    }
                    w.text.push(q);
                }
            }
            '#' if reader.current.is_none() => {
                let mut newline = false;
                for (_, n) in chars.by_ref() {
                    if n == '\n' {
                        newline = true;
                        break;
                    }
                }
                reader.finish_command();
                if newline {
                    reader.skip_heredocs(script, &mut chars);
                }
            }
            '<' if arithmetic == 0 && script[i..].starts_with("<<") => {
                chars.next();
                if script[i..].starts_with("<<<") {
                    // A here-string: kept as written, like other redirections.
                    chars.next();
                    let w = reader.word(i, end);
                    w.text.push_str("<<<");
                    w.end = i + 3;
                } else {
                    reader.finish_word();
                    let strip_tabs = chars.next_if(|&(_, d)| d == '-').is_some();
                    reader.expect_delimiter = Some(strip_tabs);
                }
            }
            '(' | ')' => {
                if script[i..].starts_with("((") {
                    arithmetic += 1;
                } else if c == ')' && script[i..].starts_with("))") {
                    arithmetic = arithmetic.saturating_sub(1);
                }
                reader.finish_command();
            }
            '\n' => {
                reader.finish_command();
                reader.skip_heredocs(script, &mut chars);
            }
            ';' | '&' | '|' => reader.finish_command(),
            c if c.is_whitespace() => reader.finish_word(),
            c => {
                let w = reader.word(i, end);
                w.text.push(c);
                w.end = end;
            }
        }
    }
    reader.finish_command();
    reader.commands
}

/// The state of [`shell_commands`].
#[derive(Default)]
struct ShellReader {
    commands: Vec<Vec<Word>>,
    words: Vec<Word>,
    current: Option<Word>,
    /// After `<<` or `<<-`: the next word is a here-document delimiter (`true`: `<<-`).
    expect_delimiter: Option<bool>,
    /// Here-documents whose bodies start at the next line: (delimiter, strip tabs).
    heredocs: Vec<(String, bool)>,
}

impl ShellReader {
    /// The word being read, started at `start..end` if there is none.
    fn word(&mut self, start: usize, end: usize) -> &mut Word {
        self.current.get_or_insert(Word {
            text: String::new(),
            start,
            end,
        })
    }

    fn finish_word(&mut self) {
        let Some(w) = self.current.take() else {
            return;
        };
        match self.expect_delimiter.take() {
            Some(strip_tabs) => self.heredocs.push((w.text, strip_tabs)),
            None => self.words.push(w),
        }
    }

    fn finish_command(&mut self) {
        self.finish_word();
        // `<<` with no word before the end of the command is a syntax error; drop it.
        self.expect_delimiter = None;
        if !self.words.is_empty() {
            self.commands.push(std::mem::take(&mut self.words));
        }
    }

    /// At the start of a line: skips the bodies of the pending here-documents.
    fn skip_heredocs(
        &mut self,
        script: &str,
        chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>,
    ) {
        for (delimiter, strip_tabs) in std::mem::take(&mut self.heredocs) {
            while let Some(&(start, _)) = chars.peek() {
                let rest = &script[start..];
                let line_len = rest.find('\n').unwrap_or(rest.len());
                let line = &rest[..line_len];
                let line = if strip_tabs {
                    line.trim_start_matches('\t')
                } else {
                    line
                };
                // Past the line and its newline.
                let next = start + line_len + 1;
                while chars.next_if(|&(j, _)| j < next).is_some() {}
                if line == delimiter {
                    break;
                }
            }
        }
    }
}

/// kubectl and kubectl-argo-rollouts flags that take a value (the others are booleans).
const VALUE_FLAGS: &[&str] = &[
    "namespace",
    "timeout",
    "context",
    "cluster",
    "kubeconfig",
    "user",
    "server",
    "as",
    "as-group",
    "as-uid",
    "request-timeout",
    "token",
    "certificate-authority",
    "client-certificate",
    "client-key",
    "tls-server-name",
    "cache-dir",
    "v",
    "vmodule",
    "log-file",
    "username",
    "password",
    "output",
    "selector",
];

/// Long name of a short flag.
fn long_name(short: char) -> String {
    match short {
        'n' => "namespace".into(),
        't' => "timeout".into(),
        's' => "server".into(),
        'w' => "watch".into(),
        'o' => "output".into(),
        'l' => "selector".into(),
        other => other.to_string(),
    }
}

/// A flag as written: its long name, its value, and the words that hold it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    /// Long name (`namespace` for `-n`).
    pub name: String,
    /// The value (`true` for a boolean flag without one).
    pub value: String,
    /// The flag word through the value word.
    pub start: usize,
    /// End of the last word.
    pub end: usize,
}

/// A kubectl-style invocation split into positionals and flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// Words that are not flags, program name excluded.
    pub positionals: Vec<Word>,
    /// Flags, in order.
    pub flags: Vec<Flag>,
    /// Byte offset of the program word.
    pub start: usize,
    /// End of the last word.
    pub end: usize,
}

impl Invocation {
    /// The last value of a flag.
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags.iter().rev().find(|f| f.name == name)
    }

    /// `-n/--namespace`.
    pub fn namespace(&self) -> Option<&str> {
        // A namespace set at run time (`-n "$NS"`, `-n $(NAMESPACE)` in a Makefile) is unknown
        // here, like no `-n` at all: it may be any namespace.
        self.flag("namespace")
            .map(|f| f.value.as_str())
            .filter(|ns| !ns.contains(['$', '`']))
    }
}

fn split_flags(words: &[Word], start: usize) -> Invocation {
    let mut positionals = Vec::new();
    let mut flags = Vec::new();
    let mut end = start;
    let mut iter = words.iter().peekable();
    let mut after_dashes = false;
    while let Some(w) = iter.next() {
        end = w.end;
        if after_dashes || !w.text.starts_with('-') || w.text == "-" {
            positionals.push(w.clone());
            continue;
        }
        if w.text == "--" {
            after_dashes = true;
            continue;
        }
        let (name, inline) = if let Some(long) = w.text.strip_prefix("--") {
            match long.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (long.to_string(), None),
            }
        } else {
            let short = &w.text[1..];
            let mut cs = short.chars();
            let first = cs.next().unwrap_or('-');
            let rest: String = cs.collect();
            let inline = if rest.is_empty() {
                None
            } else {
                Some(rest.strip_prefix('=').unwrap_or(&rest).to_string())
            };
            (long_name(first), inline)
        };
        let takes_value = VALUE_FLAGS.contains(&name.as_str());
        let (value, flag_end) = match inline {
            Some(v) => (v, w.end),
            None if takes_value => match iter.next() {
                Some(v) => {
                    end = v.end;
                    (v.text.clone(), v.end)
                }
                None => (String::new(), w.end),
            },
            None => ("true".to_string(), w.end),
        };
        flags.push(Flag {
            name,
            value,
            start: w.start,
            end: flag_end,
        });
    }
    Invocation {
        positionals,
        flags,
        start,
        end,
    }
}

/// Is `word` the program `name` (bare or as a path)?
fn is_program(word: &str, name: &str) -> bool {
    word.strip_suffix(name)
        .is_some_and(|dir| dir.is_empty() || dir.ends_with('/'))
}

/// Drops wrappers such as `sudo`, `time`, `env A=b` and `timeout 30m` before the program.
fn strip_wrappers(words: &[Word]) -> &[Word] {
    let mut rest = words;
    loop {
        match rest.first().map(|w| w.text.as_str()) {
            Some("sudo" | "time" | "exec" | "command" | "env") => rest = &rest[1..],
            Some("timeout") => rest = rest.get(2..).unwrap_or(&[]),
            Some(w) if w.contains('=') && !w.starts_with('-') => rest = &rest[1..],
            _ => return rest,
        }
    }
}

/// A `kubectl argo rollouts <sub> …` (or `kubectl-argo-rollouts <sub> …`) invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgoCommand {
    /// The subcommand (`status`, `set`, `promote`, …).
    pub sub: String,
    /// The whole invocation; `positionals` start after the subcommand.
    pub call: Invocation,
}

impl ArgoCommand {
    /// The Rollout a `status` or `promote` names, or a `set image` sets.
    pub fn rollout(&self) -> Option<&Word> {
        match self.sub.as_str() {
            "set" => match self.call.positionals.first() {
                Some(w) if w.text == "image" => self.call.positionals.get(1),
                _ => None,
            },
            _ => self.call.positionals.first(),
        }
    }

    /// Does `status` watch (the default) rather than print once (`--watch=false`)?
    pub fn watches(&self) -> bool {
        self.call
            .flag("watch")
            .is_none_or(|f| !matches!(f.value.as_str(), "false" | "0" | "f" | "F" | "FALSE"))
    }

    /// Is this `set image`?
    pub fn is_set_image(&self) -> bool {
        self.sub == "set"
            && self
                .call
                .positionals
                .first()
                .is_some_and(|w| w.text == "image")
    }
}

/// Recognises `kubectl [flags] argo rollouts <sub> …` and `kubectl-argo-rollouts <sub> …`.
pub fn argo_command(words: &[Word]) -> Option<ArgoCommand> {
    let words = strip_wrappers(words);
    let program = words.first()?;
    let plugin = is_program(&program.text, "kubectl-argo-rollouts");
    if !plugin && !is_program(&program.text, "kubectl") {
        return None;
    }
    let call = split_flags(&words[1..], program.start);
    let skip = if plugin {
        0
    } else {
        let p = &call.positionals;
        if p.len() >= 2 && p[0].text == "argo" && p[1].text == "rollouts" {
            2
        } else {
            return None;
        }
    };
    let sub = call.positionals.get(skip)?.text.clone();
    let mut call = call;
    call.positionals.drain(..=skip);
    Some(ArgoCommand { sub, call })
}

/// A `kubectl rollout status deployment/<name>` invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeploymentStatus {
    /// The Deployment name.
    pub name: String,
    /// The whole invocation.
    pub call: Invocation,
}

/// Recognises `kubectl rollout status deployment/<name>` (also `deploy/`, `deployments/`,
/// `deployment.apps/`, and the two-word `deployment <name>` form).
pub fn deployment_status(words: &[Word]) -> Option<DeploymentStatus> {
    let words = strip_wrappers(words);
    let program = words.first()?;
    if !is_program(&program.text, "kubectl") {
        return None;
    }
    let call = split_flags(&words[1..], program.start);
    let p = &call.positionals;
    if p.len() < 3 || p[0].text != "rollout" || p[1].text != "status" {
        return None;
    }
    let is_deploy = |r: &str| {
        matches!(
            r,
            "deployment" | "deployments" | "deploy" | "deployment.apps" | "deployments.apps"
        )
    };
    let name = match p[2].text.split_once('/') {
        Some((resource, name)) if is_deploy(resource) => name.to_string(),
        Some(_) => return None,
        None if is_deploy(&p[2].text) => p.get(3)?.text.clone(),
        None => return None,
    };
    Some(DeploymentStatus { name, call })
}

/// Where to point for the bytes `start..end` of the `run` script of `step`: the exact line
/// and columns when they can be found verbatim in the source, else the whole `run` value.
pub fn script_span(
    cx: &Facts<'_>,
    doc: &Document,
    step: &Step<'_>,
    start: usize,
    end: usize,
) -> Span {
    let Some(script) = step.run else {
        return cx.span(doc, &step.pointer(), crate::repo::Target::Key);
    };
    let Some(needle) = script.get(start..end) else {
        return cx.span(doc, &step.run_pointer(), crate::repo::Target::Value);
    };
    // A needle that spans a continuation line will not be found verbatim; its first line will.
    let needle = needle
        .lines()
        .next()
        .unwrap_or(needle)
        .trim_end_matches('\\')
        .trim_end();
    let occurrence = occurrences_before(script, start, needle);
    span_in_value(cx, doc, &step.run_pointer(), needle, occurrence)
}

/// What `-t/--timeout` of a `status` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusTimeout {
    /// No timeout flag: the default 0, wait forever.
    Absent,
    /// An explicit zero: also wait forever.
    Zero(Flag),
    /// Not a Go duration (a bare number, an unknown unit): the plugin exits with a usage error.
    Invalid(Flag, String),
    /// A timeout in whole seconds.
    Seconds(Flag, u64),
    /// Set at run time (`"$TIMEOUT"`, `${{ env.T }}`, `$(TIMEOUT)` in a Makefile, a command
    /// substitution): the repo cannot tell its value, so no rule judges it.
    Dynamic(Flag),
}

impl ArgoCommand {
    /// The `status` timeout.
    pub fn timeout(&self) -> StatusTimeout {
        let Some(flag) = self.call.flag("timeout") else {
            return StatusTimeout::Absent;
        };
        if flag.value.contains(['$', '`']) {
            return StatusTimeout::Dynamic(flag.clone());
        }
        match canary_core::model::values::parse_go_duration(&flag.value) {
            Ok(0) => StatusTimeout::Zero(flag.clone()),
            Ok(s) => StatusTimeout::Seconds(flag.clone(), s),
            Err(e) => StatusTimeout::Invalid(flag.clone(), e.to_string()),
        }
    }
}

/// One command of one step of one job of a workflow document.
#[derive(Debug, Clone)]
pub struct CiCommand<'a> {
    /// The workflow document.
    pub doc: &'a Document,
    /// The job.
    pub job: &'a Job<'a>,
    /// The step.
    pub step: &'a Step<'a>,
    /// Its words.
    pub words: &'a [Word],
    /// What [`argo_command`] makes of it (worked out once per run).
    pub argo: Option<&'a ArgoCommand>,
    /// What [`deployment_status`] makes of it (worked out once per run).
    pub deployment_status: Option<&'a DeploymentStatus>,
}

/// One command of a `run` script, split into words and recognised once per run for all the
/// CI rules.
#[derive(Debug)]
pub struct ParsedCommand {
    /// Its words.
    pub words: Vec<Word>,
    /// `kubectl argo rollouts …`, if it is one.
    pub argo: Option<ArgoCommand>,
    /// `kubectl rollout status deployment/…`, if it is one.
    pub deployment_status: Option<DeploymentStatus>,
}

impl ParsedCommand {
    /// Recognises one split command.
    pub fn new(words: Vec<Word>) -> Self {
        ParsedCommand {
            argo: argo_command(&words),
            deployment_status: deployment_status(&words),
            words,
        }
    }
}

impl CiCommand<'_> {
    /// Where bytes `start..end` of the step's script are.
    pub fn span(&self, cx: &Facts<'_>, start: usize, end: usize) -> Span {
        script_span(cx, self.doc, self.step, start, end)
    }

    /// The script text of bytes `start..end` (empty when out of range).
    pub fn source(&self, start: usize, end: usize) -> &str {
        self.step.run.and_then(|r| r.get(start..end)).unwrap_or("")
    }
}

/// Calls `f` for every job of every workflow document, with the commands of its steps.
pub fn for_each_job<'a>(
    cx: &Facts<'a>,
    mut f: impl FnMut(&'a Document, &'a Job<'a>, &[CiCommand<'a>]),
) {
    for workflow in workflow_jobs(cx) {
        for (job, scripts) in &workflow.jobs {
            let commands: Vec<CiCommand<'_>> = scripts
                .iter()
                .flat_map(|(i, cmds)| {
                    cmds.iter().map(|c| CiCommand {
                        doc: workflow.doc,
                        job,
                        step: &job.steps[*i],
                        words: &c.words,
                        argo: c.argo.as_ref(),
                        deployment_status: c.deployment_status.as_ref(),
                    })
                })
                .collect();
            f(workflow.doc, job, &commands);
        }
    }
}

/// Every workflow's jobs and split scripts, worked out once per run and shared by the CI
/// rules. `run_rules` schedules it as the first task, so it is built on one thread while the
/// other runs the longest rule; a CI rule that asks before it is ready waits for it. It does
/// not use rayon itself: a thread waiting inside a parallel loop may pick up other tasks, and
/// one of those could ask for this same value while its initialisation is further up that
/// thread's stack.
pub(crate) fn workflow_jobs<'a>(cx: &Facts<'a>) -> &'a [super::WorkflowJobs<'a>] {
    cx.memo.workflows.get_or_init(|| {
        cx.repo
            .of_kind(crate::repo::Kind::Workflow)
            .map(|doc| super::WorkflowJobs {
                doc,
                jobs: cx
                    .repo
                    .located(doc)
                    .root()
                    .map(jobs)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|job| {
                        let scripts = job
                            .steps
                            .iter()
                            .enumerate()
                            .filter_map(|(i, s)| {
                                let commands = shell_commands(s.run?);
                                Some((i, commands.into_iter().map(ParsedCommand::new).collect()))
                            })
                            .collect();
                        (job, scripts)
                    })
                    .collect(),
            })
            .collect()
    })
}

/// Where a `kubectl argo rollouts status` is written: a workflow step's `run` script, or a
/// shell script or Makefile of the repo.
#[derive(Debug, Clone, Copy)]
pub enum WaitSite<'a> {
    /// A command of a workflow step.
    Workflow(&'a CiCommand<'a>),
    /// A command of a script file; offsets are bytes of the file's text.
    Script(&'a SourceFile),
}

impl WaitSite<'_> {
    /// The repo-relative file.
    pub fn file(&self, cx: &Facts<'_>) -> String {
        match self {
            WaitSite::Workflow(c) => cx.repo.file_of(c.doc).rel.clone(),
            WaitSite::Script(f) => f.rel.clone(),
        }
    }

    /// Where bytes `start..end` of the script are.
    pub fn span(&self, cx: &Facts<'_>, start: usize, end: usize) -> Span {
        match self {
            WaitSite::Workflow(c) => c.span(cx, start, end),
            WaitSite::Script(f) => super::locate::span_of_bytes(&f.text, start, end),
        }
    }

    /// The script text of bytes `start..end` (empty when out of range).
    pub fn source(&self, start: usize, end: usize) -> &str {
        match self {
            WaitSite::Workflow(c) => c.source(start, end),
            WaitSite::Script(f) => f.text.get(start..end).unwrap_or(""),
        }
    }

    /// Does the script ignore the failure of the command that ends at byte `end`? True when
    /// it is followed on its line by `|| true`, `|| :`, or `|| echo …` / `|| printf …` with no
    /// `exit` after it: the shell runs the fallback instead of failing (POSIX XCU 2.9.3
    /// "Lists", OR lists), so a `status` that gives up does not make the step or the script
    /// fail.
    pub fn failure_ignored(&self, end: usize) -> bool {
        let text = match self {
            WaitSite::Workflow(c) => c.step.run.unwrap_or(""),
            WaitSite::Script(f) => f.text.as_str(),
        };
        let Some(rest) = text.get(end..) else {
            return false;
        };
        let line = rest.split('\n').next().unwrap_or("");
        let Some(fallback) = line.trim_start().strip_prefix("||") else {
            return false;
        };
        let fallback = fallback.trim_start();
        let first = fallback
            .split(|c: char| c.is_whitespace() || c == ';')
            .next()
            .unwrap_or("");
        match first {
            "true" | ":" => true,
            "echo" | "printf" => !fallback.split_whitespace().any(|w| w.starts_with("exit")),
            _ => false,
        }
    }
}

/// One shell script or Makefile with its commands.
#[derive(Debug)]
pub struct ScriptCommands<'a> {
    /// The file.
    pub file: &'a SourceFile,
    /// Its commands; word offsets are bytes of the file's text.
    pub commands: Vec<ParsedCommand>,
}

/// What the shell runs of a script file, with the same byte offsets as the file: the file
/// itself for a shell script; for a Makefile only its recipe lines (those that start with a
/// tab), with the tab and make's `@`, `-` and `+` prefixes blanked, and every other line
/// (targets, variables, comments, directives) blanked, so a `status` written in a variable or
/// an `echo`ed string is not a command (GNU make manual, "Recipe Syntax").
pub fn shell_view<'t>(rel: &str, text: &'t str) -> std::borrow::Cow<'t, str> {
    if !crate::repo::classify::is_makefile_path(rel) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut continued = false;
    for line in text.split_inclusive('\n') {
        let body = line.strip_suffix('\n').unwrap_or(line);
        let newline = &line[body.len()..];
        if let Some(recipe) = body.strip_prefix('\t') {
            out.push(' ');
            let prefix = if continued {
                0
            } else {
                recipe.len() - recipe.trim_start_matches(['@', '-', '+', ' ', '\t']).len()
            };
            out.extend(std::iter::repeat_n(' ', prefix));
            push_make_recipe(&mut out, &recipe[prefix..]);
            continued = body.ends_with('\\');
        } else if continued {
            push_make_recipe(&mut out, body);
            continued = body.ends_with('\\');
        } else {
            out.extend(std::iter::repeat_n(' ', body.len()));
        }
        out.push_str(newline);
    }
    std::borrow::Cow::Owned(out)
}

/// Appends a recipe line as the shell sees it, at the same byte offsets: make expands
/// `$(VAR)` and `${VAR}` before the shell runs, so each reference becomes `$` and
/// underscores (a value the repo cannot know, like a shell variable), and `$$` (a literal `$`
/// for the shell) becomes `$_`.
fn push_make_recipe(out: &mut String, line: &str) {
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'$' && i + 1 < bytes.len() {
            let open = bytes[i + 1];
            if open == b'$' {
                out.push_str("$_");
                i += 2;
                continue;
            }
            if open == b'(' || open == b'{' {
                let close = if open == b'(' { b')' } else { b'}' };
                let mut depth = 0usize;
                let mut end = None;
                for (j, &b) in bytes.iter().enumerate().skip(i + 1) {
                    if b == open {
                        depth += 1;
                    } else if b == close {
                        depth -= 1;
                        if depth == 0 {
                            end = Some(j);
                            break;
                        }
                    }
                }
                if let Some(end) = end {
                    out.push('$');
                    out.extend(std::iter::repeat_n('_', end - i));
                    i = end + 1;
                    continue;
                }
            }
        }
        // Copy the rest of this character (the line is valid UTF-8, so a multi-byte
        // character is copied whole).
        let next = line[i..].chars().next().map_or(1, char::len_utf8);
        out.push_str(&line[i..i + next]);
        i += next;
    }
}

/// Every shell script and Makefile's commands, worked out once per run.
pub(crate) fn script_commands<'a>(cx: &Facts<'a>) -> &'a [ScriptCommands<'a>] {
    cx.memo.scripts.get_or_init(|| {
        cx.repo
            .files
            .iter()
            .filter(|f| f.docs.is_empty() && crate::repo::classify::is_script_path(&f.rel))
            .map(|file| ScriptCommands {
                file,
                commands: shell_commands(&shell_view(&file.rel, &file.text))
                    .into_iter()
                    .map(ParsedCommand::new)
                    .collect(),
            })
            .collect()
    })
}

/// Calls `f` for every `kubectl argo rollouts status` that watches (the default;
/// `--watch=false` returns at once and waits for nothing): in every workflow job, then in
/// every shell script and Makefile.
pub fn for_each_status_wait(cx: &Facts<'_>, mut f: impl FnMut(&WaitSite<'_>, &ArgoCommand)) {
    for_each_job(cx, |_, _, commands| {
        for command in commands {
            if let Some(argo) = command.argo
                && argo.sub == "status"
                && argo.watches()
            {
                f(&WaitSite::Workflow(command), argo);
            }
        }
    });
    for script in script_commands(cx) {
        for command in &script.commands {
            if let Some(argo) = &command.argo
                && argo.sub == "status"
                && argo.watches()
            {
                f(&WaitSite::Script(script.file), argo);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignored_failures_are_told_from_handled_ones() {
        let file = |text: &str| crate::repo::SourceFile {
            rel: "deploy.sh".into(),
            text: text.into(),
            docs: Vec::new(),
            had_bom: false,
            may_suppress: false,
            generator_data: false,
        };
        let ignored = |text: &str| {
            let f = file(text);
            let end = text.find("90s").map_or(0, |i| i + 3);
            WaitSite::Script(&f).failure_ignored(end)
        };
        assert!(ignored(
            "kubectl argo rollouts status a --timeout 90s || true\n"
        ));
        assert!(ignored("kubectl argo rollouts status a --timeout 90s||:\n"));
        assert!(ignored(
            "kubectl argo rollouts status a --timeout 90s || echo 'still rolling'\n"
        ));
        assert!(!ignored(
            "kubectl argo rollouts status a --timeout 90s\n|| true\n"
        ));
        assert!(!ignored(
            "kubectl argo rollouts status a --timeout 90s || exit 1\n"
        ));
        assert!(!ignored(
            "kubectl argo rollouts status a --timeout 90s || { echo failed; exit 1; }\n"
        ));
        assert!(!ignored(
            "kubectl argo rollouts status a --timeout 90s || echo failed; exit 1\n"
        ));
        assert!(!ignored(
            "kubectl argo rollouts status a --timeout 90s && echo ok\n"
        ));
        assert!(!ignored("kubectl argo rollouts status a --timeout 90s\n"));
    }

    #[test]
    fn makefiles_are_read_as_their_recipes_at_the_same_offsets() {
        let make = "NS ?= prod\nX = kubectl argo rollouts status a\n# kubectl argo rollouts status b\nwait:\n\t@kubectl argo rollouts status api \\\n\t\t-n $(NS) --timeout=$$T\n";
        let view = shell_view("ops/Makefile", make);
        assert_eq!(view.len(), make.len());
        let commands = shell_commands(&view);
        assert_eq!(commands.len(), 1, "{view:?}");
        let argo = argo_command(&commands[0]).expect("an argo command");
        assert_eq!(argo.rollout().map(|w| w.text.as_str()), Some("api"));
        // Make expands $(NS) before the shell runs: the namespace is unknown here.
        assert_eq!(argo.call.namespace(), None);
        assert!(matches!(argo.timeout(), StatusTimeout::Dynamic(_)));
        let start = argo.call.start;
        assert_eq!(&make[start..start + 7], "kubectl");
        // A shell script is read as it is.
        assert_eq!(shell_view("deploy.sh", make), make);
    }

    fn texts(cmd: &[Word]) -> Vec<&str> {
        cmd.iter().map(|w| w.text.as_str()).collect()
    }

    #[test]
    fn splits_scripts_into_commands() {
        let script = "set -e # strict\nkubectl argo rollouts status api \\\n  -n prod --timeout=30m && echo 'done; ok'\n";
        let cmds = shell_commands(script);
        assert_eq!(cmds.len(), 3);
        assert_eq!(texts(&cmds[0]), ["set", "-e"]);
        assert_eq!(
            texts(&cmds[1]),
            [
                "kubectl",
                "argo",
                "rollouts",
                "status",
                "api",
                "-n",
                "prod",
                "--timeout=30m"
            ]
        );
        assert_eq!(texts(&cmds[2]), ["echo", "done; ok"]);
        let w = &cmds[1][4];
        assert_eq!(&script[w.start..w.end], "api");
    }

    #[test]
    fn heredoc_bodies_are_not_commands() {
        let script = "cat <<EOF > notes.md\nkubectl argo rollouts status api\nEOF\n\
                      cat <<-'END' | tee out\n\tkubectl argo rollouts promote api\n\tEND\n\
                      cat <<\"A\" <<B; echo one\nA body\nA\nB body\nB\n\
                      kubectl argo rollouts status api -t 30m\n";
        let cmds = shell_commands(script);
        let all: Vec<Vec<&str>> = cmds.iter().map(|c| texts(c)).collect();
        assert_eq!(
            all,
            [
                vec!["cat", ">", "notes.md"],
                vec!["cat"],
                vec!["tee", "out"],
                vec!["cat"],
                vec!["echo", "one"],
                vec!["kubectl", "argo", "rollouts", "status", "api", "-t", "30m"],
            ]
        );
        let w = &cmds[5][4];
        assert_eq!(&script[w.start..w.end], "api");
    }

    #[test]
    fn heredoc_edges() {
        // An unterminated here-document runs to the end of the script.
        assert_eq!(
            shell_commands("cat <<EOF\nkubectl argo rollouts status x\n").len(),
            1
        );
        // `<<-` strips tabs only: an indented delimiter with spaces does not end the body.
        assert_eq!(shell_commands("cat <<-EOF\n  EOF\nkubectl x\n").len(), 1);
        // A here-string and an arithmetic shift are not here-documents.
        let cmds = shell_commands("cat <<< \"$x\"\nkubectl x\necho $((1<<2))\nkubectl y\n");
        let all: Vec<Vec<&str>> = cmds.iter().map(|c| texts(c)).collect();
        assert_eq!(
            all,
            [
                vec!["cat", "<<<", "$x"],
                vec!["kubectl", "x"],
                vec!["echo", "$"],
                vec!["1<<2"],
                vec!["kubectl", "y"],
            ]
        );
        // A comment after the operator still starts the body on the next line.
        assert_eq!(
            shell_commands("cat <<EOF # notes\nkubectl x\nEOF\n").len(),
            1
        );
        // A line continuation does not start the body.
        let cmds = shell_commands("cat <<EOF \\\n  -n\nbody\nEOF\n");
        assert_eq!(texts(&cmds[0]), ["cat", "-n"]);
        assert_eq!(cmds.len(), 1);
    }

    #[test]
    fn reads_argo_status_flags() {
        let cmds = shell_commands("kubectl -n prod argo rollouts status api -t 5m -w");
        let argo = argo_command(&cmds[0]).unwrap();
        assert_eq!(argo.sub, "status");
        assert_eq!(argo.rollout().map(|w| w.text.as_str()), Some("api"));
        assert_eq!(argo.call.namespace(), Some("prod"));
        assert_eq!(
            argo.call.flag("timeout").map(|f| f.value.as_str()),
            Some("5m")
        );
        assert!(argo.watches());
        let cmds = shell_commands("kubectl-argo-rollouts status api --watch=false");
        let argo = argo_command(&cmds[0]).unwrap();
        assert!(!argo.watches());
        let cmds =
            shell_commands("kubectl argo rollouts set image api api=\"$IMAGE\" --namespace=prod");
        let argo = argo_command(&cmds[0]).unwrap();
        assert!(argo.is_set_image());
        assert_eq!(argo.rollout().map(|w| w.text.as_str()), Some("api"));
        assert_eq!(argo.call.namespace(), Some("prod"));
        assert!(argo_command(&shell_commands("kubectl get pods")[0]).is_none());
    }

    #[test]
    fn reads_deployment_status() {
        for script in [
            "kubectl rollout status deployment/api -n prod",
            "kubectl rollout status deploy/api",
            "kubectl -n prod rollout status deployment api --timeout 5m",
        ] {
            let cmds = shell_commands(script);
            let s = deployment_status(&cmds[0]);
            assert_eq!(s.map(|s| s.name), Some("api".to_string()), "{script}");
        }
        assert!(deployment_status(&shell_commands("kubectl rollout status sts/api")[0]).is_none());
    }
}

//! YAML and JSON documents with the source position of every key and value.
//!
//! Both tools read YAML through this module: the generator to point at a bad line of
//! `canary.yaml`, the linter to point at the offending key or value in a repo. Documents become
//! `serde_json::Value`s (so typed models deserialize from them) plus a map from JSON Pointer to
//! spans. The loader is an explicit stack machine over `saphyr-parser` events, so hostile input
//! (100k-deep nesting, alias bombs) ends in an error, never a stack overflow.

use rustc_hash::{FxHashMap, FxHashSet};
use std::borrow::Cow;
use std::fmt;

use saphyr_parser::{Event, Parser, ScalarStyle, Span as RawSpan};
use serde_json::{Map, Number, Value};

/// A position: 1-based line and 1-based column counted in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Pos {
    /// Line, from 1.
    pub line: u32,
    /// Column in characters, from 1.
    pub col: u32,
}

/// A source range (end exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    /// First character.
    pub start: Pos,
    /// One past the last character.
    pub end: Pos,
}

impl Span {
    /// A span at line 1, column 1 with no width: for findings about a whole file.
    pub fn file_start() -> Self {
        let p = Pos { line: 1, col: 1 };
        Span { start: p, end: p }
    }

    fn from_raw(raw: &RawSpan) -> Self {
        let conv = |m: &saphyr_parser::Marker| Pos {
            line: m.line() as u32,
            col: m.col() as u32 + 1,
        };
        Span {
            start: conv(&raw.start),
            end: conv(&raw.end),
        }
    }
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// Where a node sits: its key (for mapping values) and its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeSpan {
    /// The key's span, for a mapping entry.
    pub key: Option<Span>,
    /// The value's span.
    pub value: Span,
}

/// The spans of a document's nodes, keyed by [`pointer_hash`]: one flat vector sorted by key
/// (looked up by binary search), so a document costs 48 bytes per node and no hash table.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Spans(Vec<(u64, NodeSpan)>);

impl Spans {
    /// From entries in any order; of two entries with the same key the later one wins.
    fn from_entries(mut entries: Vec<(u64, NodeSpan)>) -> Self {
        // Stable: equal keys keep their order, so the last of each run is the later entry.
        entries.sort_by_key(|e| e.0);
        let mut out: Vec<(u64, NodeSpan)> = Vec::with_capacity(entries.len());
        for entry in entries {
            match out.last_mut() {
                Some(last) if last.0 == entry.0 => *last = entry,
                _ => out.push(entry),
            }
        }
        Spans(out)
    }

    /// The spans under key `hash`.
    pub fn get(&self, hash: u64) -> Option<NodeSpan> {
        self.0
            .binary_search_by_key(&hash, |e| e.0)
            .ok()
            .and_then(|i| self.0.get(i))
            .map(|e| e.1)
    }

    /// How many nodes have spans.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// No spans at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// One document of a stream.
#[derive(Debug, Clone, PartialEq)]
pub struct LocatedDoc {
    /// The document as JSON.
    pub value: Value,
    /// Spans by JSON Pointer (`/spec/strategy/canary/steps/0/setWeight`), keyed by
    /// [`pointer_hash`] so a document does not hold a pointer string per node. `""` is the root.
    pub spans: Spans,
    /// Plain scalars whose YAML 1.1 reading differs from the YAML 1.2 one (Norway problem).
    pub ambiguous_scalars: Vec<(String, Span)>,
}

impl LocatedDoc {
    /// The span of the node at `pointer`, preferring the value.
    pub fn value_span(&self, pointer: &str) -> Option<Span> {
        self.spans.get(pointer_hash(pointer)).map(|s| s.value)
    }

    /// Spans of the node at `pointer`.
    pub fn node(&self, pointer: &str) -> Option<NodeSpan> {
        self.spans.get(pointer_hash(pointer))
    }

    /// The span of the key at `pointer`, falling back to the value.
    pub fn key_span(&self, pointer: &str) -> Option<Span> {
        self.node(pointer).map(|s| s.key.unwrap_or(s.value))
    }

    /// The nearest span at `pointer` or one of its parents.
    pub fn nearest_span(&self, pointer: &str) -> Span {
        let mut p = pointer;
        loop {
            if let Some(s) = self.node(p) {
                return s.value;
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return Span::file_start(),
            }
        }
    }

    /// Like `nearest_span` but on the key when the node has one.
    pub fn nearest_key_span(&self, pointer: &str) -> Span {
        match self.node(pointer) {
            Some(s) => s.key.unwrap_or(s.value),
            None => self.nearest_span(pointer),
        }
    }
}

/// Limits that keep hostile input cheap.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Deepest nesting of collections.
    pub max_depth: usize,
    /// Nodes that alias expansion may add to one stream.
    pub max_alias_nodes: usize,
    /// Documents in one stream.
    pub max_documents: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 200,
            max_alias_nodes: 100_000,
            max_documents: 10_000,
        }
    }
}

/// Why a stream could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct LoadError {
    /// What went wrong, in words.
    pub message: String,
    /// Where.
    pub span: Span,
    /// What kind of problem.
    pub kind: LoadErrorKind,
}

/// Classes of load errors, so the linter can name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadErrorKind {
    /// Not valid YAML/JSON.
    Syntax,
    /// The same key twice in one mapping.
    DuplicateKey,
    /// Nested deeper than the limit.
    TooDeep,
    /// Too many nodes (alias bomb).
    TooManyNodes,
    /// An alias to an unknown anchor, or a mapping used as a key.
    Unsupported,
}

const ROOT_HASH: u64 = 0x243f_6a88_85a3_08d3;

/// The key of a JSON Pointer in [`LocatedDoc::spans`]: a hash folded segment by segment, so the
/// loader can compute it for every node without building the pointer string.
pub fn pointer_hash(pointer: &str) -> u64 {
    pointer
        .split('/')
        .skip(1)
        .fold(ROOT_HASH, |h, segment| combine(h, segment.as_bytes()))
}

fn combine(parent: u64, segment: &[u8]) -> u64 {
    use std::hash::Hasher;
    let mut h = rustc_hash::FxHasher::default();
    h.write_u64(parent);
    h.write(segment);
    h.write_u8(0xff);
    h.finish()
}

fn combine_index(parent: u64, index: usize) -> u64 {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut n = index;
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    combine(parent, &buf[i..])
}

/// An open collection. Its children sit on the builder's shared scratch stacks from `first`
/// on, so a finished collection is allocated once at its exact size.
enum Frame {
    Seq {
        first: usize,
        pointer: u64,
        segment: String,
        anchor: usize,
        start: Span,
        key: Option<Span>,
    },
    Map {
        first: usize,
        pointer: u64,
        segment: String,
        anchor: usize,
        start: Span,
        key: Option<Span>,
        pending: Option<(String, Span)>,
        /// Hashes of the first `hashed` keys, built once a mapping is large enough that
        /// scanning its keys for duplicates would cost more than hashing them.
        keys: FxHashSet<u64>,
        hashed: usize,
    },
}

/// Mappings with fewer keys are checked for duplicates by a plain scan.
const SCAN_KEYS: usize = 16;

fn key_hash(key: &str) -> u64 {
    use std::hash::Hasher;
    let mut h = rustc_hash::FxHasher::default();
    h.write(key.as_bytes());
    h.finish()
}

/// Does the mapping whose entries are `entries` already have `key`?
fn has_key(
    entries: &[(String, Value)],
    keys: &mut FxHashSet<u64>,
    hashed: &mut usize,
    key: &str,
) -> bool {
    if entries.len() < SCAN_KEYS {
        return entries.iter().any(|(k, _)| k == key);
    }
    for (k, _) in entries.iter().skip(*hashed) {
        keys.insert(key_hash(k));
    }
    *hashed = entries.len();
    keys.contains(&key_hash(key)) && entries.iter().any(|(k, _)| k == key)
}

struct Builder {
    limits: Limits,
    stack: Vec<Frame>,
    /// Items of the open sequences, innermost last.
    items: Vec<Value>,
    /// Entries of the open mappings, innermost last.
    entries: Vec<(String, Value)>,
    spans: Vec<(u64, NodeSpan)>,
    ambiguous: Vec<(String, Span)>,
    anchors: FxHashMap<usize, (Value, usize)>,
    nodes: usize,
    root: Option<Value>,
}

fn escape_pointer(key: &str) -> Cow<'_, str> {
    if key.contains(['~', '/']) {
        Cow::Owned(key.replace('~', "~0").replace('/', "~1"))
    } else {
        Cow::Borrowed(key)
    }
}

/// Count the nodes in a value (for alias budgets).
fn node_count(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(node_count).sum::<usize>(),
        Value::Object(o) => 1 + o.values().map(node_count).sum::<usize>(),
        _ => 1,
    }
}

impl Builder {
    fn new(limits: Limits) -> Self {
        Builder {
            limits,
            stack: Vec::new(),
            items: Vec::new(),
            entries: Vec::new(),
            spans: Vec::new(),
            ambiguous: Vec::new(),
            anchors: FxHashMap::default(),
            nodes: 0,
            root: None,
        }
    }

    /// The finished document.
    fn finish(self) -> LocatedDoc {
        LocatedDoc {
            value: self.root.unwrap_or(Value::Null),
            spans: Spans::from_entries(self.spans),
            ambiguous_scalars: self.ambiguous,
        }
    }

    fn err(kind: LoadErrorKind, span: Span, message: String) -> LoadError {
        LoadError {
            message,
            span,
            kind,
        }
    }

    /// Items so far of the innermost open sequence that starts at `first`.
    fn seq_len(&self, first: usize) -> usize {
        self.items.len().saturating_sub(first)
    }

    /// The pointer hash and key span a new node at the current position gets. For a mapping
    /// without a pending key, the node is a key: `None`.
    fn child_slot(&self) -> Option<(u64, Option<Span>)> {
        match self.stack.last() {
            None => Some((ROOT_HASH, None)),
            Some(Frame::Seq { first, pointer, .. }) => {
                Some((combine_index(*pointer, self.seq_len(*first)), None))
            }
            Some(Frame::Map {
                pending, pointer, ..
            }) => pending
                .as_ref()
                .map(|(k, span)| (combine(*pointer, escape_pointer(k).as_bytes()), Some(*span))),
        }
    }

    /// The pointer segment of a new node at the current position (kept by collections, to
    /// rebuild the pointer of an ambiguous scalar).
    fn child_segment(&self) -> String {
        match self.stack.last() {
            Some(Frame::Seq { first, .. }) => self.seq_len(*first).to_string(),
            Some(Frame::Map {
                pending: Some((k, _)),
                ..
            }) => escape_pointer(k).into_owned(),
            _ => String::new(),
        }
    }

    /// The JSON Pointer of the current child position, rebuilt from the frames (only needed
    /// for the rare ambiguous scalar).
    fn child_pointer(&self) -> String {
        let mut out = String::new();
        for frame in self.stack.iter().skip(1) {
            match frame {
                Frame::Seq { segment, .. } | Frame::Map { segment, .. } => {
                    out.push('/');
                    out.push_str(segment);
                }
            }
        }
        match self.stack.last() {
            Some(Frame::Seq { first, .. }) => out.push_str(&format!("/{}", self.seq_len(*first))),
            Some(Frame::Map {
                pending: Some((k, _)),
                ..
            }) => {
                out.push('/');
                out.push_str(&escape_pointer(k));
            }
            _ => {}
        }
        out
    }

    fn count_alias(&mut self, n: usize, span: Span) -> Result<(), LoadError> {
        self.nodes += n;
        if self.nodes > self.limits.max_alias_nodes {
            return Err(Self::err(
                LoadErrorKind::TooManyNodes,
                span,
                format!(
                    "aliases expand to more than {} nodes (an alias bomb?); refusing to expand further",
                    self.limits.max_alias_nodes
                ),
            ));
        }
        Ok(())
    }

    fn attach(&mut self, value: Value, anchor: usize) -> Result<(), LoadError> {
        if anchor != 0 {
            let n = node_count(&value);
            self.anchors.insert(anchor, (value.clone(), n));
        }
        match self.stack.last_mut() {
            None => self.root = Some(value),
            Some(Frame::Seq { .. }) => self.items.push(value),
            Some(Frame::Map { pending, .. }) => {
                if let Some((k, _)) = pending.take() {
                    self.entries.push((k, value));
                }
            }
        }
        Ok(())
    }

    /// When the innermost frame is a mapping waiting for a key, takes `key` as that key
    /// (`Ok(true)`), or reports it as a duplicate (`why` is added to the message).
    fn take_key(
        &mut self,
        key: impl FnOnce() -> String,
        span: Span,
        why: &str,
    ) -> Result<bool, LoadError> {
        let Some(Frame::Map {
            first,
            pending,
            keys,
            hashed,
            ..
        }) = self.stack.last_mut()
        else {
            return Ok(false);
        };
        if pending.is_some() {
            return Ok(false);
        }
        let key = key();
        let entries = self.entries.get(*first..).unwrap_or_default();
        if has_key(entries, keys, hashed, &key) {
            return Err(Self::err(
                LoadErrorKind::DuplicateKey,
                span,
                format!("duplicate key `{key}` in this mapping{why}"),
            ));
        }
        *pending = Some((key, span));
        Ok(true)
    }

    fn scalar(
        &mut self,
        text: Cow<'_, str>,
        style: ScalarStyle,
        anchor: usize,
        tagged_str: bool,
        span: Span,
    ) -> Result<(), LoadError> {
        // A scalar where a mapping expects a key.
        if matches!(self.stack.last(), Some(Frame::Map { pending: None, .. })) {
            self.take_key(
                || text.into_owned(),
                span,
                "; kubectl and the API server reject it",
            )?;
            return Ok(());
        }
        let Some((pointer, key)) = self.child_slot() else {
            return Ok(());
        };
        let value = if style == ScalarStyle::Plain && !tagged_str {
            let v = resolve_plain(&text);
            if crate::yaml11::differs_from_yaml12(&text) {
                let path = self.child_pointer();
                self.ambiguous.push((path, span));
            }
            v
        } else {
            Value::String(text.into_owned())
        };
        self.spans.push((pointer, NodeSpan { key, value: span }));
        self.attach(value, anchor)
    }

    fn start(&mut self, map: bool, anchor: usize, span: Span) -> Result<(), LoadError> {
        if self.stack.len() >= self.limits.max_depth {
            return Err(Self::err(
                LoadErrorKind::TooDeep,
                span,
                format!(
                    "nested deeper than {} levels; refusing to read further",
                    self.limits.max_depth
                ),
            ));
        }
        let (pointer, key) = match self.child_slot() {
            Some(slot) => slot,
            None => {
                return Err(Self::err(
                    LoadErrorKind::Unsupported,
                    span,
                    "a mapping or sequence used as a mapping key is not supported in Kubernetes manifests".into(),
                ));
            }
        };
        let segment = self.child_segment();
        self.stack.push(if map {
            Frame::Map {
                first: self.entries.len(),
                pointer,
                segment,
                anchor,
                start: span,
                key,
                pending: None,
                keys: FxHashSet::default(),
                hashed: 0,
            }
        } else {
            Frame::Seq {
                first: self.items.len(),
                pointer,
                segment,
                anchor,
                start: span,
                key,
            }
        });
        Ok(())
    }

    fn end(&mut self, span: Span) -> Result<(), LoadError> {
        let Some(frame) = self.stack.pop() else {
            return Ok(());
        };
        let (value, pointer, anchor, start, key) = match frame {
            Frame::Seq {
                first,
                pointer,
                anchor,
                start,
                key,
                ..
            } => {
                let items: Vec<Value> = self.items.drain(first.min(self.items.len())..).collect();
                (Value::Array(items), pointer, anchor, start, key)
            }
            Frame::Map {
                first,
                pointer,
                anchor,
                start,
                key,
                ..
            } => {
                let map: Map<String, Value> = self
                    .entries
                    .drain(first.min(self.entries.len())..)
                    .collect();
                (Value::Object(map), pointer, anchor, start, key)
            }
        };
        let end = if span.end > start.start {
            span.end
        } else {
            start.end
        };
        self.spans.push((
            pointer,
            NodeSpan {
                key,
                value: Span {
                    start: start.start,
                    end,
                },
            },
        ));
        self.attach(value, anchor)
    }

    fn alias(&mut self, id: usize, span: Span) -> Result<(), LoadError> {
        let Some(n) = self.anchors.get(&id).map(|(_, n)| *n) else {
            return Err(Self::err(
                LoadErrorKind::Unsupported,
                span,
                "alias to an unknown anchor".into(),
            ));
        };
        self.count_alias(n, span)?;
        let value = self
            .anchors
            .get(&id)
            .map(|(v, _)| v.clone())
            .unwrap_or(Value::Null);
        if matches!(self.stack.last(), Some(Frame::Map { pending: None, .. })) {
            let key = || match &value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            self.take_key(key, span, "")?;
            return Ok(());
        }
        if let Some((pointer, key)) = self.child_slot() {
            self.spans.push((pointer, NodeSpan { key, value: span }));
        }
        self.attach(value, 0)
    }
}

/// YAML 1.2 core-schema resolution of a plain scalar.
pub fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    let bytes = text.as_bytes();
    let first = bytes[0];
    if first.is_ascii_digit() || first == b'-' || first == b'+' || first == b'.' {
        if let Some(hex) = text.strip_prefix("0x")
            && let Ok(i) = i64::from_str_radix(hex, 16)
        {
            return Value::Number(i.into());
        }
        if let Some(oct) = text.strip_prefix("0o")
            && let Ok(i) = i64::from_str_radix(oct, 8)
        {
            return Value::Number(i.into());
        }
        let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            if let Ok(i) = text.parse::<i64>() {
                return Value::Number(i.into());
            }
            if let Ok(u) = text.parse::<u64>() {
                return Value::Number(u.into());
            }
        }
        if is_yaml12_float(text)
            && let Ok(f) = text.parse::<f64>()
            && let Some(n) = Number::from_f64(f)
        {
            return Value::Number(n);
        }
    }
    Value::String(text.to_string())
}

/// `[-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?` (YAML 1.2 core schema).
fn is_yaml12_float(text: &str) -> bool {
    let s = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((int, frac)) => {
            (int.is_empty() && !frac.is_empty() || !int.is_empty())
                && int.bytes().all(|b| b.is_ascii_digit())
                && frac.bytes().all(|b| b.is_ascii_digit())
        }
        None => !mantissa.is_empty() && mantissa.bytes().all(|b| b.is_ascii_digit()),
    };
    let exp_ok = exp.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit())
    });
    mantissa_ok && exp_ok
}

/// Read every document of a YAML (or JSON) stream with spans.
pub fn load_str(src: &str, limits: Limits) -> Result<Vec<LocatedDoc>, LoadError> {
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    let mut parser = Parser::new_from_str(src).keep_tags(true);
    let mut docs = Vec::new();
    let mut builder = Builder::new(limits);
    let mut in_doc = false;
    while let Some(next) = parser.next_event() {
        let (event, raw) = next.map_err(|e| {
            let m = e.marker();
            let p = Pos {
                line: m.line() as u32,
                col: m.col() as u32 + 1,
            };
            LoadError {
                message: format!("not valid YAML: {}", e.info()),
                span: Span { start: p, end: p },
                kind: LoadErrorKind::Syntax,
            }
        })?;
        let span = Span::from_raw(&raw);
        match event {
            Event::DocumentStart(_) => {
                in_doc = true;
                let used = builder.nodes;
                builder = Builder::new(limits);
                builder.nodes = used;
            }
            Event::DocumentEnd => {
                if in_doc {
                    in_doc = false;
                    let mut fresh = Builder::new(limits);
                    fresh.nodes = builder.nodes;
                    let b = std::mem::replace(&mut builder, fresh);
                    docs.push(b.finish());
                    if docs.len() > limits.max_documents {
                        return Err(LoadError {
                            message: format!(
                                "more than {} documents in one file",
                                limits.max_documents
                            ),
                            span,
                            kind: LoadErrorKind::TooManyNodes,
                        });
                    }
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                let tagged_str = tag.as_ref().is_some_and(|t| t.suffix == "str");
                builder.scalar(text, style, anchor, tagged_str, span)?;
            }
            Event::SequenceStart(anchor, _) => builder.start(false, anchor, span)?,
            Event::MappingStart(anchor, _) => builder.start(true, anchor, span)?,
            Event::SequenceEnd | Event::MappingEnd => builder.end(span)?,
            Event::Alias(id) => builder.alias(id, span)?,
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
        }
    }
    Ok(docs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_of_keys_and_values_across_documents() {
        let src =
            "kind: Service\n---\nkind: Rollout\nspec:\n  steps:\n  - pause:\n      duration: 10x\n";
        let docs = load_str(src, Limits::default()).unwrap();
        assert_eq!(docs.len(), 2);
        let d = &docs[1];
        let s = d.node("/spec/steps/0/pause/duration").expect("span");
        assert_eq!(s.value.start, Pos { line: 7, col: 17 });
        assert_eq!(s.key.unwrap().start, Pos { line: 7, col: 7 });
        assert_eq!(d.value["spec"]["steps"][0]["pause"]["duration"], "10x");
    }

    #[test]
    fn resolves_yaml12_core_schema() {
        let docs = load_str(
            "a: yes\nb: 10\nc: '10'\nd: 1.5\ne: ~\nf: true\ng: 0x1F\nh: !!str 5\n",
            Limits::default(),
        )
        .unwrap();
        let v = &docs[0].value;
        assert_eq!(v["a"], "yes");
        assert_eq!(v["b"], 10);
        assert_eq!(v["c"], "10");
        assert_eq!(v["d"], 1.5);
        assert!(v["e"].is_null());
        assert_eq!(v["f"], true);
        assert_eq!(v["g"], 31);
        assert_eq!(v["h"], "5");
        let ambiguous: Vec<_> = docs[0]
            .ambiguous_scalars
            .iter()
            .map(|(p, _)| p.as_str())
            .collect();
        assert_eq!(ambiguous, ["/a"]);
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let err = load_str("a: 1\nb: 2\na: 3\n", Limits::default()).unwrap_err();
        assert_eq!(err.kind, LoadErrorKind::DuplicateKey);
        assert_eq!(err.span.start, Pos { line: 3, col: 1 });
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let src = "[".repeat(100_000);
        let err = load_str(&src, Limits::default()).unwrap_err();
        assert!(matches!(
            err.kind,
            LoadErrorKind::TooDeep | LoadErrorKind::Syntax
        ));
        let block: String = (0..100_000)
            .map(|i| format!("{}- \n", " ".repeat(i % 2)))
            .collect();
        let _ = load_str(&block, Limits::default());
    }

    #[test]
    fn alias_bombs_are_stopped() {
        let mut src = String::from("a: &a [x, x, x, x, x, x, x, x, x]\n");
        let mut prev = 'a';
        for c in 'b'..='j' {
            src.push_str(&format!("{c}: &{c} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
            prev = c;
        }
        let err = load_str(&src, Limits::default()).unwrap_err();
        assert_eq!(err.kind, LoadErrorKind::TooManyNodes);
        assert!(err.message.contains("alias"));
    }

    #[test]
    fn json_and_bom_and_crlf() {
        let docs = load_str(
            "\u{feff}{\r\n  \"a\": [1, \"x\"]\r\n}\r\n",
            Limits::default(),
        )
        .unwrap();
        assert_eq!(docs[0].value["a"][1], "x");
        assert_eq!(
            docs[0].node("/a/1").expect("span").value.start,
            Pos { line: 2, col: 12 }
        );
    }

    #[test]
    fn empty_documents_are_null() {
        let docs = load_str("---\n---\na: 1\n", Limits::default()).unwrap();
        assert_eq!(docs.len(), 2);
        assert!(docs[0].value.is_null());
    }
}

#[cfg(test)]
mod pointer_tests {
    use super::*;

    #[test]
    fn every_node_is_found_by_its_pointer_and_ambiguous_scalars_keep_theirs() {
        let src = "a:\n  b/c: [x, {d~e: yes}]\n  n: [[1, 2], [3]]\n";
        let docs = load_str(src, Limits::default()).unwrap();
        let d = &docs[0];
        assert_eq!(
            d.value_span("/a/b~1c/1/d~0e").map(|s| s.start),
            Some(Pos { line: 2, col: 18 })
        );
        assert_eq!(
            d.value_span("/a/n/0/1").map(|s| s.start),
            Some(Pos { line: 3, col: 11 })
        );
        assert_eq!(
            d.value_span("/a/n/1/0").map(|s| s.start),
            Some(Pos { line: 3, col: 16 })
        );
        assert!(d.value_span("/a/n/2").is_none());
        assert_eq!(d.ambiguous_scalars[0].0, "/a/b~1c/1/d~0e");
        assert_eq!(pointer_hash(""), ROOT_HASH);
    }
}

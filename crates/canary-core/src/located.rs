//! YAML and JSON documents with the source position of every key and value.
//!
//! Both tools read YAML through this module: the generator to point at a bad line of
//! `canary.yaml`, the linter to point at the offending key or value in a repo. A document is a
//! compact tree: one flat vector of nodes in document order (each with its key, its spans and
//! its subtree size) and one string arena for keys and string scalars. Typed models deserialize
//! straight from the tree ([`LocatedDoc::deserializer`]); a `serde_json::Value` is built only
//! when a caller asks for one ([`LocatedDoc::value`]), and spans are found by walking the tree
//! along a JSON Pointer. The loader is an explicit stack machine over `saphyr-parser` events,
//! so hostile input (100k-deep nesting, alias bombs) ends in an error, never a stack overflow.

mod de;
mod json;

use rustc_hash::{FxHashMap, FxHashSet};
use std::borrow::Cow;
use std::fmt;
use std::sync::OnceLock;

use saphyr_parser::{Event, Parser, ScalarStyle, Span as RawSpan};
use serde_json::{Map, Number, Value};

pub use de::DeError;
pub use json::{load_json_str, strict_json};

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

/// A string in a document's arena: byte offset and length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Str {
    at: u32,
    len: u32,
}

/// What a node holds. Collections hold nothing here: their children follow them.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Data {
    Null,
    Bool(bool),
    /// Non-negative integers (as `serde_json` keeps them).
    U64(u64),
    /// Negative integers.
    I64(i64),
    F64(f64),
    Str(Str),
    Seq,
    Map,
}

/// One node of the tree. Nodes are stored in document order (a collection, then its whole
/// subtree), so a collection's first child is the next node and a node's next sibling is
/// `size` nodes further on.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Node {
    data: Data,
    /// The key, when the node is a mapping value.
    key: Str,
    /// The key's span; line 0 when there is no key.
    key_span: Span,
    span: Span,
    /// Nodes in this subtree, itself included.
    size: u32,
    /// Children of a collection.
    len: u32,
}

/// One document of a stream.
#[derive(Debug, Clone, Default)]
pub struct LocatedDoc {
    /// Document order; empty for an empty document (which reads as `null`).
    nodes: Box<[Node]>,
    strings: Box<str>,
    value: OnceLock<Value>,
    /// Plain scalars whose YAML 1.1 reading differs from the YAML 1.2 one (Norway problem),
    /// by JSON Pointer.
    pub ambiguous_scalars: Vec<(String, Span)>,
    /// Plain scalar values that kubectl (go-yaml v2) reads as a different JSON value than
    /// this loader, by their span in the file, in document order. Copies made by aliases and
    /// merge keys keep the span of the anchored text, so they are found here too.
    kubectl_readings: Vec<(Span, crate::yaml11::Kubectl)>,
}

/// Equal documents have equal trees; whether a `Value` was built yet does not matter.
impl PartialEq for LocatedDoc {
    fn eq(&self, other: &Self) -> bool {
        self.nodes == other.nodes
            && self.strings == other.strings
            && self.ambiguous_scalars == other.ambiguous_scalars
            && self.kubectl_readings == other.kubectl_readings
    }
}

/// A node of a [`LocatedDoc`], to read without building a `serde_json::Value`.
#[derive(Clone, Copy)]
pub struct NodeRef<'a> {
    doc: &'a LocatedDoc,
    index: usize,
}

impl fmt::Debug for NodeRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_value())
    }
}

impl<'a> NodeRef<'a> {
    fn node(&self) -> &'a Node {
        &self.doc.nodes[self.index]
    }

    fn text(&self, s: Str) -> &'a str {
        self.doc
            .strings
            .get(s.at as usize..(s.at + s.len) as usize)
            .unwrap_or_default()
    }

    /// The node's spans.
    pub fn spans(&self) -> NodeSpan {
        let n = self.node();
        NodeSpan {
            key: (n.key_span.start.line != 0).then_some(n.key_span),
            value: n.span,
        }
    }

    /// The key this node sits under, when its parent is a mapping.
    pub fn key(&self) -> Option<&'a str> {
        let n = self.node();
        (n.key_span.start.line != 0).then(|| self.text(n.key))
    }

    /// The string, when the node is one.
    pub fn as_str(&self) -> Option<&'a str> {
        match self.node().data {
            Data::Str(s) => Some(self.text(s)),
            _ => None,
        }
    }

    /// The boolean, when the node is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self.node().data {
            Data::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// The number, when the node is one.
    pub fn as_f64(&self) -> Option<f64> {
        match self.node().data {
            Data::U64(u) => Some(u as f64),
            Data::I64(i) => Some(i as f64),
            Data::F64(f) => Some(f),
            _ => None,
        }
    }

    /// Is the node `null`?
    pub fn is_null(&self) -> bool {
        matches!(self.node().data, Data::Null)
    }

    /// Is the node a mapping?
    pub fn is_object(&self) -> bool {
        matches!(self.node().data, Data::Map)
    }

    /// Is the node a sequence?
    pub fn is_array(&self) -> bool {
        matches!(self.node().data, Data::Seq)
    }

    /// The children of a mapping or sequence, in order (mapping values carry their key).
    pub fn children(&self) -> Children<'a> {
        let n = self.node();
        let len = match n.data {
            Data::Seq | Data::Map => n.len,
            _ => 0,
        };
        Children {
            doc: self.doc,
            next: self.index + 1,
            left: len,
        }
    }

    /// The entries of a mapping, in order; nothing when the node is not a mapping (as
    /// `serde_json::Value::as_object` would say).
    pub fn entries(&self) -> Children<'a> {
        self.children_if(self.is_object())
    }

    /// The items of a sequence, in order; nothing when the node is not a sequence (as
    /// `serde_json::Value::as_array` would say).
    pub fn items(&self) -> Children<'a> {
        self.children_if(self.is_array())
    }

    fn children_if(&self, wanted: bool) -> Children<'a> {
        let mut children = self.children();
        if !wanted {
            children.left = 0;
        }
        children
    }

    /// The value under `key`, when the node is a mapping that has it.
    pub fn get(&self, key: &str) -> Option<NodeRef<'a>> {
        if !self.is_object() {
            return None;
        }
        self.children().find(|c| c.key() == Some(key))
    }

    /// The node at a JSON Pointer relative to this one (`""` is the node itself).
    pub fn pointer(&self, pointer: &str) -> Option<NodeRef<'a>> {
        if pointer.is_empty() {
            return Some(*self);
        }
        let rest = pointer.strip_prefix('/')?;
        let mut at = *self;
        for raw in rest.split('/') {
            let segment = unescape_pointer(raw);
            at = match at.node().data {
                Data::Map => at.get(&segment)?,
                Data::Seq => {
                    let canonical = segment == "0" || !segment.starts_with('0');
                    let i: usize = segment.parse().ok().filter(|_| canonical)?;
                    at.children().nth(i)?
                }
                _ => return None,
            };
        }
        Some(at)
    }

    /// The node as a `serde_json::Value`.
    pub fn to_value(&self) -> Value {
        let n = self.node();
        match n.data {
            Data::Null => Value::Null,
            Data::Bool(b) => Value::Bool(b),
            Data::U64(u) => Value::Number(u.into()),
            Data::I64(i) => Value::Number(i.into()),
            Data::F64(f) => Number::from_f64(f).map_or(Value::Null, Value::Number),
            Data::Str(s) => Value::String(self.text(s).to_string()),
            Data::Seq => Value::Array(self.children().map(|c| c.to_value()).collect()),
            Data::Map => {
                let mut map = Map::with_capacity(n.len as usize);
                for c in self.children() {
                    map.insert(c.key().unwrap_or_default().to_string(), c.to_value());
                }
                Value::Object(map)
            }
        }
    }
}

/// The children of a collection node.
pub struct Children<'a> {
    doc: &'a LocatedDoc,
    next: usize,
    left: u32,
}

impl<'a> Iterator for Children<'a> {
    type Item = NodeRef<'a>;

    fn next(&mut self) -> Option<NodeRef<'a>> {
        if self.left == 0 {
            return None;
        }
        let node = self.doc.nodes.get(self.next)?;
        let item = NodeRef {
            doc: self.doc,
            index: self.next,
        };
        self.next += node.size.max(1) as usize;
        self.left -= 1;
        Some(item)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.left as usize))
    }
}

fn unescape_pointer(segment: &str) -> Cow<'_, str> {
    if segment.contains('~') {
        Cow::Owned(segment.replace("~1", "/").replace("~0", "~"))
    } else {
        Cow::Borrowed(segment)
    }
}

fn escape_pointer(key: &str) -> Cow<'_, str> {
    if key.contains(['~', '/']) {
        Cow::Owned(key.replace('~', "~0").replace('/', "~1"))
    } else {
        Cow::Borrowed(key)
    }
}

impl LocatedDoc {
    /// The root node; `None` for an empty document.
    pub fn root(&self) -> Option<NodeRef<'_>> {
        (!self.nodes.is_empty()).then_some(NodeRef {
            doc: self,
            index: 0,
        })
    }

    /// Is the document empty or `null`?
    pub fn is_null(&self) -> bool {
        self.root().is_none_or(|r| r.is_null())
    }

    /// The node at a JSON Pointer (`/spec/strategy/canary/steps/0/setWeight`; `""` is the root).
    pub fn at(&self, pointer: &str) -> Option<NodeRef<'_>> {
        self.root()?.pointer(pointer)
    }

    /// The node at `pointer` as a document of its own, keeping every span (the positions
    /// stay those of the file). `kubectl get -o yaml` prints a `kind: List` whose `items`
    /// are the objects; each item becomes one document this way.
    pub fn subtree(&self, pointer: &str) -> Option<LocatedDoc> {
        let node = self.at(pointer)?;
        let start = node.index;
        let size = self.nodes.get(start)?.size as usize;
        let mut nodes: Box<[Node]> = self.nodes.get(start..start + size)?.into();
        if let Some(root) = nodes.first_mut() {
            root.key = Str::default();
            root.key_span = Span::default();
        }
        let prefix = if pointer.is_empty() {
            String::new()
        } else {
            pointer.to_string()
        };
        let ambiguous_scalars = self
            .ambiguous_scalars
            .iter()
            .filter_map(|(p, span)| {
                let rest = p.strip_prefix(&prefix)?;
                (rest.is_empty() || rest.starts_with('/')).then(|| (rest.to_string(), *span))
            })
            .collect();
        Some(LocatedDoc {
            nodes,
            strings: self.strings.clone(),
            value: OnceLock::new(),
            ambiguous_scalars,
            kubectl_readings: self.kubectl_readings.clone(),
        })
    }

    /// The document as a `serde_json::Value`, built on first use and kept.
    pub fn value(&self) -> &Value {
        self.value
            .get_or_init(|| self.root().map_or(Value::Null, |r| r.to_value()))
    }

    /// A `serde` deserializer over the document, for typed models (no `Value` is built).
    pub fn deserializer(&self) -> de::NodeDeserializer<'_> {
        de::NodeDeserializer::new(self.root())
    }

    /// Deserializes the document into `T`.
    pub fn deserialize<T: serde::de::DeserializeOwned>(&self) -> Result<T, DeError> {
        T::deserialize(self.deserializer())
    }

    /// What kubectl reads from the plain scalar value at `span` when that differs from this
    /// loader's (YAML 1.2) reading: `replicas: 010` is 8 to kubectl, a label `legacy: no` is
    /// `false`. See [`crate::yaml11::kubectl`].
    pub fn kubectl_reading(&self, span: Span) -> Option<crate::yaml11::Kubectl> {
        self.kubectl_readings
            .binary_search_by_key(&span.start, |(s, _)| s.start)
            .ok()
            .and_then(|i| self.kubectl_readings.get(i))
            .filter(|(s, _)| *s == span)
            .map(|(_, k)| *k)
    }

    /// Does any plain scalar of the document read differently in kubectl?
    pub fn has_kubectl_differences(&self) -> bool {
        !self.kubectl_readings.is_empty()
    }

    /// The document as kubectl sends it to the API server: each plain scalar that go-yaml v2
    /// reads differently (see [`Self::kubectl_reading`]) holds kubectl's value instead
    /// (`hostNetwork: yes` is `true`, `replicas: 010` is 8). `None` when nothing differs.
    /// A value kubectl reads as a string where this loader read a number keeps the number
    /// (go-yaml v2 has no such case for the forms [`crate::yaml11::kubectl`] knows).
    pub fn as_kubectl_reads(&self) -> Option<LocatedDoc> {
        use crate::yaml11::Kubectl;
        if self.kubectl_readings.is_empty() {
            return None;
        }
        let mut nodes = self.nodes.clone();
        for node in nodes.iter_mut() {
            if matches!(node.data, Data::Seq | Data::Map) {
                continue;
            }
            let Some(reading) = self.kubectl_reading(node.span) else {
                continue;
            };
            node.data = match reading {
                Kubectl::Null => Data::Null,
                Kubectl::Bool(b) => Data::Bool(b),
                Kubectl::Int(i) => match (u64::try_from(i), i64::try_from(i)) {
                    (Ok(u), _) => Data::U64(u),
                    (_, Ok(n)) => Data::I64(n),
                    // Out of go-yaml's int range it is a float to kubectl too.
                    _ => Data::F64(i as f64),
                },
                Kubectl::Float(f) => Data::F64(f),
                Kubectl::Str => node.data,
            };
        }
        Some(LocatedDoc {
            nodes,
            strings: self.strings.clone(),
            value: OnceLock::new(),
            ambiguous_scalars: self.ambiguous_scalars.clone(),
            kubectl_readings: self.kubectl_readings.clone(),
        })
    }

    /// How many nodes the document has.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// The span of the node at `pointer`, preferring the value.
    pub fn value_span(&self, pointer: &str) -> Option<Span> {
        self.node(pointer).map(|s| s.value)
    }

    /// Spans of the node at `pointer`.
    pub fn node(&self, pointer: &str) -> Option<NodeSpan> {
        self.at(pointer).map(|n| n.spans())
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
    /// Bytes of scalar text (values and keys) that alias expansion may copy in one stream.
    /// The tree shares the anchored strings, but every reader of it (typed models, JSON
    /// values, rules) copies them per alias, so a few aliases of a big scalar would cost
    /// gigabytes later (issue 13, B05).
    pub max_alias_bytes: usize,
    /// Documents in one stream.
    pub max_documents: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 200,
            max_alias_nodes: 100_000,
            max_alias_bytes: 16 * 1024 * 1024,
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

/// An open collection.
struct Frame {
    /// Its node.
    node: usize,
    map: bool,
    /// Children finished so far.
    count: u32,
    anchor: usize,
    /// A mapping's key waiting for its value.
    pending: Option<(Str, Span)>,
    /// Where this mapping's keys start on the builder's key stack.
    first_key: usize,
    /// Hashes of the first `hashed` keys, built once a mapping is large enough that scanning
    /// its keys for duplicates would cost more than hashing them.
    keys: FxHashSet<u64>,
    hashed: usize,
    /// The pending key is a merge key (`<<`).
    pending_merge: bool,
    /// The values of this mapping's merge keys, resolved when the mapping ends.
    merges: Vec<usize>,
}

/// Where an anchor's subtree is.
#[derive(Debug, Clone, Copy)]
enum Anchor {
    /// At this index of the document's nodes.
    Tree(usize),
    /// At this index of the builder's detached nodes (a merge key took it out of the tree).
    Detached(usize),
}

/// Mappings with fewer keys are checked for duplicates by a plain scan.
const SCAN_KEYS: usize = 16;

fn key_hash(key: &str) -> u64 {
    use std::hash::Hasher;
    let mut h = rustc_hash::FxHasher::default();
    h.write(key.as_bytes());
    h.finish()
}

/// Builds the documents of one stream; its vectors are reused from document to document.
struct Builder {
    limits: Limits,
    stack: Vec<Frame>,
    nodes: Vec<Node>,
    strings: String,
    /// Keys of the open mappings, innermost last (for duplicate checks).
    keys: Vec<Str>,
    ambiguous: Vec<(String, Span)>,
    /// Anchor id to the node it names, in the current document.
    anchors: FxHashMap<usize, Anchor>,
    /// Plain scalar values kubectl reads differently, by span.
    kubectl: Vec<(Span, crate::yaml11::Kubectl)>,
    /// Anchored subtrees that a merge key's resolution took out of the tree, so that later
    /// aliases still copy them (`Anchor::Detached`).
    detached: Vec<Node>,
    /// Nodes added by alias expansion in the whole stream.
    alias_nodes: usize,
    /// Scalar bytes copied by alias expansion in the whole stream.
    alias_bytes: usize,
}

impl Builder {
    fn new(limits: Limits) -> Self {
        Builder {
            limits,
            stack: Vec::new(),
            nodes: Vec::new(),
            strings: String::new(),
            keys: Vec::new(),
            ambiguous: Vec::new(),
            anchors: FxHashMap::default(),
            kubectl: Vec::new(),
            detached: Vec::new(),
            alias_nodes: 0,
            alias_bytes: 0,
        }
    }

    /// The finished document, at its exact size; the builder is ready for the next one.
    fn finish(&mut self) -> LocatedDoc {
        let doc = LocatedDoc {
            nodes: self.nodes.as_slice().into(),
            strings: self.strings.as_str().into(),
            value: OnceLock::new(),
            ambiguous_scalars: std::mem::take(&mut self.ambiguous),
            kubectl_readings: std::mem::take(&mut self.kubectl),
        };
        self.detached.clear();
        self.stack.clear();
        self.nodes.clear();
        self.strings.clear();
        self.keys.clear();
        self.anchors.clear();
        doc
    }

    fn err(kind: LoadErrorKind, span: Span, message: String) -> LoadError {
        LoadError {
            message,
            span,
            kind,
        }
    }

    fn intern(&mut self, text: &str) -> Str {
        let at = self.strings.len() as u32;
        self.strings.push_str(text);
        Str {
            at,
            len: text.len() as u32,
        }
    }

    fn text(&self, s: Str) -> &str {
        self.strings
            .get(s.at as usize..(s.at + s.len) as usize)
            .unwrap_or_default()
    }

    /// The key and key span a new node at the current position gets. For a mapping without a
    /// pending key, the node is a key: `None`.
    fn child_slot(&self) -> Option<(Str, Span)> {
        match self.stack.last() {
            None => Some((Str::default(), Span::default())),
            Some(Frame { map: false, .. }) => Some((Str::default(), Span::default())),
            Some(Frame { pending, .. }) => *pending,
        }
    }

    /// The JSON Pointer of the current child position, rebuilt from the frames (only needed
    /// for the rare ambiguous scalar).
    fn child_pointer(&self) -> String {
        let mut out = String::new();
        let mut segment = |parent: &Frame, key: Str| {
            out.push('/');
            if parent.map {
                out.push_str(&escape_pointer(self.text(key)));
            } else {
                out.push_str(&parent.count.to_string());
            }
        };
        for pair in self.stack.windows(2) {
            segment(&pair[0], self.nodes[pair[1].node].key);
        }
        if let Some(last) = self.stack.last() {
            segment(last, last.pending.map_or(Str::default(), |p| p.0));
        }
        out
    }

    /// Adds a node at the current position.
    fn push(&mut self, data: Data, key: (Str, Span), span: Span) -> usize {
        self.nodes.push(Node {
            data,
            key: key.0,
            key_span: key.1,
            span,
            size: 1,
            len: 0,
        });
        self.nodes.len() - 1
    }

    /// The node at `index` is complete: count it in its parent and remember its anchor.
    fn attach(&mut self, index: usize, anchor: usize) {
        if anchor != 0 {
            self.anchors.insert(anchor, Anchor::Tree(index));
        }
        if let Some(frame) = self.stack.last_mut() {
            frame.count += 1;
            if let Some((key, _)) = frame.pending.take() {
                if std::mem::take(&mut frame.pending_merge) {
                    frame.merges.push(index);
                } else {
                    self.keys.push(key);
                }
            }
        }
    }

    /// When the innermost frame is a mapping waiting for a key, takes `key` as that key, or
    /// reports it as a duplicate (`why` is added to the message).
    fn take_key(&mut self, key: &str, span: Span, why: &str) -> Result<(), LoadError> {
        let Some(frame) = self.stack.last() else {
            return Ok(());
        };
        let first = frame.first_key.min(self.keys.len());
        let present = &self.keys[first..];
        let duplicate = if present.len() < SCAN_KEYS {
            present.iter().any(|k| self.text(*k) == key)
        } else {
            let hashed_from = first + frame.hashed;
            let new: Vec<u64> = self.keys[hashed_from.min(self.keys.len())..]
                .iter()
                .map(|k| key_hash(self.text(*k)))
                .collect();
            let total = self.keys.len() - first;
            let seen = match self.stack.last_mut() {
                Some(frame) => {
                    frame.keys.extend(new);
                    frame.hashed = total;
                    frame.keys.contains(&key_hash(key))
                }
                None => false,
            };
            seen && self.keys[first..].iter().any(|k| self.text(*k) == key)
        };
        if duplicate {
            return Err(Self::err(
                LoadErrorKind::DuplicateKey,
                span,
                format!("duplicate key `{key}` in this mapping{why}"),
            ));
        }
        let interned = self.intern(key);
        if let Some(frame) = self.stack.last_mut() {
            frame.pending = Some((interned, span));
        }
        Ok(())
    }

    fn waiting_for_key(&self) -> bool {
        matches!(
            self.stack.last(),
            Some(Frame {
                map: true,
                pending: None,
                ..
            })
        )
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
        if self.waiting_for_key() {
            // A plain `<<` is go-yaml v2's merge key (`isMerge` in `goyaml.v2/decode.go`:
            // implicit, i.e. plain, or tagged `!!merge`); a quoted "<<" is an ordinary key.
            if style == ScalarStyle::Plain && !tagged_str && text == "<<" {
                let key = self.intern("<<");
                if let Some(frame) = self.stack.last_mut() {
                    frame.pending = Some((key, span));
                    frame.pending_merge = true;
                }
                return Ok(());
            }
            return self.take_key(&text, span, "; kubectl and the API server reject it");
        }
        let Some(slot) = self.child_slot() else {
            return Ok(());
        };
        let data = if style == ScalarStyle::Plain && !tagged_str {
            if crate::yaml11::differs_from_yaml12(&text) {
                let path = self.child_pointer();
                self.ambiguous.push((path, span));
                let v12 = resolve_plain(&text);
                if let Some(k) = crate::yaml11::kubectl_differs(&text, &v12) {
                    self.kubectl.push((span, k));
                }
            }
            match resolve(&text) {
                Resolved::Str => Data::Str(self.intern(&text)),
                Resolved::Data(d) => d,
            }
        } else {
            Data::Str(self.intern(&text))
        };
        let index = self.push(data, slot, span);
        self.attach(index, anchor);
        Ok(())
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
        let Some(slot) = self.child_slot() else {
            return Err(Self::err(
                LoadErrorKind::Unsupported,
                span,
                "a mapping or sequence used as a mapping key is not supported in Kubernetes manifests".into(),
            ));
        };
        let node = self.push(if map { Data::Map } else { Data::Seq }, slot, span);
        self.stack.push(Frame {
            node,
            map,
            count: 0,
            anchor,
            pending: None,
            first_key: self.keys.len(),
            keys: FxHashSet::default(),
            hashed: 0,
            pending_merge: false,
            merges: Vec::new(),
        });
        Ok(())
    }

    fn end(&mut self, span: Span) -> Result<(), LoadError> {
        let Some(frame) = self.stack.pop() else {
            return Ok(());
        };
        self.keys.truncate(frame.first_key);
        if !frame.merges.is_empty() {
            if let Some(node) = self.nodes.get_mut(frame.node) {
                node.len = frame.count;
            }
            self.merge(frame.node, &frame.merges, span)?;
        }
        let size = self.nodes.len() - frame.node;
        if let Some(node) = self.nodes.get_mut(frame.node) {
            node.size = u32::try_from(size).unwrap_or(u32::MAX);
            if frame.merges.is_empty() {
                node.len = frame.count;
            }
            if span.end > node.span.start {
                node.span.end = span.end;
            }
        }
        self.attach(frame.node, frame.anchor);
        Ok(())
    }

    fn alias(&mut self, id: usize, span: Span) -> Result<(), LoadError> {
        let Some(&anchor) = self.anchors.get(&id) else {
            return Err(Self::err(
                LoadErrorKind::Unsupported,
                span,
                "alias to an unknown anchor".into(),
            ));
        };
        // The anchored subtree: in the tree, or taken out of it by a merge key.
        let (from_tree, target) = match anchor {
            Anchor::Tree(i) => (true, i),
            Anchor::Detached(i) => (false, i),
        };
        let source: &[Node] = if from_tree {
            &self.nodes
        } else {
            &self.detached
        };
        let size = source.get(target).map_or(1, |n| n.size.max(1) as usize);
        let Some(subtree) = source.get(target..target + size) else {
            return Err(Self::err(
                LoadErrorKind::Unsupported,
                span,
                "alias to an unknown anchor".into(),
            ));
        };
        self.alias_nodes += size;
        if self.alias_nodes > self.limits.max_alias_nodes {
            return Err(Self::err(
                LoadErrorKind::TooManyNodes,
                span,
                format!(
                    "aliases expand to more than {} nodes (an alias bomb?); refusing to expand further",
                    self.limits.max_alias_nodes
                ),
            ));
        }
        // The root's own key is the alias' key, not a copy.
        let bytes: usize = subtree
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let value = match n.data {
                    Data::Str(s) => s.len as usize,
                    _ => 0,
                };
                value + if i == 0 { 0 } else { n.key.len as usize }
            })
            .sum();
        self.alias_bytes += bytes;
        if self.alias_bytes > self.limits.max_alias_bytes {
            return Err(Self::err(
                LoadErrorKind::TooManyNodes,
                span,
                format!(
                    "aliases expand to more than {} MiB of text (an alias bomb?); refusing to expand further",
                    self.limits.max_alias_bytes / (1024 * 1024)
                ),
            ));
        }
        if self.waiting_for_key() {
            let n = subtree[0];
            let key = match n.data {
                Data::Str(s) => self.text(s).to_string(),
                _ => {
                    let doc = LocatedDoc {
                        nodes: subtree.into(),
                        strings: self.strings.as_str().into(),
                        ..LocatedDoc::default()
                    };
                    doc.value().to_string()
                }
            };
            return self.take_key(&key, span, "");
        }
        let Some(slot) = self.child_slot() else {
            return Ok(());
        };
        // The alias becomes a copy of the anchored subtree: its root takes the alias' key and
        // span, the nodes below keep the spans of the anchored text.
        let at = self.nodes.len();
        if from_tree {
            self.nodes.extend_from_within(target..target + size);
        } else {
            let copy = subtree.to_vec();
            self.nodes.extend(copy);
        }
        let root = &mut self.nodes[at];
        root.key = slot.0;
        root.key_span = slot.1;
        root.span = span;
        self.attach(at, 0);
        Ok(())
    }

    /// Resolves the merge keys (`<<`) of the mapping at `root`, which has just ended, as
    /// go-yaml v2 does (`goyaml.v2/decode.go`, `decoder.mapping` and `decoder.merge`): the
    /// entries are set in document order into one map, a merge key setting every entry of
    /// its mapping (for a sequence of mappings, from the last to the first, so earlier
    /// mappings win), each overwriting what is already set. So an explicit key after `<<`
    /// wins, and one before it is replaced by the merged value (go-yaml v3 and PyYAML let
    /// every explicit key win; kubectl reads with v2). A merged entry keeps the key and
    /// value spans of the mapping it comes from. A merge value that is not a mapping or a
    /// sequence of mappings is an error, as in go-yaml v2 (`failWantMap`).
    fn merge(&mut self, root: usize, merges: &[usize], end: Span) -> Result<(), LoadError> {
        let want_map = |span: Span| {
            Self::err(
                LoadErrorKind::Unsupported,
                span,
                "a merge key `<<` needs a mapping, an alias of one, or a sequence of them (kubectl: \"map merge requires map or sequence of maps as the value\")".into(),
            )
        };
        let children = |nodes: &[Node], parent: usize| -> Vec<usize> {
            let n = nodes[parent];
            let mut out = Vec::with_capacity(n.len as usize);
            let mut at = parent + 1;
            for _ in 0..n.len {
                out.push(at);
                at += nodes.get(at).map_or(1, |c| c.size.max(1) as usize);
            }
            out
        };
        // The result: keys in first-set order, each with the node (an index into the old
        // tree) that holds its value now.
        let mut order: Vec<usize> = Vec::new();
        let mut position: FxHashMap<&str, usize> = FxHashMap::default();
        {
            let nodes = &self.nodes;
            let strings = &self.strings;
            let key_of = |i: usize| {
                let k = nodes[i].key;
                strings
                    .get(k.at as usize..(k.at + k.len) as usize)
                    .unwrap_or_default()
            };
            let mut set = |i: usize, order: &mut Vec<usize>| match position.get(key_of(i)) {
                Some(&p) => order[p] = i,
                None => {
                    position.insert(key_of(i), order.len());
                    order.push(i);
                }
            };
            for child in children(nodes, root) {
                if merges.binary_search(&child).is_err() {
                    set(child, &mut order);
                    continue;
                }
                let value = nodes[child];
                let sources: Vec<usize> = match value.data {
                    Data::Map => vec![child],
                    Data::Seq => {
                        let items = children(nodes, child);
                        if items.iter().any(|&i| nodes[i].data != Data::Map) {
                            return Err(want_map(value.span));
                        }
                        items.into_iter().rev().collect()
                    }
                    _ => return Err(want_map(value.span)),
                };
                for source in sources {
                    for entry in children(nodes, source) {
                        set(entry, &mut order);
                    }
                }
            }
        }
        // Rebuild the subtree: the root, then each entry's nodes. Anchors inside the old
        // subtree follow their node, or are kept aside when a merge dropped it (an anchor on
        // a merge value, or on a value an entry replaced).
        let old = self.nodes.split_off(root + 1);
        let base = root + 1;
        let mut moved: Vec<(usize, usize, usize)> = Vec::with_capacity(order.len());
        for &i in &order {
            let size = old.get(i - base).map_or(1, |n| n.size.max(1) as usize);
            moved.push((i, size, self.nodes.len()));
            self.nodes
                .extend_from_slice(&old[i - base..i - base + size]);
        }
        // Outer anchors first (document order), so an anchor inside a subtree already kept
        // aside points into that copy instead of being copied again.
        let mut inside: Vec<(usize, usize)> = self
            .anchors
            .iter()
            .filter_map(|(&id, a)| match *a {
                Anchor::Tree(i) if i >= base => Some((i, id)),
                _ => None,
            })
            .collect();
        inside.sort_unstable();
        moved.sort_unstable();
        let mut aside: Vec<(usize, usize, usize)> = Vec::new();
        for (i, id) in inside {
            // Both lists are sorted by old index and their ranges do not overlap.
            let containing = |ranges: &[(usize, usize, usize)]| {
                let k = ranges.partition_point(|(from, _, _)| *from <= i);
                k.checked_sub(1)
                    .map(|k| ranges[k])
                    .filter(|(from, size, _)| i < from + size)
            };
            let anchor = if let Some((from, _, to)) = containing(&moved) {
                Anchor::Tree(to + (i - from))
            } else if let Some((from, _, at)) = containing(&aside) {
                Anchor::Detached(at + (i - from))
            } else {
                let size = old.get(i - base).map_or(1, |n| n.size.max(1) as usize);
                // Kept-aside copies count like alias copies, so merges cannot amplify.
                self.alias_nodes += size;
                if self.alias_nodes > self.limits.max_alias_nodes {
                    return Err(Self::err(
                        LoadErrorKind::TooManyNodes,
                        end,
                        format!(
                            "aliases and merge keys expand to more than {} nodes; refusing to expand further",
                            self.limits.max_alias_nodes
                        ),
                    ));
                }
                let at = self.detached.len();
                self.detached
                    .extend_from_slice(&old[i - base..i - base + size]);
                aside.push((i, size, at));
                Anchor::Detached(at)
            };
            self.anchors.insert(id, anchor);
        }
        if let Some(node) = self.nodes.get_mut(root) {
            node.len = u32::try_from(order.len()).unwrap_or(u32::MAX);
            if end.end > node.span.start {
                node.span.end = end.end;
            }
        }
        Ok(())
    }
}

/// A plain scalar's YAML 1.2 core-schema type.
enum Resolved {
    Data(Data),
    Str,
}

fn resolve(text: &str) -> Resolved {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Resolved::Data(Data::Null),
        "true" | "True" | "TRUE" => return Resolved::Data(Data::Bool(true)),
        "false" | "False" | "FALSE" => return Resolved::Data(Data::Bool(false)),
        _ => {}
    }
    let bytes = text.as_bytes();
    let first = bytes[0];
    if first.is_ascii_digit() || first == b'-' || first == b'+' || first == b'.' {
        let int = |i: i64| {
            Resolved::Data(if i >= 0 {
                Data::U64(i as u64)
            } else {
                Data::I64(i)
            })
        };
        if let Some(hex) = text.strip_prefix("0x")
            && let Ok(i) = i64::from_str_radix(hex, 16)
        {
            return int(i);
        }
        if let Some(oct) = text.strip_prefix("0o")
            && let Ok(i) = i64::from_str_radix(oct, 8)
        {
            return int(i);
        }
        let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            if let Ok(i) = text.parse::<i64>() {
                return int(i);
            }
            if let Ok(u) = text.parse::<u64>() {
                return Resolved::Data(Data::U64(u));
            }
        }
        if is_yaml12_float(text)
            && let Ok(f) = text.parse::<f64>()
            && f.is_finite()
        {
            return Resolved::Data(Data::F64(f));
        }
    }
    Resolved::Str
}

/// YAML 1.2 core-schema resolution of a plain scalar.
pub fn resolve_plain(text: &str) -> Value {
    match resolve(text) {
        Resolved::Str => Value::String(text.to_string()),
        Resolved::Data(Data::Null) => Value::Null,
        Resolved::Data(Data::Bool(b)) => Value::Bool(b),
        Resolved::Data(Data::U64(u)) => Value::Number(u.into()),
        Resolved::Data(Data::I64(i)) => Value::Number(i.into()),
        Resolved::Data(Data::F64(f)) => {
            Number::from_f64(f).map_or_else(|| Value::String(text.to_string()), Value::Number)
        }
        Resolved::Data(_) => Value::String(text.to_string()),
    }
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
///
/// The scanner (saphyr-parser) refuses a multi-line quoted scalar whose continuation lines are
/// indented less than the block it sits in ("invalid indentation in quoted scalar"), as YAML
/// 1.2 says; go-yaml v2, which kubectl uses, does not check their indentation at all (its
/// `yaml_parser_scan_flow_scalar` in `scannerc.go` only refuses a document marker at column
/// 0), and generated CRDs are written that way (argo-rollouts `test/e2e/crds/istio.yaml`).
/// Continuation-line indentation is folded away, so such a scalar's value does not depend on
/// it: the stream is read again with those lines indented to the opening quote, and every
/// position is mapped back to the file's own columns.
pub fn load_str(src: &str, limits: Limits) -> Result<Vec<LocatedDoc>, LoadError> {
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    let first = match load_once(src, limits) {
        Err(e) if e.message == QUOTED_INDENT => e,
        done => return done,
    };
    if let Some(docs) = load_padded_at_once(src, limits) {
        return Ok(docs);
    }
    let mut text = src.to_string();
    let mut padding = Padding::default();
    let mut error = first;
    // Each pass fixes one scalar and reads the whole stream again: at most
    // MAX_QUOTED_SCALAR_PASSES passes and MAX_QUOTED_SCALAR_BYTES re-read in all, so hostile
    // input cannot make it quadratic; past that the scanner's error stands.
    let passes = MAX_QUOTED_SCALAR_PASSES.min(MAX_QUOTED_SCALAR_BYTES / src.len().max(1));
    for _ in 0..passes {
        if !padding.pad_quoted_scalar(&mut text, error.span.start) {
            break;
        }
        match load_once(&text, limits) {
            Err(e) if e.message == QUOTED_INDENT => error = e,
            Err(mut e) => {
                e.span = padding.span(e.span);
                return Err(e);
            }
            Ok(mut docs) => {
                for doc in &mut docs {
                    doc.map_spans(|s| padding.span(s));
                }
                return Ok(docs);
            }
        }
    }
    error.span = padding.span(error.span);
    Err(error)
}

/// The scanner's message for a quoted scalar's continuation line indented too little.
const QUOTED_INDENT: &str = "not valid YAML: invalid indentation in quoted scalar";

/// How many under-indented quoted scalars one stream may have (each costs a re-read).
const MAX_QUOTED_SCALAR_PASSES: usize = 1_000;

/// How many bytes the re-reads for under-indented quoted scalars may scan in all: 32 passes
/// over an 8 MiB file, 1,000 over one of 256 KiB.
const MAX_QUOTED_SCALAR_BYTES: usize = 256 * 1024 * 1024;

/// Spaces inserted at the start of lines (1-based line → count), to map positions back.
#[derive(Debug, Default)]
struct Padding {
    lines: std::collections::BTreeMap<u32, u32>,
}

impl Padding {
    fn pos(&self, p: Pos) -> Pos {
        match self.lines.get(&p.line) {
            Some(&added) => Pos {
                line: p.line,
                col: if p.col > added { p.col - added } else { 1 },
            },
            None => p,
        }
    }

    fn span(&self, s: Span) -> Span {
        if s.start.line == 0 {
            return s;
        }
        Span {
            start: self.pos(s.start),
            end: self.pos(s.end),
        }
    }

    /// Indents every continuation line of the quoted scalar opening at `at` (the scanner's
    /// mark) to the opening quote's column. Returns whether anything changed.
    fn pad_quoted_scalar(&mut self, text: &mut String, at: Pos) -> bool {
        let Some(line_start) = (1..at.line).try_fold(0usize, |from, _| {
            text.get(from..)?.find('\n').map(|i| from + i + 1)
        }) else {
            return false;
        };
        match scan_quoted_scalar(text, line_start, at) {
            Some((inserts, _)) if !inserts.is_empty() => {
                self.apply(text, &inserts);
                true
            }
            _ => false,
        }
    }

    /// Inserts the spaces (`(byte offset, line, count)`, in text order) and records them.
    fn apply(&mut self, text: &mut String, inserts: &[(usize, u32, usize)]) {
        for &(offset, line, count) in inserts.iter().rev() {
            text.insert_str(offset, &" ".repeat(count));
            *self.lines.entry(line).or_insert(0) += count as u32;
        }
    }
}

/// Spaces to insert: byte offset, 1-based line, count.
type Insert = (usize, u32, usize);

/// The quoted scalar whose opening quote is at `at` (1-based column) on the line starting at
/// byte `line_start`: the spaces its continuation lines need to reach the quote's column
/// (`(byte offset, line, count)`), and the position just after its closing quote. A line at
/// column 0 starting a document marker (`---`, `...`) is left alone: go-yaml v2 refuses it
/// too. `None` when there is no quote there or it does not close.
fn scan_quoted_scalar(text: &str, line_start: usize, at: Pos) -> Option<(Vec<Insert>, Pos)> {
    let target = at.col.checked_sub(1)? as usize;
    let quote_at = text
        .get(line_start..)?
        .char_indices()
        .nth(target)
        .map(|(i, _)| line_start + i)?;
    let bytes = text.as_bytes();
    let single = match bytes.get(quote_at) {
        Some(b'\'') => true,
        Some(b'"') => false,
        _ => return None,
    };
    let mut inserts: Vec<(usize, u32, usize)> = Vec::new();
    let mut line = at.line;
    let mut current_line_start = line_start;
    let mut i = quote_at + 1;
    while i < bytes.len() {
        let c = bytes[i];
        if single && c == b'\'' {
            if bytes.get(i + 1) == Some(&b'\'') {
                i += 2;
                continue;
            }
            break;
        }
        if !single && c == b'"' {
            break;
        }
        if !single && c == b'\\' && bytes.get(i + 1) != Some(&b'\n') {
            // An escape: the next byte is not a quote, a backslash or a line start.
            i += 2;
            continue;
        }
        if c == b'\n' {
            line += 1;
            let start = i + 1;
            current_line_start = start;
            let spaces = bytes[start..].iter().take_while(|b| **b == b' ').count();
            let rest = &bytes[start + spaces..];
            let blank = rest.is_empty() || rest[0] == b'\n' || rest[0] == b'\r';
            let marker = spaces == 0
                && (rest.starts_with(b"---") || rest.starts_with(b"..."))
                && rest.get(3).is_none_or(|b| b.is_ascii_whitespace());
            if !blank && !marker && spaces < target {
                inserts.push((start, line, target - spaces));
            }
        }
        i += 1;
    }
    if i >= bytes.len() {
        return None;
    }
    let col = text.get(current_line_start..i)?.chars().count() as u32 + 2;
    Some((inserts, Pos { line, col }))
}

/// Where a quoted scalar may open: after the indentation and any `- ` of a line, either the
/// line's first character or the first `: ` followed by a quote, before any ` #` comment.
/// Returns `(byte offset of the line, 1-based line, 1-based column of the quote)`.
fn quoted_scalar_candidates(text: &str) -> Vec<(usize, u32, u32)> {
    let mut out = Vec::new();
    let mut offset = 0;
    for (n, line) in text.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += line.len();
        let body = line.trim_end_matches(['\n', '\r']);
        let mut rest = body.trim_start_matches(' ');
        while let Some(r) = rest.strip_prefix("- ") {
            rest = r.trim_start_matches(' ');
        }
        let skipped = body.len() - rest.len();
        let quote = if rest.starts_with('#') {
            None
        } else if rest.starts_with(['\'', '"']) {
            Some(skipped)
        } else {
            let comment = rest.find(" #").unwrap_or(rest.len());
            [": '", ": \""]
                .iter()
                .filter_map(|p| rest[..comment].find(p))
                .min()
                .map(|i| skipped + i + 2)
        };
        if let Some(q) = quote {
            let col = body[..q].chars().count() as u32 + 1;
            out.push((start, n as u32 + 1, col));
        }
    }
    out
}

/// One read with every candidate quoted scalar's continuation lines indented at once, kept
/// only when every scalar that was changed is a quoted scalar node of the result starting and
/// ending exactly where the scan says; `None` sends the caller back to one scalar per pass.
fn load_padded_at_once(src: &str, limits: Limits) -> Option<Vec<LocatedDoc>> {
    let mut text = src.to_string();
    let mut padding = Padding::default();
    let mut expected: Vec<(Pos, Pos)> = Vec::new();
    let mut all: Vec<(usize, u32, usize)> = Vec::new();
    // A candidate on a line an earlier scalar covers is text inside that scalar.
    let mut covered_until = 0;
    for (line_start, line, col) in quoted_scalar_candidates(src) {
        if line <= covered_until {
            continue;
        }
        let at = Pos { line, col };
        let Some((inserts, end)) = scan_quoted_scalar(src, line_start, at) else {
            continue;
        };
        covered_until = end.line;
        if !inserts.is_empty() {
            expected.push((at, end));
            all.extend(inserts);
        }
    }
    if expected.is_empty() {
        return None;
    }
    padding.apply(&mut text, &all);
    let mut docs = load_once(&text, limits).ok()?;
    for doc in &mut docs {
        doc.map_spans(|s| padding.span(s));
    }
    let found: FxHashMap<Pos, Pos> = docs
        .iter()
        .flat_map(|d| d.nodes.iter())
        .filter(|n| matches!(n.data, Data::Str(_)))
        .map(|n| (n.span.start, n.span.end))
        .collect();
    let verified = expected.iter().all(|(start, end)| {
        found
            .get(start)
            .is_some_and(|e| e.line == end.line && e.col >= end.col)
    });
    verified.then_some(docs)
}

impl LocatedDoc {
    /// Applies `f` to every span of the document.
    fn map_spans(&mut self, f: impl Fn(Span) -> Span) {
        for node in self.nodes.iter_mut() {
            node.span = f(node.span);
            node.key_span = f(node.key_span);
        }
        for (_, span) in &mut self.ambiguous_scalars {
            *span = f(*span);
        }
        for (span, _) in &mut self.kubectl_readings {
            *span = f(*span);
        }
    }
}

/// One read of a stream, without the retry of [`load_str`].
fn load_once(src: &str, limits: Limits) -> Result<Vec<LocatedDoc>, LoadError> {
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
                builder.finish();
            }
            Event::DocumentEnd => {
                if in_doc {
                    in_doc = false;
                    docs.push(builder.finish());
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
        assert_eq!(d.value()["spec"]["steps"][0]["pause"]["duration"], "10x");
    }

    #[test]
    fn resolves_yaml12_core_schema() {
        let docs = load_str(
            "a: yes\nb: 10\nc: '10'\nd: 1.5\ne: ~\nf: true\ng: 0x1F\nh: !!str 5\n",
            Limits::default(),
        )
        .unwrap();
        let v = docs[0].value();
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
    fn duplicate_keys_in_large_mappings_are_errors() {
        let keys: String = (0..40).map(|i| format!("k{i}: {i}\n")).collect();
        let docs = load_str(&keys, Limits::default()).unwrap();
        assert_eq!(
            docs[0]
                .at("/k39")
                .and_then(|n| n.spans().key)
                .map(|s| s.start.line),
            Some(40)
        );
        let err = load_str(&format!("{keys}k7: again\n"), Limits::default()).unwrap_err();
        assert_eq!(err.kind, LoadErrorKind::DuplicateKey);
        assert_eq!(err.span.start, Pos { line: 41, col: 1 });
        assert!(err.message.contains("`k7`"), "{}", err.message);
    }

    #[test]
    fn aliases_copy_the_anchored_subtree() {
        let docs = load_str("a: &x {b: [1, 2]}\nc: *x\nd: 0\n", Limits::default()).unwrap();
        let d = &docs[0];
        assert_eq!(d.value()["c"]["b"][1], 2);
        // The alias node is where the alias is written; its children where the anchor is.
        assert_eq!(
            d.value_span("/c").map(|s| s.start),
            Some(Pos { line: 2, col: 4 })
        );
        assert_eq!(
            d.value_span("/c/b/1").map(|s| s.start),
            Some(Pos { line: 1, col: 15 })
        );
        assert_eq!(
            d.value_span("/d").map(|s| s.start),
            Some(Pos { line: 3, col: 4 })
        );
        assert!(d.at("/c/b/01").is_none(), "array indexes are canonical");
        assert!(d.at("/c/b/2").is_none());
        assert_eq!(d.at("/c/b/0").map(|n| n.to_value()), Some(Value::from(1)));
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

    /// Issue 13, B05: copies are counted in bytes (values and keys below the alias), at the
    /// limit and one alias past it.
    #[test]
    fn alias_expansion_is_bounded_in_bytes() {
        let limits = Limits {
            max_alias_bytes: 100,
            ..Limits::default()
        };
        let doc = |aliases: usize| {
            let mut src = String::from("a: &a abcdefghij\nl:\n");
            for _ in 0..aliases {
                src.push_str("  - *a\n");
            }
            src
        };
        assert!(load_str(&doc(10), limits).is_ok());
        let err = load_str(&doc(11), limits).unwrap_err();
        assert_eq!(err.kind, LoadErrorKind::TooManyNodes);
        assert!(
            err.message.contains("more than 0 MiB of text"),
            "{}",
            err.message
        );
        assert_eq!(err.span.start, Pos { line: 13, col: 5 });
        // A mapping's keys below the alias count too: `{k: abcdefgh}` is 9 bytes.
        let map = |aliases: usize| {
            format!(
                "a: &a {{k: abcdefgh}}\nl: [{}]\n",
                vec!["*a"; aliases].join(", ")
            )
        };
        assert!(load_str(&map(11), limits).is_ok());
        assert!(load_str(&map(12), limits).is_err());
    }

    #[test]
    fn json_and_bom_and_crlf() {
        let docs = load_str(
            "\u{feff}{\r\n  \"a\": [1, \"x\"]\r\n}\r\n",
            Limits::default(),
        )
        .unwrap();
        assert_eq!(docs[0].value()["a"][1], "x");
        assert_eq!(
            docs[0].node("/a/1").expect("span").value.start,
            Pos { line: 2, col: 12 }
        );
    }

    #[test]
    fn equality_ignores_whether_a_value_was_built() {
        let a = load_str("a: [1, x]\n", Limits::default()).unwrap();
        let b = load_str("a: [1, x]\n", Limits::default()).unwrap();
        assert_eq!(a[0].value()["a"][1], "x");
        assert_eq!(a, b);
        assert_ne!(a, load_str("a: [1, y]\n", Limits::default()).unwrap());
    }

    #[test]
    fn entries_and_items_only_of_their_own_kind() {
        let docs = load_str("m: {a: 1, b: 2}\ns: [x, y, z]\nv: 3\n", Limits::default()).unwrap();
        let root = docs[0].root().expect("root");
        let keys = |n: NodeRef<'_>| {
            n.entries()
                .map(|c| c.key().unwrap_or("-").to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(keys(root.get("m").unwrap()), ["a", "b"]);
        assert!(keys(root.get("s").unwrap()).is_empty());
        assert_eq!(
            root.get("s")
                .unwrap()
                .items()
                .filter_map(|c| c.as_str())
                .collect::<Vec<_>>(),
            ["x", "y", "z"]
        );
        assert_eq!(root.get("m").unwrap().items().count(), 0);
        assert_eq!(root.get("v").unwrap().entries().count(), 0);
        assert_eq!(root.get("v").unwrap().items().count(), 0);
        assert_eq!(root.get("v").unwrap().as_f64(), Some(3.0));
    }

    #[test]
    fn empty_documents_are_null() {
        let docs = load_str("---\n---\na: 1\n", Limits::default()).unwrap();
        assert_eq!(docs.len(), 2);
        assert!(docs[0].value().is_null());
        assert!(docs[0].is_null());
    }
}

/// Issue 13: every limit of [`Limits::default`] at the limit and one past it.
#[cfg(test)]
mod limit_tests {
    use super::*;

    #[test]
    fn nesting_at_the_limit_is_read_and_past_it_is_refused() {
        let flow = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        assert!(load_str(&flow(200), Limits::default()).is_ok());
        let err = load_str(&flow(201), Limits::default()).expect_err("201 levels");
        assert_eq!(err.kind, LoadErrorKind::TooDeep);
        let block = |depth: usize| {
            (0..depth)
                .map(|i| format!("{}k{i}:\n", "  ".repeat(i)))
                .collect::<String>()
                + &"  ".repeat(depth)
                + "x: 1\n"
        };
        // `depth` nested mappings plus the root mapping.
        assert!(load_str(&block(199), Limits::default()).is_ok());
        let err = load_str(&block(200), Limits::default()).expect_err("201 levels");
        assert_eq!(err.kind, LoadErrorKind::TooDeep);
    }

    #[test]
    fn alias_nodes_at_the_limit_are_read_and_past_it_are_refused() {
        // `*a` is 1,000 nodes (the sequence and 999 scalars); `*b` is one.
        let doc = |extra: bool| {
            let mut src = format!("a: &a [{}]\nb: &b y\nl:\n", vec!["x"; 999].join(", "));
            src.push_str(&"  - *a\n".repeat(100));
            if extra {
                src.push_str("  - *b\n");
            }
            src
        };
        assert_eq!(Limits::default().max_alias_nodes, 100_000);
        assert!(load_str(&doc(false), Limits::default()).is_ok());
        let err = load_str(&doc(true), Limits::default()).expect_err("100,001 nodes");
        assert_eq!(err.kind, LoadErrorKind::TooManyNodes);
        assert!(err.message.contains("100000 nodes"), "{}", err.message);
    }

    #[test]
    fn documents_at_the_limit_are_read_and_past_it_are_refused() {
        let stream = |n: usize| "---\na: 1\n".repeat(n);
        assert_eq!(
            load_str(&stream(10_000), Limits::default()).map(|d| d.len()),
            Ok(10_000)
        );
        let err = load_str(&stream(10_001), Limits::default()).expect_err("10,001");
        assert_eq!(err.kind, LoadErrorKind::TooManyNodes);
    }
}

#[cfg(test)]
mod merge_tests {
    use super::*;

    fn load(src: &str) -> LocatedDoc {
        match load_str(src, Limits::default()) {
            Ok(mut docs) if !docs.is_empty() => docs.remove(0),
            Ok(_) => panic!("no document"),
            Err(e) => panic!("{e} at {}", e.span.start),
        }
    }

    /// Issue 13, B14: `<<` as go-yaml v2 reads it (`goyaml.v2/decode.go`, `decoder.mapping`
    /// and `decoder.merge`).
    #[test]
    fn merge_keys_resolve_like_go_yaml_v2() {
        let src = "base: &base {replicas: 2, image: a}\n\
                   other: &other {image: b, port: 80}\n\
                   one:\n  <<: *base\n  image: c\n\
                   two:\n  <<: [*other, *base]\n\
                   three:\n  image: early\n  <<: *base\n\
                   inline:\n  <<: {replicas: 3}\n  name: x\n\
                   quoted:\n  \"<<\": {replicas: 4}\n";
        let d = load(src);
        let v = d.value();
        // An explicit key after the merge wins.
        assert_eq!(v["one"], serde_json::json!({"replicas": 2, "image": "c"}));
        // Earlier mappings of a sequence win.
        assert_eq!(
            v["two"],
            serde_json::json!({"image": "b", "port": 80, "replicas": 2})
        );
        // go-yaml v2 sets the merged entries over an explicit key written before `<<`.
        assert_eq!(v["three"], serde_json::json!({"image": "a", "replicas": 2}));
        assert_eq!(v["inline"], serde_json::json!({"replicas": 3, "name": "x"}));
        // A quoted "<<" is an ordinary key.
        assert_eq!(v["quoted"]["<<"]["replicas"], 4);
        // Merged entries keep the spans of the mapping they come from.
        let at = |p: &str| d.node(p).map(|s| (s.key.map(|k| k.start), s.value.start));
        assert_eq!(
            at("/one/replicas"),
            Some((Some(Pos { line: 1, col: 14 }), Pos { line: 1, col: 24 }))
        );
        assert_eq!(
            at("/inline/replicas").map(|s| s.1),
            Some(Pos { line: 12, col: 18 })
        );
        assert_eq!(
            at("/one/image").map(|s| s.1),
            Some(Pos { line: 5, col: 10 })
        );
        // The typed view sees the same mapping.
        let typed: serde_json::Value = d.deserialize().expect("deserialize");
        assert_eq!(&typed, v);
    }

    #[test]
    fn merge_values_must_be_mappings() {
        for (src, line) in [
            ("a:\n  <<: 5\n", 2),
            ("a:\n  <<:\n", 2),
            ("a:\n  <<: [{x: 1}, 2]\n", 2),
            ("s: &s [1]\na:\n  <<: *s\n", 3),
        ] {
            let err = load_str(src, Limits::default()).expect_err(src);
            assert_eq!(err.kind, LoadErrorKind::Unsupported, "{src}");
            assert_eq!(err.span.start.line, line, "{src}");
            assert!(err.message.contains("merge"), "{}", err.message);
        }
    }

    #[test]
    fn anchors_inside_merged_mappings_stay_usable() {
        let d =
            load("a:\n  <<: &d {x: &x 1, y: 2}\n  y: &gone 3\n  z: 4\nb: *d\nc: *x\ne: *gone\n");
        let v = d.value();
        assert_eq!(v["a"], serde_json::json!({"x": 1, "y": 3, "z": 4}));
        assert_eq!(v["b"], serde_json::json!({"x": 1, "y": 2}));
        assert_eq!(v["c"], 1);
        assert_eq!(v["e"], 3);
        // An explicit value a later merge replaces is still what its anchor names.
        let d = load("a:\n  y: &early 1\n  <<: {y: 2}\nb: *early\n");
        assert_eq!(d.value()["a"]["y"], 2);
        assert_eq!(d.value()["b"], 1);
    }

    #[test]
    fn merge_keys_are_not_duplicates_but_other_keys_still_are() {
        let d = load("a:\n  <<: {x: 1}\n  <<: {y: 2}\n");
        assert_eq!(d.value()["a"], serde_json::json!({"x": 1, "y": 2}));
        let err = load_str("a:\n  <<: {x: 1}\n  x: 2\n  x: 3\n", Limits::default())
            .expect_err("duplicate");
        assert_eq!(err.kind, LoadErrorKind::DuplicateKey);
    }

    /// Merges copy only through aliases, and those count toward the B05 limits.
    #[test]
    fn merges_count_toward_the_alias_limits() {
        let limits = Limits {
            max_alias_nodes: 9,
            ..Limits::default()
        };
        // `*b` is 3 nodes (the mapping and its two entries): three merges are 9.
        let doc = |n: usize| {
            let mut src = String::from("b: &b {x: 1, y: 2}\n");
            for i in 0..n {
                src.push_str(&format!("m{i}:\n  <<: *b\n"));
            }
            src
        };
        assert!(load_str(&doc(3), limits).is_ok());
        let err = load_str(&doc(4), limits).expect_err("past the limit");
        assert_eq!(err.kind, LoadErrorKind::TooManyNodes);
    }

    /// Issue 11: a quoted scalar whose continuation lines are indented less than its block
    /// (kubectl's go-yaml v2 reads it) is read, with the file's own positions.
    #[test]
    fn under_indented_quoted_scalars_are_read_like_kubectl() {
        let src = "a:\n  b:\n    - description: 'CreationTimestamp is\n    when this'\n      name: Age\n    - description: \"second \\\"x\\\"\n  line\"\n      name: B\n";
        let d = load(src);
        assert_eq!(
            d.value()["a"]["b"][0]["description"],
            "CreationTimestamp is when this"
        );
        assert_eq!(d.value()["a"]["b"][1]["description"], "second \"x\" line");
        let name = d.node("/a/b/0/name").expect("name");
        assert_eq!(name.key.map(|k| k.start), Some(Pos { line: 5, col: 7 }));
        let desc = d.value_span("/a/b/0/description").expect("description");
        assert_eq!(desc.start, Pos { line: 3, col: 20 });
        assert_eq!(desc.end, Pos { line: 4, col: 15 });
        let second = d.value_span("/a/b/1/description").expect("second");
        assert_eq!(second.end, Pos { line: 7, col: 8 });
        // Text that only looks like a quoted scalar (in a block scalar) is never changed:
        // the one-read attempt is checked against the result and dropped.
        let src = "a:\n  b: 'real\n cont'\ns: |\n  echo: 'it\n  x'\nt: 'second\n one'\n";
        let d = load(src);
        assert_eq!(d.value()["s"], "echo: 'it\nx'\n");
        assert_eq!(d.value()["a"]["b"], "real cont");
        assert_eq!(d.value()["t"], "second one");
        // Many scalars are read in one pass.
        let many: String = (0..50).map(|i| format!("k{i}:\n  v: 'a\n b'\n")).collect();
        let d = load(&many);
        assert_eq!(d.value()["k49"]["v"], "a b");
        assert_eq!(
            d.value_span("/k49/v").map(|s| s.end),
            Some(Pos { line: 150, col: 4 })
        );
        // A document marker at column 0 inside the scalar stays an error, as in go-yaml v2.
        let err = load_str("a:\n  b: 'x\n---\n  y'\n", Limits::default()).expect_err("marker");
        assert_eq!(err.kind, LoadErrorKind::Syntax);
        // Real errors after the fixed scalar keep their own position.
        let err = load_str("a:\n  b: 'x\n y'\n  c: [\n", Limits::default()).expect_err("eof");
        assert_eq!(err.kind, LoadErrorKind::Syntax);
        assert!(!err.message.contains("quoted"), "{}", err.message);
    }
}

#[cfg(test)]
mod pointer_tests {
    use super::*;

    #[test]
    fn a_subtree_is_a_document_with_the_file_positions() {
        let text = "apiVersion: v1\nkind: List\nitems:\n  - kind: Service\n    metadata: {name: a}\n  - kind: Ingress\n    metadata:\n      name: b\n      labels: {legacy: no}\n";
        let docs = match load_str(text, Limits::default()) {
            Ok(d) => d,
            Err(e) => panic!("{e}"),
        };
        let item = match docs[0].subtree("/items/1") {
            Some(d) => d,
            None => panic!("no item"),
        };
        assert_eq!(item.value()["kind"], "Ingress");
        assert_eq!(item.value()["metadata"]["name"], "b");
        let span = item
            .value_span("/metadata/name")
            .map(|s| (s.start.line, s.start.col));
        assert_eq!(span, Some((8, 13)));
        assert_eq!(item.ambiguous_scalars.len(), 1);
        assert_eq!(item.ambiguous_scalars[0].0, "/metadata/labels/legacy");
        assert!(docs[0].subtree("/items/2").is_none());
    }

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
    }
}

//! A small YAML document tree where every node keeps its file position.
//!
//! Built straight from `saphyr-parser` events (the fastest pure-Rust path measured here), so
//! zone files are parsed once, with line and column for every key and value. Plain documents
//! — most configs and zone files — take a faster scanner (`fast`) that yields the very same
//! events and steps aside to saphyr at the first construct it does not cover. On top of plain
//! YAML it does what octoDNS's loader does — `!include`, merge keys (`<<`), YAML 1.1 scalars as
//! PyYAML resolves them, optional key-order enforcement — and one thing octoDNS does not:
//! a key written twice in one mapping is an error instead of a silently lost record.
//!
//! Hostile input ends in an error with file:line:col, in bounded time and memory (the bounds
//! are in docs/limits.md): files above `MAX_FILE_BYTES` and anything but a regular file are
//! refused while reading, text that is not UTF-8 or holds control characters (NUL…) before
//! parsing, nesting past `MAX_DEPTH` before anything recurses deeper, and anchors and aliases
//! once they have copied `MAX_COPIED_NODES` nodes (billion laughs).
//!
//! Scalars are read the way octoDNS reads them — PyYAML's resolution plus Python's `int()`,
//! `float()`, `str()` and truthiness — in the `py` submodule, so building records and
//! validating them agree on every value.
//!
//! Rule: this module knows YAML only; it uses std, the parser crate, regex-lite and `rustc-hash`,
//! nothing of DNS.

pub mod de;
mod fast;
mod py;

pub use fast::Disagreement;
pub use py::{Int, Py, float_repr, py_float_str, py_int_str, str_repr};

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustc_hash::FxHashMap;
use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Span, StrInput};

/// Where something is: file, 1-based line and column.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pos {
    pub file: Arc<str>,
    pub line: u32,
    pub col: u32,
}

impl Pos {
    pub fn new(file: &Arc<str>, line: u32, col: u32) -> Self {
        Pos {
            file: file.clone(),
            line,
            col,
        }
    }
    /// A position for things that come from no file (defaults, generated records).
    pub fn none() -> Self {
        Pos {
            file: Arc::from(""),
            line: 0,
            col: 0,
        }
    }
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.file)
        } else {
            write!(f, "{}:{}:{}", self.file, self.line, self.col)
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub kind: Kind,
    pub pos: Pos,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    /// `~`, `null`, or nothing at all.
    Null,
    /// Any other scalar; `plain` is false for quoted and block scalars (never resolved to
    /// bool/int/null).
    Scalar {
        text: String,
        plain: bool,
    },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

/// A problem with one YAML file. `rule` is a stable id.
#[derive(Clone, Debug, PartialEq)]
pub struct YamlError {
    pub pos: Pos,
    pub rule: &'static str,
    pub message: String,
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} [{}]", self.pos, self.message, self.rule)
    }
}

/// How mapping keys must be ordered (octoDNS's `enforce_order` / `order_mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyOrder {
    Any,
    Natural,
    Simple,
}

/// Options for one load.
#[derive(Clone, Copy, Debug)]
pub struct LoadOptions {
    pub order: KeyOrder,
    /// Resolve `!include` tags (paths relative to the including file).
    pub includes: bool,
}

/// The result of loading one file: the tree (if the syntax allowed one) and every problem found.
pub struct Loaded {
    pub root: Option<Node>,
    pub errors: Vec<YamlError>,
}

/// Parse a file from disk (see `read_limited` for what is refused before parsing).
pub fn load_file(path: &Path, opts: LoadOptions) -> Loaded {
    let name: Arc<str> = Arc::from(path.to_string_lossy().as_ref());
    match read_limited(path) {
        Ok(bytes) => load_bytes(&bytes, &name, opts),
        Err(e) => Loaded {
            root: None,
            errors: vec![e.error(&name, "cannot read file")],
        },
    }
}

/// Parse YAML bytes: text that is not UTF-8 is an error at the first byte that is not.
pub fn load_bytes(bytes: &[u8], file: &Arc<str>, opts: LoadOptions) -> Loaded {
    match decode(bytes, file) {
        Ok(text) => load_str(text, file, opts),
        Err(e) => Loaded {
            root: None,
            errors: vec![e],
        },
    }
}

fn decode<'a>(bytes: &'a [u8], file: &Arc<str>) -> Result<&'a str, YamlError> {
    std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        let (line, col) = line_col(&bytes[..at]);
        YamlError {
            pos: Pos::new(file, line, col),
            rule: "yaml-encoding",
            message: format!(
                "the byte 0x{:02x} here is not UTF-8; YAML files must be UTF-8",
                bytes[at]
            ),
        }
    })
}

/// Parse YAML text; `file` names it in positions. Only the first document is used.
pub fn load_str(text: &str, file: &Arc<str>, opts: LoadOptions) -> Loaded {
    let mut b = Builder {
        spare: Spare::default(),
        file: file.clone(),
        opts,
        anchors: HashMap::new(),
        errors: Vec::new(),
        depth: 0,
        include_depth: 0,
        nodes: 0,
        copied: 0,
        text_bytes: text.len(),
    };
    let root = b.document(text);
    Loaded {
        root,
        errors: b.errors,
    }
}

/// Does the fast path agree with saphyr on `text`? `Ok(true)` when it took the text and gave
/// saphyr's exact events, `Ok(false)` when it stepped aside, `Err` with the first difference
/// otherwise. For the differential tests and the fuzzer; loading checks it by itself in debug
/// and fuzzing builds.
pub fn fast_path_check(text: &str) -> Result<bool, Disagreement> {
    match fast::scan(text) {
        None => Ok(false),
        Some(events) => match fast::disagreement(text, &events) {
            None => Ok(true),
            Some(d) => Err(d),
        },
    }
}

/// Collections nested deeper than this are an error (before anything recurses that deep).
pub const MAX_DEPTH: usize = 256;
/// The largest YAML file read, in bytes (128 MiB): a larger one is refused after reading this
/// much, so memory stays bounded whatever the file (or device) holds.
pub const MAX_FILE_BYTES: usize = 128 << 20;
/// Nodes that anchors and aliases may copy in one load (a billion-laughs document stops here).
pub const MAX_COPIED_NODES: usize = 2_000_000;

/// Why a YAML file was not read.
enum ReadError {
    /// The operating system's reason, or "not a regular file".
    Unreadable(String),
    /// Larger than `MAX_FILE_BYTES`; where the limit falls.
    TooLarge(u32, u32),
}

impl ReadError {
    /// The error for file `name`; `what` starts the message of an unreadable file.
    fn error(self, name: &Arc<str>, what: &str) -> YamlError {
        match self {
            ReadError::Unreadable(why) => YamlError {
                pos: Pos::new(name, 0, 0),
                rule: "file-unreadable",
                message: format!("{what}: {why}"),
            },
            ReadError::TooLarge(line, col) => YamlError {
                pos: Pos::new(name, line, col),
                rule: "yaml-too-large",
                message: format!(
                    "the file is larger than {} MiB, the limit for one YAML file; reading \
                     stopped here",
                    MAX_FILE_BYTES >> 20
                ),
            },
        }
    }
}

/// Read a YAML file whole, refusing what cannot be a YAML file: anything but a regular file
/// (a FIFO or a device such as `/dev/zero` would block or never end) and files larger than
/// `MAX_FILE_BYTES`, which are read only that far (to say where the limit falls).
fn read_limited(path: &Path) -> Result<Vec<u8>, ReadError> {
    use std::io::Read;
    let unreadable = |e: std::io::Error| ReadError::Unreadable(e.to_string());
    let meta = std::fs::metadata(path).map_err(unreadable)?;
    if !meta.is_file() {
        return Err(ReadError::Unreadable("not a regular file".into()));
    }
    let file = std::fs::File::open(path).map_err(unreadable)?;
    let expect = usize::try_from(meta.len()).unwrap_or(usize::MAX);
    let mut bytes = Vec::with_capacity(expect.min(MAX_FILE_BYTES) + 1);
    file.take(MAX_FILE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() > MAX_FILE_BYTES {
        let (line, col) = line_col(&bytes[..MAX_FILE_BYTES]);
        return Err(ReadError::TooLarge(line, col));
    }
    Ok(bytes)
}

/// The 1-based line and column just after `before` (columns count characters, as saphyr's).
fn line_col(before: &[u8]) -> (u32, u32) {
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let line = 1 + before[..line_start].iter().filter(|&&b| b == b'\n').count();
    // a column counts characters: every byte that does not continue a UTF-8 sequence
    let col = 1 + before[line_start..]
        .iter()
        .filter(|&&b| (b & 0xc0) != 0x80)
        .count();
    (
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(col).unwrap_or(u32::MAX),
    )
}

/// The first character YAML does not allow in a stream (YAML 1.1 `c-printable`, as PyYAML
/// checks it): C0 and C1 controls but tab, LF, CR and NEL, DEL, U+FFFE and U+FFFF. saphyr
/// would end the stream at a NUL without a word, dropping the rest of the file.
fn forbidden_char(text: &str) -> Option<(usize, char)> {
    let b = text.as_bytes();
    // the bytes that may start a forbidden character, tested without branches so the compiler
    // vectorises it: a 3 MB config costs about 0.5 ms; only a block holding one is looked at
    let suspect = |c: u8| {
        ((c < 0x20) & (c != b'\t') & (c != b'\n') & (c != b'\r'))
            | (c == 0x7f)
            | (c == 0xc2)
            | (c == 0xef)
    };
    let mut start = 0;
    for block in b.chunks(64) {
        if block.iter().fold(false, |any, &c| any | suspect(c))
            && let Some(i) = (start..start + block.len()).find(|&i| forbidden_at(b, i))
        {
            return text[i..].chars().next().map(|c| (i, c));
        }
        start += block.len();
    }
    None
}

/// Does a forbidden character start at byte `i`?
fn forbidden_at(b: &[u8], i: usize) -> bool {
    match b[i] {
        b'\t' | b'\n' | b'\r' => false,
        0..0x20 | 0x7f => true,
        // U+0080..U+009F but U+0085
        0xc2 => matches!(b.get(i + 1), Some(&n) if (0x80..=0x9f).contains(&n) && n != 0x85),
        // U+FFFE, U+FFFF
        0xef => b.get(i + 1) == Some(&0xbf) && matches!(b.get(i + 2), Some(0xbe | 0xbf)),
        _ => false,
    }
}

/// Buffers a collection is gathered in before it is copied into a vector of exactly its size,
/// reused from one collection to the next: a growing vector would keep room for 4 entries
/// where a zone's mapping has 2 and its lists 1, doubling the tree a large config needs.
#[derive(Default)]
struct Spare {
    maps: Vec<Vec<(Node, Node)>>,
    seqs: Vec<Vec<Node>>,
    flags: Vec<Vec<bool>>,
}

/// Move a pooled buffer's items into a Vec of exactly their size; the buffer keeps its capacity
/// for the next collection. A large buffer is handed over whole and shrunk in place instead:
/// copying the 50,000 entries of a big `zones:` mapping would briefly need the memory twice.
fn exact<T>(buf: &mut Vec<T>) -> Vec<T> {
    if buf.len() >= 4096 {
        let mut out = std::mem::take(buf);
        out.shrink_to_fit();
        return out;
    }
    let mut out = Vec::with_capacity(buf.len());
    out.append(buf);
    out
}

/// Where a document's events come from: the fast path for the plain subset, or saphyr for
/// everything (see `fast`). Both give the same events for the same text.
enum Events<'a> {
    Fast(&'a str, std::vec::IntoIter<fast::Ev>),
    Full(Box<Parser<'a, StrInput<'a>>>),
}

impl<'a> Events<'a> {
    fn next_event(&mut self) -> Option<Result<(Event<'a>, Span), ScanError>> {
        match self {
            Events::Fast(text, evs) => evs.next().map(|e| Ok(e.event(text))),
            Events::Full(p) => p.next_event(),
        }
    }
}
const MAX_INCLUDE_DEPTH: usize = 32;

struct Builder {
    spare: Spare,
    file: Arc<str>,
    opts: LoadOptions,
    anchors: HashMap<usize, (Node, usize)>,
    errors: Vec<YamlError>,
    depth: usize,
    include_depth: usize,
    /// Nodes built so far (copies included): an anchored node's size is the difference.
    nodes: usize,
    /// Nodes copied for anchors and aliases, against `MAX_COPIED_NODES`.
    copied: usize,
    /// Bytes of text read so far, the `!include`d files with the first: at most
    /// `MAX_FILE_BYTES` in all, so includes cannot multiply a small file into a huge load.
    text_bytes: usize,
}

impl Builder {
    fn pos(&self, span: &Span) -> Pos {
        Pos::new(
            &self.file,
            span.start.line() as u32,
            span.start.col() as u32 + 1,
        )
    }

    fn err(&mut self, pos: Pos, rule: &'static str, message: String) {
        self.errors.push(YamlError { pos, rule, message });
    }

    fn document(&mut self, text: &str) -> Option<Node> {
        if let Some((at, c)) = forbidden_char(text) {
            let (line, col) = line_col(&text.as_bytes()[..at]);
            let pos = Pos::new(&self.file, line, col);
            self.err(
                pos,
                "yaml-character",
                format!(
                    "the character U+{:04X} here is not allowed in YAML (printable characters only)",
                    c as u32
                ),
            );
            return None;
        }
        let mut parser = match fast::scan(text) {
            Some(events) => {
                // the fast path must give saphyr's exact answer: checked on every document in
                // debug and fuzzing builds (the fuzzer's release build included)
                #[cfg(any(debug_assertions, fuzzing))]
                if let Some(d) = fast::disagreement(text, &events) {
                    panic!("fast path disagrees with saphyr: {d}\non {text:?}");
                }
                Events::Fast(text, events.into_iter())
            }
            None => Events::Full(Box::new(Parser::new_from_str(text))),
        };
        let mut root = None;
        let mut seen_doc = false;
        loop {
            let (ev, span) = match parser.next_event() {
                None => break,
                Some(Ok(x)) => x,
                Some(Err(e)) => {
                    let m = e.marker();
                    let pos = Pos::new(&self.file, m.line() as u32, m.col() as u32 + 1);
                    self.err(pos, "yaml-syntax", e.info().to_string());
                    return None;
                }
            };
            match ev {
                Event::StreamStart | Event::DocumentEnd | Event::Nothing => {}
                Event::StreamEnd => break,
                Event::DocumentStart(_) => {
                    if seen_doc {
                        // octoDNS reads one document per file; later ones are ignored.
                        break;
                    }
                    seen_doc = true;
                }
                other => match self.node(&mut parser, other, span) {
                    Ok(n) => {
                        root = Some(n);
                    }
                    Err(()) => return None,
                },
            }
        }
        root
    }

    /// Build one node from its first event.
    fn node<'a>(&mut self, parser: &mut Events<'a>, ev: Event<'a>, span: Span) -> Result<Node, ()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let pos = self.pos(&span);
            self.err(
                pos,
                "yaml-syntax",
                format!("nesting deeper than {MAX_DEPTH} levels"),
            );
            return Err(());
        }
        let r = self.node_inner(parser, ev, span);
        self.depth -= 1;
        r
    }

    fn next<'a>(&mut self, parser: &mut Events<'a>) -> Result<(Event<'a>, Span), ()> {
        match parser.next_event() {
            Some(Ok(x)) => Ok(x),
            Some(Err(e)) => {
                let m = e.marker();
                let pos = Pos::new(&self.file, m.line() as u32, m.col() as u32 + 1);
                self.err(pos, "yaml-syntax", e.info().to_string());
                Err(())
            }
            None => {
                let pos = Pos::new(&self.file, 0, 0);
                self.err(pos, "yaml-syntax", "unexpected end of input".into());
                Err(())
            }
        }
    }

    fn node_inner<'a>(
        &mut self,
        parser: &mut Events<'a>,
        ev: Event<'a>,
        span: Span,
    ) -> Result<Node, ()> {
        let pos = self.pos(&span);
        let start = self.nodes;
        self.nodes += 1;
        match ev {
            Event::Alias(id) => match self.anchors.get(&id).map(|a| a.1) {
                Some(size) => {
                    self.copy(size, &pos)?;
                    // the alias itself was counted above as one node; the copy is `size`
                    self.nodes += size - 1;
                    Ok(self.anchors[&id].0.clone())
                }
                None => {
                    self.err(pos, "yaml-syntax", "alias to an unknown anchor".into());
                    Err(())
                }
            },
            Event::Scalar(text, style, anchor, tag) => {
                let tag = tag.map(|t| format!("{}{}", t.handle, t.suffix));
                let node = match tag.as_deref() {
                    Some("!include") if self.opts.includes => self.include(&text, pos)?,
                    Some("!include") | None => scalar(text, style, pos),
                    Some(t) if t.starts_with("tag:yaml.org,2002:") || t.starts_with("!!") => {
                        // explicit core tags (`!!str 10`) keep the text, unresolved
                        Node {
                            kind: Kind::Scalar {
                                text: text.into_owned(),
                                plain: !t.ends_with("str"),
                            },
                            pos,
                        }
                    }
                    Some(t) => {
                        self.err(
                            pos.clone(),
                            "yaml-unknown-tag",
                            format!("unknown tag {t}; only !include is supported"),
                        );
                        scalar(text, style, pos)
                    }
                };
                if anchor > 0 {
                    self.anchor(anchor, &node, start)?;
                }
                Ok(node)
            }
            Event::SequenceStart(anchor, tag) => {
                if let Some(t) = tag {
                    let t = format!("{}{}", t.handle, t.suffix);
                    if t == "!include" {
                        self.err(
                            pos.clone(),
                            "include-invalid",
                            "!include takes a file path (a scalar), not a sequence".into(),
                        );
                    }
                }
                let mut items = self.spare.seqs.pop().unwrap_or_default();
                loop {
                    let (ev, span) = self.next(parser)?;
                    if matches!(ev, Event::SequenceEnd) {
                        break;
                    }
                    items.push(self.node(parser, ev, span)?);
                }
                let node = Node {
                    kind: Kind::Seq(exact(&mut items)),
                    pos,
                };
                self.spare.seqs.push(items);
                if anchor > 0 {
                    self.anchor(anchor, &node, start)?;
                }
                Ok(node)
            }
            Event::MappingStart(anchor, _tag) => {
                let mut entries = self.spare.maps.pop().unwrap_or_default();
                // true where the entry came in through a merge key and may be overridden
                let mut merged = self.spare.flags.pop().unwrap_or_default();
                merged.clear();
                let mut index = KeyIndex::default();
                loop {
                    let (ev, span) = self.next(parser)?;
                    if matches!(ev, Event::MappingEnd) {
                        break;
                    }
                    let key = self.node(parser, ev, span)?;
                    let (ev, span) = self.next(parser)?;
                    let value = self.node(parser, ev, span)?;
                    let is_merge =
                        matches!(&key.kind, Kind::Scalar { text, plain: true } if text == "<<");
                    if is_merge {
                        self.merge(&mut entries, &mut merged, &mut index, value);
                        continue;
                    }
                    match index.find(&entries, key.key_str()) {
                        Some(i) if merged[i] => {
                            entries[i] = (key, value);
                            merged[i] = false;
                        }
                        Some(i) => {
                            let first = entries[i].0.pos.line;
                            self.err(
                                key.pos.clone(),
                                "yaml-duplicate-key",
                                format!(
                                    "duplicate key {:?} (first at line {first}); YAML keeps only one of them, so a record would be lost",
                                    key.key_str()
                                ),
                            );
                            // keep both so each can still be checked; the error stands
                            entries.push((key, value));
                            merged.push(false);
                        }
                        None => {
                            entries.push((key, value));
                            merged.push(false);
                            index.added(&entries);
                        }
                    }
                }
                let node = Node {
                    kind: Kind::Map(exact(&mut entries)),
                    pos,
                };
                self.spare.maps.push(entries);
                self.spare.flags.push(merged);
                self.check_order(&node);
                if anchor > 0 {
                    self.anchor(anchor, &node, start)?;
                }
                Ok(node)
            }
            _ => {
                self.err(pos, "yaml-syntax", "unexpected YAML event".into());
                Err(())
            }
        }
    }

    /// Count `size` copied nodes against the budget; past it, an error at `pos`.
    fn copy(&mut self, size: usize, pos: &Pos) -> Result<(), ()> {
        self.copied += size;
        if self.copied > MAX_COPIED_NODES {
            self.err(
                pos.clone(),
                "yaml-too-large",
                format!(
                    "anchors and aliases copy more than {MAX_COPIED_NODES} nodes \
                     (an alias bomb such as billion laughs?)"
                ),
            );
            return Err(());
        }
        Ok(())
    }

    /// Keep a copy of an anchored node (built from `start` on) for its aliases.
    fn anchor(&mut self, id: usize, node: &Node, start: usize) -> Result<(), ()> {
        let size = self.nodes - start;
        self.copy(size, &node.pos)?;
        self.anchors.insert(id, (node.clone(), size));
        Ok(())
    }

    /// `<<: value` where value is a mapping, a list of mappings, or an `!include` of either.
    /// Keys are applied in document order, the last one winning (octoDNS's semantics).
    fn merge(
        &mut self,
        entries: &mut Vec<(Node, Node)>,
        merged: &mut Vec<bool>,
        index: &mut KeyIndex,
        value: Node,
    ) {
        let maps: Vec<Node> = match value.kind {
            Kind::Map(_) => vec![value],
            Kind::Seq(items) => {
                // standard YAML: earlier maps in the list win, so apply them last
                let mut v = items;
                v.reverse();
                v
            }
            _ => {
                self.err(
                    value.pos,
                    "yaml-merge",
                    "expected a mapping or list of mappings for merging (<<)".into(),
                );
                return;
            }
        };
        for m in maps {
            match m.kind {
                Kind::Map(kv) => {
                    for (k, v) in kv {
                        if let Some(i) = index.find(entries, k.key_str()) {
                            entries[i] = (k, v);
                            merged[i] = true;
                        } else {
                            entries.push((k, v));
                            merged.push(true);
                            index.added(entries);
                        }
                    }
                }
                _ => self.err(
                    m.pos,
                    "yaml-merge",
                    "expected a mapping for merging (<<)".into(),
                ),
            }
        }
    }

    fn include(&mut self, path: &str, pos: Pos) -> Result<Node, ()> {
        if self.include_depth >= MAX_INCLUDE_DEPTH {
            self.err(
                pos,
                "include-invalid",
                format!("!include nested deeper than {MAX_INCLUDE_DEPTH} (a loop?)"),
            );
            return Err(());
        }
        let target = resolve_include(&self.file, path);
        let name: Arc<str> = Arc::from(target.to_string_lossy().as_ref());
        let unread = Node {
            kind: Kind::Null,
            pos: Pos::new(&name, 0, 0),
        };
        let bytes = match read_limited(&target) {
            Ok(b) => b,
            Err(ReadError::Unreadable(why)) => {
                self.err(
                    pos,
                    "include-invalid",
                    format!("cannot read included file {}: {why}", target.display()),
                );
                return Ok(unread);
            }
            Err(e) => {
                self.errors.push(e.error(&name, ""));
                return Ok(unread);
            }
        };
        self.text_bytes += bytes.len();
        if self.text_bytes > MAX_FILE_BYTES {
            self.err(
                pos,
                "yaml-too-large",
                format!(
                    "with {} the included files add up to more than {} MiB, the limit for one \
                     load",
                    target.display(),
                    MAX_FILE_BYTES >> 20
                ),
            );
            return Err(());
        }
        let text = match decode(&bytes, &name) {
            Ok(t) => t,
            Err(e) => {
                self.errors.push(e);
                return Ok(unread);
            }
        };
        let saved_file = std::mem::replace(&mut self.file, name.clone());
        let saved_anchors = std::mem::take(&mut self.anchors);
        self.include_depth += 1;
        let root = self.document(text);
        self.include_depth -= 1;
        self.file = saved_file;
        self.anchors = saved_anchors;
        Ok(root.unwrap_or(Node {
            kind: Kind::Null,
            pos: Pos::new(&name, 1, 1),
        }))
    }

    fn check_order(&mut self, node: &Node) {
        let cmp: fn(&str, &str) -> Ordering = match self.opts.order {
            KeyOrder::Any => return,
            KeyOrder::Natural => natural_cmp,
            KeyOrder::Simple => |a: &str, b: &str| a.cmp(b),
        };
        let Kind::Map(entries) = &node.kind else {
            return;
        };
        // the first key that sorts before the one written above it is the one out of place
        let Some(i) = (1..entries.len()).find(|&i| {
            cmp(entries[i - 1].0.key_str(), entries[i].0.key_str()) == Ordering::Greater
        }) else {
            return;
        };
        let keys: Vec<String> = entries.iter().map(|(k, _)| k.key_text()).collect();
        let mut sorted = keys.clone();
        sorted.sort_by(|a, b| cmp(a, b));
        let first = keys.iter().zip(&sorted).find(|(k, s)| k != s);
        let (got, expected) = first
            .map(|(k, s)| (k.as_str(), s.as_str()))
            .unwrap_or(("", ""));
        self.err(
            entries[i].0.pos.clone(),
            "key-order",
            format!(
                "keys out of order: expected {expected} got {got}; `{}` sorts before `{}` (line {}). \
                 octoDNS enforces sorted keys: reorder them or set enforce_order: false",
                keys[i],
                keys[i - 1],
                entries[i - 1].0.pos.line
            ),
        );
    }
}

/// Finds a mapping's keys by text: a linear scan while the mapping is small (record
/// mappings have a handful of keys), a hash index once it grows (a zone's record names, a
/// config's zones). The index maps a key's hash to the first entry with that hash, so it
/// copies no key; a hash shared by two different keys falls back to the scan.
#[derive(Default)]
struct KeyIndex {
    map: Option<FxHashMap<u64, usize>>,
}

const KEY_INDEX_FROM: usize = 16;

impl KeyIndex {
    fn find(&self, entries: &[(Node, Node)], key: &str) -> Option<usize> {
        let scan = || entries.iter().position(|(k, _)| k.key_str() == key);
        match &self.map {
            None => scan(),
            Some(m) => match m.get(&key_hash(key)) {
                None => None,
                Some(&i) if entries[i].0.key_str() == key => Some(i),
                Some(_) => scan(),
            },
        }
    }

    /// Record the entry just pushed (the last one).
    fn added(&mut self, entries: &[(Node, Node)]) {
        match &mut self.map {
            Some(m) => {
                let i = entries.len() - 1;
                m.entry(key_hash(entries[i].0.key_str())).or_insert(i);
            }
            None if entries.len() > KEY_INDEX_FROM => {
                let mut m =
                    FxHashMap::with_capacity_and_hasher(entries.len() * 2, Default::default());
                for (i, (k, _)) in entries.iter().enumerate() {
                    m.entry(key_hash(k.key_str())).or_insert(i);
                }
                self.map = Some(m);
            }
            None => {}
        }
    }
}

/// A key's hash for `KeyIndex`: keys come from the user's own files, not the network, so a
/// fast non-keyed hash is safe (SipHash was 8% of a 50,000-zone run).
fn key_hash(key: &str) -> u64 {
    use std::hash::BuildHasher;
    rustc_hash::FxBuildHasher.hash_one(key)
}

fn resolve_include(including: &str, path: &str) -> PathBuf {
    let expanded = if let Some(rest) = path.strip_prefix("~/") {
        match std::env::var_os("HOME") {
            Some(h) => PathBuf::from(h).join(rest),
            None => PathBuf::from(path),
        }
    } else {
        PathBuf::from(path)
    };
    if expanded.is_absolute() {
        expanded
    } else {
        Path::new(including)
            .parent()
            .unwrap_or(Path::new("."))
            .join(expanded)
    }
}

fn scalar(text: Cow<'_, str>, style: ScalarStyle, pos: Pos) -> Node {
    let plain = matches!(style, ScalarStyle::Plain);
    if plain && is_null(&text) {
        return Node {
            kind: Kind::Null,
            pos,
        };
    }
    Node {
        kind: Kind::Scalar {
            text: text.into_owned(),
            plain,
        },
        pos,
    }
}

fn is_null(s: &str) -> bool {
    matches!(s, "" | "~" | "null" | "Null" | "NULL")
}

/// natsort's default key, as octoDNS uses it: text and unsigned integer runs alternate, integers
/// compare by value.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let mut ai = chunks(a);
    let mut bi = chunks(b);
    loop {
        match (ai.next(), bi.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let o = match (x, y) {
                    (Chunk::Num(x), Chunk::Num(y)) => {
                        let x = x.trim_start_matches('0');
                        let y = y.trim_start_matches('0');
                        x.len().cmp(&y.len()).then_with(|| x.cmp(y))
                    }
                    (Chunk::Text(x), Chunk::Text(y)) => x.cmp(y),
                    // natsort pads so text and numbers align; a number sorts before text
                    (Chunk::Num(_), Chunk::Text(_)) => Ordering::Less,
                    (Chunk::Text(_), Chunk::Num(_)) => Ordering::Greater,
                };
                if o != Ordering::Equal {
                    return o;
                }
            }
        }
    }
}

enum Chunk<'a> {
    Text(&'a str),
    Num(&'a str),
}

fn chunks(s: &str) -> impl Iterator<Item = Chunk<'_>> {
    // natsort always starts with a text chunk (empty when the string starts with a digit)
    let mut rest = s;
    let mut expect_text = true;
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        if rest.is_empty() {
            if expect_text && s.is_empty() {
                done = true;
                return Some(Chunk::Text(""));
            }
            return None;
        }
        let split = if expect_text {
            rest.find(|c: char| c.is_ascii_digit())
                .unwrap_or(rest.len())
        } else {
            rest.find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len())
        };
        let (head, tail) = rest.split_at(split);
        rest = tail;
        let c = if expect_text {
            Chunk::Text(head)
        } else {
            Chunk::Num(head)
        };
        expect_text = !expect_text;
        Some(c)
    })
}

impl Node {
    /// The text of a scalar key (numbers and booleans keep their written form); for anything
    /// else a placeholder so it can still be reported.
    /// The key text without allocating (see `key_text`).
    pub fn key_str(&self) -> &str {
        match &self.kind {
            Kind::Scalar { text, .. } => text,
            Kind::Null => "",
            Kind::Seq(_) => "<sequence>",
            Kind::Map(_) => "<mapping>",
        }
    }

    pub fn key_text(&self) -> String {
        match &self.kind {
            Kind::Scalar { text, .. } => text.clone(),
            Kind::Null => String::new(),
            Kind::Seq(_) => "<sequence>".into(),
            Kind::Map(_) => "<mapping>".into(),
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.kind, Kind::Null)
    }

    /// A scalar's text (quoted or not); None for null, sequences and mappings.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// YAML 1.1 booleans as PyYAML resolves them (plain scalars only; PyYAML does not treat
    /// `y`/`n` as booleans). This is "is a bool", not truthiness: see `truthy`.
    pub fn as_bool(&self) -> Option<bool> {
        match self.py() {
            Py::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// Python's `int(x)` of the loaded value, as octoDNS reads numeric fields: a YAML int
    /// (`010` is octal 8, `0x10` 16, `1:30` 90), a float truncated (`1.5` → 1), a bool (1/0),
    /// or a string of decimal digits (`"12"`, `' 7 '`, `09` → 12, 7, 9). None where Python
    /// raises (`0o10`, `1e3`, `"1.0"`, null, lists, mappings) or the value does not fit i64.
    pub fn as_int(&self) -> Option<i64> {
        self.py_int().and_then(|i| i64::try_from(i.v).ok())
    }

    /// Python's `float(x)` of the loaded value (ints, bools and numeric strings too; `inf`
    /// and `nan` as Python accepts them). None where Python raises.
    pub fn as_f64(&self) -> Option<f64> {
        self.py_float()
    }

    /// Look a key up in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        let i = self.key_position(key)?;
        self.entries().map(|e| &e[i].1)
    }

    /// Where a mapping's first entry with this key is (the empty key also finds a null key).
    fn key_position(&self, key: &str) -> Option<usize> {
        self.entries()?
            .iter()
            .position(|(k, _)| k.as_str() == Some(key) || (key.is_empty() && k.is_null()))
    }

    /// Remove the first entry with this key from a mapping and return its value.
    pub fn take(&mut self, key: &str) -> Option<Node> {
        let i = self.key_position(key)?;
        match &mut self.kind {
            Kind::Map(entries) => Some(entries.remove(i).1),
            _ => None,
        }
    }

    pub fn entries(&self) -> Option<&[(Node, Node)]> {
        match &self.kind {
            Kind::Map(e) => Some(e),
            _ => None,
        }
    }

    pub fn items(&self) -> Option<&[Node]> {
        match &self.kind {
            Kind::Seq(v) => Some(v),
            _ => None,
        }
    }

    /// What kind of YAML value this is, for error messages.
    pub fn describe(&self) -> &'static str {
        match self.py() {
            Py::None => "nothing (null)",
            Py::Bool(_) => "a boolean",
            Py::Int(_) | Py::Float(_) => "a number",
            Py::Str(_) => "a string",
            Py::List(_) => "a list",
            Py::Dict(_) => "a mapping",
        }
    }

    /// The node PyYAML would load for JSON data (strings quoted, so never resolved to another
    /// type; numbers and booleans plain), every part at `pos`. For data that came from
    /// elsewhere than a YAML file (a record a zone file or an API holds) to go through the
    /// same checks as YAML.
    pub fn from_json(j: &serde_json::Value, pos: &Pos) -> Node {
        use serde_json::Value as J;
        let scalar = |text: String, plain: bool| Kind::Scalar { text, plain };
        let kind = match j {
            J::Null => Kind::Null,
            J::Bool(b) => scalar(if *b { "true" } else { "false" }.into(), true),
            J::Number(n) => scalar(n.to_string(), true),
            J::String(s) => scalar(s.clone(), false),
            J::Array(items) => Kind::Seq(items.iter().map(|i| Node::from_json(i, pos)).collect()),
            J::Object(m) => Kind::Map(
                m.iter()
                    .map(|(k, v)| {
                        (
                            Node {
                                kind: scalar(k.clone(), false),
                                pos: pos.clone(),
                            },
                            Node::from_json(v, pos),
                        )
                    })
                    .collect(),
            ),
        };
        Node {
            kind,
            pos: pos.clone(),
        }
    }

    /// Convert to JSON (for opaque data such as `octodns:` settings) as `json.dumps` would
    /// write the value PyYAML loaded: resolved scalars, mapping keys as JSON keys (`true`,
    /// `16` for `0x10`). Integers beyond 64 bits become floats; inf and nan, which JSON cannot
    /// hold, keep their YAML text as a string.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self.py() {
            Py::None => J::Null,
            Py::Bool(b) => J::Bool(b),
            Py::Int(i) => {
                if let Ok(v) = i64::try_from(i.v) {
                    J::from(v)
                } else if let Ok(v) = u64::try_from(i.v) {
                    J::from(v)
                } else {
                    i.text
                        .parse::<f64>()
                        .ok()
                        .and_then(serde_json::Number::from_f64)
                        .map(J::Number)
                        .unwrap_or(J::String(i.text))
                }
            }
            Py::Float(f) => match serde_json::Number::from_f64(f) {
                Some(n) => J::Number(n),
                None => J::String(self.key_text()),
            },
            Py::Str(s) => J::String(s.to_string()),
            Py::List(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Py::Dict(entries) => {
                let mut m = serde_json::Map::new();
                for (k, v) in entries {
                    m.insert(k.json_key(), v.to_json());
                }
                J::Object(m)
            }
        }
    }

    /// A mapping key as `json.dumps` writes it.
    fn json_key(&self) -> String {
        match self.py() {
            Py::None => "null".into(),
            Py::Bool(b) => b.to_string(),
            Py::Int(i) => i.text,
            Py::Float(f) if f.is_finite() => float_repr(f),
            Py::Float(f) if f.is_nan() => "NaN".into(),
            Py::Float(f) => if f > 0.0 { "Infinity" } else { "-Infinity" }.into(),
            Py::Str(s) => s.to_string(),
            // PyYAML cannot load these as keys (unhashable); keep a placeholder
            Py::List(_) | Py::Dict(_) => self.key_text(),
        }
    }
}

/// A plain scalar PyYAML resolves to an int (`010` octal, `0x`, `0b`, `_` separators,
/// sexagesimal `1:30`), when it fits i64. `0o10` and `09` are strings to PyYAML: None.
pub fn parse_yaml11_int(t: &str) -> Option<i64> {
    match py::resolve_plain(t) {
        Py::Int(i) => i64::try_from(i.v).ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str, order: KeyOrder) -> Loaded {
        load_str(
            text,
            &Arc::from("t.yaml"),
            LoadOptions {
                order,
                includes: false,
            },
        )
    }

    #[test]
    fn similar_keys_hash_apart_including_the_bits_hashbrown_probes_with() {
        let names: Vec<String> = (0..50_000)
            .map(|i| format!("zone{i:05}.example.com."))
            .collect();
        let hashes: std::collections::HashSet<u64> = names.iter().map(|n| key_hash(n)).collect();
        assert_eq!(hashes.len(), names.len());
        assert_ne!(key_hash("a"), key_hash("a\0"));
        assert_ne!(key_hash(""), key_hash("\0"));
        // hashbrown's control byte is the top seven bits: they must vary across such names
        let tops: std::collections::HashSet<u64> =
            names.iter().map(|n| key_hash(n) >> 57).collect();
        assert_eq!(tops.len(), 128);
    }

    #[test]
    fn a_key_index_with_two_keys_of_one_hash_still_finds_both() {
        let mut entries: Vec<(Node, Node)> = Vec::new();
        let mut index = KeyIndex::default();
        let text = |s: &str| Node {
            kind: Kind::Scalar {
                text: s.into(),
                plain: true,
            },
            pos: Pos::none(),
        };
        for i in 0..(KEY_INDEX_FROM + 4) {
            entries.push((text(&format!("k{i}")), text("v")));
            index.added(&entries);
        }
        // forge a collision: the index's slot for k3 now points at k5's entry
        let forged = key_hash("k3");
        index.map.as_mut().unwrap().insert(forged, 5);
        assert_eq!(index.find(&entries, "k3"), Some(3));
        assert_eq!(index.find(&entries, "k5"), Some(5));
        assert_eq!(index.find(&entries, "absent"), None);
    }

    #[test]
    fn positions_are_one_based() {
        let l = load("a:\n  b: 1\n", KeyOrder::Any);
        let root = l.root.unwrap();
        let b = root.get("a").unwrap().get("b").unwrap();
        assert_eq!((b.pos.line, b.pos.col), (2, 6));
        assert_eq!(b.as_int(), Some(1));
    }

    #[test]
    fn duplicate_key_is_an_error_with_both_lines() {
        let l = load("www:\n  type: A\nwww:\n  type: AAAA\n", KeyOrder::Any);
        assert_eq!(l.errors.len(), 1);
        let e = &l.errors[0];
        assert_eq!(e.rule, "yaml-duplicate-key");
        assert_eq!(e.pos.line, 3);
        assert!(e.message.contains("line 1"), "{}", e.message);
    }

    #[test]
    fn duplicates_are_found_in_large_mappings_on_both_paths() {
        // past KEY_INDEX_FROM the hash index answers; once plain (fast path), once with an
        // anchor that sends the text to saphyr
        for extra in ["", "anchor: &a 1\n"] {
            let mut text: String = (0..40).map(|i| format!("k{i}: {i}\n")).collect();
            text.push_str(extra);
            text.push_str("k7: again\n");
            let l = load(&text, KeyOrder::Any);
            assert_eq!(l.errors.len(), 1, "{:?}", l.errors);
            assert_eq!(l.errors[0].rule, "yaml-duplicate-key");
            assert!(
                l.errors[0].message.contains("line 8"),
                "{}",
                l.errors[0].message
            );
            let root = l.root.unwrap();
            assert_eq!(root.get("k39").unwrap().as_int(), Some(39));
            assert!(root.get("k40").is_none());
        }
    }

    #[test]
    fn merge_keys_override_without_duplicate_errors() {
        let l = load(
            "base: &b {x: 1, y: 2}\nm:\n  x: 0\n  <<: *b\n  y: 3\n",
            KeyOrder::Any,
        );
        assert!(l.errors.is_empty(), "{:?}", l.errors);
        let m = l.root.unwrap();
        let m = m.get("m").unwrap();
        assert_eq!(m.get("x").unwrap().as_int(), Some(1));
        assert_eq!(m.get("y").unwrap().as_int(), Some(3));
    }

    #[test]
    fn natural_order_is_enforced() {
        let ok = load("host2: 1\nhost10: 2\n", KeyOrder::Natural);
        assert!(ok.errors.is_empty());
        let bad = load("host10: 1\nhost2: 2\n", KeyOrder::Natural);
        assert_eq!(bad.errors[0].rule, "key-order");
        assert!(bad.errors[0].message.contains("expected host2 got host10"));
        let simple = load("host10: 1\nhost2: 2\n", KeyOrder::Simple);
        assert!(simple.errors.is_empty());
    }

    #[test]
    fn natural_cmp_matches_natsort() {
        let mut v = vec!["b", "a10", "a2", "", "10", "9", "a", "_x", "a02"];
        v.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(v, vec!["", "9", "10", "_x", "a", "a2", "a02", "a10", "b"]);
    }

    #[test]
    fn syntax_error_has_position_and_no_panic() {
        let l = load("a: [1, 2\nb: c\n", KeyOrder::Any);
        assert!(l.root.is_none());
        assert_eq!(l.errors[0].rule, "yaml-syntax");
        assert!(l.errors[0].pos.line >= 1);
    }

    #[test]
    fn yaml11_scalars() {
        let l = load(
            "a: yes\nb: 'yes'\nc: 0x10\nd: ~\ne: 010\nf: 1_000\n",
            KeyOrder::Any,
        );
        let r = l.root.unwrap();
        assert_eq!(r.get("a").unwrap().as_bool(), Some(true));
        assert_eq!(r.get("b").unwrap().as_bool(), None);
        assert_eq!(r.get("c").unwrap().as_int(), Some(16));
        assert!(r.get("d").unwrap().is_null());
        assert_eq!(r.get("e").unwrap().as_int(), Some(8));
        assert_eq!(r.get("f").unwrap().as_int(), Some(1000));
    }

    /// `as_int` is Python's `int()` of what PyYAML loaded, as octoDNS reads numeric fields.
    #[test]
    fn as_int_follows_python() {
        let l = load(
            concat!(
                "a: 0o10\nb: 09\nc: 1.5\nd: '12'\ne: ' 7 '\nf: true\ng: 1:30\nh: -0x10\n",
                "i: 1e3\nj: '1.0'\nk: ~\nl: [1]\nm: 99999999999999999999\nn: \"0x10\"\n",
                "o: -1.9\np: .inf\nq: no\n",
            ),
            KeyOrder::Any,
        );
        let r = l.root.unwrap();
        let int = |k: &str| r.get(k).unwrap().as_int();
        assert_eq!(
            int("a"),
            None,
            "0o10 is a string to PyYAML; int('0o10') raises"
        );
        assert_eq!(int("b"), Some(9), "09 is a string; int('09') == 9");
        assert_eq!(int("c"), Some(1), "int(1.5) == 1");
        assert_eq!(int("d"), Some(12));
        assert_eq!(int("e"), Some(7));
        assert_eq!(int("f"), Some(1), "int(True) == 1");
        assert_eq!(int("g"), Some(90));
        assert_eq!(int("h"), Some(-16));
        assert_eq!(int("i"), None, "1e3 is a string to PyYAML");
        assert_eq!(int("j"), None);
        assert_eq!(int("k"), None);
        assert_eq!(int("l"), None);
        assert_eq!(int("m"), None, "does not fit i64");
        assert_eq!(int("n"), None);
        assert_eq!(int("o"), Some(-1));
        assert_eq!(int("p"), None);
        assert_eq!(int("q"), Some(0));
        let f = |k: &str| r.get(k).unwrap().as_f64();
        assert_eq!(f("b"), Some(9.0));
        assert_eq!(f("c"), Some(1.5));
        assert_eq!(f("e"), Some(7.0));
        assert_eq!(f("i"), Some(1000.0));
        assert_eq!(f("a"), None);
        assert_eq!(f("p"), Some(f64::INFINITY));
        assert_eq!(r.get("f").unwrap().as_bool(), Some(true));
        assert_eq!(r.get("d").unwrap().as_bool(), None);
        assert_eq!(r.get("d").unwrap().describe(), "a string");
        assert_eq!(r.get("c").unwrap().describe(), "a number");
        assert_eq!(parse_yaml11_int("0o10"), None);
        assert_eq!(parse_yaml11_int("09"), None);
        assert_eq!(parse_yaml11_int("010"), Some(8));
        assert_eq!(parse_yaml11_int("1:30"), Some(90));
    }

    #[test]
    fn to_json_is_json_dumps_of_the_loaded_value() {
        let l = load(
            "a: 010\nb: 1.50\nc: yes\nd: '10'\ne: 09\nf: ~\ng: {0x10: x, true: y, 1.5: z}\nh: .inf\n",
            KeyOrder::Any,
        );
        let j = l.root.unwrap().to_json();
        assert_eq!(
            j,
            serde_json::json!({
                "a": 8, "b": 1.5, "c": true, "d": "10", "e": "09", "f": null,
                "g": {"16": "x", "true": "y", "1.5": "z"}, "h": ".inf"
            })
        );
    }

    #[test]
    fn hostile_inputs_never_panic() {
        for text in [
            "",
            "\u{0}",
            "[",
            "{",
            "a: *x",
            "&a [*a]",
            "? : :",
            "- - - -",
            "a:\n\tb: 1",
            "%YAML 9.9\n---\na: 1",
            "!!binary x",
            "a: !foo b",
            "---\n---\n",
            &"[".repeat(5000),
        ] {
            let _ = load(text, KeyOrder::Natural);
        }
    }

    fn first_error(l: &Loaded) -> &YamlError {
        l.errors.first().expect("an error")
    }

    /// Billion laughs: nine levels of nine aliases would copy 387 million nodes; the copy
    /// budget stops it at the alias that crosses it, quickly and with its position.
    #[test]
    fn billion_laughs_stops_at_the_copy_budget() {
        let mut text = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for i in 1..10 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let t = std::time::Instant::now();
        let l = load(&text, KeyOrder::Any);
        assert!(t.elapsed().as_secs() < 10, "took {:?}", t.elapsed());
        assert!(l.root.is_none());
        let e = first_error(&l);
        assert_eq!(e.rule, "yaml-too-large", "{e}");
        assert!(e.message.contains("2000000 nodes"), "{e}");
        // level 7 holds 9^7 = 4.8 million nodes: its anchor or one of its aliases crosses
        assert!((6..=8).contains(&e.pos.line), "{e}");
        assert!(e.pos.col > 1, "{e}");
    }

    /// Anchors on nested collections copy each level again: counted against the same budget.
    #[test]
    fn nested_anchors_count_against_the_copy_budget() {
        // 200 nested anchored sequences around 20,000 scalars: 200 copies of 20,000 nodes
        let leaves = vec!["x"; 20_000].join(", ");
        let mut text = String::new();
        for i in 0..200 {
            text.push_str(&format!("&n{i} ["));
        }
        text.push_str(&leaves);
        text.push_str(&"]".repeat(200));
        let l = load(&text, KeyOrder::Any);
        assert_eq!(first_error(&l).rule, "yaml-too-large");
        // a few anchors and aliases, as configs use them, stay well inside it
        let l = load("d: &d {ttl: 60}\na: *d\nb: {<<: *d, x: 1}\n", KeyOrder::Any);
        assert!(l.errors.is_empty(), "{:?}", l.errors);
    }

    /// 100,000 levels of nesting, in every shape: an error at the level that crosses
    /// MAX_DEPTH, before anything recurses deeper. On a thread with 2 MiB of stack, what a
    /// spawned or rayon thread gets, so a recursion past the limit would overflow it (even
    /// this unoptimised build's frames fit 256 levels there).
    #[test]
    fn hundred_thousand_levels_of_nesting_are_an_error() {
        let n = 100_000;
        let shapes = [
            "[".repeat(n),
            "{a: ".repeat(n),
            "- ".repeat(n),
            "[".repeat(n) + &"]".repeat(n),
            format!("a: {}x", "&a [".repeat(n)),
            (0..n).map(|_| "? ").collect::<String>(),
        ];
        let handle = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || {
                for text in shapes {
                    let t = std::time::Instant::now();
                    let l = load(&text, KeyOrder::Any);
                    assert!(t.elapsed().as_secs() < 10, "took {:?}", t.elapsed());
                    assert!(l.root.is_none());
                    let e = first_error(&l);
                    assert_eq!(e.rule, "yaml-syntax", "{e}");
                    // saphyr counts flow levels in a u8 and stops at 255 itself
                    assert!(
                        e.message.contains("deeper than 256")
                            || e.message.contains("recursion limit exceeded"),
                        "{e}"
                    );
                    assert_eq!(e.pos.line, 1, "{e}");
                    assert!(e.pos.col >= 256, "{e}");
                }
            })
            .unwrap();
        handle.join().unwrap();
    }

    #[test]
    fn non_utf8_is_an_error_at_its_line_and_column() {
        let f: Arc<str> = Arc::from("t.yaml");
        let opts = LoadOptions {
            order: KeyOrder::Any,
            includes: false,
        };
        let l = load_bytes(b"a: 1\nb: caf\xc3\xa9 \xff\n", &f, opts);
        assert!(l.root.is_none());
        let e = first_error(&l);
        assert_eq!(e.rule, "yaml-encoding");
        assert_eq!((e.pos.line, e.pos.col), (2, 9), "{e}");
        assert!(e.message.contains("0xff"), "{e}");
        // a truncated sequence at the very end
        let l = load_bytes(b"a: \xe2\x82", &f, opts);
        assert_eq!((first_error(&l).pos.line, first_error(&l).pos.col), (1, 4));
        // valid UTF-8 loads
        let l = load_bytes("a: café\n".as_bytes(), &f, opts);
        assert!(l.errors.is_empty());
        assert_eq!(l.root.unwrap().get("a").unwrap().as_str(), Some("café"));
    }

    /// saphyr ends the stream at a NUL without an error, which would silently drop the rest
    /// of the file; PyYAML refuses control characters, and so does the loader.
    #[test]
    fn nul_and_control_characters_are_an_error_at_their_position() {
        for (text, line, col, code) in [
            ("a: 1\nb: x\u{0}y\nc: 3\n", 2, 5, "U+0000"),
            ("a: 1\u{1b}\n", 1, 5, "U+001B"),
            ("a: 'x'\n# \u{7f}\n", 2, 3, "U+007F"),
            ("a: é\u{9c}\n", 1, 5, "U+009C"),
            ("a: \u{fffe}\n", 1, 4, "U+FFFE"),
        ] {
            let l = load(text, KeyOrder::Any);
            assert!(l.root.is_none(), "{text:?}");
            let e = first_error(&l);
            assert_eq!(e.rule, "yaml-character", "{text:?}");
            assert_eq!((e.pos.line, e.pos.col), (line, col), "{text:?}: {e}");
            assert!(e.message.contains(code), "{e}");
        }
        // across the 64-byte blocks the scan works in: the two bytes of U+009C at 63 and 64
        let text = format!("a: {}\u{9c}\n", "x".repeat(60));
        let l = load(&text, KeyOrder::Any);
        assert_eq!(first_error(&l).pos.col, 64);
        // tab, CR, NEL, NBSP and a BOM are allowed
        let l = load("\u{feff}a: 'x\u{85}y\u{a0}'\r\nb: 1\t\n", KeyOrder::Any);
        assert!(l.errors.is_empty(), "{:?}", l.errors);
    }

    /// A file of 1 GiB is refused after MAX_FILE_BYTES, where the limit falls; a device that
    /// never ends and a directory are refused before reading.
    #[test]
    fn files_beyond_the_size_limit_and_non_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.yaml");
        {
            use std::io::Write;
            let mut f = std::fs::File::create(&big).unwrap();
            f.write_all(b"a: 1\nb: ").unwrap();
            // sparse: a gigabyte on one line without using the disk
            f.set_len(1 << 30).unwrap();
        }
        let opts = LoadOptions {
            order: KeyOrder::Any,
            includes: true,
        };
        let t = std::time::Instant::now();
        let l = load_file(&big, opts);
        assert!(t.elapsed().as_secs() < 10, "took {:?}", t.elapsed());
        let e = first_error(&l);
        assert_eq!(e.rule, "yaml-too-large");
        assert_eq!(e.pos.line, 2, "{e}");
        assert_eq!(e.pos.col as usize, MAX_FILE_BYTES - 5 + 1, "{e}");
        assert!(e.message.contains("128 MiB"), "{e}");
        for p in ["/dev/zero", "/"] {
            let l = load_file(Path::new(p), opts);
            let e = first_error(&l);
            assert_eq!(e.rule, "file-unreadable", "{p}");
            assert!(e.message.contains("not a regular file"), "{e}");
        }
        // an include of one: an error at the !include
        let main = dir.path().join("main.yaml");
        std::fs::write(&main, "a: 1\nb: !include /dev/zero\n").unwrap();
        let l = load_file(&main, opts);
        let e = first_error(&l);
        assert_eq!(
            (e.rule, e.pos.line, e.pos.col),
            ("include-invalid", 2, 4),
            "{e}"
        );
        // an included file that is too large or not UTF-8: an error in that file
        std::fs::write(&main, "a: !include big.yaml\nb: !include bad.yaml\n").unwrap();
        std::fs::write(dir.path().join("bad.yaml"), b"x: \xff\n").unwrap();
        let l = load_file(&main, opts);
        let got: Vec<_> = l
            .errors
            .iter()
            .map(|e| (e.rule, e.pos.file.ends_with("big.yaml"), e.pos.line))
            .collect();
        assert_eq!(
            got,
            vec![("yaml-too-large", true, 2), ("yaml-encoding", false, 1)]
        );
        // includes that multiply: 40 MiB, included four times, is past the limit at the fourth
        // (sparse, so NULs: each include is read whole, counted, then refused for its NUL)
        let chunk = dir.path().join("chunk.yaml");
        std::fs::File::create(&chunk)
            .unwrap()
            .set_len(40 << 20)
            .unwrap();
        std::fs::write(
            &main,
            "[!include chunk.yaml, !include chunk.yaml,\n !include chunk.yaml, !include chunk.yaml]\n",
        )
        .unwrap();
        let l = load_file(&main, opts);
        let rules: Vec<_> = l.errors.iter().map(|e| e.rule).collect();
        assert_eq!(
            rules,
            [
                "yaml-character",
                "yaml-character",
                "yaml-character",
                "yaml-too-large"
            ]
        );
        let e = &l.errors[3];
        assert_eq!((e.pos.line, e.pos.col), (2, 23), "{e}");
        assert!(e.message.contains("add up to more than 128 MiB"), "{e}");
    }
}

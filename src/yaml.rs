//! A small YAML document tree where every node keeps its file position.
//!
//! Built straight from `saphyr-parser` events (the fastest pure-Rust path measured here), so
//! zone files are parsed once, with line and column for every key and value. On top of plain
//! YAML it does what octoDNS's loader does — `!include`, merge keys (`<<`), YAML 1.1 scalars as
//! PyYAML resolves them, optional key-order enforcement — and one thing octoDNS does not:
//! a key written twice in one mapping is an error instead of a silently lost record.
//!
//! Rule: this module knows YAML only; it uses std and the parser crate, nothing of DNS.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

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

/// Parse a file from disk.
pub fn load_file(path: &Path, opts: LoadOptions) -> Loaded {
    let name: Arc<str> = Arc::from(path.to_string_lossy().as_ref());
    match std::fs::read_to_string(path) {
        Ok(text) => load_str(&text, &name, opts),
        Err(e) => Loaded {
            root: None,
            errors: vec![YamlError {
                pos: Pos::new(&name, 0, 0),
                rule: "file-unreadable",
                message: format!("cannot read file: {e}"),
            }],
        },
    }
}

/// Parse YAML text; `file` names it in positions. Only the first document is used.
pub fn load_str(text: &str, file: &Arc<str>, opts: LoadOptions) -> Loaded {
    let mut b = Builder {
        file: file.clone(),
        opts,
        anchors: HashMap::new(),
        errors: Vec::new(),
        depth: 0,
        include_depth: 0,
    };
    let root = b.document(text);
    Loaded {
        root,
        errors: b.errors,
    }
}

const MAX_DEPTH: usize = 256;
const MAX_INCLUDE_DEPTH: usize = 32;

struct Builder {
    file: Arc<str>,
    opts: LoadOptions,
    anchors: HashMap<usize, Node>,
    errors: Vec<YamlError>,
    depth: usize,
    include_depth: usize,
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
        let mut parser = Parser::new_from_str(text);
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
    fn node<'a>(
        &mut self,
        parser: &mut Parser<'a, saphyr_parser::StrInput<'a>>,
        ev: Event<'a>,
        span: Span,
    ) -> Result<Node, ()> {
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

    fn next<'a>(
        &mut self,
        parser: &mut Parser<'a, saphyr_parser::StrInput<'a>>,
    ) -> Result<(Event<'a>, Span), ()> {
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
        parser: &mut Parser<'a, saphyr_parser::StrInput<'a>>,
        ev: Event<'a>,
        span: Span,
    ) -> Result<Node, ()> {
        let pos = self.pos(&span);
        match ev {
            Event::Alias(id) => match self.anchors.get(&id) {
                Some(n) => Ok(n.clone()),
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
                    self.anchors.insert(anchor, node.clone());
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
                let mut items = Vec::new();
                loop {
                    let (ev, span) = self.next(parser)?;
                    if matches!(ev, Event::SequenceEnd) {
                        break;
                    }
                    items.push(self.node(parser, ev, span)?);
                }
                let node = Node {
                    kind: Kind::Seq(items),
                    pos,
                };
                if anchor > 0 {
                    self.anchors.insert(anchor, node.clone());
                }
                Ok(node)
            }
            Event::MappingStart(anchor, _tag) => {
                let mut entries: Vec<(Node, Node)> = Vec::new();
                // true where the entry came in through a merge key and may be overridden
                let mut merged: Vec<bool> = Vec::new();
                let mut index: HashMap<String, usize> = HashMap::new();
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
                    let k = key.key_text();
                    if let Some(&i) = index.get(&k) {
                        if !merged[i] {
                            let first = entries[i].0.pos.line;
                            self.err(
                                key.pos.clone(),
                                "yaml-duplicate-key",
                                format!(
                                    "duplicate key {:?} (first at line {first}); YAML keeps only one of them, so a record would be lost",
                                    k
                                ),
                            );
                        }
                        if merged[i] {
                            entries[i] = (key, value);
                            merged[i] = false;
                        } else {
                            // keep both so each can still be checked; the error stands
                            entries.push((key, value));
                            merged.push(false);
                        }
                    } else {
                        index.insert(k, entries.len());
                        entries.push((key, value));
                        merged.push(false);
                    }
                }
                let node = Node {
                    kind: Kind::Map(entries),
                    pos,
                };
                self.check_order(&node);
                if anchor > 0 {
                    self.anchors.insert(anchor, node.clone());
                }
                Ok(node)
            }
            _ => {
                self.err(pos, "yaml-syntax", "unexpected YAML event".into());
                Err(())
            }
        }
    }

    /// `<<: value` where value is a mapping, a list of mappings, or an `!include` of either.
    /// Keys are applied in document order, the last one winning (octoDNS's semantics).
    fn merge(
        &mut self,
        entries: &mut Vec<(Node, Node)>,
        merged: &mut Vec<bool>,
        index: &mut HashMap<String, usize>,
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
                        let text = k.key_text();
                        if let Some(&i) = index.get(&text) {
                            entries[i] = (k, v);
                            merged[i] = true;
                        } else {
                            index.insert(text, entries.len());
                            entries.push((k, v));
                            merged.push(true);
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
        let text = match std::fs::read_to_string(&target) {
            Ok(t) => t,
            Err(e) => {
                self.err(
                    pos,
                    "include-invalid",
                    format!("cannot read included file {}: {e}", target.display()),
                );
                return Ok(Node {
                    kind: Kind::Null,
                    pos: Pos::new(&name, 0, 0),
                });
            }
        };
        let saved_file = std::mem::replace(&mut self.file, name.clone());
        let saved_anchors = std::mem::take(&mut self.anchors);
        self.include_depth += 1;
        let root = self.document(&text);
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
        let keys: Vec<String> = entries.iter().map(|(k, _)| k.key_text()).collect();
        // the first key that sorts before the one written above it is the one out of place
        let Some(i) = (1..keys.len()).find(|&i| cmp(&keys[i - 1], &keys[i]) == Ordering::Greater)
        else {
            return;
        };
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
    /// `y`/`n` as booleans).
    pub fn as_bool(&self) -> Option<bool> {
        match &self.kind {
            Kind::Scalar { text, plain: true } => match text.as_str() {
                "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => Some(true),
                "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
                    Some(false)
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// An integer the way Python's `int(x)` reads octoDNS data: a YAML int, or a string holding
    /// one (surrounding spaces allowed, `_` separators in plain YAML ints).
    pub fn as_int(&self) -> Option<i64> {
        let Kind::Scalar { text, plain } = &self.kind else {
            return None;
        };
        let t = text.trim();
        if *plain {
            if let Some(v) = parse_yaml11_int(t) {
                return Some(v);
            }
            // PyYAML would make `1.0` a float; int(1.0) == 1
            if let Ok(f) = t.parse::<f64>()
                && f.is_finite()
                && f.fract() == 0.0
                && t.contains('.')
            {
                return Some(f as i64);
            }
            return None;
        }
        let t = t.strip_prefix('+').unwrap_or(t);
        t.parse::<i64>().ok()
    }

    /// A float (plain or quoted); integers are accepted too.
    pub fn as_f64(&self) -> Option<f64> {
        let Kind::Scalar { text, .. } = &self.kind else {
            return None;
        };
        let t = text.trim().replace('_', "");
        t.parse::<f64>().ok().filter(|f| f.is_finite())
    }

    /// True for a plain scalar that YAML 1.1 resolves to a boolean (used to tell `yes` apart
    /// from the string "yes" where octoDNS would see a bool).
    pub fn is_yaml_bool(&self) -> bool {
        self.as_bool().is_some()
    }

    /// Look a key up in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.kind {
            Kind::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(key) || (key.is_empty() && k.is_null()))
                .map(|(_, v)| v),
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
        match &self.kind {
            Kind::Null => "nothing (null)",
            Kind::Scalar { .. } if self.as_bool().is_some() => "a boolean",
            Kind::Scalar { .. } if self.as_int().is_some() => "a number",
            Kind::Scalar { .. } => "a string",
            Kind::Seq(_) => "a list",
            Kind::Map(_) => "a mapping",
        }
    }

    /// Convert to JSON (for opaque data such as `octodns:` settings), resolving scalars the
    /// way PyYAML would.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.kind {
            Kind::Null => J::Null,
            Kind::Scalar { text, plain } => {
                if *plain {
                    if let Some(b) = self.as_bool() {
                        return J::Bool(b);
                    }
                    if let Some(i) = parse_yaml11_int(text) {
                        return J::from(i);
                    }
                    if looks_like_float(text)
                        && let Ok(f) = text.replace('_', "").parse::<f64>()
                        && let Some(n) = serde_json::Number::from_f64(f)
                    {
                        return J::Number(n);
                    }
                }
                J::String(text.clone())
            }
            Kind::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Kind::Map(entries) => {
                let mut m = serde_json::Map::new();
                for (k, v) in entries {
                    m.insert(k.key_text(), v.to_json());
                }
                J::Object(m)
            }
        }
    }
}

fn looks_like_float(t: &str) -> bool {
    let t = t.strip_prefix(['-', '+']).unwrap_or(t);
    !t.is_empty()
        && t.chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit() || c == '.')
        && t.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '-' | '+' | '_'))
        && t.contains(['.', 'e', 'E'])
        && t.chars().any(|c| c.is_ascii_digit())
}

/// YAML 1.1 integers as PyYAML resolves them: decimal, `0x` hex, `0o`/leading-zero octal,
/// `0b` binary, with `_` separators. Sexagesimal ints are not supported.
pub fn parse_yaml11_int(t: &str) -> Option<i64> {
    if t.is_empty() {
        return None;
    }
    let (neg, body) = match t.as_bytes()[0] {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    if body.is_empty() || !body.as_bytes()[0].is_ascii_digit() {
        return None;
    }
    let clean: String = body.chars().filter(|&c| c != '_').collect();
    let v = if let Some(h) = clean.strip_prefix("0x") {
        i64::from_str_radix(h, 16).ok()?
    } else if let Some(b) = clean.strip_prefix("0b") {
        i64::from_str_radix(b, 2).ok()?
    } else if let Some(o) = clean.strip_prefix("0o") {
        i64::from_str_radix(o, 8).ok()?
    } else if clean.len() > 1 && clean.starts_with('0') {
        i64::from_str_radix(&clean[1..], 8).ok()?
    } else {
        if !clean.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        clean.parse::<i64>().ok()?
    };
    Some(if neg { -v } else { v })
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
}

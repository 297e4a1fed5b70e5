//! A fast path for the plain subset of YAML that configs and most zone files are written in.
//!
//! `scan` reads block mappings and sequences laid out by indentation, one-line flow collections
//! (`{sources: [config], targets: [target]}`), plain scalars, and one-line quoted scalars
//! without escapes, and produces exactly the node events `saphyr-parser` produces for the same
//! text: the same scalar text and style, the same start line and column. Anything else — tags,
//! anchors, block scalars, escapes, multi-line scalars or flows, tabs, CR, non-ASCII outside
//! comments, directives, a second document (a second `---` too, even before any content),
//! anything invalid — makes it return `None`, and the caller parses the text with saphyr
//! instead, so every error and every unusual construct is still handled (and reported) by the
//! full parser. The fast path never reports anything: errors are always saphyr's.
//!
//! Why: a config with 50,000 zones is 3 MB of one-line flow mappings, which saphyr reads in
//! about 130 ms; this reads it in about 21 ms, and 200-record zone files about five times
//! faster than saphyr too. `disagreement` compares both event streams as the loader reads
//! them; the loader runs it on every document in debug and fuzzing builds, the unit tests on a
//! corpus of valid, invalid and multi-document text and on generated documents, and the
//! `yaml` fuzz target (fuzz/) on whatever libFuzzer makes, so the subset cannot drift from
//! saphyr's answers.

use std::borrow::Cow;

use saphyr_parser::{Event, Marker, ScalarStyle, Span};

/// One node event: a scalar, or the start or end of a collection, in 16 bytes (a 3 MB config
/// has half a million of them). `line` is 1-based, the column 0-based (saphyr's convention).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Ev {
    /// The scalar's text as a byte range of the source.
    from: u32,
    len: u32,
    line: u32,
    /// column << 3 | kind
    col_kind: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EvKind {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    SeqStart,
    SeqEnd,
    MapStart,
    MapEnd,
}

const KINDS: [EvKind; 7] = [
    EvKind::Plain,
    EvKind::SingleQuoted,
    EvKind::DoubleQuoted,
    EvKind::SeqStart,
    EvKind::SeqEnd,
    EvKind::MapStart,
    EvKind::MapEnd,
];

impl Ev {
    fn kind(self) -> EvKind {
        KINDS[(self.col_kind & 7) as usize]
    }

    /// The saphyr event this stands for; `text` is the scanned source.
    pub fn event(self, text: &str) -> (Event<'_>, Span) {
        let body = &text[self.from as usize..(self.from + self.len) as usize];
        let scalar = |style| Event::Scalar(Cow::Borrowed(body), style, 0, None);
        let ev = match self.kind() {
            EvKind::Plain => scalar(ScalarStyle::Plain),
            EvKind::SingleQuoted => scalar(ScalarStyle::SingleQuoted),
            EvKind::DoubleQuoted => scalar(ScalarStyle::DoubleQuoted),
            EvKind::SeqStart => Event::SequenceStart(0, None),
            EvKind::SeqEnd => Event::SequenceEnd,
            EvKind::MapStart => Event::MappingStart(0, None),
            EvKind::MapEnd => Event::MappingEnd,
        };
        let m = Marker::new(0, self.line as usize, (self.col_kind >> 3) as usize);
        (ev, Span::new(m, m))
    }
}

/// The node events of `text`'s single document, or `None` when the text leaves the subset.
pub(super) fn scan(text: &str) -> Option<Vec<Ev>> {
    if text.len() >= u32::MAX as usize {
        return None;
    }
    let lines = content_lines(text)?;
    if lines.is_empty() {
        return None;
    }
    let mut s = Scanner {
        src: text.as_bytes(),
        lines,
        i: 0,
        // at most one event per byte; a plain config has about one per six
        out: Vec::with_capacity(text.len() / 5),
        depth: 0,
    };
    s.block_node(s.lines[0].indent)?;
    if s.i != s.lines.len() {
        return None;
    }
    Some(s.out)
}

/// Compare `events` (what `scan` gave for `text`) with what saphyr gives for the same text, as
/// far as the loader reads it: every event of the first document and everything up to the
/// start of a second one or the end of the stream, errors included. `None` when they agree;
/// otherwise the first difference.
pub(super) fn disagreement(text: &str, events: &[Ev]) -> Option<Disagreement> {
    let mut parser = saphyr_parser::Parser::new_from_str(text);
    let mut fast = events.iter().map(|e| e.event(text));
    let mut seen_doc = false;
    let mut index = 0usize;
    loop {
        let (ev, span) = match parser.next_event() {
            None => break,
            Some(Err(e)) => {
                let m = e.marker();
                return Some(Disagreement::SaphyrError {
                    line: m.line(),
                    col: m.col() + 1,
                    info: e.info().to_string(),
                });
            }
            Some(Ok(x)) => x,
        };
        match ev {
            Event::StreamStart | Event::DocumentEnd | Event::Nothing => continue,
            Event::StreamEnd => break,
            Event::DocumentStart(_) if seen_doc => break,
            Event::DocumentStart(_) => {
                seen_doc = true;
                continue;
            }
            _ => {}
        }
        let Some((fev, fspan)) = fast.next() else {
            return Some(Disagreement::FastEnded {
                index,
                saphyr: format!("{ev:?}"),
                line: span.start.line(),
                col: span.start.col() + 1,
            });
        };
        // the loader reads no position of an end event
        let is_end = matches!(ev, Event::SequenceEnd | Event::MappingEnd);
        let at = |s: &Span| (s.start.line(), s.start.col());
        if fev != ev || (!is_end && at(&fspan) != at(&span)) {
            return Some(Disagreement::Differ {
                index,
                saphyr: format!("{ev:?}"),
                saphyr_at: at(&span),
                fast: format!("{fev:?}"),
                fast_at: at(&fspan),
            });
        }
        index += 1;
    }
    fast.next().map(|(fev, _)| Disagreement::FastLonger {
        index,
        fast: format!("{fev:?}"),
    })
}

/// The first difference between the fast path's events and saphyr's (events as `Debug` text;
/// positions are saphyr's: 1-based lines, columns 1-based where shown as `line:col`, 0-based
/// in the `(line, col)` pairs).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Disagreement {
    #[error("saphyr reports an error at {line}:{col} ({info}) where the fast path gave events")]
    SaphyrError {
        line: usize,
        col: usize,
        info: String,
    },
    #[error("event {index}: saphyr gives {saphyr} at {line}:{col}, the fast path ended")]
    FastEnded {
        index: usize,
        saphyr: String,
        line: usize,
        col: usize,
    },
    #[error(
        "event {index}: saphyr gives {saphyr} at {saphyr_at:?}, the fast path {fast} at {fast_at:?}"
    )]
    Differ {
        index: usize,
        saphyr: String,
        saphyr_at: (usize, usize),
        fast: String,
        fast_at: (usize, usize),
    },
    #[error("event {index}: the fast path gives {fast} after saphyr's last event")]
    FastLonger { index: usize, fast: String },
}

/// Nesting deeper than this leaves the fast path (saphyr and the tree builder then report it).
const MAX_DEPTH: u32 = 200;
/// YAML limits implicit keys to 1024 characters; longer keys are left to saphyr.
const MAX_KEY: usize = 1000;

/// A line with content (not blank, not only a comment).
#[derive(Clone, Copy, Debug)]
struct Line {
    /// Byte offset of column 0.
    off: usize,
    /// Byte offset of the line break (or the end of the text).
    end: usize,
    /// Leading spaces.
    indent: usize,
    /// 1-based line number.
    no: u32,
}

fn content_lines(text: &str) -> Option<Vec<Line>> {
    let src = text.as_bytes();
    // saphyr treats CR and NUL as line or stream ends even inside comments, and a byte order
    // mark anywhere is its own token; control characters and 0xEF (which starts U+FEFF)
    // therefore send the whole text to saphyr
    if src
        .iter()
        .any(|&b| (b < 0x20 && b != b'\n' && b != b'\t') || b == 0x7f || b == 0xef)
    {
        return None;
    }
    let mut lines = Vec::with_capacity(text.len() / 32);
    let mut off = 0;
    let mut no = 0u32;
    // one explicit `---` may open the document; a second one before any content starts a
    // second document (the first one then is empty), which only saphyr reads
    let mut started = false;
    while off < src.len() {
        no += 1;
        let end = memchr_newline(src, off);
        let indent = src[off..end].iter().take_while(|&&b| b == b' ').count();
        let first = src
            .get(off + indent)
            .copied()
            .filter(|_| off + indent < end);
        match first {
            None | Some(b'#') => {}
            Some(_) => {
                let line = &src[off..end];
                if indent == 0
                    && (line.starts_with(b"---") || line.starts_with(b"...") || line[0] == b'%')
                {
                    // an explicit start of the first document, alone on its line, is fine;
                    // directives, document ends and later documents go to saphyr
                    let explicit_start = line.strip_prefix(b"---").is_some_and(|rest| {
                        rest.first().is_none_or(|&b| b == b' ')
                            && rest_is_blank(rest, 0, rest.len())
                    });
                    if !(lines.is_empty() && explicit_start && !started) {
                        return None;
                    }
                    started = true;
                } else {
                    lines.push(Line {
                        off,
                        end,
                        indent,
                        no,
                    });
                }
            }
        }
        off = end + 1;
    }
    Some(lines)
}

fn memchr_newline(src: &[u8], from: usize) -> usize {
    src[from..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(src.len(), |i| from + i)
}

/// Only spaces from `p` to `end`, then the end or a comment (`#` after a space).
fn rest_is_blank(src: &[u8], p: usize, end: usize) -> bool {
    let q = skip_spaces(src, p, end);
    q == end || (src[q] == b'#' && q > 0 && src[q - 1] == b' ')
}

fn skip_spaces(src: &[u8], mut p: usize, end: usize) -> usize {
    while p < end && src[p] == b' ' {
        p += 1;
    }
    p
}

/// A character a plain scalar may start with (the conservative part of YAML's rule).
fn plain_first(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'/' | b'~' | b'$' | b'(' | b'+' | b'=')
}

/// A character a plain scalar may continue with, besides spaces and `:` (handled apart).
fn plain_rest(b: u8, flow: bool) -> bool {
    match b {
        b'"' | b'\'' | b'`' => false,
        b',' | b'[' | b']' | b'{' | b'}' => !flow,
        0x21..=0x7e => true,
        _ => false,
    }
}

struct Scanner<'a> {
    src: &'a [u8],
    lines: Vec<Line>,
    /// The line being read.
    i: usize,
    out: Vec<Ev>,
    depth: u32,
}

/// A scalar found by `scalar_at`: its event kind, text range and where reading continues.
struct Found {
    kind: EvKind,
    from: usize,
    to: usize,
    next: usize,
}

impl<'a> Scanner<'a> {
    fn at(&self, p: usize, end: usize) -> u8 {
        if p < end { self.src[p] } else { 0 }
    }

    /// Record an event at byte `p` of `line`; `text` is the scalar's byte range.
    fn push(&mut self, kind: EvKind, line: Line, p: usize, text: (usize, usize)) -> Option<()> {
        let col = p - line.off;
        if col >= 1 << 28 {
            return None;
        }
        self.out.push(Ev {
            from: text.0 as u32,
            len: (text.1 - text.0) as u32,
            line: line.no,
            col_kind: (col as u32) << 3 | kind as u32,
        });
        Some(())
    }

    fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    fn next_indent(&self) -> Option<usize> {
        self.lines.get(self.i).map(|l| l.indent)
    }

    /// Is there a sequence entry (`-` then a space or the end) at `p` of the current line?
    fn dash_at(&self, p: usize) -> bool {
        let l = self.lines[self.i];
        self.at(p, l.end) == b'-' && matches!(self.at(p + 1, l.end), b' ' | 0)
    }

    /// A block mapping or sequence whose first token is at column `col` of the current line.
    fn block_node(&mut self, col: usize) -> Option<()> {
        let l = self.lines[self.i];
        if self.dash_at(l.off + col) {
            self.block_seq(col, false)
        } else {
            self.block_map(col)
        }
    }

    /// A block mapping whose keys are at column `n`; the first key is on the current line.
    fn block_map(&mut self, n: usize) -> Option<()> {
        self.enter()?;
        let first = self.lines[self.i];
        self.push(EvKind::MapStart, first, first.off + n, (0, 0))?;
        loop {
            let l = self.lines[self.i];
            let k = self.scalar_at(l.off + n, l.end, false)?;
            if k.to - k.from > MAX_KEY || self.at(k.next, l.end) != b':' {
                return None;
            }
            let colon = k.next;
            if !matches!(self.at(colon + 1, l.end), b' ' | 0) {
                return None;
            }
            self.push(k.kind, l, l.off + n, (k.from, k.to))?;
            let v = skip_spaces(self.src, colon + 1, l.end);
            if rest_is_blank(self.src, v, l.end) {
                // the value is on the lines below, or empty
                self.i += 1;
                match self.next_indent() {
                    Some(m) if m > n => self.block_node(m)?,
                    Some(m) if m == n && self.dash_at(self.lines[self.i].off + m) => {
                        self.block_seq(n, true)?
                    }
                    _ => self.push(EvKind::Plain, l, colon, (0, 0))?,
                }
            } else {
                self.inline_value(l, v)?;
                self.i += 1;
            }
            match self.next_indent() {
                Some(m) if m == n => {}
                Some(m) if m > n => return None,
                _ => break,
            }
        }
        // end events carry no position anyone reads
        self.push(EvKind::MapEnd, first, first.off, (0, 0))?;
        self.depth -= 1;
        Some(())
    }

    /// A block sequence whose dashes are at column `n`, starting on the current line.
    /// `indentless`: the dashes are at the column of the mapping key that owns it.
    fn block_seq(&mut self, n: usize, indentless: bool) -> Option<()> {
        self.enter()?;
        let first = self.lines[self.i];
        let start = self.out.len();
        self.push(EvKind::SeqStart, first, first.off + n, (0, 0))?;
        loop {
            let l = self.lines[self.i];
            let p = skip_spaces(self.src, l.off + n + 1, l.end);
            if p == l.off + n + 1 || rest_is_blank(self.src, p, l.end) || self.dash_at(p) {
                // an entry on the lines below, or a nested compact sequence
                return None;
            }
            let c = self.at(p, l.end);
            let is_key = !matches!(c, b'{' | b'[')
                && self
                    .scalar_at(p, l.end, false)
                    .is_some_and(|f| self.at(f.next, l.end) == b':');
            if is_key {
                self.block_map(p - l.off)?;
            } else {
                self.inline_value(l, p)?;
                self.i += 1;
            }
            if indentless && self.out.len() > start + 1 {
                // saphyr places an indentless sequence where its first entry starts
                let e = self.out[start + 1];
                self.out[start].line = e.line;
                self.out[start].col_kind = (e.col_kind & !7) | EvKind::SeqStart as u32;
            }
            match self.next_indent() {
                Some(m) if m == n && self.dash_at(self.lines[self.i].off + m) => {}
                Some(m) if m == n && indentless => break,
                Some(m) if m >= n => return None,
                _ => break,
            }
        }
        self.push(EvKind::SeqEnd, first, first.off, (0, 0))?;
        self.depth -= 1;
        Some(())
    }

    /// A value that ends on its line: a flow collection or a scalar, then only a comment.
    fn inline_value(&mut self, l: Line, p: usize) -> Option<()> {
        let end = self.flow_or_scalar(l, p, false)?;
        rest_is_blank(self.src, end, l.end).then_some(())
    }

    /// A flow collection or scalar at `p`; returns where it ends.
    fn flow_or_scalar(&mut self, l: Line, p: usize, flow: bool) -> Option<usize> {
        match self.at(p, l.end) {
            b'{' => self.flow(l, p, true),
            b'[' => self.flow(l, p, false),
            _ => {
                let f = self.scalar_at(p, l.end, flow)?;
                self.push(f.kind, l, p, (f.from, f.to))?;
                Some(f.next)
            }
        }
    }

    /// A one-line flow mapping (`map`) or sequence at `p`; returns where it ends. Empty
    /// collections are fine; a trailing comma leaves the fast path.
    fn flow(&mut self, l: Line, p: usize, map: bool) -> Option<usize> {
        let (start, end, close) = if map {
            (EvKind::MapStart, EvKind::MapEnd, b'}')
        } else {
            (EvKind::SeqStart, EvKind::SeqEnd, b']')
        };
        self.enter()?;
        self.push(start, l, p, (0, 0))?;
        let mut q = skip_spaces(self.src, p + 1, l.end);
        if self.at(q, l.end) != close {
            loop {
                let v = if map { self.flow_key(l, q)? } else { q };
                q = skip_spaces(self.src, self.flow_or_scalar(l, v, true)?, l.end);
                match self.at(q, l.end) {
                    b',' => {
                        q = skip_spaces(self.src, q + 1, l.end);
                        if self.at(q, l.end) == close {
                            return None;
                        }
                    }
                    c if c == close => break,
                    _ => return None,
                }
            }
        }
        self.push(end, l, q, (0, 0))?;
        self.depth -= 1;
        Some(q + 1)
    }

    /// A flow mapping's key at `q` and its `: `; returns where the value starts.
    fn flow_key(&mut self, l: Line, q: usize) -> Option<usize> {
        let k = self.scalar_at(q, l.end, true)?;
        if k.to - k.from > MAX_KEY
            || self.at(k.next, l.end) != b':'
            || self.at(k.next + 1, l.end) != b' '
        {
            return None;
        }
        self.push(k.kind, l, q, (k.from, k.to))?;
        Some(skip_spaces(self.src, k.next + 1, l.end))
    }

    /// A plain or one-line quoted scalar starting at `p`, without pushing it.
    fn scalar_at(&self, p: usize, end: usize, flow: bool) -> Option<Found> {
        let src = self.src;
        match self.at(p, end) {
            q @ (b'\'' | b'"') => {
                let close = p + 1 + src[p + 1..end].iter().position(|&b| b == q)?;
                let body = &src[p + 1..close];
                let plain_ascii = body.iter().all(|&b| (0x20..=0x7e).contains(&b));
                if !plain_ascii || (q == b'"' && body.contains(&b'\\')) {
                    return None;
                }
                if q == b'\'' && self.at(close + 1, end) == b'\'' {
                    return None;
                }
                let kind = if q == b'"' {
                    EvKind::DoubleQuoted
                } else {
                    EvKind::SingleQuoted
                };
                Some(Found {
                    kind,
                    from: p + 1,
                    to: close,
                    next: close + 1,
                })
            }
            b => {
                let next = self.at(p + 1, end);
                let starts = plain_first(b)
                    || (b == b'-' && next != b' ' && next != 0 && plain_rest(next, flow));
                if !starts {
                    return None;
                }
                let mut q = p + 1;
                let mut to = q;
                while q < end {
                    match src[q] {
                        b' ' => {
                            let r = skip_spaces(src, q, end);
                            if r == end || src[r] == b'#' {
                                break;
                            }
                            if flow && !matches!(src[r], b',' | b']' | b'}' | b':') {
                                // several words inside a flow collection: saphyr has quirks
                                // there (`[a -]` is an error), so leave them to it
                                return None;
                            }
                            q = r;
                        }
                        b':' => {
                            let after = self.at(q + 1, end);
                            if after == b' ' || after == 0 {
                                break;
                            }
                            if flow {
                                return None;
                            }
                            q += 1;
                            to = q;
                        }
                        b',' | b']' | b'}' if flow => break,
                        c if plain_rest(c, flow) => {
                            q += 1;
                            to = q;
                        }
                        _ => return None,
                    }
                }
                Some(Found {
                    kind: EvKind::Plain,
                    from: p,
                    to,
                    next: q,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    fn fast(text: &str) -> Option<Vec<Ev>> {
        scan(text)
    }

    /// The fast path either steps aside or agrees with saphyr exactly (errors included).
    fn check(text: &str) -> bool {
        match scan(text) {
            None => false,
            Some(evs) => {
                if let Some(d) = disagreement(text, &evs) {
                    panic!("fast path disagrees with saphyr on:\n{text}\n{text:?}\n{d}");
                }
                true
            }
        }
    }

    /// A difference is reported as a variant naming the event; the text says where.
    #[test]
    fn a_difference_is_a_typed_disagreement() {
        let text = "a: 1\nb: 2\n";
        let evs = scan(text).expect("plain mapping");
        assert_eq!(disagreement(text, &evs), None);
        // one event short: saphyr has an event the fast path lacks
        let short = &evs[..evs.len() - 1];
        match disagreement(text, short) {
            Some(Disagreement::FastEnded { index, saphyr, .. }) => {
                assert_eq!(index, evs.len() - 1);
                assert_eq!(saphyr, "MappingEnd");
            }
            other => panic!("{other:?}"),
        }
        // two events swapped: the first differing event, both positions
        let mut swapped = evs.clone();
        swapped.swap(1, 2);
        let d = disagreement(text, &swapped).expect("differs");
        assert!(matches!(d, Disagreement::Differ { index: 1, .. }), "{d:?}");
        assert!(
            d.to_string()
                .starts_with("event 1: saphyr gives Scalar(\"a\""),
            "{d}"
        );
        // one event more: the fast path goes on after saphyr's last
        let mut long = evs.clone();
        long.push(evs[1]);
        assert!(matches!(
            disagreement(text, &long),
            Some(Disagreement::FastLonger { .. })
        ));
        assert!(super::super::fast_path_check(text).unwrap());
    }

    #[test]
    fn config_shapes_take_the_fast_path_and_match_saphyr() {
        let accepted = [
            "---\n# c\nmanager: {max_workers: 1}\nproviders:\n  config:\n    class: octodns.provider.yaml.YamlProvider\n    directory: ./config   # trailing\n    list:\n    - a\n    - b c\n  x: 'quoted'\n  y: \"dq\"\nzones:\n  a.: {sources: [config], targets: []}\n  b.: {}\nempty:\nlast: [x, {k: v}]\n",
            "a:\n  - x\n  -   y\n  - {k: v}\n  - type: A\n    value: 1\nb:   c  \nc :   d\nd: e # c\n\"q\": 1\ne:\n- 1\n\nf: 2\n",
            "- a\n- b\n",
            "a: # c\nb:\n  - c\nd:\ne: {x: [], y: \"s\"}\n",
            "a:\n",
            "x:\n  a:   \n  b: 1\n",
            "'': {type: A, value: 1.2.3.4}\nwww:\n- type: A\n  values:\n  - 1.2.3.4\n  - 5.6.7.8\n- {type: TXT, value: 'v=spf1 -all'}\n",
            "url: http://127.0.0.1:8081/api\nkey: env/PDNS_KEY\nn: -5\nf: .5\nt: ~\nb: yes\nk: a#b\n",
            "  a: 1\n  b: 2\n",
            "a:\n  b:\n    c:\n    - d: 1\n      e:\n      - f\n    g: h\n",
            "z: [a , b ,c]\ny: { a : b }\n",
        ];
        for t in accepted {
            assert!(check(t), "expected the fast path to take:\n{t}");
        }
    }

    #[test]
    fn anything_outside_the_subset_steps_aside() {
        let declined = [
            "",
            "# only a comment\n",
            "a: &x 1\nb: *x\n",
            "a: !include x.yaml\n",
            "a: |\n  text\n",
            "a: \"esc\\\"aped\"\n",
            "a: 'it''s'\n",
            "a: multi\n  line\n",
            "a: [1,\n  2]\n",
            "a:\tb\n",
            "a: b\r\n",
            "a: é\n",
            "%YAML 1.2\n---\na: 1\n",
            "a: 1\n---\nb: 2\n",
            "a: 1\n...\n",
            "<<: {a: 1}\n",
            "? a\n: b\n",
            "a: b: c\n",
            "a\n",
            "a: 1\n  b: 2\n",
            "- - a\n",
            "-\n  a: 1\n",
            "a: [b, ]\n",
            "a: {b}\n",
            "a: {b:c}\n",
            "\u{feff}a: 1\n",
            "a: {b: 1}x\n",
            "a: 1\nb: 2\n c: 3\n",
        ];
        for t in declined {
            assert!(
                fast(t).is_none(),
                "expected the fast path to step aside on:\n{t:?}"
            );
        }
        // non-ASCII in a comment is fine
        assert!(check("a: 1 # café\n# ünïcode\nb: 2\n"));
    }

    /// Hand-made hostile and invalid input, multi-document streams above all: the fast path
    /// steps aside or agrees with saphyr, errors included (a fuzzer found the first: a second
    /// `---` after a comment, where the fast path read the second document as the first).
    #[test]
    fn hostile_and_multi_document_input_agrees_with_saphyr() {
        let hostile = [
            "---\n# c\n---\na: 1\n",
            "---\n---\na: 1\n",
            "--- # c\n--- # d\n]\n",
            "---\n# c\n---\n: : bad\n",
            "# c\n---\n# c\n---\na: b\n---\nc: d\n",
            "---\na: 1\n---\n]\n",
            "a: 1\n---\n{\n",
            "a: 1\n...\n---\nb: 2\n",
            "...\na: 1\n",
            "---\n...\na: 1\n",
            "--- a: 1\n",
            "---a: 1\n",
            "----\na: 1\n",
            "--- |\n  x\n",
            "---\ta\n",
            "a: 1\n--- \n",
            "a: 1\n---\n",
            "%YAML 1.2\n%YAML 1.2\n---\na: 1\n",
            "---\n- a\n---\n- b\n",
            "- a\n- b\n---\n- c: [\n",
            "a: [b, c]]\n",
            "a: {b: c}}\n",
            "a: 'b' c\n",
            "a: \"b\"c\n",
            "a: b #c\n  d: e\n",
            "a:\n- b\n - c\n",
            "a:\n  - b\n  c: d\n",
            "- a: 1\n  - b\n",
            "a: -\n",
            "a: - b\n",
            "-a: 1\n",
            "a: 1\n a: 2\n",
            "   \n  a: 1\nb: 2\n",
            "a: 1\n# c\n  # d\nb:\n",
            "a:\n#c\n  b: 1\n",
            "k: v\n\n\n- x\n",
            "[a, b]\n",
            "{a: b}\nc: d\n",
            "a: [b, {c: d, e: [f, g]}, h]\n---\nx\n",
        ];
        for t in hostile {
            check(t);
        }
        // the first case: saphyr reads an empty first document, which the loader keeps
        assert!(fast("---\n# c\n---\na: 1\n").is_none());
    }

    #[test]
    fn deep_nesting_steps_aside_without_recursing_forever() {
        let deep = format!("a: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
        assert!(fast(&deep).is_none());
        let mut stairs = String::new();
        for i in 0..1000 {
            stairs.push_str(&" ".repeat(i));
            stairs.push_str("k:\n");
        }
        assert!(fast(&stairs).is_none());
    }

    /// A small deterministic generator (xorshift) so the test needs no extra crates.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
        fn pick<'b>(&mut self, xs: &[&'b str]) -> &'b str {
            xs[self.below(xs.len())]
        }
    }

    /// Scalars and flows the subset covers, and a few it must decline or treat carefully.
    #[rustfmt::skip]
    const GOOD: &[&str] = &[
        "a", "b", "www", "zone.example.com.", "1.2.3.4", "-x", "x-y", "a b", "a  b", "~", "null",
        "yes", "1", "0x1f", "1e3", ".5", "env/KEY", "http://h:80/p", "a#b", "a:b", "a,b", "k]",
        "'q'", "'a b'", "''", "\"d\"", "\"\"", "\"a:b\"", "{}", "[]", "{a: b}", "[a, b]",
        "[a,b]", "{a: [b, c]}", "[{a: b}]", "$x", "(x)", "+1", "=", "a=b", "_", "a/b", "..",
        "a!b", "a?b", "a&b", "a*b", "a|b", "a>b", "a%b", "a@b", "--x", "-", "a:", "[ a ]",
        "{ a: b }", "[a , b]", "{a: 'x', 'b': \"y\"}", "a{b}", "a[b]", "a\\;b",
        "v=DKIM1\\; k=rsa\\;", "[a\\b]", "'a\\b'",
    ];
    #[rustfmt::skip]
    const BAD: &[&str] = &[
        "'x''y'", "\"e\\n\"", "&a", "*a", "!t", "|", ">", "?", "- x", ":", "a :", "#c", "é",
        "a\tb", "{a:b}", "[a, ]", "%", "@a", "`a`", "\\b", "---", "...", "<<", "[a: b]",
        "{a}", "[a,\n b]", "'a\n b'", "a\r", "\u{feff}", "a\0", "\u{85}", "a\u{1}",
    ];

    fn word(r: &mut Rng) -> &'static str {
        if r.below(8) == 0 {
            r.pick(BAD)
        } else {
            r.pick(GOOD)
        }
    }

    fn gen_block(r: &mut Rng, indent: usize, depth: usize, out: &mut String) {
        let entries = 1 + r.below(3);
        let seq = r.below(3) == 0;
        let pad = " ".repeat(indent);
        for _ in 0..entries {
            if r.below(8) == 0 {
                out.push_str(&" ".repeat(r.below(4)));
                out.push_str(["\n", "# note\n", "#\n"][r.below(3)]);
            }
            out.push_str(&pad);
            if seq {
                out.push('-');
                out.push_str(&" ".repeat(1 + r.below(2)));
                if depth < 3 && r.below(3) == 0 {
                    // a compact mapping inside the entry
                    let col = out.len() - out.rfind('\n').map_or(0, |i| i + 1);
                    out.push_str(word(r));
                    out.push_str(": ");
                    out.push_str(word(r));
                    out.push('\n');
                    if r.below(2) == 0 {
                        out.push_str(&" ".repeat(col));
                        out.push_str(word(r));
                        out.push_str(": ");
                        out.push_str(word(r));
                        out.push('\n');
                    }
                    continue;
                }
                out.push_str(word(r));
            } else {
                out.push_str(word(r));
                out.push_str([":", ": ", ":  ", " :"][r.below(4)]);
                if depth < 4 && r.below(3) == 0 {
                    out.push('\n');
                    let deeper = if r.below(4) == 0 {
                        indent
                    } else {
                        indent + 1 + r.below(3)
                    };
                    gen_block(r, deeper, depth + 1, out);
                    continue;
                }
                out.push_str(word(r));
            }
            if r.below(6) == 0 {
                out.push_str([" # c", "  #c", "#c", " ", "\t"][r.below(5)]);
            }
            out.push('\n');
        }
    }

    #[test]
    fn generated_documents_agree_with_saphyr() {
        let mut r = Rng(0x9e37_79b9_7f4a_7c15);
        let (mut taken, mut total) = (0, 0);
        // how a stream may open and go on after the first document: markers, comments,
        // further documents, valid or not
        const OPEN: &[&str] = &[
            "---\n",
            "--- # c\n",
            "# c\n---\n",
            "---\n---\n",
            "---\n# c\n---\n",
            "...\n",
            "%YAML 1.2\n---\n",
            "--- x\n",
        ];
        const CLOSE: &[&str] = &[
            "---\n",
            "...\n",
            "---\nx: y\n",
            "---\n]\n",
            "...\n---\n{\n",
            "--- # c\n- a\n",
            "# c\n---\n",
        ];
        for _ in 0..50_000 {
            let mut doc = String::new();
            if r.below(3) == 0 {
                doc.push_str(r.pick(OPEN));
            }
            let indent = r.below(2);
            gen_block(&mut r, indent, 0, &mut doc);
            if r.below(4) == 0 {
                doc.push_str(r.pick(CLOSE));
            }
            // occasionally damage a line
            if r.below(4) == 0 && !doc.is_empty() {
                let at = r.below(doc.len());
                if doc.is_char_boundary(at) {
                    let ins = r.pick(&[" ", "\n", ":", "-", "  ", "{", "'", "#"]);
                    doc.insert_str(at, ins);
                }
            }
            total += 1;
            if check(&doc) {
                taken += 1;
            }
        }
        // the generator must exercise the fast path, not only the fallback
        assert!(taken * 10 > total, "fast path took only {taken} of {total}");
    }

    /// Every YAML file in the repository (examples, fixtures, docs' configs): where the fast
    /// path takes one, it must agree with saphyr.
    #[test]
    fn repository_yaml_files_agree_with_saphyr() {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let p = e.path();
                let name = e.file_name();
                let name = name.to_string_lossy();
                if p.is_dir() && !name.starts_with('.') && name != "target" && name != "work" {
                    walk(&p, out);
                } else if name.ends_with(".yaml") || name.ends_with(".yml") {
                    out.push(p);
                }
            }
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for d in ["examples", "tests", "docs", "bench"] {
            walk(&root.join(d), &mut files);
        }
        assert!(files.len() > 20, "found only {} YAML files", files.len());
        let taken = files
            .iter()
            .filter(|f| check(&std::fs::read_to_string(f).unwrap()))
            .count();
        assert!(taken > 0);
    }
}

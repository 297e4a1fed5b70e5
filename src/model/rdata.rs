//! DNS presentation format (RDATA text) → typed values: the inverse of `Value::to_rdata()`.
//!
//! Follows octoDNS 1.22's `from_rdata_text` for every core type, with the value constructors'
//! normalisation applied (names IDNA-encoded and lowercased, hex fields lowercased, NAPTR flags
//! and LOC directions uppercased, addresses normalised), so a parsed value compares equal to
//! the same value read from YAML. Where octoDNS splits on single spaces this tokenizes like a
//! master file instead (quoted strings with `\"`, `\\` and `\DDD` escapes, runs of whitespace,
//! parentheses and comments), which accepts everything octoDNS accepts and more:
//!
//! - TXT/SPF: quoted (or single unquoted) character-strings are unescaped and concatenated,
//!   `;` becomes the internal `\;`; wholly unquoted input with several tokens or an unquoted
//!   `;` is legacy raw text, kept as given with `;` escaped (`_ChunkedValue.from_rdata_text`).
//! - SSHFP/TLSA/DS: the hex data may be split over several tokens (as dnspython prints long
//!   TLSA data), and is concatenated.
//! - LOC: the `m` suffixes are optional, and so are minutes, seconds, size and precisions
//!   (RFC 1876 defaults: size 1m, horizontal 10000m, vertical 10m).
//! - SVCB/HTTPS: `key=value`, `key="value"` and bare keys (`no-default-alpn`); `alpn`,
//!   `ipv4hint`, `ipv6hint` and `mandatory` are comma lists.
//!
//! Names are kept as given (relative names stay relative; absolute ones keep their dot): the
//! caller that knows an origin (the zone-file reader) makes them absolute. Nothing here panics.

use serde_json::Value as J;

use super::build::normalize_ip;
use super::name::idna_encode;
use super::rtype::RecordType;
use super::value::*;

/// RDATA text that could not be read as a value of its type.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid {rtype} RDATA {}: {reason}", shown(.text))]
pub struct RdataError {
    pub rtype: String,
    pub text: String,
    /// What is wrong with it (part of the message, so not a `source`).
    pub reason: Reason,
}

/// Why RDATA text could not be read: one variant per kind of fault, naming the field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Reason {
    /// The master-file lexer refused the text (escapes, quotes, parentheses).
    #[error("{0}")]
    Lex(LexFault),
    /// A token's content (escapes resolved) is not UTF-8.
    #[error("{raw} is not valid UTF-8")]
    NotUtf8 { raw: String },
    /// The concatenated TXT/SPF character-strings are not UTF-8.
    #[error("the text is not valid UTF-8")]
    TextNotUtf8,
    #[error("expected {expected} field{} ({fields}), found {found}", if *.expected == 1 { "" } else { "s" })]
    FieldCount {
        expected: usize,
        fields: &'static str,
        found: usize,
    },
    #[error("missing {field}")]
    Missing { field: String },
    #[error("{field} {value:?} is not an integer")]
    NotInteger { field: String, value: String },
    #[error("{field} {value:?} is not a number")]
    NotNumber { field: String, value: String },
    #[error("{field} is empty")]
    Empty { field: String },
    #[error("{value:?} is not an IPv{version} address")]
    NotAddress { value: String, version: u8 },
    /// CAA: the value after the tag is several tokens, some quoted.
    #[error("the value must be one character-string")]
    CaaValue,
    /// OPENPGPKEY with no key data.
    #[error("empty key")]
    EmptyKey,
    #[error("no character-strings")]
    NoStrings,
    #[error("character-string of {octets} octets is longer than 255")]
    LongString { octets: usize },
    /// LOC: a coordinate without its direction where one was due.
    #[error("expected {what} direction ({}), found {found:?}", .dirs.join("/"))]
    LocDirection {
        what: &'static str,
        dirs: [&'static str; 2],
        found: String,
    },
    #[error("unexpected extra field {raw:?}")]
    ExtraField { raw: String },
    #[error("SvcParam {param:?} has no key")]
    SvcParamNoKey { param: String },
    #[error("{key} is specified twice")]
    SvcParamTwice { key: String },
}

/// The text for messages: quoted, at most 120 characters.
fn shown(text: &str) -> String {
    const MAX: usize = 120;
    if text.chars().count() <= MAX {
        format!("{text:?}")
    } else {
        let cut: String = text.chars().take(MAX).collect();
        format!("{cut:?}…")
    }
}

/// Parse one value of type `rtype` from its presentation format.
pub fn parse(rtype: &RecordType, text: &str) -> Result<Value, RdataError> {
    parse_inner(rtype, text).map_err(|reason| RdataError {
        rtype: rtype.as_str().to_string(),
        text: text.to_string(),
        reason,
    })
}

// ---------------------------------------------------------------------------------------------
// Master-file lexer (shared with the zone-file reader)
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TokKind {
    /// An unquoted token (dnspython's "identifier").
    Word,
    /// A `"…"` character-string.
    Quoted,
}

#[derive(Clone, Debug)]
pub(crate) struct Token {
    pub kind: TokKind,
    /// The source text (a quoted token with its quotes, escapes as written).
    pub raw: String,
    /// The content with escapes resolved.
    pub bytes: Vec<u8>,
    /// Follows the previous token of its entry with no whitespace between (`key="v"`).
    pub glued: bool,
    /// 1-based line the token starts on.
    pub line: usize,
}

impl Token {
    /// The unescaped content as UTF-8.
    pub fn string(&self) -> Result<String, Reason> {
        String::from_utf8(self.bytes.clone()).map_err(|_| Reason::NotUtf8 {
            raw: self.raw.clone(),
        })
    }
}

/// One logical entry: a line, or several joined by parentheses.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub tokens: Vec<Token>,
    /// The entry's first line starts with whitespace (the owner is inherited).
    pub leading_ws: bool,
    /// An unquoted `;` comment was dropped.
    pub comment: bool,
}

/// A lexer fault at a (1-based) line of the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LexError {
    pub line: usize,
    pub fault: LexFault,
}

/// What the master-file lexer refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LexFault {
    #[error("backslash at end of input")]
    BackslashAtEnd,
    #[error("escape \\{0} is above 255")]
    EscapeAbove255(u32),
    #[error("bad escape: a backslash followed by a digit needs three digits (\\DDD)")]
    ShortEscape,
    #[error("'(' is never closed")]
    UnclosedParen,
    #[error("')' without a matching '('")]
    UnmatchedParen,
    #[error("unterminated quoted string")]
    UnterminatedQuote,
    #[error("newline in quoted string")]
    NewlineInQuote,
}

/// Splits master-file text into entries and tokens, as dnspython's tokenizer does: the
/// delimiters are whitespace, `;` (comment to end of line), `(`, `)` and `"`; a backslash
/// escapes the next character, `\DDD` is one octet in decimal.
pub(crate) struct Lexer<'a> {
    src: &'a [u8],
    pos: usize,
    line: usize,
}

fn is_delim(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n' | b';' | b'(' | b')' | b'"')
}

impl<'a> Lexer<'a> {
    pub fn new(text: &'a str) -> Self {
        Lexer {
            src: text.as_bytes(),
            pos: 0,
            line: 1,
        }
    }

    fn err<T>(&self, line: usize, fault: LexFault) -> Result<T, LexError> {
        Err(LexError { line, fault })
    }

    /// Read an escape at `self.pos` (just after the backslash) into `out`.
    fn escape(&mut self, out: &mut Vec<u8>) -> Result<(), LexError> {
        let Some(&c) = self.src.get(self.pos) else {
            return self.err(self.line, LexFault::BackslashAtEnd);
        };
        if c.is_ascii_digit() {
            let digits = self.src.get(self.pos..self.pos + 3);
            match digits {
                Some(d) if d.iter().all(u8::is_ascii_digit) => {
                    let v = d
                        .iter()
                        .fold(0u32, |acc, &b| acc * 10 + u32::from(b - b'0'));
                    if v > 255 {
                        return self.err(self.line, LexFault::EscapeAbove255(v));
                    }
                    out.push(v as u8);
                    self.pos += 3;
                    Ok(())
                }
                _ => self.err(self.line, LexFault::ShortEscape),
            }
        } else {
            if c == b'\n' {
                self.line += 1;
            }
            out.push(c);
            self.pos += 1;
            Ok(())
        }
    }

    fn raw(&self, start: usize) -> String {
        String::from_utf8_lossy(&self.src[start..self.pos]).into_owned()
    }

    /// The next entry; `None` at the end of the input.
    pub fn next_entry(&mut self) -> Result<Option<Entry>, LexError> {
        if self.pos >= self.src.len() {
            return Ok(None);
        }
        let mut entry = Entry {
            tokens: Vec::new(),
            leading_ws: matches!(self.src[self.pos], b' ' | b'\t'),
            comment: false,
        };
        let mut depth = 0usize;
        let mut open_line = 0;
        let mut sep = true;
        loop {
            let Some(&c) = self.src.get(self.pos) else {
                if depth > 0 {
                    return self.err(open_line, LexFault::UnclosedParen);
                }
                break;
            };
            match c {
                b' ' | b'\t' | b'\r' => {
                    self.pos += 1;
                    sep = true;
                }
                b'\n' => {
                    self.pos += 1;
                    self.line += 1;
                    if depth == 0 {
                        break;
                    }
                    sep = true;
                }
                b';' => {
                    entry.comment = true;
                    while self.pos < self.src.len() && self.src[self.pos] != b'\n' {
                        self.pos += 1;
                    }
                }
                b'(' => {
                    if depth == 0 {
                        open_line = self.line;
                    }
                    depth += 1;
                    self.pos += 1;
                    sep = true;
                }
                b')' => {
                    if depth == 0 {
                        return self.err(self.line, LexFault::UnmatchedParen);
                    }
                    depth -= 1;
                    self.pos += 1;
                    sep = true;
                }
                b'"' => {
                    let start = self.pos;
                    let line = self.line;
                    self.pos += 1;
                    let mut bytes = Vec::new();
                    loop {
                        let Some(&q) = self.src.get(self.pos) else {
                            return self.err(line, LexFault::UnterminatedQuote);
                        };
                        match q {
                            b'"' => {
                                self.pos += 1;
                                break;
                            }
                            b'\n' => return self.err(self.line, LexFault::NewlineInQuote),
                            b'\\' => {
                                self.pos += 1;
                                self.escape(&mut bytes)?;
                            }
                            _ => {
                                bytes.push(q);
                                self.pos += 1;
                            }
                        }
                    }
                    entry.tokens.push(Token {
                        kind: TokKind::Quoted,
                        raw: self.raw(start),
                        bytes,
                        glued: !sep && !entry.tokens.is_empty(),
                        line,
                    });
                    sep = false;
                }
                _ => {
                    let start = self.pos;
                    let line = self.line;
                    let mut bytes = Vec::new();
                    while let Some(&w) = self.src.get(self.pos) {
                        if is_delim(w) {
                            break;
                        }
                        if w == b'\\' {
                            self.pos += 1;
                            self.escape(&mut bytes)?;
                        } else {
                            bytes.push(w);
                            self.pos += 1;
                        }
                    }
                    entry.tokens.push(Token {
                        kind: TokKind::Word,
                        raw: self.raw(start),
                        bytes,
                        glued: !sep && !entry.tokens.is_empty(),
                        line,
                    });
                    sep = false;
                }
            }
        }
        Ok(Some(entry))
    }
}

/// Join tokens back into RDATA text: one space between tokens, none where they were glued.
pub(crate) fn join_raw(tokens: &[Token]) -> String {
    let mut out = String::new();
    for (i, t) in tokens.iter().enumerate() {
        if i > 0 && !t.glued {
            out.push(' ');
        }
        out.push_str(&t.raw);
    }
    out
}

/// All tokens of `text` (newlines count as whitespace) and whether a comment was dropped.
fn tokenize(text: &str) -> Result<(Vec<Token>, bool), Reason> {
    let mut lx = Lexer::new(text);
    let mut tokens = Vec::new();
    let mut comment = false;
    while let Some(e) = lx.next_entry().map_err(|e| Reason::Lex(e.fault))? {
        comment |= e.comment;
        let first = tokens.is_empty();
        for (i, mut t) in e.tokens.into_iter().enumerate() {
            if i == 0 && !first {
                t.glued = false;
            }
            tokens.push(t);
        }
    }
    Ok((tokens, comment))
}

// ---------------------------------------------------------------------------------------------
// Fields
// ---------------------------------------------------------------------------------------------

fn count(toks: &[Token], n: usize, fields: &'static str) -> Result<(), Reason> {
    if toks.len() == n {
        Ok(())
    } else {
        Err(Reason::FieldCount {
            expected: n,
            fields,
            found: toks.len(),
        })
    }
}

fn missing(field: &str) -> Reason {
    Reason::Missing {
        field: field.to_string(),
    }
}

fn need<'t>(toks: &'t [Token], i: usize, field: &str) -> Result<&'t Token, Reason> {
    toks.get(i).ok_or_else(|| missing(field))
}

fn int(t: &Token, field: &str) -> Result<i64, Reason> {
    let s = t.string()?;
    s.parse::<i64>().map_err(|_| Reason::NotInteger {
        field: field.to_string(),
        value: s.clone(),
    })
}

fn float(t: &Token, field: &str, strip_m: bool) -> Result<F64, Reason> {
    let s = t.string()?;
    let n = if strip_m {
        s.strip_suffix(['m', 'M']).unwrap_or(&s)
    } else {
        &s
    };
    match n.parse::<f64>() {
        Ok(f) if f.is_finite() => Ok(F64(f)),
        _ => Err(Reason::NotNumber {
            field: field.to_string(),
            value: s.clone(),
        }),
    }
}

/// A domain name as written (a word keeps its escapes; quotes are removed), IDNA-encoded and
/// lowercased.
fn name(t: &Token, field: &str) -> Result<String, Reason> {
    let s = match t.kind {
        TokKind::Word => t.raw.clone(),
        TokKind::Quoted => t.string()?,
    };
    if s.is_empty() {
        return Err(Reason::Empty {
            field: field.to_string(),
        });
    }
    Ok(idna_encode(&s).unwrap_or_else(|_| s.to_lowercase()))
}

/// Hex data split over any number of tokens, concatenated and lowercased.
fn hex_rest(toks: &[Token], from: usize, field: &str) -> Result<String, Reason> {
    if toks.len() <= from {
        return Err(missing(field));
    }
    let mut s = String::new();
    for t in &toks[from..] {
        s.push_str(&t.string()?);
    }
    Ok(s.to_ascii_lowercase())
}

fn is_list_param(key: &str) -> bool {
    matches!(key, "alpn" | "ipv4hint" | "ipv6hint" | "mandatory")
}

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

fn parse_inner(rtype: &RecordType, text: &str) -> Result<Value, Reason> {
    if let RecordType::Other(_) = rtype {
        // provider-specific: carried as written (to_rdata prints a string value as is)
        return Ok(Value::Data(JsonOrd(J::String(text.to_string()))));
    }
    let (toks, comment) = tokenize(text)?;
    let t = |i: usize, f: &str| need(&toks, i, f);
    Ok(match rtype {
        RecordType::A | RecordType::Aaaa => {
            count(&toks, 1, "address")?;
            let s = toks[0].string()?;
            let ip = normalize_ip(rtype, &s).ok_or_else(|| Reason::NotAddress {
                value: s.clone(),
                version: if *rtype == RecordType::A { 4 } else { 6 },
            })?;
            Value::Ip(ip)
        }
        RecordType::Alias
        | RecordType::Cname
        | RecordType::Dname
        | RecordType::Ns
        | RecordType::Ptr => {
            count(&toks, 1, "target")?;
            Value::Target(name(&toks[0], "target")?)
        }
        RecordType::Txt | RecordType::Spf => Value::Text(chunked(text, &toks, comment)?),
        RecordType::Mx => {
            count(&toks, 2, "preference exchange")?;
            Value::Mx(Mx {
                preference: int(&toks[0], "preference")?,
                exchange: name(&toks[1], "exchange")?,
            })
        }
        RecordType::Srv => {
            count(&toks, 4, "priority weight port target")?;
            Value::Srv(Srv {
                priority: int(&toks[0], "priority")?,
                weight: int(&toks[1], "weight")?,
                port: int(&toks[2], "port")?,
                target: name(&toks[3], "target")?,
            })
        }
        RecordType::Uri => {
            count(&toks, 3, "priority weight target")?;
            let target = toks[2].string()?;
            Value::Uri(Uri {
                priority: int(&toks[0], "priority")?,
                weight: int(&toks[1], "weight")?,
                target: idna_encode(&target).unwrap_or(target),
            })
        }
        RecordType::Caa => {
            if toks.len() < 3 {
                return Err(Reason::FieldCount {
                    expected: 3,
                    fields: "flags tag value",
                    found: toks.len(),
                });
            }
            let rest = &toks[2..];
            let value = if rest.len() == 1 {
                rest[0].string()?
            } else if rest.iter().all(|r| r.kind == TokKind::Word) {
                // octoDNS takes everything after the tag as the value
                rest.iter()
                    .map(Token::string)
                    .collect::<Result<Vec<_>, _>>()?
                    .join(" ")
            } else {
                return Err(Reason::CaaValue);
            };
            Value::Caa(Caa {
                flags: int(&toks[0], "flags")?,
                tag: toks[1].string()?,
                value,
            })
        }
        RecordType::Sshfp => Value::Sshfp(Sshfp {
            algorithm: int(t(0, "algorithm")?, "algorithm")?,
            fingerprint_type: int(t(1, "fingerprint type")?, "fingerprint type")?,
            fingerprint: hex_rest(&toks, 2, "fingerprint")?,
        }),
        RecordType::Tlsa => Value::Tlsa(Tlsa {
            certificate_usage: int(t(0, "certificate usage")?, "certificate usage")?,
            selector: int(t(1, "selector")?, "selector")?,
            matching_type: int(t(2, "matching type")?, "matching type")?,
            certificate_association_data: hex_rest(&toks, 3, "certificate association data")?,
        }),
        RecordType::Ds => Value::Ds(Ds {
            key_tag: int(t(0, "key tag")?, "key tag")?,
            algorithm: int(t(1, "algorithm")?, "algorithm")?,
            digest_type: int(t(2, "digest type")?, "digest type")?,
            digest: hex_rest(&toks, 3, "digest")?,
        }),
        RecordType::Naptr => {
            count(
                &toks,
                6,
                "order preference flags service regexp replacement",
            )?;
            let replacement = match toks[5].kind {
                TokKind::Word => toks[5].raw.clone(),
                TokKind::Quoted => toks[5].string()?,
            };
            Value::Naptr(Naptr {
                order: int(&toks[0], "order")?,
                preference: int(&toks[1], "preference")?,
                flags: toks[2].string()?.to_ascii_uppercase(),
                service: toks[3].string()?,
                regexp: toks[4].string()?,
                replacement,
            })
        }
        RecordType::Loc => Value::Loc(Box::new(loc(&toks)?)),
        RecordType::Svcb | RecordType::Https => Value::Svcb(svcb(&toks)?),
        RecordType::Urlfwd => {
            count(&toks, 5, "path target code masking query")?;
            Value::Urlfwd(Urlfwd {
                path: toks[0].string()?,
                target: toks[1].string()?,
                code: int(&toks[2], "code")?,
                masking: int(&toks[3], "masking")?,
                query: int(&toks[4], "query")?,
            })
        }
        RecordType::Openpgpkey => {
            // base64, possibly split over several tokens (octoDNS strips the spaces); a quoted
            // form is accepted too
            let mut s = String::new();
            for t in &toks {
                s.extend(t.string()?.chars().filter(|c| !c.is_whitespace()));
            }
            if s.is_empty() {
                return Err(Reason::EmptyKey);
            }
            Value::Base64(s)
        }
        RecordType::Other(_) => Value::Data(JsonOrd(J::String(text.to_string()))),
    })
}

/// TXT/SPF: octoDNS's `_ChunkedValue.from_rdata_text`.
fn chunked(text: &str, toks: &[Token], comment: bool) -> Result<String, Reason> {
    if toks.iter().all(|t| t.kind == TokKind::Word) && (toks.len() > 1 || comment) {
        // legacy raw text: spaces and everything after an unquoted `;` are kept
        return Ok(txt_internal(text));
    }
    if toks.is_empty() {
        return Err(Reason::NoStrings);
    }
    let mut bytes = Vec::new();
    for t in toks {
        if t.bytes.len() > 255 {
            return Err(Reason::LongString {
                octets: t.bytes.len(),
            });
        }
        bytes.extend_from_slice(&t.bytes);
    }
    let s = String::from_utf8(bytes).map_err(|_| Reason::TextNotUtf8)?;
    Ok(txt_internal(&s))
}

/// LOC per RFC 1876: `d1 [m1 [s1]] N|S d2 [m2 [s2]] E|W alt[m] [siz[m] [hp[m] [vp[m]]]]`.
fn loc(toks: &[Token]) -> Result<Loc, Reason> {
    let mut i = 0;
    let mut coord =
        |dirs: [&'static str; 2], what: &'static str| -> Result<(i64, i64, F64, String), Reason> {
            let deg = int(need(toks, i, &format!("{what} degrees"))?, "degrees")?;
            i += 1;
            let mut parts: Vec<&Token> = Vec::new();
            loop {
                let tok = need(toks, i, &format!("{what} direction ({})", dirs.join("/")))?;
                i += 1;
                let s = tok.string()?.to_ascii_uppercase();
                if dirs.contains(&s.as_str()) {
                    let min = match parts.first() {
                        Some(p) => int(p, "minutes")?,
                        None => 0,
                    };
                    let sec = match parts.get(1) {
                        Some(p) => float(p, "seconds", false)?,
                        None => F64(0.0),
                    };
                    return Ok((deg, min, sec, s));
                }
                if parts.len() == 2 {
                    return Err(Reason::LocDirection {
                        what,
                        dirs,
                        found: s,
                    });
                }
                parts.push(tok);
            }
        };
    let (lat_degrees, lat_minutes, lat_seconds, lat_direction) = coord(["N", "S"], "latitude")?;
    let (long_degrees, long_minutes, long_seconds, long_direction) =
        coord(["E", "W"], "longitude")?;
    let altitude = float(need(toks, i, "altitude")?, "altitude", true)?;
    let opt = |j: usize, field: &str, default: f64| -> Result<F64, Reason> {
        match toks.get(j) {
            Some(t) => float(t, field, true),
            None => Ok(F64(default)),
        }
    };
    let size = opt(i + 1, "size", 1.0)?;
    let precision_horz = opt(i + 2, "horizontal precision", 10000.0)?;
    let precision_vert = opt(i + 3, "vertical precision", 10.0)?;
    if toks.len() > i + 4 {
        return Err(Reason::ExtraField {
            raw: toks[i + 4].raw.clone(),
        });
    }
    Ok(Loc {
        lat_degrees,
        lat_minutes,
        lat_seconds,
        lat_direction,
        long_degrees,
        long_minutes,
        long_seconds,
        long_direction,
        altitude,
        size,
        precision_horz,
        precision_vert,
    })
}

/// SVCB/HTTPS: `priority target [key[=value]]…`.
fn svcb(toks: &[Token]) -> Result<Svcb, Reason> {
    let svcpriority = int(need(toks, 0, "priority")?, "priority")?;
    let targetname = name(need(toks, 1, "target name")?, "target name")?;
    let mut svcparams = std::collections::BTreeMap::new();
    let mut i = 2;
    while i < toks.len() {
        let tok = &toks[i];
        i += 1;
        let s = tok.string()?;
        let (key, value) = match s.split_once('=') {
            None => (s.clone(), None),
            Some((k, v)) => {
                if v.is_empty()
                    && tok.kind == TokKind::Word
                    && toks
                        .get(i)
                        .is_some_and(|n| n.glued && n.kind == TokKind::Quoted)
                {
                    // key="value": the quoted part is its own token
                    let v = toks[i].string()?;
                    i += 1;
                    (k.to_string(), Some(v))
                } else {
                    (k.to_string(), Some(v.to_string()))
                }
            }
        };
        if key.is_empty() {
            return Err(Reason::SvcParamNoKey { param: s });
        }
        if svcparams.contains_key(&key) {
            return Err(Reason::SvcParamTwice { key });
        }
        let p = match value {
            None => SvcParam::None,
            Some(v) if is_list_param(&key) => {
                SvcParam::List(v.split(',').map(str::to_string).collect())
            }
            Some(v) => SvcParam::One(v),
        };
        svcparams.insert(key, p);
    }
    Ok(Svcb {
        svcpriority,
        targetname,
        svcparams,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn rt(s: &str) -> RecordType {
        RecordType::core(s).unwrap()
    }

    fn round_trip(t: &str, values: &[Value]) {
        let rtype = rt(t);
        for v in values {
            let text = v.to_rdata();
            let back = parse(&rtype, &text).unwrap_or_else(|e| panic!("{t} {text:?}: {e}"));
            assert_eq!(&back, v, "{t} {text:?}");
        }
    }

    fn txt(s: &str) -> Value {
        Value::Text(s.to_string())
    }

    #[test]
    fn addresses() {
        round_trip(
            "A",
            &[
                Value::Ip("192.0.2.1".into()),
                Value::Ip("10.0.0.255".into()),
            ],
        );
        round_trip(
            "AAAA",
            &[
                Value::Ip("2001:db8::1".into()),
                Value::Ip("::1".into()),
                Value::Ip("fe80::1:2:3:4".into()),
            ],
        );
        assert_eq!(
            parse(&rt("AAAA"), "2001:DB8:0:0:0:0:0:1").unwrap(),
            Value::Ip("2001:db8::1".into())
        );
        assert!(parse(&rt("A"), "256.1.1.1").is_err());
        assert!(parse(&rt("A"), "1.2.3.4 5.6.7.8").is_err());
        assert!(parse(&rt("AAAA"), "192.0.2.1").is_err());
        assert!(parse(&rt("A"), "").is_err());
    }

    #[test]
    fn targets() {
        for t in ["ALIAS", "CNAME", "DNAME", "NS", "PTR"] {
            round_trip(
                t,
                &[
                    Value::Target("www.example.com.".into()),
                    Value::Target("relative".into()),
                    Value::Target(".".into()),
                    Value::Target("xn--bcher-kva.example.".into()),
                ],
            );
        }
        assert_eq!(
            parse(&rt("CNAME"), "WWW.Example.COM.").unwrap(),
            Value::Target("www.example.com.".into())
        );
        assert_eq!(
            parse(&rt("CNAME"), "bücher.example.").unwrap(),
            Value::Target("xn--bcher-kva.example.".into())
        );
        assert!(parse(&rt("CNAME"), "a. b.").is_err());
        assert!(parse(&rt("NS"), "").is_err());
    }

    #[test]
    fn txt_round_trips() {
        let mut values = vec![
            txt(""),
            txt("v=spf1 -all"),
            txt("v=DKIM1\\; k=rsa\\; p=MIGf"),
            txt("say \"hi\" \\o/"),
            txt("back\\\\slash"),
            txt("tab\there and\nnewline"),
            txt("ünïcödé"),
            txt("\\;"),
            txt("a\\;b\\;"),
        ];
        for n in [255, 256, 511, 1000] {
            values.push(txt(&"a".repeat(n)));
        }
        // chunk boundaries falling inside escapes and multi-byte characters
        values.push(txt(&format!("{}\"{}", "x".repeat(254), "y".repeat(300))));
        values.push(txt(&format!("{}é{}", "x".repeat(254), "y".repeat(10))));
        values.push(txt(&format!("{}\\;{}", "x".repeat(254), "y".repeat(10))));
        round_trip("TXT", &values);
        round_trip("SPF", &values);
    }

    #[test]
    fn txt_semantics() {
        let p = |s: &str| parse(&rt("TXT"), s).unwrap();
        assert_eq!(p("\"a\" \"b\""), txt("ab"));
        assert_eq!(p("\"v=DKIM1; k=rsa\""), txt("v=DKIM1\\; k=rsa"));
        assert_eq!(p("\"\\065\\\"\\\\\""), txt("A\"\\"));
        assert_eq!(p("single"), txt("single"));
        assert_eq!(p("esc\\;aped"), txt("esc\\;aped"));
        // wholly unquoted with several tokens, or an unquoted `;`: raw text
        assert_eq!(p("v=spf1 include:x -all"), txt("v=spf1 include:x -all"));
        assert_eq!(p("v=DKIM1;k=rsa"), txt("v=DKIM1\\;k=rsa"));
        // quoted: a comment after the strings is dropped
        assert_eq!(p("\"abc\" ; note"), txt("abc"));
        assert_eq!(p("( \"a\"\n \"b\" )"), txt("ab"));
        let long = format!("\"{}\"", "a".repeat(256));
        assert!(parse(&rt("TXT"), &long).is_err());
        assert!(parse(&rt("TXT"), "").is_err());
        assert!(parse(&rt("TXT"), "\"unterminated").is_err());
        assert!(parse(&rt("TXT"), "\"\\999\"").is_err());
        assert!(parse(&rt("TXT"), "\"\\1\"").is_err());
        assert!(parse(&rt("TXT"), "\"\\255\"").is_err(), "not UTF-8");
        assert!(parse(&rt("TXT"), "\"a\\").is_err());
    }

    fn b64(s: &str) -> Value {
        Value::Base64(s.into())
    }

    #[test]
    fn openpgpkey_is_bare() {
        assert_eq!(b64("mQIN").to_rdata(), "mQIN");
    }

    #[test]
    fn openpgpkey() {
        round_trip("OPENPGPKEY", &[b64("mQINBFnVAMgBEADW"), b64("AAAA+/==")]);
        assert_eq!(
            parse(&rt("OPENPGPKEY"), "mQIN BFnV\n AMgB").unwrap(),
            b64("mQINBFnVAMgB")
        );
        assert_eq!(
            parse(&rt("OPENPGPKEY"), "( mQIN\n BFnV )").unwrap(),
            b64("mQINBFnV")
        );
        assert!(parse(&rt("OPENPGPKEY"), "  ").is_err());
    }

    #[test]
    fn mx_srv_uri() {
        let mx = |p, e: &str| {
            Value::Mx(Mx {
                preference: p,
                exchange: e.into(),
            })
        };
        round_trip(
            "MX",
            &[mx(10, "mx1.example.com."), mx(0, "."), mx(65535, "mail")],
        );
        assert_eq!(
            parse(&rt("MX"), "10   MX.Example.com.").unwrap(),
            mx(10, "mx.example.com.")
        );
        assert!(parse(&rt("MX"), "ten mx.").is_err());
        assert!(parse(&rt("MX"), "10").is_err());
        assert!(parse(&rt("MX"), "10 a. b.").is_err());

        let srv = |p, w, port, t: &str| {
            Value::Srv(Srv {
                priority: p,
                weight: w,
                port,
                target: t.into(),
            })
        };
        round_trip(
            "SRV",
            &[srv(10, 20, 5060, "sip.example.com."), srv(0, 0, 0, ".")],
        );
        assert!(parse(&rt("SRV"), "10 20 sip.example.com.").is_err());
        assert!(parse(&rt("SRV"), "10 20 x sip.example.com.").is_err());

        let uri = |p, w, t: &str| {
            Value::Uri(Uri {
                priority: p,
                weight: w,
                target: t.into(),
            })
        };
        round_trip(
            "URI",
            &[
                uri(10, 1, "ftp://ftp1.example.com/public"),
                uri(0, 0, "https://example.com/a?b=c"),
            ],
        );
        assert!(parse(&rt("URI"), "10 1").is_err());
    }

    #[test]
    fn caa() {
        let caa = |f, t: &str, v: &str| {
            Value::Caa(Caa {
                flags: f,
                tag: t.into(),
                value: v.into(),
            })
        };
        round_trip(
            "CAA",
            &[
                caa(0, "issue", "letsencrypt.org"),
                caa(128, "issue", "ca.example.net; account=230123"),
                caa(0, "iodef", "mailto:security@example.com"),
                caa(0, "issue", ""),
                caa(0, "issuewild", ";"),
                caa(0, "tag", "quote \" and \\ slash"),
                caa(0, "tag", "ünï"),
            ],
        );
        assert_eq!(
            parse(&rt("CAA"), "0 issue letsencrypt.org").unwrap(),
            caa(0, "issue", "letsencrypt.org")
        );
        assert!(parse(&rt("CAA"), "0 issue").is_err());
        assert!(parse(&rt("CAA"), "x issue \"a\"").is_err());
        assert!(parse(&rt("CAA"), "0 issue \"a\" \"b\"").is_err());
    }

    #[test]
    fn hex_types() {
        round_trip(
            "SSHFP",
            &[Value::Sshfp(Sshfp {
                algorithm: 1,
                fingerprint_type: 2,
                fingerprint: "123456789abcdef67890123456789abcdef67890123456789abcdef123456789a"
                    .into(),
            })],
        );
        round_trip(
            "TLSA",
            &[Value::Tlsa(Tlsa {
                certificate_usage: 3,
                selector: 1,
                matching_type: 1,
                certificate_association_data: "abcdef0123".into(),
            })],
        );
        round_trip(
            "DS",
            &[Value::Ds(Ds {
                key_tag: 60485,
                algorithm: 5,
                digest_type: 1,
                digest: "2bb183af5f22588179a53b0a98631fad1a292118".into(),
            })],
        );
        // split hex data is concatenated and lowercased
        assert_eq!(
            parse(
                &rt("DS"),
                "60485 5 1 ( 2BB183AF5F225881\n 79A53B0A98631FAD1A292118 )"
            )
            .unwrap(),
            Value::Ds(Ds {
                key_tag: 60485,
                algorithm: 5,
                digest_type: 1,
                digest: "2bb183af5f22588179a53b0a98631fad1a292118".into(),
            })
        );
        assert!(parse(&rt("SSHFP"), "1 2").is_err());
        assert!(parse(&rt("TLSA"), "3 1 x abcd").is_err());
        assert!(parse(&rt("DS"), "1 2 3").is_err());
    }

    #[test]
    fn naptr() {
        let n = |flags: &str, service: &str, regexp: &str, replacement: &str| {
            Value::Naptr(Naptr {
                order: 100,
                preference: 10,
                flags: flags.into(),
                service: service.into(),
                regexp: regexp.into(),
                replacement: replacement.into(),
            })
        };
        round_trip(
            "NAPTR",
            &[
                n("S", "SIP+D2U", "", "_sip._udp.example.com."),
                n("U", "E2U+sip", "!^.*$!sip:info@example.com!", "."),
                n("", "", "!^(\\+1.*)$!\\1@x!", "."),
            ],
        );
        assert_eq!(
            parse(
                &rt("NAPTR"),
                "100 10 \"s\" \"SIP+D2U\" \"\" _sip._udp.example.com."
            )
            .unwrap(),
            n("S", "SIP+D2U", "", "_sip._udp.example.com.")
        );
        assert!(parse(&rt("NAPTR"), "100 10 \"S\" \"SIP+D2U\" \"\"").is_err());
    }

    fn loc_value(alt: f64, size: f64, hp: f64, vp: f64) -> Value {
        Value::Loc(Box::new(Loc {
            lat_degrees: 31,
            lat_minutes: 58,
            lat_seconds: F64(52.1),
            lat_direction: "S".into(),
            long_degrees: 115,
            long_minutes: 49,
            long_seconds: F64(11.7),
            long_direction: "E".into(),
            altitude: F64(alt),
            size: F64(size),
            precision_horz: F64(hp),
            precision_vert: F64(vp),
        }))
    }

    #[test]
    fn loc_formats() {
        round_trip(
            "LOC",
            &[
                loc_value(20.0, 10.0, 10.0, 2.0),
                loc_value(-10.5, 1.0, 10000.0, 10.0),
                loc_value(0.0, 0.0, 0.0, 0.0),
                loc_value(1e-5, 9e9, 42949672.95, 0.01),
            ],
        );
        // octoDNS's own form, without the m suffixes
        assert_eq!(
            parse(&rt("LOC"), "31 58 52.1 S 115 49 11.7 E 20 10 10 2").unwrap(),
            loc_value(20.0, 10.0, 10.0, 2.0)
        );
        // RFC 1876 defaults
        assert_eq!(
            parse(&rt("LOC"), "31 58 52.1 s 115 49 11.7 e -10.5m").unwrap(),
            loc_value(-10.5, 1.0, 10000.0, 10.0)
        );
        let short = parse(&rt("LOC"), "42 N 71 W 0m 2m").unwrap();
        let Value::Loc(l) = short else { panic!() };
        assert_eq!(
            (l.lat_degrees, l.lat_minutes, l.lat_seconds),
            (42, 0, F64(0.0))
        );
        assert_eq!((l.long_degrees, l.long_minutes), (71, 0));
        assert_eq!((l.size, l.precision_horz), (F64(2.0), F64(10000.0)));
        let mid = parse(&rt("LOC"), "42 21 N 71 6 18 W 24m").unwrap();
        let Value::Loc(l) = mid else { panic!() };
        assert_eq!((l.lat_minutes, l.lat_seconds), (21, F64(0.0)));
        assert_eq!((l.long_minutes, l.long_seconds), (6, F64(18.0)));
        for bad in [
            "",
            "42 N",
            "42 N 71 W",
            "42 1 2 3 N 71 W 0",
            "42 X 71 W 0",
            "42 N 71 W 0 1 2 3 4",
            "42 N 71 W nan",
            "42.5 N 71 W 0",
            "42 N 71 W 0mm",
        ] {
            assert!(parse(&rt("LOC"), bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn svcb() {
        let mut params = BTreeMap::new();
        params.insert(
            "alpn".to_string(),
            SvcParam::List(vec!["h2".into(), "h3".into()]),
        );
        params.insert("no-default-alpn".to_string(), SvcParam::None);
        params.insert("port".to_string(), SvcParam::One("8443".into()));
        params.insert(
            "ipv4hint".to_string(),
            SvcParam::List(vec!["192.0.2.1".into(), "192.0.2.2".into()]),
        );
        params.insert(
            "ipv6hint".to_string(),
            SvcParam::List(vec!["2001:db8::1".into()]),
        );
        params.insert("ech".to_string(), SvcParam::One("AEn+DQBFKwAgACA=".into()));
        params.insert(
            "mandatory".to_string(),
            SvcParam::List(vec!["alpn".into(), "port".into()]),
        );
        params.insert("key65333".to_string(), SvcParam::One("ex1".into()));
        let full = Value::Svcb(Svcb {
            svcpriority: 1,
            targetname: "svc.example.com.".into(),
            svcparams: params,
        });
        let alias = Value::Svcb(Svcb {
            svcpriority: 0,
            targetname: "foo.example.com.".into(),
            svcparams: BTreeMap::new(),
        });
        let dot = Value::Svcb(Svcb {
            svcpriority: 2,
            targetname: ".".into(),
            svcparams: BTreeMap::from([("alpn".to_string(), SvcParam::List(vec!["h2".into()]))]),
        });
        round_trip("SVCB", &[full.clone(), alias.clone(), dot.clone()]);
        round_trip("HTTPS", &[full, alias, dot.clone()]);
        assert_eq!(parse(&rt("HTTPS"), "2 . alpn=\"h2\"").unwrap(), dot);
        let quoted = parse(&rt("SVCB"), "1 x. alpn=\"h2,h3\" key7=\"a b\"").unwrap();
        let Value::Svcb(s) = quoted else { panic!() };
        assert_eq!(
            s.svcparams["alpn"],
            SvcParam::List(vec!["h2".into(), "h3".into()])
        );
        assert_eq!(s.svcparams["key7"], SvcParam::One("a b".into()));
        assert!(parse(&rt("SVCB"), "1 x. port=1 port=2").is_err());
        assert!(parse(&rt("SVCB"), "x svc.").is_err());
        assert!(parse(&rt("SVCB"), "1").is_err());
        assert!(parse(&rt("SVCB"), "1 x. =5").is_err());
    }

    #[test]
    fn urlfwd() {
        round_trip(
            "URLFWD",
            &[Value::Urlfwd(Urlfwd {
                path: "/".into(),
                target: "http://www.example.com".into(),
                code: 301,
                masking: 2,
                query: 0,
            })],
        );
        assert!(parse(&rt("URLFWD"), "\"/\" \"http://x\" 301 2").is_err());
    }

    #[test]
    fn provider_specific_is_carried_as_text() {
        let t = RecordType::parse("Route53Provider/ALIAS").unwrap();
        let v = parse(&t, "anything at all").unwrap();
        assert_eq!(v.to_rdata(), "anything at all");
    }

    #[test]
    fn errors_name_type_and_text() {
        let e = parse(&rt("MX"), "x y").unwrap_err();
        let m = e.to_string();
        assert!(
            m.contains("MX") && m.contains("\"x y\"") && m.contains("preference"),
            "{m}"
        );
        let long = "z ".repeat(500);
        assert!(parse(&rt("MX"), &long).unwrap_err().to_string().len() < 300);
    }

    #[test]
    fn never_panics() {
        let samples = [
            "",
            " ",
            "\"",
            "\\",
            "\\1",
            "\\12",
            "(",
            ")",
            "((",
            "))",
            ";",
            "\"\\",
            "é",
            "\u{0}",
            "1 2 3 4 5 6 7 8 9 10 11 12 13",
            "= = =",
            "1 . =",
            "1 . a==b",
            "\n\n",
            "\"\n\"",
            "0 \"",
            "65536 x.",
            "-1 -1 -1 -1",
            "99999999999999999999 a.",
        ];
        for t in RecordType::CORE {
            for s in samples {
                let _ = parse(t, s);
            }
        }
    }

    /// A caller can match what went wrong; the messages are the ones users read.
    #[test]
    fn errors_are_typed_and_keep_their_text() {
        let cases: &[(&str, &str, Reason, &str)] = &[
            (
                "MX",
                "ten mx.",
                Reason::NotInteger {
                    field: "preference".into(),
                    value: "ten".into(),
                },
                "invalid MX RDATA \"ten mx.\": preference \"ten\" is not an integer",
            ),
            (
                "SRV",
                "10 20 sip.",
                Reason::FieldCount {
                    expected: 4,
                    fields: "priority weight port target",
                    found: 3,
                },
                "invalid SRV RDATA \"10 20 sip.\": expected 4 fields (priority weight port target), found 3",
            ),
            (
                "A",
                "1.2.3",
                Reason::NotAddress {
                    value: "1.2.3".into(),
                    version: 4,
                },
                "invalid A RDATA \"1.2.3\": \"1.2.3\" is not an IPv4 address",
            ),
            (
                "TXT",
                "\"\\300\"",
                Reason::Lex(LexFault::EscapeAbove255(300)),
                "invalid TXT RDATA \"\\\"\\\\300\\\"\": escape \\300 is above 255",
            ),
            (
                "TXT",
                "\"\\1\"",
                Reason::Lex(LexFault::ShortEscape),
                "invalid TXT RDATA \"\\\"\\\\1\\\"\": bad escape: a backslash followed by a digit needs three digits (\\DDD)",
            ),
            (
                "LOC",
                "1 2 3 4 E 5 6 7 W 0m",
                Reason::LocDirection {
                    what: "latitude",
                    dirs: ["N", "S"],
                    found: "4".into(),
                },
                "invalid LOC RDATA \"1 2 3 4 E 5 6 7 W 0m\": expected latitude direction (N/S), found \"4\"",
            ),
            (
                "SVCB",
                "1 . alpn=h2 alpn=h3",
                Reason::SvcParamTwice { key: "alpn".into() },
                "invalid SVCB RDATA \"1 . alpn=h2 alpn=h3\": alpn is specified twice",
            ),
            (
                "CNAME",
                "\"\"",
                Reason::Empty {
                    field: "target".into(),
                },
                "invalid CNAME RDATA \"\\\"\\\"\": target is empty",
            ),
            (
                "DS",
                "1 2 3",
                Reason::Missing {
                    field: "digest".into(),
                },
                "invalid DS RDATA \"1 2 3\": missing digest",
            ),
        ];
        for (t, text, reason, shown) in cases {
            let e = parse(&rt(t), text).unwrap_err();
            assert_eq!(&e.reason, reason, "{t} {text:?}");
            assert_eq!(e.rtype, *t);
            assert_eq!(e.to_string(), *shown);
        }
    }
}

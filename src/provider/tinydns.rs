//! tinydns data files: octoDNS's `TinyDnsFileSource` (`octodns.source.tinydns`), a read-only
//! source.
//!
//! Every file in `directory` (hidden ones skipped, in name order) is read as tinydns-data
//! lines (<https://cr.yp.to/djbdns/tinydns-data.html>, with the usual IPv6 extensions):
//!
//! | line | makes |
//! | --- | --- |
//! | `+fqdn:ip:ttl` | A (`0.0.0.0` skipped) |
//! | `=fqdn:ip:ttl` | A, or in a reverse zone the PTR for `ip` |
//! | `^fqdn:p:ttl` | PTR (reverse zones) |
//! | `3fqdn:ip:ttl`, `6fqdn:ip:ttl` | AAAA (32 hex digits), `6` also the PTR in a reverse zone |
//! | `.fqdn:ip:x:ttl`, `&fqdn:ip:x:ttl` | NS `x` (`x.ns.<zone>` when `x` has no dot), and an A for it when `ip` is given |
//! | `@fqdn:ip:x:dist:ttl` | MX `x` (`x.mx.<zone>` when `x` has no dot), distance default 0, and an A when `ip` is given |
//! | `Cfqdn:p:ttl` | CNAME |
//! | `'fqdn:s:ttl` | TXT, octal (and Python) escapes decoded |
//! | `Sfqdn:ip:x:port:priority:weight:ttl` | SRV (`x.srv.<zone>` when `x` has no dot), and an A when `ip` is given |
//! | `:fqdn:n:rdata:ttl` | any type: `n` a type name with presentation-format rdata (octoDNS's reading), or a type number with tinydns's octal-escaped wire rdata |
//! | `Z…`, `%…`, `-…`, `#…` | nothing (SOA, locations, disabled lines, comments) |
//!
//! As octoDNS: fields are split on `:` and trimmed, a `#` ends the line, lines of one name and
//! type merge into one record whose TTL is the first given that is not `default_ttl`, and
//! names outside the zone are left out. Beyond octoDNS: octal escapes in names are decoded, a
//! numbered `:` line is read (octoDNS skips those), and an empty TTL field is the default
//! (octoDNS stops with an error). Writing is refused: this is a source.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;

use super::{ApplyReport, BoxFut, Provider, ProviderError};
use crate::config::ProviderConfig;
use crate::config::fields::Whole;
use crate::model::value::txt_internal;
use crate::model::{Capabilities, RecordSet, RecordType, Value, Zone, rdata};
use crate::plan::ZonePlan;
use crate::yaml::Pos;
use crate::yaml::de::Error;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    directory: Option<String>,
    default_ttl: Option<Whole>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TinyDnsSettings {
    pub directory: PathBuf,
    pub default_ttl: u32,
}

impl TinyDnsSettings {
    pub fn from_config(p: &ProviderConfig) -> Result<TinyDnsSettings, Error> {
        let raw: Raw = p.parse_settings()?;
        let directory = raw
            .directory
            .filter(|d| !d.trim().is_empty())
            .ok_or_else(|| {
                p.invalid(
                    "directory",
                    format!(
                        "Incorrect provider config for {}: missing `directory`",
                        p.id
                    ),
                )
            })?;
        let default_ttl = match raw.default_ttl {
            None => 3600,
            Some(Whole(n)) => u32::try_from(n).map_err(|_| {
                p.invalid("default_ttl", "`default_ttl` must be from 0 to 4294967295")
            })?,
        };
        Ok(TinyDnsSettings {
            directory: PathBuf::from(directory),
            default_ttl,
        })
    }
}

/// One data line: its fields, and where it is.
#[derive(Clone, Debug)]
struct Line {
    fields: Vec<String>,
    pos: Pos,
}

impl Line {
    fn get(&self, i: usize) -> Option<&str> {
        self.fields.get(i).map(String::as_str)
    }
}

/// A tinydns data file that cannot be read, at its file:line.
#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct DataError {
    pub file: String,
    pub line: u32,
    pub message: String,
}

fn err(pos: &Pos, message: impl Into<String>) -> DataError {
    DataError {
        file: pos.file.to_string(),
        line: pos.line,
        message: message.into(),
    }
}

/// tinydns's `\NNN` octal escapes as bytes (a `\` before anything else is kept).
fn octal_bytes(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && i + 3 < b.len()
            && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c))
        {
            let v = (b[i + 1] - b'0') as u32 * 64
                + (b[i + 2] - b'0') as u32 * 8
                + (b[i + 3] - b'0') as u32;
            out.push((v & 0xff) as u8);
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

/// Python's `s.encode('latin1').decode('unicode-escape')`, which octoDNS applies to TXT
/// data: `\NNN` octal, `\xHH`, `\uXXXX`, `\UXXXXXXXX`, `\n` `\t` `\r` `\a` `\b` `\f` `\v`
/// `\\` `\'` `\"`, a backslash before a newline dropped, any other kept as written. Bytes
/// stand for themselves (latin-1).
pub fn unicode_escape(s: &str) -> Result<String, String> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let hex = |from: usize, n: usize| -> Result<char, String> {
        let digits: String = chars
            .get(from..from + n)
            .ok_or("truncated \\x, \\u or \\U escape")?
            .iter()
            .collect();
        u32::from_str_radix(&digits, 16)
            .ok()
            .and_then(char::from_u32)
            .ok_or_else(|| format!("bad escape \\{digits}"))
    };
    while i < chars.len() {
        let c = chars[i];
        if c != '\\' || i + 1 == chars.len() {
            if c == '\\' {
                return Err("a `\\` at the end of the text".into());
            }
            out.push(c);
            i += 1;
            continue;
        }
        let n = chars[i + 1];
        i += 2;
        match n {
            '0'..='7' => {
                let mut v = n.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match chars.get(i).and_then(|c| c.to_digit(8)) {
                        Some(d) => {
                            v = v * 8 + d;
                            i += 1;
                        }
                        None => break,
                    }
                }
                out.push(char::from_u32(v).unwrap_or('\u{fffd}'));
            }
            'x' => {
                out.push(hex(i, 2)?);
                i += 2;
            }
            'u' => {
                out.push(hex(i, 4)?);
                i += 4;
            }
            'U' => {
                out.push(hex(i, 8)?);
                i += 8;
            }
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'a' => out.push('\u{7}'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'v' => out.push('\u{b}'),
            '\\' => out.push('\\'),
            '\'' => out.push('\''),
            '"' => out.push('"'),
            '\n' => {}
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    Ok(out)
}

/// A name as written in the data (octal escapes decoded), lowercase, with its final dot.
fn fqdn(raw: &str) -> String {
    let s = String::from_utf8_lossy(&octal_bytes(raw)).to_ascii_lowercase();
    if s.ends_with('.') { s } else { format!("{s}.") }
}

/// Python's `ip_address(a).reverse_pointer` (no final dot).
fn reverse_pointer(ip: &IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            format!("{}.{}.{}.{}.in-addr.arpa", o[3], o[2], o[1], o[0])
        }
        IpAddr::V6(v6) => {
            let hex: String = v6.octets().iter().map(|b| format!("{b:02x}")).collect();
            let mut nibbles: Vec<String> = hex.chars().rev().map(|c| c.to_string()).collect();
            nibbles.push("ip6.arpa".into());
            nibbles.join(".")
        }
    }
}

/// 32 hex digits (tinydns's AAAA form) with a colon every four, as octoDNS makes them.
fn colons(hex: &str) -> String {
    hex.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).to_string())
        .collect::<Vec<_>>()
        .join(":")
}

/// One record being collected: its values, the first TTL that is not the default, and where
/// its first line is.
type Collecting = (Vec<Value>, Option<u32>, Pos);

/// The records read so far, by (name, type).
#[derive(Default)]
struct Collected {
    sets: BTreeMap<(String, RecordType), Collecting>,
}

/// Data lines by symbol, then by name as written.
type Groups = Vec<(char, Vec<(String, Vec<Line>)>)>;

pub struct Reader<'a> {
    zone: &'a str,
    default_ttl: u32,
    arpa: bool,
}

impl<'a> Reader<'a> {
    pub fn new(zone: &'a str, default_ttl: u32) -> Self {
        Reader {
            zone,
            default_ttl,
            arpa: zone.ends_with("in-addr.arpa.") || zone.ends_with("ip6.arpa."),
        }
    }

    /// Is the fully qualified `name` in this zone?
    fn owns(&self, name: &str) -> Option<String> {
        if name == self.zone {
            return Some(String::new());
        }
        name.strip_suffix(self.zone)
            .and_then(|h| h.strip_suffix('.'))
            .filter(|h| !h.is_empty())
            .map(str::to_string)
    }

    /// The TTL of a group of lines: the first line that has the field (octoDNS's `_ttl_for`);
    /// an empty field counts as none.
    fn ttl(&self, lines: &[&Line], i: usize) -> Result<u32, DataError> {
        for l in lines {
            match l.get(i) {
                Some("") | None => continue,
                Some(t) => {
                    return t
                        .parse()
                        .map_err(|_| err(&l.pos, format!("the TTL {t:?} is not a number")));
                }
            }
        }
        Ok(self.default_ttl)
    }

    fn add(
        &self,
        out: &mut Collected,
        name: &str,
        t: RecordType,
        ttl: u32,
        values: Vec<Value>,
        pos: &Pos,
    ) {
        let Some(rel) = self.owns(name) else { return };
        let e = out
            .sets
            .entry((rel, t))
            .or_insert_with(|| (Vec::new(), None, pos.clone()));
        e.0.extend(values);
        if ttl != self.default_ttl && e.1.is_none() {
            e.1 = Some(ttl);
        }
    }

    fn parse(t: &RecordType, text: &str, pos: &Pos) -> Result<Value, DataError> {
        rdata::parse(t, text).map_err(|e| err(pos, e.to_string()))
    }

    /// A host field (`x`): as written when it has a dot, else `x.<kind>.<zone>`.
    fn host(&self, x: &str, kind: &str) -> String {
        if x.contains('.') {
            fqdn(x)
        } else {
            format!("{}.{kind}.{}", x.to_ascii_lowercase(), self.zone)
        }
    }

    /// The records of one symbol's lines for one name.
    fn records(
        &self,
        out: &mut Collected,
        sym: char,
        name: &str,
        lines: &[&Line],
    ) -> Result<(), DataError> {
        let pos = &lines[0].pos;
        let field = |l: &Line, i: usize| l.get(i).unwrap_or("").to_string();
        let ptr_of = |out: &mut Collected, this: &Self, lines: &[&Line]| -> Result<(), DataError> {
            let ttl = this.ttl(lines, 2)?;
            for l in lines {
                let (ptr_name, value) = if l.fields[0].ends_with("in-addr.arpa")
                    || l.fields[0].ends_with("ip6.arpa.")
                {
                    (fqdn(&l.fields[0]), fqdn(&field(l, 1)))
                } else {
                    let mut addr = field(l, 1);
                    if !addr.contains('.') {
                        addr = colons(&addr);
                    }
                    let ip: IpAddr = addr
                        .parse()
                        .map_err(|_| err(&l.pos, format!("{addr:?} is not an address")))?;
                    (format!("{}.", reverse_pointer(&ip)), fqdn(&l.fields[0]))
                };
                this.add(
                    out,
                    &ptr_name,
                    RecordType::Ptr,
                    ttl,
                    vec![Value::Target(value)],
                    &l.pos,
                );
            }
            Ok(())
        };
        match sym {
            '^' if self.arpa => ptr_of(out, self, lines)?,
            '=' | '6' if self.arpa => ptr_of(out, self, lines)?,
            '+' | '=' if !self.arpa => {
                let ttl = self.ttl(lines, 2)?;
                let mut vals = Vec::new();
                for l in lines.iter().filter(|l| field(l, 1) != "0.0.0.0") {
                    vals.push(Self::parse(&RecordType::A, &field(l, 1), &l.pos)?);
                }
                if !vals.is_empty() {
                    self.add(out, name, RecordType::A, ttl, vals, pos);
                }
            }
            '3' | '6' if !self.arpa => {
                let ttl = self.ttl(lines, 2)?;
                let mut vals = Vec::new();
                for l in lines {
                    let ip: Ipv6Addr = colons(&field(l, 1)).parse().map_err(|_| {
                        err(
                            &l.pos,
                            format!("{:?} is not 32 hex digits of an IPv6 address", field(l, 1)),
                        )
                    })?;
                    vals.push(Value::Ip(ip.to_string()));
                }
                self.add(out, name, RecordType::Aaaa, ttl, vals, pos);
            }
            '.' | '&' if !self.arpa => {
                let ttl = self.ttl(lines, 3)?;
                let mut vals = Vec::new();
                for l in lines {
                    let ns = self.host(&field(l, 2), "ns");
                    let ip = field(l, 1);
                    if !ip.is_empty() {
                        let a = Self::parse(&RecordType::A, &ip, &l.pos)?;
                        self.add(out, &ns, RecordType::A, ttl, vec![a], &l.pos);
                    }
                    vals.push(Value::Target(ns));
                }
                self.add(out, name, RecordType::Ns, ttl, vals, pos);
            }
            '@' if !self.arpa => {
                let ttl = self.ttl(lines, 4)?;
                let mut vals = Vec::new();
                for l in lines {
                    let mx = self.host(&field(l, 2), "mx");
                    let ip = field(l, 1);
                    if !ip.is_empty() {
                        let a = Self::parse(&RecordType::A, &ip, &l.pos)?;
                        self.add(out, &mx, RecordType::A, ttl, vec![a], &l.pos);
                    }
                    let dist = match field(l, 3).as_str() {
                        "" => "0".to_string(),
                        d => d.to_string(),
                    };
                    vals.push(Self::parse(
                        &RecordType::Mx,
                        &format!("{dist} {mx}"),
                        &l.pos,
                    )?);
                }
                self.add(out, name, RecordType::Mx, ttl, vals, pos);
            }
            'C' if !self.arpa => {
                let ttl = self.ttl(lines, 2)?;
                let v = fqdn(&field(lines[0], 1));
                self.add(
                    out,
                    name,
                    RecordType::Cname,
                    ttl,
                    vec![Value::Target(v)],
                    pos,
                );
            }
            '\'' if !self.arpa => {
                let ttl = self.ttl(lines, 2)?;
                let mut vals = Vec::new();
                for l in lines {
                    let text = unicode_escape(&field(l, 1)).map_err(|e| err(&l.pos, e))?;
                    vals.push(Value::Text(txt_internal(&text)));
                }
                self.add(out, name, RecordType::Txt, ttl, vals, pos);
            }
            'S' if !self.arpa => {
                let ttl = self.ttl(lines, 6)?;
                let mut vals = Vec::new();
                for l in lines {
                    let target = self.host(&field(l, 2), "srv");
                    let ip = field(l, 1);
                    if !ip.is_empty() {
                        let a = Self::parse(&RecordType::A, &ip, &l.pos)?;
                        self.add(out, &target, RecordType::A, ttl, vec![a], &l.pos);
                    }
                    let num = |i: usize, what: &str, required: bool| -> Result<String, DataError> {
                        match field(l, i).as_str() {
                            "" if required => {
                                Err(err(&l.pos, format!("the SRV {what} is missing")))
                            }
                            "" => Ok("0".into()),
                            n => Ok(n.to_string()),
                        }
                    };
                    let text = format!(
                        "{} {} {} {target}",
                        num(4, "priority", false)?,
                        num(5, "weight", false)?,
                        num(3, "port", true)?
                    );
                    vals.push(Self::parse(&RecordType::Srv, &text, &l.pos)?);
                }
                self.add(out, name, RecordType::Srv, ttl, vals, pos);
            }
            ':' if !self.arpa => {
                let mut by_type: BTreeMap<String, Vec<&Line>> = BTreeMap::new();
                for l in lines {
                    by_type
                        .entry(field(l, 1).to_ascii_uppercase())
                        .or_default()
                        .push(l);
                }
                for (ty, ls) in by_type {
                    let ttl = self.ttl(&ls, 3)?;
                    let (t, numbered) = match ty.parse::<u16>() {
                        Ok(code) => match super::rfc2136::codec::core_type(code) {
                            Some(t) => (t, true),
                            None => {
                                tracing::debug!(
                                    zone = self.zone,
                                    "tinydns: type {code} is not one dnsplan holds: skipped"
                                );
                                continue;
                            }
                        },
                        Err(_) => match RecordType::core(&ty) {
                            Some(t) => (t, false),
                            None => {
                                tracing::info!(
                                    zone = self.zone,
                                    "tinydns: unrecognized type {ty}: skipped"
                                );
                                continue;
                            }
                        },
                    };
                    let mut vals = Vec::new();
                    for l in &ls {
                        let raw = field(l, 2);
                        let v = if numbered {
                            let code = ty.parse::<u16>().unwrap_or_default();
                            let text = super::rfc2136::codec::to_text(code, &octal_bytes(&raw))
                                .map_err(|e| err(&l.pos, format!("type {code} rdata: {e}")))?;
                            Self::parse(&t, &text, &l.pos)?
                        } else if matches!(t, RecordType::Txt | RecordType::Spf) {
                            // raw text, as octoDNS's `normalize_raw_text`
                            Value::Text(txt_internal(&raw))
                        } else {
                            Self::parse(&t, &raw, &l.pos)?
                        };
                        vals.push(v);
                    }
                    self.add(out, name, t, ttl, vals, &ls[0].pos);
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// The zone from data lines (each `(text, position)`).
    pub fn read(&self, lines: &[(String, Pos)]) -> Result<Zone, DataError> {
        // by symbol, then by name as written, each in first-seen order (octoDNS's dicts)
        let mut groups: Groups = Vec::new();
        for (text, pos) in lines {
            let mut chars = text.chars();
            let Some(sym) = chars.next() else { continue };
            let rest = chars.as_str().split('#').next().unwrap_or("");
            let fields: Vec<String> = rest.split(':').map(|f| f.trim().to_string()).collect();
            let name = fields[0].clone();
            let line = Line {
                fields,
                pos: pos.clone(),
            };
            let by_name = match groups.iter().position(|(s, _)| *s == sym) {
                Some(i) => &mut groups[i].1,
                None => {
                    groups.push((sym, Vec::new()));
                    &mut groups.last_mut().expect("just pushed").1
                }
            };
            match by_name.iter_mut().find(|(n, _)| *n == name) {
                Some((_, ls)) => ls.push(line),
                None => by_name.push((name, vec![line])),
            }
        }
        let mut out = Collected::default();
        for (sym, by_name) in &groups {
            for (name, ls) in by_name {
                let refs: Vec<&Line> = ls.iter().collect();
                self.records(&mut out, *sym, &fqdn(name), &refs)?;
            }
        }
        let mut z = Zone::new(self.zone);
        for ((rel, t), (values, ttl, pos)) in out.sets {
            let mut rs = RecordSet::new(rel, t, ttl.unwrap_or(self.default_ttl), values);
            rs.pos = pos;
            z.insert(rs);
        }
        Ok(z)
    }
}

#[derive(Clone)]
pub struct TinyDnsProvider {
    id: String,
    settings: TinyDnsSettings,
    caps: Capabilities,
}

impl TinyDnsProvider {
    pub fn new(cfg: &ProviderConfig) -> Result<Self, ProviderError> {
        let settings = TinyDnsSettings::from_config(cfg).map_err(|e| ProviderError::Config {
            provider: cfg.id.clone(),
            message: e.to_string(),
        })?;
        Ok(Self::with_settings(&cfg.id, settings))
    }

    pub fn with_settings(id: &str, settings: TinyDnsSettings) -> Self {
        TinyDnsProvider {
            id: id.to_string(),
            settings,
            caps: Capabilities {
                dynamic: false,
                geo: false,
                dynamic_subnets: false,
                pool_value_status: false,
                healthchecks: false,
                ..Capabilities::everything()
            },
        }
    }

    /// Every line of every (non-hidden) file of the directory, in file-name order.
    fn lines(&self) -> Result<Vec<(String, Pos)>, String> {
        let dir = &self.settings.directory;
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
            .flatten()
            .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .map(|e| e.path())
            .collect();
        files.sort();
        let mut out = Vec::new();
        for f in files {
            out.extend(read_lines(&f)?);
        }
        Ok(out)
    }

    fn read(&self, zone: &str) -> Result<Option<Zone>, ProviderError> {
        super::check_zone(&self.id, zone)?;
        let lines = self
            .lines()
            .map_err(|m| ProviderError::failed(&self.id, zone, m))?;
        let z = Reader::new(zone, self.settings.default_ttl)
            .read(&lines)
            .map_err(|e| ProviderError::File {
                provider: self.id.clone(),
                zone: zone.to_string(),
                pos: Pos::new(&Arc::from(e.file.as_str()), e.line, 1),
                message: e.message,
            })?;
        Ok(Some(z))
    }
}

/// A data file's non-empty lines with their positions (Latin-1 bytes as characters, as
/// tinydns-data files are bytes; valid UTF-8 is read as UTF-8).
fn read_lines(path: &Path) -> Result<Vec<(String, Pos)>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => e.into_bytes().iter().map(|&b| b as char).collect(),
    };
    let file: Arc<str> = Arc::from(path.display().to_string());
    Ok(text
        .split('\n')
        .enumerate()
        .filter(|(_, l)| !l.is_empty())
        .map(|(i, l)| {
            (
                l.strip_suffix('\r').unwrap_or(l).to_string(),
                Pos::new(&file, i as u32 + 1, 1),
            )
        })
        .collect())
}

impl Provider for TinyDnsProvider {
    fn id(&self) -> &str {
        &self.id
    }

    fn is_local(&self) -> bool {
        true
    }

    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    fn existing<'a>(&'a self, zone: &'a str) -> BoxFut<'a, Result<Option<Zone>, ProviderError>> {
        let this = self.clone();
        let zone = zone.to_string();
        Box::pin(super::blocking(move || this.read(&zone)))
    }

    fn apply<'a>(&'a self, plan: &'a ZonePlan) -> BoxFut<'a, Result<ApplyReport, ProviderError>> {
        Box::pin(async move {
            Err(ProviderError::failed(
                &self.id,
                &plan.zone,
                "TinyDnsFileSource is a source: it reads tinydns data and writes nothing; use it in a zone's `sources`, or `dnsplan dump` it to YAML",
            ))
        })
    }

    fn list_zones(&self) -> BoxFut<'_, Result<Vec<String>, ProviderError>> {
        Box::pin(async move {
            Err(ProviderError::failed(
                &self.id,
                "*",
                "tinydns data does not say which zones it holds (names, not zones): list the zones in the config",
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(zone: &str, data: &str) -> Zone {
        let file: Arc<str> = Arc::from("data");
        let lines: Vec<(String, Pos)> = data
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.is_empty())
            .map(|(i, l)| (l.to_string(), Pos::new(&file, i as u32 + 1, 1)))
            .collect();
        Reader::new(zone, 3600).read(&lines).unwrap()
    }

    fn shown(z: &Zone) -> Vec<String> {
        z.iter()
            .map(|r| {
                format!(
                    "{} {} {} {:?}",
                    if r.name.is_empty() { "@" } else { &r.name },
                    r.rtype.as_str(),
                    r.ttl,
                    r.rdata()
                )
            })
            .collect()
    }

    #[test]
    fn every_line_kind() {
        let z = read(
            "example.com.",
            "# a comment\n\
             Zexample.com:ns1.example.com.:hostmaster.example.com.\n\
             .example.com::ns1.example.net\n\
             &example.com:192.0.2.53:a:600\n\
             +www.example.com:192.0.2.1\n\
             +www.example.com:192.0.2.2:300\n\
             +www.example.com:0.0.0.0\n\
             =host.example.com:192.0.2.3:120 # trailing comment\n\
             @example.com:192.0.2.25:mail:10\n\
             @example.com::mx.example.net.\n\
             Calias.example.com:www.example.com\n\
             'txt.example.com:v=spf1 -all; x\\072y\\n:60\n\
             3v6.example.com:20010db8000000000000000000000001\n\
             6v6b.example.com:20010db8000000000000000000000002\n\
             S_sip._tcp.example.com::sip:5060:10:20\n\
             :caa.example.com:CAA:0 issue \"ca.example.net\"\n\
             :t16.example.com:16:\\005hello\\005world\n\
             :www.other.org:A:192.0.2.9\n\
             -disabled.example.com:192.0.2.99\n",
        );
        assert_eq!(
            shown(&z),
            [
                "@ MX 3600 [\"0 mx.example.net.\", \"10 mail.mx.example.com.\"]",
                "@ NS 600 [\"a.ns.example.com.\", \"ns1.example.net.\"]",
                "_sip._tcp SRV 3600 [\"10 20 5060 sip.srv.example.com.\"]",
                "a.ns A 600 [\"192.0.2.53\"]",
                "alias CNAME 3600 [\"www.example.com.\"]",
                "caa CAA 3600 [\"0 issue \\\"ca.example.net\\\"\"]",
                "host A 120 [\"192.0.2.3\"]",
                "mail.mx A 3600 [\"192.0.2.25\"]",
                "t16 TXT 3600 [\"\\\"helloworld\\\"\"]",
                "txt TXT 60 [\"\\\"v=spf1 -all; x:y\\\\010\\\"\"]",
                "v6 AAAA 3600 [\"2001:db8::1\"]",
                "v6b AAAA 3600 [\"2001:db8::2\"]",
                "www A 300 [\"192.0.2.1\", \"192.0.2.2\"]",
            ]
        );
    }

    #[test]
    fn reverse_zones_get_the_ptrs() {
        let z = read(
            "2.0.192.in-addr.arpa.",
            "=host.example.com:192.0.2.3\n^4.2.0.192.in-addr.arpa:other.example.com\n+www.example.com:192.0.2.1\n",
        );
        assert_eq!(
            shown(&z),
            [
                "3 PTR 3600 [\"host.example.com.\"]",
                "4 PTR 3600 [\"other.example.com.\"]"
            ]
        );
    }

    #[test]
    fn escapes_and_errors() {
        assert_eq!(
            unicode_escape("a\\072b\\x41\\u00e9\\\\\\q").unwrap(),
            "a:bAé\\\\q"
        );
        assert_eq!(octal_bytes("\\052.example.com"), b"*.example.com");
        let file: Arc<str> = Arc::from("data");
        let bad = [(
            "+www.example.com:300.1.1.1".to_string(),
            Pos::new(&file, 7, 1),
        )];
        let e = Reader::new("example.com.", 3600)
            .read(&bad)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("data:7: "), "{e}");
        let bad = [(
            "+www.example.com:192.0.2.1:soon".to_string(),
            Pos::new(&file, 2, 1),
        )];
        assert!(
            Reader::new("example.com.", 3600)
                .read(&bad)
                .unwrap_err()
                .to_string()
                .contains("TTL \"soon\"")
        );
    }
}

//! BIND master files: octodns-bind's ZoneFileSource / ZoneFileProvider.
//!
//! One file per zone, `<directory>/<zone without its final dot><file_extension>` (default
//! extension `.`, so zone `example.com.` lives in `example.com.`; a `/` in an RFC 2317 zone
//! name becomes `-`).
//!
//! Reading is a real master-file parser (RFC 1035 §5 with BIND's and dnspython's extensions):
//! `$ORIGIN`, `$TTL` (with `1h30m` units), `$INCLUDE file [origin]` (relative to the including
//! file; origin, `$TTL` and the previous owner are restored afterwards, as dnspython does), `@`,
//! relative and absolute owner names, the owner inherited when a line starts with whitespace,
//! TTL and class in either order, parentheses across lines, `;` comments and quoted strings
//! with escapes. Record data goes through `model::rdata`; names inside it are made absolute
//! against the current origin (dnspython's `relativize=False`). The SOA is not part of the
//! model, but its serial is kept so a rewrite bumps it. Types the model does not carry
//! (DNSKEY, RRSIG, HINFO, …) and names outside the zone are skipped, as octodns-bind does;
//! an unknown type mnemonic is an error, as in dnspython. An rrset whose records disagree on
//! the TTL takes the lowest (dnspython's behaviour) and a note is logged.
//!
//! Writing rewrites the whole file, deterministically: `$ORIGIN`, `$TTL`, the SOA (octodns-bind's
//! layout and settings), then one RR per line `name ttl IN TYPE rdata`, sorted by name then
//! type, names relative (`@` for the apex). What is written is read back and checked before it
//! replaces anything, and the file is replaced atomically (`provider::atomic`). The zone name is
//! checked (`model::parse_zone_name`) before any path is built from it.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{ApplyReport, BoxFut, Provider, ProviderError};
use crate::config::ProviderConfig;
use crate::config::fields::Whole;
use crate::model::rdata::{self, Entry, Lexer, TokKind, Token};
use crate::model::{
    Capabilities, NameError, RecordSet, RecordType, Value, Zone, idna_decode, idna_encode,
    join_inside, zone_file_stem,
};
use crate::plan::ZonePlan;
use crate::yaml::Pos;
use crate::yaml::de::Error;

/// How deep `$INCLUDE`s may nest (a loop stops here instead of overflowing the stack).
const MAX_INCLUDE_DEPTH: usize = 16;

/// A zone file that could not be read: the file as shown, the line where it applies, and what.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{file}: cannot read: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    /// `byte`: the offset of the first byte that is not UTF-8.
    #[error("{file}: not UTF-8 text (byte {byte})")]
    NotUtf8 { file: String, byte: usize },
    #[error("{file}:{line}: {fault}")]
    Line {
        file: String,
        line: usize,
        fault: LineFault,
    },
    #[error("{file}: {}", no_soa(zone))]
    NoSoa { file: String, zone: String },
}

fn no_soa(zone: &str) -> String {
    format!(
        "no SOA record at the zone apex {zone} (set check_origin: false to read files without one)"
    )
}

/// What is wrong with one entry (a line, or lines joined by parentheses) of a zone file.
#[derive(Debug, thiserror::Error)]
pub enum LineFault {
    #[error("{0}")]
    Lex(rdata::LexFault),
    #[error(
        "{directive} takes {} argument{}, found {found}",
        if .min == .max { .min.to_string() } else { format!("{min} or {max}") },
        if *.max == 1 { "" } else { "s" }
    )]
    Arity {
        directive: String,
        min: usize,
        max: usize,
        found: usize,
    },
    #[error("$INCLUDE nested more than {MAX_INCLUDE_DEPTH} deep (an include loop?)")]
    IncludeDepth,
    /// The included file's own error (with its path and line).
    #[error("in $INCLUDE: {0}")]
    Include(#[source] Box<ReadError>),
    #[error("$GENERATE is not supported")]
    Generate,
    #[error("unknown directive {0}")]
    UnknownDirective(String),
    #[error("no owner name: the line starts with whitespace and no record precedes it")]
    NoOwner,
    #[error("class {0} is not supported (only IN)")]
    Class(String),
    #[error("missing record type")]
    MissingType,
    #[error("expected a record type, found {0}")]
    NotAType(String),
    #[error("unknown record type {0}")]
    UnknownType(String),
    #[error("no TTL: give one on the record or set a default with $TTL")]
    NoTtl,
    #[error("bad TTL {text:?}: {why}")]
    Ttl { text: String, why: TtlFault },
    #[error("SOA needs 7 fields (mname rname serial refresh retry expire minimum), found {0}")]
    SoaFields(usize),
    #[error("SOA serial {0:?} is not a number up to 4294967295")]
    SoaSerial(String),
    /// A token that is not UTF-8 (the `$INCLUDE` file name).
    #[error("{0}")]
    Token(rdata::Reason),
    #[error("a name cannot be a quoted string: {0}")]
    QuotedName(String),
    #[error("{0} is not a name: it has an empty label (two dots in a row, or a leading dot)")]
    EmptyLabel(String),
    /// A name (an owner, or one inside record data) the writer could not put back as it is.
    #[error(
        "{0:?} is not a name: it holds a control character, a space, a quote, `;` or a \
         parenthesis"
    )]
    Unwritable(String),
    #[error("{0}")]
    Name(#[source] NameError),
    #[error("{0}")]
    Rdata(#[source] Box<rdata::RdataError>),
}

/// Why a TTL is not one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TtlFault {
    #[error("empty")]
    Empty,
    #[error("too large")]
    Overflow,
    #[error("expected digits and the units w, d, h, m, s")]
    BadChar,
    #[error("a unit needs a number before it")]
    UnitWithoutNumber,
    #[error("a number after the last unit has no unit")]
    NumberWithoutUnit,
    #[error("larger than 4294967295")]
    AboveU32,
}

/// A zone that cannot be written as a zone file.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error(
        "{name} {rtype} cannot be written to a zone file ({rtype} is not a DNS record type this \
         provider supports)"
    )]
    Unsupported { name: String, rtype: RecordType },
    #[error("{0}")]
    Path(#[source] NameError),
    /// What was rendered does not read back.
    #[error("refusing to write an unreadable file: {0}")]
    Unreadable(#[source] ReadError),
    #[error("cannot create {}: {source}", .dir.display())]
    CreateDir {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Atomic(#[source] super::atomic::WriteError),
}

/// The settings as written: octodns-bind's ZoneFileSource / ZoneFileProvider keys.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ZoneFileRaw {
    directory: Option<String>,
    file_extension: Option<String>,
    check_origin: Option<bool>,
    hostmaster_email: Option<String>,
    serial: Option<Whole>,
    refresh: Option<Whole>,
    retry: Option<Whole>,
    expire: Option<Whole>,
    nxdomain: Option<Whole>,
    default_ttl: Option<Whole>,
}

/// The provider's settings, with octodns-bind's names and defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZoneFileSettings {
    pub directory: PathBuf,
    /// Appended to the zone name without its final dot (default `.`).
    pub file_extension: String,
    /// Require an SOA at the zone apex when reading (default true).
    pub check_origin: bool,
    /// A user name (the zone is appended) or a full address (default `webmaster`).
    pub hostmaster_email: String,
    /// The serial for a new file; None: time-based. An existing file's serial is bumped.
    pub serial: Option<u32>,
    pub refresh: u32,
    pub retry: u32,
    pub expire: u32,
    pub nxdomain: u32,
    /// The SOA's TTL and the file's `$TTL`.
    pub default_ttl: u32,
}

impl ZoneFileSettings {
    /// octodns-bind's defaults, writing into `directory` (used by `dnsplan dump`).
    pub fn defaults(directory: &Path) -> ZoneFileSettings {
        ZoneFileSettings {
            directory: directory.to_path_buf(),
            file_extension: ".".into(),
            check_origin: true,
            hostmaster_email: "webmaster".into(),
            serial: None,
            refresh: 3600,
            retry: 600,
            expire: 604800,
            nxdomain: 3600,
            default_ttl: 3600,
        }
    }

    /// From the config entry (serde, `ZoneFileRaw`): an unknown key or a wrong type is an
    /// error at its file:line.
    pub fn from_config(p: &ProviderConfig) -> Result<ZoneFileSettings, Error> {
        let raw: ZoneFileRaw = p.parse_settings()?;
        let directory = raw.directory.ok_or_else(|| {
            p.invalid(
                "directory",
                format!(
                    "Incorrect provider config for {}: missing `directory`",
                    p.id
                ),
            )
        })?;
        let num = |k: &str, v: Option<Whole>| match v {
            None => Ok(None),
            Some(Whole(n)) => u32::try_from(n).map(Some).map_err(|_| {
                p.invalid(k, format!("`{k}` must be an integer from 0 to 4294967295"))
            }),
        };
        let d = ZoneFileSettings::defaults(Path::new(&directory));
        Ok(ZoneFileSettings {
            file_extension: raw.file_extension.unwrap_or(d.file_extension),
            check_origin: raw.check_origin.unwrap_or(d.check_origin),
            hostmaster_email: raw.hostmaster_email.unwrap_or(d.hostmaster_email),
            serial: num("serial", raw.serial)?,
            refresh: num("refresh", raw.refresh)?.unwrap_or(d.refresh),
            retry: num("retry", raw.retry)?.unwrap_or(d.retry),
            expire: num("expire", raw.expire)?.unwrap_or(d.expire),
            nxdomain: num("nxdomain", raw.nxdomain)?.unwrap_or(d.nxdomain),
            default_ttl: num("default_ttl", raw.default_ttl)?.unwrap_or(d.default_ttl),
            directory: d.directory,
        })
    }

    /// The file holding `zone` (IDNA-encoded, with its trailing dot): one file name inside
    /// the directory, or an error when the name (or `file_extension`) cannot make one.
    pub fn path(&self, zone: &str) -> Result<PathBuf, NameError> {
        let base = zone_file_stem(zone.strip_suffix('.').unwrap_or(zone));
        join_inside(&self.directory, &format!("{base}{}", self.file_extension))
    }
}

/// The SOA of a zone file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Soa {
    pub mname: String,
    pub rname: String,
    pub serial: u32,
    pub refresh: u32,
    pub retry: u32,
    pub expire: u32,
    pub minimum: u32,
}

/// What a zone file holds.
#[derive(Clone, Debug)]
pub struct ZoneFileData {
    pub zone: Zone,
    /// The SOA at the apex, if any.
    pub soa: Option<Soa>,
    /// Things worth telling (TTLs lowered, records skipped), each `path:line: what`.
    pub notes: Vec<String>,
}

/// The record types this provider reads and writes: every core type but the two that are not
/// DNS wire types.
pub fn supported_types() -> Vec<RecordType> {
    RecordType::CORE
        .iter()
        .filter(|t| !matches!(t, RecordType::Alias | RecordType::Urlfwd))
        .cloned()
        .collect()
}

#[derive(Clone)]
pub struct ZoneFileProvider {
    id: String,
    settings: ZoneFileSettings,
    caps: Capabilities,
}

impl ZoneFileProvider {
    pub fn new(cfg: &ProviderConfig) -> Result<Self, ProviderError> {
        let settings = ZoneFileSettings::from_config(cfg).map_err(|e| ProviderError::Config {
            provider: cfg.id.clone(),
            message: e.to_string(),
        })?;
        Ok(Self::with_settings(&cfg.id, settings))
    }

    pub fn with_settings(id: &str, settings: ZoneFileSettings) -> Self {
        ZoneFileProvider {
            id: id.to_string(),
            settings,
            caps: Capabilities::static_records(supported_types()),
        }
    }

    pub fn settings(&self) -> &ZoneFileSettings {
        &self.settings
    }

    fn err(&self, zone: &str, message: impl std::fmt::Display) -> ProviderError {
        ProviderError::Failed {
            provider: self.id.clone(),
            zone: zone.to_string(),
            message: message.to_string(),
        }
    }

    /// A file that does not read: a `File` error at the line it names (inside an
    /// `$INCLUDE`d file, that file's), so it is reported as a problem of that line.
    fn read_err(&self, zone: &str, e: ReadError) -> ProviderError {
        let mut at = &e;
        let mut from = Vec::new();
        while let ReadError::Line {
            file,
            line,
            fault: LineFault::Include(inner),
        } = at
        {
            from.push(format!(
                "{}:{line}",
                file.strip_prefix("./").unwrap_or(file)
            ));
            at = inner;
        }
        let (file, line, mut message) = match at {
            ReadError::Line { file, line, fault } => (file, *line, fault.to_string()),
            ReadError::NotUtf8 { file, byte } => (file, 0, format!("not UTF-8 text (byte {byte})")),
            ReadError::NoSoa { file, zone } => (file, 0, no_soa(zone)),
            ReadError::Io { .. } => return self.err(zone, e),
        };
        if !from.is_empty() {
            message = format!("{message} ($INCLUDE from {})", from.join(", from "));
        }
        ProviderError::File {
            provider: self.id.clone(),
            zone: zone.to_string(),
            pos: Pos::new(
                &Arc::from(file.as_str()),
                line.min(u32::MAX as usize) as u32,
                1,
            ),
            message,
        }
    }

    /// Read a zone file with its SOA; `None` when the file does not exist.
    /// The name is checked before any file is looked at.
    pub fn read_data(&self, zone: &str) -> Result<Option<ZoneFileData>, ProviderError> {
        super::check_zone(&self.id, zone)?;
        let path = self.settings.path(zone).map_err(|m| self.err(zone, m))?;
        match std::fs::metadata(&path) {
            Ok(m) if m.is_file() => {}
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(self.err(zone, format!("cannot read {}: {e}", path.display())));
            }
            _ => return Ok(None),
        }
        let data = read_zone_file(
            &path,
            zone,
            self.settings.check_origin,
            Some(Arc::from(self.id.as_str())),
        )
        .map_err(|e| self.read_err(zone, e))?;
        for n in &data.notes {
            tracing::warn!(provider = %self.id, "{n}");
        }
        Ok(Some(data))
    }

    /// Read a zone synchronously; `None` when its file does not exist.
    pub fn read(&self, zone: &str) -> Result<Option<Zone>, ProviderError> {
        Ok(self.read_data(zone)?.map(|d| d.zone))
    }

    /// Write `zone` with SOA serial `serial`, atomically, after checking that the text reads
    /// back as the same zone.
    pub fn write(&self, zone: &Zone, serial: u32) -> Result<(), ProviderError> {
        super::check_zone(&self.id, &zone.name)?;
        let path = self
            .settings
            .path(&zone.name)
            .map_err(|e| self.err(&zone.name, WriteError::Path(e)))?;
        let text =
            render_zone(zone, &self.settings, serial).map_err(|m| self.err(&zone.name, m))?;
        let shown = path.display().to_string();
        let back = parse_zone_text(&text, &shown, &zone.name, false, None)
            .map_err(|e| self.err(&zone.name, WriteError::Unreadable(e)))?;
        for r in zone.iter() {
            if back.zone.get(&r.name, &r.rtype) != Some(r) {
                tracing::warn!(
                    provider = %self.id,
                    "{shown}: {} {} will not read back as it is in the plan (values {:?})",
                    idna_decode(&r.fqdn(&zone.name)),
                    r.rtype,
                    r.rdata()
                );
            }
        }
        let dir = &self.settings.directory;
        std::fs::create_dir_all(dir).map_err(|source| {
            let e = WriteError::CreateDir {
                dir: dir.clone(),
                source,
            };
            self.err(&zone.name, e)
        })?;
        super::atomic::write(&path, text.as_bytes())
            .map_err(|e| self.err(&zone.name, WriteError::Atomic(e)))
    }

    pub fn apply_sync(&self, plan: &ZonePlan) -> Result<ApplyReport, ProviderError> {
        let existing = self.read_data(&plan.zone)?;
        let old_serial = existing
            .as_ref()
            .and_then(|d| d.soa.as_ref())
            .map(|s| s.serial);
        let mut zone = existing
            .map(|d| d.zone)
            .unwrap_or_else(|| Zone::new(plan.zone.clone()));
        plan.apply_to(&mut zone);
        let serial = match old_serial {
            Some(s) => s.wrapping_add(1),
            None => self.settings.serial.unwrap_or_else(time_serial),
        };
        self.write(&zone, serial)?;
        Ok(ApplyReport {
            applied: plan.changes.len(),
        })
    }

    /// The zones in the directory: every file ending with the extension, each name checked.
    pub fn list_zones_sync(&self) -> Result<Vec<String>, ProviderError> {
        let s = &self.settings;
        let listed =
            crate::config::yaml_zones::list_zonefile_zones(&s.directory, &s.file_extension)
                .map_err(|m| self.err("*", m))?;
        super::checked_zone_list(&self.id, listed)
    }
}

impl Provider for ZoneFileProvider {
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
        Box::pin(async move { tokio::task::block_in_place(|| self.apply_sync(plan)) })
    }

    fn list_zones(&self) -> BoxFut<'_, Result<Vec<String>, ProviderError>> {
        Box::pin(async move { tokio::task::block_in_place(|| self.list_zones_sync()) })
    }
}

/// octodns-bind's serial: seconds since the epoch, wrapped at 2^31-1.
fn time_serial() -> u32 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    (secs % 2_147_483_647) as u32
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

/// Read the zone file at `path` for `zone` (IDNA-encoded, trailing dot). Errors are
/// `path:line: what`.
pub fn read_zone_file(
    path: &Path,
    zone: &str,
    check_origin: bool,
    source: Option<Arc<str>>,
) -> Result<ZoneFileData, ReadError> {
    let mut r = Reader::new(zone, source);
    let mut state = State::new(zone);
    r.read_file(path, &mut state, 0)?;
    r.finish(&path.display().to_string(), check_origin)
}

/// Read zone-file text (`$INCLUDE` is resolved against the working directory). `shown` names
/// the text in messages.
pub fn parse_zone_text(
    text: &str,
    shown: &str,
    zone: &str,
    check_origin: bool,
    source: Option<Arc<str>>,
) -> Result<ZoneFileData, ReadError> {
    let mut r = Reader::new(zone, source);
    let mut state = State::new(zone);
    r.read_text(text, shown, Path::new(""), &mut state, 0)?;
    r.finish(shown, check_origin)
}

/// Parser state that `$INCLUDE` saves and restores.
#[derive(Clone, Debug)]
struct State {
    origin: String,
    default_ttl: Option<u32>,
    last_ttl: Option<u32>,
    last_owner: Option<String>,
}

impl State {
    fn new(zone: &str) -> Self {
        State {
            origin: zone.to_string(),
            default_ttl: None,
            last_ttl: None,
            last_owner: None,
        }
    }
}

struct Acc {
    ttl: u32,
    /// Each value with the line it was read from.
    values: Vec<(Value, Pos)>,
    pos: Pos,
    lowered: Option<String>,
}

struct Reader {
    zone: String,
    source: Option<Arc<str>>,
    records: BTreeMap<(String, RecordType), Acc>,
    soa: Option<Soa>,
    apex_ns: bool,
    notes: Vec<String>,
}

impl Reader {
    fn new(zone: &str, source: Option<Arc<str>>) -> Self {
        Reader {
            zone: zone.to_ascii_lowercase(),
            source,
            records: BTreeMap::new(),
            soa: None,
            apex_ns: false,
            notes: Vec::new(),
        }
    }

    fn read_file(&mut self, path: &Path, state: &mut State, depth: usize) -> Result<(), ReadError> {
        let shown = path.display().to_string();
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(source) => {
                return Err(ReadError::Io {
                    file: shown,
                    source,
                });
            }
        };
        let text = match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                return Err(ReadError::NotUtf8 {
                    file: shown,
                    byte: e.utf8_error().valid_up_to(),
                });
            }
        };
        let dir = path.parent().unwrap_or(Path::new(""));
        self.read_text(&text, &shown, dir, state, depth)
    }

    fn read_text(
        &mut self,
        text: &str,
        shown: &str,
        dir: &Path,
        state: &mut State,
        depth: usize,
    ) -> Result<(), ReadError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let file: Arc<str> = Arc::from(shown);
        let mut lx = Lexer::new(text);
        let at = |line: usize, fault: LineFault| ReadError::Line {
            file: shown.to_string(),
            line,
            fault,
        };
        loop {
            let entry = match lx.next_entry() {
                Ok(Some(e)) => e,
                Ok(None) => break,
                Err(e) => return Err(at(e.line, LineFault::Lex(e.fault))),
            };
            let Some(first) = entry.tokens.first() else {
                continue;
            };
            let line = first.line;
            let done =
                if !entry.leading_ws && first.kind == TokKind::Word && first.raw.starts_with('$') {
                    self.directive(&entry, state, dir, depth)
                } else {
                    self.record(&entry, state, &file, line)
                };
            done.map_err(|f| at(line, f))?;
        }
        Ok(())
    }

    fn directive(
        &mut self,
        e: &Entry,
        state: &mut State,
        dir: &Path,
        depth: usize,
    ) -> Result<(), LineFault> {
        let toks = &e.tokens;
        let name = toks[0].raw.to_ascii_uppercase();
        let args = &toks[1..];
        let arity = |min: usize, max: usize| -> Result<(), LineFault> {
            if args.len() < min || args.len() > max {
                Err(LineFault::Arity {
                    directive: name.clone(),
                    min,
                    max,
                    found: args.len(),
                })
            } else {
                Ok(())
            }
        };
        match name.as_str() {
            "$ORIGIN" => {
                arity(1, 1)?;
                state.origin = owner_name(&args[0], &state.origin)?;
            }
            "$TTL" => {
                arity(1, 1)?;
                state.default_ttl = Some(parse_ttl(&args[0].raw)?);
            }
            "$INCLUDE" => {
                arity(1, 2)?;
                if depth + 1 >= MAX_INCLUDE_DEPTH {
                    return Err(LineFault::IncludeDepth);
                }
                let file = args[0].string().map_err(LineFault::Token)?;
                let file = Path::new(&file);
                let path = if file.is_absolute() {
                    file.to_path_buf()
                } else {
                    dir.join(file)
                };
                let mut child = state.clone();
                if let Some(o) = args.get(1) {
                    child.origin = owner_name(o, &state.origin)?;
                }
                // the included file's errors carry its own path and line
                self.read_file(&path, &mut child, depth + 1)
                    .map_err(|e| LineFault::Include(Box::new(e)))?;
            }
            "$GENERATE" => return Err(LineFault::Generate),
            _ => return Err(LineFault::UnknownDirective(toks[0].raw.clone())),
        }
        Ok(())
    }

    fn record(
        &mut self,
        e: &Entry,
        state: &mut State,
        file: &Arc<str>,
        line: usize,
    ) -> Result<(), LineFault> {
        let toks = &e.tokens;
        let mut i = 0;
        let owner = if e.leading_ws {
            state.last_owner.clone().ok_or(LineFault::NoOwner)?
        } else {
            i = 1;
            owner_name(&toks[0], &state.origin)?
        };
        state.last_owner = Some(owner.clone());
        let mut ttl = None;
        let mut class = false;
        while let Some(t) = toks.get(i) {
            if t.kind != TokKind::Word {
                break;
            }
            if ttl.is_none() && t.raw.starts_with(|c: char| c.is_ascii_digit()) {
                ttl = Some(parse_ttl(&t.raw)?);
            } else if !class && is_class(&t.raw) {
                let c = t.raw.to_ascii_uppercase();
                if c != "IN" && c != "CLASS1" {
                    return Err(LineFault::Class(t.raw.clone()));
                }
                class = true;
            } else {
                break;
            }
            i += 1;
        }
        let type_tok = toks.get(i).ok_or(LineFault::MissingType)?;
        i += 1;
        if type_tok.kind != TokKind::Word {
            return Err(LineFault::NotAType(type_tok.raw.clone()));
        }
        let tname = type_tok.raw.to_ascii_uppercase();
        let rtoks = &toks[i..];
        if let Some(t) = ttl {
            state.last_ttl = Some(t);
        }
        let ttl = ttl.or(state.default_ttl).or(state.last_ttl);
        let rel = crate::model::relative_name(&owner, &self.zone);

        if tname == "SOA" {
            let soa = parse_soa(rtoks)?;
            if state.default_ttl.is_none() {
                // pre-RFC 2308: the SOA minimum is the default TTL when there is no $TTL
                state.default_ttl = Some(soa.minimum);
            }
            if rel.as_deref() == Some("") {
                self.soa = Some(soa);
            }
            return Ok(());
        }
        let ttl = ttl.ok_or(LineFault::NoTtl)?;
        let Some(rel) = rel else {
            self.notes.push(format!(
                "{file}:{line}: {owner} is outside the zone {}; skipped",
                self.zone
            ));
            return Ok(());
        };
        let rtype = match RecordType::core(&tname) {
            Some(t) if !matches!(t, RecordType::Alias | RecordType::Urlfwd) => t,
            Some(_) => {
                self.notes.push(format!(
                    "{file}:{line}: {tname} is not a DNS record type; skipped"
                ));
                return Ok(());
            }
            None if known_type(&tname) => {
                self.notes.push(format!(
                    "{file}:{line}: {tname} records are not supported; {owner} {tname} skipped"
                ));
                return Ok(());
            }
            None => return Err(LineFault::UnknownType(type_tok.raw.clone())),
        };
        let mut v = parse_rdata(&rtype, rtoks).map_err(|e| LineFault::Rdata(Box::new(e)))?;
        absolutize(&mut v, &state.origin)?;
        if rel.is_empty() && rtype == RecordType::Ns {
            self.apex_ns = true;
        }
        let pos = Pos::new(file, line.min(u32::MAX as usize) as u32, 1);
        match self.records.entry((rel, rtype)) {
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(Acc {
                    ttl,
                    values: vec![(v, pos.clone())],
                    pos,
                    lowered: None,
                });
            }
            std::collections::btree_map::Entry::Occupied(mut slot) => {
                let acc = slot.get_mut();
                if ttl != acc.ttl {
                    acc.lowered = Some(format!(
                        "{file}:{line}: {owner} {tname} has records with TTLs {} and {ttl}; \
                         using the lowest, {}",
                        acc.ttl,
                        acc.ttl.min(ttl)
                    ));
                    acc.ttl = acc.ttl.min(ttl);
                }
                acc.values.push((v, pos));
            }
        }
        Ok(())
    }

    fn finish(self, shown: &str, check_origin: bool) -> Result<ZoneFileData, ReadError> {
        let mut notes = self.notes;
        if check_origin {
            if self.soa.is_none() {
                return Err(ReadError::NoSoa {
                    file: shown.to_string(),
                    zone: self.zone,
                });
            }
            if !self.apex_ns {
                notes.push(format!(
                    "{shown}: no NS records at the zone apex {}",
                    self.zone
                ));
            }
        }
        let mut zone = Zone::new(self.zone.clone());
        for ((name, rtype), acc) in self.records {
            if let Some(n) = acc.lowered {
                notes.push(n);
            }
            // one value stands at the record's line: only several need their own
            let (values, value_pos) = if acc.values.len() == 1 {
                (acc.values.into_iter().map(|(v, _)| v).collect(), Vec::new())
            } else {
                (
                    acc.values.iter().map(|(v, _)| v.clone()).collect(),
                    acc.values,
                )
            };
            let mut r = RecordSet::new(name, rtype, acc.ttl, values);
            r.pos = acc.pos;
            r.value_pos = value_pos;
            r.source = self.source.clone();
            zone.insert(r);
        }
        Ok(ZoneFileData {
            zone,
            soa: self.soa,
            notes,
        })
    }
}

/// Record data tokens → a value. TXT/SPF follow master-file rules (every token is one
/// character-string); everything else goes through `rdata::parse`.
fn parse_rdata(rtype: &RecordType, toks: &[Token]) -> Result<Value, rdata::RdataError> {
    let text = rdata::join_raw(toks);
    if matches!(rtype, RecordType::Txt | RecordType::Spf) {
        // quote each token, so unquoted words are character-strings, not legacy raw text
        let quoted: Vec<String> = toks.iter().map(|t| quote_bytes(&t.bytes)).collect();
        return rdata::parse(rtype, &quoted.join(" ")).map_err(|mut e| {
            e.text = text;
            e
        });
    }
    rdata::parse(rtype, &text)
}

fn quote_bytes(b: &[u8]) -> String {
    let mut out = String::with_capacity(b.len() + 2);
    out.push('"');
    for &c in b {
        match c {
            b'"' | b'\\' => {
                out.push('\\');
                out.push(c as char);
            }
            0x20..=0x7e => out.push(c as char),
            _ => {
                let _ = write!(out, "\\{c:03}");
            }
        }
    }
    out.push('"');
    out
}

/// An owner (or `$ORIGIN`) name: `@`, absolute, or relative to `origin`; IDNA-encoded and
/// lowercased.
fn owner_name(t: &Token, origin: &str) -> Result<String, LineFault> {
    if t.kind != TokKind::Word {
        return Err(LineFault::QuotedName(t.raw.clone()));
    }
    let fqdn = absolute(&t.raw, origin);
    if has_empty_label(&fqdn) {
        // dnspython refuses it too (EmptyLabel); read as a name, `www..example.com.` would
        // become a record `www.` that no zone file can hold
        return Err(LineFault::EmptyLabel(t.raw.clone()));
    }
    if unwritable(&fqdn) {
        return Err(LineFault::Unwritable(t.raw.clone()));
    }
    idna_encode(&fqdn).map_err(LineFault::Name)
}

/// Does a name hold a character a zone file cannot carry as it is (see `absolutize`)?
fn unwritable(name: &str) -> bool {
    name.bytes()
        .any(|b| b < 0x21 || b == 0x7f || matches!(b, b'"' | b';' | b'(' | b')'))
}

/// Does a name in presentation form have an empty label (`a..b.`, `.a.`)? An escaped dot
/// (`a\.b.`) is part of its label; the root `.` has none.
fn has_empty_label(fqdn: &str) -> bool {
    if fqdn == "." {
        return false;
    }
    let mut label = 0usize;
    let mut escaped = false;
    for c in fqdn.bytes() {
        match c {
            _ if escaped => {
                escaped = false;
                label += 1;
            }
            b'\\' => escaped = true,
            b'.' if label == 0 => return true,
            b'.' => label = 0,
            _ => label += 1,
        }
    }
    false
}

fn absolute(name: &str, origin: &str) -> String {
    if name == "@" {
        origin.to_string()
    } else if name.ends_with('.') {
        name.to_string()
    } else if origin == "." {
        format!("{name}.")
    } else {
        format!("{name}.{origin}")
    }
}

/// Make the names inside a value absolute (dnspython reads with `relativize=False`).
/// A name holding a character the writer cannot put in a zone file as it is (a control
/// character, a space, `"`, `;`, `(`, `)`: a quoted string where a name belongs) is an error:
/// written back, it would read as something else (a fuzzer found `MX 10 "k\x01;…"`).
fn absolutize(v: &mut Value, origin: &str) -> Result<(), LineFault> {
    let mut bad = None;
    let mut fix = |n: &mut String| {
        *n = absolute(n, origin);
        if unwritable(n) {
            bad = Some(n.clone());
        }
    };
    match v {
        Value::Target(n) => fix(n),
        Value::Mx(m) => fix(&mut m.exchange),
        Value::Srv(s) => fix(&mut s.target),
        Value::Svcb(s) => fix(&mut s.targetname),
        Value::Naptr(n) => fix(&mut n.replacement),
        _ => {}
    }
    match bad {
        Some(n) => Err(LineFault::Unwritable(n)),
        None => Ok(()),
    }
}

fn is_class(s: &str) -> bool {
    let u = s.to_ascii_uppercase();
    matches!(u.as_str(), "IN" | "CH" | "CS" | "HS" | "NONE" | "ANY")
        || u.strip_prefix("CLASS")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// A TTL: seconds, or BIND's units (`1w2d3h4m5s`, case-insensitive), at most 2^32-1.
fn parse_ttl(s: &str) -> Result<u32, LineFault> {
    let bad = |why: TtlFault| LineFault::Ttl {
        text: s.to_string(),
        why,
    };
    if s.is_empty() {
        return Err(bad(TtlFault::Empty));
    }
    let mut total: u64 = 0;
    let mut cur: u64 = 0;
    let mut digits = false;
    let units = !s.bytes().all(|b| b.is_ascii_digit());
    for c in s.bytes() {
        if c.is_ascii_digit() {
            cur = cur
                .checked_mul(10)
                .and_then(|x| x.checked_add(u64::from(c - b'0')))
                .ok_or_else(|| bad(TtlFault::Overflow))?;
            digits = true;
            continue;
        }
        let mult = match c.to_ascii_lowercase() {
            b'w' => 604_800,
            b'd' => 86_400,
            b'h' => 3_600,
            b'm' => 60,
            b's' => 1,
            _ => return Err(bad(TtlFault::BadChar)),
        };
        if !digits {
            return Err(bad(TtlFault::UnitWithoutNumber));
        }
        total = cur
            .checked_mul(mult)
            .and_then(|x| total.checked_add(x))
            .ok_or_else(|| bad(TtlFault::Overflow))?;
        cur = 0;
        digits = false;
    }
    if units && digits {
        return Err(bad(TtlFault::NumberWithoutUnit));
    }
    if !units {
        total = cur;
    }
    u32::try_from(total).map_err(|_| bad(TtlFault::AboveU32))
}

fn parse_soa(toks: &[Token]) -> Result<Soa, LineFault> {
    if toks.len() != 7 {
        return Err(LineFault::SoaFields(toks.len()));
    }
    let serial = toks[2]
        .raw
        .parse::<u32>()
        .map_err(|_| LineFault::SoaSerial(toks[2].raw.clone()))?;
    Ok(Soa {
        mname: toks[0].raw.to_ascii_lowercase(),
        rname: toks[1].raw.to_ascii_lowercase(),
        serial,
        refresh: parse_ttl(&toks[3].raw)?,
        retry: parse_ttl(&toks[4].raw)?,
        expire: parse_ttl(&toks[5].raw)?,
        minimum: parse_ttl(&toks[6].raw)?,
    })
}

/// Type mnemonics (IANA's registry) that are skipped rather than rejected.
fn known_type(t: &str) -> bool {
    const KNOWN: &[&str] = &[
        "A6",
        "AFSDB",
        "AMTRELAY",
        "APL",
        "ATMA",
        "AVC",
        "AXFR",
        "CDNSKEY",
        "CDS",
        "CERT",
        "CSYNC",
        "DHCID",
        "DLV",
        "DNSKEY",
        "DOA",
        "DSYNC",
        "EID",
        "EUI48",
        "EUI64",
        "GID",
        "GPOS",
        "HINFO",
        "HIP",
        "IPSECKEY",
        "ISDN",
        "IXFR",
        "KEY",
        "KX",
        "L32",
        "L64",
        "LP",
        "MAILA",
        "MAILB",
        "MB",
        "MD",
        "MF",
        "MG",
        "MINFO",
        "MR",
        "NID",
        "NIMLOC",
        "NINFO",
        "NSAP",
        "NSAP-PTR",
        "NSEC",
        "NSEC3",
        "NSEC3PARAM",
        "NULL",
        "NXNAME",
        "NXT",
        "OPT",
        "PX",
        "RESINFO",
        "RKEY",
        "RP",
        "RRSIG",
        "RT",
        "SIG",
        "SINK",
        "SMIMEA",
        "TA",
        "TALINK",
        "TKEY",
        "TSIG",
        "UID",
        "UINFO",
        "UNSPEC",
        "WALLET",
        "WKS",
        "X25",
        "ZONEMD",
    ];
    KNOWN.contains(&t)
        || t.strip_prefix("TYPE")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

/// octodns-bind's SOA RNAME: a user name gets the zone appended; in a full address the `@`
/// becomes a dot (and the domain is made absolute); dots in the user part are escaped.
fn hostmaster(email: &str, zone: &str) -> String {
    match email.split_once('@') {
        Some((user, domain)) => {
            let user = user.replace('.', "\\.");
            if domain.ends_with('.') {
                format!("{user}.{domain}")
            } else {
                format!("{user}.{domain}.")
            }
        }
        None => format!("{}.{zone}", email.replace('.', "\\.")),
    }
}

/// The whole file for `zone`, deterministic for a given serial.
pub fn render_zone(zone: &Zone, s: &ZoneFileSettings, serial: u32) -> Result<String, WriteError> {
    let supported = supported_types();
    let mut rows: Vec<(String, Option<String>, &RecordSet, String)> = Vec::new();
    for r in zone.iter() {
        if !supported.contains(&r.rtype) {
            return Err(WriteError::Unsupported {
                name: idna_decode(&r.fqdn(&zone.name)),
                rtype: r.rtype.clone(),
            });
        }
        let name = if r.name.is_empty() {
            "@".to_string()
        } else {
            r.name.clone()
        };
        let fqdn = r.fqdn(&zone.name);
        let decoded = idna_decode(&fqdn);
        let comment = (decoded != fqdn).then_some(decoded);
        for v in &r.values {
            rows.push((name.clone(), comment.clone(), r, v.to_rdata()));
        }
    }
    let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(1);

    let mut out = String::new();
    let _ = writeln!(out, "$ORIGIN {}", zone.name);
    let _ = writeln!(out, "$TTL {}", s.default_ttl);
    let decoded = idna_decode(&zone.name);
    if decoded != zone.name {
        let _ = writeln!(out, "; Zone name: {decoded}");
    }
    out.push('\n');
    let mname = zone
        .get("", &RecordType::Ns)
        .and_then(|r| r.values.first())
        .and_then(Value::as_text)
        .map(str::to_string)
        .unwrap_or_else(|| format!("ns.{}", zone.name));
    let _ = write!(
        out,
        "@ {ttl} IN SOA {mname} {rname} (\n    {serial} ; Serial\n    {refresh} ; Refresh\n    \
         {retry} ; Retry\n    {expire} ; Expire\n    {nxdomain} ; NXDOMAIN ttl\n)\n\n",
        ttl = s.default_ttl,
        rname = hostmaster(&s.hostmaster_email, &zone.name),
        refresh = s.refresh,
        retry = s.retry,
        expire = s.expire,
        nxdomain = s.nxdomain,
    );
    let mut prev: Option<&str> = None;
    for (name, comment, r, text) in &rows {
        if prev != Some(name.as_str()) {
            if let Some(c) = comment {
                let _ = writeln!(out, "; Name: {c}");
            }
            prev = Some(name);
        }
        let _ = writeln!(
            out,
            "{name:<width$} {ttl:>8} IN {rtype:<8} {text}",
            ttl = r.ttl,
            rtype = r.rtype.as_str()
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ZONE: &str = "example.com.";

    fn fixtures() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/zonefile")
    }

    fn settings(dir: &Path) -> ZoneFileSettings {
        ZoneFileSettings {
            directory: dir.to_path_buf(),
            file_extension: ".".into(),
            check_origin: true,
            hostmaster_email: "webmaster".into(),
            serial: Some(2024010100),
            refresh: 3600,
            retry: 600,
            expire: 604800,
            nxdomain: 3600,
            default_ttl: 3600,
        }
    }

    fn config(settings: serde_json::Value) -> ProviderConfig {
        ProviderConfig {
            id: "zf".into(),
            class: "octodns_bind.ZoneFileProvider".into(),
            files: Some(crate::config::FileFormat::ZoneFile),
            common: crate::config::Common::default(),
            settings: crate::yaml::de::node_from_json(&settings),
            secret_keys: Default::default(),
            missing_env: false,
            pos: Pos::none(),
        }
    }

    fn rdatas(z: &Zone, name: &str, t: &str) -> Vec<String> {
        z.get(name, &RecordType::core(t).unwrap())
            .unwrap_or_else(|| panic!("{name} {t} missing"))
            .rdata()
    }

    fn ttl(z: &Zone, name: &str, t: &str) -> u32 {
        z.get(name, &RecordType::core(t).unwrap()).unwrap().ttl
    }

    #[test]
    fn reads_a_hand_written_zone() {
        let p = ZoneFileProvider::with_settings("zf", settings(&fixtures()));
        let d = p.read_data(ZONE).unwrap().expect("the fixture exists");
        let z = &d.zone;
        assert_eq!(d.soa.as_ref().map(|s| s.serial), Some(2024010101));
        // apex: owner inherited from the SOA line, relative and absolute names, TTL and class
        // in either order
        assert_eq!(
            rdatas(z, "", "NS"),
            ["ns1.example.com.", "ns2.example.net."]
        );
        assert_eq!(ttl(z, "", "NS"), 3600);
        assert_eq!(
            rdatas(z, "", "MX"),
            ["10 mail.example.com.", "20 mail2.example.net."]
        );
        assert_eq!(ttl(z, "", "MX"), 7200);
        assert_eq!(
            rdatas(z, "", "TXT"),
            ["\"v=spf1 include:_spf.example.net -all\""]
        );
        assert_eq!(ttl(z, "", "TXT"), 300);
        // TTLs differ within the rrset: the lowest wins, with a note
        assert_eq!(
            rdatas(z, "www", "A"),
            ["192.0.2.1", "192.0.2.2", "192.0.2.3"]
        );
        assert_eq!(ttl(z, "www", "A"), 600);
        assert!(
            d.notes.iter().any(|n| n.contains("using the lowest, 600")),
            "{:?}",
            d.notes
        );
        // an absolute, upper-case owner
        assert_eq!(rdatas(z, "www", "AAAA"), ["2001:db8::1"]);
        assert_eq!(rdatas(z, "mail2", "CNAME"), ["www.example.com."]);
        assert_eq!(rdatas(z, "apex-alias", "CNAME"), ["example.com."]);
        assert_eq!(
            rdatas(z, "_sip._tcp", "SRV"),
            ["10 20 5060 sip.example.com.", "20 0 5060 ."]
        );
        // parentheses across lines, a comment inside, `;` inside quotes, unquoted words
        assert_eq!(
            z.get("txt", &RecordType::Txt).unwrap().values,
            [Value::Text("first part second\\; part".into())]
        );
        assert_eq!(
            z.get("txt2", &RecordType::Txt).unwrap().values,
            [Value::Text("quote \" backslash \\ decimal A".into())]
        );
        assert_eq!(
            z.get("words", &RecordType::Txt).unwrap().values,
            [Value::Text("helloworld".into())]
        );
        assert_eq!(rdatas(z, "caa", "CAA"), ["128 issue \"letsencrypt.org\""]);
        // `$ORIGIN` changes
        assert_eq!(rdatas(z, "host.sub", "A"), ["192.0.2.20"]);
        assert_eq!(rdatas(z, "host.sub", "MX"), ["5 mx.sub.example.com."]);
        // `$INCLUDE` with its own `$TTL`, restored afterwards
        assert_eq!(rdatas(z, "inc", "A"), ["192.0.2.40"]);
        assert_eq!(ttl(z, "inc", "A"), 120);
        assert_eq!(ttl(z, "after", "A"), 3600);
        // `$INCLUDE` with an origin
        assert_eq!(rdatas(z, "other", "A"), ["192.0.2.50"]);
        assert_eq!(rdatas(z, "x.other", "CNAME"), ["other.example.com."]);
        // `1h30m` units, a lower-case type and class
        assert_eq!(ttl(z, "units", "A"), 5400);
        // IDNA owner
        assert_eq!(rdatas(z, "xn--bcher-kva", "A"), ["192.0.2.60"]);
        // skipped: out of zone, unsupported types
        assert!(z.iter().all(|r| r.name != "out.of.zone"));
        assert!(d.notes.iter().any(|n| n.contains("outside the zone")));
        assert!(
            d.notes
                .iter()
                .any(|n| n.contains("HINFO records are not supported"))
        );
        assert!(z.get("unknown", &RecordType::Txt).is_some());
        // positions point into the file
        let r = z.get("www", &RecordType::Aaaa).unwrap();
        assert!(r.pos.file.ends_with("example.com.") && r.pos.line > 0);
        assert_eq!(r.source.as_deref(), Some("zf"));
    }

    #[test]
    fn missing_file_is_none_and_extension_names_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = ZoneFileProvider::with_settings("zf", settings(dir.path()));
        assert!(p.read("nothing.example.").unwrap().is_none());
        let mut s = settings(dir.path());
        s.file_extension = ".zone".into();
        assert_eq!(s.path(ZONE).unwrap(), dir.path().join("example.com.zone"));
        assert_eq!(
            s.path("0/26.2.0.192.in-addr.arpa.").unwrap(),
            dir.path().join("0-26.2.0.192.in-addr.arpa.zone")
        );
        assert_eq!(
            settings(dir.path()).path(ZONE).unwrap(),
            dir.path().join("example.com.")
        );
    }

    /// A zone holding every supported type.
    fn every_type_zone() -> Zone {
        let mut z = Zone::new(ZONE);
        let mut add = |name: &str, t: &str, ttl: u32, vals: &[&str]| {
            let rtype = RecordType::core(t).unwrap();
            let values = vals
                .iter()
                .map(|v| rdata::parse(&rtype, v).unwrap_or_else(|e| panic!("{e}")))
                .collect();
            z.insert(RecordSet::new(name, rtype, ttl, values));
        };
        add("", "NS", 3600, &["ns1.example.com.", "ns2.example.net."]);
        add("", "A", 300, &["192.0.2.1", "192.0.2.2"]);
        add("", "AAAA", 300, &["2001:db8::1"]);
        add(
            "",
            "CAA",
            3600,
            &["0 issue \"letsencrypt.org\"", "128 iodef \"mailto:a@b.c\""],
        );
        add(
            "",
            "MX",
            3600,
            &["10 mx1.example.com.", "20 mx2.example.com."],
        );
        add(
            "",
            "TXT",
            3600,
            &[
                "\"v=spf1 -all\"",
                "\"semi; colon \\\"quoted\\\" back\\\\slash\"",
                &format!("\"{}\" \"{}\"", "a".repeat(255), "b"),
                &format!("\"{}\" \"{}\"", "c".repeat(255), "d".repeat(255)),
                "\"\"",
                "\"ünï\"",
            ],
        );
        add(
            "",
            "SPF",
            3600,
            &["\"v=spf1 include:_spf.example.net ~all\""],
        );
        add(
            "",
            "LOC",
            3600,
            &["31 58 52.1 S 115 49 11.7 E 20m 10m 10m 2m"],
        );
        add(
            "",
            "HTTPS",
            3600,
            &["1 . alpn=h2,h3 ipv4hint=192.0.2.1 no-default-alpn port=8443"],
        );
        add("", "SVCB", 3600, &["0 svc.example.net."]);
        add(
            "_sip._tcp",
            "SRV",
            600,
            &["10 20 5060 sip.example.com.", "0 0 0 ."],
        );
        add(
            "_sip._udp",
            "NAPTR",
            600,
            &["100 10 \"S\" \"SIP+D2U\" \"!^.*$!sip:x@y!\" ."],
        );
        add(
            "_ftp._tcp",
            "URI",
            600,
            &["10 1 \"ftp://ftp.example.com/public\""],
        );
        add("www", "CNAME", 300, &["example.com."]);
        add("old", "DNAME", 300, &["new.example.net."]);
        add(
            "sub",
            "NS",
            3600,
            &["ns1.sub.example.com.", "ns2.sub.example.com."],
        );
        add(
            "sub",
            "DS",
            3600,
            &["60485 5 1 2bb183af5f22588179a53b0a98631fad1a292118"],
        );
        add(
            "host",
            "SSHFP",
            3600,
            &["1 1 123456789abcdef67890123456789abcdef67890"],
        );
        add(
            "_443._tcp",
            "TLSA",
            3600,
            &["3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"],
        );
        add("1.2", "PTR", 3600, &["a.example.com.", "b.example.com."]);
        add(
            "key",
            "OPENPGPKEY",
            3600,
            &["mQINBFnVAMgBEADWXjx0/vGOWnDMQ+/T"],
        );
        add("nomail", "MX", 3600, &["0 ."]);
        add("*", "A", 60, &["192.0.2.9"]);
        add("xn--bcher-kva", "A", 60, &["192.0.2.10"]);
        z
    }

    fn assert_same(a: &Zone, b: &Zone) {
        let ka: Vec<_> = a.records.keys().collect();
        let kb: Vec<_> = b.records.keys().collect();
        assert_eq!(ka, kb);
        for (k, r) in &a.records {
            assert_eq!(Some(r), b.records.get(k), "{k:?}");
        }
    }

    #[test]
    fn write_then_read_round_trips_every_supported_type() {
        let dir = tempfile::tempdir().unwrap();
        let p = ZoneFileProvider::with_settings("zf", settings(dir.path()));
        let z = every_type_zone();
        assert_eq!(
            z.iter()
                .map(|r| r.rtype.clone())
                .collect::<std::collections::BTreeSet<_>>()
                .len(),
            supported_types().len()
        );
        p.write(&z, 7).unwrap();
        let text = std::fs::read_to_string(dir.path().join("example.com.")).unwrap();
        assert!(text.starts_with("$ORIGIN example.com.\n$TTL 3600\n\n@ 3600 IN SOA ns1.example.com. webmaster.example.com. (\n    7 ; Serial\n"), "{text}");
        assert!(
            text.lines().any(|l| l
                .split_whitespace()
                .eq(["@", "300", "IN", "A", "192.0.2.1"])),
            "{text}"
        );
        assert!(
            text.contains("; Name: bücher.example.com.\nxn--bcher-kva"),
            "{text}"
        );
        let back = p.read_data(ZONE).unwrap().unwrap();
        assert_same(&z, &back.zone);
        assert_eq!(back.soa.unwrap().serial, 7);
        assert!(back.notes.is_empty(), "{:?}", back.notes);
        // deterministic
        assert_eq!(render_zone(&back.zone, p.settings(), 7).unwrap(), text);
        assert_eq!(p.list_zones_sync().unwrap(), [ZONE]);
        // no temporary file left behind
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn refuses_types_it_cannot_write() {
        let mut z = Zone::new(ZONE);
        z.insert(RecordSet::new(
            "",
            RecordType::Alias,
            300,
            vec![Value::Target("x.example.net.".into())],
        ));
        let dir = tempfile::tempdir().unwrap();
        let p = ZoneFileProvider::with_settings("zf", settings(dir.path()));
        let e = p.write(&z, 1).unwrap_err().to_string();
        assert!(e.contains("ALIAS"), "{e}");
        assert!(!p.capabilities().supports_type(&RecordType::Alias));
        assert!(!p.capabilities().supports_type(&RecordType::Urlfwd));
        assert!(p.capabilities().supports_type(&RecordType::Openpgpkey));
    }

    #[test]
    fn apply_plans_into_an_empty_directory_and_bumps_the_serial() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("zones");
        let p = ZoneFileProvider::new(&config(serde_json::json!({
            "directory": target.display().to_string(),
            "file_extension": ".zone",
            "serial": 100,
            "hostmaster_email": "dns.admin@example.org",
        })))
        .unwrap();
        let desired = every_type_zone();
        assert!(p.read(ZONE).unwrap().is_none());
        let plan = crate::plan::diff(None, &desired, "zf", p.capabilities());
        assert!(!plan.exists);
        let report = p.apply_sync(&plan).unwrap();
        assert_eq!(report.applied, desired.len());
        let text = std::fs::read_to_string(target.join("example.com.zone")).unwrap();
        assert!(
            text.contains("dns\\.admin.example.org. (\n    100 ; Serial"),
            "{text}"
        );
        let got = p.read(ZONE).unwrap().expect("written");
        assert_same(&desired, &got);

        // a second plan: one update, one delete, one create
        let mut next = desired.clone();
        next.records.remove(&("www".to_string(), RecordType::Cname));
        next.insert(RecordSet::new(
            "new",
            RecordType::A,
            60,
            vec![Value::Ip("192.0.2.77".into())],
        ));
        next.insert(RecordSet::new(
            "",
            RecordType::A,
            900,
            vec![Value::Ip("192.0.2.1".into())],
        ));
        let plan = crate::plan::diff(Some(&got), &next, "zf", p.capabilities());
        assert_eq!(plan.changes.len(), 3);
        p.apply_sync(&plan).unwrap();
        let data = p.read_data(ZONE).unwrap().unwrap();
        assert_same(&next, &data.zone);
        assert_eq!(data.soa.unwrap().serial, 101);
        assert!(
            crate::plan::diff(Some(&data.zone), &next, "zf", p.capabilities())
                .changes
                .is_empty()
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn provider_trait_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = config(serde_json::json!({"directory": dir.path().display().to_string()}));
        let p = super::super::build(&cfg).unwrap();
        assert!(p.existing(ZONE).await.unwrap().is_none());
        let mut desired = Zone::new(ZONE);
        desired.insert(RecordSet::new(
            "www",
            RecordType::A,
            300,
            vec![Value::Ip("192.0.2.1".into())],
        ));
        let plan = crate::plan::diff(None, &desired, "zf", p.capabilities());
        p.apply(&plan).await.unwrap();
        let got = p.existing(ZONE).await.unwrap().unwrap();
        assert_same(&desired, &got);
        assert_eq!(p.list_zones().await.unwrap(), [ZONE]);
    }

    #[test]
    fn config_keys_and_defaults() {
        let s =
            ZoneFileSettings::from_config(&config(serde_json::json!({"directory": "d"}))).unwrap();
        assert_eq!(s.file_extension, ".");
        assert!(s.check_origin);
        assert_eq!(s.hostmaster_email, "webmaster");
        assert_eq!(s.serial, None);
        assert_eq!(
            (s.refresh, s.retry, s.expire, s.nxdomain, s.default_ttl),
            (3600, 600, 604800, 3600, 3600)
        );
        assert!(ZoneFileSettings::from_config(&config(serde_json::json!({}))).is_err());
        for bad in [
            serde_json::json!({"directory": "d", "refresh": "soon"}),
            serde_json::json!({"directory": "d", "serial": 4294967296u64}),
            serde_json::json!({"directory": "d", "check_origin": "yes"}),
            serde_json::json!({"directory": "d", "file_extension": 3}),
        ] {
            assert!(
                ZoneFileSettings::from_config(&config(bad.clone())).is_err(),
                "{bad}"
            );
        }
        assert_eq!(hostmaster("webmaster", ZONE), "webmaster.example.com.");
        assert_eq!(
            hostmaster("first.last@example.org.", ZONE),
            "first\\.last.example.org."
        );
        assert!(time_serial() > 1_600_000_000);
    }

    #[test]
    fn check_origin_and_no_soa() {
        let text = "$TTL 300\n@ NS ns1.example.com.\nwww A 192.0.2.1\n";
        let e = parse_zone_text(text, "t", ZONE, true, None).unwrap_err();
        assert!(
            matches!(&e, ReadError::NoSoa { zone, .. } if zone == ZONE),
            "{e:?}"
        );
        assert!(e.to_string().starts_with("t: no SOA"), "{e}");
        let d = parse_zone_text(text, "t", ZONE, false, None).unwrap();
        assert_eq!(d.zone.len(), 2);
        assert!(d.soa.is_none());
        // without $TTL, the SOA minimum is the default
        let text = "@ IN SOA ns. host. 1 2 3 4 99\nwww A 192.0.2.1\n";
        let d = parse_zone_text(text, "t", ZONE, true, None).unwrap();
        assert_eq!(ttl(&d.zone, "www", "A"), 99);
        assert!(d.notes.iter().any(|n| n.contains("no NS records")));
        // without $TTL or SOA, the previous record's TTL
        let text = "a 42 A 192.0.2.1\nb A 192.0.2.2\n";
        let d = parse_zone_text(text, "t", ZONE, false, None).unwrap();
        assert_eq!(ttl(&d.zone, "b", "A"), 42);
    }

    #[test]
    fn ttl_units() {
        assert_eq!(parse_ttl("300").ok(), Some(300));
        assert_eq!(
            parse_ttl("1w2d3h4m5s").ok(),
            Some(604800 + 2 * 86400 + 3 * 3600 + 4 * 60 + 5)
        );
        assert_eq!(parse_ttl("1H").ok(), Some(3600));
        assert_eq!(parse_ttl("4294967295").ok(), Some(u32::MAX));
        for (bad, fault) in [
            ("", TtlFault::Empty),
            ("4294967296", TtlFault::AboveU32),
            ("1h30", TtlFault::NumberWithoutUnit),
            ("h", TtlFault::UnitWithoutNumber),
            ("1x", TtlFault::BadChar),
            ("99999999999999999999999w", TtlFault::Overflow),
        ] {
            match parse_ttl(bad) {
                Err(LineFault::Ttl { text, why }) => assert_eq!((text.as_str(), why), (bad, fault)),
                other => panic!("{bad}: {other:?}"),
            }
        }
        assert_eq!(
            parse_ttl("1h30").unwrap_err().to_string(),
            "bad TTL \"1h30\": a number after the last unit has no unit"
        );
    }

    #[test]
    fn malformed_input_names_the_line() {
        let cases: &[(&str, usize)] = &[
            ("$TTL 300\nwww A 192.0.2.1\nbad A 300.1.1.1\n", 3),
            ("$TTL 300\n\n\nwww A 192.0.2.1 (\n", 4),
            ("$TTL 300\nwww A 192.0.2.1 )\n", 2),
            ("$TTL 300\n  A 192.0.2.1\n", 2),
            ("$TTL 300\nwww\n", 2),
            ("$TTL 300\nwww IN\n", 2),
            ("$TTL 300\nwww CH A 192.0.2.1\n", 2),
            ("$TTL 300\nwww BOGUS 1 2 3\n", 2),
            ("$TTL 300\nwww TXT \"unterminated\n", 2),
            ("$TTL 300\nwww TXT \"a\\999\"\n", 2),
            ("$TTL 1x\n", 1),
            ("$TTL\n", 1),
            ("$ORIGIN\n", 1),
            ("$BOGUS x\n", 1),
            ("$GENERATE 1-10 host$ A 192.0.2.$\n", 1),
            ("$INCLUDE /nonexistent/zone/file\n", 1),
            ("www A 192.0.2.1\n", 1),
            ("$TTL 300\n@ SOA ns. host. ( 1 2 3\n 4 )\n", 2),
            ("$TTL 300\n@ SOA ns. host. x 2 3 4 5\n", 2),
            ("$TTL 300\nmx MX 10\n", 2),
            ("$TTL 300\n\"quoted\" A 192.0.2.1\n", 2),
            ("$TTL 300\nwww 99999999999 A 192.0.2.1\n", 2),
            ("$TTL 300\nw LOC 1 N 2 E\n", 2),
            ("$TTL 300\nw SVCB 1 . port=1 port=2\n", 2),
            // empty labels (a fuzzer found the first: read as `www.`, it could not be
            // written back, so the record was lost on the next read)
            ("$TTL 300\nwww..example.com. A 192.0.2.1\n", 2),
            ("$TTL 300\n.www A 192.0.2.1\n", 2),
            ("$ORIGIN sub..example.com.\n", 1),
            // a quoted string where a name belongs, which could not be written back
            ("$TTL 300\n@ MX 10 \"k\\001;x\"\n", 2),
            ("$TTL 300\nw CNAME \"a b.\"\n", 2),
            // a control character in $ORIGIN, which every relative name would inherit
            ("$ORIGIN a\u{0}b.example.com.\n", 1),
        ];
        for (text, line) in cases {
            let e = parse_zone_text(text, "f.zone", ZONE, false, None)
                .err()
                .unwrap_or_else(|| panic!("{text:?} parsed"));
            assert!(
                matches!(&e, ReadError::Line { line: l, .. } if l == line),
                "{e:?}"
            );
            assert!(
                e.to_string().starts_with(&format!("f.zone:{line}: ")),
                "{text:?}: {e}"
            );
        }
    }

    /// A caller can tell what is wrong with a line from the variant; the text is unchanged.
    #[test]
    fn line_faults_are_typed() {
        let fault = |text: &str| match parse_zone_text(text, "f.zone", ZONE, false, None) {
            Err(ReadError::Line { fault, .. }) => fault,
            other => panic!("{text:?}: {other:?}"),
        };
        let f = fault("$TTL 300\nbad A 300.1.1.1\n");
        assert!(
            matches!(&f, LineFault::Rdata(e) if e.reason == rdata::Reason::NotAddress {
                value: "300.1.1.1".into(),
                version: 4,
            }),
            "{f:?}"
        );
        assert!(matches!(
            fault("$TTL 300\nwww A 192.0.2.1 )\n"),
            LineFault::Lex(rdata::LexFault::UnmatchedParen)
        ));
        assert!(matches!(
            fault("$GENERATE 1-2 h$ A 192.0.2.$\n"),
            LineFault::Generate
        ));
        assert!(
            matches!(fault("$TTL 300\nwww CH A 192.0.2.1\n"), LineFault::Class(c) if c == "CH")
        );
        assert!(matches!(fault("www A 192.0.2.1\n"), LineFault::NoTtl));
        assert!(matches!(
            fault("$TTL 300\n@ SOA ns. host. 1 2\n"),
            LineFault::SoaFields(4)
        ));
        let f = fault("$TTL\n");
        assert_eq!(f.to_string(), "$TTL takes 1 argument, found 0");
        assert!(matches!(
            f,
            LineFault::Arity {
                min: 1,
                max: 1,
                found: 0,
                ..
            }
        ));
        assert_eq!(
            fault("$INCLUDE\n").to_string(),
            "$INCLUDE takes 1 or 2 arguments, found 0"
        );
        assert_eq!(
            fault("$TTL 300\nw CNAME \"a b.\"\n").to_string(),
            "\"a b.\" is not a name: it holds a control character, a space, a quote, `;` or a \
             parenthesis"
        );
    }

    #[test]
    fn empty_labels_are_found_and_escaped_dots_are_no_label_ends() {
        for bad in ["a..b.", ".a.", "..", "a.b..", "a\\\\..b."] {
            assert!(has_empty_label(bad), "{bad}");
        }
        for good in [".", "a.", "a.b.", "a\\..b.", "\\..", "a\\065.b."] {
            assert!(!has_empty_label(good), "{good}");
        }
    }

    #[test]
    fn a_file_without_soa_is_a_problem_of_that_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("example.com."),
            "$TTL 60\nwww A 192.0.2.1\n",
        )
        .unwrap();
        let p = ZoneFileProvider::with_settings("zf", settings(dir.path()));
        match p.read(ZONE).unwrap_err() {
            ProviderError::File { pos, message, .. } => {
                assert!(
                    pos.file.ends_with("example.com.") && pos.line == 0,
                    "{pos:?}"
                );
                assert!(
                    message.starts_with("no SOA record at the zone apex"),
                    "{message}"
                );
            }
            e => panic!("{e:?}"),
        }
    }

    #[test]
    fn include_errors_carry_the_included_file_and_loops_stop() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("bad.inc"), "\n\nx A nope\n").unwrap();
        std::fs::write(
            dir.path().join("example.com."),
            "$TTL 60\n@ SOA ns. h. 1 2 3 4 5\n$INCLUDE bad.inc\n",
        )
        .unwrap();
        let p = ZoneFileProvider::with_settings("zf", settings(dir.path()));
        let e = p.read(ZONE).unwrap_err().to_string();
        assert!(e.contains("bad.inc:3: invalid A RDATA"), "{e}");
        assert!(e.contains("($INCLUDE from "), "{e}");
        assert!(e.ends_with("example.com.:3)"), "{e}");
        std::fs::write(dir.path().join("loop.inc"), "$INCLUDE loop.inc\n").unwrap();
        std::fs::write(
            dir.path().join("example.com."),
            "$TTL 60\n@ SOA ns. h. 1 2 3 4 5\n$INCLUDE loop.inc\n",
        )
        .unwrap();
        let e = p.read(ZONE).unwrap_err().to_string();
        assert!(e.contains("nested more than"), "{e}");
    }

    #[test]
    fn never_panics_on_garbage() {
        // a small deterministic generator over master-file-ish fragments
        let parts = [
            " ",
            "\t",
            "\n",
            "(",
            ")",
            "\"",
            "\\",
            "\\0",
            "\\123",
            ";",
            "@",
            ".",
            "$TTL",
            "$ORIGIN",
            "$INCLUDE",
            "IN",
            "CH",
            "300",
            "1h",
            "A",
            "TXT",
            "MX",
            "SOA",
            "LOC",
            "SVCB",
            "CAA",
            "NAPTR",
            "192.0.2.1",
            "x",
            "é",
            "=",
            ",",
            "\r",
            "0",
            "99999999999999999999",
        ];
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..3000 {
            let mut text = String::new();
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let n = (seed % 24) as usize;
            for _ in 0..n {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                text.push_str(parts[(seed % parts.len() as u64) as usize]);
            }
            let _ = parse_zone_text(&text, "g", ZONE, seed.is_multiple_of(2), None);
        }
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn hostile_zone_names_are_refused_before_any_file_is_touched() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(root.path().join("pwned"), "x").unwrap();
        let p = ZoneFileProvider::with_settings("zf", settings(&root.path().join("zones")));
        crate::provider::assert_refuses_hostile_zones(&p).await;
        for z in crate::provider::HOSTILE_ZONES {
            let e = p.write(&Zone::new(*z), 1).unwrap_err().to_string();
            assert!(e.contains("invalid zone name"), "{z:?}: {e}");
        }
        let names: Vec<_> = std::fs::read_dir(root.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["pwned"], "the provider created something");
        // a file extension holding a path is refused when the path is built
        let mut s = settings(root.path());
        s.file_extension = "/../../x".into();
        assert!(s.path(ZONE).is_err());
    }
}

//! The failover config file (our own YAML format, documented in docs/failover.md), read with
//! positions so every problem names its file, line and column; every problem is reported,
//! not only the first.
//!
//! Reading happens in two steps: `parse` reads the file on its own (`Spec`), `resolve` then
//! fills what the dnsplan config knows — the target provider, the pool (the record's values
//! in git) and the check defaults (`octodns.healthcheck`).

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::config::{self, Config, ProviderConfig};
use crate::diag::Diagnostic;
use crate::model::{RecordType, Settings, Value, idna_encode};
use crate::yaml::{self, KeyOrder, LoadOptions, Node, Pos};

use super::decide::Params;

/// Where the own address comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum OwnSource {
    /// Written in the config.
    Static(IpAddr),
    /// The address of a local network interface (of the record's family).
    Interface(String),
    /// An HTTP(S) endpoint whose body is the address (cloud metadata services).
    Url {
        url: String,
        timeout: Duration,
        /// Header name and value; values may come from `env/VAR` (then they are secrets).
        headers: Vec<(String, String)>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    Http,
    Https,
    Tcp,
}

impl Protocol {
    pub fn as_str(&self) -> &'static str {
        match self {
            Protocol::Http => "HTTP",
            Protocol::Https => "HTTPS",
            Protocol::Tcp => "TCP",
        }
    }
}

/// The `check:` settings as written (every key optional; `resolve` fills the defaults).
#[derive(Clone, Debug, Default)]
pub struct CheckOverrides {
    pub protocol: Option<(Protocol, Pos)>,
    pub port: Option<u16>,
    pub path: Option<(String, Pos)>,
    pub host: Option<(String, Pos)>,
    pub method: Option<(String, Pos)>,
    pub expect_status: Option<(Vec<(u16, u16)>, Pos)>,
    pub body: Option<(regex_lite::Regex, Pos)>,
    pub tls_verify: Option<bool>,
}

/// A complete health check.
#[derive(Clone, Debug)]
pub struct CheckSpec {
    pub protocol: Protocol,
    pub port: u16,
    /// HTTP(S) only: path (with query), Host header / TLS name, method, statuses that pass
    /// (inclusive ranges), a regex the body must match, certificate verification.
    pub path: String,
    pub host: String,
    pub method: String,
    pub expect_status: Vec<(u16, u16)>,
    pub body: Option<regex_lite::Regex>,
    pub tls_verify: bool,
    pub timeout: Duration,
}

/// One `records:` entry as written.
#[derive(Clone, Debug)]
pub struct RecordSpec {
    pub pos: Pos,
    pub zone: String,
    pub zone_pos: Pos,
    /// Relative to the zone, `""` for the apex.
    pub name: String,
    pub rtype: RecordType,
    pub target: Option<(String, Pos)>,
    pub own: OwnSource,
    pub pool: Option<Vec<IpAddr>>,
    pub check: CheckOverrides,
    pub interval: Duration,
    pub timeout: Duration,
    pub jitter: f64,
    pub params: Params,
}

impl RecordSpec {
    pub fn fqdn(&self) -> String {
        if self.name.is_empty() {
            self.zone.clone()
        } else {
            format!("{}.{}", self.name, self.zone)
        }
    }

    /// `www.example.com. A`, how logs and metrics name the record.
    pub fn label(&self) -> String {
        format!("{} {}", self.fqdn(), self.rtype.as_str())
    }
}

/// The whole file as written.
#[derive(Clone, Debug)]
pub struct Spec {
    pub path: PathBuf,
    /// The dnsplan (octoDNS) config, resolved relative to the failover config's directory.
    pub config: PathBuf,
    pub config_pos: Pos,
    pub metrics: Option<SocketAddr>,
    pub records: Vec<RecordSpec>,
}

/// One managed record, ready to run.
#[derive(Clone, Debug)]
pub struct Managed {
    pub spec: RecordSpec,
    pub target: ProviderConfig,
    /// Sorted, deduplicated.
    pub pool: Vec<IpAddr>,
    pub check: CheckSpec,
}

pub const DEFAULT_INTERVAL: f64 = 10.0;
pub const DEFAULT_TIMEOUT: f64 = 3.0;
pub const DEFAULT_RETRIES: u32 = 3;
pub const DEFAULT_RISE: u32 = 3;
pub const DEFAULT_JITTER: f64 = 0.1;
pub const DEFAULT_MAX_REMOVE_FRACTION: f64 = 0.5;
pub const DEFAULT_SELF_FAILURES: u32 = 5;
pub const DEFAULT_URL_TIMEOUT: f64 = 2.0;

const TOP_KEYS: &[&str] = &["config", "metrics", "defaults", "records"];
const RECORD_KEYS: &[&str] = &[
    "zone",
    "name",
    "type",
    "target",
    "self",
    "pool",
    "check",
    "interval",
    "timeout",
    "retries",
    "rise",
    "jitter",
    "max_remove_fraction",
    "self_failures",
];
/// Keys `defaults:` may hold (what is not specific to one record).
const DEFAULT_KEYS: &[&str] = &[
    "target",
    "self",
    "check",
    "interval",
    "timeout",
    "retries",
    "rise",
    "jitter",
    "max_remove_fraction",
    "self_failures",
];
const CHECK_KEYS: &[&str] = &[
    "protocol",
    "port",
    "path",
    "host",
    "method",
    "expect_status",
    "body",
    "tls_verify",
];

struct Reader<'a> {
    diags: &'a mut Vec<Diagnostic>,
}

impl Reader<'_> {
    fn err(&mut self, pos: &Pos, rule: &str, msg: impl Into<String>) {
        self.diags.push(Diagnostic::error(pos.clone(), rule, msg));
    }

    /// A mapping's entries, with unknown keys reported.
    fn mapping<'n>(
        &mut self,
        node: &'n Node,
        what: &str,
        known: &[&str],
    ) -> Option<&'n [(Node, Node)]> {
        let Some(entries) = node.entries() else {
            self.err(
                &node.pos,
                "failover-invalid",
                format!("{what} must be a mapping, found {}", node.describe()),
            );
            return None;
        };
        for (k, _) in entries {
            let key = k.key_text();
            if !known.contains(&key.as_str()) {
                self.err(
                    &k.pos,
                    "failover-unknown-key",
                    format!(
                        "unknown key `{key}` in {what}; known keys: {}",
                        known.join(", ")
                    ),
                );
            }
        }
        Some(entries)
    }

    fn string(&mut self, node: &Node, key: &str) -> Option<String> {
        match node.as_str() {
            Some(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
            _ => {
                self.err(
                    &node.pos,
                    "failover-invalid",
                    format!(
                        "`{key}` must be a non-empty string, found {}",
                        node.describe()
                    ),
                );
                None
            }
        }
    }

    /// A text setting that `check` accepts (or says what is wrong with it, after the key).
    fn checked<T>(
        &mut self,
        node: &Node,
        key: &str,
        check: impl FnOnce(String) -> Result<T, SettingFault>,
    ) -> Option<T> {
        match check(self.string(node, key)?) {
            Ok(t) => Some(t),
            Err(e) => {
                self.err(&node.pos, "failover-invalid", format!("`{key}` {e}"));
                None
            }
        }
    }

    fn int(&mut self, node: &Node, key: &str, min: i64, max: i64) -> Option<i64> {
        match node.as_int().filter(|_| node.as_bool().is_none()) {
            Some(n) if (min..=max).contains(&n) => Some(n),
            _ => {
                self.err(
                    &node.pos,
                    "failover-invalid",
                    format!(
                        "`{key}` must be a whole number from {min} to {max}, found {}",
                        shown(node)
                    ),
                );
                None
            }
        }
    }

    fn fraction(&mut self, node: &Node, key: &str, max: f64) -> Option<f64> {
        match node.as_f64().filter(|_| node.as_bool().is_none()) {
            Some(f) if f.is_finite() && (0.0..=max).contains(&f) => Some(f),
            _ => {
                self.err(
                    &node.pos,
                    "failover-invalid",
                    format!(
                        "`{key}` must be a number from 0 to {max}, found {}",
                        shown(node)
                    ),
                );
                None
            }
        }
    }

    fn bool(&mut self, node: &Node, key: &str) -> Option<bool> {
        match node.as_bool() {
            Some(b) => Some(b),
            None => {
                self.err(
                    &node.pos,
                    "failover-invalid",
                    format!("`{key}` must be true or false, found {}", shown(node)),
                );
                None
            }
        }
    }

    /// Seconds as a number (`10`, `0.5`) or text with a unit (`500ms`, `10s`, `2m`).
    fn duration(&mut self, node: &Node, key: &str, min: f64, max: f64) -> Option<Duration> {
        let secs = if node.as_bool().is_some() {
            None
        } else if let Some(f) = node.as_f64() {
            Some(f)
        } else {
            node.as_str().and_then(parse_duration)
        };
        match secs {
            Some(s) if s.is_finite() && s >= min && s <= max => Some(Duration::from_secs_f64(s)),
            _ => {
                self.err(
                    &node.pos,
                    "failover-invalid",
                    format!(
                        "`{key}` must be a duration from {min}s to {max}s: seconds (`10`, `0.5`) \
                         or with a unit (`500ms`, `10s`, `2m`), found {}",
                        shown(node)
                    ),
                );
                None
            }
        }
    }

    fn ip(&mut self, node: &Node, key: &str, rtype: Option<&RecordType>) -> Option<IpAddr> {
        let text = node.as_str().unwrap_or_default().trim();
        match text.parse::<IpAddr>() {
            Ok(a) => {
                if let Some(t) = rtype
                    && !family_matches(t, &a)
                {
                    self.err(
                        &node.pos,
                        "failover-invalid",
                        format!(
                            "`{key}`: {a} is not an {} address",
                            if *t == RecordType::A { "IPv4" } else { "IPv6" }
                        ),
                    );
                    return None;
                }
                Some(a)
            }
            Err(_) => {
                self.err(
                    &node.pos,
                    "failover-invalid",
                    format!("`{key}` must be an IP address, found {}", shown(node)),
                );
                None
            }
        }
    }
}

/// A node as it was written, for messages.
fn shown(node: &Node) -> String {
    match node.as_str() {
        Some(s) => format!("{s:?}"),
        None => node.describe().to_string(),
    }
}

/// `500ms`, `10s`, `2m`, `1h`, `1.5` → seconds.
pub fn parse_duration(text: &str) -> Option<f64> {
    let t = text.trim();
    let (num, mult) = if let Some(n) = t.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = t.strip_suffix('m') {
        (n, 60.0)
    } else if let Some(n) = t.strip_suffix('h') {
        (n, 3600.0)
    } else {
        (t, 1.0)
    };
    let n: f64 = num.trim().parse().ok()?;
    Some(n * mult)
}

pub fn family_matches(t: &RecordType, a: &IpAddr) -> bool {
    match t {
        RecordType::A => a.is_ipv4(),
        _ => a.is_ipv6(),
    }
}

/// Read the failover config file. Returns the spec when it has no error, and every problem.
pub fn parse(path: &Path) -> (Option<Spec>, Vec<Diagnostic>) {
    let loaded = yaml::load_file(
        path,
        LoadOptions {
            order: KeyOrder::Any,
            includes: false,
        },
    );
    let mut diags: Vec<Diagnostic> = loaded.errors.into_iter().map(Diagnostic::from).collect();
    let file: Arc<str> = Arc::from(path.to_string_lossy().as_ref());
    let Some(root) = loaded.root else {
        if diags.is_empty() {
            diags.push(Diagnostic::error(
                Pos::new(&file, 1, 1),
                "failover-invalid",
                "the failover config is empty; it needs `config:` and `records:`",
            ));
        }
        return (None, diags);
    };
    let spec = spec_from_node(path, &file, &root, &mut diags);
    if diags.iter().any(Diagnostic::is_error) {
        return (None, diags);
    }
    (spec, diags)
}

fn spec_from_node(
    path: &Path,
    file: &Arc<str>,
    root: &Node,
    diags: &mut Vec<Diagnostic>,
) -> Option<Spec> {
    let mut r = Reader { diags };
    let entries = r.mapping(root, "the failover config", TOP_KEYS)?;
    let get = |k: &str| entries.iter().find(|(key, _)| key.as_str() == Some(k));
    let mut config_path = None;
    let mut config_pos = Pos::new(file, 1, 1);
    match get("config") {
        Some((_, v)) => {
            config_pos = v.pos.clone();
            if let Some(s) = r.string(v, "config") {
                let p = PathBuf::from(s);
                let base = path.parent().unwrap_or(Path::new(""));
                config_path = Some(if p.is_absolute() { p } else { base.join(p) });
            }
        }
        None => r.err(
            &Pos::new(file, 1, 1),
            "failover-missing-key",
            "`config:` is missing: the dnsplan (octoDNS) config that names the providers and zones",
        ),
    }
    let mut metrics = None;
    if let Some((_, v)) = get("metrics")
        && !v.is_null()
    {
        match v.as_str().map(str::trim).map(str::parse::<SocketAddr>) {
            Some(Ok(a)) => metrics = Some(a),
            _ => r.err(
                &v.pos,
                "failover-invalid",
                format!(
                    "`metrics` must be an address and port to listen on, such as \
                     127.0.0.1:9467, found {}",
                    shown(v)
                ),
            ),
        }
    }
    let defaults = match get("defaults") {
        Some((_, v)) if !v.is_null() => r.mapping(v, "`defaults`", DEFAULT_KEYS),
        _ => None,
    };
    let mut records = Vec::new();
    match get("records") {
        None => r.err(
            &Pos::new(file, 1, 1),
            "failover-missing-key",
            "`records:` is missing: the list of records to manage (zone, name, type, self)",
        ),
        Some((k, v)) => match v.items() {
            Some(items) if !items.is_empty() => {
                for item in items {
                    if let Some(rec) = record(&mut r, item, defaults) {
                        records.push(rec);
                    }
                }
            }
            _ => r.err(
                &k.pos,
                "failover-invalid",
                format!("`records` must be a non-empty list, found {}", v.describe()),
            ),
        },
    }
    // the same record twice would run two machines against each other
    for (i, a) in records.iter().enumerate() {
        if let Some(b) = records[..i].iter().find(|b| {
            b.zone == a.zone
                && b.name == a.name
                && b.rtype == a.rtype
                && match (&a.target, &b.target) {
                    (Some(x), Some(y)) => x.0 == y.0,
                    // one of them writes to the zone's only target
                    _ => true,
                }
        }) {
            r.err(
                &a.pos,
                "failover-duplicate-record",
                format!(
                    "{} is managed twice (first at line {})",
                    a.label(),
                    b.pos.line
                ),
            );
        }
    }
    Some(Spec {
        path: path.to_path_buf(),
        config: config_path?,
        config_pos,
        metrics,
        records,
    })
}

fn record(r: &mut Reader, node: &Node, defaults: Option<&[(Node, Node)]>) -> Option<RecordSpec> {
    let entries = r.mapping(node, "a `records` entry", RECORD_KEYS)?;
    // a key of the record, else of `defaults:`
    let get = |k: &str| -> Option<&Node> {
        entries
            .iter()
            .chain(defaults.unwrap_or_default())
            .find(|(key, _)| key.as_str() == Some(k))
            .map(|(_, v)| v)
    };
    let own_key = |k: &str| entries.iter().find(|(key, _)| key.as_str() == Some(k));
    let mut ok = true;

    let (zone, zone_pos) = match own_key("zone") {
        Some((_, v)) => match r.string(v, "zone") {
            Some(z) => match idna_encode(&z) {
                Ok(mut z) => {
                    if !z.ends_with('.') {
                        z.push('.');
                    }
                    (z, v.pos.clone())
                }
                Err(e) => {
                    r.err(&v.pos, "failover-invalid", format!("`zone`: {e}"));
                    return None;
                }
            },
            None => return None,
        },
        None => {
            r.err(
                &node.pos,
                "failover-missing-key",
                "this record has no `zone` (e.g. `zone: example.com.`)",
            );
            return None;
        }
    };
    let name = match own_key("name") {
        None => {
            r.err(
                &node.pos,
                "failover-missing-key",
                "this record has no `name` (relative to the zone; '' for the apex)",
            );
            ok = false;
            String::new()
        }
        Some((_, v)) => {
            if v.as_str().is_none() && !v.is_null() {
                r.err(&v.pos, "failover-invalid", "`name` must be a string");
                ok = false;
            }
            let text = v.as_str().unwrap_or_default().trim();
            let lower = idna_encode(text).unwrap_or_else(|_| text.to_lowercase());
            if lower.ends_with('.') {
                // fully qualified: it must lie in the zone
                match crate::model::relative_name(&lower, &zone) {
                    Some(rel) => rel,
                    None => {
                        r.err(
                            &v.pos,
                            "failover-invalid",
                            format!("`name` {text} is not inside zone {zone}"),
                        );
                        ok = false;
                        String::new()
                    }
                }
            } else {
                lower
            }
        }
    };
    let rtype = match own_key("type") {
        None => {
            r.err(
                &node.pos,
                "failover-missing-key",
                "this record has no `type` (A or AAAA)",
            );
            return None;
        }
        Some((_, v)) => match v.as_str() {
            Some("A") => RecordType::A,
            Some("AAAA") => RecordType::Aaaa,
            _ => {
                r.err(
                    &v.pos,
                    "failover-invalid",
                    format!(
                        "`type` must be A or AAAA (failover manages address records), found {}",
                        shown(v)
                    ),
                );
                return None;
            }
        },
    };
    let target = match get("target") {
        Some(v) => r.string(v, "target").map(|t| (t, v.pos.clone())),
        None => None,
    };
    let own = match get("self") {
        None => {
            r.err(
                &node.pos,
                "failover-missing-key",
                "this record has no `self`: how the daemon finds its own address \
                 (`static: 192.0.2.1`, `interface: eth0` or `url: http://…`)",
            );
            None
        }
        Some(v) => own_source(r, v, &rtype),
    };
    let pool = match own_key("pool") {
        None => None,
        Some((k, v)) => match v.items() {
            Some(items) if !items.is_empty() => {
                let mut out = Vec::new();
                for i in items {
                    match r.ip(i, "pool", Some(&rtype)) {
                        Some(a) => out.push(a),
                        None => ok = false,
                    }
                }
                Some(out)
            }
            _ => {
                r.err(
                    &k.pos,
                    "failover-invalid",
                    "`pool` must be a non-empty list of addresses (or left out: the record's \
                     values in the zone files)",
                );
                ok = false;
                None
            }
        },
    };
    let check = match get("check") {
        None => Some(CheckOverrides::default()),
        Some(v) => check_overrides(r, v),
    };
    let dur = |r: &mut Reader, k: &str, default: f64, min: f64, max: f64| match get(k) {
        None => Some(Duration::from_secs_f64(default)),
        Some(v) => r.duration(v, k, min, max),
    };
    let interval = dur(r, "interval", DEFAULT_INTERVAL, 0.1, 86400.0);
    // default: 3 s, or half the interval when that is shorter
    let default_timeout = interval.map_or(DEFAULT_TIMEOUT, |i| {
        DEFAULT_TIMEOUT.min(i.as_secs_f64() / 2.0)
    });
    let timeout = dur(r, "timeout", default_timeout, 0.01, 3600.0);
    let int = |r: &mut Reader, k: &str, default: u32, max: i64| match get(k) {
        None => Some(default),
        Some(v) => r.int(v, k, 1, max).map(|n| n as u32),
    };
    let retries = int(r, "retries", DEFAULT_RETRIES, 1000);
    let rise = int(r, "rise", DEFAULT_RISE, 1000);
    let self_failures = int(r, "self_failures", DEFAULT_SELF_FAILURES, 1_000_000);
    let jitter = match get("jitter") {
        None => Some(DEFAULT_JITTER),
        Some(v) => r.fraction(v, "jitter", 0.5),
    };
    let fraction = match get("max_remove_fraction") {
        None => Some(DEFAULT_MAX_REMOVE_FRACTION),
        Some(v) => r.fraction(v, "max_remove_fraction", 1.0),
    };
    if let (Some(i), Some(t)) = (interval, timeout)
        && t >= i
    {
        let pos = get("timeout")
            .or(get("interval"))
            .map(|n| n.pos.clone())
            .unwrap_or(node.pos.clone());
        r.err(
            &pos,
            "failover-invalid",
            format!(
                "`timeout` ({}s) must be shorter than `interval` ({}s): one check must end \
                 before the next round",
                t.as_secs_f64(),
                i.as_secs_f64()
            ),
        );
        ok = false;
    }
    if !ok {
        return None;
    }
    Some(RecordSpec {
        pos: node.pos.clone(),
        zone,
        zone_pos,
        name,
        rtype,
        target,
        own: own?,
        pool,
        check: check?,
        interval: interval?,
        timeout: timeout?,
        jitter: jitter?,
        params: Params {
            retries: retries?,
            rise: rise?,
            max_remove_fraction: fraction?,
            self_failures: self_failures?,
        },
    })
}

fn own_source(r: &mut Reader, node: &Node, rtype: &RecordType) -> Option<OwnSource> {
    let entries = r.mapping(
        node,
        "`self`",
        &["static", "interface", "url", "timeout", "headers"],
    )?;
    let get = |k: &str| entries.iter().find(|(key, _)| key.as_str() == Some(k));
    let kinds: Vec<&str> = ["static", "interface", "url"]
        .into_iter()
        .filter(|k| get(k).is_some())
        .collect();
    if kinds.len() != 1 {
        r.err(
            &node.pos,
            "failover-invalid",
            format!(
                "`self` needs exactly one of `static`, `interface` or `url`, found {}",
                if kinds.is_empty() {
                    "none".to_string()
                } else {
                    kinds.join(" and ")
                }
            ),
        );
        return None;
    }
    if kinds[0] != "url" {
        for k in ["timeout", "headers"] {
            if let Some((key, _)) = get(k) {
                r.err(
                    &key.pos,
                    "failover-invalid",
                    format!("`self.{k}` only applies to `url`"),
                );
                return None;
            }
        }
    }
    let (_, v) = get(kinds[0])?;
    match kinds[0] {
        "static" => r.ip(v, "self.static", Some(rtype)).map(OwnSource::Static),
        "interface" => r.string(v, "self.interface").map(OwnSource::Interface),
        _ => {
            let url = r.string(v, "self.url")?;
            if !(url.starts_with("http://") || url.starts_with("https://"))
                || reqwest::Url::parse(&url).is_err()
            {
                r.err(
                    &v.pos,
                    "failover-invalid",
                    format!("`self.url` must be an http:// or https:// URL, found {url:?}"),
                );
                return None;
            }
            let timeout = match get("timeout") {
                None => Duration::from_secs_f64(DEFAULT_URL_TIMEOUT),
                Some((_, t)) => r.duration(t, "self.timeout", 0.01, 60.0)?,
            };
            let mut headers = Vec::new();
            if let Some((_, h)) = get("headers") {
                let Some(hs) = h.entries() else {
                    r.err(
                        &h.pos,
                        "failover-invalid",
                        "`self.headers` must be a mapping of header names to values",
                    );
                    return None;
                };
                for (k, val) in hs {
                    let name = k.key_text();
                    if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
                        r.err(
                            &k.pos,
                            "failover-invalid",
                            format!("bad header name {name:?}"),
                        );
                        return None;
                    }
                    let (value, _) = config::secrets::resolve(val, r.diags)?;
                    let value = match value.to_json() {
                        serde_json::Value::String(s) => s,
                        other => other.to_string(),
                    };
                    if reqwest::header::HeaderValue::from_str(&value).is_err() {
                        r.err(
                            &val.pos,
                            "failover-invalid",
                            format!("the value of header {name:?} is not a valid header value"),
                        );
                        return None;
                    }
                    headers.push((name, value));
                }
            }
            Some(OwnSource::Url {
                url,
                timeout,
                headers,
            })
        }
    }
}

fn check_overrides(r: &mut Reader, node: &Node) -> Option<CheckOverrides> {
    let entries = r.mapping(node, "`check`", CHECK_KEYS)?;
    let mut c = CheckOverrides::default();
    let mut ok = true;
    for (k, v) in entries {
        let key = k.key_text();
        match key.as_str() {
            "protocol" => match v.as_str().map(str::to_ascii_uppercase).as_deref() {
                Some("HTTP") => c.protocol = Some((Protocol::Http, v.pos.clone())),
                Some("HTTPS") => c.protocol = Some((Protocol::Https, v.pos.clone())),
                Some("TCP") => c.protocol = Some((Protocol::Tcp, v.pos.clone())),
                _ => {
                    r.err(
                        &v.pos,
                        "failover-invalid",
                        format!(
                            "`check.protocol` must be HTTP, HTTPS or TCP, found {}",
                            shown(v)
                        ),
                    );
                    ok = false;
                }
            },
            "port" => match r.int(v, "check.port", 1, 65535) {
                Some(p) => c.port = Some(p as u16),
                None => ok = false,
            },
            "path" => match r.checked(v, "check.path", |p| {
                if p.starts_with('/') && !p.chars().any(char::is_whitespace) {
                    Ok(p)
                } else {
                    Err(SettingFault::Path(p))
                }
            }) {
                Some(p) => c.path = Some((p, v.pos.clone())),
                None => ok = false,
            },
            "host" => match r.checked(v, "check.host", |h| {
                if valid_host(&h) {
                    Ok(h)
                } else {
                    Err(SettingFault::Host(h))
                }
            }) {
                Some(h) => c.host = Some((h, v.pos.clone())),
                None => ok = false,
            },
            "method" => match r.checked(v, "check.method", |m| {
                if m.bytes().all(|b| b.is_ascii_alphabetic())
                    && reqwest::Method::from_bytes(m.as_bytes()).is_ok()
                {
                    Ok(m.to_ascii_uppercase())
                } else {
                    Err(SettingFault::Method(m))
                }
            }) {
                Some(m) => c.method = Some((m, v.pos.clone())),
                None => ok = false,
            },
            "expect_status" => match statuses(v) {
                Ok(s) => c.expect_status = Some((s, v.pos.clone())),
                Err(e) => {
                    r.err(
                        &v.pos,
                        "failover-invalid",
                        format!("`check.expect_status`: {e}"),
                    );
                    ok = false;
                }
            },
            "body" => match r.checked(v, "check.body", |b| {
                regex_lite::Regex::new(&b).map_err(SettingFault::Regex)
            }) {
                Some(re) => c.body = Some((re, v.pos.clone())),
                None => ok = false,
            },
            "tls_verify" => match r.bool(v, "check.tls_verify") {
                Some(b) => c.tls_verify = Some(b),
                None => ok = false,
            },
            _ => {} // reported by `mapping`
        }
    }
    ok.then_some(c)
}

fn valid_host(h: &str) -> bool {
    !h.is_empty()
        && h.len() <= 253
        && h.trim_end_matches('.').split('.').all(|l| {
            !l.is_empty()
                && l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// What is wrong with one `check` setting: the diagnostic's text after the key.
#[derive(Debug, thiserror::Error)]
pub enum SettingFault {
    #[error("must start with / and hold no spaces, found {0:?}")]
    Path(String),
    #[error("must be a host name, found {0:?}")]
    Host(String),
    #[error("must be an HTTP method such as GET or HEAD, found {0:?}")]
    Method(String),
    #[error("is not a valid regular expression: {0}")]
    Regex(#[source] regex_lite::Error),
    #[error("{0:?} is not an HTTP status (100-599)")]
    Status(String),
    #[error("the range {0:?} is empty")]
    EmptyRange(String),
    #[error("the list is empty")]
    EmptyList,
}

/// `200`, `"200-299"` or a list of them → inclusive ranges.
fn statuses(node: &Node) -> Result<Vec<(u16, u16)>, SettingFault> {
    let one = |n: &Node| -> Result<(u16, u16), SettingFault> {
        let text = n.as_str().unwrap_or_default().trim().to_string();
        let code = |s: &str| -> Result<u16, SettingFault> {
            s.trim()
                .parse::<u16>()
                .ok()
                .filter(|c| (100..=599).contains(c))
                .ok_or_else(|| SettingFault::Status(s.to_string()))
        };
        match text.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (code(a)?, code(b)?);
                if a > b {
                    return Err(SettingFault::EmptyRange(text));
                }
                Ok((a, b))
            }
            None => code(&text).map(|c| (c, c)),
        }
    };
    match node.items() {
        Some(items) if !items.is_empty() => items.iter().map(one).collect(),
        Some(_) => Err(SettingFault::EmptyList),
        None => one(node).map(|r| vec![r]),
    }
}

/// Fill what the dnsplan config knows: the target provider, the pool (the record's values
/// in the zone files when not listed) and the check (the record's `octodns.healthcheck`,
/// then the overrides). Problems point at the failover config.
pub fn resolve(spec: &Spec, cfg: &Config) -> (Vec<Managed>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut out = Vec::new();
    for rec in &spec.records {
        if let Some(m) = resolve_one(rec, cfg, &mut diags) {
            out.push(m);
        }
    }
    (out, diags)
}

fn resolve_one(rec: &RecordSpec, cfg: &Config, diags: &mut Vec<Diagnostic>) -> Option<Managed> {
    let label = rec.label();
    let err = |diags: &mut Vec<Diagnostic>, pos: &Pos, rule: &str, msg: String| {
        diags.push(Diagnostic::error(pos.clone(), rule, msg).with_subject(label.clone()));
    };
    let Some(zc) = cfg.zones.get(&rec.zone) else {
        err(
            diags,
            &rec.zone_pos,
            "failover-unknown-zone",
            format!(
                "zone {} is not configured in {}",
                rec.zone,
                cfg.path.display()
            ),
        );
        return None;
    };
    // the target: named, or the zone's only one
    let target_id = match &rec.target {
        Some((t, pos)) => {
            if !zc.targets.contains(t) {
                err(
                    diags,
                    pos,
                    "failover-unknown-target",
                    format!(
                        "{t} is not a target of zone {} (its targets: {})",
                        rec.zone,
                        zc.targets.join(", ")
                    ),
                );
                return None;
            }
            t.clone()
        }
        None => match zc.targets.as_slice() {
            [one] => one.clone(),
            many => {
                err(
                    diags,
                    &rec.pos,
                    "failover-unknown-target",
                    format!(
                        "zone {} has {} targets ({}): name the one to write with `target:`",
                        rec.zone,
                        many.len(),
                        many.join(", ")
                    ),
                );
                return None;
            }
        },
    };
    let Some(target) = cfg.providers.get(&target_id) else {
        err(
            diags,
            &rec.pos,
            "failover-unknown-target",
            format!("provider {target_id} is not configured"),
        );
        return None;
    };
    // the record in git, for the pool and the check defaults
    let desired = config::load_desired(cfg, zc);
    let git_errors: Vec<Diagnostic> = desired
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .cloned()
        .collect();
    let in_git = desired.zone.get(&rec.name, &rec.rtype).cloned();
    if rec.pool.is_none() && !git_errors.is_empty() {
        diags.extend(git_errors);
        err(
            diags,
            &rec.pos,
            "failover-no-pool",
            format!(
                "the zone files of {} have errors (above), so the pool cannot be read from them",
                rec.zone
            ),
        );
        return None;
    }
    if let Some(r) = &in_git
        && r.dynamic.is_some()
    {
        err(
            diags,
            &rec.pos,
            "failover-dynamic",
            format!(
                "{label} is a dynamic record in git; failover manages plain round-robin records \
                 (dynamic records have the provider's own health checks)"
            ),
        );
        return None;
    }
    let pool: Vec<IpAddr> = match (&rec.pool, &in_git) {
        (Some(p), _) => p.clone(),
        (None, Some(r)) => r
            .values
            .iter()
            .filter_map(|v| match v {
                Value::Ip(s) => s.parse().ok(),
                _ => None,
            })
            .collect(),
        (None, None) => {
            err(
                diags,
                &rec.pos,
                "failover-no-pool",
                format!(
                    "{label} is not in the zone files of {}{}; add it there or list its \
                     addresses with `pool:`",
                    rec.zone,
                    if desired.other_sources.is_empty() {
                        String::new()
                    } else {
                        format!(
                            " (sources that are not YAML are not read: {})",
                            desired.other_sources.join(", ")
                        )
                    }
                ),
            );
            return None;
        }
    };
    let mut pool = pool;
    pool.sort();
    pool.dedup();
    if pool.is_empty() {
        err(
            diags,
            &rec.pos,
            "failover-no-pool",
            format!("{label} has no address to manage"),
        );
        return None;
    }
    if let OwnSource::Static(a) = &rec.own
        && !pool.contains(a)
    {
        err(
            diags,
            &rec.pos,
            "failover-self-not-in-pool",
            format!(
                "self.static {a} is not in the pool ({}); a daemon runs on one of the pool's servers",
                pool.iter()
                    .map(|a| a.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
        return None;
    }
    let settings = in_git.map(|r| r.settings).unwrap_or_else(Settings::default);
    let check = check_spec(rec, &settings, diags)?;
    Some(Managed {
        spec: rec.clone(),
        target: target.clone(),
        pool,
        check,
    })
}

fn check_spec(
    rec: &RecordSpec,
    settings: &Settings,
    diags: &mut Vec<Diagnostic>,
) -> Option<CheckSpec> {
    let fqdn = rec.fqdn();
    let hc = settings.healthcheck(&fqdn);
    let o = &rec.check;
    let protocol = match &o.protocol {
        Some((p, _)) => *p,
        None => match hc.protocol.as_str() {
            "HTTP" => Protocol::Http,
            "HTTPS" => Protocol::Https,
            "TCP" => Protocol::Tcp,
            other => {
                diags.push(
                    Diagnostic::error(
                        rec.pos.clone(),
                        "failover-check",
                        format!(
                            "the record's octodns.healthcheck protocol is {other}, which failover \
                             cannot check; set `check.protocol` (HTTP, HTTPS or TCP)"
                        ),
                    )
                    .with_subject(rec.label()),
                );
                return None;
            }
        },
    };
    if protocol == Protocol::Tcp {
        let http_only = [
            o.path.as_ref().map(|x| &x.1),
            o.host.as_ref().map(|x| &x.1),
            o.method.as_ref().map(|x| &x.1),
            o.expect_status.as_ref().map(|x| &x.1),
            o.body.as_ref().map(|x| &x.1),
        ];
        if let Some(pos) = http_only.into_iter().flatten().next() {
            diags.push(
                Diagnostic::error(
                    pos.clone(),
                    "failover-check",
                    "path, host, method, expect_status and body apply to HTTP and HTTPS checks, \
                     not TCP",
                )
                .with_subject(rec.label()),
            );
            return None;
        }
    }
    if let (Some((m, _)), Some((_, pos))) = (&o.method, &o.body)
        && m == "HEAD"
    {
        diags.push(
            Diagnostic::error(
                pos.clone(),
                "failover-check",
                "`check.body` cannot match anything with `method: HEAD` (a HEAD answer has no body)",
            )
            .with_subject(rec.label()),
        );
        return None;
    }
    // the record's port when it sets one (octoDNS: 443 when it does not); with the protocol
    // chosen here, the protocol's usual port
    let explicit_port = settings
        .raw
        .get("healthcheck")
        .and_then(|h| h.get("port"))
        .is_some();
    let default_port = match (&o.protocol, hc.port) {
        (None, Some(p)) => p,
        (Some(_), Some(p)) if explicit_port => p,
        _ if protocol == Protocol::Http => 80,
        _ => 443,
    };
    Some(CheckSpec {
        protocol,
        port: o.port.unwrap_or(default_port),
        path: o
            .path
            .as_ref()
            .map(|p| p.0.clone())
            .or(hc.path)
            .unwrap_or_else(|| "/_dns".into()),
        host: o
            .host
            .as_ref()
            .map(|h| h.0.clone())
            .or(hc.host)
            .unwrap_or_else(|| fqdn.trim_end_matches('.').to_string()),
        method: o
            .method
            .as_ref()
            .map(|m| m.0.clone())
            .unwrap_or_else(|| "GET".into()),
        expect_status: o
            .expect_status
            .as_ref()
            .map(|s| s.0.clone())
            .unwrap_or_else(|| vec![(200, 399)]),
        body: o.body.as_ref().map(|b| b.0.clone()),
        tls_verify: o.tls_verify.unwrap_or(true),
        timeout: rec.timeout,
    })
}

/// Every secret the failover config holds (header values from `env/…`), for scrubbing.
pub fn secret_values(spec: &Spec) -> Vec<String> {
    spec.records
        .iter()
        .flat_map(|r| match &r.own {
            OwnSource::Url { headers, .. } => headers
                .iter()
                .map(|(_, v)| v.clone())
                .filter(|v| v.len() >= 4)
                .collect(),
            _ => Vec::new(),
        })
        .collect()
}

#[cfg(test)]
mod tests;

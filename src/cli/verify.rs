//! `dnsplan verify` (every target's name servers against git, and against each other) and
//! `dnsplan report` (octodns-report: each record's answers across a list of servers).

use std::collections::BTreeMap;
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use clap::ValueEnum;

use super::{ConfigArg, EXIT_CHANGES, EXIT_ERROR, EXIT_OK, report};
use crate::config::{self, Config};
use crate::verify::{self, Finding, Report, Target};

#[derive(clap::Args, Debug)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub config: ConfigArg,
    /// Only these zones (default: all configured zones).
    #[arg(value_name = "ZONE")]
    pub zones: Vec<String>,
    /// Where to ask: `auto` (default: the provider's own server, else the zone's NS records),
    /// `ADDR[:PORT]` for every target, or `TARGET=ADDR[:PORT]` for one. Repeatable.
    #[arg(long, value_name = "auto|ADDR|TARGET=ADDR", num_args = 1..)]
    pub nameservers: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: VerifyFormat,
    /// Seconds to wait for each answer (UDP tries and the TCP fallback each get this long).
    #[arg(long, default_value = "3", value_name = "SECONDS")]
    pub timeout: f64,
    /// Queries in flight at once.
    #[arg(long, default_value = "32", value_name = "N")]
    pub concurrency: usize,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum VerifyFormat {
    /// A table of the differences.
    Table,
    /// JSON: `{version, ok, checked, targets, findings}`.
    Json,
}

#[derive(clap::Args, Debug)]
pub struct ReportArgs {
    #[command(flatten)]
    pub config: ConfigArg,
    /// The zone whose records are asked about.
    #[arg(long)]
    pub zone: String,
    /// Read the records from this provider instead of the zone's sources (the zone files).
    #[arg(long)]
    pub source: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "csv")]
    pub output_format: ReportFormat,
    /// Seconds to wait for each answer.
    #[arg(long, default_value = "3", value_name = "SECONDS")]
    pub timeout: f64,
    /// Queries in flight at once.
    #[arg(long, default_value = "32", value_name = "N")]
    pub concurrency: usize,
    /// The servers to ask, `ADDR[:PORT]`.
    #[arg(value_name = "SERVER", required = true)]
    pub servers: Vec<String>,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum ReportFormat {
    /// `Name,Type,TTL,<server>…,Consistent`, as octodns-report writes.
    Csv,
    /// A JSON array of `{name, type, ttl, answers: {server: values}, consistent}`.
    Json,
}

/// `ADDR`, `ADDR:PORT`, `[V6]:PORT`; port 53 by default.
pub fn parse_addr(s: &str) -> Result<SocketAddr, String> {
    if let Ok(a) = s.parse::<SocketAddr>() {
        return Ok(a);
    }
    if let Ok(ip) = s
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
    {
        return Ok(SocketAddr::new(ip, 53));
    }
    Err(format!(
        "{s:?} is not an address (ADDR, ADDR:PORT or [IPv6]:PORT; names are not resolved here)"
    ))
}

fn timeout_of(secs: f64) -> Result<Duration, String> {
    if secs.is_finite() && secs > 0.0 && secs <= 300.0 {
        Ok(Duration::from_secs_f64(secs))
    } else {
        Err(format!(
            "--timeout must be between 0 and 300 seconds, not {secs}"
        ))
    }
}

/// Name servers chosen on the command line.
struct Choice {
    auto: bool,
    all: Vec<SocketAddr>,
    per_target: BTreeMap<String, Vec<SocketAddr>>,
}

fn parse_choice(items: &[String], cfg: &Config) -> Result<Choice, String> {
    let mut c = Choice {
        auto: items.is_empty(),
        all: Vec::new(),
        per_target: BTreeMap::new(),
    };
    for it in items {
        if it == "auto" {
            c.auto = true;
        } else if let Some((t, a)) = it.split_once('=') {
            if !cfg.providers.contains_key(t) {
                return Err(format!(
                    "--nameservers {it}: no provider {t:?} (configured: {})",
                    cfg.providers.keys().cloned().collect::<Vec<_>>().join(", ")
                ));
            }
            c.per_target
                .entry(t.to_string())
                .or_default()
                .push(parse_addr(a)?);
        } else {
            c.all.push(parse_addr(it)?);
        }
    }
    Ok(c)
}

pub fn verify(a: VerifyArgs) -> i32 {
    let Some(cfg) = super::plan::load_config(&a.config.config) else {
        return EXIT_ERROR;
    };
    let timeout = match timeout_of(a.timeout) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_ERROR;
        }
    };
    let choice = match parse_choice(&a.nameservers, cfg) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_ERROR;
        }
    };
    let mut diags = Vec::new();
    let zones = cfg.select_zones(&a.zones, &mut diags);
    if diags.iter().any(|d| d.is_error()) {
        report::print_stderr(&diags);
        return EXIT_ERROR;
    }
    let rt = super::plan::runtime();
    let mut targets = Vec::new();
    for zc in zones {
        let d = config::load_desired(cfg, zc);
        if d.diagnostics.iter().any(|x| x.is_error()) {
            report::print_stderr(&d.diagnostics);
            return EXIT_ERROR;
        }
        for t in &zc.targets {
            let provider = match crate::provider::build(&cfg.providers[t]) {
                Ok(p) => p,
                Err(e) => {
                    eprintln!("error: {}", super::plan::scrub(cfg, &e.to_string()));
                    return EXIT_ERROR;
                }
            };
            let mut servers = choice.per_target.get(t).cloned().unwrap_or_default();
            servers.extend(&choice.all);
            let mut problem = None;
            if servers.is_empty() && choice.auto {
                match provider.nameservers() {
                    Some(s) => servers = s,
                    None => match rt.block_on(verify::nameservers_from_ns(&d.zone)) {
                        Ok(s) => servers = s,
                        Err(e) => problem = Some(e),
                    },
                }
            }
            if servers.is_empty() && problem.is_none() {
                problem = Some("no name servers given for this target".into());
            }
            servers.sort();
            servers.dedup();
            targets.push(Target {
                zone: zc.name.clone(),
                target: t.clone(),
                expect: verify::for_target(&d.zone, t, provider.capabilities()),
                servers,
                problem,
            });
        }
    }
    let rep = rt.block_on(verify::run(targets, timeout, a.concurrency));
    let mut out = std::io::stdout().lock();
    let _ = match a.format {
        VerifyFormat::Json => serde_json::to_writer_pretty(&mut out, &rep)
            .map_err(std::io::Error::other)
            .and_then(|_| writeln!(out)),
        VerifyFormat::Table => write_table(&mut out, &rep),
    };
    if rep.ok { EXIT_OK } else { EXIT_CHANGES }
}

fn write_table(out: &mut impl Write, rep: &Report) -> std::io::Result<()> {
    let servers: usize = rep.targets.iter().map(|t| t.servers.len()).sum();
    if rep.ok {
        return writeln!(
            out,
            "All answers match: {} queries to {servers} server(s) across {} zone × target.",
            rep.checked,
            rep.targets.len()
        );
    }
    let mut rows: Vec<[String; 5]> = Vec::new();
    for f in &rep.findings {
        rows.push(match f {
            Finding::Differs {
                zone,
                target,
                server,
                name,
                rtype,
                want,
                want_ttl,
                got,
                got_ttl,
                reason,
            } => [
                format!("{name} {rtype} ({zone})"),
                format!("{target} @ {server}"),
                format!("{} (TTL {want_ttl})", want.join(" | ")),
                format!(
                    "{}{}",
                    if got.is_empty() {
                        "-".into()
                    } else {
                        got.join(" | ")
                    },
                    got_ttl.map(|t| format!(" (TTL {t})")).unwrap_or_default()
                ),
                reason.clone(),
            ],
            Finding::NoAnswer {
                zone,
                target,
                server,
                name,
                rtype,
                reason,
            } => [
                format!("{name} {rtype} ({zone})"),
                format!("{target} @ {server}"),
                String::new(),
                "-".into(),
                reason.clone(),
            ],
            Finding::Disagree {
                zone,
                name,
                rtype,
                a,
                a_values,
                b,
                b_values,
            } => [
                format!("{name} {rtype} ({zone})"),
                format!("{a} vs {b}"),
                format!("{a}: {}", a_values.join(" | ")),
                format!("{b}: {}", b_values.join(" | ")),
                "the providers answer differently".into(),
            ],
            Finding::NoServers {
                zone,
                target,
                reason,
            } => [
                format!("({zone})"),
                target.clone(),
                String::new(),
                String::new(),
                reason.clone(),
            ],
        });
    }
    let mut b = tabled::builder::Builder::default();
    b.push_record(["record", "where", "git says", "server says", "problem"]);
    for r in rows {
        b.push_record(r);
    }
    let mut t = b.build();
    t.with(tabled::settings::Style::sharp());
    writeln!(out, "{t}")?;
    writeln!(
        out,
        "{} difference(s) in {} queries to {servers} server(s).",
        rep.findings.len(),
        rep.checked
    )
}

pub fn report(a: ReportArgs) -> i32 {
    let Some(cfg) = super::plan::load_config(&a.config.config) else {
        return EXIT_ERROR;
    };
    let run = || -> Result<i32, String> {
        let timeout = timeout_of(a.timeout)?;
        let servers: Vec<SocketAddr> = a
            .servers
            .iter()
            .map(|s| parse_addr(s))
            .collect::<Result<_, _>>()?;
        let mut diags = Vec::new();
        let zones = cfg.select_zones(std::slice::from_ref(&a.zone), &mut diags);
        let zc = zones
            .first()
            .ok_or_else(|| format!("zone {} is not configured", a.zone))?;
        let rt = super::plan::runtime();
        let zone = match &a.source {
            None => {
                let d = config::load_desired(cfg, zc);
                if d.diagnostics.iter().any(|x| x.is_error()) {
                    report::print_stderr(&d.diagnostics);
                    return Ok(EXIT_ERROR);
                }
                d.zone
            }
            Some(s) => {
                let pc = cfg
                    .providers
                    .get(s)
                    .ok_or_else(|| format!("unknown source {s:?}"))?;
                let p = crate::provider::build(pc)
                    .map_err(|e| super::plan::scrub(cfg, &e.to_string()))?;
                rt.block_on(p.existing(&zc.name))
                    .map_err(|e| super::plan::scrub(cfg, &e.to_string()))?
                    .ok_or_else(|| format!("zone {} does not exist on {s}", zc.name))?
            }
        };
        let expect = verify::expectations(&zone);
        let rows = rt.block_on(verify::answers(&expect, &servers, timeout, a.concurrency));
        let mut out = std::io::stdout().lock();
        match a.output_format {
            ReportFormat::Csv => {
                let cell = |s: &str| {
                    if s.contains([',', '"', '\n']) {
                        format!("\"{}\"", s.replace('"', "\"\""))
                    } else {
                        s.to_string()
                    }
                };
                let mut head = vec!["Name".to_string(), "Type".into(), "TTL".into()];
                head.extend(servers.iter().map(|s| s.to_string()));
                head.push("Consistent".into());
                writeln!(out, "{}", head.join(",")).map_err(|e| e.to_string())?;
                for r in &rows {
                    let mut line = vec![cell(&r.name), r.rtype.clone(), r.ttl.to_string()];
                    for a in &r.answers {
                        line.push(cell(&match a {
                            Ok(v) => v.join(" "),
                            Err(e) => format!("error: {e}"),
                        }));
                    }
                    line.push(if r.consistent { "True" } else { "False" }.into());
                    writeln!(out, "{}", line.join(",")).map_err(|e| e.to_string())?;
                }
            }
            ReportFormat::Json => {
                let doc: Vec<serde_json::Value> = rows
                    .iter()
                    .map(|r| {
                        let answers: serde_json::Map<String, serde_json::Value> = servers
                            .iter()
                            .zip(&r.answers)
                            .map(|(s, a)| {
                                (
                                    s.to_string(),
                                    match a {
                                        Ok(v) => serde_json::json!(v),
                                        Err(e) => serde_json::json!({ "error": e }),
                                    },
                                )
                            })
                            .collect();
                        serde_json::json!({"name": r.name, "type": r.rtype, "ttl": r.ttl,
                            "answers": answers, "consistent": r.consistent})
                    })
                    .collect();
                serde_json::to_writer_pretty(&mut out, &doc).map_err(|e| e.to_string())?;
                writeln!(out).map_err(|e| e.to_string())?;
            }
        }
        Ok(EXIT_OK)
    };
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_ERROR
        }
    }
}

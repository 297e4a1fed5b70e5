//! Real servers for the conformance tests: started once per test binary, on free loopback
//! ports, by the project's scripts in `scripts/harness/`, and stopped when the binary ends
//! (the script's watchdog follows this process's PID, so a crashed or killed run leaves
//! nothing behind). A test that needs a server fails when it cannot be started or reached:
//! it never skips.
//!
//! `DNSPLAN_PDNS_API_URL` + `DNSPLAN_PDNS_DNS` (+ `PDNS_API_KEY`, default `test-api-key`)
//! point the tests at a server that is already running instead; `DNSPLAN_MOTO_URL`
//! (`http://127.0.0.1:PORT`, + `DNSPLAN_MOTO_LOG`, its log) does the same for moto_server,
//! the Route 53 emulator;
//! `DNSPLAN_BIND_WORKDIR` / `DNSPLAN_KNOT_WORKDIR` for a BIND / Knot server started there by
//! `scripts/harness/{bind,knot}.sh start`.

use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A running PowerDNS Authoritative server.
#[derive(Debug)]
pub struct Pdns {
    /// `http://127.0.0.1:PORT`
    pub api_url: String,
    pub api_host: String,
    pub api_port: u16,
    pub api_key: String,
    pub dns: SocketAddr,
}

static PDNS: OnceLock<Result<Pdns, String>> = OnceLock::new();

/// The PowerDNS server of this test binary; panics (fails the test) when it cannot run.
pub fn pdns() -> &'static Pdns {
    match PDNS.get_or_init(start_pdns) {
        Ok(p) => p,
        Err(e) => panic!("PowerDNS is needed by this test and could not be started:\n{e}"),
    }
}

/// A loopback port that is free for TCP and UDP right now.
fn free_port(udp_too: bool) -> u16 {
    for _ in 0..50 {
        let tcp = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let port = tcp.local_addr().unwrap().port();
        if !udp_too || UdpSocket::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free loopback port");
}

fn start_pdns() -> Result<Pdns, String> {
    if let (Ok(api), Ok(dns)) = (
        std::env::var("DNSPLAN_PDNS_API_URL"),
        std::env::var("DNSPLAN_PDNS_DNS"),
    ) {
        let key = std::env::var("PDNS_API_KEY").unwrap_or_else(|_| "test-api-key".into());
        let hostport = api
            .trim_end_matches('/')
            .rsplit("//")
            .next()
            .unwrap_or_default()
            .to_string();
        let (host, port) = hostport
            .rsplit_once(':')
            .ok_or(format!("DNSPLAN_PDNS_API_URL={api}: no port"))?;
        return Ok(Pdns {
            api_url: api.clone(),
            api_host: host.to_string(),
            api_port: port.parse().map_err(|_| format!("bad port in {api}"))?,
            api_key: key,
            dns: dns
                .parse()
                .map_err(|e| format!("DNSPLAN_PDNS_DNS={dns}: {e}"))?,
        });
    }
    let dns_port = free_port(true);
    let mut api_port = free_port(false);
    while api_port == dns_port {
        api_port = free_port(false);
    }
    let key = "conformance-api-key".to_string();
    let work: PathBuf =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("pdns-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    let out = Command::new(repo().join("scripts/harness/pdns.sh"))
        .arg("start")
        .arg(&work)
        .env("PDNS_DNS_PORT", dns_port.to_string())
        .env("PDNS_API_PORT", api_port.to_string())
        .env("PDNS_API_KEY", &key)
        .env("PDNS_OWNER_PID", std::process::id().to_string())
        .env("PDNS_CLEANUP", "1")
        .output()
        .map_err(|e| format!("cannot run scripts/harness/pdns.sh: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "scripts/harness/pdns.sh start failed ({}); install the server with \
             `scripts/harness/pdns.sh install`:\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(Pdns {
        api_url: format!("http://127.0.0.1:{api_port}"),
        api_host: "127.0.0.1".into(),
        api_port,
        api_key: key,
        dns: SocketAddr::from(([127, 0, 0, 1], dns_port)),
    })
}

/// A running RFC 2136 server (BIND 9 or Knot DNS) and its TSIG key. Zones are added and
/// emptied with `reset_zone` (RFC 2136 cannot create zones).
#[derive(Debug)]
pub struct Rfc2136Server {
    /// `bind` or `knot`: the script `scripts/harness/{kind}.sh` that runs it.
    pub kind: &'static str,
    pub work: PathBuf,
    pub dns: SocketAddr,
    pub key_name: String,
    pub key_secret: String,
    pub key_algorithm: String,
}

impl Rfc2136Server {
    fn script(&self) -> PathBuf {
        repo().join(format!("scripts/harness/{}.sh", self.kind))
    }

    fn zone_command(&self, cmd: &str, zone: &str, more: &[&std::ffi::OsStr]) {
        let out = Command::new(self.script())
            .arg(cmd)
            .arg(&self.work)
            .arg(zone)
            .args(more)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", self.script().display()));
        assert!(
            out.status.success(),
            "{}.sh {cmd} {zone} {more:?} failed ({}):\n{}{}",
            self.kind,
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// (Re)create `zone` on the server holding only its SOA and `NS ns1.example.net.`.
    pub fn reset_zone(&self, zone: &str) {
        self.zone_command("zone-reset", zone, &[]);
    }

    /// (Re)create `zone` from the master file `file`, served as a primary serves its file
    /// (BIND only: `bind.sh zone-load`).
    pub fn load_zone(&self, zone: &str, file: &Path) {
        self.zone_command("zone-load", zone, &[file.as_os_str()]);
    }

    /// Remove `zone` from the server, if it is there.
    pub fn delete_zone(&self, zone: &str) {
        self.zone_command("zone-delete", zone, &[]);
    }
}

static BIND: OnceLock<Result<Rfc2136Server, String>> = OnceLock::new();
static KNOT: OnceLock<Result<Rfc2136Server, String>> = OnceLock::new();

/// The BIND 9 server of this test binary; panics (fails the test) when it cannot run.
/// `DNSPLAN_BIND_WORKDIR`: use a server already started there by `bind.sh start`.
pub fn bind() -> &'static Rfc2136Server {
    match BIND.get_or_init(|| start_rfc2136("bind")) {
        Ok(s) => s,
        Err(e) => panic!("BIND is needed by this test and could not be started:\n{e}"),
    }
}

/// The Knot DNS server of this test binary; panics (fails the test) when it cannot run.
/// `DNSPLAN_KNOT_WORKDIR`: use a server already started there by `knot.sh start`.
pub fn knot() -> &'static Rfc2136Server {
    match KNOT.get_or_init(|| start_rfc2136("knot")) {
        Ok(s) => s,
        Err(e) => panic!("Knot DNS is needed by this test and could not be started:\n{e}"),
    }
}

fn start_rfc2136(kind: &'static str) -> Result<Rfc2136Server, String> {
    let prefix = kind.to_ascii_uppercase();
    let script = repo().join(format!("scripts/harness/{kind}.sh"));
    let work = match std::env::var_os(format!("DNSPLAN_{prefix}_WORKDIR")) {
        Some(w) => PathBuf::from(w),
        None => {
            let work: PathBuf = Path::new(env!("CARGO_TARGET_TMPDIR"))
                .join(format!("{kind}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&work);
            let dns_port = free_port(true);
            let mut control_port = free_port(false);
            while control_port == dns_port {
                control_port = free_port(false);
            }
            let out = Command::new(&script)
                .arg("start")
                .arg(&work)
                .env(format!("{prefix}_DNS_PORT"), dns_port.to_string())
                .env("BIND_RNDC_PORT", control_port.to_string())
                .env(
                    format!("{prefix}_OWNER_PID"),
                    std::process::id().to_string(),
                )
                .env(format!("{prefix}_CLEANUP"), "1")
                .output()
                .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
            if !out.status.success() {
                return Err(format!(
                    "scripts/harness/{kind}.sh start failed ({}); install the server with \
                     `scripts/harness/{kind}.sh install-system`:\n{}{}",
                    out.status,
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
            work
        }
    };
    // the script records the address and the key it started the server with
    let env = std::fs::read_to_string(work.join("env"))
        .map_err(|e| format!("{}: {e}", work.join("env").display()))?;
    let get = |k: &str| -> Result<String, String> {
        env.lines()
            .find_map(|l| l.strip_prefix(&format!("{prefix}_{k}=")))
            .map(str::to_string)
            .ok_or(format!(
                "{prefix}_{k} missing from {}",
                work.join("env").display()
            ))
    };
    let dns: SocketAddr = get("DNS")?
        .parse()
        .map_err(|e| format!("{prefix}_DNS: {e}"))?;
    if !dns.ip().is_loopback() {
        return Err(format!(
            "{prefix}_DNS={dns}: the tests talk to loopback only"
        ));
    }
    Ok(Rfc2136Server {
        kind,
        dns,
        key_name: get("KEY_NAME")?,
        key_secret: get("KEY_SECRET")?,
        key_algorithm: get("KEY_ALGORITHM")?,
        work,
    })
}

/// A running moto_server (Route 53 emulation; AWS APIs only, no DNS).
#[derive(Debug)]
pub struct Moto {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    /// Its request log (one line per request, written before the response is sent); for a
    /// server given by `DNSPLAN_MOTO_URL`, `DNSPLAN_MOTO_LOG` if set.
    pub log: Option<PathBuf>,
}

static MOTO: OnceLock<Result<Moto, String>> = OnceLock::new();

/// The moto_server of this test binary; panics (fails the test) when it cannot run.
pub fn moto() -> &'static Moto {
    match MOTO.get_or_init(start_moto) {
        Ok(m) => m,
        Err(e) => panic!("moto_server is needed by this test and could not be started:\n{e}"),
    }
}

fn start_moto() -> Result<Moto, String> {
    if let Ok(url) = std::env::var("DNSPLAN_MOTO_URL") {
        let url = url.trim_end_matches('/').to_string();
        // everything the tests send must stay on this machine
        if !url.starts_with("http://127.0.0.1:") {
            return Err(format!(
                "DNSPLAN_MOTO_URL={url}: must be http://127.0.0.1:PORT"
            ));
        }
        let log = std::env::var_os("DNSPLAN_MOTO_LOG").map(PathBuf::from);
        return Ok(Moto { url, log });
    }
    let port = free_port(false);
    let work: PathBuf =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("moto-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    let out = Command::new(repo().join("scripts/harness/moto.sh"))
        .arg("start")
        .arg(&work)
        .env("MOTO_PORT", port.to_string())
        .env("MOTO_OWNER_PID", std::process::id().to_string())
        .env("MOTO_CLEANUP", "1")
        .env("DNSPLAN_VENV", venv())
        .output()
        .map_err(|e| format!("cannot run scripts/harness/moto.sh: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "scripts/harness/moto.sh start failed ({}); scripts/test installs moto[server] \
             5.1.22 in .venv:\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(Moto {
        url: format!("http://127.0.0.1:{port}"),
        log: Some(work.join("moto.log")),
    })
}

/// The project's Python venv (octoDNS), as scripts/test sets it up.
pub fn venv() -> PathBuf {
    std::env::var_os("DNSPLAN_OCTODNS_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join(".venv"))
}

//! DNS over TCP to one server (RFC 7766): a request, its answer(s), each step bounded by the
//! timeout; requests signed and answers verified when a TSIG key is configured.

use std::net::SocketAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::wire::{self, Key, Message, Name, TsigFailure, Verifier};

/// What went wrong talking to the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// No connection (refused, unreachable, timed out): nothing was sent.
    Connect(String),
    /// The request may have reached the server, but no (complete) answer came back.
    Transport(String),
    /// The answer could not be read.
    Malformed(String),
    /// The answer's TSIG was not accepted, or the server did not accept ours.
    Tsig(TsigFailure),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Connect(m) | Failure::Transport(m) => f.write_str(m),
            Failure::Malformed(m) => write!(f, "unreadable answer: {m}"),
            Failure::Tsig(t) => write!(f, "TSIG: {t:?}"),
        }
    }
}

impl std::error::Error for Failure {}

impl Failure {
    /// No answer (the server could not be reached, or the connection broke): trying again
    /// later may help. An unreadable answer or a TSIG failure will not change.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Failure::Connect(_) | Failure::Transport(_))
    }
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// A message ID nobody can guess ahead.
pub fn random_id() -> u16 {
    u16::from_be_bytes(crate::random::bytes::<2>())
}

/// One TCP connection.
pub struct Conn {
    stream: TcpStream,
    addr: SocketAddr,
    timeout: Duration,
}

impl Conn {
    pub async fn connect(addr: SocketAddr, timeout: Duration) -> Result<Conn, Failure> {
        let stream = tokio::time::timeout(timeout, TcpStream::connect(addr))
            .await
            .map_err(|_| {
                Failure::Connect(format!("connecting to {addr} timed out after {timeout:?}"))
            })?
            .map_err(|e| Failure::Connect(format!("cannot connect to {addr}: {e}")))?;
        let _ = stream.set_nodelay(true);
        Ok(Conn {
            stream,
            addr,
            timeout,
        })
    }

    pub async fn send(&mut self, msg: &[u8]) -> Result<(), Failure> {
        if msg.len() > wire::MAX_MESSAGE {
            return Err(Failure::Malformed(format!(
                "a message of {} octets cannot be sent (65535 at most)",
                msg.len()
            )));
        }
        let mut framed = Vec::with_capacity(msg.len() + 2);
        framed.extend((msg.len() as u16).to_be_bytes());
        framed.extend_from_slice(msg);
        tokio::time::timeout(self.timeout, self.stream.write_all(&framed))
            .await
            .map_err(|_| Failure::Transport(format!("sending to {} timed out", self.addr)))?
            .map_err(|e| Failure::Transport(format!("sending to {}: {e}", self.addr)))
    }

    pub async fn recv(&mut self) -> Result<Vec<u8>, Failure> {
        let addr = self.addr;
        let timeout = self.timeout;
        let read = async {
            let mut len = [0u8; 2];
            self.stream.read_exact(&mut len).await?;
            let mut buf = vec![0u8; u16::from_be_bytes(len) as usize];
            self.stream.read_exact(&mut buf).await?;
            Ok::<_, std::io::Error>(buf)
        };
        tokio::time::timeout(timeout, read)
            .await
            .map_err(|_| Failure::Transport(format!("no answer from {addr} within {timeout:?}")))?
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::UnexpectedEof => Failure::Transport(format!(
                    "{addr} closed the connection without a complete answer"
                )),
                _ => Failure::Transport(format!("reading from {addr}: {e}")),
            })
    }
}

/// A request ready to go: the message, and the verifier of its answers when it is signed.
pub struct Request {
    pub id: u16,
    pub bytes: Vec<u8>,
    pub verifier: Option<Verifier>,
}

impl Request {
    /// Sign (when a key is given) a message built with `id`.
    pub fn new(id: u16, mut bytes: Vec<u8>, key: Option<&Key>) -> Result<Request, String> {
        let verifier = match key {
            Some(k) => {
                let mac = k.sign(&mut bytes, now()).map_err(|e| e.to_string())?;
                Some(Verifier::new(k, mac))
            }
            None => None,
        };
        Ok(Request {
            id,
            bytes,
            verifier,
        })
    }

    /// Read one answer and check it belongs to this request and is signed as it must be. The
    /// flag is false for an unsigned message in the middle of a transfer (covered by a later
    /// MAC, checked then).
    pub async fn answer(&mut self, conn: &mut Conn) -> Result<(Message, Vec<u8>, bool), Failure> {
        let raw = conn.recv().await?;
        let msg = Message::parse(&raw).map_err(|e| Failure::Malformed(e.to_string()))?;
        if msg.id != self.id || !msg.response {
            return Err(Failure::Malformed(format!(
                "an answer with id {} to request {}",
                msg.id, self.id
            )));
        }
        let signed = match &mut self.verifier {
            Some(v) => match v.verify(&raw, &msg, now()) {
                Ok(s) => s,
                // an error answer may come unsigned: the rcode is reported by the caller (an
                // unauthenticated error can only make an apply fail, never succeed)
                Err(TsigFailure::Unsigned) if msg.rcode != 0 => true,
                Err(e) => return Err(Failure::Tsig(e)),
            },
            None => true,
        };
        Ok((msg, raw, signed))
    }
}

/// Send one request and return its one answer (UPDATE, SOA query).
pub async fn exchange(
    addr: SocketAddr,
    timeout: Duration,
    mut req: Request,
) -> Result<Message, Failure> {
    let mut conn = Conn::connect(addr, timeout).await?;
    conn.send(&req.bytes).await?;
    let (msg, _, _) = req.answer(&mut conn).await?;
    Ok(msg)
}

/// The outcome of a zone transfer.
pub enum Transfer {
    /// Every record between the two SOAs (the first SOA included, once).
    Records(Vec<wire::RecordIn>),
    /// The server answered with this rcode instead (TSIG errors are `Failure::Tsig`).
    Refused { rcode: u16 },
}

/// AXFR `zone` (RFC 5936): the records of every message until the closing SOA.
pub async fn axfr(
    addr: SocketAddr,
    timeout: Duration,
    zone: &Name,
    key: Option<&Key>,
) -> Result<Transfer, Failure> {
    let id = random_id();
    let mut b = wire::Builder::new(id, wire::OPCODE_QUERY);
    b.question(zone, wire::TYPE_AXFR, wire::CLASS_IN);
    let mut req = Request::new(id, b.finish(), key).map_err(Failure::Malformed)?;
    let mut conn = Conn::connect(addr, timeout).await?;
    conn.send(&req.bytes).await?;
    let mut records = Vec::new();
    let mut soas = 0;
    let zone_lc = zone.lowercase();
    loop {
        let (msg, _, _) = req.answer(&mut conn).await?;
        if msg.rcode != 0 {
            return Ok(Transfer::Refused { rcode: msg.rcode });
        }
        for r in msg.answers {
            if r.rtype == wire::TYPE_SOA && r.name.lowercase() == zone_lc {
                soas += 1;
                if soas == 1 {
                    records.push(r);
                }
            } else if soas == 0 {
                return Err(Failure::Malformed(
                    "the transfer does not start with the zone's SOA".into(),
                ));
            } else if soas >= 2 {
                return Err(Failure::Malformed("records after the closing SOA".into()));
            } else {
                records.push(r);
            }
        }
        if soas >= 2 {
            break;
        }
        if soas == 0 {
            return Err(Failure::Malformed(
                "the transfer does not start with the zone's SOA".into(),
            ));
        }
    }
    if let Some(v) = &req.verifier
        && !v.complete()
    {
        return Err(Failure::Tsig(TsigFailure::Unsigned));
    }
    Ok(Transfer::Records(records))
}

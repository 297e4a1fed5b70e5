//! DNS queries to one authoritative server: UDP, again over TCP when the answer is truncated,
//! each try bounded by a timeout. Answers come back as the exact RDATA octets the server sent
//! (names inside expanded), so that `compare` judges the wire data and not some library's
//! rendering of it (hickory, for one, prints a TXT record's character-strings joined without
//! quotes, and reformats CAA and SVCB).
//!
//! The message format is the one `provider::rfc2136::wire` builds and reads; the question
//! goes without the RD bit (an authoritative server is asked about its own data).

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use tokio::net::UdpSocket;

use crate::model::RecordType;
use crate::provider::rfc2136::client::{Conn, Failure, random_id};
use crate::provider::rfc2136::codec;
use crate::provider::rfc2136::wire::{self, Message, Name};

/// One record of an answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rr {
    /// Owner name, lowercase, absolute.
    pub name: String,
    /// The type code.
    pub rtype: u16,
    pub ttl: u32,
    /// RDATA on the wire, names expanded.
    pub rdata: Vec<u8>,
}

/// What a server said.
#[derive(Clone, Debug)]
pub struct Answer {
    /// `NOERROR`, `NXDOMAIN`, …
    pub rcode: String,
    pub authoritative: bool,
    pub answers: Vec<Rr>,
    pub authority: Vec<Rr>,
}

/// Why a server gave no usable answer. Every variant names the server where it is known.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    #[error("bad name {name}: {reason}")]
    BadName { name: String, reason: String },
    #[error("type {0} has no type code")]
    NoTypeCode(String),
    /// Three tries over UDP, none answered: the last one's reason.
    #[error("no answer from {server}: {last}")]
    NoAnswer {
        server: SocketAddr,
        #[source]
        last: Box<QueryError>,
    },
    /// A socket step failed (`what` names the step and the server).
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    /// The TCP exchange failed (connect, send, receive).
    #[error("{0}")]
    Tcp(#[source] Failure),
    #[error("unreadable answer over TCP from {server}: {reason}")]
    Unreadable { server: SocketAddr, reason: String },
    #[error("{0} answered another question over TCP")]
    OtherQuestion(SocketAddr),
}

/// A client for one server.
pub struct Server {
    pub addr: SocketAddr,
    timeout: Duration,
    /// Set the RD bit: the server is a resolver asked to recurse (`Server::recursive`).
    rd: bool,
}

/// The largest UDP answer read (no EDNS is sent, so 512 is what a server may send; a
/// larger buffer costs nothing and tolerates servers that send more).
const UDP_MAX: usize = 4096;

impl Server {
    pub fn new(addr: SocketAddr, timeout: Duration) -> Server {
        Server {
            addr,
            timeout,
            rd: false,
        }
    }

    /// A recursive resolver: questions go with the RD bit.
    pub fn recursive(addr: SocketAddr, timeout: Duration) -> Server {
        Server {
            addr,
            timeout,
            rd: true,
        }
    }

    /// Ask `name` (absolute) `rtype`: over UDP, twice more if no answer came, over TCP when
    /// the answer is truncated.
    pub async fn query(&self, name: &str, rtype: &str) -> Result<Answer, QueryError> {
        let qname = Name::parse(name, None).map_err(|e| QueryError::BadName {
            name: name.to_string(),
            reason: e.to_string(),
        })?;
        let code = RecordType::parse(rtype)
            .as_ref()
            .and_then(codec::type_code)
            .or_else(|| rtype.strip_prefix("TYPE").and_then(|n| n.parse().ok()))
            .ok_or_else(|| QueryError::NoTypeCode(rtype.to_string()))?;
        let mut tries = 0;
        loop {
            tries += 1;
            match self.udp(&qname, code).await {
                Ok(msg) if !msg.truncated => return Ok(convert(msg)),
                Ok(_) => return self.tcp(&qname, code).await.map(convert),
                Err(e) if tries == 3 => {
                    return Err(QueryError::NoAnswer {
                        server: self.addr,
                        last: Box::new(e),
                    });
                }
                Err(_) => {}
            }
        }
    }

    async fn udp(&self, qname: &Name, code: u16) -> Result<Message, QueryError> {
        let io = |what: String| move |source| QueryError::Io { what, source };
        let local: SocketAddr = match self.addr {
            SocketAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
            SocketAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
        };
        let sock = UdpSocket::bind(local)
            .await
            .map_err(io("UDP socket".into()))?;
        sock.connect(self.addr)
            .await
            .map_err(io(format!("UDP to {}", self.addr)))?;
        let (id, msg) = question(qname, code, self.rd);
        sock.send(&msg)
            .await
            .map_err(io(format!("sending to {}", self.addr)))?;
        let mut buf = vec![0u8; UDP_MAX];
        let deadline = tokio::time::Instant::now() + self.timeout;
        loop {
            let n = tokio::time::timeout_at(deadline, sock.recv(&mut buf))
                .await
                .map_err(|_| QueryError::Timeout(self.timeout))?
                .map_err(io(format!("reading from {}", self.addr)))?;
            // anything that is not the answer to this question (a late answer to an earlier
            // try, garbage) is dropped and the wait goes on
            if let Ok(m) = Message::parse(&buf[..n])
                && answers(&m, id, qname, code)
            {
                return Ok(m);
            }
        }
    }

    async fn tcp(&self, qname: &Name, code: u16) -> Result<Message, QueryError> {
        let mut conn = Conn::connect(self.addr, self.timeout)
            .await
            .map_err(QueryError::Tcp)?;
        let (id, msg) = question(qname, code, self.rd);
        conn.send(&msg).await.map_err(QueryError::Tcp)?;
        let raw = conn.recv().await.map_err(QueryError::Tcp)?;
        let m = Message::parse(&raw).map_err(|e| QueryError::Unreadable {
            server: self.addr,
            reason: e.to_string(),
        })?;
        if !answers(&m, id, qname, code) {
            return Err(QueryError::OtherQuestion(self.addr));
        }
        Ok(m)
    }
}

fn question(qname: &Name, code: u16, rd: bool) -> (u16, Vec<u8>) {
    let id = random_id();
    let mut b = wire::Builder::new(id, wire::OPCODE_QUERY);
    if rd {
        b.recursion_desired();
    }
    b.question(qname, code, wire::CLASS_IN);
    (id, b.finish())
}

/// Is `m` the answer to the question `id`, `qname`, `code`?
fn answers(m: &Message, id: u16, qname: &Name, code: u16) -> bool {
    m.id == id
        && m.response
        && m.questions.len() == 1
        && m.questions[0].0.lowercase() == qname.lowercase()
        && m.questions[0].1 == code
}

fn convert(m: Message) -> Answer {
    let rr = |r: wire::RecordIn| Rr {
        name: r.name.to_text().to_ascii_lowercase(),
        rtype: r.rtype,
        ttl: r.ttl,
        rdata: r.rdata,
    };
    Answer {
        rcode: wire::rcode_name(m.rcode),
        authoritative: m.authoritative,
        answers: m.answers.into_iter().map(rr).collect(),
        authority: m.authority.into_iter().map(rr).collect(),
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// A server on loopback that answers one question with the given records (truncated
    /// over UDP when `truncate`), the TCP answer being the full one.
    async fn fake(records: Vec<(u16, Vec<u8>)>, truncate: bool) -> SocketAddr {
        let udp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = udp.local_addr().unwrap();
        let tcp = tokio::net::TcpListener::bind(addr).await.unwrap();
        let respond = move |q: &[u8], tc: bool| -> Vec<u8> {
            let m = Message::parse(q).unwrap();
            let (name, code, _) = m.questions[0].clone();
            let mut b = wire::Builder::new(m.id, wire::OPCODE_QUERY);
            b.question(&name, code, wire::CLASS_IN);
            if !tc {
                for (t, rd) in &records {
                    b.record(
                        1,
                        &wire::RecordOut {
                            name: name.clone(),
                            rtype: *t,
                            class: wire::CLASS_IN,
                            ttl: 300,
                            rdata: rd.clone(),
                        },
                    );
                }
            }
            let mut out = b.finish();
            out[2] |= 0x84; // QR, AA
            if tc {
                out[2] |= 0x02;
            }
            out
        };
        let r2 = respond.clone();
        tokio::spawn(async move {
            let mut buf = [0u8; 512];
            while let Ok((n, from)) = udp.recv_from(&mut buf).await {
                let _ = udp.send_to(&respond(&buf[..n], truncate), from).await;
            }
        });
        tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            while let Ok((mut s, _)) = tcp.accept().await {
                let mut len = [0u8; 2];
                s.read_exact(&mut len).await.unwrap();
                let mut q = vec![0u8; u16::from_be_bytes(len) as usize];
                s.read_exact(&mut q).await.unwrap();
                let a = r2(&q, false);
                s.write_all(&(a.len() as u16).to_be_bytes()).await.unwrap();
                s.write_all(&a).await.unwrap();
            }
        });
        addr
    }

    /// TXT RDATA from its character-strings.
    pub(in crate::verify) fn txt(strings: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        for s in strings {
            out.push(s.len() as u8);
            out.extend_from_slice(s);
        }
        out
    }

    #[tokio::test]
    async fn the_rdata_octets_come_back_as_sent_over_udp_and_tcp() {
        let rd = txt(&[&[b'a'; 255], b"bc\"d;"]);
        for truncate in [false, true] {
            let addr = fake(vec![(16, rd.clone())], truncate).await;
            let s = Server::new(addr, Duration::from_secs(2));
            let a = s.query("Long.Example.", "TXT").await.unwrap();
            assert_eq!(a.rcode, "NOERROR");
            assert!(a.authoritative);
            assert_eq!(a.answers.len(), 1, "truncated: {truncate}");
            assert_eq!(a.answers[0].name, "long.example.");
            assert_eq!(a.answers[0].rtype, 16);
            assert_eq!(a.answers[0].rdata, rd);
        }
    }

    #[tokio::test]
    async fn a_silent_server_is_an_error_naming_it() {
        let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = silent.local_addr().unwrap();
        let s = Server::new(addr, Duration::from_millis(100));
        let e = s.query("x.example.", "A").await.unwrap_err();
        assert!(
            matches!(&e, QueryError::NoAnswer { server, last } if *server == addr
                && matches!(**last, QueryError::Timeout(_))),
            "{e:?}"
        );
        let e = e.to_string();
        assert!(
            e.contains(&addr.to_string()) && e.contains("timed out"),
            "{e}"
        );
    }
}

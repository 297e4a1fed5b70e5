//! DNS queries to one authoritative server: UDP, again over TCP when the answer is truncated,
//! each try bounded by a timeout. Answers come back as presentation text per record.

use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;

use hickory_net::client::{Client, ClientHandle};
use hickory_net::proto::op::DnsResponse;
use hickory_net::proto::rr::{DNSClass, Name, RecordType as HType};
use hickory_net::runtime::TokioRuntimeProvider;
use hickory_net::tcp::TcpClientStream;
use hickory_net::udp::UdpClientStream;

/// One record of an answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rr {
    /// Owner name, lowercase, absolute.
    pub name: String,
    pub rtype: String,
    pub ttl: u32,
    /// RDATA in presentation format.
    pub rdata: String,
}

/// What a server said.
#[derive(Clone, Debug)]
pub struct Answer {
    pub rcode: String,
    pub authoritative: bool,
    pub answers: Vec<Rr>,
    pub authority: Vec<Rr>,
}

/// A client for one server.
pub struct Server {
    pub addr: SocketAddr,
    timeout: Duration,
    udp: Client<TokioRuntimeProvider>,
}

impl Server {
    pub async fn connect(addr: SocketAddr, timeout: Duration) -> Server {
        let conn = UdpClientStream::builder(addr, TokioRuntimeProvider::default())
            .with_timeout(Some(timeout))
            .build();
        let (udp, bg) = Client::<TokioRuntimeProvider>::from_sender(conn);
        tokio::spawn(bg);
        Server { addr, timeout, udp }
    }

    /// Ask `name` (absolute) `rtype`, twice more over UDP if no answer came, over TCP when
    /// truncated.
    pub async fn query(&self, name: &str, rtype: &str) -> Result<Answer, String> {
        let qname = Name::from_str(name).map_err(|e| format!("bad name {name}: {e}"))?;
        let t = HType::from_str(rtype).map_err(|e| format!("type {rtype}: {e}"))?;
        let mut last = String::new();
        for _ in 0..3 {
            let mut c = self.udp.clone();
            match c.query(qname.clone(), DNSClass::IN, t).await {
                Ok(resp) if !resp.metadata.truncation => return Ok(convert(&resp)),
                Ok(_) => return self.query_tcp(&qname, t).await,
                Err(e) => last = e.to_string(),
            }
        }
        Err(format!("no answer from {}: {last}", self.addr))
    }

    async fn query_tcp(&self, qname: &Name, t: HType) -> Result<Answer, String> {
        let (fut, sender) = TcpClientStream::new(
            self.addr,
            None,
            Some(self.timeout),
            TokioRuntimeProvider::default(),
        );
        let stream = tokio::time::timeout(self.timeout, fut)
            .await
            .map_err(|_| format!("TCP connection to {} timed out", self.addr))?
            .map_err(|e| format!("TCP connection to {}: {e}", self.addr))?;
        let (mut client, bg) = Client::<TokioRuntimeProvider>::new(stream, sender);
        tokio::spawn(bg);
        let resp = client
            .query(qname.clone(), DNSClass::IN, t)
            .await
            .map_err(|e| format!("no answer over TCP from {}: {e}", self.addr))?;
        Ok(convert(&resp))
    }
}

fn convert(resp: &DnsResponse) -> Answer {
    let rr = |r: &hickory_net::proto::rr::Record| Rr {
        name: r.name.to_ascii().to_ascii_lowercase(),
        rtype: r.record_type().to_string(),
        ttl: r.ttl,
        rdata: r.data.to_string(),
    };
    Answer {
        rcode: resp.metadata.response_code.to_string(),
        authoritative: resp.metadata.authoritative,
        answers: resp.answers.iter().map(rr).collect(),
        authority: resp.authorities.iter().map(rr).collect(),
    }
}

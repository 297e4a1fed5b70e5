//! Real DNS queries (hickory-net, UDP with a TCP retry when truncated) and an independent
//! encoder of the wire RDATA a configured value must produce, so answers are compared byte
//! for byte with what the zone files say, not through the code under test.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;
use std::time::Duration;

use dnsplan::model::Value;
use dnsplan::model::value::{Loc, SvcParam, txt_raw};
use hickory_net::client::{Client, ClientHandle};
use hickory_net::proto::op::DnsResponse;
use hickory_net::proto::rr::{DNSClass, Name, RecordType as HType};
use hickory_net::runtime::TokioRuntimeProvider;
use hickory_net::tcp::TcpClientStream;
use hickory_net::udp::UdpClientStream;

/// One resource record of a response, names inside the RDATA decompressed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rr {
    pub name: String,
    pub rtype: u16,
    pub ttl: u32,
    pub rdata: Vec<u8>,
}

#[derive(Clone, Debug)]
pub struct Answer {
    pub authoritative: bool,
    pub rcode: u16,
    pub answers: Vec<Rr>,
    pub authority: Vec<Rr>,
}

/// A type mnemonic's number.
pub fn type_code(t: &str) -> u16 {
    match t {
        "A" => 1,
        "NS" => 2,
        "CNAME" => 5,
        "SOA" => 6,
        "PTR" => 12,
        "MX" => 15,
        "TXT" => 16,
        "AAAA" => 28,
        "LOC" => 29,
        "SRV" => 33,
        "NAPTR" => 35,
        "DNAME" => 39,
        "DS" => 43,
        "SSHFP" => 44,
        "TLSA" => 52,
        "OPENPGPKEY" => 61,
        "SVCB" => 64,
        "HTTPS" => 65,
        "SPF" => 99,
        "URI" => 256,
        "CAA" => 257,
        other => panic!("no type code for {other}"),
    }
}

/// A DNS client for one server, with its own small runtime.
pub struct Resolver {
    rt: tokio::runtime::Runtime,
    server: SocketAddr,
    udp: Client<TokioRuntimeProvider>,
}

impl Resolver {
    pub fn new(server: SocketAddr) -> Resolver {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let udp = rt.block_on(async {
            let conn = UdpClientStream::builder(server, TokioRuntimeProvider::default())
                .with_timeout(Some(Duration::from_secs(3)))
                .build();
            let (client, bg) = Client::<TokioRuntimeProvider>::from_sender(conn);
            tokio::spawn(bg);
            client
        });
        Resolver { rt, server, udp }
    }

    /// Ask `name` (ASCII, absolute) `rtype`; over TCP too when the UDP answer is truncated.
    pub fn query(&mut self, name: &str, rtype: u16) -> Answer {
        let qname = Name::from_str(name).unwrap_or_else(|e| panic!("name {name}: {e}"));
        let mut last_err = String::new();
        for _ in 0..3 {
            let r = self.rt.block_on(self.udp.query(
                qname.clone(),
                DNSClass::IN,
                HType::from(rtype),
            ));
            match r {
                Ok(resp) if !resp.metadata.truncation => return parse(&resp),
                Ok(_) => return self.query_tcp(&qname, rtype),
                Err(e) => last_err = e.to_string(),
            }
        }
        panic!(
            "DNS query {name} type {rtype} to {} failed: {last_err}",
            self.server
        )
    }

    /// Ask with an EDNS Client Subnet option (over UDP), as a resolver serving `subnet` would.
    pub fn query_from(&mut self, name: &str, rtype: u16, subnet: (IpAddr, u8)) -> Answer {
        use futures_util::StreamExt;
        use hickory_net::DnsHandle;
        use hickory_net::proto::op::{DnsRequest, DnsRequestOptions, Edns, Message, Query};
        use hickory_net::proto::rr::rdata::opt::{ClientSubnet, EdnsOption};

        let qname = Name::from_str(name).unwrap_or_else(|e| panic!("name {name}: {e}"));
        let mut msg = Message::query();
        msg.add_query(Query::query(qname, HType::from(rtype)));
        let mut edns = Edns::new();
        edns.set_max_payload(1232);
        edns.options_mut()
            .insert(EdnsOption::Subnet(ClientSubnet::new(subnet.0, subnet.1, 0)));
        msg.set_edns(edns);
        let mut options = DnsRequestOptions::default();
        options.recursion_desired = false;
        let resp = self.rt.block_on(async {
            self.udp
                .send(DnsRequest::new(msg, options))
                .next()
                .await
                .expect("a response")
        });
        parse(&resp.unwrap_or_else(|e| panic!("DNS query {name} with ECS: {e}")))
    }

    fn query_tcp(&mut self, qname: &Name, rtype: u16) -> Answer {
        let server = self.server;
        let resp = self.rt.block_on(async {
            let (fut, sender) = TcpClientStream::new(
                server,
                None,
                Some(Duration::from_secs(3)),
                TokioRuntimeProvider::default(),
            );
            let stream = fut.await.expect("TCP connection to the DNS server");
            let (mut client, bg) = Client::<TokioRuntimeProvider>::new(stream, sender);
            tokio::spawn(bg);
            client
                .query(qname.clone(), DNSClass::IN, HType::from(rtype))
                .await
        });
        let resp = resp.unwrap_or_else(|e| panic!("DNS query over TCP {qname}: {e}"));
        parse(&resp)
    }
}

fn parse(resp: &DnsResponse) -> Answer {
    let raw = Raw::new(resp.as_buffer()).unwrap_or_else(|e| panic!("bad response: {e}"));
    Answer {
        authoritative: resp.metadata.authoritative,
        rcode: raw.rcode,
        answers: raw.answers,
        authority: raw.authority,
    }
}

/// The sections of a raw DNS message.
struct Raw {
    rcode: u16,
    answers: Vec<Rr>,
    authority: Vec<Rr>,
}

impl Raw {
    fn new(msg: &[u8]) -> Result<Raw, String> {
        if msg.len() < 12 {
            return Err("short header".into());
        }
        let u16at = |i: usize| -> Result<u16, String> {
            msg.get(i..i + 2)
                .map(|b| u16::from_be_bytes([b[0], b[1]]))
                .ok_or_else(|| "truncated message".to_string())
        };
        let rcode = u16at(2)? & 0x000f;
        let (qd, an, ns) = (u16at(4)?, u16at(6)?, u16at(8)?);
        let mut pos = 12;
        for _ in 0..qd {
            let (_, next) = read_name(msg, pos)?;
            pos = next + 4;
        }
        let section = |count: u16, pos: &mut usize| -> Result<Vec<Rr>, String> {
            let mut out = Vec::new();
            for _ in 0..count {
                let (name, next) = read_name(msg, *pos)?;
                let rtype = u16at(next)?;
                let ttl = u32::from(u16at(next + 4)?) << 16 | u32::from(u16at(next + 6)?);
                let len = u16at(next + 8)? as usize;
                let start = next + 10;
                let data = msg
                    .get(start..start + len)
                    .ok_or("truncated rdata")?
                    .to_vec();
                let rdata = decompress(msg, rtype, start, &data)?;
                out.push(Rr {
                    name,
                    rtype,
                    ttl,
                    rdata,
                });
                *pos = start + len;
            }
            Ok(out)
        };
        let answers = section(an, &mut pos)?;
        let authority = section(ns, &mut pos)?;
        Ok(Raw {
            rcode,
            answers,
            authority,
        })
    }
}

/// A (possibly compressed) name at `pos`: its lowercase text and the position after it.
fn read_name(msg: &[u8], mut pos: usize) -> Result<(String, usize), String> {
    let mut labels: Vec<String> = Vec::new();
    let mut end = None;
    for _ in 0..128 {
        let len = *msg.get(pos).ok_or("truncated name")? as usize;
        if len & 0xc0 == 0xc0 {
            let ptr = ((len & 0x3f) << 8) | *msg.get(pos + 1).ok_or("truncated pointer")? as usize;
            end.get_or_insert(pos + 2);
            pos = ptr;
            continue;
        }
        if len == 0 {
            let text = if labels.is_empty() {
                ".".to_string()
            } else {
                format!("{}.", labels.join("."))
            };
            return Ok((text.to_ascii_lowercase(), end.unwrap_or(pos + 1)));
        }
        let label = msg.get(pos + 1..pos + 1 + len).ok_or("truncated label")?;
        labels.push(String::from_utf8_lossy(label).into_owned());
        pos += 1 + len;
    }
    Err("name pointer loop".into())
}

/// RDATA with the names of the types that may be compressed (RFC 3597 §4) expanded and
/// lowercased, so it compares with `expected()`.
fn decompress(msg: &[u8], rtype: u16, start: usize, data: &[u8]) -> Result<Vec<u8>, String> {
    let name_at = |off: usize| -> Result<Vec<u8>, String> {
        let (n, _) = read_name(msg, start + off)?;
        Ok(name_wire(&n))
    };
    Ok(match rtype {
        // NS, CNAME, PTR, DNAME
        2 | 5 | 12 | 39 => name_at(0)?,
        // MX
        15 => {
            let mut v = data[..2].to_vec();
            v.extend(name_at(2)?);
            v
        }
        _ => data.to_vec(),
    })
}

/// A name in uncompressed lowercase wire form.
pub fn name_wire(name: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for label in name.trim_end_matches('.').split('.') {
        if label.is_empty() {
            continue;
        }
        let l = label.to_ascii_lowercase();
        out.push(l.len() as u8);
        out.extend_from_slice(l.as_bytes());
    }
    out.push(0);
    out
}

fn charstr(out: &mut Vec<u8>, s: &[u8]) {
    assert!(s.len() < 256, "character-string longer than 255");
    out.push(s.len() as u8);
    out.extend_from_slice(s);
}

fn hex(s: &str) -> Vec<u8> {
    data_encoding::HEXLOWER_PERMISSIVE
        .decode(s.as_bytes())
        .unwrap_or_else(|e| panic!("hex {s}: {e}"))
}

fn b64(s: &str) -> Vec<u8> {
    data_encoding::BASE64
        .decode(s.as_bytes())
        .unwrap_or_else(|e| panic!("base64 {s}: {e}"))
}

/// RFC 1876 size/precision: centimetres as mantissa × 10^exponent in one octet.
fn loc_size(metres: f64) -> u8 {
    let mut cm = (metres * 100.0).round() as u64;
    let mut exp = 0u8;
    while cm >= 10 {
        cm /= 10;
        exp += 1;
    }
    ((cm as u8) << 4) | exp
}

fn loc(l: &Loc) -> Vec<u8> {
    let angle = |d: i64, m: i64, s: f64, positive: bool| -> u32 {
        let ms = ((d * 3600 + m * 60) as f64 * 1000.0 + (s * 1000.0).round()) as i64;
        let v = if positive { ms } else { -ms };
        (2_i64.pow(31) + v) as u32
    };
    let mut out = vec![
        0,
        loc_size(l.size.0),
        loc_size(l.precision_horz.0),
        loc_size(l.precision_vert.0),
    ];
    let lat = angle(
        l.lat_degrees,
        l.lat_minutes,
        l.lat_seconds.0,
        l.lat_direction == "N",
    );
    let long = angle(
        l.long_degrees,
        l.long_minutes,
        l.long_seconds.0,
        l.long_direction == "E",
    );
    let alt = ((l.altitude.0 * 100.0).round() as i64 + 10_000_000) as u32;
    out.extend(lat.to_be_bytes());
    out.extend(long.to_be_bytes());
    out.extend(alt.to_be_bytes());
    out
}

fn svc_key(k: &str) -> u16 {
    match k {
        "mandatory" => 0,
        "alpn" => 1,
        "no-default-alpn" => 2,
        "port" => 3,
        "ipv4hint" => 4,
        "ech" => 5,
        "ipv6hint" => 6,
        _ => k
            .strip_prefix("key")
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("svc key {k}")),
    }
}

/// The wire RDATA a configured value of type `rtype` must be served as.
pub fn expected(rtype: &str, v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    match (rtype, v) {
        ("A", Value::Ip(ip)) => out.extend(Ipv4Addr::from_str(ip).unwrap().octets()),
        ("AAAA", Value::Ip(ip)) => out.extend(Ipv6Addr::from_str(ip).unwrap().octets()),
        (_, Value::Target(t)) => out = name_wire(t),
        ("OPENPGPKEY", Value::Text(t) | Value::Base64(t)) => out = b64(t),
        (_, Value::Text(t)) => {
            let raw = txt_raw(t).into_bytes();
            if raw.is_empty() {
                out.push(0);
            }
            for chunk in raw.chunks(255) {
                charstr(&mut out, chunk);
            }
        }
        (_, Value::Mx(m)) => {
            out.extend((m.preference as u16).to_be_bytes());
            out.extend(name_wire(&m.exchange));
        }
        (_, Value::Srv(s)) => {
            for n in [s.priority, s.weight, s.port] {
                out.extend((n as u16).to_be_bytes());
            }
            out.extend(name_wire(&s.target));
        }
        (_, Value::Uri(u)) => {
            out.extend((u.priority as u16).to_be_bytes());
            out.extend((u.weight as u16).to_be_bytes());
            out.extend(u.target.as_bytes());
        }
        (_, Value::Caa(c)) => {
            out.push(c.flags as u8);
            charstr(&mut out, c.tag.as_bytes());
            out.extend(c.value.as_bytes());
        }
        (_, Value::Sshfp(s)) => {
            out.push(s.algorithm as u8);
            out.push(s.fingerprint_type as u8);
            out.extend(hex(&s.fingerprint));
        }
        (_, Value::Tlsa(t)) => {
            out.push(t.certificate_usage as u8);
            out.push(t.selector as u8);
            out.push(t.matching_type as u8);
            out.extend(hex(&t.certificate_association_data));
        }
        (_, Value::Ds(d)) => {
            out.extend((d.key_tag as u16).to_be_bytes());
            out.push(d.algorithm as u8);
            out.push(d.digest_type as u8);
            out.extend(hex(&d.digest));
        }
        (_, Value::Naptr(n)) => {
            out.extend((n.order as u16).to_be_bytes());
            out.extend((n.preference as u16).to_be_bytes());
            charstr(&mut out, n.flags.as_bytes());
            charstr(&mut out, n.service.as_bytes());
            charstr(&mut out, n.regexp.as_bytes());
            out.extend(name_wire(&n.replacement));
        }
        (_, Value::Loc(l)) => out = loc(l),
        (_, Value::Svcb(s)) => {
            out.extend((s.svcpriority as u16).to_be_bytes());
            out.extend(name_wire(&s.targetname));
            let mut params: Vec<(u16, Vec<u8>)> = s
                .svcparams
                .iter()
                .map(|(k, p)| {
                    let items: Vec<String> = match p {
                        SvcParam::None => vec![],
                        SvcParam::One(x) => vec![x.clone()],
                        SvcParam::List(l) => l.clone(),
                    };
                    let key = svc_key(k);
                    let mut val = Vec::new();
                    match key {
                        0 => items
                            .iter()
                            .for_each(|i| val.extend(svc_key(i).to_be_bytes())),
                        1 => items.iter().for_each(|i| charstr(&mut val, i.as_bytes())),
                        2 => {}
                        3 => val.extend(items[0].parse::<u16>().unwrap().to_be_bytes()),
                        4 | 6 => items
                            .iter()
                            .for_each(|i| match IpAddr::from_str(i).unwrap() {
                                IpAddr::V4(a) => val.extend(a.octets()),
                                IpAddr::V6(a) => val.extend(a.octets()),
                            }),
                        5 => val = b64(&items[0]),
                        _ => val.extend(items.join(",").as_bytes()),
                    }
                    (key, val)
                })
                .collect();
            params.sort();
            for (k, v) in params {
                out.extend(k.to_be_bytes());
                out.extend((v.len() as u16).to_be_bytes());
                out.extend(v);
            }
        }
        other => panic!("no wire encoding for {other:?}"),
    }
    out
}

//! RDATA octets ↔ the model's values, for every type an RFC 2136 server stores that the model
//! carries.
//!
//! Writing: `encode` turns a value into its wire RDATA (RFC 1035, 1876, 2782, 3403, 4034,
//! 4255, 6698, 7553, 7929, 8659, 9460). Reading: `to_text` turns wire RDATA into presentation
//! text, which `model::rdata::parse` reads, so a value read from the server is normalised
//! exactly as one read from a zone file. Types the model does not know are presented in the
//! RFC 3597 generic form (`\# 4 c0000201`) and kept as data.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::model::value::{SvcParam, svcparam_key_name, svcparam_key_number, txt_raw};
use crate::model::{RecordType, Value};

use super::wire::{Name, NameTextError, WireError};

/// A value that cannot be written as wire RDATA of its type (the field it is in named).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum EncodeError {
    #[error("{field} {value} is not between 0 and 65535")]
    NotU16 { field: String, value: i64 },
    #[error("{field} {value} is not between 0 and 255")]
    NotU8 { field: String, value: i64 },
    #[error("{field} of {octets} octets is longer than 255")]
    LongString { field: String, octets: usize },
    #[error("{field} {value:?} is not hexadecimal")]
    NotHex { field: String, value: String },
    #[error("{field} is not base64")]
    NotBase64 { field: String },
    #[error("{value:?} is not an IPv{version} address")]
    NotAddress { value: String, version: u8 },
    #[error("the CAA tag is empty")]
    EmptyCaaTag,
    #[error("LOC {field} {metres} is out of range")]
    LocSize { field: String, metres: f64 },
    #[error("LOC coordinate {degrees} {minutes} {seconds} is out of range")]
    LocCoordinate {
        degrees: i64,
        minutes: i64,
        seconds: f64,
    },
    #[error("LOC altitude {0} is out of range")]
    LocAltitude(f64),
    #[error("unknown SvcParam key {0:?}")]
    SvcKey(String),
    #[error("port {0:?} is not a port number")]
    SvcPort(Vec<String>),
    #[error("{key} {value:?} is not an address of its kind")]
    SvcAddress { key: String, value: String },
    #[error("SvcParam {0} is too long")]
    SvcParamTooLong(String),
    /// The value is of another type than the record's.
    #[error("a {rtype} record cannot hold the value {value}")]
    Mismatch { rtype: RecordType, value: String },
    #[error("RDATA of {0} octets (65535 at most)")]
    TooLong(usize),
    #[error("{0}")]
    Name(#[source] NameTextError),
}

/// Wire RDATA that cannot be read as its type.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("RDATA shorter than its type needs")]
    Short,
    #[error("{0}")]
    Name(#[source] WireError),
    #[error("{0} octets left over")]
    LeftOver(usize),
    #[error("no character-strings")]
    NoStrings,
    #[error("CAA tag {0:?} is invalid")]
    CaaTag(String),
    #[error("LOC version {0} (only 0 is defined)")]
    LocVersion(u8),
    #[error("LOC size/precision octet {0:#04x} is invalid")]
    LocOctet(u8),
    #[error("an alpn id is not UTF-8")]
    AlpnNotUtf8,
    #[error("alpn id {0:?} cannot be represented")]
    AlpnUnrepresentable(String),
    /// A SvcParam value longer than its key's format.
    #[error("SvcParam {key}: {left} octets left over")]
    SvcParamLeftOver { key: u16, left: usize },
    #[error("no reader for {0}")]
    NoReader(RecordType),
}

/// The record types this provider writes, with their codes.
pub const TYPES: &[(RecordType, u16)] = &[
    (RecordType::A, 1),
    (RecordType::Ns, 2),
    (RecordType::Cname, 5),
    (RecordType::Ptr, 12),
    (RecordType::Mx, 15),
    (RecordType::Txt, 16),
    (RecordType::Aaaa, 28),
    (RecordType::Loc, 29),
    (RecordType::Srv, 33),
    (RecordType::Naptr, 35),
    (RecordType::Dname, 39),
    (RecordType::Ds, 43),
    (RecordType::Sshfp, 44),
    (RecordType::Tlsa, 52),
    (RecordType::Openpgpkey, 61),
    (RecordType::Svcb, 64),
    (RecordType::Https, 65),
    (RecordType::Spf, 99),
    (RecordType::Uri, 256),
    (RecordType::Caa, 257),
];

pub fn type_code(t: &RecordType) -> Option<u16> {
    TYPES.iter().find(|(r, _)| r == t).map(|(_, c)| *c)
}

pub fn core_type(code: u16) -> Option<RecordType> {
    TYPES
        .iter()
        .find(|(_, c)| *c == code)
        .map(|(r, _)| r.clone())
}

/// The mnemonic of a type code, `TYPEnnn` for those without one.
pub fn type_name(code: u16) -> String {
    if let Some(t) = core_type(code) {
        return t.as_str().to_string();
    }
    let known = match code {
        3 => "MD",
        4 => "MF",
        6 => "SOA",
        7 => "MB",
        8 => "MG",
        9 => "MR",
        10 => "NULL",
        11 => "WKS",
        13 => "HINFO",
        14 => "MINFO",
        17 => "RP",
        18 => "AFSDB",
        19 => "X25",
        20 => "ISDN",
        21 => "RT",
        22 => "NSAP",
        24 => "SIG",
        25 => "KEY",
        26 => "PX",
        27 => "GPOS",
        30 => "NXT",
        36 => "KX",
        37 => "CERT",
        38 => "A6",
        42 => "APL",
        45 => "IPSECKEY",
        46 => "RRSIG",
        47 => "NSEC",
        48 => "DNSKEY",
        49 => "DHCID",
        50 => "NSEC3",
        51 => "NSEC3PARAM",
        53 => "SMIMEA",
        55 => "HIP",
        59 => "CDS",
        60 => "CDNSKEY",
        62 => "CSYNC",
        63 => "ZONEMD",
        104 => "NID",
        105 => "L32",
        106 => "L64",
        107 => "LP",
        108 => "EUI48",
        109 => "EUI64",
        249 => "TKEY",
        250 => "TSIG",
        32768 => "TA",
        32769 => "DLV",
        _ => "",
    };
    if known.is_empty() {
        format!("TYPE{code}")
    } else {
        known.to_string()
    }
}

/// RDATA as it stands alone: the names inside the types that may be compressed (RFC 3597
/// §4: those of RFC 1035 and RP, AFSDB, RT, SIG, PX, NXT, NAPTR, SRV, plus KX and DNAME, which
/// some servers compress too) expanded from the message.
pub fn decompress(msg: &[u8], rtype: u16, start: usize, len: usize) -> Result<Vec<u8>, WireError> {
    let end = start + len;
    let raw = &msg[start..end];
    // (fixed octets before the first name, number of names, whether other data follows)
    let layout: Option<(usize, usize)> = match rtype {
        2..=5 | 7..=9 | 12 | 39 => Some((0, 1)), // NS MD MF CNAME MB MG MR PTR DNAME
        6 | 14 | 17 => Some((0, 2)),             // SOA MINFO RP
        15 | 18 | 21 | 36 => Some((2, 1)),       // MX AFSDB RT KX
        26 => Some((2, 2)),                      // PX
        33 => Some((6, 1)),                      // SRV
        35 => None,                              // NAPTR: below
        250 => Some((0, 1)),                     // TSIG algorithm
        _ => return Ok(raw.to_vec()),
    };
    let (fixed, names) = match layout {
        Some(l) => l,
        None => {
            // NAPTR: order, preference, three character-strings, then the replacement name
            let mut p = start + 4;
            for _ in 0..3 {
                let n = *msg.get(p).ok_or(WireError::TruncatedNaptr)? as usize;
                p += 1 + n;
            }
            (p - start, 1)
        }
    };
    if fixed > len {
        return Err(WireError::ShortRdata(type_name(rtype)));
    }
    let mut out = raw[..fixed].to_vec();
    let mut p = start + fixed;
    for _ in 0..names {
        let (n, next) = Name::read(msg, p)?;
        if next > end {
            return Err(WireError::NameOverrun(type_name(rtype)));
        }
        n.write(&mut out);
        p = next;
    }
    out.extend_from_slice(&msg[p.min(end)..end]);
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

fn u16_field(v: i64, what: &str) -> Result<[u8; 2], EncodeError> {
    u16::try_from(v)
        .map(u16::to_be_bytes)
        .map_err(|_| EncodeError::NotU16 {
            field: what.to_string(),
            value: v,
        })
}

fn u8_field(v: i64, what: &str) -> Result<u8, EncodeError> {
    u8::try_from(v).map_err(|_| EncodeError::NotU8 {
        field: what.to_string(),
        value: v,
    })
}

fn charstr(out: &mut Vec<u8>, s: &[u8], what: &str) -> Result<(), EncodeError> {
    if s.len() > 255 {
        return Err(EncodeError::LongString {
            field: what.to_string(),
            octets: s.len(),
        });
    }
    out.push(s.len() as u8);
    out.extend_from_slice(s);
    Ok(())
}

fn hex(s: &str, what: &str) -> Result<Vec<u8>, EncodeError> {
    data_encoding::HEXLOWER_PERMISSIVE
        .decode(s.as_bytes())
        .map_err(|_| EncodeError::NotHex {
            field: what.to_string(),
            value: s.to_string(),
        })
}

fn base64(s: &str, what: &str) -> Result<Vec<u8>, EncodeError> {
    data_encoding::BASE64
        .decode(s.as_bytes())
        .or_else(|_| data_encoding::BASE64_NOPAD.decode(s.trim_end_matches('=').as_bytes()))
        .map_err(|_| EncodeError::NotBase64 {
            field: what.to_string(),
        })
}

/// RFC 1876 size / precision: centimetres as mantissa × 10^exponent in one octet.
fn loc_size(metres: f64, what: &str) -> Result<u8, EncodeError> {
    if !(0.0..=90_000_000.0).contains(&metres) {
        return Err(EncodeError::LocSize {
            field: what.to_string(),
            metres,
        });
    }
    // one digit of mantissa: what does not fit is cut, as BIND does (`process_desired`
    // reports values that would not read back as written)
    let mut cm = (metres * 100.0).round() as u64;
    let mut exp = 0u8;
    while cm >= 10 {
        cm /= 10;
        exp += 1;
    }
    Ok(((cm as u8) << 4) | exp)
}

fn loc_angle(d: i64, m: i64, s: f64, positive: bool, max: i64) -> Result<u32, EncodeError> {
    if !(0..=max).contains(&d) || !(0..60).contains(&m) || !(0.0..60.0).contains(&s) {
        return Err(EncodeError::LocCoordinate {
            degrees: d,
            minutes: m,
            seconds: s,
        });
    }
    let ms = (d * 3600 + m * 60) * 1000 + (s * 1000.0).round() as i64;
    let v = if positive { ms } else { -ms };
    Ok((2_i64.pow(31) + v) as u32)
}

fn svc_key(k: &str) -> Result<u16, EncodeError> {
    svcparam_key_number(k).ok_or_else(|| EncodeError::SvcKey(k.to_string()))
}

/// The wire RDATA of one value of type `rtype`; relative names are taken below `origin`.
pub fn encode(rtype: &RecordType, v: &Value, origin: &Name) -> Result<Vec<u8>, EncodeError> {
    let name = |s: &str| Name::parse(s, Some(origin)).map_err(EncodeError::Name);
    let mut out = Vec::new();
    match (rtype, v) {
        (RecordType::A, Value::Ip(ip)) => {
            let a: Ipv4Addr = ip.parse().map_err(|_| EncodeError::NotAddress {
                value: ip.to_string(),
                version: 4,
            })?;
            out.extend(a.octets());
        }
        (RecordType::Aaaa, Value::Ip(ip)) => {
            let a: Ipv6Addr = ip.parse().map_err(|_| EncodeError::NotAddress {
                value: ip.to_string(),
                version: 6,
            })?;
            out.extend(a.octets());
        }
        (
            RecordType::Cname | RecordType::Dname | RecordType::Ns | RecordType::Ptr,
            Value::Target(t),
        ) => name(t)?.write(&mut out),
        (RecordType::Openpgpkey, Value::Base64(t) | Value::Text(t)) => {
            out = base64(t, "the OPENPGPKEY key")?;
        }
        (RecordType::Txt | RecordType::Spf, Value::Text(t)) => {
            let raw = txt_raw(t).into_bytes();
            if raw.is_empty() {
                out.push(0);
            }
            for chunk in raw.chunks(255) {
                out.push(chunk.len() as u8);
                out.extend_from_slice(chunk);
            }
        }
        (RecordType::Mx, Value::Mx(m)) => {
            out.extend(u16_field(m.preference, "preference")?);
            name(&m.exchange)?.write(&mut out);
        }
        (RecordType::Srv, Value::Srv(s)) => {
            out.extend(u16_field(s.priority, "priority")?);
            out.extend(u16_field(s.weight, "weight")?);
            out.extend(u16_field(s.port, "port")?);
            name(&s.target)?.write(&mut out);
        }
        (RecordType::Uri, Value::Uri(u)) => {
            out.extend(u16_field(u.priority, "priority")?);
            out.extend(u16_field(u.weight, "weight")?);
            out.extend(u.target.as_bytes());
        }
        (RecordType::Caa, Value::Caa(c)) => {
            out.push(u8_field(c.flags, "flags")?);
            if c.tag.is_empty() {
                return Err(EncodeError::EmptyCaaTag);
            }
            charstr(&mut out, c.tag.as_bytes(), "the CAA tag")?;
            out.extend(c.value.as_bytes());
        }
        (RecordType::Sshfp, Value::Sshfp(s)) => {
            out.push(u8_field(s.algorithm, "algorithm")?);
            out.push(u8_field(s.fingerprint_type, "fingerprint type")?);
            out.extend(hex(&s.fingerprint, "fingerprint")?);
        }
        (RecordType::Tlsa, Value::Tlsa(t)) => {
            out.push(u8_field(t.certificate_usage, "certificate usage")?);
            out.push(u8_field(t.selector, "selector")?);
            out.push(u8_field(t.matching_type, "matching type")?);
            out.extend(hex(
                &t.certificate_association_data,
                "certificate association data",
            )?);
        }
        (RecordType::Ds, Value::Ds(d)) => {
            out.extend(u16_field(d.key_tag, "key tag")?);
            out.push(u8_field(d.algorithm, "algorithm")?);
            out.push(u8_field(d.digest_type, "digest type")?);
            out.extend(hex(&d.digest, "digest")?);
        }
        (RecordType::Naptr, Value::Naptr(n)) => {
            out.extend(u16_field(n.order, "order")?);
            out.extend(u16_field(n.preference, "preference")?);
            charstr(&mut out, n.flags.as_bytes(), "flags")?;
            charstr(&mut out, n.service.as_bytes(), "service")?;
            charstr(&mut out, n.regexp.as_bytes(), "regexp")?;
            name(&n.replacement)?.write(&mut out);
        }
        (RecordType::Loc, Value::Loc(l)) => {
            out.push(0);
            out.push(loc_size(l.size.0, "size")?);
            out.push(loc_size(l.precision_horz.0, "horizontal precision")?);
            out.push(loc_size(l.precision_vert.0, "vertical precision")?);
            let lat = loc_angle(
                l.lat_degrees,
                l.lat_minutes,
                l.lat_seconds.0,
                l.lat_direction.eq_ignore_ascii_case("N"),
                90,
            )?;
            let long = loc_angle(
                l.long_degrees,
                l.long_minutes,
                l.long_seconds.0,
                l.long_direction.eq_ignore_ascii_case("E"),
                180,
            )?;
            let alt_cm = (l.altitude.0 * 100.0).round() as i64 + 10_000_000;
            let alt = u32::try_from(alt_cm).map_err(|_| EncodeError::LocAltitude(l.altitude.0))?;
            out.extend(lat.to_be_bytes());
            out.extend(long.to_be_bytes());
            out.extend(alt.to_be_bytes());
        }
        (RecordType::Svcb | RecordType::Https, Value::Svcb(s)) => {
            out.extend(u16_field(s.svcpriority, "priority")?);
            name(&s.targetname)?.write(&mut out);
            let mut params: Vec<(u16, Vec<u8>)> = Vec::new();
            for (k, p) in &s.svcparams {
                let key = svc_key(k)?;
                let items: Vec<&str> = match p {
                    SvcParam::None => vec![],
                    SvcParam::One(x) => vec![x.as_str()],
                    SvcParam::List(l) => l.iter().map(String::as_str).collect(),
                };
                let mut val = Vec::new();
                match key {
                    0 => {
                        let mut keys = items
                            .iter()
                            .map(|i| svc_key(i))
                            .collect::<Result<Vec<_>, _>>()?;
                        keys.sort_unstable();
                        keys.iter().for_each(|k| val.extend(k.to_be_bytes()));
                    }
                    1 => {
                        for i in &items {
                            charstr(&mut val, i.as_bytes(), "an alpn id")?;
                        }
                    }
                    2 => {}
                    3 => {
                        let port: u16 =
                            items.first().and_then(|p| p.parse().ok()).ok_or_else(|| {
                                EncodeError::SvcPort(items.iter().map(|i| i.to_string()).collect())
                            })?;
                        val.extend(port.to_be_bytes());
                    }
                    4 | 6 => {
                        for i in &items {
                            match i.parse::<IpAddr>() {
                                Ok(IpAddr::V4(a)) if key == 4 => val.extend(a.octets()),
                                Ok(IpAddr::V6(a)) if key == 6 => val.extend(a.octets()),
                                _ => {
                                    return Err(EncodeError::SvcAddress {
                                        key: k.clone(),
                                        value: i.to_string(),
                                    });
                                }
                            }
                        }
                    }
                    5 | 8 => {
                        val = base64(items.first().copied().unwrap_or_default(), k)?;
                    }
                    _ => val.extend(items.join(",").as_bytes()),
                }
                if val.len() > 65535 {
                    return Err(EncodeError::SvcParamTooLong(k.clone()));
                }
                params.push((key, val));
            }
            params.sort();
            for (k, v) in params {
                out.extend(k.to_be_bytes());
                out.extend((v.len() as u16).to_be_bytes());
                out.extend(v);
            }
        }
        (t, v) => {
            return Err(EncodeError::Mismatch {
                rtype: t.clone(),
                value: v.to_rdata(),
            });
        }
    }
    if out.len() > 65535 {
        return Err(EncodeError::TooLong(out.len()));
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

/// A character-string in presentation format: quoted, `"` and `\` escaped, other
/// non-printable octets (and everything beyond ASCII) as `\DDD`.
fn quoted(out: &mut String, s: &[u8]) {
    out.push('"');
    for &b in s {
        match b {
            b'"' | b'\\' => {
                out.push('\\');
                out.push(b as char);
            }
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\{b:03}")),
        }
    }
    out.push('"');
}

struct Reader<'a> {
    d: &'a [u8],
    p: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let s = self.d.get(self.p..self.p + n).ok_or(DecodeError::Short)?;
        self.p += n;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, DecodeError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32, DecodeError> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn name(&mut self) -> Result<String, DecodeError> {
        let (n, next) = Name::read(self.d, self.p).map_err(DecodeError::Name)?;
        self.p = next;
        Ok(n.to_text())
    }
    fn charstr(&mut self) -> Result<&'a [u8], DecodeError> {
        let n = self.u8()? as usize;
        self.take(n)
    }
    fn rest(&mut self) -> &'a [u8] {
        let s = &self.d[self.p.min(self.d.len())..];
        self.p = self.d.len();
        s
    }
    /// The octets not read yet.
    fn left(&self) -> usize {
        self.d.len().saturating_sub(self.p)
    }
    fn done(&self) -> Result<(), DecodeError> {
        match self.left() {
            0 => Ok(()),
            n => Err(DecodeError::LeftOver(n)),
        }
    }
}

/// RFC 1876 size / precision octet → metres, with two decimals.
fn loc_metres(b: u8) -> Result<String, DecodeError> {
    let (m, e) = (u64::from(b >> 4), u32::from(b & 0x0f));
    if m > 9 || e > 9 {
        return Err(DecodeError::LocOctet(b));
    }
    let cm = m * 10u64.pow(e);
    Ok(format!("{}.{:02}m", cm / 100, cm % 100))
}

fn loc_coord(v: u32, dirs: [char; 2]) -> String {
    let off = i64::from(v) - 2_i64.pow(31);
    let dir = if off < 0 { dirs[1] } else { dirs[0] };
    let abs = off.unsigned_abs();
    let (deg, rest) = (abs / 3_600_000, abs % 3_600_000);
    let (min, ms) = (rest / 60_000, rest % 60_000);
    format!("{deg} {min} {}.{:03} {dir}", ms / 1000, ms % 1000)
}

/// The RFC 3597 generic presentation: `\# LEN HEX`.
pub fn generic(rdata: &[u8]) -> String {
    if rdata.is_empty() {
        "\\# 0".into()
    } else {
        format!(
            "\\# {} {}",
            rdata.len(),
            data_encoding::HEXLOWER.encode(rdata)
        )
    }
}

/// Presentation text of wire RDATA of type `code`, as `model::rdata::parse` reads it. Types
/// this provider does not write are shown in the generic form.
pub fn to_text(code: u16, rdata: &[u8]) -> Result<String, DecodeError> {
    let Some(t) = core_type(code) else {
        return Ok(generic(rdata));
    };
    let mut r = Reader { d: rdata, p: 0 };
    let mut s = String::new();
    match t {
        RecordType::A => {
            let b = r.take(4)?;
            s = Ipv4Addr::new(b[0], b[1], b[2], b[3]).to_string();
        }
        RecordType::Aaaa => {
            let b: [u8; 16] = r.take(16)?.try_into().map_err(|_| DecodeError::Short)?;
            s = Ipv6Addr::from(b).to_string();
        }
        RecordType::Ns | RecordType::Cname | RecordType::Ptr | RecordType::Dname => s = r.name()?,
        RecordType::Mx => s = format!("{} {}", r.u16()?, r.name()?),
        RecordType::Srv => s = format!("{} {} {} {}", r.u16()?, r.u16()?, r.u16()?, r.name()?),
        RecordType::Txt | RecordType::Spf => {
            while r.p < rdata.len() {
                if !s.is_empty() {
                    s.push(' ');
                }
                let c = r.charstr()?;
                quoted(&mut s, c);
            }
            if s.is_empty() {
                return Err(DecodeError::NoStrings);
            }
        }
        RecordType::Uri => {
            s = format!("{} {} ", r.u16()?, r.u16()?);
            quoted(&mut s, r.rest());
        }
        RecordType::Caa => {
            s = format!("{} ", r.u8()?);
            let tag = r.charstr()?;
            if tag.is_empty() || !tag.iter().all(u8::is_ascii_alphanumeric) {
                return Err(DecodeError::CaaTag(
                    String::from_utf8_lossy(tag).into_owned(),
                ));
            }
            s.push_str(&String::from_utf8_lossy(tag));
            s.push(' ');
            quoted(&mut s, r.rest());
        }
        RecordType::Sshfp => {
            s = format!(
                "{} {} {}",
                r.u8()?,
                r.u8()?,
                data_encoding::HEXLOWER.encode(r.rest())
            );
        }
        RecordType::Tlsa => {
            s = format!(
                "{} {} {} {}",
                r.u8()?,
                r.u8()?,
                r.u8()?,
                data_encoding::HEXLOWER.encode(r.rest())
            );
        }
        RecordType::Ds => {
            s = format!(
                "{} {} {} {}",
                r.u16()?,
                r.u8()?,
                r.u8()?,
                data_encoding::HEXLOWER.encode(r.rest())
            );
        }
        RecordType::Naptr => {
            s = format!("{} {} ", r.u16()?, r.u16()?);
            for _ in 0..3 {
                quoted(&mut s, r.charstr()?);
                s.push(' ');
            }
            s.push_str(&r.name()?);
        }
        RecordType::Openpgpkey => s = data_encoding::BASE64.encode(r.rest()),
        RecordType::Loc => {
            let version = r.u8()?;
            if version != 0 {
                return Err(DecodeError::LocVersion(version));
            }
            let (size, hp, vp) = (r.u8()?, r.u8()?, r.u8()?);
            let (lat, long, alt) = (r.u32()?, r.u32()?, r.u32()?);
            let alt_cm = i64::from(alt) - 10_000_000;
            s = format!(
                "{} {} {}{}.{:02}m {} {} {}",
                loc_coord(lat, ['N', 'S']),
                loc_coord(long, ['E', 'W']),
                if alt_cm < 0 { "-" } else { "" },
                alt_cm.unsigned_abs() / 100,
                alt_cm.unsigned_abs() % 100,
                loc_metres(size)?,
                loc_metres(hp)?,
                loc_metres(vp)?
            );
        }
        RecordType::Svcb | RecordType::Https => {
            s = format!("{} {}", r.u16()?, r.name()?);
            while r.p < rdata.len() {
                let key = r.u16()?;
                let len = r.u16()? as usize;
                let v = r.take(len)?;
                let mut p = Reader { d: v, p: 0 };
                s.push(' ');
                s.push_str(&svcparam_key_name(key));
                match key {
                    0 => {
                        let mut keys = Vec::new();
                        while p.p < v.len() {
                            keys.push(svcparam_key_name(p.u16()?));
                        }
                        s.push('=');
                        s.push_str(&keys.join(","));
                    }
                    1 => {
                        let mut ids = Vec::new();
                        while p.p < v.len() {
                            let id = p.charstr()?;
                            let text = String::from_utf8(id.to_vec())
                                .map_err(|_| DecodeError::AlpnNotUtf8)?;
                            if text.contains([',', '\\', '"', ' ']) {
                                return Err(DecodeError::AlpnUnrepresentable(text));
                            }
                            ids.push(text);
                        }
                        s.push('=');
                        s.push_str(&ids.join(","));
                    }
                    2 => {}
                    3 => s.push_str(&format!("={}", p.u16()?)),
                    4 => {
                        let mut a = Vec::new();
                        while p.p < v.len() {
                            let b = p.take(4)?;
                            a.push(Ipv4Addr::new(b[0], b[1], b[2], b[3]).to_string());
                        }
                        s.push('=');
                        s.push_str(&a.join(","));
                    }
                    6 => {
                        let mut a = Vec::new();
                        while p.p < v.len() {
                            let b: [u8; 16] =
                                p.take(16)?.try_into().map_err(|_| DecodeError::Short)?;
                            a.push(Ipv6Addr::from(b).to_string());
                        }
                        s.push('=');
                        s.push_str(&a.join(","));
                    }
                    5 | 8 => {
                        s.push('=');
                        s.push_str(&data_encoding::BASE64.encode(v));
                        p.p = v.len();
                    }
                    _ => {
                        s.push('=');
                        quoted(&mut s, v);
                        p.p = v.len();
                    }
                }
                if p.left() > 0 {
                    return Err(DecodeError::SvcParamLeftOver {
                        key,
                        left: p.left(),
                    });
                }
            }
        }
        other => return Err(DecodeError::NoReader(other)),
    }
    r.done()?;
    Ok(s)
}

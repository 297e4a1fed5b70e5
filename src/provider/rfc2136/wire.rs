//! DNS messages on the wire (RFC 1035 §4, RFC 2136 §2, RFC 8945): names, building a message
//! section by section, reading one back, and TSIG signing and verification.
//!
//! Messages are built and read here rather than through hickory's `Message`, so that every
//! record is carried as the exact RDATA octets `codec` produces and reads (hickory would parse
//! and re-render CAA, SVCB, LOC… in its own way). hickory supplies only the HMAC
//! (`TsigAlgorithm::mac_data` / `verify_mac`, ring underneath).

use std::collections::HashMap;

use hickory_proto::rr::rdata::tsig::TsigAlgorithm;

pub const CLASS_IN: u16 = 1;
pub const CLASS_NONE: u16 = 254;
pub const CLASS_ANY: u16 = 255;

pub const TYPE_SOA: u16 = 6;
pub const TYPE_TSIG: u16 = 250;
pub const TYPE_AXFR: u16 = 252;

pub const OPCODE_QUERY: u8 = 0;
pub const OPCODE_UPDATE: u8 = 5;

/// The largest DNS message over TCP (RFC 1035 §4.2.2: a two-octet length).
pub const MAX_MESSAGE: usize = 65535;

/// Presentation text that is not a domain name.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NameTextError {
    #[error("empty name")]
    Empty,
    /// A `\DDD` escape above 255.
    #[error("bad escape in {0:?}")]
    BadEscape(String),
    #[error("dangling backslash in {0:?}")]
    DanglingBackslash(String),
    #[error("empty label in {0:?}")]
    EmptyLabel(String),
    /// No final dot and no origin to take it below.
    #[error("{0:?} is not an absolute name")]
    Relative(String),
    #[error("label of {octets} octets in {name} (63 at most)")]
    LabelTooLong { octets: usize, name: String },
    #[error("{0} is longer than 255 octets")]
    TooLong(String),
}

/// Octets that are not a well-formed message, name or record.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    #[error("truncated name")]
    TruncatedName,
    #[error("truncated name pointer")]
    TruncatedPointer,
    #[error("forward name pointer")]
    ForwardPointer,
    #[error("truncated label")]
    TruncatedLabel,
    #[error("name longer than 255 octets")]
    NameTooLong,
    #[error("unknown label type {0:#04x}")]
    LabelType(u8),
    #[error("name pointer loop")]
    PointerLoop,
    #[error("a message of {0} octets (12 at least)")]
    ShortMessage(usize),
    #[error("truncated message")]
    TruncatedMessage,
    #[error("truncated RDATA")]
    TruncatedRdata,
    #[error("truncated NAPTR")]
    TruncatedNaptr,
    /// The fixed fields of a type with names inside are longer than its RDATA (type name).
    #[error("truncated {0} RDATA")]
    ShortRdata(String),
    #[error("a name runs past the {0} RDATA")]
    NameOverrun(String),
    #[error("truncated TSIG record")]
    TruncatedTsig,
}

/// A message that could not be signed (the algorithm refused the key).
#[derive(Debug, thiserror::Error)]
#[error("TSIG: {0}")]
pub struct SignError(#[source] pub hickory_proto::dnssec::DnsSecError);

/// A domain name as its labels (octets, case kept), root = no labels.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Name(pub Vec<Vec<u8>>);

impl Name {
    pub fn root() -> Name {
        Name(Vec::new())
    }

    /// An absolute name from presentation text (`www.example.com.`, `\.` and `\DDD` escapes).
    /// A name without its final dot is taken relative to `origin`.
    pub fn parse(text: &str, origin: Option<&Name>) -> Result<Name, NameTextError> {
        if text == "." {
            return Ok(Name::root());
        }
        if text.is_empty() {
            return Err(NameTextError::Empty);
        }
        let bytes = text.as_bytes();
        let mut labels: Vec<Vec<u8>> = Vec::new();
        let mut cur: Vec<u8> = Vec::new();
        let mut absolute = false;
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            match b {
                b'\\' => {
                    let d = &bytes[i + 1..];
                    if d.len() >= 3 && d[..3].iter().all(u8::is_ascii_digit) {
                        let n = (d[0] - b'0') as u32 * 100
                            + (d[1] - b'0') as u32 * 10
                            + (d[2] - b'0') as u32;
                        let octet =
                            u8::try_from(n).map_err(|_| NameTextError::BadEscape(text.into()))?;
                        cur.push(octet);
                        i += 4;
                    } else if let Some(&c) = d.first() {
                        cur.push(c);
                        i += 2;
                    } else {
                        return Err(NameTextError::DanglingBackslash(text.into()));
                    }
                    continue;
                }
                b'.' => {
                    if cur.is_empty() {
                        return Err(NameTextError::EmptyLabel(text.into()));
                    }
                    labels.push(std::mem::take(&mut cur));
                    if i + 1 == bytes.len() {
                        absolute = true;
                    }
                }
                _ => cur.push(b),
            }
            i += 1;
        }
        if !cur.is_empty() {
            labels.push(cur);
        }
        if !absolute {
            match origin {
                Some(o) => labels.extend(o.0.iter().cloned()),
                None => return Err(NameTextError::Relative(text.into())),
            }
        }
        let n = Name(labels);
        n.check()?;
        Ok(n)
    }

    fn check(&self) -> Result<(), NameTextError> {
        for l in &self.0 {
            if l.len() > 63 {
                return Err(NameTextError::LabelTooLong {
                    octets: l.len(),
                    name: self.to_text(),
                });
            }
        }
        if self.wire_len() > 255 {
            return Err(NameTextError::TooLong(self.to_text()));
        }
        Ok(())
    }

    /// Uncompressed wire form.
    pub fn to_wire(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.wire_len());
        self.write(&mut out);
        out
    }

    pub fn write(&self, out: &mut Vec<u8>) {
        for l in &self.0 {
            out.push(l.len() as u8);
            out.extend_from_slice(l);
        }
        out.push(0);
    }

    pub fn wire_len(&self) -> usize {
        self.0.iter().map(|l| l.len() + 1).sum::<usize>() + 1
    }

    pub fn lowercase(&self) -> Name {
        Name(self.0.iter().map(|l| l.to_ascii_lowercase()).collect())
    }

    /// Presentation text, absolute: special characters escaped, `.` for the root.
    pub fn to_text(&self) -> String {
        if self.0.is_empty() {
            return ".".into();
        }
        let mut s = String::new();
        for l in &self.0 {
            for &b in l {
                match b {
                    b'.' | b'\\' | b'"' | b'(' | b')' | b';' | b'@' | b'$' => {
                        s.push('\\');
                        s.push(b as char);
                    }
                    0x21..=0x7e => s.push(b as char),
                    _ => s.push_str(&format!("\\{b:03}")),
                }
            }
            s.push('.');
        }
        s
    }

    /// Read a (possibly compressed) name at `pos` of `msg`; returns it and the position after
    /// it in the original place.
    pub fn read(msg: &[u8], mut pos: usize) -> Result<(Name, usize), WireError> {
        let mut labels = Vec::new();
        let mut end = None;
        let mut len_total = 1;
        for _ in 0..256 {
            let len = *msg.get(pos).ok_or(WireError::TruncatedName)? as usize;
            match len & 0xc0 {
                0xc0 => {
                    let low = *msg.get(pos + 1).ok_or(WireError::TruncatedPointer)? as usize;
                    end.get_or_insert(pos + 2);
                    let target = ((len & 0x3f) << 8) | low;
                    if target >= pos {
                        return Err(WireError::ForwardPointer);
                    }
                    pos = target;
                }
                0 => {
                    if len == 0 {
                        return Ok((Name(labels), end.unwrap_or(pos + 1)));
                    }
                    let label = msg
                        .get(pos + 1..pos + 1 + len)
                        .ok_or(WireError::TruncatedLabel)?;
                    len_total += len + 1;
                    if len_total > 255 {
                        return Err(WireError::NameTooLong);
                    }
                    labels.push(label.to_vec());
                    pos += 1 + len;
                }
                _ => return Err(WireError::LabelType(len as u8)),
            }
        }
        Err(WireError::PointerLoop)
    }
}

/// One record to write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordOut {
    pub name: Name,
    pub rtype: u16,
    pub class: u16,
    pub ttl: u32,
    pub rdata: Vec<u8>,
}

impl RecordOut {
    /// Octets without compression (an upper bound of what it takes in a message).
    pub fn wire_len(&self) -> usize {
        self.name.wire_len() + 10 + self.rdata.len()
    }
}

/// Builds a message section by section (question/zone, answer/prerequisite,
/// authority/update, additional), compressing owner names.
pub struct Builder {
    buf: Vec<u8>,
    section: usize,
    counts: [u16; 4],
    suffixes: HashMap<Vec<Vec<u8>>, u16>,
}

impl Builder {
    pub fn new(id: u16, opcode: u8) -> Builder {
        let mut buf = Vec::with_capacity(512);
        buf.extend(id.to_be_bytes());
        buf.push((opcode & 0x0f) << 3);
        buf.push(0);
        buf.extend([0u8; 8]);
        Builder {
            buf,
            section: 0,
            counts: [0; 4],
            suffixes: HashMap::new(),
        }
    }

    /// Set the RD bit (a question to a recursive resolver).
    pub fn recursion_desired(&mut self) {
        self.buf[2] |= 0x01;
    }

    fn name(&mut self, n: &Name) {
        for i in 0..n.0.len() {
            let key: Vec<Vec<u8>> = n.0[i..].iter().map(|l| l.to_ascii_lowercase()).collect();
            if let Some(&ptr) = self.suffixes.get(&key) {
                self.buf.extend((0xc000 | ptr).to_be_bytes());
                return;
            }
            if self.buf.len() < 0x3fff {
                self.suffixes.insert(key, self.buf.len() as u16);
            }
            self.buf.push(n.0[i].len() as u8);
            self.buf.extend_from_slice(&n.0[i]);
        }
        self.buf.push(0);
    }

    fn enter(&mut self, section: usize) {
        assert!(section >= self.section, "sections are written in order");
        self.section = section;
        self.counts[section] += 1;
    }

    pub fn question(&mut self, name: &Name, rtype: u16, class: u16) {
        self.enter(0);
        self.name(name);
        self.buf.extend(rtype.to_be_bytes());
        self.buf.extend(class.to_be_bytes());
    }

    /// A record in section 1 (answer / prerequisite), 2 (authority / update) or 3 (additional).
    pub fn record(&mut self, section: usize, r: &RecordOut) {
        self.enter(section);
        self.name(&r.name);
        self.buf.extend(r.rtype.to_be_bytes());
        self.buf.extend(r.class.to_be_bytes());
        self.buf.extend(r.ttl.to_be_bytes());
        self.buf.extend((r.rdata.len() as u16).to_be_bytes());
        self.buf.extend_from_slice(&r.rdata);
    }

    pub fn finish(mut self) -> Vec<u8> {
        for (i, c) in self.counts.iter().enumerate() {
            self.buf[4 + 2 * i..6 + 2 * i].copy_from_slice(&c.to_be_bytes());
        }
        self.buf
    }
}

/// One record read from a message. Names inside the RDATA of the types that may be
/// compressed are expanded (`codec::decompress`), so `rdata` stands on its own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordIn {
    pub name: Name,
    pub rtype: u16,
    pub class: u16,
    pub ttl: u32,
    pub rdata: Vec<u8>,
    /// Where the record starts in the message (TSIG verification cuts there).
    pub start: usize,
}

/// A message read back.
#[derive(Clone, Debug)]
pub struct Message {
    pub id: u16,
    pub response: bool,
    pub opcode: u8,
    pub authoritative: bool,
    pub truncated: bool,
    pub rcode: u16,
    pub questions: Vec<(Name, u16, u16)>,
    pub answers: Vec<RecordIn>,
    pub authority: Vec<RecordIn>,
    pub additional: Vec<RecordIn>,
}

impl Message {
    pub fn parse(msg: &[u8]) -> Result<Message, WireError> {
        if msg.len() < 12 {
            return Err(WireError::ShortMessage(msg.len()));
        }
        let u16at = |i: usize| -> Result<u16, WireError> {
            msg.get(i..i + 2)
                .map(|b| u16::from_be_bytes([b[0], b[1]]))
                .ok_or(WireError::TruncatedMessage)
        };
        let flags = u16at(2)?;
        let counts = [u16at(4)?, u16at(6)?, u16at(8)?, u16at(10)?];
        let mut pos = 12;
        let mut questions = Vec::new();
        for _ in 0..counts[0] {
            let (n, next) = Name::read(msg, pos)?;
            questions.push((n, u16at(next)?, u16at(next + 2)?));
            pos = next + 4;
        }
        let mut sections: [Vec<RecordIn>; 3] = Default::default();
        for (s, count) in sections.iter_mut().zip(&counts[1..]) {
            for _ in 0..*count {
                let start = pos;
                let (name, next) = Name::read(msg, pos)?;
                let rtype = u16at(next)?;
                let class = u16at(next + 2)?;
                let ttl = (u32::from(u16at(next + 4)?) << 16) | u32::from(u16at(next + 6)?);
                let len = u16at(next + 8)? as usize;
                let rstart = next + 10;
                if msg.len() < rstart + len {
                    return Err(WireError::TruncatedRdata);
                }
                let rdata = super::codec::decompress(msg, rtype, rstart, len)?;
                s.push(RecordIn {
                    name,
                    rtype,
                    class,
                    ttl,
                    rdata,
                    start,
                });
                pos = rstart + len;
            }
        }
        let [answers, authority, additional] = sections;
        Ok(Message {
            id: u16at(0)?,
            response: flags & 0x8000 != 0,
            opcode: ((flags >> 11) & 0x0f) as u8,
            authoritative: flags & 0x0400 != 0,
            truncated: flags & 0x0200 != 0,
            rcode: flags & 0x000f,
            questions,
            answers,
            authority,
            additional,
        })
    }

    /// The TSIG record, when the message ends with one.
    pub fn tsig(&self) -> Option<&RecordIn> {
        self.additional.last().filter(|r| r.rtype == TYPE_TSIG)
    }
}

/// The mnemonic of a response code (RFC 6895 §2.3; TSIG errors as TSIG carries them).
pub fn rcode_name(rcode: u16) -> String {
    match rcode {
        0 => "NOERROR".into(),
        1 => "FORMERR".into(),
        2 => "SERVFAIL".into(),
        3 => "NXDOMAIN".into(),
        4 => "NOTIMP".into(),
        5 => "REFUSED".into(),
        6 => "YXDOMAIN".into(),
        7 => "YXRRSET".into(),
        8 => "NXRRSET".into(),
        9 => "NOTAUTH".into(),
        10 => "NOTZONE".into(),
        16 => "BADSIG".into(),
        17 => "BADKEY".into(),
        18 => "BADTIME".into(),
        19 => "BADMODE".into(),
        20 => "BADNAME".into(),
        21 => "BADALG".into(),
        22 => "BADTRUNC".into(),
        23 => "BADCOOKIE".into(),
        n => format!("RCODE{n}"),
    }
}

// ---------------------------------------------------------------------------------------------
// TSIG (RFC 8945)
// ---------------------------------------------------------------------------------------------

/// A TSIG key: its name, algorithm and secret. Debug never shows the secret.
#[derive(Clone)]
pub struct Key {
    /// Lowercase, absolute.
    pub name: Name,
    pub algorithm: TsigAlgorithm,
    pub secret: Vec<u8>,
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Key")
            .field("name", &self.name.to_text())
            .field("algorithm", &self.algorithm.to_string())
            .field("secret", &"***")
            .finish()
    }
}

/// How far the clocks of client and server may differ (seconds), as dig and dnspython use.
pub const FUDGE: u16 = 300;

impl Key {
    fn alg_name(&self) -> Name {
        // the canonical (lowercase) algorithm name, e.g. hmac-sha256.
        Name::parse(&format!("{}.", self.algorithm), None)
            .map(|n| n.lowercase())
            .unwrap_or_else(|_| Name::root())
    }

    fn mac(&self, data: &[u8]) -> Result<Vec<u8>, SignError> {
        self.algorithm
            .mac_data(&self.secret, data)
            .map_err(SignError)
    }

    /// Sign a finished message: append its TSIG record. Returns the MAC (the verification of
    /// the answer starts from it).
    pub fn sign(&self, msg: &mut Vec<u8>, now: u64) -> Result<Vec<u8>, SignError> {
        let id = u16::from_be_bytes([msg[0], msg[1]]);
        let alg = self.alg_name();
        let mut tbs = msg.clone();
        self.name.write(&mut tbs);
        tbs.extend(CLASS_ANY.to_be_bytes());
        tbs.extend(0u32.to_be_bytes());
        alg.write(&mut tbs);
        push_time(&mut tbs, now);
        tbs.extend(FUDGE.to_be_bytes());
        tbs.extend(0u16.to_be_bytes()); // error
        tbs.extend(0u16.to_be_bytes()); // other len
        let mac = self.mac(&tbs)?;
        let mut rdata = alg.to_wire();
        push_time(&mut rdata, now);
        rdata.extend(FUDGE.to_be_bytes());
        rdata.extend((mac.len() as u16).to_be_bytes());
        rdata.extend_from_slice(&mac);
        rdata.extend(id.to_be_bytes());
        rdata.extend(0u16.to_be_bytes());
        rdata.extend(0u16.to_be_bytes());
        self.name.write(msg);
        msg.extend(TYPE_TSIG.to_be_bytes());
        msg.extend(CLASS_ANY.to_be_bytes());
        msg.extend(0u32.to_be_bytes());
        msg.extend((rdata.len() as u16).to_be_bytes());
        msg.extend(rdata);
        let ar = u16::from_be_bytes([msg[10], msg[11]]) + 1;
        msg[10..12].copy_from_slice(&ar.to_be_bytes());
        Ok(mac)
    }
}

fn push_time(out: &mut Vec<u8>, t: u64) {
    out.extend(((t >> 32) as u16).to_be_bytes());
    out.extend((t as u32).to_be_bytes());
}

/// The fields of a TSIG record.
#[derive(Clone, Debug)]
pub struct Tsig {
    pub algorithm: Name,
    pub time: u64,
    pub fudge: u16,
    pub mac: Vec<u8>,
    pub original_id: u16,
    pub error: u16,
    pub other: Vec<u8>,
}

impl Tsig {
    pub fn parse(rdata: &[u8]) -> Result<Tsig, WireError> {
        let (algorithm, mut p) = Name::read(rdata, 0)?;
        let get = |a: usize, n: usize| rdata.get(a..a + n).ok_or(WireError::TruncatedTsig);
        let t = get(p, 6)?;
        let time = (u64::from(u16::from_be_bytes([t[0], t[1]])) << 32)
            | u64::from(u32::from_be_bytes([t[2], t[3], t[4], t[5]]));
        p += 6;
        let fudge = u16::from_be_bytes(get(p, 2)?.try_into().unwrap_or_default());
        p += 2;
        let mac_len = u16::from_be_bytes(get(p, 2)?.try_into().unwrap_or_default()) as usize;
        p += 2;
        let mac = get(p, mac_len)?.to_vec();
        p += mac_len;
        let original_id = u16::from_be_bytes(get(p, 2)?.try_into().unwrap_or_default());
        let error = u16::from_be_bytes(get(p + 2, 2)?.try_into().unwrap_or_default());
        let other_len = u16::from_be_bytes(get(p + 4, 2)?.try_into().unwrap_or_default()) as usize;
        let other = get(p + 6, other_len)?.to_vec();
        Ok(Tsig {
            algorithm,
            time,
            fudge,
            mac,
            original_id,
            error,
            other,
        })
    }
}

/// Why an answer's signature was not accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TsigFailure {
    /// The server reported a TSIG error (BADSIG, BADKEY, BADTIME…): it did not accept ours.
    Server(u16),
    /// The answer is not signed although the request was.
    Unsigned,
    /// The answer's signature is wrong, or signed with another key.
    Invalid(TsigInvalid),
}

/// Why an answer's TSIG record was not accepted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TsigInvalid {
    /// The TSIG record cannot be read.
    #[error("{0}")]
    Malformed(#[source] WireError),
    #[error("signed with key {key} ({algorithm}), not {expected}")]
    OtherKey {
        key: String,
        algorithm: String,
        expected: String,
    },
    #[error("the MAC does not match")]
    BadMac,
    /// The time signed is further from the local clock than the fudge allows.
    #[error("signed at {signed} but the local time is {now} (more than {fudge} s apart)")]
    Clock { signed: u64, now: u64, fudge: u16 },
}

/// Verifies the signed answers to one signed request (several for a zone transfer: RFC 8945
/// §5.3.1 lets up to 99 messages in a row go unsigned; they are covered by the next MAC).
pub struct Verifier {
    key: Key,
    prior_mac: Vec<u8>,
    unsigned: Vec<u8>,
    unsigned_count: usize,
    first: bool,
}

impl Verifier {
    pub fn new(key: &Key, request_mac: Vec<u8>) -> Verifier {
        Verifier {
            key: key.clone(),
            prior_mac: request_mac,
            unsigned: Vec::new(),
            unsigned_count: 0,
            first: true,
        }
    }

    /// Check one answer. `Ok(false)`: an unsigned message inside a transfer, to be covered by
    /// a later one.
    pub fn verify(&mut self, raw: &[u8], msg: &Message, now: u64) -> Result<bool, TsigFailure> {
        let Some(rr) = msg.tsig() else {
            if self.first || self.unsigned_count >= 99 {
                return Err(TsigFailure::Unsigned);
            }
            self.unsigned.extend_from_slice(raw);
            self.unsigned_count += 1;
            return Ok(false);
        };
        let t =
            Tsig::parse(&rr.rdata).map_err(|e| TsigFailure::Invalid(TsigInvalid::Malformed(e)))?;
        if t.error != 0 {
            return Err(TsigFailure::Server(t.error));
        }
        if rr.name.lowercase() != self.key.name || t.algorithm.lowercase() != self.key.alg_name() {
            return Err(TsigFailure::Invalid(TsigInvalid::OtherKey {
                key: rr.name.to_text(),
                algorithm: t.algorithm.to_text(),
                expected: self.key.name.to_text(),
            }));
        }
        // the message as it was before the TSIG record was added
        let mut body = raw[..rr.start].to_vec();
        body[0..2].copy_from_slice(&t.original_id.to_be_bytes());
        let ar = u16::from_be_bytes([body[10], body[11]]).saturating_sub(1);
        body[10..12].copy_from_slice(&ar.to_be_bytes());
        let mut tbs = Vec::with_capacity(body.len() + self.unsigned.len() + 128);
        tbs.extend((self.prior_mac.len() as u16).to_be_bytes());
        tbs.extend_from_slice(&self.prior_mac);
        tbs.extend_from_slice(&self.unsigned);
        tbs.extend_from_slice(&body);
        if self.first {
            self.key.name.write(&mut tbs);
            tbs.extend(CLASS_ANY.to_be_bytes());
            tbs.extend(0u32.to_be_bytes());
            t.algorithm.lowercase().write(&mut tbs);
            push_time(&mut tbs, t.time);
            tbs.extend(t.fudge.to_be_bytes());
            tbs.extend(t.error.to_be_bytes());
            tbs.extend((t.other.len() as u16).to_be_bytes());
            tbs.extend_from_slice(&t.other);
        } else {
            push_time(&mut tbs, t.time);
            tbs.extend(t.fudge.to_be_bytes());
        }
        self.key
            .algorithm
            .verify_mac(&self.key.secret, &tbs, &t.mac)
            .map_err(|_| TsigFailure::Invalid(TsigInvalid::BadMac))?;
        if now.abs_diff(t.time) > u64::from(t.fudge) {
            return Err(TsigFailure::Invalid(TsigInvalid::Clock {
                signed: t.time,
                now,
                fudge: t.fudge,
            }));
        }
        self.prior_mac = t.mac;
        self.unsigned.clear();
        self.unsigned_count = 0;
        self.first = false;
        Ok(true)
    }

    /// Every message so far is covered by a signature.
    pub fn complete(&self) -> bool {
        self.unsigned_count == 0 && !self.first
    }
}

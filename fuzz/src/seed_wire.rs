//! Writes seed messages for the `wire` target: the records of the repository's zone-file
//! fixtures, encoded by the provider's own codec, as AXFR responses (the whole zone between
//! two SOAs, one record per message, one TSIG-signed) and UPDATE responses.
//! Usage: seed-wire ZONE_FILE... OUT_DIR

use std::path::Path;

// built by `cargo fuzz build` with the targets, so with coverage instrumentation, whose
// callbacks libFuzzer provides: link it (its `main` is not used, this file has one)
use libfuzzer_sys as _;

use dnsplan::provider::rfc2136::{algorithm, codec, wire};
use dnsplan::provider::zonefile::read_zone_file;

fn name(text: &str) -> wire::Name {
    wire::Name::parse(text, None).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn soa(zone: &wire::Name) -> wire::RecordOut {
    let mut rdata = name(&format!("ns1.{}", zone.to_text())).to_wire();
    rdata.extend(name(&format!("hostmaster.{}", zone.to_text())).to_wire());
    for v in [2024010101u32, 3600, 600, 604800, 300] {
        rdata.extend(v.to_be_bytes());
    }
    wire::RecordOut {
        name: zone.clone(),
        rtype: wire::TYPE_SOA,
        class: wire::CLASS_IN,
        ttl: 3600,
        rdata,
    }
}

/// A response: the question, then `answers` in the answer section.
fn response(id: u16, opcode: u8, zone: &wire::Name, answers: &[wire::RecordOut]) -> Vec<u8> {
    let mut b = wire::Builder::new(id, opcode);
    b.question(zone, wire::TYPE_AXFR, wire::CLASS_IN);
    for r in answers {
        b.record(1, r);
    }
    let mut msg = b.finish();
    msg[2] |= 0x84; // QR, AA
    msg
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((out, files)) = args.split_last() else {
        eprintln!("usage: seed-wire ZONE_FILE... OUT_DIR");
        std::process::exit(2);
    };
    let out = Path::new(out);
    std::fs::create_dir_all(out).expect("create the output directory");
    let zone = name("example.com.");
    let mut records = Vec::new();
    for f in files {
        let data = match read_zone_file(Path::new(f), "example.com.", false, None) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("seed-wire: skipping {f}: {e}");
                continue;
            }
        };
        for r in data.zone.iter() {
            let Some(code) = codec::type_code(&r.rtype) else {
                continue;
            };
            for v in &r.values {
                let Ok(rdata) = codec::encode(&r.rtype, v, &zone) else {
                    continue;
                };
                records.push(wire::RecordOut {
                    name: name(&r.fqdn("example.com.")),
                    rtype: code,
                    class: wire::CLASS_IN,
                    ttl: r.ttl,
                    rdata,
                });
            }
        }
    }
    let mut n = 0;
    let mut put = |bytes: Vec<u8>| {
        std::fs::write(out.join(format!("seed-{n:04}")), bytes).expect("write a seed");
        n += 1;
    };
    let mut whole = vec![soa(&zone)];
    whole.extend(records.iter().cloned());
    whole.push(soa(&zone));
    put(response(1, wire::OPCODE_QUERY, &zone, &whole));
    for r in &records {
        put(response(
            2,
            wire::OPCODE_QUERY,
            &zone,
            &[soa(&zone), r.clone()],
        ));
    }
    let key = wire::Key {
        name: name("key.example.com."),
        algorithm: algorithm("hmac-sha256").expect("hmac-sha256"),
        secret: b"0123456789abcdef0123456789abcdef".to_vec(),
    };
    let mut signed = response(3, wire::OPCODE_QUERY, &zone, &whole[..whole.len().min(4)]);
    key.sign(&mut signed, 1_700_000_000).expect("sign");
    put(signed);
    for rcode in [0u8, 2, 5, 9] {
        let mut update = response(4, wire::OPCODE_UPDATE, &zone, &[]);
        update[3] |= rcode;
        put(update);
    }
    println!("seed-wire: {n} messages in {}", out.display());
}

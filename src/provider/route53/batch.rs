//! From a zone plan to ChangeBatches: the changes per record, their order, the batches within
//! Route 53's limits, and the checks that catch, before any request, what real Route 53
//! rejects (the emulator lets most of it through).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::{Ipv4Addr, Ipv6Addr};

use super::rrset::{Action, Key, Mod, Rrset};

/// Route 53's documented limits per ChangeResourceRecordSets request.
pub const MAX_RECORDS: usize = 1000;
pub const MAX_VALUE_CHARS: usize = 32_000;
const MAX_VALUE_LEN: usize = 4000;

/// The changes one record needs: what exists (`existing`) turned into what is wanted (`new`).
/// Unchanged rrsets are left alone.
pub fn mods_for(existing: &[Rrset], new: &[Rrset]) -> Vec<Mod> {
    let old: HashMap<Key, &Rrset> = existing.iter().map(|r| (r.key(), r)).collect();
    let wanted: BTreeSet<Key> = new.iter().map(Rrset::key).collect();
    let mut out = Vec::new();
    for r in existing {
        if !wanted.contains(&r.key()) {
            out.push(Mod {
                action: Action::Delete,
                rrset: r.clone(),
            });
        }
    }
    for r in new {
        match old.get(&r.key()) {
            None => out.push(Mod {
                action: Action::Create,
                rrset: r.clone(),
            }),
            Some(e) if !e.same(r) => out.push(Mod {
                action: Action::Upsert,
                rrset: r.clone(),
            }),
            Some(_) => {}
        }
    }
    out.sort_by_key(Mod::order_key);
    out
}

/// One record's changes, labelled for reports.
#[derive(Clone, Debug)]
pub struct Group {
    /// `name TYPE` of the record.
    pub label: String,
    pub mods: Vec<Mod>,
}

impl Group {
    fn records(&self) -> usize {
        self.mods.iter().map(Mod::record_count).sum()
    }
    fn chars(&self) -> usize {
        self.mods.iter().map(Mod::value_chars).sum()
    }
}

/// A DELETE and a CREATE of one rrset in the same plan (an alias replaced by a plain record
/// of the target type, or the reverse) become one UPSERT: Route 53 refuses two changes to one
/// rrset in a batch.
pub fn merge_replacements(groups: &mut [Group]) {
    let mut created: HashMap<Key, usize> = HashMap::new();
    for (gi, g) in groups.iter().enumerate() {
        for m in &g.mods {
            if m.action == Action::Create {
                created.insert(m.rrset.key(), gi);
            }
        }
    }
    let mut upserts: BTreeSet<Key> = BTreeSet::new();
    for g in groups.iter_mut() {
        g.mods.retain(|m| {
            if m.action == Action::Delete && created.contains_key(&m.rrset.key()) {
                upserts.insert(m.rrset.key());
                false
            } else {
                true
            }
        });
    }
    for g in groups.iter_mut() {
        for m in &mut g.mods {
            if m.action == Action::Create && upserts.contains(&m.rrset.key()) {
                m.action = Action::Upsert;
            }
        }
        g.mods.sort_by_key(Mod::order_key);
    }
}

/// Pack record groups into batches, in order, never splitting a record's changes (so each
/// record changes atomically), each within `max_records` ResourceRecords and 32,000 value
/// characters. Within a batch, changes are ordered so alias targets exist first.
pub fn batches(groups: Vec<Group>, max_records: usize) -> Result<Vec<Vec<Mod>>, String> {
    let mut out: Vec<Vec<Mod>> = Vec::new();
    let mut cur: Vec<Mod> = Vec::new();
    let (mut n, mut chars) = (0, 0);
    for g in groups {
        if g.mods.is_empty() {
            continue;
        }
        let (gn, gc) = (g.records(), g.chars());
        if gn > max_records || gc > MAX_VALUE_CHARS {
            return Err(format!(
                "{}: too many modifications for one change batch ({gn} resource records, \
                 {gc} value characters; the limits are {max_records} and {MAX_VALUE_CHARS})",
                g.label
            ));
        }
        if n + gn > max_records || chars + gc > MAX_VALUE_CHARS {
            out.push(std::mem::take(&mut cur));
            (n, chars) = (0, 0);
        }
        n += gn;
        chars += gc;
        cur.extend(g.mods);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    for b in &mut out {
        b.sort_by_key(Mod::order_key);
    }
    Ok(out)
}

/// Check the batches against the zone as it is (`state`: every rrset of the hosted zone) the
/// way real Route 53 would, before anything is sent. Returns every problem found.
pub fn check(state: &[Rrset], zone: &str, batches: &[Vec<Mod>]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut now: BTreeMap<Key, Rrset> = state.iter().map(|r| (r.key(), r.clone())).collect();
    for (bi, batch) in batches.iter().enumerate() {
        let at = |m: &Mod| {
            format!(
                "batch {}/{}: {} {}",
                bi + 1,
                batches.len(),
                m.action.as_str(),
                m.rrset.label()
            )
        };
        let mut seen = BTreeSet::new();
        for m in batch {
            if !seen.insert(m.rrset.key()) {
                problems.push(format!(
                    "{}: a second change to the same rrset in one batch",
                    at(m)
                ));
            }
            if m.action != Action::Delete {
                for p in value_problems(&m.rrset, zone) {
                    problems.push(format!("{}: {p}", at(m)));
                }
            }
            match (m.action, now.get(&m.rrset.key())) {
                (Action::Create, Some(_)) => problems.push(format!(
                    "{}: it already exists in the hosted zone (changed since the plan?)",
                    at(m)
                )),
                (Action::Delete, None) => problems.push(format!(
                    "{}: it is not in the hosted zone (changed since the plan?)",
                    at(m)
                )),
                (Action::Delete, Some(e)) if !e.same(&m.rrset) => problems.push(format!(
                    "{}: the hosted zone holds different values (changed since the plan?)",
                    at(m)
                )),
                _ => {}
            }
            if m.action == Action::Delete {
                now.remove(&m.rrset.key());
            } else {
                now.insert(m.rrset.key(), m.rrset.clone());
            }
        }
    }
    // what the zone would hold afterwards
    let mut by_name: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut routing: BTreeMap<(&str, &str), (bool, bool)> = BTreeMap::new();
    for r in now.values() {
        by_name.entry(&r.name).or_default().insert(&r.rtype);
        let e = routing.entry((&r.name, &r.rtype)).or_default();
        if r.set_id.is_some() {
            e.0 = true;
        } else {
            e.1 = true;
        }
    }
    let touched: BTreeSet<&str> = batches
        .iter()
        .flatten()
        .map(|m| m.rrset.name.as_str())
        .collect();
    for (name, types) in &by_name {
        if !touched.contains(name) {
            continue;
        }
        if types.contains("CNAME") {
            if name.eq_ignore_ascii_case(zone) {
                problems.push(format!("{name}: a CNAME is not allowed at the zone apex"));
            } else if types.len() > 1 {
                let others: Vec<&str> = types.iter().copied().filter(|t| *t != "CNAME").collect();
                problems.push(format!(
                    "{name}: a CNAME cannot exist beside other data ({})",
                    others.join(", ")
                ));
            }
        }
    }
    for ((name, t), (with_id, without)) in routing {
        if with_id && without && touched.contains(name) {
            problems.push(format!(
                "{name} {t}: rrsets with a routing policy (set identifier) cannot share a name \
                 and type with one without"
            ));
        }
    }
    problems
}

/// What Route 53 refuses in an rrset being written.
fn value_problems(r: &Rrset, zone: &str) -> Vec<String> {
    let mut out = Vec::new();
    let name = r.name.trim_end_matches('.');
    let bad_label = !name.is_empty() && name.split('.').any(|l| l.len() > 63 || l.is_empty());
    if name.len() > 253 || bad_label {
        out.push("the name is too long (253 characters, 63 per label)".to_string());
    }
    if !(r.name.eq_ignore_ascii_case(zone)
        || r.name.to_ascii_lowercase().ends_with(&format!(".{zone}")))
    {
        out.push(format!("the name is not in the zone {zone}"));
    }
    if let Some(id) = &r.set_id
        && (id.is_empty() || id.len() > 128)
    {
        out.push("a set identifier has 1 to 128 characters".to_string());
    }
    if let Some(w) = r.weight
        && !(0..=255).contains(&w)
    {
        out.push(format!("weight {w} is outside 0-255"));
    }
    if r.alias.is_some() {
        if !r.records.is_empty() || r.ttl.is_some() {
            out.push("an alias has neither values nor a TTL".to_string());
        }
        return out;
    }
    match r.ttl {
        None => out.push("a TTL is required".to_string()),
        Some(t) if !(0..=2_147_483_647).contains(&t) => {
            out.push(format!("TTL {t} is out of range"))
        }
        _ => {}
    }
    if r.records.is_empty() {
        out.push("no values".to_string());
    }
    let mut seen = BTreeSet::new();
    for v in &r.records {
        if !seen.insert(v.as_str()) {
            out.push(format!("duplicate value {v:?}"));
        }
        if v.len() > MAX_VALUE_LEN {
            out.push(format!("a value is longer than {MAX_VALUE_LEN} characters"));
        }
        let ok = match r.rtype.as_str() {
            "A" => v.parse::<Ipv4Addr>().is_ok(),
            "AAAA" => v.parse::<Ipv6Addr>().is_ok(),
            "TXT" | "SPF" => quoted_strings_ok(v),
            "CNAME" | "NS" | "PTR" => !v.is_empty() && !v.contains(' '),
            "MX" => v.split(' ').count() == 2,
            "SRV" | "DS" => v.split(' ').count() >= 4,
            _ => true,
        };
        if !ok {
            out.push(format!("invalid {} value {v:?}", r.rtype));
        }
    }
    if r.rtype == "CNAME" && r.records.len() > 1 {
        out.push("a CNAME has exactly one value".to_string());
    }
    out
}

/// TXT as Route 53 wants it: one or more `"…"` strings of at most 255 characters each
/// (escapes counted as the character they stand for).
fn quoted_strings_ok(v: &str) -> bool {
    let b = v.as_bytes();
    let mut i = 0;
    let mut any = false;
    while i < b.len() {
        if b[i] == b' ' {
            i += 1;
            continue;
        }
        if b[i] != b'"' {
            return false;
        }
        i += 1;
        let mut len = 0;
        loop {
            match b.get(i) {
                None => return false,
                Some(b'"') => {
                    i += 1;
                    break;
                }
                Some(b'\\') => {
                    let digits = b
                        .get(i + 1..i + 4)
                        .is_some_and(|d| d.iter().all(u8::is_ascii_digit));
                    i += if digits { 4 } else { 2 };
                }
                Some(_) => i += 1,
            }
            len += 1;
        }
        if len > 255 {
            return false;
        }
        any = true;
    }
    any
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::route53::rrset::Alias;

    fn a(name: &str, values: &[&str]) -> Rrset {
        let mut r = Rrset::new(name, "A");
        r.ttl = Some(300);
        r.records = values.iter().map(|s| s.to_string()).collect();
        r
    }

    fn group(label: &str, mods: Vec<Mod>) -> Group {
        Group {
            label: label.into(),
            mods,
        }
    }

    #[test]
    fn only_changed_rrsets_are_sent() {
        let old = vec![a("a.z.", &["192.0.2.1"]), a("b.z.", &["192.0.2.2"])];
        let new = vec![a("a.z.", &["192.0.2.1"]), a("c.z.", &["192.0.2.3"])];
        let m = mods_for(&old, &new);
        let got: Vec<(Action, &str)> = m
            .iter()
            .map(|m| (m.action, m.rrset.name.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![(Action::Delete, "b.z."), (Action::Create, "c.z.")]
        );
        // a value order difference is no change
        let m = mods_for(
            &[a("a.z.", &["192.0.2.1", "192.0.2.2"])],
            &[a("a.z.", &["192.0.2.2", "192.0.2.1"])],
        );
        assert!(m.is_empty());
        let m = mods_for(&[a("a.z.", &["192.0.2.1"])], &[a("a.z.", &["192.0.2.9"])]);
        assert_eq!(m[0].action, Action::Upsert);
    }

    #[test]
    fn alias_replaced_by_plain_record_is_one_upsert() {
        let mut alias = Rrset::new("www.z.", "A");
        alias.alias = Some(Alias {
            dns_name: "z.".into(),
            hosted_zone_id: "Z1".into(),
            evaluate: false,
        });
        let mut groups = vec![
            group(
                "www Route53Provider/ALIAS",
                vec![Mod {
                    action: Action::Delete,
                    rrset: alias,
                }],
            ),
            group(
                "www A",
                vec![Mod {
                    action: Action::Create,
                    rrset: a("www.z.", &["192.0.2.1"]),
                }],
            ),
        ];
        merge_replacements(&mut groups);
        assert!(groups[0].mods.is_empty());
        assert_eq!(groups[1].mods[0].action, Action::Upsert);
    }

    #[test]
    fn batches_respect_limits_and_keep_records_whole() {
        let groups: Vec<Group> = (0..5)
            .map(|i| {
                let values: Vec<String> = (0..300)
                    .map(|j| format!("10.{i}.{}.{}", j / 256, j % 256))
                    .collect();
                let v: Vec<&str> = values.iter().map(String::as_str).collect();
                group(
                    &format!("r{i} A"),
                    vec![Mod {
                        action: Action::Create,
                        rrset: a(&format!("r{i}.z."), &v),
                    }],
                )
            })
            .collect();
        let b = batches(groups, MAX_RECORDS).unwrap();
        let sizes: Vec<usize> = b
            .iter()
            .map(|b| b.iter().map(Mod::record_count).sum())
            .collect();
        assert_eq!(sizes, vec![900, 600]);
        // one record over the limit is refused before anything is sent
        let big: Vec<String> = (0..1001)
            .map(|j| format!("10.9.{}.{}", j / 256, j % 256))
            .collect();
        let v: Vec<&str> = big.iter().map(String::as_str).collect();
        let err = batches(
            vec![group(
                "big A",
                vec![Mod {
                    action: Action::Create,
                    rrset: a("big.z.", &v),
                }],
            )],
            MAX_RECORDS,
        )
        .unwrap_err();
        assert!(err.contains("big A: too many modifications"), "{err}");
        // value characters: 32,000 per batch
        let long = format!("\"{}\"", "x".repeat(250));
        let txt = |i: usize| {
            let mut r = Rrset::new(format!("t{i}.z."), "TXT");
            r.ttl = Some(60);
            r.records = (0..50)
                .map(|j| format!("{long}{j:03}").replace("x\"", "\""))
                .collect();
            group(
                "t TXT",
                vec![Mod {
                    action: Action::Create,
                    rrset: r,
                }],
            )
        };
        let b = batches((0..6).map(txt).collect(), MAX_RECORDS).unwrap();
        assert!(b.len() >= 2);
        for batch in &b {
            assert!(batch.iter().map(Mod::value_chars).sum::<usize>() <= MAX_VALUE_CHARS);
        }
    }

    #[test]
    fn checks_what_route53_rejects() {
        let state = vec![a("a.z.", &["192.0.2.1"]), a("c.z.", &["192.0.2.3"])];
        let create = |r: Rrset| Mod {
            action: Action::Create,
            rrset: r,
        };
        let mut cname = Rrset::new("c.z.", "CNAME");
        cname.ttl = Some(60);
        cname.records = vec!["x.example.".into()];
        let mut apex = cname.clone();
        apex.name = "z.".into();
        let batch = vec![
            create(a("a.z.", &["192.0.2.9"])),
            create(a("b.z.", &["192.0.2.1", "192.0.2.1"])),
            create(a("b.z.", &["192.0.2.1"])),
            create(a("bad.z.", &["300.0.0.1"])),
            create(a("www.other.", &["192.0.2.1"])),
            create(cname),
            create(apex),
            Mod {
                action: Action::Delete,
                rrset: a("gone.z.", &["192.0.2.1"]),
            },
            Mod {
                action: Action::Delete,
                rrset: a("c.z.", &["192.0.2.4"]),
            },
        ];
        let p = check(&state, "z.", &[batch]).join("\n");
        for want in [
            "CREATE a.z. A: it already exists",
            "duplicate value \"192.0.2.1\"",
            "CREATE b.z. A: a second change to the same rrset in one batch",
            "invalid A value \"300.0.0.1\"",
            "not in the zone z.",
            "DELETE gone.z. A: it is not in the hosted zone",
            "DELETE c.z. A: the hosted zone holds different values",
            "z.: a CNAME is not allowed at the zone apex",
        ] {
            assert!(p.contains(want), "missing {want:?} in\n{p}");
        }
        // CNAME beside the A that stays
        let mut cname = Rrset::new("a.z.", "CNAME");
        cname.ttl = Some(60);
        cname.records = vec!["x.example.".into()];
        let p = check(&state, "z.", &[vec![create(cname)]]).join("\n");
        assert!(
            p.contains("a.z.: a CNAME cannot exist beside other data (A)"),
            "{p}"
        );
        // and a clean batch passes
        let ok = vec![create(a("n.z.", &["192.0.2.1"]))];
        assert!(check(&state, "z.", &[ok]).is_empty());
    }

    #[test]
    fn txt_strings() {
        assert!(quoted_strings_ok("\"a\" \"b\""));
        assert!(quoted_strings_ok("\"a\\\"b\\092\""));
        assert!(quoted_strings_ok(&format!("\"{}\"", "x".repeat(255))));
        assert!(!quoted_strings_ok(&format!("\"{}\"", "x".repeat(256))));
        assert!(!quoted_strings_ok("unquoted"));
        assert!(!quoted_strings_ok("\"open"));
    }
}

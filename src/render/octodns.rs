//! octoDNS's own plan outputs (`octodns.provider.plan`), written as octoDNS writes them, for
//! `manager.plan_outputs`: `PlanLogger` (the plan log), `PlanMarkdown`, `PlanHtml` and
//! `PlanJson`. Records are shown in octoDNS's `repr` (`<ARecord A 300, www.example.com.,
//! ['192.0.2.1']>`), JSON as Python's `json.dumps` writes it.
//!
//! The plans are those octoDNS lists: zone × target pairs with changes, children zones first
//! (octoDNS sorts by the length of the zone's name, longest first).

use serde_json::Value as J;

use crate::model::{RecordSet, RecordType, Value, idna_decode};
use crate::plan::{Change, Op, ZonePlan};
use crate::yaml::{float_repr, str_repr};

/// One plan as the outputs see it: the zone plan and the target's octoDNS class name
/// (`YamlProvider`), which `PlanLogger` prints.
pub struct Shown<'a> {
    pub plan: &'a ZonePlan,
    pub provider_class: &'a str,
}

/// The plans octoDNS's outputs list, in its order.
pub fn shown<'a>(plans: &'a [ZonePlan], class_of: impl Fn(&str) -> &'a str) -> Vec<Shown<'a>> {
    let mut out: Vec<Shown> = plans
        .iter()
        .filter(|p| !p.changes.is_empty())
        .map(|p| Shown {
            plan: p,
            provider_class: class_of(&p.target),
        })
        .collect();
    // Python's stable sort with reverse=True: longest zone name first, ties as they came
    out.sort_by_key(|s| std::cmp::Reverse(s.plan.zone.len()));
    out
}

const HR: &str =
    "********************************************************************************\n";

/// Python's `repr` of JSON-shaped data (dicts in the order given).
fn py_repr(v: &J) -> String {
    match v {
        J::Null => "None".into(),
        J::Bool(true) => "True".into(),
        J::Bool(false) => "False".into(),
        J::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i.to_string(),
            (None, Some(f)) => float_repr(f),
            _ => n.to_string(),
        },
        J::String(s) => str_repr(s),
        J::Array(a) => format!("[{}]", a.iter().map(py_repr).collect::<Vec<_>>().join(", ")),
        J::Object(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, v)| format!("{}: {}", str_repr(k), py_repr(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// octoDNS's record class name (`ARecord`, `AaaaRecord`, `Foo/BAR` as written).
fn class_name(t: &RecordType) -> String {
    let s = t.as_str();
    if s.contains('/') {
        return s.to_string();
    }
    let mut c = s.chars();
    match c.next() {
        Some(f) => format!("{f}{}Record", c.as_str().to_ascii_lowercase()),
        None => "Record".into(),
    }
}

/// `str(value)` of one value, as octoDNS's value types write it.
fn value_str(v: &Value) -> String {
    match v {
        Value::Ip(s) | Value::Target(s) | Value::Text(s) | Value::Base64(s) => s.clone(),
        Value::Mx(m) => format!("'{} {}'", m.preference, m.exchange),
        Value::Srv(s) => format!("'{} {} {} {}'", s.priority, s.weight, s.port, s.target),
        Value::Sshfp(s) => format!("'{} {} {}'", s.algorithm, s.fingerprint_type, s.fingerprint),
        Value::Tlsa(t) => format!(
            "'{} {} {} {}'",
            t.certificate_usage, t.selector, t.matching_type, t.certificate_association_data
        ),
        Value::Caa(c) => format!("{} {} \"{}\"", c.flags, c.tag, c.value),
        Value::Ds(d) => format!(
            "{} {} {} {}",
            d.key_tag, d.algorithm, d.digest_type, d.digest
        ),
        Value::Uri(u) => format!("'{} {} \"{}\"'", u.priority, u.weight, u.target),
        Value::Urlfwd(u) => format!(
            "\"{}\" \"{}\" {} {} {}",
            u.path, u.target, u.code, u.masking, u.query
        ),
        Value::Naptr(n) => format!(
            "'{} {} \"{}\" \"{}\" \"{}\" {}'",
            n.order, n.preference, n.flags, n.service, n.regexp, n.replacement
        ),
        Value::Svcb(_) => format!("'{}'", v.to_rdata()),
        Value::Loc(l) => format!("'{}'", l.fixed_text()),
        Value::Data(d) => py_repr(&d.0),
    }
}

/// `repr(value)`: what a Python list of values shows per value. String values are quoted;
/// the dict-based ones already are (their `repr` is their `str`).
fn value_repr(v: &Value) -> String {
    match v {
        Value::Ip(s) | Value::Target(s) | Value::Text(s) | Value::Base64(s) => str_repr(s),
        other => value_str(other),
    }
}

fn single_value(t: &RecordType) -> bool {
    matches!(t, RecordType::Alias | RecordType::Cname | RecordType::Dname)
}

/// octoDNS's `repr` of a record.
pub fn record_repr(r: &RecordSet, zone: &str) -> String {
    let klass = class_name(&r.rtype);
    let fqdn = idna_decode(&r.fqdn(zone));
    let values_list = || {
        format!(
            "[{}]",
            r.values
                .iter()
                .map(value_repr)
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    if let Some(d) = &r.dynamic {
        let values = if single_value(&r.rtype) {
            r.values.first().map(value_str).unwrap_or_default()
        } else {
            values_list()
        };
        let data = d.to_data();
        let pools = match &data["pools"] {
            J::Object(m) => format!(
                "{{{}}}",
                m.iter()
                    .map(|(k, p)| {
                        // _DynamicPool.data: fallback, then values {value, weight, status}
                        let vals: Vec<String> = p["values"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .map(|v| {
                                format!(
                                    "{{'value': {}, 'weight': {}, 'status': {}}}",
                                    py_repr(&v["value"]),
                                    py_repr(v.get("weight").unwrap_or(&J::from(1))),
                                    py_repr(v.get("status").unwrap_or(&J::from("obey")))
                                )
                            })
                            .collect();
                        format!(
                            "{}: {{'fallback': {}, 'values': [{}]}}",
                            str_repr(k),
                            py_repr(p.get("fallback").unwrap_or(&J::Null)),
                            vals.join(", ")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            _ => "{}".into(),
        };
        let rules = match &data["rules"] {
            J::Array(rules) => format!(
                "[{}]",
                rules
                    .iter()
                    .map(|rule| {
                        let mut parts = Vec::new();
                        for key in ["pool", "geos", "subnets"] {
                            if let Some(v) = rule.get(key) {
                                parts.push(format!("{}: {}", str_repr(key), py_repr(v)));
                            }
                        }
                        format!("{{{}}}", parts.join(", "))
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            _ => "[]".into(),
        };
        return format!(
            "<{klass} {} {}, {fqdn}, {values}, {pools}, {rules}>",
            r.rtype, r.ttl
        );
    }
    if let Some(geo) = &r.geo {
        let g: Vec<String> = geo
            .iter()
            .map(|(code, values)| {
                let mut parts = code.splitn(3, '-');
                let c = parts.next().unwrap_or_default();
                let country = parts.next().map_or("None".to_string(), str::to_string);
                let sub = parts.next().map_or("None".to_string(), str::to_string);
                let vs: Vec<String> = values.iter().map(|v| str_repr(v)).collect();
                format!(
                    "{}: 'Geo {c} {country} {sub} [{}]'",
                    str_repr(code),
                    vs.join(", ")
                )
            })
            .collect();
        return format!(
            "<{klass} {} {}, {fqdn}, {}, {{{}}}>",
            r.rtype,
            r.ttl,
            values_list(),
            g.join(", ")
        );
    }
    let octodns = if r.settings.raw.is_empty() {
        String::new()
    } else {
        format!(", {}", py_repr(&J::Object(r.settings.raw.clone())))
    };
    if single_value(&r.rtype) {
        let v = r.values.first().map(value_str).unwrap_or_default();
        return format!("<{klass} {} {}, {fqdn}, {v}{octodns}>", r.rtype, r.ttl);
    }
    let joined = r
        .values
        .iter()
        .map(value_str)
        .collect::<Vec<_>>()
        .join("', '");
    format!(
        "<{klass} {} {}, {fqdn}, ['{joined}']{octodns}>",
        r.rtype, r.ttl
    )
}

fn source_of(r: &RecordSet) -> &str {
    r.source.as_deref().unwrap_or("")
}

/// `str(plan)`: the summary line.
fn summary(p: &ZonePlan) -> String {
    let s = p.summary();
    format!(
        "Creates={}, Updates={}, Deletes={}, Existing={}, Meta=False",
        s.creates, s.updates, s.deletes, s.existing
    )
}

fn change_repr(c: &Change, zone: &str, leader: &str) -> String {
    match (c.op, &c.existing, &c.desired) {
        (Op::Create, _, Some(d)) => format!("Create {} ({})", record_repr(d, zone), source_of(d)),
        (Op::Update, Some(e), Some(d)) => format!(
            "Update\n{leader}    {} ->\n{leader}    {} ({})",
            record_repr(e, zone),
            record_repr(d, zone),
            source_of(d)
        ),
        (_, Some(e), _) => format!("Delete {}", record_repr(e, zone)),
        _ => String::new(),
    }
}

/// The plans with their zone's display name, and whether each opens a run of its zone (the
/// outputs print a zone heading there).
fn by_zone<'a>(plans: &'a [Shown<'a>]) -> impl Iterator<Item = (String, bool, &'a Shown<'a>)> {
    plans.iter().enumerate().map(move |(i, s)| {
        let first = i == 0 || plans[i - 1].plan.zone != s.plan.zone;
        (idna_decode(&s.plan.zone), first, s)
    })
}

/// `PlanLogger`: the text it logs (at its level), from the leading newline to the last.
pub fn logger(plans: &[Shown]) -> String {
    let mut buf = String::from("\n");
    if plans.is_empty() {
        buf.push_str(HR);
        buf.push_str("No changes were planned\n");
    } else {
        for (zone, first, s) in by_zone(plans) {
            let p = s.plan;
            if first {
                buf.push_str(HR);
                buf.push_str(&format!("* {zone}\n"));
                buf.push_str(HR);
            }
            buf.push_str(&format!("* {} ({})\n*   ", p.target, s.provider_class));
            if !p.exists {
                buf.push_str(&format!("Create Zone<{zone}>\n*   "));
            }
            for c in &p.changes {
                buf.push_str(&change_repr(c, &p.zone, "* "));
                buf.push_str("\n*   ");
            }
            buf.push_str(&format!("Summary: {}\n", summary(p)));
        }
    }
    buf.push_str(HR);
    buf.push('\n');
    buf
}

/// `_value_stringifier`: a record's values joined by `sep`, then its geo values.
fn values_joined(r: &RecordSet, sep: &str) -> String {
    let mut values: Vec<String> = r.values.iter().map(value_str).collect();
    for (code, gv) in r.geo.iter().flatten() {
        values.push(format!("{code}: {}", gv.join(", ")));
    }
    values.join(sep)
}

fn op_name(op: Op) -> &'static str {
    match op {
        Op::Create => "Create",
        Op::Update => "Update",
        Op::Delete => "Delete",
    }
}

/// `PlanMarkdown`.
pub fn markdown(plans: &[Shown]) -> String {
    if plans.is_empty() {
        return "## No changes were planned\n".into();
    }
    let mut fh = String::new();
    for (zone, first, s) in by_zone(plans) {
        let p = s.plan;
        if first {
            fh.push_str(&format!("## {zone}\n\n"));
        }
        fh.push_str(&format!("### {}\n\n", p.target));
        fh.push_str("| Operation | Name | Type | TTL | Value | Source |\n|--|--|--|--|--|--|\n");
        if !p.exists {
            fh.push_str(&format!("| Create | Zone<{zone}> | | | | |\n"));
        }
        for c in &p.changes {
            let r = c.record();
            fh.push_str(&format!(
                "| {} | {} | {} | ",
                op_name(c.op),
                r.name,
                r.rtype
            ));
            if let Some(e) = &c.existing {
                fh.push_str(&format!("{} | {} | |\n", e.ttl, values_joined(e, "; ")));
                if c.desired.is_some() {
                    fh.push_str("| | | | ");
                }
            }
            if let Some(d) = &c.desired {
                fh.push_str(&format!(
                    "{} | {} | {} |\n",
                    d.ttl,
                    values_joined(d, "; "),
                    source_of(d)
                ));
            }
        }
        fh.push_str(&format!("\nSummary: {}\n\n", summary(p)));
    }
    fh
}

/// `PlanHtml`.
pub fn html(plans: &[Shown]) -> String {
    if plans.is_empty() {
        return "<b>No changes were planned</b>".into();
    }
    let mut fh = String::new();
    for (zone, first, s) in by_zone(plans) {
        let p = s.plan;
        if first {
            fh.push_str(&format!("<h2>{zone}</h2>\n"));
        }
        fh.push_str(&format!(
            "<h3>{}</h3>\n<table>\n  <tr>\n    <th>Operation</th>\n    <th>Name</th>\n    \
             <th>Type</th>\n    <th>TTL</th>\n    <th>Value</th>\n    <th>Source</th>\n  </tr>\n",
            p.target
        ));
        if !p.exists {
            fh.push_str(&format!(
                "  <tr>\n    <td>Create</td>\n    <td colspan=5>Zone<{zone}></td>\n  </tr>\n"
            ));
        }
        for c in &p.changes {
            let r = c.record();
            fh.push_str(&format!(
                "  <tr>\n    <td>{}</td>\n    <td>{}</td>\n    <td>{}</td>\n",
                op_name(c.op),
                r.name,
                r.rtype
            ));
            if let Some(e) = &c.existing {
                fh.push_str(&format!(
                    "    <td>{}</td>\n    <td>{}</td>\n    <td></td>\n  </tr>\n",
                    e.ttl,
                    values_joined(e, "<br/>")
                ));
                if c.desired.is_some() {
                    fh.push_str("  <tr>\n    <td colspan=3></td>\n");
                }
            }
            if let Some(d) = &c.desired {
                fh.push_str(&format!(
                    "    <td>{}</td>\n    <td>{}</td>\n    <td>{}</td>\n  </tr>\n",
                    d.ttl,
                    values_joined(d, "<br/>"),
                    source_of(d)
                ));
            }
        }
        fh.push_str(&format!(
            "  <tr>\n    <td colspan=6>Summary: {}</td>\n  </tr>\n</table>\n",
            summary(p)
        ));
    }
    fh
}

/// `record.data`: the record's data shape without `type`.
fn record_data(r: &RecordSet) -> J {
    let mut d = r.to_data();
    if let Some(m) = d.as_object_mut() {
        m.remove("type");
    }
    d
}

fn change_data(c: &Change) -> J {
    let mut m = serde_json::Map::new();
    let r = c.record();
    m.insert("type".into(), op_name(c.op).to_ascii_lowercase().into());
    if let Some(e) = &c.existing {
        m.insert("existing".into(), record_data(e));
    }
    m.insert("name".into(), r.name.clone().into());
    if let Some(d) = &c.desired {
        m.insert("new".into(), record_data(d));
    }
    m.insert("record_type".into(), r.rtype.as_str().into());
    J::Object(m)
}

/// `PlanJson`: `{target: {zone: {"changes": [...], "meta": null}}}` as `json.dumps` writes it
/// (`indent`, `sort_keys`, ASCII only), with its final newline.
pub fn json(plans: &[Shown], indent: Option<usize>, sort_keys: bool) -> String {
    let mut data = serde_json::Map::new();
    for s in plans {
        let p = s.plan;
        let target = data
            .entry(p.target.clone())
            .or_insert_with(|| J::Object(serde_json::Map::new()));
        let changes: Vec<J> = p.changes.iter().map(change_data).collect();
        let mut plan = serde_json::Map::new();
        plan.insert("changes".into(), J::Array(changes));
        plan.insert("meta".into(), J::Null);
        if let Some(t) = target.as_object_mut() {
            t.insert(p.zone.clone(), J::Object(plan));
        }
    }
    let mut out = String::new();
    dumps(&J::Object(data), indent, sort_keys, 0, &mut out);
    out.push('\n');
    out
}

fn json_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn dumps(v: &J, indent: Option<usize>, sort: bool, level: usize, out: &mut String) {
    let newline = |out: &mut String, level: usize| {
        if let Some(n) = indent {
            out.push('\n');
            out.push_str(&" ".repeat(n * level));
        }
    };
    let item_sep = if indent.is_some() { "," } else { ", " };
    match v {
        J::Null => out.push_str("null"),
        J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        J::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => out.push_str(&i.to_string()),
            (None, Some(f)) => out.push_str(&float_repr(f)),
            _ => out.push_str(&n.to_string()),
        },
        J::String(s) => json_str(s, out),
        J::Array(a) if a.is_empty() => out.push_str("[]"),
        J::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(item_sep);
                }
                newline(out, level + 1);
                dumps(x, indent, sort, level + 1, out);
            }
            newline(out, level);
            out.push(']');
        }
        J::Object(m) if m.is_empty() => out.push_str("{}"),
        J::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            if sort {
                keys.sort();
            }
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push_str(item_sep);
                }
                newline(out, level + 1);
                json_str(k, out);
                out.push_str(": ");
                dumps(&m[*k], indent, sort, level + 1, out);
            }
            newline(out, level);
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_reprs() {
        assert_eq!(class_name(&RecordType::Aaaa), "AaaaRecord");
        let mut out = String::new();
        dumps(
            &serde_json::json!({"b": [1, "é"], "a": {}}),
            None,
            true,
            0,
            &mut out,
        );
        assert_eq!(out, "{\"a\": {}, \"b\": [1, \"\\u00e9\"]}");
        let mut out = String::new();
        dumps(&serde_json::json!({"a": [1]}), Some(2), true, 0, &mut out);
        assert_eq!(out, "{\n  \"a\": [\n    1\n  ]\n}");
    }
}

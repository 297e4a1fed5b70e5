//! `Templating` (`octodns.processor.templating`): `{zone_name}`, `{record_fqdn}`, … and the
//! `context:` keys are filled into the text parts of desired values (a TXT's text, a CNAME's
//! target, an MX exchange, an SRV target, …), per target, as Python's `str.format` does.
//!
//! dnsplan fills plain fields (`{name}`, and `{name!s}`); a format spec (`{n:>5}`), an
//! attribute or index (`{a.b}`, `{a[0]}`) or `!r` / `!a` is refused with the record's line
//! rather than written differently from octoDNS.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Deserialize;

use super::{Error, Processor, TargetCtx};
use crate::model::{RecordSet, Value, Zone, idna_decode};
use crate::yaml::{self, Node};

#[derive(Debug)]
pub struct Templating {
    id: String,
    trailing_dots: bool,
    context: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    #[serde(default = "super::yes")]
    trailing_dots: bool,
    #[serde(default)]
    #[allow(dead_code)] // its shape is checked here, its values read by `py_str_map`
    context: BTreeMap<String, serde::de::IgnoredAny>,
    #[serde(default)]
    #[allow(dead_code)] // BaseProcessor's option
    lenient: bool,
}

pub fn templating(id: &str, node: &Node) -> Result<Arc<dyn Processor>, yaml::de::Error> {
    let s: Settings = super::settings(node)?;
    Ok(Arc::new(Templating {
        id: id.to_string(),
        trailing_dots: s.trailing_dots,
        context: super::py_str_map(node, "context").into_iter().collect(),
    }))
}

/// Python's `str.format(**params)` for plain fields. Err: why it cannot be filled.
pub fn format(text: &str, params: &BTreeMap<&str, String>) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '}' => return Err("Single '}' encountered in format string".into()),
            '{' => {
                let mut field = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some('{') => {
                            return Err(format!(
                                "nested field {{{field}{{…}} is not supported by dnsplan"
                            ));
                        }
                        Some(ch) => field.push(ch),
                        None => return Err("expected '}' before end of string".into()),
                    }
                }
                let (name, conversion) = match field.split_once('!') {
                    Some((n, c)) => (n, Some(c)),
                    None => (field.as_str(), None),
                };
                if name.contains(':') || conversion.is_some_and(|c| c.contains(':')) {
                    return Err(format!(
                        "the format spec in {{{field}}} is not supported by dnsplan"
                    ));
                }
                match conversion {
                    None | Some("s") => {}
                    Some(c) => {
                        return Err(format!(
                            "the conversion !{c} in {{{field}}} is not supported by dnsplan"
                        ));
                    }
                }
                if name.is_empty() || name.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(format!(
                        "positional field {{{field}}}: only named parameters are given"
                    ));
                }
                if name.contains(['.', '[']) {
                    return Err(format!(
                        "attribute or index access in {{{field}}} is not supported by dnsplan"
                    ));
                }
                match params.get(name) {
                    Some(v) => out.push_str(v),
                    None => {
                        return Err(format!("undefined template parameter \"{name}\" in value"));
                    }
                }
            }
            other => out.push(other),
        }
    }
    Ok(out)
}

/// Fill one text field, as octoDNS does: only when it holds a `{`.
fn fill(s: &mut String, params: &BTreeMap<&str, String>) -> Result<bool, String> {
    if !s.contains('{') {
        return Ok(false);
    }
    let new = format(s, params)?;
    let changed = new != *s;
    *s = new;
    Ok(changed)
}

/// The text parts of a value octoDNS templates (each type's `template`).
fn fill_value(v: &mut Value, params: &BTreeMap<&str, String>) -> Result<bool, String> {
    Ok(match v {
        Value::Text(s) | Value::Target(s) | Value::Base64(s) => fill(s, params)?,
        Value::Mx(m) => fill(&mut m.exchange, params)?,
        Value::Srv(s) => fill(&mut s.target, params)?,
        Value::Uri(u) => fill(&mut u.target, params)?,
        Value::Caa(c) => fill(&mut c.value, params)?,
        Value::Sshfp(s) => fill(&mut s.fingerprint, params)?,
        Value::Tlsa(t) => fill(&mut t.certificate_association_data, params)?,
        Value::Ds(d) => fill(&mut d.digest, params)?,
        Value::Svcb(s) => fill(&mut s.targetname, params)?,
        Value::Naptr(n) => {
            // octoDNS formats all three when any holds a `{`
            if [&n.service, &n.regexp, &n.replacement]
                .iter()
                .any(|f| f.contains('{'))
            {
                let before = n.clone();
                n.service = format(&n.service, params)?;
                n.regexp = format(&n.regexp, params)?;
                n.replacement = format(&n.replacement, params)?;
                *n != before
            } else {
                false
            }
        }
        Value::Urlfwd(u) => {
            let a = fill(&mut u.path, params)?;
            let b = fill(&mut u.target, params)?;
            a || b
        }
        Value::Ip(_) | Value::Loc(_) | Value::Data(_) => false,
    })
}

impl Templating {
    fn cut(&self, name: String) -> String {
        match (self.trailing_dots, name.strip_suffix('.')) {
            (false, Some(s)) => s.to_string(),
            _ => name,
        }
    }

    fn params<'a>(&'a self, zone: &Zone, r: &RecordSet) -> BTreeMap<&'a str, String> {
        let mut p: BTreeMap<&str, String> = BTreeMap::new();
        let decoded_zone = idna_decode(&zone.name);
        p.insert("zone_name", self.cut(decoded_zone.clone()));
        p.insert("zone_decoded_name", self.cut(decoded_zone));
        p.insert("zone_encoded_name", self.cut(zone.name.clone()));
        p.insert("zone_num_records", zone.len().to_string());
        for (k, v) in &self.context {
            p.insert(k.as_str(), v.clone());
        }
        let fqdn = r.fqdn(&zone.name);
        let decoded_fqdn = idna_decode(&fqdn);
        p.insert("record_name", idna_decode(&r.name));
        p.insert("record_decoded_name", idna_decode(&r.name));
        p.insert("record_encoded_name", r.name.clone());
        p.insert("record_fqdn", self.cut(decoded_fqdn.clone()));
        p.insert("record_decoded_fqdn", self.cut(decoded_fqdn));
        p.insert("record_encoded_fqdn", self.cut(fqdn));
        p.insert("record_type", r.rtype.as_str().to_string());
        p.insert("record_ttl", r.ttl.to_string());
        p.insert(
            "record_source_id",
            r.source.as_deref().unwrap_or("None").to_string(),
        );
        p
    }
}

impl Processor for Templating {
    fn id(&self) -> &str {
        &self.id
    }

    fn source_and_target(
        &self,
        desired: &mut Zone,
        _: &mut Zone,
        ctx: &mut TargetCtx,
    ) -> Result<(), Error> {
        let mut updated = Vec::new();
        for r in desired.iter() {
            let params = self.params(desired, r);
            let mut new = r.clone();
            let mut changed = false;
            for v in &mut new.values {
                changed |= fill_value(v, &params).map_err(|why| {
                    Error::at(
                        &self.id,
                        r,
                        format!(
                            "Invalid record \"{}\", {why}",
                            idna_decode(&r.fqdn(&desired.name))
                        ),
                    )
                })?;
            }
            if changed {
                new.normalize();
                updated.push(new);
            }
        }
        for r in updated {
            ctx.rewritten
                .push((self.id.clone(), r.name.clone(), r.rtype.clone()));
            desired.insert(r);
        }
        Ok(())
    }
}

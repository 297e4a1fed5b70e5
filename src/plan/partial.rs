//! Partial ownership beyond octoDNS, as DNSControl users expect: `ignore:` rules (records
//! dnsplan leaves untouched on a provider, shown as ignored in the plan) and `never_delete`
//! (DNSControl's NO_PURGE: records the provider holds and git does not are kept and shown as
//! unmanaged). Both are set on a provider (every zone it serves) and on a zone (every target).
//!
//! A rule matches a record when every part it gives matches: `name` (a glob on the name
//! relative to the zone, `@` or `''` for the apex), `type` (one or a list), `value` (a glob on
//! any one value's RDATA text, TXT by its text).

use crate::model::{RecordSet, RecordType, Value, Zone, glob_match, idna_decode};
use crate::yaml::Pos;

/// One `ignore:` entry.
#[derive(Clone, Debug, PartialEq)]
pub struct IgnoreRule {
    /// Lowercase (names are held lowercase): set it through [`IgnoreRule::name_glob`].
    pub name: Option<String>,
    pub types: Vec<RecordType>,
    pub value: Option<String>,
    /// Where the rule is written (errors about a desired record matching it point here too).
    pub pos: Pos,
}

impl IgnoreRule {
    /// The name glob as written, kept lowercase so matching needs no case folding.
    pub fn name_glob(glob: &str) -> String {
        glob.to_lowercase()
    }

    pub fn matches(&self, r: &RecordSet) -> bool {
        // names are held lowercase and IDNA-encoded; a rule may be written in UTF-8 too
        let name_ok = self.name.as_deref().is_none_or(|p| {
            if p == "@" || p.is_empty() {
                r.name.is_empty()
            } else {
                glob_match(p, &r.name)
                    || (r.name.contains("xn--") && glob_match(p, &idna_decode(&r.name)))
            }
        });
        let type_ok = self.types.is_empty() || self.types.contains(&r.rtype);
        let value_ok = self.value.as_deref().is_none_or(|p| {
            r.values.iter().any(|v| {
                let text = match v {
                    Value::Text(t) => t.clone(),
                    other => other.to_rdata(),
                };
                glob_match(p, &text)
            })
        });
        name_ok && type_ok && value_ok
    }

    /// The rule as written, for messages (`name=_acme-challenge* type=TXT`).
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(n) = &self.name {
            parts.push(format!("name={n}"));
        }
        if !self.types.is_empty() {
            let t: Vec<&str> = self.types.iter().map(RecordType::as_str).collect();
            parts.push(format!("type={}", t.join(",")));
        }
        if let Some(v) = &self.value {
            parts.push(format!("value={v}"));
        }
        parts.join(" ")
    }
}

/// The rails of one zone × target: the zone's and the provider's, together.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Partial {
    pub ignore: Vec<IgnoreRule>,
    pub never_delete: bool,
}

impl Partial {
    pub fn is_empty(&self) -> bool {
        self.ignore.is_empty() && !self.never_delete
    }

    /// Both sets of rails at once (a zone's and its target's).
    pub fn and(&self, other: &Partial) -> Partial {
        let mut ignore = self.ignore.clone();
        ignore.extend(other.ignore.iter().cloned());
        Partial {
            ignore,
            never_delete: self.never_delete || other.never_delete,
        }
    }

    pub fn ignoring(&self, r: &RecordSet) -> Option<&IgnoreRule> {
        self.ignore.iter().find(|rule| rule.matches(r))
    }

    /// Take the ignored records out of what the target holds; they are returned, sorted, for
    /// the plan to show.
    pub fn take_ignored(&self, existing: &mut Zone) -> Vec<RecordSet> {
        if self.ignore.is_empty() {
            return Vec::new();
        }
        let keys: Vec<_> = existing
            .records
            .iter()
            .filter(|(_, r)| self.ignoring(r).is_some())
            .map(|(k, _)| k.clone())
            .collect();
        keys.into_iter()
            .filter_map(|k| existing.records.remove(&k))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(name: Option<&str>, types: &[&str], value: Option<&str>) -> IgnoreRule {
        IgnoreRule {
            name: name.map(IgnoreRule::name_glob),
            types: types
                .iter()
                .map(|t| RecordType::parse(t).unwrap())
                .collect(),
            value: value.map(str::to_string),
            pos: Pos::none(),
        }
    }

    fn rec(name: &str, t: &str, v: &str) -> RecordSet {
        let rtype = RecordType::parse(t).unwrap();
        let value = crate::model::rdata::parse(&rtype, v).unwrap();
        RecordSet::new(name, rtype, 300, vec![value])
    }

    #[test]
    fn a_rule_matches_when_every_part_it_gives_matches() {
        let acme = rule(Some("_acme-challenge*"), &["TXT"], None);
        assert!(acme.matches(&rec("_acme-challenge.www", "TXT", "x")));
        assert!(!acme.matches(&rec("_acme-challenge", "CNAME", "x.example.")));
        assert!(!acme.matches(&rec("www", "TXT", "x")));
        let idn = rule(Some("BÜCHER-*"), &[], None);
        assert!(idn.matches(&rec(
            &crate::model::idna_encode("bücher-alt").unwrap(),
            "A",
            "192.0.2.1"
        )));
        assert!(rule(Some("WWW"), &[], None).matches(&rec("www", "A", "192.0.2.1")));
        let apex = rule(Some("@"), &[], None);
        assert!(apex.matches(&rec("", "MX", "10 mx.example.")));
        assert!(!apex.matches(&rec("www", "MX", "10 mx.example.")));
        let heroku = rule(None, &["CNAME", "ALIAS"], Some("*.herokudns.com."));
        assert!(heroku.matches(&rec("app", "CNAME", "x.herokudns.com.")));
        assert!(!heroku.matches(&rec("app", "CNAME", "x.example.")));
        let txt = rule(None, &[], Some("google-site-verification=*"));
        assert!(txt.matches(&rec("", "TXT", "google-site-verification=abc")));
        assert_eq!(heroku.describe(), "type=CNAME,ALIAS value=*.herokudns.com.");
    }

    #[test]
    fn ignored_records_leave_the_target_zone() {
        let p = Partial {
            ignore: vec![rule(Some("k8s-*"), &[], None)],
            never_delete: false,
        };
        let mut z = Zone::new("example.com.");
        for r in [rec("k8s-a", "A", "192.0.2.1"), rec("www", "A", "192.0.2.2")] {
            z.insert(r);
        }
        let taken = p.take_ignored(&mut z);
        assert_eq!(taken.len(), 1);
        assert_eq!(z.len(), 1);
        let both = p.and(&Partial {
            ignore: vec![],
            never_delete: true,
        });
        assert!(both.never_delete && both.ignore.len() == 1);
        assert!(Partial::default().is_empty());
    }
}

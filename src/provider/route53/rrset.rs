//! Route 53's resource record sets and health checks as plain data, independent of the SDK
//! (`sdk.rs` converts), so the layout, ordering and checks are pure functions.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One resource record set: Route 53's unit of change. Names are absolute, lowercase, with
/// Route 53's `\DDD` escapes resolved (`\052` → `*`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rrset {
    pub name: String,
    #[serde(rename = "type")]
    pub rtype: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<i64>,
    /// `PRIMARY` or `SECONDARY`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failover: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geo: Option<Geo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cidr: Option<Cidr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub records: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<Alias>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check_id: Option<String>,
    /// Routing dnsplan does not manage (latency region, multivalue answer, traffic policy,
    /// geoproximity), named; such rrsets are never written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub foreign: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Geo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subdivision: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cidr {
    pub collection_id: String,
    pub location: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alias {
    pub dns_name: String,
    pub hosted_zone_id: String,
    pub evaluate: bool,
}

/// What identifies an rrset in a zone: name, type and set identifier.
pub type Key = (String, String, Option<String>);

impl Rrset {
    pub fn new(name: impl Into<String>, rtype: impl Into<String>) -> Rrset {
        Rrset {
            name: name.into(),
            rtype: rtype.into(),
            set_id: None,
            weight: None,
            failover: None,
            geo: None,
            cidr: None,
            ttl: None,
            records: Vec::new(),
            alias: None,
            health_check_id: None,
            foreign: None,
        }
    }

    pub fn key(&self) -> Key {
        (self.name.clone(), self.rtype.clone(), self.set_id.clone())
    }

    /// Same content, values compared as a set (Route 53 does not keep their order).
    pub fn same(&self, other: &Rrset) -> bool {
        let mut a = self.clone();
        let mut b = other.clone();
        a.records.sort();
        b.records.sort();
        a.alias = a.alias.map(|x| Alias {
            dns_name: x.dns_name.to_ascii_lowercase(),
            ..x
        });
        b.alias = b.alias.map(|x| Alias {
            dns_name: x.dns_name.to_ascii_lowercase(),
            ..x
        });
        a == b
    }

    /// For messages: `name TYPE [set id]`.
    pub fn label(&self) -> String {
        match &self.set_id {
            Some(id) => format!("{} {} [{id}]", self.name, self.rtype),
            None => format!("{} {}", self.name, self.rtype),
        }
    }

    /// Characters of values, as Route 53 counts them against its 32,000 per batch.
    pub fn value_chars(&self) -> usize {
        self.records.iter().map(|r| r.len()).sum()
    }
}

/// A health check (only the parts octoDNS's layout uses).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthCheck {
    pub id: String,
    pub caller_reference: String,
    pub config: HcConfig,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HcConfig {
    /// `HTTP`, `HTTPS`, `TCP` (others are not octoDNS's).
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub ip: Option<String>,
    #[serde(default)]
    pub port: Option<i32>,
    #[serde(default)]
    pub fqdn: Option<String>,
    #[serde(default)]
    pub path: Option<String>,
    pub measure_latency: bool,
    pub request_interval: i32,
    pub failure_threshold: i32,
    pub disabled: bool,
    pub inverted: bool,
    pub enable_sni: bool,
}

/// Health checks by id.
pub type HealthChecks = BTreeMap<String, HealthCheck>;

/// CIDR blocks of a collection: location name → blocks.
pub type CidrLocations = BTreeMap<String, Vec<String>>;

/// One change of a ChangeBatch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    Delete,
    Create,
    Upsert,
}

impl Action {
    pub fn as_str(&self) -> &'static str {
        match self {
            Action::Delete => "DELETE",
            Action::Create => "CREATE",
            Action::Upsert => "UPSERT",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mod {
    pub action: Action,
    pub rrset: Rrset,
}

impl Mod {
    /// octodns-route53's `_mod_keyer`: deletes first, from the deepest reference back to the
    /// values (geo/subnet rules, failover secondaries, primaries and aliases, values); then
    /// creates and upserts the other way round, so an alias target always exists before what
    /// points at it.
    pub fn order_key(&self) -> (u8, i8, String) {
        let r = &self.rrset;
        let is_rule = r.geo.is_some() || r.cidr.is_some();
        let unique = if is_rule {
            r.set_id.clone().unwrap_or_default()
        } else if let Some(id) = &r.set_id {
            format!("{}-{id}", r.name)
        } else {
            r.name.clone()
        };
        let priority: i8 = if is_rule {
            3
        } else if r.alias.is_some() {
            if r.failover.as_deref() == Some("SECONDARY") {
                2
            } else {
                1
            }
        } else {
            0
        };
        match self.action {
            Action::Delete => (0, -priority, unique),
            _ => (1, priority, unique),
        }
    }

    /// ResourceRecord elements this change counts for against the 1,000 per batch (an UPSERT
    /// counts twice, as Route 53 documents).
    pub fn record_count(&self) -> usize {
        let n = self.rrset.records.len().max(1);
        if self.action == Action::Upsert {
            2 * n
        } else {
            n
        }
    }

    /// Value characters counted against the 32,000 per batch (an UPSERT counts twice).
    pub fn value_chars(&self) -> usize {
        let n = self.rrset.value_chars();
        if self.action == Action::Upsert {
            2 * n
        } else {
            n
        }
    }
}

/// Route 53 escapes characters in names as `\DDD` (octal, e.g. `*` as `\052`).
pub fn unescape_name(name: &str) -> String {
    let b = name.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && i + 3 < b.len()
            && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c))
        {
            let v = (b[i + 1] - b'0') as u32 * 64
                + (b[i + 2] - b'0') as u32 * 8
                + (b[i + 3] - b'0') as u32;
            if let Ok(c) = u8::try_from(v) {
                out.push(c);
                i += 4;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn octal_escapes_resolve() {
        assert_eq!(unescape_name("\\052.example.com."), "*.example.com.");
        assert_eq!(unescape_name("a\\100b."), "a@b.");
        assert_eq!(unescape_name("plain.example."), "plain.example.");
        // not an escape: left as is
        assert_eq!(unescape_name("x\\9."), "x\\9.");
        assert_eq!(unescape_name("x\\05"), "x\\05");
    }

    #[test]
    fn mods_order_targets_first() {
        let value = Rrset::new("_octodns-a-value.w.z.", "A");
        let mut primary = Rrset::new("_octodns-a-pool.w.z.", "A");
        primary.alias = Some(Alias {
            dns_name: "_octodns-a-value.w.z.".into(),
            hosted_zone_id: "Z".into(),
            evaluate: true,
        });
        primary.failover = Some("PRIMARY".into());
        let mut secondary = primary.clone();
        secondary.failover = Some("SECONDARY".into());
        let mut rule = Rrset::new("w.z.", "A");
        rule.geo = Some(Geo::default());
        rule.set_id = Some("0-a-None".into());
        let m = |action, rrset: &Rrset| Mod {
            action,
            rrset: rrset.clone(),
        };
        let mut mods = [
            m(Action::Create, &rule),
            m(Action::Delete, &value),
            m(Action::Upsert, &secondary),
            m(Action::Create, &value),
            m(Action::Delete, &rule),
            m(Action::Create, &primary),
            m(Action::Delete, &primary),
        ];
        mods.sort_by_key(Mod::order_key);
        let got: Vec<(Action, &str, Option<&str>)> = mods
            .iter()
            .map(|m| (m.action, m.rrset.name.as_str(), m.rrset.failover.as_deref()))
            .collect();
        assert_eq!(
            got,
            vec![
                (Action::Delete, "w.z.", None),
                (Action::Delete, "_octodns-a-pool.w.z.", Some("PRIMARY")),
                (Action::Delete, "_octodns-a-value.w.z.", None),
                (Action::Create, "_octodns-a-value.w.z.", None),
                (Action::Create, "_octodns-a-pool.w.z.", Some("PRIMARY")),
                (Action::Upsert, "_octodns-a-pool.w.z.", Some("SECONDARY")),
                (Action::Create, "w.z.", None),
            ]
        );
    }

    #[test]
    fn upserts_count_double() {
        let mut r = Rrset::new("a.z.", "A");
        r.records = vec!["192.0.2.1".into(), "192.0.2.2".into()];
        let m = Mod {
            action: Action::Upsert,
            rrset: r.clone(),
        };
        assert_eq!(m.record_count(), 4);
        assert_eq!(m.value_chars(), 36);
        let c = Mod {
            action: Action::Create,
            rrset: r,
        };
        assert_eq!(c.record_count(), 2);
    }
}

//! `MetaProcessor` (`octodns.processor.meta`) and `manager.include_meta`: a TXT record
//! (`meta`, or `octodns-meta` for `include_meta`) holding `key=value` facts about the run —
//! the tool's version, the target's id, the time, a UUID, extra pairs. It is written only
//! along with other changes: a plan whose one change is that record, with the same keys as
//! the target's copy, is emptied.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Deserialize;

use super::{Error, PlanCtx, Processor, TargetCtx};
use crate::model::{RecordSet, RecordType, Value, Zone};
use crate::plan::ZonePlan;
use crate::yaml::{self, Node};

#[derive(Debug)]
pub struct Meta {
    id: String,
    record_name: String,
    /// Taken once, when the processor is built (octoDNS: at `__init__`), so every zone and
    /// target of a run has the same.
    time: Option<String>,
    uuid: Option<String>,
    include_version: bool,
    include_provider: bool,
    extra: Vec<String>,
    ttl: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    #[serde(default = "record_name")]
    record_name: String,
    #[serde(default = "super::yes")]
    include_time: bool,
    #[serde(default)]
    include_uuid: bool,
    #[serde(default)]
    include_version: bool,
    #[serde(default)]
    include_provider: bool,
    #[serde(default)]
    #[allow(dead_code)] // its shape is checked here, its values read by `py_str_map`
    include_extra: Option<std::collections::BTreeMap<String, serde::de::IgnoredAny>>,
    #[serde(default = "sixty")]
    ttl: u32,
    #[serde(default)]
    #[allow(dead_code)] // BaseProcessor's option
    lenient: bool,
}

fn record_name() -> String {
    "meta".into()
}

fn sixty() -> u32 {
    60
}

pub fn meta(id: &str, node: &Node) -> Result<Arc<dyn Processor>, yaml::de::Error> {
    let s: Settings = super::settings(node)?;
    let extra: Vec<String> = super::py_str_map(node, "include_extra")
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let m = Meta {
        id: id.to_string(),
        record_name: s.record_name,
        time: s.include_time.then(now_iso),
        uuid: s.include_uuid.then(uuid4),
        include_version: s.include_version,
        include_provider: s.include_provider,
        extra,
        ttl: s.ttl,
    };
    if m.values("target").is_empty() {
        // octoDNS would write a TXT record without values, which no server holds
        return Err(yaml::de::Error::at(
            &node.pos,
            None,
            "MetaProcessor includes nothing: enable include_time, include_uuid, \
             include_version, include_provider or give include_extra",
        ));
    }
    Ok(Arc::new(m))
}

/// The `include_meta` processor: octoDNS's `MetaProcessor('meta', record_name='octodns-meta',
/// include_time=False, include_provider=True)`.
pub fn include_meta() -> Arc<dyn Processor> {
    Arc::new(Meta {
        id: "meta".into(),
        record_name: "octodns-meta".into(),
        time: None,
        uuid: None,
        include_version: false,
        include_provider: true,
        extra: Vec::new(),
        ttl: 60,
    })
}

/// The key of each `key=value`.
fn keys<'a>(values: impl Iterator<Item = &'a str>) -> BTreeSet<&'a str> {
    values.map(|v| v.split('=').next().unwrap_or(v)).collect()
}

impl Meta {
    /// In octoDNS's order: version, provider, time, uuid, extra.
    fn values(&self, target: &str) -> Vec<String> {
        let mut out = Vec::new();
        if self.include_version {
            // the key is octoDNS's, so either tool sees the record as the same
            out.push(format!(
                "octodns-version=dnsplan-{}",
                env!("CARGO_PKG_VERSION")
            ));
        }
        if self.include_provider {
            out.push(format!("provider={target}"));
        }
        if let Some(t) = &self.time {
            out.push(format!("time={t}"));
        }
        if let Some(u) = &self.uuid {
            out.push(format!("uuid={u}"));
        }
        out.extend(self.extra.iter().cloned());
        out
    }
}

impl Processor for Meta {
    fn id(&self) -> &str {
        &self.id
    }

    fn source_and_target(
        &self,
        desired: &mut Zone,
        _: &mut Zone,
        ctx: &mut TargetCtx,
    ) -> Result<(), Error> {
        let values = self
            .values(ctx.target)
            .into_iter()
            .map(Value::Text)
            .collect();
        let mut r = RecordSet::new(self.record_name.clone(), RecordType::Txt, self.ttl, values);
        r.settings.lenient = true;
        if let Some(held) = desired.get(&r.name, &RecordType::Txt) {
            return Err(Error::at(
                &self.id,
                held,
                format!("Duplicate record {}, type TXT", r.fqdn(&desired.name)),
            ));
        }
        desired.insert(r);
        Ok(())
    }

    fn plan(&self, plan: &mut ZonePlan, ctx: &mut PlanCtx) -> Result<(), Error> {
        let [only] = plan.changes.as_slice() else {
            return Ok(());
        };
        let r = only.record();
        let Some(existing) = &only.existing else {
            return Ok(());
        };
        let ours = self.values(ctx.target);
        let held = existing.values.iter().filter_map(Value::as_text);
        if r.rtype == RecordType::Txt
            && r.name == self.record_name
            && keys(ours.iter().map(String::as_str)) == keys(held)
        {
            plan.changes.clear();
        }
        Ok(())
    }
}

/// Now in UTC as Python's `datetime.now(UTC).isoformat()`: `2026-12-06T21:03:04.246953+00:00`
/// (the fraction left out when it is zero).
pub fn now_iso() -> String {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    iso(d.as_secs(), d.subsec_micros())
}

fn iso(secs: u64, micros: u32) -> String {
    let days = (secs / 86400) as i64;
    let rem = secs % 86400;
    let (y, m, d) = civil(days);
    let frac = if micros == 0 {
        String::new()
    } else {
        format!(".{micros:06}")
    };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}{frac}+00:00",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (Howard Hinnant's
/// `civil_from_days`).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// A random (version 4) UUID, as Python's `str(uuid4())`.
fn uuid4() -> String {
    let mut b = crate::random::bytes::<16>();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_times_are_pythons() {
        assert_eq!(iso(0, 0), "1970-01-01T00:00:00+00:00");
        assert_eq!(
            iso(1_796_592_184, 246_953),
            "2026-12-06T21:23:04.246953+00:00"
        );
        assert_eq!(iso(951_782_400, 1), "2000-02-29T00:00:00.000001+00:00");
        let u = uuid4();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"), "{u}");
    }
}

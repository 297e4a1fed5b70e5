//! Field types for providers' `Settings` structs (serde, through `yaml::de`), lenient the way
//! octoDNS configs are written: a port or a count may be quoted, a yes/no may be the text
//! `true`/`false`, a text setting may be a number. Each says what it expects, so a wrong value
//! reads "`port` must be a port number (1-65535)" at its file:line.
//!
//! Rule: uses serde and `yaml` only.

use std::fmt;

use serde::de::{self, Deserializer, Error as _, Visitor};

/// One value as the deserializer gives it; lists and mappings only by kind (no field type here
/// takes one). Each field type below reads one of these, so a wrong one is reported alike:
/// "must be EXPECTED, not KIND".
#[derive(Clone, Debug, PartialEq)]
pub enum Scalar {
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    /// Null, a list or a mapping: what it is, for the message.
    Other(&'static str),
}

impl Scalar {
    fn kind(&self) -> &'static str {
        match self {
            Scalar::Bool(_) => "a boolean",
            Scalar::Int(_) | Scalar::Float(_) => "a number",
            Scalar::Str(_) => "a string",
            Scalar::Other(k) => k,
        }
    }

    /// Read one value.
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Scalar, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }

    /// "must be EXPECTED, not KIND".
    pub fn wrong<E: de::Error>(&self, expected: &str) -> E {
        E::custom(format!("must be {expected}, not {}", self.kind()))
    }

    /// A whole number written as a number or as text.
    fn whole(&self) -> Option<i128> {
        match self {
            Scalar::Int(n) => Some(*n),
            Scalar::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a value")
    }
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Scalar, E> {
        Ok(Scalar::Bool(b))
    }
    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Scalar, E> {
        Ok(Scalar::Int(n.into()))
    }
    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Scalar, E> {
        Ok(Scalar::Int(n.into()))
    }
    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Scalar, E> {
        Ok(Scalar::Float(n))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Scalar, E> {
        Ok(Scalar::Str(s.to_string()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Scalar, E> {
        Ok(Scalar::Other("nothing (null)"))
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> Result<Scalar, A::Error> {
        Ok(Scalar::Other("a list"))
    }
    fn visit_map<A: de::MapAccess<'de>>(self, _: A) -> Result<Scalar, A::Error> {
        Ok(Scalar::Other("a mapping"))
    }
}

/// A number as octoDNS writes it: JSON's text of it (`8081`, `1.5`).
fn number_text(f: f64) -> String {
    serde_json::Number::from_f64(f)
        .map(|n| n.to_string())
        .unwrap_or_else(|| f.to_string())
}

/// Text, trimmed and not empty; a number is taken as its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text(pub String);

impl<'de> serde::Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Scalar::read(d)? {
            Scalar::Str(s) if s.trim().is_empty() => Err(D::Error::custom("is empty")),
            Scalar::Str(s) => Ok(Text(s.trim().to_string())),
            Scalar::Int(n) => Ok(Text(n.to_string())),
            Scalar::Float(f) => Ok(Text(number_text(f))),
            other => Err(other.wrong("a string")),
        }
    }
}

/// Yes or no: a boolean, or the text `true` / `false` (any case).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flag(pub bool);

impl<'de> serde::Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Scalar::read(d)? {
            Scalar::Bool(b) => Ok(Flag(b)),
            Scalar::Str(s) if s.trim().eq_ignore_ascii_case("true") => Ok(Flag(true)),
            Scalar::Str(s) if s.trim().eq_ignore_ascii_case("false") => Ok(Flag(false)),
            Scalar::Str(_) => Err(D::Error::custom("must be true or false")),
            other => Err(other.wrong("true or false")),
        }
    }
}

/// A whole number ≥ 0, also written as text (`"12"`); its range is checked by the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Whole(pub u64);

impl<'de> serde::Deserialize<'de> for Whole {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Scalar::read(d)?;
        match (s.whole(), &s) {
            (Some(n), _) => u64::try_from(n)
                .map(Whole)
                .map_err(|_| D::Error::custom("must be a whole number")),
            (None, Scalar::Str(_) | Scalar::Float(_)) => {
                Err(D::Error::custom("must be a whole number"))
            }
            (None, _) => Err(s.wrong("a whole number")),
        }
    }
}

/// A port number (1-65535), also written as text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Port(pub u16);

impl<'de> serde::Deserialize<'de> for Port {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        const WANT: &str = "a port number (1-65535)";
        let s = Scalar::read(d)?;
        match (s.whole(), &s) {
            (Some(n), _) => u16::try_from(n)
                .ok()
                .filter(|n| *n > 0)
                .map(Port)
                .ok_or_else(|| D::Error::custom(format!("must be {WANT}"))),
            (None, Scalar::Str(_) | Scalar::Float(_)) => {
                Err(D::Error::custom(format!("must be {WANT}")))
            }
            (None, _) => Err(s.wrong(WANT)),
        }
    }
}

/// A number of seconds (> 0, at most an hour), also written as text.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Seconds(pub f64);

impl<'de> serde::Deserialize<'de> for Seconds {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let t = match Scalar::read(d)? {
            Scalar::Int(n) => Some(n as f64),
            Scalar::Float(f) => Some(f),
            Scalar::Str(s) => s.trim().parse().ok(),
            other => return Err(other.wrong("a number of seconds (> 0)")),
        };
        t.filter(|t: &f64| t.is_finite() && *t > 0.0 && *t <= 3600.0)
            .map(Seconds)
            .ok_or_else(|| D::Error::custom("must be a number of seconds (> 0)"))
    }
}

impl Seconds {
    pub fn duration(self) -> std::time::Duration {
        std::time::Duration::from_secs_f64(self.0)
    }
}

/// A text value that is also accepted as a boolean or a number and ignored unless text
/// (octoDNS's `False` defaults: `split_extension: false`).
#[derive(Clone, Debug, PartialEq)]
pub struct TextOrOff(pub Option<String>);

impl<'de> serde::Deserialize<'de> for TextOrOff {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Scalar::read(d)? {
            Scalar::Str(s) => Ok(TextOrOff((!s.is_empty()).then_some(s))),
            Scalar::Other(_) => Err(D::Error::custom("must be a string or false")),
            _ => Ok(TextOrOff(None)),
        }
    }
}

/// Any one value, for a field type outside this module that reads it (`ssl_verify`).
impl<'de> serde::Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Scalar::read(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::de::{from_node, node_from_json};
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    struct All {
        text: Option<Text>,
        flag: Option<Flag>,
        whole: Option<Whole>,
        port: Option<Port>,
        seconds: Option<Seconds>,
    }

    fn parse(v: serde_json::Value) -> Result<All, String> {
        from_node::<All>(&node_from_json(&v)).map_err(|e| e.to_string())
    }

    #[test]
    fn lenient_where_octodns_configs_are() {
        let a = parse(
            json!({"text": " x ", "flag": "TRUE", "whole": "12", "port": "8081",
                             "seconds": "0.5"}),
        )
        .unwrap();
        assert_eq!(a.text, Some(Text("x".into())));
        assert_eq!(a.flag, Some(Flag(true)));
        assert_eq!(a.whole, Some(Whole(12)));
        assert_eq!(a.port, Some(Port(8081)));
        assert_eq!(a.seconds, Some(Seconds(0.5)));
        let a = parse(json!({"text": 1.5, "flag": false, "whole": 3, "port": 53, "seconds": 2}))
            .unwrap();
        assert_eq!(a.text, Some(Text("1.5".into())));
        assert_eq!(a.seconds, Some(Seconds(2.0)));
    }

    #[test]
    fn wrong_values_say_what_is_expected() {
        for (v, want) in [
            (json!({"text": ""}), "`text` is empty"),
            (
                json!({"text": true}),
                "`text` must be a string, not a boolean",
            ),
            (json!({"flag": "yes"}), "`flag` must be true or false"),
            (json!({"whole": -1}), "`whole` must be a whole number"),
            (json!({"port": 0}), "`port` must be a port number (1-65535)"),
            (
                json!({"port": "x"}),
                "`port` must be a port number (1-65535)",
            ),
            (
                json!({"port": 70000}),
                "`port` must be a port number (1-65535)",
            ),
            (
                json!({"seconds": -1}),
                "`seconds` must be a number of seconds (> 0)",
            ),
            (
                json!({"seconds": 7200}),
                "`seconds` must be a number of seconds (> 0)",
            ),
        ] {
            assert_eq!(parse(v.clone()).unwrap_err(), want, "{v}");
        }
    }
}

//! Field types for providers' `Settings` structs (serde, through `yaml::de`), lenient the way
//! octoDNS configs are written: a port or a count may be quoted, a yes/no may be the text
//! `true`/`false`, a text setting may be a number. Each says what it expects, so a wrong value
//! reads "`port` must be a port number (1-65535)" at its file:line.
//!
//! Rule: uses serde and `yaml` only.

use std::fmt;

use serde::de::{self, Deserializer, Unexpected, Visitor};

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
        struct V;
        impl Visitor<'_> for V {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Text, E> {
                match s.trim() {
                    "" => Err(E::custom("is empty")),
                    t => Ok(Text(t.to_string())),
                }
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Text, E> {
                Ok(Text(n.to_string()))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Text, E> {
                Ok(Text(n.to_string()))
            }
            fn visit_f64<E: de::Error>(self, n: f64) -> Result<Text, E> {
                Ok(Text(number_text(n)))
            }
        }
        d.deserialize_any(V)
    }
}

/// Yes or no: a boolean, or the text `true` / `false` (any case).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flag(pub bool);

impl<'de> serde::Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Flag;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("true or false")
            }
            fn visit_bool<E: de::Error>(self, b: bool) -> Result<Flag, E> {
                Ok(Flag(b))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Flag, E> {
                match s.trim() {
                    t if t.eq_ignore_ascii_case("true") => Ok(Flag(true)),
                    t if t.eq_ignore_ascii_case("false") => Ok(Flag(false)),
                    _ => Err(E::invalid_value(Unexpected::Str(s), &self)),
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// A whole number ≥ 0, also written as text (`"12"`); its range is checked by the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Whole(pub u64);

impl<'de> serde::Deserialize<'de> for Whole {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Whole;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a whole number")
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Whole, E> {
                Ok(Whole(n))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Whole, E> {
                u64::try_from(n)
                    .map(Whole)
                    .map_err(|_| E::invalid_value(Unexpected::Signed(n), &self))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Whole, E> {
                s.trim()
                    .parse()
                    .map(Whole)
                    .map_err(|_| E::invalid_value(Unexpected::Str(s), &self))
            }
        }
        d.deserialize_any(V)
    }
}

/// A port number (1-65535), also written as text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Port(pub u16);

impl<'de> serde::Deserialize<'de> for Port {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl V {
            fn check<E: de::Error>(&self, n: Option<u64>) -> Result<Port, E> {
                n.and_then(|n| u16::try_from(n).ok())
                    .filter(|n| *n > 0)
                    .map(Port)
                    .ok_or_else(|| E::custom("must be a port number (1-65535)"))
            }
        }
        impl Visitor<'_> for V {
            type Value = Port;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a port number (1-65535)")
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Port, E> {
                self.check(Some(n))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Port, E> {
                self.check(u64::try_from(n).ok())
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Port, E> {
                self.check(s.trim().parse().ok())
            }
        }
        d.deserialize_any(V)
    }
}

/// A number of seconds (> 0, at most an hour), also written as text.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Seconds(pub f64);

impl<'de> serde::Deserialize<'de> for Seconds {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl V {
            fn check<E: de::Error>(&self, t: Option<f64>) -> Result<Seconds, E> {
                t.filter(|t| t.is_finite() && *t > 0.0 && *t <= 3600.0)
                    .map(Seconds)
                    .ok_or_else(|| E::custom("must be a number of seconds (> 0)"))
            }
        }
        impl Visitor<'_> for V {
            type Value = Seconds;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number of seconds (> 0)")
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Seconds, E> {
                self.check(Some(n as f64))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Seconds, E> {
                self.check(Some(n as f64))
            }
            fn visit_f64<E: de::Error>(self, n: f64) -> Result<Seconds, E> {
                self.check(Some(n))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Seconds, E> {
                self.check(s.trim().parse().ok())
            }
        }
        d.deserialize_any(V)
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
        struct V;
        impl Visitor<'_> for V {
            type Value = TextOrOff;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or false")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<TextOrOff, E> {
                Ok(TextOrOff((!s.is_empty()).then(|| s.to_string())))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<TextOrOff, E> {
                Ok(TextOrOff(None))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<TextOrOff, E> {
                Ok(TextOrOff(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<TextOrOff, E> {
                Ok(TextOrOff(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<TextOrOff, E> {
                Ok(TextOrOff(None))
            }
        }
        d.deserialize_any(V)
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

//! serde for `Node`: `from_node::<T>(&node)` deserializes a settings mapping into a
//! `#[derive(Deserialize)]` struct, and every error keeps the file:line:col of the node it is
//! about and the key it was found under.
//!
//! Scalars are what PyYAML loads (`Node::py`): a plain `yes` is a boolean, `010` the integer
//! 8, a quoted `"8081"` a string; the field types decide what they accept of these. A struct's
//! keys are checked against its fields before anything is read, so every unknown key is
//! reported at once (at the first one's line), with the known keys and the nearest one.
//! Messages never show a value (settings hold secrets): a wrong type says which kind of value
//! it found, not the value.
//!
//! Rule: like the rest of `yaml`, this knows YAML only.

use std::fmt;

use serde::de::{self, DeserializeOwned, IntoDeserializer, Unexpected, Visitor};

use super::{Kind, Node, Pos, Py};

/// A setting that could not be read: where, under which key, and why.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub struct Error {
    /// The node the error is about (`Pos::none()` when it came from no file).
    pub pos: Pos,
    /// The key path (`a.b`) of the value, when the error is about one value.
    pub key: Option<String>,
    pub message: String,
    /// Unknown keys found in a mapping (the message names them too).
    pub unknown: Vec<String>,
}

impl Error {
    /// An error about the value at `pos` under `key` (checks made after deserializing).
    pub fn at(pos: &Pos, key: Option<&str>, message: impl Into<String>) -> Error {
        Error {
            pos: pos.clone(),
            key: key.map(str::to_string),
            message: message.into(),
            unknown: Vec::new(),
        }
    }

    /// The same error with `hint` appended to its message.
    pub fn with_hint(mut self, hint: &str) -> Error {
        self.message.push_str(hint);
        self
    }

    fn placed(mut self, pos: &Pos) -> Error {
        if self.pos == Pos::none() {
            self.pos = pos.clone();
        }
        self
    }

    fn under(mut self, key: &str) -> Error {
        self.key = Some(match self.key.take() {
            Some(inner) => format!("{key}.{inner}"),
            None => key.to_string(),
        });
        self
    }
}

impl Error {
    /// The message with its key, without the position (for a diagnostic that shows it).
    pub fn detail(&self) -> String {
        match &self.key {
            Some(k) => format!("`{k}` {}", self.message),
            None => self.message.clone(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.pos != Pos::none() {
            write!(f, "{}: ", self.pos)?;
        }
        f.write_str(&self.detail())
    }
}

/// What kind of value `u` is, without the value.
fn kind_of(u: &Unexpected<'_>) -> &'static str {
    match u {
        Unexpected::Bool(_) => "a boolean",
        Unexpected::Unsigned(_) | Unexpected::Signed(_) | Unexpected::Float(_) => "a number",
        Unexpected::Char(_) | Unexpected::Str(_) => "a string",
        Unexpected::Unit | Unexpected::Option => "nothing (null)",
        Unexpected::Seq => "a list",
        Unexpected::Map => "a mapping",
        _ => "another kind of value",
    }
}

impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error::at(&Pos::none(), None, msg.to_string())
    }

    fn invalid_type(unexp: Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        Self::custom(format!("must be {exp}, not {}", kind_of(&unexp)))
    }

    fn invalid_value(_unexp: Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        Self::custom(format!("must be {exp}"))
    }

    fn invalid_length(len: usize, exp: &dyn de::Expected) -> Self {
        Self::custom(format!("must be {exp}, not {len} items"))
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        unknown(&[field], expected)
    }

    fn missing_field(field: &'static str) -> Self {
        Self::custom(format!("missing `{field}`"))
    }
}

/// `unknown setting(s) a, b; known: …` with the known key nearest to the first unknown one.
fn unknown(found: &[&str], known: &[&str]) -> Error {
    let mut message = format!(
        "unknown setting(s) {}; known: {}",
        found.join(", "),
        known.join(", ")
    );
    if let Some(near) = nearest(found[0], known) {
        message.push_str(&format!("; did you mean `{near}`?"));
    }
    Error {
        unknown: found.iter().map(|s| s.to_string()).collect(),
        ..Error::at(&Pos::none(), None, message)
    }
}

/// The candidate closest to `word` by edit distance, when it is close enough to be a typo
/// (at most a third of the word's length, at least one edit allowed).
pub fn nearest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .iter()
        .map(|c| (edit_distance(word, c), *c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Edit distance over characters, case-insensitive, a swap of two neighbours counting as one
/// edit (optimal string alignment: `hots` is one edit from `host`).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_lowercase().chars().collect();
    let b: Vec<char> = b.to_lowercase().chars().collect();
    // d[i][j]: distance between a[..i] and b[..j]
    let mut d: Vec<Vec<usize>> = (0..=a.len())
        .map(|i| (0..=b.len()).map(|j| if i == 0 { j } else { i }).collect())
        .collect();
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// Deserialize `node` into `T`; errors carry the position and key of what is wrong.
pub fn from_node<T: DeserializeOwned>(node: &Node) -> Result<T, Error> {
    T::deserialize(De(node)).map_err(|e| e.placed(&node.pos))
}

/// A node made from JSON (no position): strings quoted, so that a string stays a string.
pub fn node_from_json(v: &serde_json::Value) -> Node {
    use serde_json::Value as J;
    let scalar = |text: String, plain: bool| Kind::Scalar { text, plain };
    let kind = match v {
        J::Null => Kind::Null,
        J::Bool(b) => scalar(b.to_string(), true),
        J::Number(n) => scalar(n.to_string(), true),
        J::String(s) => scalar(s.clone(), false),
        J::Array(items) => Kind::Seq(items.iter().map(node_from_json).collect()),
        J::Object(m) => Kind::Map(
            m.iter()
                .map(|(k, v)| (node_from_json(&J::String(k.clone())), node_from_json(v)))
                .collect(),
        ),
    };
    Node {
        kind,
        pos: Pos::none(),
    }
}

struct De<'a>(&'a Node);

impl<'a> De<'a> {
    fn unexpected(&self) -> Unexpected<'a> {
        match &self.0.kind {
            Kind::Null => Unexpected::Unit,
            Kind::Seq(_) => Unexpected::Seq,
            Kind::Map(_) => Unexpected::Map,
            Kind::Scalar { text, .. } => Unexpected::Str(text),
        }
    }
}

impl<'de, 'a> de::Deserializer<'de> for De<'a> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let node = self.0;
        let r = match node.py() {
            Py::None => visitor.visit_unit(),
            Py::Bool(b) => visitor.visit_bool(b),
            Py::Int(i) => {
                if let Ok(v) = i64::try_from(i.v) {
                    visitor.visit_i64(v)
                } else if let Ok(v) = u64::try_from(i.v) {
                    visitor.visit_u64(v)
                } else {
                    visitor.visit_f64(i.v as f64)
                }
            }
            Py::Float(f) => visitor.visit_f64(f),
            Py::Str(s) => visitor.visit_str(s),
            Py::List(items) => visitor.visit_seq(SeqAcc {
                items: items.iter(),
            }),
            Py::Dict(entries) => visitor.visit_map(MapAcc {
                entries: entries.iter(),
                value: None,
            }),
        };
        r.map_err(|e| e.placed(&node.pos))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0.py() {
            Py::None => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let node = self.0;
        let Kind::Map(entries) = &node.kind else {
            return Err(de::Error::invalid_type(self.unexpected(), &visitor));
        };
        let strangers: Vec<&Node> = entries
            .iter()
            .map(|(k, _)| k)
            .filter(|k| !fields.contains(&k.key_str()))
            .collect();
        if let Some(first) = strangers.first() {
            let names: Vec<&str> = strangers.iter().map(|k| k.key_str()).collect();
            return Err(unknown(&names, fields).placed(&first.pos));
        }
        self.deserialize_any(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map enum identifier
    }
}

struct SeqAcc<'a> {
    items: std::slice::Iter<'a, Node>,
}

impl<'de, 'a> de::SeqAccess<'de> for SeqAcc<'a> {
    type Error = Error;

    fn next_element_seed<T: de::DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        match self.items.next() {
            None => Ok(None),
            Some(n) => seed
                .deserialize(De(n))
                .map(Some)
                .map_err(|e| e.placed(&n.pos)),
        }
    }
}

struct MapAcc<'a> {
    entries: std::slice::Iter<'a, (Node, Node)>,
    value: Option<&'a (Node, Node)>,
}

impl<'de, 'a> de::MapAccess<'de> for MapAcc<'a> {
    type Error = Error;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some(entry) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some(entry);
        let key: de::value::StrDeserializer<'_, Error> = entry.0.key_str().into_deserializer();
        seed.deserialize(key)
            .map(Some)
            .map_err(|e| e.placed(&entry.0.pos))
    }

    fn next_value_seed<V: de::DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let (k, v) = self.value.take().expect("a key comes before its value");
        seed.deserialize(De(v))
            .map_err(|e| e.placed(&v.pos).under(k.key_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use std::sync::Arc;

    fn node(text: &str) -> Node {
        super::super::load_str(
            text,
            &Arc::from("c.yaml"),
            super::super::LoadOptions {
                order: super::super::KeyOrder::Any,
                includes: false,
            },
        )
        .root
        .unwrap()
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct S {
        name: String,
        port: Option<u16>,
        on: Option<bool>,
        list: Option<Vec<String>>,
        inner: Option<Inner>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Inner {
        depth: u32,
    }

    #[test]
    fn values_are_read_as_pyyaml_loads_them() {
        let s: S = from_node(&node(
            "name: x\nport: 0x1F\non: yes\nlist: [a, b]\ninner: {depth: 010}\n",
        ))
        .unwrap();
        assert_eq!(s.port, Some(31));
        assert_eq!(s.on, Some(true));
        assert_eq!(s.list.unwrap(), ["a", "b"]);
        assert_eq!(s.inner, Some(Inner { depth: 8 }));
        let s: S = from_node(&node("name: x\nport: ~\n")).unwrap();
        assert_eq!(s.port, None);
    }

    #[test]
    fn every_unknown_key_is_reported_at_the_first_ones_line() {
        let e = from_node::<S>(&node("name: x\nprot: 1\nlsit: []\n")).unwrap_err();
        assert_eq!((e.pos.line, e.pos.col), (2, 1));
        assert_eq!(e.unknown, ["prot", "lsit"]);
        assert!(
            e.to_string().starts_with(
                "c.yaml:2:1: unknown setting(s) prot, lsit; known: name, port, on, list, inner"
            ),
            "{e}"
        );
        assert!(e.to_string().ends_with("did you mean `port`?"), "{e}");
    }

    #[test]
    fn a_wrong_type_names_the_key_and_its_line_but_not_the_value() {
        let e = from_node::<S>(&node("name: x\nport: s3cr3t-value\n")).unwrap_err();
        assert_eq!(e.pos.line, 2);
        assert_eq!(e.key.as_deref(), Some("port"));
        let text = e.to_string();
        assert!(text.starts_with("c.yaml:2:7: `port` must be "), "{text}");
        assert!(text.ends_with("not a string"), "{text}");
        assert!(!text.contains("s3cr3t"), "{text}");
        let e = from_node::<S>(&node("name: x\ninner:\n  depth: [1]\n")).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("inner.depth"));
        assert_eq!(e.pos.line, 3);
        let e = from_node::<S>(&node("name: x\ninner: {deep: 1}\n")).unwrap_err();
        assert_eq!((e.pos.line, e.unknown.len()), (2, 1));
        assert_eq!(e.key.as_deref(), Some("inner"));
    }

    #[test]
    fn a_missing_key_is_reported_at_the_mapping() {
        let e = from_node::<S>(&node("\n\nport: 1\n")).unwrap_err();
        assert_eq!(e.to_string(), "c.yaml:3:1: missing `name`");
    }

    #[test]
    fn json_strings_stay_strings() {
        let n = node_from_json(&serde_json::json!({"name": "yes", "port": 53, "on": true}));
        let s: S = from_node(&n).unwrap();
        assert_eq!(
            (s.name.as_str(), s.port, s.on),
            ("yes", Some(53), Some(true))
        );
        let e = from_node::<S>(&node_from_json(&serde_json::json!({"name": 1}))).unwrap_err();
        assert_eq!(e.to_string(), "`name` must be a string, not a number");
    }

    #[test]
    fn nearest_is_a_typo_or_nothing() {
        assert_eq!(nearest("hots", &["host", "port"]), Some("host"));
        assert_eq!(nearest("zzzzzz", &["host", "port"]), None);
        assert_eq!(
            nearest("acess_key_id", &["access_key_id", "role_arn"]),
            Some("access_key_id")
        );
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}

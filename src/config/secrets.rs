//! `env/VAR` and `env/VAR/DEFAULT` secrets, resolved as octoDNS does: recursively through
//! mappings (not lists), the value coerced to a float if it contains `.`, else to an int, else
//! kept as a string. A missing variable without default is an error naming the key's line.

use crate::diag::Diagnostic;
use crate::yaml::{Kind, Node};

/// Resolve one setting. Returns the setting with every `env/` value replaced by the
/// variable's (at the same position) and whether any part of it came from a secret; None when
/// a required variable is missing (the diagnostic is pushed).
pub fn resolve(node: &Node, diags: &mut Vec<Diagnostic>) -> Option<(Node, bool)> {
    match &node.kind {
        Kind::Map(entries) => {
            let mut out = Vec::with_capacity(entries.len());
            let mut any = false;
            for (k, v) in entries {
                let (val, secret) = resolve(v, diags)?;
                any |= secret;
                out.push((k.clone(), val));
            }
            Some((
                Node {
                    kind: Kind::Map(out),
                    pos: node.pos.clone(),
                },
                any,
            ))
        }
        Kind::Scalar { text, .. } => match text.strip_prefix("env/") {
            Some(rest) => {
                let (var, default) = match rest.split_once('/') {
                    Some((v, d)) => (v, Some(d)),
                    None => (rest, None),
                };
                let value = match std::env::var(var) {
                    Ok(v) => v,
                    Err(_) => match default {
                        Some(d) => d.to_string(),
                        None => {
                            diags.push(Diagnostic::error(
                                node.pos.clone(),
                                "config-missing-env",
                                format!(
                                    "Incorrect provider config, missing env var {var} (set it, or give a default: env/{var}/DEFAULT)"
                                ),
                            ));
                            return None;
                        }
                    },
                };
                Some((
                    Node {
                        kind: coerce(&value),
                        pos: node.pos.clone(),
                    },
                    true,
                ))
            }
            None => Some((node.clone(), false)),
        },
        _ => Some((node.clone(), false)),
    }
}

/// octoDNS's coercion of a variable's value: a float if it contains `.`, else an int, else a
/// string. Numbers become plain scalars in their canonical form (which YAML reads back as
/// that number), anything else a quoted one (a string whatever it looks like).
fn coerce(s: &str) -> Kind {
    let number = if s.contains('.') {
        s.parse::<f64>().ok().and_then(serde_json::Number::from_f64)
    } else {
        s.parse::<i64>().ok().map(serde_json::Number::from)
    };
    match number {
        Some(n) => Kind::Scalar {
            text: n.to_string(),
            plain: true,
        },
        None => Kind::Scalar {
            text: s.to_string(),
            plain: false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value as J;
    use std::sync::Arc;

    fn node(text: &str) -> Node {
        crate::yaml::load_str(
            text,
            &Arc::from("c.yaml"),
            crate::yaml::LoadOptions {
                order: crate::yaml::KeyOrder::Any,
                includes: false,
            },
        )
        .root
        .unwrap()
    }

    #[test]
    fn env_secrets_with_defaults_and_coercion() {
        // SAFETY: test-local variable names, set before any read
        unsafe {
            std::env::set_var("DNSPLAN_T_KEY", "s3cr3t");
            std::env::set_var("DNSPLAN_T_PORT", "8081");
        }
        let mut d = vec![];
        let (n, secret) = resolve(
            &node("a: env/DNSPLAN_T_KEY\nb: {port: env/DNSPLAN_T_PORT}\nc: env/DNSPLAN_T_NOPE/1.5\nd: [env/X]\n"),
            &mut d,
        )
        .unwrap();
        assert!(secret && d.is_empty());
        let v = n.to_json();
        assert_eq!(v["a"], "s3cr3t");
        assert_eq!(v["b"]["port"], 8081);
        assert_eq!(v["c"], 1.5);
        assert_eq!(v["d"][0], "env/X", "lists are not expanded, as in octoDNS");
        // octoDNS's coercion, whatever YAML would make of the text: `010` is int("010"),
        // `yes` and `0x10` stay strings
        let (n, _) = resolve(
            &node("a: env/DNSPLAN_T_N/010\nb: env/DNSPLAN_T_N/yes\nc: env/DNSPLAN_T_N/0x10\n"),
            &mut d,
        )
        .unwrap();
        let v = n.to_json();
        assert_eq!(
            (&v["a"], &v["b"], &v["c"]),
            (&J::from(10), &J::from("yes"), &J::from("0x10"))
        );
        assert_eq!(
            n.get("b").unwrap().pos.line,
            2,
            "the value keeps its position"
        );
        assert!(resolve(&node("a: env/DNSPLAN_T_MISSING\n"), &mut d).is_none());
        assert_eq!(d[0].rule, "config-missing-env");
        assert!(d[0].message.contains("DNSPLAN_T_MISSING"));
    }
}

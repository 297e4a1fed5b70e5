//! `env/VAR` and `env/VAR/DEFAULT` secrets, resolved as octoDNS does: recursively through
//! mappings (not lists), the value coerced to a float if it contains `.`, else to an int, else
//! kept as a string. A missing variable without default is an error naming the key's line.

use serde_json::{Map, Value as J};

use crate::diag::Diagnostic;
use crate::yaml::{Kind, Node};

/// Resolve one setting. Returns the JSON value and whether any part of it came from a secret;
/// None when a required variable is missing (the diagnostic is pushed).
pub fn resolve(node: &Node, diags: &mut Vec<Diagnostic>) -> Option<(J, bool)> {
    match &node.kind {
        Kind::Map(entries) => {
            let mut m = Map::new();
            let mut any = false;
            for (k, v) in entries {
                let (val, secret) = resolve(v, diags)?;
                any |= secret;
                m.insert(k.key_text(), val);
            }
            Some((J::Object(m), any))
        }
        Kind::Scalar { text, plain } => match text.strip_prefix("env/") {
            Some(rest) => {
                let (var, default) = match rest.split_once('/') {
                    Some((v, d)) => (v, Some(d)),
                    None => (rest, None),
                };
                match std::env::var(var) {
                    Ok(v) => Some((coerce(&v), true)),
                    Err(_) => match default {
                        Some(d) => Some((coerce(d), true)),
                        None => {
                            diags.push(Diagnostic::error(
                                node.pos.clone(),
                                "config-missing-env",
                                format!(
                                    "Incorrect provider config, missing env var {var} (set it, or give a default: env/{var}/DEFAULT)"
                                ),
                            ));
                            None
                        }
                    },
                }
            }
            None => {
                let _ = plain;
                Some((node.to_json(), false))
            }
        },
        _ => Some((node.to_json(), false)),
    }
}

fn coerce(s: &str) -> J {
    if s.contains('.') {
        if let Ok(f) = s.parse::<f64>()
            && let Some(n) = serde_json::Number::from_f64(f)
        {
            return J::Number(n);
        }
    } else if let Ok(i) = s.parse::<i64>() {
        return J::from(i);
    }
    J::String(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
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
        let (v, secret) = resolve(
            &node("a: env/DNSPLAN_T_KEY\nb: {port: env/DNSPLAN_T_PORT}\nc: env/DNSPLAN_T_NOPE/1.5\nd: [env/X]\n"),
            &mut d,
        )
        .unwrap();
        assert!(secret && d.is_empty());
        assert_eq!(v["a"], "s3cr3t");
        assert_eq!(v["b"]["port"], 8081);
        assert_eq!(v["c"], 1.5);
        assert_eq!(v["d"][0], "env/X", "lists are not expanded, as in octoDNS");
        assert!(resolve(&node("a: env/DNSPLAN_T_MISSING\n"), &mut d).is_none());
        assert_eq!(d[0].rule, "config-missing-env");
        assert!(d[0].message.contains("DNSPLAN_T_MISSING"));
    }
}

//! Name handling: IDNA encoding per label and lowercasing, as octoDNS does.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameError(pub String);

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Lowercase and IDNA-encode each label; ASCII labels are kept as they are (so `_` and `*`
/// survive), as octoDNS's `idna_encode` does.
pub fn idna_encode(name: &str) -> Result<String, NameError> {
    if name.is_ascii() {
        return Ok(name.to_ascii_lowercase());
    }
    let lower = name.to_lowercase();
    let mut out = String::with_capacity(lower.len() + 8);
    for (i, label) in lower.split('.').enumerate() {
        if i > 0 {
            out.push('.');
        }
        if label.is_ascii() {
            out.push_str(label);
        } else {
            match idna::domain_to_ascii_strict(label) {
                Ok(a) if !a.is_empty() => out.push_str(&a),
                Ok(_) | Err(_) => {
                    return Err(NameError(format!(
                        "invalid IDNA label {label:?} in {name:?}"
                    )));
                }
            }
        }
    }
    Ok(out)
}

/// Decode `xn--` labels back to UTF-8 for display; labels that fail to decode are kept.
pub fn idna_decode(name: &str) -> String {
    if !name.contains("xn--") {
        return name.to_string();
    }
    name.split('.')
        .map(|l| {
            if l.starts_with("xn--") {
                let (u, r) = idna::domain_to_unicode(l);
                if r.is_ok() { u } else { l.to_string() }
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// `fqdn` relative to `zone` (both absolute, lowercased): `""` for the apex, None when it is
/// not inside the zone. The root zone `.` holds every name.
pub fn relative_name(fqdn: &str, zone: &str) -> Option<String> {
    if fqdn == zone {
        return Some(String::new());
    }
    if zone == "." {
        return fqdn.strip_suffix('.').map(str::to_string);
    }
    fqdn.strip_suffix(zone)
        .and_then(|s| s.strip_suffix('.'))
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_and_lowercases() {
        assert_eq!(idna_encode("WWW.Example").unwrap(), "www.example");
        assert_eq!(idna_encode("Bücher").unwrap(), "xn--bcher-kva");
        assert_eq!(idna_encode("_sip._tcp.Ü").unwrap(), "_sip._tcp.xn--tda");
        assert_eq!(idna_decode("xn--bcher-kva.example."), "bücher.example.");
    }

    #[test]
    fn relative_names() {
        assert_eq!(
            relative_name("example.com.", "example.com.").as_deref(),
            Some("")
        );
        assert_eq!(
            relative_name("a.b.example.com.", "example.com.").as_deref(),
            Some("a.b")
        );
        assert_eq!(relative_name("badexample.com.", "example.com."), None);
        assert_eq!(relative_name("other.org.", "example.com."), None);
        assert_eq!(
            relative_name("www.example.com.", ".").as_deref(),
            Some("www.example.com")
        );
    }
}

//! Name handling: IDNA encoding per label and lowercasing, as octoDNS does; the zone-name
//! rule every zone name passes before a path, a URL or a query is built from it; and the file
//! names built from zone and record names, which never leave their directory.

use std::path::{Component, Path, PathBuf};

/// A name (or a path built from one) that is refused. The texts do not repeat the name a zone
/// name check was given: the caller names it and where it was written.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("invalid IDNA label {label:?} in {name:?}")]
    Idna { label: String, name: String },
    #[error("missing ending dot")]
    NoEndingDot,
    #[error("whitespace not allowed")]
    Whitespace,
    #[error("control character U+{:04X} not allowed", *.0 as u32)]
    Control(char),
    #[error("`\\` not allowed")]
    Backslash,
    #[error("empty label (`..` or a leading `.`) not allowed")]
    EmptyLabel,
    #[error("`/` is only allowed in an RFC 2317 classless label such as `0/25`")]
    Slash,
    #[error("label \"{label}\" is {} octets long, max is {MAX_LABEL_LEN}", .label.len())]
    LabelTooLong { label: String },
    #[error("{octets} octets long, max is {MAX_NAME_LEN}")]
    TooLong { octets: usize },
    #[error("{file:?} is not a file name inside {}", .dir.display())]
    NotInside { file: String, dir: PathBuf },
    #[error("{rel:?} is not a path below {}", .dir.display())]
    NotBelow { rel: String, dir: PathBuf },
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
                    return Err(NameError::Idna {
                        label: label.to_string(),
                        name: name.to_string(),
                    });
                }
            }
        }
    }
    Ok(out)
}

/// The longest name, in octets of its text form without the final dot (RFC 1035 §3.1: 255
/// octets on the wire).
pub const MAX_NAME_LEN: usize = 253;
/// The longest label, in octets (RFC 1035 §2.3.4).
pub const MAX_LABEL_LEN: usize = 63;

/// A zone name as written (a config key, a `'*'` template's match, a provider's zone list, a
/// command-line argument) made into the encoded name every other module uses (IDNA, lowercase,
/// final dot), after checking that it is a DNS name: it ends with a dot (octoDNS's rule); no
/// whitespace, control character (NUL) or `\`; no empty label (`..`, a leading dot); a `/`
/// only inside an RFC 2317 classless label (`0/25.2.0.192.in-addr.arpa.`); labels of at most
/// 63 and the name of at most 253 octets once encoded. `.` (the root zone) is a name. The
/// error says what is wrong, without the name (the caller names it and where it was written).
pub fn parse_zone_name(raw: &str) -> Result<String, NameError> {
    let Some(body) = raw.strip_suffix('.') else {
        return Err(NameError::NoEndingDot);
    };
    if let Some(c) = raw.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(if c.is_whitespace() {
            NameError::Whitespace
        } else {
            NameError::Control(c)
        });
    }
    if raw.contains('\\') {
        return Err(NameError::Backslash);
    }
    if body.is_empty() {
        return Ok(".".to_string());
    }
    for label in body.split('.') {
        if label.is_empty() {
            return Err(NameError::EmptyLabel);
        }
        if label.contains('/') && !is_classless_label(label) {
            return Err(NameError::Slash);
        }
    }
    let name = idna_encode(raw)?;
    if let Some(l) = name[..name.len() - 1]
        .split('.')
        .find(|l| l.len() > MAX_LABEL_LEN)
    {
        return Err(NameError::LabelTooLong {
            label: l.to_string(),
        });
    }
    if name.len() - 1 > MAX_NAME_LEN {
        return Err(NameError::TooLong {
            octets: name.len() - 1,
        });
    }
    Ok(name)
}

/// `0/25`, `64/26`: an RFC 2317 classless delegation label (digits, `/`, digits).
fn is_classless_label(label: &str) -> bool {
    label.split_once('/').is_some_and(|(a, b)| {
        !a.is_empty()
            && !b.is_empty()
            && a.bytes().all(|c| c.is_ascii_digit())
            && b.bytes().all(|c| c.is_ascii_digit())
    })
}

/// The file-name form of a checked zone name (encoded or decoded, final dot kept or not): a
/// classless label's `/` becomes `-`, as octodns-bind names its files, so the name is one path
/// component.
pub fn zone_file_stem(zone: &str) -> String {
    zone.replace('/', "-")
}

/// The file-name form of a record name (split YAML directories write one file per name):
/// `/`, `\`, NUL and `%` are written `%2F`, `%5C`, `%00`, `%25`, so two names never share a
/// file and the name is one path component. Other names are kept as octoDNS writes them.
pub fn record_file_stem(name: &str) -> String {
    if !name.contains(['/', '\\', '\0', '%']) {
        return name.to_string();
    }
    let mut out = String::with_capacity(name.len() + 8);
    for c in name.chars() {
        match c {
            '/' => out.push_str("%2F"),
            '\\' => out.push_str("%5C"),
            '\0' => out.push_str("%00"),
            '%' => out.push_str("%25"),
            c => out.push(c),
        }
    }
    out
}

/// `dir/file`, when `file` is exactly one ordinary path component (no separator, not `.` or
/// `..`, no NUL, not empty): every path built from a name goes through here, so none leaves
/// its directory whatever the name held.
pub fn join_inside(dir: &Path, file: &str) -> Result<PathBuf, NameError> {
    let mut parts = Path::new(file).components();
    let one = matches!(parts.next(), Some(Component::Normal(_))) && parts.next().is_none();
    if !one || file.contains(['/', '\\', '\0']) {
        return Err(NameError::NotInside {
            file: file.to_string(),
            dir: dir.to_path_buf(),
        });
    }
    Ok(dir.join(file))
}

/// `dir/rel` for a relative path the config names (`shared_filename: common/all.yaml`): only
/// ordinary components, no `..`, no root, no NUL, so it stays below `dir`.
pub fn join_below(dir: &Path, rel: &str) -> Result<PathBuf, NameError> {
    let p = Path::new(rel);
    let ok = !rel.contains('\0')
        && p.components().next().is_some()
        && p.components().all(|c| matches!(c, Component::Normal(_)));
    if !ok {
        return Err(NameError::NotBelow {
            rel: rel.to_string(),
            dir: dir.to_path_buf(),
        });
    }
    Ok(dir.join(p))
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

/// Shell-style matching as Python's `fnmatch` (`*`, `?`, `[...]`), case-sensitive on POSIX.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    fn rec(p: &[char], t: &[char]) -> bool {
        match p.first() {
            None => t.is_empty(),
            Some('*') => (0..=t.len()).any(|i| rec(&p[1..], &t[i..])),
            Some('?') => !t.is_empty() && rec(&p[1..], &t[1..]),
            Some('[') => {
                let Some(end) = p.iter().skip(1).position(|&c| c == ']').map(|i| i + 1) else {
                    return t.first() == Some(&'[') && rec(&p[1..], &t[1..]);
                };
                let Some(&c) = t.first() else { return false };
                let class = &p[1..end];
                let (neg, class) = match class.first() {
                    Some('!') => (true, &class[1..]),
                    _ => (false, class),
                };
                let mut hit = false;
                let mut i = 0;
                while i < class.len() {
                    if i + 2 < class.len() && class[i + 1] == '-' {
                        hit |= class[i] <= c && c <= class[i + 2];
                        i += 3;
                    } else {
                        hit |= class[i] == c;
                        i += 1;
                    }
                }
                hit != neg && rec(&p[end + 1..], &t[1..])
            }
            Some(&c) => t.first() == Some(&c) && rec(&p[1..], &t[1..]),
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    rec(&p, &t)
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

    #[test]
    fn zone_names_are_dns_names() {
        for (raw, want) in [
            ("example.com.", "example.com."),
            ("Example.COM.", "example.com."),
            ("bücher.example.", "xn--bcher-kva.example."),
            ("xn--bcher-kva.example.", "xn--bcher-kva.example."),
            ("_tcp.example.com.", "_tcp.example.com."),
            ("2.0.192.in-addr.arpa.", "2.0.192.in-addr.arpa."),
            ("0/25.2.0.192.in-addr.arpa.", "0/25.2.0.192.in-addr.arpa."),
            ("0-25.2.0.192.in-addr.arpa.", "0-25.2.0.192.in-addr.arpa."),
            (".", "."),
        ] {
            assert_eq!(parse_zone_name(raw).as_deref(), Ok(want), "{raw}");
        }
        let long_label = format!("{}.example.", "a".repeat(64));
        let long_name = format!("{}example.", "abcdefghi.".repeat(25));
        for (raw, why) in [
            ("../pwned.", "empty label"),
            ("..", "empty label"),
            ("a..b.", "empty label"),
            (".example.", "empty label"),
            ("example.com", "missing ending dot"),
            ("/etc/passwd.", "`/` is only allowed"),
            ("a/b.example.", "`/` is only allowed"),
            ("0/.example.", "`/` is only allowed"),
            ("/25.example.", "`/` is only allowed"),
            ("0/25/1.example.", "`/` is only allowed"),
            ("a\\b.example.", "`\\`"),
            ("..\\..\\x.", "`\\`"),
            ("a\0b.example.", "U+0000"),
            ("a\u{7f}.example.", "U+007F"),
            ("a b.example.", "whitespace"),
            ("a\tb.example.", "whitespace"),
            ("a\nb.", "whitespace"),
            (long_label.as_str(), "64 octets long, max is 63"),
            (long_name.as_str(), "257 octets long, max is 253"),
        ] {
            let e = parse_zone_name(raw).expect_err(raw);
            assert!(e.to_string().contains(why), "{raw:?}: {e}");
        }
        // the variants say what is wrong without parsing the text
        assert_eq!(parse_zone_name("a..b."), Err(NameError::EmptyLabel));
        assert_eq!(parse_zone_name("a\0b."), Err(NameError::Control('\0')));
        assert_eq!(
            parse_zone_name(&long_name),
            Err(NameError::TooLong { octets: 257 })
        );
        assert_eq!(
            parse_zone_name(&long_label),
            Err(NameError::LabelTooLong {
                label: "a".repeat(64)
            })
        );
        assert_eq!(
            parse_zone_name("a\\b.").unwrap_err().to_string(),
            "`\\` not allowed"
        );
        // a label is measured once encoded
        let idna = format!("{}.example.", "ü".repeat(60));
        assert!(parse_zone_name(&idna).is_err());
    }

    #[test]
    fn file_names_from_names_stay_in_their_directory() {
        assert_eq!(
            zone_file_stem("0/25.2.0.192.in-addr.arpa."),
            "0-25.2.0.192.in-addr.arpa."
        );
        assert_eq!(record_file_stem("www"), "www");
        assert_eq!(record_file_stem("*.sub"), "*.sub");
        assert_eq!(record_file_stem("0/25"), "0%2F25");
        assert_eq!(record_file_stem("../../x"), "..%2F..%2Fx");
        assert_eq!(record_file_stem("a\\b\0%"), "a%5Cb%00%25");
        // two names never share a file
        assert_ne!(record_file_stem("a%2Fb"), record_file_stem("a/b"));
        let dir = Path::new("/srv/zones");
        assert_eq!(
            join_inside(dir, "example.com.yaml").unwrap(),
            dir.join("example.com.yaml")
        );
        assert_eq!(join_inside(dir, "...yaml").unwrap(), dir.join("...yaml"));
        for bad in ["", ".", "..", "../x", "a/b", "/etc/passwd", "a\\b", "a\0b"] {
            assert!(join_inside(dir, bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            join_inside(dir, "../x").unwrap_err().to_string(),
            "\"../x\" is not a file name inside /srv/zones"
        );
        assert_eq!(
            join_below(dir, "common/all.yaml").unwrap(),
            dir.join("common/all.yaml")
        );
        for bad in ["", "..", "a/../../x", "/etc/passwd", "a\0b"] {
            assert!(join_below(dir, bad).is_err(), "{bad:?}");
        }
    }
}

//! Record types: the 22 octoDNS core types plus provider-specific `Provider/TYPE` names.

use std::cmp::Ordering;
use std::fmt;
use std::sync::Arc;

macro_rules! types {
    ($($v:ident => $s:literal),* $(,)?) => {
        /// A record type. Ordered by its name, as octoDNS sorts (name, type) pairs.
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub enum RecordType {
            $($v,)*
            /// A provider-specific type such as `Route53Provider/ALIAS`, or SOA when read from
            /// a server. Carried as data.
            Other(Arc<str>),
        }

        impl RecordType {
            /// Every core type, in name order.
            pub const CORE: &'static [RecordType] = &[$(RecordType::$v,)*];

            pub fn as_str(&self) -> &str {
                match self {
                    $(RecordType::$v => $s,)*
                    RecordType::Other(s) => s,
                }
            }

            /// The core type called `s` (exact, upper-case as octoDNS requires).
            pub fn core(s: &str) -> Option<RecordType> {
                match s {
                    $($s => Some(RecordType::$v),)*
                    _ => None,
                }
            }
        }
    };
}

types! {
    A => "A",
    Aaaa => "AAAA",
    Alias => "ALIAS",
    Caa => "CAA",
    Cname => "CNAME",
    Dname => "DNAME",
    Ds => "DS",
    Https => "HTTPS",
    Loc => "LOC",
    Mx => "MX",
    Naptr => "NAPTR",
    Ns => "NS",
    Openpgpkey => "OPENPGPKEY",
    Ptr => "PTR",
    Spf => "SPF",
    Srv => "SRV",
    Sshfp => "SSHFP",
    Svcb => "SVCB",
    Tlsa => "TLSA",
    Txt => "TXT",
    Uri => "URI",
    Urlfwd => "URLFWD",
}

impl RecordType {
    /// Parse a type as written in a zone file: a core type, or a provider-specific
    /// `Class/TYPE` name (octoDNS's pattern `^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*/[A-Za-z_]\w*$`).
    pub fn parse(s: &str) -> Option<RecordType> {
        if let Some(t) = RecordType::core(s) {
            return Some(t);
        }
        let (class, ty) = s.split_once('/')?;
        let ident = |p: &str| {
            let mut c = p.chars();
            matches!(c.next(), Some(ch) if ch.is_ascii_alphabetic() || ch == '_')
                && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
        };
        if class.split('.').all(ident) && ident(ty) {
            Some(RecordType::Other(Arc::from(s)))
        } else {
            None
        }
    }

    /// Types that hold exactly one value (`value:` only).
    pub fn single_value(&self) -> bool {
        matches!(
            self,
            RecordType::Alias | RecordType::Cname | RecordType::Dname
        )
    }

    /// Types that may carry `dynamic:`.
    pub fn supports_dynamic(&self) -> bool {
        matches!(
            self,
            RecordType::A | RecordType::Aaaa | RecordType::Cname | RecordType::Dname
        )
    }
}

impl PartialOrd for RecordType {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for RecordType {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl fmt::Display for RecordType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twenty_two_core_types_in_order() {
        assert_eq!(RecordType::CORE.len(), 22);
        let mut sorted = RecordType::CORE.to_vec();
        sorted.sort();
        assert_eq!(sorted, RecordType::CORE);
    }

    #[test]
    fn provider_specific() {
        assert!(RecordType::parse("Route53Provider/ALIAS").is_some());
        assert!(RecordType::parse("octodns_route53.Route53Provider/ALIAS").is_some());
        assert!(RecordType::parse("a").is_none());
        assert!(RecordType::parse("X/").is_none());
        assert!(RecordType::parse("1X/A").is_none());
    }
}

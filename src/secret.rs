//! Secrets kept out of everything dnsplan shows: one scrubber for every command and provider.
//!
//! Rule: std only; below everything, like `diag`.

/// Values shorter than this are not scrubbed: replacing two or three characters everywhere
/// would mangle ordinary text and hide nothing worth hiding.
pub const MIN_LEN: usize = 4;

/// Replaces every occurrence of any of its secrets with `***`. Occurrences are found
/// independently for each secret (overlapping ones too) and merged before anything is
/// replaced, so a secret that is a prefix of, or overlaps, another never leaves part of the
/// other visible, whatever order they were given in.
#[derive(Clone, Debug, Default)]
pub struct Scrubber {
    secrets: Vec<String>,
}

impl Scrubber {
    pub fn new<S: Into<String>>(secrets: impl IntoIterator<Item = S>) -> Scrubber {
        let mut s = Scrubber::default();
        s.extend(secrets);
        s
    }

    /// Add secrets (short ones and repeats are dropped).
    pub fn extend<S: Into<String>>(&mut self, secrets: impl IntoIterator<Item = S>) {
        self.secrets.extend(
            secrets
                .into_iter()
                .map(Into::into)
                .filter(|s| s.len() >= MIN_LEN),
        );
        self.secrets.sort();
        self.secrets.dedup();
    }

    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    /// `s` with every secret replaced by `***`.
    pub fn scrub(&self, s: &str) -> String {
        let mut spans: Vec<(usize, usize)> = Vec::new();
        for secret in &self.secrets {
            let mut from = 0;
            while let Some(i) = s[from..].find(secret.as_str()) {
                let start = from + i;
                spans.push((start, start + secret.len()));
                // the next occurrence may overlap this one: step one character on
                from = start + s[start..].chars().next().map_or(1, char::len_utf8);
            }
        }
        if spans.is_empty() {
            return s.to_string();
        }
        spans.sort_unstable();
        let mut out = String::with_capacity(s.len());
        let mut at = 0;
        let mut i = 0;
        while i < spans.len() {
            let (start, mut end) = spans[i];
            i += 1;
            while i < spans.len() && spans[i].0 <= end {
                end = end.max(spans[i].1);
                i += 1;
            }
            out.push_str(&s[at..start]);
            out.push_str("***");
            at = end;
        }
        out.push_str(&s[at..]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_that_is_a_prefix_of_another_hides_all_of_it() {
        for order in [
            ["hunter2", "hunter2-long-tail"],
            ["hunter2-long-tail", "hunter2"],
        ] {
            let s = Scrubber::new(order);
            assert_eq!(
                s.scrub("a hunter2-long-tail b hunter2 c"),
                "a *** b *** c",
                "{order:?}"
            );
        }
    }

    #[test]
    fn overlapping_and_repeated_secrets_are_merged() {
        let s = Scrubber::new(["abcd", "cdef"]);
        assert_eq!(s.scrub("xabcdefy"), "x***y");
        let s = Scrubber::new(["abab"]);
        assert_eq!(s.scrub("ababab!"), "***!", "overlapping occurrences");
        assert_eq!(s.scrub("no secret"), "no secret");
    }

    #[test]
    fn short_values_are_not_secrets_and_text_stays_utf8() {
        let s = Scrubber::new(["abc", "", "ßecret"]);
        assert!(!s.is_empty());
        assert_eq!(s.scrub("abc ßecretß é"), "abc ***ß é");
        assert!(Scrubber::new(["no"]).is_empty());
    }
}

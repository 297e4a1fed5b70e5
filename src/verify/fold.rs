//! Long values in a terminal table: elided to their first and last characters with their
//! length and a short hash (so two long values that differ in the middle still look
//! different), and the width the table must fit (`COLUMNS`, else the terminal's, else 100).
//! The full values are only in `--format json`.
//!
//! Rule: pure text functions (and one `ioctl` to ask the terminal its width); no DNS.

use sha2::{Digest, Sha256};

/// The width used when neither `COLUMNS` nor the terminal says.
pub const DEFAULT_WIDTH: usize = 100;
/// No table is laid out narrower than this (a narrower terminal wraps it).
pub const MIN_WIDTH: usize = 40;

/// The width to fit: `COLUMNS` when it is a number, else stdout's terminal, else 100.
pub fn terminal_width() -> usize {
    width_from(std::env::var("COLUMNS").ok().as_deref(), tty_width())
}

/// `terminal_width` from its inputs.
pub fn width_from(columns: Option<&str>, tty: Option<usize>) -> usize {
    columns
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|w| *w > 0)
        .or(tty.filter(|w| *w > 0))
        .unwrap_or(DEFAULT_WIDTH)
        .max(MIN_WIDTH)
}

/// The width of the terminal on stdout, when stdout is one.
fn tty_width() -> Option<usize> {
    // SAFETY: TIOCGWINSZ writes one `winsize` into the struct it is given, nothing else;
    // on a descriptor that is not a terminal it fails and the struct is not read.
    unsafe {
        if libc::isatty(libc::STDOUT_FILENO) != 1 {
            return None;
        }
        let mut ws: libc::winsize = std::mem::zeroed();
        if libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut ws) != 0 {
            return None;
        }
        Some(usize::from(ws.ws_col))
    }
}

/// The first 8 hex digits of the SHA-256 of `s`.
pub fn short_hash(s: &str) -> String {
    let d = Sha256::digest(s.as_bytes());
    d.iter().take(4).map(|b| format!("{b:02x}")).collect()
}

/// `s` when it has at most `max` characters; else two lines: its first and last characters
/// around `…` in at most `max` characters (never fewer than 12 of `s`), then
/// `(N chars, #hash)`.
pub fn shorten(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        return s.to_string();
    }
    let room = max.saturating_sub(1).clamp(12, n);
    let tail = room / 3;
    let head = room - tail;
    let mut out: String = s.chars().take(head).collect();
    out.push('…');
    out.extend(s.chars().skip(n - tail));
    out.push_str(&format!("\n({n} chars, #{})", short_hash(s)));
    out
}

/// `s` with every line wrapped at `width` characters: at spaces where it can, inside a word
/// longer than the width otherwise.
pub fn wrap(s: &str, width: usize) -> String {
    let width = width.max(1);
    let mut out: Vec<String> = Vec::new();
    for line in s.lines() {
        let mut cur = String::new();
        for word in line.split(' ') {
            let mut word: Vec<char> = word.chars().collect();
            let n = cur.chars().count();
            if n > 0 && n + 1 + word.len() <= width {
                cur.push(' ');
                cur.extend(&word);
                continue;
            }
            if n > 0 {
                out.push(std::mem::take(&mut cur));
            }
            while word.len() > width {
                out.push(word.drain(..width).collect());
            }
            cur = word.into_iter().collect();
        }
        out.push(cur);
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_values_are_kept_long_ones_elided_with_length_and_hash() {
        assert_eq!(shorten("192.0.2.1", 20), "192.0.2.1");
        let dkim = format!("\"v=DKIM1; k=rsa; p={}IDAQAB\"", "M".repeat(380));
        let s = shorten(&dkim, 30);
        let (first, second) = s.split_once('\n').unwrap();
        assert_eq!(first.chars().count(), 30, "{s}");
        assert!(first.starts_with("\"v=DKIM1; k=rsa"), "{s}");
        assert!(first.ends_with("…MMIDAQAB\""), "{s}");
        assert_eq!(second, format!("(406 chars, #{})", short_hash(&dkim)));
        // a change in the middle is still visible, through the hash
        let other = dkim.replacen("MMMM", "MMMN", 1);
        assert_ne!(shorten(&other, 48), s);
        // too little room: still a recognisable head and tail
        let tiny = shorten(&dkim, 5);
        assert!(tiny.starts_with("\"v=DKIM1"), "{tiny}");
        assert_eq!(
            short_hash("abc"),
            "ba7816bf",
            "SHA-256 of abc (FIPS 180-2 example)"
        );
    }

    #[test]
    fn wrap_at_spaces_and_inside_long_words() {
        assert_eq!(
            wrap("TTL differs (values match)", 12),
            "TTL differs\n(values\nmatch)"
        );
        assert_eq!(wrap("bind @ 127.0.0.1:5311", 8), "bind @\n127.0.0.\n1:5311");
        assert_eq!(wrap("a\nbb cc", 5), "a\nbb cc");
        assert_eq!(wrap("", 5), "");
    }

    #[test]
    fn width_from_columns_else_the_terminal_else_100() {
        assert_eq!(width_from(Some("132"), Some(80)), 132);
        assert_eq!(width_from(Some("wide"), Some(80)), 80);
        assert_eq!(width_from(Some("0"), None), DEFAULT_WIDTH);
        assert_eq!(width_from(None, None), DEFAULT_WIDTH);
        assert_eq!(width_from(Some("10"), None), MIN_WIDTH);
    }
}

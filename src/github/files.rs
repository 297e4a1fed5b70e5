//! The files a step writes for the runner: `$GITHUB_OUTPUT` (with random heredoc delimiters)
//! and `$GITHUB_STEP_SUMMARY` (capped at 1 MiB per step).

use std::io::Write;
use std::path::Path;

/// GitHub rejects a step summary over 1 MiB.
pub const SUMMARY_LIMIT: usize = 1024 * 1024;

/// 128 random bits as hex (the operating system's generator).
pub fn random_hex() -> String {
    crate::random::hex::<16>()
}

/// One `name<<DELIM … DELIM` entry; the delimiter is random and never occurs in the value.
pub fn output_entry(name: &str, value: &str) -> String {
    let mut delim = format!("ghadelim_{}", random_hex());
    while value.contains(&delim) {
        delim = format!("ghadelim_{}", random_hex());
    }
    let mut v = value.replace('\r', "");
    if !v.ends_with('\n') {
        v.push('\n');
    }
    format!("{name}<<{delim}\n{v}{delim}\n")
}

/// Append outputs to the `$GITHUB_OUTPUT` file.
pub fn write_outputs(path: &Path, outputs: &[(String, String)]) -> std::io::Result<()> {
    let mut text = String::new();
    for (k, v) in outputs {
        text.push_str(&output_entry(k, v));
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    f.write_all(text.as_bytes())
}

/// How many bytes may still be appended to the step summary file.
pub fn summary_room(path: &Path) -> usize {
    let used = std::fs::metadata(path)
        .map(|m| m.len() as usize)
        .unwrap_or(0);
    SUMMARY_LIMIT.saturating_sub(used)
}

/// Append to the step summary, never past its limit (the text is cut at a character boundary
/// as a last resort; callers fit markdown first with [`super::markdown::fit`]).
pub fn append_summary(path: &Path, text: &str) -> std::io::Result<()> {
    let room = summary_room(path);
    let mut end = text.len().min(room);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    f.write_all(&text.as_bytes()[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters_are_random_and_unique() {
        let a = output_entry("plan", "EOF\nline");
        let b = output_entry("plan", "EOF\nline");
        assert_ne!(a, b);
        let first = a.lines().next().unwrap();
        let delim = first.strip_prefix("plan<<").unwrap();
        assert!(delim.starts_with("ghadelim_") && delim.len() == 9 + 32);
        assert!(a.ends_with(&format!("\n{delim}\n")));
        assert_eq!(a.matches(delim).count(), 2);
    }

    #[test]
    fn summary_never_exceeds_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("summary.md");
        append_summary(&p, &"é".repeat(SUMMARY_LIMIT)).unwrap();
        let n = std::fs::metadata(&p).unwrap().len() as usize;
        assert!(n <= SUMMARY_LIMIT);
        assert!(std::str::from_utf8(&std::fs::read(&p).unwrap()).is_ok());
        append_summary(&p, "more").unwrap();
        assert_eq!(summary_room(&p), SUMMARY_LIMIT - n);
    }
}

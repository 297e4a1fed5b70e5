//! GitHub Actions integration: workflow commands (annotations), the step's environment and
//! event, outputs and step summary, markdown that fits GitHub's limits, a REST client, the
//! sticky pull-request comment and the one-issue-per-key tracker.
//!
//! Rule: `github` knows nothing of DNS; it receives rendered strings and plain data, and uses
//! `mdtext`, `random`, `http` (the shared HTTP layer) and `secret` only.
//! `cli::github` connects it to the engine and the renderings.

pub mod api;
pub mod env;
pub mod event;
pub mod files;
pub mod markdown;
pub mod sticky;

/// Escape the message part of a workflow command (`%`, CR, LF).
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a property value of a workflow command (also `:` and `,`).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// One annotation line: `::error file=…,line=…,col=…,title=…::message`.
pub fn annotation(
    level: &str,
    file: &str,
    line: u32,
    col: u32,
    title: &str,
    message: &str,
) -> String {
    let mut props = Vec::new();
    if !file.is_empty() {
        props.push(format!("file={}", escape_property(file)));
    }
    if line > 0 {
        props.push(format!("line={line}"));
        props.push(format!("col={col}"));
    }
    if !title.is_empty() {
        props.push(format!("title={}", escape_property(title)));
    }
    format!("::{level} {}::{}", props.join(","), escape_data(message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotations_cannot_inject_commands() {
        let a = annotation(
            "error",
            "z,1.yaml",
            3,
            4,
            "ttl:rfc",
            "bad\n::warning::x 100%",
        );
        assert_eq!(
            a,
            "::error file=z%2C1.yaml,line=3,col=4,title=ttl%3Arfc::bad%0A::warning::x 100%25"
        );
        assert_eq!(a.lines().count(), 1);
    }
}

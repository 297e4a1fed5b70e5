//! Markdown text that cannot break out of where it is put: code spans safe in GFM table cells,
//! HTML-escaped text, fences longer than any backtick run they hold. Used by the plan
//! renderings and by the GitHub comments alike.
//!
//! Rule: a leaf module; it uses std only.

/// Longest run of backticks in `s`.
pub fn max_backticks(s: &str) -> usize {
    let mut best = 0;
    let mut cur = 0;
    for c in s.chars() {
        if c == '`' {
            cur += 1;
            best = best.max(cur);
        } else {
            cur = 0;
        }
    }
    best
}

/// A code span that shows `s` literally, safe inside a GFM table cell.
pub fn code(s: &str) -> String {
    if s.is_empty() {
        return "*(empty)*".into();
    }
    let fence = "`".repeat(max_backticks(s) + 1);
    let body: String = s
        .chars()
        .map(|c| match c {
            '\n' | '\r' => ' ',
            c => c,
        })
        .collect();
    let pad = body.starts_with('`') || body.ends_with('`') || body.starts_with(' ');
    let inner = if pad { format!(" {body} ") } else { body };
    format!("{fence}{}{fence}", inner.replace('|', "\\|"))
}

/// Text for HTML contexts (`<summary>`): entities for `& < > "`, and `@`/`#` defused.
pub fn html_text(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '@' => o.push_str("&#64;"),
            '#' => o.push_str("&#35;"),
            '|' => o.push_str("&#124;"),
            '`' => o.push_str("&#96;"),
            '\n' | '\r' => o.push(' '),
            c => o.push(c),
        }
    }
    o
}

pub fn fenced(lang: &str, body: &str) -> String {
    let fence = "`".repeat((max_backticks(body) + 1).max(3));
    format!("{fence}{lang}\n{body}\n{fence}\n")
}

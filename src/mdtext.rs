//! Markdown text that cannot break out of where it is put: code spans safe in GFM table cells,
//! HTML-escaped text, inert text, prose whose `code` stays code, fences longer than any
//! backtick run they hold. Used by the plan renderings and by the GitHub comments alike.
//!
//! Rule: a leaf module; it uses std only (its test-only `gfm` checker uses comrak).

#[cfg(test)]
pub mod gfm;

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

/// The entity for a character that HTML or a GFM table would read as syntax.
fn entity(c: char) -> Option<&'static str> {
    Some(match c {
        '&' => "&amp;",
        '<' => "&lt;",
        '>' => "&gt;",
        '"' => "&quot;",
        '|' => "&#124;",
        '`' => "&#96;",
        _ => return None,
    })
}

/// Text for HTML contexts (`<summary>`): entities for `& < > "`, and `@`/`#` defused.
pub fn html_text(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match (entity(c), c) {
            (Some(e), _) => o.push_str(e),
            (None, '@') => o.push_str("&#64;"),
            (None, '#') => o.push_str("&#35;"),
            (None, '\n' | '\r') => o.push(' '),
            (None, c) => o.push(c),
        }
    }
    o
}

pub fn fenced(lang: &str, body: &str) -> String {
    let fence = "`".repeat((max_backticks(body) + 1).max(3));
    format!("{fence}{lang}\n{body}\n{fence}\n")
}

/// Plain text that renders literally and inertly on one line: HTML and inline markdown syntax
/// escaped, a block marker at the start escaped, `@` and `#` broken with a word joiner so they
/// neither mention nor link, line breaks flattened.
pub fn inert(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 8);
    let mut at_start = true;
    let mut digits_only = true;
    for c in s.chars() {
        if let Some(e) = entity(c) {
            o.push_str(e);
            digits_only = false;
            at_start = false;
            continue;
        }
        match c {
            '@' => o.push_str("@\u{2060}"),
            '#' => o.push_str("#\u{2060}"),
            '\\' | '*' | '_' | '[' | ']' | '~' => {
                o.push('\\');
                o.push(c);
            }
            '-' | '+' | '=' if at_start => {
                o.push('\\');
                o.push(c);
            }
            '.' | ')' if digits_only && !at_start => {
                o.push('\\');
                o.push(c);
            }
            '\n' | '\r' | '\t' => o.push(' '),
            c if c.is_control() => {}
            c => o.push(c),
        }
        digits_only &= c.is_ascii_digit();
        at_start = false;
    }
    o
}

/// A message written with code spans ("`ttl` must be a number"), as inline markdown that
/// renders inertly: each backtick-delimited span becomes a real code span (so no literal
/// backticks are shown), everything else [`inert`] text. An unmatched backtick stays literal.
pub fn prose(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut rest = s;
    while let Some(open) = rest.find('`') {
        let run = rest[open..].chars().take_while(|&c| c == '`').count();
        let fence = &rest[open..open + run];
        let after = &rest[open + run..];
        // the closing run: the same number of backticks, not part of a longer run
        let mut close = None;
        let mut from = 0;
        while let Some(i) = after[from..].find(fence) {
            let at = from + i;
            let len = after[at..].chars().take_while(|&c| c == '`').count();
            if len == run {
                close = Some(at);
                break;
            }
            from = at + len;
        }
        let Some(close) = close else {
            break;
        };
        let body = &after[..close];
        out.push_str(&inert(&rest[..open]));
        let trimmed = if body.len() > 2 && body.starts_with(' ') && body.ends_with(' ') {
            &body[1..body.len() - 1]
        } else {
            body
        };
        out.push_str(&code(trimmed));
        rest = &after[close + run..];
    }
    out.push_str(&inert(rest));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_keeps_code_spans_as_code_and_the_rest_inert() {
        assert_eq!(
            prose("`ttl` sorts before `type` in @org #1"),
            "`ttl` sorts before `type` in @\u{2060}org #\u{2060}1"
        );
        assert_eq!(prose("a `b|c` d"), "a `b\\|c` d");
        assert_eq!(prose("``x ` y`` z"), "``x ` y`` z");
        // unmatched: literal, escaped
        assert_eq!(prose("it's `open"), "it's &#96;open");
        assert_eq!(prose("<b>`<i>`</b>"), "&lt;b&gt;`<i>`&lt;/b&gt;");
    }
}

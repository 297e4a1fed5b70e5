//! Markdown for GitHub surfaces: fitting a document under a size limit without breaking it,
//! and text that renders inert (no mentions, no issue links, no HTML).
//!
//! Fitting works on any markdown made of lines. Top-level `<details>` blocks (a line starting
//! with `<details` up to the matching `</details>` line, outside code fences) are the detail
//! that goes first: they are dropped from the end until the document fits, and one note says
//! how many were left out. If that is not enough the rest is cut at a line boundary, keeping
//! the document's final paragraph (a checksum, a footer), and every fence and `<details>` open
//! at the cut is closed. The result is balanced at every size.

/// GitHub's limit for an issue or pull-request comment body.
pub const COMMENT_LIMIT: usize = 65_536;

/// How a surface counts size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measure {
    /// UTF-16 code units (never less than characters): comment bodies.
    Utf16,
    /// UTF-8 bytes: files such as the step summary.
    Bytes,
}

impl Measure {
    pub fn len(self, s: &str) -> usize {
        match self {
            Measure::Utf16 => s.encode_utf16().count(),
            Measure::Bytes => s.len(),
        }
    }
}

/// Notes inserted when something is left out.
pub struct Notes<'a> {
    /// Given how many `<details>` blocks were dropped.
    pub dropped: &'a dyn Fn(usize) -> String,
    /// Put where the document was cut.
    pub truncated: &'a str,
}

/// The result of [`fit`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fitted {
    pub text: String,
    pub dropped_details: usize,
    pub truncated: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Fence {
    ch: char,
    len: usize,
    /// The opening line's fence text, reused to close it.
    text: String,
}

/// Line-by-line state: open fence and `<details>` depth.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scanner {
    fence: Option<Fence>,
    depth: usize,
}

fn fence_of(line: &str) -> Option<(char, usize, &str)> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    if indent > 3 {
        return None;
    }
    let rest = &line[indent..];
    let ch = rest.chars().next()?;
    if ch != '`' && ch != '~' {
        return None;
    }
    let len = rest.chars().take_while(|&c| c == ch).count();
    if len < 3 {
        return None;
    }
    Some((ch, len, &rest[len..]))
}

impl Scanner {
    /// Advance over one line (without its newline).
    pub fn line(&mut self, line: &str) {
        if let Some(f) = &self.fence {
            if let Some((ch, len, after)) = fence_of(line)
                && ch == f.ch
                && len >= f.len
                && after.trim().is_empty()
            {
                self.fence = None;
            }
            return;
        }
        if let Some((ch, len, info)) = fence_of(line) {
            // a backtick fence's info string may not contain backticks
            if ch == '~' || !info.contains('`') {
                self.fence = Some(Fence {
                    ch,
                    len,
                    text: ch.to_string().repeat(len),
                });
                return;
            }
        }
        let t = line.trim_start();
        if t.starts_with("</details>") {
            self.depth = self.depth.saturating_sub(1);
        } else if t.starts_with("<details") {
            self.depth += 1;
        }
    }

    pub fn in_fence(&self) -> bool {
        self.fence.is_some()
    }

    pub fn depth(&self) -> usize {
        self.depth
    }

    pub fn is_balanced(&self) -> bool {
        self.fence.is_none() && self.depth == 0
    }

    /// The text that closes whatever is open.
    pub fn closers(&self) -> String {
        let mut s = String::new();
        if let Some(f) = &self.fence {
            s.push_str(&f.text);
            s.push('\n');
        }
        for _ in 0..self.depth {
            s.push_str("\n</details>\n");
        }
        s
    }
}

/// Is every fence closed and every `<details>` matched (as the line scanner sees it)?
pub fn is_balanced(doc: &str) -> bool {
    let mut sc = Scanner::default();
    for l in doc.lines() {
        sc.line(l);
    }
    sc.is_balanced()
}

#[derive(Debug)]
enum Block<'a> {
    Text(&'a str),
    Details(&'a str),
}

/// Split into top-level text and `<details>` blocks (a details block takes the blank lines
/// after it). Concatenating the blocks gives the document back.
fn blocks(doc: &str) -> Vec<Block<'_>> {
    let mut out = Vec::new();
    let mut sc = Scanner::default();
    let mut start = 0; // start of the current block
    let mut in_details = false;
    let mut pos = 0;
    for line in doc.split_inclusive('\n') {
        let before = sc.depth();
        let was_fence = sc.in_fence();
        sc.line(line.trim_end_matches(['\n', '\r']));
        let top_level = before == 0 && !was_fence;
        if in_details && top_level {
            if line.trim().is_empty() {
                // blank lines after `</details>` belong to the block
                pos += line.len();
                continue;
            }
            out.push(Block::Details(&doc[start..pos]));
            start = pos;
            in_details = false;
        }
        if !in_details && top_level && sc.depth() > 0 {
            if pos > start {
                out.push(Block::Text(&doc[start..pos]));
            }
            start = pos;
            in_details = true;
        }
        pos += line.len();
    }
    if pos > start {
        if in_details && sc.depth() == 0 && !sc.in_fence() {
            out.push(Block::Details(&doc[start..pos]));
        } else {
            out.push(Block::Text(&doc[start..pos]));
        }
    }
    out
}

/// Fit `doc` into `budget` (as measured by `m`). See the module documentation.
pub fn fit(doc: &str, budget: usize, m: Measure, notes: &Notes<'_>) -> Fitted {
    if m.len(doc) <= budget {
        return Fitted {
            text: doc.to_string(),
            dropped_details: 0,
            truncated: false,
        };
    }
    // 1. drop <details> blocks from the end
    let bl = blocks(doc);
    let details_idx: Vec<usize> = bl
        .iter()
        .enumerate()
        .filter(|(_, b)| matches!(b, Block::Details(_)))
        .map(|(i, _)| i)
        .collect();
    let mut total = m.len(doc);
    let mut dropped = 0;
    let note_for = |n: usize| format!("{}\n\n", (notes.dropped)(n));
    for &i in details_idx.iter().rev() {
        let Block::Details(t) = bl[i] else {
            unreachable!()
        };
        total -= m.len(t);
        dropped += 1;
        if total + m.len(&note_for(dropped)) <= budget {
            break;
        }
    }
    let assemble = |dropped: usize| -> String {
        let keep_until = details_idx.len() - dropped;
        let first_dropped = details_idx.get(keep_until).copied();
        let mut s = String::new();
        for (i, b) in bl.iter().enumerate() {
            match b {
                Block::Text(t) => s.push_str(t),
                Block::Details(t) => {
                    if Some(i) == first_dropped {
                        if !s.is_empty() && !s.ends_with("\n\n") {
                            s.push_str(if s.ends_with('\n') { "\n" } else { "\n\n" });
                        }
                        s.push_str(&note_for(dropped));
                    }
                    if first_dropped.is_none_or(|f| i < f) {
                        s.push_str(t);
                    }
                }
            }
        }
        s
    };
    let reduced = if dropped > 0 {
        assemble(dropped)
    } else {
        doc.to_string()
    };
    if m.len(&reduced) <= budget {
        return Fitted {
            text: reduced,
            dropped_details: dropped,
            truncated: false,
        };
    }
    // 2. cut at a line boundary, keeping the final paragraph
    let (head, tail) = split_tail(&reduced);
    let tail = if m.len(tail) <= budget / 4 { tail } else { "" };
    let head_src = if tail.is_empty() { &reduced[..] } else { head };
    let note = format!("\n{}\n\n", notes.truncated);
    let fixed = m.len(&note) + m.len(tail);
    let mut sc = Scanner::default();
    let mut kept = 0; // bytes of head_src kept
    let mut kept_len = 0; // measured
    let mut best = (0usize, Scanner::default());
    for line in head_src.split_inclusive('\n') {
        let l = m.len(line);
        let mut next = sc.clone();
        next.line(line.trim_end_matches(['\n', '\r']));
        let need = kept_len + l + m.len(&next.closers()) + fixed;
        if need > budget {
            break;
        }
        kept += line.len();
        kept_len += l;
        sc = next;
        best = (kept, sc.clone());
    }
    let (kept, sc) = best;
    let mut text = head_src[..kept].to_string();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&sc.closers());
    text.push_str(&note);
    text.push_str(tail);
    // a document whose note or tail alone is over budget: last resort, drop the tail
    if m.len(&text) > budget {
        text = notes.truncated.chars().take(budget / 2).collect::<String>();
        text.push('\n');
    }
    Fitted {
        text,
        dropped_details: dropped,
        truncated: true,
    }
}

/// The document's final top-level paragraph (after the last blank line outside fences and
/// details), and what comes before it.
fn split_tail(doc: &str) -> (&str, &str) {
    let mut sc = Scanner::default();
    let mut pos = 0;
    let mut cut = None;
    let body = doc.trim_end();
    for line in body.split_inclusive('\n') {
        sc.line(line.trim_end_matches(['\n', '\r']));
        pos += line.len();
        if line.trim().is_empty() && sc.is_balanced() {
            cut = Some(pos);
        }
    }
    match cut {
        Some(c) if c < body.len() => (&doc[..c], &doc[c..]),
        _ => (doc, ""),
    }
}

/// Code spans, inert text and prose (shared with the plan renderings).
pub use crate::mdtext::{code, inert, prose};

/// A string safe inside an HTML comment (`<!-- … -->`): no `--`, no `>`, one line.
pub fn comment_safe(s: &str) -> String {
    let mut o: String = s
        .chars()
        .map(|c| match c {
            '>' | '<' | '\n' | '\r' => '_',
            c => c,
        })
        .collect();
    while o.contains("--") {
        o = o.replace("--", "-");
    }
    o.trim_end_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notes() -> (Box<dyn Fn(usize) -> String>, &'static str) {
        (
            Box::new(|n| format!("_{n} sections omitted; see the step summary._")),
            "**Truncated**: the rest is in the step summary.",
        )
    }

    fn sample(n: usize) -> String {
        let mut s =
            String::from("## Plan\n\n> [!WARNING]\n> deletes\n\n| a | b |\n| --- | --- |\n");
        for i in 0..n {
            s.push_str(&format!("| `z{i}` | {i} |\n"));
        }
        s.push('\n');
        for i in 0..n {
            s.push_str(&format!(
                "<details><summary>z{i}</summary>\n\n| x | y |\n| --- | --- |\n| `a` | `b` |\n\n`z{i}` A:\n\n````diff\n-old ``` x\n+new\n</details>\n````\n\n</details>\n\n"
            ));
        }
        s.push_str("<sub>checksum `abc`</sub>\n");
        s
    }

    /// What GitHub's parser (as comrak models it) sees: every fence closed, every
    /// `<details>` closed at the level it opened, no inline HTML left open.
    fn comrak_balanced(md: &str) -> bool {
        crate::mdtext::gfm::outline(md).is_ok()
    }

    #[test]
    fn blocks_reassemble_the_document() {
        let d = sample(3);
        let b = blocks(&d);
        let joined: String = b
            .iter()
            .map(|b| match b {
                Block::Text(t) | Block::Details(t) => *t,
            })
            .collect();
        assert_eq!(joined, d);
        assert_eq!(
            b.iter().filter(|b| matches!(b, Block::Details(_))).count(),
            3
        );
        assert!(is_balanced(&d));
    }

    #[test]
    fn fits_and_stays_balanced_at_every_size() {
        let (dropped, truncated) = notes();
        let n = Notes {
            dropped: &*dropped,
            truncated,
        };
        let doc = sample(40);
        let full = doc.len();
        let mut saw_drop = false;
        let mut saw_cut = false;
        for budget in (60..full + 10).step_by(7) {
            for m in [Measure::Bytes, Measure::Utf16] {
                let f = fit(&doc, budget, m, &n);
                assert!(m.len(&f.text) <= budget, "{budget}: {}", m.len(&f.text));
                assert!(is_balanced(&f.text), "unbalanced at {budget}:\n{}", f.text);
                if budget % 5 == 0 {
                    assert!(
                        comrak_balanced(&f.text),
                        "comrak disagrees at {budget}:\n{}",
                        f.text
                    );
                }
                saw_drop |= f.dropped_details > 0 && !f.truncated;
                saw_cut |= f.truncated;
                if f.truncated && budget > 400 {
                    assert!(f.text.contains("checksum `abc`"), "{}", f.text);
                    assert!(f.text.contains("**Truncated**"));
                }
                if f.dropped_details > 0 && !f.truncated {
                    assert!(f.text.contains("sections omitted"));
                }
            }
        }
        assert!(saw_drop && saw_cut);
    }

    #[test]
    fn a_cut_inside_a_fence_closes_it() {
        let (dropped, truncated) = notes();
        let n = Notes {
            dropped: &*dropped,
            truncated,
        };
        let mut doc = String::from("intro\n\n<details><summary>x</summary>\n\n~~~~text\n");
        for i in 0..200 {
            doc.push_str(&format!("line {i} </details> ```\n"));
        }
        doc.push_str("~~~~\n\n</details>\n");
        // the only details block is the whole body: dropping it fits
        let f = fit(&doc, 300, Measure::Bytes, &n);
        assert_eq!(f.dropped_details, 1);
        assert!(is_balanced(&f.text));
        // nested in text instead: must be cut
        let doc2 = format!(
            "> quote\n{}",
            doc.replace("<details><summary>x</summary>", "x")
        );
        let f = fit(&doc2, 300, Measure::Bytes, &n);
        assert!(f.truncated && is_balanced(&f.text), "{}", f.text);
        assert!(f.text.len() <= 300);
    }

    #[test]
    fn inert_text_does_not_mention_or_link() {
        let s = inert("@org/team fixes #123 <script>x</script> `a|b` [l](http://x)");
        let plain = s.replace("&#96;", "").replace("&#124;", "");
        assert!(!plain.contains("@o") && !plain.contains("#1") && !plain.contains('<'));
        assert!(!s.contains('`') && !s.contains('|'));
        assert_eq!(comment_safe("a-->b<!--c\n"), "a-_b_!-c_");
        assert_eq!(code("a|`b"), "``a\\|`b``");
    }
}

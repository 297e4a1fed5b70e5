//! Tests only: markdown parsed as GitHub parses it (comrak with the GFM extensions: table,
//! strikethrough, autolink, tasklist, footnotes, alerts; raw HTML kept) and turned into an
//! outline of its structure, so tests assert what a reviewer sees: which blockquote holds which
//! paragraphs and list items, which table has which columns and rows, which `<details>` holds
//! what. Parsing also checks balance: every fence closed, every `<details>` closed at the level
//! it opened, inline HTML tags closed in the paragraph or cell they open in, and none of the
//! tags GitHub's tag filter removes.
//!
//! In the outline, inline code is written `«code»`, so a backtick in it is one the reader sees.

use comrak::nodes::{AlertType, AstNode, NodeValue};

/// One block of the outline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    Heading(u8, String),
    Paragraph(String),
    /// `> [!WARNING]` and friends: the kind in lower case.
    Alert(String, Vec<Block>),
    Quote(Vec<Block>),
    /// Items, each a list of blocks.
    List(Vec<Vec<Block>>),
    Table {
        header: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    Code {
        info: String,
        text: String,
    },
    /// `<details><summary>…</summary>` … `</details>`.
    Details {
        summary: String,
        body: Vec<Block>,
    },
    /// Any other HTML block (`<sub>…</sub>`, comments).
    Html(String),
    Rule,
}

/// GitHub's options, as comrak models them.
pub fn options() -> comrak::Options<'static> {
    let mut o = comrak::Options::default();
    o.extension.table = true;
    o.extension.strikethrough = true;
    o.extension.autolink = true;
    o.extension.tasklist = true;
    o.extension.footnotes = true;
    o.extension.alerts = true;
    o.render.r#unsafe = true;
    o
}

/// The tags GitHub's tag filter disables.
const FILTERED: [&str; 9] = [
    "title",
    "textarea",
    "style",
    "xmp",
    "iframe",
    "noembed",
    "noframes",
    "script",
    "plaintext",
];

/// Void elements: no closing tag.
const VOID: [&str; 4] = ["br", "hr", "img", "wbr"];

/// The tags of an HTML fragment in order: (name, closing?). Comments are skipped.
fn tags(html: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        if let Some(r) = rest.strip_prefix("!--") {
            rest = r.find("-->").map_or("", |j| &r[j + 3..]);
            continue;
        }
        let closing = rest.starts_with('/');
        let name: String = rest
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if !name.is_empty() {
            out.push((name, closing));
        }
    }
    out
}

fn check_tag(name: &str) -> Result<(), String> {
    if FILTERED.contains(&name) {
        return Err(format!("<{name}> is removed by GitHub's tag filter"));
    }
    Ok(())
}

/// Inline text of a node: text, `«code»`, ` / ` for a line break, inline HTML checked for
/// balance (within this node) and left out.
fn inline<'a>(node: &'a AstNode<'a>) -> Result<String, String> {
    let mut s = String::new();
    let mut open: Vec<String> = Vec::new();
    fn walk<'a>(n: &'a AstNode<'a>, s: &mut String, open: &mut Vec<String>) -> Result<(), String> {
        for c in n.children() {
            match &c.data.borrow().value {
                NodeValue::Text(t) => s.push_str(t),
                NodeValue::Code(code) => {
                    s.push('«');
                    s.push_str(&code.literal);
                    s.push('»');
                }
                NodeValue::SoftBreak => s.push(' '),
                NodeValue::LineBreak => s.push_str(" / "),
                NodeValue::HtmlInline(h) => {
                    for (name, closing) in tags(h) {
                        check_tag(&name)?;
                        if name == "br" {
                            s.push_str(" / ");
                        }
                        if VOID.contains(&name.as_str()) {
                            continue;
                        }
                        if closing {
                            if open.pop().as_deref() != Some(name.as_str()) {
                                return Err(format!("</{name}> closes nothing in {s:?}"));
                            }
                        } else {
                            open.push(name);
                        }
                    }
                }
                _ => {}
            }
            walk(c, s, open)?;
        }
        Ok(())
    }
    walk(node, &mut s, &mut open)?;
    if let Some(t) = open.last() {
        return Err(format!("<{t}> left open in {s:?}"));
    }
    Ok(s.trim().to_string())
}

/// An open `<details>`: its summary, the blocks so far, and the container it opened in.
struct Frame {
    summary: String,
    body: Vec<Block>,
}

fn blocks<'a>(parent: &'a AstNode<'a>) -> Result<Vec<Block>, String> {
    let mut stack: Vec<Frame> = Vec::new();
    let mut out: Vec<Block> = Vec::new();
    fn push(stack: &mut [Frame], out: &mut Vec<Block>, b: Block) {
        match stack.last_mut() {
            Some(f) => f.body.push(b),
            None => out.push(b),
        }
    }
    for n in parent.children() {
        let value = n.data.borrow().value.clone();
        let b = match value {
            NodeValue::Heading(h) => Block::Heading(h.level, inline(n)?),
            NodeValue::Paragraph => Block::Paragraph(inline(n)?),
            NodeValue::BlockQuote => Block::Quote(blocks(n)?),
            NodeValue::Alert(a) => {
                let kind = match a.alert_type {
                    AlertType::Note => "note",
                    AlertType::Tip => "tip",
                    AlertType::Important => "important",
                    AlertType::Warning => "warning",
                    AlertType::Caution => "caution",
                };
                Block::Alert(kind.into(), blocks(n)?)
            }
            NodeValue::List(_) => {
                let mut items = Vec::new();
                for item in n.children() {
                    items.push(blocks(item)?);
                }
                Block::List(items)
            }
            NodeValue::Table(_) => {
                let mut header = Vec::new();
                let mut rows = Vec::new();
                for row in n.children() {
                    let is_header = matches!(row.data.borrow().value, NodeValue::TableRow(true));
                    let cells = row.children().map(inline).collect::<Result<Vec<_>, _>>()?;
                    if is_header {
                        header = cells;
                    } else {
                        rows.push(cells);
                    }
                }
                Block::Table { header, rows }
            }
            NodeValue::CodeBlock(cb) => {
                if cb.fenced && !cb.closed {
                    return Err(format!("unclosed fence:\n{}", cb.literal));
                }
                Block::Code {
                    info: cb.info.clone(),
                    text: cb.literal.trim_end_matches('\n').to_string(),
                }
            }
            NodeValue::ThematicBreak => Block::Rule,
            NodeValue::HtmlBlock(h) => {
                let lit = h.literal.trim_end().to_string();
                let mut other = false;
                for (name, closing) in tags(&lit) {
                    check_tag(&name)?;
                    match (name.as_str(), closing) {
                        ("details", false) => stack.push(Frame {
                            summary: String::new(),
                            body: Vec::new(),
                        }),
                        ("details", true) => {
                            let f = stack
                                .pop()
                                .ok_or("</details> closes nothing at its level")?;
                            push(
                                &mut stack,
                                &mut out,
                                Block::Details {
                                    summary: f.summary,
                                    body: f.body,
                                },
                            );
                        }
                        ("summary", _) => {}
                        _ => other = true,
                    }
                }
                if let (Some(f), Some(a), Some(b)) = (
                    stack.last_mut(),
                    lit.find("<summary>"),
                    lit.find("</summary>"),
                ) && f.summary.is_empty()
                    && f.body.is_empty()
                    && a < b
                {
                    f.summary = lit[a + "<summary>".len()..b].to_string();
                }
                if !other {
                    continue;
                }
                Block::Html(lit)
            }
            NodeValue::Item(_) | NodeValue::TaskItem(_) => Block::List(vec![blocks(n)?]),
            NodeValue::FootnoteDefinition(_) => Block::Quote(blocks(n)?),
            other => return Err(format!("unexpected block {other:?}")),
        };
        push(&mut stack, &mut out, b);
    }
    if !stack.is_empty() {
        return Err(format!("{} <details> left open", stack.len()));
    }
    Ok(out)
}

/// Parse `md` as GitHub does; the outline, or what is unbalanced.
pub fn outline(md: &str) -> Result<Vec<Block>, String> {
    let arena = comrak::Arena::new();
    let root = comrak::parse_document(&arena, md, &options());
    blocks(root)
}

/// The outline of a balanced document (panics with the reason and the document otherwise).
pub fn parse(md: &str) -> Vec<Block> {
    outline(md).unwrap_or_else(|e| panic!("{e}\n--- document ---\n{md}"))
}

/// The outline as indented text, for snapshots.
pub fn text(blocks: &[Block]) -> String {
    fn go(b: &[Block], depth: usize, out: &mut String) {
        let pad = "  ".repeat(depth);
        for b in b {
            match b {
                Block::Heading(l, t) => out.push_str(&format!("{pad}h{l} {t}\n")),
                Block::Paragraph(t) => out.push_str(&format!("{pad}p {t}\n")),
                Block::Alert(k, body) => {
                    out.push_str(&format!("{pad}alert {k}\n"));
                    go(body, depth + 1, out);
                }
                Block::Quote(body) => {
                    out.push_str(&format!("{pad}quote\n"));
                    go(body, depth + 1, out);
                }
                Block::List(items) => {
                    out.push_str(&format!("{pad}list\n"));
                    for i in items {
                        out.push_str(&format!("{pad}  item\n"));
                        go(i, depth + 2, out);
                    }
                }
                Block::Table { header, rows } => {
                    out.push_str(&format!("{pad}table | {} |\n", header.join(" | ")));
                    for r in rows {
                        out.push_str(&format!("{pad}  | {} |\n", r.join(" | ")));
                    }
                }
                Block::Code { info, text } => out.push_str(&format!(
                    "{pad}code {info} ({} lines)\n",
                    text.lines().count()
                )),
                Block::Details { summary, body } => {
                    out.push_str(&format!("{pad}details {summary}\n"));
                    go(body, depth + 1, out);
                }
                Block::Html(h) => out.push_str(&format!("{pad}html {}\n", h.replace('\n', " "))),
                Block::Rule => out.push_str(&format!("{pad}rule\n")),
            }
        }
    }
    let mut out = String::new();
    go(blocks, 0, &mut out);
    out
}

/// Every block of the outline, depth first (details, alerts, quotes and lists opened).
pub fn flatten(blocks: &[Block]) -> Vec<&Block> {
    let mut out = Vec::new();
    for b in blocks {
        out.push(b);
        match b {
            Block::Alert(_, body) | Block::Quote(body) | Block::Details { body, .. } => {
                out.extend(flatten(body))
            }
            Block::List(items) => {
                for i in items {
                    out.extend(flatten(i));
                }
            }
            _ => {}
        }
    }
    out
}

/// The tables of the outline, at any depth.
pub fn tables(blocks: &[Block]) -> Vec<(&[String], &[Vec<String>])> {
    flatten(blocks)
        .into_iter()
        .filter_map(|b| match b {
            Block::Table { header, rows } => Some((header.as_slice(), rows.as_slice())),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blockquote_after_a_list_without_a_blank_line_is_merged_into_the_item() {
        // the bug this module exists to catch: a lazy continuation line
        let bad = parse("> [!WARNING]\n> - a\n> forced\n");
        assert_eq!(
            bad,
            vec![Block::Alert(
                "warning".into(),
                vec![Block::List(vec![vec![Block::Paragraph("a forced".into())]])]
            )]
        );
        let good = parse("> [!WARNING]\n> - a\n>\n> forced\n");
        assert_eq!(
            good,
            vec![Block::Alert(
                "warning".into(),
                vec![
                    Block::List(vec![vec![Block::Paragraph("a".into())]]),
                    Block::Paragraph("forced".into())
                ]
            )]
        );
    }

    #[test]
    fn details_tables_and_code_are_outlined() {
        let md = "<details><summary>z</summary>\n\n| a | b |\n| --- | --- |\n| `x` | y<br>z |\n\n```diff\n-a\n+b\n```\n\n</details>\n\n<sub>checksum `c`</sub>\n";
        let o = parse(md);
        assert_eq!(
            text(&o),
            "details z\n  table | a | b |\n    | «x» | y / z |\n  code diff (2 lines)\np checksum «c»\n"
        );
    }

    #[test]
    fn unbalanced_documents_are_refused() {
        assert!(outline("<details><summary>x</summary>\n\ntext\n").is_err());
        assert!(outline("</details>\n").is_err());
        assert!(outline("```\nopen\n").is_err());
        assert!(outline("a <sub>b\n").is_err());
        assert!(outline("a <script>b</script>\n").is_err());
        // a <details> closed inside a blockquote it did not open in
        assert!(outline("<details><summary>x</summary>\n\n> </details>\n").is_err());
        assert!(outline("a <sub>b</sub> `<x>`\n").is_ok());
    }
}

//! The module layering, enforced. `src/lib.rs`'s header holds the one layer table (module →
//! the modules it may use, each naming only rows above its own); this test reads it and every
//! `src/**/*.rs`, and fails naming file:line for:
//! - a `crate::<module>` path (or a `super::` path climbing out of its module) that the table
//!   does not allow, unless it is one of the header's listed exceptions;
//! - a top-level module missing from the table, or a row naming a module that is not there;
//! - a row naming a module below itself (the table would allow a cycle);
//! - a module whose `//!` header has a `Rule:` paragraph that does not name (in backticks) every
//!   module the module uses, so each header stays true;
//! - printing (`print!`, `println!`, `eprint!`, `eprintln!`, `dbg!`) outside `src/cli/` and
//!   `src/main.rs`: the library reports through return values, `engine::Progress` and
//!   `tracing`, and prints nothing of its own.
//!
//! Comments and string literals are skipped, so doc links and messages never count as uses.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The source with comments and the insides of string and character literals blanked (spaces,
/// newlines kept), so byte offsets and line numbers stay those of the file.
fn code_only(src: &str) -> Vec<u8> {
    let b = src.as_bytes();
    let mut out = b.to_vec();
    let blank = |out: &mut Vec<u8>, from: usize, to: usize| {
        for c in &mut out[from..to] {
            if *c != b'\n' {
                *c = b' ';
            }
        }
    };
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'/' && b.get(i + 1) == Some(&b'/') {
            let end = b[i..]
                .iter()
                .position(|&c| c == b'\n')
                .map_or(b.len(), |n| i + n);
            blank(&mut out, i, end);
            i = end;
        } else if c == b'/' && b.get(i + 1) == Some(&b'*') {
            let (mut depth, mut j) = (1, i + 2);
            while j < b.len() && depth > 0 {
                if b[j] == b'/' && b.get(j + 1) == Some(&b'*') {
                    depth += 1;
                    j += 2;
                } else if b[j] == b'*' && b.get(j + 1) == Some(&b'/') {
                    depth -= 1;
                    j += 2;
                } else {
                    j += 1;
                }
            }
            blank(&mut out, i, j);
            i = j;
        } else if c == b'r'
            && (i == 0 || !ident(b[i - 1]) || (b[i - 1] == b'b' && (i < 2 || !ident(b[i - 2]))))
            && matches!(b.get(i + 1), Some(b'"') | Some(b'#'))
            && {
                let hashes = b[i + 1..].iter().take_while(|&&c| c == b'#').count();
                b.get(i + 1 + hashes) == Some(&b'"')
            }
        {
            // raw string r#"…"#
            let hashes = b[i + 1..].iter().take_while(|&&c| c == b'#').count();
            let body = i + 2 + hashes;
            let close: Vec<u8> = std::iter::once(b'"')
                .chain(std::iter::repeat_n(b'#', hashes))
                .collect();
            let end = b[body..]
                .windows(close.len())
                .position(|w| w == close.as_slice())
                .map_or(b.len(), |n| body + n + close.len());
            blank(&mut out, body, end.saturating_sub(close.len()).max(body));
            i = end;
        } else if c == b'"' {
            let mut j = i + 1;
            while j < b.len() && b[j] != b'"' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            blank(&mut out, i + 1, j.min(b.len()));
            i = j + 1;
        } else if c == b'\'' {
            // a character literal, or a lifetime / label (left alone)
            if b.get(i + 1) == Some(&b'\\') {
                let mut j = i + 3;
                while j < b.len() && b[j] != b'\'' {
                    j += 1;
                }
                blank(&mut out, i + 1, j.min(b.len()));
                i = j + 1;
            } else {
                let len = src[i + 1..].chars().next().map_or(1, char::len_utf8);
                if b.get(i + 1 + len) == Some(&b'\'') {
                    blank(&mut out, i + 1, i + 1 + len);
                    i += 2 + len;
                } else {
                    i += 1;
                }
            }
        } else {
            i += 1;
        }
    }
    out
}

#[derive(Debug, PartialEq)]
enum Tok {
    Ident(String),
    Punct(u8),
}

/// Identifiers and single punctuation bytes, each with its line.
fn tokens(code: &[u8]) -> Vec<(Tok, usize)> {
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    while i < code.len() {
        let c = code[i];
        if c == b'\n' {
            line += 1;
            i += 1;
        } else if c.is_ascii_whitespace() {
            i += 1;
        } else if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 {
            let start = i;
            while i < code.len()
                && (code[i].is_ascii_alphanumeric() || code[i] == b'_' || code[i] >= 0x80)
            {
                i += 1;
            }
            let word = String::from_utf8_lossy(&code[start..i]).into_owned();
            out.push((Tok::Ident(word), line));
        } else if c.is_ascii_digit() {
            while i < code.len() && (code[i].is_ascii_alphanumeric() || code[i] == b'_') {
                i += 1;
            }
        } else {
            out.push((Tok::Punct(c), line));
            i += 1;
        }
    }
    out
}

fn is_ident(t: Option<&(Tok, usize)>, w: &str) -> bool {
    matches!(t, Some((Tok::Ident(s), _)) if s == w)
}

fn is_punct(t: Option<&(Tok, usize)>, c: u8) -> bool {
    matches!(t, Some((Tok::Punct(p), _)) if *p == c)
}

fn is_path_sep(toks: &[(Tok, usize)], i: usize) -> bool {
    is_punct(toks.get(i), b':') && is_punct(toks.get(i + 1), b':')
}

/// The module path a file's top is in: `src/verify/table.rs` → `verify::table`.
fn file_module(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap_or_default();
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" && stem != "main" {
        parts.push(stem.to_string());
    }
    parts
}

/// The first segment of every item of the `{…}` group starting at `toks[i]` (`{a::b, c}` →
/// a, c), with the index just past the group.
fn group_heads(toks: &[(Tok, usize)], mut i: usize) -> (Vec<(String, usize)>, usize) {
    let mut heads = Vec::new();
    let mut depth = 0;
    let mut item_start = true;
    while i < toks.len() {
        match &toks[i].0 {
            Tok::Punct(b'{') => {
                depth += 1;
                item_start = depth == 1;
            }
            Tok::Punct(b'}') => {
                depth -= 1;
                if depth == 0 {
                    return (heads, i + 1);
                }
            }
            Tok::Punct(b',') if depth == 1 => item_start = true,
            Tok::Ident(w) if depth == 1 && item_start => {
                heads.push((w.clone(), toks[i].1));
                item_start = false;
            }
            _ => {}
        }
        i += 1;
    }
    (heads, i)
}

/// One use of a top-level module from a file: (line, module, how it was written).
type Use = (usize, String, String);

/// The top-level modules a file's code names through `crate::` or a `super::` chain that
/// leaves the file's own top-level module.
fn uses(rel: &Path, code: &[u8]) -> Vec<Use> {
    let toks = tokens(code);
    let file_mod = file_module(rel);
    // inline `mod name { … }` blocks: (name, brace depth inside)
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        match &toks[i].0 {
            Tok::Punct(b'{') => depth += 1,
            Tok::Punct(b'}') => {
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
                depth = depth.saturating_sub(1);
            }
            Tok::Ident(w)
                if w == "mod"
                    && matches!(toks.get(i + 1), Some((Tok::Ident(_), _)))
                    && is_punct(toks.get(i + 2), b'{') =>
            {
                if let Some((Tok::Ident(name), _)) = toks.get(i + 1) {
                    inline.push((name.clone(), depth + 1));
                }
            }
            Tok::Ident(w)
                if w == "crate"
                    && !is_punct(i.checked_sub(1).and_then(|p| toks.get(p)), b'$')
                    && is_path_sep(&toks, i + 1) =>
            {
                let line = toks[i].1;
                match toks.get(i + 3) {
                    Some((Tok::Ident(m), _)) => {
                        out.push((line, m.clone(), format!("crate::{m}")));
                    }
                    Some((Tok::Punct(b'{'), _)) => {
                        let (heads, _) = group_heads(&toks, i + 3);
                        for (m, l) in heads {
                            out.push((l, m.clone(), format!("crate::{{{m}, …}}")));
                        }
                    }
                    _ => {}
                }
            }
            Tok::Ident(w) if w == "super" => {
                // only the start of a chain
                let prev_sep = i >= 2 && is_path_sep(&toks, i - 2);
                if !prev_sep {
                    let mut n = 0;
                    let mut j = i;
                    while is_ident(toks.get(j), "super") && is_path_sep(&toks, j + 1) {
                        n += 1;
                        j += 3;
                    }
                    let mut here: Vec<String> = file_mod.clone();
                    here.extend(inline.iter().map(|(m, _)| m.clone()));
                    if n > 0 && n <= here.len() {
                        let base = &here[..here.len() - n];
                        let written = format!("{}…", "super::".repeat(n));
                        match (base.first(), toks.get(j)) {
                            (Some(top), _) => out.push((toks[i].1, top.clone(), written)),
                            (None, Some((Tok::Ident(m), _))) => {
                                out.push((toks[i].1, m.clone(), written))
                            }
                            (None, Some((Tok::Punct(b'{'), _))) => {
                                let (heads, _) = group_heads(&toks, j);
                                for (m, l) in heads {
                                    out.push((l, m, written.clone()));
                                }
                            }
                            _ => {}
                        }
                    }
                    i = j.max(i + 1);
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// The layer table and its exceptions, as src/lib.rs's header states them.
struct Table {
    /// Rows in order: module → the modules it may use.
    rows: Vec<(String, BTreeSet<String>)>,
    /// (module, used module, file) allowed anyway.
    exceptions: Vec<(String, String, String)>,
}

/// Every `` `name` `` in a line.
fn ticked(s: &str) -> Vec<String> {
    s.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

fn read_table(lib: &str) -> Table {
    let header: Vec<&str> = lib
        .lines()
        .take_while(|l| l.starts_with("//!"))
        .map(|l| l.trim_start_matches("//!").trim())
        .collect();
    let start = header
        .iter()
        .position(|l| l.replace(' ', "") == "|module|mayuse|")
        .expect("src/lib.rs's header has the layer table (`| module | may use |`)");
    let mut rows: Vec<(String, BTreeSet<String>)> = Vec::new();
    for l in header[start + 2..]
        .iter()
        .take_while(|l| l.starts_with('|'))
    {
        let cells: Vec<&str> = l.trim_matches('|').split('|').map(str::trim).collect();
        assert_eq!(
            cells.len(),
            2,
            "src/lib.rs layer table row {l:?}: two cells"
        );
        let module = ticked(cells[0]);
        assert_eq!(
            module.len(),
            1,
            "src/lib.rs layer table row {l:?}: one `module`"
        );
        let may: BTreeSet<String> = if cells[1] == "all of the above" {
            rows.iter().map(|(m, _)| m.clone()).collect()
        } else {
            ticked(cells[1]).into_iter().collect()
        };
        rows.push((module[0].clone(), may));
    }
    let mut exceptions = Vec::new();
    let ex = header
        .iter()
        .position(|l| l.starts_with("Exceptions"))
        .expect("src/lib.rs's header lists the exceptions to the layer table (`Exceptions`)");
    // items `- …`, each perhaps continued on the lines below it, up to a blank line
    let mut items: Vec<String> = Vec::new();
    for l in header[ex + 1..]
        .iter()
        .skip_while(|l| l.is_empty())
        .take_while(|l| !l.is_empty())
    {
        match (l.strip_prefix("- "), items.last_mut()) {
            (Some(item), _) => items.push(item.to_string()),
            (None, Some(last)) => {
                last.push(' ');
                last.push_str(l);
            }
            (None, None) => break,
        }
    }
    for item in &items {
        let t = ticked(item);
        assert!(
            t.len() >= 3 && item.contains('→'),
            "src/lib.rs exception {item:?}: `module` → `used` in `src/file.rs`: why"
        );
        exceptions.push((t[0].clone(), t[1].clone(), t[2].clone()));
    }
    Table { rows, exceptions }
}

/// The `Rule:` paragraph of a `//!` header, if it has one.
fn rule_paragraph(text: &str) -> Option<String> {
    let header: Vec<&str> = text
        .lines()
        .take_while(|l| l.starts_with("//!"))
        .map(|l| l.trim_start_matches("//!").trim())
        .collect();
    let start = header.iter().position(|l| l.starts_with("Rule:"))?;
    Some(
        header[start..]
            .iter()
            .take_while(|l| !l.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" "),
    )
}

/// The top-level modules `src/lib.rs` declares.
fn declared(lib: &str) -> BTreeSet<String> {
    lib.lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod "))
        .map(|m| m.trim_end_matches(';').trim().to_string())
        .collect()
}

#[test]
fn every_dependency_goes_down_the_layer_table() {
    let root = src();
    let lib = std::fs::read_to_string(root.join("lib.rs")).unwrap();
    let table = read_table(&lib);
    let mut problems = Vec::new();

    // the table: every declared module once, each naming only rows above it
    let declared = declared(&lib);
    let mut seen = BTreeMap::new();
    for (i, (m, may)) in table.rows.iter().enumerate() {
        if seen.insert(m.clone(), i).is_some() {
            problems.push(format!("src/lib.rs: `{m}` has two rows in the layer table"));
        }
        if !declared.contains(m) {
            problems.push(format!(
                "src/lib.rs: the layer table has `{m}`, which is not a module of the crate"
            ));
        }
        for u in may {
            if !table.rows[..i].iter().any(|(r, _)| r == u) {
                problems.push(format!(
                    "src/lib.rs: `{m}` may use `{u}`, which is not a row above it: the table \
                     must point one way"
                ));
            }
        }
    }
    for m in &declared {
        if !seen.contains_key(m) {
            problems.push(format!(
                "src/lib.rs: module `{m}` has no row in the layer table; add one saying what \
                 it may use"
            ));
        }
    }
    let allowed: BTreeMap<&str, &BTreeSet<String>> =
        table.rows.iter().map(|(m, u)| (m.as_str(), u)).collect();

    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let mut used: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut exceptions_used = BTreeSet::new();
    for path in &files {
        let rel = path.strip_prefix(&root).unwrap();
        let shown = format!("src/{}", rel.display());
        let text = std::fs::read_to_string(path).unwrap();
        let code = code_only(&text);
        let module = file_module(rel);
        let Some(top) = module.first() else {
            continue; // lib.rs, main.rs
        };
        for (line, m, written) in uses(rel, &code) {
            if &m == top {
                continue;
            }
            if !declared.contains(&m) {
                problems.push(format!(
                    "{shown}:{line}: {written} names `{m}`, not a module of the crate"
                ));
                continue;
            }
            let exception = table
                .exceptions
                .iter()
                .position(|(f, t, file)| f == top && *t == m && *file == shown);
            if let Some(e) = exception {
                exceptions_used.insert(e);
                continue;
            }
            used.entry(top.clone()).or_default().insert(m.clone());
            if !allowed.get(top.as_str()).is_some_and(|a| a.contains(&m)) {
                problems.push(format!(
                    "{shown}:{line}: `{top}` uses `{m}` ({written}), which its row in \
                     src/lib.rs's layer table does not allow"
                ));
            }
        }
        // printing belongs to the command line
        if top != "cli" {
            let toks = tokens(&code);
            for (i, (t, line)) in toks.iter().enumerate() {
                if let Tok::Ident(w) = t
                    && matches!(
                        w.as_str(),
                        "print" | "println" | "eprint" | "eprintln" | "dbg"
                    )
                    && is_punct(toks.get(i + 1), b'!')
                {
                    problems.push(format!(
                        "{shown}:{line}: `{w}!` in the library: return it to the caller, \
                         report it through `engine::Progress`, or log it with `tracing`"
                    ));
                }
            }
        }
    }
    for (i, (f, t, file)) in table.exceptions.iter().enumerate() {
        if !exceptions_used.contains(&i) {
            problems.push(format!(
                "src/lib.rs: the exception `{f}` → `{t}` in {file} is no longer needed; \
                 remove it"
            ));
        }
    }

    // each module's own header names what it uses
    for (m, u) in &used {
        let file = [root.join(format!("{m}.rs")), root.join(m).join("mod.rs")]
            .into_iter()
            .find(|p| p.exists())
            .unwrap();
        let shown = format!("src/{}", file.strip_prefix(&root).unwrap().display());
        let text = std::fs::read_to_string(&file).unwrap();
        let Some(rule) = rule_paragraph(&text) else {
            problems.push(format!(
                "{shown}: the `//!` header has no `Rule:` paragraph saying what `{m}` uses"
            ));
            continue;
        };
        if rule.contains("every module") {
            continue;
        }
        let named: BTreeSet<String> = ticked(&rule).into_iter().collect();
        let missing: Vec<&String> = u.iter().filter(|x| !named.contains(*x)).collect();
        if !missing.is_empty() {
            problems.push(format!(
                "{shown}: the header's `Rule:` does not name {} though `{m}` uses {}",
                missing
                    .iter()
                    .map(|x| format!("`{x}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                if missing.len() == 1 { "it" } else { "them" }
            ));
        }
    }
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

/// The scanner itself: what counts as a use and what does not.
#[test]
fn the_scanner_finds_uses_in_code_only() {
    let text = r####"//! Rule: a doc link [`crate::doc`] is no use.
use crate::model::Zone;
use crate::{plan::{self, Plan}, diag};
pub(crate) fn f() -> crate::render::Context {
    let s = "crate::strings";
    let r = r#"crate::raw "quoted" "#;
    let c = '"'; let l: &'static str = "x"; // crate::comment
    /* crate::block /* nested */ crate::still */
    macro_rules! m { () => { $crate::macros } }
    super::sibling();
    mod tests {
        use super::super::verify::x;
        fn g() { super::super::super::config::load(); }
    }
    eprintln!("{}", crate::secret::x);
}
"####;
    let code = code_only(text);
    assert_eq!(code.len(), text.len());
    let found: Vec<(usize, String)> = uses(Path::new("engine/run.rs"), &code)
        .into_iter()
        .map(|(l, m, _)| (l, m))
        .collect();
    let want: Vec<(usize, String)> = [
        (2, "model"),
        (3, "plan"),
        (3, "diag"),
        (4, "render"),
        (10, "engine"),
        (12, "engine"),
        (13, "config"),
        (15, "secret"),
    ]
    .into_iter()
    .map(|(l, m)| (l, m.to_string()))
    .collect();
    assert_eq!(found, want);

    let table = read_table(
        "//! | module | may use |\n//! | --- | --- |\n//! | `a` | |\n//! | `b` | `a` |\n\
         //! | `c` | all of the above |\n//!\n//! Exceptions:\n//! - `a` → `c` in `src/a/t.rs`: why,\n\
         //!   at length\n//! - `b` → `c` in `src/b.rs`: and why\n",
    );
    let rows: Vec<(&str, Vec<&str>)> = table
        .rows
        .iter()
        .map(|(m, u)| (m.as_str(), u.iter().map(String::as_str).collect()))
        .collect();
    assert_eq!(
        rows,
        [("a", vec![]), ("b", vec!["a"]), ("c", vec!["a", "b"])]
    );
    assert_eq!(
        table.exceptions,
        [
            ("a".into(), "c".into(), "src/a/t.rs".into()),
            ("b".into(), "c".into(), "src/b.rs".into())
        ]
    );
}

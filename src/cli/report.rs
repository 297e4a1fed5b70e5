//! Printing diagnostics: text (with the offending line, like a compiler), JSON, or GitHub
//! annotations.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};

use serde::Serialize;

use super::DiagFormat;
use crate::diag::{Diagnostic, Severity};

/// The stable JSON shape of `dnsplan validate --format json` (docs/validate-json.md).
#[derive(Serialize)]
pub struct JsonReport<'a> {
    pub version: u32,
    pub ok: bool,
    pub errors: usize,
    pub warnings: usize,
    pub diagnostics: Vec<JsonDiag<'a>>,
}

#[derive(Serialize)]
pub struct JsonDiag<'a> {
    pub file: &'a str,
    pub line: u32,
    pub column: u32,
    pub severity: Severity,
    pub rule: &'a str,
    pub subject: &'a str,
    pub message: &'a str,
}

pub fn json(diags: &[Diagnostic]) -> String {
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let r = JsonReport {
        version: 1,
        ok: errors == 0,
        errors,
        warnings: diags.len() - errors,
        diagnostics: diags
            .iter()
            .map(|d| JsonDiag {
                file: &d.pos.file,
                line: d.pos.line,
                column: d.pos.col,
                severity: d.severity,
                rule: &d.rule,
                subject: &d.subject,
                message: &d.message,
            })
            .collect(),
    };
    serde_json::to_string_pretty(&r).unwrap_or_default()
}

pub fn github(diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diags {
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let msg = if d.subject.is_empty() {
            d.message.clone()
        } else {
            format!("{}: {}", d.subject, d.message)
        };
        out.push_str(&crate::github::annotation(
            level,
            &d.pos.file,
            d.pos.line,
            d.pos.col,
            &d.rule,
            &msg,
        ));
        out.push('\n');
    }
    out
}

/// Compiler-style text: header, location, the source line and a caret.
pub fn text(diags: &[Diagnostic], color: bool) -> String {
    let (red, yellow, blue, bold, reset) = if color {
        ("\x1b[31m", "\x1b[33m", "\x1b[34m", "\x1b[1m", "\x1b[0m")
    } else {
        ("", "", "", "", "")
    };
    let mut files: HashMap<&str, Option<Vec<String>>> = HashMap::new();
    let mut out = String::new();
    for d in diags {
        let (label, c) = match d.severity {
            Severity::Error => ("error", red),
            Severity::Warning => ("warning", yellow),
        };
        let subject = if d.subject.is_empty() {
            String::new()
        } else {
            format!("{}: ", d.subject)
        };
        out.push_str(&format!(
            "{c}{bold}{label}[{}]{reset}{bold}: {subject}{}{reset}\n",
            d.rule, d.message
        ));
        if d.pos.file.is_empty() {
            out.push('\n');
            continue;
        }
        if d.pos.line == 0 {
            out.push_str(&format!("  {blue}-->{reset} {}\n\n", d.pos.file));
            continue;
        }
        out.push_str(&format!(
            "  {blue}-->{reset} {}:{}:{}\n",
            d.pos.file, d.pos.line, d.pos.col
        ));
        let lines = files.entry(&d.pos.file).or_insert_with(|| {
            std::fs::read_to_string(&*d.pos.file)
                .ok()
                .map(|t| t.lines().map(str::to_string).collect())
        });
        if let Some(lines) = lines
            && let Some(line) = lines.get(d.pos.line as usize - 1)
        {
            let num = d.pos.line.to_string();
            let pad = " ".repeat(num.len());
            let shown: String = line.chars().take(200).collect();
            let caret_at = (d.pos.col as usize)
                .saturating_sub(1)
                .min(shown.chars().count());
            let prefix: String = shown
                .chars()
                .take(caret_at)
                .map(|ch| if ch == '\t' { '\t' } else { ' ' })
                .collect();
            out.push_str(&format!("{blue}{pad} |{reset}\n"));
            out.push_str(&format!("{blue}{num} |{reset} {shown}\n"));
            out.push_str(&format!("{blue}{pad} |{reset} {prefix}{c}^{reset}\n"));
        }
        out.push('\n');
    }
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let warnings = diags.len() - errors;
    if errors == 0 && warnings == 0 {
        out.push_str("ok: no problems found\n");
    } else {
        out.push_str(&format!(
            "{bold}{errors} error{}, {warnings} warning{}{reset}\n",
            if errors == 1 { "" } else { "s" },
            if warnings == 1 { "" } else { "s" }
        ));
    }
    out
}

pub fn print(diags: &[Diagnostic], format: DiagFormat) {
    let s = match format {
        DiagFormat::Text => text(diags, std::io::stdout().is_terminal()),
        DiagFormat::Json => json(diags) + "\n",
        DiagFormat::Github => github(diags),
    };
    let _ = std::io::stdout().lock().write_all(s.as_bytes());
}

/// Problems found while preparing another command: text to standard error.
pub fn print_stderr(diags: &[Diagnostic]) {
    let s = text(diags, std::io::stderr().is_terminal());
    let _ = std::io::stderr().lock().write_all(s.as_bytes());
}

//! Diagnostics: one problem, where it is, which rule found it, in a plain sentence.
//!
//! Rule: below everything but `yaml`; every module that finds problems in user input reports
//! them as `Diagnostic`s so they can all be shown at once.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use crate::yaml::{Pos, YamlError};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub pos: Pos,
    pub severity: Severity,
    /// Stable rule id: octoDNS's validator id where one exists (`name-rfc`, `dynamic`), else
    /// ours (`yaml-duplicate-key`, `config-unknown-class`).
    pub rule: String,
    pub message: String,
    /// What it is about: `"www.example.com. A"`, a zone, or a provider; may be empty.
    pub subject: String,
}

/// A position whose file is shown the same way by every output: a leading `./` (a config at
/// `./config.yaml`, a provider `directory: ./zones`) is dropped, so annotations, tables and
/// JSON all name `zones/example.com.yaml`.
fn tidy(mut pos: Pos) -> Pos {
    if pos.file.starts_with("./") {
        let mut f: &str = &pos.file;
        while let Some(rest) = f.strip_prefix("./") {
            f = rest.trim_start_matches('/');
        }
        pos.file = Arc::from(f);
    }
    pos
}

impl Diagnostic {
    pub fn error(pos: Pos, rule: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            pos: tidy(pos),
            severity: Severity::Error,
            rule: rule.into(),
            message: message.into(),
            subject: String::new(),
        }
    }

    pub fn warning(pos: Pos, rule: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(pos, rule, message)
        }
    }

    pub fn with_subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = subject.into();
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl From<YamlError> for Diagnostic {
    fn from(e: YamlError) -> Self {
        Diagnostic::error(e.pos, e.rule, e.message)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{}: {sev}[{}]: ", self.pos, self.rule)?;
        if !self.subject.is_empty() {
            write!(f, "{}: ", self.subject)?;
        }
        f.write_str(&self.message)
    }
}

/// Ready a finished list for display: sorted by file, line, column, rule and message, and the
/// same problem found twice (a file included from two places) kept once.
pub fn normalize(diags: &mut Vec<Diagnostic>) {
    diags.sort_by(|a, b| {
        (&a.pos.file, a.pos.line, a.pos.col, &a.rule, &a.message).cmp(&(
            &b.pos.file,
            b.pos.line,
            b.pos.col,
            &b.rule,
            &b.message,
        ))
    });
    diags.dedup();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_named_without_a_dot_slash_prefix() {
        let f: Arc<str> = Arc::from("././zones/example.com.yaml");
        let d = Diagnostic::warning(Pos::new(&f, 3, 4), "ttl-rfc", "x");
        assert_eq!(&*d.pos.file, "zones/example.com.yaml");
        assert_eq!(
            d.to_string(),
            "zones/example.com.yaml:3:4: warning[ttl-rfc]: x"
        );
        let kept: Arc<str> = Arc::from("/abs/./zones/x.yaml");
        assert_eq!(
            &*Diagnostic::error(Pos::new(&kept, 1, 1), "r", "m").pos.file,
            "/abs/./zones/x.yaml"
        );
        let from_yaml = Diagnostic::from(YamlError {
            pos: Pos::new(&f, 1, 1),
            rule: "yaml-syntax",
            message: "m".into(),
        });
        assert_eq!(&*from_yaml.pos.file, "zones/example.com.yaml");
    }
}

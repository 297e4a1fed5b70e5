//! Replacing a file so that a crash at any moment leaves either the old or the new content,
//! never a truncated or empty file: every file the providers (and `dnsplan dump`) write goes
//! through `write`.
//!
//! The text goes to a new hidden file in the same directory (`.<name>.<pid>.<n>.dnsplan-tmp`:
//! loaders skip hidden names and it never ends in a zone file's extension), which is flushed to
//! disk (fsync), renamed over the target (atomic within one file system), and then the
//! directory itself is flushed so the rename survives a power cut. A failed write removes its
//! temporary file; one left by a killed process is ignored by every loader.
//!
//! Rule: std only; callers put the provider and zone into the error.

use std::fs::{self, File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The suffix of every temporary file.
pub const TMP_SUFFIX: &str = ".dnsplan-tmp";

/// A file that was not replaced: the step that failed, the path, and the system's error.
#[derive(Debug, thiserror::Error)]
#[error("cannot {step} {}: {source}", .path.display())]
pub struct WriteError {
    pub step: Step,
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

/// The step of `write` that failed (its text reads "cannot <step> <path>").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Creating the temporary file (the target is untouched).
    CreateTemporary,
    /// Writing, flushing or renaming the temporary file (the target is untouched).
    Write,
    /// Flushing the directory after the rename (the target holds the new data).
    FlushDirectory,
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Step::CreateTemporary => "create a temporary file for",
            Step::Write => "write",
            Step::FlushDirectory => "flush the directory of",
        })
    }
}

/// Replace `path` with `data` atomically (see the module text). The error names the path.
pub fn write(path: &Path, data: &[u8]) -> Result<(), WriteError> {
    let fail = |step: Step, source: std::io::Error| WriteError {
        step,
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let tmp = tmp_path(dir, path);
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .map_err(|e| fail(Step::CreateTemporary, e))?;
    let written = (|| {
        // keep the permissions of the file being replaced
        if let Ok(m) = fs::metadata(path) {
            f.set_permissions(m.permissions())?;
        }
        f.write_all(data)?;
        f.sync_all()
    })();
    drop(f);
    if let Err(e) = written.and_then(|_| fs::rename(&tmp, path)) {
        let _ = fs::remove_file(&tmp);
        return Err(fail(Step::Write, e));
    }
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| fail(Step::FlushDirectory, e))
}

/// Whether a file name is one of `write`'s temporary files.
pub fn is_tmp(file_name: &str) -> bool {
    file_name.starts_with('.') && file_name.ends_with(TMP_SUFFIX)
}

fn tmp_path(dir: &Path, path: &Path) -> PathBuf {
    static N: AtomicU64 = AtomicU64::new(0);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let n = N.fetch_add(1, Ordering::Relaxed);
    dir.join(format!(".{name}.{}.{n}{TMP_SUFFIX}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("example.com.yaml");
        write(&p, b"---\nold: 1\n").unwrap();
        write(&p, b"---\nnew: 2\n").unwrap();
        assert_eq!(fs::read_to_string(&p).unwrap(), "---\nnew: 2\n");
        let names: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["example.com.yaml"]);
    }

    #[test]
    fn keeps_the_permissions_of_the_replaced_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("z.");
        fs::write(&p, "x").unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o640)).unwrap();
        write(&p, b"y").unwrap();
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o640
        );
    }

    #[test]
    fn a_failed_write_keeps_the_old_file_and_removes_the_temporary_one() {
        let dir = tempfile::tempdir().unwrap();
        // the target is a non-empty directory: the rename fails after the data was written
        let p = dir.path().join("busy.yaml");
        fs::create_dir(&p).unwrap();
        fs::write(p.join("keep"), "k").unwrap();
        let e = write(&p, b"data").unwrap_err();
        assert_eq!((e.step, e.path.as_path()), (Step::Write, p.as_path()));
        assert_eq!(
            e.to_string(),
            format!("cannot write {}: {}", p.display(), e.source)
        );
        let names: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["busy.yaml"]);
        // a directory that does not exist: nothing is created
        let e = write(&dir.path().join("no/such/dir/x.yaml"), b"d").unwrap_err();
        assert_eq!(e.step, Step::CreateTemporary);
        assert_eq!(e.source.kind(), std::io::ErrorKind::NotFound);
        let shown = e.to_string();
        assert!(
            shown.starts_with("cannot create a temporary file for "),
            "{shown}"
        );
        assert!(shown.contains("no/such/dir/x.yaml"), "{shown}");
    }

    #[test]
    fn temporary_names_are_hidden_and_recognised() {
        let t = tmp_path(Path::new("d"), Path::new("d/example.com.yaml"));
        let name = t.file_name().unwrap().to_string_lossy().into_owned();
        assert!(is_tmp(&name), "{name}");
        assert!(!name.ends_with(".yaml"));
        assert!(!is_tmp("example.com.yaml"));
    }
}

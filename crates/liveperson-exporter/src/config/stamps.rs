//! Whether files changed on disk since they were read: each file's modification time, size and
//! inode. A Kubernetes Secret or ConfigMap update swaps a symlink to a new file, which changes the
//! inode even when time and size agree. Imports nothing from the crate.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp {
    modified: Option<SystemTime>,
    len: u64,
    inode: u64,
}

fn stamp(path: &Path) -> Option<Stamp> {
    let m = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(&m);
    #[cfg(not(unix))]
    let inode = 0;
    Some(Stamp {
        modified: m.modified().ok(),
        len: m.len(),
        inode,
    })
}

/// The stamps of a set of files (a missing file has none, and appearing is a change too).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileStamps(Vec<(PathBuf, Option<Stamp>)>);

impl FileStamps {
    /// The stamps of `paths` now.
    pub fn of<P: AsRef<Path>>(paths: impl IntoIterator<Item = P>) -> Self {
        Self(
            paths
                .into_iter()
                .map(|p| (p.as_ref().to_path_buf(), stamp(p.as_ref())))
                .collect(),
        )
    }

    /// Whether any of the files changed (or appeared, or went) since these stamps were taken.
    pub fn changed(&self) -> bool {
        self.0.iter().any(|(p, s)| stamp(p) != *s)
    }

    /// Whether there is no file to watch.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rewritten_replaced_or_removed_file_is_a_change() {
        let dir = std::env::temp_dir().join(format!("stamps-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("secret");
        std::fs::write(&f, "one").unwrap();
        let stamps = FileStamps::of([&f]);
        assert!(!stamps.changed());
        std::fs::write(&f, "other").unwrap();
        assert!(stamps.changed(), "rewritten");
        let stamps = FileStamps::of([&f]);
        let next = dir.join("next");
        std::fs::write(&next, "other").unwrap();
        std::fs::rename(&next, &f).unwrap();
        assert!(stamps.changed(), "replaced by a new file");
        let stamps = FileStamps::of([&f]);
        std::fs::remove_file(&f).unwrap();
        assert!(stamps.changed(), "removed");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

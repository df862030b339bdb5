//! Build directories shared between runs: an exclusive lock per build (two runs never build into
//! one place at once; the kernel drops it when its holder dies) and removal of what a killed build
//! left half-written, and files written whole or not at all.

use std::fs::{File, OpenOptions};
use std::os::fd::AsRawFd;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, bail};

/// An exclusive `flock` on a file, held until dropped (or the process dies).
pub struct Exclusive(#[allow(dead_code)] File);

impl Exclusive {
    /// Waits for the lock on `path` (created if absent), saying nothing; gives up when the run is
    /// interrupted.
    pub fn take(path: &Path) -> Result<Exclusive> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .with_context(|| format!("opening {}", path.display()))?;
        loop {
            // SAFETY: flock on a descriptor this function owns.
            if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
                return Ok(Exclusive(file));
            }
            let err = std::io::Error::last_os_error();
            if err.raw_os_error() != Some(libc::EWOULDBLOCK) {
                return Err(err).with_context(|| format!("locking {}", path.display()));
            }
            if crate::interrupt::requested() {
                bail!(
                    "interrupted while waiting for another build ({})",
                    path.display()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// Writes `path` whole or not at all: `fill` writes a temporary file of a name no other writer (in
/// this process or another) uses, which is then renamed into place, so a killed run leaves no
/// truncated file behind and two writers of the same content do not trip over each other.
pub fn write_whole(path: &Path, fill: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = path.with_file_name(format!(".{name}.{}.{n}.tmp", std::process::id()));
    let done = fill(&tmp).and_then(|()| {
        std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))
    });
    if done.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    done
}

/// Removes `dir` and everything in it, if it exists (a few tries: a process killed just now may
/// still be closing files in it).
pub fn remove_dir(dir: &Path) -> Result<()> {
    let mut tries = 0;
    loop {
        match std::fs::remove_dir_all(dir) {
            Ok(()) => return Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(_) if tries < 5 => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(200));
            }
            Err(e) => {
                return Err(e).with_context(|| {
                    format!(
                        "removing {}, left half-written by a build that was stopped; delete it and run again",
                        dir.display()
                    )
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_holder_at_a_time() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("x.lock");
        let held = Exclusive::take(&path).unwrap();
        let file = OpenOptions::new().write(true).open(&path).unwrap();
        // SAFETY: flock on a descriptor this test owns.
        let busy = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        assert_eq!(busy, -1, "a second holder is refused");
        drop(held);
        // SAFETY: as above.
        let free = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        assert_eq!(free, 0, "given back when dropped");
    }

    #[test]
    fn removing_a_half_written_tree_or_nothing() {
        let d = tempfile::tempdir().unwrap();
        let nm = d.path().join("node_modules/a/b");
        std::fs::create_dir_all(&nm).unwrap();
        std::fs::write(nm.join("f.js"), "x").unwrap();
        remove_dir(&d.path().join("node_modules")).unwrap();
        assert!(!d.path().join("node_modules").exists());
        remove_dir(&d.path().join("node_modules")).unwrap();
    }
}

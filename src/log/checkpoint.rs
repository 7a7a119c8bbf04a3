//! Kafka's checkpoint text files: a version line (`0`), a count line, then one entry per line.
//! Written to a temporary file and renamed, so a crash leaves the old or the new one; synced
//! first when it must survive a crash by itself (the others are made durable together by
//! [`sync_filesystem`] at a clean shutdown, or rebuilt by recovery).

use std::fs::{self, File};
use std::io::Write;
use std::path::Path;

use super::error::{IoContext, LogError};

const VERSION: &str = "0";

/// Replaces the checkpoint at `path` with `entries`, synced to disk when `durable`.
pub(crate) fn write_checkpoint(
    path: &Path,
    entries: &[String],
    durable: bool,
) -> Result<(), LogError> {
    let mut text = format!("{VERSION}\n{}\n", entries.len());
    for entry in entries {
        text.push_str(entry);
        text.push('\n');
    }
    let tmp = path.with_extension("tmp");
    let mut file = File::create(&tmp).at(&tmp)?;
    file.write_all(text.as_bytes()).at(&tmp)?;
    if durable {
        file.sync_all().at(&tmp)?;
    }
    fs::rename(&tmp, path).at(path)
}

/// Makes every write to the filesystem holding `dir` durable: one `syncfs` on Linux instead
/// of one fsync per file (the whole system's `sync` elsewhere).
pub(crate) fn sync_filesystem(dir: &Path) -> Result<(), LogError> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let handle = File::open(dir).at(dir)?;
        // SAFETY: syncfs takes a descriptor this function owns for the call's duration.
        if unsafe { libc::syncfs(handle.as_raw_fd()) } != 0 {
            return Err(std::io::Error::last_os_error()).at(dir);
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = dir;
        // SAFETY: sync takes no arguments and cannot fail.
        unsafe { libc::sync() };
    }
    Ok(())
}

/// The entries of the checkpoint at `path`; `None` when it is missing or malformed (the
/// caller then falls back to what the segments say).
pub(crate) fn read_checkpoint(path: &Path) -> Result<Option<Vec<String>>, LogError> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).at(path),
    };
    let mut lines = text.lines();
    if lines.next() != Some(VERSION) {
        return Ok(None);
    }
    let Some(count) = lines.next().and_then(|l| l.trim().parse::<usize>().ok()) else {
        return Ok(None);
    };
    let entries: Vec<String> = lines.map(str::to_owned).collect();
    Ok((entries.len() == count).then_some(entries))
}

/// A checkpoint holding a single offset, such as the log start offset.
pub(crate) fn read_offset_checkpoint(path: &Path) -> Result<Option<i64>, LogError> {
    Ok(
        read_checkpoint(path)?.and_then(|entries| match entries.as_slice() {
            [only] => only.trim().parse().ok(),
            _ => None,
        }),
    )
}

pub(crate) fn write_offset_checkpoint(
    path: &Path,
    offset: i64,
    durable: bool,
) -> Result<(), LogError> {
    write_checkpoint(path, &[offset.to_string()], durable)
}

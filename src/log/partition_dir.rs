//! Partition directory names and their deletion, in Kafka's way. `<topic>-<partition>` holds a
//! partition's log. A deleted log is first renamed `<topic>-<partition>.<unique id>-delete` (one
//! atomic rename) and only then removed, so a crash in between leaves a name that the next start
//! removes. The rename is not synced: should a crash undo it, the directory's topic id
//! (`partition.metadata`) still keeps it from being served, and the start deletes it as a stray.

use std::fs;
use std::io;
use std::path::Path;

use uuid::Uuid;

use super::error::{IoContext, LogError};

/// The suffix of a directory renamed for deletion.
pub const DELETE_DIR_SUFFIX: &str = "-delete";
/// A directory name longer than this cannot be created on common filesystems.
const MAX_NAME_LEN: usize = 255;

/// Splits Kafka's `<topic>-<partition>` directory name; `None` for anything else (such as the
/// `-delete` and `-future` directories Kafka leaves around, or checkpoint files).
pub fn parse_partition_dir_name(name: &str) -> Option<(String, i32)> {
    let (topic, partition) = name.rsplit_once('-')?;
    if topic.is_empty() || partition.is_empty() || !partition.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((topic.to_owned(), partition.parse().ok()?))
}

/// Kafka's name for a partition directory awaiting deletion,
/// `<topic>-<partition>.<uuid without dashes>-delete`, the topic cut short to keep it within
/// 255 bytes.
fn delete_dir_name(topic: &str, partition: i32) -> String {
    let suffix = format!(
        "-{partition}.{}{DELETE_DIR_SUFFIX}",
        Uuid::new_v4().simple()
    );
    let mut keep = topic.len().min(MAX_NAME_LEN.saturating_sub(suffix.len()));
    while !topic.is_char_boundary(keep) {
        keep -= 1;
    }
    format!("{}{suffix}", &topic[..keep])
}

/// Whether `name` is a directory renamed for deletion (`<topic>-<partition>.<id>-delete`).
pub fn is_delete_dir_name(name: &str) -> bool {
    name.strip_suffix(DELETE_DIR_SUFFIX)
        .and_then(|rest| rest.rsplit_once('.'))
        .is_some_and(|(partition_dir, id)| {
            !id.is_empty() && parse_partition_dir_name(partition_dir).is_some()
        })
}

/// Deletes the partition directory `dir` (`<topic>-<partition>`): renames it for deletion, then
/// removes it. A directory already gone is not an error.
pub fn delete_partition_dir(dir: &Path) -> Result<(), LogError> {
    let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let Some((topic, partition)) = parse_partition_dir_name(name) else {
        return Err(LogError::InvalidPartitionDir(dir.display().to_string()));
    };
    let parent = dir.parent().unwrap_or(Path::new("."));
    let renamed = parent.join(delete_dir_name(&topic, partition));
    match fs::rename(dir, &renamed) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        result => result.at(dir)?,
    }
    remove_dir(&renamed)
}

fn remove_dir(dir: &Path) -> Result<(), LogError> {
    match fs::remove_dir_all(dir) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e).at(dir),
        _ => Ok(()),
    }
}

/// Removes what a crash left renamed for deletion in `log_dir`; returns how many.
pub fn remove_deleted_dirs(log_dir: &Path) -> Result<usize, LogError> {
    let mut removed = 0;
    for entry in fs::read_dir(log_dir).at(log_dir)? {
        let entry = entry.at(log_dir)?;
        let pending = entry.file_name().to_str().is_some_and(is_delete_dir_name);
        if pending && entry.file_type().at(&entry.path())?.is_dir() {
            remove_dir(&entry.path())?;
            removed += 1;
        }
    }
    Ok(removed)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_topic_partition_dir_names() {
        assert_eq!(
            parse_partition_dir_name("my-topic-3"),
            Some(("my-topic".to_owned(), 3))
        );
        assert_eq!(parse_partition_dir_name("topic-x"), None);
        assert_eq!(parse_partition_dir_name("-1"), None);
        assert_eq!(parse_partition_dir_name("t-+1"), None);
        assert_eq!(parse_partition_dir_name("t.abc-delete"), None);
    }

    #[test]
    fn delete_dir_names_are_kafkas_and_fit_a_filesystem() {
        let name = delete_dir_name("orders", 7);
        assert!(name.starts_with("orders-7."), "{name}");
        assert!(is_delete_dir_name(&name), "{name}");
        assert_eq!(name.len(), "orders-7.".len() + 32 + DELETE_DIR_SUFFIX.len());
        let long = delete_dir_name(&"t".repeat(249), 123);
        assert_eq!(long.len(), MAX_NAME_LEN);
        assert!(is_delete_dir_name(&long));
        assert!(!is_delete_dir_name("orders-7"));
        assert!(!is_delete_dir_name("orders-delete-0"));
        assert!(!is_delete_dir_name("orders.x-delete"));
    }

    #[test]
    fn a_deleted_dir_is_renamed_then_removed_and_leftovers_go_at_start() {
        let log_dir = tempfile::tempdir().unwrap();
        let dir = log_dir.path().join("orders-0");
        fs::create_dir(&dir).unwrap();
        fs::write(dir.join("00000000000000000000.log"), b"x").unwrap();
        delete_partition_dir(&dir).unwrap();
        assert_eq!(fs::read_dir(log_dir.path()).unwrap().count(), 0);
        delete_partition_dir(&dir).unwrap();

        // A crash between the rename and the removal.
        let leftover = log_dir.path().join(delete_dir_name("orders", 1));
        fs::create_dir(&leftover).unwrap();
        fs::write(leftover.join("00000000000000000000.log"), b"x").unwrap();
        fs::create_dir(log_dir.path().join("orders-2")).unwrap();
        assert_eq!(remove_deleted_dirs(log_dir.path()).unwrap(), 1);
        assert!(!leftover.exists());
        assert!(log_dir.path().join("orders-2").exists());
    }
}

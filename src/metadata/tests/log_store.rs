//! The durable metadata log on its own, through openraft's storage traits.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs::OpenOptions;
use std::io::Write;

use openraft::storage::{RaftLogStorage, RaftLogStorageExt};
use openraft::{CommittedLeaderId, Entry, EntryPayload, LogId, RaftLogReader, Vote};

use crate::metadata::raft::disk_full::DiskFull;
use crate::metadata::raft::log_store::LogStore;
use crate::metadata::raft::types::{MetadataEntry, MetadataTypeConfig};
use crate::metadata::raft::MetadataBatch;
use crate::metadata::MetadataRecord;

fn entry(index: u64) -> MetadataEntry {
    Entry::<MetadataTypeConfig> {
        log_id: LogId::new(CommittedLeaderId::new(1, 0), index),
        payload: EntryPayload::Normal(MetadataBatch {
            records: std::sync::Arc::new(vec![MetadataRecord::FenceBroker {
                broker_id: i32::try_from(index).unwrap(),
            }]),
        }),
    }
}

async fn indexes(store: &mut LogStore) -> Vec<u64> {
    store
        .try_get_log_entries(0..100)
        .await
        .unwrap()
        .iter()
        .map(|e| e.log_id.index)
        .collect()
}

#[tokio::test]
async fn reopen_log_keeps_entries_and_vote() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = LogStore::open(dir.path(), DiskFull::new(dir.path())).unwrap();
    store.blocking_append((0..5).map(entry)).await.unwrap();
    store.save_vote(&Vote::new(3, 1)).await.unwrap();
    drop(store);
    let mut store = LogStore::open(dir.path(), DiskFull::new(dir.path())).unwrap();
    assert_eq!(indexes(&mut store).await, vec![0, 1, 2, 3, 4]);
    assert_eq!(store.read_vote().await.unwrap(), Some(Vote::new(3, 1)));
    assert_eq!(
        store
            .get_log_state()
            .await
            .unwrap()
            .last_log_id
            .unwrap()
            .index,
        4
    );
}

#[tokio::test]
async fn reopen_log_with_torn_tail() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = LogStore::open(dir.path(), DiskFull::new(dir.path())).unwrap();
    store.blocking_append((0..3).map(entry)).await.unwrap();
    drop(store);
    let path = dir.path().join("metadata.log");
    let intact_len = std::fs::metadata(&path).unwrap().len();
    // Half a frame: a header promising more bytes than were written.
    let mut file = OpenOptions::new().append(true).open(&path).unwrap();
    file.write_all(&[200, 0, 0, 0, 1, 2, 3, 4, b'{']).unwrap();
    drop(file);
    let mut store = LogStore::open(dir.path(), DiskFull::new(dir.path())).unwrap();
    assert_eq!(indexes(&mut store).await, vec![0, 1, 2]);
    assert_eq!(std::fs::metadata(&path).unwrap().len(), intact_len);
    // Appending after recovery continues the log cleanly.
    store.blocking_append([entry(3)]).await.unwrap();
    drop(store);
    let mut store = LogStore::open(dir.path(), DiskFull::new(dir.path())).unwrap();
    assert_eq!(indexes(&mut store).await, vec![0, 1, 2, 3]);
}

#[tokio::test]
async fn reopen_log_with_corrupt_frame_drops_it_and_what_follows() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = LogStore::open(dir.path(), DiskFull::new(dir.path())).unwrap();
    store.blocking_append((0..3).map(entry)).await.unwrap();
    drop(store);
    let path = dir.path().join("metadata.log");
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 2;
    bytes[last] ^= 0xff;
    std::fs::write(&path, bytes).unwrap();
    let mut store = LogStore::open(dir.path(), DiskFull::new(dir.path())).unwrap();
    assert_eq!(indexes(&mut store).await, vec![0, 1]);
}

#[tokio::test]
async fn truncate_and_purge_survive_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = LogStore::open(dir.path(), DiskFull::new(dir.path())).unwrap();
    store.blocking_append((0..6).map(entry)).await.unwrap();
    store.truncate(entry(4).log_id).await.unwrap();
    store.purge(entry(1).log_id).await.unwrap();
    store.blocking_append([entry(4)]).await.unwrap();
    drop(store);
    let mut store = LogStore::open(dir.path(), DiskFull::new(dir.path())).unwrap();
    assert_eq!(indexes(&mut store).await, vec![2, 3, 4]);
    let state = store.get_log_state().await.unwrap();
    assert_eq!(state.last_purged_log_id.unwrap().index, 1);
    assert_eq!(state.last_log_id.unwrap().index, 4);
}

/// A small tmpfs the test mounts (as root), unmounted on drop.
struct SmallFilesystem(tempfile::TempDir);

impl SmallFilesystem {
    fn mount(bytes: usize) -> Option<Self> {
        let dir = tempfile::tempdir().unwrap();
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={bytes}")])
            .arg("tmpfs")
            .arg(dir.path())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        mounted.then_some(Self(dir))
    }
}

impl Drop for SmallFilesystem {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg(self.0.path())
            .status();
    }
}

/// Issue #14: a full disk stalls the metadata log's writes instead of failing them (which would
/// stop openraft's core for good); once space is freed they complete, with no reopening.
#[tokio::test]
async fn a_full_disk_stalls_writes_until_space_is_freed() {
    let Some(fs) = SmallFilesystem::mount(256 * 1024) else {
        eprintln!("skipped: mounting a tmpfs is not permitted here (the test needs root)");
        return;
    };
    let dir = fs.0.path().join("__cluster_metadata-0");
    let disk_full = DiskFull::new(&dir);
    let mut store = LogStore::open(&dir, disk_full.clone()).unwrap();
    store.blocking_append((0..3).map(entry)).await.unwrap();
    let filler = fs.0.path().join("filler");
    let mut file = std::fs::File::create(&filler).unwrap();
    let chunk = vec![7u8; 4096];
    while file.write_all(&chunk).is_ok() {}
    drop(file);

    let mut writer = store.clone();
    let append = tokio::spawn(async move {
        writer.blocking_append((3..40).map(entry)).await?;
        writer.save_vote(&Vote::new(4, 1)).await
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !disk_full.is_waiting() {
        assert!(
            std::time::Instant::now() < deadline,
            "the append never met the full disk"
        );
        assert!(!append.is_finished(), "the append finished on a full disk");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    std::fs::remove_file(&filler).unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(60), append)
        .await
        .expect("the writes complete once space is back")
        .unwrap()
        .unwrap();
    assert!(!disk_full.is_waiting());
    assert_eq!(indexes(&mut store).await, (0..40).collect::<Vec<_>>());
    drop(store);
    let mut store = LogStore::open(&dir, DiskFull::new(&dir)).unwrap();
    assert_eq!(indexes(&mut store).await, (0..40).collect::<Vec<_>>());
    assert_eq!(store.read_vote().await.unwrap(), Some(Vote::new(4, 1)));
}

//! The log manager on real directories: lazy opening, durable creation, deletion, strays and
//! offline partitions.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

#[test]
fn created_directories_are_durable_by_the_sync_or_at_their_log_open() {
    let dir = tempfile::tempdir().unwrap();
    let manager = LogManager::open(dir.path()).unwrap();
    let unsynced = |partition| lock(&manager.slot("orders", partition).unwrap()).unsynced;
    assert!(manager.create("orders", 0, ORDERS).unwrap());
    assert!(manager.create("orders", 1, ORDERS).unwrap());
    assert!(manager.has_unsynced());
    assert!(unsynced(0).is_some() && unsynced(1).is_some());
    // Opened before any sync: it syncs its own directory.
    manager
        .get_or_open("orders", 0, ORDERS, LogConfig::default)
        .unwrap();
    assert_eq!(unsynced(0), None);
    manager.sync().unwrap();
    assert!(!manager.has_unsynced());
    // Covered by the sync: opening it syncs nothing more.
    manager
        .get_or_open("orders", 1, ORDERS, LogConfig::default)
        .unwrap();
    assert_eq!(unsynced(1), None);
    assert_eq!(
        read_topic_id(&manager.partition_dir("orders", 1)).unwrap(),
        Some(ORDERS)
    );
}

#[test]
fn logs_can_be_shared_across_tasks() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<LogManager>();
    assert_send_sync::<SharedLog>();
}

const ORDERS: Uuid = Uuid::from_u128(0x0a);
const ORDERS_AGAIN: Uuid = Uuid::from_u128(0x0b);

fn append_one(log: &SharedLog) {
    let batch = crate::log::tests::produce_batch(&[1_000]);
    lock(log).append(&batch, 0, 1_000).unwrap();
}

#[test]
fn reopen_finds_partitions_lazily_and_remove_deletes_them() {
    let dir = tempfile::tempdir().unwrap();
    let manager = LogManager::open(dir.path()).unwrap();
    manager
        .get_or_create("orders", 0, ORDERS, LogConfig::default())
        .unwrap();
    assert!(manager.create("orders", 1, ORDERS).unwrap(), "written");
    assert!(!manager.create("orders", 1, ORDERS).unwrap(), "known");
    assert_eq!(
        read_topic_id(&dir.path().join("orders-1")).unwrap(),
        Some(ORDERS)
    );
    assert!(manager.get("orders", 1).is_none(), "created, not opened");
    assert!(manager.get("orders", 2).is_none());
    std::fs::write(dir.path().join("meta.properties"), "x").unwrap();
    manager.shutdown().unwrap();
    drop(manager);

    let manager = LogManager::open(dir.path()).unwrap();
    assert!(manager.clean_shutdown());
    assert!(!dir.path().join(CLEAN_SHUTDOWN_FILE).exists());
    assert_eq!(
        manager.partitions(),
        vec![("orders".to_owned(), 0), ("orders".to_owned(), 1)]
    );
    assert!(
        manager.get("orders", 1).is_none(),
        "nothing opened at start"
    );
    assert_eq!(manager.size_bytes("orders", 0), Some(0));
    let log = manager
        .get_or_open("orders", 1, ORDERS, LogConfig::default)
        .unwrap();
    manager.remove("orders", 1, ORDERS_AGAIN).unwrap();
    assert!(
        dir.path().join("orders-1").exists(),
        "another topic id's: kept"
    );
    manager.remove("orders", 1, ORDERS).unwrap();
    assert!(!dir.path().join("orders-1").exists());
    assert!(matches!(
        lock(&log).read(0, 100, 0),
        Err(LogError::Deleted(_))
    ));
    manager.remove("orders", 0, ORDERS).unwrap();
    assert!(!dir.path().join("orders-0").exists());
    assert!(manager.partitions().is_empty());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "meta.properties"
    );
    drop(manager);
    assert!(!LogManager::open(dir.path()).unwrap().clean_shutdown());
}

#[test]
fn a_directory_of_a_deleted_topic_is_never_served_for_its_successor() {
    let dir = tempfile::tempdir().unwrap();
    let manager = LogManager::open(dir.path()).unwrap();
    let old = manager
        .get_or_open("orders", 0, ORDERS, LogConfig::default)
        .unwrap();
    append_one(&old);
    manager.create("orders", 1, ORDERS).unwrap();
    drop(old);
    manager.shutdown().unwrap();
    drop(manager);

    // The topic was deleted and created again while this broker could not delete its logs.
    let manager = LogManager::open(dir.path()).unwrap();
    let new = manager
        .get_or_open("orders", 0, ORDERS_AGAIN, LogConfig::default)
        .unwrap();
    assert_eq!(lock(&new).log_end_offset(), 0, "a new, empty log");
    // On disk at start: its topic id is not read until the log is opened.
    assert!(!manager.create("orders", 1, ORDERS_AGAIN).unwrap());
    assert_eq!(
        read_topic_id(&dir.path().join("orders-1")).unwrap(),
        Some(ORDERS)
    );
    manager
        .get_or_open("orders", 1, ORDERS_AGAIN, LogConfig::default)
        .unwrap();
    for partition in ["orders-0", "orders-1"] {
        let id = read_topic_id(&dir.path().join(partition)).unwrap();
        assert_eq!(id, Some(ORDERS_AGAIN), "{partition}");
    }
    // And the open log is replaced as well when the name changes hands while it is open.
    let replaced = manager
        .get_or_open("orders", 0, ORDERS, LogConfig::default)
        .unwrap();
    assert!(matches!(
        lock(&new).read(0, 100, 0),
        Err(LogError::Deleted(_))
    ));
    assert_eq!(lock(&replaced).log_end_offset(), 0);
}

#[test]
fn strays_and_deletion_leftovers_are_removed() {
    let dir = tempfile::tempdir().unwrap();
    let manager = LogManager::open(dir.path()).unwrap();
    manager.create("gone", 0, ORDERS).unwrap();
    manager.create("kept", 0, ORDERS_AGAIN).unwrap();
    // Written before kf recorded topic ids.
    std::fs::create_dir(dir.path().join("legacy-0")).unwrap();
    std::fs::create_dir(dir.path().join("legacy-1")).unwrap();
    std::fs::create_dir(dir.path().join("x-0.0123abcd-delete")).unwrap();
    std::fs::create_dir(dir.path().join(METADATA_LOG_DIR)).unwrap();
    drop(manager);

    let manager = LogManager::open(dir.path()).unwrap();
    assert!(!dir.path().join("x-0.0123abcd-delete").exists());
    let removed = manager.remove_strays(|topic, partition, id| match id {
        Some(id) => id != ORDERS_AGAIN,
        None => !(topic == "legacy" && partition == 0),
    });
    assert_eq!(
        removed,
        vec![("gone".to_owned(), 0), ("legacy".to_owned(), 1)]
    );
    assert_eq!(
        manager.partitions(),
        vec![("kept".to_owned(), 0), ("legacy".to_owned(), 0)]
    );
    assert!(!dir.path().join("gone-0").exists());
    assert!(
        dir.path().join(METADATA_LOG_DIR).exists(),
        "never a partition log"
    );
    manager
        .get_or_open("legacy", 0, ORDERS, LogConfig::default)
        .unwrap();
    assert_eq!(
        read_topic_id(&dir.path().join("legacy-0")).unwrap(),
        Some(ORDERS),
        "adopted"
    );
}

#[test]
fn a_log_that_cannot_be_opened_is_offline_and_the_others_serve() {
    let dir = tempfile::tempdir().unwrap();
    let manager = LogManager::open(dir.path()).unwrap();
    // A file where the partition directory should be: its log cannot be created.
    std::fs::write(dir.path().join("bad-0"), "x").unwrap();
    let error = manager
        .get_or_open("bad", 0, ORDERS, LogConfig::default)
        .err()
        .unwrap();
    assert_eq!(
        error.error(),
        kafka_protocol::error::ResponseError::KafkaStorageError
    );
    assert!(matches!(
        manager.get_or_open("bad", 0, ORDERS, LogConfig::default),
        Err(LogError::Offline(_))
    ));
    let offline = manager.offline_partitions();
    assert_eq!(offline.len(), 1);
    assert!(offline[0].reason.contains("bad-0"), "{}", offline[0].reason);
    manager
        .get_or_open("good", 0, ORDERS_AGAIN, LogConfig::default)
        .unwrap();
    let retry = manager.retry_offline(|_, _| Some((ORDERS, LogConfig::default())));
    assert!(retry.is_empty());
}

#[test]
fn a_created_partition_has_its_log_files_and_a_directory_with_records_keeps_them() {
    let dir = tempfile::tempdir().unwrap();
    let manager = LogManager::open(dir.path()).unwrap();
    assert!(manager.create("orders", 0, ORDERS).unwrap());
    let files = |partition: &str| {
        let mut names: Vec<String> = std::fs::read_dir(dir.path().join(partition))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    };
    assert_eq!(
        files("orders-0"),
        [
            "00000000000000000000.index",
            "00000000000000000000.log",
            "00000000000000000000.timeindex",
            "partition.metadata"
        ]
    );
    assert!(
        manager.get("orders", 0).is_none(),
        "created and closed, not open"
    );
    let log = manager
        .get_or_open("orders", 0, ORDERS, LogConfig::default)
        .unwrap();
    append_one(&log);
    assert_eq!(lock(&log).log_end_offset(), 1);
    manager.shutdown().unwrap();
    drop((log, manager));

    // A directory written before kf recorded topic ids: its id is recorded, its records kept.
    std::fs::remove_file(dir.path().join("orders-0/partition.metadata")).unwrap();
    let manager = LogManager::open(dir.path()).unwrap();
    lock(&manager.slot("orders", 0).unwrap()).listed = false;
    assert!(manager.create("orders", 0, ORDERS).unwrap());
    let log = manager
        .get_or_open("orders", 0, ORDERS, LogConfig::default)
        .unwrap();
    assert_eq!(lock(&log).log_end_offset(), 1);
}

fn created_empty(manager: &LogManager, topic: &str, partition: i32) -> bool {
    let slot = manager.slot(topic, partition).unwrap();
    let entry = lock(&slot);
    matches!(
        entry.state,
        LogState::Closed {
            created_empty: true
        }
    )
}

#[test]
fn a_log_created_in_this_run_opens_without_recovery_and_keeps_its_records() {
    let dir = tempfile::tempdir().unwrap();
    let manager = LogManager::open(dir.path()).unwrap();
    assert!(manager.create("orders", 0, ORDERS).unwrap());
    assert!(created_empty(&manager, "orders", 0));
    // A leftover of an interrupted write, which recovery removes when it lists the directory:
    // a log known to be created empty is opened without listing it.
    let leftover = manager
        .partition_dir("orders", 0)
        .join("00000000000000000000.index.tmp");
    std::fs::write(&leftover, b"x").unwrap();
    let log = manager
        .get_or_open("orders", 0, ORDERS, LogConfig::default)
        .unwrap();
    assert!(leftover.exists(), "opened without recovery");
    assert!(!created_empty(&manager, "orders", 0), "open now");
    {
        let log = lock(&log);
        assert_eq!(
            (log.log_start_offset(), log.log_end_offset()),
            (0, 0),
            "empty"
        );
        assert_eq!(log.segment_base_offsets(), [0]);
        assert_eq!(log.latest_epoch(), None);
    }
    append_one(&log);
    append_one(&log);
    let written = lock(&log).read(0, 1 << 20, i64::MAX).unwrap();
    // The descriptor cache closing the log's files: they reopen at the next read.
    lock(&log).close_files();
    assert_eq!(lock(&log).read(0, 1 << 20, i64::MAX).unwrap(), written);
    assert_eq!(lock(&log).log_end_offset(), 2);
    assert_eq!(lock(&log).latest_epoch(), Some(0));
    manager.shutdown().unwrap();
    drop((log, manager));

    // The next run knows nothing of how the log began: it recovers it like any other, and
    // finds its records.
    let manager = LogManager::open(dir.path()).unwrap();
    assert!(!created_empty(&manager, "orders", 0));
    let log = manager
        .get_or_open("orders", 0, ORDERS, LogConfig::default)
        .unwrap();
    assert!(!leftover.exists(), "recovered");
    assert_eq!(lock(&log).log_end_offset(), 2);
    assert_eq!(lock(&log).read(0, 1 << 20, i64::MAX).unwrap(), written);
}

#[test]
fn a_re_bound_or_deleted_directory_is_not_taken_for_a_created_one() {
    let dir = tempfile::tempdir().unwrap();
    let manager = LogManager::open(dir.path()).unwrap();
    assert!(manager.create("orders", 0, ORDERS).unwrap());
    // Opened for another topic id: the directory is deleted and made again, without segment
    // files, which only a recovering open creates.
    let log = manager
        .get_or_open("orders", 0, ORDERS_AGAIN, LogConfig::default)
        .unwrap();
    append_one(&log);
    assert_eq!(lock(&log).log_end_offset(), 1);
    assert_eq!(
        read_topic_id(&manager.partition_dir("orders", 0)).unwrap(),
        Some(ORDERS_AGAIN)
    );
    drop(log);

    // Created again for a topic id after a deletion: created empty once more.
    manager.remove("orders", 0, ORDERS_AGAIN).unwrap();
    assert!(manager.create("orders", 0, ORDERS).unwrap());
    assert!(created_empty(&manager, "orders", 0));
    // Bound to another topic id before its first open: that id's directory is not the one
    // created empty.
    assert!(manager.create("orders", 0, ORDERS_AGAIN).unwrap());
    assert!(
        created_empty(&manager, "orders", 0),
        "created empty for the new id"
    );
    let slot = manager.slot("orders", 0).unwrap();
    let rebound = manager.bind(&mut lock(&slot), "orders", 0, ORDERS, true);
    assert!(rebound.unwrap());
    assert!(!created_empty(&manager, "orders", 0));
    let log = manager
        .get_or_open("orders", 0, ORDERS, LogConfig::default)
        .unwrap();
    append_one(&log);
    assert_eq!(lock(&log).log_end_offset(), 1);
    drop(log);

    // Deleted while closed (the stray sweep): the entry goes with its directory.
    assert!(manager.create("orders", 1, ORDERS).unwrap());
    assert_eq!(
        manager.remove_strays(|_, partition, _| partition == 1),
        [("orders".to_owned(), 1)]
    );
    assert!(manager.slot("orders", 1).is_none());
}

//! The fetch handler's reads of unmoved partitions and its waits, against a hosted partition.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::config::BrokerConfig;
use crate::log::LogManager;
use crate::metadata::MetadataRecord;
use crate::replica::{Acks, ReplicaManager};

/// One hosted partition `t-0`, led by this broker (1) in `leader_epoch`.
fn led_partition(image: &mut MetadataImage, leader_epoch: i32) {
    image.apply(&MetadataRecord::Partition {
        topic_id: Uuid::from_u128(7),
        partition: 0,
        replicas: vec![1],
        isr: vec![1],
        leader: 1,
        leader_epoch,
        partition_epoch: leader_epoch,
        adding_replicas: Vec::new(),
        removing_replicas: Vec::new(),
    });
}

fn topic_image() -> MetadataImage {
    let mut image = MetadataImage::default();
    image.apply(&MetadataRecord::Topic {
        name: "t".into(),
        topic_id: Uuid::from_u128(7),
    });
    led_partition(&mut image, 0);
    image
}

/// A broker's replicas in `dir`, hosting the partitions of [`topic_image`], and that image.
fn hosting(dir: &std::path::Path) -> (ReplicaManager, Arc<MetadataImage>) {
    let logs = Arc::new(LogManager::open(dir).unwrap());
    let replicas = ReplicaManager::new(1, BrokerConfig::default(), logs);
    let image = Arc::new(topic_image());
    replicas.apply_image(None, &image);
    (replicas, image)
}

/// Reads `t-0` as a fetch does from `fetch_offset` within `max_bytes`, keeping what its
/// session would keep.
fn read_kept(
    replicas: &ReplicaManager,
    image: &Arc<MetadataImage>,
    fetch_offset: i64,
    (max_bytes, first_batch): (usize, FirstBatch),
) -> (ReadResult, KeptPartition) {
    let lookup = replicas.look_up_replica(image, "t", 0).unwrap();
    let replica = lookup.replica();
    let leader_epoch = replica.partition.check_leader(-1).unwrap();
    let moves = replica.partition.moves();
    let isolation = Isolation::HighWatermark;
    let result = replica
        .read(
            fetch_offset,
            max_bytes,
            first_batch,
            isolation,
            ReadInto::Copy,
        )
        .unwrap();
    let caught_up = caught_up(isolation, fetch_offset, &result).map(|offsets| CaughtUp {
        moves,
        leader_epoch,
        offsets,
    });
    let kept = KeptPartition {
        lookup: Some(lookup),
        caught_up,
    };
    (result, kept)
}

fn append(replicas: &ReplicaManager, image: &MetadataImage) {
    let (replica, epoch) = replicas.leader(image, "t", 0, -1).unwrap();
    let batch = crate::log::tests::produce_batch(&[1_000]);
    replica
        .append_records(batch.into(), epoch, Acks::Leader, 1_000)
        .unwrap();
}

/// A read that caught up (at the high watermark, nothing left behind) answers the next
/// fetch unread, with its offsets, until the partition moves; a read with records, or one
/// the size limit left short of records it could have given, is read again.
#[test]
fn a_caught_up_read_answers_unread_until_its_partition_moves() {
    let dir = tempfile::tempdir().unwrap();
    let (replicas, image) = hosting(dir.path());
    append(&replicas, &image);

    let whole = (1 << 20, FirstBatch::Whole);
    let (result, kept) = read_kept(&replicas, &image, 0, whole);
    assert!(!result.records.is_empty() && kept.caught_up.is_none());
    // Room for nothing past the first batch: no records, but some were left behind.
    let (result, kept) = read_kept(&replicas, &image, 0, (1, FirstBatch::WithinMaxBytes));
    assert!(result.records.is_empty() && kept.caught_up.is_none());
    assert!(unmoved(&replicas, &image, &kept).is_none());

    let (result, kept) = read_kept(&replicas, &image, 1, whole);
    assert!(result.records.is_empty());
    let (_, caught_up) = unmoved(&replicas, &image, &kept).unwrap();
    assert_eq!(caught_up.offsets, result.offsets);
    assert_eq!(caught_up.offsets.high_watermark, 1);

    append(&replicas, &image);
    assert!(unmoved(&replicas, &image, &kept).is_none());
    let (result, kept) = read_kept(&replicas, &image, 1, whole);
    assert!(!result.records.is_empty() && kept.caught_up.is_none());
    let (_, kept) = read_kept(&replicas, &image, 2, whole);
    assert!(unmoved(&replicas, &image, &kept).is_some());
    // DeleteRecords moves the log start alone: an answer the client must be sent.
    let (replica, _) = replicas.leader(&image, "t", 0, -1).unwrap();
    replica.delete_records(Some(1)).unwrap();
    assert!(unmoved(&replicas, &image, &kept).is_none());
}

/// A new leader epoch and a deleted topic each come in a new image, and move the
/// partition: a caught-up read kept from before is read again.
#[test]
fn a_new_leader_epoch_or_a_deletion_ends_an_unmoved_answer() {
    let dir = tempfile::tempdir().unwrap();
    let (replicas, image) = hosting(dir.path());
    let whole = (1 << 20, FirstBatch::Whole);
    let (_, kept) = read_kept(&replicas, &image, 0, whole);
    assert!(unmoved(&replicas, &image, &kept).is_some());

    let mut next = (*image).clone();
    led_partition(&mut next, 1);
    let next = Arc::new(next);
    replicas.apply_image(Some(&image), &next);
    let moved = kept.lookup.as_ref().unwrap().replica().partition.moves();
    assert_ne!(Some(moved), kept.caught_up.map(|c| c.moves));
    assert!(unmoved(&replicas, &next, &kept).is_none());
    let (_, kept) = read_kept(&replicas, &next, 0, whole);
    assert_eq!(kept.caught_up.map(|c| c.leader_epoch), Some(1));
    assert!(unmoved(&replicas, &next, &kept).is_some());

    let mut deleted = (*next).clone();
    deleted.apply(&MetadataRecord::RemoveTopic {
        topic_id: Uuid::from_u128(7),
    });
    let deleted = Arc::new(deleted);
    replicas.apply_image(Some(&next), &deleted);
    assert!(unmoved(&replicas, &deleted, &kept).is_none());
    // Even under the image it was kept in: the hosted partitions changed.
    assert!(unmoved(&replicas, &next, &kept).is_none());
}

/// A fetch watches its partitions only as it is about to wait: one that moved between its
/// read and its watch is news at once (the fetch reads it again rather than sleeping past
/// a move that already happened), one that moves later wakes the wait, and one that did
/// not move is not read again.
#[tokio::test]
async fn a_move_between_the_read_and_the_watch_is_news() {
    let dir = tempfile::tempdir().unwrap();
    let logs = Arc::new(LogManager::open(dir.path()).unwrap());
    let replicas = ReplicaManager::new(1, BrokerConfig::default(), logs);
    let mut image = MetadataImage::default();
    let topic_id = Uuid::from_u128(7);
    image.apply(&MetadataRecord::Topic {
        name: "t".into(),
        topic_id,
    });
    for partition in 0..3 {
        image.apply(&MetadataRecord::Partition {
            topic_id,
            partition,
            replicas: vec![1],
            isr: vec![1],
            leader: 1,
            leader_epoch: 0,
            partition_epoch: 0,
            adding_replicas: Vec::new(),
            removing_replicas: Vec::new(),
        });
    }
    let isolation = Isolation::HighWatermark;
    let mut waits = Waits::new(isolation, 3);
    let mut leaders = Vec::new();
    for index in 0..3 {
        let (replica, epoch) = replicas.leader(&image, "t", index as i32, -1).unwrap();
        waits.reading(index);
        let read = replica
            .read(0, 1 << 20, FirstBatch::Whole, isolation, ReadInto::Copy)
            .unwrap();
        waits.read(index, replica.partition.moves(), epoch, &read.offsets);
        leaders.push((replica, epoch));
    }
    let append = |index: usize| {
        let (replica, epoch) = &leaders[index];
        let batch = crate::log::tests::produce_batch(&[1_000]);
        replica
            .append_records(batch.into(), *epoch, Acks::Leader, 1_000)
            .unwrap();
    };
    append(1);
    assert!(!waits.watch(0, Some(leaders[0].0.clone())));
    assert!(waits.watch(1, Some(leaders[1].0.clone())));
    assert!(!waits.watch(2, Some(leaders[2].0.clone())));
    assert!(waits.has_news(1) && !waits.has_news(0) && !waits.has_news(2));
    append(2);
    let deadline = Instant::now() + Duration::from_secs(600);
    assert!(waits.moved(deadline).await);
    assert!(waits.has_news(2) && !waits.has_news(0));
}

//! The replica layer on real logs in a temporary directory: offsets, waits, epochs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use kafka_protocol::error::ResponseError;
use kafka_protocol::records::Compression;
use uuid::Uuid;

use super::{Acks, Isolation, ReplicaManager, Wakes};

/// (partition, replicas, isr, leader, leader epoch)
type PartitionSpec = (i32, Vec<i32>, Vec<i32>, i32, i32);
use crate::config::BrokerConfig;
use crate::log::{FirstBatch, LogManager, ReadInto};
use crate::metadata::{MetadataImage, MetadataRecord};
use crate::protocol::batch_builder::{BatchStamp, RecordBatchBuilder, RecordParts};

const TOPIC_ID: Uuid = Uuid::from_u128(7);

fn image(partitions: &[PartitionSpec]) -> MetadataImage {
    let mut image = MetadataImage::default();
    image.apply(&MetadataRecord::Topic {
        name: "t".into(),
        topic_id: TOPIC_ID,
    });
    for (partition, replicas, isr, leader, leader_epoch) in partitions {
        image.apply(&MetadataRecord::Partition {
            topic_id: TOPIC_ID,
            partition: *partition,
            replicas: replicas.clone(),
            isr: isr.clone(),
            leader: *leader,
            leader_epoch: *leader_epoch,
            partition_epoch: *leader_epoch,
            adding_replicas: Vec::new(),
            removing_replicas: Vec::new(),
        });
    }
    image
}

fn batch(records: usize) -> Vec<u8> {
    let mut builder = RecordBatchBuilder::with_capacity(64);
    for _ in 0..records {
        builder.append(&RecordParts {
            timestamp: 1_000,
            key: None,
            value: Some(b"v"),
            headers: &[],
        });
    }
    builder
        .seal(
            BatchStamp {
                producer_id: -1,
                producer_epoch: -1,
                base_sequence: -1,
            },
            Compression::None,
        )
        .unwrap()
        .to_vec()
}

fn manager(dir: &std::path::Path, broker_id: i32) -> ReplicaManager {
    let logs = Arc::new(LogManager::open(dir).unwrap());
    ReplicaManager::new(broker_id, BrokerConfig::default(), logs)
}

#[test]
fn a_sole_replica_s_high_watermark_is_its_log_end() {
    let dir = tempfile::tempdir().unwrap();
    let replicas = manager(dir.path(), 1);
    let image = image(&[(0, vec![1], vec![1], 1, 0)]);
    let (replica, epoch) = replicas.leader(&image, "t", 0, -1).unwrap();
    let appended = replica
        .append_records(batch(3).into(), epoch, Acks::All, 1_000)
        .unwrap();
    assert_eq!(appended.required_offset, 3);
    let offsets = replica.offsets().unwrap();
    assert_eq!((offsets.high_watermark, offsets.log_end), (3, 3));
}

#[test]
fn the_leader_s_high_watermark_is_the_least_log_end_of_the_isr() {
    let dir = tempfile::tempdir().unwrap();
    let replicas = manager(dir.path(), 1);
    let image = image(&[(0, vec![1, 2, 3], vec![1, 2, 3], 1, 0)]);
    let (replica, epoch) = replicas.leader(&image, "t", 0, -1).unwrap();
    replica
        .append_records(batch(5).into(), epoch, Acks::Leader, 1_000)
        .unwrap();
    // Followers not heard from yet hold the high watermark where it was.
    assert_eq!(replica.offsets().unwrap().high_watermark, 0);
    let read = replica
        .read(
            0,
            1 << 20,
            FirstBatch::Whole,
            Isolation::HighWatermark,
            ReadInto::Copy,
        )
        .unwrap();
    assert!(read.records.is_empty(), "consumers never see above the HW");
    let read = replica
        .read(
            0,
            1 << 20,
            FirstBatch::Whole,
            Isolation::LogEnd,
            ReadInto::Copy,
        )
        .unwrap();
    assert!(!read.records.is_empty(), "followers read up to the log end");
}

#[test]
fn below_min_insync_replicas_acks_all_is_refused_and_the_high_watermark_stays() {
    let dir = tempfile::tempdir().unwrap();
    let replicas = manager(dir.path(), 1);
    let image = image(&[(0, vec![1, 2, 3], vec![1], 1, 0)]);
    let (replica, epoch) = replicas.leader(&image, "t", 0, -1).unwrap();
    replica.partition.set_min_insync_replicas(2);
    let refused = replica
        .append_records(batch(1).into(), epoch, Acks::All, 1_000)
        .unwrap_err();
    assert_eq!(refused.error(), ResponseError::NotEnoughReplicas);
    assert_eq!(replica.offsets().unwrap().log_end, 0, "nothing written");
    // acks=1 is written, but the ISR alone is below the minimum: nothing is committed
    // (Kafka's strict min ISR), so consumers do not see it.
    replica
        .append_records(batch(2).into(), epoch, Acks::Leader, 1_000)
        .unwrap();
    let offsets = replica.offsets().unwrap();
    assert_eq!((offsets.high_watermark, offsets.log_end), (0, 2));
    // The minimum counts no more than the replicas (Kafka's effective min ISR).
    let image = self::image(&[(1, vec![1], vec![1], 1, 0)]);
    let (sole, epoch) = replicas.leader(&image, "t", 1, -1).unwrap();
    sole.partition.set_min_insync_replicas(2);
    sole.append_records(batch(1).into(), epoch, Acks::All, 1_000)
        .unwrap();
    assert_eq!(sole.offsets().unwrap().high_watermark, 1);
}

#[tokio::test]
async fn acks_all_times_out_while_the_isr_lags() {
    let dir = tempfile::tempdir().unwrap();
    let replicas = manager(dir.path(), 1);
    let image = image(&[(0, vec![1, 2], vec![1, 2], 1, 0)]);
    let (replica, epoch) = replicas.leader(&image, "t", 0, -1).unwrap();
    let appended = replica
        .append_records(batch(1).into(), epoch, Acks::All, 1_000)
        .unwrap();
    let waited = replica
        .wait_replicated(appended.required_offset, epoch, Duration::from_millis(50))
        .await;
    assert_eq!(waited, Err(ResponseError::RequestTimedOut));
}

#[tokio::test]
async fn an_append_wakes_the_waiters_of_its_partition_only() {
    let dir = tempfile::tempdir().unwrap();
    let replicas = manager(dir.path(), 1);
    let image = image(&[(0, vec![1], vec![1], 1, 0), (1, vec![1], vec![1], 1, 0)]);
    let (p0, epoch) = replicas.leader(&image, "t", 0, -1).unwrap();
    let (p1, _) = replicas.leader(&image, "t", 1, -1).unwrap();
    let mut waits0 = p0.partition.subscribe();
    let waits1 = p1.partition.subscribe();
    p0.append_records(batch(1).into(), epoch, Acks::Leader, 1_000)
        .unwrap();
    assert!(waits0.has_changed().unwrap());
    assert!(!waits1.has_changed().unwrap());
    waits0.borrow_and_update();
    assert!(!waits0.has_changed().unwrap());
}

#[tokio::test]
async fn appends_waking_later_wake_their_partitions_together_when_the_wakes_drop() {
    let dir = tempfile::tempdir().unwrap();
    let replicas = manager(dir.path(), 1);
    let image = image(&[(0, vec![1], vec![1], 1, 0), (1, vec![1], vec![1], 1, 0)]);
    let (p0, epoch) = replicas.leader(&image, "t", 0, -1).unwrap();
    let (p1, _) = replicas.leader(&image, "t", 1, -1).unwrap();
    let (waits0, waits1) = (p0.partition.subscribe(), p1.partition.subscribe());
    let mut wakes = Wakes::default();
    for p in [&p0, &p1] {
        p.append_records_waking_later(batch(1).into(), epoch, Acks::All, 1_000, &mut wakes)
            .unwrap();
    }
    // Appended and settled (a sole replica's high watermark is its log end), not yet woken.
    assert_eq!(p1.offsets().unwrap().high_watermark, 1);
    assert!(!waits0.has_changed().unwrap() && !waits1.has_changed().unwrap());
    drop(wakes);
    assert!(waits0.has_changed().unwrap() && waits1.has_changed().unwrap());
}

#[test]
fn a_follower_fetch_moves_the_high_watermark_not_what_followers_read_to() {
    let dir = tempfile::tempdir().unwrap();
    let replicas = manager(dir.path(), 1);
    let image = image(&[(0, vec![1, 2], vec![1, 2], 1, 0)]);
    let (replica, epoch) = replicas.leader(&image, "t", 0, -1).unwrap();
    replica
        .append_records(batch(3).into(), epoch, Acks::All, 1_000)
        .unwrap();
    let before = |isolation| replica.read_bounds(isolation).unwrap();
    let (follower_end, consumer_end) =
        (before(Isolation::LogEnd), before(Isolation::HighWatermark));
    assert_eq!((follower_end, consumer_end), ((0, 3), (0, 0)));
    assert!(!replica.follower_fetched(2, 3, 0, 1_000).unwrap());
    // A waiting follower fetch has nothing new; a consumer's has.
    assert_eq!(
        replica.read_bounds(Isolation::LogEnd).unwrap(),
        follower_end
    );
    assert_eq!(
        replica.read_bounds(Isolation::HighWatermark).unwrap(),
        (0, 3)
    );
}

#[test]
fn a_high_watermark_moving_alone_wakes_acks_and_consumers_but_not_followers() {
    let dir = tempfile::tempdir().unwrap();
    let replicas = manager(dir.path(), 1);
    let first_epoch = image(&[(0, vec![1, 2, 3], vec![1, 2, 3], 1, 0)]);
    let (replica, epoch) = replicas.leader(&first_epoch, "t", 0, -1).unwrap();
    let mut everything = replica.partition.subscribe();
    let mut followers = replica.partition.subscribe_log();
    replica
        .append_records(batch(3).into(), epoch, Acks::All, 1_000)
        .unwrap();
    // An append is news for every waiter.
    assert!(everything.has_changed().unwrap() && followers.has_changed().unwrap());
    everything.borrow_and_update();
    followers.borrow_and_update();
    // The first follower's report leaves the high watermark; the second's moves it: acks=all
    // and consumers wake, the followers' waiting fetches have nothing new to read.
    replica.follower_fetched(2, 3, 0, 1_000).unwrap();
    assert!(!everything.has_changed().unwrap());
    replica.follower_fetched(3, 3, 0, 1_000).unwrap();
    assert_eq!(replica.offsets().unwrap().high_watermark, 3);
    assert!(everything.has_changed().unwrap());
    assert!(!followers.has_changed().unwrap());
    // A leadership change is news for followers too.
    let next_epoch = image(&[(0, vec![1, 2, 3], vec![1, 2, 3], 1, 1)]);
    replica
        .partition
        .apply_image(next_epoch.partition("t", 0).unwrap(), 1_000);
    assert!(followers.has_changed().unwrap());
}

/// A follower's fetch that finds its partition unmoved and does not read it still counts as
/// its fetch: the follower is caught up as of now, so after a long idle spell an append does
/// not find it lagging since its last read, and one out of the ISR is still taken back.
#[test]
fn a_fetch_of_an_unmoved_partition_keeps_its_follower_caught_up() {
    let dir = tempfile::tempdir().unwrap();
    let replicas = manager(dir.path(), 1);
    let image = image(&[(0, vec![1, 2, 3], vec![1, 2], 1, 0)]);
    let (replica, epoch) = replicas.leader(&image, "t", 0, -1).unwrap();
    replica
        .append_records(batch(3).into(), epoch, Acks::Leader, 1_000)
        .unwrap();
    let partition = &replica.partition;
    replica.follower_fetched(2, 3, 0, 1_000).unwrap();
    let moves = partition.moves();
    assert!(!partition.follower_fetched_again(2, 3, 3, 60_000));
    assert_eq!(partition.moves(), moves, "nothing moved");
    replica
        .append_records(batch(1).into(), epoch, Acks::Leader, 1_000)
        .unwrap();
    // Lagging means behind the log end for longer than the limit since last caught up.
    assert_eq!(partition.isr_without_lagging(4, 60_001, 30_000), None);
    let lagging = partition.isr_without_lagging(4, 90_001, 30_000);
    assert_eq!(lagging, Some((vec![1, 2], vec![1])));
    // Follower 3, out of the ISR, has caught up to the high watermark.
    replica.follower_fetched(3, 4, 0, 1_000).unwrap();
    assert!(partition.follower_fetched_again(3, 4, 4, 2_000));
}

/// An ISR expansion given up lets the high watermark move at the next settle: it counts as
/// a move, so a fetch that reads only moved partitions reads this one again.
#[test]
fn an_isr_change_given_up_moves_the_partition() {
    let dir = tempfile::tempdir().unwrap();
    let replicas = manager(dir.path(), 1);
    let image = image(&[(0, vec![1, 2], vec![1], 1, 0)]);
    let (replica, _) = replicas.leader(&image, "t", 0, -1).unwrap();
    let partition = &replica.partition;
    let moves = partition.moves();
    partition.abort_isr_change();
    assert_eq!(partition.moves(), moves, "no change was pending");
    assert!(partition.begin_isr_change(&[1, 2]).is_some());
    partition.abort_isr_change();
    assert_ne!(partition.moves(), moves);
}

#[test]
fn stated_leader_epochs_are_checked_as_kip_320() {
    let dir = tempfile::tempdir().unwrap();
    let replicas = manager(dir.path(), 1);
    let image = image(&[
        (0, vec![1, 2], vec![1, 2], 1, 4),
        (1, vec![1, 2], vec![1, 2], 2, 4),
    ]);
    assert!(replicas.leader(&image, "t", 0, 4).is_ok());
    let error = |p, epoch| replicas.leader(&image, "t", p, epoch).err();
    assert_eq!(error(0, 3), Some(ResponseError::FencedLeaderEpoch));
    assert_eq!(error(0, 5), Some(ResponseError::UnknownLeaderEpoch));
    assert_eq!(error(1, -1), Some(ResponseError::NotLeaderOrFollower));
    assert_eq!(error(2, -1), Some(ResponseError::UnknownTopicOrPartition));
    // An older image than the partition has applied changes nothing.
    let older = self::image(&[(0, vec![1, 2], vec![1, 2], 2, 3)]);
    assert!(replicas.leader(&older, "t", 0, -1).is_ok());
}

#[test]
fn a_restarted_replica_s_high_watermark_starts_from_the_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let before = manager(dir.path(), 1);
    let image = image(&[(0, vec![1, 2], vec![1, 2], 1, 0)]);
    let (replica, epoch) = before.leader(&image, "t", 0, -1).unwrap();
    replica
        .append_records(batch(5).into(), epoch, Acks::Leader, 1_000)
        .unwrap();
    replica.follower_fetched(2, 5, 0, 1_000).unwrap();
    assert_eq!(replica.offsets().unwrap().high_watermark, 5);
    before.checkpoint_high_watermarks(true).unwrap();
    let text = std::fs::read_to_string(dir.path().join(super::REPLICATION_OFFSET_CHECKPOINT));
    assert_eq!(text.unwrap(), "0\n1\nt 0 5\n");
    drop((replica, before));
    // Restarted and leading again: follower 2 has not fetched yet, so without the checkpoint
    // the high watermark would be the log start.
    let after = manager(dir.path(), 1);
    let image = self::image(&[(0, vec![1, 2], vec![1, 2], 1, 1)]);
    let (replica, _) = after.leader(&image, "t", 0, -1).unwrap();
    let offsets = replica.offsets().unwrap();
    assert_eq!((offsets.high_watermark, offsets.log_end), (5, 5));
}

#[test]
fn a_new_leader_records_where_its_epoch_starts_as_kafka_s_make_leader() {
    let dir = tempfile::tempdir().unwrap();
    let replicas = manager(dir.path(), 1);
    let image = image(&[(0, vec![1, 2], vec![1, 2], 1, 0)]);
    let (replica, epoch) = replicas.leader(&image, "t", 0, -1).unwrap();
    replica
        .append_records(batch(5).into(), epoch, Acks::Leader, 1_000)
        .unwrap();
    // Elected again in epoch 3 before follower 2 fetched: nothing is written in epoch 3 yet,
    // but OffsetForLeaderEpoch knows it, and the high watermark lags the epoch's start.
    let image = self::image(&[(0, vec![1, 2], vec![1, 2], 1, 3)]);
    let (replica, _) = replicas.leader(&image, "t", 0, 3).unwrap();
    {
        let log = replica.log().unwrap();
        assert_eq!(log.end_offset_for_epoch(3), (3, 5));
        assert_eq!(log.end_offset_for_epoch(2), (0, 5));
        assert_eq!(log.end_offset_for_epoch(4), (-1, -1));
    }
    assert_eq!(replica.offsets().unwrap().high_watermark, 0);
    assert!(replica.partition.high_watermark_behind_epoch_start());
    replica.follower_fetched(2, 5, 0, 1_000).unwrap();
    assert!(!replica.partition.high_watermark_behind_epoch_start());
    // A follower records no epoch of its own.
    let image = self::image(&[(0, vec![1, 2], vec![1, 2], 2, 4)]);
    let follower = replicas.replica(&image, "t", 0).unwrap();
    assert_eq!(follower.log().unwrap().latest_epoch(), Some(3));
    assert!(!follower.partition.high_watermark_behind_epoch_start());
}

/// A look-up holds under its own image while no hosted partition changes: another image (even
/// with the same contents), a new leader epoch applied, or the topic's deletion makes it
/// stale, and looking up again then sees the change.
#[test]
fn a_replica_look_up_holds_only_under_its_image_while_nothing_hosted_changed() {
    let dir = tempfile::tempdir().unwrap();
    let replicas = manager(dir.path(), 1);
    let first = Arc::new(image(&[(0, vec![1, 2], vec![1, 2], 1, 0)]));
    // As the broker's partition sync does before handlers see the image: a look-up that
    // itself makes the partition leader is stale at once (the generation moved meanwhile).
    replicas.apply_image(None, &first);
    let leader = replicas.look_up_replica(&first, "t", 0).unwrap();
    assert!(leader.get(&replicas, &first).is_some());
    let copy = Arc::new((*first).clone());
    assert!(leader.get(&replicas, &copy).is_none());
    let next = Arc::new(image(&[(0, vec![1, 2], vec![1, 2], 2, 1)]));
    replicas.apply_image(Some(&first), &next);
    assert!(leader.get(&replicas, &first).is_none());
    assert!(leader.get(&replicas, &next).is_none());
    let follower = replicas.look_up_replica(&next, "t", 0).unwrap();
    assert!(!follower.replica().partition.is_leader());
    assert!(follower.get(&replicas, &next).is_some());
    let deleted = Arc::new(MetadataImage::default());
    replicas.apply_image(Some(&next), &deleted);
    assert!(follower.get(&replicas, &next).is_none());
    let gone = replicas.look_up_replica(&deleted, "t", 0).err();
    assert_eq!(gone, Some(ResponseError::UnknownTopicOrPartition));
}

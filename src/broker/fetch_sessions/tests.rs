#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use bytes::Bytes;

fn partition(p: i32) -> FetchPartition {
    FetchPartition {
        key: PartitionKey {
            topic: TopicKey::Name("t".into()),
            partition: p,
        },
        topic: Some("t".into()),
        request: PartitionRequest {
            fetch_offset: 0,
            partition_max_bytes: 1024,
            current_leader_epoch: -1,
            last_fetched_epoch: -1,
            log_start_offset: -1,
        },
    }
}

fn request(session_id: i32, epoch: i32, partitions: &[i32]) -> SessionRequest {
    SessionRequest {
        version: 12,
        metadata: FetchMetadata { session_id, epoch },
        privileged: false,
        fetch_data: partitions.iter().map(|&p| partition(p)).collect(),
        to_forget: Vec::new(),
    }
}

fn no_names(_: &Uuid) -> Option<Arc<str>> {
    None
}

/// Opens a session at `now_ms` and answers its full fetch; returns its id (0: none opened).
fn open(sessions: &FetchSessions, now_ms: i64, privileged: bool, partitions: &[i32]) -> i32 {
    let mut req = request(0, INITIAL_EPOCH, partitions);
    req.privileged = privileged;
    let context = sessions.new_context(now_ms, req, no_names);
    respond_plain(context).session_id
}

fn read(partition: &FetchPartition, high_watermark: i64, records: &'static [u8]) -> PartitionRead {
    PartitionRead {
        partition: partition.clone(),
        error: 0,
        high_watermark,
        last_stable_offset: high_watermark,
        log_start_offset: 0,
        records: Records::Memory(Bytes::from_static(records)),
        aborted_transactions: None,
        diverging_epoch: None,
        preferred_read_replica: None,
    }
}

fn respond_plain(mut context: FetchContext) -> FetchAnswer {
    let reads = context
        .partitions()
        .iter()
        .map(|p| read(p, 0, b""))
        .collect();
    let kept = context.take_kept();
    context.respond(reads, kept)
}

#[test]
fn every_session_id_and_epoch_combination_follows_kafka() {
    let sessions = FetchSessions::new(10);
    let id = open(&sessions, 0, false, &[0]);
    assert_ne!(
        id, INVALID_SESSION_ID,
        "epoch 0 without a session opens one"
    );

    let next =
        |id, epoch| respond_plain(sessions.new_context(1, request(id, epoch, &[]), no_names));
    let answer = next(id, 1);
    assert_eq!((answer.error, answer.session_id), (None, id));
    let stale = next(id, 1);
    assert_eq!(stale.error, Some(ResponseError::InvalidFetchSessionEpoch));
    assert_eq!(stale.session_id, INVALID_SESSION_ID);
    assert_eq!(
        next(id, 2).error,
        None,
        "a wrong epoch leaves the session open"
    );
    assert_eq!(
        next(id.wrapping_add(1), 1).error,
        Some(ResponseError::FetchSessionIdNotFound)
    );
    assert_eq!(
        next(0, 1).error,
        Some(ResponseError::FetchSessionIdNotFound)
    );

    // Epoch 0 naming the session: closed, and a new one opened in its place.
    let context = sessions.new_context(2, request(id, INITIAL_EPOCH, &[0]), no_names);
    let reopened = respond_plain(context).session_id;
    assert_ne!(reopened, INVALID_SESSION_ID);
    assert_ne!(reopened, id);
    assert_eq!(
        next(id, 3).error,
        Some(ResponseError::FetchSessionIdNotFound)
    );
    assert_eq!(sessions.len(), 1);

    // Epoch -1 naming the session: closed, none opened, a full fetch without a session.
    let context = sessions.new_context(3, request(reopened, FINAL_EPOCH, &[0]), no_names);
    assert_eq!(context.partitions().len(), 1);
    let answer = respond_plain(context);
    assert_eq!(
        (answer.error, answer.session_id),
        (None, INVALID_SESSION_ID)
    );
    assert!(sessions.is_empty());
}

#[test]
fn the_epoch_wraps_to_one_after_the_largest() {
    assert_eq!(next_epoch(0), 1);
    assert_eq!(next_epoch(i32::MAX), 1);
    assert_eq!(next_epoch(-1), FINAL_EPOCH);
}

#[test]
fn a_session_keeps_its_topic_id_mode() {
    let sessions = FetchSessions::new(10);
    let id = open(&sessions, 0, false, &[0]);
    let mut req = request(id, 1, &[]);
    req.version = 13;
    let answer = respond_plain(sessions.new_context(1, req, no_names));
    assert_eq!(answer.error, Some(ResponseError::FetchSessionTopicIdError));
}

#[test]
fn an_incremental_answer_names_only_partitions_with_news_and_moves_served_ones_last() {
    let sessions = FetchSessions::new(10);
    let id = open(&sessions, 0, false, &[0, 1, 2]);
    let mut context = sessions.new_context(1, request(id, 1, &[]), no_names);
    let parts = context.partitions().to_vec();
    assert_eq!(parts.len(), 3);
    let kept = context.take_kept();
    // Partition 0 has records, 1 nothing new, 2 a moved high watermark.
    let answer = context.respond(
        vec![
            read(&parts[0], 0, b"x"),
            read(&parts[1], 0, b""),
            read(&parts[2], 5, b""),
        ],
        kept,
    );
    let named: Vec<i32> = answer
        .partitions
        .iter()
        .map(|r| r.partition.key.partition)
        .collect();
    assert_eq!(named, vec![0, 2]);
    let context = sessions.new_context(2, request(id, 2, &[]), no_names);
    let order: Vec<i32> = context
        .partitions()
        .iter()
        .map(|p| p.key.partition)
        .collect();
    assert_eq!(order, vec![1, 2, 0]);
}

/// The served partitions of one answer go last in the order they were read, behind those
/// served earlier, as Kafka's moves to the end one by one.
#[test]
fn served_partitions_go_last_in_the_order_read() {
    let sessions = FetchSessions::new(10);
    let id = open(&sessions, 0, false, &[0, 1, 2, 3, 4]);
    let order = |epoch| -> Vec<i32> {
        let mut context = sessions.new_context(1, request(id, epoch, &[]), no_names);
        let order = context
            .partitions()
            .iter()
            .map(|p| p.key.partition)
            .collect();
        let parts = context.partitions().to_vec();
        let served: &[i32] = if epoch == 1 { &[3, 1] } else { &[0] };
        let reads = parts
            .iter()
            .map(|p| {
                let records: &'static [u8] = if served.contains(&p.key.partition) {
                    b"x"
                } else {
                    b""
                };
                read(p, 0, records)
            })
            .collect();
        let kept = context.take_kept();
        context.respond(reads, kept);
        order
    };
    assert_eq!(order(1), vec![0, 1, 2, 3, 4]);
    assert_eq!(order(2), vec![0, 2, 4, 1, 3]);
    assert_eq!(order(3), vec![2, 4, 1, 3, 0]);
}

#[test]
fn forgetting_every_partition_closes_the_session() {
    let sessions = FetchSessions::new(10);
    let id = open(&sessions, 0, false, &[0]);
    let mut req = request(id, 1, &[]);
    req.to_forget = vec![partition(0).key];
    let answer = respond_plain(sessions.new_context(1, req, no_names));
    assert_eq!(
        (answer.error, answer.session_id),
        (None, INVALID_SESSION_ID)
    );
    assert!(sessions.is_empty());
}

#[test]
fn a_duplicate_request_is_refused_when_answered() {
    let sessions = FetchSessions::new(10);
    let id = open(&sessions, 0, false, &[0]);
    let first = sessions.new_context(1, request(id, 1, &[]), no_names);
    // A second fetch of epoch 2 is served while the first still waits.
    let second = sessions.new_context(1, request(id, 2, &[]), no_names);
    assert_eq!(respond_plain(second).error, None);
    let answer = respond_plain(first);
    assert_eq!(answer.error, Some(ResponseError::InvalidFetchSessionEpoch));
    assert_eq!(answer.session_id, id);
}

#[test]
fn a_full_cache_opens_no_session_until_one_can_be_evicted() {
    let sessions = FetchSessions::new(2);
    let small = open(&sessions, 0, false, &[0]);
    let large = open(&sessions, 0, false, &[0, 1, 2]);
    assert_eq!(
        open(&sessions, 1, false, &[0, 1, 2, 3]),
        0,
        "young sessions stay"
    );

    // A privileged session may evict a young unprivileged one: the smallest goes.
    let follower = open(&sessions, 2, true, &[0]);
    assert_ne!(follower, 0);
    let gone = sessions.new_context(3, request(small, 1, &[]), no_names);
    assert_eq!(
        respond_plain(gone).error,
        Some(ResponseError::FetchSessionIdNotFound)
    );

    // Once the unprivileged session is no longer young, a larger one may take its place.
    let old = EVICTION_MS + 10;
    for id in [large, follower] {
        let used = sessions.new_context(old, request(id, 1, &[]), no_names);
        assert_eq!(respond_plain(used).error, None);
    }
    assert_eq!(open(&sessions, old, false, &[0, 1]), 0, "smaller than it");
    assert_ne!(open(&sessions, old, false, &[0, 1, 2, 3]), 0);
    let gone = sessions.new_context(old, request(large, 2, &[]), no_names);
    assert_eq!(
        respond_plain(gone).error,
        Some(ResponseError::FetchSessionIdNotFound)
    );
}

#[test]
fn a_stale_session_is_evicted_first() {
    let sessions = FetchSessions::new(1);
    let privileged = open(&sessions, 0, true, &[0, 1, 2]);
    assert_eq!(open(&sessions, EVICTION_MS, false, &[0]), 0);
    assert_ne!(open(&sessions, EVICTION_MS + 1, false, &[0]), 0);
    let gone = sessions.new_context(EVICTION_MS + 2, request(privileged, 1, &[]), no_names);
    assert_eq!(
        respond_plain(gone).error,
        Some(ResponseError::FetchSessionIdNotFound)
    );
}

#[test]
fn no_slots_means_no_sessions() {
    let sessions = FetchSessions::new(0);
    assert_eq!(open(&sessions, 0, true, &[0]), 0);
}

#[test]
fn a_topic_id_unknown_when_it_joined_is_named_once_known() {
    let sessions = FetchSessions::new(10);
    let id = Uuid::from_u128(7);
    let mut req = request(0, INITIAL_EPOCH, &[]);
    req.version = 13;
    req.fetch_data = vec![FetchPartition {
        key: PartitionKey {
            topic: TopicKey::Id(id),
            partition: 0,
        },
        topic: None,
        request: partition(0).request,
    }];
    let session = respond_plain(sessions.new_context(0, req, no_names)).session_id;
    let mut next = request(session, 1, &[]);
    next.version = 13;
    let context = sessions.new_context(1, next, |_| Some("late".into()));
    assert_eq!(context.partitions()[0].topic.as_deref(), Some("late"));
}

/// What a fetch keeps of a caught-up read goes to the session's next fetch while the client
/// does not name the partition; naming it again (a new fetch offset) forgets it, and so does an
/// answer the session could not take (a duplicate fetch of the same epoch).
#[test]
fn a_caught_up_read_is_kept_until_the_client_names_its_partition() {
    let sessions = FetchSessions::new(10);
    let id = open(&sessions, 0, true, &[0, 1]);
    let caught_up = CaughtUp {
        moves: 3,
        leader_epoch: 0,
        offsets: Offsets {
            log_start: 0,
            last_stable: 0,
            high_watermark: 0,
            log_end: 0,
        },
    };
    let fetch = |epoch, named: &[i32], keep: bool| -> Vec<Option<CaughtUp>> {
        let mut context = sessions.new_context(1, request(id, epoch, named), no_names);
        let mut kept = context.take_kept();
        let given = kept.iter().map(|k| k.caught_up).collect();
        for k in &mut kept {
            k.caught_up = keep.then_some(caught_up);
        }
        let reads = context
            .partitions()
            .iter()
            .map(|p| read(p, 0, b""))
            .collect();
        context.respond(reads, kept);
        given
    };
    assert_eq!(fetch(1, &[], true), vec![None, None]);
    assert_eq!(fetch(2, &[], true), vec![Some(caught_up); 2]);
    let mut named = partition(1);
    named.request.fetch_offset = 5;
    let mut req = request(id, 3, &[]);
    req.fetch_data = vec![named];
    let mut context = sessions.new_context(1, req, no_names);
    let given: Vec<_> = context.take_kept().iter().map(|k| k.caught_up).collect();
    assert_eq!(given, vec![Some(caught_up), None]);
    drop(context);
    // The session's epoch moved on, but that fetch's answer never came back.
    assert_eq!(fetch(4, &[], false), vec![None, None]);
}

//! Each controller request's answers, decided against hand-built images (no Raft needed), plus
//! the same errors end to end through a single-node quorum.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use kafka_protocol::error::ResponseError;
use rand::rngs::StdRng;
use rand::SeedableRng;
use uuid::Uuid;

use super::support::{new_topic, settings, TestCluster};
use crate::metadata::controller::{
    alter_configs, brokers, create_partitions, create_topics, delete_topics, Decision,
};
use crate::metadata::{
    AlterConfigOp, AlterConfigOpType, ApiError, ConfigResource, ControllerRequest,
    ControllerResponse, MetadataImage, MetadataRecord, NewTopic, TopicRef,
};

fn image_with_brokers(ids: &[i32]) -> MetadataImage {
    let mut image = MetadataImage::default();
    for id in ids {
        image.apply(&MetadataRecord::RegisterBroker {
            broker_id: *id,
            host: "localhost".into(),
            port: 9092 + id,
            rack: None,
            listeners: Vec::new(),
        });
    }
    image
}

fn rng() -> StdRng {
    StdRng::seed_from_u64(42)
}

fn apply(image: &mut MetadataImage, decision: &Decision) {
    for record in &decision.records {
        image.apply(record);
    }
}

fn create(image: &MetadataImage, topics: Vec<NewTopic>) -> (Vec<Result<i32, ApiError>>, Decision) {
    let decision = create_topics::create_topics(image, &settings(), &topics, false, &mut rng());
    let ControllerResponse::CreateTopics(results) = &decision.response else {
        panic!("wrong response {:?}", decision.response);
    };
    let outcomes = results
        .iter()
        .map(|r| r.result.clone().map(|c| c.num_partitions))
        .collect();
    (outcomes, decision)
}

fn image_with_topic(name: &str, partitions: i32) -> MetadataImage {
    let mut image = image_with_brokers(&[0, 1, 2]);
    let (_, decision) = create(&image, vec![new_topic(name, partitions)]);
    apply(&mut image, &decision);
    image
}

fn code(result: &Result<i32, ApiError>) -> ResponseError {
    result.clone().unwrap_err().code
}

#[test]
fn create_topics_writes_topic_configs_then_partitions() {
    let image = image_with_brokers(&[0, 1, 2]);
    let mut topic = new_topic("events", 3);
    topic.configs.insert("retention.ms".into(), "1000".into());
    let (outcomes, decision) = create(&image, vec![topic]);
    assert_eq!(outcomes, vec![Ok(3)]);
    assert!(matches!(decision.records[0], MetadataRecord::Topic { .. }));
    assert!(matches!(decision.records[1], MetadataRecord::Config { .. }));
    assert_eq!(decision.records.len(), 5);
}

#[test]
fn create_topics_default_partitions_and_validate_only() {
    let image = image_with_brokers(&[0]);
    let topics = vec![new_topic("defaulted", -1)];
    let decision = create_topics::create_topics(&image, &settings(), &topics, true, &mut rng());
    assert!(decision.records.is_empty(), "validate_only writes nothing");
    let ControllerResponse::CreateTopics(results) = decision.response else {
        panic!()
    };
    assert_eq!(results[0].result.clone().unwrap().num_partitions, 1);
}

#[test]
fn create_topics_invalid_names() {
    let image = image_with_brokers(&[0]);
    for name in ["", ".", "..", "has space", "a/b", &"x".repeat(250)] {
        let (outcomes, decision) = create(&image, vec![new_topic(name, 1)]);
        assert_eq!(
            code(&outcomes[0]),
            ResponseError::InvalidTopicException,
            "{name:?}"
        );
        assert!(decision.records.is_empty());
    }
}

#[test]
fn create_topics_colliding_name() {
    let image = image_with_topic("a.b", 1);
    let (outcomes, _) = create(&image, vec![new_topic("a_b", 1)]);
    let error = outcomes[0].clone().unwrap_err();
    assert_eq!(error.code, ResponseError::InvalidTopicException);
    assert_eq!(
        error.message.as_deref(),
        Some("Topic 'a_b' collides with existing topic: a.b")
    );
}

#[test]
fn create_topics_existing_topic() {
    let image = image_with_topic("orders", 1);
    let (outcomes, _) = create(&image, vec![new_topic("orders", 1)]);
    let error = outcomes[0].clone().unwrap_err();
    assert_eq!(error.code, ResponseError::TopicAlreadyExists);
    assert_eq!(
        error.message.as_deref(),
        Some("Topic 'orders' already exists.")
    );
}

#[test]
fn create_topics_duplicate_names_in_one_request() {
    let image = image_with_brokers(&[0]);
    let (outcomes, decision) = create(&image, vec![new_topic("twice", 1), new_topic("twice", 1)]);
    assert!(outcomes
        .iter()
        .all(|o| code(o) == ResponseError::InvalidRequest));
    assert!(decision.records.is_empty());
}

#[test]
fn create_topics_invalid_partitions() {
    let image = image_with_brokers(&[0]);
    for partitions in [0, -2] {
        let (outcomes, _) = create(&image, vec![new_topic("p", partitions)]);
        assert_eq!(code(&outcomes[0]), ResponseError::InvalidPartitions);
    }
}

#[test]
fn create_topics_invalid_replication_factor() {
    let image = image_with_brokers(&[0, 1, 2]);
    for factor in [0, -2, 4] {
        let mut topic = new_topic("r", 1);
        topic.replication_factor = factor;
        let (outcomes, _) = create(&image, vec![topic]);
        assert_eq!(
            code(&outcomes[0]),
            ResponseError::InvalidReplicationFactor,
            "{factor}"
        );
    }
}

#[test]
fn create_topics_places_every_replica_on_its_own_broker_leader_first() {
    let image = image_with_brokers(&[0, 1, 2]);
    let mut topic = new_topic("replicated", 6);
    topic.replication_factor = 3;
    let (outcomes, decision) = create(&image, vec![topic]);
    assert!(outcomes[0].is_ok());
    let partitions: Vec<_> = decision
        .records
        .iter()
        .filter_map(|r| match r {
            MetadataRecord::Partition {
                replicas,
                isr,
                leader,
                ..
            } => Some((replicas.clone(), isr.clone(), *leader)),
            _ => None,
        })
        .collect();
    assert_eq!(partitions.len(), 6);
    for (replicas, isr, leader) in &partitions {
        let mut distinct = replicas.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct, vec![0, 1, 2]);
        assert_eq!(isr, replicas);
        assert_eq!(*leader, replicas[0]);
    }
    // Leaders are spread: each broker leads two of the six.
    for broker in 0..3 {
        assert_eq!(partitions.iter().filter(|p| p.2 == broker).count(), 2);
    }
}

#[test]
fn create_topics_no_alive_broker() {
    let mut image = image_with_brokers(&[0]);
    image.apply(&MetadataRecord::FenceBroker { broker_id: 0 });
    let (outcomes, _) = create(&image, vec![new_topic("nobody", 1)]);
    assert_eq!(code(&outcomes[0]), ResponseError::InvalidReplicationFactor);
}

#[test]
fn create_topics_invalid_config() {
    let image = image_with_brokers(&[0]);
    let mut bad_value = new_topic("c1", 1);
    bad_value
        .configs
        .insert("retention.ms".into(), "soon".into());
    let mut unknown = new_topic("c2", 1);
    unknown.configs.insert("no.such.config".into(), "1".into());
    let (outcomes, decision) = create(&image, vec![bad_value, unknown]);
    assert_eq!(code(&outcomes[0]), ResponseError::InvalidConfig);
    assert_eq!(code(&outcomes[1]), ResponseError::InvalidConfig);
    assert!(decision.records.is_empty());
}

#[test]
fn create_topics_manual_assignments() {
    let image = image_with_brokers(&[0, 1]);
    let mut topic = new_topic("manual", -1);
    topic.assignments = BTreeMap::from([(0, vec![1]), (1, vec![0])]);
    let (outcomes, decision) = create(&image, vec![topic.clone()]);
    assert_eq!(outcomes, vec![Ok(2)]);
    let leaders: Vec<i32> = decision
        .records
        .iter()
        .filter_map(|r| match r {
            MetadataRecord::Partition { leader, .. } => Some(*leader),
            _ => None,
        })
        .collect();
    assert_eq!(leaders, vec![1, 0]);

    let mut with_count = topic.clone();
    with_count.num_partitions = 2;
    let (outcomes, _) = create(&image, vec![with_count]);
    assert_eq!(code(&outcomes[0]), ResponseError::InvalidRequest);

    let mut unknown_broker = topic.clone();
    unknown_broker.assignments = BTreeMap::from([(0, vec![7])]);
    let (outcomes, _) = create(&image, vec![unknown_broker]);
    assert_eq!(code(&outcomes[0]), ResponseError::InvalidReplicaAssignment);

    let mut gap = topic;
    gap.assignments = BTreeMap::from([(0, vec![0]), (2, vec![1])]);
    let (outcomes, _) = create(&image, vec![gap]);
    assert_eq!(code(&outcomes[0]), ResponseError::InvalidReplicaAssignment);
}

#[test]
fn delete_topics_by_name_and_id() {
    let image = image_with_topic("doomed", 2);
    let topic_id = image.topic("doomed").unwrap().topic_id;
    let decision = delete_topics::delete_topics(
        &image,
        &[
            TopicRef::Name("doomed".into()),
            TopicRef::Id(topic_id),
            TopicRef::Name("missing".into()),
            TopicRef::Id(Uuid::new_v4()),
        ],
    );
    assert_eq!(
        decision.records,
        vec![MetadataRecord::RemoveTopic { topic_id }]
    );
    let ControllerResponse::DeleteTopics(results) = decision.response else {
        panic!()
    };
    assert!(results[0].result.is_ok() && results[1].result.is_ok());
    assert_eq!(
        results[2].result.clone().unwrap_err().code,
        ResponseError::UnknownTopicOrPartition
    );
    assert_eq!(
        results[3].result.clone().unwrap_err().code,
        ResponseError::UnknownTopicId
    );
}

fn grow(
    image: &MetadataImage,
    topic: &str,
    count: i32,
    assignments: Option<&[Vec<i32>]>,
) -> Decision {
    create_partitions::create_partitions(image, topic, count, assignments, false, &mut rng())
}

fn partitions_error(decision: &Decision) -> ApiError {
    match &decision.response {
        ControllerResponse::CreatePartitions(Err(error)) => error.clone(),
        other => panic!("expected an error, got {other:?}"),
    }
}

#[test]
fn create_partitions_grows_a_topic() {
    let mut image = image_with_topic("grow", 2);
    let decision = grow(&image, "grow", 5, None);
    assert!(matches!(
        decision.response,
        ControllerResponse::CreatePartitions(Ok(()))
    ));
    apply(&mut image, &decision);
    let partitions: Vec<i32> = image
        .topic("grow")
        .unwrap()
        .partitions
        .keys()
        .copied()
        .collect();
    assert_eq!(partitions, vec![0, 1, 2, 3, 4]);
}

#[test]
fn create_partitions_errors() {
    let image = image_with_topic("three", 3);
    let error = partitions_error(&grow(&image, "three", 2, None));
    assert_eq!(error.code, ResponseError::InvalidPartitions);
    assert_eq!(
        error.message.as_deref(),
        Some("The topic three currently has 3 partition(s); 2 would not be an increase.")
    );
    let error = partitions_error(&grow(&image, "three", 3, None));
    assert_eq!(
        error.message.as_deref(),
        Some("Topic already has 3 partition(s).")
    );
    let error = partitions_error(&grow(&image, "absent", 4, None));
    assert_eq!(error.code, ResponseError::UnknownTopicOrPartition);
    let error = partitions_error(&grow(&image, "three", 5, Some(&[vec![0]])));
    assert_eq!(error.code, ResponseError::InvalidReplicaAssignment);
    let validate_only =
        create_partitions::create_partitions(&image, "three", 4, None, true, &mut rng());
    assert!(validate_only.records.is_empty());
}

fn alter(image: &MetadataImage, resource: ConfigResource, ops: Vec<AlterConfigOp>) -> Decision {
    alter_configs::alter_configs(image, &settings(), &resource, &ops, false)
}

fn op(name: &str, op: AlterConfigOpType) -> AlterConfigOp {
    AlterConfigOp {
        name: name.into(),
        op,
    }
}

fn alter_error(decision: &Decision) -> ResponseError {
    match &decision.response {
        ControllerResponse::AlterConfigs(Err(error)) => error.code,
        other => panic!("expected an error, got {other:?}"),
    }
}

#[test]
fn alter_configs_set_append_subtract_delete() {
    let mut image = image_with_topic("t", 1);
    let resource = ConfigResource::Topic("t".into());
    let steps = [
        (
            op("retention.ms", AlterConfigOpType::Set("5".into())),
            Some("5"),
        ),
        (
            op(
                "cleanup.policy",
                AlterConfigOpType::Append("delete,compact".into()),
            ),
            Some("delete,compact"),
        ),
        (
            op(
                "cleanup.policy",
                AlterConfigOpType::Subtract("delete".into()),
            ),
            Some("compact"),
        ),
        (op("retention.ms", AlterConfigOpType::Delete), None),
    ];
    for (step, expected) in steps {
        let name = step.name.clone();
        let decision = alter(&image, resource.clone(), vec![step]);
        assert!(matches!(
            decision.response,
            ControllerResponse::AlterConfigs(Ok(()))
        ));
        apply(&mut image, &decision);
        assert_eq!(
            image.configs_of(&resource).get(&name).map(String::as_str),
            expected
        );
    }
}

#[test]
fn alter_configs_errors() {
    let image = image_with_topic("t", 1);
    let topic = ConfigResource::Topic("t".into());
    let decision = alter(
        &image,
        topic.clone(),
        vec![op("retention.ms", AlterConfigOpType::Set("x".into()))],
    );
    assert_eq!(alter_error(&decision), ResponseError::InvalidConfig);
    assert!(decision.records.is_empty());
    let decision = alter(
        &image,
        topic.clone(),
        vec![op("bogus", AlterConfigOpType::Delete)],
    );
    assert_eq!(alter_error(&decision), ResponseError::InvalidConfig);
    let decision = alter(
        &image,
        ConfigResource::Topic("absent".into()),
        vec![op("retention.ms", AlterConfigOpType::Delete)],
    );
    assert_eq!(
        alter_error(&decision),
        ResponseError::UnknownTopicOrPartition
    );
    let twice = vec![
        op("retention.ms", AlterConfigOpType::Set("1".into())),
        op("retention.ms", AlterConfigOpType::Delete),
    ];
    assert_eq!(
        alter_error(&alter(&image, topic, twice)),
        ResponseError::InvalidRequest
    );
}

#[test]
fn fencing_moves_leadership_and_registering_takes_it_back() {
    let mut image = image_with_brokers(&[0]);
    let (_, decision) = create(&image, vec![new_topic("solo", 2)]);
    apply(&mut image, &decision);
    let fenced = brokers::fence_broker(&image, 0, false);
    apply(&mut image, &fenced);
    let partition = image.partition("solo", 0).unwrap().clone();
    assert_eq!(partition.leader, -1);
    assert_eq!(partition.isr, vec![0]);
    assert_eq!(partition.leader_epoch, 1);
    let registration = MetadataRecord::RegisterBroker {
        broker_id: 0,
        host: "localhost".into(),
        port: 9092,
        rack: None,
        listeners: Vec::new(),
    };
    let records = brokers::register_broker(&image, 0, registration, false).unwrap();
    for record in &records {
        image.apply(record);
    }
    let partition = image.partition("solo", 0).unwrap();
    assert_eq!((partition.leader, partition.leader_epoch), (0, 2));
    let unknown = brokers::fence_broker(&image, 9, false);
    assert!(matches!(
        unknown.response,
        ControllerResponse::FenceBroker(Err(ApiError {
            code: ResponseError::BrokerIdNotRegistered,
            ..
        }))
    ));
}

#[test]
fn producer_id_blocks_do_not_overlap() {
    let mut image = image_with_brokers(&[0]);
    let first = brokers::allocate_producer_ids(&image, 0);
    apply(&mut image, &first);
    let second = brokers::allocate_producer_ids(&image, 0);
    let (
        ControllerResponse::AllocateProducerIds(Ok(a)),
        ControllerResponse::AllocateProducerIds(Ok(b)),
    ) = (&first.response, &second.response)
    else {
        panic!("allocation failed");
    };
    assert_eq!(a.first_producer_id, 0);
    assert_eq!(b.first_producer_id, i64::from(a.producer_id_len));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn controller_errors_travel_through_the_quorum() {
    let cluster = TestCluster::start_registered(1).await;
    let node = cluster.node(0);
    assert!(cluster
        .create_topics(0, vec![new_topic("once", 1)], false)
        .await[0]
        .result
        .is_ok());
    let again = cluster
        .create_topics(0, vec![new_topic("once", 1)], false)
        .await;
    assert_eq!(
        again[0].result.clone().unwrap_err().code,
        ResponseError::TopicAlreadyExists
    );
    let response = node
        .controller_call(ControllerRequest::CreatePartitions {
            topic: "once".into(),
            count: 3,
            assignments: None,
            validate_only: false,
        })
        .await
        .unwrap();
    assert_eq!(response, ControllerResponse::CreatePartitions(Ok(())));
    assert_eq!(node.image().topic("once").unwrap().partitions.len(), 3);
    let response = node
        .controller_call(ControllerRequest::DeleteTopics {
            topics: vec![TopicRef::Name("once".into())],
        })
        .await
        .unwrap();
    assert!(matches!(response, ControllerResponse::DeleteTopics(ref r) if r[0].result.is_ok()));
    assert!(node.image().topic("once").is_none());
    let response = node
        .controller_call(ControllerRequest::AllocateProducerIds { broker_id: 0 })
        .await
        .unwrap();
    assert!(matches!(
        response,
        ControllerResponse::AllocateProducerIds(Ok(_))
    ));
    assert_eq!(node.image().next_producer_id, 1000);
}

"""confluent-kafka (librdkafka from PyPI) against a running kf cluster: metadata, then a
produce/consume round trip, and one on an RF=3 topic with acks=all."""
import os

from confluent_kafka import Consumer, Producer, TopicCollection, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

bootstrap = os.environ["KF_SMOKE_BOOTSTRAP"]
admin = AdminClient({"bootstrap.servers": bootstrap})
for future in admin.create_topics([NewTopic("smoke-confluent", 3, 1)]).values():
    future.result(30)
metadata = admin.list_topics(timeout=30)
assert len(metadata.brokers) == 3
assert len(metadata.topics["smoke-confluent"].partitions) == 3
cluster = admin.describe_cluster(request_timeout=30).result(30)
assert len(cluster.nodes) == 3

producer = Producer({"bootstrap.servers": bootstrap, "acks": "all"})
for i in range(500):
    producer.produce("smoke-confluent", key=str(i % 7), value=f"v{i}")
assert producer.flush(30) == 0

# librdkafka needs a group id even for assign(); the group is never joined.
consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "kf-smoke", "enable.auto.commit": False})
consumer.assign([TopicPartition("smoke-confluent", p, 0) for p in range(3)])
values = set()
for _ in range(200):
    for message in consumer.consume(num_messages=500, timeout=0.5):
        assert message.error() is None, message.error()
        values.add(message.value())
    if len(values) == 500:
        break
assert values == {f"v{i}".encode() for i in range(500)}, len(values)
print("confluent-kafka: metadata and 500-record round trip ok")

# Replication: an RF=3 topic on the 3 brokers, produced with acks=all and read back; every
# record is where its delivery report put it, and every partition has 3 replicas all in sync.
rf3 = "smoke-confluent-rf3"
for future in admin.create_topics([NewTopic(rf3, 3, 3)]).values():
    future.result(30)
for p in admin.list_topics(rf3, timeout=30).topics[rf3].partitions.values():
    assert sorted(p.replicas) == [0, 1, 2], (p.id, p.replicas)
delivered = {}


def on_delivery(err, message):
    assert err is None, err
    delivered[(message.partition(), message.offset())] = message.value()


producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": True})
for i in range(1000):
    producer.produce(rf3, key=str(i % 11), value=f"r{i}", on_delivery=on_delivery)
assert producer.flush(60) == 0
assert len(delivered) == 1000, len(delivered)
consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "kf-smoke-rf3", "enable.auto.commit": False})
consumer.assign([TopicPartition(rf3, p, 0) for p in range(3)])
read = {}
for _ in range(200):
    for message in consumer.consume(num_messages=1000, timeout=0.5):
        assert message.error() is None, message.error()
        read[(message.partition(), message.offset())] = message.value()
    if len(read) == 1000:
        break
assert read == delivered, (len(read), len(delivered))
for p in admin.list_topics(rf3, timeout=30).topics[rf3].partitions.values():
    assert sorted(p.isrs) == [0, 1, 2], (p.id, p.isrs)
print("confluent-kafka: RF=3 topic, 1000 records with acks=all read back where delivered, ISR of 3")

# Authorized operations, asked for: kf has no authorizer, so every operation of each resource,
# as a Kafka broker without one answers.
topic_ops = admin.describe_topics(TopicCollection([rf3]), include_authorized_operations=True)[rf3].result(30)
assert {o.name for o in topic_ops.authorized_operations} == {
    "READ", "WRITE", "CREATE", "DELETE", "ALTER", "DESCRIBE", "DESCRIBE_CONFIGS", "ALTER_CONFIGS"
}, topic_ops.authorized_operations
cluster_ops = admin.describe_cluster(include_authorized_operations=True).result(30)
assert {o.name for o in cluster_ops.authorized_operations} == {
    "CREATE", "CLUSTER_ACTION", "DESCRIBE_CONFIGS", "ALTER_CONFIGS", "IDEMPOTENT_WRITE", "ALTER", "DESCRIBE"
}, cluster_ops.authorized_operations
print("confluent-kafka: authorized operations of a topic and of the cluster ok")

"""confluent-kafka (librdkafka from PyPI) against a running kf cluster: metadata, then a
produce/consume round trip."""
import os

from confluent_kafka import Consumer, Producer, TopicPartition
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

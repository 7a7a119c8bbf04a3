"""kafka-python against a running kf cluster: metadata, then a produce/consume round trip."""
import os

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic

bootstrap = os.environ["KF_SMOKE_BOOTSTRAP"].split(",")
admin = KafkaAdminClient(bootstrap_servers=bootstrap)
admin.create_topics([NewTopic("smoke-kafka-python", num_partitions=3, replication_factor=1)])
assert "smoke-kafka-python" in admin.list_topics()
brokers = admin.describe_cluster()["brokers"]
assert len(brokers) == 3, brokers

producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
for i in range(500):
    producer.send("smoke-kafka-python", key=str(i % 7).encode(), value=f"v{i}".encode())
producer.flush()

consumer = KafkaConsumer(bootstrap_servers=bootstrap, consumer_timeout_ms=10000)
partitions = [TopicPartition("smoke-kafka-python", p) for p in range(3)]
consumer.assign(partitions)
consumer.seek_to_beginning(*partitions)
values = {m.value for m in consumer}
assert values == {f"v{i}".encode() for i in range(500)}, len(values)
print("kafka-python: metadata and 500-record round trip ok")

# Fetch sessions (KIP-227): kafka-python keeps an incremental session per broker. Force a stale
# epoch on every session now and then, as a client does whose cancelled fetch was served anyway:
# the broker answers INVALID_FETCH_SESSION_EPOCH, the client starts over with epoch 0 on the same
# session id, and the broker must open a new session (issue 12: it used to refuse forever).
from kafka.consumer.fetcher import FetchMetadata

topic = "smoke-fetch-sessions"
admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])
small_batches = KafkaProducer(bootstrap_servers=bootstrap, batch_size=256, linger_ms=0)
for i in range(3000):
    small_batches.send(topic, value=f"s{i}".encode())
small_batches.flush()

# Small fetches, so the records take many incremental fetches to read.
consumer = KafkaConsumer(bootstrap_servers=bootstrap, consumer_timeout_ms=15000,
                         max_partition_fetch_bytes=512)
partitions = [TopicPartition(topic, p) for p in range(3)]
consumer.assign(partitions)
consumer.seek_to_beginning(*partitions)
seen, resets = set(), 0
for i, message in enumerate(consumer):
    seen.add(message.value)
    if i % 100 == 99:
        for handler in consumer._fetcher._session_handlers.values():
            meta = handler.next_metadata
            if meta.epoch > 1:
                handler.next_metadata = FetchMetadata(meta.session_id, meta.epoch - 1)
                resets += 1
    if len(seen) == 3000:
        break
assert resets > 0, "no incremental fetch session was open to reset"
assert seen == {f"s{i}".encode() for i in range(3000)}, len(seen)
print(f"kafka-python: 3000 records read across {resets} fetch session resets")

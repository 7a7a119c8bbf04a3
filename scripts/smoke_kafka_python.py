"""kafka-python against a running kf cluster: metadata, a produce/consume round trip, then a
transactional producer that commits and aborts, read back read_committed and read_uncommitted."""
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

admin.create_topics([NewTopic("smoke-kafka-python-txn", num_partitions=2, replication_factor=1)])
txn = KafkaProducer(bootstrap_servers=bootstrap, transactional_id="smoke-kafka-python")
txn.init_transactions()
txn.begin_transaction()
for i in range(20):
    txn.send("smoke-kafka-python-txn", partition=i % 2, value=f"committed-{i}".encode())
txn.commit_transaction()
txn.begin_transaction()
for i in range(20):
    txn.send("smoke-kafka-python-txn", partition=i % 2, value=f"aborted-{i}".encode())
txn.flush()
txn.abort_transaction()
txn.begin_transaction()
for p in range(2):
    txn.send("smoke-kafka-python-txn", partition=p, value=b"last")
txn.commit_transaction()
txn.close()


def read_all(isolation_level):
    reader = KafkaConsumer(
        bootstrap_servers=bootstrap, isolation_level=isolation_level, consumer_timeout_ms=10000
    )
    parts = [TopicPartition("smoke-kafka-python-txn", p) for p in range(2)]
    reader.assign(parts)
    reader.seek_to_beginning(*parts)
    return [m.value for m in reader]


committed = {f"committed-{i}".encode() for i in range(20)} | {b"last"}
got = read_all("read_committed")
assert set(got) == committed and len(got) == 22, got
got = read_all("read_uncommitted")
assert set(got) == committed | {f"aborted-{i}".encode() for i in range(20)} and len(got) == 42, got
print("kafka-python: transactional commit and abort ok (read_committed and read_uncommitted)")

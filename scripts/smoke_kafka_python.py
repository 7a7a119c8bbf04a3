"""kafka-python against a running kf cluster: metadata, a produce/consume round trip (RF=1 and
RF=3 with acks=all), then a
transactional producer that commits and aborts, read back read_committed and read_uncommitted,
and that sends a joined consumer's offsets in its transactions (KIP-447)."""
import os
import time

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.structs import OffsetAndMetadata

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

# Replication: an RF=3 topic on the 3 brokers, produced with acks=all and read back; every
# record is at the offset its produce answer gave, and every partition has 3 replicas in sync.
rf3 = "smoke-kafka-python-rf3"
admin.create_topics([NewTopic(rf3, num_partitions=3, replication_factor=3)])
rf3_producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
futures = [
    (f"r{i}".encode(), rf3_producer.send(rf3, key=str(i % 11).encode(), value=f"r{i}".encode()))
    for i in range(1000)
]
rf3_producer.flush()
delivered = {}
for value, future in futures:
    meta = future.get(timeout=30)
    delivered[(meta.partition, meta.offset)] = value
consumer = KafkaConsumer(bootstrap_servers=bootstrap, consumer_timeout_ms=10000)
rf3_partitions = [TopicPartition(rf3, p) for p in range(3)]
consumer.assign(rf3_partitions)
consumer.seek_to_beginning(*rf3_partitions)
read = {(m.partition, m.offset): m.value for m in consumer}
consumer.close()
assert read == delivered, (len(read), len(delivered))
for p in admin.describe_topics([rf3])[0]["partitions"]:
    # The field names of the Metadata schema (kafka-python 3); 2.x called them replicas and isr.
    replicas, isr = p.get("replica_nodes", p.get("replicas")), p.get("isr_nodes", p.get("isr"))
    assert sorted(replicas) == [0, 1, 2] and sorted(isr) == [0, 1, 2], p
print("kafka-python: RF=3 topic, 1000 records with acks=all read back where produced, ISR of 3")

# DescribeTopicPartitions (KIP-966; kafka-python 3 has it), two partitions a page: the cursor
# walks the topic.
if hasattr(admin, "describe_topic_partitions"):
    described, cursor = [], None
    for _ in range(3):
        page = admin.describe_topic_partitions([rf3], response_partition_limit=2, cursor=cursor)
        described += [(p["partition_index"], len(p["isr_nodes"])) for t in page["topics"] for p in t["partitions"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert described == [(0, 3), (1, 3), (2, 3)] and cursor is None, (described, cursor)
    print("kafka-python: DescribeTopicPartitions paged through the RF=3 topic")

# A consumer group (classic protocol): two members share the topic's partitions, read every
# record once between them, commit, and the committed offsets read back.
group_values = []
members = [
    KafkaConsumer(
        "smoke-kafka-python",
        bootstrap_servers=bootstrap,
        group_id="smoke-kafka-python-group",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=15000,
    )
    for _ in range(2)
]
deadline = time.time() + 60
while len(group_values) < 500 and time.time() < deadline:
    for member in members:
        for records in member.poll(timeout_ms=200).values():
            group_values.extend(r.value for r in records)
assert sorted(group_values) == sorted(f"v{i}".encode() for i in range(500)), len(group_values)
owned = [member.assignment() for member in members]
assert set().union(*owned) == set(partitions), owned
for member in members:
    member.commit()
committed = {tp: members[0].committed(tp) for tp in partitions}
ends = members[0].end_offsets(partitions)
assert committed == ends, (committed, ends)
for member in members:
    member.close()
print("kafka-python: two-member group read 500 records once and committed")

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

# Consume-transform-produce: the group's offsets go in the transaction with the consumer's group
# metadata (generation and member checked by the group coordinator) and count only if it commits.
eos = KafkaConsumer(
    "smoke-kafka-python-txn",
    bootstrap_servers=bootstrap,
    group_id="smoke-kafka-python-eos",
    enable_auto_commit=False,
    isolation_level="read_committed",
)
deadline = time.time() + 60
while not eos.assignment() and time.time() < deadline:
    eos.poll(timeout_ms=200)
assert eos.assignment(), "the eos consumer was never assigned"
eos_tp = TopicPartition("smoke-kafka-python-txn", 0)
for offset, commit in [(7, True), (9, False)]:
    txn.begin_transaction()
    txn.send("smoke-kafka-python-txn", partition=1, value=b"eos")
    txn.send_offsets_to_transaction(
        {eos_tp: OffsetAndMetadata(offset, "", -1)}, eos.group_metadata()
    )
    if commit:
        txn.commit_transaction()
    else:
        txn.flush()
        txn.abort_transaction()
    deadline = time.time() + 60
    while eos.committed(eos_tp) != 7 and time.time() < deadline:
        time.sleep(0.1)
    assert eos.committed(eos_tp) == 7, eos.committed(eos_tp)
eos.close()
txn.close()
print("kafka-python: offsets sent in a transaction commit with it and not with an abort")


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
assert set(got) == committed | {b"eos"} and len(got) == 23, got
got = read_all("read_uncommitted")
everything = committed | {f"aborted-{i}".encode() for i in range(20)} | {b"eos"}
assert set(got) == everything and len(got) == 44, got
print("kafka-python: transactional commit and abort ok (read_committed and read_uncommitted)")

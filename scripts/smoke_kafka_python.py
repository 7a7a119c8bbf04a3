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

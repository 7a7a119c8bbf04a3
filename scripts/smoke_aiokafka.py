"""aiokafka (PyPI; an asyncio client of its own) against a running kf cluster: an idempotent
acks=all produce to an RF=3 topic, a group of two members that reads every record and commits,
and transactions: a committed one, an aborted one and one with a consumer group's offsets in it,
read back read_committed."""
import asyncio
import os
import time

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

bootstrap = os.environ["KF_SMOKE_BOOTSTRAP"]
TOPIC, TXN_TOPIC, RECORDS = "smoke-aiokafka", "smoke-aiokafka-txn", 600


async def main():
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    await admin.create_topics([NewTopic(TOPIC, 3, 3), NewTopic(TXN_TOPIC, 2, 3)])

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    for i in range(RECORDS):
        await producer.send(TOPIC, key=str(i).encode(), value=b"v%d" % i)
    await producer.flush()
    await producer.stop()

    # Two members poll in turn; each commits what it read.
    members = [
        AIOKafkaConsumer(TOPIC, bootstrap_servers=bootstrap, group_id="smoke-aiokafka-group",
                         auto_offset_reset="earliest", enable_auto_commit=False)
        for _ in range(2)
    ]
    for member in members:
        await member.start()
    seen, started = set(), time.time()
    while len(seen) < RECORDS and time.time() - started < 60:
        for member in members:
            for messages in (await member.getmany(timeout_ms=200)).values():
                seen.update(m.value for m in messages)
            await member.commit()
    assert len(seen) == RECORDS, len(seen)
    for member in members:
        await member.stop()
    committed = await admin.list_consumer_group_offsets("smoke-aiokafka-group")
    assert sum(o.offset for o in committed.values()) == RECORDS, committed
    print(f"aiokafka: a group of two read {RECORDS} records from an RF=3 topic and committed them")

    txn = AIOKafkaProducer(bootstrap_servers=bootstrap, transactional_id="smoke-aiokafka-tx")
    await txn.start()
    async with txn.transaction():
        await txn.send(TXN_TOPIC, b"committed-1")
    await txn.begin_transaction()
    await txn.send(TXN_TOPIC, b"aborted")
    await txn.abort_transaction()
    async with txn.transaction():
        await txn.send(TXN_TOPIC, b"committed-2")
        await txn.send_offsets_to_transaction({TopicPartition(TOPIC, 0): 7}, "smoke-aiokafka-pipe")
    await txn.stop()

    reader = AIOKafkaConsumer(TXN_TOPIC, bootstrap_servers=bootstrap, group_id="smoke-aiokafka-reader",
                              isolation_level="read_committed", auto_offset_reset="earliest")
    await reader.start()
    values, started = [], time.time()
    while len(values) < 2 and time.time() - started < 30:
        for messages in (await reader.getmany(timeout_ms=300)).values():
            values += [m.value for m in messages]
    await reader.stop()
    assert sorted(values) == [b"committed-1", b"committed-2"], values
    pipe = await admin.list_consumer_group_offsets("smoke-aiokafka-pipe")
    assert {tp.partition: o.offset for tp, o in pipe.items()} == {0: 7}, pipe
    await admin.close()
    print("aiokafka: committed, aborted and offsets-in-a-transaction read back read_committed ok")


asyncio.run(main())

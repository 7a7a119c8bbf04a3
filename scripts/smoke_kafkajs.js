// kafkajs (npm; a pure JavaScript client, no librdkafka) against a running kf cluster: an
// RF=3 topic, an idempotent acks=all produce, a consumer group of two members with kafkajs's own
// assignor and commits, the group seen through the admin API, and transactions: a committed one,
// an aborted one, and a consume-transform-produce one with its offsets in the transaction, read
// back by a read_committed consumer; the admin API's legacy AlterConfigs and DescribeAcls (no
// authorizer: SECURITY_DISABLED, as Kafka). `npm install --prefix scripts` installs kafkajs beside it;
// KF_SMOKE_KAFKAJS_LOG=1 shows kafkajs's own warnings and errors.
const { Kafka, logLevel, ConfigResourceTypes } = require("kafkajs");

const brokers = process.env.KF_SMOKE_BOOTSTRAP.split(",");
const kafka = new Kafka({ clientId: "kf-smoke", brokers, logLevel: process.env.KF_SMOKE_KAFKAJS_LOG ? logLevel.WARN : logLevel.NOTHING });
const TIMEOUT_MS = 60000;

function check(condition, message) {
  if (!condition) throw new Error(message);
}

// Runs `consumer` on `topic` from the beginning until `until(messages)` holds.
async function consumeUntil(consumer, topic, until) {
  const messages = [];
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let reached;
  const done = new Promise((resolve) => (reached = resolve));
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      messages.push({ partition, offset: message.offset, value: message.value.toString() });
      if (until(messages)) reached();
    },
  });
  const timer = setTimeout(() => reached(), TIMEOUT_MS);
  await done;
  clearTimeout(timer);
  return messages;
}

async function main() {
  const admin = kafka.admin();
  await admin.connect();
  const topic = "smoke-kafkajs";
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic, numPartitions: 3, replicationFactor: 3 }],
  });
  const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
  const partitions = metadata.topics[0].partitions;
  check(partitions.length === 3, `${partitions.length} partitions`);
  for (const p of partitions) {
    check(p.replicas.length === 3 && p.isr.length === 3, `partition ${p.partitionId}: ${p.isr}`);
  }

  // Idempotent, acks=all: every record acknowledged once.
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const total = 600;
  for (let batch = 0; batch < 6; batch++) {
    const messages = [];
    for (let i = batch * 100; i < (batch + 1) * 100; i++) {
      messages.push({ key: `k${i % 13}`, value: `v${i}` });
    }
    await producer.send({ topic, acks: -1, messages });
  }
  await producer.disconnect();
  console.log(`kafkajs: idempotent produce of ${total} records to an RF=3 topic ok`);

  // A group of two members (classic protocol, kafkajs's round-robin assignor): together they
  // read every record once, and their commits reach the end of each partition.
  const group = "smoke-kafkajs-group";
  const seen = new Map();
  const members = [0, 1].map(() => kafka.consumer({ groupId: group, sessionTimeout: 10000 }));
  for (const member of members) await member.connect();
  for (const member of members) await member.subscribe({ topics: [topic], fromBeginning: true });
  let allRead;
  const read = new Promise((resolve) => (allRead = resolve));
  for (const member of members) {
    await member.run({
      eachMessage: async ({ message }) => {
        const value = message.value.toString();
        seen.set(value, (seen.get(value) || 0) + 1);
        if (seen.size === total) allRead();
      },
    });
  }
  const timer = setTimeout(() => allRead(), TIMEOUT_MS);
  await read;
  clearTimeout(timer);
  check(seen.size === total, `the group read ${seen.size} of ${total} records`);
  // Commits go out at kafkajs's auto-commit points; leaving the group commits what was read.
  for (const member of members) await member.disconnect();
  const duplicates = [...seen.values()].filter((n) => n > 1).length;
  const offsets = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  const ends = await admin.fetchTopicOffsets(topic);
  for (const end of ends) {
    const committed = offsets[0].partitions.find((p) => p.partition === end.partition);
    check(committed && committed.offset === end.high, `partition ${end.partition}: committed ${committed && committed.offset}, end ${end.high}`);
  }
  const described = await admin.describeGroups([group]);
  check(described.groups[0].state === "Empty", `group state ${described.groups[0].state}`);
  console.log(`kafkajs: a group of two read ${total} records (${duplicates} read twice across the rebalance), commits at the log ends ok`);

  // Transactions: one committed, one aborted; a read_committed consumer sees only the first.
  const txnTopic = "smoke-kafkajs-txn";
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic: txnTopic, numPartitions: 2, replicationFactor: 3 }] });
  const txnProducer = kafka.producer({ transactionalId: "smoke-kafkajs-tx", idempotent: true, maxInFlightRequests: 1 });
  await txnProducer.connect();
  const committed = await txnProducer.transaction();
  await committed.send({ topic: txnTopic, messages: [{ value: "committed-1" }, { value: "committed-2" }] });
  await committed.commit();
  const aborted = await txnProducer.transaction();
  await aborted.send({ topic: txnTopic, messages: [{ value: "aborted-1" }, { value: "aborted-2" }] });
  await aborted.abort();
  // Consume-transform-produce: the input's offsets commit with the output records.
  const pipeGroup = "smoke-kafkajs-pipe";
  const pipe = await txnProducer.transaction();
  await pipe.send({ topic: txnTopic, messages: [{ value: "transformed-1" }] });
  await pipe.sendOffsets({
    consumerGroupId: pipeGroup,
    topics: [{ topic, partitions: [{ partition: 0, offset: "5" }] }],
  });
  await pipe.commit();
  await txnProducer.disconnect();

  const reader = kafka.consumer({ groupId: "smoke-kafkajs-reader", readUncommitted: false });
  await reader.connect();
  const values = (
    await consumeUntil(reader, txnTopic, (m) => m.some((x) => x.value === "transformed-1") && m.length >= 3)
  ).map((m) => m.value);
  await reader.disconnect();
  check(!values.some((v) => v.startsWith("aborted")), `read_committed saw aborted records: ${values}`);
  for (const v of ["committed-1", "committed-2", "transformed-1"]) {
    check(values.includes(v), `read_committed missed ${v}: ${values}`);
  }
  const pipeOffsets = await admin.fetchOffsets({ groupId: pipeGroup, topics: [topic] });
  const p0 = pipeOffsets[0].partitions.find((p) => p.partition === 0);
  check(p0 && p0.offset === "5", `the transaction's offset commit: ${p0 && p0.offset}`);
  console.log("kafkajs: committed, aborted and consume-transform-produce transactions, read_committed ok");

  // AlterConfigs (the legacy one): the overrides given replace the topic's overrides.
  await admin.alterConfigs({
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: "retention.ms", value: "7200000" }] }],
  });
  const configs = await admin.describeConfigs({
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ["retention.ms"] }],
  });
  const retention = configs.resources[0].configEntries.find((e) => e.configName === "retention.ms");
  check(retention.configValue === "7200000" && !retention.isDefault, `retention.ms ${JSON.stringify(retention)}`);
  const aclsRefused = await admin
    .describeAcls({ resourceType: 1, resourcePatternType: 1, operation: 1, permissionType: 1 })
    .then(() => null, (e) => e.type);
  check(aclsRefused === "SECURITY_DISABLED", `describeAcls: ${aclsRefused}`);
  console.log("kafkajs: alterConfigs replaced a topic's overrides; describeAcls answered SECURITY_DISABLED ok");

  await admin.deleteGroups([group, pipeGroup, "smoke-kafkajs-reader"]);
  await admin.disconnect();
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(`kafkajs smoke failed: ${error.stack || error}`);
    process.exit(1);
  },
);

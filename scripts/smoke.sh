#!/usr/bin/env bash
# Compatibility smoke test: start `kf cluster up` in the background and drive it with clients kf
# did not write: kcat (librdkafka), kafka-python, confluent-kafka, aiokafka and kafkajs (`npm install
# --prefix scripts` first). Usage: scripts/smoke.sh KF_BINARY
set -euo pipefail
kf=$(realpath "${1:-target/debug/kf}")
here=$(cd "$(dirname "$0")" && pwd)
data=$(mktemp -d)
port=${SMOKE_PORT:-29092}
bootstrap="127.0.0.1:$port,127.0.0.1:$((port + 1)),127.0.0.1:$((port + 2))"
export KF_SMOKE_BOOTSTRAP=$bootstrap

cleanup() { "$kf" cluster down --data-dir "$data" >/dev/null 2>&1 || true; rm -rf "$data"; }
trap cleanup EXIT

"$kf" cluster up --brokers 3 --port "$port" --data-dir "$data" --detach

echo "== kcat $(kcat -V | head -n1)"
kcat -b "$bootstrap" -L | grep -q "3 brokers"
seq 1 1000 | kcat -b "$bootstrap" -P -t smoke-kcat -p 0
got=$(kcat -b "$bootstrap" -C -t smoke-kcat -p 0 -o beginning -e -q | wc -l)
[ "$got" = 1000 ] || { echo "kcat read $got of 1000 records"; exit 1; }
echo "kcat: metadata and 1000-record round trip ok"
# A consumer group: kcat -G subscribes, is given the partition, and reads every record.
got=$(timeout 60 kcat -b "$bootstrap" -G smoke-kcat-group -o beginning -e -q smoke-kcat | wc -l)
[ "$got" = 1000 ] || { echo "kcat -G read $got of 1000 records"; exit 1; }
echo "kcat: -G group consumption ok"

python3 "$here/smoke_kafka_python.py"
python3 "$here/smoke_confluent_kafka.py"
python3 "$here/smoke_aiokafka.py"
node "$here/smoke_kafkajs.js"

# The RF=3 topics the scripts wrote with acks=all: each partition's segment is the same bytes on
# all 3 brokers (the followers store the leader's batches as they arrived).
for topic in smoke-kafka-python-rf3 smoke-confluent-rf3 smoke-aiokafka smoke-kafkajs; do
  for p in 0 1 2; do
    seg="$topic-$p/00000000000000000000.log"
    [ -s "$data/broker-0/$seg" ] || { echo "no segment $data/broker-0/$seg"; exit 1; }
    for b in 1 2; do
      for _ in $(seq 1 50); do cmp -s "$data/broker-0/$seg" "$data/broker-$b/$seg" && break; sleep 0.2; done
      cmp "$data/broker-0/$seg" "$data/broker-$b/$seg" || { echo "replicas of $topic-$p differ"; exit 1; }
    done
  done
done
echo "RF=3 topics: identical segments on all 3 brokers"
echo "smoke: all clients ok"

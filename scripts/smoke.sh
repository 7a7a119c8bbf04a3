#!/usr/bin/env bash
# Compatibility smoke test: start `kf cluster up` in the background and drive it with clients kf
# did not write: kcat (librdkafka), kafka-python and confluent-kafka. Usage: scripts/smoke.sh KF_BINARY
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
echo "smoke: all clients ok"

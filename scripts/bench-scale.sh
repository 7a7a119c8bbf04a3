#!/usr/bin/env bash
# Partition scale benchmark (issue 13): a 3-broker `kf cluster up` (the real binary, release
# build) with one RF=1 topic of N partitions, side by side for each N in $SCALE_PARTITIONS
# (default "64 1000 10000 100000"). Per N it measures:
#   create     `kf topic create -p N` until it is acknowledged
#   dirs       until every partition directory exists on the brokers' disks
#   describe   `kf topic describe -o json` (Metadata of every partition, then DescribeConfigs)
#   idle/part  resident memory growth of the cluster process per partition, 2 s after the create
#   restart    `kf cluster down`, then `kf cluster up --detach` until it reports ready
#   produce    `kf bench produce` of $SCALE_RECORDS records of 1 KiB (acks=all), in MB/s, the
#              first after the restart: each partition's log is opened at its first batch
#   consume    `kf bench consume` of the same records, in MB/s
#   produce2   the same produce again, every log now open: the partitions' steady state
#   consume2   `kf bench consume` of the records of both produces
#   rd_produce librdkafka (kcat 1.x -P, acks=all, linger.ms=5) of $SCALE_RECORDS more 1 KiB
#              records, null keys (spread over every partition), in MB/s of wall time
#   rd_consume librdkafka (kcat -C -o beginning -e) of all the topic's records, in MB/s
# Produce and consume run only for N <= $SCALE_THROUGHPUT_MAX (default 10000); the kcat columns
# only when kcat is installed. The load average at the start of each row is printed with it.
# $SCALE_UP_ARGS goes to each `kf cluster up` (e.g. "-c fetch.max.bytes=4194304" to try a
# broker setting).
# Usage: scripts/bench-scale.sh [path/to/kf]   (default: target/release/kf, built if missing)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
kf=${1:-$repo/target/release/kf}
[ -x "$kf" ] || (cd "$repo" && cargo build --release) >&2
work=$(mktemp -d /tmp/kf-scale.XXXXXX)
trap 'HOME=$work "$kf" cluster down --data-dir "$work/cluster" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
records=${SCALE_RECORDS:-200000}
# One 1 KiB line per record for kcat (1023 bytes and the newline), made once per run.
lines=$work/records.txt
if command -v kcat >/dev/null; then
    head -c 1023 /dev/zero | tr '\0' x | awk -v n="$records" '{ for (i = 0; i < n; i++) print }' >"$lines"
fi
throughput_max=${SCALE_THROUGHPUT_MAX:-10000}

now_ns() { date +%s%N; }
ms_since() { echo $((($(now_ns) - $1) / 1000000)); }
kfh() { HOME=$work XDG_STATE_HOME=$work/state "$kf" "$@"; }
rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
up() {
    # shellcheck disable=SC2086 # word-split on purpose: several options
    kfh cluster up -n 3 -p 0 --data-dir "$work/cluster" --detach ${SCALE_UP_ARGS:-} >"$work/up.out"
    bootstrap=$(sed -n 's/^bootstrap servers: //p' "$work/up.out")
    pid=$(kfh cluster status --data-dir "$work/cluster" -o json | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
}
dirs() { find "$work/cluster" -mindepth 2 -maxdepth 2 -type d -name 't-*' | wc -l; }
mbps() { sed -n 's/.*records\/sec (\([0-9.]*\) MB\/sec).*/\1/p' | tail -n1; }
# MB/s of $2 records of 1 KiB moved in the wall time since $1.
wall_mbps() { awk -v ns=$(($(now_ns) - $1)) -v n="$2" 'BEGIN { printf "%.1f", n * 1024 / 1e6 / (ns / 1e9) }'; }
load() { cut -d' ' -f1 /proc/loadavg; }

printf '%-11s %6s %10s %10s %12s %10s %11s %12s %12s %12s %12s %12s %12s\n' partitions load \
    create_ms dirs_ms describe_ms restart_ms idle_B/part produce_MB/s consume_MB/s produce2_MB/s \
    consume2_MB/s rd_prod_MB/s rd_cons_MB/s
for n in ${SCALE_PARTITIONS:-64 1000 10000 100000}; do
    rm -rf "$work/cluster" "$work/state"
    row_load=$(load)
    up
    sleep 2
    before=$(rss_kib "$pid")
    start=$(now_ns)
    kfh topic create t -p "$n" -b "$bootstrap" >/dev/null
    create_ms=$(ms_since "$start")
    while [ "$(dirs)" -lt "$n" ]; do sleep 0.05; done
    dirs_ms=$(ms_since "$start")
    sleep 2
    after=$(rss_kib "$pid")
    idle=$(((after - before) * 1024 / n))
    kfh topic describe t -o json -b "$bootstrap" >/dev/null
    start=$(now_ns)
    kfh topic describe t -o json -b "$bootstrap" >/dev/null
    describe_ms=$(ms_since "$start")
    kfh cluster down --data-dir "$work/cluster" >/dev/null 2>&1
    start=$(now_ns)
    up
    restart_ms=$(ms_since "$start")
    produce=- consume=- produce2=- consume2=- rd_produce=- rd_consume=-
    if [ "$n" -le "$throughput_max" ]; then
        produce=$(kfh bench produce t -n "$records" -s 1024 -b "$bootstrap" 2>&1 | mbps)
        consume=$(kfh bench consume t -n "$records" -b "$bootstrap" 2>&1 | mbps)
        produce2=$(kfh bench produce t -n "$records" -s 1024 -b "$bootstrap" 2>&1 | mbps)
        consume2=$(kfh bench consume t -n $((2 * records)) -b "$bootstrap" 2>&1 | mbps)
        if [ -s "$lines" ]; then
            start=$(now_ns)
            kcat -P -b "$bootstrap" -t t -X acks=all -X linger.ms=5 -X batch.size=1000000 <"$lines"
            rd_produce=$(wall_mbps "$start" "$records")
            start=$(now_ns)
            got=$(kcat -C -b "$bootstrap" -t t -o beginning -e -q -X queued.min.messages=10000000 | wc -l)
            rd_consume=$(wall_mbps "$start" "$got")
            [ "$got" -eq $((3 * records)) ] || echo "bench-scale: kcat read $got records, not $((3 * records))" >&2
        fi
    fi
    printf '%-11s %6s %10s %10s %12s %10s %11s %12s %12s %12s %12s %12s %12s\n' "$n" "$row_load" \
        "$create_ms" "$dirs_ms" "$describe_ms" "$restart_ms" "$idle" "${produce:--}" "${consume:--}" \
        "${produce2:--}" "${consume2:--}" "$rd_produce" "$rd_consume"
    kfh cluster down --data-dir "$work/cluster" >/dev/null 2>&1
done

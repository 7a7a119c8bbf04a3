#!/usr/bin/env bash
# The toolkit's speed proof (BENCHMARKS.md, "Toolkit"), in one run against one local kf cluster:
#   1. `kf bench produce` vs librdkafka's own rdkafka_performance at the same settings;
#   2. `seq 1 N | kf produce T` vs `| kcat -P`, then `kf consume T -o beginning -e` vs `kcat -C -e`
#      (skipped, saying so, while this kf has no `produce`/`consume` commands).
# Each pair runs BENCH_ROUNDS times, alternating, on fresh topics; the best wall time counts.
# Usage: scripts/bench-toolkit.sh
# Settings (environment): BENCH_RECORDS (1000000), BENCH_RECORD_SIZE (100), BENCH_ROUNDS (3),
# BENCH_BROKERS (1), BENCH_PARTITIONS (3), BENCH_BATCH_SIZE (1000000), BENCH_WORK (/tmp/kf-bench).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/bench-lib.sh
source "$repo/scripts/bench-lib.sh"

records=${BENCH_RECORDS:-1000000}
record_size=${BENCH_RECORD_SIZE:-100}
rounds=${BENCH_ROUNDS:-3}
brokers=${BENCH_BROKERS:-1}
partitions=${BENCH_PARTITIONS:-3}
batch_size=${BENCH_BATCH_SIZE:-1000000}
work=${BENCH_WORK:-${TMPDIR:-/tmp}/kf-bench}
mkdir -p "$work"

echo "bench: building kf (release)" >&2
(cd "$repo" && cargo build --release --quiet)
# A private copy: a concurrent build into the same target directory cannot swap it mid-run.
cp "${CARGO_TARGET_DIR:-$repo/target}/release/kf" "$work/kf"
kf=$work/kf
perf=$(build_rdkafka_performance "$work")

data=$(mktemp -d "$work/run.XXXXXX")
trap 'stop_cluster "$kf" "$data"; rm -rf "$data"' EXIT
start_cluster "$kf" "$data" "$brokers" "$partitions"

echo "date:     $(date -u +%Y-%m-%dT%H:%MZ)"
echo "machine:  $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n1)"
echo "kf:       $(git -C "$repo" rev-parse --short HEAD), release build; cluster: $brokers broker(s), $partitions partitions per topic"
echo "peers:    rdkafka_performance built from rdkafka-sys $(basename "$(dirname "$(dirname "$perf")")" | sed 's/^librdkafka-//'), $(kcat -V 2>&1 | grep -o 'Version [^ ]*' | sed 's/Version /kcat /') (librdkafka $(kcat -V 2>&1 | grep -o 'librdkafka [0-9.]*' | cut -d' ' -f2))"
echo "settings: $records records of $record_size bytes; acks=all linger.ms=5 batch.size=$batch_size enable.idempotence=true; best of $rounds"
echo

# 1. kf bench produce vs rdkafka_performance.
common="-X linger.ms=5 -X batch.size=$batch_size -X enable.idempotence=true"
best_kf="" best_peer=""
for round in $(seq 1 "$rounds"); do
    create_topic "perf-kf-$round"
    create_topic "perf-rd-$round"
    t=$(wall_seconds "'$kf' bench produce perf-kf-$round -b $bootstrap -n $records -s $record_size --acks all $common" \
        "$data/kf-bench-$round.log")
    best_kf=$(min_of "$best_kf" "$t")
    t=$(wall_seconds "'$perf' -P -t perf-rd-$round -b $bootstrap -c $records -s $record_size -a -1 $common" \
        "$data/rdkafka-performance-$round.log")
    best_peer=$(min_of "$best_peer" "$t")
done
report_header
report_row "kf bench produce (rdkafka_performance -P)" "$records" "$best_kf" "$best_peer"
echo
echo "last round, as each tool reports itself:"
echo "  kf bench produce:    $(tail -n1 "$data/kf-bench-$rounds.log")"
echo "  rdkafka_performance: $(grep ' delivered ' "$data/rdkafka-performance-$rounds.log" | tail -n1)"

# 2. The command line: kf produce/consume vs kcat, on line-per-record input.
if ! "$kf" produce --help >/dev/null 2>&1 || ! "$kf" consume --help >/dev/null 2>&1; then
    echo
    echo "bench: this kf has no produce/consume commands yet; skipped kf produce/consume vs kcat"
    exit 0
fi
expect_count() {
    local got
    got=$(tr -d ' ' <"$1")
    [ "$got" = "$records" ] || { echo "bench: read $got of $records records ($1)" >&2; exit 1; }
}
best_kf_p="" best_kcat_p="" best_kf_c="" best_kcat_c=""
for round in $(seq 1 "$rounds"); do
    create_topic "io-kf-$round"
    create_topic "io-kcat-$round"
    t=$(wall_seconds "seq 1 $records | '$kf' produce io-kf-$round -b $bootstrap" "$data/kf-produce-$round.log")
    best_kf_p=$(min_of "$best_kf_p" "$t")
    t=$(wall_seconds "seq 1 $records | kcat -b $bootstrap -P -t io-kcat-$round" "$data/kcat-produce-$round.log")
    best_kcat_p=$(min_of "$best_kcat_p" "$t")
    # Both consumers read the same topic.
    t=$(wall_seconds "'$kf' consume io-kf-$round -b $bootstrap -o beginning -e | wc -l" "$data/kf-consume-$round.log")
    expect_count "$data/kf-consume-$round.log"
    best_kf_c=$(min_of "$best_kf_c" "$t")
    t=$(wall_seconds "kcat -b $bootstrap -C -t io-kf-$round -o beginning -e -q | wc -l" "$data/kcat-consume-$round.log")
    expect_count "$data/kcat-consume-$round.log"
    best_kcat_c=$(min_of "$best_kcat_c" "$t")
done
echo
report_header
report_row "seq | kf produce T (seq | kcat -P -t T)" "$records" "$best_kf_p" "$best_kcat_p"
report_row "kf consume T -o beginning -e (kcat -C -e)" "$records" "$best_kf_c" "$best_kcat_c"

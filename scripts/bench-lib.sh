# Helpers for the toolkit benchmarks (sourced by scripts/bench-toolkit.sh, not run alone):
# building the peers, one local kf cluster for the whole run, and wall-clock timing.

# Builds librdkafka's examples/rdkafka_performance from the librdkafka source shipped in the
# rdkafka-sys crate (the version Cargo.lock pins), in $work/librdkafka, once; prints its path.
build_rdkafka_performance() {
    local work=$1 version src
    version=$(awk '/^name = "rdkafka-sys"/ { getline; gsub(/[" ]/, "", $0); sub(/version=/, "", $0); print }' \
        "$repo/Cargo.lock")
    src=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/"rdkafka-sys-$version"/librdkafka 2>/dev/null | head -n1)
    [ -n "$src" ] || { echo "bench: no rdkafka-sys-$version source under ~/.cargo/registry (run cargo fetch)" >&2; return 1; }
    local build=$work/librdkafka-$version
    if [ ! -x "$build/examples/rdkafka_performance" ]; then
        echo "bench: building rdkafka_performance from $src (once; a few minutes)" >&2
        rm -rf "$build"
        cp -r "$src" "$build"
        # The log lives outside the tree: mklove takes any ./configure.* file for a module.
        (cd "$build" &&
            ./configure --disable-ssl --disable-gssapi --disable-sasl --disable-curl &&
            make -j"$(nproc)" libs &&
            make -C examples rdkafka_performance) >"$build.log" 2>&1 ||
            { echo "bench: building librdkafka failed; see $build.log" >&2; return 1; }
    fi
    echo "$build/examples/rdkafka_performance"
}

# Starts a one-process kf cluster of $brokers brokers with $partitions partitions per new topic,
# under a private HOME so it never touches the user's own local cluster; sets $bootstrap.
start_cluster() {
    local kf=$1 data=$2 brokers=$3 partitions=$4 up
    up=$(HOME=$data XDG_STATE_HOME=$data/state "$kf" cluster up --brokers "$brokers" --port 0 \
        --data-dir "$data/cluster" -c "num.partitions=$partitions" --detach)
    bootstrap=$(sed -n 's/^bootstrap servers: //p' <<<"$up")
    [ -n "$bootstrap" ] || { echo "bench: the cluster did not start: $up" >&2; return 1; }
}

stop_cluster() {
    local kf=$1 data=$2
    HOME=$data XDG_STATE_HOME=$data/state "$kf" cluster down --data-dir "$data/cluster" >/dev/null 2>&1 || true
}

# Creates a topic with the cluster's defaults: a metadata request for a missing topic does it,
# as auto.create.topics.enable is on in a kf cluster.
create_topic() {
    kcat -b "$bootstrap" -L -t "$1" >/dev/null
}

# Runs "$@" (a shell command string) and prints its wall time in seconds.
wall_seconds() {
    local start end
    start=$(date +%s%N)
    bash -c "$1" >"$2" 2>&1 || { echo "bench: failed: $1 (output in $2)" >&2; return 1; }
    end=$(date +%s%N)
    awk -v ns=$((end - start)) 'BEGIN { printf "%.3f", ns / 1e9 }'
}

# The smaller of two numbers.
min_of() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b < a) ? b : a }'; }

# One result row: what, records, kf's best seconds, the peer's best seconds, and the ratio
# (peer time / kf time: above 1.0 means kf was faster).
report_row() {
    awk -v what="$1" -v n="$2" -v kf="$3" -v peer="$4" 'BEGIN {
        printf "| %-44s | %9d | %8.3f s | %10.0f | %8.3f s | %10.0f | %6.2fx |\n",
            what, n, kf, n / kf, peer, n / peer, peer / kf }'
}

report_header() {
    printf "| %-44s | %9s | %10s | %10s | %10s | %10s | %7s |\n" \
        "benchmark (peer)" records "kf time" "kf rec/s" "peer time" "peer rec/s" kf/peer
    echo "|$(printf -- '-%.0s' {1..46})|-----------|------------|------------|------------|------------|---------|"
}

#!/usr/bin/env bash
# Prepares a virtual machine for benchmarks: makes freed memory stay backed for a while, then
# touches free memory once. Run it (as root) right before a benchmark; on bare metal it does
# nothing that matters.
#
# Why: some VMs (this project's firecracker boxes among them) hand free guest memory back to the
# host (virtio-balloon free page reporting, `page_reporting.min_free_ms` 0 by default here), so
# the next touch of any page freed or never used costs a host fault: measured 3.0-3.8 s to write
# 1 GiB to the page cache cold against 0.3-0.4 s warm. kf's logs grow the page cache with new
# pages for every byte produced (three copies at RF=3), while librdkafka's mock keeps at most
# 5 MiB per partition in its heap and reuses it, so on such a VM the comparison measured the
# host's page faults more than either broker. A freed page now stays backed for
# `min_free_ms` (this kernel took 5 minutes and refused 10); the warm-up touches WARM_MIB (default:
# 80% of free memory, at most 12 GiB) of tmpfs and frees it.
set -euo pipefail
knob=/sys/module/page_reporting/parameters/min_free_ms
if [ -w "$knob" ]; then
    echo 300000 >"$knob"
    echo "free page reporting: pages freed less than $(cat "$knob") ms ago are kept" >&2
else
    echo "no free page reporting knob ($knob): nothing to keep" >&2
fi
free_mib=$(awk '/MemFree/ { print int($2 / 1024) }' /proc/meminfo)
warm=${WARM_MIB:-$(( free_mib * 8 / 10 < 12288 ? free_mib * 8 / 10 : 12288 ))}
shm=$(mktemp /dev/shm/kf-warm.XXXXXX)
trap 'rm -f "$shm"' EXIT
started=$(date +%s.%N)
dd if=/dev/zero of="$shm" bs=1M count="$warm" status=none
rm -f "$shm"
echo "touched $warm MiB in $(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s" >&2

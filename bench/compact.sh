#!/usr/bin/env bash
# compact.sh BINARY [ORDERS] - what compaction saves on disk and what it
# costs (docs/retention.md). Printed, never asserted; not part of make bench.
#
# Streams `ordex sim --orders ORDERS` (default 30,000: ~470k events, the
# whole life of every order) with `ordex push` (batches of 1000, as fast
# as acknowledged) into a daemon with --clock event, fdatasync, 8 MiB
# segments and a snapshot every SNAP records (default 100,000; no minimum
# interval), twice:
#   compact   segments wholly before a snapshot are archived and removed;
#   keep      segments of 1 GiB, so none is ever wholly before a snapshot:
#             the same snapshots, no compaction (the ingest's baseline).
# For each: the push's wall time (events/s), the log, the archives and the
# snapshots on disk at the end (after SIGTERM's final snapshot), and the
# compaction figures the daemon prints (archive written by the snapshot's
# child, archives merged by it, segments removed by the writer).
# ARCHIVES=N passes --archives-max N (default 16: with 4 compactions, no
# merge). WORK=DIR keeps the directories.
set -euo pipefail
ordex=${1:?usage: bench/compact.sh BINARY [ORDERS]}
orders=${2:-30000}
snap=${SNAP:-100000}
archives=${ARCHIVES:-16}
token=ordex-bench-token-0123456789abcdef
work=${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/ordex-compact-bench.XXXXXX")}
mkdir -p "$work"
[ -n "${WORK:-}" ] || trap 'rm -rf "$work"' EXIT

"$ordex" sim --orders "$orders" --seed 11 --out "$work/events.ndjson" --labels "$work/labels.ndjson" 2>/dev/null
echo "stream: $(wc -l <"$work/events.ndjson") events, $(du -m "$work/events.ndjson" | cut -f1) MiB of NDJSON"

run() { # NAME SEGMENT_MAX
	local name=$1 seg=$2 data=$work/$1
	rm -rf "$data"
	"$ordex" serve --data "$data" --listen 127.0.0.1:0 --clock event --segment-max "$seg" \
		--snapshot-every "$snap" --snapshot-min-interval 0 --archives-max "$archives" \
		--bootstrap-token "$token" 2>"$work/$name.err" &
	local pid=$! url=
	for _ in $(seq 100); do
		url=$(grep -o 'http://[0-9.:]*' "$work/$name.err" || true)
		[ -n "$url" ] && break
		sleep 0.1
	done
	local t0 t1
	t0=$(date +%s.%N)
	"$ordex" push "$work/events.ndjson" --url "$url" --token "$token" --batch 1000 >/dev/null
	t1=$(date +%s.%N)
	curl -s "$url/metrics" >"$work/$name.metrics"
	kill -TERM "$pid"
	wait "$pid" || true
	local n secs
	n=$(wc -l <"$work/events.ndjson")
	secs=$(echo "$t1 - $t0" | bc)
	printf '%-8s push %.1f s (%.0f events/s); log %s KiB in %s segments, archives %s KiB in %s files, snapshots %s KiB\n' \
		"$name" "$secs" "$(echo "$n / $secs" | bc -l)" \
		"$(du -k -c "$data"/events/*.log | tail -n1 | cut -f1)" "$(ls "$data"/events/*.log | wc -l)" \
		"$( (du -k -c "$data"/snapshots/*.arch 2>/dev/null || echo 0) | tail -n1 | cut -f1)" \
		"$(ls "$data"/snapshots/*.arch 2>/dev/null | wc -l)" \
		"$(du -k -c "$data"/snapshots/*.snap | tail -n1 | cut -f1)"
	grep -E 'order archive|archives merged|compaction at|snapshot at' "$work/$name.err" | sed 's/^/    /'
}
run compact 8388608
run keep 1073741824

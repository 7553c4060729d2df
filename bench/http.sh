#!/usr/bin/env bash
# Durable ingest through HTTP on loopback (part of make bench): a fresh
# `ordex serve` per run (real fdatasync, event clock), fed by bench/httpload
# (closed loop: each connection sends its next batch when the last one was
# acknowledged), for batches of 1, 100 and 1000 events; medians of 3 runs.
# Then the latency at half the batch-1000 rate, open loop (paced, latency from
# the intended send time). Target (issue): >= 300,000 events/s with batches
# of 1000, p99 < 50 ms at half that rate.
set -euo pipefail
ordex=$1
token=ordex-bench-token-0123456789abcdef
stream=$2
dir=${BENCH_DIR:-build/bench}
cc -O2 -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -o "$dir/httpload" bench/httpload.c -lpthread -lm

pid=""
trap '[ -z "$pid" ] || kill "$pid" 2>/dev/null || true' EXIT

# run BATCH CONNECTIONS MAX_EVENTS [extra httpload options]: one run on a
# fresh daemon, prints httpload's JSON line.
run() {
	local batch=$1 conns=$2 max=$3
	shift 3
	rm -rf "$dir/serve-data"
	"$ordex" serve --data "$dir/serve-data" --listen 127.0.0.1:0 --clock event \
		--bootstrap-token "$token" 2> "$dir/serve.log" &
	pid=$!
	local url=""
	for _ in $(seq 100); do
		url=$(grep -o 'http://127.0.0.1:[0-9]*' "$dir/serve.log" | head -1) && [ -n "$url" ] && break
		sleep 0.05
	done
	"$dir/httpload" --url "$url/api/v1/events" --file "$stream" --batch "$batch" --connections "$conns" \
		--max-events "$max" --header "Authorization: Bearer $token" --json "$@" 2>/dev/null | tail -1
	kill "$pid"
	wait "$pid" || true
	pid=""
}

# The median run (by events/s) of three, as JSON.
median3() {
	for _ in 1 2 3; do run "$@"; done |
		node -e 'const r = require("fs").readFileSync(0, "utf8").trim().split("\n").map(JSON.parse);
			r.sort((a, b) => a.events_per_s - b.events_per_s); console.log(JSON.stringify(r[1]));'
}

show() {
	node -e 'const r = JSON.parse(process.argv[1]);
		console.log(`batch ${String(r.batch).padStart(4)} x ${String(r.connections).padStart(2)} conns: ` +
			`${Math.round(r.events_per_s).toLocaleString("en")} events/s, ack p50 ${r.p50_ms} ms, ` +
			`p99 ${r.p99_ms} ms, max ${r.max_ms} ms (${r.events} events, errors ${r.errors})`);' "$1"
}

echo "== durable HTTP ingest (ordex serve, fdatasync, loopback), medians of 3"
show "$(median3 1 64 50000)"
show "$(median3 100 16 300000)"
best=$(median3 1000 8 1000000)
show "$best"
rate=$(node -e 'console.log(Math.round(JSON.parse(process.argv[1]).events_per_s / 2))' "$best")
echo "== open loop at half that rate ($rate events/s), batches of 1000"
show "$(run 1000 8 1000000 --rate "$rate")"
node -e 'const r = JSON.parse(process.argv[1]);
	console.log(`ratio batch-1000 ingest / 300,000 events/s target: ${(r.events_per_s / 300000).toFixed(2)}x`);' "$best"

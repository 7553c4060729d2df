#!/usr/bin/env bash
# make bench: figures for the detection core, printed, never asserted.
#   1. a 1,000,000-event stream from `ordex sim` (Double 11 peak included)
#   2. `ordex bench`: decoding alone and decoding + detection, medians of 3
#   3. the named baseline in the same run: cJSON (libcjson-dev) parsing the
#      same lines, DOM only, no validation and no detection
#   then durable HTTP ingest (bench/http.sh) and stock reservations against
#   Redis + Lua in the same run (bench/reserve.sh)
set -euo pipefail
ordex=${1:-build/ordex}
dir=${BENCH_DIR:-build/bench}
mkdir -p "$dir"
if ! dpkg-query -W -f='${Status}' libcjson-dev 2>/dev/null | grep -q "install ok installed"; then
	sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
	$sudo apt-get install -y -qq libcjson-dev >/dev/null
fi
cc -O2 -o "$dir/baseline_cjson" bench/baseline_cjson.c -lcjson

stream="$dir/sim-1m.ndjson"
if [ ! -s "$stream" ]; then
	"$ordex" sim --orders 66000 --start 2026-11-10T20:00:00+08:00 --hours 24 --seed 1111 \
		--out "$dir/sim-full.ndjson" --labels "$dir/sim-1m.labels"
	head -n 1000000 "$dir/sim-full.ndjson" > "$stream"
	rm -f "$dir/sim-full.ndjson"
fi
echo "== ordex bench on $(wc -l < "$stream") events from ordex sim (one core)"
"$ordex" bench "$stream" --runs 3 | tee "$dir/ordex.txt"
base=$("$dir/baseline_cjson" "$stream" 3)
ours=$(awk '/^decode only/ {print $3}' "$dir/ordex.txt")
full=$(awk '/^decode \+ detect/ {print $4}' "$dir/ordex.txt")
echo "== baseline: cJSON parse only (no validation, no detection): $base events/s"
awk -v o="$ours" -v f="$full" -v b="$base" 'BEGIN {
	printf "ratio decode only / cJSON:        %.2fx\n", o / b
	printf "ratio decode + detect / cJSON:    %.2fx\n", f / b
}'
echo
bench/http.sh "$ordex" "$stream"
echo
bench/reserve.sh "$ordex"

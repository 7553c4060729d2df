#!/usr/bin/env bash
# The newcomer's first run: simulate a shop day around Double 11 midnight,
# run detection over it, and print what ordex found.
set -euo pipefail
ordex=${1:-build/ordex}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$ordex" sim --orders 20000 --start 2026-11-10T12:00:00+08:00 --hours 24 --seed 11 \
	--out "$dir/day.ndjson" --labels "$dir/labels.ndjson"
echo "simulated $(wc -l < "$dir/day.ndjson") events of 20000 orders; detecting..."
"$ordex" replay "$dir/day.ndjson" --blacklist "$dir/labels.ndjson.blacklist" --stats --summary

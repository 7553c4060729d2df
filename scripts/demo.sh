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
echo
echo "a few of the cases (full JSON: $ordex replay FILE):"
"$ordex" replay "$dir/day.ndjson" --blacklist "$dir/labels.ndjson.blacklist" 2>/dev/null |
	node -e '
		const lines = require("fs").readFileSync(0, "utf8").split("\n").filter(Boolean).map(JSON.parse);
		const seen = new Set();
		for (const c of lines) {
			if (seen.has(c.category) || seen.size >= 6) continue;
			seen.add(c.category);
			console.log(`  ${c.case_id} ${c.severity} ${c.rule} ${c.order_id ?? c.sku ?? c.group} ${c.opened_at} ${c.status}`);
			console.log(`      ${c.reasons[0]}`);
		}'

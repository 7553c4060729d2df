#!/usr/bin/env bash
# run-chaos.sh BINARY - random valid streams (tools/chaos-stream.mjs) through
# ordex replay: it must exit 0 and print only valid UTF-8 JSON lines. Under
# `make asan` this is where the sanitizers meet event orders no hand-written
# case thought of.
set -u
ordex=${1:-build/ordex}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
pass=0
fail=0
for seed in 1 2 3 4 5; do
	node tools/chaos-stream.mjs "$seed" 20000 > "$dir/in.ndjson"
	if "$ordex" replay "$dir/in.ndjson" --until 2026-11-30T00:00:00+08:00 > "$dir/out.ndjson" 2> "$dir/err" &&
		node -e '
			const b = require("fs").readFileSync(process.argv[1]);
			const s = new TextDecoder("utf-8", { fatal: true }).decode(b);
			let n = 0;
			for (const l of s.split("\n")) if (l) { JSON.parse(l); n++; }
			if (n === 0) throw new Error("no cases");' "$dir/out.ndjson"; then
		echo "ok   chaos seed $seed ($(wc -l < "$dir/out.ndjson") cases)"
		pass=$((pass + 1))
	else
		echo "FAIL chaos seed $seed"
		tail -5 "$dir/err"
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

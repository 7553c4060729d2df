#!/usr/bin/env bash
# run-snapshot.sh BINARY - snapshots keep everything detection knows: for
# every rule case (tests/cases), every worked example of the spec and a
# simulated shop, `ordex replay` prints the same cases when the engine and
# the desk are written to a snapshot and read back into new ones every N
# events (--snapshot-every) as when they run straight through (the shop
# also with the automation of tests/snapshot/actions.yaml on, so that cases
# carry calls). Exits 1 on any difference.
set -u
if [ $# -ne 1 ] || [ ! -x "$1" ]; then
	echo "usage: $0 BUILD/ordex" >&2
	exit 2
fi
bin=$1
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
# snapshots sync their files: keep the many small ones of this test in memory
[ -d /dev/shm ] && [ -w /dev/shm ] && export TMPDIR=/dev/shm

fail=0 runs=0
compare() { # FILE N... (CONFIG: a config file for both runs)
	local f=$1 cfg=()
	shift
	[ -n "${CONFIG:-}" ] && cfg=(--config "$CONFIG")
	"$bin" replay "$f" "${cfg[@]}" >"$tmp/straight" 2>/dev/null
	for n in "$@"; do
		runs=$((runs + 1))
		"$bin" replay "$f" "${cfg[@]}" --snapshot-every "$n" >"$tmp/snap" 2>"$tmp/err"
		rc=$?
		if [ $rc -ne 0 ] && [ $rc -ne 3 ]; then # 3: the stream has rejected lines
			echo "FAIL $f every $n: $(grep -v '^line ' "$tmp/err" | head -3)"
			fail=1
			continue
		fi
		if ! cmp -s "$tmp/straight" "$tmp/snap"; then
			echo "FAIL $f every $n: the cases differ"
			diff "$tmp/straight" "$tmp/snap" | head -5
			fail=1
		fi
	done
}

shopt -s nullglob
for f in "$root"/tests/cases/*.ndjson "$root"/../shared/spec/examples/*.ndjson; do
	compare "$f" 1 # a round trip after every event
done
"$bin" sim --orders 20000 --seed 7 >"$tmp/sim.ndjson" 2>/dev/null
compare "$tmp/sim.ndjson" 9973 50000 200000
# with the automation on: cases carry calls, the desk its switch and window
CONFIG=$root/tests/snapshot/actions.yaml compare "$tmp/sim.ndjson" 50000
# Ten days of a shop with retention at its shortest: orders are retired and
# event ids forgotten as the days pass, in round trips as straight through,
# and no case changes (no event of this shop comes a day after its order
# finished, nor a resend two days after its first sending).
"$bin" sim --orders 20000 --hours 240 --seed 3 >"$tmp/days.ndjson" 2>/dev/null
"$bin" replay "$tmp/days.ndjson" >"$tmp/keep-all" 2>/dev/null
CONFIG=$root/tests/snapshot/retention.yaml compare "$tmp/days.ndjson" 9973 200000
if ! cmp -s "$tmp/straight" "$tmp/keep-all"; then
	echo "FAIL retention changed the cases of a ten-day shop"
	fail=1
fi
retired=$("$bin" replay --stats --config "$root/tests/snapshot/retention.yaml" "$tmp/days.ndjson" 2>&1 >/dev/null |
	sed -n 's/.* orders (\([0-9]*\) retired).*/\1/p')
if [ "${retired:-0}" -lt 10000 ]; then
	echo "FAIL retention retired ${retired:-no} orders of 20000 over ten days"
	fail=1
fi
echo "snapshots: $runs round-trip runs, $([ $fail -eq 0 ] && echo "all equal" || echo "DIFFERENCES")"
exit $fail

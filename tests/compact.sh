#!/bin/sh
# compact.sh BINARY - compaction of the event log under `ordex serve`: small
# segments, frequent snapshots, kill -9s around them; the log shrinks, order
# views keep every event, the cases equal `ordex replay`'s (tests/compact.mjs
# says what is checked). SEED=N repeats a stream; KEEP=1 keeps the work
# directory. About 20..40 s.
set -u
bin=${1:?usage: tests/compact.sh BINARY}
root=$(cd "$(dirname "$0")/.." && pwd)
orders=${ORDERS:-4000}
seed=${SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
command -v node >/dev/null 2>&1 || { echo "compact: node is needed" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/ordex-compact.XXXXXX") || exit 2
if [ "${KEEP:-0}" = 1 ]; then
	echo "compact: work directory $work"
else
	trap 'rm -rf "$work"' EXIT INT TERM
fi
if ! "$bin" sim --orders "$orders" --seed "$seed" --out "$work/events.ndjson" --labels "$work/labels.ndjson" \
	2>"$work/sim.err"; then
	echo "FAIL: ordex sim --orders $orders --seed $seed: $(cat "$work/sim.err")"
	exit 1
fi
"$bin" replay "$work/events.ndjson" --blacklist "$work/labels.ndjson.blacklist" >"$work/expected.ndjson" 2>"$work/replay.err"
rc=$?
if [ $rc -ne 0 ] && [ $rc -ne 3 ]; then
	echo "FAIL: ordex replay exited $rc: $(tail -n 3 "$work/replay.err")"
	exit 1
fi
echo "compact: sim --orders $orders --seed $seed"
node "$root/tests/compact.mjs" "$bin" "$work/events.ndjson" "$work/expected.ndjson" "$work" "$seed" \
	"$work/labels.ndjson.blacklist"
rc=$?
if [ $rc -ne 0 ]; then
	echo "compact: the daemon's stderr, last lines:"
	tail -n 20 "$work/daemon.log" | sed 's/^/    /'
fi
exit $rc

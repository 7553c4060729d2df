#!/bin/sh
# serve-crash.sh BINARY - kill -9 `ordex serve` while it ingests a simulated
# shop, restart it on the same data directory, and check that it ends with
# exactly the cases `ordex replay` opens on the same stream.
#
# Generates a stream (ORDERS orders, default 30000: ~470k events) and its
# risk lists, replays it with them for the expected cases, then runs tests/serve_crash.mjs (Node >= 18, no npm
# packages), which posts the stream in batches of 200 lines, one batch in
# flight at a time (on event time the cases depend on the order of events),
# to a daemon with --clock event, real fdatasync and the same lists, kills it with SIGKILL at
# 5..8 random batches (mostly with a request in flight, some just after the
# request's records reached the log but before the answer, one of these at a
# batch that opens a case with several reasons) and once during a start-up
# replay, resends the first unacknowledged batch whole after each
# restart, and checks:
#   - every acknowledged answer adds up (accepted + duplicates + rejected =
#     lines); the first send of a batch reports as duplicates exactly the
#     lines whose id came earlier in the stream, a resend those plus the
#     events the killed daemon had already logged;
#   - accepted over all answers + duplicates recovered by resends = the
#     number of distinct events, and /healthz durable_seq equals it;
#   - GET /api/v1/cases (paged) holds each case once, the same cases as
#     replay with the same fields (case_id, rule, keys, severity, status,
#     opened_at, resolved_at, reasons, event_ids, ...), and GET
#     /api/v1/cases/{id} the same timelines; the list again after a final
#     kill -9 and restart; everything again after a kill -9, removing
#     cases.db and restarting (the store is rebuilt from the log); then
#     SIGTERM stops the daemon with status 0.
# Prints what happened and the first differences; exits 1 on any. SEED=N
# repeats a stream and kill plan (the kill timing itself varies). KEEP=1
# keeps the work directory. About 30..60 s.
set -u
bin=${1:?usage: tests/serve-crash.sh BINARY}
root=$(cd "$(dirname "$0")/.." && pwd)
orders=${ORDERS:-30000}
seed=${SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}

command -v node >/dev/null 2>&1 || { echo "serve-crash: node is needed" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/ordex-serve-crash.XXXXXX") || exit 2
if [ "${KEEP:-0}" = 1 ]; then
	echo "serve-crash: work directory $work"
else
	trap 'rm -rf "$work"' EXIT INT TERM
fi

if ! "$bin" sim --orders "$orders" --seed "$seed" --out "$work/events.ndjson" --labels "$work/labels.ndjson" \
	2>"$work/sim.err"; then
	echo "FAIL: ordex sim --orders $orders --seed $seed: $(cat "$work/sim.err")"
	exit 1
fi
"$bin" replay "$work/events.ndjson" --blacklist "$work/labels.ndjson.blacklist" --stats >"$work/expected.ndjson" 2>"$work/replay.err"
rc=$?
if [ $rc -ne 0 ] && [ $rc -ne 3 ]; then
	echo "FAIL: ordex replay exited $rc: $(tail -n 3 "$work/replay.err")"
	exit 1
fi
echo "serve-crash: sim --orders $orders --seed $seed; $(tail -n 1 "$work/replay.err")"

node "$root/tests/serve_crash.mjs" "$bin" "$work/events.ndjson" "$work/expected.ndjson" "$work" "$seed" \
	"$work/labels.ndjson.blacklist"
rc=$?
if [ $rc -ne 0 ]; then
	echo "serve-crash: the daemon's stderr, last lines:"
	tail -n 20 "$work/daemon.log" | sed 's/^/    /'
fi
exit $rc

#!/bin/sh
# run-sim.sh BINARY - the ground truth of `BINARY sim` against the cases
# `BINARY replay` opens on the same stream (docs/sim.md). Each run
# generates a stream with labels and a blacklist, replays it, and scores it
# with tools/score-sim.mjs: every rule must have precision and recall 1.
# Prints "N passed, N failed"; exits 1 when something failed.
set -u

bin=${1:?usage: tests/run-sim.sh BINARY}
root=$(cd "$(dirname "$0")/.." && pwd)
score="$root/tools/score-sim.mjs"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ordex-sim.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM

command -v node >/dev/null 2>&1 || { echo "run-sim: node is needed for $score" >&2; exit 2; }

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
not_ok() {
	failed=$((failed + 1))
	echo "FAIL $1: $2"
	[ -s "$3" ] && sed 's/^/     /' "$3" | head -40
}

# check NAME SIM-ARGS...: generate, replay, score
check() {
	name=$1
	shift
	base="$tmp/$name"
	if ! "$bin" sim "$@" --out "$base.ndjson" --labels "$base.labels" 2>"$base.err"; then
		not_ok "$name" "ordex sim $* failed" "$base.err"
		return
	fi
	"$bin" replay "$base.ndjson" --blacklist "$base.labels.blacklist" >"$base.cases" 2>"$base.err"
	rc=$?
	if [ $rc -ne 0 ]; then
		not_ok "$name" "replay exited $rc (a rejected line is a sim bug)" "$base.err"
		return
	fi
	if node "$score" "$base.labels" "$base.cases" >"$base.score" 2>&1; then
		ok "$name ($(wc -l <"$base.labels") cases, $(wc -l <"$base.ndjson") events)"
	else
		not_ok "$name" "labels and cases differ (sim $*)" "$base.score"
	fi
}

# 24h across the Double 11 midnight, with noise
check d11-noise --orders 2000 --seed 1
# no noise at all
check no-noise --orders 500 --no-noise --seed 2
# a high anomaly rate: bursts also come from the midnight peak itself
check high-rate --orders 1500 --anomaly-rate 0.4 --seed 3
# another period: two days of 618, no Double 11
check june-48h --orders 800 --start 2026-06-17T00:00:00+08:00 --hours 48 --seed 4 --anomaly-rate 0.1
# one rule alone at a high rate
check only-stall --orders 400 --anomaly-rate 0.2 --seed 5 --rate LOG_STALLED=1 \
	$(for r in PAY_FAILED PAY_DUPLICATE PAY_AMOUNT_MISMATCH PAY_STATUS_STALE PAY_ON_CLOSED \
		PAY_UNRECONCILED INV_RESERVE_FAILED INV_OVERSOLD INV_NEGATIVE_STOCK INV_DRIFT INV_LOW_STOCK \
		LOG_SHIP_OVERDUE LOG_DELIVERY_OVERDUE LOG_LOST LOG_DAMAGED LOG_REJECTED \
		LOG_FAILED_ATTEMPT LOG_CARRIER_EXCEPTION CUS_ADDRESS_INVALID CUS_PHONE_INVALID \
		CUS_REMARK_ATTENTION CUS_TICKET SYS_CREATE_FAILED SYS_SYNC_FAILED FRD_BLACKLIST \
		FRD_SUSPECT INC_BURST INC_PAYMENT_RATE; do printf ' --rate %s=0' $r; done)

# every rule is injected (the high-rate run has room for all of them)
rules=$(sed -n 's/^{"rule":"\([A-Z_]*\)".*/\1/p' "$tmp/high-rate.labels" 2>/dev/null | sort -u | wc -l)
if [ "$rules" -eq 29 ]; then
	ok "high-rate labels cover all 29 rules"
else
	not_ok "coverage" "high-rate labels cover $rules rules of 29" /dev/null
fi

# same seed, same bytes
if "$bin" sim --orders 2000 --seed 1 --out "$tmp/again.ndjson" --labels "$tmp/again.labels" &&
	cmp -s "$tmp/d11-noise.ndjson" "$tmp/again.ndjson" && cmp -s "$tmp/d11-noise.labels" "$tmp/again.labels" &&
	cmp -s "$tmp/d11-noise.labels.blacklist" "$tmp/again.labels.blacklist"; then
	ok "deterministic"
else
	not_ok "deterministic" "the same seed gave different bytes" /dev/null
fi

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]

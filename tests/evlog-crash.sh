#!/usr/bin/env bash
# evlog-crash.sh [BINARY-DIR] - kill -9 a writer of the event log (src/evlog.c)
# at random moments and check that nothing it was told is durable is lost.
#
# Builds tests/evlog_writer.c into BINARY-DIR (default build). Each round
# starts the writer on the same log (so it first recovers what the previous
# round left), lets it append and commit groups for a random 10..600 ms while
# it prints "durable SEQ" after each commit, kills it with SIGKILL, and runs
# the verifier: every record from 1 on is there with the payload derived from
# its seq, the last acknowledged SEQ among them, and the log takes new records
# and reopens with them. A kill leaves the page cache intact, so every other
# round also does what a power cut could do to the bytes after the last
# acknowledged record (cut them at a random point, zero a range) before
# verifying. Run from the repository root; about 12 s.
set -u
bindir=${1:-build}
rounds=${EVLOG_CRASH_ROUNDS:-12}
budget=14 # seconds: no new round starts after this

mkdir -p "$bindir" || exit 1
w="$bindir/evlog_writer"
cc -std=c11 -D_DEFAULT_SOURCE -O2 -Wall -Wextra -Werror -Isrc \
	-o "$w" src/util.c src/evlog.c tests/evlog_writer.c -lxxhash || exit 1

work=$(mktemp -d "${TMPDIR:-/tmp}/ordex-evlog-crash.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT

pass=0
fail=0
acked=0
torn=0
for ((i = 1; i <= rounds && SECONDS < budget; i++)); do
	out="$work/out"
	# Rounds 3, 4, 7, 8...: a writer that writes zeros ahead (as the
	# daemon does), over what the others left and the other way round.
	ahead=""
	[ $((i / 2 % 2)) -eq 1 ] && ahead=$((64 << 10))
	"$w" write "$work/log" $ahead >"$out" 2>"$work/err" &
	pid=$!
	ms=$((10 + RANDOM % 591))
	sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	status=$?
	# Only complete lines: the kill may land in the middle of one.
	if [ -n "$(tail -c 1 "$out")" ]; then
		durable=$(sed '$d' "$out" | tail -n 1)
	else
		durable=$(tail -n 1 "$out")
	fi
	durable=${durable#durable }
	# What earlier rounds acknowledged stays acknowledged.
	[ "${durable:-0}" -gt "$acked" ] && acked=$durable
	cut=""
	if [ "$status" -ne 137 ]; then
		echo "round $i: FAIL: the writer exited with $status before the kill: $(cat "$work/err")"
		fail=$((fail + 1))
		continue
	elif [ $((i % 2)) -eq 0 ] && ! cut=$("$w" tear "$work/log" "$acked" "$RANDOM" 2>&1); then
		echo "round $i: FAIL: $cut"
		fail=$((fail + 1))
		continue
	fi
	if msg=$("$w" verify "$work/log" "$acked" 2>&1); then
		echo "round $i: killed after ${ms} ms: ${cut:+$cut; }ok: $msg"
		pass=$((pass + 1))
		case $msg in *"torn 0 bytes"*) ;; *) torn=$((torn + 1)) ;; esac
	else
		echo "round $i: killed after ${ms} ms, acknowledged $acked: FAIL: $msg"
		fail=$((fail + 1))
	fi
done

# The rounds prove something only if the writer got records acknowledged.
if [ "$acked" -gt 0 ]; then
	pass=$((pass + 1))
else
	echo "FAIL: no round got a record acknowledged"
	fail=$((fail + 1))
fi
echo "evlog-crash: $((i - 1)) rounds, $acked records acknowledged, $torn torn tails cut"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

#!/usr/bin/env bash
# restart.sh BINARY [ORDERS] - how long `ordex serve` takes to restart with
# many open orders, and how much memory and disk they take. Printed, never
# asserted; not part of `make bench`.
#
#   1. `ordex sim --orders ORDERS` (default 250,000; Double 11 included),
#      cut when the last order has been created (24 h after the start): every
#      order exists, almost none is finished (no order completes within a
#      day; only the ~7% closed or cancelled unpaid ones are), so the engine
#      holds them all with their pending deadlines.
#   2. Load it into a daemon (--clock event --sync none) in batches of 5000
#      lines over 2 keep-alive connections, one batch in flight at a time so
#      the events keep their order; kill -9 it (the log survives that, see
#      tests/serve-crash.sh) and `sync`.
#   3. Restart it with the default fdatasync and no snapshot (the load took
#      none), so the whole log is replayed (the time from exec to
#      its "listening" line, the CPU time used until then, VmHWM from
#      /proc/PID/status), and stop it with SIGTERM, which writes a snapshot
#      of everything (the stop timed).
#   4. Restart it 3 times from that snapshot (nothing left to replay), the
#      same figures; kill -9 each. The last is stopped with SIGTERM, timed.
# The log is read from a warm page cache (nothing here drops caches on a
# shared machine); on a busy machine wall times exceed CPU times. ENGINE=1
# also times `ordex replay` on the same stream (the engine alone). Needs
# node (no npm packages). At 250k orders (~2.2M events) about 4 minutes,
# 0.5 GB of memory, 1.2 GB of disk; at 1M orders (the issue's figure) about
# 15..25 minutes, 1.7 GB and 4.2 GB. WORK=DIR sets the work directory
# (default a temporary one, removed at the end unless KEEP=1).
set -euo pipefail
ordex=${1:?usage: bench/restart.sh BINARY [ORDERS]}
orders=${2:-250000}
start=2026-11-10T20:00:00+08:00
cut=2026-11-11T20:00 # start + 24 h, the end of order creation
command -v node >/dev/null || { echo "restart: node is needed" >&2; exit 2; }

if [ -n "${WORK:-}" ]; then
	work=$WORK
	mkdir -p "$work"
else
	work=$(mktemp -d "${TMPDIR:-/tmp}/ordex-restart.XXXXXX")
fi
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	[ "${KEEP:-0}" = 1 ] || [ -n "${WORK:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
stream=$work/open-$orders.ndjson
data=$work/data
now() { date +%s.%N; }
token=ordex-restart-bench-token-0123456789
tck=$(getconf CLK_TCK)
cpu_of() { awk -v t="$tck" '{ printf "%.2f", ($14 + $15) / t }' "/proc/$1/stat"; } # user + sys seconds

# ---- 1. the stream ------------------------------------------------------------
t0=$(now)
"$ordex" sim --orders "$orders" --start "$start" --hours 24 --seed 4242 |
	awk -v cut="$cut" '{ i = index($0, "\"ts\":\""); if (substr($0, i + 6, 16) >= cut) exit; print }' >"$stream" ||
	true # sim dies of SIGPIPE once awk has its cut
gen_s=$(echo "$(now) - $t0" | bc)
events=$(wc -l <"$stream")
created=$(grep -c '"type":"order.created"' "$stream" || true)
finished=$(grep -E '"type":"order.status".*"status":"(closed|cancelled|completed)"' "$stream" |
	grep -o '"order_id":"[^"]*"' | sort -u | wc -l)
printf 'stream: %d orders, %d events (%d order.created lines, %d orders closed/cancelled/completed), %s MiB, generated in %.0f s\n' \
	"$orders" "$events" "$created" "$finished" "$(du -m "$stream" | cut -f1)" "$gen_s"

# ---- the daemon ---------------------------------------------------------------
# start_daemon SYNC: starts it on $data, waits for its listening line; sets
# pid, port, ready (seconds from exec to the line).
start_daemon() {
	: >"$work/err"
	local t
	t=$(now)
	"$ordex" serve --data "$data" --listen 127.0.0.1:0 --clock event --sync "$1" \
		--snapshot-every "${2:-1000000}" --bootstrap-token "$token" 2>"$work/err" &
	pid=$!
	while ! grep -q 'listening on' "$work/err"; do
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "restart: the daemon did not start: $(cat "$work/err")" >&2
			exit 1
		fi
		sleep 0.005
	done
	ready=$(echo "$(now) - $t" | bc)
	port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$work/err" | grep -o '[0-9]*$')
}
stop_daemon() { # SIGTERM, a clean stop
	kill -TERM "$pid"
	wait "$pid" || { echo "restart: the daemon exited with $? on SIGTERM: $(tail -n 3 "$work/err")" >&2; exit 1; }
	pid=
}
kill_daemon() {
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || true
	pid=
}
metric() { curl -s -H "Authorization: Bearer $token" "http://127.0.0.1:$port/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }

# ---- 2. load ------------------------------------------------------------------
rm -rf "$data"
start_daemon none 0 # snapshots come in step 3
t0=$(now)
node --input-type=module - "$stream" "$port" "$token" <<'EOF'
// Post the stream in batches of 5000 lines, one in flight at a time (event
// time needs the order kept), alternating between 2 keep-alive connections.
import fs from 'node:fs';
import http from 'node:http';
import readline from 'node:readline';
const [file, port, token] = process.argv.slice(2);
const agents = [0, 1].map(() => new http.Agent({ keepAlive: true, maxSockets: 1 }));
const tot = { batches: 0, accepted: 0, duplicates: 0, rejected: 0 };
function post(body, agent) {
	return new Promise((resolve, reject) => {
		const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/api/v1/events', agent,
			headers: { 'Content-Type': 'application/x-ndjson', 'Content-Length': Buffer.byteLength(body),
				Authorization: `Bearer ${token}` } }, (res) => {
			let text = '';
			res.setEncoding('utf8');
			res.on('data', (c) => (text += c));
			res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(text)) :
				reject(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 300)}`))));
		});
		req.on('error', reject);
		req.end(body);
	});
}
async function send(lines) {
	for (;;) {
		try {
			const r = await post(lines.join('\n') + '\n', agents[tot.batches % 2]);
			tot.batches++;
			tot.accepted += r.accepted;
			tot.duplicates += r.duplicates;
			tot.rejected += r.rejected;
			return;
		} catch (e) {
			if (!/HTTP 503/.test(e.message)) throw e;
			await new Promise((r) => setTimeout(r, 100)); // overloaded: retry the same batch
		}
	}
}
let batch = [];
for await (const line of readline.createInterface({ input: fs.createReadStream(file, { highWaterMark: 1 << 22 }), crlfDelay: Infinity })) {
	batch.push(line);
	if (batch.length === 5000) {
		await send(batch);
		batch = [];
	}
}
if (batch.length) await send(batch);
for (const a of agents) a.destroy();
console.log(JSON.stringify(tot));
EOF
load_s=$(echo "$(now) - $t0" | bc)
durable=$(metric ordex_log_durable_seq)
kill_daemon
sync
printf 'load: %d events in %.1f s (%.0f events/s, --sync none), log seq %d\n' "$events" "$load_s" \
	"$(echo "$events / $load_s" | bc -l)" "$durable"

# ---- 3. a restart that replays the whole log ------------------------------------
rm -rf "$data/snapshots" # none from the load (--snapshot-every 0) anyway
start_daemon fdatasync
full_s=$ready
full_cpu=$(cpu_of "$pid")
full_hwm=$(awk '/^VmHWM/ { print int($2 / 1024) }' "/proc/$pid/status")
open_orders=$(metric ordex_orders)
deadlines=$(metric ordex_deadlines_pending)
cases_open=$(metric ordex_cases_open)
printf 'restart replaying the log: listening after %.2f s, %.2f s CPU (%s), VmHWM %d MiB\n' "$full_s" \
	"$full_cpu" "$(grep -o 'replayed .* s;' "$work/err" | tr -d ';')" "$full_hwm"
# a clean stop writes a snapshot of everything
kill -TERM "$pid"
t0=$(now)
wait "$pid" || { echo "restart: the daemon exited with $? on SIGTERM: $(tail -n 3 "$work/err")" >&2; exit 1; }
pid=
snap_stop_s=$(echo "$(now) - $t0" | bc)
printf 'stop writing a snapshot: %.2f s (%s), snapshot %s MiB\n' "$snap_stop_s" \
	"$(grep -o 'snapshot at record .*' "$work/err" || echo none)" "$(du -sm "$data/snapshots" | cut -f1)"

# ---- 4. restarts from the snapshot ---------------------------------------------
times=()
cpus=()
rss=()
for i in 1 2 3; do
	start_daemon fdatasync
	cpu=$(cpu_of "$pid")
	hwm=$(awk '/^VmHWM/ { print int($2 / 1024) }' "/proc/$pid/status")
	got=$(grep -o 'read snapshot .* s' "$work/err" || echo "no snapshot read")
	if [ "$i" = 3 ]; then
		t0=$(now)
		stop_daemon
		stop_s=$(echo "$(now) - $t0" | bc)
	else
		kill_daemon
	fi
	printf 'restart %d from the snapshot: listening after %.2f s, %.2f s CPU (%s), VmHWM %d MiB\n' "$i" "$ready" \
		"$cpu" "$got" "$hwm"
	times+=("$ready")
	cpus+=("$cpu")
	rss+=("$hwm")
done
median=$(printf '%s\n' "${times[@]}" | sort -g | sed -n 2p)
cpu_med=$(printf '%s\n' "${cpus[@]}" | sort -g | sed -n 2p)
rss_med=$(printf '%s\n' "${rss[@]}" | sort -g | sed -n 2p)
data_mib=$(du -sm "$data" | cut -f1)
printf 'after restart: %d orders in the engine, %d deadlines pending, %d cases open; data: events %s MiB, cases.db %s MiB, snapshots %s MiB\n' \
	"$open_orders" "$deadlines" "$cases_open" "$(du -sm "$data/events" | cut -f1)" \
	"$(du -m "$data/cases.db" | cut -f1)" "$(du -sm "$data/snapshots" | cut -f1)"
printf 'clean stop (SIGTERM to exit) after restart 3: %.2f s (nothing new: no snapshot); median restart CPU %.2f s\n' \
	"$stop_s" "$cpu_med"
if [ "${ENGINE:-0}" = 1 ]; then
	/usr/bin/env time -f '%e %U %S' -o "$work/time" "$ordex" replay "$stream" --stats >/dev/null 2>"$work/replay.err" || true
	read -r w u s <"$work/time"
	printf 'engine alone: ordex replay of the stream: %.2f s, %.2f s CPU (%s)\n' "$w" "$(echo "$u + $s" | bc)" \
		"$(grep -o '[0-9.]* s, [0-9]* lines/s' "$work/replay.err")"
fi
printf 'restart: %d orders, %d events: from a snapshot median %.2f s, replaying the log %.2f s (%.1fx); RSS %d MiB, data %d MiB\n' \
	"$orders" "$durable" "$median" "$full_s" "$(echo "$full_s / $median" | bc -l)" "$rss_med" "$data_mib"

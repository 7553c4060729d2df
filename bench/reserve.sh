#!/usr/bin/env bash
# Stock reservations (part of make bench, issue 5): reservations/s and
# latency of ordex serve's POST /api/v1/inventory/reserve against the
# industry's usual answer in the same run, a Redis server (Debian's) running
# a Lua script that checks and decrements atomically, with appendfsync always
# and everysec. bench/reserveload drives both the same way: closed loop, one
# request in flight per connection, the same number of connections, one unit
# of one SKU per reservation, a new order id each; the hot SKU and 10,000 SKUs
# drawn uniformly. A fresh server (ordex or Redis, fresh data directory) per
# run, medians of 3. Then a hot SKU with less stock than requests, to see it
# sell out with zero oversell. Target (issue): >= 1.5x Redis's throughput at
# equal durability, zero oversell in both.
#   RESERVE_REQUESTS (30000 a run), RESERVE_CONNECTIONS ("16 64"), RESERVE_RUNS (3),
#   RESERVE_TARGETS ("ordex redis-always redis-everysec"), ORDEX_BEFORE (another
#   ordex binary, run as the target ordex-before: a change measured before and
#   after in the same run)
set -euo pipefail
ordex=$1
dir=${BENCH_DIR:-build/bench}
token=ordex-bench-token-0123456789abcdef
requests=${RESERVE_REQUESTS:-30000}
connections=${RESERVE_CONNECTIONS:-16 64}
runs=${RESERVE_RUNS:-3}
targets=${RESERVE_TARGETS:-ordex redis-always redis-everysec}
before=${ORDEX_BEFORE:-}
[ -z "$before" ] || targets="ordex-before $targets"
mkdir -p "$dir"
cc -O2 -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -o "$dir/reserveload" bench/reserveload.c -lpthread

# Debian's Redis, for its binary only: the service the package starts (where
# services start on install) is stopped and disabled again.
if ! command -v redis-server >/dev/null; then
	sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends redis-server >/dev/null
	if [ -d /run/systemd/system ]; then
		$sudo systemctl disable --now --quiet redis-server 2>/dev/null || true
	elif [ -x /etc/init.d/redis-server ]; then
		$sudo /etc/init.d/redis-server stop >/dev/null 2>&1 || true
	fi
fi

# The server of the current run: killed on the way out, whatever the way
# (background jobs of a script ignore Ctrl-C, so they must be told).
pid=""
trap '[ -z "$pid" ] || kill "$pid" 2>/dev/null || true' EXIT
trap 'exit 130' INT TERM

stop() {
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	pid=""
}

# start_ordex BINARY: a fresh `ordex serve` on a port of its own; sets pid and url.
start_ordex() {
	rm -rf "$dir/reserve-data"
	"$1" serve --data "$dir/reserve-data" --listen 127.0.0.1:0 \
		--bootstrap-token "$token" > /dev/null 2> "$dir/reserve-serve.log" &
	pid=$!
	url=""
	for _ in $(seq 200); do
		url=$(grep -o 'http://127.0.0.1:[0-9]*' "$dir/reserve-serve.log" | head -1) && [ -n "$url" ] && break
		sleep 0.05
	done
	if [ -z "$url" ]; then
		echo "reserve.sh: ordex serve did not start:" >&2
		cat "$dir/reserve-serve.log" >&2
		exit 1
	fi
}

# start_redis always|everysec: a fresh redis-server (AOF on, no snapshots,
# its own data directory) on a free port; sets pid and port.
start_redis() {
	local fsync=$1
	for _ in $(seq 20); do
		rm -rf "$dir/reserve-redis"
		mkdir -p "$dir/reserve-redis"
		port=$((20000 + RANDOM % 30000))
		redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly yes \
			--appendfsync "$fsync" --dir "$dir/reserve-redis" --daemonize no \
			> "$dir/reserve-redis.log" 2>&1 &
		pid=$!
		for _ in $(seq 100); do
			[ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ] && return 0
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.05
		done
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		pid=""
	done
	echo "reserve.sh: redis-server did not start:" >&2
	cat "$dir/reserve-redis.log" >&2
	exit 1
}

# run TARGET SKUS STOCK REQUESTS CONNECTIONS: one run on a fresh server,
# prints reserveload's JSON line.
run() {
	local target=$1 skus=$2 stock=$3 reqs=$4 conns=$5
	local args=(--skus "$skus" --stock "$stock" --requests "$reqs" --connections "$conns" --json)
	case $target in
	ordex | ordex-before)
		if [ "$target" = ordex ]; then start_ordex "$ordex"; else start_ordex "$before"; fi
		"$dir/reserveload" --target ordex --url "$url" --header "Authorization: Bearer $token" \
			--server-pid "$pid" "${args[@]}" 2>> "$dir/reserveload.log" | tail -1 || true
		;;
	redis-always | redis-everysec)
		start_redis "${target#redis-}"
		"$dir/reserveload" --target redis --redis "127.0.0.1:$port" \
			--server-pid "$pid" "${args[@]}" 2>> "$dir/reserveload.log" | tail -1 || true
		;;
	esac
	stop
}

# tagged CONNS SHAPE TARGET SKUS STOCK REQUESTS: one run, its JSON line
# tagged with what was run added to reserve.ndjson (a run that gave no JSON
# is a failed one). The run is not in a subshell, so the EXIT trap sees its
# server.
tagged() {
	local conns=$1 shape=$2 target=$3 skus=$4 stock=$5 reqs=$6
	run "$target" "$skus" "$stock" "$reqs" "$conns" > "$dir/reserve-run.json"
	local r
	r=$(cat "$dir/reserve-run.json")
	node -e 'let r; try { r = JSON.parse(process.argv[1]); } catch { r = { failed: true }; }
		console.log(JSON.stringify({ ...r, connections: +process.argv[2], shape: process.argv[3], name: process.argv[4] }));' \
		"$r" "$conns" "$shape" "$target" >> "$dir/reserve.ndjson"
}

: > "$dir/reserveload.log"
: > "$dir/reserve.ndjson"
echo "== stock reservations: ordex vs Redis 7 + Lua (loopback, closed loop, 1 unit a reservation), medians of $runs"
echo "durability: ordex answers once the reservation is in its event log, fdatasync'd with its group"
echo "(group commit) = Redis appendfsync always (the AOF fsync'd before replies); everysec may lose ~1 s of holds"
load0=$(cut -d' ' -f1 /proc/loadavg)
# The targets take turns within each round, so a noisy neighbour on the
# machine weighs on all of them alike.
for conns in $connections; do
	for shape in hot 10k; do
		if [ "$shape" = hot ]; then skus=1 stock=$requests; else skus=10000 stock=$(( requests / 10000 * 10 + 100 )); fi
		for _ in $(seq "$runs"); do
			for target in $targets; do
				tagged "$conns" "$shape" "$target" "$skus" "$stock" "$requests"
			done
		done
	done
done
# Sold out: less stock than requests on the hot SKU, one run each.
for target in $targets; do
	tagged 16 soldout "$target" 1 1000 "$requests"
done
load1=$(cut -d' ' -f1 /proc/loadavg)

status=0
node - "$dir/reserve.ndjson" <<'EOF' || status=1
const fs = require("fs");
const runs = fs.readFileSync(process.argv[2], "utf8").trim().split("\n").map(JSON.parse);
const label = { "ordex-before": "ordex before", ordex: "ordex", "redis-always": "Redis always", "redis-everysec": "Redis everysec" };
const shapes = { hot: "hot SKU", "10k": "10,000 SKUs", soldout: "hot SKU sold out" };
const num = (v, d = 0) => v === undefined || v < 0 ? "-" : Number(v).toLocaleString("en", { maximumFractionDigits: d, minimumFractionDigits: d });
const ms = v => v === undefined ? "-" : v < 1 ? v.toFixed(2) : v < 10 ? v.toFixed(1) : v.toFixed(0);
// The median run by reservations/s of each (connections, shape, server).
const groups = new Map();
for (const r of runs) {
	const key = `${r.connections}/${r.shape}`;
	if (!groups.has(key)) groups.set(key, new Map());
	const g = groups.get(key);
	if (!g.has(r.name)) g.set(r.name, []);
	g.get(r.name).push(r);
}
console.log("conns  shape             server           reservations/s  p50 ms  p99 ms     held  refused  server CPU us/res  stock check");
let bad = false;
for (const [, g] of groups) {
	const med = new Map();
	for (const [name, rs] of g) {
		const good = rs.filter(r => !r.failed).sort((a, b) => a.reservations_per_s - b.reservations_per_s);
		const m = good.length ? good[(good.length - 1) >> 1] : { connections: rs[0].connections, shape: rs[0].shape, name };
		const oversell = rs.some(r => r.oversell);
		const ok = rs.every(r => !r.failed && r.check_ok && r.errors === 0);
		const check = oversell ? "OVERSELL" : ok ? "zero oversell" : good.length ? "FAILED" : "NO RESULT";
		if (check !== "zero oversell") bad = true;
		med.set(name, m);
		console.log(`${String(m.connections).padStart(5)}  ${shapes[m.shape].padEnd(16)}  ${label[name].padEnd(15)}  ` +
			`${num(m.reservations_per_s).padStart(14)}  ${ms(m.p50_ms).padStart(6)}  ${ms(m.p99_ms).padStart(6)}  ` +
			`${num(m.held).padStart(7)}  ${num(m.refused).padStart(7)}  ${num(m.server_cpu_us).padStart(17)}  ${check}` +
			(rs.length > 1 ? ` (all ${rs.length} runs)` : ""));
	}
	const o = med.get("ordex"), a = med.get("redis-always"), e = med.get("redis-everysec"), b = med.get("ordex-before");
	const ratio = (x, y) => x && y && x.reservations_per_s && y.reservations_per_s ? (x.reservations_per_s / y.reservations_per_s).toFixed(2) + "x" : "-";
	if (o && (a || e))
		console.log(`       ratio ordex / Redis always ${ratio(o, a)}` +
			(o.shape === "soldout" ? "" : " (equal durability; target >= 1.5x)") +
			`, ordex / Redis everysec ${ratio(o, e)}` + (b ? `; ordex before / Redis always ${ratio(b, a)}, ordex / ordex before ${ratio(o, b)}` : ""));
}
console.log("stock check: units answered held == stock - remaining on the server, for every SKU, never below zero" +
	" (ordex: on_hand, reserved, available read back; Redis: the counters, and the holds in the expiry index)");
if (bad) {
	console.log("reserve.sh: a stock check failed or a run gave no result: see " + process.argv[2].replace(/reserve\.ndjson$/, "reserveload.log"));
	process.exit(1);
}
EOF
echo "load average (1 min) before $load0, after $load1 (2 cores: far above 2, other work was running and the figures are noisy)"
exit $status

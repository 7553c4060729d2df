#!/usr/bin/env bash
# The newcomer's first run: `ordex serve` on http://127.0.0.1:8080 with a
# demo shop. The simulator writes a realistic day of 20,000 orders starting
# now (with its deliveries over the following days), and `ordex push` plays
# it into the daemon an hour of event time per second, so cases appear at
# once. Ctrl-C stops.
set -euo pipefail
ordex=${1:-build/ordex}
listen=${ORDEX_LISTEN:-127.0.0.1:8080}
data=${ORDEX_DEMO_DATA:-data/demo}
url="http://$listen"
# A demo secret, printed below: a real deployment makes its own (docs/auth.md).
token=${ORDEX_BOOTSTRAP_TOKEN:-ordex-demo-admin-token}
work=$(mktemp -d)
serve_pid=""
cleanup() {
	[ -z "$serve_pid" ] || kill "$serve_pid" 2>/dev/null || true
	[ -z "$serve_pid" ] || wait "$serve_pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

start=$(TZ=Asia/Shanghai date +%Y-%m-%dT%H:%M:%S+08:00)
"$ordex" sim --orders 20000 --start "$start" --hours 24 --seed 11 \
	--out "$work/day.ndjson" --labels "$work/labels.ndjson"
echo "simulated $(wc -l < "$work/day.ndjson") events of a shop day from $start"

# A fresh demo each time: the same simulated ids would be duplicates.
rm -rf "$data"
mkdir -p "$(dirname "$data")"
"$ordex" serve --data "$data" --listen "$listen" --blacklist "$work/labels.ndjson.blacklist" \
	--bootstrap-token "$token" &
serve_pid=$!
for _ in $(seq 50); do
	curl -fs "$url/healthz" >/dev/null 2>&1 && break
	kill -0 "$serve_pid" 2>/dev/null || { echo "ordex serve did not start" >&2; exit 1; }
	sleep 0.1
done

# Console users of each role, made with the admin token (a demo password,
# printed below: a real deployment makes its own, docs/auth.md).
password=${ORDEX_DEMO_PASSWORD:-ordex-demo-2026}
for row in "demo.admin admin []" "demo.lead supervisor []" "demo.agent agent [\"cs\",\"logistics\",\"payments\"]" "demo.viewer viewer []"; do
	set -- $row
	curl -fs -o /dev/null -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
		-d "{\"name\":\"$1\",\"role\":\"$2\",\"teams\":$3,\"password\":\"$password\"}" "$url/api/v1/users" ||
		{ echo "could not create the demo user $1" >&2; exit 1; }
done

cat <<EOM

ordex is serving on $url while the day streams in.

The console: open $url and sign in as demo.admin, demo.lead (supervisor),
demo.agent (cs, logistics and payments) or demo.viewer, password $password.

Every API call needs a token; this demo's admin token is $token. Try:
  export ORDEX_TOKEN=$token
  curl -s -H "Authorization: Bearer \$ORDEX_TOKEN" '$url/api/v1/cases?limit=5'
  curl -s -H "Authorization: Bearer \$ORDEX_TOKEN" '$url/api/v1/cases?category=payment&status=open'
  curl -s -H "Authorization: Bearer \$ORDEX_TOKEN" '$url/api/v1/orders/ORDER_ID'
  curl -s -H "Authorization: Bearer \$ORDEX_TOKEN" $url/metrics | grep ordex_cases_opened_total
Ctrl-C stops the daemon (its data stays in $data).

EOM
"$ordex" push "$work/day.ndjson" --url "$url" --token "$token" --speed 3600 --batch 2000
echo
echo "the stream is in. Cases opened by rule:"
curl -s -H "Authorization: Bearer $token" "$url/metrics" | awk -F'[{}" ]+' '/^ordex_cases_opened_total/ && $NF > 0 { printf "  %-22s %s\n", $3, $NF }'
echo "still serving on $url; Ctrl-C stops."
wait "$serve_pid"

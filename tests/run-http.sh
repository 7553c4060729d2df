#!/usr/bin/env bash
# run-http.sh BINARY - the HTTP API tests of `ordex serve` (tests/http/):
# api.test.mjs (every endpoint, limits, restarts), openapi.test.mjs
# (docs/openapi.json against src/api.c and itself) and equivalence.test.mjs
# (the daemon's cases == `ordex replay`'s, stream by stream). Every answer the
# tests receive is validated against docs/openapi.json.
#
# Runs `node --test` (Node >= 20, no npm packages) on a private copy of
# BINARY, so that a rebuild during the run does not change it. Prints each
# test, then a summary (per file, failures, the documented answers no test
# produced); exits 1 when a test failed, 2 on misuse.
set -u

if [ $# -ne 1 ]; then
	echo "usage: $0 BUILD/ordex" >&2
	exit 2
fi
bin=$1
case $bin in
/*) ;;
*) bin=$PWD/$bin ;;
esac
if [ ! -f "$bin" ] || [ ! -x "$bin" ]; then
	echo "$0: $bin: not an executable" >&2
	exit 2
fi
command -v node >/dev/null 2>&1 || { echo "$0: node is required" >&2; exit 2; }
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 20 ]; then
	echo "$0: node >= 20 is required (found $(node --version))" >&2
	exit 2
fi

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
cp "$bin" "$tmp/ordex" || exit 2

export ORDEX_BIN=$tmp/ordex
export ORDEX_HTTP_COVERAGE=$tmp/coverage
: >"$ORDEX_HTTP_COVERAGE"

# The three files run side by side; a hung test fails after its timeout.
start=$(date +%s)
node --test --test-concurrency=3 --test-timeout=600000 \
	--test-reporter=spec --test-reporter-destination=stdout \
	--test-reporter=./tests/http/summary-reporter.mjs --test-reporter-destination="$tmp/summary" \
	tests/http/
rc=$?
cat "$tmp/summary"

# Documented answers that no test produced (e.g. 500s and 503s that need a
# failing disk or a full queue): listed, not failures.
node --input-type=module -e '
	import { readFileSync } from "node:fs";
	import { documentedResponses } from "./tests/http/openapi.mjs";
	const seen = new Set(readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean));
	const unseen = documentedResponses().filter((r) => !seen.has(r));
	console.log(`  documented answers produced by the tests: ${documentedResponses().length - unseen.length} of ${documentedResponses().length}` +
		(unseen.length ? `; never produced: ${unseen.join(", ")}` : ""));
' "$ORDEX_HTTP_COVERAGE"
echo "  wall time: $(($(date +%s) - start)) s"
[ $rc -eq 0 ] || exit 1
exit 0

#!/usr/bin/env bash
# run-browser.sh BINARY - the web console end to end in Debian's chromium,
# driven by playwright-core (console/package-lock.json; installed here with
# `npm ci` when missing, never downloading a browser), against BINARY's
# `ordex serve`. Screenshots go to build/screenshots/ (ORDEX_SCREENSHOTS).
# Exits 1 when a test failed, 2 on misuse or a missing chromium.
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
chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
	echo "$0: $chromium is missing: run scripts/deps.sh (Debian's chromium package)" >&2
	exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
if [ ! -f console/node_modules/playwright-core/package.json ] ||
	[ console/package-lock.json -nt console/node_modules/.package-lock.json ]; then
	# playwright-core has no install script; --ignore-scripts keeps it so
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix console --no-audit --no-fund --ignore-scripts --silent || exit 2
fi
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
cp "$bin" "$tmp/ordex" || exit 2
export ORDEX_BIN=$tmp/ordex CHROMIUM=$chromium

start=$(date +%s)
node --test --test-concurrency=1 --test-timeout=240000 --test-reporter=spec tests/browser/
rc=$?
echo "  browser tests: wall time $(($(date +%s) - start)) s; screenshots in ${ORDEX_SCREENSHOTS:-build/screenshots}/"
[ $rc -eq 0 ] || exit 1
exit 0

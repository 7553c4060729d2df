#!/usr/bin/env bash
# run-cases.sh BINARY [FILTER] - the data-driven detection tests
# (tests/cases/README.md).
#
# For every tests/cases/NAME.ndjson (whose NAME contains FILTER, if given):
# runs `BINARY replay tests/cases/NAME.ndjson $(cat NAME.args)` from the
# repository root, then checks stdout, the rejected line numbers on stderr
# and the exit code against NAME.expected, NAME.stderr and NAME.exit with
# tools/compare-cases.mjs. Prints one line per case file (ok / FAIL with a
# diff) and "N passed, N failed"; exits 1 on any failure, 2 on misuse.
set -u

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: $0 BINARY [FILTER]" >&2
	exit 2
fi
bin=$1
filter=${2:-}
case $bin in
/*) ;;
*) bin=$PWD/$bin ;;
esac
if [ ! -f "$bin" ] || [ ! -x "$bin" ]; then
	echo "$0: $bin: not an executable" >&2
	exit 2
fi
command -v node >/dev/null 2>&1 || { echo "$0: node is required" >&2; exit 2; }

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT

# A hung replay must not hang the suite.
if command -v timeout >/dev/null 2>&1; then
	run() { timeout 60 "$@"; }
else
	run() { "$@"; }
fi

files=(tests/cases/*.ndjson)
set -f # the arguments in NAME.args are split on white space, never globbed
: >"$tmp/cases"
for f in "${files[@]}"; do
	[ -e "$f" ] || continue
	name=${f%.ndjson}
	base=${name##*/}
	case $base in *"$filter"*) ;; *) continue ;; esac
	args=
	[ -f "$name.args" ] && args=$(cat "$name.args")
	# shellcheck disable=SC2086 # word splitting of $args is intended
	run "$bin" replay "$f" $args >"$tmp/$base.out" 2>"$tmp/$base.err" </dev/null
	echo $? >"$tmp/$base.rc"
	echo "$name" >>"$tmp/cases"
done
if [ ! -s "$tmp/cases" ]; then
	echo "0 passed, 0 failed"
	echo "$0: no case file matched" >&2
	exit 1
fi
node tools/compare-cases.mjs --batch "$tmp"

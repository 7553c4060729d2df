#!/usr/bin/env bash
# admin-cli.sh [BINARY] - `ordex user`, `ordex token` and `ordex audit` from the
# shell (src/admin_cli.c): users made with --password-stdin, tokens created,
# listed and revoked, usage errors (exit 2) and failures (exit 1), every change
# in the audit log, `audit verify` intact (exit 0), then an entry edited
# behind ordex's back with the sqlite3 CLI (or, without it, a tiny C helper)
# and `audit verify` naming it (exit 1). ADMIN_CLI_NO_SQLITE3=1 uses the C
# helper even where sqlite3 is installed. Run from the repository root; ~2 s.
set -u
ordex=${1:-build/ordex}
[ -x "$ordex" ] || { echo "admin-cli.sh: no binary at $ordex" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/ordex-admin-cli.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
data="$work/data"
export USER=tester

pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

# run WANT_EXIT CMD... : run ordex, keep stdout in $out and stderr in $err
run() {
	local want=$1
	shift
	"$ordex" "$@" >"$work/out" 2>"$work/err" </dev/null
	local got=$?
	out=$(cat "$work/out")
	err=$(cat "$work/err")
	if [ "$got" -eq "$want" ]; then ok; else bad "ordex $* -> exit $got, want $want: $err"; fi
}
# with standard input
run_in() {
	local input=$1 want=$2
	shift 2
	printf '%s\n' "$input" | "$ordex" "$@" >"$work/out" 2>"$work/err"
	local got=$?
	out=$(cat "$work/out")
	err=$(cat "$work/err")
	if [ "$got" -eq "$want" ]; then ok; else bad "ordex $* -> exit $got, want $want: $err"; fi
}
has() { case "$1" in *"$2"*) ok ;; *) bad "expected '$2' in: $1" ;; esac; }

# ---- users
run_in 'correct horse battery' 0 user add lihua --role agent --team payment --team warehouse \
	--display 李华 --password-stdin --data "$data"
has "$out" "user lihua added (agent)"
[ "$(stat -c %a "$data/auth.db")" = 600 ] && ok || bad "auth.db is not private"
run_in 'correct horse battery' 1 user add lihua --role agent --password-stdin --data "$data"
has "$err" 'user "lihua": already exists'
run_in 'short' 2 user add bob --role viewer --password-stdin --data "$data"
has "$err" "password: shorter than 8 bytes"
run 2 user add bob --role boss --password-stdin --data "$data"
has "$err" "unknown role 'boss'"
run 2 user add bob --role viewer --data "$data" # no terminal, no --password-stdin
has "$err" "use --password-stdin"
run 2 user add 'bad name' --role viewer --data "$data"
run_in 'another secret' 0 user add boss --role supervisor --password-stdin --data "$data"
run 0 user list --data "$data"
has "$out" "lihua"
has "$out" "payment,warehouse"
has "$out" "李华"
run 0 user list --json --data "$data"
has "$out" '"name":"boss","display":"","role":"supervisor"'
case "$out" in *argon2*) bad "a password hash in the list" ;; *) ok ;; esac
run 0 user role lihua supervisor --data "$data"
run 2 user role lihua king --data "$data"
run 1 user role ghost agent --data "$data"
has "$err" 'user "ghost": not found'
run 0 user teams lihua risk tech --data "$data"
has "$out" "teams risk tech"
run 2 user teams lihua "Ri sk" --data "$data"
run 0 user disable lihua --data "$data"
run 0 user enable lihua --data "$data"
run_in 'new password 1' 0 user passwd lihua --password-stdin --data "$data"
run 2 user frob --data "$data"
run 2 user list --bogus --data "$data"
run 2 user role lihua --data "$data"

# ---- tokens
run 0 token create ci --role ingest --expires 30d --data "$data"
secret=$out
[[ "$secret" =~ ^oxt_[A-Za-z0-9_-]{43}$ ]] && ok || bad "token secret '$secret'"
has "$err" "shown only this once"
run 0 token create mine --role agent --user lihua --data "$data"
run 2 token create over --role admin --user lihua --data "$data"
has "$err" 'admin has permissions that user "lihua" (supervisor) lacks'
run 2 token create x --role ingest --expires soon --data "$data"
run 1 token create ci --role ingest --data "$data"
has "$err" 'token "ci": a token that is not revoked has this name'
run 0 token list --data "$data"
has "$out" "${secret:0:8}"
case "$out" in *"${secret:8}"*) bad "the secret in the token list" ;; *) ok ;; esac
run 0 token revoke 1 --data "$data"
run 0 token list --json --data "$data"
has "$out" '"id":1,"name":"ci"'
has "$out" '"status":"revoked"'
run 1 token revoke 99 --data "$data"
run 2 token revoke abc --data "$data"

# ---- audit
run 0 audit verify --data "$data"
[[ "$out" =~ ^audit:\ 10\ entries,\ chain\ intact,\ head\ 10\ [0-9a-f]{64}$ ]] && ok || bad "verify said: $out"
run 0 audit list --data "$data" --actor cli:tester --limit 3
has "$out" "token.revoke"
run 0 audit list --json --action user.create --data "$data"
has "$out" '"target":"lihua","detail":{"role":"agent","teams":["payment","warehouse"],"display":"李华"}'
has "$out" '"actor":"cli:tester"'
run 2 audit list --limit 0 --data "$data"
has "$err" 'limit: expected 1..1000, got "0"'
run 1 audit verify --data "$work/nowhere"

# ---- tampering: change who did entry 3
sql="DROP TRIGGER audit_no_update; UPDATE audit SET actor = 'someone-else' WHERE id = 3;"
if [ -z "${ADMIN_CLI_NO_SQLITE3:-}" ] && command -v sqlite3 >/dev/null; then
	sqlite3 "$data/audit.db" "$sql" || bad "sqlite3 failed"
else
	cat >"$work/edit.c" <<'EOF'
#include <sqlite3.h>
#include <stdio.h>
int main(int argc, char **argv)
{
	sqlite3 *db;
	char *msg = NULL;
	if (argc != 3 || sqlite3_open(argv[1], &db) != SQLITE_OK || sqlite3_exec(db, argv[2], NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "edit: %s\n", msg ? msg : "usage: edit DB SQL");
		return 1;
	}
	return sqlite3_close(db) == SQLITE_OK ? 0 : 1;
}
EOF
	cc -o "$work/edit" "$work/edit.c" -lsqlite3 && "$work/edit" "$data/audit.db" "$sql" || bad "edit helper failed"
fi
run 1 audit verify --data "$data"
has "$out" "audit: entry 3 is bad: hash mismatch"

echo "admin-cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]

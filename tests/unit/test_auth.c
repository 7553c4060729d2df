/* test_auth.c - users, roles, tokens and sessions (src/auth.c): the whole
 * role -> permission matrix, every validation error, token expiry, revocation
 * and users disabled or demoted, bootstrap idempotence and refusal, login
 * lockout and its equal treatment of unknown users, session expiry, CSRF,
 * password rehashing. Password hashing runs at Argon2id's minimum cost except
 * where the real cost is the point. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "auth.h"

struct fx {
	char dir[256], path[300];
	struct ox_auth *a;
	int64_t clock;
};

static int64_t fixed_clock(void *ctx)
{
	return ((struct fx *)ctx)->clock;
}

static void cheap(struct ox_auth *a)
{
	ox_auth_set_pwhash_limits(a, crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN);
}

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	const char *tmp = getenv("TMPDIR");
	snprintf(f->dir, sizeof f->dir, "%s/ordex-auth-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof f->path, "%s/auth.db", f->dir);
	char err[256];
	if (ox_auth_open(&f->a, f->path, err, sizeof err)) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	f->clock = 1762790400000; /* 2025-11-11T00:00:00+08:00 */
	ox_auth_set_clock(f->a, fixed_clock, f);
	cheap(f->a);
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;
	ox_auth_close(f->a);
	const char *sfx[] = { "", "-wal", "-shm" };
	for (size_t i = 0; i < 3; i++) {
		char p[320];
		snprintf(p, sizeof p, "%s%s", f->path, sfx[i]);
		unlink(p);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

#define OK(call)                                                                     \
	do {                                                                         \
		int rc_ = (call);                                                    \
		if (rc_)                                                             \
			fprintf(stderr, "%s: %s\n", #call, ox_auth_errmsg(f->a));   \
		assert_int_equal(rc_, 0);                                            \
	} while (0)

static void expect(struct fx *f, int rc, int want, const char *msg_part)
{
	if (rc != want || (msg_part && !strstr(ox_auth_errmsg(f->a), msg_part)))
		fprintf(stderr, "rc %d (want %d): \"%s\" (want \"%s\")\n", rc, want, ox_auth_errmsg(f->a),
			msg_part ? msg_part : "");
	assert_int_equal(rc, want);
	if (msg_part)
		assert_non_null(strstr(ox_auth_errmsg(f->a), msg_part));
}

/* Run one SQL statement on the file and return the first column of the first row as an integer. */
static int64_t sql_int(struct fx *f, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
	int rc = sqlite3_step(q);
	int64_t v = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : -1;
	sqlite3_finalize(q);
	sqlite3_close(db);
	return v;
}

static void sql_text(struct fx *f, const char *sql, char *out, size_t cap)
{
	sqlite3 *db;
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	snprintf(out, cap, "%s", (const char *)sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	sqlite3_close(db);
}

static void sql_exec(struct fx *f, const char *sql)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static const char *const pay_wh[] = { "payment", "warehouse" };

/* ---- roles and permissions ------------------------------------------------------------------- */

static void test_role_perm_matrix(void **state)
{
	(void)state;
	/* The table of the design, written out: rows are permissions, columns
	 * admin, supervisor, agent, viewer, ingest. */
	static const struct {
		unsigned perm;
		const char *name;
		int has[OX_ROLE__COUNT];
	} m[] = {
		{ OX_PERM_EVENTS_WRITE, "events:write", { 1, 0, 0, 0, 1 } },
		{ OX_PERM_CASES_READ, "cases:read", { 1, 1, 1, 1, 0 } },
		{ OX_PERM_CASES_WORK, "cases:work", { 1, 1, 1, 0, 0 } },
		{ OX_PERM_CASES_ASSIGN, "cases:assign", { 1, 1, 0, 0, 0 } },
		{ OX_PERM_PII, "pii", { 1, 1, 0, 0, 0 } },
		{ OX_PERM_SILENCES, "silences", { 1, 1, 0, 0, 0 } },
		{ OX_PERM_ALERTS_READ, "alerts:read", { 1, 1, 0, 0, 0 } },
		{ OX_PERM_USERS, "users", { 1, 0, 0, 0, 0 } },
		{ OX_PERM_TOKENS, "tokens", { 1, 0, 0, 0, 0 } },
		{ OX_PERM_AUDIT_READ, "audit:read", { 1, 1, 0, 0, 0 } },
		{ OX_PERM_METRICS, "metrics", { 1, 1, 0, 1, 1 } },
		{ OX_PERM_PREVENT, "prevent", { 1, 1, 0, 0, 1 } },
		{ OX_PERM_INVENTORY, "inventory", { 1, 1, 0, 0, 1 } },
		{ OX_PERM_BLACKLIST, "blacklist", { 1, 1, 0, 0, 0 } },
		{ OX_PERM_REPORTS, "reports", { 1, 1, 0, 1, 0 } },
		{ OX_PERM_ACTIONS_AUTO, "actions:auto", { 1, 0, 0, 0, 0 } },
		{ OX_PERM_CONFIG_READ, "config:read", { 1, 1, 0, 0, 0 } },
		{ OX_PERM_CONFIG_WRITE, "config:write", { 1, 0, 0, 0, 0 } },
	};
	static const char *const role_names[] = { "admin", "supervisor", "agent", "viewer", "ingest" };
	assert_int_equal(OX_ARRAY_LEN(m), OX_PERM__COUNT);
	assert_int_equal(OX_ROLE__COUNT, 5);
	unsigned all = 0;
	for (size_t i = 0; i < OX_ARRAY_LEN(m); i++) {
		assert_string_equal(ox_perm_name(m[i].perm), m[i].name);
		assert_int_equal(ox_perm_parse(m[i].name), m[i].perm);
		assert_int_equal(m[i].perm & all, 0); /* one distinct bit each */
		all |= m[i].perm;
		for (int r = 0; r < OX_ROLE__COUNT; r++) {
			bool has = (ox_role_perms((enum ox_role)r) & m[i].perm) != 0;
			if (has != (bool)m[i].has[r])
				fprintf(stderr, "role %s, perm %s: %d\n", role_names[r], m[i].name, has);
			assert_int_equal(has, m[i].has[r]);
		}
	}
	assert_int_equal(all, OX_PERM_ALL);
	for (int r = 0; r < OX_ROLE__COUNT; r++) {
		unsigned want = 0;
		for (size_t i = 0; i < OX_ARRAY_LEN(m); i++)
			want |= m[i].has[r] ? m[i].perm : 0;
		assert_int_equal(ox_role_perms((enum ox_role)r), want); /* no bit beyond the table */
		assert_string_equal(ox_role_name((enum ox_role)r), role_names[r]);
		assert_int_equal(ox_role_parse(role_names[r]), r);
	}
	assert_int_equal(ox_role_parse("Admin"), -1);
	assert_int_equal(ox_role_parse(""), -1);
	assert_int_equal(ox_role_parse(NULL), -1);
	assert_null(ox_role_name(OX_ROLE__COUNT));
	assert_null(ox_role_name((enum ox_role)-1));
	assert_int_equal(ox_role_perms(OX_ROLE__COUNT), 0);
	assert_null(ox_perm_name(0));
	assert_null(ox_perm_name(OX_PERM_PII | OX_PERM_USERS));
	assert_null(ox_perm_name(1u << OX_PERM__COUNT));
	assert_int_equal(ox_perm_parse("cases"), 0);
	assert_int_equal(ox_perm_parse(NULL), 0);
}

static void test_principal_helpers(void **state)
{
	(void)state;
	struct ox_principal p = { .kind = OX_PRINCIPAL_USER, .role = OX_ROLE_AGENT };
	snprintf(p.name, sizeof p.name, "lihua");
	snprintf(p.user, sizeof p.user, "lihua");
	p.perms = ox_role_perms(p.role);
	p.teams.n = 2;
	snprintf(p.teams.name[0], sizeof p.teams.name[0], "payment");
	snprintf(p.teams.name[1], sizeof p.teams.name[1], "risk");
	assert_true(ox_principal_in_team(&p, "payment"));
	assert_true(ox_principal_in_team(&p, "risk"));
	assert_false(ox_principal_in_team(&p, "warehouse"));
	assert_false(ox_principal_in_team(&p, "pay"));
	assert_false(ox_principal_in_team(&p, ""));
	assert_false(ox_principal_in_team(&p, NULL));
	for (int r = 0; r < OX_ROLE__COUNT; r++) {
		p.role = (enum ox_role)r;
		assert_int_equal(ox_principal_in_team(&p, "warehouse"), r != OX_ROLE_AGENT);
		assert_int_equal(ox_principal_in_team(&p, NULL), r != OX_ROLE_AGENT);
	}
	p.role = OX_ROLE_AGENT;

	struct ox_buf b;
	ox_buf_init(&b, SIZE_MAX);
	assert_int_equal(ox_principal_json(&p, &b), 0);
	assert_string_equal(b.data, "{\"kind\":\"user\",\"name\":\"lihua\",\"user\":\"lihua\",\"role\":\"agent\","
				    "\"perms\":[\"cases:read\",\"cases:work\"],\"teams\":[\"payment\",\"risk\"]}");
	struct ox_principal t = { .kind = OX_PRINCIPAL_TOKEN, .role = OX_ROLE_INGEST };
	snprintf(t.name, sizeof t.name, "token:ci");
	t.perms = ox_role_perms(t.role);
	ox_buf_reset(&b);
	assert_int_equal(ox_principal_json(&t, &b), 0);
	assert_string_equal(b.data, "{\"kind\":\"token\",\"name\":\"token:ci\",\"user\":null,\"role\":\"ingest\","
				    "\"perms\":[\"events:write\",\"metrics\",\"prevent\",\"inventory\"],\"teams\":[]}");
	ox_buf_release(&b);
	ox_buf_init(&b, 20);
	ox_buf_addz(&b, "x");
	assert_int_equal(ox_principal_json(&t, &b), -1);
	assert_string_equal(b.data, "x");
	ox_buf_release(&b);

	/* CSRF: only sessions need it, compared whole */
	assert_true(ox_auth_csrf_ok(&t, NULL));
	p.from_session = true;
	snprintf(p.csrf, sizeof p.csrf, "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde");
	assert_true(ox_auth_csrf_ok(&p, "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde"));
	assert_false(ox_auth_csrf_ok(&p, "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcdf"));
	assert_false(ox_auth_csrf_ok(&p, "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcd"));
	assert_false(ox_auth_csrf_ok(&p, "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcdee"));
	assert_false(ox_auth_csrf_ok(&p, ""));
	assert_false(ox_auth_csrf_ok(&p, NULL));
	p.csrf[0] = '\0';
	assert_false(ox_auth_csrf_ok(&p, "")); /* a session without a CSRF token never passes */

	assert_string_equal(ox_auth_strerror(OX_AUTH_EDENIED), "access denied");
	assert_string_equal(ox_auth_strerror(OX_AUTH_EEXISTS), "already exists");
	assert_string_equal(ox_auth_strerror(99), "unknown error");
}

/* ---- open ------------------------------------------------------------------------------------- */

static void test_open_reopen_schema(void **state)
{
	struct fx *f = *state;
	struct stat st;
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	OK(ox_auth_user_add(f->a, "lihua", "李华", OX_ROLE_AGENT, pay_wh, 2, "correct horse"));
	ox_auth_close(f->a);
	char err[256];
	assert_int_equal(ox_auth_open(&f->a, f->path, err, sizeof err), 0);
	ox_auth_set_clock(f->a, fixed_clock, f);
	cheap(f->a);
	struct ox_auth_user u;
	OK(ox_auth_user_get(f->a, "lihua", &u));
	assert_string_equal(u.display, "李华");
	assert_int_equal(sql_int(f, "SELECT version FROM schema_version"), 1);
	ox_auth_close(f->a);
	f->a = NULL;
	sql_exec(f, "UPDATE schema_version SET version = 7");
	struct ox_auth *a = (struct ox_auth *)1;
	assert_int_equal(ox_auth_open(&a, f->path, err, sizeof err), OX_AUTH_ESCHEMA);
	assert_null(a);
	assert_non_null(strstr(err, "auth.db: schema version 7 is newer than this ordex's 1"));
	assert_int_equal(ox_auth_open(&a, "/nonexistent/auth.db", err, sizeof err), OX_AUTH_EDB);
	assert_non_null(strstr(err, "/nonexistent/auth.db: "));
	assert_int_equal(ox_auth_open(&a, ":memory:", err, sizeof err), 0);
	ox_auth_close(a);
	ox_auth_close(NULL);
}

/* ---- users -------------------------------------------------------------------------------------- */

static void test_users(void **state)
{
	struct fx *f = *state;
	OK(ox_auth_user_add(f->a, "lihua", "李华", OX_ROLE_AGENT, pay_wh, 2, "correct horse"));
	const char *dup_teams[] = { "risk", "tech", "risk" };
	OK(ox_auth_user_add(f->a, "Boss.Wang_1-x", NULL, OX_ROLE_SUPERVISOR, dup_teams, 3, NULL));
	expect(f, ox_auth_user_add(f->a, "lihua", "", OX_ROLE_VIEWER, NULL, 0, "12345678"), OX_AUTH_EEXISTS,
	       "user \"lihua\": already exists");

	struct ox_auth_user u;
	OK(ox_auth_user_get(f->a, "lihua", &u));
	assert_string_equal(u.name, "lihua");
	assert_string_equal(u.display, "李华");
	assert_int_equal(u.role, OX_ROLE_AGENT);
	assert_int_equal(u.teams.n, 2);
	assert_string_equal(u.teams.name[0], "payment");
	assert_string_equal(u.teams.name[1], "warehouse");
	assert_true(u.has_password);
	assert_false(u.disabled);
	assert_int_equal(u.created_at, f->clock);
	assert_int_equal(u.failed_logins, 0);
	assert_int_equal(u.locked_until, 0);
	OK(ox_auth_user_get(f->a, "Boss.Wang_1-x", &u));
	assert_false(u.has_password);
	assert_int_equal(u.teams.n, 2); /* the duplicate dropped */
	assert_string_equal(u.teams.name[1], "tech");
	expect(f, ox_auth_user_get(f->a, "nobody", &u), OX_AUTH_ENOTFOUND, "user \"nobody\": not found");

	/* changes */
	OK(ox_auth_user_set_role(f->a, "lihua", OX_ROLE_SUPERVISOR));
	const char *one[] = { "customer_service" };
	OK(ox_auth_user_set_teams(f->a, "lihua", one, 1));
	OK(ox_auth_user_set_display(f->a, "lihua", "李华 (客服)"));
	OK(ox_auth_user_set_disabled(f->a, "lihua", true));
	OK(ox_auth_user_get(f->a, "lihua", &u));
	assert_int_equal(u.role, OX_ROLE_SUPERVISOR);
	assert_int_equal(u.teams.n, 1);
	assert_string_equal(u.teams.name[0], "customer_service");
	assert_string_equal(u.display, "李华 (客服)");
	assert_true(u.disabled);
	OK(ox_auth_user_set_disabled(f->a, "lihua", false));
	OK(ox_auth_user_set_teams(f->a, "lihua", NULL, 0));
	OK(ox_auth_user_get(f->a, "lihua", &u));
	assert_false(u.disabled);
	assert_int_equal(u.teams.n, 0);
	char old[200], now[200];
	sql_text(f, "SELECT pw_hash FROM users WHERE name = 'lihua'", old, sizeof old);
	assert_non_null(strstr(old, "$argon2id$"));
	OK(ox_auth_user_set_password(f->a, "lihua", "another horse"));
	sql_text(f, "SELECT pw_hash FROM users WHERE name = 'lihua'", now, sizeof now);
	assert_string_not_equal(old, now);
	OK(ox_auth_user_set_password(f->a, "Boss.Wang_1-x", "初始密码12"));
	OK(ox_auth_user_get(f->a, "Boss.Wang_1-x", &u));
	assert_true(u.has_password);

	/* every setter on an unknown user */
	expect(f, ox_auth_user_set_role(f->a, "ghost", OX_ROLE_ADMIN), OX_AUTH_ENOTFOUND, "user \"ghost\": not found");
	expect(f, ox_auth_user_set_teams(f->a, "ghost", one, 1), OX_AUTH_ENOTFOUND, "not found");
	expect(f, ox_auth_user_set_display(f->a, "ghost", "x"), OX_AUTH_ENOTFOUND, "not found");
	expect(f, ox_auth_user_set_disabled(f->a, "ghost", true), OX_AUTH_ENOTFOUND, "not found");
	expect(f, ox_auth_user_set_password(f->a, "ghost", "12345678"), OX_AUTH_ENOTFOUND, "not found");
}

static void test_user_validation(void **state)
{
	struct fx *f = *state;
	char n65[66], d129[130], pw[OX_AUTH_PASSWORD_MAX + 2];
	memset(n65, 'a', 65);
	n65[65] = '\0';
	memset(d129, 'x', 129);
	d129[129] = '\0';
	memset(pw, 'p', sizeof pw - 1);
	pw[sizeof pw - 1] = '\0';
	char t64[65]; /* one over a config team name's 63 bytes */
	memset(t64, 't', 64);
	t64[64] = '\0';
	const char *bad_team[] = { "payment", "Pay ment" }, *long_team[] = { t64 }, *empty_team[] = { "" },
		   *null_team[] = { NULL };
	const char *many[OX_AUTH_TEAMS_MAX + 1];
	char names[OX_AUTH_TEAMS_MAX + 1][16];
	for (int i = 0; i <= OX_AUTH_TEAMS_MAX; i++) {
		snprintf(names[i], sizeof names[i], "t%d", i);
		many[i] = names[i];
	}
	const struct {
		const char *name, *display;
		int role;
		const char *const *teams;
		size_t n;
		const char *pw, *msg;
	} cases[] = {
		{ "", NULL, OX_ROLE_AGENT, NULL, 0, NULL, "name: expected 1..64 characters of A-Z a-z 0-9 . _ -, got \"\"" },
		{ NULL, NULL, OX_ROLE_AGENT, NULL, 0, NULL, "name: expected 1..64" },
		{ n65, NULL, OX_ROLE_AGENT, NULL, 0, NULL, "name: expected 1..64" },
		{ "li hua", NULL, OX_ROLE_AGENT, NULL, 0, NULL, "got \"li hua\"" },
		{ "李华", NULL, OX_ROLE_AGENT, NULL, 0, NULL, "name: expected 1..64 characters of A-Z a-z 0-9 . _ -, got \"李华\"" },
		{ "a/b", NULL, OX_ROLE_AGENT, NULL, 0, NULL, "name:" },
		{ "a\nb", NULL, OX_ROLE_AGENT, NULL, 0, NULL, "got \"a?b\"" },
		{ "ok", d129, OX_ROLE_AGENT, NULL, 0, NULL, "display: expected at most 128 bytes" },
		{ "ok", "bad\tname", OX_ROLE_AGENT, NULL, 0, NULL, "display:" },
		{ "ok", "bad\xff", OX_ROLE_AGENT, NULL, 0, NULL, "display:" },
		{ "ok", "\xc0\xaf", OX_ROLE_AGENT, NULL, 0, NULL, "display:" },
		{ "ok", "\xed\xa0\x80", OX_ROLE_AGENT, NULL, 0, NULL, "display:" },
		{ "ok", "\xc2\x85", OX_ROLE_AGENT, NULL, 0, NULL, "display:" },
		{ "ok", "\xe4\xb8", OX_ROLE_AGENT, NULL, 0, NULL, "display:" },
		{ "ok", NULL, OX_ROLE__COUNT, NULL, 0, NULL, "role: unknown role 5" },
		{ "ok", NULL, -1, NULL, 0, NULL, "role: unknown role -1" },
		{ "ok", NULL, OX_ROLE_AGENT, bad_team, 2, NULL, "teams: expected 1..63 characters of A-Z a-z 0-9 _ - ., got \"Pay ment\"" },
		{ "ok", NULL, OX_ROLE_AGENT, long_team, 1, NULL, "teams: expected 1..63" },
		{ "ok", NULL, OX_ROLE_AGENT, empty_team, 1, NULL, "teams:" },
		{ "ok", NULL, OX_ROLE_AGENT, null_team, 1, NULL, "teams:" },
		{ "ok", NULL, OX_ROLE_AGENT, many, OX_AUTH_TEAMS_MAX + 1, NULL, "teams: more than 16 teams" },
		{ "ok", NULL, OX_ROLE_AGENT, NULL, 0, "1234567", "password: shorter than 8 bytes" },
		{ "ok", NULL, OX_ROLE_AGENT, NULL, 0, "", "password: shorter than 8 bytes" },
		{ "ok", NULL, OX_ROLE_AGENT, NULL, 0, pw, "password: longer than 1024 bytes" },
	};
	for (size_t i = 0; i < OX_ARRAY_LEN(cases); i++) {
		int rc = ox_auth_user_add(f->a, cases[i].name, cases[i].display, (enum ox_role)cases[i].role,
					  cases[i].teams, cases[i].n, cases[i].pw);
		if (rc != OX_AUTH_EINVAL || !strstr(ox_auth_errmsg(f->a), cases[i].msg))
			fprintf(stderr, "case %zu: rc %d \"%s\"\n", i, rc, ox_auth_errmsg(f->a));
		assert_int_equal(rc, OX_AUTH_EINVAL);
		assert_non_null(strstr(ox_auth_errmsg(f->a), cases[i].msg));
	}
	struct ox_buf b;
	ox_buf_init(&b, SIZE_MAX);
	OK(ox_auth_user_list_json(f->a, &b));
	assert_string_equal(b.data, "{\"users\":[]}");
	ox_buf_release(&b);
	/* the limits themselves are fine */
	n65[64] = '\0';
	d129[128] = '\0';
	t64[63] = '\0';
	pw[OX_AUTH_PASSWORD_MAX] = '\0';
	OK(ox_auth_user_add(f->a, n65, d129, OX_ROLE_VIEWER, long_team, 1, pw));
	OK(ox_auth_user_add(f->a, "x", "欧阳娜娜 😀", OX_ROLE_VIEWER, many, OX_AUTH_TEAMS_MAX, "12345678"));
	/* setters validate too */
	expect(f, ox_auth_user_set_role(f->a, "x", OX_ROLE__COUNT), OX_AUTH_EINVAL, "role:");
	expect(f, ox_auth_user_set_teams(f->a, "x", bad_team, 2), OX_AUTH_EINVAL, "teams:");
	expect(f, ox_auth_user_set_display(f->a, "x", "\x7f"), OX_AUTH_EINVAL, "display:");
	expect(f, ox_auth_user_set_password(f->a, "x", "short"), OX_AUTH_EINVAL, "password: shorter");
	expect(f, ox_auth_user_set_password(f->a, "x", NULL), OX_AUTH_EINVAL, "password: shorter");
	expect(f, ox_auth_user_set_disabled(f->a, "x y", true), OX_AUTH_EINVAL, "name:");
	expect(f, ox_auth_user_get(f->a, "", &(struct ox_auth_user){ 0 }), OX_AUTH_EINVAL, "name:");
}

static void test_user_list_json(void **state)
{
	struct fx *f = *state;
	OK(ox_auth_user_add(f->a, "zhang", "张三 \"Z\"", OX_ROLE_AGENT, pay_wh, 2, "correct horse"));
	f->clock += 1000;
	OK(ox_auth_user_add(f->a, "admin", "", OX_ROLE_ADMIN, NULL, 0, NULL));
	OK(ox_auth_user_set_disabled(f->a, "admin", true));
	struct ox_buf b;
	ox_buf_init(&b, SIZE_MAX);
	OK(ox_auth_user_list_json(f->a, &b));
	assert_string_equal(b.data,
			    "{\"users\":["
			    "{\"name\":\"admin\",\"display\":\"\",\"role\":\"admin\",\"teams\":[],\"disabled\":true,"
			    "\"has_password\":false,\"created_at\":\"2025-11-11T00:00:01.000+08:00\",\"locked_until\":null},"
			    "{\"name\":\"zhang\",\"display\":\"张三 \\\"Z\\\"\",\"role\":\"agent\","
			    "\"teams\":[\"payment\",\"warehouse\"],\"disabled\":false,\"has_password\":true,"
			    "\"created_at\":\"2025-11-11T00:00:00.000+08:00\",\"locked_until\":null}]}");
	assert_null(strstr(b.data, "argon2"));
	/* too small a buffer: error, out unchanged */
	struct ox_buf s;
	ox_buf_init(&s, 50);
	ox_buf_addz(&s, "keep");
	expect(f, ox_auth_user_list_json(f->a, &s), OX_AUTH_ETOOBIG, "list users: over the output buffer");
	assert_string_equal(s.data, "keep");
	ox_buf_release(&s);
	ox_buf_release(&b);
}

/* ---- tokens --------------------------------------------------------------------------------------- */

static bool b64url(const char *z, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((z[i] >= 'a' && z[i] <= 'z') || (z[i] >= 'A' && z[i] <= 'Z') || (z[i] >= '0' && z[i] <= '9') ||
		      z[i] == '-' || z[i] == '_'))
			return false;
	return true;
}

static void test_token_create_and_bearer(void **state)
{
	struct fx *f = *state;
	char secret[OX_AUTH_SECRET_BUFSZ], secret2[OX_AUTH_SECRET_BUFSZ];
	int64_t id = 0, id2 = 0;
	OK(ox_auth_token_create(f->a, "ci", OX_ROLE_INGEST, NULL, 0, secret, &id));
	assert_int_equal(id, 1);
	assert_int_equal(strlen(secret), 47);
	assert_memory_equal(secret, "oxt_", 4);
	assert_true(b64url(secret + 4, 43));
	OK(ox_auth_token_create(f->a, "ci2", OX_ROLE_INGEST, NULL, 0, secret2, &id2));
	assert_string_not_equal(secret, secret2);

	struct ox_principal p;
	OK(ox_auth_bearer(f->a, secret, &p));
	assert_int_equal(p.kind, OX_PRINCIPAL_TOKEN);
	assert_false(p.from_session);
	assert_string_equal(p.name, "token:ci");
	assert_string_equal(p.user, "");
	assert_int_equal(p.role, OX_ROLE_INGEST);
	assert_int_equal(p.perms, OX_PERM_EVENTS_WRITE | OX_PERM_METRICS | OX_PERM_PREVENT | OX_PERM_INVENTORY);
	assert_int_equal(p.teams.n, 0);
	assert_int_equal(p.id, 1);
	assert_string_equal(p.csrf, "");
	assert_true(ox_auth_csrf_ok(&p, NULL));
	assert_true(ox_principal_in_team(&p, "payment"));

	/* the database holds neither the secret nor anything that starts like it beyond the prefix */
	char prefix[64];
	sql_text(f, "SELECT prefix FROM tokens WHERE id = 1", prefix, sizeof prefix);
	assert_int_equal(strlen(prefix), 8);
	assert_memory_equal(prefix, secret, 8);
	assert_int_equal(sql_int(f, "SELECT length(hash) FROM tokens WHERE id = 1"), 32);
	struct ox_buf b;
	ox_buf_init(&b, SIZE_MAX);
	OK(ox_auth_token_list_json(f->a, &b));
	assert_null(strstr(b.data, secret + 8));
	assert_non_null(strstr(b.data, "{\"id\":1,\"name\":\"ci\",\"prefix\":\""));
	assert_non_null(strstr(b.data, "\"role\":\"ingest\",\"user\":null,\"status\":\"active\","
				       "\"created_at\":\"2025-11-11T00:00:00.000+08:00\",\"expires_at\":null,"
				       "\"last_used\":\"2025-11-11T00:00:00.000+08:00\",\"revoked_at\":null}"));

	/* wrong secrets: the same message, reasons apart */
	const char *bad[] = { "oxt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "", NULL, "x" };
	const char *why[] = { "unknown", "format", "format", "unknown" };
	for (size_t i = 0; i < 4; i++) {
		expect(f, ox_auth_bearer(f->a, bad[i], &p), OX_AUTH_EDENIED, "token: not valid (unknown, revoked or expired)");
		assert_string_equal(ox_auth_deny_reason(f->a), why[i]);
	}
	char longz[OX_AUTH_SECRET_MAX + 2];
	memset(longz, 'a', sizeof longz - 1);
	longz[sizeof longz - 1] = '\0';
	expect(f, ox_auth_bearer(f->a, longz, &p), OX_AUTH_EDENIED, "token: not valid");
	assert_string_equal(ox_auth_deny_reason(f->a), "format");
	char cut[OX_AUTH_SECRET_BUFSZ];
	snprintf(cut, sizeof cut, "%.46s", secret);
	expect(f, ox_auth_bearer(f->a, cut, &p), OX_AUTH_EDENIED, "token: not valid");
	OK(ox_auth_bearer(f->a, secret, &p));
	assert_string_equal(ox_auth_deny_reason(f->a), "");

	/* names: unique among live tokens, free again after a revoke */
	expect(f, ox_auth_token_create(f->a, "ci", OX_ROLE_VIEWER, NULL, 0, secret2, NULL), OX_AUTH_EEXISTS,
	       "token \"ci\": a token that is not revoked has this name");
	OK(ox_auth_token_revoke(f->a, id));
	OK(ox_auth_token_create(f->a, "ci", OX_ROLE_VIEWER, NULL, 0, secret2, NULL));
	ox_buf_release(&b);
}

static void test_token_last_used_throttled(void **state)
{
	struct fx *f = *state;
	char secret[OX_AUTH_SECRET_BUFSZ];
	OK(ox_auth_token_create(f->a, "ci", OX_ROLE_INGEST, NULL, 0, secret, NULL));
	assert_int_equal(sql_int(f, "SELECT last_used IS NULL FROM tokens"), 1);
	struct ox_principal p;
	int64_t t0 = f->clock;
	OK(ox_auth_bearer(f->a, secret, &p));
	assert_int_equal(sql_int(f, "SELECT last_used FROM tokens"), t0);
	for (int i = 1; i <= 59; i++) { /* a minute of requests: no write */
		f->clock = t0 + i * 1000;
		OK(ox_auth_bearer(f->a, secret, &p));
		assert_int_equal(sql_int(f, "SELECT last_used FROM tokens"), t0);
	}
	f->clock = t0 + 60000;
	OK(ox_auth_bearer(f->a, secret, &p));
	assert_int_equal(sql_int(f, "SELECT last_used FROM tokens"), t0 + 60000);
	f->clock = t0 + 60001;
	OK(ox_auth_bearer(f->a, secret, &p));
	assert_int_equal(sql_int(f, "SELECT last_used FROM tokens"), t0 + 60000);
}

static void test_token_expiry_and_revoke(void **state)
{
	struct fx *f = *state;
	char secret[OX_AUTH_SECRET_BUFSZ];
	int64_t id;
	struct ox_principal p;
	expect(f, ox_auth_token_create(f->a, "old", OX_ROLE_VIEWER, NULL, f->clock, secret, &id), OX_AUTH_EINVAL,
	       "expires_at: 1762790400000 is not in the future");
	expect(f, ox_auth_token_create(f->a, "old", OX_ROLE_VIEWER, NULL, -5, secret, &id), OX_AUTH_EINVAL,
	       "expires_at:");
	int64_t exp = f->clock + 30LL * 24 * 3600 * 1000;
	OK(ox_auth_token_create(f->a, "month", OX_ROLE_VIEWER, NULL, exp, secret, &id));
	f->clock = exp - 1;
	OK(ox_auth_bearer(f->a, secret, &p));
	f->clock = exp;
	expect(f, ox_auth_bearer(f->a, secret, &p), OX_AUTH_EDENIED, "token: not valid");
	assert_string_equal(ox_auth_deny_reason(f->a), "expired");
	struct ox_buf b;
	ox_buf_init(&b, SIZE_MAX);
	OK(ox_auth_token_list_json(f->a, &b));
	assert_non_null(strstr(b.data, "\"status\":\"expired\""));
	assert_non_null(strstr(b.data, "\"expires_at\":\"2025-12-11T00:00:00.000+08:00\""));

	f->clock = 1762790400000;
	OK(ox_auth_token_create(f->a, "rev", OX_ROLE_VIEWER, NULL, 0, secret, &id));
	OK(ox_auth_bearer(f->a, secret, &p));
	f->clock += 5000;
	OK(ox_auth_token_revoke(f->a, id));
	expect(f, ox_auth_bearer(f->a, secret, &p), OX_AUTH_EDENIED, "token: not valid");
	assert_string_equal(ox_auth_deny_reason(f->a), "revoked");
	f->clock += 5000;
	OK(ox_auth_token_revoke(f->a, id)); /* again: fine, the first time stays */
	assert_int_equal(sql_int(f, "SELECT revoked_at FROM tokens WHERE name = 'rev'"), 1762790405000);
	expect(f, ox_auth_token_revoke(f->a, 999), OX_AUTH_ENOTFOUND, "token 999: not found");
	ox_buf_reset(&b);
	OK(ox_auth_token_list_json(f->a, &b));
	assert_non_null(strstr(b.data, "\"status\":\"revoked\""));
	assert_non_null(strstr(b.data, "\"revoked_at\":\"2025-11-11T00:00:05.000+08:00\""));
	ox_buf_release(&b);
	ox_buf_init(&b, 40);
	expect(f, ox_auth_token_list_json(f->a, &b), OX_AUTH_ETOOBIG, "list tokens");
	assert_int_equal(b.len, 0);
	ox_buf_release(&b);
}

static void test_token_of_user(void **state)
{
	struct fx *f = *state;
	OK(ox_auth_user_add(f->a, "lihua", "李华", OX_ROLE_SUPERVISOR, pay_wh, 2, "correct horse"));
	char secret[OX_AUTH_SECRET_BUFSZ];
	int64_t id;
	struct ox_principal p;
	/* the token's role must stay within the user's */
	expect(f, ox_auth_token_create(f->a, "t", OX_ROLE_ADMIN, "lihua", 0, secret, &id), OX_AUTH_EINVAL,
	       "role: admin has permissions that user \"lihua\" (supervisor) lacks");
	expect(f, ox_auth_token_create(f->a, "t", OX_ROLE_INGEST, "lihua", 0, secret, &id), OX_AUTH_EINVAL, "role: ingest");
	expect(f, ox_auth_token_create(f->a, "t", OX_ROLE_AGENT, "ghost", 0, secret, &id), OX_AUTH_ENOTFOUND,
	       "user \"ghost\": not found");
	expect(f, ox_auth_token_create(f->a, "t", OX_ROLE_AGENT, "bad user", 0, secret, &id), OX_AUTH_EINVAL,
	       "user: expected 1..64");
	expect(f, ox_auth_token_create(f->a, "", OX_ROLE_AGENT, NULL, 0, secret, &id), OX_AUTH_EINVAL, "name: expected");
	expect(f, ox_auth_token_create(f->a, "t", OX_ROLE__COUNT, NULL, 0, secret, &id), OX_AUTH_EINVAL, "role: unknown");
	OK(ox_auth_token_create(f->a, "t", OX_ROLE_AGENT, "lihua", 0, secret, &id));
	OK(ox_auth_bearer(f->a, secret, &p));
	assert_string_equal(p.name, "token:t");
	assert_string_equal(p.user, "lihua");
	assert_int_equal(p.role, OX_ROLE_AGENT);
	assert_int_equal(p.perms, OX_PERM_CASES_READ | OX_PERM_CASES_WORK);
	assert_int_equal(p.teams.n, 2); /* the user's teams */
	assert_true(ox_principal_in_team(&p, "warehouse"));
	assert_false(ox_principal_in_team(&p, "risk"));
	struct ox_buf b;
	ox_buf_init(&b, SIZE_MAX);
	OK(ox_auth_token_list_json(f->a, &b));
	assert_non_null(strstr(b.data, "\"user\":\"lihua\""));
	ox_buf_release(&b);

	/* disabled user: the token stops; enabled again: it works */
	OK(ox_auth_user_set_disabled(f->a, "lihua", true));
	expect(f, ox_auth_bearer(f->a, secret, &p), OX_AUTH_EDENIED, "token: not valid");
	assert_string_equal(ox_auth_deny_reason(f->a), "disabled");
	expect(f, ox_auth_token_create(f->a, "t2", OX_ROLE_AGENT, "lihua", 0, secret, &id), OX_AUTH_EINVAL,
	       "user: \"lihua\" is disabled");
	OK(ox_auth_user_set_disabled(f->a, "lihua", false));
	OK(ox_auth_bearer(f->a, secret, &p));
	/* a user moved to a role that no longer covers the token's */
	OK(ox_auth_user_set_role(f->a, "lihua", OX_ROLE_VIEWER));
	expect(f, ox_auth_bearer(f->a, secret, &p), OX_AUTH_EDENIED, "token: not valid");
	assert_string_equal(ox_auth_deny_reason(f->a), "role");
	OK(ox_auth_user_set_role(f->a, "lihua", OX_ROLE_AGENT));
	OK(ox_auth_bearer(f->a, secret, &p));
	/* a stored role ordex does not know is refused, not guessed */
	sql_exec(f, "UPDATE tokens SET role = 'root' WHERE name = 't'");
	expect(f, ox_auth_bearer(f->a, secret, &p), OX_AUTH_EDENIED, "token: not valid");
	assert_string_equal(ox_auth_deny_reason(f->a), "role");
}

/* A token verified once is trusted again without the lookup only while
 * nothing in the file changed: a change by another connection (the command
 * line, another HTTP thread's handle) or by this one is seen at once, also
 * after a checkpoint. */
static void test_token_cache_follows_changes(void **state)
{
	struct fx *f = *state;
	OK(ox_auth_user_add(f->a, "lihua", "李华", OX_ROLE_SUPERVISOR, pay_wh, 2, "correct horse"));
	char secret[OX_AUTH_SECRET_BUFSZ], secret2[OX_AUTH_SECRET_BUFSZ];
	int64_t id, id2;
	struct ox_principal p;
	OK(ox_auth_token_create(f->a, "t", OX_ROLE_AGENT, "lihua", 0, secret, &id));
	OK(ox_auth_token_create(f->a, "u", OX_ROLE_VIEWER, NULL, 0, secret2, &id2));
	for (int i = 0; i < 3; i++) {
		OK(ox_auth_bearer(f->a, secret, &p));
		OK(ox_auth_bearer(f->a, secret2, &p));
	}
	/* another process changes the user's teams: the next request sees them */
	sql_exec(f, "UPDATE users SET teams = 'risk' WHERE name = 'lihua'");
	OK(ox_auth_bearer(f->a, secret, &p));
	assert_int_equal(p.teams.n, 1);
	assert_true(ox_principal_in_team(&p, "risk"));
	/* another process revokes it */
	OK(ox_auth_bearer(f->a, secret, &p));
	sql_exec(f, "UPDATE tokens SET revoked_at = 1 WHERE name = 't'");
	expect(f, ox_auth_bearer(f->a, secret, &p), OX_AUTH_EDENIED, "token: not valid");
	assert_string_equal(ox_auth_deny_reason(f->a), "revoked");
	/* another handle of this process (another HTTP thread) revokes the other */
	OK(ox_auth_bearer(f->a, secret2, &p));
	struct ox_auth *b;
	char err[256];
	assert_int_equal(ox_auth_open(&b, f->path, err, sizeof err), 0);
	ox_auth_set_clock(b, fixed_clock, f);
	OK(ox_auth_bearer(b, secret2, &p));
	OK(ox_auth_token_revoke(b, id2));
	expect(f, ox_auth_bearer(f->a, secret2, &p), OX_AUTH_EDENIED, "token: not valid");
	assert_string_equal(ox_auth_deny_reason(f->a), "revoked");
	expect(f, ox_auth_bearer(b, secret2, &p), OX_AUTH_EDENIED, "token: not valid");
	ox_auth_close(b);
	/* a checkpoint empties the -wal into the file; the next commit writes
	 * the -wal from its start again: seen as well */
	OK(ox_auth_token_create(f->a, "v", OX_ROLE_VIEWER, NULL, 0, secret2, &id2));
	for (int i = 0; i < 3; i++)
		OK(ox_auth_bearer(f->a, secret2, &p));
	sql_exec(f, "PRAGMA wal_checkpoint(TRUNCATE)");
	OK(ox_auth_bearer(f->a, secret2, &p));
	sql_exec(f, "UPDATE tokens SET revoked_at = 1 WHERE name = 'v'");
	expect(f, ox_auth_bearer(f->a, secret2, &p), OX_AUTH_EDENIED, "token: not valid");
}

/* ---- bootstrap ------------------------------------------------------------------------------------ */

static void test_bootstrap(void **state)
{
	struct fx *f = *state;
	const char *secret = "s3cr3t-b00tstrap-T0ken";
	bool created = true;
	const char *bad[] = { "short", "has a space in it!!", "non-ascii-秘密-secret", "tab\tinside-the-secret", NULL };
	for (size_t i = 0; i < OX_ARRAY_LEN(bad); i++)
		expect(f, ox_auth_bootstrap(f->a, bad[i], &created), OX_AUTH_EINVAL,
		       "bootstrap token: expected 16..256 printable ASCII characters without space");
	assert_false(created);
	char longz[258];
	memset(longz, 'k', 257);
	longz[257] = '\0';
	expect(f, ox_auth_bootstrap(f->a, longz, NULL), OX_AUTH_EINVAL, "got 257 bytes");

	OK(ox_auth_bootstrap(f->a, secret, &created));
	assert_true(created);
	struct ox_principal p;
	OK(ox_auth_bearer(f->a, secret, &p));
	assert_string_equal(p.name, "token:bootstrap");
	assert_int_equal(p.role, OX_ROLE_ADMIN);
	assert_int_equal(p.perms, OX_PERM_ALL);
	/* every restart: nothing new */
	for (int i = 0; i < 3; i++) {
		OK(ox_auth_bootstrap(f->a, secret, &created));
		assert_false(created);
	}
	assert_int_equal(sql_int(f, "SELECT count(*) FROM tokens"), 1);
	/* another secret while an admin token exists: refused */
	expect(f, ox_auth_bootstrap(f->a, "another-secret-0123456789", &created), OX_AUTH_EDENIED,
	       "bootstrap token: refused, admin token \"bootstrap\" exists");
	assert_false(created);

	/* an admin user exists: refused as well; the old secret still fine */
	OK(ox_auth_token_revoke(f->a, p.id));
	OK(ox_auth_user_add(f->a, "root", NULL, OX_ROLE_ADMIN, NULL, 0, "correct horse"));
	expect(f, ox_auth_bootstrap(f->a, "another-secret-0123456789", &created), OX_AUTH_EDENIED,
	       "admin user \"root\" exists and a second way in would be a backdoor");
	OK(ox_auth_bootstrap(f->a, secret, &created));
	assert_false(created);
	expect(f, ox_auth_bearer(f->a, secret, &p), OX_AUTH_EDENIED, NULL); /* revoked stays revoked */

	/* no usable admin left (user disabled, tokens revoked or expired): a new one may be made */
	OK(ox_auth_user_set_disabled(f->a, "root", true));
	char s2[OX_AUTH_SECRET_BUFSZ];
	OK(ox_auth_token_create(f->a, "short-lived", OX_ROLE_ADMIN, NULL, f->clock + 1000, s2, NULL));
	expect(f, ox_auth_bootstrap(f->a, "another-secret-0123456789", &created), OX_AUTH_EDENIED,
	       "admin token \"short-lived\"");
	f->clock += 1000;
	OK(ox_auth_bootstrap(f->a, "another-secret-0123456789", &created));
	assert_true(created);
	OK(ox_auth_bearer(f->a, "another-secret-0123456789", &p));
	assert_int_equal(p.role, OX_ROLE_ADMIN);
}

/* After the bootstrap token is revoked and before any admin exists, a new
 * secret makes a new bootstrap token (the name is unique among live tokens
 * only); nothing of a chosen secret is kept for display. */
static void test_bootstrap_recovery(void **state)
{
	struct fx *f = *state;
	bool created;
	struct ox_principal p;
	OK(ox_auth_bootstrap(f->a, "first-secret-0123456789", &created));
	assert_true(created);
	OK(ox_auth_bearer(f->a, "first-secret-0123456789", &p));
	OK(ox_auth_token_revoke(f->a, p.id));
	OK(ox_auth_bootstrap(f->a, "second-secret-0123456789", &created));
	assert_true(created);
	OK(ox_auth_bearer(f->a, "second-secret-0123456789", &p));
	assert_int_equal(p.role, OX_ROLE_ADMIN);
	char prefix[32];
	sql_text(f, "SELECT prefix FROM tokens WHERE id = 2", prefix, sizeof prefix);
	assert_string_equal(prefix, ""); /* nothing of a chosen secret is shown */
	/* a secret that happens to look generated is still just a secret */
	OK(ox_auth_token_revoke(f->a, p.id));
	char s[OX_AUTH_SECRET_BUFSZ];
	OK(ox_auth_token_create(f->a, "gen", OX_ROLE_VIEWER, NULL, 0, s, NULL));
	OK(ox_auth_bootstrap(f->a, s, &created)); /* exists: nothing, whatever its role */
	assert_false(created);
}

/* ---- login and sessions ------------------------------------------------------------------------ */

static void test_login_session_logout(void **state)
{
	struct fx *f = *state;
	OK(ox_auth_user_add(f->a, "lihua", "李华", OX_ROLE_AGENT, pay_wh, 2, "correct horse"));
	char sid[OX_AUTH_SESSION_BUFSZ], csrf[OX_AUTH_CSRF_BUFSZ];
	struct ox_principal p, q;
	OK(ox_auth_login(f->a, "lihua", "correct horse", 3600 * 1000, sid, csrf, &p));
	assert_int_equal(strlen(sid), 47);
	assert_memory_equal(sid, "oxs_", 4);
	assert_true(b64url(sid + 4, 43));
	assert_int_equal(strlen(csrf), 43);
	assert_true(b64url(csrf, 43));
	assert_int_equal(p.kind, OX_PRINCIPAL_USER);
	assert_true(p.from_session);
	assert_string_equal(p.name, "lihua");
	assert_string_equal(p.user, "lihua");
	assert_int_equal(p.role, OX_ROLE_AGENT);
	assert_int_equal(p.teams.n, 2);
	assert_string_equal(p.csrf, csrf);
	assert_true(p.id > 0);
	/* the session id is stored hashed, the CSRF token as is */
	assert_int_equal(sql_int(f, "SELECT length(hash) FROM sessions"), 32);

	OK(ox_auth_session(f->a, sid, &q));
	assert_memory_equal(&p, &q, sizeof p);
	assert_true(ox_auth_csrf_ok(&q, csrf));
	assert_false(ox_auth_csrf_ok(&q, NULL));
	assert_false(ox_auth_csrf_ok(&q, sid));

	/* the principal follows the user */
	OK(ox_auth_user_set_role(f->a, "lihua", OX_ROLE_VIEWER));
	OK(ox_auth_session(f->a, sid, &q));
	assert_int_equal(q.role, OX_ROLE_VIEWER);
	assert_int_equal(q.perms, OX_PERM_CASES_READ | OX_PERM_METRICS | OX_PERM_REPORTS);
	OK(ox_auth_user_set_disabled(f->a, "lihua", true));
	OK(ox_auth_user_set_disabled(f->a, "lihua", false));
	expect(f, ox_auth_session(f->a, sid, &q), OX_AUTH_EDENIED, "session: not valid"); /* disabling ended it */

	/* a second session; two at once are fine */
	char sid2[OX_AUTH_SESSION_BUFSZ], csrf2[OX_AUTH_CSRF_BUFSZ];
	OK(ox_auth_login(f->a, "lihua", "correct horse", 3600 * 1000, sid, csrf, NULL));
	OK(ox_auth_login(f->a, "lihua", "correct horse", 3600 * 1000, sid2, csrf2, NULL));
	assert_string_not_equal(sid, sid2);
	assert_string_not_equal(csrf, csrf2);
	OK(ox_auth_session(f->a, sid, &q));
	OK(ox_auth_session(f->a, sid2, &q));
	assert_string_equal(q.csrf, csrf2);
	OK(ox_auth_logout(f->a, sid));
	expect(f, ox_auth_session(f->a, sid, &q), OX_AUTH_EDENIED, "session: not valid (unknown, ended or expired)");
	assert_string_equal(ox_auth_deny_reason(f->a), "unknown");
	OK(ox_auth_logout(f->a, sid)); /* twice: fine */
	OK(ox_auth_logout(f->a, "nonsense"));
	OK(ox_auth_logout(f->a, NULL));
	OK(ox_auth_session(f->a, sid2, &q));
	/* a session id is not a token, nor a token a session */
	expect(f, ox_auth_bearer(f->a, sid2, &q), OX_AUTH_EDENIED, "token: not valid");
	expect(f, ox_auth_session(f->a, "", &q), OX_AUTH_EDENIED, "session: not valid");
	assert_string_equal(ox_auth_deny_reason(f->a), "format");
	expect(f, ox_auth_session(f->a, NULL, &q), OX_AUTH_EDENIED, "session: not valid");
	/* a new password ends every session */
	OK(ox_auth_user_set_password(f->a, "lihua", "battery staple"));
	expect(f, ox_auth_session(f->a, sid2, &q), OX_AUTH_EDENIED, "session: not valid");
	expect(f, ox_auth_login(f->a, "lihua", "correct horse", 1000, sid, csrf, NULL), OX_AUTH_EDENIED, NULL);
	OK(ox_auth_login(f->a, "lihua", "battery staple", 1000, sid, csrf, NULL));
	/* ttl */
	expect(f, ox_auth_login(f->a, "lihua", "battery staple", 0, sid, csrf, NULL), OX_AUTH_EINVAL, "ttl_ms: expected 1..");
	expect(f, ox_auth_login(f->a, "lihua", "battery staple", OX_AUTH_SESSION_TTL_MAX + 1, sid, csrf, NULL),
	       OX_AUTH_EINVAL, "ttl_ms:");
}

static void test_session_expiry(void **state)
{
	struct fx *f = *state;
	OK(ox_auth_user_add(f->a, "lihua", NULL, OX_ROLE_SUPERVISOR, NULL, 0, "correct horse"));
	char sid[OX_AUTH_SESSION_BUFSZ], csrf[OX_AUTH_CSRF_BUFSZ];
	struct ox_principal q;
	int64_t t0 = f->clock;
	OK(ox_auth_login(f->a, "lihua", "correct horse", 8 * 3600 * 1000, sid, csrf, NULL));
	f->clock = t0 + 8 * 3600 * 1000 - 1;
	OK(ox_auth_session(f->a, sid, &q));
	f->clock = t0 + 8 * 3600 * 1000;
	expect(f, ox_auth_session(f->a, sid, &q), OX_AUTH_EDENIED, "session: not valid");
	assert_string_equal(ox_auth_deny_reason(f->a), "expired");
	/* the next login clears expired sessions away */
	assert_int_equal(sql_int(f, "SELECT count(*) FROM sessions"), 1);
	OK(ox_auth_login(f->a, "lihua", "correct horse", 1000, sid, csrf, NULL));
	assert_int_equal(sql_int(f, "SELECT count(*) FROM sessions"), 1);
}

static void test_login_refusals_alike(void **state)
{
	struct fx *f = *state;
	OK(ox_auth_user_add(f->a, "lihua", NULL, OX_ROLE_AGENT, NULL, 0, "correct horse"));
	OK(ox_auth_user_add(f->a, "nopw", NULL, OX_ROLE_AGENT, NULL, 0, NULL));
	OK(ox_auth_user_add(f->a, "gone", NULL, OX_ROLE_AGENT, NULL, 0, "correct horse"));
	OK(ox_auth_user_set_disabled(f->a, "gone", true));
	char sid[OX_AUTH_SESSION_BUFSZ] = "untouched", csrf[OX_AUTH_CSRF_BUFSZ] = "untouched";
	const struct {
		const char *user, *pw, *why;
	} cases[] = {
		{ "lihua", "wrong horse", "password" }, { "ghost", "correct horse", "unknown" },
		{ "li hua", "correct horse", "unknown" }, { NULL, "x", "unknown" },
		{ "nopw", "", "no_password" },         { "nopw", "anything", "no_password" },
		{ "gone", "correct horse", "disabled" }, { "lihua", NULL, "password" },
		{ "LIHUA", "correct horse", "unknown" },
	};
	for (size_t i = 0; i < OX_ARRAY_LEN(cases); i++) {
		int rc = ox_auth_login(f->a, cases[i].user, cases[i].pw, 1000, sid, csrf, NULL);
		assert_int_equal(rc, OX_AUTH_EDENIED);
		assert_string_equal(ox_auth_errmsg(f->a), "login: wrong user name or password");
		assert_string_equal(ox_auth_deny_reason(f->a), cases[i].why);
	}
	assert_string_equal(sid, "untouched");
	assert_string_equal(csrf, "untouched");
	/* a password longer than the maximum is refused like a wrong one */
	char longpw[OX_AUTH_PASSWORD_MAX + 10];
	memset(longpw, 'p', sizeof longpw - 1);
	longpw[sizeof longpw - 1] = '\0';
	expect(f, ox_auth_login(f->a, "lihua", longpw, 1000, sid, csrf, NULL), OX_AUTH_EDENIED, "login: wrong");
	/* unknown names are counted too, so refusing them costs the same write */
	assert_int_equal(sql_int(f, "SELECT failures FROM login_failures WHERE name = 'ghost'"), 1);
	assert_int_equal(sql_int(f, "SELECT failures FROM login_failures WHERE name = 'lihua'"), 3);
}

static void test_lockout(void **state)
{
	struct fx *f = *state;
	OK(ox_auth_user_add(f->a, "lihua", NULL, OX_ROLE_AGENT, NULL, 0, "correct horse"));
	char sid[OX_AUTH_SESSION_BUFSZ], csrf[OX_AUTH_CSRF_BUFSZ];
	struct ox_auth_user u;
	/* nine failures, then success: the count starts again */
	for (int i = 0; i < 9; i++)
		expect(f, ox_auth_login(f->a, "lihua", "wrong", 1000, sid, csrf, NULL), OX_AUTH_EDENIED, NULL);
	OK(ox_auth_user_get(f->a, "lihua", &u));
	assert_int_equal(u.failed_logins, 9);
	OK(ox_auth_login(f->a, "lihua", "correct horse", 1000, sid, csrf, NULL));
	OK(ox_auth_user_get(f->a, "lihua", &u));
	assert_int_equal(u.failed_logins, 0);
	/* ten consecutive failures lock for 15 minutes, the right password included */
	int64_t t0 = f->clock;
	for (int i = 0; i < OX_AUTH_LOCK_FAILURES; i++) {
		f->clock += 1000;
		expect(f, ox_auth_login(f->a, "lihua", "wrong", 1000, sid, csrf, NULL), OX_AUTH_EDENIED, NULL);
		assert_string_equal(ox_auth_deny_reason(f->a), "password");
	}
	int64_t locked_at = t0 + OX_AUTH_LOCK_FAILURES * 1000;
	OK(ox_auth_user_get(f->a, "lihua", &u));
	assert_int_equal(u.locked_until, locked_at + OX_AUTH_LOCK_MS);
	struct ox_buf b;
	ox_buf_init(&b, SIZE_MAX);
	OK(ox_auth_user_list_json(f->a, &b));
	assert_non_null(strstr(b.data, "\"locked_until\":\"2025-11-11T00:15:10.000+08:00\""));
	ox_buf_release(&b);
	f->clock = locked_at + OX_AUTH_LOCK_MS - 1;
	expect(f, ox_auth_login(f->a, "lihua", "correct horse", 1000, sid, csrf, NULL), OX_AUTH_EDENIED,
	       "login: wrong user name or password");
	assert_string_equal(ox_auth_deny_reason(f->a), "locked");
	/* attempts while locked do not extend the lock */
	OK(ox_auth_user_get(f->a, "lihua", &u));
	assert_int_equal(u.locked_until, locked_at + OX_AUTH_LOCK_MS);
	f->clock = locked_at + OX_AUTH_LOCK_MS;
	OK(ox_auth_login(f->a, "lihua", "correct horse", 1000, sid, csrf, NULL));

	/* locked again, then cleared by an admin: enable or a new password */
	for (int i = 0; i < OX_AUTH_LOCK_FAILURES; i++)
		expect(f, ox_auth_login(f->a, "lihua", "wrong", 1000, sid, csrf, NULL), OX_AUTH_EDENIED, NULL);
	expect(f, ox_auth_login(f->a, "lihua", "correct horse", 1000, sid, csrf, NULL), OX_AUTH_EDENIED, NULL);
	OK(ox_auth_user_set_disabled(f->a, "lihua", false));
	OK(ox_auth_login(f->a, "lihua", "correct horse", 1000, sid, csrf, NULL));
	for (int i = 0; i < OX_AUTH_LOCK_FAILURES; i++)
		expect(f, ox_auth_login(f->a, "lihua", "wrong", 1000, sid, csrf, NULL), OX_AUTH_EDENIED, NULL);
	OK(ox_auth_user_set_password(f->a, "lihua", "battery staple"));
	OK(ox_auth_login(f->a, "lihua", "battery staple", 1000, sid, csrf, NULL));

	/* an unknown name is locked alike (nothing to tell the two apart) */
	for (int i = 0; i < OX_AUTH_LOCK_FAILURES; i++)
		expect(f, ox_auth_login(f->a, "ghost", "x", 1000, sid, csrf, NULL), OX_AUTH_EDENIED, NULL);
	assert_true(sql_int(f, "SELECT locked_until FROM login_failures WHERE name = 'ghost'") > f->clock);
	/* failures of names quiet for a day are forgotten */
	f->clock += 25LL * 3600 * 1000;
	expect(f, ox_auth_login(f->a, "other", "x", 1000, sid, csrf, NULL), OX_AUTH_EDENIED, NULL);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM login_failures WHERE name = 'ghost'"), 0);
}

static void test_rehash(void **state)
{
	struct fx *f = *state;
	OK(ox_auth_user_add(f->a, "lihua", NULL, OX_ROLE_AGENT, NULL, 0, "correct horse"));
	char before[200], after[200], sid[OX_AUTH_SESSION_BUFSZ], csrf[OX_AUTH_CSRF_BUFSZ];
	sql_text(f, "SELECT pw_hash FROM users", before, sizeof before);
	OK(ox_auth_login(f->a, "lihua", "correct horse", 1000, sid, csrf, NULL));
	sql_text(f, "SELECT pw_hash FROM users", after, sizeof after);
	assert_string_equal(before, after); /* same limits: left alone */
	ox_auth_set_pwhash_limits(f->a, crypto_pwhash_OPSLIMIT_MIN + 1, crypto_pwhash_MEMLIMIT_MIN * 2);
	expect(f, ox_auth_login(f->a, "lihua", "wrong horse", 1000, sid, csrf, NULL), OX_AUTH_EDENIED, NULL);
	sql_text(f, "SELECT pw_hash FROM users", after, sizeof after);
	assert_string_equal(before, after); /* never on a failure */
	OK(ox_auth_login(f->a, "lihua", "correct horse", 1000, sid, csrf, NULL));
	sql_text(f, "SELECT pw_hash FROM users", after, sizeof after);
	assert_string_not_equal(before, after);
	assert_non_null(strstr(after, "$argon2id$v=19$m=16,t=2,p=1$"));
	assert_int_equal(crypto_pwhash_str_verify(after, "correct horse", 13), 0);
	OK(ox_auth_login(f->a, "lihua", "correct horse", 1000, sid, csrf, NULL));
	/* the default limits are the interactive ones: 2 passes over 64 MiB */
	char err[256];
	struct ox_auth *a;
	assert_int_equal(ox_auth_open(&a, f->path, err, sizeof err), 0);
	assert_int_equal(ox_auth_user_set_password(a, "lihua", "correct horse"), 0);
	ox_auth_close(a);
	sql_text(f, "SELECT pw_hash FROM users", after, sizeof after);
	assert_non_null(strstr(after, "$argon2id$v=19$m=65536,t=2,p=1$"));
}

static double seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return (a > b) - (a < b);
}

/* With the real cost, refusing an unknown user takes as long as refusing a
 * wrong password: both verify one Argon2id hash and write one failure. */
static void test_login_timing_alike(void **state)
{
	struct fx *f = *state;
	ox_auth_set_pwhash_limits(f->a, crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE);
	OK(ox_auth_user_add(f->a, "lihua", NULL, OX_ROLE_AGENT, NULL, 0, "correct horse"));
	char sid[OX_AUTH_SESSION_BUFSZ], csrf[OX_AUTH_CSRF_BUFSZ];
	ox_auth_login(f->a, "warmup", "x", 1000, sid, csrf, NULL); /* makes the dummy hash */
	enum { N = 9 }; /* medians of 9: a loaded machine stretches single logins */
	double known[N], unknown[N];
	for (int i = 0; i < N; i++) {
		double t = seconds();
		ox_auth_login(f->a, "lihua", "wrong horse", 1000, sid, csrf, NULL);
		known[i] = seconds() - t;
		t = seconds();
		ox_auth_login(f->a, "nobody", "wrong horse", 1000, sid, csrf, NULL);
		unknown[i] = seconds() - t;
	}
	qsort(known, N, sizeof *known, cmp_double);
	qsort(unknown, N, sizeof *unknown, cmp_double);
	double ratio = known[N / 2] / unknown[N / 2];
	if (ratio < 0.67 || ratio > 1.5)
		fprintf(stderr, "median wrong password %.1f ms, unknown user %.1f ms\n", known[N / 2] * 1e3,
			unknown[N / 2] * 1e3);
	assert_true(ratio > 0.67 && ratio < 1.5);
	assert_true(unknown[0] > 0.005); /* really an Argon2id verification */
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_role_perm_matrix),
		cmocka_unit_test(test_principal_helpers),
		T(test_open_reopen_schema),
		T(test_users),
		T(test_user_validation),
		T(test_user_list_json),
		T(test_token_create_and_bearer),
		T(test_token_last_used_throttled),
		T(test_token_expiry_and_revoke),
		T(test_token_cache_follows_changes),
		T(test_token_of_user),
		T(test_bootstrap),
		T(test_bootstrap_recovery),
		T(test_login_session_logout),
		T(test_session_expiry),
		T(test_login_refusals_alike),
		T(test_lockout),
		T(test_rehash),
		T(test_login_timing_alike),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_sqldb.c - the shared SQLite helpers (src/sqldb.c): open with pragmas
 * and migrations, reopening, a newer schema refused, a failed migration
 * rolled back, the statement cache and run/exec messages, rollback keeping
 * the message, the list query's shapes, binding and column helpers, and the
 * parsing of limit, cursor and time values. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "sqldb.h"
#include "timefmt.h"
#include "util.h"

enum { E_DB = -7, E_SCHEMA = -8, E_MINE = -9 };

static const char *const migrations[] = {
	"CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, kind TEXT, at INTEGER);",
	"CREATE INDEX t_name ON t (name);",
};

enum { ST_INSERT, ST_COUNT_ROWS, ST_BAD, ST_BEGIN, ST__COUNT };
static const char *const stmt_sql[] = {
	"INSERT INTO t (id, name, kind, at) VALUES (?1, ?2, ?3, ?4)",
	"SELECT count(*) FROM t",
	"SELECT nosuchcolumn FROM t",
	"BEGIN IMMEDIATE",
};

static const char *const where[] = { "name = :name", "kind = :kind", "id < :cursor" };
static const struct ox_sqldb_list list = {
	.select = "SELECT id FROM t",
	.where = where,
	.n_where = 3,
	.tail = " ORDER BY id DESC LIMIT :limit",
};

static const char *const pragmas[] = { "PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL",
				       "PRAGMA foreign_keys = ON", NULL };

static const struct ox_sqldb_opts opts = {
	.edb = E_DB,
	.eschema = E_SCHEMA,
	.stmts = stmt_sql,
	.n_stmts = ST__COUNT,
	.list = &list,
	.migrations = migrations,
	.n_migrations = OX_ARRAY_LEN(migrations),
	.pragmas = pragmas,
	.busy_ms = 1234,
	.private_file = true,
};

struct fx {
	char dir[256], path[300];
	struct ox_sqldb d;
};

static void rm_db(const char *path)
{
	const char *sfx[] = { "", "-wal", "-shm" };
	for (size_t i = 0; i < 3; i++) {
		char p[320];
		snprintf(p, sizeof p, "%s%s", path, sfx[i]);
		unlink(p);
	}
}

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	const char *tmp = getenv("TMPDIR");
	snprintf(f->dir, sizeof f->dir, "%s/ordex-sqldb-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof f->path, "%s/t.db", f->dir);
	if (ox_sqldb_open(&f->d, f->path, &opts)) {
		fprintf(stderr, "%s\n", f->d.err);
		return -1;
	}
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;
	ox_sqldb_close(&f->d);
	rm_db(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static int64_t one_int(struct ox_sqldb *d, const char *sql)
{
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_prepare_v2(d->conn, sql, -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return v;
}

static const char *one_text(struct ox_sqldb *d, const char *sql, char *buf, size_t cap)
{
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_prepare_v2(d->conn, sql, -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	snprintf(buf, cap, "%s", ox_sqldb_col_text(q, 0));
	sqlite3_finalize(q);
	return buf;
}

static void test_open_pragmas_and_migrations(void **state)
{
	struct fx *f = *state;
	char b[64];
	int v;
	assert_int_equal(ox_sqldb_version(&f->d, &v), 0);
	assert_int_equal(v, 2);
	assert_string_equal(one_text(&f->d, "PRAGMA journal_mode", b, sizeof b), "wal");
	assert_int_equal(one_int(&f->d, "PRAGMA synchronous"), 1); /* NORMAL */
	assert_int_equal(one_int(&f->d, "PRAGMA foreign_keys"), 1);
	assert_int_equal(one_int(&f->d, "SELECT count(*) FROM sqlite_master WHERE name = 't_name'"), 1);
	assert_true(sqlite3_get_autocommit(f->d.conn));
	struct stat st;
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600); /* private_file */

	/* reopening applies nothing again */
	ox_sqldb_close(&f->d);
	assert_null(f->d.conn);
	assert_int_equal(ox_sqldb_open(&f->d, f->path, &opts), 0);
	assert_int_equal(ox_sqldb_version(&f->d, &v), 0);
	assert_int_equal(v, 2);
}

static void test_newer_schema_refused(void **state)
{
	struct fx *f = *state;
	ox_sqldb_close(&f->d);
	static struct ox_sqldb_opts older; /* outlives the test: the teardown closes */
	older = opts;
	older.n_migrations = 1;
	assert_int_equal(ox_sqldb_open(&f->d, f->path, &older), E_SCHEMA);
	assert_string_equal(f->d.err, "schema version 2 is newer than this ordex's 1");
	ox_sqldb_close(&f->d);

	/* a connection that does not migrate does not look */
	older.migrations = NULL;
	older.n_migrations = 0;
	assert_int_equal(ox_sqldb_open(&f->d, f->path, &older), 0);
	int v;
	assert_int_equal(ox_sqldb_version(&f->d, &v), 0);
	assert_int_equal(v, 2);
}

static void test_failed_migration_rolled_back(void **state)
{
	struct fx *f = *state;
	ox_sqldb_close(&f->d);
	static const char *const more[] = { migrations[0], migrations[1], "CREATE TABLE u (x);",
					    "CREATE TABLE t (again);" };
	struct ox_sqldb_opts o = opts;
	o.migrations = more;
	o.n_migrations = 4;
	assert_int_equal(ox_sqldb_open(&f->d, f->path, &o), E_DB);
	assert_string_equal(f->d.err, "CREATE TABLE t (again);: table t already exists");
	ox_sqldb_close(&f->d);
	assert_int_equal(ox_sqldb_open(&f->d, f->path, &opts), 0);
	int v;
	assert_int_equal(ox_sqldb_version(&f->d, &v), 0);
	assert_int_equal(v, 2); /* migration 3 was rolled back with 4 */
	assert_int_equal(one_int(&f->d, "SELECT count(*) FROM sqlite_master WHERE name = 'u'"), 0);
}

static void test_open_failures(void **state)
{
	struct fx *f = *state;
	struct ox_sqldb d;
	char path[320];
	snprintf(path, sizeof path, "%s/no/such/dir.db", f->dir);
	assert_int_equal(ox_sqldb_open(&d, path, &opts), E_DB);
	assert_string_equal(d.err, "unable to open database file");
	ox_sqldb_close(&d);

	static const char *const bad[] = { "PRAGMA journal_mode = WAL", "PRAGMA nonsense(", NULL };
	struct ox_sqldb_opts o = opts;
	o.pragmas = bad;
	assert_int_equal(ox_sqldb_open(&d, ":memory:", &o), E_DB);
	assert_string_equal(d.err, "PRAGMA nonsense(: incomplete input");
	ox_sqldb_close(&d);

	struct ox_sqldb zero = { 0 };
	ox_sqldb_close(&zero); /* never opened */
}

static void test_statements_and_messages(void **state)
{
	struct fx *f = *state;
	struct ox_sqldb *d = &f->d;
	sqlite3_stmt *q = ox_sqldb_stmt(d, ST_INSERT);
	assert_non_null(q);
	assert_ptr_equal(ox_sqldb_stmt(d, ST_INSERT), q); /* prepared once */
	sqlite3_bind_int64(q, 1, 1);
	ox_sqldb_bind_text(q, 2, "a");
	ox_sqldb_bind_text(q, 3, NULL);
	ox_sqldb_bind_time(q, 4, OX_TIME_NONE);
	assert_int_equal(ox_sqldb_run(d, q, "insert"), 0);
	/* bindings were cleared: the same id again is a constraint failure */
	sqlite3_bind_int64(q, 1, 1);
	unsigned long before = d->failures;
	assert_int_equal(ox_sqldb_run(d, q, "insert"), E_DB);
	assert_string_equal(d->err, "insert: UNIQUE constraint failed: t.id");
	assert_int_equal(d->failures, before + 1);

	assert_null(ox_sqldb_stmt(d, ST_BAD));
	assert_string_equal(d->err, "prepare: no such column: nosuchcolumn");
	assert_int_equal(ox_sqldb_run_id(d, ST_BAD), E_DB);

	assert_int_equal(ox_sqldb_exec(d, "SELECT 1"), 0);
	assert_int_equal(ox_sqldb_exec(d, "SELEKT 1"), E_DB);
	assert_string_equal(d->err, "SELEKT 1: near \"SELEKT\": syntax error");

	assert_int_equal(ox_sqldb_fail(d, E_MINE, "thing \"%s\": %d", "x", 3), E_MINE);
	assert_string_equal(d->err, "thing \"x\": 3");

	q = ox_sqldb_stmt(d, ST_COUNT_ROWS);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(q, 0), 1);
	ox_sqldb_done(q);

	char b[16];
	assert_string_equal(one_text(d, "SELECT kind FROM t", b, sizeof b), "");
	q = NULL;
	assert_int_equal(sqlite3_prepare_v2(d->conn, "SELECT at, 5 FROM t", -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_true(ox_sqldb_col_time(q, 0) == OX_TIME_NONE);
	assert_int_equal(ox_sqldb_col_time(q, 1), 5);
	sqlite3_finalize(q);
}

static void test_rollback_keeps_message(void **state)
{
	struct fx *f = *state;
	struct ox_sqldb *d = &f->d;
	assert_int_equal(ox_sqldb_rollback(d, 0), 0); /* nothing open: nothing done */
	assert_int_equal(ox_sqldb_run_id(d, ST_BEGIN), 0);
	sqlite3_stmt *q = ox_sqldb_stmt(d, ST_INSERT);
	sqlite3_bind_int64(q, 1, 7);
	assert_int_equal(ox_sqldb_run(d, q, "insert"), 0);
	int rc = ox_sqldb_fail(d, E_MINE, "why it failed");
	assert_int_equal(ox_sqldb_rollback(d, rc), E_MINE);
	assert_string_equal(d->err, "why it failed");
	assert_true(sqlite3_get_autocommit(d->conn));
	assert_int_equal(one_int(d, "SELECT count(*) FROM t"), 0);

	/* close rolls back what is open */
	assert_int_equal(ox_sqldb_run_id(d, ST_BEGIN), 0);
	sqlite3_bind_int64(q, 1, 8);
	assert_int_equal(ox_sqldb_run(d, q, "insert"), 0);
	ox_sqldb_close(d);
	assert_int_equal(ox_sqldb_open(d, f->path, &opts), 0);
	assert_int_equal(one_int(d, "SELECT count(*) FROM t"), 0);
}

static void test_list_shapes(void **state)
{
	struct fx *f = *state;
	struct ox_sqldb *d = &f->d;
	const char *names[] = { "a", "b", "a", "a", "b" };
	for (int i = 0; i < 5; i++) {
		sqlite3_stmt *q = ox_sqldb_stmt(d, ST_INSERT);
		sqlite3_bind_int64(q, 1, i + 1);
		ox_sqldb_bind_text(q, 2, names[i]);
		ox_sqldb_bind_text(q, 3, i % 2 ? "odd" : "even");
		sqlite3_bind_int64(q, 4, 1000 + i);
		assert_int_equal(ox_sqldb_run(d, q, "insert"), 0);
	}
	sqlite3_stmt *all = ox_sqldb_list(d, 0);
	assert_string_equal(sqlite3_sql(all), "SELECT id FROM t ORDER BY id DESC LIMIT :limit");
	sqlite3_stmt *q = ox_sqldb_list(d, 1u << 0 | 1u << 2);
	assert_string_equal(sqlite3_sql(q), "SELECT id FROM t WHERE name = :name AND id < :cursor"
					    " ORDER BY id DESC LIMIT :limit");
	assert_ptr_equal(ox_sqldb_list(d, 5), q); /* one statement per shape */
	assert_ptr_not_equal(all, q);
	/* names the shape lacks are not bound (no error) */
	ox_sqldb_bind_named_text(q, ":name", "a");
	ox_sqldb_bind_named_text(q, ":kind", "odd");
	ox_sqldb_bind_named_int(q, ":cursor", 4);
	ox_sqldb_bind_named_int(q, ":limit", 10);
	int64_t got[4];
	int n = 0;
	while (n < 4 && sqlite3_step(q) == SQLITE_ROW)
		got[n++] = sqlite3_column_int64(q, 0);
	ox_sqldb_done(q);
	assert_int_equal(n, 2);
	assert_int_equal(got[0], 3);
	assert_int_equal(got[1], 1);
	assert_string_equal(sqlite3_sql(ox_sqldb_list(d, 7)),
			    "SELECT id FROM t WHERE name = :name AND kind = :kind AND id < :cursor"
			    " ORDER BY id DESC LIMIT :limit");
}

static void test_query_values(void **state)
{
	(void)state;
	assert_true(ox_sqldb_absent(NULL));
	assert_true(ox_sqldb_absent(""));
	assert_false(ox_sqldb_absent("0"));

	assert_true(ox_sqldb_digits("0123", 4));
	assert_false(ox_sqldb_digits("01234", 4));
	assert_false(ox_sqldb_digits("", 4));
	assert_false(ox_sqldb_digits("12a", 4));
	assert_false(ox_sqldb_digits("-1", 4));

	long l;
	assert_true(ox_sqldb_parse_limit("1", 1000, &l));
	assert_int_equal(l, 1);
	assert_true(ox_sqldb_parse_limit("1000", 1000, &l));
	assert_int_equal(l, 1000);
	assert_true(ox_sqldb_parse_limit("0050", 1000, &l));
	assert_int_equal(l, 50);
	const char *bad_limits[] = { "0", "1001", "00001", "12x", " 5", "+5", "-5", "" };
	for (size_t i = 0; i < OX_ARRAY_LEN(bad_limits); i++)
		assert_false(ox_sqldb_parse_limit(bad_limits[i], 1000, &l));

	int64_t c;
	assert_true(ox_sqldb_parse_cursor("42", &c));
	assert_int_equal(c, 42);
	assert_true(ox_sqldb_parse_cursor("999999999999999999", &c));
	assert_int_equal(c, 999999999999999999LL);
	const char *bad_cursors[] = { "0", "1000000000000000000", "x1", "-3", "" };
	for (size_t i = 0; i < OX_ARRAY_LEN(bad_cursors); i++)
		assert_false(ox_sqldb_parse_cursor(bad_cursors[i], &c));

	int64_t t;
	assert_true(ox_sqldb_parse_time("1762790400000", &t));
	assert_int_equal(t, 1762790400000);
	assert_true(ox_sqldb_parse_time("2025-11-11T00:00:00+08:00", &t));
	assert_int_equal(t, 1762790400000);
	assert_false(ox_sqldb_parse_time("yesterday", &t));
	assert_false(ox_sqldb_parse_time("1234567890123456789", &t)); /* 19 digits, not a time */
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_open_pragmas_and_migrations),
		T(test_newer_schema_refused),
		T(test_failed_migration_rolled_back),
		T(test_open_failures),
		T(test_statements_and_messages),
		T(test_rollback_keeps_message),
		T(test_list_shapes),
		cmocka_unit_test(test_query_values),
	};
#undef T
	return cmocka_run_group_tests_name("sqldb", tests, NULL, NULL);
}

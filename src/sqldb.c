/* sqldb.c - a SQLite database file owned by one module (sqldb.h). */
#include "sqldb.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "timefmt.h"
#include "util.h"

/* ---- failures ---------------------------------------------------------------------- */

int ox_sqldb_fail(struct ox_sqldb *d, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(d->err, sizeof d->err, fmt, ap);
	va_end(ap);
	d->failures++;
	return code;
}

int ox_sqldb_dberr(struct ox_sqldb *d, const char *what)
{
	return ox_sqldb_fail(d, d->o->edb, "%s: %s", what, sqlite3_errmsg(d->conn));
}

int ox_sqldb_rollback(struct ox_sqldb *d, int rc)
{
	if (d->conn && !sqlite3_get_autocommit(d->conn)) {
		char keep[OX_SQLDB_ERRSZ]; /* the rollback must not hide why */
		memcpy(keep, d->err, sizeof keep);
		sqlite3_exec(d->conn, "ROLLBACK", NULL, NULL, NULL);
		memcpy(d->err, keep, sizeof keep);
	}
	return rc;
}

/* ---- statements -------------------------------------------------------------------- */

static sqlite3_stmt *prepare(struct ox_sqldb *d, sqlite3_stmt **slot, const char *sql)
{
	if (!*slot && sqlite3_prepare_v3(d->conn, sql, -1, SQLITE_PREPARE_PERSISTENT, slot, NULL) != SQLITE_OK) {
		ox_sqldb_dberr(d, "prepare");
		*slot = NULL;
	}
	return *slot;
}

sqlite3_stmt *ox_sqldb_stmt(struct ox_sqldb *d, int id)
{
	return prepare(d, &d->st[id], d->o->stmts[id]);
}

sqlite3_stmt *ox_sqldb_list(struct ox_sqldb *d, unsigned mask)
{
	const struct ox_sqldb_list *l = d->o->list;
	if (d->list[mask])
		return d->list[mask];
	struct ox_buf sql; /* constant fragments only: never a value */
	ox_buf_init(&sql, SIZE_MAX);
	ox_buf_addz(&sql, l->select);
	const char *sep = " WHERE ";
	for (unsigned i = 0; i < l->n_where; i++)
		if (mask & (1u << i)) {
			ox_buf_addz(&sql, sep);
			ox_buf_addz(&sql, l->where[i]);
			sep = " AND ";
		}
	ox_buf_addz(&sql, l->tail);
	sqlite3_stmt *q = prepare(d, &d->list[mask], sql.data);
	ox_buf_release(&sql);
	return q;
}

void ox_sqldb_done(sqlite3_stmt *q)
{
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
}

int ox_sqldb_run(struct ox_sqldb *d, sqlite3_stmt *q, const char *what)
{
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		;
	ox_sqldb_done(q);
	return rc == SQLITE_DONE ? 0 : ox_sqldb_dberr(d, what);
}

int ox_sqldb_run_id(struct ox_sqldb *d, int id)
{
	sqlite3_stmt *q = ox_sqldb_stmt(d, id);
	return q ? ox_sqldb_run(d, q, d->o->stmts[id]) : d->o->edb;
}

int ox_sqldb_exec(struct ox_sqldb *d, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(d->conn, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	int rc = ox_sqldb_fail(d, d->o->edb, "%.80s: %s", sql, msg ? msg : sqlite3_errmsg(d->conn));
	sqlite3_free(msg);
	return rc;
}

void ox_sqldb_bind_text(sqlite3_stmt *q, int i, const char *z)
{
	if (z)
		sqlite3_bind_text(q, i, z, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(q, i);
}

void ox_sqldb_bind_time(sqlite3_stmt *q, int i, int64_t t)
{
	if (t == OX_TIME_NONE)
		sqlite3_bind_null(q, i);
	else
		sqlite3_bind_int64(q, i, t);
}

void ox_sqldb_bind_named_text(sqlite3_stmt *q, const char *name, const char *z)
{
	int i = sqlite3_bind_parameter_index(q, name);
	if (i)
		sqlite3_bind_text(q, i, z, -1, SQLITE_STATIC);
}

void ox_sqldb_bind_named_int(sqlite3_stmt *q, const char *name, int64_t v)
{
	int i = sqlite3_bind_parameter_index(q, name);
	if (i)
		sqlite3_bind_int64(q, i, v);
}

const char *ox_sqldb_col_text(sqlite3_stmt *q, int col)
{
	const char *z = (const char *)sqlite3_column_text(q, col);
	return z ? z : "";
}

int64_t ox_sqldb_col_time(sqlite3_stmt *q, int col)
{
	return sqlite3_column_type(q, col) == SQLITE_NULL ? OX_TIME_NONE : sqlite3_column_int64(q, col);
}

/* ---- open, migrate, close ---------------------------------------------------------- */

int ox_sqldb_version(struct ox_sqldb *d, int *v)
{
	sqlite3_stmt *q = prepare(d, &d->version, "SELECT version FROM schema_version");
	if (!q)
		return d->o->edb;
	int rc = sqlite3_step(q);
	*v = rc == SQLITE_ROW ? sqlite3_column_int(q, 0) : -1;
	sqlite3_reset(q);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return ox_sqldb_dberr(d, "schema_version");
	return 0;
}

static int migrate(struct ox_sqldb *d)
{
	const int latest = (int)d->o->n_migrations;
	int rc = ox_sqldb_exec(d, "BEGIN IMMEDIATE");
	if (rc)
		return rc;
	int v = 0;
	if ((rc = ox_sqldb_exec(d, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")) ||
	    (rc = ox_sqldb_version(d, &v)))
		goto out;
	if (v < 0) { /* a new file */
		if ((rc = ox_sqldb_exec(d, "INSERT INTO schema_version (version) VALUES (0)")))
			goto out;
		v = 0;
	}
	if (v > latest) {
		rc = ox_sqldb_fail(d, d->o->eschema, "schema version %d is newer than this ordex's %d", v, latest);
		goto out;
	}
	for (; v < latest; v++) {
		char set[64];
		snprintf(set, sizeof set, "UPDATE schema_version SET version = %d", v + 1);
		if ((rc = ox_sqldb_exec(d, d->o->migrations[v])) || (rc = ox_sqldb_exec(d, set)))
			goto out;
	}
	return ox_sqldb_exec(d, "COMMIT");
out:
	sqlite3_exec(d->conn, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* A new database file readable by its owner only (SQLite gives its -wal and
 * -shm files the same mode). An existing file is left alone. */
static void create_private(const char *path)
{
	if (strcmp(path, ":memory:") == 0 || strncmp(path, "file:", 5) == 0)
		return;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
}

/* Before SQLite's first use: no count of the memory it holds, which ordex
 * never asks for and which took a process-wide mutex around every one of
 * its allocations (5% of the flusher's time storing cases). A no-op when
 * something used SQLite before (sqlite3_config refuses then). */
static void configure_sqlite(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int ox_sqldb_open(struct ox_sqldb *d, const char *path, const struct ox_sqldb_opts *o)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, configure_sqlite);
	memset(d, 0, sizeof *d);
	d->o = o;
	d->st = ox_xcalloc(o->n_stmts ? o->n_stmts : 1, sizeof *d->st);
	if (o->list)
		d->list = ox_xcalloc((size_t)1 << o->list->n_where, sizeof *d->list);
	if (o->private_file)
		create_private(path);
	if (sqlite3_open_v2(path, &d->conn, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | o->open_flags, NULL) !=
	    SQLITE_OK)
		return ox_sqldb_fail(d, o->edb, "%s", d->conn ? sqlite3_errmsg(d->conn) : "out of memory");
	sqlite3_extended_result_codes(d->conn, 1);
	sqlite3_busy_timeout(d->conn, o->busy_ms);
	int rc;
	for (size_t i = 0; o->pragmas && o->pragmas[i]; i++)
		if ((rc = ox_sqldb_exec(d, o->pragmas[i])))
			return rc;
	return o->migrations ? migrate(d) : 0;
}

void ox_sqldb_close(struct ox_sqldb *d)
{
	if (d->o) {
		for (size_t i = 0; d->st && i < d->o->n_stmts; i++)
			sqlite3_finalize(d->st[i]);
		for (size_t i = 0; d->list && i < (size_t)1 << d->o->list->n_where; i++)
			sqlite3_finalize(d->list[i]);
	}
	sqlite3_finalize(d->version);
	if (d->conn && !sqlite3_get_autocommit(d->conn))
		sqlite3_exec(d->conn, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(d->conn); /* every statement is finalized: cannot be busy */
	free(d->st);
	free(d->list);
	memset(d, 0, sizeof *d);
}

/* ---- the values of a list's query string ------------------------------------------- */

bool ox_sqldb_absent(const char *z)
{
	return !z || !*z;
}

bool ox_sqldb_digits(const char *z, size_t max)
{
	size_t n = strlen(z);
	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (z[i] < '0' || z[i] > '9')
			return false;
	return true;
}

bool ox_sqldb_parse_limit(const char *z, long max, long *limit)
{
	*limit = ox_sqldb_digits(z, 4) ? strtol(z, NULL, 10) : 0;
	return *limit >= 1 && *limit <= max;
}

bool ox_sqldb_parse_cursor(const char *z, int64_t *cursor)
{
	*cursor = ox_sqldb_digits(z, 18) ? strtoll(z, NULL, 10) : 0;
	return *cursor >= 1;
}

bool ox_sqldb_parse_time(const char *z, int64_t *ms)
{
	if (ox_sqldb_digits(z, 18)) {
		*ms = strtoll(z, NULL, 10);
		return true;
	}
	return ox_time_parse(z, strlen(z), ms) >= 0;
}

/* sqldb.h - a SQLite database file owned by one module (the case store, the
 * audit log, users and tokens, the alert outbox): opening it with the
 * module's pragmas, its numbered migrations, its prepared statements, "what:
 * why" failure messages and the paged, filtered list query. See
 * docs/store.md ("Shared helpers").
 *
 * Use: the module describes its database once, in a static struct
 * ox_sqldb_opts (its error codes, statements, list query, migrations,
 * pragmas), embeds a struct ox_sqldb in its own object and opens it:
 *	static const char *const pragmas[] = { "PRAGMA journal_mode = WAL",
 *					       "PRAGMA synchronous = FULL", NULL };
 *	static const struct ox_sqldb_opts db_opts = {
 *		.edb = OX_STORE_EDB, .eschema = OX_STORE_ESCHEMA,
 *		.stmts = stmt_sql, .n_stmts = ST__COUNT, .list = &case_list,
 *		.migrations = migrations, .n_migrations = OX_ARRAY_LEN(migrations),
 *		.pragmas = pragmas, .busy_ms = 5000 };
 *	if ((rc = ox_sqldb_open(&s->db, path, &db_opts)))
 *		snprintf(err, errsz, "%s: %s", path, s->db.err), ox_sqldb_close(&s->db);
 *	sqlite3_stmt *q = ox_sqldb_stmt(&s->db, ST_META_GET); // NULL: EDB, message set
 *	rc = ox_sqldb_run(&s->db, q, "meta");                  // 0, or EDB "meta: why"
 * The module keeps its own error enum and messages: every function here
 * returns 0 or one of the module's codes from the opts (.edb, .eschema, or
 * the code given to ox_sqldb_fail()), and writes the message into the
 * struct's err, which the module's errmsg() returns.
 *
 * Ownership and threads: ox_sqldb_open() fills a struct the caller owns;
 * ox_sqldb_close() releases what it holds (also after a failed open). One
 * connection, used by one thread at a time; nothing here locks. The opts
 * must outlive the struct (a static const is meant).
 */
#ifndef OX_SQLDB_H
#define OX_SQLDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#define OX_SQLDB_ERRSZ 256

/* The module's list query, assembled from constant fragments only (never a
 * value): select, then " WHERE " and the fragments of the filters present
 * (bit i of the mask: where[i]) joined by " AND ", then tail. Each of the
 * 1 << n_where shapes is its own prepared statement, planned with its own
 * WHERE clause. Values are bound by name (ox_sqldb_bind_named_*). */
struct ox_sqldb_list {
	const char *select;        /* "SELECT id, ... FROM audit" */
	const char *const *where;  /* "actor = :actor", ... */
	unsigned n_where;          /* at most 16 */
	const char *tail;          /* " ORDER BY id DESC LIMIT :limit" */
};

struct ox_sqldb_opts {
	int edb;                         /* the module's code for "SQLite said no" */
	int eschema;                     /* ... and for a file migrated by a newer ordex */
	const char *const *stmts;        /* statement i's SQL, prepared on first use */
	size_t n_stmts;
	const struct ox_sqldb_list *list; /* NULL: none */
	/* Migration i+1 is migrations[i]; NULL: the file is not migrated by
	 * this connection (another one of the module does it). */
	const char *const *migrations;
	size_t n_migrations;
	const char *const *pragmas;      /* run in order after opening; NULL-terminated, or NULL */
	int busy_ms;                     /* sqlite3_busy_timeout() */
	int open_flags;                  /* besides READWRITE | CREATE, e.g. SQLITE_OPEN_NOMUTEX */
	bool private_file;               /* a new file is created readable by its owner only */
};

struct ox_sqldb {
	sqlite3 *conn;
	const struct ox_sqldb_opts *o;
	sqlite3_stmt **st;               /* o->n_stmts */
	sqlite3_stmt **list;             /* 1 << o->list->n_where */
	sqlite3_stmt *version;
	/* Messages written so far: a module can tell whether the message it
	 * wrote is still the last one (auth's deny reason). */
	unsigned long failures;
	char err[OX_SQLDB_ERRSZ];
};

/* Open or create path (":memory:" and "file:" URIs too) with o: extended
 * result codes, the busy timeout, the pragmas, then every migration the file
 * does not have yet in one BEGIN IMMEDIATE transaction (version in the one
 * row of schema_version). A file with more migrations than o has is refused
 * with o->eschema ("schema version 4 is newer than this ordex's 3"). On
 * failure call ox_sqldb_close() all the same. */
int ox_sqldb_open(struct ox_sqldb *d, const char *path, const struct ox_sqldb_opts *o);
/* Finalize every statement, roll back an open transaction, close, and
 * clear *d. A struct that was never opened (all zero) is fine. */
void ox_sqldb_close(struct ox_sqldb *d);
/* The schema version (the number of migrations applied; -1 before any). */
int ox_sqldb_version(struct ox_sqldb *d, int *version);

/* ---- failures ---- */

/* Write the message, return code. */
int ox_sqldb_fail(struct ox_sqldb *d, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* "what: SQLite's message", returns o->edb. */
int ox_sqldb_dberr(struct ox_sqldb *d, const char *what);
/* After a failure inside a transaction: roll it back (if one is open)
 * without losing the failure's message; returns rc. */
int ox_sqldb_rollback(struct ox_sqldb *d, int rc);

/* ---- statements ---- */

/* Statement id of o->stmts, prepared once (persistent) on first use. NULL
 * when it cannot be prepared (message "prepare: why"): return o->edb. */
sqlite3_stmt *ox_sqldb_stmt(struct ox_sqldb *d, int id);
/* The list query of the filters in mask (o->list), prepared on first use. */
sqlite3_stmt *ox_sqldb_list(struct ox_sqldb *d, unsigned mask);
/* Step q to its end (rows are ignored), reset it and clear its bindings:
 * 0, or o->edb with "what: why". */
int ox_sqldb_run(struct ox_sqldb *d, sqlite3_stmt *q, const char *what);
/* ox_sqldb_run() of statement id, its SQL as the what. */
int ox_sqldb_run_id(struct ox_sqldb *d, int id);
/* sqlite3_exec() of sql: 0, or o->edb with "sql (80 bytes at most): why". */
int ox_sqldb_exec(struct ox_sqldb *d, const char *sql);
/* Reset q and clear its bindings. */
void ox_sqldb_done(sqlite3_stmt *q);

/* Bind z (NULL: NULL) without a copy; a time (OX_TIME_NONE: NULL). */
void ox_sqldb_bind_text(sqlite3_stmt *q, int i, const char *z);
void ox_sqldb_bind_time(sqlite3_stmt *q, int i, int64_t t);
/* Bind to the parameter called name if the statement has one (list queries:
 * a shape without the filter has no such parameter). */
void ox_sqldb_bind_named_text(sqlite3_stmt *q, const char *name, const char *z);
void ox_sqldb_bind_named_int(sqlite3_stmt *q, const char *name, int64_t v);
/* A column's text ("" for NULL); a time column (NULL: OX_TIME_NONE). */
const char *ox_sqldb_col_text(sqlite3_stmt *q, int col);
int64_t ox_sqldb_col_time(sqlite3_stmt *q, int col);

/* ---- the values of a list's query string ---- */

/* NULL or "": the client did not send it. */
bool ox_sqldb_absent(const char *z);
/* 1 to max decimal digits and nothing else. */
bool ox_sqldb_digits(const char *z, size_t max);
/* A page size: 1..max in at most 4 decimal digits. false when not. */
bool ox_sqldb_parse_limit(const char *z, long max, long *limit);
/* A cursor a list returned: a row id >= 1 in at most 18 digits (inside
 * int64). false when not. */
bool ox_sqldb_parse_cursor(const char *z, int64_t *cursor);
/* A time: milliseconds since the epoch (at most 18 digits) or RFC 3339.
 * false when neither. */
bool ox_sqldb_parse_time(const char *z, int64_t *ms);

#endif

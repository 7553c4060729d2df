/* store.h - the case store: cases persisted in SQLite for `ordex serve` and
 * queried by the HTTP API (GET /api/v1/cases, GET /api/v1/cases/{id}).
 * Schema, migrations, paging and measurements: docs/store.md.
 *
 * Use: the writer thread that owns the engine puts every case the engine
 * reports (ox_store_sink below is a ready-made struct ox_case_listener),
 * inside ox_store_begin() / ox_store_commit() around a batch of events (group
 * commit: one transaction, one fsync for many changes). The API reads with
 * ox_store_query() and ox_store_get(), which write the same JSON shape as
 * ox_case_to_json() (they rebuild the case and call it).
 *
 * Ownership and threads: ox_store_open() returns an object that
 * ox_store_close() frees. It holds one SQLite connection and is used by one
 * thread at a time; nothing here locks. A reader thread opens its own store
 * on the same file (WAL: readers do not block the writer, nor it them).
 *
 * Errors: every function returns 0 or a negative enum ox_store_err; the
 * message of the last failure ("what: why") is ox_store_errmsg(). Running out
 * of memory aborts, as everywhere in ordex (util.h).
 */
#ifndef OX_STORE_H
#define OX_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "case.h"
#include "engine.h"
#include "params.h"
#include "util.h"

/* X(enum suffix, value, message) */
#define OX_STORE_ERRORS(X)                                              \
	X(OK, 0, "ok")                                                  \
	X(EINVAL, -1, "invalid argument")                               \
	X(ENOTFOUND, -2, "case not found")                              \
	X(EDB, -3, "database error")                                    \
	X(ECORRUPT, -4, "stored case cannot be read")                   \
	X(ETOOBIG, -5, "result larger than the output buffer's maximum") \
	X(ESTATE, -6, "call out of order")                              \
	X(ESCHEMA, -7, "database schema is newer than this ordex")

enum ox_store_err {
#define X(e, v, msg) OX_STORE_##e = v,
	OX_STORE_ERRORS(X)
#undef X
};
/* The message of an enum ox_store_err value. */
const char *ox_store_strerror(int err);

#define OX_STORE_ERRSZ 256
#define OX_STORE_LIMIT_DEFAULT 100
#define OX_STORE_LIMIT_MAX 1000
#define OX_STORE_TEXT_MAX 256 /* longest order_id / sku filter value, bytes */

struct ox_store;

/* Open or create the database at path (":memory:" works too): WAL,
 * synchronous=FULL, foreign keys on, then every schema migration the file
 * does not have yet, in one transaction. On failure *out is NULL and err
 * holds the reason. A file migrated by a newer ordex is refused
 * (OX_STORE_ESCHEMA) rather than written with an older idea of the schema. */
int ox_store_open(struct ox_store **out, const char *path, char *err, size_t errsz);
void ox_store_close(struct ox_store *s); /* NULL is fine; rolls back an open transaction */
const char *ox_store_errmsg(const struct ox_store *s);

/* synchronous=FULL (true, the default: a commit survives a power cut) or
 * NORMAL (false: survives a crash of ordex, may lose the last commits on a
 * power cut). Not inside a transaction. */
int ox_store_set_synchronous(struct ox_store *s, bool full);
/* For a connection whose transactions put many cases: statement journals
 * in memory. Each statement that may fail halfway (an upsert) journals the
 * pages it changes (a case's: one in each index), and past 64 KiB SQLite
 * moved the journal to a temporary file for the rest of the transaction,
 * one write a page. Not inside a transaction. */
int ox_store_set_bulk_writes(struct ox_store *s);
/* Whether a commit that grows the WAL past 1000 pages copies it back into
 * the database itself (SQLite's default) or leaves that to
 * ox_store_checkpoint() on another connection (false), so that no commit
 * waits for a checkpoint's copy and fsync. Not inside a transaction. */
int ox_store_set_autocheckpoint(struct ox_store *s, bool on);
/* Copy what the WAL holds back into the database as far as readers and the
 * writer allow, without waiting for them (a passive checkpoint). */
int ox_store_checkpoint(struct ox_store *s);
/* Reads (query, get) mask personal data in reasons and timeline notes
 * (mask.h), for callers without the pii permission. Off by default. */
void ox_store_set_masking(struct ox_store *s, bool mask);
/* The schema version of the open database (the number of migrations). */
int ox_store_schema_version(struct ox_store *s, int *version);

/* Named integers kept with the cases (a missing key reads as 0), so that
 * they commit atomically with the case changes they describe. The daemon
 * keeps "applied_seq" there: the event-log seq up to which every case
 * change is stored. */
int ox_store_meta_get(struct ox_store *s, const char *key, int64_t *value);
int ox_store_meta_set(struct ox_store *s, const char *key, int64_t value);

/* One write transaction for many puts. Begin inside a transaction is
 * OX_STORE_ESTATE. After a failed commit the transaction is still open: roll
 * it back. A put outside begin/commit is its own transaction. */
int ox_store_begin(struct ox_store *s);
int ox_store_commit(struct ox_store *s);
int ox_store_rollback(struct ox_store *s); /* no-op when none is open */

/* Insert or replace the case (all its columns) under its id. The timeline is
 * append-only in the engine, so only the entries the store does not have yet
 * are inserted: putting the same case again is cheap and changes nothing.
 * team may be NULL. Atomic: on failure the store keeps the previous version. */
int ox_store_put_case(struct ox_store *s, const struct ox_case *c, const char *team);

/* The store's connection, for read-only queries of its tables (report.c)
 * on the thread that owns the store. */
struct sqlite3 *ox_store_conn(struct ox_store *s);

/* Add the counts (counts.h) to the stored ones, inside the caller's
 * transaction (the batch's, with its cases and applied_seq). */
int ox_store_add_counts(struct ox_store *s, const struct ox_count *v, size_t n);

/* The query string of GET /api/v1/cases, as received: NULL or "" = absent.
 *   rule      a rule code ("PAY_FAILED")      status    a status of case.h ("open")
 *   category  a rule category ("payment")     severity  P1 .. P4
 *   order_id, sku   exact match (at most OX_STORE_TEXT_MAX bytes)
 *   since     opened_at >= since: RFC 3339 ("2026-11-11T00:00:00+08:00") or
 *             milliseconds since the epoch
 *   limit     1 .. OX_STORE_LIMIT_MAX, default OX_STORE_LIMIT_DEFAULT
 *   cursor    next_cursor of the previous page (opaque to clients)
 *   team, assignee  exact match
 *   channel, shop, province  exact match of the case's dimensions
 *   sla       breached (ever, even if resolved since) | due_soon */
struct ox_case_filter {
	const char *rule, *status, *category, *severity, *order_id, *sku, *since, *limit, *cursor;
	const char *team, *assignee; /* exact match */
	const char *channel, *shop, *province; /* exact match (the case's dimensions) */
	const char *call_state;      /* a call of the case in this state (call.h): awaiting_approval, ... */
	const char *sla;             /* breached | due_soon */
	const char *sort;            /* new (newest first, the default) | due (the SLA deadline that matters now) */
	/* due_soon is judged at now (the event clock) with this share left */
	ox_time now;
	int due_soon_pct;
};

/* Append {"cases":[...],"next_cursor":"..."|null} to out: matching cases,
 * newest first (descending seq), each as ox_case_to_json() writes it but
 * without "timeline". next_cursor is null on the last page. Paging is by seq,
 * so cases opened while a client pages do not shift its pages (they come
 * before page one). With sort "due" the cases come by the deadline that
 * matters now (respond_due until responded, then resolve_due; finished
 * cases last), then seq, paged by that pair ("DUE.SEQ"): a case whose
 * deadline changes while a client pages may be seen twice or not at all. An invalid value is OX_STORE_EINVAL with a message for
 * the client in err ("severity: expected P1..P4, got \"P5\""). On any error
 * out is left as it was. */
int ox_store_query(struct ox_store *s, const struct ox_case_filter *f, struct ox_buf *out,
		   char err[OX_STORE_ERRSZ]);

/* Append {"counts":{"open":N,...every status},"total":N}: how many cases
 * match the filter in each status (its status, cursor and limit do not
 * apply), for the console's status tabs. Errors as ox_store_query(). */
int ox_store_count_status(struct ox_store *s, const struct ox_case_filter *f, struct ox_buf *out,
			  char err[OX_STORE_ERRSZ]);

/* The same cases as a bare JSON array, without the paging object (the
 * first page: at most the limit). For answers that embed a list of cases,
 * such as the order picture. */
int ox_store_query_cases(struct ox_store *s, const struct ox_case_filter *f, struct ox_buf *out,
			 char err[OX_STORE_ERRSZ]);

/* Append the case with its timeline, exactly as ox_case_to_json() writes it.
 * OX_STORE_ENOTFOUND when no case has that id. On error out is unchanged. */
int ox_store_get(struct ox_store *s, const char *case_id, struct ox_buf *out);

/* The case itself, without its timeline and unmasked, into *c (release it
 * with ox_case_release()): what a handler needs of it, such as its rule and
 * its key. OX_STORE_ENOTFOUND when no case has that id. */
int ox_store_get_case(struct ox_store *s, const char *case_id, struct ox_case *c);

/* An engine listener that puts every changed case:
 *	struct ox_store_sink sink = { .store = st, .params = &params };
 *	ox_engine_set_listener(e, ox_store_sink_listener(&sink));
 * A listener cannot fail, so the first error sticks in sink.err (later puts
 * are skipped): check it before committing, and do not acknowledge the batch
 * if it is set. The team of a case is params->rules[rule].team. */
struct ox_store_sink {
	struct ox_store *store;
	const struct ox_params *params;
	int err;     /* 0, or the first failed put's code */
	size_t puts; /* successful puts */
};
struct ox_case_listener ox_store_sink_listener(struct ox_store_sink *sink);

#endif

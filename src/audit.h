/* audit.h - the audit log: who did what, append-only and hash-chained, in
 * its own SQLite file (the daemon's DATA_DIR/audit.db). Chain format,
 * limits and the commands: docs/auth.md.
 *
 * Each entry's hash is SHA-256 over the previous entry's hash and every
 * other column (length-prefixed), so editing, deleting or reordering an
 * entry breaks the chain at that entry; the head (last id and hash) is kept
 * apart too, so cutting entries off the end is seen as well.
 *
 * Ownership and threads: ox_audit_open() returns an object that
 * ox_audit_close() frees; one SQLite connection, one thread at a time. Any
 * number of threads and processes may append to the same file, each with
 * its own struct ox_audit: an append takes the head inside BEGIN IMMEDIATE,
 * so the chain never forks (busy timeout 5 s).
 *
 * Errors: 0 or a negative enum ox_audit_err; the message of the last
 * failure is ox_audit_errmsg(). Out of memory aborts (util.h).
 */
#ifndef OX_AUDIT_H
#define OX_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* X(enum suffix, value, message) */
#define OX_AUDIT_ERRORS(X)                                                \
	X(OK, 0, "ok")                                                    \
	X(EINVAL, -1, "invalid argument")                                 \
	X(EDB, -2, "database error")                                      \
	X(ECHAIN, -3, "audit chain broken")                               \
	X(ECORRUPT, -4, "stored entry cannot be read")                    \
	X(ETOOBIG, -5, "result larger than the output buffer's maximum") \
	X(ESCHEMA, -6, "database schema is newer than this ordex")

enum ox_audit_err {
#define X(e, v, msg) OX_AUDIT_##e = v,
	OX_AUDIT_ERRORS(X)
#undef X
};
const char *ox_audit_strerror(int err);

#define OX_AUDIT_ERRSZ 256
#define OX_AUDIT_ACTOR_MAX 128   /* bytes */
#define OX_AUDIT_ACTION_MAX 64   /* [a-z0-9_.] */
#define OX_AUDIT_TARGET_MAX 256  /* bytes */
#define OX_AUDIT_DETAIL_MAX 65536
#define OX_AUDIT_IDEM_MAX 128
#define OX_AUDIT_LIMIT_DEFAULT 100
#define OX_AUDIT_LIMIT_MAX 1000
#define OX_AUDIT_HASH_HEX 65     /* 64 hex digits + NUL */

struct ox_audit;

/* Open or create (":memory:" works too; a new file is readable by its owner
 * only); WAL, synchronous=FULL, busy timeout 5 s, migrations. On failure
 * *out is NULL and err holds the reason. */
int ox_audit_open(struct ox_audit **out, const char *path, char *err, size_t errsz);
void ox_audit_close(struct ox_audit *au); /* NULL is fine */
const char *ox_audit_errmsg(const struct ox_audit *au);

/* The clock for entries with at == 0: wall clock ms unless a test sets one
 * (NULL restores the wall clock). */
typedef int64_t (*ox_audit_clock_fn)(void *ctx);
void ox_audit_set_clock(struct ox_audit *au, ox_audit_clock_fn now, void *ctx);

/* One entry. Strings are copied; NULL target or detail mean "" and "{}". */
struct ox_audit_entry {
	int64_t at;         /* ms since the epoch; 0 = now */
	const char *actor;  /* "lihua", "token:ci", "system", "cli:root": 1..OX_AUDIT_ACTOR_MAX
			     * bytes of UTF-8 without control characters */
	const char *action; /* dotted: "case.transition", "user.create", "login.failed" */
	const char *target; /* "C00000042", a user name; valid UTF-8, may be "" */
	const char *detail; /* a JSON object as text, at most OX_AUDIT_DETAIL_MAX bytes */
	const char *idem;   /* NULL, or a key (1..OX_AUDIT_IDEM_MAX bytes): appending
			     * with a key already in the log is a no-op that returns the
			     * existing entry's id (a replay after a crash writes once) */
};

/* Append e; *id_out (may be NULL) gets its id (1, 2, 3, ... without gaps).
 * EINVAL names the field; ECHAIN when the head is missing from a log that
 * has entries (the log was tampered with; ox_audit_verify tells more). */
int ox_audit_append(struct ox_audit *au, const struct ox_audit_entry *e, int64_t *id_out);

/* The head: id of the last entry and its hash in hex (0 and "" when empty). */
int ox_audit_head(struct ox_audit *au, int64_t *id, char hash[OX_AUDIT_HASH_HEX]);

struct ox_audit_report {
	int64_t count;                   /* entries read */
	int64_t head_id;                 /* the last entry read ... */
	char head_hash[OX_AUDIT_HASH_HEX]; /* ... and its hash: anchor it elsewhere */
	int64_t bad_id;                  /* 0 if intact, else the first bad entry's id */
	char reason[OX_AUDIT_ERRSZ];     /* "hash mismatch ...", "broken link ...", "gap ..." */
};

/* Walk the whole chain in one read transaction (constant memory): 0 if
 * intact, OX_AUDIT_ECHAIN with r->bad_id and r->reason at the first entry
 * that does not match: its hash is not that of its columns (an edited
 * entry), its prev_hash is not the previous entry's hash (a deleted or
 * reordered entry whose successors were re-hashed), its id is not the
 * previous id + 1 (a deleted entry), or the chain ends before the head
 * (entries cut off the end: bad_id is the first missing one). An attacker
 * who rewrites the tail and the head together is caught only against a
 * copy of the head kept elsewhere (docs/auth.md). */
int ox_audit_verify(struct ox_audit *au, struct ox_audit_report *r);

/* Filters as the client sent them (NULL or "" = absent), like the case
 * store's: actor, action, target exact; since (at >= since) and until
 * (at < until) RFC 3339 or ms; limit 1..OX_AUDIT_LIMIT_MAX (default
 * OX_AUDIT_LIMIT_DEFAULT); cursor a previous next_cursor. */
struct ox_audit_filter {
	const char *actor, *action, *target, *since, *until, *limit, *cursor;
};

/* Append {"entries":[{"id","at","actor","action","target","detail",
 * "hash"}],"next_cursor":"..."|null}, newest first; "at" in RFC 3339
 * (ox_time_json), "detail" as the stored JSON object. EINVAL with a message
 * for the client in err ("limit: expected 1..1000, got \"0\""); on any
 * error out is unchanged. */
int ox_audit_query(struct ox_audit *au, const struct ox_audit_filter *f, struct ox_buf *out,
		   char err[OX_AUDIT_ERRSZ]);

#endif

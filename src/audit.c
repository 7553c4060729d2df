/* audit.c - the hash-chained audit log in SQLite (audit.h, docs/auth.md). */
#include "audit.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <sodium.h>

#include "json.h"
#include "sqldb.h"
#include "timefmt.h"

/* ---- schema ---------------------------------------------------------------- */

/* Migration i+1. Append only: never edit a row that has shipped. */
static const char *const migrations[] = {
	/* 1: the entries, the head, and triggers that refuse changes through
	 * SQL (a guard against mistakes; the chain is what detects intent) */
	"CREATE TABLE audit ("
	" id INTEGER PRIMARY KEY,"     /* 1, 2, 3, ... given by append, no gaps */
	" at INTEGER NOT NULL,"        /* ms since the epoch */
	" actor TEXT NOT NULL,"
	" action TEXT NOT NULL,"
	" target TEXT NOT NULL,"
	" detail TEXT NOT NULL,"       /* a JSON object */
	" idem TEXT UNIQUE,"           /* NULL, or the key that makes a replayed append a no-op */
	" prev_hash TEXT NOT NULL,"    /* hex; the first entry's is 64 zeros */
	" hash TEXT NOT NULL);"        /* hex SHA-256, see entry_hash() */
	"CREATE INDEX audit_actor ON audit (actor);"
	"CREATE INDEX audit_action ON audit (action);"
	"CREATE INDEX audit_target ON audit (target);"
	"CREATE TABLE audit_head ("
	" one INTEGER PRIMARY KEY CHECK (one = 1),"
	" id INTEGER NOT NULL,"
	" hash TEXT NOT NULL);"
	"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
	" BEGIN SELECT RAISE(ABORT, 'audit entries cannot be changed'); END;"
	"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
	" BEGIN SELECT RAISE(ABORT, 'audit entries cannot be deleted'); END;"
	"CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head"
	" BEGIN SELECT RAISE(ABORT, 'the audit head cannot be deleted'); END;",
};

#define ENTRY_COLS "id, at, actor, action, target, detail, idem, prev_hash, hash"
enum { EC_ID, EC_AT, EC_ACTOR, EC_ACTION, EC_TARGET, EC_DETAIL, EC_IDEM, EC_PREV, EC_HASH };

/* X(name, sql) */
#define AUDIT_STMTS(X)                                                                          \
	X(BEGIN, "BEGIN IMMEDIATE")                                                             \
	X(BEGIN_READ, "BEGIN")                                                                  \
	X(COMMIT, "COMMIT")                                                                     \
	X(BY_IDEM, "SELECT id FROM audit WHERE idem = ?1")                                      \
	X(HEAD, "SELECT id, hash FROM audit_head WHERE one = 1")                                \
	X(ANY, "SELECT EXISTS (SELECT 1 FROM audit)")                                           \
	X(INSERT,                                                                               \
	  "INSERT INTO audit (" ENTRY_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")     \
	X(SET_HEAD,                                                                             \
	  "INSERT INTO audit_head (one, id, hash) VALUES (1, ?1, ?2)"                           \
	  " ON CONFLICT (one) DO UPDATE SET id = excluded.id, hash = excluded.hash")            \
	X(WALK, "SELECT " ENTRY_COLS " FROM audit ORDER BY id")

enum stmt_id {
#define X(name, sql) ST_##name,
	AUDIT_STMTS(X)
#undef X
	ST__COUNT
};

static const char *const stmt_sql[] = {
#define X(name, sql) sql,
	AUDIT_STMTS(X)
#undef X
};

/* The list query: one WHERE fragment per filter present, in this order. */
static const char *const filter_sql[] = {
	"actor = :actor", "action = :action", "target = :target",
	"at >= :since",   "at < :until",      "id < :cursor",
};
enum { F_ACTOR, F_ACTION, F_TARGET, F_SINCE, F_UNTIL, F_CURSOR, F__COUNT };

static const struct ox_sqldb_list entry_list = {
	.select = "SELECT " ENTRY_COLS " FROM audit",
	.where = filter_sql,
	.n_where = F__COUNT,
	.tail = " ORDER BY id DESC LIMIT :limit",
};

static const char *const pragmas[] = { "PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL", NULL };

static const struct ox_sqldb_opts db_opts = {
	.edb = OX_AUDIT_EDB,
	.eschema = OX_AUDIT_ESCHEMA,
	.stmts = stmt_sql,
	.n_stmts = ST__COUNT,
	.list = &entry_list,
	.migrations = migrations,
	.n_migrations = OX_ARRAY_LEN(migrations),
	.pragmas = pragmas,
	.busy_ms = 5000,
	.private_file = true,
};

struct ox_audit {
	struct ox_sqldb db;
	ox_audit_clock_fn now;
	void *now_ctx;
	struct ox_json json;
};

#define HASH_BYTES crypto_hash_sha256_BYTES /* 32 */
static const char zero_hex[] = "0000000000000000000000000000000000000000000000000000000000000000";

/* ---- errors and statements ----------------------------------------------------- */

const char *ox_audit_strerror(int err)
{
	static const struct ox_errmsg msgs[] = { OX_AUDIT_ERRORS(OX_ERRMSG_ROW) };
	return ox_errmsg_find(msgs, OX_ARRAY_LEN(msgs), err);
}

const char *ox_audit_errmsg(const struct ox_audit *au)
{
	return au->db.err;
}

static int64_t wall_ms(void *ctx)
{
	(void)ctx;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void ox_audit_set_clock(struct ox_audit *au, ox_audit_clock_fn now, void *ctx)
{
	au->now = now ? now : wall_ms;
	au->now_ctx = now ? ctx : NULL;
}

/* ---- open, migrate, close ------------------------------------------------------------ */

int ox_audit_open(struct ox_audit **out, const char *path, char *err, size_t errsz)
{
	*out = NULL;
	struct ox_audit *au = ox_xcalloc(1, sizeof *au);
	au->now = wall_ms;
	ox_json_init(&au->json, 64);
	int rc;
	if (sodium_init() < 0) {
		rc = ox_sqldb_fail(&au->db, OX_AUDIT_EDB, "libsodium cannot be initialised");
		goto bad;
	}
	if ((rc = ox_sqldb_open(&au->db, path, &db_opts)))
		goto bad;
	*out = au;
	return 0;
bad:
	if (err && errsz)
		snprintf(err, errsz, "%s: %s", path, au->db.err);
	ox_audit_close(au);
	return rc;
}

void ox_audit_close(struct ox_audit *au)
{
	if (!au)
		return;
	ox_sqldb_close(&au->db);
	ox_json_release(&au->json);
	free(au);
}

/* ---- the hash ------------------------------------------------------------------------ */

static void put_u64(crypto_hash_sha256_state *st, uint64_t v)
{
	unsigned char b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (56 - 8 * i));
	crypto_hash_sha256_update(st, b, sizeof b);
}

static void put_str(crypto_hash_sha256_state *st, const char *s, size_t n)
{
	put_u64(st, n);
	crypto_hash_sha256_update(st, (const unsigned char *)s, n);
}

struct row {
	int64_t id, at;
	const char *actor, *action, *target, *detail, *idem; /* idem may be NULL */
	size_t actor_n, action_n, target_n, detail_n, idem_n;
};

/* SHA-256 of: the tag "ordex.audit.v1", the previous hash (hex, 64 bytes),
 * id and at as 8-byte big-endian, then actor, action, target, detail each
 * as an 8-byte big-endian length and its bytes, then idem as one byte 0
 * (NULL) or 1 followed by its length and bytes. Every field has a fixed
 * size or a length in front, so no two different rows encode alike. */
static void entry_hash(const char prev_hex[64], const struct row *r, char out[OX_AUDIT_HASH_HEX])
{
	static const char tag[] = "ordex.audit.v1";
	crypto_hash_sha256_state st;
	unsigned char h[HASH_BYTES];
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)tag, sizeof tag - 1);
	crypto_hash_sha256_update(&st, (const unsigned char *)prev_hex, 64);
	put_u64(&st, (uint64_t)r->id);
	put_u64(&st, (uint64_t)r->at);
	put_str(&st, r->actor, r->actor_n);
	put_str(&st, r->action, r->action_n);
	put_str(&st, r->target, r->target_n);
	put_str(&st, r->detail, r->detail_n);
	unsigned char present = r->idem != NULL;
	crypto_hash_sha256_update(&st, &present, 1);
	if (present)
		put_str(&st, r->idem, r->idem_n);
	crypto_hash_sha256_final(&st, h);
	sodium_bin2hex(out, OX_AUDIT_HASH_HEX, h, sizeof h);
}

/* ---- append ----------------------------------------------------------------------------- */

/* Dotted words of [a-z0-9_]: "case.transition". */
static bool action_ok(const char *z, size_t n)
{
	if (n < 1 || n > OX_AUDIT_ACTION_MAX || z[0] == '.' || z[n - 1] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = z[i];
		if (c == '.' ? z[i + 1] == '.' : !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	return true;
}

/* z for a message: at most 64 bytes; anything but printable ASCII as '?'. */
static const char *quote(char out[72], const char *z)
{
	size_t o = 0;
	for (; z[o] && o < 64; o++)
		out[o] = z[o] >= 0x20 && z[o] < 0x7F ? z[o] : '?';
	out[o] = '\0';
	return out;
}

static int check_entry(struct ox_audit *au, const struct ox_audit_entry *e, struct row *r)
{
	char qb[72];
	r->actor = e->actor;
	r->action = e->action;
	r->target = e->target ? e->target : "";
	r->detail = e->detail ? e->detail : "{}";
	r->idem = e->idem;
	r->actor_n = r->actor ? strlen(r->actor) : 0;
	r->action_n = r->action ? strlen(r->action) : 0;
	r->target_n = strlen(r->target);
	r->detail_n = strlen(r->detail);
	r->idem_n = r->idem ? strlen(r->idem) : 0;
	if (r->actor_n < 1 || r->actor_n > OX_AUDIT_ACTOR_MAX || !ox_utf8_text_ok(r->actor, r->actor_n, false))
		return ox_sqldb_fail(&au->db, OX_AUDIT_EINVAL,
				     "actor: expected 1..%d bytes of UTF-8 without control characters, got \"%s\"",
				     OX_AUDIT_ACTOR_MAX, quote(qb, r->actor ? r->actor : ""));
	if (!action_ok(r->action ? r->action : "", r->action_n))
		return ox_sqldb_fail(&au->db, OX_AUDIT_EINVAL,
				     "action: expected dotted words of a-z 0-9 _ (at most %d), got \"%s\"",
				     OX_AUDIT_ACTION_MAX, quote(qb, r->action ? r->action : ""));
	if (r->target_n > OX_AUDIT_TARGET_MAX || !ox_utf8_text_ok(r->target, r->target_n, false))
		return ox_sqldb_fail(&au->db, OX_AUDIT_EINVAL,
				     "target: expected at most %d bytes of UTF-8 without control characters, got \"%s\"",
				     OX_AUDIT_TARGET_MAX, quote(qb, r->target));
	if (r->detail_n > OX_AUDIT_DETAIL_MAX)
		return ox_sqldb_fail(&au->db, OX_AUDIT_EINVAL, "detail: %zu bytes, more than %d", r->detail_n,
				     OX_AUDIT_DETAIL_MAX);
	if (ox_json_parse(&au->json, r->detail, r->detail_n) < 0)
		return ox_sqldb_fail(&au->db, OX_AUDIT_EINVAL, "detail: not JSON: %s at column %zu", au->json.err,
				     au->json.err_col);
	if (au->json.toks[0].type != OX_JSON_OBJECT)
		return ox_sqldb_fail(&au->db, OX_AUDIT_EINVAL, "detail: expected a JSON object, got \"%s\"",
				     quote(qb, r->detail));
	if (r->idem &&
	    (r->idem_n < 1 || r->idem_n > OX_AUDIT_IDEM_MAX || !ox_utf8_text_ok(r->idem, r->idem_n, false)))
		return ox_sqldb_fail(&au->db, OX_AUDIT_EINVAL,
				     "idem: expected 1..%d bytes of UTF-8 without control characters",
				     OX_AUDIT_IDEM_MAX);
	r->at = e->at ? e->at : au->now(au->now_ctx);
	return 0;
}

static void bind_row(sqlite3_stmt *q, const struct row *r, const char *prev, const char *hash)
{
	sqlite3_bind_int64(q, 1, r->id);
	sqlite3_bind_int64(q, 2, r->at);
	sqlite3_bind_text(q, 3, r->actor, (int)r->actor_n, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, r->action, (int)r->action_n, SQLITE_STATIC);
	sqlite3_bind_text(q, 5, r->target, (int)r->target_n, SQLITE_STATIC);
	sqlite3_bind_text(q, 6, r->detail, (int)r->detail_n, SQLITE_STATIC);
	if (r->idem)
		sqlite3_bind_text(q, 7, r->idem, (int)r->idem_n, SQLITE_STATIC);
	else
		sqlite3_bind_null(q, 7);
	sqlite3_bind_text(q, 8, prev, 64, SQLITE_STATIC);
	sqlite3_bind_text(q, 9, hash, 64, SQLITE_STATIC);
}

/* The head inside the caller's transaction: (0, zeros) for an empty log. */
static int read_head(struct ox_audit *au, int64_t *id, char hash[OX_AUDIT_HASH_HEX], bool *found)
{
	sqlite3_stmt *q = ox_sqldb_stmt(&au->db, ST_HEAD);
	if (!q)
		return OX_AUDIT_EDB;
	int rc = sqlite3_step(q);
	*found = rc == SQLITE_ROW;
	*id = *found ? sqlite3_column_int64(q, 0) : 0;
	const char *h = *found ? (const char *)sqlite3_column_text(q, 1) : NULL;
	snprintf(hash, OX_AUDIT_HASH_HEX, "%s", h ? h : zero_hex);
	ox_sqldb_done(q);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return ox_sqldb_dberr(&au->db, "audit head");
	return 0;
}

static int append_tx(struct ox_audit *au, struct row *r, int64_t *id_out)
{
	sqlite3_stmt *q;
	int rc;
	if (r->idem) {
		if (!(q = ox_sqldb_stmt(&au->db, ST_BY_IDEM)))
			return OX_AUDIT_EDB;
		sqlite3_bind_text(q, 1, r->idem, (int)r->idem_n, SQLITE_STATIC);
		rc = sqlite3_step(q);
		int64_t have = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
		ox_sqldb_done(q);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return ox_sqldb_dberr(&au->db, "audit idem");
		if (have) {
			*id_out = have;
			return 0;
		}
	}
	int64_t head;
	char prev[OX_AUDIT_HASH_HEX], hash[OX_AUDIT_HASH_HEX];
	bool found;
	if ((rc = read_head(au, &head, prev, &found)))
		return rc;
	if (!found) {
		if (!(q = ox_sqldb_stmt(&au->db, ST_ANY)))
			return OX_AUDIT_EDB;
		rc = sqlite3_step(q);
		int any = rc == SQLITE_ROW && sqlite3_column_int(q, 0);
		ox_sqldb_done(q);
		if (rc != SQLITE_ROW)
			return ox_sqldb_dberr(&au->db, "audit append");
		if (any)
			return ox_sqldb_fail(&au->db, OX_AUDIT_ECHAIN,
					     "audit append: the head is missing from a log with entries");
	}
	r->id = head + 1;
	entry_hash(prev, r, hash);
	if (!(q = ox_sqldb_stmt(&au->db, ST_INSERT)))
		return OX_AUDIT_EDB;
	bind_row(q, r, prev, hash);
	if ((rc = sqlite3_step(q)) != SQLITE_DONE) {
		ox_sqldb_done(q);
		if (sqlite3_extended_errcode(au->db.conn) == SQLITE_CONSTRAINT_PRIMARYKEY)
			return ox_sqldb_fail(&au->db, OX_AUDIT_ECHAIN,
					     "audit append: entry %" PRId64 " exists beyond the head", r->id);
		return ox_sqldb_dberr(&au->db, "audit append");
	}
	ox_sqldb_done(q);
	if (!(q = ox_sqldb_stmt(&au->db, ST_SET_HEAD)))
		return OX_AUDIT_EDB;
	sqlite3_bind_int64(q, 1, r->id);
	sqlite3_bind_text(q, 2, hash, 64, SQLITE_STATIC);
	if ((rc = ox_sqldb_run(&au->db, q, "audit head")))
		return rc;
	*id_out = r->id;
	return 0;
}

int ox_audit_append(struct ox_audit *au, const struct ox_audit_entry *e, int64_t *id_out)
{
	struct row r;
	int64_t id = 0;
	int rc = check_entry(au, e, &r);
	if (rc)
		return rc;
	if (!sqlite3_get_autocommit(au->db.conn))
		return ox_sqldb_fail(&au->db, OX_AUDIT_EDB, "audit append: a transaction is already open");
	if ((rc = ox_sqldb_run_id(&au->db, ST_BEGIN)))
		return rc;
	if ((rc = append_tx(au, &r, &id)) || (rc = ox_sqldb_run_id(&au->db, ST_COMMIT)))
		return ox_sqldb_rollback(&au->db, rc);
	if (id_out)
		*id_out = id;
	return 0;
}

int ox_audit_head(struct ox_audit *au, int64_t *id, char hash[OX_AUDIT_HASH_HEX])
{
	bool found;
	int rc = read_head(au, id, hash, &found);
	if (!rc && !found)
		hash[0] = '\0';
	return rc;
}

/* ---- verify ------------------------------------------------------------------------------ */

__attribute__((format(printf, 3, 4))) static int broken(struct ox_audit_report *r, int64_t id, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof r->reason, fmt, ap);
	va_end(ap);
	r->bad_id = id;
	return OX_AUDIT_ECHAIN;
}

static int walk(struct ox_audit *au, struct ox_audit_report *r)
{
	sqlite3_stmt *q = ox_sqldb_stmt(&au->db, ST_WALK);
	if (!q)
		return OX_AUDIT_EDB;
	char prev[OX_AUDIT_HASH_HEX], hash[OX_AUDIT_HASH_HEX];
	memcpy(prev, zero_hex, sizeof prev);
	int64_t last = 0;
	int rc, bad = 0;
	while (!bad && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct row w;
		w.id = sqlite3_column_int64(q, EC_ID);
		w.at = sqlite3_column_int64(q, EC_AT);
#define COL(field, col)                                                        \
	w.field = (const char *)sqlite3_column_text(q, col);                  \
	w.field##_n = (size_t)sqlite3_column_bytes(q, col);                   \
	if (!w.field && col != EC_IDEM)                                        \
		w.field = "";
		COL(actor, EC_ACTOR)
		COL(action, EC_ACTION)
		COL(target, EC_TARGET)
		COL(detail, EC_DETAIL)
		COL(idem, EC_IDEM)
#undef COL
		const char *sprev = (const char *)sqlite3_column_text(q, EC_PREV);
		const char *shash = (const char *)sqlite3_column_text(q, EC_HASH);
		bool prev_ok = sprev && sqlite3_column_bytes(q, EC_PREV) == 64;
		if (w.id != last + 1)
			bad = broken(r, w.id, "gap in ids: entry %" PRId64 " follows entry %" PRId64 " (deleted entries)",
				     w.id, last);
		if (!bad)
			entry_hash(prev_ok ? sprev : zero_hex, &w, hash);
		if (!bad && (!prev_ok || !shash || strcmp(shash, hash) != 0))
			bad = broken(r, w.id, "hash mismatch: the entry's columns do not give its stored hash (edited)");
		if (!bad && memcmp(sprev, prev, 64) != 0)
			bad = broken(r, w.id,
				     "broken link: prev_hash is not the hash of entry %" PRId64 " (entries deleted or reordered)",
				     last);
		if (bad)
			break;
		memcpy(prev, hash, sizeof prev);
		last = w.id;
		r->count++;
		r->head_id = last;
		memcpy(r->head_hash, hash, sizeof hash);
	}
	ox_sqldb_done(q);
	if (bad)
		return bad;
	if (rc != SQLITE_DONE)
		return ox_sqldb_dberr(&au->db, "audit verify");

	int64_t head;
	char head_hash[OX_AUDIT_HASH_HEX];
	bool found;
	if ((rc = read_head(au, &head, head_hash, &found)))
		return rc;
	if (!found && last > 0)
		return broken(r, last, "the head is missing: the end of the log cannot be checked");
	if (head > last)
		return broken(r, last + 1,
			      "entries %" PRId64 "..%" PRId64 " missing at the end: the head says %" PRId64
			      " entries, the chain ends at %" PRId64,
			      last + 1, head, head, last);
	if (head < last)
		return broken(r, head + 1, "entries after the head (%" PRId64 "): written around ordex", head);
	if (found && strcmp(head_hash, prev) != 0)
		return broken(r, last, "the head's hash is not entry %" PRId64 "'s", last);
	return 0;
}

int ox_audit_verify(struct ox_audit *au, struct ox_audit_report *r)
{
	memset(r, 0, sizeof *r);
	int rc = ox_sqldb_run_id(&au->db, ST_BEGIN_READ); /* one snapshot for the chain and the head */
	if (rc)
		return rc;
	rc = walk(au, r);
	ox_sqldb_run_id(&au->db, ST_COMMIT);
	if (rc == OX_AUDIT_ECHAIN)
		ox_sqldb_fail(&au->db, rc, "audit: entry %" PRId64 ": %s", r->bad_id, r->reason);
	return rc;
}

/* ---- query ---------------------------------------------------------------------------------- */

struct parsed {
	unsigned mask;
	int64_t since, until, cursor;
	long limit;
};

static int parse_time(struct ox_audit *au, const char *name, const char *z, int64_t *out)
{
	char qb[72];
	if (!ox_sqldb_parse_time(z, out))
		return ox_sqldb_fail(&au->db, OX_AUDIT_EINVAL,
				     "%s: expected an RFC 3339 time or milliseconds, got \"%s\"", name, quote(qb, z));
	return 0;
}

static int parse_filter(struct ox_audit *au, const struct ox_audit_filter *f, struct parsed *p)
{
	char qb[72];
	memset(p, 0, sizeof *p);
	p->limit = OX_AUDIT_LIMIT_DEFAULT;
	const struct {
		const char *name, *value;
		size_t max;
	} text[] = { { "actor", f->actor, OX_AUDIT_ACTOR_MAX },
		     { "action", f->action, OX_AUDIT_ACTION_MAX },
		     { "target", f->target, OX_AUDIT_TARGET_MAX } };
	for (unsigned i = 0; i < OX_ARRAY_LEN(text); i++)
		if (!ox_sqldb_absent(text[i].value)) {
			if (strlen(text[i].value) > text[i].max)
				return ox_sqldb_fail(&au->db, OX_AUDIT_EINVAL, "%s: longer than %zu bytes",
						     text[i].name, text[i].max);
			p->mask |= 1u << (F_ACTOR + i);
		}
	int rc;
	if (!ox_sqldb_absent(f->since)) {
		if ((rc = parse_time(au, "since", f->since, &p->since)))
			return rc;
		p->mask |= 1u << F_SINCE;
	}
	if (!ox_sqldb_absent(f->until)) {
		if ((rc = parse_time(au, "until", f->until, &p->until)))
			return rc;
		p->mask |= 1u << F_UNTIL;
	}
	if (!ox_sqldb_absent(f->limit)) {
		if (!ox_sqldb_parse_limit(f->limit, OX_AUDIT_LIMIT_MAX, &p->limit))
			return ox_sqldb_fail(&au->db, OX_AUDIT_EINVAL, "limit: expected 1..%d, got \"%s\"",
					     OX_AUDIT_LIMIT_MAX, quote(qb, f->limit));
	}
	if (!ox_sqldb_absent(f->cursor)) {
		if (!ox_sqldb_parse_cursor(f->cursor, &p->cursor))
			return ox_sqldb_fail(&au->db, OX_AUDIT_EINVAL,
					     "cursor: \"%s\" is not a cursor this API returned", quote(qb, f->cursor));
		p->mask |= 1u << F_CURSOR;
	}
	return 0;
}

/* Append one entry of the current row. -1 over out's maximum, -2 when the
 * stored detail is not a JSON object. */
static int entry_json(struct ox_audit *au, sqlite3_stmt *q, struct ox_buf *out, bool first)
{
	const char *detail = (const char *)sqlite3_column_text(q, EC_DETAIL);
	size_t dn = (size_t)sqlite3_column_bytes(q, EC_DETAIL);
	if (!detail || ox_json_parse(&au->json, detail, dn) < 0 || au->json.toks[0].type != OX_JSON_OBJECT)
		return -2;
#define STR(col)                                                                                \
	ox_buf_add_json_str(out, sqlite3_column_text(q, col) ? (const char *)sqlite3_column_text(q, col) : "", \
			    (size_t)sqlite3_column_bytes(q, col))
	if (ox_buf_addf(out, "%s{\"id\":%" PRId64 ",\"at\":", first ? "" : ",",
			(int64_t)sqlite3_column_int64(q, EC_ID)) < 0 ||
	    ox_time_json(out, sqlite3_column_int64(q, EC_AT)) < 0 || ox_buf_addz(out, ",\"actor\":") < 0 ||
	    STR(EC_ACTOR) < 0 || ox_buf_addz(out, ",\"action\":") < 0 || STR(EC_ACTION) < 0 ||
	    ox_buf_addz(out, ",\"target\":") < 0 || STR(EC_TARGET) < 0 || ox_buf_addz(out, ",\"detail\":") < 0 ||
	    ox_buf_add(out, detail, dn) < 0 || ox_buf_addz(out, ",\"hash\":") < 0 || STR(EC_HASH) < 0 ||
	    ox_buf_addz(out, "}") < 0)
		return -1;
#undef STR
	return 0;
}

int ox_audit_query(struct ox_audit *au, const struct ox_audit_filter *f, struct ox_buf *out,
		   char err[OX_AUDIT_ERRSZ])
{
	struct parsed p;
	size_t start = out->len;
	int rc = parse_filter(au, f, &p);
	sqlite3_stmt *q = rc ? NULL : ox_sqldb_list(&au->db, p.mask);
	if (!rc && !q)
		rc = OX_AUDIT_EDB;
	if (rc)
		goto out;
	ox_sqldb_bind_named_text(q, ":actor", f->actor);
	ox_sqldb_bind_named_text(q, ":action", f->action);
	ox_sqldb_bind_named_text(q, ":target", f->target);
	ox_sqldb_bind_named_int(q, ":since", p.since);
	ox_sqldb_bind_named_int(q, ":until", p.until);
	ox_sqldb_bind_named_int(q, ":cursor", p.cursor);
	ox_sqldb_bind_named_int(q, ":limit", p.limit + 1); /* one more tells whether a next page exists */
	long n = 0;
	int64_t last = 0, next = 0;
	if (ox_buf_addz(out, "{\"entries\":[") < 0)
		rc = OX_AUDIT_ETOOBIG;
	while (!rc && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		rc = 0;
		if (n == p.limit) {
			next = last;
			break;
		}
		last = sqlite3_column_int64(q, EC_ID);
		int e = entry_json(au, q, out, n == 0);
		if (e == -2)
			rc = ox_sqldb_fail(&au->db, OX_AUDIT_ECORRUPT,
					   "audit entry %" PRId64 ": detail is not a JSON object", last);
		else if (e < 0)
			rc = OX_AUDIT_ETOOBIG;
		n++;
	}
	if (rc == SQLITE_DONE)
		rc = 0;
	else if (rc > 0)
		rc = ox_sqldb_dberr(&au->db, "audit query");
	ox_sqldb_done(q);
	if (!rc && (next ? ox_buf_addf(out, "],\"next_cursor\":\"%" PRId64 "\"}", next)
			 : ox_buf_addz(out, "],\"next_cursor\":null}")) < 0)
		rc = OX_AUDIT_ETOOBIG;
	if (rc == OX_AUDIT_ETOOBIG)
		ox_sqldb_fail(&au->db, rc, "audit query: result over the buffer's maximum of %zu bytes", out->max);
out:
	if (rc) {
		out->len = start;
		if (out->data)
			out->data[start] = '\0';
		if (err)
			snprintf(err, OX_AUDIT_ERRSZ, "%s", au->db.err);
	}
	return rc;
}

/* store.c - the case store in SQLite (store.h, docs/store.md).
 *
 * Every statement is prepared once, on first use, and takes its values as
 * bound parameters. The list query is assembled from constant fragments only
 * (one per filter present, never a value), so each of its 256 shapes is its
 * own prepared statement with the WHERE clause SQLite can plan an index for.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "json.h"
#include "sqldb.h"
#include "store.h"

#include "mask.h"

/* ---- schema ---------------------------------------------------------------- */

/* Migration i+1. Append only: never edit a row that has shipped. */
static const char *const migrations[] = {
	/* 1: cases and their timelines. seq is the rowid (paging order); the
	 * filter indexes end in it implicitly, so "WHERE x = ? ORDER BY seq
	 * DESC" walks one index range backwards with no sort. */
	"CREATE TABLE cases ("
	" seq INTEGER PRIMARY KEY,"
	" case_id TEXT NOT NULL UNIQUE,"
	" rule TEXT NOT NULL,"
	" category TEXT NOT NULL,"
	" severity INTEGER NOT NULL CHECK (severity BETWEEN 1 AND 4),"
	" team TEXT,"
	" order_id TEXT,"
	" sku TEXT,"
	" grp TEXT,"
	" opened_at INTEGER NOT NULL," /* ms since the epoch */
	" status TEXT NOT NULL CHECK (status IN ('open', 'auto_resolved')),"
	" resolved_at INTEGER,"        /* ms, NULL while open */
	" incident INTEGER,"           /* seq of the INC_BURST case, or NULL */
	" reasons_zh TEXT NOT NULL,"   /* JSON array of strings */
	" reasons_en TEXT NOT NULL,"
	" event_ids TEXT NOT NULL);"
	"CREATE TABLE case_timeline ("
	" case_id TEXT NOT NULL REFERENCES cases (case_id) ON DELETE CASCADE,"
	" n INTEGER NOT NULL," /* 0, 1, ... position in the case's timeline */
	" at INTEGER,"
	" action TEXT NOT NULL,"
	" event_id TEXT,"
	" note TEXT,"
	" PRIMARY KEY (case_id, n)) WITHOUT ROWID;"
	"CREATE INDEX cases_rule ON cases (rule);"
	"CREATE INDEX cases_status ON cases (status);"
	"CREATE INDEX cases_category ON cases (category);"
	"CREATE INDEX cases_severity ON cases (severity);"
	"CREATE INDEX cases_order ON cases (order_id) WHERE order_id IS NOT NULL;"
	"CREATE INDEX cases_sku ON cases (sku) WHERE sku IS NOT NULL;"
	"CREATE INDEX cases_opened ON cases (opened_at);",
	/* 2: named counters of the daemon, e.g. the event-log seq up to which
	 * every case change is in this store (restart replays only the rest). */
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;",
	/* 3: cases are handled by people: the statuses of the case desk, the
	 * assignee, escalation and service-level times, and who did what in
	 * the timeline. The store is a projection of the event log, so the
	 * tables are made anew and forgetting applied_seq has the daemon put
	 * every case again from the log at its next start. */
	"DROP TABLE case_timeline;"
	"DROP TABLE cases;"
	"CREATE TABLE cases ("
	" seq INTEGER PRIMARY KEY,"
	" case_id TEXT NOT NULL UNIQUE,"
	" rule TEXT NOT NULL,"
	" category TEXT NOT NULL,"
	" severity INTEGER NOT NULL CHECK (severity BETWEEN 1 AND 4),"
	" team TEXT,"
	" order_id TEXT,"
	" sku TEXT,"
	" grp TEXT,"
	" opened_at INTEGER NOT NULL,"
	" status TEXT NOT NULL CHECK (status IN ('open', 'acknowledged', 'in_progress',"
	"  'waiting_customer', 'resolved', 'closed', 'auto_resolved')),"
	" resolved_at INTEGER,"
	" incident INTEGER,"
	" reasons_zh TEXT NOT NULL,"
	" reasons_en TEXT NOT NULL,"
	" event_ids TEXT NOT NULL,"
	" assignee TEXT,"
	" esc_level INTEGER NOT NULL DEFAULT 0,"
	" closed_at INTEGER, respond_due INTEGER, resolve_due INTEGER, responded_at INTEGER,"
	" paused_at INTEGER, respond_breached_at INTEGER, resolve_breached_at INTEGER);"
	"CREATE TABLE case_timeline ("
	" case_id TEXT NOT NULL REFERENCES cases (case_id) ON DELETE CASCADE,"
	" n INTEGER NOT NULL,"
	" at INTEGER,"
	" action TEXT NOT NULL,"
	" event_id TEXT,"
	" note TEXT,"
	" actor TEXT,"
	" st_from TEXT,"
	" st_to TEXT,"
	" PRIMARY KEY (case_id, n)) WITHOUT ROWID;"
	"CREATE INDEX cases_rule ON cases (rule);"
	"CREATE INDEX cases_status ON cases (status);"
	"CREATE INDEX cases_category ON cases (category);"
	"CREATE INDEX cases_severity ON cases (severity);"
	"CREATE INDEX cases_team ON cases (team);"
	"CREATE INDEX cases_assignee ON cases (assignee) WHERE assignee IS NOT NULL;"
	"CREATE INDEX cases_order ON cases (order_id) WHERE order_id IS NOT NULL;"
	"CREATE INDEX cases_sku ON cases (sku) WHERE sku IS NOT NULL;"
	"CREATE INDEX cases_opened ON cases (opened_at);"
	"CREATE INDEX cases_breached ON cases (seq) WHERE respond_breached_at IS NOT NULL"
	" OR resolve_breached_at IS NOT NULL;"
	"DELETE FROM meta WHERE key = 'applied_seq';",
	/* 4: the playbook's work on a case: the checklist items ticked (a JSON
	 * array of ids, in tick order) and the resolution a person gave with
	 * its root cause. Cases stored before had neither: NULL reads as none. */
	"ALTER TABLE cases ADD COLUMN checked TEXT;"
	"ALTER TABLE cases ADD COLUMN resolution TEXT;"
	"ALTER TABLE cases ADD COLUMN root_cause TEXT;",
	/* 5: what a case is about, for the reports (docs/reports.md): its
	 * order's channel, shop, province, city, customer, carrier, payment
	 * method and SKUs (a JSON array), captured when it opened, so written
	 * when the row is inserted only (an upsert that set them would rewrite
	 * their index entries on every change of the case). The cases are
	 * emptied and applied_seq forgotten: the next start puts every case
	 * again from the log, with them. */
	"ALTER TABLE cases ADD COLUMN channel TEXT;"
	"ALTER TABLE cases ADD COLUMN shop TEXT;"
	"ALTER TABLE cases ADD COLUMN province TEXT;"
	"ALTER TABLE cases ADD COLUMN city TEXT;"
	"ALTER TABLE cases ADD COLUMN customer_id TEXT;"
	"ALTER TABLE cases ADD COLUMN carrier TEXT;"
	"ALTER TABLE cases ADD COLUMN payment_method TEXT;"
	"ALTER TABLE cases ADD COLUMN skus TEXT;"
	/* and the customer's latest survey answer ("售后回访") */
	"ALTER TABLE cases ADD COLUMN csat_score INTEGER CHECK (csat_score BETWEEN 1 AND 5);"
	"ALTER TABLE cases ADD COLUMN csat_at INTEGER;"
	"ALTER TABLE cases ADD COLUMN csat_comment TEXT;"
	"CREATE INDEX cases_csat ON cases (csat_at) WHERE csat_at IS NOT NULL;"
	"DELETE FROM case_timeline;"
	"DELETE FROM cases;"
	"CREATE INDEX cases_channel ON cases (channel, opened_at) WHERE channel IS NOT NULL;"
	"CREATE INDEX cases_shop ON cases (shop, opened_at) WHERE shop IS NOT NULL;"
	"CREATE INDEX cases_province ON cases (province) WHERE province IS NOT NULL;"
	"CREATE INDEX cases_resolved ON cases (resolved_at) WHERE resolved_at IS NOT NULL;"
	/* and the reports' denominators (counts.h): per metric, event-time hour
	 * (ms), channel, shop and dim ("" when unknown), how many; the counts
	 * of a batch are added in the batch's transaction */
	"CREATE TABLE counts ("
	" metric TEXT NOT NULL, hour INTEGER NOT NULL, channel TEXT NOT NULL, shop TEXT NOT NULL,"
	" dim TEXT NOT NULL, n INTEGER NOT NULL,"
	" PRIMARY KEY (metric, hour, channel, shop, dim)) WITHOUT ROWID;"
	"DELETE FROM meta WHERE key = 'applied_seq';",
	/* 6: the calls on the merchant's systems made for a case (a JSON array
	 * of call objects, docs/actions.md); NULL: none. */
	"ALTER TABLE cases ADD COLUMN calls TEXT;",
	/* 7: the calls again, one row each, for the reports (compensation
	 * spend, automatic outcomes: docs/compensation.md), with the case's
	 * channel, shop and customer. applied_seq is forgotten: the next start
	 * puts every case again from the log, which fills the table. */
	"CREATE TABLE case_calls ("
	" call_id TEXT PRIMARY KEY, case_id TEXT NOT NULL, kind TEXT NOT NULL, state TEXT NOT NULL,"
	" automatic INTEGER NOT NULL, amount INTEGER," /* fen */
	" requested_by TEXT, approved_by TEXT, requested_at INTEGER NOT NULL, done_at INTEGER,"
	" channel TEXT, shop TEXT, customer_id TEXT,"
	" comp_kind TEXT, value INTEGER, team TEXT, waited TEXT, granted_at INTEGER, repeat INTEGER"
	") WITHOUT ROWID;"
	"CREATE INDEX case_calls_requested ON case_calls (requested_at);"
	"CREATE INDEX case_calls_customer ON case_calls (customer_id, requested_at) WHERE comp_kind IS NOT NULL;"
	"CREATE INDEX case_calls_state ON case_calls (state, case_id);"
	"DELETE FROM meta WHERE key = 'applied_seq';",
};

/* The desk's times of a case people see: one column each, named as the
 * field. (When an escalation is told again is the desk's own business, and
 * a replay of the log rebuilds it.) */
#define DESK_TIMES(X)                                                                     \
	X(closed_at) X(respond_due) X(resolve_due) X(responded_at) X(paused_at)           \
	X(respond_breached_at) X(resolve_breached_at)
#define COMMA_NAME(f) ", " #f
#define COMMA_PARAM(f) ", :" #f
#define SET_EXCLUDED(f) ", " #f " = excluded." #f

/* ---- statements -------------------------------------------------------------- */

/* The playbook's columns (migration 4) and the calls (migration 6), after
 * the desk times; then the dimensions (migration 5). */
#define PLAYBOOK_COLS(X) X(checked) X(resolution) X(root_cause) X(calls)
#define DIM_COLS(X) OX_CASE_DIMS(X) X(skus) X(csat_score) X(csat_at) X(csat_comment)
#define CSAT_COLS(X) X(csat_score) X(csat_at) X(csat_comment) /* of DIM_COLS, those that change */
#define ONE(f) +1

/* The upsert's named parameters (after ?18), whose numbers the store looks
 * up once (find_upsert_params): sqlite3_bind_parameter_index compares
 * the names one by one, and by name a stored refusal spent 7 % of the
 * flusher's time finding them. */
#define UPSERT_NAMED(X) DESK_TIMES(X) PLAYBOOK_COLS(X) DIM_COLS(X)
enum upsert_param {
#define X(f) UP_##f,
	UPSERT_NAMED(X)
#undef X
	UP__COUNT
};

static const char *const upsert_names[] = {
#define X(f) ":" #f,
	UPSERT_NAMED(X)
#undef X
};

static const struct {
	enum upsert_param param;
	size_t off;
} desk_times[] = {
#define X(f) { UP_##f, offsetof(struct ox_case, f) },
	DESK_TIMES(X)
#undef X
};

#define CASE_COLS                                                                               \
	"seq, case_id, rule, severity, team, order_id, sku, grp, opened_at, status, resolved_at," \
	" incident, reasons_zh, reasons_en, event_ids, assignee, esc_level"                       \
	DESK_TIMES(COMMA_NAME) PLAYBOOK_COLS(COMMA_NAME) DIM_COLS(COMMA_NAME)
enum { COL_SEQ, COL_ID, COL_RULE, COL_SEV, COL_TEAM, COL_ORDER, COL_SKU, COL_GRP, COL_OPENED,
       COL_STATUS, COL_RESOLVED, COL_INCIDENT, COL_RZH, COL_REN, COL_EVIDS, COL_ASSIGNEE, COL_ESC,
       COL_DESK_TIMES, /* then one per DESK_TIMES, in order */
       COL_CHECKED = COL_DESK_TIMES DESK_TIMES(ONE), COL_RESOLUTION, COL_ROOT_CAUSE, COL_CALLS,
       COL_DIMS, /* then one per OX_CASE_DIMS, in order, and skus */
       COL_SKUS = COL_DIMS OX_CASE_DIMS(ONE), COL_CSAT_SCORE, COL_CSAT_AT, COL_CSAT_COMMENT,
       COL__END /* how many CASE_COLS there are */ };

/* The deadline a case is worked against now, for sort=due: respond until
 * answered, then resolve; finished cases (and any without a due time) last. */
#define DUE_MAX "9223372036854775807"
#define DUE_SQL                                                                                       \
	"(CASE WHEN status IN ('resolved', 'closed', 'auto_resolved') THEN " DUE_MAX " ELSE COALESCE("     \
	"CASE WHEN responded_at IS NULL THEN respond_due ELSE resolve_due END, " DUE_MAX ") END)"
enum { COL_DUE = COL__END }; /* selected after CASE_COLS by the sort=due list */

/* X(name, sql) */
#define STORE_STMTS(X)                                                                             \
	X(BEGIN, "BEGIN IMMEDIATE")                                                                \
	X(COMMIT, "COMMIT")                                                                        \
	X(ROLLBACK, "ROLLBACK")                                                                    \
	X(SAVEPOINT, "SAVEPOINT put")                                                              \
	X(RELEASE, "RELEASE put")                                                                  \
	X(ROLLBACK_TO, "ROLLBACK TO put")                                                          \
	X(UPSERT,                                                                                  \
	  "INSERT INTO cases (seq, case_id, rule, category, severity, team, order_id, sku, grp,"   \
	  " opened_at, status, resolved_at, incident, reasons_zh, reasons_en, event_ids,"          \
	  " assignee, esc_level" DESK_TIMES(COMMA_NAME) PLAYBOOK_COLS(COMMA_NAME)                  \
	  DIM_COLS(COMMA_NAME) ")"                                                                 \
	  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,"        \
	  " ?17, ?18" DESK_TIMES(COMMA_PARAM) PLAYBOOK_COLS(COMMA_PARAM) DIM_COLS(COMMA_PARAM) ")"  \
	  " ON CONFLICT (case_id) DO UPDATE SET rule = excluded.rule,"                             \
	  " category = excluded.category, severity = excluded.severity, team = excluded.team,"     \
	  " order_id = excluded.order_id, sku = excluded.sku, grp = excluded.grp,"                 \
	  " opened_at = excluded.opened_at, status = excluded.status,"                             \
	  " resolved_at = excluded.resolved_at, incident = excluded.incident,"                     \
	  " reasons_zh = excluded.reasons_zh, reasons_en = excluded.reasons_en,"                   \
	  " event_ids = excluded.event_ids, assignee = excluded.assignee,"                         \
	  " esc_level = excluded.esc_level"                                                         \
	  DESK_TIMES(SET_EXCLUDED) PLAYBOOK_COLS(SET_EXCLUDED) CSAT_COLS(SET_EXCLUDED)              \
	  " WHERE seq = excluded.seq") /* a different seq under the same id changes nothing */   \
	/* positions run 0, 1, ... without a gap: the last one + 1 is the count,  \
	 * found in the primary key where count(*) reads an incident's every row */ \
	X(TL_COUNT, "SELECT coalesce(max(n) + 1, 0) FROM case_timeline WHERE case_id = ?1")       \
	X(TL_CUT, "DELETE FROM case_timeline WHERE case_id = ?1 AND n >= ?2")                     \
	X(TL_INSERT,                                                                               \
	  "INSERT INTO case_timeline (case_id, n, at, action, event_id, note, actor, st_from, st_to)" \
	  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")                                          \
	X(GET, "SELECT " CASE_COLS " FROM cases WHERE case_id = ?1")                              \
	X(TL_GET, "SELECT at, action, event_id, note, actor, st_from, st_to FROM case_timeline"   \
		  " WHERE case_id = ?1 ORDER BY n")                                                 \
	X(COUNT_ADD, "INSERT INTO counts (metric, hour, channel, shop, dim, n) VALUES (?1, ?2, ?3, ?4, ?5, ?6)" \
		     " ON CONFLICT (metric, hour, channel, shop, dim) DO UPDATE SET n = n + excluded.n") \
	X(CALL_PUT,                                                                                \
	  "INSERT OR REPLACE INTO case_calls (call_id, case_id, kind, state, automatic, amount,"   \
	  " requested_by, approved_by, requested_at, done_at, channel, shop, customer_id,"          \
	  " comp_kind, value, team, waited, granted_at, repeat)"                                   \
	  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)") \
	X(META_GET, "SELECT value FROM meta WHERE key = ?1")                                      \
	X(META_SET, "INSERT INTO meta (key, value) VALUES (?1, ?2)"                               \
		    " ON CONFLICT (key) DO UPDATE SET value = excluded.value")

enum stmt_id {
#define X(name, sql) ST_##name,
	STORE_STMTS(X)
#undef X
	ST__COUNT
};

static const char *const stmt_sql[] = {
#define X(name, sql) sql,
	STORE_STMTS(X)
#undef X
};

/* The list query: one WHERE fragment per filter, in this order (bit i). */
static const char *const filter_sql[] = {
	"rule = :rule", "status = :status", "category = :category", "severity = :severity",
	"order_id = :order_id", "sku = :sku", "opened_at >= :since", "seq < :cursor",
	"team = :team", "assignee = :assignee",
	"(respond_breached_at IS NOT NULL OR resolve_breached_at IS NOT NULL)",
	/* due soon: still to do, not paused or breached, and less than pct % of
	 * the respond (while unanswered) or resolve time is left */
	"status NOT IN ('resolved', 'closed', 'auto_resolved') AND paused_at IS NULL"
	" AND respond_breached_at IS NULL AND resolve_breached_at IS NULL"
	" AND ((responded_at IS NULL AND (respond_due - :now) * 100 < (respond_due - opened_at) * :pct)"
	" OR (resolve_due - :now) * 100 < (resolve_due - opened_at) * :pct)",
	"channel = :channel", "shop = :shop", "province = :province",
	/* a call of the case in that state (waiting for approval, failed) */
	"case_id IN (SELECT case_id FROM case_calls WHERE state = :call_state)",
};
enum { F_RULE, F_STATUS, F_CATEGORY, F_SEVERITY, F_ORDER, F_SKU, F_SINCE, F_CURSOR, F_TEAM,
       F_ASSIGNEE, F_BREACHED, F_DUE_SOON, F_CHANNEL, F_SHOP, F_PROVINCE, F_CALL_STATE, F__COUNT };

static const struct ox_sqldb_list case_list = {
	.select = "SELECT " CASE_COLS " FROM cases",
	.where = filter_sql,
	.n_where = F__COUNT,
	.tail = " ORDER BY seq DESC LIMIT :limit",
};

/* journal_mode=WAL answers "memory" for ":memory:": fine */
static const char *const pragmas[] = { "PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL",
				       "PRAGMA foreign_keys = ON", NULL };

static const struct ox_sqldb_opts db_opts = {
	.edb = OX_STORE_EDB,
	.eschema = OX_STORE_ESCHEMA,
	.stmts = stmt_sql,
	.n_stmts = ST__COUNT,
	.list = &case_list,
	.migrations = migrations,
	.n_migrations = OX_ARRAY_LEN(migrations),
	.pragmas = pragmas,
	.busy_ms = 5000,
	/* a store (its statements, its scratch) is one thread's at a time:
	 * SQLite's own locking of the connection would only cost */
	.open_flags = SQLITE_OPEN_NOMUTEX,
};

struct ox_store {
	struct ox_sqldb db;
	int upsert[UP__COUNT]; /* the named parameters' numbers; [0] 0: not looked up yet */
	struct ox_buf zh, en, ids, checked, skus, one; /* scratch */
	bool mask;                      /* reads mask personal data */
	struct ox_json json;
};

const char *ox_store_strerror(int err)
{
	static const struct ox_errmsg msgs[] = { OX_STORE_ERRORS(OX_ERRMSG_ROW) };
	return ox_errmsg_find(msgs, OX_ARRAY_LEN(msgs), err);
}

const char *ox_store_errmsg(const struct ox_store *s)
{
	return s->db.err;
}

/* ---- open, migrate, close ------------------------------------------------------ */

int ox_store_open(struct ox_store **out, const char *path, char *err, size_t errsz)
{
	*out = NULL;
	struct ox_store *s = ox_xcalloc(1, sizeof *s);
	ox_buf_init(&s->zh, SIZE_MAX);
	ox_buf_init(&s->en, SIZE_MAX);
	ox_buf_init(&s->ids, SIZE_MAX);
	ox_buf_init(&s->checked, SIZE_MAX);
	ox_buf_init(&s->skus, SIZE_MAX);
	ox_buf_init(&s->one, SIZE_MAX);
	ox_json_init(&s->json, 2);
	int rc = ox_sqldb_open(&s->db, path, &db_opts);
	if (!rc) {
		*out = s;
		return 0;
	}
	if (err && errsz)
		snprintf(err, errsz, "%s: %s", path, s->db.err);
	ox_store_close(s);
	return rc;
}

void ox_store_close(struct ox_store *s)
{
	if (!s)
		return;
	ox_sqldb_close(&s->db);
	ox_buf_release(&s->zh);
	ox_buf_release(&s->en);
	ox_buf_release(&s->ids);
	ox_buf_release(&s->checked);
	ox_buf_release(&s->skus);
	ox_buf_release(&s->one);
	ox_json_release(&s->json);
	free(s);
}

void ox_store_set_masking(struct ox_store *s, bool mask)
{
	s->mask = mask;
}

int ox_store_set_synchronous(struct ox_store *s, bool full)
{
	if (!sqlite3_get_autocommit(s->db.conn))
		return ox_sqldb_fail(&s->db, OX_STORE_ESTATE, "synchronous: inside a transaction");
	return ox_sqldb_exec(&s->db, full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
}

int ox_store_set_bulk_writes(struct ox_store *s)
{
	if (!sqlite3_get_autocommit(s->db.conn))
		return ox_sqldb_fail(&s->db, OX_STORE_ESTATE, "bulk writes: inside a transaction");
	return ox_sqldb_exec(&s->db, "PRAGMA temp_store = MEMORY");
}

int ox_store_set_autocheckpoint(struct ox_store *s, bool on)
{
	if (!sqlite3_get_autocommit(s->db.conn))
		return ox_sqldb_fail(&s->db, OX_STORE_ESTATE, "autocheckpoint: inside a transaction");
	return ox_sqldb_exec(&s->db, on ? "PRAGMA wal_autocheckpoint = 1000" : "PRAGMA wal_autocheckpoint = 0");
}

int ox_store_checkpoint(struct ox_store *s)
{
	return ox_sqldb_exec(&s->db, "PRAGMA wal_checkpoint(PASSIVE)");
}

int ox_store_schema_version(struct ox_store *s, int *v)
{
	return ox_sqldb_version(&s->db, v);
}

int ox_store_meta_get(struct ox_store *s, const char *key, int64_t *value)
{
	sqlite3_stmt *q = ox_sqldb_stmt(&s->db, ST_META_GET);
	if (!q)
		return OX_STORE_EDB;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	int rc = sqlite3_step(q);
	*value = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ox_sqldb_dberr(&s->db, "meta");
}

int ox_store_meta_set(struct ox_store *s, const char *key, int64_t value)
{
	sqlite3_stmt *q = ox_sqldb_stmt(&s->db, ST_META_SET);
	if (!q)
		return OX_STORE_EDB;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, value);
	return ox_sqldb_run(&s->db, q, "meta");
}

/* ---- transactions ---------------------------------------------------------------- */

int ox_store_begin(struct ox_store *s)
{
	if (!sqlite3_get_autocommit(s->db.conn))
		return ox_sqldb_fail(&s->db, OX_STORE_ESTATE, "begin: a transaction is already open");
	return ox_sqldb_run_id(&s->db, ST_BEGIN);
}

int ox_store_commit(struct ox_store *s)
{
	if (sqlite3_get_autocommit(s->db.conn))
		return ox_sqldb_fail(&s->db, OX_STORE_ESTATE, "commit: no transaction is open");
	return ox_sqldb_run_id(&s->db, ST_COMMIT);
}

int ox_store_rollback(struct ox_store *s)
{
	return sqlite3_get_autocommit(s->db.conn) ? 0 : ox_sqldb_run_id(&s->db, ST_ROLLBACK);
}

/* ---- put -------------------------------------------------------------------------- */

static void json_strings(struct ox_buf *b, size_t n, const char *(*get)(const struct ox_case *, size_t),
			 const struct ox_case *c)
{
	ox_buf_reset(b);
	ox_buf_addz(b, "[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			ox_buf_addz(b, ",");
		const char *z = get(c, i);
		ox_buf_add_json_str(b, z, strlen(z));
	}
	ox_buf_addz(b, "]");
}

static const char *get_zh(const struct ox_case *c, size_t i) { return c->reasons[i].zh; }
static const char *get_en(const struct ox_case *c, size_t i) { return c->reasons[i].en; }
static const char *get_id(const struct ox_case *c, size_t i) { return c->event_ids[i]; }
static const char *get_checked(const struct ox_case *c, size_t i) { return c->checked[i]; }
static const char *get_sku(const struct ox_case *c, size_t i) { return c->dims.skus[i]; }

static void bind_money(sqlite3_stmt *q, int i, ox_money m)
{
	if (m >= 0)
		sqlite3_bind_int64(q, i, m);
	else
		sqlite3_bind_null(q, i);
}

/* Each call of the case as a row of case_calls (migration 7). */
static int put_calls(struct ox_store *s, const struct ox_case *c)
{
	for (size_t i = 0; i < c->n_calls; i++) {
		const struct ox_call *k = &c->calls[i];
		sqlite3_stmt *q = ox_sqldb_stmt(&s->db, ST_CALL_PUT);
		if (!q)
			return OX_STORE_EDB;
		bool comp = k->comp >= 0;
		ox_sqldb_bind_text(q, 1, k->id);
		ox_sqldb_bind_text(q, 2, c->id);
		ox_sqldb_bind_text(q, 3, ox_pb_action_name(k->kind));
		ox_sqldb_bind_text(q, 4, ox_call_state_name(k->state));
		sqlite3_bind_int(q, 5, k->automatic);
		bind_money(q, 6, k->amount);
		ox_sqldb_bind_text(q, 7, k->actor[0] ? k->actor : NULL);
		ox_sqldb_bind_text(q, 8, k->approver[0] ? k->approver : NULL);
		ox_sqldb_bind_time(q, 9, k->requested_at);
		ox_sqldb_bind_time(q, 10, k->done_at);
		ox_sqldb_bind_text(q, 11, c->dims.channel);
		ox_sqldb_bind_text(q, 12, c->dims.shop);
		ox_sqldb_bind_text(q, 13, c->dims.customer_id);
		ox_sqldb_bind_text(q, 14, comp ? ox_comp_kind_name((enum ox_comp_kind)k->comp) : NULL);
		bind_money(q, 15, comp ? k->value : -1);
		ox_sqldb_bind_text(q, 16, comp && k->team[0] ? k->team : NULL);
		ox_sqldb_bind_text(q, 17, k->waited ? ox_comp_wait_name((enum ox_comp_wait)k->waited) : NULL);
		ox_sqldb_bind_time(q, 18, comp ? k->granted_at : OX_TIME_NONE);
		if (k->repeat)
			sqlite3_bind_int(q, 19, k->repeat);
		else
			sqlite3_bind_null(q, 19);
		int rc = ox_sqldb_run(&s->db, q, "put call");
		if (rc)
			return rc;
	}
	return 0;
}

static void find_upsert_params(struct ox_store *s, sqlite3_stmt *q)
{
	for (size_t i = 0; i < UP__COUNT; i++)
		s->upsert[i] = sqlite3_bind_parameter_index(q, upsert_names[i]);
}

static int put_rows(struct ox_store *s, const struct ox_case *c, const char *team)
{
	const struct ox_rule_info *ri = ox_rule_info(c->rule);
	sqlite3_stmt *q = ox_sqldb_stmt(&s->db, ST_UPSERT);
	if (!q)
		return OX_STORE_EDB;
	if (!s->upsert[0])
		find_upsert_params(s, q);
	const int *up = s->upsert;
	json_strings(&s->zh, c->n_reasons, get_zh, c);
	json_strings(&s->en, c->n_reasons, get_en, c);
	json_strings(&s->ids, c->n_event_ids, get_id, c);
	json_strings(&s->checked, c->n_checked, get_checked, c);
	json_strings(&s->skus, c->dims.n_skus, get_sku, c);
	sqlite3_bind_int64(q, 1, (sqlite3_int64)c->seq);
	ox_sqldb_bind_text(q, 2, c->id);
	ox_sqldb_bind_text(q, 3, ri->code);
	ox_sqldb_bind_text(q, 4, ri->category);
	sqlite3_bind_int(q, 5, c->severity);
	ox_sqldb_bind_text(q, 6, team);
	ox_sqldb_bind_text(q, 7, ri->key == OX_KEY_ORDER ? c->key : NULL);
	ox_sqldb_bind_text(q, 8, ri->key == OX_KEY_SKU ? c->key : NULL);
	ox_sqldb_bind_text(q, 9, ri->key == OX_KEY_GROUP ? c->key : NULL);
	ox_sqldb_bind_time(q, 10, c->opened_at);
	ox_sqldb_bind_text(q, 11, ox_case_status_name(c->status));
	ox_sqldb_bind_time(q, 12, c->resolved_at);
	if (c->incident_seq)
		sqlite3_bind_int64(q, 13, (sqlite3_int64)c->incident_seq);
	else
		sqlite3_bind_null(q, 13);
	ox_sqldb_bind_text(q, 14, s->zh.data);
	ox_sqldb_bind_text(q, 15, s->en.data);
	ox_sqldb_bind_text(q, 16, s->ids.data);
	ox_sqldb_bind_text(q, 17, c->assignee[0] ? c->assignee : NULL);
	sqlite3_bind_int(q, 18, c->esc_level);
	for (size_t i = 0; i < OX_ARRAY_LEN(desk_times); i++)
		ox_sqldb_bind_time(q, up[desk_times[i].param], *(const ox_time *)((const char *)c + desk_times[i].off));
	ox_sqldb_bind_text(q, up[UP_checked], s->checked.data);
	ox_sqldb_bind_text(q, up[UP_resolution], c->resolution[0] ? c->resolution : NULL);
	ox_sqldb_bind_text(q, up[UP_root_cause], c->root_cause[0] ? c->root_cause : NULL);
#define X(f) ox_sqldb_bind_text(q, up[UP_##f], c->dims.f);
	OX_CASE_DIMS(X)
#undef X
	ox_sqldb_bind_text(q, up[UP_skus], s->skus.data);
	if (c->csat_score)
		sqlite3_bind_int(q, up[UP_csat_score], c->csat_score);
	else
		sqlite3_bind_null(q, up[UP_csat_score]);
	ox_sqldb_bind_time(q, up[UP_csat_at], c->csat_score ? c->csat_at : OX_TIME_NONE);
	ox_sqldb_bind_text(q, up[UP_csat_comment], c->csat_comment);
	ox_buf_reset(&s->one);
	for (size_t i = 0; i < c->n_calls; i++) {
		ox_buf_addz(&s->one, i ? "," : "[");
		ox_call_json(&c->calls[i], &s->one);
	}
	if (c->n_calls)
		ox_buf_addz(&s->one, "]");
	ox_sqldb_bind_text(q, up[UP_calls], c->n_calls ? s->one.data : NULL);
	int rc = ox_sqldb_run(&s->db, q, "put case");
	if (rc)
		return rc;
	if (sqlite3_changes(s->db.conn) == 0)
		return ox_sqldb_fail(&s->db, OX_STORE_EINVAL,
				     "put case: \"%s\" is stored with another seq than %" PRIu64, c->id, c->seq);

	if ((rc = put_calls(s, c)))
		return rc;

	/* the timeline: entries the store has are the engine's first ones; a
	 * copy may hold only the last ones (timeline_from), the rest stored */
	if (!(q = ox_sqldb_stmt(&s->db, ST_TL_COUNT)))
		return OX_STORE_EDB;
	ox_sqldb_bind_text(q, 1, c->id);
	rc = sqlite3_step(q);
	size_t have = rc == SQLITE_ROW ? (size_t)sqlite3_column_int64(q, 0) : 0;
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	if (rc != SQLITE_ROW)
		return ox_sqldb_dberr(&s->db, "put timeline");
	size_t from = c->timeline_from, end = from + c->n_timeline;
	if (have < from)
		return ox_sqldb_fail(&s->db, OX_STORE_EINVAL,
				     "put case: \"%s\" brings timeline entries from %zu on, the store has %zu", c->id,
				     from, have);
	if (have > end) { /* the case is older than the store's: follow the case */
		if (!(q = ox_sqldb_stmt(&s->db, ST_TL_CUT)))
			return OX_STORE_EDB;
		ox_sqldb_bind_text(q, 1, c->id);
		sqlite3_bind_int64(q, 2, (sqlite3_int64)end);
		if ((rc = ox_sqldb_run(&s->db, q, "put timeline")))
			return rc;
		have = end;
	}
	if (!(q = ox_sqldb_stmt(&s->db, ST_TL_INSERT)))
		return OX_STORE_EDB;
	for (size_t i = have; i < end; i++) {
		const struct ox_timeline_entry *t = &c->timeline[i - from];
		ox_sqldb_bind_text(q, 1, c->id);
		sqlite3_bind_int64(q, 2, (sqlite3_int64)i);
		ox_sqldb_bind_time(q, 3, t->at);
		ox_sqldb_bind_text(q, 4, ox_case_action_name(t->action));
		ox_sqldb_bind_text(q, 5, t->event_id);
		ox_sqldb_bind_text(q, 6, t->note);
		ox_sqldb_bind_text(q, 7, t->actor);
		ox_sqldb_bind_text(q, 8, t->from >= 0 ? ox_case_status_name(t->from) : NULL);
		ox_sqldb_bind_text(q, 9, t->to >= 0 ? ox_case_status_name(t->to) : NULL);
		if ((rc = ox_sqldb_run(&s->db, q, "put timeline")))
			return rc;
	}
	return 0;
}

int ox_store_put_case(struct ox_store *s, const struct ox_case *c, const char *team)
{
	if (c->rule >= OX_R__COUNT || c->severity < 1 || c->severity > 4 || !c->key)
		return ox_sqldb_fail(&s->db, OX_STORE_EINVAL, "put case: \"%s\" is not a valid case", c->id);
	int rc = ox_sqldb_run_id(&s->db, ST_SAVEPOINT);
	if (rc)
		return rc;
	rc = put_rows(s, c, team);
	if (rc) {
		char keep[OX_STORE_ERRSZ]; /* the rollback must not hide why */
		memcpy(keep, s->db.err, sizeof keep);
		ox_sqldb_run_id(&s->db, ST_ROLLBACK_TO);
		ox_sqldb_run_id(&s->db, ST_RELEASE);
		memcpy(s->db.err, keep, sizeof keep);
		return rc;
	}
	return ox_sqldb_run_id(&s->db, ST_RELEASE);
}

struct sqlite3 *ox_store_conn(struct ox_store *s)
{
	return s->db.conn;
}

int ox_store_add_counts(struct ox_store *s, const struct ox_count *v, size_t n)
{
	sqlite3_stmt *q = ox_sqldb_stmt(&s->db, ST_COUNT_ADD);
	if (!q)
		return OX_STORE_EDB;
	for (size_t i = 0; i < n; i++) {
		ox_sqldb_bind_text(q, 1, ox_count_metric_name(v[i].metric));
		sqlite3_bind_int64(q, 2, v[i].hour);
		sqlite3_bind_text(q, 3, v[i].channel, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 4, v[i].shop, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 5, v[i].dim, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 6, v[i].n);
		int rc = ox_sqldb_run(&s->db, q, "add counts");
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- read ------------------------------------------------------------------------- */

static char *col_strdup(sqlite3_stmt *q, int col)
{
	const unsigned char *z = sqlite3_column_text(q, col);
	return z ? ox_xstrndup((const char *)z, (size_t)sqlite3_column_bytes(q, col)) : NULL;
}

static void col_copy(sqlite3_stmt *q, int col, char *dst, size_t size)
{
	const unsigned char *z = sqlite3_column_text(q, col);
	snprintf(dst, size, "%s", z ? (const char *)z : "");
}

/* A status column: its enum value, or -1 (NULL or unknown). */
static int col_status(sqlite3_stmt *q, int col)
{
	const unsigned char *z = sqlite3_column_text(q, col);
	return z ? ox_case_status_parse((const char *)z, (size_t)sqlite3_column_bytes(q, col)) : -1;
}

/* Parse a stored JSON array of strings into n fresh copies (*out). */
static int parse_strings(struct ox_store *s, sqlite3_stmt *q, int col, char ***out, size_t *n)
{
	const char *z = (const char *)sqlite3_column_text(q, col);
	*out = NULL;
	*n = 0;
	if (!z || ox_json_parse(&s->json, z, (size_t)sqlite3_column_bytes(q, col)) < 0 ||
	    s->json.toks[0].type != OX_JSON_ARRAY)
		return -1;
	*n = s->json.toks[0].size;
	*out = ox_xcalloc(*n ? *n : 1, sizeof **out);
	for (size_t i = 0; i < *n; i++) {
		const struct ox_json_tok *t = &s->json.toks[1 + i];
		if (t->type != OX_JSON_STRING || (t->flags & OX_JSON_F_NUL))
			return -1;
		(*out)[i] = ox_xstrndup(t->s, t->len);
	}
	return 0;
}

static void free_strings(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int row_to_case(struct ox_store *s, sqlite3_stmt *q, struct ox_case *c)
{
	memset(c, 0, sizeof *c);
	const char *id = (const char *)sqlite3_column_text(q, COL_ID);
	const char *rule = (const char *)sqlite3_column_text(q, COL_RULE);
	const char *status = (const char *)sqlite3_column_text(q, COL_STATUS);
	int r = rule ? ox_rule_by_code(rule, strlen(rule)) : -1;
	if (!id || strlen(id) >= sizeof c->id || r < 0 || !status)
		return ox_sqldb_fail(&s->db, OX_STORE_ECORRUPT, "case seq %lld: bad id, rule or status",
				     (long long)sqlite3_column_int64(q, COL_SEQ));
	snprintf(c->id, sizeof c->id, "%s", id);
	c->seq = (uint64_t)sqlite3_column_int64(q, COL_SEQ);
	c->rule = (enum ox_rule)r;
	c->severity = sqlite3_column_int(q, COL_SEV);
	int st = ox_case_status_parse(status, strlen(status));
	if (st < 0)
		return ox_sqldb_fail(&s->db, OX_STORE_ECORRUPT, "case \"%s\": status \"%s\" unknown", id, status);
	c->status = (enum ox_case_status)st;
	int kc = ox_rule_info(c->rule)->key == OX_KEY_ORDER ? COL_ORDER
		 : ox_rule_info(c->rule)->key == OX_KEY_SKU ? COL_SKU
							     : COL_GRP;
	c->key = col_strdup(q, kc);
	c->opened_at = sqlite3_column_int64(q, COL_OPENED);
	c->resolved_at = ox_sqldb_col_time(q, COL_RESOLVED);
	c->incident_seq = (uint64_t)sqlite3_column_int64(q, COL_INCIDENT); /* NULL reads 0 */
	col_copy(q, COL_TEAM, c->team, sizeof c->team);
	col_copy(q, COL_ASSIGNEE, c->assignee, sizeof c->assignee);
	c->esc_level = sqlite3_column_int(q, COL_ESC);
	for (size_t i = 0; i < OX_ARRAY_LEN(desk_times); i++)
		*(ox_time *)((char *)c + desk_times[i].off) = ox_sqldb_col_time(q, COL_DESK_TIMES + (int)i);
	col_copy(q, COL_RESOLUTION, c->resolution, sizeof c->resolution);
	col_copy(q, COL_ROOT_CAUSE, c->root_cause, sizeof c->root_cause);
	int col = COL_DIMS;
#define X(f) c->dims.f = col_strdup(q, col++);
	OX_CASE_DIMS(X)
#undef X
	int score = sqlite3_column_int(q, COL_CSAT_SCORE); /* NULL reads 0: none */
	c->csat_score = score >= 1 && score <= 5 ? (uint8_t)score : 0;
	c->csat_at = ox_sqldb_col_time(q, COL_CSAT_AT);
	c->csat_comment = col_strdup(q, COL_CSAT_COMMENT);
	c->calls_json = col_strdup(q, COL_CALLS); /* NULL: none (or stored before migration 6) */

	char **zh = NULL, **en = NULL;
	size_t nzh = 0, nen = 0;
	int bad = !c->key || parse_strings(s, q, COL_RZH, &zh, &nzh) < 0 ||
		  parse_strings(s, q, COL_REN, &en, &nen) < 0 || nzh != nen ||
		  parse_strings(s, q, COL_EVIDS, &c->event_ids, &c->n_event_ids) < 0 ||
		  (sqlite3_column_type(q, COL_CHECKED) != SQLITE_NULL && /* NULL: stored before migration 4 */
		   parse_strings(s, q, COL_CHECKED, &c->checked, &c->n_checked) < 0) ||
		  (sqlite3_column_type(q, COL_SKUS) != SQLITE_NULL && /* NULL: stored before migration 5 */
		   parse_strings(s, q, COL_SKUS, &c->dims.skus, &c->dims.n_skus) < 0);
	if (!bad && nzh) {
		c->reasons = ox_xcalloc(nzh, sizeof *c->reasons);
		for (size_t i = 0; i < nzh; i++) {
			c->reasons[i].zh = zh[i];
			c->reasons[i].en = en[i];
		}
		c->n_reasons = c->cap_reasons = nzh;
		free(zh);
		free(en);
	} else {
		free_strings(zh, nzh);
		free_strings(en, nen);
	}
	c->cap_event_ids = c->n_event_ids;
	c->cap_checked = c->n_checked;
	if (bad) {
		ox_case_release(c);
		return ox_sqldb_fail(&s->db, OX_STORE_ECORRUPT, "case \"%s\": bad key, reasons, event_ids, checked or skus",
				     id);
	}
	return 0;
}

static int load_timeline(struct ox_store *s, struct ox_case *c)
{
	sqlite3_stmt *q = ox_sqldb_stmt(&s->db, ST_TL_GET);
	if (!q)
		return OX_STORE_EDB;
	ox_sqldb_bind_text(q, 1, c->id);
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const char *action = (const char *)sqlite3_column_text(q, 1);
		int a = -1;
		for (int i = 0; action && i < OX_ACT__COUNT; i++)
			if (strcmp(action, ox_case_action_name((enum ox_case_action)i)) == 0)
				a = i;
		if (a < 0) {
			sqlite3_reset(q);
			sqlite3_clear_bindings(q);
			return ox_sqldb_fail(&s->db, OX_STORE_ECORRUPT, "case \"%s\": timeline action \"%s\" unknown",
					     c->id, action ? action : "");
		}
		OX_GROW(c->timeline, c->cap_timeline, c->n_timeline + 1);
		struct ox_timeline_entry *t = &c->timeline[c->n_timeline++];
		t->at = ox_sqldb_col_time(q, 0);
		t->action = (enum ox_case_action)a;
		t->event_id = col_strdup(q, 2);
		t->note = col_strdup(q, 3);
		t->actor = col_strdup(q, 4);
		t->from = (int8_t)col_status(q, 5);
		t->to = (int8_t)col_status(q, 6);
	}
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	return rc == SQLITE_DONE ? 0 : ox_sqldb_dberr(&s->db, "get timeline");
}

/* ox_case_to_json() of a case with no timeline ends with this; lists cut it */
static const char no_timeline[] = ",\"timeline\":[]}";

/* Render c (and its team from the row) into s->one. */
/* Replace *z by its masked copy (mask.h: phone numbers in free text). */
static void mask_text(char **z, struct ox_buf *tmp)
{
	if (!*z)
		return;
	ox_buf_reset(tmp);
	ox_mask_text(*z, strlen(*z), tmp);
	free(*z);
	*z = ox_xstrndup(tmp->data ? tmp->data : "", tmp->len);
}

/* The words people, rules and customers wrote may quote a phone. */
static void mask_case(struct ox_store *s, struct ox_case *c)
{
	for (size_t i = 0; i < c->n_reasons; i++) {
		mask_text(&c->reasons[i].zh, &s->zh);
		mask_text(&c->reasons[i].en, &s->zh);
	}
	for (size_t i = 0; i < c->n_timeline; i++)
		mask_text(&c->timeline[i].note, &s->zh);
	mask_text(&c->csat_comment, &s->zh); /* the customer's own words */
	if (c->calls_json) { /* a call's params and answer hold phones, names, addresses */
		ox_buf_reset(&s->zh);
		if (ox_call_json_mask(c->calls_json, strlen(c->calls_json), &s->zh) == 0) {
			free(c->calls_json);
			c->calls_json = ox_xstrndup(s->zh.data ? s->zh.data : "", s->zh.len);
		} else {
			mask_text(&c->calls_json, &s->zh);
		}
	}
}

static void render(struct ox_store *s, sqlite3_stmt *q, struct ox_case *c, bool with_timeline)
{
	if (s->mask)
		mask_case(s, c);
	ox_buf_reset(&s->one);
	ox_case_to_json(c, (const char *)sqlite3_column_text(q, COL_TEAM), &s->one);
	size_t n = sizeof no_timeline - 1;
	if (!with_timeline && s->one.len >= n && memcmp(s->one.data + s->one.len - n, no_timeline, n) == 0) {
		s->one.len -= n - 1;
		s->one.data[s->one.len - 1] = '}';
		s->one.data[s->one.len] = '\0';
	}
}

int ox_store_get(struct ox_store *s, const char *case_id, struct ox_buf *out)
{
	sqlite3_stmt *q = ox_sqldb_stmt(&s->db, ST_GET);
	if (!q)
		return OX_STORE_EDB;
	ox_sqldb_bind_text(q, 1, case_id);
	int rc = sqlite3_step(q);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(q);
		sqlite3_clear_bindings(q);
		return rc == SQLITE_DONE ? ox_sqldb_fail(&s->db, OX_STORE_ENOTFOUND, "case \"%.64s\": not found",
							 case_id)
					 : ox_sqldb_dberr(&s->db, "get case");
	}
	struct ox_case c;
	if (!(rc = row_to_case(s, q, &c))) {
		if (!(rc = load_timeline(s, &c))) {
			render(s, q, &c, true);
			if (ox_buf_add(out, s->one.data, s->one.len) < 0)
				rc = ox_sqldb_fail(&s->db, OX_STORE_ETOOBIG,
						   "case \"%s\": %zu bytes over the buffer's maximum", c.id,
						   s->one.len);
		}
		ox_case_release(&c);
	}
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	return rc;
}

int ox_store_get_case(struct ox_store *s, const char *case_id, struct ox_case *c)
{
	memset(c, 0, sizeof *c);
	sqlite3_stmt *q = ox_sqldb_stmt(&s->db, ST_GET);
	if (!q)
		return OX_STORE_EDB;
	ox_sqldb_bind_text(q, 1, case_id);
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		rc = row_to_case(s, q, c);
	else
		rc = rc == SQLITE_DONE ? ox_sqldb_fail(&s->db, OX_STORE_ENOTFOUND, "case \"%.64s\": not found", case_id)
				       : ox_sqldb_dberr(&s->db, "get case");
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	return rc;
}

/* ---- query ------------------------------------------------------------------------- */

static bool known_category(const char *z)
{
	for (int r = 0; r < OX_R__COUNT; r++)
		if (strcmp(ox_rule_info((enum ox_rule)r)->category, z) == 0)
			return true;
	return false;
}

struct parsed {
	unsigned mask;
	int severity;
	int64_t since, cursor;
	long limit;
	bool due;             /* sort=due */
	bool due_cursor;      /* with a cursor "DUE.SEQ" (cur_due, cursor) */
	int64_t cur_due;
};

/* A sort=due cursor: "DUE.SEQ", two numbers this API wrote. */
static bool parse_due_cursor(const char *z, int64_t *due, int64_t *seq)
{
	char *end;
	if (!isdigit((unsigned char)z[0]) || strlen(z) > 40)
		return false;
	errno = 0;
	long long d = strtoll(z, &end, 10);
	if (errno || *end != '.' || !isdigit((unsigned char)end[1]))
		return false;
	long long q = strtoll(end + 1, &end, 10);
	if (errno || *end || q < 1)
		return false;
	*due = d;
	*seq = q;
	return true;
}

/* Validate the filter; messages quote what the client sent (cut short). */
static int parse_filter(struct ox_store *s, const struct ox_case_filter *f, struct parsed *p)
{
	memset(p, 0, sizeof *p);
	p->limit = OX_STORE_LIMIT_DEFAULT;
	if (!ox_sqldb_absent(f->rule)) {
		if (ox_rule_by_code(f->rule, strlen(f->rule)) < 0)
			return ox_sqldb_fail(&s->db, OX_STORE_EINVAL, "rule: unknown rule \"%.64s\"", f->rule);
		p->mask |= 1u << F_RULE;
	}
	if (!ox_sqldb_absent(f->status)) {
		if (ox_case_status_parse(f->status, strlen(f->status)) < 0)
			return ox_sqldb_fail(&s->db, OX_STORE_EINVAL,
					     "status: expected open, acknowledged, in_progress, waiting_customer,"
					     " resolved, closed or auto_resolved, got \"%.64s\"", f->status);
		p->mask |= 1u << F_STATUS;
	}
	if (!ox_sqldb_absent(f->team)) {
		if (strlen(f->team) >= OX_NAME_MAX)
			return ox_sqldb_fail(&s->db, OX_STORE_EINVAL, "team: longer than %d bytes", OX_NAME_MAX - 1);
		p->mask |= 1u << F_TEAM;
	}
	if (!ox_sqldb_absent(f->assignee)) {
		if (strlen(f->assignee) >= OX_NAME_MAX)
			return ox_sqldb_fail(&s->db, OX_STORE_EINVAL, "assignee: longer than %d bytes",
					     OX_NAME_MAX - 1);
		p->mask |= 1u << F_ASSIGNEE;
	}
	if (!ox_sqldb_absent(f->sla)) {
		if (strcmp(f->sla, "breached") == 0)
			p->mask |= 1u << F_BREACHED;
		else if (strcmp(f->sla, "due_soon") == 0)
			p->mask |= 1u << F_DUE_SOON;
		else
			return ox_sqldb_fail(&s->db, OX_STORE_EINVAL,
					     "sla: expected breached or due_soon, got \"%.64s\"", f->sla);
	}
	if (!ox_sqldb_absent(f->category)) {
		if (!known_category(f->category))
			return ox_sqldb_fail(&s->db, OX_STORE_EINVAL, "category: unknown category \"%.64s\"",
					     f->category);
		p->mask |= 1u << F_CATEGORY;
	}
	if (!ox_sqldb_absent(f->severity)) {
		const char *v = f->severity;
		if (!(v[0] == 'P' && v[1] >= '1' && v[1] <= '4' && v[2] == '\0'))
			return ox_sqldb_fail(&s->db, OX_STORE_EINVAL, "severity: expected P1..P4, got \"%.64s\"", v);
		p->severity = v[1] - '0';
		p->mask |= 1u << F_SEVERITY;
	}
	if (!ox_sqldb_absent(f->order_id)) {
		if (strlen(f->order_id) > OX_STORE_TEXT_MAX)
			return ox_sqldb_fail(&s->db, OX_STORE_EINVAL, "order_id: longer than %d bytes",
					     OX_STORE_TEXT_MAX);
		p->mask |= 1u << F_ORDER;
	}
	if (!ox_sqldb_absent(f->sku)) {
		if (strlen(f->sku) > OX_STORE_TEXT_MAX)
			return ox_sqldb_fail(&s->db, OX_STORE_EINVAL, "sku: longer than %d bytes", OX_STORE_TEXT_MAX);
		p->mask |= 1u << F_SKU;
	}
	const struct {
		const char *v, *name;
		int bit;
	} dims[] = { { f->channel, "channel", F_CHANNEL }, { f->shop, "shop", F_SHOP },
		     { f->province, "province", F_PROVINCE } };
	for (size_t i = 0; i < OX_ARRAY_LEN(dims); i++) {
		if (ox_sqldb_absent(dims[i].v))
			continue;
		if (strlen(dims[i].v) > OX_STORE_TEXT_MAX)
			return ox_sqldb_fail(&s->db, OX_STORE_EINVAL, "%s: longer than %d bytes", dims[i].name,
					     OX_STORE_TEXT_MAX);
		p->mask |= 1u << dims[i].bit;
	}
	if (!ox_sqldb_absent(f->call_state)) {
		if (ox_call_state_parse(f->call_state, strlen(f->call_state)) < 0)
			return ox_sqldb_fail(&s->db, OX_STORE_EINVAL,
					     "call_state: expected awaiting_approval, requested, running, succeeded, failed"
					     " or rejected, got \"%.64s\"", f->call_state);
		p->mask |= 1u << F_CALL_STATE;
	}
	if (!ox_sqldb_absent(f->since)) {
		if (!ox_sqldb_parse_time(f->since, &p->since))
			return ox_sqldb_fail(&s->db, OX_STORE_EINVAL,
					     "since: expected an RFC 3339 time or milliseconds, got \"%.64s\"",
					     f->since);
		p->mask |= 1u << F_SINCE;
	}
	if (!ox_sqldb_absent(f->limit)) {
		if (!ox_sqldb_parse_limit(f->limit, OX_STORE_LIMIT_MAX, &p->limit))
			return ox_sqldb_fail(&s->db, OX_STORE_EINVAL, "limit: expected 1..%d, got \"%.64s\"",
					     OX_STORE_LIMIT_MAX, f->limit);
	}
	if (!ox_sqldb_absent(f->sort)) {
		if (strcmp(f->sort, "due") == 0)
			p->due = true;
		else if (strcmp(f->sort, "new") != 0)
			return ox_sqldb_fail(&s->db, OX_STORE_EINVAL, "sort: expected new or due, got \"%.64s\"",
					     f->sort);
	}
	if (!ox_sqldb_absent(f->cursor)) {
		bool ok = p->due ? (p->due_cursor = parse_due_cursor(f->cursor, &p->cur_due, &p->cursor))
				 : ox_sqldb_parse_cursor(f->cursor, &p->cursor); /* a seq */
		if (!ok)
			return ox_sqldb_fail(&s->db, OX_STORE_EINVAL,
					     "cursor: \"%.64s\" is not a cursor this API returned", f->cursor);
		if (!p->due)
			p->mask |= 1u << F_CURSOR;
	}
	return 0;
}

/* The result did not fit out's maximum: out back to its first start bytes. */
static int too_big(struct ox_store *s, struct ox_buf *out, size_t start, char err[OX_STORE_ERRSZ])
{
	ox_sqldb_fail(&s->db, OX_STORE_ETOOBIG, "query cases: result over the buffer's maximum of %zu bytes", out->max);
	if (err)
		snprintf(err, OX_STORE_ERRSZ, "%s", s->db.err);
	out->len = start;
	if (out->data)
		out->data[start] = '\0';
	return OX_STORE_ETOOBIG;
}

/* Bind the filter's values to the parameters q has. */
static void bind_filter(sqlite3_stmt *q, const struct ox_case_filter *f, const struct parsed *p)
{
	ox_sqldb_bind_named_text(q, ":rule", f->rule);
	ox_sqldb_bind_named_text(q, ":status", f->status);
	ox_sqldb_bind_named_text(q, ":category", f->category);
	ox_sqldb_bind_named_int(q, ":severity", p->severity);
	ox_sqldb_bind_named_text(q, ":order_id", f->order_id);
	ox_sqldb_bind_named_text(q, ":sku", f->sku);
	ox_sqldb_bind_named_int(q, ":since", p->since);
	ox_sqldb_bind_named_int(q, ":cursor", p->cursor);
	ox_sqldb_bind_named_text(q, ":team", f->team);
	ox_sqldb_bind_named_text(q, ":assignee", f->assignee);
	ox_sqldb_bind_named_text(q, ":channel", f->channel);
	ox_sqldb_bind_named_text(q, ":shop", f->shop);
	ox_sqldb_bind_named_text(q, ":province", f->province);
	ox_sqldb_bind_named_text(q, ":call_state", f->call_state);
	ox_sqldb_bind_named_int(q, ":now", f->now);
	ox_sqldb_bind_named_int(q, ":pct", f->due_soon_pct);
}

/* SELECT what ... WHERE (the filters of mask) [AND also] tail, from the
 * constant fragments only (as ox_sqldb_list()), prepared for one use. */
static sqlite3_stmt *prepare_filtered(struct ox_store *s, const char *what, unsigned mask, const char *also,
				      const char *tail)
{
	struct ox_buf sql;
	ox_buf_init(&sql, SIZE_MAX);
	ox_buf_addz(&sql, what);
	const char *sep = " WHERE ";
	for (unsigned i = 0; i < F__COUNT; i++)
		if (mask & (1u << i)) {
			ox_buf_addz(&sql, sep);
			ox_buf_addz(&sql, filter_sql[i]);
			sep = " AND ";
		}
	if (also) {
		ox_buf_addz(&sql, sep);
		ox_buf_addz(&sql, also);
	}
	ox_buf_addz(&sql, tail);
	sqlite3_stmt *q = NULL;
	if (sqlite3_prepare_v2(s->db.conn, sql.data, -1, &q, NULL) != SQLITE_OK)
		ox_sqldb_dberr(&s->db, "query cases");
	ox_buf_release(&sql);
	return q;
}

/* The sort=due list: by the deadline, then seq; its cursor is the last
 * row's "DUE.SEQ". Not cached: a list sorted so is asked for rarely. */
static sqlite3_stmt *due_list(struct ox_store *s, const struct parsed *p)
{
	sqlite3_stmt *q = prepare_filtered(s, "SELECT " CASE_COLS ", " DUE_SQL " FROM cases", p->mask,
					   p->due_cursor ? "(" DUE_SQL " > :cdue OR (" DUE_SQL " = :cdue AND seq > :cseq))" : NULL,
					   " ORDER BY " DUE_SQL ", seq LIMIT :limit");
	if (q && p->due_cursor) {
		ox_sqldb_bind_named_int(q, ":cdue", p->cur_due);
		ox_sqldb_bind_named_int(q, ":cseq", p->cursor);
	}
	return q;
}

/* Append the matching cases as a JSON array; next gets the cursor of the
 * next page when there is one, else "". On error out is unchanged. */
static int query_array(struct ox_store *s, const struct ox_case_filter *f, struct ox_buf *out,
		       char err[OX_STORE_ERRSZ], char next[48])
{
	struct parsed p;
	size_t start = out->len;
	next[0] = '\0';
	int rc = parse_filter(s, f, &p);
	sqlite3_stmt *q = rc ? NULL : p.due ? due_list(s, &p) : ox_sqldb_list(&s->db, p.mask);
	if (!rc && !q)
		rc = OX_STORE_EDB;
	if (rc)
		goto done;
	bind_filter(q, f, &p);
	ox_sqldb_bind_named_int(q, ":limit", p.limit + 1); /* one more tells whether a next page exists */

	long n = 0;
	char last[48] = "";
	if (ox_buf_addz(out, "[") < 0)
		rc = OX_STORE_ETOOBIG;
	while (!rc && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		rc = 0;
		if (n == p.limit) {
			memcpy(next, last, sizeof last);
			break;
		}
		struct ox_case c;
		if ((rc = row_to_case(s, q, &c)))
			break;
		render(s, q, &c, false);
		if (p.due)
			snprintf(last, sizeof last, "%lld.%" PRIu64, (long long)sqlite3_column_int64(q, COL_DUE), c.seq);
		else
			snprintf(last, sizeof last, "%" PRIu64, c.seq);
		ox_case_release(&c);
		if ((n && ox_buf_addz(out, ",") < 0) || ox_buf_add(out, s->one.data, s->one.len) < 0)
			rc = OX_STORE_ETOOBIG;
		n++;
	}
	if (rc == SQLITE_DONE)
		rc = 0;
	else if (rc > 0)
		rc = ox_sqldb_dberr(&s->db, "query cases");
	if (p.due) {
		sqlite3_finalize(q);
	} else {
		sqlite3_reset(q);
		sqlite3_clear_bindings(q);
	}
	if (!rc && ox_buf_addz(out, "]") < 0)
		rc = OX_STORE_ETOOBIG;
	if (rc == OX_STORE_ETOOBIG)
		ox_sqldb_fail(&s->db, rc, "query cases: result over the buffer's maximum of %zu bytes", out->max);
done:
	if (rc) {
		out->len = start; /* leave out as it was */
		if (out->data)
			out->data[start] = '\0';
		if (err)
			snprintf(err, OX_STORE_ERRSZ, "%s", s->db.err);
	}
	return rc;
}

int ox_store_query(struct ox_store *s, const struct ox_case_filter *f, struct ox_buf *out,
		   char err[OX_STORE_ERRSZ])
{
	size_t start = out->len;
	char next[48];
	if (ox_buf_addz(out, "{\"cases\":") < 0)
		return too_big(s, out, start, err);
	int rc = query_array(s, f, out, err, next);
	if (rc) {
		out->len = start;
		out->data[start] = '\0';
		return rc;
	}
	if ((next[0] ? ox_buf_addf(out, ",\"next_cursor\":\"%s\"}", next)
		     : ox_buf_addz(out, ",\"next_cursor\":null}")) < 0)
		return too_big(s, out, start, err);
	return 0;
}

int ox_store_query_cases(struct ox_store *s, const struct ox_case_filter *f, struct ox_buf *out,
			 char err[OX_STORE_ERRSZ])
{
	char next[48];
	return query_array(s, f, out, err, next);
}

/* ---- the engine listener -------------------------------------------------------------- */

static void sink_changed(void *ctx, const struct ox_case *c, enum ox_case_change what)
{
	struct ox_store_sink *k = ctx;
	(void)what; /* the whole case is put whatever changed */
	if (k->err)
		return;
	k->err = ox_store_put_case(k->store, c, k->params ? k->params->rules[c->rule].team : NULL);
	if (!k->err)
		k->puts++;
}

struct ox_case_listener ox_store_sink_listener(struct ox_store_sink *sink)
{
	return (struct ox_case_listener){ .changed = sink_changed, .ctx = sink };
}

int ox_store_count_status(struct ox_store *s, const struct ox_case_filter *f, struct ox_buf *out,
			  char err[OX_STORE_ERRSZ])
{
	struct parsed p;
	int rc = parse_filter(s, f, &p);
	/* every status is counted, so neither the status nor the page applies */
	unsigned mask = p.mask & ~((1u << F_STATUS) | (1u << F_CURSOR));
	sqlite3_stmt *q = rc ? NULL : prepare_filtered(s, "SELECT status, count(*) FROM cases", mask, NULL, " GROUP BY status");
	if (!rc && !q)
		rc = OX_STORE_EDB;
	if (!rc) {
		bind_filter(q, f, &p);
		int64_t n[OX_CASE__NSTATUS] = { 0 }, total = 0;
		while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
			const char *st = (const char *)sqlite3_column_text(q, 0);
			int i = st ? ox_case_status_parse(st, strlen(st)) : -1;
			if (i >= 0)
				n[i] = sqlite3_column_int64(q, 1);
			total += sqlite3_column_int64(q, 1);
		}
		rc = rc == SQLITE_DONE ? 0 : ox_sqldb_dberr(&s->db, "count cases");
		sqlite3_finalize(q);
		size_t start = out->len;
		int bad = rc ? 0 : ox_buf_addz(out, "{\"counts\":{");
		for (int i = 0; !rc && i < OX_CASE__NSTATUS; i++)
			bad |= ox_buf_addf(out, "%s\"%s\":%" PRId64, i ? "," : "", ox_case_status_name((enum ox_case_status)i), n[i]);
		if (!rc && (bad | ox_buf_addf(out, "},\"total\":%" PRId64 "}", total)) < 0)
			return too_big(s, out, start, err);
	}
	if (rc && err)
		snprintf(err, OX_STORE_ERRSZ, "%s", s->db.err);
	return rc;
}

/* alert.c - routing, grouping, silences and the persistent outbox (see
 * alert.h and docs/alerts.md).
 *
 * Everything lives in one SQLite file: notices as enqueued, the groups they
 * were routed into, the messages made from the groups (the outbox proper)
 * and the silences. Three connections: the enqueue side, the API side
 * (silences, listings, retries), and the delivery thread's. The delivery
 * thread runs one loop:
 *
 *   route the notices not routed yet (one transaction per batch) ->
 *   flush the groups that are due into messages (one transaction) ->
 *   start an attempt on every receiver that has none in flight and a due
 *   message (curl multi: one request in flight per receiver, all receivers
 *   at once) -> record the answers -> sleep until the next due time, an
 *   enqueue or a stop (curl_multi_poll / curl_multi_wakeup).
 *
 * No transaction is ever open while a request is in flight, so enqueue
 * waits for SQLite only, never for a receiver.
 */
#include "alert.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "json.h"
#include "rules.h"
#include "sqldb.h"
#include "webhook.h"

/* ---- schema ------------------------------------------------------------------------------ */

/* Migration i+1. Append only: never edit a row that has shipped. */
static const char *const migrations[] = {
	/* 1: notices as enqueued; groups (receiver, route, key) with the time
	 * their waiting members go out; members (which group a notice is in,
	 * and which message took it); messages (the outbox); silences. Times
	 * are ms since the epoch. */
	"CREATE TABLE notices ("
	" id INTEGER PRIMARY KEY,"
	" idem TEXT NOT NULL UNIQUE,"
	" kind TEXT NOT NULL, case_id TEXT NOT NULL, rule TEXT NOT NULL,"
	" severity INTEGER NOT NULL, level INTEGER NOT NULL,"
	" team TEXT NOT NULL, assignee TEXT NOT NULL, key TEXT NOT NULL,"
	" summary_zh TEXT NOT NULL, summary_en TEXT NOT NULL,"
	" at INTEGER NOT NULL, received_at INTEGER NOT NULL,"
	" routed INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX notices_unrouted ON notices (id) WHERE routed = 0;"
	"CREATE INDEX notices_case ON notices (case_id, kind, level);"
	"CREATE TABLE groups ("
	" id INTEGER PRIMARY KEY,"
	" receiver TEXT NOT NULL, route INTEGER NOT NULL, gkey TEXT NOT NULL,"
	" flush_at INTEGER,"      /* waiting members go out then; NULL: none waiting */
	" last_flush_at INTEGER,"
	" touched_at INTEGER NOT NULL,"
	" UNIQUE (receiver, route, gkey));"
	"CREATE INDEX groups_due ON groups (flush_at) WHERE flush_at IS NOT NULL;"
	"CREATE TABLE members ("
	" group_id INTEGER NOT NULL, notice_id INTEGER NOT NULL,"
	" state TEXT NOT NULL CHECK (state IN ('waiting', 'sent', 'throttled')),"
	" message_id INTEGER,"
	" PRIMARY KEY (group_id, notice_id)) WITHOUT ROWID;"
	"CREATE INDEX members_message ON members (message_id) WHERE message_id IS NOT NULL;"
	"CREATE INDEX members_notice ON members (notice_id);"
	"CREATE TABLE messages ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" receiver TEXT NOT NULL, type TEXT NOT NULL,"
	" group_id INTEGER, gkey TEXT NOT NULL,"
	" idem TEXT NOT NULL,"
	" payload TEXT NOT NULL,"
	" n_notices INTEGER NOT NULL,"
	" state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'dead', 'silenced')),"
	" attempts INTEGER NOT NULL DEFAULT 0,"
	" round_attempts INTEGER NOT NULL DEFAULT 0," /* since it was made or re-queued */
	" round_started_at INTEGER NOT NULL,"
	" created_at INTEGER NOT NULL,"
	" next_attempt_at INTEGER,"
	" last_attempt_at INTEGER,"
	" done_at INTEGER,"
	" last_status INTEGER,"
	" last_error TEXT,"
	" silence_id INTEGER);"
	"CREATE INDEX messages_due ON messages (receiver, next_attempt_at) WHERE state = 'pending';"
	"CREATE INDEX messages_state ON messages (state, id);"
	"CREATE INDEX messages_receiver ON messages (receiver, id);"
	"CREATE INDEX messages_done ON messages (done_at) WHERE state IN ('sent', 'silenced');"
	"CREATE TABLE silences ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" matchers TEXT NOT NULL," /* {"label":["value",...],...} */
	" starts_at INTEGER NOT NULL, ends_at INTEGER NOT NULL,"
	" created_by TEXT NOT NULL, comment TEXT NOT NULL, created_at INTEGER NOT NULL,"
	" CHECK (ends_at > starts_at));",
};

/* ---- statements ---------------------------------------------------------------------------- */

#define NOTICE_COLS                                                                             \
	"n.id, n.idem, n.kind, n.case_id, n.rule, n.severity, n.level, n.team, n.assignee, n.key," \
	" n.summary_zh, n.summary_en, n.at"
#define MSG_COLS                                                                                  \
	"id, receiver, type, state, gkey, idem, attempts, created_at, next_attempt_at,"            \
	" last_attempt_at, done_at, last_status, last_error, silence_id, payload"

/* X(name, sql) */
#define ALERT_STMTS(X)                                                                                \
	X(BEGIN, "BEGIN IMMEDIATE")                                                                   \
	X(COMMIT, "COMMIT")                                                                           \
	X(NOTICE_INSERT,                                                                              \
	  "INSERT OR IGNORE INTO notices (idem, kind, case_id, rule, severity, level, team, assignee," \
	  " key, summary_zh, summary_en, at, received_at)"                                            \
	  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)")                          \
	X(UNROUTED, "SELECT " NOTICE_COLS " FROM notices n WHERE routed = 0 ORDER BY id LIMIT ?1")   \
	X(ROUTED, "UPDATE notices SET routed = 1 WHERE id = ?1")                                     \
	X(ANY_UNROUTED, "SELECT 1 FROM notices WHERE routed = 0 LIMIT 1")                            \
	X(GROUP_UPSERT,                                                                               \
	  "INSERT INTO groups (receiver, route, gkey, touched_at) VALUES (?1, ?2, ?3, ?4)"            \
	  " ON CONFLICT (receiver, route, gkey) DO UPDATE SET touched_at = excluded.touched_at"      \
	  " RETURNING id, flush_at, last_flush_at")                                                   \
	X(REPEATED,                                                                                   \
	  "SELECT 1 FROM notices n JOIN members m ON m.group_id = ?1 AND m.notice_id = n.id"          \
	  " LEFT JOIN messages g ON g.id = m.message_id"                                              \
	  " WHERE n.case_id = ?2 AND n.kind = ?3 AND n.level = ?4 AND n.id <> ?6 AND (m.state = 'waiting'" \
	  " OR (m.state = 'sent' AND g.state IN ('pending', 'sent') AND g.created_at > ?5)) LIMIT 1") \
	X(MEMBER_ADD, "INSERT OR IGNORE INTO members (group_id, notice_id, state) VALUES (?1, ?2, ?3)") \
	X(GROUP_ARM, "UPDATE groups SET flush_at = ?2 WHERE id = ?1 AND flush_at IS NULL")           \
	X(DUE_GROUPS,                                                                                 \
	  "SELECT id, receiver, route, gkey FROM groups WHERE flush_at <= ?1 ORDER BY flush_at LIMIT 64") \
	X(WAITING,                                                                                    \
	  "SELECT " NOTICE_COLS " FROM members m JOIN notices n ON n.id = m.notice_id"               \
	  " WHERE m.group_id = ?1 AND m.state = 'waiting' ORDER BY n.id LIMIT ?2")                    \
	X(MSG_INSERT,                                                                                 \
	  "INSERT INTO messages (receiver, type, group_id, gkey, idem, payload, n_notices, state,"    \
	  " round_started_at, created_at, next_attempt_at, done_at, last_error, silence_id)"         \
	  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10, ?11, ?12, ?13)")                      \
	X(MEMBER_SENT,                                                                                \
	  "UPDATE members SET state = 'sent', message_id = ?3 WHERE group_id = ?1 AND notice_id = ?2") \
	X(GROUP_FLUSHED,                                                                              \
	  "UPDATE groups SET flush_at = ?2, last_flush_at = coalesce(?3, last_flush_at) WHERE id = ?1") \
	X(NEXT_MSG,                                                                                   \
	  "SELECT id, type, idem, payload, round_attempts, round_started_at, gkey FROM messages"     \
	  " WHERE state = 'pending' AND receiver = ?1 AND next_attempt_at <= ?2"                     \
	  " ORDER BY next_attempt_at, id LIMIT 1")                                                    \
	X(NEXT_DUE,                                                                                   \
	  "SELECT min(next_attempt_at) FROM messages WHERE state = 'pending' AND receiver = ?1")     \
	X(NEXT_FLUSH, "SELECT min(flush_at) FROM groups WHERE flush_at IS NOT NULL")                 \
	X(MSG_NOTICES,                                                                                \
	  "SELECT " NOTICE_COLS " FROM members m JOIN notices n ON n.id = m.notice_id"               \
	  " WHERE m.message_id = ?1 ORDER BY n.id")                                                   \
	X(MSG_IDEMS,                                                                                  \
	  "SELECT n.idem FROM members m JOIN notices n ON n.id = m.notice_id"                        \
	  " WHERE m.message_id = ?1 ORDER BY n.id")                                                   \
	X(MSG_RESULT,                                                                                 \
	  "UPDATE messages SET state = ?2, attempts = attempts + 1, round_attempts = round_attempts + 1," \
	  " next_attempt_at = ?3, last_attempt_at = ?4, last_status = ?5, last_error = ?6, done_at = ?7" \
	  " WHERE id = ?1 AND state = 'pending'")                                                     \
	X(MSG_SILENCED,                                                                               \
	  "UPDATE messages SET state = 'silenced', silence_id = ?2, last_error = ?3, done_at = ?4,"   \
	  " next_attempt_at = NULL WHERE id = ?1 AND state = 'pending'")                             \
	X(MSG_PAYLOAD, "UPDATE messages SET type = ?2, payload = ?3 WHERE id = ?1")                  \
	X(PENDING_RECEIVERS, "SELECT DISTINCT receiver FROM messages WHERE state = 'pending'")       \
	X(MSG_ORPHAN,                                                                                 \
	  "UPDATE messages SET state = 'dead', last_error = ?2, done_at = ?3, next_attempt_at = NULL" \
	  " WHERE state = 'pending' AND receiver = ?1")                                               \
	X(COUNT_STATE, "SELECT count(*) FROM messages WHERE state = ?1")                             \
	X(RETRY,                                                                                      \
	  "UPDATE messages SET state = 'pending', round_attempts = 0, round_started_at = ?2,"        \
	  " next_attempt_at = ?2, done_at = NULL WHERE id = ?1 AND state = 'dead'")                  \
	X(MSG_STATE, "SELECT state, receiver FROM messages WHERE id = ?1")                           \
	X(SIL_INSERT,                                                                                 \
	  "INSERT INTO silences (matchers, starts_at, ends_at, created_by, comment, created_at)"     \
	  " VALUES (?1, ?2, ?3, ?4, ?5, ?6)")                                                         \
	X(SIL_ENDS, "SELECT starts_at, ends_at FROM silences WHERE id = ?1")                         \
	X(SIL_EXPIRE, "UPDATE silences SET ends_at = max(?2, starts_at + 1) WHERE id = ?1")          \
	X(SIL_ACTIVE, "SELECT id, matchers, starts_at, ends_at FROM silences WHERE ends_at > ?1")    \
	X(SIL_LIST,                                                                                   \
	  "SELECT id, matchers, starts_at, ends_at, created_by, comment, created_at FROM silences"   \
	  " ORDER BY id DESC LIMIT 1000")                                                             \
	X(PRUNE_MEMBERS,                                                                              \
	  "DELETE FROM members WHERE message_id IN (SELECT id FROM messages"                         \
	  " WHERE state IN ('sent', 'silenced') AND done_at < ?1 LIMIT 1000)")                       \
	X(PRUNE_MESSAGES,                                                                             \
	  "DELETE FROM messages WHERE id IN (SELECT id FROM messages"                                \
	  " WHERE state IN ('sent', 'silenced') AND done_at < ?1 LIMIT 1000)")                       \
	X(PRUNE_NOTICES,                                                                              \
	  "DELETE FROM notices WHERE id IN (SELECT id FROM notices n WHERE routed = 1"               \
	  " AND received_at < ?1 AND NOT EXISTS (SELECT 1 FROM members m WHERE m.notice_id = n.id)" \
	  " LIMIT 1000)")                                                                             \
	X(PRUNE_GROUP_MEMBERS,                                                                        \
	  "DELETE FROM members WHERE message_id IS NULL AND group_id IN (SELECT id FROM groups"      \
	  " WHERE flush_at IS NULL AND touched_at < ?1)")                                            \
	X(PRUNE_GROUPS, "DELETE FROM groups WHERE flush_at IS NULL AND touched_at < ?1")             \
	X(PRUNE_SILENCES, "DELETE FROM silences WHERE ends_at < ?1")

enum stmt_id {
#define X(name, sql) ST_##name,
	ALERT_STMTS(X)
#undef X
	ST__COUNT
};

static const char *const stmt_sql[] = {
#define X(name, sql) sql,
	ALERT_STMTS(X)
#undef X
};

/* The outbox listing: one WHERE fragment per filter present (bit i). */
static const char *const list_sql[] = { "state = :state", "receiver = :receiver", "id < :cursor" };
enum { LF_STATE, LF_RECEIVER, LF_CURSOR, LF__COUNT };

static const struct ox_sqldb_list outbox_list = {
	.select = "SELECT " MSG_COLS " FROM messages",
	.where = list_sql,
	.n_where = LF__COUNT,
	.tail = " ORDER BY id DESC LIMIT :limit",
};

/* ---- one connection ------------------------------------------------------------------------- */

/* The three connections write one at a time through the module's writer
 * lock. SQLite would serialise them anyway, but a writer that finds the
 * database locked sleeps in its busy handler (1, 2, 5 ... 100 ms steps:
 * measured, an enqueue now and then took 190 ms that way), while a mutex
 * hands over at once. Enqueue goes first: the other writers let a waiting
 * enqueue in before each of their transactions, so an enqueue waits at most
 * for the one transaction in progress. The busy timeout stays for anything
 * outside the process. */
struct writers {
	pthread_mutex_t mu;
	pthread_cond_t cv;    /* an urgent writer is done */
	atomic_int urgent;    /* urgent writers waiting for mu */
};

struct db {
	struct ox_sqldb sql;
	struct writers *w;
	bool urgent;  /* the enqueue connection */
	bool writing; /* holds w->mu */
};

const char *ox_alert_strerror(int err)
{
	static const struct ox_errmsg msgs[] = { OX_ALERT_ERRORS(OX_ERRMSG_ROW) };
	return ox_errmsg_find(msgs, OX_ARRAY_LEN(msgs), err);
}

static void write_lock(struct db *d)
{
	if (!d->w || d->writing)
		return;
	if (d->urgent) {
		atomic_fetch_add(&d->w->urgent, 1);
		pthread_mutex_lock(&d->w->mu);
		atomic_fetch_sub(&d->w->urgent, 1);
	} else {
		pthread_mutex_lock(&d->w->mu);
		while (atomic_load(&d->w->urgent) > 0)
			pthread_cond_wait(&d->w->cv, &d->w->mu);
	}
	d->writing = true;
}

static void write_unlock(struct db *d)
{
	if (!d->writing)
		return;
	d->writing = false;
	if (d->urgent)
		pthread_cond_broadcast(&d->w->cv);
	pthread_mutex_unlock(&d->w->mu);
}

/* A write transaction: holds the write mutex until commit or rollback. */
static int tx_begin(struct db *d)
{
	write_lock(d);
	int rc = ox_sqldb_run_id(&d->sql, ST_BEGIN);
	if (rc)
		write_unlock(d);
	return rc;
}

/* After a failed commit the transaction is still open: roll it back. */
static int tx_commit(struct db *d)
{
	int rc = ox_sqldb_run_id(&d->sql, ST_COMMIT);
	if (!rc)
		write_unlock(d);
	return rc;
}

static void tx_rollback(struct db *d)
{
	ox_sqldb_rollback(&d->sql, 0);
	write_unlock(d);
}

/* One writing statement in its own transaction. */
static int run_write(struct db *d, sqlite3_stmt *q, const char *what)
{
	write_lock(d);
	int rc = ox_sqldb_run(&d->sql, q, what);
	write_unlock(d);
	return rc;
}

static void bind_text(sqlite3_stmt *q, int i, const char *z)
{
	if (z)
		sqlite3_bind_text(q, i, z, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(q, i);
}

static void bind_field(sqlite3_stmt *q, int i, const char *f, size_t cap)
{
	sqlite3_bind_text(q, i, f, (int)strnlen(f, cap), SQLITE_TRANSIENT);
}

static void db_close(struct db *d)
{
	ox_sqldb_close(&d->sql);
	memset(d, 0, sizeof *d);
}

#define DB_OPTS                                                                            \
	.edb = OX_ALERT_EDB, .eschema = OX_ALERT_ESCHEMA, .stmts = stmt_sql, .n_stmts = ST__COUNT, \
	.list = &outbox_list, .busy_ms = 5000, .open_flags = SQLITE_OPEN_NOMUTEX

/* Enqueue, silences and retries commit with FULL (what they write is the
 * record of truth). The delivery thread's connection (the first, which also
 * migrates) commits with NORMAL: a process crash loses none of its commits
 * (WAL), a power cut may lose the last ones, and every one of them is redone
 * from the durable notices: routing and flushing again (the same notices
 * make a message with the same key), or a send again (at least once). The
 * next FULL commit syncs the WAL for both. */
static const char *const first_pragmas[] = { "PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL", NULL };
static const char *const other_pragmas[] = { "PRAGMA synchronous = FULL", NULL };
static const struct ox_sqldb_opts first_opts = {
	DB_OPTS,
	.migrations = migrations,
	.n_migrations = OX_ARRAY_LEN(migrations),
	.pragmas = first_pragmas,
};
static const struct ox_sqldb_opts other_opts = { DB_OPTS, .pragmas = other_pragmas };

static int db_open(struct db *d, const char *path, struct writers *w, bool urgent, bool first)
{
	memset(d, 0, sizeof *d);
	d->w = w;
	d->urgent = urgent;
	return ox_sqldb_open(&d->sql, path, first ? &first_opts : &other_opts);
}

/* ---- the module --------------------------------------------------------------------------- */

/* One per channel: its request in flight, if any. */
struct slot {
	struct ox_alerts *a;
	size_t ch; /* index in config->channels */
	CURL *easy;
	struct curl_slist *headers;
	struct ox_wh_request rq;
	struct ox_buf reply;
	char curl_err[CURL_ERROR_SIZE];
	bool busy;
	int64_t msg_id, round_started, started;
	int round_attempts;
};

struct silence {
	int64_t id, starts, ends;
	struct ox_alert_matcher *m;
	size_t n;
};

/* What one finished attempt decided. */
struct result {
	int64_t msg_id;
	const char *state; /* "sent", "dead" or "pending" */
	int64_t next, at, done;
	long status;
	bool failed; /* the attempt did not deliver */
	char why[OX_ALERT_ERRSZ];
};

struct ox_alerts {
	const struct ox_alert_config *cfg;
	int64_t (*now)(void *ctx);
	void *now_ctx;
	const struct ox_alert_route **route_by_id; /* cfg->n_routes entries */
	int64_t max_group_life; /* the longest repeat_interval / group_interval of any route */

	struct db enq, api, dlv; /* dlv: the delivery thread's alone */
	pthread_mutex_t enq_mu, api_mu; /* who uses enq, api */
	struct writers writers;         /* one writer at a time, enqueue first (struct db) */
	char enq_err[OX_ALERT_ERRSZ]; /* under enq_mu */

	pthread_t thread;
	bool thread_started;
	atomic_bool stopping;
	CURLM *multi;
	struct slot *slots; /* cfg->n_channels */

	struct silence *sil; /* active or future silences, the delivery thread's copy */
	size_t n_sil;
	atomic_uint sil_gen;
	unsigned sil_seen;
	int64_t sil_loaded_at;

	int64_t next_prune;
	char last_loop_err[OX_ALERT_ERRSZ]; /* the delivery thread's, printed once */

	atomic_uint_fast64_t pending, dead, sent, failed, silenced, throttled, notices;
};

static int64_t wall_ms(void *ctx)
{
	(void)ctx;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t now_of(struct ox_alerts *a)
{
	return a->now(a->now_ctx);
}

static void wake(struct ox_alerts *a)
{
	if (a->multi)
		curl_multi_wakeup(a->multi);
}

/* An error of the delivery thread: it has nobody to return it to, so it
 * goes to standard error (once per distinct message) and the loop goes on. */
static void loop_error(struct ox_alerts *a, const char *msg)
{
	if (strcmp(a->last_loop_err, msg) != 0) {
		fprintf(stderr, "ordex alerts: %s\n", msg);
		snprintf(a->last_loop_err, sizeof a->last_loop_err, "%s", msg);
	}
}

/* ---- notices in rows ---------------------------------------------------------------------------- */

static const char *const kind_names[] = {
#define X(e, s) [OX_NOTICE_##e] = s,
	OX_NOTICE_KINDS(X)
#undef X
};

static void copy_col(char *dst, size_t cap, sqlite3_stmt *q, int c)
{
	const char *z = ox_sqldb_col_text(q, c);
	size_t n = (size_t)sqlite3_column_bytes(q, c);
	if (n >= cap)
		n = ox_utf8_clip(z, n, cap - 1);
	memcpy(dst, z, n);
	dst[n] = '\0';
}

/* A notice from NOTICE_COLS at column 0 (its row id in *id). */
static void row_notice(sqlite3_stmt *q, struct ox_notice *n, int64_t *id)
{
	memset(n, 0, sizeof *n);
	*id = sqlite3_column_int64(q, 0);
	copy_col(n->idem, sizeof n->idem, q, 1);
	const char *kind = ox_sqldb_col_text(q, 2);
	for (size_t k = 0; k < OX_ARRAY_LEN(kind_names); k++)
		if (strcmp(kind, kind_names[k]) == 0)
			n->kind = (enum ox_notice_kind)k;
	copy_col(n->case_id, sizeof n->case_id, q, 3);
	const char *rule = ox_sqldb_col_text(q, 4);
	int r = ox_rule_by_code(rule, strlen(rule));
	n->rule = r < 0 ? (enum ox_rule)0 : (enum ox_rule)r;
	n->severity = sqlite3_column_int(q, 5);
	n->level = sqlite3_column_int(q, 6);
	copy_col(n->team, sizeof n->team, q, 7);
	copy_col(n->assignee, sizeof n->assignee, q, 8);
	copy_col(n->key, sizeof n->key, q, 9);
	copy_col(n->summary_zh, sizeof n->summary_zh, q, 10);
	copy_col(n->summary_en, sizeof n->summary_en, q, 11);
	n->at = sqlite3_column_int64(q, 12);
}

/* ---- enqueue -------------------------------------------------------------------------------- */

static int notice_check(const struct ox_notice *n, char *why, size_t whysz)
{
	if (!memchr(n->idem, '\0', sizeof n->idem) || !n->idem[0])
		snprintf(why, whysz, "idem must be a non-empty string");
	else if ((unsigned)n->kind >= OX_NOTICE__COUNT)
		snprintf(why, whysz, "%s: unknown kind %d", n->idem, (int)n->kind);
	else if ((unsigned)n->rule >= OX_R__COUNT)
		snprintf(why, whysz, "%s: unknown rule %d", n->idem, (int)n->rule);
	else if (n->severity < 1 || n->severity > 4)
		snprintf(why, whysz, "%s: severity %d outside 1..4", n->idem, n->severity);
	else
		return 0;
	return -1;
}

int ox_alerts_enqueue(struct ox_alerts *a, const struct ox_notice *n, size_t count)
{
	char why[OX_ALERT_ERRSZ];
	if (!count || !a->cfg->n_channels)
		return 0;
	for (size_t i = 0; i < count; i++)
		if (notice_check(&n[i], why, sizeof why) < 0) {
			pthread_mutex_lock(&a->enq_mu);
			snprintf(a->enq_err, sizeof a->enq_err, "enqueue: notice %zu: %.200s", i, why);
			pthread_mutex_unlock(&a->enq_mu);
			return OX_ALERT_EINVAL;
		}
	int64_t now = now_of(a);
	uint64_t added = 0;
	pthread_mutex_lock(&a->enq_mu);
	struct db *d = &a->enq;
	sqlite3_stmt *q = ox_sqldb_stmt(&d->sql, ST_NOTICE_INSERT);
	int rc = q ? tx_begin(d) : OX_ALERT_EDB;
	for (size_t i = 0; !rc && i < count; i++) {
		const struct ox_notice *x = &n[i];
		bind_field(q, 1, x->idem, sizeof x->idem);
		bind_text(q, 2, kind_names[x->kind]);
		bind_field(q, 3, x->case_id, sizeof x->case_id);
		bind_text(q, 4, ox_rule_info(x->rule)->code);
		sqlite3_bind_int(q, 5, x->severity);
		sqlite3_bind_int(q, 6, x->level);
		bind_field(q, 7, x->team, sizeof x->team);
		bind_field(q, 8, x->assignee, sizeof x->assignee);
		bind_field(q, 9, x->key, sizeof x->key);
		bind_field(q, 10, x->summary_zh, sizeof x->summary_zh);
		bind_field(q, 11, x->summary_en, sizeof x->summary_en);
		sqlite3_bind_int64(q, 12, x->at);
		sqlite3_bind_int64(q, 13, now);
		if (!(rc = ox_sqldb_run(&d->sql, q, "enqueue")))
			added += (uint64_t)sqlite3_changes(d->sql.conn);
	}
	if (!rc)
		rc = tx_commit(d);
	if (rc) {
		tx_rollback(d);
		snprintf(a->enq_err, sizeof a->enq_err, "%s", d->sql.err);
	}
	pthread_mutex_unlock(&a->enq_mu);
	if (!rc && added) {
		atomic_fetch_add(&a->notices, added);
		wake(a);
	}
	return rc;
}

void ox_alerts_last_error(struct ox_alerts *a, char *buf, size_t size)
{
	pthread_mutex_lock(&a->enq_mu);
	snprintf(buf, size, "%s", a->enq_err);
	pthread_mutex_unlock(&a->enq_mu);
}

/* ---- silences: matchers as JSON ---------------------------------------------------------------- */

/* {"rule":["PAY_DUPLICATE"],"severity":["P1","P2"]} */
static void matchers_json(struct ox_buf *b, const struct ox_alert_matcher *m, size_t n)
{
	ox_buf_addz(b, "{");
	for (size_t i = 0; i < n; i++) {
		ox_buf_addf(b, "%s\"%s\":[", i ? "," : "", ox_alert_label_name(m[i].label));
		for (size_t j = 0; j < m[i].n; j++) {
			if (j)
				ox_buf_addz(b, ",");
			ox_buf_add_json_str(b, m[i].values[j], strlen(m[i].values[j]));
		}
		ox_buf_addz(b, "]");
	}
	ox_buf_addz(b, "}");
}

/* Parse matchers from the JSON object at token i of j: label -> a value or
 * a list of values (strings; level may be a number). Each value is checked
 * as in the config. -1 with why. */
static int matchers_parse(const struct ox_json *j, uint32_t i, struct ox_alert_matcher **out, size_t *count,
			  char *why, size_t whysz)
{
	const struct ox_json_tok *t = j->toks;
	*out = NULL;
	*count = 0;
	if (t[i].type != OX_JSON_OBJECT) {
		snprintf(why, whysz, "matchers: expected an object of label: value");
		return -1;
	}
	struct ox_alert_matcher *m = ox_xcalloc(OX_AL__COUNT, sizeof *m);
	size_t n = 0;
	for (uint32_t k = i + 1; k < t[i].end; k = t[k + 1].end) {
		int l = ox_alert_label_by_name(t[k].s, t[k].len);
		if (l < 0) {
			snprintf(why, whysz, "matchers: unknown label \"%.*s\" (rule, category, severity, team, kind, "
					     "level, case)",
				 (int)(t[k].len > 32 ? 32 : t[k].len), t[k].s);
			goto bad;
		}
		for (size_t x = 0; x < n; x++)
			if ((int)m[x].label == l) {
				snprintf(why, whysz, "matchers: label \"%s\" given twice", ox_alert_label_name((enum ox_alert_label)l));
				goto bad;
			}
		struct ox_alert_matcher *mm = &m[n++];
		mm->label = (enum ox_alert_label)l;
		const struct ox_json_tok *v = &t[k + 1];
		uint32_t first = k + 1, stop = v->end, step_into = 0;
		if (v->type == OX_JSON_ARRAY) {
			first = k + 2;
			step_into = 1;
			if (v->size == 0 || v->size > OX_ALERT_VALUES_MAX) {
				snprintf(why, whysz, "matchers.%s: expected 1..%d values", ox_alert_label_name(mm->label),
					 OX_ALERT_VALUES_MAX);
				goto bad;
			}
		}
		(void)step_into;
		for (uint32_t e = first; e < stop; e = t[e].end) {
			if (t[e].type != OX_JSON_STRING && !(t[e].type == OX_JSON_NUMBER && l == OX_AL_LEVEL)) {
				snprintf(why, whysz, "matchers.%s: expected a string or a list of strings",
					 ox_alert_label_name(mm->label));
				goto bad;
			}
			char norm[OX_ALERT_VALUE_MAX], reason[200];
			if (ox_alert_value_check(mm->label, t[e].s, t[e].len, norm, reason, sizeof reason) < 0) {
				snprintf(why, whysz, "matchers.%s: %s", ox_alert_label_name(mm->label), reason);
				goto bad;
			}
			mm->values = ox_xrealloc(mm->values, (mm->n + 1) * sizeof *mm->values);
			mm->values[mm->n++] = ox_xstrndup(norm, strlen(norm));
		}
	}
	if (!n) {
		snprintf(why, whysz, "matchers: at least one label is needed (a silence of everything is not "
				     "allowed)");
		goto bad;
	}
	*out = m;
	*count = n;
	return 0;
bad:
	ox_alert_matchers_free(m, n);
	return -1;
}

static void silences_free(struct silence *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ox_alert_matchers_free(s[i].m, s[i].n);
	free(s);
}

/* The delivery thread's copy of the silences not yet ended. */
static int silences_load(struct ox_alerts *a, int64_t now)
{
	struct db *d = &a->dlv;
	sqlite3_stmt *q = ox_sqldb_stmt(&d->sql, ST_SIL_ACTIVE);
	if (!q)
		return OX_ALERT_EDB;
	unsigned gen = atomic_load(&a->sil_gen);
	struct silence *s = NULL;
	size_t n = 0, cap = 0;
	struct ox_json j;
	ox_json_init(&j, 8);
	sqlite3_bind_int64(q, 1, now);
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const char *z = ox_sqldb_col_text(q, 1);
		char why[OX_ALERT_ERRSZ];
		struct ox_alert_matcher *m;
		size_t mn;
		if (ox_json_parse(&j, z, (size_t)sqlite3_column_bytes(q, 1)) < 0 ||
		    matchers_parse(&j, 0, &m, &mn, why, sizeof why) < 0)
			continue; /* unreadable: it silences nothing (cannot happen with our writes) */
		OX_GROW(s, cap, n + 1);
		s[n++] = (struct silence){ sqlite3_column_int64(q, 0), sqlite3_column_int64(q, 2),
					   sqlite3_column_int64(q, 3), m, mn };
	}
	ox_sqldb_done(q);
	ox_json_release(&j);
	if (rc != SQLITE_DONE) {
		silences_free(s, n);
		return ox_sqldb_dberr(&d->sql, "load silences");
	}
	silences_free(a->sil, a->n_sil);
	a->sil = s;
	a->n_sil = n;
	a->sil_seen = gen;
	a->sil_loaded_at = now;
	return 0;
}

/* The id of an active silence matching n, or 0. */
static int64_t silenced_by(const struct ox_alerts *a, const struct ox_notice *n, int64_t now)
{
	for (size_t i = 0; i < a->n_sil; i++) {
		const struct silence *s = &a->sil[i];
		if (s->starts <= now && now < s->ends && ox_alert_matchers_match(s->m, s->n, n))
			return s->id;
	}
	return 0;
}

static bool any_silence_active(const struct ox_alerts *a, int64_t now)
{
	for (size_t i = 0; i < a->n_sil; i++)
		if (a->sil[i].starts <= now && now < a->sil[i].ends)
			return true;
	return false;
}

/* ---- routing ----------------------------------------------------------------------------------- */

#define ROUTE_BATCH 256

/* Route the next batch of notices into groups: one transaction. Returns 1
 * when the batch was full (more may wait), 0, or an error. */
static int route_batch(struct ox_alerts *a, int64_t now)
{
	struct db *d = &a->dlv;
	sqlite3_stmt *q = ox_sqldb_stmt(&d->sql, ST_UNROUTED), *up = ox_sqldb_stmt(&d->sql, ST_GROUP_UPSERT),
		     *rep = ox_sqldb_stmt(&d->sql, ST_REPEATED), *add = ox_sqldb_stmt(&d->sql, ST_MEMBER_ADD),
		     *arm = ox_sqldb_stmt(&d->sql, ST_GROUP_ARM), *routed = ox_sqldb_stmt(&d->sql, ST_ROUTED);
	sqlite3_stmt *any = ox_sqldb_stmt(&d->sql, ST_ANY_UNROUTED);
	if (!q || !up || !rep || !add || !arm || !routed || !any)
		return OX_ALERT_EDB;
	int step = sqlite3_step(any); /* most turns have nothing to route: no write lock then */
	ox_sqldb_done(any);
	if (step != SQLITE_ROW)
		return step == SQLITE_DONE ? 0 : ox_sqldb_dberr(&d->sql, "route: any");
	int rc = tx_begin(d);
	if (rc)
		return rc;
	struct ox_buf gkey;
	ox_buf_init(&gkey, 4096);
	const struct ox_alert_route **routes = ox_xcalloc(OX_ALERT_ROUTES_MAX, sizeof *routes);
	/* the batch is read whole first: the loop below changes the rows the
	 * query walks (routed = 1 takes them out of its index) */
	struct ox_notice *batch = ox_xcalloc(ROUTE_BATCH, sizeof *batch);
	int64_t *ids = ox_xcalloc(ROUTE_BATCH, sizeof *ids);
	size_t rows = 0;
	uint64_t throttled = 0;
	sqlite3_bind_int(q, 1, ROUTE_BATCH);
	while (rows < ROUTE_BATCH && (step = sqlite3_step(q)) == SQLITE_ROW) {
		row_notice(q, &batch[rows], &ids[rows]);
		rows++;
	}
	ox_sqldb_done(q);
	if (rows < ROUTE_BATCH && step != SQLITE_DONE)
		rc = ox_sqldb_dberr(&d->sql, "route: read");
	for (size_t b = 0; !rc && b < rows; b++) {
		const struct ox_notice n = batch[b];
		int64_t nid = ids[b];
		size_t nr = ox_alert_route_notice(a->cfg, &n, routes);
		for (size_t i = 0; !rc && i < nr; i++) {
			const struct ox_alert_route *r = routes[i];
			ox_alert_group_key(r, &n, &gkey);
			bind_text(up, 1, a->cfg->channels[r->receiver].name);
			sqlite3_bind_int(up, 2, r->id);
			bind_text(up, 3, gkey.data);
			sqlite3_bind_int64(up, 4, now);
			if (sqlite3_step(up) != SQLITE_ROW) {
				rc = ox_sqldb_dberr(&d->sql, "route: group");
				ox_sqldb_done(up);
				break;
			}
			int64_t gid = sqlite3_column_int64(up, 0);
			bool armed = sqlite3_column_type(up, 1) != SQLITE_NULL;
			int64_t last = ox_sqldb_col_time(up, 2);
			ox_sqldb_done(up);
			/* a repeat of what this group sent within repeat_interval
			 * (or still holds) is left out: the desk's reminders pass at
			 * most once per repeat_interval per group */
			sqlite3_bind_int64(rep, 1, gid);
			bind_field(rep, 2, n.case_id, sizeof n.case_id);
			bind_text(rep, 3, kind_names[n.kind]);
			sqlite3_bind_int(rep, 4, n.level);
			sqlite3_bind_int64(rep, 5, now - r->repeat_interval);
			sqlite3_bind_int64(rep, 6, nid);
			int rs = sqlite3_step(rep);
			ox_sqldb_done(rep);
			if (rs != SQLITE_ROW && rs != SQLITE_DONE) {
				rc = ox_sqldb_dberr(&d->sql, "route: repeat");
				break;
			}
			bool repeat = rs == SQLITE_ROW;
			sqlite3_bind_int64(add, 1, gid);
			sqlite3_bind_int64(add, 2, nid);
			bind_text(add, 3, repeat ? "throttled" : "waiting");
			if ((rc = ox_sqldb_run(&d->sql, add, "route: member")))
				break;
			if (repeat) {
				throttled++;
				continue;
			}
			if (!armed) {
				int64_t at = now + r->group_wait;
				if (last != OX_TIME_NONE && last + r->group_interval > at)
					at = last + r->group_interval;
				sqlite3_bind_int64(arm, 1, gid);
				sqlite3_bind_int64(arm, 2, at);
				rc = ox_sqldb_run(&d->sql, arm, "route: arm");
			}
		}
		if (!rc) {
			sqlite3_bind_int64(routed, 1, nid);
			rc = ox_sqldb_run(&d->sql, routed, "route: mark");
		}
	}
	free(batch);
	free(ids);
	free(routes);
	ox_buf_release(&gkey);
	if (!rc)
		rc = tx_commit(d);
	if (rc) {
		tx_rollback(d);
		return rc;
	}
	atomic_fetch_add(&a->throttled, throttled);
	return rows == ROUTE_BATCH;
}

/* ---- messages -------------------------------------------------------------------------------- */

/* The Idempotency-Key of a message: a hash of its receiver, route, group key
 * and the idem of each notice in it, so the same message made again (after
 * a power cut lost its row) has the same key. */
static void message_key(char out[40], const char *receiver, int route, const char *gkey,
			const struct ox_notice *n, size_t count)
{
	struct ox_buf b;
	ox_buf_init(&b, SIZE_MAX);
	ox_buf_addf(&b, "%s%c%d%c%s", receiver, 0, route, 0, gkey);
	for (size_t i = 0; i < count; i++) {
		ox_buf_add(&b, "", 1);
		ox_buf_add(&b, n[i].idem, strnlen(n[i].idem, sizeof n[i].idem));
	}
	struct ox_hash128 h = ox_hash128(b.data, b.len);
	snprintf(out, 40, "ox1-%016" PRIx64 "%016" PRIx64, h.hi, h.lo);
	ox_buf_release(&b);
}

/* Render the body of a message for channel ch (NULL: the receiver is gone;
 * the generic format is kept for the record). */
static int render(const struct ox_alerts *a, const struct ox_alert_channel *ch, const char *receiver,
		  const char *gkey, const char *idem, const struct ox_notice *n, size_t count, struct ox_buf *out)
{
	struct ox_wh_group g = {
		.notices = n,
		.n = count,
		.receiver = receiver,
		.group_key = gkey,
		.idem = idem,
		.console_url = a->cfg->console_url,
		.lang = a->cfg->delivery.lang,
		.feishu_text = ch && ch->feishu_text,
	};
	ox_buf_reset(out);
	return ox_wh_render(ch ? ch->type : OX_WH_WEBHOOK, &g, out);
}

/* Make one message of notices (with their row ids) of group gid. state is
 * "pending", "silenced" (sid the silence) or "dead" (why). */
static int message_make(struct ox_alerts *a, int64_t gid, const char *receiver, int route, const char *gkey,
			const struct ox_notice *n, const int64_t *nids, size_t count, const char *state,
			int64_t sid, const char *why, int64_t now)
{
	struct db *d = &a->dlv;
	const struct ox_alert_channel *ch = ox_alert_channel_find(a->cfg, receiver);
	char idem[40], err[OX_ALERT_ERRSZ];
	message_key(idem, receiver, route, gkey, n, count);
	struct ox_buf body;
	ox_buf_init(&body, OX_WH_BODY_MAX);
	if (render(a, ch, receiver, gkey, idem, n, count, &body) < 0) {
		ox_buf_reset(&body);
		ox_buf_addz(&body, "{}");
		state = "dead";
		why = "the message could not be rendered";
	}
	if (!ch && strcmp(state, "pending") == 0) {
		snprintf(err, sizeof err, "receiver '%s' is not in the configuration", receiver);
		state = "dead";
		why = err;
	}
	sqlite3_stmt *q = ox_sqldb_stmt(&d->sql, ST_MSG_INSERT), *m = ox_sqldb_stmt(&d->sql, ST_MEMBER_SENT);
	int rc = OX_ALERT_EDB;
	if (q && m) {
		bool pending = strcmp(state, "pending") == 0;
		bind_text(q, 1, receiver);
		bind_text(q, 2, ox_wh_type_name(ch ? ch->type : OX_WH_WEBHOOK));
		sqlite3_bind_int64(q, 3, gid);
		bind_text(q, 4, gkey);
		bind_text(q, 5, idem);
		sqlite3_bind_text(q, 6, body.data, (int)body.len, SQLITE_STATIC);
		sqlite3_bind_int64(q, 7, (sqlite3_int64)count);
		bind_text(q, 8, state);
		sqlite3_bind_int64(q, 9, now);
		ox_sqldb_bind_time(q, 10, pending ? now : OX_TIME_NONE);
		ox_sqldb_bind_time(q, 11, pending ? OX_TIME_NONE : now);
		bind_text(q, 12, why);
		if (sid)
			sqlite3_bind_int64(q, 13, sid);
		rc = ox_sqldb_run(&d->sql, q, "make message");
		int64_t mid = sqlite3_last_insert_rowid(d->sql.conn);
		for (size_t i = 0; !rc && i < count; i++) {
			sqlite3_bind_int64(m, 1, gid);
			sqlite3_bind_int64(m, 2, nids[i]);
			sqlite3_bind_int64(m, 3, mid);
			rc = ox_sqldb_run(&d->sql, m, "make message: members");
		}
		if (!rc) {
			if (pending)
				atomic_fetch_add(&a->pending, 1);
			else if (strcmp(state, "dead") == 0)
				atomic_fetch_add(&a->dead, 1);
			else
				atomic_fetch_add(&a->silenced, 1);
		}
	}
	ox_buf_release(&body);
	return rc;
}

/* Flush one due group: its waiting notices (up to OX_WH_GROUP_MAX) become
 * one message, and those an active silence matches one silenced message. */
static int flush_group(struct ox_alerts *a, int64_t gid, const char *receiver, int route, const char *gkey,
		       int64_t now, struct ox_notice *n, int64_t *nids)
{
	struct db *d = &a->dlv;
	sqlite3_stmt *q = ox_sqldb_stmt(&d->sql, ST_WAITING), *f = ox_sqldb_stmt(&d->sql, ST_GROUP_FLUSHED);
	if (!q || !f)
		return OX_ALERT_EDB;
	sqlite3_bind_int64(q, 1, gid);
	sqlite3_bind_int(q, 2, OX_WH_GROUP_MAX + 1);
	size_t count = 0;
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW && count < OX_WH_GROUP_MAX + 1) {
		row_notice(q, &n[count], &nids[count]);
		count++;
	}
	ox_sqldb_done(q);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return ox_sqldb_dberr(&d->sql, "flush: read");
	bool more = count > OX_WH_GROUP_MAX;
	if (more)
		count = OX_WH_GROUP_MAX;
	/* the live notices stay in n, the silenced ones move to sn (order kept) */
	struct ox_notice *sn = ox_xcalloc(count ? count : 1, sizeof *sn);
	int64_t *sids = ox_xcalloc(count ? count : 1, sizeof *sids);
	size_t live = 0, quiet = 0;
	int64_t first_sid = 0;
	for (size_t i = 0; i < count; i++) {
		int64_t sid = silenced_by(a, &n[i], now);
		if (sid) {
			if (!first_sid)
				first_sid = sid;
			sn[quiet] = n[i];
			sids[quiet++] = nids[i];
		} else {
			if (live != i)
				n[live] = n[i];
			nids[live++] = nids[i];
		}
	}
	rc = 0;
	if (live)
		rc = message_make(a, gid, receiver, route, gkey, n, nids, live, "pending", 0, NULL, now);
	if (!rc && quiet) {
		char why[64];
		snprintf(why, sizeof why, "silenced by silence %" PRId64, first_sid);
		rc = message_make(a, gid, receiver, route, gkey, sn, sids, quiet, "silenced", first_sid, why, now);
	}
	free(sn);
	free(sids);
	if (rc)
		return rc;
	sqlite3_bind_int64(f, 1, gid);
	ox_sqldb_bind_time(f, 2, more ? now : OX_TIME_NONE); /* the rest of a burst goes at once */
	ox_sqldb_bind_time(f, 3, count ? now : OX_TIME_NONE);  /* nothing was waiting: no message made */
	return ox_sqldb_run(&d->sql, f, "flush: group");
}

/* Flush every group that is due: one transaction. */
static int flush_groups(struct ox_alerts *a, int64_t now)
{
	struct db *d = &a->dlv;
	sqlite3_stmt *q = ox_sqldb_stmt(&d->sql, ST_DUE_GROUPS);
	if (!q)
		return OX_ALERT_EDB;
	struct due {
		int64_t id;
		int route;
		char *receiver, *gkey;
	} due[64];
	size_t nd = 0;
	sqlite3_bind_int64(q, 1, now);
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW && nd < OX_ARRAY_LEN(due))
		due[nd++] = (struct due){ sqlite3_column_int64(q, 0), sqlite3_column_int(q, 2),
					  ox_xstrndup(ox_sqldb_col_text(q, 1), strlen(ox_sqldb_col_text(q, 1))),
					  ox_xstrndup(ox_sqldb_col_text(q, 3), strlen(ox_sqldb_col_text(q, 3))) };
	ox_sqldb_done(q);
	rc = rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : ox_sqldb_dberr(&d->sql, "flush: due groups");
	if (!rc && nd) {
		struct ox_notice *n = ox_xcalloc(OX_WH_GROUP_MAX + 1, sizeof *n);
		int64_t *nids = ox_xcalloc(OX_WH_GROUP_MAX + 1, sizeof *nids);
		rc = tx_begin(d);
		for (size_t i = 0; !rc && i < nd; i++)
			rc = flush_group(a, due[i].id, due[i].receiver, due[i].route, due[i].gkey, now, n, nids);
		if (!rc)
			rc = tx_commit(d);
		if (rc)
			tx_rollback(d);
		free(n);
		free(nids);
	}
	for (size_t i = 0; i < nd; i++) {
		free(due[i].receiver);
		free(due[i].gkey);
	}
	return rc;
}

/* ---- attempts ---------------------------------------------------------------------------------- */

/* The notices of message mid into *n (grown as needed); their count. */
static int message_notices(struct db *d, int64_t mid, struct ox_notice **n, size_t *cap, size_t *count)
{
	sqlite3_stmt *q = ox_sqldb_stmt(&d->sql, ST_MSG_NOTICES);
	if (!q)
		return OX_ALERT_EDB;
	*count = 0;
	sqlite3_bind_int64(q, 1, mid);
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		int64_t id;
		OX_GROW(*n, *cap, *count + 1);
		row_notice(q, &(*n)[*count], &id);
		(*count)++;
	}
	ox_sqldb_done(q);
	return rc == SQLITE_DONE ? 0 : ox_sqldb_dberr(&d->sql, "message notices");
}

static size_t on_reply(char *p, size_t size, size_t n, void *ctx)
{
	struct ox_buf *b = ctx;
	ox_buf_add(b, p, size * n); /* over the maximum: the rest is dropped */
	return size * n;
}

static void slot_headers(struct slot *s)
{
	curl_slist_free_all(s->headers);
	s->headers = curl_slist_append(NULL, "Expect:"); /* no 100-continue round trip */
	for (size_t i = 0; i < s->rq.n_headers; i++)
		s->headers = curl_slist_append(s->headers, s->rq.headers[i]);
}

/* Start the next due message of slot s's receiver, if there is one;
 * otherwise lower *wake to when there will be. */
static int attempt_start(struct ox_alerts *a, struct slot *s, int64_t now, int64_t *wake)
{
	struct db *d = &a->dlv;
	const struct ox_alert_channel *ch = &a->cfg->channels[s->ch];
	sqlite3_stmt *q = ox_sqldb_stmt(&d->sql, ST_NEXT_MSG);
	if (!q)
		return OX_ALERT_EDB;
	struct ox_notice *notices = NULL;
	size_t cap = 0, count = 0;
	int rc = 0;
	for (;;) {
		bind_text(q, 1, ch->name);
		sqlite3_bind_int64(q, 2, now);
		int step = sqlite3_step(q);
		if (step != SQLITE_ROW) {
			ox_sqldb_done(q);
			if (step != SQLITE_DONE)
				rc = ox_sqldb_dberr(&d->sql, "next message");
			break;
		}
		int64_t mid = sqlite3_column_int64(q, 0);
		bool same_type = strcmp(ox_sqldb_col_text(q, 1), ox_wh_type_name(ch->type)) == 0;
		char idem[64];
		snprintf(idem, sizeof idem, "%s", ox_sqldb_col_text(q, 2));
		char *payload = ox_xstrndup(ox_sqldb_col_text(q, 3), (size_t)sqlite3_column_bytes(q, 3));
		size_t plen = (size_t)sqlite3_column_bytes(q, 3);
		int round_attempts = sqlite3_column_int(q, 4);
		int64_t round_started = sqlite3_column_int64(q, 5);
		char *gkey = ox_xstrndup(ox_sqldb_col_text(q, 6), strlen(ox_sqldb_col_text(q, 6)));
		ox_sqldb_done(q);

		bool loaded = false;
		if (any_silence_active(a, now)) { /* silenced since it was made? */
			if ((rc = message_notices(d, mid, &notices, &cap, &count))) {
				free(payload);
				free(gkey);
				break;
			}
			loaded = true;
			int64_t sid = 0;
			for (size_t i = 0; i < count; i++) {
				int64_t x = silenced_by(a, &notices[i], now);
				if (!x) {
					sid = 0;
					break;
				}
				if (!sid)
					sid = x;
			}
			if (sid && count) {
				sqlite3_stmt *u = ox_sqldb_stmt(&d->sql, ST_MSG_SILENCED);
				char why[64];
				snprintf(why, sizeof why, "silenced by silence %" PRId64, sid);
				if (u) {
					sqlite3_bind_int64(u, 1, mid);
					sqlite3_bind_int64(u, 2, sid);
					bind_text(u, 3, why);
					sqlite3_bind_int64(u, 4, now);
				}
				rc = u ? run_write(d, u, "silence message") : OX_ALERT_EDB;
				free(payload);
				free(gkey);
				if (rc)
					break;
				atomic_fetch_sub(&a->pending, 1);
				atomic_fetch_add(&a->silenced, 1);
				continue; /* the next message of this receiver */
			}
		}
		if (!same_type) { /* the channel changed type since: render it anew */
			if (!loaded)
				rc = message_notices(d, mid, &notices, &cap, &count);
			struct ox_buf body;
			ox_buf_init(&body, OX_WH_BODY_MAX);
			sqlite3_stmt *u = ox_sqldb_stmt(&d->sql, ST_MSG_PAYLOAD);
			if (!rc && count && u && render(a, ch, ch->name, gkey, idem, notices, count, &body) == 0) {
				sqlite3_bind_int64(u, 1, mid);
				bind_text(u, 2, ox_wh_type_name(ch->type));
				sqlite3_bind_text(u, 3, body.data, (int)body.len, SQLITE_STATIC);
				rc = run_write(d, u, "render message");
				free(payload);
				plen = body.len;
				payload = ox_xstrndup(body.data, body.len);
			}
			ox_buf_release(&body);
		}
		free(gkey);
		if (rc) {
			free(payload);
			break;
		}
		struct ox_wh_target t = { ch->type, ch->url, ch->secret };
		if (ox_wh_prepare(&t, payload, plen, idem, now, &s->rq) < 0) {
			free(payload);
			rc = ox_sqldb_fail(&d->sql, OX_ALERT_EINVAL,
					   "message %" PRId64 ": the request could not be made", mid);
			break;
		}
		free(payload);
		slot_headers(s);
		ox_buf_reset(&s->reply);
		s->curl_err[0] = '\0';
		curl_easy_setopt(s->easy, CURLOPT_URL, s->rq.url.data);
		curl_easy_setopt(s->easy, CURLOPT_POSTFIELDS, s->rq.body.data);
		curl_easy_setopt(s->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)s->rq.body.len);
		curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, s->headers);
		s->msg_id = mid;
		s->round_attempts = round_attempts;
		s->round_started = round_started;
		s->started = now;
		if (curl_multi_add_handle(a->multi, s->easy) != CURLM_OK) {
			rc = ox_sqldb_fail(&d->sql, OX_ALERT_ESYS, "curl: cannot start a transfer");
			break;
		}
		s->busy = true;
		break;
	}
	free(notices);
	if (!rc && !s->busy) { /* nothing due: when is the next? */
		sqlite3_stmt *n = ox_sqldb_stmt(&d->sql, ST_NEXT_DUE);
		if (!n)
			return OX_ALERT_EDB;
		bind_text(n, 1, ch->name);
		if (sqlite3_step(n) == SQLITE_ROW && sqlite3_column_type(n, 0) != SQLITE_NULL &&
		    sqlite3_column_int64(n, 0) < *wake)
			*wake = sqlite3_column_int64(n, 0);
		ox_sqldb_done(n);
	}
	return rc;
}

/* The wait before retry number k (1, 2, ...) of a round: full jitter
 * between backoff_initial and min(backoff_max, backoff_initial * 2^(k-1)). */
static int64_t backoff(const struct ox_alert_delivery *dl, int k)
{
	int64_t cap = dl->backoff_initial;
	for (int i = 1; i < k && cap < dl->backoff_max; i++)
		cap *= 2;
	if (cap > dl->backoff_max)
		cap = dl->backoff_max;
	int64_t span = cap - dl->backoff_initial;
	if (span <= 0)
		return dl->backoff_initial;
	if (span > (int64_t)UINT32_MAX - 1)
		span = (int64_t)UINT32_MAX - 1;
	return dl->backoff_initial + (int64_t)randombytes_uniform((uint32_t)span + 1);
}

/* Read the answer of a finished transfer into a result. */
static void attempt_finish(struct ox_alerts *a, struct slot *s, CURLcode cc, int64_t now, struct result *r)
{
	const struct ox_alert_channel *ch = &a->cfg->channels[s->ch];
	const struct ox_alert_delivery *dl = &a->cfg->delivery;
	long status = 0;
	curl_off_t retry_after = 0;
	memset(r, 0, sizeof *r);
	r->msg_id = s->msg_id;
	r->at = now;
	r->next = OX_TIME_NONE;
	r->done = OX_TIME_NONE;
	enum ox_wh_verdict v;
	if (cc == CURLE_OK) {
		curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_getinfo(s->easy, CURLINFO_RETRY_AFTER, &retry_after);
		v = ox_wh_verdict(ch->type, status, s->reply.data, s->reply.len, r->why, sizeof r->why);
	} else {
		v = OX_WH_RETRY;
		if (cc == CURLE_OPERATION_TIMEDOUT)
			snprintf(r->why, sizeof r->why, "no answer within %" PRId64 " ms", dl->timeout);
		else
			snprintf(r->why, sizeof r->why, "%.80s%s%.160s", curl_easy_strerror(cc),
				 s->curl_err[0] ? ": " : "", s->curl_err);
	}
	r->status = status;
	if (v == OX_WH_DELIVERED) {
		r->state = "sent";
		r->done = now;
		return;
	}
	r->failed = true;
	int64_t deadline = s->round_started + dl->give_up_after;
	if (v == OX_WH_REJECTED || now >= deadline) {
		if (v != OX_WH_REJECTED) {
			char a2[OX_DUR_BUFSZ], keep[OX_ALERT_ERRSZ];
			memcpy(keep, r->why, sizeof keep);
			snprintf(r->why, sizeof r->why, "gave up after %s: %.200s",
				 ox_duration_format(dl->give_up_after, a2), keep);
		}
		r->state = "dead";
		r->done = now;
		return;
	}
	int64_t wait = backoff(dl, s->round_attempts + 1);
	if (retry_after > 0 && (int64_t)retry_after * 1000 > wait)
		wait = (int64_t)retry_after * 1000 < dl->backoff_max ? (int64_t)retry_after * 1000 : dl->backoff_max;
	r->state = "pending";
	r->next = now + wait < deadline ? now + wait : deadline;
}

static int results_record(struct ox_alerts *a, const struct result *r, size_t n)
{
	struct db *d = &a->dlv;
	sqlite3_stmt *q = ox_sqldb_stmt(&d->sql, ST_MSG_RESULT);
	int rc = q ? tx_begin(d) : OX_ALERT_EDB;
	for (size_t i = 0; !rc && i < n; i++) {
		sqlite3_bind_int64(q, 1, r[i].msg_id);
		bind_text(q, 2, r[i].state);
		ox_sqldb_bind_time(q, 3, r[i].next);
		sqlite3_bind_int64(q, 4, r[i].at);
		if (r[i].status)
			sqlite3_bind_int64(q, 5, r[i].status);
		bind_text(q, 6, r[i].why[0] ? r[i].why : NULL);
		ox_sqldb_bind_time(q, 7, r[i].done);
		rc = ox_sqldb_run(&d->sql, q, "record attempt");
	}
	if (!rc)
		rc = tx_commit(d);
	if (rc) {
		tx_rollback(d);
		return rc;
	}
	for (size_t i = 0; i < n; i++) {
		if (r[i].failed)
			atomic_fetch_add(&a->failed, 1);
		if (strcmp(r[i].state, "sent") == 0) {
			atomic_fetch_sub(&a->pending, 1);
			atomic_fetch_add(&a->sent, 1);
		} else if (strcmp(r[i].state, "dead") == 0) {
			atomic_fetch_sub(&a->pending, 1);
			atomic_fetch_add(&a->dead, 1);
		}
	}
	return 0;
}

/* ---- housekeeping ------------------------------------------------------------------------------ */

#define PRUNE_EVERY (10 * OX_MS_MINUTE)

static int prune(struct ox_alerts *a, int64_t now)
{
	struct db *d = &a->dlv;
	int64_t keep = now - a->cfg->delivery.retention;
	int64_t idle = now - a->max_group_life;
	static const enum stmt_id order[] = { ST_PRUNE_MEMBERS, ST_PRUNE_MESSAGES, ST_PRUNE_NOTICES,
					      ST_PRUNE_GROUP_MEMBERS, ST_PRUNE_GROUPS, ST_PRUNE_SILENCES };
	int rc = tx_begin(d);
	for (size_t i = 0; !rc && i < OX_ARRAY_LEN(order); i++) {
		sqlite3_stmt *q = ox_sqldb_stmt(&d->sql, order[i]);
		if (!q) {
			rc = OX_ALERT_EDB;
			break;
		}
		bool groups = order[i] == ST_PRUNE_GROUP_MEMBERS || order[i] == ST_PRUNE_GROUPS;
		sqlite3_bind_int64(q, 1, groups ? idle : keep);
		rc = ox_sqldb_run(&d->sql, q, "prune");
	}
	if (!rc)
		rc = tx_commit(d);
	if (rc)
		tx_rollback(d);
	return rc;
}

static int64_t count_state(struct db *d, const char *state)
{
	sqlite3_stmt *q = ox_sqldb_stmt(&d->sql, ST_COUNT_STATE);
	int64_t n = 0;
	if (!q)
		return 0;
	bind_text(q, 1, state);
	if (sqlite3_step(q) == SQLITE_ROW)
		n = sqlite3_column_int64(q, 0);
	ox_sqldb_done(q);
	return n;
}

/* At start: pending messages of receivers no longer configured are dead
 * (retry them once the receiver is back). */
static int orphans(struct ox_alerts *a, int64_t now)
{
	struct db *d = &a->dlv;
	if (!a->cfg->n_channels) /* alerting off is not receivers removed: keep them for later */
		return 0;
	sqlite3_stmt *q = ox_sqldb_stmt(&d->sql, ST_PENDING_RECEIVERS), *u = ox_sqldb_stmt(&d->sql, ST_MSG_ORPHAN);
	if (!q || !u)
		return OX_ALERT_EDB;
	char **gone = NULL;
	size_t n = 0, cap = 0;
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		if (!ox_alert_channel_find(a->cfg, ox_sqldb_col_text(q, 0))) {
			OX_GROW(gone, cap, n + 1);
			gone[n++] = ox_xstrndup(ox_sqldb_col_text(q, 0), strlen(ox_sqldb_col_text(q, 0)));
		}
	ox_sqldb_done(q);
	rc = rc == SQLITE_DONE ? 0 : ox_sqldb_dberr(&d->sql, "pending receivers");
	for (size_t i = 0; i < n; i++) {
		char why[OX_ALERT_ERRSZ];
		snprintf(why, sizeof why, "receiver '%.64s' is not in the configuration", gone[i]);
		if (!rc) {
			bind_text(u, 1, gone[i]);
			bind_text(u, 2, why);
			sqlite3_bind_int64(u, 3, now);
			rc = run_write(d, u, "dead letters of removed receivers");
		}
		free(gone[i]);
	}
	free(gone);
	return rc;
}

/* ---- the delivery thread ----------------------------------------------------------------------- */

#define SLEEP_MAX 1000 /* ms: the clock is looked at least this often */

static bool any_busy(const struct ox_alerts *a)
{
	for (size_t i = 0; i < a->cfg->n_channels; i++)
		if (a->slots[i].busy)
			return true;
	return false;
}

static void *delivery(void *arg)
{
	struct ox_alerts *a = arg;
	struct result *res = ox_xcalloc(a->cfg->n_channels ? a->cfg->n_channels : 1, sizeof *res);
	for (;;) {
		bool stopping = atomic_load(&a->stopping);
		int rc = 0;
		int64_t now = now_of(a);
		int64_t wake = now + SLEEP_MAX;
		bool more = false;
		if (!stopping) {
			if ((rc = route_batch(a, now)) > 0) {
				more = true;
				rc = 0;
			}
			/* the silences after routing, the time after them: a notice
			 * enqueued after a silence was made meets that silence, and
			 * the silence has started by then */
			if (!rc && (atomic_load(&a->sil_gen) != a->sil_seen || now - a->sil_loaded_at >= 10 * OX_MS_SECOND))
				rc = silences_load(a, now_of(a));
			now = now_of(a);
			if (!rc)
				rc = flush_groups(a, now);
			if (!rc && now >= a->next_prune) {
				rc = prune(a, now);
				a->next_prune = now + PRUNE_EVERY;
			}
			for (size_t i = 0; !rc && i < a->cfg->n_channels; i++)
				if (!a->slots[i].busy)
					rc = attempt_start(a, &a->slots[i], now, &wake);
			if (!rc) {
				sqlite3_stmt *q = ox_sqldb_stmt(&a->dlv.sql, ST_NEXT_FLUSH);
				if (q && sqlite3_step(q) == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL &&
				    sqlite3_column_int64(q, 0) < wake)
					wake = sqlite3_column_int64(q, 0);
				if (q)
					ox_sqldb_done(q);
			}
			if (rc) {
				loop_error(a, a->dlv.sql.err);
				wake = now + SLEEP_MAX; /* a busy database, a full disk: try again later */
				more = false;
			}
		}
		int running = 0;
		curl_multi_perform(a->multi, &running);
		size_t nres = 0;
		CURLMsg *m;
		int left;
		int64_t t = now_of(a);
		while ((m = curl_multi_info_read(a->multi, &left))) {
			if (m->msg != CURLMSG_DONE)
				continue;
			struct slot *s = NULL;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)(void *)&s);
			CURLcode cc = m->data.result;
			attempt_finish(a, s, cc, t, &res[nres++]);
			curl_multi_remove_handle(a->multi, s->easy);
			s->busy = false;
			more = true; /* its receiver may have more due at once */
		}
		if (nres && (rc = results_record(a, res, nres)))
			loop_error(a, a->dlv.sql.err); /* the messages stay pending: sent again later */
		if (stopping && !any_busy(a))
			break;
		int64_t sleep = more ? 0 : wake - now_of(a);
		if (stopping)
			sleep = 100;
		if (sleep > SLEEP_MAX)
			sleep = SLEEP_MAX;
		if (sleep > 0)
			curl_multi_poll(a->multi, NULL, 0, (int)sleep, NULL);
	}
	free(res);
	return NULL;
}

/* ---- start and stop ------------------------------------------------------------------------------ */

static void index_routes(const struct ox_alert_route *r, const struct ox_alert_route **by_id, int n,
			 int64_t *life)
{
	if (r->id >= 0 && r->id < n)
		by_id[r->id] = r;
	if (r->repeat_interval > *life)
		*life = r->repeat_interval;
	if (r->group_interval > *life)
		*life = r->group_interval;
	for (size_t i = 0; i < r->n_routes; i++)
		index_routes(&r->routes[i], by_id, n, life);
}

static void slots_free(struct ox_alerts *a)
{
	for (size_t i = 0; a->slots && i < a->cfg->n_channels; i++) {
		struct slot *s = &a->slots[i];
		if (s->easy) {
			if (s->busy)
				curl_multi_remove_handle(a->multi, s->easy);
			curl_easy_cleanup(s->easy);
		}
		curl_slist_free_all(s->headers);
		ox_wh_request_release(&s->rq);
		ox_buf_release(&s->reply);
	}
	free(a->slots);
	a->slots = NULL;
}

static void alerts_free(struct ox_alerts *a)
{
	slots_free(a);
	if (a->multi)
		curl_multi_cleanup(a->multi);
	db_close(&a->dlv);
	db_close(&a->enq);
	db_close(&a->api);
	silences_free(a->sil, a->n_sil);
	free(a->route_by_id);
	pthread_mutex_destroy(&a->enq_mu);
	pthread_mutex_destroy(&a->api_mu);
	pthread_mutex_destroy(&a->writers.mu);
	pthread_cond_destroy(&a->writers.cv);
	curl_global_cleanup();
	free(a);
}

const struct ox_alert_config *ox_alerts_config(const struct ox_alerts *a)
{
	return a->cfg;
}

struct ox_alerts *ox_alerts_start(const struct ox_alerts_opts *o, char *err, size_t errsz)
{
	if (!o || !o->db_path || !o->config) {
		snprintf(err, errsz, "alerts: db_path and config are required");
		return NULL;
	}
	if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errsz, "alerts: cannot initialise libsodium or libcurl");
		return NULL;
	}
	struct ox_alerts *a = ox_xcalloc(1, sizeof *a);
	a->cfg = o->config;
	a->now = o->now ? o->now : wall_ms;
	a->now_ctx = o->now_ctx;
	pthread_mutex_init(&a->enq_mu, NULL);
	pthread_mutex_init(&a->api_mu, NULL);
	pthread_mutex_init(&a->writers.mu, NULL);
	pthread_cond_init(&a->writers.cv, NULL);
	int n_routes = a->cfg->n_routes > 0 ? a->cfg->n_routes : 1;
	a->route_by_id = ox_xcalloc((size_t)n_routes, sizeof *a->route_by_id);
	index_routes(&a->cfg->route, a->route_by_id, n_routes, &a->max_group_life);

	int rc;
	int64_t now = now_of(a);
	const char *what = a->dlv.sql.err;
	if ((rc = db_open(&a->dlv, o->db_path, &a->writers, false, true)) || (rc = orphans(a, now)) || (rc = silences_load(a, now)))
		goto bad;
	what = a->enq.sql.err;
	if ((rc = db_open(&a->enq, o->db_path, &a->writers, true, false)))
		goto bad;
	what = a->api.sql.err;
	if ((rc = db_open(&a->api, o->db_path, &a->writers, false, false)))
		goto bad;
	atomic_store(&a->pending, (uint64_t)count_state(&a->dlv, "pending"));
	atomic_store(&a->dead, (uint64_t)count_state(&a->dlv, "dead"));

	what = "curl";
	if (!(a->multi = curl_multi_init()))
		goto bad;
	a->slots = ox_xcalloc(a->cfg->n_channels ? a->cfg->n_channels : 1, sizeof *a->slots);
	for (size_t i = 0; i < a->cfg->n_channels; i++) {
		struct slot *s = &a->slots[i];
		s->a = a;
		s->ch = i;
		ox_wh_request_init(&s->rq);
		ox_buf_init(&s->reply, 64 * 1024);
		if (!(s->easy = curl_easy_init()))
			goto bad;
		curl_easy_setopt(s->easy, CURLOPT_PRIVATE, (char *)s);
		curl_easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, on_reply);
		curl_easy_setopt(s->easy, CURLOPT_WRITEDATA, &s->reply);
		curl_easy_setopt(s->easy, CURLOPT_ERRORBUFFER, s->curl_err);
		curl_easy_setopt(s->easy, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(s->easy, CURLOPT_TIMEOUT_MS, (long)a->cfg->delivery.timeout);
		curl_easy_setopt(s->easy, CURLOPT_CONNECTTIMEOUT_MS, (long)a->cfg->delivery.timeout);
		curl_easy_setopt(s->easy, CURLOPT_FOLLOWLOCATION, 0L); /* a signed request goes where it was sent */
		curl_easy_setopt(s->easy, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(s->easy, CURLOPT_USERAGENT, "ordex-alerts/1");
		curl_easy_setopt(s->easy, CURLOPT_TCP_KEEPALIVE, 1L);
		curl_easy_setopt(s->easy, CURLOPT_POST, 1L);
	}
	if (pthread_create(&a->thread, NULL, delivery, a) != 0) {
		what = "cannot start the delivery thread";
		goto bad;
	}
	a->thread_started = true;
	return a;
bad:
	snprintf(err, errsz, "%s: %s", o->db_path, what);
	alerts_free(a);
	return NULL;
}

void ox_alerts_stop(struct ox_alerts *a)
{
	if (!a)
		return;
	atomic_store(&a->stopping, true);
	wake(a);
	if (a->thread_started)
		pthread_join(a->thread, NULL);
	alerts_free(a);
}

void ox_alerts_stats(struct ox_alerts *a, struct ox_alerts_stats *s)
{
	*s = (struct ox_alerts_stats){
		.pending = atomic_load(&a->pending),
		.dead = atomic_load(&a->dead),
		.sent = atomic_load(&a->sent),
		.failed_attempts = atomic_load(&a->failed),
		.silenced = atomic_load(&a->silenced),
		.throttled = atomic_load(&a->throttled),
		.notices = atomic_load(&a->notices),
	};
}

/* ---- the API side: silences -------------------------------------------------------------------- */

static int api_err(struct ox_alerts *a, int rc, char err[OX_ALERT_ERRSZ])
{
	if (rc && err)
		snprintf(err, OX_ALERT_ERRSZ, "%s", a->api.sql.err);
	return rc;
}

static bool text_ok(const char *z, size_t max)
{
	size_t n = strlen(z);
	if (n > max)
		return false;
	struct ox_buf b;
	ox_buf_init(&b, SIZE_MAX);
	ox_wh_utf8_clean(&b, z, n);
	bool same = b.len == n; /* no byte was replaced */
	ox_buf_release(&b);
	for (size_t i = 0; same && i < n; i++)
		if ((unsigned char)z[i] < 0x20 || z[i] == 0x7f)
			same = false;
	return same;
}

int ox_alerts_silence_add(struct ox_alerts *a, const struct ox_alert_matcher *m, size_t n, int64_t starts,
			  int64_t ends, const char *created_by, const char *comment, int64_t *id,
			  char err[OX_ALERT_ERRSZ])
{
	int64_t now = now_of(a);
	pthread_mutex_lock(&a->api_mu);
	struct db *d = &a->api;
	int rc = 0;
	if (!n || !m)
		rc = ox_sqldb_fail(&d->sql, OX_ALERT_EINVAL, "matchers: at least one label is needed");
	for (size_t i = 0; !rc && i < n; i++) {
		if ((unsigned)m[i].label >= OX_AL__COUNT || !m[i].n || m[i].n > OX_ALERT_VALUES_MAX) {
			rc = ox_sqldb_fail(&d->sql, OX_ALERT_EINVAL, "matchers: bad matcher %zu", i);
			break;
		}
		for (size_t j = 0; j < m[i].n && !rc; j++) {
			char norm[OX_ALERT_VALUE_MAX], why[200];
			const char *v = m[i].values[j];
			if (!v || ox_alert_value_check(m[i].label, v, strlen(v), norm, why, sizeof why) < 0)
				rc = ox_sqldb_fail(&d->sql, OX_ALERT_EINVAL, "matchers.%s: %s",
						   ox_alert_label_name(m[i].label), v ? why : "missing value");
		}
		for (size_t k = 0; k < i && !rc; k++)
			if (m[k].label == m[i].label)
				rc = ox_sqldb_fail(&d->sql, OX_ALERT_EINVAL, "matchers: label \"%s\" given twice",
						   ox_alert_label_name(m[i].label));
	}
	if (!rc && ends <= now)
		rc = ox_sqldb_fail(&d->sql, OX_ALERT_EINVAL, "ends_at is in the past");
	else if (!rc && starts >= ends)
		rc = ox_sqldb_fail(&d->sql, OX_ALERT_EINVAL, "ends_at must be after starts_at");
	else if (!rc && (!created_by || !created_by[0] || !text_ok(created_by, 64)))
		rc = ox_sqldb_fail(&d->sql, OX_ALERT_EINVAL, "created_by: expected 1..64 bytes of text");
	else if (!rc && comment && !text_ok(comment, 1024))
		rc = ox_sqldb_fail(&d->sql, OX_ALERT_EINVAL, "comment: expected at most 1024 bytes of text");
	if (!rc) {
		struct ox_buf js;
		ox_buf_init(&js, SIZE_MAX);
		matchers_json(&js, m, n);
		sqlite3_stmt *q = ox_sqldb_stmt(&d->sql, ST_SIL_INSERT);
		if (q) {
			sqlite3_bind_text(q, 1, js.data, (int)js.len, SQLITE_STATIC);
			sqlite3_bind_int64(q, 2, starts);
			sqlite3_bind_int64(q, 3, ends);
			bind_text(q, 4, created_by);
			bind_text(q, 5, comment ? comment : "");
			sqlite3_bind_int64(q, 6, now);
			rc = run_write(d, q, "add silence");
			if (!rc && id)
				*id = sqlite3_last_insert_rowid(d->sql.conn);
		} else {
			rc = OX_ALERT_EDB;
		}
		ox_buf_release(&js);
	}
	rc = api_err(a, rc, err);
	pthread_mutex_unlock(&a->api_mu);
	if (!rc) {
		atomic_fetch_add(&a->sil_gen, 1);
		wake(a);
	}
	return rc;
}

/* A time member: an RFC 3339 string or ms since the epoch. */
static int json_time(const struct ox_json_tok *t, int64_t *out)
{
	if (t->type == OX_JSON_STRING)
		return ox_time_parse(t->s, t->len, out);
	if (t->type == OX_JSON_NUMBER && (t->flags & OX_JSON_F_INT) && t->len < 19) {
		char num[24];
		memcpy(num, t->s, t->len);
		num[t->len] = '\0';
		*out = strtoll(num, NULL, 10);
		return 0;
	}
	return -1;
}

static char *json_strdup(const struct ox_json_tok *t)
{
	return t->type == OX_JSON_STRING && !(t->flags & OX_JSON_F_NUL) ? ox_xstrndup(t->s, t->len) : NULL;
}

int ox_alerts_silence_add_json(struct ox_alerts *a, const char *body, size_t len, const char *created_by,
			       int64_t *id, char err[OX_ALERT_ERRSZ])
{
	struct ox_json j;
	ox_json_init(&j, 8);
	char why[OX_ALERT_ERRSZ] = "";
	struct ox_alert_matcher *m = NULL;
	size_t mn = 0;
	char *by = NULL, *comment = NULL;
	int64_t now = now_of(a), starts = now, ends = OX_TIME_NONE, dur = -1;
	bool have_m = false;
	if (ox_json_parse(&j, body, len) < 0 || j.toks[0].type != OX_JSON_OBJECT) {
		snprintf(why, sizeof why, "body: expected a JSON object");
		goto bad;
	}
	const struct ox_json_tok *t = j.toks;
	for (uint32_t k = 1; k < j.n; k = t[k + 1].end) {
		struct ox_str key = { t[k].s, t[k].len };
		const struct ox_json_tok *v = &t[k + 1];
		if (ox_str_eqz(key, "matchers")) {
			if (matchers_parse(&j, k + 1, &m, &mn, why, sizeof why) < 0)
				goto bad;
			have_m = true;
		} else if (ox_str_eqz(key, "starts_at")) {
			if (json_time(v, &starts) < 0) {
				snprintf(why, sizeof why, "starts_at: expected an RFC 3339 time or milliseconds");
				goto bad;
			}
		} else if (ox_str_eqz(key, "ends_at")) {
			if (json_time(v, &ends) < 0) {
				snprintf(why, sizeof why, "ends_at: expected an RFC 3339 time or milliseconds");
				goto bad;
			}
		} else if (ox_str_eqz(key, "duration")) {
			if (v->type != OX_JSON_STRING || ox_duration_parse(v->s, v->len, &dur) < 0 || dur <= 0) {
				snprintf(why, sizeof why, "duration: expected a duration such as 2h or 30m");
				goto bad;
			}
		} else if (ox_str_eqz(key, "created_by")) {
			free(by);
			if (!(by = json_strdup(v))) {
				snprintf(why, sizeof why, "created_by: expected a string");
				goto bad;
			}
		} else if (ox_str_eqz(key, "comment")) {
			free(comment);
			if (!(comment = json_strdup(v))) {
				snprintf(why, sizeof why, "comment: expected a string");
				goto bad;
			}
		} else {
			snprintf(why, sizeof why, "unknown member \"%.*s\" (matchers, starts_at, ends_at, duration, "
						  "created_by, comment)",
				 (int)(key.len > 32 ? 32 : key.len), key.s);
			goto bad;
		}
	}
	if (!have_m) {
		snprintf(why, sizeof why, "matchers: required");
		goto bad;
	}
	if ((ends == OX_TIME_NONE) == (dur < 0)) {
		snprintf(why, sizeof why, "give either ends_at or duration");
		goto bad;
	}
	if (dur >= 0)
		ends = starts + dur;
	int rc = ox_alerts_silence_add(a, m, mn, starts, ends, created_by ? created_by : by, comment, id, err);
	ox_alert_matchers_free(m, mn);
	free(by);
	free(comment);
	ox_json_release(&j);
	return rc;
bad:
	if (err)
		snprintf(err, OX_ALERT_ERRSZ, "%s", why);
	ox_alert_matchers_free(m, mn);
	free(by);
	free(comment);
	ox_json_release(&j);
	return OX_ALERT_EINVAL;
}

int ox_alerts_silence_expire(struct ox_alerts *a, int64_t id, char err[OX_ALERT_ERRSZ])
{
	int64_t now = now_of(a);
	pthread_mutex_lock(&a->api_mu);
	struct db *d = &a->api;
	sqlite3_stmt *q = ox_sqldb_stmt(&d->sql, ST_SIL_ENDS), *u = ox_sqldb_stmt(&d->sql, ST_SIL_EXPIRE);
	int rc = q && u ? 0 : OX_ALERT_EDB;
	if (!rc) {
		sqlite3_bind_int64(q, 1, id);
		int step = sqlite3_step(q);
		int64_t ends = step == SQLITE_ROW ? sqlite3_column_int64(q, 1) : 0;
		ox_sqldb_done(q);
		if (step == SQLITE_DONE)
			rc = ox_sqldb_fail(&d->sql, OX_ALERT_ENOTFOUND, "silence %" PRId64 ": not found", id);
		else if (step != SQLITE_ROW)
			rc = ox_sqldb_dberr(&d->sql, "expire silence");
		else if (ends > now) {
			sqlite3_bind_int64(u, 1, id);
			sqlite3_bind_int64(u, 2, now);
			rc = run_write(d, u, "expire silence");
		}
	}
	rc = api_err(a, rc, err);
	pthread_mutex_unlock(&a->api_mu);
	if (!rc) {
		atomic_fetch_add(&a->sil_gen, 1);
		wake(a);
	}
	return rc;
}

/* A writer whose first failure (over the buffer's maximum) sticks. */
struct jw {
	struct ox_buf *b;
	int err;
};

__attribute__((format(printf, 2, 3))) static void jw_f(struct jw *w, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (!w->err && (n < 0 || (size_t)n >= sizeof tmp || ox_buf_add(w->b, tmp, (size_t)n) < 0))
		w->err = -1;
}

static void jw_str(struct jw *w, const char *z, size_t n)
{
	struct ox_buf c;
	ox_buf_init(&c, SIZE_MAX);
	ox_wh_utf8_clean(&c, z, n); /* stored text is ours, but a listing must stay JSON */
	if (!w->err && ox_buf_add_json_str(w->b, c.data ? c.data : "", c.len) < 0)
		w->err = -1;
	ox_buf_release(&c);
}

static void jw_col_str(struct jw *w, sqlite3_stmt *q, int c)
{
	if (sqlite3_column_type(q, c) == SQLITE_NULL)
		jw_f(w, "null");
	else
		jw_str(w, ox_sqldb_col_text(q, c), (size_t)sqlite3_column_bytes(q, c));
}

static void jw_time(struct jw *w, int64_t t)
{
	if (!w->err && ox_time_json(w->b, t) < 0)
		w->err = -1;
}

static void jw_raw(struct jw *w, const char *s, size_t n)
{
	if (!w->err && ox_buf_add(w->b, s, n) < 0)
		w->err = -1;
}

static int too_big(struct ox_alerts *a, struct ox_buf *out, size_t start)
{
	out->len = start;
	if (out->data)
		out->data[start] = '\0';
	return ox_sqldb_fail(&a->api.sql, OX_ALERT_ETOOBIG, "result over the buffer's maximum of %zu bytes", out->max);
}

int ox_alerts_silences_json(struct ox_alerts *a, struct ox_buf *out, char err[OX_ALERT_ERRSZ])
{
	int64_t now = now_of(a);
	pthread_mutex_lock(&a->api_mu);
	struct db *d = &a->api;
	size_t start = out->len;
	struct jw w = { out, 0 };
	sqlite3_stmt *q = ox_sqldb_stmt(&d->sql, ST_SIL_LIST);
	int rc = q ? 0 : OX_ALERT_EDB, step = SQLITE_DONE;
	if (!rc) {
		jw_f(&w, "{\"silences\":[");
		for (int i = 0; (step = sqlite3_step(q)) == SQLITE_ROW; i++) {
			int64_t s = sqlite3_column_int64(q, 2), e = sqlite3_column_int64(q, 3);
			jw_f(&w, "%s{\"id\":%lld,\"matchers\":", i ? "," : "", (long long)sqlite3_column_int64(q, 0));
			/* written by matchers_json */
			jw_raw(&w, ox_sqldb_col_text(q, 1), (size_t)sqlite3_column_bytes(q, 1));
			jw_f(&w, ",\"starts_at\":");
			jw_time(&w, s);
			jw_f(&w, ",\"ends_at\":");
			jw_time(&w, e);
			jw_f(&w, ",\"created_by\":");
			jw_col_str(&w, q, 4);
			jw_f(&w, ",\"comment\":");
			jw_col_str(&w, q, 5);
			jw_f(&w, ",\"created_at\":");
			jw_time(&w, sqlite3_column_int64(q, 6));
			jw_f(&w, ",\"state\":\"%s\"}", now >= e ? "expired" : now < s ? "pending" : "active");
		}
		ox_sqldb_done(q);
		jw_f(&w, "]}");
		if (step != SQLITE_DONE)
			rc = ox_sqldb_dberr(&d->sql, "list silences");
		else if (w.err)
			rc = too_big(a, out, start);
	}
	if (rc) {
		out->len = start;
		if (out->data)
			out->data[start] = '\0';
	}
	rc = api_err(a, rc, err);
	pthread_mutex_unlock(&a->api_mu);
	return rc;
}

/* ---- the API side: the outbox ---------------------------------------------------------------------- */

/* One message row (MSG_COLS) as JSON. */
static void message_json(struct db *d, struct jw *w, sqlite3_stmt *q, struct ox_json *j)
{
	int64_t id = sqlite3_column_int64(q, 0);
	jw_f(w, "{\"id\":%lld,\"receiver\":", (long long)id);
	jw_col_str(w, q, 1);
	jw_f(w, ",\"type\":");
	jw_col_str(w, q, 2);
	jw_f(w, ",\"state\":");
	jw_col_str(w, q, 3);
	jw_f(w, ",\"group_key\":");
	jw_col_str(w, q, 4);
	jw_f(w, ",\"idempotency_key\":");
	jw_col_str(w, q, 5);
	jw_f(w, ",\"notices\":[");
	sqlite3_stmt *ids = ox_sqldb_stmt(&d->sql, ST_MSG_IDEMS);
	if (ids) {
		sqlite3_bind_int64(ids, 1, id);
		for (int i = 0; sqlite3_step(ids) == SQLITE_ROW; i++) {
			if (i)
				jw_f(w, ",");
			jw_col_str(w, ids, 0);
		}
		ox_sqldb_done(ids);
	}
	jw_f(w, "],\"attempts\":%lld,\"created_at\":", (long long)sqlite3_column_int64(q, 6));
	jw_time(w, ox_sqldb_col_time(q, 7));
	jw_f(w, ",\"next_attempt_at\":");
	jw_time(w, ox_sqldb_col_time(q, 8));
	jw_f(w, ",\"last_attempt_at\":");
	jw_time(w, ox_sqldb_col_time(q, 9));
	jw_f(w, ",\"done_at\":");
	jw_time(w, ox_sqldb_col_time(q, 10));
	if (sqlite3_column_type(q, 11) == SQLITE_NULL)
		jw_f(w, ",\"last_status\":null");
	else
		jw_f(w, ",\"last_status\":%lld", (long long)sqlite3_column_int64(q, 11));
	jw_f(w, ",\"last_error\":");
	jw_col_str(w, q, 12);
	if (sqlite3_column_type(q, 13) == SQLITE_NULL)
		jw_f(w, ",\"silence_id\":null");
	else
		jw_f(w, ",\"silence_id\":%lld", (long long)sqlite3_column_int64(q, 13));
	jw_f(w, ",\"payload\":");
	const char *p = ox_sqldb_col_text(q, 14);
	size_t pl = (size_t)sqlite3_column_bytes(q, 14);
	if (ox_json_parse(j, p, pl) == 0)
		jw_raw(w, p, pl); /* our own JSON: embedded as an object */
	else
		jw_str(w, p, pl);
	jw_f(w, "}");
}

int ox_alerts_outbox_json(struct ox_alerts *a, const struct ox_alert_filter *f, struct ox_buf *out,
			  char err[OX_ALERT_ERRSZ])
{
	static const char *const states[] = { "pending", "sent", "dead", "silenced" };
	pthread_mutex_lock(&a->api_mu);
	struct db *d = &a->api;
	size_t start = out->len;
	unsigned mask = 0;
	long limit = OX_ALERT_LIMIT_DEFAULT;
	int64_t cursor = 0;
	int rc = 0;
	if (!ox_sqldb_absent(f->state)) {
		bool ok = false;
		for (size_t i = 0; i < OX_ARRAY_LEN(states); i++)
			ok |= strcmp(f->state, states[i]) == 0;
		if (!ok)
			rc = ox_sqldb_fail(&d->sql, OX_ALERT_EINVAL,
					   "state: expected pending, sent, dead or silenced, got \"%.32s\"", f->state);
		mask |= 1u << LF_STATE;
	}
	if (!rc && !ox_sqldb_absent(f->receiver)) {
		if (strlen(f->receiver) >= OX_NAME_MAX)
			rc = ox_sqldb_fail(&d->sql, OX_ALERT_EINVAL, "receiver: longer than %d bytes", OX_NAME_MAX - 1);
		mask |= 1u << LF_RECEIVER;
	}
	if (!rc && !ox_sqldb_absent(f->limit)) {
		if (!ox_sqldb_parse_limit(f->limit, OX_ALERT_LIMIT_MAX, &limit))
			rc = ox_sqldb_fail(&d->sql, OX_ALERT_EINVAL, "limit: expected 1..%d, got \"%.32s\"",
					   OX_ALERT_LIMIT_MAX, f->limit);
	}
	if (!rc && !ox_sqldb_absent(f->cursor)) {
		if (!ox_sqldb_parse_cursor(f->cursor, &cursor))
			rc = ox_sqldb_fail(&d->sql, OX_ALERT_EINVAL,
					   "cursor: \"%.32s\" is not a cursor this API returned", f->cursor);
		mask |= 1u << LF_CURSOR;
	}
	sqlite3_stmt *q = rc ? NULL : ox_sqldb_list(&d->sql, mask);
	if (!rc && !q)
		rc = OX_ALERT_EDB;
	if (!rc) {
		struct jw w = { out, 0 };
		struct ox_json j;
		ox_json_init(&j, 64);
		ox_sqldb_bind_named_text(q, ":state", f->state);
		ox_sqldb_bind_named_text(q, ":receiver", f->receiver);
		ox_sqldb_bind_named_int(q, ":cursor", cursor);
		ox_sqldb_bind_named_int(q, ":limit", limit + 1); /* one more tells whether a next page exists */
		jw_f(&w, "{\"messages\":[");
		long n = 0;
		int64_t last = 0, next = 0;
		int step;
		while ((step = sqlite3_step(q)) == SQLITE_ROW) {
			if (n == limit) {
				next = last;
				break;
			}
			if (n)
				jw_f(&w, ",");
			message_json(d, &w, q, &j);
			last = sqlite3_column_int64(q, 0);
			n++;
		}
		ox_sqldb_done(q);
		ox_json_release(&j);
		if (next)
			jw_f(&w, "],\"next_cursor\":\"%lld\"}", (long long)next);
		else
			jw_f(&w, "],\"next_cursor\":null}");
		if (step != SQLITE_DONE && step != SQLITE_ROW)
			rc = ox_sqldb_dberr(&d->sql, "list outbox");
		else if (w.err)
			rc = too_big(a, out, start);
	}
	if (rc) {
		out->len = start;
		if (out->data)
			out->data[start] = '\0';
	}
	rc = api_err(a, rc, err);
	pthread_mutex_unlock(&a->api_mu);
	return rc;
}

int ox_alerts_dead_json(struct ox_alerts *a, const char *limit, const char *cursor, struct ox_buf *out,
			char err[OX_ALERT_ERRSZ])
{
	struct ox_alert_filter f = { .state = "dead", .limit = limit, .cursor = cursor };
	return ox_alerts_outbox_json(a, &f, out, err);
}

int ox_alerts_retry(struct ox_alerts *a, int64_t id, char err[OX_ALERT_ERRSZ])
{
	int64_t now = now_of(a);
	pthread_mutex_lock(&a->api_mu);
	struct db *d = &a->api;
	sqlite3_stmt *u = ox_sqldb_stmt(&d->sql, ST_RETRY), *q = ox_sqldb_stmt(&d->sql, ST_MSG_STATE);
	int rc = u && q ? 0 : OX_ALERT_EDB;
	if (!rc) {
		sqlite3_bind_int64(q, 1, id);
		int step = sqlite3_step(q);
		char state[16], receiver[OX_NAME_MAX + 8];
		snprintf(state, sizeof state, "%s", step == SQLITE_ROW ? ox_sqldb_col_text(q, 0) : "");
		snprintf(receiver, sizeof receiver, "%s", step == SQLITE_ROW ? ox_sqldb_col_text(q, 1) : "");
		ox_sqldb_done(q);
		if (step == SQLITE_DONE)
			rc = ox_sqldb_fail(&d->sql, OX_ALERT_ENOTFOUND, "message %" PRId64 ": not found", id);
		else if (step != SQLITE_ROW)
			rc = ox_sqldb_dberr(&d->sql, "retry");
		else if (strcmp(state, "dead") != 0)
			rc = ox_sqldb_fail(&d->sql, OX_ALERT_ESTATE, "message %" PRId64 " is %s, not dead", id, state);
		else if (!ox_alert_channel_find(a->cfg, receiver))
			rc = ox_sqldb_fail(&d->sql, OX_ALERT_ESTATE,
					   "message %" PRId64 ": receiver '%s' is not in the configuration", id,
					   receiver);
	}
	if (!rc) {
		sqlite3_bind_int64(u, 1, id);
		sqlite3_bind_int64(u, 2, now);
		rc = run_write(d, u, "retry");
		if (!rc && sqlite3_changes(d->sql.conn) == 0) /* retried by someone else meanwhile */
			rc = ox_sqldb_fail(&d->sql, OX_ALERT_ESTATE, "message %" PRId64 " is no longer dead", id);
	}
	if (!rc) {
		atomic_fetch_sub(&a->dead, 1);
		atomic_fetch_add(&a->pending, 1);
	}
	rc = api_err(a, rc, err);
	pthread_mutex_unlock(&a->api_mu);
	if (!rc)
		wake(a);
	return rc;
}

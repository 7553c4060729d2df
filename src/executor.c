/* executor.c - the call outbox and its thread (see executor.h and
 * docs/actions.md).
 *
 * One table: a row per call, pending -> done (the merchant answered, or the
 * retries ran out: the outcome is kept) -> reported (the writer logged the
 * outcome). The thread loops: mark what the writer acknowledged, report
 * the outcomes not reported yet, send the next due call (the lock released
 * during the request), record its answer, sleep until the next due time or
 * an enqueue.
 */
#include "executor.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sqldb.h"
#include "timefmt.h"
#include "webhook.h"

enum { X_EDB = -1, X_ESCHEMA = -2 };

/* Migration i+1. Append only. */
static const char *const migrations[] = {
	/* 1: the calls. body: the request body, fixed when the call was made
	 * (every attempt sends the same bytes). */
	"CREATE TABLE calls ("
	" id TEXT PRIMARY KEY,"
	" kind TEXT NOT NULL,"
	" body TEXT NOT NULL,"
	" state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'reported')),"
	" attempts INTEGER NOT NULL DEFAULT 0,"
	" running_told INTEGER NOT NULL DEFAULT 0,"
	" created_at INTEGER NOT NULL,"
	" next_attempt_at INTEGER,"
	" last_status INTEGER,"
	" last_error TEXT,"
	" outcome TEXT,"
	" done_at INTEGER) WITHOUT ROWID;"
	"CREATE INDEX calls_due ON calls (next_attempt_at) WHERE state = 'pending';"
	"CREATE INDEX calls_done ON calls (id) WHERE state = 'done';",
};

/* X(name, sql) */
#define X_STMTS(X)                                                                                  \
	X(BEGIN, "BEGIN IMMEDIATE")                                                                 \
	X(COMMIT, "COMMIT")                                                                         \
	X(INSERT,                                                                                   \
	  "INSERT OR IGNORE INTO calls (id, kind, body, state, created_at, next_attempt_at)"        \
	  " VALUES (?1, ?2, ?3, 'pending', ?4, ?4)")                                                \
	X(NEXT, "SELECT id, kind, body, attempts, running_told FROM calls WHERE state = 'pending'"  \
		" AND next_attempt_at <= ?1 ORDER BY next_attempt_at, id LIMIT 1")                  \
	X(NEXT_DUE, "SELECT min(next_attempt_at) FROM calls WHERE state = 'pending'")               \
	X(TOLD, "UPDATE calls SET running_told = 1 WHERE id = ?1")                                  \
	X(RETRY, "UPDATE calls SET attempts = ?2, next_attempt_at = ?3, last_status = ?4,"         \
		 " last_error = ?5 WHERE id = ?1 AND state = 'pending'")                            \
	X(DONE, "UPDATE calls SET state = 'done', attempts = ?2, last_status = ?3, last_error = ?4," \
		" outcome = ?5, done_at = ?6, next_attempt_at = NULL WHERE id = ?1 AND state = 'pending'") \
	X(UNREPORTED, "SELECT id, outcome FROM calls WHERE state = 'done' ORDER BY done_at, id LIMIT 64") \
	X(REPORTED, "UPDATE calls SET state = 'reported' WHERE id = ?1 AND state = 'done'")        \
	X(PENDING, "SELECT count(*) FROM calls WHERE state = 'pending'")

enum stmt_id {
#define X(name, sql) ST_##name,
	X_STMTS(X)
#undef X
	ST__COUNT
};

static const char *const stmt_sql[] = {
#define X(name, sql) sql,
	X_STMTS(X)
#undef X
};

static const char *const pragmas[] = { "PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL", NULL };

static const struct ox_sqldb_opts db_opts = {
	.edb = X_EDB,
	.eschema = X_ESCHEMA,
	.stmts = stmt_sql,
	.n_stmts = ST__COUNT,
	.migrations = migrations,
	.n_migrations = OX_ARRAY_LEN(migrations),
	.pragmas = pragmas,
	.busy_ms = 5000,
	.open_flags = SQLITE_OPEN_NOMUTEX,
};

#define SLEEP_MAX 1000      /* ms: the clock is looked at at least this often */
#define ANSWER_MAX (64 * 1024) /* bytes of an answer read */

struct ox_executor {
	struct ox_executor_opts o;
	struct ox_sqldb db;
	pthread_mutex_t mu; /* db, told, acked, stopping */
	pthread_cond_t cv;
	pthread_t thread;
	bool started;
	atomic_bool stopping;
	/* final outcomes handed to the writer and not acknowledged yet */
	char (*told)[OX_CALL_ID_MAX];
	size_t n_told, cap_told;
	/* acknowledged by the writer, to mark reported */
	char (*acked)[OX_CALL_ID_MAX];
	size_t n_acked, cap_acked;
	bool wake;
	char last_err[OX_SQLDB_ERRSZ];
	atomic_uint_fast64_t pending, attempts, succeeded, failed;
};

static int64_t wall_ms(void *ctx)
{
	(void)ctx;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t now_of(struct ox_executor *x)
{
	return x->o.now(x->o.ctx);
}

/* An error of the thread: nobody to return it to, so standard error, once
 * per distinct message. */
static void loop_error(struct ox_executor *x)
{
	if (strcmp(x->last_err, x->db.err) != 0) {
		fprintf(stderr, "ordex actions: %s\n", x->db.err);
		snprintf(x->last_err, sizeof x->last_err, "%s", x->db.err);
	}
}

static int count_pending(struct ox_executor *x)
{
	sqlite3_stmt *q = ox_sqldb_stmt(&x->db, ST_PENDING);
	if (!q)
		return X_EDB;
	if (sqlite3_step(q) == SQLITE_ROW)
		atomic_store(&x->pending, (uint64_t)sqlite3_column_int64(q, 0));
	ox_sqldb_done(q);
	return 0;
}

struct ox_executor *ox_executor_open(const struct ox_executor_opts *o, char *err, size_t errsz)
{
	struct ox_executor *x = ox_xcalloc(1, sizeof *x);
	x->o = *o;
	if (!x->o.now)
		x->o.now = wall_ms;
	pthread_mutex_init(&x->mu, NULL);
	pthread_cond_init(&x->cv, NULL);
	if (ox_sqldb_open(&x->db, o->db_path, &db_opts) || count_pending(x)) {
		snprintf(err, errsz, "%s: %s", o->db_path, x->db.err);
		ox_executor_stop(x);
		return NULL;
	}
	return x;
}

int ox_executor_enqueue(struct ox_executor *x, const struct ox_call_ready *calls, size_t n)
{
	if (!n)
		return 0;
	pthread_mutex_lock(&x->mu);
	int64_t now = now_of(x);
	sqlite3_stmt *q = ox_sqldb_stmt(&x->db, ST_INSERT);
	int rc = q ? ox_sqldb_run_id(&x->db, ST_BEGIN) : X_EDB;
	size_t added = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		ox_sqldb_bind_text(q, 1, calls[i].id);
		ox_sqldb_bind_text(q, 2, ox_pb_action_name(calls[i].kind));
		ox_sqldb_bind_text(q, 3, calls[i].body);
		sqlite3_bind_int64(q, 4, now);
		rc = ox_sqldb_run(&x->db, q, "enqueue call");
		added += !rc && sqlite3_changes(x->db.conn) > 0;
	}
	if (!rc)
		rc = ox_sqldb_run_id(&x->db, ST_COMMIT);
	if (rc) {
		ox_sqldb_rollback(&x->db, rc);
		fprintf(stderr, "ordex actions: %s\n", x->db.err);
	} else {
		atomic_fetch_add(&x->pending, added);
	}
	pthread_mutex_unlock(&x->mu);
	return rc;
}

void ox_executor_wake(struct ox_executor *x)
{
	pthread_mutex_lock(&x->mu);
	x->wake = true;
	pthread_cond_signal(&x->cv);
	pthread_mutex_unlock(&x->mu);
}

void ox_executor_reported(struct ox_executor *x, const char *call_id)
{
	pthread_mutex_lock(&x->mu);
	OX_GROW(x->acked, x->cap_acked, x->n_acked + 1);
	snprintf(x->acked[x->n_acked++], OX_CALL_ID_MAX, "%s", call_id);
	x->wake = true;
	pthread_cond_signal(&x->cv);
	pthread_mutex_unlock(&x->mu);
}

void ox_executor_stats(struct ox_executor *x, struct ox_executor_stats *s)
{
	s->pending = atomic_load(&x->pending);
	s->attempts = atomic_load(&x->attempts);
	s->succeeded = atomic_load(&x->succeeded);
	s->failed = atomic_load(&x->failed);
}

/* ---- the thread (every function below runs on it, x->mu held unless said) ---- */

/* "C00000042-3" -> "C00000042" */
static void case_of(const char *call_id, char out[OX_CALL_ID_MAX])
{
	snprintf(out, OX_CALL_ID_MAX, "%s", call_id);
	char *dash = strrchr(out, '-');
	if (dash)
		*dash = '\0';
}

static bool told(const struct ox_executor *x, const char *id)
{
	for (size_t i = 0; i < x->n_told; i++)
		if (strcmp(x->told[i], id) == 0)
			return true;
	return false;
}

/* Mark what the writer acknowledged, then hand it the outcomes it has not
 * taken yet. */
static int reports(struct ox_executor *x)
{
	int rc = 0;
	sqlite3_stmt *q = ox_sqldb_stmt(&x->db, ST_REPORTED);
	if (!q)
		return X_EDB;
	for (size_t i = 0; i < x->n_acked && !rc; i++) {
		ox_sqldb_bind_text(q, 1, x->acked[i]);
		rc = ox_sqldb_run(&x->db, q, "call reported");
		for (size_t j = 0; j < x->n_told; j++)
			if (strcmp(x->told[j], x->acked[i]) == 0) {
				memcpy(x->told[j], x->told[--x->n_told], OX_CALL_ID_MAX);
				break;
			}
	}
	if (rc)
		return rc;
	x->n_acked = 0;
	if (!(q = ox_sqldb_stmt(&x->db, ST_UNREPORTED)))
		return X_EDB;
	int step;
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		const char *id = ox_sqldb_col_text(q, 0), *outcome = ox_sqldb_col_text(q, 1);
		if (told(x, id))
			continue;
		bool ok = false;
		char status[2];
		ox_call_outcome_read(outcome, strlen(outcome), &ok, "", status, sizeof status);
		char case_id[OX_CALL_ID_MAX];
		case_of(id, case_id);
		if (x->o.report(x->o.ctx, case_id, id, ok ? OX_CALL_SUCCEEDED : OX_CALL_FAILED, outcome) < 0)
			break; /* the writer is busy: next round */
		OX_GROW(x->told, x->cap_told, x->n_told + 1);
		snprintf(x->told[x->n_told++], OX_CALL_ID_MAX, "%s", id);
	}
	ox_sqldb_done(q);
	return step == SQLITE_ROW || step == SQLITE_DONE ? 0 : ox_sqldb_dberr(&x->db, "unreported calls");
}

struct reply {
	struct ox_buf body;
	struct ox_executor *x;
};

static size_t on_reply(char *p, size_t size, size_t n, void *ctx)
{
	struct reply *r = ctx;
	ox_buf_add(&r->body, p, size * n); /* past the maximum: the rest is dropped */
	return size * n;
}

/* A stop abandons the request in flight (sent again after the next start). */
static int on_progress(void *ctx, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
	struct reply *r = ctx;
	(void)a, (void)b, (void)c, (void)d;
	return atomic_load(&r->x->stopping) ? 1 : 0;
}

/* One attempt of a call, without the lock. status 0: no answer; why says
 * what went wrong. -1: abandoned (a stop). */
static int attempt(struct ox_executor *x, const struct ox_call_endpoint *ep, const char *id, const char *body,
		   long *status, struct ox_buf *answer, char why[256])
{
	struct ox_wh_request rq;
	ox_wh_request_init(&rq);
	*status = 0;
	why[0] = '\0';
	if (ox_call_request(ep, id, body, strlen(body), now_of(x), &rq) < 0) {
		snprintf(why, 256, "the call id cannot be sent as a header");
		ox_wh_request_release(&rq);
		return 0;
	}
	CURL *c = curl_easy_init();
	struct curl_slist *h = curl_slist_append(NULL, "Expect:");
	for (size_t i = 0; i < rq.n_headers; i++)
		h = curl_slist_append(h, rq.headers[i]);
	struct reply r = { .x = x };
	ox_buf_init(&r.body, ANSWER_MAX);
	char curl_err[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(c, CURLOPT_URL, rq.url.data);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, rq.body.data);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq.body.len);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)ep->timeout);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_reply);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, &r);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_err);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	CURLcode cc = curl_easy_perform(c);
	int rc = 0;
	if (cc == CURLE_ABORTED_BY_CALLBACK)
		rc = -1;
	else if (cc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	else if (cc == CURLE_OPERATION_TIMEDOUT)
		snprintf(why, 256, "no answer within %" PRId64 " ms", ep->timeout);
	else
		snprintf(why, 256, "%.80s%s%.160s", curl_easy_strerror(cc), curl_err[0] ? ": " : "", curl_err);
	if (*status && ox_call_verdict(*status) != OX_CALL_DONE)
		snprintf(why, 256, "HTTP %ld", *status);
	ox_buf_reset(answer);
	ox_buf_add(answer, r.body.data ? r.body.data : "", r.body.len);
	ox_buf_release(&r.body);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	ox_wh_request_release(&rq);
	return rc;
}

/* The wait before retry k (1, 2, ...): backoff_initial doubled k-1 times,
 * at most backoff_max. */
static int64_t backoff(const struct ox_call_endpoint *ep, int k)
{
	int64_t w = ep->backoff_initial;
	for (int i = 1; i < k && w < ep->backoff_max; i++)
		w *= 2;
	return w < ep->backoff_max ? w : ep->backoff_max;
}

/* Send the next due call, if any: 1 when one was sent (look again at
 * once), 0 when none is due (*wake lowered to the next due time). */
static int send_next(struct ox_executor *x, int64_t *wake)
{
	sqlite3_stmt *q = ox_sqldb_stmt(&x->db, ST_NEXT);
	if (!q)
		return X_EDB;
	int64_t now = now_of(x);
	sqlite3_bind_int64(q, 1, now);
	if (sqlite3_step(q) != SQLITE_ROW) {
		ox_sqldb_done(q);
		if (!(q = ox_sqldb_stmt(&x->db, ST_NEXT_DUE)))
			return X_EDB;
		if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL &&
		    sqlite3_column_int64(q, 0) < *wake)
			*wake = sqlite3_column_int64(q, 0);
		ox_sqldb_done(q);
		return 0;
	}
	char id[OX_CALL_ID_MAX];
	snprintf(id, sizeof id, "%s", ox_sqldb_col_text(q, 0));
	const char *kind_s = ox_sqldb_col_text(q, 1);
	int kind = ox_pb_action_by_name(kind_s, strlen(kind_s));
	char *body = ox_xstrndup(ox_sqldb_col_text(q, 2), (size_t)sqlite3_column_bytes(q, 2));
	int attempts = sqlite3_column_int(q, 3);
	bool running_told = sqlite3_column_int(q, 4) != 0;
	ox_sqldb_done(q);

	char case_id[OX_CALL_ID_MAX], why[256] = "";
	case_of(id, case_id);
	if (!running_told && x->o.report(x->o.ctx, case_id, id, OX_CALL_RUNNING, NULL) == 0 &&
	    (q = ox_sqldb_stmt(&x->db, ST_TOLD))) {
		ox_sqldb_bind_text(q, 1, id);
		ox_sqldb_run(&x->db, q, "call running");
	}
	const struct ox_call_endpoint *ep = kind < 0 ? NULL : ox_call_endpoint(x->o.config, (enum ox_pb_action)kind);
	long status = 0;
	struct ox_buf answer;
	ox_buf_init(&answer, ANSWER_MAX);
	int rc = 0;
	if (!ep) {
		snprintf(why, sizeof why, "no endpoint is configured for %s any more", kind_s);
	} else {
		pthread_mutex_unlock(&x->mu);
		rc = attempt(x, ep, id, body, &status, &answer, why);
		pthread_mutex_lock(&x->mu);
		if (rc < 0) { /* a stop: not an attempt */
			free(body);
			ox_buf_release(&answer);
			return 0;
		}
		attempts++;
		atomic_fetch_add(&x->attempts, 1);
	}
	free(body);
	enum ox_call_verdict v = ep ? ox_call_verdict(status) : OX_CALL_REFUSED;
	now = now_of(x);
	if (v == OX_CALL_RETRY && attempts <= ep->retries) {
		if (!(q = ox_sqldb_stmt(&x->db, ST_RETRY)))
			rc = X_EDB;
		else {
			ox_sqldb_bind_text(q, 1, id);
			sqlite3_bind_int(q, 2, attempts);
			sqlite3_bind_int64(q, 3, now + backoff(ep, attempts));
			if (status)
				sqlite3_bind_int64(q, 4, status);
			ox_sqldb_bind_text(q, 5, why);
			rc = ox_sqldb_run(&x->db, q, "call retry");
		}
		ox_buf_release(&answer);
		return rc ? rc : 1;
	}
	bool ok = v == OX_CALL_DONE;
	struct ox_buf outcome;
	ox_buf_init(&outcome, SIZE_MAX);
	ox_call_outcome(ok, status, attempts, why, answer.data, answer.len, &outcome);
	ox_buf_add(&outcome, "", 0);
	if (!(q = ox_sqldb_stmt(&x->db, ST_DONE)))
		rc = X_EDB;
	else {
		ox_sqldb_bind_text(q, 1, id);
		sqlite3_bind_int(q, 2, attempts);
		if (status)
			sqlite3_bind_int64(q, 3, status);
		ox_sqldb_bind_text(q, 4, why[0] ? why : NULL);
		ox_sqldb_bind_text(q, 5, outcome.data);
		sqlite3_bind_int64(q, 6, now);
		rc = ox_sqldb_run(&x->db, q, "call done");
	}
	if (!rc) {
		atomic_fetch_sub(&x->pending, 1);
		atomic_fetch_add(ok ? &x->succeeded : &x->failed, 1);
	}
	ox_buf_release(&outcome);
	ox_buf_release(&answer);
	return rc ? rc : 1;
}

static void *run(void *arg)
{
	struct ox_executor *x = arg;
	pthread_mutex_lock(&x->mu);
	while (!atomic_load(&x->stopping)) {
		int64_t wake = now_of(x) + SLEEP_MAX;
		int rc = reports(x);
		int sent = rc ? rc : send_next(x, &wake);
		if (sent < 0) {
			loop_error(x);
			wake = now_of(x) + SLEEP_MAX; /* a busy database, a full disk: later */
		}
		if (sent > 0 || atomic_load(&x->stopping))
			continue;
		if (x->wake) {
			x->wake = false;
			continue;
		}
		int64_t ms = wake - now_of(x);
		if (ms <= 0)
			continue;
		if (ms > SLEEP_MAX)
			ms = SLEEP_MAX;
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += ms / 1000;
		until.tv_nsec += (long)(ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&x->cv, &x->mu, &until);
		x->wake = false;
	}
	pthread_mutex_unlock(&x->mu);
	return NULL;
}

int ox_executor_start(struct ox_executor *x)
{
	if (pthread_create(&x->thread, NULL, run, x) != 0)
		return -1;
	x->started = true;
	return 0;
}

void ox_executor_halt(struct ox_executor *x)
{
	if (!x || !x->started)
		return;
	pthread_mutex_lock(&x->mu);
	atomic_store(&x->stopping, true);
	pthread_cond_signal(&x->cv);
	pthread_mutex_unlock(&x->mu);
	pthread_join(x->thread, NULL);
	x->started = false;
}

void ox_executor_stop(struct ox_executor *x)
{
	if (!x)
		return;
	ox_executor_halt(x);
	ox_sqldb_close(&x->db);
	free(x->told);
	free(x->acked);
	pthread_mutex_destroy(&x->mu);
	pthread_cond_destroy(&x->cv);
	free(x);
}

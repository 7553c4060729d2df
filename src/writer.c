/* writer.c - see writer.h. */
#include "writer.h"

extern char **environ;

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "archive.h"
#include "audit.h"
#include "compact.h"
#include "engine.h"
#include "event.h"
#include "hmap.h"
#include "orderidx.h"
#include "snap.h"
#include "store.h"

/* A log record is an accepted event's raw JSON text, a wall-clock tick
 * (TICK_MARK followed by the new clock in decimal ms), a person's action on
 * a case (ACTION_MARK followed by ox_desk_action_write()'s JSON), a stock
 * operation (STOCK_MARK followed by ox_inv_op_write()'s JSON) or an event
 * that operation made (MADE_MARK followed by the event's JSON). A JSON
 * event starts with '{', so one byte tells them apart.
 *
 * A replay makes the events of a stock operation again from the operation
 * (the same events with the same ids) and applies them there; their own
 * records only put them in the order's history (GET /api/v1/orders/{id}).
 * So a crash between the two records loses no event detection saw. */
#define TICK_MARK 'T'
#define ACTION_MARK 'A'
#define STOCK_MARK 'I'
#define MADE_MARK 'D'
/* A blacklist change: BLACKLIST_MARK followed by ox_bl_op_write()'s JSON. */
#define BLACKLIST_MARK 'B'
/* A live change of the rule parameters: PARAMS_MARK followed by
 * ox_live_change_write()'s JSON. */
#define PARAMS_MARK 'P'
#define APPLIED_SEQ "applied_seq"
/* Bytes of zeros the event log keeps written ahead of its records. */
#define LOG_WRITE_AHEAD (1u << 20)
/* The flusher stores case changes at most this late (microseconds), or
 * once this many are waiting, unless a reader asks sooner: one SQLite
 * commit writes each page it changed once, and a commit of a few cases
 * writes the same index pages as the next one (a refused reservation's case
 * alone costs a dozen pages). The count bounds what a reader that asks
 * waits for (some 20 ms of commit); more gains little. */
#define STORE_DELAY_US 50000
#define STORE_MAX_CASES 1024

/* A person's action, with the seq of its log record (the audit's key). */
struct logged_action {
	uint64_t seq;
	struct ox_desk_action a;
};

/* A blacklist or parameter change as the audit log gets it, with the seq
 * of its record. */
struct logged_change {
	uint64_t seq;
	char action[32]; /* "blacklist.add", "config.change" */
	char actor[OX_BL_ACTOR_MAX];
	char target[128];
	char *detail; /* the change as JSON, cut to fit an audit entry */
};

/* What the writer hands the flusher: the log records sealed for it (inside
 * the log), the snapshots of the cases they changed, to store once the
 * records are durable, the notices and actions to pass on then, and the
 * jobs to answer. */
struct batch {
	struct ox_job *jobs; /* the jobs to answer (none for a tick or the stop) */
	size_t records;      /* log records committed */
	uint64_t durable;    /* the log's durable seq after them */
	struct ox_case *cases;
	size_t n_cases, cap_cases;
	struct ox_notice *notices; /* for the alerts, once durable */
	size_t n_notices;
	struct logged_action *actions; /* for the audit log, once durable */
	size_t n_actions;
	struct logged_change *changes; /* blacklist changes, for the audit log too */
	size_t n_changes;
	struct ox_count *counts; /* the reports' counts, stored with the cases */
	size_t n_counts;
	struct ox_call_ready *calls; /* for the executor, once durable */
	size_t n_calls;
};

struct ox_writer {
	struct ox_writer_opts o;
	struct ox_evlog *log;     /* the writer's */
	struct ox_store *store;   /* the writer's during the start-up replay, then the flusher's */
	struct ox_audit *audit;   /* the flusher's: people's actions, once durable */
	struct ox_engine *engine; /* the writer's */
	struct ox_desk *desk;     /* the writer's: handles the engine's cases */
	struct ox_inventory *inventory; /* the writer's: stock and reservations */
	struct ox_blacklist *bl;  /* the writer changes it, others list it (blacklist.h) */
	bool own_bl;              /* made here: no --blacklist */
	struct ox_orderidx *orders;
	struct ox_decoder *dec[2]; /* two: one event decoded ahead (ingest) */
	struct ox_decoder *made_dec; /* the events stock operations make */
	struct ox_store_sink sink;
	struct ox_case_listener store_listener;
	bool live;           /* replay done: case changes go to the flusher */
	bool store_on;       /* replay: off for what the store already has */
	int pending;         /* replay: the decoder of the event not applied yet, or -1 */
	struct ox_event pending_ev;
	uint64_t pending_seq;
	int64_t applied_seq; /* the store has every case change up to this log seq */
	uint64_t last_seq;   /* of the last record appended */
	uint64_t replayed;   /* records the start-up replay applied (after the snapshot) */
	ox_time last_tick;   /* wall-clock ms of the last tick */
	char msg[512];       /* why the writer failed */

	/* The cases changed since the last hand-over (writer only). */
	struct ox_hmap dirty;
	const struct ox_case **dirty_list;
	size_t n_dirty, cap_dirty;
	size_t appended; /* records appended since the last hand-over */
	struct logged_action *actions; /* logged since the last hand-over */
	size_t n_actions, cap_actions;
	struct logged_change *changes; /* blacklist changes logged since then */
	size_t n_changes, cap_changes;
	struct ox_buf record; /* an action or stock record being written */
	struct ox_buf made;   /* the events a stock operation made, one per line */

	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct ox_job *head, *tail; /* the queue, under mu */
	size_t queued_events, queued_jobs;
	bool stopping;
	atomic_bool failed;
	atomic_bool auto_on; /* the desk's kill switch, for readers */

	/* The hand-over to the flusher, under fmu: the durable batches it has
	 * not taken yet, merged into one (the writer never waits for it to
	 * commit the next), and whether it is busy: working on one, or holding
	 * case changes it has not stored yet. store_now: a reader of the store
	 * or a snapshot waits for it to be up to date (fcv runs on the
	 * monotonic clock). */
	pthread_t flusher;
	pthread_mutex_t fmu;
	pthread_cond_t fcv;
	struct batch handed;
	bool busy, flusher_stop, store_now;
	/* The flusher's: the case changes and counts of the batches it
	 * answered and has not stored yet, merged, up to unstored.durable, and
	 * when the oldest of them came (mono_us; 0: none). */
	struct batch unstored;
	uint64_t unstored_since;

	/* A batch is answered once its log records are durable, before its
	 * case changes are stored; a reader of the case store waits until the
	 * store holds all that was answered (ox_writer_wait_stored). */
	atomic_uint_least64_t answered_seq, stored_seq;
	pthread_mutex_t smu; /* with scv: readers waiting for the store */
	pthread_cond_t scv;

	/* Snapshots (docs/retention.md): the newest on disk, and a child
	 * process writing the next one from a copy of this one's memory. */
	char snap_dir[4096];
	uint64_t snap_seq;     /* of the newest snapshot, 0: none */
	uint64_t snap_tried;   /* the last seq a snapshot was started at */
	pid_t snap_pid;        /* the child writing one, 0: none */
	uint64_t snap_child_seq;
	uint64_t snap_started; /* mono_us() when the last one was started, 0: never */
	unsigned char *snap_buf; /* the child's write buffer, allocated here */
	/* Compaction: the order archives (the writer's), and the first log
	 * seq that stays once the child's snapshot and archive are written. */
	struct ox_archives arch;
	uint64_t snap_child_keep; /* 0: the child writes no archive */
	bool builder_off;         /* the builder found the config changed: fork */

	/* The checkpointer: copies the store's WAL back into cases.db once a
	 * second on a connection of its own, so that no commit of the flusher
	 * waits for that copy and its fsync (SQLite's automatic checkpoint ran
	 * inside a commit: a stall of tens of milliseconds every 1000 pages,
	 * which every request queued behind it saw). */
	pthread_t checkpointer;
	struct ox_store *ck_store; /* NULL: not running, SQLite checkpoints itself */
	pthread_mutex_t ck_mu;
	pthread_cond_t ck_cv;
	bool ck_stop;
};

void ox_job_release(struct ox_job *job)
{
	ox_buf_release(&job->text);
	free(job->ends);
	free(job->seqs);
	job->ends = NULL;
	job->seqs = NULL;
	job->n_records = 0;
}

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Stop for good: what failed ("event log"), and why. */
static void fail(struct ox_writer *w, const char *part, const char *why)
{
	/* The writer and the flusher may both fail: the first one tells why. */
	if (!atomic_exchange(&w->failed, true)) {
		snprintf(w->msg, sizeof w->msg, "%s: %s", part, why);
		fprintf(stderr, "ordex serve: writer stopped: %s\n", w->msg);
	}
	pthread_mutex_lock(&w->smu); /* the store will not catch up: no reader waits for it */
	pthread_cond_broadcast(&w->scv);
	pthread_mutex_unlock(&w->smu);
}

struct ox_blacklist *ox_writer_blacklist(struct ox_writer *w)
{
	return w->bl;
}

bool ox_writer_auto_enabled(struct ox_writer *w)
{
	return atomic_load(&w->auto_on);
}

bool ox_writer_failed(struct ox_writer *w)
{
	return atomic_load(&w->failed);
}

void ox_writer_wait_stored(struct ox_writer *w)
{
	uint64_t fence = atomic_load(&w->answered_seq);
	if (atomic_load(&w->stored_seq) >= fence)
		return;
	pthread_mutex_lock(&w->fmu); /* the flusher stores at once */
	w->store_now = true;
	pthread_cond_signal(&w->fcv);
	pthread_mutex_unlock(&w->fmu);
	pthread_mutex_lock(&w->smu);
	while (atomic_load(&w->stored_seq) < fence && !ox_writer_failed(w))
		pthread_cond_wait(&w->scv, &w->smu);
	pthread_mutex_unlock(&w->smu);
}

/* The store holds every case change up to seq: wake the readers waiting. */
static void stored(struct ox_writer *w, uint64_t seq)
{
	pthread_mutex_lock(&w->smu);
	atomic_store(&w->stored_seq, seq);
	pthread_cond_broadcast(&w->scv);
	pthread_mutex_unlock(&w->smu);
}

/* ---- applying records ------------------------------------------------------ */

static bool same_case(const void *val, const void *key)
{
	return val == key;
}

/* A case changed: put it now (replay, past what the store has) or snapshot
 * it at the next hand-over (live). */
static void note_case(struct ox_writer *w, const struct ox_case *c, enum ox_case_change what)
{
	if (!w->live) {
		if (w->store_on)
			w->store_listener.changed(w->store_listener.ctx, c, what);
		return;
	}
	if (!ox_hmap_get(&w->dirty, c->seq, same_case, c)) {
		ox_hmap_put(&w->dirty, c->seq, (void *)(uintptr_t)c);
		OX_GROW(w->dirty_list, w->cap_dirty, w->n_dirty + 1);
		w->dirty_list[w->n_dirty++] = c;
	}
}

static void desk_changed(void *ctx, const struct ox_case *c)
{
	note_case(ctx, c, OX_CHANGE_UPDATED);
}

/* The engine's listener: the desk routes and times the case first, so the
 * store sees it complete. */
static void case_changed(void *ctx, const struct ox_case *c, enum ox_case_change what)
{
	struct ox_writer *w = ctx;
	ox_desk_case_changed(w->desk, c, what);
	note_case(w, c, what);
	if (w->live && w->o.metrics) {
		OX_METRIC_ADD(w->o.metrics, cases_updated, 1);
		if (what == OX_CHANGE_OPENED)
			OX_METRIC_ADD(w->o.metrics, cases_opened[c->rule], 1);
	}
}

/* Apply an event already in the log at seq (decoded in ev). */
static void apply_event(struct ox_writer *w, const struct ox_event *ev, uint64_t seq)
{
	if (ev->order_id.len)
		ox_orderidx_add(w->orders, ev->order_id.s, ev->order_id.len, seq);
	/* blacklist entries due by the event's time are gone before it is judged
	 * (the clock moves only after the event) */
	ox_blacklist_expire(w->bl, ev->ts);
	ox_engine_apply(w->engine, ev);
}

static void clock_moved(void *ctx, ox_time now)
{
	struct ox_writer *w = ctx;
	ox_desk_advance(w->desk, now);
	ox_blacklist_expire(w->bl, now); /* on the event clock: a replay expires alike */
}

/* Notices of records the store already has were sent before the restart,
 * and their counts are in the store. */
static void drop_sent_notices(struct ox_writer *w)
{
	if (!w->store_on) {
		ox_desk_clear_notices(w->desk);
		ox_engine_counts_clear(w->engine);
		ox_desk_clear_calls(w->desk); /* in the executor's outbox already */
	}
}

static int parse_tick(const char *p, size_t len, ox_time *t)
{
	char buf[24];
	if (len < 2 || len - 1 >= sizeof buf)
		return -1;
	memcpy(buf, p + 1, len - 1);
	buf[len - 1] = '\0';
	char *end;
	errno = 0;
	long long v = strtoll(buf, &end, 10);
	if (errno || *end || end == buf)
		return -1;
	*t = (ox_time)v;
	return 0;
}

/* The start-up replay runs one event ahead, as src/feed.c does: record N+1
 * is decoded and its table slots fetched while record N is applied. A
 * decoded event lives in its decoder's copy of the line, so the two
 * decoders alternate. */
static void replay_apply_pending(struct ox_writer *w)
{
	if (w->pending < 0)
		return;
	w->store_on = (int64_t)w->pending_seq > w->applied_seq;
	apply_event(w, &w->pending_ev, w->pending_seq);
	drop_sent_notices(w);
	w->pending = -1;
}

static void remember_action(struct ox_writer *w, uint64_t seq, const struct ox_desk_action *a)
{
	OX_GROW(w->actions, w->cap_actions, w->n_actions + 1);
	w->actions[w->n_actions].seq = seq;
	w->actions[w->n_actions++].a = *a;
}

static int replay_action(struct ox_writer *w, uint64_t seq, const char *p, size_t len)
{
	struct ox_desk_action a;
	char err[256];
	if (ox_desk_action_parse(&a, p + 1, len - 1, err)) {
		snprintf(w->msg, sizeof w->msg, "record %" PRIu64 ": bad action record: %s", seq, err);
		return -1;
	}
	replay_apply_pending(w);
	w->store_on = (int64_t)seq > w->applied_seq;
	/* it applied when it was logged, and the replay is the same till there */
	if (ox_desk_apply(w->desk, &a, NULL, a.at, err))
		fprintf(stderr, "ordex serve: record %" PRIu64 ": action no longer applies: %s\n", seq, err);
	else if (w->store_on)
		remember_action(w, seq, &a);
	drop_sent_notices(w);
	return 0;
}

static int append(struct ox_writer *w, const char *p, size_t len, uint64_t *seq);

/* Apply the events a stock operation made (w->made, one per line). Live,
 * each is logged first as a record of its own; a replay applies them
 * without (their records follow the operation's). An id already seen (a
 * source sent "ordex-inv-..." itself) is left out. */
static int apply_made(struct ox_writer *w, bool live)
{
	const char *p = w->made.data, *end = p + w->made.len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)(nl - p);
		struct ox_event ev;
		char err[OX_ERR_BUFSZ];
		if (ox_decode(w->made_dec, p, len, &ev, err) < 0) {
			fail(w, "an event made by a stock operation does not decode", err); /* a bug */
			return -1;
		}
		p = nl + 1;
		if (ox_engine_seen(w->engine, ev.id))
			continue;
		if (!live) {
			ox_engine_apply(w->engine, &ev);
			continue;
		}
		uint64_t seq;
		ox_buf_reset(&w->record);
		ox_buf_addf(&w->record, "%c", MADE_MARK);
		ox_buf_add(&w->record, ev.raw.s, ev.raw.len);
		if (append(w, w->record.data, w->record.len, &seq))
			return -1;
		apply_event(w, &ev, seq);
	}
	return 0;
}

/* A tick moves the inventory's clock too: holds expire, and the low-stock
 * events of what changed are made and applied. */
static int stock_tick(struct ox_writer *w, ox_time t, bool live)
{
	ox_buf_reset(&w->made);
	ox_inventory_advance(w->inventory, t, &w->made);
	return apply_made(w, live);
}

static int replay_tick(struct ox_writer *w, uint64_t seq, const char *p, size_t len)
{
	ox_time t;
	if (parse_tick(p, len, &t) < 0) {
		snprintf(w->msg, sizeof w->msg, "record %" PRIu64 ": bad tick record", seq);
		return -1;
	}
	replay_apply_pending(w);
	w->store_on = (int64_t)seq > w->applied_seq;
	ox_engine_advance(w->engine, t);
	int rc = stock_tick(w, t, false);
	drop_sent_notices(w);
	w->last_tick = t;
	return rc;
}

static int replay_stock(struct ox_writer *w, uint64_t seq, const char *p, size_t len)
{
	struct ox_inv_op op;
	char err[256];
	if (ox_inv_op_parse_record(&op, p + 1, len - 1, err)) {
		snprintf(w->msg, sizeof w->msg, "record %" PRIu64 ": bad stock record: %s", seq, err);
		return -1;
	}
	replay_apply_pending(w);
	w->store_on = (int64_t)seq > w->applied_seq;
	struct ox_buf answer;
	ox_buf_init(&answer, SIZE_MAX);
	struct ox_inv_result res = { .body = &answer };
	ox_buf_reset(&w->made);
	ox_inventory_apply(w->inventory, &op, &res, &w->made);
	int rc = apply_made(w, false);
	ox_buf_release(&answer);
	ox_inv_op_release(&op);
	drop_sent_notices(w);
	return rc;
}

/* A made event's record: its events were applied with its operation; it
 * only goes into its order's history. */
static int replay_made(struct ox_writer *w, uint64_t seq, const char *p, size_t len)
{
	struct ox_event ev;
	char err[OX_ERR_BUFSZ];
	if (ox_decode(w->made_dec, p + 1, len - 1, &ev, err) < 0) {
		snprintf(w->msg, sizeof w->msg, "record %" PRIu64 ": no longer decodes: %s", seq, err);
		return -1;
	}
	replay_apply_pending(w);
	if (ev.order_id.len)
		ox_orderidx_add(w->orders, ev.order_id.s, ev.order_id.len, seq);
	return 0;
}

/* A blacklist change logged at seq, for the audit log once durable: its
 * target is the entry ("phone:138...") or how many, its detail the record
 * (cut to fit an audit entry: an import holds up to 5000 entries). */
static void remember_change(struct ox_writer *w, uint64_t seq, const struct ox_bl_op *op)
{
	OX_GROW(w->changes, w->cap_changes, w->n_changes + 1);
	struct logged_change *c = &w->changes[w->n_changes++];
	c->seq = seq;
	snprintf(c->action, sizeof c->action, "blacklist.%s", ox_bl_op_name(op->op));
	snprintf(c->actor, sizeof c->actor, "%s", op->actor);
	if (op->n == 1)
		snprintf(c->target, sizeof c->target, "%s:%.*s", ox_bl_kind_name(op->items[0].kind),
			 (int)ox_utf8_clip(op->items[0].value, op->items[0].len, 100), op->items[0].value);
	else
		snprintf(c->target, sizeof c->target, "%zu entries", op->n);
	struct ox_buf detail;
	ox_buf_init(&detail, SIZE_MAX);
	ox_bl_op_write(op, OX_AUDIT_DETAIL_MAX - 1024, &detail);
	ox_buf_add(&detail, "", 1);
	c->detail = detail.data;
}

static void free_changes(struct logged_change *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(c[i].detail);
	free(c);
}

static int replay_blacklist(struct ox_writer *w, uint64_t seq, const char *p, size_t len)
{
	struct ox_bl_op op;
	struct ox_bl_counts counts;
	char err[256];
	if (ox_bl_op_parse(&op, p + 1, len - 1, err)) {
		snprintf(w->msg, sizeof w->msg, "record %" PRIu64 ": bad blacklist record: %s", seq, err);
		return -1;
	}
	replay_apply_pending(w);
	w->store_on = (int64_t)seq > w->applied_seq;
	/* it applied when it was logged, to the list as it is here again */
	if (ox_blacklist_apply(w->bl, &op, &counts, err))
		fprintf(stderr, "ordex serve: record %" PRIu64 ": blacklist change no longer applies: %s\n", seq, err);
	else if (w->store_on)
		remember_change(w, seq, &op);
	ox_bl_op_release(&op);
	return 0;
}

/* A parameter change logged at seq, for the audit log once durable: its
 * detail says what changed, old and new. */
static void remember_params(struct ox_writer *w, uint64_t seq, const struct ox_live_change *c, struct ox_buf *diff)
{
	OX_GROW(w->changes, w->cap_changes, w->n_changes + 1);
	struct logged_change *lc = &w->changes[w->n_changes++];
	lc->seq = seq;
	snprintf(lc->action, sizeof lc->action, "config.change");
	snprintf(lc->actor, sizeof lc->actor, "%s", c->actor);
	snprintf(lc->target, sizeof lc->target, "config/rules");
	ox_live_audit_detail(c, diff, OX_AUDIT_DETAIL_MAX - 1024);
	ox_buf_add(diff, "", 1);
	lc->detail = diff->data;
	ox_buf_init(diff, SIZE_MAX);
}

/* Apply a parameter change to the parameters and the engine: 0, or -1 with
 * why in err. diff: what changed, for the audit. */
static int apply_params(struct ox_writer *w, const struct ox_live_change *c, struct ox_buf *diff, char *err,
			size_t errsz)
{
	if (!w->o.live)
		return snprintf(err, errsz, "live parameter changes are off"), -1;
	if (ox_live_apply(w->o.live, c, diff, err, errsz) < 0)
		return -1;
	ox_engine_params_changed(w->engine);
	return 0;
}

static int replay_params(struct ox_writer *w, uint64_t seq, const char *p, size_t len)
{
	struct ox_live_change c;
	char err[256];
	if (ox_live_change_parse(&c, p + 1, len - 1, false, err, sizeof err)) {
		snprintf(w->msg, sizeof w->msg, "record %" PRIu64 ": bad parameter record: %s", seq, err);
		return -1;
	}
	replay_apply_pending(w);
	w->store_on = (int64_t)seq > w->applied_seq;
	struct ox_buf diff;
	ox_buf_init(&diff, SIZE_MAX);
	/* it applied when it was logged; a base file edited since may refuse it */
	if (apply_params(w, &c, &diff, err, sizeof err))
		fprintf(stderr, "ordex serve: record %" PRIu64 ": parameter change no longer applies: %s\n", seq, err);
	else if (w->store_on)
		remember_params(w, seq, &c, &diff);
	ox_buf_release(&diff);
	ox_live_change_release(&c);
	return 0;
}

/* The records that are not events, by their first byte. */
static const struct {
	char mark;
	int (*replay)(struct ox_writer *w, uint64_t seq, const char *p, size_t len);
} marked_records[] = {
	{ TICK_MARK, replay_tick },
	{ ACTION_MARK, replay_action },
	{ STOCK_MARK, replay_stock },
	{ MADE_MARK, replay_made },
	{ BLACKLIST_MARK, replay_blacklist },
	{ PARAMS_MARK, replay_params },
};

static int replay_record(void *ctx, uint64_t seq, const char *p, size_t len)
{
	struct ox_writer *w = ctx;
	w->last_seq = seq;
	if (seq <= w->snap_seq)
		return 0; /* the snapshot's state holds it */
	w->replayed++;
	for (size_t i = 0; i < OX_ARRAY_LEN(marked_records); i++)
		if (p[0] == marked_records[i].mark)
			return marked_records[i].replay(w, seq, p, len);
	int k = w->pending == 0 ? 1 : 0;
	struct ox_event ev;
	char err[OX_ERR_BUFSZ];
	if (ox_decode(w->dec[k], p, len, &ev, err) < 0) {
		/* It decoded when it was accepted: the decoder changed since. */
		snprintf(w->msg, sizeof w->msg, "record %" PRIu64 ": no longer decodes: %s", seq, err);
		return -1;
	}
	ox_engine_prefetch(w->engine, &ev);
	if (ev.order_id.len)
		ox_orderidx_prefetch(w->orders, ev.order_id.s, ev.order_id.len);
	replay_apply_pending(w);
	w->pending_ev = ev;
	w->pending_seq = seq;
	w->pending = k;
	return 0;
}

/* ---- the group commit ---------------------------------------------------- */

/* Move the desk's notices and the logged actions into b. */
static void take_notes(struct ox_writer *w, struct batch *b)
{
	const struct ox_notice *notices = ox_desk_notices(w->desk, &b->n_notices);
	if (b->n_notices) {
		b->notices = ox_xmalloc(b->n_notices * sizeof *notices);
		memcpy(b->notices, notices, b->n_notices * sizeof *notices);
		ox_desk_clear_notices(w->desk);
	}
	b->actions = w->actions;
	b->n_actions = w->n_actions;
	w->actions = NULL;
	w->n_actions = w->cap_actions = 0;
	b->changes = w->changes;
	b->n_changes = w->n_changes;
	w->changes = NULL;
	w->n_changes = w->cap_changes = 0;
	const struct ox_count *counts = ox_engine_counts(w->engine, &b->n_counts);
	if (b->n_counts) {
		b->counts = ox_xmalloc(b->n_counts * sizeof *counts);
		memcpy(b->counts, counts, b->n_counts * sizeof *counts);
		ox_engine_counts_clear(w->engine);
	}
	const struct ox_call_ready *calls = ox_desk_calls(w->desk, &b->n_calls);
	if (b->n_calls) {
		b->calls = ox_xmalloc(b->n_calls * sizeof *calls);
		for (size_t i = 0; i < b->n_calls; i++) {
			b->calls[i] = calls[i];
			b->calls[i].body = ox_xstrndup(calls[i].body, strlen(calls[i].body));
		}
		ox_desk_clear_calls(w->desk);
	}
}

static void free_calls(struct ox_call_ready *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(c[i].body);
	free(c);
}

/* Free what the batch holds, its jobs aside (they are answered). */
static void batch_release(struct batch *b)
{
	for (size_t i = 0; i < b->n_cases; i++)
		ox_case_release(&b->cases[i]);
	free(b->cases);
	free(b->notices);
	free(b->actions);
	free_changes(b->changes, b->n_changes);
	free(b->counts);
	free_calls(b->calls, b->n_calls);
}

static void fail_jobs(struct ox_job *jobs)
{
	for (struct ox_job *j = jobs, *next; j; j = next) {
		next = j->next;
		j->status = 503;
		j->accepted = j->duplicates = 0;
		j->done(j);
	}
}

/* Read the records of an order job (durable by now: its batch was committed). */
static void read_order(struct ox_writer *w, struct ox_job *job)
{
	size_t n = job->n_records;
	ox_buf_init(&job->text, SIZE_MAX);
	job->ends = ox_xcalloc(n ? n : 1, sizeof *job->ends);
	job->n_records = 0;
	for (size_t i = 0; i < n; i++) {
		size_t from = job->text.len;
		int rc = ox_evlog_read(w->log, job->seqs[i], &job->text);
		if (rc == OX_EVLOG_ENOTFOUND) { /* its segment was compacted: the archive holds it */
			rc = ox_archives_get(&w->arch, job->seqs[i], &job->text);
			if (rc > 0)
				continue;
		}
		if (rc) {
			job->status = 500;
			return;
		}
		if (job->text.len > from && job->text.data[from] == MADE_MARK) { /* an event like the others */
			memmove(job->text.data + from, job->text.data + from + 1, job->text.len - from - 1);
			job->text.len--;
		}
		job->seqs[job->n_records] = job->seqs[i];
		job->ends[job->n_records++] = job->text.len;
	}
}

/* Make every record appended so far durable: one write and one fdatasync
 * (two across a segment rollover). False when the writer failed, now or
 * before. */
static bool commit_log(struct ox_writer *w)
{
	if (ox_writer_failed(w))
		return false;
	uint64_t t0 = mono_us(), before = ox_evlog_durable_seq(w->log);
	if (ox_evlog_commit(w->log)) {
		fail(w, "event log", ox_evlog_errmsg(w->log));
		return false;
	}
	uint64_t durable = ox_evlog_durable_seq(w->log);
	if (w->o.metrics && durable != before) {
		OX_METRIC_ADD(w->o.metrics, commits, 1);
		ox_metrics_commit(w->o.metrics, mono_us() - t0);
		OX_METRIC_SET(w->o.metrics, durable_seq, durable);
	}
	return true;
}

/* Move src's arrays to the end of dst's (n items of size each there). */
static void *concat(void *dst, size_t n, void *src, size_t m, size_t size)
{
	if (!m) {
		free(src);
		return dst;
	}
	if (!n) {
		free(dst);
		return src;
	}
	dst = ox_xrealloc(dst, (n + m) * size);
	memcpy((char *)dst + n * size, src, m * size);
	free(src);
	return dst;
}

/* src after dst, as one batch (src is emptied): the cases' copies go in
 * their order, so a later copy of a case is stored after an earlier one
 * and adds the timeline entries after it. */
static void batch_merge(struct batch *dst, struct batch *src)
{
	struct ox_job **tail = &dst->jobs;
	while (*tail)
		tail = &(*tail)->next;
	*tail = src->jobs;
	dst->records += src->records;
	dst->durable = src->durable;
	dst->cases = concat(dst->cases, dst->n_cases, src->cases, src->n_cases, sizeof *src->cases);
	dst->n_cases = dst->cap_cases = dst->n_cases + src->n_cases;
	dst->notices = concat(dst->notices, dst->n_notices, src->notices, src->n_notices, sizeof *src->notices);
	dst->n_notices += src->n_notices;
	dst->actions = concat(dst->actions, dst->n_actions, src->actions, src->n_actions, sizeof *src->actions);
	dst->n_actions += src->n_actions;
	dst->changes = concat(dst->changes, dst->n_changes, src->changes, src->n_changes, sizeof *src->changes);
	dst->n_changes += src->n_changes;
	dst->counts = concat(dst->counts, dst->n_counts, src->counts, src->n_counts, sizeof *src->counts);
	dst->n_counts += src->n_counts;
	dst->calls = concat(dst->calls, dst->n_calls, src->calls, src->n_calls, sizeof *src->calls);
	dst->n_calls += src->n_calls;
	*src = (struct batch){ 0 };
}

/* Has the batch anything for the flusher? */
static bool batch_has(const struct batch *b)
{
	return b->jobs || b->records || b->n_cases || b->n_notices || b->n_actions || b->n_changes || b->n_counts ||
	       b->n_calls;
}

/* Answer the jobs of a durable batch. False when one of them wakes the
 * executor itself (its route does, after its answer: the job is gone
 * after done). */
static bool answer_jobs(struct ox_writer *w, struct ox_job *jobs, uint64_t durable)
{
	/* before the first answer: a reader that has seen one waits for the
	 * store to hold its batch. Never back: the flusher may answer an older
	 * batch after the writer a newer one. */
	uint64_t seq = atomic_load(&w->answered_seq);
	while (seq < durable && !atomic_compare_exchange_weak(&w->answered_seq, &seq, durable))
		;
	bool wake = true;
	for (struct ox_job *j = jobs, *next; j; j = next) {
		next = j->next;
		if (j->wakes_executor)
			wake = false;
		if (j->kind != OX_JOB_ORDER && w->o.metrics) {
			OX_METRIC_ADD(w->o.metrics, events_accepted, j->accepted);
			OX_METRIC_ADD(w->o.metrics, events_duplicate, j->duplicates);
		}
		j->done(j);
	}
	return wake;
}

/* Commit what was appended since the last hand-over, here: new jobs queue
 * meanwhile and are the next group, with no other thread to wake between
 * two commits. Then hand it to the flusher, with the snapshots of the cases
 * it changed and the jobs to answer: added to what the flusher has not
 * taken yet, so that the writer does not wait for it (its SQLite commit
 * may take longer than the next fdatasync), unless that holds as many
 * records as the queue may (the back-pressure between the two). */
static void hand_over(struct ox_writer *w, struct ox_job *jobs)
{
	size_t n_notices, n_calls;
	ox_desk_notices(w->desk, &n_notices);
	ox_desk_calls(w->desk, &n_calls);
	if (!jobs && !w->appended && !w->n_dirty && !n_notices && !n_calls)
		return;
	struct batch b = { .jobs = jobs, .records = w->appended };
	w->appended = 0;
	take_notes(w, &b);
	b.n_cases = b.cap_cases = w->n_dirty;
	b.cases = b.n_cases ? ox_xcalloc(b.n_cases, sizeof *b.cases) : NULL;
	for (size_t i = 0; i < b.n_cases; i++) {
		/* of the timeline only what the store has not been handed: an
		 * incident's grows by a member each time */
		struct ox_case *c = ox_engine_case_by_id(w->engine, w->dirty_list[i]->id);
		ox_case_copy_since(&b.cases[i], w->dirty_list[i], c ? c->timeline_handed : 0);
		if (c)
			c->timeline_handed = c->n_timeline;
	}
	w->n_dirty = 0;
	ox_hmap_release(&w->dirty);
	ox_hmap_init(&w->dirty);

	if (!commit_log(w)) { /* nothing of it is stored or told */
		fail_jobs(b.jobs);
		b.jobs = NULL;
		batch_release(&b);
		return;
	}
	b.durable = ox_evlog_durable_seq(w->log);
	for (struct ox_job *j = b.jobs; j; j = j->next)
		if (j->kind == OX_JOB_ORDER)
			read_order(w, j); /* the log is the writer's alone */
	/* Nothing for an outbox, which must have it before the answers: they
	 * leave now, without a wake-up of the flusher on their way. */
	bool outboxes = b.n_notices || b.n_actions || b.n_changes || b.n_calls;
	if (!outboxes) {
		answer_jobs(w, b.jobs, b.durable);
		b.jobs = NULL;
	}
	pthread_mutex_lock(&w->fmu);
	if (!outboxes && !b.n_cases && !b.n_counts && !w->busy && !batch_has(&w->handed)) {
		/* nothing to store, and the store has all before: it is up to
		 * date (under fmu: the flusher tells nothing older after this) */
		stored(w, b.durable);
		pthread_mutex_unlock(&w->fmu);
		batch_release(&b);
		return;
	}
	while (w->handed.records >= w->o.queue_max_events && !ox_writer_failed(w))
		pthread_cond_wait(&w->fcv, &w->fmu);
	batch_merge(&w->handed, &b);
	pthread_cond_signal(&w->fcv);
	pthread_mutex_unlock(&w->fmu);
}

static int append(struct ox_writer *w, const char *p, size_t len, uint64_t *seq)
{
	int rc = ox_evlog_append(w->log, p, len, seq);
	/* the buffer is full: commit it and go on; the group's cases, outbox
	 * entries and jobs go over with its end */
	if (rc == OX_EVLOG_EFULL && commit_log(w))
		rc = ox_evlog_append(w->log, p, len, seq);
	if (rc) {
		fail(w, "event log", ox_evlog_strerror(rc));
	} else {
		w->appended++;
		w->last_seq = *seq;
	}
	return rc;
}

/* Decode event i of the job into ev with decoder k, and start fetching the
 * table slots applying it will touch (as src/feed.c does for replay): they
 * are far larger than the cache, so the misses overlap with the work on the
 * event before. */
static int decode_ahead(struct ox_writer *w, const struct ox_job *job, size_t i, int k, struct ox_event *ev)
{
	char err[OX_ERR_BUFSZ];
	if (ox_decode(w->dec[k], job->events[i].s, job->events[i].len, ev, err) < 0) {
		fail(w, "an event that validated does not decode", err); /* a bug */
		return -1;
	}
	ox_engine_prefetch(w->engine, ev);
	if (ev->order_id.len)
		ox_orderidx_prefetch(w->orders, ev->order_id.s, ev->order_id.len);
	return 0;
}

static void ingest(struct ox_writer *w, struct ox_job *job)
{
	struct ox_event ev[2];
	int k = 0;
	if (job->n == 0 || decode_ahead(w, job, 0, k, &ev[k]) < 0)
		return;
	for (size_t i = 0; i < job->n; i++, k ^= 1) {
		if (i + 1 < job->n && decode_ahead(w, job, i + 1, k ^ 1, &ev[k ^ 1]) < 0)
			return;
		uint64_t seq;
		if (ox_engine_seen(w->engine, ev[k].id)) {
			job->duplicates++;
			continue;
		}
		if (append(w, ev[k].raw.s, ev[k].raw.len, &seq))
			return;
		apply_event(w, &ev[k], seq);
		job->accepted++;
	}
}

/* In wall-clock mode, move event time to now once a tick period passed. */
static void maybe_tick(struct ox_writer *w)
{
	if (!w->o.wall_clock)
		return;
	int64_t now = wall_ms();
	ox_time clock = ox_engine_clock(w->engine);
	if (now - w->last_tick < (int64_t)w->o.tick_ms || (clock != OX_TIME_NONE && now <= clock))
		return;
	char rec[24];
	int n = snprintf(rec, sizeof rec, "%c%" PRId64, TICK_MARK, now);
	uint64_t seq;
	if (append(w, rec, (size_t)n, &seq))
		return;
	ox_engine_advance(w->engine, now);
	stock_tick(w, now, true);
	w->last_tick = now;
	if (w->o.metrics)
		OX_METRIC_ADD(w->o.metrics, ticks, 1);
}

/* The engine let go of an order (retention): its records are no longer
 * shown, so compaction stops archiving them. */
static void order_retired(void *ctx, const char *order_id, size_t len)
{
	struct ox_writer *w = ctx;
	ox_orderidx_remove(w->orders, order_id, len);
}

/* The order's log seqs, for the flusher to read once they are durable. */
static void order_seqs(struct ox_writer *w, struct ox_job *job)
{
	size_t n;
	const uint64_t *seqs = ox_orderidx_get(w->orders, job->order_id.s, job->order_id.len, &n);
	job->seqs = ox_xcalloc(n ? n : 1, sizeof *job->seqs);
	if (n)
		memcpy(job->seqs, seqs, n * sizeof *seqs);
	job->n_records = n;
	job->retired = !n && ox_engine_order_retired(w->engine, job->order_id);
}

static void publish(struct ox_writer *w)
{
	atomic_store(&w->auto_on, ox_desk_auto_enabled(w->desk));
	struct ox_metrics *m = w->o.metrics;
	if (!m)
		return;
	struct ox_engine_stats st;
	ox_engine_stats(w->engine, &st);
	OX_METRIC_SET(m, durable_seq, ox_evlog_durable_seq(w->log));
	OX_METRIC_SET(m, snapshot_seq, w->snap_seq);
	OX_METRIC_SET(m, log_bytes, ox_evlog_disk_bytes(w->log));
	OX_METRIC_SET(m, archive_bytes, ox_archives_bytes(&w->arch));
	OX_METRIC_SET(m, orders, st.orders);
	OX_METRIC_SET(m, orders_retired, st.orders_retired);
	OX_METRIC_SET(m, event_id_bytes, st.id_set_bytes);
	OX_METRIC_SET(m, cases_open, st.cases_open);
	OX_METRIC_SET(m, deadlines_pending, st.deadlines_pending);
	ox_time clock = ox_engine_clock(w->engine);
	OX_METRIC_SET(m, event_clock_ms, clock == OX_TIME_NONE ? 0 : clock);
}

/* A person's action: applied if the case and the scope allow it, then
 * logged at the clock's time (a replay applies it at the same time). */
static void act(struct ox_writer *w, struct ox_job *job)
{
	ox_time clock = ox_engine_clock(w->engine);
	job->action->at = clock == OX_TIME_NONE ? wall_ms() : clock;
	job->desk_rc = ox_desk_apply(w->desk, job->action, job->scope, job->action->at, job->desk_err);
	if (job->desk_rc)
		return;
	if (job->action->op == OX_DESK_CALL) {
		const char *body;
		enum ox_comp_wait wait;
		snprintf(job->action->call_id, sizeof job->action->call_id, "%s",
			 ox_desk_last_call(w->desk, &body, &wait));
		if (job->action->dry) { /* nothing to log: its body is the answer */
			job->action->would_wait = (int)wait;
			ox_buf_init(&job->text, SIZE_MAX);
			ox_buf_addz(&job->text, body);
			return;
		}
	}
	ox_buf_reset(&w->record);
	ox_buf_addf(&w->record, "%c", ACTION_MARK);
	ox_desk_action_write(job->action, &w->record);
	uint64_t seq;
	if (append(w, w->record.data, w->record.len, &seq) == 0)
		remember_action(w, seq, job->action);
}

/* A stock operation at the clock's time, logged when it changed something,
 * with the events it made after it. */
static void stock(struct ox_writer *w, struct ox_job *job)
{
	struct ox_inv_op *op = job->inv_op;
	ox_time clock = ox_engine_clock(w->engine);
	op->at = clock == OX_TIME_NONE ? wall_ms() : clock;
	if (job->text.max)
		ox_buf_reset(&job->text); /* the submitter's room */
	else
		ox_buf_init(&job->text, SIZE_MAX);
	ox_buf_reset(&w->made);
	struct ox_inv_result res = { .body = &job->text };
	ox_inventory_apply(w->inventory, op, &res, &w->made);
	job->inv_status = res.status;
	if (!res.changed)
		return;
	ox_buf_reset(&w->record);
	ox_buf_addf(&w->record, "%c", STOCK_MARK);
	ox_inv_op_write(op, &w->record);
	uint64_t seq;
	if (append(w, w->record.data, w->record.len, &seq) == 0)
		apply_made(w, true);
}

/* A risk score: read only, answered at once. It sees every event applied
 * before it, durable or not yet. */
static void score(struct ox_writer *w, struct ox_job *job)
{
	if (job->risk_ev->ts == OX_TIME_NONE) {
		ox_time clock = ox_engine_clock(w->engine);
		job->risk_ev->ts = clock == OX_TIME_NONE ? wall_ms() : clock;
	}
	ox_risk_score(w->engine, job->risk_ev, OX_RISK_WITH_BLACKLIST, job->risk);
	job->done(job);
}

/* A blacklist change at the clock's time, as an action is: applied first
 * (all or nothing), then logged when it changed something, so a replay
 * applies it at the same place and time. */
static void blacklist_change(struct ox_writer *w, struct ox_job *job)
{
	struct ox_bl_op *op = job->bl_op;
	ox_time clock = ox_engine_clock(w->engine);
	op->at = clock == OX_TIME_NONE ? wall_ms() : clock;
	job->bl_rc = ox_blacklist_apply(w->bl, op, &job->bl_counts, job->bl_err);
	if (job->bl_rc || job->bl_counts.added + job->bl_counts.updated + job->bl_counts.removed == 0)
		return;
	ox_buf_reset(&w->record);
	ox_buf_addf(&w->record, "%c", BLACKLIST_MARK);
	ox_bl_op_write(op, SIZE_MAX, &w->record);
	uint64_t seq;
	if (append(w, w->record.data, w->record.len, &seq) == 0)
		remember_change(w, seq, op);
}

/* A parameter change at the clock's time, as a blacklist change is:
 * applied (all or nothing), then logged. */
static void params_change(struct ox_writer *w, struct ox_job *job)
{
	struct ox_live_change *c = job->params;
	ox_time clock = ox_engine_clock(w->engine);
	c->at = clock == OX_TIME_NONE ? wall_ms() : clock;
	struct ox_buf diff;
	ox_buf_init(&diff, SIZE_MAX);
	job->params_rc = apply_params(w, c, &diff, job->params_err, sizeof job->params_err);
	if (job->params_rc == 0) {
		ox_buf_init(&job->text, SIZE_MAX);
		ox_buf_add(&job->text, diff.data, diff.len);
		ox_buf_reset(&w->record);
		ox_buf_addf(&w->record, "%c", PARAMS_MARK);
		ox_live_change_write(c, &w->record);
		uint64_t seq;
		if (append(w, w->record.data, w->record.len, &seq) == 0)
			remember_params(w, seq, c, &diff);
	}
	ox_buf_release(&diff);
}

/* What the writer does with a job of each kind in its group (risk scores
 * leave the group before). */
static void (*const run_job[])(struct ox_writer *w, struct ox_job *job) = {
	[OX_JOB_EVENTS] = ingest,
	[OX_JOB_ORDER] = order_seqs,
	[OX_JOB_ACTION] = act,
	[OX_JOB_INVENTORY] = stock,
	[OX_JOB_BLACKLIST] = blacklist_change,
	[OX_JOB_PARAMS] = params_change,
};

/* ---- snapshots ---------------------------------------------------------------- */

/* Everything the records up to the snapshot's seq built: a restart reads it
 * and replays only the records after (docs/retention.md). */
static void snapshot_write(const struct ox_writer *w, struct ox_snap_w *sw)
{
	ox_snap_tag(sw, "WRT1");
	ox_snap_i64(sw, w->last_tick);
	ox_live_save(w->o.live, sw); /* before the engine: its orders take these parameters */
	ox_engine_save(w->engine, sw);
	ox_desk_save(w->desk, sw);
	ox_inventory_save(w->inventory, sw);
	ox_blacklist_save(w->bl, sw);
	ox_orderidx_save(w->orders, sw);
}

/* Read snapshot seq into the fresh parts. 1 when it cannot be opened (not
 * a snapshot of this ordex, damaged: an older one or the log will do), -1
 * when it opened but does not load (a bug: the start stops, err says why),
 * 0 when loaded. */
static int snapshot_load(struct ox_writer *w, uint64_t seq, char *err, size_t errsz)
{
	struct ox_snap_r r;
	if (ox_snap_r_open(&r, w->snap_dir, seq, err, errsz) < 0)
		return 1;
	ox_snap_expect(&r, "WRT1");
	w->last_tick = ox_snap_get_i64(&r);
	if (ox_live_load(w->o.live, &r) == 0 && ox_engine_load(w->engine, &r) == 0 && ox_desk_load(w->desk, &r) == 0 &&
	    ox_inventory_load(w->inventory, &r) == 0 && ox_blacklist_load_snapshot(w->bl, &r) == 0)
		ox_orderidx_load(w->orders, &r);
	int rc = 0;
	if (!ox_snap_r_done(&r)) {
		snprintf(err, errsz, "%s/%020" PRIu64 ".snap: %s (move it away to replay the log instead)",
			 w->snap_dir, seq, r.bad ? r.why : "bytes left after the state");
		rc = -1;
	}
	ox_snap_r_close(&r);
	if (rc == 0)
		w->snap_seq = w->snap_tried = seq;
	return rc;
}

/* The order archives. One that does not open is damage: compaction
 * removed segments only once their archive was durable. */
static int open_archives(struct ox_writer *w, char *err, size_t errsz)
{
	if (ox_archives_open(&w->arch, w->snap_dir, err, errsz) == 0)
		return 0;
	snprintf(err + strlen(err), errsz - strlen(err), " (move it away to start without the history it holds)");
	return -1;
}

/* The newest snapshot that opens, if any. */
static int load_newest_snapshot(struct ox_writer *w, char *err, size_t errsz)
{
	uint64_t seqs[4];
	size_t n = ox_snap_list(w->snap_dir, seqs, OX_ARRAY_LEN(seqs));
	for (size_t i = 0; i < n; i++) {
		int rc = snapshot_load(w, seqs[i], err, errsz);
		if (rc <= 0)
			return rc;
		fprintf(stderr, "ordex serve: skipping a snapshot: %s\n", err);
	}
	return 0;
}

/* The order archive of snapshot seq (and the merges of older ones) are
 * durable: take them in, then the log segments before keep go
 * (docs/retention.md). Both are the writer's: nothing else reads them. */
static void compact_log(struct ox_writer *w, uint64_t seq, uint64_t keep)
{
	char err[OX_ARCHIVE_ERRSZ];
	uint64_t t0 = mono_us(), segments = 0;
	int rc = ox_archives_refresh(&w->arch, w->snap_dir, err, sizeof err);
	if (rc == 0 && ox_archives_upto(&w->arch) + 1 < keep) {
		snprintf(err, sizeof err, "the archive of the records before %" PRIu64 " is missing", keep);
		rc = -1;
	}
	if (rc == 0 && (rc = ox_evlog_drop_before(w->log, keep, &segments)) != 0)
		snprintf(err, sizeof err, "%s", ox_evlog_errmsg(w->log));
	ox_snap_prune(w->snap_dir, seq); /* an older snapshot's records after it are gone */
	if (rc)
		fprintf(stderr, "ordex serve: compaction: %s\n", err);
	if (w->o.metrics)
		OX_METRIC_ADD(w->o.metrics, segments_removed, segments);
	fprintf(stderr, "ordex serve: compaction at record %" PRIu64 ": removed %" PRIu64
			" log segments in %.3f s; %zu archives, %" PRIu64 " bytes\n",
		seq, segments, (double)(mono_us() - t0) / 1e6, w->arch.n, ox_archives_bytes(&w->arch));
}

static size_t archives_max(const struct ox_writer *w)
{
	return w->o.archives_max ? w->o.archives_max : OX_ARCHIVES_MAX;
}

/* Merge the open archives (w->arch) down to max, leaving out the orders
 * retired since: the merged files are written here, and the inputs go at
 * the next ox_archives_refresh. A failure leaves them as they were. */
static void merge_archives(struct ox_writer *w, size_t max)
{
	char err[OX_SNAP_ERRSZ];
	struct ox_merge_stats ms;
	uint64_t t0 = mono_us();
	if (ox_compact_merge(w->orders, &w->arch, max, w->snap_dir, w->snap_buf, OX_SNAP_BUFSZ, &ms, err, sizeof err))
		fprintf(stderr, "ordex serve: archive merge: %s\n", err);
	if (ms.merges)
		fprintf(stderr, "ordex serve: archives merged: %" PRIu64 " into %" PRIu64 ", %" PRIu64 " of %" PRIu64
				" records kept, %" PRIu64 " of %" PRIu64 " bytes, in %.2f s\n",
			ms.replaced, ms.merges, ms.records_out, ms.records_in, ms.bytes_out, ms.bytes_in,
			(double)(mono_us() - t0) / 1e6);
}

/* After the snapshot at seq: the order archive of the log segments before
 * keep (0: none to write), in the snapshot's child or builder. Allocates
 * nothing (ox_compact_archive). The exit status. */
static int write_archive(struct ox_writer *w, uint64_t seq, uint64_t keep)
{
	if (!keep)
		return OX_BUILD_DONE;
	char err[OX_SNAP_ERRSZ];
	struct ox_compact_stats cs;
	uint64_t t0 = mono_us();
	if (ox_compact_archive(w->orders, w->log, keep, w->snap_dir, w->snap_buf, OX_SNAP_BUFSZ, &cs, err,
			       sizeof err)) {
		fprintf(stderr, "ordex serve: no order archive, no compaction: %s\n", err);
		return OX_BUILD_NO_ARCHIVE;
	}
	fprintf(stderr, "ordex serve: order archive at record %" PRIu64 ": %" PRIu64 " of %" PRIu64
			" records of kept orders, %" PRIu64 " bytes, in %.2f s\n",
		seq, cs.written, cs.wanted, cs.bytes, (double)(mono_us() - t0) / 1e6);
	/* the older ones, with the new one beside them: at most max in all */
	merge_archives(w, archives_max(w) - 1);
	return OX_BUILD_DONE;
}

/* Run the snapshot builder for seq (ox_writer_build, in a process of its
 * own): the daemon's memory is not copied, so its pages are not faulted
 * and copied while the snapshot is written. 0, or -1 when it did not start. */
static int spawn_builder(struct ox_writer *w, uint64_t seq, uint64_t keep)
{
	size_t n = 0;
	while (w->o.builder_argv[n])
		n++;
	char s_seq[24], s_keep[24], s_parent[24];
	snprintf(s_seq, sizeof s_seq, "%" PRIu64, seq);
	snprintf(s_keep, sizeof s_keep, "%" PRIu64, keep);
	snprintf(s_parent, sizeof s_parent, "%ld", (long)getpid());
	char **argv = ox_xcalloc(n + 7, sizeof *argv);
	memcpy(argv, w->o.builder_argv, n * sizeof *argv);
	static char f_seq[] = "--build-snapshot", f_keep[] = "--build-keep", f_parent[] = "--build-parent";
	char *extra[] = { f_seq, s_seq, f_keep, s_keep, f_parent, s_parent };
	memcpy(argv + n, extra, sizeof extra);
	pid_t pid;
	int rc = posix_spawn(&pid, "/proc/self/exe", NULL, NULL, argv, environ);
	free(argv);
	if (rc) {
		fprintf(stderr, "ordex serve: no snapshot builder: %s\n", strerror(rc));
		return -1;
	}
	w->snap_pid = pid;
	w->snap_child_seq = seq;
	w->snap_child_keep = keep;
	return 0;
}

/* The child's end: a snapshot written, or why not. */
static void reap_snapshot(struct ox_writer *w, bool wait)
{
	if (!w->snap_pid)
		return;
	int st;
	pid_t p = waitpid(w->snap_pid, &st, wait ? 0 : WNOHANG);
	if (p == 0 || (p < 0 && errno == EINTR))
		return;
	w->snap_pid = 0;
	int code = p > 0 && WIFEXITED(st) ? WEXITSTATUS(st) : OX_BUILD_FAILED;
	if (code == OX_BUILD_DONE || code == OX_BUILD_NO_ARCHIVE) {
		uint64_t prev = w->snap_seq;
		w->snap_seq = w->snap_child_seq;
		fprintf(stderr, "ordex serve: snapshot at record %" PRIu64 " written in %.2f s\n", w->snap_seq,
			(double)(mono_us() - w->snap_started) / 1e6);
		if (code == OX_BUILD_DONE && w->snap_child_keep)
			compact_log(w, w->snap_seq, w->snap_child_keep);
		else
			ox_snap_prune(w->snap_dir, prev ? prev : w->snap_seq); /* the one before stays, just in case */
	} else if (code == OX_BUILD_STALE) {
		w->builder_off = true;
		fprintf(stderr, "ordex serve: the config changed since the start: snapshots are written by a "
				"forked child until a restart\n");
	} else {
		fprintf(stderr, "ordex serve: the snapshot at record %" PRIu64 " failed; the next is tried %" PRIu64
				" records later\n", w->snap_child_seq, w->o.snapshot_every);
	}
}

/* The stop writes a snapshot of its own (final_snapshot): a builder or a
 * child still at work goes (it would die with this thread anyway, by
 * PR_SET_PDEATHSIG), and a stop does not wait for it. Its compaction comes
 * with the next snapshot after the restart. */
static void stop_snapshot(struct ox_writer *w)
{
	if (!w->snap_pid)
		return;
	kill(w->snap_pid, SIGKILL);
	while (waitpid(w->snap_pid, NULL, 0) < 0 && errno == EINTR)
		;
	fprintf(stderr, "ordex serve: the snapshot at record %" PRIu64 " was stopped with the daemon\n",
		w->snap_child_seq);
	w->snap_pid = 0;
}

/* Every snapshot_every records, once everything appended is durable and
 * stored, the snapshot builder rebuilds the state at that record in a
 * process of its own from the last snapshot and the log, and writes it;
 * without a builder, a forked child writes it from its copy of memory
 * (copy-on-write). Either way the writer goes on at once. */
static void maybe_snapshot(struct ox_writer *w)
{
	reap_snapshot(w, false);
	if (!w->o.snapshot_every || w->snap_pid || ox_writer_failed(w) ||
	    w->last_seq < w->snap_tried + w->o.snapshot_every ||
	    (w->snap_started && mono_us() - w->snap_started < (uint64_t)w->o.snapshot_min_interval_s * 1000000u))
		return;
	pthread_mutex_lock(&w->fmu); /* the store not behind the snapshot */
	w->store_now = true;
	pthread_cond_signal(&w->fcv);
	while (w->busy || batch_has(&w->handed))
		pthread_cond_wait(&w->fcv, &w->fmu);
	pthread_mutex_unlock(&w->fmu);
	uint64_t seq = ox_evlog_durable_seq(w->log);
	if (ox_writer_failed(w) || seq != w->last_seq)
		return;
	w->snap_tried = seq;
	/* segments wholly at or before the snapshot can go once the records
	 * of the orders kept are archived */
	uint64_t keep = ox_evlog_keep_from(w->log, seq);
	w->snap_child_keep = keep > ox_evlog_first_seq(w->log) ? keep : 0;
	w->snap_started = mono_us();
	if (w->o.builder_argv && !w->builder_off && spawn_builder(w, seq, w->snap_child_keep) == 0)
		return;
	char err[OX_SNAP_ERRSZ];
	struct ox_snap_w sw;
	if (ox_snap_w_open(&sw, w->snap_dir, seq, w->snap_buf, OX_SNAP_BUFSZ, err, sizeof err) < 0) {
		fprintf(stderr, "ordex serve: no snapshot: %s\n", err);
		return;
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		/* the child: only this thread exists here, and nothing in this
		 * memory changes under it; it dies with the daemon (also when
		 * that came before the prctl) */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(OX_BUILD_FAILED);
		ox_evlog_forget_lock(w->log);
		setpriority(PRIO_PROCESS, 0, 19); /* the writer and the HTTP threads first */
		snapshot_write(w, &sw);
		if (ox_snap_w_commit(&sw, err, sizeof err)) {
			fprintf(stderr, "ordex serve: %s\n", err);
			_exit(OX_BUILD_FAILED);
		}
		_exit(write_archive(w, seq, w->snap_child_keep));
	}
	if (pid < 0) {
		fprintf(stderr, "ordex serve: no snapshot: fork: %s\n", strerror(errno));
		ox_snap_w_abort(&sw);
		return;
	}
	ox_snap_w_forget(&sw);
	w->snap_pid = pid;
	w->snap_child_seq = seq;
}

/* A clean stop leaves a snapshot of everything, written here (no one waits
 * for the writer any more), so the next start replays nothing. */
static void final_snapshot(struct ox_writer *w)
{
	reap_snapshot(w, true);
	uint64_t seq = ox_evlog_durable_seq(w->log);
	if (!w->o.snapshot_every || ox_writer_failed(w) || seq <= w->snap_seq || seq != w->last_seq)
		return;
	char err[OX_SNAP_ERRSZ];
	struct ox_snap_w sw;
	uint64_t t0 = mono_us();
	if (ox_snap_w_open(&sw, w->snap_dir, seq, w->snap_buf, OX_SNAP_BUFSZ, err, sizeof err) == 0) {
		snapshot_write(w, &sw);
		if (ox_snap_w_commit(&sw, err, sizeof err) == 0) {
			ox_snap_prune(w->snap_dir, w->snap_seq ? w->snap_seq : seq);
			fprintf(stderr, "ordex serve: snapshot at record %" PRIu64 " written in %.2f s\n", seq,
				(double)(mono_us() - t0) / 1e6);
			return;
		}
	}
	fprintf(stderr, "ordex serve: no snapshot at the stop: %s\n", err);
}

static void run_group(struct ox_writer *w, struct ox_job *jobs)
{
	if (ox_writer_failed(w)) {
		fail_jobs(jobs);
		return;
	}
	/* Risk scores leave the group: they have nothing to commit. */
	struct ox_job **link = &jobs;
	for (struct ox_job *j = jobs, *next; j; j = next) {
		next = j->next;
		if (j->kind != OX_JOB_RISK) {
			link = &j->next;
			continue;
		}
		*link = next;
		score(w, j);
	}
	for (struct ox_job *j = jobs; j && !ox_writer_failed(w); j = j->next)
		run_job[j->kind](w, j);
	if (!ox_writer_failed(w))
		maybe_tick(w);
	publish(w);
	hand_over(w, jobs);
	maybe_snapshot(w);
}

/* ---- the flusher ------------------------------------------------------------ */

/* Store the batch's case snapshots with applied_seq (the batch's last log
 * seq), in one transaction. */
static int store_cases(struct ox_writer *w, struct batch *b, uint64_t applied)
{
	struct ox_store *s = w->store;
	if (ox_store_begin(s))
		return -1;
	if (w->o.live) /* the writer may change the rules' teams meanwhile */
		ox_live_rdlock(w->o.live);
	size_t put = 0;
	while (put < b->n_cases && ox_store_put_case(s, &b->cases[put], w->o.params->rules[b->cases[put].rule].team) == 0)
		put++;
	if (w->o.live)
		ox_live_unlock(w->o.live);
	if (put < b->n_cases)
		goto fail;
	if (ox_store_add_counts(s, b->counts, b->n_counts))
		goto fail;
	if (ox_store_meta_set(s, APPLIED_SEQ, (int64_t)applied) || ox_store_commit(s))
		goto fail;
	return 0;
fail:
	ox_store_rollback(s);
	return -1;
}

/* Write down who did what, once it is durable: each action once, even when
 * a restart replays it (the log seq is the key). */
static int audit_actions(struct ox_writer *w, const struct logged_action *la, size_t n)
{
	struct ox_buf detail, action, idem;
	ox_buf_init(&detail, SIZE_MAX);
	ox_buf_init(&action, 64);
	ox_buf_init(&idem, 64);
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		ox_buf_reset(&detail);
		ox_buf_reset(&action);
		ox_buf_reset(&idem);
		ox_desk_action_write(&la[i].a, &detail);
		ox_buf_addf(&action, "case.%s", ox_desk_op_name(la[i].a.op));
		ox_buf_addf(&idem, "log:%" PRIu64, la[i].seq);
		struct ox_audit_entry e = { .actor = la[i].a.actor, .action = action.data,
					    .target = la[i].a.case_id[0] ? la[i].a.case_id : "actions.auto",
					    .detail = detail.data,
					    .idem = idem.data };
		rc = ox_audit_append(w->audit, &e, NULL);
	}
	ox_buf_release(&detail);
	ox_buf_release(&action);
	ox_buf_release(&idem);
	return rc;
}

/* The blacklist changes likewise: blacklist.add or blacklist.remove, once
 * each (keyed by the log seq). */
static int audit_changes(struct ox_writer *w, const struct logged_change *c, size_t n)
{
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		char idem[32];
		snprintf(idem, sizeof idem, "log:%" PRIu64, c[i].seq);
		struct ox_audit_entry e = { .actor = c[i].actor, .action = c[i].action, .target = c[i].target,
					    .detail = c[i].detail, .idem = idem };
		rc = ox_audit_append(w->audit, &e, NULL);
	}
	return rc;
}

/* What follows a durable log flush, before the answers: the alerts, the
 * audit log and the call outbox (all keyed, so a replay after a crash adds
 * nothing twice). The store's case changes come after the answers
 * (flush_batch), with applied_seq, which says that all of it is done. */
static void after_flush(struct ox_writer *w, struct batch *b)
{
	if (b->n_notices && w->o.alerts && ox_alerts_enqueue(w->o.alerts, b->notices, b->n_notices))
		fail(w, "alert outbox", "enqueue failed");
	else if (b->n_actions && audit_actions(w, b->actions, b->n_actions))
		fail(w, "audit log", ox_audit_errmsg(w->audit));
	else if (b->n_changes && audit_changes(w, b->changes, b->n_changes))
		fail(w, "audit log", ox_audit_errmsg(w->audit));
	else if (b->n_calls && w->o.executor && ox_executor_enqueue(w->o.executor, b->calls, b->n_calls))
		fail(w, "call outbox", "enqueue failed");
}

/* Store what the flusher holds unstored, in one transaction. */
static void store_unstored(struct ox_writer *w)
{
	struct batch *u = &w->unstored;
	if (!ox_writer_failed(w)) {
		if ((u->n_cases || u->n_counts) && store_cases(w, u, u->durable) < 0)
			fail(w, "case store", ox_store_errmsg(w->store));
		else
			stored(w, u->durable);
	}
	batch_release(u);
	*u = (struct batch){ 0 };
	w->unstored_since = 0;
}

/* Is it time to store what is unstored? At once when it is only a seq
 * (nothing to gather: stored moves on). */
static bool store_due(const struct ox_writer *w)
{
	const struct batch *u = &w->unstored;
	return w->unstored_since &&
	       ((!u->n_cases && !u->n_counts) || w->store_now || w->flusher_stop || u->n_cases >= STORE_MAX_CASES ||
		mono_us() - w->unstored_since >= STORE_DELAY_US);
}

/* A durable batch (the writer committed it): its notices, actions and
 * calls to their outboxes, its answers, then its case snapshots and counts
 * to what is unstored. The store commit only records the case changes (a
 * restart redoes them from the log if it fails), so the answers do not
 * wait for it. */
static void finish_batch(struct ox_writer *w, struct batch *b)
{
	after_flush(w, b);
	bool calls = b->n_calls && w->o.executor;
	if (b->jobs && !answer_jobs(w, b->jobs, b->durable))
		calls = false;
	struct batch keep = { .durable = b->durable, .cases = b->cases, .n_cases = b->n_cases,
			      .cap_cases = b->cap_cases, .counts = b->counts, .n_counts = b->n_counts };
	b->cases = NULL;
	b->counts = NULL;
	b->n_cases = b->n_counts = 0;
	batch_release(b);
	if (!w->unstored_since)
		w->unstored_since = mono_us();
	batch_merge(&w->unstored, &keep);
	/* after the answers: they show the calls as requested; a route that
	 * reads its answer from the store later wakes it itself, and the
	 * executor's own timer sends what a lost answer left */
	if (calls)
		ox_executor_wake(w->o.executor);
}

static void *flusher_main(void *arg)
{
	prctl(PR_SET_NAME, "ordex-flusher"); /* as top -H and perf show it */
	struct ox_writer *w = arg;
	pthread_mutex_lock(&w->fmu);
	for (;;) {
		while (!batch_has(&w->handed) && !store_due(w) && !w->flusher_stop) {
			if (!w->unstored_since) {
				pthread_cond_wait(&w->fcv, &w->fmu);
				continue;
			}
			uint64_t due = w->unstored_since + STORE_DELAY_US;
			struct timespec until = { .tv_sec = (time_t)(due / 1000000u),
						  .tv_nsec = (long)(due % 1000000u) * 1000 };
			pthread_cond_timedwait(&w->fcv, &w->fmu, &until);
		}
		if (!batch_has(&w->handed) && !w->unstored_since && w->flusher_stop)
			break;
		struct batch b = w->handed;
		w->handed = (struct batch){ 0 };
		w->busy = true;
		pthread_cond_broadcast(&w->fcv); /* the writer may wait for room */
		pthread_mutex_unlock(&w->fmu);
		if (batch_has(&b))
			finish_batch(w, &b);
		pthread_mutex_lock(&w->fmu);
		if (store_due(w)) {
			w->store_now = false;
			pthread_mutex_unlock(&w->fmu);
			store_unstored(w);
			pthread_mutex_lock(&w->fmu);
		}
		w->busy = w->unstored_since != 0;
		pthread_cond_broadcast(&w->fcv); /* a snapshot waits for an idle flusher */
	}
	pthread_mutex_unlock(&w->fmu);
	return NULL;
}

static void *writer_main(void *arg)
{
	prctl(PR_SET_NAME, "ordex-writer"); /* as top -H and perf show it */
	struct ox_writer *w = arg;
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->head && !w->stopping) {
			if (!w->o.wall_clock) {
				pthread_cond_wait(&w->cv, &w->mu);
				continue;
			}
			struct timespec until;
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_nsec += (long)w->o.tick_ms % 1000 * 1000000L;
			until.tv_sec += (time_t)(w->o.tick_ms / 1000) + until.tv_nsec / 1000000000L;
			until.tv_nsec %= 1000000000L;
			if (pthread_cond_timedwait(&w->cv, &w->mu, &until) == ETIMEDOUT)
				break;
		}
		struct ox_job *jobs = w->head;
		bool stop = w->stopping && !jobs;
		w->head = w->tail = NULL;
		w->queued_events = w->queued_jobs = 0;
		if (w->o.metrics) {
			OX_METRIC_SET(w->o.metrics, queue_events, 0);
			OX_METRIC_SET(w->o.metrics, queue_requests, 0);
		}
		pthread_mutex_unlock(&w->mu);
		if (stop) {
			hand_over(w, NULL);
			stop_snapshot(w);
			return NULL;
		}
		run_group(w, jobs);
		pthread_mutex_lock(&w->mu);
	}
}

int ox_writer_submit(struct ox_writer *w, struct ox_job *job)
{
	job->status = 0;
	job->accepted = job->duplicates = 0;
	job->next = NULL;
	size_t n = job->kind == OX_JOB_EVENTS ? job->n : 0;
	pthread_mutex_lock(&w->mu);
	/* One job larger than the queue still goes alone, or it never could. */
	bool full = w->queued_jobs && w->queued_events + n > w->o.queue_max_events;
	if (w->stopping || full || ox_writer_failed(w)) {
		pthread_mutex_unlock(&w->mu);
		return -1;
	}
	if (w->tail)
		w->tail->next = job;
	else
		w->head = job;
	w->tail = job;
	w->queued_events += n;
	w->queued_jobs++;
	if (w->o.metrics) {
		OX_METRIC_SET(w->o.metrics, queue_events, w->queued_events);
		OX_METRIC_SET(w->o.metrics, queue_requests, w->queued_jobs);
	}
	/* no system call while the writer is busy (no waiter): the jobs
	 * queued during its commit are its next group */
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	return 0;
}

/* ---- start and stop ------------------------------------------------------- */

static void close_parts(struct ox_writer *w)
{
	ox_evlog_close(w->log);
	ox_store_close(w->store);
	ox_audit_close(w->audit);
	ox_desk_free(w->desk);
	ox_inventory_free(w->inventory);
	ox_buf_release(&w->record);
	ox_buf_release(&w->made);
	ox_decoder_free(w->made_dec);
	free(w->actions);
	free_changes(w->changes, w->n_changes);
	if (w->own_bl)
		ox_blacklist_free(w->bl);
	/* The engine and the order index hold millions of blocks after a day:
	 * they go with the process (a stop must not take minutes). */
	ox_keep_until_exit(w->engine);
	ox_keep_until_exit(w->orders);
	ox_decoder_free(w->dec[0]);
	ox_decoder_free(w->dec[1]);
	ox_hmap_release(&w->dirty);
	free(w->dirty_list);
	free(w->snap_buf);
	ox_archives_close(&w->arch);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->fmu);
	pthread_cond_destroy(&w->fcv);
	pthread_mutex_destroy(&w->ck_mu);
	pthread_cond_destroy(&w->ck_cv);
	pthread_mutex_destroy(&w->smu);
	pthread_cond_destroy(&w->scv);
	free(w);
}

static void listen_to_engine(struct ox_writer *w)
{
	ox_engine_set_listener(w->engine, (struct ox_case_listener){ .changed = case_changed, .ctx = w,
								     .clock = clock_moved,
								     .order_retired = order_retired });
}

static int open_parts(struct ox_writer *w, char *err, size_t errsz)
{
	char path[4096];
	if (mkdir(w->o.data_dir, 0750) < 0 && errno != EEXIST) {
		snprintf(err, errsz, "%s: %s", w->o.data_dir, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof path, "%s/cases.db", w->o.data_dir);
	if (ox_store_open(&w->store, path, err, errsz))
		return -1;
	/* The log is the record of truth; the store is redone from it after a
	 * crash, so it need not fsync every commit (NORMAL survives a crash of
	 * ordex and stays consistent after a power cut). */
	if (ox_store_set_synchronous(w->store, false) || ox_store_set_bulk_writes(w->store) ||
	    ox_store_meta_get(w->store, APPLIED_SEQ, &w->applied_seq) ||
	    ox_store_begin(w->store)) {
		snprintf(err, errsz, "%s: %s", path, ox_store_errmsg(w->store));
		return -1;
	}
	snprintf(path, sizeof path, "%s/audit.db", w->o.data_dir);
	if (ox_audit_open(&w->audit, path, err, errsz))
		return -1;
	w->sink = (struct ox_store_sink){ .store = w->store, .params = w->o.params };
	w->store_listener = ox_store_sink_listener(&w->sink);
	listen_to_engine(w);

	uint64_t t0 = mono_us();
	if (load_newest_snapshot(w, err, errsz) < 0)
		return -1;
	double snap_secs = (double)(mono_us() - t0) / 1e6;
	snprintf(path, sizeof path, "%s/events", w->o.data_dir);
	if (open_archives(w, err, errsz) < 0)
		return -1;
	/* Zeros written ahead: a commit's fdatasync then syncs no file size,
	 * a quarter less per commit on ext4 (docs/evlog.md). */
	struct ox_evlog_opts lo = { .sync = w->o.sync, .segment_max = w->o.segment_max,
				    .prealloc = w->o.sync == OX_EVLOG_FDATASYNC ? LOG_WRITE_AHEAD : 0 };
	w->msg[0] = '\0';
	w->pending = -1;
	int rc = ox_evlog_open(&w->log, path, &lo, replay_record, w, err, errsz);
	replay_apply_pending(w);
	if (rc) {
		if (rc == OX_EVLOG_EREPLAY && w->msg[0])
			snprintf(err, errsz, "%s: %s", path, w->msg);
		return -1;
	}
	int64_t durable = (int64_t)ox_evlog_durable_seq(w->log);
	if ((uint64_t)durable < w->snap_seq) {
		snprintf(err, errsz, "%s: the log ends at record %" PRId64 ", before snapshot %" PRIu64
				     ": records acknowledged are missing", path, durable, w->snap_seq);
		return -1;
	}
	if (ox_evlog_first_seq(w->log) > w->snap_seq + 1) {
		snprintf(err, errsz, "%s: the log starts at record %" PRIu64 ", after snapshot %" PRIu64
				     ": compacted records are missing (the snapshot it was compacted at does not load)",
			 path, ox_evlog_first_seq(w->log), w->snap_seq);
		return -1;
	}
	/* segments a crash left between writing an archive and removing them;
	 * never one the snapshot loaded still needs (an archive may belong to
	 * a newer snapshot that did not load) */
	uint64_t leftover = 0, keep = ox_evlog_keep_from(w->log, w->snap_seq);
	if (w->arch.n && ox_archives_upto(&w->arch) + 1 < keep)
		keep = ox_archives_upto(&w->arch) + 1;
	if (w->arch.n && ox_evlog_drop_before(w->log, keep, &leftover)) {
		snprintf(err, errsz, "%s: %s", path, ox_evlog_errmsg(w->log));
		return -1;
	}
	if (leftover)
		fprintf(stderr, "ordex serve: removed %" PRIu64 " log segments an interrupted compaction left\n",
			leftover);
	/* a crash between an archive and the merge after it (both in the
	 * snapshot builder) left one archive too many: merge them now */
	if (w->arch.n > archives_max(w)) {
		merge_archives(w, archives_max(w));
		if (ox_archives_refresh(&w->arch, w->snap_dir, err, errsz))
			return -1;
	}
	/* A store behind the snapshot (its commits are not synced: a power cut)
	 * lacks changes the replay no longer makes: put every case again. */
	if (w->applied_seq < (int64_t)w->snap_seq)
		for (size_t i = 0; i < ox_engine_case_count(w->engine); i++)
			w->store_listener.changed(w->store_listener.ctx, ox_engine_case(w->engine, i),
						  OX_CHANGE_UPDATED);
	/* what the replay redid past the store: its alerts and audit entries */
	/* the counts of what the replay redid, in its transaction like its cases */
	size_t n_counts;
	const struct ox_count *counts = ox_engine_counts(w->engine, &n_counts);
	if (ox_store_add_counts(w->store, counts, n_counts)) {
		snprintf(err, errsz, "case store: %s", ox_store_errmsg(w->store));
		return -1;
	}
	ox_engine_counts_clear(w->engine);
	struct batch redone = { 0 };
	take_notes(w, &redone);
	after_flush(w, &redone);
	free(redone.notices);
	free(redone.actions);
	free_changes(redone.changes, redone.n_changes);
	free(redone.counts);
	free_calls(redone.calls, redone.n_calls);
	if (ox_writer_failed(w)) {
		snprintf(err, errsz, "%s", w->msg);
		return -1;
	}
	if (w->sink.err || ox_store_meta_set(w->store, APPLIED_SEQ, durable) || ox_store_commit(w->store)) {
		snprintf(err, errsz, "case store: %s", ox_store_errmsg(w->store));
		return -1;
	}
	w->live = true;
	const struct ox_evlog_recovery *r = ox_evlog_recovery(w->log);
	if (w->snap_seq)
		fprintf(stderr, "ordex serve: read snapshot %" PRIu64 " in %.2f s\n", w->snap_seq, snap_secs);
	fprintf(stderr, "ordex serve: replayed %" PRIu64 " records from %" PRIu64 " segments in %.2f s",
		w->replayed, r->segments,
		(double)(mono_us() - t0) / 1e6 - snap_secs);
	if (r->torn_bytes)
		fprintf(stderr, "; cut a torn tail of %" PRIu64 " bytes (%s)", r->torn_bytes, r->torn_reason);
	fprintf(stderr, "; cases stored up to record %" PRId64 "\n", w->applied_seq);
	w->applied_seq = durable;
	return 0;
}

static void *checkpointer_main(void *arg)
{
	prctl(PR_SET_NAME, "ordex-ckpt"); /* as top -H and perf show it */
	struct ox_writer *w = arg;
	pthread_mutex_lock(&w->ck_mu);
	while (!w->ck_stop) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1;
		pthread_cond_timedwait(&w->ck_cv, &w->ck_mu, &until);
		if (w->ck_stop)
			break;
		pthread_mutex_unlock(&w->ck_mu);
		/* a failure (a lock held for long) is tried again a second later:
		 * meanwhile the WAL only grows */
		ox_store_checkpoint(w->ck_store);
		pthread_mutex_lock(&w->ck_mu);
	}
	pthread_mutex_unlock(&w->ck_mu);
	return NULL;
}

/* Take the store's checkpoints out of the flusher's commits. Without a
 * connection or a thread for them, SQLite goes on doing them itself. */
static void start_checkpointer(struct ox_writer *w)
{
	char path[4096], err[256];
	snprintf(path, sizeof path, "%s/cases.db", w->o.data_dir);
	if (ox_store_open(&w->ck_store, path, err, sizeof err)) {
		fprintf(stderr, "ordex serve: no checkpoint connection (%s): store commits checkpoint\n", err);
		return;
	}
	if (ox_store_set_autocheckpoint(w->store, false) ||
	    pthread_create(&w->checkpointer, NULL, checkpointer_main, w) != 0) {
		ox_store_set_autocheckpoint(w->store, true);
		ox_store_close(w->ck_store);
		w->ck_store = NULL;
	}
}

static void stop_checkpointer(struct ox_writer *w)
{
	if (!w->ck_store)
		return;
	pthread_mutex_lock(&w->ck_mu);
	w->ck_stop = true;
	pthread_cond_signal(&w->ck_cv);
	pthread_mutex_unlock(&w->ck_mu);
	pthread_join(w->checkpointer, NULL);
	ox_store_close(w->ck_store);
	w->ck_store = NULL;
}

/* Let the flusher finish its batch, then end it. */
static void stop_flusher(struct ox_writer *w)
{
	pthread_mutex_lock(&w->fmu);
	w->flusher_stop = true;
	pthread_cond_signal(&w->fcv);
	pthread_mutex_unlock(&w->fmu);
	pthread_join(w->flusher, NULL);
}

/* The writer's parts, nothing opened yet. */
static struct ox_writer *writer_new(const struct ox_writer_opts *o)
{
	struct ox_writer *w = ox_xcalloc(1, sizeof *w);
	w->o = *o;
	if (!w->o.tick_ms)
		w->o.tick_ms = 1000;
	if (!w->o.queue_max_events)
		w->o.queue_max_events = 1000000;
	struct ox_limits limits = ox_limits_default();
	w->dec[0] = ox_decoder_new(&limits);
	w->dec[1] = ox_decoder_new(&limits);
	w->made_dec = ox_decoder_new(&limits);
	w->inventory = ox_inventory_new();
	ox_buf_init(&w->made, SIZE_MAX);
	w->own_bl = !o->blacklist;
	w->bl = w->own_bl ? ox_blacklist_new() : o->blacklist;
	w->engine = ox_engine_new(o->params, w->bl);
	ox_engine_set_counting(w->engine, true);
	w->desk = ox_desk_new(&(struct ox_desk_opts){ .engine = w->engine, .params = o->params,
						      .policy = o->policy, .playbooks = o->playbooks,
						      .calls = o->calls, .notify = o->notify,
						      .changed = desk_changed,
						      .ctx = w });
	ox_buf_init(&w->record, SIZE_MAX);
	w->orders = ox_orderidx_new();
	w->snap_buf = ox_xmalloc(OX_SNAP_BUFSZ);
	w->last_tick = INT64_MIN / 2;
	ox_hmap_init(&w->dirty);
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	pthread_mutex_init(&w->fmu, NULL);
	pthread_condattr_t mono;
	pthread_condattr_init(&mono);
	pthread_condattr_setclock(&mono, CLOCK_MONOTONIC);
	pthread_cond_init(&w->fcv, &mono);
	pthread_condattr_destroy(&mono);
	pthread_mutex_init(&w->ck_mu, NULL);
	pthread_cond_init(&w->ck_cv, NULL);
	pthread_mutex_init(&w->smu, NULL);
	pthread_cond_init(&w->scv, NULL);
	snprintf(w->snap_dir, sizeof w->snap_dir, "%s/snapshots", w->o.data_dir);
	return w;
}

struct ox_writer *ox_writer_start(const struct ox_writer_opts *o, char *err, size_t errsz)
{
	struct ox_writer *w = writer_new(o);
	if (open_parts(w, err, errsz) < 0) {
		close_parts(w);
		return NULL;
	}
	publish(w);
	start_checkpointer(w);
	if (pthread_create(&w->flusher, NULL, flusher_main, w) != 0) {
		snprintf(err, errsz, "cannot start the flusher thread");
		stop_checkpointer(w);
		close_parts(w);
		return NULL;
	}
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
		snprintf(err, errsz, "cannot start the writer thread");
		stop_flusher(w);
		stop_checkpointer(w);
		close_parts(w);
		return NULL;
	}
	return w;
}

int ox_writer_stop(struct ox_writer *w)
{
	pthread_mutex_lock(&w->mu);
	w->stopping = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	stop_flusher(w);
	stop_checkpointer(w);
	final_snapshot(w);
	int rc = ox_writer_failed(w) ? -1 : 0;
	close_parts(w);
	return rc;
}

int ox_writer_build(const struct ox_writer_opts *o, uint64_t upto, uint64_t keep)
{
	struct ox_writer *w = writer_new(o);
	w->applied_seq = INT64_MAX; /* the replay stores nothing: the daemon has */
	listen_to_engine(w);
	char err[1024], path[4096];
	snprintf(path, sizeof path, "%s/events", o->data_dir);
	int code = OX_BUILD_FAILED;
	uint64_t t0 = mono_us();
	/* the archives, to merge them after the new one */
	if (load_newest_snapshot(w, err, sizeof err) < 0 || open_archives(w, err, sizeof err) < 0 ||
	    ox_evlog_open_readonly(&w->log, path, err, sizeof err))
		goto out;
	w->pending = -1;
	w->last_seq = w->snap_seq;
	int rc = ox_evlog_read_range(w->log, w->snap_seq, upto, replay_record, w);
	replay_apply_pending(w);
	if (rc) {
		snprintf(err, sizeof err, "%s", w->msg[0] ? w->msg : ox_evlog_errmsg(w->log));
		goto out;
	}
	if (w->last_seq != upto) {
		snprintf(err, sizeof err, "the log ends at record %" PRIu64 ", before %" PRIu64, w->last_seq, upto);
		goto out;
	}
	struct ox_snap_w sw;
	if (ox_snap_w_open(&sw, w->snap_dir, upto, w->snap_buf, OX_SNAP_BUFSZ, err, sizeof err) < 0)
		goto out;
	snapshot_write(w, &sw);
	if (ox_snap_w_commit(&sw, err, sizeof err) < 0)
		goto out;
	fprintf(stderr, "ordex serve: snapshot builder: records %" PRIu64 "..%" PRIu64 " on snapshot %" PRIu64
			" in %.2f s\n", w->snap_seq + 1, upto, w->snap_seq, (double)(mono_us() - t0) / 1e6);
	code = write_archive(w, upto, keep);
out:
	if (code == OX_BUILD_FAILED)
		fprintf(stderr, "ordex serve: snapshot builder at record %" PRIu64 ": %s\n", upto, err);
	close_parts(w);
	return code;
}

/* writer.h - the single writer of `ordex serve`: the one thread that owns the
 * event log and the engine, with its flusher thread, which owns the case
 * store's write connection.
 *
 * HTTP threads submit jobs and are called back when a job is done. The writer
 * takes every job waiting at once and handles them as one group: the events
 * of all of them are checked for duplicates, appended to the log and applied
 * to the engine; then one log commit (one fdatasync) makes them durable, and
 * only then is every job of the group completed (acknowledged); the flusher
 * records the case changes in one store transaction. See docs/serve.md.
 *
 * On start the log is replayed into a fresh engine (and the case changes the
 * store lacks are written), so after a crash or kill -9 the engine is where
 * the last durable record left it. In wall-clock mode the writer also
 * advances event time from the real clock, and logs each such tick so that a
 * replay reaches the same state.
 *
 * People's actions on cases (OX_JOB_ACTION) go the same way: the case desk
 * (desk.h) applies one on the writer thread, it is logged as a record of its
 * own, made durable with its group and audited, and a replay applies it
 * again. The desk's notices reach the alerts once durable.
 *
 * A call on the merchant's systems (call.h) is a desk action too: once its
 * record is durable the flusher puts it into the executor's outbox
 * (executor.h), which reports its outcome back as another desk action. A
 * dry run (action->dry) is checked and its body made (job->text) without a
 * record.
 *
 * A risk score (OX_JOB_RISK) only reads the engine, so it is answered as
 * soon as the writer reaches it: nothing to log, nothing to wait for.
 *
 * A blacklist change (OX_JOB_BLACKLIST, blacklist.h) goes like an action:
 * applied to the list the writer owns, logged as a record of its own,
 * audited once durable, applied again by a replay at its place; entries
 * expire on the event clock.
 *
 * A stock operation (OX_JOB_INVENTORY, inventory.h) is applied to the
 * inventory the writer owns; one that changed something is logged as a
 * record of its own, followed by the events it made for detection
 * (inventory.reserved, ...), which the engine applies like any other. It
 * is answered once durable, reads included (they see nothing that a crash
 * could take back).
 */
#ifndef OX_WRITER_H
#define OX_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alert.h"
#include "blacklist.h"
#include "desk.h"
#include "evlog.h"
#include "executor.h"
#include "inventory.h"
#include "metrics.h"
#include "params.h"
#include "params_live.h"
#include "risk.h"
#include "util.h"

enum ox_job_kind {
	OX_JOB_EVENTS, /* ingest: events[0..n) */
	OX_JOB_ORDER,  /* read the logged events of order_id */
	OX_JOB_ACTION, /* a person's action on a case (desk.h) */
	OX_JOB_RISK,   /* score an order against the fraud windows (risk.h): read only */
	OX_JOB_INVENTORY, /* a stock operation (inventory.h) */
	OX_JOB_BLACKLIST, /* a change of the blacklist (blacklist.h) */
	OX_JOB_PARAMS,    /* a live change of the rule parameters (params_live.h) */
};

struct ox_job {
	enum ox_job_kind kind;
	/* OX_JOB_EVENTS: validated raw events (ingest.h), not copied */
	const struct ox_str *events;
	size_t n;
	/* OX_JOB_ORDER */
	struct ox_str order_id;
	/* OX_JOB_ACTION: applied as the scope allows, logged, then done */
	struct ox_desk_action *action;
	const struct ox_desk_scope *scope;
	/* OX_JOB_RISK: the order to score; a ts of OX_TIME_NONE is set to the
	 * event clock (the wall clock before any event). Scored on the writer
	 * thread, which changes nothing and logs nothing, and done() at once,
	 * without waiting for the group's commit. */
	struct ox_event *risk_ev;
	struct ox_risk *risk;
	/* OX_JOB_INVENTORY: the operation (the writer sets op->at to the event
	 * clock); the answer comes back as inv_status and its JSON in text.
	 * The submitter may ox_buf_init text with room for the answer: the
	 * writer then writes it without allocating, and the submitter frees
	 * memory of its own thread's malloc arena. (A free into the writer's
	 * arena takes that arena's lock, which the writer holds for each of
	 * its own allocations: at 64 connections reserving, 0.18 futex calls
	 * a reservation.) */
	struct ox_inv_op *inv_op;
	int inv_status;
	/* OX_JOB_BLACKLIST: the change (the writer sets op->at to the event
	 * clock), applied, logged when it changed something, done once
	 * durable: bl_rc 0 with the counts, or an enum ox_bl_err with why in
	 * bl_err (nothing changed). */
	struct ox_bl_op *bl_op;
	struct ox_bl_counts bl_counts;
	int bl_rc;
	char bl_err[256];
	/* OX_JOB_PARAMS: the change (the writer sets at and applies it), done
	 * once durable: params_rc 0 with the audit detail in text, or -1 with
	 * why in params_err (nothing changed). */
	struct ox_live_change *params;
	int params_rc;
	char params_err[512];

	/* Results, valid in done(). status is 0, or the HTTP status to answer
	 * (503: the writer failed or is stopping; nothing of the job is durable). */
	int status;
	size_t accepted, duplicates;
	struct ox_buf text;  /* OX_JOB_ORDER: the records, back to back; OX_JOB_INVENTORY: the answer */
	size_t *ends;        /* record i is text[ends[i-1] .. ends[i]) */
	uint64_t *seqs;      /* and its log seq */
	size_t n_records;
	bool retired;            /* OX_JOB_ORDER: none kept, as retention retired it */
	/* OX_JOB_ACTION: the route answers with the case read back from the
	 * store, and wakes the executor itself once it has: woken by the
	 * flusher, the executor could send a call, and its report be stored,
	 * before the answer reads it ("running" where "requested" was made) */
	bool wakes_executor;
	int desk_rc;             /* OX_JOB_ACTION: 0 or enum ox_desk_err ... */
	char desk_err[256];      /* ... and why, for the person */

	/* Called on the writer thread once the job is done; must not block. */
	void (*done)(struct ox_job *job);
	void *ctx;
	struct ox_job *next; /* the writer's queue */
};

/* Free what the writer put in a job's results. */
void ox_job_release(struct ox_job *job);

struct ox_writer_opts {
	const char *data_dir;       /* holds events/ (the log) and cases.db */
	const struct ox_params *params;
	struct ox_live *live; /* changes params live (OX_JOB_PARAMS); NULL: they stay as loaded */
	struct ox_blacklist *blacklist; /* changed by the writer thread only (blacklist.h);
					 * NULL: an empty one of its own */
	const struct ox_policy *policy; /* teams and routing; may be NULL */
	const struct ox_playbooks *playbooks; /* the desk's checklists and taxonomy; NULL: built-ins */
	struct ox_alerts *alerts;       /* where notices go; may be NULL */
	const struct ox_call_config *calls; /* the merchant's endpoints (call.h); NULL: none */
	struct ox_executor *executor;   /* where calls go once durable; may be NULL */
	bool notify;                    /* the alerts have channels: make notices */
	bool wall_clock;            /* advance event time from the real clock too */
	unsigned tick_ms;           /* wall-clock tick period (1000) */
	size_t queue_max_events;    /* events waiting before submits are refused (1,000,000) */
	enum ox_evlog_sync sync;
	uint64_t snapshot_every;    /* records between snapshots (docs/retention.md); 0: none */
	unsigned snapshot_min_interval_s; /* and at least this long between two */
	uint64_t segment_max;       /* log segment size; 0: the log's default */
	size_t archives_max;        /* order archives kept after a compaction; 0: OX_ARCHIVES_MAX */
	struct ox_metrics *metrics; /* may be NULL */
	/* The command line of a snapshot builder (docs/retention.md), which
	 * the writer runs with --build-snapshot SEQ --build-keep SEQ
	 * --build-parent PID added; NULL: a forked child writes snapshots. */
	char *const *builder_argv;
};

/* How a snapshot builder (ox_writer_build) or a snapshot's forked child
 * ends: its exit status. */
enum {
	OX_BUILD_DONE = 0,
	OX_BUILD_FAILED = 1,
	OX_BUILD_NO_ARCHIVE = 3, /* the snapshot stands; no compaction */
	OX_BUILD_STALE = 4,      /* the config changed since the daemon started */
};

/* The snapshot builder, in a process of its own beside a running daemon:
 * read the newest snapshot of o->data_dir and the log records after it up
 * to upto (durable), write the snapshot at upto and, keep not 0, the order
 * archive of the log segments before keep. The daemon's state at upto,
 * rebuilt as a restart would, without copying the daemon's memory. Returns
 * the exit status. */
int ox_writer_build(const struct ox_writer_opts *o, uint64_t upto, uint64_t keep);

struct ox_writer;

/* Open the data directory, replay the log and start the thread. Returns NULL
 * with the reason in err. Prints what recovery found to stderr. */
struct ox_writer *ox_writer_start(const struct ox_writer_opts *o, char *err, size_t errsz);

/* Queue a job. Returns 0, or -1 when the queue is full or the writer is
 * stopping or failed (the caller answers 503 with Retry-After). */
int ox_writer_submit(struct ox_writer *w, struct ox_job *job);

/* The blacklist the writer changes: other threads only read it, with
 * ox_blacklist_list(). */
struct ox_blacklist *ox_writer_blacklist(struct ox_writer *w);

/* The automation's kill switch as the desk has it (PUT /api/v1/actions/auto
 * moves it through the log). */
bool ox_writer_auto_enabled(struct ox_writer *w);

/* True after a log or store failure: the daemon must stop (and a restart
 * recovers from the log). */
bool ox_writer_failed(struct ox_writer *w);

/* Wait until the case store holds the case changes of every batch answered
 * so far (answers leave once the log is durable, the store is written
 * after them): what a client was told is in what it reads next. Returns at
 * once when it does, which is nearly always; at most one store commit
 * otherwise; and at once when the writer failed. For the store's readers
 * (the HTTP threads), never the writer or the flusher. */
void ox_writer_wait_stored(struct ox_writer *w);

/* Stop taking jobs, finish (or fail with 503) the queued ones, stop the
 * thread, close everything. Returns 0, or -1 when the writer had failed. */
int ox_writer_stop(struct ox_writer *w);

#endif

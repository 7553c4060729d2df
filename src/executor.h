/* executor.h - the executor of calls on the merchant's systems: a durable
 * outbox (SQLite, DATA_DIR/calls.db) and one thread that sends each call,
 * signed, with its call id as the Idempotency-Key, retrying on 5xx,
 * timeouts and connection errors, and reports how it went back through the
 * writer (docs/actions.md).
 *
 * Use (the daemon):
 *	struct ox_executor *x = ox_executor_open(&o, err, sizeof err);
 *	...the writer starts; its flusher calls ox_executor_enqueue() once the
 *	records that made the calls are durable...
 *	ox_executor_start(x);          // the thread: sends, reports
 *	...report() submits a desk op; once it is durable the writer's job
 *	calls ox_executor_reported()...
 *	ox_executor_halt(x);           // before the writer stops
 *	ox_executor_stop(x);           // after it stopped
 *
 * Durability: a call is in the outbox when enqueue returns (synchronous =
 * FULL); enqueueing an id that is there already changes nothing, so a
 * replay never enqueues a call twice. A call is sent until its merchant
 * answers or its retries run out; a crash in between sends it again after
 * the restart with the same Idempotency-Key (at least once to us, exactly
 * once at a merchant that honours the key). The outcome stays in the
 * outbox until the writer has logged it (reported), so a crash between
 * the two reports it again (the desk ignores a second report).
 *
 * Threads: enqueue and reported may be called from any thread; one mutex
 * guards the one connection, and is never held while a request is in
 * flight. Running out of memory aborts (util.h).
 */
#ifndef OX_EXECUTOR_H
#define OX_EXECUTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "call.h"
#include "desk.h"

struct ox_executor_opts {
	const char *db_path; /* DATA_DIR/calls.db */
	/* Borrowed: must outlive the executor. */
	const struct ox_call_config *config;
	/* Tell the writer that call id (of case case_id) reached state
	 * (running, or final with its outcome JSON): 0 when queued (for a final
	 * state ox_executor_reported() follows once it is durable), -1 when the
	 * writer cannot take it now (tried again a second later). Called on
	 * the executor's thread. */
	int (*report)(void *ctx, const char *case_id, const char *call_id, enum ox_call_state state,
		      const char *outcome);
	void *ctx;
	/* The clock (wall ms); NULL: the real one. */
	int64_t (*now)(void *ctx);
};

struct ox_executor;

/* Open (or create and migrate) the outbox. NULL with err on failure. */
struct ox_executor *ox_executor_open(const struct ox_executor_opts *o, char *err, size_t errsz);
/* Start the thread: calls left pending or unreported by a previous run go
 * first. -1 when the thread cannot start. */
int ox_executor_start(struct ox_executor *x);
/* Put calls into the outbox in one transaction (insert or ignore by id).
 * The thread finds them at its next wake-up: ox_executor_wake(), or its
 * own timer. */
int ox_executor_enqueue(struct ox_executor *x, const struct ox_call_ready *calls, size_t n);
/* Send what is pending now. The writer's flusher calls it once it has
 * answered the requests that made the calls, so that an answer shows a
 * call as requested, not already running. */
void ox_executor_wake(struct ox_executor *x);
/* The writer logged the final outcome of call_id: it is done for good. */
void ox_executor_reported(struct ox_executor *x, const char *call_id);
/* Stop the thread (a request in flight is abandoned and sent again after
 * the next start); enqueue still works. For before the writer stops: the
 * thread reports through it. NULL is fine. */
void ox_executor_halt(struct ox_executor *x);
/* Halt and close. NULL is fine. */
void ox_executor_stop(struct ox_executor *x);

struct ox_executor_stats {
	uint64_t pending;   /* calls waiting for an (other) attempt */
	uint64_t attempts;  /* requests sent since start */
	uint64_t succeeded, failed; /* final outcomes since start */
};
void ox_executor_stats(struct ox_executor *x, struct ox_executor_stats *s);

#endif

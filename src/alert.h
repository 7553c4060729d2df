/* alert.h - alert delivery ("多渠道预警"): the notices of the case desk
 * (notice.h) routed to chat and webhook channels, grouped, silenced, and
 * delivered through a persistent outbox with retries and a dead-letter list.
 * Semantics, formats and measurements: docs/alerts.md.
 *
 * Use (the daemon):
 *	struct ox_alert_config *cfg;            // ox_alert_config_load(config file)
 *	struct ox_alerts_opts o = { .db_path = "DATA/outbox.db", .config = cfg };
 *	struct ox_alerts *a = ox_alerts_start(&o, err, sizeof err);
 *	ox_alerts_enqueue(a, notices, n);       // the flusher, after the log commit
 *	...
 *	ox_alerts_stop(a);                      // after the last enqueue
 *	ox_alert_config_free(cfg);
 *
 * Durability: a notice is in the outbox (SQLite, synchronous=FULL) when
 * ox_alerts_enqueue() returns; enqueue never touches the network. One
 * delivery thread routes, groups and sends; a message is marked sent only
 * after its receiver answered 2xx, so a crash re-sends it (at least once),
 * with the same Idempotency-Key.
 *
 * Threads: every function may be called from any thread, concurrently with
 * the delivery thread. Each caller-side group (enqueue; silences, listings
 * and retries) has its own SQLite connection behind its own mutex, so a
 * slow listing never delays an enqueue.
 *
 * Errors: functions return 0 or a negative enum ox_alert_err; those with an
 * err argument write the reason there ("what: why", for an API answer).
 * Running out of memory aborts, as everywhere in ordex (util.h).
 */
#ifndef OX_ALERT_H
#define OX_ALERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alert_config.h"
#include "notice.h"
#include "util.h"

/* X(enum suffix, value, message) */
#define OX_ALERT_ERRORS(X)                                                \
	X(OK, 0, "ok")                                                    \
	X(EINVAL, -1, "invalid argument")                                 \
	X(ENOTFOUND, -2, "not found")                                     \
	X(EDB, -3, "outbox database error")                               \
	X(ESTATE, -4, "not possible in the current state")                \
	X(ETOOBIG, -5, "result larger than the output buffer's maximum")  \
	X(ESCHEMA, -6, "outbox schema is newer than this ordex")          \
	X(ESYS, -7, "system error")

enum ox_alert_err {
#define X(e, v, msg) OX_ALERT_##e = v,
	OX_ALERT_ERRORS(X)
#undef X
};
const char *ox_alert_strerror(int err);

#define OX_ALERT_ERRSZ 256
#define OX_ALERT_LIMIT_DEFAULT 100
#define OX_ALERT_LIMIT_MAX 1000

struct ox_alerts;

struct ox_alerts_opts {
	const char *db_path; /* the outbox: DATA_DIR/outbox.db */
	/* Borrowed: must stay valid and unchanged until ox_alerts_stop() returns. */
	const struct ox_alert_config *config;
	/* The clock, wall-clock milliseconds since the epoch; NULL: the real one.
	 * Every time the module records or compares (groups, retries, silences,
	 * signature timestamps) comes from it. */
	int64_t (*now)(void *ctx);
	void *now_ctx;
};

/* Open (or create and migrate) the outbox and start the delivery thread.
 * Pending messages of a previous run are delivered; those for a receiver no
 * longer in the config become dead letters. NULL with err on failure. */
struct ox_alerts *ox_alerts_start(const struct ox_alerts_opts *o, char *err, size_t errsz);
/* The config it was started with. */
const struct ox_alert_config *ox_alerts_config(const struct ox_alerts *a);

/* Stop the delivery thread and free everything. New attempts stop at once;
 * one already in flight ends within delivery.timeout and is recorded (a
 * message whose answer did not come stays pending and is sent again after
 * the next start). Call it after the last enqueue. NULL is fine. */
void ox_alerts_stop(struct ox_alerts *a);

/* Put count notices into the outbox in one transaction: durable when it
 * returns 0. A notice whose idem is already there is ignored (the daemon
 * re-sends notices after a crash). Never waits for a receiver. With no
 * channels configured nothing is stored. OX_ALERT_EINVAL (nothing stored)
 * when a notice is malformed: empty idem, unknown kind or rule, severity
 * outside 1..4; ox_alerts_last_error() tells which. */
int ox_alerts_enqueue(struct ox_alerts *a, const struct ox_notice *n, size_t count);
/* The reason of the last failed enqueue ("" when none). */
void ox_alerts_last_error(struct ox_alerts *a, char *buf, size_t size);

/* ---- silences ------------------------------------------------------------------------ */

/* Silence the notices matching every matcher (same labels and values as
 * routes; at least one matcher) from starts to ends (ms; starts < ends,
 * ends in the future). A notice matching an active silence when its group
 * is flushed, or when its message is about to be sent, is not sent: its
 * message is recorded with state "silenced". Stored in the outbox, so
 * silences survive restarts. *id gets the new silence's id. */
int ox_alerts_silence_add(struct ox_alerts *a, const struct ox_alert_matcher *m, size_t n, int64_t starts,
			  int64_t ends, const char *created_by, const char *comment, int64_t *id,
			  char err[OX_ALERT_ERRSZ]);
/* The same from a JSON body (what POST /api/v1/silences takes):
 *	{"matchers":{"rule":"PAY_DUPLICATE","severity":["P1","P2"]},
 *	 "starts_at":"2026-11-11T00:00:00+08:00",   optional, default now
 *	 "ends_at":"2026-11-11T02:00:00+08:00"  or  "duration":"2h",
 *	 "created_by":"li.lei", "comment":"payment gateway maintenance"}
 * Times are RFC 3339 strings or ms numbers. created_by, when not NULL (the
 * authenticated user), replaces the body's. */
int ox_alerts_silence_add_json(struct ox_alerts *a, const char *body, size_t len, const char *created_by,
			       int64_t *id, char err[OX_ALERT_ERRSZ]);
/* End a silence now. An already ended silence is left as it is (0);
 * OX_ALERT_ENOTFOUND for an unknown id. */
int ox_alerts_silence_expire(struct ox_alerts *a, int64_t id, char err[OX_ALERT_ERRSZ]);
/* Append {"silences":[{"id","matchers","starts_at","ends_at","created_by",
 * "comment","created_at","state":"active|pending|expired"}]}, newest first
 * (at most OX_ALERT_LIMIT_MAX). */
int ox_alerts_silences_json(struct ox_alerts *a, struct ox_buf *out, char err[OX_ALERT_ERRSZ]);

/* ---- the outbox ---------------------------------------------------------------------- */

/* Query strings as received (NULL or "": absent):
 *   state     pending | sent | dead | silenced
 *   receiver  a channel name
 *   limit     1 .. OX_ALERT_LIMIT_MAX, default OX_ALERT_LIMIT_DEFAULT
 *   cursor    next_cursor of the previous page */
struct ox_alert_filter {
	const char *state, *receiver, *limit, *cursor;
};

/* Append {"messages":[...],"next_cursor":"..."|null}, newest first. Each
 * message: id, receiver, type, state, group_key, idempotency_key, notices
 * (their idem keys), attempts, created_at, next_attempt_at,
 * last_attempt_at, done_at, last_status, last_error, silence_id, payload
 * (the body as sent, before signing). OX_ALERT_EINVAL for a bad filter, with
 * a message for the client; out unchanged on any error. */
int ox_alerts_outbox_json(struct ox_alerts *a, const struct ox_alert_filter *f, struct ox_buf *out,
			  char err[OX_ALERT_ERRSZ]);
/* The dead letters: the outbox listing with state=dead. */
int ox_alerts_dead_json(struct ox_alerts *a, const char *limit, const char *cursor, struct ox_buf *out,
			char err[OX_ALERT_ERRSZ]);
/* Queue a dead letter again: pending at once, with a new give_up_after
 * period and backoff from the start; same Idempotency-Key. ENOTFOUND for an
 * unknown id, ESTATE when the message is not dead. */
int ox_alerts_retry(struct ox_alerts *a, int64_t id, char err[OX_ALERT_ERRSZ]);

/* ---- metrics ------------------------------------------------------------------------- */

struct ox_alerts_stats {
	uint64_t pending;         /* gauge: messages waiting for (another) attempt */
	uint64_t dead;            /* gauge: dead letters in the outbox */
	uint64_t sent;            /* counter since start: messages delivered */
	uint64_t failed_attempts; /* counter: attempts that did not deliver */
	uint64_t silenced;        /* counter: messages recorded as silenced */
	uint64_t throttled;       /* counter: notices left out as repeats within repeat_interval */
	uint64_t notices;         /* counter: notices enqueued (duplicates not counted) */
};
/* Reads counters kept in memory: cheap, never touches SQLite. */
void ox_alerts_stats(struct ox_alerts *a, struct ox_alerts_stats *s);

#endif

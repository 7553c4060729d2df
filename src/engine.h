/* engine.h - the detection engine: applies events on event time, owns the
 * per-order and per-SKU state, the deadline queue and the cases.
 *
 * Single-threaded by design (one writer owns the engine). The engine keeps
 * pointers to params and blacklist, which must outlive it.
 */
#ifndef OX_ENGINE_H
#define OX_ENGINE_H

#include <stdbool.h>
#include <stdio.h>

#include "blacklist.h"
#include "case.h"
#include "counts.h"
#include "event.h"
#include "params.h"

struct ox_engine;

/* Called whenever a case is opened, appended to or resolved (for the daemon's
 * store and alerts), and after every apply or advance with the clock (the
 * case desk's timers run on it). Either may be NULL. */
struct ox_case_listener {
	void (*changed)(void *ctx, const struct ox_case *c, enum ox_case_change what);
	void *ctx;
	void (*clock)(void *ctx, ox_time now);
	/* retention let go of this order, or an event came for an order it let
	 * go of (docs/retention.md): its history is no longer kept */
	void (*order_retired)(void *ctx, const char *order_id, size_t len);
};

struct ox_engine *ox_engine_new(const struct ox_params *p, const struct ox_blacklist *bl);
void ox_engine_free(struct ox_engine *e);
void ox_engine_set_listener(struct ox_engine *e, struct ox_case_listener l);

enum ox_apply { OX_APPLIED, OX_DUPLICATE };
/* Apply one decoded event: deadlines before its ts fire first, then the
 * event, then every deadline <= the clock. */
enum ox_apply ox_engine_apply(struct ox_engine *e, const struct ox_event *ev);
/* Was an event with this id applied already? (ox_engine_apply would call
 * it a duplicate.) Lets the daemon log only new events. */
bool ox_engine_seen(const struct ox_engine *e, struct ox_str id);
/* Did retention retire this order (and still remember it)? */
bool ox_engine_order_retired(const struct ox_engine *e, struct ox_str order_id);
/* Start fetching the memory ox_engine_apply(e, ev) will touch first (the
 * id set, the order), so a caller can overlap it with other work. */
void ox_engine_prefetch(const struct ox_engine *e, const struct ox_event *ev);
/* Advance the clock to t (as a tick without an id would). */
void ox_engine_advance(struct ox_engine *e, ox_time t);
ox_time ox_engine_clock(const struct ox_engine *e);

/* Cases in the order they were opened; valid until the engine is freed. */
size_t ox_engine_case_count(const struct ox_engine *e);
const struct ox_case *ox_engine_case(const struct ox_engine *e, size_t i);

/* The case with that id ("C00000042"), or NULL; the desk changes it. */
struct ox_case *ox_engine_case_by_id(struct ox_engine *e, const char *id);
/* A person resolved c: detection lets go of it, and a new firing on its key
 * opens a new case. Reclaim (a reopen) takes it back, unless another case
 * of its key is open (false). Neither changes c->status nor tells anyone. */
void ox_engine_release_case(struct ox_engine *e, struct ox_case *c);
bool ox_engine_reclaim_case(struct ox_engine *e, struct ox_case *c);
/* The sales channel and shop of an order ("" when unknown). */
void ox_engine_order_origin(struct ox_engine *e, const char *order_id, const char **channel,
			    const char **shop);

/* The reports' denominators (counts.h). Off by default; the daemon turns
 * them on. ox_engine_counts() gives what was counted since the last clear
 * (the array is the engine's until the next call; its names live as long as
 * the engine). */
void ox_engine_set_counting(struct ox_engine *e, bool on);
const struct ox_count *ox_engine_counts(struct ox_engine *e, size_t *n);
void ox_engine_counts_clear(struct ox_engine *e);
/* An order's money as of all applied events, for the calls auto-remediation
 * makes: its total, what is paid net of refunds, and the id of its latest
 * successful payment ("" when none). False when the order is unknown. */
struct ox_order_money {
	ox_money total, net_paid;
	const char *last_payment_id;
};
bool ox_engine_order_money(struct ox_engine *e, const char *order_id, struct ox_order_money *out);

struct ox_engine_stats {
	size_t events, duplicates, orders, skus, cases_open, deadlines_pending;
	size_t orders_retired; /* by retention, since the start of the history */
	size_t retired_events; /* events of retired orders, left out of detection */
	size_t id_set_bytes; /* the accepted event ids: grows with events, not orders */
};
void ox_engine_stats(const struct ox_engine *e, struct ox_engine_stats *st);

/* The parameters were rebuilt in place (params_live.h): every order takes
 * its channel's block again, and the order deadlines still pending move to
 * their time under the new values (at once when that is past). */
void ox_engine_params_changed(struct ox_engine *e);

/* Snapshots (snap.h, engine_snap.c): the whole state of detection. Load
 * into a new engine (same params and blacklist object) that has seen
 * nothing; -1 when the reader went bad (the engine is then unusable: free
 * it). */
struct ox_snap_w;
struct ox_snap_r;
void ox_engine_save(const struct ox_engine *e, struct ox_snap_w *w);
int ox_engine_load(struct ox_engine *e, struct ox_snap_r *r);

#endif

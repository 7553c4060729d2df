/* engine_impl.h - engine internals shared by engine.c, order.c, case.c and
 * the rule families in src/rules/. Not a public interface.
 *
 * Times are event time in ms; OX_TIME_NONE marks "never". "As of T"
 * queries count only events with ts <= T (rules.md, order of evaluation).
 */
#ifndef OX_ENGINE_IMPL_H
#define OX_ENGINE_IMPL_H

#include "deadline.h"
#include "engine.h"
#include "hmap.h"
#include "idset.h"

/* ---- per-order state ---------------------------------------------------- */

struct oxi_status {
	ox_time ts;
	uint8_t status; /* enum ox_order_status */
};

struct oxi_payment { /* one distinct payment_id or refund_id */
	char *id;
	ox_time ts;
	ox_money amount;
	ox_time dl_status; /* PAY_STATUS_STALE deadline (succeeded only) */
};

struct oxi_payment_vec {
	struct oxi_payment *v;
	uint32_t n, cap;
};

struct oxi_shipment {
	char *tracking_no;
	uint32_t tracking_len;
	uint32_t carrier;       /* interned name, 0 = unknown */
	ox_time last_activity;  /* greatest ts of its creation and tracks */
	ox_time last_status_ts; /* ts of the latest track by ts */
	ox_time failed_attempt_ts[2]; /* the two earliest failed attempts */
	ox_time first_delivered, last_delivered; /* delivered tracks */
	ox_time lost_ts, exception_ts, recovered_ts; /* recovered: in_transit.. after */
	ox_time dl_stall;       /* due of the stall deadline last set */
	uint8_t last_status;    /* enum ox_track_status, valid if last_status_ts set */
	uint8_t failed_attempts;
	uint8_t in_case;        /* OXI_SHIP_IN_* bits: part of an open case */
	uint8_t counted;        /* OXI_COUNTED_* bits: what counts.c counted of it */
	bool stall_armed;       /* an entry at dl_stall is in the queue */
};
enum {
	OXI_SHIP_IN_STALL = 1,
	OXI_SHIP_IN_LOST = 2,
	OXI_SHIP_IN_FAILED_ATTEMPT = 4,
	OXI_SHIP_IN_EXCEPTION = 8,
	OXI_SHIP_STALL_TRACKED = 16, /* a new track after the stall opened */
};

enum { OXI_COUNTED_CREATED = 1, OXI_COUNTED_DELIVERED = 2, OXI_COUNTED_LOST = 4 };

struct oxi_sync {
	uint32_t system; /* interned */
	ox_time first_ack, last_ack, last_failed;
};

struct oxi_reservation { /* inventory per SKU of the order */
	uint32_t sku;   /* interned */
	ox_time failed_ts, reserved_ts;
	bool insufficient;
	uint8_t in_case; /* bit 0: INV_RESERVE_FAILED, bit 1: INV_OVERSOLD */
};

/* A small vector with 32-bit counts: orders are many, their lists short. */
#define OXI_VEC(type) \
	struct {      \
		type *v;  \
		uint32_t n, cap; \
	}
/* Append a zeroed element and return a pointer to it. */
void *oxi_vec_push(void **v, uint32_t *n, uint32_t *cap, size_t esize);
#define OXI_PUSH(vec) \
	((__typeof__((vec).v))oxi_vec_push((void **)&(vec).v, &(vec).n, &(vec).cap, sizeof(*(vec).v)))

struct oxi_pending_update; /* an order.updated seen before order.created */

enum {
	OXI_O_CREATED = 1u << 0,
	OXI_O_DUP_FIRED = 1u << 1,      /* PAY_DUPLICATE ever fired */
	OXI_O_PHONE_VALID = 1u << 2,
	OXI_O_RETIRING = 1u << 3,       /* retention is letting go of it (retention.c) */
};

struct oxi_order {
	const struct ox_order_params *p;
	uint32_t flags;
	uint32_t open_cases; /* bit r: the order has an open case of rule r */
	ox_money total;
	ox_time ship_by, deliver_by;

	ox_time first_failure, first_success, first_paid_status, first_shipped;
	ox_time became_paid; /* NONE until paid */
	ox_time last_event;  /* the greatest ts of its events: retention counts from it */
	uint32_t retire_day; /* the day retention looks at it (retention.c); 0: none */
	uint32_t cal_index;  /* its place among that day's orders */
	/* Cached "now" answers, so most events never walk the lists. */
	ox_money net_paid;        /* oxi_net_paid(o, OXI_NOW) */
	ox_time latest_status_ts; /* the latest order.status by ts (ties: last applied) */

	OXI_VEC(struct oxi_status) statuses;
	struct oxi_payment_vec payments; /* distinct payment_ids succeeded */
	struct oxi_payment_vec refunds;  /* distinct refund_ids */
	OXI_VEC(struct oxi_shipment) shipments;
	OXI_VEC(struct oxi_sync) syncs;
	OXI_VEC(struct oxi_reservation) reservations;

	char *address; /* "province\0city\0district\0detail\0", NULL before created */
	uint64_t phone_hash, remark_hash;
	struct oxi_pending_update *pending;

	/* The due time each order deadline was last set to, so that a deadline
	 * is pushed again only when it moves. */
	ox_time dl_failed, dl_settle, dl_reconcile, dl_ship, dl_deliver, dl_sync;
	uint8_t latest_status; /* enum ox_order_status, valid if latest_status_ts set */
	uint32_t channel, shop; /* interned, 0 = unknown (case routing) */
	/* interned, 0 = unknown: what a case records of its order (case.c) */
	uint32_t province, city, customer, pay_method; /* pay_method: the latest payment's */
	OXI_VEC(uint32_t) skus; /* the items' SKUs, distinct */
	uint32_t id_len;
	char id[]; /* the order id, inline: a lookup touches one allocation */
};

/* ---- per-SKU state ---------------------------------------------------- */

struct oxi_level {
	uint32_t source; /* interned source name */
	ox_time ts;
	int64_t available;
};

struct oxi_sku {
	char *sku;
	struct oxi_level oms, wms; /* ts NONE when unseen */
	OXI_VEC(struct oxi_level) channels;
	ox_time drift_since; /* NONE while within tolerance */
	ox_time dl_drift;
	/* the latest inventory.low_stock by ts (NONE when unseen): whether its
	 * available was back at or above its threshold */
	ox_time low_ts;
	bool low_ok;
};

/* ---- the engine -------------------------------------------------------- */

/* Deadline kinds: one handler each, see engine.c's table. */
enum oxi_deadline_kind {
	OXI_DL_PAY_FAILED,
	OXI_DL_PAY_SETTLE,
	OXI_DL_PAY_STATUS,
	OXI_DL_PAY_RECONCILE,
	OXI_DL_SHIP_OVERDUE,
	OXI_DL_STALL,
	OXI_DL_DELIVERY_OVERDUE,
	OXI_DL_SYNC,
	OXI_DL_DRIFT,
	OXI_DL_BURST_QUIET,
	OXI_DL_RATE_QUIET,
	OXI_DL__COUNT
};

struct oxi_burst { /* INC_BURST bookkeeping of one rule */
	OXI_VEC(struct { ox_time at; uint64_t seq; }) recent; /* sorted by at */
	ox_time last_member;
	ox_time dl_quiet;
};

struct oxi_attempt {
	ox_time ts;
	bool ok;
};

struct oxi_fraud; /* fraud.c */
struct oxi_counts; /* counts.c */

typedef void (*oxi_deadline_fn)(struct ox_engine *e, const struct ox_deadline *d);

struct ox_engine {
	const struct ox_params *p;
	const struct ox_blacklist *bl;
	struct ox_case_listener listener;
	ox_time clock;

	struct ox_idset ids;
	struct ox_idset retired; /* the ids of orders retention let go of (retention.c) */
	struct ox_hmap calendar; /* retention's days: day -> the orders to look at then */
	uint32_t swept_day;      /* the last day retention looked at; 0: none yet */
	struct ox_hmap orders, skus, names, open_cases;
	size_t n_orders, n_skus;
	OXI_VEC(const char *) name_list; /* interned names by id; [0] = "" */
	struct ox_deadlines deadlines;
	oxi_deadline_fn deadline_fns[OXI_DL__COUNT]; /* from the families' rows */

	OXI_VEC(struct ox_case *) cases;
	size_t n_open;

	struct oxi_fraud *fraud;
	struct oxi_counts *counts; /* NULL: not counting (ox_engine_set_counting) */
	struct oxi_burst burst[OX_R__COUNT];
	OXI_VEC(struct oxi_attempt) attempts; /* payment attempts, sorted by ts */
	size_t attempts_head, attempts_ok;    /* window = [head, n) */
	ox_time rate_last_held, rate_dl;

	size_t n_events, n_duplicates;
	size_t n_retired;       /* orders retention let go of */
	size_t n_retired_events; /* events of those orders since, detection left out */
	struct ox_buf scratch;
};

/* engine.c */
uint32_t oxi_intern(struct ox_engine *e, struct ox_str name);
const char *oxi_name(const struct ox_engine *e, uint32_t id);
void oxi_schedule(struct ox_engine *e, ox_time due, enum oxi_deadline_kind kind, void *target,
		  uint32_t aux);
/* Push a deadline for *slot's owner unless it is already set to due. */
void oxi_schedule_once(struct ox_engine *e, ox_time *slot, ox_time due, enum oxi_deadline_kind kind,
		       void *target, uint32_t aux);
const char *oxi_fmt_time(ox_time t, char buf[OX_TIME_BUFSZ]);

/* retention.c: called whenever the clock may have moved; on each new day
 * it retires the orders retention no longer keeps. */
void oxi_retention_tick(struct ox_engine *e);
/* An event of the order was applied: the day to look at it may move. */
void oxi_retention_touch(struct ox_engine *e, struct oxi_order *o);
/* Put every order of a loaded snapshot on its day. */
void oxi_retention_loaded(struct ox_engine *e);
void oxi_retention_free(struct ox_engine *e);
/* Before an event's id is added: the day it is accepted on (now: the
 * clock the event brings) and how long ids are remembered. */
void oxi_retention_day(struct ox_engine *e, ox_time now);
/* The day of an event time, days starting at 04:00 Beijing time, the
 * quietest hour of a shop (0 for NONE). */
uint32_t oxi_day(ox_time t);
/* An event for an order retention let go of: true when it was, and the
 * event is then left out of detection (its history is gone). */
bool oxi_retired_event(struct ox_engine *e, const struct ox_event *ev);

/* order.c: queries on an order's state. */
struct oxi_order *oxi_order_get(struct ox_engine *e, struct ox_str id, bool create);
ox_money oxi_net_paid(const struct oxi_order *o, ox_time as_of);
#define OXI_NOW OX_TIME_MAX
bool oxi_closed(const struct oxi_order *o, ox_time as_of);
bool oxi_paid_status(enum ox_order_status s);
bool oxi_shipped_status(enum ox_order_status s);
/* Earliest ts at which the order was paid, as far as events show; NONE.
 * Cached: oxi_order_money_moved() recomputes it after a payment, a refund
 * or a paid status. */
ox_time oxi_became_paid(const struct oxi_order *o);
void oxi_order_money_moved(struct oxi_order *o);
/* When a condition on payments, refunds and statuses last became true,
 * walking their timestamps in order (late events reveal it late); fallback
 * when it never did. */
ox_time oxi_since(const struct oxi_order *o, bool (*holds)(const struct oxi_order *o, ox_time t), ox_time fallback);
struct oxi_shipment *oxi_shipment(struct ox_engine *e, struct oxi_order *o, struct ox_str tracking_no);
struct oxi_sync *oxi_sync(struct ox_engine *e, struct oxi_order *o, uint32_t system);
struct oxi_reservation *oxi_reservation(struct ox_engine *e, struct oxi_order *o, struct ox_str sku);
struct oxi_sku *oxi_sku_get(struct ox_engine *e, struct ox_str sku);
void oxi_order_free(struct oxi_order *o);
void oxi_sku_free(struct oxi_sku *s);
/* The facts shared by every family (created fields, statuses), applied
 * before the families see the event. */
void oxi_order_apply_core(struct ox_engine *e, struct oxi_order *o, const struct ox_event *ev);
/* An order.updated that arrives before its order.created waits, copied. */
void oxi_order_stash_update(struct oxi_order *o, const struct ox_event *ev);
struct ox_event *oxi_order_take_pending(struct oxi_order *o, size_t *n);
/* The waiting updates, left in place (a snapshot writes their lines). */
const struct ox_event *oxi_order_pending(const struct oxi_order *o, size_t *n);
void oxi_order_free_pending(struct ox_event *evs, size_t n);

/* case.c: the case store. A firing on a key with an open case appends to
 * it. ev may be NULL (a deadline). Returns NULL when the rule is disabled. */
struct oxi_fire {
	enum ox_rule rule;
	const char *key;
	ox_time at;
	const struct ox_event *ev;
	int severity; /* 0: the rule's configured severity */
	/* Reasons after the first, added before anyone is told of the case:
	 * the listener (the daemon's store) sees the case once, complete. */
	const char *const *more_zh, *const *more_en;
	size_t n_more;
};
struct ox_case *oxi_fire(struct ox_engine *e, const struct oxi_fire *f, const char *zh, const char *en);
struct ox_case *oxi_open_case(struct ox_engine *e, enum ox_rule r, const char *key);
/* Auto-resolve the open case of (rule, key), if any. */
bool oxi_resolve(struct ox_engine *e, enum ox_rule r, const char *key, ox_time at,
		 const struct ox_event *ev);
/* The same for an order's rules: the order's bit mask of open cases
 * answers "none open" without a lookup, which is most calls. */
struct ox_case *oxi_order_case(struct ox_engine *e, enum ox_rule r, const struct oxi_order *o);
bool oxi_resolve_order(struct ox_engine *e, enum ox_rule r, const struct oxi_order *o, ox_time at,
		       const struct ox_event *ev);
void oxi_case_link(struct ox_engine *e, struct ox_case *incident, struct ox_case *member, ox_time at);
void oxi_case_free(struct ox_case *c);
/* Add a reason (skipped when the same words are already there). */
void oxi_case_add_reason(struct ox_case *c, const char *zh, const char *en);
/* engine.c: tell the families a case opened (incidents count them). */
void oxi_case_opened_hooks(struct ox_engine *e, struct ox_case *c);

/* oxi_fire with the reason formatted twice, zh-CN and en, from the same
 * arguments (both formats must take them in the same order). */
#define OXI_REASON_MAX 512
struct ox_case *oxi_firef(struct ox_engine *e, const struct oxi_fire *f, const char *zhfmt,
			  const char *enfmt, ...) __attribute__((format(printf, 3, 5)));

/* What changed in an order while one event was applied: passed to every
 * family's on_change hook so cross-family effects stay in their family. */
struct oxi_facts {
	bool created, paid, closed;
	ox_time became_paid, first_shipped, ship_by, deliver_by;
};
void oxi_facts_of(const struct oxi_order *o, struct oxi_facts *f);

/* A rule family: its event handlers, its order-change hook, its deadlines. */
typedef void (*oxi_event_fn)(struct ox_engine *e, struct oxi_order *o, const struct ox_event *ev);
typedef void (*oxi_change_fn)(struct ox_engine *e, struct oxi_order *o, const struct oxi_facts *before,
			      const struct oxi_facts *after, const struct ox_event *ev);
struct oxi_family {
	const char *name;
	oxi_event_fn on_event[OX_EV__COUNT]; /* NULL: not interested */
	oxi_change_fn on_change;            /* may be NULL */
	struct {
		enum oxi_deadline_kind kind;
		oxi_deadline_fn fn;
	} deadlines[4];
	/* Called for every case opened by another rule (incidents). */
	void (*on_case_opened)(struct ox_engine *e, struct ox_case *c);
	/* Called after every applied event once the clock moved (incidents). */
	void (*on_clock)(struct ox_engine *e);
};

extern const struct oxi_family oxi_payment_family, oxi_inventory_family, oxi_logistics_family,
	oxi_customer_family, oxi_system_family, oxi_fraud_family, oxi_incident_family, oxi_counts_family;

/* counts.c: a payment attempt of the order (a failure, or the success of a
 * new payment_id), by its method; and the table's end. */
void oxi_count_payment(struct ox_engine *e, const struct oxi_order *o, ox_time ts, bool ok);
void oxi_counts_free(struct oxi_counts *t);

/* fraud.c */
struct oxi_fraud *oxi_fraud_new(void);
void oxi_fraud_free(struct oxi_fraud *f);
/* The index of uses, for snapshots (engine_snap.c). */
struct ox_uses *oxi_fraud_uses(struct oxi_fraud *f);

/* incident.c: a payment attempt for INC_PAYMENT_RATE (a failure, or the
 * success of a new payment_id). */
void oxi_payment_attempt(struct ox_engine *e, ox_time ts, bool ok);

/* customer.c: exposed for fraud.c (invalid phone term) */
bool oxi_order_phone_valid(const struct oxi_order *o);

#endif

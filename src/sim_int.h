/* sim_int.h - internals of `ordex sim` shared by sim*.c. Not a public
 * interface (see sim.h and docs/sim.md).
 *
 * The simulator works in stages over one struct ox_sim (see ox_cmd_sim):
 *   plan     every order's attributes (sim_plan.c); which orders get which
 *            anomaly, and the group anomalies that reshape orders first:
 *            gateway outages, fraud rings (sim_inject.c, sim_group.c);
 *   lives    each order's life cycle as times (struct ox_sim_life), bent by
 *            its anomaly's injector, written as records with noise
 *            (sim_life.c);
 *   after    carrier outages in the written lives (sim_group.c), stock
 *            levels (sim_stock.c), ticks; records sorted by arrival;
 *   truth    the labels that need the whole stream in arrival order: fraud
 *            scores, blacklist hits, incidents (sim_truth.c).
 * Records are compact; sim_json.c writes them as events.md lines.
 *
 * Every anomaly decides its own labels exactly, so each injector must know
 * what every rule of rules.md makes of the events it writes.
 */
#ifndef OX_SIM_INT_H
#define OX_SIM_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "event.h"
#include "rules.h"
#include "timefmt.h"
#include "util.h"

/* ---- random numbers: xoshiro256**, seeded with splitmix64 ---------------- */

struct ox_sim_rng {
	uint64_t s[4];
};

void ox_sim_rng_seed(struct ox_sim_rng *r, uint64_t seed, uint64_t stream);

static inline uint64_t ox_sim_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t ox_sim_next(struct ox_sim_rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = ox_sim_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = ox_sim_rotl(s[3], 45);
	return out;
}

/* Uniform in [0, 1). */
static inline double ox_sim_unit(struct ox_sim_rng *r)
{
	return (double)(ox_sim_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform in [0, n), n > 0. */
static inline uint64_t ox_sim_below(struct ox_sim_rng *r, uint64_t n)
{
	return (uint64_t)(ox_sim_unit(r) * (double)n);
}

/* Uniform in [lo, hi]; lo when the range is empty. */
static inline int64_t ox_sim_range(struct ox_sim_rng *r, int64_t lo, int64_t hi)
{
	return hi <= lo ? lo : lo + (int64_t)ox_sim_below(r, (uint64_t)(hi - lo) + 1);
}

static inline bool ox_sim_chance(struct ox_sim_rng *r, double p)
{
	return ox_sim_unit(r) < p;
}

/* An index drawn with probability w[i] / sum(w). */
size_t ox_sim_pick(struct ox_sim_rng *r, const double *w, size_t n);

/* Log-normal with the given median (ms), clamped to [lo, hi]. */
int64_t ox_sim_lognormal(struct ox_sim_rng *r, int64_t median, double sigma, int64_t lo, int64_t hi);

/* A 64-bit bijective mix (splitmix64's finalizer). */
uint64_t ox_sim_mix(uint64_t x);

/* ---- static data (sim_data.c) -------------------------------------------- */

enum { OX_SIM_WMS, OX_SIM_ERP, OX_SIM_CRM, OX_SIM_N_SYSTEMS };
#define OX_SIM_N_REQUIRED 2 /* wms and erp: sync.required's default */
#define OX_SIM_N_WAREHOUSES 8
#define OX_SIM_N_COUPONS 5
#define OX_SIM_N_REASONS 6
#define OX_SIM_N_SAFE_REMARKS 8
#define OX_SIM_N_ATTENTION_REMARKS 14

struct ox_sim_named {
	const char *name;
	double share;
};

struct ox_sim_warehouse {
	const char *code, *city;
};

struct ox_sim_coupon {
	const char *code;
	ox_money min_spend, amount;
};

extern const struct ox_sim_named ox_sim_channels[5];
extern const char *const ox_sim_shops[5][2];
extern const struct ox_sim_named ox_sim_carriers[8];
extern const char *const ox_sim_carrier_zh[8];
extern const struct ox_sim_named ox_sim_methods[4];
extern const struct ox_sim_warehouse ox_sim_warehouses[OX_SIM_N_WAREHOUSES];
extern const struct ox_sim_coupon ox_sim_coupons[OX_SIM_N_COUPONS]; /* best first */
extern const char *const ox_sim_systems[OX_SIM_N_SYSTEMS];
extern const char *const ox_sim_pay_reasons[OX_SIM_N_REASONS];
extern const char *const ox_sim_safe_remarks[OX_SIM_N_SAFE_REMARKS];
extern const char *const ox_sim_attention_remarks[OX_SIM_N_ATTENTION_REMARKS];
extern const char *const ox_sim_ticket_text[OX_TK__COUNT][2];

void ox_sim_person_name(struct ox_sim_rng *r, char *out, size_t cap);
void ox_sim_street_detail(struct ox_sim_rng *r, char *out, size_t cap);

/* An address as written in an event: names point to static data. */
struct ox_sim_place {
	const char *province, *city, *district;
	char detail[96];
};

/* Where buyers live: provinces by population, cities by size, indices into
 * divisions.h; and the warehouse that serves each province. */
struct ox_sim_geo;
struct ox_sim_geo *ox_sim_geo_new(void);
void ox_sim_geo_free(struct ox_sim_geo *g);
uint8_t ox_sim_geo_warehouse(const struct ox_sim_geo *g, size_t p);
/* A valid address (ox_address_check) with a street detail; *province = p. */
void ox_sim_geo_place(const struct ox_sim_geo *g, struct ox_sim_rng *r, struct ox_sim_place *out,
		      uint16_t *province);
bool ox_sim_place_valid(const struct ox_sim_place *pl);

/* ---- the plan ------------------------------------------------------------ */

#define OX_SIM_MAX_ORDERS 9999999u /* order ids embed a 7-digit index */
#define OX_SIM_ORDER_ID_MAX 32

struct ox_sim_customer {
	struct ox_sim_place home;
	ox_time registered;   /* OX_TIME_NONE: not written */
	uint64_t device;      /* 0: orders carry no device id */
	uint32_t number;      /* customer id "u<number>" */
	uint16_t province;
	char phone[32];
	char name[16];
	bool solo;            /* never picked as a returning buyer */
};

struct ox_sim_item {
	uint32_t sku;
	uint32_t qty;
	ox_money price;
};

/* Order flags. */
enum {
	OX_SIM_NOISY = 1u << 0,      /* late arrivals, split payments, resends */
	OX_SIM_ABANDON = 1u << 1,    /* never paid, closed */
	OX_SIM_REFUND = 1u << 2,     /* refunded and closed before shipping */
	OX_SIM_GIVE_UP = 1u << 3,    /* gave up paying during a gateway outage */
	OX_SIM_NO_CREATE = 1u << 4,  /* no order.created: its creation failed */
	OX_SIM_PENDING = 1u << 5,    /* writes order.status pending_payment */
	OX_SIM_SHIP_BY = 1u << 6,    /* ship_by written (else the 48h default) */
	OX_SIM_PAY_BY = 1u << 7,     /* pay_by written */
};

struct ox_sim_order {
	ox_time created, pay_by, ship_by; /* ship_by: even when not written */
	ox_time deliver_by;   /* OX_TIME_NONE: unset */
	int64_t pay_delay;    /* first payment attempt, after created */
	ox_money total, coupon_amount;
	uint32_t customer;
	uint32_t item0;       /* items[item0 .. item0 + n_items) */
	uint32_t rec0, n_rec; /* its records, contiguous before sorting */
	uint32_t ip;
	uint64_t device;      /* 0: none */
	struct ox_sim_place addr;
	char phone[32];
	const char *remark;   /* NULL: none */
	const char *coupon;   /* NULL: none */
	uint16_t flags;
	uint16_t province;    /* division index of addr's province */
	uint8_t n_items, channel, shop, method, carrier, warehouse;
	uint8_t rule;         /* its injected anomaly; OX_R__COUNT: none */
	uint8_t outage;       /* 1 + index of the gateway outage it paid in */
};

/* An order.updated payload. */
enum { OX_SIM_UPD_ADDRESS, OX_SIM_UPD_PHONE, OX_SIM_UPD_REMARK, OX_SIM_UPD_SHIP_BY };
struct ox_sim_update {
	uint8_t what; /* OX_SIM_UPD_* */
	struct ox_sim_place addr;
	char phone[32];
	const char *remark;
	ox_time ship_by;
};

struct ox_sim_sku {
	ox_money price;
	uint8_t channel; /* the marketplace whose listing is observed */
	uint8_t custom;  /* its stock series is an anomaly's */
};

/* ---- records: one per event line ------------------------------------------ */

enum {
	OX_SIM_R_ATTEMPT = 1u << 0, /* a payment attempt (INC_PAYMENT_RATE) */
	OX_SIM_R_OK = 1u << 1,      /* ... that succeeded */
};

struct ox_sim_rec {
	ox_time arrival; /* position in the stream */
	ox_time ts;      /* event time */
	int64_t val;     /* amount in fen, available; update index */
	uint32_t seq;    /* tie-break: creation order */
	uint32_t id;     /* event id number; a verbatim resend shares it */
	uint32_t ref;    /* order index; SKU index for inventory.level and .low_stock */
	uint16_t arg;    /* payment and refund number, item; parcel << 8 | track; low-stock threshold */
	uint8_t type;    /* enum ox_event_type */
	uint8_t sub;     /* status, track status, reason, system, source... */
	uint8_t flags;   /* OX_SIM_R_* */
	uint8_t aux;     /* payment method, warehouse */
};

/* ---- labels -------------------------------------------------------------- */

enum { OX_SIM_OPEN, OX_SIM_RESOLVED };

struct ox_sim_label {
	ox_time opened_at;
	uint32_t ref; /* order index, SKU index, or the rule an INC_BURST groups */
	uint8_t rule;
	uint8_t status;
};

struct ox_sim_black {
	uint8_t kind; /* enum ox_bl_kind */
	char value[200];
};

struct ox_sim_outage {
	ox_time from, to;
	int64_t retry; /* buyers retry this often */
};

/* ---- the simulator ------------------------------------------------------- */

struct ox_sim_opts {
	size_t orders;
	ox_time start;
	int64_t hours; /* ms */
	uint64_t seed;
	const char *out, *labels;
	double anomaly_rate;
	double weight[OX_R__COUNT];
	bool noise;
	size_t skus;
};

struct ox_sim {
	struct ox_sim_opts opt;
	ox_time end;           /* orders are created in [start, end) */
	ox_time d11;           /* the Double 11 midnight in the period, or NONE */
	struct ox_sim_geo *geo;
	struct ox_sim_rng rng; /* decisions that are not one order's */
	uint64_t id_key;       /* scrambles ids */

	struct ox_sim_sku *skus;
	double *sku_cum;       /* cumulative popularity */
	struct ox_sim_customer *cust;
	size_t n_cust, cap_cust;
	struct ox_sim_order *orders;
	size_t n_orders;
	char *order_ids;       /* OX_SIM_ORDER_ID_MAX bytes each */
	struct ox_sim_item *items;
	size_t n_items, cap_items;
	struct ox_sim_update *upd;
	size_t n_upd, cap_upd;

	struct ox_sim_rec *recs;
	size_t n_recs, cap_recs;
	uint32_t next_id;

	struct ox_sim_label *labels;
	size_t n_labels, cap_labels;
	struct ox_sim_black *black;
	size_t n_black, cap_black;
	struct ox_sim_outage *outages;
	size_t n_outages;

	size_t slots[OX_R__COUNT]; /* anomalies to inject per rule */
	ox_time horizon;              /* the latest ts or deadline so far */
};

/* sim.c */
struct ox_sim_rec *ox_sim_rec_add(struct ox_sim *s, uint8_t type, ox_time ts, uint32_t ref);
/* Record i sent again, under its own event id (a verbatim resend) or a new
 * one; a resend is never a new payment attempt. Returns the copy (valid
 * until the next add); the caller sets its arrival, and ts if it differs. */
struct ox_sim_rec *ox_sim_rec_resend(struct ox_sim *s, size_t i, bool same_id);
void ox_sim_label(struct ox_sim *s, enum ox_rule rule, uint32_t ref, ox_time opened_at, int status);
void ox_sim_horizon(struct ox_sim *s, ox_time t);
uint32_t ox_sim_add_update(struct ox_sim *s, uint8_t what);
uint32_t ox_sim_add_customer(struct ox_sim *s);

/* sim_plan.c */
void ox_sim_plan(struct ox_sim *s);
void ox_sim_valid_phone(struct ox_sim_rng *r, uint32_t unique, char *out, size_t cap);
void ox_sim_home(struct ox_sim *s, struct ox_sim_rng *r, struct ox_sim_place *out, uint16_t *province);
/* A new customer who is never picked as a returning buyer. */
uint32_t ox_sim_fresh_customer(struct ox_sim *s, struct ox_sim_rng *r);
/* Order o by customer ci: address, phone, device and warehouse follow. */
void ox_sim_set_customer(struct ox_sim *s, struct ox_sim_order *o, uint32_t ci);
void ox_sim_set_total(struct ox_sim *s, struct ox_sim_order *o);

/* ---- life cycles (sim_life.c) ----------------------------------------------- */

#define OX_SIM_MAX_PAY 64
#define OX_SIM_MAX_TRACKS 24
#define OX_SIM_MAX_EXTRA 8

struct ox_sim_pay {
	ox_time ts;
	ox_money amount;
	uint8_t type;   /* OX_EV_PAYMENT_SUCCEEDED, _FAILED, _REFUNDED */
	uint8_t pid;    /* payment number (refunded: of the payment refunded) */
	uint8_t reason; /* failed: ox_sim_pay_reasons */
	uint8_t method;
};

struct ox_sim_track {
	ox_time ts;
	uint8_t st; /* enum ox_track_status */
};

/* order.updated and cs.ticket */
struct ox_sim_extra {
	ox_time ts;
	uint8_t type, sub; /* ticket kind */
	uint16_t arg;      /* ticket text */
	uint32_t upd;      /* update index */
};

/* One order's life as times; OX_TIME_NONE: does not happen. */
struct ox_sim_life {
	bool created;
	ox_time create_failed, pending;
	uint8_t method;       /* of the payments added next */
	int n_pay;
	struct ox_sim_pay pay[OX_SIM_MAX_PAY];
	uint8_t n_pids;       /* distinct payments that succeeded */
	bool status_first;    /* noise: the paid status lands before the callback */
	ox_time paid_at;      /* when it became paid: fulfilment starts here */
	ox_time st_paid, st_shipped, st_delivered, st_completed;
	ox_time close;
	uint8_t close_status;
	ox_time reserve;      /* inventory.reserved of every item but fail_item */
	int fail_item;        /* -1: none */
	ox_time reserve_fail, reserve_retry;
	uint8_t fail_reason;
	ox_time ack[OX_SIM_N_SYSTEMS];
	ox_time sync_fail;
	uint8_t sync_fail_sys;
	ox_time ship;
	int n_tracks;
	struct ox_sim_track track[OX_SIM_MAX_TRACKS];
	/* a normal order's second parcel (拆单): never an anomaly's */
	ox_time ship2;
	int n_tracks2;
	struct ox_sim_track track2[OX_SIM_MAX_TRACKS];
	int n_extra;
	struct ox_sim_extra extra[OX_SIM_MAX_EXTRA];
};

struct ox_sim_ctx {
	struct ox_sim *s;
	struct ox_sim_order *o;
	uint32_t oi;
	struct ox_sim_life *l;
	struct ox_sim_rng *r;
};

void ox_sim_life_clear(struct ox_sim_life *l);
void ox_sim_pay_add(struct ox_sim_life *l, uint8_t type, ox_time ts, uint8_t pid, ox_money amount,
		    uint8_t reason);
ox_time ox_sim_first_success(const struct ox_sim_life *l);
void ox_sim_pay_full(struct ox_sim_ctx *c, ox_time at);
void ox_sim_unship(struct ox_sim_life *l);
void ox_sim_unpaid(struct ox_sim_life *l);
void ox_sim_close(struct ox_sim_life *l, ox_time ts, uint8_t status);
void ox_sim_refund_all(struct ox_sim_life *l, ox_time ts);
void ox_sim_track(struct ox_sim_life *l, ox_time ts, uint8_t st);
ox_time ox_sim_last_track(const struct ox_sim_life *l);
void ox_sim_hops_until(struct ox_sim_ctx *c, ox_time until);
void ox_sim_deliver(struct ox_sim_ctx *c, ox_time from);
void ox_sim_route(struct ox_sim_ctx *c, ox_time from, int hops);
void ox_sim_settle(struct ox_sim_ctx *c);
void ox_sim_ship_at(struct ox_sim_ctx *c, ox_time at);
void ox_sim_fulfil(struct ox_sim_ctx *c);
/* A new extra event; its fields other than ts and type are zero. */
struct ox_sim_extra *ox_sim_extra(struct ox_sim_life *l, ox_time ts, uint8_t type);
void ox_sim_lives(struct ox_sim *s);

/* ---- anomalies (sim_inject.c) ------------------------------------------------ */

enum { OX_SIM_FIRST, OX_SIM_BEFORE, OX_SIM_AFTER }; /* when group rows run */

/* A row per rule, indexed by it. */
struct ox_sim_injector {
	double weight; /* default share of the anomaly slots */
	/* One order's anomaly: bend its life (and order) before it is
	 * written, label what that opens. NULL for group anomalies. */
	void (*order)(struct ox_sim_ctx *c);
	/* A group anomaly, run once with the rule's slot count: FIRST and
	 * BEFORE before the lives are played, AFTER once they are written. */
	void (*group)(struct ox_sim *s, size_t count);
	int phase;
};
extern const struct ox_sim_injector ox_sim_injectors[OX_R__COUNT];

void ox_sim_assign(struct ox_sim *s);
void ox_sim_inject_order(struct ox_sim_ctx *c);
void ox_sim_groups(struct ox_sim *s, int phase);
/* Free: no anomaly yet, not paying in a gateway outage. */
bool ox_sim_is_free(const struct ox_sim_order *o);
/* Order o now carries rule's anomaly: a clean paid life, no noise. */
void ox_sim_take(struct ox_sim_order *o, enum ox_rule rule);
/* A mistyped version of a valid phone, invalid by ox_phone_valid(). */
void ox_sim_break_phone(struct ox_sim_rng *r, const char *valid, char *out, size_t cap);

/* sim_group.c: group rows of the table */
void ox_sim_rings(struct ox_sim *s, size_t count);
void ox_sim_outages(struct ox_sim *s, size_t count);
void ox_sim_bursts(struct ox_sim *s, size_t count);

/* sim_stock.c: SKU rows of the table, and every other SKU's levels */
void ox_sim_negative_stock(struct ox_sim *s, size_t count);
void ox_sim_drift(struct ox_sim *s, size_t count);
void ox_sim_low_stock(struct ox_sim *s, size_t count);
void ox_sim_stock(struct ox_sim *s);

/* ---- ground truth (sim_truth.c) ---------------------------------------------- */

/* Both run on the records sorted in arrival order. */
void ox_sim_truth_orders(struct ox_sim *s);    /* fraud scores, blacklist hits */
void ox_sim_truth_incidents(struct ox_sim *s);
int ox_sim_write_labels(struct ox_sim *s, FILE *f);
int ox_sim_write_blacklist(struct ox_sim *s, FILE *f);

/* ---- output (sim_json.c) ---------------------------------------------------- */

void ox_sim_order_ids(struct ox_sim *s);
void ox_sim_order_id(const struct ox_sim *s, uint32_t oi, char *out, size_t cap);
void ox_sim_sku_id(uint32_t sku, char *out, size_t cap);
void ox_sim_customer_id(const struct ox_sim_customer *c, char *out, size_t cap);
void ox_sim_device_id(uint64_t device, char *out, size_t cap);
void ox_sim_ip(uint32_t ip, char *out, size_t cap);
int ox_sim_write_stream(struct ox_sim *s, FILE *f);

#endif

/* inventory.h - stock reservation for every sales channel: levels set by the
 * warehouse, all-or-nothing reservations per order, confirmation, release
 * and expiry on the event clock (docs/inventory.md).
 *
 * The state changes only through operations (struct ox_inv_op), and the
 * outcome of an operation depends only on the state and the operation, so
 * the daemon logs each operation that changed something as one record and a
 * replay of the log rebuilds the same state, with the same outcomes. Expiry
 * runs on ox_inventory_advance(), called with the event clock.
 *
 * What detection must see (inventory.reserved, inventory.reserve_failed) is
 * made as event texts by the operation, numbered from a counter of the
 * state, so a replay makes the same events with the same ids.
 *
 * Threads: one thread (the daemon's writer) owns an ox_inventory; nothing
 * here locks.
 */
#ifndef OX_INVENTORY_H
#define OX_INVENTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "timefmt.h"
#include "util.h"

#define OX_INV_SKU_MAX 128        /* bytes of a SKU */
#define OX_INV_ORDER_MAX 64       /* bytes of an order id (events.md) */
#define OX_INV_CHANNEL_MAX 32     /* bytes of a channel name */
#define OX_INV_ITEMS_MAX 100      /* items of a reservation */
#define OX_INV_LEVELS_MAX 1000    /* levels of one PUT */
#define OX_INV_QUOTAS_MAX 16      /* channels with a quota, per SKU */
#define OX_INV_QTY_MAX 1000000    /* units of one item */
#define OX_INV_ON_HAND_MAX 1000000000000LL
#define OX_INV_TTL_MAX 604800     /* seconds: 7 days */
#define OX_INV_TTL_DEFAULT 900    /* seconds */
#define OX_INV_KEEP_MS (7LL * 86400 * 1000 + 1000) /* a finished reservation is kept this long */
#define OX_INV_LIST_MAX 1000      /* levels per page */

/* X(enum suffix, name): the operations, as named in log records. */
#define OX_INV_OPS(X)            \
	X(RESERVE, "reserve")    \
	X(CONFIRM, "confirm")    \
	X(RELEASE, "release")    \
	X(LEVELS, "levels")      \
	X(GET_LEVEL, "get_level") \
	X(LIST_LEVELS, "list_levels") \
	X(GET_RESERVATION, "get_reservation")

enum ox_inv_op_kind {
#define X(e, name) OX_INV_##e,
	OX_INV_OPS(X)
#undef X
	OX_INV__NOPS
};
const char *ox_inv_op_name(enum ox_inv_op_kind k);

struct ox_inv_item {
	char sku[OX_INV_SKU_MAX + 1];
	int64_t qty;
};

struct ox_inv_quota {
	char channel[OX_INV_CHANNEL_MAX + 1];
	int64_t units;
};

struct ox_inv_level {
	char sku[OX_INV_SKU_MAX + 1];
	int64_t on_hand;
	int64_t low_stock; /* -1: none */
	size_t n_quotas;
	struct ox_inv_quota quotas[OX_INV_QUOTAS_MAX];
};

/* One operation: what an API request asks, and what a log record holds. */
struct ox_inv_op {
	enum ox_inv_op_kind kind;
	ox_time at; /* set by the writer: the event clock */
	char order_id[OX_INV_ORDER_MAX + 1];
	char channel[OX_INV_CHANNEL_MAX + 1];
	int64_t ttl; /* seconds */
	size_t n_items;
	struct ox_inv_item *items;
	size_t n_levels;
	struct ox_inv_level *levels;
	/* reads: GET_LEVEL's sku; LIST_LEVELS' cursor (the last SKU seen) and limit */
	char sku[OX_INV_SKU_MAX + 1];
	size_t limit;
};

void ox_inv_op_release(struct ox_inv_op *op);

/* Parse an API body for an operation of kind (RESERVE, CONFIRM, RELEASE or
 * LEVELS) into op, checking every limit and rule of docs/inventory.md that
 * does not depend on the state (distinct SKUs, quotas within on_hand...).
 * Unknown members are ignored. Returns 0, or -1 with a one-line message
 * naming the member ("items[2].qty: expected an integer 1..1000000"). */
int ox_inv_op_parse_body(struct ox_inv_op *op, enum ox_inv_op_kind kind, const char *json, size_t len,
			 char err[256]);

/* The log record of op (RESERVE..LEVELS): the body's members plus "op" and
 * "at". ox_inv_op_parse_record reads it back (0, or -1 with err). */
void ox_inv_op_write(const struct ox_inv_op *op, struct ox_buf *out);
int ox_inv_op_parse_record(struct ox_inv_op *op, const char *json, size_t len, char err[256]);

struct ox_inventory;

struct ox_inventory *ox_inventory_new(void);
void ox_inventory_free(struct ox_inventory *inv); /* NULL is fine */

/* What an operation did. */
struct ox_inv_result {
	int status;   /* the HTTP status to answer: 200, 404 or 409 */
	bool changed; /* the state changed or events were made: log the operation */
	struct ox_buf *body; /* the answer's JSON, written by ox_inventory_apply */
};

/* Apply op at op->at. Writes the answer into res->body and the events it
 * makes (event JSON texts, one per line) into events: inventory.reserved
 * and inventory.reserve_failed of a reservation, and inventory.low_stock of
 * each SKU whose available stock crossed its low_stock line since the last
 * write or tick, either way. Held reservations due by op->at expire first.
 * Reads (GET_*, LIST_*) make no events: pass NULL. */
void ox_inventory_apply(struct ox_inventory *inv, const struct ox_inv_op *op, struct ox_inv_result *res,
			struct ox_buf *events);

/* Move the clock to now: expire the held reservations due by then, forget
 * finished ones older than OX_INV_KEEP_MS, and write the low-stock events
 * of the SKUs that crossed their line into events (NULL: later). Call it
 * only at points a replay reaches again (the daemon: its logged ticks), so
 * that events are made at the same points. */
void ox_inventory_advance(struct ox_inventory *inv, ox_time now, struct ox_buf *events);

/* Counts for tests and metrics. */
struct ox_inv_stats {
	size_t skus, reservations, held;
	uint64_t expired;
};
void ox_inventory_stats(const struct ox_inventory *inv, struct ox_inv_stats *st);

/* Snapshots (snap.h): every SKU and reservation with its timer. Load into
 * a new, empty inventory; -1 when the reader went bad. */
struct ox_snap_w;
struct ox_snap_r;
void ox_inventory_save(const struct ox_inventory *inv, struct ox_snap_w *w);
int ox_inventory_load(struct ox_inventory *inv, struct ox_snap_r *r);

#endif

/* counts.h - the denominators of the reports ("数据分析"): how many orders,
 * payment attempts, shipments, ... per hour, channel, shop and one more
 * dimension (a payment method, a carrier), counted by the engine from the
 * events it applies, so a replay of the log counts the same.
 * docs/reports.md, "Counts".
 */
#ifndef OX_COUNTS_H
#define OX_COUNTS_H

#include <stdint.h>

#include "timefmt.h"

/* X(enum suffix, name in the store, what dim is) */
#define OX_COUNT_METRICS(X)                                                             \
	X(ORDERS, "orders", "province")             /* order.created, once per order */ \
	X(PAY_ATTEMPTS, "pay_attempts", "method")   /* failures + new payment_ids */   \
	X(PAY_SUCCEEDED, "pay_succeeded", "method") /* new payment_ids */              \
	X(SHIPMENTS, "shipments", "carrier")        /* shipment.created, once per parcel */ \
	X(DELIVERED, "delivered", "carrier")        /* first delivered track of a parcel */ \
	X(DELIVERED_LATE, "delivered_late", "carrier") /* ... after the order's deliver_by */ \
	X(LOST, "lost", "carrier")                  /* first lost track of a parcel */ \
	X(SHIPPED, "orders_shipped", "")            /* an order's first shipment or shipped status */ \
	X(SHIPPED_ON_TIME, "shipped_on_time", "")   /* ... at or before its ship_by */

enum ox_count_metric {
#define X(e, name, dim) OX_COUNT_##e,
	OX_COUNT_METRICS(X)
#undef X
	OX_COUNT__N
};
const char *ox_count_metric_name(enum ox_count_metric m);

/* One count: hour is the start of the event-time hour (UTC ms, which is
 * also a whole Asia/Shanghai hour); names are "" when unknown. */
struct ox_count {
	ox_time hour;
	enum ox_count_metric metric;
	const char *channel, *shop, *dim;
	int64_t n;
};

#define OX_HOUR_MS INT64_C(3600000)

#endif

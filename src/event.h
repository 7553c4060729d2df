/* event.h - the event model of ../shared/spec/events.md and its decoder.
 *
 * A decoded event points into memory owned by the decoder: every ox_str and
 * the items array stay valid until the next ox_decode() on the same decoder.
 * Strings produced by the decoder are NUL-terminated and valid UTF-8, with no
 * NUL inside (a string field containing U+0000 is rejected).
 */
#ifndef OX_EVENT_H
#define OX_EVENT_H

#include "timefmt.h"
#include "util.h"

/* X(enum suffix, wire name) in contract order; inventory.low_stock is
 * ordex's addition (docs/rules/inventory.md), not in the contract. */
#define OX_EVENT_TYPES(X)                                  \
	X(ORDER_CREATED, "order.created")                  \
	X(ORDER_CREATE_FAILED, "order.create_failed")      \
	X(ORDER_STATUS, "order.status")                    \
	X(ORDER_UPDATED, "order.updated")                  \
	X(PAYMENT_SUCCEEDED, "payment.succeeded")          \
	X(PAYMENT_FAILED, "payment.failed")                \
	X(PAYMENT_REFUNDED, "payment.refunded")            \
	X(INVENTORY_RESERVED, "inventory.reserved")        \
	X(INVENTORY_RESERVE_FAILED, "inventory.reserve_failed") \
	X(INVENTORY_LEVEL, "inventory.level")              \
	X(INVENTORY_LOW_STOCK, "inventory.low_stock")      \
	X(SHIPMENT_CREATED, "shipment.created")            \
	X(SHIPMENT_TRACK, "shipment.track")                \
	X(SYNC_ACK, "sync.ack")                            \
	X(SYNC_FAILED, "sync.failed")                      \
	X(CS_TICKET, "cs.ticket")                          \
	X(TICK, "tick")

enum ox_event_type {
#define X(e, s) OX_EV_##e,
	OX_EVENT_TYPES(X)
#undef X
	OX_EV__COUNT
};
const char *ox_event_type_name(enum ox_event_type t);

#define OX_ORDER_STATUSES(X)                 \
	X(PENDING_PAYMENT, "pending_payment") \
	X(PAID, "paid")                       \
	X(SHIPPED, "shipped")                 \
	X(DELIVERED, "delivered")             \
	X(COMPLETED, "completed")             \
	X(CANCELLED, "cancelled")             \
	X(CLOSED, "closed")                   \
	X(REFUNDED, "refunded")

enum ox_order_status {
#define X(e, s) OX_ST_##e,
	OX_ORDER_STATUSES(X)
#undef X
	OX_ST__COUNT
};
const char *ox_order_status_name(enum ox_order_status s);

#define OX_TRACK_STATUSES(X)                   \
	X(COLLECTED, "collected")               \
	X(IN_TRANSIT, "in_transit")             \
	X(OUT_FOR_DELIVERY, "out_for_delivery") \
	X(DELIVERED, "delivered")               \
	X(FAILED_ATTEMPT, "failed_attempt")     \
	X(EXCEPTION, "exception")               \
	X(REJECTED, "rejected")                 \
	X(RETURNING, "returning")               \
	X(RETURNED, "returned")                 \
	X(LOST, "lost")                         \
	X(DAMAGED, "damaged")

enum ox_track_status {
#define X(e, s) OX_TRK_##e,
	OX_TRACK_STATUSES(X)
#undef X
	OX_TRK__COUNT
};
const char *ox_track_status_name(enum ox_track_status s);

#define OX_TICKET_KINDS(X)                \
	X(COMPLAINT, "complaint")          \
	X(INQUIRY, "inquiry")              \
	X(ADDRESS_CHANGE, "address_change") \
	X(NOT_RECEIVED, "not_received")    \
	X(DAMAGED, "damaged")              \
	X(OTHER, "other")

enum ox_ticket_kind {
#define X(e, s) OX_TK_##e,
	OX_TICKET_KINDS(X)
#undef X
	OX_TK__COUNT
};
const char *ox_ticket_kind_name(enum ox_ticket_kind k);

/* Presence bits for optional fields (a JSON null counts as absent). For
 * order.updated every field is optional, so these say what the update
 * carries. Required fields of a type are always present after decoding. */
enum {
	OX_HAS_SOURCE = 1u << 0,
	OX_HAS_SHOP = 1u << 1,
	OX_HAS_CUSTOMER_ID = 1u << 2,
	OX_HAS_REGISTERED_AT = 1u << 3,
	OX_HAS_NAME = 1u << 4,
	OX_HAS_PHONE = 1u << 5,
	OX_HAS_PROVINCE = 1u << 6,
	OX_HAS_CITY = 1u << 7,
	OX_HAS_DISTRICT = 1u << 8,
	OX_HAS_DETAIL = 1u << 9,
	OX_HAS_IP = 1u << 10,
	OX_HAS_DEVICE_ID = 1u << 11,
	OX_HAS_CURRENCY = 1u << 12,
	OX_HAS_COUPON = 1u << 13,
	OX_HAS_REMARK = 1u << 14,
	OX_HAS_PAY_BY = 1u << 15,
	OX_HAS_SHIP_BY = 1u << 16,
	OX_HAS_DELIVER_BY = 1u << 17,
	OX_HAS_ERROR_MESSAGE = 1u << 18,
	OX_HAS_PAYMENT_ID = 1u << 19,
	OX_HAS_METHOD = 1u << 20,
	OX_HAS_REASON = 1u << 21,
	OX_HAS_WAREHOUSE = 1u << 22,
	OX_HAS_LOCATION = 1u << 23,
	OX_HAS_DESCRIPTION = 1u << 24,
	OX_HAS_SYNC_ERROR = 1u << 25,
	OX_HAS_TEXT = 1u << 26,
};
#define OX_HAS_ADDRESS (OX_HAS_PROVINCE | OX_HAS_CITY | OX_HAS_DISTRICT | OX_HAS_DETAIL)

struct ox_address {
	struct ox_str province, city, district, detail;
};

struct ox_customer {
	struct ox_str id, name, phone, ip, device_id;
	ox_time registered_at;
	struct ox_address address;
};

struct ox_item {
	struct ox_str sku;
	int64_t qty;
	ox_money price;
};

struct ox_event {
	enum ox_event_type type;
	uint32_t has; /* OX_HAS_* */
	struct ox_str id, order_id, source;
	ox_time ts;

	/* order.created, order.updated */
	struct ox_str channel, shop;
	struct ox_customer customer;
	const struct ox_item *items;
	size_t n_items;
	ox_money total;
	struct ox_str currency;
	struct ox_str coupon_code;
	ox_money coupon_amount;
	struct ox_str remark;
	ox_time pay_by, ship_by, deliver_by;

	/* order.create_failed: error.code, error.message */
	struct ox_str error_code, error_message;

	/* order.status */
	enum ox_order_status status;

	/* payment.*; reason is shared with inventory.reserve_failed */
	struct ox_str payment_id, method, reason, refund_id;
	ox_money amount;

	/* inventory.*; source of inventory.level is the envelope's source */
	struct ox_str sku, warehouse;
	int64_t qty, available;
	int64_t threshold; /* inventory.low_stock */

	/* shipment.* */
	struct ox_str shipment_id, carrier, tracking_no, location, description;
	enum ox_track_status track_status;

	/* sync.*: system, and error (a string) for sync.failed */
	struct ox_str system, sync_error;

	/* cs.ticket */
	struct ox_str ticket_id, text;
	enum ox_ticket_kind ticket_kind;

	/* The line as received (not NUL-terminated), unknown fields included. */
	struct ox_str raw;
};

/* The offsets of every struct ox_str in struct ox_event except raw, for
 * code that copies or checks all of an event's strings. */
extern const size_t ox_event_string_offsets[];
extern const size_t ox_event_string_count;

/* Decoder limits. ox_limits_default() gives the documented defaults. */
struct ox_limits {
	size_t max_line;   /* bytes per line/object: 1 MiB */
	unsigned max_depth; /* JSON nesting: 32 */
	size_t max_items;  /* items per order: 1000 */
};
struct ox_limits ox_limits_default(void);

struct ox_decoder;
struct ox_decoder *ox_decoder_new(const struct ox_limits *limits);
void ox_decoder_free(struct ox_decoder *d);

/* Decode one NDJSON line (without its '\n'; a trailing '\r' is allowed and
 * left out of ev->raw).
 * Returns 0 and fills *ev, or -1 and writes "field: reason" (or
 * "invalid JSON: reason at column N") into err. The caller skips blank lines
 * (see ox_line_is_blank) before calling. */
#define OX_ERR_BUFSZ 256
int ox_decode(struct ox_decoder *d, const char *line, size_t len, struct ox_event *ev,
	      char err[OX_ERR_BUFSZ]);

/* True for a line that is empty or only spaces, tabs and '\r'. */
bool ox_line_is_blank(const char *line, size_t len);

/* Parse contract money ("119.80", ^[0-9]+(\.[0-9]{1,2})?$) into fen.
 * Returns 0, or -1 on syntax or overflow (> 10^15 fen). */
int ox_money_parse(const char *s, size_t n, ox_money *out);

#endif

/* event.c - the event decoder: one NDJSON line to a validated struct ox_event.
 *
 * Two steps: json.c tokenizes the line strictly; a schema walk then maps the
 * tokens onto struct ox_event. The schema is data: one table of field
 * descriptors per event type (name, kind, required, limits, where the value
 * goes and which OX_HAS_ bit it sets), nested tables for objects and items.
 * Adding a field is adding a row.
 *
 * Memory: the decoder keeps two copies of the line, the raw one for ev->raw
 * and a working one that the tokens point into. A string value without
 * escapes is NUL-terminated in place in the working copy (over its closing
 * quote, after parsing is done); an escaped one is already decoded and
 * NUL-terminated in the parser's arena. So decoding copies no strings.
 */
#include "event.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "json.h"

/* ---- names ---- */

static const char *const type_names[] = {
#define X(e, s) s,
	OX_EVENT_TYPES(X)
#undef X
};
static const char *const order_status_names[] = {
#define X(e, s) s,
	OX_ORDER_STATUSES(X)
#undef X
};
static const char *const track_status_names[] = {
#define X(e, s) s,
	OX_TRACK_STATUSES(X)
#undef X
};
static const char *const ticket_kind_names[] = {
#define X(e, s) s,
	OX_TICKET_KINDS(X)
#undef X
};

const char *ox_event_type_name(enum ox_event_type t)
{
	return (unsigned)t < OX_EV__COUNT ? type_names[t] : "?";
}

const char *ox_order_status_name(enum ox_order_status s)
{
	return (unsigned)s < OX_ST__COUNT ? order_status_names[s] : "?";
}

const char *ox_track_status_name(enum ox_track_status s)
{
	return (unsigned)s < OX_TRK__COUNT ? track_status_names[s] : "?";
}

const char *ox_ticket_kind_name(enum ox_ticket_kind k)
{
	return (unsigned)k < OX_TK__COUNT ? ticket_kind_names[k] : "?";
}

/* Enumerations are stored through an int (see set_enum). */
_Static_assert(sizeof(enum ox_order_status) == sizeof(int), "enum size");
_Static_assert(sizeof(enum ox_track_status) == sizeof(int), "enum size");
_Static_assert(sizeof(enum ox_ticket_kind) == sizeof(int), "enum size");

/* ---- the schema ---- */

enum kind {
	K_TYPE,     /* the envelope's type: resolved before the walk */
	K_STR,      /* string of min..max bytes */
	K_CURRENCY, /* ISO 4217: three upper-case ASCII letters */
	K_MONEY,    /* decimal string to fen */
	K_TIME,     /* RFC 3339 to ox_time */
	K_INT,      /* JSON integer in min..max */
	K_ENUM,     /* string from names[0 .. max) */
	K_OBJECT,   /* nested object described by sub */
	K_ITEMS,    /* array of objects described by sub, one struct ox_item each */
	K__COUNT
};

enum { OPT, REQ };

struct table;
struct field {
	const char *name;
	uint8_t name_len;
	uint8_t kind;        /* enum kind */
	uint8_t req;         /* REQ: absent or null is an error */
	int64_t min, max;    /* K_STR bytes, K_INT value, K_ENUM count */
	size_t off;          /* of the value in struct ox_event, or in struct
			      * ox_item for item fields */
	uint32_t has;        /* OX_HAS_* set when present */
	const struct table *sub;  /* K_OBJECT, K_ITEMS */
	const char *const *names; /* K_ENUM */
};

struct table {
	const struct field *f;
	size_t n;
};

#define EV(m) offsetof(struct ox_event, m)
#define IT(m) offsetof(struct ox_item, m)
#define FIELD(nm, k, rq, lo, hi, o, bit, sb, nms) \
	{ nm, sizeof(nm) - 1, k, rq, lo, hi, o, bit, sb, nms }
#define STR(nm, rq, lo, hi, m, bit) FIELD(nm, K_STR, rq, lo, hi, EV(m), bit, NULL, NULL)
/* The contract's string classes. */
#define IDENT(nm, rq, m, bit) STR(nm, rq, 1, 256, m, bit)
#define NAME(nm, rq, m, bit) STR(nm, rq, 0, 256, m, bit)
#define TEXT(nm, m, bit) STR(nm, OPT, 0, 8192, m, bit)
#define MONEY(nm, m) FIELD(nm, K_MONEY, REQ, 0, 0, EV(m), 0, NULL, NULL)
#define TIME(nm, rq, m, bit) FIELD(nm, K_TIME, rq, 0, 0, EV(m), bit, NULL, NULL)
#define INT(nm, lo, hi, m) FIELD(nm, K_INT, REQ, lo, hi, EV(m), 0, NULL, NULL)
#define ENUM(nm, m, nms) \
	FIELD(nm, K_ENUM, REQ, 0, (int64_t)OX_ARRAY_LEN(nms), EV(m), 0, NULL, nms)
#define OBJECT(nm, rq, sb, bit) FIELD(nm, K_OBJECT, rq, 0, 0, 0, bit, &sb, NULL)
/* The seen-mask in walk_object() has 64 bits. */
#define TABLE(t, ...)                                                   \
	static const struct field t##_f[] = { __VA_ARGS__ };           \
	_Static_assert(OX_ARRAY_LEN(t##_f) <= 64, "too many fields"); \
	static const struct table t = { t##_f, OX_ARRAY_LEN(t##_f) }

#define QTY_MAX 100000
#define AVAILABLE_MAX INT64_C(1000000000000)
#define MONEY_MAX_FEN INT64_C(1000000000000000)

#define ENVELOPE(order_req, source_req)                                  \
	STR("id", REQ, 1, 128, id, 0),                                   \
	FIELD("type", K_TYPE, REQ, 0, 0, 0, 0, NULL, NULL),              \
	TIME("ts", REQ, ts, 0),                                          \
	STR("order_id", order_req, 1, 64, order_id, 0),                  \
	IDENT("source", source_req, source, OX_HAS_SOURCE)

TABLE(t_item,
	FIELD("sku", K_STR, REQ, 1, 256, IT(sku), 0, NULL, NULL),
	FIELD("qty", K_INT, REQ, 1, QTY_MAX, IT(qty), 0, NULL, NULL),
	FIELD("price", K_MONEY, REQ, 0, 0, IT(price), 0, NULL, NULL));

TABLE(t_address_created,
	NAME("province", REQ, customer.address.province, OX_HAS_PROVINCE),
	NAME("city", REQ, customer.address.city, OX_HAS_CITY),
	NAME("district", REQ, customer.address.district, OX_HAS_DISTRICT),
	NAME("detail", REQ, customer.address.detail, OX_HAS_DETAIL));

TABLE(t_customer_created,
	IDENT("id", REQ, customer.id, OX_HAS_CUSTOMER_ID),
	TIME("registered_at", OPT, customer.registered_at, OX_HAS_REGISTERED_AT),
	NAME("name", OPT, customer.name, OX_HAS_NAME),
	NAME("phone", REQ, customer.phone, OX_HAS_PHONE),
	OBJECT("address", REQ, t_address_created, 0),
	NAME("ip", OPT, customer.ip, OX_HAS_IP),
	NAME("device_id", OPT, customer.device_id, OX_HAS_DEVICE_ID));

TABLE(t_coupon,
	IDENT("code", REQ, coupon_code, 0),
	MONEY("amount", coupon_amount));

TABLE(t_order_created,
	ENVELOPE(REQ, OPT),
	IDENT("channel", REQ, channel, 0),
	NAME("shop", OPT, shop, OX_HAS_SHOP),
	OBJECT("customer", REQ, t_customer_created, 0),
	FIELD("items", K_ITEMS, REQ, 0, 0, 0, 0, &t_item, NULL),
	MONEY("total", total),
	FIELD("currency", K_CURRENCY, OPT, 0, 0, EV(currency), OX_HAS_CURRENCY, NULL, NULL),
	OBJECT("coupon", OPT, t_coupon, OX_HAS_COUPON),
	TEXT("remark", remark, OX_HAS_REMARK),
	TIME("pay_by", OPT, pay_by, OX_HAS_PAY_BY),
	TIME("ship_by", OPT, ship_by, OX_HAS_SHIP_BY),
	TIME("deliver_by", OPT, deliver_by, OX_HAS_DELIVER_BY));

TABLE(t_create_error,
	IDENT("code", REQ, error_code, 0),
	TEXT("message", error_message, OX_HAS_ERROR_MESSAGE));

TABLE(t_order_create_failed,
	ENVELOPE(REQ, OPT),
	OBJECT("error", REQ, t_create_error, 0));

TABLE(t_order_status,
	ENVELOPE(REQ, OPT),
	ENUM("status", status, order_status_names));

/* order.updated: any subset of the customer, a partial address included. */
TABLE(t_address_updated,
	NAME("province", OPT, customer.address.province, OX_HAS_PROVINCE),
	NAME("city", OPT, customer.address.city, OX_HAS_CITY),
	NAME("district", OPT, customer.address.district, OX_HAS_DISTRICT),
	NAME("detail", OPT, customer.address.detail, OX_HAS_DETAIL));

TABLE(t_customer_updated,
	IDENT("id", OPT, customer.id, OX_HAS_CUSTOMER_ID),
	TIME("registered_at", OPT, customer.registered_at, OX_HAS_REGISTERED_AT),
	NAME("name", OPT, customer.name, OX_HAS_NAME),
	NAME("phone", OPT, customer.phone, OX_HAS_PHONE),
	OBJECT("address", OPT, t_address_updated, 0),
	NAME("ip", OPT, customer.ip, OX_HAS_IP),
	NAME("device_id", OPT, customer.device_id, OX_HAS_DEVICE_ID));

TABLE(t_order_updated,
	ENVELOPE(REQ, OPT),
	OBJECT("customer", OPT, t_customer_updated, 0),
	TEXT("remark", remark, OX_HAS_REMARK),
	TIME("ship_by", OPT, ship_by, OX_HAS_SHIP_BY),
	TIME("deliver_by", OPT, deliver_by, OX_HAS_DELIVER_BY));

/* The three payment types share one field list; only requirements differ.
 * refund_id has no OX_HAS_ bit: absent leaves it NULL. */
#define PAYMENT(payment_id_req, reason_req, refund_id_req)              \
	ENVELOPE(REQ, OPT),                                              \
	IDENT("payment_id", payment_id_req, payment_id, OX_HAS_PAYMENT_ID), \
	MONEY("amount", amount),                                         \
	IDENT("method", OPT, method, OX_HAS_METHOD),                     \
	IDENT("reason", reason_req, reason, OX_HAS_REASON),              \
	IDENT("refund_id", refund_id_req, refund_id, 0)

TABLE(t_payment_succeeded, PAYMENT(REQ, OPT, OPT));
TABLE(t_payment_failed, PAYMENT(OPT, REQ, OPT));
TABLE(t_payment_refunded, PAYMENT(REQ, OPT, REQ));

TABLE(t_inventory_reserved,
	ENVELOPE(REQ, OPT),
	IDENT("sku", REQ, sku, 0),
	INT("qty", 1, QTY_MAX, qty),
	IDENT("warehouse", OPT, warehouse, OX_HAS_WAREHOUSE));

TABLE(t_inventory_reserve_failed,
	ENVELOPE(REQ, OPT),
	IDENT("sku", REQ, sku, 0),
	INT("qty", 1, QTY_MAX, qty),
	IDENT("warehouse", OPT, warehouse, OX_HAS_WAREHOUSE),
	IDENT("reason", REQ, reason, OX_HAS_REASON));

TABLE(t_inventory_level,
	ENVELOPE(OPT, REQ),
	IDENT("sku", REQ, sku, 0),
	INT("available", -AVAILABLE_MAX, AVAILABLE_MAX, available),
	IDENT("warehouse", OPT, warehouse, OX_HAS_WAREHOUSE));

/* ordex's addition: a SKU's available stock crossed its low-stock threshold
 * (either way). Like inventory.level it belongs to no order. */
TABLE(t_inventory_low_stock,
	ENVELOPE(OPT, OPT),
	IDENT("sku", REQ, sku, 0),
	INT("available", -AVAILABLE_MAX, AVAILABLE_MAX, available),
	INT("threshold", 0, AVAILABLE_MAX, threshold),
	IDENT("warehouse", OPT, warehouse, OX_HAS_WAREHOUSE));

TABLE(t_shipment_created,
	ENVELOPE(REQ, OPT),
	IDENT("shipment_id", REQ, shipment_id, 0),
	IDENT("carrier", REQ, carrier, 0),
	IDENT("tracking_no", REQ, tracking_no, 0),
	IDENT("warehouse", OPT, warehouse, OX_HAS_WAREHOUSE));

TABLE(t_shipment_track,
	ENVELOPE(REQ, OPT),
	IDENT("tracking_no", REQ, tracking_no, 0),
	ENUM("status", track_status, track_status_names),
	TEXT("location", location, OX_HAS_LOCATION),
	TEXT("description", description, OX_HAS_DESCRIPTION));

TABLE(t_sync_ack,
	ENVELOPE(REQ, OPT),
	IDENT("system", REQ, system, 0));

TABLE(t_sync_failed,
	ENVELOPE(REQ, OPT),
	IDENT("system", REQ, system, 0),
	TEXT("error", sync_error, OX_HAS_SYNC_ERROR));

TABLE(t_cs_ticket,
	ENVELOPE(REQ, OPT),
	IDENT("ticket_id", REQ, ticket_id, 0),
	ENUM("kind", ticket_kind, ticket_kind_names),
	TEXT("text", text, OX_HAS_TEXT));

TABLE(t_tick, ENVELOPE(OPT, OPT));

static const struct table *const type_tables[OX_EV__COUNT] = {
	[OX_EV_ORDER_CREATED] = &t_order_created,
	[OX_EV_ORDER_CREATE_FAILED] = &t_order_create_failed,
	[OX_EV_ORDER_STATUS] = &t_order_status,
	[OX_EV_ORDER_UPDATED] = &t_order_updated,
	[OX_EV_PAYMENT_SUCCEEDED] = &t_payment_succeeded,
	[OX_EV_PAYMENT_FAILED] = &t_payment_failed,
	[OX_EV_PAYMENT_REFUNDED] = &t_payment_refunded,
	[OX_EV_INVENTORY_RESERVED] = &t_inventory_reserved,
	[OX_EV_INVENTORY_RESERVE_FAILED] = &t_inventory_reserve_failed,
	[OX_EV_INVENTORY_LEVEL] = &t_inventory_level,
	[OX_EV_INVENTORY_LOW_STOCK] = &t_inventory_low_stock,
	[OX_EV_SHIPMENT_CREATED] = &t_shipment_created,
	[OX_EV_SHIPMENT_TRACK] = &t_shipment_track,
	[OX_EV_SYNC_ACK] = &t_sync_ack,
	[OX_EV_SYNC_FAILED] = &t_sync_failed,
	[OX_EV_CS_TICKET] = &t_cs_ticket,
	[OX_EV_TICK] = &t_tick,
};

/* ---- the decoder ---- */

struct ox_decoder {
	struct ox_limits lim;
	struct ox_json json;
	char *buf; /* the raw line, then the working copy */
	size_t buf_cap;
	char *work;
	struct ox_item *items;
	size_t items_cap;
};

struct ox_limits ox_limits_default(void)
{
	return (struct ox_limits){ .max_line = 1u << 20, .max_depth = 32, .max_items = 1000 };
}

struct ox_decoder *ox_decoder_new(const struct ox_limits *limits)
{
	struct ox_decoder *d = ox_xcalloc(1, sizeof *d);
	d->lim = limits ? *limits : ox_limits_default();
	if (d->lim.max_line > OX_JSON_LEN_MAX)
		d->lim.max_line = OX_JSON_LEN_MAX;
	ox_json_init(&d->json, d->lim.max_depth);
	return d;
}

void ox_decoder_free(struct ox_decoder *d)
{
	if (!d)
		return;
	ox_json_release(&d->json);
	free(d->buf);
	free(d->items);
	free(d);
}

/* Where a value sits, for error messages: a chain of names and indexes
 * rendered as "customer.address.city" or "items[2].qty". */
struct path {
	const struct path *up;
	const char *name; /* NULL: an array element */
	size_t index;
};

struct walk {
	struct ox_decoder *d;
	struct ox_event *ev;
	const struct ox_json_tok *toks;
	char *err;
	size_t elen;
};

static void err_vadd(struct walk *w, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
static void err_vadd(struct walk *w, const char *fmt, va_list ap)
{
	if (w->elen >= OX_ERR_BUFSZ - 1)
		return;
	int n = vsnprintf(w->err + w->elen, OX_ERR_BUFSZ - w->elen, fmt, ap);
	if (n > 0)
		w->elen += (size_t)n < OX_ERR_BUFSZ - w->elen ? (size_t)n : OX_ERR_BUFSZ - 1 - w->elen;
}

static void err_add(struct walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void err_add(struct walk *w, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	err_vadd(w, fmt, ap);
	va_end(ap);
}

static void err_path(struct walk *w, const struct path *p)
{
	if (!p)
		return;
	err_path(w, p->up);
	if (p->name)
		err_add(w, "%s%s", p->up ? "." : "", p->name);
	else
		err_add(w, "[%zu]", p->index);
}

/* "path.field: reason"; f is NULL when the reason is about path itself. */
static int fail(struct walk *w, const struct path *at, const struct field *f, const char *fmt,
		...) __attribute__((format(printf, 4, 5)));
static int fail(struct walk *w, const struct path *at, const struct field *f, const char *fmt,
		...)
{
	w->elen = 0;
	w->err[0] = '\0';
	err_path(w, at);
	if (f)
		err_add(w, "%s%s", at ? "." : "", f->name);
	err_add(w, ": ");
	va_list ap;
	va_start(ap, fmt);
	err_vadd(w, fmt, ap);
	va_end(ap);
	return -1;
}

/* Append s (valid UTF-8) as a quoted string of at most 64 bytes between the
 * quotes, control characters, quotes and backslashes escaped, cut between
 * characters, so that an error message stays one short printable line. */
static void err_quoted(struct walk *w, const char *s, size_t n)
{
	char out[64];
	size_t o = 0, i = 0;
	while (i < n) {
		unsigned char ch = (unsigned char)s[i];
		char piece[8];
		const char *src = s + i;
		size_t len, adv = 1;
		if (ch < 0x20 || ch == '"' || ch == '\\' || ch == 0x7F) {
			len = (size_t)snprintf(piece, sizeof piece, "\\u%04x", ch);
			src = piece;
		} else {
			len = adv = ch < 0x80 ? 1 : ch >= 0xF0 ? 4 : ch >= 0xE0 ? 3 : 2;
		}
		if (o + len > sizeof out)
			break;
		memcpy(out + o, src, len);
		o += len;
		i += adv;
	}
	err_add(w, "\"%.*s%s\"", (int)o, out, i < n ? "..." : "");
}

static void *at(void *base, const struct field *f)
{
	return (char *)base + f->off;
}

/* The string as the event keeps it: NUL-terminated (see the top). */
static struct ox_str own_str(struct walk *w, const struct ox_json_tok *t)
{
	if (!(t->flags & OX_JSON_F_ESC))
		w->d->work[(t->s - w->d->work) + t->len] = '\0';
	return (struct ox_str){ t->s, t->len };
}

typedef int setter_fn(struct walk *w, const struct field *f, size_t ti, void *base,
		      const struct path *up);
static int walk_object(struct walk *w, size_t ti, const struct table *tab, void *base,
		       const struct path *up);

static int set_type(struct walk *w, const struct field *f, size_t ti, void *base,
		    const struct path *up)
{
	(void)w, (void)f, (void)ti, (void)base, (void)up;
	return 0; /* resolved by ox_decode() before the walk */
}

static int set_str(struct walk *w, const struct field *f, size_t ti, void *base,
		   const struct path *up)
{
	const struct ox_json_tok *t = &w->toks[ti];
	if (t->type != OX_JSON_STRING)
		return fail(w, up, f, "must be a string");
	if (t->len < f->min || t->len > f->max)
		return f->min ? fail(w, up, f, "must be %lld..%lld bytes", (long long)f->min,
				     (long long)f->max)
			      : fail(w, up, f, "must be at most %lld bytes", (long long)f->max);
	if (t->flags & OX_JSON_F_NUL)
		return fail(w, up, f, "must not contain U+0000");
	*(struct ox_str *)at(base, f) = own_str(w, t);
	return 0;
}

static int set_currency(struct walk *w, const struct field *f, size_t ti, void *base,
			const struct path *up)
{
	const struct ox_json_tok *t = &w->toks[ti];
	if (t->type != OX_JSON_STRING || t->len != 3 || t->s[0] < 'A' || t->s[0] > 'Z' ||
	    t->s[1] < 'A' || t->s[1] > 'Z' || t->s[2] < 'A' || t->s[2] > 'Z')
		return fail(w, up, f, "must be 3 upper-case letters (ISO 4217)");
	*(struct ox_str *)at(base, f) = own_str(w, t);
	return 0;
}

/* 0, -1 when s does not match ^[0-9]+(\.[0-9]{1,2})?$, -2 when over
 * MONEY_MAX_FEN. Leading zeros are allowed, as the pattern allows them. */
static int money_parse(const char *s, size_t n, ox_money *out)
{
	size_t i = 0;
	int64_t yuan = 0;
	int over = 0;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
		yuan = yuan * 10 + (s[i] - '0');
		if (yuan > MONEY_MAX_FEN / 100) {
			over = 1;
			yuan = MONEY_MAX_FEN / 100 + 1; /* saturate, keep scanning */
		}
	}
	if (i == 0)
		return -1;
	int64_t frac = 0;
	if (i < n) {
		size_t k = n - i - 1;
		if (s[i] != '.' || k < 1 || k > 2)
			return -1;
		for (size_t j = i + 1; j < n; j++) {
			if (s[j] < '0' || s[j] > '9')
				return -1;
			frac = frac * 10 + (s[j] - '0');
		}
		if (k == 1)
			frac *= 10;
	}
	if (over || yuan * 100 + frac > MONEY_MAX_FEN)
		return -2;
	*out = yuan * 100 + frac;
	return 0;
}

int ox_money_parse(const char *s, size_t n, ox_money *out)
{
	return money_parse(s, n, out) == 0 ? 0 : -1;
}

static int set_money(struct walk *w, const struct field *f, size_t ti, void *base,
		     const struct path *up)
{
	const struct ox_json_tok *t = &w->toks[ti];
	int rc = t->type == OX_JSON_STRING ? money_parse(t->s, t->len, at(base, f)) : -1;
	if (rc == -2)
		return fail(w, up, f, "money must be at most 10000000000000.00");
	if (rc < 0)
		return fail(w, up, f, "money must be a decimal string");
	return 0;
}

static int set_time(struct walk *w, const struct field *f, size_t ti, void *base,
		    const struct path *up)
{
	const struct ox_json_tok *t = &w->toks[ti];
	if (t->type != OX_JSON_STRING || ox_time_parse(t->s, t->len, at(base, f)) < 0)
		return fail(w, up, f, "must be an RFC 3339 timestamp with offset, ms precision at most");
	return 0;
}

static int set_int(struct walk *w, const struct field *f, size_t ti, void *base,
		   const struct path *up)
{
	const struct ox_json_tok *t = &w->toks[ti];
	int64_t v = 0;
	int ok = t->type == OX_JSON_NUMBER && (t->flags & OX_JSON_F_INT);
	if (ok) {
		size_t i = t->s[0] == '-';
		/* 19 digits may overflow; the limits are far below that. */
		ok = t->len - i <= 18;
		for (; ok && i < t->len; i++)
			v = v * 10 + (t->s[i] - '0');
		if (t->s[0] == '-')
			v = -v;
	}
	if (!ok || v < f->min || v > f->max)
		return fail(w, up, f, "must be an integer %lld..%lld", (long long)f->min,
			    (long long)f->max);
	*(int64_t *)at(base, f) = v;
	return 0;
}

static int set_enum(struct walk *w, const struct field *f, size_t ti, void *base,
		    const struct path *up)
{
	const struct ox_json_tok *t = &w->toks[ti];
	for (int i = 0; t->type == OX_JSON_STRING && i < f->max; i++) {
		if (strlen(f->names[i]) == t->len && memcmp(f->names[i], t->s, t->len) == 0) {
			memcpy(at(base, f), &i, sizeof i);
			return 0;
		}
	}
	fail(w, up, f, "must be one of ");
	for (int i = 0; i < f->max; i++)
		err_add(w, "%s%s", i ? ", " : "", f->names[i]);
	return -1;
}

static int set_object(struct walk *w, const struct field *f, size_t ti, void *base,
		      const struct path *up)
{
	if (w->toks[ti].type != OX_JSON_OBJECT)
		return fail(w, up, f, "must be an object");
	struct path here = { up, f->name, 0 };
	return walk_object(w, ti, f->sub, base, &here);
}

static int set_items(struct walk *w, const struct field *f, size_t ti, void *base,
		     const struct path *up)
{
	const struct ox_json_tok *t = &w->toks[ti];
	struct ox_decoder *d = w->d;
	if (t->type != OX_JSON_ARRAY)
		return fail(w, up, f, "must be an array");
	if (t->size < 1 || t->size > d->lim.max_items)
		return fail(w, up, f, "must have 1..%zu entries", d->lim.max_items);
	OX_GROW(d->items, d->items_cap, t->size);
	struct path list = { up, f->name, 0 };
	size_t e = ti + 1;
	for (size_t i = 0; i < t->size; i++, e = w->toks[e].end) {
		struct path elem = { &list, NULL, i };
		if (w->toks[e].type != OX_JSON_OBJECT)
			return fail(w, &elem, NULL, "must be an object");
		if (walk_object(w, e, f->sub, &d->items[i], &elem) < 0)
			return -1;
	}
	struct ox_event *ev = base;
	ev->items = d->items;
	ev->n_items = t->size;
	return 0;
}

static setter_fn *const setters[K__COUNT] = {
	[K_TYPE] = set_type,	 [K_STR] = set_str,	  [K_CURRENCY] = set_currency,
	[K_MONEY] = set_money,	 [K_TIME] = set_time,	  [K_INT] = set_int,
	[K_ENUM] = set_enum,	 [K_OBJECT] = set_object, [K_ITEMS] = set_items,
};

static uint64_t load64(const char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

static uint32_t load32(const char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

/* Field names are short: compare them in two overlapping loads rather than
 * byte by byte (memcmp is a call for a length not known at compile time). */
static bool name_is(const struct field *f, const struct ox_json_tok *key)
{
	size_t n = key->len;
	const char *a = f->name, *b = key->s;
	if (f->name_len != n)
		return false;
	if (n >= 8) {
		for (size_t i = 0; i + 8 < n; i += 8)
			if (load64(a + i) != load64(b + i))
				return false;
		return load64(a + n - 8) == load64(b + n - 8);
	}
	if (n >= 4)
		return load32(a) == load32(b) && load32(a + n - 4) == load32(b + n - 4);
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

/* Sources write fields in a stable order, usually the table's, so the search
 * starts after the previous match (*hint) and wraps around. */
static const struct field *find_field(const struct table *tab, const struct ox_json_tok *key,
				      size_t *hint)
{
	for (size_t k = 0, i = *hint; k < tab->n; k++, i = i + 1 == tab->n ? 0 : i + 1) {
		if (name_is(&tab->f[i], key)) {
			*hint = i + 1 == tab->n ? 0 : i + 1;
			return &tab->f[i];
		}
	}
	return NULL;
}

/* Map the members of the object at toks[ti] through tab. Members in input
 * order, so the first bad one is reported; then missing required fields in
 * table order. Unknown members are skipped (ev->raw keeps them). */
static int walk_object(struct walk *w, size_t ti, const struct table *tab, void *base,
		       const struct path *up)
{
	uint64_t seen = 0;
	size_t k = ti + 1, hint = 0;
	for (uint32_t m = 0; m < w->toks[ti].size; m++) {
		size_t v = k + 1;
		const struct field *f = find_field(tab, &w->toks[k], &hint);
		k = w->toks[v].end;
		if (!f)
			continue;
		uint64_t bit = UINT64_C(1) << (f - tab->f);
		if (seen & bit)
			return fail(w, up, f, "duplicate field");
		seen |= bit;
		if (w->toks[v].type == OX_JSON_NULL) {
			if (f->req)
				return fail(w, up, f, "required");
			continue;
		}
		if (setters[f->kind](w, f, v, base, up) < 0)
			return -1;
		w->ev->has |= f->has;
	}
	for (size_t i = 0; i < tab->n; i++)
		if (tab->f[i].req && !(seen & UINT64_C(1) << i))
			return fail(w, up, &tab->f[i], "required");
	return 0;
}

/* The event type, from the first "type" member (a second one is reported
 * as a duplicate by the walk). */
static int resolve_type(struct walk *w, enum ox_event_type *type)
{
	static const struct field type_field = FIELD("type", K_TYPE, REQ, 0, 0, 0, 0, NULL, NULL);
	const struct ox_json_tok *toks = w->toks;
	size_t k = 1;
	for (uint32_t m = 0; m < toks[0].size; m++, k = toks[k + 1].end) {
		if (!(toks[k].len == 4 && memcmp(toks[k].s, "type", 4) == 0))
			continue;
		const struct ox_json_tok *t = &toks[k + 1];
		if (t->type == OX_JSON_NULL)
			break;
		if (t->type != OX_JSON_STRING)
			return fail(w, NULL, &type_field, "must be a string");
		for (int i = 0; i < OX_EV__COUNT; i++) {
			if (strlen(type_names[i]) == t->len &&
			    memcmp(type_names[i], t->s, t->len) == 0) {
				*type = (enum ox_event_type)i;
				return 0;
			}
		}
		fail(w, NULL, &type_field, "unknown event type ");
		err_quoted(w, t->s, t->len);
		return -1;
	}
	return fail(w, NULL, &type_field, "required");
}

int ox_decode(struct ox_decoder *d, const char *line, size_t len, struct ox_event *ev,
	      char err[OX_ERR_BUFSZ])
{
	err[0] = '\0';
	if (len > d->lim.max_line) {
		snprintf(err, OX_ERR_BUFSZ, "line too long: %zu bytes > %zu", len, d->lim.max_line);
		return -1;
	}
	/* The CR of a CRLF line is framing, not part of the event. */
	if (len && line[len - 1] == '\r')
		len--;
	OX_GROW(d->buf, d->buf_cap, 2 * len + 1);
	memcpy(d->buf, line, len);
	d->work = d->buf + len;
	memcpy(d->work, line, len);
	if (ox_json_parse(&d->json, d->work, len) < 0) {
		snprintf(err, OX_ERR_BUFSZ, "invalid JSON: %s at column %zu", d->json.err,
			 d->json.err_col);
		return -1;
	}
	const struct ox_json_tok *toks = d->json.toks;
	if (toks[0].type != OX_JSON_OBJECT) {
		size_t col = 1; /* where the value starts: after white space */
		for (char ch; (ch = d->work[col - 1]) == ' ' || ch == '\t' || ch == '\n' || ch == '\r';)
			col++;
		snprintf(err, OX_ERR_BUFSZ,
			 "invalid JSON: top-level value must be an object at column %zu", col);
		return -1;
	}
	memset(ev, 0, sizeof *ev);
	ev->ts = ev->pay_by = ev->ship_by = ev->deliver_by = OX_TIME_NONE;
	ev->customer.registered_at = OX_TIME_NONE;
	ev->raw = (struct ox_str){ d->buf, len };
	struct walk w = { d, ev, toks, err, 0 };
	if (resolve_type(&w, &ev->type) < 0)
		return -1;
	if (walk_object(&w, 0, type_tables[ev->type], ev, NULL) < 0)
		return -1;
	if (ev->type == OX_EV_ORDER_CREATED && !(ev->has & OX_HAS_CURRENCY))
		ev->currency = OX_STR_LIT("CNY"); /* the contract's default */
	return 0;
}

bool ox_line_is_blank(const char *line, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
			return false;
	return true;
}

const size_t ox_event_string_offsets[] = {
	offsetof(struct ox_event, id),
	offsetof(struct ox_event, order_id),
	offsetof(struct ox_event, source),
	offsetof(struct ox_event, channel),
	offsetof(struct ox_event, shop),
	offsetof(struct ox_event, customer.id),
	offsetof(struct ox_event, customer.name),
	offsetof(struct ox_event, customer.phone),
	offsetof(struct ox_event, customer.ip),
	offsetof(struct ox_event, customer.device_id),
	offsetof(struct ox_event, customer.address.province),
	offsetof(struct ox_event, customer.address.city),
	offsetof(struct ox_event, customer.address.district),
	offsetof(struct ox_event, customer.address.detail),
	offsetof(struct ox_event, currency),
	offsetof(struct ox_event, coupon_code),
	offsetof(struct ox_event, remark),
	offsetof(struct ox_event, error_code),
	offsetof(struct ox_event, error_message),
	offsetof(struct ox_event, payment_id),
	offsetof(struct ox_event, method),
	offsetof(struct ox_event, reason),
	offsetof(struct ox_event, refund_id),
	offsetof(struct ox_event, sku),
	offsetof(struct ox_event, warehouse),
	offsetof(struct ox_event, shipment_id),
	offsetof(struct ox_event, carrier),
	offsetof(struct ox_event, tracking_no),
	offsetof(struct ox_event, location),
	offsetof(struct ox_event, description),
	offsetof(struct ox_event, system),
	offsetof(struct ox_event, sync_error),
	offsetof(struct ox_event, ticket_id),
	offsetof(struct ox_event, text),
};
const size_t ox_event_string_count = OX_ARRAY_LEN(ox_event_string_offsets);

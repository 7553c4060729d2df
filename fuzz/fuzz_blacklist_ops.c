/* fuzz_blacklist_ops.c - libFuzzer harness for the texts that change the
 * live blacklist (src/blacklist_io.c): the first byte picks the reader, the
 * rest is its input.
 *   'c' a CSV import body (ox_bl_csv_parse), e.g.
 *       kind,value,reason,expires_at\nphone,13800000000,"拒收, ""3"" 次",
 *   'r' a log record of a change (ox_bl_op_parse), e.g.
 *       {"op":"add","at":1794362400000,"by":"li.na","entries":[{"kind":"ip",
 *        "value":"10.0.0.7","reason":"","expires_at":null}]}
 *   'j' a request body of POST /api/v1/blacklist (ox_bl_request_parse)
 * anything else: all three on the rest.
 *
 * Besides what ASan and UBSan catch, it checks the readers' promises. Every
 * error message is non-empty, one line, valid UTF-8 (checked by an
 * independent decoder), and leaves the op empty (CSV: as it was). Every
 * item read has a known kind, a value of 1..OX_BL_VALUE_MAX bytes of text,
 * a reason of at most OX_BL_REASON_MAX bytes of text; a value read through
 * normalization is its own stored form (but for a phone that keeps a
 * country prefix after one pass: "86 8612345"). A CSV report lists at most
 * OX_BL_CSV_ERRORS_MAX errors with lines of the body, in order. Then:
 *   - a record written back parses to the same op and is written the same;
 *   - the items, exported as CSV records and imported again, come back the
 *     same, quotes, commas and line breaks included;
 *   - applied to a list, the op changes it all or not at all: the list holds
 *     as many entries as distinct values, in strictly increasing list
 *     order, and a removal of the same items empties it.
 */
#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "blacklist.h"
#include "fuzz_utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define T0 INT64_C(1794362400000)

static void check_error(const char *err)
{
	size_t n = strnlen(err, 256);
	assert(n > 0 && n < 256);
	assert(!memchr(err, '\n', n) && !memchr(err, '\r', n));
	assert(fuzz_valid_utf8((const unsigned char *)err, n));
}

static bool text_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7F)
			return false;
	return fuzz_valid_utf8((const unsigned char *)s, n);
}

/* A phone that the normalizer would shorten again. */
static bool phone_prefixed(const struct ox_bl_item *it)
{
	return it->kind == OX_BL_PHONE && (it->value[0] == '8' || it->value[0] == '+' || it->value[0] == '0');
}

static void check_items(const struct ox_bl_op *op, bool normalized)
{
	for (size_t i = 0; i < op->n; i++) {
		const struct ox_bl_item *it = &op->items[i];
		assert((unsigned)it->kind < OX_BL__KINDS);
		assert(it->value && it->len >= 1 && it->len <= OX_BL_VALUE_MAX && strlen(it->value) == it->len);
		assert(text_ok(it->value, it->len));
		assert(it->reason_len <= OX_BL_REASON_MAX && (it->reason_len == 0) == (it->reason == NULL));
		if (it->reason)
			assert(strlen(it->reason) == it->reason_len && text_ok(it->reason, it->reason_len));
		assert(it->ttl_ms >= 0);
		if (!normalized || phone_prefixed(it))
			continue;
		char v[OX_BL_NORM_BUF];
		size_t n;
		assert(ox_bl_normalize(it->kind, (struct ox_str){ it->value, it->len }, v, &n) == OX_BL_OK);
		assert(n == it->len && memcmp(v, it->value, n) == 0);
	}
}

static void check_same(const struct ox_bl_op *a, const struct ox_bl_op *b, bool meta)
{
	assert(a->n == b->n);
	if (meta)
		assert(a->op == b->op && a->at == b->at && strcmp(a->actor, b->actor) == 0);
	for (size_t i = 0; i < a->n; i++) {
		const struct ox_bl_item *x = &a->items[i], *y = &b->items[i];
		assert(x->kind == y->kind && x->len == y->len && memcmp(x->value, y->value, x->len) == 0);
		if (a->op == OX_BL_OP_REMOVE)
			continue;
		assert(x->reason_len == y->reason_len && (!x->reason_len || memcmp(x->reason, y->reason, x->reason_len) == 0));
		assert(x->expires_at == y->expires_at);
	}
}

/* Written, read back, written again: the same. */
static void record_round_trip(const struct ox_bl_op *op)
{
	struct ox_buf out, again;
	ox_buf_init(&out, SIZE_MAX);
	ox_buf_init(&again, SIZE_MAX);
	ox_bl_op_write(op, SIZE_MAX, &out);
	assert(fuzz_valid_utf8((const unsigned char *)out.data, out.len));
	struct ox_bl_op back;
	char err[256];
	assert(ox_bl_op_parse(&back, out.data, out.len, err) == 0);
	check_same(op, &back, true);
	ox_bl_op_write(&back, SIZE_MAX, &again);
	assert(again.len == out.len && memcmp(again.data, out.data, out.len) == 0);
	ox_bl_op_release(&back);
	ox_buf_release(&out);
	ox_buf_release(&again);
}

/* As CSV records and back. */
static void csv_round_trip(const struct ox_bl_op *op)
{
	struct ox_buf csv;
	ox_buf_init(&csv, SIZE_MAX);
	ox_buf_addz(&csv, OX_BL_CSV_HEADER);
	size_t kept = 0;
	for (size_t i = 0; i < op->n; i++) {
		if (phone_prefixed(&op->items[i]))
			continue;
		struct ox_bl_entry e;
		ox_bl_item_entry(op, i, &e);
		ox_bl_entry_csv(&e, &csv);
		kept++;
	}
	struct ox_bl_op back;
	struct ox_bl_csv_report *rep = malloc(sizeof *rep);
	char err[256];
	ox_bl_op_init(&back, OX_BL_OP_ADD);
	assert(ox_bl_csv_parse(&back, csv.data, csv.len, OX_TIME_NONE, rep, err) == 0);
	assert(rep->rejected == 0 && back.n == kept);
	for (size_t i = 0, j = 0; i < op->n; i++) {
		if (phone_prefixed(&op->items[i]))
			continue;
		const struct ox_bl_item *x = &op->items[i], *y = &back.items[j++];
		assert(x->kind == y->kind && x->len == y->len && memcmp(x->value, y->value, x->len) == 0);
		assert(x->reason_len == y->reason_len && (!x->reason_len || memcmp(x->reason, y->reason, x->reason_len) == 0));
		/* times go out at millisecond precision in +08:00 and come back */
		assert(x->expires_at == y->expires_at);
	}
	ox_bl_op_release(&back);
	free(rep);
	ox_buf_release(&csv);
}

struct order_check {
	bool any;
	int kind;
	char last[OX_BL_VALUE_MAX + 1];
	size_t len, n;
};

static void order_fn(void *ctx, const struct ox_bl_entry *e)
{
	struct order_check *c = ctx;
	if (c->any) {
		int cmp = (int)e->kind - c->kind;
		if (cmp == 0) {
			size_t m = e->value.len < c->len ? e->value.len : c->len;
			cmp = memcmp(e->value.s, c->last, m);
			if (cmp == 0)
				cmp = e->value.len > c->len ? 1 : -1;
		}
		assert(cmp > 0);
	}
	c->any = true;
	c->kind = (int)e->kind;
	memcpy(c->last, e->value.s, e->value.len);
	c->len = e->value.len;
	c->n++;
}

/* Applied, the op adds exactly its distinct entries; removed, they go.
 * True when it applied (its ttls are expiries then). */
static bool apply_check(struct ox_bl_op *op)
{
	struct ox_blacklist *bl = ox_blacklist_new();
	struct ox_bl_counts c;
	char err[256];
	op->at = T0;
	enum ox_bl_op_kind kind = op->op;
	op->op = OX_BL_OP_ADD;
	int rc = ox_blacklist_apply(bl, op, &c, err);
	if (rc) {
		/* all or nothing: an expiry at or before the change */
		assert(rc == OX_BL_EEXPIRED || rc == OX_BL_EINVAL);
		check_error(err);
		assert(ox_blacklist_count(bl) == 0);
	} else {
		assert(c.added + c.updated == op->n);
		assert(ox_blacklist_count(bl) == c.added);
		struct order_check oc = { .any = false };
		struct ox_bl_query q = { .kind = -1, .after_kind = -1 };
		assert(!ox_blacklist_list(bl, &q, order_fn, &oc));
		assert(oc.n == c.added);
		size_t expiring = 0;
		for (size_t i = 0; i < op->n; i++)
			expiring += op->items[i].expires_at != OX_TIME_NONE;
		op->op = OX_BL_OP_REMOVE;
		assert(ox_blacklist_apply(bl, op, &c, err) == 0);
		assert(c.removed == oc.n && ox_blacklist_count(bl) == 0);
		assert(ox_blacklist_expire(bl, INT64_MAX) == 0);
		(void)expiring;
	}
	op->op = kind;
	ox_blacklist_free(bl);
	return rc == 0;
}

static void run_csv(const char *buf, size_t len)
{
	struct ox_bl_op op;
	struct ox_bl_csv_report *rep = malloc(sizeof *rep);
	char err[256];
	ox_bl_op_init(&op, OX_BL_OP_ADD);
	memset(err, 'x', sizeof err);
	size_t lines = 1;
	for (size_t i = 0; i < len; i++)
		lines += buf[i] == '\n';
	if (ox_bl_csv_parse(&op, buf, len, T0, rep, err)) {
		check_error(err);
		assert(op.n == 0);
	} else {
		assert(rep->n_errors <= OX_BL_CSV_ERRORS_MAX && rep->n_errors <= rep->rejected);
		assert(op.n + rep->rejected == rep->records && rep->records <= OX_BL_CSV_ROWS_MAX);
		for (size_t i = 0; i < rep->n_errors; i++) {
			assert(rep->errors[i].line >= 2 && rep->errors[i].line <= lines);
			assert(i == 0 || rep->errors[i].line > rep->errors[i - 1].line);
			check_error(rep->errors[i].error);
		}
		check_items(&op, true);
		for (size_t i = 0; i < op.n; i++)
			assert(op.items[i].expires_at == OX_TIME_NONE || op.items[i].expires_at > T0);
		csv_round_trip(&op);
		apply_check(&op);
	}
	ox_bl_op_release(&op);
	free(rep);
}

static void run_record(const char *buf, size_t len)
{
	struct ox_bl_op op;
	char err[256];
	memset(err, 'x', sizeof err);
	if (ox_bl_op_parse(&op, buf, len, err)) {
		check_error(err);
		assert(op.n == 0);
		return;
	}
	assert(op.n >= 1 && op.n <= OX_BL_OP_MAX && (unsigned)op.op < OX_BL__OPS);
	assert(op.actor[0] && memchr(op.actor, '\0', sizeof op.actor));
	check_items(&op, false);
	record_round_trip(&op);
	apply_check(&op);
	ox_bl_op_release(&op);
}

static void run_request(const char *buf, size_t len)
{
	struct ox_bl_op op;
	char err[256];
	memset(err, 'x', sizeof err);
	if (ox_bl_request_parse(&op, buf, len, 1000, err)) {
		check_error(err);
		assert(op.n == 0);
		return;
	}
	assert(op.n >= 1 && op.n <= 1000 && op.op == OX_BL_OP_ADD);
	check_items(&op, true);
	for (size_t i = 0; i < op.n; i++)
		assert(op.items[i].expires_at == OX_TIME_NONE ||
		       (op.items[i].expires_at >= 0 && op.items[i].expires_at <= OX_BL_TIME_LAST));
	/* what the writer does: the actor set, applied (ttls resolved), logged */
	memcpy(op.actor, "fuzz", 5);
	if (apply_check(&op))
		record_round_trip(&op);
	ox_bl_op_release(&op);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	/* A copy of exactly size - 1 bytes, so ASan sees any read past the end. */
	size_t len = size - 1;
	char *buf = malloc(len ? len : 1);
	memcpy(buf, data + 1, len);
	switch (data[0]) {
	case 'c':
		run_csv(buf, len);
		break;
	case 'r':
		run_record(buf, len);
		break;
	case 'j':
		run_request(buf, len);
		break;
	default:
		run_csv(buf, len);
		run_record(buf, len);
		run_request(buf, len);
	}
	free(buf);
	return 0;
}

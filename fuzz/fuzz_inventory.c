/* fuzz_inventory.c - libFuzzer harness for the inventory's operations
 * (src/inventory.h): one input is read as a request body of each write
 * (reserve, confirm, release, levels) and as a log record, e.g.
 *   {"order_id":"O1","channel":"tmall","items":[{"sku":"A","qty":2}],"ttl":900}
 *   {"op":"levels","at":1762790400000,"levels":[{"sku":"A","on_hand":9,"quotas":{"jd":4}}]}
 *
 * Besides what ASan and UBSan catch, it checks the parser's promises. After
 * a success: every string is non-empty, NUL-terminated inside its array and
 * valid UTF-8; items and levels are within their counts with distinct SKUs;
 * qty, ttl, on_hand, quotas and low_stock are within their ranges and the
 * quotas add up to at most on_hand. Written as a record, the operation is
 * valid UTF-8 that parses again to a record written the same. After an
 * error: nothing allocated is left and the message is non-empty, one line,
 * valid UTF-8.
 *
 * Each accepted operation is also applied to a small inventory (a level for
 * "A" and "B"), whose counts must stay consistent: reserved >= 0, and
 * reserved + confirmed + available equal to the on_hand last set, checked
 * through a read after every write.
 */
#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_utf8.h"
#include "inventory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_text(const char *z, size_t cap)
{
	size_t n = strnlen(z, cap);
	assert(n > 0 && n < cap);
	assert(fuzz_valid_utf8((const unsigned char *)z, n));
}

static void check_error(const char err[256])
{
	size_t n = strnlen(err, 256);
	assert(n > 0 && n < 256);
	assert(!memchr(err, '\n', n) && !memchr(err, '\r', n));
	assert(fuzz_valid_utf8((const unsigned char *)err, n));
}

static void check_op(const struct ox_inv_op *op)
{
	assert((unsigned)op->kind <= OX_INV_LEVELS);
	if (op->kind == OX_INV_LEVELS) {
		assert(op->n_levels >= 1 && op->n_levels <= OX_INV_LEVELS_MAX);
		for (size_t i = 0; i < op->n_levels; i++) {
			const struct ox_inv_level *l = &op->levels[i];
			check_text(l->sku, sizeof l->sku);
			assert(l->on_hand >= 0 && l->on_hand <= OX_INV_ON_HAND_MAX);
			assert(l->low_stock >= -1 && l->low_stock <= OX_INV_ON_HAND_MAX);
			assert(l->n_quotas <= OX_INV_QUOTAS_MAX);
			int64_t sum = 0;
			for (size_t q = 0; q < l->n_quotas; q++) {
				check_text(l->quotas[q].channel, sizeof l->quotas[q].channel);
				assert(l->quotas[q].units >= 0);
				sum += l->quotas[q].units;
				for (size_t p = 0; p < q; p++)
					assert(strcmp(l->quotas[p].channel, l->quotas[q].channel) != 0);
			}
			assert(sum <= l->on_hand);
			for (size_t j = 0; j < i; j++)
				assert(strcmp(op->levels[j].sku, l->sku) != 0);
		}
		return;
	}
	check_text(op->order_id, sizeof op->order_id);
	if (op->kind != OX_INV_RESERVE)
		return;
	check_text(op->channel, sizeof op->channel);
	assert(op->ttl >= 1 && op->ttl <= OX_INV_TTL_MAX);
	assert(op->n_items >= 1 && op->n_items <= OX_INV_ITEMS_MAX);
	for (size_t i = 0; i < op->n_items; i++) {
		check_text(op->items[i].sku, sizeof op->items[i].sku);
		assert(op->items[i].qty >= 1 && op->items[i].qty <= OX_INV_QTY_MAX);
		for (size_t j = 0; j < i; j++)
			assert(strcmp(op->items[j].sku, op->items[i].sku) != 0);
	}
}

static void check_record(const struct ox_inv_op *op)
{
	struct ox_buf a, b;
	ox_buf_init(&a, SIZE_MAX);
	ox_buf_init(&b, SIZE_MAX);
	ox_inv_op_write(op, &a);
	assert(fuzz_valid_utf8((const unsigned char *)a.data, a.len));
	struct ox_inv_op again;
	char err[256];
	int rc = ox_inv_op_parse_record(&again, a.data, a.len, err);
	assert(rc == 0);
	assert(again.kind == op->kind && again.at == op->at);
	ox_inv_op_write(&again, &b);
	assert(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
	ox_inv_op_release(&again);
	ox_buf_release(&a);
	ox_buf_release(&b);
}

static long long member(const char *json, const char *key)
{
	const char *p = strstr(json, key);
	assert(p);
	return strtoll(p + strlen(key), NULL, 10);
}

/* The counts of each known SKU add up to what its level was set to. */
static void check_counts(struct ox_inventory *inv, const int64_t set[2], ox_time at)
{
	static const char *const skus[] = { "A", "B" };
	for (int i = 0; i < 2; i++) {
		struct ox_inv_op read = { .kind = OX_INV_GET_LEVEL, .at = at };
		strcpy(read.sku, skus[i]);
		struct ox_buf body;
		ox_buf_init(&body, SIZE_MAX);
		struct ox_inv_result res = { .body = &body };
		ox_inventory_apply(inv, &read, &res, NULL);
		ox_buf_addz(&body, "");
		assert(res.status == 200);
		long long reserved = member(body.data, "\"reserved\":"), confirmed = member(body.data, "\"confirmed\":"),
			  available = member(body.data, "\"available\":");
		assert(reserved >= 0);
		if (set[i] >= 0)
			assert(reserved + confirmed + available == set[i]);
		ox_buf_release(&body);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	struct ox_inventory *inv = ox_inventory_new();
	struct ox_buf body, events;
	ox_buf_init(&body, SIZE_MAX);
	ox_buf_init(&events, SIZE_MAX);
	const char *setup = "{\"levels\":[{\"sku\":\"A\",\"on_hand\":5,\"quotas\":{\"tmall\":2},\"low_stock\":2},"
			    "{\"sku\":\"B\",\"on_hand\":1}]}";
	int64_t set[2] = { 5, 1 }; /* -1: changed by a level the input set, left unchecked */
	struct ox_inv_op op;
	char err[256];
	assert(ox_inv_op_parse_body(&op, OX_INV_LEVELS, setup, strlen(setup), err) == 0);
	struct ox_inv_result res = { .body = &body };
	ox_inventory_apply(inv, &op, &res, &events);
	ox_inv_op_release(&op);

	ox_time at = 1762790400000;
	for (int k = 0; k <= OX_INV_LEVELS + 1; k++) {
		bool record = k > OX_INV_LEVELS;
		memset(err, 0, sizeof err);
		int rc = record ? ox_inv_op_parse_record(&op, in, size, err)
				: ox_inv_op_parse_body(&op, (enum ox_inv_op_kind)k, in, size, err);
		if (rc) {
			check_error(err);
			continue;
		}
		check_op(&op);
		if (!record)
			op.at = at;
		check_record(&op);
		at = at > op.at ? at + 1000 : op.at; /* the clock never goes back */
		op.at = at;
		if (op.kind == OX_INV_LEVELS)
			for (size_t i = 0; i < op.n_levels; i++)
				for (int s = 0; s < 2; s++)
					if (strcmp(op.levels[i].sku, s ? "B" : "A") == 0)
						set[s] = -1;
		ox_buf_reset(&body);
		res = (struct ox_inv_result){ .body = &body };
		ox_inventory_apply(inv, &op, &res, &events);
		assert(res.status == 200 || res.status == 404 || res.status == 409);
		ox_inv_op_release(&op);
		check_counts(inv, set, at);
	}
	ox_inventory_advance(inv, at + OX_INV_KEEP_MS + (int64_t)OX_INV_TTL_MAX * 1000, &events);
	check_counts(inv, set, at + OX_INV_KEEP_MS + (int64_t)OX_INV_TTL_MAX * 1000);
	ox_inventory_free(inv);
	ox_buf_release(&body);
	ox_buf_release(&events);
	return 0;
}

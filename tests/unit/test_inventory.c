/* test_inventory.c - stock levels, reservations, quotas, expiry, the
 * operation records, and that a replay of the records gives the same
 * answers and events. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "inventory.h"

#define T0 1762790400000LL /* 2025-11-11T00:00:00+08:00 */

struct run {
	struct ox_inventory *inv;
	struct ox_buf body, events, records;
	int status;
	bool changed;
};

static void run_init(struct run *r)
{
	memset(r, 0, sizeof *r);
	r->inv = ox_inventory_new();
	ox_buf_init(&r->body, SIZE_MAX);
	ox_buf_init(&r->events, SIZE_MAX);
	ox_buf_init(&r->records, SIZE_MAX);
}

static void run_release(struct run *r)
{
	ox_inventory_free(r->inv);
	ox_buf_release(&r->body);
	ox_buf_release(&r->events);
	ox_buf_release(&r->records);
}

/* Apply the body of kind at time at; the record of a change is kept (one
 * per line) for a replay. Returns the status; the answer is in r->body. */
static int op(struct run *r, enum ox_inv_op_kind kind, const char *json, ox_time at)
{
	struct ox_inv_op o;
	char err[256];
	if (ox_inv_op_parse_body(&o, kind, json, strlen(json), err)) {
		fail_msg("%s: %s", json, err);
	}
	o.at = at;
	ox_buf_reset(&r->body);
	struct ox_inv_result res = { .body = &r->body };
	ox_inventory_apply(r->inv, &o, &res, &r->events);
	ox_buf_addz(&r->body, ""); /* NUL-terminated for strstr */
	if (res.changed) {
		ox_inv_op_write(&o, &r->records);
		ox_buf_addz(&r->records, "\n");
	}
	ox_inv_op_release(&o);
	r->changed = res.changed;
	return r->status = res.status;
}

static int get(struct run *r, enum ox_inv_op_kind kind, const char *key, ox_time at)
{
	struct ox_inv_op o = { .kind = kind, .at = at, .limit = 1000 };
	snprintf(kind == OX_INV_GET_RESERVATION ? o.order_id : o.sku, sizeof o.sku, "%s", key);
	ox_buf_reset(&r->body);
	struct ox_inv_result res = { .body = &r->body };
	ox_inventory_apply(r->inv, &o, &res, NULL);
	ox_buf_addz(&r->body, "");
	assert_false(res.changed);
	return r->status = res.status;
}

static void has(const struct run *r, const char *needle)
{
	if (!strstr(r->body.data, needle))
		fail_msg("expected %s in %s", needle, r->body.data);
}

static long long num(const struct run *r, const char *key)
{
	char k[64];
	snprintf(k, sizeof k, "\"%s\":", key);
	const char *p = strstr(r->body.data, k);
	if (!p)
		fail_msg("no %s in %s", key, r->body.data);
	return strtoll(p + strlen(k), NULL, 10);
}

static void test_body_errors(void **state)
{
	(void)state;
	static const struct {
		enum ox_inv_op_kind kind;
		const char *json, *err;
	} cases[] = {
		{ OX_INV_RESERVE, "[]", "expected a JSON object" },
		{ OX_INV_RESERVE, "{\"channel\":\"tmall\",\"items\":[{\"sku\":\"A\",\"qty\":1}]}", "needs \"order_id\"" },
		{ OX_INV_RESERVE, "{\"order_id\":\"O\",\"channel\":\"t\",\"items\":[{\"sku\":\"A\",\"qty\":0}]}",
		  "items[0].qty: expected an integer 1..1000000" },
		{ OX_INV_RESERVE, "{\"order_id\":\"O\",\"channel\":\"t\",\"items\":[{\"sku\":\"A\",\"qty\":1.5}]}",
		  "items[0].qty: expected an integer" },
		{ OX_INV_RESERVE,
		  "{\"order_id\":\"O\",\"channel\":\"t\",\"items\":[{\"sku\":\"A\",\"qty\":1},{\"sku\":\"A\",\"qty\":2}]}",
		  "items[1].sku: A is also items[0]" },
		{ OX_INV_RESERVE, "{\"order_id\":\"O\",\"channel\":\"t\",\"items\":[]}", "items: expected an array" },
		{ OX_INV_RESERVE, "{\"order_id\":\"O\",\"channel\":\"t\",\"items\":[{\"qty\":1}]}",
		  "items[0]: needs \"sku\"" },
		{ OX_INV_RESERVE, "{\"order_id\":\"O\",\"channel\":\"t\",\"items\":[{\"sku\":\"A\",\"qty\":1}],\"ttl\":604801}",
		  "ttl: expected an integer 1..604800" },
		{ OX_INV_RESERVE, "{\"order_id\":\"\",\"channel\":\"t\",\"items\":[{\"sku\":\"A\",\"qty\":1}]}",
		  "order_id: expected 1..64 bytes" },
		{ OX_INV_RESERVE, "{\"order_id\":\"a\\u0000b\",\"channel\":\"t\",\"items\":[{\"sku\":\"A\",\"qty\":1}]}",
		  "order_id: expected 1..64 bytes" },
		{ OX_INV_RESERVE, "{\"order_id\":\"O\",\"channel\":\"t\",\"items\":[{\"sku\":\"A\",\"qty\":1},{\"sku\":7,\"qty\":1}]}",
		  "items[1].sku: expected a string" },
		{ OX_INV_RESERVE, "{\"order_id\":\"O\",\"channel\":\"\",\"items\":[{\"sku\":\"A\",\"qty\":1}]}",
		  "channel: expected 1..32 bytes" },
		{ OX_INV_CONFIRM, "{}", "needs \"order_id\"" },
		{ OX_INV_LEVELS, "{\"levels\":[{\"sku\":\"A\",\"on_hand\":5,\"quotas\":{\"tmall\":-4}}]}",
		  "levels[0].quotas.tmall: expected an integer 0.." },
		{ OX_INV_LEVELS, "{\"levels\":[{\"sku\":\"A\",\"on_hand\":5},{\"sku\":\"B\",\"on_hand\":5,\"quotas\":{\"\":1}}]}",
		  "levels[1].quotas: expected 1..32 bytes" },
		{ OX_INV_LEVELS, "{\"levels\":[{\"sku\":\"A\",\"on_hand\":5,\"low_stock\":\"2\"}]}",
		  "levels[0].low_stock: expected an integer 0.." },
		{ OX_INV_LEVELS, "{\"levels\":[{\"sku\":\"A\",\"on_hand\":5,\"quotas\":{\"tmall\":4,\"jd\":2}}]}",
		  "levels[0].quotas: they add up to 6, more than on_hand 5" },
		{ OX_INV_LEVELS, "{\"levels\":[{\"sku\":\"A\",\"on_hand\":-1}]}", "levels[0].on_hand: expected an integer" },
		{ OX_INV_LEVELS, "{\"levels\":[{\"sku\":\"A\",\"on_hand\":1},{\"sku\":\"A\",\"on_hand\":2}]}",
		  "levels[1].sku: A is also levels[0]" },
		{ OX_INV_LEVELS, "{\"levels\":[{\"on_hand\":1}]}", "levels[0]: needs \"sku\"" },
		{ OX_INV_LEVELS, "{\"levels\":[{\"sku\":\"A\",\"on_hand\":1}],\"levels\":[]}", "levels: twice" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct ox_inv_op o;
		char err[256];
		if (ox_inv_op_parse_body(&o, cases[i].kind, cases[i].json, strlen(cases[i].json), err) == 0)
			fail_msg("accepted %s", cases[i].json);
		if (!strstr(err, cases[i].err))
			fail_msg("%s: got \"%s\", expected \"%s\"", cases[i].json, err, cases[i].err);
		assert_null(o.items);
		assert_null(o.levels);
	}
	/* "op" and "at" in a body are not the caller's to set: ignored, as
	 * unknown members are */
	struct ox_inv_op o;
	char err[256];
	const char *body = "{\"op\":\"levels\",\"at\":5,\"order_id\":\"O\",\"x\":[1]}";
	assert_int_equal(ox_inv_op_parse_body(&o, OX_INV_CONFIRM, body, strlen(body), err), 0);
	assert_int_equal(o.kind, OX_INV_CONFIRM);
	assert_int_equal(o.at, 0);
}

static void test_record_round_trip(void **state)
{
	(void)state;
	const char *bodies[] = {
		"{\"order_id\":\"订单-1\",\"channel\":\"tmall\",\"items\":[{\"sku\":\"A\\\"B\",\"qty\":3},{\"sku\":\"C\",\"qty\":1}],\"ttl\":60}",
		"{\"levels\":[{\"sku\":\"A\",\"on_hand\":9,\"low_stock\":2,\"quotas\":{\"tmall\":4,\"jd\":0}},{\"sku\":\"B\",\"on_hand\":0}]}",
		"{\"order_id\":\"O\"}",
	};
	enum ox_inv_op_kind kinds[] = { OX_INV_RESERVE, OX_INV_LEVELS, OX_INV_RELEASE };
	for (size_t i = 0; i < 3; i++) {
		struct ox_inv_op a, b;
		char err[256];
		assert_int_equal(ox_inv_op_parse_body(&a, kinds[i], bodies[i], strlen(bodies[i]), err), 0);
		a.at = T0 + 7;
		struct ox_buf r1, r2;
		ox_buf_init(&r1, SIZE_MAX);
		ox_buf_init(&r2, SIZE_MAX);
		ox_inv_op_write(&a, &r1);
		if (ox_inv_op_parse_record(&b, r1.data, r1.len, err))
			fail_msg("%.*s: %s", (int)r1.len, r1.data, err);
		assert_int_equal(b.kind, kinds[i]);
		assert_int_equal(b.at, T0 + 7);
		ox_inv_op_write(&b, &r2);
		assert_int_equal(r1.len, r2.len);
		assert_memory_equal(r1.data, r2.data, r1.len);
		ox_buf_release(&r1);
		ox_buf_release(&r2);
		ox_inv_op_release(&a);
		ox_inv_op_release(&b);
	}
	/* a record needs its op and its time */
	struct ox_inv_op o;
	char err[256];
	const char *bad[] = { "{\"at\":1,\"order_id\":\"O\"}", "{\"op\":\"confirm\",\"order_id\":\"O\"}",
			      "{\"op\":\"get_level\",\"at\":1}" };
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(ox_inv_op_parse_record(&o, bad[i], strlen(bad[i]), err), -1);
}

static void test_all_or_nothing(void **state)
{
	(void)state;
	struct run r;
	run_init(&r);
	assert_int_equal(op(&r, OX_INV_LEVELS, "{\"levels\":[{\"sku\":\"A\",\"on_hand\":5},{\"sku\":\"B\",\"on_hand\":1}]}", T0),
			 200);
	assert_int_equal(op(&r, OX_INV_RESERVE,
			    "{\"order_id\":\"O1\",\"channel\":\"shop\",\"items\":[{\"sku\":\"A\",\"qty\":2},{\"sku\":\"B\",\"qty\":2}]}",
			    T0 + 1),
			 409);
	has(&r, "\"shortages\":[{\"sku\":\"B\",\"asked\":2,\"available\":1,\"reason\":\"insufficient\"}]");
	assert_true(r.changed); /* the failure is an event for detection */
	assert_non_null(strstr(r.events.data, "\"type\":\"inventory.reserve_failed\""));
	assert_null(strstr(r.events.data, "\"sku\":\"A\"")); /* only what failed */
	assert_int_equal(get(&r, OX_INV_GET_LEVEL, "A", T0 + 1), 200);
	assert_int_equal(num(&r, "reserved"), 0);
	assert_int_equal(get(&r, OX_INV_GET_RESERVATION, "O1", T0 + 1), 404);
	/* unknown SKU: its own reason */
	assert_int_equal(op(&r, OX_INV_RESERVE, "{\"order_id\":\"O2\",\"channel\":\"shop\",\"items\":[{\"sku\":\"Z\",\"qty\":1}]}",
			    T0 + 2),
			 409);
	has(&r, "\"reason\":\"unknown_sku\"");
	/* the failure is not kept: a retry with stock back succeeds */
	assert_int_equal(op(&r, OX_INV_RESERVE,
			    "{\"order_id\":\"O1\",\"channel\":\"shop\",\"items\":[{\"sku\":\"A\",\"qty\":2},{\"sku\":\"B\",\"qty\":1}]}",
			    T0 + 3),
			 200);
	has(&r, "\"status\":\"held\"");
	assert_int_equal(get(&r, OX_INV_GET_LEVEL, "B", T0 + 3), 200);
	assert_int_equal(num(&r, "available"), 0);
	run_release(&r);
}

static void test_quotas_and_shared_pool(void **state)
{
	(void)state;
	struct run r;
	run_init(&r);
	op(&r, OX_INV_LEVELS, "{\"levels\":[{\"sku\":\"A\",\"on_hand\":10,\"quotas\":{\"tmall\":5,\"jd\":3}}]}", T0);
	char body[256];
	int held[3] = { 0 };
	const char *ch[] = { "tmall", "jd", "pdd" };
	for (int i = 0; i < 30; i++) {
		snprintf(body, sizeof body, "{\"order_id\":\"O%d\",\"channel\":\"%s\",\"items\":[{\"sku\":\"A\",\"qty\":1}]}",
			 i, ch[i % 3]);
		if (op(&r, OX_INV_RESERVE, body, T0 + 1) == 200)
			held[i % 3]++;
	}
	assert_int_equal(held[0], 5);
	assert_int_equal(held[1], 3);
	assert_int_equal(held[2], 2); /* the shared pool: 10 - 5 - 3 */
	get(&r, OX_INV_GET_LEVEL, "A", T0 + 1);
	assert_int_equal(num(&r, "available"), 0);
	has(&r, "\"tmall\":{\"quota\":5,\"reserved\":5,\"available\":0}");
	has(&r, "\"shared\":{\"capacity\":2,\"reserved\":2,\"available\":0}");
	/* a confirmation lowers the quota with on_hand: the split stays */
	assert_int_equal(op(&r, OX_INV_CONFIRM, "{\"order_id\":\"O0\"}", T0 + 2), 200);
	get(&r, OX_INV_GET_LEVEL, "A", T0 + 2);
	assert_int_equal(num(&r, "on_hand"), 9);
	assert_int_equal(num(&r, "confirmed"), 1);
	has(&r, "\"tmall\":{\"quota\":4,\"reserved\":4,\"available\":0}");
	has(&r, "\"shared\":{\"capacity\":2,");
	/* a release of a confirmed reservation gives the unit back to stock */
	assert_int_equal(op(&r, OX_INV_RELEASE, "{\"order_id\":\"O0\"}", T0 + 3), 200);
	has(&r, "\"status\":\"released\"");
	get(&r, OX_INV_GET_LEVEL, "A", T0 + 3);
	assert_int_equal(num(&r, "on_hand"), 10);
	assert_int_equal(num(&r, "confirmed"), 0);
	has(&r, "\"tmall\":{\"quota\":5,\"reserved\":4,\"available\":1}");
	/* new quotas under held reservations: the held units stay counted */
	op(&r, OX_INV_LEVELS, "{\"levels\":[{\"sku\":\"A\",\"on_hand\":10}]}", T0 + 4);
	get(&r, OX_INV_GET_LEVEL, "A", T0 + 4);
	has(&r, "\"shared\":{\"capacity\":10,\"reserved\":9,\"available\":1}");
	run_release(&r);
}

static void test_idempotency_and_settling(void **state)
{
	(void)state;
	struct run r;
	run_init(&r);
	op(&r, OX_INV_LEVELS, "{\"levels\":[{\"sku\":\"A\",\"on_hand\":3}]}", T0);
	const char *o1 = "{\"order_id\":\"O1\",\"channel\":\"jd\",\"items\":[{\"sku\":\"A\",\"qty\":2}]}";
	assert_int_equal(op(&r, OX_INV_RESERVE, o1, T0), 200);
	has(&r, "\"replayed\":false");
	assert_int_equal(op(&r, OX_INV_RESERVE, o1, T0 + 1), 200);
	has(&r, "\"replayed\":true");
	assert_false(r.changed);
	assert_int_equal(op(&r, OX_INV_RESERVE, "{\"order_id\":\"O1\",\"channel\":\"jd\",\"items\":[{\"sku\":\"A\",\"qty\":1}]}",
			    T0 + 1),
			 409);
	has(&r, "\"error\":\"conflict\"");
	assert_int_equal(op(&r, OX_INV_CONFIRM, "{\"order_id\":\"O1\"}", T0 + 2), 200);
	assert_true(r.changed);
	assert_int_equal(op(&r, OX_INV_CONFIRM, "{\"order_id\":\"O1\"}", T0 + 3), 200);
	assert_false(r.changed);
	has(&r, "\"status\":\"confirmed\"");
	assert_int_equal(op(&r, OX_INV_CONFIRM, "{\"order_id\":\"nope\"}", T0 + 3), 404);
	/* released: confirming it is a conflict, releasing again a no-op */
	op(&r, OX_INV_RESERVE, "{\"order_id\":\"O2\",\"channel\":\"jd\",\"items\":[{\"sku\":\"A\",\"qty\":1}]}", T0 + 4);
	assert_int_equal(op(&r, OX_INV_RELEASE, "{\"order_id\":\"O2\"}", T0 + 5), 200);
	assert_int_equal(op(&r, OX_INV_RELEASE, "{\"order_id\":\"O2\"}", T0 + 6), 200);
	assert_false(r.changed);
	assert_int_equal(op(&r, OX_INV_CONFIRM, "{\"order_id\":\"O2\"}", T0 + 7), 409);
	has(&r, "the reservation is released");
	run_release(&r);
}

static void test_expiry_and_forgetting(void **state)
{
	(void)state;
	struct run r;
	run_init(&r);
	op(&r, OX_INV_LEVELS, "{\"levels\":[{\"sku\":\"A\",\"on_hand\":1}]}", T0);
	op(&r, OX_INV_RESERVE, "{\"order_id\":\"O1\",\"channel\":\"jd\",\"items\":[{\"sku\":\"A\",\"qty\":1}],\"ttl\":60}", T0);
	assert_int_equal(op(&r, OX_INV_RESERVE, "{\"order_id\":\"O2\",\"channel\":\"jd\",\"items\":[{\"sku\":\"A\",\"qty\":1}]}",
			    T0 + 59999),
			 409);
	ox_inventory_advance(r.inv, T0 + 60000, NULL);
	get(&r, OX_INV_GET_RESERVATION, "O1", T0 + 60000);
	has(&r, "\"status\":\"expired\"");
	has(&r, "\"finished_at\":\"2025-11-11T00:01:00.000+08:00\"");
	assert_int_equal(op(&r, OX_INV_CONFIRM, "{\"order_id\":\"O1\"}", T0 + 60001), 409);
	/* an operation at a later time expires what is due first, without an advance */
	assert_int_equal(op(&r, OX_INV_RESERVE,
			    "{\"order_id\":\"O3\",\"channel\":\"jd\",\"items\":[{\"sku\":\"A\",\"qty\":1}],\"ttl\":1}", T0 + 70000),
			 200);
	assert_int_equal(op(&r, OX_INV_RESERVE, "{\"order_id\":\"O4\",\"channel\":\"jd\",\"items\":[{\"sku\":\"A\",\"qty\":1}]}",
			    T0 + 71000),
			 200);
	struct ox_inv_stats st;
	ox_inventory_stats(r.inv, &st);
	assert_int_equal(st.expired, 2);
	assert_int_equal(st.held, 1);
	assert_int_equal(st.reservations, 3); /* O1, O3, O4: the refused O2 is not kept */
	/* finished reservations are forgotten after the keep period */
	ox_inventory_advance(r.inv, T0 + 71000 + OX_INV_KEEP_MS, NULL);
	ox_inventory_stats(r.inv, &st);
	assert_int_equal(st.reservations, 1); /* O4 expired on the way, kept a while longer */
	assert_int_equal(st.held, 0);
	ox_inventory_advance(r.inv, T0 + 71000 + 900000 + OX_INV_KEEP_MS, NULL);
	ox_inventory_stats(r.inv, &st);
	assert_int_equal(st.reservations, 0);
	assert_int_equal(get(&r, OX_INV_GET_RESERVATION, "O1", T0 + 71000 + 900000 + OX_INV_KEEP_MS), 404);
	run_release(&r);
}

/* Random operations keep reserved + confirmed + available at the level set,
 * never let available below zero, and a replay of the records gives the
 * same answers and the same events. */
static void test_random_ops_and_replay(void **state)
{
	(void)state;
	struct run r, again;
	run_init(&r);
	run_init(&again);
	const long long stock = 40;
	op(&r, OX_INV_LEVELS, "{\"levels\":[{\"sku\":\"H\",\"on_hand\":40,\"quotas\":{\"tmall\":10}}]}", T0);
	srand(7);
	ox_time t = T0;
	char body[256];
	for (int i = 0; i < 3000; i++) {
		t += rand() % 400;
		int o = rand() % 300, what = rand() % 10;
		if (what < 6)
			snprintf(body, sizeof body,
				 "{\"order_id\":\"O%d\",\"channel\":\"%s\",\"items\":[{\"sku\":\"H\",\"qty\":%d}],\"ttl\":%d}", o,
				 rand() % 2 ? "tmall" : "jd", 1 + rand() % 3, 1 + rand() % 20);
		else
			snprintf(body, sizeof body, "{\"order_id\":\"O%d\"}", o);
		op(&r, what < 6 ? OX_INV_RESERVE : what < 8 ? OX_INV_CONFIRM : OX_INV_RELEASE, body, t);
		get(&r, OX_INV_GET_LEVEL, "H", t);
		long long avail = num(&r, "available"), reserved = num(&r, "reserved"), confirmed = num(&r, "confirmed");
		assert_true(avail >= 0);
		assert_true(reserved >= 0);
		assert_int_equal(avail + reserved + confirmed, stock);
	}
	/* replay the records into a fresh inventory: the same state, the same events */
	const char *p = r.records.data, *end = p + r.records.len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		struct ox_inv_op o;
		char err[256];
		if (ox_inv_op_parse_record(&o, p, (size_t)(nl - p), err))
			fail_msg("%.*s: %s", (int)(nl - p), p, err);
		ox_buf_reset(&again.body);
		struct ox_inv_result res = { .body = &again.body };
		ox_inventory_apply(again.inv, &o, &res, &again.events);
		assert_true(res.changed);
		ox_inv_op_release(&o);
		p = nl + 1;
	}
	assert_int_equal(again.events.len, r.events.len);
	assert_memory_equal(again.events.data, r.events.data, r.events.len);
	get(&r, OX_INV_GET_LEVEL, "H", t);
	get(&again, OX_INV_GET_LEVEL, "H", t);
	assert_string_equal(again.body.data, r.body.data);
	run_release(&r);
	run_release(&again);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; p && (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* inventory.low_stock is told once per crossing, either way, at writes and
 * ticks only. */
static void test_low_stock_events(void **state)
{
	(void)state;
	struct run r;
	run_init(&r);
	op(&r, OX_INV_LEVELS, "{\"levels\":[{\"sku\":\"A\",\"on_hand\":5,\"low_stock\":3}]}", T0);
	assert_false(r.events.len); /* 5 is not below 3 */
	op(&r, OX_INV_RESERVE, "{\"order_id\":\"O1\",\"channel\":\"jd\",\"items\":[{\"sku\":\"A\",\"qty\":1}]}", T0);
	assert_int_equal(count(r.events.data, "inventory.low_stock"), 0);
	op(&r, OX_INV_RESERVE, "{\"order_id\":\"O2\",\"channel\":\"jd\",\"items\":[{\"sku\":\"A\",\"qty\":2}],\"ttl\":10}",
	   T0 + 1);
	ox_buf_addz(&r.events, "");
	assert_int_equal(count(r.events.data, "inventory.low_stock"), 1);
	assert_non_null(strstr(r.events.data, "\"sku\":\"A\",\"available\":2,\"threshold\":3}"));
	/* still low: nothing more */
	op(&r, OX_INV_CONFIRM, "{\"order_id\":\"O1\"}", T0 + 2);
	ox_buf_addz(&r.events, "");
	assert_int_equal(count(r.events.data, "inventory.low_stock"), 1);
	/* O2 expires: a read sees it but tells nobody; the tick does */
	get(&r, OX_INV_GET_LEVEL, "A", T0 + 20000);
	assert_int_equal(num(&r, "available"), 4);
	ox_inventory_advance(r.inv, T0 + 20000, &r.events);
	ox_buf_addz(&r.events, "");
	assert_int_equal(count(r.events.data, "inventory.low_stock"), 2);
	assert_non_null(strstr(r.events.data, "\"available\":4,\"threshold\":3}"));
	/* the threshold taken away while low: told with a line of 0 */
	op(&r, OX_INV_LEVELS, "{\"levels\":[{\"sku\":\"A\",\"on_hand\":1,\"low_stock\":2}]}", T0 + 30000);
	op(&r, OX_INV_LEVELS, "{\"levels\":[{\"sku\":\"A\",\"on_hand\":1}]}", T0 + 40000);
	ox_buf_addz(&r.events, "");
	assert_int_equal(count(r.events.data, "inventory.low_stock"), 4);
	assert_non_null(strstr(r.events.data, "\"available\":1,\"threshold\":0}"));
	/* taken away while negative: told back only once the SKU is at 0 or more */
	op(&r, OX_INV_LEVELS, "{\"levels\":[{\"sku\":\"B\",\"on_hand\":2,\"low_stock\":1}]}", T0 + 50000);
	op(&r, OX_INV_RESERVE, "{\"order_id\":\"O5\",\"channel\":\"jd\",\"items\":[{\"sku\":\"B\",\"qty\":2}]}",
	   T0 + 50000);
	op(&r, OX_INV_LEVELS, "{\"levels\":[{\"sku\":\"B\",\"on_hand\":1}]}", T0 + 51000); /* available -1 */
	ox_buf_addz(&r.events, "");
	assert_int_equal(count(r.events.data, "\"sku\":\"B\",\"available\""), 1); /* only the first crossing */
	op(&r, OX_INV_RELEASE, "{\"order_id\":\"O5\"}", T0 + 52000);
	ox_buf_addz(&r.events, "");
	assert_int_equal(count(r.events.data, "\"sku\":\"B\",\"available\""), 2);
	assert_non_null(strstr(r.events.data, "\"sku\":\"B\",\"available\":1,\"threshold\":0}"));
	run_release(&r);
}

static void test_list_pages(void **state)
{
	(void)state;
	struct run r;
	run_init(&r);
	op(&r, OX_INV_LEVELS, "{\"levels\":[{\"sku\":\"C\",\"on_hand\":1},{\"sku\":\"A\",\"on_hand\":1}]}", T0);
	op(&r, OX_INV_LEVELS, "{\"levels\":[{\"sku\":\"B\",\"on_hand\":1}]}", T0);
	struct ox_inv_op o = { .kind = OX_INV_LIST_LEVELS, .at = T0, .limit = 2 };
	ox_buf_reset(&r.body);
	struct ox_inv_result res = { .body = &r.body };
	ox_inventory_apply(r.inv, &o, &res, NULL);
	ox_buf_addz(&r.body, "");
	assert_non_null(strstr(r.body.data, "{\"levels\":[{\"sku\":\"A\""));
	has(&r, "\"next_cursor\":\"B\"");
	snprintf(o.sku, sizeof o.sku, "B");
	ox_buf_reset(&r.body);
	ox_inventory_apply(r.inv, &o, &res, NULL);
	ox_buf_addz(&r.body, "");
	assert_non_null(strstr(r.body.data, "{\"levels\":[{\"sku\":\"C\""));
	has(&r, "\"next_cursor\":null");
	run_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_body_errors),
		cmocka_unit_test(test_record_round_trip),
		cmocka_unit_test(test_all_or_nothing),
		cmocka_unit_test(test_quotas_and_shared_pool),
		cmocka_unit_test(test_idempotency_and_settling),
		cmocka_unit_test(test_expiry_and_forgetting),
		cmocka_unit_test(test_random_ops_and_replay),
		cmocka_unit_test(test_low_stock_events),
		cmocka_unit_test(test_list_pages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_orderidx.c - the order -> log seqs index (src/orderidx.c): many
 * interleaved orders, one long order, unknown and edge-length ids, removal
 * (the table stays right, the bytes go, a snapshot round trips), and the
 * memory it holds for 1M orders of 15 events. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orderidx.h"
#include "snap.h"

/* Order k's id: "O" and k in decimal (17 bytes, like O2026111100012345). */
static size_t order_id(char *buf, size_t k)
{
	return (size_t)snprintf(buf, 32, "O%016zu", k);
}

static void test_empty(void **state)
{
	(void)state;
	struct ox_orderidx *x = ox_orderidx_new();
	size_t n = 99;
	ox_orderidx_prefetch(x, "O1", 2); /* no table yet */
	assert_null(ox_orderidx_get(x, "O1", 2, &n));
	assert_int_equal(n, 0);
	assert_int_equal(ox_orderidx_orders(x), 0);
	assert_true(ox_orderidx_bytes(x) > 0);
	ox_orderidx_free(x);
	ox_orderidx_free(NULL);
}

/* Orders of 1..40 events, added round-robin as a log interleaves them;
 * every order gets back exactly its seqs, in order. */
static void test_many_interleaved(void **state)
{
	(void)state;
	enum { ORDERS = 20000, ROUNDS = 40 };
	struct ox_orderidx *x = ox_orderidx_new();
	uint64_t *want = calloc((size_t)ORDERS * ROUNDS, sizeof *want);
	char id[32];
	uint64_t seq = 1;
	for (size_t r = 0; r < ROUNDS; r++)
		for (size_t k = 0; k < ORDERS; k++)
			if (r < 1 + k % ROUNDS) { /* order k has 1 + k % 40 events */
				want[k * ROUNDS + r] = seq;
				ox_orderidx_prefetch(x, id, order_id(id, k + 1));
				ox_orderidx_add(x, id, order_id(id, k), seq++);
			}
	assert_int_equal(ox_orderidx_orders(x), ORDERS);
	for (size_t k = 0; k < ORDERS; k++) {
		size_t n;
		const uint64_t *s = ox_orderidx_get(x, id, order_id(id, k), &n);
		assert_non_null(s);
		assert_int_equal(n, 1 + k % ROUNDS);
		for (size_t r = 0; r < n; r++)
			assert_int_equal(s[r], want[k * ROUNDS + r]);
	}
	free(want);
	ox_orderidx_free(x);
}

/* Exact seqs: every order gets seqs from a formula, added in global seq
 * order across orders, and must read back identical. */
static void test_exact_values(void **state)
{
	(void)state;
	enum { ORDERS = 5000, PER = 23 };
	struct ox_orderidx *x = ox_orderidx_new();
	char id[32];
	for (size_t r = 0; r < PER; r++)
		for (size_t k = 0; k < ORDERS; k++)
			ox_orderidx_add(x, id, order_id(id, k), (uint64_t)r * ORDERS + k + 1);
	for (size_t k = 0; k < ORDERS; k++) {
		size_t n;
		const uint64_t *s = ox_orderidx_get(x, id, order_id(id, k), &n);
		assert_int_equal(n, PER);
		for (size_t r = 0; r < PER; r++)
			assert_int_equal(s[r], (uint64_t)r * ORDERS + k + 1);
	}
	ox_orderidx_free(x);
}

/* One order growing through every capacity step, other orders around it. */
static void test_growth(void **state)
{
	(void)state;
	enum { N = 100000 };
	struct ox_orderidx *x = ox_orderidx_new();
	size_t before = ox_orderidx_bytes(x);
	for (uint64_t i = 0; i < N; i++) {
		ox_orderidx_add(x, "BIG", 3, 10 * i + 7);
		if (i % 1000 == 0) {
			char id[32];
			ox_orderidx_add(x, id, order_id(id, i), i);
		}
		size_t n;
		const uint64_t *s = ox_orderidx_get(x, "BIG", 3, &n);
		assert_int_equal(n, i + 1);
		assert_int_equal(s[i], 10 * i + 7);
		if (i)
			assert_int_equal(s[i - 1], 10 * (i - 1) + 7);
	}
	size_t n;
	const uint64_t *s = ox_orderidx_get(x, "BIG", 3, &n);
	assert_int_equal(n, N);
	for (uint64_t i = 0; i < N; i++)
		assert_int_equal(s[i], 10 * i + 7);
	assert_int_equal(ox_orderidx_orders(x), 1 + N / 1000);
	/* the vector wastes at most a third: 8 bytes a seq, 12 at most */
	size_t grew = ox_orderidx_bytes(x) - before;
	assert_true(grew >= N * 8);
	assert_true(grew <= N * 12 + 100 * 1024);
	ox_orderidx_free(x);
}

static void count_order(void *ctx, const char *id, size_t len, const uint64_t *seqs, size_t n)
{
	(void)id, (void)len, (void)seqs, (void)n;
	(*(size_t *)ctx)++;
}

static void test_unknown_and_lengths(void **state)
{
	(void)state;
	struct ox_orderidx *x = ox_orderidx_new();
	char id64[OX_ORDERIDX_ID_MAX + 1], other[OX_ORDERIDX_ID_MAX + 1];
	memset(id64, 'x', sizeof id64);
	memcpy(other, id64, sizeof other);
	other[OX_ORDERIDX_ID_MAX - 1] = 'y'; /* differs in the 64th byte only */

	ox_orderidx_add(x, id64, OX_ORDERIDX_ID_MAX, 1);
	ox_orderidx_add(x, other, OX_ORDERIDX_ID_MAX, 2);
	ox_orderidx_add(x, id64, OX_ORDERIDX_ID_MAX, 3);
	ox_orderidx_add(x, "x", 1, 4);  /* a prefix is another order */
	ox_orderidx_add(x, "a\0b", 3, 5); /* any bytes */
	ox_orderidx_add(x, "a\0c", 3, 6);
	/* outside 1..64: ignored */
	ox_orderidx_add(x, id64, OX_ORDERIDX_ID_MAX + 1, 7);
	ox_orderidx_add(x, "", 0, 8);
	assert_int_equal(ox_orderidx_orders(x), 5);

	size_t n;
	const uint64_t *s = ox_orderidx_get(x, id64, OX_ORDERIDX_ID_MAX, &n);
	assert_int_equal(n, 2);
	assert_int_equal(s[0], 1);
	assert_int_equal(s[1], 3);
	s = ox_orderidx_get(x, other, OX_ORDERIDX_ID_MAX, &n);
	assert_int_equal(n, 1);
	assert_int_equal(s[0], 2);
	s = ox_orderidx_get(x, "x", 1, &n);
	assert_int_equal(n, 1);
	assert_int_equal(s[0], 4);
	s = ox_orderidx_get(x, "a\0b", 3, &n);
	assert_int_equal(n, 1);
	assert_int_equal(s[0], 5);
	s = ox_orderidx_get(x, "a\0c", 3, &n);
	assert_int_equal(n, 1);
	assert_int_equal(s[0], 6);

	n = 5;
	assert_null(ox_orderidx_get(x, "xx", 2, &n));
	assert_int_equal(n, 0);
	n = 5;
	assert_null(ox_orderidx_get(x, id64, OX_ORDERIDX_ID_MAX - 1, &n));
	assert_int_equal(n, 0);
	n = 5;
	assert_null(ox_orderidx_get(x, id64, OX_ORDERIDX_ID_MAX + 1, &n));
	assert_int_equal(n, 0);
	n = 5;
	assert_null(ox_orderidx_get(x, "", 0, &n));
	assert_int_equal(n, 0);
	ox_orderidx_free(x);
}

/* Seqs of order k: k + 1, then every ORDERS after. */
static void check_order(struct ox_orderidx *x, size_t k, size_t per, size_t orders, bool there)
{
	char id[32];
	size_t n = 99;
	const uint64_t *s = ox_orderidx_get(x, id, order_id(id, k), &n);
	if (!there) {
		assert_null(s);
		assert_int_equal(n, 0);
		return;
	}
	assert_non_null(s);
	assert_int_equal(n, per);
	for (size_t r = 0; r < per; r++)
		assert_int_equal(s[r], (uint64_t)r * orders + k + 1);
}

/* Orders removed in a scattered pattern (so the table's backward shifts
 * run through probe chains): the rest answer exactly as before, the
 * removed ones are unknown and can come back, the bytes go back to the
 * table's, and a snapshot of what is left loads into the same answers. */
static void test_remove(void **state)
{
	(void)state;
	enum { ORDERS = 30000, PER = 5 };
	struct ox_orderidx *x = ox_orderidx_new();
	char id[32];
	for (size_t r = 0; r < PER; r++)
		for (size_t k = 0; k < ORDERS; k++)
			ox_orderidx_add(x, id, order_id(id, k), (uint64_t)r * ORDERS + k + 1);
	size_t full = ox_orderidx_bytes(x), gone = 0;
	for (size_t k = 0; k < ORDERS; k++)
		if (k % 3 == 0 || k % 7 == 2) {
			assert_true(ox_orderidx_remove(x, id, order_id(id, k)));
			gone++;
		}
	assert_false(ox_orderidx_remove(x, id, order_id(id, 0))); /* not there any more */
	assert_false(ox_orderidx_remove(x, "nope", 4));
	assert_false(ox_orderidx_remove(x, "", 0));
	assert_int_equal(ox_orderidx_orders(x), ORDERS - gone);
	assert_true(ox_orderidx_bytes(x) < full);
	for (size_t k = 0; k < ORDERS; k++)
		check_order(x, k, PER, ORDERS, !(k % 3 == 0 || k % 7 == 2));
	size_t n = 0;
	ox_orderidx_each(x, count_order, &n);
	assert_int_equal(n, ORDERS - gone);

	/* through a snapshot */
	const char *tmp = getenv("TMPDIR");
	char dir[256], err[OX_SNAP_ERRSZ];
	snprintf(dir, sizeof dir, "%s/ordex-test-orderidx-XXXXXX", tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(dir));
	static unsigned char buf[OX_SNAP_BUFSZ];
	struct ox_snap_w w;
	assert_int_equal(ox_snap_w_open(&w, dir, 9, buf, sizeof buf, err, sizeof err), 0);
	ox_orderidx_save(x, &w);
	assert_int_equal(ox_snap_w_commit(&w, err, sizeof err), 0);
	struct ox_snap_r r;
	assert_int_equal(ox_snap_r_open(&r, dir, 9, err, sizeof err), 0);
	struct ox_orderidx *y = ox_orderidx_new();
	assert_int_equal(ox_orderidx_load(y, &r), 0);
	assert_true(ox_snap_r_done(&r));
	ox_snap_r_close(&r);
	assert_int_equal(ox_orderidx_orders(y), ORDERS - gone);
	for (size_t k = 0; k < ORDERS; k++)
		check_order(y, k, PER, ORDERS, !(k % 3 == 0 || k % 7 == 2));
	ox_orderidx_free(y);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);

	/* a removed order comes back as a new one; all gone leaves the table */
	ox_orderidx_add(x, id, order_id(id, 3), 7);
	n = 0;
	const uint64_t *s = ox_orderidx_get(x, id, order_id(id, 3), &n);
	assert_int_equal(n, 1);
	assert_int_equal(s[0], 7);
	for (size_t k = 0; k < ORDERS; k++)
		ox_orderidx_remove(x, id, order_id(id, k));
	assert_int_equal(ox_orderidx_orders(x), 0);
	struct ox_orderidx *e = ox_orderidx_new();
	assert_int_equal(ox_orderidx_bytes(x) - ox_orderidx_bytes(e) > 0, 1); /* the table only */
	size_t table = ox_orderidx_bytes(x) - ox_orderidx_bytes(e);
	assert_true(table % 16 == 0 && (table & (table - 1)) == 0); /* 16-byte slots, a power of two */
	ox_orderidx_free(e);
	ox_orderidx_free(x);
}

/* 1M orders of 15 events: what /metrics will report. The seqs alone are 120
 * bytes an order. (Added one order after another: the memory is the same as
 * interleaved, which the tests above check, and the test stays fast.) */
static void test_bytes_per_order(void **state)
{
	(void)state;
	enum { ORDERS = 1000000, PER = 15 };
	struct ox_orderidx *x = ox_orderidx_new();
	char id[32];
	size_t idlen = 0;
	for (size_t k = 0; k < ORDERS; k++) {
		idlen = order_id(id, k);
		for (size_t r = 0; r < PER; r++)
			ox_orderidx_add(x, id, idlen, (uint64_t)r * ORDERS + k + 1);
	}
	assert_int_equal(ox_orderidx_orders(x), ORDERS);
	size_t bytes = ox_orderidx_bytes(x);
	double per = (double)bytes / ORDERS;
	print_message("orderidx: %d orders x %d events, %zu-byte ids: %zu bytes, %.1f bytes/order\n", ORDERS,
		      PER, idlen, bytes, per);
	assert_true(per >= PER * 8);
	assert_true(per <= 200);
	size_t n;
	const uint64_t *s = ox_orderidx_get(x, id, order_id(id, 123457), &n);
	assert_int_equal(n, PER);
	assert_int_equal(s[0], 123458);
	assert_int_equal(s[PER - 1], (uint64_t)(PER - 1) * ORDERS + 123458);
	ox_orderidx_free(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_many_interleaved),
		cmocka_unit_test(test_exact_values),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_unknown_and_lengths),
		cmocka_unit_test(test_remove),
		cmocka_unit_test(test_bytes_per_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

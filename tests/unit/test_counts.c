/* test_counts.c - the reports' denominators (src/counts.c): what the engine
 * counts per hour, channel, shop and dimension, once per order or parcel,
 * and nothing while counting is off.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "event.h"

struct fx {
	struct ox_params p;
	struct ox_blacklist *bl;
	struct ox_engine *e;
	struct ox_decoder *d;
};

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	ox_params_init(&f->p);
	f->bl = ox_blacklist_new();
	struct ox_limits lim = ox_limits_default();
	f->d = ox_decoder_new(&lim);
	f->e = ox_engine_new(&f->p, f->bl);
	ox_engine_set_counting(f->e, true);
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;
	ox_engine_free(f->e);
	ox_decoder_free(f->d);
	ox_blacklist_free(f->bl);
	ox_params_release(&f->p);
	free(f);
	return 0;
}

static void feed(struct fx *f, const char *line)
{
	struct ox_event ev;
	char err[OX_ERR_BUFSZ];
	if (ox_decode(f->d, line, strlen(line), &ev, err) < 0)
		fail_msg("%s: %s", line, err);
	ox_engine_apply(f->e, &ev);
}

/* The sum of a metric's counts matching dim (NULL: any) and hour (0: any). */
static int64_t total(struct fx *f, enum ox_count_metric m, const char *dim, ox_time hour)
{
	size_t n;
	const struct ox_count *c = ox_engine_counts(f->e, &n);
	int64_t sum = 0;
	for (size_t i = 0; i < n; i++)
		if (c[i].metric == m && (!dim || strcmp(c[i].dim, dim) == 0) && (!hour || c[i].hour == hour))
			sum += c[i].n;
	return sum;
}

#define CREATED(id, oid, ts, extra)                                                                       \
	"{\"id\":\"" id "\",\"type\":\"order.created\",\"ts\":\"" ts "\",\"order_id\":\"" oid "\","       \
	"\"channel\":\"tmall\",\"shop\":\"s1\",\"customer\":{\"id\":\"c1\",\"phone\":\"13812345678\","   \
	"\"address\":{\"province\":\"浙江省\",\"city\":\"杭州市\",\"district\":\"西湖区\",\"detail\":\"文三路100号\"}}," \
	"\"items\":[{\"sku\":\"A\",\"qty\":1,\"price\":\"10.00\"}],\"total\":\"10.00\"" extra "}"

static void test_orders_and_payments(void **state)
{
	struct fx *f = *state;
	feed(f, CREATED("e1", "O1", "2026-11-11T10:05:00+08:00", ""));
	feed(f, CREATED("e2", "O1", "2026-11-11T10:06:00+08:00", "")); /* a second created: ignored */
	feed(f, CREATED("e3", "O2", "2026-11-11T11:00:00+08:00", ""));
	feed(f, "{\"id\":\"p1\",\"type\":\"payment.failed\",\"ts\":\"2026-11-11T10:07:00+08:00\",\"order_id\":\"O1\","
		"\"amount\":\"10.00\",\"method\":\"alipay\",\"reason\":\"x\"}");
	feed(f, "{\"id\":\"p2\",\"type\":\"payment.succeeded\",\"ts\":\"2026-11-11T10:08:00+08:00\",\"order_id\":\"O1\","
		"\"payment_id\":\"P1\",\"amount\":\"10.00\",\"method\":\"wechat\"}");
	/* the same payment_id again (another callback): one payment */
	feed(f, "{\"id\":\"p3\",\"type\":\"payment.succeeded\",\"ts\":\"2026-11-11T10:09:00+08:00\",\"order_id\":\"O1\","
		"\"payment_id\":\"P1\",\"amount\":\"10.00\",\"method\":\"wechat\"}");
	ox_time h10;
	assert_int_equal(ox_time_parse("2026-11-11T10:00:00+08:00", 25, &h10), 0);
	assert_int_equal(total(f, OX_COUNT_ORDERS, NULL, 0), 2);
	assert_int_equal(total(f, OX_COUNT_ORDERS, NULL, h10), 1);
	assert_int_equal(total(f, OX_COUNT_ORDERS, NULL, h10 + OX_HOUR_MS), 1);
	assert_int_equal(total(f, OX_COUNT_PAY_ATTEMPTS, "alipay", 0), 1);
	assert_int_equal(total(f, OX_COUNT_PAY_ATTEMPTS, "wechat", 0), 1);
	assert_int_equal(total(f, OX_COUNT_PAY_SUCCEEDED, "wechat", 0), 1);
	assert_int_equal(total(f, OX_COUNT_PAY_SUCCEEDED, "alipay", 0), 0);
	size_t n;
	const struct ox_count *c = ox_engine_counts(f->e, &n);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(c[i].channel, "tmall");
		assert_string_equal(c[i].shop, "s1");
	}
	ox_engine_counts_clear(f->e);
	assert_int_equal(total(f, OX_COUNT_ORDERS, NULL, 0), 0);
	feed(f, CREATED("e4", "O3", "2026-11-11T11:30:00+08:00", ""));
	assert_int_equal(total(f, OX_COUNT_ORDERS, NULL, 0), 1);
}

static void test_shipments(void **state)
{
	struct fx *f = *state;
	feed(f, CREATED("e1", "O1", "2026-11-11T10:00:00+08:00",
			",\"ship_by\":\"2026-11-11T12:00:00+08:00\",\"deliver_by\":\"2026-11-13T12:00:00+08:00\""));
	feed(f, CREATED("e2", "O2", "2026-11-11T10:00:00+08:00", ",\"ship_by\":\"2026-11-11T12:00:00+08:00\""));
	/* O1 ships on time by sf, O2 late by yto; a shipment before its order too */
	feed(f, "{\"id\":\"s1\",\"type\":\"shipment.created\",\"ts\":\"2026-11-11T11:00:00+08:00\",\"order_id\":\"O1\","
		"\"shipment_id\":\"S1\",\"carrier\":\"sf\",\"tracking_no\":\"T1\"}");
	feed(f, "{\"id\":\"s1b\",\"type\":\"shipment.created\",\"ts\":\"2026-11-11T11:01:00+08:00\",\"order_id\":\"O1\","
		"\"shipment_id\":\"S1\",\"carrier\":\"sf\",\"tracking_no\":\"T1\"}");
	feed(f, "{\"id\":\"s2\",\"type\":\"shipment.created\",\"ts\":\"2026-11-11T13:00:00+08:00\",\"order_id\":\"O2\","
		"\"shipment_id\":\"S2\",\"carrier\":\"yto\",\"tracking_no\":\"T2\"}");
	feed(f, "{\"id\":\"s3\",\"type\":\"shipment.created\",\"ts\":\"2026-11-11T13:00:00+08:00\",\"order_id\":\"O3\","
		"\"shipment_id\":\"S3\",\"carrier\":\"yto\",\"tracking_no\":\"T3\"}");
	feed(f, CREATED("e3", "O3", "2026-11-11T13:10:00+08:00", ""));
	feed(f, "{\"id\":\"t1\",\"type\":\"shipment.track\",\"ts\":\"2026-11-14T09:00:00+08:00\",\"order_id\":\"O1\","
		"\"tracking_no\":\"T1\",\"status\":\"delivered\"}");
	feed(f, "{\"id\":\"t1b\",\"type\":\"shipment.track\",\"ts\":\"2026-11-14T09:05:00+08:00\",\"order_id\":\"O1\","
		"\"tracking_no\":\"T1\",\"status\":\"delivered\"}");
	feed(f, "{\"id\":\"t2\",\"type\":\"shipment.track\",\"ts\":\"2026-11-12T09:00:00+08:00\",\"order_id\":\"O2\","
		"\"tracking_no\":\"T2\",\"status\":\"lost\"}");
	assert_int_equal(total(f, OX_COUNT_SHIPMENTS, "sf", 0), 1);
	assert_int_equal(total(f, OX_COUNT_SHIPMENTS, "yto", 0), 2);
	assert_int_equal(total(f, OX_COUNT_DELIVERED, "sf", 0), 1);
	assert_int_equal(total(f, OX_COUNT_DELIVERED_LATE, "sf", 0), 1); /* after deliver_by */
	assert_int_equal(total(f, OX_COUNT_LOST, "yto", 0), 1);
	assert_int_equal(total(f, OX_COUNT_SHIPPED, NULL, 0), 3);
	assert_int_equal(total(f, OX_COUNT_SHIPPED_ON_TIME, NULL, 0), 2); /* O1, and O3 (its window) */
}

static void test_off_counts_nothing(void **state)
{
	struct fx *f = *state;
	ox_engine_set_counting(f->e, false);
	feed(f, CREATED("e1", "O1", "2026-11-11T10:05:00+08:00", ""));
	size_t n;
	assert_null(ox_engine_counts(f->e, &n));
	assert_int_equal(n, 0);
	ox_engine_counts_clear(f->e); /* harmless when off */
}

/* Many keys: the table grows and keeps every count. */
static void test_growth(void **state)
{
	struct fx *f = *state;
	char line[1024];
	for (int i = 0; i < 1000; i++) {
		snprintf(line, sizeof line,
			 "{\"id\":\"e%d\",\"type\":\"order.created\",\"ts\":\"2026-11-%02dT%02d:00:00+08:00\",\"order_id\":\"O%d\","
			 "\"channel\":\"c%d\",\"customer\":{\"id\":\"c1\",\"phone\":\"13812345678\","
			 "\"address\":{\"province\":\"浙江省\",\"city\":\"杭州市\",\"district\":\"西湖区\",\"detail\":\"文三路100号\"}},"
			 "\"items\":[{\"sku\":\"A\",\"qty\":1,\"price\":\"10.00\"}],\"total\":\"10.00\"}",
			 i, 1 + i / 24 % 28, i % 24, i, i % 7);
		feed(f, line);
	}
	size_t n;
	ox_engine_counts(f->e, &n);
	assert_true(n > 256);
	assert_int_equal(total(f, OX_COUNT_ORDERS, NULL, 0), 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_orders_and_payments, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_shipments, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_off_counts_nothing, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_growth, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

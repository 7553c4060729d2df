/* test_retention.c - what detection stops remembering (src/retention.c,
 * docs/retention.md): finished and idle orders retired on the event clock,
 * never while a case of theirs is open or a deadline of theirs is still to
 * come; a late event of a retired order left out of detection while its id
 * is remembered; event ids forgotten after their days.
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
	int next_id;
	char retired[8][16]; /* what the listener was told, in order */
	int n_retired;
};

static void on_retired(void *ctx, const char *id, size_t len)
{
	struct fx *f = ctx;
	if (f->n_retired < 8)
		snprintf(f->retired[f->n_retired], sizeof f->retired[0], "%.*s", (int)len, id);
	f->n_retired++;
}

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	ox_params_init(&f->p);
	f->p.retention_finished = OX_MS_DAY;
	f->p.retention_idle = 3 * OX_MS_DAY;
	f->p.retention_event_ids = 2 * OX_MS_DAY;
	f->bl = ox_blacklist_new();
	struct ox_limits lim = ox_limits_default();
	f->d = ox_decoder_new(&lim);
	f->e = ox_engine_new(&f->p, f->bl);
	ox_engine_set_listener(f->e, (struct ox_case_listener){ .ctx = f, .order_retired = on_retired });
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

/* Event time: day d (from 2026-11-11), hour h, Beijing. */
static void at(char buf[40], int d, int h)
{
	snprintf(buf, 40, "2026-%02d-%02dT%02d:00:00.000+08:00", 11 + (10 + d) / 30, (10 + d) % 30 + 1, h);
}

static enum ox_apply feed_id(struct fx *f, const char *id, const char *fmt, ...)
{
	char body[1024], line[1200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(body, sizeof body, fmt, ap);
	va_end(ap);
	snprintf(line, sizeof line, "{\"id\":\"%s\",%s}", id, body);
	struct ox_event ev;
	char err[OX_ERR_BUFSZ];
	if (ox_decode(f->d, line, strlen(line), &ev, err) < 0)
		fail_msg("%s: %s", line, err);
	return ox_engine_apply(f->e, &ev);
}

#define feed(f, ...)                                                        \
	do {                                                                \
		char id_[16];                                               \
		snprintf(id_, sizeof id_, "e%d", ++(f)->next_id);           \
		assert_int_equal(feed_id(f, id_, __VA_ARGS__), OX_APPLIED); \
	} while (0)

static void created(struct fx *f, const char *order, int d, int h, const char *phone)
{
	char ts[40];
	at(ts, d, h);
	feed(f,
	     "\"type\":\"order.created\",\"ts\":\"%s\",\"order_id\":\"%s\",\"channel\":\"tmall\","
	     "\"customer\":{\"id\":\"c-%s\",\"phone\":\"%s\",\"address\":{\"province\":\"浙江省\","
	     "\"city\":\"杭州市\",\"district\":\"西湖区\",\"detail\":\"文三路100号\"}},"
	     "\"items\":[{\"sku\":\"S1\",\"qty\":1,\"price\":\"99.00\"}],\"total\":\"99.00\"",
	     ts, order, order, phone);
}

static void status(struct fx *f, const char *order, int d, int h, const char *st)
{
	char ts[40];
	at(ts, d, h);
	feed(f, "\"type\":\"order.status\",\"ts\":\"%s\",\"order_id\":\"%s\",\"status\":\"%s\"", ts, order, st);
}

static void tick(struct fx *f, int d, int h)
{
	char ts[40];
	at(ts, d, h);
	feed(f, "\"type\":\"tick\",\"ts\":\"%s\"", ts);
}

static size_t orders(struct fx *f)
{
	struct ox_engine_stats st;
	ox_engine_stats(f->e, &st);
	return st.orders;
}

/* A cancelled order is retired at the first daily sweep (04:00 Beijing) a
 * day after its last event, and only it; one waiting for payment at the
 * first three days after. */
static void test_finished_order_retired(void **state)
{
	struct fx *f = *state;
	created(f, "A", 0, 10, "13812345678");
	status(f, "A", 0, 11, "cancelled");
	created(f, "B", 0, 12, "13812345679"); /* waiting for payment */
	tick(f, 1, 12);
	tick(f, 2, 3); /* a day has passed, the day's sweep has not */
	assert_int_equal(orders(f), 2);
	assert_int_equal(f->n_retired, 0);
	tick(f, 2, 4); /* the first sweep a day after A's last event */
	assert_int_equal(orders(f), 1);
	assert_int_equal(f->n_retired, 1);
	assert_string_equal(f->retired[0], "A");
	struct ox_engine_stats st;
	ox_engine_stats(f->e, &st);
	assert_int_equal(st.orders_retired, 1);
	assert_int_equal(ox_engine_case_count(f->e), 0);
	/* B, silent for three days: retired as idle */
	tick(f, 4, 3);
	assert_int_equal(orders(f), 1);
	tick(f, 4, 5);
	assert_int_equal(orders(f), 0);
	assert_int_equal(f->n_retired, 2);
	assert_string_equal(f->retired[1], "B");
}

/* An order with an open case is never retired; once a person resolves it,
 * it goes at the next sweep. */
static void test_open_case_keeps_the_order(void **state)
{
	struct fx *f = *state;
	created(f, "C", 0, 10, "12345"); /* CUS_PHONE_INVALID, open until a valid phone */
	status(f, "C", 0, 11, "cancelled");
	assert_int_equal(ox_engine_case_count(f->e), 1);
	tick(f, 9, 10);
	assert_int_equal(orders(f), 1);
	assert_int_equal(f->n_retired, 0);
	struct ox_case *c = ox_engine_case_by_id(f->e, ox_engine_case(f->e, 0)->id);
	ox_engine_release_case(f->e, c);
	tick(f, 10, 5); /* the next day's sweep */
	assert_int_equal(orders(f), 0);
}

/* A late event of a retired order opens nothing, while a new order does;
 * once the retired id is forgotten (retention.idle later) an event starts a
 * new order, as for any id never seen. */
static void test_late_event_of_a_retired_order(void **state)
{
	struct fx *f = *state;
	created(f, "A", 0, 10, "13812345678");
	status(f, "A", 0, 11, "cancelled");
	tick(f, 2, 13);
	assert_int_equal(orders(f), 0);
	char ts[40];
	at(ts, 3, 9);
	/* without retention: PAY_ON_CLOSED (money on a cancelled order) */
	feed(f,
	     "\"type\":\"payment.succeeded\",\"ts\":\"%s\",\"order_id\":\"A\",\"payment_id\":\"P1\","
	     "\"amount\":\"99.00\",\"method\":\"alipay\"",
	     ts);
	struct ox_engine_stats st;
	ox_engine_stats(f->e, &st);
	assert_int_equal(st.retired_events, 1);
	assert_int_equal(orders(f), 0);
	tick(f, 3, 12);
	assert_int_equal(ox_engine_case_count(f->e), 0);
	/* the retirement was told again: the order index drops what it added */
	assert_int_equal(f->n_retired, 2);
	/* three days after its retirement, A is an id like any other */
	status(f, "A", 5, 14, "paid");
	assert_int_equal(orders(f), 1);
}

/* A resend within two days is a duplicate; after them it is new again. */
static void test_event_ids_forgotten(void **state)
{
	struct fx *f = *state;
	char ts[40];
	at(ts, 0, 10);
	const char *fmt = "\"type\":\"tick\",\"ts\":\"%s\"";
	assert_int_equal(feed_id(f, "x1", fmt, ts), OX_APPLIED);
	tick(f, 1, 10);
	assert_int_equal(feed_id(f, "x1", fmt, ts), OX_DUPLICATE);
	assert_true(ox_engine_seen(f->e, (struct ox_str){ "x1", 2 }));
	tick(f, 2, 10);
	assert_false(ox_engine_seen(f->e, (struct ox_str){ "x1", 2 }));
	assert_int_equal(feed_id(f, "x1", fmt, ts), OX_APPLIED);
	assert_int_equal(feed_id(f, "x1", fmt, ts), OX_DUPLICATE);
}

/* A stale deadline entry of a retired order (ship_by moved earlier) is
 * taken out of the queue with it: firing it later would touch freed memory
 * (ASan), and the queue keeps the other orders' entries in order. */
static void test_stale_deadline_taken_out(void **state)
{
	struct fx *f = *state;
	/* paid by status alone: these two would open cases that keep D */
	f->p.rules[OX_R_SYS_SYNC_FAILED].enabled = false;
	f->p.rules[OX_R_PAY_UNRECONCILED].enabled = false;
	created(f, "D", 0, 10, "13812345678");
	status(f, "D", 0, 11, "paid"); /* ship_by: 48h after creation */
	char ts[40], by[40];
	at(ts, 0, 12);
	at(by, 0, 20);
	feed(f, "\"type\":\"order.updated\",\"ts\":\"%s\",\"order_id\":\"D\",\"ship_by\":\"%s\"", ts, by);
	status(f, "D", 0, 13, "cancelled");
	created(f, "E", 0, 14, "13812345678");
	struct ox_engine_stats before;
	ox_engine_stats(f->e, &before);
	tick(f, 2, 5); /* D retired; its first ship_by entry (48h) was still queued */
	assert_int_equal(orders(f), 1);
	struct ox_engine_stats after;
	ox_engine_stats(f->e, &after);
	assert_true(after.deadlines_pending < before.deadlines_pending);
	tick(f, 9, 0); /* every remaining entry fires */
	assert_int_equal(orders(f), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_finished_order_retired, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_open_case_keeps_the_order, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_late_event_of_a_retired_order, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_event_ids_forgotten, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_stale_deadline_taken_out, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_params_live.c - live changes of the rule parameters: the change's
 * JSON (request and record), applying on top of a base file with the
 * file's precedence, all or nothing, unset, and the snapshot round trip. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "params.h"
#include "params_live.h"
#include "snap.h"
#include "timefmt.h"
#include "util.h"

#define MIN OX_MS_MINUTE

static const char base_yaml[] = "payment: { retry_window: 30m }\n"
				"channels:\n"
				"  pdd: { payment: { reconcile_window: 60m } }\n"
				"  jd: { payment: { retry_window: 5m } }\n";

struct fx {
	char dir[64], path[96];
	struct ox_params p;
	struct ox_live *l;
};

static int setup(void **state)
{
	struct fx *f = ox_xcalloc(1, sizeof(*f));
	snprintf(f->dir, sizeof f->dir, "/tmp/ordex-live-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof f->path, "%s/ordex.yaml", f->dir);
	FILE *o = fopen(f->path, "w");
	assert_non_null(o);
	fputs(base_yaml, o);
	fclose(o);
	char err[256];
	ox_params_init(&f->p);
	f->l = ox_live_new(f->path, &f->p, err, sizeof err);
	if (!f->l)
		fail_msg("%s", err);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	ox_live_free(f->l);
	ox_params_release(&f->p);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static int parse(struct ox_live_change *c, const char *json, char *err, size_t errsz)
{
	return ox_live_change_parse(c, json, strlen(json), true, err, errsz);
}

/* Apply a request body; it must succeed. */
static void apply_ok(struct fx *f, const char *json)
{
	struct ox_live_change c;
	char err[512] = "";
	if (parse(&c, json, err, sizeof err) || ox_live_apply(f->l, &c, NULL, err, sizeof err))
		fail_msg("%s: %s", json, err);
	ox_live_change_release(&c);
}

/* Apply a request body that must be refused (at the parse or the apply)
 * with exactly why. */
static void apply_refused(struct fx *f, const char *json, const char *why)
{
	struct ox_live_change c;
	char err[512] = "";
	int rc = parse(&c, json, err, sizeof err);
	if (rc == 0) {
		rc = ox_live_apply(f->l, &c, NULL, err, sizeof err);
		ox_live_change_release(&c);
	}
	assert_int_equal(rc, -1);
	assert_string_equal(err, why);
}

static const struct ox_order_params *channel(const struct ox_params *p, const char *name)
{
	for (size_t i = 0; i < p->n_channels; i++)
		if (strcmp(p->channels[i].channel, name) == 0)
			return &p->channels[i].p;
	fail_msg("no channel %s", name);
	return &p->order; /* not reached */
}

static void test_record_round_trip(void **state)
{
	(void)state;
	struct ox_live_change c, d;
	char err[256];
	assert_int_equal(parse(&c, "{\"set\":{\"payment.retry_window\":\"20m\",\"sync.required\":[\"wms\",\"a\\\"b\"],"
				   "\"rules.PAY_FAILED.enabled\":false,\"fraud.threshold\":50},"
				   "\"unset\":[\"fraud.max_qty\"],\"note\":\"双十一\"}",
			       err, sizeof err),
			 0);
	assert_int_equal(c.n, 5);
	assert_string_equal(c.set[1].value, "[\"wms\",\"a\\\"b\"]");
	assert_null(c.set[4].value);
	c.at = 1700000000123;
	snprintf(c.actor, sizeof c.actor, "token:bootstrap");
	struct ox_buf b;
	ox_buf_init(&b, SIZE_MAX);
	ox_live_change_write(&c, &b);
	/* a request may not carry at or actor; a record must */
	assert_int_equal(ox_live_change_parse(&d, b.data, b.len, true, err, sizeof err), -1);
	assert_string_equal(err, "at: unknown member (set, unset, note)");
	assert_int_equal(ox_live_change_parse(&d, b.data, b.len, false, err, sizeof err), 0);
	assert_int_equal(d.at, c.at);
	assert_string_equal(d.actor, "token:bootstrap");
	assert_string_equal(d.note, "双十一");
	assert_int_equal(d.n, c.n);
	for (size_t i = 0; i < c.n; i++) {
		assert_string_equal(d.set[i].key, c.set[i].key);
		if (c.set[i].value)
			assert_string_equal(d.set[i].value, c.set[i].value);
		else
			assert_null(d.set[i].value);
	}
	struct ox_buf b2;
	ox_buf_init(&b2, SIZE_MAX);
	ox_live_change_write(&d, &b2);
	assert_int_equal(b2.len, b.len);
	assert_memory_equal(b2.data, b.data, b.len);
	ox_buf_release(&b);
	ox_buf_release(&b2);
	ox_live_change_release(&c);
	ox_live_change_release(&d);
	static const char no_actor[] = "{\"at\":1,\"note\":\"\",\"set\":{}}";
	assert_int_equal(ox_live_change_parse(&d, no_actor, strlen(no_actor), false, err, sizeof err), -1);
	assert_string_equal(err, "actor: required, text of at most 79 bytes");
}

static void test_parse_limits(void **state)
{
	struct fx *f = *state;
	apply_refused(f, "[]", "body: a JSON object");
	apply_refused(f, "{\"set\":[]}", "set: an object of key: value");
	apply_refused(f, "{\"unset\":{}}", "unset: a list of keys");
	apply_refused(f, "{\"set\":{\"\":1}}", "a key is 1..191 bytes of text");
	apply_refused(f, "{\"set\":{\"sync.required\":[\"wms\",1]}}", "sync.required: a list holds names (strings)");
	apply_refused(f, "{\"set\":{\"channels.pdd\":1}}",
		      "channels.pdd: name a parameter after the channel, e.g. channels.pdd.fraud.threshold");
	apply_refused(f, "{\"set\":{\"channels.pdd.payment.retry_windw\":\"1m\"}}",
		      "channels.pdd.payment.retry_windw: unknown key (did you mean channels.pdd.payment.retry_window?)");
	apply_refused(f, "{\"set\":{\"teams\":{}}}", "teams: unknown key");

	/* 65 keys */
	struct ox_buf b;
	ox_buf_init(&b, SIZE_MAX);
	ox_buf_addz(&b, "{\"set\":{");
	for (int i = 0; i <= OX_LIVE_KEYS_MAX; i++)
		ox_buf_addf(&b, "%s\"logistics.carriers.c%d\":\"1h\"", i ? "," : "", i);
	ox_buf_addz(&b, "}}");
	apply_refused(f, b.data, "at most 64 keys in one change");
	/* a value longer than 4095 bytes */
	ox_buf_reset(&b);
	ox_buf_addz(&b, "{\"set\":{\"customer.remark_keywords\":[");
	for (int i = 0; i < 300; i++)
		ox_buf_addf(&b, "%s\"keyword-%04d\"", i ? "," : "", i);
	ox_buf_addz(&b, "]}}");
	apply_refused(f, b.data, "customer.remark_keywords: a value is at most 4095 bytes");
	ox_buf_release(&b);
}

/* Live values stand as if written in the file: a global change reaches the
 * channel blocks that do not set the key, a channel change keeps the
 * block's other file values. */
static void test_precedence(void **state)
{
	struct fx *f = *state;
	assert_int_equal(f->p.order.pay_retry_window, 30 * MIN);
	apply_ok(f, "{\"set\":{\"payment.retry_window\":\"20m\",\"channels.pdd.fraud.threshold\":50,"
		    "\"channels.jd.com.fraud.threshold\":70}}");
	assert_int_equal(f->p.order.pay_retry_window, 20 * MIN);
	assert_int_equal(channel(&f->p, "pdd")->pay_retry_window, 20 * MIN);
	assert_int_equal(channel(&f->p, "pdd")->pay_reconcile_window, 60 * MIN);
	assert_int_equal(channel(&f->p, "pdd")->fraud_threshold, 50);
	assert_int_equal(channel(&f->p, "jd")->pay_retry_window, 5 * MIN);
	assert_int_equal(channel(&f->p, "jd")->fraud_threshold, 60);
	assert_int_equal(channel(&f->p, "jd.com")->fraud_threshold, 70);
	assert_int_equal(f->p.order.fraud_threshold, 60);

	/* the same as a file with the values in it */
	struct ox_params want;
	char err[256];
	static const char file[] = "payment: { retry_window: 20m }\n"
				   "channels:\n"
				   "  pdd: { payment: { reconcile_window: 60m }, fraud: { threshold: 50 } }\n"
				   "  jd: { payment: { retry_window: 5m } }\n"
				   "  jd.com: { fraud: { threshold: 70 } }\n";
	ox_params_init(&want);
	assert_int_equal(ox_config_load_string("w.yaml", file, strlen(file), &want, err, sizeof err), 0);
	assert_int_equal(f->p.n_channels, want.n_channels);
	assert_memory_equal(f->p.channels, want.channels, want.n_channels * sizeof(*want.channels));
	assert_memory_equal(&f->p.order, &want.order, sizeof(want.order));
	ox_params_release(&want);

	/* unset: back to the file's values */
	apply_ok(f, "{\"unset\":[\"payment.retry_window\",\"channels.pdd.fraud.threshold\"]}");
	assert_int_equal(f->p.order.pay_retry_window, 30 * MIN);
	assert_int_equal(channel(&f->p, "pdd")->pay_retry_window, 30 * MIN);
	assert_int_equal(channel(&f->p, "pdd")->fraud_threshold, 60);
	assert_int_equal(channel(&f->p, "jd.com")->fraud_threshold, 70);
}

static void test_all_or_nothing(void **state)
{
	struct fx *f = *state;
	apply_ok(f, "{\"set\":{\"rules.PAY_DUPLICATE.severity\":\"P3\"}}");
	struct ox_params before;
	ox_params_copy(&before, &f->p);
	apply_refused(f, "{\"set\":{\"payment.retry_window\":\"1m\",\"rules.PAY_FAILED.team\":\"a b\"}}",
		      "'rules.PAY_FAILED.team' must be a team name of letters, digits, '_', '-' and '.'");
	apply_refused(f, "{\"set\":{\"incident.burst_quiet\":\"1m\"}}",
		      "incident.burst_quiet: can only be changed in the config file (and a restart)");
	assert_memory_equal(&f->p.order, &before.order, sizeof(before.order));
	assert_memory_equal(f->p.rules, before.rules, sizeof(before.rules));
	assert_int_equal(f->p.n_channels, before.n_channels);
	assert_memory_equal(f->p.channels, before.channels, before.n_channels * sizeof(*before.channels));
	ox_params_release(&before);

	/* what changed, old and new, for the audit */
	struct ox_live_change c;
	char err[256];
	assert_int_equal(parse(&c, "{\"set\":{\"logistics.carriers.sf\":\"36h\"},\"unset\":[\"rules.PAY_DUPLICATE.severity\"],"
				   "\"note\":\"n\"}",
			       err, sizeof err),
			 0);
	struct ox_buf diff;
	ox_buf_init(&diff, SIZE_MAX);
	assert_int_equal(ox_live_apply(f->l, &c, &diff, err, sizeof err), 0);
	ox_buf_add(&diff, "", 1);
	assert_string_equal(diff.data, "{\"note\":\"n\",\"changes\":[{\"key\":\"logistics.carriers.sf\",\"old\":null,\"new\":\"36h\"},"
				       "{\"key\":\"rules.PAY_DUPLICATE.severity\",\"old\":\"P3\",\"new\":\"P1\"}]}");
	/* too long for an audit entry: the keys alone */
	diff.len--;
	ox_live_audit_detail(&c, &diff, diff.len);
	assert_int_equal(diff.len, strlen(diff.data));
	ox_live_audit_detail(&c, &diff, diff.len - 1);
	ox_buf_add(&diff, "", 1);
	assert_string_equal(diff.data, "{\"note\":\"n\",\"keys\":[\"logistics.carriers.sf\",\"rules.PAY_DUPLICATE.severity\"],"
				       "\"values_left_out\":true}");
	ox_buf_release(&diff);
	ox_live_change_release(&c);
	assert_int_equal(f->p.n_carriers, 1);
	assert_int_equal(f->p.carriers[0].stall_window, 36 * OX_MS_HOUR);
}

static void test_snapshot_round_trip(void **state)
{
	struct fx *f = *state;
	apply_ok(f, "{\"set\":{\"fraud.threshold\":40,\"channels.kuaishou.sync.window\":\"3m\"}}");
	char err[OX_SNAP_ERRSZ], snaps[96];
	snprintf(snaps, sizeof snaps, "%s/snapshots", f->dir);
	struct ox_snap_w w;
	assert_int_equal(ox_snap_w_open(&w, snaps, 7, NULL, 0, err, sizeof err), 0);
	ox_live_save(f->l, &w);
	assert_int_equal(ox_snap_w_commit(&w, err, sizeof err), 0);

	struct ox_params p2;
	ox_params_init(&p2);
	struct ox_live *l2 = ox_live_new(f->path, &p2, err, sizeof err);
	assert_non_null(l2);
	assert_int_equal(p2.order.fraud_threshold, 60);
	struct ox_snap_r r;
	assert_int_equal(ox_snap_r_open(&r, snaps, 7, err, sizeof err), 0);
	assert_int_equal(ox_live_load(l2, &r), 0);
	assert_true(ox_snap_r_done(&r));
	ox_snap_r_close(&r);
	assert_memory_equal(&p2.order, &f->p.order, sizeof(p2.order));
	assert_int_equal(p2.n_channels, f->p.n_channels);
	assert_memory_equal(p2.channels, f->p.channels, p2.n_channels * sizeof(*p2.channels));
	assert_int_equal(channel(&p2, "kuaishou")->sync_window, 3 * MIN);

	/* a server without live changes takes a snapshot without any, only */
	assert_int_equal(ox_snap_r_open(&r, snaps, 7, err, sizeof err), 0);
	assert_int_equal(ox_live_load(NULL, &r), -1);
	ox_snap_r_close(&r);
	ox_live_free(l2);
	ox_params_release(&p2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_round_trip),
		cmocka_unit_test_setup_teardown(test_parse_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_precedence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_all_or_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_snapshot_round_trip, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

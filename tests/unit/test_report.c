/* test_report.c - the reports (src/report.c) on a store made here: the
 * query string's checks, empty periods (rates null, not 0), the CSV's BOM,
 * quoting and formula guard, Markdown cells, and sections not available yet.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "store.h"

static const ox_time T0 = INT64_C(1762790400000); /* 2025-11-11T00:00:00+08:00 */

static struct ox_report_query period(enum ox_report_format f)
{
	struct ox_report_query q = { .from = T0, .to = T0 + 24 * OX_HOUR_MS, .limit = 20, .format = f };
	return q;
}

static void run(struct ox_store *s, enum ox_report r, const struct ox_report_query *q, struct ox_buf *out)
{
	char err[256];
	ox_buf_reset(out);
	if (ox_report_run(ox_store_conn(s), r, q, out, err) < 0)
		fail_msg("%s", err);
}

/* A case with the given SKU and province, opened at T0 + min minutes. */
static void put(struct ox_store *s, uint64_t seq, const char *sku, const char *province, int64_t min)
{
	struct ox_case c = { .seq = seq, .rule = OX_R_CUS_PHONE_INVALID, .severity = 3, .status = OX_CASE_OPEN };
	snprintf(c.id, sizeof c.id, "C%08llu", (unsigned long long)seq);
	char key[] = "O1", sk[64], pr[64];
	snprintf(sk, sizeof sk, "%s", sku);
	snprintf(pr, sizeof pr, "%s", province);
	char *skus[] = { sk };
	c.key = key;
	c.opened_at = T0 + min * 60000;
	c.resolved_at = c.respond_due = c.resolve_due = c.responded_at = c.paused_at = OX_TIME_NONE;
	c.respond_breached_at = c.resolve_breached_at = c.closed_at = OX_TIME_NONE;
	c.dims.province = pr;
	c.dims.skus = skus;
	c.dims.n_skus = 1;
	assert_int_equal(ox_store_put_case(s, &c, "cs"), 0);
}

static void test_parse(void **state)
{
	(void)state;
	struct ox_report_query q;
	char err[256];
	struct ox_report_args none = { 0 };
	assert_int_equal(ox_report_parse(&q, &none, T0, false, err), 0);
	assert_int_equal(q.to, T0);
	assert_int_equal(q.from, T0 - 24 * OX_HOUR_MS);
	assert_int_equal(q.format, OX_REPORT_JSON);
	assert_null(q.channel);
	struct ox_report_args ok = { .from = "2026-11-11T00:00:00+08:00", .to = "2026-11-12T00:00:00+08:00", .channel = "tmall",
				     .bucket = "day", .limit = "5", .format = "csv" };
	assert_int_equal(ox_report_parse(&q, &ok, T0, false, err), 0);
	assert_true(q.by_day);
	assert_int_equal(q.limit, 5);
	assert_string_equal(q.channel, "tmall");
	assert_int_equal(q.format, OX_REPORT_CSV);
	const struct {
		struct ox_report_args a;
		const char *why;
	} bad[] = {
		{ { .from = "yesterday" }, "from:" },
		{ { .to = "x" }, "to:" },
		{ { .from = "1000", .to = "1000" }, "from: must be before to" },
		{ { .bucket = "week" }, "bucket:" },
		{ { .limit = "0" }, "limit:" },
		{ { .limit = "1001" }, "limit:" },
		{ { .format = "md" }, "format:" }, /* the API has no Markdown */
		{ { .lang = "fr" }, "lang:" },
	};
	for (size_t i = 0; i < OX_ARRAY_LEN(bad); i++) {
		assert_int_equal(ox_report_parse(&q, &bad[i].a, T0, false, err), -1);
		assert_non_null(strstr(err, bad[i].why));
	}
	char longname[300];
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	struct ox_report_args shop = { .shop = longname };
	assert_int_equal(ox_report_parse(&q, &shop, T0, false, err), -1);
	struct ox_report_args md = { .format = "md", .lang = "en" };
	assert_int_equal(ox_report_parse(&q, &md, T0, true, err), 0);
	assert_int_equal(q.format, OX_REPORT_MD);
	assert_int_equal(q.lang, OX_REPORT_EN);
	assert_int_equal(ox_report_by_name("review"), OX_REPORT_REVIEW);
	assert_int_equal(ox_report_by_name("nope"), -1);
	assert_int_equal(ox_report_by_name(NULL), -1);
}

static void test_outputs(void **state)
{
	(void)state;
	struct ox_store *s;
	char err[256];
	assert_int_equal(ox_store_open(&s, ":memory:", err, sizeof err), 0);
	struct ox_buf b;
	ox_buf_init(&b, SIZE_MAX);
	struct ox_report_query q = period(OX_REPORT_JSON);

	/* nothing yet: counts 0, rates and means null */
	run(s, OX_REPORT_SUMMARY, &q, &b);
	assert_non_null(strstr(b.data, "\"opened\":0,\"resolved\":0,\"auto_resolved\":0,\"auto_resolve_rate\":null,"
				       "\"mttr_minutes\":null"));
	assert_non_null(strstr(b.data, "\"payment_success_rate\":null"));

	put(s, 1, "=HYPERLINK(\"x\")", "浙江省", 10);
	put(s, 2, "a,b", "浙江省", 70);
	put(s, 3, "plain", "广东省", 24 * 60 + 5); /* the next day: outside */
	run(s, OX_REPORT_REGIONS, &q, &b);
	assert_non_null(strstr(b.data, "\"rows\":[{\"province\":\"浙江省\",\"cases\":2,\"orders\":0,\"cases_per_order\":null}]"));
	run(s, OX_REPORT_CASES, &q, &b);
	assert_non_null(strstr(b.data, "{\"bucket\":\"2025-11-11T00:00:00.000+08:00\",\"category\":\"customer\","
				       "\"rule\":\"CUS_PHONE_INVALID\",\"cases\":1}"));

	q.format = OX_REPORT_CSV;
	run(s, OX_REPORT_SKUS, &q, &b);
	assert_memory_equal(b.data, "\xEF\xBB\xBFsku,cases,orders\r\n", 21);
	assert_non_null(strstr(b.data, "\"'=HYPERLINK(\"\"x\"\")\",1,1\r\n")); /* quoted, guarded, quotes doubled */
	assert_non_null(strstr(b.data, "\"a,b\",1,1\r\n"));
	assert_null(strstr(b.data, "plain"));
	run(s, OX_REPORT_REVIEW, &q, &b);
	assert_non_null(strstr(b.data, "\r\n# by_rule\r\nrule,category,"));
	assert_non_null(strstr(b.data, "\r\n# compensation\r\nkind,requested,granted,amount,"));
	assert_non_null(strstr(b.data, "\r\n# automatic_actions\r\nkind,calls,succeeded,failed,"));

	q.format = OX_REPORT_JSON;
	run(s, OX_REPORT_REVIEW, &q, &b);
	assert_non_null(strstr(b.data, ",\"compensation\":[],\"automatic_actions\":[]}")); /* none given, none ran */

	q.format = OX_REPORT_MD;
	run(s, OX_REPORT_SKUS, &q, &b);
	assert_non_null(strstr(b.data, "## 高发商品 / Top SKUs by cases\n\n| sku | cases | orders |\n|---|---|---|\n"));
	put(s, 4, "x|y", "浙江省", 11);
	run(s, OX_REPORT_SKUS, &q, &b);
	assert_non_null(strstr(b.data, "| x\\|y | 1 | 1 |"));
	q.lang = OX_REPORT_EN;
	run(s, OX_REPORT_REVIEW, &q, &b);
	assert_non_null(strstr(b.data, "## Compensation spend\n\n| kind | requested | granted | amount |"));

	/* open_cases: every status ox_case_status_done() calls not done */
	ox_store_close(s);
	assert_int_equal(ox_store_open(&s, ":memory:", err, sizeof err), 0);
	for (int st = 0; st < OX_CASE__NSTATUS; st++) {
		put(s, (uint64_t)st + 1, "k", "浙江省", 1);
		char *e = NULL;
		char sql[128];
		snprintf(sql, sizeof sql, "UPDATE cases SET status = '%s' WHERE seq = %d",
			 ox_case_status_name((enum ox_case_status)st), st + 1);
		assert_int_equal(sqlite3_exec(ox_store_conn(s), sql, NULL, NULL, &e), SQLITE_OK);
	}
	int open = 0;
	for (int st = 0; st < OX_CASE__NSTATUS; st++)
		open += !ox_case_status_done((enum ox_case_status)st);
	q.format = OX_REPORT_JSON;
	run(s, OX_REPORT_SUMMARY, &q, &b);
	char want[40];
	snprintf(want, sizeof want, "\"open_cases\":%d,", open);
	assert_non_null(strstr(b.data, want));

	/* out's maximum: an error, out unchanged */
	struct ox_buf small;
	ox_buf_init(&small, 64);
	ox_buf_addz(&small, "keep");
	assert_int_equal(ox_report_run(ox_store_conn(s), OX_REPORT_REVIEW, &q, &small, err), -1);
	assert_non_null(strstr(err, "maximum"));
	assert_string_equal(small.data, "keep");
	ox_buf_release(&small);
	ox_buf_release(&b);
	ox_store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_outputs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

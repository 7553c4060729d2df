/* report.c - see report.h. Each report is a list of sections, each one SQL
 * statement over cases and counts whose columns are the fields of its rows
 * (a column named "bucket" or ending in "_at" is a time in ms, written as
 * RFC 3339 in Asia/Shanghai time). The SQL is constant text; every value is
 * a bound parameter (:from, :to, :channel, :shop, :customer, :bucket, :limit).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "sqldb.h"

static const char *const report_names[] = {
#define X(e, name) name,
	OX_REPORTS(X)
#undef X
};

int ox_report_by_name(const char *s)
{
	for (int i = 0; i < OX_REPORT__N; i++)
		if (s && strcmp(s, report_names[i]) == 0)
			return i;
	return -1;
}

const char *ox_report_name(enum ox_report r)
{
	return report_names[r];
}

/* ---- the SQL -------------------------------------------------------------------- */

#define CST "28800000" /* Asia/Shanghai: UTC+8 all year, in ms */
#define FILTER "(:channel IS NULL OR channel = :channel) AND (:shop IS NULL OR shop = :shop)"
#define OPENED "opened_at >= :from AND opened_at < :to AND " FILTER
#define RESOLVED "resolved_at >= :from AND resolved_at < :to AND " FILTER
#define CSAT "csat_at >= :from AND csat_at < :to AND " FILTER
#define HOURS "hour >= :from AND hour < :to AND " FILTER
/* the statuses of case.h that ox_case_status_done() calls not done, as a
 * list the status index answers (NOT IN would scan every case) */
#define NOT_DONE "status IN ('open', 'acknowledged', 'in_progress', 'waiting_customer')"
#define BREACHED "(respond_breached_at IS NOT NULL OR resolve_breached_at IS NOT NULL)"
#define RATE(num, den) "round(1.0 * (" num ") / nullif(" den ", 0), 4)"
#define MINUTES(ms) "round((" ms ") / 60000.0, 1)"
#define COUNT_OF(m) "coalesce(sum(CASE metric WHEN '" m "' THEN n END), 0)"

static const char sql_summary[] =
	"SELECT (SELECT count(*) FROM cases WHERE " NOT_DONE " AND " FILTER ") AS open_cases,"
	" (SELECT count(*) FROM cases WHERE " OPENED ") AS opened,"
	" r.resolved, r.auto_resolved, " RATE("r.auto_resolved", "r.resolved") " AS auto_resolve_rate,"
	" " MINUTES("r.mttr_ms") " AS mttr_minutes,"
	" r.within_sla, " RATE("r.within_sla", "r.resolved") " AS sla_compliance,"
	" c.orders, c.pay_attempts, c.pay_succeeded,"
	" " RATE("c.pay_succeeded", "c.pay_attempts") " AS payment_success_rate,"
	" c.orders_shipped, c.shipped_on_time,"
	" " RATE("c.shipped_on_time", "c.orders_shipped") " AS on_time_shipping_rate"
	" FROM (SELECT count(*) AS resolved, coalesce(sum(status = 'auto_resolved'), 0) AS auto_resolved,"
	"  avg(resolved_at - opened_at) AS mttr_ms, coalesce(sum(NOT " BREACHED "), 0) AS within_sla"
	"  FROM cases WHERE " RESOLVED ") r,"
	" (SELECT " COUNT_OF("orders") " AS orders, " COUNT_OF("pay_attempts") " AS pay_attempts,"
	"  " COUNT_OF("pay_succeeded") " AS pay_succeeded, " COUNT_OF("orders_shipped") " AS orders_shipped,"
	"  " COUNT_OF("shipped_on_time") " AS shipped_on_time"
	"  FROM counts WHERE metric IN ('orders', 'pay_attempts', 'pay_succeeded', 'orders_shipped',"
	"  'shipped_on_time') AND " HOURS ") c";

static const char sql_cases[] =
	"SELECT (opened_at + " CST ") / :bucket * :bucket - " CST " AS bucket, category, rule,"
	" count(*) AS cases FROM cases WHERE " OPENED " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3";

static const char sql_regions[] =
	"WITH c AS (SELECT province, count(*) AS cases FROM cases WHERE province IS NOT NULL AND " OPENED
	"  GROUP BY province),"
	" o AS (SELECT dim AS province, sum(n) AS orders FROM counts"
	"  WHERE metric = 'orders' AND dim <> '' AND " HOURS " GROUP BY dim)"
	" SELECT province, coalesce(c.cases, 0) AS cases, coalesce(o.orders, 0) AS orders,"
	" " RATE("c.cases", "o.orders") " AS cases_per_order"
	" FROM (SELECT province FROM c UNION SELECT province FROM o)"
	" LEFT JOIN c USING (province) LEFT JOIN o USING (province)"
	" ORDER BY cases DESC, orders DESC, province LIMIT :limit";

static const char sql_skus[] =
	"SELECT j.value AS sku, count(*) AS cases, count(DISTINCT cases.order_id) AS orders"
	" FROM cases, json_each(cases.skus) AS j WHERE " OPENED
	" GROUP BY j.value ORDER BY cases DESC, sku LIMIT :limit";

/* 1 = Monday .. 7 = Sunday: day 0 of the epoch was a Thursday */
static const char sql_heatmap[] =
	"SELECT ((opened_at + " CST ") / 86400000 + 3) % 7 + 1 AS weekday,"
	" ((opened_at + " CST ") % 86400000) / 3600000 AS hour, count(*) AS cases"
	" FROM cases WHERE " OPENED " GROUP BY 1, 2 ORDER BY 1, 2";

static const char sql_carriers[] =
	"WITH k AS (SELECT dim AS carrier, " COUNT_OF("shipments") " AS shipments,"
	"  " COUNT_OF("delivered") " AS delivered, " COUNT_OF("delivered_late") " AS delivered_late,"
	"  " COUNT_OF("lost") " AS lost FROM counts"
	"  WHERE metric IN ('shipments', 'delivered', 'delivered_late', 'lost') AND dim <> '' AND " HOURS
	"  GROUP BY dim),"
	" c AS (SELECT carrier, count(*) AS cases, sum(rule = 'LOG_STALLED') AS stalled FROM cases"
	"  WHERE carrier IS NOT NULL AND " OPENED " GROUP BY carrier)"
	" SELECT carrier, coalesce(k.shipments, 0) AS shipments, coalesce(k.delivered, 0) AS delivered,"
	" coalesce(k.delivered_late, 0) AS delivered_late, coalesce(k.lost, 0) AS lost,"
	" coalesce(c.stalled, 0) AS stalled, coalesce(c.cases, 0) AS cases,"
	" " RATE("k.lost", "k.shipments") " AS lost_rate,"
	" " RATE("k.delivered_late", "k.delivered") " AS late_rate,"
	" " RATE("c.stalled", "k.shipments") " AS stalled_rate"
	" FROM (SELECT carrier FROM k UNION SELECT carrier FROM c)"
	" LEFT JOIN k USING (carrier) LEFT JOIN c USING (carrier) ORDER BY shipments DESC, carrier";

static const char sql_payments[] =
	"WITH k AS (SELECT dim AS method, " COUNT_OF("pay_attempts") " AS attempts,"
	"  " COUNT_OF("pay_succeeded") " AS succeeded FROM counts"
	"  WHERE metric IN ('pay_attempts', 'pay_succeeded') AND dim <> '' AND " HOURS " GROUP BY dim),"
	" c AS (SELECT payment_method AS method, count(*) AS cases FROM cases"
	"  WHERE payment_method IS NOT NULL AND " OPENED " GROUP BY payment_method)"
	" SELECT method, coalesce(k.attempts, 0) AS attempts, coalesce(k.succeeded, 0) AS succeeded,"
	" " RATE("k.succeeded", "k.attempts") " AS success_rate, coalesce(c.cases, 0) AS cases"
	" FROM (SELECT method FROM k UNION SELECT method FROM c)"
	" LEFT JOIN k USING (method) LEFT JOIN c USING (method) ORDER BY attempts DESC, method";

/* The review: opened in the period, and resolved in it, per rule. */
#define REVIEW_BY(key)                                                                                    \
	"WITH o AS (SELECT " key ", count(*) AS opened, sum(" BREACHED ") AS sla_breached FROM cases"      \
	"  WHERE " OPENED " GROUP BY " key "),"                                                           \
	" r AS (SELECT " key ", count(*) AS resolved, sum(status = 'auto_resolved') AS auto_resolved,"    \
	"  sum(status IN ('resolved', 'closed')) AS by_person,"                                          \
	"  sum(resolution = 'false_positive') AS false_positive, avg(resolved_at - opened_at) AS mttr_ms" \
	"  FROM cases WHERE " RESOLVED " GROUP BY " key ")"                                               \
	" SELECT " key ", coalesce(o.opened, 0) AS opened, coalesce(o.sla_breached, 0) AS sla_breached,"  \
	" coalesce(r.resolved, 0) AS resolved, coalesce(r.auto_resolved, 0) AS auto_resolved,"           \
	" coalesce(r.by_person, 0) AS resolved_by_person, coalesce(r.false_positive, 0) AS false_positive," \
	" " RATE("r.false_positive", "r.by_person") " AS false_positive_rate,"                           \
	" " MINUTES("r.mttr_ms") " AS mttr_minutes"                                                      \
	" FROM (SELECT " key " FROM o UNION SELECT " key " FROM r)"                                      \
	" LEFT JOIN o USING (" key ") LEFT JOIN r USING (" key ") ORDER BY opened DESC, " key

static const char sql_review_totals[] =
	"SELECT (SELECT count(*) FROM cases WHERE " OPENED ") AS opened,"
	" (SELECT count(*) FROM cases WHERE " OPENED " AND " BREACHED ") AS sla_breached,"
	" r.resolved, r.auto_resolved, r.resolved_by_person, r.false_positive,"
	" " RATE("r.false_positive", "r.resolved_by_person") " AS false_positive_rate,"
	" " MINUTES("r.mttr_ms") " AS mttr_minutes, s.csat_answers, s.csat_avg"
	" FROM (SELECT count(*) AS resolved, coalesce(sum(status = 'auto_resolved'), 0) AS auto_resolved,"
	"  coalesce(sum(status IN ('resolved', 'closed')), 0) AS resolved_by_person,"
	"  coalesce(sum(resolution = 'false_positive'), 0) AS false_positive,"
	"  avg(resolved_at - opened_at) AS mttr_ms FROM cases WHERE " RESOLVED ") r,"
	" (SELECT count(*) AS csat_answers, round(avg(csat_score), 2) AS csat_avg FROM cases WHERE " CSAT ") s";

/* The survey answers ("售后回访") given in the period, per category: each
 * case's latest answer. */
static const char sql_review_csat[] =
	"SELECT category, count(*) AS answers, round(avg(csat_score), 2) AS avg_score,"
	" sum(csat_score <= 2) AS unhappy FROM cases WHERE " CSAT " GROUP BY category ORDER BY answers DESC, category";

static const char sql_review_causes[] =
	"SELECT root_cause, count(*) AS cases FROM cases WHERE root_cause IS NOT NULL AND " RESOLVED
	" GROUP BY root_cause ORDER BY cases DESC, root_cause";

static const char sql_review_customers[] =
	"SELECT customer_id, count(*) AS cases, count(DISTINCT order_id) AS orders FROM cases"
	" WHERE customer_id IS NOT NULL AND " OPENED
	" GROUP BY customer_id HAVING count(DISTINCT order_id) >= 2 ORDER BY cases DESC, customer_id LIMIT :limit";

static const char sql_review_carriers[] =
	"SELECT carrier, count(*) AS cases, sum(rule = 'LOG_STALLED') AS stalled, sum(rule = 'LOG_LOST') AS lost,"
	" sum(rule = 'LOG_DELIVERY_OVERDUE') AS delivery_overdue FROM cases"
	" WHERE carrier IS NOT NULL AND " OPENED " GROUP BY carrier ORDER BY cases DESC, carrier";

/* Compensation (docs/compensation.md): the calls that gave something,
 * asked for in the period; spent = went ahead and did not fail. */
#define CALLS "requested_at >= :from AND requested_at < :to AND " FILTER
#define COMP_IN "comp_kind IS NOT NULL AND " CALLS " AND (:customer IS NULL OR customer_id = :customer)"
#define SPENT "granted_at IS NOT NULL AND state <> 'failed'"
#define COMP_FIGURES(key, name)                                                                            \
	"SELECT " key " AS " name ", count(*) AS requested, coalesce(sum(" SPENT "), 0) AS granted,"                    \
	" round(coalesce(sum(CASE WHEN " SPENT " THEN value END), 0) / 100.0, 2) AS amount,"               \
	" coalesce(sum(waited IS NOT NULL), 0) AS needed_approval,"                                          \
	" coalesce(sum(state = 'awaiting_approval'), 0) AS awaiting_approval,"                               \
	" coalesce(sum(state = 'rejected'), 0) AS rejected, coalesce(sum(state = 'failed'), 0) AS failed,"   \
	" coalesce(sum(repeat IS NOT NULL), 0) AS repeat_flagged FROM case_calls WHERE " COMP_IN            \
	" GROUP BY " key " ORDER BY amount DESC, " name

static const char sql_comp_totals[] =
	"SELECT count(*) AS requested, coalesce(sum(" SPENT "), 0) AS granted,"
	" round(coalesce(sum(CASE WHEN " SPENT " THEN value END), 0) / 100.0, 2) AS amount,"
	" coalesce(sum(waited IS NOT NULL), 0) AS needed_approval,"
	" coalesce(sum(state = 'awaiting_approval'), 0) AS awaiting_approval,"
	" coalesce(sum(repeat IS NOT NULL), 0) AS repeat_flagged,"
	" count(DISTINCT customer_id) AS customers FROM case_calls WHERE " COMP_IN;

static const char sql_comp_customers[] =
	"SELECT customer_id, count(*) AS compensations,"
	" round(coalesce(sum(CASE WHEN " SPENT " THEN value END), 0) / 100.0, 2) AS amount,"
	" coalesce(sum(repeat IS NOT NULL), 0) AS repeat_flagged, max(requested_at) AS last_at"
	" FROM case_calls WHERE customer_id IS NOT NULL AND " COMP_IN
	" GROUP BY customer_id HAVING count(*) >= 2 ORDER BY compensations DESC, amount DESC, customer_id LIMIT :limit";

static const char sql_comp_rows[] =
	"SELECT call_id, case_id, comp_kind AS kind, kind AS action, state, round(value / 100.0, 2) AS amount,"
	" team, customer_id, requested_by, approved_by, waited, repeat, requested_at, granted_at, done_at"
	" FROM case_calls WHERE " COMP_IN " ORDER BY requested_at DESC, call_id LIMIT :limit";

/* What the automation did (docs/actions.md): its calls asked for in the
 * period by kind and how they ended. */
static const char sql_auto_actions[] =
	"SELECT kind, count(*) AS calls, coalesce(sum(state = 'succeeded'), 0) AS succeeded,"
	" coalesce(sum(state = 'failed'), 0) AS failed, coalesce(sum(state = 'rejected'), 0) AS rejected,"
	" coalesce(sum(state = 'awaiting_approval'), 0) AS awaiting_approval,"
	" coalesce(sum(state IN ('requested', 'running')), 0) AS in_flight,"
	" " RATE("sum(state = 'succeeded')", "sum(state IN ('succeeded', 'failed'))") " AS success_rate"
	" FROM case_calls WHERE automatic = 1 AND " CALLS " GROUP BY kind ORDER BY calls DESC, kind";

struct section {
	const char *name, *zh, *en;
	const char *sql;
	bool one_row;    /* an object, not an array of rows */
};

#define END { NULL, NULL, NULL, NULL, false }
static const struct section sections[OX_REPORT__N][12] = {
	[OX_REPORT_SUMMARY] = { { "figures", "关键指标", "Key figures", sql_summary, true }, END },
	[OX_REPORT_CASES] = { { "rows", "工单趋势", "Cases over time", sql_cases, false }, END },
	[OX_REPORT_REGIONS] = { { "rows", "高发区域", "Cases by province", sql_regions, false }, END },
	[OX_REPORT_SKUS] = { { "rows", "高发商品", "Top SKUs by cases", sql_skus, false }, END },
	[OX_REPORT_HEATMAP] = { { "rows", "高发时段", "Cases by weekday and hour", sql_heatmap, false }, END },
	[OX_REPORT_CARRIERS] = { { "rows", "承运商表现", "Carrier scorecard", sql_carriers, false }, END },
	[OX_REPORT_PAYMENTS] = { { "rows", "支付方式成功率", "Payment methods", sql_payments, false }, END },
	[OX_REPORT_REVIEW] = {
		{ "totals", "总览", "Totals", sql_review_totals, true },
		{ "by_rule", "按规则", "By rule", REVIEW_BY("rule, category"), false },
		{ "by_category", "按类别", "By category", REVIEW_BY("category"), false },
		{ "root_causes", "根本原因", "Root causes", sql_review_causes, false },
		{ "repeat_customers", "重复客户", "Repeat customers", sql_review_customers, false },
		{ "skus", "高发商品", "Top SKUs", sql_skus, false },
		{ "carriers", "承运商", "Carriers", sql_review_carriers, false },
		{ "csat", "售后回访满意度", "Customer satisfaction", sql_review_csat, false },
		{ "compensation", "补偿支出", "Compensation spend", COMP_FIGURES("comp_kind", "kind"), false },
		{ "automatic_actions", "自动处置结果", "Automatic action outcomes", sql_auto_actions, false },
		END,
	},
	[OX_REPORT_COMPENSATION] = {
		{ "totals", "总览", "Totals", sql_comp_totals, true },
		{ "by_kind", "按补偿方式", "By kind", COMP_FIGURES("comp_kind", "kind"), false },
		{ "by_team", "按团队", "By team", COMP_FIGURES("team", "team"), false },
		{ "repeat_customers", "重复补偿客户", "Customers compensated repeatedly", sql_comp_customers, false },
		{ "rows", "补偿明细", "Compensations", sql_comp_rows, false },
		END,
	},
};

/* ---- the query string ----------------------------------------------------------------- */

static bool absent(const char *z)
{
	return !z || !*z;
}

int ox_report_parse(struct ox_report_query *q, const struct ox_report_args *a, ox_time now, bool md_ok,
		    char err[256])
{
	memset(q, 0, sizeof *q);
	q->limit = OX_REPORT_LIMIT_DEFAULT;
	q->to = now;
	if (!absent(a->to) && !ox_sqldb_parse_time(a->to, &q->to)) {
		snprintf(err, 256, "to: expected an RFC 3339 time or milliseconds, got \"%.64s\"", a->to);
		return -1;
	}
	q->from = q->to - OX_REPORT_PERIOD_DEFAULT;
	if (!absent(a->from) && !ox_sqldb_parse_time(a->from, &q->from)) {
		snprintf(err, 256, "from: expected an RFC 3339 time or milliseconds, got \"%.64s\"", a->from);
		return -1;
	}
	if (q->from >= q->to) {
		snprintf(err, 256, "from: must be before to");
		return -1;
	}
	const char *const *dims[] = { &a->channel, &a->shop, &a->customer };
	const char **out[] = { &q->channel, &q->shop, &q->customer };
	const char *names[] = { "channel", "shop", "customer" };
	for (size_t i = 0; i < OX_ARRAY_LEN(dims); i++) {
		if (absent(*dims[i]))
			continue;
		if (strlen(*dims[i]) > 256) {
			snprintf(err, 256, "%s: longer than 256 bytes", names[i]);
			return -1;
		}
		*out[i] = *dims[i];
	}
	if (!absent(a->bucket)) {
		if (strcmp(a->bucket, "day") == 0) {
			q->by_day = true;
		} else if (strcmp(a->bucket, "hour") != 0) {
			snprintf(err, 256, "bucket: expected hour or day, got \"%.64s\"", a->bucket);
			return -1;
		}
	}
	if (!absent(a->limit) && !ox_sqldb_parse_limit(a->limit, OX_REPORT_LIMIT_MAX, &q->limit)) {
		snprintf(err, 256, "limit: expected 1..%d, got \"%.64s\"", OX_REPORT_LIMIT_MAX, a->limit);
		return -1;
	}
	if (!absent(a->format)) {
		if (strcmp(a->format, "csv") == 0)
			q->format = OX_REPORT_CSV;
		else if (md_ok && strcmp(a->format, "md") == 0)
			q->format = OX_REPORT_MD;
		else if (strcmp(a->format, "json") != 0) {
			snprintf(err, 256, "format: expected json%s or csv, got \"%.64s\"", md_ok ? ", md" : "", a->format);
			return -1;
		}
	}
	if (!absent(a->lang)) {
		if (strcmp(a->lang, "en") == 0)
			q->lang = OX_REPORT_EN;
		else if (strcmp(a->lang, "zh") != 0) {
			snprintf(err, 256, "lang: expected zh or en, got \"%.64s\"", a->lang);
			return -1;
		}
	}
	return 0;
}

/* ---- writing values ------------------------------------------------------------------ */

static bool is_time_col(const char *name)
{
	size_t n = strlen(name);
	return strcmp(name, "bucket") == 0 || (n > 3 && strcmp(name + n - 3, "_at") == 0);
}

static void put_time(struct ox_buf *b, ox_time t, bool quoted)
{
	char tb[OX_TIME_BUFSZ];
	ox_time_format(t, OX_TZ_CST, tb);
	ox_buf_addf(b, quoted ? "\"%s\"" : "%s", tb);
}

static void put_number(struct ox_buf *b, sqlite3_stmt *q, int i)
{
	if (sqlite3_column_type(q, i) == SQLITE_INTEGER)
		ox_buf_addf(b, "%lld", (long long)sqlite3_column_int64(q, i));
	else
		ox_buf_addf(b, "%.10g", sqlite3_column_double(q, i));
}

static void json_value(struct ox_buf *b, sqlite3_stmt *q, int i)
{
	int type = sqlite3_column_type(q, i);
	if (type == SQLITE_NULL)
		ox_buf_addz(b, "null");
	else if (type == SQLITE_INTEGER && is_time_col(sqlite3_column_name(q, i)))
		put_time(b, sqlite3_column_int64(q, i), true);
	else if (type == SQLITE_INTEGER || type == SQLITE_FLOAT)
		put_number(b, q, i);
	else
		ox_buf_add_json_str(b, (const char *)sqlite3_column_text(q, i), (size_t)sqlite3_column_bytes(q, i));
}

/* A CSV field: quoted when it holds a comma, quote or line break; text a
 * spreadsheet would take for a formula (= + - @ tab CR first) gets a
 * leading apostrophe. */
static void csv_text(struct ox_buf *b, const char *s, size_t n)
{
	bool formula = n && strchr("=+-@\t\r", s[0]);
	bool quote = formula || memchr(s, ',', n) || memchr(s, '"', n) || memchr(s, '\n', n) || memchr(s, '\r', n);
	if (quote)
		ox_buf_addz(b, "\"");
	if (formula)
		ox_buf_addz(b, "'");
	for (size_t i = 0; i < n; i++)
		ox_buf_add(b, s[i] == '"' ? "\"\"" : &s[i], s[i] == '"' ? 2 : 1);
	if (quote)
		ox_buf_addz(b, "\"");
}

static void csv_value(struct ox_buf *b, sqlite3_stmt *q, int i)
{
	int type = sqlite3_column_type(q, i);
	if (type == SQLITE_NULL)
		return;
	if (type == SQLITE_INTEGER && is_time_col(sqlite3_column_name(q, i)))
		put_time(b, sqlite3_column_int64(q, i), false);
	else if (type == SQLITE_INTEGER || type == SQLITE_FLOAT)
		put_number(b, q, i);
	else
		csv_text(b, (const char *)sqlite3_column_text(q, i), (size_t)sqlite3_column_bytes(q, i));
}

/* Markdown cells: a pipe or a line break would end the cell. */
static void md_value(struct ox_buf *b, sqlite3_stmt *q, int i)
{
	int type = sqlite3_column_type(q, i);
	if (type == SQLITE_NULL) {
		ox_buf_addz(b, "-");
	} else if (type == SQLITE_INTEGER && is_time_col(sqlite3_column_name(q, i))) {
		put_time(b, sqlite3_column_int64(q, i), false);
	} else if (type == SQLITE_INTEGER || type == SQLITE_FLOAT) {
		put_number(b, q, i);
	} else {
		const char *s = (const char *)sqlite3_column_text(q, i);
		for (int k = 0; k < sqlite3_column_bytes(q, i); k++)
			ox_buf_add(b, s[k] == '|' ? "\\|" : (s[k] == '\n' || s[k] == '\r') ? " " : &s[k],
				   s[k] == '|' ? 2 : 1);
	}
}

/* ---- running ------------------------------------------------------------------------- */

static void bind(sqlite3_stmt *st, const char *name, const struct ox_report_query *q)
{
	int i = sqlite3_bind_parameter_index(st, name);
	if (!i)
		return;
	if (strcmp(name, ":from") == 0)
		sqlite3_bind_int64(st, i, q->from);
	else if (strcmp(name, ":to") == 0)
		sqlite3_bind_int64(st, i, q->to);
	else if (strcmp(name, ":bucket") == 0)
		sqlite3_bind_int64(st, i, q->by_day ? 24 * OX_HOUR_MS : OX_HOUR_MS);
	else if (strcmp(name, ":limit") == 0)
		sqlite3_bind_int64(st, i, q->limit);
	else if (strcmp(name, ":channel") == 0)
		ox_sqldb_bind_text(st, i, q->channel);
	else if (strcmp(name, ":shop") == 0)
		ox_sqldb_bind_text(st, i, q->shop);
	else if (strcmp(name, ":customer") == 0)
		ox_sqldb_bind_text(st, i, q->customer);
}

static void md_heading(struct ox_buf *b, const struct section *s, const struct ox_report_query *q)
{
	if (q->lang == OX_REPORT_EN)
		ox_buf_addf(b, "\n## %s\n\n", s->en);
	else
		ox_buf_addf(b, "\n## %s / %s\n\n", s->zh, s->en);
}

/* One section's rows in q->format. */
static int run_section(sqlite3 *db, const struct section *s, const struct ox_report_query *q, bool many,
		       struct ox_buf *b, char err[256])
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, s->sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, 256, "report %s: %s", s->name, sqlite3_errmsg(db));
		return -1;
	}
	static const char *const params[] = { ":from", ":to", ":bucket", ":limit", ":channel", ":shop", ":customer" };
	for (size_t i = 0; i < OX_ARRAY_LEN(params); i++)
		bind(st, params[i], q);
	int ncol = sqlite3_column_count(st);
	if (q->format == OX_REPORT_JSON) {
		ox_buf_addf(b, ",\"%s\":%s", s->name, s->one_row ? "" : "[");
	} else if (q->format == OX_REPORT_MD) {
		md_heading(b, s, q);
		for (int i = 0; i < ncol; i++)
			ox_buf_addf(b, "| %s ", sqlite3_column_name(st, i));
		ox_buf_addz(b, "|\n");
		for (int i = 0; i < ncol; i++)
			ox_buf_addz(b, "|---");
		ox_buf_addz(b, "|\n");
	} else {
		if (many)
			ox_buf_addf(b, "# %s\r\n", s->name);
		for (int i = 0; i < ncol; i++)
			ox_buf_addf(b, i ? ",%s" : "%s", sqlite3_column_name(st, i));
		ox_buf_addz(b, "\r\n");
	}
	int rc, rows = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (q->format == OX_REPORT_JSON) {
			ox_buf_addz(b, rows ? ",{" : "{");
			for (int i = 0; i < ncol; i++) {
				ox_buf_addf(b, i ? ",\"%s\":" : "\"%s\":", sqlite3_column_name(st, i));
				json_value(b, st, i);
			}
			ox_buf_addz(b, "}");
		} else if (q->format == OX_REPORT_MD) {
			for (int i = 0; i < ncol; i++) {
				ox_buf_addz(b, "| ");
				md_value(b, st, i);
				ox_buf_addz(b, " ");
			}
			ox_buf_addz(b, "|\n");
		} else {
			for (int i = 0; i < ncol; i++) {
				if (i)
					ox_buf_addz(b, ",");
				csv_value(b, st, i);
			}
			ox_buf_addz(b, "\r\n");
		}
		rows++;
	}
	if (rc != SQLITE_DONE) {
		snprintf(err, 256, "report %s: %s", s->name, sqlite3_errmsg(db));
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	if (q->format == OX_REPORT_JSON && !s->one_row)
		ox_buf_addz(b, "]");
	if (q->format == OX_REPORT_CSV && many)
		ox_buf_addz(b, "\r\n");
	return 0;
}

int ox_report_run(sqlite3 *db, enum ox_report r, const struct ox_report_query *q, struct ox_buf *out,
		  char err[256])
{
	struct ox_buf b;
	ox_buf_init(&b, SIZE_MAX); /* measured against out's maximum at the end */
	char from[OX_TIME_BUFSZ], to[OX_TIME_BUFSZ];
	ox_time_format(q->from, OX_TZ_CST, from);
	ox_time_format(q->to, OX_TZ_CST, to);
	size_t n = 0;
	while (sections[r][n].name)
		n++;
	if (q->format == OX_REPORT_JSON) {
		ox_buf_addf(&b, "{\"report\":\"%s\",\"from\":\"%s\",\"to\":\"%s\",\"channel\":", report_names[r], from, to);
		if (q->channel)
			ox_buf_add_json_str(&b, q->channel, strlen(q->channel));
		else
			ox_buf_addz(&b, "null");
		ox_buf_addz(&b, ",\"shop\":");
		if (q->shop)
			ox_buf_add_json_str(&b, q->shop, strlen(q->shop));
		else
			ox_buf_addz(&b, "null");
		if (r == OX_REPORT_CASES)
			ox_buf_addf(&b, ",\"bucket\":\"%s\"", q->by_day ? "day" : "hour");
		if (r == OX_REPORT_COMPENSATION) {
			ox_buf_addz(&b, ",\"customer\":");
			if (q->customer)
				ox_buf_add_json_str(&b, q->customer, strlen(q->customer));
			else
				ox_buf_addz(&b, "null");
		}
	} else if (q->format == OX_REPORT_CSV) {
		ox_buf_addz(&b, "\xEF\xBB\xBF"); /* the BOM: Excel then reads UTF-8 */
	} else {
		ox_buf_addf(&b, q->lang == OX_REPORT_EN ? "# ordex %s report\n\n" : "# ordex %s 报告 / %s report\n\n",
			    report_names[r], report_names[r]);
		ox_buf_addf(&b, q->lang == OX_REPORT_EN ? "Period: %s to %s (Asia/Shanghai)" : "时段 / Period: %s — %s（北京时间 / Asia/Shanghai）",
			    from, to);
		if (q->channel)
			ox_buf_addf(&b, ", channel %s", q->channel);
		if (q->shop)
			ox_buf_addf(&b, ", shop %s", q->shop);
		if (q->customer)
			ox_buf_addf(&b, ", customer %s", q->customer);
		ox_buf_addz(&b, "\n");
	}
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++)
		rc = run_section(db, &sections[r][i], q, n > 1, &b, err);
	if (!rc && q->format == OX_REPORT_JSON)
		ox_buf_addz(&b, "}");
	if (!rc && b.len > out->max - out->len) {
		snprintf(err, 256, "the report is over the answer's maximum of %zu bytes", out->max);
		rc = -1;
	}
	if (!rc && b.len)
		ox_buf_add(out, b.data, b.len);
	ox_buf_release(&b);
	return rc;
}

/* report.h - the reports behind the console's dashboards and the review of
 * a period ("数据分析", "记录与复盘"): SQL over the case store's cases
 * (their dimensions, times and resolutions) and counts (counts.h), written
 * as JSON, CSV (UTF-8 with a BOM, for Excel) or Markdown. Read-only; the
 * caller owns the connection (an HTTP thread's, or the CLI's read-only
 * one). Definitions of every figure: docs/reports.md.
 */
#ifndef OX_REPORT_H
#define OX_REPORT_H

#include <sqlite3.h>
#include <stdbool.h>

#include "counts.h"
#include "timefmt.h"
#include "util.h"

/* X(enum suffix, name in the path) */
#define OX_REPORTS(X)                                                                     \
	X(SUMMARY, "summary") X(CASES, "cases") X(REGIONS, "regions") X(SKUS, "skus")      \
	X(HEATMAP, "heatmap") X(CARRIERS, "carriers") X(PAYMENTS, "payments") X(REVIEW, "review")  \
	X(COMPENSATION, "compensation")

enum ox_report {
#define X(e, name) OX_REPORT_##e,
	OX_REPORTS(X)
#undef X
	OX_REPORT__N
};
/* The report named s, or -1. */
int ox_report_by_name(const char *s);
const char *ox_report_name(enum ox_report r);

enum ox_report_format { OX_REPORT_JSON, OX_REPORT_CSV, OX_REPORT_MD };
enum ox_report_lang { OX_REPORT_ZH, OX_REPORT_EN }; /* Markdown headings */

#define OX_REPORT_LIMIT_DEFAULT 20
#define OX_REPORT_LIMIT_MAX 1000
#define OX_REPORT_PERIOD_DEFAULT (24 * OX_HOUR_MS) /* from = to - 1 day when absent */

struct ox_report_query {
	ox_time from, to;           /* [from, to), ms */
	const char *channel, *shop; /* NULL: every one */
	const char *customer;       /* the compensation report: one customer's; NULL: all */
	bool by_day;                /* cases over time: day buckets, else hours */
	long limit;                 /* rows of ranked lists */
	enum ox_report_format format;
	enum ox_report_lang lang;
};

/* The query string (NULL or "" = absent): from, to (RFC 3339 or ms; to
 * defaults to now, from to one day before to), channel, shop, customer (at
 * most 256 bytes), bucket (hour|day), limit (1..OX_REPORT_LIMIT_MAX), format
 * (json|csv; md too when md_ok). -1 with "name: why" in err. */
struct ox_report_args {
	const char *from, *to, *channel, *shop, *customer, *bucket, *limit, *format, *lang;
};
int ox_report_parse(struct ox_report_query *q, const struct ox_report_args *a, ox_time now, bool md_ok,
		    char err[256]);

/* Append report r for q to out in q->format. 0, or -1 with why in err
 * (a database error, or out's maximum). On error out is unchanged. */
int ox_report_run(sqlite3 *db, enum ox_report r, const struct ox_report_query *q, struct ox_buf *out,
		  char err[256]);

#endif

/* report_cli.c - `ordex report NAME`: a report of report.h read from
 * DIR/cases.db, opened read-only (also while `ordex serve` runs: SQLite's
 * WAL lets a reader see the last commit). The review in Markdown is the
 * default: headings in zh-CN with English second, or English with --lang en.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report.h"
#include "report_cli.h"

#define MIN_SCHEMA 7 /* the store's migration with the calls as rows (compensation, automation) */

static const char usage_text[] =
	"usage: ordex report NAME [--data DIR] [--from TS] [--to TS] [--channel C] [--shop S]\n"
	"                    [--customer ID] [--bucket hour|day] [--limit N] [--format md|csv|json]\n"
	"                    [--lang zh|en]\n"
	"  Prints a report of the case store DIR/cases.db (default ./data), read-only.\n"
	"  NAME: summary, cases, regions, skus, heatmap, carriers, payments, review, compensation.\n"
	"  --from, --to: RFC 3339 or ms; the period is [from, to), to defaults to now,\n"
	"  from to one day before to. Format: md (default), csv (UTF-8 with a BOM) or json.\n"
	"  docs/reports.md defines every figure. Exit: 0 done, 1 failure, 2 usage error.\n";

static int usage(const char *why)
{
	if (why)
		fprintf(stderr, "ordex report: %s\n", why);
	fputs(usage_text, stderr);
	return 2;
}

int ox_cmd_report(int argc, char **argv)
{
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (argc < 2)
		return usage(NULL);
	int report = ox_report_by_name(argv[1]);
	if (report < 0)
		return usage("unknown report");
	const char *data = "./data";
	struct ox_report_args a = { .format = "md" };
	static const char *const names[] = { "--data", "--from", "--to", "--channel", "--shop", "--customer",
					     "--bucket", "--limit", "--format", "--lang" };
	const char **slots[] = { &data,	     &a.from,	&a.to,	  &a.channel, &a.shop,
				 &a.customer, &a.bucket, &a.limit, &a.format,  &a.lang };
	for (int i = 2; i < argc; i++) {
		size_t k = 0;
		while (k < OX_ARRAY_LEN(names) && strcmp(argv[i], names[k]) != 0)
			k++;
		if (k == OX_ARRAY_LEN(names))
			return usage("unknown option");
		if (i + 1 >= argc)
			return usage("an option without its value");
		*slots[k] = argv[++i];
	}
	struct ox_report_query q;
	char err[256];
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	if (ox_report_parse(&q, &a, (ox_time)now.tv_sec * 1000 + now.tv_nsec / 1000000, true, err) < 0)
		return usage(err);

	char path[4096];
	snprintf(path, sizeof path, "%s/cases.db", data);
	sqlite3 *db = NULL;
	int rc = 1;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		fprintf(stderr, "ordex report: %s: %s\n", path, db ? sqlite3_errmsg(db) : "cannot open");
		goto out;
	}
	sqlite3_busy_timeout(db, 5000);
	sqlite3_stmt *st = NULL;
	int version = 0;
	if (sqlite3_prepare_v2(db, "SELECT max(version) FROM schema_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (version < MIN_SCHEMA) {
		fprintf(stderr, "ordex report: %s: not a case store with reports (schema %d, need %d):"
				" start `ordex serve --data %s` once to bring it up to date\n",
			path, version, MIN_SCHEMA, data);
		goto out;
	}
	struct ox_buf b;
	ox_buf_init(&b, SIZE_MAX);
	if (ox_report_run(db, (enum ox_report)report, &q, &b, err) < 0) {
		fprintf(stderr, "ordex report: %s\n", err);
	} else {
		fwrite(b.data, 1, b.len, stdout);
		if (q.format == OX_REPORT_JSON)
			fputc('\n', stdout);
		rc = fflush(stdout) == 0 ? 0 : 1;
	}
	ox_buf_release(&b);
out:
	sqlite3_close(db);
	return rc;
}

/* api_report.c - the reports (report.h, docs/reports.md) through the API:
 * GET /api/v1/reports/{summary,cases,regions,skus,heatmap,carriers,
 * payments,review}, read on the HTTP thread's own store connection. The
 * `reports` permission: figures over every team, so agents have none. */
#include <stdio.h>
#include <string.h>

#include "api_impl.h"
#include "report.h"

enum ox_http_step api_report(void *ctx, struct ox_http_req *r)
{
	struct ox_api *a = ctx;
	const char *slash = strrchr(r->route->pattern, '/');
	int report = ox_report_by_name(slash ? slash + 1 : "");
	if (report < 0) { /* the route table names only reports */
		ox_http_error(r, 500, "internal error", "no such report");
		return OX_HTTP_DONE;
	}
	struct ox_report_args args = {
		.from = ox_http_query(r, "from"), .to = ox_http_query(r, "to"),
		.channel = ox_http_query(r, "channel"), .shop = ox_http_query(r, "shop"),
		.customer = ox_http_query(r, "customer"),
		.bucket = ox_http_query(r, "bucket"), .limit = ox_http_query(r, "limit"),
		.format = ox_http_query(r, "format"),
	};
	struct ox_report_query q;
	char err[256];
	/* to, when absent: the event clock, included */
	if (ox_report_parse(&q, &args, api_event_clock(a) + 1, false, err) < 0) {
		ox_http_error(r, 400, "invalid query", err);
		return OX_HTTP_DONE;
	}
	struct kit *k = api_kit_take(a);
	struct ox_store *s = api_kit_store(a, k, r);
	if (s && ox_report_run(ox_store_conn(s), (enum ox_report)report, &q, &r->out, err) < 0) {
		r->out.len = 0;
		ox_http_error(r, 500, "internal error", err);
	} else if (s) {
		r->status = 200;
		if (q.format == OX_REPORT_CSV) {
			char disp[96];
			r->content_type = "text/csv; charset=utf-8";
			snprintf(disp, sizeof disp, "attachment; filename=\"ordex-%s.csv\"", ox_report_name((enum ox_report)report));
			ox_http_add_header(r, "Content-Disposition", disp);
		}
	}
	api_kit_give(a, k);
	return OX_HTTP_DONE;
}

/* api_prevent.c - the prevention services (docs/prevent.md): intake
 * validation, answered on the HTTP thread from intake.c's checks (the CUS_*
 * rules' own), and risk scoring, a read-only job on the writer thread that
 * owns the fraud windows (ox_risk_score, FRD_SUSPECT's own). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_impl.h"
#include "params_live.h"
#include "intake.h"
#include "risk.h"

/* ---- POST /api/v1/validate/order ------------------------------------------------ */

enum ox_http_step api_validate_order(void *ctx, struct ox_http_req *r)
{
	struct ox_api *a = ctx;
	struct kit *k = api_kit_take(a);
	struct ox_intake_order o = { .items = NULL };
	char err[256];
	if (ox_intake_parse(&o, &k->json, r->body.data ? r->body.data : "", r->body.len, err, sizeof err)) {
		ox_http_error(r, 400, "invalid body", err);
	} else {
		struct ox_intake_report *rep = ox_xmalloc(sizeof *rep);
		struct ox_buf scratch;
		ox_buf_init(&scratch, SIZE_MAX);
		if (a->o.live) /* the remark keywords may change live */
			ox_live_rdlock(a->o.live);
		ox_intake_check(&o.ev, a->o.params, rep, &scratch);
		if (a->o.live)
			ox_live_unlock(a->o.live);
		ox_intake_report_json(rep, &r->out);
		r->status = 200;
		ox_buf_release(&scratch);
		free(rep);
	}
	ox_intake_order_release(&o);
	api_kit_give(a, k);
	return OX_HTTP_DONE;
}

/* ---- POST /api/v1/risk/score ------------------------------------------------------ */

/* The order stays parsed in the request's own parser while the writer
 * scores it: its strings point into the tokens. */
struct risk_state {
	struct ox_json json;
	struct ox_intake_order order;
	struct ox_risk risk;
	struct ox_job job;
};

static void risk_free(void *p)
{
	struct risk_state *st = p;
	ox_json_release(&st->json);
	ox_intake_order_release(&st->order);
	free(st);
}

enum ox_http_step api_risk_score(void *ctx, struct ox_http_req *r)
{
	struct ox_api *a = ctx;
	struct risk_state *st = ox_xcalloc(1, sizeof *st);
	r->state = st;
	r->free_state = risk_free;
	ox_json_init(&st->json, 32);
	char err[256];
	if (ox_intake_parse(&st->order, &st->json, r->body.data ? r->body.data : "", r->body.len, err, sizeof err)) {
		ox_http_error(r, 400, "invalid body", err);
		return OX_HTTP_DONE;
	}
	st->job = (struct ox_job){ .kind = OX_JOB_RISK, .risk_ev = &st->order.ev, .risk = &st->risk,
				   .done = api_job_done, .ctx = r };
	if (ox_writer_submit(a->o.writer, &st->job) < 0) {
		st->job.status = 503;
		ox_http_resume(r);
	}
	return OX_HTTP_SUSPENDED;
}

void api_risk_score_finish(void *ctx, struct ox_http_req *r)
{
	struct ox_api *a = ctx;
	struct risk_state *st = r->state;
	if (st->job.status) {
		api_writer_refused(a, r, st->job.status);
		return;
	}
	const struct ox_risk *k = &st->risk;
	r->status = 200;
	ox_buf_addf(&r->out, "{\"score\":%d,\"threshold\":%d,\"reasons\":[", k->score, k->threshold);
	for (size_t i = 0; i < k->n; i++) {
		ox_buf_addf(&r->out, "%s{\"code\":\"%s\",\"weight\":%d,\"message_zh\":", i ? "," : "",
			    ox_risk_term_name(k->r[i].term), k->r[i].weight);
		ox_buf_add_json_str(&r->out, k->r[i].zh, strlen(k->r[i].zh));
		ox_buf_addz(&r->out, ",\"message_en\":");
		ox_buf_add_json_str(&r->out, k->r[i].en, strlen(k->r[i].en));
		ox_buf_addz(&r->out, "}");
	}
	ox_buf_addz(&r->out, "]}");
}

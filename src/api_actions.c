/* api_actions.c - calls on the merchant's systems over HTTP (docs/actions.md):
 *   POST /api/v1/cases/{id}/actions         ask for a call (or a dry run)
 *   POST /api/v1/cases/{id}/messages        a playbook message, sent by send_message
 *   POST /api/v1/cases/{id}/compensations   a coupon, points, partial refund or gift
 *   POST /api/v1/actions/{call}/approve     a supervisor lets a call run
 *   POST /api/v1/actions/{call}/reject      ... or not
 *   GET  /api/v1/actions/auto               the automation's kill switch
 *   PUT  /api/v1/actions/auto               moves it (admin)
 * Each change is a desk action: applied and logged by the writer, audited.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_impl.h"
#include "call.h"
#include "desk.h"
#include "event.h"
#include "webhook.h"

/* An action with no call kind, state or status yet (the parser's unset). */
static struct api_action_state *call_state_new(struct ox_http_req *r)
{
	struct api_action_state *st = api_action_state_new(r);
	st->action.kind = st->action.state = -1;
	st->action.to = OX_CASE__NSTATUS;
	st->answers_calls = true;
	return st;
}

/* ---- POST /api/v1/cases/{id}/actions ---------------------------------------------- */

/* dry_run of the body, else the config's; false with a 400 written. */
static bool read_dry(const struct ox_api *a, const struct kit *k, struct ox_http_req *r, bool *dry)
{
	const struct ox_json_tok *v = api_body_get(k, "dry_run");
	*dry = a->o.calls && a->o.calls->dry_run;
	if (!v || v->type == OX_JSON_NULL)
		return true;
	if (v->type != OX_JSON_TRUE && v->type != OX_JSON_FALSE) {
		ox_http_error(r, 400, "invalid body", "dry_run: expected true or false");
		return false;
	}
	*dry = v->type == OX_JSON_TRUE;
	return true;
}

/* {kind, params, dry_run, note} into the action; false with a 400 written. */
static bool read_call(struct ox_api *a, struct kit *k, struct ox_http_req *r, struct ox_desk_action *act)
{
	char kind[32];
	if (!api_body_object(k, r) || !api_body_str(k, r, "kind", kind, sizeof kind, true) ||
	    !api_body_str(k, r, "note", act->note, sizeof act->note, false))
		return false;
	act->kind = ox_pb_action_by_name(kind, strlen(kind));
	if (act->kind < 0) {
		ox_http_error(r, 400, "invalid body",
			      "kind: unknown action (refund, partial_refund, reship, cancel_order, mark_paid, "
			      "update_address, intercept_shipment, issue_coupon, add_points, send_message, "
			      "carrier_claim, query_payment, query_tracking or send_gift)");
		return false;
	}
	const struct ox_json_tok *p = api_body_get(k, "params");
	if (p && p->type != OX_JSON_NULL) {
		if (p->type != OX_JSON_OBJECT || p->len > OX_CALL_PARAMS_MAX) {
			ox_http_error(r, 400, "invalid body", "params: expected a JSON object of at most 8192 bytes");
			return false;
		}
		memcpy(act->params, p->s, p->len);
		act->params[p->len] = '\0';
	}
	return read_dry(a, k, r, &act->dry);
}

typedef bool call_reader(struct ox_api *a, struct kit *k, struct ox_http_req *r, struct ox_desk_action *act);

/* A call on case r->param, made of the body by read (a 400 written when it
 * cannot), handed to the writer. */
static enum ox_http_step submit_call(struct ox_api *a, struct ox_http_req *r, call_reader *read)
{
	struct api_action_state *st = call_state_new(r);
	struct kit *k = api_kit_take(a);
	bool ok = read(a, k, r, &st->action);
	api_kit_give(a, k);
	if (!ok)
		return OX_HTTP_DONE;
	st->action.op = OX_DESK_CALL;
	snprintf(st->action.case_id, sizeof st->action.case_id, "%.23s", r->param);
	return api_submit_action(a, r, st);
}

enum ox_http_step api_case_call(void *ctx, struct ox_http_req *r)
{
	return submit_call(ctx, r, read_call);
}

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* What a dry run would send, exactly: the request of an attempt now. */
static void dry_answer(struct ox_api *a, struct ox_http_req *r, const struct api_action_state *st)
{
	const struct ox_call_endpoint *ep = ox_call_endpoint(a->o.calls, (enum ox_pb_action)st->action.kind);
	const char *body = st->job.text.data ? st->job.text.data : "";
	struct ox_wh_request rq;
	ox_wh_request_init(&rq);
	if (!ep || ox_call_request(ep, st->action.call_id, body, strlen(body), wall_ms(), &rq) < 0) {
		ox_http_error(r, 500, "internal error", "the request could not be made");
		ox_wh_request_release(&rq);
		return;
	}
	ox_buf_addz(&r->out, "{\"dry_run\":true,\"call_id\":");
	ox_buf_add_json_str(&r->out, st->action.call_id, strlen(st->action.call_id));
	ox_buf_addf(&r->out, ",\"kind\":\"%s\",\"request\":{\"method\":\"POST\",\"url\":",
		    ox_pb_action_name((enum ox_pb_action)st->action.kind));
	ox_buf_add_json_str(&r->out, rq.url.data, rq.url.len);
	ox_buf_addz(&r->out, ",\"headers\":{");
	for (size_t i = 0; i < rq.n_headers; i++) {
		const char *h = rq.headers[i], *colon = strchr(h, ':');
		const char *v = colon + 1 + (colon[1] == ' ');
		ox_buf_addz(&r->out, i ? "," : "");
		ox_buf_add_json_str(&r->out, h, (size_t)(colon - h));
		ox_buf_addz(&r->out, ":");
		ox_buf_add_json_str(&r->out, v, strlen(v));
	}
	ox_buf_addz(&r->out, "},\"body\":");
	ox_buf_add_json_str(&r->out, rq.body.data ? rq.body.data : "", rq.body.len);
	/* a compensation above the caller's limit or the team's budget */
	const char *wait = ox_comp_wait_name((enum ox_comp_wait)st->action.would_wait);
	ox_buf_addf(&r->out, "},\"approval\":%s%s%s}", *wait ? "\"" : "null", wait, *wait ? "\"" : "");
	r->status = 200;
	ox_wh_request_release(&rq);
}

void api_case_call_finish(void *ctx, struct ox_http_req *r)
{
	struct ox_api *a = ctx;
	struct api_action_state *st = r->state;
	if (api_action_refused(a, r, &st->job))
		return;
	if (st->action.op == OX_DESK_CALL && st->action.dry) {
		dry_answer(a, r, st);
		return;
	}
	/* the case as stored, its calls included: the group was flushed, and
	 * the executor waits for this answer (writer.h, wakes_executor) */
	snprintf(r->param, sizeof r->param, "%s", st->action.case_id);
	api_case_get(ctx, r);
	if (r->status == 200 && st->action.op == OX_DESK_CALL)
		r->status = 202; /* asked for; the executor does it */
	if (a->o.executor)
		ox_executor_wake(a->o.executor);
}

/* ---- POST /api/v1/cases/{id}/messages --------------------------------------------- */

enum ox_http_step api_case_message(void *ctx, struct ox_http_req *r)
{
	struct ox_api *a = ctx;
	struct api_action_state *st = call_state_new(r);
	struct ox_buf text;
	ox_buf_init(&text, OX_PB_RENDER_MAX);
	int step = 0, lang = 0;
	uint32_t missing = 0;
	struct kit *k = api_kit_take(a);
	bool ok = api_message_render(a, k, r, &text, &step, &lang, &missing);
	if (ok && missing) { /* what reaches a customer is complete */
		struct ox_buf why;
		ox_buf_init(&why, 1024);
		ox_buf_addz(&why, "vars: no value for");
		for (int v = 0; v < OX_PB_V__COUNT; v++)
			if (missing & (1u << v))
				ox_buf_addf(&why, " {%s}", ox_pb_var_name((enum ox_pb_var)v));
		ox_http_error(r, 400, "invalid body", why.data);
		ox_buf_release(&why);
		ok = false;
	}
	ok = ok && read_dry(a, k, r, &st->action.dry);
	api_kit_give(a, k);
	if (ok) {
		struct ox_buf params;
		ox_buf_init(&params, OX_CALL_PARAMS_MAX);
		ox_buf_addf(&params, "{\"step\":\"%s\",\"lang\":\"%s\",\"text\":", ox_pb_step_name((enum ox_pb_step)step),
			    ox_pb_lang_name((enum ox_pb_lang)lang));
		if (ox_buf_add_json_str(&params, text.data ? text.data : "", text.len) < 0 ||
		    ox_buf_addz(&params, "}") < 0) {
			ox_http_error(r, 400, "invalid body", "the message is too long to send");
			ok = false;
		} else {
			memcpy(st->action.params, params.data, params.len);
			st->action.params[params.len] = '\0';
		}
		ox_buf_release(&params);
	}
	ox_buf_release(&text);
	if (!ok)
		return OX_HTTP_DONE;
	st->action.op = OX_DESK_CALL;
	st->action.kind = OX_PB_A_SEND_MESSAGE;
	snprintf(st->action.case_id, sizeof st->action.case_id, "%.23s", r->param);
	return api_submit_action(a, r, st);
}

/* ---- POST /api/v1/cases/{id}/compensations -------------------------------------------- */

ox_money api_comp_limit(const struct ox_api *a, enum ox_role role)
{
	struct ox_comp_config def;
	if (a->o.calls)
		return ox_comp_role_limit(&a->o.calls->comp, role);
	ox_comp_config_default(&def);
	return ox_comp_role_limit(&def, role);
}

/* An amount in CNY, a string ("15.00") or a number, of the body, into
 * the params being written; false with a 400 written. */
static bool comp_amount(const struct kit *k, struct ox_http_req *r, const char *kind, struct ox_buf *params)
{
	const struct ox_json_tok *v = api_body_get(k, "amount");
	ox_money m;
	char buf[OX_MONEY_BUFSZ], why[128];
	if (!v || (v->type != OX_JSON_STRING && v->type != OX_JSON_NUMBER) || ox_money_parse(v->s, v->len, &m) < 0 ||
	    m <= 0 || m > OX_COMP_MONEY_MAX) {
		snprintf(why, sizeof why, "amount: required for %s, an amount in CNY above 0 (\"15.00\")", kind);
		ox_http_error(r, 400, "invalid body", why);
		return false;
	}
	ox_buf_addf(params, "%s\"amount\":\"%s\"", params->len > 1 ? "," : "", ox_money_format(m, buf));
	return true;
}

/* {kind, amount | points (| gift), reason, note, dry_run} into a call of
 * the kind's action (comp.h); false with a 400 written. */
static bool read_compensation(struct ox_api *a, struct kit *k, struct ox_http_req *r, struct ox_desk_action *act)
{
	char kind[32], reason[256], gift[256];
	if (!api_body_object(k, r) || !api_body_str(k, r, "kind", kind, sizeof kind, true) ||
	    !api_body_str(k, r, "note", act->note, sizeof act->note, false) ||
	    !api_body_str(k, r, "reason", reason, sizeof reason, false) ||
	    !api_body_str(k, r, "gift", gift, sizeof gift, false) || !read_dry(a, k, r, &act->dry))
		return false;
	int ck = ox_comp_kind_by_name(kind, strlen(kind));
	if (ck < 0) {
		ox_http_error(r, 400, "invalid body", "kind: coupon, points, partial_refund or gift");
		return false;
	}
	struct ox_buf params;
	ox_buf_init(&params, OX_CALL_PARAMS_MAX);
	ox_buf_addz(&params, "{");
	bool ok = true;
	if (ck == OX_COMP_POINTS) {
		const struct ox_json_tok *v = api_body_get(k, "points");
		ok = v && v->type == OX_JSON_NUMBER && (v->flags & OX_JSON_F_INT) && v->s[0] != '-' && v->len <= 9 &&
		     !(v->len == 1 && v->s[0] == '0');
		if (ok)
			ox_buf_addf(&params, "\"points\":%.*s", (int)v->len, v->s);
		else
			ox_http_error(r, 400, "invalid body", "points: required for points, a whole number 1..999999999");
	} else {
		if (ck == OX_COMP_GIFT && !gift[0]) {
			ox_http_error(r, 400, "invalid body", "gift: required for a gift (what it is: \"保温杯\")");
			ok = false;
		} else if (ck == OX_COMP_GIFT) {
			ox_buf_addz(&params, "\"gift\":");
			ox_buf_add_json_str(&params, gift, strlen(gift));
		}
		ok = ok && comp_amount(k, r, kind, &params);
	}
	if (ok && reason[0]) {
		ox_buf_addz(&params, ",\"reason\":");
		ox_buf_add_json_str(&params, reason, strlen(reason));
	}
	if (ok) {
		ox_buf_addz(&params, "}");
		memcpy(act->params, params.data, params.len + 1);
		act->kind = (int)ox_comp_action((enum ox_comp_kind)ck);
	}
	ox_buf_release(&params);
	return ok;
}

enum ox_http_step api_case_compensate(void *ctx, struct ox_http_req *r)
{
	return submit_call(ctx, r, read_compensation);
}

/* ---- POST /api/v1/actions/{call}/approve, reject -------------------------------------- */

static enum ox_http_step decide(struct ox_api *a, struct ox_http_req *r, enum ox_desk_op op)
{
	struct api_action_state *st = call_state_new(r);
	struct kit *k = api_kit_take(a);
	bool ok = !r->body.len || (api_body_object(k, r) &&
				   api_body_str(k, r, "note", st->action.note, sizeof st->action.note, false));
	api_kit_give(a, k);
	if (!ok)
		return OX_HTTP_DONE;
	/* "C00000042-3": the case is the id before the last '-' */
	size_t len = strlen(r->param);
	const char *dash = strrchr(r->param, '-');
	if (len >= sizeof st->action.call_id || !dash || (size_t)(dash - r->param) >= sizeof st->action.case_id) {
		ox_http_error(r, 404, "not found", "no such call (ids read C00000042-1)");
		return OX_HTTP_DONE;
	}
	st->action.op = op;
	memcpy(st->action.call_id, r->param, len + 1);
	memcpy(st->action.case_id, r->param, (size_t)(dash - r->param));
	st->action.case_id[dash - r->param] = '\0';
	return api_submit_action(a, r, st);
}

enum ox_http_step api_call_approve(void *ctx, struct ox_http_req *r)
{
	return decide(ctx, r, OX_DESK_APPROVE);
}

enum ox_http_step api_call_reject(void *ctx, struct ox_http_req *r)
{
	return decide(ctx, r, OX_DESK_REJECT);
}

/* ---- GET, PUT /api/v1/actions/auto ---------------------------------------------------- */

static void auto_reply(struct ox_api *a, struct ox_http_req *r, bool enabled)
{
	const struct ox_call_config *c = a->o.calls;
	ox_buf_addf(&r->out, "{\"enabled\":%s,\"rate_limit\":%d,\"dry_run\":%s}", enabled ? "true" : "false",
		    c ? c->rate_limit : 0, c && c->dry_run ? "true" : "false");
	r->status = 200;
}

enum ox_http_step api_auto_get(void *ctx, struct ox_http_req *r)
{
	struct ox_api *a = ctx;
	auto_reply(a, r, ox_writer_auto_enabled(a->o.writer));
	return OX_HTTP_DONE;
}

enum ox_http_step api_auto_put(void *ctx, struct ox_http_req *r)
{
	struct ox_api *a = ctx;
	struct api_action_state *st = call_state_new(r);
	struct kit *k = api_kit_take(a);
	const struct ox_json_tok *v = NULL;
	bool ok = api_body_object(k, r) && api_body_str(k, r, "note", st->action.note, sizeof st->action.note, false);
	if (ok && (!(v = api_body_get(k, "enabled")) || (v->type != OX_JSON_TRUE && v->type != OX_JSON_FALSE))) {
		ox_http_error(r, 400, "invalid body", "enabled: required, true or false");
		ok = false;
	}
	if (ok)
		st->action.enabled = v->type == OX_JSON_TRUE;
	api_kit_give(a, k);
	if (!ok)
		return OX_HTTP_DONE;
	st->action.op = OX_DESK_AUTO;
	return api_submit_action(a, r, st);
}

void api_auto_put_finish(void *ctx, struct ox_http_req *r)
{
	struct ox_api *a = ctx;
	struct api_action_state *st = r->state;
	if (!api_action_refused(a, r, &st->job))
		auto_reply(a, r, st->action.enabled);
}

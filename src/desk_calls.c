/* desk_calls.c - the case desk's calls on the merchant's systems and its
 * auto-remediation (docs/actions.md): the ops that ask for, report on,
 * approve and reject a call, the calls ready for the executor, and the
 * playbook's automatic sequence with its kill switch and rate limit. All
 * on the writer thread and the event clock, as the rest of the desk.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "desk_impl.h"



const struct ox_call_ready *ox_desk_calls(struct ox_desk *d, size_t *n)
{
	*n = d->n_ready;
	return d->ready;
}

void ox_desk_clear_calls(struct ox_desk *d)
{
	for (size_t i = 0; i < d->n_ready; i++)
		free(d->ready[i].body);
	d->n_ready = 0;
}

const char *ox_desk_last_call(const struct ox_desk *d, const char **body, enum ox_comp_wait *wait)
{
	if (body)
		*body = d->last_body.data ? d->last_body.data : "";
	if (wait)
		*wait = d->last_wait;
	return d->last_call;
}

bool ox_desk_auto_enabled(const struct ox_desk *d)
{
	return d->auto_on;
}

static void call_body(const struct ox_case *c, const struct ox_call *call, struct ox_buf *out)
{
	struct ox_call_subject s = { c->id, ox_rule_info(c->rule)->code, c->key };
	ox_buf_reset(out);
	ox_call_body(call, &s, out);
	ox_buf_add(out, "", 0);
}

/* A call to execute once its record (or its case's opening) is durable. */
static void make_ready(struct ox_desk *d, const struct ox_case *c, const struct ox_call *call)
{
	struct ox_buf b;
	ox_buf_init(&b, SIZE_MAX);
	call_body(c, call, &b);
	OX_GROW(d->ready, d->cap_ready, d->n_ready + 1);
	struct ox_call_ready *r = &d->ready[d->n_ready++];
	snprintf(r->id, sizeof r->id, "%s", call->id);
	r->kind = call->kind;
	r->body = b.data ? b.data : ox_xstrndup("", 0);
}

static struct ox_call *find_call(struct ox_case *c, const char *id)
{
	for (size_t i = 0; i < c->n_calls; i++)
		if (strcmp(c->calls[i].id, id) == 0)
			return &c->calls[i];
	return NULL;
}

/* The timeline entry of a call's step: "refund C00000042-1 requested". */
static void call_timeline(struct ox_case *c, const struct ox_call *call, ox_time at, const char *what,
			  const char *actor)
{
	char note[160];
	snprintf(note, sizeof note, "%s %s %s", ox_pb_action_name(call->kind), call->id, what);
	ox_case_add_timeline(c, at, OX_ACT_CALL, NULL, note, actor);
}

/* Append a call of kind to the case: its id is the case's next number. */
static struct ox_call *add_call(struct ox_case *c, enum ox_pb_action kind, const char *params, ox_money amount,
				const char *actor, bool automatic, enum ox_call_state state, ox_time now)
{
	OX_GROW(c->calls, c->cap_calls, c->n_calls + 1);
	struct ox_call *call = &c->calls[c->n_calls++];
	memset(call, 0, sizeof *call);
	snprintf(call->id, sizeof call->id, "%s-%zu", c->id, c->n_calls);
	call->kind = kind;
	call->state = state;
	call->automatic = automatic;
	snprintf(call->actor, sizeof call->actor, "%s", actor);
	call->requested_at = now;
	call->done_at = OX_TIME_NONE;
	call->amount = amount;
	call->params = ox_xstrndup(params, strlen(params));
	call->comp = -1;
	call->granted_at = OX_TIME_NONE;
	return call;
}

/* A compensation that may not go ahead waits for a supervisor (comp.h),
 * whom the alerting tells. */
static void wait_for_approval(struct ox_desk *d, struct ox_case *c, struct ox_call *call, enum ox_comp_wait why,
			      ox_time now, const char *actor)
{
	char what[64];
	call->state = OX_CALL_AWAITING_APPROVAL;
	call->waited = (uint8_t)why;
	snprintf(what, sizeof what, "awaits approval (%s)", ox_comp_wait_name(why));
	call_timeline(c, call, now, what, actor);
	desk_notice(d, c, OX_NOTICE_APPROVAL, now);
}

/* ---- auto-remediation ---- */

/* A decision of the automation, in the timeline (zh-CN first). */
__attribute__((format(printf, 4, 5))) static void auto_note(struct ox_case *c, ox_time at, const char *zh,
							     const char *en_fmt, ...)
{
	char en[200], note[400];
	va_list ap;
	va_start(ap, en_fmt);
	vsnprintf(en, sizeof en, en_fmt, ap);
	va_end(ap);
	snprintf(note, sizeof note, "%s / %s", zh, en);
	ox_case_add_timeline(c, at, OX_ACT_AUTO, NULL, note, DESK_AUTO_ACTOR);
}

/* The params of an automatic call, from what the engine knows of the
 * order; the amount it moves in *amount (-1: none). -1 when there is
 * nothing sensible to send (a refund of nothing). */
static int auto_params(struct ox_desk *d, const struct ox_case *c, enum ox_pb_action kind, struct ox_buf *out,
		       ox_money *amount)
{
	struct ox_order_money m = { 0, 0, "" };
	bool known = ox_rule_info(c->rule)->key == OX_KEY_ORDER && ox_engine_order_money(d->o.engine, c->key, &m);
	char buf[OX_MONEY_BUFSZ];
	*amount = -1;
	ox_buf_reset(out);
	ox_buf_addz(out, "{");
	if (known && m.last_payment_id[0]) {
		ox_buf_addz(out, "\"payment_id\":");
		ox_buf_add_json_str(out, m.last_payment_id, strlen(m.last_payment_id));
	}
	if (kind == OX_PB_A_REFUND || kind == OX_PB_A_PARTIAL_REFUND) {
		/* what was paid beyond the total (a duplicate), else all of it */
		ox_money over = m.net_paid - m.total;
		*amount = !known ? -1 : over > 0 ? over : m.net_paid;
		if (*amount <= 0)
			return -1;
	}
	if (kind == OX_PB_A_MARK_PAID && known && m.net_paid > 0)
		ox_buf_addf(out, "%s\"amount\":\"%s\"", out->len > 1 ? "," : "", ox_money_format(m.net_paid, buf));
	if (*amount > 0)
		ox_buf_addf(out, "%s\"amount\":\"%s\"", out->len > 1 ? "," : "", ox_money_format(*amount, buf));
	ox_buf_addz(out, "}");
	return 0;
}

static bool has_auto_call(const struct ox_case *c, enum ox_pb_action kind)
{
	for (size_t i = 0; i < c->n_calls; i++)
		if (c->calls[i].automatic && c->calls[i].kind == kind)
			return true;
	return false;
}

/* The rate limit, on the event clock: at most rate_limit automatic calls
 * in any minute. */
static bool rate_ok(struct ox_desk *d, ox_time now)
{
	int limit = d->o.calls->rate_limit;
	size_t old = 0;
	while (old < d->n_auto_times && d->auto_times[old] <= now - OX_MS_MINUTE)
		old++;
	if (old) {
		memmove(d->auto_times, d->auto_times + old, (d->n_auto_times - old) * sizeof *d->auto_times);
		d->n_auto_times -= old;
	}
	return limit == 0 || d->n_auto_times < (size_t)limit;
}

/* Make step i of the playbook's sequence, if the switches, the limit and
 * the rate allow it. */
static void auto_step(struct ox_desk *d, struct ox_case *c, const struct ox_playbook *pb, size_t i, ox_time now)
{
	enum ox_pb_action kind = pb->sequence[i];
	const char *name = ox_pb_action_name(kind);
	char m1[OX_MONEY_BUFSZ], m2[OX_MONEY_BUFSZ];
	if (ox_case_status_done(c->status))
		return; /* a person or detection ended it meanwhile */
	if (has_auto_call(c, kind)) {
		auto_note(c, now, "同一动作不自动执行两次", "%s already ran automatically: not again", name);
		return;
	}
	if (!d->auto_on) {
		auto_note(c, now, "自动处理已关闭,交由人工", "automation is switched off: %s left to a person", name);
		return;
	}
	if (!ox_call_endpoint(d->o.calls, kind)) {
		auto_note(c, now, "未配置商家接口,交由人工", "no endpoint for %s: left to a person", name);
		return;
	}
	if (!rate_ok(d, now)) {
		auto_note(c, now, "自动处理超出频率限制,交由人工",
			  "rate limit of %d automatic calls a minute reached: %s left to a person",
			  d->o.calls->rate_limit, name);
		return;
	}
	ox_money amount;
	struct ox_buf *params = &d->scratch;
	if (auto_params(d, c, kind, params, &amount) < 0) {
		auto_note(c, now, "无可自动处理的金额,交由人工", "no amount to %s: left to a person", name);
		return;
	}
	ox_buf_add(params, "", 0);
	enum ox_pb_decision dec = ox_pb_decide(pb, amount);
	if (dec == OX_PB_D_SUGGEST) {
		auto_note(c, now, "金额超出自动处理限额,交由人工", "%s of %s is above the limit of %s: left to a person",
			  name, ox_money_format(amount, m1), ox_money_format(pb->limit, m2));
		return;
	}
	OX_GROW(d->auto_times, d->cap_auto_times, d->n_auto_times + 1);
	d->auto_times[d->n_auto_times++] = now;
	struct ox_call *call = add_call(c, kind, params->data, amount, DESK_AUTO_ACTOR, true,
					dec == OX_PB_D_RUN ? OX_CALL_REQUESTED : OX_CALL_AWAITING_APPROVAL, now);
	/* the playbook's limit stands for a person's; the team's budget still counts */
	enum ox_comp_wait why = desk_comp_check(d, c, call, OX_COMP_NO_LIMIT, now);
	if (dec != OX_PB_D_RUN) {
		call_timeline(c, call, now, "awaits approval", DESK_AUTO_ACTOR);
		desk_notice(d, c, OX_NOTICE_APPROVAL, now);
	} else if (why) {
		wait_for_approval(d, c, call, why, now, DESK_AUTO_ACTOR);
	} else {
		call_timeline(c, call, now, "requested", DESK_AUTO_ACTOR);
		desk_comp_grant(d, c, call, now);
		make_ready(d, c, call);
	}
}

/* Does the merchant take any call at all? Without, the automation is not
 * set up: nothing to say in every case's timeline. */
static bool any_endpoint(const struct ox_call_config *cfg)
{
	for (int k = 0; k < OX_PB_A__COUNT; k++)
		if (ox_call_endpoint(cfg, (enum ox_pb_action)k))
			return true;
	return false;
}

void desk_auto_start(struct ox_desk *d, struct ox_case *c)
{
	const struct ox_playbook *pb = ox_playbook_get(d->pb, c->rule);
	if (!any_endpoint(d->o.calls) || !pb || pb->mode == OX_PB_M_SUGGEST || !pb->n_sequence)
		return;
	auto_step(d, c, pb, 0, c->opened_at);
}

void desk_survey_send(struct ox_desk *d, struct ox_case *c, ox_time now)
{
	const struct ox_call_config *cfg = d->o.calls;
	if (!cfg || !cfg->survey.send || !ox_call_endpoint(cfg, OX_PB_A_SEND_MESSAGE) ||
	    ox_rule_info(c->rule)->key != OX_KEY_ORDER)
		return; /* not set up, or no customer to ask (a SKU's, an incident's case) */
	if (!d->auto_on) {
		auto_note(c, now, "自动处理已关闭,回访问卷未发送", "automation is switched off: no survey sent");
		return;
	}
	if (!rate_ok(d, now)) {
		auto_note(c, now, "自动处理超出频率限制,回访问卷未发送", "rate limit reached: no survey sent");
		return;
	}
	struct ox_pb_vars vars = { 0 };
	vars.v[OX_PB_V_ORDER_ID] = c->key;
	vars.v[OX_PB_V_SHOP] = c->dims.shop;
	struct ox_buf text, *params = &d->scratch;
	char err[200];
	ox_buf_init(&text, OX_PB_RENDER_MAX);
	int rc = ox_pb_render(cfg->survey.text ? cfg->survey.text : ox_call_survey_text(cfg->survey.lang), &vars, &text,
			      NULL, err, sizeof err);
	ox_buf_reset(params);
	ox_buf_addf(params, "{\"step\":\"survey\",\"lang\":\"%s\",\"text\":", ox_pb_lang_name(cfg->survey.lang));
	ox_buf_add_json_str(params, text.data ? text.data : "", text.len);
	ox_buf_add(params, "}", 2);
	ox_buf_release(&text);
	if (rc < 0) {
		auto_note(c, now, "回访问卷未发送", "no survey sent: %s", err);
		return;
	}
	OX_GROW(d->auto_times, d->cap_auto_times, d->n_auto_times + 1);
	d->auto_times[d->n_auto_times++] = now;
	struct ox_call *call =
		add_call(c, OX_PB_A_SEND_MESSAGE, params->data, -1, DESK_AUTO_ACTOR, true, OX_CALL_REQUESTED, now);
	desk_comp_check(d, c, call, OX_COMP_NO_LIMIT, now); /* gives nothing: marks it so */
	call_timeline(c, call, now, "requested (survey)", DESK_AUTO_ACTOR);
	make_ready(d, c, call);
}

/* How an automatic sequence that ends with a kind resolves its case. */
static const struct {
	enum ox_pb_action last;
	const char *resolution, *root_cause;
} auto_endings[] = {
	{ OX_PB_A_MARK_PAID, "status_corrected", "system" },
	{ OX_PB_A_REFUND, "refunded", "payment_provider" },
};

static void auto_finish(struct ox_desk *d, struct ox_case *c, const struct ox_call *call, ox_time now)
{
	int cat = ox_pb_category_of(c->rule);
	for (size_t i = 0; i < OX_ARRAY_LEN(auto_endings); i++) {
		const char *res = auto_endings[i].resolution;
		if (auto_endings[i].last != call->kind || cat < 0 ||
		    !ox_pb_resolution_valid((enum ox_pb_category)cat, res, strlen(res)) ||
		    !desk_may_become(c->status, OX_CASE_RESOLVED))
			continue;
		struct ox_desk_action a = { .op = OX_DESK_TRANSITION, .to = OX_CASE_RESOLVED };
		snprintf(a.actor, sizeof a.actor, "%s", DESK_AUTO_ACTOR);
		snprintf(a.resolution, sizeof a.resolution, "%s", res);
		snprintf(a.root_cause, sizeof a.root_cause, "%s", auto_endings[i].root_cause);
		snprintf(a.note, sizeof a.note, "自动处理完成 / resolved automatically: %s %s succeeded",
			 ox_pb_action_name(call->kind), call->id);
		char ignored[256];
		desk_set_status(d, c, &a, now, ignored);
		return;
	}
}

/* An automatic call ended: the next step of the sequence, or the end. */
static void auto_next(struct ox_desk *d, struct ox_case *c, const struct ox_call *call, ox_time now)
{
	const char *name = ox_pb_action_name(call->kind);
	const struct ox_playbook *pb = ox_playbook_get(d->pb, c->rule);
	size_t i = 0;
	while (i < pb->n_sequence && pb->sequence[i] != call->kind)
		i++;
	if (i == pb->n_sequence)
		return; /* not a step of the sequence: the survey */
	if (call->state != OX_CALL_SUCCEEDED) {
		auto_note(c, now, "自动处理未成功,交由人工", "%s %s: left to a person", name,
			  ox_call_state_name(call->state));
		return;
	}
	if (call->kind == OX_PB_A_QUERY_PAYMENT) {
		/* mark paid only what the gateway says was paid */
		char status[32];
		bool ok = false;
		ox_call_outcome_read(call->outcome ? call->outcome : "", call->outcome ? strlen(call->outcome) : 0,
				     &ok, "status", status, sizeof status);
		if (strcmp(status, "succeeded") != 0 && strcmp(status, "paid") != 0) {
			auto_note(c, now, "支付渠道未确认付款,交由人工", "the payment is not confirmed (status '%s'): left to a person",
				  status);
			return;
		}
	}
	if (pb->mode != OX_PB_M_SUGGEST && i + 1 < pb->n_sequence)
		auto_step(d, c, pb, i + 1, now);
	else
		auto_finish(d, c, call, now);
}

/* ---- the ops ---- */

int desk_request_call(struct ox_desk *d, struct ox_case *c, const struct ox_desk_action *a,
		      const struct ox_desk_scope *scope, ox_time now, char err[256])
{
	if (a->kind < 0 || a->kind >= OX_PB_A__COUNT)
		return desk_refuse(err, OX_DESK_EINVAL, "kind: required (an action kind: refund, mark_paid, ...)");
	const char *name = ox_pb_action_name((enum ox_pb_action)a->kind);
	if (c->status == OX_CASE_CLOSED)
		return desk_refuse(err, OX_DESK_ECONFLICT, "case %s is closed: no more calls", c->id);
	/* a replay takes the record as it was: the config may have changed since */
	if (scope && !ox_call_endpoint(d->o.calls, (enum ox_pb_action)a->kind))
		return desk_refuse(err, OX_DESK_ECONFLICT, "no endpoint is configured for %s (actions.endpoints.%s)", name,
			      name);
	const char *params = a->params[0] ? a->params : "{}";
	ox_money amount;
	char why[200];
	if (ox_call_params_check((enum ox_pb_action)a->kind, params, strlen(params), &amount, why, sizeof why) &&
	    scope)
		return desk_refuse(err, OX_DESK_EINVAL, "%s", why);
	struct ox_call *call =
		add_call(c, (enum ox_pb_action)a->kind, params, amount, a->actor, false, OX_CALL_REQUESTED, now);
	enum ox_comp_wait wait = desk_comp_check(d, c, call, a->limited ? a->limit : OX_COMP_NO_LIMIT, now);
	snprintf(d->last_call, sizeof d->last_call, "%s", call->id);
	call_body(c, call, &d->last_body);
	d->last_wait = wait;
	if (a->dry) { /* nothing changes: take the call back */
		ox_call_release(call);
		c->n_calls--;
		return 0;
	}
	if (wait) {
		wait_for_approval(d, c, call, wait, now, a->actor);
	} else {
		call_timeline(c, call, now, "requested", a->actor);
		desk_comp_grant(d, c, call, now);
		make_ready(d, c, call);
	}
	if (a->note[0])
		ox_case_add_timeline(c, now, OX_ACT_NOTE, NULL, a->note, a->actor);
	desk_changed(d, c);
	return 0;
}

int desk_update_call(struct ox_desk *d, struct ox_case *c, const struct ox_desk_action *a, ox_time now,
		     char err[256])
{
	struct ox_call *call = find_call(c, a->call_id);
	if (!call)
		return desk_refuse(err, OX_DESK_ENOTFOUND, "case %s has no call '%s'", c->id, a->call_id);
	if (a->state != OX_CALL_RUNNING && a->state != OX_CALL_SUCCEEDED && a->state != OX_CALL_FAILED)
		return desk_refuse(err, OX_DESK_EINVAL, "state: running, succeeded or failed");
	if (ox_call_state_final(call->state))
		return 0; /* told twice (a restart of the executor): once is enough */
	if (call->state == OX_CALL_AWAITING_APPROVAL)
		return desk_refuse(err, OX_DESK_ECONFLICT, "call %s awaits approval: it cannot have run", call->id);
	if (a->state == OX_CALL_RUNNING) {
		if (call->state == OX_CALL_REQUESTED) {
			call->state = OX_CALL_RUNNING;
			desk_changed(d, c);
		}
		return 0;
	}
	call->state = (enum ox_call_state)a->state;
	call->done_at = now;
	if (call->state == OX_CALL_FAILED)
		desk_comp_failed(d, c, call);
	free(call->outcome);
	call->outcome = a->outcome[0] ? ox_xstrndup(a->outcome, strlen(a->outcome)) : NULL;
	call_timeline(c, call, now, ox_call_state_name(call->state), a->actor);
	if (call->automatic)
		auto_next(d, c, call, now);
	desk_changed(d, c);
	return 0;
}

/* A supervisor approves or rejects a call that awaits approval. */
int desk_decide_call(struct ox_desk *d, struct ox_case *c, const struct ox_desk_action *a,
		     const struct ox_desk_scope *scope, ox_time now, char err[256])
{
	bool approve = a->op == OX_DESK_APPROVE;
	if (scope && !scope->assign_others)
		return desk_refuse(err, OX_DESK_EDENIED, "deciding on a call needs a supervisor (cases:assign)");
	struct ox_call *call = find_call(c, a->call_id);
	if (!call)
		return desk_refuse(err, OX_DESK_ENOTFOUND, "case %s has no call '%s'", c->id, a->call_id);
	if (call->state != OX_CALL_AWAITING_APPROVAL)
		return desk_refuse(err, OX_DESK_ECONFLICT, "call %s is %s: nothing to %s", call->id,
			      ox_call_state_name(call->state), approve ? "approve" : "reject");
	if (approve && c->status == OX_CASE_CLOSED)
		return desk_refuse(err, OX_DESK_ECONFLICT, "case %s is closed: no more calls", c->id);
	int rc;
	if (approve && scope && (rc = desk_comp_may_approve(call, a, err)))
		return rc;
	snprintf(call->approver, sizeof call->approver, "%s", a->actor);
	call->state = approve ? OX_CALL_REQUESTED : OX_CALL_REJECTED;
	if (!approve)
		call->done_at = now;
	call_timeline(c, call, now, approve ? "approved" : "rejected", a->actor);
	if (a->note[0])
		ox_case_add_timeline(c, now, OX_ACT_NOTE, NULL, a->note, a->actor);
	if (approve) {
		desk_comp_grant(d, c, call, now);
		make_ready(d, c, call);
	}
	desk_changed(d, c);
	return 0;
}

/* desk.c - the case desk (see desk.h). */
#include "desk.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deadline.h"
#include "desk_impl.h"
#include "event.h"
#include "json.h"
#include "mask.h"
#include "snap.h"
#include "yamlcfg.h"

/* ---- the transitions people may make ------------------------------------- */

#define S(x) (1u << OX_CASE_##x)
/* allowed[from]: the statuses a person may move a case to from there.
 * open is reached again only by reopening a finished case. */
static const unsigned allowed[OX_CASE__NSTATUS] = {
	[OX_CASE_OPEN] = S(ACKNOWLEDGED) | S(IN_PROGRESS) | S(WAITING_CUSTOMER) | S(RESOLVED),
	[OX_CASE_ACKNOWLEDGED] = S(IN_PROGRESS) | S(WAITING_CUSTOMER) | S(RESOLVED),
	[OX_CASE_IN_PROGRESS] = S(WAITING_CUSTOMER) | S(RESOLVED),
	[OX_CASE_WAITING_CUSTOMER] = S(IN_PROGRESS) | S(RESOLVED),
	[OX_CASE_RESOLVED] = S(CLOSED) | S(OPEN),
	[OX_CASE_CLOSED] = 0,
	[OX_CASE_AUTO_RESOLVED] = S(CLOSED) | S(OPEN),
};
#undef S


static const char *const op_names[] = {
#define X(e, s) [OX_DESK_##e] = s,
	OX_DESK_OPS(X)
#undef X
};

const char *ox_desk_op_name(enum ox_desk_op op)
{
	return op_names[op];
}

const char *ox_desk_strerror(int err)
{
	static const struct ox_errmsg msgs[] = { OX_DESK_ERRORS(OX_ERRMSG_ROW) };
	return ox_errmsg_find(msgs, OX_ARRAY_LEN(msgs), err);
}

struct ox_desk *ox_desk_new(const struct ox_desk_opts *o)
{
	struct ox_desk *d = ox_xcalloc(1, sizeof *d);
	d->o = *o;
	ox_deadlines_init(&d->timers);
	ox_buf_init(&d->scratch, SIZE_MAX);
	ox_buf_init(&d->last_body, SIZE_MAX);
	d->auto_on = o->calls ? o->calls->auto_enabled : false;
	ox_comp_config_default(&d->comp_default);
	ox_hmap_init(&d->comp_customers);
	d->pb = o->playbooks;
	if (!d->pb) {
		char err[256];
		if (ox_playbooks_load(NULL, &d->own_pb, err, sizeof err) < 0) {
			fprintf(stderr, "ordex: the built-in playbooks: %s\n", err); /* a bug, not a user's error */
			abort();
		}
		d->pb = d->own_pb;
	}
	return d;
}

void ox_desk_free(struct ox_desk *d)
{
	if (!d)
		return;
	ox_deadlines_release(&d->timers);
	free(d->notices);
	free(d->rr);
	ox_buf_release(&d->scratch);
	ox_buf_release(&d->last_body);
	ox_desk_clear_calls(d);
	desk_comp_free(d);
	free(d->ready);
	free(d->auto_times);
	ox_playbooks_free(d->own_pb);
	free(d);
}

static void changed(struct ox_desk *d, const struct ox_case *c)
{
	if (d->o.changed)
		d->o.changed(d->o.ctx, c);
}

static const struct ox_sla *sla_of(const struct ox_desk *d, const struct ox_case *c)
{
	return &d->o.params->sla[c->severity - 1];
}

/* ---- notices ----------------------------------------------------------------- */

/* Copy n bytes of UTF-8 into dst[size], cut between characters. */
static void copy_text(char *dst, size_t size, const char *s, size_t n)
{
	size_t k = ox_utf8_clip(s, n, size - 1);
	memcpy(dst, s, k);
	dst[k] = '\0';
}

void desk_notice(struct ox_desk *d, const struct ox_case *c, enum ox_notice_kind kind, ox_time at)
{
	if (!d->o.notify)
		return;
	OX_GROW(d->notices, d->cap_notices, d->n_notices + 1);
	struct ox_notice *n = &d->notices[d->n_notices++];
	memset(n, 0, sizeof *n);
	n->kind = kind;
	n->rule = c->rule;
	n->severity = c->severity;
	n->level = c->esc_level;
	n->at = at;
	/* the timeline's length makes it unique and is the same in a replay */
	snprintf(n->idem, sizeof n->idem, "%s/%s/%d/%" PRIu32 "/%zu", c->id, ox_notice_kind_name(kind),
		 c->esc_level, c->notices, c->n_timeline);
	snprintf(n->case_id, sizeof n->case_id, "%s", c->id);
	snprintf(n->team, sizeof n->team, "%s", c->team);
	snprintf(n->assignee, sizeof n->assignee, "%s", c->assignee);
	copy_text(n->key, sizeof n->key, c->key, strlen(c->key));
	if (c->n_reasons) {
		/* chat channels are no place for a customer's phone number */
		struct ox_buf *b = &d->scratch;
		ox_buf_reset(b);
		ox_mask_text(c->reasons[0].zh, strlen(c->reasons[0].zh), b);
		copy_text(n->summary_zh, sizeof n->summary_zh, b->data ? b->data : "", b->len);
		ox_buf_reset(b);
		ox_mask_text(c->reasons[0].en, strlen(c->reasons[0].en), b);
		copy_text(n->summary_en, sizeof n->summary_en, b->data ? b->data : "", b->len);
	}
}

const struct ox_notice *ox_desk_notices(struct ox_desk *d, size_t *n)
{
	*n = d->n_notices;
	return d->notices;
}

void ox_desk_clear_notices(struct ox_desk *d)
{
	d->n_notices = 0;
}

/* ---- routing and service level ------------------------------------------- */

static uint64_t rr_next(struct ox_desk *d, const char *team)
{
	for (size_t i = 0; i < d->n_rr; i++)
		if (strcmp(d->rr[i].team, team) == 0)
			return d->rr[i].next++;
	OX_GROW(d->rr, d->cap_rr, d->n_rr + 1);
	struct rr *r = &d->rr[d->n_rr++];
	snprintf(r->team, sizeof r->team, "%s", team);
	r->next = 1;
	return 0;
}

static void route(struct ox_desk *d, struct ox_case *c)
{
	const char *channel = NULL, *shop = NULL; /* SKU and incident cases have none */
	if (ox_rule_info(c->rule)->key == OX_KEY_ORDER)
		ox_engine_order_origin(d->o.engine, c->key, &channel, &shop);
	const char *team = ox_policy_team(d->o.policy, d->o.params, c->rule, c->severity, channel, shop);
	snprintf(c->team, sizeof c->team, "%s", team);
	const struct ox_team *t = ox_policy_team_info(d->o.policy, team);
	const char *who = t && t->round_robin ? ox_policy_pick(t, rr_next(d, team)) : NULL;
	ox_case_add_timeline(c, c->opened_at, OX_ACT_ROUTED, NULL, team, NULL);
	if (who) {
		snprintf(c->assignee, sizeof c->assignee, "%s", who);
		ox_case_add_timeline(c, c->opened_at, OX_ACT_ASSIGNED, NULL, who, NULL);
	}
}

static void schedule(struct ox_desk *d, struct ox_case *c, enum timer kind, ox_time due)
{
	if (due != OX_TIME_NONE)
		ox_deadlines_push(&d->timers, due, kind, c, 0);
}

static void start_sla(struct ox_desk *d, struct ox_case *c, ox_time from)
{
	const struct ox_sla *s = sla_of(d, c);
	if (c->responded_at == OX_TIME_NONE) {
		c->respond_due = from + s->respond;
		schedule(d, c, T_RESPOND, c->respond_due);
	}
	c->resolve_due = from + s->resolve;
	schedule(d, c, T_RESOLVE, c->resolve_due);
}

void ox_desk_case_changed(struct ox_desk *d, const struct ox_case *seen, enum ox_case_change what)
{
	struct ox_case *c = ox_engine_case_by_id(d->o.engine, seen->id);
	if (!c)
		return;
	if (what == OX_CHANGE_OPENED) {
		c->esc_level = 1;
		route(d, c);
		start_sla(d, c, c->opened_at);
		if (c->severity <= 2) /* P3 and P4 wait in their queue; the urgent page someone */
			desk_notice(d, c, OX_NOTICE_OPENED, c->opened_at);
		desk_auto_start(d, c);
	} else if (what == OX_CHANGE_RESOLVED) {
		c->paused_at = OX_TIME_NONE;
		if (c->esc_level >= 2) /* whoever was paged hears that it is over */
			desk_notice(d, c, OX_NOTICE_RESOLVED, c->resolved_at);
	}
}

/* ---- escalation ------------------------------------------------------------ */

static void escalate(struct ox_desk *d, struct ox_case *c, int level, ox_time at, const char *missed)
{
	ox_case_add_timeline(c, at, OX_ACT_SLA_BREACHED, NULL, missed, NULL);
	if (level > c->esc_level) {
		const struct ox_team *t = ox_policy_team_info(d->o.policy, c->team);
		char note[160];
		if (level == 2 && t && t->lead)
			snprintf(note, sizeof note, "level 2: %s", t->lead);
		else
			snprintf(note, sizeof note, "level %d", level);
		c->esc_level = level;
		c->notices = 0;
		ox_case_add_timeline(c, at, OX_ACT_ESCALATED, NULL, note, NULL);
	}
	desk_notice(d, c, OX_NOTICE_ESCALATED, at);
	c->next_notice = at + d->o.params->escalation_repeat;
	schedule(d, c, T_REPEAT, c->next_notice);
	changed(d, c);
}

/* Is the level the case reached still unmet (so worth telling again)? */
static bool unmet(const struct ox_case *c)
{
	if (ox_case_status_done(c->status))
		return false;
	return c->esc_level >= 3 || c->responded_at == OX_TIME_NONE;
}

/* ---- progress reminders ("定期更新进展") ----------------------------------------- */

/* Is the case with a person, waiting for the customer or being worked? */
static bool waits(const struct ox_case *c)
{
	return c->status == OX_CASE_WAITING_CUSTOMER || c->status == OX_CASE_IN_PROGRESS;
}

/* Someone did something on the case (or it started to wait): the owner is
 * reminded a whole interval from now, while it still waits. */
static void progress_touched(struct ox_desk *d, struct ox_case *c, ox_time now)
{
	int64_t every = d->o.calls ? d->o.calls->progress_reminder : 0;
	if (!every || !waits(c)) {
		c->progress_due = OX_TIME_NONE;
		return;
	}
	c->progress_due = now + every;
	schedule(d, c, T_REMIND, c->progress_due);
}

static void fire(struct ox_desk *d, const struct ox_deadline *t)
{
	struct ox_case *c = t->target;
	if (ox_case_status_done(c->status))
		return;
	switch ((enum timer)t->kind) {
	case T_RESPOND:
		if (c->responded_at == OX_TIME_NONE && c->respond_due == t->due &&
		    c->respond_breached_at == OX_TIME_NONE) {
			c->respond_breached_at = t->due;
			escalate(d, c, 2, t->due, "respond");
		}
		break;
	case T_RESOLVE:
		if (c->paused_at == OX_TIME_NONE && c->resolve_due == t->due &&
		    c->resolve_breached_at == OX_TIME_NONE) {
			c->resolve_breached_at = t->due;
			escalate(d, c, 3, t->due, "resolve");
		}
		break;
	case T_REMIND:
		if (c->progress_due == t->due && waits(c)) {
			ox_case_add_timeline(c, t->due, OX_ACT_REMINDED, NULL,
					     "请向客户更新进展 / update the customer on progress", NULL);
			desk_notice(d, c, OX_NOTICE_REMINDER, t->due);
			c->progress_due = t->due + d->o.calls->progress_reminder;
			schedule(d, c, T_REMIND, c->progress_due);
			changed(d, c);
		}
		break;
	case T_REPEAT:
		/* nothing of the case people see changes: no store write */
		if (c->next_notice == t->due && unmet(c)) {
			c->notices++;
			desk_notice(d, c, OX_NOTICE_ESCALATED, t->due);
			c->next_notice = t->due + d->o.params->escalation_repeat;
			schedule(d, c, T_REPEAT, c->next_notice);
		}
		break;
	}
}

void ox_desk_advance(struct ox_desk *d, ox_time now)
{
	const struct ox_deadline *top;
	while ((top = ox_deadlines_peek(&d->timers)) && top->due <= now) {
		struct ox_deadline t;
		ox_deadlines_pop(&d->timers, &t);
		fire(d, &t);
	}
}

static void listen_changed(void *ctx, const struct ox_case *c, enum ox_case_change what)
{
	ox_desk_case_changed(ctx, c, what);
}

static void listen_clock(void *ctx, ox_time now)
{
	ox_desk_advance(ctx, now);
}

struct ox_case_listener ox_desk_listener(struct ox_desk *d)
{
	return (struct ox_case_listener){ .changed = listen_changed, .ctx = d, .clock = listen_clock };
}

/* ---- people's actions ------------------------------------------------------- */

int desk_refuse(char err[256], int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, 256, fmt, ap);
	va_end(ap);
	return code;
}

static bool in_scope(const struct ox_desk_scope *scope, const struct ox_case *c)
{
	if (!scope || scope->any_team)
		return true;
	for (size_t i = 0; i < scope->n_teams; i++)
		if (strcmp(scope->teams[i], c->team) == 0)
			return true;
	return false;
}

/* "售后回访": a case a person resolved is due for the customer's survey,
 * once, and it is sent when the merchant takes messages (docs/cases.md). */
static void survey_due(struct ox_desk *d, struct ox_case *c, ox_time now)
{
	for (size_t i = 0; i < c->n_timeline; i++)
		if (c->timeline[i].action == OX_ACT_SURVEY_DUE)
			return;
	ox_case_add_timeline(c, now, OX_ACT_SURVEY_DUE, NULL, NULL, NULL);
	desk_survey_send(d, c, now);
}

/* Leave waiting_customer: the resolve clock moves by the pause. */
static void unpause(struct ox_desk *d, struct ox_case *c, ox_time now)
{
	if (c->paused_at == OX_TIME_NONE)
		return;
	if (c->resolve_due != OX_TIME_NONE && c->resolve_breached_at == OX_TIME_NONE) {
		c->resolve_due += now - c->paused_at;
		schedule(d, c, T_RESOLVE, c->resolve_due);
	}
	c->paused_at = OX_TIME_NONE;
}

static int set_status(struct ox_desk *d, struct ox_case *c, const struct ox_desk_action *a, ox_time now,
		      char err[256])
{
	enum ox_case_status from = c->status, to = a->to;
	if (!(allowed[from] & (1u << to)))
		return desk_refuse(err, OX_DESK_ECONFLICT, "case %s is %s: it cannot become %s", c->id,
			      ox_case_status_name(from), ox_case_status_name(to));
	if (to == OX_CASE_OPEN && !ox_engine_reclaim_case(d->o.engine, c))
		return desk_refuse(err, OX_DESK_ECONFLICT,
			      "case %s cannot be reopened: a newer case of its key is open", c->id);
	if (from == OX_CASE_WAITING_CUSTOMER)
		unpause(d, c, now);
	if (from == OX_CASE_OPEN && c->responded_at == OX_TIME_NONE)
		c->responded_at = now;
	switch (to) {
	case OX_CASE_WAITING_CUSTOMER:
		c->paused_at = now;
		break;
	case OX_CASE_RESOLVED:
		c->resolved_at = now;
		ox_engine_release_case(d->o.engine, c);
		/* an incident's members get the incident's (cascade copies a) */
		snprintf(c->resolution, sizeof c->resolution, "%s", a->resolution);
		snprintf(c->root_cause, sizeof c->root_cause, "%s", a->root_cause);
		break;
	case OX_CASE_CLOSED:
		c->closed_at = now;
		break;
	case OX_CASE_OPEN: /* reopened: a fresh service level from now, not resolved */
		c->resolved_at = c->closed_at = OX_TIME_NONE;
		c->resolution[0] = c->root_cause[0] = '\0';
		start_sla(d, c, now);
		break;
	default:
		break;
	}
	c->status = to;
	struct ox_timeline_entry *t =
		ox_case_add_timeline(c, now, OX_ACT_STATUS_CHANGED, NULL, a->note[0] ? a->note : NULL, a->actor);
	t->from = (int8_t)from;
	t->to = (int8_t)to;
	/* a case the automation put right by itself is one the customer never
	 * saw go wrong: no survey, as for one detection resolved */
	if (to == OX_CASE_RESOLVED && strcmp(a->actor, DESK_AUTO_ACTOR) != 0)
		survey_due(d, c, now);
	changed(d, c);
	return 0;
}

/* The customer's answer: the case shows the latest, the timeline keeps
 * every one (a correction is a new answer). */
static int record_csat(struct ox_desk *d, struct ox_case *c, const struct ox_desk_action *a, ox_time now,
		       char err[256])
{
	if (a->score < 1 || a->score > 5)
		return desk_refuse(err, OX_DESK_EINVAL, "score: required, 1..5");
	if (c->status != OX_CASE_RESOLVED && c->status != OX_CASE_CLOSED)
		return desk_refuse(err, OX_DESK_ECONFLICT, "case %s is %s: a survey answer needs a resolved or closed case",
			      c->id, ox_case_status_name(c->status));
	c->csat_score = a->score;
	c->csat_at = now;
	free(c->csat_comment);
	c->csat_comment = a->note[0] ? ox_xstrndup(a->note, strlen(a->note)) : NULL;
	char note[OX_DESK_NOTE_MAX + 8];
	snprintf(note, sizeof note, "%d%s%s", a->score, a->note[0] ? " " : "", a->note);
	ox_case_add_timeline(c, now, OX_ACT_CSAT, NULL, note, a->actor);
	changed(d, c);
	return 0;
}

/* For desk_calls.c (desk_impl.h). */
void desk_changed(struct ox_desk *d, const struct ox_case *c)
{
	changed(d, c);
}

bool desk_may_become(enum ox_case_status from, enum ox_case_status to)
{
	return (allowed[from] & (1u << to)) != 0;
}

int desk_set_status(struct ox_desk *d, struct ox_case *c, const struct ox_desk_action *a, ox_time now,
		    char err[256])
{
	return set_status(d, c, a, now, err);
}

/* Resolve or close the members of an incident with it: those that can. */
static void cascade(struct ox_desk *d, const struct ox_case *incident, const struct ox_desk_action *a,
		    ox_time now)
{
	struct ox_desk_action m = *a;
	snprintf(m.note, sizeof m.note, "%s %s", incident->id, a->to == OX_CASE_CLOSED ? "closed" : "resolved");
	char ignored[256];
	for (size_t i = 0; i < incident->n_timeline; i++) {
		const struct ox_timeline_entry *t = &incident->timeline[i];
		struct ox_case *c = t->action == OX_ACT_MEMBER_LINKED && t->note
					    ? ox_engine_case_by_id(d->o.engine, t->note)
					    : NULL;
		if (c && (allowed[c->status] & (1u << a->to)))
			set_status(d, c, &m, now, ignored);
	}
}

/* "记录与复盘": a person resolving says how it ended (a resolution code of
 * the case's category), who or what caused it (a root cause) and in a note
 * what was done. */
static int check_resolution(const struct ox_case *c, const struct ox_desk_action *a, char err[256])
{
	int cat = ox_pb_category_of(c->rule);
	char why[200];
	if (!a->resolution[0])
		return desk_refuse(err, OX_DESK_EINVAL,
			      "resolution: required to resolve case %s (a code of category %s, see GET "
			      "/api/v1/resolutions)", c->id, ox_rule_info(c->rule)->category);
	if (cat < 0 || ox_pb_resolution_parse((enum ox_pb_category)cat, a->resolution, strlen(a->resolution),
					      why, sizeof why) < 0)
		return desk_refuse(err, OX_DESK_EINVAL, "resolution: %s", cat < 0 ? "no taxonomy for this rule" : why);
	if (!a->root_cause[0])
		return desk_refuse(err, OX_DESK_EINVAL,
			      "root_cause: required to resolve case %s (customer, merchant, platform, "
			      "payment_provider, carrier, warehouse, system or fraud)", c->id);
	if (ox_pb_root_cause_parse(a->root_cause, strlen(a->root_cause), why, sizeof why) < 0)
		return desk_refuse(err, OX_DESK_EINVAL, "root_cause: %s", why);
	if (!a->note[0])
		return desk_refuse(err, OX_DESK_EINVAL, "note: required to resolve case %s (what was done)", c->id);
	return 0;
}

/* An unknown checklist item: the closest id, or the ids there are. */
static int unknown_item(const struct ox_case *c, const struct ox_playbook *pb, const char *item, char err[256])
{
	struct ox_yaml_near near = { 0 };
	struct ox_str key = { item, strlen(item) };
	for (size_t i = 0; i < pb->n_checklist; i++)
		ox_yaml_near_try(&near, key, pb->checklist[i].id, strlen(pb->checklist[i].id));
	if (near.best)
		return desk_refuse(err, OX_DESK_EINVAL, "item: '%s' is not on the checklist of %s (did you mean '%.*s'?)",
			      item, ox_rule_info(c->rule)->code, (int)near.len, near.best);
	char ids[160] = "";
	size_t n = 0;
	for (size_t i = 0; i < pb->n_checklist && n < sizeof ids; i++)
		n += (size_t)snprintf(ids + n, sizeof ids - n, "%s%s", i ? ", " : "", pb->checklist[i].id);
	return desk_refuse(err, OX_DESK_EINVAL, "item: '%s' is not on the checklist of %s (%s%s)", item,
		      ox_rule_info(c->rule)->code, ids, n >= sizeof ids ? "..." : "");
}

/* Tick or untick a checklist item. The case keeps the ticked ids in tick
 * order; asking for the state an item is already in changes nothing. */
static int check_item(struct ox_desk *d, struct ox_case *c, const struct ox_desk_action *a,
		      const struct ox_desk_scope *scope, ox_time now, char err[256])
{
	if (c->status == OX_CASE_CLOSED)
		return desk_refuse(err, OX_DESK_ECONFLICT, "case %s is closed: its checklist cannot change", c->id);
	if (!a->item[0])
		return desk_refuse(err, OX_DESK_EINVAL, "item: required (a checklist item id of the case's playbook)");
	const struct ox_playbook *pb = ox_playbook_get(d->pb, c->rule);
	/* a replay takes the id it logged: the config's checklists may have changed since */
	if (scope && ox_pb_item_find(pb, a->item, strlen(a->item)) < 0)
		return unknown_item(c, pb, a->item, err);
	size_t at = 0;
	while (at < c->n_checked && strcmp(c->checked[at], a->item) != 0)
		at++;
	bool ticked = at < c->n_checked;
	if (ticked == a->done)
		return 0;
	if (a->done) {
		OX_GROW(c->checked, c->cap_checked, c->n_checked + 1);
		c->checked[c->n_checked++] = ox_xstrndup(a->item, strlen(a->item));
	} else {
		free(c->checked[at]);
		memmove(&c->checked[at], &c->checked[at + 1], (c->n_checked - at - 1) * sizeof *c->checked);
		c->n_checked--;
	}
	ox_case_add_timeline(c, now, a->done ? OX_ACT_CHECKED : OX_ACT_UNCHECKED, NULL, a->item, a->actor);
	if (a->note[0])
		ox_case_add_timeline(c, now, OX_ACT_NOTE, NULL, a->note, a->actor);
	changed(d, c);
	return 0;
}

static int assign(struct ox_desk *d, struct ox_case *c, const struct ox_desk_action *a,
		  const struct ox_desk_scope *scope, ox_time now, char err[256])
{
	/* without assign_others: take a case for yourself, or give yours back */
	const char *self = scope && scope->self ? scope->self : a->actor;
	if (scope && !scope->assign_others &&
	    strcmp(a->assignee[0] ? a->assignee : c->assignee, self) != 0 && (a->assignee[0] || c->assignee[0]))
		return desk_refuse(err, OX_DESK_EDENIED, "you may assign cases only to yourself");
	if (scope && !scope->assign_others && a->team[0])
		return desk_refuse(err, OX_DESK_EDENIED, "you may not move cases to another team");
	if (ox_case_status_done(c->status))
		return desk_refuse(err, OX_DESK_ECONFLICT, "case %s is %s: nothing to assign", c->id,
			      ox_case_status_name(c->status));
	if (a->team[0] && strcmp(a->team, c->team) != 0) {
		snprintf(c->team, sizeof c->team, "%s", a->team);
		ox_case_add_timeline(c, now, OX_ACT_ROUTED, NULL, a->team, a->actor);
	}
	snprintf(c->assignee, sizeof c->assignee, "%s", a->assignee);
	ox_case_add_timeline(c, now, OX_ACT_ASSIGNED, NULL, a->assignee[0] ? a->assignee : NULL, a->actor);
	changed(d, c);
	return 0;
}

static int transition(struct ox_desk *d, struct ox_case *c, const struct ox_desk_action *a,
		      const struct ox_desk_scope *scope, ox_time now, char err[256]);

int ox_desk_apply(struct ox_desk *d, const struct ox_desk_action *a, const struct ox_desk_scope *scope,
		  ox_time now, char err[256])
{
	if (a->op == OX_DESK_AUTO) { /* the kill switch: no case (the API checks who may) */
		d->auto_on = a->enabled;
		return 0;
	}
	struct ox_case *c = ox_engine_case_by_id(d->o.engine, a->case_id);
	if (!c)
		return desk_refuse(err, OX_DESK_ENOTFOUND, "no case %s", a->case_id);
	if (!in_scope(scope, c))
		return desk_refuse(err, OX_DESK_EDENIED, "case %s belongs to team %s, not yours", c->id, c->team);
	if (now < c->opened_at)
		now = c->opened_at; /* the timeline never goes back before the opening */
	switch (a->op) {
	case OX_DESK_TRANSITION: {
		int rc = transition(d, c, a, scope, now, err);
		if (!rc)
			progress_touched(d, c, now);
		return rc;
	}
	case OX_DESK_ASSIGN:
		return assign(d, c, a, scope, now, err);
	case OX_DESK_NOTE:
		if (!a->note[0])
			return desk_refuse(err, OX_DESK_EINVAL, "note: empty");
		ox_case_add_timeline(c, now, OX_ACT_NOTE, NULL, a->note, a->actor);
		progress_touched(d, c, now);
		changed(d, c);
		return 0;
	case OX_DESK_CHECK:
		return check_item(d, c, a, scope, now, err);
	case OX_DESK_CSAT:
		return record_csat(d, c, a, now, err);
	case OX_DESK_CALL: {
		int rc = desk_request_call(d, c, a, scope, now, err);
		if (!rc && !a->dry)
			progress_touched(d, c, now);
		return rc;
	}
	case OX_DESK_CALL_UPDATE:
		return desk_update_call(d, c, a, now, err);
	case OX_DESK_APPROVE:
	case OX_DESK_REJECT:
		return desk_decide_call(d, c, a, scope, now, err);
	case OX_DESK_AUTO:
	case OX_DESK__NOPS:
		break;
	}
	return desk_refuse(err, OX_DESK_EINVAL, "unknown action");
}

/* A status change (and an incident's members with it). */
static int transition(struct ox_desk *d, struct ox_case *c, const struct ox_desk_action *a,
		      const struct ox_desk_scope *scope, ox_time now, char err[256])
{
	if (a->to >= OX_CASE__NSTATUS)
		return desk_refuse(err, OX_DESK_EINVAL, "to: required");
	if (a->cascade && ox_rule_info(c->rule)->key != OX_KEY_GROUP)
		return desk_refuse(err, OX_DESK_EINVAL, "cascade: case %s is not an incident", c->id);
	if (a->cascade && scope && !scope->assign_others)
		return desk_refuse(err, OX_DESK_EDENIED, "resolving an incident's members needs a supervisor");
	if ((a->resolution[0] || a->root_cause[0]) && a->to != OX_CASE_RESOLVED)
		return desk_refuse(err, OX_DESK_EINVAL, "resolution and root_cause: only when resolving");
	int rc;
	/* a move the table refuses is refused as such (409) before its details */
	if (scope && a->to == OX_CASE_RESOLVED && (allowed[c->status] & (1u << a->to)) &&
	    (rc = check_resolution(c, a, err)))
		return rc;
	rc = set_status(d, c, a, now, err);
	if (!rc && a->cascade && (a->to == OX_CASE_RESOLVED || a->to == OX_CASE_CLOSED))
		cascade(d, c, a, now);
	return rc;
}

/* ---- the action as JSON ------------------------------------------------------ */

void ox_desk_action_write(const struct ox_desk_action *a, struct ox_buf *out)
{
	ox_buf_addf(out, "{\"op\":\"%s\",\"case\":", op_names[a->op]);
	ox_buf_add_json_str(out, a->case_id, strlen(a->case_id));
	ox_buf_addz(out, ",\"by\":");
	ox_buf_add_json_str(out, a->actor, strlen(a->actor));
	ox_buf_addf(out, ",\"at\":%" PRId64, a->at);
	if (a->op == OX_DESK_TRANSITION) {
		ox_buf_addf(out, ",\"to\":\"%s\",\"cascade\":%s", ox_case_status_name(a->to),
			    a->cascade ? "true" : "false");
		/* only when given: records of before the resolution rule look the same */
		if (a->resolution[0]) {
			ox_buf_addz(out, ",\"resolution\":");
			ox_buf_add_json_str(out, a->resolution, strlen(a->resolution));
		}
		if (a->root_cause[0]) {
			ox_buf_addz(out, ",\"root_cause\":");
			ox_buf_add_json_str(out, a->root_cause, strlen(a->root_cause));
		}
	}
	if (a->op == OX_DESK_CHECK) {
		ox_buf_addz(out, ",\"item\":");
		ox_buf_add_json_str(out, a->item, strlen(a->item));
		ox_buf_addf(out, ",\"done\":%s", a->done ? "true" : "false");
	}
	if (a->op == OX_DESK_CSAT)
		ox_buf_addf(out, ",\"score\":%d", a->score);
	if (a->op == OX_DESK_CALL) {
		ox_buf_addf(out, ",\"kind\":\"%s\",\"params\":%s", ox_pb_action_name((enum ox_pb_action)a->kind),
			    a->params[0] ? a->params : "{}");
	}
	if ((a->op == OX_DESK_CALL || a->op == OX_DESK_APPROVE) && a->limited) {
		char m[OX_MONEY_BUFSZ];
		ox_buf_addf(out, ",\"limit\":\"%s\"", ox_money_format(a->limit, m));
	}
	if (a->call_id[0]) {
		ox_buf_addz(out, ",\"call\":");
		ox_buf_add_json_str(out, a->call_id, strlen(a->call_id));
	}
	if (a->op == OX_DESK_CALL_UPDATE) {
		ox_buf_addf(out, ",\"state\":\"%s\"", ox_call_state_name((enum ox_call_state)a->state));
		if (a->outcome[0])
			ox_buf_addf(out, ",\"outcome\":%s", a->outcome);
	}
	if (a->op == OX_DESK_AUTO)
		ox_buf_addf(out, ",\"enabled\":%s", a->enabled ? "true" : "false");
	if (a->op == OX_DESK_ASSIGN) {
		ox_buf_addz(out, ",\"assignee\":");
		ox_buf_add_json_str(out, a->assignee, strlen(a->assignee));
		ox_buf_addz(out, ",\"team\":");
		ox_buf_add_json_str(out, a->team, strlen(a->team));
	}
	if (a->note[0]) {
		ox_buf_addz(out, ",\"note\":");
		ox_buf_add_json_str(out, a->note, strlen(a->note));
	}
	ox_buf_addz(out, "}");
}

/* Copy a string token into dst[size]: too long or with a NUL is an error. */
static int take_str(const struct ox_json_tok *v, const char *key, char *dst, size_t size, char err[256])
{
	if (v->type != OX_JSON_STRING)
		return desk_refuse(err, OX_DESK_EINVAL, "%s: expected a string", key);
	if (v->len >= size || (v->flags & OX_JSON_F_NUL))
		return desk_refuse(err, OX_DESK_EINVAL, "%s: longer than %zu bytes", key, size - 1);
	memcpy(dst, v->s, v->len);
	dst[v->len] = '\0';
	return 0;
}

/* Names of people and teams end up in URLs, logs and chat messages. */
static int check_name(const char *key, const char *z, char err[256])
{
	for (const char *p = z; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '_' || *p == '-' || *p == '.' || *p == ':'))
			return desk_refuse(err, OX_DESK_EINVAL, "%s: only letters, digits and _ - . : are allowed",
				      key);
	return 0;
}

/* At most 32 bytes of s for a message, cut between characters, control
 * characters as '?': the message stays one line of UTF-8 (s is valid
 * UTF-8: the JSON parser checked it). */
static const char *shown(char out[40], const char *s, size_t n)
{
	size_t k = ox_utf8_clip(s, n, 32);
	for (size_t i = 0; i < k; i++)
		out[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	out[k] = '\0';
	return out;
}

/* op and to: a name from a table, by its index. */
static int take_name(const struct ox_json_tok *v, const char *key, const char *const *names, int n, int *out,
		     char err[256])
{
	char word[32], q[40];
	int rc = take_str(v, key, word, sizeof word, err);
	if (rc)
		return rc;
	for (int i = 0; i < n; i++)
		if (strcmp(word, names[i]) == 0) {
			*out = i;
			return 0;
		}
	return desk_refuse(err, OX_DESK_EINVAL, "%s: unknown value \"%s\"", key, shown(q, word, strlen(word)));
}

/* A code of the taxonomy or a checklist item id: a-z, 0-9 and _ (what the
 * desk then checks against the playbook, live). */
static int check_code(const char *key, const char *z, char err[256])
{
	for (const char *p = z; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return desk_refuse(err, OX_DESK_EINVAL, "%s: only a-z, 0-9 and _ are allowed", key);
	return 0;
}

enum field { F_OP, F_CASE, F_BY, F_AT, F_TO, F_CASCADE, F_ASSIGNEE, F_TEAM, F_NOTE, F_RESOLUTION,
	     F_ROOT_CAUSE, F_ITEM, F_DONE, F_SCORE, F_COMMENT, F_KIND, F_CALL, F_PARAMS, F_STATE, F_OUTCOME,
	     F_ENABLED, F_LIMIT, F__COUNT };
static const char *const field_names[F__COUNT] = { "op", "case", "by", "at", "to", "cascade", "assignee",
						   "team", "note", "resolution", "root_cause", "item", "done",
						   "score", "comment", "kind", "call", "params", "state", "outcome",
						   "enabled", "limit" };

/* A JSON object member kept as its text (a call's params, an outcome). */
static int take_object(const struct ox_json_tok *v, const char *key, char *dst, size_t size, char err[256])
{
	if (v->type != OX_JSON_OBJECT)
		return desk_refuse(err, OX_DESK_EINVAL, "%s: expected a JSON object", key);
	if (v->len >= size)
		return desk_refuse(err, OX_DESK_EINVAL, "%s: longer than %zu bytes", key, size - 1);
	memcpy(dst, v->s, v->len);
	dst[v->len] = '\0';
	return 0;
}

static int take_field(struct ox_desk_action *a, enum field f, const struct ox_json_tok *v, char err[256])
{
	static const char *const statuses[] = {
#define X(e, str) str,
		OX_CASE_STATUSES(X)
#undef X
	};
	const char *key = field_names[f];
	int x = 0, rc = 0;
	switch (f) {
	case F_OP:
		rc = take_name(v, key, op_names, OX_DESK__NOPS, &x, err);
		a->op = rc ? OX_DESK__NOPS : (enum ox_desk_op)x;
		return rc;
	case F_TO:
		rc = take_name(v, key, statuses, OX_CASE__NSTATUS, &x, err);
		a->to = rc ? OX_CASE__NSTATUS : (enum ox_case_status)x;
		return rc;
	case F_CASE:
		return take_str(v, key, a->case_id, sizeof a->case_id, err);
	case F_BY:
		return take_str(v, key, a->actor, sizeof a->actor, err);
	case F_ASSIGNEE:
		rc = take_str(v, key, a->assignee, sizeof a->assignee, err);
		return rc ? rc : check_name(key, a->assignee, err);
	case F_TEAM:
		rc = take_str(v, key, a->team, sizeof a->team, err);
		return rc ? rc : check_name(key, a->team, err);
	case F_NOTE:
	case F_COMMENT: /* a survey answer's comment: the note of its record */
		return take_str(v, key, a->note, sizeof a->note, err);
	case F_SCORE:
		if (v->type != OX_JSON_NUMBER || v->len != 1 || v->s[0] < '1' || v->s[0] > '5')
			return desk_refuse(err, OX_DESK_EINVAL, "score: expected an integer 1..5");
		a->score = (uint8_t)(v->s[0] - '0');
		return 0;
	case F_RESOLUTION:
		rc = take_str(v, key, a->resolution, sizeof a->resolution, err);
		return rc ? rc : check_code(key, a->resolution, err);
	case F_ROOT_CAUSE:
		rc = take_str(v, key, a->root_cause, sizeof a->root_cause, err);
		return rc ? rc : check_code(key, a->root_cause, err);
	case F_ITEM:
		rc = take_str(v, key, a->item, sizeof a->item, err);
		return rc ? rc : check_code(key, a->item, err);
	case F_AT: {
		/* milliseconds since the epoch: up to 15 digits (the year 33658) */
		char num[16];
		if (v->type != OX_JSON_NUMBER || !(v->flags & OX_JSON_F_INT) || v->len >= sizeof num || v->s[0] == '-')
			return desk_refuse(err, OX_DESK_EINVAL, "at: expected milliseconds since the epoch");
		memcpy(num, v->s, v->len);
		num[v->len] = '\0';
		a->at = strtoll(num, NULL, 10);
		return 0;
	}
	case F_CASCADE:
	case F_DONE:
	case F_ENABLED:
		if (v->type != OX_JSON_TRUE && v->type != OX_JSON_FALSE)
			return desk_refuse(err, OX_DESK_EINVAL, "%s: expected true or false", key);
		*(f == F_DONE ? &a->done : f == F_ENABLED ? &a->enabled : &a->cascade) = v->type == OX_JSON_TRUE;
		return 0;
	case F_KIND: {
		const char *kinds[OX_PB_A__COUNT];
		for (int i = 0; i < OX_PB_A__COUNT; i++)
			kinds[i] = ox_pb_action_name((enum ox_pb_action)i);
		rc = take_name(v, key, kinds, OX_PB_A__COUNT, &x, err);
		a->kind = rc ? -1 : x;
		return rc;
	}
	case F_STATE: {
		static const char *const states[] = {
#define X(e, str) str,
			OX_CALL_STATES(X)
#undef X
		};
		rc = take_name(v, key, states, OX_CALL__NSTATES, &x, err);
		a->state = rc ? -1 : x;
		return rc;
	}
	case F_CALL:
		rc = take_str(v, key, a->call_id, sizeof a->call_id, err);
		return rc ? rc : check_name(key, a->call_id, err);
	case F_PARAMS:
		return take_object(v, key, a->params, sizeof a->params, err);
	case F_OUTCOME:
		return take_object(v, key, a->outcome, sizeof a->outcome, err);
	case F_LIMIT:
		if (v->type != OX_JSON_STRING || ox_money_parse(v->s, v->len, &a->limit) < 0 ||
		    a->limit > OX_COMP_MONEY_MAX)
			return desk_refuse(err, OX_DESK_EINVAL, "limit: expected an amount in CNY (\"20.00\")");
		a->limited = true;
		return 0;
	case F__COUNT:
		break;
	}
	return desk_refuse(err, OX_DESK_EINVAL, "unknown field");
}

int ox_desk_action_parse(struct ox_desk_action *a, const char *json, size_t len, char err[256])
{
	struct ox_json p;
	int rc = 0;
	ox_json_init(&p, 12); /* a call's params and outcome nest */
	memset(a, 0, sizeof *a);
	a->op = OX_DESK__NOPS;
	a->to = OX_CASE__NSTATUS;
	a->kind = a->state = -1;
	a->done = true; /* POST .../checklist {"item": ...} ticks */
	if (ox_json_parse(&p, json, len) < 0) {
		rc = desk_refuse(err, OX_DESK_EINVAL, "not JSON: %s at byte %zu", p.err, p.err_col);
		goto done;
	}
	if (p.toks[0].type != OX_JSON_OBJECT) {
		rc = desk_refuse(err, OX_DESK_EINVAL, "expected a JSON object");
		goto done;
	}
	for (size_t i = 1; i < p.n && !rc; i = p.toks[i + 1].end) {
		const struct ox_json_tok *k = &p.toks[i];
		int f = 0;
		while (f < F__COUNT && !(k->len == strlen(field_names[f]) && memcmp(k->s, field_names[f], k->len) == 0))
			f++;
		char q[40];
		rc = f < F__COUNT ? take_field(a, (enum field)f, &p.toks[i + 1], err)
				  : desk_refuse(err, OX_DESK_EINVAL, "unknown field \"%s\"", shown(q, k->s, k->len));
	}
done:
	ox_json_release(&p);
	return rc;
}

/* ---- snapshots ------------------------------------------------------------------ */

void ox_desk_save(const struct ox_desk *d, struct ox_snap_w *w)
{
	ox_snap_tag(w, "DSK1");
	ox_snap_u64(w, d->n_rr);
	for (size_t i = 0; i < d->n_rr; i++) {
		ox_snap_str(w, d->rr[i].team);
		ox_snap_u64(w, d->rr[i].next);
	}
	/* the automation's kill switch and its rate window */
	ox_snap_u8(w, d->auto_on);
	ox_snap_u64(w, d->n_auto_times);
	for (size_t i = 0; i < d->n_auto_times; i++)
		ox_snap_i64(w, d->auto_times[i]);
	/* the timers entry for entry, each case by its seq */
	ox_snap_u64(w, d->timers.next_seq);
	ox_snap_u64(w, d->timers.n);
	for (size_t i = 0; i < d->timers.n; i++) {
		const struct ox_deadline *t = &d->timers.heap[i];
		ox_snap_i64(w, t->due);
		ox_snap_u64(w, t->seq);
		ox_snap_u32(w, t->kind);
		ox_snap_u64(w, ((const struct ox_case *)t->target)->seq);
	}
	desk_comp_save(d, w);
}

int ox_desk_load(struct ox_desk *d, struct ox_snap_r *r)
{
	ox_snap_expect(r, "DSK1");
	uint64_t n = ox_snap_get_count(r, 12);
	for (uint64_t i = 0; i < n && ox_snap_r_ok(r); i++) {
		OX_GROW(d->rr, d->cap_rr, d->n_rr + 1);
		struct rr *x = &d->rr[d->n_rr++];
		ox_snap_get_strbuf(r, x->team, sizeof x->team);
		x->next = ox_snap_get_u64(r);
	}
	d->auto_on = ox_snap_get_u8(r);
	n = ox_snap_get_count(r, 8);
	if (n && ox_snap_r_ok(r)) {
		OX_GROW(d->auto_times, d->cap_auto_times, n);
		for (uint64_t i = 0; i < n; i++)
			d->auto_times[i] = ox_snap_get_i64(r);
		d->n_auto_times = (size_t)n;
	}
	d->timers.next_seq = ox_snap_get_u64(r);
	n = ox_snap_get_count(r, 28);
	if (n && ox_snap_r_ok(r))
		OX_GROW(d->timers.heap, d->timers.cap, n);
	for (uint64_t i = 0; i < n && ox_snap_r_ok(r); i++) {
		struct ox_deadline *t = &d->timers.heap[i];
		t->due = ox_snap_get_i64(r);
		t->seq = ox_snap_get_u64(r);
		t->kind = ox_snap_get_u32(r);
		t->aux = 0;
		uint64_t seq = ox_snap_get_u64(r);
		t->target = seq ? (void *)(uintptr_t)ox_engine_case(d->o.engine, seq - 1) : NULL;
		if (!t->target || t->kind > T_REMIND)
			ox_snap_r_fail(r, "a desk timer for an unknown case");
		else
			d->timers.n = i + 1;
	}
	return ox_snap_r_ok(r) ? desk_comp_load(d, r) : -1;
}

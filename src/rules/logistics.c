/* logistics.c - LOG_* rules (rules.md, "Logistics"). Shipments are keyed by
 * tracking_no; a case spanning several shipments resolves when all of them
 * meet the condition.
 */
#include <stdlib.h>

#include "engine_impl.h"

static bool final_status(const struct oxi_shipment *s)
{
	if (s->last_status_ts == OX_TIME_NONE)
		return false;
	switch ((enum ox_track_status)s->last_status) {
	case OX_TRK_DELIVERED:
	case OX_TRK_REJECTED:
	case OX_TRK_RETURNED:
	case OX_TRK_LOST:
	case OX_TRK_DAMAGED:
		return true;
	default:
		return false;
	}
}

static int64_t stall_window(const struct ox_engine *e, const struct oxi_order *o, const struct oxi_shipment *s)
{
	const char *carrier = oxi_name(e, s->carrier);
	return ox_params_stall_window(e->p, o->p, carrier, strlen(carrier));
}

/* Every track moves the stall deadline later, so it is re-armed lazily
 * (as nginx does with its timers): the queued entry stays, and when it
 * comes due the handler pushes the new due time. Only a move earlier (a
 * shorter carrier window learnt late) pushes at once. */
static void schedule_stall(struct ox_engine *e, struct oxi_order *o, struct oxi_shipment *s)
{
	if (final_status(s) || s->last_activity == OX_TIME_NONE)
		return;
	ox_time due = s->last_activity + stall_window(e, o, s);
	if (due == s->dl_stall || (s->stall_armed && due > s->dl_stall))
		return;
	s->dl_stall = due;
	s->stall_armed = true;
	oxi_schedule(e, due, OXI_DL_STALL, o, (uint32_t)(s - o->shipments.v));
}

/* Shipment predicates for "the case resolves when all its shipments ...". */
static bool has_new_track(const struct oxi_shipment *s)
{
	return s->in_case & OXI_SHIP_STALL_TRACKED;
}
static bool delivered_after_lost(const struct oxi_shipment *s)
{
	return s->last_delivered != OX_TIME_NONE && s->last_delivered > s->lost_ts;
}
static bool delivered(const struct oxi_shipment *s)
{
	return s->first_delivered != OX_TIME_NONE;
}
static bool recovered(const struct oxi_shipment *s)
{
	return s->recovered_ts != OX_TIME_NONE && s->recovered_ts > s->exception_ts;
}

static const struct {
	enum ox_rule rule;
	uint8_t bit;   /* the shipment is part of the open case */
	uint8_t clear; /* bits cleared when the case resolves */
	bool (*done)(const struct oxi_shipment *s);
} shipment_cases[] = {
	{ OX_R_LOG_STALLED, OXI_SHIP_IN_STALL, OXI_SHIP_IN_STALL | OXI_SHIP_STALL_TRACKED, has_new_track },
	{ OX_R_LOG_LOST, OXI_SHIP_IN_LOST, OXI_SHIP_IN_LOST, delivered_after_lost },
	{ OX_R_LOG_FAILED_ATTEMPT, OXI_SHIP_IN_FAILED_ATTEMPT, OXI_SHIP_IN_FAILED_ATTEMPT, delivered },
	{ OX_R_LOG_CARRIER_EXCEPTION, OXI_SHIP_IN_EXCEPTION, OXI_SHIP_IN_EXCEPTION, recovered },
};

static void check_shipment_cases(struct ox_engine *e, struct oxi_order *o, const struct ox_event *ev)
{
	for (size_t k = 0; k < OX_ARRAY_LEN(shipment_cases); k++) {
		bool any = false, all = true;
		for (uint32_t i = 0; i < o->shipments.n; i++) {
			const struct oxi_shipment *s = &o->shipments.v[i];
			if (s->in_case & shipment_cases[k].bit) {
				any = true;
				all = all && shipment_cases[k].done(s);
			}
		}
		if (any && all && oxi_resolve_order(e, shipment_cases[k].rule, o, ev->ts, ev))
			for (uint32_t i = 0; i < o->shipments.n; i++)
				o->shipments.v[i].in_case &= (uint8_t)~shipment_cases[k].clear;
	}
}

static void set_max(ox_time *slot, ox_time t)
{
	if (*slot == OX_TIME_NONE || t > *slot)
		*slot = t;
}

static void on_shipment_created(struct ox_engine *e, struct oxi_order *o, const struct ox_event *ev)
{
	struct oxi_shipment *s = oxi_shipment(e, o, ev->tracking_no);
	s->carrier = oxi_intern(e, ev->carrier);
	set_max(&s->last_activity, ev->ts);
	schedule_stall(e, o, s);
}

static void fire_track_at(struct ox_engine *e, struct oxi_order *o, const struct ox_event *ev, ox_time at,
			  enum ox_rule rule, const char *zh, const char *en)
{
	char z[OXI_REASON_MAX], n[OXI_REASON_MAX];
	const char *loc = ev->location.s ? ev->location.s : "";
	snprintf(z, sizeof z, "运单 %s %s%s%s", ev->tracking_no.s, zh, *loc ? "，地点：" : "", loc);
	snprintf(n, sizeof n, "tracking %s %s%s%s", ev->tracking_no.s, en, *loc ? " at " : "", loc);
	struct oxi_fire f = { .rule = rule, .key = o->id, .at = at, .ev = ev };
	oxi_fire(e, &f, z, n);
}

static void fire_track(struct ox_engine *e, struct oxi_order *o, const struct ox_event *ev, enum ox_rule rule,
		       const char *zh, const char *en)
{
	fire_track_at(e, o, ev, ev->ts, rule, zh, en);
}

/* Keep the two earliest failed attempts; the second one by ts is when the
 * rule's condition became true, also when they arrive out of order. */
static void note_failed_attempt(struct oxi_shipment *s, ox_time ts)
{
	ox_time *fa = s->failed_attempt_ts;
	if (s->failed_attempts == 0 || ts < fa[0]) {
		fa[1] = fa[0];
		fa[0] = ts;
	} else if (s->failed_attempts == 1 || ts < fa[1]) {
		fa[1] = ts;
	}
	if (s->failed_attempts < UINT8_MAX)
		s->failed_attempts++;
}

static void on_track(struct ox_engine *e, struct oxi_order *o, const struct ox_event *ev)
{
	struct oxi_shipment *s = oxi_shipment(e, o, ev->tracking_no);
	set_max(&s->last_activity, ev->ts);
	if (s->last_status_ts == OX_TIME_NONE || ev->ts >= s->last_status_ts) {
		s->last_status_ts = ev->ts;
		s->last_status = (uint8_t)ev->track_status;
	}
	if (s->in_case & OXI_SHIP_IN_STALL)
		s->in_case |= OXI_SHIP_STALL_TRACKED; /* "a new track for it" */

	switch (ev->track_status) {
	case OX_TRK_DELIVERED:
		if (s->first_delivered == OX_TIME_NONE || ev->ts < s->first_delivered)
			s->first_delivered = ev->ts;
		set_max(&s->last_delivered, ev->ts);
		set_max(&s->recovered_ts, ev->ts);
		oxi_resolve_order(e, OX_R_LOG_DELIVERY_OVERDUE, o, ev->ts, ev);
		break;
	case OX_TRK_IN_TRANSIT:
	case OX_TRK_OUT_FOR_DELIVERY:
		set_max(&s->recovered_ts, ev->ts);
		break;
	case OX_TRK_LOST:
		set_max(&s->lost_ts, ev->ts);
		s->in_case |= OXI_SHIP_IN_LOST;
		fire_track(e, o, ev, OX_R_LOG_LOST, "报告包裹丢失", "reported lost");
		break;
	case OX_TRK_DAMAGED:
		fire_track(e, o, ev, OX_R_LOG_DAMAGED, "报告包裹损毁", "reported damaged");
		break;
	case OX_TRK_REJECTED:
	case OX_TRK_RETURNING:
	case OX_TRK_RETURNED:
		fire_track(e, o, ev, OX_R_LOG_REJECTED, "客户拒收或退回中", "rejected or returning");
		break;
	case OX_TRK_FAILED_ATTEMPT:
		note_failed_attempt(s, ev->ts);
		if (s->failed_attempts == 2) {
			s->in_case |= OXI_SHIP_IN_FAILED_ATTEMPT;
			fire_track_at(e, o, ev, s->failed_attempt_ts[1], OX_R_LOG_FAILED_ATTEMPT, "第二次派送失败",
				      "failed delivery a second time");
		}
		break;
	case OX_TRK_EXCEPTION:
		set_max(&s->exception_ts, ev->ts);
		s->in_case |= OXI_SHIP_IN_EXCEPTION;
		fire_track(e, o, ev, OX_R_LOG_CARRIER_EXCEPTION, "成为疑难件", "has a carrier exception");
		break;
	default:
		break;
	}
	check_shipment_cases(e, o, ev);
	schedule_stall(e, o, s);
}

static void on_ticket(struct ox_engine *e, struct oxi_order *o, const struct ox_event *ev)
{
	if (ev->ticket_kind != OX_TK_DAMAGED)
		return;
	struct oxi_fire f = { .rule = OX_R_LOG_DAMAGED, .key = o->id, .at = ev->ts, .ev = ev };
	oxi_firef(e, &f, "客服工单 %s 反馈商品损坏", "customer service ticket %s reports damage", ev->ticket_id.s);
}

static void on_change(struct ox_engine *e, struct oxi_order *o, const struct oxi_facts *before,
		      const struct oxi_facts *after, const struct ox_event *ev)
{
	if (after->created && after->became_paid != OX_TIME_NONE) {
		ox_time due = after->ship_by > after->became_paid ? after->ship_by : after->became_paid;
		oxi_schedule_once(e, &o->dl_ship, due, OXI_DL_SHIP_OVERDUE, o, 0);
	}
	if (after->created && !before->created) /* the channel's stall window is known now */
		for (uint32_t i = 0; i < o->shipments.n; i++)
			schedule_stall(e, o, &o->shipments.v[i]);
	if (after->created && after->deliver_by != OX_TIME_NONE)
		oxi_schedule_once(e, &o->dl_deliver, after->deliver_by, OXI_DL_DELIVERY_OVERDUE, o, 0);
	if ((after->first_shipped != OX_TIME_NONE && before->first_shipped == OX_TIME_NONE) ||
	    (after->closed && !before->closed))
		oxi_resolve_order(e, OX_R_LOG_SHIP_OVERDUE, o, ev->ts, ev);
}

/* ---- deadlines --------------------------------------------------------------- */

static void dl_ship(struct ox_engine *e, const struct ox_deadline *d)
{
	struct oxi_order *o = d->target;
	ox_time paid = oxi_became_paid(o);
	if (paid == OX_TIME_NONE || d->due != (o->ship_by > paid ? o->ship_by : paid))
		return;
	if ((o->first_shipped != OX_TIME_NONE && o->first_shipped <= d->due) || oxi_closed(o, d->due))
		return;
	char t[OX_TIME_BUFSZ];
	struct oxi_fire f = { .rule = OX_R_LOG_SHIP_OVERDUE, .key = o->id, .at = d->due };
	oxi_firef(e, &f, "已付款订单承诺 %s 前发货，仍未发货", "paid order promised to ship by %s is not shipped",
		  oxi_fmt_time(o->ship_by, t));
	if (o->first_shipped != OX_TIME_NONE || oxi_closed(o, OXI_NOW))
		oxi_resolve_order(e, OX_R_LOG_SHIP_OVERDUE, o, d->due, NULL);
}

static ox_time first_delivery(const struct oxi_order *o)
{
	ox_time t = OX_TIME_NONE;
	for (uint32_t i = 0; i < o->shipments.n; i++) {
		ox_time d = o->shipments.v[i].first_delivered;
		if (d != OX_TIME_NONE && (t == OX_TIME_NONE || d < t))
			t = d;
	}
	return t;
}

static void dl_deliver(struct ox_engine *e, const struct ox_deadline *d)
{
	struct oxi_order *o = d->target;
	if (d->due != o->deliver_by)
		return;
	ox_time delivered_at = first_delivery(o);
	if ((delivered_at != OX_TIME_NONE && delivered_at <= d->due) || oxi_closed(o, d->due))
		return;
	char t[OX_TIME_BUFSZ];
	struct oxi_fire f = { .rule = OX_R_LOG_DELIVERY_OVERDUE, .key = o->id, .at = d->due };
	oxi_firef(e, &f, "承诺 %s 前送达，仍未签收", "promised delivery by %s, not delivered", oxi_fmt_time(o->deliver_by, t));
	if (delivered_at != OX_TIME_NONE)
		oxi_resolve_order(e, OX_R_LOG_DELIVERY_OVERDUE, o, d->due, NULL);
}

static void dl_stall(struct ox_engine *e, const struct ox_deadline *d)
{
	struct oxi_order *o = d->target;
	struct oxi_shipment *s = &o->shipments.v[d->aux];
	if (!s->stall_armed || d->due != s->dl_stall)
		return; /* superseded by an earlier entry */
	s->stall_armed = false;
	int64_t window = stall_window(e, o, s);
	if (final_status(s))
		return;
	if (s->last_activity + window > d->due) {
		schedule_stall(e, o, s); /* tracks came meanwhile: re-arm */
		return;
	}
	char t[OX_TIME_BUFSZ], w[OX_DUR_BUFSZ];
	const char *carrier = s->carrier ? oxi_name(e, s->carrier) : "?";
	struct oxi_fire f = { .rule = OX_R_LOG_STALLED, .key = o->id, .at = d->due };
	if (oxi_firef(e, &f, "运单 %s（%s）自 %s 起 %s 无物流更新", "tracking %s (%s) has had no update since %s, for %s",
		      s->tracking_no, carrier, oxi_fmt_time(s->last_activity, t), ox_duration_format(window, w)))
		s->in_case = (uint8_t)((s->in_case | OXI_SHIP_IN_STALL) & ~OXI_SHIP_STALL_TRACKED);
}

const struct oxi_family oxi_logistics_family = {
	.name = "logistics",
	.on_event = {
		[OX_EV_SHIPMENT_CREATED] = on_shipment_created,
		[OX_EV_SHIPMENT_TRACK] = on_track,
		[OX_EV_CS_TICKET] = on_ticket,
	},
	.on_change = on_change,
	.deadlines = {
		{ OXI_DL_SHIP_OVERDUE, dl_ship },
		{ OXI_DL_DELIVERY_OVERDUE, dl_deliver },
		{ OXI_DL_STALL, dl_stall },
	},
};

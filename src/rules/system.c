/* system.c - SYS_* rules (rules.md, "System"): failed order creation and
 * downstream systems (ERP, WMS, CRM) that failed or never acknowledged.
 */
#include "engine_impl.h"

static void on_create_failed(struct ox_engine *e, struct oxi_order *o, const struct ox_event *ev)
{
	struct oxi_fire f = { .rule = OX_R_SYS_CREATE_FAILED, .key = o->id, .at = ev->ts, .ev = ev };
	const char *msg = ev->error_message.s ? ev->error_message.s : "";
	int shown = (int)ox_utf8_clip(msg, ev->error_message.len, 300);
	oxi_firef(e, &f, "订单创建失败：%s %.*s", "order creation failed: %s %.*s", ev->error_code.s, shown, msg);
	if (o->flags & OXI_O_CREATED) /* the retry already succeeded */
		oxi_resolve_order(e, OX_R_SYS_CREATE_FAILED, o, ev->ts, ev);
}

static void on_created(struct ox_engine *e, struct oxi_order *o, const struct ox_event *ev)
{
	oxi_resolve_order(e, OX_R_SYS_CREATE_FAILED, o, ev->ts, ev);
}

static bool acked_since_failure(const struct oxi_sync *s)
{
	return s->last_failed == OX_TIME_NONE || (s->last_ack != OX_TIME_NONE && s->last_ack >= s->last_failed);
}

/* Every required system acknowledged, every failed one acknowledged since. */
static bool all_synced(struct ox_engine *e, struct oxi_order *o)
{
	const struct ox_name_list *req = &o->p->sync_required;
	for (size_t i = 0; i < req->n; i++)
		if (oxi_sync(e, o, oxi_intern(e, ox_str_z(req->names[i])))->first_ack == OX_TIME_NONE)
			return false;
	for (uint32_t i = 0; i < o->syncs.n; i++)
		if (!acked_since_failure(&o->syncs.v[i]))
			return false;
	return true;
}

static void on_ack(struct ox_engine *e, struct oxi_order *o, const struct ox_event *ev)
{
	struct oxi_sync *s = oxi_sync(e, o, oxi_intern(e, ev->system));
	if (s->first_ack == OX_TIME_NONE || ev->ts < s->first_ack)
		s->first_ack = ev->ts;
	if (s->last_ack == OX_TIME_NONE || ev->ts > s->last_ack)
		s->last_ack = ev->ts;
	if (oxi_order_case(e, OX_R_SYS_SYNC_FAILED, o) && all_synced(e, o))
		oxi_resolve_order(e, OX_R_SYS_SYNC_FAILED, o, ev->ts, ev);
}

static void on_failed(struct ox_engine *e, struct oxi_order *o, const struct ox_event *ev)
{
	struct oxi_sync *s = oxi_sync(e, o, oxi_intern(e, ev->system));
	if (s->last_failed == OX_TIME_NONE || ev->ts > s->last_failed)
		s->last_failed = ev->ts;
	struct oxi_fire f = { .rule = OX_R_SYS_SYNC_FAILED, .key = o->id, .at = ev->ts, .ev = ev };
	const char *err = ev->sync_error.s ? ev->sync_error.s : "";
	int shown = (int)ox_utf8_clip(err, ev->sync_error.len, 300);
	oxi_firef(e, &f, "同步到 %s 失败：%.*s", "sync to %s failed: %.*s", ev->system.s, shown, err);
	if (all_synced(e, o)) /* a late failure, already acknowledged since */
		oxi_resolve_order(e, OX_R_SYS_SYNC_FAILED, o, ev->ts, ev);
}

static void on_change(struct ox_engine *e, struct oxi_order *o, const struct oxi_facts *before,
		      const struct oxi_facts *after, const struct ox_event *ev)
{
	(void)before;
	(void)ev;
	if (after->became_paid != OX_TIME_NONE)
		oxi_schedule_once(e, &o->dl_sync, after->became_paid + o->p->sync_window, OXI_DL_SYNC, o, 0);
}

static void dl_sync(struct ox_engine *e, const struct ox_deadline *d)
{
	struct oxi_order *o = d->target;
	ox_time paid = oxi_became_paid(o);
	if (paid == OX_TIME_NONE || d->due != paid + o->p->sync_window || oxi_closed(o, d->due))
		return;
	struct ox_buf *missing = &e->scratch;
	ox_buf_reset(missing);
	const struct ox_name_list *req = &o->p->sync_required;
	for (size_t i = 0; i < req->n; i++) {
		const struct oxi_sync *s = oxi_sync(e, o, oxi_intern(e, ox_str_z(req->names[i])));
		if (s->first_ack == OX_TIME_NONE || s->first_ack > d->due)
			ox_buf_addf(missing, "%s%s", missing->len ? ", " : "", req->names[i]);
	}
	if (!missing->len)
		return;
	char w[OX_DUR_BUFSZ];
	int shown = (int)ox_utf8_clip(missing->data, missing->len, 200);
	struct oxi_fire f = { .rule = OX_R_SYS_SYNC_FAILED, .key = o->id, .at = d->due };
	oxi_firef(e, &f, "订单付款后 %s 内未收到 %.*s 的同步确认", "no sync acknowledgement within %s of payment from: %.*s",
		  ox_duration_format(o->p->sync_window, w), shown, missing->data);
	if (all_synced(e, o))
		oxi_resolve_order(e, OX_R_SYS_SYNC_FAILED, o, d->due, NULL);
}

const struct oxi_family oxi_system_family = {
	.name = "system",
	.on_event = {
		[OX_EV_ORDER_CREATE_FAILED] = on_create_failed,
		[OX_EV_ORDER_CREATED] = on_created,
		[OX_EV_SYNC_ACK] = on_ack,
		[OX_EV_SYNC_FAILED] = on_failed,
	},
	.on_change = on_change,
	.deadlines = { { OXI_DL_SYNC, dl_sync } },
};

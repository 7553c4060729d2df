/* payment.c - PAY_* rules (rules.md, "Payment"): failed, duplicate, amount
 * mismatch, status stale, money on a closed order, unreconciled status.
 */
#include <stdlib.h>

#include "engine_impl.h"

static struct oxi_payment *find_payment(const struct oxi_payment_vec *v, struct ox_str id);

/* The list of payments as "P1 (30.00), P2 (30.00)". */
static const char *payment_list(struct ox_engine *e, const struct oxi_order *o)
{
	ox_buf_reset(&e->scratch);
	for (uint32_t i = 0; i < o->payments.n; i++) {
		char m[OX_MONEY_BUFSZ];
		ox_buf_addf(&e->scratch, "%s%s (%s)", i ? ", " : "", o->payments.v[i].id,
			    ox_money_format(o->payments.v[i].amount, m));
	}
	return e->scratch.data ? e->scratch.data : "";
}

static bool duplicate_at(const struct oxi_order *o, ox_time t)
{
	uint32_t paid = 0;
	for (uint32_t j = 0; j < o->payments.n; j++)
		paid += o->payments.v[j].ts <= t;
	return paid >= 2 && oxi_net_paid(o, t) > o->total;
}

static void check_duplicate(struct ox_engine *e, struct oxi_order *o, const struct ox_event *ev)
{
	if (!(o->flags & OXI_O_CREATED) || o->payments.n < 2)
		return;
	ox_money net = oxi_net_paid(o, OXI_NOW);
	if (net <= o->total)
		return;
	char n[OX_MONEY_BUFSZ], t[OX_MONEY_BUFSZ];
	struct oxi_fire f = { .rule = OX_R_PAY_DUPLICATE, .key = o->id, .at = oxi_since(o, duplicate_at, ev->ts),
			      .ev = ev };
	if (oxi_firef(e, &f, "%u 笔成功支付：%s；净付款 %s 超过订单金额 %s",
		      "%u successful payments: %s; net paid %s exceeds the total %s", o->payments.n,
		      payment_list(e, o), ox_money_format(net, n), ox_money_format(o->total, t)))
		o->flags |= OXI_O_DUP_FIRED;
}

static bool money_on_closed_at(const struct oxi_order *o, ox_time t)
{
	return oxi_net_paid(o, t) > 0 && oxi_closed(o, t);
}

/* A new payment on a closed order appends to an open case; a status only
 * opens one. */
static void check_on_closed(struct ox_engine *e, struct oxi_order *o, const struct ox_event *ev, bool append)
{
	ox_money net = oxi_net_paid(o, OXI_NOW);
	if (net <= 0 || !oxi_closed(o, OXI_NOW) || (!append && oxi_order_case(e, OX_R_PAY_ON_CLOSED, o)))
		return;
	char n[OX_MONEY_BUFSZ];
	struct oxi_fire f = { .rule = OX_R_PAY_ON_CLOSED, .key = o->id,
			      .at = oxi_since(o, money_on_closed_at, ev->ts), .ev = ev };
	oxi_firef(e, &f, "订单已关闭，但仍持有已付款项 %s，需退款", "the order is closed but %s is still held: refund it",
		  ox_money_format(net, n));
}

/* Every payment deadline at its current due time; moves when a late event
 * changes the first failure or the order's channel parameters. */
static void schedule(struct ox_engine *e, struct oxi_order *o)
{
	const struct ox_order_params *p = o->p;
	if (o->first_failure != OX_TIME_NONE)
		oxi_schedule_once(e, &o->dl_failed, o->first_failure + p->pay_retry_window, OXI_DL_PAY_FAILED, o, 0);
	if (o->first_success != OX_TIME_NONE && (o->flags & OXI_O_CREATED))
		oxi_schedule_once(e, &o->dl_settle, o->first_success + p->pay_settle_window, OXI_DL_PAY_SETTLE, o, 0);
	if (o->first_paid_status != OX_TIME_NONE)
		oxi_schedule_once(e, &o->dl_reconcile, o->first_paid_status + p->pay_reconcile_window,
				  OXI_DL_PAY_RECONCILE, o, 0);
	for (uint32_t i = 0; i < o->payments.n; i++)
		oxi_schedule_once(e, &o->payments.v[i].dl_status, o->payments.v[i].ts + p->pay_status_window,
				  OXI_DL_PAY_STATUS, o, i);
}

static void on_created(struct ox_engine *e, struct oxi_order *o, const struct ox_event *ev)
{
	check_duplicate(e, o, ev);
}

static void on_succeeded(struct ox_engine *e, struct oxi_order *o, const struct ox_event *ev)
{
	if (find_payment(&o->payments, ev->payment_id))
		return; /* the same payment again */
	struct oxi_payment *pay = OXI_PUSH(o->payments);
	pay->id = ox_xstrndup(ev->payment_id.s, ev->payment_id.len);
	pay->ts = ev->ts;
	pay->amount = ev->amount;
	pay->dl_status = OX_TIME_NONE;
	oxi_order_money_moved(o);
	if (o->first_success == OX_TIME_NONE || ev->ts < o->first_success)
		o->first_success = ev->ts;
	oxi_payment_attempt(e, ev->ts, true);
	oxi_count_payment(e, o, ev->ts, true);
	oxi_resolve_order(e, OX_R_PAY_FAILED, o, ev->ts, ev);
	oxi_resolve_order(e, OX_R_PAY_UNRECONCILED, o, ev->ts, ev);
	check_duplicate(e, o, ev);
	if ((o->flags & OXI_O_CREATED) && oxi_net_paid(o, OXI_NOW) == o->total)
		oxi_resolve_order(e, OX_R_PAY_AMOUNT_MISMATCH, o, ev->ts, ev);
	check_on_closed(e, o, ev, true);
}

static void on_failed(struct ox_engine *e, struct oxi_order *o, const struct ox_event *ev)
{
	if (o->first_failure == OX_TIME_NONE || ev->ts < o->first_failure)
		o->first_failure = ev->ts;
	oxi_payment_attempt(e, ev->ts, false);
	oxi_count_payment(e, o, ev->ts, false);
}

static void on_refunded(struct ox_engine *e, struct oxi_order *o, const struct ox_event *ev)
{
	if (find_payment(&o->refunds, ev->refund_id))
		return;
	struct oxi_payment *r = OXI_PUSH(o->refunds);
	r->id = ox_xstrndup(ev->refund_id.s, ev->refund_id.len);
	r->ts = ev->ts;
	r->amount = ev->amount;
	r->dl_status = OX_TIME_NONE;
	oxi_order_money_moved(o);
	ox_money net = oxi_net_paid(o, OXI_NOW);
	if (o->flags & OXI_O_CREATED) {
		if (net <= o->total)
			oxi_resolve_order(e, OX_R_PAY_DUPLICATE, o, ev->ts, ev);
		if (net == o->total)
			oxi_resolve_order(e, OX_R_PAY_AMOUNT_MISMATCH, o, ev->ts, ev);
	}
	if (net <= 0)
		oxi_resolve_order(e, OX_R_PAY_ON_CLOSED, o, ev->ts, ev);
}

static void on_status(struct ox_engine *e, struct oxi_order *o, const struct ox_event *ev)
{
	if (oxi_paid_status(ev->status))
		oxi_resolve_order(e, OX_R_PAY_STATUS_STALE, o, ev->ts, ev);
	check_on_closed(e, o, ev, false);
}

static void on_change(struct ox_engine *e, struct oxi_order *o, const struct oxi_facts *before,
		      const struct oxi_facts *after, const struct ox_event *ev)
{
	(void)before;
	(void)after;
	(void)ev;
	schedule(e, o);
}

/* ---- deadlines ------------------------------------------------------------ */

static void dl_failed(struct ox_engine *e, const struct ox_deadline *d)
{
	struct oxi_order *o = d->target;
	if (d->due != o->first_failure + o->p->pay_retry_window)
		return;
	if (o->first_success != OX_TIME_NONE && o->first_success <= d->due)
		return;
	char t[OX_TIME_BUFSZ], w[OX_DUR_BUFSZ];
	struct oxi_fire f = { .rule = OX_R_PAY_FAILED, .key = o->id, .at = d->due };
	oxi_firef(e, &f, "支付失败（%s）后 %s 内没有成功支付", "payment failed at %s and no payment succeeded within %s",
		  oxi_fmt_time(o->first_failure, t), ox_duration_format(o->p->pay_retry_window, w));
	if (o->first_success != OX_TIME_NONE)
		oxi_resolve_order(e, OX_R_PAY_FAILED, o, d->due, NULL);
}

static void dl_settle(struct ox_engine *e, const struct ox_deadline *d)
{
	struct oxi_order *o = d->target;
	if (d->due != o->first_success + o->p->pay_settle_window || (o->flags & OXI_O_DUP_FIRED))
		return;
	ox_money net = oxi_net_paid(o, d->due);
	if (net == o->total)
		return;
	char n[OX_MONEY_BUFSZ], t[OX_MONEY_BUFSZ];
	struct oxi_fire f = { .rule = OX_R_PAY_AMOUNT_MISMATCH, .key = o->id, .at = d->due };
	oxi_firef(e, &f, "净付款 %s 与订单金额 %s 不符", "net paid %s differs from the order total %s",
		  ox_money_format(net, n), ox_money_format(o->total, t));
	if (oxi_net_paid(o, OXI_NOW) == o->total)
		oxi_resolve_order(e, OX_R_PAY_AMOUNT_MISMATCH, o, d->due, NULL);
}

static void dl_status(struct ox_engine *e, const struct ox_deadline *d)
{
	struct oxi_order *o = d->target;
	const struct oxi_payment *pay = &o->payments.v[d->aux];
	if (d->due != pay->ts + o->p->pay_status_window)
		return;
	if (o->first_paid_status != OX_TIME_NONE && o->first_paid_status <= d->due)
		return;
	if (oxi_closed(o, d->due))
		return; /* PAY_ON_CLOSED is the case then */
	char w[OX_DUR_BUFSZ];
	struct oxi_fire f = { .rule = OX_R_PAY_STATUS_STALE, .key = o->id, .at = d->due };
	oxi_firef(e, &f, "支付 %s 成功 %s 后订单状态仍未更新为已付款",
		  "payment %s succeeded but the order status was not paid %s later", pay->id,
		  ox_duration_format(o->p->pay_status_window, w));
	if (o->first_paid_status != OX_TIME_NONE)
		oxi_resolve_order(e, OX_R_PAY_STATUS_STALE, o, d->due, NULL);
}

static void dl_reconcile(struct ox_engine *e, const struct ox_deadline *d)
{
	struct oxi_order *o = d->target;
	if (d->due != o->first_paid_status + o->p->pay_reconcile_window)
		return;
	if (o->first_success != OX_TIME_NONE && o->first_success <= d->due)
		return;
	char t[OX_TIME_BUFSZ], w[OX_DUR_BUFSZ];
	struct oxi_fire f = { .rule = OX_R_PAY_UNRECONCILED, .key = o->id, .at = d->due };
	oxi_firef(e, &f, "订单于 %s 显示已付款，%s 内支付渠道没有成功支付记录",
		  "the order says paid since %s but the gateway reported no payment within %s",
		  oxi_fmt_time(o->first_paid_status, t), ox_duration_format(o->p->pay_reconcile_window, w));
	if (o->first_success != OX_TIME_NONE)
		oxi_resolve_order(e, OX_R_PAY_UNRECONCILED, o, d->due, NULL);
}

static struct oxi_payment *find_payment(const struct oxi_payment_vec *v, struct ox_str id)
{
	for (uint32_t i = 0; i < v->n; i++)
		if (ox_str_eqz(id, v->v[i].id))
			return &v->v[i];
	return NULL;
}

const struct oxi_family oxi_payment_family = {
	.name = "payment",
	.on_event = {
		[OX_EV_ORDER_CREATED] = on_created,
		[OX_EV_PAYMENT_SUCCEEDED] = on_succeeded,
		[OX_EV_PAYMENT_FAILED] = on_failed,
		[OX_EV_PAYMENT_REFUNDED] = on_refunded,
		[OX_EV_ORDER_STATUS] = on_status,
	},
	.on_change = on_change,
	.deadlines = {
		{ OXI_DL_PAY_FAILED, dl_failed },
		{ OXI_DL_PAY_SETTLE, dl_settle },
		{ OXI_DL_PAY_STATUS, dl_status },
		{ OXI_DL_PAY_RECONCILE, dl_reconcile },
	},
};

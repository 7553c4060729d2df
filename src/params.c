/* params.c - the defaults of rules.md and lookups by channel and carrier. */
#include "params.h"

#include <stdlib.h>
#include <string.h>

#include "timefmt.h"
#include "util.h"

static const char *const params_remark_keywords[] = {
	"加急", "改地址", "换地址", "地址错", "发票", "开票", "别发", "不要", "送人",
	"礼物", "指定", "快递柜", "驿站", "到付", "电话联系", "urgent", "invoice", "gift",
};
static const char *const params_sync_required[] = { "wms", "erp" };

/* Defaults are short literals that fit OX_NAME_MAX; the rest stays zero. */
static void params_names(struct ox_name_list *l, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		memcpy(l->names[i], names[i], strlen(names[i]) + 1);
	l->n = n;
}

void ox_params_init(struct ox_params *p)
{
	/* memset, not a compound literal: padding must be zero too, so that
	 * two parameter sets with equal values compare equal bytewise. */
	memset(p, 0, sizeof(*p));

	struct ox_order_params *o = &p->order;
	o->pay_retry_window = 15 * OX_MS_MINUTE;
	o->pay_settle_window = 5 * OX_MS_MINUTE;
	o->pay_status_window = 5 * OX_MS_MINUTE;
	o->pay_reconcile_window = 30 * OX_MS_MINUTE;
	o->ship_window = 48 * OX_MS_HOUR;
	o->stall_window = 72 * OX_MS_HOUR;
	o->sync_window = 10 * OX_MS_MINUTE;
	params_names(&o->sync_required, params_sync_required, OX_ARRAY_LEN(params_sync_required));
	o->fraud_threshold = 60;
	o->fraud_max_qty = 50;

	p->drift_window = 30 * OX_MS_MINUTE;
	p->drift_abs = 5;
	p->drift_pct = 10;

	p->fraud_address = (struct ox_fraud_term){ 24 * OX_MS_HOUR, 3, 30 };
	p->fraud_phone = (struct ox_fraud_term){ 24 * OX_MS_HOUR, 3, 30 };
	p->fraud_device = (struct ox_fraud_term){ OX_MS_HOUR, 5, 30 };
	p->fraud_coupon = (struct ox_fraud_term){ 24 * OX_MS_HOUR, 3, 40 };
	p->fraud_new_account_age = 24 * OX_MS_HOUR;
	p->fraud_new_account_window = 24 * OX_MS_HOUR;
	p->fraud_new_account_orders = 3;
	p->fraud_new_account_weight = 30;
	p->fraud_max_qty_weight = 20;
	p->fraud_invalid_phone_weight = 10;

	params_names(&p->remark_keywords, params_remark_keywords,
		     OX_ARRAY_LEN(params_remark_keywords));

	p->burst_count = 20;
	p->burst_window = 10 * OX_MS_MINUTE;
	p->burst_quiet = 30 * OX_MS_MINUTE;
	p->rate_window = 5 * OX_MS_MINUTE;
	p->rate_min_attempts = 50;
	p->rate_min_success_pct = 80;

	static const struct ox_sla sla[4] = {
		{ 15 * OX_MS_MINUTE, 4 * OX_MS_HOUR },
		{ 1 * OX_MS_HOUR, 24 * OX_MS_HOUR },
		{ 4 * OX_MS_HOUR, 48 * OX_MS_HOUR },
		{ 24 * OX_MS_HOUR, 72 * OX_MS_HOUR },
	};
	memcpy(p->sla, sla, sizeof sla);
	p->sla_due_soon_pct = 25;
	p->escalation_repeat = 30 * OX_MS_MINUTE;

	p->retention_finished = 30 * OX_MS_DAY;
	p->retention_idle = 90 * OX_MS_DAY;
	p->retention_event_ids = 30 * OX_MS_DAY;

	for (int r = 0; r < OX_R__COUNT; r++) {
		const struct ox_rule_info *ri = ox_rule_info((enum ox_rule)r);
		p->rules[r].enabled = true;
		p->rules[r].severity = ri->severity;
		memcpy(p->rules[r].team, ri->team, strlen(ri->team) + 1);
	}
}

void ox_params_release(struct ox_params *p)
{
	free(p->channels);
	ox_params_init(p);
}

void ox_params_copy(struct ox_params *dst, const struct ox_params *src)
{
	memcpy(dst, src, sizeof(*dst)); /* padding included, see ox_params_init */
	dst->channels = NULL;
	if (src->n_channels) {
		size_t sz = src->n_channels * sizeof(*src->channels);
		dst->channels = ox_xmalloc(sz);
		memcpy(dst->channels, src->channels, sz);
	}
}

static bool params_name_eq(const char *name, const char *s, size_t len)
{
	return strlen(name) == len && memcmp(name, s, len) == 0;
}

const struct ox_order_params *ox_params_for_channel(const struct ox_params *p, const char *channel,
						    size_t len)
{
	if (channel)
		for (size_t i = 0; i < p->n_channels; i++)
			if (params_name_eq(p->channels[i].channel, channel, len))
				return &p->channels[i].p;
	return &p->order;
}

int64_t ox_params_stall_window(const struct ox_params *p, const struct ox_order_params *op,
			       const char *carrier, size_t len)
{
	if (carrier)
		for (size_t i = 0; i < p->n_carriers; i++)
			if (params_name_eq(p->carriers[i].carrier, carrier, len))
				return p->carriers[i].stall_window;
	return op->stall_window;
}

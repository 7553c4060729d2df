/* params.h - every tunable of the detection rules, with the defaults of
 * rules.md. Loaded from YAML by config.c; read-only for the engine.
 *
 * Durations are milliseconds. Parameters that make sense per sales channel
 * live in struct ox_order_params; an order uses its channel's block (or the
 * global one when its channel has none or it was never created).
 */
#ifndef OX_PARAMS_H
#define OX_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rules.h"

#define OX_NAME_MAX 64      /* channel, carrier, system names in config */
#define OX_LIST_MAX 64      /* entries in a list parameter */
#define OX_FRAUD_COUNT_MAX 64 /* fraud min_customers / orders: counted exactly up to this */

struct ox_name_list {
	size_t n;
	char names[OX_LIST_MAX][OX_NAME_MAX];
};

/* Per-channel overridable. */
struct ox_order_params {
	int64_t pay_retry_window;     /* payment.retry_window 15m */
	int64_t pay_settle_window;    /* payment.settle_window 5m */
	int64_t pay_status_window;    /* payment.status_window 5m */
	int64_t pay_reconcile_window; /* payment.reconcile_window 30m */
	int64_t ship_window;          /* logistics.ship_window 48h: default ship_by */
	int64_t stall_window;         /* logistics.stall_window 72h: carriers without their own */
	int64_t sync_window;          /* sync.window 10m */
	struct ox_name_list sync_required; /* sync.required [wms, erp] */
	int fraud_threshold;          /* fraud.threshold 60 */
	int64_t fraud_max_qty;        /* fraud.max_qty 50 */
};

struct ox_channel_params {
	char channel[OX_NAME_MAX];
	struct ox_order_params p;
};

struct ox_carrier_window {
	char carrier[OX_NAME_MAX];
	int64_t stall_window;
};

/* One fraud term: "a value shared by >= min_customers distinct customer ids
 * within window adds weight". */
struct ox_fraud_term {
	int64_t window;
	int min_customers;
	int weight;
};

struct ox_rule_setting {
	bool enabled;  /* default true */
	int severity;  /* 1..4, default from rules.h */
	char team[OX_NAME_MAX];
};

/* Service levels of one severity: the case must be acknowledged within
 * respond and resolved within resolve of its opening (pauses excluded). */
struct ox_sla {
	int64_t respond, resolve;
};

struct ox_params {
	struct ox_order_params order;
	struct ox_channel_params *channels; /* owned; n_channels entries */
	size_t n_channels;
	struct ox_carrier_window carriers[OX_LIST_MAX]; /* logistics.carriers */
	size_t n_carriers;

	/* inventory (SKU rules, not per channel) */
	int64_t drift_window; /* inventory.drift_window 30m */
	int64_t drift_abs;    /* inventory.drift_abs 5 */
	int drift_pct;        /* inventory.drift_pct 10 (percent of the wms level) */

	/* fraud scoring (rules.md FRD_SUSPECT) */
	struct ox_fraud_term fraud_address;     /* 24h, 3, +30 */
	struct ox_fraud_term fraud_phone;       /* 24h, 3, +30 */
	struct ox_fraud_term fraud_device;      /* 1h, 5, +30 (device id or ip) */
	struct ox_fraud_term fraud_coupon;      /* 24h, 3, +40 (per device, per ip) */
	int64_t fraud_new_account_age;          /* 24h */
	int64_t fraud_new_account_window;       /* 24h */
	int fraud_new_account_orders;           /* 3 */
	int fraud_new_account_weight;           /* 30 */
	int fraud_max_qty_weight;               /* 20 */
	int fraud_invalid_phone_weight;         /* 10 */

	/* customer */
	struct ox_name_list remark_keywords; /* customer.remark_keywords */

	/* incidents */
	int burst_count;            /* incident.burst_count 20 */
	int64_t burst_window;       /* incident.burst_window 10m */
	int64_t burst_quiet;        /* incident.burst_quiet 30m */
	int64_t rate_window;        /* incident.rate_window 5m */
	int rate_min_attempts;      /* incident.rate_min_attempts 50 */
	int rate_min_success_pct;   /* incident.rate_min_success_pct 80 */

	/* case handling (the daemon's desk, not detection) */
	struct ox_sla sla[4];       /* sla.P1 .. sla.P4: respond / resolve */
	int sla_due_soon_pct;       /* sla.due_soon_pct 25: "due soon" when less remains */
	int64_t escalation_repeat;  /* escalation.repeat_interval 30m: notify an unmet level again */

	/* retention (docs/retention.md): what the engine stops remembering,
	 * measured on the event clock; at least a day, 3650d keeps it all */
	int64_t retention_finished;  /* retention.finished 30d: an order completed, closed,
				      * cancelled or refunded, after its last event */
	int64_t retention_idle;      /* retention.idle 90d: any order, after its last event */
	int64_t retention_event_ids; /* retention.event_ids 30d: an accepted event's id */

	struct ox_rule_setting rules[OX_R__COUNT];
};

/* Fill p with the defaults of rules.md. p owns no memory afterwards. */
void ox_params_init(struct ox_params *p);
/* Free what p owns (the channel table) and re-init it. */
void ox_params_release(struct ox_params *p);
/* Make dst a deep copy of src (dst is overwritten, not released). */
void ox_params_copy(struct ox_params *dst, const struct ox_params *src);

/* The block for a channel (NULL or unknown: the global block). */
const struct ox_order_params *ox_params_for_channel(const struct ox_params *p, const char *channel,
						    size_t len);
/* The stall window for a carrier (NULL or unknown: op->stall_window). */
int64_t ox_params_stall_window(const struct ox_params *p, const struct ox_order_params *op,
			       const char *carrier, size_t len);

#endif

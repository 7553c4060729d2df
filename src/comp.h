/* comp.h - compensation ("灵活处理, 适当补偿", docs/compensation.md).
 *
 * A compensation is a call on the merchant's systems (call.h) of one of
 * four kinds: a coupon (issue_coupon), points (add_points), a partial
 * refund (partial_refund) or a gift (send_gift). What makes it more than a
 * call is money given away, so three rules apply to it:
 *   - each role may give up to its limit per compensation (defaults: agent
 *     20.00 CNY, supervisor 200.00, admin unlimited); above it the call
 *     waits for a supervisor whose own limit covers it;
 *   - each team has a daily budget (event-clock days in Asia/Shanghai);
 *     a compensation that would overdraw it waits for approval too;
 *   - a customer compensated again within a window is flagged (repeat).
 * This module is the pure part: the kinds, the `actions.compensation:`
 * config, a call's value and the decision. The desk keeps the ledger
 * (desk_comp.c).
 */
#ifndef OX_COMP_H
#define OX_COMP_H

#include <stdbool.h>
#include <stddef.h>

#include "auth.h"
#include "params.h"
#include "playbook.h"
#include "timefmt.h"
#include "util.h"
#include "yamlcfg.h"

/* X(enum suffix, name, action kind, label zh, label en) */
#define OX_COMP_KINDS(X)                                                                    \
	X(COUPON, "coupon", OX_PB_A_ISSUE_COUPON, "优惠券", "Coupon")                       \
	X(POINTS, "points", OX_PB_A_ADD_POINTS, "积分", "Points")                           \
	X(PARTIAL_REFUND, "partial_refund", OX_PB_A_PARTIAL_REFUND, "部分退款", "Partial refund") \
	X(GIFT, "gift", OX_PB_A_SEND_GIFT, "赠品", "Gift")

enum ox_comp_kind {
#define X(e, s, a, zh, en) OX_COMP_##e,
	OX_COMP_KINDS(X)
#undef X
	OX_COMP__NKINDS
};
const char *ox_comp_kind_name(enum ox_comp_kind k);
const char *ox_comp_kind_label(enum ox_comp_kind k, enum ox_pb_lang l);
int ox_comp_kind_by_name(const char *s, size_t n); /* or -1 */
/* The compensation kind of an action kind, or -1 when it gives nothing. */
int ox_comp_kind_of(enum ox_pb_action a);
enum ox_pb_action ox_comp_action(enum ox_comp_kind k);

#define OX_COMP_NO_LIMIT ((ox_money)-1)
#define OX_COMP_MONEY_MAX ((ox_money)100000000) /* 1,000,000.00 CNY in fen: any limit or budget */
#define OX_COMP_BUDGETS_MAX 64                 /* teams with a budget of their own */

struct ox_comp_budget {
	char team[OX_NAME_MAX];
	ox_money per_day; /* fen, or OX_COMP_NO_LIMIT */
};

struct ox_comp_config {
	ox_money role_limit[OX_ROLE__COUNT];  /* fen per compensation; OX_COMP_NO_LIMIT; 0: none at all */
	ox_money budget_default;              /* fen per team and day, or OX_COMP_NO_LIMIT */
	struct ox_comp_budget budgets[OX_COMP_BUDGETS_MAX];
	size_t n_budgets;
	int points_per_cny;                   /* what 1 CNY buys in points (100) */
	int64_t repeat_window;                /* ms (90 days) */
	int repeat_after;                     /* the customer's nth compensation in the window is flagged (2) */
};

/* The defaults: agent 20.00, supervisor 200.00, admin unlimited, viewer
 * and ingest nothing; no team budget; 100 points a CNY; the second
 * compensation within 90 days is flagged. */
void ox_comp_config_default(struct ox_comp_config *c);
/* Read `actions.compensation` (the mapping v; path "actions.compensation")
 * over the defaults already in c. 0, or -1 with the error in y. */
int ox_comp_config_read(struct ox_yaml *y, yaml_node_t *v, struct ox_comp_config *c);

ox_money ox_comp_role_limit(const struct ox_comp_config *c, enum ox_role role);
ox_money ox_comp_team_budget(const struct ox_comp_config *c, const char *team);

/* What a call of kind a with params (JSON) and amount (fen, -1: none) is
 * worth in fen: the amount, or for points their price (rounded up to the
 * fen). -1 when a gives nothing. */
ox_money ox_comp_value(const struct ox_comp_config *c, enum ox_pb_action a, const char *params, ox_money amount);

/* Why a compensation waits for a supervisor. X(enum suffix, name) */
#define OX_COMP_WAITS(X)               \
	X(NONE, "")                    \
	X(ABOVE_LIMIT, "above_limit")  \
	X(OVER_BUDGET, "over_budget")

enum ox_comp_wait {
#define X(e, s) OX_COMP_WAIT_##e,
	OX_COMP_WAITS(X)
#undef X
	OX_COMP__NWAITS
};
const char *ox_comp_wait_name(enum ox_comp_wait w); /* "" for NONE */
int ox_comp_wait_by_name(const char *s, size_t n);   /* or -1 */

/* May a compensation of value go ahead at once? limit is the requester's
 * (OX_COMP_NO_LIMIT: none); spent what its team gave away today, budget
 * its daily budget. */
enum ox_comp_wait ox_comp_decide(ox_money value, ox_money limit, ox_money spent, ox_money budget);

/* The day of an event time in Asia/Shanghai (UTC+8 all year), for budgets. */
int64_t ox_comp_day(ox_time t);

#endif

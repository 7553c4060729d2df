/* test_comp.c - compensation (comp.h): the kinds and their actions, the
 * actions.compensation config and its errors, a call's value (points at
 * their price), the decision, and the Beijing day budgets count in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "call.h"
#include "comp.h"

static void test_kinds(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		enum ox_pb_action action;
	} want[] = { { "coupon", OX_PB_A_ISSUE_COUPON },
		     { "points", OX_PB_A_ADD_POINTS },
		     { "partial_refund", OX_PB_A_PARTIAL_REFUND },
		     { "gift", OX_PB_A_SEND_GIFT } };
	assert_int_equal(OX_COMP__NKINDS, 4);
	for (int k = 0; k < OX_COMP__NKINDS; k++) {
		assert_string_equal(ox_comp_kind_name((enum ox_comp_kind)k), want[k].name);
		assert_int_equal(ox_comp_kind_by_name(want[k].name, strlen(want[k].name)), k);
		assert_int_equal(ox_comp_action((enum ox_comp_kind)k), want[k].action);
		assert_int_equal(ox_comp_kind_of(want[k].action), k);
		assert_true(strlen(ox_comp_kind_label((enum ox_comp_kind)k, OX_PB_ZH)) > 0);
	}
	/* a refund gives back what was paid: not a compensation */
	assert_int_equal(ox_comp_kind_of(OX_PB_A_REFUND), -1);
	assert_int_equal(ox_comp_kind_of(OX_PB_A_SEND_MESSAGE), -1);
	assert_int_equal(ox_comp_kind_by_name("cash", 4), -1);
	assert_string_equal(ox_comp_wait_name(OX_COMP_WAIT_NONE), "");
	assert_int_equal(ox_comp_wait_by_name("over_budget", 11), OX_COMP_WAIT_OVER_BUDGET);
	assert_int_equal(ox_comp_wait_by_name("", 0), -1);
}

static struct ox_call_config *load(const char *yaml)
{
	struct ox_call_config *c = NULL;
	char err[256];
	if (ox_call_config_parse("t.yaml", yaml, strlen(yaml), &c, err, sizeof err))
		fail_msg("%s", err);
	return c;
}

static void test_config(void **state)
{
	(void)state;
	struct ox_call_config *c = load("");
	assert_int_equal(ox_comp_role_limit(&c->comp, OX_ROLE_AGENT), 2000);
	assert_int_equal(ox_comp_role_limit(&c->comp, OX_ROLE_SUPERVISOR), 20000);
	assert_int_equal(ox_comp_role_limit(&c->comp, OX_ROLE_ADMIN), OX_COMP_NO_LIMIT);
	assert_int_equal(ox_comp_role_limit(&c->comp, OX_ROLE_VIEWER), 0);
	assert_int_equal(ox_comp_team_budget(&c->comp, "cs"), OX_COMP_NO_LIMIT);
	assert_int_equal(c->comp.points_per_cny, 100);
	assert_int_equal(c->comp.repeat_window, 90 * OX_MS_DAY);
	assert_int_equal(c->comp.repeat_after, 2);
	ox_call_config_free(c);

	c = load("actions:\n  compensation:\n"
		 "    limits: { agent: 5.50, supervisor: none, admin: 10000 }\n"
		 "    daily_budget: { default: 1000, cs: 300, vip: none }\n"
		 "    points_per_cny: 10\n    repeat_window: 30d\n    repeat_after: 3\n");
	assert_int_equal(ox_comp_role_limit(&c->comp, OX_ROLE_AGENT), 550);
	assert_int_equal(ox_comp_role_limit(&c->comp, OX_ROLE_SUPERVISOR), OX_COMP_NO_LIMIT);
	assert_int_equal(ox_comp_role_limit(&c->comp, OX_ROLE_ADMIN), 1000000);
	assert_int_equal(ox_comp_team_budget(&c->comp, "cs"), 30000);
	assert_int_equal(ox_comp_team_budget(&c->comp, "vip"), OX_COMP_NO_LIMIT);
	assert_int_equal(ox_comp_team_budget(&c->comp, "payments"), 100000);
	assert_int_equal(c->comp.points_per_cny, 10);
	assert_int_equal(c->comp.repeat_window, 30 * OX_MS_DAY);
	assert_int_equal(c->comp.repeat_after, 3);
	ox_call_config_free(c);
}

static void test_config_errors(void **state)
{
	(void)state;
	static const struct {
		const char *yaml, *err;
	} cases[] = {
		{ "actions:\n  compensation: 5\n", "t.yaml:2: 'actions.compensation' must be a mapping" },
		{ "actions:\n  compensation:\n    limit: {}\n",
		  "t.yaml:3: unknown key 'actions.compensation.limit' (did you mean 'actions.compensation.limits'?)" },
		{ "actions:\n  compensation:\n    limits: { agant: 5 }\n",
		  "t.yaml:3: unknown role 'actions.compensation.limits.agant' (did you mean "
		  "'actions.compensation.limits.agent'?)" },
		{ "actions:\n  compensation:\n    limits: { agent: -1 }\n",
		  "t.yaml:3: 'actions.compensation.limits.agent' must be an amount in CNY such as 200 or 49.90, or none" },
		{ "actions:\n  compensation:\n    limits: { agent: 1000001 }\n",
		  "t.yaml:3: 'actions.compensation.limits.agent' must be at most 1000000.00" },
		{ "actions:\n  compensation:\n    daily_budget: { \"c s\": 5 }\n",
		  "t.yaml:3: 'actions.compensation.daily_budget.c s' must be a name of letters, digits, '_', '-' and '.'" },
		{ "actions:\n  compensation:\n    points_per_cny: 0\n", "t.yaml:3: " },
		{ "actions:\n  compensation:\n    repeat_after: 1\n", "t.yaml:3: " },
		{ "actions:\n  compensation:\n    repeat_window: 10m\n", "t.yaml:3: " },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct ox_call_config *c = NULL;
		char err[256] = "";
		assert_int_equal(ox_call_config_parse("t.yaml", cases[i].yaml, strlen(cases[i].yaml), &c, err, sizeof err),
				 -1);
		assert_null(c);
		if (strncmp(err, cases[i].err, strlen(cases[i].err)) != 0)
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, err, cases[i].err);
	}
}

static void test_value_and_decision(void **state)
{
	(void)state;
	struct ox_comp_config c;
	ox_comp_config_default(&c);
	assert_int_equal(ox_comp_value(&c, OX_PB_A_ISSUE_COUPON, "{\"amount\":\"15.00\"}", 1500), 1500);
	assert_int_equal(ox_comp_value(&c, OX_PB_A_ADD_POINTS, "{\"points\":2000}", -1), 2000);
	assert_int_equal(ox_comp_value(&c, OX_PB_A_ADD_POINTS, "{\"points\":2001}", -1), 2001);
	c.points_per_cny = 150; /* 1 point is 0.666 fen: rounded up, never undervalued */
	assert_int_equal(ox_comp_value(&c, OX_PB_A_ADD_POINTS, "{\"points\":1}", -1), 1);
	assert_int_equal(ox_comp_value(&c, OX_PB_A_ADD_POINTS, "{\"points\":300}", -1), 200);
	assert_int_equal(ox_comp_value(&c, OX_PB_A_ADD_POINTS, "{\"points\":301}", -1), 201);
	assert_int_equal(ox_comp_value(&c, OX_PB_A_ADD_POINTS, "{}", -1), 0);
	assert_int_equal(ox_comp_value(&c, OX_PB_A_REFUND, "{\"amount\":\"5\"}", 500), -1);

	assert_int_equal(ox_comp_decide(2000, 2000, 0, OX_COMP_NO_LIMIT), OX_COMP_WAIT_NONE);
	assert_int_equal(ox_comp_decide(2001, 2000, 0, OX_COMP_NO_LIMIT), OX_COMP_WAIT_ABOVE_LIMIT);
	assert_int_equal(ox_comp_decide(2001, OX_COMP_NO_LIMIT, 0, 0), OX_COMP_WAIT_OVER_BUDGET);
	assert_int_equal(ox_comp_decide(1000, 2000, 4000, 5000), OX_COMP_WAIT_NONE);
	assert_int_equal(ox_comp_decide(1001, 2000, 4000, 5000), OX_COMP_WAIT_OVER_BUDGET);
	/* the limit is said first: a supervisor, not the budget, is the remedy */
	assert_int_equal(ox_comp_decide(3000, 2000, 4000, 5000), OX_COMP_WAIT_ABOVE_LIMIT);
}

static void test_day(void **state)
{
	(void)state;
	ox_time midnight; /* 2026-11-12 00:00 in Beijing */
	assert_int_equal(ox_time_parse("2026-11-12T00:00:00+08:00", 25, &midnight), 0);
	assert_int_equal(ox_comp_day(midnight - 1) + 1, ox_comp_day(midnight));
	assert_int_equal(ox_comp_day(midnight), ox_comp_day(midnight + OX_MS_DAY - 1));
	assert_int_equal(ox_comp_day(0), 0);      /* 08:00 Beijing on 1970-01-01 */
	assert_int_equal(ox_comp_day(-8 * OX_MS_HOUR - 1), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_value_and_decision),
		cmocka_unit_test(test_day),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

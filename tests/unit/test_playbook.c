/* test_playbook.c - playbooks, templates and the resolution taxonomy
 * (src/playbook.c, src/playbook_data.c): the built-in content of every rule
 * and category, rendering, the `playbooks:` section with each of its errors
 * and their lines, the JSON for the API and its bounds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "json.h"
#include "params.h"
#include "playbook.h"
#include "playbook_impl.h"
#include "util.h"

static struct ox_playbooks *parse_ok(const char *yaml)
{
	struct ox_playbooks *set = NULL;
	char err[512] = "";
	if (ox_playbooks_parse("p.yaml", yaml, strlen(yaml), &set, err, sizeof err) != 0)
		fail_msg("unexpected error: %s\n%s", err, yaml);
	assert_non_null(set);
	return set;
}

static void parse_err(const char *yaml, const char *want)
{
	struct ox_playbooks *set = (struct ox_playbooks *)&set;
	char err[512] = "";
	if (ox_playbooks_parse("p.yaml", yaml, strlen(yaml), &set, err, sizeof err) == 0)
		fail_msg("accepted:\n%s", yaml);
	assert_null(set);
	if (strcmp(err, want) != 0)
		fail_msg("for:\n%s\nwant: %s\ngot:  %s", yaml, want, err);
}

static struct ox_playbooks *builtins(void)
{
	struct ox_playbooks *set = NULL;
	char err[256];
	assert_int_equal(ox_playbooks_load(NULL, &set, err, sizeof err), 0);
	assert_non_null(set);
	return set;
}

static bool ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

/* A text of each language: the Chinese one has Chinese in it, the English
 * one is plain ASCII (a swapped pair shows). */
static void check_pair(const char *const t[OX_PB__NLANG], const char *what)
{
	for (int g = 0; g < OX_PB__NLANG; g++) {
		if (!t[g] || !*t[g])
			fail_msg("%s: empty %s text", what, g ? "en" : "zh");
		size_t n = strlen(t[g]);
		if (n > OX_PB_TEXT_MAX || !ox_utf8_text_ok(t[g], n, true))
			fail_msg("%s: %s text too long or not text (%zu bytes)", what, g ? "en" : "zh", n);
	}
	if (ascii(t[OX_PB_ZH]))
		fail_msg("%s: the zh text has no Chinese: %s", what, t[OX_PB_ZH]);
	if (!ascii(t[OX_PB_EN]))
		fail_msg("%s: the en text is not ASCII: %s", what, t[OX_PB_EN]);
}

/* ---- built-in content ------------------------------------------------------------------ */

static void test_every_rule(void **state)
{
	(void)state;
	struct ox_playbooks *set = builtins();
	for (int r = 0; r < OX_R__COUNT; r++) {
		const char *code = ox_rule_info((enum ox_rule)r)->code;
		const struct ox_playbook *pb = ox_playbook_get(set, (enum ox_rule)r);
		assert_non_null(pb);
		assert_int_equal(pb->rule, r);
		if (!oxp_builtin_find(code))
			fail_msg("%s has no built-in playbook in src/playbook_data.c", code);
		if (pb->category < 0)
			fail_msg("%s: category '%s' is not in OX_PB_CATEGORIES", code,
				 ox_rule_info((enum ox_rule)r)->category);
		assert_string_equal(ox_pb_category_name((enum ox_pb_category)pb->category),
				    ox_rule_info((enum ox_rule)r)->category);
		if (pb->n_checklist < 3 || pb->n_checklist > 7)
			fail_msg("%s: %zu checklist items, want 3..7", code, pb->n_checklist);
		for (size_t i = 0; i < pb->n_checklist; i++) {
			const struct ox_pb_item *it = &pb->checklist[i];
			size_t n = strlen(it->id);
			assert_true(n >= 1 && n <= OX_PB_ID_MAX);
			assert_int_equal(strspn(it->id, "abcdefghijklmnopqrstuvwxyz0123456789_"), n);
			for (size_t k = 0; k < i; k++)
				if (!strcmp(pb->checklist[k].id, it->id))
					fail_msg("%s: checklist id %s twice", code, it->id);
			assert_int_equal(ox_pb_item_find(pb, it->id, n), (int)i);
			char what[128];
			snprintf(what, sizeof what, "%s.%s", code, it->id);
			check_pair(it->text, what);
		}
		assert_int_equal(ox_pb_item_find(pb, "no_such_item", 12), -1);
		assert_true(pb->n_actions <= OX_PB_A__COUNT);
		for (size_t i = 0; i < pb->n_actions; i++) {
			assert_true((unsigned)pb->actions[i] < OX_PB_A__COUNT);
			for (size_t k = 0; k < i; k++)
				assert_int_not_equal(pb->actions[k], pb->actions[i]);
		}
		for (size_t i = 0; i < pb->n_sequence; i++)
			for (size_t k = 0; k < i; k++)
				assert_int_not_equal(pb->sequence[k], pb->sequence[i]);
		assert_true(pb->mode == OX_PB_M_SUGGEST || pb->n_sequence >= 1);
		assert_true(pb->limit == OX_PB_NO_LIMIT || (pb->limit >= 0 && pb->limit <= OX_PB_LIMIT_MAX));
		assert_int_equal(pb->customized, 0);
	}
	/* and no content for a rule the table does not have */
	for (size_t i = 0; i < oxp_n_builtins; i++)
		if (ox_rule_by_code(oxp_builtins[i].code, strlen(oxp_builtins[i].code)) < 0)
			fail_msg("src/playbook_data.c has a playbook for %s, which is not a rule",
				 oxp_builtins[i].code);
	assert_null(ox_playbook_get(set, OX_R__COUNT));
	assert_null(ox_playbook_get(NULL, OX_R_PAY_FAILED));
	ox_playbooks_free(set);
}

static void test_category_templates(void **state)
{
	(void)state;
	struct ox_playbooks *set = builtins();
	for (int c = 0; c < OX_PB__NCAT; c++)
		for (int s = 0; s < OX_PB__NSTEP; s++) {
			char what[64];
			snprintf(what, sizeof what, "%s.%s", ox_pb_category_name((enum ox_pb_category)c),
				 ox_pb_step_name((enum ox_pb_step)s));
			const char *t[2] = { ox_pb_category_template(set, (enum ox_pb_category)c,
								     (enum ox_pb_step)s, OX_PB_ZH),
					     ox_pb_category_template(set, (enum ox_pb_category)c,
								     (enum ox_pb_step)s, OX_PB_EN) };
			check_pair(t, what);
			assert_ptr_equal(t[0], oxp_category_templates[c][s][0]);
		}
	assert_null(ox_pb_category_template(set, OX_PB__NCAT, OX_PB_S_NOTIFY, OX_PB_ZH));
	assert_null(ox_pb_category_template(NULL, OX_PB_CAT_PAYMENT, OX_PB_S_NOTIFY, OX_PB_ZH));
	ox_playbooks_free(set);
}

/* Render t with every sample value: no error, nothing left in braces. */
static void render_full(const char *t, const char *what)
{
	struct ox_pb_vars vars;
	struct ox_buf out;
	char err[256] = "";
	uint32_t used = 0, missing = 99;
	ox_pb_vars_sample(&vars);
	ox_buf_init(&out, OX_PB_RENDER_MAX);
	if (ox_pb_template_check(t, strlen(t), &used, err, sizeof err) < 0)
		fail_msg("%s: %s: %s", what, err, t);
	if (ox_pb_render(t, &vars, &out, &missing, err, sizeof err) < 0)
		fail_msg("%s: %s", what, err);
	assert_int_equal(missing, 0);
	assert_null(strchr(out.data, '{'));
	assert_null(strchr(out.data, '}'));
	assert_true(ox_utf8_text_ok(out.data, out.len, true));
	/* every variable it uses has its sample value in the text */
	for (int v = 0; v < OX_PB_V__COUNT; v++)
		if (used >> v & 1)
			assert_non_null(strstr(out.data, ox_pb_var_sample((enum ox_pb_var)v)));
	/* without values: the preview keeps each variable, named in the error */
	ox_buf_reset(&out);
	assert_int_equal(ox_pb_render(t, NULL, &out, &missing, err, sizeof err), used ? -1 : 0);
	assert_int_equal(missing, used);
	assert_string_equal(out.data, t);
	ox_buf_release(&out);
}

static void test_builtin_templates_render(void **state)
{
	(void)state;
	struct ox_playbooks *set = builtins();
	for (int r = 0; r < OX_R__COUNT; r++) {
		const struct ox_playbook *pb = ox_playbook_get(set, (enum ox_rule)r);
		for (int s = 0; s < OX_PB__NSTEP; s++) {
			char what[96];
			snprintf(what, sizeof what, "%s.%s", ox_rule_info((enum ox_rule)r)->code,
				 ox_pb_step_name((enum ox_pb_step)s));
			check_pair(pb->templates[s], what);
			for (int g = 0; g < OX_PB__NLANG; g++)
				render_full(pb->templates[s][g], what);
			/* both languages ask for the same values */
			uint32_t zh = 0, en = 0;
			assert_int_equal(ox_pb_template_check(pb->templates[s][0],
							      strlen(pb->templates[s][0]), &zh, NULL, 0),
					 0);
			assert_int_equal(ox_pb_template_check(pb->templates[s][1],
							      strlen(pb->templates[s][1]), &en, NULL, 0),
					 0);
			if (zh != en)
				fail_msg("%s: zh and en use different variables (%#x, %#x)", what, zh, en);
		}
	}
	/* a rule's own template wins over its category's */
	const struct ox_playbook *dup = ox_playbook_get(set, OX_R_PAY_DUPLICATE);
	assert_ptr_equal(dup->templates[OX_PB_S_EXPLAIN][0],
			 oxp_builtin_find("PAY_DUPLICATE")->templates[OX_PB_S_EXPLAIN][0]);
	assert_ptr_equal(dup->templates[OX_PB_S_NOTIFY][1],
			 oxp_category_templates[OX_PB_CAT_PAYMENT][OX_PB_S_NOTIFY][1]);
	ox_playbooks_free(set);
}

static void test_auto_defaults(void **state)
{
	(void)state;
	struct ox_playbooks *set = builtins();
	const struct ox_playbook *stale = ox_playbook_get(set, OX_R_PAY_STATUS_STALE);
	assert_int_equal(stale->mode, OX_PB_M_AUTO);
	assert_int_equal(stale->n_sequence, 2);
	assert_int_equal(stale->sequence[0], OX_PB_A_QUERY_PAYMENT);
	assert_int_equal(stale->sequence[1], OX_PB_A_MARK_PAID);
	assert_int_equal(stale->limit, OX_PB_NO_LIMIT);
	assert_int_equal(ox_pb_decide(stale, -1), OX_PB_D_RUN);
	assert_int_equal(ox_pb_decide(stale, 1000000), OX_PB_D_RUN);

	const struct ox_playbook *dup = ox_playbook_get(set, OX_R_PAY_DUPLICATE);
	assert_int_equal(dup->mode, OX_PB_M_AUTO_WITH_APPROVAL);
	assert_int_equal(dup->n_sequence, 1);
	assert_int_equal(dup->sequence[0], OX_PB_A_REFUND);
	assert_int_equal(dup->limit, 20000);
	assert_int_equal(ox_pb_decide(dup, 19999), OX_PB_D_RUN);
	assert_int_equal(ox_pb_decide(dup, 20000), OX_PB_D_RUN);
	assert_int_equal(ox_pb_decide(dup, 20001), OX_PB_D_APPROVE);

	const struct ox_playbook *lost = ox_playbook_get(set, OX_R_LOG_LOST);
	assert_int_equal(lost->mode, OX_PB_M_SUGGEST);
	assert_int_equal(ox_pb_decide(lost, 0), OX_PB_D_SUGGEST);
	assert_int_equal(ox_pb_decide(NULL, 0), OX_PB_D_SUGGEST);

	/* the table of ox_pb_decide */
	struct ox_playbook pb = { .mode = OX_PB_M_AUTO, .n_sequence = 1, .limit = 500 };
	assert_int_equal(ox_pb_decide(&pb, 500), OX_PB_D_RUN);
	assert_int_equal(ox_pb_decide(&pb, 501), OX_PB_D_SUGGEST);
	assert_int_equal(ox_pb_decide(&pb, -1), OX_PB_D_RUN);
	pb.mode = OX_PB_M_AUTO_WITH_APPROVAL;
	assert_int_equal(ox_pb_decide(&pb, -1), OX_PB_D_RUN);
	assert_int_equal(ox_pb_decide(&pb, 501), OX_PB_D_APPROVE);
	pb.limit = OX_PB_NO_LIMIT;
	assert_int_equal(ox_pb_decide(&pb, 0), OX_PB_D_APPROVE);
	pb.limit = 0;
	assert_int_equal(ox_pb_decide(&pb, 0), OX_PB_D_RUN);
	assert_int_equal(ox_pb_decide(&pb, 1), OX_PB_D_APPROVE);
	pb.n_sequence = 0;
	assert_int_equal(ox_pb_decide(&pb, 0), OX_PB_D_SUGGEST);
	ox_playbooks_free(set);
}

/* ---- names ------------------------------------------------------------------------------ */

static void test_names(void **state)
{
	(void)state;
	static const char *const actions[] = {
		"refund",	  "partial_refund",	"reship",	 "cancel_order", "mark_paid",
		"update_address", "intercept_shipment", "issue_coupon",	 "add_points",	 "send_message",
		"carrier_claim",  "query_payment",	"query_tracking", "send_gift"
	};
	assert_int_equal(OX_PB_A__COUNT, OX_ARRAY_LEN(actions));
	for (int a = 0; a < OX_PB_A__COUNT; a++) {
		assert_string_equal(ox_pb_action_name((enum ox_pb_action)a), actions[a]);
		assert_int_equal(ox_pb_action_by_name(actions[a], strlen(actions[a])), a);
		const char *t[2] = { ox_pb_action_label((enum ox_pb_action)a, OX_PB_ZH),
				     ox_pb_action_label((enum ox_pb_action)a, OX_PB_EN) };
		check_pair(t, actions[a]);
	}
	assert_int_equal(ox_pb_action_by_name("refun", 5), -1);
	assert_int_equal(ox_pb_action_by_name("refunds", 7), -1);
	assert_string_equal(ox_pb_action_name(OX_PB_A__COUNT), "?");
	for (int s = 0; s < OX_PB__NSTEP; s++) {
		const char *n = ox_pb_step_name((enum ox_pb_step)s);
		assert_int_equal(ox_pb_step_by_name(n, strlen(n)), s);
		const char *t[2] = { ox_pb_step_label((enum ox_pb_step)s, OX_PB_ZH),
				     ox_pb_step_label((enum ox_pb_step)s, OX_PB_EN) };
		check_pair(t, n);
	}
	assert_string_equal(ox_pb_step_label(OX_PB_S_NOTIFY, OX_PB_ZH), "第一时间通知");
	assert_string_equal(ox_pb_step_label(OX_PB_S_APOLOGY, OX_PB_ZH), "表达歉意");
	for (int m = 0; m < OX_PB_M__COUNT; m++) {
		const char *n = ox_pb_mode_name((enum ox_pb_mode)m);
		assert_int_equal(ox_pb_mode_by_name(n, strlen(n)), m);
		const char *t[2] = { ox_pb_mode_label((enum ox_pb_mode)m, OX_PB_ZH),
				     ox_pb_mode_label((enum ox_pb_mode)m, OX_PB_EN) };
		check_pair(t, n);
	}
	for (int v = 0; v < OX_PB_V__COUNT; v++) {
		const char *n = ox_pb_var_name((enum ox_pb_var)v);
		assert_int_equal(ox_pb_var_by_name(n, strlen(n)), v);
		assert_int_equal(strspn(n, "abcdefghijklmnopqrstuvwxyz_"), strlen(n));
		assert_true(strlen(n) >= 3); /* OX_PB_RENDER_MAX counts on "{eta}" being the shortest */
		assert_true(*ox_pb_var_sample((enum ox_pb_var)v));
		const char *t[2] = { ox_pb_var_label((enum ox_pb_var)v, OX_PB_ZH),
				     ox_pb_var_label((enum ox_pb_var)v, OX_PB_EN) };
		check_pair(t, n);
	}
	for (int c = 0; c < OX_PB__NCAT; c++) {
		const char *n = ox_pb_category_name((enum ox_pb_category)c);
		assert_int_equal(ox_pb_category_by_name(n, strlen(n)), c);
		const char *t[2] = { ox_pb_category_label((enum ox_pb_category)c, OX_PB_ZH),
				     ox_pb_category_label((enum ox_pb_category)c, OX_PB_EN) };
		check_pair(t, n);
	}
	/* every category of the rule table is one of ours */
	for (int r = 0; r < OX_R__COUNT; r++)
		assert_true(ox_pb_category_of((enum ox_rule)r) >= 0);
	assert_int_equal(ox_pb_category_of(OX_R__COUNT), -1);
	assert_int_equal(ox_pb_category_of(OX_R_INV_DRIFT), OX_PB_CAT_INVENTORY);

	static const struct {
		const char *s;
		int lang;
	} langs[] = { { "zh", OX_PB_ZH },
		      { "zh-CN", OX_PB_ZH },
		      { "zh_Hans", OX_PB_ZH },
		      { "ZH-cn", OX_PB_ZH },
		      { "en", OX_PB_EN },
		      { "en-US", OX_PB_EN },
		      { "fr", -1 },
		      { "z", -1 },
		      { "zhx", -1 },
		      { "zh-", -1 },
		      { "", -1 },
		      { "en-U S", -1 } };
	for (size_t i = 0; i < OX_ARRAY_LEN(langs); i++)
		if (ox_pb_lang_parse(langs[i].s, strlen(langs[i].s)) != langs[i].lang)
			fail_msg("lang '%s'", langs[i].s);
	assert_string_equal(ox_pb_lang_name(OX_PB_ZH), "zh");
	assert_string_equal(ox_pb_lang_name(OX_PB_EN), "en");
}

/* ---- taxonomy ---------------------------------------------------------------------------- */

static void test_taxonomy(void **state)
{
	(void)state;
	char why[256];
	for (int c = 0; c < OX_PB__NCAT; c++) {
		int n = 0;
		assert_true(ox_pb_resolution_valid((enum ox_pb_category)c, "false_positive", 14));
		assert_true(ox_pb_resolution_valid((enum ox_pb_category)c, "no_action_needed", 16));
		assert_true(ox_pb_resolution_valid((enum ox_pb_category)c, "duplicate_case", 14));
		for (int r = 0; r < OX_PB_R__COUNT; r++)
			n += ox_pb_resolution_categories((enum ox_pb_resolution)r) >> c & 1;
		/* a real choice besides the three everyone has */
		if (n < 6)
			fail_msg("category %s has %d resolutions",
				 ox_pb_category_name((enum ox_pb_category)c), n);
	}
	for (int r = 0; r < OX_PB_R__COUNT; r++) {
		const char *n = ox_pb_resolution_name((enum ox_pb_resolution)r);
		assert_int_equal(strspn(n, "abcdefghijklmnopqrstuvwxyz_"), strlen(n));
		assert_true(ox_pb_resolution_categories((enum ox_pb_resolution)r) != 0);
		assert_true(ox_pb_resolution_categories((enum ox_pb_resolution)r) <= OX_PB_CM_ALL);
		for (int k = 0; k < r; k++)
			assert_string_not_equal(ox_pb_resolution_name((enum ox_pb_resolution)k), n);
		const char *t[2] = { ox_pb_resolution_label((enum ox_pb_resolution)r, OX_PB_ZH),
				     ox_pb_resolution_label((enum ox_pb_resolution)r, OX_PB_EN) };
		check_pair(t, n);
	}
	/* the issue's examples */
	assert_true(ox_pb_resolution_valid(OX_PB_CAT_PAYMENT, "refunded", 8));
	assert_true(ox_pb_resolution_valid(OX_PB_CAT_LOGISTICS, "reshipped", 9));
	assert_true(ox_pb_resolution_valid(OX_PB_CAT_CUSTOMER, "address_corrected", 17));
	assert_true(ox_pb_resolution_valid(OX_PB_CAT_LOGISTICS, "carrier_claimed", 15));
	assert_true(ox_pb_resolution_valid(OX_PB_CAT_INVENTORY, "stock_replenished", 17));
	assert_false(ox_pb_resolution_valid(OX_PB_CAT_PAYMENT, "reshipped", 9));
	assert_false(ox_pb_resolution_valid(OX_PB_CAT_PAYMENT, "refunde", 7));
	assert_false(ox_pb_resolution_valid(OX_PB__NCAT, "false_positive", 14));

	assert_int_equal(ox_pb_resolution_parse(OX_PB_CAT_PAYMENT, "refunded", 8, why, sizeof why),
			 OX_PB_R_REFUNDED);
	assert_int_equal(ox_pb_resolution_parse(OX_PB_CAT_PAYMENT, "refundd", 7, why, sizeof why), -1);
	assert_string_equal(why, "unknown resolution 'refundd' (did you mean 'refunded'?)");
	assert_int_equal(ox_pb_resolution_parse(OX_PB_CAT_PAYMENT, "reshipped", 9, why, sizeof why), -1);
	assert_string_equal(why, "'reshipped' is not a resolution of category payment");
	assert_int_equal(ox_pb_resolution_parse(OX_PB_CAT_PAYMENT, "zzzzzz", 6, NULL, 0), -1);

	static const char *const causes[] = { "customer", "merchant",  "platform", "payment_provider",
					      "carrier",  "warehouse", "system",   "fraud" };
	assert_int_equal(OX_PB_RC__COUNT, OX_ARRAY_LEN(causes));
	for (int c = 0; c < OX_PB_RC__COUNT; c++) {
		assert_int_equal(ox_pb_root_cause_parse(causes[c], strlen(causes[c]), NULL, 0), c);
		assert_string_equal(ox_pb_root_cause_name((enum ox_pb_root_cause)c), causes[c]);
		const char *t[2] = { ox_pb_root_cause_label((enum ox_pb_root_cause)c, OX_PB_ZH),
				     ox_pb_root_cause_label((enum ox_pb_root_cause)c, OX_PB_EN) };
		check_pair(t, causes[c]);
	}
	assert_int_equal(ox_pb_root_cause_parse("carier", 6, why, sizeof why), -1);
	assert_string_equal(why, "unknown root cause 'carier' (did you mean 'carrier'?)");
	assert_int_equal(ox_pb_root_cause_parse("weather", 7, why, sizeof why), -1);
	assert_string_equal(why, "unknown root cause 'weather'");
	assert_int_equal(ox_pb_root_cause_parse("a\nb", 3, why, sizeof why), -1);
	assert_string_equal(why, "unknown root cause 'a?b'");
}

/* ---- rendering ------------------------------------------------------------------------- */

struct render_case {
	const char *t;
	int rc;
	const char *out, *err;
	uint32_t missing;
};

static void test_render(void **state)
{
	(void)state;
	struct ox_pb_vars vars = { 0 };
	vars.v[OX_PB_V_CUSTOMER_NAME] = "王女士";
	vars.v[OX_PB_V_ORDER_ID] = "T1";
	vars.v[OX_PB_V_ETA] = "";      /* empty: no value */
	vars.v[OX_PB_V_SKU] = "{eta}"; /* braces in a value are not read */
	vars.v[OX_PB_V_AMOUNT] = "9.90";
	const struct render_case cases[] = {
		{ "hello", 0, "hello", NULL, 0 },
		{ "{customer_name}您好,订单 {order_id}", 0, "王女士您好,订单 T1", NULL, 0 },
		{ "{order_id}{order_id}{amount}", 0, "T1T19.90", NULL, 0 },
		{ "{{order_id}}", 0, "{order_id}", NULL, 0 },
		{ "{{{order_id}}}", 0, "{T1}", NULL, 0 },
		{ "a }} b {{ c", 0, "a } b { c", NULL, 0 },
		{ "{sku}", 0, "{eta}", NULL, 0 },
		{ "到货 {eta},券 {coupon_amount},单 {order_id}", -1, "到货 {eta},券 {coupon_amount},单 T1",
		  "no value for {coupon_amount}, {eta}", 1u << OX_PB_V_ETA | 1u << OX_PB_V_COUPON_AMOUNT },
		{ "{custmer_name}", -1, "", "unknown variable {custmer_name} (did you mean {customer_name}?)",
		  0 },
		{ "{ORDER_ID}", -1, "", "unknown variable {ORDER_ID}", 0 },
		{ "{weather}", -1, "", "unknown variable {weather}", 0 },
		{ "{order id}", -1, "", "unknown variable {order id} (did you mean {order_id}?)", 0 },
		{ "{}", -1, "", "empty variable {} at character 1 (write {{ for a brace)", 0 },
		{ "您好 {order_id", -1, "", "'{' at character 4 is not closed (write {{ for a brace)", 0 },
		{ "{a{order_id}", -1, "", "'{' at character 1 is not closed (write {{ for a brace)", 0 },
		{ "x}", -1, "", "'}' at character 2 has no '{' (write }} for a brace)", 0 },
		{ "订单}}}", -1, "", "'}' at character 5 has no '{' (write }} for a brace)", 0 },
		{ "{", -1, "", "'{' at character 1 is not closed (write {{ for a brace)", 0 },
		{ "", -1, "", "the template is empty", 0 },
		{ "  ", -1, "", "the template is empty", 0 },
		{ "a\tb", -1, "",
		  "the template is not printable UTF-8 text (one line, no control characters)", 0 },
		{ "a\nb", -1, "",
		  "the template is not printable UTF-8 text (one line, no control characters)", 0 },
		{ "\xe4\xbd", -1, "",
		  "the template is not printable UTF-8 text (one line, no control characters)", 0 },
		{ "a\xc2\x85", -1, "",
		  "the template is not printable UTF-8 text (one line, no control characters)", 0 },
	};
	struct ox_buf out;
	ox_buf_init(&out, 4096);
	for (size_t i = 0; i < OX_ARRAY_LEN(cases); i++) {
		const struct render_case *c = &cases[i];
		char err[256] = "";
		uint32_t missing = 12345;
		assert_int_equal(ox_buf_addz(&out, ">"), 0); /* rendering appends */
		int rc = ox_pb_render(c->t, &vars, &out, &missing, err, sizeof err);
		if (rc != c->rc || strcmp(out.data + 1, c->out) != 0 || (c->err && strcmp(err, c->err) != 0))
			fail_msg("case %zu '%s': rc %d out '%s' err '%s'", i, c->t, rc, out.data + 1, err);
		assert_int_equal(missing, c->rc == 0 || c->missing ? c->missing : 0);
		/* the check agrees on the syntax */
		uint32_t used;
		int chk = ox_pb_template_check(c->t, strlen(c->t), &used, err, sizeof err);
		assert_int_equal(chk, c->rc == 0 || c->missing ? 0 : -1);
		ox_buf_reset(&out);
	}

	/* the length limits */
	char *t = malloc(OX_PB_TEXT_MAX + 2);
	memset(t, 'a', OX_PB_TEXT_MAX + 1);
	t[OX_PB_TEXT_MAX + 1] = '\0';
	char err[256];
	assert_int_equal(ox_pb_render(t, &vars, &out, NULL, err, sizeof err), -1);
	assert_string_equal(err, "the template is longer than 500 bytes");
	t[OX_PB_TEXT_MAX] = '\0';
	assert_int_equal(ox_pb_render(t, &vars, &out, NULL, err, sizeof err), 0);
	assert_int_equal(out.len, OX_PB_TEXT_MAX);
	ox_buf_reset(&out);
	free(t);

	/* bad values */
	struct ox_pb_vars bad = vars;
	char *big = malloc(OX_PB_VALUE_MAX + 2);
	memset(big, 'x', OX_PB_VALUE_MAX + 1);
	big[OX_PB_VALUE_MAX + 1] = '\0';
	bad.v[OX_PB_V_SHOP] = big;
	assert_int_equal(ox_pb_render("{order_id} {shop}", &bad, &out, NULL, err, sizeof err), -1);
	assert_string_equal(err, "the value of {shop} is longer than 500 bytes");
	assert_int_equal(out.len, 0);
	big[OX_PB_VALUE_MAX] = '\0';
	assert_int_equal(ox_pb_render("{shop}", &bad, &out, NULL, err, sizeof err), 0);
	assert_int_equal(out.len, OX_PB_VALUE_MAX);
	ox_buf_reset(&out);
	assert_int_equal(ox_pb_render("{order_id}", &bad, &out, NULL, err, sizeof err), 0); /* unused: fine */
	ox_buf_reset(&out);
	bad.v[OX_PB_V_SHOP] = "a\nb";
	assert_int_equal(ox_pb_render("{shop}", &bad, &out, NULL, err, sizeof err), -1);
	assert_string_equal(err, "the value of {shop} is not printable UTF-8 text");
	bad.v[OX_PB_V_SHOP] = "\xff";
	assert_int_equal(ox_pb_render("{shop}", &bad, &out, NULL, err, sizeof err), -1);
	assert_int_equal(out.len, 0);
	free(big);

	/* out's maximum: out is left as it was */
	struct ox_buf small;
	ox_buf_init(&small, 8);
	assert_int_equal(ox_buf_addz(&small, "ab"), 0);
	assert_int_equal(ox_pb_render("{customer_name} {order_id}", &vars, &small, NULL, err, sizeof err),
			 -1);
	assert_string_equal(err, "the message does not fit in 8 bytes");
	assert_int_equal(small.len, 2);
	assert_string_equal(small.data, "ab");
	assert_int_equal(ox_pb_render("{order_id}", &vars, &small, NULL, err, sizeof err), 0);
	assert_string_equal(small.data, "abT1");
	ox_buf_release(&small);

	/* a short err buffer gets a prefix; NULL is fine */
	char tiny[8];
	assert_int_equal(ox_pb_render("{eta}", &vars, &out, NULL, tiny, sizeof tiny), -1);
	assert_string_equal(tiny, "no valu");
	ox_buf_reset(&out);
	assert_int_equal(ox_pb_render("{nope}", &vars, &out, NULL, NULL, 0), -1);

	/* the longest render stays within OX_PB_RENDER_MAX */
	char worst[OX_PB_TEXT_MAX + 1] = "";
	while (strlen(worst) + 5 <= OX_PB_TEXT_MAX)
		strcat(worst, "{eta}");
	char *v500 = malloc(OX_PB_VALUE_MAX + 1);
	memset(v500, 'e', OX_PB_VALUE_MAX);
	v500[OX_PB_VALUE_MAX] = '\0';
	struct ox_pb_vars w = { 0 };
	w.v[OX_PB_V_ETA] = v500;
	struct ox_buf big_out;
	ox_buf_init(&big_out, OX_PB_RENDER_MAX);
	assert_int_equal(ox_pb_render(worst, &w, &big_out, NULL, err, sizeof err), 0);
	assert_int_equal(big_out.len, OX_PB_TEXT_MAX / 5 * OX_PB_VALUE_MAX);
	ox_buf_release(&big_out);
	free(v500);
	ox_buf_release(&out);
}

/* ---- the config section ---------------------------------------------------------------- */

static const char full[] =
	"# other sections belong to other readers\n"
	"payment: { retry_window: 15m }\n"
	"teams: { payments: { members: [li.na] } }\n"
	"playbooks:\n"
	"  templates:\n"
	"    payment:\n"
	"      explain:\n"
	"        zh: \"{customer_name}您好,订单 {order_id} 的付款我们查清楚了。\"\n"
	"        en: \"Hello {customer_name}, we found what happened with order {order_id}.\"\n"
	"    logistics:\n"
	"      apology: { en: \"Sorry, {customer_name}: a {coupon_amount} yuan coupon is yours.\" }\n"
	"  rules:\n"
	"    PAY_DUPLICATE:\n"
	"      checklist:\n"
	"        - id: ask_payment_proof\n"
	"          zh: 请客户提供两笔付款的截图\n"
	"          en: Ask for screenshots of both payments\n"
	"        - { id: refund_extra, zh: 原路退回多付的一笔, en: Refund the extra payment }\n"
	"      actions: [refund, send_message, issue_coupon]\n"
	"      auto: { mode: auto_with_approval, sequence: [query_payment, refund], limit: 49.90 }\n"
	"      templates:\n"
	"        explain: { zh: \"订单 {order_id} 被重复扣了 {amount} 元,我们马上退。\" }\n"
	"    PAY_STATUS_STALE:\n"
	"      auto: { mode: suggest }\n"
	"    LOG_STALLED:\n"
	"      auto: { limit: none, mode: auto_with_approval }\n"
	"    LOG_LOST:\n"
	"      actions: []\n"
	"    INV_LOW_STOCK:\n"
	"      checklist:\n"
	"        - { id: reorder, zh: 补货, en: Reorder }\n";

static void test_config(void **state)
{
	(void)state;
	struct ox_playbooks *set = parse_ok(full), *def = builtins();

	const struct ox_playbook *dup = ox_playbook_get(set, OX_R_PAY_DUPLICATE);
	assert_int_equal(dup->n_checklist, 2);
	assert_string_equal(dup->checklist[1].id, "refund_extra");
	assert_string_equal(dup->checklist[1].text[OX_PB_ZH], "原路退回多付的一笔");
	assert_string_equal(dup->checklist[1].text[OX_PB_EN], "Refund the extra payment");
	assert_int_equal(dup->n_actions, 3);
	assert_int_equal(dup->actions[2], OX_PB_A_ISSUE_COUPON);
	assert_int_equal(dup->mode, OX_PB_M_AUTO_WITH_APPROVAL);
	assert_int_equal(dup->n_sequence, 2);
	assert_int_equal(dup->sequence[0], OX_PB_A_QUERY_PAYMENT);
	assert_int_equal(dup->limit, 4990);
	assert_int_equal(dup->customized,
			 OX_PB_SET_CHECKLIST | OX_PB_SET_ACTIONS | OX_PB_SET_AUTO | OX_PB_SET_TEMPLATES);
	/* the file's template for the rule, then the file's for the category
	 * (over the built-in for the rule), then the built-ins */
	assert_string_equal(dup->templates[OX_PB_S_EXPLAIN][OX_PB_ZH],
			    "订单 {order_id} 被重复扣了 {amount} 元,我们马上退。");
	assert_string_equal(dup->templates[OX_PB_S_EXPLAIN][OX_PB_EN],
			    "Hello {customer_name}, we found what happened with order {order_id}.");
	assert_string_equal(dup->templates[OX_PB_S_SOLUTION][OX_PB_ZH],
			    ox_playbook_get(def, OX_R_PAY_DUPLICATE)->templates[OX_PB_S_SOLUTION][OX_PB_ZH]);
	assert_string_equal(dup->templates[OX_PB_S_NOTIFY][OX_PB_ZH],
			    oxp_category_templates[OX_PB_CAT_PAYMENT][OX_PB_S_NOTIFY][OX_PB_ZH]);

	/* a category's template reaches every rule of it */
	const struct ox_playbook *failed = ox_playbook_get(set, OX_R_PAY_FAILED);
	assert_string_equal(failed->templates[OX_PB_S_EXPLAIN][OX_PB_ZH],
			    "{customer_name}您好,订单 {order_id} 的付款我们查清楚了。");
	assert_int_equal(failed->customized, OX_PB_SET_TEMPLATES);
	assert_string_equal(ox_pb_category_template(set, OX_PB_CAT_PAYMENT, OX_PB_S_EXPLAIN, OX_PB_EN),
			    "Hello {customer_name}, we found what happened with order {order_id}.");
	const struct ox_playbook *lost = ox_playbook_get(set, OX_R_LOG_LOST);
	assert_string_equal(lost->templates[OX_PB_S_APOLOGY][OX_PB_EN],
			    "Sorry, {customer_name}: a {coupon_amount} yuan coupon is yours.");
	assert_ptr_equal(lost->templates[OX_PB_S_APOLOGY][OX_PB_ZH],
			 oxp_category_templates[OX_PB_CAT_LOGISTICS][OX_PB_S_APOLOGY][OX_PB_ZH]);
	assert_int_equal(lost->n_actions, 0);
	assert_int_equal(lost->customized, OX_PB_SET_ACTIONS | OX_PB_SET_TEMPLATES);
	assert_int_equal(lost->n_checklist, ox_playbook_get(def, OX_R_LOG_LOST)->n_checklist);

	/* auto: each key on its own, the others kept */
	const struct ox_playbook *stale = ox_playbook_get(set, OX_R_PAY_STATUS_STALE);
	assert_int_equal(stale->mode, OX_PB_M_SUGGEST);
	assert_int_equal(stale->n_sequence, 2);
	assert_int_equal(ox_pb_decide(stale, 0), OX_PB_D_SUGGEST);
	const struct ox_playbook *stalled = ox_playbook_get(set, OX_R_LOG_STALLED);
	assert_int_equal(stalled->mode, OX_PB_M_AUTO_WITH_APPROVAL);
	assert_int_equal(stalled->n_sequence, 1);
	assert_int_equal(stalled->limit, OX_PB_NO_LIMIT);
	assert_int_equal(ox_pb_decide(stalled, -1), OX_PB_D_APPROVE);

	const struct ox_playbook *low = ox_playbook_get(set, OX_R_INV_LOW_STOCK);
	assert_int_equal(low->n_checklist, 1);
	assert_int_equal(low->customized, OX_PB_SET_CHECKLIST);

	/* the rest are the built-ins */
	const struct ox_playbook *a = ox_playbook_get(set, OX_R_CUS_TICKET),
				 *b = ox_playbook_get(def, OX_R_CUS_TICKET);
	assert_int_equal(a->customized, 0);
	assert_ptr_equal(a->checklist, b->checklist);
	assert_memory_equal(a->templates, b->templates, sizeof a->templates);
	ox_playbooks_free(set);
	ox_playbooks_free(def);

	/* the parameter reader takes the same file (config.c leaves the section to us) */
	struct ox_params p;
	char err[512];
	ox_params_init(&p);
	if (ox_config_load_string("p.yaml", full, strlen(full), &p, err, sizeof err) != 0)
		fail_msg("the parameter reader refused the section: %s", err);
	ox_params_release(&p);

	/* no section, an empty one, an empty file: the built-ins */
	static const char *const empties[] = { "",
					       "# nothing\n",
					       "payment: { retry_window: 1m }\n",
					       "playbooks:\n",
					       "playbooks: { rules: {}, templates: {} }\n",
					       "playbooks: { rules: , templates: }\n",
					       "playbooks:\n  rules:\n    PAY_FAILED:\n" };
	for (size_t i = 0; i < OX_ARRAY_LEN(empties); i++) {
		set = parse_ok(empties[i]);
		for (int r = 0; r < OX_R__COUNT; r++)
			assert_int_equal(ox_playbook_get(set, (enum ox_rule)r)->customized, 0);
		ox_playbooks_free(set);
	}
}

static void test_config_errors(void **state)
{
	(void)state;
	static const struct {
		const char *yaml, *err;
	} cases[] = {
		/* the document and the section */
		{ "playbooks: [\n",
		  "p.yaml:2: did not find expected node content (while parsing a flow node at line 2)" },
		{ "- a\n", "p.yaml:1: the config file must be a mapping" },
		{ "playbooks: {}\nplaybooks: {}\n", "p.yaml:2: duplicate key 'playbooks' (first at line 1)" },
		{ "playbooks: 5\n", "p.yaml:1: 'playbooks' must be a mapping with rules and templates" },
		{ "playbooks:\n  rule: {}\n",
		  "p.yaml:2: unknown key 'playbooks.rule' (did you mean 'playbooks.rules'?)" },
		{ "playbooks:\n  rules: [PAY_FAILED]\n",
		  "p.yaml:2: 'playbooks.rules' must be a mapping of rule codes" },
		{ "playbooks:\n  templates: [payment]\n",
		  "p.yaml:2: 'playbooks.templates' must be a mapping of categories" },
		/* rules */
		{ "playbooks:\n  rules:\n    PAY_DUPLICAT: {}\n",
		  "p.yaml:3: unknown rule 'playbooks.rules.PAY_DUPLICAT' (did you mean 'playbooks.rules.PAY_DUPLICATE'?)" },
		{ "playbooks:\n  rules:\n    NOT_A_RULE: {}\n",
		  "p.yaml:3: unknown rule 'playbooks.rules.NOT_A_RULE'" },
		{ "playbooks:\n  rules:\n    INV_LOW_STCK: {}\n",
		  "p.yaml:3: unknown rule 'playbooks.rules.INV_LOW_STCK' (did you mean 'playbooks.rules.INV_LOW_STOCK'?)" },
		{ "playbooks:\n  rules:\n    LOG_LOST: {}\n    LOG_LOST: {}\n",
		  "p.yaml:4: duplicate key 'playbooks.rules.LOG_LOST' (first at line 3)" },
		{ "playbooks:\n  rules:\n    LOG_LOST: [reship]\n",
		  "p.yaml:3: 'playbooks.rules.LOG_LOST' must be a mapping with checklist, actions, auto or templates" },
		{ "playbooks:\n  rules:\n    LOG_LOST:\n      action: [reship]\n",
		  "p.yaml:4: unknown key 'playbooks.rules.LOG_LOST.action' (did you mean 'playbooks.rules.LOG_LOST.actions'?)" },
		/* actions */
		{ "playbooks:\n  rules:\n    LOG_LOST:\n      actions: reship\n",
		  "p.yaml:4: 'playbooks.rules.LOG_LOST.actions' must be a list of actions" },
		{ "playbooks:\n  rules:\n    LOG_LOST:\n      actions:\n        - reship\n        - refnd\n",
		  "p.yaml:6: 'playbooks.rules.LOG_LOST.actions[1]': unknown action 'refnd' (did you mean 'refund'?)" },
		{ "playbooks:\n  rules:\n    LOG_LOST:\n      actions: [teleport]\n",
		  "p.yaml:4: 'playbooks.rules.LOG_LOST.actions[0]': unknown action 'teleport'" },
		{ "playbooks:\n  rules:\n    LOG_LOST:\n      actions: [[reship]]\n",
		  "p.yaml:4: 'playbooks.rules.LOG_LOST.actions[0]' must be an action such as refund or send_message" },
		{ "playbooks:\n  rules:\n    LOG_LOST:\n      actions: [reship, refund, reship]\n",
		  "p.yaml:4: 'playbooks.rules.LOG_LOST.actions' lists 'reship' twice" },
		/* auto */
		{ "playbooks:\n  rules:\n    LOG_LOST:\n      auto: auto\n",
		  "p.yaml:4: 'playbooks.rules.LOG_LOST.auto' must be a mapping with mode, sequence and limit" },
		{ "playbooks:\n  rules:\n    LOG_LOST:\n      auto: { mod: auto }\n",
		  "p.yaml:4: unknown key 'playbooks.rules.LOG_LOST.auto.mod' (did you mean 'playbooks.rules.LOG_LOST.auto.mode'?)" },
		{ "playbooks:\n  rules:\n    LOG_LOST:\n      auto:\n        mode: automatic\n",
		  "p.yaml:5: 'playbooks.rules.LOG_LOST.auto.mode': unknown mode 'automatic'; expected suggest, auto or auto_with_approval" },
		{ "playbooks:\n  rules:\n    LOG_LOST:\n      auto:\n        mode: auto_with_aproval\n",
		  "p.yaml:5: 'playbooks.rules.LOG_LOST.auto.mode': unknown mode 'auto_with_aproval' (did you mean "
		  "'auto_with_approval'?); expected suggest, auto or auto_with_approval" },
		{ "playbooks:\n  rules:\n    LOG_LOST:\n      auto:\n        mode: auto\n",
		  "p.yaml:5: 'playbooks.rules.LOG_LOST.auto.sequence' is missing: mode auto needs the actions to run" },
		{ "playbooks:\n  rules:\n    LOG_LOST:\n      auto:\n        mode: auto\n        sequence: []\n",
		  "p.yaml:6: 'playbooks.rules.LOG_LOST.auto.sequence' is empty: an automatic run makes at least one action" },
		{ "playbooks:\n  rules:\n    LOG_LOST:\n      auto:\n        sequence: [reship, carrier_claim, reship]\n",
		  "p.yaml:5: 'playbooks.rules.LOG_LOST.auto.sequence' lists 'reship' twice" },
		{ "playbooks:\n  rules:\n    LOG_LOST:\n      auto:\n        sequence: [rship]\n",
		  "p.yaml:5: 'playbooks.rules.LOG_LOST.auto.sequence[0]': unknown action 'rship' (did you mean 'reship'?)" },
		{ "playbooks:\n  rules:\n    LOG_LOST:\n      auto:\n        limit: -1\n",
		  "p.yaml:5: 'playbooks.rules.LOG_LOST.auto.limit' must be an amount in CNY such as 200 or 49.90, or none" },
		{ "playbooks:\n  rules:\n    LOG_LOST:\n      auto:\n        limit: 1.234\n",
		  "p.yaml:5: 'playbooks.rules.LOG_LOST.auto.limit' must be an amount in CNY such as 200 or 49.90, or none" },
		{ "playbooks:\n  rules:\n    LOG_LOST:\n      auto:\n        limit:\n",
		  "p.yaml:5: 'playbooks.rules.LOG_LOST.auto.limit' must be an amount in CNY such as 200 or 49.90, or none" },
		{ "playbooks:\n  rules:\n    LOG_LOST:\n      auto:\n        limit: 1000000.01\n",
		  "p.yaml:5: 'playbooks.rules.LOG_LOST.auto.limit' must be at most 1000000.00" },
		/* checklists */
		{ "playbooks:\n  rules:\n    LOG_LOST:\n      checklist: { id: a }\n",
		  "p.yaml:4: 'playbooks.rules.LOG_LOST.checklist' must be a list of items with id, zh and en" },
		{ "playbooks:\n  rules:\n    LOG_LOST:\n      checklist: []\n",
		  "p.yaml:4: 'playbooks.rules.LOG_LOST.checklist' is empty: a checklist has at least one item" },
		{ "playbooks:\n  rules:\n    LOG_LOST:\n      checklist:\n        - call the carrier\n",
		  "p.yaml:5: 'playbooks.rules.LOG_LOST.checklist[0]' must be a mapping with id, zh and en" },
		{ "playbooks:\n  rules:\n    LOG_LOST:\n      checklist:\n        - { id: a, zh: 甲, en: a, de: x }\n",
		  "p.yaml:5: unknown key 'playbooks.rules.LOG_LOST.checklist[0].de'" },
		{ "playbooks:\n  rules:\n    LOG_LOST:\n      checklist:\n        - { zh: 甲, en: a }\n",
		  "p.yaml:5: 'playbooks.rules.LOG_LOST.checklist[0].id' is missing" },
		{ "playbooks:\n  rules:\n    LOG_LOST:\n      checklist:\n        - { id: Call-Carrier, zh: 甲, en: a }\n",
		  "p.yaml:5: 'playbooks.rules.LOG_LOST.checklist[0].id' must be an id of a-z, 0-9 and '_'" },
		{ "playbooks:\n  rules:\n    LOG_LOST:\n      checklist:\n        - { id: \"\", zh: 甲, en: a }\n",
		  "p.yaml:5: 'playbooks.rules.LOG_LOST.checklist[0].id' must be an id of a-z, 0-9 and '_'" },
		{ "playbooks:\n  rules:\n    LOG_LOST:\n      checklist:\n"
		  "        - { id: a234567890123456789012345678901234567890123456789, zh: 甲, en: a }\n",
		  "p.yaml:5: 'playbooks.rules.LOG_LOST.checklist[0].id' is longer than 48 bytes" },
		{ "playbooks:\n  rules:\n    LOG_LOST:\n      checklist:\n        - id: call\n          zh: 打电话\n"
		  "          en: Call\n        - { id: claim, zh: 索赔, en: Claim }\n        - id: call\n"
		  "          zh: 再打\n          en: Again\n",
		  "p.yaml:9: 'playbooks.rules.LOG_LOST.checklist[2].id': 'call' is already the id of item 0 (line 5)" },
		{ "playbooks:\n  rules:\n    LOG_LOST:\n      checklist:\n        - { id: a, zh: 甲 }\n",
		  "p.yaml:5: 'playbooks.rules.LOG_LOST.checklist[0].en' is missing: an item has both languages" },
		{ "playbooks:\n  rules:\n    LOG_LOST:\n      checklist:\n        - id: a\n          zh: \"  \"\n          en: a\n",
		  "p.yaml:6: 'playbooks.rules.LOG_LOST.checklist[0].zh' is empty" },
		{ "playbooks:\n  rules:\n    LOG_LOST:\n      checklist:\n        - id: a\n          zh: 甲\n          en: \"a\\nb\"\n",
		  "p.yaml:7: 'playbooks.rules.LOG_LOST.checklist[0].en' contains a control character" },
		{ "playbooks:\n  rules:\n    LOG_LOST:\n      checklist:\n        - id: a\n          zh: 甲\n          en: \"a\\x85b\"\n",
		  "p.yaml:7: 'playbooks.rules.LOG_LOST.checklist[0].en' is not printable UTF-8 text" },
		{ "playbooks:\n  rules:\n    LOG_LOST:\n      checklist:\n        - id: a\n          zh: 甲\n          en: [a]\n",
		  "p.yaml:7: 'playbooks.rules.LOG_LOST.checklist[0].en' must be a text" },
		/* templates */
		{ "playbooks:\n  templates:\n    payments: {}\n",
		  "p.yaml:3: unknown category 'playbooks.templates.payments' (did you mean 'playbooks.templates.payment'?)" },
		{ "playbooks:\n  templates:\n    payment:\n      notfy: { zh: 你好 }\n",
		  "p.yaml:4: unknown step 'playbooks.templates.payment.notfy' (did you mean 'playbooks.templates.payment.notify'?)" },
		{ "playbooks:\n  templates:\n    payment:\n      thanks: { zh: 谢谢 }\n",
		  "p.yaml:4: unknown step 'playbooks.templates.payment.thanks'" },
		{ "playbooks:\n  templates:\n    payment:\n      notify: 你好\n",
		  "p.yaml:4: 'playbooks.templates.payment.notify' must be a mapping of zh and en texts" },
		{ "playbooks:\n  templates:\n    payment: [notify]\n",
		  "p.yaml:3: 'playbooks.templates.payment' must be a mapping of steps: notify, explain, progress, solution, apology" },
		{ "playbooks:\n  templates:\n    payment:\n      notify:\n        fr: Bonjour\n",
		  "p.yaml:5: unknown language 'playbooks.templates.payment.notify.fr'" },
		{ "playbooks:\n  templates:\n    payment:\n      notify:\n        zh: 你好\n        zh: 您好\n",
		  "p.yaml:6: duplicate key 'playbooks.templates.payment.notify.zh' (first at line 5)" },
		{ "playbooks:\n  templates:\n    logistics:\n      progress:\n        zh: \"包裹 {tracking_no} 预计 {eat} 送达\"\n",
		  "p.yaml:5: 'playbooks.templates.logistics.progress.zh': unknown variable {eat}" },
		{ "playbooks:\n  templates:\n    logistics:\n      apology:\n        zh: \"送您 {coupon_amont} 元券\"\n",
		  "p.yaml:5: 'playbooks.templates.logistics.apology.zh': unknown variable {coupon_amont} (did you mean {coupon_amount}?)" },
		{ "playbooks:\n  templates:\n    logistics:\n      progress:\n        en: \"Parcel {tracking_no is late\"\n",
		  "p.yaml:5: 'playbooks.templates.logistics.progress.en': '{' at character 8 is not closed (write {{ for a brace)" },
		{ "playbooks:\n  templates:\n    logistics:\n      progress:\n        en: \"Parcel } late\"\n",
		  "p.yaml:5: 'playbooks.templates.logistics.progress.en': '}' at character 8 has no '{' (write }} for a brace)" },
		{ "playbooks:\n  rules:\n    LOG_LOST:\n      templates:\n        explain:\n          zh: \"{wat}\"\n",
		  "p.yaml:6: 'playbooks.rules.LOG_LOST.templates.explain.zh': unknown variable {wat}" },
		{ "playbooks:\n  rules:\n    LOG_LOST:\n      templates: [explain]\n",
		  "p.yaml:4: 'playbooks.rules.LOG_LOST.templates' must be a mapping of steps: notify, explain, progress, solution, apology" },
		{ "playbooks:\n  rules:\n    LOG_LOST:\n      templates:\n        explain:\n          zh: \"\"\n",
		  "p.yaml:6: 'playbooks.rules.LOG_LOST.templates.explain.zh' is empty" },
	};
	for (size_t i = 0; i < OX_ARRAY_LEN(cases); i++)
		parse_err(cases[i].yaml, cases[i].err);
}

static void test_config_limits(void **state)
{
	(void)state;
	struct ox_buf y;
	ox_buf_init(&y, SIZE_MAX);
	char *text = malloc(OX_PB_TEXT_MAX + 2);
	/* 500 bytes of Chinese and 1 more */
	text[0] = '\0';
	while (strlen(text) + 3 <= OX_PB_TEXT_MAX - 2)
		strcat(text, "甲");
	strcat(text, "ab");
	assert_int_equal(strlen(text), OX_PB_TEXT_MAX);
	assert_int_equal(
		ox_buf_addf(&y, "playbooks:\n  templates:\n    fraud:\n      notify:\n        zh: \"%s\"\n",
			    text),
		0);
	struct ox_playbooks *set = parse_ok(y.data);
	assert_string_equal(ox_pb_category_template(set, OX_PB_CAT_FRAUD, OX_PB_S_NOTIFY, OX_PB_ZH), text);
	ox_playbooks_free(set);
	strcat(text, "c");
	ox_buf_reset(&y);
	assert_int_equal(
		ox_buf_addf(&y, "playbooks:\n  templates:\n    fraud:\n      notify:\n        zh: \"%s\"\n",
			    text),
		0);
	parse_err(y.data, "p.yaml:5: 'playbooks.templates.fraud.notify.zh' is longer than 500 bytes");

	/* 16 items, and 17 */
	ox_buf_reset(&y);
	assert_int_equal(ox_buf_addz(&y, "playbooks:\n  rules:\n    SYS_SYNC_FAILED:\n      checklist:\n"),
			 0);
	for (int i = 0; i < OX_PB_CHECKLIST_MAX; i++)
		assert_int_equal(ox_buf_addf(&y, "        - { id: s%d, zh: 第%d步, en: step %d }\n", i, i, i),
				 0);
	set = parse_ok(y.data);
	const struct ox_playbook *pb = ox_playbook_get(set, OX_R_SYS_SYNC_FAILED);
	assert_int_equal(pb->n_checklist, OX_PB_CHECKLIST_MAX);
	assert_string_equal(pb->checklist[15].text[OX_PB_EN], "step 15");
	assert_int_equal(ox_pb_item_find(pb, "s15", 3), 15);
	ox_playbooks_free(set);
	assert_int_equal(ox_buf_addz(&y, "        - { id: s99, zh: 多, en: more }\n"), 0);
	parse_err(y.data, "p.yaml:21: 'playbooks.rules.SYS_SYNC_FAILED.checklist' has more than 16 items");

	/* every action once, in the list and the sequence */
	ox_buf_reset(&y);
	assert_int_equal(ox_buf_addz(&y, "playbooks:\n  rules:\n    CUS_TICKET:\n      actions: ["), 0);
	for (int a = 0; a < OX_PB_A__COUNT; a++)
		assert_int_equal(
			ox_buf_addf(&y, "%s%s", a ? ", " : "", ox_pb_action_name((enum ox_pb_action)a)), 0);
	assert_int_equal(ox_buf_addz(&y, "]\n      auto: { mode: auto, sequence: ["), 0);
	for (int a = OX_PB_A__COUNT - 1; a >= 0; a--)
		assert_int_equal(ox_buf_addf(&y, "%s%s", a < OX_PB_A__COUNT - 1 ? ", " : "",
					     ox_pb_action_name((enum ox_pb_action)a)),
				 0);
	assert_int_equal(ox_buf_addz(&y, "], limit: 1000000 }\n"), 0);
	set = parse_ok(y.data);
	pb = ox_playbook_get(set, OX_R_CUS_TICKET);
	assert_int_equal(pb->n_actions, OX_PB_A__COUNT);
	assert_int_equal(pb->n_sequence, OX_PB_A__COUNT);
	assert_int_equal(pb->sequence[0], OX_PB_A__COUNT - 1);
	assert_int_equal(pb->limit, OX_PB_LIMIT_MAX);
	ox_playbooks_free(set);
	free(text);
	ox_buf_release(&y);
}

static void test_file(void **state)
{
	(void)state;
	char path[] = "/tmp/test_playbook_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	fputs(full, f);
	fclose(f);
	struct ox_playbooks *set = NULL;
	char err[512];
	assert_int_equal(ox_playbooks_load(path, &set, err, sizeof err), 0);
	assert_int_equal(ox_playbook_get(set, OX_R_PAY_DUPLICATE)->limit, 4990);
	ox_playbooks_free(set);

	f = fopen(path, "w");
	fputs("playbooks:\n  rules:\n    LOG_LOST:\n      actions: [beam]\n", f);
	fclose(f);
	assert_int_equal(ox_playbooks_load(path, &set, err, sizeof err), -1);
	assert_null(set);
	char want[256];
	snprintf(want, sizeof want, "%s:4: 'playbooks.rules.LOG_LOST.actions[0]': unknown action 'beam'",
		 path);
	assert_string_equal(err, want);
	unlink(path);
	assert_int_equal(ox_playbooks_load(path, &set, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s: No such file or directory", path);
	assert_string_equal(err, want);
	ox_playbooks_free(NULL);
}

/* ---- JSON ------------------------------------------------------------------------------ */

static size_t jget(const struct ox_json *j, size_t obj, const char *key)
{
	assert_int_equal(j->toks[obj].type, OX_JSON_OBJECT);
	size_t i = obj + 1;
	for (uint32_t m = 0; m < j->toks[obj].size; m++) {
		if (j->toks[i].len == strlen(key) && memcmp(j->toks[i].s, key, j->toks[i].len) == 0)
			return i + 1;
		i = j->toks[i + 1].end;
	}
	fail_msg("no key %s", key);
	return 0;
}

static bool jhas(const struct ox_json *j, size_t obj, const char *key)
{
	size_t i = obj + 1;
	for (uint32_t m = 0; m < j->toks[obj].size; m++) {
		if (j->toks[i].len == strlen(key) && memcmp(j->toks[i].s, key, j->toks[i].len) == 0)
			return true;
		i = j->toks[i + 1].end;
	}
	return false;
}

/* The e-th element of the array at a. */
static size_t jat(const struct ox_json *j, size_t a, uint32_t e)
{
	assert_int_equal(j->toks[a].type, OX_JSON_ARRAY);
	assert_true(e < j->toks[a].size);
	size_t i = a + 1;
	while (e--)
		i = j->toks[i].end;
	return i;
}

static void jstr(const struct ox_json *j, size_t t, const char *want)
{
	assert_int_equal(j->toks[t].type, OX_JSON_STRING);
	if (j->toks[t].len != strlen(want) || memcmp(j->toks[t].s, want, j->toks[t].len) != 0)
		fail_msg("want '%s', got '%.*s'", want, (int)j->toks[t].len, j->toks[t].s);
}

static void test_json(void **state)
{
	(void)state;
	struct ox_playbooks *set = parse_ok(full);
	struct ox_buf b;
	struct ox_json j;
	ox_json_init(&j, 16);
	ox_buf_init(&b, OX_PB_JSON_MAX);

	assert_int_equal(ox_playbook_json(ox_playbook_get(set, OX_R_PAY_DUPLICATE), OX_PB_BOTH, &b), 0);
	if (ox_json_parse(&j, b.data, b.len) != 0)
		fail_msg("invalid JSON (%s at %zu): %s", j.err, j.err_col, b.data);
	jstr(&j, jget(&j, 0, "rule"), "PAY_DUPLICATE");
	jstr(&j, jget(&j, 0, "category"), "payment");
	jstr(&j, jget(&j, jget(&j, 0, "title"), "zh"), "重复支付");
	size_t cl = jget(&j, 0, "checklist");
	assert_int_equal(j.toks[cl].size, 2);
	jstr(&j, jget(&j, jat(&j, cl, 1), "id"), "refund_extra");
	jstr(&j, jget(&j, jat(&j, cl, 1), "en"), "Refund the extra payment");
	size_t acts = jget(&j, 0, "actions");
	assert_int_equal(j.toks[acts].size, 3);
	jstr(&j, jget(&j, jat(&j, acts, 0), "kind"), "refund");
	jstr(&j, jget(&j, jat(&j, acts, 0), "zh"), "退款");
	jstr(&j, jget(&j, jat(&j, acts, 2), "en"), "Issue a coupon");
	size_t au = jget(&j, 0, "auto");
	jstr(&j, jget(&j, au, "mode"), "auto_with_approval");
	jstr(&j, jat(&j, jget(&j, au, "sequence"), 1), "refund");
	jstr(&j, jget(&j, au, "limit"), "49.90");
	size_t tp = jget(&j, 0, "templates");
	assert_int_equal(j.toks[tp].size, OX_PB__NSTEP);
	size_t ex = jat(&j, tp, OX_PB_S_EXPLAIN);
	jstr(&j, jget(&j, ex, "step"), "explain");
	jstr(&j, jget(&j, jget(&j, ex, "label"), "zh"), "解释原因");
	jstr(&j, jget(&j, ex, "zh"), "订单 {order_id} 被重复扣了 {amount} 元,我们马上退。");
	size_t vars = jget(&j, ex, "variables");
	assert_int_equal(j.toks[vars].size, 3); /* customer_name from en; order_id; amount from zh */
	jstr(&j, jat(&j, vars, 0), "customer_name");
	jstr(&j, jat(&j, vars, 2), "amount");
	size_t res = jget(&j, 0, "resolutions");
	bool fp = false;
	for (uint32_t i = 0; i < j.toks[res].size; i++)
		fp |= j.toks[jat(&j, res, i)].len == 14 &&
		      !memcmp(j.toks[jat(&j, res, i)].s, "false_positive", 14);
	assert_true(fp);
	size_t cu = jget(&j, 0, "customized");
	assert_int_equal(j.toks[cu].size, 4);
	jstr(&j, jat(&j, cu, 2), "auto");

	/* one language: only its keys */
	ox_buf_reset(&b);
	assert_int_equal(ox_playbook_json(ox_playbook_get(set, OX_R_LOG_LOST), OX_PB_EN, &b), 0);
	assert_int_equal(ox_json_parse(&j, b.data, b.len), 0);
	assert_false(jhas(&j, jget(&j, 0, "title"), "zh"));
	jstr(&j, jget(&j, jget(&j, 0, "title"), "en"), "parcel lost");
	assert_false(jhas(&j, jat(&j, jget(&j, 0, "checklist"), 0), "zh"));
	assert_true(jhas(&j, jat(&j, jget(&j, 0, "checklist"), 0), "en"));
	assert_int_equal(j.toks[jget(&j, jget(&j, 0, "auto"), "limit")].type, OX_JSON_NULL);
	assert_int_equal(j.toks[jget(&j, 0, "actions")].size, 0);
	assert_null(strstr(b.data, "\"zh\""));
	ox_buf_reset(&b);
	assert_int_equal(ox_playbook_json(ox_playbook_get(set, OX_R_LOG_LOST), OX_PB_ZH, &b), 0);
	assert_null(strstr(b.data, "\"en\""));

	/* all of them, and the taxonomy, within their bounds */
	struct ox_buf all;
	ox_buf_init(&all, OX_PB_ALL_JSON_MAX);
	assert_int_equal(ox_playbooks_json(set, OX_PB_BOTH, &all), 0);
	assert_int_equal(ox_json_parse(&j, all.data, all.len), 0);
	assert_int_equal(j.toks[jget(&j, 0, "playbooks")].size, OX_R__COUNT);
	jstr(&j, jget(&j, jat(&j, jget(&j, 0, "playbooks"), OX_R_INV_LOW_STOCK), "rule"), "INV_LOW_STOCK");
	print_message("all playbooks: %zu bytes (bound %zu)\n", all.len, (size_t)OX_PB_ALL_JSON_MAX);
	ox_buf_reset(&all);
	assert_int_equal(ox_pb_taxonomy_json(OX_PB_BOTH, &all), 0);
	assert_true(all.len <= OX_PB_TAXONOMY_JSON_MAX);
	assert_int_equal(ox_json_parse(&j, all.data, all.len), 0);
	assert_int_equal(j.toks[jget(&j, 0, "categories")].size, OX_PB__NCAT);
	assert_int_equal(j.toks[jget(&j, 0, "resolutions")].size, OX_PB_R__COUNT);
	assert_int_equal(j.toks[jget(&j, 0, "root_causes")].size, OX_PB_RC__COUNT);
	size_t c0 = jat(&j, jget(&j, 0, "categories"), 0);
	jstr(&j, jget(&j, c0, "category"), "payment");
	jstr(&j, jget(&j, c0, "zh"), "支付异常");
	size_t fpos = jat(&j, jget(&j, 0, "resolutions"), OX_PB_R_FALSE_POSITIVE);
	jstr(&j, jget(&j, fpos, "code"), "false_positive");
	assert_int_equal(j.toks[jget(&j, fpos, "categories")].size, OX_PB__NCAT);
	jstr(&j, jget(&j, jat(&j, jget(&j, 0, "root_causes"), OX_PB_RC_PAYMENT_PROVIDER), "code"),
	     "payment_provider");

	/* a short buffer fails */
	struct ox_buf tiny;
	ox_buf_init(&tiny, 100);
	assert_int_equal(ox_playbook_json(ox_playbook_get(set, OX_R_LOG_LOST), OX_PB_BOTH, &tiny), -1);
	assert_int_equal(ox_pb_taxonomy_json(OX_PB_BOTH, &tiny), -1);
	ox_buf_release(&tiny);

	ox_buf_release(&all);
	ox_buf_release(&b);
	ox_json_release(&j);
	ox_playbooks_free(set);
}

/* The largest playbook a file can make: every limit reached, every byte of
 * text escaped in JSON. */
static void test_json_max(void **state)
{
	(void)state;
	struct ox_buf y;
	ox_buf_init(&y, SIZE_MAX);
	char quotes[OX_PB_TEXT_MAX + 1], id[OX_PB_ID_MAX + 1];
	memset(quotes, '"', OX_PB_TEXT_MAX);
	quotes[OX_PB_TEXT_MAX] = '\0';
	assert_int_equal(ox_buf_addz(&y, "playbooks:\n  rules:\n    LOG_LOST:\n      checklist:\n"), 0);
	for (int i = 0; i < OX_PB_CHECKLIST_MAX; i++) {
		memset(id, 'a' + i, OX_PB_ID_MAX);
		id[OX_PB_ID_MAX] = '\0';
		assert_int_equal(ox_buf_addf(&y, "        - id: %s\n          zh: '%s'\n          en: '%s'\n",
					     id, quotes, quotes),
				 0);
	}
	assert_int_equal(ox_buf_addz(&y, "      actions: ["), 0);
	for (int a = 0; a < OX_PB_A__COUNT; a++)
		assert_int_equal(
			ox_buf_addf(&y, "%s%s", a ? ", " : "", ox_pb_action_name((enum ox_pb_action)a)), 0);
	assert_int_equal(ox_buf_addz(&y, "]\n      auto:\n        limit: 1000000\n        sequence: ["), 0);
	for (int a = 0; a < OX_PB_A__COUNT; a++)
		assert_int_equal(
			ox_buf_addf(&y, "%s%s", a ? ", " : "", ox_pb_action_name((enum ox_pb_action)a)), 0);
	assert_int_equal(ox_buf_addz(&y, "]\n      templates:\n"), 0);
	/* a template of quotes and every variable */
	char tpl[OX_PB_TEXT_MAX + 1] = "";
	for (int v = 0; v < OX_PB_V__COUNT; v++) {
		strcat(tpl, "{");
		strcat(tpl, ox_pb_var_name((enum ox_pb_var)v));
		strcat(tpl, "}");
	}
	size_t n = strlen(tpl);
	memset(tpl + n, '"', OX_PB_TEXT_MAX - n);
	tpl[OX_PB_TEXT_MAX] = '\0';
	for (int s = 0; s < OX_PB__NSTEP; s++)
		assert_int_equal(ox_buf_addf(&y, "        %s:\n          zh: '%s'\n          en: '%s'\n",
					     ox_pb_step_name((enum ox_pb_step)s), tpl, tpl),
				 0);
	struct ox_playbooks *set = parse_ok(y.data);
	struct ox_buf b;
	ox_buf_init(&b, OX_PB_JSON_MAX);
	assert_int_equal(ox_playbook_json(ox_playbook_get(set, OX_R_LOG_LOST), OX_PB_BOTH, &b), 0);
	print_message("largest playbook: %zu bytes (bound %zu)\n", b.len, (size_t)OX_PB_JSON_MAX);
	struct ox_json j;
	ox_json_init(&j, 16);
	assert_int_equal(ox_json_parse(&j, b.data, b.len), 0);
	assert_int_equal(j.toks[jget(&j, 0, "checklist")].size, OX_PB_CHECKLIST_MAX);
	ox_json_release(&j);
	ox_buf_release(&b);
	ox_playbooks_free(set);
	ox_buf_release(&y);
}

/* ---- docs/playbooks.md ------------------------------------------------------------------ */

static char *read_doc(void)
{
	FILE *f = fopen("docs/playbooks.md", "rb");
	if (!f)
		fail_msg("docs/playbooks.md: run from the top of the tree");
	static char buf[256 * 1024];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

/* The configuration example parses, and says what it says. */
static void test_doc_example(void **state)
{
	(void)state;
	const char *doc = read_doc();
	const char *a = strstr(doc, "```yaml\n");
	assert_non_null(a);
	a += 8;
	const char *e = strstr(a, "```");
	assert_non_null(e);
	struct ox_playbooks *set = NULL;
	char err[512];
	if (ox_playbooks_parse("docs/playbooks.md", a, (size_t)(e - a), &set, err, sizeof err) != 0)
		fail_msg("the example: %s", err);
	const struct ox_playbook *dup = ox_playbook_get(set, OX_R_PAY_DUPLICATE);
	assert_int_equal(dup->n_checklist, 3);
	assert_int_equal(dup->limit, 10000);
	assert_int_equal(ox_playbook_get(set, OX_R_LOG_STALLED)->mode, OX_PB_M_SUGGEST);
	assert_int_equal(ox_playbook_get(set, OX_R_LOG_STALLED)->n_sequence, 1);
	struct ox_pb_vars vars;
	struct ox_buf out;
	ox_pb_vars_sample(&vars);
	ox_buf_init(&out, 4096);
	assert_int_equal(
		ox_pb_render(ox_playbook_get(set, OX_R_LOG_LOST)->templates[OX_PB_S_APOLOGY][OX_PB_ZH], &vars,
			     &out, NULL, err, sizeof err),
		0);
	assert_string_equal(out.data, "王女士,让您久等了,真的很抱歉。20 元优惠券已放入您的账户,{小小心意}。");
	ox_buf_release(&out);
	ox_playbooks_free(set);
}

/* The tables of the page are the built-ins. */
static void test_doc_tables(void **state)
{
	(void)state;
	const char *doc = read_doc();
	struct ox_playbooks *set = builtins();
	struct ox_buf row;
	ox_buf_init(&row, SIZE_MAX);
	for (int r = 0; r < OX_R__COUNT; r++) {
		const struct ox_playbook *pb = ox_playbook_get(set, (enum ox_rule)r);
		ox_buf_reset(&row);
		ox_buf_addf(&row, "| `%s` %s | ", ox_rule_info((enum ox_rule)r)->code,
			    ox_rule_info((enum ox_rule)r)->title_zh);
		for (size_t i = 0; i < pb->n_checklist; i++)
			ox_buf_addf(&row, "%s`%s`", i ? ", " : "", pb->checklist[i].id);
		ox_buf_addz(&row, " | ");
		for (size_t i = 0; i < pb->n_actions; i++)
			ox_buf_addf(&row, "%s%s", i ? ", " : "", ox_pb_action_name(pb->actions[i]));
		ox_buf_addf(&row, "%s | %s", pb->n_actions ? "" : "none", ox_pb_mode_name(pb->mode));
		for (size_t i = 0; i < pb->n_sequence; i++)
			ox_buf_addf(&row, "%s%s", i ? " → " : ": ", ox_pb_action_name(pb->sequence[i]));
		char m[OX_MONEY_BUFSZ];
		if (pb->limit != OX_PB_NO_LIMIT)
			ox_buf_addf(&row, ", limit %s", ox_money_format(pb->limit, m));
		ox_buf_addz(&row, " |\n");
		if (!strstr(doc, row.data))
			fail_msg("docs/playbooks.md lacks the row\n%s", row.data);
	}
	for (int a = 0; a < OX_PB_A__COUNT; a++) {
		ox_buf_reset(&row);
		ox_buf_addf(&row, "| `%s` | %s | ", ox_pb_action_name((enum ox_pb_action)a),
			    ox_pb_action_label((enum ox_pb_action)a, OX_PB_ZH));
		if (!strstr(doc, row.data))
			fail_msg("docs/playbooks.md lacks the action row\n%s", row.data);
	}
	for (int v = 0; v < OX_PB_V__COUNT; v++) {
		ox_buf_reset(&row);
		ox_buf_addf(&row, "| `{%s}` |", ox_pb_var_name((enum ox_pb_var)v));
		if (!strstr(doc, row.data))
			fail_msg("docs/playbooks.md lacks the variable row\n%s", row.data);
	}
	for (int r = 0; r < OX_PB_R__COUNT; r++) {
		unsigned cats = ox_pb_resolution_categories((enum ox_pb_resolution)r);
		ox_buf_reset(&row);
		ox_buf_addf(&row, "| `%s` | %s | ", ox_pb_resolution_name((enum ox_pb_resolution)r),
			    ox_pb_resolution_label((enum ox_pb_resolution)r, OX_PB_ZH));
		if (cats == OX_PB_CM_ALL)
			ox_buf_addz(&row, "every category");
		for (int c = 0, first = 1; cats != OX_PB_CM_ALL && c < OX_PB__NCAT; c++)
			if (cats >> c & 1) {
				ox_buf_addf(&row, "%s%s", first ? "" : ", ",
					    ox_pb_category_name((enum ox_pb_category)c));
				first = 0;
			}
		ox_buf_addz(&row, " |\n");
		if (!strstr(doc, row.data))
			fail_msg("docs/playbooks.md lacks the resolution row\n%s", row.data);
	}
	ox_buf_release(&row);
	ox_playbooks_free(set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_rule),
		cmocka_unit_test(test_category_templates),
		cmocka_unit_test(test_builtin_templates_render),
		cmocka_unit_test(test_auto_defaults),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_taxonomy),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_config_limits),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_json_max),
		cmocka_unit_test(test_doc_example),
		cmocka_unit_test(test_doc_tables),
	};
	return cmocka_run_group_tests_name("playbook", tests, NULL, NULL);
}

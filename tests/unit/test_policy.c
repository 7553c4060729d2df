/* test_policy.c - teams and case routing (src/policy.c). Run from the top
 * of the tree (some tests read docs/config.md and docs/ordex.example.yaml). */
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
#include "policy.h"
#include "util.h"

static struct ox_params P;

static int setup(void **state)
{
	(void)state;
	ox_params_init(&P);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ox_params_release(&P);
	return 0;
}

static struct ox_policy *load_with(const struct ox_params *p, const char *yaml)
{
	struct ox_policy *pol = NULL;
	char err[512] = "";
	if (ox_policy_load_string("t.yaml", yaml, strlen(yaml), p, &pol, err, sizeof err) != 0)
		fail_msg("unexpected error: %s\n%s", err, yaml);
	assert_non_null(pol);
	return pol;
}

static struct ox_policy *load_ok(const char *yaml)
{
	return load_with(&P, yaml);
}

static void load_err(const char *yaml, const char *want)
{
	struct ox_policy *pol = (struct ox_policy *)&P; /* a sentinel: must stay */
	char err[512] = "";
	if (ox_policy_load_string("t.yaml", yaml, strlen(yaml), &P, &pol, err, sizeof err) == 0)
		fail_msg("accepted:\n%s", yaml);
	assert_ptr_equal(pol, &P);
	if (strcmp(err, want) != 0)
		fail_msg("for:\n%s\nwant: %s\ngot:  %s", yaml, want, err);
}

/* The team of a case; "-" stands for a NULL channel or shop. */
static const char *team(const struct ox_policy *pol, enum ox_rule r, int sev, const char *channel,
			const char *shop)
{
	return ox_policy_team(pol, &P, r, sev, strcmp(channel, "-") ? channel : NULL,
			      strcmp(shop, "-") ? shop : NULL);
}

static void test_defaults(void **state)
{
	(void)state;
	struct ox_policy *pol = NULL;
	char err[256];
	assert_int_equal(ox_policy_load(NULL, &P, &pol, err, sizeof err), 0);
	assert_non_null(pol);
	for (int r = 0; r < OX_R__COUNT; r++)
		for (int sev = 0; sev <= 5; sev++) {
			const char *want = ox_rule_info((enum ox_rule)r)->team;
			assert_string_equal(team(pol, (enum ox_rule)r, sev, "jd", "jd-self"), want);
			assert_string_equal(team(pol, (enum ox_rule)r, sev, "-", "-"), want);
			assert_string_equal(team(NULL, (enum ox_rule)r, sev, "-", "-"), want);
		}
	assert_null(ox_policy_team(pol, &P, OX_R__COUNT, 1, NULL, NULL));
	assert_null(ox_policy_team_info(pol, "payments"));
	assert_null(ox_policy_team_info(pol, NULL));
	assert_null(ox_policy_team_info(NULL, "payments"));
	assert_null(ox_policy_team_at(pol, 0));
	assert_null(ox_policy_team_at(NULL, 0));
	ox_policy_free(pol);
	ox_policy_free(NULL);

	/* empty documents and sections; other sections are not ours */
	static const char *const empties[] = {
		"",
		"# nothing\n",
		"teams:\nrouting:\n",
		"teams: {}\nrouting: []\n",
		"payment: { retry_window: 20m }\nalerts: { anything: [1, 2] }\nnot_a_section: 1\n",
	};
	for (size_t i = 0; i < OX_ARRAY_LEN(empties); i++) {
		pol = load_ok(empties[i]);
		assert_null(ox_policy_team_at(pol, 0));
		assert_string_equal(team(pol, OX_R_PAY_FAILED, 3, "jd", "-"), "payments");
		ox_policy_free(pol);
	}
}

/* The example file configures no team and no routing rule. */
static void test_example_is_default(void **state)
{
	(void)state;
	struct ox_policy *pol = NULL;
	char err[256] = "";
	if (ox_policy_load("docs/ordex.example.yaml", &P, &pol, err, sizeof err) != 0)
		fail_msg("%s", err);
	assert_null(ox_policy_team_at(pol, 0));
	for (int r = 0; r < OX_R__COUNT; r++)
		assert_string_equal(team(pol, (enum ox_rule)r, 1, "douyin", "x"),
				    ox_rule_info((enum ox_rule)r)->team);
	ox_policy_free(pol);
}

/* Read a whole file into a NUL-terminated buffer. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	char *buf = ox_xmalloc(1 << 20);
	*len = fread(buf, 1, (1 << 20) - 1, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

/* The commented teams/routing example at the end of the example file loads
 * once uncommented, and so does the whole file then with ox_config_load. */
static void test_example_commented(void **state)
{
	(void)state;
	size_t len;
	char *buf = slurp("docs/ordex.example.yaml", &len), err[256] = "";
	char *at = strstr(buf, "\n# teams:\n");
	assert_non_null(at);
	struct ox_buf y;
	ox_buf_init(&y, 1 << 20);
	assert_int_equal(ox_buf_add(&y, buf, (size_t)(at + 1 - buf)), 0);
	for (char *line = at + 1; *line;) {
		char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl + 1 - line) : strlen(line);
		if (strncmp(line, "# ", 2) == 0)
			assert_int_equal(ox_buf_add(&y, line + 2, n - 2), 0);
		else if (strncmp(line, "#\n", 2) != 0)
			assert_int_equal(ox_buf_add(&y, line, n), 0);
		line += n;
	}
	struct ox_policy *pol = load_ok(y.data);
	assert_non_null(ox_policy_team_at(pol, 0));
	assert_non_null(ox_policy_team_info(pol, "payments"));
	ox_policy_free(pol);
	struct ox_params p;
	ox_params_init(&p);
	if (ox_config_load_string("example", y.data, y.len, &p, err, sizeof err) != 0)
		fail_msg("%s", err);
	ox_params_release(&p);
	ox_buf_release(&y);
	free(buf);
}

/* The yaml block of docs/config.md's "Teams and routing" loads and routes
 * as the text after it says. */
static void test_doc_example(void **state)
{
	(void)state;
	size_t len;
	char *buf = slurp("docs/config.md", &len);
	char *sec = strstr(buf, "\n## Teams and routing\n");
	assert_non_null(sec);
	char *y = strstr(sec, "```yaml\n");
	assert_non_null(y);
	y += 8;
	char *end = strstr(y, "```");
	assert_non_null(end);
	*end = '\0';
	struct ox_policy *pol = load_ok(y);
	assert_string_equal(team(pol, OX_R_PAY_DUPLICATE, 1, "douyin", "douyin-live"),
			    "payments_douyin");
	assert_string_equal(team(pol, OX_R_PAY_DUPLICATE, 1, "jd", "jd-self"), "payments");
	assert_string_equal(team(pol, OX_R_LOG_LOST, 1, "jd", "-"), "logistics_vip");
	assert_string_equal(team(pol, OX_R_LOG_LOST, 3, "jd", "-"), "logistics");
	assert_string_equal(team(pol, OX_R_CUS_TICKET, 2, "tmall", "tmall-flagship"), "flagship");
	assert_string_equal(team(pol, OX_R_CUS_TICKET, 2, "jd", "tmall-flagship"), "cs");
	const struct ox_team *t = ox_policy_team_info(pol, "payments");
	assert_non_null(t);
	assert_string_equal(t->lead, "wang.lei");
	assert_true(t->round_robin);
	ox_policy_free(pol);
	free(buf);
}

static void test_match_category(void **state)
{
	(void)state;
	struct ox_policy *pol = load_ok("teams: { fin: {} }\n"
					"routing:\n"
					"  - match: { category: payment }\n"
					"    team: fin\n");
	for (int r = 0; r < OX_R__COUNT; r++) {
		const struct ox_rule_info *ri = ox_rule_info((enum ox_rule)r);
		const char *want = strcmp(ri->category, "payment") == 0 ? "fin" : ri->team;
		assert_string_equal(team(pol, (enum ox_rule)r, 2, "jd", "s"), want);
		assert_string_equal(team(pol, (enum ox_rule)r, 0, "-", "-"), want);
	}
	ox_policy_free(pol);

	pol = load_ok("teams: { ops: {} }\n"
		      "routing: [ { match: { category: [inventory, incident] }, team: ops } ]\n");
	assert_string_equal(team(pol, OX_R_INV_DRIFT, 2, "-", "-"), "ops");
	assert_string_equal(team(pol, OX_R_INC_BURST, 1, "-", "-"), "ops");
	assert_string_equal(team(pol, OX_R_LOG_LOST, 1, "-", "-"), "logistics");
	ox_policy_free(pol);
}

static void test_match_rule(void **state)
{
	(void)state;
	struct ox_policy *pol = load_ok("teams: { vip: {} }\n"
					"routing:\n"
					"  - match: { rule: [LOG_LOST, LOG_STALLED] }\n"
					"    team: vip\n");
	assert_string_equal(team(pol, OX_R_LOG_LOST, 1, "-", "-"), "vip");
	assert_string_equal(team(pol, OX_R_LOG_STALLED, 3, "jd", "x"), "vip");
	assert_string_equal(team(pol, OX_R_LOG_DAMAGED, 2, "jd", "x"), "logistics");
	ox_policy_free(pol);

	/* a routing rule may send cases to another rule's default team */
	pol = load_ok("routing: [ { match: { rule: FRD_SUSPECT }, team: cs } ]\n");
	assert_string_equal(team(pol, OX_R_FRD_SUSPECT, 2, "-", "-"), "cs");
	assert_string_equal(team(pol, OX_R_FRD_BLACKLIST, 1, "-", "-"), "risk");
	assert_null(ox_policy_team_info(pol, "cs"));
	ox_policy_free(pol);
}

static void test_match_severity(void **state)
{
	(void)state;
	struct ox_policy *pol = load_ok("teams: { hot: {} }\n"
					"routing: [ { match: { severity: [P1, p2] }, team: hot } ]\n");
	assert_string_equal(team(pol, OX_R_PAY_FAILED, 1, "-", "-"), "hot");
	assert_string_equal(team(pol, OX_R_PAY_FAILED, 2, "-", "-"), "hot");
	assert_string_equal(team(pol, OX_R_PAY_FAILED, 3, "-", "-"), "payments");
	assert_string_equal(team(pol, OX_R_PAY_FAILED, 4, "-", "-"), "payments");
	/* a severity outside 1..4 matches no severity key */
	assert_string_equal(team(pol, OX_R_PAY_FAILED, 0, "-", "-"), "payments");
	assert_string_equal(team(pol, OX_R_PAY_FAILED, 5, "-", "-"), "payments");
	assert_string_equal(team(pol, OX_R_PAY_FAILED, -1, "-", "-"), "payments");
	ox_policy_free(pol);

	/* ... but any rule without one */
	pol = load_ok("teams: { t: {} }\nrouting: [ { match: { rule: PAY_FAILED }, team: t } ]\n");
	assert_string_equal(team(pol, OX_R_PAY_FAILED, 0, "-", "-"), "t");
	assert_string_equal(team(pol, OX_R_PAY_FAILED, 9, "-", "-"), "t");
	ox_policy_free(pol);
}

static void test_match_channel(void **state)
{
	(void)state;
	struct ox_policy *pol = load_ok("teams: { dy: {} }\n"
					"routing: [ { match: { channel: [douyin, \"小红书\"] }, team: dy } ]\n");
	assert_string_equal(team(pol, OX_R_LOG_LOST, 1, "douyin", "-"), "dy");
	assert_string_equal(team(pol, OX_R_CUS_TICKET, 2, "小红书", "s"), "dy");
	assert_string_equal(team(pol, OX_R_LOG_LOST, 1, "Douyin", "-"), "logistics"); /* exact */
	assert_string_equal(team(pol, OX_R_LOG_LOST, 1, "douyin ", "-"), "logistics");
	assert_string_equal(team(pol, OX_R_LOG_LOST, 1, "jd", "douyin"), "logistics");
	/* no order, no channel: never matches a channel key */
	assert_string_equal(team(pol, OX_R_LOG_LOST, 1, "-", "-"), "logistics");
	assert_string_equal(team(pol, OX_R_LOG_LOST, 1, "", "-"), "logistics");
	ox_policy_free(pol);
}

static void test_match_shop(void **state)
{
	(void)state;
	struct ox_policy *pol = load_ok("teams: { flagship: {} }\n"
					"routing: [ { match: { shop: \"旗舰店\" }, team: flagship } ]\n");
	assert_string_equal(team(pol, OX_R_CUS_TICKET, 2, "tmall", "旗舰店"), "flagship");
	assert_string_equal(team(pol, OX_R_CUS_TICKET, 2, "-", "旗舰店"), "flagship");
	assert_string_equal(team(pol, OX_R_CUS_TICKET, 2, "tmall", "旗舰店2"), "cs");
	assert_string_equal(team(pol, OX_R_CUS_TICKET, 2, "旗舰店", "-"), "cs");
	assert_string_equal(team(pol, OX_R_INV_DRIFT, 2, "-", "-"), "inventory");
	ox_policy_free(pol);
}

static void test_match_combined(void **state)
{
	(void)state;
	struct ox_policy *pol = load_ok(
		"teams: { a: {}, b: {}, c: {} }\n"
		"routing:\n"
		"  - match: { category: payment, channel: douyin }\n"
		"    team: a\n"
		"  - match: { rule: [LOG_LOST, LOG_STALLED], severity: [P1, P2] }\n"
		"    team: b\n"
		"  - match: { category: [customer, logistics], rule: [CUS_TICKET, LOG_LOST], channel: [tmall, jd], shop: [s1, s2], severity: P3 }\n"
		"    team: c\n");
	/* 1: category and channel */
	assert_string_equal(team(pol, OX_R_PAY_DUPLICATE, 1, "douyin", "-"), "a");
	assert_string_equal(team(pol, OX_R_PAY_DUPLICATE, 1, "jd", "-"), "payments");
	assert_string_equal(team(pol, OX_R_LOG_LOST, 3, "douyin", "-"), "logistics");
	/* 2: rules and severities */
	assert_string_equal(team(pol, OX_R_LOG_STALLED, 2, "-", "-"), "b");
	assert_string_equal(team(pol, OX_R_LOG_STALLED, 3, "-", "-"), "logistics");
	assert_string_equal(team(pol, OX_R_LOG_DAMAGED, 1, "-", "-"), "logistics");
	/* 3: all five keys; category and rule together take both */
	assert_string_equal(team(pol, OX_R_CUS_TICKET, 3, "jd", "s2"), "c");
	assert_string_equal(team(pol, OX_R_LOG_LOST, 3, "tmall", "s1"), "c");
	assert_string_equal(team(pol, OX_R_CUS_PHONE_INVALID, 3, "jd", "s2"), "cs");
	assert_string_equal(team(pol, OX_R_CUS_TICKET, 2, "jd", "s2"), "cs");
	assert_string_equal(team(pol, OX_R_CUS_TICKET, 3, "pdd", "s2"), "cs");
	assert_string_equal(team(pol, OX_R_CUS_TICKET, 3, "jd", "s3"), "cs");
	assert_string_equal(team(pol, OX_R_CUS_TICKET, 3, "jd", "-"), "cs");
	assert_string_equal(team(pol, OX_R_CUS_TICKET, 3, "-", "s2"), "cs");
	ox_policy_free(pol);
}

static void test_first_match_wins(void **state)
{
	(void)state;
	struct ox_policy *pol = load_ok("teams: { first: {}, second: {}, third: {} }\n"
					"routing:\n"
					"  - match: { channel: jd }\n"
					"    team: first\n"
					"  - match: { category: logistics }\n"
					"    team: second\n"
					"  - match: { severity: P1 }\n"
					"    team: third\n");
	assert_string_equal(team(pol, OX_R_LOG_LOST, 1, "jd", "-"), "first");
	assert_string_equal(team(pol, OX_R_LOG_LOST, 1, "pdd", "-"), "second");
	assert_string_equal(team(pol, OX_R_PAY_DUPLICATE, 1, "pdd", "-"), "third");
	assert_string_equal(team(pol, OX_R_PAY_FAILED, 3, "pdd", "-"), "payments");
	ox_policy_free(pol);

	/* a narrower rule after a wider one that takes all its cases is an error
	 * (see test_errors); before it, it wins */
	pol = load_ok("teams: { vip: {} }\n"
		      "routing:\n"
		      "  - match: { rule: LOG_LOST, channel: jd }\n"
		      "    team: vip\n"
		      "  - match: { category: logistics }\n"
		      "    team: cs\n");
	assert_string_equal(team(pol, OX_R_LOG_LOST, 1, "jd", "-"), "vip");
	assert_string_equal(team(pol, OX_R_LOG_LOST, 1, "pdd", "-"), "cs");
	ox_policy_free(pol);
}

/* Teams set by rules.<CODE>.team in the same file are routing targets and
 * the default of their rules. */
static void test_rule_teams(void **state)
{
	(void)state;
	static const char yaml[] = "rules:\n"
				   "  LOG_LOST: { team: claims }\n"
				   "routing:\n"
				   "  - match: { rule: LOG_DAMAGED }\n"
				   "    team: claims\n";
	struct ox_params p;
	char err[256] = "";
	ox_params_init(&p);
	if (ox_config_load_string("t.yaml", yaml, strlen(yaml), &p, err, sizeof err) != 0)
		fail_msg("%s", err);
	struct ox_policy *pol = load_with(&p, yaml);
	assert_string_equal(ox_policy_team(pol, &p, OX_R_LOG_LOST, 1, NULL, NULL), "claims");
	assert_string_equal(ox_policy_team(pol, &p, OX_R_LOG_DAMAGED, 2, "jd", NULL), "claims");
	assert_string_equal(ox_policy_team(pol, &p, OX_R_LOG_STALLED, 3, "jd", NULL), "logistics");
	ox_policy_free(pol);
	ox_params_release(&p);

	/* with the catalogue's params, claims is nobody's team */
	load_err(yaml, "t.yaml:5: 'routing[0].team': unknown team 'claims': a routing rule's team "
		       "must be under teams: or be the team of a rule");
}

static void test_teams(void **state)
{
	(void)state;
	struct ox_policy *pol = load_ok(
		"teams:\n"
		"  payments:\n"
		"    name_zh: 支付组\n"
		"    name_en: Payments\n"
		"    lead: wang.lei\n"
		"    members: [li.na, zhao.min, wang.lei]\n"
		"    assign: round_robin\n"
		"  warehouse: { lead: chen.jie, members: [sun.li], assign: none }\n"
		"  empty: {}\n"
		"  bare:\n"
		"  Ops-2.cn_1:\n"
		"    members:\n"
		"      - A.b-c_9\n");
	const struct ox_team *t = ox_policy_team_info(pol, "payments");
	assert_non_null(t);
	assert_ptr_equal(t, ox_policy_team_at(pol, 0));
	assert_string_equal(t->name, "payments");
	assert_string_equal(t->name_zh, "支付组");
	assert_string_equal(t->name_en, "Payments");
	assert_string_equal(t->lead, "wang.lei");
	assert_int_equal(t->n_members, 3);
	assert_string_equal(t->members[0], "li.na");
	assert_string_equal(t->members[1], "zhao.min");
	assert_string_equal(t->members[2], "wang.lei"); /* the lead may be a member */
	assert_true(t->round_robin);

	t = ox_policy_team_info(pol, "warehouse");
	assert_ptr_equal(t, ox_policy_team_at(pol, 1));
	assert_null(t->name_zh);
	assert_null(t->name_en);
	assert_string_equal(t->lead, "chen.jie");
	assert_int_equal(t->n_members, 1);
	assert_false(t->round_robin);

	for (size_t i = 2; i < 4; i++) {
		t = ox_policy_team_at(pol, i);
		assert_ptr_equal(t, ox_policy_team_info(pol, t->name));
		assert_null(t->lead);
		assert_int_equal(t->n_members, 0);
		assert_false(t->round_robin);
	}
	assert_string_equal(ox_policy_team_at(pol, 2)->name, "empty");
	assert_string_equal(ox_policy_team_at(pol, 3)->name, "bare");
	t = ox_policy_team_info(pol, "Ops-2.cn_1");
	assert_ptr_equal(t, ox_policy_team_at(pol, 4));
	assert_string_equal(t->members[0], "A.b-c_9");
	assert_null(ox_policy_team_at(pol, 5));
	assert_null(ox_policy_team_info(pol, "ops-2.cn_1")); /* case-sensitive */
	assert_null(ox_policy_team_info(pol, "logistics"));
	assert_null(ox_policy_team_info(pol, ""));
	ox_policy_free(pol);
}

static void test_pick(void **state)
{
	(void)state;
	struct ox_policy *pol = load_ok("teams:\n"
					"  rr: { members: [a, b, c], assign: round_robin }\n"
					"  one: { members: [solo], assign: round_robin }\n"
					"  queue: { members: [a, b], assign: none }\n"
					"  default: { members: [a, b] }\n");
	const struct ox_team *rr = ox_policy_team_info(pol, "rr");
	static const char *const want[] = { "a", "b", "c", "a", "b", "c", "a" };
	for (uint64_t i = 0; i < OX_ARRAY_LEN(want); i++)
		assert_string_equal(ox_policy_pick(rr, i), want[i]);
	assert_string_equal(ox_policy_pick(rr, UINT64_MAX), "a"); /* 2^64-1 = 0 mod 3 */
	assert_string_equal(ox_policy_pick(rr, UINT64_MAX - 1), "c");
	assert_string_equal(ox_policy_pick(ox_policy_team_info(pol, "one"), 12345), "solo");
	assert_null(ox_policy_pick(ox_policy_team_info(pol, "queue"), 0));
	assert_null(ox_policy_pick(ox_policy_team_info(pol, "default"), 1));
	assert_null(ox_policy_pick(ox_policy_team_info(pol, "payments"), 0)); /* not configured */
	assert_null(ox_policy_pick(NULL, 0));
	ox_policy_free(pol);
}

/* ---- against a plain reading of the rules --------------------------------- */

#define N_CHAN 5
#define N_SHOP 4
static const char *const chan_pool[N_CHAN + 2] = { "tmall", "jd", "pdd", "douyin", "shop",
						   "other", NULL };
static const char *const shop_pool[N_SHOP + 2] = { "s1", "s2", "旗舰店", "s4", "s9", NULL };

/* One routing rule as the tests think of it: for each key given, the set of
 * values (bits into the pools, the categories, the rules, P1..P4). */
struct ref_route {
	unsigned has; /* 1 category, 2 rule, 4 severity, 8 channel, 16 shop */
	uint64_t cats, rules;
	unsigned sevs, chans, shops;
};

static uint64_t rng_state = 0x9E3779B97F4A7C15u;
static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* A random non-empty subset of n bits, mostly small. */
static uint64_t rng_subset(int n)
{
	uint64_t s = 0;
	do {
		s |= UINT64_C(1) << (rng() % (uint64_t)n);
	} while (rng() % 3 == 0);
	return s;
}

static const char *cat_names[OX_R__COUNT];
static size_t n_cats;

static size_t cat_of(enum ox_rule r)
{
	const char *c = ox_rule_info(r)->category;
	size_t i = 0;
	while (i < n_cats && strcmp(cat_names[i], c) != 0)
		i++;
	if (i == n_cats)
		cat_names[n_cats++] = c;
	return i;
}

static bool ref_match(const struct ref_route *rt, enum ox_rule r, int sev, int ch, int sh)
{
	if ((rt->has & 1) && !(rt->cats & (UINT64_C(1) << cat_of(r))))
		return false;
	if ((rt->has & 2) && !(rt->rules & (UINT64_C(1) << r)))
		return false;
	if ((rt->has & 4) && (sev < 1 || sev > 4 || !(rt->sevs & (1u << (sev - 1)))))
		return false;
	if ((rt->has & 8) && (ch >= N_CHAN || !(rt->chans & (1u << ch))))
		return false;
	if ((rt->has & 16) && (sh >= N_SHOP || !(rt->shops & (1u << sh))))
		return false;
	return true;
}

/* Whether some case reaches rt[n] past rt[0 .. n). */
static bool ref_reachable(const struct ref_route *rt, size_t n)
{
	for (int r = 0; r < OX_R__COUNT; r++)
		for (int sev = 0; sev <= 5; sev++)
			for (int ch = 0; ch < N_CHAN + 2; ch++)
				for (int sh = 0; sh < N_SHOP + 2; sh++) {
					size_t i = 0;
					while (i < n && !ref_match(&rt[i], (enum ox_rule)r, sev, ch, sh))
						i++;
					if (i == n && ref_match(&rt[n], (enum ox_rule)r, sev, ch, sh))
						return true;
				}
	return false;
}

static void ref_list(struct ox_buf *y, const char *key, uint64_t set, size_t n,
		     const char *(*name)(size_t))
{
	ox_buf_addf(y, "%s: [", key);
	for (size_t i = 0, first = 1; i < n; i++)
		if (set & (UINT64_C(1) << i)) {
			ox_buf_addf(y, "%s\"%s\"", first ? "" : ", ", name(i));
			first = 0;
		}
	ox_buf_addz(y, "], ");
}

static const char *cat_name(size_t i) { return cat_names[i]; }
static const char *rule_name(size_t i) { return ox_rule_info((enum ox_rule)i)->code; }
static const char *sev_name(size_t i) { static const char *const s[] = { "P1", "P2", "P3", "P4" }; return s[i]; }
static const char *chan_name(size_t i) { return chan_pool[i]; }
static const char *shop_name(size_t i) { return shop_pool[i]; }

static void ref_yaml(struct ox_buf *y, const struct ref_route *rt, size_t n)
{
	ox_buf_reset(y);
	ox_buf_addz(y, "teams:\n");
	for (size_t i = 0; i < n; i++)
		ox_buf_addf(y, "  t%zu: {}\n", i);
	ox_buf_addz(y, "routing:\n");
	for (size_t i = 0; i < n; i++) {
		ox_buf_addz(y, "  - match: { ");
		if (rt[i].has & 1)
			ref_list(y, "category", rt[i].cats, n_cats, cat_name);
		if (rt[i].has & 2)
			ref_list(y, "rule", rt[i].rules, OX_R__COUNT, rule_name);
		if (rt[i].has & 4)
			ref_list(y, "severity", rt[i].sevs, 4, sev_name);
		if (rt[i].has & 8)
			ref_list(y, "channel", rt[i].chans, N_CHAN, chan_name);
		if (rt[i].has & 16)
			ref_list(y, "shop", rt[i].shops, N_SHOP, shop_name);
		ox_buf_addf(y, "}\n    team: t%zu\n", i);
	}
}

/* Random policies: every case routes as a first-match reading of the rules
 * says; rules the loader calls unreachable are left out. */
static void test_random(void **state)
{
	(void)state;
	struct ox_buf y;
	size_t routed = 0, cases = 0, dropped = 0;
	ox_buf_init(&y, 1 << 20);
	for (int r = 0; r < OX_R__COUNT; r++)
		cat_of((enum ox_rule)r);
	for (int round = 0; round < 300; round++) {
		struct ref_route rt[40];
		size_t n = 0, want_n = 1 + rng() % 40;
		while (n < want_n) {
			struct ref_route *c = &rt[n];
			memset(c, 0, sizeof *c);
			while (!c->has)
				c->has = (unsigned)(rng() & rng() & 31);
			c->cats = rng_subset((int)n_cats);
			c->rules = rng_subset(OX_R__COUNT);
			c->sevs = (unsigned)rng_subset(4);
			c->chans = (unsigned)rng_subset(N_CHAN);
			c->shops = (unsigned)rng_subset(N_SHOP);
			ref_yaml(&y, rt, n + 1);
			struct ox_policy *pol = NULL;
			char err[512];
			if (ox_policy_load_string("t.yaml", y.data, y.len, &P, &pol, err, sizeof err)) {
				if (!strstr(err, "can never match"))
					fail_msg("%s\n%s", err, y.data);
				assert_false(ref_reachable(rt, n));
				want_n--;
				dropped++;
				continue;
			}
			ox_policy_free(pol);
			n++;
		}
		ref_yaml(&y, rt, n);
		struct ox_policy *pol = load_ok(y.data);
		for (int r = 0; r < OX_R__COUNT; r++)
			for (int sev = 0; sev <= 5; sev++)
				for (int ch = 0; ch < N_CHAN + 2; ch++)
					for (int sh = 0; sh < N_SHOP + 2; sh++) {
						char want[OX_NAME_MAX];
						size_t i = 0;
						while (i < n && !ref_match(&rt[i], (enum ox_rule)r, sev, ch, sh))
							i++;
						cases++;
						routed += i < n;
						if (i < n)
							snprintf(want, sizeof want, "t%zu", i);
						else
							snprintf(want, sizeof want, "%s", P.rules[r].team);
						const char *got = ox_policy_team(pol, &P, (enum ox_rule)r, sev,
										 chan_pool[ch], shop_pool[sh]);
						if (strcmp(got, want) != 0)
							fail_msg("%s P%d %s %s: want %s, got %s\n%s",
								 rule_name((size_t)r), sev,
								 chan_pool[ch] ? chan_pool[ch] : "NULL",
								 shop_pool[sh] ? shop_pool[sh] : "NULL", want, got,
								 y.data);
					}
		ox_policy_free(pol);
	}
	/* the draw exercises both outcomes and the unreachable-rule check */
	print_message("%zu of %zu cases routed, %zu rules dropped\n", routed, cases, dropped);
	assert_true(routed > cases / 10 && routed < cases - cases / 10);
	assert_true(dropped > 100);
	ox_buf_release(&y);
}

/* ---- errors ------------------------------------------------------------- */

static char *repeat(const char *unit, size_t n)
{
	size_t ul = strlen(unit);
	char *s = ox_xmalloc(ul * n + 1);
	for (size_t i = 0; i < n; i++)
		memcpy(s + i * ul, unit, ul);
	s[ul * n] = '\0';
	return s;
}

static void test_errors(void **state)
{
	(void)state;
	static const struct {
		const char *yaml, *err;
	} cases[] = {
		/* the document */
		{ "teams: [\n", "t.yaml:2: did not find expected node content (while parsing a flow node at line 2)" },
		{ "- a\n", "t.yaml:1: the top level must be a mapping" },
		{ "teams: {}\n---\nteams: {}\n", "t.yaml:3: only one YAML document is allowed" },
		{ "routing: []\nteams: {}\nrouting: []\n",
		  "t.yaml:3: duplicate key 'routing' (first at line 1)" },
		/* teams */
		{ "teams: [a]\n", "t.yaml:1: 'teams' must be a mapping" },
		{ "teams:\n  Bad Name: {}\n",
		  "t.yaml:2: 'teams.Bad Name' must be a name of letters, digits, '_', '-' and '.'" },
		{ "teams:\n  支付: {}\n",
		  "t.yaml:2: 'teams.支付' must be a name of letters, digits, '_', '-' and '.'" },
		{ "teams:\n  a: {}\n  b: {}\n  a: {}\n",
		  "t.yaml:4: duplicate key 'teams.a' (first at line 2)" },
		{ "teams:\n  a: 5\n", "t.yaml:2: 'teams.a' must be a mapping" },
		{ "teams:\n  a: { membres: [x] }\n",
		  "t.yaml:2: unknown key 'teams.a.membres' (did you mean 'teams.a.members'?)" },
		{ "teams:\n  a: { owner: x }\n", "t.yaml:2: unknown key 'teams.a.owner'" },
		{ "teams:\n  a:\n    name_zh: \"\"\n", "t.yaml:3: 'teams.a.name_zh' is empty" },
		{ "teams:\n  a:\n    name_en: \"a\\tb\"\n",
		  "t.yaml:3: 'teams.a.name_en' contains a control character" },
		{ "teams:\n  a:\n    name_en: [x]\n", "t.yaml:3: 'teams.a.name_en' must be a text" },
		{ "teams:\n  a:\n    lead: wang lei\n",
		  "t.yaml:3: 'teams.a.lead' must be a name of letters, digits, '_', '-' and '.'" },
		{ "teams:\n  a:\n    lead:\n",
		  "t.yaml:3: 'teams.a.lead' must be a name of letters, digits, '_', '-' and '.'" },
		{ "teams:\n  a:\n    members: li.na\n",
		  "t.yaml:3: 'teams.a.members' must be a list of user names" },
		{ "teams:\n  a:\n    members:\n      - li.na\n      - zhao min\n",
		  "t.yaml:5: 'teams.a.members[1]' must be a name of letters, digits, '_', '-' and '.'" },
		{ "teams:\n  a:\n    members: [li.na, [x]]\n",
		  "t.yaml:3: 'teams.a.members[1]' must be a name of letters, digits, '_', '-' and '.'" },
		{ "teams:\n  a:\n    members:\n      - li.na\n      - zhao.min\n      - li.na\n",
		  "t.yaml:6: 'teams.a.members' lists 'li.na' twice" },
		{ "teams:\n  a:\n    assign: roundrobin\n",
		  "t.yaml:3: 'teams.a.assign' must be round_robin or none" },
		{ "teams:\n  a:\n    assign: [round_robin]\n",
		  "t.yaml:3: 'teams.a.assign' must be round_robin or none" },
		{ "teams:\n  a:\n    members: []\n    assign: round_robin\n",
		  "t.yaml:4: 'teams.a.assign' is round_robin but the team has no members" },
		{ "teams:\n  a:\n    assign: round_robin\n",
		  "t.yaml:3: 'teams.a.assign' is round_robin but the team has no members" },
		/* routing */
		{ "routing: { a: 1 }\n", "t.yaml:1: 'routing' must be a list" },
		{ "routing:\n  - x\n", "t.yaml:2: 'routing[0]' must be a mapping with match and team" },
		{ "routing:\n  -\n", "t.yaml:2: 'routing[0]' must be a mapping with match and team" },
		{ "routing:\n  - match: { rule: LOG_LOST }\n    team: cs\n    teams: x\n",
		  "t.yaml:4: unknown key 'routing[0].teams' (did you mean 'routing[0].team'?)" },
		{ "routing:\n  - team: cs\n", "t.yaml:2: 'routing[0].match' is missing" },
		{ "routing:\n  - match: { rule: LOG_LOST }\n", "t.yaml:2: 'routing[0].team' is missing" },
		{ "routing:\n  - match: LOG_LOST\n    team: cs\n",
		  "t.yaml:2: 'routing[0].match' must be a mapping" },
		{ "routing:\n  - match: {}\n    team: cs\n",
		  "t.yaml:2: 'routing[0].match' has no keys: a routing rule matches on at least one of "
		  "category, rule, severity, channel, shop" },
		{ "routing:\n  - match:\n    team: cs\n",
		  "t.yaml:2: 'routing[0].match' has no keys: a routing rule matches on at least one of "
		  "category, rule, severity, channel, shop" },
		{ "routing:\n  - match: { chanel: jd }\n    team: cs\n",
		  "t.yaml:2: unknown key 'routing[0].match.chanel' (did you mean 'routing[0].match.channel'?)" },
		{ "routing:\n  - match: { store: jd }\n    team: cs\n",
		  "t.yaml:2: unknown key 'routing[0].match.store'" },
		{ "routing:\n  - match: { channel: jd, channel: pdd }\n    team: cs\n",
		  "t.yaml:2: duplicate key 'routing[0].match.channel' (first at line 2)" },
		{ "routing:\n  - match: { channel: [] }\n    team: cs\n",
		  "t.yaml:2: 'routing[0].match.channel' is an empty list" },
		{ "routing:\n  - match: { channel: }\n    team: cs\n",
		  "t.yaml:2: 'routing[0].match.channel' must be a value or a list of values" },
		{ "routing:\n  - match: { channel: [jd, [pdd]] }\n    team: cs\n",
		  "t.yaml:2: 'routing[0].match.channel' must be a value or a list of values" },
		{ "routing:\n  - match: { shop: { a: b } }\n    team: cs\n",
		  "t.yaml:2: 'routing[0].match.shop' must be a value or a list of values" },
		{ "routing:\n  - match: { channel: \" \" }\n    team: cs\n",
		  "t.yaml:2: 'routing[0].match.channel' is empty" },
		{ "routing:\n  - match: { shop: \"a\\nb\" }\n    team: cs\n",
		  "t.yaml:2: 'routing[0].match.shop' contains a control character" },
		{ "routing:\n  - match:\n      channel:\n        - jd\n        - pdd\n        - jd\n    team: cs\n",
		  "t.yaml:6: 'routing[0].match.channel' lists 'jd' twice" },
		{ "routing:\n  - match: { category: paymnet }\n    team: cs\n",
		  "t.yaml:2: 'routing[0].match.category': unknown category 'paymnet' (did you mean 'payment'?)" },
		{ "routing:\n  - match: { category: [payment, money] }\n    team: cs\n",
		  "t.yaml:2: 'routing[0].match.category': unknown category 'money'" },
		{ "routing:\n  - match: { category: [payment, payment] }\n    team: cs\n",
		  "t.yaml:2: 'routing[0].match.category' lists 'payment' twice" },
		{ "routing:\n  - match: { rule: LOG_LOTS }\n    team: cs\n",
		  "t.yaml:2: 'routing[0].match.rule': unknown rule 'LOG_LOTS' (did you mean 'LOG_LOST'?)" },
		{ "routing:\n  - match: { rule: log_lost }\n    team: cs\n",
		  "t.yaml:2: 'routing[0].match.rule': unknown rule 'log_lost'" },
		{ "routing:\n  - match: { rule: [LOG_LOST, LOG_LOST] }\n    team: cs\n",
		  "t.yaml:2: 'routing[0].match.rule' lists 'LOG_LOST' twice" },
		{ "routing:\n  - match: { severity: P5 }\n    team: cs\n",
		  "t.yaml:2: 'routing[0].match.severity' must be one of P1, P2, P3, P4" },
		{ "routing:\n  - match: { severity: 1 }\n    team: cs\n",
		  "t.yaml:2: 'routing[0].match.severity' must be one of P1, P2, P3, P4" },
		{ "routing:\n  - match: { severity: [P1, p1] }\n    team: cs\n",
		  "t.yaml:2: 'routing[0].match.severity' lists 'p1' twice" },
		{ "routing:\n  - match: { category: payment, rule: [LOG_LOST, LOG_STALLED] }\n    team: cs\n",
		  "t.yaml:2: 'routing[0].match' can never match: none of its rules is in its categories" },
		{ "routing:\n  - match: { rule: LOG_LOST }\n    team: pay ops\n",
		  "t.yaml:3: 'routing[0].team' must be a name of letters, digits, '_', '-' and '.'" },
		{ "routing:\n  - match: { rule: LOG_LOST }\n    team: paymnts\n",
		  "t.yaml:3: 'routing[0].team': unknown team 'paymnts' (did you mean 'payments'?)" },
		{ "teams: { flagship: {} }\nrouting:\n  - match: { rule: LOG_LOST }\n    team: flagshp\n",
		  "t.yaml:4: 'routing[0].team': unknown team 'flagshp' (did you mean 'flagship'?)" },
		{ "routing:\n  - match: { rule: LOG_LOST }\n    team: flagship\n",
		  "t.yaml:3: 'routing[0].team': unknown team 'flagship': a routing rule's team must be "
		  "under teams: or be the team of a rule" },
		/* a routing rule an earlier one leaves nothing to */
		{ "routing:\n"
		  "  - match: { category: payment }\n    team: cs\n"
		  "  - match: { rule: PAY_FAILED, channel: jd }\n    team: tech\n",
		  "t.yaml:4: 'routing[1]' can never match: 'routing[0]' (line 2) takes every case it would" },
		{ "routing:\n"
		  "  - match: { channel: jd }\n    team: cs\n"
		  "  - match: { channel: [jd, pdd] }\n    team: cs\n"
		  "  - match: { channel: pdd, shop: s }\n    team: tech\n",
		  "t.yaml:6: 'routing[2]' can never match: 'routing[1]' (line 4) takes every case it would" },
		{ "routing:\n"
		  "  - match: { channel: [jd, pdd], severity: [P1, P2] }\n    team: cs\n"
		  "  - match: { channel: pdd, severity: P2, category: payment }\n    team: tech\n",
		  "t.yaml:4: 'routing[1]' can never match: 'routing[0]' (line 2) takes every case it would" },
		{ "routing:\n"
		  "  - match: { severity: P1 }\n    team: cs\n"
		  "  - match: { severity: p1 }\n    team: tech\n",
		  "t.yaml:4: 'routing[1]' can never match: 'routing[0]' (line 2) takes every case it would" },
	};
	for (size_t i = 0; i < OX_ARRAY_LEN(cases); i++)
		load_err(cases[i].yaml, cases[i].err);

	/* not covered: each earlier rule leaves some cases to the later one */
	static const char *const fine[] = {
		"routing:\n"
		"  - match: { channel: jd }\n    team: cs\n"
		"  - match: { channel: [jd, pdd] }\n    team: tech\n",
		"routing:\n"
		"  - match: { channel: jd, category: payment }\n    team: cs\n"
		"  - match: { channel: jd }\n    team: tech\n",
		"routing:\n"
		"  - match: { severity: P1 }\n    team: cs\n"
		"  - match: { rule: PAY_FAILED }\n    team: tech\n",
		"routing:\n"
		"  - match: { shop: s }\n    team: cs\n"
		"  - match: { channel: jd }\n    team: tech\n",
	};
	for (size_t i = 0; i < OX_ARRAY_LEN(fine); i++)
		ox_policy_free(load_ok(fine[i]));
}

/* Lengths and counts at and over each limit. */
static void test_limits(void **state)
{
	(void)state;
	struct ox_buf y;
	char want[256];
	char *name63 = repeat("n", 63), *name64 = repeat("n", 64);
	char *label128 = repeat("字", 42), *label129 = repeat("x", 129); /* 126 bytes, 129 */
	char *value256 = repeat("v", 256), *value257 = repeat("v", 257);
	ox_buf_init(&y, OX_POLICY_JSON_MAX);

	/* names */
	ox_buf_addf(&y, "teams:\n  %s:\n    lead: %s\n    name_zh: %s\n", name63, name63, label128);
	ox_buf_addf(&y, "routing:\n  - match: { shop: %s }\n    team: %s\n", value256, name63);
	struct ox_policy *pol = load_ok(y.data);
	assert_string_equal(team(pol, OX_R_LOG_LOST, 1, "-", value256), name63);
	assert_string_equal(ox_policy_team_info(pol, name63)->lead, name63);
	ox_policy_free(pol);
	ox_buf_reset(&y);
	ox_buf_addf(&y, "teams:\n  %s: {}\n", name64);
	load_err(y.data, "t.yaml:2: 'teams.nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn' "
			 "is longer than 63 bytes");
	ox_buf_reset(&y);
	ox_buf_addf(&y, "teams:\n  a:\n    members: [x, %s]\n", name64);
	load_err(y.data, "t.yaml:3: 'teams.a.members[1]' is longer than 63 bytes");
	ox_buf_reset(&y);
	ox_buf_addf(&y, "teams:\n  a:\n    name_en: %s\n", label129);
	load_err(y.data, "t.yaml:3: 'teams.a.name_en' is longer than 128 bytes");
	ox_buf_reset(&y);
	ox_buf_addf(&y, "routing:\n  - match: { channel: %s }\n    team: cs\n", value257);
	load_err(y.data, "t.yaml:2: 'routing[0].match.channel' is longer than 256 bytes");

	/* teams */
	ox_buf_reset(&y);
	ox_buf_addz(&y, "teams:\n");
	for (int i = 0; i < OX_POLICY_TEAMS_MAX; i++)
		ox_buf_addf(&y, "  t%d: {}\n", i);
	pol = load_ok(y.data);
	assert_string_equal(ox_policy_team_at(pol, 255)->name, "t255");
	for (int i = 0; i < OX_POLICY_TEAMS_MAX; i++) {
		char nm[16];
		snprintf(nm, sizeof nm, "t%d", i);
		assert_ptr_equal(ox_policy_team_info(pol, nm), ox_policy_team_at(pol, (size_t)i));
	}
	ox_policy_free(pol);
	ox_buf_addz(&y, "  t256: {}\n");
	load_err(y.data, "t.yaml:258: 'teams' has more than 256 teams");

	/* members */
	ox_buf_reset(&y);
	ox_buf_addz(&y, "teams:\n  a:\n    assign: round_robin\n    members:\n");
	for (int i = 0; i < OX_POLICY_MEMBERS_MAX; i++)
		ox_buf_addf(&y, "      - u%d\n", i);
	pol = load_ok(y.data);
	assert_int_equal(ox_policy_team_info(pol, "a")->n_members, 64);
	assert_string_equal(ox_policy_pick(ox_policy_team_info(pol, "a"), 64 + 63), "u63");
	ox_policy_free(pol);
	ox_buf_addz(&y, "      - u64\n");
	load_err(y.data, "t.yaml:69: 'teams.a.members' has more than 64 members");

	/* values of one key */
	ox_buf_reset(&y);
	ox_buf_addz(&y, "routing:\n  - team: cs\n    match:\n      channel:\n");
	for (int i = 0; i < OX_POLICY_VALUES_MAX; i++)
		ox_buf_addf(&y, "        - c%d\n", i);
	pol = load_ok(y.data);
	assert_string_equal(team(pol, OX_R_LOG_LOST, 1, "c63", "-"), "cs");
	assert_string_equal(team(pol, OX_R_LOG_LOST, 1, "c64", "-"), "logistics");
	ox_policy_free(pol);
	ox_buf_addz(&y, "        - c64\n");
	load_err(y.data, "t.yaml:69: 'routing[0].match.channel' has more than 64 values");

	/* routing rules */
	ox_buf_reset(&y);
	ox_buf_addz(&y, "routing:\n");
	for (int i = 0; i < OX_POLICY_ROUTES_MAX; i++)
		ox_buf_addf(&y, "  - { match: { channel: c%d }, team: cs }\n", i);
	pol = load_ok(y.data);
	assert_string_equal(team(pol, OX_R_LOG_LOST, 1, "c255", "-"), "cs");
	ox_policy_free(pol);
	ox_buf_addz(&y, "  - { match: { channel: c256 }, team: cs }\n");
	snprintf(want, sizeof want, "t.yaml:258: 'routing' has more than 256 rules");
	load_err(y.data, want);

	ox_buf_release(&y);
	free(name63), free(name64), free(label128), free(label129), free(value256), free(value257);
}

static void test_file(void **state)
{
	(void)state;
	struct ox_policy *pol = (struct ox_policy *)&P;
	char err[256];
	assert_int_equal(ox_policy_load("/nonexistent/ordex.yaml", &P, &pol, err, sizeof err), -1);
	assert_string_equal(err, "/nonexistent/ordex.yaml: No such file or directory");
	assert_ptr_equal(pol, &P);

	char path[] = "/tmp/ordex-test-policy-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	fputs("teams:\n  a:\n    lead: 1 2\n", f);
	fclose(f);
	assert_int_equal(ox_policy_load(path, &P, &pol, err, sizeof err), -1);
	char want[256];
	snprintf(want, sizeof want,
		 "%s:3: 'teams.a.lead' must be a name of letters, digits, '_', '-' and '.'", path);
	assert_string_equal(err, want);
	assert_ptr_equal(pol, &P);

	/* a message cut to a small buffer stays a C string */
	char small[12];
	assert_int_equal(ox_policy_load(path, &P, &pol, small, sizeof small), -1);
	assert_int_equal(strlen(small), sizeof small - 1);
	unlink(path);
}

/* One file feeds both loaders: the rule parameters, alerts, teams and
 * routing. */
static void test_shared_file(void **state)
{
	(void)state;
	static const char yaml[] =
		"payment: { retry_window: 20m }\n"
		"sla:\n"
		"  P1: { respond: 10m, resolve: 2h }\n"
		"rules:\n"
		"  PAY_DUPLICATE: { severity: P1, team: payments }\n"
		"  CUS_TICKET: { team: service }\n"
		"teams:\n"
		"  payments: { lead: wang.lei, members: [li.na], assign: round_robin }\n"
		"  service: { name_zh: 客服组, members: [a, b] }\n"
		"routing:\n"
		"  - match: { category: payment, channel: douyin }\n"
		"    team: service\n"
		"alerts:\n"
		"  channels:\n"
		"    ops: { kind: webhook, url: \"https://example.com/hook\" }\n"
		"  routes:\n"
		"    - { severity: [P1], to: [ops] }\n"
		"channels:\n"
		"  pdd: { fraud: { threshold: 50 } }\n";
	char path[] = "/tmp/ordex-test-policy-XXXXXX", err[256] = "";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	fputs(yaml, f);
	fclose(f);

	struct ox_params p;
	ox_params_init(&p);
	if (ox_config_load(path, &p, err, sizeof err) != 0)
		fail_msg("%s", err);
	assert_int_equal(p.order.pay_retry_window, 20 * 60 * 1000);
	assert_string_equal(p.rules[OX_R_CUS_TICKET].team, "service");
	struct ox_policy *pol = NULL;
	if (ox_policy_load(path, &p, &pol, err, sizeof err) != 0)
		fail_msg("%s", err);
	assert_string_equal(ox_policy_team(pol, &p, OX_R_PAY_FAILED, 3, "douyin", NULL), "service");
	assert_string_equal(ox_policy_team(pol, &p, OX_R_PAY_FAILED, 3, "pdd", NULL), "payments");
	assert_string_equal(ox_policy_team(pol, &p, OX_R_CUS_TICKET, 2, "pdd", NULL), "service");
	assert_string_equal(ox_policy_team_info(pol, "service")->name_zh, "客服组");
	ox_policy_free(pol);
	ox_params_release(&p);
	unlink(path);
}

/* ---- the listing -------------------------------------------------------- */

/* The value of key in the object at tok (a token index), or 0. */
static size_t jget(const struct ox_json *j, size_t obj, const char *key)
{
	assert_int_equal(j->toks[obj].type, OX_JSON_OBJECT);
	size_t i = obj + 1;
	for (uint32_t m = 0; m < j->toks[obj].size; m++) {
		const struct ox_json_tok *k = &j->toks[i];
		if (k->len == strlen(key) && memcmp(k->s, key, k->len) == 0)
			return i + 1;
		i = j->toks[i + 1].end;
	}
	return 0;
}

/* The i-th element of the array at arr. */
static size_t jat(const struct ox_json *j, size_t arr, size_t n)
{
	assert_int_equal(j->toks[arr].type, OX_JSON_ARRAY);
	assert_true(n < j->toks[arr].size);
	size_t i = arr + 1;
	while (n--)
		i = j->toks[i].end;
	return i;
}

static void jstr(const struct ox_json *j, size_t tok, const char *want)
{
	assert_int_equal(j->toks[tok].type, OX_JSON_STRING);
	char got[512];
	assert_true(j->toks[tok].len < sizeof got);
	memcpy(got, j->toks[tok].s, j->toks[tok].len);
	got[j->toks[tok].len] = '\0';
	assert_string_equal(got, want);
}

static void test_json_defaults(void **state)
{
	(void)state;
	struct ox_buf b;
	ox_buf_init(&b, OX_POLICY_JSON_MAX);
	assert_int_equal(ox_policy_list_json(NULL, &P, &b), 0);
#define team_tmpl                                                                        \
	"{\"team\":\"%s\",\"configured\":false,\"name_zh\":null,\"name_en\":null,\"lead\":null," \
	"\"members\":[],\"assign\":\"none\",\"default_for\":[%s]}"
	struct ox_buf want;
	ox_buf_init(&want, 1 << 16);
	ox_buf_addz(&want, "{\"teams\":[");
	ox_buf_addf(&want, team_tmpl, "payments",
		    "\"PAY_FAILED\",\"PAY_DUPLICATE\",\"PAY_AMOUNT_MISMATCH\",\"PAY_STATUS_STALE\","
		    "\"PAY_ON_CLOSED\",\"PAY_UNRECONCILED\"");
	ox_buf_addz(&want, ",");
	ox_buf_addf(&want, team_tmpl, "inventory",
		    "\"INV_RESERVE_FAILED\",\"INV_OVERSOLD\",\"INV_NEGATIVE_STOCK\",\"INV_DRIFT\","
		    "\"INV_LOW_STOCK\"");
	ox_buf_addz(&want, ",");
	ox_buf_addf(&want, team_tmpl, "logistics",
		    "\"LOG_SHIP_OVERDUE\",\"LOG_STALLED\",\"LOG_DELIVERY_OVERDUE\",\"LOG_LOST\","
		    "\"LOG_DAMAGED\",\"LOG_REJECTED\",\"LOG_FAILED_ATTEMPT\",\"LOG_CARRIER_EXCEPTION\"");
	ox_buf_addz(&want, ",");
	ox_buf_addf(&want, team_tmpl, "cs",
		    "\"CUS_ADDRESS_INVALID\",\"CUS_PHONE_INVALID\",\"CUS_REMARK_ATTENTION\",\"CUS_TICKET\"");
	ox_buf_addz(&want, ",");
	ox_buf_addf(&want, team_tmpl, "tech", "\"SYS_CREATE_FAILED\",\"SYS_SYNC_FAILED\"");
	ox_buf_addz(&want, ",");
	ox_buf_addf(&want, team_tmpl, "risk", "\"FRD_BLACKLIST\",\"FRD_SUSPECT\"");
	ox_buf_addz(&want, ",");
	ox_buf_addf(&want, team_tmpl, "oncall", "\"INC_BURST\",\"INC_PAYMENT_RATE\"");
	ox_buf_addz(&want, "],\"routing\":[]}");
#undef team_tmpl
	assert_string_equal(b.data, want.data);

	/* an empty policy lists the same */
	struct ox_policy *pol = load_ok("");
	ox_buf_reset(&b);
	assert_int_equal(ox_policy_list_json(pol, &P, &b), 0);
	assert_string_equal(b.data, want.data);
	ox_policy_free(pol);

	/* a buffer too small says so */
	struct ox_buf tiny;
	ox_buf_init(&tiny, 100);
	assert_int_equal(ox_policy_list_json(NULL, &P, &tiny), -1);
	ox_buf_release(&tiny);
	ox_buf_release(&want);
	ox_buf_release(&b);
}

static void test_json(void **state)
{
	(void)state;
	struct ox_policy *pol = load_ok(
		"teams:\n"
		"  payments:\n"
		"    name_zh: 支付组\n"
		"    name_en: 'Pay \"ments\" \\ team'\n"
		"    lead: wang.lei\n"
		"    members: [li.na, zhao.min]\n"
		"    assign: round_robin\n"
		"  flagship: { members: [x] }\n"
		"routing:\n"
		"  - match: { category: [payment, fraud], channel: douyin }\n"
		"    team: payments\n"
		"  - match: { rule: [LOG_LOST, LOG_STALLED], severity: [p1, P2], shop: ['旗舰\"店', \"a\\\\b\"] }\n"
		"    team: flagship\n"
		"  - match: { severity: P4 }\n"
		"    team: cs\n");
	struct ox_buf b;
	struct ox_json j;
	ox_buf_init(&b, OX_POLICY_JSON_MAX);
	assert_int_equal(ox_policy_list_json(pol, &P, &b), 0);
	ox_json_init(&j, 8);
	if (ox_json_parse(&j, b.data, b.len) != 0)
		fail_msg("invalid JSON (%s at %zu): %s", j.err, j.err_col, b.data);

	size_t teams = jget(&j, 0, "teams"), routing = jget(&j, 0, "routing");
	assert_int_equal(j.toks[teams].size, 8); /* 2 configured + 6 other defaults */
	size_t t = jat(&j, teams, 0);
	jstr(&j, jget(&j, t, "team"), "payments");
	assert_int_equal(j.toks[jget(&j, t, "configured")].type, OX_JSON_TRUE);
	jstr(&j, jget(&j, t, "name_zh"), "支付组");
	jstr(&j, jget(&j, t, "name_en"), "Pay \"ments\" \\ team");
	jstr(&j, jget(&j, t, "lead"), "wang.lei");
	jstr(&j, jat(&j, jget(&j, t, "members"), 1), "zhao.min");
	jstr(&j, jget(&j, t, "assign"), "round_robin");
	assert_int_equal(j.toks[jget(&j, t, "default_for")].size, 6);

	t = jat(&j, teams, 1);
	jstr(&j, jget(&j, t, "team"), "flagship");
	assert_int_equal(j.toks[jget(&j, t, "name_zh")].type, OX_JSON_NULL);
	assert_int_equal(j.toks[jget(&j, t, "lead")].type, OX_JSON_NULL);
	jstr(&j, jget(&j, t, "assign"), "none");
	assert_int_equal(j.toks[jget(&j, t, "default_for")].size, 0);

	t = jat(&j, teams, 2); /* then the defaults not configured, catalogue order */
	jstr(&j, jget(&j, t, "team"), "inventory");
	assert_int_equal(j.toks[jget(&j, t, "configured")].type, OX_JSON_FALSE);
	jstr(&j, jget(&j, jat(&j, teams, 7), "team"), "oncall");

	assert_int_equal(j.toks[routing].size, 3);
	size_t r = jat(&j, routing, 0), m = jget(&j, r, "match");
	assert_int_equal(j.toks[m].size, 2);
	jstr(&j, jat(&j, jget(&j, m, "category"), 1), "fraud");
	jstr(&j, jat(&j, jget(&j, m, "channel"), 0), "douyin");
	assert_int_equal(jget(&j, m, "rule"), 0);
	jstr(&j, jget(&j, r, "team"), "payments");

	r = jat(&j, routing, 1), m = jget(&j, r, "match");
	assert_int_equal(j.toks[m].size, 3);
	jstr(&j, jat(&j, jget(&j, m, "rule"), 1), "LOG_STALLED");
	jstr(&j, jat(&j, jget(&j, m, "severity"), 0), "P1"); /* canonical */
	jstr(&j, jat(&j, jget(&j, m, "shop"), 0), "旗舰\"店");
	jstr(&j, jat(&j, jget(&j, m, "shop"), 1), "a\\b");
	jstr(&j, jget(&j, r, "team"), "flagship");
	jstr(&j, jget(&j, jat(&j, routing, 2), "team"), "cs");

	ox_json_release(&j);
	ox_buf_release(&b);
	ox_policy_free(pol);
}

/* The biggest listing: every limit reached, long lists repeated through
 * YAML aliases, every string doubled by quoting; it stays within
 * OX_POLICY_JSON_MAX. */
static void test_json_max(void **state)
{
	(void)state;
	struct ox_buf y, b;
	char *slashes = repeat("\\\\", OX_POLICY_VALUE_MAX - 2);
	char *label = repeat("\\\\", OX_POLICY_LABEL_MAX);
	char *user = repeat("u", OX_POLICY_NAME_MAX - 2), *tname = repeat("t", OX_POLICY_NAME_MAX - 3);
	ox_buf_init(&y, 1 << 20);
	ox_buf_init(&b, OX_POLICY_JSON_MAX);

	ox_buf_addz(&y, "lists:\n  values: &values\n");
	for (int v = 0; v < OX_POLICY_VALUES_MAX; v++)
		ox_buf_addf(&y, "    - \"%02d%s\"\n", v, slashes);
	ox_buf_addz(&y, "  members: &members\n");
	for (int v = 0; v < OX_POLICY_MEMBERS_MAX; v++)
		ox_buf_addf(&y, "    - %02d%s\n", v, user);
	ox_buf_addf(&y, "  label: &label \"%s\"\n", label);
	ox_buf_addz(&y, "teams:\n");
	for (int t = 0; t < OX_POLICY_TEAMS_MAX; t++)
		ox_buf_addf(&y, "  %03d%s: { name_zh: *label, name_en: *label, lead: %s, "
				"members: *members, assign: round_robin }\n",
			    t, tname, user);
	/* per rule, its severity sets by size: no earlier one covers a later */
	ox_buf_addz(&y, "routing:\n");
	for (int n = 0, sets = 1; sets < 16 && n < OX_POLICY_ROUTES_MAX; sets++)
		for (int r = 0; r < OX_R__COUNT && n < OX_POLICY_ROUTES_MAX; r++) {
			static const unsigned order[15] = { 1, 2, 4, 8, 3, 5, 6, 9, 10, 12,
							    7, 11, 13, 14, 15 };
			ox_buf_addf(&y, "  - { team: %03d%s, match: { rule: %s, severity: [", n, tname,
				    ox_rule_info((enum ox_rule)r)->code);
			for (unsigned s = 0, first = 1; s < 4; s++)
				if (order[sets - 1] & (1u << s)) {
					ox_buf_addf(&y, "%sP%u", first ? "" : ",", s + 1);
					first = 0;
				}
			ox_buf_addz(&y, "], channel: *values, shop: *values } }\n");
			n++;
		}
	assert_true(y.len < (1 << 20) - 1);

	struct ox_policy *pol = load_ok(y.data);
	assert_int_equal(ox_policy_list_json(pol, &P, &b), 0);
	struct ox_json j;
	ox_json_init(&j, 8);
	if (ox_json_parse(&j, b.data, b.len) != 0)
		fail_msg("invalid JSON (%s at %zu)", j.err, j.err_col);
	assert_int_equal(j.toks[jget(&j, 0, "teams")].size, OX_POLICY_TEAMS_MAX + 7);
	assert_int_equal(j.toks[jget(&j, 0, "routing")].size, OX_POLICY_ROUTES_MAX);
	print_message("listing of the largest policy: %zu bytes, bound %zu\n", b.len,
		      (size_t)OX_POLICY_JSON_MAX);
	ox_json_release(&j);
	ox_policy_free(pol);
	free(slashes), free(label), free(user), free(tname);
	ox_buf_release(&y);
	ox_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_example_is_default),
		cmocka_unit_test(test_example_commented),
		cmocka_unit_test(test_doc_example),
		cmocka_unit_test(test_match_category),
		cmocka_unit_test(test_match_rule),
		cmocka_unit_test(test_match_severity),
		cmocka_unit_test(test_match_channel),
		cmocka_unit_test(test_match_shop),
		cmocka_unit_test(test_match_combined),
		cmocka_unit_test(test_first_match_wins),
		cmocka_unit_test(test_rule_teams),
		cmocka_unit_test(test_teams),
		cmocka_unit_test(test_pick),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_shared_file),
		cmocka_unit_test(test_json_defaults),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_json_max),
	};
	return cmocka_run_group_tests_name("policy", tests, setup, teardown);
}

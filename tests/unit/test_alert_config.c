/* test_alert_config.c - the `alerts:` section (src/alert_config.c): a full
 * config read back field by field, routing through its tree, ${ENV}, and
 * every error message with its file and line. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert_config.h"

static const char full[] =
	"# the daemon's other sections are not ours\n"
	"payment: { retry_window: 15m }\n"
	"alerts:\n"
	"  channels:\n"
	"    ops-dingtalk: { type: dingtalk, url: \"https://oapi.dingtalk.com/robot/send?access_token=${OX_T_TOKEN}\", secret: \"${OX_T_SECRET}\" }\n"
	"    wh-wecom:     { type: wecom, url: \"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k\" }\n"
	"    lark:         { type: feishu, url: \"https://open.feishu.cn/open-apis/bot/v2/hook/x\", secret: \"s$$1\", format: text }\n"
	"    slack:        { type: slack, url: \"https://hooks.slack.com/services/T/B/X\" }\n"
	"    erp-hook:     { type: webhook, url: \"http://127.0.0.1:9000/ordex\", secret: \"erp\" }\n"
	"  route:\n"
	"    receiver: ops-dingtalk\n"
	"    group_by: [rule, severity]\n"
	"    group_wait: 30s\n"
	"    group_interval: 5m\n"
	"    repeat_interval: 4h\n"
	"    routes:\n"
	"      - match: { category: payment, severity: [P1, P2] }\n"
	"        receiver: lark\n"
	"        continue: true\n"
	"      - match: { team: warehouse }\n"
	"        receiver: wh-wecom\n"
	"        group_by: [team]\n"
	"        group_wait: 0s\n"
	"        routes:\n"
	"          - match: { kind: resolved }\n"
	"            receiver: slack\n"
	"          - match: { level: [2, 3], rule: INV_OVERSOLD }\n"
	"            receiver: erp-hook\n"
	"            repeat_interval: 1h\n"
	"  delivery:\n"
	"    timeout: 5s\n"
	"    backoff_initial: 1s\n"
	"    backoff_max: 5m\n"
	"    give_up_after: 24h\n"
	"    retention: 7d\n"
	"    language: en\n"
	"  console_url: \"http://127.0.0.1:8080/\"\n";

static struct ox_alert_config *parse_ok(const char *text)
{
	struct ox_alert_config *c = NULL;
	char err[512] = "";
	if (ox_alert_config_parse("cfg.yaml", text, strlen(text), &c, err, sizeof err) != 0)
		fail_msg("unexpected error: %s", err);
	return c;
}

static int setup_env(void **state)
{
	(void)state;
	setenv("OX_T_TOKEN", "tok123", 1);
	setenv("OX_T_SECRET", "SECabc", 1);
	unsetenv("OX_T_UNSET");
	setenv("OX_T_EMPTY", "", 1);
	return 0;
}

static void test_full(void **state)
{
	(void)state;
	struct ox_alert_config *c = parse_ok(full);
	assert_int_equal(c->n_channels, 5);
	const struct ox_alert_channel *ch = ox_alert_channel_find(c, "ops-dingtalk");
	assert_non_null(ch);
	assert_int_equal(ch->type, OX_WH_DINGTALK);
	assert_string_equal(ch->url, "https://oapi.dingtalk.com/robot/send?access_token=tok123");
	assert_string_equal(ch->secret, "SECabc");
	ch = ox_alert_channel_find(c, "lark");
	assert_int_equal(ch->type, OX_WH_FEISHU);
	assert_string_equal(ch->secret, "s$1");
	assert_true(ch->feishu_text);
	ch = ox_alert_channel_find(c, "wh-wecom");
	assert_int_equal(ch->type, OX_WH_WECOM);
	assert_null(ch->secret);
	assert_int_equal(ox_alert_channel_find(c, "slack")->type, OX_WH_SLACK);
	assert_int_equal(ox_alert_channel_find(c, "erp-hook")->type, OX_WH_WEBHOOK);
	assert_null(ox_alert_channel_find(c, "nope"));

	const struct ox_alert_route *r = &c->route;
	assert_int_equal(c->n_routes, 5);
	assert_int_equal(r->id, 0);
	assert_string_equal(c->channels[r->receiver].name, "ops-dingtalk");
	assert_int_equal(r->group_by, (1u << OX_AL_RULE) | (1u << OX_AL_SEVERITY));
	assert_int_equal(r->group_wait, 30000);
	assert_int_equal(r->group_interval, 300000);
	assert_int_equal(r->repeat_interval, 4 * 3600000);
	assert_int_equal(r->n_routes, 2);
	const struct ox_alert_route *lark = &r->routes[0], *wh = &r->routes[1];
	assert_int_equal(lark->id, 1);
	assert_true(lark->cont);
	assert_string_equal(c->channels[lark->receiver].name, "lark");
	assert_int_equal(lark->n_match, 2);
	assert_int_equal(lark->match[0].label, OX_AL_CATEGORY);
	assert_string_equal(lark->match[0].values[0], "payment");
	assert_int_equal(lark->match[1].label, OX_AL_SEVERITY);
	assert_int_equal(lark->match[1].n, 2);
	assert_string_equal(lark->match[1].values[1], "P2");
	assert_int_equal(lark->group_by, r->group_by); /* inherited */
	assert_int_equal(lark->group_wait, 30000);
	assert_int_equal(wh->id, 2);
	assert_false(wh->cont);
	assert_int_equal(wh->group_by, 1u << OX_AL_TEAM);
	assert_int_equal(wh->group_wait, 0);
	assert_int_equal(wh->n_routes, 2);
	assert_int_equal(wh->routes[0].id, 3);
	assert_int_equal(wh->routes[0].group_by, 1u << OX_AL_TEAM); /* from its parent, not the root */
	assert_int_equal(wh->routes[0].group_wait, 0);
	assert_int_equal(wh->routes[1].id, 4);
	assert_int_equal(wh->routes[1].repeat_interval, 3600000);
	assert_string_equal(wh->routes[1].match[0].values[0], "2");
	assert_string_equal(wh->routes[1].match[1].values[0], "INV_OVERSOLD");

	assert_int_equal(c->delivery.timeout, 5000);
	assert_int_equal(c->delivery.backoff_initial, 1000);
	assert_int_equal(c->delivery.backoff_max, 300000);
	assert_int_equal(c->delivery.give_up_after, 86400000);
	assert_int_equal(c->delivery.retention, 7 * 86400000LL);
	assert_int_equal(c->delivery.lang, OX_WH_EN);
	assert_string_equal(c->console_url, "http://127.0.0.1:8080");
	ox_alert_config_free(c);
}

static struct ox_notice mk(enum ox_rule rule, int sev, const char *team, enum ox_notice_kind kind, int level)
{
	struct ox_notice n;
	memset(&n, 0, sizeof n);
	snprintf(n.idem, sizeof n.idem, "C1/x");
	snprintf(n.case_id, sizeof n.case_id, "C00000001");
	snprintf(n.team, sizeof n.team, "%s", team);
	n.rule = rule;
	n.severity = sev;
	n.kind = kind;
	n.level = level;
	return n;
}

/* The receivers a notice is routed to, space-separated. */
static void routed(const struct ox_alert_config *c, const struct ox_notice *n, char *out, size_t outsz)
{
	const struct ox_alert_route *r[OX_ALERT_ROUTES_MAX];
	size_t k = ox_alert_route_notice(c, n, r);
	out[0] = '\0';
	for (size_t i = 0; i < k; i++)
		snprintf(out + strlen(out), outsz - strlen(out), "%s%s", i ? " " : "", c->channels[r[i]->receiver].name);
}

static void test_routing(void **state)
{
	(void)state;
	struct ox_alert_config *c = parse_ok(full);
	char got[256];
	struct ox_notice n = mk(OX_R_PAY_DUPLICATE, 1, "payments", OX_NOTICE_OPENED, 1);
	routed(c, &n, got, sizeof got);
	assert_string_equal(got, "lark"); /* continue, but no later sibling matches */
	n = mk(OX_R_PAY_DUPLICATE, 1, "warehouse", OX_NOTICE_OPENED, 1);
	routed(c, &n, got, sizeof got);
	assert_string_equal(got, "lark wh-wecom");
	n = mk(OX_R_PAY_FAILED, 3, "payments", OX_NOTICE_OPENED, 1);
	routed(c, &n, got, sizeof got);
	assert_string_equal(got, "ops-dingtalk"); /* nothing took it: the root */
	n = mk(OX_R_INV_OVERSOLD, 1, "warehouse", OX_NOTICE_RESOLVED, 2);
	routed(c, &n, got, sizeof got);
	assert_string_equal(got, "slack"); /* the first child that matches, no continue */
	n = mk(OX_R_INV_OVERSOLD, 1, "warehouse", OX_NOTICE_ESCALATED, 3);
	routed(c, &n, got, sizeof got);
	assert_string_equal(got, "erp-hook");
	n = mk(OX_R_INV_OVERSOLD, 1, "warehouse", OX_NOTICE_ESCALATED, 1);
	routed(c, &n, got, sizeof got);
	assert_string_equal(got, "wh-wecom"); /* no grandchild matched: the child itself */

	/* group keys */
	struct ox_buf b;
	ox_buf_init(&b, 1024);
	n = mk(OX_R_PAY_DUPLICATE, 2, "warehouse", OX_NOTICE_OPENED, 1);
	ox_alert_group_key(&c->route, &n, &b);
	assert_string_equal(b.data, "rule=PAY_DUPLICATE,severity=P2");
	ox_alert_group_key(&c->route.routes[1], &n, &b);
	assert_string_equal(b.data, "team=warehouse");
	struct ox_alert_route none = { 0 };
	ox_alert_group_key(&none, &n, &b);
	assert_string_equal(b.data, "");
	ox_buf_release(&b);
	ox_alert_config_free(c);
}

static void test_empty(void **state)
{
	(void)state;
	struct ox_alert_config *c = NULL;
	char err[256];
	assert_int_equal(ox_alert_config_load(NULL, &c, err, sizeof err), 0);
	assert_int_equal(c->n_channels, 0);
	struct ox_notice n = mk(OX_R_PAY_DUPLICATE, 1, "x", OX_NOTICE_OPENED, 1);
	const struct ox_alert_route *r[OX_ALERT_ROUTES_MAX];
	assert_int_equal(ox_alert_route_notice(c, &n, r), 0);
	assert_int_equal(c->delivery.timeout, 5000);
	assert_int_equal(c->delivery.lang, OX_WH_ZH);
	ox_alert_config_free(c);
	const char *const empties[] = { "", "payment: { retry_window: 15m }\n", "alerts:\n", "alerts: ~\n",
					"alerts:\n  delivery: { language: en }\n" };
	for (size_t i = 0; i < sizeof empties / sizeof empties[0]; i++) {
		c = parse_ok(empties[i]);
		assert_int_equal(c->n_channels, 0);
		ox_alert_config_free(c);
	}
	/* the project's example file keeps its alerts block commented out */
	assert_int_equal(ox_alert_config_load("docs/ordex.example.yaml", &c, err, sizeof err), 0);
	assert_int_equal(c->n_channels, 0);
	ox_alert_config_free(c);
}

/* The commented alerts: block at the end of docs/ordex.example.yaml loads
 * once uncommented (with its variables in the environment). */
static void test_example_block(void **state)
{
	(void)state;
	FILE *fp = fopen("docs/ordex.example.yaml", "rb");
	assert_non_null(fp);
	static char buf[1 << 16];
	size_t len = fread(buf, 1, sizeof buf - 1, fp);
	fclose(fp);
	buf[len] = '\0';
	char *at = strstr(buf, "\n# alerts:");
	assert_non_null(at);
	struct ox_buf y;
	ox_buf_init(&y, 1 << 20);
	for (char *line = at + 1; *line;) {
		char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl + 1 - line) : strlen(line);
		if (strncmp(line, "# ", 2) == 0)
			ox_buf_add(&y, line + 2, n - 2);
		line += n;
	}
	const char *vars[] = { "DING_TOKEN", "DING_SECRET", "WECOM_KEY", "LARK_HOOK", "LARK_SECRET", "SLACK_PATH",
			       "ERP_SECRET" };
	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
		setenv(vars[i], "x1", 1);
	struct ox_alert_config *c = parse_ok(y.data);
	assert_int_equal(c->n_channels, 5);
	assert_int_equal(c->n_routes, 3);
	assert_string_equal(ox_alert_channel_find(c, "ops-dingtalk")->url,
			    "https://oapi.dingtalk.com/robot/send?access_token=x1");
	assert_string_equal(c->console_url, "http://127.0.0.1:8080");
	ox_alert_config_free(c);
	ox_buf_release(&y);
	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
		unsetenv(vars[i]);
}

static void test_load_file(void **state)
{
	(void)state;
	char path[] = "/tmp/ordex-alertcfg-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char *text = "alerts:\n  channels:\n    a: { type: slack, url: ftp://x/y }\n";
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	struct ox_alert_config *c = NULL;
	char err[512], want[600];
	assert_int_equal(ox_alert_config_load(path, &c, err, sizeof err), -1);
	assert_null(c);
	snprintf(want, sizeof want, "%s:3: 'alerts.channels.a.url' must be an http:// or https:// URL", path);
	assert_string_equal(err, want);
	unlink(path);
	assert_int_equal(ox_alert_config_load(path, &c, err, sizeof err), -1);
	assert_non_null(strstr(err, "No such file"));
}

static void test_env(void **state)
{
	(void)state;
	struct ox_alert_config *c = parse_ok("alerts:\n"
					     "  channels:\n"
					     "    a: { type: webhook, url: \"http://h/${OX_T_TOKEN}/$x/$$/${OX_T_TOKEN}\", secret: \"${OX_T_SECRET}\" }\n"
					     "  route: { receiver: a }\n");
	assert_string_equal(c->channels[0].url, "http://h/tok123/$x/$/tok123");
	assert_string_equal(c->channels[0].secret, "SECabc");
	ox_alert_config_free(c);
}

/* ---- errors ------------------------------------------------------------------------------------- */

#define HEAD "alerts:\n  channels:\n    ops: { type: dingtalk, url: \"https://x.example/r\" }\n"
#define ROUTE "  route:\n    receiver: ops\n"

static const struct {
	const char *yaml, *err;
} bad[] = {
	{ "alerts: [1]\n", "cfg.yaml:1: 'alerts' must be a mapping" },
	{ "alerts:\n  chanels: {}\n", "cfg.yaml:2: unknown key 'alerts.chanels' (did you mean 'alerts.channels'?)" },
	{ "alerts:\n  channels: [a]\n", "cfg.yaml:2: 'alerts.channels' must be a mapping of channel names" },
	{ "alerts:\n  channels:\n    ops: { type: dingtlk, url: \"https://x.example/r\" }\n",
	  "cfg.yaml:3: 'alerts.channels.ops.type': unknown channel type 'dingtlk' (did you mean 'dingtalk'?); "
	  "expected dingtalk, wecom, feishu, slack or webhook" },
	{ "alerts:\n  channels:\n    ops: { type: email, url: \"https://x.example/r\" }\n",
	  "cfg.yaml:3: 'alerts.channels.ops.type': unknown channel type 'email'; expected dingtalk, wecom, feishu, "
	  "slack or webhook" },
	{ "alerts:\n  channels:\n    ops: { url: \"https://x.example/r\" }\n",
	  "cfg.yaml:3: 'alerts.channels.ops.type' is required: dingtalk, wecom, feishu, slack or webhook" },
	{ "alerts:\n  channels:\n    ops: { type: slack }\n", "cfg.yaml:3: 'alerts.channels.ops.url' is required" },
	{ "alerts:\n  channels:\n    ops: { type: slack, url: \"mailto:a@b\" }\n",
	  "cfg.yaml:3: 'alerts.channels.ops.url' must be an http:// or https:// URL" },
	{ "alerts:\n  channels:\n    ops: { type: slack, url: \"https://\" }\n",
	  "cfg.yaml:3: 'alerts.channels.ops.url' must be an http:// or https:// URL" },
	{ "alerts:\n  channels:\n    ops: { type: slack, url: \"https://a b/\" }\n",
	  "cfg.yaml:3: 'alerts.channels.ops.url' must be an http:// or https:// URL" },
	{ "alerts:\n  channels:\n    ops: { type: slack, url: \"\" }\n", "cfg.yaml:3: 'alerts.channels.ops.url' is empty" },
	{ "alerts:\n  channels:\n    ops: { type: slack, url: \"https://x/r\", urll: 1 }\n",
	  "cfg.yaml:3: unknown key 'alerts.channels.ops.urll' (did you mean 'alerts.channels.ops.url'?)" },
	{ "alerts:\n  channels:\n    ops: { type: slack, url: \"https://x/r\", secret: s }\n",
	  "cfg.yaml:3: 'alerts.channels.ops.secret': slack webhooks are not signed; remove the secret" },
	{ "alerts:\n  channels:\n    ops: { type: wecom, url: \"https://x/r\", format: text }\n",
	  "cfg.yaml:3: 'alerts.channels.ops.format' applies to feishu channels only" },
	{ "alerts:\n  channels:\n    ops: { type: feishu, url: \"https://x/r\", format: html }\n",
	  "cfg.yaml:3: 'alerts.channels.ops.format' must be card or text" },
	{ "alerts:\n  channels:\n    \"o p\": { type: slack, url: \"https://x/r\" }\n",
	  "cfg.yaml:3: 'alerts.channels.o p' must be a name of letters, digits, '_', '-' and '.'" },
	{ "alerts:\n  channels:\n    ops: slack\n", "cfg.yaml:3: 'alerts.channels.ops' must be a mapping with type and url" },
	{ "alerts:\n  channels:\n    ops: { type: slack, url: \"https://x/r\" }\n    ops: { type: slack, url: \"https://x/r\" }\n",
	  "cfg.yaml:4: duplicate key 'alerts.channels.ops' (first at line 3)" },
	{ "alerts:\n  channels:\n    ops: { type: webhook, url: \"https://x/${OX_T_UNSET}\" }\n",
	  "cfg.yaml:3: 'alerts.channels.ops.url' uses environment variable 'OX_T_UNSET', which is not set" },
	{ "alerts:\n  channels:\n    ops: { type: webhook, url: \"https://x/r\", secret: \"${OX_T_EMPTY}\" }\n",
	  "cfg.yaml:3: 'alerts.channels.ops.secret' uses environment variable 'OX_T_EMPTY', which is empty" },
	{ "alerts:\n  channels:\n    ops: { type: webhook, url: \"https://x/r\", secret: \"${1X}\" }\n",
	  "cfg.yaml:3: 'alerts.channels.ops.secret': a variable must read ${NAME} (letters, digits, '_')" },
	{ "alerts:\n  channels:\n    ops: { type: webhook, url: \"https://x/${OX_T_TOKEN\" }\n",
	  "cfg.yaml:3: 'alerts.channels.ops.url': a variable must read ${NAME} (letters, digits, '_')" },
	{ HEAD, "cfg.yaml:3: 'alerts.route' is required with channels: its receiver takes every notice no route takes" },
	{ HEAD "  route:\n    group_by: [rule]\n",
	  "cfg.yaml:5: 'alerts.route.receiver' is required: the channel of notices no route takes" },
	{ HEAD "  route:\n    receiver: opss\n",
	  "cfg.yaml:5: 'alerts.route.receiver': unknown channel 'opss' (did you mean 'ops'?)" },
	{ "alerts:\n  route:\n    receiver: ops\n",
	  "cfg.yaml:3: 'alerts.route.receiver': no channel 'ops': 'alerts.channels' defines none" },
	{ HEAD ROUTE "    match: { rule: PAY_FAILED }\n",
	  "cfg.yaml:6: 'alerts.route': the root route takes every notice; put matchers on its routes" },
	{ HEAD ROUTE "    continue: true\n",
	  "cfg.yaml:6: 'alerts.route': the root route takes every notice; put continue on its routes" },
	{ HEAD ROUTE "    grup_by: [rule]\n",
	  "cfg.yaml:6: unknown key 'alerts.route.grup_by' (did you mean 'alerts.route.group_by'?)" },
	{ HEAD ROUTE "    group_by: [rule, sevrity]\n",
	  "cfg.yaml:6: 'alerts.route.group_by[1]': unknown label 'sevrity' (did you mean 'severity'?)" },
	{ HEAD ROUTE "    group_by: [rule, rule]\n", "cfg.yaml:6: 'alerts.route.group_by[1]': label 'rule' is listed twice" },
	{ HEAD ROUTE "    group_by: rule\n",
	  "cfg.yaml:6: 'alerts.route.group_by' must be a list of labels: rule, category, severity, team, kind, level, case" },
	{ HEAD ROUTE "    group_wait: 2h\n", "cfg.yaml:6: 'alerts.route.group_wait' must be at most 1h" },
	{ HEAD ROUTE "    group_interval: 0s\n", "cfg.yaml:6: 'alerts.route.group_interval' must be greater than 0" },
	{ HEAD ROUTE "    repeat_interval: 31d\n", "cfg.yaml:6: 'alerts.route.repeat_interval' must be at most 30 days" },
	{ HEAD ROUTE "    group_wait: soon\n",
	  "cfg.yaml:6: 'alerts.route.group_wait' must be a duration such as 90s, 15m, 72h, 2d or 1h30m" },
	{ HEAD ROUTE "    routes: { a: 1 }\n", "cfg.yaml:6: 'alerts.route.routes' must be a list of routes" },
	{ HEAD ROUTE "    routes:\n      - match: { rule: PAY_DUPLICAT }\n",
	  "cfg.yaml:7: 'alerts.route.routes[0].match.rule': unknown rule 'PAY_DUPLICAT' (did you mean 'PAY_DUPLICATE'?)" },
	{ HEAD ROUTE "    routes:\n      - match: { teem: a }\n",
	  "cfg.yaml:7: unknown label 'alerts.route.routes[0].match.teem' (did you mean 'alerts.route.routes[0].match.team'?)" },
	{ HEAD ROUTE "    routes:\n      - match: { severity: [P1, P5] }\n",
	  "cfg.yaml:7: 'alerts.route.routes[0].match.severity[1]': severity 'P5' must be P1, P2, P3 or P4" },
	{ HEAD ROUTE "    routes:\n      - match: { severity: [P1, P1] }\n",
	  "cfg.yaml:7: 'alerts.route.routes[0].match.severity[1]': 'P1' is listed twice" },
	{ HEAD ROUTE "    routes:\n      - match: { severity: [] }\n",
	  "cfg.yaml:7: 'alerts.route.routes[0].match.severity' is an empty list: it would match nothing" },
	{ HEAD ROUTE "    routes:\n      - match: { category: paymnt }\n",
	  "cfg.yaml:7: 'alerts.route.routes[0].match.category': unknown category 'paymnt' (did you mean 'payment'?)" },
	{ HEAD ROUTE "    routes:\n      - match: { kind: reopened }\n",
	  "cfg.yaml:7: 'alerts.route.routes[0].match.kind': unknown kind 'reopened' (did you mean 'opened'?)" },
	{ HEAD ROUTE "    routes:\n      - match: { level: 4 }\n",
	  "cfg.yaml:7: 'alerts.route.routes[0].match.level': level '4' must be 1, 2 or 3" },
	{ HEAD ROUTE "    routes:\n      - match: { team: \"a b\" }\n",
	  "cfg.yaml:7: 'alerts.route.routes[0].match.team': team 'a b' must be a name of 1..63 letters, digits, '_', '-' and '.'" },
	{ HEAD ROUTE "    routes:\n      - match: { team: [a] }\n        receiver: nope\n",
	  "cfg.yaml:8: 'alerts.route.routes[0].receiver': unknown channel 'nope'" },
	{ HEAD ROUTE "    routes:\n      - receiver: ops\n        continue: maybe\n",
	  "cfg.yaml:8: 'alerts.route.routes[0].continue' must be true or false" },
	{ HEAD ROUTE "    routes:\n      - routes:\n          - recever: ops\n",
	  "cfg.yaml:8: unknown key 'alerts.route.routes[0].routes[0].recever' (did you mean "
	  "'alerts.route.routes[0].routes[0].receiver'?)" },
	{ HEAD ROUTE "  delivery: { timeout: 10m }\n", "cfg.yaml:6: 'alerts.delivery.timeout' must be at most 5m" },
	{ HEAD ROUTE "  delivery: { backoff_initial: 10s, backoff_max: 5s }\n",
	  "cfg.yaml:6: 'alerts.delivery.backoff_max' must be at least backoff_initial (10s)" },
	{ HEAD ROUTE "  delivery: { give_up_after: 40d }\n", "cfg.yaml:6: 'alerts.delivery.give_up_after' must be at most 30 days" },
	{ HEAD ROUTE "  delivery: { retention: 10m }\n", "cfg.yaml:6: 'alerts.delivery.retention' must be at least 1h" },
	{ HEAD ROUTE "  delivery: { language: fr }\n", "cfg.yaml:6: 'alerts.delivery.language' must be zh or en" },
	{ HEAD ROUTE "  delivery: { lang: en }\n", "cfg.yaml:6: unknown key 'alerts.delivery.lang'" },
	{ HEAD ROUTE "  console_url: \"ordex.local\"\n", "cfg.yaml:6: 'alerts.console_url' must be an http:// or https:// URL" },
	{ "alerts: {\n", "cfg.yaml:2: did not find expected node content (while parsing a flow node at line 2)" },
};

static void test_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct ox_alert_config *c = (void *)1;
		char err[512] = "";
		int rc = ox_alert_config_parse("cfg.yaml", bad[i].yaml, strlen(bad[i].yaml), &c, err, sizeof err);
		if (rc != -1 || c != NULL || strcmp(err, bad[i].err) != 0)
			fail_msg("case %zu:\n%s\nwant: %s\ngot:  %s (rc %d)", i, bad[i].yaml, bad[i].err, err, rc);
	}
}

/* Route trees are bounded in depth and size. */
static void test_limits(void **state)
{
	(void)state;
	struct ox_buf b;
	ox_buf_init(&b, SIZE_MAX);
	ox_buf_addz(&b, HEAD ROUTE);
	for (int d = 0; d < OX_ALERT_ROUTE_DEPTH_MAX + 1; d++)
		ox_buf_addf(&b, "%*sroutes:\n%*s- receiver: ops\n", 4 + 4 * d, "", 6 + 4 * d, "");
	struct ox_alert_config *c;
	char err[512];
	assert_int_equal(ox_alert_config_parse("cfg.yaml", b.data, b.len, &c, err, sizeof err), -1);
	assert_non_null(strstr(err, "routes nest deeper than 8 levels"));
	ox_buf_reset(&b);
	ox_buf_addz(&b, HEAD ROUTE "    routes:\n");
	for (int i = 0; i < OX_ALERT_ROUTES_MAX; i++)
		ox_buf_addz(&b, "      - receiver: ops\n");
	assert_int_equal(ox_alert_config_parse("cfg.yaml", b.data, b.len, &c, err, sizeof err), -1);
	if (!strstr(err, "cfg.yaml:262: 'alerts.route.routes[255]': more than 256 routes"))
		fail_msg("%s", err);
	ox_buf_release(&b);
}

/* Values checked the same way for silences (no path in the reason). */
static void test_value_check(void **state)
{
	(void)state;
	char out[OX_ALERT_VALUE_MAX], why[256];
	assert_int_equal(ox_alert_value_check(OX_AL_RULE, "INC_BURST", 9, out, why, sizeof why), 0);
	assert_string_equal(out, "INC_BURST");
	assert_int_equal(ox_alert_value_check(OX_AL_CASE, "C00000042", 9, out, why, sizeof why), 0);
	assert_int_equal(ox_alert_value_check(OX_AL_CASE, "C\n1", 3, out, why, sizeof why), -1);
	assert_string_equal(why, "case 'C?1' must be a case id such as C00000042");
	assert_int_equal(ox_alert_value_check(OX_AL_SEVERITY, "p1", 2, out, why, sizeof why), -1);
	struct ox_notice n = mk(OX_R_LOG_LOST, 1, "logistics", OX_NOTICE_SLA_BREACHED, 3);
	const char *want[] = { "LOG_LOST", "logistics", "P1", "logistics", "sla_breached", "3", "C00000001" };
	for (int l = 0; l < OX_AL__COUNT; l++) {
		ox_alert_label_value(&n, (enum ox_alert_label)l, out);
		assert_string_equal(out, want[l]);
		const char *name = ox_alert_label_name((enum ox_alert_label)l);
		assert_int_equal(ox_alert_label_by_name(name, strlen(name)), l);
	}
	assert_int_equal(ox_alert_label_by_name("sku", 3), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),   cmocka_unit_test(test_routing), cmocka_unit_test(test_empty),
		cmocka_unit_test(test_example_block),
		cmocka_unit_test(test_load_file), cmocka_unit_test(test_env),	cmocka_unit_test(test_errors),
		cmocka_unit_test(test_limits), cmocka_unit_test(test_value_check),
	};
	return cmocka_run_group_tests_name("alert_config", tests, setup_env, NULL);
}

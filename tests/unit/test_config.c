/* test_config.c - params defaults and the YAML config loader. Run from the
 * top of the tree (the example test reads docs/ordex.example.yaml). */
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
#include "params.h"
#include "timefmt.h"
#include "util.h"

#define MIN OX_MS_MINUTE
#define HOUR OX_MS_HOUR

static int load(struct ox_params *p, const char *yaml, char *err, size_t errsz)
{
	return ox_config_load_string("t.yaml", yaml, strlen(yaml), p, err, errsz);
}

/* Load yaml onto fresh defaults; it must succeed. */
static void load_ok(struct ox_params *p, const char *yaml)
{
	char err[256] = "";
	ox_params_init(p);
	int rc = load(p, yaml, err, sizeof(err));
	if (rc != 0)
		fail_msg("unexpected error: %s", err);
}

/* Bytewise, section by section so that a failure names the part; the
 * loader and ox_params_init keep padding zero. */
static void assert_params_equal(const struct ox_params *a, const struct ox_params *b)
{
	assert_memory_equal(&a->order, &b->order, sizeof(a->order));
	assert_int_equal(a->n_channels, b->n_channels);
	if (a->n_channels)
		assert_memory_equal(a->channels, b->channels,
				    a->n_channels * sizeof(*a->channels));
	assert_int_equal(a->n_carriers, b->n_carriers);
	assert_memory_equal(a->carriers, b->carriers, sizeof(a->carriers));
	assert_memory_equal(&a->remark_keywords, &b->remark_keywords, sizeof(a->remark_keywords));
	assert_memory_equal(a->rules, b->rules, sizeof(a->rules));
	assert_memory_equal(a, b, offsetof(struct ox_params, channels));
	size_t from = offsetof(struct ox_params, drift_window);
	assert_memory_equal((const char *)a + from, (const char *)b + from,
			    sizeof(*a) - from);
}

static void assert_names(const struct ox_name_list *l, const char *const *want, size_t n)
{
	assert_int_equal(l->n, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(l->names[i], want[i]);
}

static void assert_term(const struct ox_fraud_term *t, int64_t window, int min, int weight)
{
	assert_int_equal(t->window, window);
	assert_int_equal(t->min_customers, min);
	assert_int_equal(t->weight, weight);
}

static void test_defaults(void **state)
{
	(void)state;
	static const char *const keywords[] = {
		"加急", "改地址", "换地址", "地址错", "发票", "开票", "别发", "不要", "送人",
		"礼物", "指定", "快递柜", "驿站", "到付", "电话联系", "urgent", "invoice", "gift",
	};
	static const char *const required[] = { "wms", "erp" };
	struct ox_params p;
	ox_params_init(&p);

	assert_int_equal(p.order.pay_retry_window, 15 * MIN);
	assert_int_equal(p.order.pay_settle_window, 5 * MIN);
	assert_int_equal(p.order.pay_status_window, 5 * MIN);
	assert_int_equal(p.order.pay_reconcile_window, 30 * MIN);
	assert_int_equal(p.order.ship_window, 48 * HOUR);
	assert_int_equal(p.order.stall_window, 72 * HOUR);
	assert_int_equal(p.order.sync_window, 10 * MIN);
	assert_names(&p.order.sync_required, required, 2);
	assert_int_equal(p.order.fraud_threshold, 60);
	assert_int_equal(p.order.fraud_max_qty, 50);
	assert_null(p.channels);
	assert_int_equal(p.n_channels, 0);
	assert_int_equal(p.n_carriers, 0);

	assert_int_equal(p.drift_window, 30 * MIN);
	assert_int_equal(p.drift_abs, 5);
	assert_int_equal(p.drift_pct, 10);

	assert_term(&p.fraud_address, 24 * HOUR, 3, 30);
	assert_term(&p.fraud_phone, 24 * HOUR, 3, 30);
	assert_term(&p.fraud_device, HOUR, 5, 30);
	assert_term(&p.fraud_coupon, 24 * HOUR, 3, 40);
	assert_int_equal(p.fraud_new_account_age, 24 * HOUR);
	assert_int_equal(p.fraud_new_account_window, 24 * HOUR);
	assert_int_equal(p.fraud_new_account_orders, 3);
	assert_int_equal(p.fraud_new_account_weight, 30);
	assert_int_equal(p.fraud_max_qty_weight, 20);
	assert_int_equal(p.fraud_invalid_phone_weight, 10);

	assert_names(&p.remark_keywords, keywords, OX_ARRAY_LEN(keywords));

	assert_int_equal(p.burst_count, 20);
	assert_int_equal(p.burst_window, 10 * MIN);
	assert_int_equal(p.burst_quiet, 30 * MIN);
	assert_int_equal(p.rate_window, 5 * MIN);
	assert_int_equal(p.rate_min_attempts, 50);
	assert_int_equal(p.rate_min_success_pct, 80);

	/* spot checks against rules.md; the rest come from the same table */
	static const struct {
		enum ox_rule r;
		int sev;
		const char *team;
	} spot[] = {
		{ OX_R_PAY_FAILED, 3, "payments" },	 { OX_R_PAY_DUPLICATE, 1, "payments" },
		{ OX_R_INV_DRIFT, 2, "inventory" },	 { OX_R_LOG_STALLED, 3, "logistics" },
		{ OX_R_CUS_REMARK_ATTENTION, 4, "cs" }, { OX_R_SYS_SYNC_FAILED, 2, "tech" },
		{ OX_R_FRD_BLACKLIST, 1, "risk" },	 { OX_R_INC_PAYMENT_RATE, 1, "oncall" },
		{ OX_R_INV_LOW_STOCK, 2, "inventory" }, /* ordex's addition */
	};
	for (size_t i = 0; i < OX_ARRAY_LEN(spot); i++) {
		assert_true(p.rules[spot[i].r].enabled);
		assert_int_equal(p.rules[spot[i].r].severity, spot[i].sev);
		assert_string_equal(p.rules[spot[i].r].team, spot[i].team);
	}
	for (size_t r = 0; r < OX_R__COUNT; r++) {
		assert_true(p.rules[r].enabled);
		assert_in_range(p.rules[r].severity, 1, 4);
	}

	/* release re-inits */
	ox_params_release(&p);
	struct ox_params q;
	ox_params_init(&q);
	assert_params_equal(&p, &q);
}

static void test_empty(void **state)
{
	(void)state;
	static const char *const docs[] = { "", "# only a comment\n", "---\n", "~\n",
					    "---\n...\n" };
	struct ox_params def, p;
	ox_params_init(&def);
	for (size_t i = 0; i < OX_ARRAY_LEN(docs); i++) {
		load_ok(&p, docs[i]);
		assert_params_equal(&p, &def);
	}
	/* sections left empty or commented out */
	load_ok(&p, "payment:\nfraud:\n  address: ~\nrules: {}\nchannels:\n");
	assert_params_equal(&p, &def);
}

/* Every directive set to a value that is not its default. */
static const char all_yaml[] =
	"payment: { retry_window: 16m, settle_window: 6m, status_window: 7m,\n"
	"           reconcile_window: 1h30m }\n"
	"logistics: { ship_window: 2d, stall_window: 90s, carriers: { sf: 48h, ems: 96h } }\n"
	"sync: { window: 500ms, required: [wms, erp, crm] }\n"
	"inventory: { drift_window: 31m, drift_abs: 0, drift_pct: 15% }\n"
	"fraud:\n"
	"  threshold: 61\n"
	"  max_qty: 10000000000\n"
	"  address: { window: 1h, min_customers: 4, weight: 31 }\n"
	"  phone:   { window: 2h, min_customers: 5, weight: 32 }\n"
	"  device:  { window: 3h, min_customers: 6, weight: 0 }\n"
	"  coupon:  { window: 4h, min_customers: 7, weight: 1000 }\n"
	"  new_account: { age: 5h, window: 6h, orders: 8, weight: 35 }\n"
	"  max_qty_weight: 21\n"
	"  invalid_phone_weight: 11\n"
	"customer:\n"
	"  remark_keywords:\n"
	"    - 加急\n"
	"    - \"call me\"\n"
	"incident: { burst_count: 21, burst_window: 11m, burst_quiet: 31m, rate_window: 6m,\n"
	"            rate_min_attempts: 51, rate_min_success_pct: 0 }\n"
	"rules:\n"
	"  PAY_DUPLICATE: { enabled: false, severity: p2, team: pay-ops.cn_1 }\n"
	"  INC_BURST: { severity: P4 }\n"
	"  CUS_TICKET: { enabled: False }\n"
	"  LOG_LOST: { enabled: TRUE, team: logistics }\n";

static void test_all_directives(void **state)
{
	(void)state;
	static const char *const required[] = { "wms", "erp", "crm" };
	static const char *const keywords[] = { "加急", "call me" };
	struct ox_params p, def;
	ox_params_init(&def);
	load_ok(&p, all_yaml);

	assert_int_equal(p.order.pay_retry_window, 16 * MIN);
	assert_int_equal(p.order.pay_settle_window, 6 * MIN);
	assert_int_equal(p.order.pay_status_window, 7 * MIN);
	assert_int_equal(p.order.pay_reconcile_window, 90 * MIN);
	assert_int_equal(p.order.ship_window, 48 * HOUR);
	assert_int_equal(p.order.stall_window, 90 * OX_MS_SECOND);
	assert_int_equal(p.order.sync_window, 500);
	assert_names(&p.order.sync_required, required, 3);
	assert_int_equal(p.order.fraud_threshold, 61);
	assert_int_equal(p.order.fraud_max_qty, INT64_C(10000000000));

	assert_int_equal(p.n_carriers, 2);
	assert_string_equal(p.carriers[0].carrier, "sf");
	assert_int_equal(p.carriers[0].stall_window, 48 * HOUR);
	assert_string_equal(p.carriers[1].carrier, "ems");
	assert_int_equal(p.carriers[1].stall_window, 96 * HOUR);

	assert_int_equal(p.drift_window, 31 * MIN);
	assert_int_equal(p.drift_abs, 0);
	assert_int_equal(p.drift_pct, 15);

	assert_term(&p.fraud_address, HOUR, 4, 31);
	assert_term(&p.fraud_phone, 2 * HOUR, 5, 32);
	assert_term(&p.fraud_device, 3 * HOUR, 6, 0);
	assert_term(&p.fraud_coupon, 4 * HOUR, 7, 1000);
	assert_int_equal(p.fraud_new_account_age, 5 * HOUR);
	assert_int_equal(p.fraud_new_account_window, 6 * HOUR);
	assert_int_equal(p.fraud_new_account_orders, 8);
	assert_int_equal(p.fraud_new_account_weight, 35);
	assert_int_equal(p.fraud_max_qty_weight, 21);
	assert_int_equal(p.fraud_invalid_phone_weight, 11);

	assert_names(&p.remark_keywords, keywords, 2);

	assert_int_equal(p.burst_count, 21);
	assert_int_equal(p.burst_window, 11 * MIN);
	assert_int_equal(p.burst_quiet, 31 * MIN);
	assert_int_equal(p.rate_window, 6 * MIN);
	assert_int_equal(p.rate_min_attempts, 51);
	assert_int_equal(p.rate_min_success_pct, 0);

	assert_false(p.rules[OX_R_PAY_DUPLICATE].enabled);
	assert_int_equal(p.rules[OX_R_PAY_DUPLICATE].severity, 2);
	assert_string_equal(p.rules[OX_R_PAY_DUPLICATE].team, "pay-ops.cn_1");
	assert_true(p.rules[OX_R_INC_BURST].enabled);
	assert_int_equal(p.rules[OX_R_INC_BURST].severity, 4);
	assert_string_equal(p.rules[OX_R_INC_BURST].team, "oncall");
	assert_false(p.rules[OX_R_CUS_TICKET].enabled);
	assert_int_equal(p.rules[OX_R_CUS_TICKET].severity, 2);
	assert_true(p.rules[OX_R_LOG_LOST].enabled);
	/* untouched rules keep their defaults */
	assert_memory_equal(&p.rules[OX_R_PAY_FAILED], &def.rules[OX_R_PAY_FAILED],
			    sizeof(p.rules[0]));
	ox_params_release(&p);
}

static void test_channels(void **state)
{
	(void)state;
	/* channels first: its blocks must still start from the final globals */
	static const char yaml[] = "channels:\n"
				   "  pdd:\n"
				   "    payment: { reconcile_window: 60m }\n"
				   "    fraud: { threshold: 50 }\n"
				   "  jd:\n"
				   "    logistics: { ship_window: 24h, stall_window: 12h }\n"
				   "    sync: { window: 1m, required: [erp] }\n"
				   "    fraud: { max_qty: 7 }\n"
				   "  shop:\n"
				   "payment: { retry_window: 20m }\n"
				   "fraud: { threshold: 70, address: { weight: 5 } }\n"
				   "sync: { required: [wms] }\n";
	static const char *const wms[] = { "wms" };
	static const char *const erp[] = { "erp" };
	struct ox_params p;
	load_ok(&p, yaml);
	assert_int_equal(p.n_channels, 3);

	const struct ox_order_params *g = &p.order;
	assert_int_equal(g->pay_retry_window, 20 * MIN);
	assert_int_equal(g->fraud_threshold, 70);
	assert_int_equal(g->pay_reconcile_window, 30 * MIN);

	const struct ox_order_params *pdd = ox_params_for_channel(&p, "pdd", 3);
	assert_ptr_not_equal(pdd, g);
	assert_int_equal(pdd->pay_reconcile_window, 60 * MIN);
	assert_int_equal(pdd->fraud_threshold, 50);
	assert_int_equal(pdd->pay_retry_window, 20 * MIN); /* inherited */
	assert_names(&pdd->sync_required, wms, 1);          /* inherited */

	const struct ox_order_params *jd = ox_params_for_channel(&p, "jdx", 2);
	assert_int_equal(jd->ship_window, 24 * HOUR);
	assert_int_equal(jd->stall_window, 12 * HOUR);
	assert_int_equal(jd->sync_window, MIN);
	assert_names(&jd->sync_required, erp, 1);
	assert_int_equal(jd->fraud_max_qty, 7);
	assert_int_equal(jd->fraud_threshold, 70);
	assert_int_equal(jd->pay_retry_window, 20 * MIN);

	/* an empty block is the globals under the channel's name */
	const struct ox_order_params *shop = ox_params_for_channel(&p, "shop", 4);
	assert_ptr_not_equal(shop, g);
	assert_memory_equal(shop, g, sizeof(*g));

	assert_ptr_equal(ox_params_for_channel(&p, "tmall", 5), g);
	assert_ptr_equal(ox_params_for_channel(&p, "pd", 2), g);
	assert_ptr_equal(ox_params_for_channel(&p, "pddx", 4), g);
	assert_ptr_equal(ox_params_for_channel(&p, NULL, 0), g);
	assert_int_equal(p.fraud_address.weight, 5);

	/* a copy owns its own channel table */
	struct ox_params q;
	ox_params_copy(&q, &p);
	assert_ptr_not_equal(q.channels, p.channels);
	assert_params_equal(&q, &p);
	ox_params_release(&q);

	ox_params_release(&p);
	assert_null(p.channels);
	assert_int_equal(p.n_channels, 0);
}

static void test_carriers(void **state)
{
	(void)state;
	struct ox_params p;
	load_ok(&p, "logistics:\n"
		    "  stall_window: 72h\n"
		    "  carriers: { sf: 48h, ems: 96h }\n"
		    "channels: { jd: { logistics: { stall_window: 24h } } }\n");
	const struct ox_order_params *jd = ox_params_for_channel(&p, "jd", 2);
	assert_int_equal(ox_params_stall_window(&p, &p.order, "sf", 2), 48 * HOUR);
	assert_int_equal(ox_params_stall_window(&p, &p.order, "ems", 3), 96 * HOUR);
	assert_int_equal(ox_params_stall_window(&p, &p.order, "zto", 3), 72 * HOUR);
	assert_int_equal(ox_params_stall_window(&p, &p.order, NULL, 0), 72 * HOUR);
	assert_int_equal(ox_params_stall_window(&p, &p.order, "sfx", 2), 48 * HOUR);
	assert_int_equal(ox_params_stall_window(&p, &p.order, "s", 1), 72 * HOUR);
	/* a carrier's own window wins over the channel's default */
	assert_int_equal(ox_params_stall_window(&p, jd, "sf", 2), 48 * HOUR);
	assert_int_equal(ox_params_stall_window(&p, jd, "zto", 3), 24 * HOUR);
	ox_params_release(&p);
}

/* Loading on top of a loaded set: named values change, the rest stay. */
static void test_layering(void **state)
{
	(void)state;
	struct ox_params p, before;
	char err[256];
	load_ok(&p, "logistics: { carriers: { sf: 48h } }\n"
		    "channels: { pdd: { fraud: { threshold: 50 } } }\n");
	assert_int_equal(load(&p, "logistics: { carriers: { sf: 1h, ems: 2h } }\n"
				  "channels: { jd: {}, pdd: { payment: { retry_window: 1m } } }\n",
			      err, sizeof(err)),
			 0);
	assert_int_equal(p.n_carriers, 2);
	assert_int_equal(ox_params_stall_window(&p, &p.order, "sf", 2), HOUR);
	assert_int_equal(p.n_channels, 2);
	/* a channel named again starts over from the globals */
	assert_int_equal(ox_params_for_channel(&p, "pdd", 3)->fraud_threshold, 60);
	assert_int_equal(ox_params_for_channel(&p, "pdd", 3)->pay_retry_window, MIN);

	/* an error leaves p exactly as it was */
	ox_params_copy(&before, &p);
	assert_int_equal(load(&p, "payment: { retry_window: 1m }\nfraud: { threshold: 0 }\n", err,
			      sizeof(err)),
			 -1);
	assert_params_equal(&p, &before);
	ox_params_release(&before);
	ox_params_release(&p);
}

static void test_example_is_default(void **state)
{
	(void)state;
	struct ox_params p, def;
	char err[256] = "";
	ox_params_init(&p);
	ox_params_init(&def);
	int rc = ox_config_load("docs/ordex.example.yaml", &p, err, sizeof(err));
	if (rc != 0)
		fail_msg("%s", err);
	assert_params_equal(&p, &def);
}

/* The first yaml block of docs/config.md loads as it says. */
static void test_doc_example(void **state)
{
	(void)state;
	static const char fence[] = "```yaml\n";
	char buf[1 << 16], err[256] = "";
	FILE *f = fopen("docs/config.md", "r");
	assert_non_null(f);
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *y = strstr(buf, fence), *end = y ? strstr(y + strlen(fence), "```") : NULL;
	assert_non_null(end);
	y += strlen(fence);

	struct ox_params p;
	ox_params_init(&p);
	if (ox_config_load_string("docs/config.md", y, (size_t)(end - y), &p, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(ox_params_for_channel(&p, "pdd", 3)->pay_reconcile_window, 60 * MIN);
	assert_int_equal(ox_params_for_channel(&p, "pdd", 3)->fraud_threshold, 50);
	assert_int_equal(ox_params_stall_window(&p, &p.order, "ems", 3), 96 * HOUR);
	assert_int_equal(p.remark_keywords.n, 2);
	ox_params_release(&p);
}

static void test_file(void **state)
{
	(void)state;
	char path[] = "/tmp/ordex-test-config-XXXXXX";
	char err[256];
	struct ox_params p;
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	assert_non_null(f);
	fputs("sync:\n  window: 3m\n  required: wms\n", f);
	fclose(f);

	ox_params_init(&p);
	assert_int_equal(ox_config_load(path, &p, err, sizeof(err)), -1);
	char want[512];
	snprintf(want, sizeof(want), "%s:3: 'sync.required' must be a list of names such as [a, b]",
		 path);
	assert_string_equal(err, want);
	assert_int_equal(p.order.sync_window, 10 * MIN);

	/* too large to read */
	f = fopen(path, "w");
	assert_non_null(f);
	for (size_t i = 0; i <= OX_CONFIG_FILE_MAX / 16; i++)
		fputs("# padding......\n", f);
	fclose(f);
	assert_int_equal(ox_config_load(path, &p, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: larger than %d bytes", path, OX_CONFIG_FILE_MAX);
	assert_string_equal(err, want);
	unlink(path);

	assert_int_equal(ox_config_load("/nonexistent/ordex.yaml", &p, err, sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/ordex.yaml: No such file or directory");

	/* a short err buffer truncates and stays terminated */
	char small[8];
	assert_int_equal(load(&p, "x: 1\n", small, sizeof(small)), -1);
	assert_string_equal(small, "t.yaml:");
}

/* A YAML list of n names, each width bytes long. */
static char *names_yaml(const char *head, size_t n, size_t width)
{
	size_t cap = strlen(head) + n * (width + 8) + 8;
	char *s = malloc(cap), *e = s;
	assert_non_null(s);
	e += sprintf(e, "%s[", head);
	for (size_t i = 0; i < n; i++)
		e += sprintf(e, "%s%0*zu", i ? ", " : "", (int)width, i);
	strcpy(e, "]\n");
	return s;
}

static void test_limits(void **state)
{
	(void)state;
	struct ox_params p;
	char err[256];

	char *y = names_yaml("customer:\n  remark_keywords: ", OX_LIST_MAX, OX_NAME_MAX - 1);
	load_ok(&p, y);
	assert_int_equal(p.remark_keywords.n, OX_LIST_MAX);
	assert_int_equal(strlen(p.remark_keywords.names[OX_LIST_MAX - 1]), OX_NAME_MAX - 1);
	free(y);

	y = names_yaml("customer:\n  remark_keywords: ", OX_LIST_MAX + 1, 3);
	ox_params_init(&p);
	assert_int_equal(load(&p, y, err, sizeof(err)), -1);
	assert_string_equal(err, "t.yaml:2: 'customer.remark_keywords' has more than 64 entries");
	free(y);

	y = names_yaml("sync:\n  required: ", 1, OX_NAME_MAX);
	assert_int_equal(load(&p, y, err, sizeof(err)), -1);
	assert_string_equal(err, "t.yaml:2: a name in 'sync.required' is longer than 63 bytes");
	free(y);

	/* 64 carriers and channels are fine, the 65th is not */
	for (int pass = 0; pass < 2; pass++) {
		const char *head = pass ? "channels:\n" : "logistics:\n  carriers:\n";
		char *s = malloc(8192), *e = s;
		assert_non_null(s);
		e += sprintf(e, "%s", head);
		for (int i = 0; i < OX_LIST_MAX; i++)
			e += sprintf(e, pass ? "  c%d: {}\n" : "    c%d: 1h\n", i);
		load_ok(&p, s);
		assert_int_equal(pass ? p.n_channels : p.n_carriers, OX_LIST_MAX);
		ox_params_release(&p);
		sprintf(e, pass ? "  c%d: {}\n" : "    c%d: 1h\n", OX_LIST_MAX);
		assert_int_equal(load(&p, s, err, sizeof(err)), -1);
		assert_string_equal(err, pass ? "t.yaml:66: 'channels' has more than 64 entries"
					      : "t.yaml:67: 'logistics.carriers' has more than "
						"64 entries");
		assert_null(p.channels);
		free(s);
	}
}

#define DURATION "must be a duration such as 90s, 15m, 72h, 2d or 1h30m"
#define TEAM "must be a team name of letters, digits, '_', '-' and '.'"
#define NAMES "must be a list of names such as [a, b]"

static const struct {
	const char *yaml;
	const char *err;
} errors[] = {
	/* unknown keys, with and without a suggestion */
	{ "paymnt:\n  retry_window: 1m\n",
	  "t.yaml:1: unknown key 'paymnt' (did you mean 'payment'?)" },
	{ "payment:\n  retry_windw: 1m\n",
	  "t.yaml:2: unknown key 'payment.retry_windw' (did you mean 'payment.retry_window'?)" },
	{ "fraud:\n  address: { min_customer: 3 }\n",
	  "t.yaml:2: unknown key 'fraud.address.min_customer' (did you mean "
	  "'fraud.address.min_customers'?)" },
	{ "payment:\n  foo: 1\n", "t.yaml:2: unknown key 'payment.foo'" },
	{ "rules:\n  PAY_FAILED: { enable: true }\n",
	  "t.yaml:2: unknown key 'rules.PAY_FAILED.enable' (did you mean "
	  "'rules.PAY_FAILED.enabled'?)" },
	{ "rules:\n  PAY_DUPLICAT: { severity: P1 }\n",
	  "t.yaml:2: unknown rule 'rules.PAY_DUPLICAT' (did you mean 'rules.PAY_DUPLICATE'?)" },
	{ "rules:\n  NOPE: {}\n", "t.yaml:2: unknown rule 'rules.NOPE'" },
	/* wrong types */
	{ "payment:\n  retry_window: fast\n",
	  "t.yaml:2: 'payment.retry_window' " DURATION },
	{ "payment:\n  retry_window: [1m]\n",
	  "t.yaml:2: 'payment.retry_window' " DURATION },
	{ "fraud:\n  threshold: \"60\"\n", "t.yaml:2: 'fraud.threshold' must be an integer" },
	{ "fraud:\n  threshold: 6.5\n", "t.yaml:2: 'fraud.threshold' must be an integer" },
	{ "fraud:\n  max_qty: 99999999999999999999\n",
	  "t.yaml:2: 'fraud.max_qty' must be an integer" },
	{ "inventory: { drift_pct: { a: 1 } }\n",
	  "t.yaml:1: 'inventory.drift_pct' must be a percentage such as 80 or 80%" },
	{ "rules: { PAY_FAILED: { severity: [P1] } }\n",
	  "t.yaml:1: 'rules.PAY_FAILED.severity' must be one of P1, P2, P3, P4" },
	{ "rules: { PAY_FAILED: { team: { a: b } } }\n", "t.yaml:1: 'rules.PAY_FAILED.team' " TEAM },
	{ "inventory: { drift_pct: ten }\n",
	  "t.yaml:1: 'inventory.drift_pct' must be a percentage such as 80 or 80%" },
	{ "sync:\n  required: [wms, [erp]]\n",
	  "t.yaml:2: 'sync.required' " NAMES },
	{ "sync:\n  required:\n", "t.yaml:2: 'sync.required' " NAMES },
	{ "rules:\n  PAY_FAILED:\n    severity: P5\n",
	  "t.yaml:3: 'rules.PAY_FAILED.severity' must be one of P1, P2, P3, P4" },
	{ "rules:\n  PAY_FAILED:\n    severity: 1\n",
	  "t.yaml:3: 'rules.PAY_FAILED.severity' must be one of P1, P2, P3, P4" },
	{ "rules:\n  PAY_FAILED:\n    enabled: yes\n",
	  "t.yaml:3: 'rules.PAY_FAILED.enabled' must be true or false" },
	{ "rules:\n  PAY_FAILED:\n    enabled: \"true\"\n",
	  "t.yaml:3: 'rules.PAY_FAILED.enabled' must be true or false" },
	{ "rules:\n  PAY_FAILED:\n    team: pay ments\n",
	  "t.yaml:3: 'rules.PAY_FAILED.team' " TEAM },
	{ "rules:\n  PAY_FAILED:\n    team: \"\"\n",
	  "t.yaml:3: 'rules.PAY_FAILED.team' " TEAM },
	{ "rules:\n  PAY_FAILED:\n    team: "
	  "a234567890123456789012345678901234567890123456789012345678901234\n",
	  "t.yaml:3: 'rules.PAY_FAILED.team' is longer than 63 bytes" },
	{ "payment: 5m\n", "t.yaml:1: 'payment' must be a mapping" },
	{ "fraud:\n  address: [1h]\n", "t.yaml:2: 'fraud.address' must be a mapping" },
	{ "rules:\n  PAY_FAILED: true\n", "t.yaml:2: 'rules.PAY_FAILED' must be a mapping" },
	{ "logistics:\n  carriers: [sf]\n", "t.yaml:2: 'logistics.carriers' must be a mapping" },
	{ "logistics:\n  carriers:\n    sf: soon\n",
	  "t.yaml:3: 'logistics.carriers.sf' " DURATION },
	{ "logistics:\n  carriers:\n    sf: 0h\n",
	  "t.yaml:3: 'logistics.carriers.sf' must be greater than 0" },
	{ "logistics:\n  carriers:\n    \" \": 1h\n",
	  "t.yaml:3: empty name in 'logistics.carriers'" },
	{ "- payment\n- fraud\n", "t.yaml:1: the top level must be a mapping" },
	{ "# comment\n\nhello\n", "t.yaml:3: the top level must be a mapping" },
	{ "? [a, b]\n: 1\n", "t.yaml:1: keys must be scalars" },
	/* out of range */
	{ "sync: { window: 0s }\n", "t.yaml:1: 'sync.window' must be greater than 0" },
	{ "sync:\n  window: 3651d\n", "t.yaml:2: 'sync.window' must be at most 3650 days" },
	{ "fraud:\n  phone: { min_customers: 0 }\n",
	  "t.yaml:2: 'fraud.phone.min_customers' must be >= 1" },
	{ "fraud:\n  coupon:\n    weight: -1\n", "t.yaml:3: 'fraud.coupon.weight' must be >= 0" },
	{ "fraud:\n  coupon:\n    weight: 1001\n",
	  "t.yaml:3: 'fraud.coupon.weight' must be <= 1000" },
	{ "fraud:\n  threshold: 0\n", "t.yaml:2: 'fraud.threshold' must be >= 1" },
	{ "fraud:\n  max_qty: 0\n", "t.yaml:2: 'fraud.max_qty' must be >= 1" },
	{ "incident:\n  burst_count: 0\n", "t.yaml:2: 'incident.burst_count' must be >= 1" },
	{ "incident:\n  burst_count: 3000000000\n",
	  "t.yaml:2: 'incident.burst_count' must be <= 2147483647" },
	{ "incident:\n  rate_min_success_pct: 101\n",
	  "t.yaml:2: 'incident.rate_min_success_pct' must be <= 100" },
	{ "inventory:\n  drift_pct: -1%\n", "t.yaml:2: 'inventory.drift_pct' must be >= 0" },
	{ "inventory:\n  drift_abs: -1\n", "t.yaml:2: 'inventory.drift_abs' must be >= 0" },
	/* duplicates */
	{ "payment:\n  retry_window: 1m\n  retry_window: 2m\n",
	  "t.yaml:3: duplicate key 'payment.retry_window' (first at line 2)" },
	{ "sync: {}\nfraud: {}\nsync: {}\n", "t.yaml:3: duplicate key 'sync' (first at line 1)" },
	{ "channels:\n  pdd: {}\n  jd: {}\n  pdd: {}\n",
	  "t.yaml:4: duplicate key 'channels.pdd' (first at line 2)" },
	{ "sync:\n  required:\n    - wms\n    - erp\n    - wms\n",
	  "t.yaml:5: 'sync.required' lists 'wms' twice" },
	{ "customer: { remark_keywords: [a, \"\"] }\n",
	  "t.yaml:1: empty name in 'customer.remark_keywords'" },
	{ "customer: { remark_keywords: [\"a\\tb\"] }\n",
	  "t.yaml:1: a name in 'customer.remark_keywords' contains a control character" },
	/* per channel */
	{ "channels:\n  pdd:\n    inventory: { drift_abs: 1 }\n",
	  "t.yaml:3: 'channels.pdd.inventory' cannot be set per channel" },
	{ "channels:\n  pdd:\n    fraud:\n      threshold: 50\n      address: { weight: 1 }\n",
	  "t.yaml:5: 'channels.pdd.fraud.address' cannot be set per channel" },
	{ "channels:\n  pdd:\n    logistics: { carriers: { sf: 1h } }\n",
	  "t.yaml:3: 'channels.pdd.logistics.carriers' cannot be set per channel" },
	{ "channels:\n  pdd:\n    rules: {}\n",
	  "t.yaml:3: 'channels.pdd.rules' cannot be set per channel" },
	{ "channels:\n  pdd:\n    channels: {}\n",
	  "t.yaml:3: 'channels.pdd.channels' cannot be set per channel" },
	{ "channels:\n  pdd:\n    paymnt: {}\n",
	  "t.yaml:3: unknown key 'channels.pdd.paymnt' (did you mean 'channels.pdd.payment'?)" },
	{ "channels:\n  pdd:\n    payment: { retry_window: -5m }\n",
	  "t.yaml:3: 'channels.pdd.payment.retry_window' " DURATION },
	{ "channels:\n  pdd: 1\n", "t.yaml:2: 'channels.pdd' must be a mapping" },
	{ "channels: [pdd]\n", "t.yaml:1: 'channels' must be a mapping" },
	/* YAML itself */
	{ "payment: {retry_window: 1m\nfraud: {}\n",
	  "t.yaml:2: did not find expected ',' or '}' (while parsing a flow mapping at line 1)" },
	{ "payment:\n  retry_window: 1m\n bad: 1\n",
	  "t.yaml:3: did not find expected key (while parsing a block mapping at line 1)" },
	{ "payment:\n\tretry_window: 1m\n",
	  "t.yaml:2: found character that cannot start any token (while scanning for the next "
	  "token at line 2)" },
	{ "payment:\n  retry_window: \xff\n",
	  "t.yaml:2: invalid leading UTF-8 octet" },
	{ "payment: {}\n---\nfraud: {}\n", "t.yaml:3: only one YAML document is allowed" },
};

static void test_errors(void **state)
{
	(void)state;
	struct ox_params def;
	ox_params_init(&def);
	for (size_t i = 0; i < OX_ARRAY_LEN(errors); i++) {
		struct ox_params p;
		char err[256] = "";
		ox_params_init(&p);
		int rc = load(&p, errors[i].yaml, err, sizeof(err));
		if (rc != -1 || strcmp(err, errors[i].err) != 0)
			fail_msg("case %zu: rc %d\n  got:  %s\n  want: %s", i, rc, err,
				 errors[i].err);
		assert_params_equal(&p, &def);
	}
}

/* Bug: a message quoted an unknown key as it was, so a quoted
 * key holding "\n" made it several lines, and a long key was cut at 191
 * bytes, in the middle of a character. Found by fuzz/fuzz_config.c (seeds
 * fuzz/corpus/config/15-*, 16-*). */
static void test_error_key_quoting(void **state)
{
	(void)state;
	static const struct {
		const char *yaml;
		const char *err;
	} cases[] = {
		{ "\"a\\nb\\r\\0c\": 1\n", "t.yaml:1: unknown key 'a?b??c'" },
		{ "payment:\n  \"retry\\twindow\": 1m\n",
		  "t.yaml:2: unknown key 'payment.retry?window' (did you mean "
		  "'payment.retry_window'?)" },
		{ "sync: {}\n? |\n  x\n  y\n: 1\n", "t.yaml:2: unknown key 'x?y?'" },
		{ "rules:\n  \"PAY\\nFAILED\": {}\n",
		  "t.yaml:2: unknown rule 'rules.PAY?FAILED' (did you mean 'rules.PAY_FAILED'?)" },
	};
	struct ox_params def;
	ox_params_init(&def);
	for (size_t i = 0; i < OX_ARRAY_LEN(cases); i++) {
		struct ox_params p;
		char err[256] = "";
		ox_params_init(&p);
		int rc = load(&p, cases[i].yaml, err, sizeof(err));
		if (rc != -1 || strcmp(err, cases[i].err) != 0)
			fail_msg("case %zu: rc %d\n  got:  %s\n  want: %s", i, rc, err, cases[i].err);
		assert_params_equal(&p, &def);
	}

	/* Long keys of 3-byte characters: cut after the last whole one that
	 * fits the 191 bytes of the path. */
	for (int nested = 0; nested < 2; nested++) {
		char yaml[1024], want[512], err[512];
		struct ox_params p;
		const char *head = nested ? "payment:\n  " : "";
		size_t keep = nested ? 61 : 63; /* (191 - strlen("payment.")) / 3, 191 / 3 */
		size_t n = (size_t)snprintf(yaml, sizeof yaml, "%s", head);
		for (int k = 0; k < 100; k++)
			n += (size_t)snprintf(yaml + n, sizeof yaml - n, "键");
		snprintf(yaml + n, sizeof yaml - n, ": 1\n");
		n = (size_t)snprintf(want, sizeof want, "t.yaml:%d: unknown key '%s", 1 + nested,
				     nested ? "payment." : "");
		for (size_t k = 0; k < keep; k++)
			n += (size_t)snprintf(want + n, sizeof want - n, "键");
		snprintf(want + n, sizeof want - n, "'");
		ox_params_init(&p);
		assert_int_equal(load(&p, yaml, err, sizeof(err)), -1);
		assert_string_equal(err, want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),   cmocka_unit_test(test_empty),
		cmocka_unit_test(test_all_directives), cmocka_unit_test(test_channels),
		cmocka_unit_test(test_carriers),   cmocka_unit_test(test_layering),
		cmocka_unit_test(test_example_is_default), cmocka_unit_test(test_doc_example),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_limits),	   cmocka_unit_test(test_errors),
		cmocka_unit_test(test_error_key_quoting),
	};
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}

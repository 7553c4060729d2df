/* test_call.c - calls on the merchant's systems: the signed request (fixed
 * vectors), the actions: config section and its errors, params per kind,
 * outcomes, and the desk ops of a call (request, run, outcome, approval,
 * automation) with their records replayed into a fresh desk. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "call.h"
#include "desk.h"
#include "engine.h"
#include "event.h"
#include "webhook.h"

/* ---- the request ---- */

static const char *header(const struct ox_wh_request *r, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < r->n_headers; i++)
		if (strncmp(r->headers[i], name, n) == 0 && r->headers[i][n] == ':')
			return r->headers[i] + n + 2;
	return NULL;
}

static void test_signed_request(void **state)
{
	(void)state;
	char url[] = "https://oms.example.com/ordex/refund", secret[] = "s3cret";
	struct ox_call_endpoint ep = { .url = url, .secret = secret };
	const char *body = "{\"call_id\":\"C00000001-1\"}";
	struct ox_wh_request r;
	ox_wh_request_init(&r);
	assert_int_equal(ox_call_request(&ep, "C00000001-1", body, strlen(body), 1762826400123, &r), 0);
	assert_string_equal(r.url.data, ep.url);
	assert_memory_equal(r.body.data, body, strlen(body));
	assert_string_equal(header(&r, "Idempotency-Key"), "C00000001-1");
	assert_string_equal(header(&r, "X-Ordex-Timestamp"), "1762826400");
	/* HMAC-SHA256("s3cret", "1762826400." + body), as any merchant computes it */
	assert_string_equal(header(&r, "X-Ordex-Signature"),
			    "sha256=6c4d0387f44f1210f8b2e2bcac16ebd1c96e66e43b06d474fb4ba9222401c6bb");
	/* without a secret: no signature, the key all the same */
	ep.secret = NULL;
	assert_int_equal(ox_call_request(&ep, "C00000001-1", body, strlen(body), 1762826400123, &r), 0);
	assert_null(header(&r, "X-Ordex-Signature"));
	assert_string_equal(header(&r, "Idempotency-Key"), "C00000001-1");
	/* a call id that cannot be a header */
	assert_int_equal(ox_call_request(&ep, "C1\r\nX: y", body, strlen(body), 0, &r), -1);
	ox_wh_request_release(&r);
}

static void test_body(void **state)
{
	(void)state;
	char params[] = "{\"amount\":\"9.90\"}";
	struct ox_call c = { .kind = OX_PB_A_REFUND, .actor = "li.na", .params = params };
	snprintf(c.id, sizeof c.id, "C00000042-2");
	struct ox_call_subject s = { "C00000042", "PAY_DUPLICATE", "TB1\"x" };
	struct ox_buf b;
	ox_buf_init(&b, SIZE_MAX);
	ox_call_body(&c, &s, &b);
	assert_string_equal(b.data, "{\"call_id\":\"C00000042-2\",\"kind\":\"refund\",\"case_id\":\"C00000042\","
				    "\"rule\":\"PAY_DUPLICATE\",\"order_id\":\"TB1\\\"x\",\"requested_by\":\"li.na\","
				    "\"automatic\":false,\"params\":{\"amount\":\"9.90\"}}");
	ox_buf_release(&b);
}

/* ---- the config ---- */

static struct ox_call_config *load_ok(const char *yaml)
{
	struct ox_call_config *c;
	char err[512];
	if (ox_call_config_parse("t.yaml", yaml, strlen(yaml), &c, err, sizeof err))
		fail_msg("%s", err);
	return c;
}

static void load_err(const char *yaml, const char *want)
{
	struct ox_call_config *c = (void *)1;
	char err[512];
	assert_int_equal(ox_call_config_parse("t.yaml", yaml, strlen(yaml), &c, err, sizeof err), -1);
	assert_null(c);
	if (!strstr(err, want))
		fail_msg("error \"%s\" lacks \"%s\"", err, want);
}

static void test_config(void **state)
{
	(void)state;
	struct ox_call_config *c = load_ok("rules: {}\n");
	assert_true(c->auto_enabled);
	assert_false(c->dry_run);
	assert_int_equal(c->rate_limit, 30);
	assert_null(ox_call_endpoint(c, OX_PB_A_REFUND));
	ox_call_config_free(c);

	setenv("OX_TEST_CALL_SECRET", "from-the-env", 1);
	c = load_ok("actions:\n"
		    "  dry_run: true\n"
		    "  auto: false\n"
		    "  rate_limit: 5\n"
		    "  defaults: { timeout: 3s, retries: 4, backoff_initial: 100ms, backoff_max: 2s }\n"
		    "  endpoints:\n"
		    "    refund: { url: https://oms.example.com/refund, secret: abc, retries: 0 }\n"
		    "    mark_paid: { url: http://10.0.0.1:8080/paid, secret_env: OX_TEST_CALL_SECRET }\n");
	assert_true(c->dry_run);
	assert_false(c->auto_enabled);
	assert_int_equal(c->rate_limit, 5);
	const struct ox_call_endpoint *r = ox_call_endpoint(c, OX_PB_A_REFUND), *m = ox_call_endpoint(c, OX_PB_A_MARK_PAID);
	assert_string_equal(r->url, "https://oms.example.com/refund");
	assert_string_equal(r->secret, "abc");
	assert_int_equal(r->retries, 0);            /* its own */
	assert_int_equal(r->timeout, 3000);         /* the defaults' */
	assert_int_equal(r->backoff_max, 2000);
	assert_string_equal(m->secret, "from-the-env");
	assert_int_equal(m->retries, 4);
	assert_null(ox_call_endpoint(c, OX_PB_A_RESHIP));
	ox_call_config_free(c);

	load_err("actions:\n  endpoints:\n    refnd: { url: http://x }\n",
		 "t.yaml:3: unknown action 'actions.endpoints.refnd' (did you mean 'actions.endpoints.refund'?)");
	load_err("actions:\n  endpoints:\n    refund: { secret: x }\n", "t.yaml:3: 'actions.endpoints.refund.url' is required");
	load_err("actions:\n  endpoints:\n    refund: { url: ftp://x/y }\n", "t.yaml:3: 'actions.endpoints.refund.url' must be an http");
	load_err("actions:\n  endpoints:\n    refund: { url: http://x, secret: a, secret_env: B }\n",
		 "give secret or secret_env, not both");
	load_err("actions:\n  endpoints:\n    refund: { url: http://x, secret_env: OX_TEST_NOT_SET_ANYWHERE }\n",
		 "t.yaml:3: 'actions.endpoints.refund.secret_env': environment variable 'OX_TEST_NOT_SET_ANYWHERE' is not set");
	load_err("actions:\n  endpoints:\n    refund: { url: http://x, retries: 99 }\n", "must be <= 20");
	load_err("actions:\n  defaults: { backoff_initial: 1m, backoff_max: 1s }\n", "must be at least backoff_initial");
	load_err("actions:\n  dryrun: true\n", "t.yaml:2: unknown key 'actions.dryrun' (did you mean 'actions.dry_run'?)");
	load_err("actions:\n  rate_limit: -1\n", "t.yaml:2:");
	load_err("actions: [1]\n", "'actions' must be a mapping");
}

/* The commented actions: example at the end of docs/ordex.example.yaml
 * loads once uncommented. */
static void test_example(void **state)
{
	(void)state;
	FILE *f = fopen("docs/ordex.example.yaml", "rb");
	assert_non_null(f);
	static char buf[1 << 17];
	size_t len = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[len] = '\0';
	char *at = strstr(buf, "\n# actions:");
	assert_non_null(at);
	struct ox_buf y;
	ox_buf_init(&y, SIZE_MAX);
	for (char *line = at + 1; *line;) {
		char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl + 1 - line) : strlen(line);
		if (strncmp(line, "# ", 2) == 0)
			ox_buf_add(&y, line + 2, n - 2);
		line += n;
	}
	setenv("ORDEX_OMS_SECRET", "oms-secret", 1);
	setenv("ORDEX_CRM_SECRET", "crm-secret", 1);
	struct ox_call_config *c = load_ok(y.data);
	assert_int_equal(c->progress_reminder, 4 * 3600 * 1000);
	assert_string_equal(ox_call_endpoint(c, OX_PB_A_REFUND)->secret, "oms-secret");
	assert_int_equal(ox_call_endpoint(c, OX_PB_A_REFUND)->retries, 5);
	assert_non_null(ox_call_endpoint(c, OX_PB_A_SEND_MESSAGE));
	ox_call_config_free(c);
	ox_buf_release(&y);
}

/* ---- params and outcomes ---- */

static void test_params(void **state)
{
	(void)state;
	ox_money amount;
	char why[200];
#define OK(k, json) assert_int_equal(ox_call_params_check(k, json, strlen(json), &amount, why, sizeof why), 0)
#define BAD(k, json, msg)                                                                          \
	do {                                                                                       \
		assert_int_equal(ox_call_params_check(k, json, strlen(json), &amount, why, sizeof why), -1); \
		if (!strstr(why, msg))                                                             \
			fail_msg("\"%s\" lacks \"%s\"", why, msg);                                 \
	} while (0)
	OK(OX_PB_A_REFUND, "{\"amount\":\"12.50\",\"reason\":\"duplicate\"}");
	assert_int_equal(amount, 1250);
	OK(OX_PB_A_PARTIAL_REFUND, "{\"amount\":3}");
	assert_int_equal(amount, 300);
	OK(OX_PB_A_RESHIP, "{}");
	assert_int_equal(amount, -1);
	OK(OX_PB_A_UPDATE_ADDRESS, "{\"phone\":\"13812345678\"}");
	OK(OX_PB_A_ADD_POINTS, "{\"points\":200}");
	BAD(OX_PB_A_REFUND, "{}", "params.amount: required for refund");
	BAD(OX_PB_A_REFUND, "{\"amount\":\"0\"}", "params.amount");
	BAD(OX_PB_A_REFUND, "{\"amount\":\"abc\"}", "params.amount");
	BAD(OX_PB_A_UPDATE_ADDRESS, "{}", "params.address: required for update_address (or params.phone)");
	BAD(OX_PB_A_SEND_MESSAGE, "{\"text\":1}", "params.text");
	BAD(OX_PB_A_SEND_MESSAGE, "{\"text\":\"\"}", "params.text");
	BAD(OX_PB_A_ADD_POINTS, "{\"points\":-5}", "params.points");
	BAD(OX_PB_A_RESHIP, "[1]", "expected a JSON object");
	BAD(OX_PB_A_RESHIP, "{\"a\":", "not JSON");
	BAD(OX_PB_A_RESHIP, "{\"a\":[[[[1]]]]}", "not JSON"); /* too deep */
#undef OK
#undef BAD
}

static void test_outcome(void **state)
{
	(void)state;
	struct ox_buf b;
	ox_buf_init(&b, SIZE_MAX);
	const char *ans = "{\"status\":\"succeeded\",\"paid_at\":\"x\"}";
	ox_call_outcome(true, 200, 2, NULL, ans, strlen(ans), &b);
	assert_string_equal(b.data, "{\"status\":\"succeeded\",\"http_status\":200,\"attempts\":2,\"error\":null,"
				    "\"excerpt\":\"{\\\"status\\\":\\\"succeeded\\\",\\\"paid_at\\\":\\\"x\\\"}\","
				    "\"result\":{\"status\":\"succeeded\",\"paid_at\":\"x\"}}");
	bool ok = false;
	char status[32];
	assert_int_equal(ox_call_outcome_read(b.data, b.len, &ok, "status", status, sizeof status), 0);
	assert_true(ok);
	assert_string_equal(status, "succeeded");
	/* no answer, invalid UTF-8 in an error page, not JSON: no result */
	ox_buf_reset(&b);
	ox_call_outcome(false, 0, 3, "no answer within 300 ms", NULL, 0, &b);
	assert_non_null(strstr(b.data, "\"http_status\":null,\"attempts\":3,\"error\":\"no answer within 300 ms\",\"excerpt\":\"\",\"result\":null"));
	ox_buf_reset(&b);
	ox_call_outcome(false, 502, 1, "HTTP 502", "bad \xff gateway", 13, &b);
	assert_non_null(strstr(b.data, "\"excerpt\":\"bad \xef\xbf\xbd gateway\",\"result\":null"));
	assert_int_equal(ox_call_outcome_read(b.data, b.len, &ok, "status", status, sizeof status), 0);
	assert_false(ok);
	assert_string_equal(status, "");
	assert_int_equal(ox_call_outcome_read("[]", 2, &ok, "status", status, sizeof status), -1);
	ox_buf_release(&b);
	assert_int_equal(ox_call_verdict(201), OX_CALL_DONE);
	assert_int_equal(ox_call_verdict(0), OX_CALL_RETRY);
	assert_int_equal(ox_call_verdict(503), OX_CALL_RETRY);
	assert_int_equal(ox_call_verdict(429), OX_CALL_RETRY);
	assert_int_equal(ox_call_verdict(404), OX_CALL_REFUSED);
}

static void test_mask(void **state)
{
	(void)state;
	const char *in = "[{\"id\":\"C00000001-1\",\"amount\":null,\"automatic\":false,\"n\":-1.5e3,"
			 "\"params\":{\"phone\":\"13812345678\",\"name\":\"张三\",\"address\":\"文三路100号\","
			 "\"to\":{\"detail\":\"文三路100号\",\"city\":\"杭州市\"},\"text\":\"张三您好,138 1234 5678\","
			 "\"list\":[\"13912345678\",true]}}]";
	struct ox_buf b;
	ox_buf_init(&b, SIZE_MAX);
	assert_int_equal(ox_call_json_mask(in, strlen(in), &b), 0);
	ox_buf_add(&b, "", 0);
	assert_string_equal(b.data, "[{\"id\":\"C00000001-1\",\"amount\":null,\"automatic\":false,\"n\":-1.5e3,"
				    "\"params\":{\"phone\":\"138****5678\",\"name\":\"张*\",\"address\":\"****\","
				    "\"to\":{\"detail\":\"****\",\"city\":\"杭州市\"},\"text\":\"张三您好,138 **** 5678\","
				    "\"list\":[\"139****5678\",true]}}]");
	ox_buf_reset(&b);
	assert_int_equal(ox_call_json_mask("[", 1, &b), -1);
	assert_int_equal(b.len, 0);
	ox_buf_release(&b);
}

/* ---- the desk ops ---- */

struct world {
	struct ox_params p;
	struct ox_blacklist *bl;
	struct ox_engine *e;
	struct ox_decoder *d;
	struct ox_desk *desk;
	struct ox_call_config *cfg;
};

static const char *const CONFIG = "actions:\n  rate_limit: 1\n  endpoints:\n"
				  "    query_payment: { url: http://m/q }\n    mark_paid: { url: http://m/p }\n"
				  "    refund: { url: http://m/r }\n    reship: { url: http://m/s }\n";

static void world_start(struct world *w, const char *yaml)
{
	memset(w, 0, sizeof *w);
	ox_params_init(&w->p);
	w->bl = ox_blacklist_new();
	struct ox_limits lim = ox_limits_default();
	w->d = ox_decoder_new(&lim);
	w->cfg = load_ok(yaml);
	w->e = ox_engine_new(&w->p, w->bl);
	w->desk = ox_desk_new(&(struct ox_desk_opts){ .engine = w->e, .params = &w->p, .calls = w->cfg });
	ox_engine_set_listener(w->e, ox_desk_listener(w->desk));
}

static void world_stop(struct world *w)
{
	ox_desk_free(w->desk);
	ox_engine_free(w->e);
	ox_decoder_free(w->d);
	ox_blacklist_free(w->bl);
	ox_call_config_free(w->cfg);
	ox_params_release(&w->p);
}

static void feed(struct world *w, const char *line)
{
	struct ox_event ev;
	char err[OX_ERR_BUFSZ];
	if (ox_decode(w->d, line, strlen(line), &ev, err))
		fail_msg("%s\n  %s", err, line);
	ox_engine_apply(w->e, &ev);
}

/* The stream: an order paid at 10:01 whose status never follows (the
 * status window is 5 minutes): the case opens at 10:06, the tick moves the
 * clock half a minute past it. */
static const char *const STREAM[] = {
	"{\"id\":\"e1\",\"type\":\"order.created\",\"ts\":\"2026-11-11T10:00:00+08:00\",\"order_id\":\"S1\","
	"\"channel\":\"tmall\",\"customer\":{\"id\":\"c1\",\"phone\":\"13812345678\",\"address\":{\"province\":\"浙江省\","
	"\"city\":\"杭州市\",\"district\":\"西湖区\",\"detail\":\"文三路100号\"}},\"items\":[{\"sku\":\"S\",\"qty\":1,"
	"\"price\":\"99.00\"}],\"total\":\"99.00\"}",
	"{\"id\":\"e2\",\"type\":\"payment.succeeded\",\"ts\":\"2026-11-11T10:01:00+08:00\",\"order_id\":\"S1\","
	"\"payment_id\":\"P1\",\"amount\":\"99.00\",\"method\":\"alipay\"}",
	"{\"id\":\"e3\",\"type\":\"tick\",\"ts\":\"2026-11-11T10:06:30+08:00\"}",
};

static struct ox_case *case_of(struct world *w, enum ox_rule r)
{
	for (size_t i = 0; i < ox_engine_case_count(w->e); i++)
		if (ox_engine_case(w->e, i)->rule == r)
			return ox_engine_case_by_id(w->e, ox_engine_case(w->e, i)->id);
	return NULL;
}

/* Apply a and keep its record as the writer would log it. */
static int apply_logged(struct world *w, struct ox_desk_action *a, const struct ox_desk_scope *scope,
			struct ox_buf *log, char err[256])
{
	a->at = ox_engine_clock(w->e);
	int rc = ox_desk_apply(w->desk, a, scope, a->at, err);
	if (!rc && !a->dry) {
		if (a->op == OX_DESK_CALL)
			snprintf(a->call_id, sizeof a->call_id, "%s", ox_desk_last_call(w->desk, NULL, NULL));
		ox_desk_action_write(a, log);
		ox_buf_addz(log, "\n");
	}
	return rc;
}

static struct ox_desk_action update(const char *case_id, const char *call_id, enum ox_call_state st,
				    const char *outcome)
{
	struct ox_desk_action a = { .op = OX_DESK_CALL_UPDATE, .kind = -1, .state = (int)st };
	snprintf(a.case_id, sizeof a.case_id, "%s", case_id);
	snprintf(a.call_id, sizeof a.call_id, "%s", call_id);
	snprintf(a.actor, sizeof a.actor, "ordex");
	if (outcome)
		snprintf(a.outcome, sizeof a.outcome, "%s", outcome);
	return a;
}

static void case_json(struct world *w, const char *id, struct ox_buf *out)
{
	ox_buf_reset(out);
	ox_case_to_json(ox_engine_case_by_id(w->e, id), NULL, out);
}

static void test_auto_and_replay(void **state)
{
	(void)state;
	struct world w, r;
	struct ox_buf log, a_json, b_json;
	ox_buf_init(&log, SIZE_MAX);
	ox_buf_init(&a_json, SIZE_MAX);
	ox_buf_init(&b_json, SIZE_MAX);
	char err[256];
	world_start(&w, CONFIG);
	for (size_t i = 0; i < OX_ARRAY_LEN(STREAM); i++)
		feed(&w, STREAM[i]);
	struct ox_case *c = case_of(&w, OX_R_PAY_STATUS_STALE);
	assert_non_null(c);
	/* the automation asked for query_payment when the case opened */
	assert_int_equal(c->n_calls, 1);
	assert_int_equal(c->calls[0].kind, OX_PB_A_QUERY_PAYMENT);
	assert_int_equal(c->calls[0].state, OX_CALL_REQUESTED);
	assert_true(c->calls[0].automatic);
	assert_string_equal(c->calls[0].params, "{\"payment_id\":\"P1\"}");
	size_t n;
	const struct ox_call_ready *ready = ox_desk_calls(w.desk, &n);
	assert_int_equal(n, 1);
	assert_string_equal(ready[0].id, c->calls[0].id);
	assert_non_null(strstr(ready[0].body, "\"kind\":\"query_payment\""));
	ox_desk_clear_calls(w.desk);
	char id[24];
	snprintf(id, sizeof id, "%s", c->id);

	/* the executor: running, then the gateway says paid -> mark_paid */
	struct ox_desk_action a = update(id, c->calls[0].id, OX_CALL_RUNNING, NULL);
	assert_int_equal(apply_logged(&w, &a, NULL, &log, err), 0);
	assert_int_equal(c->calls[0].state, OX_CALL_RUNNING);
	char q1[OX_CALL_ID_MAX];
	snprintf(q1, sizeof q1, "%s", c->calls[0].id);
	a = update(id, q1, OX_CALL_SUCCEEDED, "{\"status\":\"succeeded\",\"http_status\":200,\"attempts\":1,"
						"\"error\":null,\"excerpt\":\"\",\"result\":{\"status\":\"succeeded\"}}");
	assert_int_equal(apply_logged(&w, &a, NULL, &log, err), 0);
	c = ox_engine_case_by_id(w.e, id);
	/* the rate limit is 1 a minute: mark_paid at the same minute is left to a person */
	assert_int_equal(c->n_calls, 1);
	assert_int_equal(c->timeline[c->n_timeline - 1].action, OX_ACT_AUTO);
	assert_non_null(strstr(c->timeline[c->n_timeline - 1].note, "rate limit of 1"));

	/* a person asks for reship; a second report of the query changes nothing */
	struct ox_desk_action p = { .op = OX_DESK_CALL, .kind = OX_PB_A_RESHIP, .state = -1 };
	snprintf(p.case_id, sizeof p.case_id, "%s", id);
	snprintf(p.actor, sizeof p.actor, "li.na");
	snprintf(p.params, sizeof p.params, "{\"items\":[\"S\"]}");
	struct ox_desk_scope any = { .any_team = true, .assign_others = true };
	assert_int_equal(apply_logged(&w, &p, &any, &log, err), 0);
	assert_string_equal(p.call_id, "C00000001-2");
	assert_int_equal(apply_logged(&w, &a, NULL, &log, err), 0);
	/* a dry run changes nothing */
	p.dry = true;
	assert_int_equal(apply_logged(&w, &p, &any, &log, err), 0);
	assert_string_equal(ox_desk_last_call(w.desk, NULL, NULL), "C00000001-3");
	c = ox_engine_case_by_id(w.e, id);
	assert_int_equal(c->n_calls, 2);
	/* refused: an unconfigured kind, bad params, approving what never waited */
	p.dry = false;
	p.kind = OX_PB_A_CANCEL_ORDER;
	assert_int_equal(ox_desk_apply(w.desk, &p, &any, 0, err), OX_DESK_ECONFLICT);
	assert_non_null(strstr(err, "actions.endpoints.cancel_order"));
	p.kind = OX_PB_A_REFUND;
	snprintf(p.params, sizeof p.params, "{}");
	assert_int_equal(ox_desk_apply(w.desk, &p, &any, 0, err), OX_DESK_EINVAL);
	struct ox_desk_action ap = { .op = OX_DESK_APPROVE, .kind = -1, .state = -1 };
	snprintf(ap.case_id, sizeof ap.case_id, "%s", id);
	snprintf(ap.call_id, sizeof ap.call_id, "%.23s-2", id);
	assert_int_equal(ox_desk_apply(w.desk, &ap, &any, 0, err), OX_DESK_ECONFLICT);
	struct ox_desk_scope agent = { .any_team = true };
	assert_int_equal(ox_desk_apply(w.desk, &ap, &agent, 0, err), OX_DESK_EDENIED);
	/* the kill switch */
	struct ox_desk_action off = { .op = OX_DESK_AUTO, .kind = -1, .state = -1, .enabled = false };
	snprintf(off.actor, sizeof off.actor, "admin");
	assert_int_equal(apply_logged(&w, &off, NULL, &log, err), 0);
	assert_false(ox_desk_auto_enabled(w.desk));

	/* replay the records into a fresh world: the same case, byte for byte */
	world_start(&r, CONFIG);
	for (size_t i = 0; i < OX_ARRAY_LEN(STREAM); i++)
		feed(&r, STREAM[i]);
	const char *line = log.data;
	while (line && *line) {
		const char *nl = strchr(line, '\n');
		struct ox_desk_action x;
		assert_int_equal(ox_desk_action_parse(&x, line, (size_t)(nl - line), err), 0);
		assert_int_equal(ox_desk_apply(r.desk, &x, NULL, x.at, err), 0);
		line = nl + 1;
	}
	case_json(&w, id, &a_json);
	case_json(&r, id, &b_json);
	assert_string_equal(a_json.data, b_json.data);
	assert_false(ox_desk_auto_enabled(r.desk));
	assert_non_null(strstr(a_json.data, "\"calls\":[{\"id\":\"C00000001-1\",\"kind\":\"query_payment\","
					    "\"state\":\"succeeded\",\"automatic\":true"));
	world_stop(&r);
	world_stop(&w);
	ox_buf_release(&log);
	ox_buf_release(&a_json);
	ox_buf_release(&b_json);
}

static void test_auto_resolves(void **state)
{
	(void)state;
	struct world w;
	char err[256];
	struct ox_buf log;
	ox_buf_init(&log, SIZE_MAX);
	world_start(&w, "actions:\n  endpoints:\n    query_payment: { url: http://m/q }\n    mark_paid: { url: http://m/p }\n");
	for (size_t i = 0; i < OX_ARRAY_LEN(STREAM); i++)
		feed(&w, STREAM[i]);
	struct ox_case *c = case_of(&w, OX_R_PAY_STATUS_STALE);
	char id[24], q[OX_CALL_ID_MAX];
	snprintf(id, sizeof id, "%s", c->id);
	snprintf(q, sizeof q, "%s", c->calls[0].id);
	struct ox_desk_action a = update(id, q, OX_CALL_SUCCEEDED,
					 "{\"status\":\"succeeded\",\"result\":{\"status\":\"succeeded\"}}");
	assert_int_equal(apply_logged(&w, &a, NULL, &log, err), 0);
	c = ox_engine_case_by_id(w.e, id);
	assert_int_equal(c->n_calls, 2);
	assert_int_equal(c->calls[1].kind, OX_PB_A_MARK_PAID);
	assert_string_equal(c->calls[1].params, "{\"payment_id\":\"P1\",\"amount\":\"99.00\"}");
	/* never the same kind twice automatically, even if the sequence said so */
	char m[OX_CALL_ID_MAX];
	snprintf(m, sizeof m, "%s", c->calls[1].id);
	a = update(id, m, OX_CALL_SUCCEEDED, "{\"status\":\"succeeded\",\"result\":null}");
	assert_int_equal(apply_logged(&w, &a, NULL, &log, err), 0);
	c = ox_engine_case_by_id(w.e, id);
	assert_int_equal(c->status, OX_CASE_RESOLVED);
	assert_string_equal(c->resolution, "status_corrected");
	assert_string_equal(c->root_cause, "system");
	assert_string_equal(c->timeline[c->n_timeline - 1].actor, "ordex:auto");
	world_stop(&w);

	/* the gateway says pending: no mark_paid */
	world_start(&w, "actions:\n  endpoints:\n    query_payment: { url: http://m/q }\n    mark_paid: { url: http://m/p }\n");
	for (size_t i = 0; i < OX_ARRAY_LEN(STREAM); i++)
		feed(&w, STREAM[i]);
	c = case_of(&w, OX_R_PAY_STATUS_STALE);
	a = update(id, q, OX_CALL_SUCCEEDED, "{\"status\":\"succeeded\",\"result\":{\"status\":\"pending\"}}");
	assert_int_equal(ox_desk_apply(w.desk, &a, NULL, 0, err), 0);
	c = ox_engine_case_by_id(w.e, id);
	assert_int_equal(c->n_calls, 1);
	assert_int_equal(c->status, OX_CASE_OPEN);
	/* automation off from the config: nothing asked for at all */
	world_stop(&w);
	world_start(&w, "actions:\n  auto: false\n  endpoints:\n    query_payment: { url: http://m/q }\n");
	for (size_t i = 0; i < OX_ARRAY_LEN(STREAM); i++)
		feed(&w, STREAM[i]);
	c = case_of(&w, OX_R_PAY_STATUS_STALE);
	assert_int_equal(c->n_calls, 0);
	assert_non_null(strstr(c->timeline[c->n_timeline - 1].note, "automation is switched off"));
	world_stop(&w);
	ox_buf_release(&log);
}

static size_t count_action(const struct ox_case *c, enum ox_case_action a)
{
	size_t n = 0;
	for (size_t i = 0; i < c->n_timeline; i++)
		n += c->timeline[i].action == a;
	return n;
}

static void test_progress_reminders(void **state)
{
	(void)state;
	struct world w;
	char err[256];
	world_start(&w, "actions:\n  progress_reminder: 1h\n");
	ox_desk_free(w.desk); /* again, telling the alerting */
	w.desk = ox_desk_new(&(struct ox_desk_opts){ .engine = w.e, .params = &w.p, .calls = w.cfg, .notify = true });
	ox_engine_set_listener(w.e, ox_desk_listener(w.desk));
	for (size_t i = 0; i < OX_ARRAY_LEN(STREAM); i++)
		feed(&w, STREAM[i]);
	struct ox_case *c = case_of(&w, OX_R_PAY_STATUS_STALE);
	char id[24];
	snprintf(id, sizeof id, "%s", c->id);
	ox_time t = ox_engine_clock(w.e);
	/* open: nobody is reminded (the service level's escalation is for that) */
	ox_engine_advance(w.e, t + 3 * OX_MS_HOUR);
	assert_int_equal(count_action(c, OX_ACT_REMINDED), 0);
	t += 3 * OX_MS_HOUR;
	struct ox_desk_action a = { .op = OX_DESK_TRANSITION, .to = OX_CASE_WAITING_CUSTOMER, .kind = -1, .state = -1 };
	snprintf(a.case_id, sizeof a.case_id, "%s", id);
	snprintf(a.actor, sizeof a.actor, "li.na");
	assert_int_equal(ox_desk_apply(w.desk, &a, NULL, t, err), 0);
	size_t n;
	ox_desk_clear_notices(w.desk);
	ox_engine_advance(w.e, t + OX_MS_HOUR - 1);
	assert_int_equal(count_action(c, OX_ACT_REMINDED), 0);
	ox_engine_advance(w.e, t + OX_MS_HOUR);
	assert_int_equal(count_action(c, OX_ACT_REMINDED), 1);
	const struct ox_notice *nt = ox_desk_notices(w.desk, &n);
	size_t reminders = 0; /* escalation repeats of the unanswered case come too */
	for (size_t i = 0; i < n; i++)
		if (nt[i].kind == OX_NOTICE_REMINDER) {
			reminders++;
			assert_string_equal(nt[i].case_id, id);
		}
	assert_int_equal(reminders, 1);
	/* every interval while it waits; a note moves the next one */
	ox_engine_advance(w.e, t + 2 * OX_MS_HOUR);
	assert_int_equal(count_action(c, OX_ACT_REMINDED), 2);
	struct ox_desk_action note = { .op = OX_DESK_NOTE, .kind = -1, .state = -1 };
	snprintf(note.case_id, sizeof note.case_id, "%s", id);
	snprintf(note.actor, sizeof note.actor, "li.na");
	snprintf(note.note, sizeof note.note, "已电话联系客户");
	assert_int_equal(ox_desk_apply(w.desk, &note, NULL, t + 2 * OX_MS_HOUR + 30 * OX_MS_MINUTE, err), 0);
	ox_engine_advance(w.e, t + 3 * OX_MS_HOUR);
	assert_int_equal(count_action(c, OX_ACT_REMINDED), 2);
	ox_engine_advance(w.e, t + 3 * OX_MS_HOUR + 30 * OX_MS_MINUTE);
	assert_int_equal(count_action(c, OX_ACT_REMINDED), 3);
	/* resolved: no more */
	struct ox_desk_action done = a;
	done.to = OX_CASE_RESOLVED;
	assert_int_equal(ox_desk_apply(w.desk, &done, NULL, t + 4 * OX_MS_HOUR, err), 0);
	ox_engine_advance(w.e, t + 10 * OX_MS_HOUR);
	assert_int_equal(count_action(c, OX_ACT_REMINDED), 3);
	world_stop(&w);
}

static void test_record_fields(void **state)
{
	(void)state;
	struct ox_desk_action a;
	char err[256];
	const char *rec = "{\"op\":\"call\",\"case\":\"C00000001\",\"by\":\"li.na\",\"at\":1,\"kind\":\"refund\","
			  "\"params\":{\"amount\":\"1.00\",\"x\":{\"y\":[1,2]}},\"call\":\"C00000001-1\"}";
	assert_int_equal(ox_desk_action_parse(&a, rec, strlen(rec), err), 0);
	assert_int_equal(a.kind, OX_PB_A_REFUND);
	assert_string_equal(a.params, "{\"amount\":\"1.00\",\"x\":{\"y\":[1,2]}}");
	struct ox_buf b;
	ox_buf_init(&b, SIZE_MAX);
	ox_desk_action_write(&a, &b);
	assert_string_equal(b.data, rec);
	ox_buf_release(&b);
	const char *bad[] = {
		"{\"op\":\"call\",\"kind\":\"refnd\"}",
		"{\"op\":\"call\",\"params\":[1]}",
		"{\"op\":\"call_update\",\"state\":\"done\"}",
		"{\"op\":\"call_update\",\"outcome\":\"x\"}",
		"{\"op\":\"auto\",\"enabled\":1}",
		"{\"op\":\"approve\",\"call\":\"C1 2\"}",
	};
	for (size_t i = 0; i < OX_ARRAY_LEN(bad); i++)
		assert_int_equal(ox_desk_action_parse(&a, bad[i], strlen(bad[i]), err), OX_DESK_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signed_request), cmocka_unit_test(test_body),
		cmocka_unit_test(test_config),         cmocka_unit_test(test_params),
		cmocka_unit_test(test_outcome),        cmocka_unit_test(test_auto_and_replay),
		cmocka_unit_test(test_auto_resolves),  cmocka_unit_test(test_record_fields),
		cmocka_unit_test(test_progress_reminders), cmocka_unit_test(test_example),
		cmocka_unit_test(test_mask),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

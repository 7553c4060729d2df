/* test_webhook.c - channel formats, signatures and answers (src/webhook.c):
 * signatures recomputed here with libsodium's primitives and against fixed
 * vectors derived independently (Python's hmac/base64), every body parsed
 * by the strict JSON parser (which also refuses invalid UTF-8), and hostile
 * case text that must neither break a payload nor add markup. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "json.h"
#include "webhook.h"

/* ---- helpers ---------------------------------------------------------------------------------- */

static struct ox_notice notice(const char *idem, const char *case_id, enum ox_rule rule, int sev,
			       enum ox_notice_kind kind, int level, const char *key, const char *zh, const char *en)
{
	struct ox_notice n;
	memset(&n, 0, sizeof n);
	snprintf(n.idem, sizeof n.idem, "%s", idem);
	snprintf(n.case_id, sizeof n.case_id, "%s", case_id);
	n.rule = rule;
	n.severity = sev;
	n.kind = kind;
	n.level = level;
	snprintf(n.team, sizeof n.team, "payments");
	snprintf(n.assignee, sizeof n.assignee, "张三");
	snprintf(n.key, sizeof n.key, "%s", key);
	snprintf(n.summary_zh, sizeof n.summary_zh, "%s", zh);
	snprintf(n.summary_en, sizeof n.summary_en, "%s", en);
	const char *t = "2026-11-11T10:16:00.000+08:00";
	assert_int_equal(ox_time_parse(t, strlen(t), &n.at), 0);
	return n;
}

static struct ox_notice dup_payment(void)
{
	return notice("C00000042/escalated/2/0", "C00000042", OX_R_PAY_DUPLICATE, 1, OX_NOTICE_ESCALATED, 2,
		      "O1001", "2 笔成功支付，共 238.00 元", "2 successful payments, 238.00 in total");
}

/* The string value of member key (dotted path of object members) of the
 * parsed document, decoded, NUL-terminated into out; -1 when absent. */
static int member(const struct ox_json *j, uint32_t obj, const char *key, char *out, size_t outsz)
{
	const struct ox_json_tok *t = j->toks;
	const char *dot = strchr(key, '.');
	size_t kl = dot ? (size_t)(dot - key) : strlen(key);
	if (t[obj].type != OX_JSON_OBJECT)
		return -1;
	for (uint32_t i = obj + 1; i < t[obj].end; i = t[i + 1].end) {
		if (t[i].len != kl || memcmp(t[i].s, key, kl) != 0)
			continue;
		if (dot)
			return member(j, i + 1, dot + 1, out, outsz);
		size_t n = t[i + 1].len < outsz - 1 ? t[i + 1].len : outsz - 1;
		memcpy(out, t[i + 1].s, n);
		out[n] = '\0';
		return (int)t[i + 1].type;
	}
	return -1;
}

/* Render and parse; the body stays in *b for the caller. */
static void render_ok(enum ox_wh_type t, const struct ox_wh_group *g, struct ox_buf *b, struct ox_json *j)
{
	ox_buf_init(b, OX_WH_BODY_MAX);
	assert_int_equal(ox_wh_render(t, g, b), 0);
	ox_json_init(j, 64);
	if (ox_json_parse(j, b->data, b->len) != 0)
		fail_msg("%s body is not JSON (%s at %zu): %s", ox_wh_type_name(t), j->err, j->err_col, b->data);
}

static struct ox_wh_group group_of(const struct ox_notice *n, size_t count, enum ox_wh_lang lang)
{
	return (struct ox_wh_group){ .notices = n,
				     .n = count,
				     .receiver = "ops",
				     .group_key = "rule=PAY_DUPLICATE",
				     .idem = "ox1-0123456789abcdef0123456789abcdef",
				     .console_url = "http://127.0.0.1:8080",
				     .lang = lang };
}

/* ---- signatures --------------------------------------------------------------------------------- */

static void mac_of(const char *key, size_t kl, const char *msg, size_t ml, unsigned char out[32])
{
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)key, kl);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)msg, ml);
	crypto_auth_hmacsha256_final(&st, out);
}

static void test_sign_dingtalk(void **state)
{
	(void)state;
	const char *secret = "SECtest0123456789abcdef";
	char sign[OX_WH_SIGN_BUFSZ];
	/* the fixed vector (Python: quote_plus(b64encode(hmac(secret, "ts\nsecret")))) */
	ox_wh_sign_dingtalk(secret, INT64_C(1700000000000), sign);
	assert_string_equal(sign, "%2FlfnxUUu80FwVTsIlv2F1cMGBb%2BPxEKAwYh%2FbsRxXcc%3D");
	/* and recomputed for other timestamps */
	for (int64_t ts = INT64_C(1600000000000); ts < INT64_C(1600000000000) + 50; ts += 7) {
		char msg[128], b64[64], want[OX_WH_SIGN_BUFSZ] = "";
		int ml = snprintf(msg, sizeof msg, "%" PRId64 "\n%s", ts, secret);
		unsigned char mac[32];
		mac_of(secret, strlen(secret), msg, (size_t)ml, mac);
		sodium_bin2base64(b64, sizeof b64, mac, 32, sodium_base64_VARIANT_ORIGINAL);
		for (char *p = b64; *p; p++) {
			char one[4] = { *p, 0, 0, 0 };
			strcat(want, *p == '+' ? "%2B" : *p == '/' ? "%2F" : *p == '=' ? "%3D" : one);
		}
		ox_wh_sign_dingtalk(secret, ts, sign);
		assert_string_equal(sign, want);
	}
}

static void test_sign_feishu(void **state)
{
	(void)state;
	char sign[OX_WH_SIGN_BUFSZ];
	ox_wh_sign_feishu("feishu-secret", 1700000000, sign);
	assert_string_equal(sign, "OrBzY1Y01Gq+HgJsl+7OfWcMVwc7YocohQm5iiZwjhU=");
	/* key = ts + "\n" + secret, message empty; a long secret too */
	char secret[300];
	memset(secret, 'k', sizeof secret - 1);
	secret[sizeof secret - 1] = '\0';
	char key[400], want[OX_WH_SIGN_BUFSZ];
	int kl = snprintf(key, sizeof key, "%d\n%s", 1712345678, secret);
	unsigned char mac[32];
	mac_of(key, (size_t)kl, "", 0, mac);
	sodium_bin2base64(want, sizeof want, mac, 32, sodium_base64_VARIANT_ORIGINAL);
	ox_wh_sign_feishu(secret, 1712345678, sign);
	assert_string_equal(sign, want);
}

static void test_sign_webhook(void **state)
{
	(void)state;
	const char *body = "{\"hello\":\"世界\"}";
	char sign[OX_WH_SIGN_BUFSZ];
	ox_wh_sign_webhook("wh-secret", 1700000000, body, strlen(body), sign);
	assert_string_equal(sign, "sha256=ba34e9269045c7a80797d2afaaab73441db90511f788e18e10fc9a5a1c644737");
	char msg[128], want[OX_WH_SIGN_BUFSZ] = "sha256=";
	int ml = snprintf(msg, sizeof msg, "%d.%s", 1800000000, body);
	unsigned char mac[32];
	mac_of("wh-secret", 9, msg, (size_t)ml, mac);
	sodium_bin2hex(want + 7, sizeof want - 7, mac, 32);
	ox_wh_sign_webhook("wh-secret", 1800000000, body, strlen(body), sign);
	assert_string_equal(sign, want);
}

/* ---- requests ----------------------------------------------------------------------------------- */

static const char *header(const struct ox_wh_request *r, const char *name)
{
	size_t nl = strlen(name);
	for (size_t i = 0; i < r->n_headers; i++)
		if (strncmp(r->headers[i], name, nl) == 0 && r->headers[i][nl] == ':')
			return r->headers[i] + nl + 2;
	return NULL;
}

static void test_prepare_dingtalk(void **state)
{
	(void)state;
	struct ox_wh_request r;
	ox_wh_request_init(&r);
	struct ox_wh_target t = { OX_WH_DINGTALK, "https://oapi.dingtalk.com/robot/send?access_token=abc",
				  "SECtest0123456789abcdef" };
	const char *body = "{\"msgtype\":\"markdown\"}";
	assert_int_equal(ox_wh_prepare(&t, body, strlen(body), "ox1-k", INT64_C(1700000000000), &r), 0);
	assert_string_equal(r.url.data, "https://oapi.dingtalk.com/robot/send?access_token=abc&timestamp=1700000000000"
					"&sign=%2FlfnxUUu80FwVTsIlv2F1cMGBb%2BPxEKAwYh%2FbsRxXcc%3D");
	assert_string_equal(r.body.data, body);
	assert_string_equal(header(&r, "Idempotency-Key"), "ox1-k");
	/* a URL without a query string gets '?'; no secret, no signature */
	t.url = "http://127.0.0.1:9/robot";
	assert_int_equal(ox_wh_prepare(&t, body, strlen(body), "k", 5000, &r), 0);
	assert_non_null(strstr(r.url.data, "/robot?timestamp=5000&sign="));
	t.secret = NULL;
	assert_int_equal(ox_wh_prepare(&t, body, strlen(body), "k", 5000, &r), 0);
	assert_string_equal(r.url.data, "http://127.0.0.1:9/robot");
	/* a header value cannot carry a line break */
	assert_int_equal(ox_wh_prepare(&t, body, strlen(body), "k\r\nX-Evil: 1", 5000, &r), -1);
	ox_wh_request_release(&r);
}

static void test_prepare_feishu(void **state)
{
	(void)state;
	struct ox_wh_request r;
	ox_wh_request_init(&r);
	struct ox_wh_target t = { OX_WH_FEISHU, "https://open.feishu.cn/open-apis/bot/v2/hook/x", "feishu-secret" };
	const char *body = "{\"msg_type\":\"text\",\"content\":{\"text\":\"hi\"}}";
	assert_int_equal(ox_wh_prepare(&t, body, strlen(body), "k", INT64_C(1700000000999), &r), 0);
	struct ox_json j;
	ox_json_init(&j, 8);
	assert_int_equal(ox_json_parse(&j, r.body.data, r.body.len), 0);
	char v[128];
	assert_int_equal(member(&j, 0, "timestamp", v, sizeof v), OX_JSON_STRING);
	assert_string_equal(v, "1700000000"); /* seconds */
	assert_int_equal(member(&j, 0, "sign", v, sizeof v), OX_JSON_STRING);
	assert_string_equal(v, "OrBzY1Y01Gq+HgJsl+7OfWcMVwc7YocohQm5iiZwjhU=");
	assert_int_equal(member(&j, 0, "content.text", v, sizeof v), OX_JSON_STRING);
	assert_string_equal(v, "hi");
	assert_string_equal(r.url.data, t.url);
	ox_json_release(&j);
	ox_wh_request_release(&r);
}

static void test_prepare_webhook(void **state)
{
	(void)state;
	struct ox_wh_request r;
	ox_wh_request_init(&r);
	struct ox_wh_target t = { OX_WH_WEBHOOK, "http://127.0.0.1:9000/ordex", "wh-secret" };
	const char *body = "{\"hello\":\"世界\"}";
	assert_int_equal(ox_wh_prepare(&t, body, strlen(body), "ox1-abc", INT64_C(1700000000123), &r), 0);
	assert_string_equal(header(&r, "X-Ordex-Timestamp"), "1700000000");
	assert_string_equal(header(&r, "X-Ordex-Signature"),
			    "sha256=ba34e9269045c7a80797d2afaaab73441db90511f788e18e10fc9a5a1c644737");
	assert_string_equal(header(&r, "Idempotency-Key"), "ox1-abc");
	assert_string_equal(header(&r, "Content-Type"), "application/json; charset=utf-8");
	assert_string_equal(r.body.data, body);
	t.secret = "";
	assert_int_equal(ox_wh_prepare(&t, body, strlen(body), "ox1-abc", INT64_C(1700000000123), &r), 0);
	assert_null(header(&r, "X-Ordex-Signature"));
	assert_non_null(header(&r, "X-Ordex-Timestamp"));
	ox_wh_request_release(&r);
}

/* ---- formats ------------------------------------------------------------------------------------ */

static void test_render_every_type(void **state)
{
	(void)state;
	struct ox_notice n = dup_payment();
	struct ox_wh_group g = group_of(&n, 1, OX_WH_ZH);
	struct ox_buf b;
	struct ox_json j;
	char v[4096];

	render_ok(OX_WH_DINGTALK, &g, &b, &j);
	assert_int_equal(member(&j, 0, "msgtype", v, sizeof v), OX_JSON_STRING);
	assert_string_equal(v, "markdown");
	assert_int_equal(member(&j, 0, "markdown.title", v, sizeof v), OX_JSON_STRING);
	assert_string_equal(v, "【P1 支付】重复支付 PAY_DUPLICATE · 升级至二级（组长）");
	assert_int_equal(member(&j, 0, "markdown.text", v, sizeof v), OX_JSON_STRING);
	assert_non_null(strstr(v, "【P1 支付】重复支付 PAY\\_DUPLICATE"));
	assert_non_null(strstr(v, "**订单 O1001**：2 笔成功支付，共 238.00 元"));
	assert_non_null(strstr(v, "处理组 payments · 负责人 张三 · 2026-11-11 10:16:00"));
	assert_non_null(strstr(v, "[查看案件 C00000042](http://127.0.0.1:8080/cases/C00000042)"));
	ox_json_release(&j);
	ox_buf_release(&b);

	render_ok(OX_WH_WECOM, &g, &b, &j);
	assert_int_equal(member(&j, 0, "msgtype", v, sizeof v), OX_JSON_STRING);
	assert_string_equal(v, "markdown");
	assert_int_equal(member(&j, 0, "markdown.content", v, sizeof v), OX_JSON_STRING);
	assert_non_null(strstr(v, "升级至二级（组长）"));
	ox_json_release(&j);
	ox_buf_release(&b);

	render_ok(OX_WH_FEISHU, &g, &b, &j);
	assert_int_equal(member(&j, 0, "msg_type", v, sizeof v), OX_JSON_STRING);
	assert_string_equal(v, "interactive");
	assert_int_equal(member(&j, 0, "card.header.template", v, sizeof v), OX_JSON_STRING);
	assert_string_equal(v, "red");
	assert_int_equal(member(&j, 0, "card.header.title.content", v, sizeof v), OX_JSON_STRING);
	assert_string_equal(v, "【P1 支付】重复支付 PAY_DUPLICATE · 升级至二级（组长）");
	assert_non_null(strstr(b.data, "\"url\":\"http://127.0.0.1:8080/cases/C00000042\""));
	ox_json_release(&j);
	ox_buf_release(&b);

	g.feishu_text = true;
	render_ok(OX_WH_FEISHU, &g, &b, &j);
	assert_int_equal(member(&j, 0, "msg_type", v, sizeof v), OX_JSON_STRING);
	assert_string_equal(v, "text");
	assert_int_equal(member(&j, 0, "content.text", v, sizeof v), OX_JSON_STRING);
	assert_non_null(strstr(v, "【P1 支付】重复支付 PAY_DUPLICATE 订单 O1001：2 笔成功支付，共 238.00 元 · 升级至二级（组长）"));
	ox_json_release(&j);
	ox_buf_release(&b);
	g.feishu_text = false;

	render_ok(OX_WH_SLACK, &g, &b, &j);
	assert_int_equal(member(&j, 0, "text", v, sizeof v), OX_JSON_STRING);
	assert_string_equal(v, "【P1 支付】重复支付 PAY_DUPLICATE · 升级至二级（组长）");
	assert_non_null(strstr(b.data, "\"blocks\":[{\"type\":\"header\""));
	assert_non_null(strstr(b.data, "<http://127.0.0.1:8080/cases/C00000042|查看案件 C00000042>"));
	ox_json_release(&j);
	ox_buf_release(&b);

	render_ok(OX_WH_WEBHOOK, &g, &b, &j);
	static const struct {
		const char *key, *want;
	} fields[] = {
		{ "kind", "escalated" },
		{ "case_id", "C00000042" },
		{ "rule", "PAY_DUPLICATE" },
		{ "category", "payment" },
		{ "severity", "P1" },
		{ "team", "payments" },
		{ "assignee", "张三" },
		{ "key", "O1001" },
		{ "summary_zh", "2 笔成功支付，共 238.00 元" },
		{ "summary_en", "2 successful payments, 238.00 in total" },
		{ "at", "2026-11-11T10:16:00.000+08:00" },
		{ "console_url", "http://127.0.0.1:8080/cases/C00000042" },
		{ "idempotency_key", "ox1-0123456789abcdef0123456789abcdef" },
		{ "receiver", "ops" },
		{ "group_key", "rule=PAY_DUPLICATE" },
		{ "idem", "C00000042/escalated/2/0" },
	};
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		assert_int_equal(member(&j, 0, fields[i].key, v, sizeof v), OX_JSON_STRING);
		assert_string_equal(v, fields[i].want);
	}
	assert_int_equal(member(&j, 0, "level", v, sizeof v), OX_JSON_NUMBER);
	assert_string_equal(v, "2");
	assert_int_equal(member(&j, 0, "count", v, sizeof v), OX_JSON_NUMBER);
	assert_string_equal(v, "1");
	assert_int_equal(member(&j, 0, "notices", v, sizeof v), OX_JSON_ARRAY);
	ox_json_release(&j);
	ox_buf_release(&b);
}

static void test_render_english(void **state)
{
	(void)state;
	struct ox_notice n = dup_payment();
	n.kind = OX_NOTICE_SLA_BREACHED;
	n.assignee[0] = '\0';
	struct ox_wh_group g = group_of(&n, 1, OX_WH_EN);
	g.console_url = NULL;
	struct ox_buf b;
	struct ox_json j;
	char v[4096];
	render_ok(OX_WH_FEISHU, &g, &b, &j);
	assert_int_equal(member(&j, 0, "card.header.title.content", v, sizeof v), OX_JSON_STRING);
	assert_string_equal(v, "[P1 payment] duplicate payment PAY_DUPLICATE · SLA breached");
	assert_null(strstr(b.data, "\"extra\"")); /* no console: no button */
	ox_json_release(&j);
	ox_buf_release(&b);
	render_ok(OX_WH_DINGTALK, &g, &b, &j);
	assert_int_equal(member(&j, 0, "markdown.text", v, sizeof v), OX_JSON_STRING);
	assert_non_null(strstr(v, "**order O1001**: 2 successful payments, 238.00 in total"));
	assert_non_null(strstr(v, "#### \\[P1 payment\\] duplicate payment PAY\\_DUPLICATE · SLA breached\n"));
	assert_non_null(strstr(v, "\n> team payments · 2026-11-11 10:16:00"));
	assert_null(strstr(v, "assignee"));
	assert_null(strstr(v, "http"));
	ox_json_release(&j);
	ox_buf_release(&b);
	render_ok(OX_WH_WEBHOOK, &g, &b, &j);
	assert_int_equal(member(&j, 0, "assignee", v, sizeof v), OX_JSON_NULL);
	assert_int_equal(member(&j, 0, "console_url", v, sizeof v), OX_JSON_NULL);
	ox_json_release(&j);
	ox_buf_release(&b);
}

/* ---- hostile text -------------------------------------------------------------------------------- */

static const char hostile[] = "bad:\xff\xfe cut:\xe4\xb8 end \"quoted\" \\back\\slash\n# Heading\r\n> quote "
			      "**bold** `code` [click](http://evil.example/) <at user_id=\"all\">所有人</at> "
			      "<!channel> <@U123> & \x01\x1f\x7f _it_ ~s~ ![img](x) |a|b|";

/* No byte of raw hostile markup survives in the decoded chat text. */
static void no_markup(const char *v, bool markdown)
{
	assert_null(strstr(v, "<at"));
	assert_null(strstr(v, "<!channel>"));
	assert_null(strstr(v, "<@U123>"));
	assert_null(strstr(v, "\n# Heading"));
	assert_null(strstr(v, "\n> quote"));
	assert_null(strchr(v, '\x01'));
	assert_null(strchr(v, '\x7f'));
	assert_null(strchr(v, '\r'));
	if (markdown) {
		assert_null(strstr(v, " **bold**"));
		assert_null(strstr(v, " [click](http"));
		assert_non_null(strstr(v, "\\[click\\](http://evil.example/)")); /* text, not a link */
		assert_non_null(strstr(v, "\\*\\*bold\\*\\*"));
		assert_non_null(strstr(v, "\\`code\\`"));
		assert_non_null(strstr(v, "\\\\back\\\\slash"));
	}
	assert_non_null(strstr(v, "bad:\xEF\xBF\xBD\xEF\xBF\xBD cut:\xEF\xBF\xBD\xEF\xBF\xBD end"));
}

static void test_hostile_text(void **state)
{
	(void)state;
	struct ox_notice n[3];
	for (int i = 0; i < 3; i++) {
		n[i] = notice("C1/opened/1/0", "C00000001", OX_R_CUS_REMARK_ATTENTION, 4, OX_NOTICE_OPENED, 1,
			      "O\"1*[x](y)", hostile, hostile);
		snprintf(n[i].assignee, sizeof n[i].assignee, "<at user_id=\"all\">\n*x*");
	}
	for (size_t count = 1; count <= 3; count += 2) {
		struct ox_wh_group g = group_of(n, count, OX_WH_ZH);
		struct ox_buf b;
		struct ox_json j;
		char v[16384];
		render_ok(OX_WH_DINGTALK, &g, &b, &j);
		assert_int_equal(member(&j, 0, "markdown.text", v, sizeof v), OX_JSON_STRING);
		no_markup(v, true);
		assert_non_null(strstr(v, "O\"1\\*\\[x\\](y)"));
		ox_json_release(&j);
		ox_buf_release(&b);

		render_ok(OX_WH_WECOM, &g, &b, &j);
		assert_int_equal(member(&j, 0, "markdown.content", v, sizeof v), OX_JSON_STRING);
		no_markup(v, true);
		ox_json_release(&j);
		ox_buf_release(&b);

		g.feishu_text = true;
		render_ok(OX_WH_FEISHU, &g, &b, &j);
		assert_int_equal(member(&j, 0, "content.text", v, sizeof v), OX_JSON_STRING);
		no_markup(v, false);
		assert_non_null(strstr(v, "＜at user_id=\"all\"＞"));
		ox_json_release(&j);
		ox_buf_release(&b);
		g.feishu_text = false;

		render_ok(OX_WH_FEISHU, &g, &b, &j);
		assert_null(strstr(b.data, "<at"));
		ox_json_release(&j);
		ox_buf_release(&b);

		render_ok(OX_WH_SLACK, &g, &b, &j);
		assert_null(strstr(b.data, "<!channel>"));
		assert_null(strstr(b.data, "<at"));
		assert_int_equal(member(&j, 0, "text", v, sizeof v), OX_JSON_STRING);
		ox_json_release(&j);
		ox_buf_release(&b);

		/* the generic webhook keeps the text as it was, only valid */
		render_ok(OX_WH_WEBHOOK, &g, &b, &j);
		assert_int_equal(member(&j, 0, "summary_zh", v, sizeof v), OX_JSON_STRING);
		assert_non_null(strstr(v, "\"quoted\" \\back\\slash\n# Heading\r\n"));
		assert_non_null(strstr(v, "bad:\xEF\xBF\xBD\xEF\xBF\xBD cut:\xEF\xBF\xBD\xEF\xBF\xBD end"));
		ox_json_release(&j);
		ox_buf_release(&b);
	}
}

/* A field that fills its array with no NUL is read within its size. */
static void test_unterminated_fields(void **state)
{
	(void)state;
	struct ox_notice n = dup_payment();
	memset(n.summary_zh, 'x', sizeof n.summary_zh);
	memset(n.key, 'k', sizeof n.key);
	memset(n.team, 't', sizeof n.team);
	struct ox_wh_group g = group_of(&n, 1, OX_WH_ZH);
	for (int t = 0; t < OX_WH__NTYPES; t++) {
		struct ox_buf b;
		struct ox_json j;
		render_ok((enum ox_wh_type)t, &g, &b, &j);
		ox_json_release(&j);
		ox_buf_release(&b);
	}
}

/* ---- groups ----------------------------------------------------------------------------------- */

static void test_group_listing(void **state)
{
	(void)state;
	struct ox_notice *n = calloc(OX_WH_GROUP_MAX, sizeof *n);
	char long_text[500];
	memset(long_text, 0, sizeof long_text);
	for (size_t i = 0; i + 3 < sizeof long_text - 1; i += 3)
		memcpy(long_text + i, "长", 3);
	for (int i = 0; i < OX_WH_GROUP_MAX; i++) {
		char idem[32], id[16], key[16];
		snprintf(idem, sizeof idem, "C%d/opened/1/0", i);
		snprintf(id, sizeof id, "C%08d", i);
		snprintf(key, sizeof key, "O%d", i);
		n[i] = notice(idem, id, OX_R_PAY_FAILED, i == 7 ? 2 : 3, OX_NOTICE_OPENED, 1, key, long_text, "long");
	}
	struct ox_wh_group g = group_of(n, OX_WH_GROUP_MAX, OX_WH_ZH);
	struct ox_buf b;
	struct ox_json j;
	char *v = malloc(64 * 1024);

	render_ok(OX_WH_WECOM, &g, &b, &j);
	assert_int_equal(member(&j, 0, "markdown.content", v, 64 * 1024), OX_JSON_STRING);
	assert_true(strlen(v) <= 4096); /* WeCom's limit */
	assert_non_null(strstr(v, "#### 【P2】ordex 预警：100 条通知（rule=PAY\\_DUPLICATE）"));
	assert_non_null(strstr(v, "条未列出"));
	ox_json_release(&j);
	ox_buf_release(&b);

	render_ok(OX_WH_FEISHU, &g, &b, &j);
	assert_int_equal(member(&j, 0, "card.header.template", v, 64 * 1024), OX_JSON_STRING);
	assert_string_equal(v, "orange"); /* the highest severity: P2 */
	assert_non_null(strstr(b.data, "另有 80 条未列出"));
	ox_json_release(&j);
	ox_buf_release(&b);

	render_ok(OX_WH_SLACK, &g, &b, &j);
	uint32_t blocks = 0;
	for (uint32_t i = 1; i < j.n; i = j.toks[i + 1].end)
		if (j.toks[i].len == 6 && memcmp(j.toks[i].s, "blocks", 6) == 0)
			blocks = j.toks[i + 1].size;
	assert_true(blocks > 20 && blocks <= 50); /* Slack's limit */
	ox_json_release(&j);
	ox_buf_release(&b);

	render_ok(OX_WH_WEBHOOK, &g, &b, &j);
	assert_int_equal(member(&j, 0, "count", v, 64 * 1024), OX_JSON_NUMBER);
	assert_string_equal(v, "100");
	for (uint32_t i = 1; i < j.n; i = j.toks[i + 1].end)
		if (j.toks[i].len == 7 && memcmp(j.toks[i].s, "notices", 7) == 0)
			assert_int_equal(j.toks[i + 1].size, 100);
	ox_json_release(&j);
	ox_buf_release(&b);

	/* a body that does not fit the buffer's maximum leaves it as it was */
	ox_buf_init(&b, 1000);
	ox_buf_addz(&b, "keep");
	assert_int_equal(ox_wh_render(OX_WH_WEBHOOK, &g, &b), -1);
	assert_string_equal(b.data, "keep");
	ox_buf_release(&b);
	g.n = 0;
	ox_buf_init(&b, OX_WH_BODY_MAX);
	assert_int_equal(ox_wh_render(OX_WH_SLACK, &g, &b), -1);
	ox_buf_release(&b);
	free(v);
	free(n);
}

static void test_case_link(void **state)
{
	(void)state;
	struct ox_buf b;
	ox_buf_init(&b, 1024);
	ox_wh_case_link(&b, "https://ops.example/ordex(x)", "C 1/é");
	ox_buf_add(&b, "", 0);
	assert_string_equal(b.data, "https://ops.example/ordex%28x%29/cases/C%201%2F%C3%A9");
	ox_buf_reset(&b);
	ox_wh_case_link(&b, NULL, "C1");
	assert_int_equal(b.len, 0);
	ox_buf_release(&b);
}

/* ---- answers ----------------------------------------------------------------------------------- */

static void test_verdicts(void **state)
{
	(void)state;
	char why[256];
#define V(t, status, body) ox_wh_verdict(t, status, body, strlen(body), why, sizeof why)
	assert_int_equal(V(OX_WH_DINGTALK, 200, "{\"errcode\":0,\"errmsg\":\"ok\"}"), OX_WH_DELIVERED);
	assert_int_equal(V(OX_WH_DINGTALK, 200, "{\"errcode\":310000,\"errmsg\":\"keywords not in content\"}"),
			 OX_WH_RETRY);
	assert_string_equal(why, "errcode 310000: keywords not in content");
	assert_int_equal(V(OX_WH_WECOM, 200, "{\"errcode\":93000,\"errmsg\":\"invalid webhook url\"}"), OX_WH_RETRY);
	assert_int_equal(V(OX_WH_WECOM, 200, "{\"errcode\":0,\"errmsg\":\"ok\"}"), OX_WH_DELIVERED);
	assert_int_equal(V(OX_WH_FEISHU, 200, "{\"code\":19021,\"msg\":\"sign match fail\",\"data\":{}}"),
			 OX_WH_RETRY);
	assert_string_equal(why, "code 19021: sign match fail");
	assert_int_equal(V(OX_WH_FEISHU, 200, "{\"code\":0,\"msg\":\"success\",\"data\":{}}"), OX_WH_DELIVERED);
	assert_int_equal(V(OX_WH_FEISHU, 200, "{\"StatusCode\":0,\"StatusMessage\":\"success\"}"), OX_WH_DELIVERED);
	assert_int_equal(V(OX_WH_FEISHU, 200, "{\"StatusCode\":9499,\"StatusMessage\":\"Bad Request\"}"), OX_WH_RETRY);
	assert_int_equal(V(OX_WH_DINGTALK, 200, "not json"), OX_WH_DELIVERED);
	assert_int_equal(V(OX_WH_SLACK, 200, "ok"), OX_WH_DELIVERED);
	assert_int_equal(V(OX_WH_WEBHOOK, 204, ""), OX_WH_DELIVERED);
	assert_int_equal(V(OX_WH_WEBHOOK, 400, "bad\nthing"), OX_WH_REJECTED);
	assert_string_equal(why, "HTTP 400: bad thing");
	assert_int_equal(V(OX_WH_SLACK, 404, "no_service"), OX_WH_REJECTED);
	assert_int_equal(V(OX_WH_WEBHOOK, 408, ""), OX_WH_RETRY);
	assert_int_equal(V(OX_WH_WEBHOOK, 429, ""), OX_WH_RETRY);
	assert_int_equal(V(OX_WH_WEBHOOK, 500, "oops"), OX_WH_RETRY);
	assert_int_equal(V(OX_WH_WEBHOOK, 503, ""), OX_WH_RETRY);
	assert_int_equal(V(OX_WH_WEBHOOK, 301, ""), OX_WH_RETRY);
	/* the reason stays one short line of valid UTF-8 */
	char big[4000];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	big[10] = '\xff';
	assert_int_equal(ox_wh_verdict(OX_WH_WEBHOOK, 500, big, strlen(big), why, 64), OX_WH_RETRY);
	assert_true(strlen(why) < 64);
	struct ox_buf c;
	ox_buf_init(&c, 1024);
	ox_wh_utf8_clean(&c, why, strlen(why));
	assert_int_equal(c.len, strlen(why)); /* already valid */
	ox_buf_release(&c);
#undef V
}

static void test_type_names(void **state)
{
	(void)state;
	for (int t = 0; t < OX_WH__NTYPES; t++) {
		const char *z = ox_wh_type_name((enum ox_wh_type)t);
		assert_int_equal(ox_wh_type_by_name(z, strlen(z)), t);
	}
	assert_int_equal(ox_wh_type_by_name("email", 5), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sign_dingtalk),	    cmocka_unit_test(test_sign_feishu),
		cmocka_unit_test(test_sign_webhook),	    cmocka_unit_test(test_prepare_dingtalk),
		cmocka_unit_test(test_prepare_feishu),	    cmocka_unit_test(test_prepare_webhook),
		cmocka_unit_test(test_render_every_type),   cmocka_unit_test(test_render_english),
		cmocka_unit_test(test_hostile_text),	    cmocka_unit_test(test_unterminated_fields),
		cmocka_unit_test(test_group_listing),	    cmocka_unit_test(test_case_link),
		cmocka_unit_test(test_verdicts),	    cmocka_unit_test(test_type_names),
	};
	return cmocka_run_group_tests_name("webhook", tests, NULL, NULL);
}

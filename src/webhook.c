/* webhook.c - channel formats, signatures and answers (see webhook.h and
 * docs/alerts.md).
 *
 * Every piece of text that comes from a notice goes through put_text() with
 * the flavour of the place it lands in: raw (a JSON field of the generic
 * webhook: only made valid UTF-8), plain (chat text shown as typed: control
 * characters become spaces, '<' and '>' full-width so that no mention tag
 * such as Feishu's <at user_id="all"> or WeCom's <@user> is formed), markdown
 * (plain, and the characters that make emphasis, code, links and tables are
 * backslash-escaped) and Slack mrkdwn (plain, with &, <, > as entities, which
 * is how Slack wants them). The result is then JSON-escaped into the body.
 */
#include "webhook.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "json.h"
#include "rules.h"

const char *ox_wh_type_name(enum ox_wh_type t)
{
	static const char *const names[] = {
#define X(e, s) [OX_WH_##e] = s,
		OX_WH_TYPES(X)
#undef X
	};
	return (unsigned)t < OX_WH__NTYPES ? names[t] : "?";
}

int ox_wh_type_by_name(const char *s, size_t n)
{
	for (int t = 0; t < OX_WH__NTYPES; t++) {
		const char *z = ox_wh_type_name((enum ox_wh_type)t);
		if (strlen(z) == n && memcmp(z, s, n) == 0)
			return t;
	}
	return -1;
}

/* ---- signatures -------------------------------------------------------------------- */

static void hmac(const void *key, size_t klen, const void *m1, size_t n1, const void *m2, size_t n2,
		 const void *m3, size_t n3, unsigned char mac[crypto_auth_hmacsha256_BYTES])
{
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, key, klen);
	crypto_auth_hmacsha256_update(&st, m1, n1);
	crypto_auth_hmacsha256_update(&st, m2, n2);
	crypto_auth_hmacsha256_update(&st, m3, n3);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_memzero(&st, sizeof st);
}

void ox_wh_sign_dingtalk(const char *secret, int64_t ts_ms, char out[OX_WH_SIGN_BUFSZ])
{
	char ts[24], b64[64];
	int tn = snprintf(ts, sizeof ts, "%" PRId64 "\n", ts_ms);
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	size_t sl = strlen(secret);
	hmac(secret, sl, ts, (size_t)tn, secret, sl, "", 0, mac);
	sodium_bin2base64(b64, sizeof b64, mac, sizeof mac, sodium_base64_VARIANT_ORIGINAL);
	/* urlencode: base64's '+', '/' and '=' are the only bytes that need it */
	size_t o = 0;
	for (const char *p = b64; *p && o + 4 < OX_WH_SIGN_BUFSZ; p++) {
		const char *esc = *p == '+' ? "%2B" : *p == '/' ? "%2F" : *p == '=' ? "%3D" : NULL;
		if (esc) {
			memcpy(out + o, esc, 3);
			o += 3;
		} else {
			out[o++] = *p;
		}
	}
	out[o] = '\0';
}

void ox_wh_sign_feishu(const char *secret, int64_t ts_s, char out[OX_WH_SIGN_BUFSZ])
{
	char key[24];
	int kn = snprintf(key, sizeof key, "%" PRId64 "\n", ts_s);
	size_t sl = strlen(secret);
	/* the key is timestamp + "\n" + secret: assembled in the HMAC state's
	 * key, so no buffer bounds the secret's length */
	unsigned char *k = ox_xmalloc((size_t)kn + sl);
	memcpy(k, key, (size_t)kn);
	memcpy(k + kn, secret, sl);
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	hmac(k, (size_t)kn + sl, "", 0, "", 0, "", 0, mac);
	sodium_memzero(k, (size_t)kn + sl);
	free(k);
	sodium_bin2base64(out, OX_WH_SIGN_BUFSZ, mac, sizeof mac, sodium_base64_VARIANT_ORIGINAL);
}

void ox_wh_sign_webhook(const char *secret, int64_t ts_s, const char *body, size_t len,
			char out[OX_WH_SIGN_BUFSZ])
{
	char ts[24];
	int tn = snprintf(ts, sizeof ts, "%" PRId64 ".", ts_s);
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	hmac(secret, strlen(secret), ts, (size_t)tn, body, len, "", 0, mac);
	memcpy(out, "sha256=", 7);
	sodium_bin2hex(out + 7, OX_WH_SIGN_BUFSZ - 7, mac, sizeof mac);
}

/* ---- text --------------------------------------------------------------------------- */

/* A writer whose first failure (over the buffer's maximum) sticks. */
struct out {
	struct ox_buf *b;
	int err;
};

static void o_add(struct out *o, const char *s, size_t n)
{
	if (!o->err && ox_buf_add(o->b, s, n) < 0)
		o->err = -1;
}

static void o_z(struct out *o, const char *z)
{
	o_add(o, z, strlen(z));
}

__attribute__((format(printf, 2, 3))) static void o_f(struct out *o, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n > 0)
		o_add(o, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* A JSON string literal of valid UTF-8 text. */
static void o_json(struct out *o, const char *s, size_t n)
{
	if (!o->err && ox_buf_add_json_str(o->b, s, n) < 0)
		o->err = -1;
}

static void o_jsonz(struct out *o, const char *z)
{
	o_json(o, z, strlen(z));
}

/* Length of the valid UTF-8 sequence at s (n bytes left) with its code
 * point, or 0 for an invalid one (RFC 3629: no overlongs, no surrogates,
 * nothing above U+10FFFF). */
static size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t v, min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xC2 && c <= 0xDF) {
		len = 2, v = c & 0x1F, min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3, v = c & 0x0F, min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4, v = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return len;
}

static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */

void ox_wh_utf8_clean(struct ox_buf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, run = 0;
	while (i < n) {
		uint32_t cp;
		size_t l = utf8_seq(u + i, n - i, &cp);
		if (l) {
			i += l;
			continue;
		}
		ox_buf_add(b, s + run, i - run);
		ox_buf_add(b, replacement, 3);
		run = ++i;
	}
	ox_buf_add(b, s + run, n - run);
}

enum flavor {
	FL_RAW,   /* valid UTF-8, nothing else changed */
	FL_PLAIN, /* chat text: controls -> space, < > full-width */
	FL_MD,    /* plain + markdown punctuation escaped */
	FL_SLACK, /* plain controls, & < > as entities */
};

/* Append s (n bytes of untrusted text) in flavour f, cut to at most max
 * bytes of cleaned text between characters, with "…" when cut. */
static void put_text(struct out *o, const char *s, size_t n, enum flavor f, size_t max)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t used = 0;
	for (size_t i = 0; i < n && !o->err;) {
		uint32_t cp;
		size_t l = utf8_seq(u + i, n - i, &cp);
		const char *rep = NULL;
		char one[8];
		size_t rl;
		if (!l) {
			rep = replacement, rl = 3, l = 1;
		} else if (f != FL_RAW && (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) ||
					   cp == 0x2028 || cp == 0x2029)) {
			rep = " ", rl = 1;
		} else if (f != FL_RAW && f != FL_SLACK && (cp == '<' || cp == '>')) {
			rep = cp == '<' ? "\xEF\xBC\x9C" : "\xEF\xBC\x9E", rl = 3; /* ＜ ＞ */
		} else if (f == FL_SLACK && (cp == '<' || cp == '>' || cp == '&')) {
			rep = cp == '<' ? "&lt;" : cp == '>' ? "&gt;" : "&amp;";
			rl = strlen(rep);
		} else if (f == FL_MD && cp < 0x80 && cp && strchr("\\`*_~[]|", (int)cp)) {
			one[0] = '\\', one[1] = (char)cp, rep = one, rl = 2;
		} else {
			rep = s + i, rl = l;
		}
		size_t visible = rep == one ? 1 : rl; /* an escape counts as its character */
		if (used + visible > max) {
			o_z(o, "…");
			return;
		}
		o_add(o, rep, rl);
		used += visible;
		i += l;
	}
}

#define FIELD(n, f) (n)->f, strnlen((n)->f, sizeof (n)->f)

/* ---- the words of a notice ---------------------------------------------------------- */

static const struct {
	const char *code, *zh;
} category_zh[] = {
	{ "payment", "支付" },	 { "inventory", "库存" }, { "logistics", "物流" },
	{ "customer", "客服" }, { "system", "系统" },	  { "fraud", "风控" },
	{ "incident", "故障" },
};

static const struct ox_rule_info *rule_of(const struct ox_notice *n)
{
	static const struct ox_rule_info unknown = { "UNKNOWN", "unknown", 4, "", OX_KEY_ORDER, "未知规则",
						     "unknown rule" };
	return (unsigned)n->rule < OX_R__COUNT ? ox_rule_info(n->rule) : &unknown;
}

static const char *category_name(const char *cat, enum ox_wh_lang lang)
{
	if (lang == OX_WH_EN)
		return cat;
	for (size_t i = 0; i < OX_ARRAY_LEN(category_zh); i++)
		if (strcmp(category_zh[i].code, cat) == 0)
			return category_zh[i].zh;
	return cat;
}

static int sev_of(const struct ox_notice *n)
{
	return n->severity >= 1 && n->severity <= 4 ? n->severity : 4;
}

/* "【P1 支付】重复支付 PAY_DUPLICATE" / "[P1 payment] duplicate payment PAY_DUPLICATE";
 * our own words, but in flavour f all the same (a code's '_' in markdown) */
static void put_head(struct out *o, const struct ox_notice *n, enum ox_wh_lang lang, enum flavor f)
{
	const struct ox_rule_info *ri = rule_of(n);
	char head[256];
	if (lang == OX_WH_ZH)
		snprintf(head, sizeof head, "【P%d %s】%s %s", sev_of(n), category_name(ri->category, lang),
			 ri->title_zh, ri->code);
	else
		snprintf(head, sizeof head, "[P%d %s] %s %s", sev_of(n), ri->category, ri->title_en, ri->code);
	put_text(o, head, strlen(head), f, sizeof head);
}

static void put_level(struct out *o, int level, enum ox_wh_lang lang)
{
	static const char *const zh[] = { "一级（处理组）", "二级（组长）", "三级（管理层）" };
	static const char *const en[] = { "level 1 (team)", "level 2 (team lead)", "level 3 (management)" };
	if (level >= 1 && level <= 3)
		o_z(o, lang == OX_WH_ZH ? zh[level - 1] : en[level - 1]);
	else
		o_f(o, lang == OX_WH_ZH ? "%d 级" : "level %d", level);
}

/* "升级至二级（组长）" / "escalated to level 2 (team lead)" */
static void put_kind(struct out *o, const struct ox_notice *n, enum ox_wh_lang lang)
{
	bool zh = lang == OX_WH_ZH;
	switch (n->kind) {
	case OX_NOTICE_OPENED:
		o_z(o, zh ? "新建案件" : "opened");
		break;
	case OX_NOTICE_ESCALATED:
		o_z(o, zh ? "升级至" : "escalated to ");
		put_level(o, n->level, lang);
		break;
	case OX_NOTICE_SLA_BREACHED:
		o_z(o, zh ? "超出 SLA 时限" : "SLA breached");
		break;
	case OX_NOTICE_RESOLVED:
		o_z(o, zh ? "已解决" : "resolved");
		break;
	case OX_NOTICE_REMINDER:
		o_z(o, zh ? "请向客户更新进展" : "update the customer on progress");
		break;
	case OX_NOTICE_APPROVAL:
		o_z(o, zh ? "有调用等待审批" : "a call awaits approval");
		break;
	default:
		o_z(o, "?");
	}
}

/* "订单 O1001" with the key in flavour f */
static void put_key(struct out *o, const struct ox_notice *n, enum ox_wh_lang lang, enum flavor f)
{
	static const char *const zh[] = { [OX_KEY_ORDER] = "订单 ", [OX_KEY_SKU] = "SKU ", [OX_KEY_GROUP] = "分组 " };
	static const char *const en[] = { [OX_KEY_ORDER] = "order ", [OX_KEY_SKU] = "SKU ", [OX_KEY_GROUP] = "group " };
	enum ox_key_kind k = rule_of(n)->key;
	o_z(o, lang == OX_WH_ZH ? zh[k] : en[k]);
	put_text(o, FIELD(n, key), f, 160);
}

static void put_summary(struct out *o, const struct ox_notice *n, enum ox_wh_lang lang, enum flavor f,
			size_t max)
{
	if (lang == OX_WH_ZH)
		put_text(o, FIELD(n, summary_zh), f, max);
	else
		put_text(o, FIELD(n, summary_en), f, max);
}

/* "2026-11-11 10:16:00" in China Standard Time */
static void put_when(struct out *o, ox_time at)
{
	char t[OX_TIME_BUFSZ];
	ox_time_format(at, OX_TZ_CST, t);
	if (strlen(t) >= 19) {
		t[10] = ' ';
		t[19] = '\0';
	}
	o_z(o, t);
}

/* "处理组 payments · 负责人 张三 · 2026-11-11 10:16:00" */
static void put_meta(struct out *o, const struct ox_notice *n, enum ox_wh_lang lang, enum flavor f)
{
	bool zh = lang == OX_WH_ZH;
	if (n->team[0]) {
		o_z(o, zh ? "处理组 " : "team ");
		put_text(o, FIELD(n, team), f, OX_NAME_MAX);
		o_z(o, " · ");
	}
	if (n->assignee[0]) {
		o_z(o, zh ? "负责人 " : "assignee ");
		put_text(o, FIELD(n, assignee), f, OX_NAME_MAX);
		o_z(o, " · ");
	}
	put_when(o, n->at);
}

/* The whole notice on one line: head, key: summary · kind. */
static void put_line(struct out *o, const struct ox_notice *n, enum ox_wh_lang lang, enum flavor f,
		     size_t summary_max)
{
	put_head(o, n, lang, f);
	o_z(o, " ");
	put_key(o, n, lang, f);
	o_z(o, lang == OX_WH_ZH ? "：" : ": ");
	put_summary(o, n, lang, f, summary_max);
	o_z(o, " · ");
	put_kind(o, n, lang);
}

static bool has_console(const struct ox_wh_group *g)
{
	return g->console_url && g->console_url[0];
}

void ox_wh_case_link(struct ox_buf *b, const char *console_url, const char *case_id)
{
	static const char hex[] = "0123456789ABCDEF";
	if (!console_url || !console_url[0])
		return;
	/* the configured base is a checked http(s) URL; still, the characters
	 * that end a markdown or Slack link are percent-encoded */
	for (const char *p = console_url; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= ' ' || c >= 0x7F || strchr("()<>|\"`[]\\", c)) {
			char e[3] = { '%', hex[c >> 4], hex[c & 15] };
			ox_buf_add(b, e, 3);
		} else {
			ox_buf_add(b, p, 1);
		}
	}
	ox_buf_addz(b, "/cases/");
	for (const unsigned char *p = (const unsigned char *)case_id; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    strchr("-._~", *p)) {
			ox_buf_add(b, p, 1);
		} else {
			char e[3] = { '%', hex[*p >> 4], hex[*p & 15] };
			ox_buf_add(b, e, 3);
		}
	}
}

/* The link into the scratch buffer; returns its text (valid until the next call). */
static const char *link_of(struct ox_buf *scratch, const struct ox_wh_group *g, const struct ox_notice *n)
{
	char id[sizeof n->case_id + 1];
	memcpy(id, n->case_id, sizeof n->case_id);
	id[sizeof n->case_id] = '\0';
	ox_buf_reset(scratch);
	ox_wh_case_link(scratch, g->console_url, id);
	ox_buf_add(scratch, "", 0);
	return scratch->data ? scratch->data : "";
}

/* The highest severity (smallest number) of the group. */
static int group_sev(const struct ox_wh_group *g)
{
	int s = 4;
	for (size_t i = 0; i < g->n; i++)
		if (sev_of(&g->notices[i]) < s)
			s = sev_of(&g->notices[i]);
	return s;
}

/* The title of a message: the notice's head and kind, or a count for a group. */
static void put_title(struct out *o, const struct ox_wh_group *g, enum flavor f)
{
	bool zh = g->lang == OX_WH_ZH;
	if (g->n == 1) {
		put_head(o, &g->notices[0], g->lang, f);
		o_z(o, " · ");
		put_kind(o, &g->notices[0], g->lang);
		return;
	}
	o_f(o, zh ? "【P%d】ordex 预警：%zu 条通知" : "[P%d] ordex alerts: %zu notices", group_sev(g), g->n);
	if (g->group_key && g->group_key[0]) {
		o_z(o, zh ? "（" : " (");
		put_text(o, g->group_key, strlen(g->group_key), f, 200);
		o_z(o, zh ? "）" : ")");
	}
}

static void put_more(struct out *o, size_t more, enum ox_wh_lang lang)
{
	o_f(o, lang == OX_WH_ZH ? "另有 %zu 条未列出" : "%zu more not listed", more);
}

/* ---- markdown: DingTalk and WeCom ----------------------------------------------------- */

/* WeCom refuses markdown content over 4096 bytes; DingTalk takes more, but
 * a chat message longer than this is not read anyway. */
#define MD_MAX_WECOM 4000
#define MD_MAX_DINGTALK 12000

static void md_content(struct out *o, const struct ox_wh_group *g, size_t cap, struct ox_buf *scratch)
{
	enum ox_wh_lang lang = g->lang;
	bool zh = lang == OX_WH_ZH;
	o_z(o, "#### ");
	put_title(o, g, FL_MD);
	o_z(o, "\n\n");
	if (g->n == 1) {
		const struct ox_notice *n = &g->notices[0];
		o_z(o, "**");
		put_key(o, n, lang, FL_MD);
		o_z(o, "**");
		o_z(o, zh ? "：" : ": ");
		put_summary(o, n, lang, FL_MD, 512);
		o_z(o, "\n\n> ");
		put_meta(o, n, lang, FL_MD); /* the kind is in the heading */
		if (has_console(g)) {
			o_z(o, "\n\n[");
			o_z(o, zh ? "查看案件 " : "open case ");
			put_text(o, FIELD(n, case_id), FL_MD, 24);
			o_z(o, "](");
			o_z(o, link_of(scratch, g, n));
			o_z(o, ")");
		}
		o_z(o, "\n");
		return;
	}
	for (size_t i = 0; i < g->n && !o->err; i++) {
		const struct ox_notice *n = &g->notices[i];
		size_t before = o->b->len;
		o_z(o, "- ");
		put_line(o, n, lang, FL_MD, 160);
		if (has_console(g)) {
			o_z(o, " [");
			put_text(o, FIELD(n, case_id), FL_MD, 24);
			o_z(o, "](");
			o_z(o, link_of(scratch, g, n));
			o_z(o, ")");
		}
		o_z(o, "\n");
		if (!o->err && o->b->len + 64 > cap) { /* keep room for the "more" line */
			o->b->len = before;
			o->b->data[before] = '\0';
			o_z(o, "- ");
			put_more(o, g->n - i, lang);
			o_z(o, "\n");
			return;
		}
	}
}

static int render_markdown(struct out *body, const struct ox_wh_group *g, bool wecom)
{
	struct ox_buf txt, scratch;
	ox_buf_init(&txt, 64 * 1024);
	ox_buf_init(&scratch, 4096);
	struct out t = { &txt, 0 };
	md_content(&t, g, wecom ? MD_MAX_WECOM : MD_MAX_DINGTALK, &scratch);
	if (wecom) {
		o_z(body, "{\"msgtype\":\"markdown\",\"markdown\":{\"content\":");
	} else {
		struct ox_buf title;
		ox_buf_init(&title, 1024);
		struct out tt = { &title, 0 };
		put_title(&tt, g, FL_PLAIN);
		o_z(body, "{\"msgtype\":\"markdown\",\"markdown\":{\"title\":");
		o_json(body, title.data ? title.data : "", title.len);
		o_z(body, ",\"text\":");
		ox_buf_release(&title);
	}
	o_json(body, txt.data ? txt.data : "", txt.len);
	o_z(body, "}}");
	int err = t.err;
	ox_buf_release(&txt);
	ox_buf_release(&scratch);
	return err;
}

/* ---- Feishu ------------------------------------------------------------------------------ */

#define CARD_LIST_MAX 20

/* Plain text of one notice: its line, then team, assignee, time. */
static void plain_notice(struct out *o, const struct ox_notice *n, enum ox_wh_lang lang, enum flavor f,
			 size_t summary_max)
{
	put_line(o, n, lang, f, summary_max);
	o_z(o, "\n");
	put_meta(o, n, lang, f);
}

static int render_feishu_card(struct out *body, const struct ox_wh_group *g)
{
	static const char *const colour[] = { "red", "red", "orange", "yellow", "blue" };
	struct ox_buf txt, scratch;
	ox_buf_init(&txt, 64 * 1024);
	ox_buf_init(&scratch, 4096);
	struct out t = { &txt, 0 };
	bool zh = g->lang == OX_WH_ZH;

	put_title(&t, g, FL_PLAIN);
	o_f(body, "{\"msg_type\":\"interactive\",\"card\":{\"config\":{\"wide_screen_mode\":true},"
		  "\"header\":{\"template\":\"%s\",\"title\":{\"tag\":\"plain_text\",\"content\":",
	    colour[group_sev(g)]);
	o_json(body, txt.data ? txt.data : "", txt.len);
	o_z(body, "}},\"elements\":[");
	size_t listed = g->n < CARD_LIST_MAX ? g->n : CARD_LIST_MAX;
	for (size_t i = 0; i < listed; i++) {
		const struct ox_notice *n = &g->notices[i];
		ox_buf_reset(&txt);
		plain_notice(&t, n, g->lang, FL_PLAIN, g->n == 1 ? 512 : 200);
		if (i)
			o_z(body, ",{\"tag\":\"hr\"},");
		o_z(body, "{\"tag\":\"div\",\"text\":{\"tag\":\"plain_text\",\"content\":");
		o_json(body, txt.data ? txt.data : "", txt.len);
		o_z(body, "}");
		if (has_console(g)) {
			o_z(body, ",\"extra\":{\"tag\":\"button\",\"type\":\"default\",\"text\":{\"tag\":\"plain_text\","
				  "\"content\":");
			o_jsonz(body, zh ? "查看案件" : "Open case");
			o_z(body, "},\"url\":");
			o_jsonz(body, link_of(&scratch, g, n));
			o_z(body, "}");
		}
		o_z(body, "}");
	}
	if (listed < g->n) {
		ox_buf_reset(&txt);
		put_more(&t, g->n - listed, g->lang);
		o_z(body, ",{\"tag\":\"note\",\"elements\":[{\"tag\":\"plain_text\",\"content\":");
		o_json(body, txt.data, txt.len);
		o_z(body, "}]}");
	}
	o_z(body, "]}}");
	int err = t.err;
	ox_buf_release(&txt);
	ox_buf_release(&scratch);
	return err;
}

/* A plain-text message (Feishu's "text"), links written out. */
static int render_feishu_text(struct out *body, const struct ox_wh_group *g)
{
	struct ox_buf txt, scratch;
	ox_buf_init(&txt, 64 * 1024);
	ox_buf_init(&scratch, 4096);
	struct out t = { &txt, 0 };
	put_title(&t, g, FL_PLAIN);
	size_t listed = g->n < CARD_LIST_MAX ? g->n : CARD_LIST_MAX;
	for (size_t i = 0; i < listed; i++) {
		const struct ox_notice *n = &g->notices[i];
		o_z(&t, "\n\n");
		plain_notice(&t, n, g->lang, FL_PLAIN, g->n == 1 ? 512 : 200);
		if (has_console(g)) {
			o_z(&t, "\n");
			o_z(&t, link_of(&scratch, g, n));
		}
	}
	if (listed < g->n) {
		o_z(&t, "\n\n");
		put_more(&t, g->n - listed, g->lang);
	}
	o_z(body, "{\"msg_type\":\"text\",\"content\":{\"text\":");
	o_json(body, txt.data ? txt.data : "", txt.len);
	o_z(body, "}}");
	int err = t.err;
	ox_buf_release(&txt);
	ox_buf_release(&scratch);
	return err;
}

/* ---- Slack ------------------------------------------------------------------------------- */

static int render_slack(struct out *body, const struct ox_wh_group *g)
{
	struct ox_buf txt, scratch;
	ox_buf_init(&txt, 64 * 1024);
	ox_buf_init(&scratch, 4096);
	struct out t = { &txt, 0 };
	bool zh = g->lang == OX_WH_ZH;

	put_title(&t, g, FL_SLACK); /* the notification text: mrkdwn */
	o_z(body, "{\"text\":");
	o_json(body, txt.data ? txt.data : "", txt.len);
	ox_buf_reset(&txt);
	put_title(&t, g, FL_PLAIN);
	/* a header holds at most 150 characters */
	o_z(body, ",\"blocks\":[{\"type\":\"header\",\"text\":{\"type\":\"plain_text\",\"text\":");
	o_json(body, txt.data ? txt.data : "", txt.data ? ox_utf8_clip(txt.data, txt.len, 150) : 0);
	o_z(body, "}}");
	size_t listed = g->n < CARD_LIST_MAX ? g->n : CARD_LIST_MAX;
	for (size_t i = 0; i < listed; i++) {
		const struct ox_notice *n = &g->notices[i];
		ox_buf_reset(&txt);
		plain_notice(&t, n, g->lang, FL_PLAIN, g->n == 1 ? 512 : 200);
		o_z(body, ",{\"type\":\"section\",\"text\":{\"type\":\"plain_text\",\"text\":");
		o_json(body, txt.data ? txt.data : "", txt.len);
		o_z(body, "}}");
		if (has_console(g)) {
			ox_buf_reset(&txt);
			o_z(&t, "<");
			o_z(&t, link_of(&scratch, g, n));
			o_z(&t, "|");
			o_z(&t, zh ? "查看案件 " : "open case ");
			put_text(&t, FIELD(n, case_id), FL_SLACK, 24);
			o_z(&t, ">");
			o_z(body, ",{\"type\":\"context\",\"elements\":[{\"type\":\"mrkdwn\",\"text\":");
			o_json(body, txt.data, txt.len);
			o_z(body, "}]}");
		}
	}
	if (listed < g->n) {
		ox_buf_reset(&txt);
		put_more(&t, g->n - listed, g->lang);
		o_z(body, ",{\"type\":\"context\",\"elements\":[{\"type\":\"plain_text\",\"text\":");
		o_json(body, txt.data, txt.len);
		o_z(body, "}]}");
	}
	o_z(body, "]}");
	int err = t.err;
	ox_buf_release(&txt);
	ox_buf_release(&scratch);
	return err;
}

/* ---- the generic webhook ----------------------------------------------------------------- */

static void json_field(struct out *o, const char *name, const char *s, size_t n, bool null_if_empty)
{
	o_f(o, "\"%s\":", name);
	if (null_if_empty && n == 0) {
		o_z(o, "null");
		return;
	}
	struct ox_buf tmp;
	ox_buf_init(&tmp, 4096);
	ox_wh_utf8_clean(&tmp, s, n);
	o_json(o, tmp.data ? tmp.data : "", tmp.len);
	ox_buf_release(&tmp);
}

/* The fields of one notice, without braces. */
static void notice_fields(struct out *o, const struct ox_wh_group *g, const struct ox_notice *n,
			  struct ox_buf *scratch)
{
	const struct ox_rule_info *ri = rule_of(n);
	json_field(o, "idem", FIELD(n, idem), false);
	o_z(o, ",\"kind\":");
	o_jsonz(o, (unsigned)n->kind < OX_NOTICE__COUNT ? ox_notice_kind_name(n->kind) : "?");
	o_z(o, ",");
	json_field(o, "case_id", FIELD(n, case_id), false);
	o_z(o, ",\"rule\":");
	o_jsonz(o, ri->code);
	o_z(o, ",\"category\":");
	o_jsonz(o, ri->category);
	o_f(o, ",\"severity\":\"P%d\",\"level\":%d,", sev_of(n), n->level);
	json_field(o, "team", FIELD(n, team), true);
	o_z(o, ",");
	json_field(o, "assignee", FIELD(n, assignee), true);
	o_z(o, ",");
	json_field(o, "key", FIELD(n, key), false);
	o_z(o, ",\"title_zh\":");
	o_jsonz(o, ri->title_zh);
	o_z(o, ",\"title_en\":");
	o_jsonz(o, ri->title_en);
	o_z(o, ",");
	json_field(o, "summary_zh", FIELD(n, summary_zh), false);
	o_z(o, ",");
	json_field(o, "summary_en", FIELD(n, summary_en), false);
	o_z(o, ",\"at\":");
	if (!o->err && ox_time_json(o->b, n->at) < 0)
		o->err = -1;
	o_z(o, ",\"console_url\":");
	if (has_console(g))
		o_jsonz(o, link_of(scratch, g, n));
	else
		o_z(o, "null");
}

static int render_webhook(struct out *body, const struct ox_wh_group *g)
{
	struct ox_buf scratch;
	ox_buf_init(&scratch, 4096);
	o_z(body, "{\"version\":1,\"idempotency_key\":");
	o_jsonz(body, g->idem ? g->idem : "");
	o_z(body, ",\"receiver\":");
	o_jsonz(body, g->receiver ? g->receiver : "");
	o_z(body, ",\"group_key\":");
	o_jsonz(body, g->group_key ? g->group_key : "");
	o_f(body, ",\"count\":%zu,", g->n);
	notice_fields(body, g, &g->notices[0], &scratch);
	o_z(body, ",\"notices\":[");
	for (size_t i = 0; i < g->n; i++) {
		o_z(body, i ? ",{" : "{");
		notice_fields(body, g, &g->notices[i], &scratch);
		o_z(body, "}");
	}
	o_z(body, "]}");
	ox_buf_release(&scratch);
	return 0;
}

int ox_wh_render(enum ox_wh_type t, const struct ox_wh_group *g, struct ox_buf *body)
{
	if (!g->n || !g->notices)
		return -1;
	size_t start = body->len;
	struct out o = { body, 0 };
	int err;
	switch (t) {
	case OX_WH_DINGTALK:
		err = render_markdown(&o, g, false);
		break;
	case OX_WH_WECOM:
		err = render_markdown(&o, g, true);
		break;
	case OX_WH_FEISHU:
		err = g->feishu_text ? render_feishu_text(&o, g) : render_feishu_card(&o, g);
		break;
	case OX_WH_SLACK:
		err = render_slack(&o, g);
		break;
	case OX_WH_WEBHOOK:
		err = render_webhook(&o, g);
		break;
	default:
		err = -1;
	}
	if (err || o.err) {
		body->len = start;
		if (body->data)
			body->data[start] = '\0';
		return -1;
	}
	return 0;
}

/* ---- requests ------------------------------------------------------------------------------ */

void ox_wh_request_init(struct ox_wh_request *r)
{
	ox_buf_init(&r->url, 16 * 1024);
	ox_buf_init(&r->body, OX_WH_BODY_MAX + 1024);
	r->n_headers = 0;
}

void ox_wh_request_release(struct ox_wh_request *r)
{
	ox_buf_release(&r->url);
	ox_buf_release(&r->body);
	r->n_headers = 0;
}

__attribute__((format(printf, 2, 3))) static int add_header(struct ox_wh_request *r, const char *fmt, ...)
{
	if (r->n_headers == OX_WH_HEADERS_MAX)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(r->headers[r->n_headers], OX_WH_HEADER_BUFSZ, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= OX_WH_HEADER_BUFSZ)
		return -1;
	r->n_headers++;
	return 0;
}

int ox_wh_prepare(const struct ox_wh_target *t, const char *body, size_t len, const char *idem,
		  int64_t now_ms, struct ox_wh_request *r)
{
	ox_buf_reset(&r->url);
	ox_buf_reset(&r->body);
	r->n_headers = 0;
	for (const char *p = idem; *p; p++) /* a header value: no CR, LF or other controls */
		if ((unsigned char)*p < 0x20 || *p == 0x7F)
			return -1;
	bool signed_ = t->secret && t->secret[0];
	int64_t ts_s = now_ms / 1000;
	char sign[OX_WH_SIGN_BUFSZ];
	int rc = ox_buf_addz(&r->url, t->url);
	if (t->type == OX_WH_DINGTALK && signed_) {
		ox_wh_sign_dingtalk(t->secret, now_ms, sign);
		rc |= ox_buf_addf(&r->url, "%stimestamp=%" PRId64 "&sign=%s", strchr(t->url, '?') ? "&" : "?",
				  now_ms, sign);
	}
	if (t->type == OX_WH_FEISHU && signed_ && len >= 2 && body[0] == '{') {
		ox_wh_sign_feishu(t->secret, ts_s, sign);
		rc |= ox_buf_addf(&r->body, "{\"timestamp\":\"%" PRId64 "\",\"sign\":\"%s\"%s", ts_s, sign,
				  body[1] == '}' ? "" : ",");
		rc |= ox_buf_add(&r->body, body + 1, len - 1);
	} else {
		rc |= ox_buf_add(&r->body, body, len);
	}
	rc |= add_header(r, "Content-Type: application/json; charset=utf-8");
	rc |= add_header(r, "Idempotency-Key: %s", idem);
	if (t->type == OX_WH_WEBHOOK) {
		rc |= add_header(r, "X-Ordex-Timestamp: %" PRId64, ts_s);
		if (signed_) {
			ox_wh_sign_webhook(t->secret, ts_s, r->body.data ? r->body.data : "", r->body.len, sign);
			rc |= add_header(r, "X-Ordex-Signature: %s", sign);
		}
	}
	ox_buf_add(&r->url, "", 0);
	ox_buf_add(&r->body, "", 0);
	return rc ? -1 : 0;
}

/* ---- answers ------------------------------------------------------------------------------- */

/* The reason text: cleaned, controls as spaces, cut. */
static void why_text(char *why, size_t whysz, const char *prefix, const char *s, size_t n)
{
	if (!whysz)
		return;
	struct ox_buf b;
	ox_buf_init(&b, 4096);
	struct out o = { &b, 0 };
	o_z(&o, prefix);
	put_text(&o, s, n, FL_PLAIN, 160);
	size_t l = b.data ? ox_utf8_clip(b.data, b.len, whysz - 1) : 0;
	memcpy(why, b.data ? b.data : "", l);
	why[l] = '\0';
	ox_buf_release(&b);
}

/* The integer member key of the JSON object body (at the top level), and
 * its "msg"-like companion; false when the body is not a JSON object or has
 * no such member. */
static bool body_code(struct ox_json *j, const char *body, size_t len, const char *key, int64_t *code)
{
	if (ox_json_parse(j, body, len) < 0 || j->toks[0].type != OX_JSON_OBJECT)
		return false;
	const struct ox_json_tok *t = j->toks;
	size_t kl = strlen(key);
	for (uint32_t i = 1; i < j->n; i = t[i + 1].end) {
		if (t[i].len == kl && memcmp(t[i].s, key, kl) == 0 && t[i + 1].type == OX_JSON_NUMBER) {
			char num[32];
			size_t nl = t[i + 1].len < sizeof num - 1 ? t[i + 1].len : sizeof num - 1;
			memcpy(num, t[i + 1].s, nl);
			num[nl] = '\0';
			*code = strtoll(num, NULL, 10);
			return true;
		}
	}
	return false;
}

static const struct ox_json_tok *body_str(const struct ox_json *j, const char *key)
{
	const struct ox_json_tok *t = j->toks;
	size_t kl = strlen(key);
	for (uint32_t i = 1; i < j->n; i = t[i + 1].end)
		if (t[i].len == kl && memcmp(t[i].s, key, kl) == 0 && t[i + 1].type == OX_JSON_STRING)
			return &t[i + 1];
	return NULL;
}

enum ox_wh_verdict ox_wh_verdict(enum ox_wh_type t, long status, const char *body, size_t len,
				 char *why, size_t whysz)
{
	char prefix[48];
	if (whysz)
		why[0] = '\0';
	if (status < 200 || status > 299) {
		snprintf(prefix, sizeof prefix, "HTTP %ld: ", status);
		why_text(why, whysz, prefix, body ? body : "", body ? len : 0);
		if (status >= 400 && status <= 499 && status != 408 && status != 429)
			return OX_WH_REJECTED;
		return OX_WH_RETRY;
	}
	/* the chat robots answer 200 and put their error in the body */
	static const char *const code_keys[OX_WH__NTYPES][2] = {
		[OX_WH_DINGTALK] = { "errcode", NULL },
		[OX_WH_WECOM] = { "errcode", NULL },
		[OX_WH_FEISHU] = { "code", "StatusCode" },
	};
	if ((unsigned)t >= OX_WH__NTYPES || !code_keys[t][0] || !body || !len)
		return OX_WH_DELIVERED;
	struct ox_json j;
	ox_json_init(&j, 16);
	enum ox_wh_verdict v = OX_WH_DELIVERED;
	int64_t code = 0;
	for (int k = 0; k < 2 && code_keys[t][k]; k++) {
		if (!body_code(&j, body, len, code_keys[t][k], &code))
			continue;
		if (code != 0) {
			const struct ox_json_tok *m = body_str(&j, "errmsg");
			if (!m)
				m = body_str(&j, "msg");
			if (!m)
				m = body_str(&j, "StatusMessage");
			snprintf(prefix, sizeof prefix, "%s %" PRId64 ": ", code_keys[t][k], code);
			why_text(why, whysz, prefix, m ? m->s : "", m ? m->len : 0);
			v = OX_WH_RETRY;
		}
		break;
	}
	ox_json_release(&j);
	return v;
}

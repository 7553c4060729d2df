/* call.c - calls on the merchant's systems: config, params, body, request,
 * answer (see call.h and docs/actions.md). */
#include "call.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "json.h"
#include "mask.h"
#include "timefmt.h"
#include "webhook.h"
#include "yamlcfg.h"

/* ---- states ------------------------------------------------------------------------------ */

static const char *const state_names[] = {
#define X(e, s) [OX_CALL_##e] = s,
	OX_CALL_STATES(X)
#undef X
};

const char *ox_call_state_name(enum ox_call_state s)
{
	return s < OX_CALL__NSTATES ? state_names[s] : "?";
}

int ox_call_state_parse(const char *s, size_t n)
{
	for (int i = 0; i < OX_CALL__NSTATES; i++)
		if (strlen(state_names[i]) == n && memcmp(state_names[i], s, n) == 0)
			return i;
	return -1;
}

bool ox_call_state_final(enum ox_call_state s)
{
	return s == OX_CALL_SUCCEEDED || s == OX_CALL_FAILED || s == OX_CALL_REJECTED;
}

/* ---- a call ------------------------------------------------------------------------------ */

void ox_call_release(struct ox_call *c)
{
	free(c->params);
	free(c->outcome);
	memset(c, 0, sizeof *c);
}

void ox_call_copy(struct ox_call *dst, const struct ox_call *src)
{
	*dst = *src;
	dst->params = ox_xstrndup(src->params, strlen(src->params));
	dst->outcome = src->outcome ? ox_xstrndup(src->outcome, strlen(src->outcome)) : NULL;
}

static void json_field_str(struct ox_buf *b, const char *key, const char *z)
{
	ox_buf_addf(b, ",\"%s\":", key);
	if (z && *z)
		ox_buf_add_json_str(b, z, strlen(z));
	else
		ox_buf_addz(b, "null");
}

void ox_call_json(const struct ox_call *c, struct ox_buf *out)
{
	ox_buf_addz(out, "{\"id\":");
	ox_buf_add_json_str(out, c->id, strlen(c->id));
	ox_buf_addf(out, ",\"kind\":\"%s\",\"state\":\"%s\",\"automatic\":%s", ox_pb_action_name(c->kind),
		    ox_call_state_name(c->state), c->automatic ? "true" : "false");
	json_field_str(out, "requested_by", c->actor);
	ox_buf_addz(out, ",\"requested_at\":");
	ox_time_json(out, c->requested_at);
	json_field_str(out, "approved_by", c->approver);
	ox_buf_addz(out, ",\"done_at\":");
	ox_time_json(out, c->done_at);
	char m[OX_MONEY_BUFSZ];
	if (c->amount >= 0)
		ox_buf_addf(out, ",\"amount\":\"%s\"", ox_money_format(c->amount, m));
	else
		ox_buf_addz(out, ",\"amount\":null");
	ox_buf_addf(out, ",\"params\":%s,\"outcome\":%s,\"compensation\":", c->params,
		    c->outcome ? c->outcome : "null");
	if (c->comp < 0) {
		ox_buf_addz(out, "null}");
		return;
	}
	ox_buf_addf(out, "{\"kind\":\"%s\",\"value\":\"%s\"", ox_comp_kind_name((enum ox_comp_kind)c->comp),
		    ox_money_format(c->value, m));
	json_field_str(out, "team", c->team);
	json_field_str(out, "waited", ox_comp_wait_name((enum ox_comp_wait)c->waited));
	ox_buf_addz(out, ",\"granted_at\":");
	ox_time_json(out, c->granted_at);
	if (c->repeat)
		ox_buf_addf(out, ",\"repeat\":%u}}", (unsigned)c->repeat);
	else
		ox_buf_addz(out, ",\"repeat\":null}}");
}

/* ---- masking -------------------------------------------------------------------------------- */

static bool key_is(const struct ox_json_tok *k, const char *const *names)
{
	for (; *names; names++)
		if (k->len == strlen(*names) && memcmp(k->s, *names, k->len) == 0)
			return true;
	return false;
}

/* Write value i of p again, masked; key is its member's name (NULL in an
 * array or at the top). Returns the index after it. */
static uint32_t mask_value(const struct ox_json *p, uint32_t i, const struct ox_json_tok *key, struct ox_buf *tmp,
			   struct ox_buf *out)
{
	static const char *const phones[] = { "phone", "mobile", NULL };
	static const char *const names[] = { "name", "customer_name", "receiver", NULL };
	static const char *const details[] = { "address", "detail", NULL };
	const struct ox_json_tok *t = &p->toks[i];
	switch (t->type) {
	case OX_JSON_OBJECT:
	case OX_JSON_ARRAY: {
		bool obj = t->type == OX_JSON_OBJECT;
		ox_buf_addz(out, obj ? "{" : "[");
		uint32_t j = i + 1;
		for (uint32_t m = 0; m < t->size; m++) {
			if (m)
				ox_buf_addz(out, ",");
			const struct ox_json_tok *k = obj ? &p->toks[j] : NULL;
			if (obj) {
				ox_buf_add_json_str(out, k->s, k->len);
				ox_buf_addz(out, ":");
				j++;
			}
			j = mask_value(p, j, k, tmp, out);
		}
		ox_buf_addz(out, obj ? "}" : "]");
		return t->end;
	}
	case OX_JSON_STRING:
		ox_buf_reset(tmp);
		if (key && key_is(key, phones))
			ox_mask_phone(t->s, t->len, tmp);
		else if (key && key_is(key, names))
			ox_mask_name(t->s, t->len, tmp);
		else if (key && key_is(key, details))
			ox_mask_address_detail(t->s, t->len, tmp);
		else
			ox_mask_text(t->s, t->len, tmp);
		ox_buf_add_json_str(out, tmp->data ? tmp->data : "", tmp->len);
		return i + 1;
	default: /* numbers as written, true, false, null */
		ox_buf_add(out, t->s, t->len);
		return i + 1;
	}
}

int ox_call_json_mask(const char *json, size_t n, struct ox_buf *out)
{
	struct ox_json p;
	ox_json_init(&p, 16);
	if (ox_json_parse(&p, json, n) < 0) {
		ox_json_release(&p);
		return -1;
	}
	struct ox_buf tmp;
	ox_buf_init(&tmp, SIZE_MAX);
	mask_value(&p, 0, NULL, &tmp, out);
	ox_buf_release(&tmp);
	ox_json_release(&p);
	return 0;
}

/* ---- params -------------------------------------------------------------------------------- */

/* What each kind needs in its params (docs/actions.md): a member (or one
 * of two), and maybe another. */
static const struct {
	const char *need, *or_need, *also;
} kind_needs[OX_PB_A__COUNT] = {
	[OX_PB_A_REFUND] = { "amount", NULL, NULL },
	[OX_PB_A_PARTIAL_REFUND] = { "amount", NULL, NULL },
	[OX_PB_A_ISSUE_COUPON] = { "amount", NULL, NULL },
	[OX_PB_A_ADD_POINTS] = { "points", NULL, NULL },
	[OX_PB_A_UPDATE_ADDRESS] = { "address", "phone", NULL },
	[OX_PB_A_SEND_MESSAGE] = { "text", NULL, NULL },
	[OX_PB_A_SEND_GIFT] = { "gift", NULL, "amount" }, /* what it is, and what it is worth */
};

static const struct ox_json_tok *member(const struct ox_json *p, const char *key)
{
	for (size_t i = 1; i < p->n; i = p->toks[i + 1].end)
		if (p->toks[i].len == strlen(key) && memcmp(p->toks[i].s, key, p->toks[i].len) == 0)
			return &p->toks[i + 1];
	return NULL;
}

int ox_call_params_check(enum ox_pb_action k, const char *json, size_t n, ox_money *amount, char *why,
			 size_t whysz)
{
	struct ox_json p;
	int rc = -1;
	*amount = -1;
	if (n > OX_CALL_PARAMS_MAX) {
		snprintf(why, whysz, "params: longer than %d bytes", OX_CALL_PARAMS_MAX);
		return -1;
	}
	ox_json_init(&p, 4);
	if (ox_json_parse(&p, json, n) < 0) {
		snprintf(why, whysz, "params: not JSON: %s at byte %zu", p.err, p.err_col);
		goto out;
	}
	if (p.toks[0].type != OX_JSON_OBJECT) {
		snprintf(why, whysz, "params: expected a JSON object");
		goto out;
	}
	if (p.toks[0].size > OX_CALL_PARAM_KEYS_MAX) {
		snprintf(why, whysz, "params: more than %d members", OX_CALL_PARAM_KEYS_MAX);
		goto out;
	}
	const struct ox_json_tok *a = member(&p, "amount");
	if (a) {
		bool ok = (a->type == OX_JSON_STRING || a->type == OX_JSON_NUMBER) &&
			  ox_money_parse(a->s, a->len, amount) == 0 && *amount > 0;
		if (!ok) {
			*amount = -1;
			snprintf(why, whysz, "params.amount: expected an amount in CNY above 0 (\"12.50\")");
			goto out;
		}
	}
	const char *need = kind_needs[k].need, *alt = kind_needs[k].or_need;
	if (need && !member(&p, need) && !(alt && member(&p, alt))) {
		snprintf(why, whysz, "params.%s: required for %s%s%s", need, ox_pb_action_name(k),
			 alt ? " (or params." : "", alt ? alt : "");
		if (alt)
			snprintf(why + strlen(why), whysz - strlen(why), ")");
		goto out;
	}
	const char *also = kind_needs[k].also;
	if (also && !member(&p, also)) {
		snprintf(why, whysz, "params.%s: required for %s", also, ox_pb_action_name(k));
		goto out;
	}
	const struct ox_json_tok *g = member(&p, "gift");
	if (k == OX_PB_A_SEND_GIFT && (g->type != OX_JSON_STRING || g->len == 0)) {
		snprintf(why, whysz, "params.gift: expected what the gift is, a non-empty string");
		goto out;
	}
	const struct ox_json_tok *t = member(&p, "text");
	if (k == OX_PB_A_SEND_MESSAGE && (t->type != OX_JSON_STRING || t->len == 0)) {
		snprintf(why, whysz, "params.text: expected the message, a non-empty string");
		goto out;
	}
	const struct ox_json_tok *pts = member(&p, "points");
	if (pts && (pts->type != OX_JSON_NUMBER || !(pts->flags & OX_JSON_F_INT) || pts->s[0] == '-' ||
		    pts->len > 9)) {
		snprintf(why, whysz, "params.points: expected a whole number of points");
		goto out;
	}
	rc = 0;
out:
	ox_json_release(&p);
	return rc;
}

/* ---- the config -------------------------------------------------------------------------------- */

#define DEFAULT_RATE_LIMIT 30

static struct ox_call_config *config_empty(void)
{
	struct ox_call_config *c = ox_xcalloc(1, sizeof *c);
	c->auto_enabled = true;
	c->rate_limit = DEFAULT_RATE_LIMIT;
	ox_comp_config_default(&c->comp);
	c->survey.send = true;
	return c;
}

void ox_call_config_free(struct ox_call_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < OX_PB_A__COUNT; i++) {
		free(c->endpoints[i].url);
		free(c->endpoints[i].secret);
	}
	free(c->survey.text);
	free(c);
}

const struct ox_call_endpoint *ox_call_endpoint(const struct ox_call_config *cfg, enum ox_pb_action k)
{
	return cfg && k < OX_PB_A__COUNT && cfg->endpoints[k].url ? &cfg->endpoints[k] : NULL;
}

struct rd {
	struct ox_yaml y;
	struct ox_call_config *c;
	struct ox_call_endpoint defaults;
};

static bool url_ok(const char *s)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL;
	bool ok = u && curl_url_set(u, CURLUPART_URL, s, 0) == CURLUE_OK &&
		  curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
		  curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && host && host[0] &&
		  (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0);
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return ok;
}

/* timeout, retries and the backoff: in an endpoint, or under defaults. */
static int read_policy(struct rd *r, const char *path, yaml_node_t *v, struct ox_call_endpoint *ep)
{
	static const struct {
		const char *key;
		size_t off;
		int64_t min, max;
	} durs[] = {
		{ "timeout", offsetof(struct ox_call_endpoint, timeout), 1, 5 * OX_MS_MINUTE },
		{ "backoff_initial", offsetof(struct ox_call_endpoint, backoff_initial), 1, OX_MS_HOUR },
		{ "backoff_max", offsetof(struct ox_call_endpoint, backoff_max), 1, 6 * OX_MS_HOUR },
	};
	char p[OX_YAML_PATH_MAX];
	yaml_node_t *n;
	for (size_t i = 0; i < OX_ARRAY_LEN(durs); i++)
		if ((n = ox_yaml_get(&r->y, v, durs[i].key))) {
			ox_yaml_join(p, path, ox_str_z(durs[i].key));
			if (ox_yaml_duration(&r->y, p, n, durs[i].min, durs[i].max,
					     (int64_t *)(void *)((char *)ep + durs[i].off)) < 0)
				return -1;
		}
	if ((n = ox_yaml_get(&r->y, v, "retries"))) {
		int64_t x;
		ox_yaml_join(p, path, OX_STR_LIT("retries"));
		if (ox_yaml_int(&r->y, p, n, 0, 20, &x) < 0)
			return -1;
		ep->retries = (int)x;
	}
	if (ep->backoff_max < ep->backoff_initial) {
		n = ox_yaml_get(&r->y, v, "backoff_max");
		return ox_yaml_error(&r->y, n ? n : v, "'%s.backoff_max' must be at least backoff_initial", path);
	}
	return 0;
}

static int read_secret(struct rd *r, const char *path, yaml_node_t *secret, yaml_node_t *env,
		       struct ox_call_endpoint *ep)
{
	char p[OX_YAML_PATH_MAX];
	struct ox_str s;
	if (secret && env)
		return ox_yaml_error(&r->y, env, "'%s': give secret or secret_env, not both", path);
	if (secret) {
		ox_yaml_join(p, path, OX_STR_LIT("secret"));
		if (ox_yaml_text(&r->y, p, secret, OX_CALL_SECRET_MAX, &s) < 0)
			return -1;
		ep->secret = ox_xstrndup(s.s, s.len);
		return 0;
	}
	ox_yaml_join(p, path, OX_STR_LIT("secret_env"));
	if (ox_yaml_ident(&r->y, p, env, 128, &s) < 0)
		return -1;
	char name[130];
	memcpy(name, s.s, s.len);
	name[s.len] = '\0';
	const char *val = getenv(name);
	if (!val || !*val) /* the value itself is never quoted: it is a secret */
		return ox_yaml_error(&r->y, env, "'%s': environment variable '%s' is %s", p, name,
				     val ? "empty" : "not set");
	if (strlen(val) > OX_CALL_SECRET_MAX)
		return ox_yaml_error(&r->y, env, "'%s': the secret in '%s' is longer than %d bytes", p, name,
				     OX_CALL_SECRET_MAX);
	ep->secret = ox_xstrndup(val, strlen(val));
	return 0;
}

static int read_endpoint(struct ox_yaml *y, void *ctx, const char *path, yaml_node_t *k, yaml_node_t *v)
{
	static const char *const known[] = { "url", "secret", "secret_env", "timeout", "retries",
					     "backoff_initial", "backoff_max", NULL };
	struct rd *r = ctx;
	char here[OX_YAML_PATH_MAX], p[OX_YAML_PATH_MAX];
	struct ox_str key = ox_yaml_str(k);
	ox_yaml_join(here, path, key);
	int kind = ox_pb_action_by_name(key.s, key.len);
	if (kind < 0) {
		struct ox_yaml_near near = { 0 };
		for (int i = 0; i < OX_PB_A__COUNT; i++)
			ox_yaml_near_try(&near, key, ox_pb_action_name((enum ox_pb_action)i),
					 strlen(ox_pb_action_name((enum ox_pb_action)i)));
		return ox_yaml_unknown(y, k, "action", path, key, &near);
	}
	if (v->type != YAML_MAPPING_NODE)
		return ox_yaml_error(y, v, "'%s' must be a mapping with url (and secret, timeout, retries)", here);
	if (ox_yaml_only(y, here, v, known) < 0)
		return -1;
	struct ox_call_endpoint *ep = &r->c->endpoints[kind];
	*ep = r->defaults;
	yaml_node_t *url = ox_yaml_get(y, v, "url");
	ox_yaml_join(p, here, OX_STR_LIT("url"));
	if (!url)
		return ox_yaml_error(y, v, "'%s' is required", p);
	struct ox_str s;
	if (ox_yaml_text(y, p, url, OX_CALL_URL_MAX, &s) < 0)
		return -1;
	ep->url = ox_xstrndup(s.s, s.len);
	if (!url_ok(ep->url))
		return ox_yaml_error(y, url, "'%s' must be an http:// or https:// URL", p);
	yaml_node_t *secret = ox_yaml_get(y, v, "secret"), *env = ox_yaml_get(y, v, "secret_env");
	if ((secret || env) && read_secret(r, here, secret, env, ep) < 0)
		return -1;
	return read_policy(r, here, v, ep);
}

static const char *const survey_texts[OX_PB__NLANG] = {
	"您好,您的订单 {order_id} 的问题已经处理完毕。请回复 1-5 分为本次服务打分(5 分为非常满意),"
	"也欢迎留下您的建议,我们会认真改进。",
	"Hello, the problem with your order {order_id} has been resolved. Please rate our service from 1 to 5 "
	"(5: very satisfied) by replying to this message; your comments help us improve.",
};

const char *ox_call_survey_text(enum ox_pb_lang l)
{
	return l < OX_PB__NLANG ? survey_texts[l] : survey_texts[OX_PB_ZH];
}

/* actions.survey: {send, lang, text} */
static int read_survey(struct rd *r, yaml_node_t *v)
{
	static const char *const known[] = { "send", "lang", "text", NULL };
	struct ox_yaml *y = &r->y;
	yaml_node_t *n;
	if (v->type != YAML_MAPPING_NODE)
		return ox_yaml_error(y, v, "'actions.survey' must be a mapping with send, lang and text");
	if (ox_yaml_only(y, "actions.survey", v, known) < 0)
		return -1;
	if ((n = ox_yaml_get(y, v, "send")) && ox_yaml_bool(y, "actions.survey.send", n, &r->c->survey.send) < 0)
		return -1;
	if ((n = ox_yaml_get(y, v, "lang"))) {
		struct ox_str s = ox_yaml_str(n);
		int l = n->type == YAML_SCALAR_NODE ? ox_pb_lang_parse(s.s, s.len) : -1;
		if (l < 0)
			return ox_yaml_error(y, n, "'actions.survey.lang' must be zh or en");
		r->c->survey.lang = (enum ox_pb_lang)l;
	}
	if ((n = ox_yaml_get(y, v, "text"))) {
		struct ox_str s;
		char why[200];
		if (ox_yaml_text(y, "actions.survey.text", n, OX_PB_TEXT_MAX, &s) < 0)
			return -1;
		if (ox_pb_template_check(s.s, s.len, NULL, why, sizeof why) < 0)
			return ox_yaml_error(y, n, "'actions.survey.text': %s", why);
		r->c->survey.text = ox_xstrndup(s.s, s.len);
	}
	return 0;
}

static int read_actions(struct rd *r, yaml_node_t *v)
{
	static const char *const known[] = { "dry_run", "auto", "rate_limit", "progress_reminder", "defaults",
					     "endpoints", "compensation", "survey", NULL };
	static const char *const policy_keys[] = { "timeout", "retries", "backoff_initial", "backoff_max", NULL };
	struct ox_yaml *y = &r->y;
	yaml_node_t *n;
	if (v->type != YAML_MAPPING_NODE)
		return ox_yaml_error(y, v, "'actions' must be a mapping");
	if (ox_yaml_only(y, "actions", v, known) < 0)
		return -1;
	if ((n = ox_yaml_get(y, v, "dry_run")) && ox_yaml_bool(y, "actions.dry_run", n, &r->c->dry_run) < 0)
		return -1;
	if ((n = ox_yaml_get(y, v, "auto")) && ox_yaml_bool(y, "actions.auto", n, &r->c->auto_enabled) < 0)
		return -1;
	if ((n = ox_yaml_get(y, v, "rate_limit"))) {
		int64_t x;
		if (ox_yaml_int(y, "actions.rate_limit", n, 0, 100000, &x) < 0)
			return -1;
		r->c->rate_limit = (int)x;
	}
	if ((n = ox_yaml_get(y, v, "progress_reminder")) &&
	    ox_yaml_duration(y, "actions.progress_reminder", n, 0, 30 * OX_MS_DAY, &r->c->progress_reminder) < 0)
		return -1;
	if ((n = ox_yaml_get(y, v, "defaults")) && !ox_yaml_is_null(n)) {
		if (n->type != YAML_MAPPING_NODE)
			return ox_yaml_error(y, n, "'actions.defaults' must be a mapping");
		if (ox_yaml_only(y, "actions.defaults", n, policy_keys) < 0 ||
		    read_policy(r, "actions.defaults", n, &r->defaults) < 0)
			return -1;
	}
	if ((n = ox_yaml_get(y, v, "endpoints")) && !ox_yaml_is_null(n)) {
		if (n->type != YAML_MAPPING_NODE)
			return ox_yaml_error(y, n, "'actions.endpoints' must be a mapping of action kinds");
		if (ox_yaml_each(y, "actions.endpoints", n, read_endpoint, r) < 0)
			return -1;
	}
	if ((n = ox_yaml_get(y, v, "compensation")) && !ox_yaml_is_null(n) &&
	    ox_comp_config_read(y, n, &r->c->comp) < 0)
		return -1;
	if ((n = ox_yaml_get(y, v, "survey")) && !ox_yaml_is_null(n) && read_survey(r, n) < 0)
		return -1;
	return 0;
}

static int parse_doc(struct rd *r, struct ox_call_config **out)
{
	yaml_node_t *root = ox_yaml_root(&r->y), *actions = NULL;
	if (root && !ox_yaml_is_null(root)) {
		if (root->type != YAML_MAPPING_NODE)
			return ox_yaml_error(&r->y, root, "the config file must be a mapping");
		actions = ox_yaml_get(&r->y, root, "actions");
	}
	r->c = config_empty();
	r->defaults = (struct ox_call_endpoint){ .timeout = 10 * OX_MS_SECOND, .retries = 3,
						 .backoff_initial = OX_MS_SECOND, .backoff_max = OX_MS_MINUTE };
	if (actions && !ox_yaml_is_null(actions) && read_actions(r, actions) < 0) {
		ox_call_config_free(r->c);
		r->c = NULL;
		return -1;
	}
	*out = r->c;
	return 0;
}

int ox_call_config_parse(const char *name, const char *text, size_t len, struct ox_call_config **out,
			 char *err, size_t errsz)
{
	struct rd r = { 0 };
	*out = NULL;
	if (ox_yaml_load(&r.y, name, text, len, err, errsz) < 0)
		return -1;
	int rc = parse_doc(&r, out);
	ox_yaml_free(&r.y);
	return rc;
}

int ox_call_config_load(const char *path, struct ox_call_config **out, char *err, size_t errsz)
{
	struct rd r = { 0 };
	*out = NULL;
	if (!path)
		return ox_call_config_parse("(none)", "", 0, out, err, errsz);
	if (ox_yaml_load_file(&r.y, path, err, errsz) < 0)
		return -1;
	int rc = parse_doc(&r, out);
	ox_yaml_free(&r.y);
	return rc;
}

/* ---- the request ------------------------------------------------------------------------------ */

void ox_call_body(const struct ox_call *c, const struct ox_call_subject *s, struct ox_buf *out)
{
	ox_buf_addz(out, "{\"call_id\":");
	ox_buf_add_json_str(out, c->id, strlen(c->id));
	ox_buf_addf(out, ",\"kind\":\"%s\",\"case_id\":", ox_pb_action_name(c->kind));
	ox_buf_add_json_str(out, s->case_id, strlen(s->case_id));
	ox_buf_addz(out, ",\"rule\":");
	ox_buf_add_json_str(out, s->rule, strlen(s->rule));
	ox_buf_addz(out, ",\"order_id\":");
	ox_buf_add_json_str(out, s->key, strlen(s->key));
	ox_buf_addz(out, ",\"requested_by\":");
	ox_buf_add_json_str(out, c->actor, strlen(c->actor));
	ox_buf_addf(out, ",\"automatic\":%s,\"params\":%s}", c->automatic ? "true" : "false", c->params);
}

int ox_call_request(const struct ox_call_endpoint *ep, const char *call_id, const char *body, size_t len,
		    int64_t now_ms, struct ox_wh_request *r)
{
	/* the generic webhook's scheme: one signing code for alerts and calls */
	struct ox_wh_target t = { OX_WH_WEBHOOK, ep->url, ep->secret };
	return ox_wh_prepare(&t, body, len, call_id, now_ms, r);
}

/* ---- the answer ------------------------------------------------------------------------------- */

enum ox_call_verdict ox_call_verdict(long status)
{
	if (status >= 200 && status < 300)
		return OX_CALL_DONE;
	if (status == 0 || status == 408 || status == 429 || status >= 500)
		return OX_CALL_RETRY;
	return OX_CALL_REFUSED;
}

/* Valid UTF-8 of at most max bytes, an invalid byte as U+FFFD. */
static void clean_text(const char *s, size_t n, size_t max, struct ox_buf *out)
{
	struct ox_buf t;
	ox_buf_init(&t, SIZE_MAX);
	for (size_t i = 0; i < n && t.len < max;) {
		uint32_t cp;
		size_t k = ox_utf8_seq(s, n, i, &cp);
		if (k && t.len + k <= max)
			ox_buf_add(&t, s + i, k);
		else if (!k && t.len + 3 <= max)
			ox_buf_addz(&t, "\xef\xbf\xbd");
		else
			break;
		i += k ? k : 1;
	}
	ox_buf_add_json_str(out, t.data ? t.data : "", t.len);
	ox_buf_release(&t);
}

void ox_call_outcome(bool ok, long http_status, int attempts, const char *error, const char *answer,
		     size_t len, struct ox_buf *out)
{
	ox_buf_addf(out, "{\"status\":\"%s\",\"http_status\":", ok ? "succeeded" : "failed");
	if (http_status)
		ox_buf_addf(out, "%ld", http_status);
	else
		ox_buf_addz(out, "null");
	ox_buf_addf(out, ",\"attempts\":%d,\"error\":", attempts);
	if (error && *error)
		clean_text(error, strlen(error), 256, out);
	else
		ox_buf_addz(out, "null");
	ox_buf_addz(out, ",\"excerpt\":");
	clean_text(answer ? answer : "", answer ? len : 0, OX_CALL_EXCERPT_MAX, out);
	ox_buf_addz(out, ",\"result\":");
	struct ox_json p;
	ox_json_init(&p, 8);
	bool object = answer && len <= OX_CALL_RESULT_MAX && ox_json_parse(&p, answer, len) == 0 &&
		      p.toks[0].type == OX_JSON_OBJECT;
	if (object)
		ox_buf_add(out, p.toks[0].s, p.toks[0].len);
	else
		ox_buf_addz(out, "null");
	ox_json_release(&p);
	ox_buf_addz(out, "}");
}

int ox_call_outcome_read(const char *outcome, size_t len, bool *ok, const char *name, char *out, size_t outsz)
{
	struct ox_json p;
	int rc = -1;
	out[0] = '\0';
	ox_json_init(&p, 10);
	if (ox_json_parse(&p, outcome, len) < 0 || p.toks[0].type != OX_JSON_OBJECT)
		goto done;
	const struct ox_json_tok *st = member(&p, "status");
	if (!st || st->type != OX_JSON_STRING)
		goto done;
	*ok = st->len == 9 && memcmp(st->s, "succeeded", 9) == 0;
	rc = 0;
	const struct ox_json_tok *res = member(&p, "result");
	if (!res || res->type != OX_JSON_OBJECT)
		goto done;
	/* the result's own members follow its token */
	size_t i = (size_t)(res - p.toks) + 1;
	for (; i < res->end; i = p.toks[i + 1].end) {
		const struct ox_json_tok *k = &p.toks[i], *v = &p.toks[i + 1];
		if (k->len == strlen(name) && memcmp(k->s, name, k->len) == 0 && v->type == OX_JSON_STRING &&
		    v->len < outsz && !(v->flags & OX_JSON_F_NUL)) {
			memcpy(out, v->s, v->len);
			out[v->len] = '\0';
			break;
		}
	}
done:
	ox_json_release(&p);
	return rc;
}

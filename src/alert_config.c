/* alert_config.c - the `alerts:` section (see alert_config.h and
 * docs/alerts.md): channels, the routing tree, delivery; labels, matchers
 * and routing.
 *
 * The section is read with the shared pieces of yamlcfg.h, key by key:
 * every mapping is first checked against its known keys (ox_yaml_only, with
 * a did-you-mean), then each value is read with a typed check that names its
 * dotted path and line. Channels are read before the routes that name them,
 * whatever their order in the file.
 */
#include "alert_config.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"
#include "timefmt.h"
#include "yamlcfg.h"

/* ---- labels ------------------------------------------------------------------------------ */

static const char *const label_names[] = {
#define X(e, s) [OX_AL_##e] = s,
	OX_ALERT_LABELS(X)
#undef X
};

const char *ox_alert_label_name(enum ox_alert_label l)
{
	return (unsigned)l < OX_AL__COUNT ? label_names[l] : "?";
}

int ox_alert_label_by_name(const char *s, size_t n)
{
	for (int l = 0; l < OX_AL__COUNT; l++)
		if (strlen(label_names[l]) == n && memcmp(label_names[l], s, n) == 0)
			return l;
	return -1;
}

void ox_alert_matchers_free(struct ox_alert_matcher *m, size_t n)
{
	for (size_t i = 0; m && i < n; i++) {
		for (size_t j = 0; j < m[i].n; j++)
			free(m[i].values[j]);
		free(m[i].values);
	}
	free(m);
}

/* s cut to fit a message, control characters as '?' */
static void quote(char out[72], const char *s, size_t n)
{
	size_t l = ox_utf8_clip(s, n, 64);
	for (size_t i = 0; i < l; i++)
		out[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	if (l < n)
		memcpy(out + l, "...", 4);
	else
		out[l] = '\0';
}

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
	       c == '-' || c == '.';
}

static const char *const kind_names[] = {
#define X(e, s) [OX_NOTICE_##e] = s,
	OX_NOTICE_KINDS(X)
#undef X
};

/* "unknown WHAT 'v' (did you mean 'x'?)" over the candidates. */
static int unknown_value(const char *what, const char *s, size_t n, const char *const *cand, size_t nc,
			 char *why, size_t whysz)
{
	char q[72];
	quote(q, s, n);
	struct ox_yaml_near near = { 0 };
	for (size_t i = 0; i < nc; i++)
		ox_yaml_near_try(&near, (struct ox_str){ s, n }, cand[i], strlen(cand[i]));
	if (near.best)
		snprintf(why, whysz, "unknown %s '%s' (did you mean '%.*s'?)", what, q, (int)near.len, near.best);
	else
		snprintf(why, whysz, "unknown %s '%s'", what, q);
	return -1;
}

int ox_alert_value_check(enum ox_alert_label l, const char *s, size_t n, char out[OX_ALERT_VALUE_MAX],
			 char *why, size_t whysz)
{
	char q[72];
	quote(q, s, n);
	switch (l) {
	case OX_AL_RULE: {
		if (ox_rule_by_code(s, n) >= 0)
			break;
		const char *codes[OX_R__COUNT];
		for (int r = 0; r < OX_R__COUNT; r++)
			codes[r] = ox_rule_info((enum ox_rule)r)->code;
		return unknown_value("rule", s, n, codes, OX_R__COUNT, why, whysz);
	}
	case OX_AL_CATEGORY: {
		const char *cats[OX_R__COUNT];
		size_t nc = 0;
		for (int r = 0; r < OX_R__COUNT; r++) {
			const char *c = ox_rule_info((enum ox_rule)r)->category;
			if (strlen(c) == n && memcmp(c, s, n) == 0)
				goto ok;
			if (!nc || strcmp(cats[nc - 1], c) != 0)
				cats[nc++] = c;
		}
		return unknown_value("category", s, n, cats, nc, why, whysz);
	}
	case OX_AL_SEVERITY:
		if (n == 2 && s[0] == 'P' && s[1] >= '1' && s[1] <= '4')
			break;
		snprintf(why, whysz, "severity '%s' must be P1, P2, P3 or P4", q);
		return -1;
	case OX_AL_TEAM:
		for (size_t i = 0; i < n; i++)
			if (!is_name_char(s[i]))
				n = 0;
		if (n >= 1 && n < OX_NAME_MAX)
			break;
		snprintf(why, whysz, "team '%s' must be a name of 1..%d letters, digits, '_', '-' and '.'", q,
			 OX_NAME_MAX - 1);
		return -1;
	case OX_AL_KIND:
		for (size_t k = 0; k < OX_ARRAY_LEN(kind_names); k++)
			if (strlen(kind_names[k]) == n && memcmp(kind_names[k], s, n) == 0)
				goto ok;
		return unknown_value("kind", s, n, kind_names, OX_ARRAY_LEN(kind_names), why, whysz);
	case OX_AL_LEVEL:
		if (n == 1 && s[0] >= '1' && s[0] <= '3')
			break;
		snprintf(why, whysz, "level '%s' must be 1, 2 or 3", q);
		return -1;
	case OX_AL_CASE:
		for (size_t i = 0; i < n; i++)
			if (!is_name_char(s[i]))
				n = 0;
		if (n >= 1 && n < sizeof(((struct ox_notice *)0)->case_id))
			break;
		snprintf(why, whysz, "case '%s' must be a case id such as C00000042", q);
		return -1;
	default:
		snprintf(why, whysz, "unknown label");
		return -1;
	}
ok:
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

static void copy_field(char out[OX_ALERT_VALUE_MAX], const char *f, size_t cap)
{
	size_t n = strnlen(f, cap);
	if (n >= OX_ALERT_VALUE_MAX)
		n = OX_ALERT_VALUE_MAX - 1;
	memcpy(out, f, n);
	out[n] = '\0';
}

void ox_alert_label_value(const struct ox_notice *n, enum ox_alert_label l, char out[OX_ALERT_VALUE_MAX])
{
	bool rule_ok = (unsigned)n->rule < OX_R__COUNT;
	switch (l) {
	case OX_AL_RULE:
		snprintf(out, OX_ALERT_VALUE_MAX, "%s", rule_ok ? ox_rule_info(n->rule)->code : "");
		break;
	case OX_AL_CATEGORY:
		snprintf(out, OX_ALERT_VALUE_MAX, "%s", rule_ok ? ox_rule_info(n->rule)->category : "");
		break;
	case OX_AL_SEVERITY:
		snprintf(out, OX_ALERT_VALUE_MAX, "P%d", n->severity);
		break;
	case OX_AL_TEAM:
		copy_field(out, n->team, sizeof n->team);
		break;
	case OX_AL_KIND:
		snprintf(out, OX_ALERT_VALUE_MAX, "%s",
			 (unsigned)n->kind < OX_ARRAY_LEN(kind_names) ? kind_names[n->kind] : "");
		break;
	case OX_AL_LEVEL:
		snprintf(out, OX_ALERT_VALUE_MAX, "%d", n->level);
		break;
	case OX_AL_CASE:
		copy_field(out, n->case_id, sizeof n->case_id);
		break;
	default:
		out[0] = '\0';
	}
}

bool ox_alert_matchers_match(const struct ox_alert_matcher *m, size_t count, const struct ox_notice *n)
{
	for (size_t i = 0; i < count; i++) {
		char v[OX_ALERT_VALUE_MAX];
		ox_alert_label_value(n, m[i].label, v);
		bool any = false;
		for (size_t j = 0; j < m[i].n && !any; j++)
			any = strcmp(v, m[i].values[j]) == 0;
		if (!any)
			return false;
	}
	return true;
}

/* ---- routing ----------------------------------------------------------------------------- */

static void route_walk(const struct ox_alert_route *r, const struct ox_notice *n,
		       const struct ox_alert_route **out, size_t *count)
{
	size_t before = *count;
	for (size_t i = 0; i < r->n_routes; i++) {
		const struct ox_alert_route *c = &r->routes[i];
		if (!ox_alert_matchers_match(c->match, c->n_match, n))
			continue;
		route_walk(c, n, out, count);
		if (!c->cont)
			break;
	}
	if (*count == before && *count < OX_ALERT_ROUTES_MAX)
		out[(*count)++] = r;
}

size_t ox_alert_route_notice(const struct ox_alert_config *c, const struct ox_notice *n,
			     const struct ox_alert_route **out)
{
	size_t count = 0;
	if (c->n_channels)
		route_walk(&c->route, n, out, &count);
	return count;
}

void ox_alert_group_key(const struct ox_alert_route *r, const struct ox_notice *n, struct ox_buf *out)
{
	ox_buf_reset(out);
	for (int l = 0; l < OX_AL__COUNT; l++) {
		if (!(r->group_by & (1u << l)))
			continue;
		char v[OX_ALERT_VALUE_MAX];
		ox_alert_label_value(n, (enum ox_alert_label)l, v);
		ox_buf_addf(out, "%s%s=%s", out->len ? "," : "", label_names[l], v);
	}
	ox_buf_add(out, "", 0); /* a NUL even when empty */
}

const struct ox_alert_channel *ox_alert_channel_find(const struct ox_alert_config *c, const char *name)
{
	for (size_t i = 0; i < c->n_channels; i++)
		if (strcmp(c->channels[i].name, name) == 0)
			return &c->channels[i];
	return NULL;
}

/* ---- as JSON ------------------------------------------------------------------------------ */

/* "https://oapi.dingtalk.com": a webhook URL's path and query often carry
 * its key (access_token=, key=), so only the scheme and the host are shown. */
static void endpoint_json(struct ox_buf *out, const char *url)
{
	const char *host = strstr(url, "://");
	host = host ? host + 3 : url;
	size_t n = strcspn(host, "/?#");
	const char *at = memchr(host, '@', n);
	if (at) { /* user:password@ is a secret too */
		n -= (size_t)(at + 1 - host);
		host = at + 1;
	}
	struct ox_buf b;
	ox_buf_init(&b, OX_ALERT_URL_MAX + 8);
	ox_buf_add(&b, url, (size_t)(strstr(url, "://") ? strstr(url, "://") + 3 - url : 0));
	ox_buf_add(&b, host, n);
	ox_buf_add_json_str(out, b.data ? b.data : "", b.len);
	ox_buf_release(&b);
}

static void route_json(const struct ox_alert_config *c, const struct ox_alert_route *r, struct ox_buf *out)
{
	char d[OX_DUR_BUFSZ];
	ox_buf_addf(out, "{\"id\":%d,\"receiver\":", r->id);
	ox_buf_add_json_str(out, c->channels[r->receiver].name, strlen(c->channels[r->receiver].name));
	ox_buf_addz(out, ",\"match\":{");
	for (size_t i = 0; i < r->n_match; i++) {
		ox_buf_addf(out, "%s\"%s\":[", i ? "," : "", label_names[r->match[i].label]);
		for (size_t v = 0; v < r->match[i].n; v++) {
			ox_buf_addz(out, v ? "," : "");
			ox_buf_add_json_str(out, r->match[i].values[v], strlen(r->match[i].values[v]));
		}
		ox_buf_addz(out, "]");
	}
	ox_buf_addz(out, "},\"group_by\":[");
	const char *sep = "";
	for (int l = 0; l < OX_AL__COUNT; l++)
		if (r->group_by & (1u << l)) {
			ox_buf_addf(out, "%s\"%s\"", sep, label_names[l]);
			sep = ",";
		}
	ox_buf_addf(out, "],\"group_wait\":\"%s\"", ox_duration_format(r->group_wait, d));
	ox_buf_addf(out, ",\"group_interval\":\"%s\"", ox_duration_format(r->group_interval, d));
	ox_buf_addf(out, ",\"repeat_interval\":\"%s\",\"continue\":%s,\"routes\":[",
		    ox_duration_format(r->repeat_interval, d), r->cont ? "true" : "false");
	for (size_t i = 0; i < r->n_routes; i++) {
		ox_buf_addz(out, i ? "," : "");
		route_json(c, &r->routes[i], out);
	}
	ox_buf_addz(out, "]}");
}

void ox_alert_config_json(const struct ox_alert_config *c, struct ox_buf *out)
{
	char d[OX_DUR_BUFSZ];
	ox_buf_addz(out, "{\"channels\":[");
	for (size_t i = 0; i < c->n_channels; i++) {
		const struct ox_alert_channel *ch = &c->channels[i];
		ox_buf_addz(out, i ? ",{\"name\":" : "{\"name\":");
		ox_buf_add_json_str(out, ch->name, strlen(ch->name));
		ox_buf_addf(out, ",\"type\":\"%s\",\"endpoint\":", ox_wh_type_name(ch->type));
		endpoint_json(out, ch->url);
		ox_buf_addf(out, ",\"signed\":%s,\"format\":\"%s\"}", ch->secret ? "true" : "false",
			    ch->type != OX_WH_FEISHU ? "default" : ch->feishu_text ? "text" : "card");
	}
	ox_buf_addz(out, "],\"route\":");
	if (c->n_channels)
		route_json(c, &c->route, out);
	else
		ox_buf_addz(out, "null");
	const struct ox_alert_delivery *v = &c->delivery;
	ox_buf_addf(out, ",\"delivery\":{\"timeout\":\"%s\"", ox_duration_format(v->timeout, d));
	ox_buf_addf(out, ",\"backoff_initial\":\"%s\"", ox_duration_format(v->backoff_initial, d));
	ox_buf_addf(out, ",\"backoff_max\":\"%s\"", ox_duration_format(v->backoff_max, d));
	ox_buf_addf(out, ",\"give_up_after\":\"%s\"", ox_duration_format(v->give_up_after, d));
	ox_buf_addf(out, ",\"retention\":\"%s\",\"language\":\"%s\"},\"console_url\":",
		    ox_duration_format(v->retention, d), v->lang == OX_WH_EN ? "en" : "zh");
	if (c->console_url)
		ox_buf_add_json_str(out, c->console_url, strlen(c->console_url));
	else
		ox_buf_addz(out, "null");
	ox_buf_addz(out, "}");
}

/* ---- freeing ----------------------------------------------------------------------------- */

static void route_release(struct ox_alert_route *r)
{
	for (size_t i = 0; i < r->n_routes; i++)
		route_release(&r->routes[i]);
	free(r->routes);
	ox_alert_matchers_free(r->match, r->n_match);
}

void ox_alert_config_free(struct ox_alert_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_channels; i++) {
		free(c->channels[i].name);
		free(c->channels[i].url);
		if (c->channels[i].secret) {
			memset(c->channels[i].secret, 0, strlen(c->channels[i].secret));
			free(c->channels[i].secret);
		}
	}
	free(c->channels);
	route_release(&c->route);
	free(c->console_url);
	free(c);
}

/* ---- reading --------------------------------------------------------------------------- */

#define DEFAULT_GROUP_WAIT (30 * OX_MS_SECOND)
#define DEFAULT_GROUP_INTERVAL (5 * OX_MS_MINUTE)
#define DEFAULT_REPEAT_INTERVAL (4 * OX_MS_HOUR)

static struct ox_alert_config *config_empty(void)
{
	struct ox_alert_config *c = ox_xcalloc(1, sizeof *c);
	c->route.group_by = 1u << OX_AL_RULE;
	c->route.group_wait = DEFAULT_GROUP_WAIT;
	c->route.group_interval = DEFAULT_GROUP_INTERVAL;
	c->route.repeat_interval = DEFAULT_REPEAT_INTERVAL;
	c->n_routes = 1;
	c->delivery = (struct ox_alert_delivery){
		.timeout = 5 * OX_MS_SECOND,
		.backoff_initial = 1 * OX_MS_SECOND,
		.backoff_max = 5 * OX_MS_MINUTE,
		.give_up_after = 24 * OX_MS_HOUR,
		.retention = 30 * OX_MS_DAY,
		.lang = OX_WH_ZH,
	};
	return c;
}

struct rd {
	struct ox_yaml y;
	struct ox_alert_config *c;
};

static void join(char out[OX_YAML_PATH_MAX], const char *path, const char *key)
{
	ox_yaml_join(out, path, ox_str_z(key));
}

/* Expand ${NAME} from the environment ("$$" is one '$') into a fresh string.
 * The value itself is never quoted in a message: it may be a secret. */
static int expand_env(struct rd *r, const char *path, const yaml_node_t *v, size_t max, char **out)
{
	struct ox_str s;
	if (ox_yaml_text(&r->y, path, v, max, &s) < 0)
		return -1;
	struct ox_buf b;
	ox_buf_init(&b, max); /* the limit holds after expansion too */
	for (size_t i = 0; i < s.len; i++) {
		if (s.s[i] != '$') {
			if (ox_buf_add(&b, s.s + i, 1) < 0)
				goto too_long;
			continue;
		}
		if (i + 1 < s.len && s.s[i + 1] == '$') {
			if (ox_buf_add(&b, "$", 1) < 0)
				goto too_long;
			i++;
			continue;
		}
		if (i + 1 >= s.len || s.s[i + 1] != '{') {
			if (ox_buf_add(&b, "$", 1) < 0)
				goto too_long;
			continue;
		}
		size_t start = i + 2, end = start;
		while (end < s.len && (s.s[end] == '_' || (s.s[end] >= 'A' && s.s[end] <= 'Z') ||
				       (s.s[end] >= 'a' && s.s[end] <= 'z') ||
				       (end > start && s.s[end] >= '0' && s.s[end] <= '9')))
			end++;
		if (end == start || end >= s.len || s.s[end] != '}' || end - start > 128) {
			ox_buf_release(&b);
			return ox_yaml_error(&r->y, v, "'%s': a variable must read ${NAME} (letters, digits, '_')",
					     path);
		}
		char name[130];
		memcpy(name, s.s + start, end - start);
		name[end - start] = '\0';
		const char *val = getenv(name);
		if (!val) {
			ox_buf_release(&b);
			return ox_yaml_error(&r->y, v, "'%s' uses environment variable '%s', which is not set", path,
					     name);
		}
		if (!*val) {
			ox_buf_release(&b);
			return ox_yaml_error(&r->y, v, "'%s' uses environment variable '%s', which is empty", path,
					     name);
		}
		if (ox_buf_addz(&b, val) < 0)
			goto too_long;
		i = end;
	}
	for (size_t i = 0; i < b.len; i++)
		if ((unsigned char)b.data[i] < 0x20 || b.data[i] == 0x7f) {
			ox_buf_release(&b);
			return ox_yaml_error(&r->y, v, "'%s' contains a control character (after expansion)", path);
		}
	ox_buf_add(&b, "", 0);
	*out = b.data ? b.data : ox_xstrndup("", 0);
	return 0;
too_long:
	ox_buf_release(&b);
	return ox_yaml_error(&r->y, v, "'%s' is longer than %zu bytes (after expansion)", path, max);
}

/* An http:// or https:// URL with a host. */
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

static int read_url(struct rd *r, const char *path, const yaml_node_t *v, char **out)
{
	if (expand_env(r, path, v, OX_ALERT_URL_MAX, out) < 0)
		return -1;
	if (!url_ok(*out)) {
		free(*out);
		*out = NULL;
		return ox_yaml_error(&r->y, v, "'%s' must be an http:// or https:// URL", path);
	}
	return 0;
}

static int read_channel(struct ox_yaml *y, void *ctx, const char *path, yaml_node_t *k, yaml_node_t *v)
{
	struct rd *r = ctx;
	static const char *const known[] = { "type", "url", "secret", "format", NULL };
	char here[OX_YAML_PATH_MAX], p[OX_YAML_PATH_MAX];
	struct ox_str name;
	ox_yaml_join(here, path, ox_yaml_str(k));
	if (ox_yaml_ident(y, here, k, OX_NAME_MAX - 1, &name) < 0)
		return -1;
	if (r->c->n_channels == OX_ALERT_CHANNELS_MAX)
		return ox_yaml_error(y, k, "'%s': more than %d channels", path, OX_ALERT_CHANNELS_MAX);
	if (v->type != YAML_MAPPING_NODE)
		return ox_yaml_error(y, v, "'%s' must be a mapping with type and url", here);
	if (ox_yaml_only(y, here, v, known) < 0)
		return -1;

	struct ox_alert_channel *ch = &r->c->channels[r->c->n_channels];
	memset(ch, 0, sizeof *ch);
	yaml_node_t *type = ox_yaml_get(y, v, "type"), *url = ox_yaml_get(y, v, "url"),
		    *secret = ox_yaml_get(y, v, "secret"), *format = ox_yaml_get(y, v, "format");
	join(p, here, "type");
	if (!type)
		return ox_yaml_error(y, v, "'%s' is required: dingtalk, wecom, feishu, slack or webhook", p);
	struct ox_str ts = ox_yaml_str(type);
	int t = type->type == YAML_SCALAR_NODE ? ox_wh_type_by_name(ts.s, ts.len) : -1;
	if (t < 0) {
		const char *types[OX_WH__NTYPES];
		for (int i = 0; i < OX_WH__NTYPES; i++)
			types[i] = ox_wh_type_name((enum ox_wh_type)i);
		char why[160];
		unknown_value("channel type", ts.s, ts.len, types, OX_WH__NTYPES, why, sizeof why);
		return ox_yaml_error(y, type, "'%s': %s; expected dingtalk, wecom, feishu, slack or webhook", p,
				     why);
	}
	join(p, here, "url");
	if (!url)
		return ox_yaml_error(y, v, "'%s' is required", p);
	char *url_s = NULL, *secret_s = NULL;
	if (read_url(r, p, url, &url_s) < 0)
		return -1;
	ch->name = ox_xstrndup(name.s, name.len);
	ch->type = (enum ox_wh_type)t;
	ch->url = url_s;
	r->c->n_channels++; /* owned by the config from here on (ox_yaml_each refused repeated names) */
	if (secret) {
		join(p, here, "secret");
		if (t == OX_WH_WECOM || t == OX_WH_SLACK)
			return ox_yaml_error(y, secret, "'%s': %s webhooks are not signed; remove the secret", p,
					     ox_wh_type_name((enum ox_wh_type)t));
		if (expand_env(r, p, secret, OX_ALERT_SECRET_MAX, &secret_s) < 0)
			return -1;
		ch->secret = secret_s;
	}
	if (format) {
		join(p, here, "format");
		if (t != OX_WH_FEISHU)
			return ox_yaml_error(y, format, "'%s' applies to feishu channels only", p);
		if (ox_str_eqz(ox_yaml_str(format), "text"))
			ch->feishu_text = true;
		else if (!ox_str_eqz(ox_yaml_str(format), "card"))
			return ox_yaml_error(y, format, "'%s' must be card or text", p);
	}
	return 0;
}

/* ---- routes ---------------------------------------------------------------------------- */

struct matcher_rd {
	struct rd *r;
	struct ox_alert_matcher *m; /* the matcher being filled */
};

static int read_match_value(struct ox_yaml *y, void *ctx, const char *path, yaml_node_t *k, yaml_node_t *v)
{
	struct matcher_rd *mr = ctx;
	struct ox_alert_matcher *m = mr->m;
	char norm[OX_ALERT_VALUE_MAX], why[200];
	(void)k;
	if (v->type != YAML_SCALAR_NODE || ox_yaml_is_null(v))
		return ox_yaml_error(y, v, "'%s' must be a value", path);
	if (m->n == OX_ALERT_VALUES_MAX)
		return ox_yaml_error(y, v, "'%s': more than %d values", path, OX_ALERT_VALUES_MAX);
	struct ox_str s = ox_yaml_str(v);
	if (ox_alert_value_check(m->label, s.s, s.len, norm, why, sizeof why) < 0)
		return ox_yaml_error(y, v, "'%s': %s", path, why);
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->values[i], norm) == 0)
			return ox_yaml_error(y, v, "'%s': '%s' is listed twice", path, norm);
	m->values = ox_xrealloc(m->values, (m->n + 1) * sizeof *m->values);
	m->values[m->n++] = ox_xstrndup(norm, strlen(norm));
	return 0;
}

struct route_rd {
	struct rd *r;
	struct ox_alert_route *route;
	int depth;
};

static int read_matcher(struct ox_yaml *y, void *ctx, const char *path, yaml_node_t *k, yaml_node_t *v)
{
	struct route_rd *rr = ctx;
	struct ox_alert_route *rt = rr->route;
	struct ox_str name = ox_yaml_str(k);
	int l = ox_alert_label_by_name(name.s, name.len);
	if (l < 0) {
		struct ox_yaml_near near = { 0 };
		for (int i = 0; i < OX_AL__COUNT; i++)
			ox_yaml_near_try(&near, name, label_names[i], strlen(label_names[i]));
		return ox_yaml_unknown(y, k, "label", path, name, &near);
	}
	char here[OX_YAML_PATH_MAX];
	ox_yaml_join(here, path, name);
	rt->match = ox_xrealloc(rt->match, (rt->n_match + 1) * sizeof *rt->match);
	struct ox_alert_matcher *m = &rt->match[rt->n_match++];
	*m = (struct ox_alert_matcher){ .label = (enum ox_alert_label)l };
	struct matcher_rd mr = { rr->r, m };
	if (v->type == YAML_SEQUENCE_NODE) {
		if (ox_yaml_items(y, here, v, read_match_value, &mr) < 0)
			return -1;
		if (!m->n)
			return ox_yaml_error(y, v, "'%s' is an empty list: it would match nothing", here);
		return 0;
	}
	return read_match_value(y, &mr, here, NULL, v);
}

struct group_by_rd {
	unsigned mask;
};

static int read_group_label(struct ox_yaml *y, void *ctx, const char *path, yaml_node_t *k, yaml_node_t *v)
{
	struct group_by_rd *g = ctx;
	(void)k;
	struct ox_str s = ox_yaml_str(v);
	int l = v->type == YAML_SCALAR_NODE ? ox_alert_label_by_name(s.s, s.len) : -1;
	if (l < 0) {
		char why[160];
		unknown_value("label", s.s, s.len, label_names, OX_AL__COUNT, why, sizeof why);
		return ox_yaml_error(y, v, "'%s': %s", path, why);
	}
	if (g->mask & (1u << l))
		return ox_yaml_error(y, v, "'%s': label '%s' is listed twice", path, label_names[l]);
	g->mask |= 1u << l;
	return 0;
}

static int read_receiver(struct rd *r, const char *path, const yaml_node_t *v, size_t *out)
{
	struct ox_str s;
	if (ox_yaml_ident(&r->y, path, v, OX_NAME_MAX - 1, &s) < 0)
		return -1;
	struct ox_yaml_near near = { 0 };
	for (size_t i = 0; i < r->c->n_channels; i++) {
		if (ox_str_eqz(s, r->c->channels[i].name)) {
			*out = i;
			return 0;
		}
		ox_yaml_near_try(&near, s, r->c->channels[i].name, strlen(r->c->channels[i].name));
	}
	if (!r->c->n_channels)
		return ox_yaml_error(&r->y, v, "'%s': no channel '%.*s': 'alerts.channels' defines none", path,
				     (int)s.len, s.s);
	if (near.best)
		return ox_yaml_error(&r->y, v, "'%s': unknown channel '%.*s' (did you mean '%.*s'?)", path,
				     (int)s.len, s.s, (int)near.len, near.best);
	return ox_yaml_error(&r->y, v, "'%s': unknown channel '%.*s'", path, (int)s.len, s.s);
}

static int read_route(struct rd *r, const char *path, yaml_node_t *v, struct ox_alert_route *rt, int depth);

static int read_child(struct ox_yaml *y, void *ctx, const char *path, yaml_node_t *k, yaml_node_t *v)
{
	struct route_rd *rr = ctx;
	struct ox_alert_route *parent = rr->route;
	(void)y;
	(void)k;
	if (rr->r->c->n_routes == OX_ALERT_ROUTES_MAX)
		return ox_yaml_error(&rr->r->y, v, "'%s': more than %d routes", path, OX_ALERT_ROUTES_MAX);
	struct ox_alert_route *c = &parent->routes[parent->n_routes++];
	/* inherited values first; the child's own keys override them */
	*c = (struct ox_alert_route){
		.id = rr->r->c->n_routes++,
		.receiver = parent->receiver,
		.group_by = parent->group_by,
		.group_wait = parent->group_wait,
		.group_interval = parent->group_interval,
		.repeat_interval = parent->repeat_interval,
	};
	return read_route(rr->r, path, v, c, rr->depth + 1);
}

static size_t seq_len(const yaml_node_t *v)
{
	return v->type == YAML_SEQUENCE_NODE
		       ? (size_t)(v->data.sequence.items.top - v->data.sequence.items.start)
		       : 0;
}

static int read_route(struct rd *r, const char *path, yaml_node_t *v, struct ox_alert_route *rt, int depth)
{
	static const char *const root_keys[] = { "receiver", "group_by", "group_wait", "group_interval",
						 "repeat_interval", "routes", NULL };
	static const char *const child_keys[] = { "match", "receiver", "group_by", "group_wait",
						  "group_interval", "repeat_interval", "continue", "routes",
						  NULL };
	struct ox_yaml *y = &r->y;
	char p[OX_YAML_PATH_MAX];
	bool root = depth == 0;
	if (v->type != YAML_MAPPING_NODE)
		return ox_yaml_error(y, v, "'%s' must be a mapping", path);
	if (depth > OX_ALERT_ROUTE_DEPTH_MAX)
		return ox_yaml_error(y, v, "'%s': routes nest deeper than %d levels", path, OX_ALERT_ROUTE_DEPTH_MAX);
	yaml_node_t *n;
	if (root && ((n = ox_yaml_get(y, v, "match")) || (n = ox_yaml_get(y, v, "continue"))))
		return ox_yaml_error(y, n, "'%s': the root route takes every notice; put %s on its routes",
				     path, ox_yaml_get(y, v, "match") ? "matchers" : "continue");
	if (ox_yaml_only(y, path, v, root ? root_keys : child_keys) < 0)
		return -1;

	if ((n = ox_yaml_get(y, v, "receiver"))) {
		join(p, path, "receiver");
		if (read_receiver(r, p, n, &rt->receiver) < 0)
			return -1;
	} else if (root) {
		return ox_yaml_error(y, v, "'%s.receiver' is required: the channel of notices no route takes",
				     path);
	}
	if ((n = ox_yaml_get(y, v, "match"))) {
		join(p, path, "match");
		struct route_rd rr = { r, rt, depth };
		if (ox_yaml_each(y, p, n, read_matcher, &rr) < 0)
			return -1;
	}
	if ((n = ox_yaml_get(y, v, "group_by"))) {
		join(p, path, "group_by");
		struct group_by_rd g = { 0 };
		if (n->type != YAML_SEQUENCE_NODE)
			return ox_yaml_error(y, n, "'%s' must be a list of labels: rule, category, severity, "
						   "team, kind, level, case",
					     p);
		if (ox_yaml_items(y, p, n, read_group_label, &g) < 0)
			return -1;
		rt->group_by = g.mask;
	}
	static const struct {
		const char *key;
		size_t off;
		int64_t min, max;
	} durs[] = {
		{ "group_wait", offsetof(struct ox_alert_route, group_wait), 0, OX_MS_HOUR },
		{ "group_interval", offsetof(struct ox_alert_route, group_interval), 1, 2 * OX_MS_DAY },
		{ "repeat_interval", offsetof(struct ox_alert_route, repeat_interval), 1, 30 * OX_MS_DAY },
	};
	for (size_t i = 0; i < OX_ARRAY_LEN(durs); i++)
		if ((n = ox_yaml_get(y, v, durs[i].key))) {
			join(p, path, durs[i].key);
			if (ox_yaml_duration(y, p, n, durs[i].min, durs[i].max,
					     (int64_t *)(void *)((char *)rt + durs[i].off)) < 0)
				return -1;
		}
	if ((n = ox_yaml_get(y, v, "continue"))) {
		join(p, path, "continue");
		if (ox_yaml_bool(y, p, n, &rt->cont) < 0)
			return -1;
	}
	if ((n = ox_yaml_get(y, v, "routes"))) {
		join(p, path, "routes");
		if (!ox_yaml_is_null(n) && n->type != YAML_SEQUENCE_NODE)
			return ox_yaml_error(y, n, "'%s' must be a list of routes", p);
		size_t count = seq_len(n);
		rt->routes = count ? ox_xcalloc(count, sizeof *rt->routes) : NULL;
		struct route_rd rr = { r, rt, depth };
		if (ox_yaml_items(y, p, n, read_child, &rr) < 0)
			return -1;
	}
	return 0;
}

/* ---- delivery and the section --------------------------------------------------------------- */

static int read_delivery(struct rd *r, yaml_node_t *v)
{
	static const char *const known[] = { "timeout", "backoff_initial", "backoff_max", "give_up_after",
					     "retention", "language", NULL };
	static const struct {
		const char *key;
		size_t off;
		int64_t min, max;
	} durs[] = {
		{ "timeout", offsetof(struct ox_alert_delivery, timeout), 1, 5 * OX_MS_MINUTE },
		{ "backoff_initial", offsetof(struct ox_alert_delivery, backoff_initial), 1, OX_MS_HOUR },
		{ "backoff_max", offsetof(struct ox_alert_delivery, backoff_max), 1, 6 * OX_MS_HOUR },
		{ "give_up_after", offsetof(struct ox_alert_delivery, give_up_after), 1, 30 * OX_MS_DAY },
		{ "retention", offsetof(struct ox_alert_delivery, retention), OX_MS_HOUR, 3650 * OX_MS_DAY },
	};
	struct ox_yaml *y = &r->y;
	struct ox_alert_delivery *d = &r->c->delivery;
	const char *path = "alerts.delivery";
	char p[OX_YAML_PATH_MAX];
	yaml_node_t *n;
	if (ox_yaml_is_null(v))
		return 0;
	if (v->type != YAML_MAPPING_NODE)
		return ox_yaml_error(y, v, "'%s' must be a mapping", path);
	if (ox_yaml_only(y, path, v, known) < 0)
		return -1;
	for (size_t i = 0; i < OX_ARRAY_LEN(durs); i++)
		if ((n = ox_yaml_get(y, v, durs[i].key))) {
			join(p, path, durs[i].key);
			if (ox_yaml_duration(y, p, n, durs[i].min, durs[i].max,
					     (int64_t *)(void *)((char *)d + durs[i].off)) < 0)
				return -1;
		}
	if (d->backoff_max < d->backoff_initial) {
		char a[OX_DUR_BUFSZ];
		n = ox_yaml_get(y, v, "backoff_max");
		return ox_yaml_error(y, n ? n : v, "'%s.backoff_max' must be at least backoff_initial (%s)", path,
				     ox_duration_format(d->backoff_initial, a));
	}
	if ((n = ox_yaml_get(y, v, "language"))) {
		join(p, path, "language");
		if (ox_str_eqz(ox_yaml_str(n), "zh"))
			d->lang = OX_WH_ZH;
		else if (ox_str_eqz(ox_yaml_str(n), "en"))
			d->lang = OX_WH_EN;
		else
			return ox_yaml_error(y, n, "'%s' must be zh or en", p);
	}
	return 0;
}

static int read_alerts(struct rd *r, yaml_node_t *alerts)
{
	static const char *const known[] = { "channels", "route", "delivery", "console_url", NULL };
	struct ox_yaml *y = &r->y;
	if (alerts->type != YAML_MAPPING_NODE)
		return ox_yaml_error(y, alerts, "'alerts' must be a mapping");
	if (ox_yaml_only(y, "alerts", alerts, known) < 0)
		return -1;
	yaml_node_t *channels = ox_yaml_get(y, alerts, "channels"), *route = ox_yaml_get(y, alerts, "route"),
		    *delivery = ox_yaml_get(y, alerts, "delivery"), *console = ox_yaml_get(y, alerts, "console_url");
	if (channels && !ox_yaml_is_null(channels)) {
		if (channels->type != YAML_MAPPING_NODE)
			return ox_yaml_error(y, channels, "'alerts.channels' must be a mapping of channel names");
		r->c->channels = ox_xcalloc(OX_ALERT_CHANNELS_MAX, sizeof *r->c->channels);
		if (ox_yaml_each(y, "alerts.channels", channels, read_channel, r) < 0)
			return -1;
	}
	if (route && !ox_yaml_is_null(route)) {
		if (read_route(r, "alerts.route", route, &r->c->route, 0) < 0)
			return -1;
	} else if (r->c->n_channels) {
		return ox_yaml_error(y, channels,
				     "'alerts.route' is required with channels: its receiver takes every notice no "
				     "route takes");
	}
	if (delivery && read_delivery(r, delivery) < 0)
		return -1;
	if (console && !ox_yaml_is_null(console)) {
		char *url;
		if (read_url(r, "alerts.console_url", console, &url) < 0)
			return -1;
		size_t l = strlen(url);
		while (l && url[l - 1] == '/')
			url[--l] = '\0';
		r->c->console_url = url;
	}
	return 0;
}

static int parse_doc(struct rd *r, struct ox_alert_config **out)
{
	yaml_node_t *root = ox_yaml_root(&r->y), *alerts = NULL;
	if (root && !ox_yaml_is_null(root)) {
		if (root->type != YAML_MAPPING_NODE)
			return ox_yaml_error(&r->y, root, "the config file must be a mapping");
		alerts = ox_yaml_get(&r->y, root, "alerts");
	}
	r->c = config_empty();
	if (alerts && !ox_yaml_is_null(alerts) && read_alerts(r, alerts) < 0) {
		ox_alert_config_free(r->c);
		r->c = NULL;
		return -1;
	}
	*out = r->c;
	return 0;
}

int ox_alert_config_parse(const char *name, const char *text, size_t len, struct ox_alert_config **out,
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

int ox_alert_config_load(const char *path, struct ox_alert_config **out, char *err, size_t errsz)
{
	struct rd r = { 0 };
	*out = NULL;
	if (!path) {
		*out = config_empty();
		return 0;
	}
	if (ox_yaml_load_file(&r.y, path, err, errsz) < 0)
		return -1;
	int rc = parse_doc(&r, out);
	ox_yaml_free(&r.y);
	return rc;
}

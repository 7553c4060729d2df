/* config.c - the YAML config file (see config.h, docs/config.md).
 *
 * libyaml loads the whole document so that every node keeps its line; then
 * a table of directives (nginx's ngx_command_t: a dotted key, a kind, an
 * offsetof) is walked over it with one generic setter per kind. A new
 * parameter is one row in cfg_directives.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "timefmt.h"
#include "textnorm.h"
#include "util.h"

/* Which struct a row's offset is into. ORDER rows are exactly the ones a
 * channel block may set. */
enum cfg_base { CFG_GLOBAL, CFG_ORDER, CFG_RULE, CFG__NBASE };

enum cfg_kind {
	CFG_DURATION, /* int64_t ms: "15m", "1h30m" */
	CFG_INT,      /* int */
	CFG_INT64,    /* int64_t */
	CFG_PERCENT,  /* int: 10 or "10%" */
	CFG_NAMES,    /* struct ox_name_list */
	CFG_SEVERITY, /* int 1..4: "P1".."P4" */
	CFG_BOOL,     /* bool */
	CFG_TEAM,     /* char[OX_NAME_MAX] */
	CFG_CARRIERS, /* logistics.carriers: carrier -> duration */
	CFG_RULES,    /* rules: code -> cfg_rule_directives */
	CFG_CHANNELS, /* channels: name -> ORDER rows, applied after the rest */
};

struct cfg_directive {
	const char *key; /* dotted, from the top (of a rule's block for rule rows) */
	enum cfg_kind kind;
	enum cfg_base base;
	size_t off;
	int64_t min, max; /* numbers and durations (ms) */
};

/* Ten years: far beyond any sensible window, and ts + window cannot overflow. */
#define CFG_DURATION_MAX (3650 * OX_MS_DAY)
/* Fraud weights and the threshold stay small so a score sum cannot overflow. */
#define CFG_SCORE_MAX 1000

#define CFG_ROW(key, kind, base, type, field, min, max) \
	{ key, kind, base, offsetof(type, field), min, max }
#define G(key, kind, field, min, max) \
	CFG_ROW(key, kind, CFG_GLOBAL, struct ox_params, field, min, max)
#define O(key, kind, field, min, max) \
	CFG_ROW(key, kind, CFG_ORDER, struct ox_order_params, field, min, max)
#define G_DUR(key, field) G(key, CFG_DURATION, field, 1, CFG_DURATION_MAX)
#define O_DUR(key, field) O(key, CFG_DURATION, field, 1, CFG_DURATION_MAX)
#define G_COUNT(key, field) G(key, CFG_INT, field, 1, INT_MAX)
#define G_FRAUD_COUNT(key, field) G(key, CFG_INT, field, 1, OX_FRAUD_COUNT_MAX)
#define G_WEIGHT(key, field) G(key, CFG_INT, field, 0, CFG_SCORE_MAX)
#define G_PCT(key, field) G(key, CFG_PERCENT, field, 0, 100)
#define G_TERM(name, term)                                          \
	G_DUR("fraud." name ".window", term.window),                \
	G_FRAUD_COUNT("fraud." name ".min_customers", term.min_customers), \
	G_WEIGHT("fraud." name ".weight", term.weight)

static const struct cfg_directive cfg_directives[] = {
	O_DUR("payment.retry_window", pay_retry_window),
	O_DUR("payment.settle_window", pay_settle_window),
	O_DUR("payment.status_window", pay_status_window),
	O_DUR("payment.reconcile_window", pay_reconcile_window),
	O_DUR("logistics.ship_window", ship_window),
	O_DUR("logistics.stall_window", stall_window),
	G("logistics.carriers", CFG_CARRIERS, carriers, 0, 0),
	O_DUR("sync.window", sync_window),
	O("sync.required", CFG_NAMES, sync_required, 0, 0),
	G_DUR("inventory.drift_window", drift_window),
	G("inventory.drift_abs", CFG_INT64, drift_abs, 0, INT64_MAX),
	G_PCT("inventory.drift_pct", drift_pct),
	O("fraud.threshold", CFG_INT, fraud_threshold, 1, CFG_SCORE_MAX),
	O("fraud.max_qty", CFG_INT64, fraud_max_qty, 1, INT64_MAX),
	G_TERM("address", fraud_address),
	G_TERM("phone", fraud_phone),
	G_TERM("device", fraud_device),
	G_TERM("coupon", fraud_coupon),
	G_DUR("fraud.new_account.age", fraud_new_account_age),
	G_DUR("fraud.new_account.window", fraud_new_account_window),
	G_FRAUD_COUNT("fraud.new_account.orders", fraud_new_account_orders),
	G_WEIGHT("fraud.new_account.weight", fraud_new_account_weight),
	G_WEIGHT("fraud.max_qty_weight", fraud_max_qty_weight),
	G_WEIGHT("fraud.invalid_phone_weight", fraud_invalid_phone_weight),
	G("customer.remark_keywords", CFG_NAMES, remark_keywords, 0, 0),
	G_COUNT("incident.burst_count", burst_count),
	G_DUR("incident.burst_window", burst_window),
	G_DUR("incident.burst_quiet", burst_quiet),
	G_DUR("incident.rate_window", rate_window),
	G_COUNT("incident.rate_min_attempts", rate_min_attempts),
	G_PCT("incident.rate_min_success_pct", rate_min_success_pct),
	G("rules", CFG_RULES, rules, 0, 0),
	G("channels", CFG_CHANNELS, channels, 0, 0),
};

/* The block of one rule under `rules: { CODE: ... }`. */
static const struct cfg_directive cfg_rule_directives[] = {
	CFG_ROW("enabled", CFG_BOOL, CFG_RULE, struct ox_rule_setting, enabled, 0, 0),
	CFG_ROW("severity", CFG_SEVERITY, CFG_RULE, struct ox_rule_setting, severity, 1, 4),
	CFG_ROW("team", CFG_TEAM, CFG_RULE, struct ox_rule_setting, team, 0, 0),
};

#define CFG_PATH_MAX 192 /* known keys, plus a channel or rule name */

struct cfg_ctx {
	const char *name; /* PATH in messages */
	yaml_document_t *doc;
	struct ox_params *p;
	void *base[CFG__NBASE]; /* NULL: rows of that base cannot be set here */
	yaml_node_t *channels;  /* deferred until the global values are final */
	size_t channels_cap;    /* of p->channels */
	char *err;
	size_t errsz;
};

static size_t cfg_line(const yaml_node_t *n)
{
	return n->start_mark.line + 1;
}

__attribute__((format(printf, 3, 4))) static int cfg_error(struct cfg_ctx *c,
							    const yaml_node_t *at,
							    const char *fmt, ...)
{
	int n = snprintf(c->err, c->errsz, "%s:%zu: ", c->name, cfg_line(at));
	if (n >= 0 && (size_t)n < c->errsz) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(c->err + n, c->errsz - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* The text of a scalar; empty for a mapping or a list. */
static struct ox_str cfg_str(const yaml_node_t *v)
{
	if (v->type != YAML_SCALAR_NODE)
		return OX_STR_LIT("");
	return (struct ox_str){ (const char *)v->data.scalar.value, v->data.scalar.length };
}

static bool cfg_is_plain(const yaml_node_t *v)
{
	return v->type == YAML_SCALAR_NODE && v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

/* An empty value, "~" or null: a section left with everything commented out. */
static bool cfg_is_null(const yaml_node_t *v)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };
	if (!cfg_is_plain(v))
		return false;
	for (size_t i = 0; i < OX_ARRAY_LEN(nulls); i++)
		if (ox_str_eqz(cfg_str(v), nulls[i]))
			return true;
	return false;
}

/* "path.key", or "key" at the top; truncated between characters (only an
 * unknown key can be long), control characters of the key (a quoted key may
 * hold "\n") written '?', so that a message quoting it stays one line of
 * valid UTF-8. */
static void cfg_join(char out[CFG_PATH_MAX], const char *path, struct ox_str key)
{
	size_t n = strnlen(path, CFG_PATH_MAX - 2);
	memcpy(out, path, n);
	if (n)
		out[n++] = '.';
	size_t kl = ox_utf8_clip(key.s, key.len, CFG_PATH_MAX - 1 - n);
	for (size_t i = 0; i < kl; i++) {
		unsigned char ch = (unsigned char)key.s[i];
		out[n + i] = ch < 0x20 || ch == 0x7F ? '?' : (char)ch;
	}
	out[n + kl] = '\0';
}

/* "Did you mean": the closest candidate within a few edits. */
#define CFG_NEAR_MAX 64
struct cfg_near {
	const char *best;
	size_t len, dist;
};

static size_t cfg_distance(struct ox_str a, const char *b, size_t bl)
{
	size_t row[CFG_NEAR_MAX + 1];
	for (size_t j = 0; j <= bl; j++)
		row[j] = j;
	for (size_t i = 1; i <= a.len; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= bl; j++) {
			size_t up = row[j], best = diag + (a.s[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[bl];
}

static void cfg_near_try(struct cfg_near *n, struct ox_str key, const char *cand, size_t cl)
{
	if (key.len > CFG_NEAR_MAX || cl > CFG_NEAR_MAX)
		return;
	size_t d = cfg_distance(key, cand, cl);
	if (d <= (cl < 6 ? 1 : cl / 3) && (!n->best || d < n->dist))
		*n = (struct cfg_near){ cand, cl, d };
}

static int cfg_unknown(struct cfg_ctx *c, const yaml_node_t *at, const char *what,
		       const char *path, struct ox_str key, const struct cfg_near *near)
{
	char full[CFG_PATH_MAX], hint[CFG_PATH_MAX];
	cfg_join(full, path, key);
	if (!near->best)
		return cfg_error(c, at, "unknown %s '%s'", what, full);
	cfg_join(hint, path, (struct ox_str){ near->best, near->len });
	return cfg_error(c, at, "unknown %s '%s' (did you mean '%s'?)", what, full, hint);
}

/* Call fn for each key/value of the mapping v (null: none) after checking
 * that the key is a scalar and not a repeat. */
typedef int cfg_pair_fn(struct cfg_ctx *c, const char *path, yaml_node_t *k, yaml_node_t *v,
			const void *arg);

static int cfg_each(struct cfg_ctx *c, const char *path, yaml_node_t *m, cfg_pair_fn *fn,
		    const void *arg)
{
	if (cfg_is_null(m))
		return 0;
	if (m->type != YAML_MAPPING_NODE)
		return cfg_error(c, m, "'%s' must be a mapping", path);
	yaml_node_pair_t *first = m->data.mapping.pairs.start;
	for (yaml_node_pair_t *pr = first; pr < m->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = yaml_document_get_node(c->doc, pr->key);
		yaml_node_t *v = yaml_document_get_node(c->doc, pr->value);
		if (k->type != YAML_SCALAR_NODE)
			return cfg_error(c, k, "keys must be scalars");
		for (yaml_node_pair_t *q = first; q < pr; q++) {
			yaml_node_t *qk = yaml_document_get_node(c->doc, q->key);
			if (qk->type == YAML_SCALAR_NODE && ox_str_eq(cfg_str(qk), cfg_str(k))) {
				char full[CFG_PATH_MAX];
				cfg_join(full, path, cfg_str(k));
				return cfg_error(c, k, "duplicate key '%s' (first at line %zu)", full,
						 cfg_line(qk));
			}
		}
		if (fn(c, path, k, v, arg) < 0)
			return -1;
	}
	return 0;
}

/* A channel, carrier or list name: it must fit OX_NAME_MAX with its NUL. */
static int cfg_name(struct cfg_ctx *c, const char *path, const yaml_node_t *v)
{
	struct ox_str s = cfg_str(v);
	if (ox_textnorm_trim(s).len == 0)
		return cfg_error(c, v, "empty name in '%s'", path);
	if (s.len > OX_NAME_MAX - 1)
		return cfg_error(c, v, "a name in '%s' is longer than %d bytes", path,
				 OX_NAME_MAX - 1);
	for (size_t i = 0; i < s.len; i++)
		if ((unsigned char)s.s[i] < 0x20 || s.s[i] == 0x7f)
			return cfg_error(c, v, "a name in '%s' contains a control character", path);
	return 0;
}

static void cfg_copy_name(char dst[OX_NAME_MAX], struct ox_str s)
{
	memset(dst, 0, OX_NAME_MAX);
	memcpy(dst, s.s, s.len);
}

/* Decimal integer, optional sign, no overflow. */
static int cfg_parse_int(struct ox_str s, int64_t *out)
{
	size_t i = (s.len && (s.s[0] == '-' || s.s[0] == '+')) ? 1 : 0;
	bool neg = i && s.s[0] == '-';
	int64_t v = 0;
	if (i == s.len)
		return -1;
	for (; i < s.len; i++) {
		if (s.s[i] < '0' || s.s[i] > '9')
			return -1;
		int d = s.s[i] - '0';
		if (v > (INT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = neg ? -v : v;
	return 0;
}

/* The setters: v is the value node, field points into the base struct. */
typedef int cfg_setter(struct cfg_ctx *c, const struct cfg_directive *d, const char *path,
		       yaml_node_t *v, void *field);

static int cfg_bad_type(struct cfg_ctx *c, const struct cfg_directive *d, const char *path,
			const yaml_node_t *v);

static int cfg_set_duration(struct cfg_ctx *c, const struct cfg_directive *d, const char *path,
			    yaml_node_t *v, void *field)
{
	int64_t ms;
	if (v->type != YAML_SCALAR_NODE ||
	    ox_duration_parse(cfg_str(v).s, cfg_str(v).len, &ms) < 0)
		return cfg_bad_type(c, d, path, v);
	if (ms < d->min)
		return cfg_error(c, v, "'%s' must be greater than 0", path);
	if (ms > d->max)
		return cfg_error(c, v, "'%s' must be at most %lld days", path,
				 (long long)(d->max / OX_MS_DAY));
	*(int64_t *)field = ms;
	return 0;
}

static int cfg_set_int(struct cfg_ctx *c, const struct cfg_directive *d, const char *path,
		       yaml_node_t *v, void *field)
{
	struct ox_str s = cfg_str(v);
	int64_t n;
	if (d->kind == CFG_PERCENT && s.len && s.s[s.len - 1] == '%')
		s.len--;
	if (!cfg_is_plain(v) || cfg_parse_int(s, &n) < 0)
		return cfg_bad_type(c, d, path, v);
	if (n < d->min)
		return cfg_error(c, v, "'%s' must be >= %lld", path, (long long)d->min);
	if (n > d->max)
		return cfg_error(c, v, "'%s' must be <= %lld", path, (long long)d->max);
	if (d->kind == CFG_INT64)
		*(int64_t *)field = n;
	else
		*(int *)field = (int)n;
	return 0;
}

static int cfg_set_names(struct cfg_ctx *c, const struct cfg_directive *d, const char *path,
			 yaml_node_t *v, void *field)
{
	struct ox_name_list *l = field;
	if (v->type != YAML_SEQUENCE_NODE)
		return cfg_bad_type(c, d, path, v);
	memset(l, 0, sizeof(*l));
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
	     it++) {
		yaml_node_t *e = yaml_document_get_node(c->doc, *it);
		if (l->n == OX_LIST_MAX)
			return cfg_error(c, e, "'%s' has more than %d entries", path, OX_LIST_MAX);
		if (e->type != YAML_SCALAR_NODE)
			return cfg_bad_type(c, d, path, e);
		if (cfg_name(c, path, e) < 0)
			return -1;
		for (size_t i = 0; i < l->n; i++)
			if (ox_str_eqz(cfg_str(e), l->names[i]))
				return cfg_error(c, e, "'%s' lists '%s' twice", path, l->names[i]);
		cfg_copy_name(l->names[l->n++], cfg_str(e));
	}
	return 0;
}

static int cfg_set_severity(struct cfg_ctx *c, const struct cfg_directive *d, const char *path,
			    yaml_node_t *v, void *field)
{
	struct ox_str s = cfg_str(v);
	if (v->type != YAML_SCALAR_NODE || s.len != 2 || (s.s[0] != 'P' && s.s[0] != 'p') ||
	    s.s[1] < '0' + d->min || s.s[1] > '0' + d->max)
		return cfg_bad_type(c, d, path, v);
	*(int *)field = s.s[1] - '0';
	return 0;
}

static int cfg_set_bool(struct cfg_ctx *c, const struct cfg_directive *d, const char *path,
			yaml_node_t *v, void *field)
{
	/* YAML 1.2 core schema: yes/no/on/off are strings, not booleans. */
	static const struct {
		const char *s;
		bool b;
	} bools[] = { { "true", true },	  { "True", true },   { "TRUE", true },
		      { "false", false }, { "False", false }, { "FALSE", false } };
	for (size_t i = 0; cfg_is_plain(v) && i < OX_ARRAY_LEN(bools); i++)
		if (ox_str_eqz(cfg_str(v), bools[i].s)) {
			*(bool *)field = bools[i].b;
			return 0;
		}
	return cfg_bad_type(c, d, path, v);
}

/* Team names route cases to queues and URLs: keep them to a safe alphabet. */
static int cfg_set_team(struct cfg_ctx *c, const struct cfg_directive *d, const char *path,
			yaml_node_t *v, void *field)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz"
				       "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.";
	if (v->type != YAML_SCALAR_NODE)
		return cfg_bad_type(c, d, path, v);
	struct ox_str s = cfg_str(v);
	if (s.len > OX_NAME_MAX - 1)
		return cfg_error(c, v, "'%s' is longer than %d bytes", path, OX_NAME_MAX - 1);
	if (s.len == 0 || strspn(s.s, alphabet) != s.len)
		return cfg_bad_type(c, d, path, v);
	cfg_copy_name(field, s);
	return 0;
}

static int cfg_carrier(struct cfg_ctx *c, const char *path, yaml_node_t *k, yaml_node_t *v,
		       const void *arg)
{
	struct ox_params *p = c->p;
	char full[CFG_PATH_MAX];
	size_t i = 0;
	if (cfg_name(c, path, k) < 0)
		return -1;
	while (i < p->n_carriers && !ox_str_eqz(cfg_str(k), p->carriers[i].carrier))
		i++;
	if (i == OX_LIST_MAX)
		return cfg_error(c, k, "'%s' has more than %d entries", path, OX_LIST_MAX);
	cfg_join(full, path, cfg_str(k));
	if (cfg_set_duration(c, arg, full, v, &p->carriers[i].stall_window) < 0)
		return -1;
	if (i == p->n_carriers) {
		cfg_copy_name(p->carriers[i].carrier, cfg_str(k));
		p->n_carriers++;
	}
	return 0;
}

static int cfg_set_carriers(struct cfg_ctx *c, const struct cfg_directive *d, const char *path,
			    yaml_node_t *v, void *field)
{
	/* each value is one stall window; the table and its count are in c->p */
	static const struct cfg_directive window = G_DUR("logistics.carriers.*", carriers);
	(void)d;
	(void)field;
	return cfg_each(c, path, v, cfg_carrier, &window);
}

static int cfg_walk(struct cfg_ctx *c, const char *path, yaml_node_t *k, yaml_node_t *v,
		    const void *arg);

/* Which table a mapping is walked with, and where its keys start in it. */
struct cfg_scope {
	const struct cfg_directive *rows;
	size_t n;
	const char *prefix; /* "" or "fraud.address" */
};

static int cfg_rule(struct cfg_ctx *c, const char *path, yaml_node_t *k, yaml_node_t *v,
		    const void *arg)
{
	static const struct cfg_scope rule_scope = { cfg_rule_directives,
						     OX_ARRAY_LEN(cfg_rule_directives), "" };
	struct cfg_near near = { 0 };
	char full[CFG_PATH_MAX];
	int r = ox_rule_by_code(cfg_str(k).s, cfg_str(k).len);
	(void)arg;
	if (r >= 0) {
		c->base[CFG_RULE] = &c->p->rules[r];
		cfg_join(full, path, cfg_str(k));
		return cfg_each(c, full, v, cfg_walk, &rule_scope);
	}
	for (r = 0; r < OX_R__COUNT; r++) {
		const char *code = ox_rule_info((enum ox_rule)r)->code;
		cfg_near_try(&near, cfg_str(k), code, strlen(code));
	}
	return cfg_unknown(c, k, "rule", path, cfg_str(k), &near);
}

static int cfg_set_rules(struct cfg_ctx *c, const struct cfg_directive *d, const char *path,
			 yaml_node_t *v, void *field)
{
	(void)d;
	(void)field;
	return cfg_each(c, path, v, cfg_rule, NULL);
}

static int cfg_set_channels(struct cfg_ctx *c, const struct cfg_directive *d, const char *path,
			    yaml_node_t *v, void *field)
{
	(void)d;
	(void)path;
	(void)field;
	c->channels = v;
	return 0;
}

static const struct {
	cfg_setter *set;
	const char *what; /* "'key' must be ..." */
} cfg_kinds[] = {
	[CFG_DURATION] = { cfg_set_duration, "a duration such as 90s, 15m, 72h, 2d or 1h30m" },
	[CFG_INT] = { cfg_set_int, "an integer" },
	[CFG_INT64] = { cfg_set_int, "an integer" },
	[CFG_PERCENT] = { cfg_set_int, "a percentage such as 80 or 80%" },
	[CFG_NAMES] = { cfg_set_names, "a list of names such as [a, b]" },
	[CFG_SEVERITY] = { cfg_set_severity, "one of P1, P2, P3, P4" },
	[CFG_BOOL] = { cfg_set_bool, "true or false" },
	[CFG_TEAM] = { cfg_set_team, "a team name of letters, digits, '_', '-' and '.'" },
	[CFG_CARRIERS] = { cfg_set_carriers, "a mapping" },
	[CFG_RULES] = { cfg_set_rules, "a mapping" },
	[CFG_CHANNELS] = { cfg_set_channels, "a mapping" },
};

static int cfg_bad_type(struct cfg_ctx *c, const struct cfg_directive *d, const char *path,
			const yaml_node_t *v)
{
	return cfg_error(c, v, "'%s' must be %s", path, cfg_kinds[d->kind].what);
}

/* The part of a row key below prefix ("" is the top), or NULL. */
static const char *cfg_under(const char *row, const char *prefix)
{
	size_t pl = strlen(prefix);
	if (pl == 0)
		return row;
	return strncmp(row, prefix, pl) == 0 && row[pl] == '.' ? row + pl + 1 : NULL;
}

/* One key of a section: a row to set, or a deeper section to walk. */
static int cfg_walk(struct cfg_ctx *c, const char *path, yaml_node_t *k, yaml_node_t *v,
		    const void *arg)
{
	const struct cfg_scope *sc = arg;
	const struct cfg_directive *row = NULL;
	struct ox_str key = cfg_str(k);
	struct cfg_near near = { 0 };
	bool known = false, settable = false;
	char full[CFG_PATH_MAX];

	for (size_t i = 0; i < sc->n; i++) {
		const char *s = cfg_under(sc->rows[i].key, sc->prefix);
		if (!s)
			continue;
		size_t len = strcspn(s, ".");
		if (!ox_str_eq(key, (struct ox_str){ s, len })) {
			cfg_near_try(&near, key, s, len);
			continue;
		}
		known = true;
		settable |= c->base[sc->rows[i].base] != NULL;
		if (s[len] == '\0')
			row = &sc->rows[i];
	}
	if (!known)
		return cfg_unknown(c, k, "key", path, key, &near);
	cfg_join(full, path, key);
	if (!settable)
		return cfg_error(c, k, "'%s' cannot be set per channel", full);
	if (row)
		return cfg_kinds[row->kind].set(c, row, full, v,
						(char *)c->base[row->base] + row->off);

	char prefix[CFG_PATH_MAX];
	cfg_join(prefix, sc->prefix, key);
	struct cfg_scope sub = { sc->rows, sc->n, prefix };
	return cfg_each(c, full, v, cfg_walk, &sub);
}

static const struct cfg_scope cfg_top = { cfg_directives, OX_ARRAY_LEN(cfg_directives), "" };

/* One channel block: the final global values, then its own keys. */
static int cfg_channel(struct cfg_ctx *c, const char *path, yaml_node_t *k, yaml_node_t *v,
		       const void *arg)
{
	struct ox_params *p = c->p;
	size_t i = 0;
	char full[CFG_PATH_MAX];
	(void)arg;
	if (cfg_name(c, path, k) < 0)
		return -1;
	while (i < p->n_channels && !ox_str_eqz(cfg_str(k), p->channels[i].channel))
		i++;
	if (i == OX_LIST_MAX)
		return cfg_error(c, k, "'%s' has more than %d entries", path, OX_LIST_MAX);
	if (i == p->n_channels) {
		OX_GROW(p->channels, c->channels_cap, i + 1);
		memset(&p->channels[i], 0, sizeof(p->channels[i]));
		cfg_copy_name(p->channels[i].channel, cfg_str(k));
		p->n_channels++;
	}
	p->channels[i].p = p->order;
	c->base[CFG_ORDER] = &p->channels[i].p;
	cfg_join(full, path, cfg_str(k));
	return cfg_each(c, full, v, cfg_walk, &cfg_top);
}

static int cfg_apply(struct cfg_ctx *c, yaml_node_t *root)
{
	if (cfg_is_null(root))
		return 0;
	if (root->type != YAML_MAPPING_NODE)
		return cfg_error(c, root, "the top level must be a mapping");
	c->base[CFG_GLOBAL] = c->p;
	c->base[CFG_ORDER] = &c->p->order;
	if (cfg_each(c, "", root, cfg_walk, &cfg_top) < 0)
		return -1;
	if (!c->channels)
		return 0;
	c->channels_cap = c->p->n_channels;
	c->base[CFG_GLOBAL] = NULL;
	return cfg_each(c, "channels", c->channels, cfg_channel, NULL);
}

static void cfg_yaml_error(const yaml_parser_t *ps, const char *name, const char *yaml,
			   size_t len, char *err, size_t errsz)
{
	size_t line = ps->problem_mark.line + 1;
	if (ps->error == YAML_MEMORY_ERROR) {
		snprintf(err, errsz, "%s: out of memory", name);
		return;
	}
	if (ps->error == YAML_READER_ERROR) {
		/* the reader reports a byte offset, not a mark */
		line = 1;
		for (size_t i = 0; i < ps->problem_offset && i < len; i++)
			line += yaml[i] == '\n';
	}
	if (ps->context)
		snprintf(err, errsz, "%s:%zu: %s (%s at line %zu)", name, line, ps->problem,
			 ps->context, ps->context_mark.line + 1);
	else
		snprintf(err, errsz, "%s:%zu: %s", name, line,
			 ps->problem ? ps->problem : "invalid YAML");
}

/* Load the one document of the stream; a second one is an error. Returns
 * 0 with *doc to delete, or -1 with err written. */
static int cfg_parse(const char *name, const char *yaml, size_t len, yaml_document_t *doc,
		     char *err, size_t errsz)
{
	yaml_parser_t ps;
	yaml_document_t next;
	int rc = -1;
	if (!yaml_parser_initialize(&ps)) {
		snprintf(err, errsz, "%s: out of memory", name);
		return -1;
	}
	yaml_parser_set_input_string(&ps, (const unsigned char *)yaml, len);
	if (!yaml_parser_load(&ps, doc)) {
		cfg_yaml_error(&ps, name, yaml, len, err, errsz);
	} else if (!yaml_parser_load(&ps, &next)) {
		cfg_yaml_error(&ps, name, yaml, len, err, errsz);
		yaml_document_delete(doc);
	} else {
		yaml_node_t *root = yaml_document_get_root_node(&next);
		if (root && !cfg_is_null(root)) {
			snprintf(err, errsz, "%s:%zu: only one YAML document is allowed", name,
				 cfg_line(root));
			yaml_document_delete(doc);
		} else {
			rc = 0;
		}
		yaml_document_delete(&next);
	}
	yaml_parser_delete(&ps);
	return rc;
}

int ox_config_load_string(const char *name, const char *yaml, size_t len, struct ox_params *p,
			  char *err, size_t errsz)
{
	yaml_document_t doc;
	if (cfg_parse(name, yaml, len, &doc, err, errsz) < 0)
		return -1;

	/* Apply to a copy so that p is untouched on error. */
	struct ox_params *tmp = ox_xmalloc(sizeof(*tmp));
	ox_params_copy(tmp, p);
	struct cfg_ctx c = { .name = name, .doc = &doc, .p = tmp, .err = err, .errsz = errsz };
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	int rc = root ? cfg_apply(&c, root) : 0;
	yaml_document_delete(&doc);
	if (rc == 0) {
		free(p->channels);
		memcpy(p, tmp, sizeof(*p));
	} else {
		free(tmp->channels);
	}
	free(tmp);
	return rc;
}

int ox_config_load(const char *path, struct ox_params *p, char *err, size_t errsz)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	char *buf = ox_xmalloc(OX_CONFIG_FILE_MAX + 1);
	size_t n = fread(buf, 1, OX_CONFIG_FILE_MAX + 1, f);
	int rc = -1;
	if (ferror(f))
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
	else if (n > OX_CONFIG_FILE_MAX)
		snprintf(err, errsz, "%s: larger than %d bytes", path, OX_CONFIG_FILE_MAX);
	else
		rc = ox_config_load_string(path, buf, n, p, err, errsz);
	fclose(f);
	free(buf);
	return rc;
}

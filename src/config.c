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
#include "yamlcfg.h"

_Static_assert(OX_CONFIG_FILE_MAX == OX_YAML_FILE_MAX, "config.h promises the loader's limit");

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
	CFG_ELSEWHERE, /* a section another module reads (policy.c, alert_config.c) */
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
/* Retention is counted in days: a shorter one would forget an order while
 * the rules' windows (hours) still look at it. */
#define G_RETAIN(key, field) G(key, CFG_DURATION, field, OX_MS_DAY, CFG_DURATION_MAX)
#define G_COUNT(key, field) G(key, CFG_INT, field, 1, INT_MAX)
#define G_FRAUD_COUNT(key, field) G(key, CFG_INT, field, 1, OX_FRAUD_COUNT_MAX)
#define G_WEIGHT(key, field) G(key, CFG_INT, field, 0, CFG_SCORE_MAX)
#define G_PCT(key, field) G(key, CFG_PERCENT, field, 0, 100)
#define G_TERM(name, term)                                          \
	G_DUR("fraud." name ".window", term.window),                \
	G_FRAUD_COUNT("fraud." name ".min_customers", term.min_customers), \
	G_WEIGHT("fraud." name ".weight", term.weight)

#define G_SLA(sev, i) G_DUR("sla." sev ".respond", sla[i].respond), \
		      G_DUR("sla." sev ".resolve", sla[i].resolve)

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
	G_SLA("P1", 0), G_SLA("P2", 1), G_SLA("P3", 2), G_SLA("P4", 3),
	G_PCT("sla.due_soon_pct", sla_due_soon_pct),
	G_DUR("escalation.repeat_interval", escalation_repeat),
	G_RETAIN("retention.finished", retention_finished),
	G_RETAIN("retention.idle", retention_idle),
	G_RETAIN("retention.event_ids", retention_event_ids),
	G("rules", CFG_RULES, rules, 0, 0),
	/* sections that other modules read from the same file */
	G("teams", CFG_ELSEWHERE, order, 0, 0),
	G("routing", CFG_ELSEWHERE, order, 0, 0),
	G("alerts", CFG_ELSEWHERE, order, 0, 0),
	G("playbooks", CFG_ELSEWHERE, order, 0, 0),
	G("actions", CFG_ELSEWHERE, order, 0, 0),
	G("channels", CFG_CHANNELS, channels, 0, 0),
};

/* The block of one rule under `rules: { CODE: ... }`. */
static const struct cfg_directive cfg_rule_directives[] = {
	CFG_ROW("enabled", CFG_BOOL, CFG_RULE, struct ox_rule_setting, enabled, 0, 0),
	CFG_ROW("severity", CFG_SEVERITY, CFG_RULE, struct ox_rule_setting, severity, 1, 4),
	CFG_ROW("team", CFG_TEAM, CFG_RULE, struct ox_rule_setting, team, 0, 0),
};

struct cfg_ctx {
	struct ox_yaml y;
	struct ox_params *p;
	void *base[CFG__NBASE]; /* NULL: rows of that base cannot be set here */
	yaml_node_t *channels;  /* deferred until the global values are final */
	size_t channels_cap;    /* of p->channels */
	const struct ox_config_set *sets; /* live changes on top of the file */
	size_t n_sets;
};

/* ox_yaml_each with this file's callbacks, which take the context and an
 * argument (a scope, a directive). */
typedef int cfg_pair_fn(struct cfg_ctx *c, const char *path, yaml_node_t *k, yaml_node_t *v,
			const void *arg);

struct cfg_call {
	struct cfg_ctx *c;
	cfg_pair_fn *fn;
	const void *arg;
};

static int cfg_call(struct ox_yaml *y, void *ctx, const char *path, yaml_node_t *k, yaml_node_t *v)
{
	const struct cfg_call *t = ctx;
	(void)y;
	return t->fn(t->c, path, k, v, t->arg);
}

static int cfg_each(struct cfg_ctx *c, const char *path, yaml_node_t *m, cfg_pair_fn *fn,
		    const void *arg)
{
	struct cfg_call t = { c, fn, arg };
	return ox_yaml_each(&c->y, path, m, cfg_call, &t);
}

/* A channel, carrier or list name: it must fit OX_NAME_MAX with its NUL. */
static int cfg_name(struct cfg_ctx *c, const char *path, const yaml_node_t *v)
{
	struct ox_str s = ox_yaml_str(v);
	if (ox_textnorm_trim(s).len == 0)
		return ox_yaml_error(&c->y, v, "empty name in '%s'", path);
	if (s.len > OX_NAME_MAX - 1)
		return ox_yaml_error(&c->y, v, "a name in '%s' is longer than %d bytes", path,
				 OX_NAME_MAX - 1);
	for (size_t i = 0; i < s.len; i++)
		if ((unsigned char)s.s[i] < 0x20 || s.s[i] == 0x7f)
			return ox_yaml_error(&c->y, v, "a name in '%s' contains a control character", path);
	return 0;
}

static void cfg_copy_name(char dst[OX_NAME_MAX], struct ox_str s)
{
	memset(dst, 0, OX_NAME_MAX);
	memcpy(dst, s.s, s.len);
}

/* The setters: v is the value node, field points into the base struct. */
typedef int cfg_setter(struct cfg_ctx *c, const struct cfg_directive *d, const char *path,
		       yaml_node_t *v, void *field);

static int cfg_bad_type(struct cfg_ctx *c, const struct cfg_directive *d, const char *path,
			const yaml_node_t *v);

static int cfg_set_duration(struct cfg_ctx *c, const struct cfg_directive *d, const char *path,
			    yaml_node_t *v, void *field)
{
	return ox_yaml_duration(&c->y, path, v, d->min, d->max, field);
}

static int cfg_set_int(struct cfg_ctx *c, const struct cfg_directive *d, const char *path,
		       yaml_node_t *v, void *field)
{
	struct ox_str s = ox_yaml_str(v);
	int64_t n;
	if (d->kind == CFG_PERCENT && s.len && s.s[s.len - 1] == '%')
		s.len--;
	if (!ox_yaml_is_plain(v) || ox_yaml_parse_int(s, &n) < 0)
		return cfg_bad_type(c, d, path, v);
	if (n < d->min)
		return ox_yaml_error(&c->y, v, "'%s' must be >= %lld", path, (long long)d->min);
	if (n > d->max)
		return ox_yaml_error(&c->y, v, "'%s' must be <= %lld", path, (long long)d->max);
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
		yaml_node_t *e = yaml_document_get_node(&c->y.doc, *it);
		if (l->n == OX_LIST_MAX)
			return ox_yaml_error(&c->y, e, "'%s' has more than %d entries", path, OX_LIST_MAX);
		if (e->type != YAML_SCALAR_NODE)
			return cfg_bad_type(c, d, path, e);
		if (cfg_name(c, path, e) < 0)
			return -1;
		for (size_t i = 0; i < l->n; i++)
			if (ox_str_eqz(ox_yaml_str(e), l->names[i]))
				return ox_yaml_error(&c->y, e, "'%s' lists '%s' twice", path, l->names[i]);
		cfg_copy_name(l->names[l->n++], ox_yaml_str(e));
	}
	return 0;
}

static int cfg_set_severity(struct cfg_ctx *c, const struct cfg_directive *d, const char *path,
			    yaml_node_t *v, void *field)
{
	struct ox_str s = ox_yaml_str(v);
	if (v->type != YAML_SCALAR_NODE || s.len != 2 || (s.s[0] != 'P' && s.s[0] != 'p') ||
	    s.s[1] < '0' + d->min || s.s[1] > '0' + d->max)
		return cfg_bad_type(c, d, path, v);
	*(int *)field = s.s[1] - '0';
	return 0;
}

static int cfg_set_bool(struct cfg_ctx *c, const struct cfg_directive *d, const char *path,
			yaml_node_t *v, void *field)
{
	(void)d;
	return ox_yaml_bool(&c->y, path, v, field);
}

/* Team names route cases to queues and URLs: keep them to a safe alphabet. */
static int cfg_set_team(struct cfg_ctx *c, const struct cfg_directive *d, const char *path,
			yaml_node_t *v, void *field)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz"
				       "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.";
	if (v->type != YAML_SCALAR_NODE)
		return cfg_bad_type(c, d, path, v);
	struct ox_str s = ox_yaml_str(v);
	if (s.len > OX_NAME_MAX - 1)
		return ox_yaml_error(&c->y, v, "'%s' is longer than %d bytes", path, OX_NAME_MAX - 1);
	if (s.len == 0 || strspn(s.s, alphabet) != s.len)
		return cfg_bad_type(c, d, path, v);
	cfg_copy_name(field, s);
	return 0;
}

static int cfg_carrier(struct cfg_ctx *c, const char *path, yaml_node_t *k, yaml_node_t *v,
		       const void *arg)
{
	struct ox_params *p = c->p;
	char full[OX_YAML_PATH_MAX];
	size_t i = 0;
	if (cfg_name(c, path, k) < 0)
		return -1;
	while (i < p->n_carriers && !ox_str_eqz(ox_yaml_str(k), p->carriers[i].carrier))
		i++;
	if (i == OX_LIST_MAX)
		return ox_yaml_error(&c->y, k, "'%s' has more than %d entries", path, OX_LIST_MAX);
	ox_yaml_join(full, path, ox_yaml_str(k));
	if (cfg_set_duration(c, arg, full, v, &p->carriers[i].stall_window) < 0)
		return -1;
	if (i == p->n_carriers) {
		cfg_copy_name(p->carriers[i].carrier, ox_yaml_str(k));
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
	struct ox_yaml_near near = { 0 };
	char full[OX_YAML_PATH_MAX];
	int r = ox_rule_by_code(ox_yaml_str(k).s, ox_yaml_str(k).len);
	(void)arg;
	if (r >= 0) {
		c->base[CFG_RULE] = &c->p->rules[r];
		ox_yaml_join(full, path, ox_yaml_str(k));
		return cfg_each(c, full, v, cfg_walk, &rule_scope);
	}
	for (r = 0; r < OX_R__COUNT; r++) {
		const char *code = ox_rule_info((enum ox_rule)r)->code;
		ox_yaml_near_try(&near, ox_yaml_str(k), code, strlen(code));
	}
	return ox_yaml_unknown(&c->y, k, "rule", path, ox_yaml_str(k), &near);
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

static int cfg_set_elsewhere(struct cfg_ctx *c, const struct cfg_directive *d, const char *path,
			     yaml_node_t *v, void *field)
{
	(void)c;
	(void)d;
	(void)path;
	(void)v;
	(void)field;
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
	[CFG_ELSEWHERE] = { cfg_set_elsewhere, "a mapping" },
};

static int cfg_bad_type(struct cfg_ctx *c, const struct cfg_directive *d, const char *path,
			const yaml_node_t *v)
{
	return ox_yaml_error(&c->y, v, "'%s' must be %s", path, cfg_kinds[d->kind].what);
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
	struct ox_str key = ox_yaml_str(k);
	struct ox_yaml_near near = { 0 };
	bool known = false, settable = false;
	char full[OX_YAML_PATH_MAX];

	for (size_t i = 0; i < sc->n; i++) {
		const char *s = cfg_under(sc->rows[i].key, sc->prefix);
		if (!s)
			continue;
		size_t len = strcspn(s, ".");
		if (!ox_str_eq(key, (struct ox_str){ s, len })) {
			ox_yaml_near_try(&near, key, s, len);
			continue;
		}
		known = true;
		settable |= c->base[sc->rows[i].base] != NULL;
		if (s[len] == '\0')
			row = &sc->rows[i];
	}
	if (!known)
		return ox_yaml_unknown(&c->y, k, "key", path, key, &near);
	ox_yaml_join(full, path, key);
	if (!settable)
		return ox_yaml_error(&c->y, k, "'%s' cannot be set per channel", full);
	if (row)
		return cfg_kinds[row->kind].set(c, row, full, v,
						(char *)c->base[row->base] + row->off);

	char prefix[OX_YAML_PATH_MAX];
	ox_yaml_join(prefix, sc->prefix, key);
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
	char full[OX_YAML_PATH_MAX];
	(void)arg;
	if (cfg_name(c, path, k) < 0)
		return -1;
	while (i < p->n_channels && !ox_str_eqz(ox_yaml_str(k), p->channels[i].channel))
		i++;
	if (i == OX_LIST_MAX)
		return ox_yaml_error(&c->y, k, "'%s' has more than %d entries", path, OX_LIST_MAX);
	if (i == p->n_channels) {
		OX_GROW(p->channels, c->channels_cap, i + 1);
		memset(&p->channels[i], 0, sizeof(p->channels[i]));
		cfg_copy_name(p->channels[i].channel, ox_yaml_str(k));
		p->n_channels++;
	}
	p->channels[i].p = p->order;
	c->base[CFG_ORDER] = &p->channels[i].p;
	ox_yaml_join(full, path, ox_yaml_str(k));
	return cfg_each(c, full, v, cfg_walk, &cfg_top);
}

static int cfg_sets(struct cfg_ctx *c, bool channels);

/* The file's globals, the live global changes, the file's channel blocks
 * (from those final globals), then the live channel changes: live values
 * stand as if written in the file (docs/config.md, "Live changes"). */
static int cfg_apply(struct cfg_ctx *c, yaml_node_t *root)
{
	c->channels_cap = c->p->n_channels;
	c->base[CFG_GLOBAL] = c->p;
	c->base[CFG_ORDER] = &c->p->order;
	if (root && !ox_yaml_is_null(root)) {
		if (root->type != YAML_MAPPING_NODE)
			return ox_yaml_error(&c->y, root, "the top level must be a mapping");
		if (cfg_each(c, "", root, cfg_walk, &cfg_top) < 0)
			return -1;
	}
	if (cfg_sets(c, false) < 0)
		return -1;
	if (c->channels) {
		c->base[CFG_GLOBAL] = NULL;
		if (cfg_each(c, "channels", c->channels, cfg_channel, NULL) < 0)
			return -1;
	}
	return cfg_sets(c, true);
}

/* Apply the loaded document c->y to a copy of p, so that p is untouched on
 * error, and free the document. */
static int cfg_load(struct cfg_ctx *c, struct ox_params *p)
{
	struct ox_params *tmp = ox_xmalloc(sizeof(*tmp));
	ox_params_copy(tmp, p);
	c->p = tmp;
	int rc = cfg_apply(c, ox_yaml_root(&c->y));
	ox_yaml_free(&c->y);
	if (rc == 0) {
		free(p->channels);
		memcpy(p, tmp, sizeof(*p));
	} else {
		free(tmp->channels);
	}
	free(tmp);
	return rc;
}

int ox_config_load_string(const char *name, const char *yaml, size_t len, struct ox_params *p,
			  char *err, size_t errsz)
{
	return ox_config_load_with(name, yaml, len, NULL, 0, p, err, errsz);
}

int ox_config_load_with(const char *name, const char *yaml, size_t len, const struct ox_config_set *sets,
			size_t n, struct ox_params *p, char *err, size_t errsz)
{
	struct cfg_ctx c = { .sets = sets, .n_sets = n };
	if (ox_yaml_load(&c.y, name, yaml, len, err, errsz) < 0)
		return -1;
	return cfg_load(&c, p);
}

int ox_config_load(const char *path, struct ox_params *p, char *err, size_t errsz)
{
	struct cfg_ctx c = { 0 };
	if (ox_yaml_load_file(&c.y, path, err, errsz) < 0)
		return -1;
	return cfg_load(&c, p);
}

/* ---- live changes: one dotted key at a time (docs/config.md) ---------------- */

/* Rows a running daemon does not change: their deadlines are engine-wide
 * and re-derive the due time from the current value, so a pending one
 * would be lost (inventory, incidents); the service levels are the desk's,
 * not detection's. A restart with an edited file changes them. */
static const char *const cfg_file_only[] = {
	"inventory.drift_window", "incident.burst_quiet", "incident.rate_window", "sla.", "escalation.",
};

static bool cfg_is_file_only(const char *key)
{
	for (size_t i = 0; i < OX_ARRAY_LEN(cfg_file_only); i++) {
		size_t n = strlen(cfg_file_only[i]);
		if (cfg_file_only[i][n - 1] == '.' ? strncmp(key, cfg_file_only[i], n) == 0
						    : strcmp(key, cfg_file_only[i]) == 0)
			return true;
	}
	return false;
}

/* A row that holds one value (not a section). */
static bool cfg_is_value(const struct cfg_directive *d)
{
	return d->kind <= CFG_TEAM;
}

enum cfg_where { AT_TOP, AT_CHANNEL, AT_RULE, AT_CARRIER };

struct cfg_key {
	const struct cfg_directive *row;
	enum cfg_where where;
	int rule;
	struct ox_str name; /* the channel or carrier, inside the key */
};

static const struct cfg_directive cfg_carrier_window = G_DUR("logistics.carriers.*", carriers);

__attribute__((format(printf, 3, 4))) static int cfg_key_error(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
	return -1;
}

static int cfg_unknown(const char *key, const char *what, const struct ox_yaml_near *near, const char *pre,
		       char *err, size_t errsz)
{
	if (!near->best)
		return cfg_key_error(err, errsz, "%s: unknown %s", key, what);
	return cfg_key_error(err, errsz, "%s: unknown %s (did you mean %s%.*s?)", key, what, pre, (int)near->len,
			     near->best);
}

static int cfg_key_name(const char *key, struct ox_str name, char *err, size_t errsz)
{
	if (name.len == 0 || name.len > OX_NAME_MAX - 1)
		return cfg_key_error(err, errsz, "%s: a name is 1..%d bytes", key, OX_NAME_MAX - 1);
	for (size_t i = 0; i < name.len; i++)
		if ((unsigned char)name.s[i] < 0x20 || name.s[i] == 0x7f)
			return cfg_key_error(err, errsz, "%s: a name contains a control character", key);
	return 0;
}

/* "channels.NAME.KEY": KEY is the longest per-channel row the key ends with,
 * so that a channel name may hold dots as in the file. */
static int cfg_resolve_channel(const char *key, const char *rest, struct cfg_key *k, char *err, size_t errsz)
{
	size_t len = strlen(rest);
	struct ox_yaml_near near = { 0 };
	const char *dot = strchr(rest, '.');
	for (size_t i = 0; i < OX_ARRAY_LEN(cfg_directives); i++) {
		const struct cfg_directive *d = &cfg_directives[i];
		size_t kl = strlen(d->key);
		if (!cfg_is_value(d) || kl + 1 >= len || rest[len - kl - 1] != '.' ||
		    strcmp(rest + len - kl, d->key) != 0)
			continue;
		if (d->base != CFG_ORDER)
			return cfg_key_error(err, errsz, "%s: cannot be set per channel", key);
		if (!k->row || kl > strlen(k->row->key)) {
			k->row = d;
			k->name = (struct ox_str){ rest, len - kl - 1 };
		}
	}
	if (k->row) {
		k->where = AT_CHANNEL;
		return cfg_key_name(key, k->name, err, errsz);
	}
	if (!dot)
		return cfg_key_error(err, errsz, "%s: name a parameter after the channel, e.g. channels.pdd.fraud.threshold",
				     key);
	for (size_t i = 0; i < OX_ARRAY_LEN(cfg_directives); i++)
		if (cfg_directives[i].base == CFG_ORDER)
			ox_yaml_near_try(&near, ox_str_z(dot + 1), cfg_directives[i].key, strlen(cfg_directives[i].key));
	char pre[OX_YAML_PATH_MAX];
	snprintf(pre, sizeof pre, "channels.%.*s.", (int)(dot - rest), rest);
	return cfg_unknown(key, "key", &near, pre, err, errsz);
}

static int cfg_resolve_rule(const char *key, const char *rest, struct cfg_key *k, char *err, size_t errsz)
{
	const char *dot = strchr(rest, '.');
	struct ox_str code = { rest, dot ? (size_t)(dot - rest) : strlen(rest) };
	struct ox_yaml_near near = { 0 };
	k->rule = ox_rule_by_code(code.s, code.len);
	if (k->rule < 0) {
		for (int r = 0; r < OX_R__COUNT; r++) {
			const char *c = ox_rule_info((enum ox_rule)r)->code;
			ox_yaml_near_try(&near, code, c, strlen(c));
		}
		return cfg_unknown(key, "rule", &near, "rules.", err, errsz);
	}
	const char *field = dot ? dot + 1 : "";
	for (size_t i = 0; i < OX_ARRAY_LEN(cfg_rule_directives); i++) {
		if (strcmp(field, cfg_rule_directives[i].key) == 0) {
			k->row = &cfg_rule_directives[i];
			k->where = AT_RULE;
			return 0;
		}
		ox_yaml_near_try(&near, ox_str_z(field), cfg_rule_directives[i].key,
				 strlen(cfg_rule_directives[i].key));
	}
	char pre[OX_YAML_PATH_MAX];
	snprintf(pre, sizeof pre, "rules.%.*s.", (int)code.len, code.s);
	return cfg_unknown(key, "key", &near, pre, err, errsz);
}

/* What a dotted key names; -1 with "KEY: reason" when nothing. */
static int cfg_resolve(const char *key, struct cfg_key *k, char *err, size_t errsz)
{
	static const char ch[] = "channels.", ru[] = "rules.", ca[] = "logistics.carriers.";
	struct ox_yaml_near near = { 0 };
	*k = (struct cfg_key){ .where = AT_TOP };
	if (strlen(key) >= OX_YAML_PATH_MAX)
		return cfg_key_error(err, errsz, "%.40s...: a key is at most %d bytes", key, OX_YAML_PATH_MAX - 1);
	if (strncmp(key, ch, sizeof ch - 1) == 0)
		return cfg_resolve_channel(key, key + sizeof ch - 1, k, err, errsz);
	if (strncmp(key, ru, sizeof ru - 1) == 0)
		return cfg_resolve_rule(key, key + sizeof ru - 1, k, err, errsz);
	if (strncmp(key, ca, sizeof ca - 1) == 0) {
		k->row = &cfg_carrier_window;
		k->where = AT_CARRIER;
		k->name = ox_str_z(key + sizeof ca - 1);
		return cfg_key_name(key, k->name, err, errsz);
	}
	for (size_t i = 0; i < OX_ARRAY_LEN(cfg_directives); i++) {
		const struct cfg_directive *d = &cfg_directives[i];
		if (!cfg_is_value(d))
			continue;
		if (strcmp(key, d->key) == 0) {
			k->row = d;
			if (cfg_is_file_only(key))
				return cfg_key_error(err, errsz, "%s: can only be changed in the config file (and a restart)",
						     key);
			return 0;
		}
		ox_yaml_near_try(&near, ox_str_z(key), d->key, strlen(d->key));
	}
	return cfg_unknown(key, "key", &near, "", err, errsz);
}

int ox_config_check_key(const char *key, char *err, size_t errsz)
{
	struct cfg_key k;
	return cfg_resolve(key, &k, err, errsz);
}

/* Where k's value lives in c->p, making the channel block (from the
 * globals) or the carrier; NULL with err when the table is full. */
static void *cfg_field(struct cfg_ctx *c, const struct cfg_key *k, char *err, size_t errsz)
{
	struct ox_params *p = c->p;
	size_t i = 0;
	switch (k->where) {
	case AT_TOP:
		return (char *)(k->row->base == CFG_ORDER ? (void *)&p->order : (void *)p) + k->row->off;
	case AT_RULE:
		return (char *)&p->rules[k->rule] + k->row->off;
	case AT_CARRIER:
		while (i < p->n_carriers && !ox_str_eqz(k->name, p->carriers[i].carrier))
			i++;
		if (i < p->n_carriers)
			return &p->carriers[i].stall_window;
		if (i == OX_LIST_MAX)
			return cfg_key_error(err, errsz, "logistics.carriers: more than %d entries", OX_LIST_MAX), NULL;
		cfg_copy_name(p->carriers[i].carrier, k->name);
		p->n_carriers++;
		return &p->carriers[i].stall_window;
	case AT_CHANNEL:
		while (i < p->n_channels && !ox_str_eqz(k->name, p->channels[i].channel))
			i++;
		if (i < p->n_channels)
			return (char *)&p->channels[i].p + k->row->off;
		if (i == OX_LIST_MAX)
			return cfg_key_error(err, errsz, "channels: more than %d entries", OX_LIST_MAX), NULL;
		OX_GROW(p->channels, c->channels_cap, i + 1);
		memset(&p->channels[i], 0, sizeof(p->channels[i]));
		cfg_copy_name(p->channels[i].channel, k->name);
		p->channels[i].p = p->order;
		p->n_channels++;
		return (char *)&p->channels[i].p + k->row->off;
	}
	return NULL;
}

/* One change: its value (JSON text, read by libyaml as the flow YAML it
 * is) through the row's setter, as if the file held it. */
static int cfg_set(struct cfg_ctx *c, const struct ox_config_set *s)
{
	char *err = c->y.err;
	size_t errsz = c->y.errsz;
	struct cfg_key k;
	if (cfg_resolve(s->key, &k, err, errsz) < 0)
		return -1;
	struct cfg_ctx v = { .p = c->p };
	int rc = -1;
	if (ox_yaml_load(&v.y, "", s->value, strlen(s->value), err, errsz) == 0) {
		yaml_node_t *root = ox_yaml_root(&v.y);
		void *field = root ? cfg_field(c, &k, err, errsz) : NULL;
		if (!root)
			cfg_key_error(err, errsz, "%s: a value is required", s->key);
		else if (field)
			rc = cfg_kinds[k.row->kind].set(&v, k.row, s->key, root, field);
		ox_yaml_free(&v.y);
	}
	if (rc < 0 && strncmp(err, ":1: ", 4) == 0) /* "NAME:LINE: " of the one-line value */
		memmove(err, err + 4, strlen(err + 4) + 1);
	return rc;
}

static int cfg_sets(struct cfg_ctx *c, bool channels)
{
	for (size_t i = 0; i < c->n_sets; i++)
		if ((strncmp(c->sets[i].key, "channels.", 9) == 0) == channels && cfg_set(c, &c->sets[i]) < 0)
			return -1;
	return 0;
}

/* ---- values as JSON (the admin API) ---------------------------------------- */

static const char *const cfg_type_names[] = {
	[CFG_DURATION] = "duration", [CFG_INT] = "integer", [CFG_INT64] = "integer", [CFG_PERCENT] = "percent",
	[CFG_NAMES] = "names",       [CFG_SEVERITY] = "severity", [CFG_BOOL] = "bool", [CFG_TEAM] = "team",
	[CFG_CARRIERS] = "carriers",
};

static void cfg_value_json(const struct cfg_directive *d, const void *field, struct ox_buf *out)
{
	char b[OX_DUR_BUFSZ];
	const struct ox_name_list *l = field;
	const struct ox_carrier_window *cw = field;
	switch (d->kind) {
	case CFG_DURATION:
		ox_buf_addf(out, "\"%s\"", ox_duration_format(*(const int64_t *)field, b));
		break;
	case CFG_INT:
	case CFG_PERCENT:
		ox_buf_addf(out, "%d", *(const int *)field);
		break;
	case CFG_INT64:
		ox_buf_addf(out, "%lld", (long long)*(const int64_t *)field);
		break;
	case CFG_NAMES:
		ox_buf_addz(out, "[");
		for (size_t i = 0; i < l->n; i++) {
			ox_buf_addz(out, i ? "," : "");
			ox_buf_add_json_str(out, l->names[i], strlen(l->names[i]));
		}
		ox_buf_addz(out, "]");
		break;
	case CFG_SEVERITY:
		ox_buf_addf(out, "\"P%d\"", *(const int *)field);
		break;
	case CFG_BOOL:
		ox_buf_addz(out, *(const bool *)field ? "true" : "false");
		break;
	case CFG_TEAM:
		ox_buf_add_json_str(out, field, strlen(field));
		break;
	case CFG_CARRIERS: /* field is the table; the count follows it in ox_params */
		ox_buf_addz(out, "{");
		for (size_t i = 0; i < ((const struct ox_params *)((const char *)field - d->off))->n_carriers; i++) {
			ox_buf_addz(out, i ? "," : "");
			ox_buf_add_json_str(out, cw[i].carrier, strlen(cw[i].carrier));
			ox_buf_addf(out, ":\"%s\"", ox_duration_format(cw[i].stall_window, b));
		}
		ox_buf_addz(out, "}");
		break;
	default:
		ox_buf_addz(out, "null");
	}
}

int ox_config_value_json(const struct ox_params *p, const char *key, struct ox_buf *out)
{
	struct cfg_key k;
	char err[OX_YAML_PATH_MAX + 128];
	if (cfg_resolve(key, &k, err, sizeof err) < 0 && !k.row)
		return -1;
	const void *field = NULL;
	size_t i = 0;
	switch (k.where) {
	case AT_TOP:
		field = (const char *)(k.row->base == CFG_ORDER ? (const void *)&p->order : (const void *)p) + k.row->off;
		break;
	case AT_RULE:
		field = (const char *)&p->rules[k.rule] + k.row->off;
		break;
	case AT_CARRIER:
		while (i < p->n_carriers && !ox_str_eqz(k.name, p->carriers[i].carrier))
			i++;
		field = i < p->n_carriers ? &p->carriers[i].stall_window : NULL;
		break;
	case AT_CHANNEL: /* no block: the channel has the globals */
		while (i < p->n_channels && !ox_str_eqz(k.name, p->channels[i].channel))
			i++;
		field = (const char *)(i < p->n_channels ? &p->channels[i].p : &p->order) + k.row->off;
		break;
	}
	if (field)
		cfg_value_json(k.row, field, out);
	else
		ox_buf_addz(out, "null");
	return 0;
}

/* A bound as its value; null for none (the type's own limit). */
static void cfg_bound_json(const struct cfg_directive *d, int64_t v, struct ox_buf *out)
{
	char b[OX_DUR_BUFSZ];
	if (d->kind == CFG_DURATION)
		ox_buf_addf(out, "\"%s\"", ox_duration_format(v, b));
	else if ((d->kind == CFG_INT || d->kind == CFG_INT64 || d->kind == CFG_PERCENT) && v < INT_MAX)
		ox_buf_addf(out, "%lld", (long long)v);
	else
		ox_buf_addz(out, "null");
}

void ox_config_describe(const struct ox_params *p, struct ox_buf *out)
{
	struct ox_params *def = ox_xmalloc(sizeof(*def));
	ox_params_init(def);
	ox_buf_addz(out, "[");
	bool first = true;
	for (size_t i = 0; i < OX_ARRAY_LEN(cfg_directives); i++) {
		const struct cfg_directive *d = &cfg_directives[i];
		if (!cfg_is_value(d) && d->kind != CFG_CARRIERS)
			continue;
		const void *base = d->base == CFG_ORDER ? (const void *)&p->order : (const void *)p;
		const void *dbase = d->base == CFG_ORDER ? (const void *)&def->order : (const void *)def;
		ox_buf_addf(out, "%s{\"key\":\"%s\",\"type\":\"%s\",\"value\":", first ? "" : ",", d->key,
			    cfg_type_names[d->kind]);
		cfg_value_json(d, (const char *)base + d->off, out);
		ox_buf_addz(out, ",\"default\":");
		cfg_value_json(d, (const char *)dbase + d->off, out);
		ox_buf_addz(out, ",\"min\":");
		cfg_bound_json(d, d->min, out);
		ox_buf_addz(out, ",\"max\":");
		cfg_bound_json(d, d->max, out);
		ox_buf_addf(out, ",\"channel\":%s,\"live\":%s}", d->base == CFG_ORDER ? "true" : "false",
			    cfg_is_file_only(d->key) ? "false" : "true");
		first = false;
	}
	ox_buf_addz(out, "]");
	free(def);
}

void ox_config_channel_json(const struct ox_order_params *op, struct ox_buf *out)
{
	ox_buf_addz(out, "{");
	bool first = true;
	for (size_t i = 0; i < OX_ARRAY_LEN(cfg_directives); i++) {
		const struct cfg_directive *d = &cfg_directives[i];
		if (d->base != CFG_ORDER)
			continue;
		ox_buf_addf(out, "%s\"%s\":", first ? "" : ",", d->key);
		cfg_value_json(d, (const char *)op + d->off, out);
		first = false;
	}
	ox_buf_addz(out, "}");
}

void ox_config_rule_json(const struct ox_rule_setting *s, struct ox_buf *out)
{
	ox_buf_addz(out, "{");
	for (size_t i = 0; i < OX_ARRAY_LEN(cfg_rule_directives); i++) {
		const struct cfg_directive *d = &cfg_rule_directives[i];
		ox_buf_addf(out, "%s\"%s\":", i ? "," : "", d->key);
		cfg_value_json(d, (const char *)s + d->off, out);
	}
	ox_buf_addz(out, "}");
}

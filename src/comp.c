/* comp.c - compensation kinds, config, value and decision (see comp.h and
 * docs/compensation.md). */
#include "comp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

static const struct {
	const char *name;
	enum ox_pb_action action;
	const char *label[OX_PB__NLANG];
} kinds[] = {
#define X(e, s, a, zh, en) [OX_COMP_##e] = { s, a, { zh, en } },
	OX_COMP_KINDS(X)
#undef X
};

const char *ox_comp_kind_name(enum ox_comp_kind k)
{
	return k < OX_COMP__NKINDS ? kinds[k].name : "?";
}

const char *ox_comp_kind_label(enum ox_comp_kind k, enum ox_pb_lang l)
{
	return k < OX_COMP__NKINDS && l < OX_PB__NLANG ? kinds[k].label[l] : "?";
}

int ox_comp_kind_by_name(const char *s, size_t n)
{
	for (int i = 0; i < OX_COMP__NKINDS; i++)
		if (strlen(kinds[i].name) == n && memcmp(kinds[i].name, s, n) == 0)
			return i;
	return -1;
}

int ox_comp_kind_of(enum ox_pb_action a)
{
	for (int i = 0; i < OX_COMP__NKINDS; i++)
		if (kinds[i].action == a)
			return i;
	return -1;
}

enum ox_pb_action ox_comp_action(enum ox_comp_kind k)
{
	return kinds[k].action;
}

static const char *const wait_names[] = {
#define X(e, s) s,
	OX_COMP_WAITS(X)
#undef X
};

const char *ox_comp_wait_name(enum ox_comp_wait w)
{
	return w < OX_COMP__NWAITS ? wait_names[w] : "";
}

int ox_comp_wait_by_name(const char *s, size_t n)
{
	for (int i = 1; i < OX_COMP__NWAITS; i++)
		if (strlen(wait_names[i]) == n && memcmp(wait_names[i], s, n) == 0)
			return i;
	return -1;
}

/* ---- the config ---------------------------------------------------------------------- */

void ox_comp_config_default(struct ox_comp_config *c)
{
	memset(c, 0, sizeof *c);
	c->role_limit[OX_ROLE_ADMIN] = OX_COMP_NO_LIMIT;
	c->role_limit[OX_ROLE_SUPERVISOR] = 20000;
	c->role_limit[OX_ROLE_AGENT] = 2000;
	c->budget_default = OX_COMP_NO_LIMIT;
	c->points_per_cny = 100;
	c->repeat_window = 90 * OX_MS_DAY;
	c->repeat_after = 2;
}

struct rd {
	struct ox_yaml *y;
	struct ox_comp_config *c;
};

static int read_limit(struct ox_yaml *y, void *ctx, const char *path, yaml_node_t *k, yaml_node_t *v)
{
	struct rd *r = ctx;
	char here[OX_YAML_PATH_MAX], name[16];
	struct ox_str key = ox_yaml_str(k);
	ox_yaml_join(here, path, key);
	int role = -1;
	if (key.len < sizeof name) {
		memcpy(name, key.s, key.len);
		name[key.len] = '\0';
		role = ox_role_parse(name);
	}
	if (role < 0) {
		struct ox_yaml_near near = { 0 };
		for (int i = 0; i < OX_ROLE__COUNT; i++)
			ox_yaml_near_try(&near, key, ox_role_name((enum ox_role)i), strlen(ox_role_name((enum ox_role)i)));
		return ox_yaml_unknown(y, k, "role", path, key, &near);
	}
	return ox_yaml_money(y, here, v, OX_COMP_MONEY_MAX, OX_COMP_NO_LIMIT, &r->c->role_limit[role]);
}

static int read_budget(struct ox_yaml *y, void *ctx, const char *path, yaml_node_t *k, yaml_node_t *v)
{
	struct rd *r = ctx;
	char here[OX_YAML_PATH_MAX];
	struct ox_str key = ox_yaml_str(k), team;
	ox_yaml_join(here, path, key);
	if (ox_str_eqz(key, "default"))
		return ox_yaml_money(y, here, v, OX_COMP_MONEY_MAX, OX_COMP_NO_LIMIT, &r->c->budget_default);
	if (ox_yaml_ident(y, here, k, OX_NAME_MAX - 1, &team) < 0)
		return -1;
	if (r->c->n_budgets == OX_COMP_BUDGETS_MAX)
		return ox_yaml_error(y, k, "'%s': at most %d teams have a budget of their own", path,
				     OX_COMP_BUDGETS_MAX);
	struct ox_comp_budget *b = &r->c->budgets[r->c->n_budgets++];
	memcpy(b->team, team.s, team.len);
	b->team[team.len] = '\0';
	return ox_yaml_money(y, here, v, OX_COMP_MONEY_MAX, OX_COMP_NO_LIMIT, &b->per_day);
}

int ox_comp_config_read(struct ox_yaml *y, yaml_node_t *v, struct ox_comp_config *c)
{
	static const char *const known[] = { "limits", "daily_budget", "points_per_cny", "repeat_window",
					     "repeat_after", NULL };
	const char *path = "actions.compensation";
	struct rd r = { y, c };
	yaml_node_t *n;
	int64_t x;
	if (v->type != YAML_MAPPING_NODE)
		return ox_yaml_error(y, v, "'%s' must be a mapping", path);
	if (ox_yaml_only(y, path, v, known) < 0)
		return -1;
	if ((n = ox_yaml_get(y, v, "limits")) && !ox_yaml_is_null(n)) {
		if (n->type != YAML_MAPPING_NODE)
			return ox_yaml_error(y, n, "'%s.limits' must be a mapping of roles to amounts", path);
		if (ox_yaml_each(y, "actions.compensation.limits", n, read_limit, &r) < 0)
			return -1;
	}
	if ((n = ox_yaml_get(y, v, "daily_budget")) && !ox_yaml_is_null(n)) {
		if (n->type != YAML_MAPPING_NODE)
			return ox_yaml_error(y, n, "'%s.daily_budget' must be a mapping of teams (or default) to amounts",
					     path);
		if (ox_yaml_each(y, "actions.compensation.daily_budget", n, read_budget, &r) < 0)
			return -1;
	}
	if ((n = ox_yaml_get(y, v, "points_per_cny"))) {
		if (ox_yaml_int(y, "actions.compensation.points_per_cny", n, 1, 100000, &x) < 0)
			return -1;
		c->points_per_cny = (int)x;
	}
	if ((n = ox_yaml_get(y, v, "repeat_window")) &&
	    ox_yaml_duration(y, "actions.compensation.repeat_window", n, OX_MS_HOUR, 3650 * OX_MS_DAY,
			     &c->repeat_window) < 0)
		return -1;
	if ((n = ox_yaml_get(y, v, "repeat_after"))) {
		if (ox_yaml_int(y, "actions.compensation.repeat_after", n, 2, 1000, &x) < 0)
			return -1;
		c->repeat_after = (int)x;
	}
	return 0;
}

ox_money ox_comp_role_limit(const struct ox_comp_config *c, enum ox_role role)
{
	return role < OX_ROLE__COUNT ? c->role_limit[role] : 0;
}

ox_money ox_comp_team_budget(const struct ox_comp_config *c, const char *team)
{
	for (size_t i = 0; i < c->n_budgets; i++)
		if (strcmp(c->budgets[i].team, team) == 0)
			return c->budgets[i].per_day;
	return c->budget_default;
}

/* ---- a call's value and the decision -------------------------------------------------- */

/* The whole number of points in params, or -1. */
static int64_t points_of(const char *params)
{
	struct ox_json p;
	int64_t pts = -1;
	ox_json_init(&p, 4);
	if (ox_json_parse(&p, params, strlen(params)) == 0 && p.toks[0].type == OX_JSON_OBJECT)
		for (size_t i = 1; i < p.n; i = p.toks[i + 1].end) {
			const struct ox_json_tok *k = &p.toks[i], *v = &p.toks[i + 1];
			if (k->len == 6 && memcmp(k->s, "points", 6) == 0 && v->type == OX_JSON_NUMBER &&
			    (v->flags & OX_JSON_F_INT) && v->s[0] != '-' && v->len <= 9) {
				char num[10];
				memcpy(num, v->s, v->len);
				num[v->len] = '\0';
				pts = strtoll(num, NULL, 10);
			}
		}
	ox_json_release(&p);
	return pts;
}

ox_money ox_comp_value(const struct ox_comp_config *c, enum ox_pb_action a, const char *params, ox_money amount)
{
	if (ox_comp_kind_of(a) < 0)
		return -1;
	if (a != OX_PB_A_ADD_POINTS)
		return amount > 0 ? amount : 0;
	int64_t pts = points_of(params);
	if (pts <= 0)
		return 0;
	/* points * 100 fen / points_per_cny, rounded up: never undervalued */
	return (pts * 100 + c->points_per_cny - 1) / c->points_per_cny;
}

enum ox_comp_wait ox_comp_decide(ox_money value, ox_money limit, ox_money spent, ox_money budget)
{
	if (limit != OX_COMP_NO_LIMIT && value > limit)
		return OX_COMP_WAIT_ABOVE_LIMIT;
	if (budget != OX_COMP_NO_LIMIT && spent + value > budget)
		return OX_COMP_WAIT_OVER_BUDGET;
	return OX_COMP_WAIT_NONE;
}

int64_t ox_comp_day(ox_time t)
{
	int64_t local = t + 8 * OX_MS_HOUR;
	return local >= 0 ? local / OX_MS_DAY : -((-local + OX_MS_DAY - 1) / OX_MS_DAY);
}

/* policy.c - teams and case routing (see policy.h, docs/config.md).
 *
 * The YAML document is walked once with the yamlcfg.h pieces; everything
 * kept is copied into an arena the policy owns, so the document can go.
 *
 * Matching is by sets of routing rules (256 bits), not by a scan: the
 * rules that take rule r, the ones that take severity s, and for channel
 * and shop the ones that take this value plus the ones without the key.
 * A case's team is the first bit of their intersection; a channel or shop
 * is looked up (one hash) only when a candidate names channels or shops.
 * The cost is the same for 1 and 256 routing rules.
 */
#include "policy.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "yamlcfg.h"

_Static_assert(OX_R__COUNT <= 64, "a routing rule keeps its rules in one uint64_t: widen it");

/* ---- the arena ---------------------------------------------------------- */

#define POL_CHUNK 4096

struct pol_chunk {
	struct pol_chunk *next;
	size_t used, cap;
	alignas(max_align_t) unsigned char data[];
};

static void *pol_alloc(struct pol_chunk **chunks, size_t n, size_t align)
{
	struct pol_chunk *c = *chunks;
	size_t at = c ? (c->used + align - 1) & ~(align - 1) : 0;
	if (!c || at > c->cap || c->cap - at < n) {
		size_t cap = n > POL_CHUNK ? n : POL_CHUNK;
		c = ox_xmalloc(sizeof(*c) + cap);
		c->next = *chunks;
		c->cap = cap;
		at = 0;
		*chunks = c;
	}
	c->used = at + n;
	return c->data + at;
}

static const char *pol_strdup(struct pol_chunk **chunks, struct ox_str s)
{
	char *d = pol_alloc(chunks, s.len + 1, 1);
	memcpy(d, s.s, s.len);
	d[s.len] = '\0';
	return d;
}

/* ---- the policy --------------------------------------------------------- */

/* The keys of a match, in the order the listing writes them. */
enum pol_key { POL_CATEGORY, POL_RULE, POL_SEVERITY, POL_CHANNEL, POL_SHOP, POL__NKEY };
static const char *const pol_keys[] = { "category", "rule", "severity", "channel", "shop", NULL };

/* Severity bits: 0..3 for P1..P4, 4 for a severity outside 1..4, which
 * only rules without a severity key take. */
#define POL_SEV_ALL 0x1Fu
#define POL_RULES_ALL (UINT64_MAX >> (64 - OX_R__COUNT))

struct pol_values {
	const char *const *v; /* as written (canonical spelling for codes, "P1") */
	size_t n;
};

struct pol_route {
	uint64_t rules;  /* bit r: takes cases of rule r */
	unsigned sevs;   /* severity bits it takes (POL_SEV_ALL without the key) */
	unsigned has;    /* bit POL_*: the key was given */
	struct pol_values vals[POL__NKEY];
	const char *team;
	size_t line;
};

#define POL_WORDS ((OX_POLICY_ROUTES_MAX + 63) / 64)

/* A set of routing rules: bit i is routes[i]. */
struct pol_set {
	uint64_t w[POL_WORDS];
};

/* The routing rules that take one channel (or shop) value. */
struct pol_entry {
	const char *value; /* NULL: a free slot */
	size_t len;
	uint64_t hash;
	struct pol_set routes;
};

/* Channel or shop: which routing rules take a value. */
struct pol_index {
	struct pol_set without;  /* the rules that do not name the key */
	struct pol_entry *slots; /* open addressing, a power of two */
	size_t mask;             /* slots - 1; 0 when no rule names the key */
};

struct ox_policy {
	struct pol_set by_rule[OX_R__COUNT];
	struct pol_set by_sev[5]; /* P1..P4, then a severity outside 1..4 */
	struct pol_index index[2]; /* channel, shop */
	struct ox_team *teams; /* file order */
	size_t n_teams;
	const struct ox_team **by_name; /* sorted by name, for bsearch */
	struct pol_route *routes;
	size_t n_routes;
	struct pol_chunk *chunks; /* every string and list above lives here */
};

void ox_policy_free(struct ox_policy *pol)
{
	if (!pol)
		return;
	while (pol->chunks) {
		struct pol_chunk *next = pol->chunks->next;
		free(pol->chunks);
		pol->chunks = next;
	}
	free(pol->index[0].slots);
	free(pol->index[1].slots);
	free(pol->teams);
	free(pol->by_name);
	free(pol->routes);
	free(pol);
}

static int pol_team_cmp(const void *a, const void *b)
{
	const struct ox_team *const *x = a, *const *y = b;
	return strcmp((*x)->name, (*y)->name);
}

static int pol_name_cmp(const void *key, const void *elem)
{
	const struct ox_team *const *t = elem;
	return strcmp(key, (*t)->name);
}

const struct ox_team *ox_policy_team_info(const struct ox_policy *pol, const char *team)
{
	if (!pol || !team || !pol->n_teams)
		return NULL;
	const struct ox_team **t =
		bsearch(team, pol->by_name, pol->n_teams, sizeof(*pol->by_name), pol_name_cmp);
	return t ? *t : NULL;
}

const struct ox_team *ox_policy_team_at(const struct ox_policy *pol, size_t i)
{
	return pol && i < pol->n_teams ? &pol->teams[i] : NULL;
}

const char *ox_policy_pick(const struct ox_team *t, uint64_t counter)
{
	if (!t || !t->round_robin || !t->n_members)
		return NULL;
	return t->members[counter % t->n_members];
}

static bool pol_in(const struct pol_values *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return true;
	return false;
}

static void pol_set_add(struct pol_set *s, size_t i)
{
	s->w[i / 64] |= UINT64_C(1) << (i % 64);
}

/* The slot of value (len bytes, hash h): its entry or the free slot for it. */
static struct pol_entry *pol_slot(const struct pol_index *x, const char *value, size_t len,
				  uint64_t h)
{
	for (size_t i = h & x->mask;; i = (i + 1) & x->mask) {
		struct pol_entry *e = &x->slots[i];
		if (!e->value || (e->hash == h && e->len == len && memcmp(e->value, value, len) == 0))
			return e;
	}
}

/* Narrow the candidates c to the rules that take value for this key. */
static void pol_narrow(const struct pol_index *x, const char *value, struct pol_set *c)
{
	const struct pol_entry *e = NULL;
	uint64_t named = 0;
	for (int w = 0; w < POL_WORDS; w++)
		named |= c->w[w] & ~x->without.w[w];
	if (!named)
		return; /* no candidate names the key */
	if (value && x->mask) {
		size_t len = strlen(value);
		e = pol_slot(x, value, len, ox_hash64(value, len));
		if (!e->value)
			e = NULL;
	}
	for (int w = 0; w < POL_WORDS; w++)
		c->w[w] &= x->without.w[w] | (e ? e->routes.w[w] : 0);
}

const char *ox_policy_team(const struct ox_policy *pol, const struct ox_params *p,
			   enum ox_rule rule, int severity, const char *channel, const char *shop)
{
	if ((unsigned)rule >= OX_R__COUNT)
		return NULL;
	if (!pol || !pol->n_routes)
		return p->rules[rule].team;
	const struct pol_set *sev = &pol->by_sev[severity >= 1 && severity <= 4 ? severity - 1 : 4];
	struct pol_set c;
	uint64_t any = 0;
	for (int w = 0; w < POL_WORDS; w++)
		any |= c.w[w] = pol->by_rule[rule].w[w] & sev->w[w];
	if (!any)
		return p->rules[rule].team;
	pol_narrow(&pol->index[0], channel, &c);
	pol_narrow(&pol->index[1], shop, &c);
	for (int w = 0; w < POL_WORDS; w++)
		if (c.w[w])
			return pol->routes[w * 64 + __builtin_ctzll(c.w[w])].team;
	return p->rules[rule].team;
}

/* ---- categories --------------------------------------------------------- */

/* The distinct categories of the rule table, in table order. */
struct pol_cats {
	const char *name[OX_R__COUNT];
	uint64_t rules[OX_R__COUNT];
	size_t n;
};

static void pol_cats_init(struct pol_cats *c)
{
	c->n = 0;
	for (int r = 0; r < OX_R__COUNT; r++) {
		const char *cat = ox_rule_info((enum ox_rule)r)->category;
		size_t i = 0;
		while (i < c->n && strcmp(c->name[i], cat) != 0)
			i++;
		if (i == c->n) {
			c->name[c->n] = cat;
			c->rules[c->n++] = 0;
		}
		c->rules[i] |= UINT64_C(1) << r;
	}
}

/* ---- loading ------------------------------------------------------------ */

struct pol_load {
	struct ox_yaml y;
	const struct ox_params *p;
	struct ox_policy *pol;
	size_t teams_cap, routes_cap;
	struct pol_cats cats;
	yaml_node_t *teams, *routing;
	/* the team and route being read */
	struct ox_team *team;
	const char **members; /* of team, being filled */
	const char *list_path; /* "teams.NAME.members" */
	struct pol_route *route;
};

/* A value quoted in a message: clipped, control characters as '?'. */
static void pol_quote(char out[OX_YAML_PATH_MAX], const yaml_node_t *v)
{
	ox_yaml_join(out, "", ox_yaml_str(v));
}

static int pol_user(struct pol_load *l, const char *path, const yaml_node_t *v, const char **out)
{
	struct ox_str s;
	if (ox_yaml_ident(&l->y, path, v, OX_POLICY_NAME_MAX, &s) < 0)
		return -1;
	*out = pol_strdup(&l->pol->chunks, s);
	return 0;
}

static int pol_label(struct pol_load *l, const char *path, const yaml_node_t *v, const char **out)
{
	struct ox_str s;
	if (ox_yaml_text(&l->y, path, v, OX_POLICY_LABEL_MAX, &s) < 0)
		return -1;
	*out = pol_strdup(&l->pol->chunks, s);
	return 0;
}

static int pol_member(struct ox_yaml *y, void *ctx, const char *path, yaml_node_t *k,
		      yaml_node_t *v)
{
	struct pol_load *l = ctx;
	struct ox_team *t = l->team;
	char q[OX_YAML_PATH_MAX];
	(void)k;
	if (pol_user(l, path, v, &l->members[t->n_members]) < 0)
		return -1;
	for (size_t j = 0; j < t->n_members; j++)
		if (strcmp(l->members[j], l->members[t->n_members]) == 0) {
			pol_quote(q, v);
			return ox_yaml_error(y, v, "'%s' lists '%s' twice", l->list_path, q);
		}
	t->n_members++;
	return 0;
}

static int pol_members(struct pol_load *l, const char *path, yaml_node_t *v)
{
	if (v->type != YAML_SEQUENCE_NODE && !ox_yaml_is_null(v))
		return ox_yaml_error(&l->y, v, "'%s' must be a list of user names", path);
	if (v->type == YAML_SEQUENCE_NODE) {
		yaml_node_item_t *items = v->data.sequence.items.start;
		size_t n = (size_t)(v->data.sequence.items.top - items);
		if (n > OX_POLICY_MEMBERS_MAX)
			return ox_yaml_error(&l->y,
					     yaml_document_get_node(&l->y.doc, items[OX_POLICY_MEMBERS_MAX]),
					     "'%s' has more than %d members", path, OX_POLICY_MEMBERS_MAX);
		l->members = pol_alloc(&l->pol->chunks, (n ? n : 1) * sizeof(*l->members),
				       alignof(const char *));
		l->team->members = l->members;
	}
	l->list_path = path;
	return ox_yaml_items(&l->y, path, v, pol_member, l);
}

/* The value of key in the mapping m, with its path in sub. */
static yaml_node_t *pol_get(struct pol_load *l, yaml_node_t *m, const char *path, const char *key,
			    char sub[OX_YAML_PATH_MAX])
{
	ox_yaml_join(sub, path, ox_str_z(key));
	return ox_yaml_get(&l->y, m, key);
}

static int pol_team(struct ox_yaml *y, void *ctx, const char *path, yaml_node_t *k, yaml_node_t *v)
{
	static const char *const known[] = { "name_zh", "name_en", "lead", "members", "assign", NULL };
	struct pol_load *l = ctx;
	struct ox_policy *pol = l->pol;
	char full[OX_YAML_PATH_MAX], sub[OX_YAML_PATH_MAX];
	struct ox_str name;
	yaml_node_t *n;

	ox_yaml_join(full, path, ox_yaml_str(k));
	if (ox_yaml_ident(y, full, k, OX_POLICY_NAME_MAX, &name) < 0)
		return -1;
	if (pol->n_teams == OX_POLICY_TEAMS_MAX)
		return ox_yaml_error(y, k, "'%s' has more than %d teams", path, OX_POLICY_TEAMS_MAX);
	if (ox_yaml_only(y, full, v, known) < 0)
		return -1;
	OX_GROW(pol->teams, l->teams_cap, pol->n_teams + 1);
	struct ox_team *t = l->team = &pol->teams[pol->n_teams++];
	*t = (struct ox_team){ .name = pol_strdup(&pol->chunks, name) };

	if ((n = pol_get(l, v, full, "name_zh", sub)) && pol_label(l, sub, n, &t->name_zh) < 0)
		return -1;
	if ((n = pol_get(l, v, full, "name_en", sub)) && pol_label(l, sub, n, &t->name_en) < 0)
		return -1;
	if ((n = pol_get(l, v, full, "lead", sub)) && pol_user(l, sub, n, &t->lead) < 0)
		return -1;
	if ((n = pol_get(l, v, full, "members", sub)) && pol_members(l, sub, n) < 0)
		return -1;
	if ((n = pol_get(l, v, full, "assign", sub))) {
		struct ox_str a = ox_yaml_str(n);
		if (!ox_str_eqz(a, "round_robin") && !ox_str_eqz(a, "none"))
			return ox_yaml_error(y, n, "'%s' must be round_robin or none", sub);
		t->round_robin = ox_str_eqz(a, "round_robin");
		if (t->round_robin && !t->n_members)
			return ox_yaml_error(y, n, "'%s' is round_robin but the team has no members",
					     sub);
	}
	return 0;
}

/* A team some rule is routed to by default. */
static bool pol_default_team(const struct ox_params *p, const char *name, size_t len)
{
	for (int r = 0; r < OX_R__COUNT; r++)
		if (ox_str_eqz((struct ox_str){ name, len }, p->rules[r].team))
			return true;
	return false;
}

static int pol_route_team(struct pol_load *l, const char *path, const yaml_node_t *v)
{
	struct ox_str s;
	if (ox_yaml_ident(&l->y, path, v, OX_POLICY_NAME_MAX, &s) < 0)
		return -1;
	char name[OX_NAME_MAX];
	memcpy(name, s.s, s.len);
	name[s.len] = '\0';
	const struct ox_team *t = ox_policy_team_info(l->pol, name);
	if (t) {
		l->route->team = t->name;
		return 0;
	}
	if (pol_default_team(l->p, s.s, s.len)) {
		l->route->team = pol_strdup(&l->pol->chunks, s);
		return 0;
	}
	struct ox_yaml_near near = { 0 };
	for (size_t i = 0; i < l->pol->n_teams; i++)
		ox_yaml_near_try(&near, s, l->pol->teams[i].name, strlen(l->pol->teams[i].name));
	for (int r = 0; r < OX_R__COUNT; r++)
		ox_yaml_near_try(&near, s, l->p->rules[r].team, strlen(l->p->rules[r].team));
	if (near.best)
		return ox_yaml_error(&l->y, v, "'%s': unknown team '%s' (did you mean '%.*s'?)", path,
				     name, (int)near.len, near.best);
	return ox_yaml_error(&l->y, v,
			     "'%s': unknown team '%s': a routing rule's team must be under "
			     "teams: or be the team of a rule",
			     path, name);
}

/* One value of a match key: checked, its canonical text in *out, and the
 * rules or severities it takes added to *mask. */
static int pol_value(struct pol_load *l, enum pol_key key, const char *path, const yaml_node_t *e,
		     const char **out, uint64_t *mask)
{
	static const char *const sevs[] = { "P1", "P2", "P3", "P4" };
	struct ox_str s = ox_yaml_str(e);
	struct ox_yaml_near near = { 0 };
	char q[OX_YAML_PATH_MAX];
	const char *what;

	if (e->type != YAML_SCALAR_NODE || ox_yaml_is_null(e))
		return ox_yaml_error(&l->y, e, "'%s' must be a value or a list of values", path);
	switch (key) {
	case POL_CATEGORY:
		for (size_t c = 0; c < l->cats.n; c++) {
			if (ox_str_eqz(s, l->cats.name[c])) {
				*out = l->cats.name[c];
				*mask |= l->cats.rules[c];
				return 0;
			}
			ox_yaml_near_try(&near, s, l->cats.name[c], strlen(l->cats.name[c]));
		}
		what = "category";
		break;
	case POL_RULE: {
		int r = ox_rule_by_code(s.s, s.len);
		if (r >= 0) {
			*out = ox_rule_info((enum ox_rule)r)->code;
			*mask |= UINT64_C(1) << r;
			return 0;
		}
		for (r = 0; r < OX_R__COUNT; r++) {
			const char *code = ox_rule_info((enum ox_rule)r)->code;
			ox_yaml_near_try(&near, s, code, strlen(code));
		}
		what = "rule";
		break;
	}
	case POL_SEVERITY:
		if (s.len != 2 || (s.s[0] != 'P' && s.s[0] != 'p') || s.s[1] < '1' || s.s[1] > '4')
			return ox_yaml_error(&l->y, e, "'%s' must be one of P1, P2, P3, P4", path);
		*out = sevs[s.s[1] - '1'];
		*mask |= 1u << (s.s[1] - '1');
		return 0;
	default: /* channel, shop: names as events carry them */
		if (ox_yaml_text(&l->y, path, e, OX_POLICY_VALUE_MAX, &s) < 0)
			return -1;
		*out = pol_strdup(&l->pol->chunks, s);
		return 0;
	}
	pol_quote(q, e);
	if (near.best)
		return ox_yaml_error(&l->y, e, "'%s': unknown %s '%s' (did you mean '%.*s'?)", path,
				     what, q, (int)near.len, near.best);
	return ox_yaml_error(&l->y, e, "'%s': unknown %s '%s'", path, what, q);
}

/* One key of a match: a value or a non-empty list of distinct values. */
static int pol_match_key(struct ox_yaml *y, void *ctx, const char *path, yaml_node_t *k,
			 yaml_node_t *v)
{
	struct pol_load *l = ctx;
	struct pol_route *rt = l->route;
	struct ox_str ks = ox_yaml_str(k);
	struct ox_yaml_near near = { 0 };
	char full[OX_YAML_PATH_MAX];
	size_t key = 0;

	while (pol_keys[key] && !ox_str_eqz(ks, pol_keys[key])) {
		ox_yaml_near_try(&near, ks, pol_keys[key], strlen(pol_keys[key]));
		key++;
	}
	if (!pol_keys[key])
		return ox_yaml_unknown(y, k, "key", path, ks, &near);
	ox_yaml_join(full, path, ks);

	yaml_node_item_t one = 0, *items = &one;
	size_t n = 1;
	if (v->type == YAML_SEQUENCE_NODE) {
		items = v->data.sequence.items.start;
		n = (size_t)(v->data.sequence.items.top - items);
		if (n == 0)
			return ox_yaml_error(y, v, "'%s' is an empty list", full);
		if (n > OX_POLICY_VALUES_MAX)
			return ox_yaml_error(y, yaml_document_get_node(&y->doc, items[OX_POLICY_VALUES_MAX]),
					     "'%s' has more than %d values", full, OX_POLICY_VALUES_MAX);
	}
	const char **vals = pol_alloc(&l->pol->chunks, n * sizeof(*vals), alignof(const char *));
	uint64_t mask = 0;
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *e = items == &one ? v : yaml_document_get_node(&y->doc, items[i]);
		char q[OX_YAML_PATH_MAX];
		if (pol_value(l, (enum pol_key)key, full, e, &vals[i], &mask) < 0)
			return -1;
		for (size_t j = 0; j < i; j++)
			if (strcmp(vals[j], vals[i]) == 0) {
				pol_quote(q, e);
				return ox_yaml_error(y, e, "'%s' lists '%s' twice", full, q);
			}
	}
	rt->vals[key] = (struct pol_values){ vals, n };
	rt->has |= 1u << key;
	if (key == POL_CATEGORY || key == POL_RULE)
		rt->rules &= mask;
	else if (key == POL_SEVERITY)
		rt->sevs = (unsigned)mask;
	return 0;
}

static bool pol_subset(const struct pol_values *a, const struct pol_values *b)
{
	for (size_t i = 0; i < a->n; i++)
		if (!pol_in(b, a->v[i]))
			return false;
	return true;
}

/* Whether every case route b takes is taken by the earlier route a. */
static bool pol_covers(const struct pol_route *a, const struct pol_route *b)
{
	if ((b->rules & ~a->rules) || (b->sevs & ~a->sevs))
		return false;
	for (int k = POL_CHANNEL; k <= POL_SHOP; k++) {
		if (!(a->has & (1u << k)))
			continue;
		if (!(b->has & (1u << k)) || !pol_subset(&b->vals[k], &a->vals[k]))
			return false;
	}
	return true;
}

static int pol_route(struct ox_yaml *y, void *ctx, const char *path, yaml_node_t *k, yaml_node_t *v)
{
	static const char *const known[] = { "match", "team", NULL };
	struct pol_load *l = ctx;
	struct ox_policy *pol = l->pol;
	char sub[OX_YAML_PATH_MAX];
	(void)k;

	if (pol->n_routes == OX_POLICY_ROUTES_MAX)
		return ox_yaml_error(y, v, "'routing' has more than %d rules", OX_POLICY_ROUTES_MAX);
	if (v->type != YAML_MAPPING_NODE)
		return ox_yaml_error(y, v, "'%s' must be a mapping with match and team", path);
	if (ox_yaml_only(y, path, v, known) < 0)
		return -1;
	OX_GROW(pol->routes, l->routes_cap, pol->n_routes + 1);
	struct pol_route *rt = l->route = &pol->routes[pol->n_routes];
	*rt = (struct pol_route){ .rules = POL_RULES_ALL, .sevs = POL_SEV_ALL,
				  .line = ox_yaml_line(v) };

	yaml_node_t *m = ox_yaml_get(y, v, "match"), *t = ox_yaml_get(y, v, "team");
	ox_yaml_join(sub, path, OX_STR_LIT("match"));
	if (!m)
		return ox_yaml_error(y, v, "'%s' is missing", sub);
	if (ox_yaml_each(y, sub, m, pol_match_key, l) < 0)
		return -1;
	if (!rt->has)
		return ox_yaml_error(y, m,
				     "'%s' has no keys: a routing rule matches on at least one of "
				     "category, rule, severity, channel, shop",
				     sub);
	if (!rt->rules)
		return ox_yaml_error(y, m, "'%s' can never match: none of its rules is in its categories",
				     sub);
	ox_yaml_join(sub, path, OX_STR_LIT("team"));
	if (!t)
		return ox_yaml_error(y, v, "'%s' is missing", sub);
	if (pol_route_team(l, sub, t) < 0)
		return -1;
	for (size_t i = 0; i < pol->n_routes; i++)
		if (pol_covers(&pol->routes[i], rt))
			return ox_yaml_error(y, v,
					     "'%s' can never match: 'routing[%zu]' (line %zu) "
					     "takes every case it would",
					     path, i, pol->routes[i].line);
	pol->n_routes++;
	return 0;
}

/* The sets ox_policy_team() intersects, from the routing rules. */
static void pol_index(struct ox_policy *pol)
{
	for (size_t i = 0; i < pol->n_routes; i++) {
		const struct pol_route *rt = &pol->routes[i];
		for (int r = 0; r < OX_R__COUNT; r++)
			if (rt->rules & (UINT64_C(1) << r))
				pol_set_add(&pol->by_rule[r], i);
		for (int sv = 0; sv < 5; sv++)
			if (rt->sevs & (1u << sv))
				pol_set_add(&pol->by_sev[sv], i);
	}
	for (int k = 0; k < 2; k++) {
		struct pol_index *x = &pol->index[k];
		enum pol_key key = k ? POL_SHOP : POL_CHANNEL;
		size_t n = 0, cap = 4;
		for (size_t i = 0; i < pol->n_routes; i++) {
			if (pol->routes[i].has & (1u << key))
				n += pol->routes[i].vals[key].n;
			else
				pol_set_add(&x->without, i);
		}
		if (!n)
			continue;
		while (cap < 2 * n) /* at most half full: a probe always ends */
			cap *= 2;
		x->slots = ox_xcalloc(cap, sizeof(*x->slots));
		x->mask = cap - 1;
		for (size_t i = 0; i < pol->n_routes; i++) {
			const struct pol_values *l = &pol->routes[i].vals[key];
			for (size_t j = 0; j < l->n; j++) {
				size_t len = strlen(l->v[j]);
				uint64_t h = ox_hash64(l->v[j], len);
				struct pol_entry *e = pol_slot(x, l->v[j], len, h);
				if (!e->value)
					*e = (struct pol_entry){ .value = l->v[j], .len = len, .hash = h };
				pol_set_add(&e->routes, i);
			}
		}
	}
}

static int pol_top(struct ox_yaml *y, void *ctx, const char *path, yaml_node_t *k, yaml_node_t *v)
{
	struct pol_load *l = ctx;
	(void)y;
	(void)path;
	if (ox_str_eqz(ox_yaml_str(k), "teams"))
		l->teams = v;
	else if (ox_str_eqz(ox_yaml_str(k), "routing"))
		l->routing = v;
	return 0;
}

static int pol_apply(struct pol_load *l)
{
	yaml_node_t *root = ox_yaml_root(&l->y);
	struct ox_policy *pol = l->pol;
	if (!root || ox_yaml_is_null(root))
		return 0;
	if (root->type != YAML_MAPPING_NODE)
		return ox_yaml_error(&l->y, root, "the top level must be a mapping");
	if (ox_yaml_each(&l->y, "", root, pol_top, l) < 0)
		return -1;
	if (l->teams && ox_yaml_each(&l->y, "teams", l->teams, pol_team, l) < 0)
		return -1;
	/* duplicates are refused by ox_yaml_each: the index is a plain sort */
	if (pol->n_teams) {
		pol->by_name = ox_xmalloc(pol->n_teams * sizeof(*pol->by_name));
		for (size_t i = 0; i < pol->n_teams; i++)
			pol->by_name[i] = &pol->teams[i];
		qsort(pol->by_name, pol->n_teams, sizeof(*pol->by_name), pol_team_cmp);
	}
	if (l->routing && ox_yaml_items(&l->y, "routing", l->routing, pol_route, l) < 0)
		return -1;
	pol_index(pol);
	return 0;
}

/* Read the loaded document l->y into a new policy and free the document. */
static int pol_load(struct pol_load *l, struct ox_policy **out)
{
	l->pol = ox_xcalloc(1, sizeof(*l->pol));
	pol_cats_init(&l->cats);
	int rc = pol_apply(l);
	ox_yaml_free(&l->y);
	if (rc < 0) {
		ox_policy_free(l->pol);
		return -1;
	}
	*out = l->pol;
	return 0;
}

int ox_policy_load_string(const char *name, const char *yaml, size_t len,
			  const struct ox_params *p, struct ox_policy **out, char *err,
			  size_t errsz)
{
	struct pol_load l = { .p = p };
	if (ox_yaml_load(&l.y, name, yaml, len, err, errsz) < 0)
		return -1;
	return pol_load(&l, out);
}

int ox_policy_load(const char *path, const struct ox_params *p, struct ox_policy **out, char *err,
		   size_t errsz)
{
	struct pol_load l = { .p = p };
	if (!path) {
		*out = ox_xcalloc(1, sizeof(**out));
		return 0;
	}
	if (ox_yaml_load_file(&l.y, path, err, errsz) < 0)
		return -1;
	return pol_load(&l, out);
}

/* ---- the listing -------------------------------------------------------- */

static int pol_json_str(struct ox_buf *b, const char *s)
{
	return s ? ox_buf_add_json_str(b, s, strlen(s)) : ox_buf_addz(b, "null");
}

static int pol_json_list(struct ox_buf *b, const char *const *v, size_t n)
{
	if (ox_buf_addz(b, "[") < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if ((i && ox_buf_addz(b, ",") < 0) || pol_json_str(b, v[i]) < 0)
			return -1;
	return ox_buf_addz(b, "]");
}

/* One team: t its settings (NULL when not configured). */
static int pol_json_team(struct ox_buf *b, const struct ox_params *p, const char *name,
			 const struct ox_team *t)
{
	static const struct ox_team none = { 0 };
	bool first = true;
	if (!t)
		t = &none;
	if (ox_buf_addz(b, "{\"team\":") < 0 || pol_json_str(b, name) < 0 ||
	    ox_buf_addf(b, ",\"configured\":%s,\"name_zh\":", t == &none ? "false" : "true") < 0 ||
	    pol_json_str(b, t->name_zh) < 0 || ox_buf_addz(b, ",\"name_en\":") < 0 ||
	    pol_json_str(b, t->name_en) < 0 || ox_buf_addz(b, ",\"lead\":") < 0 ||
	    pol_json_str(b, t->lead) < 0 || ox_buf_addz(b, ",\"members\":") < 0 ||
	    pol_json_list(b, t->members, t->n_members) < 0 ||
	    ox_buf_addf(b, ",\"assign\":\"%s\",\"default_for\":[",
			t->round_robin ? "round_robin" : "none") < 0)
		return -1;
	for (int r = 0; r < OX_R__COUNT; r++) {
		if (strcmp(p->rules[r].team, name) != 0)
			continue;
		if (ox_buf_addf(b, "%s\"%s\"", first ? "" : ",", ox_rule_info((enum ox_rule)r)->code) < 0)
			return -1;
		first = false;
	}
	return ox_buf_addz(b, "]}");
}

static int pol_json_route(struct ox_buf *b, const struct pol_route *rt)
{
	bool first = true;
	if (ox_buf_addz(b, "{\"match\":{") < 0)
		return -1;
	for (int k = 0; k < POL__NKEY; k++) {
		if (!(rt->has & (1u << k)))
			continue;
		if (ox_buf_addf(b, "%s\"%s\":", first ? "" : ",", pol_keys[k]) < 0 ||
		    pol_json_list(b, rt->vals[k].v, rt->vals[k].n) < 0)
			return -1;
		first = false;
	}
	if (ox_buf_addz(b, "},\"team\":") < 0 || pol_json_str(b, rt->team) < 0)
		return -1;
	return ox_buf_addz(b, "}");
}

int ox_policy_list_json(const struct ox_policy *pol, const struct ox_params *p,
			struct ox_buf *out)
{
	static const struct ox_policy empty = { 0 };
	bool first = true;
	if (!pol)
		pol = &empty;
	if (ox_buf_addz(out, "{\"teams\":[") < 0)
		return -1;
	for (size_t i = 0; i < pol->n_teams; i++, first = false)
		if ((!first && ox_buf_addz(out, ",") < 0) ||
		    pol_json_team(out, p, pol->teams[i].name, &pol->teams[i]) < 0)
			return -1;
	for (int r = 0; r < OX_R__COUNT; r++) {
		const char *team = p->rules[r].team;
		int seen = 0;
		while (seen < r && strcmp(p->rules[seen].team, team) != 0)
			seen++;
		if (seen < r || ox_policy_team_info(pol, team))
			continue;
		if ((!first && ox_buf_addz(out, ",") < 0) || pol_json_team(out, p, team, NULL) < 0)
			return -1;
		first = false;
	}
	if (ox_buf_addz(out, "],\"routing\":[") < 0)
		return -1;
	for (size_t i = 0; i < pol->n_routes; i++)
		if ((i && ox_buf_addz(out, ",") < 0) || pol_json_route(out, &pol->routes[i]) < 0)
			return -1;
	return ox_buf_addz(out, "]}");
}

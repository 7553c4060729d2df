/* playbook.c - playbooks, message templates and the resolution taxonomy
 * (see playbook.h, docs/playbooks.md); the built-in texts are in
 * playbook_data.c.
 *
 * A set is the built-ins with the config file's `playbooks:` section laid
 * over them. The section is read in full before anything is resolved, so
 * a category's template set anywhere in the file reaches every rule of the
 * category, and the precedence of templates (the file's for the rule, the
 * file's for the category, the built-in for the rule, the built-in for the
 * category) does not depend on the order of the keys.
 */
#include "playbook.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "playbook_impl.h"
#include "textnorm.h"
#include "yamlcfg.h"

/* ---- names and labels ------------------------------------------------------------------ */

struct oxp_name {
	const char *name;
	const char *label[OX_PB__NLANG];
};

static const struct oxp_name cat_names[] = {
#define X(e, s, zh, en) [OX_PB_CAT_##e] = { s, { zh, en } },
	OX_PB_CATEGORIES(X)
#undef X
};
static const struct oxp_name action_names[] = {
#define X(e, s, zh, en) [OX_PB_A_##e] = { s, { zh, en } },
	OX_PB_ACTIONS(X)
#undef X
};
static const struct oxp_name mode_names[] = {
#define X(e, s, zh, en) [OX_PB_M_##e] = { s, { zh, en } },
	OX_PB_MODES(X)
#undef X
};
static const struct oxp_name step_names[] = {
#define X(e, s, zh, en) [OX_PB_S_##e] = { s, { zh, en } },
	OX_PB_STEPS(X)
#undef X
};
static const struct oxp_name var_names[] = {
#define X(e, s, zh, en, sample) [OX_PB_V_##e] = { s, { zh, en } },
	OX_PB_VARS(X)
#undef X
};
static const char *const var_samples[] = {
#define X(e, s, zh, en, sample) [OX_PB_V_##e] = sample,
	OX_PB_VARS(X)
#undef X
};
static const struct oxp_name resolution_names[] = {
#define X(e, s, zh, en, cats) [OX_PB_R_##e] = { s, { zh, en } },
	OX_PB_RESOLUTIONS(X)
#undef X
};
static const unsigned resolution_cats[] = {
#define X(e, s, zh, en, cats) [OX_PB_R_##e] = (cats),
	OX_PB_RESOLUTIONS(X)
#undef X
};
static const struct oxp_name cause_names[] = {
#define X(e, s, zh, en) [OX_PB_RC_##e] = { s, { zh, en } },
	OX_PB_ROOT_CAUSES(X)
#undef X
};

static const char *name_of(const struct oxp_name *t, size_t n, unsigned i)
{
	return i < n ? t[i].name : "?";
}

static const char *label_of(const struct oxp_name *t, size_t n, unsigned i, enum ox_pb_lang l)
{
	return i < n ? t[i].label[l == OX_PB_EN] : "?";
}

static int find_name(const struct oxp_name *t, size_t n, const char *s, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (ox_str_eqz((struct ox_str){ s, len }, t[i].name))
			return (int)i;
	return -1;
}

#define NAMES(t) (t), OX_ARRAY_LEN(t)

const char *ox_pb_category_name(enum ox_pb_category c)
{
	return name_of(NAMES(cat_names), c);
}

const char *ox_pb_category_label(enum ox_pb_category c, enum ox_pb_lang l)
{
	return label_of(NAMES(cat_names), c, l);
}

int ox_pb_category_by_name(const char *s, size_t n)
{
	return find_name(NAMES(cat_names), s, n);
}

const char *ox_pb_action_name(enum ox_pb_action a)
{
	return name_of(NAMES(action_names), a);
}

const char *ox_pb_action_label(enum ox_pb_action a, enum ox_pb_lang l)
{
	return label_of(NAMES(action_names), a, l);
}

int ox_pb_action_by_name(const char *s, size_t n)
{
	return find_name(NAMES(action_names), s, n);
}

const char *ox_pb_mode_name(enum ox_pb_mode m)
{
	return name_of(NAMES(mode_names), m);
}

const char *ox_pb_mode_label(enum ox_pb_mode m, enum ox_pb_lang l)
{
	return label_of(NAMES(mode_names), m, l);
}

int ox_pb_mode_by_name(const char *s, size_t n)
{
	return find_name(NAMES(mode_names), s, n);
}

const char *ox_pb_step_name(enum ox_pb_step s)
{
	return name_of(NAMES(step_names), s);
}

const char *ox_pb_step_label(enum ox_pb_step s, enum ox_pb_lang l)
{
	return label_of(NAMES(step_names), s, l);
}

int ox_pb_step_by_name(const char *s, size_t n)
{
	return find_name(NAMES(step_names), s, n);
}

const char *ox_pb_var_name(enum ox_pb_var v)
{
	return name_of(NAMES(var_names), v);
}

const char *ox_pb_var_label(enum ox_pb_var v, enum ox_pb_lang l)
{
	return label_of(NAMES(var_names), v, l);
}

int ox_pb_var_by_name(const char *s, size_t n)
{
	return find_name(NAMES(var_names), s, n);
}

const char *ox_pb_resolution_name(enum ox_pb_resolution r)
{
	return name_of(NAMES(resolution_names), r);
}

const char *ox_pb_resolution_label(enum ox_pb_resolution r, enum ox_pb_lang l)
{
	return label_of(NAMES(resolution_names), r, l);
}

const char *ox_pb_root_cause_name(enum ox_pb_root_cause c)
{
	return name_of(NAMES(cause_names), c);
}

const char *ox_pb_root_cause_label(enum ox_pb_root_cause c, enum ox_pb_lang l)
{
	return label_of(NAMES(cause_names), c, l);
}

const char *ox_pb_var_sample(enum ox_pb_var v)
{
	return (unsigned)v < OX_PB_V__COUNT ? var_samples[v] : "?";
}

void ox_pb_vars_sample(struct ox_pb_vars *out)
{
	for (int v = 0; v < OX_PB_V__COUNT; v++)
		out->v[v] = var_samples[v];
}

unsigned ox_pb_resolution_categories(enum ox_pb_resolution r)
{
	return (unsigned)r < OX_PB_R__COUNT ? resolution_cats[r] : 0;
}

const char *ox_pb_lang_name(enum ox_pb_lang l)
{
	return l == OX_PB_EN ? "en" : "zh";
}

int ox_pb_lang_parse(const char *s, size_t n)
{
	/* the primary subtag decides: zh-CN, zh_Hans, en-GB ... */
	size_t p = 0;
	while (p < n && s[p] != '-' && s[p] != '_')
		p++;
	if (p != 2 || (p < n && p + 1 == n))
		return -1;
	for (size_t i = p + 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_'))
			return -1;
	if ((s[0] | 0x20) == 'z' && (s[1] | 0x20) == 'h')
		return OX_PB_ZH;
	if ((s[0] | 0x20) == 'e' && (s[1] | 0x20) == 'n')
		return OX_PB_EN;
	return -1;
}

int ox_pb_category_of(enum ox_rule r)
{
	if ((unsigned)r >= OX_R__COUNT)
		return -1;
	const char *c = ox_rule_info(r)->category;
	return find_name(NAMES(cat_names), c, strlen(c));
}

/* "unknown WHAT 'x' (did you mean 'y'?)" over a table's names. */
static void unknown_name(const char *what, const char *s, size_t n, const struct oxp_name *t, size_t nt,
			 char *why, size_t whysz)
{
	char q[OX_YAML_PATH_MAX];
	struct ox_yaml_near near = { 0 };
	ox_yaml_join(q, "", (struct ox_str){ s, n });
	for (size_t i = 0; i < nt; i++)
		ox_yaml_near_try(&near, (struct ox_str){ s, n }, t[i].name, strlen(t[i].name));
	if (!why || !whysz)
		return;
	if (near.best)
		snprintf(why, whysz, "unknown %s '%s' (did you mean '%.*s'?)", what, q, (int)near.len,
			 near.best);
	else
		snprintf(why, whysz, "unknown %s '%s'", what, q);
}

bool ox_pb_resolution_valid(enum ox_pb_category c, const char *code, size_t n)
{
	int r = find_name(NAMES(resolution_names), code, n);
	return r >= 0 && (unsigned)c < OX_PB__NCAT && (resolution_cats[r] >> c & 1);
}

int ox_pb_resolution_parse(enum ox_pb_category c, const char *code, size_t n, char *why, size_t whysz)
{
	int r = find_name(NAMES(resolution_names), code, n);
	if (r < 0) {
		unknown_name("resolution", code, n, NAMES(resolution_names), why, whysz);
		return -1;
	}
	if ((unsigned)c >= OX_PB__NCAT || !(resolution_cats[r] >> c & 1)) {
		if (why && whysz)
			snprintf(why, whysz, "'%s' is not a resolution of category %s",
				 resolution_names[r].name, ox_pb_category_name(c));
		return -1;
	}
	return r;
}

int ox_pb_root_cause_parse(const char *s, size_t n, char *why, size_t whysz)
{
	int c = find_name(NAMES(cause_names), s, n);
	if (c < 0)
		unknown_name("root cause", s, n, NAMES(cause_names), why, whysz);
	return c;
}

enum ox_pb_decision ox_pb_decide(const struct ox_playbook *pb, ox_money amount)
{
	if (!pb || pb->mode == OX_PB_M_SUGGEST || !pb->n_sequence)
		return OX_PB_D_SUGGEST;
	if (amount < 0)
		amount = 0;
	bool within = pb->limit != OX_PB_NO_LIMIT && amount <= pb->limit;
	if (pb->mode == OX_PB_M_AUTO)
		return pb->limit == OX_PB_NO_LIMIT || within ? OX_PB_D_RUN : OX_PB_D_SUGGEST;
	return within ? OX_PB_D_RUN : OX_PB_D_APPROVE;
}

/* ---- templates ------------------------------------------------------------------------- */

__attribute__((format(printf, 3, 4))) static int say(char *why, size_t whysz, const char *fmt, ...)
{
	if (why && whysz) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why, whysz, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* 1-based character position of byte i of t, for messages. */
static size_t char_at(const char *t, size_t i)
{
	return ox_utf8_len(t, i) + 1;
}

/* One variable reference: t[at] is its '{', t[close] its '}'. */
static int var_ref(const char *t, size_t at, size_t close, char *why, size_t whysz)
{
	struct ox_str name = { t + at + 1, close - at - 1 };
	if (!name.len)
		return say(why, whysz, "empty variable {} at character %zu (write {{ for a brace)",
			   char_at(t, at));
	int v = ox_pb_var_by_name(name.s, name.len);
	if (v >= 0)
		return v;
	char q[OX_YAML_PATH_MAX];
	struct ox_yaml_near near = { 0 };
	ox_yaml_join(q, "", (struct ox_str){ name.s, ox_utf8_clip(name.s, name.len, 64) });
	for (int k = 0; k < OX_PB_V__COUNT; k++)
		ox_yaml_near_try(&near, name, var_names[k].name, strlen(var_names[k].name));
	if (near.best)
		return say(why, whysz, "unknown variable {%s} (did you mean {%.*s}?)", q, (int)near.len,
			   near.best);
	return say(why, whysz, "unknown variable {%s}", q);
}

/* Walk a template: its literal runs and variables, in order. With out, the
 * text is appended, each variable as its value in vals or, without one, as
 * written. Returns 0, or -1 with why (a bad template; or out is full, why
 * then says so). */
static int walk(const char *t, size_t n, uint32_t *used, const char *const *vals, struct ox_buf *out,
		char *why, size_t whysz)
{
	size_t run = 0;
	*used = 0;
	for (size_t i = 0; i < n;) {
		if (t[i] != '{' && t[i] != '}') {
			i++;
			continue;
		}
		if (i + 1 < n && t[i + 1] == t[i]) { /* "{{" or "}}": one literal brace */
			if (out && ox_buf_add(out, t + run, i + 1 - run) < 0)
				goto full;
			i += 2;
			run = i;
			continue;
		}
		if (t[i] == '}')
			return say(why, whysz, "'}' at character %zu has no '{' (write }} for a brace)",
				   char_at(t, i));
		size_t close = i + 1;
		while (close < n && t[close] != '}' && t[close] != '{')
			close++;
		if (close == n || t[close] == '{')
			return say(why, whysz, "'{' at character %zu is not closed (write {{ for a brace)",
				   char_at(t, i));
		int v = var_ref(t, i, close, why, whysz);
		if (v < 0)
			return -1;
		*used |= UINT32_C(1) << v;
		if (out) {
			const char *val = vals[v];
			if (ox_buf_add(out, t + run, i - run) < 0 ||
			    (val ? ox_buf_addz(out, val) : ox_buf_add(out, t + i, close + 1 - i)) < 0)
				goto full;
		}
		i = close + 1;
		run = i;
	}
	if (out && ox_buf_add(out, t + run, n - run) < 0)
		goto full;
	return 0;
full:
	return say(why, whysz, "the message does not fit in %zu bytes", out->max);
}

int ox_pb_template_check(const char *t, size_t n, uint32_t *used, char *why, size_t whysz)
{
	uint32_t u;
	if (ox_textnorm_trim((struct ox_str){ t, n }).len == 0)
		return say(why, whysz, "the template is empty");
	if (n > OX_PB_TEXT_MAX)
		return say(why, whysz, "the template is longer than %d bytes", OX_PB_TEXT_MAX);
	if (!ox_utf8_text_ok(t, n, true))
		return say(why, whysz,
			   "the template is not printable UTF-8 text (one line, no control characters)");
	if (walk(t, n, &u, NULL, NULL, why, whysz) < 0)
		return -1;
	if (used)
		*used = u;
	return 0;
}

int ox_pb_render(const char *tmpl, const struct ox_pb_vars *vars, struct ox_buf *out, uint32_t *missing,
		 char *err, size_t errsz)
{
	size_t n = strlen(tmpl), start = out->len;
	uint32_t used, lack = 0;
	const char *vals[OX_PB_V__COUNT];
	if (missing)
		*missing = 0;
	if (ox_pb_template_check(tmpl, n, &used, err, errsz) < 0)
		return -1;
	for (int v = 0; v < OX_PB_V__COUNT; v++) {
		const char *val = vars ? vars->v[v] : NULL;
		size_t len = val ? strlen(val) : 0;
		vals[v] = len ? val : NULL;
		if (!(used >> v & 1))
			continue;
		if (!len) {
			lack |= UINT32_C(1) << v;
			continue;
		}
		if (len > OX_PB_VALUE_MAX)
			return say(err, errsz, "the value of {%s} is longer than %d bytes", var_names[v].name,
				   OX_PB_VALUE_MAX);
		if (!ox_utf8_text_ok(val, len, true))
			return say(err, errsz, "the value of {%s} is not printable UTF-8 text",
				   var_names[v].name);
	}
	if (walk(tmpl, n, &used, vals, out, err, errsz) < 0) {
		out->len = start;
		if (out->data)
			out->data[start] = '\0';
		return -1;
	}
	if (!lack)
		return 0;
	if (missing)
		*missing = lack;
	char list[OX_PB_V__COUNT * 24] = "";
	size_t l = 0;
	for (int v = 0; v < OX_PB_V__COUNT; v++)
		if (lack >> v & 1)
			l += (size_t)snprintf(list + l, sizeof list - l, "%s{%s}", l ? ", " : "",
					      var_names[v].name);
	return say(err, errsz, "no value for %s", list);
}

/* ---- sets ------------------------------------------------------------------------------ */

struct ox_playbooks {
	struct ox_playbook pb[OX_R__COUNT];
	const char *cat_tpl[OX_PB__NCAT][OX_PB__NSTEP][OX_PB__NLANG];
	void **owned; /* what the file brought: strings, checklists */
	size_t n_owned, cap_owned;
};

static void *own(struct ox_playbooks *set, void *p)
{
	OX_GROW(set->owned, set->cap_owned, set->n_owned + 1);
	set->owned[set->n_owned++] = p;
	return p;
}

static const char *own_str(struct ox_playbooks *set, struct ox_str s)
{
	return own(set, ox_xstrndup(s.s, s.len));
}

void ox_playbooks_free(struct ox_playbooks *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->n_owned; i++)
		free(set->owned[i]);
	free(set->owned);
	free(set);
}

const struct ox_playbook *ox_playbook_get(const struct ox_playbooks *set, enum ox_rule r)
{
	return set && (unsigned)r < OX_R__COUNT ? &set->pb[r] : NULL;
}

const char *ox_pb_category_template(const struct ox_playbooks *set, enum ox_pb_category c, enum ox_pb_step s,
				    enum ox_pb_lang l)
{
	if (!set || (unsigned)c >= OX_PB__NCAT || (unsigned)s >= OX_PB__NSTEP || (unsigned)l >= OX_PB__NLANG)
		return NULL;
	return set->cat_tpl[c][s][l];
}

int ox_pb_item_find(const struct ox_playbook *pb, const char *id, size_t n)
{
	for (size_t i = 0; pb && i < pb->n_checklist; i++)
		if (ox_str_eqz((struct ox_str){ id, n }, pb->checklist[i].id))
			return (int)i;
	return -1;
}

/* What the file says, kept apart until the whole section is read. */
struct pbl {
	struct ox_yaml y;
	struct ox_playbooks *set;
	const char *cat_tpl[OX_PB__NCAT][OX_PB__NSTEP][OX_PB__NLANG];
	const char *rule_tpl[OX_R__COUNT][OX_PB__NSTEP][OX_PB__NLANG];
	/* being read */
	const char *(*tpl)[OX_PB__NLANG]; /* the steps of a category or a rule */
	struct ox_playbook *pb;
	struct ox_pb_item *items;
	const yaml_node_t *id_nodes[OX_PB_CHECKLIST_MAX];
	enum ox_pb_action *list; /* actions or sequence */
	size_t *n_list;
	const char *list_path;
};

/* The set of the built-ins. */
static struct ox_playbooks *set_builtin(void)
{
	struct ox_playbooks *set = ox_xcalloc(1, sizeof *set);
	memcpy(set->cat_tpl, oxp_category_templates, sizeof set->cat_tpl);
	for (int r = 0; r < OX_R__COUNT; r++) {
		struct ox_playbook *pb = &set->pb[r];
		const struct oxp_builtin *b = oxp_builtin_find(ox_rule_info((enum ox_rule)r)->code);
		*pb = (struct ox_playbook){ .rule = (enum ox_rule)r,
					    .category = ox_pb_category_of((enum ox_rule)r),
					    .checklist = oxp_generic_checklist,
					    .n_checklist = oxp_n_generic_checklist,
					    .mode = OX_PB_M_SUGGEST,
					    .limit = OX_PB_NO_LIMIT };
		if (b) {
			pb->checklist = b->checklist;
			pb->n_checklist = b->n_checklist;
			for (size_t i = 0; i < b->n_actions; i++)
				pb->actions[pb->n_actions++] = b->actions[i];
			for (size_t i = 0; i < b->n_sequence; i++)
				pb->sequence[pb->n_sequence++] = b->sequence[i];
			pb->mode = b->mode;
			pb->limit = b->limit;
		}
	}
	return set;
}

/* Every playbook's templates, by the precedence of playbook.h. */
static void set_resolve(struct ox_playbooks *set, const struct pbl *l)
{
	for (int c = 0; c < OX_PB__NCAT; c++)
		for (int s = 0; s < OX_PB__NSTEP; s++)
			for (int g = 0; g < OX_PB__NLANG; g++)
				if (l && l->cat_tpl[c][s][g])
					set->cat_tpl[c][s][g] = l->cat_tpl[c][s][g];
	for (int r = 0; r < OX_R__COUNT; r++) {
		struct ox_playbook *pb = &set->pb[r];
		const struct oxp_builtin *b = oxp_builtin_find(ox_rule_info((enum ox_rule)r)->code);
		int c = pb->category;
		for (int s = 0; s < OX_PB__NSTEP; s++)
			for (int g = 0; g < OX_PB__NLANG; g++) {
				const char *t = l ? l->rule_tpl[r][s][g] : NULL;
				if (!t && l && c >= 0)
					t = l->cat_tpl[c][s][g];
				if (t)
					pb->customized |= OX_PB_SET_TEMPLATES;
				if (!t && b)
					t = b->templates[s][g];
				if (!t && c >= 0)
					t = oxp_category_templates[c][s][g];
				pb->templates[s][g] = t ? t : "";
			}
	}
}

/* ---- reading the section --------------------------------------------------------------- */

/* The keys of the section's mappings, for ox_yaml_near_try. */
static const char *const step_keys[] = {
#define X(e, s, zh, en) s,
	OX_PB_STEPS(X)
#undef X
};
static const char *const cat_keys[] = {
#define X(e, s, zh, en) s,
	OX_PB_CATEGORIES(X)
#undef X
};
static const char *const rule_keys[] = {
#define X(code, cat, sev, team, key, zh, en) #code,
	OX_RULE_TABLE(X)
#undef X
};

static int pbl_text(struct pbl *l, const char *path, const yaml_node_t *v, const char **out)
{
	struct ox_str s;
	if (ox_yaml_text(&l->y, path, v, OX_PB_TEXT_MAX, &s) < 0)
		return -1;
	if (!ox_utf8_text_ok(s.s, s.len, true))
		return ox_yaml_error(&l->y, v, "'%s' is not printable UTF-8 text", path);
	*out = own_str(l->set, s);
	return 0;
}

static int pbl_template(struct pbl *l, const char *path, const yaml_node_t *v, const char **out)
{
	char why[256];
	if (pbl_text(l, path, v, out) < 0)
		return -1;
	if (ox_pb_template_check(*out, strlen(*out), NULL, why, sizeof why) < 0)
		return ox_yaml_error(&l->y, v, "'%s': %s", path, why);
	return 0;
}

/* A key that must name one of t's entries; the index, or -1 after the
 * error "unknown WHAT 'path.key' (did you mean 'path.x'?)". */
static int pbl_key(struct pbl *l, const char *path, const yaml_node_t *k, const char *what,
		   const char *const *names, size_t n)
{
	struct ox_str s = ox_yaml_str(k);
	struct ox_yaml_near near = { 0 };
	for (size_t i = 0; i < n; i++) {
		if (ox_str_eqz(s, names[i]))
			return (int)i;
		ox_yaml_near_try(&near, s, names[i], strlen(names[i]));
	}
	return ox_yaml_unknown(&l->y, k, what, path, s, &near);
}

static int pbl_lang(struct ox_yaml *y, void *ctx, const char *path, yaml_node_t *k, yaml_node_t *v)
{
	static const char *const langs[] = { "zh", "en" };
	struct pbl *l = ctx;
	char here[OX_YAML_PATH_MAX];
	(void)y;
	int g = pbl_key(l, path, k, "language", langs, OX_ARRAY_LEN(langs));
	if (g < 0)
		return -1;
	ox_yaml_join(here, path, ox_yaml_str(k));
	return pbl_template(l, here, v, &l->tpl[0][g]); /* l->tpl: the step's row */
}

static int pbl_step(struct ox_yaml *y, void *ctx, const char *path, yaml_node_t *k, yaml_node_t *v)
{
	struct pbl *l = ctx;
	char here[OX_YAML_PATH_MAX];
	int s = pbl_key(l, path, k, "step", step_keys, OX_PB__NSTEP);
	if (s < 0)
		return -1;
	ox_yaml_join(here, path, ox_yaml_str(k));
	if (v->type != YAML_MAPPING_NODE)
		return ox_yaml_error(y, v, "'%s' must be a mapping of zh and en texts", here);
	const char *(*steps)[OX_PB__NLANG] = l->tpl;
	l->tpl = &steps[s];
	int rc = ox_yaml_each(y, here, v, pbl_lang, l);
	l->tpl = steps;
	return rc;
}

static int pbl_steps(struct pbl *l, const char *path, yaml_node_t *v, const char *(*tpl)[OX_PB__NLANG])
{
	if (v->type != YAML_MAPPING_NODE && !ox_yaml_is_null(v))
		return ox_yaml_error(&l->y, v,
				     "'%s' must be a mapping of steps: notify, explain, progress, "
				     "solution, apology",
				     path);
	l->tpl = tpl;
	return ox_yaml_each(&l->y, path, v, pbl_step, l);
}

static int pbl_category(struct ox_yaml *y, void *ctx, const char *path, yaml_node_t *k, yaml_node_t *v)
{
	struct pbl *l = ctx;
	char here[OX_YAML_PATH_MAX];
	(void)y;
	int c = pbl_key(l, path, k, "category", cat_keys, OX_PB__NCAT);
	if (c < 0)
		return -1;
	ox_yaml_join(here, path, ox_yaml_str(k));
	return pbl_steps(l, here, v, l->cat_tpl[c]);
}

static bool id_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

static int pbl_item(struct ox_yaml *y, void *ctx, const char *path, yaml_node_t *k, yaml_node_t *v)
{
	static const char *const known[] = { "id", "zh", "en", NULL };
	struct pbl *l = ctx;
	struct ox_playbook *pb = l->pb;
	char p[OX_YAML_PATH_MAX];
	(void)k;
	if (v->type != YAML_MAPPING_NODE)
		return ox_yaml_error(y, v, "'%s' must be a mapping with id, zh and en", path);
	if (ox_yaml_only(y, path, v, known) < 0)
		return -1;
	struct ox_pb_item *it = &l->items[pb->n_checklist];
	yaml_node_t *id = ox_yaml_get(y, v, "id");
	ox_yaml_join(p, path, OX_STR_LIT("id"));
	if (!id)
		return ox_yaml_error(y, v, "'%s' is missing", p);
	struct ox_str s = ox_yaml_str(id);
	bool ok = id->type == YAML_SCALAR_NODE && s.len >= 1;
	for (size_t i = 0; ok && i < s.len; i++)
		ok = id_char(s.s[i]);
	if (!ok)
		return ox_yaml_error(y, id, "'%s' must be an id of a-z, 0-9 and '_'", p);
	if (s.len > OX_PB_ID_MAX)
		return ox_yaml_error(y, id, "'%s' is longer than %d bytes", p, OX_PB_ID_MAX);
	for (size_t i = 0; i < pb->n_checklist; i++)
		if (ox_str_eqz(s, l->items[i].id))
			return ox_yaml_error(y, id, "'%s': '%.*s' is already the id of item %zu (line %zu)",
					     p, (int)s.len, s.s, i, ox_yaml_line(l->id_nodes[i]));
	it->id = own_str(l->set, s);
	l->id_nodes[pb->n_checklist] = id;
	for (int g = 0; g < OX_PB__NLANG; g++) {
		const char *lang = g == OX_PB_ZH ? "zh" : "en";
		yaml_node_t *t = ox_yaml_get(y, v, lang);
		ox_yaml_join(p, path, ox_str_z(lang));
		if (!t)
			return ox_yaml_error(y, v, "'%s' is missing: an item has both languages", p);
		if (pbl_text(l, p, t, &it->text[g]) < 0)
			return -1;
	}
	pb->n_checklist++;
	return 0;
}

static size_t seq_len(const yaml_node_t *v)
{
	return (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
}

static int pbl_checklist(struct pbl *l, const char *path, yaml_node_t *v)
{
	if (v->type != YAML_SEQUENCE_NODE)
		return ox_yaml_error(&l->y, v, "'%s' must be a list of items with id, zh and en", path);
	size_t n = seq_len(v);
	if (!n)
		return ox_yaml_error(&l->y, v, "'%s' is empty: a checklist has at least one item", path);
	if (n > OX_PB_CHECKLIST_MAX)
		return ox_yaml_error(
			&l->y,
			yaml_document_get_node(&l->y.doc, v->data.sequence.items.start[OX_PB_CHECKLIST_MAX]),
			"'%s' has more than %d items", path, OX_PB_CHECKLIST_MAX);
	l->items = own(l->set, ox_xcalloc(n, sizeof *l->items));
	l->pb->checklist = l->items;
	l->pb->n_checklist = 0;
	return ox_yaml_items(&l->y, path, v, pbl_item, l);
}

static int pbl_action(struct ox_yaml *y, void *ctx, const char *path, yaml_node_t *k, yaml_node_t *v)
{
	struct pbl *l = ctx;
	char why[200];
	(void)k;
	struct ox_str s = ox_yaml_str(v);
	if (v->type != YAML_SCALAR_NODE)
		return ox_yaml_error(y, v, "'%s' must be an action such as refund or send_message", path);
	int a = ox_pb_action_by_name(s.s, s.len);
	if (a < 0) {
		unknown_name("action", s.s, s.len, NAMES(action_names), why, sizeof why);
		return ox_yaml_error(y, v, "'%s': %s", path, why);
	}
	for (size_t i = 0; i < *l->n_list; i++)
		if (l->list[i] == (enum ox_pb_action)a)
			return ox_yaml_error(y, v, "'%s' lists '%s' twice", l->list_path,
					     action_names[a].name);
	l->list[(*l->n_list)++] = (enum ox_pb_action)a;
	return 0;
}

static int pbl_actions(struct pbl *l, const char *path, yaml_node_t *v, enum ox_pb_action *list, size_t *n)
{
	if (v->type != YAML_SEQUENCE_NODE)
		return ox_yaml_error(&l->y, v, "'%s' must be a list of actions", path);
	*n = 0;
	l->list = list;
	l->n_list = n;
	l->list_path = path;
	return ox_yaml_items(&l->y, path, v, pbl_action, l);
}

static int pbl_auto(struct pbl *l, const char *path, yaml_node_t *v)
{
	static const char *const known[] = { "mode", "sequence", "limit", NULL };
	struct ox_playbook *pb = l->pb;
	char p[OX_YAML_PATH_MAX];
	yaml_node_t *n;
	if (v->type != YAML_MAPPING_NODE)
		return ox_yaml_error(&l->y, v, "'%s' must be a mapping with mode, sequence and limit", path);
	if (ox_yaml_only(&l->y, path, v, known) < 0)
		return -1;
	if ((n = ox_yaml_get(&l->y, v, "mode"))) {
		ox_yaml_join(p, path, OX_STR_LIT("mode"));
		struct ox_str s = ox_yaml_str(n);
		int m = n->type == YAML_SCALAR_NODE ? ox_pb_mode_by_name(s.s, s.len) : -1;
		if (m < 0) {
			char why[200];
			unknown_name("mode", s.s, s.len, NAMES(mode_names), why, sizeof why);
			return ox_yaml_error(
				&l->y, n, "'%s': %s; expected suggest, auto or auto_with_approval", p, why);
		}
		pb->mode = (enum ox_pb_mode)m;
	}
	if ((n = ox_yaml_get(&l->y, v, "sequence"))) {
		ox_yaml_join(p, path, OX_STR_LIT("sequence"));
		if (pbl_actions(l, p, n, pb->sequence, &pb->n_sequence) < 0)
			return -1;
		if (!pb->n_sequence)
			return ox_yaml_error(&l->y, n,
					     "'%s' is empty: an automatic run makes at least one action", p);
	}
	if ((n = ox_yaml_get(&l->y, v, "limit"))) {
		ox_yaml_join(p, path, OX_STR_LIT("limit"));
		if (ox_yaml_money(&l->y, p, n, OX_PB_LIMIT_MAX, OX_PB_NO_LIMIT, &pb->limit) < 0)
			return -1;
	}
	if (pb->mode != OX_PB_M_SUGGEST && !pb->n_sequence) {
		n = ox_yaml_get(&l->y, v, "mode");
		ox_yaml_join(p, path, OX_STR_LIT("sequence"));
		return ox_yaml_error(&l->y, n ? n : v, "'%s' is missing: mode %s needs the actions to run", p,
				     mode_names[pb->mode].name);
	}
	return 0;
}

static int pbl_rule(struct ox_yaml *y, void *ctx, const char *path, yaml_node_t *k, yaml_node_t *v)
{
	static const char *const known[] = { "checklist", "actions", "auto", "templates", NULL };
	struct pbl *l = ctx;
	char here[OX_YAML_PATH_MAX], p[OX_YAML_PATH_MAX];
	yaml_node_t *n;
	int r = pbl_key(l, path, k, "rule", rule_keys, OX_R__COUNT);
	if (r < 0)
		return -1;
	ox_yaml_join(here, path, ox_yaml_str(k));
	if (ox_yaml_is_null(v))
		return 0;
	if (v->type != YAML_MAPPING_NODE)
		return ox_yaml_error(
			y, v, "'%s' must be a mapping with checklist, actions, auto or templates", here);
	if (ox_yaml_only(y, here, v, known) < 0)
		return -1;
	struct ox_playbook *pb = l->pb = &l->set->pb[r];
	if ((n = ox_yaml_get(y, v, "checklist"))) {
		ox_yaml_join(p, here, OX_STR_LIT("checklist"));
		if (pbl_checklist(l, p, n) < 0)
			return -1;
		pb->customized |= OX_PB_SET_CHECKLIST;
	}
	if ((n = ox_yaml_get(y, v, "actions"))) {
		ox_yaml_join(p, here, OX_STR_LIT("actions"));
		if (pbl_actions(l, p, n, pb->actions, &pb->n_actions) < 0)
			return -1;
		pb->customized |= OX_PB_SET_ACTIONS;
	}
	if ((n = ox_yaml_get(y, v, "auto"))) {
		ox_yaml_join(p, here, OX_STR_LIT("auto"));
		if (pbl_auto(l, p, n) < 0)
			return -1;
		pb->customized |= OX_PB_SET_AUTO;
	}
	if ((n = ox_yaml_get(y, v, "templates"))) {
		ox_yaml_join(p, here, OX_STR_LIT("templates"));
		if (pbl_steps(l, p, n, l->rule_tpl[r]) < 0)
			return -1;
	}
	return 0;
}

static int pbl_section(struct pbl *l, yaml_node_t *sec)
{
	static const char *const known[] = { "rules", "templates", NULL };
	struct ox_yaml *y = &l->y;
	yaml_node_t *n;
	if (sec->type != YAML_MAPPING_NODE)
		return ox_yaml_error(y, sec, "'playbooks' must be a mapping with rules and templates");
	if (ox_yaml_only(y, "playbooks", sec, known) < 0)
		return -1;
	if ((n = ox_yaml_get(y, sec, "templates"))) {
		if (n->type != YAML_MAPPING_NODE && !ox_yaml_is_null(n))
			return ox_yaml_error(y, n, "'playbooks.templates' must be a mapping of categories");
		if (ox_yaml_each(y, "playbooks.templates", n, pbl_category, l) < 0)
			return -1;
	}
	if ((n = ox_yaml_get(y, sec, "rules"))) {
		if (n->type != YAML_MAPPING_NODE && !ox_yaml_is_null(n))
			return ox_yaml_error(y, n, "'playbooks.rules' must be a mapping of rule codes");
		if (ox_yaml_each(y, "playbooks.rules", n, pbl_rule, l) < 0)
			return -1;
	}
	return 0;
}

static int pbl_any(struct ox_yaml *y, void *ctx, const char *path, yaml_node_t *k, yaml_node_t *v)
{
	(void)y, (void)ctx, (void)path, (void)k, (void)v;
	return 0;
}

static int parse_doc(struct pbl *l, struct ox_playbooks **out)
{
	yaml_node_t *root = ox_yaml_root(&l->y), *sec = NULL;
	if (root && !ox_yaml_is_null(root)) {
		if (root->type != YAML_MAPPING_NODE)
			return ox_yaml_error(&l->y, root, "the config file must be a mapping");
		/* a repeated top-level key would hide one of the two sections */
		if (ox_yaml_each(&l->y, "", root, pbl_any, NULL) < 0)
			return -1;
		sec = ox_yaml_get(&l->y, root, "playbooks");
	}
	l->set = set_builtin();
	if (sec && !ox_yaml_is_null(sec) && pbl_section(l, sec) < 0) {
		ox_playbooks_free(l->set);
		return -1;
	}
	set_resolve(l->set, l);
	*out = l->set;
	return 0;
}

int ox_playbooks_parse(const char *name, const char *text, size_t len, struct ox_playbooks **out, char *err,
		       size_t errsz)
{
	struct pbl *l = ox_xcalloc(1, sizeof *l);
	*out = NULL;
	int rc = ox_yaml_load(&l->y, name, text, len, err, errsz);
	if (rc == 0) {
		rc = parse_doc(l, out);
		ox_yaml_free(&l->y);
	}
	free(l);
	return rc;
}

int ox_playbooks_load(const char *path, struct ox_playbooks **out, char *err, size_t errsz)
{
	*out = NULL;
	if (!path) {
		*out = set_builtin();
		set_resolve(*out, NULL);
		return 0;
	}
	struct pbl *l = ox_xcalloc(1, sizeof *l);
	int rc = ox_yaml_load_file(&l->y, path, err, errsz);
	if (rc == 0) {
		rc = parse_doc(l, out);
		ox_yaml_free(&l->y);
	}
	free(l);
	return rc;
}

/* ---- JSON ------------------------------------------------------------------------------ */

/* "zh":"..","en":".." (or one of them), without braces. */
static int j_langs(struct ox_buf *b, const char *const t[OX_PB__NLANG], enum ox_pb_lang lang)
{
	bool first = true;
	for (int g = 0; g < OX_PB__NLANG; g++) {
		if (lang != OX_PB_BOTH && lang != (enum ox_pb_lang)g)
			continue;
		if (ox_buf_addf(b, "%s\"%s\":", first ? "" : ",", g == OX_PB_ZH ? "zh" : "en") < 0 ||
		    ox_buf_add_json_str(b, t[g], strlen(t[g])) < 0)
			return -1;
		first = false;
	}
	return 0;
}

/* {"code":"x","zh":..,"en":..} of a table entry, with key naming the code. */
static int j_named(struct ox_buf *b, const char *key, const struct oxp_name *e, enum ox_pb_lang lang)
{
	if (ox_buf_addf(b, "{\"%s\":", key) < 0 || ox_buf_add_json_str(b, e->name, strlen(e->name)) < 0 ||
	    ox_buf_addz(b, ",") < 0 || j_langs(b, e->label, lang) < 0 || ox_buf_addz(b, "}") < 0)
		return -1;
	return 0;
}

static int j_str(struct ox_buf *b, const char *s)
{
	return ox_buf_add_json_str(b, s, strlen(s));
}

/* ["a","b"] of the resolutions of category c (none for -1). */
static int j_resolutions(struct ox_buf *b, int c)
{
	bool first = true;
	if (ox_buf_addz(b, "[") < 0)
		return -1;
	for (int r = 0; c >= 0 && r < OX_PB_R__COUNT; r++)
		if (resolution_cats[r] >> c & 1) {
			if ((!first && ox_buf_addz(b, ",") < 0) || j_str(b, resolution_names[r].name) < 0)
				return -1;
			first = false;
		}
	return ox_buf_addz(b, "]");
}

static int j_action_list(struct ox_buf *b, const enum ox_pb_action *a, size_t n, bool labels,
			 enum ox_pb_lang lang)
{
	if (ox_buf_addz(b, "[") < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (i && ox_buf_addz(b, ",") < 0)
			return -1;
		if (labels ? j_named(b, "kind", &action_names[a[i]], lang)
			   : j_str(b, action_names[a[i]].name))
			return -1;
	}
	return ox_buf_addz(b, "]");
}

int ox_playbook_json(const struct ox_playbook *pb, enum ox_pb_lang lang, struct ox_buf *out)
{
	struct ox_buf *b = out;
	const struct ox_rule_info *ri = ox_rule_info(pb->rule);
	const char *title[OX_PB__NLANG] = { ri->title_zh, ri->title_en };
	char money[OX_MONEY_BUFSZ];

	if (ox_buf_addz(b, "{\"rule\":") < 0 || j_str(b, ri->code) < 0 ||
	    ox_buf_addz(b, ",\"category\":") < 0 || j_str(b, ri->category) < 0 ||
	    ox_buf_addz(b, ",\"title\":{") < 0 || j_langs(b, title, lang) < 0 ||
	    ox_buf_addz(b, "},\"checklist\":[") < 0)
		return -1;
	for (size_t i = 0; i < pb->n_checklist; i++) {
		const struct ox_pb_item *it = &pb->checklist[i];
		if (ox_buf_addz(b, i ? ",{\"id\":" : "{\"id\":") < 0 || j_str(b, it->id) < 0 ||
		    ox_buf_addz(b, ",") < 0 || j_langs(b, it->text, lang) < 0 || ox_buf_addz(b, "}") < 0)
			return -1;
	}
	if (ox_buf_addz(b, "],\"actions\":") < 0 ||
	    j_action_list(b, pb->actions, pb->n_actions, true, lang) < 0 ||
	    ox_buf_addz(b, ",\"auto\":{\"mode\":") < 0 || j_str(b, mode_names[pb->mode].name) < 0 ||
	    ox_buf_addz(b, ",\"label\":{") < 0 || j_langs(b, mode_names[pb->mode].label, lang) < 0 ||
	    ox_buf_addz(b, "},\"sequence\":") < 0 ||
	    j_action_list(b, pb->sequence, pb->n_sequence, false, lang) < 0 ||
	    (pb->limit == OX_PB_NO_LIMIT
		     ? ox_buf_addz(b, ",\"limit\":null}")
		     : ox_buf_addf(b, ",\"limit\":\"%s\"}", ox_money_format(pb->limit, money))) < 0 ||
	    ox_buf_addz(b, ",\"templates\":[") < 0)
		return -1;
	for (int s = 0; s < OX_PB__NSTEP; s++) {
		uint32_t used = 0, u;
		for (int g = 0; g < OX_PB__NLANG; g++)
			if (ox_pb_template_check(pb->templates[s][g], strlen(pb->templates[s][g]), &u, NULL,
						 0) == 0)
				used |= u;
		if (ox_buf_addf(b, "%s{\"step\":\"%s\",\"label\":{", s ? "," : "", step_names[s].name) < 0 ||
		    j_langs(b, step_names[s].label, lang) < 0 || ox_buf_addz(b, "},") < 0 ||
		    j_langs(b, pb->templates[s], lang) < 0 || ox_buf_addz(b, ",\"variables\":[") < 0)
			return -1;
		bool first = true;
		for (int v = 0; v < OX_PB_V__COUNT; v++)
			if (used >> v & 1) {
				if (ox_buf_addf(b, "%s\"%s\"", first ? "" : ",", var_names[v].name) < 0)
					return -1;
				first = false;
			}
		if (ox_buf_addz(b, "]}") < 0)
			return -1;
	}
	static const char *const set_names[] = { "checklist", "actions", "auto", "templates" };
	if (ox_buf_addz(b, "],\"resolutions\":") < 0 || j_resolutions(b, pb->category) < 0 ||
	    ox_buf_addz(b, ",\"customized\":[") < 0)
		return -1;
	bool first = true;
	for (size_t i = 0; i < OX_ARRAY_LEN(set_names); i++)
		if (pb->customized >> i & 1) {
			if (ox_buf_addf(b, "%s\"%s\"", first ? "" : ",", set_names[i]) < 0)
				return -1;
			first = false;
		}
	return ox_buf_addz(b, "]}");
}

int ox_playbooks_json(const struct ox_playbooks *set, enum ox_pb_lang lang, struct ox_buf *out)
{
	if (ox_buf_addz(out, "{\"playbooks\":[") < 0)
		return -1;
	for (int r = 0; r < OX_R__COUNT; r++)
		if ((r && ox_buf_addz(out, ",") < 0) || ox_playbook_json(&set->pb[r], lang, out) < 0)
			return -1;
	return ox_buf_addz(out, "]}");
}

int ox_pb_taxonomy_json(enum ox_pb_lang lang, struct ox_buf *out)
{
	struct ox_buf *b = out;
	if (ox_buf_addz(b, "{\"categories\":[") < 0)
		return -1;
	for (int c = 0; c < OX_PB__NCAT; c++) {
		if (ox_buf_addz(b, c ? ",{\"category\":" : "{\"category\":") < 0 ||
		    j_str(b, cat_names[c].name) < 0 || ox_buf_addz(b, ",") < 0 ||
		    j_langs(b, cat_names[c].label, lang) < 0 || ox_buf_addz(b, ",\"resolutions\":") < 0 ||
		    j_resolutions(b, c) < 0 || ox_buf_addz(b, "}") < 0)
			return -1;
	}
	if (ox_buf_addz(b, "],\"resolutions\":[") < 0)
		return -1;
	for (int r = 0; r < OX_PB_R__COUNT; r++) {
		if (ox_buf_addz(b, r ? ",{\"code\":" : "{\"code\":") < 0 ||
		    j_str(b, resolution_names[r].name) < 0 || ox_buf_addz(b, ",") < 0 ||
		    j_langs(b, resolution_names[r].label, lang) < 0 ||
		    ox_buf_addz(b, ",\"categories\":[") < 0)
			return -1;
		bool first = true;
		for (int c = 0; c < OX_PB__NCAT; c++)
			if (resolution_cats[r] >> c & 1) {
				if (ox_buf_addf(b, "%s\"%s\"", first ? "" : ",", cat_names[c].name) < 0)
					return -1;
				first = false;
			}
		if (ox_buf_addz(b, "]}") < 0)
			return -1;
	}
	if (ox_buf_addz(b, "],\"root_causes\":[") < 0)
		return -1;
	for (int c = 0; c < OX_PB_RC__COUNT; c++)
		if ((c && ox_buf_addz(b, ",") < 0) || j_named(b, "code", &cause_names[c], lang) < 0)
			return -1;
	return ox_buf_addz(b, "]}");
}

/* fuzz_ops.c - libFuzzer harness for the readers of the config file's
 * operational sections: one input is one YAML file, read as the daemon reads
 * it: the rule parameters first (ox_config_load_string; on an error the
 * defaults stay), then the teams and routing (ox_policy_load_string, checked
 * against those parameters) and the alerts: section (ox_alert_config_parse).
 *
 * Besides what ASan and UBSan catch, it checks the readers' promises.
 *
 * Policy (src/policy.h, docs/config.md "Teams and routing"). On success: at
 * most 256 teams with distinct names of 1..63 [A-Za-z0-9_.-], found again by
 * ox_policy_team_info; display names 1..128 bytes of UTF-8 without control
 * characters; at most 64 distinct members; round robin only with members,
 * ox_policy_pick giving members[n % len]. The listing of
 * ox_policy_list_json is valid JSON within OX_POLICY_JSON_MAX, fits a buffer
 * of exactly its length and not one byte less, and holds exactly these
 * teams, then the rules' own teams, then at most 256 routing rules, each
 * with 1..5 known match keys of 1..64 distinct valid values and a known
 * team, none able to match what one earlier rule already takes.
 * ox_policy_team never returns NULL for a rule in range, and gives what a
 * plain first-match scan of the listed routing rules gives, for every rule,
 * severity 0..5 and a few channels and shops (NULL, "", and values the
 * routing names). Loading twice lists the same.
 *
 * Alerts (src/alert_config.h, docs/alerts.md). On success: at most 64
 * channels with distinct names of 1..63 [A-Za-z0-9_.-], found again by
 * ox_alert_channel_find; a known type; an http(s) URL of at most
 * OX_ALERT_URL_MAX bytes and a secret of 1..OX_ALERT_SECRET_MAX bytes (none
 * for wecom and slack), both without control characters after ${ENV}
 * expansion; format text only for feishu. The routing tree has at most 256
 * nodes numbered in pre-order, nests at most 8 deep, names receivers that
 * exist, has a root without matchers or continue, and matchers of distinct
 * labels with 1..64 distinct values in normal form; every duration and the
 * delivery settings are in their documented ranges; console_url has no final
 * '/'. Without channels the tree is the default root alone. Routing a set of
 * notices gives the routes a plain Alertmanager walk gives (matchers
 * evaluated here from the notice's fields), and each group key reads
 * "label=value,..." in label order. Parsing twice gives the same config.
 *
 * After an error (either reader): -1, *out untouched (the running policy or
 * NULL), and the message is non-empty, one line, valid UTF-8 (checked by an
 * independent decoder), starts with "NAME:", and a short err buffer gets a
 * NUL-terminated prefix of it.
 *
 * ${ENV} is expanded from a fixed environment set up in LLVMFuzzerInitialize
 * (the variables of docs/alerts.md and the seeds), so results do not depend
 * on the shell that runs the fuzzer.
 */
#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alert_config.h"
#include "config.h"
#include "json.h"
#include "params.h"
#include "policy.h"
#include "rules.h"
#include "textnorm.h"
#include "timefmt.h"
#include "fuzz_utf8.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAME "ops.yaml"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* The variables of docs/alerts.md and the seeds. Each value is longer
	 * than its ${NAME} (OX_FUZZ_LONG by 113 bytes), so that expansion can
	 * take a text past its limit; the last three make the errors. */
	static const char *const env[][2] = {
		{ "DING_TOKEN", "4f6b0c2d9e8a7b1c3d5e7f9a0b2c4d6e8f0a1b3c5d7e9f" },
		{ "DING_SECRET", "SEC0123456789abcdef0123456789abcdef0123456789abcdef" },
		{ "WECOM_KEY", "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa" },
		{ "LARK_HOOK", "2c5b7e1a-0f3d-4a6b-9c8e-1d2f3a4b5c6d" },
		{ "LARK_SECRET", "larksecret0123" },
		{ "SLACK_PATH", "T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX" },
		{ "ERP_SECRET", "erp-hmac-key" },
		{ "OX_FUZZ_LONG", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
				  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" },
		{ "OX_FUZZ_EMPTY", "" },
		{ "OX_FUZZ_NEWLINE", "a\nb" },
	};
	for (size_t i = 0; i < OX_ARRAY_LEN(env); i++)
		setenv(env[i][0], env[i][1], 1);
	unsetenv("OX_FUZZ_UNSET");
	return 0;
}

/* ---- shared checks -------------------------------------------------------------------- */

static const char ident_chars[] = "abcdefghijklmnopqrstuvwxyz"
				  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.";

/* A team, user or channel name: 1..max bytes of [A-Za-z0-9_.-]. */
static void check_ident(const char *s, size_t max)
{
	assert(s != NULL);
	size_t n = strlen(s);
	assert(n >= 1 && n <= max);
	assert(strspn(s, ident_chars) == n);
}

static bool no_controls(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7F)
			return false;
	return true;
}

/* A display name, channel or shop: 1..max bytes, not blank, no control
 * characters, valid UTF-8. */
static void check_text(const char *s, size_t n, size_t max)
{
	assert(n >= 1 && n <= max);
	assert(ox_textnorm_trim((struct ox_str){ s, n }).len > 0);
	assert(no_controls(s, n));
	assert(fuzz_valid_utf8((const unsigned char *)s, n));
}

static void check_error(const char *err, size_t errsz)
{
	size_t n = strnlen(err, errsz);
	/* Not cut by errsz here, so every promise applies to the whole. */
	assert(n > 0 && n < errsz - 1);
	assert(!memchr(err, '\n', n) && !memchr(err, '\r', n));
	assert(fuzz_valid_utf8((const unsigned char *)err, n));
	assert(strncmp(err, NAME ":", strlen(NAME ":")) == 0);
}

/* A short buffer (exactly its size, for ASan) gets a prefix of full. */
static void check_cut(const char *cut, size_t small, const char *full)
{
	size_t n = strlen(cut), f = strlen(full);
	assert(n == (f < small - 1 ? f : small - 1));
	assert(memcmp(cut, full, n) == 0);
}

static bool streq_null(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* ---- JSON tokens ------------------------------------------------------------------------ */

static bool jis(const struct ox_json_tok *t, const char *z)
{
	return t->type == OX_JSON_STRING && t->len == strlen(z) && memcmp(t->s, z, t->len) == 0;
}

/* The value of key in the object at toks[obj], or 0. */
static size_t jget(const struct ox_json *j, size_t obj, const char *key)
{
	assert(j->toks[obj].type == OX_JSON_OBJECT);
	size_t i = obj + 1;
	for (uint32_t m = 0; m < j->toks[obj].size; m++) {
		if (jis(&j->toks[i], key))
			return i + 1;
		i = j->toks[i + 1].end;
	}
	return 0;
}

/* A string or null value equal to z (NULL for null). */
static bool jstr_or_null(const struct ox_json_tok *t, const char *z)
{
	if (!z)
		return t->type == OX_JSON_NULL;
	return jis(t, z);
}

/* ---- policy ------------------------------------------------------------------------------ */

#define CANDS 7 /* channel or shop values tried: NULL, "", "zz-none", 4 named */

/* A routing rule as the listing gives it. */
struct ref_route {
	uint64_t rules;
	unsigned sevs;              /* bits 0..3: P1..P4; bit 4: outside 1..4 */
	bool has_chan, has_shop;
	unsigned chan_in, shop_in;  /* bit c: candidate c is listed */
	const struct ox_json_tok *chan, *shop; /* the lists, for the covering check */
	const char *team;
	size_t team_len;
};

struct cands {
	const char *v[CANDS];
	size_t n;
	char store[4][OX_POLICY_VALUE_MAX + 1];
};

static void cands_init(struct cands *c)
{
	c->v[0] = NULL;
	c->v[1] = "";
	c->v[2] = "zz-none";
	c->n = 3;
}

static void cands_add(struct cands *c, const struct ox_json_tok *t)
{
	if (c->n == CANDS || t->len > OX_POLICY_VALUE_MAX)
		return;
	for (size_t i = 1; i < c->n; i++)
		if (strlen(c->v[i]) == t->len && memcmp(c->v[i], t->s, t->len) == 0)
			return;
	char *d = c->store[c->n - 3];
	memcpy(d, t->s, t->len);
	d[t->len] = '\0';
	c->v[c->n++] = d;
}

/* Bit c for each candidate the list at toks[list] holds. */
static unsigned cands_in(const struct ox_json *j, size_t list, const struct cands *c)
{
	unsigned bits = 0;
	for (size_t k = 0; k < c->n; k++) {
		if (!c->v[k])
			continue;
		for (uint32_t e = 0; e < j->toks[list].size; e++)
			if (jis(&j->toks[list + 1 + e], c->v[k]))
				bits |= 1u << k;
	}
	return bits;
}

static bool list_subset(const struct ox_json *j, size_t a, size_t b)
{
	for (uint32_t x = 0; x < j->toks[a].size; x++) {
		const struct ox_json_tok *v = &j->toks[a + 1 + x];
		bool found = false;
		for (uint32_t y = 0; y < j->toks[b].size && !found; y++) {
			const struct ox_json_tok *w = &j->toks[b + 1 + y];
			found = v->len == w->len && memcmp(v->s, w->s, v->len) == 0;
		}
		if (!found)
			return false;
	}
	return true;
}

/* The rules of a category, a bit each. */
static uint64_t category_rules(const struct ox_json_tok *t)
{
	uint64_t m = 0;
	for (int r = 0; r < OX_R__COUNT; r++)
		if (jis(t, ox_rule_info((enum ox_rule)r)->category))
			m |= UINT64_C(1) << r;
	return m;
}

static bool rule_team(const struct ox_params *p, const char *s, size_t n)
{
	for (int r = 0; r < OX_R__COUNT; r++)
		if (strlen(p->rules[r].team) == n && memcmp(p->rules[r].team, s, n) == 0)
			return true;
	return false;
}

/* A match list: non-empty, at most 64 distinct strings, each checked. */
static void check_match_list(const struct ox_json *j, size_t list, const char *key, uint64_t *rules,
			     unsigned *sevs)
{
	const struct ox_json_tok *l = &j->toks[list];
	assert(l->type == OX_JSON_ARRAY);
	assert(l->size >= 1 && l->size <= OX_POLICY_VALUES_MAX);
	uint64_t m = 0;
	unsigned s = 0;
	for (uint32_t e = 0; e < l->size; e++) {
		const struct ox_json_tok *v = &j->toks[list + 1 + e];
		assert(v->type == OX_JSON_STRING);
		for (uint32_t f = 0; f < e; f++) {
			const struct ox_json_tok *w = &j->toks[list + 1 + f];
			assert(!(v->len == w->len && memcmp(v->s, w->s, v->len) == 0));
		}
		if (!strcmp(key, "category")) {
			uint64_t c = category_rules(v);
			assert(c != 0);
			m |= c;
		} else if (!strcmp(key, "rule")) {
			int r = ox_rule_by_code(v->s, v->len);
			assert(r >= 0);
			m |= UINT64_C(1) << r;
		} else if (!strcmp(key, "severity")) {
			assert(v->len == 2 && v->s[0] == 'P' && v->s[1] >= '1' && v->s[1] <= '4');
			s |= 1u << (v->s[1] - '1');
		} else {
			assert(!(v->flags & OX_JSON_F_NUL));
			check_text(v->s, v->len, OX_POLICY_VALUE_MAX);
		}
	}
	if (!strcmp(key, "category") || !strcmp(key, "rule"))
		*rules &= m;
	if (!strcmp(key, "severity"))
		*sevs = s;
}

static void check_team_entry(const struct ox_json *j, size_t t, const struct ox_params *p, const char *name,
			     const struct ox_team *info)
{
	static const struct ox_team none = { 0 };
	const struct ox_team *x = info ? info : &none;
	assert(j->toks[t].type == OX_JSON_OBJECT && j->toks[t].size == 8);
	size_t v;
	assert((v = jget(j, t, "team")) && jis(&j->toks[v], name));
	assert((v = jget(j, t, "configured")) && j->toks[v].type == (info ? OX_JSON_TRUE : OX_JSON_FALSE));
	assert((v = jget(j, t, "name_zh")) && jstr_or_null(&j->toks[v], x->name_zh));
	assert((v = jget(j, t, "name_en")) && jstr_or_null(&j->toks[v], x->name_en));
	assert((v = jget(j, t, "lead")) && jstr_or_null(&j->toks[v], x->lead));
	assert((v = jget(j, t, "members")) && j->toks[v].type == OX_JSON_ARRAY &&
	       j->toks[v].size == x->n_members);
	for (size_t m = 0; m < x->n_members; m++)
		assert(jis(&j->toks[v + 1 + m], x->members[m]));
	assert((v = jget(j, t, "assign")) && jis(&j->toks[v], x->round_robin ? "round_robin" : "none"));
	assert((v = jget(j, t, "default_for")) && j->toks[v].type == OX_JSON_ARRAY);
	size_t k = 0;
	for (int r = 0; r < OX_R__COUNT; r++)
		if (!strcmp(p->rules[r].team, name)) {
			assert(k < j->toks[v].size);
			assert(jis(&j->toks[v + 1 + k], ox_rule_info((enum ox_rule)r)->code));
			k++;
		}
	assert(k == j->toks[v].size);
}

static void check_team(const struct ox_policy *pol, size_t i, const struct ox_team *t)
{
	check_ident(t->name, OX_POLICY_NAME_MAX);
	for (size_t k = 0; k < i; k++)
		assert(strcmp(ox_policy_team_at(pol, k)->name, t->name) != 0);
	assert(ox_policy_team_info(pol, t->name) == t);
	if (t->name_zh)
		check_text(t->name_zh, strlen(t->name_zh), OX_POLICY_LABEL_MAX);
	if (t->name_en)
		check_text(t->name_en, strlen(t->name_en), OX_POLICY_LABEL_MAX);
	if (t->lead)
		check_ident(t->lead, OX_POLICY_NAME_MAX);
	assert(t->n_members <= OX_POLICY_MEMBERS_MAX);
	assert(t->n_members == 0 || t->members != NULL);
	for (size_t m = 0; m < t->n_members; m++) {
		check_ident(t->members[m], OX_POLICY_NAME_MAX);
		for (size_t k = 0; k < m; k++)
			assert(strcmp(t->members[k], t->members[m]) != 0);
	}
	assert(!t->round_robin || t->n_members >= 1);
	for (uint64_t c = 0; c < 3; c++) {
		const char *who = ox_policy_pick(t, c * 7 + i);
		if (t->round_robin)
			assert(who == t->members[(c * 7 + i) % t->n_members]);
		else
			assert(who == NULL);
	}
}

/* The listing of pol, checked whole; returned in out. */
static void policy_listing(const struct ox_policy *pol, const struct ox_params *p, struct ox_buf *out)
{
	ox_buf_init(out, OX_POLICY_JSON_MAX);
	assert(ox_policy_list_json(pol, p, out) == 0);
	assert(out->len > 0 && out->len <= OX_POLICY_JSON_MAX);
	assert(fuzz_valid_utf8((const unsigned char *)out->data, out->len));
	/* exactly its length is enough, one byte less is not */
	struct ox_buf b;
	ox_buf_init(&b, out->len);
	assert(ox_policy_list_json(pol, p, &b) == 0);
	assert(b.len == out->len && memcmp(b.data, out->data, b.len) == 0);
	ox_buf_release(&b);
	ox_buf_init(&b, out->len - 1);
	assert(ox_policy_list_json(pol, p, &b) == -1);
	ox_buf_release(&b);
}

static void check_policy(const struct ox_policy *pol, const struct ox_params *p, const struct ox_buf *list,
			 size_t seed)
{
	static struct ox_json j;
	static bool init;
	if (!init) {
		ox_json_init(&j, 8);
		init = true;
	}

	size_t n_teams = 0;
	for (const struct ox_team *t; (t = ox_policy_team_at(pol, n_teams)); n_teams++) {
		assert(n_teams < OX_POLICY_TEAMS_MAX);
		check_team(pol, n_teams, t);
	}
	assert(ox_policy_team_info(pol, "no team?") == NULL);
	assert(ox_policy_team_info(pol, NULL) == NULL);

	assert(ox_json_parse(&j, list->data, list->len) == 0);
	assert(j.toks[0].type == OX_JSON_OBJECT && j.toks[0].size == 2);
	size_t teams = jget(&j, 0, "teams"), routing = jget(&j, 0, "routing");
	assert(teams && routing);
	assert(j.toks[teams].type == OX_JSON_ARRAY && j.toks[routing].type == OX_JSON_ARRAY);

	/* the configured teams in file order, then the rules' other teams */
	size_t e = teams + 1, k = 0;
	for (; k < n_teams; k++, e = j.toks[e].end) {
		const struct ox_team *t = ox_policy_team_at(pol, k);
		check_team_entry(&j, e, p, t->name, t);
	}
	for (int r = 0; r < OX_R__COUNT; r++) {
		const char *team = p->rules[r].team;
		int seen = 0;
		while (seen < r && strcmp(p->rules[seen].team, team) != 0)
			seen++;
		if (seen < r || ox_policy_team_info(pol, team))
			continue;
		assert(k < j.toks[teams].size);
		check_team_entry(&j, e, p, team, NULL);
		k++;
		e = j.toks[e].end;
	}
	assert(k == j.toks[teams].size);

	/* the routing rules */
	size_t n_routes = j.toks[routing].size;
	assert(n_routes <= OX_POLICY_ROUTES_MAX);
	struct ref_route *rt = calloc(n_routes ? n_routes : 1, sizeof *rt);
	struct cands chans, shops;
	cands_init(&chans);
	cands_init(&shops);
	static const char *const keys[] = { "category", "rule", "severity", "channel", "shop" };
	e = routing + 1;
	for (size_t i = 0; i < n_routes; i++, e = j.toks[e].end) {
		struct ref_route *x = &rt[i];
		x->rules = UINT64_MAX >> (64 - OX_R__COUNT);
		x->sevs = 0x1F;
		assert(j.toks[e].type == OX_JSON_OBJECT && j.toks[e].size == 2);
		size_t m = jget(&j, e, "match"), t = jget(&j, e, "team");
		assert(m && t && j.toks[m].type == OX_JSON_OBJECT);
		assert(j.toks[m].size >= 1 && j.toks[m].size <= OX_ARRAY_LEN(keys));
		/* the keys given, in the listing's order */
		size_t kv = m + 1, at = 0;
		for (uint32_t n = 0; n < j.toks[m].size; n++, kv = j.toks[kv + 1].end) {
			while (at < OX_ARRAY_LEN(keys) && !jis(&j.toks[kv], keys[at]))
				at++;
			assert(at < OX_ARRAY_LEN(keys));
			check_match_list(&j, kv + 1, keys[at], &x->rules, &x->sevs);
			if (at == 3) {
				x->has_chan = true;
				x->chan = &j.toks[kv + 1];
			} else if (at == 4) {
				x->has_shop = true;
				x->shop = &j.toks[kv + 1];
			}
			at++;
		}
		assert(x->rules != 0); /* "can never match" is refused */
		assert(j.toks[t].type == OX_JSON_STRING && !(j.toks[t].flags & OX_JSON_F_NUL));
		char name[OX_NAME_MAX];
		assert(j.toks[t].len >= 1 && j.toks[t].len <= OX_POLICY_NAME_MAX);
		memcpy(name, j.toks[t].s, j.toks[t].len);
		name[j.toks[t].len] = '\0';
		check_ident(name, OX_POLICY_NAME_MAX);
		assert(ox_policy_team_info(pol, name) || rule_team(p, name, j.toks[t].len));
		x->team = j.toks[t].s;
		x->team_len = j.toks[t].len;
	}

	/* candidates: a few values the routing names, picked by the input */
	for (size_t i = 0; i < n_routes; i++) {
		const struct ref_route *x = &rt[(i + seed) % n_routes];
		if (x->has_chan)
			cands_add(&chans, &x->chan[1 + (seed + i) % x->chan->size]);
		if (x->has_shop)
			cands_add(&shops, &x->shop[1 + (seed + i) % x->shop->size]);
	}
	for (size_t i = 0; i < n_routes; i++) {
		struct ref_route *x = &rt[i];
		size_t ci = x->has_chan ? (size_t)(x->chan - j.toks) : 0;
		size_t si = x->has_shop ? (size_t)(x->shop - j.toks) : 0;
		x->chan_in = x->has_chan ? cands_in(&j, ci, &chans) : 0;
		x->shop_in = x->has_shop ? cands_in(&j, si, &shops) : 0;
		/* no rule is covered by one earlier rule */
		for (size_t a = 0; a < i; a++) {
			const struct ref_route *y = &rt[a];
			bool covered = !(x->rules & ~y->rules) && !(x->sevs & ~y->sevs) &&
				       (!y->has_chan ||
					(x->has_chan && list_subset(&j, ci, (size_t)(y->chan - j.toks)))) &&
				       (!y->has_shop ||
					(x->has_shop && list_subset(&j, si, (size_t)(y->shop - j.toks))));
			assert(!covered);
		}
	}

	/* ox_policy_team against a first-match scan of the listing */
	assert(ox_policy_team(pol, p, OX_R__COUNT, 1, NULL, NULL) == NULL);
	for (int r = 0; r < OX_R__COUNT; r++) {
		assert(ox_policy_team(NULL, p, (enum ox_rule)r, 1, NULL, NULL) == p->rules[r].team);
		for (int sev = 0; sev <= 5; sev++) {
			unsigned sbit = sev >= 1 && sev <= 4 ? 1u << (sev - 1) : 1u << 4;
			for (size_t c = 0; c < chans.n; c++)
				for (size_t s = 0; s < shops.n; s++) {
					const char *got = ox_policy_team(pol, p, (enum ox_rule)r, sev, chans.v[c],
									 shops.v[s]);
					assert(got != NULL);
					const char *want = p->rules[r].team;
					size_t want_len = strlen(want);
					for (size_t i = 0; i < n_routes; i++) {
						const struct ref_route *x = &rt[i];
						if ((x->rules >> r & 1) && (x->sevs & sbit) &&
						    (!x->has_chan || (x->chan_in >> c & 1)) &&
						    (!x->has_shop || (x->shop_in >> s & 1))) {
							want = x->team;
							want_len = x->team_len;
							break;
						}
					}
					assert(strlen(got) == want_len && memcmp(got, want, want_len) == 0);
				}
		}
	}
	free(rt);
}

static void compare_teams(const struct ox_policy *a, const struct ox_policy *b)
{
	for (size_t i = 0;; i++) {
		const struct ox_team *x = ox_policy_team_at(a, i), *y = ox_policy_team_at(b, i);
		assert((x == NULL) == (y == NULL));
		if (!x)
			break;
		assert(!strcmp(x->name, y->name) && streq_null(x->name_zh, y->name_zh) &&
		       streq_null(x->name_en, y->name_en) && streq_null(x->lead, y->lead) &&
		       x->n_members == y->n_members && x->round_robin == y->round_robin);
		for (size_t m = 0; m < x->n_members; m++)
			assert(!strcmp(x->members[m], y->members[m]));
	}
}

static void run_policy(const char *yaml, size_t size, const struct ox_params *p)
{
	static char running; /* stands for the policy a reload would replace */
	struct ox_policy *const old = (struct ox_policy *)(void *)&running;
	struct ox_policy *pol = old;
	char err[1024];
	memset(err, 'x', sizeof err);
	int rc = ox_policy_load_string(NAME, yaml, size, p, &pol, err, sizeof err);
	if (rc < 0) {
		assert(rc == -1 && pol == old);
		check_error(err, sizeof err);
		/* NULL stays NULL; a short buffer gets a prefix */
		size_t small = 1 + size % 48;
		char *cut = malloc(small);
		struct ox_policy *none = NULL;
		assert(ox_policy_load_string(NAME, yaml, size, p, &none, cut, small) == -1);
		assert(none == NULL);
		check_cut(cut, small, err);
		free(cut);
		return;
	}
	assert(rc == 0 && pol != old && pol != NULL);
	struct ox_buf list, again_list;
	policy_listing(pol, p, &list);
	check_policy(pol, p, &list, size);

	struct ox_policy *again = NULL;
	assert(ox_policy_load_string(NAME, yaml, size, p, &again, err, sizeof err) == 0);
	assert(again != NULL && again != pol);
	policy_listing(again, p, &again_list);
	assert(again_list.len == list.len && memcmp(again_list.data, list.data, list.len) == 0);
	compare_teams(pol, again);
	ox_buf_release(&again_list);
	ox_policy_free(again);
	ox_buf_release(&list);
	ox_policy_free(pol);
}

/* ---- alerts ------------------------------------------------------------------------------ */

static const char *const label_names[] = { "rule", "category", "severity", "team", "kind", "level", "case" };
static const char *const kind_names[] = { "opened", "escalated", "sla_breached", "resolved" };
_Static_assert(OX_ARRAY_LEN(label_names) == OX_AL__COUNT, "a label this harness does not know");

static void check_url(const char *u, size_t max)
{
	assert(u != NULL);
	size_t n = strlen(u);
	assert(n >= 1 && n <= max);
	assert(no_controls(u, n));
	assert(strncasecmp(u, "http:", 5) == 0 || strncasecmp(u, "https:", 6) == 0);
}

struct walk {
	const struct ox_alert_config *c;
	int next_id; /* pre-order */
	size_t n_teams, n_cases;
	const char *teams[4], *cases[4]; /* matcher values, for notices that match */
};

static void walk_add(const char **arr, size_t *n, const char *v)
{
	if (*n < 4)
		arr[(*n)++] = v;
}

static void check_route(struct walk *w, const struct ox_alert_route *r, int depth)
{
	const struct ox_alert_config *c = w->c;
	assert(depth <= OX_ALERT_ROUTE_DEPTH_MAX);
	assert(r->id == w->next_id++);
	assert(r->receiver < c->n_channels || (c->n_channels == 0 && r->receiver == 0));
	assert(r->n_match == 0 || r->match != NULL);
	assert(r->n_match <= OX_AL__COUNT);
	for (size_t i = 0; i < r->n_match; i++) {
		const struct ox_alert_matcher *m = &r->match[i];
		assert((unsigned)m->label < OX_AL__COUNT);
		for (size_t k = 0; k < i; k++)
			assert(r->match[k].label != m->label);
		assert(m->n >= 1 && m->n <= OX_ALERT_VALUES_MAX && m->values != NULL);
		for (size_t v = 0; v < m->n; v++) {
			size_t len = strlen(m->values[v]);
			char norm[OX_ALERT_VALUE_MAX], why[200];
			assert(len < OX_ALERT_VALUE_MAX);
			assert(ox_alert_value_check(m->label, m->values[v], len, norm, why, sizeof why) == 0);
			assert(strcmp(norm, m->values[v]) == 0); /* in normal form */
			for (size_t k = 0; k < v; k++)
				assert(strcmp(m->values[k], m->values[v]) != 0);
			if (m->label == OX_AL_TEAM)
				walk_add(w->teams, &w->n_teams, m->values[v]);
			if (m->label == OX_AL_CASE)
				walk_add(w->cases, &w->n_cases, m->values[v]);
		}
	}
	assert(r->group_by < (1u << OX_AL__COUNT));
	assert(r->group_wait >= 0 && r->group_wait <= OX_MS_HOUR);
	assert(r->group_interval >= 1 && r->group_interval <= 2 * OX_MS_DAY);
	assert(r->repeat_interval >= 1 && r->repeat_interval <= 30 * OX_MS_DAY);
	assert(r->n_routes == 0 || r->routes != NULL);
	for (size_t i = 0; i < r->n_routes; i++)
		check_route(w, &r->routes[i], depth + 1);
}

/* The notice's label values, computed here from its fields. */
static void notice_labels(const struct ox_notice *n, char v[OX_AL__COUNT][OX_ALERT_VALUE_MAX])
{
	const struct ox_rule_info *ri = ox_rule_info(n->rule);
	snprintf(v[OX_AL_RULE], OX_ALERT_VALUE_MAX, "%s", ri->code);
	snprintf(v[OX_AL_CATEGORY], OX_ALERT_VALUE_MAX, "%s", ri->category);
	snprintf(v[OX_AL_SEVERITY], OX_ALERT_VALUE_MAX, "P%d", n->severity);
	snprintf(v[OX_AL_TEAM], OX_ALERT_VALUE_MAX, "%s", n->team);
	snprintf(v[OX_AL_KIND], OX_ALERT_VALUE_MAX, "%s", kind_names[n->kind]);
	snprintf(v[OX_AL_LEVEL], OX_ALERT_VALUE_MAX, "%d", n->level);
	snprintf(v[OX_AL_CASE], OX_ALERT_VALUE_MAX, "%s", n->case_id);
}

static bool ref_match(const struct ox_alert_route *r, char v[OX_AL__COUNT][OX_ALERT_VALUE_MAX])
{
	for (size_t i = 0; i < r->n_match; i++) {
		bool any = false;
		for (size_t k = 0; k < r->match[i].n && !any; k++)
			any = !strcmp(r->match[i].values[k], v[r->match[i].label]);
		if (!any)
			return false;
	}
	return true;
}

/* Alertmanager's walk (docs/alerts.md, "Routing and grouping"). */
static void ref_walk(const struct ox_alert_route *r, char v[OX_AL__COUNT][OX_ALERT_VALUE_MAX],
		     const struct ox_alert_route **out, size_t *count)
{
	size_t before = *count;
	for (size_t i = 0; i < r->n_routes; i++) {
		if (!ref_match(&r->routes[i], v))
			continue;
		ref_walk(&r->routes[i], v, out, count);
		if (!r->routes[i].cont)
			break;
	}
	if (*count == before && *count < OX_ALERT_ROUTES_MAX)
		out[(*count)++] = r;
}

static void check_routing(const struct ox_alert_config *c, const struct walk *w)
{
	static const struct ox_alert_route *got[OX_ALERT_ROUTES_MAX], *want[OX_ALERT_ROUTES_MAX];
	static const char *const teams[] = { "payments", "warehouse", "cs" };
	static const char *const cases[] = { "C00000042", "C00000001" };
	char v[OX_AL__COUNT][OX_ALERT_VALUE_MAX];
	struct ox_buf key, ref;
	ox_buf_init(&key, SIZE_MAX);
	ox_buf_init(&ref, SIZE_MAX);
	for (int i = 0; i < 2 * OX_R__COUNT; i++) {
		struct ox_notice n = { 0 };
		n.rule = (enum ox_rule)(i % OX_R__COUNT);
		n.severity = 1 + i % 4;
		n.kind = (enum ox_notice_kind)(i / 4 % 4);
		n.level = 1 + i % 3;
		const char *team = w->n_teams && i % 3 ? w->teams[i % w->n_teams] : teams[i % 3];
		const char *cid = w->n_cases && i % 2 ? w->cases[i % w->n_cases] : cases[i % 2];
		snprintf(n.team, sizeof n.team, "%s", team);
		snprintf(n.case_id, sizeof n.case_id, "%s", cid);
		notice_labels(&n, v);

		size_t count = ox_alert_route_notice(c, &n, got), expect = 0;
		if (c->n_channels)
			ref_walk(&c->route, v, want, &expect);
		assert(count == expect);
		assert(count <= OX_ALERT_ROUTES_MAX && (count >= 1) == (c->n_channels > 0));
		for (size_t k = 0; k < count; k++) {
			assert(got[k] == want[k]);
			/* "label=value" for each group_by label, in label order */
			ox_alert_group_key(got[k], &n, &key);
			ox_buf_reset(&ref);
			for (int l = 0; l < OX_AL__COUNT; l++)
				if (got[k]->group_by >> l & 1)
					assert(ox_buf_addf(&ref, "%s%s=%s", ref.len ? "," : "", label_names[l],
							   v[l]) == 0);
			assert(key.len == ref.len && (!key.len || memcmp(key.data, ref.data, key.len) == 0));
			assert(key.data && key.data[key.len] == '\0');
			assert(fuzz_valid_utf8((const unsigned char *)key.data, key.len));
		}
	}
	ox_buf_release(&key);
	ox_buf_release(&ref);
}

static void check_alerts(const struct ox_alert_config *c)
{
	assert(c->n_channels <= OX_ALERT_CHANNELS_MAX);
	assert(c->n_channels == 0 || c->channels != NULL);
	for (size_t i = 0; i < c->n_channels; i++) {
		const struct ox_alert_channel *ch = &c->channels[i];
		check_ident(ch->name, OX_NAME_MAX - 1);
		for (size_t k = 0; k < i; k++)
			assert(strcmp(c->channels[k].name, ch->name) != 0);
		assert(ox_alert_channel_find(c, ch->name) == ch);
		assert((unsigned)ch->type < OX_WH__NTYPES);
		check_url(ch->url, OX_ALERT_URL_MAX);
		if (ch->secret) {
			size_t n = strlen(ch->secret);
			assert(n >= 1 && n <= OX_ALERT_SECRET_MAX && no_controls(ch->secret, n));
			assert(ch->type != OX_WH_WECOM && ch->type != OX_WH_SLACK);
		}
		assert(!ch->feishu_text || ch->type == OX_WH_FEISHU);
	}
	assert(ox_alert_channel_find(c, "no channel?") == NULL);

	const struct ox_alert_route *root = &c->route;
	assert(root->n_match == 0 && !root->cont);
	assert(c->n_routes >= 1 && c->n_routes <= OX_ALERT_ROUTES_MAX);
	if (!c->n_channels)
		assert(c->n_routes == 1 && root->n_routes == 0);
	struct walk w = { .c = c };
	check_route(&w, root, 0);
	assert(w.next_id == c->n_routes);

	const struct ox_alert_delivery *d = &c->delivery;
	assert(d->timeout >= 1 && d->timeout <= 5 * OX_MS_MINUTE);
	assert(d->backoff_initial >= 1 && d->backoff_initial <= OX_MS_HOUR);
	assert(d->backoff_max >= d->backoff_initial && d->backoff_max <= 6 * OX_MS_HOUR);
	assert(d->give_up_after >= 1 && d->give_up_after <= 30 * OX_MS_DAY);
	assert(d->retention >= OX_MS_HOUR && d->retention <= 3650 * OX_MS_DAY);
	assert(d->lang == OX_WH_ZH || d->lang == OX_WH_EN);

	if (c->console_url) {
		check_url(c->console_url, OX_ALERT_URL_MAX);
		assert(c->console_url[strlen(c->console_url) - 1] != '/');
	}
	check_routing(c, &w);
}

static void compare_routes(const struct ox_alert_route *a, const struct ox_alert_route *b)
{
	assert(a->id == b->id && a->receiver == b->receiver && a->n_match == b->n_match &&
	       a->group_by == b->group_by && a->group_wait == b->group_wait &&
	       a->group_interval == b->group_interval && a->repeat_interval == b->repeat_interval &&
	       a->cont == b->cont && a->n_routes == b->n_routes);
	for (size_t i = 0; i < a->n_match; i++) {
		assert(a->match[i].label == b->match[i].label && a->match[i].n == b->match[i].n);
		for (size_t v = 0; v < a->match[i].n; v++)
			assert(!strcmp(a->match[i].values[v], b->match[i].values[v]));
	}
	for (size_t i = 0; i < a->n_routes; i++)
		compare_routes(&a->routes[i], &b->routes[i]);
}

static void compare_alerts(const struct ox_alert_config *a, const struct ox_alert_config *b)
{
	assert(a->n_channels == b->n_channels && a->n_routes == b->n_routes);
	for (size_t i = 0; i < a->n_channels; i++) {
		const struct ox_alert_channel *x = &a->channels[i], *y = &b->channels[i];
		assert(!strcmp(x->name, y->name) && x->type == y->type && !strcmp(x->url, y->url) &&
		       streq_null(x->secret, y->secret) && x->feishu_text == y->feishu_text);
	}
	compare_routes(&a->route, &b->route);
	assert(memcmp(&a->delivery, &b->delivery, sizeof a->delivery) == 0);
	assert(streq_null(a->console_url, b->console_url));
}

static void run_alerts(const char *yaml, size_t size)
{
	struct ox_alert_config *c = NULL;
	char err[1024];
	memset(err, 'x', sizeof err);
	int rc = ox_alert_config_parse(NAME, yaml, size, &c, err, sizeof err);
	if (rc < 0) {
		assert(rc == -1 && c == NULL);
		check_error(err, sizeof err);
		size_t small = 1 + size % 48;
		char *cut = malloc(small);
		assert(ox_alert_config_parse(NAME, yaml, size, &c, cut, small) == -1);
		assert(c == NULL);
		check_cut(cut, small, err);
		free(cut);
		return;
	}
	assert(rc == 0 && c != NULL);
	check_alerts(c);
	struct ox_alert_config *again = NULL;
	assert(ox_alert_config_parse(NAME, yaml, size, &again, err, sizeof err) == 0);
	compare_alerts(c, again);
	ox_alert_config_free(again);
	ox_alert_config_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly size bytes, so ASan sees any read past the end. */
	char *yaml = malloc(size ? size : 1);
	memcpy(yaml, data, size);

	/* The parameters of the same file, as the daemon loads them first (a
	 * failed load leaves the defaults: routing is then checked against
	 * the catalogue's teams). */
	struct ox_params p;
	char err[1024];
	ox_params_init(&p);
	(void)ox_config_load_string(NAME, yaml, size, &p, err, sizeof err);

	run_policy(yaml, size, &p);
	run_alerts(yaml, size);

	ox_params_release(&p);
	free(yaml);
	return 0;
}

/* policy.h - teams and case routing: which team a new case goes to, and who
 * in it.
 *
 * Read from the `teams:` and `routing:` sections of the daemon's YAML file,
 * the same file config.c reads the rule parameters from (docs/config.md,
 * "Teams and routing"). A case goes to the team of the first routing rule
 * that matches it, else to its rule's team (params->rules[rule].team).
 *
 * Ownership: a policy is immutable once loaded and owns every string and
 * struct ox_team it hands out; they stay valid until ox_policy_free(). Being
 * read-only, one policy may be queried from several threads at once.
 *
 * Params: a routing rule's team must be a configured team or the team of
 * some rule in the params the policy is loaded with, so load the params
 * first (ox_config_load on the same file), pass the same params to every
 * call, and load a new policy whenever the params are reloaded.
 *
 * Round robin: the policy keeps no state. The caller keeps one counter per
 * team, advanced each time it assigns a case of that team, and derived from
 * the event log, so that a replay reproduces the same assignments.
 */
#ifndef OX_POLICY_H
#define OX_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "params.h"
#include "rules.h"
#include "util.h"

#define OX_POLICY_TEAMS_MAX 256   /* configured teams */
#define OX_POLICY_MEMBERS_MAX 64  /* members of one team */
#define OX_POLICY_ROUTES_MAX 256  /* routing rules */
#define OX_POLICY_VALUES_MAX 64   /* values of one match key */
/* A team or user name fits a char[OX_NAME_MAX] with its NUL, as the team
 * and assignee of struct ox_notice and the rule parameters' team do. */
#define OX_POLICY_NAME_MAX (OX_NAME_MAX - 1)
#define OX_POLICY_LABEL_MAX 128   /* bytes of name_zh, name_en */
#define OX_POLICY_VALUE_MAX 256   /* bytes of a channel or shop, as events allow */
/* A bound on the listing of ox_policy_list_json(): every limit reached
 * (YAML aliases let a small file repeat a long list) and every string
 * doubled by quoting. About 20 MiB; a real one is a few KiB. */
#define OX_POLICY_JSON_MAX                                                             \
	((size_t)OX_POLICY_ROUTES_MAX * (2 * OX_POLICY_VALUES_MAX * (2 * OX_POLICY_VALUE_MAX + 3) + \
					 4096) +                                         \
	 ((size_t)OX_POLICY_TEAMS_MAX + OX_R__COUNT) *                                    \
		 (OX_POLICY_MEMBERS_MAX * (2 * OX_POLICY_NAME_MAX + 3) + 4 * OX_POLICY_LABEL_MAX + \
		  2048) +                                                                 \
	 64)

struct ox_team {
	const char *name;              /* the key under teams: */
	const char *name_zh, *name_en; /* display names; NULL when not set */
	const char *lead;              /* level-2 escalation; NULL when not set */
	const char *const *members;    /* n_members distinct user names, as listed */
	size_t n_members;
	bool round_robin;              /* assign: round_robin (then n_members >= 1) */
};

struct ox_policy;

/* Load the teams and routing of a YAML file (other top-level sections are
 * left to their readers); path NULL gives the defaults: no teams, no
 * routing rules. On success *out is a new policy (free it with
 * ox_policy_free). On error: -1, "PATH:LINE: reason" in err (truncated to
 * errsz; "PATH: reason" when no line applies) and *out untouched, so a
 * failed reload keeps the running policy. */
int ox_policy_load(const char *path, const struct ox_params *p, struct ox_policy **out, char *err,
		   size_t errsz);
/* The same from memory: name stands for PATH in messages ("request" for
 * the admin API); yaml need not be NUL-terminated. */
int ox_policy_load_string(const char *name, const char *yaml, size_t len,
			  const struct ox_params *p, struct ox_policy **out, char *err,
			  size_t errsz);
void ox_policy_free(struct ox_policy *pol); /* NULL is fine */

/* The team of a new case: the team of the first routing rule matching
 * (rule, severity 1..4, channel, shop), else p->rules[rule].team. channel
 * and shop may be NULL (SKU and incident cases have no order): a routing
 * rule that names channels or shops never matches them then, nor "".
 * pol NULL means no routing rules. Never allocates and costs about 15 ns
 * however many routing rules there are; the string belongs to pol or p.
 * NULL only for a rule out of range. */
const char *ox_policy_team(const struct ox_policy *pol, const struct ox_params *p,
			   enum ox_rule rule, int severity, const char *channel, const char *shop);

/* The settings of a configured team, or NULL (team not under teams:, pol
 * or team NULL): the team then has no members and no lead, and its cases
 * wait unassigned in its queue. */
const struct ox_team *ox_policy_team_info(const struct ox_policy *pol, const char *team);
/* The i-th configured team in file order, or NULL past the last. */
const struct ox_team *ox_policy_team_at(const struct ox_policy *pol, size_t i);

/* The member a round-robin team assigns its counter-th case to
 * (members[counter % n_members]), or NULL when t is NULL or does not
 * assign round robin: the case then stays unassigned. */
const char *ox_policy_pick(const struct ox_team *t, uint64_t counter);

/* Append the listing of GET /api/v1/teams to out (docs/config.md gives
 * the shape): every configured team and every team a rule uses by default,
 * then the routing rules in order. -1 when out's maximum is too small (out
 * may then hold a partial text; OX_POLICY_JSON_MAX is always enough). */
int ox_policy_list_json(const struct ox_policy *pol, const struct ox_params *p,
			struct ox_buf *out);

#endif

/* playbook_impl.h - the built-in content of the playbooks, between
 * playbook_data.c (the texts) and playbook.c (the sets); the unit test
 * reads it too, to check that every rule has content of its own. */
#ifndef OX_PLAYBOOK_IMPL_H
#define OX_PLAYBOOK_IMPL_H

#include "playbook.h"

/* A rule's built-in playbook. Keyed by the rule's code rather than its enum
 * value, so content for a rule that is not in the table yet (or any more)
 * builds, and the unit test reports it. */
struct oxp_builtin {
	const char *code;
	const struct ox_pb_item *checklist;
	size_t n_checklist;
	const enum ox_pb_action *actions;
	size_t n_actions;
	enum ox_pb_mode mode;
	const enum ox_pb_action *sequence;
	size_t n_sequence;
	ox_money limit; /* fen, or OX_PB_NO_LIMIT */
	/* the rule's own templates; NULL: the category's */
	const char *templates[OX_PB__NSTEP][OX_PB__NLANG];
};

extern const struct oxp_builtin oxp_builtins[];
extern const size_t oxp_n_builtins;
/* The templates of each category: all of them set. */
extern const char *const oxp_category_templates[OX_PB__NCAT][OX_PB__NSTEP][OX_PB__NLANG];
/* What a rule without content of its own gets (a rule added to rules.h
 * before its playbook): the seed's collect, locate, record. */
extern const struct ox_pb_item oxp_generic_checklist[];
extern const size_t oxp_n_generic_checklist;

/* The built-in of the rule code, or NULL. */
const struct oxp_builtin *oxp_builtin_find(const char *code);

#endif

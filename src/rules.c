/* rules.c - the rule catalogue's metadata (the table is in rules.h). */
#include "rules.h"

#include <string.h>

static const struct ox_rule_info infos[OX_R__COUNT] = {
#define X(code, cat, sev, team, key, zh, en) [OX_R_##code] = { #code, cat, sev, team, key, zh, en },
	OX_RULE_TABLE(X)
#undef X
};

const struct ox_rule_info *ox_rule_info(enum ox_rule r)
{
	return &infos[r];
}

int ox_rule_by_code(const char *code, size_t len)
{
	for (int r = 0; r < OX_R__COUNT; r++)
		if (strlen(infos[r].code) == len && memcmp(infos[r].code, code, len) == 0)
			return r;
	return -1;
}

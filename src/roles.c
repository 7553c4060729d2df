/* roles.c - the roles and permissions of auth.h as names: a table of their
 * own, so modules that only name roles (compensation limits in comp.c) do
 * not link the credential store. */
#include <string.h>

#include "auth.h"

static const struct {
	const char *name;
	unsigned perms;
} roles[] = {
#define X(e, name, perms) { name, perms },
	OX_ROLES(X)
#undef X
};

static const char *const perm_names[] = {
#define X(e, bit, name, what) [bit] = name,
	OX_PERMS(X)
#undef X
};

int ox_role_parse(const char *name)
{
	for (int r = 0; name && r < OX_ROLE__COUNT; r++)
		if (strcmp(name, roles[r].name) == 0)
			return r;
	return -1;
}

const char *ox_role_name(enum ox_role role)
{
	return (unsigned)role < OX_ROLE__COUNT ? roles[role].name : NULL;
}

unsigned ox_role_perms(enum ox_role role)
{
	return (unsigned)role < OX_ROLE__COUNT ? roles[role].perms : 0;
}

const char *ox_perm_name(unsigned perm)
{
	for (unsigned b = 0; b < OX_PERM__COUNT; b++)
		if (perm == 1u << b)
			return perm_names[b];
	return NULL;
}

unsigned ox_perm_parse(const char *name)
{
	for (unsigned b = 0; name && b < OX_PERM__COUNT; b++)
		if (strcmp(name, perm_names[b]) == 0)
			return 1u << b;
	return 0;
}

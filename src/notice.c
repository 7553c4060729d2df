/* notice.c - names of the notice kinds (see notice.h). */
#include "notice.h"

const char *ox_notice_kind_name(enum ox_notice_kind k)
{
	static const char *const names[] = {
#define X(e, s) [OX_NOTICE_##e] = s,
		OX_NOTICE_KINDS(X)
#undef X
	};
	return names[k];
}

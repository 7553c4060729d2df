/* notice.h - what the case desk tells the alerting: a case opened, was
 * escalated, breached its service level, or was resolved; or its owner
 * should update the customer (a progress reminder, docs/actions.md); or a
 * call of it waits for a supervisor's approval (docs/compensation.md).
 *
 * A notice is a plain value (fixed-size strings, no pointers), so it can be
 * queued, copied to another thread and stored without ownership questions.
 * idem is stable across a replay of the event log: the same notice made
 * again after a crash carries the same key, and the outbox keeps one.
 */
#ifndef OX_NOTICE_H
#define OX_NOTICE_H

#include "params.h"
#include "rules.h"
#include "timefmt.h"

#define OX_NOTICE_KINDS(X)                  \
	X(OPENED, "opened")                 \
	X(ESCALATED, "escalated")           \
	X(SLA_BREACHED, "sla_breached")     \
	X(RESOLVED, "resolved")             \
	X(REMINDER, "reminder")             \
	X(APPROVAL, "approval")

enum ox_notice_kind {
#define X(e, s) OX_NOTICE_##e,
	OX_NOTICE_KINDS(X)
#undef X
	OX_NOTICE__COUNT
};
const char *ox_notice_kind_name(enum ox_notice_kind k);

struct ox_notice {
	enum ox_notice_kind kind;
	char idem[96];           /* "C00000042/escalated/2/1": case, kind, level, repeat */
	char case_id[24];
	enum ox_rule rule;       /* code and category: ox_rule_info() */
	int severity;            /* 1..4 */
	int level;               /* escalation level: 1 team, 2 team lead, 3 management */
	char team[OX_NAME_MAX];
	char assignee[OX_NAME_MAX]; /* "" when nobody */
	char key[160];           /* order id, SKU or incident group */
	char summary_zh[512], summary_en[512]; /* the case's first reason (may be cut) */
	ox_time at;              /* event time of the change */
};

#endif

/* case.h - a case: one exception of one key (order, SKU or incident group)
 * that a team must handle. Owned by the engine's case store.
 */
#ifndef OX_CASE_H
#define OX_CASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "call.h"
#include "params.h"
#include "rules.h"
#include "timefmt.h"
#include "util.h"

/* The life of a case (desk.c moves it; the engine opens and auto-resolves). */
#define OX_CASE_STATUSES(X)                       \
	X(OPEN, "open")                           \
	X(ACKNOWLEDGED, "acknowledged")           \
	X(IN_PROGRESS, "in_progress")             \
	X(WAITING_CUSTOMER, "waiting_customer")   \
	X(RESOLVED, "resolved")                   \
	X(CLOSED, "closed")                       \
	X(AUTO_RESOLVED, "auto_resolved")

enum ox_case_status {
#define X(e, s) OX_CASE_##e,
	OX_CASE_STATUSES(X)
#undef X
	OX_CASE__NSTATUS
};
const char *ox_case_status_name(enum ox_case_status s);
/* The status named s (n bytes), or -1. */
int ox_case_status_parse(const char *s, size_t n);
/* Resolved, closed or auto-resolved: nobody needs to act. */
bool ox_case_status_done(enum ox_case_status s);

/* What a timeline entry records. */
#define OX_CASE_ACTIONS(X)                \
	X(OPENED, "opened")              \
	X(FIRED_AGAIN, "fired_again")    \
	X(AUTO_RESOLVED, "auto_resolved") \
	X(MEMBER_LINKED, "member_linked") \
	X(ROUTED, "routed")              \
	X(STATUS_CHANGED, "status_changed") \
	X(ASSIGNED, "assigned")          \
	X(NOTE, "note")                  \
	X(ESCALATED, "escalated")        \
	X(SLA_BREACHED, "sla_breached")  \
	X(CHECKED, "checked")            \
	X(UNCHECKED, "unchecked")        \
	X(SURVEY_DUE, "survey_due")      \
	X(CSAT, "csat")                  \
	X(CALL, "call")                  \
	X(AUTO, "auto")                  \
	X(REMINDED, "reminded")

enum ox_case_action {
#define X(e, s) OX_ACT_##e,
	OX_CASE_ACTIONS(X)
#undef X
	OX_ACT__COUNT
};
const char *ox_case_action_name(enum ox_case_action a);

enum ox_case_change { OX_CHANGE_OPENED, OX_CHANGE_UPDATED, OX_CHANGE_RESOLVED };

struct ox_reason {
	char *zh, *en;
};

struct ox_timeline_entry {
	ox_time at;             /* event time */
	enum ox_case_action action;
	char *event_id;         /* the event behind it, or NULL (a deadline) */
	char *note;             /* e.g. the member case id; may be NULL */
	char *actor;            /* who: a user or token name; NULL for ordex itself */
	int8_t from, to;        /* STATUS_CHANGED: enum ox_case_status; else -1 */
};

/* What a case is about, for the reports ("数据分析"), captured when it opens
 * from its order as the engine knows it then (docs/reports.md): NULL when
 * unknown. X(field): the field's name in the JSON and the store. carrier
 * only for logistics cases, payment_method only for payment cases. */
#define OX_CASE_DIMS(X) \
	X(channel) X(shop) X(province) X(city) X(customer_id) X(carrier) X(payment_method)

struct ox_case_dims {
#define X(f) char *f;
	OX_CASE_DIMS(X)
#undef X
	char **skus; /* the order's SKUs (a SKU case: its SKU), distinct, in order */
	size_t n_skus;
};

struct ox_case {
	uint64_t seq;           /* 1, 2, ... in opening order */
	char id[24];            /* "C00000001" */
	enum ox_rule rule;
	int severity;           /* 1..4 */
	enum ox_case_status status;
	char *key;              /* order id, SKU or group name */
	ox_time opened_at, resolved_at;
	uint64_t incident_seq;  /* INC_BURST case this case belongs to, or 0 */

	struct ox_reason *reasons;
	size_t n_reasons, cap_reasons;
	char **event_ids;
	size_t n_event_ids, cap_event_ids;
	struct ox_timeline_entry *timeline;
	size_t n_timeline, cap_timeline;
	/* Where timeline[0] stands in the whole timeline: 0, except in a copy
	 * for the case store holding only the entries it has not had yet
	 * (ox_case_copy_since): an incident links thousands of members. */
	size_t timeline_from;
	size_t timeline_handed; /* the writer's: entries handed to the store so far */

	/* Handling (desk.c): who owns it, and its service level. */
	char team[OX_NAME_MAX];     /* routed team ("" before routing) */
	char assignee[OX_NAME_MAX]; /* "" when unassigned */
	int esc_level;              /* 1 team, 2 team lead, 3 management */
	ox_time respond_due, resolve_due; /* moved later by waiting_customer pauses */
	ox_time responded_at;       /* first move out of open, or NONE */
	ox_time paused_at;          /* entered waiting_customer, or NONE */
	ox_time respond_breached_at, resolve_breached_at; /* NONE unless breached */
	ox_time closed_at;
	ox_time next_notice;        /* when an unmet escalation is told again, or NONE */
	uint32_t notices;           /* escalation notices so far (makes each key unique) */
	ox_time progress_due;       /* when its owner is reminded to update the customer, or NONE */

	/* The playbook's work on it (desk.c, docs/playbooks.md): the checklist
	 * items ticked, by id, in tick order; and how a person resolved it
	 * ("记录与复盘"), "" = none (not resolved by a person, or reopened). */
	char **checked;
	size_t n_checked, cap_checked;
	char resolution[32];        /* a code of the taxonomy (playbook.h) */
	char root_cause[24];

	struct ox_case_dims dims;

	/* The customer's satisfaction survey ("售后回访", desk.c): the latest
	 * answer, 1..5 (0 = none yet); every answer is also in the timeline. */
	uint8_t csat_score;
	ox_time csat_at;
	char *csat_comment; /* NULL: none */

	/* Calls on the merchant's systems (call.h, docs/actions.md), in the
	 * order they were made; call i has the id "<case id>-<i+1>". A case
	 * read from the store has them as the JSON the store kept instead
	 * (calls_json, "[...]"), which ox_case_to_json writes as it is. */
	struct ox_call *calls;
	size_t n_calls, cap_calls;
	char *calls_json;
};

/* Free what the case holds (reasons, event ids, timeline, checked items,
 * key) and zero it; the struct itself stays the caller's. */
void ox_case_release(struct ox_case *c);

/* Make dst a deep copy of src (release it with ox_case_release): a snapshot
 * that another thread may read while the engine changes the original. */
void ox_case_copy(struct ox_case *dst, const struct ox_case *src);

/* The same, but of the timeline only the entries from position from on
 * (none when from is past the end); dst->timeline_from is then where they
 * stand in the whole timeline (src->timeline_from + from). */
void ox_case_copy_since(struct ox_case *dst, const struct ox_case *src, size_t from);

/* Append the case as one JSON object (no newline): the replay output format
 * of events.md plus team, assignee, escalation level, service level,
 * reasons_en, event_ids, the incident, the dimensions (OX_CASE_DIMS,
 * skus), the checked items, the resolution and the timeline (last: the
 * store cuts an empty one). team NULL: c->team. */
void ox_case_to_json(const struct ox_case *c, const char *team, struct ox_buf *out);

/* Add a SKU to the case's dimensions unless it is there. */
void ox_case_add_sku(struct ox_case *c, const char *sku, size_t n);

/* Append a timeline entry (strings copied; NULL allowed). */
struct ox_timeline_entry *ox_case_add_timeline(struct ox_case *c, ox_time at, enum ox_case_action a,
					       const char *event_id, const char *note, const char *actor);

#endif

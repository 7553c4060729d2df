/* case.h - a case: one exception of one key (order, SKU or incident group)
 * that a team must handle. Owned by the engine's case store.
 */
#ifndef OX_CASE_H
#define OX_CASE_H

#include <stddef.h>
#include <stdint.h>

#include "rules.h"
#include "timefmt.h"
#include "util.h"

enum ox_case_status { OX_CASE_OPEN, OX_CASE_AUTO_RESOLVED };

/* What a timeline entry records. */
#define OX_CASE_ACTIONS(X)                \
	X(OPENED, "opened")              \
	X(FIRED_AGAIN, "fired_again")    \
	X(AUTO_RESOLVED, "auto_resolved") \
	X(MEMBER_LINKED, "member_linked")

enum ox_case_action {
#define X(e, s) OX_ACT_##e,
	OX_CASE_ACTIONS(X)
#undef X
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
};

/* Free what the case holds (reasons, event ids, timeline, key) and zero it;
 * the struct itself stays the caller's. */
void ox_case_release(struct ox_case *c);

/* Make dst a deep copy of src (release it with ox_case_release): a snapshot
 * that another thread may read while the engine changes the original. */
void ox_case_copy(struct ox_case *dst, const struct ox_case *src);

/* Append the case as one JSON object (no newline): the replay output format
 * of events.md plus team, reasons_en, event_ids, timeline. */
void ox_case_to_json(const struct ox_case *c, const char *team, struct ox_buf *out);

#endif

/* desk_impl.h - what the files of the case desk share (desk.c: routing,
 * service levels, people's actions, records; desk_calls.c: calls on the
 * merchant's systems and auto-remediation). Not for other modules.
 */
#ifndef OX_DESK_IMPL_H
#define OX_DESK_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include "deadline.h"
#include "desk.h"
#include "hmap.h"

/* Who acts when the automation does (auto-remediation, docs/actions.md). */
#define DESK_AUTO_ACTOR "ordex:auto"

/* What a desk deadline checks; entries are re-checked against the case when
 * they come due (lazy deletion, as in the engine). */
enum timer { T_RESPOND, T_RESOLVE, T_REPEAT, T_REMIND };

struct rr {
	char team[OX_NAME_MAX];
	uint64_t next;
};

struct ox_desk {
	struct ox_desk_opts o;
	struct ox_deadlines timers;
	struct ox_notice *notices;
	size_t n_notices, cap_notices;
	struct rr *rr; /* round-robin counters, one per team that assigns */
	size_t n_rr, cap_rr;
	struct ox_buf scratch;
	const struct ox_playbooks *pb;
	struct ox_playbooks *own_pb; /* the built-ins, when the caller gave none */

	/* calls (docs/actions.md) */
	struct ox_call_ready *ready; /* made since the last hand-over */
	size_t n_ready, cap_ready;
	bool auto_on;                /* the kill switch */
	ox_time *auto_times;         /* automatic calls of the last minute, oldest first */
	size_t n_auto_times, cap_auto_times;
	char last_call[OX_CALL_ID_MAX];
	struct ox_buf last_body;
	enum ox_comp_wait last_wait; /* would the last call wait for approval */

	/* compensation (desk_comp.c, docs/compensation.md) */
	struct ox_comp_config comp_default; /* when the desk has no calls config */
	struct comp_spend *spend;           /* what each team gave today */
	size_t n_spend, cap_spend;
	struct ox_hmap comp_customers;      /* customer id -> struct comp_customer */
};

struct comp_spend {
	char team[OX_NAME_MAX];
	int64_t day;    /* ox_comp_day() */
	ox_money spent; /* fen */
};

/* desk.c */
/* Write why an action is refused into err; returns code (enum ox_desk_err). */
__attribute__((format(printf, 3, 4))) int desk_refuse(char err[256], int code, const char *fmt, ...);
void desk_changed(struct ox_desk *d, const struct ox_case *c);
/* Tell the alerting (when the desk notifies): kind of case c at at. */
void desk_notice(struct ox_desk *d, const struct ox_case *c, enum ox_notice_kind kind, ox_time at);
bool desk_may_become(enum ox_case_status from, enum ox_case_status to);
int desk_set_status(struct ox_desk *d, struct ox_case *c, const struct ox_desk_action *a, ox_time now,
		    char err[256]);

/* desk_calls.c: the automation of a case that opened, and the call ops
 * (the same contract as ox_desk_apply for one case). */
void desk_auto_start(struct ox_desk *d, struct ox_case *c);
/* The survey of a case a person resolved, as an automatic send_message
 * call, when configured and possible (docs/actions.md). */
void desk_survey_send(struct ox_desk *d, struct ox_case *c, ox_time now);
int desk_request_call(struct ox_desk *d, struct ox_case *c, const struct ox_desk_action *a,
		      const struct ox_desk_scope *scope, ox_time now, char err[256]);
int desk_update_call(struct ox_desk *d, struct ox_case *c, const struct ox_desk_action *a, ox_time now,
		     char err[256]);
int desk_decide_call(struct ox_desk *d, struct ox_case *c, const struct ox_desk_action *a,
		     const struct ox_desk_scope *scope, ox_time now, char err[256]);

/* desk_comp.c: the compensation ledger. */
/* Make call (just added to c, not yet granted) a compensation if its kind
 * gives something: its value and team; and say whether it may go ahead.
 * limit: the requester's (a->limited), OX_COMP_NO_LIMIT for none. */
enum ox_comp_wait desk_comp_check(struct ox_desk *d, const struct ox_case *c, struct ox_call *call,
				  ox_money limit, ox_time now);
/* The compensation goes ahead now: it counts in its team's day and in its
 * customer's history (a repeat is flagged in call and timeline). */
void desk_comp_grant(struct ox_desk *d, struct ox_case *c, struct ox_call *call, ox_time now);
/* It failed: what it counted in its team's day comes back (the same day),
 * and it no longer counts as one of its customer's compensations. */
void desk_comp_failed(struct ox_desk *d, const struct ox_case *c, const struct ox_call *call);
/* May an approver of this limit let call go ahead? 0 or an error. */
int desk_comp_may_approve(const struct ox_call *call, const struct ox_desk_action *a, char err[256]);
void desk_comp_free(struct ox_desk *d);
void desk_comp_save(const struct ox_desk *d, struct ox_snap_w *w);
int desk_comp_load(struct ox_desk *d, struct ox_snap_r *r);

#endif

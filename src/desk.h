/* desk.h - the case desk: how people handle the cases detection opens.
 *
 * The engine decides that something is wrong and when it is over by itself
 * (open, auto_resolved). The desk does the rest of a case's life:
 *   - routing: a new case goes to a team (policy.h: routing rules, else the
 *     rule's team) and, for round-robin teams, to the next member;
 *   - the status people move it through, checked against a table of allowed
 *     transitions (open -> acknowledged -> in_progress -> waiting_customer ->
 *     resolved -> closed, and reopen), each change in the case's timeline
 *     with who, when, from, to and a note;
 *   - the service level of its severity (params.h sla): respond and resolve
 *     due times, paused while waiting for the customer; a missed due time is
 *     recorded as a breach and escalates the case (level 2: the team lead,
 *     when not acknowledged in time; level 3: management, when not resolved
 *     in time), told again every escalation.repeat_interval while unmet;
 *   - incidents: resolving an incident case can resolve its member cases;
 *   - the playbook of the case's rule (playbook.h): checklist items ticked
 *     by id, and the resolution code and root cause a person resolves with.
 *
 * Everything runs on the event clock, on the writer thread that owns the
 * engine: the daemon logs each person's action in the event log before it
 * is acknowledged, so replaying the log reproduces every case exactly,
 * timers included. What should reach people (a P1 case opened, an
 * escalation) becomes a struct ox_notice for the alerting.
 */
#ifndef OX_DESK_H
#define OX_DESK_H

#include <stdbool.h>
#include <stddef.h>

#include "call.h"
#include "case.h"
#include "engine.h"
#include "notice.h"
#include "params.h"
#include "playbook.h"
#include "policy.h"
#include "util.h"

#define OX_DESK_NOTE_MAX 2000 /* bytes of a note or a transition's comment */
#define OX_DESK_ACTOR_MAX 80  /* "token:NAME" fits */

/* X(enum suffix, value, message): the answer's HTTP status is in api.c. */
#define OX_DESK_ERRORS(X)                                  \
	X(OK, 0, "ok")                                     \
	X(EINVAL, -1, "invalid action")                    \
	X(ENOTFOUND, -2, "case not found")                 \
	X(ECONFLICT, -3, "not possible in the case's state") \
	X(EDENIED, -4, "not allowed for this user")

enum ox_desk_err {
#define X(e, v, msg) OX_DESK_##e = v,
	OX_DESK_ERRORS(X)
#undef X
};

#define OX_DESK_OPS(X)                  \
	X(TRANSITION, "transition")     \
	X(ASSIGN, "assign")             \
	X(NOTE, "note")                 \
	X(CHECK, "check")               \
	X(CSAT, "csat")                 \
	X(CALL, "call")                 \
	X(CALL_UPDATE, "call_update")   \
	X(APPROVE, "approve")           \
	X(REJECT, "reject")             \
	X(AUTO, "auto")

enum ox_desk_op {
#define X(e, s) OX_DESK_##e,
	OX_DESK_OPS(X)
#undef X
	OX_DESK__NOPS
};

/* One person's action. It is also the event-log record of the action
 * (ox_desk_action_write / _parse), so it holds only what replay needs. */
struct ox_desk_action {
	enum ox_desk_op op;
	char case_id[24];
	char actor[OX_DESK_ACTOR_MAX];
	ox_time at;                  /* event time it applies at (set by the writer) */
	enum ox_case_status to;      /* TRANSITION */
	bool cascade;                /* TRANSITION of an incident: its open members too */
	char assignee[OX_NAME_MAX];  /* ASSIGN: "" = nobody */
	char team[OX_NAME_MAX];      /* ASSIGN: "" = keep the team */
	char note[OX_DESK_NOTE_MAX + 1];
	/* TRANSITION to resolved: how it ended ("" = not given; a person must
	 * give both, a replay takes what the record has) */
	char resolution[32];
	char root_cause[24];
	char item[OX_PB_ID_MAX + 1]; /* CHECK: a checklist item id of the case's playbook */
	bool done;                   /* CHECK: ticked, or unticked (the parser's default: true) */
	uint8_t score;               /* CSAT: 1..5; its comment is the note ("comment" in the API) */
	/* Calls on the merchant's systems (call.h, docs/actions.md):
	 *   CALL: a person asks for a call of kind with params (a JSON object);
	 *     the desk gives it the id call_id (written to the record for the
	 *     audit); dry (never logged): check it and make its body, change
	 *     nothing;
	 *   CALL_UPDATE (actor "ordex", the executor): call reached state
	 *     (running, succeeded or failed), outcome its JSON object;
	 *   APPROVE, REJECT: a supervisor decides on a call awaiting approval;
	 *   AUTO: the automation's kill switch (no case): enabled or not. */
	int kind;                    /* enum ox_pb_action, -1 unset */
	char call_id[OX_CALL_ID_MAX];
	char params[OX_CALL_PARAMS_MAX + 1];
	int state;                   /* CALL_UPDATE: enum ox_call_state, -1 unset */
	char outcome[OX_CALL_OUTCOME_MAX + 1];
	bool enabled;                /* AUTO */
	/* CALL, APPROVE: the actor's compensation limit (comp.h), which the
	 * API sets from the role and the record keeps, so a replay decides
	 * alike. Not limited (zeroed, or a record without it): no limit. */
	bool limited;
	ox_money limit;              /* fen, when limited */
	bool dry;                    /* CALL: a dry run (not a field of the record) */
	int would_wait;              /* CALL, dry: set by the writer, enum ox_comp_wait of the answer */
};

/* What the actor may do, checked against the case as it is when the action
 * applies (the API's principal). NULL: anything (a replay). */
struct ox_desk_scope {
	const char *self;         /* the person acting (a token's user), for self-assignment */
	const char *const *teams; /* agents: the teams they work for */
	size_t n_teams;
	bool any_team;            /* supervisors and admins */
	bool assign_others;       /* may assign cases to someone else */
};

struct ox_desk;
struct ox_desk_opts {
	struct ox_engine *engine;      /* owns the cases */
	const struct ox_params *params;
	const struct ox_policy *policy; /* may be NULL: rule teams, nobody assigned */
	const struct ox_playbooks *playbooks; /* NULL: the built-ins (the desk loads its own) */
	const struct ox_call_config *calls;   /* the merchant's endpoints; NULL: none, no automation */
	bool notify;                    /* make notices (false: nobody listens) */
	/* Told of every case the desk changed (the daemon stores it). */
	void (*changed)(void *ctx, const struct ox_case *c);
	void *ctx;
};

struct ox_desk *ox_desk_new(const struct ox_desk_opts *o);
void ox_desk_free(struct ox_desk *d);

/* The engine opened, updated or resolved c: route a new case and start its
 * service level; note escalations and notices. Call from the engine's
 * listener. */
void ox_desk_case_changed(struct ox_desk *d, const struct ox_case *c, enum ox_case_change what);
/* The clock reached now: record breaches and escalations that are due. */
void ox_desk_advance(struct ox_desk *d, ox_time now);
/* An engine listener that does both, for an engine the desk alone listens
 * to (ordex replay): ox_engine_set_listener(e, ox_desk_listener(d)). */
struct ox_case_listener ox_desk_listener(struct ox_desk *d);

/* Apply a person's action at now. 0, or an enum ox_desk_err with the reason
 * for the person in err ("case C00000042 is closed: it cannot become
 * in_progress"). Nothing changes on error.
 * With a scope (a person acting now) resolving needs a resolution valid for
 * the case's category, a root cause and a note, and a checklist item must
 * be one of the playbook's; without (a replay) the record is taken as it
 * was logged, so logs written before those rules, or under another
 * config's checklists, replay as they applied. */
int ox_desk_apply(struct ox_desk *d, const struct ox_desk_action *a, const struct ox_desk_scope *scope,
		  ox_time now, char err[256]);

/* The action as one JSON object / back (a log record, or the body of an
 * API request, which the caller completes with op, case and actor). Parse
 * checks every field and limit; err names the problem in one line. Write
 * takes a complete action: a valid op, and a valid status for a transition
 * (the writer writes only actions the desk applied). */
void ox_desk_action_write(const struct ox_desk_action *a, struct ox_buf *out);
int ox_desk_action_parse(struct ox_desk_action *a, const char *json, size_t len, char err[256]);

/* Notices made since the last call, oldest first: *n of them, valid until
 * the next call that changes the desk. The caller takes them all. */
const struct ox_notice *ox_desk_notices(struct ox_desk *d, size_t *n);
void ox_desk_clear_notices(struct ox_desk *d);

/* Calls made since the last call, ready to be executed once durable: *n of
 * them, valid until the next call that changes the desk. The caller takes
 * them all (ox_desk_clear_calls). body: ox_call_body's request body. */
struct ox_call_ready {
	char id[OX_CALL_ID_MAX];
	enum ox_pb_action kind;
	char *body;
};
const struct ox_call_ready *ox_desk_calls(struct ox_desk *d, size_t *n);
void ox_desk_clear_calls(struct ox_desk *d);
/* After a CALL applied (or checked, dry): its id, and its request body;
 * *wait (may be NULL) whether a compensation waits (would wait) for approval. */
const char *ox_desk_last_call(const struct ox_desk *d, const char **body, enum ox_comp_wait *wait);
/* The kill switch: may automatic calls run? */
bool ox_desk_auto_enabled(const struct ox_desk *d);

const char *ox_desk_strerror(int err);
const char *ox_desk_op_name(enum ox_desk_op op);

/* Snapshots (snap.h): the round-robin counters, the automation's switch and
 * rate window, and the timers (the cases
 * themselves are the engine's). Load into a new desk whose engine was just
 * loaded from the same snapshot; -1 when the reader went bad. */
struct ox_snap_w;
struct ox_snap_r;
void ox_desk_save(const struct ox_desk *d, struct ox_snap_w *w);
int ox_desk_load(struct ox_desk *d, struct ox_snap_r *r);

#endif

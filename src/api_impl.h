/* api_impl.h - what the files of the HTTP API share (api.c: the route table,
 * events, cases and orders; api_auth.c: identity, users, tokens, audit;
 * api_alerts.c: silences and the alert outbox). Not for other modules.
 */
#ifndef OX_API_IMPL_H
#define OX_API_IMPL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>

#include "api.h"
#include "audit.h"
#include "auth.h"
#include "event.h"
#include "json.h"
#include "store.h"

/* A route's perm for "any caller who authenticated" (/api/v1/me, logout). */
#define API_SIGNED_IN (1u << 31)

/* What an HTTP thread needs to serve a request, kept in a pool so that each
 * thread at a time has its own without thread-local state. Connections are
 * opened on first use. */
struct kit {
	struct ox_decoder *dec;
	struct ox_json json;
	struct ox_store *store;
	struct ox_auth *auth;
	struct ox_audit *audit;
	struct kit *next;
};

struct ox_api {
	struct ox_api_opts o;
	struct ox_route routes[128];
	size_t n_routes;
	pthread_mutex_t mu;
	struct kit *kits;
	time_t started;
	atomic_int logins; /* POST /api/v1/login in progress */
	struct ox_playbooks *own_pb; /* the built-ins, when the options give none */
};

struct kit *api_kit_take(struct ox_api *a);
void api_kit_give(struct ox_api *a, struct kit *k);
/* The kit's connections, or NULL with a 500 written into r. */
struct ox_store *api_kit_store(struct ox_api *a, struct kit *k, struct ox_http_req *r);
struct ox_auth *api_kit_auth(struct ox_api *a, struct kit *k, struct ox_http_req *r);
struct ox_audit *api_kit_audit(struct ox_api *a, struct kit *k, struct ox_http_req *r);

/* Event time as the writer last told it (wall-clock ms before any event). */
ox_time api_event_clock(struct ox_api *a);

/* The caller of an authorized route. */
const struct ox_principal *api_who(const struct ox_http_req *r);
static inline bool api_may(const struct ox_http_req *r, unsigned perm)
{
	return (api_who(r)->perms & perm) == perm;
}

/* Append to the audit log as the caller; false (with a 500 written) when
 * the log cannot take it, in which case the change must not be reported
 * as done. detail: a JSON object or NULL. */
bool api_audit(struct ox_api *a, struct ox_http_req *r, const char *action, const char *target,
	       const char *detail);

/* Parse the request body as one JSON object into k->json: false with a 400
 * written when it is not. */
bool api_body_object(struct kit *k, struct ox_http_req *r);
/* The value token of key in the parsed body object, or NULL. */
const struct ox_json_tok *api_body_get(const struct kit *k, const char *key);
/* Copy a string member into dst[size]: false with a 400 written when it is
 * missing (and required), not a string, too long or holds a NUL. */
bool api_body_str(const struct kit *k, struct ox_http_req *r, const char *key, char *dst, size_t size,
		  bool required);

/* A person's action on a case on its way to the writer: the request's
 * state from the parse to the answer. */
struct api_action_state {
	struct ox_desk_action action;
	struct ox_desk_scope scope;
	const char *teams[OX_AUTH_TEAMS_MAX];
	struct ox_job job;
	bool answers_calls; /* the route answers with the case's calls, then wakes the executor */
};
/* A new one as r's state (freed with the request). */
struct api_action_state *api_action_state_new(struct ox_http_req *r);
/* Hand st->action to the writer as the caller: its actor, and a scope of
 * the caller's teams and rights. Returns OX_HTTP_SUSPENDED (a full queue
 * answers 503 in the route's finish). */
enum ox_http_step api_submit_action(struct ox_api *a, struct ox_http_req *r, struct api_action_state *st);
/* The writer's verdict on a submitted action as an HTTP error (503, or the
 * desk's 400/403/404/409 with its reason); false when it applied. */
bool api_action_refused(struct ox_api *a, struct ox_http_req *r, const struct ox_job *job);

/* A job the writer refused (503 overloaded or stopped) or failed, answered. */
void api_writer_refused(struct ox_api *a, struct ox_http_req *r, int status);
/* Every writer job's done(): its ctx is the parked request, resumed. */
struct ox_job;
void api_job_done(struct ox_job *job);

/* The handlers of api_auth.c and api_alerts.c (the table is in api.c). */

enum ox_http_step api_login(void *ctx, struct ox_http_req *r);
enum ox_http_step api_logout(void *ctx, struct ox_http_req *r);
enum ox_http_step api_me(void *ctx, struct ox_http_req *r);
enum ox_http_step api_users_list(void *ctx, struct ox_http_req *r);
enum ox_http_step api_users_add(void *ctx, struct ox_http_req *r);
enum ox_http_step api_user_update(void *ctx, struct ox_http_req *r);
enum ox_http_step api_tokens_list(void *ctx, struct ox_http_req *r);
enum ox_http_step api_tokens_add(void *ctx, struct ox_http_req *r);
enum ox_http_step api_token_revoke(void *ctx, struct ox_http_req *r);
enum ox_http_step api_audit_list(void *ctx, struct ox_http_req *r);
enum ox_http_step api_alert_channels(void *ctx, struct ox_http_req *r);
enum ox_http_step api_silences_list(void *ctx, struct ox_http_req *r);
enum ox_http_step api_silences_add(void *ctx, struct ox_http_req *r);
enum ox_http_step api_silence_expire(void *ctx, struct ox_http_req *r);
enum ox_http_step api_outbox_list(void *ctx, struct ox_http_req *r);
enum ox_http_step api_dead_list(void *ctx, struct ox_http_req *r);
enum ox_http_step api_dead_retry(void *ctx, struct ox_http_req *r);

/* api_prevent.c: intake validation and risk scoring (docs/prevent.md). */
enum ox_http_step api_validate_order(void *ctx, struct ox_http_req *r);
enum ox_http_step api_risk_score(void *ctx, struct ox_http_req *r);
void api_risk_score_finish(void *ctx, struct ox_http_req *r);

/* api_config.c: the rule parameters, read and changed live (docs/config.md). */
enum ox_http_step api_config_get(void *ctx, struct ox_http_req *r);
enum ox_http_step api_config_put(void *ctx, struct ox_http_req *r);
void api_config_put_finish(void *ctx, struct ox_http_req *r);

/* api_blacklist.c: blacklist entries, CSV import and export
 * (docs/blacklist.md); one finish for the changes. */
enum ox_http_step api_blacklist_list(void *ctx, struct ox_http_req *r);
enum ox_http_step api_blacklist_add(void *ctx, struct ox_http_req *r);
enum ox_http_step api_blacklist_remove(void *ctx, struct ox_http_req *r);
enum ox_http_step api_blacklist_import(void *ctx, struct ox_http_req *r);
void api_blacklist_finish(void *ctx, struct ox_http_req *r);

/* api_inventory.c: stock levels and reservations (docs/inventory.md); one
 * finish for all. */
enum ox_http_step api_inventory_levels(void *ctx, struct ox_http_req *r);
enum ox_http_step api_inventory_reserve(void *ctx, struct ox_http_req *r);
enum ox_http_step api_inventory_confirm(void *ctx, struct ox_http_req *r);
enum ox_http_step api_inventory_release(void *ctx, struct ox_http_req *r);
enum ox_http_step api_inventory_list(void *ctx, struct ox_http_req *r);
enum ox_http_step api_inventory_get(void *ctx, struct ox_http_req *r);
enum ox_http_step api_inventory_reservation(void *ctx, struct ox_http_req *r);
void api_inventory_finish(void *ctx, struct ox_http_req *r);

/* api_playbook.c: the playbooks, the resolution taxonomy, a case's message
 * preview (docs/playbooks.md). */
const struct ox_playbooks *api_playbooks(struct ox_api *a); /* never NULL */
enum ox_http_step api_playbooks_list(void *ctx, struct ox_http_req *r);
enum ox_http_step api_playbook_get(void *ctx, struct ox_http_req *r);
enum ox_http_step api_resolutions(void *ctx, struct ox_http_req *r);
enum ox_http_step api_message_preview(void *ctx, struct ox_http_req *r);
/* Render the message a body {step, lang, vars} asks for from case r->param's
 * playbook into text; missing variables stay {name} with their bits in
 * *missing. False with the error written. */
bool api_message_render(struct ox_api *a, struct kit *k, struct ox_http_req *r, struct ox_buf *text, int *step,
			int *lang, uint32_t *missing);
/* Splice the playbook of case case_id's rule into the case JSON r->out ends
 * with, before its closing brace. False with a 500 written. */
bool api_splice_playbook(struct ox_api *a, struct ox_store *s, struct ox_http_req *r, const char *case_id);

/* api_report.c: GET /api/v1/reports/{summary,cases,...} (docs/reports.md),
 * one handler for all: the report is the route's last segment. */
enum ox_http_step api_report(void *ctx, struct ox_http_req *r);
/* api.c: GET /api/v1/cases/{id} of r->param (the answer of the actions). */
enum ox_http_step api_case_get(void *ctx, struct ox_http_req *r);

/* The compensation limit of a role (comp.h), fen or OX_COMP_NO_LIMIT. */
ox_money api_comp_limit(const struct ox_api *a, enum ox_role role);

/* api_actions.c: calls on the merchant's systems, approvals, the kill
 * switch, messages sent (docs/actions.md). */
enum ox_http_step api_case_call(void *ctx, struct ox_http_req *r);
enum ox_http_step api_case_message(void *ctx, struct ox_http_req *r);
void api_case_call_finish(void *ctx, struct ox_http_req *r);
enum ox_http_step api_call_approve(void *ctx, struct ox_http_req *r);
enum ox_http_step api_call_reject(void *ctx, struct ox_http_req *r);
enum ox_http_step api_case_compensate(void *ctx, struct ox_http_req *r);
enum ox_http_step api_auto_get(void *ctx, struct ox_http_req *r);
enum ox_http_step api_auto_put(void *ctx, struct ox_http_req *r);
void api_auto_put_finish(void *ctx, struct ox_http_req *r);

#endif

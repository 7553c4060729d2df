/* api.h - the HTTP API v1 of `ordex serve`: the route table and its
 * handlers. Every endpoint is one row of the table in api.c and one path
 * in docs/openapi.json (served at /api/v1/openapi.json; a test keeps the
 * two in step). Errors are {"error":"...","detail":...} with the status
 * that says what happened.
 *
 * Every route but /healthz, /, the OpenAPI document and the login needs a
 * bearer token or a console session (an HttpOnly cookie; unsafe methods
 * then also need the session's X-CSRF-Token), and the permission its row
 * names (auth.h). Personal data is masked for callers without `pii`, and
 * unmasked reads are audited.
 */
#ifndef OX_API_H
#define OX_API_H

#include <stddef.h>

#include "alert.h"
#include "executor.h"
#include "http.h"
#include "metrics.h"
#include "params.h"
#include "playbook.h"
#include "policy.h"
#include "writer.h"

struct ox_api_opts {
	struct ox_writer *writer;
	const char *db_path;    /* the case store, opened read-only per HTTP thread */
	const char *auth_path;  /* users, tokens, sessions (auth.h) */
	const char *audit_path; /* the audit log (audit.h) */
	const struct ox_params *params;
	struct ox_live *live;           /* the parameters' live changes; may be NULL */
	const struct ox_policy *policy; /* may be NULL */
	const struct ox_playbooks *playbooks; /* NULL: the built-ins */
	struct ox_alerts *alerts;       /* may be NULL: no alerting configured */
	const struct ox_call_config *calls; /* the merchant's endpoints; NULL: none */
	struct ox_executor *executor;   /* the call outbox (metrics); may be NULL */
	int64_t session_ttl_ms;         /* console sessions (12 h) */
	struct ox_metrics *metrics;
	size_t max_body;        /* POST /api/v1/events body limit, bytes */
	size_t max_line;        /* one event, bytes */
	unsigned retry_after_s; /* told to clients when the writer queue is full */
};

struct ox_live;
struct ox_api;
struct ox_api *ox_api_new(const struct ox_api_opts *o);
void ox_api_free(struct ox_api *a);

/* The hook that finds the caller and checks the route's permission, for
 * ox_http_opts.authorize with ctx = the api (api_auth.c). */
bool ox_api_authorize(void *ctx, struct ox_http_req *r);

/* The route table, for ox_http_start() with ctx = the api. */
const struct ox_route *ox_api_routes(struct ox_api *a, size_t *n);

#endif

/* api.c - see api.h. */
#include "api.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "event.h"
#include "ingest.h"
#include "json.h"
#include "api_impl.h"
#include "params_live.h"
#include "console.h"
#include "mask.h"
#include "order_view.h"
#include "store.h"

extern const char ox_openapi_json[];
extern const size_t ox_openapi_json_len;

struct kit *api_kit_take(struct ox_api *a)
{
	pthread_mutex_lock(&a->mu);
	struct kit *k = a->kits;
	if (k)
		a->kits = k->next;
	pthread_mutex_unlock(&a->mu);
	if (!k) {
		struct ox_limits limits = ox_limits_default();
		limits.max_line = a->o.max_line;
		k = ox_xcalloc(1, sizeof *k);
		k->dec = ox_decoder_new(&limits);
		ox_json_init(&k->json, limits.max_depth + 1); /* the array around the events */
	}
	return k;
}

void api_kit_give(struct ox_api *a, struct kit *k)
{
	pthread_mutex_lock(&a->mu);
	k->next = a->kits;
	a->kits = k;
	pthread_mutex_unlock(&a->mu);
}

static void kit_free(struct kit *k)
{
	ox_decoder_free(k->dec);
	ox_json_release(&k->json);
	ox_store_close(k->store);
	ox_auth_close(k->auth);
	ox_audit_close(k->audit);
	free(k);
}

/* Connections open on first use; a failure is the request's 500. */
static bool opened(int rc, struct ox_http_req *r, const char *what, const char *err)
{
	if (rc)
		ox_http_error(r, 500, what, err);
	return rc == 0;
}

struct ox_store *api_kit_store(struct ox_api *a, struct kit *k, struct ox_http_req *r)
{
	ox_writer_wait_stored(a->o.writer); /* read what was answered */
	char err[512];
	if (!k->store &&
	    !opened(ox_store_open(&k->store, a->o.db_path, err, sizeof err), r, "case store unavailable", err))
		return NULL;
	return k->store;
}

struct ox_auth *api_kit_auth(struct ox_api *a, struct kit *k, struct ox_http_req *r)
{
	char err[512];
	if (!k->auth &&
	    !opened(ox_auth_open(&k->auth, a->o.auth_path, err, sizeof err), r, "user store unavailable", err))
		return NULL;
	return k->auth;
}

struct ox_audit *api_kit_audit(struct ox_api *a, struct kit *k, struct ox_http_req *r)
{
	char err[512];
	if (!k->audit &&
	    !opened(ox_audit_open(&k->audit, a->o.audit_path, err, sizeof err), r, "audit log unavailable", err))
		return NULL;
	return k->audit;
}

const struct ox_principal *api_who(const struct ox_http_req *r)
{
	return r->who;
}

static void store_error(struct ox_http_req *r, struct ox_store *s, int rc, const char *client_err)
{
	if (rc == OX_STORE_EINVAL)
		ox_http_error(r, 400, "invalid query", client_err);
	else if (rc == OX_STORE_ENOTFOUND)
		ox_http_error(r, 404, "not found", r->param);
	else
		ox_http_error(r, 500, "case store error", ox_store_errmsg(s));
}

void api_writer_refused(struct ox_api *a, struct ox_http_req *r, int status)
{
	if (ox_writer_failed(a->o.writer)) {
		ox_http_error(r, 503, "unavailable", "the writer stopped after a storage failure; ordex is restarting");
	} else if (status == 503) {
		ox_http_error(r, 503, "overloaded", "the writer queue is full; retry after the given seconds");
		if (a->o.metrics)
			OX_METRIC_ADD(a->o.metrics, requests_overloaded, 1);
	} else {
		ox_http_error(r, status, "internal error", "reading the event log failed");
	}
	r->retry_after = a->o.retry_after_s;
}

/* ---- POST /api/v1/events ------------------------------------------------------ */

struct events_state {
	struct ox_ingest in;
	struct ox_job job;
};

static void events_free(void *p)
{
	struct events_state *st = p;
	ox_ingest_release(&st->in);
	free(st);
}

void api_job_done(struct ox_job *job)
{
	ox_http_resume(job->ctx);
}

static void events_reply(struct ox_http_req *r)
{
	struct events_state *st = r->state;
	r->status = 200;
	ox_buf_addf(&r->out, "{\"accepted\":%zu,\"duplicates\":%zu,\"rejected\":%zu,\"errors\":[", st->job.accepted,
		    st->job.duplicates, st->in.rejected);
	ox_buf_add(&r->out, st->in.errors.data, st->in.errors.len);
	ox_buf_addz(&r->out, "]");
	if (st->in.rejected > st->in.errors_listed)
		ox_buf_addz(&r->out, ",\"errors_truncated\":true");
	ox_buf_addz(&r->out, "}");
}

static enum ox_body_kind body_kind(struct ox_http_req *r)
{
	const char *ct = ox_http_header(r, "Content-Type");
	size_t n = strlen("application/json");
	bool json = ct && strncasecmp(ct, "application/json", n) == 0 && (ct[n] == '\0' || ct[n] == ';');
	return json ? OX_BODY_JSON_ARRAY : OX_BODY_NDJSON;
}

static enum ox_http_step events_start(void *ctx, struct ox_http_req *r)
{
	struct ox_api *a = ctx;
	struct events_state *st = ox_xcalloc(1, sizeof *st);
	ox_ingest_init(&st->in);
	r->state = st;
	r->free_state = events_free;

	struct kit *k = api_kit_take(a);
	char err[OX_ERR_BUFSZ];
	int rc = ox_ingest_split(&st->in, k->dec, &k->json, body_kind(r), r->body.data ? r->body.data : "",
				 r->body.len, a->o.max_line, err);
	api_kit_give(a, k);
	if (rc < 0) {
		ox_http_error(r, 400, "invalid body", err);
		return OX_HTTP_DONE;
	}
	if (a->o.metrics)
		OX_METRIC_ADD(a->o.metrics, events_rejected, st->in.rejected);
	if (st->in.n == 0) {
		events_reply(r);
		return OX_HTTP_DONE;
	}
	st->job = (struct ox_job){ .kind = OX_JOB_EVENTS, .events = st->in.events, .n = st->in.n,
				   .done = api_job_done, .ctx = r };
	if (ox_writer_submit(a->o.writer, &st->job) < 0) {
		st->job.status = 503;
		ox_http_resume(r);
	}
	return OX_HTTP_SUSPENDED;
}

static void events_finish(void *ctx, struct ox_http_req *r)
{
	struct events_state *st = r->state;
	if (st->job.status)
		api_writer_refused(ctx, r, st->job.status);
	else
		events_reply(r);
}

/* ---- GET /api/v1/cases, /api/v1/cases/{id} ---------------------------------------- */

/* The event clock (the writer publishes it), or the wall clock before any. */
ox_time api_event_clock(struct ox_api *a)
{
	int64_t t = a->o.metrics ? (int64_t)atomic_load(&a->o.metrics->event_clock_ms) : 0;
	return t ? t : (ox_time)time(NULL) * 1000;
}

/* The kit's store, masking for callers without pii. */
static struct ox_store *reader(struct ox_api *a, struct kit *k, struct ox_http_req *r)
{
	struct ox_store *s = api_kit_store(a, k, r);
	if (s)
		ox_store_set_masking(s, !api_may(r, OX_PERM_PII));
	return s;
}

/* Personal data read unmasked is audited: who saw what. False (500
 * written) when the audit log refuses: then nothing is shown. */
static bool audit_unmasked(struct ox_api *a, struct ox_http_req *r, const char *what)
{
	return !api_may(r, OX_PERM_PII) || api_audit(a, r, "pii.read", what, NULL);
}

/* The list's filter from the query string. */
static struct ox_case_filter case_filter(struct ox_api *a, struct ox_http_req *r)
{
	return (struct ox_case_filter){
		.rule = ox_http_query(r, "rule"), .status = ox_http_query(r, "status"),
		.category = ox_http_query(r, "category"), .severity = ox_http_query(r, "severity"),
		.order_id = ox_http_query(r, "order_id"), .sku = ox_http_query(r, "sku"),
		.since = ox_http_query(r, "since"), .limit = ox_http_query(r, "limit"),
		.cursor = ox_http_query(r, "cursor"), .team = ox_http_query(r, "team"),
		.assignee = ox_http_query(r, "assignee"), .sla = ox_http_query(r, "sla"), .sort = ox_http_query(r, "sort"),
		.channel = ox_http_query(r, "channel"), .shop = ox_http_query(r, "shop"),
		.province = ox_http_query(r, "province"), .call_state = ox_http_query(r, "call_state"),
		.now = api_event_clock(a),
		.due_soon_pct = a->o.params->sla_due_soon_pct,
	};
}

static enum ox_http_step cases_list(void *ctx, struct ox_http_req *r)
{
	struct ox_api *a = ctx;
	struct ox_case_filter f = case_filter(a, r);
	struct kit *k = api_kit_take(a);
	struct ox_store *s = reader(a, k, r);
	char err[OX_STORE_ERRSZ];
	int rc;
	if (s && (rc = ox_store_query(s, &f, &r->out, err)) != 0)
		store_error(r, s, rc, err);
	else if (s && audit_unmasked(a, r, "cases"))
		r->status = 200;
	api_kit_give(a, k);
	return OX_HTTP_DONE;
}

static enum ox_http_step cases_counts(void *ctx, struct ox_http_req *r)
{
	struct ox_api *a = ctx;
	struct ox_case_filter f = case_filter(a, r);
	struct kit *k = api_kit_take(a);
	struct ox_store *s = reader(a, k, r);
	char err[OX_STORE_ERRSZ];
	int rc;
	if (s && (rc = ox_store_count_status(s, &f, &r->out, err)) != 0)
		store_error(r, s, rc, err);
	else if (s)
		r->status = 200;
	api_kit_give(a, k);
	return OX_HTTP_DONE;
}

enum ox_http_step api_case_get(void *ctx, struct ox_http_req *r)
{
	struct ox_api *a = ctx;
	struct kit *k = api_kit_take(a);
	struct ox_store *s = reader(a, k, r);
	int rc;
	if (s && (rc = ox_store_get(s, r->param, &r->out)) != 0)
		store_error(r, s, rc, NULL);
	else if (s && api_splice_playbook(a, s, r, r->param) && audit_unmasked(a, r, r->param))
		r->status = 200;
	api_kit_give(a, k);
	return OX_HTTP_DONE;
}

/* ---- POST /api/v1/cases/{id}/{transition,assign,notes,checklist} ---------------- */

static void action_state_free(void *p)
{
	struct api_action_state *st = p;
	ox_job_release(&st->job);
	free(st);
}

struct api_action_state *api_action_state_new(struct ox_http_req *r)
{
	struct api_action_state *st = ox_xcalloc(1, sizeof *st);
	r->state = st;
	r->free_state = action_state_free;
	return st;
}

enum ox_http_step api_submit_action(struct ox_api *a, struct ox_http_req *r, struct api_action_state *st)
{
	const struct ox_principal *p = api_who(r);
	snprintf(st->action.actor, sizeof st->action.actor, "%s", p->name);
	ox_money limit = api_comp_limit(a, p->role); /* the role's, whatever the body said */
	st->action.limited = limit != OX_COMP_NO_LIMIT;
	st->action.limit = st->action.limited ? limit : 0;
	st->scope.self = p->user[0] ? p->user : p->name;
	st->scope.any_team = api_may(r, OX_PERM_CASES_ASSIGN);
	st->scope.assign_others = st->scope.any_team;
	for (size_t t = 0; t < p->teams.n; t++)
		st->teams[t] = p->teams.name[t];
	st->scope.teams = st->teams;
	st->scope.n_teams = p->teams.n;
	st->job = (struct ox_job){ .kind = OX_JOB_ACTION, .action = &st->action, .scope = &st->scope,
				   .wakes_executor = st->answers_calls, .done = api_job_done, .ctx = r };
	if (ox_writer_submit(a->o.writer, &st->job) < 0) {
		st->job.status = 503;
		ox_http_resume(r);
	}
	return OX_HTTP_SUSPENDED;
}

/* A person's action on case r->param: checked and applied by the writer. */
static enum ox_http_step case_act(struct ox_api *a, struct ox_http_req *r, enum ox_desk_op op)
{
	struct api_action_state *st = api_action_state_new(r);
	char err[256];
	if (ox_desk_action_parse(&st->action, r->body.data ? r->body.data : "{}", r->body.data ? r->body.len : 2,
				 err)) {
		ox_http_error(r, 400, "invalid body", err);
		return OX_HTTP_DONE;
	}
	/* what the path and the caller say, whatever the body claims */
	st->action.op = op;
	snprintf(st->action.case_id, sizeof st->action.case_id, "%.23s", r->param);
	return api_submit_action(a, r, st);
}

static enum ox_http_step case_transition(void *ctx, struct ox_http_req *r)
{
	return case_act(ctx, r, OX_DESK_TRANSITION);
}

static enum ox_http_step case_assign(void *ctx, struct ox_http_req *r)
{
	return case_act(ctx, r, OX_DESK_ASSIGN);
}

static enum ox_http_step case_note(void *ctx, struct ox_http_req *r)
{
	return case_act(ctx, r, OX_DESK_NOTE);
}

static enum ox_http_step case_check(void *ctx, struct ox_http_req *r)
{
	return case_act(ctx, r, OX_DESK_CHECK);
}

static enum ox_http_step case_csat(void *ctx, struct ox_http_req *r)
{
	return case_act(ctx, r, OX_DESK_CSAT);
}

bool api_action_refused(struct ox_api *a, struct ox_http_req *r, const struct ox_job *job)
{
	static const struct {
		int rc, status;
		const char *error;
	} map[] = {
		{ OX_DESK_EINVAL, 400, "invalid action" },
		{ OX_DESK_ENOTFOUND, 404, "not found" },
		{ OX_DESK_ECONFLICT, 409, "conflict" },
		{ OX_DESK_EDENIED, 403, "forbidden" },
	};
	if (job->status) {
		api_writer_refused(a, r, job->status);
		return true;
	}
	for (size_t i = 0; i < OX_ARRAY_LEN(map); i++)
		if (job->desk_rc == map[i].rc) {
			ox_http_error(r, map[i].status, map[i].error, job->desk_err);
			return true;
		}
	return false;
}

static void case_act_finish(void *ctx, struct ox_http_req *r)
{
	struct api_action_state *st = r->state;
	if (!api_action_refused(ctx, r, &st->job))
		api_case_get(ctx, r); /* stored by now: the action's group was flushed */
}

/* ---- GET /api/v1/orders/{order_id} -------------------------------------------- */

struct order_state {
	struct ox_job job;
};

static void order_free(void *p)
{
	struct order_state *st = p;
	ox_job_release(&st->job);
	free(st);
}

static enum ox_http_step order_start(void *ctx, struct ox_http_req *r)
{
	struct ox_api *a = ctx;
	size_t len = strlen(r->param);
	if (len == 0 || len > 64) {
		ox_http_error(r, 400, "invalid order_id", "an order_id is 1..64 bytes");
		return OX_HTTP_DONE;
	}
	struct order_state *st = ox_xcalloc(1, sizeof *st);
	r->state = st;
	r->free_state = order_free;
	st->job = (struct ox_job){ .kind = OX_JOB_ORDER, .order_id = { r->param, len }, .done = api_job_done,
				   .ctx = r };
	if (ox_writer_submit(a->o.writer, &st->job) < 0) {
		st->job.status = 503;
		ox_http_resume(r);
	}
	return OX_HTTP_SUSPENDED;
}

/* The order's cases from the store, as a JSON array after what out holds.
 * false when the store failed (the answer is then its error). */
static bool order_cases(struct ox_api *a, struct ox_http_req *r, struct ox_buf *out)
{
	struct kit *k = api_kit_take(a);
	struct ox_store *s = reader(a, k, r);
	bool ok = s != NULL;
	if (s) {
		struct ox_case_filter f = { .order_id = r->param, .limit = "1000" };
		char err[OX_STORE_ERRSZ];
		int rc = ox_store_query_cases(s, &f, out, err);
		if (rc) {
			store_error(r, s, rc, NULL);
			ok = false;
		}
	}
	api_kit_give(a, k);
	return ok;
}

/* No record of the order is kept. When retention retired it (the engine
 * remembers, or it has cases: docs/retention.md), 404 with its cases, which
 * stay; otherwise it is unknown. */
static void order_gone(struct ox_api *a, struct ox_http_req *r, bool retired)
{
	struct ox_buf cases;
	ox_buf_init(&cases, SIZE_MAX);
	if (order_cases(a, r, &cases)) {
		if (retired || cases.len > 2) {
			ox_http_error(r, 404, "order retired", r->param);
			r->out.len--;
			ox_buf_addz(&r->out, ",\"retired\":true,\"cases\":");
			ox_buf_add(&r->out, cases.data, cases.len);
			ox_buf_addz(&r->out, "}");
		} else {
			ox_http_error(r, 404, "order not found", r->param);
		}
	}
	ox_buf_release(&cases);
}

static void order_finish(void *ctx, struct ox_http_req *r)
{
	struct ox_api *a = ctx;
	struct order_state *st = r->state;
	struct ox_job *j = &st->job;
	if (j->status) {
		api_writer_refused(a, r, j->status);
		return;
	}
	if (j->n_records == 0) {
		order_gone(a, r, j->retired);
		return;
	}
	struct ox_str *lines = ox_xcalloc(j->n_records, sizeof *lines);
	for (size_t i = 0; i < j->n_records; i++) {
		size_t from = i ? j->ends[i - 1] : 0;
		lines[i] = (struct ox_str){ j->text.data + from, j->ends[i] - from };
	}
	bool mask = !api_may(r, OX_PERM_PII);
	ox_order_view_json((struct ox_str){ r->param, strlen(r->param) }, lines, j->seqs, j->n_records, mask,
			   &r->out);
	free(lines);
	/* Splice the cases in before the view's closing brace. */
	r->out.len--;
	ox_buf_addz(&r->out, ",\"cases\":");
	if (order_cases(a, r, &r->out) && audit_unmasked(a, r, r->param)) {
		ox_buf_addz(&r->out, "}");
		r->status = 200;
	}
}

/* ---- service endpoints ---------------------------------------------------------- */

static enum ox_http_step healthz(void *ctx, struct ox_http_req *r)
{
	struct ox_api *a = ctx;
	bool failed = ox_writer_failed(a->o.writer);
	r->status = failed ? 503 : 200;
	ox_buf_addf(&r->out, "{\"status\":\"%s\",\"uptime_s\":%lld", failed ? "failed" : "ok",
		    (long long)(time(NULL) - a->started));
	if (a->o.metrics)
		ox_buf_addf(&r->out, ",\"durable_seq\":%" PRIu64 ",\"queue_events\":%" PRIu64,
			    atomic_load(&a->o.metrics->durable_seq), atomic_load(&a->o.metrics->queue_events));
	ox_buf_addz(&r->out, "}");
	return OX_HTTP_DONE;
}

/* A figure of another part (the alerts, the call executor) in Prometheus'
 * exposition format. */
struct metric_row {
	const char *name, *type, *help;
	uint64_t v;
};

static void put_metric_rows(struct ox_buf *out, const struct metric_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ox_buf_addf(out, "# HELP %s %s\n# TYPE %s %s\n%s %" PRIu64 "\n", rows[i].name, rows[i].help,
			    rows[i].name, rows[i].type, rows[i].name, rows[i].v);
}

/* The alert outbox's figures. */
static void alert_metrics(struct ox_alerts *al, struct ox_buf *out)
{
	struct ox_alerts_stats st;
	ox_alerts_stats(al, &st);
	const struct metric_row rows[] = {
		{ "ordex_alerts_pending", "gauge", "Alert messages waiting for a (further) delivery attempt.", st.pending },
		{ "ordex_alerts_dead", "gauge", "Alert messages given up on (dead letters).", st.dead },
		{ "ordex_alerts_sent_total", "counter", "Alert messages delivered.", st.sent },
		{ "ordex_alerts_failed_attempts_total", "counter", "Delivery attempts that failed.", st.failed_attempts },
		{ "ordex_alerts_silenced_total", "counter", "Alert messages not sent because of a silence.", st.silenced },
		{ "ordex_alerts_throttled_total", "counter", "Notices left out as repeats within repeat_interval.",
		  st.throttled },
		{ "ordex_alerts_notices_total", "counter", "Notices the case desk handed to the alerting.", st.notices },
	};
	put_metric_rows(out, rows, OX_ARRAY_LEN(rows));
}

/* The call executor's figures (docs/actions.md). */
static void call_metrics(struct ox_executor *x, struct ox_buf *out)
{
	struct ox_executor_stats st;
	ox_executor_stats(x, &st);
	const struct metric_row rows[] = {
		{ "ordex_calls_pending", "gauge", "Calls on the merchant's systems waiting for an (other) attempt.", st.pending },
		{ "ordex_calls_attempts_total", "counter", "Requests sent to the merchant's endpoints.", st.attempts },
		{ "ordex_calls_succeeded_total", "counter", "Calls that succeeded.", st.succeeded },
		{ "ordex_calls_failed_total", "counter", "Calls that failed (refused, or retries exhausted).", st.failed },
	};
	put_metric_rows(out, rows, OX_ARRAY_LEN(rows));
}

static enum ox_http_step metrics(void *ctx, struct ox_http_req *r)
{
	struct ox_api *a = ctx;
	r->status = 200;
	r->content_type = "text/plain; version=0.0.4; charset=utf-8";
	if (a->o.metrics)
		ox_metrics_render(a->o.metrics, &r->out);
	if (a->o.alerts)
		alert_metrics(a->o.alerts, &r->out);
	if (a->o.executor)
		call_metrics(a->o.executor, &r->out);
	return OX_HTTP_DONE;
}

static enum ox_http_step teams(void *ctx, struct ox_http_req *r)
{
	struct ox_api *a = ctx;
	if (a->o.live) /* the rules' teams may change live */
		ox_live_rdlock(a->o.live);
	int rc = ox_policy_list_json(a->o.policy, a->o.params, &r->out);
	if (a->o.live)
		ox_live_unlock(a->o.live);
	if (rc < 0)
		ox_http_error(r, 500, "internal error", "the team listing is too large");
	else
		r->status = 200;
	return OX_HTTP_DONE;
}

static enum ox_http_step openapi(void *ctx, struct ox_http_req *r)
{
	(void)ctx;
	r->status = 200;
	ox_buf_add(&r->out, ox_openapi_json, ox_openapi_json_len);
	return OX_HTTP_DONE;
}

/* The console: its page at "/", its scripts and styles under /assets/. */
static enum ox_http_step console_page(void *ctx, struct ox_http_req *r)
{
	(void)ctx;
	ox_console_serve(r, "/");
	return OX_HTTP_DONE;
}

static enum ox_http_step console_asset(void *ctx, struct ox_http_req *r)
{
	(void)ctx;
	char path[sizeof r->param + 8];
	snprintf(path, sizeof path, "/assets/%s", r->param);
	ox_console_serve(r, path);
	return OX_HTTP_DONE;
}

/* ---- the table ------------------------------------------------------------------- */

struct ox_api *ox_api_new(const struct ox_api_opts *o)
{
	struct ox_api *a = ox_xcalloc(1, sizeof *a);
	a->o = *o;
	if (!a->o.retry_after_s)
		a->o.retry_after_s = 1;
	a->started = time(NULL);
	pthread_mutex_init(&a->mu, NULL);
	char err[256];
	if (!a->o.playbooks && ox_playbooks_load(NULL, &a->own_pb, err, sizeof err) < 0) {
		fprintf(stderr, "ordex: the built-in playbooks: %s\n", err); /* a bug, not a user's error */
		abort();
	}
	const size_t small = 64 * 1024; /* a JSON object of a few fields */
	const struct ox_route routes[] = {
		{ "POST", "/api/v1/events", events_start, events_finish, a->o.max_body, OX_PERM_EVENTS_WRITE },
		{ "GET", "/api/v1/cases", cases_list, NULL, 0, OX_PERM_CASES_READ },
		{ "GET", "/api/v1/cases/counts", cases_counts, NULL, 0, OX_PERM_CASES_READ },
		{ "GET", "/api/v1/cases/{id}", api_case_get, NULL, 0, OX_PERM_CASES_READ },
		{ "POST", "/api/v1/cases/{id}/transition", case_transition, case_act_finish, small, OX_PERM_CASES_WORK },
		{ "POST", "/api/v1/cases/{id}/assign", case_assign, case_act_finish, small, OX_PERM_CASES_WORK },
		{ "POST", "/api/v1/cases/{id}/notes", case_note, case_act_finish, small, OX_PERM_CASES_WORK },
		{ "POST", "/api/v1/cases/{id}/checklist", case_check, case_act_finish, small, OX_PERM_CASES_WORK },
		{ "POST", "/api/v1/cases/{id}/csat", case_csat, case_act_finish, small, OX_PERM_CASES_WORK },
		{ "POST", "/api/v1/cases/{id}/messages/preview", api_message_preview, NULL, small, OX_PERM_CASES_READ },
		{ "POST", "/api/v1/cases/{id}/actions", api_case_call, api_case_call_finish, small, OX_PERM_CASES_WORK },
		{ "POST", "/api/v1/cases/{id}/compensations", api_case_compensate, api_case_call_finish, small,
		  OX_PERM_CASES_WORK },
		{ "POST", "/api/v1/cases/{id}/messages", api_case_message, api_case_call_finish, small, OX_PERM_CASES_WORK },
		{ "POST", "/api/v1/actions/{call}/approve", api_call_approve, api_case_call_finish, small,
		  OX_PERM_CASES_ASSIGN },
		{ "POST", "/api/v1/actions/{call}/reject", api_call_reject, api_case_call_finish, small,
		  OX_PERM_CASES_ASSIGN },
		{ "GET", "/api/v1/actions/auto", api_auto_get, NULL, 0, OX_PERM_CASES_READ },
		{ "PUT", "/api/v1/actions/auto", api_auto_put, api_auto_put_finish, small, OX_PERM_ACTIONS_AUTO },
		{ "GET", "/api/v1/playbooks", api_playbooks_list, NULL, 0, OX_PERM_CASES_READ },
		{ "GET", "/api/v1/playbooks/{rule}", api_playbook_get, NULL, 0, OX_PERM_CASES_READ },
		{ "GET", "/api/v1/resolutions", api_resolutions, NULL, 0, OX_PERM_CASES_READ },
		{ "GET", "/api/v1/orders/{order_id}", order_start, order_finish, 0, OX_PERM_CASES_READ },
		{ "GET", "/api/v1/teams", teams, NULL, 0, OX_PERM_CASES_READ },
		{ "POST", "/api/v1/login", api_login, NULL, small, 0 },
		{ "POST", "/api/v1/logout", api_logout, NULL, 0, API_SIGNED_IN },
		{ "GET", "/api/v1/me", api_me, NULL, 0, API_SIGNED_IN },
		{ "GET", "/api/v1/users", api_users_list, NULL, 0, OX_PERM_USERS },
		{ "POST", "/api/v1/users", api_users_add, NULL, small, OX_PERM_USERS },
		{ "POST", "/api/v1/users/{name}", api_user_update, NULL, small, OX_PERM_USERS },
		{ "GET", "/api/v1/tokens", api_tokens_list, NULL, 0, OX_PERM_TOKENS },
		{ "POST", "/api/v1/tokens", api_tokens_add, NULL, small, OX_PERM_TOKENS },
		{ "DELETE", "/api/v1/tokens/{id}", api_token_revoke, NULL, 0, OX_PERM_TOKENS },
		{ "GET", "/api/v1/audit", api_audit_list, NULL, 0, OX_PERM_AUDIT_READ },
		{ "GET", "/api/v1/silences", api_silences_list, NULL, 0, OX_PERM_ALERTS_READ },
		{ "POST", "/api/v1/silences", api_silences_add, NULL, small, OX_PERM_SILENCES },
		{ "DELETE", "/api/v1/silences/{id}", api_silence_expire, NULL, 0, OX_PERM_SILENCES },
		{ "GET", "/api/v1/alerts/channels", api_alert_channels, NULL, 0, OX_PERM_ALERTS_READ },
		{ "GET", "/api/v1/alerts/outbox", api_outbox_list, NULL, 0, OX_PERM_ALERTS_READ },
		{ "GET", "/api/v1/alerts/dead", api_dead_list, NULL, 0, OX_PERM_ALERTS_READ },
		{ "POST", "/api/v1/alerts/dead/{id}/retry", api_dead_retry, NULL, 0, OX_PERM_SILENCES },
		{ "GET", "/api/v1/openapi.json", openapi, NULL, 0, 0 },
		{ "POST", "/api/v1/validate/order", api_validate_order, NULL, small, OX_PERM_PREVENT },
		{ "POST", "/api/v1/risk/score", api_risk_score, api_risk_score_finish, small, OX_PERM_PREVENT },
		{ "GET", "/api/v1/config/rules", api_config_get, NULL, 0, OX_PERM_CONFIG_READ },
		{ "PUT", "/api/v1/config/rules", api_config_put, api_config_put_finish, 256 << 10, OX_PERM_CONFIG_WRITE },
		{ "GET", "/api/v1/blacklist", api_blacklist_list, NULL, 0, OX_PERM_BLACKLIST },
		{ "POST", "/api/v1/blacklist", api_blacklist_add, api_blacklist_finish, 1 << 20, OX_PERM_BLACKLIST },
		{ "DELETE", "/api/v1/blacklist", api_blacklist_remove, api_blacklist_finish, 0, OX_PERM_BLACKLIST },
		{ "POST", "/api/v1/blacklist/import", api_blacklist_import, api_blacklist_finish, 1 << 20,
		  OX_PERM_BLACKLIST },
		{ "PUT", "/api/v1/inventory/levels", api_inventory_levels, api_inventory_finish, 1 << 20, OX_PERM_INVENTORY },
		{ "POST", "/api/v1/inventory/reserve", api_inventory_reserve, api_inventory_finish, small, OX_PERM_INVENTORY },
		{ "POST", "/api/v1/inventory/confirm", api_inventory_confirm, api_inventory_finish, small, OX_PERM_INVENTORY },
		{ "POST", "/api/v1/inventory/release", api_inventory_release, api_inventory_finish, small, OX_PERM_INVENTORY },
		{ "GET", "/api/v1/inventory", api_inventory_list, api_inventory_finish, 0, OX_PERM_INVENTORY },
		{ "GET", "/api/v1/inventory/reservations/{order_id}", api_inventory_reservation, api_inventory_finish, 0,
		  OX_PERM_INVENTORY },
		{ "GET", "/api/v1/inventory/{sku}", api_inventory_get, api_inventory_finish, 0, OX_PERM_INVENTORY },
		{ "GET", "/api/v1/reports/summary", api_report, NULL, 0, OX_PERM_REPORTS },
		{ "GET", "/api/v1/reports/cases", api_report, NULL, 0, OX_PERM_REPORTS },
		{ "GET", "/api/v1/reports/regions", api_report, NULL, 0, OX_PERM_REPORTS },
		{ "GET", "/api/v1/reports/skus", api_report, NULL, 0, OX_PERM_REPORTS },
		{ "GET", "/api/v1/reports/heatmap", api_report, NULL, 0, OX_PERM_REPORTS },
		{ "GET", "/api/v1/reports/carriers", api_report, NULL, 0, OX_PERM_REPORTS },
		{ "GET", "/api/v1/reports/payments", api_report, NULL, 0, OX_PERM_REPORTS },
		{ "GET", "/api/v1/reports/review", api_report, NULL, 0, OX_PERM_REPORTS },
		{ "GET", "/api/v1/reports/compensation", api_report, NULL, 0, OX_PERM_REPORTS },
		{ "GET", "/healthz", healthz, NULL, 0, 0 },
		{ "GET", "/metrics", metrics, NULL, 0, OX_PERM_METRICS },
		{ "GET", "/", console_page, NULL, 0, 0 },
		{ "GET", "/assets/{path}", console_asset, NULL, 0, 0 },
	};
	_Static_assert(sizeof routes <= sizeof a->routes, "the route array fits the table");
	memcpy(a->routes, routes, sizeof routes);
	a->n_routes = OX_ARRAY_LEN(routes);
	return a;
}

void ox_api_free(struct ox_api *a)
{
	if (!a)
		return;
	for (struct kit *k = a->kits, *next; k; k = next) {
		next = k->next;
		kit_free(k);
	}
	pthread_mutex_destroy(&a->mu);
	ox_playbooks_free(a->own_pb);
	free(a);
}

const struct ox_route *ox_api_routes(struct ox_api *a, size_t *n)
{
	*n = a->n_routes;
	return a->routes;
}

/* api_alerts.c - the alert channels, silences and the alert outbox over HTTP (see api.h). */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_impl.h"

/* No alerting configured: an empty listing, and nothing to change. */
static bool configured(struct ox_api *a, struct ox_http_req *r, const char *empty)
{
	if (a->o.alerts)
		return true;
	if (empty) {
		r->status = 200;
		ox_buf_addz(&r->out, empty);
	} else {
		ox_http_error(r, 409, "alerts off", "no alert channels are configured (alerts: in the config file)");
	}
	return false;
}

static void alert_error(struct ox_http_req *r, int rc, const char *err)
{
	if (rc == OX_ALERT_EINVAL)
		ox_http_error(r, 400, "invalid request", err);
	else if (rc == OX_ALERT_ENOTFOUND)
		ox_http_error(r, 404, "not found", err);
	else if (rc == OX_ALERT_ESTATE)
		ox_http_error(r, 409, "conflict", err);
	else
		ox_http_error(r, 500, "alert outbox error", err);
}

static bool parse_id(struct ox_http_req *r, int64_t *id)
{
	char *end;
	long long v = strtoll(r->param, &end, 10);
	if (*end || v <= 0) {
		ox_http_error(r, 400, "invalid id", r->param);
		return false;
	}
	*id = v;
	return true;
}

/* The channels, the routing tree and the delivery policy: what the config
 * file's alerts: section says, without a secret (alert_config.h). */
enum ox_http_step api_alert_channels(void *ctx, struct ox_http_req *r)
{
	struct ox_api *a = ctx;
	if (!configured(a, r, "{\"channels\":[],\"route\":null,\"delivery\":null,\"console_url\":null}"))
		return OX_HTTP_DONE;
	ox_alert_config_json(ox_alerts_config(a->o.alerts), &r->out);
	r->status = 200;
	return OX_HTTP_DONE;
}

enum ox_http_step api_silences_list(void *ctx, struct ox_http_req *r)
{
	struct ox_api *a = ctx;
	char err[OX_ALERT_ERRSZ];
	int rc;
	if (!configured(a, r, "{\"silences\":[]}"))
		return OX_HTTP_DONE;
	if ((rc = ox_alerts_silences_json(a->o.alerts, &r->out, err)))
		alert_error(r, rc, err);
	else
		r->status = 200;
	return OX_HTTP_DONE;
}

enum ox_http_step api_silences_add(void *ctx, struct ox_http_req *r)
{
	struct ox_api *a = ctx;
	char err[OX_ALERT_ERRSZ], target[32], detail[OX_AUDIT_DETAIL_MAX / 16];
	int64_t id;
	int rc;
	if (!configured(a, r, NULL))
		return OX_HTTP_DONE;
	const char *body = r->body.data ? r->body.data : "";
	if ((rc = ox_alerts_silence_add_json(a->o.alerts, body, r->body.len, api_who(r)->name, &id, err))) {
		alert_error(r, rc, err);
		return OX_HTTP_DONE;
	}
	snprintf(target, sizeof target, "%" PRId64, id);
	/* the silence as asked for is its record (the body is a validated object) */
	snprintf(detail, sizeof detail, "%.*s", (int)r->body.len, body);
	if (api_audit(a, r, "silence.create", target, r->body.len < sizeof detail ? detail : NULL)) {
		r->status = 201;
		ox_buf_addf(&r->out, "{\"id\":%" PRId64 "}", id);
	}
	return OX_HTTP_DONE;
}

/* A change to one outbox row by id (a silence, a dead letter): done,
 * audited, answered with the id and what it is now. */
static enum ox_http_step change_by_id(struct ox_api *a, struct ox_http_req *r,
				      int (*change)(struct ox_alerts *, int64_t, char *), const char *action,
				      const char *now)
{
	char err[OX_ALERT_ERRSZ];
	int64_t id;
	int rc;
	if (!configured(a, r, NULL) || !parse_id(r, &id))
		return OX_HTTP_DONE;
	if ((rc = change(a->o.alerts, id, err)))
		alert_error(r, rc, err);
	else if (api_audit(a, r, action, r->param, NULL)) {
		r->status = 200;
		ox_buf_addf(&r->out, "{\"id\":%" PRId64 ",%s}", id, now);
	}
	return OX_HTTP_DONE;
}

enum ox_http_step api_silence_expire(void *ctx, struct ox_http_req *r)
{
	return change_by_id(ctx, r, ox_alerts_silence_expire, "silence.expire", "\"expired\":true");
}

enum ox_http_step api_outbox_list(void *ctx, struct ox_http_req *r)
{
	struct ox_api *a = ctx;
	struct ox_alert_filter f = { .state = ox_http_query(r, "state"), .receiver = ox_http_query(r, "receiver"),
				     .limit = ox_http_query(r, "limit"), .cursor = ox_http_query(r, "cursor") };
	char err[OX_ALERT_ERRSZ];
	int rc;
	if (!configured(a, r, "{\"messages\":[],\"next_cursor\":null}"))
		return OX_HTTP_DONE;
	if ((rc = ox_alerts_outbox_json(a->o.alerts, &f, &r->out, err)))
		alert_error(r, rc, err);
	else
		r->status = 200;
	return OX_HTTP_DONE;
}

enum ox_http_step api_dead_list(void *ctx, struct ox_http_req *r)
{
	struct ox_api *a = ctx;
	char err[OX_ALERT_ERRSZ];
	int rc;
	if (!configured(a, r, "{\"messages\":[],\"next_cursor\":null}"))
		return OX_HTTP_DONE;
	if ((rc = ox_alerts_dead_json(a->o.alerts, ox_http_query(r, "limit"), ox_http_query(r, "cursor"), &r->out,
				      err)))
		alert_error(r, rc, err);
	else
		r->status = 200;
	return OX_HTTP_DONE;
}

enum ox_http_step api_dead_retry(void *ctx, struct ox_http_req *r)
{
	return change_by_id(ctx, r, ox_alerts_retry, "alert.retry", "\"state\":\"pending\"");
}

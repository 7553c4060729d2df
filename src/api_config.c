/* api_config.c - the rule parameters over HTTP (docs/config.md, "Live
 * changes"): GET lists them from the running parameters (under the live
 * read lock); PUT hands a change to the writer, which applies it all or
 * nothing, logs it and answers once durable. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_impl.h"
#include "params_live.h"
#include "writer.h"

enum ox_http_step api_config_get(void *ctx, struct ox_http_req *r)
{
	struct ox_api *a = ctx;
	if (!a->o.live) {
		ox_http_error(r, 503, "unavailable", "this server runs without live parameters");
		return OX_HTTP_DONE;
	}
	r->status = 200;
	ox_live_json(a->o.live, api_may(r, OX_PERM_CONFIG_WRITE), &r->out);
	return OX_HTTP_DONE;
}

struct change_state {
	struct ox_live_change c;
	struct ox_job job;
};

static void change_free(void *p)
{
	struct change_state *st = p;
	ox_live_change_release(&st->c);
	ox_job_release(&st->job);
	free(st);
}

enum ox_http_step api_config_put(void *ctx, struct ox_http_req *r)
{
	struct ox_api *a = ctx;
	struct change_state *st = ox_xcalloc(1, sizeof *st);
	r->state = st;
	r->free_state = change_free;
	char err[512];
	if (ox_live_change_parse(&st->c, r->body.data ? r->body.data : "", r->body.len, true, err, sizeof err)) {
		ox_http_error(r, 400, "invalid body", err);
		return OX_HTTP_DONE;
	}
	snprintf(st->c.actor, sizeof st->c.actor, "%s", api_who(r)->name);
	st->job = (struct ox_job){ .kind = OX_JOB_PARAMS, .params = &st->c, .done = api_job_done, .ctx = r };
	if (ox_writer_submit(a->o.writer, &st->job) < 0) {
		st->job.status = 503;
		ox_http_resume(r);
	}
	return OX_HTTP_SUSPENDED;
}

/* 200 with what changed ({"note","changes":[{"key","old","new"}]}), or 400
 * with the first key that does not apply. */
void api_config_put_finish(void *ctx, struct ox_http_req *r)
{
	struct change_state *st = r->state;
	const struct ox_job *j = &st->job;
	if (j->status) {
		api_writer_refused(ctx, r, j->status);
		return;
	}
	if (j->params_rc) {
		ox_http_error(r, 400, "invalid change", j->params_err);
		return;
	}
	r->status = 200;
	ox_buf_add(&r->out, j->text.data, j->text.len);
}

/* api_blacklist.c - blacklist management over HTTP (docs/blacklist.md).
 * Listings and the CSV export read the live list on the HTTP thread
 * (ox_blacklist_list, under the list's read lock); additions, removals and
 * imports are changes (struct ox_bl_op) parsed here and handed to the
 * writer, which applies and logs them (OX_JOB_BLACKLIST): each is answered
 * once durable. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_impl.h"
#include "blacklist.h"
#include "writer.h"

#define BODY_ENTRIES_MAX 1000 /* of POST /api/v1/blacklist */
#define PAGE_DEFAULT 100
#define PAGE_MAX 1000
#define EXPORT_CHUNK 1000 /* entries per hold of the read lock */

/* ---- GET /api/v1/blacklist ------------------------------------------------------- */

/* What the listing callbacks write to, and the cursor after the last entry. */
struct page {
	struct ox_buf *out;
	struct ox_buf *cursor;
	size_t n;
};

static void put_json(void *ctx, const struct ox_bl_entry *e)
{
	struct page *p = ctx;
	if (p->n++)
		ox_buf_addz(p->out, ",");
	ox_bl_entry_json(e, p->out);
	ox_buf_reset(p->cursor);
	ox_bl_cursor_write(e, p->cursor);
}

static void put_csv(void *ctx, const struct ox_bl_entry *e)
{
	struct page *p = ctx;
	p->n++;
	ox_bl_entry_csv(e, p->out);
	ox_buf_reset(p->cursor);
	ox_bl_cursor_write(e, p->cursor);
}

/* The query into q; false with a 400 written. */
static bool list_query(struct ox_http_req *r, struct ox_bl_query *q, bool *csv)
{
	const char *kind = ox_http_query(r, "kind"), *sub = ox_http_query(r, "q");
	const char *limit = ox_http_query(r, "limit"), *cursor = ox_http_query(r, "cursor");
	const char *format = ox_http_query(r, "format");
	char why[160];
	*q = (struct ox_bl_query){ .kind = -1, .after_kind = -1, .limit = PAGE_DEFAULT };
	enum ox_bl_kind k;
	if (kind && !ox_bl_kind_parse(ox_str_z(kind), &k)) {
		ox_http_error(r, 400, "invalid query", "kind: one of customer, phone, device, ip, address");
		return false;
	}
	if (kind)
		q->kind = (int)k;
	if (sub && strlen(sub) > OX_BL_VALUE_MAX) {
		ox_http_error(r, 400, "invalid query", "q: at most 1024 bytes");
		return false;
	}
	q->q = ox_str_z(sub);
	if (limit) {
		char *end;
		long long v = strtoll(limit, &end, 10);
		if (*end || end == limit || v < 1 || v > PAGE_MAX) {
			snprintf(why, sizeof why, "limit: expected 1..%d, got \"%.32s\"", PAGE_MAX, limit);
			ox_http_error(r, 400, "invalid query", why);
			return false;
		}
		q->limit = (size_t)v;
	}
	if (cursor && ox_bl_cursor_parse(ox_str_z(cursor), &q->after_kind, &q->after) < 0) {
		ox_http_error(r, 400, "invalid query", "cursor: not a next_cursor of this listing");
		return false;
	}
	*csv = format && strcmp(format, "csv") == 0;
	if (format && !*csv && strcmp(format, "json") != 0) {
		ox_http_error(r, 400, "invalid query", "format: json or csv");
		return false;
	}
	return true;
}

/* Every matching entry after the cursor, a chunk per hold of the read lock
 * (a long export never keeps the writer waiting long). */
static void export_csv(struct ox_blacklist *bl, struct ox_bl_query *q, struct ox_buf *out)
{
	struct ox_buf cur, next;
	ox_buf_init(&cur, SIZE_MAX);
	ox_buf_init(&next, SIZE_MAX);
	ox_buf_addz(out, OX_BL_CSV_HEADER);
	struct page p = { .out = out, .cursor = &next };
	q->limit = EXPORT_CHUNK;
	while (ox_blacklist_list(bl, q, put_csv, &p)) {
		struct ox_buf t = cur;
		cur = next;
		next = t;
		p.cursor = &next;
		ox_bl_cursor_parse((struct ox_str){ cur.data, cur.len }, &q->after_kind, &q->after);
	}
	ox_buf_release(&cur);
	ox_buf_release(&next);
}

enum ox_http_step api_blacklist_list(void *ctx, struct ox_http_req *r)
{
	struct ox_api *a = ctx;
	struct ox_blacklist *bl = ox_writer_blacklist(a->o.writer);
	struct ox_bl_query q;
	bool csv;
	if (!list_query(r, &q, &csv))
		return OX_HTTP_DONE;
	/* the entries are personal data: whoever reads them is recorded */
	if (!api_audit(a, r, "pii.read", csv ? "blacklist.csv" : "blacklist", NULL))
		return OX_HTTP_DONE;
	if (csv) {
		export_csv(bl, &q, &r->out);
		r->content_type = "text/csv; charset=utf-8";
		r->status = 200;
		return OX_HTTP_DONE;
	}
	struct ox_buf cursor;
	ox_buf_init(&cursor, SIZE_MAX);
	struct page p = { .out = &r->out, .cursor = &cursor };
	ox_buf_addz(&r->out, "{\"entries\":[");
	bool more = ox_blacklist_list(bl, &q, put_json, &p);
	ox_buf_addz(&r->out, "],\"next_cursor\":");
	if (more)
		ox_buf_add_json_str(&r->out, cursor.data, cursor.len);
	else
		ox_buf_addz(&r->out, "null");
	ox_buf_addz(&r->out, "}");
	ox_buf_release(&cursor);
	r->status = 200;
	return OX_HTTP_DONE;
}

/* ---- changes ------------------------------------------------------------------------ */

enum change { CH_ADD, CH_REMOVE, CH_IMPORT };

struct change_state {
	enum change what;
	struct ox_bl_op op;
	struct ox_bl_csv_report *rep; /* CH_IMPORT */
	struct ox_job job;
};

static void change_free(void *p)
{
	struct change_state *st = p;
	ox_bl_op_release(&st->op);
	free(st->rep);
	free(st);
}

static struct change_state *change_state(struct ox_http_req *r, enum change what, enum ox_bl_op_kind kind)
{
	struct change_state *st = ox_xcalloc(1, sizeof *st);
	st->what = what;
	ox_bl_op_init(&st->op, kind);
	snprintf(st->op.actor, sizeof st->op.actor, "%s", api_who(r)->name);
	r->state = st;
	r->free_state = change_free;
	return st;
}

static enum ox_http_step submit(struct ox_api *a, struct ox_http_req *r, struct change_state *st)
{
	st->job = (struct ox_job){ .kind = OX_JOB_BLACKLIST, .bl_op = &st->op, .done = api_job_done, .ctx = r };
	if (ox_writer_submit(a->o.writer, &st->job) < 0) {
		st->job.status = 503;
		ox_http_resume(r);
	}
	return OX_HTTP_SUSPENDED;
}

enum ox_http_step api_blacklist_add(void *ctx, struct ox_http_req *r)
{
	struct change_state *st = change_state(r, CH_ADD, OX_BL_OP_ADD);
	char err[256];
	if (ox_bl_request_parse(&st->op, r->body.data ? r->body.data : "", r->body.len, BODY_ENTRIES_MAX, err)) {
		ox_http_error(r, 400, "invalid body", err);
		return OX_HTTP_DONE;
	}
	snprintf(st->op.actor, sizeof st->op.actor, "%s", api_who(r)->name); /* the parse reset op */
	return submit(ctx, r, st);
}

enum ox_http_step api_blacklist_remove(void *ctx, struct ox_http_req *r)
{
	struct change_state *st = change_state(r, CH_REMOVE, OX_BL_OP_REMOVE);
	const char *kind = ox_http_query(r, "kind"), *value = ox_http_query(r, "value");
	enum ox_bl_kind k;
	const char *bad = "value";
	char why[160];
	if (!kind || !ox_bl_kind_parse(ox_str_z(kind), &k)) {
		ox_http_error(r, 400, "invalid query", "kind: one of customer, phone, device, ip, address");
		return OX_HTTP_DONE;
	}
	if (!value) {
		ox_http_error(r, 400, "invalid query", "value: required");
		return OX_HTTP_DONE;
	}
	int rc = ox_bl_op_item(&st->op, k, ox_str_z(value), OX_STR_NULL, OX_TIME_NONE, 0, &bad);
	if (rc) {
		snprintf(why, sizeof why, "%s: %s", bad, ox_bl_strerror(rc));
		ox_http_error(r, 400, "invalid query", why);
		return OX_HTTP_DONE;
	}
	return submit(ctx, r, st);
}

static void import_reply(struct ox_http_req *r, const struct ox_bl_counts *c, const struct ox_bl_csv_report *rep)
{
	r->status = 200;
	ox_buf_addf(&r->out, "{\"added\":%zu,\"updated\":%zu,\"rejected\":%zu,\"errors\":[", c->added, c->updated,
		    rep->rejected);
	for (size_t i = 0; i < rep->n_errors; i++) {
		ox_buf_addf(&r->out, "%s{\"line\":%zu,\"error\":", i ? "," : "", rep->errors[i].line);
		ox_buf_add_json_str(&r->out, rep->errors[i].error, strlen(rep->errors[i].error));
		ox_buf_addz(&r->out, "}");
	}
	ox_buf_addz(&r->out, "]");
	if (rep->rejected > rep->n_errors)
		ox_buf_addz(&r->out, ",\"errors_truncated\":true");
	ox_buf_addz(&r->out, "}");
}

/* The event clock as the writer last published it, or the wall clock
 * before any event (what a change applies at). A change that loses the
 * race with a moving clock is refused whole by the writer. */
static ox_time event_clock(struct ox_api *a)
{
	int64_t t = a->o.metrics ? (int64_t)atomic_load(&a->o.metrics->event_clock_ms) : 0;
	if (t)
		return t;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (ox_time)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

enum ox_http_step api_blacklist_import(void *ctx, struct ox_http_req *r)
{
	struct change_state *st = change_state(r, CH_IMPORT, OX_BL_OP_ADD);
	st->rep = ox_xmalloc(sizeof *st->rep);
	char err[256];
	if (ox_bl_csv_parse(&st->op, r->body.data ? r->body.data : "", r->body.len, event_clock(ctx), st->rep, err)) {
		ox_http_error(r, 400, "invalid body", err);
		return OX_HTTP_DONE;
	}
	if (st->op.n == 0) { /* every record rejected, or none */
		import_reply(r, &(struct ox_bl_counts){ 0 }, st->rep);
		return OX_HTTP_DONE;
	}
	return submit(ctx, r, st);
}

void api_blacklist_finish(void *ctx, struct ox_http_req *r)
{
	struct change_state *st = r->state;
	const struct ox_job *j = &st->job;
	if (j->status) {
		api_writer_refused(ctx, r, j->status);
		return;
	}
	if (j->bl_rc == OX_BL_EFULL) {
		ox_http_error(r, 409, "blacklist full", j->bl_err);
		return;
	}
	if (j->bl_rc) {
		ox_http_error(r, 400, "invalid body", j->bl_err);
		return;
	}
	if (st->what == CH_IMPORT) {
		import_reply(r, &j->bl_counts, st->rep);
		return;
	}
	if (st->what == CH_REMOVE) {
		if (j->bl_counts.removed == 0) {
			char why[160];
			const struct ox_bl_item *it = &st->op.items[0];
			snprintf(why, sizeof why, "%s \"%.*s\" is not listed", ox_bl_kind_name(it->kind),
				 (int)ox_utf8_clip(it->value, it->len, 100), it->value);
			ox_http_error(r, 404, "not found", why);
			return;
		}
		r->status = 200;
		ox_buf_addf(&r->out, "{\"removed\":%zu}", j->bl_counts.removed);
		return;
	}
	r->status = 200;
	ox_buf_addf(&r->out, "{\"added\":%zu,\"updated\":%zu,\"entries\":[", j->bl_counts.added, j->bl_counts.updated);
	for (size_t i = 0; i < st->op.n; i++) {
		struct ox_bl_entry e;
		ox_bl_item_entry(&st->op, i, &e);
		if (i)
			ox_buf_addz(&r->out, ",");
		ox_bl_entry_json(&e, &r->out);
	}
	ox_buf_addz(&r->out, "]}");
}

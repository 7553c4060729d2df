/* api_inventory.c - stock levels and reservations (docs/inventory.md). Each
 * request is parsed here into an operation (inventory.h) and handed to the
 * writer, which owns the inventory: it applies the operation, logs it when
 * it changed something and answers once that is durable, with the status
 * and the JSON the inventory wrote. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_impl.h"
#include "inventory.h"
#include "writer.h"

/* Room for the writer's answer, made here (writer.h): a reservation of a
 * few items fits. */
#define ANSWER_ROOM 512

struct stock_state {
	struct ox_inv_op op;
	struct ox_job job;
};

static void stock_free(void *p)
{
	struct stock_state *st = p;
	ox_inv_op_release(&st->op);
	ox_job_release(&st->job);
	free(st);
}

static struct stock_state *stock_state(struct ox_http_req *r)
{
	struct stock_state *st = ox_xcalloc(1, sizeof *st);
	r->state = st;
	r->free_state = stock_free;
	return st;
}

static enum ox_http_step submit(struct ox_api *a, struct ox_http_req *r, struct stock_state *st)
{
	st->job = (struct ox_job){ .kind = OX_JOB_INVENTORY, .inv_op = &st->op, .done = api_job_done, .ctx = r };
	ox_buf_init(&st->job.text, SIZE_MAX);
	ox_buf_reserve(&st->job.text, ANSWER_ROOM);
	if (ox_writer_submit(a->o.writer, &st->job) < 0) {
		st->job.status = 503;
		ox_http_resume(r);
	}
	return OX_HTTP_SUSPENDED;
}

/* A write: the body is the operation. */
static enum ox_http_step write_op(void *ctx, struct ox_http_req *r, enum ox_inv_op_kind kind)
{
	struct stock_state *st = stock_state(r);
	char err[256];
	if (ox_inv_op_parse_body(&st->op, kind, r->body.data ? r->body.data : "", r->body.len, err)) {
		ox_http_error(r, 400, "invalid body", err);
		return OX_HTTP_DONE;
	}
	return submit(ctx, r, st);
}

enum ox_http_step api_inventory_levels(void *ctx, struct ox_http_req *r)
{
	return write_op(ctx, r, OX_INV_LEVELS);
}

enum ox_http_step api_inventory_reserve(void *ctx, struct ox_http_req *r)
{
	return write_op(ctx, r, OX_INV_RESERVE);
}

enum ox_http_step api_inventory_confirm(void *ctx, struct ox_http_req *r)
{
	return write_op(ctx, r, OX_INV_CONFIRM);
}

enum ox_http_step api_inventory_release(void *ctx, struct ox_http_req *r)
{
	return write_op(ctx, r, OX_INV_RELEASE);
}

/* A path parameter into a fixed field of the operation. */
static bool take_param(struct ox_http_req *r, char *dst, size_t max, const char *what)
{
	size_t n = strlen(r->param);
	if (n == 0 || n > max || !ox_utf8_text_ok(r->param, n, true)) {
		char d[96];
		snprintf(d, sizeof d, "%s: 1..%zu bytes of text", what, max);
		ox_http_error(r, 400, "invalid path", d);
		return false;
	}
	memcpy(dst, r->param, n + 1);
	return true;
}

enum ox_http_step api_inventory_get(void *ctx, struct ox_http_req *r)
{
	struct stock_state *st = stock_state(r);
	st->op.kind = OX_INV_GET_LEVEL;
	if (!take_param(r, st->op.sku, OX_INV_SKU_MAX, "sku"))
		return OX_HTTP_DONE;
	return submit(ctx, r, st);
}

enum ox_http_step api_inventory_reservation(void *ctx, struct ox_http_req *r)
{
	struct stock_state *st = stock_state(r);
	st->op.kind = OX_INV_GET_RESERVATION;
	if (!take_param(r, st->op.order_id, OX_INV_ORDER_MAX, "order_id"))
		return OX_HTTP_DONE;
	return submit(ctx, r, st);
}

enum ox_http_step api_inventory_list(void *ctx, struct ox_http_req *r)
{
	struct stock_state *st = stock_state(r);
	st->op.kind = OX_INV_LIST_LEVELS;
	st->op.limit = 100;
	const char *limit = ox_http_query(r, "limit"), *cursor = ox_http_query(r, "cursor");
	if (limit) {
		char *end;
		long v = strtol(limit, &end, 10);
		if (*limit == '\0' || *end || v < 1 || v > OX_INV_LIST_MAX) {
			ox_http_error(r, 400, "invalid query", "limit: an integer 1..1000");
			return OX_HTTP_DONE;
		}
		st->op.limit = (size_t)v;
	}
	if (cursor) {
		size_t n = strlen(cursor);
		if (n == 0 || n > OX_INV_SKU_MAX) {
			ox_http_error(r, 400, "invalid query", "cursor: the next_cursor of the page before");
			return OX_HTTP_DONE;
		}
		memcpy(st->op.sku, cursor, n + 1);
	}
	return submit(ctx, r, st);
}

/* The finish of every route above: the writer's answer. */
void api_inventory_finish(void *ctx, struct ox_http_req *r)
{
	struct stock_state *st = r->state;
	if (st->job.status) {
		api_writer_refused(ctx, r, st->job.status);
		return;
	}
	r->status = st->job.inv_status;
	ox_buf_add(&r->out, st->job.text.data, st->job.text.len);
}

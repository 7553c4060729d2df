/* api.h - the HTTP API v1 of `ordex serve`: the route table and its
 * handlers. Every endpoint is one row of the table in api.c and one path
 * in docs/openapi.json (served at /api/v1/openapi.json; a test keeps the
 * two in step). Errors are {"error":"...","detail":...} with the status
 * that says what happened.
 */
#ifndef OX_API_H
#define OX_API_H

#include <stddef.h>

#include "http.h"
#include "metrics.h"
#include "writer.h"

struct ox_api_opts {
	struct ox_writer *writer;
	const char *db_path;    /* the case store, opened read-only per HTTP thread */
	struct ox_metrics *metrics;
	size_t max_body;        /* POST /api/v1/events body limit, bytes */
	size_t max_line;        /* one event, bytes */
	unsigned retry_after_s; /* told to clients when the writer queue is full */
};

struct ox_api;
struct ox_api *ox_api_new(const struct ox_api_opts *o);
void ox_api_free(struct ox_api *a);

/* The route table, for ox_http_start() with ctx = the api. */
const struct ox_route *ox_api_routes(struct ox_api *a, size_t *n);

#endif

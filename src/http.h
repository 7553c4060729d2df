/* http.h - the HTTP server of `ordex serve`: HTTP/1.1 of ordex's own
 * (http_parse.h reads the bytes), a table of routes above.
 *
 * Requests are served by a pool of threads, each an epoll loop over its
 * share of the connections (keep-alive, pipelining, chunked bodies,
 * 100-continue, idle timeout, connection limit). A route's start()
 * runs once the whole body has arrived (bodies are limited per route: a
 * larger one is answered 413 without reading it all). start() either writes
 * the response into the request (status, out) and returns OX_HTTP_DONE, or
 * hands work to another thread and returns OX_HTTP_SUSPENDED, which parks
 * the request on its connection; that thread calls ox_http_resume() when
 * done, and finish() then writes the response on the connection's loop. A
 * parked request costs no thread, so a slow writer never ties up the server
 * and a slow client never ties up the writer. Resuming costs the resuming
 * thread a lock and, for the first request of a batch, one eventfd write:
 * the loop answers every request resumed since it last looked in one pass.
 */
#ifndef OX_HTTP_H
#define OX_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

struct ox_http_conn;
struct ox_http_head;
struct ox_http;
struct ox_http_req;

enum ox_http_step { OX_HTTP_DONE, OX_HTTP_SUSPENDED };

struct ox_route {
	const char *method;
	const char *pattern; /* "/api/v1/cases/{id}" (the rest of the path) or
			      * "/api/v1/cases/{id}/notes" (one segment): one {param} at most */
	enum ox_http_step (*start)(void *ctx, struct ox_http_req *r);
	void (*finish)(void *ctx, struct ox_http_req *r); /* after a suspension; may be NULL */
	size_t body_max;                                   /* 0: no body accepted */
	unsigned perm; /* what the caller must be allowed (the authorize hook's business); 0: public */
};

struct ox_http_req {
	struct ox_http *server;
	struct ox_http_conn *conn;
	const struct ox_http_head *head;
	const struct ox_route *route;
	const char *method, *path;
	char param[256];   /* the {param}: the rest of the (decoded) path */
	char allow[32];    /* for a 405: the methods the path has */
	struct ox_buf body;

	/* The response. */
	int status;
	struct ox_buf out;
	const char *content_type; /* default application/json */
	unsigned retry_after;     /* seconds; 0: no Retry-After header */

	void *state; /* the route's own, freed by its free_state */
	void (*free_state)(void *state);
	void *who;   /* the caller, as the authorize hook found it (freed with the request) */

	/* Extra response headers (ox_http_add_header); a Cache-Control among
	 * them replaces the default no-store. */
	struct {
		const char *name;
		char value[384];
	} headers[8];
	size_t n_headers;

	/* http.c's own */
	bool too_large; /* the body is over the route's limit: read and dropped */
	bool is_head;   /* HEAD: answered as GET, without the body */
	struct ox_http_req *next_resumed; /* the loop's list of requests woken by other threads */
};

/* Query-string and header values (NULL when absent). */
const char *ox_http_query(struct ox_http_req *r, const char *key);
const char *ox_http_header(struct ox_http_req *r, const char *key);
const char *ox_http_cookie(struct ox_http_req *r, const char *name);

/* Add a response header (Set-Cookie, WWW-Authenticate); the name must be a
 * constant. Beyond the table's room it is dropped (a bug, not input). */
void ox_http_add_header(struct ox_http_req *r, const char *name, const char *value);

/* Answer {"error":error,"detail":detail} (detail NULL: null). */
void ox_http_error(struct ox_http_req *r, int status, const char *error, const char *detail);

/* Wake a request whose start() returned OX_HTTP_SUSPENDED, from the thread
 * that did its work (or from start() itself, when handing it over failed). */
void ox_http_resume(struct ox_http_req *r);

struct ox_http_opts {
	const char *listen;        /* "HOST:PORT", "[v6]:PORT"; port 0 picks a free one */
	unsigned threads;          /* HTTP threads (2) */
	unsigned max_connections;  /* 1024 */
	unsigned timeout_s;        /* idle connection timeout (30) */
	double rate_limit;         /* requests/s per client address; 0 = none */
	const struct ox_route *routes;
	size_t n_routes;
	void *ctx;                 /* passed to the routes */
	/* Called for a route with perm != 0 before its body is read: returns
	 * true to go on (it may set r->who), or false with the answer (401,
	 * 403) written into r. */
	bool (*authorize)(void *ctx, struct ox_http_req *r);
	struct ox_metrics *metrics;
};

/* Start serving. Returns NULL with the reason in err. */
struct ox_http *ox_http_start(const struct ox_http_opts *o, char *err, size_t errsz);
unsigned ox_http_port(struct ox_http *h);
/* Stop accepting connections (the first step of a shutdown). */
void ox_http_quiesce(struct ox_http *h);
void ox_http_stop(struct ox_http *h);

#endif

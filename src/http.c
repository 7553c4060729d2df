/* http.c - see http.h. */
#include "http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "metrics.h"

/* The per-client rate limit: token buckets in a fixed table indexed by a
 * hash of the address. Clients that share a slot share a bucket, which
 * errs toward limiting: acceptable for a limit meant against floods. */
#define RATE_SLOTS 4096

/* How much of a refused body is read and dropped before answering. */
#define DRAIN_MAX (64u << 20)

struct bucket {
	double tokens, at;
};

struct ox_http {
	struct ox_http_opts o;
	struct MHD_Daemon *d;
	pthread_mutex_t rate_mu;
	struct bucket *rate;
};

enum { PHASE_NEW, PHASE_BODY, PHASE_SUSPENDED };

const char *ox_http_query(struct ox_http_req *r, const char *key)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

const char *ox_http_header(struct ox_http_req *r, const char *key)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, key);
}

const char *ox_http_cookie(struct ox_http_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

void ox_http_error(struct ox_http_req *r, int status, const char *error, const char *detail)
{
	r->status = status;
	r->content_type = "application/json";
	ox_buf_reset(&r->out);
	ox_buf_addz(&r->out, "{\"error\":");
	ox_buf_add_json_str(&r->out, error, strlen(error));
	ox_buf_addz(&r->out, ",\"detail\":");
	if (detail)
		ox_buf_add_json_str(&r->out, detail, strlen(detail));
	else
		ox_buf_addz(&r->out, "null");
	ox_buf_addz(&r->out, "}");
}

void ox_http_suspend(struct ox_http_req *r)
{
	r->phase = PHASE_SUSPENDED;
	MHD_suspend_connection(r->conn);
}

void ox_http_resume(struct ox_http_req *r)
{
	MHD_resume_connection(r->conn);
}

/* ---- routing ---------------------------------------------------------------- */

/* Does path match pattern? The {param} is the rest of the path after the
 * pattern's prefix, slashes included: libmicrohttpd has already decoded the
 * URL, so an order id "JD/2026/1" sent as JD%2F2026%2F1 arrives with its
 * slashes, and decoding again would turn "X%41" into "XA". */
void ox_http_add_header(struct ox_http_req *r, const char *name, const char *value)
{
	if (r->n_headers == OX_ARRAY_LEN(r->headers))
		return;
	r->headers[r->n_headers].name = name;
	snprintf(r->headers[r->n_headers++].value, sizeof r->headers[0].value, "%s", value);
}

/* A {param} at the end of a pattern takes the rest of the path; one in the
 * middle takes one segment, and what follows it must match exactly. */
static bool match(const char *pattern, const char *path, char param[256])
{
	const char *brace = strchr(pattern, '{');
	if (!brace)
		return strcmp(pattern, path) == 0;
	size_t prefix = (size_t)(brace - pattern);
	if (strncmp(pattern, path, prefix) != 0)
		return false;
	const char *after = strchr(brace, '}') + 1;
	const char *value = path + prefix;
	size_t n = *after ? strcspn(value, "/") : strlen(value);
	if (n == 0 || n >= 256 || (*after && strcmp(value + n, after) != 0))
		return false;
	memcpy(param, value, n);
	param[n] = '\0';
	return true;
}

/* The route for the request, or NULL with a 404 or 405 already written. */
/* The route for the request, or NULL with a 404 or 405 already written. HEAD
 * is served as GET (libmicrohttpd leaves the body out). */
static const struct ox_route *route(struct ox_http *h, struct ox_http_req *r)
{
	const char *method = strcmp(r->method, "HEAD") == 0 ? "GET" : r->method;
	r->allow[0] = '\0';
	for (size_t i = 0; i < h->o.n_routes; i++) {
		const struct ox_route *rt = &h->o.routes[i];
		if (!match(rt->pattern, r->path, r->param))
			continue;
		if (strcmp(rt->method, method) == 0)
			return rt;
		size_t n = strlen(r->allow);
		snprintf(r->allow + n, sizeof r->allow - n, "%s%s", n ? ", " : "", rt->method);
	}
	if (r->allow[0])
		ox_http_error(r, 405, "method not allowed", r->method);
	else
		ox_http_error(r, 404, "not found", r->path);
	return NULL;
}

static bool rate_limited(struct ox_http *h, struct MHD_Connection *c)
{
	if (h->o.rate_limit <= 0)
		return false;
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (!ci || !ci->client_addr)
		return false;
	const struct sockaddr *sa = ci->client_addr;
	uint64_t key = sa->sa_family == AF_INET6
			       ? ox_hash64(&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16)
			       : ox_hash64(&((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	double now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9, burst = 2 * h->o.rate_limit;
	pthread_mutex_lock(&h->rate_mu);
	struct bucket *b = &h->rate[key % RATE_SLOTS];
	b->tokens = b->at == 0 ? burst : b->tokens + (now - b->at) * h->o.rate_limit;
	if (b->tokens > burst)
		b->tokens = burst;
	b->at = now;
	bool limited = b->tokens < 1;
	if (!limited)
		b->tokens -= 1;
	pthread_mutex_unlock(&h->rate_mu);
	return limited;
}

/* ---- the libmicrohttpd callbacks --------------------------------------------- */

static enum MHD_Result respond(struct ox_http_req *r)
{
	static char empty[1];
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(r->out.len, r->out.data ? r->out.data : empty, MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", r->content_type ? r->content_type : "application/json");
	bool cache_control = false;
	for (size_t i = 0; i < r->n_headers; i++)
		cache_control |= strcmp(r->headers[i].name, "Cache-Control") == 0;
	if (!cache_control)
		MHD_add_response_header(resp, "Cache-Control", "no-store");
	if (r->retry_after) {
		char v[16];
		snprintf(v, sizeof v, "%u", r->retry_after);
		MHD_add_response_header(resp, "Retry-After", v);
	}
	if (r->status == 405)
		MHD_add_response_header(resp, "Allow", r->allow);
	for (size_t i = 0; i < r->n_headers; i++)
		MHD_add_response_header(resp, r->headers[i].name, r->headers[i].value);
	enum MHD_Result ok = MHD_queue_response(r->conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ok;
}

static size_t content_length(struct MHD_Connection *c)
{
	const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	return v ? (size_t)strtoull(v, NULL, 10) : 0;
}

/* A body the route does not take (400), or one over its limit (413). */
static void refuse_body(struct ox_http *h, struct ox_http_req *r)
{
	if (r->route->body_max == 0) {
		ox_http_error(r, 400, "unexpected body", "this endpoint takes no request body");
		return;
	}
	char why[96];
	snprintf(why, sizeof why, "body over the limit of %zu bytes", r->route->body_max);
	ox_http_error(r, 413, "payload too large", why);
	if (h->o.metrics)
		OX_METRIC_ADD(h->o.metrics, requests_too_large, 1);
}

static struct ox_http_req *new_request(struct ox_http *h, struct MHD_Connection *c, const char *url,
				       const char *method)
{
	struct ox_http_req *r = ox_xcalloc(1, sizeof *r);
	r->server = h;
	r->conn = c;
	r->method = method;
	r->path = url;
	ox_buf_init(&r->out, SIZE_MAX);
	/* Health checks and scrapes are never limited: a monitor must not be
	 * told "too many requests" about a daemon that is fine. */
	if (strncmp(url, "/api/", 5) == 0 && rate_limited(h, c)) {
		ox_http_error(r, 429, "rate limited", "too many requests from this address; retry later");
		r->retry_after = 1;
		if (h->o.metrics)
			OX_METRIC_ADD(h->o.metrics, requests_rate_limited, 1);
		return r;
	}
	r->route = route(h, r);
	if (!r->route)
		return r;
	if (r->route->perm && h->o.authorize && !h->o.authorize(h->o.ctx, r)) {
		r->route = NULL; /* answered: the body is not read */
		return r;
	}
	ox_buf_init(&r->body, r->route->body_max);
	/* A body over the limit is read and dropped (a client that writes all
	 * of it before reading would otherwise see a broken pipe, not the 413),
	 * unless it is so large that reading it is the bigger harm. */
	size_t len = content_length(c);
	if (len > r->route->body_max + DRAIN_MAX)
		refuse_body(h, r);
	else if (len > r->route->body_max)
		r->too_large = true;
	return r;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	(void)version;
	struct ox_http *h = cls;
	struct ox_http_req *r = *con_cls;
	if (!r) {
		*con_cls = r = new_request(h, c, url, method);
		r->phase = PHASE_BODY;
		/* Refuse early: libmicrohttpd then skips the body and closes. */
		return r->status ? respond(r) : MHD_YES;
	}
	if (*upload_size) {
		if (!r->too_large && ox_buf_add(&r->body, upload, *upload_size) < 0)
			r->too_large = true; /* no Content-Length (chunked): found out late */
		*upload_size = 0;
		return MHD_YES;
	}
	if (r->phase == PHASE_SUSPENDED) {
		r->route->finish(h->o.ctx, r);
	} else if (r->too_large) {
		refuse_body(h, r);
	} else if (r->route->start(h->o.ctx, r) == OX_HTTP_SUSPENDED) {
		return MHD_YES;
	}
	return respond(r);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	struct ox_http_req *r = *con_cls;
	if (!r)
		return;
	if (r->free_state)
		r->free_state(r->state);
	free(r->who);
	ox_buf_release(&r->body);
	ox_buf_release(&r->out);
	free(r);
	*con_cls = NULL;
}

/* ---- start and stop ----------------------------------------------------------- */

static int parse_listen(const char *listen, struct sockaddr_storage *ss, char *err, size_t errsz)
{
	memset(ss, 0, sizeof *ss);
	const char *colon = strrchr(listen, ':');
	char host[128];
	if (!colon || (size_t)(colon - listen) >= sizeof host) {
		snprintf(err, errsz, "--listen: expected HOST:PORT, got '%s'", listen);
		return -1;
	}
	memcpy(host, listen, (size_t)(colon - listen));
	host[colon - listen] = '\0';
	char *end;
	unsigned long port = strtoul(colon + 1, &end, 10);
	if (*end || end == colon + 1 || port > 65535) {
		snprintf(err, errsz, "--listen: bad port in '%s'", listen);
		return -1;
	}
	size_t hl = strlen(host);
	if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		host[hl - 1] = '\0';
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host + 1, &a->sin6_addr) == 1)
			return 0;
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		if (strcmp(host, "localhost") == 0)
			snprintf(host, sizeof host, "127.0.0.1");
		if (inet_pton(AF_INET, host, &a->sin_addr) == 1)
			return 0;
	}
	snprintf(err, errsz, "--listen: '%s' is not a numeric IPv4 or [IPv6] address", host);
	return -1;
}

struct ox_http *ox_http_start(const struct ox_http_opts *o, char *err, size_t errsz)
{
	struct sockaddr_storage ss;
	if (parse_listen(o->listen, &ss, err, errsz) < 0)
		return NULL;
	struct ox_http *h = ox_xcalloc(1, sizeof *h);
	h->o = *o;
	if (!h->o.threads)
		h->o.threads = 2;
	if (!h->o.max_connections)
		h->o.max_connections = 1024;
	if (!h->o.timeout_s)
		h->o.timeout_s = 30;
	h->rate = ox_xcalloc(RATE_SLOTS, sizeof *h->rate);
	pthread_mutex_init(&h->rate_mu, NULL);
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	h->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h,
				MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				MHD_OPTION_THREAD_POOL_SIZE, h->o.threads,
				MHD_OPTION_CONNECTION_LIMIT, h->o.max_connections,
				MHD_OPTION_CONNECTION_TIMEOUT, h->o.timeout_s,
				MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
				MHD_OPTION_END);
	if (!h->d) {
		snprintf(err, errsz, "cannot listen on %s (in use, or not an address of this machine?)", o->listen);
		pthread_mutex_destroy(&h->rate_mu);
		free(h->rate);
		free(h);
		return NULL;
	}
	return h;
}

unsigned ox_http_port(struct ox_http *h)
{
	const union MHD_DaemonInfo *i = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	return i ? i->port : 0;
}

void ox_http_quiesce(struct ox_http *h)
{
	MHD_socket fd = MHD_quiesce_daemon(h->d);
	if (fd != MHD_INVALID_SOCKET)
		close(fd); /* now ours */
}

void ox_http_stop(struct ox_http *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->d);
	pthread_mutex_destroy(&h->rate_mu);
	free(h->rate);
	free(h);
}

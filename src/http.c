/* http.c - see http.h.
 *
 * Each HTTP thread runs one loop: an epoll set with the listening socket
 * (EPOLLEXCLUSIVE, so one loop takes each new connection), its eventfd
 * (requests resumed by other threads, and the stop), and its connections,
 * each registered once, edge-triggered, for reading and writing: parking a
 * request and waking it cost no epoll_ctl. A connection is a small state
 * machine, advanced by conn_advance() whenever something happened to it:
 *
 *   HEAD ──head parsed──► BODY ──body complete──► start() ─┬─► answer ─► HEAD
 *                                                          └─► PARKED ──resumed──► finish(), answer ─► HEAD
 *
 * and CLOSING once an answer that ends the connection is queued. Bytes are
 * read only when the state needs more of them; a read that fills less than
 * the room it was given emptied the socket, and the next edge says when
 * more came (no read that only returns EAGAIN). Answers are written at
 * once; what the socket does not take waits for its EPOLLOUT edge (not
 * while the connection is parked: its request belongs to another thread
 * until resumed, and a failed send would close it), and a connection with
 * more than OUT_PAUSE unsent is not read until it drains.
 */
#define _GNU_SOURCE /* accept4, pthread_setname_np */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http_parse.h"
#include "metrics.h"

/* The per-client rate limit: token buckets in a fixed table indexed by a
 * hash of the address. Clients that share a slot share a bucket, which
 * errs toward limiting: acceptable for a limit meant against floods. */
#define RATE_SLOTS 4096

/* How much of a refused body is read and dropped before answering: a
 * client that writes all of it before reading would otherwise see its
 * connection reset, not the answer. Beyond this the connection is closed. */
#define DRAIN_MAX (64u << 20)

#define IN_CAP OX_HTTP_HEAD_MAX  /* bytes read ahead per connection: a head fits */
#define OUT_PAUSE (256u << 10)   /* unsent answers before a connection is no longer read */
#define OUT_KEEP (64u << 10)     /* output room a connection keeps between answers */
#define EVENTS 64                /* epoll events per wait */
#define ACCEPT_PAUSE 0.1         /* seconds without accepting when out of descriptors */

struct bucket {
	double tokens, at;
};

enum conn_state { CONN_HEAD, CONN_BODY, CONN_PARKED, CONN_CLOSING };

/* A list of connections, oldest activity first (for the idle timeout). */
struct conn_list {
	struct ox_http_conn *first, *last;
};

struct loop {
	struct ox_http *h;
	pthread_t thread;
	int epfd, wakefd;
	pthread_mutex_t mu;           /* guards resumed, stop and quiesced */
	struct ox_http_req *resumed;  /* woken by other threads, not yet answered (a stack) */
	bool stop, quiesced;
	double accept_again;          /* out of descriptors: accepting paused until then, 0: not */
	struct conn_list active;      /* reading a request or writing answers */
	struct conn_list parked;      /* a request handed to another thread */
	struct ox_http_conn *dead;    /* closed in this pass, freed after it */
	time_t date_at;               /* the second date was written for */
	char date[40];
};

struct ox_http_conn {
	struct loop *loop;
	int fd;
	struct sockaddr_storage addr;
	enum conn_state state;
	char in[IN_CAP];
	size_t in_len;
	struct ox_http_head_scan scan; /* of the head at the start of in */
	bool in_empty;   /* the last read emptied the socket: wait for the next edge */
	struct ox_buf out;
	size_t out_sent;
	struct ox_http_req *req;     /* the request being read or served */
	/* The body being read. */
	bool chunked, drain, keep_alive;
	uint64_t body_left;          /* Content-Length bytes still to come */
	uint64_t drained;            /* bytes dropped (chunked) */
	struct ox_http_chunks chunks;
	struct ox_buf scratch;       /* decoded chunks, before they join the body */
	double active_at;            /* monotonic seconds of the last progress */
	struct ox_http_conn *prev, *next;
};

/* A request with its head: the parsed fields point into buf. */
struct request {
	struct ox_http_req pub;
	struct ox_http_head head;
	char buf[];
};

struct ox_http {
	struct ox_http_opts o;
	int listen_fd;
	unsigned port;
	struct loop *loops;
	atomic_uint n_conns;
	pthread_mutex_t rate_mu;
	struct bucket *rate;
};

/* Tags of the epoll events that are not connections. */
static char tag_listen, tag_wake;

/* ---- what the routes see ------------------------------------------------------ */

const char *ox_http_query(struct ox_http_req *r, const char *key)
{
	return ox_http_field(r->head->args, r->head->n_args, key, false);
}

const char *ox_http_header(struct ox_http_req *r, const char *key)
{
	return ox_http_field(r->head->headers, r->head->n_headers, key, true);
}

const char *ox_http_cookie(struct ox_http_req *r, const char *name)
{
	return ox_http_field(r->head->cookies, r->head->n_cookies, name, false);
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

void ox_http_add_header(struct ox_http_req *r, const char *name, const char *value)
{
	if (r->n_headers == OX_ARRAY_LEN(r->headers))
		return;
	r->headers[r->n_headers].name = name;
	snprintf(r->headers[r->n_headers++].value, sizeof r->headers[0].value, "%s", value);
}

void ox_http_resume(struct ox_http_req *r)
{
	struct loop *l = r->conn->loop;
	pthread_mutex_lock(&l->mu);
	bool first = !l->resumed;
	r->next_resumed = l->resumed;
	l->resumed = r;
	pthread_mutex_unlock(&l->mu);
	if (first) { /* the loop has not been told since it last looked */
		uint64_t one = 1;
		if (write(l->wakefd, &one, sizeof one) < 0) {
			/* the counter cannot overflow here; nothing to do */
		}
	}
}

/* ---- routing ---------------------------------------------------------------- */

/* Does path match pattern? The {param} is the rest of the path after the
 * pattern's prefix, slashes included: the path is decoded already, so an
 * order id "JD/2026/1" sent as JD%2F2026%2F1 arrives with its slashes, and
 * decoding again would turn "X%41" into "XA". A {param} at the end of a
 * pattern takes the rest of the path; one in the middle takes one segment,
 * and what follows it must match exactly. */
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

/* The route for the request, or NULL with a 404 or 405 already written. HEAD
 * is served as GET, without the body. */
static const struct ox_route *route(struct ox_http *h, struct ox_http_req *r)
{
	const char *method = r->is_head ? "GET" : r->method;
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

static bool rate_limited(struct ox_http *h, const struct sockaddr_storage *sa)
{
	if (h->o.rate_limit <= 0)
		return false;
	uint64_t key = sa->ss_family == AF_INET6
			       ? ox_hash64(&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16)
			       : ox_hash64(&((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
	double now = ox_mono_seconds(), burst = 2 * h->o.rate_limit;
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

/* ---- connections -------------------------------------------------------------- */

static void list_remove(struct conn_list *l, struct ox_http_conn *c)
{
	*(c->prev ? &c->prev->next : &l->first) = c->next;
	*(c->next ? &c->next->prev : &l->last) = c->prev;
	c->prev = c->next = NULL;
}

static void list_append(struct conn_list *l, struct ox_http_conn *c)
{
	c->prev = l->last;
	c->next = NULL;
	*(l->last ? &l->last->next : &l->first) = c;
	l->last = c;
}

/* Something happened on an active connection: it goes to the end of the
 * idle order. */
static void touch(struct ox_http_conn *c)
{
	c->active_at = ox_mono_seconds();
	list_remove(&c->loop->active, c);
	list_append(&c->loop->active, c);
}

static void free_request(struct ox_http_req *r)
{
	if (!r)
		return;
	if (r->free_state)
		r->free_state(r->state);
	free(r->who);
	ox_buf_release(&r->body);
	ox_buf_release(&r->out);
	free(r);
}

/* Close now; the memory goes once the loop's pass is over, since an event
 * of the same pass may still name the connection. */
static void conn_close(struct ox_http_conn *c)
{
	if (c->fd < 0)
		return;
	close(c->fd);
	c->fd = -1;
	list_remove(c->state == CONN_PARKED ? &c->loop->parked : &c->loop->active, c);
	c->next = c->loop->dead;
	c->loop->dead = c;
	atomic_fetch_sub(&c->loop->h->n_conns, 1);
}

static void conn_free(struct ox_http_conn *c)
{
	free_request(c->req);
	ox_buf_release(&c->out);
	ox_buf_release(&c->scratch);
	free(c);
}

/* Send what is queued; false when the connection broke. */
static bool flush(struct ox_http_conn *c)
{
	while (c->out_sent < c->out.len) {
		ssize_t n = send(c->fd, c->out.data + c->out_sent, c->out.len - c->out_sent, MSG_NOSIGNAL);
		if (n > 0) {
			c->out_sent += (size_t)n;
			touch(c);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return true; /* the EPOLLOUT edge comes back here */
		conn_close(c);
		return false;
	}
	if (c->out.cap > OUT_KEEP)
		ox_buf_release(&c->out); /* a large answer's room is not kept for the connection's life */
	else
		ox_buf_reset(&c->out);
	c->out_sent = 0;
	if (c->state == CONN_CLOSING) {
		conn_close(c);
		return false;
	}
	return true;
}

/* Read what the socket has, into the room after in_len. Returns true when
 * bytes came; false when there are none for now (or the connection was
 * closed: check c->fd). */
static bool read_more(struct ox_http_conn *c)
{
	if (c->in_empty || c->out.len - c->out_sent > OUT_PAUSE)
		return false;
	size_t room = IN_CAP - c->in_len;
	if (room == 0)
		return false; /* the state machine consumes before it asks again */
	for (;;) {
		ssize_t n = recv(c->fd, c->in + c->in_len, room, 0);
		if (n > 0) {
			c->in_len += (size_t)n;
			c->in_empty = (size_t)n < room;
			touch(c);
			return true;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			c->in_empty = true;
			return false;
		}
		/* The peer is gone (or half-closed: a request it has not
		 * finished sending cannot be answered). */
		conn_close(c);
		return false;
	}
}

static void consume(struct ox_http_conn *c, size_t n)
{
	memmove(c->in, c->in + n, c->in_len - n);
	c->in_len -= n;
}

static const struct {
	int status;
	const char *reason;
} reasons[] = {
	{ 100, "Continue" },
	{ 200, "OK" },
	{ 201, "Created" },
	{ 202, "Accepted" },
	{ 204, "No Content" },
	{ 304, "Not Modified" },
	{ 400, "Bad Request" },
	{ 401, "Unauthorized" },
	{ 403, "Forbidden" },
	{ 404, "Not Found" },
	{ 405, "Method Not Allowed" },
	{ 409, "Conflict" },
	{ 410, "Gone" },
	{ 411, "Length Required" },
	{ 413, "Content Too Large" },
	{ 415, "Unsupported Media Type" },
	{ 422, "Unprocessable Content" },
	{ 429, "Too Many Requests" },
	{ 431, "Request Header Fields Too Large" },
	{ 500, "Internal Server Error" },
	{ 501, "Not Implemented" },
	{ 502, "Bad Gateway" },
	{ 503, "Service Unavailable" },
	{ 504, "Gateway Timeout" },
	{ 505, "HTTP Version Not Supported" },
};

static const char *reason(int status)
{
	for (size_t i = 0; i < OX_ARRAY_LEN(reasons); i++)
		if (reasons[i].status == status)
			return reasons[i].reason;
	return "Unknown";
}

static const char *http_date(struct loop *l)
{
	time_t now = time(NULL);
	if (now != l->date_at) {
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(l->date, sizeof l->date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
		l->date_at = now;
	}
	return l->date;
}

static void add_field(struct ox_buf *o, const char *name, const char *value)
{
	ox_buf_addz(o, name);
	ox_buf_add(o, ": ", 2);
	ox_buf_addz(o, value);
	ox_buf_add(o, "\r\n", 2);
}

static void add_number_field(struct ox_buf *o, const char *name, int64_t n)
{
	ox_buf_addz(o, name);
	ox_buf_add(o, ": ", 2);
	ox_buf_add_int(o, n);
	ox_buf_add(o, "\r\n", 2);
}

/* Queue the request's answer, free it and go on to the next. The head is
 * put together piece by piece: it is written for every request, and a
 * printf per line was a few percent of a reservation's CPU. */
static void answer(struct ox_http_conn *c)
{
	struct ox_http_req *r = c->req;
	struct ox_buf *o = &c->out;
	bool no_body = r->status == 204 || r->status == 304;
	char status[4] = { (char)('0' + r->status / 100 % 10), (char)('0' + r->status / 10 % 10),
			   (char)('0' + r->status % 10), ' ' };
	ox_buf_addz(o, "HTTP/1.1 ");
	ox_buf_add(o, status, sizeof status);
	ox_buf_addz(o, reason(r->status));
	ox_buf_add(o, "\r\n", 2);
	add_field(o, "Date", http_date(c->loop));
	add_field(o, "Content-Type", r->content_type ? r->content_type : "application/json");
	bool cache_control = false;
	for (size_t i = 0; i < r->n_headers; i++) {
		cache_control |= strcmp(r->headers[i].name, "Cache-Control") == 0;
		add_field(o, r->headers[i].name, r->headers[i].value);
	}
	if (!cache_control)
		add_field(o, "Cache-Control", "no-store");
	if (r->retry_after)
		add_number_field(o, "Retry-After", r->retry_after);
	if (r->status == 405)
		add_field(o, "Allow", r->allow);
	if (!no_body)
		add_number_field(o, "Content-Length", (int64_t)r->out.len);
	if (!c->keep_alive)
		add_field(o, "Connection", "close");
	else if (r->head->minor == 0)
		add_field(o, "Connection", "keep-alive");
	ox_buf_add(o, "\r\n", 2);
	if (!no_body && !r->is_head)
		ox_buf_add(o, r->out.data, r->out.len);
	free_request(r);
	c->req = NULL;
	c->state = c->keep_alive ? CONN_HEAD : CONN_CLOSING;
	flush(c);
}

/* A head that cannot be parsed: answer and close. */
static void refuse_head(struct ox_http_conn *c, int status, const char *why)
{
	static const struct ox_http_head http10 = { .minor = 0 };
	struct request *q = ox_xcalloc(1, sizeof *q);
	q->pub.head = &http10;
	ox_buf_init(&q->pub.out, SIZE_MAX);
	c->req = &q->pub;
	ox_http_error(&q->pub, status, status == 431 ? "request header fields too large" : "bad request", why);
	c->keep_alive = false;
	answer(c);
}

/* The body is complete (or dropped): start the route, or answer. */
static void serve(struct ox_http_conn *c)
{
	struct ox_http *h = c->loop->h;
	struct ox_http_req *r = c->req;
	if (!r->status) {
		if (r->too_large) {
			refuse_body(h, r);
		} else if (r->route->start(h->o.ctx, r) == OX_HTTP_SUSPENDED) {
			list_remove(&c->loop->active, c);
			list_append(&c->loop->parked, c);
			c->state = CONN_PARKED;
			return;
		}
	}
	answer(c);
}

/* A new request's head: find its route, check who asks, and decide what
 * becomes of its body. */
static void start_request(struct ox_http_conn *c, size_t head_len)
{
	struct ox_http *h = c->loop->h;
	struct request *q = ox_xcalloc(1, sizeof *q + head_len + 1);
	memcpy(q->buf, c->in, head_len);
	consume(c, head_len);
	c->scan = (struct ox_http_head_scan){ 0 };
	const char *why = NULL;
	int bad = ox_http_parse_head(q->buf, head_len, &q->head, &why);
	if (bad) {
		free(q);
		refuse_head(c, bad, why);
		return;
	}
	struct ox_http_req *r = &q->pub;
	const struct ox_http_head *hd = &q->head;
	c->req = r;
	r->server = h;
	r->conn = c;
	r->head = hd;
	r->method = hd->method;
	r->path = hd->path;
	r->is_head = strcmp(hd->method, "HEAD") == 0;
	ox_buf_init(&r->out, SIZE_MAX);
	c->keep_alive = hd->keep_alive;
	c->chunked = hd->chunked;
	c->body_left = hd->content_length;
	c->drained = 0;
	c->chunks = (struct ox_http_chunks){ 0 };
	bool has_body = hd->chunked || hd->content_length > 0;

	/* Health checks and scrapes are never limited: a monitor must not be
	 * told "too many requests" about a daemon that is fine. */
	if (strncmp(r->path, "/api/", 5) == 0 && rate_limited(h, &c->addr)) {
		ox_http_error(r, 429, "rate limited", "too many requests from this address; retry later");
		r->retry_after = 1;
		if (h->o.metrics)
			OX_METRIC_ADD(h->o.metrics, requests_rate_limited, 1);
	} else if ((r->route = route(h, r)) && r->route->perm && h->o.authorize &&
		   !h->o.authorize(h->o.ctx, r) && !r->status) {
		ox_http_error(r, 500, "internal error", "the caller could not be checked");
	}
	if (!r->status) {
		ox_buf_init(&r->body, r->route->body_max);
		if (hd->content_length > r->route->body_max + (uint64_t)DRAIN_MAX) {
			refuse_body(h, r); /* reading it all is the bigger harm */
		} else if (hd->content_length > r->route->body_max) {
			r->too_large = true;
		}
	}
	c->drain = r->status || r->too_large;
	if (r->status && has_body && (hd->expect_continue || hd->content_length > DRAIN_MAX))
		c->keep_alive = false; /* answered at once; the body, if sent, is not read */
	if (!has_body || (r->status && !c->keep_alive)) {
		serve(c);
		return;
	}
	if (hd->expect_continue && !c->drain) {
		ox_buf_addz(&c->out, "HTTP/1.1 100 Continue\r\n\r\n");
		if (!flush(c))
			return;
	}
	c->state = CONN_BODY;
}

/* Take what arrived of the body from in. Returns true when it is complete. */
static bool take_body(struct ox_http_conn *c)
{
	struct ox_http_req *r = c->req;
	if (!c->chunked) {
		size_t n = c->body_left < c->in_len ? (size_t)c->body_left : c->in_len;
		if (!c->drain && ox_buf_add(&r->body, c->in, n) < 0)
			c->drain = r->too_large = true; /* cannot happen: the length was checked */
		consume(c, n);
		c->body_left -= n;
		return c->body_left == 0;
	}
	const char *why = NULL;
	ox_buf_reset(&c->scratch);
	ssize_t n = ox_http_chunks_feed(&c->chunks, c->in, c->in_len, &c->scratch, &why);
	if (n < 0) {
		ox_http_error(r, 400, "bad request", why ? why : "malformed chunked body");
		c->keep_alive = false;
		return true;
	}
	consume(c, (size_t)n);
	if (!c->drain && ox_buf_add(&r->body, c->scratch.data, c->scratch.len) < 0)
		c->drain = r->too_large = true; /* no Content-Length: found out late */
	if (c->drain) {
		c->drained += c->scratch.len;
		if (c->drained > DRAIN_MAX) {
			if (!r->status)
				refuse_body(c->loop->h, r);
			c->keep_alive = false;
			return true;
		}
	}
	return c->chunks.done;
}

/* Advance the connection as far as its bytes allow. */
static void conn_advance(struct ox_http_conn *c)
{
	while (c->fd >= 0) {
		switch (c->state) {
		case CONN_HEAD: {
			ssize_t end = ox_http_head_scan(&c->scan, c->in, c->in_len);
			if (end < 0) {
				refuse_head(c, 431, "the request line and headers are over 16 KiB");
			} else if (end > 0) {
				start_request(c, (size_t)end);
			} else if (!read_more(c)) {
				return;
			}
			break;
		}
		case CONN_BODY:
			if (c->in_len > 0 && take_body(c))
				serve(c);
			else if (!read_more(c))
				return;
			break;
		case CONN_PARKED:
		case CONN_CLOSING:
			return;
		}
	}
}

/* ---- the loop ------------------------------------------------------------------- */

static void accept_all(struct loop *l)
{
	struct ox_http *h = l->h;
	for (int i = 0; i < EVENTS; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		int fd = accept4(h->listen_fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0 && (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)) {
			/* The connection stays queued, and the socket readable: left
			 * in the set, it would spin this loop until a descriptor is
			 * free. Out of the set for a while instead. */
			epoll_ctl(l->epfd, EPOLL_CTL_DEL, h->listen_fd, NULL);
			l->accept_again = ox_mono_seconds() + ACCEPT_PAUSE;
			return;
		}
		if (fd < 0)
			return; /* EAGAIN: another loop took it, or none left; or quiesced */
		if (atomic_fetch_add(&h->n_conns, 1) >= h->o.max_connections) {
			atomic_fetch_sub(&h->n_conns, 1);
			close(fd);
			continue;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		struct ox_http_conn *c = ox_xcalloc(1, sizeof *c);
		c->loop = l;
		c->fd = fd;
		c->addr = ss;
		ox_buf_init(&c->out, SIZE_MAX);
		ox_buf_init(&c->scratch, SIZE_MAX);
		c->active_at = ox_mono_seconds();
		list_append(&l->active, c);
		struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = c };
		if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			conn_close(c);
			continue;
		}
		conn_advance(c); /* the request often came with the handshake */
	}
}

/* Answer the requests other threads have resumed. */
static bool take_resumed(struct loop *l)
{
	uint64_t n;
	if (read(l->wakefd, &n, sizeof n) < 0) {
		/* EAGAIN: a wake-up already taken */
	}
	pthread_mutex_lock(&l->mu);
	struct ox_http_req *r = l->resumed;
	l->resumed = NULL;
	bool stop = l->stop;
	pthread_mutex_unlock(&l->mu);
	/* The stack holds the latest first; answer in the order they came. */
	struct ox_http_req *in_order = NULL;
	while (r) {
		struct ox_http_req *next = r->next_resumed;
		r->next_resumed = in_order;
		in_order = r;
		r = next;
	}
	for (r = in_order; r;) {
		struct ox_http_req *next = r->next_resumed;
		struct ox_http_conn *c = r->conn;
		if (r->route->finish)
			r->route->finish(l->h->o.ctx, r);
		list_remove(&l->parked, c);
		list_append(&l->active, c);
		c->active_at = ox_mono_seconds();
		c->state = CONN_HEAD; /* answer() sets where it goes */
		answer(c);
		conn_advance(c);
		r = next;
	}
	return stop;
}

static void expire_idle(struct loop *l, double now)
{
	double timeout = l->h->o.timeout_s;
	while (l->active.first && now - l->active.first->active_at > timeout)
		conn_close(l->active.first);
}

static void free_dead(struct loop *l)
{
	while (l->dead) {
		struct ox_http_conn *c = l->dead;
		l->dead = c->next;
		conn_free(c);
	}
}

static void on_conn_event(struct ox_http_conn *c, uint32_t events)
{
	if (c->fd < 0)
		return;
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		c->in_empty = false;
	if (c->state == CONN_PARKED)
		return; /* looked at when it is resumed */
	if ((events & EPOLLOUT) && c->out.len > c->out_sent && !flush(c))
		return;
	conn_advance(c);
}

/* Accepting again after a pause, unless the server was quiesced meanwhile. */
static void accept_again(struct loop *l, double now)
{
	if (!l->accept_again || now < l->accept_again)
		return;
	l->accept_again = 0;
	struct epoll_event lis = { .events = EPOLLIN | EPOLLEXCLUSIVE, .data.ptr = &tag_listen };
	pthread_mutex_lock(&l->mu);
	if (!l->quiesced)
		epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->h->listen_fd, &lis);
	pthread_mutex_unlock(&l->mu);
}

static void *loop_run(void *arg)
{
	struct loop *l = arg;
	struct epoll_event evs[EVENTS];
	bool stop = false;
	while (!stop) {
		int n = epoll_wait(l->epfd, evs, EVENTS, l->accept_again ? (int)(ACCEPT_PAUSE * 1000) : 1000);
		for (int i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;
			if (p == &tag_listen)
				accept_all(l);
			else if (p == &tag_wake)
				stop = take_resumed(l);
			else
				on_conn_event(p, evs[i].events);
		}
		double now = ox_mono_seconds();
		expire_idle(l, now);
		accept_again(l, now);
		free_dead(l);
	}
	return NULL;
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

static int open_listener(const struct sockaddr_storage *ss, unsigned *port)
{
	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	socklen_t sl = ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	struct sockaddr_storage bound;
	socklen_t bl = sizeof bound;
	if (bind(fd, (const struct sockaddr *)ss, sl) < 0 || listen(fd, 1024) < 0 ||
	    getsockname(fd, (struct sockaddr *)&bound, &bl) < 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
						  : ((struct sockaddr_in *)&bound)->sin_port);
	return fd;
}

static int loop_init(struct loop *l, struct ox_http *h)
{
	l->h = h;
	pthread_mutex_init(&l->mu, NULL);
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	l->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (l->epfd < 0 || l->wakefd < 0)
		return -1;
	struct epoll_event wake = { .events = EPOLLIN, .data.ptr = &tag_wake };
	struct epoll_event lis = { .events = EPOLLIN | EPOLLEXCLUSIVE, .data.ptr = &tag_listen };
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->wakefd, &wake) < 0 ||
	    epoll_ctl(l->epfd, EPOLL_CTL_ADD, h->listen_fd, &lis) < 0)
		return -1;
	return 0;
}

static void loop_release(struct loop *l)
{
	while (l->active.first)
		conn_close(l->active.first);
	while (l->parked.first)
		conn_close(l->parked.first);
	free_dead(l);
	if (l->epfd >= 0)
		close(l->epfd);
	if (l->wakefd >= 0)
		close(l->wakefd);
	pthread_mutex_destroy(&l->mu);
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
	h->listen_fd = open_listener(&ss, &h->port);
	if (h->listen_fd < 0) {
		snprintf(err, errsz, "cannot listen on %s (in use, or not an address of this machine?)", o->listen);
		free(h);
		return NULL;
	}
	h->rate = ox_xcalloc(RATE_SLOTS, sizeof *h->rate);
	pthread_mutex_init(&h->rate_mu, NULL);
	h->loops = ox_xcalloc(h->o.threads, sizeof *h->loops);
	for (unsigned i = 0; i < h->o.threads; i++) {
		struct loop *l = &h->loops[i];
		l->epfd = l->wakefd = -1;
		if (loop_init(l, h) < 0 || pthread_create(&l->thread, NULL, loop_run, l) != 0) {
			snprintf(err, errsz, "cannot start HTTP thread %u: %s", i, strerror(errno));
			loop_release(l);
			h->o.threads = i;
			ox_http_stop(h);
			return NULL;
		}
		char name[16];
		snprintf(name, sizeof name, "ordex-http%u", i % 100);
		pthread_setname_np(l->thread, name);
	}
	return h;
}

unsigned ox_http_port(struct ox_http *h)
{
	return h->port;
}

void ox_http_quiesce(struct ox_http *h)
{
	for (unsigned i = 0; i < h->o.threads; i++) {
		struct loop *l = &h->loops[i];
		pthread_mutex_lock(&l->mu);
		l->quiesced = true;
		epoll_ctl(l->epfd, EPOLL_CTL_DEL, h->listen_fd, NULL);
		pthread_mutex_unlock(&l->mu);
	}
	/* New connections are refused from here; the descriptor is closed
	 * with the server, when no loop can be accepting on it. */
	shutdown(h->listen_fd, SHUT_RDWR);
}

/* Each loop answers what was resumed before the stop (the writer wakes
 * every parked request before the server stops), then closes its
 * connections. */
void ox_http_stop(struct ox_http *h)
{
	if (!h)
		return;
	for (unsigned i = 0; i < h->o.threads; i++) {
		struct loop *l = &h->loops[i];
		pthread_mutex_lock(&l->mu);
		l->stop = true;
		pthread_mutex_unlock(&l->mu);
		uint64_t one = 1;
		if (write(l->wakefd, &one, sizeof one) < 0) {
			/* cannot fail on a counter this small */
		}
	}
	for (unsigned i = 0; i < h->o.threads; i++) {
		pthread_join(h->loops[i].thread, NULL);
		loop_release(&h->loops[i]);
	}
	close(h->listen_fd);
	pthread_mutex_destroy(&h->rate_mu);
	free(h->loops);
	free(h->rate);
	free(h);
}

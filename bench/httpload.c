/* httpload.c - a load generator for the HTTP ingest endpoint.
 *
 *   cc -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -O2 \
 *      -o build/httpload bench/httpload.c -lpthread
 *   httpload --url http://127.0.0.1:PORT/api/v1/events --file EVENTS.ndjson \
 *            --batch B --connections C [--rate EVENTS_PER_S] [--duration S] \
 *            [--max-events N] [--header "Name: value"]... [--json]
 *
 * The file is read into memory and cut into batches of B lines in file order.
 * C threads, one keep-alive connection each, take the next batch index from
 * an atomic counter and POST it (application/x-ndjson), read the whole
 * response (Content-Length, chunked or until close) and take the next one.
 * Every batch is sent once; 429 and 503 are retried after Retry-After (10 ms
 * when absent). Without --rate the loop is closed: a connection sends as soon
 * as its previous batch is acknowledged, and latency is measured from the
 * send. With --rate the loop is open: batch i is due at t0 + (events before
 * it) / rate and its latency is measured from that due time, so a slow
 * server is charged for the batches it kept waiting (as wrk2 does).
 * Latencies go into a log-linear histogram (relative error under 0.1%).
 * See bench/httpload.md.
 *
 * Exit status: 0 when every batch sent was acknowledged with 200 and an ack
 * body, 1 otherwise (or when the server cannot be reached), 2 on usage error.
 */
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNECTIONS 10000
#define IO_TIMEOUT_S 60         /* a response slower than this is an error */
#define MAX_IO_ATTEMPTS 3       /* sends of one batch after transport errors */
#define MAX_RETRIES 1000        /* 429/503 answers tolerated for one batch */
#define MAX_HEADER_BYTES 65536
#define MAX_BODY_BYTES (64u << 20)

/* ---- log-linear histogram ------------------------------------------------
 * Values in nanoseconds. Below 2^11 every value has its own bucket; above,
 * each power of two is split into 1024 equal buckets, so a bucket's width is
 * at most 1/1024 of its lower bound. Values above 2^44 ns (4.9 h) share the
 * last bucket. */
#define HIST_SUB_BITS 11
#define HIST_SUB (1u << HIST_SUB_BITS)
#define HIST_HALF (HIST_SUB / 2)
#define HIST_MAX_SHIFT 33
#define HIST_LEN (HIST_SUB + HIST_MAX_SHIFT * HIST_HALF)

static size_t hist_index(uint64_t v)
{
	if (v < HIST_SUB)
		return (size_t)v;
	int msb = 63 - __builtin_clzll(v);
	int shift = msb - (HIST_SUB_BITS - 1);
	if (shift > HIST_MAX_SHIFT)
		return HIST_LEN - 1;
	return HIST_SUB + (size_t)(shift - 1) * HIST_HALF + (size_t)((v >> shift) - HIST_HALF);
}

/* The highest value that lands in bucket i. */
static uint64_t hist_high(size_t i)
{
	if (i < HIST_SUB)
		return i;
	size_t k = i - HIST_SUB;
	unsigned shift = (unsigned)(k / HIST_HALF) + 1;
	uint64_t low = (uint64_t)(k % HIST_HALF + HIST_HALF) << shift;
	return low + ((uint64_t)1 << shift) - 1;
}

struct hist {
	uint64_t *counts; /* HIST_LEN */
	uint64_t total, max, sum;
	size_t lo, hi; /* buckets in use, when total > 0 */
};

static void hist_record(struct hist *h, uint64_t v)
{
	size_t i = hist_index(v);
	if (h->total == 0 || i < h->lo)
		h->lo = i;
	if (h->total == 0 || i > h->hi)
		h->hi = i;
	h->counts[i]++;
	h->total++;
	h->sum += v;
	if (v > h->max)
		h->max = v;
}

static void hist_merge(struct hist *dst, const struct hist *src)
{
	if (src->total == 0)
		return;
	for (size_t i = src->lo; i <= src->hi; i++)
		dst->counts[i] += src->counts[i];
	if (dst->total == 0 || src->lo < dst->lo)
		dst->lo = src->lo;
	if (dst->total == 0 || src->hi > dst->hi)
		dst->hi = src->hi;
	dst->total += src->total;
	dst->sum += src->sum;
	if (src->max > dst->max)
		dst->max = src->max;
}

/* The value at percentile p (0..100): the highest value of the bucket holding
 * the ceil(p% * total)-th smallest sample, never above the exact maximum. */
static uint64_t hist_percentile(const struct hist *h, double p)
{
	if (h->total == 0)
		return 0;
	uint64_t rank = (uint64_t)((p / 100.0) * (double)h->total + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > h->total)
		rank = h->total;
	uint64_t seen = 0;
	for (size_t i = h->lo; i <= h->hi; i++) {
		seen += h->counts[i];
		if (seen >= rank) {
			uint64_t v = hist_high(i);
			return v < h->max ? v : h->max;
		}
	}
	return h->max;
}

/* ---- configuration and shared state ------------------------------------- */

struct batch {
	size_t off, len;   /* body: bytes of the file */
	uint32_t events;   /* non-empty lines in it */
	uint64_t due_ns;   /* open loop: send time relative to t0 */
};

static struct {
	const char *url, *file;
	char host[256], port[16], path[2048], authority[300];
	long batch, connections, max_events;
	double rate, duration;
	bool json;
	char *headers; /* request prefix up to and excluding Content-Length */
	size_t headers_len;
	struct addrinfo *addrs;
	char *data;
	size_t data_len;
	struct batch *batches;
	size_t nbatches;
	uint64_t events_total;
} cfg;

static atomic_size_t next_batch;
static atomic_bool stop_flag;
static atomic_int interrupted;
static atomic_int connect_failed;
static uint64_t t0_ns, deadline_ns; /* deadline 0: none */
static pthread_barrier_t start_barrier;
static pthread_mutex_t msg_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int shown_io, shown_connect, shown_status, shown_body;

struct worker {
	pthread_t tid;
	int id;
	int fd;
	bool reused; /* fd has already carried a request */
	char *rbuf;
	size_t rcap, rlen, rpos;
	uint64_t rx; /* bytes received on this connection */
	char *body;
	size_t bcap, blen;
	char req[128];
	struct hist hist; /* acknowledgement latency */
	struct hist lag;  /* open loop: how late each batch went out */
	uint64_t status[600]; /* [0]: outside 100..599 */
	uint64_t sent, acked, events_acked, requests, accepted, duplicates, rejected;
	uint64_t errors, retried, connects, reconnects, io_errors, bad_bodies;
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static bool stopping(void)
{
	return atomic_load(&stop_flag) || atomic_load(&interrupted);
}

/* Sleeps until time t, or until the run is stopped (checked every 100 ms). */
static void sleep_until(uint64_t t)
{
	for (;;) {
		uint64_t now = now_ns();
		if (now >= t || stopping())
			return;
		uint64_t until = t - now > 100000000u ? now + 100000000u : t;
		struct timespec ts = { .tv_sec = (time_t)(until / 1000000000u),
				       .tv_nsec = (long)(until % 1000000000u) };
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	}
}

static void sleep_ns(uint64_t d)
{
	sleep_until(now_ns() + d);
}

/* A message that shows once per kind (*shown counts how often it was asked
 * for), so a failing run does not print one line per request. */
__attribute__((format(printf, 2, 3)))
static void warn_once(atomic_int *shown, const char *fmt, ...)
{
	if (atomic_fetch_add(shown, 1) != 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	pthread_mutex_lock(&msg_lock);
	fputs("httpload: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	pthread_mutex_unlock(&msg_lock);
	va_end(ap);
}

/* ---- connections ---------------------------------------------------------- */

static void conn_close(struct worker *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	w->reused = false;
	w->rlen = w->rpos = 0;
}

/* Connects w to the first address that answers; on failure *err is errno. */
static int conn_open(struct worker *w, int *err)
{
	*err = 0;
	for (struct addrinfo *a = cfg.addrs; a; a = a->ai_next) {
		int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
		if (fd < 0) {
			*err = errno;
			continue;
		}
		if (connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
			*err = errno;
			close(fd);
			continue;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		struct timeval tv = { .tv_sec = IO_TIMEOUT_S, .tv_usec = 0 };
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
		w->fd = fd;
		w->reused = false;
		w->rlen = w->rpos = 0;
		w->connects++;
		return 0;
	}
	if (*err == 0)
		*err = EHOSTUNREACH;
	return -1;
}

static int send_all(int fd, struct iovec *iov, int n)
{
	while (n > 0) {
		struct msghdr m = { .msg_iov = iov, .msg_iovlen = (size_t)n };
		ssize_t k = sendmsg(fd, &m, MSG_NOSIGNAL);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		size_t left = (size_t)k;
		while (n > 0 && left >= iov->iov_len) {
			left -= iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + left;
			iov->iov_len -= left;
		}
	}
	return 0;
}

/* Reads more bytes into rbuf, making room for at least `room` more.
 * Returns the bytes read, 0 at end of stream, -1 on error (errno). */
static ssize_t fill(struct worker *w, size_t room)
{
	if (w->rpos == w->rlen) {
		w->rpos = w->rlen = 0;
	} else if (w->rpos > 0 && w->rcap - w->rlen < room) {
		memmove(w->rbuf, w->rbuf + w->rpos, w->rlen - w->rpos);
		w->rlen -= w->rpos;
		w->rpos = 0;
	}
	if (w->rcap - w->rlen < room) {
		size_t cap = w->rcap;
		while (cap - w->rlen < room)
			cap *= 2;
		char *p = realloc(w->rbuf, cap);
		if (!p) {
			errno = ENOMEM;
			return -1;
		}
		w->rbuf = p;
		w->rcap = cap;
	}
	for (;;) {
		ssize_t k = recv(w->fd, w->rbuf + w->rlen, w->rcap - w->rlen, 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k > 0) {
			w->rlen += (size_t)k;
			w->rx += (uint64_t)k;
		}
		return k;
	}
}

/* Makes n unread bytes available at rbuf + rpos. 0 or -1 (errno; EPIPE when
 * the stream ended first). */
static int need(struct worker *w, size_t n)
{
	while (w->rlen - w->rpos < n) {
		ssize_t k = fill(w, n - (w->rlen - w->rpos) > 4096 ? n - (w->rlen - w->rpos) : 4096);
		if (k == 0)
			errno = EPIPE;
		if (k <= 0)
			return -1;
	}
	return 0;
}

/* Offset (from rpos) of the first CRLF at or after `from`, reading more as
 * needed; -1 on error or when none within `limit` bytes. */
static long find_crlf(struct worker *w, size_t from, size_t limit)
{
	for (;;) {
		size_t avail = w->rlen - w->rpos;
		const char *p = w->rbuf + w->rpos;
		for (size_t i = from; i + 1 < avail; i++)
			if (p[i] == '\r' && p[i + 1] == '\n')
				return (long)i;
		if (avail > limit) {
			errno = EMSGSIZE;
			return -1;
		}
		if (avail > from)
			from = avail - 1;
		ssize_t k = fill(w, 4096);
		if (k == 0)
			errno = EPIPE;
		if (k <= 0)
			return -1;
	}
}

static int body_append(struct worker *w, const char *p, size_t n)
{
	if (w->blen + n + 1 > MAX_BODY_BYTES) {
		errno = EMSGSIZE;
		return -1;
	}
	if (w->blen + n + 1 > w->bcap) {
		size_t cap = w->bcap;
		while (cap < w->blen + n + 1)
			cap *= 2;
		char *q = realloc(w->body, cap);
		if (!q) {
			errno = ENOMEM;
			return -1;
		}
		w->body = q;
		w->bcap = cap;
	}
	memcpy(w->body + w->blen, p, n);
	w->blen += n;
	w->body[w->blen] = '\0';
	return 0;
}

struct response {
	int status;
	bool close;
	double retry_after; /* seconds; < 0 when absent */
};

static bool header_is(const char *line, size_t len, const char *name)
{
	size_t n = strlen(name);
	return len > n && line[n] == ':' && strncasecmp(line, name, n) == 0;
}

/* Whether the comma-separated header value contains token (any case). */
static bool value_has(const char *v, size_t len, const char *token)
{
	size_t n = strlen(token);
	for (size_t i = 0; i + n <= len; i++)
		if (strncasecmp(v + i, token, n) == 0)
			return true;
	return false;
}

static int read_chunked(struct worker *w)
{
	for (;;) {
		long e = find_crlf(w, 0, 1024);
		if (e < 0)
			return -1;
		const char *p = w->rbuf + w->rpos;
		uint64_t size = 0;
		int digits = 0;
		for (long i = 0; i < e; i++) {
			char c = p[i];
			int d = c >= '0' && c <= '9' ? c - '0'
				: c >= 'a' && c <= 'f' ? c - 'a' + 10
				: c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
			if (d < 0)
				break; /* ';' extensions or spaces */
			if (++digits > 15) {
				errno = EPROTO;
				return -1;
			}
			size = size * 16 + (uint64_t)d;
		}
		if (digits == 0) {
			errno = EPROTO;
			return -1;
		}
		w->rpos += (size_t)e + 2;
		if (size == 0) {
			for (;;) { /* trailers up to the empty line */
				e = find_crlf(w, 0, MAX_HEADER_BYTES);
				if (e < 0)
					return -1;
				w->rpos += (size_t)e + 2;
				if (e == 0)
					return 0;
			}
		}
		if (size > MAX_BODY_BYTES) {
			errno = EMSGSIZE;
			return -1;
		}
		if (need(w, (size_t)size + 2) != 0)
			return -1;
		if (body_append(w, w->rbuf + w->rpos, (size_t)size) != 0)
			return -1;
		w->rpos += (size_t)size;
		if (w->rbuf[w->rpos] != '\r' || w->rbuf[w->rpos + 1] != '\n') {
			errno = EPROTO;
			return -1;
		}
		w->rpos += 2;
	}
}

/* Reads one whole response into r and w->body. 0, or -1 with errno. */
static int read_response(struct worker *w, struct response *r)
{
	for (;;) {
		r->status = 0;
		r->close = false;
		r->retry_after = -1;
		w->blen = 0;
		if (w->body)
			w->body[0] = '\0';

		long e = find_crlf(w, 0, MAX_HEADER_BYTES);
		if (e < 0)
			return -1;
		const char *p = w->rbuf + w->rpos;
		if (e < 12 || memcmp(p, "HTTP/1.", 7) != 0 || p[8] != ' ' ||
		    p[9] < '1' || p[9] > '5' || p[10] < '0' || p[10] > '9' ||
		    p[11] < '0' || p[11] > '9') {
			errno = EPROTO;
			return -1;
		}
		bool http10 = p[7] == '0';
		r->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
		w->rpos += (size_t)e + 2;

		bool chunked = false, have_length = false, keep_alive = false;
		uint64_t length = 0;
		for (;;) {
			e = find_crlf(w, 0, MAX_HEADER_BYTES);
			if (e < 0)
				return -1;
			const char *h = w->rbuf + w->rpos;
			size_t n = (size_t)e;
			w->rpos += n + 2;
			if (n == 0)
				break;
			const char *colon = memchr(h, ':', n);
			if (!colon)
				continue;
			const char *v = colon + 1;
			size_t vn = n - (size_t)(v - h);
			while (vn > 0 && (*v == ' ' || *v == '\t')) {
				v++;
				vn--;
			}
			if (header_is(h, n, "content-length")) {
				length = 0;
				size_t i = 0;
				for (; i < vn && v[i] >= '0' && v[i] <= '9' && i < 15; i++)
					length = length * 10 + (uint64_t)(v[i] - '0');
				if (i == 0) {
					errno = EPROTO;
					return -1;
				}
				have_length = true;
			} else if (header_is(h, n, "transfer-encoding")) {
				chunked = value_has(v, vn, "chunked");
			} else if (header_is(h, n, "connection")) {
				if (value_has(v, vn, "close"))
					r->close = true;
				if (value_has(v, vn, "keep-alive"))
					keep_alive = true;
			} else if (header_is(h, n, "retry-after")) {
				char tmp[32];
				size_t m = vn < sizeof tmp - 1 ? vn : sizeof tmp - 1;
				memcpy(tmp, v, m);
				tmp[m] = '\0';
				char *end;
				double s = strtod(tmp, &end);
				if (end != tmp && s >= 0 && s < 3600)
					r->retry_after = s;
			}
		}
		if (http10 && !keep_alive)
			r->close = true;

		if (r->status < 200)
			continue; /* 1xx: the real response follows */
		if (r->status == 204 || r->status == 304)
			return 0;
		if (chunked)
			return read_chunked(w);
		if (have_length) {
			if (length > MAX_BODY_BYTES) {
				errno = EMSGSIZE;
				return -1;
			}
			if (need(w, (size_t)length) != 0)
				return -1;
			if (body_append(w, w->rbuf + w->rpos, (size_t)length) != 0)
				return -1;
			w->rpos += (size_t)length;
			return 0;
		}
		/* Neither: the body runs to the end of the stream. */
		r->close = true;
		for (;;) {
			if (body_append(w, w->rbuf + w->rpos, w->rlen - w->rpos) != 0)
				return -1;
			w->rpos = w->rlen;
			ssize_t k = fill(w, 4096);
			if (k == 0)
				return 0;
			if (k < 0)
				return -1;
		}
	}
}

/* The non-negative integer after "key": in s; false when absent. */
static bool scan_count(const char *s, const char *key, uint64_t *out)
{
	const char *p = strstr(s, key);
	if (!p)
		return false;
	p += strlen(key);
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	if (*p != ':')
		return false;
	p++;
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	if (*p < '0' || *p > '9')
		return false;
	uint64_t v = 0;
	while (*p >= '0' && *p <= '9')
		v = v * 10 + (uint64_t)(*p++ - '0');
	*out = v;
	return true;
}

static void show_body(char *out, size_t cap, const char *body, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len && n + 4 < cap; i++)
		out[n++] = body[i] == '\n' || body[i] == '\r' ? ' ' : body[i];
	if (len > 0 && n + 4 >= cap) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
}

/* Sends batch i until it is acknowledged or given up on. `due` is the time
 * latency is measured from. */
static void run_batch(struct worker *w, size_t i, uint64_t due)
{
	const struct batch *b = &cfg.batches[i];
	int io_attempts = 0, retries = 0;
	w->sent++;
	for (;;) {
		if (w->fd < 0) {
			int err;
			if (conn_open(w, &err) != 0) {
				warn_once(&shown_connect, "cannot connect to %s: %s", cfg.authority, strerror(err));
				w->errors++;
				w->io_errors++;
				atomic_store(&stop_flag, true);
				return;
			}
		}
		int n = snprintf(w->req, sizeof w->req, "Content-Length: %zu\r\n\r\n", b->len);
		struct iovec iov[3] = {
			{ .iov_base = cfg.headers, .iov_len = cfg.headers_len },
			{ .iov_base = w->req, .iov_len = (size_t)n },
			{ .iov_base = cfg.data + b->off, .iov_len = b->len },
		};
		bool reused = w->reused;
		uint64_t rx_before = w->rx;
		struct response r;
		w->requests++;
		int rc = send_all(w->fd, iov, 3);
		if (rc == 0)
			rc = read_response(w, &r);
		if (rc != 0) {
			int err = errno;
			bool nothing_back = w->rx == rx_before;
			conn_close(w);
			/* A kept-alive connection the server closed while idle: not
			 * the batch's fault, send it again on a new one. */
			if (reused && nothing_back && (err == EPIPE || err == ECONNRESET) &&
			    io_attempts == 0) {
				w->reconnects++;
				io_attempts++;
				continue;
			}
			warn_once(&shown_io, "batch %zu: %s (%s)", i,
				  err == EAGAIN || err == EWOULDBLOCK ? "no response in time" :
				  err == EPIPE ? "connection closed by the server" :
				  err == EPROTO ? "malformed HTTP response" : "connection error",
				  strerror(err));
			w->io_errors++;
			if (++io_attempts < MAX_IO_ATTEMPTS && !stopping()) {
				w->reconnects++;
				continue;
			}
			w->errors++;
			return;
		}
		w->reused = true;
		w->status[r.status >= 100 && r.status < 600 ? r.status : 0]++;
		if (r.close)
			conn_close(w);

		if (r.status == 200) {
			uint64_t acc, dup = 0, rej = 0;
			uint64_t done = now_ns();
			if (!w->body || !scan_count(w->body, "\"accepted\"", &acc)) {
				char shown[256];
				show_body(shown, sizeof shown, w->body ? w->body : "", w->blen);
				warn_once(&shown_body, "batch %zu: 200 without an \"accepted\" count: %s",
					  i, shown);
				w->bad_bodies++;
				w->errors++;
				return;
			}
			scan_count(w->body, "\"duplicates\"", &dup);
			scan_count(w->body, "\"rejected\"", &rej);
			w->accepted += acc;
			w->duplicates += dup;
			w->rejected += rej;
			w->acked++;
			w->events_acked += b->events;
			hist_record(&w->hist, done > due ? done - due : 0);
			return;
		}
		if ((r.status == 429 || r.status == 503) && retries < MAX_RETRIES && !stopping()) {
			retries++;
			w->retried++;
			sleep_ns(r.retry_after >= 0 ? (uint64_t)(r.retry_after * 1e9) : 10000000u);
			continue;
		}
		char shown[256];
		show_body(shown, sizeof shown, w->body ? w->body : "", w->blen);
		warn_once(&shown_status, "batch %zu: HTTP %d%s: %s", i, r.status,
			  r.status == 429 || r.status == 503 ? " (gave up retrying)" : "", shown);
		w->errors++;
		return;
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	int err;
	if (cfg.rate > 0)
		prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL); /* wake on time, not up to 50 us late */
	if (conn_open(w, &err) != 0) {
		warn_once(&shown_connect, "cannot connect to %s: %s", cfg.authority, strerror(err));
		atomic_fetch_add(&connect_failed, 1);
	}
	pthread_barrier_wait(&start_barrier);
	if (atomic_load(&connect_failed)) {
		conn_close(w);
		return NULL;
	}
	for (;;) {
		if (stopping())
			break;
		size_t i = atomic_fetch_add(&next_batch, 1);
		if (i >= cfg.nbatches)
			break;
		uint64_t due;
		if (cfg.rate > 0) {
			due = t0_ns + cfg.batches[i].due_ns;
			if (deadline_ns && due >= deadline_ns)
				break;
			sleep_until(due);
			if (stopping())
				break;
			uint64_t t = now_ns();
			hist_record(&w->lag, t > due ? t - due : 0);
		} else {
			due = now_ns();
			if (deadline_ns && due >= deadline_ns)
				break;
		}
		run_batch(w, i, due);
	}
	conn_close(w);
	return NULL;
}

/* ---- setup ------------------------------------------------------------------ */

static void usage(FILE *f)
{
	fputs("usage: httpload --url http://HOST:PORT/PATH --file EVENTS.ndjson --batch B\n"
	      "                --connections C [--rate EVENTS_PER_S] [--duration S]\n"
	      "                [--max-events N] [--header \"Name: value\"]... [--json]\n"
	      "\n"
	      "POSTs the file's lines in batches of B (application/x-ndjson) over C\n"
	      "keep-alive connections, each batch once, in file order, and reports\n"
	      "throughput and acknowledgement latency.\n"
	      "\n"
	      "  --url URL           the ingest endpoint (http only)\n"
	      "  --file FILE         NDJSON events, one a line (blank lines skipped)\n"
	      "  --batch B           lines per request\n"
	      "  --connections C     concurrent connections, one thread each\n"
	      "  --rate R            open loop: offer R events/s in total, latency\n"
	      "                      from each batch's scheduled time (default: closed\n"
	      "                      loop, as fast as acknowledgements come back)\n"
	      "  --duration S        stop sending new batches after S seconds\n"
	      "  --max-events N      send only the first N events\n"
	      "  --header H          an extra request header (repeatable)\n"
	      "  --json              one JSON object on stdout (summary to stderr)\n"
	      "\n"
	      "Exit status: 0 every batch sent was acknowledged with 200, 1 otherwise,\n"
	      "2 usage error. See bench/httpload.md.\n",
	      f);
}

__attribute__((format(printf, 1, 2), noreturn))
static void usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("httpload: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputs("\n(httpload --help for usage)\n", stderr);
	va_end(ap);
	exit(2);
}

static long parse_long(const char *opt, const char *s, long min, long max)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		usage_error("%s: expected an integer from %ld to %ld, got '%s'", opt, min, max, s);
	return v;
}

static double parse_double(const char *opt, const char *s)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !(v > 0) || v > 1e12)
		usage_error("%s: expected a positive number, got '%s'", opt, s);
	return v;
}

static void parse_url(const char *url)
{
	if (strncasecmp(url, "http://", 7) != 0) {
		if (strncasecmp(url, "https://", 8) == 0)
			usage_error("--url: https is not supported, use http://");
		usage_error("--url: expected http://HOST[:PORT]/PATH, got '%s'", url);
	}
	const char *a = url + 7;
	const char *slash = strchr(a, '/');
	size_t alen = slash ? (size_t)(slash - a) : strlen(a);
	if (alen == 0 || alen >= sizeof cfg.authority)
		usage_error("--url: bad host in '%s'", url);
	memcpy(cfg.authority, a, alen);
	cfg.authority[alen] = '\0';
	const char *path = slash ? slash : "/";
	if (strlen(path) >= sizeof cfg.path || strpbrk(path, " \r\n"))
		usage_error("--url: bad path in '%s'", url);
	strcpy(cfg.path, path);

	const char *host = cfg.authority, *port = NULL;
	size_t hlen;
	if (host[0] == '[') {
		const char *close = strchr(host, ']');
		if (!close)
			usage_error("--url: unterminated IPv6 address in '%s'", url);
		host++;
		hlen = (size_t)(close - host);
		if (close[1] == ':')
			port = close + 2;
		else if (close[1])
			usage_error("--url: bad host in '%s'", url);
	} else {
		const char *colon = strchr(host, ':');
		hlen = colon ? (size_t)(colon - host) : strlen(host);
		if (colon)
			port = colon + 1;
	}
	if (hlen == 0 || hlen >= sizeof cfg.host)
		usage_error("--url: bad host in '%s'", url);
	memcpy(cfg.host, host, hlen);
	cfg.host[hlen] = '\0';
	if (port) {
		if (!*port || strlen(port) >= sizeof cfg.port || strspn(port, "0123456789") != strlen(port) ||
		    atoi(port) < 1 || atoi(port) > 65535)
			usage_error("--url: bad port in '%s'", url);
		strcpy(cfg.port, port);
	} else {
		strcpy(cfg.port, "80");
	}
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 20, n = 0;
	char *buf = malloc(cap);
	for (;;) {
		if (!buf) {
			fclose(f);
			errno = ENOMEM;
			return NULL;
		}
		if (cap - n < 2) {
			cap *= 2;
			char *p = realloc(buf, cap);
			if (!p) {
				free(buf);
				buf = NULL;
				continue;
			}
			buf = p;
		}
		size_t k = fread(buf + n, 1, cap - n - 1, f);
		n += k;
		if (k == 0)
			break;
	}
	int err = ferror(f) ? errno : 0;
	fclose(f);
	if (err) {
		free(buf);
		errno = err;
		return NULL;
	}
	if (n > 0 && buf[n - 1] != '\n')
		buf[n++] = '\n'; /* every batch body ends with a newline */
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* Cuts the file into batches of cfg.batch non-empty lines (at most
 * max_events lines in all). A batch body runs from its first line to the
 * end of its last, so blank lines inside it travel along. */
static void make_batches(void)
{
	size_t cap = 1024, n = 0;
	cfg.batches = malloc(cap * sizeof *cfg.batches);
	uint64_t events = 0, limit = cfg.max_events > 0 ? (uint64_t)cfg.max_events : UINT64_MAX;
	struct batch cur = { 0 };
	bool open = false;
	const char *d = cfg.data;
	for (size_t pos = 0; pos < cfg.data_len && events < limit;) {
		const char *nl = memchr(d + pos, '\n', cfg.data_len - pos);
		size_t end = (size_t)(nl - d) + 1;
		bool blank = true;
		for (size_t k = pos; k < end; k++)
			if (d[k] != ' ' && d[k] != '\t' && d[k] != '\r' && d[k] != '\n') {
				blank = false;
				break;
			}
		if (!blank) {
			if (!open) {
				cur = (struct batch){ .off = pos };
				open = true;
			}
			cur.events++;
			events++;
			cur.len = end - cur.off;
			if (cur.events == (uint32_t)cfg.batch) {
				if (n == cap) {
					cap *= 2;
					cfg.batches = realloc(cfg.batches, cap * sizeof *cfg.batches);
				}
				cfg.batches[n++] = cur;
				open = false;
			}
		}
		pos = end;
		if (!cfg.batches) {
			fputs("httpload: out of memory\n", stderr);
			exit(1);
		}
	}
	if (open) {
		if (n == cap)
			cfg.batches = realloc(cfg.batches, (cap + 1) * sizeof *cfg.batches);
		if (!cfg.batches) {
			fputs("httpload: out of memory\n", stderr);
			exit(1);
		}
		cfg.batches[n++] = cur;
	}
	cfg.nbatches = n;
	cfg.events_total = events;
	if (cfg.rate > 0) {
		uint64_t before = 0;
		for (size_t i = 0; i < n; i++) {
			cfg.batches[i].due_ns = (uint64_t)((double)before / cfg.rate * 1e9);
			before += cfg.batches[i].events;
		}
	}
}

static void add_header(const char *h, char **extra, size_t *len)
{
	const char *colon = strchr(h, ':');
	if (!colon || colon == h || strpbrk(h, "\r\n"))
		usage_error("--header: expected \"Name: value\", got '%s'", h);
	size_t n = strlen(h);
	char *p = realloc(*extra, *len + n + 3);
	if (!p) {
		fputs("httpload: out of memory\n", stderr);
		exit(1);
	}
	memcpy(p + *len, h, n);
	memcpy(p + *len + n, "\r\n", 3);
	*extra = p;
	*len += n + 2;
}

static void parse_args(int argc, char **argv)
{
	char *extra = NULL;
	size_t extra_len = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			exit(0);
		}
		if (strcmp(a, "--json") == 0) {
			cfg.json = true;
			continue;
		}
		if (strncmp(a, "--", 2) != 0)
			usage_error("unexpected argument '%s'", a);
		/* --name value or --name=value */
		static const char *const known[] = { "--url", "--file", "--batch", "--connections",
						     "--rate", "--duration", "--max-events", "--header" };
		char name[32];
		const char *val;
		const char *eq = strchr(a, '=');
		size_t n = eq ? (size_t)(eq - a) : strlen(a);
		bool ok = false;
		for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
			if (strlen(known[k]) == n && strncmp(known[k], a, n) == 0)
				ok = true;
		if (!ok)
			usage_error("unknown option '%s'", a);
		memcpy(name, a, n);
		name[n] = '\0';
		if (eq) {
			val = eq + 1;
		} else {
			if (i + 1 >= argc)
				usage_error("%s needs a value", a);
			val = argv[++i];
		}
		if (strcmp(name, "--url") == 0)
			cfg.url = val;
		else if (strcmp(name, "--file") == 0)
			cfg.file = val;
		else if (strcmp(name, "--batch") == 0)
			cfg.batch = parse_long(name, val, 1, 10000000);
		else if (strcmp(name, "--connections") == 0)
			cfg.connections = parse_long(name, val, 1, MAX_CONNECTIONS);
		else if (strcmp(name, "--rate") == 0)
			cfg.rate = parse_double(name, val);
		else if (strcmp(name, "--duration") == 0)
			cfg.duration = parse_double(name, val);
		else if (strcmp(name, "--max-events") == 0)
			cfg.max_events = parse_long(name, val, 1, LONG_MAX);
		else if (strcmp(name, "--header") == 0)
			add_header(val, &extra, &extra_len);
		else
			usage_error("unknown option '%s'", name);
	}
	if (!cfg.url)
		usage_error("--url is required");
	if (!cfg.file)
		usage_error("--file is required");
	if (!cfg.batch)
		usage_error("--batch is required");
	if (!cfg.connections)
		usage_error("--connections is required");
	parse_url(cfg.url);

#define REQ_FMT "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-ndjson\r\n%s"
	int n = snprintf(NULL, 0, REQ_FMT, cfg.path, cfg.authority, extra ? extra : "");
	cfg.headers = malloc((size_t)n + 1);
	if (!cfg.headers) {
		fputs("httpload: out of memory\n", stderr);
		exit(1);
	}
	snprintf(cfg.headers, (size_t)n + 1, REQ_FMT, cfg.path, cfg.authority, extra ? extra : "");
	cfg.headers_len = (size_t)n;
	free(extra);
}

/* ---- report ----------------------------------------------------------------- */

static const char *thousands(char *buf, size_t cap, uint64_t v)
{
	char digits[32];
	int n = snprintf(digits, sizeof digits, "%llu", (unsigned long long)v);
	size_t o = 0;
	for (int i = 0; i < n && o + 2 < cap; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return buf;
}

/* Milliseconds with two significant figures at least. */
static const char *ms(char *buf, size_t cap, uint64_t ns)
{
	double v = (double)ns / 1e6;
	snprintf(buf, cap, v < 1 ? "%.2f" : v < 10 ? "%.1f" : "%.0f", v);
	return buf;
}

/* Merges the connections' figures, prints them; the exit status. */
static int report(struct worker *ws, size_t nw, uint64_t end_ns)
{
	struct hist h = { .counts = calloc(HIST_LEN, sizeof *h.counts) };
	struct hist lag = { .counts = calloc(HIST_LEN, sizeof *lag.counts) };
	if (!h.counts || !lag.counts) {
		fputs("httpload: out of memory\n", stderr);
		exit(1);
	}
	struct worker t = { 0 };
	for (size_t i = 0; i < nw; i++) {
		struct worker *w = &ws[i];
		hist_merge(&h, &w->hist);
		hist_merge(&lag, &w->lag);
		for (size_t k = 0; k < 600; k++)
			t.status[k] += w->status[k];
		t.sent += w->sent;
		t.acked += w->acked;
		t.events_acked += w->events_acked;
		t.requests += w->requests;
		t.accepted += w->accepted;
		t.duplicates += w->duplicates;
		t.rejected += w->rejected;
		t.errors += w->errors;
		t.retried += w->retried;
		t.connects += w->connects;
		t.reconnects += w->reconnects;
		t.io_errors += w->io_errors;
		t.bad_bodies += w->bad_bodies;
	}
	/* From the start to the last connection done: an interrupted or
	 * --duration run counts its whole time. */
	double secs = (double)(end_ns - t0_ns) / 1e9;
	if (secs <= 0)
		secs = 1e-9;
	double eps = (double)t.events_acked / secs, rps = (double)t.acked / secs;
	uint64_t p50 = hist_percentile(&h, 50), p90 = hist_percentile(&h, 90),
		 p99 = hist_percentile(&h, 99), p999 = hist_percentile(&h, 99.9), mx = h.max;

	FILE *out = cfg.json ? stderr : stdout;
	char a[32], b[32], c[32], d[32], e[32], f[32], g[32];
	fprintf(out,
		"batch %ld x %ld conns: %s events/s, %s req/s; ack latency p50 %s ms p90 %s ms "
		"p99 %s ms p99.9 %s ms max %s ms; accepted %llu duplicates %llu rejected %llu "
		"errors %llu\n",
		cfg.batch, cfg.connections, thousands(a, sizeof a, (uint64_t)(eps + 0.5)),
		thousands(b, sizeof b, (uint64_t)(rps + 0.5)), ms(c, sizeof c, p50),
		ms(d, sizeof d, p90), ms(e, sizeof e, p99), ms(f, sizeof f, p999),
		ms(g, sizeof g, mx), (unsigned long long)t.accepted,
		(unsigned long long)t.duplicates, (unsigned long long)t.rejected,
		(unsigned long long)t.errors);
	fprintf(out, "  %s loop", cfg.rate > 0 ? "open" : "closed");
	if (cfg.rate > 0)
		fprintf(out, " at %s events/s offered, sent late by p50 %s ms p99 %s ms max %s ms",
			thousands(a, sizeof a, (uint64_t)(cfg.rate + 0.5)),
			ms(b, sizeof b, hist_percentile(&lag, 50)), ms(c, sizeof c, hist_percentile(&lag, 99)),
			ms(d, sizeof d, lag.max));
	fprintf(out, "; %s of %s events acknowledged in %.3f s; %llu of %zu batches sent; "
		"%llu requests on %llu connections; retried %llu",
		thousands(b, sizeof b, t.events_acked), thousands(c, sizeof c, cfg.events_total), secs,
		(unsigned long long)t.sent, cfg.nbatches, (unsigned long long)t.requests,
		(unsigned long long)t.connects, (unsigned long long)t.retried);
	if (t.reconnects)
		fprintf(out, "; resent on a new connection %llu", (unsigned long long)t.reconnects);
	if (t.io_errors)
		fprintf(out, "; transport errors %llu", (unsigned long long)t.io_errors);
	if (t.bad_bodies)
		fprintf(out, "; 200 without ack body %llu", (unsigned long long)t.bad_bodies);
	fputs("; status", out);
	bool any = false;
	for (size_t k = 0; k < 600; k++)
		if (t.status[k]) {
			fprintf(out, " %zu:%llu", k, (unsigned long long)t.status[k]);
			any = true;
		}
	if (!any)
		fputs(" none", out);
	if (atomic_load(&interrupted))
		fputs("; interrupted", out);
	fputc('\n', out);

	if (cfg.json) {
		printf("{\"batch\":%ld,\"connections\":%ld,\"events\":%llu,\"seconds\":%.6f,"
		       "\"events_per_s\":%.1f,\"requests_per_s\":%.1f,"
		       "\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"max_ms\":%.3f,"
		       "\"accepted\":%llu,\"duplicates\":%llu,\"rejected\":%llu,\"errors\":%llu,"
		       "\"retried\":%llu,\"mode\":\"%s\",\"offered_events_per_s\":%.1f,"
		       "\"batches\":%zu,\"batches_sent\":%llu,\"requests\":%llu,\"connects\":%llu,"
		       "\"late_p50_ms\":%.3f,\"late_p99_ms\":%.3f,\"late_max_ms\":%.3f}\n",
		       cfg.batch, cfg.connections, (unsigned long long)t.events_acked, secs, eps, rps,
		       (double)p50 / 1e6, (double)p90 / 1e6, (double)p99 / 1e6, (double)p999 / 1e6,
		       (double)mx / 1e6, (unsigned long long)t.accepted,
		       (unsigned long long)t.duplicates, (unsigned long long)t.rejected,
		       (unsigned long long)t.errors, (unsigned long long)t.retried,
		       cfg.rate > 0 ? "open" : "closed", cfg.rate, cfg.nbatches,
		       (unsigned long long)t.sent, (unsigned long long)t.requests,
		       (unsigned long long)t.connects, (double)hist_percentile(&lag, 50) / 1e6,
		       (double)hist_percentile(&lag, 99) / 1e6, (double)lag.max / 1e6);
	}
	fflush(stdout);

	free(h.counts);
	free(lag.counts);
	bool ok = t.errors == 0 && t.acked == t.sent && !atomic_load(&interrupted);
	return ok ? 0 : 1;
}

static void on_signal(int sig)
{
	(void)sig;
	atomic_store(&interrupted, 1);
}

int main(int argc, char **argv)
{
	parse_args(argc, argv);

	cfg.data = read_file(cfg.file, &cfg.data_len);
	if (!cfg.data) {
		fprintf(stderr, "httpload: %s: %s\n", cfg.file, strerror(errno));
		return 2;
	}
	make_batches();
	if (cfg.nbatches == 0) {
		fprintf(stderr, "httpload: %s: no events\n", cfg.file);
		return 2;
	}

	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	int gai = getaddrinfo(cfg.host, cfg.port, &hints, &cfg.addrs);
	if (gai != 0) {
		fprintf(stderr, "httpload: cannot resolve %s: %s\n", cfg.host, gai_strerror(gai));
		return 1;
	}

	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	size_t nw = (size_t)cfg.connections;
	struct worker *ws = calloc(nw, sizeof *ws);
	if (!ws) {
		fputs("httpload: out of memory\n", stderr);
		return 1;
	}
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	pthread_barrier_init(&start_barrier, NULL, (unsigned)nw + 1);
	for (size_t i = 0; i < nw; i++) {
		struct worker *w = &ws[i];
		w->id = (int)i;
		w->fd = -1;
		w->rcap = 16384;
		w->rbuf = malloc(w->rcap);
		w->bcap = 4096;
		w->body = malloc(w->bcap);
		w->hist.counts = calloc(HIST_LEN, sizeof *w->hist.counts);
		w->lag.counts = calloc(HIST_LEN, sizeof *w->lag.counts);
		if (!w->rbuf || !w->body || !w->hist.counts || !w->lag.counts) {
			fputs("httpload: out of memory\n", stderr);
			return 1;
		}
		w->body[0] = '\0';
		int rc = pthread_create(&w->tid, &attr, worker_main, w);
		if (rc != 0) {
			fprintf(stderr, "httpload: cannot start connection thread %zu: %s\n", i,
				strerror(rc));
			exit(1); /* the barrier would wait for it forever */
		}
	}
	pthread_attr_destroy(&attr);

	t0_ns = now_ns();
	if (cfg.duration > 0)
		deadline_ns = t0_ns + (uint64_t)(cfg.duration * 1e9);
	pthread_barrier_wait(&start_barrier);
	for (size_t i = 0; i < nw; i++)
		pthread_join(ws[i].tid, NULL);
	uint64_t end_ns = now_ns();

	int rc;
	if (atomic_load(&connect_failed)) {
		fprintf(stderr, "httpload: nothing sent: %d of %zu connections could not be opened\n",
			atomic_load(&connect_failed), nw);
		rc = 1;
	} else {
		rc = report(ws, nw, end_ns);
	}

	for (size_t i = 0; i < nw; i++) {
		free(ws[i].rbuf);
		free(ws[i].body);
		free(ws[i].hist.counts);
		free(ws[i].lag.counts);
	}
	free(ws);
	free(cfg.batches);
	free(cfg.data);
	free(cfg.headers);
	freeaddrinfo(cfg.addrs);
	pthread_barrier_destroy(&start_barrier);
	return rc;
}

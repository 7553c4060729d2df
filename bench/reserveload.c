/* reserveload.c - closed-loop load for stock reservations: ordex's
 * POST /api/v1/inventory/reserve against the usual Redis answer, a Lua
 * script doing the same check-and-decrement atomically.
 *
 *   cc -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -O2 \
 *      -o build/bench/reserveload bench/reserveload.c -lpthread
 *   reserveload --target ordex --url http://127.0.0.1:PORT \
 *               --header "Authorization: Bearer TOKEN" [options]
 *   reserveload --target redis --redis 127.0.0.1:PORT [options]
 *
 * Before the clock starts it sets --stock units on each of --skus SKUs
 * (ordex: PUT /api/v1/inventory/levels, at most 1000 a body; Redis: MSET;
 * Redis also gets the script with SCRIPT LOAD). C threads, one keep-alive
 * connection each, then send reservations one at a time, each for one unit
 * of one SKU (the single hot SKU, or one drawn uniformly at random), each with
 * its own order id, until --requests are answered or --duration is up. After
 * the run it reads every SKU's stock back and checks that the units the
 * answers said were held are exactly the units the server took, and that no
 * SKU went below zero: zero oversell. See bench/reserveload.md.
 *
 * Exit status: 0 when every request got a definite answer (held or refused)
 * and the stock check passed; 1 otherwise (oversell, lost or phantom holds,
 * errors, server unreachable); 2 on a usage error.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNECTIONS 4096
#define MAX_SKUS 1000000
#define IO_TIMEOUT_S 60      /* an answer slower than this is a transport error */
#define MAX_IO_ATTEMPTS 3    /* sends of one reservation after transport errors */
#define MAX_RETRIES 1000     /* 429/503/LOADING answers tolerated for one reservation */
#define MAX_HEADER_BYTES 65536
#define MAX_BODY_BYTES (64u << 20)
#define LEVELS_PER_PUT 1000  /* the API's limit per body */
#define PUT_BODY_MAX 60000   /* and well under its 64 KiB body limit */
#define CHANNEL "tmall"
#define TTL_S 900

/* The script the Redis target runs for every reservation, the usual answer:
 * idempotent per order, all or nothing, the hold recorded with its expiry.
 * KEYS[1] the reservation (a hash), KEYS[2] the expiry index (a sorted set
 * a sweeper would read to give expired holds back), KEYS[3..] one stock
 * counter per item; ARGV[1] the channel, ARGV[2] the ttl in seconds,
 * ARGV[3..] the quantity of each item. Answers {1,'held',created,expires},
 * {2,status,created,expires} for a replay, {0,reason,key,available} when
 * refused, {-1,'conflict'} when the order already holds something else. */
static const char lua_reserve[] =
	"local n = #KEYS - 2\n"
	"local items = {}\n"
	"for i = 1, n do items[i] = KEYS[i + 2] .. '=' .. ARGV[i + 2] end\n"
	"local itemstr = table.concat(items, ',')\n"
	"local prev = redis.call('HMGET', KEYS[1], 'status', 'channel', 'items', 'created_at', 'expires_at')\n"
	"if prev[1] then\n"
	"  if prev[2] ~= ARGV[1] or prev[3] ~= itemstr then return {-1, 'conflict'} end\n"
	"  return {2, prev[1], tonumber(prev[4]), tonumber(prev[5])}\n"
	"end\n"
	"local seen, qty = {}, {}\n"
	"for i = 1, n do\n"
	"  local key = KEYS[i + 2]\n"
	"  if seen[key] then return redis.error_reply('duplicate sku ' .. key) end\n"
	"  seen[key] = true\n"
	"  local q = tonumber(ARGV[i + 2])\n"
	"  if not q or q < 1 or q % 1 ~= 0 then return redis.error_reply('bad qty for ' .. key) end\n"
	"  local have = tonumber(redis.call('GET', key))\n"
	"  if not have then return {0, 'unknown_sku', key, 0} end\n"
	"  if have < q then return {0, 'insufficient', key, have} end\n"
	"  qty[i] = q\n"
	"end\n"
	"local t = redis.call('TIME')\n"
	"local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
	"local expires = now + tonumber(ARGV[2]) * 1000\n"
	"for i = 1, n do redis.call('DECRBY', KEYS[i + 2], qty[i]) end\n"
	"redis.call('HSET', KEYS[1], 'status', 'held', 'channel', ARGV[1], 'items', itemstr,\n"
	"  'created_at', now, 'expires_at', expires)\n"
	"redis.call('ZADD', KEYS[2], expires, KEYS[1])\n"
	"return {1, 'held', now, expires}\n";

/* ---- log-linear histogram (as in httpload.c) ------------------------------
 * Values in nanoseconds. Below 2^11 every value has its own bucket; above,
 * each power of two is split into 1024 equal buckets, so a bucket's width is
 * at most 1/1024 of its lower bound. */
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
	uint64_t total, max;
	size_t lo, hi;
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
	if (src->max > dst->max)
		dst->max = src->max;
}

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

/* ---- configuration and shared state --------------------------------------- */

enum target { TARGET_NONE, TARGET_ORDEX, TARGET_REDIS };

static struct {
	enum target target;
	const char *url, *redis;
	char host[256], port[16], base[1024], authority[300];
	char *headers; /* ordex: request lines after the request line, before Content-Length */
	size_t headers_len;
	long connections, skus;
	long long stock, requests;
	double duration;
	uint64_t seed;
	char prefix[32];
	bool json;
	long server_pid;
	struct addrinfo *addrs;
	char sha[41];          /* redis: the script's SHA1 */
	char expiry_key[64];   /* redis: the expiry index of this run */
} cfg;

static atomic_llong next_order;
static atomic_bool stop_flag;
static atomic_int interrupted;
static atomic_int connect_failed;
static atomic_uint_least64_t *held_units; /* [skus]: units answered as held */
static void *held_units_mem;
static uint64_t t0_ns, deadline_ns;
static pthread_barrier_t start_barrier;
static pthread_mutex_t msg_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int shown_io, shown_connect, shown_status, shown_body;

struct worker {
	pthread_t tid;
	int id;
	int fd;
	bool reused;
	char *rbuf;
	size_t rcap, rlen, rpos;
	uint64_t rx;
	char *body;
	size_t bcap, blen;
	char *req;
	size_t reqcap, reqlen;
	uint64_t rng;
	struct hist hist;
	uint64_t status[600]; /* ordex: HTTP statuses; [0] outside 100..599 */
	uint64_t answered, held, refused, replayed, errors, retried;
	uint64_t connects, reconnects, io_errors, noscript;
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

static void sleep_ns(uint64_t d)
{
	struct timespec ts = { .tv_sec = (time_t)(d / 1000000000u), .tv_nsec = (long)(d % 1000000000u) };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR && !stopping())
		;
}

__attribute__((format(printf, 2, 3)))
static void warn_once(atomic_int *shown, const char *fmt, ...)
{
	if (shown && atomic_fetch_add(shown, 1) != 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	pthread_mutex_lock(&msg_lock);
	fputs("reserveload: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	pthread_mutex_unlock(&msg_lock);
	va_end(ap);
}

__attribute__((noreturn))
static void out_of_memory(void)
{
	fputs("reserveload: out of memory\n", stderr);
	exit(1);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n);
	if (!p)
		out_of_memory();
	return p;
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);
	if (!p)
		out_of_memory();
	return p;
}

/* xorshift64*: the SKU of each reservation when there are many. */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static void sku_name(char *buf, size_t cap, long i)
{
	snprintf(buf, cap, "%s-%05ld", cfg.prefix, i);
}

/* ---- connections and reading (as in httpload.c) --------------------------- */

static void conn_close(struct worker *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	w->reused = false;
	w->rlen = w->rpos = 0;
}

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

static int send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

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

static int need(struct worker *w, size_t n)
{
	while (w->rlen - w->rpos < n) {
		size_t want = n - (w->rlen - w->rpos);
		ssize_t k = fill(w, want > 4096 ? want : 4096);
		if (k == 0)
			errno = EPIPE;
		if (k <= 0)
			return -1;
	}
	return 0;
}

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

static void req_reset(struct worker *w)
{
	w->reqlen = 0;
}

static void req_add(struct worker *w, const void *p, size_t n)
{
	if (w->reqlen + n + 1 > w->reqcap) {
		size_t cap = w->reqcap ? w->reqcap : 1024;
		while (cap < w->reqlen + n + 1)
			cap *= 2;
		char *q = realloc(w->req, cap);
		if (!q)
			out_of_memory();
		w->req = q;
		w->reqcap = cap;
	}
	memcpy(w->req + w->reqlen, p, n);
	w->reqlen += n;
	w->req[w->reqlen] = '\0';
}

__attribute__((format(printf, 2, 3)))
static void req_addf(struct worker *w, const char *fmt, ...)
{
	char small[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		out_of_memory();
	if ((size_t)n < sizeof small) {
		req_add(w, small, (size_t)n);
		return;
	}
	char *big = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	req_add(w, big, (size_t)n);
	free(big);
}

static void show_text(char *out, size_t cap, const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len && n + 4 < cap; i++)
		out[n++] = s[i] == '\n' || s[i] == '\r' ? ' ' : s[i];
	if (len > 0 && n + 4 >= cap) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
}

/* ---- HTTP (ordex) ------------------------------------------------------------ */

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
				break;
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
			for (;;) {
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
			continue;
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

/* Builds an ordex request in w->req. */
static void http_request(struct worker *w, const char *method, const char *path,
			 const char *body, size_t len)
{
	req_reset(w);
	req_addf(w, "%s %s%s HTTP/1.1\r\n", method, cfg.base, path);
	req_add(w, cfg.headers, cfg.headers_len);
	if (body) {
		req_addf(w, "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n", len);
		req_add(w, body, len);
	} else {
		req_add(w, "\r\n", 2);
	}
}

/* Sends w->req and reads the answer, on w's connection (opened when
 * closed). Transport errors on a kept-alive connection the server closed
 * while idle are retried once. 0, or -1 with errno. */
static int http_exchange(struct worker *w, struct response *r)
{
	for (int attempt = 0;; attempt++) {
		int err;
		if (w->fd < 0 && conn_open(w, &err) != 0) {
			errno = err;
			return -1;
		}
		bool reused = w->reused;
		uint64_t rx_before = w->rx;
		int rc = send_all(w->fd, w->req, w->reqlen);
		if (rc == 0)
			rc = read_response(w, r);
		if (rc != 0) {
			err = errno;
			conn_close(w);
			if (reused && w->rx == rx_before && (err == EPIPE || err == ECONNRESET) &&
			    attempt == 0) {
				w->reconnects++;
				continue;
			}
			errno = err;
			return -1;
		}
		w->reused = true;
		if (r->close)
			conn_close(w);
		return 0;
	}
}

/* ---- RESP (Redis) ------------------------------------------------------------ */

struct relem {
	char type; /* '+', '-', ':', '$', '*' */
	bool nil;
	long long i; /* ':' value; '*' length */
	char s[256];
	size_t slen; /* full length (s keeps the first 255 bytes) */
};

/* Reads one RESP2 value into e (NULL: skip it); an array's first `cap`
 * elements go to kids (deeper arrays are skipped). 0, or -1 with errno. */
static int resp_read(struct worker *w, struct relem *e, struct relem *kids, size_t cap, int depth)
{
	struct relem skip;
	if (!e)
		e = &skip;
	long k = find_crlf(w, 0, 1u << 20);
	if (k < 0)
		return -1;
	if (k < 1 || depth > 8) {
		errno = EPROTO;
		return -1;
	}
	const char *p = w->rbuf + w->rpos;
	memset(e, 0, offsetof(struct relem, s));
	e->type = p[0];
	e->s[0] = '\0';
	size_t n = (size_t)k - 1, m = n < sizeof e->s - 1 ? n : sizeof e->s - 1;
	char num[32];
	size_t nn = n < sizeof num - 1 ? n : sizeof num - 1;
	memcpy(num, p + 1, nn);
	num[nn] = '\0';
	switch (e->type) {
	case '+':
	case '-':
		memcpy(e->s, p + 1, m);
		e->s[m] = '\0';
		e->slen = n;
		w->rpos += (size_t)k + 2;
		return 0;
	case ':':
		e->i = strtoll(num, NULL, 10);
		w->rpos += (size_t)k + 2;
		return 0;
	case '$': {
		long long len = strtoll(num, NULL, 10);
		w->rpos += (size_t)k + 2;
		if (len < 0) {
			e->nil = true;
			return 0;
		}
		if ((unsigned long long)len > MAX_BODY_BYTES) {
			errno = EMSGSIZE;
			return -1;
		}
		if (need(w, (size_t)len + 2) != 0)
			return -1;
		m = (size_t)len < sizeof e->s - 1 ? (size_t)len : sizeof e->s - 1;
		memcpy(e->s, w->rbuf + w->rpos, m);
		e->s[m] = '\0';
		e->slen = (size_t)len;
		w->rpos += (size_t)len + 2;
		return 0;
	}
	case '*': {
		long long len = strtoll(num, NULL, 10);
		w->rpos += (size_t)k + 2;
		if (len < 0) {
			e->nil = true;
			return 0;
		}
		e->i = len;
		for (long long i = 0; i < len; i++) {
			bool keep = kids && (size_t)i < cap;
			if (resp_read(w, keep ? &kids[i] : NULL, NULL, 0, depth + 1) != 0)
				return -1;
		}
		return 0;
	}
	default:
		errno = EPROTO;
		return -1;
	}
}

static void resp_begin(struct worker *w, int nargs)
{
	req_reset(w);
	req_addf(w, "*%d\r\n", nargs);
}

static void resp_arg(struct worker *w, const char *s)
{
	size_t n = strlen(s);
	req_addf(w, "$%zu\r\n", n);
	req_add(w, s, n);
	req_add(w, "\r\n", 2);
}

/* Sends w->req and reads one reply. 0, or -1 with errno. */
static int resp_exchange(struct worker *w, struct relem *top, struct relem *kids, size_t cap)
{
	int err;
	if (w->fd < 0 && conn_open(w, &err) != 0) {
		errno = err;
		return -1;
	}
	if (send_all(w->fd, w->req, w->reqlen) != 0 || resp_read(w, top, kids, cap, 0) != 0) {
		err = errno;
		conn_close(w);
		errno = err;
		return -1;
	}
	return 0;
}

static const char *io_what(int err)
{
	return err == EAGAIN || err == EWOULDBLOCK ? "no answer in time" :
	       err == EPIPE ? "connection closed by the server" :
	       err == EPROTO ? "malformed answer" : "connection error";
}

/* ---- one reservation -------------------------------------------------------- */

enum outcome { OUT_HELD, OUT_REFUSED, OUT_ERROR, OUT_RETRY, OUT_IO };

static void build_reserve(struct worker *w, const char *order, const char *sku)
{
	if (cfg.target == TARGET_ORDEX) {
		char body[512];
		int n = snprintf(body, sizeof body,
				 "{\"order_id\":\"%s\",\"channel\":\"" CHANNEL "\",\"items\":"
				 "[{\"sku\":\"%s\",\"qty\":1}],\"ttl\":%d}",
				 order, sku, TTL_S);
		http_request(w, "POST", "/api/v1/inventory/reserve", body, (size_t)n);
	} else {
		char key[160];
		resp_begin(w, 9);
		resp_arg(w, "EVALSHA");
		resp_arg(w, cfg.sha);
		resp_arg(w, "3");
		snprintf(key, sizeof key, "res:%s", order);
		resp_arg(w, key);
		resp_arg(w, cfg.expiry_key);
		snprintf(key, sizeof key, "stock:%s", sku);
		resp_arg(w, key);
		resp_arg(w, CHANNEL);
		snprintf(key, sizeof key, "%d", TTL_S);
		resp_arg(w, key);
		resp_arg(w, "1"); /* qty */
	}
}

static int script_load(struct worker *w, char sha[41]);

/* One attempt: sends w->req (built by build_reserve) and sorts the answer. */
static enum outcome attempt_reserve(struct worker *w, const char *order, double *retry_after,
				    bool *replayed)
{
	*retry_after = -1;
	*replayed = false;
	if (cfg.target == TARGET_ORDEX) {
		struct response r;
		if (http_exchange(w, &r) != 0)
			return OUT_IO;
		w->status[r.status >= 100 && r.status < 600 ? r.status : 0]++;
		if (r.status == 200) {
			if (strstr(w->body, "\"held\"")) {
				*replayed = strstr(w->body, "\"replayed\":true") != NULL ||
					    strstr(w->body, "\"replayed\": true") != NULL;
				return OUT_HELD;
			}
			char shown[300];
			show_text(shown, sizeof shown, w->body, w->blen);
			warn_once(&shown_body, "order %s: 200 without status \"held\": %s", order, shown);
			return OUT_ERROR;
		}
		if (r.status == 409 && strstr(w->body, "insufficient"))
			return OUT_REFUSED;
		if (r.status == 429 || r.status == 503) {
			*retry_after = r.retry_after >= 0 ? r.retry_after : 0.01;
			return OUT_RETRY;
		}
		char shown[300];
		show_text(shown, sizeof shown, w->body, w->blen);
		warn_once(&shown_status, "order %s: HTTP %d: %s", order, r.status, shown);
		return OUT_ERROR;
	}

	struct relem top, kids[4];
	if (resp_exchange(w, &top, kids, 4) != 0)
		return OUT_IO;
	if (top.type == '-') {
		if (strncmp(top.s, "NOSCRIPT", 8) == 0) {
			/* The server lost the script (restarted?): load it again. */
			w->noscript++;
			char sha[41];
			char *saved = w->req;
			size_t savedlen = w->reqlen, savedcap = w->reqcap;
			w->req = NULL;
			w->reqlen = w->reqcap = 0;
			int rc = script_load(w, sha);
			free(w->req);
			w->req = saved;
			w->reqlen = savedlen;
			w->reqcap = savedcap;
			if (rc != 0)
				return OUT_IO;
			*retry_after = 0;
			return OUT_RETRY;
		}
		if (strncmp(top.s, "LOADING", 7) == 0 || strncmp(top.s, "BUSY", 4) == 0 ||
		    strncmp(top.s, "TRYAGAIN", 8) == 0) {
			*retry_after = 0.01;
			return OUT_RETRY;
		}
		warn_once(&shown_status, "order %s: Redis error: %s", order, top.s);
		return OUT_ERROR;
	}
	if (top.type != '*' || top.i < 2 || kids[0].type != ':') {
		warn_once(&shown_body, "order %s: unexpected script answer (type %c)", order, top.type);
		return OUT_ERROR;
	}
	long long code = kids[0].i;
	if (code == 1)
		return OUT_HELD;
	if (code == 2 && strcmp(kids[1].s, "held") == 0) {
		*replayed = true;
		return OUT_HELD;
	}
	if (code == 0 && strcmp(kids[1].s, "insufficient") == 0)
		return OUT_REFUSED;
	warn_once(&shown_body, "order %s: script answered %lld %s", order, code, kids[1].s);
	return OUT_ERROR;
}

/* Reserves one unit of sku for a new order until a definite answer. */
static void reserve_one(struct worker *w, long long n, long sku)
{
	char order[64], skuname[64];
	snprintf(order, sizeof order, "%s-o%lld", cfg.prefix, n);
	sku_name(skuname, sizeof skuname, sku);
	int io_attempts = 0, retries = 0;
	uint64_t start = now_ns();
	for (;;) {
		build_reserve(w, order, skuname);
		double retry_after;
		bool replayed;
		enum outcome o = attempt_reserve(w, order, &retry_after, &replayed);
		if (o == OUT_IO) {
			int err = errno;
			warn_once(&shown_io, "order %s: %s (%s)", order, io_what(err), strerror(err));
			w->io_errors++;
			if (++io_attempts < MAX_IO_ATTEMPTS && !stopping()) {
				/* Idempotent per order: the same order again is safe,
				 * a hold made by the lost attempt comes back replayed. */
				w->reconnects++;
				continue;
			}
			w->errors++;
			if (err == ECONNREFUSED)
				atomic_store(&stop_flag, true);
			return;
		}
		if (o == OUT_RETRY && retries < MAX_RETRIES && !stopping()) {
			retries++;
			w->retried++;
			if (retry_after > 0)
				sleep_ns((uint64_t)(retry_after * 1e9));
			continue;
		}
		uint64_t done = now_ns();
		if (o == OUT_HELD) {
			w->held++;
			w->answered++;
			if (replayed)
				w->replayed++;
			atomic_fetch_add_explicit(&held_units[sku], 1, memory_order_relaxed);
			hist_record(&w->hist, done - start);
		} else if (o == OUT_REFUSED) {
			w->refused++;
			w->answered++;
			hist_record(&w->hist, done - start);
		} else {
			w->errors++;
		}
		return;
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	int err;
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
		if (deadline_ns && now_ns() >= deadline_ns)
			break;
		long long n = atomic_fetch_add(&next_order, 1);
		if (cfg.requests > 0 && n >= cfg.requests)
			break;
		long sku = cfg.skus == 1 ? 0 : (long)(rng_next(&w->rng) % (uint64_t)cfg.skus);
		reserve_one(w, n, sku);
	}
	conn_close(w);
	return NULL;
}

/* ---- setup: the stock, the script ------------------------------------------------ */

static int script_load(struct worker *w, char sha[41])
{
	struct relem top;
	resp_begin(w, 3);
	resp_arg(w, "SCRIPT");
	resp_arg(w, "LOAD");
	resp_arg(w, lua_reserve);
	if (resp_exchange(w, &top, NULL, 0) != 0)
		return -1;
	if (top.type != '$' || top.slen != 40) {
		warn_once(NULL, "SCRIPT LOAD failed: %s", top.s);
		errno = EPROTO;
		return -1;
	}
	memcpy(sha, top.s, 41);
	return 0;
}

static int setup_ordex(struct worker *w)
{
	char *body = xmalloc(PUT_BODY_MAX + 512);
	long i = 0;
	while (i < cfg.skus) {
		size_t len = (size_t)snprintf(body, 64, "{\"levels\":[");
		long count = 0;
		for (; i < cfg.skus && count < LEVELS_PER_PUT && len < PUT_BODY_MAX; i++, count++) {
			char sku[64];
			sku_name(sku, sizeof sku, i);
			len += (size_t)snprintf(body + len, 256, "%s{\"sku\":\"%s\",\"on_hand\":%lld}",
						count ? "," : "", sku, cfg.stock);
		}
		len += (size_t)snprintf(body + len, 8, "]}");
		http_request(w, "PUT", "/api/v1/inventory/levels", body, len);
		struct response r;
		if (http_exchange(w, &r) != 0) {
			fprintf(stderr, "reserveload: setting the stock: %s (%s)\n", io_what(errno),
				strerror(errno));
			free(body);
			return -1;
		}
		if (r.status != 200) {
			char shown[300];
			show_text(shown, sizeof shown, w->body, w->blen);
			fprintf(stderr, "reserveload: PUT /api/v1/inventory/levels: HTTP %d: %s\n",
				r.status, shown);
			free(body);
			return -1;
		}
	}
	free(body);
	return 0;
}

static int setup_redis(struct worker *w)
{
	if (script_load(w, cfg.sha) != 0) {
		fprintf(stderr, "reserveload: SCRIPT LOAD: %s\n", strerror(errno));
		return -1;
	}
	char stock[32];
	snprintf(stock, sizeof stock, "%lld", cfg.stock);
	long i = 0;
	while (i < cfg.skus) {
		long count = cfg.skus - i < 1000 ? cfg.skus - i : 1000;
		resp_begin(w, 1 + 2 * (int)count);
		resp_arg(w, "MSET");
		for (long k = 0; k < count; k++, i++) {
			char key[96], sku[64];
			sku_name(sku, sizeof sku, i);
			snprintf(key, sizeof key, "stock:%s", sku);
			resp_arg(w, key);
			resp_arg(w, stock);
		}
		struct relem top;
		if (resp_exchange(w, &top, NULL, 0) != 0) {
			fprintf(stderr, "reserveload: MSET: %s (%s)\n", io_what(errno), strerror(errno));
			return -1;
		}
		if (top.type != '+') {
			fprintf(stderr, "reserveload: MSET: %s\n", top.s);
			return -1;
		}
	}
	return 0;
}

/* ---- the stock check ------------------------------------------------------------- */

struct level {
	bool seen;
	long long on_hand, reserved, available, remaining;
};

static struct level *levels; /* [skus] */

/* A small JSON walker for ordex's LEVEL objects: every object that has a
 * "sku" string and a "reserved" number among its own members is a level
 * (the quota and shared objects inside it have no "sku"). The root object's
 * "next_cursor" is kept. */
struct jwalk {
	const char *p, *end;
	char cursor[512];
	bool has_cursor;
	long matched;
	bool bad;
};

static void j_ws(struct jwalk *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

/* A string into buf (escapes kept simple: the escaped character, or '?'
 * for \u); false when malformed. */
static bool j_string(struct jwalk *j, char *buf, size_t cap)
{
	if (j->p >= j->end || *j->p != '"')
		return false;
	j->p++;
	size_t n = 0;
	while (j->p < j->end && *j->p != '"') {
		char c = *j->p++;
		if (c == '\\') {
			if (j->p >= j->end)
				return false;
			c = *j->p++;
			if (c == 'u') {
				j->p += 4;
				c = '?';
			}
		}
		if (buf && n + 1 < cap)
			buf[n++] = c;
	}
	if (j->p >= j->end)
		return false;
	j->p++;
	if (buf)
		buf[n] = '\0';
	return true;
}

static long sku_index(const char *sku)
{
	size_t pl = strlen(cfg.prefix);
	if (strncmp(sku, cfg.prefix, pl) != 0 || sku[pl] != '-')
		return -1;
	const char *d = sku + pl + 1;
	if (!*d || strspn(d, "0123456789") != strlen(d))
		return -1;
	long i = strtol(d, NULL, 10);
	char back[64];
	sku_name(back, sizeof back, i);
	return strcmp(back, sku) == 0 && i < cfg.skus ? i : -1;
}

static bool j_value(struct jwalk *j, int depth);

static bool j_object(struct jwalk *j, int depth)
{
	char sku[160] = "";
	bool has_sku = false, has_reserved = false, has_on_hand = false, has_available = false;
	long long on_hand = 0, reserved = 0, available = 0;
	j->p++; /* { */
	j_ws(j);
	if (j->p < j->end && *j->p == '}') {
		j->p++;
		return true;
	}
	for (;;) {
		char key[64];
		j_ws(j);
		if (!j_string(j, key, sizeof key))
			return false;
		j_ws(j);
		if (j->p >= j->end || *j->p != ':')
			return false;
		j->p++;
		j_ws(j);
		if (j->p >= j->end)
			return false;
		char c = *j->p;
		if (c == '"' && strcmp(key, "sku") == 0) {
			if (!j_string(j, sku, sizeof sku))
				return false;
			has_sku = true;
		} else if (c == '"' && depth == 0 && strcmp(key, "next_cursor") == 0) {
			if (!j_string(j, j->cursor, sizeof j->cursor))
				return false;
			j->has_cursor = j->cursor[0] != '\0';
		} else if ((c == '-' || (c >= '0' && c <= '9')) &&
			   (strcmp(key, "reserved") == 0 || strcmp(key, "on_hand") == 0 ||
			    strcmp(key, "available") == 0)) {
			char *e;
			long long v = strtoll(j->p, &e, 10);
			if (e == j->p)
				return false;
			j->p = e;
			if (*key == 'r') {
				reserved = v;
				has_reserved = true;
			} else if (*key == 'o') {
				on_hand = v;
				has_on_hand = true;
			} else {
				available = v;
				has_available = true;
			}
			/* a fraction or exponent would be a bad count: let j_value skip it */
			if (j->p < j->end && (*j->p == '.' || *j->p == 'e' || *j->p == 'E'))
				return false;
		} else if (!j_value(j, depth + 1)) {
			return false;
		}
		j_ws(j);
		if (j->p >= j->end)
			return false;
		if (*j->p == ',') {
			j->p++;
			continue;
		}
		if (*j->p == '}') {
			j->p++;
			break;
		}
		return false;
	}
	if (has_sku && has_reserved) {
		long i = sku_index(sku);
		if (i >= 0) {
			struct level *l = &levels[i];
			l->seen = true;
			l->reserved = reserved;
			l->on_hand = has_on_hand ? on_hand : LLONG_MIN;
			l->available = has_available ? available : LLONG_MIN;
			j->matched++;
		}
	}
	return true;
}

static bool j_value(struct jwalk *j, int depth)
{
	j_ws(j);
	if (j->p >= j->end || depth > 64)
		return false;
	char c = *j->p;
	if (c == '{')
		return j_object(j, depth);
	if (c == '[') {
		j->p++;
		j_ws(j);
		if (j->p < j->end && *j->p == ']') {
			j->p++;
			return true;
		}
		for (;;) {
			if (!j_value(j, depth + 1))
				return false;
			j_ws(j);
			if (j->p >= j->end)
				return false;
			if (*j->p == ',') {
				j->p++;
				continue;
			}
			if (*j->p == ']') {
				j->p++;
				return true;
			}
			return false;
		}
	}
	if (c == '"')
		return j_string(j, NULL, 0);
	/* number, true, false, null */
	const char *s = j->p;
	while (j->p < j->end && strchr("+-.0123456789eEtruefalsn", *j->p))
		j->p++;
	return j->p > s;
}

static bool parse_levels(const char *body, size_t len, struct jwalk *j)
{
	memset(j, 0, sizeof *j);
	j->p = body;
	j->end = body + len;
	if (!j_value(j, 0))
		return false;
	j_ws(j);
	return j->p == j->end;
}

static void url_escape(char *out, size_t cap, const char *s)
{
	size_t n = 0;
	for (; *s && n + 4 < cap; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~') {
			out[n++] = (char)c;
		} else {
			snprintf(out + n, 4, "%%%02X", c);
			n += 3;
		}
	}
	out[n] = '\0';
}

static int read_back_ordex(struct worker *w)
{
	struct response r;
	struct jwalk j;
	char path[2048], shown[300];
	if (cfg.skus <= 100) {
		for (long i = 0; i < cfg.skus; i++) {
			char sku[64], esc[200];
			sku_name(sku, sizeof sku, i);
			url_escape(esc, sizeof esc, sku);
			snprintf(path, sizeof path, "/api/v1/inventory/%s", esc);
			http_request(w, "GET", path, NULL, 0);
			if (http_exchange(w, &r) != 0) {
				fprintf(stderr, "reserveload: GET %s: %s\n", path, strerror(errno));
				return -1;
			}
			if (r.status != 200 || !parse_levels(w->body, w->blen, &j) || j.matched != 1) {
				show_text(shown, sizeof shown, w->body, w->blen);
				fprintf(stderr, "reserveload: GET %s: HTTP %d: %s\n", path, r.status, shown);
				return -1;
			}
		}
		return 0;
	}
	/* Every level, 1000 a page, in SKU order (SKUs of other runs pass by). */
	char cursor[512] = "";
	for (int pages = 0; pages < 1000000; pages++) {
		if (cursor[0]) {
			char esc[1600];
			url_escape(esc, sizeof esc, cursor);
			snprintf(path, sizeof path, "/api/v1/inventory?limit=1000&cursor=%s", esc);
		} else {
			snprintf(path, sizeof path, "/api/v1/inventory?limit=1000");
		}
		http_request(w, "GET", path, NULL, 0);
		if (http_exchange(w, &r) != 0) {
			fprintf(stderr, "reserveload: GET %s: %s\n", path, strerror(errno));
			return -1;
		}
		if (r.status != 200 || !parse_levels(w->body, w->blen, &j)) {
			show_text(shown, sizeof shown, w->body, w->blen);
			fprintf(stderr, "reserveload: GET %s: HTTP %d: %s\n", path, r.status, shown);
			return -1;
		}
		if (!j.has_cursor)
			return 0;
		if (strcmp(cursor, j.cursor) == 0) {
			fprintf(stderr, "reserveload: GET %s: next_cursor does not move\n", path);
			return -1;
		}
		snprintf(cursor, sizeof cursor, "%s", j.cursor);
	}
	return 0;
}

static int read_back_redis(struct worker *w, long long *expiry_count)
{
	long i = 0;
	struct relem *kids = xcalloc(1000, sizeof *kids);
	while (i < cfg.skus) {
		long count = cfg.skus - i < 1000 ? cfg.skus - i : 1000;
		resp_begin(w, 1 + (int)count);
		resp_arg(w, "MGET");
		for (long k = 0; k < count; k++) {
			char key[96], sku[64];
			sku_name(sku, sizeof sku, i + k);
			snprintf(key, sizeof key, "stock:%s", sku);
			resp_arg(w, key);
		}
		struct relem top;
		if (resp_exchange(w, &top, kids, 1000) != 0 || top.type != '*' || top.i != count) {
			fprintf(stderr, "reserveload: MGET: %s\n", top.type == '-' ? top.s : strerror(errno));
			free(kids);
			return -1;
		}
		for (long k = 0; k < count; k++, i++) {
			if (kids[k].nil || kids[k].type != '$')
				continue;
			char *e;
			long long v = strtoll(kids[k].s, &e, 10);
			if (e == kids[k].s || *e)
				continue;
			levels[i].seen = true;
			levels[i].remaining = v;
		}
	}
	free(kids);
	struct relem top;
	resp_begin(w, 2);
	resp_arg(w, "ZCARD");
	resp_arg(w, cfg.expiry_key);
	if (resp_exchange(w, &top, NULL, 0) != 0 || top.type != ':') {
		fprintf(stderr, "reserveload: ZCARD: %s\n", top.type == '-' ? top.s : strerror(errno));
		return -1;
	}
	*expiry_count = top.i;
	return 0;
}

struct check {
	bool done;
	long long stock_units, held_units, taken_units, remaining_units, holds_recorded;
	long missing, negative, oversold, mismatched, sold_out;
	char first[256]; /* the first SKU that failed, described */
};

static void check_stock(struct worker *ctl, struct check *c)
{
	memset(c, 0, sizeof *c);
	c->holds_recorded = -1;
	levels = xcalloc((size_t)cfg.skus, sizeof *levels);
	int rc = cfg.target == TARGET_ORDEX ? read_back_ordex(ctl) : read_back_redis(ctl, &c->holds_recorded);
	if (rc != 0)
		return;
	c->done = true;
	for (long i = 0; i < cfg.skus; i++) {
		struct level *l = &levels[i];
		long long held = (long long)atomic_load(&held_units[i]);
		c->stock_units += cfg.stock;
		c->held_units += held;
		char sku[64];
		sku_name(sku, sizeof sku, i);
		if (!l->seen) {
			if (!c->missing++ && !c->first[0])
				snprintf(c->first, sizeof c->first, "%s: not found on read-back", sku);
			continue;
		}
		long long remaining, taken;
		bool consistent = true;
		if (cfg.target == TARGET_ORDEX) {
			/* remaining: what a new reservation may take */
			remaining = l->available;
			taken = cfg.stock - remaining;
			consistent = l->on_hand == cfg.stock && l->reserved == taken;
		} else {
			remaining = l->remaining;
			taken = cfg.stock - remaining;
		}
		c->taken_units += taken;
		c->remaining_units += remaining;
		if (remaining == 0)
			c->sold_out++;
		bool bad = false;
		if (remaining < 0) {
			c->negative++;
			bad = true;
		}
		if (held > cfg.stock || taken > cfg.stock) {
			c->oversold++;
			bad = true;
		}
		if (taken != held || !consistent) {
			c->mismatched++;
			bad = true;
		}
		if (bad && !c->first[0]) {
			if (cfg.target == TARGET_ORDEX)
				snprintf(c->first, sizeof c->first,
					 "%s: stock %lld, answered held %lld, server on_hand %lld reserved %lld "
					 "available %lld", sku, cfg.stock, held, l->on_hand, l->reserved,
					 l->available);
			else
				snprintf(c->first, sizeof c->first,
					 "%s: stock %lld, answered held %lld, server remaining %lld", sku,
					 cfg.stock, held, l->remaining);
		}
	}
}

/* ---- arguments ----------------------------------------------------------------- */

static void usage(FILE *f)
{
	fputs("usage: reserveload --target ordex --url http://HOST:PORT [--header \"Name: value\"]...\n"
	      "       reserveload --target redis --redis HOST:PORT\n"
	      "                   [--skus N] [--stock UNITS] [--requests N | --duration S]\n"
	      "                   [--connections C] [--seed N] [--prefix P] [--server-pid PID] [--json]\n"
	      "\n"
	      "Sets UNITS of stock on each of N SKUs, then reserves one unit at a time over C\n"
	      "keep-alive connections (closed loop, one request in flight per connection),\n"
	      "each reservation for a new order and one SKU (the one SKU, or uniformly at\n"
	      "random), and reports reservations/s and latency. Then reads the stock back\n"
	      "and checks that the units answered as held are the units the server took,\n"
	      "never below zero (zero oversell).\n"
	      "\n"
	      "  --target ordex|redis  ordex: POST /api/v1/inventory/reserve;\n"
	      "                        redis: EVALSHA of a check-and-decrement Lua script\n"
	      "  --url URL             ordex's base URL (http only)\n"
	      "  --header H            an extra request header for ordex (repeatable)\n"
	      "  --redis HOST:PORT     the Redis server\n"
	      "  --skus N              SKUs, 1 = one hot SKU (default 1)\n"
	      "  --stock UNITS         stock set on each SKU before the run (default 1000000)\n"
	      "  --requests N          reservations to send in all (default 100000)\n"
	      "  --duration S          instead: start none after S seconds\n"
	      "  --connections C       concurrent connections, one thread each (default 16)\n"
	      "  --seed N              seed of the SKU draws (default 1)\n"
	      "  --prefix P            names of this run's SKUs and orders (default: new each run)\n"
	      "  --server-pid PID      report that process's CPU time per reservation\n"
	      "  --json                one JSON object on stdout (summary to stderr)\n"
	      "\n"
	      "Exit status: 0 every reservation answered and zero oversell, 1 otherwise,\n"
	      "2 usage error. See bench/reserveload.md.\n",
	      f);
}

__attribute__((format(printf, 1, 2), noreturn))
static void usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("reserveload: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputs("\n(reserveload --help for usage)\n", stderr);
	va_end(ap);
	exit(2);
}

static long long parse_ll(const char *opt, const char *s, long long min, long long max)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		usage_error("%s: expected an integer from %lld to %lld, got '%s'", opt, min, max, s);
	return v;
}

static void split_host_port(const char *opt, const char *hp, size_t len, const char *defport)
{
	if (len == 0 || len >= sizeof cfg.authority)
		usage_error("%s: bad address '%s'", opt, hp);
	memcpy(cfg.authority, hp, len);
	cfg.authority[len] = '\0';
	const char *host = cfg.authority, *port = NULL;
	size_t hlen;
	if (host[0] == '[') {
		const char *close = strchr(host, ']');
		if (!close)
			usage_error("%s: unterminated IPv6 address in '%s'", opt, hp);
		host++;
		hlen = (size_t)(close - host);
		if (close[1] == ':')
			port = close + 2;
		else if (close[1])
			usage_error("%s: bad address '%s'", opt, hp);
	} else {
		const char *colon = strchr(host, ':');
		hlen = colon ? (size_t)(colon - host) : strlen(host);
		if (colon)
			port = colon + 1;
	}
	if (hlen == 0 || hlen >= sizeof cfg.host)
		usage_error("%s: bad host in '%s'", opt, hp);
	memcpy(cfg.host, host, hlen);
	cfg.host[hlen] = '\0';
	if (!port)
		port = defport;
	if (!*port || strlen(port) >= sizeof cfg.port || strspn(port, "0123456789") != strlen(port) ||
	    atoi(port) < 1 || atoi(port) > 65535)
		usage_error("%s: bad port in '%s'", opt, hp);
	strcpy(cfg.port, port);
}

static void add_header(const char *h, char **extra, size_t *len)
{
	const char *colon = strchr(h, ':');
	if (!colon || colon == h || strpbrk(h, "\r\n"))
		usage_error("--header: expected \"Name: value\", got '%s'", h);
	size_t n = strlen(h);
	char *p = realloc(*extra, *len + n + 3);
	if (!p)
		out_of_memory();
	memcpy(p + *len, h, n);
	memcpy(p + *len + n, "\r\n", 3);
	*extra = p;
	*len += n + 2;
}

static void parse_args(int argc, char **argv)
{
	char *extra = NULL;
	size_t extra_len = 0;
	cfg.skus = 1;
	cfg.stock = 1000000;
	cfg.connections = 16;
	cfg.seed = 1;
	bool have_requests = false;
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
		static const char *const known[] = { "--target", "--url", "--header", "--redis", "--skus",
						     "--stock", "--requests", "--duration", "--connections",
						     "--seed", "--prefix", "--server-pid" };
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
		if (strcmp(name, "--target") == 0) {
			if (strcmp(val, "ordex") == 0)
				cfg.target = TARGET_ORDEX;
			else if (strcmp(val, "redis") == 0)
				cfg.target = TARGET_REDIS;
			else
				usage_error("--target: expected ordex or redis, got '%s'", val);
		} else if (strcmp(name, "--url") == 0) {
			cfg.url = val;
		} else if (strcmp(name, "--header") == 0) {
			add_header(val, &extra, &extra_len);
		} else if (strcmp(name, "--redis") == 0) {
			cfg.redis = val;
		} else if (strcmp(name, "--skus") == 0) {
			cfg.skus = (long)parse_ll(name, val, 1, MAX_SKUS);
		} else if (strcmp(name, "--stock") == 0) {
			cfg.stock = parse_ll(name, val, 0, 1000000000000LL);
		} else if (strcmp(name, "--requests") == 0) {
			cfg.requests = parse_ll(name, val, 1, 1000000000000LL);
			have_requests = true;
		} else if (strcmp(name, "--duration") == 0) {
			char *end;
			errno = 0;
			cfg.duration = strtod(val, &end);
			if (errno || end == val || *end || !(cfg.duration > 0) || cfg.duration > 86400)
				usage_error("--duration: expected seconds, got '%s'", val);
		} else if (strcmp(name, "--connections") == 0) {
			cfg.connections = (long)parse_ll(name, val, 1, MAX_CONNECTIONS);
		} else if (strcmp(name, "--seed") == 0) {
			cfg.seed = (uint64_t)parse_ll(name, val, 0, LLONG_MAX);
		} else if (strcmp(name, "--prefix") == 0) {
			if (!*val || strlen(val) > 20 ||
			    strspn(val, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.") !=
				    strlen(val))
				usage_error("--prefix: 1..20 letters, digits, '_' or '.', got '%s'", val);
			strcpy(cfg.prefix, val);
		} else if (strcmp(name, "--server-pid") == 0) {
			cfg.server_pid = (long)parse_ll(name, val, 1, INT_MAX);
		}
	}
	if (cfg.target == TARGET_NONE)
		usage_error("--target is required");
	if (cfg.target == TARGET_ORDEX) {
		if (!cfg.url)
			usage_error("--target ordex needs --url");
		if (cfg.redis)
			usage_error("--redis is for --target redis");
		const char *u = cfg.url;
		if (strncasecmp(u, "http://", 7) != 0)
			usage_error("--url: expected http://HOST[:PORT][/BASE], got '%s'", u);
		u += 7;
		const char *slash = strchr(u, '/');
		size_t alen = slash ? (size_t)(slash - u) : strlen(u);
		split_host_port("--url", u, alen, "80");
		const char *base = slash ? slash : "";
		size_t bl = strlen(base);
		while (bl > 0 && base[bl - 1] == '/')
			bl--;
		if (bl >= sizeof cfg.base || strpbrk(base, " \r\n"))
			usage_error("--url: bad path in '%s'", cfg.url);
		memcpy(cfg.base, base, bl);
		cfg.base[bl] = '\0';
	} else {
		if (!cfg.redis)
			usage_error("--target redis needs --redis HOST:PORT");
		if (cfg.url || extra)
			usage_error("--url and --header are for --target ordex");
		split_host_port("--redis", cfg.redis, strlen(cfg.redis), "6379");
	}
	if (have_requests && cfg.duration > 0)
		usage_error("--requests and --duration: one or the other");
	if (!have_requests && !(cfg.duration > 0))
		cfg.requests = 100000;
	if (!cfg.prefix[0]) {
		/* New names every run, so runs against the same server do not meet. */
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		uint64_t x = ((uint64_t)ts.tv_sec * 1000003u) ^ ((uint64_t)ts.tv_nsec << 7) ^
			     ((uint64_t)getpid() << 40);
		static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
		char s[16];
		int k = 0;
		s[k++] = 'r';
		for (int d = 0; d < 8; d++, x /= 36)
			s[k++] = digits[x % 36];
		s[k] = '\0';
		strcpy(cfg.prefix, s);
	}
	snprintf(cfg.expiry_key, sizeof cfg.expiry_key, "res-expiry:%s", cfg.prefix);
	int n = snprintf(NULL, 0, "Host: %s\r\n%s", cfg.authority, extra ? extra : "");
	cfg.headers = xmalloc((size_t)n + 1);
	snprintf(cfg.headers, (size_t)n + 1, "Host: %s\r\n%s", cfg.authority, extra ? extra : "");
	cfg.headers_len = (size_t)n;
	free(extra);
}

/* ---- report ------------------------------------------------------------------- */

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

static const char *ms(char *buf, size_t cap, uint64_t ns)
{
	double v = (double)ns / 1e6;
	snprintf(buf, cap, v < 1 ? "%.2f" : v < 10 ? "%.1f" : "%.0f", v);
	return buf;
}

/* CPU seconds (user + system) of a process, from /proc; < 0 when unknown. */
static double proc_cpu_s(long pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	const char *p = strrchr(buf, ')');
	if (!p)
		return -1;
	/* after ") ": state(3) ... utime(14) stime(15) */
	unsigned long long ut = 0, st = 0;
	int field = 2;
	for (const char *q = p + 1; *q; q++) {
		if (*q == ' ') {
			field++;
			if (field == 14)
				ut = strtoull(q + 1, NULL, 10);
			else if (field == 15) {
				st = strtoull(q + 1, NULL, 10);
				break;
			}
		}
	}
	long hz = sysconf(_SC_CLK_TCK);
	return hz > 0 ? (double)(ut + st) / (double)hz : -1;
}

static double self_cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void on_signal(int sig)
{
	(void)sig;
	atomic_store(&interrupted, 1);
}

int main(int argc, char **argv)
{
	parse_args(argc, argv);

	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	int gai = getaddrinfo(cfg.host, cfg.port, &hints, &cfg.addrs);
	if (gai != 0) {
		fprintf(stderr, "reserveload: cannot resolve %s: %s\n", cfg.host, gai_strerror(gai));
		return 1;
	}
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* The control connection: stock before, read-back after. */
	struct worker ctl = { .fd = -1, .rcap = 65536, .bcap = 65536 };
	ctl.rbuf = xmalloc(ctl.rcap);
	ctl.body = xmalloc(ctl.bcap);
	ctl.body[0] = '\0';
	int err;
	if (conn_open(&ctl, &err) != 0) {
		fprintf(stderr, "reserveload: cannot connect to %s: %s\n", cfg.authority, strerror(err));
		return 1;
	}
	held_units = held_units_mem = xcalloc((size_t)cfg.skus, sizeof *held_units);
	if ((cfg.target == TARGET_ORDEX ? setup_ordex(&ctl) : setup_redis(&ctl)) != 0)
		return 1;

	size_t nw = (size_t)cfg.connections;
	struct worker *ws = xcalloc(nw, sizeof *ws);
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	pthread_barrier_init(&start_barrier, NULL, (unsigned)nw + 1);
	for (size_t i = 0; i < nw; i++) {
		struct worker *w = &ws[i];
		w->id = (int)i;
		w->fd = -1;
		w->rcap = 16384;
		w->rbuf = xmalloc(w->rcap);
		w->bcap = 4096;
		w->body = xmalloc(w->bcap);
		w->body[0] = '\0';
		w->hist.counts = xcalloc(HIST_LEN, sizeof *w->hist.counts);
		w->rng = (cfg.seed + 1) * 0x9E3779B97F4A7C15ULL ^ ((uint64_t)(i + 1) * 0xBF58476D1CE4E5B9ULL);
		if (!w->rng)
			w->rng = 1;
		int rc = pthread_create(&w->tid, &attr, worker_main, w);
		if (rc != 0) {
			fprintf(stderr, "reserveload: cannot start thread %zu: %s\n", i, strerror(rc));
			exit(1);
		}
	}
	pthread_attr_destroy(&attr);

	double server_cpu0 = cfg.server_pid ? proc_cpu_s(cfg.server_pid) : -1;
	double self_cpu0 = self_cpu_s();
	t0_ns = now_ns();
	if (cfg.duration > 0)
		deadline_ns = t0_ns + (uint64_t)(cfg.duration * 1e9);
	pthread_barrier_wait(&start_barrier);
	for (size_t i = 0; i < nw; i++)
		pthread_join(ws[i].tid, NULL);
	uint64_t end_ns = now_ns();
	double server_cpu = cfg.server_pid && server_cpu0 >= 0 ? proc_cpu_s(cfg.server_pid) - server_cpu0 : -1;
	double self_cpu = self_cpu_s() - self_cpu0;

	if (atomic_load(&connect_failed)) {
		fprintf(stderr, "reserveload: nothing sent: %d of %zu connections could not be opened\n",
			atomic_load(&connect_failed), nw);
		return 1;
	}

	struct hist h = { .counts = xcalloc(HIST_LEN, sizeof *h.counts) };
	struct worker t = { 0 };
	for (size_t i = 0; i < nw; i++) {
		struct worker *w = &ws[i];
		hist_merge(&h, &w->hist);
		for (size_t k = 0; k < 600; k++)
			t.status[k] += w->status[k];
		t.answered += w->answered;
		t.held += w->held;
		t.refused += w->refused;
		t.replayed += w->replayed;
		t.errors += w->errors;
		t.retried += w->retried;
		t.connects += w->connects;
		t.reconnects += w->reconnects;
		t.io_errors += w->io_errors;
		t.noscript += w->noscript;
	}
	double secs = (double)(end_ns - t0_ns) / 1e9;
	if (secs <= 0)
		secs = 1e-9;
	double rps = (double)t.answered / secs, hps = (double)t.held / secs;
	uint64_t p50 = hist_percentile(&h, 50), p90 = hist_percentile(&h, 90),
		 p99 = hist_percentile(&h, 99), p999 = hist_percentile(&h, 99.9);

	struct check c;
	check_stock(&ctl, &c);
	conn_close(&ctl);

	FILE *out = cfg.json ? stderr : stdout;
	char a[32], b[32], d[32], e[32], f[32], g[32], h999[32], hmax[32];
	const char *tname = cfg.target == TARGET_ORDEX ? "ordex" : "redis";
	fprintf(out,
		"%s, %ld SKU%s x %s units, %ld conns: %s reservations/s (%s held/s); latency p50 %s ms "
		"p90 %s ms p99 %s ms p99.9 %s ms max %s ms; held %llu refused %llu errors %llu\n",
		tname, cfg.skus, cfg.skus == 1 ? "" : "s", thousands(a, sizeof a, (uint64_t)cfg.stock),
		cfg.connections, thousands(b, sizeof b, (uint64_t)(rps + 0.5)),
		thousands(d, sizeof d, (uint64_t)(hps + 0.5)), ms(e, sizeof e, p50),
		ms(f, sizeof f, p90), ms(g, sizeof g, p99), ms(h999, sizeof h999, p999),
		ms(hmax, sizeof hmax, h.max), (unsigned long long)t.held, (unsigned long long)t.refused,
		(unsigned long long)t.errors);
	fprintf(out, "  closed loop; %llu answered in %.3f s on %llu connections (names %s-*)",
		(unsigned long long)t.answered, secs, (unsigned long long)t.connects, cfg.prefix);
	if (t.replayed)
		fprintf(out, "; replayed after a resend %llu", (unsigned long long)t.replayed);
	if (t.retried)
		fprintf(out, "; retried %llu", (unsigned long long)t.retried);
	if (t.io_errors)
		fprintf(out, "; transport errors %llu", (unsigned long long)t.io_errors);
	if (t.noscript)
		fprintf(out, "; script reloaded %llu", (unsigned long long)t.noscript);
	if (cfg.target == TARGET_ORDEX) {
		fputs("; status", out);
		for (size_t k = 0; k < 600; k++)
			if (t.status[k])
				fprintf(out, " %zu:%llu", k, (unsigned long long)t.status[k]);
	}
	if (t.answered) {
		fprintf(out, "; CPU per reservation: load generator %.0f us", self_cpu / (double)t.answered * 1e6);
		if (server_cpu >= 0)
			fprintf(out, ", server %.0f us", server_cpu / (double)t.answered * 1e6);
	}
	if (atomic_load(&interrupted))
		fputs("; interrupted", out);
	fputc('\n', out);

	bool oversell = false, check_ok = false;
	if (!c.done) {
		fputs("  stock check: could not read the stock back\n", out);
	} else {
		oversell = c.negative || c.oversold;
		check_ok = !oversell && !c.mismatched && !c.missing;
		fprintf(out,
			"  stock check (%ld SKU%s): %lld units answered held, %lld taken on the server, "
			"%lld remaining, %ld sold out; ",
			cfg.skus, cfg.skus == 1 ? "" : "s", c.held_units, c.taken_units, c.remaining_units,
			c.sold_out);
		if (c.holds_recorded >= 0)
			fprintf(out, "%lld holds in the expiry index; ", c.holds_recorded);
		if (check_ok)
			fputs("zero oversell\n", out);
		else
			fprintf(out, "%s: %ld below zero, %ld oversold, %ld not matching the answers, "
				"%ld missing; first: %s\n",
				oversell ? "OVERSELL" : "MISMATCH", c.negative, c.oversold, c.mismatched,
				c.missing, c.first);
		if (c.holds_recorded >= 0 && (uint64_t)c.holds_recorded != t.held) {
			/* every order answered held (a replay too: its hold was made
			 * once, by the attempt whose answer was lost) is in the index */
			fprintf(out, "  MISMATCH: %lld holds recorded, %llu orders answered held\n",
				c.holds_recorded, (unsigned long long)t.held);
			check_ok = false;
		}
	}

	if (cfg.json) {
		printf("{\"target\":\"%s\",\"skus\":%ld,\"stock\":%lld,\"connections\":%ld,"
		       "\"requests\":%llu,\"seconds\":%.6f,\"reservations_per_s\":%.1f,\"held_per_s\":%.1f,"
		       "\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"max_ms\":%.3f,"
		       "\"held\":%llu,\"refused\":%llu,\"replayed\":%llu,\"errors\":%llu,\"retried\":%llu,"
		       "\"transport_errors\":%llu,\"connects\":%llu,"
		       "\"client_cpu_us\":%.1f,\"server_cpu_us\":%.1f,"
		       "\"checked\":%s,\"held_units\":%lld,\"taken_units\":%lld,\"remaining_units\":%lld,"
		       "\"sold_out_skus\":%ld,\"negative_skus\":%ld,\"oversold_skus\":%ld,"
		       "\"mismatched_skus\":%ld,\"missing_skus\":%ld,\"holds_recorded\":%lld,"
		       "\"oversell\":%s,\"check_ok\":%s,\"prefix\":\"%s\"}\n",
		       tname, cfg.skus, cfg.stock, cfg.connections, (unsigned long long)t.answered, secs,
		       rps, hps, (double)p50 / 1e6, (double)p90 / 1e6, (double)p99 / 1e6,
		       (double)p999 / 1e6, (double)h.max / 1e6, (unsigned long long)t.held,
		       (unsigned long long)t.refused, (unsigned long long)t.replayed,
		       (unsigned long long)t.errors, (unsigned long long)t.retried,
		       (unsigned long long)t.io_errors, (unsigned long long)t.connects,
		       t.answered ? self_cpu / (double)t.answered * 1e6 : 0,
		       t.answered && server_cpu >= 0 ? server_cpu / (double)t.answered * 1e6 : -1,
		       c.done ? "true" : "false", c.held_units, c.taken_units, c.remaining_units,
		       c.sold_out, c.negative, c.oversold, c.mismatched, c.missing, c.holds_recorded,
		       oversell ? "true" : "false", check_ok ? "true" : "false", cfg.prefix);
	}
	fflush(stdout);

	for (size_t i = 0; i < nw; i++) {
		free(ws[i].rbuf);
		free(ws[i].body);
		free(ws[i].req);
		free(ws[i].hist.counts);
	}
	free(ws);
	free(h.counts);
	free(ctl.rbuf);
	free(ctl.body);
	free(ctl.req);
	free(levels);
	free(held_units_mem);
	free(cfg.headers);
	freeaddrinfo(cfg.addrs);
	pthread_barrier_destroy(&start_barrier);
	bool ok = c.done && check_ok && t.errors == 0 && !atomic_load(&interrupted) &&
		  (cfg.requests == 0 || t.answered == (uint64_t)cfg.requests);
	return ok ? 0 : 1;
}

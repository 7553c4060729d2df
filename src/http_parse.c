/* http_parse.c - HTTP/1.1 requests as bytes (http_parse.h; RFC 9112).
 *
 * The head is cut into lines with NULs where their CRLF or LF was, then
 * each line into its parts; every string handed out lies in the caller's
 * buffer. The chunked decoder is a byte-at-a-time state machine (data is
 * copied in runs), so it gives the same result however the body is split.
 */
#include "http_parse.h"

#include <string.h>
#include <strings.h>

static int fail(const char **why, int status, const char *reason)
{
	*why = reason;
	return status;
}

static bool tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool digit(char c)
{
	return c >= '0' && c <= '9';
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The length of s[0..n) without its trailing blanks. */
static size_t rtrim(const char *s, size_t n)
{
	while (n && blank(s[n - 1]))
		n--;
	return n;
}

ssize_t ox_http_head_scan(struct ox_http_head_scan *s, const char *buf, size_t len)
{
	size_t lim = len < OX_HTTP_HEAD_MAX ? len : OX_HTTP_HEAD_MAX;
	for (size_t i = s->pos; i < lim; i++) {
		if (buf[i] != '\n')
			continue;
		size_t n = i - s->line - (i > s->line && buf[i - 1] == '\r');
		if (!n && s->request_line)
			return (ssize_t)i + 1;
		s->request_line |= n > 0; /* empty lines before it are skipped */
		s->line = i + 1;
	}
	if (lim > s->pos)
		s->pos = lim;
	return len >= OX_HTTP_HEAD_MAX ? -1 : 0;
}

ssize_t ox_http_head_end(const char *buf, size_t len)
{
	struct ox_http_head_scan s = { 0 };
	return ox_http_head_scan(&s, buf, len);
}

/* Percent-decode s in place, '+' as a space when plus; "%zz" stays as it
 * is. -1 at a %00, which would cut the string short. */
static int decode(char *s, bool plus)
{
	char *o = s;
	for (; *s; s++) {
		int hi, lo;
		if (*s == '%' && (hi = hexval((unsigned char)s[1])) >= 0 && (lo = hexval((unsigned char)s[2])) >= 0) {
			if (!(*o++ = (char)(hi << 4 | lo)))
				return -1;
			s += 2;
		} else {
			*o++ = plus && *s == '+' ? ' ' : *s;
		}
	}
	*o = '\0';
	return 0;
}

/* name=value&name2=value2: empty pieces skipped, a piece without '='
 * valued "" (its name's NUL). */
static int parse_query(char *q, struct ox_http_head *h, const char **why)
{
	for (char *piece = q, *amp; piece; piece = amp) {
		if ((amp = strchr(piece, '&')))
			*amp++ = '\0';
		if (!*piece)
			continue;
		if (h->n_args == OX_HTTP_FIELDS_MAX)
			return fail(why, 431, "too many query arguments");
		char *eq = strchr(piece, '=');
		if (eq)
			*eq++ = '\0';
		if (decode(piece, true) < 0 || (eq && decode(eq, true) < 0))
			return fail(why, 400, "a NUL byte (%00) in the query");
		h->args[h->n_args++] = (struct ox_http_field){ piece, eq ? eq : piece + strlen(piece) };
	}
	return 0;
}

/* origin-form "/path?query", or absolute-form "http://host/path?query"
 * whose path is taken; a "#fragment" dropped. */
static int parse_target(char *t, struct ox_http_head *h, const char **why)
{
	t[strcspn(t, "#")] = '\0';
	char *q = strchr(t, '?');
	if (q)
		*q++ = '\0';
	if (!strncasecmp(t, "http://", 7) || !strncasecmp(t, "https://", 8)) {
		char *path = strchr(strstr(t, "//") + 2, '/');
		if (!path) { /* "http://host": "/" over the host's last byte (or the second '/' of "//") */
			path = t + strlen(t) - 1;
			*path = '/';
		}
		t = path;
	}
	if (*t != '/')
		return fail(why, 400, "the target's path does not start with '/'");
	if (decode(t, false) < 0)
		return fail(why, 400, "a NUL byte (%00) in the path");
	h->path = t;
	return q ? parse_query(q, h, why) : 0;
}

/* METHOD SP target SP HTTP/1.x, the line s[0..len) (NUL at s[len]). */
static int request_line(char *s, size_t len, struct ox_http_head *h, const char **why)
{
	char *sp = s;
	while (tchar((unsigned char)*sp))
		sp++;
	if (sp == s || *sp != ' ')
		return fail(why, 400, "malformed method");
	*sp = '\0';
	char *target = sp + 1, *t = target;
	while ((unsigned char)*t > ' ' && *t != 0x7F)
		t++;
	if (t == target || *t != ' ')
		return fail(why, 400, "malformed request target");
	*t = '\0';
	const char *v = t + 1;
	if (strncmp(v, "HTTP/", 5) || !digit(v[5]) || v[6] != '.' || !digit(v[7]) || v + 8 != s + len)
		return fail(why, 400, "malformed HTTP version");
	if (v[5] != '1' || v[7] > '1')
		return fail(why, 505, "HTTP version not supported (only 1.0 and 1.1)");
	h->method = s;
	h->minor = v[7] - '0';
	return parse_target(target, h, why);
}

/* What the fields that matter to this module have said. */
struct seen {
	bool length, close, keep_alive, expect;
	int hosts;
};

/* The next element of the comma list at *p: its start and length, blanks
 * trimmed; empty elements skipped (RFC 9110 5.6.1). False at the end. */
static bool list_next(const char **p, const char **el, size_t *len)
{
	const char *s = *p + strspn(*p, " \t,");
	if (!*s)
		return false;
	const char *e = s + strcspn(s, ",");
	*p = e;
	*el = s;
	*len = rtrim(s, (size_t)(e - s));
	return true;
}

static bool is(const char *el, size_t len, const char *word)
{
	return len == strlen(word) && !strncasecmp(el, word, len);
}

/* Digits only, fitting 64 bits; repeated (in a list or in several headers)
 * only with the same value (RFC 9110 8.6). */
static int content_length(char *v, struct ox_http_head *h, struct seen *s, const char **why)
{
	const char *el;
	size_t len;
	for (const char *p = v; list_next(&p, &el, &len);) {
		uint64_t x = 0;
		for (size_t i = 0; i < len; i++) {
			unsigned d = (unsigned char)el[i] - '0';
			if (d > 9 || x > (UINT64_MAX - d) / 10)
				return fail(why, 400, "malformed Content-Length");
			x = x * 10 + d;
		}
		if (s->length && x != h->content_length)
			return fail(why, 400, "different Content-Lengths");
		h->content_length = x;
		s->length = true;
	}
	return s->length ? 0 : fail(why, 400, "empty Content-Length");
}

/* chunked, once, and nothing else: any other coding is one we lack. */
static int transfer_encoding(char *v, struct ox_http_head *h, struct seen *s, const char **why)
{
	(void)s;
	const char *el;
	size_t len, n = 0;
	for (const char *p = v; list_next(&p, &el, &len); n++) {
		if (!is(el, len, "chunked"))
			return fail(why, 501, "a transfer coding other than chunked");
		if (h->chunked)
			return fail(why, 400, "chunked twice");
		h->chunked = true;
	}
	return n ? 0 : fail(why, 400, "empty Transfer-Encoding");
}

static int connection(char *v, struct ox_http_head *h, struct seen *s, const char **why)
{
	(void)h, (void)why;
	const char *el;
	size_t len;
	for (const char *p = v; list_next(&p, &el, &len);) {
		s->close |= is(el, len, "close");
		s->keep_alive |= is(el, len, "keep-alive");
	}
	return 0;
}

static int expect(char *v, struct ox_http_head *h, struct seen *s, const char **why)
{
	(void)h, (void)why;
	s->expect |= !strcasecmp(v, "100-continue");
	return 0;
}

static int host(char *v, struct ox_http_head *h, struct seen *s, const char **why)
{
	(void)v, (void)h, (void)why;
	s->hosts++;
	return 0;
}

/* "n=v; n2="v2"": cut in place into the cookies; pieces without a name
 * and '=' skipped. */
static int cookie(char *v, struct ox_http_head *h, struct seen *s, const char **why)
{
	(void)s;
	for (char *p = v, *semi; p; p = semi) {
		if ((semi = strchr(p, ';')))
			*semi++ = '\0';
		char *name = p + strspn(p, " \t"), *eq = strchr(name, '=');
		if (!eq || !rtrim(name, (size_t)(eq - name)))
			continue;
		name[rtrim(name, (size_t)(eq - name))] = '\0';
		char *val = eq + 1 + strspn(eq + 1, " \t"), *e = val + rtrim(val, strlen(val));
		if (e - val >= 2 && *val == '"' && e[-1] == '"')
			val++, e--;
		*e = '\0';
		if (h->n_cookies == OX_HTTP_FIELDS_MAX)
			return fail(why, 431, "too many cookies");
		h->cookies[h->n_cookies++] = (struct ox_http_field){ name, val };
	}
	return 0;
}

/* The headers this module reads, by name (case-insensitive). */
static const struct {
	const char *name;
	int (*read)(char *value, struct ox_http_head *h, struct seen *s, const char **why);
} fields[] = {
	{ "Content-Length", content_length },
	{ "Transfer-Encoding", transfer_encoding },
	{ "Connection", connection },
	{ "Expect", expect },
	{ "Host", host },
	{ "Cookie", cookie },
};

/* name ":" OWS value OWS, the line s[0..len). */
static int header_line(char *s, size_t len, struct ox_http_head *h, struct seen *seen, const char **why)
{
	if (blank(*s))
		return fail(why, 400, "a folded header line (obs-fold)");
	char *c = s;
	while (tchar((unsigned char)*c))
		c++;
	if (c == s || *c != ':')
		return fail(why, 400, "malformed header name");
	*c = '\0';
	char *v = c + 1 + strspn(c + 1, " \t"), *e = v + rtrim(v, (size_t)(s + len - v));
	for (const char *x = v; x < e; x++)
		if (((unsigned char)*x < ' ' && *x != '\t') || *x == 0x7F)
			return fail(why, 400, "a control byte in a header value");
	*e = '\0';
	if (h->n_headers == OX_HTTP_FIELDS_MAX)
		return fail(why, 431, "too many headers");
	h->headers[h->n_headers++] = (struct ox_http_field){ s, v };
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		if (!strcasecmp(s, fields[i].name))
			return fields[i].read(v, h, seen, why);
	return 0;
}

/* The next line at *p before end, cut with a NUL where its (CR)LF was, its
 * length in *len; NULL when no LF ends it. */
static char *next_line(char **p, char *end, size_t *len)
{
	char *s = *p, *lf = memchr(s, '\n', (size_t)(end - s));
	if (!lf)
		return NULL;
	*p = lf + 1;
	char *e = lf - (lf > s && lf[-1] == '\r');
	*e = '\0';
	*len = (size_t)(e - s);
	return s;
}

int ox_http_parse_head(char *buf, size_t n, struct ox_http_head *h, const char **why)
{
	memset(h, 0, sizeof *h);
	char *p = buf, *end = buf + n, *line;
	size_t len;
	do { /* empty lines before the request line are skipped (RFC 9112 2.2) */
		if (!(line = next_line(&p, end, &len)))
			return fail(why, 400, "incomplete head");
	} while (!len);
	int st = request_line(line, len, h, why);
	struct seen seen = { 0 };
	while (!st) {
		if (!(line = next_line(&p, end, &len)))
			return fail(why, 400, "incomplete head");
		if (!len)
			break;
		st = header_line(line, len, h, &seen, why);
	}
	if (st)
		return st;
	if (h->chunked && seen.length)
		return fail(why, 400, "both Content-Length and Transfer-Encoding");
	if (h->chunked && h->minor == 0) /* RFC 9112 6.1: faulty framing */
		return fail(why, 400, "Transfer-Encoding in HTTP/1.0");
	if (seen.hosts > 1 || (h->minor == 1 && !seen.hosts))
		return fail(why, 400, "no Host header, or more than one");
	h->keep_alive = !seen.close && (h->minor == 1 || seen.keep_alive);
	h->expect_continue = seen.expect && h->minor == 1; /* RFC 9110 10.1.1: ignored in 1.0 */
	return 0;
}

const char *ox_http_field(const struct ox_http_field *f, size_t n, const char *name, bool nocase)
{
	for (size_t i = 0; i < n; i++)
		if (!(nocase ? strcasecmp(f[i].name, name) : strcmp(f[i].name, name)))
			return f[i].value;
	return NULL;
}

/* The chunked decoder's states; CR is added to a line's state once its CR
 * has been read, so the next byte must be LF. */
enum { CH_SIZE, CH_SIZE_BLANK, CH_EXT, CH_DATA, CH_DATA_END, CH_TRAILER, CR = 8 };

#define CHUNK_LINE_MAX 4096
#define CHUNK_SIZE_MAX ((uint64_t)1 << 62)

/* A size, data-end or trailer line has ended. */
static const char *chunk_line_end(struct ox_http_chunks *c)
{
	size_t line = c->line;
	c->line = 0;
	if (c->state == CH_DATA_END)
		c->state = CH_SIZE;
	else if (c->state == CH_TRAILER)
		c->done = !line; /* the empty line after the trailers */
	else if (c->state == CH_SIZE && !line)
		return "a chunk without a size";
	else
		c->state = c->left ? CH_DATA : CH_TRAILER; /* size 0: the last chunk */
	return NULL;
}

/* One byte outside chunk data: NULL, or why it is malformed. */
static const char *chunk_byte(struct ox_http_chunks *c, unsigned char b)
{
	if (c->state & CR) {
		c->state &= ~CR;
		return b == '\n' ? chunk_line_end(c) : "a CR without LF in a chunked body";
	}
	if (b == '\r') {
		c->state |= CR;
		return NULL;
	}
	if (b == '\n')
		return chunk_line_end(c);
	if (c->state == CH_DATA_END)
		return "no CRLF after chunk data";
	if (++c->line > CHUNK_LINE_MAX)
		return "a chunk size or trailer line over 4 KiB";
	int d = hexval(b);
	if (c->state == CH_SIZE && d >= 0) {
		if (c->left > (CHUNK_SIZE_MAX - (unsigned)d) >> 4)
			return "a chunk size over 2^62";
		c->left = c->left << 4 | (unsigned)d;
	} else if (c->state == CH_SIZE || c->state == CH_SIZE_BLANK) {
		/* chunk-size BWS ";" extension (RFC 9112 7.1.1) */
		if (c->line == 1 || !(blank((char)b) || b == ';'))
			return "malformed chunk size";
		c->state = b == ';' ? CH_EXT : CH_SIZE_BLANK;
	}
	return NULL; /* extensions and trailers are ignored */
}

ssize_t ox_http_chunks_feed(struct ox_http_chunks *c, const char *in, size_t len, struct ox_buf *out,
			    const char **why)
{
	size_t i = 0;
	while (i < len && !c->done) {
		if (c->state == CH_DATA) {
			size_t k = c->left < len - i ? (size_t)c->left : len - i;
			if (ox_buf_add(out, in + i, k) < 0)
				return fail(why, -2, "body too large");
			i += k;
			if (!(c->left -= k))
				c->state = CH_DATA_END;
		} else if ((*why = chunk_byte(c, (unsigned char)in[i++]))) {
			return -1;
		}
	}
	return (ssize_t)i;
}

/* http_parse.h - HTTP/1.1 requests as bytes: the head parsed in place, and
 * chunked bodies decoded as they arrive.
 *
 * The server (http.c) owns the sockets and the buffers; this module only
 * reads bytes it is given, so it can be tested and fuzzed alone. Everything
 * it accepts has a limit, and everything it refuses has the status to answer
 * with a reason (RFC 9112).
 */
#ifndef OX_HTTP_PARSE_H
#define OX_HTTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util.h"

#define OX_HTTP_HEAD_MAX   (16u << 10) /* the request line and the headers, with the blank line */
#define OX_HTTP_FIELDS_MAX 64          /* headers; and query arguments; and cookies: each */

struct ox_http_field {
	const char *name, *value;
};

struct ox_http_head {
	const char *method;   /* as sent ("GET"); a token */
	const char *path;     /* the target's path, percent-decoded (not '+'), starting with '/' */
	int minor;            /* HTTP/1.<minor>: 0 or 1 */
	struct ox_http_field headers[OX_HTTP_FIELDS_MAX]; /* names as sent, values without surrounding blanks */
	size_t n_headers;
	struct ox_http_field args[OX_HTTP_FIELDS_MAX];    /* the query, decoded ('+' is a space); "a" alone has value "" */
	size_t n_args;
	struct ox_http_field cookies[OX_HTTP_FIELDS_MAX]; /* of the Cookie headers, "n=v; n2=v2" */
	/* (The cookies are cut out of the Cookie headers' values in place:
	 * read them here, not in headers[].) */
	size_t n_cookies;

	/* The framing the head asks for. */
	bool chunked;            /* Transfer-Encoding: chunked */
	uint64_t content_length; /* 0 when absent */
	bool keep_alive;         /* HTTP/1.1 unless "Connection: close"; HTTP/1.0 only with "keep-alive" */
	bool expect_continue;    /* Expect: 100-continue */
};

/* The length of the head at buf[0..len) through its blank line (CRLF CRLF,
 * or bare LFs), 0 when its end has not arrived yet, or -1 when no head
 * within OX_HTTP_HEAD_MAX ends there (answer 431). Empty lines before the
 * request line are part of the head (RFC 9112 2.2). */
ssize_t ox_http_head_end(const char *buf, size_t len);

/* The same, for a head arriving in pieces: each call goes on from where the
 * last one stopped on the same bytes (with more after them), so a client
 * that sends a byte at a time costs each byte one look, not a scan of all
 * before it. Zero the state for each head. */
struct ox_http_head_scan {
	size_t pos;        /* bytes looked at */
	size_t line;       /* where the line being read starts */
	bool request_line; /* a line that is not empty was seen */
};
ssize_t ox_http_head_scan(struct ox_http_head_scan *s, const char *buf, size_t len);

/* Parse the complete head buf[0..n) (n as ox_http_head_end found it) in
 * place: it is cut with NULs and decoded, and h points into it. Returns 0,
 * or the status to answer with the reason in *why (a constant string):
 * 400 (malformed; Content-Length and chunked together; two different
 * Content-Lengths; a NUL or control byte, also as %00 in the path or the
 * query; a path not starting with '/'; chunked in HTTP/1.0;
 * no Host in HTTP/1.1, or several Hosts (RFC 9112 3.2)),
 * 431 (more than OX_HTTP_FIELDS_MAX headers, arguments or cookies),
 * 501 (a transfer coding other than chunked), 505 (not HTTP/1.0 or 1.1). */
int ox_http_parse_head(char *buf, size_t n, struct ox_http_head *h, const char **why);

/* The value of the first field named name (headers: case-insensitive;
 * arguments and cookies: exact), or NULL. */
const char *ox_http_field(const struct ox_http_field *f, size_t n, const char *name, bool nocase);

/* A chunked body, decoded as its bytes arrive. Zero it before the first
 * feed. */
struct ox_http_chunks {
	int state;        /* the decoder's own */
	uint64_t left;    /* bytes left in the current chunk */
	size_t line;      /* bytes of the current size or trailer line seen */
	bool done;        /* the last chunk and the trailers have been read */
};

/* Decode in[0..len), appending the data to out. Returns the bytes
 * consumed: all of len, or fewer once done (what follows belongs to the
 * next request). Returns -1 with *why on a malformed body (answer 400),
 * -2 when out refused the data (its limit: answer 413). A size line or a
 * trailer line longer than 4 KiB is malformed. */
ssize_t ox_http_chunks_feed(struct ox_http_chunks *c, const char *in, size_t len, struct ox_buf *out,
			    const char **why);

#endif

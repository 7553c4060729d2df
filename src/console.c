/* console.c - serve the web console's built-in files (console.h). */
#include "console.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"

/* Scripts and styles from the daemon only, nothing inline, no frames, no
 * other origin: the page can talk to its own API and nothing else. */
#define CSP                                                                                                  \
	"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " \
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

const struct ox_asset *ox_console_find(const char *path)
{
	for (size_t i = 0; i < ox_console_n_assets; i++)
		if (strcmp(ox_console_assets[i].path, path) == 0)
			return &ox_console_assets[i];
	return NULL;
}

/* Does an Accept-Encoding value take token? Elements are "name" or
 * "name;q=VALUE"; q=0 refuses. */
static bool accepts(const char *header, const char *token)
{
	size_t n = strlen(token);
	for (const char *p = header; p && *p;) {
		p += strspn(p, " \t,");
		size_t len = strcspn(p, ",");
		if (len >= n && strncasecmp(p, token, n) == 0 && (len == n || strchr(" \t;", p[n]))) {
			const char *q = strstr(p, "q=");
			return !(q && q < p + len && strtod(q + 2, NULL) <= 0);
		}
		p += len;
	}
	return false;
}

/* The ETag of the gzipped copy: the identity's with "-gz" inside the quotes. */
static void gz_etag(const struct ox_asset *a, char out[64])
{
	size_t n = strlen(a->etag);
	snprintf(out, 64, "%.*s-gz\"", (int)(n - 1), a->etag);
}

void ox_console_serve(struct ox_http_req *r, const char *path)
{
	const struct ox_asset *a = ox_console_find(path);
	if (!a) {
		ox_http_error(r, 404, "not found", r->path);
		return;
	}
	bool gz = a->gz && accepts(ox_http_header(r, "Accept-Encoding"), "gzip");
	char etag[64];
	if (gz)
		gz_etag(a, etag);
	else
		snprintf(etag, sizeof etag, "%s", a->etag);
	/* Revalidated at every load (names carry no hash), answered 304 when
	 * unchanged: a new binary's console is seen at once. */
	ox_http_add_header(r, "Cache-Control", "no-cache");
	ox_http_add_header(r, "ETag", etag);
	ox_http_add_header(r, "Content-Security-Policy", CSP);
	ox_http_add_header(r, "X-Content-Type-Options", "nosniff");
	ox_http_add_header(r, "Referrer-Policy", "no-referrer");
	if (a->gz)
		ox_http_add_header(r, "Vary", "Accept-Encoding");
	r->content_type = a->type;
	const char *inm = ox_http_header(r, "If-None-Match");
	if (inm && (strstr(inm, etag) || strcmp(inm, "*") == 0)) {
		r->status = 304;
		return;
	}
	r->status = 200;
	if (gz) {
		ox_http_add_header(r, "Content-Encoding", "gzip");
		ox_buf_add(&r->out, a->gz, a->gz_len);
	} else {
		ox_buf_add(&r->out, a->data, a->len);
	}
}

/* console.h - the web console's files, built into the binary from
 * console/src by console/build.mjs, served at "/" (the page) and
 * "/assets/..." (its scripts and styles). See docs/console.md.
 */
#ifndef OX_CONSOLE_H
#define OX_CONSOLE_H

#include <stddef.h>

struct ox_http_req;

struct ox_asset {
	const char *path;        /* "/" or "/assets/app.js" */
	const char *type;        /* Content-Type */
	const char *etag;        /* "\"...\"": a hash of the bytes */
	const unsigned char *data;
	size_t len;
	const unsigned char *gz; /* the same bytes gzipped, or NULL when that saves nothing */
	size_t gz_len;
};

extern const struct ox_asset ox_console_assets[];
extern const size_t ox_console_n_assets;

/* The asset at path, or NULL. */
const struct ox_asset *ox_console_find(const char *path);

/* Answer r with the asset at path (404 when there is none): its type,
 * ETag (304 for a matching If-None-Match), gzip when the client takes
 * it, and the console's Content-Security-Policy. */
void ox_console_serve(struct ox_http_req *r, const char *path);

#endif

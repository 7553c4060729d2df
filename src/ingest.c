/* ingest.c - see ingest.h. */
#include "ingest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ox_ingest_init(struct ox_ingest *in)
{
	memset(in, 0, sizeof *in);
	ox_buf_init(&in->errors, SIZE_MAX);
}

void ox_ingest_release(struct ox_ingest *in)
{
	free(in->events);
	ox_buf_release(&in->errors);
	ox_ingest_init(in);
}

static void reject(struct ox_ingest *in, size_t line, const char *why)
{
	in->rejected++;
	if (in->errors_listed == OX_INGEST_ERRORS_MAX)
		return;
	if (in->errors_listed++)
		ox_buf_addz(&in->errors, ",");
	ox_buf_addf(&in->errors, "{\"line\":%zu,\"error\":", line);
	ox_buf_add_json_str(&in->errors, why, strlen(why));
	ox_buf_addz(&in->errors, "}");
}

static void consider(struct ox_ingest *in, struct ox_decoder *dec, const char *text, size_t len, size_t line,
		     size_t max_line)
{
	char err[OX_ERR_BUFSZ];
	struct ox_event ev;
	if (len > max_line) {
		snprintf(err, sizeof err, "line too long: %zu bytes > %zu", len, max_line);
		reject(in, line, err);
	} else if (ox_decode(dec, text, len, &ev, err) < 0) {
		reject(in, line, err);
	} else {
		OX_GROW(in->events, in->cap, in->n + 1);
		/* ev.raw is the decoder's copy, gone at the next line: keep the
		 * body's bytes (raw.len leaves out a trailing '\r'). */
		in->events[in->n++] = (struct ox_str){ text, ev.raw.len };
	}
}

static void split_lines(struct ox_ingest *in, struct ox_decoder *dec, const char *body, size_t len,
			size_t max_line)
{
	size_t line = 0;
	for (const char *p = body, *end = body + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		line++;
		if (!ox_line_is_blank(p, n))
			consider(in, dec, p, n, line, max_line);
		p += n + 1;
	}
}

static int split_array(struct ox_ingest *in, struct ox_decoder *dec, struct ox_json *json, const char *body,
		       size_t len, size_t max_line, char err[OX_ERR_BUFSZ])
{
	if (ox_json_parse(json, body, len) < 0) {
		snprintf(err, OX_ERR_BUFSZ, "invalid JSON: %s at column %zu", json->err, json->err_col);
		return -1;
	}
	const struct ox_json_tok *t = json->toks;
	if (t[0].type != OX_JSON_ARRAY) {
		snprintf(err, OX_ERR_BUFSZ, "a JSON body must be an array of events");
		return -1;
	}
	for (uint32_t i = 1, k = 1; k <= t[0].size; i = t[i].end, k++) {
		if (t[i].type != OX_JSON_OBJECT)
			reject(in, k, "an event must be a JSON object");
		else
			consider(in, dec, t[i].s, t[i].len, k, max_line);
	}
	return 0;
}

int ox_ingest_split(struct ox_ingest *in, struct ox_decoder *dec, struct ox_json *json, enum ox_body_kind kind,
		    const char *body, size_t len, size_t max_line, char err[OX_ERR_BUFSZ])
{
	if (kind == OX_BODY_JSON_ARRAY)
		return split_array(in, dec, json, body, len, max_line, err);
	split_lines(in, dec, body, len, max_line);
	return 0;
}

/* ingest.h - a POST /api/v1/events body cut into events: the lines of an
 * NDJSON body or the elements of a JSON array, each decoded to validate it.
 *
 * Runs on the HTTP threads, so the writer thread receives only events that
 * decode; rejected ones are reported here with their line number (for an
 * array: the element's 1-based position) and reason. Nothing is copied: the
 * accepted events point into the body, which must outlive the result.
 */
#ifndef OX_INGEST_H
#define OX_INGEST_H

#include <stddef.h>

#include "event.h"
#include "json.h"
#include "util.h"

/* At most this many errors are listed; the rest are only counted. */
#define OX_INGEST_ERRORS_MAX 100

enum ox_body_kind { OX_BODY_NDJSON, OX_BODY_JSON_ARRAY };

struct ox_ingest {
	struct ox_str *events; /* accepted raw event texts, in body order */
	size_t n, cap;
	size_t rejected;
	struct ox_buf errors; /* {"line":L,"error":"..."} objects, comma-separated */
	size_t errors_listed;
};

void ox_ingest_init(struct ox_ingest *in);
void ox_ingest_release(struct ox_ingest *in);

/* Cut and validate body. Returns 0 (even when lines were rejected), or -1
 * with err set when the body as a whole is unusable: a JSON array body that
 * is not valid JSON or not an array. json is scratch for array bodies. */
int ox_ingest_split(struct ox_ingest *in, struct ox_decoder *dec, struct ox_json *json, enum ox_body_kind kind,
		    const char *body, size_t len, size_t max_line, char err[OX_ERR_BUFSZ]);

#endif

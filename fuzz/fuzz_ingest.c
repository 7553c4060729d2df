/* fuzz_ingest.c - libFuzzer harness for ox_ingest_split(): a request body of
 * POST /api/v1/events. The first byte picks NDJSON or a JSON array, the rest
 * is the body.
 *
 * Besides what ASan and UBSan catch, it checks the splitter's promises: every
 * accepted event lies inside the body and decodes again on its own (the
 * writer decodes it a second time); accepted + rejected never exceed the
 * body's lines or elements; the error list is valid JSON text fragments of
 * at most OX_INGEST_ERRORS_MAX entries, in valid UTF-8.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_utf8.h"
#include "ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ox_decoder *dec, *again;
	static struct ox_json json, check;
	if (!dec) {
		dec = ox_decoder_new(NULL);
		again = ox_decoder_new(NULL);
		ox_json_init(&json, 33);
		ox_json_init(&check, 4);
	}
	if (size == 0)
		return 0;
	enum ox_body_kind kind = data[0] & 1 ? OX_BODY_JSON_ARRAY : OX_BODY_NDJSON;
	size_t len = size - 1;
	/* A copy of exactly len bytes, so ASan sees any read past the body. */
	char *body = malloc(len ? len : 1);
	memcpy(body, data + 1, len);
	struct ox_ingest in;
	ox_ingest_init(&in);
	char err[OX_ERR_BUFSZ];
	if (ox_ingest_split(&in, dec, &json, kind, body, len, 4096, err) < 0) {
		assert(kind == OX_BODY_JSON_ARRAY && in.n == 0);
		assert(fuzz_valid_utf8((const unsigned char *)err, strlen(err)));
	} else {
		size_t lines = 1;
		for (size_t i = 0; i < len; i++)
			lines += body[i] == '\n';
		assert(kind == OX_BODY_JSON_ARRAY || in.n + in.rejected <= lines);
		for (size_t i = 0; i < in.n; i++) {
			struct ox_event ev;
			assert(in.events[i].s >= body && in.events[i].s + in.events[i].len <= body + len);
			assert(ox_decode(again, in.events[i].s, in.events[i].len, &ev, err) == 0);
		}
		assert(in.errors_listed <= OX_INGEST_ERRORS_MAX && in.errors_listed <= in.rejected);
		/* The listed errors make a JSON array once bracketed. */
		char *arr = malloc(in.errors.len + 2);
		arr[0] = '[';
		if (in.errors.len)
			memcpy(arr + 1, in.errors.data, in.errors.len);
		arr[in.errors.len + 1] = ']';
		assert(ox_json_parse(&check, arr, in.errors.len + 2) == 0);
		assert(check.toks[0].size == in.errors_listed);
		free(arr);
	}
	ox_ingest_release(&in);
	free(body);
	return 0;
}

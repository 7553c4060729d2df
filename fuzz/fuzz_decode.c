/* fuzz_decode.c - libFuzzer harness for ox_decode(): one input is one line.
 *
 * Besides what ASan and UBSan catch, it checks the decoder's promises: every
 * string of an accepted event is NUL-terminated valid UTF-8 (checked here by
 * an independent decoder) without a NUL inside, items are within limits, raw
 * is the input; a rejection has a one-line, valid UTF-8 message.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "fuzz_utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static void check_str(struct ox_str s)
{
	if (!s.s) {
		assert(s.len == 0);
		return;
	}
	assert(s.s[s.len] == '\0' && !memchr(s.s, '\0', s.len));
	assert(fuzz_valid_utf8((const unsigned char *)s.s, s.len));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ox_decoder *d;
	if (!d)
		d = ox_decoder_new(NULL);
	/* A copy of exactly size bytes, so ASan sees any read past the line. */
	char *line = malloc(size ? size : 1);
	memcpy(line, data, size);
	struct ox_event ev;
	char err[OX_ERR_BUFSZ];
	memset(err, 'x', sizeof err);
	if (ox_decode(d, line, size, &ev, err) == 0) {
		for (size_t i = 0; i < ox_event_string_count; i++)
			check_str(*(const struct ox_str *)((const char *)&ev + ox_event_string_offsets[i]));
		assert(ev.type < OX_EV__COUNT);
		assert(ev.n_items <= 1000);
		assert((ev.n_items == 0) == (ev.type != OX_EV_ORDER_CREATED));
		for (size_t i = 0; i < ev.n_items; i++) {
			check_str(ev.items[i].sku);
			assert(ev.items[i].sku.len >= 1);
			assert(ev.items[i].qty >= 1 && ev.items[i].qty <= 100000);
			assert(ev.items[i].price >= 0);
		}
		assert(ev.id.len >= 1 && ev.id.len <= 128);
		assert(ev.ts != OX_TIME_NONE);
		size_t raw_len = size && line[size - 1] == '\r' ? size - 1 : size;
		assert(ev.raw.len == raw_len && memcmp(ev.raw.s, data, raw_len) == 0);
	} else {
		size_t n = strnlen(err, sizeof err);
		assert(n > 0 && n < sizeof err);
		assert(!memchr(err, '\n', n));
		assert(fuzz_valid_utf8((const unsigned char *)err, n));
	}
	free(line);
	return 0;
}

/* fuzz_archive.c - libFuzzer harness for reading order archives
 * (src/archive.h): one input is an archive file. The header's and the
 * index's CRCs are recomputed from the input first (where its trailer puts
 * the index), or nearly every input would stop there before the structure
 * is checked.
 *
 * Besides what ASan and UBSan catch (an offset or a length believed), it
 * checks the reader's promises: an archive that parses answers every seq
 * of its index (or says the record is damaged), never a seq it does not
 * hold, and walking it visits the same records in increasing seq order.
 */
#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "archive.h"
#include "evlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t le64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

struct walk {
	uint64_t n, last;
	bool ordered;
};

static int visit(void *ctx, uint64_t seq, const char *p, size_t len)
{
	struct walk *w = ctx;
	assert(p && len > 0);
	if (w->n && seq <= w->last)
		w->ordered = false;
	w->last = seq;
	w->n++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *d = malloc(size ? size : 1);
	memcpy(d, data, size);
	if (size >= 64) {
		put32(d + 24, ox_evlog_crc32c(0, d, 24));
		uint64_t off = le64(d + size - 24);
		if (off <= size - 32)
			put32(d + size - 16, ox_evlog_crc32c(0, d + off, (size - 32 - off) / 16 * 16));
	}
	struct ox_archive a;
	char err[OX_ARCHIVE_ERRSZ];
	if (ox_archive_parse(&a, d, size, err, sizeof err) < 0) {
		assert(err[0]);
		free(d);
		return 0;
	}
	bool damaged = false;
	for (uint64_t i = 0; i < a.n; i++) {
		const char *p;
		size_t len;
		uint64_t seq = le64(a.idx + 16 * i);
		int rc = ox_archive_get(&a, seq, &p, &len);
		assert(rc == 0 || rc == -1);
		damaged |= rc < 0;
		if (rc == 0)
			assert(p >= (const char *)d && p + len <= (const char *)a.idx);
		if (seq + 1 != 0 && (i + 1 == a.n || le64(a.idx + 16 * (i + 1)) != seq + 1))
			assert(ox_archive_get(&a, seq + 1, &p, &len) == 1);
	}
	struct walk w = { 0, 0, true };
	int rc = ox_archive_each(&a, visit, &w);
	assert(rc == (damaged ? -1 : 0));
	assert(w.ordered);
	if (!damaged)
		assert(w.n == a.n);
	free(d);
	return 0;
}

/* fuzz_archive.c - libFuzzer harness for reading order archives
 * (src/archive.h): one input is an archive file. The header's and the
 * index's CRCs are recomputed from the input first (where its trailer puts
 * the index), or nearly every input would stop there before the structure
 * is checked.
 *
 * The reader reads a file (pread), so each input is written to a temporary
 * file first. Besides what ASan and UBSan catch (an offset or a length
 * believed), it checks the reader's promises: an archive that opens
 * answers every seq of its index (or says the record is damaged), never a
 * seq it does not hold, and walking it visits the same records in
 * increasing seq order.
 */
#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archive.h"
#include "evlog.h"
#include "util.h"

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

/* The input as a file: the reader works on a descriptor (pread). */
static int as_file(const unsigned char *d, size_t size)
{
	static char path[] = "/tmp/ordex-fuzz-archive-XXXXXX";
	static int fd = -1;
	if (fd < 0) {
		fd = mkstemp(path);
		assert(fd >= 0);
		unlink(path); /* a file of this process only */
	}
	assert(ftruncate(fd, 0) == 0);
	assert(pwrite(fd, d, size, 0) == (ssize_t)size);
	int r = dup(fd);
	assert(r >= 0);
	return r;
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
	if (ox_archive_open_fd(&a, as_file(d, size), err, sizeof err) < 0) {
		assert(err[0]);
		free(d);
		return 0;
	}
	assert(a.size == size && a.index_off + 16 * a.n + 32 == size);
	const unsigned char *idx = d + a.index_off;
	bool damaged = false;
	struct ox_buf b;
	ox_buf_init(&b, SIZE_MAX);
	for (uint64_t i = 0; i < a.n; i++) {
		uint64_t seq = le64(idx + 16 * i);
		ox_buf_reset(&b);
		int rc = ox_archive_get(&a, seq, &b);
		assert(rc == 0 || rc == -1);
		damaged |= rc < 0;
		if (rc == 0)
			assert(b.len > 0 && b.len < size);
		if (seq + 1 != 0 && (i + 1 == a.n || le64(idx + 16 * (i + 1)) != seq + 1))
			assert(ox_archive_get(&a, seq + 1, &b) == 1);
	}
	ox_buf_release(&b);
	struct walk w = { 0, 0, true };
	static unsigned char rbuf[1 << 16];
	int rc = ox_archive_each(&a, rbuf, sizeof rbuf, visit, &w);
	assert(rc == (damaged ? -1 : 0));
	assert(w.ordered);
	if (!damaged)
		assert(w.n == a.n);
	ox_archive_close(&a);
	free(d);
	return 0;
}

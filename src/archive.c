/* archive.c - see archive.h. */
#include "archive.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "evlog.h"
#include "util.h"

#define HDR 32u
#define TRAILER 32u
#define REC_HDR OX_EVLOG_RECORD_OVERHEAD
static const char magic[8] = { 'O', 'X', 'A', 'R', 'C', 'H', '1', '\n' };
static const char end_magic[8] = { 'O', 'X', 'A', 'E', 'N', 'D', '1', '\n' };


static void arch_name(char *out, size_t size, uint64_t seq, const char *ext)
{
	snprintf(out, size, "%020llu%s", (unsigned long long)seq, ext);
}

/* ---- writing ---------------------------------------------------------------- */

/* Every byte of the file goes through here: it counts the offsets the index
 * keeps. Synced in steps as snapshots are (syncfile.h says why). */
static void w_bytes(struct ox_archive_w *w, const void *p, size_t n)
{
	w->off += n;
	ox_syncfile_write(&w->f, p, n);
}

int ox_archive_w_open(struct ox_archive_w *w, const char *dir, uint64_t seq, uint64_t upto, unsigned char *buf,
		      size_t cap, uint64_t *idx, uint64_t idx_cap, char *err, size_t errsz)
{
	memset(w, 0, sizeof *w);
	char name[32];
	arch_name(name, sizeof name, seq, ".arch");
	w->idx = idx;
	w->idx_cap = idx_cap;
	const char *stage;
	int e = ox_syncfile_open(&w->f, dir, 0750, name, 0640, buf, cap, &stage);
	if (e) {
		if (strcmp(stage, "create") == 0)
			snprintf(err, errsz, "%s/%s: %s", dir, w->f.tmp, strerror(e));
		else
			snprintf(err, errsz, "%s: %s", dir, strerror(e));
		return -1;
	}
	unsigned char h[HDR] = { 0 };
	memcpy(h, magic, 8);
	ox_put_le(h + 8, seq, 8);
	ox_put_le(h + 16, upto, 8);
	ox_put_le(h + 24, ox_evlog_crc32c(0, h, 24), 4);
	w_bytes(w, h, HDR);
	return 0;
}

void ox_archive_w_add(struct ox_archive_w *w, uint64_t seq, const char *payload, size_t len)
{
	if (w->overflow || w->f.err)
		return;
	if (w->n == w->idx_cap || len == 0 || len > OX_EVLOG_RECORD_LIMIT || (w->n && seq <= w->idx[2 * w->n - 2])) {
		w->overflow = true;
		return;
	}
	w->idx[2 * w->n] = seq;
	w->idx[2 * w->n + 1] = w->off;
	w->n++;
	unsigned char h[REC_HDR];
	ox_put_le(h + 4, (uint32_t)len, 4);
	ox_put_le(h + 8, seq, 8);
	ox_put_le(h, ox_evlog_crc32c(ox_evlog_crc32c(0, h + 4, REC_HDR - 4), payload, len), 4);
	w_bytes(w, h, REC_HDR);
	w_bytes(w, payload, len);
}

int ox_archive_w_commit(struct ox_archive_w *w, char *err, size_t errsz)
{
	uint64_t index_off = w->off;
	uint32_t crc = 0;
	for (uint64_t i = 0; i < w->n; i++) {
		unsigned char e[16];
		ox_put_le(e, w->idx[2 * i], 8);
		ox_put_le(e + 8, w->idx[2 * i + 1], 8);
		crc = ox_evlog_crc32c(crc, e, 16);
		w_bytes(w, e, 16);
	}
	unsigned char t[TRAILER] = { 0 };
	ox_put_le(t, w->n, 8);
	ox_put_le(t + 8, index_off, 8);
	ox_put_le(t + 16, crc, 4);
	memcpy(t + 24, end_magic, 8);
	w_bytes(w, t, TRAILER);
	if (w->overflow) {
		snprintf(err, errsz, "%s: records out of order or more than expected", w->f.tmp);
		ox_syncfile_abort(&w->f);
		return -1;
	}
	int e = ox_syncfile_commit(&w->f);
	if (e)
		snprintf(err, errsz, "%s: %s", w->f.tmp, strerror(e));
	return e ? -1 : 0;
}

void ox_archive_w_abort(struct ox_archive_w *w)
{
	ox_syncfile_abort(&w->f);
}

/* ---- reading ---------------------------------------------------------------- */

int ox_archive_parse(struct ox_archive *a, const unsigned char *d, size_t size, char *err, size_t errsz)
{
	memset(a, 0, sizeof *a);
	const char *why = NULL;
	uint64_t n = 0, index_off = 0;
	if (size < HDR + TRAILER || memcmp(d, magic, 8) != 0)
		why = "not an archive";
	else if ((uint32_t)ox_get_le(d + 24, 4) != ox_evlog_crc32c(0, d, 24) || (uint32_t)ox_get_le(d + 28, 4) != 0)
		why = "bad header crc";
	else if (memcmp(d + size - 8, end_magic, 8) != 0)
		why = "no trailer (cut short?)";
	if (!why) {
		const unsigned char *t = d + size - TRAILER;
		n = ox_get_le(t, 8);
		index_off = ox_get_le(t + 8, 8);
		if (index_off < HDR || index_off > size - TRAILER || (uint32_t)ox_get_le(t + 20, 4) != 0 || n != (size - TRAILER - index_off) / 16 ||
		    (size - TRAILER - index_off) % 16)
			why = "bad trailer";
		else if ((uint32_t)ox_get_le(t + 16, 4) != ox_evlog_crc32c(0, d + index_off, n * 16))
			why = "bad index crc";
	}
	/* every record lies between the header and the index, in order */
	for (uint64_t i = 0, prev_seq = 0, prev_end = HDR; !why && i < n; i++) {
		const unsigned char *e = d + index_off + 16 * i;
		uint64_t seq = ox_get_le(e, 8), off = ox_get_le(e + 8, 8);
		if ((i && seq <= prev_seq) || off != prev_end || off > index_off - REC_HDR)
			why = "bad index entry";
		else {
			uint64_t len = (uint32_t)ox_get_le(d + off + 4, 4);
			if (len == 0 || len > index_off - off - REC_HDR)
				why = "bad record length";
			prev_end = off + REC_HDR + len;
		}
		prev_seq = seq;
		if (!why && i + 1 == n && prev_end != index_off)
			why = "bytes between the records and the index";
	}
	if (!why && n == 0 && index_off != HDR)
		why = "bytes between the header and the index";
	if (why) {
		snprintf(err, errsz, "%s", why);
		return -1;
	}
	a->data = d;
	a->size = size;
	a->seq = ox_get_le(d + 8, 8);
	a->upto = ox_get_le(d + 16, 8);
	a->n = n;
	a->idx = d + index_off;
	return 0;
}

int ox_archive_open(struct ox_archive *a, const char *dir, uint64_t seq, char *err, size_t errsz)
{
	char name[40], why[160];
	arch_name(name, sizeof name, seq, ".arch");
	memset(a, 0, sizeof *a);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int fd = dfd < 0 ? -1 : openat(dfd, name, O_RDONLY | O_CLOEXEC);
	if (dfd >= 0)
		close(dfd);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		snprintf(err, errsz, "%s/%s: %s", dir, name, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	size_t size = (size_t)st.st_size;
	void *m = size ? mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
	close(fd);
	if (m == MAP_FAILED) {
		snprintf(err, errsz, "%s/%s: %s", dir, name, size ? strerror(errno) : "empty");
		return -1;
	}
	if (ox_archive_parse(a, m, size, why, sizeof why) < 0 || a->seq != seq) {
		snprintf(err, errsz, "%s/%s: %s", dir, name, a->data ? "its seq differs from its name" : why);
		munmap(m, size);
		memset(a, 0, sizeof *a);
		return -1;
	}
	a->map = m;
	return 0;
}

void ox_archive_close(struct ox_archive *a)
{
	if (a->map)
		munmap(a->map, a->size);
	memset(a, 0, sizeof *a);
}

/* Record i, checked: 0 or -1. */
static int record(const struct ox_archive *a, uint64_t i, const char **payload, size_t *len)
{
	const unsigned char *e = a->idx + 16 * i;
	const unsigned char *r = a->data + ox_get_le(e + 8, 8);
	uint32_t n = (uint32_t)ox_get_le(r + 4, 4);
	if (ox_get_le(r + 8, 8) != ox_get_le(e, 8) || (uint32_t)ox_get_le(r, 4) != ox_evlog_crc32c(0, r + 4, REC_HDR - 4 + (size_t)n))
		return -1;
	*payload = (const char *)r + REC_HDR;
	*len = n;
	return 0;
}

int ox_archive_get(const struct ox_archive *a, uint64_t seq, const char **payload, size_t *len)
{
	uint64_t lo = 0, hi = a->n; /* the first entry with a seq >= seq */
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (ox_get_le(a->idx + 16 * mid, 8) < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == a->n || ox_get_le(a->idx + 16 * lo, 8) != seq)
		return 1;
	return record(a, lo, payload, len);
}

int ox_archive_each(const struct ox_archive *a, ox_archive_each_fn *fn, void *ctx)
{
	for (uint64_t i = 0; i < a->n; i++) {
		const char *p;
		size_t len;
		if (record(a, i, &p, &len) < 0)
			return -1;
		int rc = fn(ctx, ox_get_le(a->idx + 16 * i, 8), p, len);
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- the directory ----------------------------------------------------------- */


/* The seqs of the archives in dir, ascending; removes temporary files. */
static int list_dir(const char *dir, uint64_t **out, size_t *count)
{
	*out = NULL;
	*count = 0;
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -1;
	size_t n = 0, cap = 0;
	uint64_t *v = NULL;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (ox_seq_name_parse(e->d_name, ".arch.tmp")) {
			unlinkat(dirfd(d), e->d_name, 0); /* a write that never finished */
			continue;
		}
		uint64_t s = ox_seq_name_parse(e->d_name, ".arch");
		if (!s)
			continue;
		OX_GROW(v, cap, n + 1);
		size_t k = n++; /* few files: an insertion keeps them sorted */
		for (; k > 0 && v[k - 1] > s; k--)
			v[k] = v[k - 1];
		v[k] = s;
	}
	closedir(d);
	*out = v;
	*count = n;
	return 0;
}

int ox_archives_open(struct ox_archives *s, const char *dir, char *err, size_t errsz)
{
	memset(s, 0, sizeof *s);
	uint64_t *seqs;
	size_t n;
	if (list_dir(dir, &seqs, &n) < 0) {
		snprintf(err, errsz, "%s: %s", dir, strerror(errno));
		return -1;
	}
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++)
		rc = ox_archives_add(s, dir, seqs[i], err, errsz);
	free(seqs);
	if (rc)
		ox_archives_close(s);
	return rc;
}

int ox_archives_add(struct ox_archives *s, const char *dir, uint64_t seq, char *err, size_t errsz)
{
	struct ox_archive a;
	if (ox_archive_open(&a, dir, seq, err, errsz) < 0)
		return -1;
	OX_GROW(s->v, s->cap, s->n + 1);
	s->v[s->n++] = a;
	return 0;
}

int ox_archives_get(const struct ox_archives *s, uint64_t seq, const char **payload, size_t *len)
{
	size_t lo = 0, hi = s->n; /* the first archive whose upto reaches seq */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->v[mid].upto < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo == s->n ? 1 : ox_archive_get(&s->v[lo], seq, payload, len);
}

uint64_t ox_archives_upto(const struct ox_archives *s)
{
	return s->n ? s->v[s->n - 1].upto : 0;
}

uint64_t ox_archives_bytes(const struct ox_archives *s)
{
	uint64_t b = 0;
	for (size_t i = 0; i < s->n; i++)
		b += s->v[i].size;
	return b;
}

void ox_archives_close(struct ox_archives *s)
{
	for (size_t i = 0; i < s->n; i++)
		ox_archive_close(&s->v[i]);
	free(s->v);
	memset(s, 0, sizeof *s);
}

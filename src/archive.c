/* archive.c - see archive.h. */
#include "archive.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "evlog.h"
#include "util.h"

#define HDR 32u
#define TRAILER 32u
#define REC_HDR OX_EVLOG_RECORD_OVERHEAD
static const char magic[8] = { 'O', 'X', 'A', 'R', 'C', 'H', '2', '\n' };
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

int ox_archive_w_open(struct ox_archive_w *w, const char *dir, uint64_t from, uint64_t upto, unsigned char *buf,
		      size_t cap, uint64_t *idx, uint64_t idx_cap, char *err, size_t errsz)
{
	memset(w, 0, sizeof *w);
	if (from > upto || upto == 0) {
		snprintf(err, errsz, "archive: no range [%llu, %llu]", (unsigned long long)from, (unsigned long long)upto);
		return -1;
	}
	char name[32];
	arch_name(name, sizeof name, upto, ".arch");
	w->idx = idx;
	w->idx_cap = idx_cap;
	w->from = from;
	w->upto = upto;
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
	ox_put_le(h + 8, from, 8);
	ox_put_le(h + 16, upto, 8);
	ox_put_le(h + 24, ox_evlog_crc32c(0, h, 24), 4);
	w_bytes(w, h, HDR);
	return 0;
}

void ox_archive_w_add(struct ox_archive_w *w, uint64_t seq, const char *payload, size_t len)
{
	if (w->overflow || w->f.err)
		return;
	if (w->n == w->idx_cap || len == 0 || len > OX_EVLOG_RECORD_LIMIT || seq < w->from || seq > w->upto ||
	    (w->n && seq <= w->idx[2 * w->n - 2])) {
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

/* n bytes at off, or -1 (errno EIO when the file ends first). */
static int pread_full(int fd, void *p, size_t n, uint64_t off)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = pread(fd, (char *)p + got, n - got, (off_t)(off + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EIO;
			return -1;
		}
		got += (size_t)r;
	}
	return 0;
}

/* A record's bytes between two offsets: its header and a payload of 1 to
 * OX_EVLOG_RECORD_LIMIT bytes. */
static bool record_span_ok(uint64_t off, uint64_t end)
{
	return end > off + REC_HDR && end - off - REC_HDR <= OX_EVLOG_RECORD_LIMIT;
}

#define INDEX_CHUNK 4096u /* index entries read at a time at open */

/* The index, streamed: its CRC, and every entry in step with the one
 * before. NULL when it is sound, else why not. */
static const char *check_index(struct ox_archive *a, uint32_t want_crc)
{
	unsigned char *chunk = ox_xmalloc(16 * INDEX_CHUNK);
	const char *why = NULL;
	uint32_t crc = 0;
	uint64_t prev_seq = 0, prev_off = 0;
	for (uint64_t i = 0; i < a->n && !why;) {
		uint64_t k = a->n - i < INDEX_CHUNK ? a->n - i : INDEX_CHUNK;
		if (pread_full(a->fd, chunk, 16 * k, a->index_off + 16 * i) < 0) {
			why = strerror(errno);
			break;
		}
		crc = ox_evlog_crc32c(crc, chunk, 16 * k);
		for (uint64_t j = 0; j < k && !why; j++, i++) {
			uint64_t seq = ox_get_le(chunk + 16 * j, 8), off = ox_get_le(chunk + 16 * j + 8, 8);
			if (seq < a->from || seq > a->upto || (i && seq <= prev_seq))
				why = "bad index entry (seq)";
			else if (i == 0 ? off != HDR : !record_span_ok(prev_off, off))
				why = "bad index entry (offset)";
			if (i % OX_ARCHIVE_SPARSE == 0)
				a->sparse[i / OX_ARCHIVE_SPARSE] = seq;
			prev_seq = seq;
			prev_off = off;
		}
	}
	free(chunk);
	if (!why && crc != want_crc)
		return "bad index crc";
	if (!why && (a->n ? !record_span_ok(prev_off, a->index_off) : a->index_off != HDR))
		why = "bytes between the records and the index";
	return why;
}

int ox_archive_open_fd(struct ox_archive *a, int fd, char *err, size_t errsz)
{
	memset(a, 0, sizeof *a);
	a->fd = -1;
	struct stat st;
	unsigned char h[HDR], t[TRAILER];
	const char *why = NULL;
	if (fstat(fd, &st) != 0)
		why = strerror(errno);
	else if ((uint64_t)st.st_size < HDR + TRAILER)
		why = "not an archive";
	else if (pread_full(fd, h, HDR, 0) < 0 || pread_full(fd, t, TRAILER, (uint64_t)st.st_size - TRAILER) < 0)
		why = strerror(errno);
	else if (memcmp(h, magic, 6) != 0)
		why = "not an archive";
	else if (memcmp(h, magic, 8) != 0)
		why = "another format version";
	else if ((uint32_t)ox_get_le(h + 24, 4) != ox_evlog_crc32c(0, h, 24) || (uint32_t)ox_get_le(h + 28, 4) != 0)
		why = "bad header crc";
	else if (memcmp(t + 24, end_magic, 8) != 0)
		why = "no trailer (cut short?)";
	if (!why) {
		uint64_t size = (uint64_t)st.st_size;
		a->fd = fd;
		a->dev = st.st_dev;
		a->ino = st.st_ino;
		a->size = size;
		a->from = ox_get_le(h + 8, 8);
		a->upto = ox_get_le(h + 16, 8);
		a->n = ox_get_le(t, 8);
		a->index_off = ox_get_le(t + 8, 8);
		if (a->from > a->upto)
			why = "bad range";
		else if (a->index_off < HDR || a->index_off > size - TRAILER || (uint32_t)ox_get_le(t + 20, 4) != 0 ||
			 (size - TRAILER - a->index_off) % 16 || a->n != (size - TRAILER - a->index_off) / 16)
			why = "bad trailer";
		else {
			a->sparse = ox_xmalloc(((a->n + OX_ARCHIVE_SPARSE - 1) / OX_ARCHIVE_SPARSE + 1) * sizeof *a->sparse);
			why = check_index(a, (uint32_t)ox_get_le(t + 16, 4));
		}
	}
	if (why) {
		snprintf(err, errsz, "%s", why);
		free(a->sparse);
		close(fd);
		memset(a, 0, sizeof *a);
		a->fd = -1;
		return -1;
	}
	return 0;
}

int ox_archive_open(struct ox_archive *a, const char *dir, uint64_t upto, char *err, size_t errsz)
{
	char name[40], why[160];
	arch_name(name, sizeof name, upto, ".arch");
	memset(a, 0, sizeof *a);
	a->fd = -1;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int fd = dfd < 0 ? -1 : openat(dfd, name, O_RDONLY | O_CLOEXEC);
	if (dfd >= 0)
		close(dfd);
	if (fd < 0) {
		snprintf(err, errsz, "%s/%s: %s", dir, name, strerror(errno));
		return -1;
	}
	if (ox_archive_open_fd(a, fd, why, sizeof why) < 0) {
		snprintf(err, errsz, "%s/%s: %s", dir, name, why);
		return -1;
	}
	if (a->upto != upto) {
		snprintf(err, errsz, "%s/%s: its range ends at %llu, not at its name", dir, name,
			 (unsigned long long)a->upto);
		ox_archive_close(a);
		return -1;
	}
	return 0;
}

void ox_archive_close(struct ox_archive *a)
{
	if (a->fd >= 0)
		close(a->fd);
	free(a->sparse);
	memset(a, 0, sizeof *a);
	a->fd = -1;
}

/* The bytes of a record are those of seq, with a payload of len bytes. */
static bool record_ok(const unsigned char *r, uint64_t seq, uint64_t len)
{
	return ox_get_le(r + 4, 4) == len && ox_get_le(r + 8, 8) == seq &&
	       (uint32_t)ox_get_le(r, 4) == ox_evlog_crc32c(0, r + 4, REC_HDR - 4 + (size_t)len);
}

int ox_archive_get(const struct ox_archive *a, uint64_t seq, struct ox_buf *out)
{
	if (a->n == 0 || seq < a->sparse[0] || seq > a->upto)
		return 1;
	uint64_t lo = 0, hi = (a->n + OX_ARCHIVE_SPARSE - 1) / OX_ARCHIVE_SPARSE; /* the last block starting <= seq */
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (a->sparse[mid] <= seq)
			lo = mid;
		else
			hi = mid;
	}
	/* the block's entries and the one after, for the record's end */
	unsigned char e[16 * (OX_ARCHIVE_SPARSE + 1)];
	uint64_t first = lo * OX_ARCHIVE_SPARSE, k = a->n - first < OX_ARCHIVE_SPARSE ? a->n - first : OX_ARCHIVE_SPARSE;
	uint64_t with_next = first + k < a->n ? k + 1 : k;
	if (pread_full(a->fd, e, 16 * with_next, a->index_off + 16 * first) < 0)
		return -1;
	uint64_t l = 0, h = k; /* the first entry with a seq >= seq */
	while (l < h) {
		uint64_t mid = l + (h - l) / 2;
		if (ox_get_le(e + 16 * mid, 8) < seq)
			l = mid + 1;
		else
			h = mid;
	}
	if (l == k || ox_get_le(e + 16 * l, 8) != seq)
		return 1;
	uint64_t off = ox_get_le(e + 16 * l + 8, 8);
	uint64_t end = l + 1 < with_next ? ox_get_le(e + 16 * (l + 1) + 8, 8) : a->index_off;
	if (off < HDR || end > a->index_off || !record_span_ok(off, end))
		return -1;
	size_t n = (size_t)(end - off);
	unsigned char small[4096];
	unsigned char *r = n <= sizeof small ? small : ox_xmalloc(n);
	int rc = pread_full(a->fd, r, n, off) < 0 || !record_ok(r, seq, n - REC_HDR) ? -1 : 0;
	if (rc == 0)
		rc = ox_buf_add(out, r + REC_HDR, n - REC_HDR);
	if (r != small)
		free(r);
	return rc;
}

#define EACH_WINDOW (256u << 10)

int ox_archive_each(const struct ox_archive *a, unsigned char *buf, size_t cap, ox_archive_each_fn *fn,
		    void *ctx)
{
	uint64_t pos = 0, len = 0; /* buf holds the file's bytes [pos, pos + len) */
	uint64_t off = HDR, prev = 0;
	unsigned char e[16 * OX_ARCHIVE_SPARSE]; /* the index entries of the records at hand */
	for (uint64_t i = 0; i < a->n; i++) {
		uint64_t k = i % OX_ARCHIVE_SPARSE;
		if (k == 0) {
			uint64_t m = a->n - i < OX_ARCHIVE_SPARSE ? a->n - i : OX_ARCHIVE_SPARSE;
			if (pread_full(a->fd, e, 16 * m, a->index_off + 16 * i) < 0)
				return -1;
		}
		if (ox_get_le(e + 16 * k + 8, 8) != off) /* the record the index points to, as a lookup reads it */
			return -1;
		for (int pass = 0; pass < 2; pass++) { /* the header, then the whole record */
			uint64_t need = REC_HDR;
			if (pass) {
				uint64_t plen = ox_get_le(buf + (off - pos) + 4, 4);
				if (plen == 0 || plen > OX_EVLOG_RECORD_LIMIT || plen > a->index_off - off - REC_HDR)
					return -1;
				need += plen;
			}
			if (off + need > a->index_off || need > cap)
				return -1;
			if (off < pos || off + need > pos + len) {
				uint64_t want = need > EACH_WINDOW ? need : EACH_WINDOW; /* a few records a read */
				want = want < cap ? want : cap;
				want = want < a->index_off - off ? want : a->index_off - off;
				if (pread_full(a->fd, buf, (size_t)want, off) < 0)
					return -1;
				pos = off;
				len = want;
			}
		}
		const unsigned char *r = buf + (off - pos);
		uint64_t seq = ox_get_le(r + 8, 8), plen = ox_get_le(r + 4, 4);
		if ((i && seq <= prev) || seq != ox_get_le(e + 16 * k, 8) || !record_ok(r, seq, plen))
			return -1;
		int rc = fn(ctx, seq, (const char *)r + REC_HDR, (size_t)plen);
		if (rc)
			return rc;
		prev = seq;
		off += REC_HDR + plen;
	}
	return off == a->index_off ? 0 : -1;
}

/* ---- the directory ----------------------------------------------------------- */

/* The uptos of the archives in dir, ascending; removes temporary files. */
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
	return ox_archives_refresh(s, dir, err, errsz);
}

/* Unlink the archives of v marked in gone, then sync the directory: 0, or
 * -1 when one of them could not go. */
static int unlink_marked(const char *dir, const struct ox_archive *v, const bool *gone, size_t n)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = dfd < 0 ? -1 : 0;
	bool any = false;
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (!gone[i])
			continue;
		char name[40];
		arch_name(name, sizeof name, v[i].upto, ".arch");
		if (unlinkat(dfd, name, 0) != 0 && errno != ENOENT)
			rc = -1;
		any = true;
	}
	if (dfd >= 0) {
		if (any && fsync(dfd) != 0)
			rc = -1;
		close(dfd);
	}
	return rc;
}

int ox_archives_refresh(struct ox_archives *s, const char *dir, char *err, size_t errsz)
{
	uint64_t *uptos;
	size_t n;
	if (list_dir(dir, &uptos, &n) < 0) {
		snprintf(err, errsz, "%s: %s", dir, strerror(errno));
		return -1;
	}
	struct ox_archive *v = ox_xcalloc(n ? n : 1, sizeof *v);
	bool *reused = ox_xcalloc(s->n ? s->n : 1, sizeof *reused), *gone = ox_xcalloc(n ? n : 1, sizeof *gone);
	bool *opened = ox_xcalloc(n ? n : 1, sizeof *opened);
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		char name[40];
		struct stat st;
		arch_name(name, sizeof name, uptos[i], ".arch");
		char path[4200];
		snprintf(path, sizeof path, "%s/%s", dir, name);
		size_t k = 0; /* the same file, open already? */
		if (stat(path, &st) == 0)
			for (; k < s->n; k++)
				if (!reused[k] && s->v[k].upto == uptos[i] && s->v[k].dev == st.st_dev && s->v[k].ino == st.st_ino)
					break;
		if (k < s->n) {
			reused[k] = true;
			v[i] = s->v[k];
		} else {
			rc = ox_archive_open(&v[i], dir, uptos[i], err, errsz);
			opened[i] = rc == 0;
		}
	}
	/* From the newest down: one inside the lowest range kept so far was
	 * merged into it; one reaching into it without being inside is no
	 * state a compaction leaves. */
	size_t low = n, newest = n;
	for (size_t i = n; i-- > 0 && !rc;) {
		if (low < n && v[i].from >= v[low].from)
			gone[i] = true;
		else if (low < n && v[i].upto >= v[low].from) {
			snprintf(err, errsz, "%s: archives %020llu.arch [%llu, %llu] and %020llu.arch [%llu, %llu] overlap", dir,
				 (unsigned long long)v[i].upto, (unsigned long long)v[i].from, (unsigned long long)v[i].upto,
				 (unsigned long long)v[low].upto, (unsigned long long)v[low].from,
				 (unsigned long long)v[low].upto);
			rc = -1;
		} else {
			low = i;
			newest = newest == n ? i : newest;
		}
	}
	if (rc) {
		for (size_t i = 0; i < n; i++)
			if (opened[i])
				ox_archive_close(&v[i]);
		free(v), free(reused), free(gone), free(opened), free(uptos);
		return -1;
	}
	for (size_t k = 0; k < s->n; k++)
		if (!reused[k])
			ox_archive_close(&s->v[k]);
	/* the merged-away first, durably; only then the empty ones that
	 * replaced them, so that a crash never brings an input back alone */
	if (unlink_marked(dir, v, gone, n) == 0) {
		bool *empty = opened; /* reused as the second list */
		for (size_t i = 0; i < n; i++)
			empty[i] = !gone[i] && i != newest && v[i].n == 0;
		if (unlink_marked(dir, v, empty, n) == 0)
			for (size_t i = 0; i < n; i++)
				gone[i] |= empty[i];
	}
	size_t kept = 0;
	for (size_t i = 0; i < n; i++) {
		if (gone[i])
			ox_archive_close(&v[i]);
		else
			v[kept++] = v[i];
	}
	free(s->v);
	s->v = v;
	s->n = kept;
	s->cap = n;
	free(reused), free(gone), free(opened), free(uptos);
	return 0;
}

int ox_archives_get(const struct ox_archives *s, uint64_t seq, struct ox_buf *out)
{
	size_t lo = 0, hi = s->n; /* the first archive whose upto reaches seq */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->v[mid].upto < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo == s->n || seq < s->v[lo].from ? 1 : ox_archive_get(&s->v[lo], seq, out);
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

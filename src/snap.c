/* snap.c - see snap.h. */
#include "snap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "evlog.h"
#include "util.h"

#define MAGIC "OXSNAP1\n"
#define HEADER 20  /* magic, u32 version, u64 seq */
#define TRAILER 12 /* u64 body length, u32 crc of all bytes before it */
#define NO_STR UINT32_MAX

/* ---- writing ------------------------------------------------------------------ */

/* Dirty bytes a snapshot may leave to the kernel at a time. A daemon's
 * snapshot is hundreds of MiB; written at once and synced at the end, it
 * would sit in the same journal commit as the event log's next fdatasync
 * (ext4's ordered mode flushes every file's data with it), and every
 * acknowledgement would wait for it. Synced as it goes, in steps, the log
 * never waits for more than a step (as Redis's rdb-save-incremental-fsync
 * and RocksDB's bytes_per_sync do). */
#define SYNC_STEP (4u << 20)

static void drain(struct ox_snap_w *w)
{
	size_t off = 0;
	while (off < w->len && !w->err) {
		ssize_t n = write(w->fd, w->buf + off, w->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			w->err = errno;
		else
			off += (size_t)n;
	}
	w->written += off;
	w->len = 0;
	if (!w->err && w->written - w->synced >= SYNC_STEP) {
		if (fdatasync(w->fd) < 0)
			w->err = errno;
		w->synced = w->written;
	}
}

static void put(struct ox_snap_w *w, const void *p, size_t n)
{
	const unsigned char *s = p;
	w->crc = ox_evlog_crc32c(w->crc, s, n);
	while (n) {
		if (w->len == w->cap)
			drain(w);
		size_t k = w->cap - w->len < n ? w->cap - w->len : n;
		memcpy(w->buf + w->len, s, k);
		w->len += k;
		s += k;
		n -= k;
	}
}

static void put_int(struct ox_snap_w *w, uint64_t v, int n)
{
	unsigned char b[8];
	ox_put_le(b, v, n);
	put(w, b, (size_t)n);
	w->body += (uint64_t)n;
}

void ox_snap_u8(struct ox_snap_w *w, uint8_t v) { put_int(w, v, 1); }
void ox_snap_u32(struct ox_snap_w *w, uint32_t v) { put_int(w, v, 4); }
void ox_snap_u64(struct ox_snap_w *w, uint64_t v) { put_int(w, v, 8); }
void ox_snap_i64(struct ox_snap_w *w, int64_t v) { put_int(w, (uint64_t)v, 8); }

void ox_snap_bytes(struct ox_snap_w *w, const void *p, size_t n)
{
	put(w, p, n);
	w->body += n;
}

void ox_snap_strn(struct ox_snap_w *w, const char *s, size_t n)
{
	ox_snap_u32(w, (uint32_t)n);
	ox_snap_bytes(w, s, n);
}

void ox_snap_str(struct ox_snap_w *w, const char *s)
{
	if (s)
		ox_snap_strn(w, s, strlen(s));
	else
		ox_snap_u32(w, NO_STR);
}

void ox_snap_tag(struct ox_snap_w *w, const char tag[4])
{
	ox_snap_bytes(w, tag, 4);
}

static int sys_err(char *err, size_t errsz, const char *what, const char *name, int e)
{
	snprintf(err, errsz, "%s %s: %s", what, name, strerror(e));
	return -1;
}

int ox_snap_w_open(struct ox_snap_w *w, const char *dir, uint64_t seq, unsigned char *buf, size_t cap, char *err,
		   size_t errsz)
{
	memset(w, 0, sizeof *w);
	w->fd = w->dirfd = -1;
	w->seq = seq;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return sys_err(err, errsz, "mkdir", dir, errno);
	w->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (w->dirfd < 0)
		return sys_err(err, errsz, "open", dir, errno);
	snprintf(w->name, sizeof w->name, "%020" PRIu64 ".snap", seq);
	snprintf(w->tmp, sizeof w->tmp, "%s.tmp", w->name);
	w->fd = openat(w->dirfd, w->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (w->fd < 0) {
		int e = errno;
		close(w->dirfd);
		return sys_err(err, errsz, "create", w->tmp, e);
	}
	w->own_buf = !buf;
	w->buf = buf ? buf : ox_xmalloc(OX_SNAP_BUFSZ);
	w->cap = buf ? cap : OX_SNAP_BUFSZ;
	unsigned char h[HEADER];
	memcpy(h, MAGIC, 8);
	ox_put_le(h + 8, OX_SNAP_VERSION, 4);
	ox_put_le(h + 12, seq, 8);
	put(w, h, sizeof h);
	return 0;
}

static void w_free(struct ox_snap_w *w)
{
	if (w->fd >= 0)
		close(w->fd);
	if (w->dirfd >= 0)
		close(w->dirfd);
	if (w->own_buf)
		free(w->buf);
	w->buf = NULL;
	w->fd = w->dirfd = -1;
}

void ox_snap_w_forget(struct ox_snap_w *w)
{
	w_free(w);
}

void ox_snap_w_abort(struct ox_snap_w *w)
{
	if (w->dirfd >= 0)
		unlinkat(w->dirfd, w->tmp, 0);
	w_free(w);
}

int ox_snap_w_commit(struct ox_snap_w *w, char *err, size_t errsz)
{
	unsigned char t[TRAILER];
	ox_put_le(t, w->body, 8);
	w->crc = ox_evlog_crc32c(w->crc, t, 8);
	ox_put_le(t + 8, w->crc, 4);
	put(w, t, sizeof t);
	drain(w);
	if (!w->err && fsync(w->fd) < 0)
		w->err = errno;
	if (!w->err && renameat(w->dirfd, w->tmp, w->dirfd, w->name) < 0)
		w->err = errno;
	if (!w->err && fsync(w->dirfd) < 0)
		w->err = errno;
	if (w->err) {
		sys_err(err, errsz, "write snapshot", w->tmp, w->err);
		ox_snap_w_abort(w);
		return -1;
	}
	w_free(w);
	return 0;
}

/* ---- reading ------------------------------------------------------------------ */

void ox_snap_r_fail(struct ox_snap_r *r, const char *why)
{
	if (r->bad)
		return;
	r->bad = true;
	snprintf(r->why, sizeof r->why, "%s at byte %td", why, r->p - r->data);
}

static const unsigned char *take(struct ox_snap_r *r, size_t n)
{
	if (r->bad)
		return NULL;
	if ((size_t)(r->end - r->p) < n) {
		ox_snap_r_fail(r, "truncated body");
		return NULL;
	}
	const unsigned char *p = r->p;
	r->p += n;
	return p;
}

static uint64_t get_int(struct ox_snap_r *r, int n)
{
	const unsigned char *p = take(r, (size_t)n);
	return p ? ox_get_le(p, n) : 0;
}

uint8_t ox_snap_get_u8(struct ox_snap_r *r) { return (uint8_t)get_int(r, 1); }
uint32_t ox_snap_get_u32(struct ox_snap_r *r) { return (uint32_t)get_int(r, 4); }
uint64_t ox_snap_get_u64(struct ox_snap_r *r) { return get_int(r, 8); }
int64_t ox_snap_get_i64(struct ox_snap_r *r) { return (int64_t)get_int(r, 8); }

bool ox_snap_get_bytes(struct ox_snap_r *r, void *p, size_t n)
{
	const unsigned char *s = take(r, n);
	if (s)
		memcpy(p, s, n);
	else
		memset(p, 0, n);
	return s != NULL;
}

char *ox_snap_get_str(struct ox_snap_r *r, size_t max, size_t *len)
{
	if (len)
		*len = 0;
	uint32_t n = ox_snap_get_u32(r);
	if (r->bad || n == NO_STR)
		return NULL;
	if (n > max) {
		ox_snap_r_fail(r, "string longer than its limit");
		return NULL;
	}
	const unsigned char *s = take(r, n);
	if (!s)
		return NULL;
	if (len)
		*len = n;
	return ox_xstrndup((const char *)s, n);
}

void ox_snap_get_strbuf(struct ox_snap_r *r, char *dst, size_t size)
{
	dst[0] = '\0';
	uint32_t n = ox_snap_get_u32(r);
	if (r->bad)
		return;
	if (n == NO_STR || n >= size) {
		ox_snap_r_fail(r, "string does not fit its field");
		return;
	}
	const unsigned char *s = take(r, n);
	if (!s)
		return;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

uint64_t ox_snap_get_count(struct ox_snap_r *r, size_t min_bytes)
{
	uint64_t n = ox_snap_get_u64(r);
	if (min_bytes && n > (uint64_t)(r->end - r->p) / min_bytes) {
		ox_snap_r_fail(r, "count larger than the file can hold");
		return 0;
	}
	return r->bad ? 0 : n;
}

void ox_snap_expect(struct ox_snap_r *r, const char tag[4])
{
	const unsigned char *p = take(r, 4);
	if (p && memcmp(p, tag, 4) != 0) {
		char why[64];
		snprintf(why, sizeof why, "section %.4s expected", tag);
		r->p -= 4;
		ox_snap_r_fail(r, why);
	}
}

bool ox_snap_r_ok(const struct ox_snap_r *r)
{
	return !r->bad;
}

bool ox_snap_r_done(const struct ox_snap_r *r)
{
	return !r->bad && r->p == r->end;
}

static int read_all(int fd, unsigned char **out, size_t *n)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -1;
	size_t size = (size_t)st.st_size;
	unsigned char *b = ox_xmalloc(size ? size : 1);
	size_t off = 0;
	while (off < size) {
		ssize_t k = read(fd, b + off, size - off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			free(b);
			if (k == 0)
				errno = EIO; /* shrank while read */
			return -1;
		}
		off += (size_t)k;
	}
	*out = b;
	*n = size;
	return 0;
}

int ox_snap_r_open(struct ox_snap_r *r, const char *dir, uint64_t seq, char *err, size_t errsz)
{
	memset(r, 0, sizeof *r);
	char path[4096];
	snprintf(path, sizeof path, "%s/%020" PRIu64 ".snap", dir, seq);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sys_err(err, errsz, "open", path, errno);
	size_t n;
	int rc = read_all(fd, &r->data, &n);
	int e = errno;
	close(fd);
	if (rc < 0)
		return sys_err(err, errsz, "read", path, e);
	const char *why = NULL;
	if (n < HEADER + TRAILER || memcmp(r->data, MAGIC, 8) != 0)
		why = "not a snapshot";
	else if (ox_get_le(r->data + 8, 4) != OX_SNAP_VERSION)
		why = "written by another version of ordex";
	else if (ox_get_le(r->data + 12, 8) != seq)
		why = "its seq is not its name";
	else if (ox_get_le(r->data + n - TRAILER, 8) != n - HEADER - TRAILER)
		why = "truncated";
	else if (ox_get_le(r->data + n - 4, 4) != ox_evlog_crc32c(0, r->data, n - 4))
		why = "bad crc";
	if (why) {
		snprintf(err, errsz, "%s: %s", path, why);
		free(r->data);
		r->data = NULL;
		return -1;
	}
	r->seq = seq;
	r->p = r->data + HEADER;
	r->end = r->data + n - TRAILER;
	return 0;
}

void ox_snap_r_close(struct ox_snap_r *r)
{
	free(r->data);
	memset(r, 0, sizeof *r);
}

/* ---- the directory -------------------------------------------------------------- */

static int newest_first(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? 1 : x > y ? -1 : 0;
}

size_t ox_snap_list(const char *dir, uint64_t *seqs, size_t max)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	uint64_t *all = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (ox_seq_name_parse(e->d_name, ".snap.tmp")) {
			unlinkat(dirfd(d), e->d_name, 0); /* a write that never finished */
			continue;
		}
		uint64_t s = ox_seq_name_parse(e->d_name, ".snap");
		if (!s)
			continue;
		OX_GROW(all, cap, n + 1);
		all[n++] = s;
	}
	closedir(d);
	if (n)
		qsort(all, n, sizeof *all, newest_first);
	size_t k = n < max ? n : max;
	if (k)
		memcpy(seqs, all, k * sizeof *all);
	free(all);
	return k;
}

void ox_snap_prune(const char *dir, uint64_t keep_from)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		uint64_t s = ox_seq_name_parse(e->d_name, ".snap");
		if (s && s < keep_from)
			unlinkat(dirfd(d), e->d_name, 0);
	}
	closedir(d);
}

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

/* Every byte of the file goes through put: the trailer's CRC covers them
 * all. The file is synced in steps as it goes (syncfile.h says why). */
static void put(struct ox_snap_w *w, const void *p, size_t n)
{
	w->crc = ox_evlog_crc32c(w->crc, p, n);
	ox_syncfile_write(&w->f, p, n);
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
	w->seq = seq;
	char name[32];
	snprintf(name, sizeof name, "%020" PRIu64 ".snap", seq);
	w->own_buf = !buf;
	unsigned char *b = buf ? buf : ox_xmalloc(OX_SNAP_BUFSZ);
	const char *stage;
	int e = ox_syncfile_open(&w->f, dir, 0700, name, 0600, b, buf ? cap : OX_SNAP_BUFSZ, &stage);
	if (e) {
		if (w->own_buf)
			free(b);
		return sys_err(err, errsz, stage, strcmp(stage, "create") == 0 ? w->f.tmp : dir, e);
	}
	unsigned char h[HEADER];
	memcpy(h, MAGIC, 8);
	ox_put_le(h + 8, OX_SNAP_VERSION, 4);
	ox_put_le(h + 12, seq, 8);
	put(w, h, sizeof h);
	return 0;
}

static void free_buf(struct ox_snap_w *w)
{
	if (w->own_buf)
		free(w->f.buf);
	w->f.buf = NULL;
}

void ox_snap_w_forget(struct ox_snap_w *w)
{
	ox_syncfile_forget(&w->f);
	free_buf(w);
}

void ox_snap_w_abort(struct ox_snap_w *w)
{
	ox_syncfile_abort(&w->f);
	free_buf(w);
}

int ox_snap_w_commit(struct ox_snap_w *w, char *err, size_t errsz)
{
	unsigned char t[TRAILER];
	ox_put_le(t, w->body, 8);
	w->crc = ox_evlog_crc32c(w->crc, t, 8);
	ox_put_le(t + 8, w->crc, 4);
	put(w, t, sizeof t);
	int e = ox_syncfile_commit(&w->f);
	free_buf(w);
	return e ? sys_err(err, errsz, "write snapshot", w->f.tmp, e) : 0;
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
	else if (ox_get_le(r->data + 8, 4) < OX_SNAP_VERSION_MIN || ox_get_le(r->data + 8, 4) > OX_SNAP_VERSION)
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
	r->version = (uint32_t)ox_get_le(r->data + 8, 4);
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

/* evlog.c - see evlog.h; the format and its reasons are in docs/evlog.md.
 *
 * Segment header (28 bytes, little-endian):
 *   0 magic "OXLOG1\n"  7 version (1)  8 u64 first seq (= the file name)
 *   16 u32 record_max  20 u32 tail_max (0: unbounded)  24 u32 CRC-32C of 0..23
 * Record (16 bytes + payload):
 *   0 u32 CRC-32C of bytes 4..end  4 u32 payload length  8 u64 seq  16 payload
 */
#include "evlog.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

#include "util.h"

#define HDR_SIZE 28u
#define REC_HDR OX_EVLOG_RECORD_OVERHEAD
#define NAME_DIGITS 20
#define NAME_SIZE 32 /* 20 digits + ".log.tmp" + NUL */
#define READ_CHUNK (1u << 20)
#define SEGMENTS_MAX (1u << 20)
#define INDEX_EVERY 64 /* records per sparse-index entry: a read hops over at most 63 */
#define LOCK_WAIT_MS 2000 /* for the lock a dying process still holds */
#define READ_FDS 8     /* older segments kept open for reading */
/* ox_evlog_read's pread size: 64 records of a typical event (~380 bytes with
 * framing) in one system call. */
#define READ_WINDOW (32u << 10)
static const char magic[7] = { 'O', 'X', 'L', 'O', 'G', '1', '\n' };

#define DEFAULT_SEGMENT_MAX ((uint64_t)64 << 20)
#define DEFAULT_RECORD_MAX ((1u << 20) + 4096u)
#define DEFAULT_BUFFER_MAX (8u << 20)

/* A segment and its sparse index: idx[k] is the file offset of record
 * base + k * INDEX_EVERY. */
struct seg {
	uint64_t base;
	uint64_t *idx;
	size_t n, cap;
};

struct ox_evlog {
	struct ox_evlog_opts o; /* resolved: no zero field */
	uint32_t tail_max;      /* what this writer can leave unsynced: 0 = unbounded */
	int dirfd, lockfd;
	int fd;                 /* the active (last) segment */
	uint64_t seg_size;      /* its records' end: where the next write goes */
	uint64_t file_size;     /* its length on disk: zeros written ahead from seg_size on */
	unsigned char *zeros;   /* o.prealloc zero bytes, for writing ahead */
	char seg_name[NAME_SIZE];
	uint64_t next_seq;
	_Atomic uint64_t durable_seq; /* atomics: /metrics reads them from other threads */
	unsigned char *buf; /* records appended since the last commit */
	size_t buf_len, buf_cap;
	atomic_bool broken;
	_Atomic uint64_t disk_bytes; /* of every segment file, headers included */
	struct seg *segs; /* oldest first; the last one is the active segment */
	size_t nsegs, segs_cap;
	/* Older segments opened by ox_evlog_read, reused round-robin: bounded, so
	 * that reads cannot take the descriptors a rollover needs. */
	struct {
		uint64_t base;
		int fd; /* -1: unused */
	} rfd[READ_FDS];
	unsigned rfd_next;
	unsigned char *rbuf; /* ox_evlog_read's window */
	size_t rbuf_cap;
	struct ox_evlog_recovery rec;
	char msg[512];
};

const char *ox_evlog_strerror(int err)
{
	static const struct ox_errmsg msgs[] = { OX_EVLOG_ERRORS(OX_ERRMSG_ROW) };
	return ox_errmsg_find(msgs, OX_ARRAY_LEN(msgs), err);
}

/* ---- CRC-32C ---------------------------------------------------------- */

static uint32_t crc_tab[8][256];
static uint32_t (*crc_fn)(uint32_t, const unsigned char *, size_t);
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static uint32_t crc_sw(uint32_t crc, const unsigned char *p, size_t n)
{
	uint32_t c = ~crc;
	/* Slicing-by-8: eight table lookups per 8 bytes instead of a chain of
	 * eight dependent ones. */
	for (; n >= 8; p += 8, n -= 8) {
		uint32_t lo = c ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
				   (uint32_t)p[3] << 24);
		uint32_t hi = (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 |
			      (uint32_t)p[7] << 24;
		c = crc_tab[7][lo & 0xff] ^ crc_tab[6][(lo >> 8) & 0xff] ^
		    crc_tab[5][(lo >> 16) & 0xff] ^ crc_tab[4][lo >> 24] ^ crc_tab[3][hi & 0xff] ^
		    crc_tab[2][(hi >> 8) & 0xff] ^ crc_tab[1][(hi >> 16) & 0xff] ^
		    crc_tab[0][hi >> 24];
	}
	while (n--)
		c = crc_tab[0][(c ^ *p++) & 0xff] ^ (c >> 8);
	return ~c;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) static uint32_t crc_hw(uint32_t crc, const unsigned char *p,
							 size_t n)
{
	uint64_t c = ~crc;
	for (; n >= 8; p += 8, n -= 8) {
		uint64_t v;
		memcpy(&v, p, 8); /* x86 is little-endian, as the CRC wants */
		c = _mm_crc32_u64(c, v);
	}
	uint32_t c32 = (uint32_t)c;
	while (n--)
		c32 = _mm_crc32_u8(c32, *p++);
	return ~c32;
}
#endif

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1; /* reflected Castagnoli */
		crc_tab[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			crc_tab[t][i] = (crc_tab[t - 1][i] >> 8) ^ crc_tab[0][crc_tab[t - 1][i] & 0xff];
	crc_fn = crc_sw;
#if defined(__x86_64__)
	if (__builtin_cpu_supports("sse4.2"))
		crc_fn = crc_hw;
#endif
}

uint32_t ox_evlog_crc32c(uint32_t crc, const void *p, size_t n)
{
	pthread_once(&crc_once, crc_init);
	return crc_fn(crc, p, n);
}

uint32_t ox_evlog_crc32c_sw(uint32_t crc, const void *p, size_t n)
{
	pthread_once(&crc_once, crc_init);
	return crc_sw(crc, p, n);
}

/* ---- encoding --------------------------------------------------------- */


struct seg_hdr {
	uint64_t base;
	uint32_t record_max, tail_max;
};

static void hdr_encode(unsigned char h[HDR_SIZE], const struct seg_hdr *s)
{
	memcpy(h, magic, sizeof magic);
	h[7] = 1;
	ox_put_le(h + 8, s->base, 8);
	ox_put_le(h + 16, s->record_max, 4);
	ox_put_le(h + 20, s->tail_max, 4);
	ox_put_le(h + 24, ox_evlog_crc32c(0, h, 24), 4);
}

/* NULL when h is a valid header, else what is wrong with it. */
static const char *hdr_decode(const unsigned char h[HDR_SIZE], struct seg_hdr *s)
{
	if (memcmp(h, magic, sizeof magic) != 0)
		return "not a segment (bad magic)";
	if ((uint32_t)ox_get_le(h + 24, 4) != ox_evlog_crc32c(0, h, 24))
		return "bad header crc";
	if (h[7] != 1)
		return "unsupported segment version";
	s->base = ox_get_le(h + 8, 8);
	s->record_max = (uint32_t)ox_get_le(h + 16, 4);
	s->tail_max = (uint32_t)ox_get_le(h + 20, 4);
	if (s->record_max == 0 || s->record_max > OX_EVLOG_RECORD_LIMIT ||
	    s->tail_max > OX_EVLOG_BUFFER_LIMIT)
		return "bad limits in header";
	return NULL;
}

/* "00000000000000000042.log" (or ".log.tmp"). */
static void seg_name(char out[NAME_SIZE], uint64_t base, bool tmp)
{
	snprintf(out, NAME_SIZE, "%020llu.log%s", (unsigned long long)base, tmp ? ".tmp" : "");
}

enum name_kind { NAME_OTHER, NAME_SEGMENT, NAME_TMP };

/* Only exactly 20 digits + ".log" is a segment; anything else is not ours
 * and is left alone, except our own ".log.tmp" leftovers. */
static enum name_kind parse_name(const char *name, uint64_t *base)
{
	uint64_t v = 0;
	int i;
	for (i = 0; i < NAME_DIGITS; i++) {
		if (name[i] < '0' || name[i] > '9')
			return NAME_OTHER;
		unsigned d = (unsigned)(name[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return NAME_OTHER;
		v = v * 10 + d;
	}
	*base = v;
	if (strcmp(name + i, ".log") == 0)
		return v ? NAME_SEGMENT : NAME_OTHER;
	if (strcmp(name + i, ".log.tmp") == 0)
		return NAME_TMP;
	return NAME_OTHER;
}

/* ---- errors and system calls ------------------------------------------ */

__attribute__((format(printf, 3, 4))) static int fail(struct ox_evlog *log, int code,
						      const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(log->msg, sizeof log->msg, fmt, ap);
	va_end(ap);
	return code;
}

/* A failed system call on name: "what NAME: strerror". */
static int fail_sys(struct ox_evlog *log, const char *what, const char *name)
{
	return fail(log, OX_EVLOG_EIO, "%s %s: %s", what, name, strerror(errno));
}

static int pwrite_all(int fd, const unsigned char *p, size_t n, uint64_t off)
{
	while (n > 0) {
		ssize_t w = pwrite(fd, p, n, (off_t)off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

static int pread_all(int fd, unsigned char *p, size_t n, uint64_t off)
{
	while (n > 0) {
		ssize_t r = pread(fd, p, n, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EIO; /* shorter than fstat said: someone else is at it */
			return -1;
		}
		p += r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

static int sync_file(struct ox_evlog *log, int fd, const char *name)
{
	if (log->o.sync == OX_EVLOG_NOSYNC || fdatasync(fd) == 0)
		return 0;
	return fail_sys(log, "fdatasync", name);
}

static int sync_dir(struct ox_evlog *log)
{
	if (log->o.sync == OX_EVLOG_NOSYNC || fsync(log->dirfd) == 0)
		return 0;
	return fail_sys(log, "fsync", "directory");
}

/* ---- writing ahead -------------------------------------------------------- */

/* Zeros written ahead of the records (o.prealloc): a commit that overwrites
 * them changes no file size, so its fdatasync has no metadata to commit
 * (PostgreSQL zero-fills its WAL segments for the same reason). Recovery
 * reads zeros as unwritten space: a length of 0 is never a record. */

/* The active segment's file grows to end (when shorter). */
static void grown_to(struct ox_evlog *log, uint64_t end)
{
	if (end > log->file_size) {
		log->disk_bytes += end - log->file_size;
		log->file_size = end;
	}
}

/* After a commit of n bytes, write zeros from the file's end to
 * seg_size + o.prealloc, at least half of o.prealloc at a time, but not
 * past segment_max: the caller's next sync makes them and the new size
 * durable. Not after a large commit: its sync costs far more than a size
 * change, and zeros would double the bytes a fast stream writes. */
static int write_ahead(struct ox_evlog *log, size_t n)
{
	uint64_t want = log->seg_size + log->o.prealloc;
	if (want > log->o.segment_max)
		want = log->o.segment_max;
	if (!log->o.prealloc || n > log->o.prealloc / 32 || log->file_size >= want ||
	    want - log->file_size < log->o.prealloc / 2)
		return 0;
	if (!log->zeros)
		log->zeros = ox_xcalloc(1, log->o.prealloc);
	uint64_t from = log->file_size > log->seg_size ? log->file_size : log->seg_size;
	if (pwrite_all(log->fd, log->zeros, (size_t)(want - from), from) != 0)
		return fail_sys(log, "write", log->seg_name);
	grown_to(log, want);
	return 0;
}

/* Cut the zeros ahead of the active segment's records and sync: a segment
 * that takes no more records ends at its last record. */
static int cut_ahead(struct ox_evlog *log)
{
	if (log->file_size <= log->seg_size)
		return 0;
	if (ftruncate(log->fd, (off_t)log->seg_size) != 0)
		return fail_sys(log, "truncate", log->seg_name);
	log->disk_bytes -= log->file_size - log->seg_size;
	log->file_size = log->seg_size;
	return sync_file(log, log->fd, log->seg_name);
}

/* ---- opening ------------------------------------------------------------ */

static int resolve_opts(struct ox_evlog *log, const struct ox_evlog_opts *opts)
{
	struct ox_evlog_opts o = opts ? *opts : (struct ox_evlog_opts){ 0 };
	if (!o.segment_max)
		o.segment_max = DEFAULT_SEGMENT_MAX;
	if (!o.record_max)
		o.record_max = DEFAULT_RECORD_MAX;
	if (!o.buffer_max)
		o.buffer_max = DEFAULT_BUFFER_MAX < o.record_max + REC_HDR ? o.record_max + REC_HDR
									   : DEFAULT_BUFFER_MAX;
	if (o.record_max > OX_EVLOG_RECORD_LIMIT)
		return fail(log, OX_EVLOG_EINVAL, "record_max %u is over the limit of %u",
			    o.record_max, OX_EVLOG_RECORD_LIMIT);
	if (o.buffer_max < o.record_max + REC_HDR || o.buffer_max > OX_EVLOG_BUFFER_LIMIT)
		return fail(log, OX_EVLOG_EINVAL,
			    "buffer_max %u must be between record_max + %u (%u) and %u", o.buffer_max,
			    REC_HDR, o.record_max + REC_HDR, OX_EVLOG_BUFFER_LIMIT);
	if (o.prealloc > OX_EVLOG_PREALLOC_LIMIT)
		return fail(log, OX_EVLOG_EINVAL, "prealloc %u is over the limit of %u", o.prealloc,
			    OX_EVLOG_PREALLOC_LIMIT);
	if (o.sync != OX_EVLOG_FDATASYNC && o.sync != OX_EVLOG_NOSYNC)
		return fail(log, OX_EVLOG_EINVAL, "unknown sync mode %d", (int)o.sync);
	log->o = o;
	/* One commit is the most a crash can leave half-written, since every
	 * commit is synced before the next one starts; without sync, anything. */
	log->tail_max = o.sync == OX_EVLOG_FDATASYNC ? o.buffer_max : 0;
	return 0;
}

/* Open dir, creating it when missing; a new directory's entry in its parent
 * must be durable too, or a power cut could take the whole log away. */
static int open_dir(struct ox_evlog *log, const char *dir)
{
	char parent[PATH_MAX];
	size_t n = strlen(dir);
	if (n == 0 || n >= sizeof parent)
		return fail(log, OX_EVLOG_EINVAL, "bad directory name");
	/* Owner only: the payloads hold customers' names, phones and addresses. */
	if (mkdir(dir, 0700) != 0) {
		if (errno != EEXIST)
			return fail_sys(log, "mkdir", dir);
	} else if (log->o.sync == OX_EVLOG_FDATASYNC) {
		memcpy(parent, dir, n + 1);
		while (n > 1 && parent[n - 1] == '/')
			parent[--n] = '\0';
		char *slash = strrchr(parent, '/');
		if (!slash)
			strcpy(parent, ".");
		else
			slash[slash == parent] = '\0'; /* "/x" -> "/", "a/b" -> "a" */
		int pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (pfd < 0)
			return fail_sys(log, "open", parent);
		int rc = fsync(pfd);
		close(pfd);
		if (rc != 0)
			return fail_sys(log, "fsync", parent);
	}
	log->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (log->dirfd < 0)
		return fail_sys(log, "open", dir);
	log->lockfd = openat(log->dirfd, "LOCK", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (log->lockfd < 0)
		return fail_sys(log, "open", "LOCK");
	/* A daemon killed with -9 may leave, for a few milliseconds, the child
	 * writing its snapshot (which shares the lock and dies with it): wait
	 * for that, not for a daemon that runs. */
	int tries = LOCK_WAIT_MS / 10;
	while (flock(log->lockfd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK && tries-- > 0) {
			nanosleep(&(struct timespec){ 0, 10 * 1000000L }, NULL);
			continue;
		}
		if (errno == EWOULDBLOCK)
			return fail(log, OX_EVLOG_ELOCKED, "LOCK is held by another process");
		return fail_sys(log, "flock", "LOCK");
	}
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* The segments' first seqs, sorted; removes the temporary file of a rollover
 * that a crash interrupted (it was never renamed, so it holds no record). */
static int list_segments(struct ox_evlog *log, bool tidy, uint64_t **bases, size_t *count)
{
	int fd = dup(log->dirfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL; /* shares dirfd's offset: rewound below */
	if (!d) {
		if (fd >= 0)
			close(fd);
		return fail_sys(log, "read", "directory");
	}
	rewinddir(d);
	size_t n = 0, cap = 0;
	uint64_t *v = NULL;
	int rc = 0;
	struct dirent *e;
	while ((errno = 0, e = readdir(d)) != NULL) {
		uint64_t base;
		enum name_kind k = parse_name(e->d_name, &base);
		if (tidy && k == NAME_TMP && unlinkat(log->dirfd, e->d_name, 0) != 0) {
			rc = fail_sys(log, "unlink", e->d_name);
			break;
		}
		if (k != NAME_SEGMENT)
			continue;
		if (n == SEGMENTS_MAX) {
			rc = fail(log, OX_EVLOG_EINVAL, "more than %u segments", SEGMENTS_MAX);
			break;
		}
		OX_GROW(v, cap, n + 1);
		v[n++] = base;
	}
	if (!rc && errno != 0)
		rc = fail_sys(log, "read", "directory");
	closedir(d);
	if (rc) {
		free(v);
		return rc;
	}
	if (n)
		qsort(v, n, sizeof *v, cmp_u64);
	*bases = v;
	*count = n;
	return 0;
}

/* ---- the sparse index ------------------------------------------------ */

static struct seg *seg_add(struct ox_evlog *log, uint64_t base)
{
	OX_GROW(log->segs, log->segs_cap, log->nsegs + 1);
	struct seg *s = &log->segs[log->nsegs++];
	*s = (struct seg){ base, NULL, 0, 0 };
	return s;
}

/* A segment that takes no more records: give back what doubling left over. */
static void seg_done(struct seg *s)
{
	if (s->n && s->n < s->cap) {
		s->idx = ox_xrealloc(s->idx, s->n * sizeof *s->idx);
		s->cap = s->n;
	}
}

static void index_record(struct seg *s, uint64_t seq, uint64_t off)
{
	if ((seq - s->base) % INDEX_EVERY == 0) {
		OX_GROW(s->idx, s->cap, s->n + 1);
		s->idx[s->n++] = off;
	}
}

struct replay {
	ox_evlog_replay_fn *fn;
	void *ctx;
	unsigned char *buf; /* read window, reused from segment to segment */
	size_t cap;
};

/* The end of the last byte of fd[pos, size) that is not zero (pos when all
 * are), read backwards through rp's window. */
static int written_end(struct ox_evlog *log, int fd, const char *name, struct replay *rp, uint64_t pos,
		       uint64_t size, uint64_t *end)
{
	while (size > pos) {
		size_t n = size - pos < rp->cap ? (size_t)(size - pos) : rp->cap;
		if (pread_all(fd, rp->buf, n, size - n) != 0)
			return fail_sys(log, "read", name);
		while (n && rp->buf[n - 1] == 0)
			n--, size--;
		if (n)
			break;
	}
	*end = size;
	return 0;
}

/* Read the records of one segment, calling rp->fn for each. Expects its
 * first seq to be log->next_seq (unless it is the first segment) and leaves
 * log->next_seq after its last record. For the last segment, cuts a torn
 * tail and leaves the file open as the active segment with *hdr its header. */
static int scan_segment(struct ox_evlog *log, struct replay *rp, uint64_t base, bool first,
			bool last, struct seg_hdr *hdr)
{
	char name[NAME_SIZE];
	seg_name(name, base, false);
	int fd = openat(log->dirfd, name, (last ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (fd < 0)
		return fail_sys(log, "open", name);
	int rc = 0;
	struct stat st;
	unsigned char h[HDR_SIZE];
	const char *bad;
	if (fstat(fd, &st) != 0) {
		rc = fail_sys(log, "stat", name);
		goto out;
	}
	uint64_t size = (uint64_t)st.st_size;
	if (!S_ISREG(st.st_mode) || size < HDR_SIZE) {
		rc = fail(log, OX_EVLOG_ECORRUPT, "%s: %s", name,
			  S_ISREG(st.st_mode) ? "shorter than a segment header" : "not a file");
		goto out;
	}
	if (pread_all(fd, h, HDR_SIZE, 0) != 0) {
		rc = fail_sys(log, "read", name);
		goto out;
	}
	if ((bad = hdr_decode(h, hdr)) != NULL || hdr->base != base) {
		rc = fail(log, OX_EVLOG_ECORRUPT, "%s: %s", name,
			  bad ? bad : "first seq in header differs from the name");
		goto out;
	}
	if (first) {
		log->next_seq = base; /* later: the oldest segment kept */
	} else if (base != log->next_seq) {
		rc = fail(log, OX_EVLOG_ECORRUPT, "%s: starts at seq %llu, expected %llu", name,
			  (unsigned long long)base, (unsigned long long)log->next_seq);
		goto out;
	}
	struct seg *sg = seg_add(log, base);

	size_t need_cap = (size_t)hdr->record_max + REC_HDR;
	if (need_cap < READ_CHUNK)
		need_cap = READ_CHUNK;
	if (rp->cap < need_cap) {
		free(rp->buf);
		rp->buf = ox_xmalloc(need_cap);
		rp->cap = need_cap;
	}
	/* The window rp->buf[start, end) holds the file's bytes from pos on. */
	size_t start = 0, end = 0;
	uint64_t pos = HDR_SIZE, rd = HDR_SIZE;
	const char *why = NULL;
	for (;;) {
		const unsigned char *r = rp->buf + start;
		size_t avail = end - start, need = REC_HDR;
		uint32_t len = 0;
		if (avail >= REC_HDR) {
			len = (uint32_t)ox_get_le(r + 4, 4);
			if (len == 0 || len > hdr->record_max) {
				why = "bad length";
				break;
			}
			need += len;
		}
		if (avail < need) {
			if (rd == size) {
				if (avail)
					why = avail < REC_HDR ? "short record header" : "short record";
				break;
			}
			memmove(rp->buf, r, avail);
			start = 0;
			end = avail;
			size_t want = rp->cap - end;
			if (want > size - rd)
				want = (size_t)(size - rd);
			if (pread_all(fd, rp->buf + end, want, rd) != 0) {
				rc = fail_sys(log, "read", name);
				goto out;
			}
			end += want;
			rd += want;
			continue;
		}
		if ((uint32_t)ox_get_le(r, 4) != ox_evlog_crc32c(0, r + 4, need - 4)) {
			why = "bad crc";
			break;
		}
		uint64_t seq = ox_get_le(r + 8, 8);
		if (seq != log->next_seq) {
			why = "seq not contiguous";
			break;
		}
		if (rp->fn) {
			int cb = rp->fn(rp->ctx, seq, (const char *)r + REC_HDR, len);
			if (cb != 0) {
				rc = fail(log, OX_EVLOG_EREPLAY, "replay callback returned %d at seq %llu",
					  cb, (unsigned long long)seq);
				goto out;
			}
		}
		index_record(sg, seq, pos);
		if (!log->rec.records++)
			log->rec.first_seq = seq;
		log->next_seq++;
		start += need;
		pos += need;
	}
	log->rec.segments++;

	if (why) {
		uint64_t tail = size - pos;
		if (!last) {
			rc = fail(log, OX_EVLOG_ECORRUPT, "%s: %s at offset %llu (not the last segment)",
				  name, why, (unsigned long long)pos);
			goto out;
		}
		/* Zeros are space written ahead (o.prealloc) or never written:
		 * what counts is the last byte that is not zero. */
		uint64_t written = size;
		if ((rc = written_end(log, fd, name, rp, pos, size, &written)))
			goto out;
		/* A crash leaves at most one unsynced commit behind the last
		 * durable record; more bytes after the damage means damage to
		 * records that were acknowledged. */
		if (hdr->tail_max && written - pos > hdr->tail_max) {
			rc = fail(log, OX_EVLOG_ECORRUPT,
				  "%s: %s at offset %llu, %llu bytes before the end, more than one commit "
				  "(%u bytes) can leave unsynced",
				  name, why, (unsigned long long)pos, (unsigned long long)(written - pos),
				  hdr->tail_max);
			goto out;
		}
		/* Zeros ahead are cut too: the next commit writes them again. */
		if (ftruncate(fd, (off_t)pos) != 0) {
			rc = fail_sys(log, "truncate", name);
			goto out;
		}
		if (written > pos) {
			log->rec.torn_bytes = tail;
			log->rec.torn_segment = base;
			log->rec.torn_offset = pos;
			log->rec.torn_reason = why;
		}
	}
	/* What was replayed may still be only in the page cache (a writer killed
	 * before its fdatasync, or one without sync): make it durable before the
	 * caller acts on it. */
	rc = sync_file(log, fd, name);
	log->disk_bytes += last ? pos : size;
	if (!last)
		seg_done(sg);
	if (!rc && last) {
		log->fd = fd;
		log->seg_size = log->file_size = pos;
		memcpy(log->seg_name, name, NAME_SIZE);
		return 0;
	}
out:
	close(fd);
	return rc;
}

/* Start a new segment whose first record will be base. The header is written
 * and synced under a temporary name, then renamed, so a segment file never
 * lacks its header; the directory sync makes the name durable before any
 * record in it is acknowledged. The previous segment must be synced already.
 * Renaming over an existing file only happens to an empty last segment. */
static int roll(struct ox_evlog *log, uint64_t base)
{
	int rc = log->fd >= 0 ? cut_ahead(log) : 0;
	if (rc)
		return rc;
	char name[NAME_SIZE], tmp[NAME_SIZE];
	seg_name(name, base, false);
	seg_name(tmp, base, true);
	unsigned char h[HDR_SIZE];
	hdr_encode(h, &(struct seg_hdr){ base, log->o.record_max, log->tail_max });
	/* Read-write: ox_evlog_read reads the active segment through it. */
	int fd = openat(log->dirfd, tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return fail_sys(log, "create", tmp);
	uint64_t ahead = log->o.segment_max > HDR_SIZE ? log->o.segment_max - HDR_SIZE : 0;
	if (ahead > log->o.prealloc)
		ahead = log->o.prealloc;
	if (ahead && !log->zeros)
		log->zeros = ox_xcalloc(1, log->o.prealloc);
	if (pwrite_all(fd, h, HDR_SIZE, 0) != 0 || (ahead && pwrite_all(fd, log->zeros, ahead, HDR_SIZE) != 0))
		rc = fail_sys(log, "write", tmp);
	else if (!(rc = sync_file(log, fd, tmp)) && renameat(log->dirfd, tmp, log->dirfd, name) != 0)
		rc = fail_sys(log, "rename", tmp);
	if (!rc)
		rc = sync_dir(log);
	if (rc) {
		close(fd);
		return rc;
	}
	if (log->fd >= 0)
		close(log->fd);
	log->fd = fd;
	log->seg_size = HDR_SIZE;
	log->file_size = HDR_SIZE + ahead;
	log->disk_bytes += ahead;
	memcpy(log->seg_name, name, NAME_SIZE);
	/* An empty last segment replaced under its own name keeps its entry. */
	if (!log->nsegs || log->segs[log->nsegs - 1].base != base) {
		log->disk_bytes += HDR_SIZE;
		if (log->nsegs)
			seg_done(&log->segs[log->nsegs - 1]);
		seg_add(log, base);
	}
	return 0;
}

/* A log with nothing open yet. */
static struct ox_evlog *evlog_new(void)
{
	struct ox_evlog *log = ox_xcalloc(1, sizeof *log);
	log->dirfd = log->lockfd = log->fd = -1;
	for (size_t i = 0; i < READ_FDS; i++)
		log->rfd[i].fd = -1;
	return log;
}

static void evlog_free(struct ox_evlog *log)
{
	if (log->fd >= 0)
		close(log->fd);
	if (log->lockfd >= 0)
		close(log->lockfd); /* releases the flock */
	if (log->dirfd >= 0)
		close(log->dirfd);
	for (size_t i = 0; i < READ_FDS; i++)
		if (log->rfd[i].fd >= 0)
			close(log->rfd[i].fd);
	for (size_t i = 0; i < log->nsegs; i++)
		free(log->segs[i].idx);
	free(log->segs);
	free(log->rbuf);
	free(log->buf);
	free(log->zeros);
	free(log);
}

int ox_evlog_open(struct ox_evlog **out, const char *dir, const struct ox_evlog_opts *opts,
		  ox_evlog_replay_fn *replay, void *ctx, char *err, size_t errsz)
{
	*out = NULL;
	struct ox_evlog *log = evlog_new();
	log->next_seq = 1;
	uint64_t *bases = NULL;
	size_t n = 0;
	struct replay rp = { replay, ctx, NULL, 0 };
	int rc;
	if (!dir) {
		rc = fail(log, OX_EVLOG_EINVAL, "no directory");
		dir = "(null)";
		goto out;
	}
	if ((rc = resolve_opts(log, opts)) || (rc = open_dir(log, dir)) ||
	    (rc = list_segments(log, true, &bases, &n)))
		goto out;
	if (n == 0) {
		rc = roll(log, 1);
		goto out;
	}
	struct seg_hdr hdr = { 0, 0, 0 };
	for (size_t i = 0; i < n && !rc; i++)
		rc = scan_segment(log, &rp, bases[i], i == 0, i == n - 1, &hdr);
	if (rc || (rc = sync_dir(log)))
		goto out;
	/* Each segment's header bounds what is in it: when this writer may
	 * write larger records or leave a longer unsynced tail, start afresh. */
	if (log->o.record_max > hdr.record_max ||
	    (hdr.tail_max && (!log->tail_max || log->tail_max > hdr.tail_max)))
		rc = roll(log, log->next_seq);
out:
	free(bases);
	free(rp.buf);
	if (rc) {
		snprintf(err, errsz, "%s: %s", dir, log->msg);
		evlog_free(log);
		return rc;
	}
	log->durable_seq = log->next_seq - 1;
	log->msg[0] = '\0';
	*out = log;
	return 0;
}

/* ---- appending ---------------------------------------------------------- */

int ox_evlog_append(struct ox_evlog *log, const char *payload, size_t len, uint64_t *seq_out)
{
	if (log->broken)
		return OX_EVLOG_EBROKEN;
	if (len == 0)
		return fail(log, OX_EVLOG_EEMPTY, "empty record");
	if (len > log->o.record_max)
		return fail(log, OX_EVLOG_ETOOBIG, "record of %zu bytes, more than %u", len,
			    log->o.record_max);
	size_t need = REC_HDR + len;
	if (need > log->o.buffer_max - log->buf_len)
		return OX_EVLOG_EFULL; /* normal flow: commit, then append again; no message */
	OX_GROW(log->buf, log->buf_cap, log->buf_len + need);
	unsigned char *r = log->buf + log->buf_len;
	ox_put_le(r + 4, (uint32_t)len, 4);
	ox_put_le(r + 8, log->next_seq, 8);
	memcpy(r + REC_HDR, payload, len);
	ox_put_le(r, ox_evlog_crc32c(0, r + 4, need - 4), 4);
	log->buf_len += need;
	if (seq_out)
		*seq_out = log->next_seq;
	log->next_seq++;
	return 0;
}

/* How many bytes of whole records from buf[p] go into the active segment. A
 * record too large for any segment gets an empty one to itself. */
static size_t fit(const struct ox_evlog *log, size_t p)
{
	uint64_t room = log->seg_size < log->o.segment_max ? log->o.segment_max - log->seg_size : 0;
	if (log->buf_len - p <= room)
		return log->buf_len - p;
	size_t q = p;
	while (q < log->buf_len) {
		size_t r = REC_HDR + (uint32_t)ox_get_le(log->buf + q + 4, 4);
		if (q - p + r > room)
			break;
		q += r;
	}
	if (q == p && log->seg_size == HDR_SIZE)
		q += REC_HDR + (uint32_t)ox_get_le(log->buf + q + 4, 4);
	return q - p;
}

int ox_evlog_commit(struct ox_evlog *log)
{
	if (log->broken)
		return OX_EVLOG_EBROKEN;
	if (log->buf_len == 0)
		return 0;
	int rc = 0;
	size_t p = 0;
	for (;;) {
		size_t n = fit(log, p);
		if (n) {
			if (pwrite_all(log->fd, log->buf + p, n, log->seg_size) != 0) {
				rc = fail_sys(log, "write", log->seg_name);
				break;
			}
			/* Index the records just written, before a rollover
			 * moves on to the next segment's entry. */
			struct seg *sg = &log->segs[log->nsegs - 1];
			for (size_t q = p; q < p + n; q += REC_HDR + (uint32_t)ox_get_le(log->buf + q + 4, 4))
				index_record(sg, ox_get_le(log->buf + q + 8, 8), log->seg_size + (q - p));
			log->seg_size += n;
			grown_to(log, log->seg_size);
			p += n;
			/* Zeros ahead for the commits to come, synced with
			 * this one; none when a rollover follows. */
			if (p == log->buf_len && (rc = write_ahead(log, log->buf_len)))
				break;
			/* Before a rollover too: only the last segment may have
			 * a torn tail. */
			if ((rc = sync_file(log, log->fd, log->seg_name)))
				break;
		}
		if (p == log->buf_len || (rc = roll(log, ox_get_le(log->buf + p + 8, 8))))
			break;
	}
	if (rc) {
		log->broken = true;
		return rc;
	}
	log->buf_len = 0;
	log->durable_seq = log->next_seq - 1;
	return 0;
}

uint64_t ox_evlog_durable_seq(const struct ox_evlog *log)
{
	return log->durable_seq;
}

/* ---- reading ------------------------------------------------------------ */

/* A descriptor to read segment s from, or an error: OX_EVLOG_ENOTFOUND when
 * its file is gone. */
static int read_fd(struct ox_evlog *log, const struct seg *s)
{
	if (s == &log->segs[log->nsegs - 1])
		return log->fd;
	for (size_t i = 0; i < READ_FDS; i++)
		if (log->rfd[i].fd >= 0 && log->rfd[i].base == s->base)
			return log->rfd[i].fd;
	char name[NAME_SIZE];
	seg_name(name, s->base, false);
	int f = openat(log->dirfd, name, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return errno == ENOENT ? fail(log, OX_EVLOG_ENOTFOUND, "%s: gone", name)
				       : fail_sys(log, "open", name);
	unsigned slot = log->rfd_next++ % READ_FDS;
	if (log->rfd[slot].fd >= 0)
		close(log->rfd[slot].fd);
	log->rfd[slot].base = s->base;
	log->rfd[slot].fd = f;
	return f;
}

/* A segment's bytes read through log->rbuf: one pread brings in the next
 * READ_WINDOW bytes, so hopping over small records costs one or two system
 * calls rather than one per record. */
struct window {
	int fd;
	uint64_t pos; /* file offset of rbuf[0] */
	size_t len;
};

/* The n bytes at off; NULL with errno when they cannot be read. */
static const unsigned char *window_at(struct ox_evlog *log, struct window *w, uint64_t off,
				      size_t n)
{
	if (off >= w->pos && off + n <= w->pos + w->len)
		return log->rbuf + (off - w->pos);
	size_t want = n > READ_WINDOW ? n : READ_WINDOW, got = 0;
	if (log->rbuf_cap < want) {
		log->rbuf = ox_xrealloc(log->rbuf, want);
		log->rbuf_cap = want;
	}
	while (got < want) { /* short only at the end of the file */
		ssize_t r = pread(w->fd, log->rbuf + got, want - got, (off_t)(off + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return NULL;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	w->pos = off;
	w->len = got;
	if (got < n) {
		errno = EIO; /* the index points past the end: the file was cut */
		return NULL;
	}
	return log->rbuf;
}

int ox_evlog_read(struct ox_evlog *log, uint64_t seq, struct ox_buf *out)
{
	/* Buffered records are not durable yet: nobody may act on them. */
	if (seq == 0 || seq > log->durable_seq || seq < log->segs[0].base)
		return fail(log, OX_EVLOG_ENOTFOUND, "no durable record %llu",
			    (unsigned long long)seq);
	size_t lo = 0, hi = log->nsegs; /* segs[lo].base <= seq < segs[hi].base */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (log->segs[mid].base <= seq)
			lo = mid;
		else
			hi = mid;
	}
	const struct seg *s = &log->segs[lo];
	struct window w = { read_fd(log, s), 0, 0 };
	if (w.fd < 0)
		return w.fd;
	char name[NAME_SIZE];
	seg_name(name, s->base, false);
	/* Every durable record was indexed (at open or by its commit), so the
	 * entry at or below seq exists; hop over the record headers from it. */
	uint64_t k = (seq - s->base) / INDEX_EVERY, at = s->base + k * INDEX_EVERY;
	uint64_t off = s->idx[k];
	unsigned char h[REC_HDR];
	uint32_t len;
	for (;; at++) {
		const unsigned char *r = window_at(log, &w, off, REC_HDR);
		if (!r)
			return fail_sys(log, "read", name);
		memcpy(h, r, REC_HDR); /* the payload's read may move the window */
		len = (uint32_t)ox_get_le(h + 4, 4);
		if (ox_get_le(h + 8, 8) != at || len == 0 || len > OX_EVLOG_RECORD_LIMIT)
			return fail(log, OX_EVLOG_ECORRUPT,
				    "%s: no record %llu at offset %llu (seq %llu, length %u)", name,
				    (unsigned long long)at, (unsigned long long)off,
				    (unsigned long long)ox_get_le(h + 8, 8), len);
		if (at == seq)
			break;
		off += REC_HDR + len;
	}
	const unsigned char *p = window_at(log, &w, off + REC_HDR, len);
	if (!p)
		return fail_sys(log, "read", name);
	if ((uint32_t)ox_get_le(h, 4) != ox_evlog_crc32c(ox_evlog_crc32c(0, h + 4, REC_HDR - 4), p, len))
		return fail(log, OX_EVLOG_ECORRUPT, "%s: bad crc at offset %llu (seq %llu)", name,
			    (unsigned long long)off, (unsigned long long)seq);
	if (ox_buf_add(out, p, len) != 0)
		return fail(log, OX_EVLOG_ETOOBIG, "record %llu of %u bytes does not fit in out",
			    (unsigned long long)seq, len);
	return 0;
}

const char *ox_evlog_errmsg(const struct ox_evlog *log)
{
	return log->msg;
}

const struct ox_evlog_recovery *ox_evlog_recovery(const struct ox_evlog *log)
{
	return &log->rec;
}

void ox_evlog_forget_lock(struct ox_evlog *log)
{
	if (log->lockfd >= 0)
		close(log->lockfd); /* the lock is the open file's: the parent's copy holds it */
	log->lockfd = -1;
}

void ox_evlog_close(struct ox_evlog *log)
{
	if (log)
		evlog_free(log);
}

/* ---- compaction ----------------------------------------------------------- */

size_t ox_evlog_segment_count(const struct ox_evlog *log)
{
	return log->nsegs;
}

uint64_t ox_evlog_first_seq(const struct ox_evlog *log)
{
	return log->segs[0].base;
}

uint64_t ox_evlog_disk_bytes(const struct ox_evlog *log)
{
	return log->disk_bytes;
}

uint64_t ox_evlog_keep_from(const struct ox_evlog *log, uint64_t seq)
{
	size_t k = 0; /* the last segment whose first seq is at or below seq + 1 */
	while (k + 1 < log->nsegs && log->segs[k + 1].base <= seq + 1)
		k++;
	return log->segs[k].base;
}

/* The records after..upto of one segment file mapped read-only: the
 * segments before the active one are whole and never change, and so are
 * the active segment's records up to a durable seq (only what follows them
 * is written or cut). */
static int scan_mapped(struct ox_evlog *log, uint64_t base, uint64_t after, uint64_t upto, ox_evlog_replay_fn *fn,
		       void *ctx)
{
	char name[NAME_SIZE];
	seg_name(name, base, false);
	int fd = openat(log->dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail_sys(log, "open", name);
	struct stat st;
	if (fstat(fd, &st) != 0) {
		close(fd);
		return fail_sys(log, "stat", name);
	}
	size_t size = (size_t)st.st_size;
	if (size < HDR_SIZE) {
		close(fd);
		return fail(log, OX_EVLOG_ECORRUPT, "%s: shorter than a segment header", name);
	}
	unsigned char *m = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return fail_sys(log, "mmap", name);
	madvise(m, size, MADV_SEQUENTIAL);
	int rc = 0;
	uint64_t seq = base;
	for (size_t off = HDR_SIZE; off < size && !rc && seq <= upto; seq++) {
		uint32_t len = size - off >= REC_HDR ? (uint32_t)ox_get_le(m + off + 4, 4) : 0;
		if (len == 0 || len > size - off - REC_HDR || ox_get_le(m + off + 8, 8) != seq ||
		    (uint32_t)ox_get_le(m + off, 4) != ox_evlog_crc32c(0, m + off + 4, REC_HDR - 4 + len)) {
			rc = fail(log, OX_EVLOG_ECORRUPT, "%s: no record %llu at offset %zu", name,
				  (unsigned long long)seq, off);
			break;
		}
		if (seq > after && fn(ctx, seq, (const char *)m + off + REC_HDR, len))
			rc = fail(log, OX_EVLOG_EREPLAY, "scan callback failed at seq %llu", (unsigned long long)seq);
		off += REC_HDR + len;
	}
	munmap(m, size);
	return rc;
}

int ox_evlog_scan_before(struct ox_evlog *log, uint64_t keep_from, ox_evlog_replay_fn *fn, void *ctx)
{
	int rc = 0;
	for (size_t i = 0; i + 1 < log->nsegs && log->segs[i + 1].base <= keep_from && !rc; i++)
		rc = scan_mapped(log, log->segs[i].base, 0, UINT64_MAX, fn, ctx);
	return rc;
}

/* ---- a reader beside the writer -------------------------------------------- */

int ox_evlog_open_readonly(struct ox_evlog **out, const char *dir, char *err, size_t errsz)
{
	*out = NULL;
	struct ox_evlog *log = evlog_new();
	uint64_t *bases = NULL;
	size_t n = 0;
	int rc = 0;
	log->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (log->dirfd < 0)
		rc = fail_sys(log, "open", dir);
	else if (!(rc = list_segments(log, false, &bases, &n)) && n == 0)
		rc = fail(log, OX_EVLOG_ENOTFOUND, "no segment");
	for (size_t i = 0; i < n && !rc; i++)
		seg_add(log, bases[i]);
	free(bases);
	if (rc) {
		snprintf(err, errsz, "%s: %s", dir, log->msg);
		evlog_free(log);
		return rc;
	}
	*out = log;
	return 0;
}

int ox_evlog_read_range(struct ox_evlog *log, uint64_t after, uint64_t upto, ox_evlog_replay_fn *fn, void *ctx)
{
	if (after >= upto)
		return 0;
	if (log->segs[0].base > after + 1)
		return fail(log, OX_EVLOG_ENOTFOUND, "record %llu is no longer in the log (it starts at %llu)",
			    (unsigned long long)(after + 1), (unsigned long long)log->segs[0].base);
	int rc = 0;
	for (size_t i = 0; i < log->nsegs && log->segs[i].base <= upto && !rc; i++)
		if (i + 1 == log->nsegs || log->segs[i + 1].base > after + 1)
			rc = scan_mapped(log, log->segs[i].base, after, upto, fn, ctx);
	return rc;
}

int ox_evlog_drop_before(struct ox_evlog *log, uint64_t keep_from, uint64_t *segments)
{
	size_t k = 0;
	int rc = 0;
	*segments = 0;
	/* oldest first, so that a crash in the middle leaves a log without a gap */
	for (; k + 1 < log->nsegs && log->segs[k + 1].base <= keep_from; k++) {
		char name[NAME_SIZE];
		seg_name(name, log->segs[k].base, false);
		struct stat st;
		uint64_t size = fstatat(log->dirfd, name, &st, 0) == 0 ? (uint64_t)st.st_size : 0;
		if (unlinkat(log->dirfd, name, 0) != 0 && errno != ENOENT) {
			rc = fail_sys(log, "unlink", name);
			break;
		}
		log->disk_bytes -= size < log->disk_bytes ? size : log->disk_bytes;
		for (size_t i = 0; i < READ_FDS; i++)
			if (log->rfd[i].fd >= 0 && log->rfd[i].base == log->segs[k].base) {
				close(log->rfd[i].fd);
				log->rfd[i].fd = -1;
			}
		free(log->segs[k].idx);
	}
	if (k) {
		memmove(log->segs, log->segs + k, (log->nsegs - k) * sizeof *log->segs);
		log->nsegs -= k;
		*segments = k;
		if (!rc)
			rc = sync_dir(log);
	}
	return rc;
}

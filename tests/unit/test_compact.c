/* test_compact.c - compaction's pieces: the order archive round trips and
 * refuses damage (read with pread and a sparse index); the set of archives
 * finds a record in the right one, takes in merged archives and removes
 * what they replace; the log tells which segments may go, scans them and
 * removes them (its byte count following); archives built by compactions
 * hold exactly the kept orders' records of the segments removed; merges
 * drop the records of orders removed from the index and bound the count,
 * and every crash step of a merge leaves a set that reads the same; the
 * sort. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "archive.h"
#include "compact.h"
#include "evlog.h"
#include "orderidx.h"
#include "util.h"

static char dir[256], logdir[300];

static int setup(void **state)
{
	(void)state;
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof dir, "%s/ordex-test-compact-XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return -1;
	snprintf(logdir, sizeof logdir, "%s/events", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd);
}

static void payload_of(char out[64], uint64_t seq)
{
	snprintf(out, 64, "{\"record\":%llu,\"order\":\"O%llu\"}", (unsigned long long)seq,
		 (unsigned long long)(seq % 7));
}

static uint64_t test_seq(uint64_t i);

/* ox_archive_each's callback: the records test_seq(0, 1, ...) in turn. */
static int each_in_order(void *ctx, uint64_t seq, const char *p, size_t len)
{
	uint64_t *i = ctx;
	char want[64];
	payload_of(want, seq);
	assert_int_equal(seq, test_seq(*i));
	assert_int_equal(len, strlen(want));
	assert_memory_equal(p, want, len);
	(*i)++;
	return 0;
}

/* The seq of an archive's i-th record in these tests: 3, 5, 11, 21, ... */
static uint64_t test_seq(uint64_t i)
{
	return 3 + 2 * i * i;
}

/* An archive of the records seqs[n] over [from, upto], written through a
 * tiny buffer. */
static void write_seqs(uint64_t from, uint64_t upto, const uint64_t *seqs, size_t n)
{
	struct ox_archive_w w;
	unsigned char buf[64];
	static uint64_t idx[2 * 300];
	char err[OX_ARCHIVE_ERRSZ], p[64];
	assert_true(n <= 300);
	assert_int_equal(ox_archive_w_open(&w, dir, from, upto, buf, sizeof buf, idx, 300, err, sizeof err), 0);
	for (size_t i = 0; i < n; i++) {
		payload_of(p, seqs[i]);
		ox_archive_w_add(&w, seqs[i], p, strlen(p));
	}
	assert_int_equal(ox_archive_w_commit(&w, err, sizeof err), 0);
}

/* Of the records test_seq(k0 .. k0 + n - 1). */
static void write_archive_at(uint64_t from, uint64_t upto, uint64_t k0, size_t n)
{
	uint64_t seqs[300] = { 0 };
	for (size_t i = 0; i < n; i++)
		seqs[i] = test_seq(k0 + i);
	write_seqs(from, upto, seqs, n);
}

static void write_archive(uint64_t from, uint64_t upto, size_t n)
{
	write_archive_at(from, upto, 0, n);
}

/* get answers rc, and the payload of seq when 0. */
static void expect_get(const struct ox_archive *a, uint64_t seq, int rc)
{
	struct ox_buf b;
	ox_buf_init(&b, SIZE_MAX);
	char want[64];
	assert_int_equal(ox_archive_get(a, seq, &b), rc);
	if (rc == 0) {
		payload_of(want, seq);
		assert_int_equal(b.len, strlen(want));
		assert_memory_equal(b.data, want, b.len);
	}
	ox_buf_release(&b);
}

/* Past several blocks of the sparse index: every record, and no seq
 * between them. */
static void test_archive_round_trip(void **state)
{
	(void)state;
	write_archive(1, 200000, 300);
	struct ox_archive a;
	char err[OX_ARCHIVE_ERRSZ];
	assert_int_equal(ox_archive_open(&a, dir, 200000, err, sizeof err), 0);
	assert_int_equal(a.from, 1);
	assert_int_equal(a.upto, 200000);
	assert_int_equal(a.n, 300);
	for (uint64_t i = 0; i < 300; i++) {
		expect_get(&a, test_seq(i), 0);
		expect_get(&a, test_seq(i) + 1, 1); /* not there */
		expect_get(&a, test_seq(i) - 1, 1);
	}
	expect_get(&a, 0, 1);
	expect_get(&a, UINT64_MAX, 1);
	uint64_t n = 0, next = 0;
	unsigned char rbuf[100]; /* a record or two a read */
	assert_int_equal(ox_archive_each(&a, rbuf, sizeof rbuf, each_in_order, &next), 0);
	assert_int_equal(next, 300);
	assert_int_equal(ox_archive_each(&a, rbuf, 40, each_in_order, &n), -1); /* a record larger than the buffer */
	ox_archive_close(&a);

	/* an empty one is an archive too */
	write_archive(5, 43, 0);
	assert_int_equal(ox_archive_open(&a, dir, 43, err, sizeof err), 0);
	assert_int_equal(a.n, 0);
	expect_get(&a, 3, 1);
	ox_archive_close(&a);
	/* a range that does not hold a record, or no range */
	struct ox_archive_w w;
	unsigned char buf[64];
	uint64_t idx[2];
	assert_int_equal(ox_archive_w_open(&w, dir, 10, 20, buf, sizeof buf, idx, 1, err, sizeof err), 0);
	ox_archive_w_add(&w, 21, "x", 1);
	assert_int_equal(ox_archive_w_commit(&w, err, sizeof err), -1);
	assert_int_equal(ox_archive_w_open(&w, dir, 21, 20, buf, sizeof buf, idx, 1, err, sizeof err), -1);
}

static int read_all(const char *path, unsigned char **out, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	*n = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	*out = malloc(*n ? *n : 1);
	size_t got = fread(*out, 1, *n, f);
	fclose(f);
	return got == *n ? 0 : -1;
}

static int write_all(const char *path, const unsigned char *d, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	size_t put = fwrite(d, 1, n, f);
	return fclose(f) == 0 && put == n ? 0 : -1;
}

/* d[n] written as a file and opened: 0 or -1. */
static int open_bytes(struct ox_archive *a, const unsigned char *d, size_t n)
{
	char path[512], err[OX_ARCHIVE_ERRSZ];
	snprintf(path, sizeof path, "%s/bytes", dir);
	assert_int_equal(write_all(path, d, n), 0);
	int fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	int rc = ox_archive_open_fd(a, fd, err, sizeof err);
	if (rc)
		assert_true(err[0] != '\0');
	return rc;
}

static int count_each(void *ctx, uint64_t seq, const char *p, size_t len)
{
	(void)seq, (void)p, (void)len;
	(*(uint64_t *)ctx)++;
	return 0;
}

/* Every flipped byte of the header, the index and the trailer is refused
 * at open; one in a record when that record is read, by a lookup and by a
 * walk. */
static void test_archive_damage(void **state)
{
	(void)state;
	write_archive(1, 1000, 20);
	char path[512], err[OX_ARCHIVE_ERRSZ];
	snprintf(path, sizeof path, "%s/%020d.arch", dir, 1000);
	unsigned char *d = NULL;
	size_t n = 0;
	assert_int_equal(read_all(path, &d, &n), 0);
	struct ox_archive a;
	assert_int_equal(open_bytes(&a, d, n), 0);
	uint64_t index_off = a.index_off;
	ox_archive_close(&a);
	unsigned char rbuf[4096];
	for (size_t i = 0; i < n; i++) {
		d[i] ^= 0x20;
		int rc = open_bytes(&a, d, n);
		if (i < 32 || i >= index_off) {
			assert_int_equal(rc, -1);
		} else {
			/* a record's bytes: caught when read */
			assert_int_equal(rc, 0);
			int bad = 0;
			struct ox_buf b;
			ox_buf_init(&b, SIZE_MAX);
			for (uint64_t k = 0; k < 20; k++)
				bad |= ox_archive_get(&a, test_seq(k), &b) < 0;
			ox_buf_release(&b);
			assert_true(bad);
			uint64_t seen = 0;
			assert_int_equal(ox_archive_each(&a, rbuf, sizeof rbuf, count_each, &seen), -1);
			ox_archive_close(&a);
		}
		d[i] ^= 0x20;
	}
	for (size_t cut = 0; cut < n; cut += 7)
		assert_int_equal(open_bytes(&a, d, cut), -1);
	/* an older format */
	if (!d)
		abort();
	d[6] = '1';
	assert_int_equal(open_bytes(&a, d, n), -1);
	free(d);
	/* a name that is not its upto */
	char other[512];
	snprintf(other, sizeof other, "%s/%020d.arch", dir, 999);
	assert_int_equal(rename(path, other), 0);
	assert_int_equal(ox_archive_open(&a, dir, 999, err, sizeof err), -1);
	assert_non_null(strstr(err, "not at its name"));
}

/* a holds seq (rc 0, its payload) or not (1). */
static void expect_set_get(const struct ox_archives *s, uint64_t seq, int rc)
{
	struct ox_buf b;
	ox_buf_init(&b, SIZE_MAX);
	char want[64];
	assert_int_equal(ox_archives_get(s, seq, &b), rc);
	if (rc == 0) {
		payload_of(want, seq);
		assert_int_equal(b.len, strlen(want));
		assert_memory_equal(b.data, want, b.len);
	}
	ox_buf_release(&b);
}

static bool exists(uint64_t upto)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%020llu.arch", dir, (unsigned long long)upto);
	return access(path, F_OK) == 0;
}

/* The set opens the archives by range and looks a record up in the one
 * whose range holds it; a temporary file goes; a damaged one fails. */
static void test_archive_set(void **state)
{
	(void)state;
	write_archive(1, 10, 2);          /* 3, 5 */
	write_archive_at(31, 500, 4, 12); /* 35 .. 453 */
	char tmp[512], err[OX_ARCHIVE_ERRSZ];
	snprintf(tmp, sizeof tmp, "%s/%020d.arch.tmp", dir, 600);
	FILE *f = fopen(tmp, "w");
	assert_non_null(f);
	fclose(f);
	struct ox_archives s;
	assert_int_equal(ox_archives_open(&s, dir, err, sizeof err), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.v[0].upto, 10);
	assert_int_equal(s.v[1].upto, 500);
	assert_int_equal(access(tmp, F_OK), -1); /* an unfinished write is removed */
	assert_int_equal(ox_archives_upto(&s), 500);
	assert_int_equal(ox_archives_bytes(&s), s.v[0].size + s.v[1].size);
	expect_set_get(&s, 3, 0);
	expect_set_get(&s, 5, 0);
	expect_set_get(&s, 4, 1);
	expect_set_get(&s, 21, 1); /* in a gap */
	for (uint64_t i = 4; i < 16; i++)
		expect_set_get(&s, test_seq(i), 0);
	expect_set_get(&s, 501, 1); /* past every range */
	/* a refresh with nothing new keeps what is open */
	int fd0 = s.v[0].fd;
	assert_int_equal(ox_archives_refresh(&s, dir, err, sizeof err), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.v[0].fd, fd0);
	ox_archives_close(&s);
	/* a damaged one fails the whole set */
	snprintf(tmp, sizeof tmp, "%s/%020d.arch", dir, 6);
	f = fopen(tmp, "w");
	fputs("not an archive, long enough to be read as one ........................", f);
	fclose(f);
	assert_int_equal(ox_archives_open(&s, dir, err, sizeof err), -1);
	assert_non_null(strstr(err, "not an archive"));
	assert_int_equal(s.n, 0);
}

/* What a merge leaves: one archive over [from of the first, upto of the
 * last], named by the last, supersedes those inside its range; one that
 * reaches into another's range without being inside is refused; an empty
 * one goes unless it is the newest. */
static void test_archive_supersede(void **state)
{
	(void)state;
	char err[OX_ARCHIVE_ERRSZ];
	write_archive_at(1, 10, 0, 2);   /* 3, 5 */
	write_archive_at(11, 40, 2, 3);  /* 11, 21, 35 */
	write_archive_at(41, 100, 5, 2); /* 53, 75 */
	struct ox_archives s;
	assert_int_equal(ox_archives_open(&s, dir, err, sizeof err), 0);
	assert_int_equal(s.n, 3);
	/* the first two merged without 5 and 11: its rename replaced 40 */
	write_seqs(1, 40, (const uint64_t[]){ 3, 21, 35 }, 3);
	assert_int_equal(ox_archives_refresh(&s, dir, err, sizeof err), 0);
	assert_int_equal(s.n, 2);
	assert_false(exists(10));
	assert_int_equal(s.v[0].from, 1);
	assert_int_equal(s.v[0].upto, 40);
	assert_int_equal(s.v[0].n, 3);
	expect_set_get(&s, 3, 0);
	expect_set_get(&s, 5, 1);
	expect_set_get(&s, 11, 1);
	expect_set_get(&s, 21, 0);
	expect_set_get(&s, 35, 0);
	expect_set_get(&s, 53, 0);
	expect_set_get(&s, 75, 0);
	/* reaching into another's range without being inside it */
	write_seqs(30, 60, (const uint64_t[]){ 35, 53 }, 2);
	assert_int_equal(ox_archives_refresh(&s, dir, err, sizeof err), -1);
	assert_non_null(strstr(err, "overlap"));
	assert_int_equal(s.n, 2); /* as it was */
	expect_set_get(&s, 53, 0);
	struct ox_archives t;
	assert_int_equal(ox_archives_open(&t, dir, err, sizeof err), -1); /* a start stops too */
	char p60[512];
	snprintf(p60, sizeof p60, "%s/%020d.arch", dir, 60);
	assert_int_equal(unlink(p60), 0);
	/* nothing kept: an empty archive replaces 100; the newest stays */
	write_seqs(41, 100, NULL, 0);
	assert_int_equal(ox_archives_refresh(&s, dir, err, sizeof err), 0);
	assert_int_equal(s.n, 2);
	assert_true(exists(100));
	expect_set_get(&s, 53, 1);
	assert_int_equal(ox_archives_upto(&s), 100);
	/* once a newer one comes, it goes */
	write_archive_at(101, 200, 7, 3); /* 101, 131, 165 */
	assert_int_equal(ox_archives_refresh(&s, dir, err, sizeof err), 0);
	assert_int_equal(s.n, 2);
	assert_false(exists(100));
	assert_int_equal(s.v[1].upto, 200);
	expect_set_get(&s, 131, 0);
	expect_set_get(&s, 35, 0);
	ox_archives_close(&s);
	assert_int_equal(ox_archives_open(&s, dir, err, sizeof err), 0);
	assert_int_equal(s.n, 2);
	ox_archives_close(&s);
}

static void test_sort(void **state)
{
	(void)state;
	uint64_t v[1000];
	uint64_t x = 88172645463325252ull;
	for (size_t n = 0; n <= 1000; n += n < 10 ? 1 : 97) {
		for (size_t i = 0; i < n; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			v[i] = i % 5 == 0 ? 42 : x % 100000;
		}
		ox_compact_sort(v, n);
		for (size_t i = 1; i < n; i++)
			assert_true(v[i - 1] <= v[i]);
	}
}

static int collect(void *ctx, uint64_t seq, const char *p, size_t len)
{
	uint64_t *next = ctx;
	char want[64];
	payload_of(want, seq);
	assert_int_equal(seq, *next);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(p, want, len);
	(*next)++;
	return 0;
}

static size_t dir_bytes(const char *d)
{
	char cmd[600];
	snprintf(cmd, sizeof cmd, "du -b --apparent-size -c %s/*.log | tail -n 1", d);
	FILE *f = popen(cmd, "r");
	size_t n = 0;
	assert_int_equal(fscanf(f, "%zu", &n), 1);
	pclose(f);
	return n;
}

/* A log of 1000 records in small segments: keep_from, the scan, the drop
 * and the byte count; a reopened log starts after the segments removed. */
static void test_log_segments(void **state)
{
	(void)state;
	struct ox_evlog *log;
	char err[512], p[64];
	struct ox_evlog_opts o = { .segment_max = 4096, .sync = OX_EVLOG_NOSYNC };
	assert_int_equal(ox_evlog_open(&log, logdir, &o, NULL, NULL, err, sizeof err), 0);
	for (uint64_t s = 1; s <= 1000; s++) {
		payload_of(p, s);
		assert_int_equal(ox_evlog_append(log, p, strlen(p), NULL), 0);
		if (s % 37 == 0)
			assert_int_equal(ox_evlog_commit(log), 0);
	}
	assert_int_equal(ox_evlog_commit(log), 0);
	size_t segs = ox_evlog_segment_count(log);
	assert_true(segs > 5);
	assert_int_equal(ox_evlog_first_seq(log), 1);
	assert_int_equal(ox_evlog_disk_bytes(log), dir_bytes(logdir));
	/* nothing before the first segment; the active segment always stays */
	assert_int_equal(ox_evlog_keep_from(log, 0), 1);
	uint64_t all = ox_evlog_keep_from(log, 1000);
	assert_true(all > 1 && all <= 1000);
	assert_int_equal(ox_evlog_keep_from(log, UINT64_MAX - 1), all);
	uint64_t keep = ox_evlog_keep_from(log, 500);
	assert_true(keep > 1 && keep <= 501);
	assert_int_equal(ox_evlog_keep_from(log, keep - 1), keep);
	assert_true(ox_evlog_keep_from(log, keep - 2) < keep); /* keep - 1 is in a segment before */

	uint64_t next = 1;
	assert_int_equal(ox_evlog_scan_before(log, keep, collect, &next), 0);
	assert_int_equal(next, keep);

	uint64_t removed;
	assert_int_equal(ox_evlog_drop_before(log, keep, &removed), 0);
	assert_true(removed > 0);
	assert_int_equal(ox_evlog_segment_count(log), segs - removed);
	assert_int_equal(ox_evlog_first_seq(log), keep);
	assert_int_equal(ox_evlog_disk_bytes(log), dir_bytes(logdir));
	struct ox_buf b;
	ox_buf_init(&b, SIZE_MAX);
	assert_int_equal(ox_evlog_read(log, keep - 1, &b), OX_EVLOG_ENOTFOUND);
	assert_int_equal(ox_evlog_read(log, keep, &b), 0);
	payload_of(p, keep);
	assert_int_equal(b.len, strlen(p));
	ox_buf_release(&b);
	assert_int_equal(ox_evlog_drop_before(log, keep, &removed), 0); /* again: nothing */
	assert_int_equal(removed, 0);
	ox_evlog_close(log);

	next = keep;
	assert_int_equal(ox_evlog_open(&log, logdir, &o, collect, &next, err, sizeof err), 0);
	assert_int_equal(next, 1001);
	assert_int_equal(ox_evlog_first_seq(log), keep);
	assert_int_equal(ox_evlog_disk_bytes(log), dir_bytes(logdir));
	ox_evlog_close(log);
}

static void add_order(struct ox_orderidx *x, const char *id, uint64_t seq)
{
	ox_orderidx_add(x, id, strlen(id), seq);
}

/* Orders O0..O6 own the records seq % 7; O3 is left out of the index (as
 * an order the state no longer keeps). Two compactions: each archives the
 * kept records of the segments it removes; then every kept record before
 * the second's keep_from is found in the set, none of O3's. */
static void test_archive_from_log(void **state)
{
	(void)state;
	struct ox_evlog *log;
	char err[512], p[64];
	struct ox_evlog_opts o = { .segment_max = 4096, .sync = OX_EVLOG_NOSYNC };
	assert_int_equal(ox_evlog_open(&log, logdir, &o, NULL, NULL, err, sizeof err), 0);
	struct ox_orderidx *x = ox_orderidx_new();
	for (uint64_t s = 1; s <= 1000; s++) {
		payload_of(p, s);
		assert_int_equal(ox_evlog_append(log, p, strlen(p), NULL), 0);
		char id[8];
		snprintf(id, sizeof id, "O%llu", (unsigned long long)(s % 7));
		if (s % 7 != 3)
			add_order(x, id, s);
	}
	assert_int_equal(ox_evlog_commit(log), 0);
	unsigned char buf[256];
	struct ox_compact_stats st1, st2;
	uint64_t keep1 = ox_evlog_keep_from(log, 400), keep2 = ox_evlog_keep_from(log, 800), removed;
	assert_int_equal(ox_compact_archive(x, log, keep1, dir, buf, sizeof buf, &st1, err, sizeof err), 0);
	assert_int_equal(st1.written, st1.wanted);
	assert_int_equal(ox_evlog_drop_before(log, keep1, &removed), 0);
	assert_int_equal(ox_compact_archive(x, log, keep2, dir, buf, sizeof buf, &st2, err, sizeof err), 0);
	assert_int_equal(st2.written, st2.wanted);
	assert_int_equal(ox_evlog_drop_before(log, keep2, &removed), 0);
	struct ox_archives set;
	assert_int_equal(ox_archives_open(&set, dir, err, sizeof err), 0);
	assert_int_equal(set.n, 2);
	assert_int_equal(set.v[0].from, 1);
	assert_int_equal(set.v[0].upto, keep1 - 1);
	assert_int_equal(set.v[1].from, keep1);
	assert_int_equal(ox_archives_upto(&set), keep2 - 1);
	uint64_t kept = 0;
	for (uint64_t s = 1; s <= 1000; s++) {
		bool want = s % 7 != 3 && s < keep2;
		expect_set_get(&set, s, want ? 0 : 1);
		kept += want;
	}
	uint64_t n = 0;
	unsigned char rbuf[4096];
	assert_int_equal(ox_archive_each(&set.v[1], rbuf, sizeof rbuf, count_each, &n), 0);
	assert_int_equal(n, st2.written);
	assert_int_equal(st1.wanted + st2.wanted, kept);
	ox_archives_close(&set);
	ox_orderidx_free(x);
	ox_evlog_close(log);
}

/* ---- merging ------------------------------------------------------------------ */

/* A log of n records in 4 KiB segments: record s belongs to order
 * O(s % 7), every order in the index. */
static struct ox_evlog *build_log(uint64_t n, struct ox_orderidx **x, const char *payload_pad)
{
	struct ox_evlog *log;
	char err[512], p[400];
	struct ox_evlog_opts o = { .segment_max = 4096, .sync = OX_EVLOG_NOSYNC };
	assert_int_equal(ox_evlog_open(&log, logdir, &o, NULL, NULL, err, sizeof err), 0);
	*x = ox_orderidx_new();
	for (uint64_t s = 1; s <= n; s++) {
		payload_of(p, s);
		if (payload_pad) /* a realistic size, for the bytes printed */
			snprintf(p + strlen(p) - 1, sizeof p - strlen(p), ",\"pad\":\"%s\"}", payload_pad);
		assert_int_equal(ox_evlog_append(log, p, strlen(p), NULL), 0);
		char id[8];
		snprintf(id, sizeof id, "O%llu", (unsigned long long)(s % 7));
		add_order(*x, id, s);
	}
	assert_int_equal(ox_evlog_commit(log), 0);
	return log;
}

static void drop_order(struct ox_orderidx *x, unsigned k)
{
	char id[8];
	snprintf(id, sizeof id, "O%u", k);
	assert_true(ox_orderidx_remove(x, id, strlen(id)));
}

/* A compaction at record `at` as the daemon's child and writer do it: the
 * new archive, merges of the older ones (at most max stay with the new),
 * the set refreshed, the segments removed. */
static void compact_at(struct ox_evlog *log, struct ox_orderidx *x, struct ox_archives *set, uint64_t at,
		       size_t max, struct ox_merge_stats *ms)
{
	static unsigned char buf[4096];
	char err[512];
	struct ox_compact_stats st;
	uint64_t keep = ox_evlog_keep_from(log, at), removed;
	assert_true(keep > ox_evlog_first_seq(log));
	assert_int_equal(ox_compact_archive(x, log, keep, dir, buf, sizeof buf, &st, err, sizeof err), 0);
	assert_int_equal(st.written, st.wanted);
	assert_int_equal(ox_compact_merge(x, set, max - 1, dir, buf, sizeof buf, ms, err, sizeof err), 0);
	assert_int_equal(ox_archives_refresh(set, dir, err, sizeof err), 0);
	assert_int_equal(ox_archives_upto(set), keep - 1);
	assert_int_equal(ox_evlog_drop_before(log, keep, &removed), 0);
}

/* Every record below `below` reads back from the set at d when its order
 * (s % 7) is kept; a dropped order's is not there (strict) or reads back
 * right (a set a merge has not replaced yet). Returns the records found. */
static uint64_t check_dir(const char *d, uint64_t below, unsigned dropped, bool strict)
{
	struct ox_archives set;
	char err[512];
	assert_int_equal(ox_archives_open(&set, d, err, sizeof err), 0);
	uint64_t found = 0;
	for (uint64_t s = 1; s < below; s++) {
		bool want = !(dropped >> (s % 7) & 1);
		struct ox_buf b;
		ox_buf_init(&b, SIZE_MAX);
		int rc = ox_archives_get(&set, s, &b);
		ox_buf_release(&b);
		if (want || strict)
			assert_int_equal(rc, want ? 0 : 1);
		else
			assert_true(rc == 0 || rc == 1);
		found += rc == 0;
	}
	for (size_t i = 0; i + 1 < set.n; i++) /* ranges in order, apart */
		assert_true(set.v[i].upto < set.v[i + 1].from);
	ox_archives_close(&set);
	return found;
}

static uint64_t records_in(const struct ox_archives *set)
{
	uint64_t n = 0;
	for (size_t i = 0; i < set->n; i++)
		n += set->v[i].n;
	return n;
}

/* Orders dropped from the index: an archive whose kept records fall under
 * half is rewritten without the others (neighbours so merged into one);
 * one above half stays; one with none kept goes once a newer exists. */
static void test_merge_prunes(void **state)
{
	(void)state;
	struct ox_orderidx *x;
	struct ox_evlog *log = build_log(4000, &x, NULL);
	struct ox_archives set;
	char err[512];
	assert_int_equal(ox_archives_open(&set, dir, err, sizeof err), 0);
	struct ox_merge_stats ms;
	for (uint64_t at = 500; at <= 2500; at += 500) {
		compact_at(log, x, &set, at, OX_ARCHIVES_MAX, &ms);
		assert_int_equal(ms.merges, 0); /* every order kept: nothing to merge */
	}
	assert_int_equal(set.n, 5);
	uint64_t below = ox_archives_upto(&set) + 1, bytes = ox_archives_bytes(&set);
	assert_int_equal(check_dir(dir, below, 0, true), below - 1);

	/* 3 of 7 kept: under half of every archive, one run, one archive */
	for (unsigned k = 1; k <= 4; k++)
		drop_order(x, k);
	compact_at(log, x, &set, 3000, OX_ARCHIVES_MAX, &ms);
	assert_int_equal(ms.merges, 1);
	assert_int_equal(ms.replaced, 5);
	assert_int_equal(set.n, 2); /* the merged one and the new one */
	assert_int_equal(set.v[0].from, 1);
	assert_int_equal(set.v[0].upto, below - 1);
	uint64_t kept = check_dir(dir, below, 0x1e, true);
	assert_int_equal(ms.records_out, kept);
	assert_int_equal(set.v[0].n, kept);
	assert_true(set.v[0].size < bytes * 5 / 10);
	assert_int_equal(ms.records_in, below - 1);
	uint64_t below2 = ox_archives_upto(&set) + 1;
	check_dir(dir, below2, 0x1e, true);

	/* 2 of those 3 kept: above half, nothing rewritten */
	drop_order(x, 0);
	compact_at(log, x, &set, 3500, OX_ARCHIVES_MAX, &ms);
	assert_int_equal(ms.merges, 0);
	assert_int_equal(set.n, 3);
	/* 1 of 3 in the first two, 1 of 2 in the third: those under half go
	 * together, the third (exactly half) stays */
	drop_order(x, 5);
	uint64_t below3 = ox_archives_upto(&set) + 1;
	compact_at(log, x, &set, 3900, OX_ARCHIVES_MAX, &ms);
	assert_int_equal(ms.merges, 1);
	assert_true(ms.replaced >= 2); /* the third is about half O6's: either way */
	assert_int_equal(set.n, 4 - ms.replaced + 1);
	check_dir(dir, below3, 0x3f, false);
	check_dir(dir, set.v[0].upto + 1, 0x3f, true); /* the merged range: only O6's */
	/* none kept: the merged archives go whole */
	drop_order(x, 6);
	uint64_t at = ox_evlog_durable_seq(log);
	compact_at(log, x, &set, at, OX_ARCHIVES_MAX, &ms);
	assert_int_equal(records_in(&set), 0);
	assert_int_equal(set.n, 1); /* only the newest, empty, stays: its upto */
	check_dir(dir, ox_archives_upto(&set) + 1, 0x7f, true);
	ox_archives_close(&set);
	ox_orderidx_free(x);
	ox_evlog_close(log);
}

/* Many compactions with every order kept: never more than max archives;
 * every record reads back after each; the merges rewrite little. */
static void test_merge_bounds_count(void **state)
{
	(void)state;
	enum { MAX = 4, N = 6000 };
	struct ox_orderidx *x;
	struct ox_evlog *log = build_log(N, &x, NULL);
	struct ox_archives set;
	char err[512];
	assert_int_equal(ox_archives_open(&set, dir, err, sizeof err), 0);
	struct ox_merge_stats ms;
	uint64_t rewritten = 0, compactions = 0;
	for (uint64_t at = 250; at < N - 300; at += 250) {
		compact_at(log, x, &set, at, MAX, &ms);
		compactions++;
		rewritten += ms.records_out;
		assert_true(set.n <= MAX);
		uint64_t below = ox_archives_upto(&set) + 1;
		assert_int_equal(records_in(&set), below - 1);
		if (compactions % 5 == 0)
			assert_int_equal(check_dir(dir, below, 0, true), below - 1);
	}
	assert_true(compactions > 16);
	assert_int_equal(set.n, MAX);
	print_message("merge: %llu compactions, %llu records archived, %llu rewritten by merges\n",
		      (unsigned long long)compactions, (unsigned long long)ox_archives_upto(&set),
		      (unsigned long long)rewritten);
	ox_archives_close(&set);
	ox_orderidx_free(x);
	ox_evlog_close(log);
}

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	assert_int_equal(system(cmd), 0);
}

/* Every step at which a crash can stop a merge leaves files that a start
 * reads as one consistent set, every kept record found: the merged file
 * still a .tmp; renamed over its last input, the others still there; the
 * others partly removed. */
static void test_merge_crash_steps(void **state)
{
	(void)state;
	struct ox_orderidx *x;
	struct ox_evlog *log = build_log(3000, &x, NULL);
	struct ox_archives set;
	char err[512], before[300], after[300], copy[300];
	assert_int_equal(ox_archives_open(&set, dir, err, sizeof err), 0);
	struct ox_merge_stats ms;
	for (uint64_t at = 400; at <= 2000; at += 400)
		compact_at(log, x, &set, at, OX_ARCHIVES_MAX, &ms);
	assert_int_equal(set.n, 5);
	uint64_t below = ox_archives_upto(&set) + 1, last_input = set.v[4].upto;
	drop_order(x, 2), drop_order(x, 3), drop_order(x, 4), drop_order(x, 5);
	snprintf(before, sizeof before, "%s/before", dir);
	snprintf(after, sizeof after, "%s/after", dir);
	snprintf(copy, sizeof copy, "%s/copy", dir);
	sh("mkdir %s %s && cp %s/*.arch %s/", before, after, dir, before);
	static unsigned char buf[4096];
	assert_int_equal(ox_compact_merge(x, &set, OX_ARCHIVES_MAX - 1, dir, buf, sizeof buf, &ms, err, sizeof err), 0);
	assert_int_equal(ms.merges, 1);
	assert_int_equal(ms.replaced, 5);
	sh("cp %s/*.arch %s/", dir, after);
	char name[40];
	snprintf(name, sizeof name, "%020llu.arch", (unsigned long long)last_input);

	/* 1. the merge still a .tmp: the inputs stand, as before */
	sh("rm -rf %s && cp -r %s %s && cp %s/%s %s/%s.tmp", copy, before, copy, after, name, copy, name);
	assert_int_equal(check_dir(copy, below, 0x3c, false), below - 1);
	sh("test ! -e %s/%s.tmp", copy, name);
	/* 2. renamed over the last input, the other inputs there */
	sh("rm -rf %s && cp -r %s %s", copy, after, copy);
	uint64_t kept = check_dir(copy, below, 0x3c, true);
	assert_true(kept < below - 1);
	sh("test $(ls %s/*.arch | wc -l) = 1", copy); /* the others removed */
	/* 3. the others partly removed (the oldest first, or any one) */
	for (size_t gone = 0; gone < 4; gone++) {
		sh("rm -rf %s && cp -r %s %s && rm %s/%020llu.arch", copy, after, copy, copy,
		   (unsigned long long)set.v[gone].upto);
		assert_int_equal(check_dir(copy, below, 0x3c, true), kept);
	}
	/* and the set the writer holds takes the merge in alike */
	assert_int_equal(ox_archives_refresh(&set, dir, err, sizeof err), 0);
	assert_int_equal(set.n, 1);
	assert_int_equal(check_dir(dir, below, 0x3c, true), kept);
	ox_archives_close(&set);
	ox_orderidx_free(x);
	ox_evlog_close(log);
}

/* What pruning saves: archives of records of ~240 bytes (a log event's
 * size), before and after 5 orders in 7 are dropped. Printed. */
static void test_merge_bytes(void **state)
{
	(void)state;
	char pad[200];
	memset(pad, 'x', sizeof pad - 1);
	pad[sizeof pad - 1] = '\0';
	struct ox_orderidx *x;
	struct ox_evlog *log = build_log(20000, &x, pad);
	struct ox_archives set;
	char err[512];
	assert_int_equal(ox_archives_open(&set, dir, err, sizeof err), 0);
	struct ox_merge_stats ms;
	uint64_t at = 1000;
	for (; at <= 10000; at += 1000)
		compact_at(log, x, &set, at, OX_ARCHIVES_MAX, &ms);
	uint64_t full = ox_archives_bytes(&set);
	size_t files = set.n;
	for (unsigned k = 0; k < 5; k++)
		drop_order(x, k);
	compact_at(log, x, &set, at, OX_ARCHIVES_MAX, &ms);
	uint64_t newest = set.v[set.n - 1].size;
	print_message("merge: %zu archives of every order, %llu bytes; after 5 orders of 7 are dropped: "
		      "%zu archive(s), %llu bytes (+ %llu of the new one)\n",
		      files, (unsigned long long)full, set.n - 1,
		      (unsigned long long)(ox_archives_bytes(&set) - newest), (unsigned long long)newest);
	assert_int_equal(set.n, 2);
	assert_true(ox_archives_bytes(&set) - newest < full * 3 / 7 + 4096);
	ox_archives_close(&set);
	ox_orderidx_free(x);
	ox_evlog_close(log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_archive_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_archive_damage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_archive_set, setup, teardown),
		cmocka_unit_test(test_sort),
		cmocka_unit_test_setup_teardown(test_log_segments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_archive_from_log, setup, teardown),
		cmocka_unit_test_setup_teardown(test_archive_supersede, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge_prunes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge_bounds_count, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge_crash_steps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge_bytes, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

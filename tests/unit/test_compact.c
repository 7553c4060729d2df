/* test_compact.c - compaction's pieces: the order archive round trips and
 * refuses damage; the set of archives finds a record in the right one; the
 * log tells which segments may go, scans them and removes them (its byte
 * count following); archives built by two compactions hold exactly the
 * kept orders' records of the segments removed; the sort. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* An archive of the records 3, 5, 9, ..., written through a tiny buffer. */
static void write_archive(uint64_t seq, uint64_t n)
{
	struct ox_archive_w w;
	unsigned char buf[64];
	uint64_t idx[2 * 100];
	char err[OX_ARCHIVE_ERRSZ], p[64];
	assert_true(n <= 100);
	assert_int_equal(ox_archive_w_open(&w, dir, seq, 1000, buf, sizeof buf, idx, 100, err, sizeof err), 0);
	for (uint64_t i = 0; i < n; i++) {
		payload_of(p, 3 + 2 * i * i);
		ox_archive_w_add(&w, 3 + 2 * i * i, p, strlen(p));
	}
	assert_int_equal(ox_archive_w_commit(&w, err, sizeof err), 0);
}

static void test_archive_round_trip(void **state)
{
	(void)state;
	write_archive(42, 50);
	struct ox_archive a;
	char err[OX_ARCHIVE_ERRSZ], want[64];
	assert_int_equal(ox_archive_open(&a, dir, 42, err, sizeof err), 0);
	assert_int_equal(a.seq, 42);
	assert_int_equal(a.upto, 1000);
	assert_int_equal(a.n, 50);
	for (uint64_t i = 0; i < 50; i++) {
		const char *p;
		size_t len;
		payload_of(want, 3 + 2 * i * i);
		assert_int_equal(ox_archive_get(&a, 3 + 2 * i * i, &p, &len), 0);
		assert_int_equal(len, strlen(want));
		assert_memory_equal(p, want, len);
		assert_int_equal(ox_archive_get(&a, 4 + 2 * i * i, &p, &len), 1); /* not there */
	}
	const char *p;
	size_t len;
	assert_int_equal(ox_archive_get(&a, 0, &p, &len), 1);
	assert_int_equal(ox_archive_get(&a, UINT64_MAX, &p, &len), 1);
	ox_archive_close(&a);

	/* an empty one is an archive too */
	write_archive(43, 0);
	assert_int_equal(ox_archive_open(&a, dir, 43, err, sizeof err), 0);
	assert_int_equal(a.n, 0);
	assert_int_equal(ox_archive_get(&a, 3, &p, &len), 1);
	ox_archive_close(&a);
}

static uint64_t le64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
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

/* Every flipped byte of the header, the index and the trailer is refused
 * at open; one in a payload when that record is read. */
static void test_archive_damage(void **state)
{
	(void)state;
	write_archive(7, 20);
	char path[512], err[OX_ARCHIVE_ERRSZ];
	snprintf(path, sizeof path, "%s/%020d.arch", dir, 7);
	unsigned char *d = NULL;
	size_t n = 0;
	assert_int_equal(read_all(path, &d, &n), 0);
	struct ox_archive a;
	assert_int_equal(ox_archive_parse(&a, d, n, err, sizeof err), 0);
	uint64_t index_off = (uint64_t)(a.idx - d);
	for (size_t i = 0; i < n; i++) {
		d[i] ^= 0x20;
		int rc = ox_archive_parse(&a, d, n, err, sizeof err);
		if (i < 32 || i >= index_off) {
			assert_int_equal(rc, -1);
		} else {
			/* a record's bytes: caught by its CRC when read */
			assert_int_equal(rc == 0 || rc == -1, 1);
			if (rc == 0) {
				int bad = 0;
				for (uint64_t k = 0; k < a.n; k++) {
					const char *p;
					size_t len;
					bad |= ox_archive_get(&a, le64(a.idx + 16 * k), &p, &len) < 0;
				}
				assert_true(bad);
			}
		}
		d[i] ^= 0x20;
	}
	for (size_t cut = 0; cut < n; cut += 7)
		assert_int_equal(ox_archive_parse(&a, d, cut, err, sizeof err), -1);
	free(d);
	/* a name that is not its seq */
	char other[512];
	snprintf(other, sizeof other, "%s/%020d.arch", dir, 8);
	assert_int_equal(rename(path, other), 0);
	assert_int_equal(ox_archive_open(&a, dir, 8, err, sizeof err), -1);
	assert_non_null(strstr(err, "differs from its name"));
}

/* The set opens the archives oldest first and looks a record up in the
 * one whose range holds it; a temporary file goes; a damaged one fails. */
static void test_archive_set(void **state)
{
	(void)state;
	write_archive(5, 1);
	write_archive(9, 1);
	write_archive(7, 1);
	char tmp[512], err[OX_ARCHIVE_ERRSZ];
	snprintf(tmp, sizeof tmp, "%s/%020d.arch.tmp", dir, 11);
	FILE *f = fopen(tmp, "w");
	assert_non_null(f);
	fclose(f);
	struct ox_archives s;
	assert_int_equal(ox_archives_open(&s, dir, err, sizeof err), 0);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.v[0].seq, 5);
	assert_int_equal(s.v[1].seq, 7);
	assert_int_equal(s.v[2].seq, 9);
	assert_int_equal(access(tmp, F_OK), -1); /* an unfinished write is removed */
	assert_int_equal(ox_archives_upto(&s), 1000);
	assert_int_equal(ox_archives_bytes(&s), s.v[0].size + s.v[1].size + s.v[2].size);
	const char *p;
	size_t len;
	assert_int_equal(ox_archives_get(&s, 3, &p, &len), 0);
	assert_int_equal(ox_archives_get(&s, 4, &p, &len), 1);
	assert_int_equal(ox_archives_get(&s, 1001, &p, &len), 1); /* past every range */
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

static int count_each(void *ctx, uint64_t seq, const char *p, size_t len)
{
	(void)seq, (void)p, (void)len;
	(*(uint64_t *)ctx)++;
	return 0;
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
	assert_int_equal(ox_compact_archive(x, log, keep1, dir, 400, buf, sizeof buf, &st1, err, sizeof err), 0);
	assert_int_equal(st1.written, st1.wanted);
	assert_int_equal(ox_evlog_drop_before(log, keep1, &removed), 0);
	assert_int_equal(ox_compact_archive(x, log, keep2, dir, 800, buf, sizeof buf, &st2, err, sizeof err), 0);
	assert_int_equal(st2.written, st2.wanted);
	assert_int_equal(ox_evlog_drop_before(log, keep2, &removed), 0);
	struct ox_archives set;
	assert_int_equal(ox_archives_open(&set, dir, err, sizeof err), 0);
	assert_int_equal(set.n, 2);
	assert_int_equal(set.v[0].upto, keep1 - 1);
	assert_int_equal(ox_archives_upto(&set), keep2 - 1);
	uint64_t kept = 0;
	for (uint64_t s = 1; s <= 1000; s++) {
		const char *q;
		size_t len;
		int rc = ox_archives_get(&set, s, &q, &len);
		if (s % 7 == 3 || s >= keep2) {
			assert_int_equal(rc, 1);
			continue;
		}
		assert_int_equal(rc, 0);
		payload_of(p, s);
		assert_int_equal(len, strlen(p));
		assert_memory_equal(q, p, len);
		kept++;
	}
	uint64_t n = 0;
	assert_int_equal(ox_archive_each(&set.v[1], count_each, &n), 0);
	assert_int_equal(n, st2.written);
	assert_int_equal(st1.wanted + st2.wanted, kept);
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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

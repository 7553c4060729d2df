/* test_evlog_reader.c - reading a log another process writes
 * (ox_evlog_open_readonly, ox_evlog_read_range: the snapshot builder,
 * docs/retention.md): every record of a range across segments, exactly
 * once, while the writer goes on appending; nothing taken or changed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "evlog.h"

static int setup_dir(void **state)
{
	const char *tmp = getenv("TMPDIR");
	char *path = malloc(4096);
	snprintf(path, 4096, "%s/ordex-evlog-reader-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(path)) {
		free(path);
		return -1;
	}
	*state = path;
	return 0;
}

static int teardown_dir(void **state)
{
	char *dir = *state;
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[4200];
	while (d && (e = readdir(d)) != NULL)
		if (e->d_name[0] != '.') {
			snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
			unlink(p);
		}
	if (d)
		closedir(d);
	rmdir(dir);
	free(dir);
	return 0;
}

struct seen {
	uint64_t first, last, n;
	bool in_order, payload_ok;
};

static int collect(void *ctx, uint64_t seq, const char *p, size_t len)
{
	struct seen *s = ctx;
	char want[32];
	int n = snprintf(want, sizeof want, "record-%llu", (unsigned long long)seq);
	if ((size_t)n != len || memcmp(p, want, len) != 0)
		s->payload_ok = false;
	if (s->n && seq != s->last + 1)
		s->in_order = false;
	if (!s->n)
		s->first = seq;
	s->last = seq;
	s->n++;
	return 0;
}

static void append_n(struct ox_evlog *log, uint64_t from, uint64_t n)
{
	for (uint64_t i = from; i < from + n; i++) {
		char p[32];
		int len = snprintf(p, sizeof p, "record-%llu", (unsigned long long)i);
		uint64_t seq;
		assert_int_equal(ox_evlog_append(log, p, (size_t)len, &seq), 0);
		assert_int_equal(seq, i);
	}
	assert_int_equal(ox_evlog_commit(log), 0);
}

static struct seen read_range(struct ox_evlog *r, uint64_t after, uint64_t upto)
{
	struct seen s = { .in_order = true, .payload_ok = true };
	assert_int_equal(ox_evlog_read_range(r, after, upto, collect, &s), 0);
	return s;
}

/* Ranges inside a segment, across several, ending in the active one, while
 * the writer holds its lock and appends more; prealloc: with zeros written
 * ahead of the active segment's records, as the daemon's log has. */
static void ranges_beside_the_writer(const char *dir, uint32_t prealloc)
{
	char err[256];
	struct ox_evlog *w;
	struct ox_evlog_opts o = { .sync = prealloc ? OX_EVLOG_FDATASYNC : OX_EVLOG_NOSYNC, .segment_max = 4096,
				   .prealloc = prealloc };
	assert_int_equal(ox_evlog_open(&w, dir, &o, NULL, NULL, err, sizeof err), 0);
	append_n(w, 1, 1000); /* about 30 bytes a record: many segments */
	assert_true(ox_evlog_segment_count(w) > 5);

	struct ox_evlog *r;
	assert_int_equal(ox_evlog_open_readonly(&r, dir, err, sizeof err), 0);
	append_n(w, 1001, 500); /* after the reader listed the segments */
	const uint64_t ranges[][2] = { { 0, 1000 }, { 0, 1 }, { 10, 20 }, { 137, 862 }, { 999, 1000 }, { 500, 500 } };
	for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
		struct seen s = read_range(r, ranges[i][0], ranges[i][1]);
		uint64_t want = ranges[i][1] - ranges[i][0];
		assert_int_equal(s.n, want);
		assert_true(s.in_order && s.payload_ok);
		if (want) {
			assert_int_equal(s.first, ranges[i][0] + 1);
			assert_int_equal(s.last, ranges[i][1]);
		}
	}
	/* past what the reader's segments hold: it stops at their end; the
	 * caller sees the last seq */
	struct seen s = read_range(r, 990, 5000);
	assert_true(s.last >= 1000 && s.last < 5000);
	ox_evlog_close(r);

	/* the writer is untouched: it appends and reads on */
	append_n(w, 1501, 10);
	/* up to the last record, in the active segment, whatever follows it
	 * (zeros written ahead, with prealloc) */
	assert_int_equal(ox_evlog_open_readonly(&r, dir, err, sizeof err), 0);
	s = read_range(r, 1490, 1510);
	assert_int_equal(s.n, 20);
	assert_true(s.in_order && s.payload_ok && s.last == 1510);
	ox_evlog_close(r);
	ox_evlog_close(w);
	struct seen all = { .in_order = true, .payload_ok = true };
	assert_int_equal(ox_evlog_open(&w, dir, &o, collect, &all, err, sizeof err), 0);
	assert_int_equal(all.n, 1510);
	assert_true(all.in_order && all.payload_ok);
	ox_evlog_close(w);
}

static void test_ranges_beside_the_writer(void **state)
{
	ranges_beside_the_writer(*state, 0);
}

static void test_ranges_with_zeros_ahead(void **state)
{
	ranges_beside_the_writer(*state, 2048);
}

/* Records the log no longer has (compacted away) are an error, not a
 * silent gap. */
static void test_compacted_start_refused(void **state)
{
	const char *dir = *state;
	char err[256];
	struct ox_evlog *w;
	struct ox_evlog_opts o = { .sync = OX_EVLOG_NOSYNC, .segment_max = 4096 };
	assert_int_equal(ox_evlog_open(&w, dir, &o, NULL, NULL, err, sizeof err), 0);
	append_n(w, 1, 600);
	uint64_t keep = ox_evlog_keep_from(w, 300), segments;
	assert_int_equal(ox_evlog_drop_before(w, keep, &segments), 0);
	assert_true(segments > 0);
	struct ox_evlog *r;
	assert_int_equal(ox_evlog_open_readonly(&r, dir, err, sizeof err), 0);
	struct seen s = { .in_order = true, .payload_ok = true };
	assert_int_equal(ox_evlog_read_range(r, 0, 600, collect, &s), OX_EVLOG_ENOTFOUND);
	assert_int_equal(s.n, 0);
	s = read_range(r, keep - 1, 600);
	assert_int_equal(s.n, 600 - keep + 1);
	ox_evlog_close(r);
	ox_evlog_close(w);
	/* a directory without a log */
	char empty[4200];
	snprintf(empty, sizeof empty, "%s/none", dir);
	assert_int_equal(mkdir(empty, 0700), 0);
	assert_int_not_equal(ox_evlog_open_readonly(&r, empty, err, sizeof err), 0);
	assert_non_null(strstr(err, "no segment"));
	rmdir(empty);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ranges_beside_the_writer, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_ranges_with_zeros_ahead, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_compacted_start_refused, setup_dir, teardown_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_evlog.c - the durable event log (src/evlog.c): round trips across
 * segments, limits, recovery from every kind of torn or damaged file, and
 * reads by seq. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "evlog.h"
#include "util.h"

#define HDR 28 /* segment header bytes */
#define REC 16 /* record header bytes */
#define SEG1 "00000000000000000001.log"

/* ---- fixtures and helpers ------------------------------------------- */

static int setup_dir(void **state)
{
	const char *tmp = getenv("TMPDIR");
	char *path = malloc(4096);
	snprintf(path, 4096, "%s/ordex-evlog-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(path)) {
		free(path);
		return -1;
	}
	*state = path;
	return 0;
}

static void rm_tree(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	char p[4096];
	while ((e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		struct stat st;
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			rm_tree(p);
		else
			unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

static int teardown_dir(void **state)
{
	rm_tree(*state);
	free(*state);
	return 0;
}

/* The payload of record seq: 1..150 bytes derived from seq. */
static size_t payload_for(uint64_t seq, char *out)
{
	size_t len = 1 + (size_t)((seq * 37) % 150);
	for (size_t i = 0; i < len; i++)
		out[i] = (char)('a' + (seq * 31 + i * 7) % 26);
	return len;
}

/* Replay state: checks that records come in order with payload_for(). */
struct seen {
	uint64_t count, first, last;
	int bad;
	uint64_t stop_at; /* return -1 at this seq (0: never) */
};

static int check_cb(void *ctx, uint64_t seq, const char *payload, size_t len)
{
	struct seen *s = ctx;
	char want[200];
	if (s->stop_at && seq == s->stop_at)
		return -1;
	if (s->count == 0)
		s->first = seq;
	else if (seq != s->last + 1)
		s->bad++;
	size_t n = payload_for(seq, want);
	if (len != n || memcmp(payload, want, n) != 0)
		s->bad++;
	s->count++;
	s->last = seq;
	return 0;
}

static struct ox_evlog *open_ok(const char *dir, const struct ox_evlog_opts *o, struct seen *s)
{
	struct ox_evlog *log = NULL;
	char err[512] = "";
	memset(s, 0, sizeof *s);
	int rc = ox_evlog_open(&log, dir, o, check_cb, s, err, sizeof err);
	if (rc != 0)
		fail_msg("open: %d %s", rc, err);
	assert_int_equal(s->bad, 0);
	assert_int_equal(ox_evlog_durable_seq(log), s->count ? s->last : 0);
	return log;
}

/* Open expecting failure code; the message in err. */
static void open_fails(const char *dir, const struct ox_evlog_opts *o, int code, char *err,
		       size_t errsz)
{
	struct ox_evlog *log = (struct ox_evlog *)1;
	struct seen s = { 0, 0, 0, 0, 0 };
	int rc = ox_evlog_open(&log, dir, o, check_cb, &s, err, errsz);
	if (rc != code)
		fail_msg("open returned %d, want %d (%s)", rc, code, rc ? err : "");
	assert_null(log);
}

/* Append payload_for(seq) up to seq last, committing every group records. */
static void append_upto(struct ox_evlog *log, uint64_t last, size_t group)
{
	char p[200];
	size_t pending = 0;
	for (uint64_t want = ox_evlog_durable_seq(log) + 1; want <= last; want++) {
		uint64_t seq = 0;
		assert_int_equal(ox_evlog_append(log, p, payload_for(want, p), &seq), 0);
		assert_int_equal(seq, want);
		if (++pending == group || want == last) {
			assert_int_equal(ox_evlog_commit(log), 0);
			assert_int_equal(ox_evlog_durable_seq(log), want);
			pending = 0;
		}
	}
}

/* Create a log in dir holding records 1..n. */
static void make_log(const char *dir, const struct ox_evlog_opts *o, uint64_t n, size_t group)
{
	struct seen s;
	struct ox_evlog *log = open_ok(dir, o, &s);
	append_upto(log, n, group);
	ox_evlog_close(log);
}

/* The segments' first seqs in ascending order; their number. */
static size_t list_bases(const char *dir, uint64_t *out, size_t max)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		if (len != 24 || strcmp(e->d_name + 20, ".log") != 0)
			continue;
		assert_true(n < max);
		uint64_t v = strtoull(e->d_name, NULL, 10);
		size_t i = n++;
		for (; i > 0 && out[i - 1] > v; i--)
			out[i] = out[i - 1];
		out[i] = v;
	}
	closedir(d);
	return n;
}

static void seg_path(char *out, size_t n, const char *dir, uint64_t base)
{
	snprintf(out, n, "%s/%020llu.log", dir, (unsigned long long)base);
}

static uint64_t last_base(const char *dir)
{
	uint64_t b[4096];
	size_t n = list_bases(dir, b, 4096);
	assert_true(n > 0);
	return b[n - 1];
}

static unsigned char *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	unsigned char *b = malloc((size_t)n + 1);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*size = (size_t)n;
	return b;
}

static void write_file(const char *path, const void *b, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, n, f), n);
	fclose(f);
}

/* Offsets of the records in a segment's bytes; their number. */
static size_t record_offsets(const unsigned char *b, size_t size, size_t *out, size_t max)
{
	size_t n = 0;
	for (size_t off = HDR; off + REC <= size && n < max;) {
		uint32_t len = (uint32_t)b[off + 4] | (uint32_t)b[off + 5] << 8 |
			       (uint32_t)b[off + 6] << 16 | (uint32_t)b[off + 7] << 24;
		out[n++] = off;
		off += REC + len;
	}
	return n;
}

/* Remove the segments after base (made by a test step, to restore a copy). */
static void remove_after(const char *dir, uint64_t base)
{
	uint64_t b[4096];
	char p[4096];
	size_t n = list_bases(dir, b, 4096);
	for (size_t i = 0; i < n; i++)
		if (b[i] > base) {
			seg_path(p, sizeof p, dir, b[i]);
			assert_int_equal(unlink(p), 0);
		}
}

static void flip_bit(const char *path, size_t off, int bit)
{
	size_t n;
	unsigned char *b = read_file(path, &n);
	assert_true(off < n);
	b[off] ^= (unsigned char)(1u << bit);
	write_file(path, b, n);
	free(b);
}

/* ---- CRC-32C --------------------------------------------------------- */

static void test_crc32c(void **state)
{
	(void)state;
	unsigned char zeros[32] = { 0 }, ones[32], inc[32];
	memset(ones, 0xff, sizeof ones);
	for (int i = 0; i < 32; i++)
		inc[i] = (unsigned char)i;
	/* The check value and RFC 3720 B.4's vectors. */
	uint32_t (*const fns[2])(uint32_t, const void *, size_t) = { ox_evlog_crc32c,
								     ox_evlog_crc32c_sw };
	for (int f = 0; f < 2; f++) {
		assert_int_equal(fns[f](0, "123456789", 9), 0xe3069283u);
		assert_int_equal(fns[f](0, zeros, 32), 0x8a9136aau);
		assert_int_equal(fns[f](0, ones, 32), 0x62a8ab43u);
		assert_int_equal(fns[f](0, inc, 32), 0x46dd794eu);
		assert_int_equal(fns[f](0, "", 0), 0);
	}
	/* Every length and alignment, in one go and in two pieces. */
	unsigned char buf[300];
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (unsigned char)(i * 131 + 7);
	for (size_t off = 0; off < 8; off++)
		for (size_t len = 0; len + off <= 260; len++) {
			uint32_t sw = ox_evlog_crc32c_sw(0, buf + off, len);
			assert_int_equal(ox_evlog_crc32c(0, buf + off, len), sw);
			size_t cut = len / 3;
			assert_int_equal(ox_evlog_crc32c(ox_evlog_crc32c(0, buf + off, cut),
							 buf + off + cut, len - cut),
					 sw);
		}
}

/* ---- round trips ----------------------------------------------------- */

static void test_round_trip_segments(void **state)
{
	const char *dir = *state;
	const struct ox_evlog_opts o = { .segment_max = 4096 };
	struct seen s;
	struct ox_evlog *log = open_ok(dir, &o, &s);
	assert_int_equal(s.count, 0);
	assert_int_equal(ox_evlog_recovery(log)->first_seq, 0);
	/* Groups of 1, 2, ... 49 records, then 1000 in one commit across many
	 * rollovers. */
	char p[200];
	uint64_t seq = 0;
	for (size_t group = 1; group < 50; group++) {
		for (size_t i = 0; i < group; i++)
			assert_int_equal(ox_evlog_append(log, p, payload_for(seq + 1, p), &seq), 0);
		assert_int_equal(ox_evlog_durable_seq(log), seq - group);
		assert_int_equal(ox_evlog_commit(log), 0);
		assert_int_equal(ox_evlog_durable_seq(log), seq);
	}
	append_upto(log, seq + 1000, 1000);
	uint64_t total = seq + 1000;
	assert_int_equal(ox_evlog_commit(log), 0); /* nothing buffered */
	ox_evlog_close(log);

	uint64_t bases[4096];
	size_t n = list_bases(dir, bases, 4096);
	assert_true(n > 20);
	assert_int_equal(bases[0], 1);
	for (size_t i = 0; i < n; i++) {
		char path[4096];
		struct stat st;
		seg_path(path, sizeof path, dir, bases[i]);
		assert_int_equal(stat(path, &st), 0);
		assert_true(st.st_size <= 4096);
		assert_true(st.st_size > HDR);
		assert_int_equal(st.st_mode & 077, 0); /* customers' data: owner only */
	}
	log = open_ok(dir, &o, &s);
	assert_int_equal(s.count, total);
	assert_int_equal(s.first, 1);
	const struct ox_evlog_recovery *r = ox_evlog_recovery(log);
	assert_int_equal(r->segments, n);
	assert_int_equal(r->records, total);
	assert_int_equal(r->first_seq, 1);
	assert_int_equal(r->torn_bytes, 0);
	assert_null(r->torn_reason);
	ox_evlog_close(log);
}

static void test_reopen_continues(void **state)
{
	const char *dir = *state;
	struct seen s;
	make_log(dir, NULL, 10, 3);
	struct ox_evlog *log = open_ok(dir, NULL, &s);
	assert_int_equal(s.count, 10);
	char p[200];
	uint64_t seq = 0;
	assert_int_equal(ox_evlog_append(log, p, payload_for(11, p), &seq), 0);
	assert_int_equal(seq, 11);
	assert_int_equal(ox_evlog_durable_seq(log), 10);
	assert_int_equal(ox_evlog_commit(log), 0);
	assert_int_equal(ox_evlog_durable_seq(log), 11);
	ox_evlog_close(log);
	log = open_ok(dir, NULL, &s);
	assert_int_equal(s.count, 11);
	ox_evlog_close(log);
	/* An empty log reopens empty. */
	char sub[2048];
	snprintf(sub, sizeof sub, "%s/empty", dir);
	make_log(sub, NULL, 0, 1);
	log = open_ok(sub, NULL, &s);
	assert_int_equal(s.count, 0);
	assert_int_equal(ox_evlog_recovery(log)->first_seq, 0);
	assert_int_equal(ox_evlog_recovery(log)->segments, 1);
	assert_int_equal(ox_evlog_append(log, "x", 1, &seq), 0);
	assert_int_equal(seq, 1);
	ox_evlog_close(log);
}

static void test_close_drops_uncommitted(void **state)
{
	const char *dir = *state;
	struct seen s;
	struct ox_evlog *log = open_ok(dir, NULL, &s);
	append_upto(log, 5, 5);
	char p[200];
	for (uint64_t q = 6; q <= 8; q++)
		assert_int_equal(ox_evlog_append(log, p, payload_for(q, p), NULL), 0);
	ox_evlog_close(log);
	log = open_ok(dir, NULL, &s);
	assert_int_equal(s.count, 5);
	uint64_t seq = 0;
	assert_int_equal(ox_evlog_append(log, p, payload_for(6, p), &seq), 0);
	assert_int_equal(seq, 6);
	ox_evlog_close(log);
}

static void test_nosync(void **state)
{
	const char *dir = *state;
	const struct ox_evlog_opts o = { .segment_max = 1000, .sync = OX_EVLOG_NOSYNC };
	struct seen s;
	make_log(dir, &o, 300, 7);
	struct ox_evlog *log = open_ok(dir, &o, &s);
	assert_int_equal(s.count, 300);
	ox_evlog_close(log);
}

/* ---- limits ------------------------------------------------------------ */

static void test_limits(void **state)
{
	const char *dir = *state;
	const struct ox_evlog_opts o = { .record_max = 100, .buffer_max = 300 };
	struct seen s;
	struct ox_evlog *log = open_ok(dir, &o, &s);
	char p[200];
	memset(p, 'x', sizeof p);
	uint64_t seq = 99;
	/* Empty records are refused: no event is empty, so one is a bug. */
	assert_int_equal(ox_evlog_append(log, p, 0, &seq), OX_EVLOG_EEMPTY);
	assert_int_equal(seq, 99);
	assert_int_equal(ox_evlog_append(log, p, 101, &seq), OX_EVLOG_ETOOBIG);
	assert_non_null(strstr(ox_evlog_errmsg(log), "101"));
	assert_int_equal(ox_evlog_append(log, p, 100, &seq), 0);
	assert_int_equal(seq, 1);
	assert_int_equal(ox_evlog_append(log, p, 100, &seq), 0);
	/* 2 * 116 bytes buffered: a third does not fit in 300. */
	assert_int_equal(ox_evlog_append(log, p, 100, &seq), OX_EVLOG_EFULL);
	assert_int_equal(seq, 2);
	assert_int_equal(ox_evlog_append(log, p, 50, &seq), 0);
	assert_int_equal(seq, 3);
	assert_int_equal(ox_evlog_commit(log), 0);
	assert_int_equal(ox_evlog_append(log, p, 100, &seq), 0);
	assert_int_equal(seq, 4);
	assert_int_equal(ox_evlog_commit(log), 0);
	assert_int_equal(ox_evlog_durable_seq(log), 4);
	ox_evlog_close(log);

	char err[512];
	const struct ox_evlog_opts small_buf = { .record_max = 100, .buffer_max = 115 };
	open_fails(dir, &small_buf, OX_EVLOG_EINVAL, err, sizeof err);
	assert_non_null(strstr(err, "buffer_max"));
	const struct ox_evlog_opts huge = { .record_max = OX_EVLOG_RECORD_LIMIT + 1 };
	open_fails(dir, &huge, OX_EVLOG_EINVAL, err, sizeof err);
	const struct ox_evlog_opts bad_sync = { .sync = (enum ox_evlog_sync)7 };
	open_fails(dir, &bad_sync, OX_EVLOG_EINVAL, err, sizeof err);
	assert_string_equal(ox_evlog_strerror(OX_EVLOG_EFULL), "commit buffer full");
	assert_string_equal(ox_evlog_strerror(42), "unknown error");
}

/* A record larger than a segment gets a segment of its own. */
static void test_big_record_own_segment(void **state)
{
	const char *dir = *state;
	const struct ox_evlog_opts o = { .segment_max = 256, .record_max = 1000 };
	struct seen s;
	struct ox_evlog *log = open_ok(dir, &o, &s);
	char p[1000];
	memset(p, 'b', sizeof p);
	assert_int_equal(ox_evlog_append(log, p, 10, NULL), 0);
	assert_int_equal(ox_evlog_append(log, p, 900, NULL), 0);
	assert_int_equal(ox_evlog_append(log, p, 10, NULL), 0);
	assert_int_equal(ox_evlog_commit(log), 0);
	ox_evlog_close(log);
	uint64_t b[8];
	assert_int_equal(list_bases(dir, b, 8), 3);
	assert_int_equal(b[0], 1);
	assert_int_equal(b[1], 2);
	assert_int_equal(b[2], 3);
	char path[4096];
	struct stat st;
	seg_path(path, sizeof path, dir, 2);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, HDR + REC + 900);
	log = NULL;
	char err[512];
	assert_int_equal(ox_evlog_open(&log, dir, &o, NULL, NULL, err, sizeof err), 0);
	assert_int_equal(ox_evlog_recovery(log)->records, 3);
	ox_evlog_close(log);
}

/* ---- recovery ---------------------------------------------------------- */

/* Cut the last segment at every byte of its last record: the complete
 * records before it come back, the cut one is reported and dropped, and
 * the log takes a new record in its place. */
static void torn_every_offset(const char *dir, const struct ox_evlog_opts *o, uint64_t n)
{
	make_log(dir, o, n, 4);
	uint64_t lb = last_base(dir);
	char path[4096];
	seg_path(path, sizeof path, dir, lb);
	size_t size;
	unsigned char *orig = read_file(path, &size);
	size_t offs[4096];
	size_t nrec = record_offsets(orig, size, offs, 4096);
	assert_true(nrec >= 1);
	size_t last = offs[nrec - 1];
	for (size_t cut = last; cut < size; cut++) {
		write_file(path, orig, cut);
		struct seen s;
		struct ox_evlog *log = open_ok(dir, o, &s);
		assert_int_equal(s.count, n - 1);
		const struct ox_evlog_recovery *r = ox_evlog_recovery(log);
		assert_int_equal(r->torn_bytes, cut - last);
		if (cut > last) {
			assert_non_null(r->torn_reason);
			assert_int_equal(r->torn_segment, lb);
			assert_int_equal(r->torn_offset, last);
			struct stat st;
			assert_int_equal(stat(path, &st), 0);
			assert_int_equal(st.st_size, last);
		} else {
			assert_null(r->torn_reason);
		}
		append_upto(log, n, 1);
		ox_evlog_close(log);
		log = open_ok(dir, o, &s);
		assert_int_equal(s.count, n);
		assert_int_equal(ox_evlog_recovery(log)->torn_bytes, 0);
		ox_evlog_close(log);
		remove_after(dir, lb);
	}
	free(orig);
}

static void test_torn_tail_every_offset(void **state)
{
	/* Several records in the last of several segments. */
	const struct ox_evlog_opts o = { .segment_max = 2048 };
	torn_every_offset(*state, &o, 60);
}

static void test_torn_tail_only_record(void **state)
{
	/* One record per segment: the cut one is the last segment's only one. */
	const struct ox_evlog_opts o = { .segment_max = 64 };
	torn_every_offset(*state, &o, 5);
}

/* A bit flipped anywhere in the last record (length, CRC, seq or payload):
 * that record is cut and reported, the others come back. */
static void test_bitflip_last_record(void **state)
{
	const char *dir = *state;
	const struct ox_evlog_opts o = { .segment_max = 2048 };
	const uint64_t n = 40;
	make_log(dir, &o, n, 5);
	char path[4096];
	seg_path(path, sizeof path, dir, last_base(dir));
	size_t size;
	unsigned char *orig = read_file(path, &size);
	size_t offs[4096];
	size_t last = offs[record_offsets(orig, size, offs, 4096) - 1];
	for (size_t off = last; off < size; off++) {
		write_file(path, orig, size);
		flip_bit(path, off, (int)(off % 8));
		struct seen s;
		struct ox_evlog *log = open_ok(dir, &o, &s);
		assert_int_equal(s.count, n - 1);
		const struct ox_evlog_recovery *r = ox_evlog_recovery(log);
		assert_int_equal(r->torn_bytes, size - last);
		assert_non_null(r->torn_reason);
		ox_evlog_close(log);
	}
	free(orig);
}

/* Append a record of len payload bytes 'z' with seq and a valid CRC to the
 * file at path (len 0: that many zero bytes instead); its old size. */
static size_t append_raw(const char *path, uint32_t len, uint64_t seq, size_t zeros)
{
	size_t size;
	unsigned char *b = read_file(path, &size);
	size_t add = zeros ? zeros : REC + len;
	b = realloc(b, size + add);
	memset(b + size, 0, add);
	if (!zeros) {
		unsigned char *r = b + size;
		for (int i = 0; i < 4; i++)
			r[4 + i] = (unsigned char)(len >> (8 * i));
		for (int i = 0; i < 8; i++)
			r[8 + i] = (unsigned char)(seq >> (8 * i));
		memset(r + REC, 'z', len);
		uint32_t crc = ox_evlog_crc32c(0, r + 4, 12 + len);
		for (int i = 0; i < 4; i++)
			r[i] = (unsigned char)(crc >> (8 * i));
	}
	write_file(path, b, size + add);
	free(b);
	return size;
}

/* Lengths the writer never writes, even with a valid CRC: 0 (what a file
 * extended by a crash but never written, or zeros written ahead, read as)
 * and more than the segment's record_max. Zeros are unwritten space, not
 * a torn tail: nothing is reported, and the file ends at its last record. */
static void test_bad_length_tail(void **state)
{
	const char *dir = *state;
	const struct ox_evlog_opts o = { .record_max = 150 };
	make_log(dir, &o, 20, 20);
	char path[4096];
	seg_path(path, sizeof path, dir, 1);
	const struct {
		uint32_t len;
		size_t zeros;
	} cases[] = { { 0, 4096 }, { 151, 0 } };
	for (size_t i = 0; i < 2; i++) {
		size_t size = append_raw(path, cases[i].len, 21, cases[i].zeros);
		struct seen s;
		struct ox_evlog *log = open_ok(dir, &o, &s);
		assert_int_equal(s.count, 20);
		const struct ox_evlog_recovery *r = ox_evlog_recovery(log);
		if (cases[i].zeros) {
			assert_int_equal(r->torn_bytes, 0);
			assert_null(r->torn_reason);
		} else {
			assert_int_equal(r->torn_offset, size);
			assert_string_equal(r->torn_reason, "bad length");
		}
		struct stat st;
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_size, size);
		ox_evlog_close(log);
	}
	/* The largest valid length is fine. */
	append_raw(path, 150, 21, 0);
	struct seen s;
	struct ox_evlog *log = NULL;
	char err[512];
	assert_int_equal(ox_evlog_open(&log, dir, &o, NULL, &s, err, sizeof err), 0);
	assert_int_equal(ox_evlog_recovery(log)->records, 21);
	assert_int_equal(ox_evlog_durable_seq(log), 21);
	ox_evlog_close(log);
}

/* Records up to the default record_max in a segment of several MiB: the
 * replay reads it through a window, so records straddle refills. */
static size_t big_payload(uint64_t seq, char *out, size_t max)
{
	size_t len = seq % 97 == 0 ? max : 1 + (size_t)((seq * 7919) % 5000);
	for (size_t i = 0; i < len; i++)
		out[i] = (char)('A' + (seq + i) % 23);
	return len;
}

static int big_cb(void *ctx, uint64_t seq, const char *payload, size_t len)
{
	const size_t max = (1u << 20) + 4096; /* the default record_max */
	char *want = ctx;
	size_t n = big_payload(seq, want, max);
	return len == n && memcmp(payload, want, n) == 0 ? 0 : -1;
}

static void test_large_records(void **state)
{
	const char *dir = *state;
	const size_t max = (1u << 20) + 4096;
	char *p = malloc(max), err[512];
	struct ox_evlog *log = NULL;
	assert_int_equal(ox_evlog_open(&log, dir, NULL, big_cb, p, err, sizeof err), 0);
	assert_int_equal(ox_evlog_append(log, p, max + 1, NULL), OX_EVLOG_ETOOBIG);
	const uint64_t n = 400; /* 4 records of 1 MiB and ~1 MiB of small ones */
	for (uint64_t seq = 1; seq <= n; seq++) {
		int rc = ox_evlog_append(log, p, big_payload(seq, p, max), NULL);
		if (rc == OX_EVLOG_EFULL) {
			assert_int_equal(ox_evlog_commit(log), 0);
			rc = ox_evlog_append(log, p, big_payload(seq, p, max), NULL);
		}
		assert_int_equal(rc, 0);
	}
	assert_int_equal(ox_evlog_commit(log), 0);
	ox_evlog_close(log);
	assert_int_equal(ox_evlog_open(&log, dir, NULL, big_cb, p, err, sizeof err), 0);
	assert_int_equal(ox_evlog_recovery(log)->records, n);
	assert_int_equal(ox_evlog_recovery(log)->segments, 1);
	ox_evlog_close(log);
	free(p);
}

/* Damage in an earlier segment is an error: those records were
 * acknowledged and nothing may be dropped. */
static void test_bitflip_earlier_segment(void **state)
{
	const char *dir = *state;
	const struct ox_evlog_opts o = { .segment_max = 2048 };
	make_log(dir, &o, 60, 5);
	char path[4096], err[512];
	seg_path(path, sizeof path, dir, 1);
	size_t size;
	unsigned char *orig = read_file(path, &size);

	flip_bit(path, size - 1, 0); /* the last byte of its last record */
	open_fails(dir, &o, OX_EVLOG_ECORRUPT, err, sizeof err);
	assert_non_null(strstr(err, SEG1 ": bad crc at offset"));
	assert_non_null(strstr(err, "not the last segment"));

	write_file(path, orig, size);
	flip_bit(path, 9, 3); /* its header */
	open_fails(dir, &o, OX_EVLOG_ECORRUPT, err, sizeof err);
	assert_non_null(strstr(err, "bad header crc"));

	write_file(path, orig, size - 1); /* short: the next segment has a gap */
	open_fails(dir, &o, OX_EVLOG_ECORRUPT, err, sizeof err);
	assert_non_null(strstr(err, "short record"));

	write_file(path, orig, size);
	struct seen s;
	ox_evlog_close(open_ok(dir, &o, &s));
	assert_int_equal(s.count, 60);
	free(orig);
}

/* In the last segment, damage followed by more than one commit's bytes
 * cannot be a crash, so it is an error too; without sync there is no bound. */
static void test_bitflip_deep_in_last_segment(void **state)
{
	const char *dir = *state;
	const struct ox_evlog_opts o = { .record_max = 200, .buffer_max = 600 };
	make_log(dir, &o, 100, 1);
	char path[4096], err[512];
	seg_path(path, sizeof path, dir, 1);
	size_t size;
	unsigned char *orig = read_file(path, &size);
	size_t offs[4096];
	size_t nrec = record_offsets(orig, size, offs, 4096);
	assert_int_equal(nrec, 100);

	flip_bit(path, offs[10] + REC, 1);
	open_fails(dir, &o, OX_EVLOG_ECORRUPT, err, sizeof err);
	assert_non_null(strstr(err, "more than one commit"));

	/* Within 600 bytes of the end: a torn tail. */
	size_t i = nrec - 1;
	while (size - offs[i - 1] <= 600)
		i--;
	write_file(path, orig, size);
	flip_bit(path, offs[i] + REC, 1);
	struct seen s;
	struct ox_evlog *log = open_ok(dir, &o, &s);
	assert_int_equal(s.count, i);
	assert_int_equal(ox_evlog_recovery(log)->torn_bytes, size - offs[i]);
	ox_evlog_close(log);
	free(orig);

	/* Written without sync, the same damage deep in the file is cut. */
	char sub[2048];
	snprintf(sub, sizeof sub, "%s/nosync", dir);
	const struct ox_evlog_opts ns = { .record_max = 200, .buffer_max = 600,
					  .sync = OX_EVLOG_NOSYNC };
	make_log(sub, &ns, 100, 1);
	seg_path(path, sizeof path, sub, 1);
	orig = read_file(path, &size);
	record_offsets(orig, size, offs, 4096);
	flip_bit(path, offs[10] + REC, 1);
	log = open_ok(sub, &ns, &s);
	assert_int_equal(s.count, 10);
	ox_evlog_close(log);
	free(orig);
}

static void test_missing_header(void **state)
{
	const char *dir = *state;
	make_log(dir, NULL, 5, 5);
	char path[4096], err[512];
	seg_path(path, sizeof path, dir, 1);
	size_t size;
	unsigned char *orig = read_file(path, &size);
	/* Every cut inside the header, even of the last segment: a header is
	 * synced before its segment gets its name, so a crash cannot tear it. */
	for (size_t cut = 0; cut < HDR; cut++) {
		write_file(path, orig, cut);
		open_fails(dir, NULL, OX_EVLOG_ECORRUPT, err, sizeof err);
		assert_non_null(strstr(err, "shorter than a segment header"));
	}
	unsigned char junk[64];
	memset(junk, 'j', sizeof junk);
	write_file(path, junk, sizeof junk);
	open_fails(dir, NULL, OX_EVLOG_ECORRUPT, err, sizeof err);
	assert_non_null(strstr(err, "bad magic"));
	/* A header whose seq differs from the file name. */
	write_file(path, orig, size);
	char other[4096];
	seg_path(other, sizeof other, dir, 6);
	write_file(other, orig, HDR);
	open_fails(dir, NULL, OX_EVLOG_ECORRUPT, err, sizeof err);
	assert_non_null(strstr(err, "differs from the name"));
	unlink(other);
	struct seen s;
	ox_evlog_close(open_ok(dir, NULL, &s));
	assert_int_equal(s.count, 5);
	free(orig);
}

/* Give the record at off in path the sequence number seq (and a valid CRC). */
static void set_seq(const char *path, size_t off, uint64_t seq)
{
	size_t n;
	unsigned char *b = read_file(path, &n);
	uint32_t len = (uint32_t)b[off + 4] | (uint32_t)b[off + 5] << 8;
	for (int i = 0; i < 8; i++)
		b[off + 8 + i] = (unsigned char)(seq >> (8 * i));
	uint32_t crc = ox_evlog_crc32c(0, b + off + 4, 12 + len);
	for (int i = 0; i < 4; i++)
		b[off + i] = (unsigned char)(crc >> (8 * i));
	write_file(path, b, n);
	free(b);
}

static void test_noncontiguous_seq(void **state)
{
	const char *dir = *state;
	const struct ox_evlog_opts o = { .segment_max = 2048 };
	make_log(dir, &o, 60, 5);
	uint64_t bases[64];
	size_t nseg = list_bases(dir, bases, 64);
	assert_true(nseg >= 3);
	char path[4096], err[512];
	size_t size, offs[4096];

	/* The last record of the last segment: a torn tail. */
	seg_path(path, sizeof path, dir, bases[nseg - 1]);
	unsigned char *orig = read_file(path, &size);
	size_t last = offs[record_offsets(orig, size, offs, 4096) - 1];
	set_seq(path, last, 61);
	struct seen s;
	struct ox_evlog *log = open_ok(dir, &o, &s);
	assert_int_equal(s.count, 59);
	assert_string_equal(ox_evlog_recovery(log)->torn_reason, "seq not contiguous");
	ox_evlog_close(log);
	write_file(path, orig, size);
	free(orig);

	/* Inside the first segment: an error. */
	seg_path(path, sizeof path, dir, 1);
	orig = read_file(path, &size);
	record_offsets(orig, size, offs, 4096);
	set_seq(path, offs[1], 3);
	open_fails(dir, &o, OX_EVLOG_ECORRUPT, err, sizeof err);
	assert_non_null(strstr(err, "seq not contiguous"));
	write_file(path, orig, size);
	free(orig);

	/* A missing middle segment leaves a gap. */
	seg_path(path, sizeof path, dir, bases[1]);
	assert_int_equal(unlink(path), 0);
	open_fails(dir, &o, OX_EVLOG_ECORRUPT, err, sizeof err);
	assert_non_null(strstr(err, "expected"));
}

/* Files that are not named like a segment are not ours: left alone. A
 * rollover's temporary file is ours and removed. */
static void test_unrelated_files(void **state)
{
	const char *dir = *state;
	make_log(dir, NULL, 7, 2);
	static const char *const others[] = { "README", "notes.log", "123.log",
					      "00000000000000000000.log",
					      "00000000000000000001.log.bak",
					      "99999999999999999999.log" };
	char path[4096];
	for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, others[i]);
		write_file(path, "hello", 5);
	}
	snprintf(path, sizeof path, "%s/subdir", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s/00000000000000000008.log.tmp", dir);
	write_file(tmp, "half", 4);
	struct seen s;
	struct ox_evlog *log = open_ok(dir, NULL, &s);
	assert_int_equal(s.count, 7);
	assert_int_equal(ox_evlog_recovery(log)->segments, 1);
	ox_evlog_close(log);
	assert_int_equal(access(tmp, F_OK), -1);
	for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, others[i]);
		assert_int_equal(access(path, F_OK), 0);
	}
}

static void test_locked(void **state)
{
	const char *dir = *state;
	struct seen s;
	struct ox_evlog *log = open_ok(dir, NULL, &s);
	char err[512];
	open_fails(dir, NULL, OX_EVLOG_ELOCKED, err, sizeof err);
	assert_non_null(strstr(err, "LOCK"));
	ox_evlog_close(log);
	ox_evlog_close(open_ok(dir, NULL, &s));
	ox_evlog_close(NULL);
}

static void test_replay_stops(void **state)
{
	const char *dir = *state;
	make_log(dir, NULL, 10, 10);
	struct ox_evlog *log = (struct ox_evlog *)1;
	struct seen s = { 0, 0, 0, 0, 5 };
	char err[512];
	assert_int_equal(ox_evlog_open(&log, dir, NULL, check_cb, &s, err, sizeof err),
			 OX_EVLOG_EREPLAY);
	assert_null(log);
	assert_int_equal(s.count, 4);
	assert_non_null(strstr(err, "seq 5"));
	open_fails(NULL, NULL, OX_EVLOG_EINVAL, err, sizeof err);
}

/* A segment's header bounds its records and its unsynced tail, so a writer
 * with larger limits starts a new segment; smaller limits keep appending. */
static void test_roll_when_limits_grow(void **state)
{
	const char *dir = *state;
	uint64_t b[16];
	const struct ox_evlog_opts small = { .record_max = 150, .buffer_max = 1000 };
	make_log(dir, &small, 3, 3);
	assert_int_equal(list_bases(dir, b, 16), 1);

	const struct ox_evlog_opts smaller = { .record_max = 150, .buffer_max = 500 };
	make_log(dir, &smaller, 4, 1);
	assert_int_equal(list_bases(dir, b, 16), 1);

	const struct ox_evlog_opts bigbuf = { .record_max = 150, .buffer_max = 2000 };
	struct seen s;
	ox_evlog_close(open_ok(dir, &bigbuf, &s));
	assert_int_equal(list_bases(dir, b, 16), 2);
	assert_int_equal(b[1], 5);
	/* The new segment is still empty: a larger record size replaces it. */
	const struct ox_evlog_opts bigrec = { .record_max = 160, .buffer_max = 2000 };
	make_log(dir, &bigrec, 6, 1);
	assert_int_equal(list_bases(dir, b, 16), 2);

	const struct ox_evlog_opts nosync = { .record_max = 160, .buffer_max = 2000,
					      .sync = OX_EVLOG_NOSYNC };
	make_log(dir, &nosync, 7, 1);
	assert_int_equal(list_bases(dir, b, 16), 3);
	assert_int_equal(b[2], 7);
	/* An unbounded tail bounds any writer. */
	make_log(dir, &bigrec, 8, 1);
	assert_int_equal(list_bases(dir, b, 16), 3);
	ox_evlog_close(open_ok(dir, &small, &s));
	assert_int_equal(s.count, 8);
}

/* A failed write (here: past RLIMIT_FSIZE) breaks the log; reopening cuts
 * the half-written commit and keeps everything before it. */
static void test_write_failure_breaks(void **state)
{
	const char *dir = *state;
	struct seen s;
	struct ox_evlog *log = open_ok(dir, NULL, &s);
	append_upto(log, 10, 10);
	char path[4096];
	seg_path(path, sizeof path, dir, 1);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);

	struct rlimit old, lim;
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
	lim = old;
	lim.rlim_cur = (rlim_t)st.st_size + 100; /* less than record 11 (124 bytes) */
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	char p[200];
	for (uint64_t q = 11; q <= 20; q++)
		assert_int_equal(ox_evlog_append(log, p, payload_for(q, p), NULL), 0);
	int rc = ox_evlog_commit(log);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, prev);
	assert_int_equal(rc, OX_EVLOG_EIO);
	assert_non_null(strstr(ox_evlog_errmsg(log), "write " SEG1));
	assert_int_equal(ox_evlog_durable_seq(log), 10);
	assert_int_equal(ox_evlog_append(log, "x", 1, NULL), OX_EVLOG_EBROKEN);
	assert_int_equal(ox_evlog_commit(log), OX_EVLOG_EBROKEN);
	ox_evlog_close(log);

	log = open_ok(dir, NULL, &s);
	assert_int_equal(s.count, 10);
	assert_int_equal(ox_evlog_recovery(log)->torn_bytes, 100);
	append_upto(log, 20, 10);
	ox_evlog_close(log);
	ox_evlog_close(open_ok(dir, NULL, &s));
	assert_int_equal(s.count, 20);
}

/* ---- random reads ------------------------------------------------------ */

/* Read seq into a buffer that already holds a prefix: the payload is
 * appended after it. */
static void read_ok(struct ox_evlog *log, uint64_t seq)
{
	char want[200];
	size_t n = payload_for(seq, want);
	struct ox_buf b;
	ox_buf_init(&b, 1 << 16);
	assert_int_equal(ox_buf_add(&b, "<", 1), 0);
	int rc = ox_evlog_read(log, seq, &b);
	if (rc != 0)
		fail_msg("read %llu: %d %s", (unsigned long long)seq, rc, ox_evlog_errmsg(log));
	assert_int_equal(b.len, 1 + n);
	assert_memory_equal(b.data, "<", 1);
	assert_memory_equal(b.data + 1, want, n);
	ox_buf_release(&b);
}

/* A read that fails with code and leaves out as it was. */
static void read_fails(struct ox_evlog *log, uint64_t seq, int code)
{
	struct ox_buf b;
	ox_buf_init(&b, 1 << 16);
	assert_int_equal(ox_buf_add(&b, "keep", 4), 0);
	int rc = ox_evlog_read(log, seq, &b);
	if (rc != code)
		fail_msg("read %llu: %d, want %d (%s)", (unsigned long long)seq, rc, code,
			 ox_evlog_errmsg(log));
	assert_int_equal(b.len, 4);
	assert_string_equal(b.data, "keep");
	ox_buf_release(&b);
}

/* Every seq in 1..n, in order and then in a scattered order (which also
 * cycles through more older segments than the log keeps open). */
static void read_all(struct ox_evlog *log, uint64_t n)
{
	for (uint64_t seq = 1; seq <= n; seq++)
		read_ok(log, seq);
	for (uint64_t i = 0; i < n; i++)
		read_ok(log, 1 + (i * 7919) % n);
}

/* Segments of ~180 records, so that reads go through several index entries
 * of a segment; commits of 1 to 1000 records, many crossing rollovers. */
static void test_read_segments(void **state)
{
	const char *dir = *state;
	const struct ox_evlog_opts o = { .segment_max = 16384 };
	struct seen s;
	struct ox_evlog *log = open_ok(dir, &o, &s);
	uint64_t seq = 0;
	for (size_t group = 1; group < 70; group += 3) {
		append_upto(log, seq + group, group);
		for (uint64_t q = seq + 1; q <= seq + group; q++)
			read_ok(log, q); /* right after its commit, maybe from the active segment */
		seq += group;
	}
	uint64_t bases[4096];
	size_t before = list_bases(dir, bases, 4096);
	append_upto(log, seq + 1000, 1000);
	seq += 1000;
	assert_true(list_bases(dir, bases, 4096) >= before + 3); /* one commit, several segments */
	for (int i = 0; i < 3; i++) {
		append_upto(log, seq + 700, 700);
		seq += 700;
	}
	read_all(log, seq);
	size_t nseg = list_bases(dir, bases, 4096);
	assert_true(nseg > 20);
	ox_evlog_close(log);

	/* Reopened, the index comes from the replay scan. */
	log = open_ok(dir, &o, &s);
	assert_int_equal(s.count, seq);
	read_all(log, seq);
	read_fails(log, seq + 1, OX_EVLOG_ENOTFOUND);
	append_upto(log, seq + 300, 150);
	seq += 300;
	read_all(log, seq);
	ox_evlog_close(log);

	/* A larger buffer starts a new segment at open: the old active one is
	 * read like any older one; a larger record size then replaces the new,
	 * still empty, segment under the same name. */
	const struct ox_evlog_opts bigbuf = { .segment_max = 16384, .buffer_max = 16u << 20 };
	ox_evlog_close(open_ok(dir, &bigbuf, &s));
	assert_int_equal(list_bases(dir, bases, 4096), nseg + 3);
	const struct ox_evlog_opts bigrec = { .segment_max = 16384, .buffer_max = 16u << 20,
					      .record_max = 2u << 20 };
	log = open_ok(dir, &bigrec, &s);
	assert_int_equal(list_bases(dir, bases, 4096), nseg + 3);
	read_all(log, seq);
	append_upto(log, seq + 200, 200);
	seq += 200;
	read_all(log, seq);
	ox_evlog_close(log);
}

/* Only durable records can be read. */
static void test_read_not_found(void **state)
{
	const char *dir = *state;
	const struct ox_evlog_opts o = { .segment_max = 4096 };
	struct seen s;
	struct ox_evlog *log = open_ok(dir, &o, &s);
	read_fails(log, 0, OX_EVLOG_ENOTFOUND);
	read_fails(log, 1, OX_EVLOG_ENOTFOUND);
	append_upto(log, 200, 50);
	char p[200];
	uint64_t seq = 0;
	assert_int_equal(ox_evlog_append(log, p, payload_for(201, p), &seq), 0);
	assert_int_equal(seq, 201);
	read_fails(log, 201, OX_EVLOG_ENOTFOUND); /* buffered, not yet durable */
	read_fails(log, 0, OX_EVLOG_ENOTFOUND);
	read_fails(log, UINT64_MAX, OX_EVLOG_ENOTFOUND);
	assert_non_null(strstr(ox_evlog_errmsg(log), "no durable record"));
	assert_int_equal(ox_evlog_commit(log), 0);
	read_ok(log, 201);
	read_fails(log, 202, OX_EVLOG_ENOTFOUND);
	assert_string_equal(ox_evlog_strerror(OX_EVLOG_ENOTFOUND), "no such record");

	/* A segment file that is gone. */
	uint64_t bases[64];
	size_t nseg = list_bases(dir, bases, 64);
	assert_true(nseg >= 3);
	char path[4096];
	seg_path(path, sizeof path, dir, bases[1]);
	assert_int_equal(unlink(path), 0);
	read_fails(log, bases[1], OX_EVLOG_ENOTFOUND);
	assert_non_null(strstr(ox_evlog_errmsg(log), "gone"));
	read_ok(log, bases[0]);
	read_ok(log, bases[2]);
	ox_evlog_close(log);

	/* Older segments removed (as retention will): the log starts later. */
	seg_path(path, sizeof path, dir, bases[0]);
	assert_int_equal(unlink(path), 0);
	log = open_ok(dir, &o, &s);
	assert_int_equal(s.first, bases[2]);
	read_fails(log, 1, OX_EVLOG_ENOTFOUND);
	read_fails(log, bases[2] - 1, OX_EVLOG_ENOTFOUND);
	read_ok(log, bases[2]);
	read_ok(log, 201);
	ox_evlog_close(log);
}

/* Bytes on disk that are not the record asked for: an error, never wrong
 * data; the other records still read. */
static void test_read_corrupt(void **state)
{
	const char *dir = *state;
	const struct ox_evlog_opts o = { .segment_max = 16384 };
	struct seen s;
	struct ox_evlog *log = open_ok(dir, &o, &s);
	append_upto(log, 600, 100);
	uint64_t bases[64];
	size_t nseg = list_bases(dir, bases, 64);
	assert_true(nseg >= 3);
	char path[4096];
	size_t size, offs[4096];

	/* A payload byte of record 70 (reached by hops from record 65). */
	seg_path(path, sizeof path, dir, 1);
	unsigned char *orig = read_file(path, &size);
	size_t nrec = record_offsets(orig, size, offs, 4096);
	assert_true(nrec > 130);
	flip_bit(path, offs[69] + REC + 3, 2);
	read_fails(log, 70, OX_EVLOG_ECORRUPT);
	assert_non_null(strstr(ox_evlog_errmsg(log), "bad crc"));
	read_ok(log, 69);
	read_ok(log, 71);
	read_ok(log, 128);

	/* The seq of record 100: reads hopping over it fail too. */
	write_file(path, orig, size);
	read_ok(log, 70);
	set_seq(path, offs[99], 5);
	read_fails(log, 100, OX_EVLOG_ECORRUPT);
	read_fails(log, 120, OX_EVLOG_ECORRUPT);
	assert_non_null(strstr(ox_evlog_errmsg(log), "no record 100"));
	read_ok(log, 99);
	read_ok(log, 129); /* from the next index entry */

	/* A file cut short under the log: the read comes up short. */
	write_file(path, orig, offs[nrec - 1] + REC + 1);
	read_fails(log, nrec, OX_EVLOG_EIO);
	read_ok(log, nrec - 1);
	write_file(path, orig, size);
	read_ok(log, nrec);
	free(orig);

	/* The active segment, read through the writer's descriptor. */
	seg_path(path, sizeof path, dir, bases[nseg - 1]);
	orig = read_file(path, &size);
	flip_bit(path, size - 1, 0); /* the last byte of record 600 */
	read_fails(log, 600, OX_EVLOG_ECORRUPT);
	write_file(path, orig, size);
	read_ok(log, 600);
	free(orig);
	ox_evlog_close(log);
}

static void test_read_too_big(void **state)
{
	const char *dir = *state;
	struct seen s;
	struct ox_evlog *log = open_ok(dir, NULL, &s);
	char p[5000], want[200];
	memset(p, 'q', sizeof p);
	append_upto(log, 3, 3);
	assert_int_equal(ox_evlog_append(log, p, sizeof p, NULL), 0); /* 4: over the stack buffer */
	assert_int_equal(ox_evlog_commit(log), 0);
	size_t n = payload_for(2, want);

	struct ox_buf b;
	ox_buf_init(&b, n - 1);
	assert_int_equal(ox_evlog_read(log, 2, &b), OX_EVLOG_ETOOBIG);
	assert_int_equal(b.len, 0);
	ox_buf_release(&b);
	/* What is in out already counts. */
	ox_buf_init(&b, n + 2);
	assert_int_equal(ox_buf_add(&b, "abc", 3), 0);
	assert_int_equal(ox_evlog_read(log, 2, &b), OX_EVLOG_ETOOBIG);
	assert_int_equal(b.len, 3);
	assert_string_equal(b.data, "abc");
	b.len = 2;
	assert_int_equal(ox_evlog_read(log, 2, &b), 0); /* exactly max */
	assert_int_equal(b.len, n + 2);
	assert_memory_equal(b.data + 2, want, n);
	ox_buf_release(&b);

	ox_buf_init(&b, sizeof p);
	assert_int_equal(ox_evlog_read(log, 4, &b), 0);
	assert_int_equal(b.len, sizeof p);
	assert_memory_equal(b.data, p, sizeof p);
	ox_buf_reset(&b);
	assert_int_equal(ox_buf_add(&b, "x", 1), 0);
	assert_int_equal(ox_evlog_read(log, 4, &b), OX_EVLOG_ETOOBIG);
	assert_string_equal(b.data, "x");
	ox_buf_release(&b);
	ox_evlog_close(log);
}

/* ---- zeros written ahead (prealloc) --------------------------------------- */

/* The end of the last byte that is not zero. */
static size_t written_end(const unsigned char *b, size_t size)
{
	while (size > 0 && b[size - 1] == 0)
		size--;
	return size;
}

/* The bytes of every segment file in dir. */
static uint64_t dir_bytes(const char *dir)
{
	uint64_t b[4096], sum = 0;
	size_t n = list_bases(dir, b, 4096);
	for (size_t i = 0; i < n; i++) {
		char path[4096];
		struct stat st;
		seg_path(path, sizeof path, dir, b[i]);
		assert_int_equal(stat(path, &st), 0);
		sum += (uint64_t)st.st_size;
	}
	return sum;
}

/* Commits write zeros ahead of the active segment's records; a segment
 * that is rolled over ends at its last record; reopening reads the zeros
 * as unwritten space (nothing torn) and the log goes on; the bytes on disk
 * are counted with the zeros. */
static void test_write_ahead(void **state)
{
	const char *dir = *state;
	/* zeros up to segment_max: every segment is full length until rolled */
	const struct ox_evlog_opts o = { .segment_max = 4096, .prealloc = 4096 };
	struct seen s;
	struct ox_evlog *log = open_ok(dir, &o, &s);
	append_upto(log, 3, 3);
	char path[4096];
	size_t size;
	seg_path(path, sizeof path, dir, 1);
	unsigned char *bytes = read_file(path, &size);
	assert_int_equal(size, 4096); /* written with the header */
	assert_true(written_end(bytes, size) <= HDR + 3 * (REC + 150));
	free(bytes);
	append_upto(log, 300, 3);
	assert_int_equal(ox_evlog_disk_bytes(log), dir_bytes(dir));
	ox_evlog_close(log);
	uint64_t b[64];
	size_t n = list_bases(dir, b, 64);
	assert_true(n >= 3);
	for (size_t i = 0; i < n; i++) {
		seg_path(path, sizeof path, dir, b[i]);
		bytes = read_file(path, &size);
		assert_true(size <= 4096);
		if (i + 1 < n) /* rolled over: no zeros after the last record */
			assert_int_equal(written_end(bytes, size), size);
		free(bytes);
	}
	log = open_ok(dir, &o, &s);
	assert_int_equal(s.count, 300);
	assert_int_equal(ox_evlog_recovery(log)->torn_bytes, 0);
	assert_null(ox_evlog_recovery(log)->torn_reason);
	assert_int_equal(ox_evlog_disk_bytes(log), dir_bytes(dir));
	append_upto(log, 400, 7);
	assert_int_equal(ox_evlog_disk_bytes(log), dir_bytes(dir));
	ox_evlog_close(log);
	log = open_ok(dir, &o, &s);
	assert_int_equal(s.count, 400);
	ox_evlog_close(log);
}

/* In a large segment, small commits renew the zeros ahead as they use
 * them up; a large commit writes none. */
static void test_write_ahead_renewed(void **state)
{
	const char *dir = *state;
	const struct ox_evlog_opts o = { .segment_max = 1 << 20, .prealloc = 4096 };
	struct seen s;
	struct ox_evlog *log = open_ok(dir, &o, &s);
	char path[4096];
	seg_path(path, sizeof path, dir, 1);
	append_upto(log, 300, 1); /* commits of one record, at most 166 bytes */
	size_t size;
	unsigned char *bytes = read_file(path, &size);
	size_t end = written_end(bytes, size);
	free(bytes);
	assert_true(end > HDR + 4096); /* past the zeros written with the header */
	assert_true(size >= end + 2048 && size <= end + 4096);
	assert_int_equal(ox_evlog_disk_bytes(log), dir_bytes(dir));
	/* one commit of 100 records (over 4096 / 32 bytes): no zeros after it */
	append_upto(log, 400, 100);
	bytes = read_file(path, &size);
	assert_true(written_end(bytes, size) + 2048 > size);
	free(bytes);
	ox_evlog_close(log);
	log = open_ok(dir, &o, &s);
	assert_int_equal(s.count, 400);
	assert_null(ox_evlog_recovery(log)->torn_reason);
	ox_evlog_close(log);
}

/* A commit torn inside the zeros ahead is cut like any torn tail; a byte
 * that is not zero further than one commit after the last record is
 * damage, however many zeros lie between. */
static void test_write_ahead_torn(void **state)
{
	const char *dir = *state;
	const struct ox_evlog_opts o = { .record_max = 300, .buffer_max = 1024, .prealloc = 8192 };
	make_log(dir, &o, 20, 4);
	char path[4096];
	seg_path(path, sizeof path, dir, 1);
	size_t size;
	unsigned char *orig = read_file(path, &size);
	size_t end = written_end(orig, size);
	assert_true(end + 4096 <= size);
	/* Half of a record whose CRC does not match, then zeros. */
	unsigned char *torn = malloc(size);
	memcpy(torn, orig, size);
	memcpy(torn + end, orig + HDR, 60);
	torn[end + 8] ^= 0x40; /* its seq: a wrong one */
	write_file(path, torn, size);
	struct seen s;
	struct ox_evlog *log = open_ok(dir, &o, &s);
	assert_int_equal(s.count, 20);
	const struct ox_evlog_recovery *r = ox_evlog_recovery(log);
	assert_non_null(r->torn_reason);
	assert_int_equal(r->torn_offset, end);
	assert_int_equal(r->torn_bytes, size - end);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, end);
	append_upto(log, 30, 5);
	ox_evlog_close(log);
	log = open_ok(dir, &o, &s);
	assert_int_equal(s.count, 30);
	ox_evlog_close(log);

	/* Back to the first 20 records and their zeros, with one byte set
	 * 2000 bytes on: more than a commit (1024) can leave unsynced. */
	memcpy(torn, orig, size);
	torn[end + 2000] = 1;
	write_file(path, torn, size);
	remove_after(dir, 1);
	char err[512];
	open_fails(dir, &o, OX_EVLOG_ECORRUPT, err, sizeof err);
	assert_non_null(strstr(err, "more than one commit"));
	/* 1000 bytes on, within one commit: a torn tail. */
	torn[end + 2000] = 0;
	torn[end + 1000] = 1;
	write_file(path, torn, size);
	log = open_ok(dir, &o, &s);
	assert_int_equal(s.count, 20);
	assert_int_equal(ox_evlog_recovery(log)->torn_offset, end);
	ox_evlog_close(log);
	free(torn);
	free(orig);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32c),
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_dir, teardown_dir)
		T(test_round_trip_segments),
		T(test_reopen_continues),
		T(test_close_drops_uncommitted),
		T(test_nosync),
		T(test_limits),
		T(test_big_record_own_segment),
		T(test_torn_tail_every_offset),
		T(test_torn_tail_only_record),
		T(test_bitflip_last_record),
		T(test_bad_length_tail),
		T(test_large_records),
		T(test_bitflip_earlier_segment),
		T(test_bitflip_deep_in_last_segment),
		T(test_missing_header),
		T(test_noncontiguous_seq),
		T(test_unrelated_files),
		T(test_locked),
		T(test_replay_stops),
		T(test_roll_when_limits_grow),
		T(test_write_failure_breaks),
		T(test_read_segments),
		T(test_read_not_found),
		T(test_read_corrupt),
		T(test_read_too_big),
		T(test_write_ahead),
		T(test_write_ahead_renewed),
		T(test_write_ahead_torn),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_snap.c - snapshot files: fields round trip; a damaged, truncated,
 * foreign or misnamed file is refused at open; the reader's limits hold;
 * the id set and the uses index come back slot for slot, a copy in
 * progress included. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "idset.h"
#include "snap.h"
#include "uses.h"

static char dir[256];

static int setup(void **state)
{
	(void)state;
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof dir, "%s/ordex-test-snap-XXXXXX", tmp ? tmp : "/tmp");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	ox_snap_prune(dir, UINT64_MAX);
	return rmdir(dir);
}

static void path_of(char out[512], uint64_t seq)
{
	snprintf(out, 512, "%s/%020llu.snap", dir, (unsigned long long)seq);
}

static void write_sample(uint64_t seq)
{
	struct ox_snap_w w;
	char err[OX_SNAP_ERRSZ];
	unsigned char buf[64]; /* small: the body crosses many buffer drains */
	assert_int_equal(ox_snap_w_open(&w, dir, seq, buf, sizeof buf, err, sizeof err), 0);
	ox_snap_tag(&w, "TST1");
	ox_snap_u8(&w, 0xAB);
	ox_snap_u32(&w, 0xDEADBEEF);
	ox_snap_u64(&w, UINT64_MAX - 1);
	ox_snap_i64(&w, -42);
	ox_snap_str(&w, "订单 C00000042");
	ox_snap_str(&w, NULL);
	ox_snap_str(&w, "");
	ox_snap_u64(&w, 3); /* a count */
	for (int i = 0; i < 200; i++)
		ox_snap_u32(&w, (uint32_t)i * 7);
	assert_int_equal(ox_snap_w_commit(&w, err, sizeof err), 0);
}

static void test_round_trip(void **state)
{
	(void)state;
	write_sample(7);
	struct ox_snap_r r;
	char err[OX_SNAP_ERRSZ];
	assert_int_equal(ox_snap_r_open(&r, dir, 7, err, sizeof err), 0);
	ox_snap_expect(&r, "TST1");
	assert_int_equal(ox_snap_get_u8(&r), 0xAB);
	assert_int_equal(ox_snap_get_u32(&r), 0xDEADBEEF);
	assert_true(ox_snap_get_u64(&r) == UINT64_MAX - 1);
	assert_true(ox_snap_get_i64(&r) == -42);
	size_t len;
	char *s = ox_snap_get_str(&r, 100, &len);
	assert_string_equal(s, "订单 C00000042");
	assert_int_equal(len, strlen(s));
	free(s);
	assert_null(ox_snap_get_str(&r, 100, NULL));
	s = ox_snap_get_str(&r, 100, &len);
	assert_string_equal(s, "");
	free(s);
	assert_int_equal(ox_snap_get_count(&r, 4), 3);
	for (int i = 0; i < 200; i++)
		assert_int_equal(ox_snap_get_u32(&r), (uint32_t)i * 7);
	assert_true(ox_snap_r_done(&r));
	/* past the end: bad, with the place, and zeroes from then on */
	assert_int_equal(ox_snap_get_u32(&r), 0);
	assert_false(ox_snap_r_ok(&r));
	assert_non_null(strstr(r.why, "truncated"));
	ox_snap_r_close(&r);
}

static void test_reader_limits(void **state)
{
	(void)state;
	write_sample(8);
	struct ox_snap_r r;
	char err[OX_SNAP_ERRSZ];
	assert_int_equal(ox_snap_r_open(&r, dir, 8, err, sizeof err), 0);
	ox_snap_expect(&r, "XXXX"); /* out of step: stops at the tag */
	assert_false(ox_snap_r_ok(&r));
	assert_non_null(strstr(r.why, "section XXXX expected"));
	ox_snap_r_close(&r);

	assert_int_equal(ox_snap_r_open(&r, dir, 8, err, sizeof err), 0);
	ox_snap_expect(&r, "TST1");
	ox_snap_get_u8(&r);
	ox_snap_get_u32(&r);
	ox_snap_get_u64(&r);
	ox_snap_get_i64(&r);
	assert_null(ox_snap_get_str(&r, 5, NULL)); /* longer than its limit */
	assert_false(ox_snap_r_ok(&r));
	ox_snap_r_close(&r);

	assert_int_equal(ox_snap_r_open(&r, dir, 8, err, sizeof err), 0);
	ox_snap_expect(&r, "TST1");
	ox_snap_get_u8(&r);
	ox_snap_get_u32(&r);
	ox_snap_get_u64(&r); /* UINT64_MAX - 1, read as a count of 8-byte items: */
	ox_snap_r_close(&r);
	assert_int_equal(ox_snap_r_open(&r, dir, 8, err, sizeof err), 0);
	ox_snap_expect(&r, "TST1");
	ox_snap_get_u8(&r);
	ox_snap_get_u32(&r);
	assert_int_equal(ox_snap_get_count(&r, 8), 0); /* more than the file holds */
	assert_false(ox_snap_r_ok(&r));
	ox_snap_r_close(&r);
}

/* Rewrite the file through f, then try to open it. */
static int open_damaged(uint64_t seq, void (*f)(unsigned char *d, size_t *n), char err[OX_SNAP_ERRSZ])
{
	char p[512];
	path_of(p, seq);
	FILE *in = fopen(p, "rb");
	assert_non_null(in);
	unsigned char d[4096];
	size_t n = fread(d, 1, sizeof d, in);
	fclose(in);
	f(d, &n);
	FILE *out = fopen(p, "wb");
	assert_non_null(out);
	assert_int_equal(fwrite(d, 1, n, out), n);
	fclose(out);
	struct ox_snap_r r;
	int rc = ox_snap_r_open(&r, dir, seq, err, OX_SNAP_ERRSZ);
	if (rc == 0)
		ox_snap_r_close(&r);
	return rc;
}

static void flip_body(unsigned char *d, size_t *n) { d[*n / 2] ^= 0x10; }
static void cut_tail(unsigned char *d, size_t *n) { (void)d; *n -= 5; }
static void other_version(unsigned char *d, size_t *n) { (void)n; d[8] = 9; }
static void other_seq(unsigned char *d, size_t *n) { (void)n; d[12] ^= 1; }
static void not_magic(unsigned char *d, size_t *n) { (void)n; d[0] = 'X'; }

static void test_damage_refused(void **state)
{
	(void)state;
	const struct {
		void (*f)(unsigned char *d, size_t *n);
		const char *why;
	} cases[] = {
		{ flip_body, "bad crc" },
		{ cut_tail, "truncated" },
		{ other_version, "another version" },
		{ other_seq, "not its name" },
		{ not_magic, "not a snapshot" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		write_sample(20 + i);
		char err[OX_SNAP_ERRSZ];
		assert_int_equal(open_damaged(20 + i, cases[i].f, err), -1);
		assert_non_null(strstr(err, cases[i].why));
	}
}

static void test_list_and_prune(void **state)
{
	(void)state;
	ox_snap_prune(dir, UINT64_MAX);
	write_sample(100);
	write_sample(300);
	write_sample(200);
	/* an interrupted write and an unrelated file */
	char p[512];
	snprintf(p, sizeof p, "%s/%020d.snap.tmp", dir, 400);
	FILE *f = fopen(p, "w");
	fclose(f);
	snprintf(p, sizeof p, "%s/notes.txt", dir);
	f = fopen(p, "w");
	fclose(f);
	uint64_t seqs[8];
	assert_int_equal(ox_snap_list(dir, seqs, 8), 3);
	assert_true(seqs[0] == 300 && seqs[1] == 200 && seqs[2] == 100);
	snprintf(p, sizeof p, "%s/%020d.snap.tmp", dir, 400);
	assert_int_not_equal(access(p, F_OK), 0); /* removed by the listing */
	ox_snap_prune(dir, 200);
	assert_int_equal(ox_snap_list(dir, seqs, 8), 2);
	assert_true(seqs[0] == 300 && seqs[1] == 200);
	snprintf(p, sizeof p, "%s/notes.txt", dir);
	assert_int_equal(unlink(p), 0);
	ox_snap_prune(dir, UINT64_MAX);
}

/* The id set and the uses index, saved in the middle of a grow and of a
 * rebuild, answer every lookup as before, and go on the same. */
static void test_tables_slot_for_slot(void **state)
{
	(void)state;
	struct ox_idset ids;
	struct ox_uses uses;
	ox_idset_init(&ids);
	ox_uses_init(&uses);
	char b[32];
	/* thousands of ids, stopped just after a grow: its copy is in progress */
	unsigned long n = 0;
	while (n < 2000 || !ids.old || ids.migrated < 64) {
		ox_idset_add(&ids, b, (size_t)snprintf(b, sizeof b, "ev-%lu", n));
		n++;
	}
	assert_non_null(ids.old);
	/* past the rebuild after 65,536 inserts, stopped inside its copy */
	size_t k;
	unsigned long u = 0;
	for (; u < 66000 || !uses.old || uses.migrated < 128; u++)
		ox_uses_add(&uses, u % 5000 + 1, (struct ox_use){ (ox_time)u, (uint32_t)u, (uint32_t)u }, (ox_time)u - 30000,
			    &k);
	assert_non_null(uses.old);

	struct ox_snap_w w;
	char err[OX_SNAP_ERRSZ];
	assert_int_equal(ox_snap_w_open(&w, dir, 9, NULL, 0, err, sizeof err), 0);
	ox_idset_save(&ids, &w);
	ox_uses_save(&uses, &w);
	assert_int_equal(ox_snap_w_commit(&w, err, sizeof err), 0);
	struct ox_snap_r r;
	struct ox_idset ids2;
	struct ox_uses uses2;
	ox_idset_init(&ids2);
	ox_uses_init(&uses2);
	assert_int_equal(ox_snap_r_open(&r, dir, 9, err, sizeof err), 0);
	if (ox_idset_load(&ids2, &r, 0) < 0)
		fail_msg("%s", r.why);
	assert_int_equal(ox_uses_load(&uses2, &r), 0);
	assert_true(ox_snap_r_done(&r));
	ox_snap_r_close(&r);

	assert_int_equal(ids2.count, ids.count);
	assert_int_equal(ids2.migrated, ids.migrated);
	for (unsigned long i = 0; i < 2 * n; i++) {
		size_t len = (size_t)snprintf(b, sizeof b, "ev-%lu", i);
		assert_int_equal(ox_idset_has(&ids2, b, len), i < n);
	}
	for (uint64_t key = 1; key <= 5001; key++) {
		size_t n1, n2;
		const struct ox_use *a = ox_uses_get(&uses, key, &n1);
		const struct ox_use *c = ox_uses_get(&uses2, key, &n2);
		assert_int_equal(n1, n2);
		if (n1)
			assert_memory_equal(a, c, n1 * sizeof *a);
	}
	/* both go on alike: the same adds give the same answers */
	for (unsigned long i = u; i < u + 10000; i++) {
		size_t n1, n2;
		struct ox_use use = { (ox_time)i, (uint32_t)i, (uint32_t)i };
		const struct ox_use *a = ox_uses_add(&uses, i % 6000 + 1, use, (ox_time)i - 30000, &n1);
		const struct ox_use *c = ox_uses_add(&uses2, i % 6000 + 1, use, (ox_time)i - 30000, &n2);
		assert_int_equal(n1, n2);
		assert_memory_equal(a, c, n1 * sizeof *a);
		size_t len = (size_t)snprintf(b, sizeof b, "ev-%lu", i);
		assert_int_equal(ox_idset_add(&ids, b, len), ox_idset_add(&ids2, b, len));
	}
	ox_idset_release(&ids);
	ox_idset_release(&ids2);
	ox_uses_release(&uses);
	ox_uses_release(&uses2);
	ox_snap_prune(dir, UINT64_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_reader_limits),
		cmocka_unit_test(test_damage_refused),
		cmocka_unit_test(test_list_and_prune),
		cmocka_unit_test(test_tables_slot_for_slot),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

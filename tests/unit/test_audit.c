/* test_audit.c - the hash-chained audit log (src/audit.c): appends, the
 * idempotency key, the hash format, tampering of every kind found by
 * verify (edited column, deleted middle entry, reordered entries, a foreign
 * entry, a cut tail through the head), several connections, threads and
 * processes appending to one chain, and the query with its validation. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "audit.h"

struct fx {
	char dir[256], path[300];
	struct ox_audit *au;
	int64_t clock;
};

static int64_t fixed_clock(void *ctx)
{
	struct fx *f = ctx;
	return f->clock;
}

static void rm_db(const char *path)
{
	const char *sfx[] = { "", "-wal", "-shm" };
	for (size_t i = 0; i < 3; i++) {
		char p[320];
		snprintf(p, sizeof p, "%s%s", path, sfx[i]);
		unlink(p);
	}
}

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	const char *tmp = getenv("TMPDIR");
	snprintf(f->dir, sizeof f->dir, "%s/ordex-audit-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof f->path, "%s/audit.db", f->dir);
	char err[256];
	if (ox_audit_open(&f->au, f->path, err, sizeof err)) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	f->clock = 1762790400000; /* 2025-11-11T00:00:00+08:00 */
	ox_audit_set_clock(f->au, fixed_clock, f);
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;
	ox_audit_close(f->au);
	rm_db(f->path);
	char other[320];
	snprintf(other, sizeof other, "%s/other.db", f->dir);
	rm_db(other);
	rmdir(f->dir);
	free(f);
	return 0;
}

static int64_t append(struct ox_audit *au, const char *actor, const char *action, const char *target,
		      const char *detail)
{
	struct ox_audit_entry e = { .actor = actor, .action = action, .target = target, .detail = detail };
	int64_t id = -1;
	int rc = ox_audit_append(au, &e, &id);
	if (rc)
		fprintf(stderr, "append: %s\n", ox_audit_errmsg(au));
	assert_int_equal(rc, 0);
	return id;
}

/* Five entries with fixed times. */
static void five(struct fx *f)
{
	static const char *const actions[] = { "user.create", "case.transition", "case.note", "token.create",
					       "case.assign" };
	for (int i = 0; i < 5; i++) {
		f->clock += 1000;
		char detail[64], target[32];
		snprintf(detail, sizeof detail, "{\"n\":%d,\"who\":\"张三\"}", i + 1);
		snprintf(target, sizeof target, "C%08d", i + 1);
		assert_int_equal(append(f->au, i % 2 ? "lihua" : "cli:root", actions[i], target, detail), i + 1);
	}
}

/* Run SQL on the file behind ordex's back (triggers dropped first). */
static void tamper(struct fx *f, const char *sql)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	char *msg = NULL;
	int rc = sqlite3_exec(db, "DROP TRIGGER IF EXISTS audit_no_update; DROP TRIGGER IF EXISTS audit_no_delete;"
				  "DROP TRIGGER IF EXISTS audit_head_no_delete;",
			      NULL, NULL, &msg);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		fprintf(stderr, "tamper: %s\n", msg);
	sqlite3_free(msg);
	sqlite3_close(db);
	assert_int_equal(rc, SQLITE_OK);
}

static void expect_broken(struct fx *f, int64_t bad_id, const char *reason_part)
{
	struct ox_audit_report r;
	int rc = ox_audit_verify(f->au, &r);
	if (rc != OX_AUDIT_ECHAIN || r.bad_id != bad_id || !strstr(r.reason, reason_part))
		fprintf(stderr, "verify: rc %d, bad %" PRId64 ", reason \"%s\"\n", rc, r.bad_id, r.reason);
	assert_int_equal(rc, OX_AUDIT_ECHAIN);
	assert_int_equal(r.bad_id, bad_id);
	assert_non_null(strstr(r.reason, reason_part));
	assert_non_null(strstr(ox_audit_errmsg(f->au), reason_part));
}

static void expect_intact(struct ox_audit *au, int64_t count)
{
	struct ox_audit_report r;
	int rc = ox_audit_verify(au, &r);
	if (rc)
		fprintf(stderr, "verify: %s\n", ox_audit_errmsg(au));
	assert_int_equal(rc, 0);
	assert_int_equal(r.count, count);
	assert_int_equal(r.head_id, count);
	assert_int_equal(r.bad_id, 0);
	assert_int_equal(strlen(r.head_hash), count ? 64 : 0);
}

/* ---- append and the chain ------------------------------------------------------------------ */

static void test_append_and_head(void **state)
{
	struct fx *f = *state;
	int64_t id;
	char hash[OX_AUDIT_HASH_HEX];
	assert_int_equal(ox_audit_head(f->au, &id, hash), 0);
	assert_int_equal(id, 0);
	assert_string_equal(hash, "");
	expect_intact(f->au, 0);
	five(f);
	assert_int_equal(ox_audit_head(f->au, &id, hash), 0);
	assert_int_equal(id, 5);
	assert_int_equal(strlen(hash), 64);
	expect_intact(f->au, 5);
	/* NULL target and detail are "" and "{}"; an explicit at is kept */
	struct ox_audit_entry e = { .at = 1234, .actor = "system", .action = "login.failed" };
	assert_int_equal(ox_audit_append(f->au, &e, NULL), 0);
	sqlite3 *db;
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT at, target, detail, idem FROM audit WHERE id = 6", -1, &q, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int64(q, 0), 1234);
	assert_string_equal((const char *)sqlite3_column_text(q, 1), "");
	assert_string_equal((const char *)sqlite3_column_text(q, 2), "{}");
	assert_int_equal(sqlite3_column_type(q, 3), SQLITE_NULL);
	sqlite3_finalize(q);
	/* the triggers refuse changes made through SQL */
	assert_int_not_equal(sqlite3_exec(db, "UPDATE audit SET actor = 'x' WHERE id = 1", NULL, NULL, NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "DELETE FROM audit WHERE id = 6", NULL, NULL, NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "DELETE FROM audit_head", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	expect_intact(f->au, 6);
}

static void put_u64(crypto_hash_sha256_state *st, uint64_t v)
{
	unsigned char b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (56 - 8 * i));
	crypto_hash_sha256_update(st, b, 8);
}

static void put_str(crypto_hash_sha256_state *st, const char *s)
{
	put_u64(st, strlen(s));
	crypto_hash_sha256_update(st, (const unsigned char *)s, strlen(s));
}

/* The documented encoding, computed here independently of audit.c. */
static void test_hash_format(void **state)
{
	struct fx *f = *state;
	struct ox_audit_entry e = { .at = 1762790400123, .actor = "李华", .action = "case.note",
				    .target = "C00000042", .detail = "{\"note\":\"已联系客户\"}", .idem = "k1" };
	assert_int_equal(ox_audit_append(f->au, &e, NULL), 0);
	unsigned char h[32];
	char hex[65], prev[65];
	memset(prev, '0', 64);
	prev[64] = '\0';
	crypto_hash_sha256_state st;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)"ordex.audit.v1", 14);
	crypto_hash_sha256_update(&st, (const unsigned char *)prev, 64);
	put_u64(&st, 1);
	put_u64(&st, (uint64_t)e.at);
	put_str(&st, e.actor);
	put_str(&st, e.action);
	put_str(&st, e.target);
	put_str(&st, e.detail);
	unsigned char one = 1;
	crypto_hash_sha256_update(&st, &one, 1);
	put_str(&st, e.idem);
	crypto_hash_sha256_final(&st, h);
	sodium_bin2hex(hex, sizeof hex, h, sizeof h);
	int64_t id;
	char head[OX_AUDIT_HASH_HEX];
	assert_int_equal(ox_audit_head(f->au, &id, head), 0);
	assert_string_equal(head, hex);

	/* the second entry's prev is the first's hash; without idem a 0 byte */
	struct ox_audit_entry e2 = { .at = 5, .actor = "a", .action = "b", .target = "", .detail = "{}" };
	assert_int_equal(ox_audit_append(f->au, &e2, NULL), 0);
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)"ordex.audit.v1", 14);
	crypto_hash_sha256_update(&st, (const unsigned char *)hex, 64);
	put_u64(&st, 2);
	put_u64(&st, 5);
	put_str(&st, "a");
	put_str(&st, "b");
	put_str(&st, "");
	put_str(&st, "{}");
	unsigned char zero = 0;
	crypto_hash_sha256_update(&st, &zero, 1);
	crypto_hash_sha256_final(&st, h);
	sodium_bin2hex(hex, sizeof hex, h, sizeof h);
	assert_int_equal(ox_audit_head(f->au, &id, head), 0);
	assert_int_equal(id, 2);
	assert_string_equal(head, hex);
}

static void test_idem(void **state)
{
	struct fx *f = *state;
	struct ox_audit_entry e = { .actor = "system", .action = "case.transition", .target = "C00000001",
				    .detail = "{\"to\":\"ack\"}", .idem = "case:C00000001:tl:3" };
	int64_t a, b, c;
	assert_int_equal(ox_audit_append(f->au, &e, &a), 0);
	append(f->au, "lihua", "case.note", "C00000001", "{}");
	/* a replay: same key, even with other columns, is a no-op */
	f->clock += 60000;
	e.detail = "{\"to\":\"resolved\"}";
	assert_int_equal(ox_audit_append(f->au, &e, &b), 0);
	assert_int_equal(b, a);
	e.idem = "case:C00000001:tl:4";
	assert_int_equal(ox_audit_append(f->au, &e, &c), 0);
	assert_int_equal(c, 3);
	expect_intact(f->au, 3);
}

static void test_invalid_entries(void **state)
{
	struct fx *f = *state;
	char big[OX_AUDIT_DETAIL_MAX + 16], longz[OX_AUDIT_TARGET_MAX + 2];
	memset(big, ' ', sizeof big);
	memcpy(big, "{}", 2);
	big[sizeof big - 1] = '\0';
	memset(longz, 'x', sizeof longz);
	longz[sizeof longz - 1] = '\0';
	const struct {
		struct ox_audit_entry e;
		const char *msg;
	} cases[] = {
		{ { .actor = NULL, .action = "a" }, "actor: expected 1..128 bytes" },
		{ { .actor = "", .action = "a" }, "actor: expected" },
		{ { .actor = "li\nhua", .action = "a" }, "actor: expected" },
		{ { .actor = "li\xffhua", .action = "a" }, "actor: expected" },
		{ { .actor = "a", .action = NULL }, "action: expected dotted words" },
		{ { .actor = "a", .action = "Case.Note" }, "action: expected dotted words" },
		{ { .actor = "a", .action = "case..note" }, "action:" },
		{ { .actor = "a", .action = ".case" }, "action:" },
		{ { .actor = "a", .action = "case." }, "action:" },
		{ { .actor = "a", .action = "case note" }, "action:" },
		{ { .actor = "a", .action = "a", .target = longz }, "target: expected at most 256 bytes" },
		{ { .actor = "a", .action = "a", .target = "C1\t" }, "target:" },
		{ { .actor = "a", .action = "a", .detail = "" }, "detail: not JSON" },
		{ { .actor = "a", .action = "a", .detail = "{\"a\":}" }, "detail: not JSON" },
		{ { .actor = "a", .action = "a", .detail = "[1,2]" }, "detail: expected a JSON object" },
		{ { .actor = "a", .action = "a", .detail = "\"x\"" }, "detail: expected a JSON object" },
		{ { .actor = "a", .action = "a", .detail = "{} {}" }, "detail: not JSON" },
		{ { .actor = "a", .action = "a", .detail = big }, "detail: 65551 bytes, more than 65536" },
		{ { .actor = "a", .action = "a", .idem = "" }, "idem: expected 1..128 bytes" },
	};
	for (size_t i = 0; i < OX_ARRAY_LEN(cases); i++) {
		int64_t id = 77;
		int rc = ox_audit_append(f->au, &cases[i].e, &id);
		if (rc != OX_AUDIT_EINVAL || !strstr(ox_audit_errmsg(f->au), cases[i].msg))
			fprintf(stderr, "case %zu: rc %d, \"%s\"\n", i, rc, ox_audit_errmsg(f->au));
		assert_int_equal(rc, OX_AUDIT_EINVAL);
		assert_non_null(strstr(ox_audit_errmsg(f->au), cases[i].msg));
		assert_int_equal(id, 77);
	}
	expect_intact(f->au, 0);
	/* the limits themselves are fine */
	longz[OX_AUDIT_TARGET_MAX] = '\0';
	append(f->au, "a", "a.b_c.d9", longz, "{\"k\":[1,{\"x\":null}]}");
	assert_string_equal(ox_audit_strerror(OX_AUDIT_ECHAIN), "audit chain broken");
	assert_string_equal(ox_audit_strerror(42), "unknown error");
}

/* ---- tampering -------------------------------------------------------------------------------- */

static void test_edit_detected(void **state)
{
	struct fx *f = *state;
	five(f);
	tamper(f, "UPDATE audit SET detail = '{\"n\":3,\"who\":\"李四\"}' WHERE id = 3");
	expect_broken(f, 3, "hash mismatch");
}

static void test_edit_actor_detected(void **state)
{
	struct fx *f = *state;
	five(f);
	tamper(f, "UPDATE audit SET actor = 'admin' WHERE id = 2");
	expect_broken(f, 2, "hash mismatch");
}

static void test_edit_at_detected(void **state)
{
	struct fx *f = *state;
	five(f);
	tamper(f, "UPDATE audit SET at = at - 1 WHERE id = 5");
	expect_broken(f, 5, "hash mismatch");
}

static void test_edit_idem_and_target_detected(void **state)
{
	struct fx *f = *state;
	five(f);
	tamper(f, "UPDATE audit SET idem = 'x' WHERE id = 4");
	expect_broken(f, 4, "hash mismatch");
	tamper(f, "UPDATE audit SET idem = NULL, target = 'C99' WHERE id = 4");
	expect_broken(f, 4, "hash mismatch");
}

static void test_delete_middle_detected(void **state)
{
	struct fx *f = *state;
	five(f);
	tamper(f, "DELETE FROM audit WHERE id = 3");
	expect_broken(f, 4, "gap in ids");
}

static void test_reorder_detected(void **state)
{
	struct fx *f = *state;
	five(f);
	/* entries 2 and 3 swap places: their ids stay, everything else moves */
	tamper(f, "CREATE TEMP TABLE t AS SELECT * FROM audit WHERE id IN (2, 3);"
		  "UPDATE audit SET (at, actor, action, target, detail, idem, prev_hash, hash) ="
		  " (SELECT at, actor, action, target, detail, idem, prev_hash, hash FROM t WHERE t.id = 5 - audit.id)"
		  " WHERE id IN (2, 3);");
	expect_broken(f, 2, "hash mismatch");
}

static void test_reorder_with_ids_detected(void **state)
{
	struct fx *f = *state;
	five(f);
	/* the rows themselves swap ids: each hash covers its id */
	tamper(f, "UPDATE audit SET id = -id WHERE id IN (2, 3);"
		  "UPDATE audit SET id = 5 + id WHERE id IN (-2, -3);");
	expect_broken(f, 2, "hash mismatch");
}

/* An entry from another chain hashes right on its own but does not link. */
static void test_foreign_entry_detected(void **state)
{
	struct fx *f = *state;
	char other[320], err[256];
	snprintf(other, sizeof other, "%s/other.db", f->dir);
	struct ox_audit *o;
	assert_int_equal(ox_audit_open(&o, other, err, sizeof err), 0);
	ox_audit_set_clock(o, fixed_clock, f);
	append(o, "mallory", "user.create", "mallory", "{}");
	append(o, "lihua", "case.transition", "C00000002", "{\"n\":2,\"who\":\"张三\"}");
	ox_audit_close(o);
	five(f);
	char sql[600];
	snprintf(sql, sizeof sql,
		 "ATTACH '%s' AS o; DELETE FROM main.audit WHERE id = 2;"
		 " INSERT INTO main.audit SELECT * FROM o.audit WHERE id = 2;",
		 other);
	tamper(f, sql);
	expect_broken(f, 2, "broken link");
}

static void test_truncated_tail_detected(void **state)
{
	struct fx *f = *state;
	five(f);
	tamper(f, "DELETE FROM audit WHERE id >= 4");
	expect_broken(f, 4, "missing at the end");
	/* the next append does not hide it: it takes id 6 after the head */
	struct ox_audit_entry e = { .actor = "system", .action = "x" };
	int64_t id;
	assert_int_equal(ox_audit_append(f->au, &e, &id), 0);
	assert_int_equal(id, 6);
	expect_broken(f, 6, "gap in ids");
}

static void test_rewritten_tail_caught_by_head(void **state)
{
	struct fx *f = *state;
	five(f);
	/* entries 4 and 5 replaced by one consistent entry 4 made by ordex in
	 * another file with the same chain up to 3: the chain is fine, the head is not */
	char other[320], err[256], sql[700];
	snprintf(other, sizeof other, "%s/other.db", f->dir);
	snprintf(sql, sizeof sql, "VACUUM INTO '%s'", other);
	tamper(f, sql);
	struct ox_audit *o;
	assert_int_equal(ox_audit_open(&o, other, err, sizeof err), 0);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(other, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
				      "DROP TRIGGER IF EXISTS audit_no_delete; DELETE FROM audit WHERE id >= 4;"
				      "UPDATE audit_head SET id = 3, hash = (SELECT hash FROM audit WHERE id = 3)",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	ox_audit_set_clock(o, fixed_clock, f);
	append(o, "cli:root", "token.create", "C00000004", "{\"n\":4}");
	expect_intact(o, 4);
	ox_audit_close(o);
	snprintf(sql, sizeof sql,
		 "ATTACH '%s' AS o; DELETE FROM main.audit WHERE id >= 4;"
		 " INSERT INTO main.audit SELECT * FROM o.audit WHERE id = 4;",
		 other);
	tamper(f, sql);
	expect_broken(f, 5, "missing at the end");
	/* ... and if the head is rewritten too, only an anchor kept elsewhere helps */
	char anchor[OX_AUDIT_HASH_HEX];
	int64_t anchor_id;
	struct ox_audit_report r;
	assert_int_equal(ox_audit_verify(f->au, &r), OX_AUDIT_ECHAIN);
	tamper(f, "UPDATE audit_head SET id = 4, hash = (SELECT hash FROM audit WHERE id = 4)");
	assert_int_equal(ox_audit_verify(f->au, &r), 0);
	assert_int_equal(ox_audit_head(f->au, &anchor_id, anchor), 0);
	assert_int_equal(anchor_id, 4); /* an external anchor said 5: the difference shows */
}

static void test_head_missing_or_wrong(void **state)
{
	struct fx *f = *state;
	five(f);
	tamper(f, "UPDATE audit_head SET hash = (SELECT hash FROM audit WHERE id = 4)");
	expect_broken(f, 5, "head's hash");
	tamper(f, "UPDATE audit_head SET id = 3, hash = (SELECT hash FROM audit WHERE id = 3)");
	expect_broken(f, 4, "entries after the head");
	tamper(f, "DELETE FROM audit_head");
	expect_broken(f, 5, "head is missing");
	struct ox_audit_entry e = { .actor = "system", .action = "x" };
	assert_int_equal(ox_audit_append(f->au, &e, NULL), OX_AUDIT_ECHAIN);
	assert_non_null(strstr(ox_audit_errmsg(f->au), "head is missing"));
	/* an empty log with a head: everything cut */
	tamper(f, "DELETE FROM audit; INSERT INTO audit_head VALUES (1, 5, 'x')");
	expect_broken(f, 1, "missing at the end");
	/* a head behind the entries: the append is refused, not forked */
	tamper(f, "DELETE FROM audit_head");
	expect_intact(f->au, 0);
	five(f);
	tamper(f, "UPDATE audit_head SET id = 2");
	assert_int_equal(ox_audit_append(f->au, &e, NULL), OX_AUDIT_ECHAIN);
	assert_non_null(strstr(ox_audit_errmsg(f->au), "entry 3 exists beyond the head"));
}

/* ---- several writers ------------------------------------------------------------------------------ */

static void test_two_connections_alternate(void **state)
{
	struct fx *f = *state;
	struct ox_audit *b;
	char err[256];
	assert_int_equal(ox_audit_open(&b, f->path, err, sizeof err), 0);
	for (int i = 0; i < 20; i++)
		assert_int_equal(append(i % 2 ? b : f->au, i % 2 ? "b" : "a", "case.note", "C1", "{}"), i + 1);
	expect_intact(f->au, 20);
	expect_intact(b, 20);
	ox_audit_close(b);
}

struct worker {
	const char *path;
	int n, failures;
};

static void *append_many(void *arg)
{
	struct worker *w = arg;
	struct ox_audit *au;
	char err[256], actor[32];
	if (ox_audit_open(&au, w->path, err, sizeof err)) {
		w->failures = w->n;
		return NULL;
	}
	snprintf(actor, sizeof actor, "thread:%p", arg);
	for (int i = 0; i < w->n; i++) {
		struct ox_audit_entry e = { .actor = actor, .action = "case.note", .detail = "{}" };
		if (ox_audit_append(au, &e, NULL))
			w->failures++;
	}
	ox_audit_close(au);
	return NULL;
}

static void test_threads_one_chain(void **state)
{
	struct fx *f = *state;
	enum { T = 4, N = 25 };
	pthread_t th[T];
	struct worker w[T];
	for (int i = 0; i < T; i++) {
		w[i] = (struct worker){ .path = f->path, .n = N };
		assert_int_equal(pthread_create(&th[i], NULL, append_many, &w[i]), 0);
	}
	for (int i = 0; i < T; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(w[i].failures, 0);
	}
	expect_intact(f->au, T * N);
}

static void test_processes_one_chain(void **state)
{
	struct fx *f = *state;
	enum { P = 3, N = 20 };
	pid_t pid[P];
	for (int i = 0; i < P; i++) {
		pid[i] = fork();
		assert_true(pid[i] >= 0);
		if (pid[i] == 0) {
			struct worker w = { .path = f->path, .n = N };
			append_many(&w);
			_exit(w.failures ? 1 : 0);
		}
	}
	append(f->au, "parent", "case.note", "", "{}");
	for (int i = 0; i < P; i++) {
		int st;
		assert_int_equal(waitpid(pid[i], &st, 0), pid[i]);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	expect_intact(f->au, P * N + 1);
}

static void test_reopen_and_schema(void **state)
{
	struct fx *f = *state;
	five(f);
	ox_audit_close(f->au);
	char err[256];
	assert_int_equal(ox_audit_open(&f->au, f->path, err, sizeof err), 0);
	expect_intact(f->au, 5);
	ox_audit_close(f->au);
	f->au = NULL;
	tamper(f, "UPDATE schema_version SET version = 99");
	struct ox_audit *au = (struct ox_audit *)1;
	assert_int_equal(ox_audit_open(&au, f->path, err, sizeof err), OX_AUDIT_ESCHEMA);
	assert_null(au);
	assert_non_null(strstr(err, "schema version 99 is newer than this ordex's 1"));
	assert_int_equal(ox_audit_open(&au, "/nonexistent/dir/audit.db", err, sizeof err), OX_AUDIT_EDB);
	assert_non_null(strstr(err, "/nonexistent/dir/audit.db: "));
	assert_int_equal(ox_audit_open(&au, ":memory:", err, sizeof err), 0);
	expect_intact(au, 0);
	ox_audit_close(au);
	ox_audit_close(NULL);
}

/* ---- query ----------------------------------------------------------------------------------------- */

static int query(struct fx *f, struct ox_audit_filter flt, struct ox_buf *out)
{
	char err[OX_AUDIT_ERRSZ];
	ox_buf_reset(out);
	int rc = ox_audit_query(f->au, &flt, out, err);
	if (rc)
		fprintf(stderr, "query: %s\n", err);
	return rc;
}

static size_t count_of(const char *z, const char *needle)
{
	size_t n = 0;
	for (const char *p = z; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void test_query(void **state)
{
	struct fx *f = *state;
	five(f);
	struct ox_buf b;
	ox_buf_init(&b, SIZE_MAX);
	assert_int_equal(query(f, (struct ox_audit_filter){ 0 }, &b), 0);
	char head[OX_AUDIT_HASH_HEX];
	int64_t hid;
	ox_audit_head(f->au, &hid, head);
	char want[1024];
	snprintf(want, sizeof want,
		 "{\"entries\":[{\"id\":5,\"at\":\"2025-11-11T00:00:05.000+08:00\",\"actor\":\"cli:root\","
		 "\"action\":\"case.assign\",\"target\":\"C00000005\",\"detail\":{\"n\":5,\"who\":\"张三\"},"
		 "\"hash\":\"%s\"},",
		 head);
	assert_memory_equal(b.data, want, strlen(want));
	assert_int_equal(count_of(b.data, "\"id\":"), 5);
	assert_non_null(strstr(b.data, "],\"next_cursor\":null}"));
	/* newest first */
	assert_true(strstr(b.data, "\"id\":4") < strstr(b.data, "\"id\":3"));

	assert_int_equal(query(f, (struct ox_audit_filter){ .actor = "lihua" }, &b), 0);
	assert_int_equal(count_of(b.data, "\"id\":"), 2);
	assert_int_equal(query(f, (struct ox_audit_filter){ .action = "case.note" }, &b), 0);
	assert_int_equal(count_of(b.data, "\"id\":"), 1);
	assert_int_equal(query(f, (struct ox_audit_filter){ .target = "C00000002", .actor = "lihua" }, &b), 0);
	assert_int_equal(count_of(b.data, "\"id\":"), 1);
	assert_int_equal(query(f, (struct ox_audit_filter){ .target = "C00000002", .actor = "cli:root" }, &b), 0);
	assert_string_equal(b.data, "{\"entries\":[],\"next_cursor\":null}");
	assert_int_equal(query(f, (struct ox_audit_filter){ .since = "2025-11-11T00:00:03+08:00" }, &b), 0);
	assert_int_equal(count_of(b.data, "\"id\":"), 3);
	assert_int_equal(query(f, (struct ox_audit_filter){ .until = "1762790403000" }, &b), 0);
	assert_int_equal(count_of(b.data, "\"id\":"), 2);
	assert_int_equal(query(f,
			       (struct ox_audit_filter){ .since = "1762790402000", .until = "2025-11-10T16:00:04Z",
							 .action = "", .actor = NULL },
			       &b),
			 0);
	assert_int_equal(count_of(b.data, "\"id\":"), 2);

	/* paging: 2 + 2 + 1, each entry once, last cursor null */
	assert_int_equal(query(f, (struct ox_audit_filter){ .limit = "2" }, &b), 0);
	assert_non_null(strstr(b.data, "\"next_cursor\":\"4\""));
	assert_int_equal(query(f, (struct ox_audit_filter){ .limit = "2", .cursor = "4" }, &b), 0);
	assert_non_null(strstr(b.data, "{\"entries\":[{\"id\":3,"));
	assert_non_null(strstr(b.data, "\"next_cursor\":\"2\""));
	assert_int_equal(query(f, (struct ox_audit_filter){ .limit = "2", .cursor = "2" }, &b), 0);
	assert_int_equal(count_of(b.data, "\"id\":"), 1);
	assert_non_null(strstr(b.data, "\"next_cursor\":null"));
	/* exactly limit entries left: no empty next page */
	assert_int_equal(query(f, (struct ox_audit_filter){ .limit = "5" }, &b), 0);
	assert_non_null(strstr(b.data, "\"next_cursor\":null"));
	ox_buf_release(&b);
}

static void test_query_default_limit(void **state)
{
	struct fx *f = *state;
	for (int i = 0; i < 120; i++)
		append(f->au, "a", "case.note", "", "{}");
	struct ox_buf b;
	ox_buf_init(&b, SIZE_MAX);
	assert_int_equal(query(f, (struct ox_audit_filter){ 0 }, &b), 0);
	assert_int_equal(count_of(b.data, "\"id\":"), 100);
	assert_non_null(strstr(b.data, "\"next_cursor\":\"21\""));
	assert_int_equal(query(f, (struct ox_audit_filter){ .limit = "1000" }, &b), 0);
	assert_int_equal(count_of(b.data, "\"id\":"), 120);
	ox_buf_release(&b);
}

static void test_query_invalid(void **state)
{
	struct fx *f = *state;
	char longz[300];
	memset(longz, 'a', sizeof longz);
	longz[sizeof longz - 1] = '\0';
	const struct {
		struct ox_audit_filter flt;
		const char *msg;
	} cases[] = {
		{ { .limit = "0" }, "limit: expected 1..1000, got \"0\"" },
		{ { .limit = "1001" }, "limit: expected 1..1000, got \"1001\"" },
		{ { .limit = "ten" }, "limit: expected 1..1000, got \"ten\"" },
		{ { .limit = "-1" }, "limit: expected 1..1000, got \"-1\"" },
		{ { .cursor = "abc" }, "cursor: \"abc\" is not a cursor this API returned" },
		{ { .cursor = "0" }, "cursor: \"0\" is not a cursor" },
		{ { .since = "yesterday" }, "since: expected an RFC 3339 time or milliseconds, got \"yesterday\"" },
		{ { .until = "2025-13-01T00:00:00Z" }, "until: expected an RFC 3339 time" },
		{ { .actor = longz }, "actor: longer than 128 bytes" },
		{ { .action = longz }, "action: longer than 64 bytes" },
		{ { .target = longz }, "target: longer than 256 bytes" },
	};
	struct ox_buf b;
	ox_buf_init(&b, SIZE_MAX);
	ox_buf_addz(&b, "keep");
	for (size_t i = 0; i < OX_ARRAY_LEN(cases); i++) {
		char err[OX_AUDIT_ERRSZ] = "";
		int rc = ox_audit_query(f->au, &cases[i].flt, &b, err);
		if (rc != OX_AUDIT_EINVAL || !strstr(err, cases[i].msg))
			fprintf(stderr, "case %zu: rc %d \"%s\"\n", i, rc, err);
		assert_int_equal(rc, OX_AUDIT_EINVAL);
		assert_non_null(strstr(err, cases[i].msg));
		assert_string_equal(b.data, "keep");
	}
	ox_buf_release(&b);
}

static void test_query_limits_and_corrupt(void **state)
{
	struct fx *f = *state;
	five(f);
	struct ox_buf b;
	ox_buf_init(&b, 300);
	ox_buf_addz(&b, "keep");
	char err[OX_AUDIT_ERRSZ];
	struct ox_audit_filter flt = { 0 };
	assert_int_equal(ox_audit_query(f->au, &flt, &b, err), OX_AUDIT_ETOOBIG);
	assert_string_equal(b.data, "keep");
	assert_non_null(strstr(err, "over the buffer's maximum of 300 bytes"));
	ox_buf_release(&b);
	/* a stored detail that is not an object is refused, not passed on */
	tamper(f, "UPDATE audit SET detail = 'oops' WHERE id = 4");
	ox_buf_init(&b, SIZE_MAX);
	assert_int_equal(ox_audit_query(f->au, &flt, &b, err), OX_AUDIT_ECORRUPT);
	assert_non_null(strstr(err, "audit entry 4: detail is not a JSON object"));
	assert_true(b.len == 0);
	flt.cursor = "4";
	assert_int_equal(ox_audit_query(f->au, &flt, &b, err), 0);
	ox_buf_release(&b);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_append_and_head),
		T(test_hash_format),
		T(test_idem),
		T(test_invalid_entries),
		T(test_edit_detected),
		T(test_edit_actor_detected),
		T(test_edit_at_detected),
		T(test_edit_idem_and_target_detected),
		T(test_delete_middle_detected),
		T(test_reorder_detected),
		T(test_reorder_with_ids_detected),
		T(test_foreign_entry_detected),
		T(test_truncated_tail_detected),
		T(test_rewritten_tail_caught_by_head),
		T(test_head_missing_or_wrong),
		T(test_two_connections_alternate),
		T(test_threads_one_chain),
		T(test_processes_one_chain),
		T(test_reopen_and_schema),
		T(test_query),
		T(test_query_default_limit),
		T(test_query_invalid),
		T(test_query_limits_and_corrupt),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_store.c - the SQLite case store (src/store.c): cases made by the real
 * engine from small event streams, put into a temporary database, read back
 * through every filter, paged, reopened, and compared byte for byte with
 * ox_case_to_json(). */
#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <sys/stat.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "engine.h"
#include "event.h"
#include "store.h"

/* ---- fixture: an engine, a decoder and a store in a temporary directory ---- */

struct fx {
	char dir[256], path[300];
	struct ox_params p;
	struct ox_blacklist *bl;
	struct ox_engine *e;
	struct ox_decoder *d;
	struct ox_store *s;
	ox_time t0;
	unsigned next_event;
};

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	const char *tmp = getenv("TMPDIR");
	snprintf(f->dir, sizeof f->dir, "%s/ordex-store-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof f->path, "%s/cases.db", f->dir);
	ox_params_init(&f->p);
	f->bl = ox_blacklist_new();
	struct ox_limits lim = ox_limits_default();
	f->d = ox_decoder_new(&lim);
	const char *t0 = "2026-11-11T10:00:00.000+08:00";
	if (ox_time_parse(t0, strlen(t0), &f->t0) < 0)
		return -1;
	char err[256];
	if (ox_store_open(&f->s, f->path, err, sizeof err)) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;
	ox_store_close(f->s);
	ox_engine_free(f->e);
	ox_decoder_free(f->d);
	ox_blacklist_free(f->bl);
	ox_params_release(&f->p);
	const char *sfx[] = { "", "-wal", "-shm" };
	for (size_t i = 0; i < 3; i++) {
		char p[320];
		snprintf(p, sizeof p, "%s%s", f->path, sfx[i]);
		unlink(p);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

static void engine_start(struct fx *f)
{
	if (!f->e)
		f->e = ox_engine_new(&f->p, f->bl);
}

static void feed(struct fx *f, const char *line)
{
	struct ox_event ev;
	char err[OX_ERR_BUFSZ];
	engine_start(f);
	if (ox_decode(f->d, line, strlen(line), &ev, err)) {
		fprintf(stderr, "%s\n  %s\n", err, line);
		fail();
	}
	assert_int_equal(ox_engine_apply(f->e, &ev), OX_APPLIED);
}

static const char *ts(const struct fx *f, int64_t minutes, char buf[OX_TIME_BUFSZ])
{
	return ox_time_format(f->t0 + minutes * OX_MS_MINUTE, OX_TZ_CST, buf);
}

#define ADDR "\"address\":{\"province\":\"浙江省\",\"city\":\"杭州市\",\"district\":\"西湖区\",\"detail\":\"文三路100号\"}"

static void order(struct fx *f, const char *id, const char *phone, const char *sku, int64_t min)
{
	char line[1024], tb[OX_TIME_BUFSZ];
	snprintf(line, sizeof line,
		 "{\"id\":\"e%u\",\"type\":\"order.created\",\"ts\":\"%s\",\"order_id\":\"%s\","
		 "\"channel\":\"tmall\",\"customer\":{\"id\":\"c1\",\"phone\":\"%s\"," ADDR "},"
		 "\"items\":[{\"sku\":\"%s\",\"qty\":1,\"price\":\"99.00\"}],\"total\":\"99.00\"}",
		 f->next_event++, ts(f, min, tb), id, phone, sku);
	feed(f, line);
}

static void phone(struct fx *f, const char *id, const char *ph, int64_t min)
{
	char line[512], tb[OX_TIME_BUFSZ];
	snprintf(line, sizeof line,
		 "{\"id\":\"e%u\",\"type\":\"order.updated\",\"ts\":\"%s\",\"order_id\":\"%s\","
		 "\"customer\":{\"phone\":\"%s\"}}",
		 f->next_event++, ts(f, min, tb), id, ph);
	feed(f, line);
}

static void stock(struct fx *f, const char *sku, const char *source, int avail, int64_t min)
{
	char line[512], tb[OX_TIME_BUFSZ];
	snprintf(line, sizeof line,
		 "{\"id\":\"e%u\",\"type\":\"inventory.level\",\"ts\":\"%s\",\"sku\":\"%s\","
		 "\"source\":\"%s\",\"available\":%d}",
		 f->next_event++, ts(f, min, tb), sku, source, avail);
	feed(f, line);
}

static void pay_failed(struct fx *f, const char *id, int64_t min)
{
	char line[512], tb[OX_TIME_BUFSZ];
	snprintf(line, sizeof line,
		 "{\"id\":\"e%u\",\"type\":\"payment.failed\",\"ts\":\"%s\",\"order_id\":\"%s\","
		 "\"amount\":\"99.00\",\"method\":\"alipay\",\"reason\":\"insufficient_funds\"}",
		 f->next_event++, ts(f, min, tb), id);
	feed(f, line);
}

static void tick(struct fx *f, int64_t min)
{
	char line[256], tb[OX_TIME_BUFSZ];
	snprintf(line, sizeof line, "{\"id\":\"e%u\",\"type\":\"tick\",\"ts\":\"%s\"}", f->next_event++,
		 ts(f, min, tb));
	feed(f, line);
}

static const char *team_of(const struct fx *f, const struct ox_case *c)
{
	return f->p.rules[c->rule].team;
}

static void put_all(struct fx *f)
{
	assert_int_equal(ox_store_begin(f->s), 0);
	for (size_t i = 0; i < ox_engine_case_count(f->e); i++) {
		const struct ox_case *c = ox_engine_case(f->e, i);
		assert_int_equal(ox_store_put_case(f->s, c, team_of(f, c)), 0);
	}
	assert_int_equal(ox_store_commit(f->s), 0);
}

/* A mixed day: 22 bad phones within 10 minutes (CUS_PHONE_INVALID and an
 * INC_BURST linking them), one of them fixed (auto-resolved), negative stock
 * on two SKUs, one resolved, a failed payment that is never retried. */
static void mixed_day(struct fx *f)
{
	char id[32];
	for (int i = 0; i < 22; i++) {
		snprintf(id, sizeof id, "A%d", i);
		order(f, id, "", i % 2 ? "S1" : "S2", i / 3);
	}
	phone(f, "A0", "13912345678", 12);
	stock(f, "S1", "wms", -1, 13);
	stock(f, "S2", "wms", -2, 13);
	stock(f, "S2", "wms", 0, 14);
	stock(f, "S2", "oms", 0, 14);
	order(f, "B1", "13812345678", "S3", 15);
	pay_failed(f, "B1", 16);
	tick(f, 60);
}

/* ---- reading results ------------------------------------------------------------ */

/* The case ids of a list or case JSON, in order. */
static size_t ids_of(const char *json, char ids[][24], size_t max)
{
	size_t n = 0;
	const char *key = "\"case_id\":\"";
	for (const char *p = strstr(json, key); p; p = strstr(p, key)) {
		p += strlen(key);
		const char *q = strchr(p, '"');
		assert_non_null(q);
		assert_true(n < max);
		snprintf(ids[n++], 24, "%.*s", (int)(q - p), p);
	}
	return n;
}

/* next_cursor's value ("" for null). */
static void cursor_of(const char *json, char out[32])
{
	const char *p = strstr(json, "\"next_cursor\":");
	assert_non_null(p);
	p += strlen("\"next_cursor\":");
	if (strncmp(p, "null}", 5) == 0) {
		out[0] = '\0';
		return;
	}
	assert_int_equal(*p, '"');
	const char *q = strchr(p + 1, '"');
	assert_non_null(q);
	snprintf(out, 32, "%.*s", (int)(q - p - 1), p + 1);
}

/* ox_case_to_json() of c, without "timeline" when list is set. */
static void expected_json(const struct fx *f, const struct ox_case *c, bool list, struct ox_buf *b)
{
	struct ox_case copy = *c;
	if (list)
		copy.n_timeline = 0;
	ox_case_to_json(&copy, team_of(f, c), b);
	const char *tl = ",\"timeline\":[]}";
	if (list) {
		assert_true(b->len > strlen(tl));
		assert_string_equal(b->data + b->len - strlen(tl), tl);
		b->len -= strlen(tl) - 1;
		b->data[b->len - 1] = '}';
		b->data[b->len] = '\0';
	}
}

static int query(struct fx *f, const struct ox_case_filter *flt, struct ox_buf *out)
{
	char err[OX_STORE_ERRSZ];
	ox_buf_reset(out);
	int rc = ox_store_query(f->s, flt, out, err);
	if (rc)
		fprintf(stderr, "query: %s\n", err);
	return rc;
}

/* ---- tests ------------------------------------------------------------------------ */

/* meta values commit with the transaction around them and survive a reopen */
static void test_meta(void **state)
{
	struct fx *f = *state;
	int64_t v = -1;
	assert_int_equal(ox_store_meta_get(f->s, "applied_seq", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(ox_store_begin(f->s), 0);
	assert_int_equal(ox_store_meta_set(f->s, "applied_seq", 41), 0);
	assert_int_equal(ox_store_rollback(f->s), 0);
	assert_int_equal(ox_store_meta_get(f->s, "applied_seq", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(ox_store_begin(f->s), 0);
	assert_int_equal(ox_store_meta_set(f->s, "applied_seq", 42), 0);
	assert_int_equal(ox_store_meta_set(f->s, "applied_seq", 1LL << 40), 0);
	assert_int_equal(ox_store_commit(f->s), 0);
	ox_store_close(f->s);
	char err[256];
	assert_int_equal(ox_store_open(&f->s, f->path, err, sizeof err), 0);
	assert_int_equal(ox_store_meta_get(f->s, "applied_seq", &v), 0);
	assert_int_equal(v, 1LL << 40);
	assert_int_equal(ox_store_meta_get(f->s, "other", &v), 0);
	assert_int_equal(v, 0);
}

static long file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* Commits do not checkpoint once told not to: the WAL grows past SQLite's
 * 1000 pages; a checkpoint on another connection copies it all back, so
 * the next commits start the WAL over instead of growing it. */
static void test_checkpoint_elsewhere(void **state)
{
	struct fx *f = *state;
	char wal[320], err[256];
	snprintf(wal, sizeof wal, "%s-wal", f->path);
	assert_int_equal(ox_store_set_synchronous(f->s, false), 0);
	assert_int_equal(ox_store_set_autocheckpoint(f->s, false), 0);
	for (int i = 0; i < 2000; i++) {
		assert_int_equal(ox_store_begin(f->s), 0);
		assert_int_equal(ox_store_meta_set(f->s, "applied_seq", i), 0);
		assert_int_equal(ox_store_commit(f->s), 0);
	}
	long grown = file_size(wal);
	assert_true(grown > 1500L * 4096);
	struct ox_store *ck;
	assert_int_equal(ox_store_open(&ck, f->path, err, sizeof err), 0);
	assert_int_equal(ox_store_checkpoint(ck), 0);
	for (int i = 0; i < 2000; i++) {
		assert_int_equal(ox_store_begin(f->s), 0);
		assert_int_equal(ox_store_meta_set(f->s, "applied_seq", i), 0);
		assert_int_equal(ox_store_commit(f->s), 0);
	}
	assert_true(file_size(wal) <= grown);
	int64_t v = -1;
	assert_int_equal(ox_store_meta_get(ck, "applied_seq", &v), 0);
	assert_int_equal(v, 1999);
	ox_store_close(ck);
	assert_int_equal(ox_store_set_autocheckpoint(f->s, true), 0);
}

/* Files this process has open that are gone from their directory: SQLite's
 * temporary files, such as a statement journal that outgrew memory. */
static int deleted_files_open(void)
{
	DIR *d = opendir("/proc/self/fd");
	assert_non_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		char link[300], target[512];
		snprintf(link, sizeof link, "/proc/self/fd/%s", e->d_name);
		ssize_t len = readlink(link, target, sizeof target - 1);
		if (len <= 0)
			continue;
		target[len] = '\0';
		n += strstr(target, " (deleted)") != NULL;
	}
	closedir(d);
	return n;
}

/* Puts the cases of 500 orders with a bad phone (from the engine's case
 * first on) in one transaction; returns the temporary files open before
 * its commit. */
static int put_bad_phones(struct fx *f, int first_order, size_t first_case)
{
	char id[32];
	for (int i = 0; i < 500; i++) {
		snprintf(id, sizeof id, "bulk%05d", first_order + i);
		order(f, id, "12345", "SKU-1", i / 100);
	}
	assert_int_equal(ox_store_begin(f->s), 0);
	for (size_t i = first_case; i < ox_engine_case_count(f->e); i++) {
		const struct ox_case *c = ox_engine_case(f->e, i);
		assert_int_equal(ox_store_put_case(f->s, c, team_of(f, c)), 0);
	}
	int temp = deleted_files_open();
	assert_int_equal(ox_store_commit(f->s), 0);
	return temp;
}

/* Putting hundreds of cases in one transaction journals more than SQLite
 * keeps in memory by default: the statement journal goes to a temporary
 * file (a write a page). With bulk writes it stays in memory. Not inside a
 * transaction. */
static void test_bulk_writes(void **state)
{
	struct fx *f = *state;
	assert_true(put_bad_phones(f, 0, 0) > 0);
	size_t first = ox_engine_case_count(f->e);
	assert_int_equal(ox_store_begin(f->s), 0);
	assert_int_not_equal(ox_store_set_bulk_writes(f->s), 0);
	assert_int_equal(ox_store_commit(f->s), 0);
	assert_int_equal(ox_store_set_bulk_writes(f->s), 0);
	assert_int_equal(put_bad_phones(f, 500, first), 0);
	assert_true(ox_engine_case_count(f->e) >= first + 500);
}

static void test_open_creates_schema(void **state)
{
	struct fx *f = *state;
	int v = -1;
	assert_int_equal(ox_store_schema_version(f->s, &v), 0);
	assert_int_equal(v, 7);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(q, 0), "wal");
	sqlite3_finalize(q);
	sqlite3_close(db);
}

/* Every filter, alone and combined, against the same filter in C over the
 * engine's own cases. */
struct want {
	const char *rule, *status, *category, *order_id, *sku;
	int severity;
	ox_time since;
};

static bool wanted(const struct ox_case *c, const struct want *w)
{
	const struct ox_rule_info *ri = ox_rule_info(c->rule);
	return (!w->rule || strcmp(ri->code, w->rule) == 0) &&
	       (!w->status || strcmp(c->status == OX_CASE_OPEN ? "open" : "auto_resolved", w->status) == 0) &&
	       (!w->category || strcmp(ri->category, w->category) == 0) &&
	       (!w->order_id || (ri->key == OX_KEY_ORDER && strcmp(c->key, w->order_id) == 0)) &&
	       (!w->sku || (ri->key == OX_KEY_SKU && strcmp(c->key, w->sku) == 0)) &&
	       (!w->severity || c->severity == w->severity) && (!w->since || c->opened_at >= w->since);
}

static void test_filters(void **state)
{
	struct fx *f = *state;
	mixed_day(f);
	put_all(f);
	size_t total = ox_engine_case_count(f->e);
	char tb[OX_TIME_BUFSZ], since_ms[32], since_ts[64];
	snprintf(since_ms, sizeof since_ms, "%" PRId64, f->t0 + 5 * OX_MS_MINUTE);
	snprintf(since_ts, sizeof since_ts, "%s", ts(f, 5, tb));
	const ox_time since = f->t0 + 5 * OX_MS_MINUTE;
	static const struct {
		struct ox_case_filter flt;
		struct want w;
	} rows[] = {
		{ { 0 }, { 0 } },
		{ { .rule = "", .status = "", .sku = "" }, { 0 } }, /* empty = absent */
		{ { .rule = "CUS_PHONE_INVALID" }, { .rule = "CUS_PHONE_INVALID" } },
		{ { .rule = "INC_BURST" }, { .rule = "INC_BURST" } },
		{ { .rule = "PAY_DUPLICATE" }, { .rule = "PAY_DUPLICATE" } },
		{ { .status = "open" }, { .status = "open" } },
		{ { .status = "auto_resolved" }, { .status = "auto_resolved" } },
		{ { .category = "inventory" }, { .category = "inventory" } },
		{ { .category = "payment" }, { .category = "payment" } },
		{ { .severity = "P1" }, { .severity = 1 } },
		{ { .severity = "P3" }, { .severity = 3 } },
		{ { .severity = "P4" }, { .severity = 4 } },
		{ { .order_id = "A0" }, { .order_id = "A0" } },
		{ { .order_id = "B1" }, { .order_id = "B1" } },
		{ { .order_id = "S1" }, { .order_id = "S1" } }, /* a SKU is not an order */
		{ { .sku = "S1" }, { .sku = "S1" } },
		{ { .sku = "S2", .status = "auto_resolved" }, { .sku = "S2", .status = "auto_resolved" } },
		{ { .rule = "CUS_PHONE_INVALID", .status = "open", .severity = "P3", .category = "customer" },
		  { .rule = "CUS_PHONE_INVALID", .status = "open", .severity = 3, .category = "customer" } },
	};
	struct ox_buf out;
	ox_buf_init(&out, 1 << 24);
	char got[64][24];
	size_t nonempty = 0;
	for (size_t r = 0; r < OX_ARRAY_LEN(rows) + 2; r++) {
		struct ox_case_filter flt = { .limit = "1000" };
		struct want w = { 0 };
		if (r < OX_ARRAY_LEN(rows)) {
			flt = rows[r].flt;
			flt.limit = "1000";
			w = rows[r].w;
		} else { /* since, as milliseconds and as RFC 3339 */
			flt.since = r == OX_ARRAY_LEN(rows) ? since_ms : since_ts;
			w.since = since;
		}
		assert_int_equal(query(f, &flt, &out), 0);
		size_t n = ids_of(out.data, got, 64), k = 0;
		for (size_t i = total; i-- > 0;) { /* newest first */
			const struct ox_case *c = ox_engine_case(f->e, i);
			if (!wanted(c, &w))
				continue;
			assert_true(k < n);
			assert_string_equal(got[k], c->id);
			k++;
		}
		assert_int_equal(k, n);
		/* the day has these: a filter that finds none of them is wrong */
		static const char *const present[] = { "CUS_PHONE_INVALID", "INC_BURST", "inventory", "payment",
						       "A0", "B1" };
		for (size_t j = 0; j < OX_ARRAY_LEN(present); j++)
			if ((flt.rule && strcmp(flt.rule, present[j]) == 0) ||
			    (flt.category && strcmp(flt.category, present[j]) == 0) ||
			    (flt.order_id && strcmp(flt.order_id, present[j]) == 0))
				assert_true(n > 0);
		if (n && n < total)
			nonempty++;
		cursor_of(out.data, tb);
		assert_string_equal(tb, "");
	}
	assert_true(nonempty >= 12); /* the filters do select */
	ox_buf_release(&out);
}

/* The count of status st in {"counts":{...}} (-1 when missing). */
static long count_of(const char *json, const char *st)
{
	char key[48];
	snprintf(key, sizeof key, "\"%s\":", st);
	const char *p = strstr(json, key);
	return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

/* Counts per status agree with the engine's cases under the same filter;
 * the status, cursor and limit of the filter do not apply. */
static void test_count_status(void **state)
{
	struct fx *f = *state;
	mixed_day(f);
	put_all(f);
	static const struct {
		struct ox_case_filter flt;
		struct want w;
	} rows[] = {
		{ { 0 }, { 0 } },
		{ { .status = "open", .cursor = "3", .limit = "1" }, { 0 } },
		{ { .rule = "CUS_PHONE_INVALID" }, { .rule = "CUS_PHONE_INVALID" } },
		{ { .category = "inventory" }, { .category = "inventory" } },
		{ { .severity = "P3", .sku = "S2" }, { .severity = 3, .sku = "S2" } },
		{ { .order_id = "nobody" }, { .order_id = "nobody" } },
	};
	struct ox_buf out;
	ox_buf_init(&out, 1 << 16);
	char err[OX_STORE_ERRSZ];
	size_t nonzero = 0;
	for (size_t r = 0; r < OX_ARRAY_LEN(rows); r++) {
		long open = 0, autores = 0;
		for (size_t i = 0; i < ox_engine_case_count(f->e); i++) {
			const struct ox_case *c = ox_engine_case(f->e, i);
			if (wanted(c, &rows[r].w))
				*(c->status == OX_CASE_OPEN ? &open : &autores) += 1;
		}
		ox_buf_reset(&out);
		assert_int_equal(ox_store_count_status(f->s, &rows[r].flt, &out, err), 0);
		assert_int_equal(count_of(out.data, "open"), open);
		assert_int_equal(count_of(out.data, "auto_resolved"), autores);
		assert_int_equal(count_of(out.data, "closed"), 0);
		const char *total = strstr(out.data, "\"total\":");
		assert_non_null(total);
		assert_int_equal(strtol(total + 8, NULL, 10), open + autores);
		nonzero += open + autores > 0;
	}
	assert_true(nonzero >= 4);
	struct ox_case_filter bad = { .severity = "P7" };
	ox_buf_reset(&out);
	assert_int_equal(ox_store_count_status(f->s, &bad, &out, err), OX_STORE_EINVAL);
	assert_non_null(strstr(err, "severity"));
	assert_int_equal(out.len, 0);
	ox_buf_release(&out);
}

/* sort=due's key of a case, as the store computes it in SQL. */
static int64_t due_of(const struct ox_case *c)
{
	if (c->status == OX_CASE_RESOLVED || c->status == OX_CASE_CLOSED || c->status == OX_CASE_AUTO_RESOLVED)
		return INT64_MAX;
	ox_time t = c->responded_at == OX_TIME_NONE ? c->respond_due : c->resolve_due;
	return t == OX_TIME_NONE ? INT64_MAX : t;
}

/* sort=due pages through every case once, by (deadline, seq). */
static void test_sort_due(void **state)
{
	struct fx *f = *state;
	mixed_day(f);
	size_t total = ox_engine_case_count(f->e);
	assert_true(total >= 8 && total <= 64);
	/* the desk's times, with ties, some cases answered already */
	static struct ox_case cases[64];
	const struct ox_case *want[64];
	assert_int_equal(ox_store_begin(f->s), 0);
	for (size_t i = 0; i < total; i++) {
		cases[i] = *ox_engine_case(f->e, i); /* shares the engine's strings: put only reads them */
		cases[i].respond_due = f->t0 + (int64_t)(i * 7 % 5) * OX_MS_MINUTE;
		cases[i].resolve_due = f->t0 + (int64_t)(i * 11 % 13) * OX_MS_MINUTE;
		cases[i].responded_at = i % 3 == 0 ? f->t0 : OX_TIME_NONE;
		assert_int_equal(ox_store_put_case(f->s, &cases[i], team_of(f, &cases[i])), 0);
		want[i] = &cases[i];
	}
	assert_int_equal(ox_store_commit(f->s), 0);
	for (size_t i = 1; i < total; i++) /* insertion sort by (due, seq) */
		for (size_t j = i; j > 0; j--) {
			const struct ox_case *a = want[j - 1], *b = want[j];
			if (due_of(a) < due_of(b) || (due_of(a) == due_of(b) && a->seq < b->seq))
				break;
			want[j - 1] = b;
			want[j] = a;
		}
	assert_true(due_of(want[0]) < INT64_MAX && due_of(want[total - 1]) == INT64_MAX); /* both kinds */
	struct ox_buf out;
	ox_buf_init(&out, 1 << 20);
	char got[64][24], cursor[32] = "";
	size_t n = 0, pages = 0;
	do {
		struct ox_case_filter flt = { .sort = "due", .limit = "3", .cursor = cursor };
		assert_int_equal(query(f, &flt, &out), 0);
		n += ids_of(out.data, got + n, 64 - n);
		cursor_of(out.data, cursor);
		assert_true(!cursor[0] || strchr(cursor, '.'));
		pages++;
	} while (cursor[0]);
	assert_int_equal(n, total);
	assert_int_equal(pages, (total + 2) / 3);
	for (size_t i = 0; i < total; i++)
		assert_string_equal(got[i], want[i]->id);
	/* with a filter, and the default sort is still newest first */
	struct ox_case_filter open = { .sort = "due", .status = "open", .limit = "1000" };
	assert_int_equal(query(f, &open, &out), 0);
	size_t k = 0, m = ids_of(out.data, got, 64);
	for (size_t i = 0; i < total; i++)
		if (want[i]->status == OX_CASE_OPEN)
			assert_string_equal(got[k++], want[i]->id);
	assert_int_equal(k, m);
	struct ox_case_filter newest = { .sort = "new", .limit = "1" };
	assert_int_equal(query(f, &newest, &out), 0);
	assert_int_equal(ids_of(out.data, got, 64), 1);
	assert_string_equal(got[0], ox_engine_case(f->e, total - 1)->id);
	/* a seq cursor is no due cursor, nor the other way round */
	static const struct ox_case_filter bad[] = {
		{ .sort = "soon" }, { .sort = "due", .cursor = "12" }, { .sort = "due", .cursor = "12.0" },
		{ .sort = "due", .cursor = "x.1" }, { .sort = "due", .cursor = "1.2.3" }, { .cursor = "5.2" },
	};
	char err[OX_STORE_ERRSZ];
	for (size_t i = 0; i < OX_ARRAY_LEN(bad); i++) {
		ox_buf_reset(&out);
		assert_int_equal(ox_store_query(f->s, &bad[i], &out, err), OX_STORE_EINVAL);
		assert_int_equal(out.len, 0);
	}
	ox_buf_release(&out);
}

/* JSON from the store equals ox_case_to_json(): get with the timeline, lists
 * without it. */
static void test_json_equals_case_json(void **state)
{
	struct fx *f = *state;
	mixed_day(f);
	put_all(f);
	struct ox_buf got, want, list;
	ox_buf_init(&got, SIZE_MAX);
	ox_buf_init(&want, SIZE_MAX);
	ox_buf_init(&list, SIZE_MAX);
	struct ox_case_filter all = { .limit = "1000" };
	assert_int_equal(query(f, &all, &list), 0);
	/* rebuild the expected list from the engine */
	ox_buf_addz(&want, "{\"cases\":[");
	size_t n = ox_engine_case_count(f->e);
	bool linked = false;
	for (size_t i = n; i-- > 0;) {
		const struct ox_case *c = ox_engine_case(f->e, i);
		linked |= c->incident_seq != 0;
		expected_json(f, c, true, &want);
		if (i)
			ox_buf_addz(&want, ",");
	}
	ox_buf_addz(&want, "],\"next_cursor\":null}");
	assert_string_equal(list.data, want.data);
	assert_true(linked); /* the incident link is covered */
	for (size_t i = 0; i < n; i++) {
		const struct ox_case *c = ox_engine_case(f->e, i);
		ox_buf_reset(&got);
		ox_buf_reset(&want);
		assert_int_equal(ox_store_get(f->s, c->id, &got), 0);
		expected_json(f, c, false, &want);
		assert_string_equal(got.data, want.data);
	}
	ox_buf_reset(&got);
	assert_int_equal(ox_store_get(f->s, "C99999999", &got), OX_STORE_ENOTFOUND);
	assert_int_equal(got.len, 0);
	assert_non_null(strstr(ox_store_errmsg(f->s), "not found"));
	ox_buf_release(&got);
	ox_buf_release(&want);
	ox_buf_release(&list);
}

static sqlite3_int64 count_rows(const struct fx *f, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	sqlite3_int64 n = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return n;
}

/* Putting again changes nothing; a later change (auto-resolution) is stored
 * with its new timeline entries; outside begin/commit a put commits alone. */
static void test_reput_and_resolution(void **state)
{
	struct fx *f = *state;
	struct ox_buf got, want;
	ox_buf_init(&got, SIZE_MAX);
	ox_buf_init(&want, SIZE_MAX);
	order(f, "P50", "", "S1", 0);
	phone(f, "P50", "1391234", 5); /* still bad: fired again */
	assert_int_equal(ox_engine_case_count(f->e), 1);
	const struct ox_case *c = ox_engine_case(f->e, 0);
	assert_int_equal(c->n_timeline, 2);
	for (int i = 0; i < 3; i++)
		assert_int_equal(ox_store_put_case(f->s, c, team_of(f, c)), 0);
	assert_int_equal(count_rows(f, "SELECT count(*) FROM case_timeline"), 2);
	assert_int_equal(count_rows(f, "SELECT count(*) FROM cases"), 1);
	assert_int_equal(ox_store_get(f->s, c->id, &got), 0);
	assert_non_null(strstr(got.data, "\"status\":\"open\""));

	phone(f, "P50", "13912345678", 10);
	assert_int_equal(c->status, OX_CASE_AUTO_RESOLVED);
	assert_int_equal(ox_store_put_case(f->s, c, team_of(f, c)), 0);
	assert_int_equal(ox_store_put_case(f->s, c, team_of(f, c)), 0);
	assert_int_equal(count_rows(f, "SELECT count(*) FROM case_timeline"), 3);
	ox_buf_reset(&got);
	assert_int_equal(ox_store_get(f->s, c->id, &got), 0);
	expected_json(f, c, false, &want);
	assert_string_equal(got.data, want.data);
	assert_non_null(strstr(got.data, "\"action\":\"auto_resolved\""));

	struct ox_case_filter open = { .status = "open" }, done = { .status = "auto_resolved" };
	assert_int_equal(query(f, &open, &got), 0);
	assert_string_equal(got.data, "{\"cases\":[],\"next_cursor\":null}");
	assert_int_equal(query(f, &done, &got), 0);
	assert_non_null(strstr(got.data, c->id));

	/* a case that went back (fewer timeline entries) is followed, not merged */
	struct ox_case older = *c;
	older.n_timeline = 1;
	assert_int_equal(ox_store_put_case(f->s, &older, team_of(f, c)), 0);
	assert_int_equal(count_rows(f, "SELECT count(*) FROM case_timeline"), 1);
	/* the same id under another seq is refused and changes nothing */
	struct ox_case other = *c;
	other.seq = 7;
	assert_int_equal(ox_store_put_case(f->s, &other, NULL), OX_STORE_EINVAL);
	assert_non_null(strstr(ox_store_errmsg(f->s), "another seq"));
	assert_int_equal(count_rows(f, "SELECT count(*) FROM case_timeline"), 1);
	ox_buf_release(&got);
	ox_buf_release(&want);
}

/* A copy with only the last timeline entries (ox_case_copy_since, as the
 * writer hands an incident's growing timeline over) adds them after those
 * stored and comes back whole; one that starts past what the store has is
 * refused, as its first entries would be missing. */
static void test_timeline_tail(void **state)
{
	struct fx *f = *state;
	struct ox_buf got, want;
	ox_buf_init(&got, SIZE_MAX);
	ox_buf_init(&want, SIZE_MAX);
	order(f, "P51", "", "S1", 0);
	const struct ox_case *c = ox_engine_case(f->e, 0);
	assert_int_equal(c->n_timeline, 1);
	struct ox_case part;
	ox_case_copy_since(&part, c, 1);
	assert_int_equal(part.timeline_from, 1);
	assert_int_equal(part.n_timeline, 0);
	assert_int_equal(ox_store_put_case(f->s, &part, team_of(f, c)), OX_STORE_EINVAL);
	assert_non_null(strstr(ox_store_errmsg(f->s), "timeline entries from 1 on, the store has 0"));
	ox_case_release(&part);
	assert_int_equal(ox_store_put_case(f->s, c, team_of(f, c)), 0);

	phone(f, "P51", "1391234", 5);
	phone(f, "P51", "13912345678", 10); /* auto-resolved */
	assert_int_equal(c->n_timeline, 3);
	ox_case_copy_since(&part, c, 1);
	assert_int_equal(part.timeline_from, 1);
	assert_int_equal(part.n_timeline, 2);
	assert_int_equal(part.timeline[1].action, c->timeline[2].action);
	assert_int_equal(ox_store_put_case(f->s, &part, team_of(f, c)), 0);
	assert_int_equal(ox_store_put_case(f->s, &part, team_of(f, c)), 0); /* again: nothing new */
	assert_int_equal(count_rows(f, "SELECT count(*) FROM case_timeline"), 3);
	assert_int_equal(ox_store_get(f->s, c->id, &got), 0);
	expected_json(f, c, false, &want);
	assert_string_equal(got.data, want.data);

	/* a copy of a copy counts from the whole timeline's start */
	struct ox_case last;
	ox_case_copy_since(&last, &part, 1);
	assert_int_equal(last.timeline_from, 2);
	assert_int_equal(last.n_timeline, 1);
	assert_int_equal(ox_store_put_case(f->s, &last, team_of(f, c)), 0);
	assert_int_equal(count_rows(f, "SELECT count(*) FROM case_timeline"), 3);
	ox_case_release(&last);
	ox_case_release(&part);
	ox_buf_release(&got);
	ox_buf_release(&want);
}

/* The playbook's columns (migration 4): the checked items in their order,
 * the resolution and its root cause, back as the case had them, in the
 * case, the list and ox_store_get_case; NULL (a row of before) is none. */
static void test_playbook_columns(void **state)
{
	struct fx *f = *state;
	struct ox_buf got, want;
	ox_buf_init(&got, SIZE_MAX);
	ox_buf_init(&want, SIZE_MAX);
	order(f, "P60", "", "S1", 0);
	struct ox_case c;
	ox_case_copy(&c, ox_engine_case(f->e, 0));
	char tick1[] = "update_phone", tick2[] = "review_phone";
	char *items[] = { tick1, tick2 };
	char **own = c.checked; /* the copy's (empty) array, back before the release */
	c.checked = items;
	c.n_checked = 2;
	snprintf(c.resolution, sizeof c.resolution, "phone_corrected");
	snprintf(c.root_cause, sizeof c.root_cause, "customer");
	assert_int_equal(ox_store_put_case(f->s, &c, team_of(f, &c)), 0);
	assert_int_equal(ox_store_get(f->s, c.id, &got), 0);
	expected_json(f, &c, false, &want);
	assert_string_equal(got.data, want.data);
	assert_non_null(strstr(got.data, "\"checked\":[\"update_phone\",\"review_phone\"],\"resolution\":{\"code\":\"phone_corrected\",\"root_cause\":\"customer\"}"));
	struct ox_case back;
	assert_int_equal(ox_store_get_case(f->s, c.id, &back), 0);
	assert_int_equal(back.n_checked, 2);
	assert_string_equal(back.checked[1], "review_phone");
	assert_string_equal(back.resolution, "phone_corrected");
	assert_string_equal(back.root_cause, "customer");
	assert_int_equal(back.n_timeline, 0);
	ox_case_release(&back);
	assert_int_equal(ox_store_get_case(f->s, "C09999999", &back), OX_STORE_ENOTFOUND);
	ox_case_release(&back);
	struct ox_case_filter all = { .rule = NULL };
	assert_int_equal(query(f, &all, &got), 0);
	assert_non_null(strstr(got.data, "\"checked\":[\"update_phone\",\"review_phone\"]"));
	/* untick everything, reopen: none again */
	c.n_checked = 0;
	c.resolution[0] = c.root_cause[0] = '\0';
	assert_int_equal(ox_store_put_case(f->s, &c, team_of(f, &c)), 0);
	ox_buf_reset(&got);
	assert_int_equal(ox_store_get(f->s, c.id, &got), 0);
	assert_non_null(strstr(got.data, "\"checked\":[],\"resolution\":null,"));
	/* a row stored before migration 4 */
	sqlite3 *db;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "UPDATE cases SET checked = NULL, resolution = NULL, root_cause = NULL",
				      NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	ox_buf_reset(&got);
	assert_int_equal(ox_store_get(f->s, c.id, &got), 0);
	assert_non_null(strstr(got.data, "\"checked\":[],\"resolution\":null,"));
	c.checked = own; /* items[] is the test's */
	c.n_checked = 0;
	ox_case_release(&c);
	ox_buf_release(&got);
	ox_buf_release(&want);
}

/* The dimensions (migration 5): captured from the order when the case
 * opened, stored, read back, filtered on; NULL columns (a row of before)
 * read as unknown. */
static void test_dimension_columns(void **state)
{
	struct fx *f = *state;
	struct ox_buf got, want;
	ox_buf_init(&got, SIZE_MAX);
	ox_buf_init(&want, SIZE_MAX);
	order(f, "D1", "", "SKU-9", 0);    /* CUS_PHONE_INVALID */
	pay_failed(f, "D1", 1);
	stock(f, "SKU-5", "wms", -3, 2);   /* INV_NEGATIVE_STOCK: a SKU case */
	tick(f, 40);
	const struct ox_case *phone_case = NULL, *pay_case = NULL, *sku_case = NULL;
	for (size_t i = 0; i < ox_engine_case_count(f->e); i++) {
		const struct ox_case *c = ox_engine_case(f->e, i);
		if (c->rule == OX_R_CUS_PHONE_INVALID)
			phone_case = c;
		else if (c->rule == OX_R_PAY_FAILED)
			pay_case = c;
		else if (c->rule == OX_R_INV_NEGATIVE_STOCK)
			sku_case = c;
	}
	assert_non_null(phone_case);
	assert_non_null(pay_case);
	assert_non_null(sku_case);
	assert_string_equal(phone_case->dims.channel, "tmall");
	assert_null(phone_case->dims.shop);
	assert_string_equal(phone_case->dims.customer_id, "c1");
	assert_null(phone_case->dims.payment_method); /* a customer case */
	assert_string_equal(pay_case->dims.payment_method, "alipay");
	assert_int_equal(pay_case->dims.n_skus, 1);
	assert_string_equal(pay_case->dims.skus[0], "SKU-9");
	assert_null(sku_case->dims.channel);
	assert_int_equal(sku_case->dims.n_skus, 1);
	assert_string_equal(sku_case->dims.skus[0], "SKU-5");
	for (size_t i = 0; i < ox_engine_case_count(f->e); i++)
		assert_int_equal(ox_store_put_case(f->s, ox_engine_case(f->e, i),
						   team_of(f, ox_engine_case(f->e, i))), 0);
	assert_int_equal(ox_store_get(f->s, pay_case->id, &got), 0);
	expected_json(f, pay_case, false, &want);
	assert_string_equal(got.data, want.data);
	assert_non_null(strstr(got.data, "\"channel\":\"tmall\",\"shop\":null,"));
	assert_non_null(strstr(got.data, "\"payment_method\":\"alipay\",\"skus\":[\"SKU-9\"]"));
	struct ox_case back;
	assert_int_equal(ox_store_get_case(f->s, pay_case->id, &back), 0);
	assert_string_equal(back.dims.customer_id, "c1");
	assert_string_equal(back.dims.province, pay_case->dims.province);
	assert_int_equal(back.dims.n_skus, 1);
	ox_case_release(&back);
	/* filters */
	struct ox_case_filter by_channel = { .channel = "tmall" }, by_other = { .channel = "jd" },
			      by_province = { .province = pay_case->dims.province }, by_shop = { .shop = "s" };
	assert_int_equal(query(f, &by_channel, &got), 0);
	assert_non_null(strstr(got.data, pay_case->id));
	assert_null(strstr(got.data, sku_case->id));
	assert_int_equal(query(f, &by_other, &got), 0);
	assert_string_equal(got.data, "{\"cases\":[],\"next_cursor\":null}");
	assert_int_equal(query(f, &by_province, &got), 0);
	assert_non_null(strstr(got.data, phone_case->id));
	assert_int_equal(query(f, &by_shop, &got), 0);
	assert_string_equal(got.data, "{\"cases\":[],\"next_cursor\":null}");
	/* a row stored before migration 5 */
	sqlite3 *db;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "UPDATE cases SET channel = NULL, skus = NULL", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	ox_buf_reset(&got);
	assert_int_equal(ox_store_get(f->s, pay_case->id, &got), 0);
	assert_non_null(strstr(got.data, "\"channel\":null,"));
	assert_non_null(strstr(got.data, "\"skus\":[],"));
	ox_buf_release(&got);
	ox_buf_release(&want);
}

/* 250 cases, pages of 100: all of them exactly once, newest first, while
 * more cases are opened and old ones change between the pages. */
static void test_pagination_stable(void **state)
{
	struct fx *f = *state;
	f->p.rules[OX_R_INC_BURST].enabled = false; /* exactly one case per order */
	char id[32];
	for (int i = 0; i < 250; i++) {
		snprintf(id, sizeof id, "Q%d", i);
		order(f, id, "", "S1", i);
	}
	assert_int_equal(ox_engine_case_count(f->e), 250);
	put_all(f);

	struct ox_buf out;
	ox_buf_init(&out, SIZE_MAX);
	static char ids[1000][24];
	size_t n = 0, pages = 0;
	char cursor[32] = "";
	do {
		struct ox_case_filter flt = { .limit = "100", .cursor = cursor };
		assert_int_equal(query(f, &flt, &out), 0);
		size_t got = ids_of(out.data, ids + n, 1000 - n);
		assert_int_equal(got, pages < 2 ? 100 : 50);
		n += got;
		cursor_of(out.data, cursor);
		pages++;
		/* between pages: new cases, and an old one resolved */
		for (int i = 0; i < 20; i++) {
			snprintf(id, sizeof id, "N%zu_%d", pages, i);
			order(f, id, "", "S1", 300 + (int64_t)pages);
		}
		snprintf(id, sizeof id, "Q%zu", pages * 7);
		phone(f, id, "13912345678", 300 + (int64_t)pages);
		put_all(f);
	} while (cursor[0]);
	assert_int_equal(pages, 3);
	assert_int_equal(n, 250);
	for (size_t i = 0; i < n; i++) { /* C00000250 .. C00000001, each once */
		char want[24];
		snprintf(want, sizeof want, "C%08zu", 250 - i);
		assert_string_equal(ids[i], want);
	}
	/* the default limit is 100 */
	struct ox_case_filter dflt = { 0 };
	assert_int_equal(query(f, &dflt, &out), 0);
	assert_int_equal(ids_of(out.data, ids, 1000), 100);
	ox_buf_release(&out);
}

/* Closing and opening again keeps everything; migrations do not run twice. */
static void test_reopen(void **state)
{
	struct fx *f = *state;
	mixed_day(f);
	put_all(f);
	struct ox_case_filter all = { .limit = "1000" };
	struct ox_buf before, after;
	ox_buf_init(&before, SIZE_MAX);
	ox_buf_init(&after, SIZE_MAX);
	assert_int_equal(query(f, &all, &before), 0);
	for (int i = 0; i < 2; i++) {
		ox_store_close(f->s);
		char err[256];
		assert_int_equal(ox_store_open(&f->s, f->path, err, sizeof err), 0);
		int v = 0;
		assert_int_equal(ox_store_schema_version(f->s, &v), 0);
		assert_int_equal(v, 7);
		assert_int_equal(query(f, &all, &after), 0);
		assert_string_equal(before.data, after.data);
		for (size_t k = 0; k < ox_engine_case_count(f->e); k++) {
			const struct ox_case *c = ox_engine_case(f->e, k);
			ox_buf_reset(&before);
			ox_buf_reset(&after);
			expected_json(f, c, false, &before);
			assert_int_equal(ox_store_get(f->s, c->id, &after), 0);
			assert_string_equal(before.data, after.data);
		}
		ox_buf_reset(&before);
		assert_int_equal(query(f, &all, &before), 0);
	}
	assert_int_equal(count_rows(f, "SELECT count(*) FROM schema_version"), 1);
	/* a file from a newer ordex is refused */
	ox_store_close(f->s);
	f->s = NULL;
	sqlite3 *db;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "UPDATE schema_version SET version = 99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	char err[256];
	assert_int_equal(ox_store_open(&f->s, f->path, err, sizeof err), OX_STORE_ESCHEMA);
	assert_null(f->s);
	assert_non_null(strstr(err, "newer"));
	ox_buf_release(&before);
	ox_buf_release(&after);
}

static void test_invalid_filters(void **state)
{
	struct fx *f = *state;
	static const struct {
		struct ox_case_filter flt;
		const char *msg;
	} rows[] = {
		{ { .rule = "NOPE" }, "rule: unknown rule \"NOPE\"" },
		{ { .rule = "pay_failed" }, "rule: unknown" },
		{ { .status = "closing" }, "status: expected open, acknowledged, in_progress" },
		{ { .sla = "late" }, "sla: expected breached or due_soon, got \"late\"" },
		{ { .category = "weather" }, "category: unknown" },
		{ { .severity = "P5" }, "severity: expected P1..P4, got \"P5\"" },
		{ { .severity = "P0" }, "severity:" },
		{ { .severity = "3" }, "severity:" },
		{ { .severity = "P11" }, "severity:" },
		{ { .since = "yesterday" }, "since:" },
		{ { .since = "2026-11-11" }, "since:" },
		{ { .limit = "0" }, "limit: expected 1..1000" },
		{ { .limit = "1001" }, "limit:" },
		{ { .limit = "-5" }, "limit:" },
		{ { .limit = "10x" }, "limit:" },
		{ { .limit = "99999999999999999999" }, "limit:" },
		{ { .cursor = "abc" }, "cursor:" },
		{ { .cursor = "0" }, "cursor:" },
		{ { .cursor = "-1" }, "cursor:" },
		{ { .cursor = "99999999999999999999999" }, "cursor:" },
	};
	struct ox_buf out;
	ox_buf_init(&out, SIZE_MAX);
	ox_buf_addz(&out, "keep");
	char long_id[OX_STORE_TEXT_MAX + 2];
	memset(long_id, 'x', sizeof long_id - 1);
	long_id[sizeof long_id - 1] = '\0';
	for (size_t r = 0; r <= OX_ARRAY_LEN(rows); r++) {
		struct ox_case_filter flt = { .order_id = long_id };
		const char *msg = "order_id: longer than";
		if (r < OX_ARRAY_LEN(rows)) {
			flt = rows[r].flt;
			msg = rows[r].msg;
		}
		char err[OX_STORE_ERRSZ] = "";
		assert_int_equal(ox_store_query(f->s, &flt, &out, err), OX_STORE_EINVAL);
		if (!strstr(err, msg))
			fail_msg("row %zu: \"%s\" lacks \"%s\"", r, err, msg);
		assert_string_equal(ox_store_errmsg(f->s), err);
		assert_string_equal(out.data, "keep"); /* out untouched */
	}
	ox_buf_release(&out);
}

/* The listener puts every change as it happens; with group commit per batch
 * the store ends equal to the engine. */
static void test_listener_sink(void **state)
{
	struct fx *f = *state;
	struct ox_store_sink sink = { .store = f->s, .params = &f->p };
	engine_start(f);
	ox_engine_set_listener(f->e, ox_store_sink_listener(&sink));
	assert_int_equal(ox_store_begin(f->s), 0);
	assert_int_equal(ox_store_begin(f->s), OX_STORE_ESTATE);
	mixed_day(f);
	assert_int_equal(sink.err, 0);
	assert_int_equal(ox_store_commit(f->s), 0);
	assert_int_equal(ox_store_commit(f->s), OX_STORE_ESTATE);
	assert_true(sink.puts > ox_engine_case_count(f->e)); /* updates too */
	struct ox_buf got, want;
	ox_buf_init(&got, SIZE_MAX);
	ox_buf_init(&want, SIZE_MAX);
	for (size_t i = 0; i < ox_engine_case_count(f->e); i++) {
		const struct ox_case *c = ox_engine_case(f->e, i);
		ox_buf_reset(&got);
		ox_buf_reset(&want);
		assert_int_equal(ox_store_get(f->s, c->id, &got), 0);
		expected_json(f, c, false, &want);
		assert_string_equal(got.data, want.data);
	}
	/* a rolled-back batch leaves nothing */
	assert_int_equal(ox_store_begin(f->s), 0);
	order(f, "R1", "", "S1", 70);
	const struct ox_case *c = ox_engine_case(f->e, ox_engine_case_count(f->e) - 1);
	assert_int_equal(ox_store_rollback(f->s), 0);
	ox_buf_reset(&got);
	assert_int_equal(ox_store_get(f->s, c->id, &got), OX_STORE_ENOTFOUND);
	ox_buf_release(&got);
	ox_buf_release(&want);
}

/* Output larger than the buffer's maximum is an error, and out is unchanged. */
/* The bare array is the "cases" member of the paged answer, byte for byte. */
static void test_query_cases_array(void **state)
{
	struct fx *f = *state;
	mixed_day(f);
	put_all(f);
	struct ox_buf page, arr;
	ox_buf_init(&page, SIZE_MAX);
	ox_buf_init(&arr, SIZE_MAX);
	char err[OX_STORE_ERRSZ];
	for (int k = 0; k < 2; k++) {
		struct ox_case_filter flt = { .limit = k ? "3" : NULL };
		assert_int_equal(query(f, &flt, &page), 0);
		ox_buf_reset(&arr);
		assert_int_equal(ox_store_query_cases(f->s, &flt, &arr, err), 0);
		const char *prefix = "{\"cases\":";
		assert_memory_equal(page.data, prefix, strlen(prefix));
		assert_memory_equal(page.data + strlen(prefix), arr.data, arr.len);
		assert_non_null(strstr(page.data + strlen(prefix) + arr.len, k ? ",\"next_cursor\":\"" : ",\"next_cursor\":null}"));
		assert_true(arr.len > 2 && arr.data[0] == '[' && arr.data[arr.len - 1] == ']');
	}
	/* too big: out unchanged, and a bad filter is refused the same way */
	struct ox_buf small;
	ox_buf_init(&small, 100);
	ox_buf_addz(&small, "x");
	struct ox_case_filter all = { 0 }, bad = { .severity = "P5" };
	assert_int_equal(ox_store_query_cases(f->s, &all, &small, err), OX_STORE_ETOOBIG);
	assert_string_equal(small.data, "x");
	assert_int_equal(ox_store_query_cases(f->s, &bad, &small, err), OX_STORE_EINVAL);
	assert_string_equal(small.data, "x");
	ox_buf_release(&small);
	ox_buf_release(&page);
	ox_buf_release(&arr);
}

static void test_output_limit(void **state)
{
	struct fx *f = *state;
	mixed_day(f);
	put_all(f);
	struct ox_buf small;
	ox_buf_init(&small, 300);
	ox_buf_addz(&small, "x");
	struct ox_case_filter all = { 0 };
	char err[OX_STORE_ERRSZ];
	assert_int_equal(ox_store_query(f->s, &all, &small, err), OX_STORE_ETOOBIG);
	assert_string_equal(small.data, "x");
	assert_int_equal(ox_store_get(f->s, "C00000001", &small), OX_STORE_ETOOBIG);
	assert_string_equal(small.data, "x");
	ox_buf_release(&small);
	assert_string_equal(ox_store_strerror(OX_STORE_ENOTFOUND), "case not found");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_creates_schema, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_checkpoint_elsewhere, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_bulk_writes, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_filters, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_count_status, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_sort_due, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_json_equals_case_json, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_reput_and_resolution, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_timeline_tail, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_playbook_columns, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_pagination_stable, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_reopen, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_invalid_filters, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_listener_sink, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_output_limit, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_query_cases_array, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_meta, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_dimension_columns, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}

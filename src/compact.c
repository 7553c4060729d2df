/* compact.c - see compact.h. */
#include "compact.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "archive.h"
#include "evlog.h"
#include "orderidx.h"

static void sift(uint64_t *v, size_t i, size_t n)
{
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			return;
		if (c + 1 < n && v[c + 1] > v[c])
			c++;
		if (v[i] >= v[c])
			return;
		uint64_t t = v[i];
		v[i] = v[c];
		v[c] = t;
		i = c;
	}
}

void ox_compact_sort(uint64_t *v, size_t n)
{
	for (size_t i = n / 2; i-- > 0;)
		sift(v, i, n);
	for (size_t k = n; k-- > 1;) {
		uint64_t t = v[0];
		v[0] = v[k];
		v[k] = t;
		sift(v, 0, k);
	}
}

struct gather {
	uint64_t from, below; /* the seqs wanted: [from, below) */
	uint64_t *v;    /* NULL: count only */
	size_t n, cap;  /* seqs seen; room in v */
};

static void gather_order(void *ctx, const char *id, size_t len, const uint64_t *seqs, size_t n)
{
	(void)id;
	(void)len;
	struct gather *g = ctx;
	for (size_t i = 0; i < n && seqs[i] < g->below; i++) { /* seqs grow */
		if (seqs[i] < g->from)
			continue; /* in an archive written before */
		if (g->v && g->n < g->cap)
			g->v[g->n] = seqs[i];
		g->n++;
	}
}

/* The records come in seq order from the log: each one wanted is written. */
struct merge {
	const uint64_t *want;
	size_t n, at;
	struct ox_archive_w *w;
	uint64_t written;
};

static int take(void *ctx, uint64_t seq, const char *p, size_t len)
{
	struct merge *m = ctx;
	while (m->at < m->n && m->want[m->at] < seq)
		m->at++;
	if (m->at < m->n && m->want[m->at] == seq) {
		ox_archive_w_add(m->w, seq, p, len);
		m->written++;
	}
	return 0;
}

int ox_compact_archive(const struct ox_orderidx *orders, struct ox_evlog *log,
		       uint64_t keep_from, const char *dir, unsigned char *buf, size_t cap,
		       struct ox_compact_stats *st, char *err, size_t errsz)
{
	memset(st, 0, sizeof *st);
	struct gather g = { .from = ox_evlog_first_seq(log), .below = keep_from };
	ox_orderidx_each(orders, gather_order, &g);
	/* the wanted seqs, then the archive's index (two per record) */
	size_t n = g.n, bytes = (3 * (n ? n : 1)) * sizeof(uint64_t);
	uint64_t *mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		snprintf(err, errsz, "archive: %zu bytes: %s", bytes, strerror(errno));
		return -1;
	}
	g.v = mem;
	g.n = 0;
	g.cap = n;
	ox_orderidx_each(orders, gather_order, &g);
	ox_compact_sort(mem, n);
	st->wanted = n;

	struct ox_archive_w w;
	int rc = ox_archive_w_open(&w, dir, g.from, keep_from - 1, buf, cap, mem + n, n, err, errsz);
	if (rc == 0) {
		struct merge m = { .want = mem, .n = n, .w = &w };
		if (ox_evlog_scan_before(log, keep_from, take, &m)) {
			snprintf(err, errsz, "event log: %s", ox_evlog_errmsg(log));
			rc = -1;
		}
		st->written = m.written;
		st->bytes = w.off;
		if (rc)
			ox_archive_w_abort(&w);
		else
			rc = ox_archive_w_commit(&w, err, errsz);
	}
	munmap(mem, bytes);
	return rc;
}

/* ---- merging archives ---------------------------------------------------------- */

/* Anonymous memory for n uint64_t (at least one): the child's heap may be
 * mid-change from another thread at the fork. */
static uint64_t *map_u64(size_t n, char *err, size_t errsz)
{
	size_t bytes = (n ? n : 1) * sizeof(uint64_t);
	void *m = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		snprintf(err, errsz, "archive merge: %zu bytes: %s", bytes, strerror(errno));
		return NULL;
	}
	return m;
}

static void unmap_u64(uint64_t *p, size_t n)
{
	munmap(p, (n ? n : 1) * sizeof(uint64_t));
}

/* Per archive of the set, how many of its seqs the order index still holds. */
struct census {
	const struct ox_archives *set;
	uint64_t *count;
};

static void count_order(void *ctx, const char *id, size_t len, const uint64_t *seqs, size_t n)
{
	(void)id;
	(void)len;
	struct census *c = ctx;
	uint64_t upto = ox_archives_upto(c->set);
	size_t a = 0;
	for (size_t i = 0; i < n && seqs[i] <= upto; i++) { /* seqs grow, so does a */
		while (c->set->v[a].upto < seqs[i])
			a++;
		if (seqs[i] >= c->set->v[a].from)
			c->count[a]++;
	}
}

/* A run of archives lo..hi of the set that becomes one. */
struct unit {
	uint64_t lo, hi, kept, rewrite;
};

/* Merge the archives u.lo..u.hi into one, keeping the records of orders. */
static int merge_unit(const struct ox_orderidx *orders, const struct ox_archives *set, const struct unit *u,
		      const char *dir, unsigned char *buf, size_t cap, unsigned char *rbuf, size_t rcap,
		      struct ox_merge_stats *st, char *err, size_t errsz)
{
	const struct ox_archive *first = &set->v[u->lo], *last = &set->v[u->hi];
	struct gather g = { .from = first->from, .below = last->upto + 1 };
	ox_orderidx_each(orders, gather_order, &g); /* counted, then taken */
	size_t n = g.n;
	uint64_t *mem = map_u64(3 * n, err, errsz);
	if (!mem)
		return -1;
	g = (struct gather){ .from = first->from, .below = last->upto + 1, .v = mem, .cap = n };
	ox_orderidx_each(orders, gather_order, &g);
	ox_compact_sort(mem, n);
	struct ox_archive_w w;
	int rc = ox_archive_w_open(&w, dir, first->from, last->upto, buf, cap, mem + n, n, err, errsz);
	if (rc == 0) {
		struct merge m = { .want = mem, .n = n, .w = &w };
		for (uint64_t i = u->lo; i <= u->hi && rc == 0; i++)
			if (ox_archive_each(&set->v[i], rbuf, rcap, take, &m)) {
				snprintf(err, errsz, "archive %020llu.arch: a record does not read back",
					 (unsigned long long)set->v[i].upto);
				rc = -1;
			}
		if (rc)
			ox_archive_w_abort(&w);
		else
			rc = ox_archive_w_commit(&w, err, errsz);
		if (rc == 0) {
			st->merges++;
			st->replaced += u->hi - u->lo + 1;
			for (uint64_t i = u->lo; i <= u->hi; i++) {
				st->records_in += set->v[i].n;
				st->bytes_in += set->v[i].size;
			}
			st->records_out += m.written;
			st->bytes_out += w.off;
		}
	}
	unmap_u64(mem, 3 * n);
	return rc;
}

int ox_compact_merge(const struct ox_orderidx *orders, const struct ox_archives *set, size_t max,
		     const char *dir, unsigned char *buf, size_t cap, struct ox_merge_stats *st, char *err,
		     size_t errsz)
{
	memset(st, 0, sizeof *st);
	size_t n = set->n;
	if (n == 0)
		return 0;
	max = max ? max : 1;
	uint64_t *mem = map_u64(n + 4 * n, err, errsz);
	if (!mem)
		return -1;
	struct census c = { set, mem };
	ox_orderidx_each(orders, count_order, &c);
	/* runs of archives that are mostly dropped orders' records */
	struct unit *u = (struct unit *)(void *)(mem + n);
	size_t units = 0;
	for (size_t i = 0; i < n; i++) {
		bool sparse = c.count[i] * 2 < set->v[i].n;
		if (sparse && units && u[units - 1].rewrite) {
			u[units - 1].hi = i;
			u[units - 1].kept += c.count[i];
		} else {
			u[units++] = (struct unit){ i, i, c.count[i], sparse };
		}
	}
	/* too many: merge the lightest neighbours */
	while (units > max) {
		size_t j = 0;
		for (size_t k = 1; k + 1 < units; k++)
			if (u[k].kept + u[k + 1].kept < u[j].kept + u[j + 1].kept)
				j = k;
		u[j] = (struct unit){ u[j].lo, u[j + 1].hi, u[j].kept + u[j + 1].kept, 1 };
		memmove(&u[j + 1], &u[j + 2], (units - j - 2) * sizeof *u);
		units--;
	}
	int rc = 0;
	unsigned char *rbuf = MAP_FAILED;
	size_t rcap = OX_EVLOG_RECORD_LIMIT + OX_EVLOG_RECORD_OVERHEAD; /* the largest record; pages touched as used */
	for (size_t k = 0; k < units && rc == 0; k++) {
		if (!u[k].rewrite)
			continue;
		if (rbuf == MAP_FAILED) {
			rbuf = mmap(NULL, rcap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (rbuf == MAP_FAILED) {
				snprintf(err, errsz, "archive merge: %zu bytes: %s", rcap, strerror(errno));
				rc = -1;
				break;
			}
		}
		rc = merge_unit(orders, set, &u[k], dir, buf, cap, rbuf, rcap, st, err, errsz);
	}
	if (rbuf != MAP_FAILED)
		munmap(rbuf, rcap);
	unmap_u64(mem, 5 * n);
	return rc;
}

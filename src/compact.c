/* compact.c - see compact.h. */
#include "compact.h"

#include <errno.h>
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
	uint64_t from, below; /* the log's first seq, keep_from */
	uint64_t *v;    /* NULL: count only */
	size_t n;
};

static void gather_order(void *ctx, const char *id, size_t len, const uint64_t *seqs, size_t n)
{
	(void)id;
	(void)len;
	struct gather *g = ctx;
	for (size_t i = 0; i < n && seqs[i] < g->below; i++) { /* seqs grow */
		if (seqs[i] < g->from)
			continue; /* in an archive written before */
		if (g->v)
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
		       uint64_t keep_from, const char *dir, uint64_t seq, unsigned char *buf, size_t cap,
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
	ox_orderidx_each(orders, gather_order, &g);
	ox_compact_sort(mem, n);
	st->wanted = n;

	struct ox_archive_w w;
	int rc = ox_archive_w_open(&w, dir, seq, keep_from - 1, buf, cap, mem + n, n, err, errsz);
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

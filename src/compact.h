/* compact.h - building the order archive that lets compaction remove log
 * segments (docs/retention.md): the records of the segments that go, of
 * every order the state at a snapshot keeps; and merging older archives
 * without the records of the orders the state no longer keeps.
 *
 * Allocates nothing from the heap (the daemon runs it in the child process
 * that wrote the snapshot): the list of seqs to keep lives in an anonymous
 * mapping.
 */
#ifndef OX_COMPACT_H
#define OX_COMPACT_H

#include <stddef.h>
#include <stdint.h>

struct ox_orderidx;
struct ox_evlog;
struct ox_archives;

struct ox_compact_stats {
	uint64_t wanted;  /* records of kept orders before keep_from */
	uint64_t written; /* of those, found and archived */
	uint64_t bytes;   /* the archive's size */
};

/* Write DIR/UPTO.arch, upto = keep_from - 1, covering the log's segments
 * before keep_from (ox_evlog_keep_from) and holding every record in them of
 * the orders in orders: the archives written before hold the older ones.
 * buf[cap] buffers the writes. 0, or -1 with the reason in err (no
 * archive is left then). */
int ox_compact_archive(const struct ox_orderidx *orders, struct ox_evlog *log,
		       uint64_t keep_from, const char *dir, unsigned char *buf, size_t cap,
		       struct ox_compact_stats *st, char *err, size_t errsz);

struct ox_merge_stats {
	uint64_t merges;      /* archives written */
	uint64_t replaced;    /* archives they replace */
	uint64_t records_in;  /* records of the archives replaced */
	uint64_t records_out; /* of those, of orders still kept: written */
	uint64_t bytes_in, bytes_out;
};

/* Rewrite archives of set whose records are mostly of orders no longer in
 * orders (those still kept are fewer than half), merging neighbours that
 * are so into one; then, while more than max would stay, merge the two
 * neighbours with the fewest records kept. Each merge writes one archive
 * covering its inputs' ranges with their records of orders in orders,
 * named by the last one's upto (its rename replaces that one); the set's
 * refresh then removes the others (archive.h). buf[cap] buffers the
 * writes. Allocates nothing from the heap. 0, or -1 with the reason in err
 * (the merges done before stay: each is whole). */
int ox_compact_merge(const struct ox_orderidx *orders, const struct ox_archives *set, size_t max,
		     const char *dir, unsigned char *buf, size_t cap, struct ox_merge_stats *st, char *err,
		     size_t errsz);

/* Sort v[n] ascending in place without allocating (heapsort). */
void ox_compact_sort(uint64_t *v, size_t n);

#endif

/* compact.h - building the order archive that lets compaction remove log
 * segments (docs/retention.md): the records of the segments that go, of
 * every order the state at a snapshot keeps.
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

struct ox_compact_stats {
	uint64_t wanted;  /* records of kept orders before keep_from */
	uint64_t written; /* of those, found and archived */
	uint64_t bytes;   /* the archive's size */
};

/* Write DIR/SEQ.arch (seq: the snapshot's) holding every record of the
 * orders in orders that is in the log's segments before keep_from
 * (ox_evlog_keep_from): the archives written before hold the older ones.
 * buf[cap] buffers the writes. 0, or -1 with the reason in err (no
 * archive is left then). */
int ox_compact_archive(const struct ox_orderidx *orders, struct ox_evlog *log,
		       uint64_t keep_from, const char *dir, uint64_t seq, unsigned char *buf, size_t cap,
		       struct ox_compact_stats *st, char *err, size_t errsz);

/* Sort v[n] ascending in place without allocating (heapsort). */
void ox_compact_sort(uint64_t *v, size_t n);

#endif

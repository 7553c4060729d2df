/* archive.h - the order archive: the log records, removed from the event log
 * by compaction, of the orders the state still keeps, so that GET
 * /api/v1/orders/{id} still shows their whole history (docs/retention.md).
 *
 * A file DIR/UUUUUUUUUUUUUUUUUUUU.arch covering the log seqs [from, upto]
 * (named by upto, in 20 digits) and holding, of those, the records of the
 * orders the state kept when it was written. A compaction writes one for
 * the segments it removes, and may merge older ones into one covering their
 * ranges (compact.h): the merged file is named by the last one's upto, so
 * its rename replaces that one, and it supersedes the others inside its
 * range, which the set removes (ox_archives_refresh). Written as NAME.tmp,
 * synced, renamed and the directory synced: a crash leaves a whole archive
 * or a .tmp file that the next listing removes.
 *
 * Layout (little-endian):
 *   header  32 bytes: "OXARCH2\n", u64 from, u64 upto, u32 CRC-32C of 0..23, u32 0
 *   records as in the log: u32 CRC-32C of 4..end, u32 length, u64 seq, payload;
 *           seqs strictly increasing, inside [from, upto]
 *   index   per record: u64 seq, u64 file offset of the record
 *   trailer 32 bytes: u64 records, u64 offset of the index, u32 CRC-32C of
 *           the index, u32 0, "OXAEND1\n"
 *
 * Reading uses pread, never a mapping (a disk error under a mapping is a
 * SIGBUS that ends the daemon; a pread answers an error). Opening reads the
 * header, the trailer and the index once (its CRC, increasing seqs inside
 * the range, records back to back from the header to the index) and keeps
 * every OX_ARCHIVE_SPARSE-th seq in memory; a lookup is a binary search in
 * those, one pread of a block of the index and one of the record, whose CRC,
 * length and seq are checked then.
 *
 * Writing allocates nothing (the daemon writes it from a forked child): the
 * caller gives the write buffer and the memory of the index.
 */
#ifndef OX_ARCHIVE_H
#define OX_ARCHIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "syncfile.h"

#define OX_ARCHIVE_ERRSZ 256
/* Index entries per seq kept in memory: 8 bytes per 64 records, and a
 * lookup reads 1 KiB of the index. */
#define OX_ARCHIVE_SPARSE 64

struct ox_archive_w {
	struct ox_syncfile f; /* DIR/UPTO.arch, synced in steps */
	uint64_t *idx; /* seq, offset pairs: the caller's memory for idx_cap records */
	uint64_t n, idx_cap;
	uint64_t from, upto;
	uint64_t off;  /* bytes in the file, buffered ones included */
	bool overflow; /* idx was full, or records out of order or range */
};

/* Create DIR/UPTO.arch.tmp (from <= upto) and write the header. buf[cap]
 * (at least 64 bytes) buffers the writes; idx holds 2 * idx_cap uint64_t.
 * 0, or -1 with the reason in err. */
int ox_archive_w_open(struct ox_archive_w *w, const char *dir, uint64_t from, uint64_t upto, unsigned char *buf,
		      size_t cap, uint64_t *idx, uint64_t idx_cap, char *err, size_t errsz);
/* Add the record seq (greater than every seq added before, in [from, upto]).
 * A failure is kept and reported by commit. */
void ox_archive_w_add(struct ox_archive_w *w, uint64_t seq, const char *payload, size_t len);
/* Write the index and trailer, sync, rename, sync the directory. 0, or -1
 * with the reason in err (no file stays). */
int ox_archive_w_commit(struct ox_archive_w *w, char *err, size_t errsz);
void ox_archive_w_abort(struct ox_archive_w *w);

struct ox_archive {
	int fd; /* -1: closed */
	dev_t dev;
	ino_t ino; /* which file: a merge renames a new one over the name */
	uint64_t size, from, upto, n;
	uint64_t index_off;
	uint64_t *sparse; /* the seq of index entry k * OX_ARCHIVE_SPARSE */
};

/* Check an open archive file and set a up to read it; a owns fd from here
 * on (closed on failure). 0, or -1 with the reason in err. */
int ox_archive_open_fd(struct ox_archive *a, int fd, char *err, size_t errsz);
/* Open DIR/UPTO.arch: as ox_archive_open_fd, and its upto must be its name. */
int ox_archive_open(struct ox_archive *a, const char *dir, uint64_t upto, char *err, size_t errsz);
void ox_archive_close(struct ox_archive *a);

/* Append the payload of record seq to out: 0, 1 when the archive does not
 * hold it, -1 when it cannot be read or its bytes are not that record
 * (damage), or out is full. */
struct ox_buf;
int ox_archive_get(const struct ox_archive *a, uint64_t seq, struct ox_buf *out);
/* Every record in seq order, read through buf[cap] (a record larger than
 * cap - 16 fails); a non-zero return of fn stops with it. -1 when a record
 * is damaged or unreadable. Allocates nothing (compaction's child merges
 * archives with it). */
typedef int ox_archive_each_fn(void *ctx, uint64_t seq, const char *payload, size_t len);
int ox_archive_each(const struct ox_archive *a, unsigned char *buf, size_t cap, ox_archive_each_fn *fn,
		    void *ctx);

/* The archives in use, by range, oldest first; their ranges do not
 * overlap (a record is looked up in the first whose upto reaches it). */
struct ox_archives {
	struct ox_archive *v;
	size_t n, cap;
};

/* At most this many archives stay after a compaction: beyond, it merges
 * neighbours (compact.h). */
#define OX_ARCHIVES_MAX 16

/* Open every DIR/UPTO.arch (ox_archives_refresh into an empty set). */
int ox_archives_open(struct ox_archives *s, const char *dir, char *err, size_t errsz);
/* Bring s in line with the directory after a compaction wrote or merged
 * archives: remove temporary files of an interrupted write, keep the files
 * s has open that did not change, open the new ones; then remove (unlink,
 * sync the directory) every archive whose range lies inside another's (a
 * merge replaced it) and then every archive holding no record but the
 * newest (its upto tells a start which log segments a compaction already
 * archived). Ranges that overlap otherwise are refused (no compaction
 * writes them). 0, or -1 with the reason in err, s unchanged. */
int ox_archives_refresh(struct ox_archives *s, const char *dir, char *err, size_t errsz);
/* As ox_archive_get, in the archive whose range holds seq. */
int ox_archives_get(const struct ox_archives *s, uint64_t seq, struct ox_buf *out);
/* The last seq the archives cover (0: none), and their bytes. */
uint64_t ox_archives_upto(const struct ox_archives *s);
uint64_t ox_archives_bytes(const struct ox_archives *s);
void ox_archives_close(struct ox_archives *s);

#endif

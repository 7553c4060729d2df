/* archive.h - the order archive: the log records, removed from the event log
 * by compaction, of the orders the state still keeps, so that GET
 * /api/v1/orders/{id} still shows their whole history (docs/retention.md).
 *
 * A file DIR/SSSSSSSSSSSSSSSSSSSS.arch beside the snapshot at seq S. It
 * holds, of every order in that snapshot's order index, the records at or
 * below its `upto` (everything before the first log segment that stays).
 * Written as NAME.tmp, synced, renamed and the directory synced: a crash
 * leaves a whole archive or a .tmp file that the next listing removes.
 *
 * Layout (little-endian):
 *   header  32 bytes: "OXARCH1\n", u64 S, u64 upto, u32 CRC-32C of 0..23, u32 0
 *   records as in the log: u32 CRC-32C of 4..end, u32 length, u64 seq, payload;
 *           seqs strictly increasing
 *   index   per record: u64 seq, u64 file offset of the record
 *   trailer 32 bytes: u64 records, u64 offset of the index, u32 CRC-32C of
 *           the index, u32 0, "OXAEND1\n"
 * Reading maps the file, checks header, trailer and the index (its CRC,
 * increasing seqs, offsets inside the records) at open; a record's own CRC
 * and seq are checked when it is read.
 *
 * Writing allocates nothing (the daemon writes it from a forked child): the
 * caller gives the write buffer and the memory of the index.
 */
#ifndef OX_ARCHIVE_H
#define OX_ARCHIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "syncfile.h"

#define OX_ARCHIVE_ERRSZ 256

struct ox_archive_w {
	struct ox_syncfile f; /* DIR/SEQ.arch, synced in steps */
	uint64_t *idx; /* seq, offset pairs: the caller's memory for idx_cap records */
	uint64_t n, idx_cap;
	uint64_t off;  /* bytes in the file, buffered ones included */
	bool overflow; /* idx was full, or records out of order */
};

/* Create DIR/SEQ.arch.tmp and write the header. buf[cap] (at least 64
 * bytes) buffers the writes; idx holds 2 * idx_cap uint64_t. 0, or -1 with
 * the reason in err. */
int ox_archive_w_open(struct ox_archive_w *w, const char *dir, uint64_t seq, uint64_t upto, unsigned char *buf,
		      size_t cap, uint64_t *idx, uint64_t idx_cap, char *err, size_t errsz);
/* Add the record seq (greater than every seq added before). A failure is
 * kept and reported by commit. */
void ox_archive_w_add(struct ox_archive_w *w, uint64_t seq, const char *payload, size_t len);
/* Write the index and trailer, sync, rename, sync the directory. 0, or -1
 * with the reason in err (no file stays). */
int ox_archive_w_commit(struct ox_archive_w *w, char *err, size_t errsz);
void ox_archive_w_abort(struct ox_archive_w *w);

struct ox_archive {
	const unsigned char *data; /* the whole file */
	size_t size;
	void *map; /* data when ox_archive_open mapped it, else NULL */
	uint64_t seq, upto, n;
	const unsigned char *idx;
};

/* Check the bytes of an archive (data[size], kept by the caller) and set a
 * up to read them. 0, or -1 with the reason in err. */
int ox_archive_parse(struct ox_archive *a, const unsigned char *data, size_t size, char *err, size_t errsz);
/* Map DIR/SEQ.arch read-only and parse it. */
int ox_archive_open(struct ox_archive *a, const char *dir, uint64_t seq, char *err, size_t errsz);
void ox_archive_close(struct ox_archive *a);

/* The payload of record seq: 0, 1 when the archive does not hold it, -1
 * when its bytes are not that record (damage). */
int ox_archive_get(const struct ox_archive *a, uint64_t seq, const char **payload, size_t *len);
/* Every record in seq order; a non-zero return of fn stops with it. -1 when
 * a record is damaged. Allocates nothing. */
typedef int ox_archive_each_fn(void *ctx, uint64_t seq, const char *payload, size_t len);
int ox_archive_each(const struct ox_archive *a, ox_archive_each_fn *fn, void *ctx);

/* The archives in use, one per compaction, oldest first: each holds the
 * records of the segments that compaction removed, so their ranges follow
 * one another (a record is looked up in the first whose upto reaches it). */
struct ox_archives {
	struct ox_archive *v;
	size_t n, cap;
};

/* Open every DIR/S.arch, oldest first (temporary files of an interrupted
 * write are removed). 0, or -1 with the reason in err (none stays open). */
int ox_archives_open(struct ox_archives *s, const char *dir, char *err, size_t errsz);
/* Open DIR/seq.arch (newer than every one in s) and add it. */
int ox_archives_add(struct ox_archives *s, const char *dir, uint64_t seq, char *err, size_t errsz);
/* As ox_archive_get, in the archive whose range holds seq. */
int ox_archives_get(const struct ox_archives *s, uint64_t seq, const char **payload, size_t *len);
/* The last seq the archives cover (0: none), and their bytes. */
uint64_t ox_archives_upto(const struct ox_archives *s);
uint64_t ox_archives_bytes(const struct ox_archives *s);
void ox_archives_close(struct ox_archives *s);

#endif

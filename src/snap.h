/* snap.h - snapshot files: the daemon's state at one log seq, so that a
 * restart reads the state and replays only the records after it
 * (docs/retention.md).
 *
 * A snapshot is a directory entry DIR/NNNNNNNNNNNNNNNNNNNN.snap (the seq it
 * holds, 20 digits, like the log's segments) written as NAME.tmp, synced,
 * renamed and the directory synced, so a crash leaves a complete snapshot
 * or none. The bytes: a header (magic, format version, seq), the body the
 * modules write field by field in a fixed little-endian layout (never a
 * struct's memory, so the format does not follow the compiler), and a
 * trailer with the body's length and a CRC-32C of everything before it.
 *
 * Writing never allocates when given its buffer (the daemon writes from a
 * forked child, where the heap of other threads may be mid-change) and
 * never fails in the middle: an I/O error is kept and reported by commit.
 *
 * Reading loads the whole file, checks the trailer first, then hands out
 * fields with bounds checks: a get past the end, a length over its limit or
 * a section tag out of place marks the reader bad (with the offset and
 * what was expected), later gets return zeroes, and ox_snap_r_ok() says so
 * at the end. A reader never trusts a length or a count it read.
 */
#ifndef OX_SNAP_H
#define OX_SNAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "syncfile.h"

/* Written: 3. Read: 2 too (its missing fields are derived), so an upgrade
 * starts from a compacted data directory, whose log is gone. */
#define OX_SNAP_VERSION 3
#define OX_SNAP_VERSION_MIN 2
#define OX_SNAP_ERRSZ 256

struct ox_snap_w {
	struct ox_syncfile f; /* DIR/SEQ.snap, 20 digits */
	uint64_t seq;
	uint32_t crc;
	uint64_t body;   /* bytes after the header */
	bool own_buf;
};

/* Create DIR/SEQ.snap.tmp (DIR is created when missing) and write the
 * header, buffering through buf[cap] (the caller's, at least 64 bytes; NULL:
 * one of its own). 0, or -1 with the reason in err. */
#define OX_SNAP_BUFSZ (1u << 20)
int ox_snap_w_open(struct ox_snap_w *w, const char *dir, uint64_t seq, unsigned char *buf, size_t cap, char *err,
		   size_t errsz);
void ox_snap_u8(struct ox_snap_w *w, uint8_t v);
void ox_snap_u32(struct ox_snap_w *w, uint32_t v);
void ox_snap_u64(struct ox_snap_w *w, uint64_t v);
void ox_snap_i64(struct ox_snap_w *w, int64_t v);
void ox_snap_bytes(struct ox_snap_w *w, const void *p, size_t n);
/* A length-prefixed string; NULL is kept apart from "". */
void ox_snap_str(struct ox_snap_w *w, const char *s);
void ox_snap_strn(struct ox_snap_w *w, const char *s, size_t n);
/* A four-letter section tag: a reader out of step stops at the next one. */
void ox_snap_tag(struct ox_snap_w *w, const char tag[4]);
/* Write the trailer, sync, rename to DIR/SEQ.snap, sync the directory.
 * 0, or -1 with the reason in err (the temporary file is removed). Frees
 * the writer either way. */
int ox_snap_w_commit(struct ox_snap_w *w, char *err, size_t errsz);
/* Drop an unfinished snapshot (no file stays). */
void ox_snap_w_abort(struct ox_snap_w *w);
/* Close this process's hold on a snapshot another one (a forked child)
 * goes on writing: the file stays. */
void ox_snap_w_forget(struct ox_snap_w *w);

struct ox_snap_r {
	unsigned char *data;
	const unsigned char *p, *end;
	uint64_t seq;
	uint32_t version; /* the file's format */
	bool bad;
	char why[160];
};

/* Read DIR/SEQ.snap whole and check its header and trailer. 0, or -1 with
 * the reason in err (nothing to close then). */
int ox_snap_r_open(struct ox_snap_r *r, const char *dir, uint64_t seq, char *err, size_t errsz);
uint8_t ox_snap_get_u8(struct ox_snap_r *r);
uint32_t ox_snap_get_u32(struct ox_snap_r *r);
uint64_t ox_snap_get_u64(struct ox_snap_r *r);
int64_t ox_snap_get_i64(struct ox_snap_r *r);
bool ox_snap_get_bytes(struct ox_snap_r *r, void *p, size_t n);
/* A string as written by ox_snap_str: a NUL-terminated heap copy (or NULL
 * when NULL was written), *len its length (may be NULL). Longer than max:
 * the reader goes bad and NULL is returned. */
char *ox_snap_get_str(struct ox_snap_r *r, size_t max, size_t *len);
/* The same into dst[size] (a string that does not fit makes it bad). */
void ox_snap_get_strbuf(struct ox_snap_r *r, char *dst, size_t size);
/* A count of items each at least min_bytes long: bad when the rest of the
 * file cannot hold that many (so no count read can make a huge allocation). */
uint64_t ox_snap_get_count(struct ox_snap_r *r, size_t min_bytes);
void ox_snap_expect(struct ox_snap_r *r, const char tag[4]);
/* Mark the reader bad with why (the first reason is kept). */
void ox_snap_r_fail(struct ox_snap_r *r, const char *why);
/* True when every get so far was within the file and nothing was bad. */
bool ox_snap_r_ok(const struct ox_snap_r *r);
/* True when the whole body was read. */
bool ox_snap_r_done(const struct ox_snap_r *r);
void ox_snap_r_close(struct ox_snap_r *r);

/* The seqs of the snapshots in dir, newest first, at most max of them.
 * Returns how many were found (0 when dir is missing). Temporary files of
 * an interrupted write are removed. */
size_t ox_snap_list(const char *dir, uint64_t *seqs, size_t max);
/* Remove every snapshot in dir older than keep_from. */
void ox_snap_prune(const char *dir, uint64_t keep_from);

#endif

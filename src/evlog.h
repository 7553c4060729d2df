/* evlog.h - the durable event log: an append-only directory of segment files
 * with a length, a sequence number and a CRC-32C per record, written with
 * group commit. Format, recovery rules and measurements: docs/evlog.md.
 *
 * Use: ox_evlog_open() replays every record already in the log through a
 * callback (so the caller rebuilds its state), repairs a torn tail left by a
 * crash and returns the log ready to append. ox_evlog_append() only buffers a
 * record in memory and gives it the next sequence number; ox_evlog_commit()
 * writes everything buffered with one write and one fdatasync, and only when
 * it returns 0 are those records durable (may be acknowledged).
 *
 * Ownership and threads: ox_evlog_open() returns an object that
 * ox_evlog_close() frees. One thread owns it (the engine's writer); nothing
 * here locks. A process-wide advisory lock on DIR/LOCK keeps a second process
 * from opening the same directory.
 *
 * Failure: a failed write or fdatasync makes the log unusable (every later
 * append or commit returns OX_EVLOG_EBROKEN): after a failed fsync the kernel
 * may have dropped the dirty pages, so retrying could report lost data as
 * durable. Close it and open it again; recovery repairs the tail.
 */
#ifndef OX_EVLOG_H
#define OX_EVLOG_H

#include <stddef.h>
#include <stdint.h>

/* X(enum suffix, value, message) */
#define OX_EVLOG_ERRORS(X)                                                          \
	X(OK, 0, "ok")                                                              \
	X(EINVAL, -1, "invalid argument")                                           \
	X(EIO, -2, "input/output error")                                            \
	X(ECORRUPT, -3, "log is corrupt")                                           \
	X(ELOCKED, -4, "log is in use by another process")                          \
	X(EEMPTY, -5, "empty record")                                               \
	X(ETOOBIG, -6, "record too large")                                          \
	X(EFULL, -7, "commit buffer full")                                          \
	X(EBROKEN, -8, "log unusable after an earlier write failure")               \
	X(EREPLAY, -9, "replay callback failed")                                    \
	X(ENOTFOUND, -10, "no such record")

enum ox_evlog_err {
#define X(e, v, msg) OX_EVLOG_##e = v,
	OX_EVLOG_ERRORS(X)
#undef X
};
/* The message of an enum ox_evlog_err value. */
const char *ox_evlog_strerror(int err);

/* Hard limits of the format (the header stores the two sizes as u32). */
#define OX_EVLOG_RECORD_LIMIT (64u << 20)
#define OX_EVLOG_BUFFER_LIMIT (1u << 30)
/* The most zeros written ahead (ox_evlog_opts.prealloc). */
#define OX_EVLOG_PREALLOC_LIMIT (64u << 20)
/* Bytes of framing in front of each payload. */
#define OX_EVLOG_RECORD_OVERHEAD 16u

enum ox_evlog_sync {
	OX_EVLOG_FDATASYNC, /* commit = write + fdatasync; segment creation syncs the directory */
	OX_EVLOG_NOSYNC,    /* no sync at all: for tests and benchmarks; survives kill -9, not a power cut */
};

/* A zero field takes the default; a NULL opts takes every default. */
struct ox_evlog_opts {
	uint64_t segment_max; /* roll to a new segment file before it grows past this (64 MiB) */
	uint32_t record_max;  /* largest payload, 1..OX_EVLOG_RECORD_LIMIT (1 MiB + 4 KiB) */
	uint32_t buffer_max;  /* bytes buffered between commits, framing included, at least
			       * record_max + OX_EVLOG_RECORD_OVERHEAD, at most
			       * OX_EVLOG_BUFFER_LIMIT (8 MiB) */
	enum ox_evlog_sync sync;
	uint32_t prealloc;    /* zeros kept written ahead of the active segment's records (0: none);
			       * a commit that overwrites them syncs no change of the file's size */
};

/* What ox_evlog_open() found. A torn tail is the end of the last segment that
 * holds no complete valid record: what a crash during a commit leaves. It
 * held no acknowledged record and was cut off. */
struct ox_evlog_recovery {
	uint64_t segments;       /* segment files read */
	uint64_t records;        /* records replayed */
	uint64_t first_seq;      /* of the first record in the log; 0 when empty */
	uint64_t torn_bytes;     /* bytes cut off; 0 when the log ended cleanly */
	uint64_t torn_segment;   /* the segment cut (its first seq, as in its name) */
	uint64_t torn_offset;    /* where it was cut */
	const char *torn_reason; /* e.g. "bad crc"; NULL when nothing was cut */
};

/* Called for each record in order. payload (len bytes, not NUL-terminated) is
 * valid during the call only. A non-zero return stops the replay and
 * ox_evlog_open() fails with OX_EVLOG_EREPLAY. */
typedef int ox_evlog_replay_fn(void *ctx, uint64_t seq, const char *payload, size_t len);

struct ox_evlog;

/* Open the log in dir (created, with its parent synced, when missing), replay
 * every record through replay (may be NULL), cut a torn tail, and sync what
 * was replayed, so that everything replayed is durable. Sequence numbers start
 * at 1 and continue after the last record. Returns 0 and *out, or an enum
 * ox_evlog_err with a message in err ("DIR: 00000000000000000001.log: bad crc
 * at offset 4096", ...). Damage that a crash cannot explain (a bad record in
 * an earlier segment, a header, a gap between segments, a bad record in the
 * last segment followed by more than one commit's worth of bytes) is
 * OX_EVLOG_ECORRUPT: acknowledged records are never dropped silently. */
int ox_evlog_open(struct ox_evlog **out, const char *dir, const struct ox_evlog_opts *opts,
		  ox_evlog_replay_fn *replay, void *ctx, char *err, size_t errsz);

/* Buffer a copy of payload as the next record and store its sequence number
 * in *seq_out (may be NULL). Not durable until ox_evlog_commit() returns 0.
 * Errors (nothing buffered): OX_EVLOG_EEMPTY (len 0), OX_EVLOG_ETOOBIG
 * (len > record_max), OX_EVLOG_EFULL (commit, then append again; no
 * message is set for it),
 * OX_EVLOG_EBROKEN. */
int ox_evlog_append(struct ox_evlog *log, const char *payload, size_t len, uint64_t *seq_out);

/* Make every buffered record durable: one write and one fdatasync per
 * segment touched (two files when the commit crosses a rollover). 0 when
 * nothing is buffered. OX_EVLOG_EIO leaves the log broken. */
int ox_evlog_commit(struct ox_evlog *log);

/* The last durable sequence number (0 when the log is empty). */
uint64_t ox_evlog_durable_seq(const struct ox_evlog *log);

struct ox_buf;

/* Append the payload of the durable record seq to out (as ox_buf_add does;
 * util.h). OX_EVLOG_ENOTFOUND when seq is 0, beyond the durable end, or in a
 * segment that is gone; OX_EVLOG_EIO / OX_EVLOG_ECORRUPT when the bytes read
 * back are not that record (crc, seq mismatch); OX_EVLOG_ETOOBIG when out's
 * max would be exceeded. out is unchanged on error. Same thread as the
 * writer (the owner), like every other call. */
int ox_evlog_read(struct ox_evlog *log, uint64_t seq, struct ox_buf *out);

/* The message of the last failed append, commit or read ("" when none). */
const char *ox_evlog_errmsg(const struct ox_evlog *log);

const struct ox_evlog_recovery *ox_evlog_recovery(const struct ox_evlog *log);

/* ---- compaction (docs/retention.md) ----
 * Segments wholly at or before a snapshot's seq can go once what must stay
 * of them is archived. Same thread as append (the daemon's writer). */

/* Segment files, the first seq of the oldest (1 for a log never compacted),
 * and the bytes of all segment files (for /metrics; readable from any
 * thread). */
size_t ox_evlog_segment_count(const struct ox_evlog *log);
uint64_t ox_evlog_first_seq(const struct ox_evlog *log);
uint64_t ox_evlog_disk_bytes(const struct ox_evlog *log);
/* The first seq of the segment that holds record seq + 1 (the active
 * segment when that is past the end): every segment before it holds only
 * records at or below seq, and the active segment is never before it. */
uint64_t ox_evlog_keep_from(const struct ox_evlog *log, uint64_t seq);
/* Call fn for every record of the segments before keep_from, in order,
 * reading them through read-only mappings: nothing is allocated, so a
 * forked child can call it. A record that is not whole is OX_EVLOG_ECORRUPT
 * (those segments were complete when they were left behind); a non-zero
 * return of fn stops it with OX_EVLOG_EREPLAY. */
int ox_evlog_scan_before(struct ox_evlog *log, uint64_t keep_from, ox_evlog_replay_fn *fn, void *ctx);
/* Remove the segment files before keep_from, oldest first (a crash leaves
 * a log without a gap), then sync the directory; *segments says how many
 * went. Reads of their records answer OX_EVLOG_ENOTFOUND afterwards. */
int ox_evlog_drop_before(struct ox_evlog *log, uint64_t keep_from, uint64_t *segments);

/* ---- a reader beside the writer ----
 * Another process (the snapshot builder, docs/retention.md) reads the
 * records a running daemon made durable: no lock is taken, nothing is
 * recovered, written or removed. The segments are those on disk at open;
 * ox_evlog_scan_before, ox_evlog_keep_from and ox_evlog_errmsg work on it. */
int ox_evlog_open_readonly(struct ox_evlog **out, const char *dir, char *err, size_t errsz);
/* Call fn for the records after+1..upto in order; upto must be durable (a
 * record past it may be half written). OX_EVLOG_ENOTFOUND when after+1 was
 * compacted away, OX_EVLOG_ECORRUPT when a record up to upto is not whole,
 * OX_EVLOG_EREPLAY when fn returned non-zero. The log may end before upto:
 * the caller checks the last seq fn saw. */
int ox_evlog_read_range(struct ox_evlog *log, uint64_t after, uint64_t upto, ox_evlog_replay_fn *fn, void *ctx);

/* In a child forked while the log is open: close the child's copy of the
 * lock's descriptor. The parent keeps the lock, and it goes with the parent
 * alone: a restart after the parent died need not wait for the child. */
void ox_evlog_forget_lock(struct ox_evlog *log);

/* Free the log (NULL is fine). Records not committed are dropped: nobody was
 * told they were durable, and close cannot report a failure. */
void ox_evlog_close(struct ox_evlog *log);

/* CRC-32C (Castagnoli), as iSCSI and ext4 use it: crc = 0 to start, or the
 * value of the bytes before to continue. Uses the SSE4.2 instruction when the
 * CPU has it; _sw is the portable table version, public so tests compare the
 * two. */
uint32_t ox_evlog_crc32c(uint32_t crc, const void *p, size_t n);
uint32_t ox_evlog_crc32c_sw(uint32_t crc, const void *p, size_t n);

#endif

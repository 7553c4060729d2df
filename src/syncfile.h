/* syncfile.h - a file written whole or not at all, without holding up the
 * event log: created as DIR/NAME.tmp, written through the caller's buffer,
 * synced every SYNC_STEP bytes as it goes, then synced, renamed to
 * DIR/NAME and the directory synced. Snapshots (snap.c) and order archives
 * (archive.c) are written so; neither allocates here, so a forked child
 * can use it.
 *
 * Why in steps: a file of hundreds of MiB synced only at the end would sit
 * in the same ext4 journal commit as the log's next fdatasync (ordered
 * mode flushes every file's data with it), and every acknowledgement would
 * wait for it. Synced as it goes, the log never waits for more than a step
 * (as Redis's rdb-save-incremental-fsync and RocksDB's bytes_per_sync do).
 */
#ifndef OX_SYNCFILE_H
#define OX_SYNCFILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define OX_SYNCFILE_STEP (4u << 20) /* dirty bytes left to the kernel at a time */

struct ox_syncfile {
	int fd, dirfd;
	unsigned char *buf;
	size_t len, cap;
	uint64_t written, synced; /* bytes in the file, and of those synced */
	int err;                  /* the first errno, 0 when all went well */
	char name[40], tmp[48];
};

/* Create dir (mode dir_mode) when missing and DIR/NAME.tmp (mode) in it,
 * buffering through buf[cap]. 0, or an errno with *stage "mkdir", "open"
 * (the directory) or "create" (the file); nothing is left open then. */
int ox_syncfile_open(struct ox_syncfile *f, const char *dir, mode_t dir_mode, const char *name, mode_t mode,
		     unsigned char *buf, size_t cap, const char **stage);
/* Buffer n bytes (a failure is kept in f->err for the commit). */
void ox_syncfile_write(struct ox_syncfile *f, const void *p, size_t n);
/* Write out what is buffered, sync, rename to NAME, sync the directory.
 * 0, or the first errno (the temporary file is removed). Closes both
 * descriptors either way. */
int ox_syncfile_commit(struct ox_syncfile *f);
/* Remove the temporary file and close. */
void ox_syncfile_abort(struct ox_syncfile *f);
/* Close, leaving the file (another process goes on writing it). */
void ox_syncfile_forget(struct ox_syncfile *f);

#endif

/* syncfile.c - see syncfile.h. */
#include "syncfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int ox_syncfile_open(struct ox_syncfile *f, const char *dir, mode_t dir_mode, const char *name, mode_t mode,
		     unsigned char *buf, size_t cap, const char **stage)
{
	memset(f, 0, sizeof *f);
	f->fd = f->dirfd = -1;
	f->buf = buf;
	f->cap = cap;
	snprintf(f->name, sizeof f->name, "%s", name);
	snprintf(f->tmp, sizeof f->tmp, "%s.tmp", name);
	if (mkdir(dir, dir_mode) < 0 && errno != EEXIST) {
		*stage = "mkdir";
		return errno;
	}
	f->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (f->dirfd < 0) {
		*stage = "open";
		return errno;
	}
	f->fd = openat(f->dirfd, f->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (f->fd < 0) {
		int e = errno;
		close(f->dirfd);
		f->dirfd = -1;
		*stage = "create";
		return e;
	}
	return 0;
}

static void drain(struct ox_syncfile *f)
{
	size_t off = 0;
	while (off < f->len && !f->err) {
		ssize_t n = write(f->fd, f->buf + off, f->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			f->err = errno;
		else
			off += (size_t)n;
	}
	f->written += off;
	f->len = 0;
	if (!f->err && f->written - f->synced >= OX_SYNCFILE_STEP) {
		if (fdatasync(f->fd) < 0)
			f->err = errno;
		f->synced = f->written;
	}
}

void ox_syncfile_write(struct ox_syncfile *f, const void *p, size_t n)
{
	const unsigned char *s = p;
	while (n && !f->err) {
		if (f->len == f->cap)
			drain(f);
		size_t k = f->cap - f->len < n ? f->cap - f->len : n;
		memcpy(f->buf + f->len, s, k);
		f->len += k;
		s += k;
		n -= k;
	}
}

static void close_both(struct ox_syncfile *f)
{
	if (f->fd >= 0)
		close(f->fd);
	if (f->dirfd >= 0)
		close(f->dirfd);
	f->fd = f->dirfd = -1;
}

int ox_syncfile_commit(struct ox_syncfile *f)
{
	drain(f);
	if (!f->err && fsync(f->fd) < 0)
		f->err = errno;
	if (!f->err && renameat(f->dirfd, f->tmp, f->dirfd, f->name) < 0)
		f->err = errno;
	if (!f->err && fsync(f->dirfd) < 0)
		f->err = errno;
	if (f->err)
		unlinkat(f->dirfd, f->tmp, 0);
	close_both(f);
	return f->err;
}

void ox_syncfile_abort(struct ox_syncfile *f)
{
	if (f->dirfd >= 0)
		unlinkat(f->dirfd, f->tmp, 0);
	close_both(f);
}

void ox_syncfile_forget(struct ox_syncfile *f)
{
	close_both(f);
}

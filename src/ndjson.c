/* ndjson.c - see ndjson.h. */
#include "ndjson.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

void ox_lines_init(struct ox_lines *r, int fd, size_t max_line)
{
	memset(r, 0, sizeof *r);
	r->fd = fd;
	r->max_line = max_line;
	r->cap = max_line + 1 > (4u << 20) ? max_line + 1 : (4u << 20);
	r->buf = ox_xmalloc(r->cap);
}

void ox_lines_release(struct ox_lines *r)
{
	free(r->buf);
	r->buf = NULL;
}

/* Move unread bytes to the front and read more; false at EOF or error. */
static bool fill(struct ox_lines *r)
{
	if (r->eof)
		return false;
	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	if (r->end == r->cap)
		return false;
	ssize_t n;
	do
		n = read(r->fd, r->buf + r->end, r->cap - r->end);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		r->err = errno;
		r->eof = true;
		return false;
	}
	if (n == 0) {
		r->eof = true;
		return false;
	}
	r->end += (size_t)n;
	return true;
}

enum ox_line_result ox_lines_next(struct ox_lines *r, const char **line, size_t *len)
{
	size_t scanned = 0; /* bytes of the current line already searched */
	for (;;) {
		char *nl = memchr(r->buf + r->start + scanned, '\n', r->end - r->start - scanned);
		if (nl) {
			size_t n = (size_t)(nl - (r->buf + r->start));
			r->line_no++;
			*line = r->buf + r->start;
			*len = n;
			r->start += n + 1;
			return n > r->max_line ? OX_LINE_TOO_LONG : OX_LINE_OK;
		}
		scanned = r->end - r->start;
		if (scanned > r->max_line) {
			/* too long: drop what we have and skip to the newline */
			size_t total = scanned;
			r->start = r->end;
			for (;;) {
				if (r->start == r->end && !fill(r))
					break;
				nl = memchr(r->buf + r->start, '\n', r->end - r->start);
				if (nl) {
					total += (size_t)(nl - (r->buf + r->start));
					r->start = (size_t)(nl - r->buf) + 1;
					break;
				}
				total += r->end - r->start;
				r->start = r->end;
			}
			r->line_no++;
			*line = NULL;
			*len = total;
			return OX_LINE_TOO_LONG;
		}
		if (!fill(r)) {
			if (r->err)
				return OX_LINE_ERROR;
			if (r->end == r->start)
				return OX_LINE_EOF;
			/* a last line without '\n' */
			size_t n = r->end - r->start;
			r->line_no++;
			*line = r->buf + r->start;
			*len = n;
			r->start = r->end;
			return n > r->max_line ? OX_LINE_TOO_LONG : OX_LINE_OK;
		}
	}
}

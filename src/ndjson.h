/* ndjson.h - split a stream into lines with a hard line limit.
 *
 * Reads in large blocks; a line longer than the limit is skipped up to its
 * newline and reported as too long, so one bad line never costs unbounded
 * memory nor stops the stream. Line numbers are physical and 1-based.
 */
#ifndef OX_NDJSON_H
#define OX_NDJSON_H

#include <stdbool.h>
#include <stddef.h>

struct ox_lines {
	int fd;
	char *buf;
	size_t cap, start, end; /* unread bytes are buf[start, end) */
	size_t max_line;
	size_t line_no;
	bool eof;
	int err; /* errno of a failed read, or 0 */
};

enum ox_line_result { OX_LINE_OK, OX_LINE_TOO_LONG, OX_LINE_EOF, OX_LINE_ERROR };

/* Reads fd (not closed by ox_lines). */
void ox_lines_init(struct ox_lines *r, int fd, size_t max_line);
void ox_lines_release(struct ox_lines *r);
/* Next line without its '\n' (a final line without '\n' counts). The slice
 * is valid until the next call. OX_LINE_TOO_LONG sets *len to the length. */
enum ox_line_result ox_lines_next(struct ox_lines *r, const char **line, size_t *len);

#endif

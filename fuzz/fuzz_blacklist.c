/* fuzz_blacklist.c - libFuzzer harness for the blacklist file format: one
 * input is one file, parsed by ox_blacklist_load_buffer() (the parser
 * ox_blacklist_load() runs on the file it has read).
 *
 * Besides what ASan and UBSan catch, it checks the loader's promises: every
 * entry line it accepted (all lines on success, those before the failing
 * line on an error) is found again by a lookup of its value as written, an
 * address also as a struct; there are no more entries than entry lines;
 * loading the same file again adds nothing. A rejection has a one-line,
 * valid UTF-8 message (checked here by an independent decoder) that starts
 * with "NAME:LINE: ", LINE being a line of the input.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "blacklist.h"
#include "textnorm.h"
#include "fuzz_utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAME "fuzz.txt"

/* The message of a failed load: checked, and the line it names returned. */
static size_t check_error(const char *err, size_t errsz, size_t nlines)
{
	size_t n = strnlen(err, errsz);
	assert(n > 0 && n < errsz);
	assert(!memchr(err, '\n', n) && !memchr(err, '\r', n));
	assert(fuzz_valid_utf8((const unsigned char *)err, n));
	assert(strncmp(err, NAME ":", strlen(NAME ":")) == 0);
	const char *p = err + strlen(NAME ":");
	size_t line = 0;
	assert(*p >= '1' && *p <= '9');
	for (; *p >= '0' && *p <= '9'; p++)
		line = line * 10 + (size_t)(*p - '0');
	assert(p[0] == ':' && p[1] == ' ' && p[2] != '\0');
	assert(line >= 1 && line <= nlines);
	return line;
}

/* The number of lines as the loader counts them (a final '\n' ends the
 * last line rather than starting one). */
static size_t count_lines(const char *buf, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += buf[i] == '\n';
	return n + (len > 0 && buf[len - 1] != '\n');
}

/* Split "p/c/d/detail" like the file format does; false if fewer parts. */
static int split_address(struct ox_str v, struct ox_address *a)
{
	struct ox_str part[4];
	const char *s = v.s, *end = v.s + v.len;
	for (int i = 0; i < 3; i++) {
		const char *slash = memchr(s, '/', (size_t)(end - s));
		if (!slash)
			return 0;
		part[i] = (struct ox_str){ s, (size_t)(slash - s) };
		s = slash + 1;
	}
	part[3] = (struct ox_str){ s, (size_t)(end - s) };
	*a = (struct ox_address){ part[0], part[1], part[2], part[3] };
	return 1;
}

/* Every entry line of the first `upto` lines must be in bl; returns the
 * number of entry lines seen. */
static size_t check_entries(const struct ox_blacklist *bl, const char *buf, size_t len,
			    size_t upto)
{
	size_t lineno = 0, entries = 0;
	for (size_t pos = 0; pos < len && lineno < upto;) {
		const char *line = buf + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;
		pos += n + (nl != NULL);
		lineno++;
		struct ox_str s = { line, n };
		if (lineno == 1 && n >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0)
			s.s += 3, s.len -= 3;
		s = ox_textnorm_trim(s);
		if (s.len == 0 || s.s[0] == '#')
			continue;
		/* An accepted line: at most OX_BL_LINE_MAX bytes, no NUL. */
		assert(n <= OX_BL_LINE_MAX && !memchr(line, '\0', n));
		size_t k = 0;
		while (k < s.len && s.s[k] != ' ' && s.s[k] != '\t')
			k++;
		enum ox_bl_kind kind;
		assert(ox_bl_kind_parse((struct ox_str){ s.s, k }, &kind));
		struct ox_str v = ox_textnorm_trim((struct ox_str){ s.s + k, s.len - k });
		assert(v.len > 0);
		assert(ox_blacklist_has(bl, kind, v));
		struct ox_address a;
		if (kind == OX_BL_ADDRESS) {
			assert(split_address(v, &a));
			assert(ox_blacklist_has_address(bl, &a));
		}
		entries++;
	}
	return entries;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly size bytes, so ASan sees any read past the end. */
	char *buf = malloc(size ? size : 1);
	memcpy(buf, data, size);
	struct ox_blacklist *bl = ox_blacklist_new();
	char err[512];
	memset(err, 'x', sizeof err);
	size_t nlines = count_lines(buf, size);
	if (ox_blacklist_load_buffer(bl, NAME, buf, size, err, sizeof err) == 0) {
		size_t entries = check_entries(bl, buf, size, SIZE_MAX);
		size_t count = ox_blacklist_count(bl);
		assert(count <= entries);
		/* Everything is in already: a second load adds nothing. */
		assert(ox_blacklist_load_buffer(bl, NAME, buf, size, err, sizeof err) == 0);
		assert(ox_blacklist_count(bl) == count);
	} else {
		size_t line = check_error(err, sizeof err, nlines);
		/* The entries of earlier lines stay added. */
		size_t entries = check_entries(bl, buf, size, line - 1);
		assert(ox_blacklist_count(bl) <= entries);
	}
	ox_blacklist_free(bl);
	free(buf);
	return 0;
}

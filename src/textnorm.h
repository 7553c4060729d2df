/* textnorm.h - the text normalization that addresses and phones share:
 * remove all white space and, on request, fold full-width ASCII to
 * half-width and lower-case ASCII (rules.md, "normalized address" and
 * CUS_PHONE_INVALID).
 *
 * White space is Unicode's White_Space property: U+0009..U+000D, U+0020,
 * U+0085, U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F and
 * U+3000. Bytes that are not valid UTF-8 are copied through one by one.
 */
#ifndef OX_TEXTNORM_H
#define OX_TEXTNORM_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

/* Length in bytes of the white-space code point at s[0], 0 if none. */
size_t ox_textnorm_space_len(const char *s, size_t n);

/* s without white space at either end. */
struct ox_str ox_textnorm_trim(struct ox_str s);

/* An output into caller memory: it keeps at most cap - 1 bytes plus a NUL
 * and never cuts a code point; once something does not fit, nothing more is
 * written, so the output is a prefix of the whole. A cut drops less than
 * OX_TEXTNORM_SLACK bytes of room, so an output of at most
 * cap - 1 - OX_TEXTNORM_SLACK bytes is whole. */
#define OX_TEXTNORM_SLACK 4
struct ox_textnorm {
	char *out;
	size_t cap;
	size_t used; /* bytes written */
	bool full;   /* something did not fit: nothing more is written */
};

enum {
	OX_TEXTNORM_FOLD = 1u << 0, /* U+FF01..U+FF5E -> ASCII, then A-Z -> a-z */
};

/* out may be NULL when cap is 0. Cannot fail. */
void ox_textnorm_init(struct ox_textnorm *t, char *out, size_t cap);
/* Append s with white space removed (and folded with OX_TEXTNORM_FOLD). */
void ox_textnorm_put(struct ox_textnorm *t, struct ox_str s, unsigned flags);
/* Append bytes verbatim (same truncation rule). */
void ox_textnorm_put_raw(struct ox_textnorm *t, const char *s, size_t n);
/* NUL-terminate (when cap > 0); returns the bytes written before the NUL. */
size_t ox_textnorm_finish(struct ox_textnorm *t);

#endif

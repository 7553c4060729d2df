/* phone.h - phone number validity and normalization (rule CUS_PHONE_INVALID;
 * FRD_BLACKLIST and FRD_SUSPECT compare phones normalized).
 *
 * Normalized: all white space removed (textnorm.h), then one leading
 * country prefix +86, 0086 or 86, with one '-' right after it. The prefix
 * is always removed: no national number starts with 8, +, or 00 (mobiles
 * start with 1, landlines with a trunk 0 and a non-zero area code), so a
 * number that starts with one of them can only be valid as a prefixed one.
 *
 * Valid: the normalized phone is all of
 *   mobile    1[3-9] and 9 more digits
 *   landline  0, 2 or 3 digits, an optional '-', 7 or 8 digits
 * optionally followed by a privacy extension '-' and 1 to 6 digits. Digits
 * are ASCII only; an empty phone is invalid.
 */
#ifndef OX_PHONE_H
#define OX_PHONE_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

bool ox_phone_valid(struct ox_str phone);

/* The normalized phone, never longer than the input: writes at most cap - 1
 * bytes and a NUL, never cutting a UTF-8 sequence; returns the bytes written
 * before the NUL. */
size_t ox_phone_normalize(struct ox_str phone, char *out, size_t cap);

/* The normalized phone for display with digits hidden. Valid: of the digits
 * before a privacy extension, all but the first 3 and the last 4 become '*'
 * ("13812345678" -> "138****5678", "010-62345678" -> "010-****5678"); the
 * extension is kept. Invalid: every code point but '-' becomes '*', since
 * which characters identify the customer is unknown. Written like
 * ox_phone_normalize(). Not for hot paths: it allocates. */
size_t ox_phone_mask(struct ox_str phone, char *out, size_t cap);

#endif

/* mask.h - personal data hidden for callers without the `pii` permission
 * (auth.h): phones, names, address details, and phones inside free text.
 * Rules and examples: docs/auth.md, "Masking".
 *
 * Every function reads (s, n) (not necessarily NUL-terminated, any bytes)
 * and appends the masked text to out. The output is always valid UTF-8: a
 * byte that does not start a valid UTF-8 sequence is one character, never
 * copied (masked as '*', or U+FFFD in ox_mask_text). Time is linear in n.
 * Returns 0, or -1 when out's maximum would be exceeded (out unchanged).
 */
#ifndef OX_MASK_H
#define OX_MASK_H

#include <stddef.h>

#include "util.h"

/* A phone. Separators (space, '-', '(', ')') and a country prefix (+86,
 * 0086, 86 before a mobile) stay where they are; digits become '*':
 *   mobile (1 and 10 digits)   the first 3 and the last 4 are kept
 *       13812345678 -> 138****5678, +86 138-1234-5678 -> +86 138-****-5678
 *   landline (0, area code, 7 or 8 digits; after +86 without the 0)
 *       the area code and the last 2 digits are kept
 *       010-62345678 -> 010-******78, 0755 1234567 -> 0755 *****67
 *   anything else: the first and the last character are kept, every other
 *   character becomes one '*' (one character: "*", two: first and '*'). */
int ox_mask_phone(const char *s, size_t n, struct ox_buf *out);

/* A person's name: the first character is kept, every other character
 * becomes one '*', except white space (kept) and, in names written in
 * Latin letters, the initial (an ASCII letter) of each further word:
 *   张三 -> 张*, 欧阳娜娜 -> 欧***, John Smith -> J*** S****. */
int ox_mask_name(const char *s, size_t n, struct ox_buf *out);

/* The detail line of an address (below province, city and district, which
 * are shown as they are): "****" whatever its length, nothing when empty. */
int ox_mask_address_detail(const char *s, size_t n, struct ox_buf *out);

/* Free text (case reasons, notes): every mainland mobile number, i.e. a run
 * of exactly 11 digits starting with 1 (not part of a longer run of
 * digits), also with the prefix 86 or 0086 in the same run, or written
 * 3-4-4 with single spaces or dashes, gets its 4 middle digits as '*':
 * "客户13812345678来电" -> "客户138****5678来电". Full-width digits (０-９)
 * count as digits. Everything else is copied. */
int ox_mask_text(const char *s, size_t n, struct ox_buf *out);

#endif

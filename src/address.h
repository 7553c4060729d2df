/* address.h - shipping address validity (rule CUS_ADDRESS_INVALID) and the
 * normalized address of rules.md (FRD_BLACKLIST, FRD_SUSPECT).
 *
 * Both work on the four parts of struct ox_address (event.h) and never keep
 * a pointer to them.
 */
#ifndef OX_ADDRESS_H
#define OX_ADDRESS_H

#include <stddef.h>

#include "event.h"

/* A detail shorter than this many code points (after trimming) is invalid. */
#define OX_ADDR_DETAIL_MIN 4
#define OX_ADDR__STR(x) #x
#define OX_ADDR__XSTR(x) OX_ADDR__STR(x)

/* X(enum suffix, name, zh-CN message, en message). In a message, {p} {c}
 * {d} {t} stand for the trimmed province, city, district and detail, and
 * {pc} for province and city (the city left out when it repeats the
 * province, as a municipality's may). */
#define OX_ADDR_PROBLEMS(X)                                                          \
	X(OK, "ok", "地址有效", "address is valid")                                  \
	X(EMPTY_PROVINCE, "empty_province", "省份为空", "province is empty")         \
	X(EMPTY_CITY, "empty_city", "城市为空", "city is empty")                     \
	X(EMPTY_DISTRICT, "empty_district", "区县为空", "district is empty")         \
	X(DETAIL_TOO_SHORT, "detail_too_short",                                      \
	  "详细地址“{t}”不足" OX_ADDR__XSTR(OX_ADDR_DETAIL_MIN) "个字",                \
	  "detail \"{t}\" is shorter than " OX_ADDR__XSTR(OX_ADDR_DETAIL_MIN) " characters") \
	X(UNKNOWN_PROVINCE, "unknown_province", "省份“{p}”不存在",                   \
	  "province \"{p}\" does not exist")                                         \
	X(CITY_NOT_IN_PROVINCE, "city_not_in_province", "城市“{c}”不属于“{p}”",      \
	  "city \"{c}\" is not in \"{p}\"")                                          \
	X(DISTRICT_NOT_IN_CITY, "district_not_in_city", "区县“{d}”不属于“{pc}”",     \
	  "district \"{d}\" is not in \"{pc}\"")

enum ox_addr_problem {
#define X(e, name, zh, en) OX_ADDR_##e,
	OX_ADDR_PROBLEMS(X)
#undef X
	OX_ADDR__COUNT
};

/* "district_not_in_city"; NULL for a value out of range. */
const char *ox_addr_problem_name(enum ox_addr_problem pr);

/* The message of pr about a, in plain words, e.g.
 * 区县“天河区”不属于“广东省深圳市” / district "天河区" is not in "广东省 深圳市".
 * Writes at most cap - 1 bytes and a NUL, never cutting a UTF-8 sequence;
 * returns the bytes written before the NUL. a must not be NULL. */
size_t ox_addr_problem_zh(enum ox_addr_problem pr, const struct ox_address *a,
			  char *out, size_t cap);
size_t ox_addr_problem_en(enum ox_addr_problem pr, const struct ox_address *a,
			  char *out, size_t cap);

/* The first problem of a, OX_ADDR_OK if none. Each part is trimmed of white
 * space (Unicode White_Space, which includes U+3000) first. Checked in
 * this order, the first failure wins:
 *   1. emptiness: province, city, district, then detail (an empty detail is
 *      OX_ADDR_DETAIL_TOO_SHORT);
 *   2. the combination, against GB/T 2260 (divisions.h): province, city in
 *      province, district in city. A municipality's city may be its own name
 *      (北京市/北京市/朝阳区: the district may be under any of its
 *      city-level entries) or a city-level name, 市辖区 or 县 (the district
 *      must be under that one);
 *   3. detail length: fewer than OX_ADDR_DETAIL_MIN code points. */
enum ox_addr_problem ox_address_check(const struct ox_address *a);

/* The normalized address: province + city + district + detail with all
 * white space removed, full-width ASCII (U+FF01..U+FF5E) folded to
 * half-width, ASCII lower-cased, and a municipality's city-level name
 * (市辖区, 县) written as the municipality's name, so 上海市/市辖区/... and
 * 上海市/上海市/... normalize alike. Written like the messages above; a
 * result of at most cap - 1 - OX_TEXTNORM_SLACK (textnorm.h) bytes is
 * whole, and never more than 6 bytes over the sum of the parts (县 becomes
 * 重庆市) are needed. */
size_t ox_address_normalize(const struct ox_address *a, char *out, size_t cap);
/* The same with the four parts kept apart by '/': "上海市/上海市/浦东新区/
 * 世纪大道100号a座" (the blacklist's stored form, which normalizes to itself
 * when read back as the '/' form: the detail alone may hold more '/'). At
 * most 3 bytes longer than ox_address_normalize()'s. */
size_t ox_address_normalize_parts(const struct ox_address *a, char *out, size_t cap);

#endif

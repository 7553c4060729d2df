/* address.c - see address.h. */
#include "address.h"

#include "divisions.h"
#include "textnorm.h"

static const struct {
	const char *name, *zh, *en;
} addr_problems[] = {
#define X(e, name, zh, en) [OX_ADDR_##e] = { name, zh, en },
	OX_ADDR_PROBLEMS(X)
#undef X
};

const char *ox_addr_problem_name(enum ox_addr_problem pr)
{
	return (size_t)pr < OX_ARRAY_LEN(addr_problems) ? addr_problems[pr].name : NULL;
}

enum { ADDR_P, ADDR_C, ADDR_D, ADDR_T, ADDR__PARTS };

static void addr_parts(const struct ox_address *a, struct ox_str part[ADDR__PARTS])
{
	part[ADDR_P] = ox_textnorm_trim(a->province);
	part[ADDR_C] = ox_textnorm_trim(a->city);
	part[ADDR_D] = ox_textnorm_trim(a->district);
	part[ADDR_T] = ox_textnorm_trim(a->detail);
}

/* Expand a message template (placeholders in address.h); sep goes between
 * province and city in {pc}. */
static size_t addr_message(const char *tmpl, const char *sep, const struct ox_address *a,
			   char *out, size_t cap)
{
	static const struct {
		const char *tag;
		int part; /* -1: {pc} */
	} tags[] = {
		{ "{pc}", -1 }, { "{p}", ADDR_P }, { "{c}", ADDR_C }, { "{d}", ADDR_D }, { "{t}", ADDR_T },
	};
	struct ox_str part[ADDR__PARTS];
	addr_parts(a, part);
	struct ox_textnorm t;
	ox_textnorm_init(&t, out, cap);
	for (const char *s = tmpl; *s;) {
		/* Literal text in one piece, so its code points stay whole. */
		size_t i = 0, n = strcspn(s + 1, "{") + 1;
		for (; i < OX_ARRAY_LEN(tags); i++)
			if (strncmp(s, tags[i].tag, strlen(tags[i].tag)) == 0)
				break;
		if (i == OX_ARRAY_LEN(tags)) {
			ox_textnorm_put_raw(&t, s, n);
			s += n;
			continue;
		}
		s += strlen(tags[i].tag);
		if (tags[i].part >= 0) {
			ox_textnorm_put_raw(&t, part[tags[i].part].s, part[tags[i].part].len);
			continue;
		}
		ox_textnorm_put_raw(&t, part[ADDR_P].s, part[ADDR_P].len);
		if (!ox_str_eq(part[ADDR_C], part[ADDR_P])) {
			ox_textnorm_put_raw(&t, sep, strlen(sep));
			ox_textnorm_put_raw(&t, part[ADDR_C].s, part[ADDR_C].len);
		}
	}
	return ox_textnorm_finish(&t);
}

size_t ox_addr_problem_zh(enum ox_addr_problem pr, const struct ox_address *a,
			  char *out, size_t cap)
{
	const char *tmpl = (size_t)pr < OX_ARRAY_LEN(addr_problems) ? addr_problems[pr].zh : "";
	return addr_message(tmpl, "", a, out, cap);
}

size_t ox_addr_problem_en(enum ox_addr_problem pr, const struct ox_address *a,
			  char *out, size_t cap)
{
	const char *tmpl = (size_t)pr < OX_ARRAY_LEN(addr_problems) ? addr_problems[pr].en : "";
	return addr_message(tmpl, " ", a, out, cap);
}

/* Is district d under city c of province p? For a municipality, the city
 * may be written as the municipality's own name: then under any of its
 * city-level entries. */
static enum ox_addr_problem addr_combination(size_t p, struct ox_str prov, struct ox_str city,
					     struct ox_str dist)
{
	if (ox_div_is_municipality(p) && ox_str_eq(city, prov)) {
		for (size_t c = 0; c < ox_div_city_count(p); c++)
			if (ox_div_find_district(p, c, dist) >= 0)
				return OX_ADDR_OK;
		return OX_ADDR_DISTRICT_NOT_IN_CITY;
	}
	int c = ox_div_find_city(p, city);
	if (c < 0)
		return OX_ADDR_CITY_NOT_IN_PROVINCE;
	if (ox_div_find_district(p, (size_t)c, dist) < 0)
		return OX_ADDR_DISTRICT_NOT_IN_CITY;
	return OX_ADDR_OK;
}

enum ox_addr_problem ox_address_check(const struct ox_address *a)
{
	static const enum ox_addr_problem empty[ADDR__PARTS] = {
		[ADDR_P] = OX_ADDR_EMPTY_PROVINCE, [ADDR_C] = OX_ADDR_EMPTY_CITY,
		[ADDR_D] = OX_ADDR_EMPTY_DISTRICT, [ADDR_T] = OX_ADDR_DETAIL_TOO_SHORT,
	};
	struct ox_str part[ADDR__PARTS];
	addr_parts(a, part);
	for (size_t i = 0; i < ADDR__PARTS; i++)
		if (part[i].len == 0)
			return empty[i];
	int p = ox_div_find_province(part[ADDR_P]);
	if (p < 0)
		return OX_ADDR_UNKNOWN_PROVINCE;
	enum ox_addr_problem pr = addr_combination((size_t)p, part[ADDR_P], part[ADDR_C], part[ADDR_D]);
	if (pr != OX_ADDR_OK)
		return pr;
	if (ox_utf8_len(part[ADDR_T].s, part[ADDR_T].len) < OX_ADDR_DETAIL_MIN)
		return OX_ADDR_DETAIL_TOO_SHORT;
	return OX_ADDR_OK;
}

/* Division names are at most UINT8_MAX bytes (divisions_data.h). */
#define ADDR_NAME_BUF (UINT8_MAX + 1 + OX_TEXTNORM_SLACK)

/* s normalized into buf; the length, or 0 when longer than any division
 * name (whole or cut). */
static size_t addr_norm_name(struct ox_str s, char buf[ADDR_NAME_BUF])
{
	struct ox_textnorm t;
	ox_textnorm_init(&t, buf, ADDR_NAME_BUF);
	ox_textnorm_put(&t, s, OX_TEXTNORM_FOLD);
	size_t n = ox_textnorm_finish(&t);
	return n <= UINT8_MAX ? n : 0;
}

/* True when a's city is one of the city-level names (市辖区, 县) of a
 * municipality a's province names. Division names contain no white space,
 * full-width ASCII or capitals, so comparing normalized parts is exact. */
static bool addr_municipal_city_level(const struct ox_address *a)
{
	char pbuf[ADDR_NAME_BUF], cbuf[ADDR_NAME_BUF];
	size_t pn = addr_norm_name(a->province, pbuf);
	size_t cn = addr_norm_name(a->city, cbuf);
	if (pn == 0 || cn == 0)
		return false;
	int p = ox_div_find_province((struct ox_str){ pbuf, pn });
	return p >= 0 && ox_div_is_municipality((size_t)p) &&
	       ox_div_find_city((size_t)p, (struct ox_str){ cbuf, cn }) >= 0;
}

/* The parts normalized, sep (when not NUL) between them. */
static size_t addr_normalize(const struct ox_address *a, char sep, char *out, size_t cap)
{
	struct ox_textnorm t;
	ox_textnorm_init(&t, out, cap);
	const struct ox_str parts[4] = { a->province, addr_municipal_city_level(a) ? a->province : a->city,
					 a->district, a->detail };
	for (size_t i = 0; i < 4; i++) {
		if (i && sep)
			ox_textnorm_put_raw(&t, &sep, 1);
		ox_textnorm_put(&t, parts[i], OX_TEXTNORM_FOLD);
	}
	return ox_textnorm_finish(&t);
}

size_t ox_address_normalize(const struct ox_address *a, char *out, size_t cap)
{
	return addr_normalize(a, '\0', out, cap);
}

size_t ox_address_normalize_parts(const struct ox_address *a, char *out, size_t cap)
{
	return addr_normalize(a, '/', out, cap);
}

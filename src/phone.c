/* phone.c - see phone.h. */
#include "phone.h"

#include <stdlib.h>

#include "textnorm.h"

/* Country prefixes, tried in this order; one '-' after them goes too. */
static const struct ox_str phone_prefixes[] = {
	OX_STR_LIT("+86"), OX_STR_LIT("0086"), OX_STR_LIT("86"),
};

/* The shapes of a valid phone as digit runs separated by single '-'. */
#define PHONE_MAX_RUNS 3
enum phone_lead { LEAD_MOBILE, LEAD_LANDLINE };
static const struct {
	enum phone_lead lead;
	size_t nruns;
	unsigned char min[PHONE_MAX_RUNS], max[PHONE_MAX_RUNS];
	bool ext; /* the last run is a privacy extension */
} phone_shapes[] = {
	{ LEAD_MOBILE, 1, { 11 }, { 11 }, false },                   /* 13812345678 */
	{ LEAD_MOBILE, 2, { 11, 1 }, { 11, 6 }, true },              /* 13812345678-1234 */
	{ LEAD_LANDLINE, 1, { 10 }, { 12 }, false },                 /* 01062345678 */
	{ LEAD_LANDLINE, 2, { 10, 1 }, { 12, 6 }, true },            /* 01062345678-12 */
	{ LEAD_LANDLINE, 2, { 3, 7 }, { 4, 8 }, false },             /* 010-62345678 */
	{ LEAD_LANDLINE, 3, { 3, 7, 1 }, { 4, 8, 6 }, true },        /* 010-62345678-12 */
};

static bool phone_lead_ok(enum phone_lead lead, const char *s)
{
	if (lead == LEAD_MOBILE)
		return s[0] == '1' && s[1] >= '3' && s[1] <= '9';
	return s[0] == '0';
}

static bool phone_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The row of phone_shapes that s (normalized) matches, or -1. */
static int phone_shape(const char *s, size_t n)
{
	size_t len[PHONE_MAX_RUNS], nruns = 0, run = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && phone_digit(s[i])) {
			run++;
			continue;
		}
		if ((i < n && s[i] != '-') || run == 0 || nruns == PHONE_MAX_RUNS)
			return -1;
		len[nruns++] = run;
		run = 0;
	}
	for (size_t k = 0; k < OX_ARRAY_LEN(phone_shapes); k++) {
		if (phone_shapes[k].nruns != nruns)
			continue;
		size_t r = 0;
		while (r < nruns && len[r] >= phone_shapes[k].min[r] && len[r] <= phone_shapes[k].max[r])
			r++;
		/* The lead reads 2 digits; every first run is at least 3 long. */
		if (r == nruns && phone_lead_ok(phone_shapes[k].lead, s))
			return (int)k;
	}
	return -1;
}

size_t ox_phone_normalize(struct ox_str phone, char *out, size_t cap)
{
	struct ox_textnorm t;
	ox_textnorm_init(&t, out, cap);
	size_t i = 0, k;
	/* Skip white space up to the end of a prefix, matching byte by byte. */
	for (size_t p = 0; p < OX_ARRAY_LEN(phone_prefixes); p++) {
		size_t j = 0, m = 0;
		while (m < phone_prefixes[p].len && j < phone.len) {
			if ((k = ox_textnorm_space_len(phone.s + j, phone.len - j)) != 0) {
				j += k;
			} else if (phone.s[j] == phone_prefixes[p].s[m]) {
				j++;
				m++;
			} else {
				break;
			}
		}
		if (m < phone_prefixes[p].len)
			continue;
		while ((k = ox_textnorm_space_len(phone.s + j, phone.len - j)) != 0)
			j += k;
		i = j < phone.len && phone.s[j] == '-' ? j + 1 : j;
		break;
	}
	ox_textnorm_put(&t, (struct ox_str){ phone.s + i, phone.len - i }, 0);
	return ox_textnorm_finish(&t);
}

/* The longest valid phone: 4 + 1 + 8 + 1 + 6 digits and dashes. */
#define PHONE_MAX 20

bool ox_phone_valid(struct ox_str phone)
{
	/* Longer than PHONE_MAX, whole or cut, means invalid. */
	char buf[PHONE_MAX + 1 + OX_TEXTNORM_SLACK];
	size_t n = ox_phone_normalize(phone, buf, sizeof buf);
	return n <= PHONE_MAX && phone_shape(buf, n) >= 0;
}

size_t ox_phone_mask(struct ox_str phone, char *out, size_t cap)
{
	char *norm = ox_xmalloc(phone.len + 1);
	size_t n = ox_phone_normalize(phone, norm, phone.len + 1);
	int shape = phone_shape(norm, n);
	/* Digits that may show: [0, 3) and [ndigits - 4, ndigits) of the part
	 * before the extension. */
	size_t end = n, ndigits = 0;
	if (shape >= 0 && phone_shapes[shape].ext)
		end = (size_t)(strrchr(norm, '-') - norm);
	for (size_t i = 0; i < end; i++)
		ndigits += phone_digit(norm[i]);
	struct ox_textnorm t;
	ox_textnorm_init(&t, out, cap);
	for (size_t i = 0, d = 0, k; i < n; i += k) {
		k = 1;
		if (i >= end || norm[i] == '-') {
			ox_textnorm_put_raw(&t, norm + i, 1);
			continue;
		}
		/* One '*' per code point, so no byte of one shows. */
		while (i + k < n && ((unsigned char)norm[i + k] & 0xC0) == 0x80)
			k++;
		bool show = shape >= 0 && (d < 3 || d + 4 >= ndigits);
		d++;
		ox_textnorm_put_raw(&t, show ? norm + i : "*", 1);
	}
	free(norm);
	return ox_textnorm_finish(&t);
}

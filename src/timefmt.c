/* timefmt.c - see timefmt.h.
 *
 * Calendar arithmetic is proleptic Gregorian with Howard Hinnant's
 * days_from_civil / civil_from_days, exact for every 4-digit year.
 */
#include "timefmt.h"

#include <stdio.h>
#include <string.h>

#include "util.h"

/* 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z: what RFC 3339's
 * four-digit years can express, so what we parse and print. */
#define TIME_MIN (INT64_C(-62167219200000))
#define TIME_LAST (INT64_C(253402300799999))

static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int days_in_month(int64_t y, int m)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return mdays[m - 1] + (m == 2 && leap);
}

/* n decimal digits at s, or -1. */
static int digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* YYYY-MM-DDTHH:MM:SS[.f{1,3}](Z|+HH:MM|-HH:MM); 'T' and 'Z' may be lower
 * case (RFC 3339 section 5.6). A leap second (:60) is rejected: event time
 * has no place for it. */
int ox_time_parse(const char *s, size_t n, ox_time *out)
{
	if (n < 20 || n > 29 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
	    s[13] != ':' || s[16] != ':')
		return -1;
	int y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
	int h = digits(s + 11, 2), mi = digits(s + 14, 2), sec = digits(s + 17, 2);
	if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h < 0 ||
	    h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59)
		return -1;
	size_t i = 19;
	int ms = 0;
	if (s[i] == '.') {
		size_t k = 0;
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, k++)
			if (k < 3)
				ms = ms * 10 + (s[i] - '0');
		if (k < 1 || k > 3)
			return -1;
		for (; k < 3; k++)
			ms *= 10;
	}
	int off = 0;
	if (i + 1 == n && (s[i] == 'Z' || s[i] == 'z')) {
		off = 0;
	} else if (i + 6 == n && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
		int oh = digits(s + i + 1, 2), om = digits(s + i + 4, 2);
		if (oh < 0 || oh > 23 || om < 0 || om > 59)
			return -1;
		off = (oh * 60 + om) * (s[i] == '-' ? -1 : 1);
	} else {
		return -1;
	}
	int64_t days = days_from_civil(y, mo, d);
	*out = ((days * 24 + h) * 60 + mi - off) * OX_MS_MINUTE + sec * OX_MS_SECOND + ms;
	return 0;
}

static char *put_digits(char *o, unsigned v, int width)
{
	for (int i = width - 1; i >= 0; i--, v /= 10)
		o[i] = (char)('0' + v % 10);
	return o + width;
}

char *ox_time_format(ox_time t, int offset_minutes, char out[OX_TIME_BUFSZ])
{
	if (offset_minutes < -1439 || offset_minutes > 1439)
		offset_minutes = 0;
	/* The first test keeps the addition from overflowing. */
	int64_t local = t + (t < TIME_MIN - OX_MS_DAY || t > TIME_LAST + OX_MS_DAY
				     ? 0
				     : offset_minutes * OX_MS_MINUTE);
	if (local < TIME_MIN || local > TIME_LAST) {
		strcpy(out, "-");
		return out;
	}
	int64_t days = (local >= 0 ? local : local - (OX_MS_DAY - 1)) / OX_MS_DAY, y;
	unsigned msod = (unsigned)(local - days * OX_MS_DAY);
	int m, d;
	civil_from_days(days, &y, &m, &d);
	char *o = put_digits(out, (unsigned)y, 4);
	*o++ = '-';
	o = put_digits(o, (unsigned)m, 2);
	*o++ = '-';
	o = put_digits(o, (unsigned)d, 2);
	*o++ = 'T';
	o = put_digits(o, msod / 3600000, 2);
	*o++ = ':';
	o = put_digits(o, msod / 60000 % 60, 2);
	*o++ = ':';
	o = put_digits(o, msod / 1000 % 60, 2);
	*o++ = '.';
	o = put_digits(o, msod % 1000, 3);
	if (offset_minutes == 0) {
		*o++ = 'Z';
	} else {
		unsigned a = (unsigned)(offset_minutes < 0 ? -offset_minutes : offset_minutes);
		*o++ = offset_minutes < 0 ? '-' : '+';
		o = put_digits(o, a / 60, 2);
		*o++ = ':';
		o = put_digits(o, a % 60, 2);
	}
	*o = '\0';
	return out;
}

/* Units in the order a duration must list them; "ms" before "m" when
 * matching is settled by taking the longest name. */
static const struct {
	const char *name;
	int64_t ms;
} dur_units[] = {
	{ "d", OX_MS_DAY }, { "h", OX_MS_HOUR }, { "m", OX_MS_MINUTE },
	{ "s", OX_MS_SECOND }, { "ms", 1 },
};

/* One or more NUMBER UNIT pairs, units strictly decreasing ("1h30m", not
 * "30m1h" or "1m1m"), or a bare "0". No sign, no fraction. */
int ox_duration_parse(const char *s, size_t n, int64_t *ms)
{
	if (n == 0)
		return -1;
	if (n == 1 && s[0] == '0') {
		*ms = 0;
		return 0;
	}
	size_t i = 0, next_unit = 0;
	int64_t total = 0;
	while (i < n) {
		int64_t v = 0;
		size_t start = i;
		for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
			if (v > (INT64_MAX - 9) / 10)
				return -1;
			v = v * 10 + (s[i] - '0');
		}
		if (i == start)
			return -1;
		size_t best = OX_ARRAY_LEN(dur_units), best_len = 0;
		for (size_t u = 0; u < OX_ARRAY_LEN(dur_units); u++) {
			size_t ul = strlen(dur_units[u].name);
			if (ul > best_len && ul <= n - i && memcmp(s + i, dur_units[u].name, ul) == 0)
				best = u, best_len = ul;
		}
		if (best_len == 0 || best < next_unit)
			return -1;
		if (v > (INT64_MAX - total) / dur_units[best].ms)
			return -1;
		total += v * dur_units[best].ms;
		next_unit = best + 1;
		i += best_len;
	}
	*ms = total;
	return 0;
}

/* Hours at most (as "72h"), then m, s, ms; zero parts are left out. */
char *ox_duration_format(int64_t ms, char out[OX_DUR_BUFSZ])
{
	static const struct {
		const char *name;
		uint64_t ms;
	} parts[] = { { "h", 3600000 }, { "m", 60000 }, { "s", 1000 }, { "ms", 1 } };
	uint64_t a = ms < 0 ? (uint64_t)0 - (uint64_t)ms : (uint64_t)ms;
	size_t len = 0;
	if (ms < 0)
		out[len++] = '-';
	out[len] = '\0';
	if (a == 0) {
		strcpy(out, "0s");
		return out;
	}
	for (size_t i = 0; i < OX_ARRAY_LEN(parts); i++) {
		uint64_t v = a / parts[i].ms;
		a %= parts[i].ms;
		if (v)
			len += (size_t)snprintf(out + len, OX_DUR_BUFSZ - len, "%llu%s",
						(unsigned long long)v, parts[i].name);
	}
	return out;
}

int ox_time_json(struct ox_buf *b, ox_time t)
{
	char tb[OX_TIME_BUFSZ];
	if (t == OX_TIME_NONE)
		return ox_buf_addz(b, "null");
	size_t n = strlen(ox_time_format(t, OX_TZ_CST, tb));
	if (ox_buf_reserve(b, n + 2) < 0)
		return -1; /* nothing added */
	ox_buf_add(b, "\"", 1);
	ox_buf_add(b, tb, n);
	return ox_buf_add(b, "\"", 1);
}

/* blacklist.c - see blacklist.h. An open-addressing hash set over one
 * value pool: a slot holds the value's hash, kind and place in the pool. */
#include "blacklist.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "address.h"
#include "phone.h"
#include "textnorm.h"

static const char *const bl_kind_names[OX_BL__KINDS] = {
#define X(e, name) [OX_BL_##e] = name,
	OX_BL_KINDS(X)
#undef X
};

const char *ox_bl_kind_name(enum ox_bl_kind k)
{
	return (size_t)k < OX_BL__KINDS ? bl_kind_names[k] : NULL;
}

bool ox_bl_kind_parse(struct ox_str s, enum ox_bl_kind *k)
{
	for (size_t i = 0; i < OX_BL__KINDS; i++)
		if (ox_str_eqz(s, bl_kind_names[i])) {
			*k = (enum ox_bl_kind)i;
			return true;
		}
	return false;
}

const char *ox_bl_strerror(int err)
{
	static const struct ox_errmsg msgs[] = { OX_BL_ERRORS(OX_ERRMSG_ROW) };
	return ox_errmsg_find(msgs, OX_ARRAY_LEN(msgs), err);
}

/* A normalized value's buffer: a cut output is longer than OX_BL_VALUE_MAX
 * too (textnorm.h), so "too long" needs no other test. */
#define BL_BUF (OX_BL_VALUE_MAX + 1 + OX_TEXTNORM_SLACK)

/* Normalizers: raw (file or event form, not empty) into out[BL_BUF], the
 * length in *len; returns an enum ox_bl_err. */
typedef int bl_norm_fn(struct ox_str raw, char *out, size_t *len);

static int bl_norm_plain(struct ox_str raw, char *out, size_t *len)
{
	struct ox_str s = ox_textnorm_trim(raw);
	if (s.len > OX_BL_VALUE_MAX)
		return OX_BL_ETOOLONG;
	memcpy(out, s.s, s.len);
	*len = s.len;
	return OX_BL_OK;
}

static int bl_norm_phone(struct ox_str raw, char *out, size_t *len)
{
	*len = ox_phone_normalize(raw, out, BL_BUF);
	return *len <= OX_BL_VALUE_MAX ? OX_BL_OK : OX_BL_ETOOLONG;
}

/* "province/city/district/detail"; the detail may hold more '/'. */
static int bl_norm_address(struct ox_str raw, char *out, size_t *len)
{
	struct ox_str part[4];
	const char *s = raw.s, *end = raw.s + raw.len;
	for (size_t i = 0; i < 3; i++) {
		const char *slash = memchr(s, '/', (size_t)(end - s));
		if (!slash)
			return OX_BL_EADDRESS;
		part[i] = (struct ox_str){ s, (size_t)(slash - s) };
		s = slash + 1;
	}
	part[3] = (struct ox_str){ s, (size_t)(end - s) };
	struct ox_address a = { part[0], part[1], part[2], part[3] };
	*len = ox_address_normalize(&a, out, BL_BUF);
	return *len <= OX_BL_VALUE_MAX ? OX_BL_OK : OX_BL_ETOOLONG;
}

static bl_norm_fn *const bl_norms[OX_BL__KINDS] = {
	[OX_BL_CUSTOMER] = bl_norm_plain, [OX_BL_PHONE] = bl_norm_phone,
	[OX_BL_DEVICE] = bl_norm_plain,   [OX_BL_IP] = bl_norm_plain,
	[OX_BL_ADDRESS] = bl_norm_address,
};

/* raw normalized per kind into v[BL_BUF]; an empty result is an error, so
 * empty values are never stored nor found. */
static int bl_normalize(enum ox_bl_kind kind, struct ox_str raw, char *v, size_t *n)
{
	if ((size_t)kind >= OX_BL__KINDS)
		return OX_BL_EKIND;
	if (raw.len == 0)
		return OX_BL_EEMPTY;
	int rc = bl_norms[kind](raw, v, n);
	return rc == OX_BL_OK && *n == 0 ? OX_BL_EEMPTY : rc;
}

struct bl_slot {
	uint64_t hash;
	size_t off;   /* in the pool */
	uint32_t len; /* 0: an empty slot (stored values are never empty) */
	uint8_t kind;
};

struct ox_blacklist {
	struct bl_slot *slots;
	size_t nslots; /* a power of two, at most half full */
	size_t count;
	char *pool;
	size_t pool_len, pool_cap;
};

#define BL_MIN_SLOTS 64

struct ox_blacklist *ox_blacklist_new(void)
{
	struct ox_blacklist *bl = ox_xcalloc(1, sizeof *bl);
	bl->nslots = BL_MIN_SLOTS;
	bl->slots = ox_xcalloc(bl->nslots, sizeof *bl->slots);
	return bl;
}

void ox_blacklist_free(struct ox_blacklist *bl)
{
	if (!bl)
		return;
	free(bl->slots);
	free(bl->pool);
	free(bl);
}

size_t ox_blacklist_count(const struct ox_blacklist *bl)
{
	return bl->count;
}

static uint64_t bl_hash(enum ox_bl_kind kind, const char *v, size_t n)
{
	/* Mixing the kind in keeps equal values of different kinds apart. */
	return ox_hash64(v, n) ^ ((uint64_t)kind + 1) * 0x9E3779B97F4A7C15ull;
}

/* The slot holding (kind, v), or the empty slot where it would go. */
static struct bl_slot *bl_slot_for(const struct ox_blacklist *bl, uint64_t h,
				   enum ox_bl_kind kind, const char *v, size_t n)
{
	size_t mask = bl->nslots - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct bl_slot *s = &bl->slots[i];
		if (s->len == 0 ||
		    (s->hash == h && s->kind == kind && s->len == n && memcmp(bl->pool + s->off, v, n) == 0))
			return s;
	}
}

static void bl_grow(struct ox_blacklist *bl)
{
	struct bl_slot *old = bl->slots;
	size_t nold = bl->nslots;
	bl->nslots *= 2;
	bl->slots = ox_xcalloc(bl->nslots, sizeof *bl->slots);
	for (size_t i = 0; i < nold; i++) {
		if (old[i].len == 0)
			continue;
		size_t mask = bl->nslots - 1, j = old[i].hash & mask;
		while (bl->slots[j].len != 0)
			j = (j + 1) & mask;
		bl->slots[j] = old[i];
	}
	free(old);
}

int ox_blacklist_add(struct ox_blacklist *bl, enum ox_bl_kind kind, const char *value, size_t len)
{
	char v[BL_BUF];
	size_t n;
	int rc = bl_normalize(kind, (struct ox_str){ value, len }, v, &n);
	if (rc != OX_BL_OK)
		return rc;
	uint64_t h = bl_hash(kind, v, n);
	struct bl_slot *s = bl_slot_for(bl, h, kind, v, n);
	if (s->len != 0)
		return OX_BL_OK;
	if (bl->count >= OX_BL_ENTRIES_MAX)
		return OX_BL_EFULL;
	OX_GROW(bl->pool, bl->pool_cap, bl->pool_len + n);
	memcpy(bl->pool + bl->pool_len, v, n);
	*s = (struct bl_slot){ h, bl->pool_len, (uint32_t)n, (uint8_t)kind };
	bl->pool_len += n;
	if (++bl->count > bl->nslots / 2)
		bl_grow(bl);
	return OX_BL_OK;
}

static bool bl_has_normalized(const struct ox_blacklist *bl, enum ox_bl_kind kind,
			      const char *v, size_t n)
{
	return n != 0 && bl_slot_for(bl, bl_hash(kind, v, n), kind, v, n)->len != 0;
}

bool ox_blacklist_has(const struct ox_blacklist *bl, enum ox_bl_kind kind, struct ox_str raw)
{
	char v[BL_BUF];
	size_t n;
	return bl_normalize(kind, raw, v, &n) == OX_BL_OK && bl_has_normalized(bl, kind, v, n);
}

bool ox_blacklist_has_address(const struct ox_blacklist *bl, const struct ox_address *a)
{
	char v[BL_BUF];
	size_t n = ox_address_normalize(a, v, sizeof v);
	return n <= OX_BL_VALUE_MAX && bl_has_normalized(bl, OX_BL_ADDRESS, v, n);
}

/* "customer, phone, device, ip or address" */
static void bl_expected(char *out, size_t cap)
{
	struct ox_textnorm t;
	ox_textnorm_init(&t, out, cap);
	for (size_t i = 0; i < OX_BL__KINDS; i++) {
		const char *sep = i == 0 ? "" : i + 1 < OX_BL__KINDS ? ", " : " or ";
		ox_textnorm_put_raw(&t, sep, strlen(sep));
		ox_textnorm_put_raw(&t, bl_kind_names[i], strlen(bl_kind_names[i]));
	}
	ox_textnorm_finish(&t);
}

/* How much of a bad line an error message quotes, in bytes of the line. */
#define BL_QUOTE_MAX 64
/* Its room once escaped: "\u00XX" is the longest form of one byte. */
#define BL_QUOTE_BUF (BL_QUOTE_MAX * 6 + 1)

/* Length of the well-formed UTF-8 sequence at s[0] (n > 0), 0 if there is
 * none (no overlongs, surrogates or code points past U+10FFFF). */
static size_t bl_utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xBF;
	size_t k;
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		k = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		k = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
	else if (c >= 0xF0 && c <= 0xF4)
		k = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
	else
		return 0;
	if (n < k || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < k; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	return k;
}

/* Up to BL_QUOTE_MAX bytes of s (file bytes, any) for a message, cut
 * between characters, control characters written \u00XX and bytes that are
 * not UTF-8 \xXX: the message stays one line of valid UTF-8. */
static const char *bl_quote(char out[BL_QUOTE_BUF], struct ox_str s)
{
	const unsigned char *u = (const unsigned char *)s.s;
	size_t o = 0;
	for (size_t i = 0, k; i < s.len; i += k) {
		k = bl_utf8_seq(u + i, s.len - i);
		if (i + (k ? k : 1) > BL_QUOTE_MAX)
			break;
		if (k == 0) {
			o += (size_t)snprintf(out + o, BL_QUOTE_BUF - o, "\\x%02X", u[i]);
			k = 1;
		} else if (u[i] < 0x20 || u[i] == 0x7F) {
			o += (size_t)snprintf(out + o, BL_QUOTE_BUF - o, "\\u%04x", u[i]);
		} else {
			memcpy(out + o, s.s + i, k);
			o += k;
		}
	}
	out[o] = '\0';
	return out;
}

/* One non-comment line; 0, or -1 with err set. */
static int bl_load_line(struct ox_blacklist *bl, struct ox_str s, const char *name,
			size_t lineno, char *err, size_t errsz)
{
	size_t k = 0;
	while (k < s.len && s.s[k] != ' ' && s.s[k] != '\t')
		k++;
	struct ox_str kname = { s.s, k };
	struct ox_str value = ox_textnorm_trim((struct ox_str){ s.s + k, s.len - k });
	enum ox_bl_kind kind;
	if (!ox_bl_kind_parse(kname, &kind)) {
		char expected[128], q[BL_QUOTE_BUF];
		bl_expected(expected, sizeof expected);
		snprintf(err, errsz, "%s:%zu: unknown kind \"%s\" (expected %s)", name, lineno,
			 bl_quote(q, kname), expected);
		return -1;
	}
	if (value.len == 0) {
		snprintf(err, errsz, "%s:%zu: missing value for kind \"%s\"", name, lineno,
			 bl_kind_names[kind]);
		return -1;
	}
	int rc = ox_blacklist_add(bl, kind, value.s, value.len);
	if (rc != OX_BL_OK) {
		char q[BL_QUOTE_BUF];
		snprintf(err, errsz, "%s:%zu: bad %s \"%s\": %s", name, lineno, bl_kind_names[kind],
			 bl_quote(q, value), ox_bl_strerror(rc));
		return -1;
	}
	return 0;
}

int ox_blacklist_load_buffer(struct ox_blacklist *bl, const char *name, const char *buf,
			     size_t len, char *err, size_t errsz)
{
	size_t lineno = 0;
	for (size_t pos = 0; pos < len;) {
		const char *line = buf + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;
		pos += n + (nl != NULL);
		lineno++;
		/* A NUL within the first OX_BL_LINE_MAX + 1 bytes is reported
		 * before the length, as a line-at-a-time reader sees it. */
		size_t head = n < OX_BL_LINE_MAX + 1 ? n : OX_BL_LINE_MAX + 1;
		if (memchr(line, '\0', head)) {
			snprintf(err, errsz, "%s:%zu: NUL byte in line", name, lineno);
			return -1;
		}
		if (n > OX_BL_LINE_MAX) {
			snprintf(err, errsz, "%s:%zu: line longer than %d bytes", name, lineno,
				 OX_BL_LINE_MAX);
			return -1;
		}
		struct ox_str s = { line, n };
		if (lineno == 1 && n >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
			s.s += 3;
			s.len -= 3;
		}
		s = ox_textnorm_trim(s);
		if (s.len > 0 && s.s[0] != '#' && bl_load_line(bl, s, name, lineno, err, errsz) < 0)
			return -1;
	}
	return 0;
}

int ox_blacklist_load(struct ox_blacklist *bl, const char *path, char *err, size_t errsz)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errsz, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	/* The whole file, then one parse: the same path as for a buffer. */
	char *buf = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		OX_GROW(buf, cap, len + 65536);
		size_t got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	int rc;
	if (ferror(f)) {
		snprintf(err, errsz, "cannot read %s: %s", path, strerror(errno));
		rc = -1;
	} else {
		rc = ox_blacklist_load_buffer(bl, path, buf, len, err, errsz);
	}
	free(buf);
	fclose(f);
	return rc;
}

/* blacklist.h - the blacklist of rule FRD_BLACKLIST, loaded from the
 * `--blacklist FILE` of events.md: a set of (kind, normalized value).
 *
 * Values are stored normalized per kind: a phone as ox_phone_normalize()
 * makes it, an address (written as its four parts joined by '/') as
 * ox_address_normalize() makes it, anything else trimmed of white space.
 * Lookups normalize the same way, so "+86 138 1234 5678" finds
 * "13812345678". An empty value is never stored, so it never matches.
 *
 * Ownership: ox_blacklist_new() returns an object that ox_blacklist_free()
 * frees with everything in it; values are copied in. Lookups do not modify
 * it, so once loaded it may be shared between threads.
 */
#ifndef OX_BLACKLIST_H
#define OX_BLACKLIST_H

#include <stdbool.h>
#include <stddef.h>

#include "event.h"

/* X(enum suffix, name in files) */
#define OX_BL_KINDS(X)            \
	X(CUSTOMER, "customer")   \
	X(PHONE, "phone")         \
	X(DEVICE, "device")       \
	X(IP, "ip")               \
	X(ADDRESS, "address")

enum ox_bl_kind {
#define X(e, name) OX_BL_##e,
	OX_BL_KINDS(X)
#undef X
	OX_BL__KINDS
};

/* "phone"; NULL for a value out of range. */
const char *ox_bl_kind_name(enum ox_bl_kind k);
/* The kind named exactly s; false when none. */
bool ox_bl_kind_parse(struct ox_str s, enum ox_bl_kind *k);

/* Limits: a longer normalized value, a longer line, or more entries is an
 * error (OX_BL_ETOOLONG, OX_BL_EFULL). */
#define OX_BL_VALUE_MAX 1024
#define OX_BL_LINE_MAX 4096
#define OX_BL_ENTRIES_MAX (1u << 22)

/* X(enum suffix, value, message) */
#define OX_BL_ERRORS(X)                                                        \
	X(OK, 0, "ok")                                                         \
	X(EEMPTY, -1, "empty value")                                           \
	X(EADDRESS, -2, "an address needs 4 parts: province/city/district/detail") \
	X(ETOOLONG, -3, "value too long")                                      \
	X(EFULL, -4, "too many entries")                                       \
	X(EKIND, -5, "unknown kind")

enum ox_bl_err {
#define X(e, v, msg) OX_BL_##e = v,
	OX_BL_ERRORS(X)
#undef X
};
/* The message of an enum ox_bl_err value. */
const char *ox_bl_strerror(int err);

struct ox_blacklist;

struct ox_blacklist *ox_blacklist_new(void);
void ox_blacklist_free(struct ox_blacklist *bl); /* NULL is fine */

/* Add value (len bytes, any kind's file form) normalized. Returns 0 when it
 * is in the set afterwards (adding twice is fine), or an enum ox_bl_err. */
int ox_blacklist_add(struct ox_blacklist *bl, enum ox_bl_kind kind, const char *value,
		     size_t len);

/* Add the entries of the file at path: one per line, `KIND VALUE`, the value
 * being the rest of the line after the first run of spaces or tabs, trimmed;
 * blank lines and lines starting with '#' (after white space) are skipped; a
 * UTF-8 byte order mark is ignored; a line longer than OX_BL_LINE_MAX or
 * holding a NUL byte is an error. Stops at the first error and returns -1
 * with a message in err, e.g.
 *   FILE:LINE: unknown kind "foo" (expected customer, phone, device, ip or address)
 * the entries of earlier lines staying added. The message is one line of
 * valid UTF-8: it quotes at most 64 bytes of the line, cut between
 * characters, control characters written \u00XX and other bytes that are
 * not UTF-8 \xXX. Returns 0 otherwise. */
int ox_blacklist_load(struct ox_blacklist *bl, const char *path, char *err, size_t errsz);
/* The same from memory (what ox_blacklist_load does once it has read the
 * file): buf holds len bytes in the file format, need not be NUL-terminated,
 * and name stands for FILE in messages. */
int ox_blacklist_load_buffer(struct ox_blacklist *bl, const char *name, const char *buf,
			     size_t len, char *err, size_t errsz);

size_t ox_blacklist_count(const struct ox_blacklist *bl);

/* Is raw (as an event carries it; for an address, the '/' form) listed
 * under kind, once normalized? */
bool ox_blacklist_has(const struct ox_blacklist *bl, enum ox_bl_kind kind, struct ox_str raw);
bool ox_blacklist_has_address(const struct ox_blacklist *bl, const struct ox_address *a);

#endif

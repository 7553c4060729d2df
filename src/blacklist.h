/* blacklist.h - the blacklist of rule FRD_BLACKLIST and of the risk score:
 * entries (kind, normalized value) with what people need to manage them
 * (a reason, an expiry, who added it and when, where it came from), loaded
 * from the `--blacklist FILE` of events.md and changed live through the API
 * (docs/blacklist.md).
 *
 * Values are stored normalized per kind: a phone as ox_phone_normalize()
 * makes it, an address (written as its four parts joined by '/') as
 * ox_address_normalize_parts() makes it (the parts stay apart, so a stored
 * address reads back as the same '/' form), anything else trimmed of white
 * space. Lookups normalize the same way, so "+86 138 1234 5678" finds
 * "13812345678". An empty value is never stored, so it never matches.
 *
 * Changes. The daemon changes the list only through the event log: a change
 * (struct ox_bl_op: add N entries or remove N entries) is applied by the
 * writer thread with ox_blacklist_apply() and logged, and a replay applies
 * it again at the same place among the events, so old orders are judged
 * against the list as it was then. Expiry runs on the event clock
 * (ox_blacklist_expire() from the writer's clock listener), so a replay
 * expires entries at the same points too.
 *
 * Threads. One thread mutates the list (the writer: apply, expire, add,
 * load); it takes the list's write lock only while it mutates. Other threads
 * (the HTTP threads' listings and CSV exports) read it through
 * ox_blacklist_list(), which holds the read lock. Lookups (ox_blacklist_has,
 * _has_address, _count) take no lock: call them only from the mutating
 * thread (the writer: the rules and the risk score run there) or while
 * nothing mutates (a replay, a test).
 *
 * Ownership: ox_blacklist_new() returns an object that ox_blacklist_free()
 * frees with everything in it; values are copied in.
 *
 * The text forms (the op as a log record and as a request body, CSV import
 * and export, an entry as JSON) are in blacklist_io.c.
 */
#ifndef OX_BLACKLIST_H
#define OX_BLACKLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "timefmt.h"
#include "util.h"

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

/* Where an entry came from. X(enum suffix, name) */
#define OX_BL_SOURCES(X)  \
	X(FILE, "file")   \
	X(API, "api")

enum ox_bl_source {
#define X(e, name) OX_BL_SRC_##e,
	OX_BL_SOURCES(X)
#undef X
	OX_BL__SOURCES
};
const char *ox_bl_source_name(enum ox_bl_source s);

/* Limits: a longer normalized value, a longer line, or more entries is an
 * error (OX_BL_ETOOLONG, OX_BL_EFULL). */
#define OX_BL_VALUE_MAX 1024
#define OX_BL_LINE_MAX 4096
#define OX_BL_ENTRIES_MAX (1u << 22)
#define OX_BL_REASON_MAX 500   /* bytes of a reason */
#define OX_BL_ACTOR_MAX 80     /* bytes + NUL: "token:NAME" fits (as OX_DESK_ACTOR_MAX) */
#define OX_BL_OP_MAX 5000      /* entries of one change (a CSV import's) */
/* The latest expiry: 9999-12-31T23:59:59.999+08:00, the last time the API
 * writes (an expiry before 1970 is refused too). */
#define OX_BL_TIME_LAST INT64_C(253402271999999)

/* X(enum suffix, value, message) */
#define OX_BL_ERRORS(X)                                                        \
	X(OK, 0, "ok")                                                         \
	X(EEMPTY, -1, "empty value")                                           \
	X(EADDRESS, -2, "an address needs 4 parts: province/city/district/detail") \
	X(ETOOLONG, -3, "value too long")                                      \
	X(EFULL, -4, "too many entries")                                       \
	X(EKIND, -5, "unknown kind")                                           \
	X(ETEXT, -6, "not valid UTF-8 text without control characters")       \
	X(EREASON, -7, "at most 500 bytes of UTF-8 text without control characters") \
	X(EEXPIRED, -8, "expires_at is not after the time of the change")      \
	X(EINVAL, -9, "invalid change")

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

/* Add value (len bytes, any kind's file form) normalized, as a file entry
 * (no reason, no expiry, added by "file"). Returns 0 when it is in the set
 * afterwards (adding twice is fine), or an enum ox_bl_err. */
int ox_blacklist_add(struct ox_blacklist *bl, enum ox_bl_kind kind, const char *value,
		     size_t len);

/* Add the entries of the file at path: one per line, `KIND VALUE`, the value
 * being the rest of the line after the first run of spaces or tabs, trimmed;
 * blank lines and lines starting with '#' (after white space) are skipped; a
 * UTF-8 byte order mark is ignored; a line longer than OX_BL_LINE_MAX or
 * holding a NUL byte is an error, and so is a value that is not UTF-8 text
 * (control characters included). Stops at the first error and returns -1
 * with a message in err, e.g.
 *   FILE:LINE: unknown kind "foo" (expected customer, phone, device, ip or address)
 * the entries of earlier lines staying added. The message is one line of
 * valid UTF-8: it quotes at most 64 bytes of the line, cut between
 * characters, control characters written \u00XX and other bytes that are
 * not UTF-8 \xXX. Returns 0 otherwise. The entries' source is "file", added
 * by FILE (its first 79 bytes), at no known time. */
int ox_blacklist_load(struct ox_blacklist *bl, const char *path, char *err, size_t errsz);
/* The same from memory (what ox_blacklist_load does once it has read the
 * file): buf holds len bytes in the file format, need not be NUL-terminated,
 * and name stands for FILE in messages. */
int ox_blacklist_load_buffer(struct ox_blacklist *bl, const char *name, const char *buf,
			     size_t len, char *err, size_t errsz);

/* raw (any kind's file form, or a stored value) normalized as it would be
 * stored, into out[OX_BL_NORM_BUF]: 0 with its length in *n, or an enum
 * ox_bl_err (EKIND, EEMPTY, EADDRESS, ETOOLONG, ETEXT). */
#define OX_BL_NORM_BUF (OX_BL_VALUE_MAX + 1 + 4) /* + OX_TEXTNORM_SLACK */
int ox_bl_normalize(enum ox_bl_kind kind, struct ox_str raw, char out[OX_BL_NORM_BUF], size_t *n);

/* Live entries (no lock: see Threads). */
size_t ox_blacklist_count(const struct ox_blacklist *bl);

/* Is raw (as an event carries it; for an address, the '/' form) listed
 * under kind, once normalized? No lock: see Threads. */
bool ox_blacklist_has(const struct ox_blacklist *bl, enum ox_bl_kind kind, struct ox_str raw);
bool ox_blacklist_has_address(const struct ox_blacklist *bl, const struct ox_address *a);

/* ---- changes ------------------------------------------------------------------ */

#define OX_BL_OPS(X)          \
	X(ADD, "add")         \
	X(REMOVE, "remove")

enum ox_bl_op_kind {
#define X(e, name) OX_BL_OP_##e,
	OX_BL_OPS(X)
#undef X
	OX_BL__OPS
};
const char *ox_bl_op_name(enum ox_bl_op_kind op);

/* One entry of a change. */
struct ox_bl_item {
	enum ox_bl_kind kind;
	char *value;        /* normalized, NUL-terminated, owned */
	size_t len;
	char *reason;       /* owned, NULL when none (ADD) */
	size_t reason_len;
	ox_time expires_at; /* OX_TIME_NONE: never (ADD) */
	int64_t ttl_ms;     /* a request's ttl: > 0 sets expires_at = at + ttl_ms when
			     * the change applies (and is 0 afterwards) */
	bool existed;       /* set by ox_blacklist_apply: it was listed before
			     * (ADD: updated; REMOVE: removed) */
};

/* A change: add or update its items, or remove them. It is also the event
 * log's record of the change (ox_bl_op_write / _parse in blacklist_io.c). */
struct ox_bl_op {
	enum ox_bl_op_kind op;
	ox_time at;                    /* when it applies: event time (the writer sets it) */
	char actor[OX_BL_ACTOR_MAX];   /* who: "li.na", "token:erp" */
	struct ox_bl_item *items;
	size_t n, cap;
};

void ox_bl_op_init(struct ox_bl_op *op, enum ox_bl_op_kind kind);
/* Free the items; op can be used again after ox_bl_op_init(). */
void ox_bl_op_release(struct ox_bl_op *op);

/* Append an item: value (any kind's file form, or already normalized) is
 * normalized; reason (may be empty) is trimmed. Returns 0, or an enum
 * ox_bl_err with nothing appended and *member naming the part at fault
 * ("kind", "value", "reason", "expires_at", "ttl"; an expiry outside
 * 1970..OX_BL_TIME_LAST, a ttl below 0 or with an expiry are OX_BL_EINVAL).
 * More than OX_BL_OP_MAX items is OX_BL_EFULL. */
int ox_bl_op_item(struct ox_bl_op *op, enum ox_bl_kind kind, struct ox_str value, struct ox_str reason,
		  ox_time expires_at, int64_t ttl_ms, const char **member);

struct ox_bl_counts {
	size_t added, updated; /* ADD: new entries, entries that were listed */
	size_t removed, absent; /* REMOVE: entries removed, items not listed */
};

/* Apply op at op->at, all of it or nothing: 0 with the counts, or an enum
 * ox_bl_err with a message in err ("entries[2].expires_at: ...") and
 * nothing changed: OX_BL_EFULL when the adds would pass OX_BL_ENTRIES_MAX,
 * OX_BL_EEXPIRED when an item would expire at or before op->at, OX_BL_EINVAL
 * for an item no parser makes (unknown kind, an empty or long value). An ADD
 * of a listed entry updates its reason and expiry and makes op's actor,
 * time and source "api" its own; an ADD item's ttl becomes its expires_at.
 * Items of one op apply in order (a value twice: the later wins). */
int ox_blacklist_apply(struct ox_blacklist *bl, struct ox_bl_op *op, struct ox_bl_counts *counts,
		       char err[256]);

/* Remove the entries whose expires_at <= now; returns how many. Costs a
 * comparison when none is due (call it on every clock move). */
size_t ox_blacklist_expire(struct ox_blacklist *bl, ox_time now);

/* ---- reading ------------------------------------------------------------------- */

/* An entry as listed: valid during the callback only. */
struct ox_bl_entry {
	enum ox_bl_kind kind;
	struct ox_str value;    /* normalized */
	struct ox_str reason;   /* empty when none */
	ox_time expires_at;     /* OX_TIME_NONE: never */
	ox_time added_at;       /* OX_TIME_NONE: not known (a file entry) */
	const char *added_by;
	enum ox_bl_source source;
};

struct ox_bl_query {
	int kind;               /* an enum ox_bl_kind, or -1: every kind */
	struct ox_str q;        /* a substring of the stored value; empty: any */
	int after_kind;         /* the cursor: entries after (after_kind, after) in */
	struct ox_str after;    /* list order; after_kind -1: from the start */
	size_t limit;           /* at most this many; 0: no limit */
};

/* Call fn for each entry that matches q, in list order (kind as in
 * OX_BL_KINDS, then value byte by byte), holding the read lock: fn must be
 * quick and must not call into bl. Returns true when more entries match
 * after the last one passed (there is a next page). Any thread. */
bool ox_blacklist_list(struct ox_blacklist *bl, const struct ox_bl_query *q,
		       void (*fn)(void *ctx, const struct ox_bl_entry *e), void *ctx);

/* ---- text forms (blacklist_io.c) ------------------------------------------------ */

/* The entry as the API writes it:
 * {"kind","value","reason","expires_at","added_by","added_at","source"},
 * times in RFC 3339 +08:00 or null. */
void ox_bl_entry_json(const struct ox_bl_entry *e, struct ox_buf *out);
/* The stored form of op's item i (what a listing would show), for an
 * answer to the change. */
void ox_bl_item_entry(const struct ox_bl_op *op, size_t i, struct ox_bl_entry *e);

/* The cursor after e: "KIND:VALUE". Parse: -1 when s is not one. */
void ox_bl_cursor_write(const struct ox_bl_entry *e, struct ox_buf *out);
int ox_bl_cursor_parse(struct ox_str s, int *kind, struct ox_str *value);

/* The op as one JSON object (the log record):
 *   {"op":"add","at":1794362400000,"by":"li.na","entries":[{"kind":"phone",
 *    "value":"13812345678","reason":"拒收 3 次","expires_at":1794967200000}]}
 * (reason and expires_at only for add; expires_at null when never). At most
 * max bytes of entries are written (SIZE_MAX: all): the rest is counted in
 * "omitted" (an audit detail; such a text does not parse back). */
void ox_bl_op_write(const struct ox_bl_op *op, size_t max, struct ox_buf *out);
/* Back: every member checked; values are taken as stored (not normalized
 * again: a replay stores exactly what was stored); err says what is wrong
 * in one line. 0, or OX_BL_EINVAL with op empty. */
int ox_bl_op_parse(struct ox_bl_op *op, const char *json, size_t len, char err[256]);

/* A request body of POST /api/v1/blacklist into an ADD op: one entry
 * {"kind","value","reason"?,"expires_at"?|"ttl"?} or {"entries":[...]} of
 * 1..max_entries of them; expires_at RFC 3339 with an offset or null, ttl a
 * duration ("72h"). 0 or OX_BL_EINVAL with err naming the entry and member
 * ("entries[3].kind: unknown kind \"foo\" (expected customer, phone, ...)"). */
int ox_bl_request_parse(struct ox_bl_op *op, const char *json, size_t len, size_t max_entries,
			char err[256]);

/* CSV (RFC 4180): the header, and one entry as a record, CRLF-terminated;
 * times as in JSON, empty for none. */
#define OX_BL_CSV_HEADER "kind,value,reason,expires_at,added_by,added_at,source\r\n"
void ox_bl_entry_csv(const struct ox_bl_entry *e, struct ox_buf *out);

/* A CSV import: its rejected records, each with the line it starts on. */
#define OX_BL_CSV_ERRORS_MAX 100 /* listed; the rest only counted */
#define OX_BL_CSV_ROWS_MAX OX_BL_OP_MAX
struct ox_bl_csv_report {
	size_t records, rejected; /* data records read, rejected */
	size_t n_errors;          /* listed: the first OX_BL_CSV_ERRORS_MAX */
	struct {
		size_t line;
		char error[192];
	} errors[OX_BL_CSV_ERRORS_MAX];
};
/* Read a CSV body into an ADD op (appended to op): a header line naming
 * the columns (kind and value required; reason, expires_at, added_by,
 * added_at, source known, the last three ignored: the importer adds), then
 * one record per entry; blank lines skipped; a UTF-8 byte order mark
 * ignored. A record that is not an entry, or that expires at or before now
 * (OX_TIME_NONE: no such check), is rejected with its line and why, the
 * others stay. Returns 0, or OX_BL_EINVAL with err for a body that cannot
 * be read at all (no or a bad header, a NUL byte, more than
 * OX_BL_CSV_ROWS_MAX records): then op holds nothing new. */
int ox_bl_csv_parse(struct ox_bl_op *op, const char *buf, size_t len, ox_time now, struct ox_bl_csv_report *rep,
		    char err[256]);

/* Snapshots (snap.h): the live entries in list order with all they carry.
 * Loading replaces the whole list (a --blacklist file read before is
 * dropped: the snapshot holds what became of it); -1 when the reader went
 * bad (the list is then empty). Writer thread only, as every change. */
struct ox_snap_w;
struct ox_snap_r;
void ox_blacklist_save(const struct ox_blacklist *bl, struct ox_snap_w *w);
int ox_blacklist_load_snapshot(struct ox_blacklist *bl, struct ox_snap_r *r);

#endif

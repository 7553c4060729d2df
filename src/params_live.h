/* params_live.h - the rule parameters changed while the daemon runs
 * (docs/config.md, "Live changes").
 *
 * The file given with --config is the base; the live overrides are a set of
 * dotted keys with values (struct ox_config_set) that stand as if they were
 * written in that file. A change sets or unsets some keys, all or nothing:
 * the parameters are rebuilt from the base text with the new overrides by
 * config.c's own setters, and copied over the running ones only when that
 * succeeds.
 *
 * The writer thread applies changes (at their place in the event log, so a
 * replay applies them alike) and is the only one to change the parameters;
 * other threads read them under ox_live_rdlock(). A snapshot holds the
 * overrides, so a restart from it rebuilds the same parameters from the
 * base file.
 */
#ifndef OX_PARAMS_LIVE_H
#define OX_PARAMS_LIVE_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "params.h"
#include "snap.h"
#include "timefmt.h"
#include "util.h"

#define OX_LIVE_KEYS_MAX 64      /* keys set or unset by one change */
#define OX_LIVE_VALUE_MAX 4096   /* bytes of one value's JSON */
#define OX_LIVE_NOTE_MAX 500     /* bytes of a change's note */
#define OX_LIVE_ACTOR_MAX 80 /* "token:NAME" fits, as OX_BL_ACTOR_MAX */
#define OX_LIVE_OVERRIDES_MAX 1024 /* keys overridden at once */

/* One change. A set with a NULL value is an unset: the key goes back to
 * the file's value. Keys and values are owned. */
struct ox_live_change {
	ox_time at; /* the event clock it applies at (records) */
	char actor[OX_LIVE_ACTOR_MAX];
	char note[OX_LIVE_NOTE_MAX + 1];
	size_t n;
	struct ox_config_set set[OX_LIVE_KEYS_MAX];
};

/* A request body {"set":{KEY:VALUE,...},"unset":[KEY,...],"note":"..."}
 * (request true) or a log record, which also holds "at" and "actor".
 * Values are strings, numbers, booleans or lists of strings; keys are
 * checked with ox_config_check_key(). 0, or -1 with "member: reason" in
 * err (c is then empty). */
int ox_live_change_parse(struct ox_live_change *c, const char *json, size_t len, bool request, char *err,
			 size_t errsz);
/* The record: {"at":..,"actor":..,"note":..,"set":{..},"unset":[..]}. */
void ox_live_change_write(const struct ox_live_change *c, struct ox_buf *out);
void ox_live_change_release(struct ox_live_change *c);

struct ox_live;

/* Read the base file (path NULL: none) and load p from it: p must be fresh
 * from ox_params_init(). NULL with "PATH:LINE: reason" in err. p stays the
 * caller's and must outlive the struct. */
struct ox_live *ox_live_new(const char *path, struct ox_params *p, char *err, size_t errsz);
void ox_live_free(struct ox_live *l);

/* Apply a change (writer thread): 0, the parameters rebuilt in place
 * under the write lock (pointers into p's channel table taken before are
 * stale: see ox_engine_params_changed) and, when diff is not NULL, what
 * changed as the audit detail {"note":..,"changes":[{"key","old","new"}]};
 * or -1 with "KEY: reason" in err and nothing changed. */
int ox_live_apply(struct ox_live *l, const struct ox_live_change *c, struct ox_buf *diff, char *err, size_t errsz);

/* Keep an apply's diff within max bytes for the audit log: when longer, the
 * note and the keys alone, {"note":..,"keys":[..],"values_left_out":true}
 * (64 list values can take half a megabyte). */
void ox_live_audit_detail(const struct ox_live_change *c, struct ox_buf *diff, size_t max);

/* For threads other than the writer's, around any read of the parameters. */
void ox_live_rdlock(struct ox_live *l);
void ox_live_unlock(struct ox_live *l);

/* The body of GET /api/v1/config/rules (takes the read lock). */
void ox_live_json(struct ox_live *l, bool writable, struct ox_buf *out);

/* The overrides in a snapshot; loading rebuilds the parameters (0, or -1
 * with the reader failed). l may be NULL: no overrides. */
void ox_live_save(const struct ox_live *l, struct ox_snap_w *w);
int ox_live_load(struct ox_live *l, struct ox_snap_r *r);

#endif

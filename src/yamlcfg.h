/* yamlcfg.h - reading a YAML configuration document: the pieces every
 * section parser shares (the rule parameters in config.c, the teams and
 * routing of policy.c, the alert channels of alert_config.c).
 *
 * One struct ox_yaml is one loaded document plus where its errors go. Every
 * check returns 0, or -1 after writing "NAME:LINE: reason" into the error
 * buffer, so a parser is a chain of `if (check < 0) return -1;`. Messages
 * name the dotted path of the key ("alerts.channels.ops.url") and quote
 * what was wrong; an unknown key suggests the closest known one.
 *
 * Values keep pointing into the document: copy what must outlive
 * ox_yaml_free(). Running out of memory aborts, as everywhere (util.h).
 */
#ifndef OX_YAMLCFG_H
#define OX_YAMLCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "util.h"

/* A config file larger than this is refused rather than read. */
#define OX_YAML_FILE_MAX (1024 * 1024)
/* Longest dotted path quoted in a message (known keys plus one name). */
#define OX_YAML_PATH_MAX 192

struct ox_yaml {
	const char *name; /* PATH in messages ("request" for an API upload) */
	yaml_document_t doc;
	char *err;
	size_t errsz;
};

/* Parse exactly one document from memory (text need not end in NUL) or
 * from a file. On failure nothing is left to free. */
int ox_yaml_load(struct ox_yaml *y, const char *name, const char *text, size_t len, char *err,
		 size_t errsz);
int ox_yaml_load_file(struct ox_yaml *y, const char *path, char *err, size_t errsz);
void ox_yaml_free(struct ox_yaml *y);

/* The top node, or NULL for an empty document. */
yaml_node_t *ox_yaml_root(struct ox_yaml *y);
/* The value of key in the mapping m, or NULL (m NULL or not a mapping too). */
yaml_node_t *ox_yaml_get(struct ox_yaml *y, const yaml_node_t *m, const char *key);

size_t ox_yaml_line(const yaml_node_t *n); /* 1-based */
__attribute__((format(printf, 3, 4))) int ox_yaml_error(struct ox_yaml *y, const yaml_node_t *at,
							 const char *fmt, ...);

/* The text of a scalar; empty for a mapping or a list. */
struct ox_str ox_yaml_str(const yaml_node_t *v);
bool ox_yaml_is_plain(const yaml_node_t *v);
/* An empty value, "~" or null: a section left with everything commented out. */
bool ox_yaml_is_null(const yaml_node_t *v);

/* "path.key" ("key" at the top), cut between characters to fit, control
 * characters written '?': a message quoting it stays one line of UTF-8. */
void ox_yaml_join(char out[OX_YAML_PATH_MAX], const char *path, struct ox_str key);

/* Call fn for each key/value of the mapping m (a null value: none), after
 * checking that each key is a scalar and not a repeat. */
typedef int ox_yaml_pair_fn(struct ox_yaml *y, void *ctx, const char *path, yaml_node_t *k,
			    yaml_node_t *v);
int ox_yaml_each(struct ox_yaml *y, const char *path, yaml_node_t *m, ox_yaml_pair_fn *fn,
		 void *ctx);
/* Call fn for each item of the sequence s (a null value: none); fn gets
 * "path[i]" as its path and the item as v (k is NULL). */
int ox_yaml_items(struct ox_yaml *y, const char *path, yaml_node_t *s, ox_yaml_pair_fn *fn,
		  void *ctx);

/* "Did you mean": the closest candidate within a few edits. */
struct ox_yaml_near {
	const char *best;
	size_t len, dist;
};
void ox_yaml_near_try(struct ox_yaml_near *n, struct ox_str key, const char *cand, size_t cl);
/* "unknown WHAT 'path.key' (did you mean 'path.best'?)"; returns -1. */
int ox_yaml_unknown(struct ox_yaml *y, const yaml_node_t *at, const char *what, const char *path,
		    struct ox_str key, const struct ox_yaml_near *near);
/* Refuse any key of the mapping m not in known[] (NULL-terminated), with a
 * suggestion; for sections read key by key with ox_yaml_get(). */
int ox_yaml_only(struct ox_yaml *y, const char *path, yaml_node_t *m, const char *const *known);

/* Typed values; path names the key in messages. */
int ox_yaml_parse_int(struct ox_str s, int64_t *out); /* decimal, optional sign */
int ox_yaml_int(struct ox_yaml *y, const char *path, const yaml_node_t *v, int64_t min,
		int64_t max, int64_t *out);
int ox_yaml_duration(struct ox_yaml *y, const char *path, const yaml_node_t *v, int64_t min,
		     int64_t max, int64_t *ms);
int ox_yaml_bool(struct ox_yaml *y, const char *path, const yaml_node_t *v, bool *out);
/* A non-empty scalar of at most max bytes without control characters. */
int ox_yaml_text(struct ox_yaml *y, const char *path, const yaml_node_t *v, size_t max,
		 struct ox_str *out);
/* A name of [A-Za-z0-9_.-], 1..max bytes (teams, channels, receivers). */
int ox_yaml_ident(struct ox_yaml *y, const char *path, const yaml_node_t *v, size_t max,
		  struct ox_str *out);

/* An amount in CNY ("200", "49.90") of at most max fen; "none" gives
 * none when none is not 0 (e.g. a limit's "no limit"). */
int ox_yaml_money(struct ox_yaml *y, const char *path, const yaml_node_t *v, ox_money max, ox_money none,
		  ox_money *out);

#endif

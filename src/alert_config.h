/* alert_config.h - the `alerts:` section of the daemon's YAML config file:
 * the channels notices go to, the routing tree that picks channels and
 * groups, and the delivery policy (docs/alerts.md). Also the labels and
 * matchers that routes and silences share, and routing itself (a pure
 * function of the config and a notice).
 *
 * Ownership: ox_alert_config_load() returns a config that
 * ox_alert_config_free() frees; it is read-only afterwards and may be read
 * by any number of threads. Running out of memory aborts (util.h).
 */
#ifndef OX_ALERT_CONFIG_H
#define OX_ALERT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "notice.h"
#include "util.h"
#include "webhook.h"

/* ---- labels and matchers -------------------------------------------------------------- */

/* What a route or a silence can match and a group can be keyed by.
 * X(enum suffix, name) */
#define OX_ALERT_LABELS(X)           \
	X(RULE, "rule")              \
	X(CATEGORY, "category")      \
	X(SEVERITY, "severity")      \
	X(TEAM, "team")              \
	X(KIND, "kind")              \
	X(LEVEL, "level")            \
	X(CASE, "case")

enum ox_alert_label {
#define X(e, s) OX_AL_##e,
	OX_ALERT_LABELS(X)
#undef X
	OX_AL__COUNT
};
const char *ox_alert_label_name(enum ox_alert_label l);
/* The label named s (n bytes), or -1. */
int ox_alert_label_by_name(const char *s, size_t n);

#define OX_ALERT_VALUE_MAX 168  /* bytes of one label value, with its NUL */
#define OX_ALERT_VALUES_MAX 64  /* values in one matcher */

/* label is one of values (values are normalised: "P1", "2", rule codes). */
struct ox_alert_matcher {
	enum ox_alert_label label;
	size_t n;
	char **values; /* owned */
};
void ox_alert_matchers_free(struct ox_alert_matcher *m, size_t n);

/* Check a value for label l (s, n bytes) and write its normal form into out:
 * rule a rule code, category a rule category, severity P1..P4, team a name
 * of [A-Za-z0-9_.-], kind opened|escalated|sla_breached|resolved|reminder|approval, level
 * 1..3, case a case id. -1 with a reason in why ("unknown rule 'X' (did you
 * mean 'Y'?)"); the reason quotes the value cut short, never a path. */
int ox_alert_value_check(enum ox_alert_label l, const char *s, size_t n, char out[OX_ALERT_VALUE_MAX],
			 char *why, size_t whysz);

/* The value of label l of notice n, in the same normal form. */
void ox_alert_label_value(const struct ox_notice *n, enum ox_alert_label l, char out[OX_ALERT_VALUE_MAX]);

/* True when every matcher holds for n (no matchers: true). */
bool ox_alert_matchers_match(const struct ox_alert_matcher *m, size_t count, const struct ox_notice *n);

/* ---- the config ---------------------------------------------------------------------- */

#define OX_ALERT_CHANNELS_MAX 64
#define OX_ALERT_ROUTES_MAX 256 /* nodes of the routing tree, the root included */
#define OX_ALERT_ROUTE_DEPTH_MAX 8
#define OX_ALERT_URL_MAX 2048
#define OX_ALERT_SECRET_MAX 512

struct ox_alert_channel {
	char *name;
	enum ox_wh_type type;
	char *url;        /* ${ENV} expanded */
	char *secret;     /* NULL: unsigned */
	bool feishu_text; /* format: text (Feishu only; default card) */
};

/* A node of the routing tree; values not set are inherited from the parent. */
struct ox_alert_route {
	int id;          /* pre-order number, the root 0: part of a group's identity */
	size_t receiver; /* index into channels */
	struct ox_alert_matcher *match;
	size_t n_match;
	unsigned group_by; /* bit 1u << label for each label */
	int64_t group_wait, group_interval, repeat_interval; /* ms */
	bool cont;       /* continue: also try the next sibling after a match */
	struct ox_alert_route *routes;
	size_t n_routes;
};

struct ox_alert_delivery {
	int64_t timeout;         /* ms, one attempt, connection included */
	int64_t backoff_initial; /* ms, the first retry waits at least this */
	int64_t backoff_max;     /* ms, no retry waits longer */
	int64_t give_up_after;   /* ms after the message was made: dead */
	int64_t retention;       /* ms: sent and silenced messages are kept this long */
	enum ox_wh_lang lang;
};

struct ox_alert_config {
	struct ox_alert_channel *channels;
	size_t n_channels; /* 0: alerting off */
	struct ox_alert_route route; /* the root: matches every notice */
	int n_routes;
	struct ox_alert_delivery delivery;
	char *console_url; /* without a final '/'; NULL: no links */
};

/* Read the `alerts:` section of the YAML file at path (the daemon's config
 * file; other sections are left to their readers). path NULL, or a file
 * without `alerts:`, gives an empty config: no channels, nothing delivered.
 * Errors read "PATH:LINE: 'alerts.channels.ops.url' ..." (err, errsz). */
int ox_alert_config_load(const char *path, struct ox_alert_config **out, char *err, size_t errsz);
/* The same from text in memory; name stands for the file in messages. */
int ox_alert_config_parse(const char *name, const char *text, size_t len, struct ox_alert_config **out,
			  char *err, size_t errsz);
void ox_alert_config_free(struct ox_alert_config *c); /* NULL is fine */

/* The config as the console's alerts page shows it (GET
 * /api/v1/alerts/channels): each channel's name, type, endpoint (scheme and
 * host only: a webhook's path and query carry its key), whether it signs,
 * its format; the routing tree; the delivery policy. No secret. */
void ox_alert_config_json(const struct ox_alert_config *c, struct ox_buf *out);

/* The channel called name, or NULL. */
const struct ox_alert_channel *ox_alert_channel_find(const struct ox_alert_config *c, const char *name);

/* Route a notice through the tree (Alertmanager's rules: a node's children
 * are tried in order; the first that matches takes the notice unless it
 * says continue; a node none of whose children took the notice takes it
 * itself). Writes the routes that take n into out (at most
 * OX_ALERT_ROUTES_MAX) and returns their count: 0 when there are no
 * channels. */
size_t ox_alert_route_notice(const struct ox_alert_config *c, const struct ox_notice *n,
			     const struct ox_alert_route **out);

/* The group key of n on route r: "label=value" for each group_by label in
 * label order, comma-separated; "" when r groups by nothing. Replaces out's
 * content. */
void ox_alert_group_key(const struct ox_alert_route *r, const struct ox_notice *n, struct ox_buf *out);

#endif

/* config.h - the YAML configuration file: every rule parameter of params.h.
 *
 * The file shape and every parameter are in docs/config.md. A load applies
 * the file on top of p (normally fresh from ox_params_init): keys the file
 * does not name keep p's values; a block under `channels:` starts from the
 * final global values of the file, whatever its position in it.
 *
 * Errors: the functions return -1 and write "PATH:LINE: reason" into err
 * (truncated to errsz; "PATH: reason" when no line applies, e.g. the file
 * cannot be read); p is then left exactly as it was. On success they return
 * 0 and p may own a new channel table (free it with ox_params_release):
 * pointers from ox_params_for_channel(p, ...) taken before stop being valid.
 */
#ifndef OX_CONFIG_H
#define OX_CONFIG_H

#include <stddef.h>

#include "params.h"
#include "util.h"

/* A config file larger than this is refused rather than read. */
#define OX_CONFIG_FILE_MAX (1024 * 1024)

int ox_config_load(const char *path, struct ox_params *p, char *err, size_t errsz);
/* Load from memory: name stands for PATH in messages (the HTTP admin API
 * passes e.g. "request"). yaml need not be NUL-terminated. */
int ox_config_load_string(const char *name, const char *yaml, size_t len, struct ox_params *p,
			  char *err, size_t errsz);

/* A live change of one parameter (docs/config.md, "Live changes"): a dotted
 * key ("payment.retry_window", "rules.PAY_DUPLICATE.severity",
 * "channels.pdd.fraud.threshold", "logistics.carriers.sf") and its value as
 * JSON text ("\"20m\"", "50", "true", "[\"wms\"]"), checked by the same
 * setters and limits as the file. */
struct ox_config_set {
	const char *key;
	const char *value;
};

/* Load yaml with sets on top as if they were written in it: the global
 * ones before the file's channel blocks are built (so a block that does not
 * set a key follows a live global change), the channel ones after. An
 * error of a set reads "KEY: reason" (no line). */
int ox_config_load_with(const char *name, const char *yaml, size_t len, const struct ox_config_set *sets,
			size_t n, struct ox_params *p, char *err, size_t errsz);
/* Whether key names a parameter a running daemon may change: 0, or -1
 * with "KEY: reason" (unknown, with the closest key; file only). */
int ox_config_check_key(const char *key, char *err, size_t errsz);
/* The value key has in p as JSON into out (a channel without a block: the
 * global value; a carrier not listed: null); -1 for an unknown key. */
int ox_config_value_json(const struct ox_params *p, const char *key, struct ox_buf *out);
/* Every parameter of the table, as the JSON array of GET
 * /api/v1/config/rules: key, type, value, default, min, max, channel, live. */
void ox_config_describe(const struct ox_params *p, struct ox_buf *out);
/* A channel block's values, {"payment.retry_window":"15m",...}. */
void ox_config_channel_json(const struct ox_order_params *op, struct ox_buf *out);
/* A rule's settings, {"enabled":true,"severity":"P1","team":"payments"}. */
void ox_config_rule_json(const struct ox_rule_setting *s, struct ox_buf *out);

#endif

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

/* A config file larger than this is refused rather than read. */
#define OX_CONFIG_FILE_MAX (1024 * 1024)

int ox_config_load(const char *path, struct ox_params *p, char *err, size_t errsz);
/* Load from memory: name stands for PATH in messages (the HTTP admin API
 * passes e.g. "request"). yaml need not be NUL-terminated. */
int ox_config_load_string(const char *name, const char *yaml, size_t len, struct ox_params *p,
			  char *err, size_t errsz);

#endif

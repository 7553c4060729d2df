/* feed.h - decode NDJSON lines into the engine, one event ahead.
 *
 * While event N is applied, event N+1 is already decoded and its id-set and
 * order slots are being fetched into the cache: the engine's hash tables
 * are far larger than the cache, and overlapping those misses with decoding
 * is the cheapest speed there is. Two decoders alternate, since a decoded
 * event lives in its decoder's memory until that decoder's next line.
 */
#ifndef OX_FEED_H
#define OX_FEED_H

#include <stddef.h>

#include "event.h"

struct ox_engine;

struct ox_feed_counts {
	size_t accepted, duplicates, rejected;
};

struct ox_feed {
	struct ox_engine *e; /* NULL: decode only */
	struct ox_decoder *dec[2];
	struct ox_event ev[2];
	int pending; /* index of a decoded event not applied yet, or -1 */
	int next;    /* the decoder for the next line */
	struct ox_feed_counts counts;
};

void ox_feed_init(struct ox_feed *f, struct ox_engine *e, const struct ox_limits *limits);
/* Applies what is pending, then frees the decoders. */
void ox_feed_release(struct ox_feed *f);
/* One line (blank lines are skipped). Returns 0, or -1 with the reason in
 * err when the line is rejected. */
int ox_feed_line(struct ox_feed *f, const char *line, size_t len, char err[OX_ERR_BUFSZ]);
/* Apply the pending event, if any (before reading the engine's state). */
void ox_feed_flush(struct ox_feed *f);

#endif

/* replay.h - the replay command and its stream loop (shared with benches). */
#ifndef OX_REPLAY_H
#define OX_REPLAY_H

#include <stddef.h>

#include "feed.h"

struct ox_engine;

/* Called with the feed flushed after every `every` accepted events; may
 * give the feed another engine. Non-zero stops the stream (an error). */
struct ox_replay_hook {
	size_t every;
	int (*fn)(void *ctx, struct ox_feed *f);
	void *ctx;
};

/* Decode fd's NDJSON into the engine, reporting rejected lines on stderr.
 * hook may be NULL. Returns 0, or -1 on a read error or a failed hook. */
int ox_replay_stream(int fd, struct ox_engine *e, const struct ox_replay_hook *hook,
		     struct ox_feed_counts *counts);

int ox_cmd_replay(int argc, char **argv);

#endif

/* replay.h - the replay command and its stream loop (shared with benches). */
#ifndef OX_REPLAY_H
#define OX_REPLAY_H

#include <stddef.h>

#include "feed.h"

struct ox_engine;

/* Decode fd's NDJSON into the engine, reporting rejected lines on stderr.
 * Returns 0, or -1 on a read error. */
int ox_replay_stream(int fd, struct ox_engine *e, struct ox_feed_counts *counts);

int ox_cmd_replay(int argc, char **argv);

#endif

/* feed.c - see feed.h. */
#include "feed.h"

#include <string.h>

#include "engine.h"

void ox_feed_init(struct ox_feed *f, struct ox_engine *e, const struct ox_limits *limits)
{
	memset(f, 0, sizeof *f);
	f->e = e;
	f->dec[0] = ox_decoder_new(limits);
	f->dec[1] = ox_decoder_new(limits);
	f->pending = -1;
}

void ox_feed_flush(struct ox_feed *f)
{
	if (f->pending < 0)
		return;
	if (!f->e || ox_engine_apply(f->e, &f->ev[f->pending]) == OX_APPLIED)
		f->counts.accepted++;
	else
		f->counts.duplicates++;
	f->pending = -1;
}

void ox_feed_release(struct ox_feed *f)
{
	ox_feed_flush(f);
	ox_decoder_free(f->dec[0]);
	ox_decoder_free(f->dec[1]);
}

int ox_feed_line(struct ox_feed *f, const char *line, size_t len, char err[OX_ERR_BUFSZ])
{
	if (ox_line_is_blank(line, len))
		return 0;
	int k = f->next;
	if (ox_decode(f->dec[k], line, len, &f->ev[k], err) < 0) {
		f->counts.rejected++;
		return -1;
	}
	if (f->e)
		ox_engine_prefetch(f->e, &f->ev[k]);
	ox_feed_flush(f);
	f->pending = k;
	f->next = k ^ 1;
	return 0;
}

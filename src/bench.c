/* bench.c - `ordex bench`: throughput and memory of the decoder and the
 * engine on an event file held in memory (so disk speed is not measured).
 */
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "blacklist.h"
#include "engine.h"
#include "event.h"
#include "feed.h"
#include "params.h"

static const char usage[] = "usage: ordex bench FILE [--runs N]\n"
			    "  Decodes FILE N times (default 3) alone, then decodes and detects N times,\n"
			    "  and prints the median events/s of each, peak RSS and memory per order.\n";

static char *slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "ordex bench: cannot open '%s': %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	char *buf = ox_xmalloc((size_t)st.st_size + 1);
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	*len = got;
	return buf;
}

/* One pass over the buffer: decode every line, apply to e when given. */
static size_t pass(const char *buf, size_t len, const struct ox_limits *limits, struct ox_engine *e)
{
	struct ox_feed feed;
	ox_feed_init(&feed, e, limits);
	char err[OX_ERR_BUFSZ];
	for (const char *p = buf, *end = buf + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		ox_feed_line(&feed, p, n, err);
		p += n + 1;
	}
	ox_feed_release(&feed);
	return feed.counts.accepted + feed.counts.duplicates;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int ox_cmd_bench(int argc, char **argv)
{
	const char *path = NULL;
	int runs = 3;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
			runs = atoi(argv[++i]);
		else if (argv[i][0] != '-' && !path)
			path = argv[i];
		else {
			fputs(usage, stderr);
			return 2;
		}
	}
	if (!path || runs < 1 || runs > 99) {
		fputs(usage, stderr);
		return 2;
	}
	size_t len;
	char *buf = slurp(path, &len);
	if (!buf)
		return 2;

	struct ox_limits limits = ox_limits_default();
	struct ox_params params;
	ox_params_init(&params);
	struct ox_blacklist *bl = ox_blacklist_new();
	double decode_s[99], full_s[99];
	size_t events = 0, orders = 0, cases = 0;
	size_t mem_bytes = 0, id_bytes = 0;
	for (int r = 0; r < runs; r++) {
		double t0 = ox_mono_seconds();
		events = pass(buf, len, &limits, NULL);
		decode_s[r] = ox_mono_seconds() - t0;
	}
	for (int r = 0; r < runs; r++) {
		struct mallinfo2 before = mallinfo2();
		size_t tables_before = ox_table_bytes();
		struct ox_engine *e = ox_engine_new(&params, bl);
		double t0 = ox_mono_seconds();
		pass(buf, len, &limits, e);
		full_s[r] = ox_mono_seconds() - t0;
		struct mallinfo2 after = mallinfo2();
		struct ox_engine_stats st;
		ox_engine_stats(e, &st);
		orders = st.orders;
		id_bytes = st.id_set_bytes;
		cases = ox_engine_case_count(e);
		mem_bytes = after.uordblks + after.hblkhd - before.uordblks - before.hblkhd +
			    (ox_table_bytes() - tables_before);
		ox_engine_free(e);
	}
	qsort(decode_s, (size_t)runs, sizeof(double), cmp_double);
	qsort(full_s, (size_t)runs, sizeof(double), cmp_double);
	double dec = decode_s[runs / 2], full = full_s[runs / 2];
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("events            %zu (%.1f MB, %.0f bytes/event)\n", events, (double)len / 1e6,
	       events ? (double)len / (double)events : 0.0);
	printf("decode only       %.0f events/s  %.0f MB/s  (median of %d)\n", (double)events / dec,
	       (double)len / 1e6 / dec, runs);
	printf("decode + detect   %.0f events/s  (median of %d; target 1000000: %.2fx)\n", (double)events / full,
	       runs, (double)events / full / 1e6);
	printf("detect only       %.0f events/s  (decode time subtracted)\n",
	       full > dec ? (double)events / (full - dec) : 0.0);
	printf("orders            %zu, cases %zu\n", orders, cases);
	double per_order = orders ? (double)(mem_bytes - id_bytes) / (double)orders : 0.0;
	printf("engine memory     %.1f MiB: event-id set %.1f MiB (%.0f bytes per event),\n"
	       "                  the rest %.0f bytes per order (target 1024: %.2fx)\n",
	       (double)mem_bytes / 1048576.0, (double)id_bytes / 1048576.0,
	       events ? (double)id_bytes / (double)events : 0.0, per_order, per_order / 1024.0);
	printf("peak rss          %.1f MiB (file held in memory: %.1f MiB)\n", (double)ru.ru_maxrss / 1024.0,
	       (double)len / 1048576.0);
	ox_blacklist_free(bl);
	ox_params_release(&params);
	free(buf);
	return 0;
}

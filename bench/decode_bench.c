/* decode_bench.c - decode a file of NDJSON lines N times, report throughput.
 *
 *   cc -std=c11 -D_DEFAULT_SOURCE -O2 -Isrc src/util.c src/timefmt.c src/json.c \
 *      src/event.c bench/decode_bench.c -lxxhash -o /tmp/decode_bench
 *   /tmp/decode_bench FILE [PASSES]
 *
 * The file is read into memory first, so this measures decoding only. Three
 * runs of PASSES passes each; prints every run and the median. Time is the
 * process CPU time, so a busy machine disturbs the figure less. Rejected lines
 * are counted, not printed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "event.h"

struct line {
	const char *s;
	size_t len;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: decode_bench FILE [PASSES]\n");
		return 2;
	}
	long passes = argc > 2 ? strtol(argv[2], NULL, 10) : 10;
	FILE *f = fopen(argv[1], "rb");
	if (!f) {
		perror(argv[1]);
		return 2;
	}
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *data = ox_xmalloc((size_t)size);
	if (fread(data, 1, (size_t)size, f) != (size_t)size) {
		perror(argv[1]);
		return 2;
	}
	fclose(f);

	struct line *lines = NULL;
	size_t n = 0, cap = 0, bytes = 0;
	for (char *p = data, *end = data + size; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl ? nl : end) - p);
		if (!ox_line_is_blank(p, len)) {
			OX_GROW(lines, cap, n + 1);
			lines[n++] = (struct line){ p, len };
			bytes += len + 1;
		}
		p += len + 1;
	}

	struct ox_decoder *d = ox_decoder_new(NULL);
	struct ox_event ev;
	char err[OX_ERR_BUFSZ];
	double rate[3];
	for (int run = 0; run < 3; run++) {
		size_t rejected = 0;
		int64_t check = 0;
		double t0 = now();
		for (long pass = 0; pass < passes; pass++) {
			for (size_t i = 0; i < n; i++) {
				if (ox_decode(d, lines[i].s, lines[i].len, &ev, err) < 0)
					rejected++;
				else
					check += ev.ts + ev.total + (int64_t)ev.id.len;
			}
		}
		double dt = now() - t0, total = (double)n * (double)passes;
		rate[run] = total / dt;
		printf("run %d: %.0f lines/s, %.1f MB/s (%zu lines x %ld, %zu rejected/pass, check %lld)\n",
		       run + 1, rate[run], (double)bytes * (double)passes / dt / 1e6, n, passes,
		       rejected / (size_t)passes, (long long)check);
	}
	qsort(rate, 3, sizeof rate[0], cmp_double);
	printf("median: %.0f lines/s, %.1f MB/s (avg line %.0f bytes)\n", rate[1],
	       rate[1] * (double)bytes / (double)n / 1e6, (double)bytes / (double)n);
	ox_decoder_free(d);
	free(lines);
	free(data);
	return 0;
}

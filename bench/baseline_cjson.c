/* baseline_cjson.c - the baseline for `make bench`: cJSON (Debian's
 * libcjson) parsing the same NDJSON file held in memory, DOM built and
 * freed per line, no validation beyond JSON syntax. Prints events/s. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: baseline_cjson FILE [RUNS]\n");
		return 2;
	}
	FILE *f = fopen(argv[1], "rb");
	if (!f) {
		perror(argv[1]);
		return 2;
	}
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)len + 1);
	if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len)
		return 2;
	fclose(f);
	buf[len] = '\0';
	int runs = argc > 2 ? atoi(argv[2]) : 3;
	if (runs < 1 || runs > 99)
		runs = 3;
	double secs[99];
	size_t lines = 0;
	for (int r = 0; r < runs; r++) {
		double t0 = now();
		lines = 0;
		for (char *p = buf, *end = buf + len; p < end;) {
			char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
			cJSON *j = cJSON_ParseWithLength(p, n);
			lines += j != NULL;
			cJSON_Delete(j);
			p += n + 1;
		}
		secs[r] = now() - t0;
	}
	qsort(secs, (size_t)runs, sizeof secs[0], cmp);
	printf("%.0f\n", (double)lines / secs[runs / 2]);
	free(buf);
	return 0;
}

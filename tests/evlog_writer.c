/* evlog_writer.c - the writer, verifier and benchmark behind
 * tests/evlog-crash.sh and the figures in docs/evlog.md.
 *
 *   evlog_writer write DIR [AHEAD]  append forever in groups of 1..300 records,
 *                                   printing "durable SEQ" after each commit;
 *                                   AHEAD: bytes of zeros written ahead (prealloc)
 *   evlog_writer tear DIR SEQ SEED  what a power cut may do to what was not
 *                                   synced: cut the last segment at a random point
 *                                   after record SEQ and zero a random range before
 *                                   the cut (a page that did not reach the disk)
 *   evlog_writer verify DIR SEQ     replay DIR checking every payload, check that
 *                                   SEQ is there, then append, reopen, check again
 *   evlog_writer bench DIR N GROUP sync|nosync
 *                                   N appends of a 364-byte event, a commit every
 *                                   GROUP; prints appends/s and MB/s
 *
 * The payload of a record is a function of its seq (payload_for), so the
 * verifier needs nothing but the log. Exit status: 0 ok, 1 failure, 2 usage.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "evlog.h"

/* write and verify use small segments, so rounds roll over often. */
static const struct ox_evlog_opts crash_opts = { .segment_max = 256 << 10 };

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15u;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
	return x ^ (x >> 31);
}

#define PAYLOAD_MAX 72000

/* An NDJSON-like line of 20..600 bytes, and every 499th record 20..70 KB so
 * that commits span many pages and segments. */
static size_t payload_for(uint64_t seq, char *out)
{
	uint64_t h = mix(seq);
	size_t pad = seq % 499 == 0 ? 20000 + h % 50000 : h % 570;
	int n = snprintf(out, 64, "{\"seq\":%llu,\"pad\":\"", (unsigned long long)seq);
	size_t len = (size_t)n;
	for (size_t i = 0; i < pad; i++)
		out[len++] = (char)('a' + (h >> (i % 48)) % 26);
	memcpy(out + len, "\"}", 2);
	return len + 2;
}

static int open_log(struct ox_evlog **log, const char *dir, const struct ox_evlog_opts *o,
		    ox_evlog_replay_fn *fn, void *ctx)
{
	char err[512];
	int rc = ox_evlog_open(log, dir, o, fn, ctx, err, sizeof err);
	if (rc)
		fprintf(stderr, "evlog_writer: open: %s\n", err);
	return rc;
}

static int write_forever(const char *dir, uint32_t ahead)
{
	struct ox_evlog *log;
	struct ox_evlog_opts o = crash_opts;
	o.prealloc = ahead;
	if (open_log(&log, dir, &o, NULL, NULL))
		return 1;
	static char p[PAYLOAD_MAX];
	for (;;) {
		uint64_t seq = ox_evlog_durable_seq(log) + 1;
		size_t group = 1 + mix(seq ^ 0x5eed) % 300;
		for (size_t i = 0; i < group; i++, seq++) {
			int rc = ox_evlog_append(log, p, payload_for(seq, p), NULL);
			if (rc == OX_EVLOG_EFULL)
				break; /* the next group starts at this seq */
			if (rc) {
				fprintf(stderr, "evlog_writer: append: %s\n", ox_evlog_errmsg(log));
				return 1;
			}
		}
		if (ox_evlog_commit(log)) {
			fprintf(stderr, "evlog_writer: commit: %s\n", ox_evlog_errmsg(log));
			return 1;
		}
		printf("durable %llu\n", (unsigned long long)ox_evlog_durable_seq(log));
		fflush(stdout);
	}
}

struct check {
	uint64_t count, last, bad;
	char want[PAYLOAD_MAX];
};

static int check_cb(void *ctx, uint64_t seq, const char *payload, size_t len)
{
	struct check *c = ctx;
	if (c->count ? seq != c->last + 1 : seq != 1) {
		fprintf(stderr, "verify: seq %llu after %llu\n", (unsigned long long)seq,
			(unsigned long long)c->last);
		c->bad++;
	}
	size_t n = payload_for(seq, c->want);
	if (len != n || memcmp(payload, c->want, n) != 0) {
		fprintf(stderr, "verify: wrong payload at seq %llu\n", (unsigned long long)seq);
		c->bad++;
	}
	c->count++;
	c->last = seq;
	return c->bad > 10; /* enough said */
}

static int verify(const char *dir, uint64_t durable)
{
	static struct check c;
	struct ox_evlog *log;
	if (open_log(&log, dir, &crash_opts, check_cb, &c))
		return 1;
	const struct ox_evlog_recovery *r = ox_evlog_recovery(log);
	if (c.bad || c.last < durable || ox_evlog_durable_seq(log) != c.last) {
		fprintf(stderr, "verify: %llu bad records, last %llu, acknowledged %llu\n",
			(unsigned long long)c.bad, (unsigned long long)c.last,
			(unsigned long long)durable);
		ox_evlog_close(log);
		return 1;
	}
	printf("%llu records in %llu segments, acknowledged %llu, %llu more; torn %llu bytes%s%s\n",
	       (unsigned long long)c.count, (unsigned long long)r->segments,
	       (unsigned long long)durable, (unsigned long long)(c.last - durable),
	       (unsigned long long)r->torn_bytes, r->torn_reason ? " " : "",
	       r->torn_reason ? r->torn_reason : "");
	/* The log goes on where it stopped. */
	uint64_t last = c.last;
	for (uint64_t seq = last + 1; seq <= last + 3; seq++) {
		uint64_t got = 0;
		size_t n = payload_for(seq, c.want);
		if (ox_evlog_append(log, c.want, n, &got) || got != seq) {
			fprintf(stderr, "verify: append gave seq %llu, want %llu\n",
				(unsigned long long)got, (unsigned long long)seq);
			ox_evlog_close(log);
			return 1;
		}
	}
	int rc = ox_evlog_commit(log);
	ox_evlog_close(log);
	memset(&c, 0, sizeof c);
	if (rc || open_log(&log, dir, &crash_opts, check_cb, &c))
		return 1;
	ox_evlog_close(log);
	if (c.bad || c.last != last + 3) {
		fprintf(stderr, "verify: after appending, last %llu, want %llu\n",
			(unsigned long long)c.last, (unsigned long long)(last + 3));
		return 1;
	}
	return 0;
}

static uint64_t get_le(const unsigned char *p, int n)
{
	uint64_t v = 0;
	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Reads the format itself (docs/evlog.md): a 28-byte header, then records
 * of u32 crc, u32 length, u64 seq, payload. */
static int tear(const char *dir, uint64_t acked, uint64_t seed)
{
	DIR *d = opendir(dir);
	if (!d)
		return perror(dir), 1;
	char name[32] = "", path[4096];
	struct dirent *e;
	while ((e = readdir(d)) != NULL) /* the largest name is the last segment */
		if (strlen(e->d_name) == 24 && !strcmp(e->d_name + 20, ".log") &&
		    strcmp(e->d_name, name) > 0)
			memcpy(name, e->d_name, 25);
	closedir(d);
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = name[0] ? fopen(path, "r+b") : NULL;
	if (!f)
		return fprintf(stderr, "tear: no segment in %s\n", dir), 1;
	fseek(f, 0, SEEK_END);
	size_t size = (size_t)ftell(f);
	unsigned char *b = malloc(size);
	rewind(f);
	if (!b || fread(b, 1, size, f) != size)
		return fprintf(stderr, "tear: cannot read %s\n", path), 1;
	/* keep: the end of the last acknowledged record, which a power cut
	 * cannot touch since its fdatasync returned. */
	size_t keep = 28;
	if (acked >= strtoull(name, NULL, 10)) {
		uint64_t seq = 0;
		while (seq != acked && keep + 16 <= size) {
			seq = get_le(b + keep + 8, 8);
			keep += 16 + get_le(b + keep + 4, 4);
		}
		if (seq != acked || keep > size)
			return fprintf(stderr, "tear: record %llu is not in %s\n",
				       (unsigned long long)acked, path),
			       1;
	}
	uint64_t r = mix(seed);
	size_t cut = keep + (size_t)(r % (size - keep + 1)), zoff = cut, zlen = 0;
	if (cut > keep && mix(r) % 2) {
		zoff = keep + (size_t)(mix(r + 1) % (cut - keep));
		zlen = 1 + (size_t)(mix(r + 2) % 8192);
		if (zlen > cut - zoff)
			zlen = cut - zoff;
		memset(b + zoff, 0, zlen);
	}
	rewind(f);
	int bad = fwrite(b, 1, cut, f) != cut || fflush(f) != 0 || ftruncate(fileno(f), (off_t)cut);
	fclose(f);
	free(b);
	if (bad)
		return fprintf(stderr, "tear: cannot write %s\n", path), 1;
	printf("cut %s from %zu to %zu bytes (acknowledged end %zu), zeroed %zu at %zu\n", name,
	       size, cut, keep, zlen, zoff);
	return 0;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int count_cb(void *ctx, uint64_t seq, const char *payload, size_t len)
{
	(void)seq, (void)payload, (void)len;
	++*(uint64_t *)ctx;
	return 0;
}

/* An order event of the typical size in design.md (364 bytes). */
#define BENCH_EVENT                                                                          \
	"{\"id\":\"evt-%012llu\",\"type\":\"order.paid\",\"ts\":\"2026-11-11T00:00:01.123+08:00\"," \
	"\"order_id\":\"TM%014llu\",\"channel\":\"tmall\",\"shop\":\"flagship\","               \
	"\"payment\":{\"payment_id\":\"PAY%014llu\",\"method\":\"alipay\",\"amount\":\"119.80\","    \
	"\"currency\":\"CNY\"},\"customer\":{\"id\":\"C%010llu\",\"phone\":\"13812345678\"},"      \
	"\"source\":\"webhook\",\"pad\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}"

static int bench(const char *dir, uint64_t n, uint64_t group, enum ox_evlog_sync sync)
{
	const struct ox_evlog_opts o = { .sync = sync };
	struct ox_evlog *log;
	if (open_log(&log, dir, &o, NULL, NULL))
		return 1;
	/* Made beforehand, so that only the log is timed. */
	static char lines[1024][512];
	static size_t lens[1024];
	for (unsigned long long v = 0; v < 1024; v++)
		lens[v] = (size_t)snprintf(lines[v], sizeof lines[v], BENCH_EVENT, v, v, v, v);
	uint64_t bytes = 0;
	double t0 = now();
	for (uint64_t i = 1; i <= n; i++) {
		size_t len = lens[i % 1024];
		if (ox_evlog_append(log, lines[i % 1024], len, NULL) ||
		    (i % group == 0 && ox_evlog_commit(log))) {
			fprintf(stderr, "bench: %s\n", ox_evlog_errmsg(log));
			return 1;
		}
		bytes += len;
	}
	if (ox_evlog_commit(log))
		return 1;
	double dt = now() - t0;
	ox_evlog_close(log);
	/* Then how fast a restart replays it (from the page cache). */
	uint64_t seen = 0;
	double t1 = now();
	if (open_log(&log, dir, &o, count_cb, &seen))
		return 1;
	double rt = now() - t1;
	ox_evlog_close(log);
	printf("%llu appends of %llu bytes, commit every %llu, %s: %.0f appends/s, %.1f MB/s; "
	       "replay %.0f records/s\n",
	       (unsigned long long)n, (unsigned long long)(bytes / n), (unsigned long long)group,
	       sync == OX_EVLOG_FDATASYNC ? "fdatasync" : "no sync", (double)n / dt,
	       (double)bytes / dt / 1e6, (double)seen / rt);
	return seen == n ? 0 : 1;
}

int main(int argc, char **argv)
{
	if ((argc == 3 || argc == 4) && !strcmp(argv[1], "write"))
		return write_forever(argv[2], argc == 4 ? (uint32_t)strtoul(argv[3], NULL, 10) : 0);
	if (argc == 5 && !strcmp(argv[1], "tear"))
		return tear(argv[2], strtoull(argv[3], NULL, 10), strtoull(argv[4], NULL, 10));
	if (argc == 4 && !strcmp(argv[1], "verify"))
		return verify(argv[2], strtoull(argv[3], NULL, 10));
	if (argc == 6 && !strcmp(argv[1], "bench") && strtoull(argv[3], NULL, 10) &&
	    strtoull(argv[4], NULL, 10) &&
	    (!strcmp(argv[5], "sync") || !strcmp(argv[5], "nosync")))
		return bench(argv[2], strtoull(argv[3], NULL, 10), strtoull(argv[4], NULL, 10),
			     strcmp(argv[5], "sync") ? OX_EVLOG_NOSYNC : OX_EVLOG_FDATASYNC);
	fprintf(stderr, "usage: evlog_writer write DIR | tear DIR SEQ SEED | verify DIR SEQ | "
			"bench DIR N GROUP sync|nosync\n");
	return 2;
}

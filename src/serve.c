/* serve.c - `ordex serve`: wires the writer (log, engine, case store) to the
 * HTTP API, and stops cleanly on SIGINT/SIGTERM or after a storage failure.
 */
#include "serve.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "blacklist.h"
#include "config.h"
#include "event.h"
#include "http.h"
#include "metrics.h"
#include "params.h"
#include "writer.h"

static const char usage[] =
	"usage: ordex serve [--data DIR] [--listen HOST:PORT] [--config FILE] [--blacklist FILE]\n"
	"                   [--clock event|wall] [options]\n"
	"  Runs the daemon: durable event ingest over HTTP, detection, the case store\n"
	"  and the query API (docs/serve.md).\n"
	"  --data DIR          data directory: events/ (the log) and cases.db (./data)\n"
	"  --listen HOST:PORT  address to serve on; port 0 picks a free one (127.0.0.1:8080)\n"
	"  --config FILE       rule parameters (docs/config.md)\n"
	"  --blacklist FILE    risk lists (docs/rules/fraud.md)\n"
	"  --clock wall|event  wall: the real clock also advances event time, so deadlines\n"
	"                      fire when sources go quiet (default); event: event time only\n"
	"  --threads N         HTTP threads (2)\n"
	"  --max-body BYTES    largest POST /api/v1/events body (67108864)\n"
	"  --queue-max N       events waiting for the writer before 503 (1000000)\n"
	"  --rate-limit N      requests/s per client address, 0 = unlimited (0)\n"
	"  --sync fdatasync|none  none: no fsync (survives kill -9, not a power cut; for tests)\n";

struct serve_opts {
	const char *data, *listen, *config, *blacklist;
	bool wall_clock, nosync;
	unsigned threads;
	size_t max_body, queue_max;
	double rate_limit;
};

static int parse_size(const char *v, size_t *out)
{
	char *end;
	errno = 0;
	unsigned long long n = strtoull(v, &end, 10);
	if (errno || *end || end == v || v[0] == '-')
		return -1;
	*out = (size_t)n;
	return 0;
}

static int parse_args(int argc, char **argv, struct serve_opts *o)
{
	*o = (struct serve_opts){ .data = "./data", .listen = "127.0.0.1:8080", .wall_clock = true,
				  .threads = 2, .max_body = 64u << 20, .queue_max = 1000000 };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(usage, stdout);
			exit(0);
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "ordex serve: %s: unknown option or missing value\n%s", a, usage);
			return -1;
		}
		const char *v = argv[++i];
		size_t n = 0;
		bool ok = true;
		if (strcmp(a, "--data") == 0)
			o->data = v;
		else if (strcmp(a, "--listen") == 0)
			o->listen = v;
		else if (strcmp(a, "--config") == 0)
			o->config = v;
		else if (strcmp(a, "--blacklist") == 0)
			o->blacklist = v;
		else if (strcmp(a, "--clock") == 0)
			ok = (o->wall_clock = strcmp(v, "wall") == 0) || strcmp(v, "event") == 0;
		else if (strcmp(a, "--sync") == 0)
			ok = (o->nosync = strcmp(v, "none") == 0) || strcmp(v, "fdatasync") == 0;
		else if (strcmp(a, "--threads") == 0)
			ok = parse_size(v, &n) == 0 && n >= 1 && n <= 64 && (o->threads = (unsigned)n);
		else if (strcmp(a, "--max-body") == 0)
			ok = parse_size(v, &o->max_body) == 0 && o->max_body >= 1024;
		else if (strcmp(a, "--queue-max") == 0)
			ok = parse_size(v, &o->queue_max) == 0 && o->queue_max >= 1;
		else if (strcmp(a, "--rate-limit") == 0)
			ok = parse_size(v, &n) == 0 && ((o->rate_limit = (double)n), true);
		else {
			fprintf(stderr, "ordex serve: unknown option '%s'\n%s", a, usage);
			return -1;
		}
		if (!ok) {
			fprintf(stderr, "ordex serve: %s: bad value '%s'\n%s", a, v, usage);
			return -1;
		}
	}
	return 0;
}

/* Wait for SIGINT/SIGTERM (blocked in every thread, taken here) or for the
 * writer to fail. Returns the signal, or 0 after a failure. */
static int wait_for_stop(struct ox_writer *w, const sigset_t *set)
{
	const struct timespec poll = { 0, 200 * 1000000L };
	for (;;) {
		int sig = sigtimedwait(set, NULL, &poll);
		if (sig > 0)
			return sig;
		if (ox_writer_failed(w))
			return 0;
	}
}

int ox_cmd_serve(int argc, char **argv)
{
	struct serve_opts o;
	if (parse_args(argc, argv, &o) < 0)
		return 2;
	struct ox_params params;
	ox_params_init(&params);
	struct ox_blacklist *bl = ox_blacklist_new();
	char err[1024];
	int rc = 1;
	if ((o.config && ox_config_load(o.config, &params, err, sizeof err) < 0) ||
	    (o.blacklist && ox_blacklist_load(bl, o.blacklist, err, sizeof err) < 0)) {
		fprintf(stderr, "ordex serve: %s\n", err);
		ox_blacklist_free(bl);
		ox_params_release(&params);
		return 2;
	}

	/* Signals go to the main thread only: block them before any thread starts. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	static struct ox_metrics metrics;
	struct ox_writer_opts wo = { .data_dir = o.data, .params = &params, .blacklist = bl,
				     .wall_clock = o.wall_clock, .queue_max_events = o.queue_max,
				     .sync = o.nosync ? OX_EVLOG_NOSYNC : OX_EVLOG_FDATASYNC, .metrics = &metrics };
	struct ox_writer *w = ox_writer_start(&wo, err, sizeof err);
	if (!w) {
		fprintf(stderr, "ordex serve: %s\n", err);
		goto out;
	}
	char db_path[4096];
	snprintf(db_path, sizeof db_path, "%s/cases.db", o.data);
	struct ox_limits limits = ox_limits_default();
	struct ox_api *api = ox_api_new(&(struct ox_api_opts){ .writer = w, .db_path = db_path, .metrics = &metrics,
								 .max_body = o.max_body, .max_line = limits.max_line });
	struct ox_http_opts ho = { .listen = o.listen, .threads = o.threads, .rate_limit = o.rate_limit,
				   .ctx = api, .metrics = &metrics };
	ho.routes = ox_api_routes(api, &ho.n_routes);
	struct ox_http *http = ox_http_start(&ho, err, sizeof err);
	if (!http) {
		fprintf(stderr, "ordex serve: %s\n", err);
		ox_writer_stop(w);
		ox_api_free(api);
		goto out;
	}
	const char *colon = strrchr(o.listen, ':');
	fprintf(stderr, "ordex serve: listening on http://%.*s:%u (data %s, %s clock)\n", (int)(colon - o.listen),
		o.listen, ox_http_port(http), o.data, o.wall_clock ? "wall" : "event");

	int sig = wait_for_stop(w, &set);
	fprintf(stderr, "ordex serve: %s, stopping\n", sig ? strsignal(sig) : "storage failure");
	/* No new connections; the writer finishes what it queued and wakes
	 * every parked request; then the server closes. */
	ox_http_quiesce(http);
	int wrc = ox_writer_stop(w);
	struct timespec grace = { 0, 100 * 1000000L };
	nanosleep(&grace, NULL); /* let the woken requests send their answers */
	ox_http_stop(http);
	ox_api_free(api);
	rc = sig && wrc == 0 ? 0 : 1;
out:
	ox_blacklist_free(bl);
	ox_params_release(&params);
	return rc;
}

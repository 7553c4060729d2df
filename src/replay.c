/* replay.c - `ordex replay FILE|-`: detection on event time over a stream,
 * the opened cases as NDJSON on stdout (events.md, "Replay output").
 */
#include "replay.h"

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "blacklist.h"
#include "config.h"
#include "call.h"
#include "desk.h"
#include "engine.h"
#include "event.h"
#include "feed.h"
#include "ndjson.h"
#include "params.h"
#include "playbook.h"
#include "policy.h"
#include "snap.h"

static const char usage[] =
	"usage: ordex replay FILE|- [--until TS] [--blacklist FILE] [--config FILE] [--stats] [--summary]\n"
	"                           [--snapshot-every N]\n"
	"  Runs detection over an NDJSON event stream on event time and prints every\n"
	"  case opened, one JSON object per line. Rejected lines go to stderr.\n"
	"  --summary prints a table of cases per rule instead of the cases.\n"
	"  --snapshot-every N writes the state to a snapshot every N accepted events\n"
	"  and goes on from a copy read back from it (a check: the output must not\n"
	"  change; docs/retention.md).\n"
	"  Exit: 0 all lines accepted, 3 some rejected, 2 usage or I/O error.\n";

struct replay_opts {
	const char *input, *blacklist, *config;
	ox_time until;
	bool stats, summary;
	size_t snapshot_every;
};

static int parse_args(int argc, char **argv, struct replay_opts *o)
{
	o->input = o->blacklist = o->config = NULL;
	o->until = OX_TIME_NONE;
	o->stats = o->summary = false;
	o->snapshot_every = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **slot = strcmp(a, "--blacklist") == 0 ? &o->blacklist
				    : strcmp(a, "--config") == 0  ? &o->config
								  : NULL;
		if (slot || strcmp(a, "--until") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "ordex replay: %s needs a value\n%s", a, usage);
				return -1;
			}
			const char *v = argv[++i];
			if (slot)
				*slot = v;
			else if (ox_time_parse(v, strlen(v), &o->until) < 0) {
				fprintf(stderr, "ordex replay: --until: not an RFC 3339 timestamp: '%s'\n", v);
				return -1;
			}
		} else if (strcmp(a, "--snapshot-every") == 0) {
			char *end;
			errno = 0;
			unsigned long long n = i + 1 < argc ? strtoull(argv[i + 1], &end, 10) : 0;
			if (i + 1 >= argc || errno || *end || n == 0 || argv[i + 1][0] == '-') {
				fprintf(stderr, "ordex replay: --snapshot-every needs a count > 0\n%s", usage);
				return -1;
			}
			o->snapshot_every = (size_t)n;
			i++;
		} else if (strcmp(a, "--stats") == 0) {
			o->stats = true;
		} else if (strcmp(a, "--summary") == 0) {
			o->summary = true;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(usage, stdout);
			exit(0);
		} else if (a[0] == '-' && a[1] != '\0') {
			fprintf(stderr, "ordex replay: unknown option '%s'\n%s", a, usage);
			return -1;
		} else if (o->input) {
			fprintf(stderr, "ordex replay: more than one input\n%s", usage);
			return -1;
		} else {
			o->input = a;
		}
	}
	if (!o->input) {
		fputs(usage, stderr);
		return -1;
	}
	return 0;
}

int ox_replay_stream(int fd, struct ox_engine *e, const struct ox_replay_hook *hook,
		     struct ox_feed_counts *counts)
{
	struct ox_limits limits = ox_limits_default();
	struct ox_feed feed;
	ox_feed_init(&feed, e, &limits);
	struct ox_lines lines;
	ox_lines_init(&lines, fd, limits.max_line);
	char err[OX_ERR_BUFSZ];
	const char *line;
	size_t len;
	enum ox_line_result r;
	int rc = 0;
	size_t next_hook = hook ? hook->every : SIZE_MAX;
	while (!rc && (r = ox_lines_next(&lines, &line, &len)) != OX_LINE_EOF && r != OX_LINE_ERROR) {
		if (r == OX_LINE_TOO_LONG) {
			fprintf(stderr, "line %zu: line too long: %zu bytes > %zu\n", lines.line_no, len, limits.max_line);
			feed.counts.rejected++;
		} else if (ox_feed_line(&feed, line, len, err) < 0) {
			fprintf(stderr, "line %zu: %s\n", lines.line_no, err);
		} else if (feed.counts.accepted + 1 >= next_hook) { /* + the one pending */
			ox_feed_flush(&feed);
			if (feed.counts.accepted >= next_hook) {
				next_hook += hook->every;
				rc = hook->fn(hook->ctx, &feed);
			}
		}
	}
	if (r == OX_LINE_ERROR) {
		fprintf(stderr, "ordex replay: read error: %s\n", strerror(lines.err));
		rc = -1;
	}
	ox_feed_release(&feed);
	*counts = feed.counts;
	ox_lines_release(&lines);
	return rc;
}

static void print_cases(const struct ox_engine *e)
{
	struct ox_buf out;
	ox_buf_init(&out, SIZE_MAX);
	for (size_t i = 0; i < ox_engine_case_count(e); i++) {
		const struct ox_case *c = ox_engine_case(e, i);
		ox_buf_reset(&out);
		ox_case_to_json(c, NULL, &out);
		ox_buf_add(&out, "\n", 1);
		fwrite(out.data, 1, out.len, stdout);
	}
	ox_buf_release(&out);
}

/* Cases per rule: opened, still open, resolved by the engine. */
static void print_summary(const struct ox_engine *e, const struct ox_params *params)
{
	size_t opened[OX_R__COUNT] = { 0 }, open[OX_R__COUNT] = { 0 }, total = 0, total_open = 0;
	for (size_t i = 0; i < ox_engine_case_count(e); i++) {
		const struct ox_case *c = ox_engine_case(e, i);
		opened[c->rule]++;
		open[c->rule] += c->status == OX_CASE_OPEN;
	}
	printf("%-22s %-4s %7s %7s %9s  %s\n", "rule", "sev", "opened", "open", "resolved", "异常 / exception");
	for (int r = 0; r < OX_R__COUNT; r++) {
		if (!opened[r])
			continue;
		const struct ox_rule_info *ri = ox_rule_info((enum ox_rule)r);
		printf("%-22s P%-3d %7zu %7zu %9zu  %s / %s\n", ri->code, params->rules[r].severity, opened[r], open[r],
		       opened[r] - open[r], ri->title_zh, ri->title_en);
		total += opened[r];
		total_open += open[r];
	}
	printf("%-22s %-4s %7zu %7zu %9zu\n", "total", "", total, total_open, total - total_open);
}

/* What detection runs on, so that a snapshot round trip can replace it. */
struct detection {
	struct ox_engine *e;
	struct ox_desk *desk;
	struct ox_params *params;
	struct ox_blacklist *bl;
	const struct ox_policy *policy;
	const struct ox_playbooks *playbooks;
	const struct ox_call_config *calls;
	char dir[64]; /* the snapshots' directory, "" until the first */
};

static void detection_new(struct detection *d)
{
	d->e = ox_engine_new(d->params, d->bl);
	d->desk = ox_desk_new(&(struct ox_desk_opts){ .engine = d->e, .params = d->params, .policy = d->policy,
						      .playbooks = d->playbooks, .calls = d->calls });
	ox_engine_set_listener(d->e, ox_desk_listener(d->desk));
}

/* Write the state, read it back into a new engine and desk, and go on with
 * those: anything a snapshot forgets changes the cases printed. */
static int snapshot_round_trip(void *ctx, struct ox_feed *f)
{
	struct detection *d = ctx;
	char err[OX_SNAP_ERRSZ];
	if (!d->dir[0]) {
		const char *tmp = getenv("TMPDIR");
		snprintf(d->dir, sizeof d->dir, "%s/ordex-snap-XXXXXX", tmp && strlen(tmp) < 32 ? tmp : "/tmp");
		if (!mkdtemp(d->dir)) {
			fprintf(stderr, "ordex replay: %s: %s\n", d->dir, strerror(errno));
			d->dir[0] = '\0';
			return -1;
		}
	}
	uint64_t seq = f->counts.accepted;
	struct ox_snap_w w;
	if (ox_snap_w_open(&w, d->dir, seq, NULL, 0, err, sizeof err) < 0) {
		fprintf(stderr, "ordex replay: %s\n", err);
		return -1;
	}
	ox_engine_save(d->e, &w);
	ox_desk_save(d->desk, &w);
	if (ox_snap_w_commit(&w, err, sizeof err) < 0) {
		fprintf(stderr, "ordex replay: %s\n", err);
		return -1;
	}
	ox_engine_free(d->e);
	ox_desk_free(d->desk);
	detection_new(d);
	struct ox_snap_r r;
	if (ox_snap_r_open(&r, d->dir, seq, err, sizeof err) < 0) {
		fprintf(stderr, "ordex replay: %s\n", err);
		return -1;
	}
	if (ox_engine_load(d->e, &r) == 0)
		ox_desk_load(d->desk, &r);
	int rc = ox_snap_r_done(&r) ? 0 : -1;
	if (rc)
		fprintf(stderr, "ordex replay: snapshot %" PRIu64 ": %s\n", seq,
			r.bad ? r.why : "bytes left after the state");
	ox_snap_r_close(&r);
	ox_snap_prune(d->dir, seq + 1);
	f->e = d->e;
	return rc;
}

int ox_cmd_replay(int argc, char **argv)
{
	struct replay_opts o;
	if (parse_args(argc, argv, &o) < 0)
		return 2;
	struct ox_params params;
	ox_params_init(&params);
	struct ox_blacklist *bl = ox_blacklist_new();
	struct ox_policy *policy = NULL;
	struct ox_playbooks *playbooks = NULL;
	struct ox_call_config *calls = NULL;
	char err[512];
	int fd = -1;
	if ((o.config && ox_config_load(o.config, &params, err, sizeof err) < 0) ||
	    ox_policy_load(o.config, &params, &policy, err, sizeof err) < 0 ||
	    ox_playbooks_load(o.config, &playbooks, err, sizeof err) < 0 ||
	    ox_call_config_load(o.config, &calls, err, sizeof err) < 0 ||
	    (o.blacklist && ox_blacklist_load(bl, o.blacklist, err, sizeof err) < 0)) {
		fprintf(stderr, "ordex replay: %s\n", err);
	} else if ((fd = strcmp(o.input, "-") == 0 ? STDIN_FILENO : open(o.input, O_RDONLY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "ordex replay: cannot open '%s': %s\n", o.input, strerror(errno));
	}
	if (fd < 0) {
		ox_call_config_free(calls);
		ox_playbooks_free(playbooks);
		ox_policy_free(policy);
		ox_blacklist_free(bl);
		ox_params_release(&params);
		return 2;
	}
	/* The desk routes and times the cases as the daemon does (docs/cases.md),
	 * so that replay and `ordex serve --clock event` agree on every field. */
	struct detection d = { .params = &params, .bl = bl, .policy = policy, .playbooks = playbooks, .calls = calls };
	detection_new(&d);
	double t0 = ox_mono_seconds();
	struct ox_feed_counts counts;
	struct ox_replay_hook hook = { o.snapshot_every, snapshot_round_trip, &d };
	int rc = ox_replay_stream(fd, d.e, o.snapshot_every ? &hook : NULL, &counts);
	if (d.dir[0])
		rmdir(d.dir);
	struct ox_engine *e = d.e;
	if (o.until != OX_TIME_NONE)
		ox_engine_advance(e, o.until);
	double secs = ox_mono_seconds() - t0;
	if (fd != STDIN_FILENO)
		close(fd);

	if (o.summary)
		print_summary(e, &params);
	else
		print_cases(e);
	if (fflush(stdout) != 0)
		rc = -1;

	if (o.stats) {
		struct ox_engine_stats st;
		ox_engine_stats(e, &st);
		struct rusage ru;
		getrusage(RUSAGE_SELF, &ru);
		size_t lines = counts.accepted + counts.duplicates + counts.rejected;
		fprintf(stderr,
			"replay: %zu lines, %zu accepted, %zu duplicates, %zu rejected, %zu orders (%zu retired), "
			"%zu skus, %zu cases (%zu open), %.3f s, %.0f lines/s, peak rss %ld KiB\n",
			lines, counts.accepted, counts.duplicates, counts.rejected, st.orders, st.orders_retired, st.skus,
			ox_engine_case_count(e), st.cases_open, secs, secs > 0 ? (double)lines / secs : 0.0,
			ru.ru_maxrss);
	}
	ox_keep_until_exit(e); /* its millions of blocks go with the process */
	ox_desk_free(d.desk);
	ox_call_config_free(calls);
	ox_playbooks_free(playbooks);
	ox_policy_free(policy);
	ox_blacklist_free(bl);
	ox_params_release(&params);
	if (rc < 0)
		return 2;
	return counts.rejected ? 3 : 0;
}

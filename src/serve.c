/* serve.c - `ordex serve`: wires the writer (log, engine, case store) to the
 * HTTP API, and stops cleanly on SIGINT/SIGTERM or after a storage failure.
 */
#include "serve.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alert.h"
#include "call.h"
#include "executor.h"
#include "api.h"
#include "auth.h"
#include "blacklist.h"
#include "config.h"
#include "event.h"
#include "http.h"
#include "metrics.h"
#include "params.h"
#include "params_live.h"
#include "playbook.h"
#include "policy.h"
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
	"  --max-connections N open connections at most; more are closed at once (1024)\n"
	"  --idle-timeout S    a connection with no request in progress for S seconds is closed (30)\n"
	"  --sync fdatasync|none  none: no fsync (survives kill -9, not a power cut; for tests)\n"
	"  --snapshot-every N  log records between snapshots of the state, 0 = none; a restart\n"
	"                      reads the newest and replays only what came after (1000000)\n"
	"  --snapshot-min-interval S  and at least S seconds between two (300)\n"
	"  --segment-max BYTES log segment size (67108864); segments wholly before a snapshot\n"
	"                      are removed once its order archive is written (docs/retention.md)\n"
	"  --archives-max N    order archives kept; a compaction merges neighbours beyond (16)\n"
	"  --bootstrap-token T an admin API token made on first start (or env ORDEX_BOOTSTRAP_TOKEN);\n"
	"                      users and tokens: ordex user ..., ordex token ... (docs/auth.md)\n"
	"  --snapshot-builder on|off  on: snapshots are rebuilt from the log by a process of\n"
	"                      their own; off: written by a forked copy of the daemon (on)\n"
	"  The daemon runs its snapshot builder as `ordex serve ... --build-snapshot SEQ`\n"
	"  (with --build-keep, --build-parent, --build-check); not for use by hand.\n";

struct serve_opts {
	const char *data, *listen, *config, *blacklist, *bootstrap;
	bool wall_clock, nosync, no_builder;
	/* the snapshot builder's own (docs/retention.md): the record, the first
	 * log segment kept (0: no archive), the daemon, its config's hash */
	size_t build_seq, build_keep, build_parent;
	const char *build_check;
	unsigned threads;
	size_t max_connections, idle_timeout_s;
	size_t max_body, queue_max, snapshot_every, snapshot_min_s, segment_max, archives_max;
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
				  .threads = 2, .max_connections = 1024, .idle_timeout_s = 30,
				  .max_body = 64u << 20, .queue_max = 1000000,
				  .snapshot_every = 1000000, .snapshot_min_s = 300,
				  .bootstrap = getenv("ORDEX_BOOTSTRAP_TOKEN") };
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
		else if (strcmp(a, "--bootstrap-token") == 0)
			o->bootstrap = v;
		else if (strcmp(a, "--clock") == 0)
			ok = (o->wall_clock = strcmp(v, "wall") == 0) || strcmp(v, "event") == 0;
		else if (strcmp(a, "--sync") == 0)
			ok = (o->nosync = strcmp(v, "none") == 0) || strcmp(v, "fdatasync") == 0;
		else if (strcmp(a, "--threads") == 0)
			ok = parse_size(v, &n) == 0 && n >= 1 && n <= 64 && (o->threads = (unsigned)n);
		else if (strcmp(a, "--max-connections") == 0)
			ok = parse_size(v, &o->max_connections) == 0 && o->max_connections >= 1 &&
			     o->max_connections <= 1000000;
		else if (strcmp(a, "--idle-timeout") == 0)
			ok = parse_size(v, &o->idle_timeout_s) == 0 && o->idle_timeout_s >= 1 && o->idle_timeout_s <= 86400;
		else if (strcmp(a, "--max-body") == 0)
			ok = parse_size(v, &o->max_body) == 0 && o->max_body >= 1024;
		else if (strcmp(a, "--queue-max") == 0)
			ok = parse_size(v, &o->queue_max) == 0 && o->queue_max >= 1;
		else if (strcmp(a, "--snapshot-every") == 0)
			ok = parse_size(v, &o->snapshot_every) == 0;
		else if (strcmp(a, "--snapshot-min-interval") == 0)
			ok = parse_size(v, &o->snapshot_min_s) == 0 && o->snapshot_min_s <= 86400;
		else if (strcmp(a, "--segment-max") == 0)
			ok = parse_size(v, &o->segment_max) == 0 && o->segment_max >= 4096;
		else if (strcmp(a, "--archives-max") == 0)
			ok = parse_size(v, &o->archives_max) == 0 && o->archives_max >= 2 && o->archives_max <= 4096;
		else if (strcmp(a, "--rate-limit") == 0)
			ok = parse_size(v, &n) == 0 && ((o->rate_limit = (double)n), true);
		else if (strcmp(a, "--snapshot-builder") == 0)
			ok = (o->no_builder = strcmp(v, "off") == 0) || strcmp(v, "on") == 0;
		else if (strcmp(a, "--build-snapshot") == 0)
			ok = parse_size(v, &o->build_seq) == 0 && o->build_seq > 0;
		else if (strcmp(a, "--build-keep") == 0)
			ok = parse_size(v, &o->build_keep) == 0;
		else if (strcmp(a, "--build-parent") == 0)
			ok = parse_size(v, &o->build_parent) == 0 && o->build_parent > 1;
		else if (strcmp(a, "--build-check") == 0)
			o->build_check = v;
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

/* Make the bootstrap admin token if asked (idempotent across restarts). */
static int bootstrap(const char *data, const char *secret, char *err, size_t errsz)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/auth.db", data);
	struct ox_auth *au;
	if (ox_auth_open(&au, path, err, errsz))
		return -1;
	bool created = false;
	int rc = ox_auth_bootstrap(au, secret, &created);
	if (rc)
		snprintf(err, errsz, "--bootstrap-token: %s", ox_auth_errmsg(au));
	else if (created)
		fprintf(stderr, "ordex serve: made the bootstrap admin token\n");
	ox_auth_close(au);
	return rc ? -1 : 0;
}

/* The parts read from the config file and the data directory before the
 * writer starts; each NULL when not (yet) made. */
struct parts {
	struct ox_params params;
	struct ox_live *live; /* the file as the base of params, and the live changes on top */
	struct ox_blacklist *bl;
	struct ox_policy *policy;
	struct ox_playbooks *playbooks;
	struct ox_alert_config *alert_cfg;
	struct ox_alerts *alerts;
	struct ox_call_config *call_cfg;
	struct ox_executor *executor;
	struct ox_writer *writer; /* for the executor's reports, once started */
};

/* The executor's report of a call, as a desk action of the actor "ordex"
 * (docs/actions.md); a final one is acknowledged once durable. */
struct call_report {
	struct ox_job job;
	struct ox_desk_action a;
	struct ox_executor *x;
};

static void call_reported(struct ox_job *job)
{
	struct call_report *r = job->ctx;
	if (job->status == 0 && r->a.state != OX_CALL_RUNNING) {
		if (job->desk_rc) /* the case no longer has the call (another config): nothing to wait for */
			fprintf(stderr, "ordex serve: the outcome of call %s does not apply: %s\n", r->a.call_id,
				job->desk_err);
		ox_executor_reported(r->x, r->a.call_id);
	}
	free(r);
}

static int report_call(void *ctx, const char *case_id, const char *call_id, enum ox_call_state state,
		       const char *outcome)
{
	struct parts *p = ctx;
	if (!p->writer)
		return -1;
	struct call_report *r = ox_xcalloc(1, sizeof *r);
	r->x = p->executor;
	r->a.op = OX_DESK_CALL_UPDATE;
	r->a.kind = -1;
	r->a.state = (int)state;
	snprintf(r->a.case_id, sizeof r->a.case_id, "%s", case_id);
	snprintf(r->a.call_id, sizeof r->a.call_id, "%s", call_id);
	snprintf(r->a.actor, sizeof r->a.actor, "ordex");
	if (outcome)
		snprintf(r->a.outcome, sizeof r->a.outcome, "%s", outcome);
	r->job = (struct ox_job){ .kind = OX_JOB_ACTION, .action = &r->a, .done = call_reported, .ctx = r };
	if (ox_writer_submit(p->writer, &r->job) < 0) {
		free(r);
		return -1;
	}
	return 0;
}

/* What the config and the blacklist files say: the daemon's and its
 * snapshot builder's alike. 0, or -1 with the reason in err. */
static int load_config(const struct serve_opts *o, struct parts *p, char *err, size_t errsz)
{
	ox_params_init(&p->params);
	p->bl = ox_blacklist_new();
	if (!(p->live = ox_live_new(o->config, &p->params, err, errsz)) ||
	    (o->blacklist && ox_blacklist_load(p->bl, o->blacklist, err, errsz) < 0) ||
	    ox_policy_load(o->config, &p->params, &p->policy, err, errsz) < 0 ||
	    ox_playbooks_load(o->config, &p->playbooks, err, errsz) < 0 ||
	    ox_alert_config_load(o->config, &p->alert_cfg, err, errsz) < 0 ||
	    ox_call_config_load(o->config, &p->call_cfg, err, errsz) < 0)
		return -1;
	return 0;
}

static int load_parts(const struct serve_opts *o, struct parts *p, char *err, size_t errsz)
{
	char path[4096];
	if (load_config(o, p, err, errsz) < 0)
		return 2;
	if (mkdir(o->data, 0750) < 0 && errno != EEXIST) {
		snprintf(err, errsz, "%s: %s", o->data, strerror(errno));
		return 1;
	}
	if (o->bootstrap && bootstrap(o->data, o->bootstrap, err, errsz) < 0)
		return 1;
	snprintf(path, sizeof path, "%s/outbox.db", o->data);
	p->alerts = ox_alerts_start(&(struct ox_alerts_opts){ .db_path = path, .config = p->alert_cfg }, err,
				    errsz);
	if (!p->alerts)
		return 1;
	snprintf(path, sizeof path, "%s/calls.db", o->data);
	p->executor = ox_executor_open(&(struct ox_executor_opts){ .db_path = path, .config = p->call_cfg,
								  .report = report_call, .ctx = p },
				       err, errsz);
	return p->executor ? 0 : 1;
}

static void free_parts(struct parts *p)
{
	ox_executor_stop(p->executor);
	ox_call_config_free(p->call_cfg);
	ox_alerts_stop(p->alerts);
	ox_alert_config_free(p->alert_cfg);
	ox_playbooks_free(p->playbooks);
	ox_policy_free(p->policy);
	ox_blacklist_free(p->bl);
	ox_live_free(p->live);
	ox_params_release(&p->params);
}

/* What the config and the blacklist files hold, as a hash: the snapshot
 * builder reads them again, and must read what the daemon read. */
static void files_hash(const struct serve_opts *o, char out[17])
{
	uint64_t h = 0;
	const char *files[] = { o->config, o->blacklist };
	for (size_t i = 0; i < OX_ARRAY_LEN(files); i++) {
		FILE *f = files[i] ? fopen(files[i], "rb") : NULL;
		char buf[65536];
		size_t n;
		while (f && (n = fread(buf, 1, sizeof buf, f)) > 0)
			h = ox_hash64(buf, n) ^ (h * 0x9E3779B97F4A7C15u);
		if (f)
			fclose(f);
		h = h * 31 + i; /* which file ended where */
	}
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

/* The writer's options from the command line and the parts (the alerts
 * and the executor NULL in the snapshot builder, which has none). */
static struct ox_writer_opts writer_opts(const struct serve_opts *o, const struct parts *p)
{
	return (struct ox_writer_opts){ .data_dir = o->data, .params = &p->params, .live = p->live, .blacklist = p->bl,
					.policy = p->policy, .playbooks = p->playbooks, .alerts = p->alerts,
					.calls = p->call_cfg, .executor = p->executor,
					.notify = p->alert_cfg->n_channels > 0,
					.wall_clock = o->wall_clock, .queue_max_events = o->queue_max,
					.snapshot_every = o->snapshot_every,
					.snapshot_min_interval_s = (unsigned)o->snapshot_min_s,
					.segment_max = o->segment_max, .archives_max = o->archives_max,
					.sync = o->nosync ? OX_EVLOG_NOSYNC : OX_EVLOG_FDATASYNC };
}

/* The snapshot builder (ox_writer_build): the parts the writer needs from
 * the config, nothing of the data directory but its log and snapshots. */
static int build_snapshot(const struct serve_opts *o)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if ((size_t)getppid() != o->build_parent)
		return OX_BUILD_FAILED; /* the daemon is gone already */
	setpriority(PRIO_PROCESS, 0, 19); /* the daemon's threads first */
	char hash[17];
	files_hash(o, hash);
	if (!o->build_check || strcmp(hash, o->build_check) != 0)
		return OX_BUILD_STALE;
	struct parts p = { 0 };
	char err[1024];
	int rc = OX_BUILD_FAILED;
	if (load_config(o, &p, err, sizeof err) < 0) {
		fprintf(stderr, "ordex serve: snapshot builder: %s\n", err);
	} else {
		struct ox_writer_opts wo = writer_opts(o, &p);
		rc = ox_writer_build(&wo, o->build_seq, o->build_keep);
	}
	free_parts(&p);
	return rc;
}

/* The daemon's command line for its snapshot builder: this one, and the
 * hash of what the config files held at the start. */
static char **builder_argv(int argc, char **argv, const struct serve_opts *o, char hash[17])
{
	static char exe[] = "ordex", check[] = "--build-check";
	char **v = ox_xcalloc((size_t)argc + 4, sizeof *v);
	v[0] = exe;
	memcpy(v + 1, argv, (size_t)argc * sizeof *v);
	files_hash(o, hash);
	v[argc + 1] = check;
	v[argc + 2] = hash;
	return v;
}

int ox_cmd_serve(int argc, char **argv)
{
	struct serve_opts o;
	if (parse_args(argc, argv, &o) < 0)
		return 2;
	if (o.build_seq)
		return build_snapshot(&o);
	/* Signals go to the main thread only: block them before any thread
	 * starts (the alert delivery starts with the parts). */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct parts parts = { 0 };
	char err[1024];
	int rc = load_parts(&o, &parts, err, sizeof err);
	if (rc) {
		fprintf(stderr, "ordex serve: %s\n", err);
		free_parts(&parts);
		return rc;
	}
	rc = 1;

	static struct ox_metrics metrics;
	char hash[17];
	char **bargv = o.no_builder ? NULL : builder_argv(argc, argv, &o, hash);
	struct ox_writer_opts wo = writer_opts(&o, &parts);
	wo.metrics = &metrics;
	wo.builder_argv = bargv;
	struct ox_writer *w = ox_writer_start(&wo, err, sizeof err);
	if (!w) {
		fprintf(stderr, "ordex serve: %s\n", err);
		goto out;
	}
	parts.writer = w;
	if (ox_executor_start(parts.executor) < 0) {
		fprintf(stderr, "ordex serve: cannot start the call executor\n");
		ox_writer_stop(w);
		goto out;
	}
	char db_path[4096], auth_path[4096], audit_path[4096];
	snprintf(db_path, sizeof db_path, "%s/cases.db", o.data);
	snprintf(auth_path, sizeof auth_path, "%s/auth.db", o.data);
	snprintf(audit_path, sizeof audit_path, "%s/audit.db", o.data);
	struct ox_limits limits = ox_limits_default();
	struct ox_api *api = ox_api_new(&(struct ox_api_opts){
		.writer = w, .db_path = db_path, .auth_path = auth_path, .audit_path = audit_path,
		.params = &parts.params, .live = parts.live, .policy = parts.policy, .playbooks = parts.playbooks,
		.alerts = parts.alerts, .calls = parts.call_cfg, .executor = parts.executor, .metrics = &metrics,
		.max_body = o.max_body, .max_line = limits.max_line });
	struct ox_http_opts ho = { .listen = o.listen, .threads = o.threads, .rate_limit = o.rate_limit,
				   .max_connections = (unsigned)o.max_connections, .timeout_s = (unsigned)o.idle_timeout_s,
				   .ctx = api, .authorize = ox_api_authorize, .metrics = &metrics };
	ho.routes = ox_api_routes(api, &ho.n_routes);
	struct ox_http *http = ox_http_start(&ho, err, sizeof err);
	if (!http) {
		fprintf(stderr, "ordex serve: %s\n", err);
		ox_executor_halt(parts.executor);
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
	ox_executor_halt(parts.executor); /* it reports through the writer */
	int wrc = ox_writer_stop(w);
	ox_http_stop(http); /* answers the requests the writer woke, then closes */
	ox_api_free(api);
	rc = sig && wrc == 0 ? 0 : 1;
out:
	free_parts(&parts);
	free(bargv);
	return rc;
}

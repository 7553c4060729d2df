/* push.c - `ordex push FILE|-`: a source client for `ordex serve`. Sends a
 * stream in batches to POST /api/v1/events, in order, one batch in flight,
 * each sent again until acknowledged (a resend is safe: events are
 * idempotent by id). With --speed it paces the stream by event time, so a
 * recorded or simulated day plays back as if live, only faster.
 */
#include "push.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "event.h"
#include "json.h"
#include "ndjson.h"

static const char usage[] =
	"usage: ordex push FILE|- [--url URL] [--token T] [--batch N] [--speed X] [--retry-for S]\n"
	"  Sends an NDJSON event stream to a running `ordex serve`, in order, in\n"
	"  batches, each resent until acknowledged (503/429 and lost connections\n"
	"  are retried). Rejected lines are reported with their line number in FILE.\n"
	"  --url URL    the daemon (http://127.0.0.1:8080)\n"
	"  --token T    an API token with events:write (default: $ORDEX_TOKEN)\n"
	"  --batch N    lines per request, 1..100000 (1000)\n"
	"  --speed X    play back by event time, X times faster than real time;\n"
	"               0 sends as fast as the daemon acknowledges (0)\n"
	"  --retry-for S  give up when the daemon cannot be reached for S seconds (60)\n"
	"  Exit: 0 all accepted, 3 some rejected, 2 usage or delivery failure.\n";

struct push {
	const char *url, *token;
	size_t batch_max;
	double speed;
	double retry_for; /* seconds without reaching the daemon before giving up */
	CURL *curl;
	struct ox_buf body, reply;
	size_t *line_nos; /* file line of each line in the batch */
	size_t n_lines;
	size_t accepted, duplicates, rejected;
	struct ox_json json;
};

static void sleep_s(double s)
{
	if (s <= 0)
		return;
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
	nanosleep(&ts, NULL);
}

static size_t on_reply(char *p, size_t size, size_t n, void *ctx)
{
	return ox_buf_add(ctx, p, size * n) < 0 ? 0 : size * n;
}

/* The integer value of key in the reply's top-level object, or 0. */
static size_t reply_count(const struct ox_json *j, const char *key)
{
	const struct ox_json_tok *t = j->toks;
	for (uint32_t i = 1; i < j->n; i = t[i + 1].end)
		if (t[i].len == strlen(key) && memcmp(t[i].s, key, t[i].len) == 0)
			return (size_t)strtoull(t[i + 1].s, NULL, 10);
	return 0;
}

/* Print each error of the reply with its line number in the file. */
static void report_errors(struct push *p)
{
	const struct ox_json_tok *t = p->json.toks;
	for (uint32_t i = 1; i < p->json.n; i = t[i + 1].end) {
		if (t[i].len != 6 || memcmp(t[i].s, "errors", 6) != 0 || t[i + 1].type != OX_JSON_ARRAY)
			continue;
		for (uint32_t e = i + 2; e < t[i + 1].end; e = t[e].end) {
			size_t line = 0;
			const struct ox_json_tok *why = NULL;
			for (uint32_t k = e + 1; k < t[e].end; k = t[k + 1].end) {
				if (t[k].len == 4 && memcmp(t[k].s, "line", 4) == 0)
					line = (size_t)strtoull(t[k + 1].s, NULL, 10);
				else if (t[k].len == 5 && memcmp(t[k].s, "error", 5) == 0)
					why = &t[k + 1];
			}
			size_t file_line = line >= 1 && line <= p->n_lines ? p->line_nos[line - 1] : 0;
			fprintf(stderr, "line %zu: %.*s\n", file_line, why ? (int)why->len : 0, why ? why->s : "");
		}
	}
}

/* Send the batch until it is acknowledged. -1 on a failure worth stopping for. */
static int send_batch(struct push *p)
{
	if (!p->n_lines)
		return 0;
	double backoff = 0.1, waited = 0;
	for (;;) {
		ox_buf_reset(&p->reply);
		curl_easy_setopt(p->curl, CURLOPT_POSTFIELDS, p->body.data);
		curl_easy_setopt(p->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)p->body.len);
		CURLcode rc = curl_easy_perform(p->curl);
		long status = 0, retry_after = 0;
		curl_easy_getinfo(p->curl, CURLINFO_RESPONSE_CODE, &status);
		double wait;
		if (rc != CURLE_OK) {
			wait = backoff; /* the daemon restarting, or not up yet */
			backoff = backoff * 2 > 5 ? 5 : backoff * 2;
			if (waited >= p->retry_for) {
				fprintf(stderr, "ordex push: %s: %s (gave up after %.0f s)\n", p->url, curl_easy_strerror(rc),
					waited);
				return -1;
			}
		} else if (status == 503 || status == 429) {
			curl_off_t ra = 0;
			curl_easy_getinfo(p->curl, CURLINFO_RETRY_AFTER, &ra);
			retry_after = (long)ra;
			wait = retry_after > 0 ? (double)retry_after : 1;
		} else if (status == 200) {
			break;
		} else {
			fprintf(stderr, "ordex push: HTTP %ld: %.*s\n", status, (int)p->reply.len,
				p->reply.data ? p->reply.data : "");
			return -1;
		}
		sleep_s(wait);
		waited += wait;
	}
	if (ox_json_parse(&p->json, p->reply.data ? p->reply.data : "", p->reply.len) < 0 ||
	    p->json.toks[0].type != OX_JSON_OBJECT) {
		fprintf(stderr, "ordex push: the daemon's answer is not JSON: %.*s\n", (int)p->reply.len, p->reply.data);
		return -1;
	}
	p->accepted += reply_count(&p->json, "accepted");
	p->duplicates += reply_count(&p->json, "duplicates");
	p->rejected += reply_count(&p->json, "rejected");
	report_errors(p);
	ox_buf_reset(&p->body);
	p->n_lines = 0;
	return 0;
}

static int parse_args(int argc, char **argv, struct push *p, const char **input)
{
	*input = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(usage, stdout);
			exit(0);
		}
		if (a[0] == '-' && a[1] != '\0') {
			if (i + 1 >= argc)
				goto bad;
			const char *v = argv[++i];
			char *end;
			if (strcmp(a, "--url") == 0)
				p->url = v;
			else if (strcmp(a, "--token") == 0)
				p->token = v;
			else if (strcmp(a, "--batch") == 0) {
				unsigned long n = strtoul(v, &end, 10);
				if (*end || n < 1 || n > 100000)
					goto bad;
				p->batch_max = n;
			} else if (strcmp(a, "--speed") == 0) {
				p->speed = strtod(v, &end);
				if (*end || !(p->speed >= 0))
					goto bad;
			} else if (strcmp(a, "--retry-for") == 0) {
				p->retry_for = strtod(v, &end);
				if (*end || !(p->retry_for >= 0))
					goto bad;
			} else
				goto bad;
		} else if (!*input) {
			*input = a;
		} else
			goto bad;
		continue;
bad:
		fprintf(stderr, "ordex push: bad argument '%s'\n%s", a, usage);
		return -1;
	}
	if (!*input) {
		fputs(usage, stderr);
		return -1;
	}
	return 0;
}

int ox_cmd_push(int argc, char **argv)
{
	struct push p = { .url = "http://127.0.0.1:8080", .token = getenv("ORDEX_TOKEN"), .batch_max = 1000,
			  .retry_for = 60 };
	const char *input;
	if (parse_args(argc, argv, &p, &input) < 0)
		return 2;
	int fd = strcmp(input, "-") == 0 ? STDIN_FILENO : open(input, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		perror(input);
		return 2;
	}
	char endpoint[2048];
	snprintf(endpoint, sizeof endpoint, "%s/api/v1/events", p.url);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	p.curl = curl_easy_init();
	struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/x-ndjson");
	hdr = curl_slist_append(hdr, "Expect:"); /* no 100-continue round trip */
	if (p.token && *p.token) {
		char auth[512];
		snprintf(auth, sizeof auth, "Authorization: Bearer %s", p.token);
		hdr = curl_slist_append(hdr, auth);
	}
	curl_easy_setopt(p.curl, CURLOPT_URL, endpoint);
	curl_easy_setopt(p.curl, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(p.curl, CURLOPT_WRITEFUNCTION, on_reply);
	curl_easy_setopt(p.curl, CURLOPT_WRITEDATA, &p.reply);
	curl_easy_setopt(p.curl, CURLOPT_TIMEOUT, 120L);
	ox_buf_init(&p.body, SIZE_MAX);
	ox_buf_init(&p.reply, 16u << 20);
	ox_json_init(&p.json, 8);
	p.line_nos = ox_xcalloc(p.batch_max, sizeof *p.line_nos);

	struct ox_limits limits = ox_limits_default();
	struct ox_decoder *dec = ox_decoder_new(&limits);
	struct ox_lines lines;
	ox_lines_init(&lines, fd, limits.max_line);
	const char *line;
	size_t len, local_rejects = 0;
	enum ox_line_result r;
	int rc = 0;
	double t0 = ox_mono_seconds();
	ox_time first_ts = OX_TIME_NONE;
	while (rc == 0 && (r = ox_lines_next(&lines, &line, &len)) != OX_LINE_EOF && r != OX_LINE_ERROR) {
		if (r == OX_LINE_TOO_LONG) {
			fprintf(stderr, "line %zu: line too long: %zu bytes > %zu\n", lines.line_no, len, limits.max_line);
			local_rejects++;
			continue;
		}
		if (ox_line_is_blank(line, len))
			continue;
		struct ox_event ev;
		char err[OX_ERR_BUFSZ];
		if (p.speed > 0 && ox_decode(dec, line, len, &ev, err) == 0) {
			if (first_ts == OX_TIME_NONE)
				first_ts = ev.ts;
			double due = t0 + (double)(ev.ts - first_ts) / 1000.0 / p.speed;
			if (due > ox_mono_seconds()) { /* send what is due, then wait for this one */
				rc = send_batch(&p);
				sleep_s(due - ox_mono_seconds());
			}
		}
		if (rc == 0 && p.n_lines == p.batch_max)
			rc = send_batch(&p);
		p.line_nos[p.n_lines++] = lines.line_no;
		ox_buf_add(&p.body, line, len);
		ox_buf_add(&p.body, "\n", 1);
	}
	if (rc == 0)
		rc = send_batch(&p);
	if (r == OX_LINE_ERROR) {
		fprintf(stderr, "ordex push: read error on %s\n", input);
		rc = -1;
	}
	p.rejected += local_rejects;
	fprintf(stderr, "ordex push: accepted %zu, duplicates %zu, rejected %zu in %.1f s\n", p.accepted, p.duplicates,
		p.rejected, ox_mono_seconds() - t0);
	ox_lines_release(&lines);
	ox_decoder_free(dec);
	ox_json_release(&p.json);
	ox_buf_release(&p.body);
	ox_buf_release(&p.reply);
	free(p.line_nos);
	curl_slist_free_all(hdr);
	curl_easy_cleanup(p.curl);
	curl_global_cleanup();
	if (fd != STDIN_FILENO)
		close(fd);
	return rc < 0 ? 2 : p.rejected ? 3 : 0;
}

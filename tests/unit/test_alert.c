/* test_alert.c - the outbox and its delivery thread (src/alert.c) against a
 * real HTTP receiver started inside the test (libmicrohttpd on 127.0.0.1,
 * port 0, one thread per connection so that it can hang on purpose). The
 * receiver records every request, verifies the signatures, and answers as
 * each test tells it: failures first, a fixed status, a delay.
 *
 * Durations are short (10 ms .. 600 ms) so the whole file runs in seconds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "alert.h"
#include "json.h"

/* ---- the receiver -------------------------------------------------------------------------------- */

#define RX_MAX 4096

struct rx_req {
	char path[64];
	char idem[96];
	char *body;
	size_t len;
	bool signed_ok; /* the request carried a signature and it verified */
	int64_t at;     /* monotonic ms of arrival */
};

struct rx {
	struct MHD_Daemon *d;
	int port;
	pthread_mutex_t mu;
	/* behaviour, changed by the tests at any time */
	int fail_first, fail_status, status, delay_ms;
	const char *secret;
	/* records */
	struct rx_req req[RX_MAX];
	size_t n, answered;
};

struct upload {
	char *data;
	size_t len;
};

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static void hmac(const char *key, size_t kl, const char *m1, size_t n1, const char *m2, size_t n2,
		 unsigned char mac[32])
{
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)key, kl);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)m1, n1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)m2, n2);
	crypto_auth_hmacsha256_final(&st, mac);
}

/* The string member key of a JSON object body, into out. */
static bool body_member(const char *body, size_t len, const char *key, char *out, size_t outsz)
{
	struct ox_json j;
	ox_json_init(&j, 64);
	bool found = false;
	if (ox_json_parse(&j, body, len) == 0 && j.toks[0].type == OX_JSON_OBJECT)
		for (uint32_t i = 1; i < j.n; i = j.toks[i + 1].end)
			if (j.toks[i].len == strlen(key) && memcmp(j.toks[i].s, key, j.toks[i].len) == 0 &&
			    j.toks[i + 1].type == OX_JSON_STRING && j.toks[i + 1].len < outsz) {
				memcpy(out, j.toks[i + 1].s, j.toks[i + 1].len);
				out[j.toks[i + 1].len] = '\0';
				found = true;
			}
	ox_json_release(&j);
	return found;
}

/* Verify the request's signature by its path: /ding, /feishu, else the
 * generic webhook's headers. */
static bool verify(struct rx *x, struct MHD_Connection *c, const char *path, const char *body, size_t len)
{
	const char *secret = x->secret;
	unsigned char mac[32];
	char want[128];
	if (!secret)
		return false;
	if (strcmp(path, "/ding") == 0) {
		const char *ts = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "timestamp");
		const char *sign = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "sign");
		if (!ts || !sign)
			return false;
		crypto_auth_hmacsha256_state st; /* msg = ts + "\n" + secret */
		crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
		crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, strlen(ts));
		crypto_auth_hmacsha256_update(&st, (const unsigned char *)"\n", 1);
		crypto_auth_hmacsha256_update(&st, (const unsigned char *)secret, strlen(secret));
		crypto_auth_hmacsha256_final(&st, mac);
		sodium_bin2base64(want, sizeof want, mac, 32, sodium_base64_VARIANT_ORIGINAL);
		return strcmp(want, sign) == 0 && llabs(strtoll(ts, NULL, 10) - (int64_t)time(NULL) * 1000) < 60000;
	}
	if (strcmp(path, "/feishu") == 0) {
		char ts[32], sign[128], key[256];
		if (!body_member(body, len, "timestamp", ts, sizeof ts) || !body_member(body, len, "sign", sign, sizeof sign))
			return false;
		int kl = snprintf(key, sizeof key, "%s\n%s", ts, secret);
		hmac(key, (size_t)kl, "", 0, "", 0, mac);
		sodium_bin2base64(want, sizeof want, mac, 32, sodium_base64_VARIANT_ORIGINAL);
		return strcmp(want, sign) == 0;
	}
	const char *ts = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Ordex-Timestamp");
	const char *sig = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Ordex-Signature");
	if (!ts || !sig || strncmp(sig, "sha256=", 7) != 0)
		return false;
	char msg[32];
	int ml = snprintf(msg, sizeof msg, "%s.", ts);
	hmac(secret, strlen(secret), msg, (size_t)ml, body, len, mac);
	sodium_bin2hex(want, sizeof want, mac, 32);
	return strcmp(want, sig + 7) == 0;
}

static enum MHD_Result rx_handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *data, size_t *size, void **con_cls)
{
	struct rx *x = cls;
	(void)method;
	(void)version;
	struct upload *u = *con_cls;
	if (!u) {
		*con_cls = calloc(1, sizeof *u);
		return MHD_YES;
	}
	if (*size) {
		u->data = realloc(u->data, u->len + *size + 1);
		memcpy(u->data + u->len, data, *size);
		u->len += *size;
		u->data[u->len] = '\0';
		*size = 0;
		return MHD_YES;
	}
	pthread_mutex_lock(&x->mu);
	size_t i = x->n < RX_MAX ? x->n++ : RX_MAX - 1;
	struct rx_req *r = &x->req[i];
	snprintf(r->path, sizeof r->path, "%s", url);
	const char *idem = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Idempotency-Key");
	snprintf(r->idem, sizeof r->idem, "%s", idem ? idem : "");
	free(r->body);
	r->body = u->data ? u->data : strdup("");
	r->len = u->len;
	u->data = NULL;
	r->signed_ok = verify(x, c, url, r->body, r->len);
	r->at = mono_ms();
	int status = (int)i < x->fail_first ? x->fail_status : x->status;
	int delay = x->delay_ms;
	pthread_mutex_unlock(&x->mu);
	if (delay)
		sleep_ms(delay);
	const char *reply = status != 200	       ? "{\"error\":\"no\"}"
			    : strcmp(url, "/ding") == 0 ? "{\"errcode\":0,\"errmsg\":\"ok\"}"
			    : strcmp(url, "/feishu") == 0 ? "{\"code\":0,\"msg\":\"success\",\"data\":{}}"
							  : "ok";
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(strlen(reply), (void *)(uintptr_t)reply, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ok = MHD_queue_response(c, (unsigned)status, resp);
	MHD_destroy_response(resp);
	pthread_mutex_lock(&x->mu);
	x->answered++;
	pthread_mutex_unlock(&x->mu);
	return ok;
}

static void rx_done(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode tc)
{
	(void)cls;
	(void)c;
	(void)tc;
	struct upload *u = *con_cls;
	if (u) {
		free(u->data);
		free(u);
	}
	*con_cls = NULL;
}

static struct rx *rx_start(void)
{
	struct rx *x = calloc(1, sizeof *x);
	pthread_mutex_init(&x->mu, NULL);
	x->status = 200;
	x->fail_status = 500;
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = 0 };
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	x->d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
				rx_handler, x, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
				MHD_OPTION_NOTIFY_COMPLETED, rx_done, x, MHD_OPTION_END);
	assert_non_null(x->d);
	x->port = MHD_get_daemon_info(x->d, MHD_DAEMON_INFO_BIND_PORT)->port;
	assert_true(x->port > 0);
	return x;
}

static void rx_stop(struct rx *x)
{
	MHD_stop_daemon(x->d);
	for (size_t i = 0; i < RX_MAX; i++)
		free(x->req[i].body);
	pthread_mutex_destroy(&x->mu);
	free(x);
}

static size_t rx_count(struct rx *x)
{
	pthread_mutex_lock(&x->mu);
	size_t n = x->n;
	pthread_mutex_unlock(&x->mu);
	return n;
}

static void rx_set(struct rx *x, int fail_first, int status, int delay_ms)
{
	pthread_mutex_lock(&x->mu);
	x->fail_first = fail_first;
	x->status = status;
	x->delay_ms = delay_ms;
	pthread_mutex_unlock(&x->mu);
}

/* ---- the fixture ------------------------------------------------------------------------------------ */

struct fx {
	_Atomic int64_t offset; /* added to the wall clock the module sees */
	char dir[256], db[300];
	struct rx *rx;
	struct ox_alert_config *cfg;
	struct ox_alerts *a;
};

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	const char *tmp = getenv("TMPDIR");
	snprintf(f->dir, sizeof f->dir, "%s/ordex-alert-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->db, sizeof f->db, "%s/outbox.db", f->dir);
	f->rx = rx_start();
	f->rx->secret = "s3cret";
	*state = f;
	return 0;
}

static void fx_stop_module(struct fx *f)
{
	ox_alerts_stop(f->a);
	f->a = NULL;
	ox_alert_config_free(f->cfg);
	f->cfg = NULL;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;
	fx_stop_module(f);
	rx_stop(f->rx);
	const char *sfx[] = { "", "-wal", "-shm" };
	for (size_t i = 0; i < 3; i++) {
		char p[320];
		snprintf(p, sizeof p, "%s%s", f->db, sfx[i]);
		unlink(p);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

static int64_t fx_clock(void *ctx)
{
	struct fx *f = ctx;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + f->offset;
}

/* Start the module with the alerts: section text (PORT replaced by the
 * receiver's port). */
static void fx_start(struct fx *f, const char *yaml)
{
	char text[4096], *o = text;
	for (const char *p = yaml; *p;) {
		if (strncmp(p, "PORT", 4) == 0) {
			o += sprintf(o, "%d", f->rx->port);
			p += 4;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	char err[512];
	if (ox_alert_config_parse("test.yaml", text, strlen(text), &f->cfg, err, sizeof err) != 0)
		fail_msg("config: %s", err);
	struct ox_alerts_opts opts = { .db_path = f->db, .config = f->cfg, .now = fx_clock, .now_ctx = f };
	f->a = ox_alerts_start(&opts, err, sizeof err);
	if (!f->a)
		fail_msg("start: %s", err);
}

#define HOOK_CONFIG(route_extra, delivery_extra)                                                      \
	"alerts:\n"                                                                                   \
	"  channels:\n"                                                                               \
	"    hook: { type: webhook, url: \"http://127.0.0.1:PORT/hook\", secret: s3cret }\n"         \
	"  route:\n"                                                                                  \
	"    receiver: hook\n"                                                                        \
	"    group_by: [case]\n"                                                                      \
	"    group_wait: 0s\n"                                                                        \
	"    group_interval: 10ms\n" route_extra "  delivery:\n"                                     \
	"    timeout: 300ms\n"                                                                        \
	"    backoff_initial: 10ms\n"                                                                 \
	"    backoff_max: 40ms\n" delivery_extra "  console_url: \"http://127.0.0.1:8080\"\n"

static struct ox_notice mk(const char *idem, const char *case_id, enum ox_rule rule, int sev)
{
	struct ox_notice n;
	memset(&n, 0, sizeof n);
	snprintf(n.idem, sizeof n.idem, "%s", idem);
	snprintf(n.case_id, sizeof n.case_id, "%s", case_id);
	n.rule = rule;
	n.severity = sev;
	n.kind = OX_NOTICE_OPENED;
	n.level = 1;
	snprintf(n.team, sizeof n.team, "payments");
	snprintf(n.key, sizeof n.key, "O1001");
	snprintf(n.summary_zh, sizeof n.summary_zh, "2 笔成功支付");
	snprintf(n.summary_en, sizeof n.summary_en, "2 successful payments");
	n.at = INT64_C(1794376560000);
	return n;
}

static void enqueue1(struct fx *f, const char *idem, const char *case_id, enum ox_rule rule)
{
	struct ox_notice n = mk(idem, case_id, rule, 1);
	assert_int_equal(ox_alerts_enqueue(f->a, &n, 1), 0);
}

static struct ox_alerts_stats stats(struct fx *f)
{
	struct ox_alerts_stats s;
	ox_alerts_stats(f->a, &s);
	return s;
}

#define WAIT_FOR(cond, ms)                                                                       \
	do {                                                                                     \
		int64_t until_ = mono_ms() + (ms);                                               \
		while (!(cond) && mono_ms() < until_)                                            \
			sleep_ms(2);                                                             \
		if (!(cond))                                                                     \
			fail_msg("timed out after %d ms waiting for %s", (int)(ms), #cond);      \
	} while (0)

/* The outbox listing (filter by state) into a fresh buffer. */
static char *outbox(struct fx *f, const char *state_)
{
	struct ox_buf b;
	ox_buf_init(&b, 4u << 20);
	char err[OX_ALERT_ERRSZ];
	struct ox_alert_filter flt = { .state = state_ };
	if (ox_alerts_outbox_json(f->a, &flt, &b, err) != 0)
		fail_msg("outbox: %s", err);
	struct ox_json j;
	ox_json_init(&j, 64);
	assert_int_equal(ox_json_parse(&j, b.data, b.len), 0);
	ox_json_release(&j);
	return b.data;
}

/* ---- tests -------------------------------------------------------------------------------------- */

static void test_delivery(void **state)
{
	struct fx *f = *state;
	fx_start(f, HOOK_CONFIG("", ""));
	enqueue1(f, "C00000001/opened/1/0", "C00000001", OX_R_PAY_DUPLICATE);
	WAIT_FOR(stats(f).sent == 1, 3000);
	assert_int_equal(rx_count(f->rx), 1);
	struct rx_req *r = &f->rx->req[0];
	assert_string_equal(r->path, "/hook");
	assert_true(r->signed_ok);
	assert_int_equal(strncmp(r->idem, "ox1-", 4), 0);
	char v[256];
	assert_true(body_member(r->body, r->len, "idem", v, sizeof v));
	assert_string_equal(v, "C00000001/opened/1/0");
	assert_true(body_member(r->body, r->len, "idempotency_key", v, sizeof v));
	assert_string_equal(v, r->idem);
	assert_true(body_member(r->body, r->len, "console_url", v, sizeof v));
	assert_string_equal(v, "http://127.0.0.1:8080/cases/C00000001");
	struct ox_alerts_stats s = stats(f);
	assert_int_equal(s.pending, 0);
	assert_int_equal(s.notices, 1);
	assert_int_equal(s.failed_attempts, 0);
	char *list = outbox(f, "sent");
	assert_non_null(strstr(list, "\"state\":\"sent\""));
	assert_non_null(strstr(list, "\"notices\":[\"C00000001/opened/1/0\"]"));
	assert_non_null(strstr(list, "\"attempts\":1"));
	assert_non_null(strstr(list, "\"last_status\":200"));
	assert_non_null(strstr(list, "\"payload\":{\"version\":1"));
	free(list);
}

static void test_retry_after_500s(void **state)
{
	struct fx *f = *state;
	rx_set(f->rx, 3, 200, 0);
	fx_start(f, HOOK_CONFIG("", ""));
	enqueue1(f, "C2/opened/1/0", "C2", OX_R_PAY_FAILED);
	WAIT_FOR(stats(f).sent == 1, 3000);
	assert_int_equal(rx_count(f->rx), 4);
	for (size_t i = 1; i < 4; i++) {
		assert_string_equal(f->rx->req[i].idem, f->rx->req[0].idem); /* the same message */
		int64_t gap = f->rx->req[i].at - f->rx->req[i - 1].at;
		assert_true(gap >= 9); /* backoff_initial 10 ms (ms clocks round) */
		assert_true(gap < 1000);
	}
	assert_int_equal(stats(f).failed_attempts, 3);
	char *list = outbox(f, NULL);
	assert_non_null(strstr(list, "\"attempts\":4"));
	free(list);
}

static void test_timeout(void **state)
{
	struct fx *f = *state;
	rx_set(f->rx, 0, 200, 600); /* longer than the 300 ms timeout */
	fx_start(f, HOOK_CONFIG("", ""));
	int64_t t0 = mono_ms();
	enqueue1(f, "C3/opened/1/0", "C3", OX_R_PAY_FAILED);
	WAIT_FOR(stats(f).failed_attempts >= 1, 3000);
	assert_true(mono_ms() - t0 >= 290);
	char *list = outbox(f, "pending");
	assert_non_null(strstr(list, "\"last_error\":\"no answer within 300 ms\""));
	free(list);
	rx_set(f->rx, 0, 200, 0);
	WAIT_FOR(stats(f).sent == 1, 3000);
	assert_int_equal(stats(f).pending, 0);
}

static void test_400_is_dead(void **state)
{
	struct fx *f = *state;
	rx_set(f->rx, 0, 400, 0);
	fx_start(f, HOOK_CONFIG("", ""));
	enqueue1(f, "C4/opened/1/0", "C4", OX_R_PAY_FAILED);
	WAIT_FOR(stats(f).dead == 1, 3000);
	sleep_ms(100);
	assert_int_equal(rx_count(f->rx), 1); /* never again */
	struct ox_buf b;
	ox_buf_init(&b, 1u << 20);
	char err[OX_ALERT_ERRSZ];
	assert_int_equal(ox_alerts_dead_json(f->a, NULL, NULL, &b, err), 0);
	assert_non_null(strstr(b.data, "\"state\":\"dead\""));
	assert_non_null(strstr(b.data, "\"last_error\":\"HTTP 400: {\\\"error\\\":\\\"no\\\"}\""));
	assert_non_null(strstr(b.data, "\"last_status\":400"));
	ox_buf_release(&b);
	assert_int_equal(stats(f).pending, 0);
}

static void test_give_up_then_retry(void **state)
{
	struct fx *f = *state;
	rx_set(f->rx, 0, 503, 0);
	fx_start(f, HOOK_CONFIG("", "    give_up_after: 200ms\n"));
	enqueue1(f, "C5/opened/1/0", "C5", OX_R_PAY_FAILED);
	WAIT_FOR(stats(f).dead == 1, 3000);
	size_t tries = rx_count(f->rx);
	assert_true(tries >= 3); /* 10..40 ms apart over 200 ms */
	char *list = outbox(f, "dead");
	assert_non_null(strstr(list, "\"last_error\":\"gave up after 200ms: HTTP 503"));
	char *idp = strstr(list, "\"id\":");
	assert_non_null(idp);
	int64_t id = strtoll(idp + 5, NULL, 10);
	free(list);

	char err[OX_ALERT_ERRSZ];
	rx_set(f->rx, 0, 200, 0);
	assert_int_equal(ox_alerts_retry(f->a, id, err), 0);
	WAIT_FOR(stats(f).sent == 1, 3000);
	assert_int_equal(stats(f).dead, 0);
	size_t n = rx_count(f->rx);
	assert_string_equal(f->rx->req[n - 1].idem, f->rx->req[0].idem);
	assert_int_equal(ox_alerts_retry(f->a, id, err), OX_ALERT_ESTATE);
	assert_string_equal(err, "message 1 is sent, not dead");
	assert_int_equal(ox_alerts_retry(f->a, 999, err), OX_ALERT_ENOTFOUND);
}

static void test_restart_mid_delivery(void **state)
{
	struct fx *f = *state;
	rx_set(f->rx, 0, 200, 600);
	fx_start(f, HOOK_CONFIG("", ""));
	enqueue1(f, "C6/opened/1/0", "C6", OX_R_PAY_DUPLICATE);
	WAIT_FOR(rx_count(f->rx) == 1, 3000); /* the request is in flight, unanswered */
	int64_t t0 = mono_ms();
	fx_stop_module(f);
	int64_t took = mono_ms() - t0;
	assert_true(took < 300 + 400); /* bounded by the 300 ms timeout */
	/* a notice enqueued but not yet routed or flushed survives too */
	rx_set(f->rx, 0, 200, 0);
	fx_start(f, HOOK_CONFIG("    routes:\n      - { match: { case: C7 }, receiver: hook, group_wait: 1h }\n",
				""));
	assert_int_equal(stats(f).pending, 1); /* C6, from the outbox */
	enqueue1(f, "C7/opened/1/0", "C7", OX_R_PAY_FAILED);
	WAIT_FOR(stats(f).sent == 1, 3000);
	assert_int_equal(rx_count(f->rx), 2);
	assert_string_equal(f->rx->req[1].idem, f->rx->req[0].idem); /* the same key: the receiver can dedupe */
	assert_true(f->rx->req[1].signed_ok);
	fx_stop_module(f);
	f->offset = 2 * 3600 * 1000; /* two hours later (the module's clock) */
	fx_start(f, HOOK_CONFIG("    routes:\n      - { match: { case: C7 }, receiver: hook, group_wait: 1h }\n",
				""));
	WAIT_FOR(rx_count(f->rx) == 3, 3000); /* C7 waited in its group across the restart */
	char v[64];
	assert_true(body_member(f->rx->req[2].body, f->rx->req[2].len, "case_id", v, sizeof v));
	assert_string_equal(v, "C7");
	WAIT_FOR(stats(f).sent == 1, 1000);
}

static void test_signed_channels(void **state)
{
	struct fx *f = *state;
	f->rx->secret = "SECsecret";
	fx_start(f, "alerts:\n"
		    "  channels:\n"
		    "    ding: { type: dingtalk, url: \"http://127.0.0.1:PORT/ding?access_token=t\", secret: SECsecret }\n"
		    "    lark: { type: feishu, url: \"http://127.0.0.1:PORT/feishu\", secret: SECsecret }\n"
		    "    hook: { type: webhook, url: \"http://127.0.0.1:PORT/hook\", secret: SECsecret }\n"
		    "    wecom: { type: wecom, url: \"http://127.0.0.1:PORT/wecom?key=k\" }\n"
		    "    slack: { type: slack, url: \"http://127.0.0.1:PORT/slack\" }\n"
		    "  route:\n"
		    "    receiver: hook\n"
		    "    group_wait: 0s\n"
		    "    routes:\n"
		    "      - { receiver: ding, continue: true }\n"
		    "      - { receiver: lark, continue: true }\n"
		    "      - { receiver: hook, continue: true }\n"
		    "      - { receiver: wecom, continue: true }\n"
		    "      - { receiver: slack }\n"
		    "  delivery: { timeout: 1s, backoff_initial: 10ms, backoff_max: 20ms }\n");
	enqueue1(f, "C8/opened/1/0", "C8", OX_R_PAY_DUPLICATE);
	WAIT_FOR(stats(f).sent == 5, 3000);
	assert_int_equal(rx_count(f->rx), 5);
	int seen = 0;
	for (size_t i = 0; i < 5; i++) {
		struct rx_req *r = &f->rx->req[i];
		struct ox_json j;
		ox_json_init(&j, 64);
		assert_int_equal(ox_json_parse(&j, r->body, r->len), 0);
		ox_json_release(&j);
		if (strcmp(r->path, "/wecom") == 0 || strcmp(r->path, "/slack") == 0) {
			seen |= r->path[1] == 'w' ? 8 : 16;
			continue;
		}
		if (!r->signed_ok)
			fail_msg("%s: signature did not verify: %s", r->path, r->body);
		seen |= strcmp(r->path, "/ding") == 0 ? 1 : strcmp(r->path, "/feishu") == 0 ? 2 : 4;
	}
	assert_int_equal(seen, 31);
}

static void test_silences(void **state)
{
	struct fx *f = *state;
	fx_start(f, HOOK_CONFIG("", ""));
	char err[OX_ALERT_ERRSZ];
	int64_t id = 0;
	const char *body = "{\"matchers\":{\"rule\":\"PAY_DUPLICATE\",\"severity\":[\"P1\",\"P2\"]},"
			   "\"duration\":\"1h\",\"created_by\":\"ignored\",\"comment\":\"网关维护\"}";
	assert_int_equal(ox_alerts_silence_add_json(f->a, body, strlen(body), "li.lei", &id, err), 0);
	assert_true(id > 0);
	enqueue1(f, "C9/opened/1/0", "C9", OX_R_PAY_DUPLICATE);
	enqueue1(f, "C10/opened/1/0", "C10", OX_R_PAY_FAILED);
	WAIT_FOR(stats(f).sent == 1 && stats(f).silenced == 1, 3000);
	assert_int_equal(rx_count(f->rx), 1);
	char v[64];
	assert_true(body_member(f->rx->req[0].body, f->rx->req[0].len, "case_id", v, sizeof v));
	assert_string_equal(v, "C10");
	char *list = outbox(f, "silenced");
	assert_non_null(strstr(list, "\"notices\":[\"C9/opened/1/0\"]"));
	assert_non_null(strstr(list, "\"silence_id\":1"));
	assert_non_null(strstr(list, "\"last_error\":\"silenced by silence 1\""));
	free(list);
	struct ox_buf b;
	ox_buf_init(&b, 1u << 20);
	assert_int_equal(ox_alerts_silences_json(f->a, &b, err), 0);
	assert_non_null(strstr(b.data, "\"matchers\":{\"rule\":[\"PAY_DUPLICATE\"],\"severity\":[\"P1\",\"P2\"]}"));
	assert_non_null(strstr(b.data, "\"created_by\":\"li.lei\",\"comment\":\"网关维护\""));
	assert_non_null(strstr(b.data, "\"state\":\"active\""));

	/* a message already pending (its receiver failing) is silenced before its next attempt */
	rx_set(f->rx, 1000, 200, 0);
	size_t before = rx_count(f->rx);
	enqueue1(f, "C11/opened/1/0", "C11", OX_R_LOG_LOST);
	WAIT_FOR(rx_count(f->rx) >= before + 2, 3000);
	const char *b2 = "{\"matchers\":{\"case\":\"C11\"},\"ends_at\":\"2099-01-01T00:00:00+08:00\",\"created_by\":\"x\"}";
	int64_t id2;
	assert_int_equal(ox_alerts_silence_add_json(f->a, b2, strlen(b2), NULL, &id2, err), 0);
	WAIT_FOR(stats(f).silenced == 2, 3000);
	sleep_ms(100);
	size_t after = rx_count(f->rx);
	sleep_ms(100);
	assert_int_equal(rx_count(f->rx), after); /* no more attempts */
	assert_int_equal(stats(f).pending, 0);

	/* expired: the rule is delivered again */
	rx_set(f->rx, 0, 200, 0);
	assert_int_equal(ox_alerts_silence_expire(f->a, id, err), 0);
	assert_int_equal(ox_alerts_silence_expire(f->a, id, err), 0); /* already ended: fine */
	assert_int_equal(ox_alerts_silence_expire(f->a, 77, err), OX_ALERT_ENOTFOUND);
	enqueue1(f, "C12/opened/1/0", "C12", OX_R_PAY_DUPLICATE);
	WAIT_FOR(stats(f).sent == 2, 3000);
	ox_buf_reset(&b);
	assert_int_equal(ox_alerts_silences_json(f->a, &b, err), 0);
	assert_non_null(strstr(b.data, "\"state\":\"expired\""));
	ox_buf_release(&b);

	/* bad silences say why */
	static const struct {
		const char *body, *err;
	} bad[] = {
		{ "{\"matchers\":{\"rul\":\"X\"},\"duration\":\"1h\",\"created_by\":\"a\"}",
		  "matchers: unknown label \"rul\" (rule, category, severity, team, kind, level, case)" },
		{ "{\"matchers\":{\"rule\":\"PAY_DUPLICAT\"},\"duration\":\"1h\",\"created_by\":\"a\"}",
		  "matchers.rule: unknown rule 'PAY_DUPLICAT' (did you mean 'PAY_DUPLICATE'?)" },
		{ "{\"matchers\":{},\"duration\":\"1h\",\"created_by\":\"a\"}",
		  "matchers: at least one label is needed (a silence of everything is not allowed)" },
		{ "{\"matchers\":{\"level\":2},\"created_by\":\"a\"}", "give either ends_at or duration" },
		{ "{\"matchers\":{\"level\":2},\"duration\":\"1h\"}", "created_by: expected 1..64 bytes of text" },
		{ "{\"matchers\":{\"level\":2},\"ends_at\":1000,\"created_by\":\"a\"}", "ends_at is in the past" },
		{ "{\"matchers\":{\"level\":2},\"duration\":\"1h\",\"created_by\":\"a\",\"x\":1}",
		  "unknown member \"x\" (matchers, starts_at, ends_at, duration, created_by, comment)" },
		{ "[1]", "body: expected a JSON object" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = ox_alerts_silence_add_json(f->a, bad[i].body, strlen(bad[i].body), NULL, &id, err);
		if (rc != OX_ALERT_EINVAL || strcmp(err, bad[i].err) != 0)
			fail_msg("case %zu: rc %d: %s (want %s)", i, rc, err, bad[i].err);
	}
	/* the C API takes matchers directly */
	char three[] = "3", *vals[] = { three };
	struct ox_alert_matcher m = { OX_AL_LEVEL, 1, vals };
	assert_int_equal(ox_alerts_silence_add(f->a, &m, 1, 0, INT64_C(4000000000000), "ops", NULL, &id, err), 0);
}

static void test_grouping(void **state)
{
	struct fx *f = *state;
	fx_start(f, "alerts:\n"
		    "  channels:\n"
		    "    hook: { type: webhook, url: \"http://127.0.0.1:PORT/hook\", secret: s3cret }\n"
		    "  route: { receiver: hook, group_by: [rule], group_wait: 1500ms, group_interval: 1600ms }\n"
		    "  delivery: { timeout: 1s, backoff_initial: 10ms, backoff_max: 20ms }\n");
	int64_t t0 = mono_ms();
	for (int i = 0; i < 5; i++) {
		char idem[32], id[16];
		snprintf(idem, sizeof idem, "G%d/opened/1/0", i);
		snprintf(id, sizeof id, "G%d", i);
		enqueue1(f, idem, id, OX_R_PAY_DUPLICATE);
		sleep_ms(20);
	}
	enqueue1(f, "H1/opened/1/0", "H1", OX_R_LOG_LOST); /* another rule: another group */
	/* group_wait is wide so that a loaded machine still enqueues all five in it */
	WAIT_FOR(stats(f).sent == 2, 6000);
	assert_int_equal(rx_count(f->rx), 2);
	struct rx_req *g = strstr(f->rx->req[0].body, "PAY_DUPLICATE") ? &f->rx->req[0] : &f->rx->req[1];
	assert_true(g->at - t0 >= 1490); /* group_wait */
	assert_non_null(strstr(g->body, "\"count\":5,"));
	assert_non_null(strstr(g->body, "\"group_key\":\"rule=PAY_DUPLICATE\""));
	for (int i = 0; i < 5; i++) {
		char idem[40];
		snprintf(idem, sizeof idem, "\"idem\":\"G%d/opened/1/0\"", i);
		assert_non_null(strstr(g->body, idem));
	}
	/* the next one of the group waits for group_interval after the last
	 * message was sent, which was group_wait after t0 at the earliest.
	 * (Not after the first one arrived: on a loaded machine it may arrive
	 * later than it was sent by more than the next one does.) */
	enqueue1(f, "G9/opened/1/0", "G9", OX_R_PAY_DUPLICATE);
	WAIT_FOR(stats(f).sent == 3, 6000);
	assert_true(f->rx->req[2].at - t0 >= 1500 + 1600 - 10);
	assert_non_null(strstr(f->rx->req[2].body, "\"count\":1,"));
}

static void test_duplicates_and_repeats(void **state)
{
	struct fx *f = *state;
	fx_start(f, HOOK_CONFIG("", ""));
	struct ox_notice n[3] = { mk("D1/opened/1/0", "D1", OX_R_PAY_FAILED, 3),
				  mk("D1/opened/1/0", "D1", OX_R_PAY_FAILED, 3),
				  mk("D2/opened/1/0", "D2", OX_R_PAY_FAILED, 3) };
	assert_int_equal(ox_alerts_enqueue(f->a, n, 3), 0);
	assert_int_equal(ox_alerts_enqueue(f->a, n, 1), 0); /* re-sent after a crash */
	WAIT_FOR(stats(f).sent == 2, 3000);
	sleep_ms(50);
	assert_int_equal(rx_count(f->rx), 2);
	assert_int_equal(stats(f).notices, 2);

	/* the desk's reminder of an escalation within repeat_interval (1h) is left out */
	struct ox_notice e = mk("D1/escalated/2/0", "D1", OX_R_PAY_FAILED, 3);
	e.kind = OX_NOTICE_ESCALATED;
	e.level = 2;
	assert_int_equal(ox_alerts_enqueue(f->a, &e, 1), 0);
	WAIT_FOR(stats(f).sent == 3, 3000);
	snprintf(e.idem, sizeof e.idem, "D1/escalated/2/1");
	assert_int_equal(ox_alerts_enqueue(f->a, &e, 1), 0);
	WAIT_FOR(stats(f).throttled == 1, 3000);
	e.level = 3; /* a higher level is news */
	snprintf(e.idem, sizeof e.idem, "D1/escalated/3/0");
	assert_int_equal(ox_alerts_enqueue(f->a, &e, 1), 0);
	WAIT_FOR(stats(f).sent == 4, 3000);
	assert_int_equal(rx_count(f->rx), 4);

	/* malformed notices are refused whole */
	struct ox_notice bad = mk("B1/opened/1/0", "B1", OX_R_PAY_FAILED, 7);
	struct ox_notice two[2] = { mk("B0/opened/1/0", "B0", OX_R_PAY_FAILED, 1), bad };
	assert_int_equal(ox_alerts_enqueue(f->a, two, 2), OX_ALERT_EINVAL);
	char err[256];
	ox_alerts_last_error(f->a, err, sizeof err);
	assert_string_equal(err, "enqueue: notice 1: B1/opened/1/0: severity 7 outside 1..4");
	bad = mk("", "B1", OX_R_PAY_FAILED, 1);
	assert_int_equal(ox_alerts_enqueue(f->a, &bad, 1), OX_ALERT_EINVAL);
	sleep_ms(50);
	assert_int_equal(stats(f).notices, 5);
}

/* A receiver that hangs delays neither enqueue nor the other receivers. */
static void test_hanging_receiver(void **state)
{
	struct fx *f = *state;
	struct rx *slow = rx_start();
	enum { HANG = 2000 };
	rx_set(slow, 0, 200, HANG);
	char cfg[2048];
	snprintf(cfg, sizeof cfg,
		 "alerts:\n"
		 "  channels:\n"
		 "    slow: { type: webhook, url: \"http://127.0.0.1:%d/slow\" }\n"
		 "    hook: { type: webhook, url: \"http://127.0.0.1:PORT/hook\", secret: s3cret }\n"
		 "  route:\n"
		 "    receiver: hook\n"
		 "    group_by: [case]\n"
		 "    group_wait: 0s\n"
		 "    routes: [ { receiver: slow, continue: true }, { receiver: hook } ]\n"
		 "  delivery: { timeout: 3s, backoff_initial: 10ms, backoff_max: 20ms }\n",
		 slow->port);
	fx_start(f, cfg);
	enqueue1(f, "S0/opened/1/0", "S0", OX_R_PAY_FAILED);
	WAIT_FOR(rx_count(slow) == 1, 2000); /* hanging now */
	int64_t worst = 0, total = 0;
	enum { N = 100 };
	for (int i = 1; i <= N; i++) {
		char idem[32], id[16];
		snprintf(idem, sizeof idem, "S%d/opened/1/0", i);
		snprintf(id, sizeof id, "S%d", i);
		struct ox_notice n = mk(idem, id, OX_R_PAY_FAILED, 2);
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		assert_int_equal(ox_alerts_enqueue(f->a, &n, 1), 0);
		clock_gettime(CLOCK_MONOTONIC, &b);
		int64_t us = (b.tv_sec - a.tv_sec) * 1000000 + (b.tv_nsec - a.tv_nsec) / 1000;
		total += us;
		if (us > worst)
			worst = us;
	}
	print_message("enqueue while a receiver hangs: %d single-notice enqueues, mean %" PRId64 " us, worst %" PRId64
		      " us\n",
		      N, total / N, worst);
	/* an enqueue that waited for the network would have taken the 2 s hang */
	assert_true(worst < HANG * 1000 / 2);
	/* the healthy receiver was served while the slow one still hung */
	WAIT_FOR(rx_count(f->rx) >= 2, 3000);
	assert_true(f->rx->req[1].at < slow->req[0].at + HANG);
	WAIT_FOR(rx_count(f->rx) == (size_t)N + 1, 10000);
	fx_stop_module(f); /* waits for the slow transfer to end (< its 3 s timeout) */
	rx_stop(slow);
}

/* Pending messages of a receiver removed from the config become dead letters. */
static void test_removed_receiver(void **state)
{
	struct fx *f = *state;
	rx_set(f->rx, 1000, 200, 0);
	fx_start(f, HOOK_CONFIG("", ""));
	enqueue1(f, "R1/opened/1/0", "R1", OX_R_PAY_FAILED);
	WAIT_FOR(stats(f).failed_attempts >= 1, 3000);
	fx_stop_module(f);
	fx_start(f, "alerts:\n"
		    "  channels:\n"
		    "    other: { type: webhook, url: \"http://127.0.0.1:PORT/other\" }\n"
		    "  route: { receiver: other }\n");
	assert_int_equal(stats(f).dead, 1);
	assert_int_equal(stats(f).pending, 0);
	char *list = outbox(f, "dead");
	assert_non_null(strstr(list, "\"last_error\":\"receiver 'hook' is not in the configuration\""));
	free(list);
	char err[OX_ALERT_ERRSZ];
	assert_int_equal(ox_alerts_retry(f->a, 1, err), OX_ALERT_ESTATE);
	assert_string_equal(err, "message 1: receiver 'hook' is not in the configuration");
	/* alerting switched off is not receivers removed: pending ones wait */
	fx_stop_module(f);
	rx_set(f->rx, 0, 200, 0);
	fx_start(f, HOOK_CONFIG("", ""));
	assert_int_equal(ox_alerts_retry(f->a, 1, err), 0);
	WAIT_FOR(stats(f).sent == 1, 3000);
	rx_set(f->rx, 1000, 200, 0);
	enqueue1(f, "R2/opened/1/0", "R2", OX_R_PAY_FAILED);
	WAIT_FOR(stats(f).failed_attempts >= 1, 3000);
	fx_stop_module(f);
	fx_start(f, "alerts:\n");
	assert_int_equal(stats(f).pending, 1);
	assert_int_equal(stats(f).dead, 0);
}

static void test_listing(void **state)
{
	struct fx *f = *state;
	fx_start(f, HOOK_CONFIG("", ""));
	for (int i = 0; i < 3; i++) {
		char idem[32], id[16];
		snprintf(idem, sizeof idem, "L%d/opened/1/0", i);
		snprintf(id, sizeof id, "L%d", i);
		enqueue1(f, idem, id, OX_R_PAY_FAILED);
	}
	WAIT_FOR(stats(f).sent == 3, 3000);
	struct ox_buf b;
	ox_buf_init(&b, 1u << 20);
	char err[OX_ALERT_ERRSZ];
	struct ox_alert_filter flt = { .receiver = "hook", .limit = "2" };
	assert_int_equal(ox_alerts_outbox_json(f->a, &flt, &b, err), 0);
	assert_non_null(strstr(b.data, "{\"messages\":[{\"id\":3,"));
	assert_non_null(strstr(b.data, "\"next_cursor\":\"2\"}"));
	ox_buf_reset(&b);
	flt.cursor = "2";
	assert_int_equal(ox_alerts_outbox_json(f->a, &flt, &b, err), 0);
	assert_non_null(strstr(b.data, "{\"messages\":[{\"id\":1,"));
	assert_non_null(strstr(b.data, "\"next_cursor\":null}"));
	ox_buf_reset(&b);
	struct ox_alert_filter nobody = { .receiver = "nobody" };
	assert_int_equal(ox_alerts_outbox_json(f->a, &nobody, &b, err), 0);
	assert_string_equal(b.data, "{\"messages\":[],\"next_cursor\":null}");
	static const struct {
		struct ox_alert_filter f;
		const char *err;
	} bad[] = {
		{ { .state = "done" }, "state: expected pending, sent, dead or silenced, got \"done\"" },
		{ { .limit = "0" }, "limit: expected 1..1000, got \"0\"" },
		{ { .limit = "abc" }, "limit: expected 1..1000, got \"abc\"" },
		{ { .cursor = "-1" }, "cursor: \"-1\" is not a cursor this API returned" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ox_buf_reset(&b);
		ox_buf_addz(&b, "keep");
		assert_int_equal(ox_alerts_outbox_json(f->a, &bad[i].f, &b, err), OX_ALERT_EINVAL);
		assert_string_equal(err, bad[i].err);
		assert_string_equal(b.data, "keep");
	}
	ox_buf_release(&b);
	struct ox_buf small;
	ox_buf_init(&small, 64);
	assert_int_equal(ox_alerts_outbox_json(f->a, &(struct ox_alert_filter){ 0 }, &small, err), OX_ALERT_ETOOBIG);
	assert_int_equal(small.len, 0);
	ox_buf_release(&small);
}

/* No channels: enqueue stores nothing, listings are empty. */
static void test_no_channels(void **state)
{
	struct fx *f = *state;
	fx_start(f, "alerts:\n");
	enqueue1(f, "N1/opened/1/0", "N1", OX_R_PAY_FAILED);
	assert_int_equal(stats(f).notices, 0);
	char *list = outbox(f, NULL);
	assert_string_equal(list, "{\"messages\":[],\"next_cursor\":null}");
	free(list);
}

static int cmp_i64(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
	return a < b ? -1 : a > b;
}

/* Throughput to a local receiver, and the cost of a durable enqueue. */
static void test_measure(void **state)
{
	struct fx *f = *state;
	fx_start(f, HOOK_CONFIG("", ""));
	enum { N = 1000 };
	struct ox_notice *n = calloc(N, sizeof *n);
	for (int i = 0; i < N; i++) {
		char idem[32], id[16];
		snprintf(idem, sizeof idem, "M%d/opened/1/0", i);
		snprintf(id, sizeof id, "M%d", i);
		n[i] = mk(idem, id, OX_R_PAY_FAILED, 2);
	}
	int64_t t0 = mono_ms();
	assert_int_equal(ox_alerts_enqueue(f->a, n, N), 0);
	int64_t t1 = mono_ms();
	WAIT_FOR(stats(f).sent == N, 15000);
	int64_t t2 = mono_ms();
	print_message("enqueue: %d notices in one batch in %" PRId64 " ms (%.1f us/notice); delivered as %d messages "
		      "to a local receiver in %" PRId64 " ms (%.0f messages/s, one in flight)\n",
		      N, t1 - t0, (double)(t1 - t0) * 1000.0 / N, N, t2 - t1, N * 1000.0 / (double)(t2 - t1 ? t2 - t1 : 1));

	/* single-notice enqueues while the delivery thread writes at full speed */
	for (int i = 0; i < N; i++) { /* other cases: N more messages */
		snprintf(n[i].idem, sizeof n[i].idem, "P%d/opened/1/0", i);
		snprintf(n[i].case_id, sizeof n[i].case_id, "P%d", i);
	}
	assert_int_equal(ox_alerts_enqueue(f->a, n, N), 0);
	enum { K = 300 };
	int64_t lat[K];
	for (int i = 0; i < K; i++) {
		char idem[32], id[16];
		snprintf(idem, sizeof idem, "Z%d/opened/1/0", i);
		snprintf(id, sizeof id, "Z%d", i);
		struct ox_notice z = mk(idem, id, OX_R_PAY_FAILED, 2);
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		assert_int_equal(ox_alerts_enqueue(f->a, &z, 1), 0);
		clock_gettime(CLOCK_MONOTONIC, &b);
		lat[i] = (b.tv_sec - a.tv_sec) * 1000000 + (b.tv_nsec - a.tv_nsec) / 1000;
	}
	qsort(lat, K, sizeof lat[0], cmp_i64);
	print_message("enqueue of one notice during delivery: p50 %" PRId64 " us, p99 %" PRId64 " us, max %" PRId64
		      " us (%d calls)\n",
		      lat[K / 2], lat[K * 99 / 100], lat[K - 1], K);
	WAIT_FOR(stats(f).sent == 2 * N + K, 20000);
	free(n);
}

int main(void)
{
	/* a proxy from the environment must not take the test's loopback requests */
	unsetenv("http_proxy");
	unsetenv("HTTP_PROXY");
	unsetenv("all_proxy");
	unsetenv("ALL_PROXY");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_delivery, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_retry_after_500s, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_timeout, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_400_is_dead, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_give_up_then_retry, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_restart_mid_delivery, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_signed_channels, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_silences, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_grouping, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_duplicates_and_repeats, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_hanging_receiver, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_removed_receiver, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_listing, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_no_channels, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_measure, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests_name("alert", tests, NULL, NULL);
}

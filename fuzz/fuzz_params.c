/* fuzz_params.c - libFuzzer harness for the live changes of the rule
 * parameters (src/params_live.h): one input is read as a request body of
 * PUT /api/v1/config/rules and as a log record, e.g.
 *   {"set":{"payment.retry_window":"20m","channels.pdd.fraud.threshold":50},"note":"n"}
 *   {"at":1762790400000,"actor":"admin","note":"","set":{"rules.PAY_FAILED.enabled":false},"unset":[]}
 *
 * Besides what ASan and UBSan catch, it checks the parser's promises. After
 * a success: 1..64 distinct keys, each text of 1..191 bytes that
 * ox_config_check_key accepts, values NUL-terminated JSON of at most 4096
 * bytes (unsets: none), the note and actor valid UTF-8 within their arrays.
 * Written as a record, the change parses again to a record written the
 * same. After an error: nothing is left allocated and the message is
 * non-empty, one line, valid UTF-8.
 *
 * Each accepted change is also applied to live parameters on a small base
 * file: it succeeds with the parameters those overrides give, or fails with
 * a one-line message and leaves the parameters exactly as they were.
 */
#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_utf8.h"
#include "params_live.h"
#include "yamlcfg.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ox_params params;
static struct ox_live *live;

/* A base with a channel block, so that changes meet the file's precedence. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	static const char base[] = "payment: { retry_window: 30m }\n"
				   "channels: { pdd: { payment: { reconcile_window: 60m } } }\n";
	char path[] = "/tmp/fuzz-params-XXXXXX", err[256];
	int fd = mkstemp(path);
	assert(fd >= 0 && write(fd, base, sizeof base - 1) == (ssize_t)(sizeof base - 1));
	close(fd);
	ox_params_init(&params);
	live = ox_live_new(path, &params, err, sizeof err);
	assert(live);
	unlink(path);
	return 0;
}

static void check_error(const char *err, size_t cap)
{
	size_t n = strnlen(err, cap);
	assert(n > 0 && n < cap);
	assert(!memchr(err, '\n', n) && !memchr(err, '\r', n));
	assert(fuzz_valid_utf8((const unsigned char *)err, n));
}

static void check_change(const struct ox_live_change *c, bool record)
{
	char err[512];
	assert(c->n >= 1 && c->n <= OX_LIVE_KEYS_MAX);
	for (size_t i = 0; i < c->n; i++) {
		size_t kl = strlen(c->set[i].key);
		assert(kl >= 1 && kl < OX_YAML_PATH_MAX);
		assert(fuzz_valid_utf8((const unsigned char *)c->set[i].key, kl));
		assert(ox_config_check_key(c->set[i].key, err, sizeof err) == 0);
		for (size_t j = 0; j < i; j++)
			assert(strcmp(c->set[i].key, c->set[j].key) != 0);
		if (c->set[i].value)
			assert(strlen(c->set[i].value) < OX_LIVE_VALUE_MAX);
	}
	size_t nl = strnlen(c->note, sizeof c->note);
	assert(nl < sizeof c->note && fuzz_valid_utf8((const unsigned char *)c->note, nl));
	size_t al = strnlen(c->actor, sizeof c->actor);
	assert(al < sizeof c->actor && (!record || al > 0));
}

/* Written as a record, c parses again and is written the same. */
static void check_round_trip(struct ox_live_change *c)
{
	struct ox_buf a, b;
	struct ox_live_change d;
	char err[512];
	if (!c->actor[0])
		snprintf(c->actor, sizeof c->actor, "fuzz");
	ox_buf_init(&a, SIZE_MAX);
	ox_buf_init(&b, SIZE_MAX);
	ox_live_change_write(c, &a);
	assert(fuzz_valid_utf8((const unsigned char *)a.data, a.len));
	assert(ox_live_change_parse(&d, a.data, a.len, false, err, sizeof err) == 0);
	check_change(&d, true);
	ox_live_change_write(&d, &b);
	assert(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
	ox_live_change_release(&d);
	ox_buf_release(&a);
	ox_buf_release(&b);
}

static void check_apply(const struct ox_live_change *c)
{
	struct ox_params before;
	char err[512];
	ox_params_copy(&before, &params);
	struct ox_buf diff;
	ox_buf_init(&diff, SIZE_MAX);
	if (ox_live_apply(live, c, &diff, err, sizeof err) < 0) {
		check_error(err, sizeof err);
		assert(memcmp(&before.order, &params.order, sizeof params.order) == 0);
		assert(memcmp(before.rules, params.rules, sizeof params.rules) == 0);
		assert(before.n_channels == params.n_channels && before.n_carriers == params.n_carriers);
		assert(!params.n_channels ||
		       memcmp(before.channels, params.channels, params.n_channels * sizeof(*params.channels)) == 0);
	} else {
		assert(diff.len > 0 && fuzz_valid_utf8((const unsigned char *)diff.data, diff.len));
		assert(params.n_channels <= OX_LIST_MAX && params.n_carriers <= OX_LIST_MAX);
	}
	ox_buf_release(&diff);
	ox_params_release(&before);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (int record = 0; record <= 1; record++) {
		struct ox_live_change c;
		char err[512];
		if (ox_live_change_parse(&c, (const char *)data, size, !record, err, sizeof err) < 0) {
			check_error(err, sizeof err);
			continue;
		}
		check_change(&c, record);
		check_round_trip(&c);
		check_apply(&c);
		ox_live_change_release(&c);
	}
	return 0;
}

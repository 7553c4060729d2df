/* fuzz_calls.c - libFuzzer harness for the parsers of calls on the
 * merchant's systems (src/call.h, docs/actions.md). One input is read three
 * ways:
 *   - as a config file, by ox_call_config_parse() (its actions: section);
 *   - as a call's params, by ox_call_params_check() for every action kind;
 *   - as a merchant's answer, made into an outcome by ox_call_outcome();
 *   - as a case's calls, masked by ox_call_json_mask().
 *
 * Besides what ASan and UBSan catch, it checks the promises. Config: on
 * success every endpoint configured has an http(s) URL, a timeout of
 * 1 ms..5 min, 0..20 retries and backoff_initial <= backoff_max, the rate
 * limit is 0..100000; on error *out is NULL and the message is one line of
 * valid UTF-8 starting with the file's name. Params: an amount, when given,
 * is > 0; an error is one line. Outcome: always valid JSON in valid UTF-8
 * of at most OX_CALL_OUTCOME_MAX bytes, which ox_call_outcome_read() reads
 * back with the status given.
 */
#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "call.h"
#include "json.h"
#include "fuzz_utf8.h"

/* Masked, JSON stays JSON of the same shape (types and member counts). */
static void mask(const char *in, size_t size)
{
	static struct ox_json j, k;
	static bool init;
	if (!init) {
		ox_json_init(&j, 16);
		ox_json_init(&k, 16);
		init = true;
	}
	struct ox_buf b;
	ox_buf_init(&b, SIZE_MAX);
	if (ox_call_json_mask(in, size, &b) == 0) {
		assert(ox_json_parse(&j, in, size) == 0);
		assert(fuzz_valid_utf8((const unsigned char *)b.data, b.len));
		assert(ox_json_parse(&k, b.data, b.len) == 0 && k.n == j.n);
		for (size_t i = 0; i < j.n; i++)
			assert(j.toks[i].type == k.toks[i].type && j.toks[i].size == k.toks[i].size);
	} else {
		assert(b.len == 0);
	}
	ox_buf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAME "calls.yaml"

static void check_line(const char *err, size_t cap)
{
	size_t n = strnlen(err, cap);
	assert(n > 0 && n < cap);
	assert(!memchr(err, '\n', n));
	assert(fuzz_valid_utf8((const unsigned char *)err, n));
}

static void config(const char *in, size_t size)
{
	struct ox_call_config *c = (void *)1;
	char err[512];
	if (ox_call_config_parse(NAME, in, size, &c, err, sizeof err) < 0) {
		assert(c == NULL);
		check_line(err, sizeof err);
		assert(strncmp(err, NAME, strlen(NAME)) == 0);
		return;
	}
	assert(c && c->rate_limit >= 0 && c->rate_limit <= 100000);
	for (int k = 0; k < OX_PB_A__COUNT; k++) {
		const struct ox_call_endpoint *ep = ox_call_endpoint(c, (enum ox_pb_action)k);
		if (!ep)
			continue;
		assert(!strncmp(ep->url, "http://", 7) || !strncmp(ep->url, "https://", 8) ||
		       !strncasecmp(ep->url, "http", 4));
		assert(ep->timeout >= 1 && ep->timeout <= 5 * 60 * 1000);
		assert(ep->retries >= 0 && ep->retries <= 20);
		assert(ep->backoff_initial >= 1 && ep->backoff_initial <= ep->backoff_max);
		assert(!ep->secret || (ep->secret[0] && strlen(ep->secret) <= OX_CALL_SECRET_MAX));
	}
	ox_call_config_free(c);
}

static void params(const char *in, size_t size)
{
	for (int k = 0; k < OX_PB_A__COUNT; k++) {
		ox_money amount = 7;
		char why[200];
		if (ox_call_params_check((enum ox_pb_action)k, in, size, &amount, why, sizeof why) == 0)
			assert(amount == -1 || amount > 0);
		else
			check_line(why, sizeof why);
	}
}

static void outcome(const char *in, size_t size)
{
	static struct ox_json j;
	static bool init;
	if (!init) {
		ox_json_init(&j, 16);
		init = true;
	}
	struct ox_buf b;
	ox_buf_init(&b, SIZE_MAX);
	bool ok_in = size % 2 == 0;
	char *error = malloc(size + 1); /* the error is a C string: the input up to a NUL */
	memcpy(error, in, size);
	error[size] = '\0';
	ox_call_outcome(ok_in, (long)(size % 600), (int)(size % 5), size % 3 ? error : NULL, in, size, &b);
	free(error);
	assert(b.len <= OX_CALL_OUTCOME_MAX);
	assert(fuzz_valid_utf8((const unsigned char *)b.data, b.len));
	assert(ox_json_parse(&j, b.data, b.len) == 0 && j.toks[0].type == OX_JSON_OBJECT);
	bool ok = !ok_in;
	char status[64];
	assert(ox_call_outcome_read(b.data, b.len, &ok, "status", status, sizeof status) == 0);
	assert(ok == ok_in);
	ox_buf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly size bytes, so ASan sees any read past the end. */
	char *in = malloc(size ? size : 1);
	memcpy(in, data, size);
	config(in, size);
	params(in, size);
	outcome(in, size);
	mask(in, size);
	free(in);
	return 0;
}

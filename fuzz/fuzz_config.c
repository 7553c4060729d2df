/* fuzz_config.c - libFuzzer harness for the YAML config loader: one input
 * is one config file, loaded by ox_config_load_string() onto fresh defaults.
 *
 * Besides what ASan and UBSan catch, it checks the loader's promises. After
 * a success: every parameter is in its documented range (durations > 0 and
 * at most 3650 days, severities 1..4, counts, weights, percentages), every
 * name is NUL-terminated, shorter than OX_NAME_MAX, not blank, free of
 * control characters and valid UTF-8, lists hold at most OX_LIST_MAX
 * distinct names, channels and carriers are found by name, and loading the
 * same file again changes nothing. After an error: p is exactly as it was,
 * and the message is non-empty, one line, valid UTF-8 (checked here by an
 * independent decoder), starts with "NAME:", and a short err buffer gets a
 * NUL-terminated prefix of it.
 */
#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "params.h"
#include "textnorm.h"
#include "timefmt.h"
#include "fuzz_utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAME "fuzz.yaml"
#define DURATION_MAX (3650 * OX_MS_DAY)
#define SCORE_MAX 1000

static void check_duration(int64_t ms)
{
	assert(ms >= 1 && ms <= DURATION_MAX);
}

static void check_range(int64_t v, int64_t lo, int64_t hi)
{
	assert(v >= lo && v <= hi);
}

/* A name field: NUL-terminated, the rest of the array zero (parameter sets
 * compare bytewise); returns its length. */
static size_t check_zfield(const char f[OX_NAME_MAX])
{
	const char *z = memchr(f, '\0', OX_NAME_MAX);
	assert(z != NULL);
	size_t n = (size_t)(z - f);
	for (size_t i = n; i < OX_NAME_MAX; i++)
		assert(f[i] == '\0');
	return n;
}

/* A channel, carrier or list name (docs/config.md: 1..63 bytes, no control
 * characters). */
static void check_name(const char f[OX_NAME_MAX])
{
	size_t n = check_zfield(f);
	assert(n >= 1 && n < OX_NAME_MAX);
	assert(ox_textnorm_trim((struct ox_str){ f, n }).len > 0);
	for (size_t i = 0; i < n; i++)
		assert((unsigned char)f[i] >= 0x20 && f[i] != 0x7F);
	assert(fuzz_valid_utf8((const unsigned char *)f, n));
}

static void check_list(const struct ox_name_list *l)
{
	assert(l->n <= OX_LIST_MAX);
	for (size_t i = 0; i < l->n; i++) {
		check_name(l->names[i]);
		for (size_t j = 0; j < i; j++)
			assert(strcmp(l->names[i], l->names[j]) != 0);
	}
	for (size_t i = l->n; i < OX_LIST_MAX; i++)
		for (size_t k = 0; k < OX_NAME_MAX; k++)
			assert(l->names[i][k] == '\0');
}

static void check_order(const struct ox_order_params *o)
{
	check_duration(o->pay_retry_window);
	check_duration(o->pay_settle_window);
	check_duration(o->pay_status_window);
	check_duration(o->pay_reconcile_window);
	check_duration(o->ship_window);
	check_duration(o->stall_window);
	check_duration(o->sync_window);
	check_list(&o->sync_required);
	check_range(o->fraud_threshold, 1, SCORE_MAX);
	check_range(o->fraud_max_qty, 1, INT64_MAX);
}

static void check_term(const struct ox_fraud_term *t)
{
	check_duration(t->window);
	check_range(t->min_customers, 1, OX_FRAUD_COUNT_MAX);
	check_range(t->weight, 0, SCORE_MAX);
}

static void check_params(const struct ox_params *p)
{
	check_order(&p->order);

	assert(p->n_channels <= OX_LIST_MAX);
	assert((p->channels != NULL) == (p->n_channels > 0));
	for (size_t i = 0; i < p->n_channels; i++) {
		const struct ox_channel_params *ch = &p->channels[i];
		check_name(ch->channel);
		check_order(&ch->p);
		for (size_t j = 0; j < i; j++)
			assert(strcmp(ch->channel, p->channels[j].channel) != 0);
		assert(ox_params_for_channel(p, ch->channel, strlen(ch->channel)) == &ch->p);
	}

	assert(p->n_carriers <= OX_LIST_MAX);
	for (size_t i = 0; i < p->n_carriers; i++) {
		const struct ox_carrier_window *c = &p->carriers[i];
		check_name(c->carrier);
		check_duration(c->stall_window);
		for (size_t j = 0; j < i; j++)
			assert(strcmp(c->carrier, p->carriers[j].carrier) != 0);
		assert(ox_params_stall_window(p, &p->order, c->carrier, strlen(c->carrier)) ==
		       c->stall_window);
	}
	for (size_t i = p->n_carriers; i < OX_LIST_MAX; i++) {
		assert(p->carriers[i].stall_window == 0);
		assert(check_zfield(p->carriers[i].carrier) == 0);
	}

	check_duration(p->drift_window);
	check_range(p->drift_abs, 0, INT64_MAX);
	check_range(p->drift_pct, 0, 100);

	check_term(&p->fraud_address);
	check_term(&p->fraud_phone);
	check_term(&p->fraud_device);
	check_term(&p->fraud_coupon);
	check_duration(p->fraud_new_account_age);
	check_duration(p->fraud_new_account_window);
	check_range(p->fraud_new_account_orders, 1, OX_FRAUD_COUNT_MAX);
	check_range(p->fraud_new_account_weight, 0, SCORE_MAX);
	check_range(p->fraud_max_qty_weight, 0, SCORE_MAX);
	check_range(p->fraud_invalid_phone_weight, 0, SCORE_MAX);

	check_list(&p->remark_keywords);

	check_range(p->burst_count, 1, INT32_MAX);
	check_duration(p->burst_window);
	check_duration(p->burst_quiet);
	check_duration(p->rate_window);
	check_range(p->rate_min_attempts, 1, INT32_MAX);
	check_range(p->rate_min_success_pct, 0, 100);

	static const char team_chars[] = "abcdefghijklmnopqrstuvwxyz"
					 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.";
	for (size_t r = 0; r < OX_R__COUNT; r++) {
		const struct ox_rule_setting *rs = &p->rules[r];
		unsigned char b;
		memcpy(&b, &rs->enabled, 1); /* a bool holds 0 or 1, nothing else */
		assert(b <= 1);
		check_range(rs->severity, 1, 4);
		size_t n = check_zfield(rs->team);
		assert(n >= 1 && strspn(rs->team, team_chars) == n);
	}
}

/* Bytewise equal, the channel tables compared by content. */
static bool params_equal(const struct ox_params *a, const struct ox_params *b)
{
	size_t from = offsetof(struct ox_params, n_channels);
	return memcmp(a, b, offsetof(struct ox_params, channels)) == 0 &&
	       memcmp((const char *)a + from, (const char *)b + from, sizeof(*a) - from) == 0 &&
	       (a->n_channels == 0 ||
		memcmp(a->channels, b->channels, a->n_channels * sizeof(*a->channels)) == 0);
}

static void check_error(const char *err, size_t errsz)
{
	size_t n = strnlen(err, errsz);
	/* Not cut by errsz here, so every promise applies to the whole. */
	assert(n > 0 && n < errsz - 1);
	assert(!memchr(err, '\n', n) && !memchr(err, '\r', n));
	assert(fuzz_valid_utf8((const unsigned char *)err, n));
	assert(strncmp(err, NAME ":", strlen(NAME ":")) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly size bytes, so ASan sees any read past the end. */
	char *yaml = malloc(size ? size : 1);
	memcpy(yaml, data, size);
	struct ox_params p, def;
	ox_params_init(&p);
	ox_params_init(&def);
	char err[1024];
	memset(err, 'x', sizeof err);
	if (ox_config_load_string(NAME, yaml, size, &p, err, sizeof err) == 0) {
		check_params(&p);
		/* Everything the file names is set already: a second load
		 * gives the same parameters. */
		struct ox_params again;
		ox_params_copy(&again, &p);
		assert(ox_config_load_string(NAME, yaml, size, &again, err, sizeof err) == 0);
		assert(params_equal(&again, &p));
		ox_params_release(&again);
	} else {
		assert(params_equal(&p, &def));
		check_error(err, sizeof err);
		/* A short buffer (exactly its size, for ASan) gets a prefix. */
		size_t small = 1 + size % 48;
		char *cut = malloc(small);
		assert(ox_config_load_string(NAME, yaml, size, &p, cut, small) == -1);
		size_t n = strlen(cut), full = strlen(err);
		assert(n == (full < small - 1 ? full : small - 1));
		assert(memcmp(cut, err, n) == 0);
		assert(params_equal(&p, &def));
		free(cut);
	}
	ox_params_release(&p);
	free(yaml);
	return 0;
}

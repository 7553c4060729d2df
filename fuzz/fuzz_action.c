/* fuzz_action.c - libFuzzer harness for the case desk's action records:
 * one input is one record as the event log holds it, or one request body of
 * POST /api/v1/cases/{id}/{transition,assign,notes,checklist}, both read by
 * ox_desk_action_parse() (src/desk.h); calls on the merchant's systems
 * (call, call_update, approve, reject, auto: kind, call, params, state,
 * outcome, enabled) included, e.g.
 *   {"op":"transition","case":"C00000042","by":"li.na","at":1762826400000,
 *    "to":"acknowledged","cascade":false,"note":"已联系客户"}
 *
 * A request body may leave out op (the path gives it) and to (the desk
 * refuses a transition without one before anything is written): the harness
 * then completes the action as the API does, with each op in turn, and
 * writes only what the desk could have applied (ox_desk_action_write()
 * indexes its names by op and to).
 *
 * Besides what ASan and UBSan catch, it checks the parser's promises. After
 * a success: op and to are known or unset; every string is NUL-terminated
 * inside its array and the note at most OX_DESK_NOTE_MAX bytes; assignee
 * and team hold only [A-Za-z0-9_.:-], resolution, root_cause and item only
 * [a-z0-9_]; the input named only known fields,
 * each exactly (a field is not taken for another), and "at" is the integer
 * written, not one clamped to fit. Written with ox_desk_action_write, the
 * action is valid JSON in valid UTF-8 that parses again to the same action,
 * field by field (the fields the record keeps for its op: op, case, by, at
 * and note; to, cascade, resolution and root_cause of a transition;
 * assignee and team of an assignment; item and done of a checklist tick),
 * and is written the same again. After an error:
 * OX_DESK_EINVAL and a message that is non-empty, one line, valid UTF-8
 * (checked by an independent decoder).
 */
#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "desk.h"
#include "json.h"
#include "fuzz_utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FIELD_OK(f) (memchr((f), '\0', sizeof(f)) != NULL)

static void check_error(const char err[256])
{
	size_t n = strnlen(err, 256);
	assert(n > 0 && n < 256);
	assert(!memchr(err, '\n', n) && !memchr(err, '\r', n));
	assert(fuzz_valid_utf8((const unsigned char *)err, n));
}

static void check_name(const char *z)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyz"
				 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.:";
	assert(strspn(z, ok) == strlen(z));
}

/* An action the parser accepted, on its own (op and to may be unset). */
static void check_action(const struct ox_desk_action *a)
{
	assert((unsigned)a->op <= OX_DESK__NOPS);
	assert((unsigned)a->to <= OX_CASE__NSTATUS);
	assert(FIELD_OK(a->case_id) && FIELD_OK(a->actor) && FIELD_OK(a->assignee) && FIELD_OK(a->team) &&
	       FIELD_OK(a->note));
	assert(strlen(a->note) <= OX_DESK_NOTE_MAX);
	check_name(a->assignee);
	check_name(a->team);
	assert(FIELD_OK(a->resolution) && FIELD_OK(a->root_cause) && FIELD_OK(a->item));
	static const char code[] = "abcdefghijklmnopqrstuvwxyz0123456789_";
	assert(strspn(a->resolution, code) == strlen(a->resolution));
	assert(strspn(a->root_cause, code) == strlen(a->root_cause));
	assert(strspn(a->item, code) == strlen(a->item));
	unsigned char b;
	memcpy(&b, &a->cascade, 1); /* a bool holds 0 or 1, nothing else */
	assert(b <= 1);
	memcpy(&b, &a->done, 1);
	assert(b <= 1);
	memcpy(&b, &a->enabled, 1);
	assert(b <= 1);
	/* a call's fields: a known kind and state or unset, a call id of name
	 * characters, params and outcome JSON objects (or empty) */
	assert(a->kind >= -1 && a->kind < OX_PB_A__COUNT);
	assert(a->state >= -1 && a->state < OX_CALL__NSTATES);
	assert(FIELD_OK(a->call_id) && FIELD_OK(a->params) && FIELD_OK(a->outcome));
	check_name(a->call_id);
	assert(!a->params[0] || (a->params[0] == '{' && a->params[strlen(a->params) - 1] == '}'));
	assert(!a->outcome[0] || (a->outcome[0] == '{' && a->outcome[strlen(a->outcome) - 1] == '}'));
	assert(!a->dry); /* never read from a record */
}

/* The same action, as far as the record of its op keeps it. */
static void check_same(const struct ox_desk_action *a, const struct ox_desk_action *b)
{
	assert(a->op == b->op);
	assert(!strcmp(a->case_id, b->case_id));
	assert(!strcmp(a->actor, b->actor));
	assert(a->at == b->at);
	assert(!strcmp(a->note, b->note));
	if (a->op == OX_DESK_TRANSITION)
		assert(a->to == b->to && a->cascade == b->cascade && !strcmp(a->resolution, b->resolution) &&
		       !strcmp(a->root_cause, b->root_cause));
	if (a->op == OX_DESK_CHECK)
		assert(!strcmp(a->item, b->item) && a->done == b->done);
	if (a->op == OX_DESK_ASSIGN)
		assert(!strcmp(a->assignee, b->assignee) && !strcmp(a->team, b->team));
	assert(!strcmp(a->call_id, b->call_id));
	if (a->op == OX_DESK_CALL) /* no params are written as {} */
		assert(a->kind == b->kind && !strcmp(a->params[0] ? a->params : "{}", b->params));
	if (a->op == OX_DESK_CALL_UPDATE)
		assert(a->state == b->state && !strcmp(a->outcome, b->outcome));
	if (a->op == OX_DESK_AUTO)
		assert(a->enabled == b->enabled);
	if (a->op == OX_DESK_CSAT)
		assert(a->score == b->score);
	if (a->op == OX_DESK_CALL || a->op == OX_DESK_APPROVE)
		assert(a->limited == b->limited && (!a->limited || a->limit == b->limit));
}

/* The decimal integer t (JSON's grammar: no '+', no leading zeros) if it
 * fits an int64_t. */
static bool int_value(const struct ox_json_tok *t, int64_t *out)
{
	const char *s = t->s;
	size_t i = s[0] == '-', n = t->len;
	uint64_t v = 0, lim = i ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < n; i++) {
		unsigned d = (unsigned)(s[i] - '0');
		if (d > 9 || v > (lim - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = s[0] == '-' ? (int64_t)(0 - v) : (int64_t)v;
	return true;
}

/* The input's own fields, read here: every key one of the record's, byte
 * for byte; the last "at" the value the action holds. */
static void check_fields(struct ox_json *j, const char *json, size_t len, const struct ox_desk_action *a)
{
	static const char *const known[] = { "op", "case", "by", "at", "to", "cascade", "assignee", "team", "note",
					     "resolution", "root_cause", "item", "done", "score", "comment", "kind",
					     "call", "params", "state", "outcome", "enabled", "limit" };
	assert(ox_json_parse(j, json, len) == 0);
	assert(j->toks[0].type == OX_JSON_OBJECT);
	const struct ox_json_tok *at = NULL;
	size_t i = 1;
	for (uint32_t m = 0; m < j->toks[0].size; m++, i = j->toks[i + 1].end) {
		const struct ox_json_tok *k = &j->toks[i];
		bool found = false;
		for (size_t f = 0; f < sizeof known / sizeof *known && !found; f++)
			found = k->len == strlen(known[f]) && memcmp(k->s, known[f], k->len) == 0;
		assert(found);
		if (k->len == 2 && !memcmp(k->s, "at", 2))
			at = &j->toks[i + 1];
	}
	int64_t v = 0;
	if (at)
		assert(int_value(at, &v));
	assert(a->at == v);
}

/* Written, the action reads back the same and is written the same. */
static void round_trip(struct ox_json *j, const struct ox_desk_action *a)
{
	struct ox_desk_action again;
	struct ox_buf out, out2;
	char err[256];
	ox_buf_init(&out, SIZE_MAX);
	ox_buf_init(&out2, SIZE_MAX);
	ox_desk_action_write(a, &out);
	assert(out.len > 0 && fuzz_valid_utf8((const unsigned char *)out.data, out.len));
	assert(ox_json_parse(j, out.data, out.len) == 0 && j->toks[0].type == OX_JSON_OBJECT);
	memset(err, 'x', sizeof err);
	assert(ox_desk_action_parse(&again, out.data, out.len, err) == 0);
	check_action(&again);
	check_same(a, &again);
	ox_desk_action_write(&again, &out2);
	assert(out2.len == out.len && memcmp(out2.data, out.data, out.len) == 0);
	ox_buf_release(&out);
	ox_buf_release(&out2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ox_json j;
	static bool init;
	if (!init) {
		ox_json_init(&j, 16); /* a call's params and outcome nest */
		init = true;
	}
	/* A copy of exactly size bytes, so ASan sees any read past the end. */
	char *json = malloc(size ? size : 1);
	memcpy(json, data, size);
	struct ox_desk_action a;
	char err[256];
	memset(err, 'x', sizeof err);
	int rc = ox_desk_action_parse(&a, json, size, err);
	if (rc != 0) {
		assert(rc == OX_DESK_EINVAL);
		check_error(err);
		free(json);
		return 0;
	}
	check_action(&a);
	check_fields(&j, json, size, &a);

	/* A record names its op; a body gets it from the path. */
	for (int op = 0; op < OX_DESK__NOPS; op++) {
		struct ox_desk_action w = a;
		if (a.op != OX_DESK__NOPS && op != (int)a.op)
			continue;
		w.op = (enum ox_desk_op)op;
		if (w.op == OX_DESK_TRANSITION && w.to == OX_CASE__NSTATUS)
			continue; /* "to: required" */
		if (w.op == OX_DESK_CALL && w.kind < 0)
			continue; /* "kind: required" */
		if (w.op == OX_DESK_CALL_UPDATE && w.state < 0)
			continue; /* "state: running, succeeded or failed" */
		if (w.op == OX_DESK_CSAT && w.score == 0)
			continue; /* "score: required" */
		round_trip(&j, &w);
	}
	free(json);
	return 0;
}

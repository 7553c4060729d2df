/* fuzz_playbook.c - libFuzzer harness for the playbooks (src/playbook.c):
 * one input is read twice, as a config file for ox_playbooks_parse() and
 * as a message template for ox_pb_template_check() and ox_pb_render().
 *
 * Besides what ASan and UBSan catch, it checks the promises of playbook.h.
 *
 * The section. After a success: every rule has a playbook of 1..16
 * checklist items with distinct ids of 1..48 [a-z0-9_] (found again by
 * ox_pb_item_find) and texts of 1..500 bytes of printable UTF-8 in both
 * languages; distinct known actions; a known mode, and a sequence of
 * distinct actions unless the mode is suggest; a limit of none or
 * 0..OX_PB_LIMIT_MAX; templates for every step and language that pass
 * ox_pb_template_check and render with every sample value; ox_pb_decide
 * following its table. A playbook the file did not customize is the
 * built-in one. The JSON of each playbook (both languages and each one)
 * is valid, within OX_PB_JSON_MAX, fits a buffer of exactly its length and
 * not one byte less; all of them fit OX_PB_ALL_JSON_MAX. Parsing twice
 * gives the same. After an error: -1, *out NULL, and the message is
 * non-empty, one line, valid UTF-8 (an independent decoder), starts with
 * "NAME:", and a short err buffer gets a NUL-terminated prefix of it.
 *
 * The template (the input up to its first NUL). The checker accepts
 * exactly what an independent reference accepts (non-blank, at most 500
 * bytes of printable one-line UTF-8, "{{" and "}}" as braces, every {name}
 * a known variable) and reports the same variables; rendering gives the
 * reference's text with all values, the text with the missing ones left as
 * written and their bits in *missing with some values, refuses a value
 * that is not printable text or longer than 500 bytes, stays within
 * OX_PB_RENDER_MAX, appends to what out held and leaves out as it was
 * after any other error (a full buffer included). Error messages are one
 * line of valid UTF-8.
 */
#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "playbook.h"
#include "rules.h"
#include "textnorm.h"
#include "fuzz_utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAME "playbook.yaml"

/* The variables of docs/playbooks.md, written out here so the harness does
 * not trust the table it tests. */
static const char *const var_names[] = { "customer_name", "order_id", "shop",	"agent_name", "amount",
					 "coupon_amount", "points",   "eta",	"carrier",    "tracking_no",
					 "sku",		  "item",     "address" };
_Static_assert(OX_ARRAY_LEN(var_names) == OX_PB_V__COUNT, "a variable this harness does not know");

/* Printable one-line UTF-8: valid, no C0 controls, DEL or C1 controls. */
static bool printable(const char *s, size_t n)
{
	if (!fuzz_valid_utf8((const unsigned char *)s, n))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7F)
			return false;
		if (c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
		    (unsigned char)s[i + 1] <= 0x9F)
			return false;
	}
	return true;
}

static void check_message(const char *m, size_t cap)
{
	size_t n = strnlen(m, cap);
	assert(n > 0 && n < cap);
	assert(!memchr(m, '\n', n) && !memchr(m, '\r', n));
	assert(fuzz_valid_utf8((const unsigned char *)m, n));
}

/* ---- the renderer -------------------------------------------------------------------- */

static int ref_var(const char *s, size_t n)
{
	for (size_t v = 0; v < OX_ARRAY_LEN(var_names); v++)
		if (strlen(var_names[v]) == n && memcmp(var_names[v], s, n) == 0)
			return (int)v;
	return -1;
}

/* The reference: 0 with the text (values NULL: the variable as written)
 * and the variables used, or -1 for a template the checker must refuse. */
static int ref_render(const char *t, size_t n, const char *const *vals, struct ox_buf *out, uint32_t *used)
{
	*used = 0;
	if (n > OX_PB_TEXT_MAX || !printable(t, n) || ox_textnorm_trim((struct ox_str){ t, n }).len == 0)
		return -1;
	for (size_t i = 0; i < n;) {
		if ((t[i] == '{' || t[i] == '}') && i + 1 < n && t[i + 1] == t[i]) {
			assert(ox_buf_add(out, t + i, 1) == 0);
			i += 2;
		} else if (t[i] == '}') {
			return -1;
		} else if (t[i] == '{') {
			size_t e = i + 1;
			while (e < n && t[e] != '{' && t[e] != '}')
				e++;
			if (e == n || t[e] == '{')
				return -1;
			int v = ref_var(t + i + 1, e - i - 1);
			if (v < 0)
				return -1;
			*used |= UINT32_C(1) << v;
			if (vals[v])
				assert(ox_buf_addz(out, vals[v]) == 0);
			else
				assert(ox_buf_add(out, t + i, e + 1 - i) == 0);
			i = e + 1;
		} else {
			assert(ox_buf_add(out, t + i, 1) == 0);
			i++;
		}
	}
	return 0;
}

/* Render with vars into a buffer holding "P>" and compare with the reference. */
static void render_one(const char *t, size_t n, const struct ox_pb_vars *vars, bool valid, uint32_t used)
{
	const char *vals[OX_PB_V__COUNT];
	uint32_t unset = 0;
	bool bad_value = false;
	for (int v = 0; v < OX_PB_V__COUNT; v++) {
		const char *x = vars ? vars->v[v] : NULL;
		vals[v] = x && *x ? x : NULL;
		if (!vals[v])
			unset |= UINT32_C(1) << v;
		else if ((used >> v & 1) && (strlen(x) > OX_PB_VALUE_MAX || !printable(x, strlen(x))))
			bad_value = true;
	}
	struct ox_buf want, got;
	ox_buf_init(&want, SIZE_MAX);
	ox_buf_init(&got, SIZE_MAX);
	assert(ox_buf_addz(&want, "P>") == 0 && ox_buf_addz(&got, "P>") == 0);
	uint32_t u, missing = 0xdeadbeef;
	char err[512];
	memset(err, 'x', sizeof err);
	int rc = ox_pb_render(t, vars, &got, &missing, err, sizeof err);
	if (!valid || bad_value) {
		assert(rc == -1);
		check_message(err, sizeof err);
		assert(got.len == 2 && strcmp(got.data, "P>") == 0);
	} else {
		assert(ref_render(t, n, vals, &want, &u) == 0 && u == used);
		uint32_t lack = used & unset;
		assert(rc == (lack ? -1 : 0));
		assert(missing == lack);
		if (lack) {
			check_message(err, sizeof err);
			assert(strncmp(err, "no value for {", 14) == 0);
		}
		assert(got.len == want.len && memcmp(got.data, want.data, got.len) == 0);
		assert(got.data[got.len] == '\0');
		assert(got.len - 2 <= OX_PB_RENDER_MAX);
		assert(printable(got.data, got.len));

		/* a buffer one byte too short: refused, left as it was */
		if (got.len > 2) {
			struct ox_buf small;
			ox_buf_init(&small, got.len - 1);
			assert(ox_buf_addz(&small, "P>") == 0);
			assert(ox_pb_render(t, vars, &small, NULL, err, sizeof err) == -1);
			check_message(err, sizeof err);
			assert(small.len == 2 && strcmp(small.data, "P>") == 0);
			ox_buf_release(&small);
		}
	}
	ox_buf_release(&want);
	ox_buf_release(&got);
}

static void run_template(const uint8_t *data, size_t size)
{
	const char *nul = memchr(data, '\0', size);
	size_t n = nul ? (size_t)(nul - (const char *)data) : size;
	char *t = malloc(n + 1);
	memcpy(t, data, n);
	t[n] = '\0';

	struct ox_buf scratch;
	ox_buf_init(&scratch, SIZE_MAX);
	const char *none[OX_PB_V__COUNT] = { 0 };
	uint32_t ref_used = 0, used = 0xdeadbeef;
	bool valid = ref_render(t, n, none, &scratch, &ref_used) == 0;
	ox_buf_release(&scratch);

	char why[512];
	memset(why, 'x', sizeof why);
	int rc = ox_pb_template_check(t, n, &used, why, sizeof why);
	assert(rc == (valid ? 0 : -1));
	if (valid)
		assert(used == ref_used);
	else
		check_message(why, sizeof why);
	/* a short why gets a prefix */
	if (!valid) {
		char cut[9];
		assert(ox_pb_template_check(t, n, NULL, cut, sizeof cut) == -1);
		assert(strlen(cut) == (strlen(why) < 8 ? strlen(why) : 8) &&
		       memcmp(cut, why, strlen(cut)) == 0);
	}

	struct ox_pb_vars vars;
	ox_pb_vars_sample(&vars);
	render_one(t, n, &vars, valid, ref_used);
	render_one(t, n, NULL, valid, ref_used);
	/* every other variable, and an empty value */
	struct ox_pb_vars some = vars;
	for (int v = 0; v < OX_PB_V__COUNT; v += 2)
		some.v[v] = NULL;
	some.v[OX_PB_V_AMOUNT] = "";
	render_one(t, n, &some, valid, ref_used);
	/* values from the input: its tail, and a brace-laden one */
	size_t tl = size < 64 ? size : 64;
	char *tail = malloc(tl + 1);
	memcpy(tail, data + size - tl, tl);
	tail[tl] = '\0';
	struct ox_pb_vars odd = vars;
	odd.v[OX_PB_V_CUSTOMER_NAME] = tail;
	odd.v[OX_PB_V_ORDER_ID] = "{order_id}}{{";
	render_one(t, n, &odd, valid, ref_used);
	free(tail);
	free(t);
}

/* ---- the section ------------------------------------------------------------------------ */

static void check_text(const char *s)
{
	assert(s != NULL);
	size_t n = strlen(s);
	assert(n >= 1 && n <= OX_PB_TEXT_MAX);
	assert(printable(s, n));
	assert(ox_textnorm_trim((struct ox_str){ s, n }).len > 0);
}

static void check_json(const struct ox_playbook *pb, enum ox_pb_lang lang)
{
	static struct ox_json j;
	static bool init;
	if (!init) {
		ox_json_init(&j, 8);
		init = true;
	}
	struct ox_buf b;
	ox_buf_init(&b, OX_PB_JSON_MAX);
	assert(ox_playbook_json(pb, lang, &b) == 0);
	assert(b.len > 0 && b.len <= OX_PB_JSON_MAX);
	assert(ox_json_parse(&j, b.data, b.len) == 0);
	assert(j.toks[0].type == OX_JSON_OBJECT);
	struct ox_buf exact;
	ox_buf_init(&exact, b.len);
	assert(ox_playbook_json(pb, lang, &exact) == 0);
	assert(exact.len == b.len && memcmp(exact.data, b.data, b.len) == 0);
	ox_buf_release(&exact);
	ox_buf_init(&exact, b.len - 1);
	assert(ox_playbook_json(pb, lang, &exact) == -1);
	ox_buf_release(&exact);
	ox_buf_release(&b);
}

static void check_playbook(const struct ox_playbook *pb, enum ox_rule r, const struct ox_playbook *builtin)
{
	assert(pb != NULL && pb->rule == r);
	assert(pb->category == ox_pb_category_of(r) && pb->category >= 0);
	assert(pb->n_checklist >= 1 && pb->n_checklist <= OX_PB_CHECKLIST_MAX && pb->checklist != NULL);
	for (size_t i = 0; i < pb->n_checklist; i++) {
		const struct ox_pb_item *it = &pb->checklist[i];
		size_t n = strlen(it->id);
		assert(n >= 1 && n <= OX_PB_ID_MAX);
		assert(strspn(it->id, "abcdefghijklmnopqrstuvwxyz0123456789_") == n);
		for (size_t k = 0; k < i; k++)
			assert(strcmp(pb->checklist[k].id, it->id) != 0);
		assert(ox_pb_item_find(pb, it->id, n) == (int)i);
		check_text(it->text[OX_PB_ZH]);
		check_text(it->text[OX_PB_EN]);
	}
	assert(pb->n_actions <= OX_PB_A__COUNT && pb->n_sequence <= OX_PB_A__COUNT);
	for (size_t i = 0; i < pb->n_actions; i++) {
		assert((unsigned)pb->actions[i] < OX_PB_A__COUNT);
		for (size_t k = 0; k < i; k++)
			assert(pb->actions[k] != pb->actions[i]);
	}
	for (size_t i = 0; i < pb->n_sequence; i++) {
		assert((unsigned)pb->sequence[i] < OX_PB_A__COUNT);
		for (size_t k = 0; k < i; k++)
			assert(pb->sequence[k] != pb->sequence[i]);
	}
	assert((unsigned)pb->mode < OX_PB_M__COUNT);
	assert(pb->mode == OX_PB_M_SUGGEST || pb->n_sequence >= 1);
	assert(pb->limit == OX_PB_NO_LIMIT || (pb->limit >= 0 && pb->limit <= OX_PB_LIMIT_MAX));
	static const ox_money amounts[] = { -1, 0, 1, 4990, 20000, 20001, OX_PB_LIMIT_MAX };
	for (size_t i = 0; i < OX_ARRAY_LEN(amounts); i++) {
		ox_money a = amounts[i] < 0 ? 0 : amounts[i];
		bool within = pb->limit != OX_PB_NO_LIMIT && a <= pb->limit;
		enum ox_pb_decision want =
			pb->mode == OX_PB_M_SUGGEST ? OX_PB_D_SUGGEST
			: pb->mode == OX_PB_M_AUTO
				? (pb->limit == OX_PB_NO_LIMIT || within ? OX_PB_D_RUN : OX_PB_D_SUGGEST)
				: (within ? OX_PB_D_RUN : OX_PB_D_APPROVE);
		assert(ox_pb_decide(pb, amounts[i]) == want);
	}
	struct ox_pb_vars vars;
	ox_pb_vars_sample(&vars);
	for (int s = 0; s < OX_PB__NSTEP; s++)
		for (int g = 0; g < OX_PB__NLANG; g++) {
			const char *t = pb->templates[s][g];
			check_text(t);
			assert(ox_pb_template_check(t, strlen(t), NULL, NULL, 0) == 0);
			struct ox_buf out;
			ox_buf_init(&out, OX_PB_RENDER_MAX);
			assert(ox_pb_render(t, &vars, &out, NULL, NULL, 0) == 0);
			ox_buf_release(&out);
		}
	assert(pb->customized <=
	       (OX_PB_SET_CHECKLIST | OX_PB_SET_ACTIONS | OX_PB_SET_AUTO | OX_PB_SET_TEMPLATES));
	if (!(pb->customized & OX_PB_SET_CHECKLIST))
		assert(pb->checklist == builtin->checklist && pb->n_checklist == builtin->n_checklist);
	if (!(pb->customized & OX_PB_SET_ACTIONS))
		assert(pb->n_actions == builtin->n_actions &&
		       !memcmp(pb->actions, builtin->actions, pb->n_actions * sizeof *pb->actions));
	if (!(pb->customized & OX_PB_SET_AUTO))
		assert(pb->mode == builtin->mode && pb->limit == builtin->limit &&
		       pb->n_sequence == builtin->n_sequence);
	if (!(pb->customized & OX_PB_SET_TEMPLATES))
		assert(!memcmp(pb->templates, builtin->templates, sizeof pb->templates));
	check_json(pb, OX_PB_BOTH);
	check_json(pb, (enum ox_pb_lang)(r % 2));
}

static void compare(const struct ox_playbook *a, const struct ox_playbook *b)
{
	assert(a->n_checklist == b->n_checklist && a->n_actions == b->n_actions && a->mode == b->mode &&
	       a->n_sequence == b->n_sequence && a->limit == b->limit && a->customized == b->customized);
	for (size_t i = 0; i < a->n_checklist; i++)
		assert(!strcmp(a->checklist[i].id, b->checklist[i].id) &&
		       !strcmp(a->checklist[i].text[0], b->checklist[i].text[0]) &&
		       !strcmp(a->checklist[i].text[1], b->checklist[i].text[1]));
	assert(!memcmp(a->actions, b->actions, a->n_actions * sizeof *a->actions));
	assert(!memcmp(a->sequence, b->sequence, a->n_sequence * sizeof *a->sequence));
	for (int s = 0; s < OX_PB__NSTEP; s++)
		for (int g = 0; g < OX_PB__NLANG; g++)
			assert(!strcmp(a->templates[s][g], b->templates[s][g]));
}

static void run_section(const char *yaml, size_t size)
{
	static struct ox_playbooks *builtins;
	char err[1024];
	if (!builtins)
		assert(ox_playbooks_load(NULL, &builtins, err, sizeof err) == 0);

	struct ox_playbooks *set = (struct ox_playbooks *)&set;
	memset(err, 'x', sizeof err);
	int rc = ox_playbooks_parse(NAME, yaml, size, &set, err, sizeof err);
	if (rc < 0) {
		assert(rc == -1 && set == NULL);
		check_message(err, sizeof err);
		assert(strncmp(err, NAME ":", strlen(NAME ":")) == 0);
		size_t small = 1 + size % 48;
		char *cut = malloc(small);
		assert(ox_playbooks_parse(NAME, yaml, size, &set, cut, small) == -1 && set == NULL);
		size_t f = strlen(err), c = strlen(cut);
		assert(c == (f < small - 1 ? f : small - 1) && memcmp(cut, err, c) == 0);
		free(cut);
		return;
	}
	assert(rc == 0 && set != NULL);
	for (int r = 0; r < OX_R__COUNT; r++)
		check_playbook(ox_playbook_get(set, (enum ox_rule)r), (enum ox_rule)r,
			       ox_playbook_get(builtins, (enum ox_rule)r));
	for (int c = 0; c < OX_PB__NCAT; c++)
		for (int s = 0; s < OX_PB__NSTEP; s++)
			for (int g = 0; g < OX_PB__NLANG; g++)
				check_text(ox_pb_category_template(set, (enum ox_pb_category)c,
								   (enum ox_pb_step)s, (enum ox_pb_lang)g));
	struct ox_buf all;
	ox_buf_init(&all, OX_PB_ALL_JSON_MAX);
	assert(ox_playbooks_json(set, OX_PB_BOTH, &all) == 0);
	ox_buf_release(&all);

	struct ox_playbooks *again = NULL;
	assert(ox_playbooks_parse(NAME, yaml, size, &again, err, sizeof err) == 0);
	for (int r = 0; r < OX_R__COUNT; r++)
		compare(ox_playbook_get(set, (enum ox_rule)r), ox_playbook_get(again, (enum ox_rule)r));
	ox_playbooks_free(again);
	ox_playbooks_free(set);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly size bytes, so ASan sees any read past the end. */
	char *yaml = malloc(size ? size : 1);
	memcpy(yaml, data, size);
	run_section(yaml, size);
	free(yaml);
	run_template(data, size);
	return 0;
}

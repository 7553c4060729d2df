/* api_playbook.c - the playbooks through the API (docs/playbooks.md): every
 * rule's playbook, one rule's, the resolution taxonomy, a case's playbook
 * spliced into GET /api/v1/cases/{id}, and the preview of a customer
 * message of a case. All read-only: answered on the HTTP thread from the
 * set serve loaded (read-only, shared by the threads) and the case store.
 * Ticking checklist items and resolving are desk actions (api.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_impl.h"
#include "playbook.h"
#include "yamlcfg.h"

const struct ox_playbooks *api_playbooks(struct ox_api *a)
{
	return a->o.playbooks ? a->o.playbooks : a->own_pb;
}

/* ?lang=zh|en, both when absent: false with a 400 written otherwise. */
static bool query_lang(struct ox_http_req *r, enum ox_pb_lang *out)
{
	const char *v = ox_http_query(r, "lang");
	*out = OX_PB_BOTH;
	if (!v || !*v)
		return true;
	int l = ox_pb_lang_parse(v, strlen(v));
	if (l < 0) {
		ox_http_error(r, 400, "invalid query", "lang: expected zh or en");
		return false;
	}
	*out = (enum ox_pb_lang)l;
	return true;
}

/* A JSON writer that reached out's maximum: never with the bounds of
 * playbook.h, but not a partial answer either. */
static void answer(struct ox_http_req *r, int rc)
{
	if (rc < 0) {
		r->out.len = 0;
		ox_http_error(r, 500, "internal error", "the answer is too large");
	} else {
		r->status = 200;
	}
}

/* ---- GET /api/v1/playbooks, /api/v1/playbooks/{rule}, /api/v1/resolutions --------- */

enum ox_http_step api_playbooks_list(void *ctx, struct ox_http_req *r)
{
	enum ox_pb_lang lang;
	if (query_lang(r, &lang))
		answer(r, ox_playbooks_json(api_playbooks(ctx), lang, &r->out));
	return OX_HTTP_DONE;
}

enum ox_http_step api_playbook_get(void *ctx, struct ox_http_req *r)
{
	enum ox_pb_lang lang;
	if (!query_lang(r, &lang))
		return OX_HTTP_DONE;
	int rule = ox_rule_by_code(r->param, strlen(r->param));
	if (rule < 0) {
		struct ox_yaml_near near = { 0 };
		struct ox_str key = { r->param, strlen(r->param) };
		for (int i = 0; i < OX_R__COUNT; i++) {
			const char *code = ox_rule_info((enum ox_rule)i)->code;
			ox_yaml_near_try(&near, key, code, strlen(code));
		}
		char why[160];
		if (near.best)
			snprintf(why, sizeof why, "no rule %.64s (did you mean %.*s?)", r->param, (int)near.len,
				 near.best);
		else
			snprintf(why, sizeof why, "no rule %.64s", r->param);
		ox_http_error(r, 404, "not found", why);
		return OX_HTTP_DONE;
	}
	answer(r, ox_playbook_json(ox_playbook_get(api_playbooks(ctx), (enum ox_rule)rule), lang, &r->out));
	return OX_HTTP_DONE;
}

enum ox_http_step api_resolutions(void *ctx, struct ox_http_req *r)
{
	(void)ctx;
	enum ox_pb_lang lang;
	if (query_lang(r, &lang))
		answer(r, ox_pb_taxonomy_json(lang, &r->out));
	return OX_HTTP_DONE;
}

/* ---- GET /api/v1/cases/{id}: its playbook ------------------------------------------ */

bool api_splice_playbook(struct ox_api *a, struct ox_store *s, struct ox_http_req *r, const char *case_id)
{
	struct ox_case c;
	int rc = ox_store_get_case(s, case_id, &c);
	if (rc) {
		ox_http_error(r, 500, "case store error", ox_store_errmsg(s));
		return false;
	}
	if (r->out.len && r->out.data[r->out.len - 1] == '}') {
		r->out.len--;
		ox_buf_addz(&r->out, ",\"playbook\":");
		int jrc = ox_playbook_json(ox_playbook_get(api_playbooks(a), c.rule), OX_PB_BOTH, &r->out);
		if (jrc == 0)
			ox_buf_addz(&r->out, "}");
		ox_case_release(&c);
		if (jrc < 0) {
			r->out.len = 0;
			ox_http_error(r, 500, "internal error", "the answer is too large");
		}
		return jrc == 0;
	}
	ox_case_release(&c);
	return true;
}

/* ---- POST /api/v1/cases/{id}/messages/preview --------------------------------------- */

/* The body's "vars" object into v (values point into the parsed body,
 * copied to vals): false with a 400 for an unknown name or a value that is
 * not a string. */
static bool body_vars(struct kit *k, struct ox_http_req *r, struct ox_pb_vars *v,
		      char vals[OX_PB_V__COUNT][OX_PB_VALUE_MAX + 1])
{
	const struct ox_json_tok *o = api_body_get(k, "vars");
	char why[200];
	if (!o || o->type == OX_JSON_NULL)
		return true;
	if (o->type != OX_JSON_OBJECT) {
		ox_http_error(r, 400, "invalid body", "vars: expected an object of variable names and values");
		return false;
	}
	for (size_t i = (size_t)(o - k->json.toks) + 1; i < o->end; i = k->json.toks[i + 1].end) {
		const struct ox_json_tok *name = &k->json.toks[i], *val = &k->json.toks[i + 1];
		char q[72];
		snprintf(q, sizeof q, "%.*s", (int)(name->len < 64 ? name->len : 64), name->s);
		int var = ox_pb_var_by_name(name->s, name->len);
		if (var < 0) {
			struct ox_yaml_near near = { 0 };
			for (int x = 0; x < OX_PB_V__COUNT; x++) {
				const char *vn = ox_pb_var_name((enum ox_pb_var)x);
				ox_yaml_near_try(&near, (struct ox_str){ name->s, name->len }, vn, strlen(vn));
			}
			if (near.best)
				snprintf(why, sizeof why, "vars: unknown variable {%s} (did you mean {%.*s}?)", q,
					 (int)near.len, near.best);
			else
				snprintf(why, sizeof why, "vars: unknown variable {%s}", q);
			ox_http_error(r, 400, "invalid body", why);
			return false;
		}
		if (val->type == OX_JSON_NULL)
			continue;
		if (val->type != OX_JSON_STRING || val->len > OX_PB_VALUE_MAX || (val->flags & OX_JSON_F_NUL)) {
			snprintf(why, sizeof why, "vars.%s: expected a string of at most %d bytes", q, OX_PB_VALUE_MAX);
			ox_http_error(r, 400, "invalid body", why);
			return false;
		}
		memcpy(vals[var], val->s, val->len);
		vals[var][val->len] = '\0';
		v->v[var] = vals[var];
	}
	return true;
}

/* A step or a language of the body: false with a 400. */
static bool body_name(struct kit *k, struct ox_http_req *r, const char *key, int (*by_name)(const char *, size_t),
		      const char *expected, int *out)
{
	char word[32], why[200];
	if (!api_body_str(k, r, key, word, sizeof word, true))
		return false;
	if ((*out = by_name(word, strlen(word))) >= 0)
		return true;
	snprintf(why, sizeof why, "%s: expected %s, got \"%s\"", key, expected, word);
	ox_http_error(r, 400, "invalid body", why);
	return false;
}

static int lang_by_name(const char *s, size_t n)
{
	int l = ox_pb_lang_parse(s, n);
	return l == OX_PB_ZH || l == OX_PB_EN ? l : -1;
}

/* The step's template of the case's playbook, in the language, with the
 * variables of the body; order_id (and sku) from the case unless given.
 * Missing variables are no error here: the text keeps them as {name} and
 * *missing has their bits. False with the error written. */
bool api_message_render(struct ox_api *a, struct kit *k, struct ox_http_req *r, struct ox_buf *text, int *step,
			int *lang, uint32_t *missing)
{
	struct ox_pb_vars vars = { { NULL } };
	char(*vals)[OX_PB_VALUE_MAX + 1] = ox_xcalloc(OX_PB_V__COUNT, sizeof *vals);
	struct ox_case c = { .key = NULL };
	struct ox_store *s = NULL;
	bool ok = false;
	*missing = 0;
	if (!api_body_object(k, r) ||
	    !body_name(k, r, "step", ox_pb_step_by_name, "notify, explain, progress, solution or apology", step) ||
	    !body_name(k, r, "lang", lang_by_name, "zh or en", lang) || !body_vars(k, r, &vars, vals) ||
	    !(s = api_kit_store(a, k, r)))
		goto done;
	int rc = ox_store_get_case(s, r->param, &c);
	if (rc == OX_STORE_ENOTFOUND) {
		ox_http_error(r, 404, "not found", r->param);
		goto done;
	} else if (rc) {
		ox_http_error(r, 500, "case store error", ox_store_errmsg(s));
		goto done;
	}
	enum ox_key_kind kind = ox_rule_info(c.rule)->key;
	if (kind == OX_KEY_ORDER && !vars.v[OX_PB_V_ORDER_ID])
		vars.v[OX_PB_V_ORDER_ID] = c.key;
	if (kind == OX_KEY_SKU && !vars.v[OX_PB_V_SKU])
		vars.v[OX_PB_V_SKU] = c.key;
	const struct ox_playbook *pb = ox_playbook_get(api_playbooks(a), c.rule);
	char err[256];
	if (ox_pb_render(pb->templates[*step][*lang], &vars, text, missing, err, sizeof err) < 0 && !*missing) {
		ox_http_error(r, 400, "invalid body", err); /* a value that is no text */
		goto done;
	}
	ok = true;
done:
	ox_case_release(&c);
	free(vals);
	return ok;
}

/* The missing variables' names as a JSON array. */
static void missing_json(struct ox_buf *out, uint32_t missing)
{
	ox_buf_addz(out, "[");
	for (int v = 0, n = 0; v < OX_PB_V__COUNT; v++)
		if (missing & (1u << v))
			ox_buf_addf(out, "%s\"%s\"", n++ ? "," : "", ox_pb_var_name((enum ox_pb_var)v));
	ox_buf_addz(out, "]");
}

/* The rendered message, for the agent to read and fill in before sending. */
enum ox_http_step api_message_preview(void *ctx, struct ox_http_req *r)
{
	struct ox_api *a = ctx;
	struct kit *k = api_kit_take(a);
	struct ox_buf text;
	ox_buf_init(&text, OX_PB_RENDER_MAX);
	int step = 0, lang = 0;
	uint32_t missing;
	if (api_message_render(a, k, r, &text, &step, &lang, &missing)) {
		ox_buf_addz(&r->out, "{\"case_id\":");
		ox_buf_add_json_str(&r->out, r->param, strlen(r->param));
		ox_buf_addf(&r->out, ",\"step\":\"%s\",\"lang\":\"%s\",\"text\":",
			    ox_pb_step_name((enum ox_pb_step)step), ox_pb_lang_name((enum ox_pb_lang)lang));
		ox_buf_add_json_str(&r->out, text.data ? text.data : "", text.len);
		ox_buf_addz(&r->out, ",\"missing\":");
		missing_json(&r->out, missing);
		ox_buf_addz(&r->out, "}");
		r->status = 200;
	}
	ox_buf_release(&text);
	api_kit_give(a, k);
	return OX_HTTP_DONE;
}

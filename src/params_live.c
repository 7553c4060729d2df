/* params_live.c - live changes of the rule parameters (params_live.h). */
#include "params_live.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "rules.h"
#include "yamlcfg.h"

struct override {
	char *key, *value;
};

struct ox_live {
	struct ox_params *p; /* the running parameters (the caller's) */
	char *path;          /* of the base file, for messages; NULL: none */
	char *base;          /* its text, read once: a restart reads it again */
	size_t base_len;
	struct override *ov; /* sorted by key */
	size_t n_ov, cap_ov;
	pthread_rwlock_t lock;
};

__attribute__((format(printf, 3, 4))) static int refuse(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- a change as JSON ------------------------------------------------------ */

void ox_live_change_release(struct ox_live_change *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free((char *)(uintptr_t)c->set[i].key);
		free((char *)(uintptr_t)c->set[i].value);
	}
	memset(c, 0, sizeof(*c));
}

static struct ox_str tok_str(const struct ox_json_tok *t)
{
	return (struct ox_str){ t->s, t->len };
}

/* A value as canonical JSON: strings re-escaped, lists of strings only. */
static int take_value(const struct ox_json *p, const struct ox_json_tok *v, const char *key, struct ox_buf *out,
		      char *err, size_t errsz)
{
	switch (v->type) {
	case OX_JSON_TRUE:
	case OX_JSON_FALSE:
		ox_buf_addz(out, v->type == OX_JSON_TRUE ? "true" : "false");
		return 0;
	case OX_JSON_NUMBER:
		return ox_buf_add(out, v->s, v->len) < 0
			       ? refuse(err, errsz, "%s: a value is at most %d bytes", key, OX_LIVE_VALUE_MAX - 1)
			       : 0;
	case OX_JSON_STRING:
		if (v->flags & OX_JSON_F_NUL)
			return refuse(err, errsz, "%s: a string may not hold U+0000", key);
		return ox_buf_add_json_str(out, v->s, v->len) < 0
			       ? refuse(err, errsz, "%s: a value is at most %d bytes", key, OX_LIVE_VALUE_MAX - 1)
			       : 0;
	case OX_JSON_ARRAY:
		ox_buf_addz(out, "[");
		for (size_t i = (size_t)(v - p->toks) + 1, k = 0; i < v->end; i = p->toks[i].end, k++) {
			const struct ox_json_tok *e = &p->toks[i];
			if (e->type != OX_JSON_STRING || (e->flags & OX_JSON_F_NUL))
				return refuse(err, errsz, "%s: a list holds names (strings)", key);
			ox_buf_addz(out, k ? "," : "");
			if (ox_buf_add_json_str(out, e->s, e->len) < 0)
				return refuse(err, errsz, "%s: a value is at most %d bytes", key, OX_LIVE_VALUE_MAX - 1);
		}
		return ox_buf_addz(out, "]") < 0
			       ? refuse(err, errsz, "%s: a value is at most %d bytes", key, OX_LIVE_VALUE_MAX - 1)
			       : 0;
	default:
		return refuse(err, errsz, "%s: the value must be a string, a number, true, false or a list of names",
			      key);
	}
}

/* key, checked, then its value (NULL: unset) into the next slot of c. */
static int take_set(struct ox_live_change *c, const struct ox_json *p, const struct ox_json_tok *k,
		    const struct ox_json_tok *v, char *err, size_t errsz)
{
	char key[OX_YAML_PATH_MAX];
	if (k->type != OX_JSON_STRING || k->len == 0 || k->len >= sizeof key || !ox_utf8_text_ok(k->s, k->len, true))
		return refuse(err, errsz, "a key is 1..%d bytes of text", OX_YAML_PATH_MAX - 1);
	memcpy(key, k->s, k->len);
	key[k->len] = '\0';
	if (c->n == OX_LIVE_KEYS_MAX)
		return refuse(err, errsz, "at most %d keys in one change", OX_LIVE_KEYS_MAX);
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->set[i].key, key) == 0)
			return refuse(err, errsz, "%s: named twice", key);
	if (ox_config_check_key(key, err, errsz) < 0)
		return -1;
	struct ox_buf b;
	ox_buf_init(&b, OX_LIVE_VALUE_MAX);
	int rc = v ? take_value(p, v, key, &b, err, errsz) : 0;
	if (rc == 0 && v && ox_buf_add(&b, "", 1) < 0)
		rc = refuse(err, errsz, "%s: a value is at most %d bytes", key, OX_LIVE_VALUE_MAX - 1);
	if (rc) {
		ox_buf_release(&b);
		return -1;
	}
	c->set[c->n].key = ox_xstrndup(key, strlen(key));
	c->set[c->n].value = v ? b.data : NULL;
	if (!v)
		ox_buf_release(&b);
	c->n++;
	return 0;
}

static int take_text(const struct ox_json_tok *t, const char *name, char *dst, size_t size, bool required,
		     char *err, size_t errsz)
{
	if (!t && !required)
		return 0;
	if (!t || t->type != OX_JSON_STRING || t->len >= size || (t->flags & OX_JSON_F_NUL) ||
	    !ox_utf8_text_ok(t->s, t->len, true) || (required && t->len == 0))
		return refuse(err, errsz, "%s: %stext of at most %zu bytes", name, required ? "required, " : "", size - 1);
	memcpy(dst, t->s, t->len);
	dst[t->len] = '\0';
	return 0;
}

static int parse_members(struct ox_live_change *c, const struct ox_json *p, bool request, char *err, size_t errsz)
{
	const struct ox_json_tok *set = NULL, *unset = NULL, *note = NULL, *at = NULL, *actor = NULL;
	static const char *const names[] = { "set", "unset", "note", "at", "actor" };
	const struct ox_json_tok **slots[] = { &set, &unset, &note, &at, &actor };
	if (p->toks[0].type != OX_JSON_OBJECT)
		return refuse(err, errsz, "body: a JSON object");
	for (size_t i = 1; i + 1 < p->n && i < p->toks[0].end; i = p->toks[i + 1].end) {
		size_t m = 0, n_allowed = request ? 3 : 5;
		while (m < n_allowed && !ox_str_eqz(tok_str(&p->toks[i]), names[m]))
			m++;
		if (m == n_allowed && !ox_utf8_text_ok(p->toks[i].s, p->toks[i].len, true))
			return refuse(err, errsz, "an unknown member (set, unset, note)");
		if (m == n_allowed)
			return refuse(err, errsz, "%.*s: unknown member (set, unset, note)",
				      (int)ox_utf8_clip(p->toks[i].s, p->toks[i].len, 40), p->toks[i].s);
		*slots[m] = &p->toks[i + 1];
	}
	if (take_text(note, "note", c->note, sizeof c->note, false, err, errsz) < 0)
		return -1;
	if (!request) {
		if (take_text(actor, "actor", c->actor, sizeof c->actor, true, err, errsz) < 0)
			return -1;
		int64_t ms;
		if (!at || at->type != OX_JSON_NUMBER || !(at->flags & OX_JSON_F_INT) ||
		    ox_yaml_parse_int(tok_str(at), &ms) < 0)
			return refuse(err, errsz, "at: an integer (ms)");
		c->at = ms;
	}
	if (set && set->type != OX_JSON_OBJECT)
		return refuse(err, errsz, "set: an object of key: value");
	if (unset && unset->type != OX_JSON_ARRAY)
		return refuse(err, errsz, "unset: a list of keys");
	for (size_t i = set ? (size_t)(set - p->toks) + 1 : 0; set && i < set->end; i = p->toks[i + 1].end)
		if (take_set(c, p, &p->toks[i], &p->toks[i + 1], err, errsz) < 0)
			return -1;
	for (size_t i = unset ? (size_t)(unset - p->toks) + 1 : 0; unset && i < unset->end; i = p->toks[i].end)
		if (take_set(c, p, &p->toks[i], NULL, err, errsz) < 0)
			return -1;
	if (c->n == 0)
		return refuse(err, errsz, "set: at least one key to set or unset");
	return 0;
}

int ox_live_change_parse(struct ox_live_change *c, const char *json, size_t len, bool request, char *err,
			 size_t errsz)
{
	struct ox_json p;
	memset(c, 0, sizeof(*c));
	err[0] = '\0';
	ox_json_init(&p, 3);
	int rc;
	if (ox_json_parse(&p, json, len) < 0)
		rc = refuse(err, errsz, "body: invalid JSON at byte %zu: %s", p.err_col, p.err);
	else
		rc = parse_members(c, &p, request, err, errsz);
	if (rc)
		ox_live_change_release(c);
	ox_json_release(&p);
	return rc;
}

void ox_live_change_write(const struct ox_live_change *c, struct ox_buf *out)
{
	ox_buf_addf(out, "{\"at\":%lld,\"actor\":", (long long)c->at);
	ox_buf_add_json_str(out, c->actor, strlen(c->actor));
	ox_buf_addz(out, ",\"note\":");
	ox_buf_add_json_str(out, c->note, strlen(c->note));
	ox_buf_addz(out, ",\"set\":{");
	size_t k = 0;
	for (size_t i = 0; i < c->n; i++)
		if (c->set[i].value) {
			ox_buf_addz(out, k++ ? "," : "");
			ox_buf_add_json_str(out, c->set[i].key, strlen(c->set[i].key));
			ox_buf_addf(out, ":%s", c->set[i].value);
		}
	ox_buf_addz(out, "},\"unset\":[");
	k = 0;
	for (size_t i = 0; i < c->n; i++)
		if (!c->set[i].value) {
			ox_buf_addz(out, k++ ? "," : "");
			ox_buf_add_json_str(out, c->set[i].key, strlen(c->set[i].key));
		}
	ox_buf_addz(out, "]}");
}

/* ---- the overrides ------------------------------------------------------------ */

static void read_base(struct ox_live *l, FILE *f, char *err, size_t errsz, int *rc)
{
	struct ox_buf b;
	ox_buf_init(&b, OX_CONFIG_FILE_MAX + 1);
	char chunk[8192];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		if (ox_buf_add(&b, chunk, n) < 0) {
			*rc = refuse(err, errsz, "%s: larger than %d bytes", l->path, OX_CONFIG_FILE_MAX);
			ox_buf_release(&b);
			return;
		}
	if (ferror(f)) {
		*rc = refuse(err, errsz, "%s: %s", l->path, strerror(errno));
		ox_buf_release(&b);
		return;
	}
	l->base = b.data;
	l->base_len = b.len;
}

struct ox_live *ox_live_new(const char *path, struct ox_params *p, char *err, size_t errsz)
{
	struct ox_live *l = ox_xcalloc(1, sizeof(*l));
	l->p = p;
	pthread_rwlock_init(&l->lock, NULL);
	int rc = 0;
	if (path) {
		l->path = ox_xstrndup(path, strlen(path));
		FILE *f = fopen(path, "rb");
		if (!f)
			rc = refuse(err, errsz, "%s: %s", path, strerror(errno));
		else {
			read_base(l, f, err, errsz, &rc);
			fclose(f);
		}
	}
	if (rc == 0)
		rc = ox_config_load_with(path ? path : "-", l->base ? l->base : "", l->base_len, NULL, 0, p, err, errsz);
	if (rc) {
		ox_live_free(l);
		return NULL;
	}
	return l;
}

static void free_overrides(struct override *ov, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(ov[i].key);
		free(ov[i].value);
	}
	free(ov);
}

void ox_live_free(struct ox_live *l)
{
	if (!l)
		return;
	free_overrides(l->ov, l->n_ov);
	free(l->path);
	free(l->base);
	pthread_rwlock_destroy(&l->lock);
	free(l);
}

static int by_key(const void *a, const void *b)
{
	return strcmp(((const struct override *)a)->key, ((const struct override *)b)->key);
}

/* The overrides after c, as a new sorted table (*n entries). */
static struct override *merged(const struct ox_live *l, const struct ox_live_change *c, size_t *n)
{
	struct override *ov = ox_xmalloc((l->n_ov + c->n + 1) * sizeof(*ov));
	size_t k = 0;
	for (size_t i = 0; i < l->n_ov; i++) {
		size_t j = 0;
		while (j < c->n && strcmp(c->set[j].key, l->ov[i].key) != 0)
			j++;
		if (j == c->n)
			ov[k++] = (struct override){ ox_xstrndup(l->ov[i].key, strlen(l->ov[i].key)),
						     ox_xstrndup(l->ov[i].value, strlen(l->ov[i].value)) };
	}
	for (size_t j = 0; j < c->n; j++)
		if (c->set[j].value)
			ov[k++] = (struct override){ ox_xstrndup(c->set[j].key, strlen(c->set[j].key)),
						     ox_xstrndup(c->set[j].value, strlen(c->set[j].value)) };
	qsort(ov, k, sizeof(*ov), by_key);
	*n = k;
	return ov;
}

/* The parameters of the base with ov on top into *out (fresh). */
static int rebuild(const struct ox_live *l, const struct override *ov, size_t n, struct ox_params *out, char *err,
		   size_t errsz)
{
	struct ox_config_set *sets = ox_xmalloc((n + 1) * sizeof(*sets));
	for (size_t i = 0; i < n; i++)
		sets[i] = (struct ox_config_set){ ov[i].key, ov[i].value };
	ox_params_init(out);
	int rc = ox_config_load_with(l->path ? l->path : "-", l->base ? l->base : "", l->base_len, sets, n, out, err,
				     errsz);
	free(sets);
	return rc;
}

/* Replace the running parameters' contents with np's (np is emptied). */
static void install(struct ox_live *l, struct ox_params *np, struct override *ov, size_t n)
{
	pthread_rwlock_wrlock(&l->lock);
	free(l->p->channels);
	memcpy(l->p, np, sizeof(*np));
	free_overrides(l->ov, l->n_ov);
	l->ov = ov;
	l->n_ov = l->cap_ov = n;
	pthread_rwlock_unlock(&l->lock);
}

static void write_diff(const struct ox_params *old, const struct ox_params *now, const struct ox_live_change *c,
		       struct ox_buf *diff)
{
	ox_buf_addz(diff, "{\"note\":");
	ox_buf_add_json_str(diff, c->note, strlen(c->note));
	ox_buf_addz(diff, ",\"changes\":[");
	for (size_t i = 0; i < c->n; i++) {
		ox_buf_addz(diff, i ? ",{\"key\":" : "{\"key\":");
		ox_buf_add_json_str(diff, c->set[i].key, strlen(c->set[i].key));
		ox_buf_addz(diff, ",\"old\":");
		ox_config_value_json(old, c->set[i].key, diff);
		ox_buf_addz(diff, ",\"new\":");
		ox_config_value_json(now, c->set[i].key, diff);
		ox_buf_addz(diff, "}");
	}
	ox_buf_addz(diff, "]}");
}

void ox_live_audit_detail(const struct ox_live_change *c, struct ox_buf *diff, size_t max)
{
	if (diff->len <= max)
		return;
	ox_buf_reset(diff);
	ox_buf_addz(diff, "{\"note\":");
	ox_buf_add_json_str(diff, c->note, strlen(c->note));
	ox_buf_addz(diff, ",\"keys\":[");
	for (size_t i = 0; i < c->n; i++) {
		ox_buf_addz(diff, i ? "," : "");
		ox_buf_add_json_str(diff, c->set[i].key, strlen(c->set[i].key));
	}
	ox_buf_addz(diff, "],\"values_left_out\":true}");
}

int ox_live_apply(struct ox_live *l, const struct ox_live_change *c, struct ox_buf *diff, char *err, size_t errsz)
{
	size_t n;
	struct override *ov = merged(l, c, &n);
	struct ox_params *np = ox_xmalloc(sizeof(*np));
	int rc = n > OX_LIVE_OVERRIDES_MAX ? refuse(err, errsz, "at most %d keys changed live at once; unset some",
						    OX_LIVE_OVERRIDES_MAX)
					   : rebuild(l, ov, n, np, err, errsz);
	if (rc == 0) {
		if (diff)
			write_diff(l->p, np, c, diff);
		install(l, np, ov, n);
	} else {
		free_overrides(ov, n);
	}
	free(np);
	return rc;
}

void ox_live_rdlock(struct ox_live *l)
{
	pthread_rwlock_rdlock(&l->lock);
}

void ox_live_unlock(struct ox_live *l)
{
	pthread_rwlock_unlock(&l->lock);
}

/* ---- the listing ------------------------------------------------------------------ */

void ox_live_json(struct ox_live *l, bool writable, struct ox_buf *out)
{
	struct ox_params def;
	ox_params_init(&def);
	ox_live_rdlock(l);
	const struct ox_params *p = l->p;
	ox_buf_addz(out, "{\"parameters\":");
	ox_config_describe(p, out);
	ox_buf_addz(out, ",\"rules\":[");
	for (int r = 0; r < OX_R__COUNT; r++) {
		const struct ox_rule_info *ri = ox_rule_info((enum ox_rule)r);
		ox_buf_addf(out, "%s{\"code\":\"%s\",\"category\":\"%s\",\"title_zh\":", r ? "," : "", ri->code,
			    ri->category);
		ox_buf_add_json_str(out, ri->title_zh, strlen(ri->title_zh));
		ox_buf_addz(out, ",\"title_en\":");
		ox_buf_add_json_str(out, ri->title_en, strlen(ri->title_en));
		ox_buf_addz(out, ",\"value\":");
		ox_config_rule_json(&p->rules[r], out);
		ox_buf_addz(out, ",\"default\":");
		ox_config_rule_json(&def.rules[r], out);
		ox_buf_addz(out, "}");
	}
	ox_buf_addz(out, "],\"channels\":[");
	for (size_t i = 0; i < p->n_channels; i++) {
		ox_buf_addz(out, i ? ",{\"channel\":" : "{\"channel\":");
		ox_buf_add_json_str(out, p->channels[i].channel, strlen(p->channels[i].channel));
		ox_buf_addz(out, ",\"values\":");
		ox_config_channel_json(&p->channels[i].p, out);
		ox_buf_addz(out, "}");
	}
	ox_buf_addz(out, "],\"overrides\":{");
	for (size_t i = 0; i < l->n_ov; i++) {
		ox_buf_addz(out, i ? "," : "");
		ox_buf_add_json_str(out, l->ov[i].key, strlen(l->ov[i].key));
		ox_buf_addf(out, ":%s", l->ov[i].value);
	}
	ox_buf_addf(out, "},\"writable\":%s}", writable ? "true" : "false");
	ox_live_unlock(l);
}

/* ---- snapshots ---------------------------------------------------------------------- */

void ox_live_save(const struct ox_live *l, struct ox_snap_w *w)
{
	ox_snap_tag(w, "LIV1");
	ox_snap_u32(w, l ? (uint32_t)l->n_ov : 0);
	for (size_t i = 0; l && i < l->n_ov; i++) {
		ox_snap_str(w, l->ov[i].key);
		ox_snap_str(w, l->ov[i].value);
	}
}

int ox_live_load(struct ox_live *l, struct ox_snap_r *r)
{
	ox_snap_expect(r, "LIV1");
	uint32_t n = ox_snap_get_u32(r);
	if (!l) {
		if (n)
			ox_snap_r_fail(r, "live parameter changes, and no way to apply them");
		return ox_snap_r_ok(r) ? 0 : -1;
	}
	if (n > OX_LIVE_OVERRIDES_MAX) {
		ox_snap_r_fail(r, "too many live parameter changes");
		return -1; /* never allocate by a count the file says */
	}
	struct override *ov = ox_xcalloc(n + 1, sizeof(*ov));
	size_t k = 0, len;
	for (; k < n && ox_snap_r_ok(r); k++) {
		ov[k].key = ox_snap_get_str(r, OX_YAML_PATH_MAX, &len);
		ov[k].value = ox_snap_get_str(r, OX_LIVE_VALUE_MAX, &len);
		if (!ov[k].key || !ov[k].value)
			ox_snap_r_fail(r, "a live parameter change without key or value");
	}
	struct ox_params *np = ox_xmalloc(sizeof(*np));
	char err[512];
	if (ox_snap_r_ok(r) && rebuild(l, ov, k, np, err, sizeof err) == 0) {
		install(l, np, ov, k);
		free(np);
		return 0;
	}
	/* a base file edited since: the overrides no longer apply to it */
	if (ox_snap_r_ok(r)) {
		fprintf(stderr, "ordex serve: the snapshot's live parameter changes no longer apply: %s\n", err);
		ox_snap_r_fail(r, "live parameter changes that no longer apply to the config file");
	}
	free(np);
	free_overrides(ov, k);
	return -1;
}

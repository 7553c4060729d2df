/* yamlcfg.c - reading a YAML configuration document (see yamlcfg.h). */
#include "yamlcfg.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "textnorm.h"
#include "timefmt.h"

size_t ox_yaml_line(const yaml_node_t *n)
{
	return n->start_mark.line + 1;
}

int ox_yaml_error(struct ox_yaml *y, const yaml_node_t *at, const char *fmt, ...)
{
	int n = snprintf(y->err, y->errsz, "%s:%zu: ", y->name, ox_yaml_line(at));
	if (n >= 0 && (size_t)n < y->errsz) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(y->err + n, y->errsz - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

struct ox_str ox_yaml_str(const yaml_node_t *v)
{
	if (!v || v->type != YAML_SCALAR_NODE)
		return OX_STR_LIT("");
	return (struct ox_str){ (const char *)v->data.scalar.value, v->data.scalar.length };
}

bool ox_yaml_is_plain(const yaml_node_t *v)
{
	return v->type == YAML_SCALAR_NODE && v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

bool ox_yaml_is_null(const yaml_node_t *v)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };
	if (!ox_yaml_is_plain(v))
		return false;
	for (size_t i = 0; i < OX_ARRAY_LEN(nulls); i++)
		if (ox_str_eqz(ox_yaml_str(v), nulls[i]))
			return true;
	return false;
}

void ox_yaml_join(char out[OX_YAML_PATH_MAX], const char *path, struct ox_str key)
{
	size_t n = strnlen(path, OX_YAML_PATH_MAX - 2);
	memcpy(out, path, n);
	if (n)
		out[n++] = '.';
	size_t kl = ox_utf8_clip(key.s, key.len, OX_YAML_PATH_MAX - 1 - n);
	for (size_t i = 0; i < kl; i++) {
		unsigned char ch = (unsigned char)key.s[i];
		out[n + i] = ch < 0x20 || ch == 0x7F ? '?' : (char)ch;
	}
	out[n + kl] = '\0';
}

#define NEAR_MAX 64

static size_t distance(struct ox_str a, const char *b, size_t bl)
{
	size_t row[NEAR_MAX + 1];
	for (size_t j = 0; j <= bl; j++)
		row[j] = j;
	for (size_t i = 1; i <= a.len; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= bl; j++) {
			size_t up = row[j], best = diag + (a.s[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[bl];
}

void ox_yaml_near_try(struct ox_yaml_near *n, struct ox_str key, const char *cand, size_t cl)
{
	if (key.len > NEAR_MAX || cl > NEAR_MAX)
		return;
	size_t d = distance(key, cand, cl);
	if (d <= (cl < 6 ? 1 : cl / 3) && (!n->best || d < n->dist))
		*n = (struct ox_yaml_near){ cand, cl, d };
}

int ox_yaml_unknown(struct ox_yaml *y, const yaml_node_t *at, const char *what, const char *path,
		    struct ox_str key, const struct ox_yaml_near *near)
{
	char full[OX_YAML_PATH_MAX], hint[OX_YAML_PATH_MAX];
	ox_yaml_join(full, path, key);
	if (!near->best)
		return ox_yaml_error(y, at, "unknown %s '%s'", what, full);
	ox_yaml_join(hint, path, (struct ox_str){ near->best, near->len });
	return ox_yaml_error(y, at, "unknown %s '%s' (did you mean '%s'?)", what, full, hint);
}

int ox_yaml_each(struct ox_yaml *y, const char *path, yaml_node_t *m, ox_yaml_pair_fn *fn,
		 void *ctx)
{
	if (ox_yaml_is_null(m))
		return 0;
	if (m->type != YAML_MAPPING_NODE)
		return ox_yaml_error(y, m, "'%s' must be a mapping", path);
	yaml_node_pair_t *first = m->data.mapping.pairs.start;
	for (yaml_node_pair_t *pr = first; pr < m->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = yaml_document_get_node(&y->doc, pr->key);
		yaml_node_t *v = yaml_document_get_node(&y->doc, pr->value);
		if (k->type != YAML_SCALAR_NODE)
			return ox_yaml_error(y, k, "keys must be scalars");
		for (yaml_node_pair_t *q = first; q < pr; q++) {
			yaml_node_t *qk = yaml_document_get_node(&y->doc, q->key);
			if (qk->type == YAML_SCALAR_NODE && ox_str_eq(ox_yaml_str(qk), ox_yaml_str(k))) {
				char full[OX_YAML_PATH_MAX];
				ox_yaml_join(full, path, ox_yaml_str(k));
				return ox_yaml_error(y, k, "duplicate key '%s' (first at line %zu)", full,
						     ox_yaml_line(qk));
			}
		}
		if (fn(y, ctx, path, k, v) < 0)
			return -1;
	}
	return 0;
}

int ox_yaml_items(struct ox_yaml *y, const char *path, yaml_node_t *s, ox_yaml_pair_fn *fn,
		  void *ctx)
{
	if (ox_yaml_is_null(s))
		return 0;
	if (s->type != YAML_SEQUENCE_NODE)
		return ox_yaml_error(y, s, "'%s' must be a list", path);
	size_t i = 0;
	for (yaml_node_item_t *it = s->data.sequence.items.start; it < s->data.sequence.items.top;
	     it++, i++) {
		char item[OX_YAML_PATH_MAX];
		snprintf(item, sizeof item, "%s[%zu]", path, i);
		if (fn(y, ctx, item, NULL, yaml_document_get_node(&y->doc, *it)) < 0)
			return -1;
	}
	return 0;
}

yaml_node_t *ox_yaml_root(struct ox_yaml *y)
{
	return yaml_document_get_root_node(&y->doc);
}

yaml_node_t *ox_yaml_get(struct ox_yaml *y, const yaml_node_t *m, const char *key)
{
	if (!m || m->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *k = yaml_document_get_node(&y->doc, pr->key);
		if (k->type == YAML_SCALAR_NODE && ox_str_eqz(ox_yaml_str(k), key))
			return yaml_document_get_node(&y->doc, pr->value);
	}
	return NULL;
}

struct only_ctx {
	const char *const *known;
};

static int only_key(struct ox_yaml *y, void *ctx, const char *path, yaml_node_t *k, yaml_node_t *v)
{
	const struct only_ctx *o = ctx;
	struct ox_yaml_near near = { 0 };
	(void)v;
	for (const char *const *c = o->known; *c; c++) {
		if (ox_str_eqz(ox_yaml_str(k), *c))
			return 0;
		ox_yaml_near_try(&near, ox_yaml_str(k), *c, strlen(*c));
	}
	return ox_yaml_unknown(y, k, "key", path, ox_yaml_str(k), &near);
}

int ox_yaml_only(struct ox_yaml *y, const char *path, yaml_node_t *m, const char *const *known)
{
	struct only_ctx o = { known };
	return ox_yaml_each(y, path, m, only_key, &o);
}

int ox_yaml_parse_int(struct ox_str s, int64_t *out)
{
	size_t i = (s.len && (s.s[0] == '-' || s.s[0] == '+')) ? 1 : 0;
	bool neg = i && s.s[0] == '-';
	int64_t v = 0;
	if (i == s.len)
		return -1;
	for (; i < s.len; i++) {
		if (s.s[i] < '0' || s.s[i] > '9')
			return -1;
		int d = s.s[i] - '0';
		if (v > (INT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = neg ? -v : v;
	return 0;
}

int ox_yaml_int(struct ox_yaml *y, const char *path, const yaml_node_t *v, int64_t min,
		int64_t max, int64_t *out)
{
	int64_t n;
	if (!ox_yaml_is_plain(v) || ox_yaml_parse_int(ox_yaml_str(v), &n) < 0)
		return ox_yaml_error(y, v, "'%s' must be an integer", path);
	if (n < min)
		return ox_yaml_error(y, v, "'%s' must be >= %lld", path, (long long)min);
	if (n > max)
		return ox_yaml_error(y, v, "'%s' must be <= %lld", path, (long long)max);
	*out = n;
	return 0;
}

int ox_yaml_duration(struct ox_yaml *y, const char *path, const yaml_node_t *v, int64_t min,
		     int64_t max, int64_t *ms)
{
	int64_t d;
	char a[OX_DUR_BUFSZ];
	if (v->type != YAML_SCALAR_NODE ||
	    ox_duration_parse(ox_yaml_str(v).s, ox_yaml_str(v).len, &d) < 0)
		return ox_yaml_error(y, v, "'%s' must be a duration such as 90s, 15m, 72h, 2d or 1h30m",
				     path);
	if (d < min && min <= 1)
		return ox_yaml_error(y, v, "'%s' must be greater than 0", path);
	if (d < min)
		return ox_yaml_error(y, v, "'%s' must be at least %s", path, ox_duration_format(min, a));
	if (d > max && max % OX_MS_DAY == 0)
		return ox_yaml_error(y, v, "'%s' must be at most %lld days", path,
				     (long long)(max / OX_MS_DAY));
	if (d > max)
		return ox_yaml_error(y, v, "'%s' must be at most %s", path, ox_duration_format(max, a));
	*ms = d;
	return 0;
}

int ox_yaml_bool(struct ox_yaml *y, const char *path, const yaml_node_t *v, bool *out)
{
	/* YAML 1.2 core schema: yes/no/on/off are strings, not booleans. */
	static const struct {
		const char *s;
		bool b;
	} bools[] = { { "true", true },	  { "True", true },   { "TRUE", true },
		      { "false", false }, { "False", false }, { "FALSE", false } };
	for (size_t i = 0; ox_yaml_is_plain(v) && i < OX_ARRAY_LEN(bools); i++)
		if (ox_str_eqz(ox_yaml_str(v), bools[i].s)) {
			*out = bools[i].b;
			return 0;
		}
	return ox_yaml_error(y, v, "'%s' must be true or false", path);
}

int ox_yaml_text(struct ox_yaml *y, const char *path, const yaml_node_t *v, size_t max,
		 struct ox_str *out)
{
	struct ox_str s = ox_yaml_str(v);
	if (v->type != YAML_SCALAR_NODE)
		return ox_yaml_error(y, v, "'%s' must be a text", path);
	if (ox_textnorm_trim(s).len == 0)
		return ox_yaml_error(y, v, "'%s' is empty", path);
	if (s.len > max)
		return ox_yaml_error(y, v, "'%s' is longer than %zu bytes", path, max);
	for (size_t i = 0; i < s.len; i++)
		if ((unsigned char)s.s[i] < 0x20 || s.s[i] == 0x7f)
			return ox_yaml_error(y, v, "'%s' contains a control character", path);
	*out = s;
	return 0;
}

int ox_yaml_ident(struct ox_yaml *y, const char *path, const yaml_node_t *v, size_t max,
		  struct ox_str *out)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz"
				       "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.";
	struct ox_str s = ox_yaml_str(v);
	if (v->type != YAML_SCALAR_NODE || s.len == 0 || strspn(s.s, alphabet) < s.len)
		return ox_yaml_error(y, v, "'%s' must be a name of letters, digits, '_', '-' and '.'",
				     path);
	if (s.len > max)
		return ox_yaml_error(y, v, "'%s' is longer than %zu bytes", path, max);
	*out = s;
	return 0;
}

int ox_yaml_money(struct ox_yaml *y, const char *path, const yaml_node_t *v, ox_money max, ox_money none,
		  ox_money *out)
{
	struct ox_str s = ox_yaml_str(v);
	ox_money m;
	char top[OX_MONEY_BUFSZ];
	if (none != 0 && v->type == YAML_SCALAR_NODE && ox_str_eqz(s, "none")) {
		*out = none;
		return 0;
	}
	if (v->type != YAML_SCALAR_NODE || ox_yaml_is_null(v) || ox_money_parse(s.s, s.len, &m) < 0)
		return ox_yaml_error(y, v, "'%s' must be an amount in CNY such as 200 or 49.90%s", path,
				     none != 0 ? ", or none" : "");
	if (m > max)
		return ox_yaml_error(y, v, "'%s' must be at most %s", path, ox_money_format(max, top));
	*out = m;
	return 0;
}

static void parser_error(const yaml_parser_t *ps, const char *name, const char *text, size_t len,
			 char *err, size_t errsz)
{
	size_t line = ps->problem_mark.line + 1;
	if (ps->error == YAML_MEMORY_ERROR) {
		snprintf(err, errsz, "%s: out of memory", name);
		return;
	}
	if (ps->error == YAML_READER_ERROR) {
		/* the reader reports a byte offset, not a mark */
		line = 1;
		for (size_t i = 0; i < ps->problem_offset && i < len; i++)
			line += text[i] == '\n';
	}
	if (ps->context)
		snprintf(err, errsz, "%s:%zu: %s (%s at line %zu)", name, line, ps->problem,
			 ps->context, ps->context_mark.line + 1);
	else
		snprintf(err, errsz, "%s:%zu: %s", name, line,
			 ps->problem ? ps->problem : "invalid YAML");
}

int ox_yaml_load(struct ox_yaml *y, const char *name, const char *text, size_t len, char *err,
		 size_t errsz)
{
	yaml_parser_t ps;
	yaml_document_t next;
	int rc = -1;
	*y = (struct ox_yaml){ .name = name, .err = err, .errsz = errsz };
	if (!yaml_parser_initialize(&ps)) {
		snprintf(err, errsz, "%s: out of memory", name);
		return -1;
	}
	yaml_parser_set_input_string(&ps, (const unsigned char *)text, len);
	if (!yaml_parser_load(&ps, &y->doc)) {
		parser_error(&ps, name, text, len, err, errsz);
	} else if (!yaml_parser_load(&ps, &next)) {
		parser_error(&ps, name, text, len, err, errsz);
		yaml_document_delete(&y->doc);
	} else {
		/* a second document is an error */
		yaml_node_t *root = yaml_document_get_root_node(&next);
		if (root && !ox_yaml_is_null(root)) {
			snprintf(err, errsz, "%s:%zu: only one YAML document is allowed", name,
				 ox_yaml_line(root));
			yaml_document_delete(&y->doc);
		} else {
			rc = 0;
		}
		yaml_document_delete(&next);
	}
	yaml_parser_delete(&ps);
	return rc;
}

int ox_yaml_load_file(struct ox_yaml *y, const char *path, char *err, size_t errsz)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	char *buf = ox_xmalloc(OX_YAML_FILE_MAX + 1);
	size_t n = fread(buf, 1, OX_YAML_FILE_MAX + 1, f);
	int rc = -1;
	if (ferror(f))
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
	else if (n > OX_YAML_FILE_MAX)
		snprintf(err, errsz, "%s: larger than %d bytes", path, OX_YAML_FILE_MAX);
	else
		rc = ox_yaml_load(y, path, buf, n, err, errsz);
	fclose(f);
	free(buf);
	return rc;
}

void ox_yaml_free(struct ox_yaml *y)
{
	yaml_document_delete(&y->doc);
}

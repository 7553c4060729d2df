/* blacklist_io.c - the blacklist's text forms (blacklist.h): a change as a
 * log record and as a request body (JSON, table-driven), an entry as JSON
 * and CSV, the listing cursor, and the CSV import. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "blacklist.h"
#include "json.h"
#include "textnorm.h"

__attribute__((format(printf, 2, 3))) static int refuse(char err[256], const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, 256, fmt, ap);
	va_end(ap);
	return OX_BL_EINVAL;
}

/* At most 32 bytes of s (any bytes) for a message, cut between characters;
 * what is not UTF-8 text becomes '?': the message stays one line of valid
 * UTF-8. */
static const char *shown(char out[40], const char *s, size_t n)
{
	size_t o = 0;
	for (size_t i = 0, k; i < n; i += k) {
		uint32_t cp;
		k = ox_utf8_seq(s, n, i, &cp);
		bool ok = k && ox_utf8_text_ok(s + i, k, true);
		if (!ok)
			k = 1;
		if (o + k > 32)
			break;
		if (ok)
			memcpy(out + o, s + i, k);
		else
			out[o] = '?';
		o += ok ? k : 1;
	}
	out[o] = '\0';
	return out;
}

/* "customer, phone, device, ip or address" */
static const char *kinds_expected(char out[96])
{
	size_t o = 0;
	for (size_t i = 0; i < OX_BL__KINDS; i++)
		o += (size_t)snprintf(out + o, 96 - o, "%s%s", i == 0 ? "" : i + 1 < OX_BL__KINDS ? ", " : " or ",
				      ox_bl_kind_name((enum ox_bl_kind)i));
	return out;
}

/* ---- an entry ---------------------------------------------------------------------- */

void ox_bl_entry_json(const struct ox_bl_entry *e, struct ox_buf *out)
{
	ox_buf_addf(out, "{\"kind\":\"%s\",\"value\":", ox_bl_kind_name(e->kind));
	ox_buf_add_json_str(out, e->value.s, e->value.len);
	ox_buf_addz(out, ",\"reason\":");
	ox_buf_add_json_str(out, e->reason.s, e->reason.len);
	ox_buf_addz(out, ",\"expires_at\":");
	ox_time_json(out, e->expires_at);
	ox_buf_addz(out, ",\"added_by\":");
	ox_buf_add_json_str(out, e->added_by, strlen(e->added_by));
	ox_buf_addz(out, ",\"added_at\":");
	ox_time_json(out, e->added_at);
	ox_buf_addf(out, ",\"source\":\"%s\"}", ox_bl_source_name(e->source));
}

void ox_bl_item_entry(const struct ox_bl_op *op, size_t i, struct ox_bl_entry *e)
{
	const struct ox_bl_item *it = &op->items[i];
	*e = (struct ox_bl_entry){
		.kind = it->kind, .value = { it->value, it->len },
		.reason = { it->reason ? it->reason : "", it->reason_len }, .expires_at = it->expires_at,
		.added_at = op->at, .added_by = op->actor, .source = OX_BL_SRC_API,
	};
}

void ox_bl_cursor_write(const struct ox_bl_entry *e, struct ox_buf *out)
{
	ox_buf_addf(out, "%s:", ox_bl_kind_name(e->kind));
	ox_buf_add(out, e->value.s, e->value.len);
}

int ox_bl_cursor_parse(struct ox_str s, int *kind, struct ox_str *value)
{
	const char *colon = s.len ? memchr(s.s, ':', s.len) : NULL;
	enum ox_bl_kind k;
	if (!colon || !ox_bl_kind_parse((struct ox_str){ s.s, (size_t)(colon - s.s) }, &k))
		return -1;
	*kind = (int)k;
	*value = (struct ox_str){ colon + 1, s.len - (size_t)(colon + 1 - s.s) };
	return 0;
}

/* ---- a change as JSON ------------------------------------------------------------- */

static void item_json(const struct ox_bl_op *op, const struct ox_bl_item *it, struct ox_buf *out)
{
	ox_buf_addf(out, "{\"kind\":\"%s\",\"value\":", ox_bl_kind_name(it->kind));
	ox_buf_add_json_str(out, it->value, it->len);
	if (op->op == OX_BL_OP_ADD) {
		ox_buf_addz(out, ",\"reason\":");
		ox_buf_add_json_str(out, it->reason ? it->reason : "", it->reason_len);
		if (it->expires_at == OX_TIME_NONE)
			ox_buf_addz(out, ",\"expires_at\":null");
		else
			ox_buf_addf(out, ",\"expires_at\":%" PRId64, it->expires_at);
	}
	ox_buf_addz(out, "}");
}

void ox_bl_op_write(const struct ox_bl_op *op, size_t max, struct ox_buf *out)
{
	ox_buf_addf(out, "{\"op\":\"%s\",\"at\":%" PRId64 ",\"by\":", ox_bl_op_name(op->op), op->at);
	ox_buf_add_json_str(out, op->actor, strlen(op->actor));
	ox_buf_addz(out, ",\"entries\":[");
	size_t start = out->len, omitted = 0;
	for (size_t i = 0; i < op->n; i++) {
		size_t before = out->len;
		if (i)
			ox_buf_addz(out, ",");
		item_json(op, &op->items[i], out);
		if (max != SIZE_MAX && out->len - start > max) {
			out->len = before;
			omitted = op->n - i;
			break;
		}
	}
	ox_buf_addz(out, "]");
	if (omitted)
		ox_buf_addf(out, ",\"omitted\":%zu", omitted);
	ox_buf_addz(out, "}");
}

/* How a text is read: a log record (times in ms) or a request body (times
 * in RFC 3339, a ttl, values normalized). */
enum mode { M_RECORD, M_REQUEST };

enum op_field { OF_OP, OF_AT, OF_BY, OF_ENTRIES, OF__COUNT };
static const char *const op_fields[OF__COUNT] = { "op", "at", "by", "entries" };

enum entry_field { EF_KIND, EF_VALUE, EF_REASON, EF_EXPIRES_AT, EF_TTL, EF__COUNT };
static const char *const entry_fields[EF__COUNT] = { "kind", "value", "reason", "expires_at", "ttl" };
#define EF_BIT(f) (1u << (f))

/* "entries[3].kind", "kind" */
static const char *member(char out[64], const char *where, const char *name)
{
	snprintf(out, 64, "%s%s%s", where, where[0] ? "." : "", name);
	return out;
}

/* The members of the object p->toks[obj] by name into m[], each one of
 * the allowed names, and once. */
static int members(const struct ox_json *p, size_t obj, const char *const *names, size_t n_names, unsigned allowed,
		   const struct ox_json_tok **m, const char *where, char err[256])
{
	char q[40], path[64];
	for (size_t f = 0; f < n_names; f++)
		m[f] = NULL;
	size_t i = obj + 1;
	for (uint32_t k = 0; k < p->toks[obj].size; k++, i = p->toks[i + 1].end) {
		const struct ox_json_tok *key = &p->toks[i];
		size_t f = 0;
		while (f < n_names && !((allowed & EF_BIT(f)) && key->len == strlen(names[f]) &&
					memcmp(key->s, names[f], key->len) == 0))
			f++;
		if (f == n_names)
			return refuse(err, "%s%sunknown member \"%s\"", where, where[0] ? ": " : "",
				      shown(q, key->s, key->len));
		if (m[f])
			return refuse(err, "%s: given twice", member(path, where, names[f]));
		m[f] = &p->toks[i + 1];
	}
	return 0;
}

static bool is_null(const struct ox_json_tok *t)
{
	return !t || t->type == OX_JSON_NULL;
}

/* A string member without NUL into *s; missing is fine unless required. */
static int take_str(const struct ox_json_tok *t, const char *path, bool required, struct ox_str *s, char err[256])
{
	*s = OX_STR_NULL;
	if (is_null(t))
		return required ? refuse(err, "%s: required", path) : 0;
	if (t->type != OX_JSON_STRING)
		return refuse(err, "%s: expected a string", path);
	if (t->flags & OX_JSON_F_NUL)
		return refuse(err, "%s: holds a NUL character", path);
	*s = (struct ox_str){ t->s, t->len };
	return 0;
}

/* Milliseconds since the epoch: up to 15 digits (the year 33658). */
static int take_ms(const struct ox_json_tok *t, const char *path, ox_time *v, char err[256])
{
	char num[16];
	if (t->type != OX_JSON_NUMBER || !(t->flags & OX_JSON_F_INT) || t->len >= sizeof num || t->s[0] == '-')
		return refuse(err, "%s: expected milliseconds since the epoch", path);
	memcpy(num, t->s, t->len);
	num[t->len] = '\0';
	*v = strtoll(num, NULL, 10);
	return 0;
}

/* A value as a record holds it: stored already, so checked, not normalized. */
static int item_stored(struct ox_bl_op *op, enum ox_bl_kind kind, struct ox_str value, struct ox_str reason,
		       ox_time expires_at, const char *where, char err[256])
{
	char path[64];
	if (value.len == 0 || value.len > OX_BL_VALUE_MAX || !ox_utf8_text_ok(value.s, value.len, true))
		return refuse(err, "%s: not a stored value", member(path, where, "value"));
	if (reason.len > OX_BL_REASON_MAX || !ox_utf8_text_ok(reason.s, reason.len, true))
		return refuse(err, "%s: %s", member(path, where, "reason"), ox_bl_strerror(OX_BL_EREASON));
	if (expires_at != OX_TIME_NONE && expires_at > OX_BL_TIME_LAST)
		return refuse(err, "%s: after the year 9999", member(path, where, "expires_at"));
	if (op->n >= OX_BL_OP_MAX)
		return refuse(err, "entries: more than %d", OX_BL_OP_MAX);
	OX_GROW(op->items, op->cap, op->n + 1);
	op->items[op->n++] = (struct ox_bl_item){
		.kind = kind, .value = ox_xstrndup(value.s, value.len), .len = value.len,
		.reason = reason.len ? ox_xstrndup(reason.s, reason.len) : NULL, .reason_len = reason.len,
		.expires_at = expires_at,
	};
	return 0;
}

/* The entry object p->toks[obj] appended to op. where: "entries[3]" or "". */
static int take_entry(struct ox_bl_op *op, const struct ox_json *p, size_t obj, enum mode mode, const char *where,
		      char err[256])
{
	char path[64], q[40], expected[96];
	if (p->toks[obj].type != OX_JSON_OBJECT)
		return refuse(err, "%s: expected an object", where[0] ? where : "body");
	unsigned allowed = mode == M_REQUEST	      ? EF_BIT(EF__COUNT) - 1
			   : op->op == OX_BL_OP_ADD ? EF_BIT(EF_KIND) | EF_BIT(EF_VALUE) | EF_BIT(EF_REASON) |
							      EF_BIT(EF_EXPIRES_AT)
						    : EF_BIT(EF_KIND) | EF_BIT(EF_VALUE);
	const struct ox_json_tok *m[EF__COUNT];
	int rc = members(p, obj, entry_fields, EF__COUNT, allowed, m, where, err);
	struct ox_str kname, value, reason;
	if (rc || (rc = take_str(m[EF_KIND], member(path, where, "kind"), true, &kname, err)) ||
	    (rc = take_str(m[EF_VALUE], member(path, where, "value"), true, &value, err)) ||
	    (rc = take_str(m[EF_REASON], member(path, where, "reason"), false, &reason, err)))
		return rc;
	enum ox_bl_kind kind;
	if (!ox_bl_kind_parse(kname, &kind))
		return refuse(err, "%s: unknown kind \"%s\" (expected %s)", member(path, where, "kind"),
			      shown(q, kname.s, kname.len), kinds_expected(expected));
	ox_time expires = OX_TIME_NONE;
	int64_t ttl = 0;
	const struct ox_json_tok *t = m[EF_EXPIRES_AT];
	member(path, where, "expires_at");
	if (!is_null(t) && mode == M_RECORD && (rc = take_ms(t, path, &expires, err)))
		return rc;
	if (!is_null(t) && mode == M_REQUEST &&
	    (t->type != OX_JSON_STRING || ox_time_parse(t->s, t->len, &expires) < 0))
		return refuse(err, "%s: expected an RFC 3339 time with an offset", path);
	t = m[EF_TTL];
	member(path, where, "ttl");
	if (!is_null(t) && (t->type != OX_JSON_STRING || ox_duration_parse(t->s, t->len, &ttl) < 0 || ttl <= 0))
		return refuse(err, "%s: expected a duration such as \"72h\" or \"30d\"", path);
	if (ttl && expires != OX_TIME_NONE)
		return refuse(err, "%s: give expires_at or ttl, not both", where[0] ? where : "body");
	if (mode == M_RECORD)
		return item_stored(op, kind, value, reason, expires, where, err);
	const char *bad = "value";
	rc = ox_bl_op_item(op, kind, value, reason, expires, ttl, &bad);
	if (rc == OX_BL_EFULL)
		return refuse(err, "entries: more than %d", OX_BL_OP_MAX);
	if (rc == OX_BL_EINVAL && strcmp(bad, "expires_at") == 0)
		return refuse(err, "%s: before 1970 or after the year 9999", member(path, where, bad));
	if (rc)
		return refuse(err, "%s: %s", member(path, where, bad), ox_bl_strerror(rc));
	return 0;
}

static int parse_json(struct ox_json *p, const char *json, size_t len, char err[256])
{
	if (ox_json_parse(p, json, len) < 0)
		return refuse(err, "not JSON: %s at byte %zu", p->err, p->err_col);
	if (p->toks[0].type != OX_JSON_OBJECT)
		return refuse(err, "expected a JSON object");
	return 0;
}

/* The elements of the array member t (1..max), each an entry. */
static int take_entries(struct ox_bl_op *op, const struct ox_json *p, const struct ox_json_tok *t, size_t max,
			enum mode mode, char err[256])
{
	if (is_null(t))
		return refuse(err, "entries: required");
	if (t->type != OX_JSON_ARRAY || t->size == 0 || t->size > max)
		return refuse(err, "entries: expected a list of 1 to %zu entries", max);
	size_t j = (size_t)(t - p->toks) + 1;
	for (uint32_t k = 0; k < t->size; k++, j = p->toks[j].end) {
		char where[32];
		snprintf(where, sizeof where, "entries[%" PRIu32 "]", k);
		int rc = take_entry(op, p, j, mode, where, err);
		if (rc)
			return rc;
	}
	return 0;
}

int ox_bl_op_parse(struct ox_bl_op *op, const char *json, size_t len, char err[256])
{
	struct ox_json p;
	ox_json_init(&p, 4);
	ox_bl_op_init(op, OX_BL_OP_ADD);
	const struct ox_json_tok *m[OF__COUNT];
	struct ox_str name, by;
	int rc = parse_json(&p, json, len, err);
	if (rc || (rc = members(&p, 0, op_fields, OF__COUNT, EF_BIT(OF__COUNT) - 1, m, "", err)) ||
	    (rc = take_str(m[OF_OP], "op", true, &name, err)) || (rc = take_str(m[OF_BY], "by", true, &by, err)))
		goto done;
	int k = 0;
	while (k < OX_BL__OPS && !ox_str_eqz(name, ox_bl_op_name((enum ox_bl_op_kind)k)))
		k++;
	char q[40];
	if (k == OX_BL__OPS) {
		rc = refuse(err, "op: unknown value \"%s\"", shown(q, name.s, name.len));
		goto done;
	}
	op->op = (enum ox_bl_op_kind)k;
	if (by.len == 0 || by.len >= sizeof op->actor || !ox_utf8_text_ok(by.s, by.len, true)) {
		rc = refuse(err, "by: 1 to %zu bytes of text", sizeof op->actor - 1);
		goto done;
	}
	memcpy(op->actor, by.s, by.len);
	op->actor[by.len] = '\0';
	if (is_null(m[OF_AT])) {
		rc = refuse(err, "at: required");
		goto done;
	}
	if ((rc = take_ms(m[OF_AT], "at", &op->at, err)))
		goto done;
	rc = take_entries(op, &p, m[OF_ENTRIES], OX_BL_OP_MAX, M_RECORD, err);
done:
	if (rc)
		ox_bl_op_release(op);
	ox_json_release(&p);
	return rc;
}

int ox_bl_request_parse(struct ox_bl_op *op, const char *json, size_t len, size_t max_entries, char err[256])
{
	struct ox_json p;
	ox_json_init(&p, 4);
	ox_bl_op_init(op, OX_BL_OP_ADD);
	int rc = parse_json(&p, json, len, err);
	if (rc)
		goto done;
	const struct ox_json_tok *entries = NULL;
	for (size_t i = 1; i + 1 < p.n && !entries; i = p.toks[i + 1].end)
		if (ox_str_eqz((struct ox_str){ p.toks[i].s, p.toks[i].len }, "entries"))
			entries = &p.toks[i + 1];
	if (!entries)
		rc = take_entry(op, &p, 0, M_REQUEST, "", err);
	else if (p.toks[0].size != 1)
		rc = refuse(err, "body: either one entry or {\"entries\":[...]} alone");
	else
		rc = take_entries(op, &p, entries, max_entries, M_REQUEST, err);
done:
	if (rc)
		ox_bl_op_release(op);
	ox_json_release(&p);
	return rc;
}

/* ---- CSV ------------------------------------------------------------------------------ */

/* One field, RFC 4180: quoted when it holds a comma, a quote or a line
 * break, quotes doubled. */
static void csv_field(struct ox_buf *out, const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && s[i] != ',' && s[i] != '"' && s[i] != '\r' && s[i] != '\n')
		i++;
	if (i == n) {
		ox_buf_add(out, s, n);
		return;
	}
	ox_buf_addz(out, "\"");
	for (size_t from = 0, j = 0; j <= n; j++)
		if (j == n || s[j] == '"') {
			ox_buf_add(out, s + from, j - from);
			if (j < n)
				ox_buf_addz(out, "\"\"");
			from = j + 1;
		}
	ox_buf_addz(out, "\"");
}

static void csv_time(struct ox_buf *out, ox_time t)
{
	char tb[OX_TIME_BUFSZ];
	if (t != OX_TIME_NONE)
		ox_buf_addz(out, ox_time_format(t, OX_TZ_CST, tb));
}

void ox_bl_entry_csv(const struct ox_bl_entry *e, struct ox_buf *out)
{
	ox_buf_addf(out, "%s,", ox_bl_kind_name(e->kind));
	csv_field(out, e->value.s, e->value.len);
	ox_buf_addz(out, ",");
	csv_field(out, e->reason.s, e->reason.len);
	ox_buf_addz(out, ",");
	csv_time(out, e->expires_at);
	ox_buf_addz(out, ",");
	csv_field(out, e->added_by, strlen(e->added_by));
	ox_buf_addz(out, ",");
	csv_time(out, e->added_at);
	ox_buf_addf(out, ",%s\r\n", ox_bl_source_name(e->source));
}

enum col { C_KIND, C_VALUE, C_REASON, C_EXPIRES_AT, C_ADDED_BY, C_ADDED_AT, C_SOURCE, C__COUNT };
static const char *const col_names[C__COUNT] = { "kind", "value", "reason", "expires_at",
						 "added_by", "added_at", "source" };

/* The fields of one record: their text in sc (quotes undone), the first
 * CSV_FIELDS of them placed, all of them counted. */
#define CSV_FIELDS 16
struct csv_rec {
	struct ox_buf sc;
	size_t off[CSV_FIELDS], len[CSV_FIELDS];
	size_t n;
	bool quoted; /* the first field was quoted (an empty quoted field is not a blank line) */
};

static struct ox_str rec_field(const struct csv_rec *r, size_t i)
{
	return (struct ox_str){ r->sc.data ? r->sc.data + r->off[i] : "", r->len[i] };
}

/* Past the end of the physical line at *pos. */
static void skip_line(const char *buf, size_t len, size_t *pos, size_t *line)
{
	const char *nl = memchr(buf + *pos, '\n', len - *pos);
	*pos = nl ? (size_t)(nl - buf) + 1 : len;
	*line += nl != NULL;
}

/* A CR that ends a record (before LF, or at the end of the body). */
static bool csv_cr_end(const char *buf, size_t len, size_t p)
{
	return buf[p] == '\r' && (p + 1 == len || buf[p + 1] == '\n');
}

/* Read the record at *pos into r. Returns 1, 0 at the end of the body, or
 * -1 with why (the rest of the physical line skipped). *line counts the
 * line breaks read. */
static int csv_record(const char *buf, size_t len, size_t *pos, size_t *line, struct csv_rec *r, const char **why)
{
	size_t p = *pos;
	if (p >= len)
		return 0;
	ox_buf_reset(&r->sc);
	r->n = 0;
	r->quoted = p < len && buf[p] == '"';
	for (;;) {
		size_t start = r->sc.len;
		if (p < len && buf[p] == '"') {
			for (p++;; p++) {
				if (p >= len) {
					*why = "a quoted field is not closed";
					*pos = len;
					return -1;
				}
				if (buf[p] == '"') {
					if (p + 1 < len && buf[p + 1] == '"') {
						ox_buf_add(&r->sc, "\"", 1);
						p++;
						continue;
					}
					p++;
					break;
				}
				*line += buf[p] == '\n';
				ox_buf_add(&r->sc, buf + p, 1);
			}
			if (p < len && buf[p] != ',' && buf[p] != '\n' && !csv_cr_end(buf, len, p)) {
				*why = "text after a closing quote";
				*pos = p;
				skip_line(buf, len, pos, line);
				return -1;
			}
		} else {
			size_t from = p;
			while (p < len && buf[p] != ',' && buf[p] != '\n' && !csv_cr_end(buf, len, p)) {
				if (buf[p] == '"') {
					*why = "a quote inside an unquoted field (quote the field and double the quote)";
					*pos = p;
					skip_line(buf, len, pos, line);
					return -1;
				}
				p++;
			}
			ox_buf_add(&r->sc, buf + from, p - from);
		}
		if (r->n < CSV_FIELDS) {
			r->off[r->n] = start;
			r->len[r->n] = r->sc.len - start;
		}
		r->n++;
		if (p < len && buf[p] == ',') {
			p++;
			continue;
		}
		if (p < len && buf[p] == '\r')
			p++;
		if (p < len && buf[p] == '\n') {
			p++;
			(*line)++;
		}
		*pos = p;
		return 1;
	}
}

/* A line of white space alone. */
static bool rec_blank(const struct csv_rec *r)
{
	return r->n == 1 && !r->quoted && ox_textnorm_trim(rec_field(r, 0)).len == 0;
}

/* The header: which column each field is. */
static int csv_header(const struct csv_rec *r, size_t line, int cols[CSV_FIELDS], char err[256])
{
	char q[40];
	bool seen[C__COUNT] = { false };
	if (r->n > C__COUNT)
		return refuse(err, "line %zu: %zu columns, at most %d", line, r->n, C__COUNT);
	for (size_t i = 0; i < r->n; i++) {
		struct ox_str name = ox_textnorm_trim(rec_field(r, i));
		int c = 0;
		while (c < C__COUNT && !ox_str_eqz(name, col_names[c]))
			c++;
		if (c == C__COUNT)
			return refuse(err,
				      "line %zu: unknown column \"%s\" (expected kind, value, reason, expires_at, "
				      "added_by, added_at, source)",
				      line, shown(q, name.s, name.len));
		if (seen[c])
			return refuse(err, "line %zu: column %s twice", line, col_names[c]);
		seen[c] = true;
		cols[i] = c;
	}
	if (!seen[C_KIND] || !seen[C_VALUE])
		return refuse(err, "line %zu: the header must name the columns kind and value at least", line);
	return 0;
}

/* One data record as an entry of op; false with why. */
static bool csv_entry(struct ox_bl_op *op, const struct csv_rec *r, const int cols[CSV_FIELDS], size_t ncols,
		      ox_time now, char why[192])
{
	char q[40], expected[96], t1[OX_TIME_BUFSZ], t2[OX_TIME_BUFSZ];
	if (r->n != ncols) {
		snprintf(why, 192, "expected %zu fields, got %zu", ncols, r->n);
		return false;
	}
	struct ox_str f[C__COUNT] = { OX_STR_NULL };
	for (size_t i = 0; i < ncols; i++)
		f[cols[i]] = rec_field(r, i);
	struct ox_str kname = ox_textnorm_trim(f[C_KIND]), exp_s = ox_textnorm_trim(f[C_EXPIRES_AT]);
	enum ox_bl_kind kind;
	if (!ox_bl_kind_parse(kname, &kind)) {
		snprintf(why, 192, "kind: unknown kind \"%s\" (expected %s)", shown(q, kname.s, kname.len),
			 kinds_expected(expected));
		return false;
	}
	ox_time expires = OX_TIME_NONE;
	if (exp_s.len && ox_time_parse(exp_s.s, exp_s.len, &expires) < 0) {
		snprintf(why, 192, "expires_at: expected an RFC 3339 time with an offset, or nothing");
		return false;
	}
	if (expires != OX_TIME_NONE && now != OX_TIME_NONE && expires <= now) {
		snprintf(why, 192, "expires_at: %s is not after the event clock, %s", ox_time_format(expires, OX_TZ_CST, t1),
			 ox_time_format(now, OX_TZ_CST, t2));
		return false;
	}
	const char *bad = "value";
	int rc = ox_bl_op_item(op, kind, f[C_VALUE], f[C_REASON], expires, 0, &bad);
	if (rc) {
		snprintf(why, 192, "%s: %s", bad,
			 rc == OX_BL_EINVAL ? "before 1970 or after the year 9999" : ox_bl_strerror(rc));
		return false;
	}
	return true;
}

static void csv_reject(struct ox_bl_csv_report *rep, size_t line, const char *why)
{
	rep->rejected++;
	if (rep->n_errors == OX_BL_CSV_ERRORS_MAX)
		return;
	rep->errors[rep->n_errors].line = line;
	snprintf(rep->errors[rep->n_errors].error, sizeof rep->errors[0].error, "%s", why);
	rep->n_errors++;
}

/* Drop op's items from n on. */
static void op_truncate(struct ox_bl_op *op, size_t n)
{
	for (size_t i = n; i < op->n; i++) {
		free(op->items[i].value);
		free(op->items[i].reason);
	}
	op->n = n;
}

int ox_bl_csv_parse(struct ox_bl_op *op, const char *buf, size_t len, ox_time now, struct ox_bl_csv_report *rep,
		    char err[256])
{
	rep->records = rep->rejected = rep->n_errors = 0;
	size_t base = op->n, pos = 0, line = 1;
	if (len && memchr(buf, '\0', len))
		return refuse(err, "the body holds a NUL byte");
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
		pos = 3;
	struct csv_rec r = { .n = 0 };
	ox_buf_init(&r.sc, SIZE_MAX);
	int cols[CSV_FIELDS], rc = 0;
	size_t ncols = 0;
	const char *why;
	/* the header: the first line that is not blank */
	for (;;) {
		size_t at = line;
		int got = csv_record(buf, len, &pos, &line, &r, &why);
		if (got == 1 && rec_blank(&r))
			continue;
		if (got <= 0) {
			rc = got == 0 ? refuse(err, "a header naming the columns is required, with kind and value at least")
				      : refuse(err, "line %zu: %s", at, why);
			goto done;
		}
		if ((rc = csv_header(&r, at, cols, err)))
			goto done;
		ncols = r.n;
		break;
	}
	for (;;) {
		size_t at = line;
		char reason[192];
		int got = csv_record(buf, len, &pos, &line, &r, &why);
		if (got == 0)
			break;
		if (got == 1 && rec_blank(&r))
			continue;
		if (++rep->records > OX_BL_CSV_ROWS_MAX) {
			rc = refuse(err, "more than %d records (line %zu)", OX_BL_CSV_ROWS_MAX, at);
			goto done;
		}
		if (got < 0)
			csv_reject(rep, at, why);
		else if (!csv_entry(op, &r, cols, ncols, now, reason))
			csv_reject(rep, at, reason);
	}
done:
	ox_buf_release(&r.sc);
	if (rc)
		op_truncate(op, base);
	return rc;
}

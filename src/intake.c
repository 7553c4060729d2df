/* intake.c - see intake.h. */
#include "intake.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "divisions.h"
#include "mask.h"
#include "phone.h"
#include "textnorm.h"

static const struct {
	const char *code, *field, *zh, *en;
} codes[] = {
#define X(e, code, field, zh, en) [OX_IN_##e] = { code, field, zh, en },
	OX_INTAKE_PROBLEMS(X)
#undef X
};

const char *ox_intake_code_name(enum ox_intake_code c)
{
	return (size_t)c < OX_ARRAY_LEN(codes) ? codes[c].code : NULL;
}

int ox_intake_code_of_addr(enum ox_addr_problem pr)
{
	static const int map[OX_ADDR__COUNT] = {
		[OX_ADDR_OK] = -1,
		[OX_ADDR_EMPTY_PROVINCE] = OX_IN_EMPTY_PROVINCE,
		[OX_ADDR_EMPTY_CITY] = OX_IN_EMPTY_CITY,
		[OX_ADDR_EMPTY_DISTRICT] = OX_IN_EMPTY_DISTRICT,
		[OX_ADDR_DETAIL_TOO_SHORT] = OX_IN_DETAIL_TOO_SHORT,
		[OX_ADDR_UNKNOWN_PROVINCE] = OX_IN_UNKNOWN_PROVINCE,
		[OX_ADDR_CITY_NOT_IN_PROVINCE] = OX_IN_CITY_NOT_IN_PROVINCE,
		[OX_ADDR_DISTRICT_NOT_IN_CITY] = OX_IN_DISTRICT_NOT_IN_CITY,
	};
	return (size_t)pr < OX_ARRAY_LEN(map) ? map[pr] : -1;
}

/* ---- messages ------------------------------------------------------------------ */

/* The values a message template may name (intake.h). */
struct vars {
	struct ox_str phone, remark, keywords, i, sku, qty, max, total, sum;
};

/* Expand tmpl into out[cap], never cutting a code point. */
static size_t expand(const char *tmpl, const struct vars *v, char *out, size_t cap)
{
	const struct {
		const char *tag;
		const struct ox_str *val;
	} tags[] = {
		{ "{phone}", &v->phone }, { "{remark}", &v->remark }, { "{keywords}", &v->keywords },
		{ "{i}", &v->i },         { "{sku}", &v->sku },       { "{qty}", &v->qty },
		{ "{max}", &v->max },     { "{total}", &v->total },   { "{sum}", &v->sum },
	};
	struct ox_textnorm t;
	ox_textnorm_init(&t, out, cap);
	for (const char *s = tmpl; *s;) {
		size_t i = 0, n = strcspn(s + 1, "{") + 1;
		for (; i < OX_ARRAY_LEN(tags); i++)
			if (strncmp(s, tags[i].tag, strlen(tags[i].tag)) == 0)
				break;
		if (i == OX_ARRAY_LEN(tags)) {
			ox_textnorm_put_raw(&t, s, n);
			s += n;
			continue;
		}
		s += strlen(tags[i].tag);
		if (tags[i].val->len)
			ox_textnorm_put_raw(&t, tags[i].val->s, tags[i].val->len);
	}
	return ox_textnorm_finish(&t);
}

static void message(enum ox_intake_code c, const struct vars *v, char zh[OX_INTAKE_MSG_MAX],
		    char en[OX_INTAKE_MSG_MAX])
{
	expand(codes[c].zh, v, zh, OX_INTAKE_MSG_MAX);
	expand(codes[c].en, v, en, OX_INTAKE_MSG_MAX);
}

/* ---- the checks the rules share ------------------------------------------------ */

enum ox_addr_problem ox_intake_address(const struct ox_address *a, char zh[OX_INTAKE_MSG_MAX],
				       char en[OX_INTAKE_MSG_MAX])
{
	enum ox_addr_problem pr = ox_address_check(a);
	if (pr != OX_ADDR_OK) {
		ox_addr_problem_zh(pr, a, zh, OX_INTAKE_MSG_MAX);
		ox_addr_problem_en(pr, a, en, OX_INTAKE_MSG_MAX);
	}
	return pr;
}

int ox_intake_phone(struct ox_str phone, struct ox_buf *scratch, char zh[OX_INTAKE_MSG_MAX],
		    char en[OX_INTAKE_MSG_MAX])
{
	if (ox_phone_valid(phone))
		return -1;
	struct vars v = { 0 };
	if (!phone.len) {
		message(OX_IN_PHONE_EMPTY, &v, zh, en);
		return OX_IN_PHONE_EMPTY;
	}
	/* Quoted masked: a reason reaches every role and chat channel, and a
	 * number one digit short is still somebody's number. */
	ox_buf_reset(scratch);
	ox_mask_phone(phone.s, phone.len, scratch);
	v.phone = ox_str_z(scratch->data);
	message(OX_IN_PHONE_INVALID, &v, zh, en);
	return OX_IN_PHONE_INVALID;
}

/* ASCII letters compare case-insensitively; other bytes exactly. */
static bool contains_folded(struct ox_str hay, const char *needle)
{
	size_t n = strlen(needle);
	for (size_t i = 0; n && i + n <= hay.len; i++) {
		size_t j = 0;
		while (j < n) {
			unsigned char a = (unsigned char)hay.s[i + j], b = (unsigned char)needle[j];
			if (a >= 'A' && a <= 'Z')
				a = (unsigned char)(a - 'A' + 'a');
			if (b >= 'A' && b <= 'Z')
				b = (unsigned char)(b - 'A' + 'a');
			if (a != b)
				break;
			j++;
		}
		if (j == n)
			return true;
	}
	return false;
}

bool ox_intake_remark(struct ox_str remark, const struct ox_name_list *keywords, struct ox_buf *found,
		      char zh[OX_INTAKE_MSG_MAX], char en[OX_INTAKE_MSG_MAX])
{
	ox_buf_reset(found);
	for (size_t i = 0; i < keywords->n; i++)
		if (contains_folded(remark, keywords->names[i]))
			ox_buf_addf(found, "%s%s", found->len ? "、" : "", keywords->names[i]);
	if (!found->len)
		return false;
	struct vars v = { 0 };
	v.remark = (struct ox_str){ remark.s, ox_utf8_clip(remark.s, remark.len, 150) };
	v.keywords = (struct ox_str){ found->data, ox_utf8_clip(found->data, found->len, 200) };
	message(OX_IN_REMARK_ATTENTION, &v, zh, en);
	return true;
}

/* ---- parsing the service's body ------------------------------------------------ */

struct parse {
	const struct ox_json *j;
	char *err;
	size_t errsz;
};

static int bad(struct parse *p, const char *path, const char *why)
{
	snprintf(p->err, p->errsz, "%s: %s", path, why);
	return -1;
}

/* The value of key in the object at token obj, or 0 (token 0 is the body
 * itself, never a member's value). A JSON null counts as absent. */
static size_t member(const struct ox_json *j, size_t obj, const char *key)
{
	size_t kl = strlen(key);
	for (size_t i = obj + 1; i < j->toks[obj].end; i = j->toks[i + 1].end)
		if (j->toks[i].len == kl && memcmp(j->toks[i].s, key, kl) == 0)
			return j->toks[i + 1].type == OX_JSON_NULL ? 0 : i + 1;
	return 0;
}

static int get_str(struct parse *p, size_t obj, const char *key, const char *path, struct ox_str *out,
		   uint32_t *has, uint32_t bit)
{
	size_t t = member(p->j, obj, key);
	if (!t)
		return 0;
	const struct ox_json_tok *v = &p->j->toks[t];
	if (v->type != OX_JSON_STRING)
		return bad(p, path, "expected a string");
	if (v->flags & OX_JSON_F_NUL)
		return bad(p, path, "contains U+0000");
	*out = (struct ox_str){ v->s, v->len };
	if (has)
		*has |= bit;
	return 0;
}

static int get_time(struct parse *p, size_t obj, const char *key, const char *path, ox_time *out, uint32_t *has,
		    uint32_t bit)
{
	struct ox_str s = OX_STR_NULL;
	uint32_t here = 0;
	if (get_str(p, obj, key, path, &s, &here, 1))
		return -1;
	if (!here)
		return 0;
	if (ox_time_parse(s.s, s.len, out))
		return bad(p, path, "expected an RFC 3339 time with an offset");
	if (has)
		*has |= bit;
	return 0;
}

static int get_money(struct parse *p, size_t obj, const char *key, const char *path, ox_money *out)
{
	struct ox_str s = OX_STR_NULL;
	uint32_t here = 0;
	if (get_str(p, obj, key, path, &s, &here, 1))
		return -1;
	if (here && ox_money_parse(s.s, s.len, out))
		return bad(p, path, "money must be a decimal string such as \"119.80\"");
	return 0;
}

static int get_object(struct parse *p, size_t obj, const char *key, const char *path, size_t *out)
{
	size_t t = member(p->j, obj, key);
	if (t && p->j->toks[t].type != OX_JSON_OBJECT)
		return bad(p, path, "expected an object");
	*out = t;
	return 0;
}

static int get_qty(struct parse *p, size_t obj, const char *path, int64_t *out)
{
	size_t t = member(p->j, obj, "qty");
	if (!t)
		return bad(p, path, "required");
	const struct ox_json_tok *v = &p->j->toks[t];
	char buf[32];
	if (v->type != OX_JSON_NUMBER || !(v->flags & OX_JSON_F_INT) || v->len >= sizeof buf)
		return bad(p, path, "expected an integer");
	memcpy(buf, v->s, v->len);
	buf[v->len] = '\0';
	errno = 0;
	long long q = strtoll(buf, NULL, 10);
	if (errno)
		return bad(p, path, "out of range");
	*out = q;
	return 0;
}

static int parse_items(struct parse *p, struct ox_intake_order *o, size_t arr)
{
	const struct ox_json *j = p->j;
	if (j->toks[arr].type != OX_JSON_ARRAY)
		return bad(p, "items", "expected an array");
	size_t n = j->toks[arr].size;
	if (n > OX_INTAKE_ITEMS_MAX)
		return bad(p, "items", "more than 1000 items");
	if (n > o->cap) {
		o->items = ox_xrealloc(o->items, n * sizeof *o->items);
		o->cap = n;
	}
	char path[48];
	size_t t = arr + 1;
	for (size_t i = 0; i < n; i++, t = j->toks[t].end) {
		struct ox_item *it = &o->items[i];
		*it = (struct ox_item){ OX_STR_NULL, 0, 0 };
		snprintf(path, sizeof path, "items[%zu]", i);
		if (j->toks[t].type != OX_JSON_OBJECT)
			return bad(p, path, "expected an object");
		snprintf(path, sizeof path, "items[%zu].sku", i);
		if (get_str(p, t, "sku", path, &it->sku, NULL, 0))
			return -1;
		snprintf(path, sizeof path, "items[%zu].qty", i);
		if (get_qty(p, t, path, &it->qty))
			return -1;
		snprintf(path, sizeof path, "items[%zu].price", i);
		if (get_money(p, t, "price", path, &it->price))
			return -1;
	}
	o->ev.items = o->items;
	o->ev.n_items = n;
	return 0;
}

int ox_intake_parse(struct ox_intake_order *o, struct ox_json *j, const char *body, size_t len, char *err,
		    size_t errsz)
{
	struct parse p = { j, err, errsz };
	struct ox_event *ev = &o->ev;
	memset(ev, 0, sizeof *ev);
	ev->type = OX_EV_ORDER_CREATED;
	ev->ts = ev->pay_by = ev->ship_by = ev->deliver_by = ev->customer.registered_at = OX_TIME_NONE;
	if (ox_json_parse(j, body, len) < 0) {
		snprintf(err, errsz, "invalid JSON: %s at byte %zu", j->err, j->err_col);
		return -1;
	}
	if (j->toks[0].type != OX_JSON_OBJECT)
		return bad(&p, "body", "expected a JSON object");
	struct ox_str type = OX_STR_NULL;
	if (get_str(&p, 0, "type", "type", &type, NULL, 0))
		return -1;
	if (type.len && !ox_str_eqz(type, "order.created"))
		return bad(&p, "type", "must be order.created when given");
	uint32_t *has = &ev->has;
	struct ox_customer *c = &ev->customer;
	size_t cust = 0, addr = 0, coupon = 0;
	if (get_str(&p, 0, "id", "id", &ev->id, NULL, 0) || get_str(&p, 0, "order_id", "order_id", &ev->order_id, NULL, 0) ||
	    get_str(&p, 0, "source", "source", &ev->source, has, OX_HAS_SOURCE) ||
	    get_time(&p, 0, "ts", "ts", &ev->ts, NULL, 0) ||
	    get_str(&p, 0, "channel", "channel", &ev->channel, NULL, 0) ||
	    get_str(&p, 0, "shop", "shop", &ev->shop, has, OX_HAS_SHOP) ||
	    get_object(&p, 0, "customer", "customer", &cust) ||
	    get_money(&p, 0, "total", "total", &ev->total) ||
	    get_str(&p, 0, "currency", "currency", &ev->currency, has, OX_HAS_CURRENCY) ||
	    get_object(&p, 0, "coupon", "coupon", &coupon) ||
	    get_str(&p, 0, "remark", "remark", &ev->remark, has, OX_HAS_REMARK) ||
	    get_time(&p, 0, "pay_by", "pay_by", &ev->pay_by, has, OX_HAS_PAY_BY) ||
	    get_time(&p, 0, "ship_by", "ship_by", &ev->ship_by, has, OX_HAS_SHIP_BY) ||
	    get_time(&p, 0, "deliver_by", "deliver_by", &ev->deliver_by, has, OX_HAS_DELIVER_BY))
		return -1;
	if (cust && (get_str(&p, cust, "id", "customer.id", &c->id, has, OX_HAS_CUSTOMER_ID) ||
		     get_time(&p, cust, "registered_at", "customer.registered_at", &c->registered_at, has,
			      OX_HAS_REGISTERED_AT) ||
		     get_str(&p, cust, "name", "customer.name", &c->name, has, OX_HAS_NAME) ||
		     get_str(&p, cust, "phone", "customer.phone", &c->phone, has, OX_HAS_PHONE) ||
		     get_str(&p, cust, "ip", "customer.ip", &c->ip, has, OX_HAS_IP) ||
		     get_str(&p, cust, "device_id", "customer.device_id", &c->device_id, has, OX_HAS_DEVICE_ID) ||
		     get_object(&p, cust, "address", "customer.address", &addr)))
		return -1;
	struct ox_address *a = &c->address;
	if (addr && (get_str(&p, addr, "province", "customer.address.province", &a->province, has, OX_HAS_PROVINCE) ||
		     get_str(&p, addr, "city", "customer.address.city", &a->city, has, OX_HAS_CITY) ||
		     get_str(&p, addr, "district", "customer.address.district", &a->district, has, OX_HAS_DISTRICT) ||
		     get_str(&p, addr, "detail", "customer.address.detail", &a->detail, has, OX_HAS_DETAIL)))
		return -1;
	if (coupon) {
		if (get_str(&p, coupon, "code", "coupon.code", &ev->coupon_code, has, OX_HAS_COUPON) ||
		    get_money(&p, coupon, "amount", "coupon.amount", &ev->coupon_amount))
			return -1;
		if (!(ev->has & OX_HAS_COUPON) || !ev->coupon_code.len)
			return bad(&p, "coupon.code", "required with a coupon");
	}
	size_t items = member(j, 0, "items");
	if (items && parse_items(&p, o, items))
		return -1;
	if (!items) {
		o->ev.items = o->items;
		o->ev.n_items = 0;
	}
	ev->raw = (struct ox_str){ body, len };
	return 0;
}

void ox_intake_order_release(struct ox_intake_order *o)
{
	free(o->items);
	o->items = NULL;
	o->cap = 0;
}

/* ---- suggestions ------------------------------------------------------------ */

/* Suffixes of division names, the longer first: a name less its suffix is
 * its stem (广西壮族自治区 -> 广西, 南山区 -> 南山). */
static const char *const suffixes[] = {
	"特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州", "自治县", "自治旗",
	"地区", "林区", "新区", "省", "市", "区", "县", "旗", "盟",
};

#define STEM_MIN 6 /* bytes: two CJK characters, so that 和县 keeps its 和县 */

static struct ox_str stem_of(struct ox_str s)
{
	for (size_t i = 0; i < OX_ARRAY_LEN(suffixes); i++) {
		size_t n = strlen(suffixes[i]);
		if (s.len >= n + STEM_MIN && memcmp(s.s + s.len - n, suffixes[i], n) == 0)
			return (struct ox_str){ s.s, s.len - n };
	}
	return s;
}

/* How well what the buyer wrote matches a division name: 3 the same, 2 the
 * same but for its suffix (南山 or 南山县 for 南山区), 1 a prefix of two
 * characters or more, 0 not at all. */
struct want {
	struct ox_str in, stem;
};

static struct want want_of(struct ox_str s)
{
	struct ox_str t = ox_textnorm_trim(s);
	return (struct want){ t, stem_of(t) };
}

static int name_match(const struct want *w, const char *name)
{
	if (!w->in.len)
		return 0;
	struct ox_str n = ox_str_z(name);
	if (ox_str_eq(w->in, n))
		return 3;
	struct ox_str ns = stem_of(n);
	if (ox_str_eq(w->in, ns) || (w->stem.len < w->in.len && ox_str_eq(w->stem, ns)))
		return 2;
	if (w->in.len >= STEM_MIN && n.len > w->in.len && memcmp(n.s, w->in.s, w->in.len) == 0)
		return 1;
	return 0;
}

/* A municipality's city as written: its own name or a placeholder. */
static int municipal_city_match(const struct want *w, size_t p, size_t c)
{
	int m = name_match(w, ox_div_province_name(p));
	int placeholder = name_match(w, ox_div_city_name(p, c)) == 3 ? 3 : 0;
	return m > placeholder ? m : placeholder;
}

bool ox_intake_suggest_address(const struct ox_address *a, struct ox_intake_fix *fix)
{
	struct want wp = want_of(a->province), wc = want_of(a->city), wd = want_of(a->district);
	if (!wd.in.len)
		return false;
	int best = 0;
	size_t bp = 0, bc = 0, bd = 0;
	bool tie = false;
	for (size_t p = 0; p < ox_div_province_count(); p++) {
		int sp = name_match(&wp, ox_div_province_name(p));
		bool muni = ox_div_is_municipality(p);
		for (size_t c = 0; c < ox_div_city_count(p); c++) {
			int sc = muni ? municipal_city_match(&wc, p, c) : name_match(&wc, ox_div_city_name(p, c));
			if (sp + sc == 0 || sp + sc + 3 < best)
				continue;
			for (size_t d = 0; d < ox_div_district_count(p, c); d++) {
				int sd = name_match(&wd, ox_div_district_name(p, c, d));
				if (!sd || sp + sc + sd < best)
					continue;
				if (sp + sc + sd == best) {
					/* the same division reached twice (a municipality's two
					 * placeholders) is no tie */
					tie = tie || p != bp || strcmp(ox_div_district_name(p, c, d),
								       ox_div_district_name(bp, bc, bd)) != 0;
					continue;
				}
				best = sp + sc + sd;
				bp = p, bc = c, bd = d;
				tie = false;
			}
		}
	}
	if (!best || tie)
		return false;
	const char *prov = ox_div_province_name(bp);
	const char *city = ox_div_is_municipality(bp) ? prov : ox_div_city_name(bp, bc);
	const char *dist = ox_div_district_name(bp, bc, bd);
	if (strlen(prov) >= sizeof fix->province || strlen(city) >= sizeof fix->city ||
	    strlen(dist) >= sizeof fix->district)
		return false;
	struct ox_address check = { ox_str_z(prov), ox_str_z(city), ox_str_z(dist), OX_STR_LIT("一二三四") };
	if (ox_address_check(&check) != OX_ADDR_OK)
		return false; /* never suggest what the rule would refuse */
	snprintf(fix->province, sizeof fix->province, "%s", prov);
	snprintf(fix->city, sizeof fix->city, "%s", city);
	snprintf(fix->district, sizeof fix->district, "%s", dist);
	return true;
}

/* A phone written with separators, brackets or full-width digits that is
 * valid once only its digits (and a leading +) are kept. */
static bool suggest_phone(struct ox_str phone, char *out, size_t cap)
{
	char buf[64];
	size_t n = 0;
	for (size_t i = 0; i < phone.len && n + 1 < sizeof buf;) {
		unsigned char b = (unsigned char)phone.s[i];
		if (b >= '0' && b <= '9') {
			buf[n++] = (char)b;
			i++;
		} else if (b == 0xEF && i + 2 < phone.len && (unsigned char)phone.s[i + 1] == 0xBC &&
			   (unsigned char)phone.s[i + 2] >= 0x90 && (unsigned char)phone.s[i + 2] <= 0x99) {
			buf[n++] = (char)('0' + ((unsigned char)phone.s[i + 2] - 0x90)); /* ０..９ */
			i += 3;
		} else {
			if (b == '+' && n == 0)
				buf[n++] = '+';
			i++;
		}
	}
	buf[n] = '\0';
	struct ox_str d = { buf, n };
	if (!n || !ox_phone_valid(d))
		return false;
	ox_phone_normalize(d, out, cap);
	return true;
}

/* ---- the service's verdict --------------------------------------------------- */

static struct ox_intake_problem *add(struct ox_intake_report *rep, enum ox_intake_code code, size_t item)
{
	if (code != OX_IN_REMARK_ATTENTION)
		rep->valid = false;
	if (rep->n == OX_INTAKE_PROBLEMS_MAX) {
		rep->more++;
		return NULL;
	}
	struct ox_intake_problem *pr = &rep->p[rep->n++];
	memset(pr, 0, sizeof *pr);
	pr->code = code;
	char idx[24];
	snprintf(idx, sizeof idx, "%zu", item);
	struct vars v = { .i = ox_str_z(idx) };
	expand(codes[code].field, &v, pr->field, sizeof pr->field);
	return pr;
}

static void add_address(struct ox_intake_report *rep, const struct ox_address *a, enum ox_addr_problem pr)
{
	struct ox_intake_problem *p = add(rep, (enum ox_intake_code)ox_intake_code_of_addr(pr), 0);
	if (!p)
		return;
	ox_addr_problem_zh(pr, a, p->zh, sizeof p->zh);
	ox_addr_problem_en(pr, a, p->en, sizeof p->en);
	if (pr != OX_ADDR_DETAIL_TOO_SHORT)
		p->has_fix = ox_intake_suggest_address(a, &p->fix);
}

static void check_address(const struct ox_event *ev, struct ox_intake_report *rep)
{
	const struct ox_address *a = &ev->customer.address;
	enum ox_addr_problem pr = ox_address_check(a);
	if (pr == OX_ADDR_OK)
		return;
	add_address(rep, a, pr);
	/* The rule names the first problem; the buyer wants every one fixed at
	 * once, so a detail too short is named after a division problem too. */
	struct ox_str t = ox_textnorm_trim(a->detail);
	if (pr != OX_ADDR_DETAIL_TOO_SHORT && ox_utf8_len(t.s, t.len) < OX_ADDR_DETAIL_MIN)
		add_address(rep, a, OX_ADDR_DETAIL_TOO_SHORT);
}

static void check_phone(const struct ox_event *ev, struct ox_intake_report *rep, struct ox_buf *scratch)
{
	char zh[OX_INTAKE_MSG_MAX], en[OX_INTAKE_MSG_MAX];
	int code = ox_intake_phone(ev->customer.phone, scratch, zh, en);
	if (code < 0)
		return;
	struct ox_intake_problem *p = add(rep, (enum ox_intake_code)code, 0);
	if (!p)
		return;
	memcpy(p->zh, zh, sizeof zh);
	memcpy(p->en, en, sizeof en);
	p->has_fix = suggest_phone(ev->customer.phone, p->fix.phone, sizeof p->fix.phone);
}

static void item_problem(struct ox_intake_report *rep, enum ox_intake_code code, size_t i, const struct ox_item *it,
			 int64_t max)
{
	struct ox_intake_problem *p = add(rep, code, i);
	if (!p)
		return;
	char qty[24], lim[24];
	snprintf(qty, sizeof qty, "%" PRId64, it->qty);
	snprintf(lim, sizeof lim, "%" PRId64, max);
	struct vars v = { .sku = { it->sku.s, ox_utf8_clip(it->sku.s, it->sku.len, 100) },
			  .qty = ox_str_z(qty), .max = ox_str_z(lim) };
	message(code, &v, p->zh, p->en);
}

static void check_items(const struct ox_event *ev, const struct ox_order_params *op, struct ox_intake_report *rep)
{
	if (!ev->n_items) {
		struct ox_intake_problem *p = add(rep, OX_IN_ITEMS_EMPTY, 0);
		if (p)
			message(OX_IN_ITEMS_EMPTY, &(struct vars){ 0 }, p->zh, p->en);
		return;
	}
	bool sum_ok = true;
	ox_money sum = 0;
	for (size_t i = 0; i < ev->n_items; i++) {
		const struct ox_item *it = &ev->items[i];
		if (it->qty <= 0) {
			item_problem(rep, OX_IN_QTY_NOT_POSITIVE, i, it, op->fraud_max_qty);
			sum_ok = false;
			continue;
		}
		if (it->qty >= op->fraud_max_qty) /* FRD_SUSPECT's quantity term */
			item_problem(rep, OX_IN_QTY_ABOVE_MAX, i, it, op->fraud_max_qty);
		ox_money line;
		if (__builtin_mul_overflow(it->price, it->qty, &line) || __builtin_add_overflow(sum, line, &sum))
			sum_ok = false;
	}
	if (!sum_ok)
		return;
	ox_money most = sum - ((ev->has & OX_HAS_COUPON) ? ev->coupon_amount : 0);
	if (most < 0)
		most = 0;
	if (ev->total <= most)
		return;
	struct ox_intake_problem *p = add(rep, OX_IN_TOTAL_ABOVE_ITEMS, 0);
	if (!p)
		return;
	char total[OX_MONEY_BUFSZ], most_s[OX_MONEY_BUFSZ];
	struct vars v = { .total = ox_str_z(ox_money_format(ev->total, total)),
			  .sum = ox_str_z(ox_money_format(most, most_s)) };
	message(OX_IN_TOTAL_ABOVE_ITEMS, &v, p->zh, p->en);
	p->has_fix = true;
	snprintf(p->fix.total, sizeof p->fix.total, "%s", most_s);
}

void ox_intake_check(const struct ox_event *ev, const struct ox_params *p, struct ox_intake_report *rep,
		     struct ox_buf *scratch)
{
	rep->valid = true;
	rep->n = rep->more = 0;
	const struct ox_order_params *op = ox_params_for_channel(p, ev->channel.s, ev->channel.len);
	check_address(ev, rep);
	check_phone(ev, rep, scratch);
	check_items(ev, op, rep);
	char zh[OX_INTAKE_MSG_MAX], en[OX_INTAKE_MSG_MAX];
	if ((ev->has & OX_HAS_REMARK) && ox_intake_remark(ev->remark, &p->remark_keywords, scratch, zh, en)) {
		struct ox_intake_problem *pr = add(rep, OX_IN_REMARK_ATTENTION, 0);
		if (pr) {
			memcpy(pr->zh, zh, sizeof zh);
			memcpy(pr->en, en, sizeof en);
		}
	}
}

static void fix_json(const struct ox_intake_fix *f, struct ox_buf *out)
{
	const struct {
		const char *key, *val;
	} m[] = {
		{ "province", f->province }, { "city", f->city }, { "district", f->district },
		{ "phone", f->phone },       { "total", f->total },
	};
	const char *sep = "{";
	for (size_t i = 0; i < OX_ARRAY_LEN(m); i++)
		if (m[i].val[0]) {
			ox_buf_addf(out, "%s\"%s\":", sep, m[i].key);
			ox_buf_add_json_str(out, m[i].val, strlen(m[i].val));
			sep = ",";
		}
	ox_buf_addz(out, "}");
}

void ox_intake_report_json(const struct ox_intake_report *rep, struct ox_buf *out)
{
	ox_buf_addf(out, "{\"valid\":%s,\"problems\":[", rep->valid ? "true" : "false");
	for (size_t i = 0; i < rep->n; i++) {
		const struct ox_intake_problem *p = &rep->p[i];
		ox_buf_addf(out, "%s{\"field\":", i ? "," : "");
		ox_buf_add_json_str(out, p->field, strlen(p->field));
		ox_buf_addf(out, ",\"code\":\"%s\",\"message_zh\":", codes[p->code].code);
		ox_buf_add_json_str(out, p->zh, strlen(p->zh));
		ox_buf_addz(out, ",\"message_en\":");
		ox_buf_add_json_str(out, p->en, strlen(p->en));
		ox_buf_addz(out, ",\"suggestion\":");
		if (p->has_fix)
			fix_json(&p->fix, out);
		else
			ox_buf_addz(out, "null");
		ox_buf_addz(out, "}");
	}
	ox_buf_addz(out, "]");
	if (rep->more)
		ox_buf_addf(out, ",\"problems_truncated\":%zu", rep->more);
	ox_buf_addz(out, "}");
}

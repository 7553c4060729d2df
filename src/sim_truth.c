/* sim_truth.c - the labels that depend on the whole stream rather than on
 * one injected anomaly: FRD_SUSPECT scores and FRD_BLACKLIST hits over all
 * orders (so an accidental match is labelled too), INC_BURST over all
 * labelled cases, INC_PAYMENT_RATE over the stream in arrival order. Each
 * follows the definition of rules.md step by step.
 */
#include <stdlib.h>

#include "address.h"
#include "blacklist.h"
#include "phone.h"
#include "sim_int.h"
#include "textnorm.h"

#define MIN OX_MS_MINUTE
#define HOUR OX_MS_HOUR
#define NONE OX_TIME_NONE

/* ---- FRD_SUSPECT ---------------------------------------------------------- */

/* Who used a value when: a chain per value, newest first. */
struct use {
	ox_time ts;
	uint32_t customer;
	uint32_t next; /* index + 1 into uses, 0: end */
};

struct uses {
	struct use *v;
	size_t n, cap;
	uint64_t *keys; /* open addressing; 0 = empty */
	uint32_t *head;
	size_t slots, used;
};

static size_t slot_of(const struct uses *u, uint64_t key)
{
	size_t i = (size_t)key & (u->slots - 1);
	while (u->keys[i] && u->keys[i] != key)
		i = (i + 1) & (u->slots - 1);
	return i;
}

static void uses_grow(struct uses *u)
{
	size_t old = u->slots;
	uint64_t *keys = u->keys;
	uint32_t *head = u->head;
	u->slots = old ? old * 2 : 1024;
	u->keys = ox_xcalloc(u->slots, sizeof *u->keys);
	u->head = ox_xcalloc(u->slots, sizeof *u->head);
	for (size_t i = 0; i < old; i++)
		if (keys[i]) {
			size_t j = slot_of(u, keys[i]);
			u->keys[j] = keys[i];
			u->head[j] = head[i];
		}
	free(keys);
	free(head);
}

static uint64_t key_of(char tag, const char *a, size_t an, const char *b, size_t bn)
{
	char buf[512];
	size_t n = 0;
	buf[n++] = tag;
	for (size_t i = 0; i < an && n < sizeof buf; i++)
		buf[n++] = a[i];
	if (n < sizeof buf)
		buf[n++] = '\0';
	for (size_t i = 0; i < bn && n < sizeof buf; i++)
		buf[n++] = b[i];
	uint64_t h = ox_hash64(buf, n);
	return h ? h : 1;
}

/* Distinct customers among this value's uses in [t - window, t], plus
 * `self` (or, with `orders`, uses); counting stops at `enough`. Uses are
 * chained newest accepted first: late events arrive at most 15 minutes
 * late, so the walk may stop an hour past the window. */
static int distinct(const struct uses *u, uint64_t key, ox_time t, int64_t window, uint32_t self, int enough,
		    bool orders)
{
	uint32_t seen[64];
	int n = 1;
	seen[0] = self;
	size_t i = slot_of(u, key);
	for (uint32_t at = u->keys[i] ? u->head[i] : 0; at && n < enough && n < 64; at = u->v[at - 1].next) {
		const struct use *x = &u->v[at - 1];
		if (x->ts < t - window - HOUR)
			break;
		if (x->ts < t - window || x->ts > t)
			continue;
		bool dup = false;
		for (int j = 0; j < n && !orders; j++)
			dup |= seen[j] == x->customer;
		if (!dup)
			seen[n++] = x->customer;
	}
	return n;
}

static void remember(struct uses *u, uint64_t key, ox_time ts, uint32_t customer)
{
	if (2 * (u->used + 1) > u->slots)
		uses_grow(u);
	size_t i = slot_of(u, key);
	if (!u->keys[i]) {
		u->keys[i] = key;
		u->head[i] = 0;
		u->used++;
	}
	OX_GROW(u->v, u->cap, u->n + 1);
	u->v[u->n] = (struct use){ ts, customer, u->head[i] };
	u->head[i] = (uint32_t)++u->n;
}

static struct ox_address address_of(const struct ox_sim_place *p)
{
	return (struct ox_address){ ox_str_z(p->province), ox_str_z(p->city), ox_str_z(p->district),
				    ox_str_z(p->detail) };
}

/* The values of an order that scores and blacklists look at, normalized. */
struct facts {
	char address[512], phone[64], customer[32], device[48], ip[24];
	size_t address_n, phone_n;
};

static void facts_of(const struct ox_sim *s, const struct ox_sim_order *o, struct facts *f)
{
	struct ox_address a = address_of(&o->addr);
	f->address_n = ox_address_normalize(&a, f->address, sizeof f->address);
	f->phone_n = ox_phone_normalize(ox_str_z(o->phone), f->phone, sizeof f->phone);
	ox_sim_customer_id(&s->cust[o->customer], f->customer, sizeof f->customer);
	f->device[0] = '\0';
	if (o->device)
		ox_sim_device_id(o->device, f->device, sizeof f->device);
	ox_sim_ip(o->ip, f->ip, sizeof f->ip);
}

/* The terms and weights of rules.md, with its default parameters. */
static int score(struct uses *u, const struct ox_sim *s, const struct ox_sim_order *o, const struct facts *f)
{
	const ox_time t = o->created, day = 24 * HOUR;
	const uint32_t who = o->customer;
	const struct ox_sim_customer *c = &s->cust[who];
	int sc = 0;
	uint64_t ka = key_of('A', f->address, f->address_n, "", 0);
	uint64_t kp = key_of('P', f->phone, f->phone_n, "", 0);
	uint64_t kd = key_of('D', f->device, strlen(f->device), "", 0);
	uint64_t ki = key_of('I', f->ip, strlen(f->ip), "", 0);
	uint64_t kc = key_of('C', f->customer, strlen(f->customer), "", 0);
	const char *cp = o->coupon ? o->coupon : "";
	uint64_t kcd = key_of('c', cp, strlen(cp), f->device, strlen(f->device));
	uint64_t kci = key_of('i', cp, strlen(cp), f->ip, strlen(f->ip));

	if (f->address_n && distinct(u, ka, t, day, who, 3, false) >= 3)
		sc += 30;
	if (f->phone_n && distinct(u, kp, t, day, who, 3, false) >= 3)
		sc += 30;
	if ((f->device[0] && distinct(u, kd, t, HOUR, who, 5, false) >= 5) ||
	    distinct(u, ki, t, HOUR, who, 5, false) >= 5)
		sc += 30;
	if (c->registered != NONE && t - c->registered < day && distinct(u, kc, t, day, who, 3, true) >= 3)
		sc += 30;
	for (size_t i = 0; i < o->n_items; i++)
		if (s->items[o->item0 + i].qty >= 50) {
			sc += 20;
			break;
		}
	if (o->coupon && ((f->device[0] && distinct(u, kcd, t, day, who, 3, false) >= 3) ||
			  distinct(u, kci, t, day, who, 3, false) >= 3))
		sc += 40;
	if (!ox_phone_valid(ox_str_z(o->phone)))
		sc += 10;

	if (f->address_n)
		remember(u, ka, t, who);
	if (f->phone_n)
		remember(u, kp, t, who);
	if (f->device[0])
		remember(u, kd, t, who);
	remember(u, ki, t, who);
	remember(u, kc, t, who);
	if (o->coupon) {
		if (f->device[0])
			remember(u, kcd, t, who);
		remember(u, kci, t, who);
	}
	return sc;
}

/* ---- FRD_BLACKLIST --------------------------------------------------------- */

struct black_norm {
	uint8_t kind;
	char value[512];
};

static void normalize_black(const struct ox_sim_black *b, struct black_norm *out)
{
	out->kind = b->kind;
	struct ox_str v = ox_textnorm_trim(ox_str_z(b->value));
	if (b->kind == OX_BL_PHONE) {
		ox_phone_normalize(v, out->value, sizeof out->value);
	} else if (b->kind == OX_BL_ADDRESS) {
		struct ox_str part[4] = { OX_STR_NULL, OX_STR_NULL, OX_STR_NULL, OX_STR_NULL };
		size_t k = 0, from = 0;
		for (size_t i = 0; i <= v.len && k < 4; i++)
			if (i == v.len || (v.s[i] == '/' && k < 3)) {
				part[k++] = (struct ox_str){ v.s + from, i - from };
				from = i + 1;
			}
		struct ox_address a = { part[0], part[1], part[2], part[3] };
		ox_address_normalize(&a, out->value, sizeof out->value);
	} else {
		snprintf(out->value, sizeof out->value, "%.*s", (int)v.len, v.s);
	}
}

static bool listed(const struct black_norm *bl, size_t n, const struct facts *f)
{
	for (size_t i = 0; i < n; i++) {
		const char *v = bl[i].value;
		switch (bl[i].kind) {
		case OX_BL_CUSTOMER: if (strcmp(v, f->customer) == 0) return true; break;
		case OX_BL_PHONE: if (f->phone_n && strcmp(v, f->phone) == 0) return true; break;
		case OX_BL_DEVICE: if (f->device[0] && strcmp(v, f->device) == 0) return true; break;
		case OX_BL_IP: if (strcmp(v, f->ip) == 0) return true; break;
		default: if (f->address_n && strcmp(v, f->address) == 0) return true; break;
		}
	}
	return false;
}

/* Orders are scored in the order the engine accepts them: the first
 * order.created of each in the stream (a resend, verbatim or under a new
 * id, is ignored). */
void ox_sim_truth_orders(struct ox_sim *s)
{
	bool *done = ox_xcalloc(s->n_orders + 1, sizeof *done);
	struct black_norm *bl = ox_xmalloc((s->n_black + 1) * sizeof *bl);
	for (size_t i = 0; i < s->n_black; i++)
		normalize_black(&s->black[i], &bl[i]);
	struct uses u;
	memset(&u, 0, sizeof u);
	uses_grow(&u);
	struct facts f;
	for (size_t k = 0; k < s->n_recs; k++) {
		const struct ox_sim_rec *r = &s->recs[k];
		if (r->type != OX_EV_ORDER_CREATED || done[r->ref])
			continue;
		done[r->ref] = true;
		const struct ox_sim_order *o = &s->orders[r->ref];
		facts_of(s, o, &f);
		if (listed(bl, s->n_black, &f))
			ox_sim_label(s, OX_R_FRD_BLACKLIST, r->ref, o->created, OX_SIM_OPEN);
		if (score(&u, s, o, &f) >= 60)
			ox_sim_label(s, OX_R_FRD_SUSPECT, r->ref, o->created, OX_SIM_OPEN);
	}
	free(u.v);
	free(u.keys);
	free(u.head);
	free(bl);
	free(done);
}

/* ---- incidents ------------------------------------------------------------- */

static int label_cmp(const void *a, const void *b)
{
	const struct ox_sim_label *x = a, *y = b;
	if (x->opened_at != y->opened_at)
		return x->opened_at < y->opened_at ? -1 : 1;
	if (x->rule != y->rule)
		return x->rule < y->rule ? -1 : 1;
	return x->ref < y->ref ? -1 : x->ref > y->ref;
}

static bool incident_rule(int r)
{
	return r == OX_R_INC_BURST || r == OX_R_INC_PAYMENT_RATE;
}

/* INC_BURST: cases open in opened_at order (no anomaly event arrives
 * late), so the window ends at each new case. Every case of the rule while
 * the incident is open joins it; it resolves 30m after the last one. */
static void sort_labels(struct ox_sim *s)
{
	if (s->n_labels)
		qsort(s->labels, s->n_labels, sizeof *s->labels, label_cmp);
}

static void bursts(struct ox_sim *s, ox_time end)
{
	sort_labels(s);
	size_t n = s->n_labels;
	ox_time *win = ox_xmalloc((n + 1) * sizeof *win);
	for (int r = 0; r < OX_R__COUNT; r++) {
		if (incident_rule(r))
			continue;
		size_t head = 0, tail = 0, incident = SIZE_MAX;
		ox_time last = NONE;
		for (size_t i = 0; i < n; i++) {
			if (s->labels[i].rule != r)
				continue;
			ox_time t = s->labels[i].opened_at;
			if (incident != SIZE_MAX && last + 30 * MIN < t) {
				s->labels[incident].status = OX_SIM_RESOLVED;
				incident = SIZE_MAX;
			}
			win[tail++] = t;
			while (win[head] < t - 10 * MIN)
				head++;
			if (incident != SIZE_MAX) {
				last = t;
			} else if (tail - head >= 20) {
				ox_sim_label(s, OX_R_INC_BURST, (uint32_t)r, t, OX_SIM_OPEN);
				incident = s->n_labels - 1;
				last = t;
			}
		}
		if (incident != SIZE_MAX && last + 30 * MIN <= end)
			s->labels[incident].status = OX_SIM_RESOLVED;
	}
	free(win);
}

/* INC_PAYMENT_RATE, replayed as the engine sees the stream: events in
 * arrival order, duplicates dropped, attempts kept by ts in a 5m window
 * that ends at the clock, the condition checked after every event. */
static void payment_rate(struct ox_sim *s)
{
	const int64_t window = 5 * MIN;
	uint8_t *seen = ox_xcalloc(s->next_id / 8 + 1, 1);
	struct attempt {
		ox_time ts;
		bool ok;
	} *att = ox_xmalloc((s->n_recs + 1) * sizeof *att);
	size_t head = 0, n = 0, ok = 0, incident = SIZE_MAX;
	ox_time clock = NONE, held = NONE;
	for (size_t i = 0; i < s->n_recs; i++) {
		const struct ox_sim_rec *r = &s->recs[i];
		if (seen[r->id / 8] & (1u << (r->id % 8)))
			continue;
		seen[r->id / 8] |= (uint8_t)(1u << (r->id % 8));
		bool moves = clock == NONE || r->ts > clock;
		if (moves && incident != SIZE_MAX && held + window < r->ts) {
			s->labels[incident].status = OX_SIM_RESOLVED;
			incident = SIZE_MAX;
		}
		if (r->flags & OX_SIM_R_ATTEMPT) {
			ox_time end = moves ? r->ts : clock;
			if (r->ts > end - window) {
				size_t pos = n++;
				while (pos > head && att[pos - 1].ts > r->ts) {
					att[pos] = att[pos - 1];
					pos--;
				}
				att[pos] = (struct attempt){ r->ts, (r->flags & OX_SIM_R_OK) != 0 };
				ok += att[pos].ok;
			}
		}
		if (moves)
			clock = r->ts;
		if (incident != SIZE_MAX && held + window <= clock) {
			s->labels[incident].status = OX_SIM_RESOLVED;
			incident = SIZE_MAX;
		}
		while (head < n && att[head].ts <= clock - window)
			ok -= att[head++].ok;
		size_t total = n - head;
		if (total < 50 || ok * 100 >= 80 * total)
			continue;
		held = clock;
		if (incident == SIZE_MAX) {
			ox_sim_label(s, OX_R_INC_PAYMENT_RATE, 0, clock, OX_SIM_OPEN);
			incident = s->n_labels - 1;
		}
	}
	free(att);
	free(seen);
}

void ox_sim_truth_incidents(struct ox_sim *s)
{
	payment_rate(s);
	bursts(s, s->n_recs ? s->recs[s->n_recs - 1].ts : s->opt.start);
	sort_labels(s);
}

/* ---- output ------------------------------------------------------------ */

int ox_sim_write_labels(struct ox_sim *s, FILE *f)
{
	char key[64], at[OX_TIME_BUFSZ];
	for (size_t i = 0; i < s->n_labels; i++) {
		const struct ox_sim_label *l = &s->labels[i];
		const struct ox_rule_info *info = ox_rule_info((enum ox_rule)l->rule);
		if (info->key == OX_KEY_ORDER)
			ox_sim_order_id(s, l->ref, key, sizeof key);
		else if (info->key == OX_KEY_SKU)
			ox_sim_sku_id(l->ref, key, sizeof key);
		else
			snprintf(key, sizeof key, "%s",
				 l->rule == OX_R_INC_BURST ? ox_rule_info((enum ox_rule)l->ref)->code : "payment");
		fprintf(f, "{\"rule\":\"%s\",\"order_id\":%s%s%s,\"sku\":%s%s%s,\"group\":%s%s%s,"
			   "\"status\":\"%s\",\"opened_at\":\"%s\"}\n",
			info->code, info->key == OX_KEY_ORDER ? "\"" : "", info->key == OX_KEY_ORDER ? key : "null",
			info->key == OX_KEY_ORDER ? "\"" : "", info->key == OX_KEY_SKU ? "\"" : "",
			info->key == OX_KEY_SKU ? key : "null", info->key == OX_KEY_SKU ? "\"" : "",
			info->key == OX_KEY_GROUP ? "\"" : "", info->key == OX_KEY_GROUP ? key : "null",
			info->key == OX_KEY_GROUP ? "\"" : "", l->status == OX_SIM_OPEN ? "open" : "auto_resolved",
			ox_time_format(l->opened_at, OX_TZ_CST, at));
	}
	return 0;
}

int ox_sim_write_blacklist(struct ox_sim *s, FILE *f)
{
	fprintf(f, "# ordex sim blacklist (seed %llu): KIND VALUE, as events.md has it\n"
		   "# left over from past cases: these match no order of this stream\n"
		   "customer u0%08llu\n"
		   "phone 170%08llu\n"
		   "ip 45.155.%u.%u\n"
		   "address 广东省/深圳市/南山区/科技园路0号\n"
		   "# this period's\n",
		(unsigned long long)s->opt.seed, (unsigned long long)(s->opt.seed % 100000000u),
		(unsigned long long)(s->opt.seed % 100000000u), (unsigned)(s->opt.seed % 256),
		(unsigned)(s->opt.seed / 256 % 256));
	for (size_t i = 0; i < s->n_black; i++)
		fprintf(f, "%s %s\n", ox_bl_kind_name((enum ox_bl_kind)s->black[i].kind), s->black[i].value);
	return 0;
}

/* fraud.c - FRD_* rules (rules.md, "Malicious orders"): the blacklist and
 * the risk score over sliding windows of shared addresses, phones, devices,
 * IPs and coupons.
 *
 * The uses index (uses.h) maps a 64-bit hash of (feature, value) to the
 * orders that used it: (ts, 32-bit customer hash, 32-bit order hash). Two
 * values colliding would merge their counts (odds ~n^2/2^65), two customers
 * of one value colliding would count once (~k^2/2^33 per value): negligible
 * for a scoring heuristic. Uses older than twice the longest window are
 * forgotten, so a very late order is scored against partial history.
 */
#include <stdlib.h>

#include "address.h"
#include "blacklist.h"
#include "engine_impl.h"
#include "phone.h"
#include "uses.h"

struct oxi_fraud {
	struct ox_uses uses;
};

struct oxi_fraud *oxi_fraud_new(void)
{
	struct oxi_fraud *f = ox_xcalloc(1, sizeof *f);
	ox_uses_init(&f->uses);
	return f;
}

void oxi_fraud_free(struct oxi_fraud *f)
{
	if (!f)
		return;
	ox_uses_release(&f->uses);
	free(f);
}

static int64_t keep_window(const struct ox_params *p)
{
	int64_t w = p->fraud_address.window;
	const int64_t others[] = { p->fraud_phone.window, p->fraud_device.window, p->fraud_coupon.window,
				   p->fraud_new_account_window };
	for (size_t i = 0; i < OX_ARRAY_LEN(others); i++)
		if (others[i] > w)
			w = others[i];
	return 2 * w;
}

static uint64_t feature_key(char feature, struct ox_str a, struct ox_str b)
{
	char buf[1024];
	size_t n = 0;
	buf[n++] = feature;
	size_t al = a.len < 500 ? a.len : 500, bl = b.len < 500 ? b.len : 500;
	memcpy(buf + n, a.s, al);
	n += al;
	buf[n++] = '\0';
	if (bl)
		memcpy(buf + n, b.s, bl);
	n += bl;
	return ox_hash64(buf, n);
}

/* Record a use of key; returns the key's uses. */
static const struct ox_use *record(struct ox_engine *e, uint64_t key, const struct ox_use *u, size_t *n)
{
	ox_time horizon = e->clock == OX_TIME_NONE ? OX_TIME_NONE : e->clock - keep_window(e->p);
	return ox_uses_add(&e->fraud->uses, key, *u, horizon, n);
}

/* Distinct customers (or orders) among uses with ts in [from, to]; stops
 * counting at need. */
static int count_distinct(const struct ox_use *uses, size_t n_uses, ox_time from, ox_time to, bool by_order,
			  int need)
{
	uint32_t seen[OX_FRAUD_COUNT_MAX];
	int n = 0;
	if (need > (int)OX_ARRAY_LEN(seen))
		need = (int)OX_ARRAY_LEN(seen);
	for (size_t i = 0; i < n_uses && n < need; i++) {
		if (uses[i].ts < from || uses[i].ts > to)
			continue;
		uint32_t v = by_order ? uses[i].order : uses[i].customer;
		int j = 0;
		while (j < n && seen[j] != v)
			j++;
		if (j == n)
			seen[n++] = v;
	}
	return n;
}

struct score {
	int total;
	size_t n;
	char zh[9][OXI_REASON_MAX / 2], en[9][OXI_REASON_MAX / 2];
};

/* Keep one reason, in both languages. */
#define ADD_REASON(sc, zhfmt, enfmt, ...)                                                \
	do {                                                                             \
		if ((sc)->n < OX_ARRAY_LEN((sc)->zh)) {                                  \
			snprintf((sc)->zh[(sc)->n], sizeof (sc)->zh[0], zhfmt, __VA_ARGS__); \
			snprintf((sc)->en[(sc)->n], sizeof (sc)->en[0], enfmt, __VA_ARGS__); \
			(sc)->n++;                                                       \
		}                                                                        \
	} while (0)

/* Count one scoring term; a term weighing 0 is switched off. */
#define TERM(sc, weight, zhfmt, enfmt, ...)                                                   \
	do {                                                                                  \
		if ((weight) > 0) {                                                           \
			(sc)->total += (weight);                                              \
			ADD_REASON(sc, zhfmt " (+%d)", enfmt " (+%d)", __VA_ARGS__, weight); \
		}                                                                             \
	} while (0)

/* The values an order shares with others, one index key each. */
enum { F_ADDRESS, F_PHONE, F_DEVICE, F_IP, F_CUSTOMER, F_COUPON_DEVICE, F_COUPON_IP, F__COUNT };

static void score_order(struct ox_engine *e, struct oxi_order *o, const struct ox_event *ev, struct score *s)
{
	const struct ox_params *p = e->p;
	const struct ox_customer *c = &ev->customer;
	struct ox_use u = { ev->ts, (uint32_t)ox_hash64(c->id.s, c->id.len),
			    (uint32_t)ox_hash64(ev->order_id.s, ev->order_id.len) };
	char addr[1024], phone[128];
	struct ox_str naddr = { addr, ox_address_normalize(&c->address, addr, sizeof addr) };
	struct ox_str nphone = { phone, ox_phone_normalize(c->phone, phone, sizeof phone) };
	struct ox_str coupon = (ev->has & OX_HAS_COUPON) ? ev->coupon_code : OX_STR_NULL;
	const struct {
		char tag;
		struct ox_str a, b; /* b: the second half of a pair, or NULL */
	} fs[F__COUNT] = {
		[F_ADDRESS] = { 'A', naddr, OX_STR_NULL },      [F_PHONE] = { 'P', nphone, OX_STR_NULL },
		[F_DEVICE] = { 'D', c->device_id, OX_STR_NULL }, [F_IP] = { 'I', c->ip, OX_STR_NULL },
		[F_CUSTOMER] = { 'C', c->id, OX_STR_NULL },      [F_COUPON_DEVICE] = { 'K', coupon, c->device_id },
		[F_COUPON_IP] = { 'J', coupon, c->ip },
	};
	/* Keys first, and their slots fetched together: each is a cache miss. */
	uint64_t keys[F__COUNT];
	for (int i = 0; i < F__COUNT; i++) {
		bool empty = !fs[i].a.len || (i >= F_COUPON_DEVICE && !fs[i].b.len); /* never match */
		keys[i] = empty ? 0 : feature_key(fs[i].tag, fs[i].a, fs[i].b);
		if (keys[i])
			ox_uses_prefetch(&e->fraud->uses, keys[i]);
	}
	/* Distinct customers (orders for the account itself) over each window. */
	const struct ox_fraud_term *terms[F__COUNT] = {
		[F_ADDRESS] = &p->fraud_address, [F_PHONE] = &p->fraud_phone,         [F_DEVICE] = &p->fraud_device,
		[F_IP] = &p->fraud_device,       [F_COUPON_DEVICE] = &p->fraud_coupon, [F_COUPON_IP] = &p->fraud_coupon,
	};
	int n[F__COUNT] = { 0 };
	for (int i = 0; i < F__COUNT; i++) {
		if (!keys[i])
			continue;
		size_t count;
		const struct ox_use *uses = record(e, keys[i], &u, &count);
		if (i == F_CUSTOMER)
			n[i] = count_distinct(uses, count, ev->ts - p->fraud_new_account_window, ev->ts, true,
					      p->fraud_new_account_orders);
		else
			n[i] = count_distinct(uses, count, ev->ts - terms[i]->window, ev->ts, false,
					      terms[i]->min_customers);
	}

	const struct ox_fraud_term *t = &p->fraud_address;
	if (n[F_ADDRESS] >= t->min_customers)
		TERM(s, t->weight, "同一收货地址被 %d 个账号使用", "the same address used by %d customers", n[F_ADDRESS]);
	t = &p->fraud_phone;
	if (n[F_PHONE] >= t->min_customers)
		TERM(s, t->weight, "同一电话被 %d 个账号使用", "the same phone used by %d customers", n[F_PHONE]);
	t = &p->fraud_device;
	if (n[F_DEVICE] >= t->min_customers || n[F_IP] >= t->min_customers)
		TERM(s, t->weight, "同一设备或 IP 被 %d 个账号使用", "the same device or ip used by %d customers",
		     n[F_DEVICE] > n[F_IP] ? n[F_DEVICE] : n[F_IP]);
	/* every order of the account is counted, the term applies to new accounts */
	if ((ev->has & OX_HAS_REGISTERED_AT) && ev->ts - c->registered_at < p->fraud_new_account_age &&
	    n[F_CUSTOMER] >= p->fraud_new_account_orders)
		TERM(s, p->fraud_new_account_weight, "新注册账号 24 小时内已下 %d 单", "a new account placed %d orders",
		     n[F_CUSTOMER]);
	for (size_t i = 0; i < ev->n_items; i++)
		if (ev->items[i].qty >= o->p->fraud_max_qty) {
			TERM(s, p->fraud_max_qty_weight, "单个商品数量 %lld 件", "one item with qty %lld",
			     (long long)ev->items[i].qty);
			break;
		}
	t = &p->fraud_coupon;
	if (n[F_COUPON_DEVICE] >= t->min_customers || n[F_COUPON_IP] >= t->min_customers)
		TERM(s, t->weight, "同一优惠券在同一设备或 IP 上被 %d 个账号使用",
		     "the same coupon used by %d customers on one device or ip",
		     n[F_COUPON_DEVICE] > n[F_COUPON_IP] ? n[F_COUPON_DEVICE] : n[F_COUPON_IP]);
	if (!ox_phone_valid(c->phone))
		TERM(s, p->fraud_invalid_phone_weight, "电话无效%s", "invalid phone%s", "");
}

/* One case whose reasons are the terms that counted. */
static void fire_with_reasons(struct ox_engine *e, struct oxi_order *o, const struct ox_event *ev, enum ox_rule r,
			      const struct score *s)
{
	if (!s->n)
		return;
	const char *zh[OX_ARRAY_LEN(s->zh)], *en[OX_ARRAY_LEN(s->en)];
	for (size_t i = 1; i < s->n; i++) {
		zh[i - 1] = s->zh[i];
		en[i - 1] = s->en[i];
	}
	struct oxi_fire f = { .rule = r, .key = o->id, .at = ev->ts, .ev = ev,
			      .more_zh = zh, .more_en = en, .n_more = s->n - 1 };
	oxi_fire(e, &f, s->zh[0], s->en[0]);
}

static void check_blacklist(struct ox_engine *e, struct oxi_order *o, const struct ox_event *ev)
{
	if (!e->bl)
		return;
	const struct ox_customer *c = &ev->customer;
	const struct {
		enum ox_bl_kind kind;
		struct ox_str value;
		const char *zh, *en;
	} checks[] = {
		{ OX_BL_CUSTOMER, c->id, "账号", "customer" },
		{ OX_BL_PHONE, c->phone, "电话", "phone" },
		{ OX_BL_DEVICE, c->device_id, "设备", "device" },
		{ OX_BL_IP, c->ip, "IP", "ip" },
	};
	struct score hits = { 0, 0, { { 0 } }, { { 0 } } };
	for (size_t i = 0; i < OX_ARRAY_LEN(checks); i++)
		if (checks[i].value.len && ox_blacklist_has(e->bl, checks[i].kind, checks[i].value))
			ADD_REASON(&hits, "%s“%.*s”在黑名单中", "%s \"%.*s\" is blacklisted", checks[i].zh,
				   (int)ox_utf8_clip(checks[i].value.s, checks[i].value.len, 100), checks[i].value.s);
	if (ox_blacklist_has_address(e->bl, &c->address))
		ADD_REASON(&hits, "收货地址%s在黑名单中", "the address%s is blacklisted", "");
	fire_with_reasons(e, o, ev, OX_R_FRD_BLACKLIST, &hits);
}

static void on_created(struct ox_engine *e, struct oxi_order *o, const struct ox_event *ev)
{
	check_blacklist(e, o, ev);
	struct score s = { 0, 0, { { 0 } }, { { 0 } } };
	score_order(e, o, ev, &s);
	if (s.total < o->p->fraud_threshold)
		return;
	char zh[OXI_REASON_MAX / 2], en[OXI_REASON_MAX / 2];
	snprintf(zh, sizeof zh, "风险分 %d，达到阈值 %d", s.total, o->p->fraud_threshold);
	snprintf(en, sizeof en, "risk score %d reaches the threshold %d", s.total, o->p->fraud_threshold);
	struct score all = { s.total, 1, { { 0 } }, { { 0 } } };
	memcpy(all.zh[0], zh, sizeof zh);
	memcpy(all.en[0], en, sizeof en);
	for (size_t i = 0; i < s.n && all.n < OX_ARRAY_LEN(all.zh); i++, all.n++) {
		memcpy(all.zh[all.n], s.zh[i], sizeof s.zh[i]);
		memcpy(all.en[all.n], s.en[i], sizeof s.en[i]);
	}
	s = all;
	fire_with_reasons(e, o, ev, OX_R_FRD_SUSPECT, &s);
}

const struct oxi_family oxi_fraud_family = {
	.name = "fraud",
	.on_event = { [OX_EV_ORDER_CREATED] = on_created },
};

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
 *
 * The score is ox_risk_score() (risk.h), which changes nothing: the rule
 * records the order's uses first, the risk service asks it of an order not
 * recorded, and both count the order itself once.
 */
#include <stdlib.h>

#include "address.h"
#include "blacklist.h"
#include "engine_impl.h"
#include "phone.h"
#include "risk.h"
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

struct ox_uses *oxi_fraud_uses(struct oxi_fraud *f)
{
	return &f->uses;
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

/* Distinct customers (or orders) among uses with ts in [from, to], self
 * (this order's customer or order, whose ts is in its own window) counted
 * whether or not its use is recorded; stops counting at need. */
static int count_distinct(const struct ox_use *uses, size_t n_uses, ox_time from, ox_time to, bool by_order,
			  int need, uint32_t self)
{
	uint32_t seen[OX_FRAUD_COUNT_MAX];
	int n = 0;
	if (need > (int)OX_ARRAY_LEN(seen))
		need = (int)OX_ARRAY_LEN(seen);
	seen[n++] = self;
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

const char *ox_risk_term_name(enum ox_risk_term t)
{
	static const char *const names[] = {
#define X(e, code) [OX_RISK_##e] = code,
		OX_RISK_TERMS(X)
#undef X
	};
	return (size_t)t < OX_ARRAY_LEN(names) ? names[t] : NULL;
}

/* Keep one reason, in both languages. */
#define ADD_REASON(rk, t, w, zhfmt, enfmt, ...)                                                  \
	do {                                                                                     \
		if ((rk)->n < OX_ARRAY_LEN((rk)->r)) {                                           \
			struct ox_risk_reason *rr_ = &(rk)->r[(rk)->n++];                        \
			rr_->term = (t);                                                         \
			rr_->weight = (w);                                                       \
			snprintf(rr_->zh, sizeof rr_->zh, zhfmt, __VA_ARGS__);                   \
			snprintf(rr_->en, sizeof rr_->en, enfmt, __VA_ARGS__);                   \
		}                                                                                \
	} while (0)

/* Count one scoring term; a term weighing 0 is switched off. */
#define TERM(rk, t, weight, zhfmt, enfmt, ...)                                                   \
	do {                                                                                     \
		if ((weight) > 0) {                                                              \
			(rk)->score += (weight);                                                 \
			ADD_REASON(rk, t, weight, zhfmt " (+%d)", enfmt " (+%d)", __VA_ARGS__, weight); \
		}                                                                                \
	} while (0)

/* The values an order shares with others, one index key each. */
enum { F_ADDRESS, F_PHONE, F_DEVICE, F_IP, F_CUSTOMER, F_COUPON_DEVICE, F_COUPON_IP, F__COUNT };

/* The order's index keys; 0 for a value that is empty (never matches). */
static void order_keys(const struct ox_event *ev, uint64_t keys[F__COUNT])
{
	const struct ox_customer *c = &ev->customer;
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
	for (int i = 0; i < F__COUNT; i++) {
		bool empty = !fs[i].a.len || (i >= F_COUPON_DEVICE && !fs[i].b.len); /* never match */
		keys[i] = empty ? 0 : feature_key(fs[i].tag, fs[i].a, fs[i].b);
	}
}

static struct ox_use order_use(const struct ox_event *ev)
{
	const struct ox_customer *c = &ev->customer;
	return (struct ox_use){ ev->ts, (uint32_t)ox_hash64(c->id.s, c->id.len),
				(uint32_t)ox_hash64(ev->order_id.s, ev->order_id.len) };
}

/* Record the order's uses (the rule: before scoring it, so that it counts
 * itself, and for the orders after it). Fetch the slots together first:
 * each is a cache miss. */
static void record_uses(struct ox_engine *e, const struct ox_event *ev, const uint64_t keys[F__COUNT])
{
	for (int i = 0; i < F__COUNT; i++)
		if (keys[i])
			ox_uses_prefetch(&e->fraud->uses, keys[i]);
	struct ox_use u = order_use(ev);
	ox_time horizon = e->clock == OX_TIME_NONE ? OX_TIME_NONE : e->clock - keep_window(e->p);
	for (int i = 0; i < F__COUNT; i++) {
		size_t n;
		if (keys[i])
			ox_uses_add(&e->fraud->uses, keys[i], u, horizon, &n);
	}
}

/* Blacklist hits, one reason each (weight 0). */
static void blacklist_hits(const struct ox_engine *e, const struct ox_event *ev, struct ox_risk *r)
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
	for (size_t i = 0; i < OX_ARRAY_LEN(checks); i++)
		if (checks[i].value.len && ox_blacklist_has(e->bl, checks[i].kind, checks[i].value))
			ADD_REASON(r, OX_RISK_BLACKLIST, 0, "%s“%.*s”在黑名单中", "%s \"%.*s\" is blacklisted",
				   checks[i].zh, (int)ox_utf8_clip(checks[i].value.s, checks[i].value.len, 100),
				   checks[i].value.s);
	if (ox_blacklist_has_address(e->bl, &c->address))
		ADD_REASON(r, OX_RISK_BLACKLIST, 0, "收货地址%s在黑名单中", "the address%s is blacklisted", "");
}

static void score_keys(const struct ox_engine *e, const struct ox_event *ev, const uint64_t keys[F__COUNT],
		       struct ox_risk *s)
{
	const struct ox_params *p = e->p;
	const struct ox_order_params *op = ox_params_for_channel(p, ev->channel.s, ev->channel.len);
	const struct ox_customer *c = &ev->customer;
	struct ox_use u = order_use(ev);
	s->score = 0;
	s->threshold = op->fraud_threshold;
	s->n = 0;
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
		const struct ox_use *uses = ox_uses_get(&e->fraud->uses, keys[i], &count);
		if (i == F_CUSTOMER)
			n[i] = count_distinct(uses, count, ev->ts - p->fraud_new_account_window, ev->ts, true,
					      p->fraud_new_account_orders, u.order);
		else
			n[i] = count_distinct(uses, count, ev->ts - terms[i]->window, ev->ts, false,
					      terms[i]->min_customers, u.customer);
	}

	const struct ox_fraud_term *t = &p->fraud_address;
	if (n[F_ADDRESS] >= t->min_customers)
		TERM(s, OX_RISK_ADDRESS, t->weight, "同一收货地址被 %d 个账号使用", "the same address used by %d customers",
		     n[F_ADDRESS]);
	t = &p->fraud_phone;
	if (n[F_PHONE] >= t->min_customers)
		TERM(s, OX_RISK_PHONE, t->weight, "同一电话被 %d 个账号使用", "the same phone used by %d customers",
		     n[F_PHONE]);
	t = &p->fraud_device;
	if (n[F_DEVICE] >= t->min_customers || n[F_IP] >= t->min_customers)
		TERM(s, OX_RISK_DEVICE, t->weight, "同一设备或 IP 被 %d 个账号使用",
		     "the same device or ip used by %d customers", n[F_DEVICE] > n[F_IP] ? n[F_DEVICE] : n[F_IP]);
	/* every order of the account is counted, the term applies to new accounts */
	if ((ev->has & OX_HAS_REGISTERED_AT) && ev->ts - c->registered_at < p->fraud_new_account_age &&
	    n[F_CUSTOMER] >= p->fraud_new_account_orders)
		TERM(s, OX_RISK_NEW_ACCOUNT, p->fraud_new_account_weight, "新注册账号 24 小时内已下 %d 单",
		     "a new account placed %d orders", n[F_CUSTOMER]);
	for (size_t i = 0; i < ev->n_items; i++)
		if (ev->items[i].qty >= op->fraud_max_qty) {
			TERM(s, OX_RISK_MAX_QTY, p->fraud_max_qty_weight, "单个商品数量 %lld 件", "one item with qty %lld",
			     (long long)ev->items[i].qty);
			break;
		}
	t = &p->fraud_coupon;
	if (n[F_COUPON_DEVICE] >= t->min_customers || n[F_COUPON_IP] >= t->min_customers)
		TERM(s, OX_RISK_COUPON, t->weight, "同一优惠券在同一设备或 IP 上被 %d 个账号使用",
		     "the same coupon used by %d customers on one device or ip",
		     n[F_COUPON_DEVICE] > n[F_COUPON_IP] ? n[F_COUPON_DEVICE] : n[F_COUPON_IP]);
	if (!ox_phone_valid(c->phone))
		TERM(s, OX_RISK_INVALID_PHONE, p->fraud_invalid_phone_weight, "电话无效%s", "invalid phone%s", "");
}

void ox_risk_score(const struct ox_engine *e, const struct ox_event *ev, unsigned flags, struct ox_risk *out)
{
	uint64_t keys[F__COUNT];
	order_keys(ev, keys);
	score_keys(e, ev, keys, out);
	if (flags & OX_RISK_WITH_BLACKLIST)
		blacklist_hits(e, ev, out);
}

/* One case whose reasons are first, then those of r. */
static void fire_with_reasons(struct ox_engine *e, struct oxi_order *o, const struct ox_event *ev, enum ox_rule rule,
			      const char *first_zh, const char *first_en, const struct ox_risk *r, size_t from)
{
	const char *zh[OX_ARRAY_LEN(r->r)], *en[OX_ARRAY_LEN(r->r)];
	size_t n = 0;
	for (size_t i = from; i < r->n; i++, n++) {
		zh[n] = r->r[i].zh;
		en[n] = r->r[i].en;
	}
	struct oxi_fire f = { .rule = rule, .key = o->id, .at = ev->ts, .ev = ev,
			      .more_zh = zh, .more_en = en, .n_more = n };
	oxi_fire(e, &f, first_zh, first_en);
}

static void check_blacklist(struct ox_engine *e, struct oxi_order *o, const struct ox_event *ev)
{
	struct ox_risk hits = { .n = 0 };
	blacklist_hits(e, ev, &hits);
	if (hits.n)
		fire_with_reasons(e, o, ev, OX_R_FRD_BLACKLIST, hits.r[0].zh, hits.r[0].en, &hits, 1);
}

static void on_created(struct ox_engine *e, struct oxi_order *o, const struct ox_event *ev)
{
	check_blacklist(e, o, ev);
	uint64_t keys[F__COUNT];
	order_keys(ev, keys);
	record_uses(e, ev, keys);
	struct ox_risk s;
	score_keys(e, ev, keys, &s);
	if (s.score < s.threshold)
		return;
	char zh[OX_RISK_REASON_MAX], en[OX_RISK_REASON_MAX];
	snprintf(zh, sizeof zh, "风险分 %d，达到阈值 %d", s.score, s.threshold);
	snprintf(en, sizeof en, "risk score %d reaches the threshold %d", s.score, s.threshold);
	fire_with_reasons(e, o, ev, OX_R_FRD_SUSPECT, zh, en, &s, 0);
}

const struct oxi_family oxi_fraud_family = {
	.name = "fraud",
	.on_event = { [OX_EV_ORDER_CREATED] = on_created },
};

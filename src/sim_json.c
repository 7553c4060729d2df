/* sim_json.c - records as events.md lines, and the ids shops, gateways and
 * carriers give things.
 */
#include <stdlib.h>

#include "sim_int.h"

/* ---- ids ------------------------------------------------------------------ */

void ox_sim_order_ids(struct ox_sim *s)
{
	s->order_ids = ox_xmalloc((s->n_orders + 1) * OX_SIM_ORDER_ID_MAX);
	for (uint32_t i = 0; i < s->n_orders; i++) {
		const struct ox_sim_order *o = &s->orders[i];
		char *out = s->order_ids + (size_t)i * OX_SIM_ORDER_ID_MAX, day[OX_TIME_BUFSZ];
		ox_time_format(o->created, OX_TZ_CST, day); /* 2026-11-11T... */
		uint64_t h = ox_sim_mix(s->id_key ^ i);
		/* each format embeds the order index, so ids never repeat */
		switch (o->channel) {
		case 0: /* tmall: 19 digits */
			snprintf(out, OX_SIM_ORDER_ID_MAX, "%012llu%07u",
				 (unsigned long long)(h % 900000000000u + 100000000000u), i);
			break;
		case 1: /* jd: 12 digits */
			snprintf(out, OX_SIM_ORDER_ID_MAX, "%05u%07u", (unsigned)(h % 70000 + 20000), i);
			break;
		case 2: /* pdd: date-serial */
			snprintf(out, OX_SIM_ORDER_ID_MAX, "%.2s%.2s%.2s-%08u%07u", day + 2, day + 5, day + 8,
				 (unsigned)(h % 100000000), i);
			break;
		case 3: /* douyin: 19 digits from 69 */
			snprintf(out, OX_SIM_ORDER_ID_MAX, "69%010llu%07u", (unsigned long long)(h % 10000000000u), i);
			break;
		default: /* the shop's own */
			snprintf(out, OX_SIM_ORDER_ID_MAX, "SO%.2s%.2s%.2s%07u", day + 2, day + 5, day + 8, i);
			break;
		}
	}
}

void ox_sim_order_id(const struct ox_sim *s, uint32_t oi, char *out, size_t cap)
{
	snprintf(out, cap, "%s", s->order_ids + (size_t)oi * OX_SIM_ORDER_ID_MAX);
}

void ox_sim_sku_id(uint32_t sku, char *out, size_t cap)
{
	snprintf(out, cap, "SKU%06u", sku + 100001u);
}

void ox_sim_customer_id(const struct ox_sim_customer *c, char *out, size_t cap)
{
	snprintf(out, cap, "u%09u", c->number);
}

void ox_sim_device_id(uint64_t device, char *out, size_t cap)
{
	snprintf(out, cap, "%s-%016llx", device & 2 ? "ios" : "android", (unsigned long long)device);
}

void ox_sim_ip(uint32_t ip, char *out, size_t cap)
{
	snprintf(out, cap, "%u.%u.%u.%u", ip >> 24, ip >> 16 & 255, ip >> 8 & 255, ip & 255);
}

/* ---- writing -------------------------------------------------------------- */

static const char *const carrier_prefix[8] = { "78", "YT", "43", "JT", "77", "SF", "JDV", "11" };
static const char *const reserve_reasons[3] = { "insufficient", "timeout", "lock_conflict" };
static const char *const create_errors[4][2] = {
	{ "DB_TIMEOUT", "数据库连接超时" },
	{ "STOCK_SERVICE_UNAVAILABLE", "库存服务不可用" },
	{ "INVALID_SKU", "商品已下架" },
	{ "RATE_LIMITED", "请求过于频繁，请稍后重试" },
};
static const char *const level_sources[2] = { "oms", "wms" };

static void add(struct ox_buf *b, const char *z)
{
	ox_buf_addz(b, z);
}

/* ,"key":"value" with value escaped */
static void str(struct ox_buf *b, const char *key, const char *value)
{
	ox_buf_addf(b, ",\"%s\":", key);
	ox_buf_add_json_str(b, value, strlen(value));
}

static void when(struct ox_buf *b, const char *key, ox_time t)
{
	char buf[OX_TIME_BUFSZ];
	ox_buf_addf(b, ",\"%s\":\"%s\"", key, ox_time_format(t, OX_TZ_CST, buf));
}

static void money(struct ox_buf *b, const char *key, ox_money m)
{
	char buf[OX_MONEY_BUFSZ];
	ox_buf_addf(b, ",\"%s\":\"%s\"", key, ox_money_format(m, buf));
}

static void address(struct ox_buf *b, const struct ox_sim_place *a)
{
	add(b, "\"address\":{\"province\":");
	ox_buf_add_json_str(b, a->province, strlen(a->province));
	str(b, "city", a->city);
	str(b, "district", a->district);
	str(b, "detail", a->detail);
	add(b, "}");
}

static void created(struct ox_sim *s, const struct ox_sim_order *o, struct ox_buf *b)
{
	const struct ox_sim_customer *c = &s->cust[o->customer];
	char buf[64];
	str(b, "channel", ox_sim_channels[o->channel].name);
	str(b, "shop", ox_sim_shops[o->channel][o->shop]);
	ox_sim_customer_id(c, buf, sizeof buf);
	ox_buf_addf(b, ",\"customer\":{\"id\":\"%s\"", buf);
	if (c->registered != OX_TIME_NONE)
		when(b, "registered_at", c->registered);
	str(b, "name", c->name);
	str(b, "phone", o->phone);
	add(b, ",");
	address(b, &o->addr);
	ox_sim_ip(o->ip, buf, sizeof buf);
	str(b, "ip", buf);
	if (o->device) {
		ox_sim_device_id(o->device, buf, sizeof buf);
		str(b, "device_id", buf);
	}
	add(b, "},\"items\":[");
	for (size_t i = 0; i < o->n_items; i++) {
		const struct ox_sim_item *it = &s->items[o->item0 + i];
		char price[OX_MONEY_BUFSZ];
		ox_sim_sku_id(it->sku, buf, sizeof buf);
		ox_buf_addf(b, "%s{\"sku\":\"%s\",\"qty\":%u,\"price\":\"%s\"}", i ? "," : "", buf, it->qty,
			    ox_money_format(it->price, price));
	}
	add(b, "]");
	money(b, "total", o->total);
	str(b, "currency", "CNY");
	if (o->coupon) {
		char amount[OX_MONEY_BUFSZ];
		ox_buf_addf(b, ",\"coupon\":{\"code\":\"%s\",\"amount\":\"%s\"}", o->coupon,
			    ox_money_format(o->coupon_amount, amount));
	}
	if (o->remark)
		str(b, "remark", o->remark);
	if (o->flags & OX_SIM_PAY_BY)
		when(b, "pay_by", o->pay_by);
	if (o->flags & OX_SIM_SHIP_BY)
		when(b, "ship_by", o->ship_by);
	if (o->deliver_by != OX_TIME_NONE)
		when(b, "deliver_by", o->deliver_by);
}

static void updated(const struct ox_sim_update *u, struct ox_buf *b)
{
	switch (u->what) {
	case OX_SIM_UPD_ADDRESS:
		add(b, ",\"customer\":{");
		address(b, &u->addr);
		add(b, "}");
		break;
	case OX_SIM_UPD_PHONE:
		add(b, ",\"customer\":{\"phone\":");
		ox_buf_add_json_str(b, u->phone, strlen(u->phone));
		add(b, "}");
		break;
	case OX_SIM_UPD_REMARK:
		str(b, "remark", u->remark);
		break;
	default:
		when(b, "ship_by", u->ship_by);
		break;
	}
}

/* Unique per parcel: the order index is part of the number. */
static void tracking_no(struct ox_buf *b, const struct ox_sim_order *o, uint32_t oi, unsigned parcel)
{
	ox_buf_addf(b, ",\"tracking_no\":\"%s%013llu\"", carrier_prefix[o->carrier],
		    (unsigned long long)(((uint64_t)oi * 2 + parcel) * 7919 + UINT64_C(1000000000000)));
}

static void track(struct ox_sim *s, const struct ox_sim_rec *r, const struct ox_sim_order *o, struct ox_buf *b)
{
	const struct ox_sim_place *home = &s->cust[o->customer].home;
	const char *wh = ox_sim_warehouses[o->warehouse].city;
	const char *city = strcmp(home->city, "市辖区") == 0 || strcmp(home->city, "县") == 0 ? home->province
											       : home->city;
	char loc[160], desc[200];
	const char *place = home->district, *suffix = "";
	switch (r->sub) {
	case OX_TRK_COLLECTED:
		place = wh;
		snprintf(desc, sizeof desc, "【%s】%s已揽收", wh, ox_sim_carrier_zh[o->carrier]);
		break;
	case OX_TRK_IN_TRANSIT:
		place = (r->arg & 255) <= 1 ? wh : city;
		suffix = (r->arg & 255) <= 1 ? "转运中心" : "分拨中心";
		snprintf(desc, sizeof desc, "快件已到达【%s%s】", place, suffix);
		break;
	case OX_TRK_OUT_FOR_DELIVERY:
		snprintf(desc, sizeof desc, "【%s】快递员正在派送，请保持电话畅通", home->district);
		break;
	case OX_TRK_DELIVERED:
		snprintf(desc, sizeof desc, "已签收，感谢使用%s", ox_sim_carrier_zh[o->carrier]);
		break;
	case OX_TRK_FAILED_ATTEMPT:
		snprintf(desc, sizeof desc, "%s", "派送未成功：电话无人接听，明日再次派送");
		break;
	case OX_TRK_EXCEPTION:
		place = wh;
		suffix = "转运中心";
		snprintf(desc, sizeof desc, "疑难件：【%s转运中心】操作异常，快件滞留", wh);
		break;
	case OX_TRK_REJECTED:
		snprintf(desc, sizeof desc, "%s", "收件人拒收");
		break;
	case OX_TRK_RETURNING:
		snprintf(desc, sizeof desc, "%s", "快件退回中");
		break;
	case OX_TRK_RETURNED:
		place = wh;
		snprintf(desc, sizeof desc, "%s", "快件已退回寄件人");
		break;
	case OX_TRK_LOST:
		snprintf(desc, sizeof desc, "%s", "快件遗失，已登记理赔");
		break;
	default:
		snprintf(desc, sizeof desc, "%s", "快件破损，已登记理赔");
		break;
	}
	snprintf(loc, sizeof loc, "%s%s", place, suffix);
	tracking_no(b, o, r->ref, r->arg >> 8);
	str(b, "status", ox_track_status_name((enum ox_track_status)r->sub));
	str(b, "location", loc);
	str(b, "description", desc);
}

static void write_rec(struct ox_sim *s, const struct ox_sim_rec *r, struct ox_buf *b)
{
	char buf[64];
	bool orderless = r->type == OX_EV_TICK || r->type == OX_EV_INVENTORY_LEVEL ||
			 r->type == OX_EV_INVENTORY_LOW_STOCK;
	const struct ox_sim_order *o = orderless ? NULL : &s->orders[r->ref];
	ox_buf_reset(b);
	ox_buf_addf(b, "{\"id\":\"ev-%016llx\",\"type\":\"%s\"", (unsigned long long)ox_sim_mix(r->id ^ s->id_key),
		    ox_event_type_name((enum ox_event_type)r->type));
	when(b, "ts", r->ts);
	if (o)
		ox_buf_addf(b, ",\"order_id\":\"%s\"", s->order_ids + (size_t)r->ref * OX_SIM_ORDER_ID_MAX);
	const char *source = NULL;
	switch (r->type) {
	case OX_EV_ORDER_CREATED:
	case OX_EV_ORDER_CREATE_FAILED:
	case OX_EV_ORDER_UPDATED:
		source = o ? ox_sim_channels[o->channel].name : NULL;
		break;
	case OX_EV_ORDER_STATUS:
	case OX_EV_INVENTORY_RESERVED:
	case OX_EV_INVENTORY_RESERVE_FAILED:
		source = "oms";
		break;
	case OX_EV_PAYMENT_SUCCEEDED:
	case OX_EV_PAYMENT_FAILED:
	case OX_EV_PAYMENT_REFUNDED:
		source = ox_sim_methods[r->aux].name;
		break;
	case OX_EV_INVENTORY_LEVEL:
		source = r->sub < 2 ? level_sources[r->sub] : ox_sim_channels[r->sub - 2].name;
		break;
	case OX_EV_INVENTORY_LOW_STOCK:
	case OX_EV_SHIPMENT_CREATED:
		source = "wms";
		break;
	case OX_EV_SHIPMENT_TRACK:
		source = o ? ox_sim_carriers[o->carrier].name : NULL;
		break;
	case OX_EV_SYNC_ACK:
	case OX_EV_SYNC_FAILED:
		source = ox_sim_systems[r->sub];
		break;
	case OX_EV_CS_TICKET:
		source = "cs";
		break;
	default:
		source = "ingest";
		break;
	}
	if (source)
		str(b, "source", source);

	if (!o) {
		if (r->type == OX_EV_INVENTORY_LEVEL) {
			ox_sim_sku_id(r->ref, buf, sizeof buf);
			ox_buf_addf(b, ",\"sku\":\"%s\",\"available\":%lld,\"warehouse\":\"%s\"", buf,
				    (long long)r->val, ox_sim_warehouses[r->aux].code);
		} else if (r->type == OX_EV_INVENTORY_LOW_STOCK) {
			ox_sim_sku_id(r->ref, buf, sizeof buf);
			ox_buf_addf(b, ",\"sku\":\"%s\",\"available\":%lld,\"threshold\":%u,\"warehouse\":\"%s\"", buf,
				    (long long)r->val, (unsigned)r->arg, ox_sim_warehouses[r->aux].code);
		}
		add(b, "}\n");
		return;
	}
	uint32_t oi = r->ref;
	switch (r->type) {
	case OX_EV_ORDER_CREATED:
		created(s, o, b);
		break;
	case OX_EV_ORDER_CREATE_FAILED:
		ox_buf_addf(b, ",\"error\":{\"code\":\"%s\",\"message\":\"%s\"}", create_errors[r->sub % 4][0],
			    create_errors[r->sub % 4][1]);
		break;
	case OX_EV_ORDER_STATUS:
		str(b, "status", ox_order_status_name((enum ox_order_status)r->sub));
		break;
	case OX_EV_ORDER_UPDATED:
		updated(&s->upd[r->val], b);
		break;
	case OX_EV_PAYMENT_SUCCEEDED:
	case OX_EV_PAYMENT_REFUNDED:
		ox_buf_addf(b, ",\"payment_id\":\"PAY%08u%02u\"", oi, r->arg & 255);
		if (r->type == OX_EV_PAYMENT_REFUNDED)
			ox_buf_addf(b, ",\"refund_id\":\"RF%08u%02u\"", oi, r->arg >> 8);
		money(b, "amount", r->val);
		str(b, "method", ox_sim_methods[r->aux].name);
		break;
	case OX_EV_PAYMENT_FAILED:
		money(b, "amount", r->val);
		str(b, "method", ox_sim_methods[r->aux].name);
		str(b, "reason", ox_sim_pay_reasons[r->sub % OX_SIM_N_REASONS]);
		break;
	case OX_EV_INVENTORY_RESERVED:
	case OX_EV_INVENTORY_RESERVE_FAILED: {
		const struct ox_sim_item *it = &s->items[o->item0 + r->arg];
		ox_sim_sku_id(it->sku, buf, sizeof buf);
		ox_buf_addf(b, ",\"sku\":\"%s\",\"qty\":%u,\"warehouse\":\"%s\"", buf, it->qty,
			    ox_sim_warehouses[o->warehouse].code);
		if (r->type == OX_EV_INVENTORY_RESERVE_FAILED)
			str(b, "reason", reserve_reasons[r->sub % 3]);
		break;
	}
	case OX_EV_SHIPMENT_CREATED:
		ox_buf_addf(b, ",\"shipment_id\":\"SH%08u%s\",\"carrier\":\"%s\"", oi, r->arg ? "-2" : "",
			    ox_sim_carriers[o->carrier].name);
		tracking_no(b, o, oi, r->arg);
		str(b, "warehouse", ox_sim_warehouses[o->warehouse].code);
		break;
	case OX_EV_SHIPMENT_TRACK:
		track(s, r, o, b);
		break;
	case OX_EV_SYNC_ACK:
		str(b, "system", ox_sim_systems[r->sub]);
		break;
	case OX_EV_SYNC_FAILED:
		str(b, "system", ox_sim_systems[r->sub]);
		ox_buf_addf(b, ",\"error\":\"%s: HTTP 503 Service Unavailable\"", ox_sim_systems[r->sub]);
		break;
	case OX_EV_CS_TICKET:
		ox_buf_addf(b, ",\"ticket_id\":\"TK%08u%02u\"", oi, (unsigned)(r->id % 100));
		str(b, "kind", ox_ticket_kind_name((enum ox_ticket_kind)r->sub));
		str(b, "text", ox_sim_ticket_text[r->sub][r->arg % 2]);
		break;
	default:
		break;
	}
	add(b, "}\n");
}

int ox_sim_write_stream(struct ox_sim *s, FILE *f)
{
	struct ox_buf b;
	ox_buf_init(&b, 1 << 20);
	for (size_t i = 0; i < s->n_recs; i++) {
		write_rec(s, &s->recs[i], &b);
		if (fwrite(b.data, 1, b.len, f) != b.len) {
			ox_buf_release(&b);
			return -1;
		}
	}
	ox_buf_release(&b);
	return 0;
}

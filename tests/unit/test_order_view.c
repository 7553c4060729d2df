/* test_order_view.c - the order picture (src/order_view.c): a whole order
 * lifecycle delivered out of order, folded and read back with the JSON
 * parser; the empty order byte for byte; the output limit at every size;
 * escaping, ties and orphans.
 *
 * Lines are written with ' for " so that they stay readable; j() turns them
 * into JSON (no event below needs a literal ').
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "order_view.h"

#define MAXL 64

struct fx {
	struct ox_str lines[MAXL];
	uint64_t seqs[MAXL];
	size_t n;
	struct ox_buf out;
	struct ox_json json;
};

static struct fx F;

static int setup(void **state)
{
	(void)state;
	memset(&F, 0, sizeof F);
	ox_buf_init(&F.out, 1 << 20);
	ox_json_init(&F.json, 64);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < F.n; i++)
		free((char *)(uintptr_t)F.lines[i].s);
	ox_buf_release(&F.out);
	ox_json_release(&F.json);
	return 0;
}

/* Append a line (with ' for ") at log seq. */
static void add(uint64_t seq, const char *s)
{
	assert_true(F.n < MAXL);
	size_t n = strlen(s);
	char *p = malloc(n + 1);
	for (size_t i = 0; i <= n; i++)
		p[i] = s[i] == '\'' ? '"' : s[i];
	F.lines[F.n] = (struct ox_str){ p, n };
	F.seqs[F.n++] = seq;
}

/* Fold F's lines for order_id into F.out (masked or not) and parse it. */
static void view_as(const char *order_id, bool mask)
{
	ox_buf_reset(&F.out);
	assert_int_equal(ox_order_view_json(ox_str_z(order_id), F.lines, F.seqs, F.n, mask, &F.out), 0);
	if (ox_json_parse(&F.json, F.out.data, F.out.len) != 0)
		fail_msg("output is not JSON (%s at column %zu): %s", F.json.err, F.json.err_col, F.out.data);
	assert_int_equal(F.json.toks[0].type, OX_JSON_OBJECT);
}

static void view(const char *order_id)
{
	view_as(order_id, false);
}

/* The token at path ("customer.address.city", "payments[1].status",
 * "events[3]") in the parsed output, or NULL. */
static const struct ox_json_tok *at(const char *path)
{
	const struct ox_json_tok *t = F.json.toks;
	size_t k = 0;
	const char *p = path;
	while (*p) {
		if (*p == '[') {
			char *end;
			unsigned long i = strtoul(p + 1, &end, 10);
			assert_true(*end == ']');
			p = end + 1;
			if (t[k].type != OX_JSON_ARRAY || i >= t[k].size)
				return NULL;
			size_t c = k + 1;
			while (i--)
				c = t[c].end;
			k = c;
		} else {
			if (*p == '.')
				p++;
			size_t len = strcspn(p, ".[");
			if (t[k].type != OX_JSON_OBJECT)
				return NULL;
			size_t c = k + 1, found = 0;
			for (uint32_t m = 0; m < t[k].size; m++, c = t[c + 1].end)
				if (t[c].len == len && memcmp(t[c].s, p, len) == 0) {
					found = c + 1;
					break;
				}
			if (!found)
				return NULL;
			k = found;
			p += len;
		}
	}
	return &t[k];
}

/* A string value, compared decoded (the parser undoes escapes). */
static void expect_str(const char *path, const char *want)
{
	const struct ox_json_tok *t = at(path);
	if (!t)
		fail_msg("%s: missing in %s", path, F.out.data);
	if (t->type != OX_JSON_STRING || t->len != strlen(want) || memcmp(t->s, want, t->len) != 0)
		fail_msg("%s: want \"%s\", got %.*s", path, want, (int)t->len, t->s);
}

static void expect_num(const char *path, const char *want)
{
	const struct ox_json_tok *t = at(path);
	if (!t)
		fail_msg("%s: missing in %s", path, F.out.data);
	if (t->type != OX_JSON_NUMBER || t->len != strlen(want) || memcmp(t->s, want, t->len) != 0)
		fail_msg("%s: want %s, got %.*s", path, want, (int)t->len, t->s);
}

static void expect_null(const char *path)
{
	const struct ox_json_tok *t = at(path);
	if (!t)
		fail_msg("%s: missing in %s", path, F.out.data);
	if (t->type != OX_JSON_NULL)
		fail_msg("%s: want null, got %.*s", path, (int)t->len, t->s);
}

static void expect_true(const char *path)
{
	const struct ox_json_tok *t = at(path);
	assert_non_null(t);
	assert_int_equal(t->type, OX_JSON_TRUE);
}

static void expect_len(const char *path, uint32_t n)
{
	const struct ox_json_tok *t = at(path);
	if (!t)
		fail_msg("%s: missing in %s", path, F.out.data);
	if (t->type != OX_JSON_ARRAY || t->size != n)
		fail_msg("%s: want %u entries, got %.*s", path, n, (int)t->len, t->s);
}

/* The raw text of the value at path, as written in the output. */
static void expect_raw(const char *path, const char *want)
{
	const struct ox_json_tok *t = at(path);
	assert_non_null(t);
	if (t->len != strlen(want) || memcmp(t->s, want, t->len) != 0)
		fail_msg("%s: want %s, got %.*s", path, want, (int)t->len, t->s);
}

#define T(hm) "2026-11-11T" hm ".000+08:00"

/* A whole order, delivered the way sources deliver: late, out of order,
 * duplicated, and one line the decoder no longer accepts. */
static void lifecycle(void)
{
	add(101, "{'id':'e1','type':'order.created','ts':'2026-11-11T10:00:00+08:00','order_id':'O1',"
		 "'source':'tmall','channel':'tmall','shop':'s1','customer':{'id':'C1','name':'张三',"
		 "'phone':'13800000000','registered_at':'2025-01-01T00:00:00Z','ip':'1.2.3.4',"
		 "'device_id':'D1','address':{'province':'浙江省','city':'杭州市','district':'西湖区',"
		 "'detail':'文三路 1 号'}},'items':[{'sku':'A','qty':2,'price':'59.90'},"
		 "{'sku':'B','qty':1,'price':'10'}],'total':'119.80','coupon':{'code':'C10',"
		 "'amount':'10.00'},'remark':'请\\'尽快\\'发货\\n谢谢','pay_by':'2026-11-11T10:30:00+08:00',"
		 "'x_unknown':{'kept':[1,2]}}");
	add(102, "{'id':'e2','type':'payment.failed','ts':'2026-11-11T10:01:00+08:00','order_id':'O1',"
		 "'amount':'119.80','method':'alipay','reason':'insufficient_funds'}");
	add(103, "{'id':'e3','type':'payment.succeeded','ts':'2026-11-11T10:02:00+08:00','order_id':'O1',"
		 "'payment_id':'T1','amount':'119.80','method':'wechatpay'}");
	add(104, "{'id':'e4','type':'order.status','ts':'2026-11-11T10:02:30+08:00','order_id':'O1',"
		 "'status':'paid'}");
	add(105, "{'id':'e5','type':'order.updated','ts':'2026-11-11T10:05:00+08:00','order_id':'O1',"
		 "'customer':{'address':{'city':'宁波市','detail':'新地址 9 号'}},'ship_by':"
		 "'2026-11-12T12:00:00+08:00'}");
	/* late: an older status arrives after paid */
	add(106, "{'id':'e6','type':'order.status','ts':'2026-11-11T10:00:30+08:00','order_id':'O1',"
		 "'status':'pending_payment'}");
	add(107, "{'id':'e7','type':'shipment.created','ts':'2026-11-11T11:00:00+08:00','order_id':'O1',"
		 "'shipment_id':'S1','carrier':'sf','tracking_no':'SF123','warehouse':'W1'}");
	add(108, "{'id':'e8','type':'shipment.track','ts':'2026-11-11T13:00:00+08:00','order_id':'O1',"
		 "'tracking_no':'SF123','status':'in_transit','location':'杭州'}");
	/* the collection scan arrives after the transit scan */
	add(109, "{'id':'e9','type':'shipment.track','ts':'2026-11-11T12:00:00+08:00','order_id':'O1',"
		 "'tracking_no':'SF123','status':'collected','description':'揽收'}");
	add(110, "{'id':'e10','type':'order.status','ts':'2026-11-11T11:00:01+08:00','order_id':'O1',"
		 "'status':'shipped'}");
	/* in UTC: 10:03 in +08:00 */
	add(111, "{'id':'e11','type':'sync.ack','ts':'2026-11-11T02:03:00Z','order_id':'O1','system':'erp'}");
	add(112, "{'id':'e12','type':'sync.failed','ts':'2026-11-11T10:04:00+08:00','order_id':'O1',"
		 "'system':'wms','error':'timeout'}");
	add(113, "{'id':'e13','type':'sync.ack','ts':'2026-11-11T10:06:00.250+08:00','order_id':'O1',"
		 "'system':'erp'}");
	add(114, "{'id':'e14','type':'payment.refunded','ts':'2026-11-11T14:00:00+08:00','order_id':'O1',"
		 "'payment_id':'T1','refund_id':'R1','amount':'20.00'}");
	add(115, "{'id':'e15','type':'cs.ticket','ts':'2026-11-11T15:00:00+08:00','order_id':'O1',"
		 "'ticket_id':'K1','kind':'address_change','text':'改地址'}");
	/* the gateway's callback again, under another event id */
	add(116, "{'id':'e16','type':'payment.succeeded','ts':'2026-11-11T10:02:05+08:00','order_id':'O1',"
		 "'payment_id':'T1','amount':'119.80'}");
	add(117, "{'id':'e17','type':'inventory.reserve_failed','ts':'2026-11-11T10:02:10+08:00',"
		 "'order_id':'O1','sku':'A','qty':2,'warehouse':'W1','reason':'lock_conflict'}");
	add(118, "{'id':'e18','type':'inventory.reserved','ts':'2026-11-11T10:02:20+08:00','order_id':'O1',"
		 "'sku':'A','qty':2}");
	add(119, "{'id':'e19','type':'order.bogus','ts':'2026-11-11T10:00:00+08:00','order_id':'O1'}");
	add(120, "{'id':'e20','type':'sync.failed','ts':'2026-11-11T10:07:00+08:00','order_id':'O1',"
		 "'system':'wms'}");
	add(121, "{'id':'e21','type':'order.create_failed','ts':'2026-11-11T09:59:00+08:00','order_id':'O1',"
		 "'error':{'code':'E_DUP','message':'retry'}}");
}

static void test_lifecycle(void **state)
{
	(void)state;
	lifecycle();
	view("O1");

	expect_str("order_id", "O1");
	/* the latest by ts, not the last to arrive */
	expect_str("status", "shipped");
	expect_str("status_ts", T("11:00:01"));
	expect_str("created_at", T("10:00:00"));
	expect_str("channel", "tmall");
	expect_str("shop", "s1");
	expect_str("total", "119.80");
	expect_str("currency", "CNY");
	expect_str("coupon.code", "C10");
	expect_str("coupon.amount", "10.00");
	expect_str("remark", "请\"尽快\"发货\n谢谢");
	expect_str("pay_by", T("10:30:00"));
	expect_str("ship_by", "2026-11-12T12:00:00.000+08:00"); /* from the update */
	expect_null("deliver_by");

	expect_len("create_failed", 1);
	expect_str("create_failed[0].ts", T("09:59:00"));
	expect_str("create_failed[0].code", "E_DUP");
	expect_str("create_failed[0].message", "retry");

	expect_str("customer.id", "C1");
	expect_str("customer.name", "张三");
	expect_str("customer.phone", "13800000000");
	expect_str("customer.registered_at", "2025-01-01T08:00:00.000+08:00");
	expect_str("customer.ip", "1.2.3.4");
	expect_str("customer.device_id", "D1");
	expect_str("customer.address.province", "浙江省");
	expect_str("customer.address.city", "宁波市"); /* updated */
	expect_str("customer.address.district", "西湖区"); /* kept */
	expect_str("customer.address.detail", "新地址 9 号");

	expect_len("items", 2);
	expect_str("items[0].sku", "A");
	expect_num("items[0].qty", "2");
	expect_str("items[0].price", "59.90");
	expect_str("items[1].sku", "B");
	expect_str("items[1].price", "10.00");

	/* one failed, one succeeded: the second T1 is the same payment */
	expect_len("payments", 2);
	expect_null("payments[0].payment_id");
	expect_str("payments[0].ts", T("10:01:00"));
	expect_str("payments[0].amount", "119.80");
	expect_str("payments[0].method", "alipay");
	expect_str("payments[0].status", "failed");
	expect_str("payments[0].reason", "insufficient_funds");
	expect_str("payments[1].payment_id", "T1");
	expect_str("payments[1].ts", T("10:02:00"));
	expect_str("payments[1].method", "wechatpay");
	expect_str("payments[1].status", "succeeded");
	expect_null("payments[1].reason");

	expect_len("refunds", 1);
	expect_str("refunds[0].refund_id", "R1");
	expect_str("refunds[0].payment_id", "T1");
	expect_str("refunds[0].ts", T("14:00:00"));
	expect_str("refunds[0].amount", "20.00");

	expect_len("status_history", 3);
	expect_str("status_history[0].status", "pending_payment");
	expect_str("status_history[0].ts", T("10:00:30"));
	expect_str("status_history[1].status", "paid");
	expect_str("status_history[2].status", "shipped");

	expect_len("inventory", 2);
	expect_str("inventory[0].result", "reserve_failed");
	expect_str("inventory[0].reason", "lock_conflict");
	expect_str("inventory[0].warehouse", "W1");
	expect_num("inventory[0].qty", "2");
	expect_str("inventory[1].result", "reserved");
	expect_null("inventory[1].reason");
	expect_null("inventory[1].warehouse");

	expect_len("shipments", 1);
	expect_str("shipments[0].shipment_id", "S1");
	expect_str("shipments[0].carrier", "sf");
	expect_str("shipments[0].tracking_no", "SF123");
	expect_str("shipments[0].created_at", T("11:00:00"));
	expect_str("shipments[0].last_status", "in_transit");
	expect_len("shipments[0].tracks", 2);
	expect_str("shipments[0].tracks[0].status", "collected");
	expect_str("shipments[0].tracks[0].ts", T("12:00:00"));
	expect_null("shipments[0].tracks[0].location");
	expect_str("shipments[0].tracks[0].description", "揽收");
	expect_str("shipments[0].tracks[1].status", "in_transit");
	expect_str("shipments[0].tracks[1].location", "杭州");

	expect_len("syncs", 2);
	expect_str("syncs[0].system", "erp");
	expect_num("syncs[0].acks", "2");
	expect_str("syncs[0].last_ack", "2026-11-11T10:06:00.250+08:00");
	expect_len("syncs[0].failures", 0);
	expect_str("syncs[1].system", "wms");
	expect_num("syncs[1].acks", "0");
	expect_null("syncs[1].last_ack");
	expect_len("syncs[1].failures", 2);
	expect_str("syncs[1].failures[0].ts", T("10:04:00"));
	expect_str("syncs[1].failures[0].error", "timeout");
	expect_null("syncs[1].failures[1].error");

	expect_len("tickets", 1);
	expect_str("tickets[0].ticket_id", "K1");
	expect_str("tickets[0].kind", "address_change");
	expect_str("tickets[0].text", "改地址");

	/* every line, by ts then seq; the undecodable one last */
	expect_len("events", 21);
	expect_num("events[0].seq", "121");
	expect_str("events[0].type", "order.create_failed");
	expect_num("events[1].seq", "101");
	expect_str("events[1].id", "e1");
	expect_str("events[1].ts", T("10:00:00"));
	expect_num("events[2].seq", "106");
	expect_num("events[3].seq", "102");
	expect_num("events[4].seq", "103");
	expect_num("events[5].seq", "116");
	expect_str("events[7].type", "inventory.reserved");
	expect_num("events[19].seq", "115");
	expect_str("events[19].type", "cs.ticket");
	expect_len("events[1].event.x_unknown.kept", 2);
	expect_raw("events[2].event", "{\"id\":\"e6\",\"type\":\"order.status\",\"ts\":\"2026-11-11T10:00:30+08:00\","
				      "\"order_id\":\"O1\",\"status\":\"pending_payment\"}");
	expect_num("events[20].seq", "119");
	expect_true("events[20].undecodable");
	expect_null("events[20].type");
	expect_null("events[20].event");
	expect_str("events[20].error", "type: unknown event type \"order.bogus\"");
}

/* n = 0: the same shape, everything null or empty; byte for byte. */
/* Without the pii permission: the customer masked, the raw events left out,
 * everything else as it is. */
static void test_masked(void **state)
{
	(void)state;
	lifecycle();
	view_as("O1", true);
	expect_str("customer.name", "张*");
	expect_str("customer.phone", "138****0000");
	expect_str("customer.address.province", "浙江省");
	expect_str("customer.address.district", "西湖区");
	expect_str("customer.address.detail", "****");
	expect_str("customer.id", "C1");
	expect_null("events[0].event");
	assert_null(strstr(F.out.data, "13800000000"));
	assert_null(strstr(F.out.data, "文三路"));
	assert_null(strstr(F.out.data, "新地址"));
}

static void test_unknown_order(void **state)
{
	(void)state;
	view("O404");
	assert_string_equal(F.out.data,
			    "{\"order_id\":\"O404\",\"status\":null,\"status_ts\":null,\"created_at\":null,"
			    "\"channel\":null,\"shop\":null,\"total\":null,\"currency\":null,\"coupon\":null,"
			    "\"remark\":null,\"pay_by\":null,\"ship_by\":null,\"deliver_by\":null,"
			    "\"create_failed\":[],\"customer\":null,\"items\":[],\"payments\":[],\"refunds\":[],"
			    "\"status_history\":[],\"inventory\":[],\"shipments\":[],\"syncs\":[],"
			    "\"tickets\":[],\"events\":[]}");
	/* NULL arrays are fine with n = 0 */
	ox_buf_reset(&F.out);
	assert_int_equal(ox_order_view_json(OX_STR_LIT("O404"), NULL, NULL, 0, false, &F.out), 0);
	assert_non_null(strstr(F.out.data, "\"events\":[]}"));
}

/* Every max below the size the object needs fails and leaves out as it
 * was; the exact size succeeds. */
static void test_out_max(void **state)
{
	(void)state;
	lifecycle();
	view("O1");
	size_t need = F.out.len;
	char *full = strdup(F.out.data);
	const char prefix[] = "[prev,";
	for (size_t max = 0; max <= sizeof prefix - 1 + need; max++) {
		struct ox_buf b;
		ox_buf_init(&b, max < sizeof prefix - 1 ? sizeof prefix - 1 : max);
		assert_int_equal(ox_buf_addz(&b, prefix), 0);
		b.max = max < sizeof prefix - 1 ? sizeof prefix - 1 : max;
		int rc = ox_order_view_json(OX_STR_LIT("O1"), F.lines, F.seqs, F.n, false, &b);
		if (max < sizeof prefix - 1 + need) {
			assert_int_equal(rc, -1);
			assert_int_equal(b.len, sizeof prefix - 1);
			assert_string_equal(b.data, prefix);
		} else {
			assert_int_equal(rc, 0);
			assert_int_equal(b.len, sizeof prefix - 1 + need);
			assert_string_equal(b.data + sizeof prefix - 1, full);
		}
		ox_buf_release(&b);
	}
	free(full);
}

/* The same ts: the later seq is the status, and comes later in events. */
static void test_status_tie(void **state)
{
	(void)state;
	add(7, "{'id':'a','type':'order.status','ts':'2026-11-11T10:00:00+08:00','order_id':'O2','status':'paid'}");
	add(9, "{'id':'b','type':'order.status','ts':'2026-11-11T02:00:00Z','order_id':'O2','status':'cancelled'}");
	add(12, "{'id':'c','type':'order.status','ts':'2026-11-11T09:59:59.999+08:00','order_id':'O2',"
		"'status':'completed'}");
	view("O2");
	expect_str("status", "cancelled");
	expect_str("status_ts", T("10:00:00"));
	expect_str("status_history[0].status", "completed");
	expect_str("status_history[1].status", "paid");
	expect_str("status_history[2].status", "cancelled");
	expect_num("events[0].seq", "12");
	expect_num("events[1].seq", "7");
	expect_num("events[2].seq", "9");
	expect_null("customer");
	expect_null("created_at");
}

/* No order.created: what the updates say, the rest null. An update with an
 * earlier ts than the created still overlays it (the engine's rule). */
static void test_updates_overlay(void **state)
{
	(void)state;
	add(1, "{'id':'u1','type':'order.updated','ts':'2026-11-11T10:00:00+08:00','order_id':'O3',"
	       "'customer':{'phone':'139','address':{'city':'上海市'}},'remark':'r1','deliver_by':"
	       "'2026-11-13T00:00:00+08:00'}");
	add(2, "{'id':'u2','type':'order.updated','ts':'2026-11-11T09:00:00+08:00','order_id':'O3',"
	       "'customer':{'phone':'137','name':'李四'},'remark':null}");
	view("O3");
	expect_null("channel");
	expect_null("total");
	expect_len("items", 0);
	expect_str("remark", "r1");
	expect_str("deliver_by", "2026-11-13T00:00:00.000+08:00");
	expect_str("customer.phone", "139"); /* the later update by ts wins */
	expect_str("customer.name", "李四");
	expect_null("customer.id");
	expect_null("customer.address.province");
	expect_str("customer.address.city", "上海市");

	add(3, "{'id':'c','type':'order.created','ts':'2026-11-11T11:00:00+08:00','order_id':'O3',"
	       "'channel':'jd','customer':{'id':'C3','phone':'100','address':{'province':'上海',"
	       "'city':'上海','district':'浦东','detail':'d'}},'items':[{'sku':'X','qty':1,'price':'1.00'}],"
	       "'total':'1.00','currency':'USD','remark':'r0'}");
	view("O3");
	expect_str("channel", "jd");
	expect_str("currency", "USD");
	expect_null("coupon");
	expect_null("shop");
	expect_null("pay_by");
	expect_null("ship_by");
	expect_str("remark", "r1");
	expect_str("customer.id", "C3");
	expect_str("customer.phone", "139");
	expect_str("customer.address.province", "上海");
	expect_str("customer.address.city", "上海市");
	expect_null("customer.ip");
	expect_null("customer.registered_at");
}

/* Tracks with no shipment.created, two tracking numbers, refunds repeated. */
static void test_shipments_and_repeats(void **state)
{
	(void)state;
	add(1, "{'id':'t1','type':'shipment.track','ts':'2026-11-11T12:00:00+08:00','order_id':'O4',"
	       "'tracking_no':'YT9','status':'exception'}");
	add(2, "{'id':'s1','type':'shipment.created','ts':'2026-11-11T11:00:00+08:00','order_id':'O4',"
	       "'shipment_id':'S2','carrier':'zto','tracking_no':'ZT1'}");
	add(3, "{'id':'t2','type':'shipment.track','ts':'2026-11-11T13:00:00+08:00','order_id':'O4',"
	       "'tracking_no':'ZT1','status':'delivered'}");
	add(4, "{'id':'t3','type':'shipment.track','ts':'2026-11-11T13:00:00+08:00','order_id':'O4',"
	       "'tracking_no':'ZT1','status':'damaged'}");
	add(5, "{'id':'r1','type':'payment.refunded','ts':'2026-11-11T14:00:00+08:00','order_id':'O4',"
	       "'payment_id':'T','refund_id':'R','amount':'1.00'}");
	add(6, "{'id':'r2','type':'payment.refunded','ts':'2026-11-11T13:30:00+08:00','order_id':'O4',"
	       "'payment_id':'T','refund_id':'R','amount':'1.00'}");
	view("O4");
	expect_len("shipments", 2);
	expect_str("shipments[0].tracking_no", "ZT1"); /* its first event is earlier */
	expect_str("shipments[0].shipment_id", "S2");
	expect_str("shipments[0].last_status", "damaged"); /* same ts: the later seq */
	expect_len("shipments[0].tracks", 2);
	expect_str("shipments[1].tracking_no", "YT9");
	expect_null("shipments[1].shipment_id");
	expect_null("shipments[1].carrier");
	expect_null("shipments[1].created_at");
	expect_str("shipments[1].last_status", "exception");
	expect_len("refunds", 1);
	expect_str("refunds[0].ts", T("13:30:00"));
}

/* Hostile text round-trips: quotes, backslashes, control characters in the
 * order id and in event strings; CRLF lines; an empty line. */
static void test_escaping(void **state)
{
	(void)state;
	add(1, "{'id':'k\\u0001','type':'cs.ticket','ts':'2026-11-11T10:00:00+08:00','order_id':'O\\'5',"
	       "'ticket_id':'K\\\\1','kind':'other','text':'a\\tb\\u001fc\\'d</script>'}\r");
	add(2, "");
	view("O\"5\n\x01");
	expect_str("order_id", "O\"5\n\x01");
	expect_str("tickets[0].ticket_id", "K\\1");
	expect_str("tickets[0].text", "a\tb\x1f" "c\"d</script>");
	expect_str("events[0].id", "k\x01");
	/* escaped in the output, not only decodable */
	assert_non_null(strstr(F.out.data, "\"order_id\":\"O\\\"5\\n\\u0001\""));
	/* the raw line, without its CR */
	expect_raw("events[0].event", "{\"id\":\"k\\u0001\",\"type\":\"cs.ticket\",\"ts\":\"2026-11-11T10:00:00+08:00\","
				      "\"order_id\":\"O\\\"5\",\"ticket_id\":\"K\\\\1\",\"kind\":\"other\","
				      "\"text\":\"a\\tb\\u001fc\\\"d</script>\"}");
	expect_true("events[1].undecodable");
	expect_num("events[1].seq", "2");
	assert_null(strchr(F.out.data, '\r'));
	assert_null(strchr(F.out.data, '\n'));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define U(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		U(test_lifecycle),
		U(test_masked),
		U(test_unknown_order),
		U(test_out_max),
		U(test_status_tie),
		U(test_updates_overlay),
		U(test_shipments_and_repeats),
		U(test_escaping),
#undef U
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

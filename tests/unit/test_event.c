/* test_event.c - the event decoder (src/event.c) against the contract
 * (shared/spec/events.md).
 *
 * Lines are written with ' for " so that they stay readable; j() turns them
 * into JSON. Every rejection reason is a row of rejects[] and runs as a test
 * of its own.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"

static struct ox_decoder *D;
static struct ox_event EV;
static char ERR[OX_ERR_BUFSZ];
static char LINE[(1 << 20) + 64];

static const char *j(const char *s)
{
	size_t n = strlen(s);
	assert_true(n < sizeof LINE);
	for (size_t i = 0; i <= n; i++)
		LINE[i] = s[i] == '\'' ? '"' : s[i];
	return LINE;
}

static int setup(void **state)
{
	(void)state;
	D = ox_decoder_new(NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ox_decoder_free(D);
	D = NULL;
	return 0;
}

static const struct ox_event *decode_n(const char *s, size_t n)
{
	if (ox_decode(D, s, n, &EV, ERR) != 0)
		fail_msg("rejected: %s\n  line: %.300s", ERR, s);
	return &EV;
}

static const struct ox_event *decode(const char *line)
{
	const char *s = j(line);
	return decode_n(s, strlen(s));
}

static const char *decode_err_n(const char *s, size_t n)
{
	if (ox_decode(D, s, n, &EV, ERR) == 0)
		fail_msg("accepted: %.300s", s);
	return ERR;
}

static const char *decode_err(const char *line)
{
	const char *s = j(line);
	return decode_err_n(s, strlen(s));
}

static void assert_str(struct ox_str got, const char *want)
{
	if (!got.s)
		fail_msg("absent, want \"%s\"", want);
	assert_int_equal(got.len, strlen(want));
	assert_memory_equal(got.s, want, got.len);
	assert_int_equal(got.s[got.len], '\0'); /* the decoder's promise */
}

static ox_time T(const char *s)
{
	ox_time t;
	assert_int_equal(ox_time_parse(s, strlen(s), &t), 0);
	return t;
}

#define TS "'ts':'2026-11-11T10:00:00.000+08:00'"
#define ENV(t) "'id':'e1','type':'" t "'," TS ",'order_id':'O1'"
#define ADDR "'address':{'province':'浙江省','city':'杭州市','district':'西湖区','detail':'文三路1号'}"
#define CUST "'customer':{'id':'c1','phone':'13812345678'," ADDR "}"
#define ITEMS "'items':[{'sku':'S1','qty':2,'price':'9.90'}]"
#define CREATED(extra) \
	"{" ENV("order.created") ",'channel':'tmall'," CUST "," ITEMS ",'total':'19.80'" extra "}"
#define PAY(t, extra) "{" ENV(t) ",'payment_id':'P1','amount':'10.00','reason':'r'," \
	"'refund_id':'R1'" extra "}"

/* ---- acceptance, one test per type ---- */

static void test_order_created_all_fields(void **state)
{
	(void)state;
	const struct ox_event *ev = decode(
		"{'id':'e1','type':'order.created','ts':'2026-11-11T10:00:00.000+08:00',"
		"'order_id':'A1','source':'tmall','channel':'tmall','shop':'s1',"
		"'customer':{'id':'c1','registered_at':'2026-11-01T00:00:00Z','name':'张三',"
		"'phone':'13812345678','address':{'province':'浙江省','city':'杭州市',"
		"'district':'西湖区','detail':'文三路100号'},'ip':'10.0.0.1','device_id':'d1'},"
		"'items':[{'sku':'S1','qty':1,'price':'99.00'},{'sku':'S2','qty':100000,'price':'0.5'}],"
		"'total':'50099.00','currency':'USD','coupon':{'code':'C10','amount':'10'},"
		"'remark':'麻烦加急，谢谢','pay_by':'2026-11-11T10:30:00+08:00',"
		"'ship_by':'2026-11-13T10:00:00+08:00','deliver_by':'2026-11-15T10:00:00.5+08:00'}");
	assert_int_equal(ev->type, OX_EV_ORDER_CREATED);
	assert_str(ev->id, "e1");
	assert_str(ev->order_id, "A1");
	assert_str(ev->source, "tmall");
	assert_int_equal(ev->ts, T("2026-11-11T02:00:00Z"));
	assert_str(ev->channel, "tmall");
	assert_str(ev->shop, "s1");
	assert_str(ev->customer.id, "c1");
	assert_int_equal(ev->customer.registered_at, T("2026-11-01T00:00:00Z"));
	assert_str(ev->customer.name, "张三");
	assert_str(ev->customer.phone, "13812345678");
	assert_str(ev->customer.address.province, "浙江省");
	assert_str(ev->customer.address.city, "杭州市");
	assert_str(ev->customer.address.district, "西湖区");
	assert_str(ev->customer.address.detail, "文三路100号");
	assert_str(ev->customer.ip, "10.0.0.1");
	assert_str(ev->customer.device_id, "d1");
	assert_int_equal(ev->n_items, 2);
	assert_str(ev->items[0].sku, "S1");
	assert_int_equal(ev->items[0].qty, 1);
	assert_int_equal(ev->items[0].price, 9900);
	assert_str(ev->items[1].sku, "S2");
	assert_int_equal(ev->items[1].qty, 100000);
	assert_int_equal(ev->items[1].price, 50);
	assert_int_equal(ev->total, 5009900);
	assert_str(ev->currency, "USD");
	assert_str(ev->coupon_code, "C10");
	assert_int_equal(ev->coupon_amount, 1000);
	assert_str(ev->remark, "麻烦加急，谢谢");
	assert_int_equal(ev->pay_by, T("2026-11-11T02:30:00Z"));
	assert_int_equal(ev->ship_by, T("2026-11-13T02:00:00Z"));
	assert_int_equal(ev->deliver_by, T("2026-11-15T02:00:00.500Z"));
	assert_int_equal(ev->has,
			 OX_HAS_SOURCE | OX_HAS_SHOP | OX_HAS_CUSTOMER_ID | OX_HAS_REGISTERED_AT |
				 OX_HAS_NAME | OX_HAS_PHONE | OX_HAS_ADDRESS | OX_HAS_IP |
				 OX_HAS_DEVICE_ID | OX_HAS_CURRENCY | OX_HAS_COUPON |
				 OX_HAS_REMARK | OX_HAS_PAY_BY | OX_HAS_SHIP_BY |
				 OX_HAS_DELIVER_BY);
}

static void test_order_created_minimal(void **state)
{
	(void)state;
	/* Phone and address parts may be empty; defaults are left to the
	 * engine except the currency. */
	const struct ox_event *ev = decode(
		"{'id':'e1','type':'order.created','ts':'2026-11-11T10:00:00Z','order_id':'A1',"
		"'channel':'jd','customer':{'id':'c1','phone':'','address':{'province':'',"
		"'city':'','district':'','detail':''}},'items':[{'sku':'S1','qty':1,'price':'1'}],"
		"'total':'1'}");
	assert_str(ev->customer.phone, "");
	assert_str(ev->customer.address.detail, "");
	assert_str(ev->currency, "CNY");
	assert_int_equal(ev->has, OX_HAS_CUSTOMER_ID | OX_HAS_PHONE | OX_HAS_ADDRESS);
	assert_int_equal(ev->pay_by, OX_TIME_NONE);
	assert_int_equal(ev->ship_by, OX_TIME_NONE);
	assert_int_equal(ev->deliver_by, OX_TIME_NONE);
	assert_int_equal(ev->customer.registered_at, OX_TIME_NONE);
	assert_null(ev->shop.s);
	assert_null(ev->coupon_code.s);
	assert_int_equal(ev->total, 100);
}

static void test_order_create_failed(void **state)
{
	(void)state;
	const struct ox_event *ev = decode(
		"{" ENV("order.create_failed") ",'error':{'code':'STOCK','message':'库存不足'}}");
	assert_int_equal(ev->type, OX_EV_ORDER_CREATE_FAILED);
	assert_str(ev->error_code, "STOCK");
	assert_str(ev->error_message, "库存不足");
	assert_int_equal(ev->has, OX_HAS_ERROR_MESSAGE);
	ev = decode("{" ENV("order.create_failed") ",'error':{'code':'X'}}");
	assert_int_equal(ev->has, 0);
	assert_null(ev->error_message.s);
}

static void test_order_status_every_status(void **state)
{
	(void)state;
	char line[256];
	for (int s = 0; s < OX_ST__COUNT; s++) {
		snprintf(line, sizeof line, "{" ENV("order.status") ",'status':'%s'}",
			 ox_order_status_name((enum ox_order_status)s));
		const struct ox_event *ev = decode(line);
		assert_int_equal(ev->type, OX_EV_ORDER_STATUS);
		assert_int_equal(ev->status, s);
	}
}

static void test_order_updated_partial(void **state)
{
	(void)state;
	const struct ox_event *ev = decode(
		"{" ENV("order.updated") ",'customer':{'address':{'province':'广东省',"
		"'city':'广州市'}}}");
	assert_int_equal(ev->type, OX_EV_ORDER_UPDATED);
	assert_str(ev->customer.address.province, "广东省");
	assert_str(ev->customer.address.city, "广州市");
	assert_null(ev->customer.address.district.s);
	assert_int_equal(ev->has, OX_HAS_PROVINCE | OX_HAS_CITY);

	ev = decode("{" ENV("order.updated") "}");
	assert_int_equal(ev->has, 0);

	ev = decode("{" ENV("order.updated") ",'customer':{'id':'c2','registered_at':"
		    "'2026-01-01T00:00:00Z','name':'','phone':'139','ip':'::1','device_id':'d',"
		    "'address':{'province':'a','city':'b','district':'c','detail':'d'}},"
		    "'remark':'r','ship_by':'2026-11-12T00:00:00Z','deliver_by':"
		    "'2026-11-13T00:00:00Z','channel':'ignored'}");
	assert_int_equal(ev->has, OX_HAS_CUSTOMER_ID | OX_HAS_REGISTERED_AT | OX_HAS_NAME |
					  OX_HAS_PHONE | OX_HAS_ADDRESS | OX_HAS_IP |
					  OX_HAS_DEVICE_ID | OX_HAS_REMARK | OX_HAS_SHIP_BY |
					  OX_HAS_DELIVER_BY);
	assert_str(ev->customer.name, "");
	assert_str(ev->remark, "r");
	assert_int_equal(ev->ship_by, T("2026-11-12T00:00:00Z"));
	assert_null(ev->channel.s); /* not a field of order.updated */
}

static void test_payments(void **state)
{
	(void)state;
	const struct ox_event *ev = decode(PAY("payment.succeeded", ",'method':'alipay'"));
	assert_int_equal(ev->type, OX_EV_PAYMENT_SUCCEEDED);
	assert_str(ev->payment_id, "P1");
	assert_int_equal(ev->amount, 1000);
	assert_str(ev->method, "alipay");
	assert_str(ev->reason, "r");
	assert_str(ev->refund_id, "R1");
	assert_int_equal(ev->has, OX_HAS_PAYMENT_ID | OX_HAS_METHOD | OX_HAS_REASON);

	ev = decode("{" ENV("payment.failed") ",'amount':'99.00','reason':'limit_exceeded'}");
	assert_int_equal(ev->type, OX_EV_PAYMENT_FAILED);
	assert_str(ev->reason, "limit_exceeded");
	assert_int_equal(ev->has, OX_HAS_REASON);
	assert_null(ev->payment_id.s);

	ev = decode("{" ENV("payment.refunded") ",'payment_id':'P1','amount':'0.01',"
		    "'refund_id':'RF1'}");
	assert_int_equal(ev->type, OX_EV_PAYMENT_REFUNDED);
	assert_str(ev->refund_id, "RF1");
	assert_int_equal(ev->amount, 1);
	assert_int_equal(ev->has, OX_HAS_PAYMENT_ID);
}

static void test_inventory(void **state)
{
	(void)state;
	const struct ox_event *ev = decode(
		"{" ENV("inventory.reserved") ",'sku':'S1','qty':3,'warehouse':'W1'}");
	assert_int_equal(ev->type, OX_EV_INVENTORY_RESERVED);
	assert_str(ev->sku, "S1");
	assert_int_equal(ev->qty, 3);
	assert_str(ev->warehouse, "W1");
	assert_int_equal(ev->has, OX_HAS_WAREHOUSE);

	ev = decode("{" ENV("inventory.reserve_failed") ",'sku':'S1','qty':1,"
		    "'reason':'insufficient'}");
	assert_int_equal(ev->type, OX_EV_INVENTORY_RESERVE_FAILED);
	assert_str(ev->reason, "insufficient");
	assert_int_equal(ev->has, OX_HAS_REASON);

	/* Not tied to an order: no order_id; source is required. */
	ev = decode("{'id':'e1','type':'inventory.level'," TS ",'sku':'S1','source':'wms',"
		    "'available':-5,'warehouse':'W1'}");
	assert_int_equal(ev->type, OX_EV_INVENTORY_LEVEL);
	assert_null(ev->order_id.s);
	assert_str(ev->source, "wms");
	assert_int_equal(ev->available, -5);
	assert_int_equal(ev->has, OX_HAS_SOURCE | OX_HAS_WAREHOUSE);

	/* ordex's addition: no order, no source needed; both bounds. */
	ev = decode("{'id':'e1','type':'inventory.low_stock'," TS ",'sku':'S1','available':-3,"
		    "'threshold':10}");
	assert_int_equal(ev->type, OX_EV_INVENTORY_LOW_STOCK);
	assert_null(ev->order_id.s);
	assert_null(ev->source.s);
	assert_str(ev->sku, "S1");
	assert_int_equal(ev->available, -3);
	assert_int_equal(ev->threshold, 10);
	assert_int_equal(ev->has, 0);
	ev = decode("{'id':'e1','type':'inventory.low_stock'," TS ",'order_id':'O1','source':'ordex',"
		    "'sku':'S1','available':-1000000000000,'threshold':1000000000000,'warehouse':'W1'}");
	assert_str(ev->order_id, "O1");
	assert_str(ev->source, "ordex");
	assert_int_equal(ev->available, INT64_C(-1000000000000));
	assert_int_equal(ev->threshold, INT64_C(1000000000000));
	assert_str(ev->warehouse, "W1");
	assert_int_equal(ev->has, OX_HAS_SOURCE | OX_HAS_WAREHOUSE);
	ev = decode("{'id':'e1','type':'inventory.low_stock'," TS ",'sku':'S1','available':1000000000000,"
		    "'threshold':0,'warehouse':null}");
	assert_int_equal(ev->available, INT64_C(1000000000000));
	assert_int_equal(ev->threshold, 0);
	assert_int_equal(ev->has, 0);
}

static void test_shipments(void **state)
{
	(void)state;
	const struct ox_event *ev = decode(
		"{" ENV("shipment.created") ",'shipment_id':'SH1','carrier':'sf',"
		"'tracking_no':'SF123','warehouse':'W1'}");
	assert_int_equal(ev->type, OX_EV_SHIPMENT_CREATED);
	assert_str(ev->shipment_id, "SH1");
	assert_str(ev->carrier, "sf");
	assert_str(ev->tracking_no, "SF123");
	assert_int_equal(ev->has, OX_HAS_WAREHOUSE);

	char line[512];
	for (int s = 0; s < OX_TRK__COUNT; s++) {
		snprintf(line, sizeof line,
			 "{" ENV("shipment.track") ",'tracking_no':'SF123','status':'%s',"
			 "'location':'杭州转运中心','description':'已揽收'}",
			 ox_track_status_name((enum ox_track_status)s));
		ev = decode(line);
		assert_int_equal(ev->type, OX_EV_SHIPMENT_TRACK);
		assert_int_equal(ev->track_status, s);
		assert_str(ev->location, "杭州转运中心");
		assert_str(ev->description, "已揽收");
		assert_int_equal(ev->has, OX_HAS_LOCATION | OX_HAS_DESCRIPTION);
	}
}

static void test_sync(void **state)
{
	(void)state;
	const struct ox_event *ev = decode("{" ENV("sync.ack") ",'system':'erp'}");
	assert_int_equal(ev->type, OX_EV_SYNC_ACK);
	assert_str(ev->system, "erp");
	ev = decode("{" ENV("sync.failed") ",'system':'wms','error':'timeout after 30s'}");
	assert_int_equal(ev->type, OX_EV_SYNC_FAILED);
	assert_str(ev->sync_error, "timeout after 30s");
	assert_int_equal(ev->has, OX_HAS_SYNC_ERROR);
	ev = decode("{" ENV("sync.failed") ",'system':'wms'}");
	assert_int_equal(ev->has, 0);
}

static void test_cs_ticket_every_kind(void **state)
{
	(void)state;
	char line[512];
	for (int k = 0; k < OX_TK__COUNT; k++) {
		snprintf(line, sizeof line,
			 "{" ENV("cs.ticket") ",'ticket_id':'T1','kind':'%s','text':'没收到货'}",
			 ox_ticket_kind_name((enum ox_ticket_kind)k));
		const struct ox_event *ev = decode(line);
		assert_int_equal(ev->type, OX_EV_CS_TICKET);
		assert_int_equal(ev->ticket_kind, k);
		assert_str(ev->ticket_id, "T1");
		assert_str(ev->text, "没收到货");
		assert_int_equal(ev->has, OX_HAS_TEXT);
	}
}

static void test_tick(void **state)
{
	(void)state;
	const struct ox_event *ev = decode("{'id':'t1','type':'tick','ts':'2026-11-15T03:00:00+08:00'}");
	assert_int_equal(ev->type, OX_EV_TICK);
	assert_int_equal(ev->ts, T("2026-11-14T19:00:00Z"));
	assert_null(ev->order_id.s);
	assert_int_equal(ev->has, 0);
	ev = decode("{" ENV("tick") "}");
	assert_str(ev->order_id, "O1");
}

/* ---- contract rules across types ---- */

static void test_unknown_fields_kept(void **state)
{
	(void)state;
	const char *line = j(
		"{'x_trace':{'a':[1,2,{'b':null}],'c':'d'},'id':'e1','type':'sync.ack'," TS ","
		"'order_id':'O1','x_trace':'dup of an unknown is fine','system':'erp',"
		"'x_n':1.5e10,'x_t':true}");
	size_t n = strlen(line);
	const struct ox_event *ev = decode_n(line, n);
	assert_str(ev->system, "erp");
	assert_int_equal(ev->raw.len, n);
	assert_memory_equal(ev->raw.s, line, n);
	/* Nested unknowns too. */
	ev = decode("{" ENV("order.created") ",'channel':'tmall','customer':{'id':'c1',"
		    "'phone':'1','vip':true,'address':{'province':'p','city':'c','district':'d',"
		    "'detail':'x','zip':'310000'}},'items':[{'sku':'S1','qty':1,'price':'1',"
		    "'title':'衬衫'}],'total':'1'}");
	assert_str(ev->customer.address.detail, "x");
	assert_str(ev->items[0].sku, "S1");
}

static void test_nulls_are_absent(void **state)
{
	(void)state;
	const struct ox_event *ev = decode(CREATED(
		",'source':null,'shop':null,'currency':null,'coupon':null,'remark':null,"
		"'pay_by':null,'ship_by':null,'deliver_by':null"));
	assert_int_equal(ev->has, OX_HAS_CUSTOMER_ID | OX_HAS_PHONE | OX_HAS_ADDRESS);
	assert_null(ev->source.s);
	assert_str(ev->currency, "CNY");
	assert_int_equal(ev->pay_by, OX_TIME_NONE);
	ev = decode("{" ENV("order.updated") ",'customer':{'name':null,'address':null},"
		    "'remark':null}");
	assert_int_equal(ev->has, 0);
	ev = decode("{'id':'e1','type':'tick'," TS ",'order_id':null}");
	assert_null(ev->order_id.s);
}

static void test_escapes_decoded(void **state)
{
	(void)state;
	const struct ox_event *ev = decode(
		"{" ENV("cs.ticket") ",'ticket_id':'T\\u0031','kind':'other',"
		"'text':'\\ud83d\\ude00 \\u4f60\\u597d \\'q\\' a\\\\b\\nc\\/'}");
	assert_str(ev->ticket_id, "T1");
	assert_str(ev->text, "\xF0\x9F\x98\x80 你好 \"q\" a\\b\nc/");
	/* An escaped key names a known field. */
	ev = decode("{" ENV("sync.ack") ",'\\u0073ystem':'erp'}");
	assert_str(ev->system, "erp");
}

static void test_crlf(void **state)
{
	(void)state;
	const char *line = j("{" ENV("sync.ack") ",'system':'erp'}\r");
	size_t n = strlen(line);
	const struct ox_event *ev = decode_n(line, n);
	assert_str(ev->system, "erp");
	assert_int_equal(ev->raw.len, n - 1); /* the CR is framing */
	assert_int_equal(ev->raw.s[ev->raw.len - 1], '}');
	/* Only one trailing CR is framing; white space before it is JSON's. */
	line = j("{" ENV("sync.ack") ",'system':'erp'} \r");
	decode_n(line, strlen(line));
	/* A CR inside a string is not. */
	line = j("{" ENV("sync.ack") ",'system':'e\rrp'}");
	assert_string_equal(decode_err_n(line, strlen(line)),
			    "invalid JSON: control character in string at column 94");
}

static void test_line_length(void **state)
{
	(void)state;
	const size_t max = 1 << 20;
	const char *head = j("{" ENV("tick") ",'pad':'");
	size_t h = strlen(head);
	memset(LINE + h, 'x', max - h - 2);
	memcpy(LINE + max - 2, "\"}", 2);
	const struct ox_event *ev = decode_n(LINE, max);
	assert_int_equal(ev->raw.len, max);
	LINE[max] = ' ';
	assert_string_equal(decode_err_n(LINE, max + 1), "line too long: 1048577 bytes > 1048576");
	/* The limit counts the line as given, CR included. */
	LINE[max] = '\r';
	assert_string_equal(decode_err_n(LINE, max + 1), "line too long: 1048577 bytes > 1048576");

	struct ox_limits lim = ox_limits_default();
	lim.max_line = 100;
	struct ox_decoder *d = ox_decoder_new(&lim);
	struct ox_event ev2;
	char err[OX_ERR_BUFSZ];
	memset(LINE, ' ', 101);
	assert_int_equal(ox_decode(d, LINE, 101, &ev2, err), -1);
	assert_string_equal(err, "line too long: 101 bytes > 100");
	ox_decoder_free(d);
}

static void test_depth_limit(void **state)
{
	(void)state;
	/* The event object is level 1; 31 more levels pass, 32 do not. */
	char line[512];
	int n = snprintf(line, sizeof line, "{" ENV("tick") ",'x':");
	memset(line + n, '[', 31);
	memset(line + n + 31, ']', 31);
	strcpy(line + n + 62, "}");
	decode(line);
	n = snprintf(line, sizeof line, "{" ENV("tick") ",'x':");
	memset(line + n, '[', 32);
	memset(line + n + 32, ']', 32);
	strcpy(line + n + 64, "}");
	char want[80];
	snprintf(want, sizeof want, "invalid JSON: nesting too deep at column %d", n + 32);
	assert_string_equal(decode_err(line), want);
}

static char *items_line(size_t count)
{
	static char buf[128 * 1024];
	size_t n = (size_t)snprintf(buf, sizeof buf,
				    "{" ENV("order.created") ",'channel':'tmall'," CUST ",'items':[");
	for (size_t i = 0; i < count; i++)
		n += (size_t)snprintf(buf + n, sizeof buf - n, "%s{'sku':'S%zu','qty':%zu,'price':'1.%02zu'}",
				      i ? "," : "", i, i + 1, i % 100);
	snprintf(buf + n, sizeof buf - n, "],'total':'1'}");
	return buf;
}

static void test_items_limit(void **state)
{
	(void)state;
	const struct ox_event *ev = decode(items_line(1000));
	assert_int_equal(ev->n_items, 1000);
	assert_str(ev->items[999].sku, "S999");
	assert_int_equal(ev->items[999].qty, 1000);
	assert_int_equal(ev->items[999].price, 199);
	assert_string_equal(decode_err(items_line(1001)), "items: must have 1..1000 entries");

	struct ox_limits lim = ox_limits_default();
	lim.max_items = 2;
	struct ox_decoder *d = ox_decoder_new(&lim);
	struct ox_event ev2;
	char err[OX_ERR_BUFSZ];
	const char *l = j(items_line(3));
	assert_int_equal(ox_decode(d, l, strlen(l), &ev2, err), -1);
	assert_string_equal(err, "items: must have 1..2 entries");
	l = j(items_line(2));
	assert_int_equal(ox_decode(d, l, strlen(l), &ev2, err), 0);
	assert_int_equal(ev2.n_items, 2);
	ox_decoder_free(d);
}

/* Money: ^[0-9]+(\.[0-9]{1,2})?$ to fen. Leading zeros match the pattern,
 * so "01.00" is accepted as 1 yuan. */
static void test_money_edges(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		int64_t fen;
	} ok[] = {
		{ "0", 0 },	  { "0.5", 50 },     { "1.05", 105 },	   { "01.00", 100 },
		{ "00", 0 },	  { "0.00", 0 },     { "119.80", 11980 }, { "119.8", 11980 },
		{ "10000000000000.00", INT64_C(1000000000000000) },
		{ "0000000000000000000000000000001.5", 150 },
	};
	char line[512];
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		snprintf(line, sizeof line, "{" ENV("payment.failed") ",'amount':'%s','reason':'r'}",
			 ok[i].s);
		assert_int_equal(decode(line)->amount, ok[i].fen);
		ox_money m = -1;
		assert_int_equal(ox_money_parse(ok[i].s, strlen(ok[i].s), &m), 0);
		assert_int_equal(m, ok[i].fen);
	}
	static const char *const bad[] = {
		"", "1.", ".5", "1.234", "-1", "+1", "1e2", " 1", "1 ", "1,000.00", "0x10",
		"１", "1.0.0", "1..0", "NaN", "10000000000000.01", "99999999999999999999999",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ox_money m = -1;
		if (ox_money_parse(bad[i], strlen(bad[i]), &m) == 0)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_int_equal(m, -1);
	}
}

static void test_integers(void **state)
{
	(void)state;
	static const struct {
		const char *v;
		int64_t want;
	} ok[] = {
		{ "0", 0 },
		{ "-0", 0 },
		{ "-1000000000000", INT64_C(-1000000000000) },
		{ "1000000000000", INT64_C(1000000000000) },
		{ "42", 42 },
	};
	char line[256];
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		snprintf(line, sizeof line,
			 "{'id':'e','type':'inventory.level'," TS ",'sku':'S','source':'oms',"
			 "'available':%s}",
			 ok[i].v);
		assert_int_equal(decode(line)->available, ok[i].want);
	}
	assert_int_equal(decode("{" ENV("inventory.reserved") ",'sku':'S','qty':100000}")->qty,
			 100000);
	assert_int_equal(decode("{" ENV("inventory.reserved") ",'sku':'S','qty':1}")->qty, 1);
}

/* out = tmpl with its "%s" replaced by value. */
static void fill(char *out, const char *tmpl, const char *value)
{
	const char *at = strstr(tmpl, "%s");
	size_t head = (size_t)(at - tmpl);
	memcpy(out, tmpl, head);
	strcpy(out + head, value);
	strcat(out, at + 2);
}

static void test_string_limits(void **state)
{
	(void)state;
	static const struct {
		const char *field;
		size_t max;
		const char *fmt; /* the line, with %s where the value goes */
	} cases[] = {
		{ "id", 128, "{'id':'%s','type':'tick'," TS "}" },
		{ "order_id", 64, "{'id':'e','type':'tick'," TS ",'order_id':'%s'}" },
		{ "system", 256, "{" ENV("sync.ack") ",'system':'%s'}" },
		{ "customer.name", 256, "{" ENV("order.updated") ",'customer':{'name':'%s'}}" },
		{ "customer.address.detail", 256,
		  "{" ENV("order.updated") ",'customer':{'address':{'detail':'%s'}}}" },
		{ "remark", 8192, "{" ENV("order.updated") ",'remark':'%s'}" },
		{ "error.message", 8192,
		  "{" ENV("order.create_failed") ",'error':{'code':'c','message':'%s'}}" },
		{ "error", 8192, "{" ENV("sync.failed") ",'system':'s','error':'%s'}" },
	};
	char *value = malloc(8194), *line = malloc(9000), want[128];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memset(value, 'v', cases[i].max);
		value[cases[i].max] = '\0';
		fill(line, cases[i].fmt, value);
		decode(line);
		value[cases[i].max] = 'v';
		value[cases[i].max + 1] = '\0';
		fill(line, cases[i].fmt, value);
		if (strcmp(cases[i].field, "id") == 0 || strcmp(cases[i].field, "order_id") == 0 ||
		    strcmp(cases[i].field, "system") == 0)
			snprintf(want, sizeof want, "%s: must be 1..%zu bytes", cases[i].field,
				 cases[i].max);
		else
			snprintf(want, sizeof want, "%s: must be at most %zu bytes", cases[i].field,
				 cases[i].max);
		assert_string_equal(decode_err(line), want);
	}
	/* Limits are bytes: 43 three-byte characters are 129 bytes. */
	strcpy(value, "");
	for (int k = 0; k < 43; k++)
		strcat(value, "单");
	fill(line, cases[0].fmt, value);
	assert_string_equal(decode_err(line), "id: must be 1..128 bytes");
	free(value);
	free(line);
}

static void test_unknown_type_quoted(void **state)
{
	(void)state;
	char line[400], want[200];
	memset(want, 0, sizeof want);
	snprintf(line, sizeof line, "{'type':'%0100d'}", 0);
	snprintf(want, sizeof want, "type: unknown event type \"%064d...\"", 0);
	assert_string_equal(decode_err(line), want);
	/* The cut never splits a UTF-8 character: byte 64 is inside the 21st. */
	strcpy(line, "{'type':'xy");
	for (int k = 0; k < 30; k++)
		strcat(line, "单");
	strcat(line, "'}");
	strcpy(want, "type: unknown event type \"xy");
	for (int k = 0; k < 20; k++)
		strcat(want, "单");
	strcat(want, "...\"");
	assert_string_equal(decode_err(line), want);
	/* Escapes count at their escaped length: ten of six bytes fit. */
	strcpy(line, "{'type':'");
	for (int k = 0; k < 40; k++)
		strcat(line, "\x7f");
	strcat(line, "\\ud83d\\ude00'}");
	strcpy(want, "type: unknown event type \"");
	for (int k = 0; k < 10; k++)
		strcat(want, "\\u007f");
	strcat(want, "...\"");
	assert_string_equal(decode_err(line), want);
}

static void test_decoder_reuse(void **state)
{
	(void)state;
	decode(CREATED(",'remark':'\\u4f60','coupon':{'code':'C','amount':'1'}"));
	assert_int_equal(EV.n_items, 1);
	const struct ox_event *ev = decode("{" ENV("sync.ack") ",'system':'erp'}");
	assert_int_equal(ev->has, 0);
	assert_int_equal(ev->n_items, 0);
	assert_null(ev->items);
	assert_null(ev->remark.s);
	assert_null(ev->coupon_code.s);
	assert_str(ev->system, "erp");
	/* A failure leaves the decoder usable. */
	decode_err("{'type':'nope'}");
	assert_str(decode("{" ENV("sync.ack") ",'system':'wms'}")->system, "wms");
}

static void test_order_of_errors(void **state)
{
	(void)state;
	/* The first bad member in input order wins; then missing required
	 * fields in contract order. */
	assert_string_equal(decode_err("{'type':'sync.ack','order_id':'','id':''," TS "}"),
			    "order_id: must be 1..64 bytes");
	assert_string_equal(decode_err("{'type':'sync.ack'}"), "id: required");
	assert_string_equal(decode_err("{'type':'sync.ack','id':'e'}"), "ts: required");
	/* An unknown type is reported before anything else. */
	assert_string_equal(decode_err("{'id':'','type':'x'}"),
			    "type: unknown event type \"x\"");
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(ox_event_type_name(OX_EV_ORDER_CREATED), "order.created");
	assert_string_equal(ox_event_type_name(OX_EV_INVENTORY_LOW_STOCK), "inventory.low_stock");
	assert_string_equal(ox_event_type_name(OX_EV_TICK), "tick");
	assert_string_equal(ox_event_type_name(OX_EV__COUNT), "?");
	assert_string_equal(ox_order_status_name(OX_ST_REFUNDED), "refunded");
	assert_string_equal(ox_order_status_name(OX_ST__COUNT), "?");
	assert_string_equal(ox_track_status_name(OX_TRK_OUT_FOR_DELIVERY), "out_for_delivery");
	assert_string_equal(ox_track_status_name(OX_TRK__COUNT), "?");
	assert_string_equal(ox_ticket_kind_name(OX_TK_ADDRESS_CHANGE), "address_change");
	assert_string_equal(ox_ticket_kind_name(OX_TK__COUNT), "?");
}

static void test_line_is_blank(void **state)
{
	(void)state;
	assert_true(ox_line_is_blank("", 0));
	assert_true(ox_line_is_blank(" \t\r", 3));
	assert_false(ox_line_is_blank(" x ", 3));
	assert_false(ox_line_is_blank("\xE3\x80\x80", 3)); /* U+3000 is not blank here */
	assert_false(ox_line_is_blank("\n", 1));
}

static void test_limits_default(void **state)
{
	(void)state;
	struct ox_limits l = ox_limits_default();
	assert_int_equal(l.max_line, 1048576);
	assert_int_equal(l.max_depth, 32);
	assert_int_equal(l.max_items, 1000);
}

/* ---- rejections: one row per reason, each its own test ---- */

struct reject {
	const char *name, *line, *err;
};

#define MSG_TS "must be an RFC 3339 timestamp with offset, ms precision at most"
#define MSG_MONEY "money must be a decimal string"
#define MSG_QTY "must be an integer 1..100000"
#define MSG_AVAIL "must be an integer -1000000000000..1000000000000"
#define MSG_THRESHOLD "must be an integer 0..1000000000000"
#define LOW(fields) "{'id':'e','type':'inventory.low_stock'," TS fields "}"

static struct reject rejects[] = {
	/* framing and JSON */
	{ "not_json", "not json", "invalid JSON: expected a value at column 1" },
	{ "empty_object_then_garbage", "{} x", "invalid JSON: unexpected data after the value at column 4" },
	{ "truncated", "{'id':'e1'", "invalid JSON: expected ',' or '}' at column 11" },
	{ "top_level_array", "[{}]", "invalid JSON: top-level value must be an object at column 1" },
	{ "top_level_string", "  'x'", "invalid JSON: top-level value must be an object at column 3" },
	{ "gbk_bytes", "{'id':'\xC4\xE3\xBA\xC3'}", "invalid JSON: invalid UTF-8 at column 8" },
	{ "overlong_utf8", "{'id':'\xC0\xAF'}", "invalid JSON: invalid UTF-8 at column 8" },
	{ "utf8_surrogate", "{'id':'\xED\xA0\x80'}", "invalid JSON: invalid UTF-8 at column 8" },
	{ "raw_tab", "{'id':'a\tb'}", "invalid JSON: control character in string at column 9" },
	{ "lone_surrogate", "{'id':'\\ud800'}", "invalid JSON: lone surrogate escape at column 8" },
	{ "single_quotes", "{\\'id\\':1}", "invalid JSON: expected a string key at column 2" },
	{ "trailing_comma", "{'id':'e1',}", "invalid JSON: expected a string key at column 12" },
	{ "nul_in_string", "{" ENV("sync.ack") ",'system':'a\\u0000b'}", "system: must not contain U+0000" },
	/* envelope */
	{ "type_missing", "{'id':'e1'," TS "}", "type: required" },
	{ "type_null", "{'id':'e1','type':null}", "type: required" },
	{ "type_not_string", "{'id':'e1','type':5}", "type: must be a string" },
	{ "type_unknown", "{'id':'e1','type':'foo'}", "type: unknown event type \"foo\"" },
	{ "type_case", "{'type':'Order.Created'}", "type: unknown event type \"Order.Created\"" },
	{ "type_unknown_escaped", "{'type':'a\\'b\\n'}", "type: unknown event type \"a\\u0022b\\u000a\"" },
	{ "type_duplicate", "{" ENV("tick") ",'type':'tick'}", "type: duplicate field" },
	{ "id_missing", "{'type':'tick'," TS "}", "id: required" },
	{ "id_null", "{'id':null,'type':'tick'," TS "}", "id: required" },
	{ "id_empty", "{'id':'','type':'tick'," TS "}", "id: must be 1..128 bytes" },
	{ "id_number", "{'id':1,'type':'tick'," TS "}", "id: must be a string" },
	{ "id_duplicate", "{'id':'e1','id':'e2','type':'tick'," TS "}", "id: duplicate field" },
	{ "ts_missing", "{'id':'e1','type':'tick'}", "ts: required" },
	{ "ts_words", "{'id':'e1','type':'tick','ts':'yesterday'}", "ts: " MSG_TS },
	{ "ts_number", "{'id':'e1','type':'tick','ts':1794326401123}", "ts: " MSG_TS },
	{ "ts_no_offset", "{'id':'e1','type':'tick','ts':'2026-11-11T10:00:00'}", "ts: " MSG_TS },
	{ "ts_micros", "{'id':'e1','type':'tick','ts':'2026-11-11T10:00:00.1234Z'}", "ts: " MSG_TS },
	{ "ts_feb_30", "{'id':'e1','type':'tick','ts':'2026-02-30T10:00:00Z'}", "ts: " MSG_TS },
	{ "order_id_missing", "{'id':'e1','type':'order.status'," TS ",'status':'paid'}", "order_id: required" },
	{ "order_id_null", "{'id':'e1','type':'order.status'," TS ",'order_id':null,'status':'paid'}", "order_id: required" },
	{ "order_id_empty", "{'id':'e1','type':'tick'," TS ",'order_id':''}", "order_id: must be 1..64 bytes" },
	{ "order_id_number", "{'id':'e1','type':'sync.ack'," TS ",'order_id':1001,'system':'erp'}", "order_id: must be a string" },
	{ "source_empty", "{" ENV("tick") ",'source':''}", "source: must be 1..256 bytes" },
	{ "source_missing_for_level", "{'id':'e','type':'inventory.level'," TS ",'sku':'S','available':1}", "source: required" },
	{ "source_null_for_level", "{'id':'e','type':'inventory.level'," TS ",'sku':'S','available':1,'source':null}", "source: required" },
	/* order.created */
	{ "channel_missing", "{" ENV("order.created") "," CUST "," ITEMS ",'total':'1'}", "channel: required" },
	{ "customer_missing", "{" ENV("order.created") ",'channel':'c'," ITEMS ",'total':'1'}", "customer: required" },
	{ "customer_duplicate", CREATED(",'customer':'c1'"), "customer: duplicate field" },
	{ "customer_string", "{" ENV("order.created") ",'channel':'c','customer':'c1'," ITEMS ",'total':'1'}", "customer: must be an object" },
	{ "customer_id_missing", "{" ENV("order.created") ",'channel':'c','customer':{'phone':''," ADDR "}," ITEMS ",'total':'1'}", "customer.id: required" },
	{ "customer_id_empty", "{" ENV("order.created") ",'channel':'c','customer':{'id':'','phone':''," ADDR "}," ITEMS ",'total':'1'}", "customer.id: must be 1..256 bytes" },
	{ "customer_phone_missing", "{" ENV("order.created") ",'channel':'c','customer':{'id':'c'," ADDR "}," ITEMS ",'total':'1'}", "customer.phone: required" },
	{ "customer_phone_null", "{" ENV("order.created") ",'channel':'c','customer':{'id':'c','phone':null," ADDR "}," ITEMS ",'total':'1'}", "customer.phone: required" },
	{ "customer_phone_number", "{" ENV("order.created") ",'channel':'c','customer':{'id':'c','phone':13812345678," ADDR "}," ITEMS ",'total':'1'}", "customer.phone: must be a string" },
	{ "customer_phone_duplicate", "{" ENV("order.created") ",'channel':'c','customer':{'id':'c','phone':'1','phone':'2'," ADDR "}," ITEMS ",'total':'1'}", "customer.phone: duplicate field" },
	{ "address_missing", "{" ENV("order.created") ",'channel':'c','customer':{'id':'c','phone':''}," ITEMS ",'total':'1'}", "customer.address: required" },
	{ "address_city_number", "{" ENV("order.created") ",'channel':'c','customer':{'id':'c','phone':'','address':{'province':'','city':1,'district':'','detail':''}}," ITEMS ",'total':'1'}", "customer.address.city: must be a string" },
	{ "address_detail_missing", "{" ENV("order.created") ",'channel':'c','customer':{'id':'c','phone':'','address':{'province':'','city':'','district':''}}," ITEMS ",'total':'1'}", "customer.address.detail: required" },
	{ "registered_at_bad", "{" ENV("order.created") ",'channel':'c','customer':{'id':'c','phone':'','registered_at':'2026-11-11'," ADDR "}," ITEMS ",'total':'1'}", "customer.registered_at: " MSG_TS },
	{ "items_missing", "{" ENV("order.created") ",'channel':'c'," CUST ",'total':'1'}", "items: required" },
	{ "items_not_array", "{" ENV("order.created") ",'channel':'c'," CUST ",'items':{},'total':'1'}", "items: must be an array" },
	{ "items_empty", "{" ENV("order.created") ",'channel':'c'," CUST ",'items':[],'total':'1'}", "items: must have 1..1000 entries" },
	{ "item_not_object", "{" ENV("order.created") ",'channel':'c'," CUST ",'items':['S1'],'total':'1'}", "items[0]: must be an object" },
	{ "item_qty_float", "{" ENV("order.created") ",'channel':'c'," CUST ",'items':[{'sku':'a','qty':1,'price':'1'},{'sku':'b','qty':1,'price':'1'},{'sku':'c','qty':5.0,'price':'1'}],'total':'1'}", "items[2].qty: " MSG_QTY },
	{ "item_qty_exponent", "{" ENV("order.created") ",'channel':'c'," CUST ",'items':[{'sku':'a','qty':1e2,'price':'1'}],'total':'1'}", "items[0].qty: " MSG_QTY },
	{ "item_qty_zero", "{" ENV("order.created") ",'channel':'c'," CUST ",'items':[{'sku':'a','qty':0,'price':'1'}],'total':'1'}", "items[0].qty: " MSG_QTY },
	{ "item_qty_negative", "{" ENV("order.created") ",'channel':'c'," CUST ",'items':[{'sku':'a','qty':-1,'price':'1'}],'total':'1'}", "items[0].qty: " MSG_QTY },
	{ "item_qty_too_big", "{" ENV("order.created") ",'channel':'c'," CUST ",'items':[{'sku':'a','qty':100001,'price':'1'}],'total':'1'}", "items[0].qty: " MSG_QTY },
	{ "item_qty_huge", "{" ENV("order.created") ",'channel':'c'," CUST ",'items':[{'sku':'a','qty':99999999999999999999999,'price':'1'}],'total':'1'}", "items[0].qty: " MSG_QTY },
	{ "item_qty_string", "{" ENV("order.created") ",'channel':'c'," CUST ",'items':[{'sku':'a','qty':'1','price':'1'}],'total':'1'}", "items[0].qty: " MSG_QTY },
	{ "item_sku_missing", "{" ENV("order.created") ",'channel':'c'," CUST ",'items':[{'sku':'a','qty':1,'price':'1'},{'qty':1,'price':'1'}],'total':'1'}", "items[1].sku: required" },
	{ "item_price_number", "{" ENV("order.created") ",'channel':'c'," CUST ",'items':[{'sku':'a','qty':1,'price':9.9}],'total':'1'}", "items[0].price: " MSG_MONEY },
	{ "total_missing", "{" ENV("order.created") ",'channel':'c'," CUST "," ITEMS "}", "total: required" },
	{ "total_number", "{" ENV("order.created") ",'channel':'c'," CUST "," ITEMS ",'total':19.8}", "total: " MSG_MONEY },
	{ "total_three_decimals", "{" ENV("order.created") ",'channel':'c'," CUST "," ITEMS ",'total':'1.234'}", "total: " MSG_MONEY },
	{ "total_negative", "{" ENV("order.created") ",'channel':'c'," CUST "," ITEMS ",'total':'-1'}", "total: " MSG_MONEY },
	{ "total_too_big", "{" ENV("order.created") ",'channel':'c'," CUST "," ITEMS ",'total':'10000000000000.01'}", "total: money must be at most 10000000000000.00" },
	{ "currency_lower", CREATED(",'currency':'cny'"), "currency: must be 3 upper-case letters (ISO 4217)" },
	{ "currency_long", CREATED(",'currency':'CNYY'"), "currency: must be 3 upper-case letters (ISO 4217)" },
	{ "coupon_not_object", CREATED(",'coupon':'C10'"), "coupon: must be an object" },
	{ "coupon_amount_missing", CREATED(",'coupon':{'code':'C10'}"), "coupon.amount: required" },
	{ "coupon_code_missing", CREATED(",'coupon':{'amount':'1'}"), "coupon.code: required" },
	{ "coupon_amount_number", CREATED(",'coupon':{'code':'C','amount':1}"), "coupon.amount: " MSG_MONEY },
	{ "remark_number", CREATED(",'remark':5"), "remark: must be a string" },
	{ "remark_duplicate_after_null", CREATED(",'remark':null,'remark':'x'"), "remark: duplicate field" },
	{ "pay_by_bad", CREATED(",'pay_by':'tomorrow'"), "pay_by: " MSG_TS },
	{ "ship_by_bad", CREATED(",'ship_by':'2026-11-11T10:00:00+8:00'"), "ship_by: " MSG_TS },
	{ "deliver_by_bad", CREATED(",'deliver_by':true"), "deliver_by: " MSG_TS },
	/* order.create_failed */
	{ "error_missing", "{" ENV("order.create_failed") "}", "error: required" },
	{ "error_string", "{" ENV("order.create_failed") ",'error':'boom'}", "error: must be an object" },
	{ "error_code_missing", "{" ENV("order.create_failed") ",'error':{'message':'m'}}", "error.code: required" },
	{ "error_message_number", "{" ENV("order.create_failed") ",'error':{'code':'c','message':1}}", "error.message: must be a string" },
	/* order.status */
	{ "status_missing", "{" ENV("order.status") "}", "status: required" },
	{ "status_unknown", "{" ENV("order.status") ",'status':'PAID'}", "status: must be one of pending_payment, paid, shipped, delivered, completed, cancelled, closed, refunded" },
	{ "status_number", "{" ENV("order.status") ",'status':1}", "status: must be one of pending_payment, paid, shipped, delivered, completed, cancelled, closed, refunded" },
	/* order.updated */
	{ "updated_city_number", "{" ENV("order.updated") ",'customer':{'address':{'city':5}}}", "customer.address.city: must be a string" },
	{ "updated_customer_id_empty", "{" ENV("order.updated") ",'customer':{'id':''}}", "customer.id: must be 1..256 bytes" },
	{ "updated_address_not_object", "{" ENV("order.updated") ",'customer':{'address':'x'}}", "customer.address: must be an object" },
	{ "updated_ship_by_bad", "{" ENV("order.updated") ",'ship_by':'2026-11-11T10:00:00.000'}", "ship_by: " MSG_TS },
	/* payment.* */
	{ "payment_id_missing", "{" ENV("payment.succeeded") ",'amount':'1'}", "payment_id: required" },
	{ "amount_missing", "{" ENV("payment.succeeded") ",'payment_id':'P'}", "amount: required" },
	{ "amount_number", "{" ENV("payment.succeeded") ",'payment_id':'P4','amount':10.0}", "amount: " MSG_MONEY },
	{ "amount_integer", "{" ENV("payment.succeeded") ",'payment_id':'P4','amount':10}", "amount: " MSG_MONEY },
	{ "failed_reason_missing", "{" ENV("payment.failed") ",'amount':'1'}", "reason: required" },
	{ "refunded_refund_id_missing", "{" ENV("payment.refunded") ",'payment_id':'P','amount':'1'}", "refund_id: required" },
	{ "refunded_payment_id_missing", "{" ENV("payment.refunded") ",'refund_id':'R','amount':'1'}", "payment_id: required" },
	{ "method_empty", PAY("payment.succeeded", ",'method':''"), "method: must be 1..256 bytes" },
	/* inventory.* */
	{ "reserved_sku_missing", "{" ENV("inventory.reserved") ",'qty':1}", "sku: required" },
	{ "reserved_qty_float", "{" ENV("inventory.reserved") ",'sku':'S','qty':5.0}", "qty: " MSG_QTY },
	{ "reserved_qty_missing", "{" ENV("inventory.reserved") ",'sku':'S'}", "qty: required" },
	{ "reserve_failed_reason_missing", "{" ENV("inventory.reserve_failed") ",'sku':'S','qty':1}", "reason: required" },
	{ "level_available_missing", "{'id':'e','type':'inventory.level'," TS ",'sku':'S','source':'wms'}", "available: required" },
	{ "level_available_float", "{'id':'e','type':'inventory.level'," TS ",'sku':'S','source':'wms','available':1.5}", "available: " MSG_AVAIL },
	{ "level_available_exponent", "{'id':'e','type':'inventory.level'," TS ",'sku':'S','source':'wms','available':1e3}", "available: " MSG_AVAIL },
	{ "level_available_too_big", "{'id':'e','type':'inventory.level'," TS ",'sku':'S','source':'wms','available':1000000000001}", "available: " MSG_AVAIL },
	{ "level_available_too_small", "{'id':'e','type':'inventory.level'," TS ",'sku':'S','source':'wms','available':-1000000000001}", "available: " MSG_AVAIL },
	{ "level_sku_missing", "{'id':'e','type':'inventory.level'," TS ",'source':'wms','available':1}", "sku: required" },
	{ "low_sku_missing", LOW(",'available':1,'threshold':5"), "sku: required" },
	{ "low_sku_empty", LOW(",'sku':'','available':1,'threshold':5"), "sku: must be 1..256 bytes" },
	{ "low_available_missing", LOW(",'sku':'S','threshold':5"), "available: required" },
	{ "low_available_null", LOW(",'sku':'S','available':null,'threshold':5"), "available: required" },
	{ "low_available_float", LOW(",'sku':'S','available':1.0,'threshold':5"), "available: " MSG_AVAIL },
	{ "low_available_string", LOW(",'sku':'S','available':'1','threshold':5"), "available: " MSG_AVAIL },
	{ "low_available_too_big", LOW(",'sku':'S','available':1000000000001,'threshold':5"), "available: " MSG_AVAIL },
	{ "low_available_too_small", LOW(",'sku':'S','available':-1000000000001,'threshold':5"), "available: " MSG_AVAIL },
	{ "low_threshold_missing", LOW(",'sku':'S','available':1"), "threshold: required" },
	{ "low_threshold_negative", LOW(",'sku':'S','available':1,'threshold':-1"), "threshold: " MSG_THRESHOLD },
	{ "low_threshold_too_big", LOW(",'sku':'S','available':1,'threshold':1000000000001"), "threshold: " MSG_THRESHOLD },
	{ "low_threshold_exponent", LOW(",'sku':'S','available':1,'threshold':1e1"), "threshold: " MSG_THRESHOLD },
	{ "low_warehouse_empty", LOW(",'sku':'S','available':1,'threshold':5,'warehouse':''"), "warehouse: must be 1..256 bytes" },
	{ "low_order_id_empty", LOW(",'order_id':'','sku':'S','available':1,'threshold':5"), "order_id: must be 1..64 bytes" },
	/* shipment.* */
	{ "shipment_id_missing", "{" ENV("shipment.created") ",'carrier':'sf','tracking_no':'T'}", "shipment_id: required" },
	{ "carrier_missing", "{" ENV("shipment.created") ",'shipment_id':'S','tracking_no':'T'}", "carrier: required" },
	{ "tracking_no_missing", "{" ENV("shipment.created") ",'shipment_id':'S','carrier':'sf'}", "tracking_no: required" },
	{ "track_tracking_no_missing", "{" ENV("shipment.track") ",'status':'lost'}", "tracking_no: required" },
	{ "track_status_unknown", "{" ENV("shipment.track") ",'tracking_no':'T','status':'paid'}", "status: must be one of collected, in_transit, out_for_delivery, delivered, failed_attempt, exception, rejected, returning, returned, lost, damaged" },
	{ "track_location_number", "{" ENV("shipment.track") ",'tracking_no':'T','status':'lost','location':[]}", "location: must be a string" },
	/* sync.* */
	{ "sync_system_missing", "{" ENV("sync.ack") "}", "system: required" },
	{ "sync_error_object", "{" ENV("sync.failed") ",'system':'erp','error':{'code':'x'}}", "error: must be a string" },
	/* cs.ticket */
	{ "ticket_id_missing", "{" ENV("cs.ticket") ",'kind':'other'}", "ticket_id: required" },
	{ "ticket_kind_unknown", "{" ENV("cs.ticket") ",'ticket_id':'T','kind':'refund'}", "kind: must be one of complaint, inquiry, address_change, not_received, damaged, other" },
	{ "ticket_kind_missing", "{" ENV("cs.ticket") ",'ticket_id':'T'}", "kind: required" },
};

static void test_reject(void **state)
{
	const struct reject *r = *state;
	const char *err = decode_err(r->line);
	if (strcmp(err, r->err) != 0)
		fail_msg("%s:\n  got  %s\n  want %s", r->name, err, r->err);
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_order_created_all_fields),
		cmocka_unit_test(test_order_created_minimal),
		cmocka_unit_test(test_order_create_failed),
		cmocka_unit_test(test_order_status_every_status),
		cmocka_unit_test(test_order_updated_partial),
		cmocka_unit_test(test_payments),
		cmocka_unit_test(test_inventory),
		cmocka_unit_test(test_shipments),
		cmocka_unit_test(test_sync),
		cmocka_unit_test(test_cs_ticket_every_kind),
		cmocka_unit_test(test_tick),
		cmocka_unit_test(test_unknown_fields_kept),
		cmocka_unit_test(test_nulls_are_absent),
		cmocka_unit_test(test_escapes_decoded),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_line_length),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_items_limit),
		cmocka_unit_test(test_money_edges),
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_string_limits),
		cmocka_unit_test(test_unknown_type_quoted),
		cmocka_unit_test(test_decoder_reuse),
		cmocka_unit_test(test_order_of_errors),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_line_is_blank),
		cmocka_unit_test(test_limits_default),
	};
	const size_t nf = sizeof fixed / sizeof fixed[0], nr = sizeof rejects / sizeof rejects[0];
	struct CMUnitTest *tests = calloc(nf + nr, sizeof *tests);
	char(*names)[64] = calloc(nr, sizeof *names);
	memcpy(tests, fixed, sizeof fixed);
	for (size_t i = 0; i < nr; i++) {
		snprintf(names[i], sizeof names[i], "reject_%s", rejects[i].name);
		tests[nf + i] = (struct CMUnitTest){ .name = names[i],
						     .test_func = test_reject,
						     .initial_state = &rejects[i] };
	}
	int rc = _cmocka_run_group_tests("event", tests, nf + nr, setup, teardown);
	free(tests);
	free(names);
	return rc;
}

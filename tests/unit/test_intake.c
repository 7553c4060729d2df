/* test_intake.c - the intake checks (src/intake.c) and the risk score
 * (ox_risk_score): every problem code in both languages, the suggestions,
 * the lenient parse, and the rules agreeing with the services on a set of
 * orders (the same verdicts, the same words, the same score). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine.h"
#include "intake.h"
#include "params.h"
#include "risk.h"
#include "rules.h"

struct fx {
	struct ox_params p;
	struct ox_json j;
	struct ox_intake_order o;
	struct ox_intake_report rep;
	struct ox_buf scratch;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	ox_params_init(&f->p);
	ox_json_init(&f->j, 32);
	ox_buf_init(&f->scratch, SIZE_MAX);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	ox_params_release(&f->p);
	ox_json_release(&f->j);
	ox_intake_order_release(&f->o);
	ox_buf_release(&f->scratch);
	free(f);
	return 0;
}

/* Parse and check body; the report is in f->rep. */
static void check(struct fx *f, const char *body)
{
	char err[256];
	if (ox_intake_parse(&f->o, &f->j, body, strlen(body), err, sizeof err)) {
		fprintf(stderr, "parse: %s\n", err);
		fail();
	}
	ox_intake_check(&f->o.ev, &f->p, &f->rep, &f->scratch);
}

static const struct ox_intake_problem *find(const struct fx *f, enum ox_intake_code c)
{
	for (size_t i = 0; i < f->rep.n; i++)
		if (f->rep.p[i].code == c)
			return &f->rep.p[i];
	return NULL;
}

/* The problem of code c, which must be there. */
static const struct ox_intake_problem *must(const struct fx *f, enum ox_intake_code c)
{
	const struct ox_intake_problem *p = find(f, c);
	if (!p) {
		fprintf(stderr, "no problem %s\n", ox_intake_code_name(c));
		abort();
	}
	return p;
}

/* An order with every part valid, then one member replaced. */
#define GOOD_ADDR "\"province\":\"广东省\",\"city\":\"深圳市\",\"district\":\"南山区\",\"detail\":\"科技园南路88号\""
#define ORDER(addr, phone, rest)                                                                    \
	"{\"channel\":\"tmall\",\"customer\":{\"id\":\"u1\",\"phone\":\"" phone "\",\"address\":{" addr \
	"}},\"items\":[{\"sku\":\"SKU-1\",\"qty\":2,\"price\":\"59.90\"}],\"total\":\"119.80\"" rest "}"

static void test_valid_order(void **state)
{
	struct fx *f = *state;
	check(f, ORDER(GOOD_ADDR, "13812345678", ""));
	assert_true(f->rep.valid);
	assert_int_equal(f->rep.n, 0);
	ox_buf_reset(&f->scratch);
	ox_intake_report_json(&f->rep, &f->scratch);
	assert_string_equal(f->scratch.data, "{\"valid\":true,\"problems\":[]}");
}

static void test_code_table(void **state)
{
	(void)state;
	for (int i = 0; i < OX_IN__COUNT; i++) {
		assert_non_null(ox_intake_code_name((enum ox_intake_code)i));
		for (int j = 0; j < i; j++)
			assert_string_not_equal(ox_intake_code_name((enum ox_intake_code)i),
						ox_intake_code_name((enum ox_intake_code)j));
	}
	assert_null(ox_intake_code_name(OX_IN__COUNT));
	/* the address codes are address.h's, same names */
	assert_int_equal(ox_intake_code_of_addr(OX_ADDR_OK), -1);
	for (int a = 1; a < OX_ADDR__COUNT; a++) {
		int c = ox_intake_code_of_addr((enum ox_addr_problem)a);
		assert_true(c >= 0);
		assert_string_equal(ox_intake_code_name((enum ox_intake_code)c),
				    ox_addr_problem_name((enum ox_addr_problem)a));
	}
}

/* Every problem code, with its field and its words in both languages. */
static void test_every_code(void **state)
{
	struct fx *f = *state;
	static const struct {
		const char *body;
		enum ox_intake_code code;
		const char *field, *zh, *en;
		bool valid;
	} t[] = {
		{ ORDER("\"province\":\" \",\"city\":\"深圳市\",\"district\":\"南山区\",\"detail\":\"科技园南路88号\"",
			"13812345678", ""),
		  OX_IN_EMPTY_PROVINCE, "customer.address.province", "省份为空", "province is empty", false },
		{ ORDER("\"province\":\"广东省\",\"city\":\"\",\"district\":\"南山区\",\"detail\":\"科技园南路88号\"",
			"13812345678", ""),
		  OX_IN_EMPTY_CITY, "customer.address.city", "城市为空", "city is empty", false },
		{ ORDER("\"province\":\"广东省\",\"city\":\"深圳市\",\"district\":\"\u3000\",\"detail\":\"科技园南路88号\"",
			"13812345678", ""),
		  OX_IN_EMPTY_DISTRICT, "customer.address.district", "区县为空", "district is empty", false },
		{ ORDER("\"province\":\"广东省\",\"city\":\"深圳市\",\"district\":\"南山区\",\"detail\":\"科技园\"",
			"13812345678", ""),
		  OX_IN_DETAIL_TOO_SHORT, "customer.address.detail", "详细地址“科技园”不足4个字",
		  "detail \"科技园\" is shorter than 4 characters", false },
		{ ORDER("\"province\":\"火星省\",\"city\":\"深圳市\",\"district\":\"南山区\",\"detail\":\"科技园南路88号\"",
			"13812345678", ""),
		  OX_IN_UNKNOWN_PROVINCE, "customer.address.province", "省份“火星省”不存在",
		  "province \"火星省\" does not exist", false },
		{ ORDER("\"province\":\"湖南省\",\"city\":\"深圳市\",\"district\":\"南山区\",\"detail\":\"科技园南路88号\"",
			"13812345678", ""),
		  OX_IN_CITY_NOT_IN_PROVINCE, "customer.address.city", "城市“深圳市”不属于“湖南省”",
		  "city \"深圳市\" is not in \"湖南省\"", false },
		{ ORDER("\"province\":\"广东省\",\"city\":\"广州市\",\"district\":\"南山区\",\"detail\":\"科技园南路88号\"",
			"13812345678", ""),
		  OX_IN_DISTRICT_NOT_IN_CITY, "customer.address.district", "区县“南山区”不属于“广东省广州市”",
		  "district \"南山区\" is not in \"广东省 广州市\"", false },
		{ ORDER(GOOD_ADDR, "", ""), OX_IN_PHONE_EMPTY, "customer.phone", "联系电话为空", "the phone is empty",
		  false },
		{ ORDER(GOOD_ADDR, "1381234567", ""), OX_IN_PHONE_INVALID, "customer.phone",
		  "联系电话“1********7”不是有效的手机号或座机号",
		  "phone \"1********7\" is neither a valid mobile nor a landline", false },
		{ "{\"channel\":\"tmall\",\"customer\":{\"id\":\"u1\",\"phone\":\"13812345678\",\"address\":{" GOOD_ADDR
		  "}},\"items\":[],\"total\":\"0.00\"}",
		  OX_IN_ITEMS_EMPTY, "items", "订单没有商品", "the order has no items", false },
		{ "{\"channel\":\"tmall\",\"customer\":{\"id\":\"u1\",\"phone\":\"13812345678\",\"address\":{" GOOD_ADDR
		  "}},\"items\":[{\"sku\":\"A\",\"qty\":1,\"price\":\"1.00\"},{\"sku\":\"茶叶\",\"qty\":-3,\"price\":\"1.00\"}],"
		  "\"total\":\"1.00\"}",
		  OX_IN_QTY_NOT_POSITIVE, "items[1].qty", "商品“茶叶”的数量 -3 不是正数",
		  "item \"茶叶\" has qty -3, not a positive number", false },
		{ "{\"channel\":\"tmall\",\"customer\":{\"id\":\"u1\",\"phone\":\"13812345678\",\"address\":{" GOOD_ADDR
		  "}},\"items\":[{\"sku\":\"茶叶\",\"qty\":50,\"price\":\"1.00\"}],\"total\":\"50.00\"}",
		  OX_IN_QTY_ABOVE_MAX, "items[0].qty", "商品“茶叶”的数量 50 达到上限 50",
		  "item \"茶叶\" has qty 50, at or above the limit 50", false },
		{ ORDER(GOOD_ADDR, "13812345678", ",\"coupon\":{\"code\":\"D11\",\"amount\":\"10.00\"}"),
		  OX_IN_TOTAL_ABOVE_ITEMS, "total", "应付金额 119.80 高于商品合计减优惠券 109.80",
		  "total 119.80 is more than the items cost less the coupon, 109.80", false },
		{ ORDER(GOOD_ADDR, "13812345678", ",\"remark\":\"请加急 Invoice 要开票\""), OX_IN_REMARK_ATTENTION,
		  "remark", "备注“请加急 Invoice 要开票”含关注词：加急、开票、invoice",
		  "remark \"请加急 Invoice 要开票\" mentions: 加急、开票、invoice", true },
	};
	bool seen[OX_IN__COUNT] = { false };
	for (size_t i = 0; i < OX_ARRAY_LEN(t); i++) {
		check(f, t[i].body);
		const struct ox_intake_problem *p = find(f, t[i].code);
		if (!p)
			fprintf(stderr, "case %zu: no %s\n", i, ox_intake_code_name(t[i].code));
		assert_non_null(p);
		assert_string_equal(p->field, t[i].field);
		assert_string_equal(p->zh, t[i].zh);
		assert_string_equal(p->en, t[i].en);
		assert_int_equal(f->rep.valid, t[i].valid);
		seen[t[i].code] = true;
	}
	for (int c = 0; c < OX_IN__COUNT; c++)
		assert_true(seen[c]);
}

/* The fixes: the right province for a city, the right city for a district,
 * missing suffixes, 县 for 区, municipalities, phones, totals. */
static void test_suggestions(void **state)
{
	struct fx *f = *state;
	static const struct {
		const char *p, *c, *d;
		const char *fp, *fc, *fd; /* NULL: no suggestion */
	} t[] = {
		{ "湖南省", "深圳市", "南山区", "广东省", "深圳市", "南山区" },       /* the right province */
		{ "广东省", "广州市", "南山区", "广东省", "深圳市", "南山区" },       /* the right city */
		{ "广东", "深圳", "南山", "广东省", "深圳市", "南山区" },             /* suffixes missing */
		{ "广西", "南宁", "青秀区", "广西壮族自治区", "南宁市", "青秀区" },   /* 自治区 */
		{ "北京", "北京", "朝阳", "北京市", "北京市", "朝阳区" },             /* a municipality */
		{ "北京市", "市辖区", "昌平县", "北京市", "北京市", "昌平区" },       /* 县 for 区 */
		{ "广东省", "", "南山区", "广东省", "深圳市", "南山区" },             /* city left out */
		{ "", "", "朝阳区", NULL, NULL, NULL },                               /* 北京 or 长春: no guess */
		{ "广东省", "深圳市", "火星区", NULL, NULL, NULL },                   /* no such district */
	};
	for (size_t i = 0; i < OX_ARRAY_LEN(t); i++) {
		struct ox_address a = { ox_str_z(t[i].p), ox_str_z(t[i].c), ox_str_z(t[i].d), OX_STR_LIT("科技园南路88号") };
		struct ox_intake_fix fix;
		memset(&fix, 0, sizeof fix);
		bool got = ox_intake_suggest_address(&a, &fix);
		if (got != (t[i].fp != NULL))
			fprintf(stderr, "case %zu: %s/%s/%s -> %d %s/%s/%s\n", i, t[i].p, t[i].c, t[i].d, got,
				fix.province, fix.city, fix.district);
		assert_int_equal(got, t[i].fp != NULL);
		if (!got)
			continue;
		assert_string_equal(fix.province, t[i].fp);
		assert_string_equal(fix.city, t[i].fc);
		assert_string_equal(fix.district, t[i].fd);
	}

	/* in the report, as a patch */
	check(f, ORDER("\"province\":\"湖南省\",\"city\":\"深圳市\",\"district\":\"南山区\",\"detail\":\"科技园\"",
		       "138-1234-5678", ",\"coupon\":{\"code\":\"D11\",\"amount\":\"10.00\"}"));
	ox_buf_reset(&f->scratch);
	ox_intake_report_json(&f->rep, &f->scratch);
	assert_non_null(strstr(f->scratch.data, "\"code\":\"city_not_in_province\",\"message_zh\":\"城市“深圳市”不属于“湖南省”\","
						 "\"message_en\":\"city \\\"深圳市\\\" is not in \\\"湖南省\\\"\","
						 "\"suggestion\":{\"province\":\"广东省\",\"city\":\"深圳市\",\"district\":\"南山区\"}}"));
	/* a division problem and a short detail: both named, the rule's first */
	assert_int_equal(f->rep.p[0].code, OX_IN_CITY_NOT_IN_PROVINCE);
	assert_int_equal(f->rep.p[1].code, OX_IN_DETAIL_TOO_SHORT);
	assert_false(f->rep.p[1].has_fix);
	assert_string_equal(must(f, OX_IN_PHONE_INVALID)->fix.phone, "13812345678");
	assert_string_equal(must(f, OX_IN_TOTAL_ABOVE_ITEMS)->fix.total, "109.80");

	/* full-width digits and a country prefix */
	check(f, ORDER(GOOD_ADDR, "+86 １３８１２３４５６７８", ""));
	assert_string_equal(must(f, OX_IN_PHONE_INVALID)->fix.phone, "13812345678");
	check(f, ORDER(GOOD_ADDR, "138123", ""));
	assert_false(must(f, OX_IN_PHONE_INVALID)->has_fix);
}

static void test_parse(void **state)
{
	struct fx *f = *state;
	static const struct {
		const char *body, *err;
	} bad[] = {
		{ "[]", "body: expected a JSON object" },
		{ "{", NULL },
		{ "{\"customer\":[]}", "customer: expected an object" },
		{ "{\"customer\":{\"phone\":138}}", "customer.phone: expected a string" },
		{ "{\"items\":[{\"sku\":\"A\",\"qty\":1.5,\"price\":\"1\"}]}", "items[0].qty: expected an integer" },
		{ "{\"items\":[{\"sku\":\"A\",\"price\":\"1\"}]}", "items[0].qty: required" },
		{ "{\"items\":{}}", "items: expected an array" },
		{ "{\"total\":\"1.234\"}", "total: money must be a decimal string such as \"119.80\"" },
		{ "{\"ts\":\"yesterday\"}", "ts: expected an RFC 3339 time with an offset" },
		{ "{\"type\":\"order.status\"}", "type: must be order.created when given" },
		{ "{\"coupon\":{\"amount\":\"1.00\"}}", "coupon.code: required with a coupon" },
		{ "{\"remark\":\"a\\u0000b\"}", "remark: contains U+0000" },
	};
	char err[256];
	for (size_t i = 0; i < OX_ARRAY_LEN(bad); i++) {
		assert_int_equal(ox_intake_parse(&f->o, &f->j, bad[i].body, strlen(bad[i].body), err, sizeof err), -1);
		if (bad[i].err)
			assert_string_equal(err, bad[i].err);
	}
	/* too many items */
	struct ox_buf b;
	ox_buf_init(&b, SIZE_MAX);
	ox_buf_addz(&b, "{\"items\":[");
	for (int i = 0; i < 1001; i++)
		ox_buf_addf(&b, "%s{\"sku\":\"S\",\"qty\":1,\"price\":\"1.00\"}", i ? "," : "");
	ox_buf_addz(&b, "]}");
	assert_int_equal(ox_intake_parse(&f->o, &f->j, b.data, b.len, err, sizeof err), -1);
	assert_string_equal(err, "items: more than 1000 items");
	ox_buf_release(&b);

	/* an empty object: every required part is reported, nothing refused */
	check(f, "{}");
	assert_false(f->rep.valid);
	assert_int_equal(f->rep.p[0].code, OX_IN_EMPTY_PROVINCE);
	assert_non_null(find(f, OX_IN_PHONE_EMPTY));
	assert_non_null(find(f, OX_IN_ITEMS_EMPTY));
	assert_int_equal(f->o.ev.ts, OX_TIME_NONE);
	/* the envelope is optional but read when given; nulls are absent */
	check(f, "{\"id\":\"e1\",\"type\":\"order.created\",\"ts\":\"2026-11-11T00:00:00+08:00\",\"order_id\":\"O1\","
		 "\"remark\":null,\"customer\":{\"registered_at\":\"2026-11-10T00:00:00Z\"}}");
	assert_true(ox_str_eqz(f->o.ev.order_id, "O1"));
	assert_int_not_equal(f->o.ev.ts, OX_TIME_NONE);
	assert_false(f->o.ev.has & OX_HAS_REMARK);
	assert_true(f->o.ev.has & OX_HAS_REGISTERED_AT);
}

static void test_truncated(void **state)
{
	struct fx *f = *state;
	struct ox_buf b;
	ox_buf_init(&b, SIZE_MAX);
	ox_buf_addz(&b, "{\"customer\":{\"phone\":\"13812345678\",\"address\":{" GOOD_ADDR "}},\"items\":[");
	for (int i = 0; i < 100; i++)
		ox_buf_addf(&b, "%s{\"sku\":\"S%d\",\"qty\":0,\"price\":\"1.00\"}", i ? "," : "", i);
	ox_buf_addz(&b, "]}");
	check(f, b.data);
	assert_int_equal(f->rep.n, OX_INTAKE_PROBLEMS_MAX);
	assert_int_equal(f->rep.more, 100 - OX_INTAKE_PROBLEMS_MAX);
	ox_buf_reset(&b);
	ox_intake_report_json(&f->rep, &b);
	assert_non_null(strstr(b.data, ",\"problems_truncated\":36}"));
	ox_buf_release(&b);
}

/* ---- the rules and the services agree ------------------------------------------ */

static const struct ox_case *case_of(const struct ox_engine *e, enum ox_rule r, const char *order)
{
	for (size_t i = 0; i < ox_engine_case_count(e); i++) {
		const struct ox_case *c = ox_engine_case(e, i);
		if (c->rule == r && strcmp(c->key, order) == 0)
			return c;
	}
	return NULL;
}

/* For each order: the problems the service names are the cases the rules
 * open, with the same words; the score the service gives before the order
 * arrives is the score FRD_SUSPECT gives it. */
static void test_rules_agree(void **state)
{
	struct fx *f = *state;
	static const char *const orders[] = {
		/* valid */
		"\"customer\":{\"id\":\"c1\",\"phone\":\"13812345678\",\"address\":{" GOOD_ADDR "}}",
		/* one address problem of each kind, phones, remarks */
		"\"customer\":{\"id\":\"c2\",\"phone\":\"1381234\",\"address\":{\"province\":\"湖南省\",\"city\":\"深圳市\",\"district\":\"南山区\",\"detail\":\"科技园南路88号\"}}",
		"\"customer\":{\"id\":\"c3\",\"phone\":\"\",\"address\":{\"province\":\"广东\",\"city\":\"深圳\",\"district\":\"南山\",\"detail\":\"x\"}}",
		"\"customer\":{\"id\":\"c4\",\"phone\":\"010-62345678\",\"address\":{\"province\":\"北京市\",\"city\":\"北京市\",\"district\":\"朝阳区\",\"detail\":\"建国路 1 号\"}},\"remark\":\"送人的礼物，别发顺丰\"",
		"\"customer\":{\"id\":\"c5\",\"phone\":\"+86 138 1234 5678\",\"address\":{\"province\":\"广东省\",\"city\":\"广州市\",\"district\":\"南山区\",\"detail\":\"科技园南路88号\"}},\"remark\":\"URGENT please\"",
		"\"customer\":{\"id\":\"c6\",\"phone\":\"12345\",\"address\":{\"province\":\"\",\"city\":\"\",\"district\":\"\",\"detail\":\"\"}},\"remark\":\"没什么\"",
		/* the same address for several customers, large quantities, bad phones: FRD_SUSPECT */
		"\"customer\":{\"id\":\"f1\",\"phone\":\"1390000\",\"address\":{\"province\":\"广东省\",\"city\":\"深圳市\",\"district\":\"福田区\",\"detail\":\"华强北 8 号\"}}",
		"\"customer\":{\"id\":\"f2\",\"phone\":\"1390000\",\"address\":{\"province\":\"广东省\",\"city\":\"深圳市\",\"district\":\"福田区\",\"detail\":\"华强北 8 号\"}}",
		"\"customer\":{\"id\":\"f3\",\"phone\":\"1390000\",\"address\":{\"province\":\"广东省\",\"city\":\"深圳市\",\"district\":\"福田区\",\"detail\":\"华强北８号\"}}",
		"\"customer\":{\"id\":\"f4\",\"phone\":\"13900000000\",\"address\":{\"province\":\"广东省\",\"city\":\"深圳市\",\"district\":\"福田区\",\"detail\":\"华强北 8 号\"}}",
	};
	struct ox_limits lim = ox_limits_default();
	struct ox_decoder *d = ox_decoder_new(&lim);
	struct ox_engine *e = ox_engine_new(&f->p, NULL);
	struct ox_buf line;
	ox_buf_init(&line, SIZE_MAX);
	int suspects = 0;
	for (size_t i = 0; i < OX_ARRAY_LEN(orders); i++) {
		char order_id[16];
		snprintf(order_id, sizeof order_id, "O%zu", i);
		ox_buf_reset(&line);
		ox_buf_addf(&line,
			    "{\"id\":\"e%zu\",\"type\":\"order.created\",\"ts\":\"2026-11-11T00:%02zu:00+08:00\","
			    "\"order_id\":\"%s\",\"channel\":\"tmall\",%s,\"items\":[{\"sku\":\"S\",\"qty\":%d,"
			    "\"price\":\"1.00\"}],\"total\":\"1.00\"}",
			    i, i, order_id, orders[i], i >= 6 ? 60 : 1);
		struct ox_event ev;
		char err[OX_ERR_BUFSZ];
		if (ox_decode(d, line.data, line.len, &ev, err)) {
			fprintf(stderr, "%s: %s\n", line.data, err);
			fail();
		}
		ox_intake_check(&ev, &f->p, &f->rep, &f->scratch);
		struct ox_risk risk;
		ox_risk_score(e, &ev, 0, &risk);
		ox_engine_apply(e, &ev);

		const struct {
			enum ox_rule rule;
			enum ox_intake_code lo, hi; /* the codes that stand for the rule */
		} map[] = {
			{ OX_R_CUS_ADDRESS_INVALID, OX_IN_EMPTY_PROVINCE, OX_IN_DISTRICT_NOT_IN_CITY },
			{ OX_R_CUS_PHONE_INVALID, OX_IN_PHONE_EMPTY, OX_IN_PHONE_INVALID },
			{ OX_R_CUS_REMARK_ATTENTION, OX_IN_REMARK_ATTENTION, OX_IN_REMARK_ATTENTION },
		};
		for (size_t m = 0; m < OX_ARRAY_LEN(map); m++) {
			const struct ox_intake_problem *first = NULL;
			for (size_t k = 0; k < f->rep.n && !first; k++)
				if (f->rep.p[k].code >= map[m].lo && f->rep.p[k].code <= map[m].hi)
					first = &f->rep.p[k];
			const struct ox_case *c = case_of(e, map[m].rule, order_id);
			if (!first != !c)
				fprintf(stderr, "order %zu rule %d: problem %d, case %d\n", i, map[m].rule, !!first, !!c);
			assert_int_equal(!first, !c);
			if (!c)
				continue;
			assert_string_equal(c->reasons[0].zh, first->zh);
			assert_string_equal(c->reasons[0].en, first->en);
		}
		/* the rule's verdict is the service's: address and phone make it invalid */
		bool rule_invalid = case_of(e, OX_R_CUS_ADDRESS_INVALID, order_id) || case_of(e, OX_R_CUS_PHONE_INVALID, order_id);
		if (i < 6)
			assert_int_equal(f->rep.valid, !rule_invalid);

		const struct ox_case *s = case_of(e, OX_R_FRD_SUSPECT, order_id);
		assert_int_equal(risk.score >= risk.threshold, s != NULL);
		if (!s)
			continue;
		suspects++;
		char first_zh[64];
		snprintf(first_zh, sizeof first_zh, "风险分 %d，达到阈值 %d", risk.score, risk.threshold);
		assert_string_equal(s->reasons[0].zh, first_zh);
		assert_int_equal(s->n_reasons, risk.n + 1);
		for (size_t k = 0; k < risk.n; k++) {
			assert_string_equal(s->reasons[k + 1].zh, risk.r[k].zh);
			assert_string_equal(s->reasons[k + 1].en, risk.r[k].en);
		}
	}
	assert_true(suspects >= 1); /* f3 shares the address with f1 and f2 (８ folds to 8) */

	/* Scoring again changes nothing: the same answer twice, and an order
	 * not in the index counts itself once. */
	struct ox_risk a, b;
	struct ox_event probe = { .type = OX_EV_ORDER_CREATED, .ts = ox_engine_clock(e) };
	probe.customer.id = OX_STR_LIT("f9");
	probe.customer.phone = OX_STR_LIT("13900000000");
	probe.customer.address = (struct ox_address){ OX_STR_LIT("广东省"), OX_STR_LIT("深圳市"), OX_STR_LIT("福田区"),
						      OX_STR_LIT("华强北 8 号") };
	probe.order_id = OX_STR_LIT("O-probe");
	ox_risk_score(e, &probe, 0, &a);
	ox_risk_score(e, &probe, OX_RISK_WITH_BLACKLIST, &b);
	assert_int_equal(a.score, b.score);
	assert_int_equal(a.n, b.n);
	assert_int_equal(a.score, 30); /* the shared address; the phone has 2 customers */
	assert_int_equal(a.r[0].term, OX_RISK_ADDRESS);
	assert_string_equal(ox_risk_term_name(a.r[0].term), "shared_address");

	ox_buf_release(&line);
	ox_engine_free(e);
	ox_decoder_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_valid_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_code_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_code, setup, teardown),
		cmocka_unit_test_setup_teardown(test_suggestions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rules_agree, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

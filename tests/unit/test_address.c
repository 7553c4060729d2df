/* test_address.c - CUS_ADDRESS_INVALID and the normalized address. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "address.h"

static struct ox_address addr(const char *p, const char *c, const char *d, const char *t)
{
	return (struct ox_address){ ox_str_z(p), ox_str_z(c), ox_str_z(d), ox_str_z(t) };
}

static enum ox_addr_problem check(const char *p, const char *c, const char *d, const char *t)
{
	struct ox_address a = addr(p, c, d, t);
	return ox_address_check(&a);
}

#define DETAIL "体育西路103号"

static void test_valid_and_invalid_combinations(void **state)
{
	(void)state;
	assert_int_equal(check("广东省", "广州市", "天河区", DETAIL), OX_ADDR_OK);
	assert_int_equal(check("浙江省", "广州市", "天河区", DETAIL), OX_ADDR_CITY_NOT_IN_PROVINCE);
	assert_int_equal(check("广东省", "深圳市", "天河区", DETAIL), OX_ADDR_DISTRICT_NOT_IN_CITY);
	assert_int_equal(check("广东", "广州市", "天河区", DETAIL), OX_ADDR_UNKNOWN_PROVINCE);
	assert_int_equal(check("火星省", "广州市", "天河区", DETAIL), OX_ADDR_UNKNOWN_PROVINCE);
	assert_int_equal(check("浙江省", "杭州市", "西湖区", "文三路90号"), OX_ADDR_OK);
	/* 省直辖县级行政区划 is the data's city level for 仙桃市 and the like. */
	assert_int_equal(check("湖北省", "省直辖县级行政区划", "仙桃市", DETAIL), OX_ADDR_OK);
	/* A prefecture-level city without districts lists its towns. */
	assert_int_equal(check("广东省", "东莞市", "南城街道", DETAIL), OX_ADDR_OK);
}

/* The four municipalities: own name, 市辖区 and, for 重庆市, 县. */
static void test_municipalities(void **state)
{
	(void)state;
	static const struct {
		const char *p, *urban, *other_urban;
	} m[] = {
		{ "北京市", "朝阳区", "海淀区" },
		{ "天津市", "和平区", "滨海新区" },
		{ "上海市", "浦东新区", "徐汇区" },
		{ "重庆市", "渝中区", "万州区" },
	};
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(check(m[i].p, m[i].p, m[i].urban, DETAIL), OX_ADDR_OK);
		assert_int_equal(check(m[i].p, "市辖区", m[i].other_urban, DETAIL), OX_ADDR_OK);
		/* Only 重庆市 has a 县 group; its urban districts are not in it. */
		assert_int_equal(check(m[i].p, "县", m[i].urban, DETAIL),
				 i == 3 ? OX_ADDR_DISTRICT_NOT_IN_CITY : OX_ADDR_CITY_NOT_IN_PROVINCE);
		assert_int_equal(check(m[i].p, m[i].p, "天河区", DETAIL), OX_ADDR_DISTRICT_NOT_IN_CITY);
		/* Another municipality's name is no city of this one. */
		assert_int_equal(check(m[i].p, m[(i + 1) % 4].p, m[i].urban, DETAIL),
				 OX_ADDR_CITY_NOT_IN_PROVINCE);
	}
	/* 重庆市's counties: under its own name (any group) and under 县. */
	assert_int_equal(check("重庆市", "重庆市", "城口县", DETAIL), OX_ADDR_OK);
	assert_int_equal(check("重庆市", "县", "城口县", DETAIL), OX_ADDR_OK);
	assert_int_equal(check("重庆市", "市辖区", "城口县", DETAIL), OX_ADDR_DISTRICT_NOT_IN_CITY);
	/* Abbreviations are not names. */
	assert_int_equal(check("北京", "北京市", "朝阳区", DETAIL), OX_ADDR_UNKNOWN_PROVINCE);
	assert_int_equal(check("北京市", "北京", "朝阳区", DETAIL), OX_ADDR_CITY_NOT_IN_PROVINCE);
}

static void test_empty_parts(void **state)
{
	(void)state;
	assert_int_equal(check("", "广州市", "天河区", DETAIL), OX_ADDR_EMPTY_PROVINCE);
	assert_int_equal(check(" \t", "广州市", "天河区", DETAIL), OX_ADDR_EMPTY_PROVINCE);
	assert_int_equal(check("广东省", "\u3000\u3000", "天河区", DETAIL), OX_ADDR_EMPTY_CITY);
	assert_int_equal(check("广东省", "广州市", " \u00a0\n", DETAIL), OX_ADDR_EMPTY_DISTRICT);
	assert_int_equal(check("广东省", "广州市", "天河区", " \u3000 "), OX_ADDR_DETAIL_TOO_SHORT);
	/* Emptiness first, in part order, before the combination. */
	assert_int_equal(check("", "", "", ""), OX_ADDR_EMPTY_PROVINCE);
	assert_int_equal(check("火星省", "", "天河区", DETAIL), OX_ADDR_EMPTY_CITY);
	assert_int_equal(check("浙江省", "广州市", "", DETAIL), OX_ADDR_EMPTY_DISTRICT);
	assert_int_equal(check("火星省", "广州市", "天河区", ""), OX_ADDR_DETAIL_TOO_SHORT);
	struct ox_address null_parts = { OX_STR_NULL, OX_STR_NULL, OX_STR_NULL, OX_STR_NULL };
	assert_int_equal(ox_address_check(&null_parts), OX_ADDR_EMPTY_PROVINCE);
}

static void test_trimming(void **state)
{
	(void)state;
	assert_int_equal(check(" 广东省\u3000", "\t广州市 ", "\u3000天河区\u3000", DETAIL), OX_ADDR_OK);
	/* Inside a name, white space stays and breaks the name. */
	assert_int_equal(check("广东 省", "广州市", "天河区", DETAIL), OX_ADDR_UNKNOWN_PROVINCE);
}

static void test_detail_length(void **state)
{
	(void)state;
	assert_int_equal(check("广东省", "广州市", "天河区", "体育路"), OX_ADDR_DETAIL_TOO_SHORT);
	assert_int_equal(check("广东省", "广州市", "天河区", "体育西路"), OX_ADDR_OK);
	assert_int_equal(check("广东省", "广州市", "天河区", "abc"), OX_ADDR_DETAIL_TOO_SHORT);
	assert_int_equal(check("广东省", "广州市", "天河区", "abcd"), OX_ADDR_OK);
	/* Counted after trimming; inner white space counts. */
	assert_int_equal(check("广东省", "广州市", "天河区", "\u3000 体育路 \u3000"),
			 OX_ADDR_DETAIL_TOO_SHORT);
	assert_int_equal(check("广东省", "广州市", "天河区", "体育 路"), OX_ADDR_OK);
	/* A 4-byte code point is one character. */
	assert_int_equal(check("广东省", "广州市", "天河区", "1号\U00020000"), OX_ADDR_DETAIL_TOO_SHORT);
	/* The combination is reported before the length. */
	assert_int_equal(check("浙江省", "广州市", "天河区", "1号"), OX_ADDR_CITY_NOT_IN_PROVINCE);
}

static void test_messages(void **state)
{
	(void)state;
	char buf[256];
	struct ox_address a = addr("广东省", " 深圳市", "天河区", DETAIL);
	enum ox_addr_problem pr = ox_address_check(&a);
	assert_int_equal(pr, OX_ADDR_DISTRICT_NOT_IN_CITY);
	assert_string_equal(ox_addr_problem_name(pr), "district_not_in_city");
	size_t n = ox_addr_problem_zh(pr, &a, buf, sizeof buf);
	assert_string_equal(buf, "区县“天河区”不属于“广东省深圳市”");
	assert_int_equal(n, strlen(buf));
	ox_addr_problem_en(pr, &a, buf, sizeof buf);
	assert_string_equal(buf, "district \"天河区\" is not in \"广东省 深圳市\"");

	a = addr("北京市", "北京市", "天河区", DETAIL);
	ox_addr_problem_zh(OX_ADDR_DISTRICT_NOT_IN_CITY, &a, buf, sizeof buf);
	assert_string_equal(buf, "区县“天河区”不属于“北京市”");

	a = addr("浙江省", "广州市", "天河区", DETAIL);
	ox_addr_problem_zh(ox_address_check(&a), &a, buf, sizeof buf);
	assert_string_equal(buf, "城市“广州市”不属于“浙江省”");
	ox_addr_problem_en(ox_address_check(&a), &a, buf, sizeof buf);
	assert_string_equal(buf, "city \"广州市\" is not in \"浙江省\"");

	a = addr("广东", "广州市", "天河区", "1号");
	ox_addr_problem_zh(OX_ADDR_UNKNOWN_PROVINCE, &a, buf, sizeof buf);
	assert_string_equal(buf, "省份“广东”不存在");
	ox_addr_problem_zh(OX_ADDR_DETAIL_TOO_SHORT, &a, buf, sizeof buf);
	assert_string_equal(buf, "详细地址“1号”不足4个字");
	ox_addr_problem_en(OX_ADDR_DETAIL_TOO_SHORT, &a, buf, sizeof buf);
	assert_string_equal(buf, "detail \"1号\" is shorter than 4 characters");
	ox_addr_problem_en(OX_ADDR_EMPTY_CITY, &a, buf, sizeof buf);
	assert_string_equal(buf, "city is empty");
	ox_addr_problem_zh(OX_ADDR_EMPTY_DISTRICT, &a, buf, sizeof buf);
	assert_string_equal(buf, "区县为空");

	/* Every problem has a name and both messages. */
	for (int i = 0; i < OX_ADDR__COUNT; i++) {
		assert_non_null(ox_addr_problem_name((enum ox_addr_problem)i));
		assert_true(ox_addr_problem_zh((enum ox_addr_problem)i, &a, buf, sizeof buf) > 0);
		assert_true(ox_addr_problem_en((enum ox_addr_problem)i, &a, buf, sizeof buf) > 0);
	}
	assert_null(ox_addr_problem_name(OX_ADDR__COUNT));
}

static void test_message_truncation(void **state)
{
	(void)state;
	struct ox_address a = addr("广东省", "深圳市", "天河区", DETAIL);
	char small[8];
	memset(small, 'x', sizeof small);
	/* "区县" is 6 bytes; "“" would need 3 more than the 7 that fit. */
	assert_int_equal(ox_addr_problem_zh(OX_ADDR_DISTRICT_NOT_IN_CITY, &a, small, sizeof small), 6);
	assert_string_equal(small, "区县");
	assert_int_equal(ox_addr_problem_zh(OX_ADDR_DISTRICT_NOT_IN_CITY, &a, NULL, 0), 0);
}

static void norm_eq(const struct ox_address *a, const char *want)
{
	char buf[256];
	size_t n = ox_address_normalize(a, buf, sizeof buf);
	assert_string_equal(buf, want);
	assert_int_equal(n, strlen(want));
}

static void test_normalize(void **state)
{
	(void)state;
	struct ox_address a = addr("广东省", "广州市", "天河区", "体育西路 103号 A座");
	norm_eq(&a, "广东省广州市天河区体育西路103号a座");
	/* Full-width ASCII folded, then lower-cased; every kind of space gone. */
	a = addr(" 广东省\u3000", "广州市", "天河区", "ＡＢＣ大厦１０３室\u00a0Room\u2003B\t");
	norm_eq(&a, "广东省广州市天河区abc大厦103室roomb");
	a = addr("广东省", "广州市", "天河区", "（Ｔ３）＃１－２");
	norm_eq(&a, "广东省广州市天河区(t3)#1-2");
	/* Other CJK punctuation is not full-width ASCII and stays. */
	a = addr("广东省", "广州市", "天河区", "一号、二楼。");
	norm_eq(&a, "广东省广州市天河区一号、二楼。");
}

static void test_normalize_municipality(void **state)
{
	(void)state;
	struct ox_address a = addr("上海市", "市辖区", "浦东新区", "世纪大道100号");
	norm_eq(&a, "上海市上海市浦东新区世纪大道100号");
	a = addr("上海市", "上海市", "浦东新区", "世纪大道 100 号");
	norm_eq(&a, "上海市上海市浦东新区世纪大道100号");
	a = addr(" 重庆市", " 县 ", "城口县", "葛城街道1号");
	norm_eq(&a, "重庆市重庆市城口县葛城街道1号");
	a = addr("北京市", "市 辖 区", "朝阳区", "建国路1号");
	norm_eq(&a, "北京市北京市朝阳区建国路1号");
	/* Only a municipality's placeholders are replaced. */
	a = addr("北京市", "县", "朝阳区", "建国路1号");
	norm_eq(&a, "北京市县朝阳区建国路1号");
	a = addr("广东省", "市辖区", "天河区", "建国路1号");
	norm_eq(&a, "广东省市辖区天河区建国路1号");
	a = addr("火星", "市辖区", "", "");
	norm_eq(&a, "火星市辖区");
}

static void test_normalize_truncation(void **state)
{
	(void)state;
	struct ox_address a = addr("广东省", "广州市", "天河区", "Ａ座");
	char buf[12];
	memset(buf, 'x', sizeof buf);
	/* 11 bytes fit: 广东省 (9), never half of 广. */
	assert_int_equal(ox_address_normalize(&a, buf, sizeof buf), 9);
	assert_string_equal(buf, "广东省");
	/* Once a part is cut, nothing after it is written, even if it fits. */
	a = addr("广东省", "广州市", "天河区", "x");
	char cut[14];
	assert_int_equal(ox_address_normalize(&a, cut, sizeof cut), 12);
	assert_string_equal(cut, "广东省广");
	assert_int_equal(ox_address_normalize(&a, NULL, 0), 0);
	char one[1] = { 'x' };
	assert_int_equal(ox_address_normalize(&a, one, 1), 0);
	assert_int_equal(one[0], '\0');
	/* Exactly enough room. */
	char exact[sizeof "广东省广州市天河区x"];
	assert_int_equal(ox_address_normalize(&a, exact, sizeof exact), sizeof exact - 1);
	assert_string_equal(exact, "广东省广州市天河区x");
	/* A very long province still normalizes (no lookup, no overflow). */
	char longp[600];
	memset(longp, 'A', sizeof longp - 1);
	longp[sizeof longp - 1] = '\0';
	a = addr(longp, "市辖区", "x", "y");
	char big[700];
	assert_int_equal(ox_address_normalize(&a, big, sizeof big), 599 + strlen("市辖区") + 2);
	assert_int_equal(big[0], 'a');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_and_invalid_combinations),
		cmocka_unit_test(test_municipalities),
		cmocka_unit_test(test_empty_parts),
		cmocka_unit_test(test_trimming),
		cmocka_unit_test(test_detail_length),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_message_truncation),
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_normalize_municipality),
		cmocka_unit_test(test_normalize_truncation),
	};
	return cmocka_run_group_tests_name("address", tests, NULL, NULL);
}

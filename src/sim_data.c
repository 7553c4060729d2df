/* sim_data.c - what the simulated shop is made of: channels, carriers,
 * payment methods, warehouses, coupons, remarks, tickets, names, streets,
 * and where the buyers live (provinces weighted by the 7th census).
 */
#include <stdlib.h>

#include "address.h"
#include "divisions.h"
#include "sim_int.h"

/* Shares are rough market shares; only their ratios matter. */
const struct ox_sim_named ox_sim_channels[5] = {
	{ "tmall", 0.36 }, { "jd", 0.24 }, { "pdd", 0.2 }, { "douyin", 0.15 }, { "shop", 0.05 },
};
const char *const ox_sim_shops[5][2] = {
	{ "tmall-flagship", "tmall-outlet" }, { "jd-self", "jd-pop" }, { "pdd-main", "pdd-factory" },
	{ "douyin-live", "douyin-store" },   { "web", "miniapp" },
};

const struct ox_sim_named ox_sim_carriers[8] = {
	{ "zto", 0.22 }, { "yto", 0.16 }, { "yunda", 0.15 }, { "jt", 0.12 },
	{ "sto", 0.12 }, { "sf", 0.12 },  { "jd", 0.07 },    { "ems", 0.04 },
};
const char *const ox_sim_carrier_zh[8] = { "中通快递", "圆通速递", "韵达快递", "极兔速递",
					   "申通快递", "顺丰速运", "京东物流", "EMS" };

const struct ox_sim_named ox_sim_methods[4] = {
	{ "alipay", 0.5 }, { "wechatpay", 0.38 }, { "unionpay", 0.06 }, { "card", 0.06 },
};

const struct ox_sim_warehouse ox_sim_warehouses[OX_SIM_N_WAREHOUSES] = {
	{ "WH-BJ", "北京市" }, { "WH-SY", "沈阳市" }, { "WH-SH", "上海市" }, { "WH-HZ", "杭州市" },
	{ "WH-WH", "武汉市" }, { "WH-GZ", "广州市" }, { "WH-CD", "成都市" }, { "WH-XA", "西安市" },
};

/* Platform coupons: shared by many buyers on their own devices. */
const struct ox_sim_coupon ox_sim_coupons[OX_SIM_N_COUPONS] = {
	{ "D11-300-50", 30000, 5000 }, { "D11-200-30", 20000, 3000 }, { "VIP-100-15", 10000, 1500 },
	{ "SHOP-50-5", 5000, 500 },    { "NEW-10", 2000, 1000 },
};

const char *const ox_sim_systems[OX_SIM_N_SYSTEMS] = { "wms", "erp", "crm" };

const char *const ox_sim_pay_reasons[OX_SIM_N_REASONS] = {
	"insufficient_funds", "limit_exceeded", "wrong_password", "network", "timeout", "risk_rejected",
};

/* Buyer notes without any attention keyword of rules.md, nor anything close
 * to one (the engine's keyword list may be longer than the default). */
const char *const ox_sim_safe_remarks[OX_SIM_N_SAFE_REMARKS] = {
	"谢谢", "好评", "麻烦包装结实一点", "辛苦了", "要黑色的", "尺码M", "老顾客了", "期待收货",
};

/* Buyer notes that need a person: each holds a default attention keyword. */
const char *const ox_sim_attention_remarks[OX_SIM_N_ATTENTION_REMARKS] = {
	"麻烦加急，谢谢",
	"需要开发票，抬头：杭州某某科技有限公司",
	"是送人的礼物，不要放价格单",
	"请放快递柜",
	"放驿站就行，白天不在家",
	"可以到付吗",
	"送货前电话联系",
	"地址错了，麻烦改地址",
	"别发韵达",
	"指定顺丰",
	"公司报销要开票",
	"Gift for my mom, please wrap",
	"URGENT please ship today",
	"need an Invoice",
};

/* [kind] = { text, text } */
const char *const ox_sim_ticket_text[OX_TK__COUNT][2] = {
	[OX_TK_COMPLAINT] = { "发错颜色了，要求换货", "客服一直不回复，很不满意" },
	[OX_TK_INQUIRY] = { "请问什么时候发货？", "这个能用优惠券吗" },
	[OX_TK_ADDRESS_CHANGE] = { "想改一下收货地址", "搬家了，地址要换" },
	[OX_TK_NOT_RECEIVED] = { "显示签收了但是没收到", "物流好几天没动了，什么时候到" },
	[OX_TK_DAMAGED] = { "收到的商品外包装破损，里面碎了", "盒子压坏了，东西有划痕" },
	[OX_TK_OTHER] = { "发票什么时候开", "想加购一件能一起发吗" },
};

static const char *const surnames[] = {
	"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
	"何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
	"肖", "田", "董", "袁", "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁",
};
static const char *const given[] = {
	"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
	"超", "秀", "霞", "平", "刚", "英", "华", "玉", "萍", "红", "鹏", "辉", "燕", "婷", "宇", "浩",
	"欣", "怡", "涵", "梓", "轩", "晨", "阳", "佳", "琪", "思", "雨", "博", "文", "俊", "雪", "颖",
};
static const char *const streets[] = {
	"人民路", "解放路", "中山路", "建设路", "和平路", "新华路", "胜利路", "文化路", "青年路", "长江路",
	"黄河路", "北京路", "南京路", "东风路", "朝阳路", "幸福路", "学府路", "科技路", "工业大道", "滨江路",
	"湖滨路", "光明路", "振兴路", "育才路", "花园路", "世纪大道", "迎宾大道", "创业路", "金桥路", "团结路",
};
static const char *const estates[] = {
	"阳光小区", "幸福家园", "锦绣花园", "金色家园", "翠苑", "华府", "名都", "新村", "碧桂园", "万科城",
	"绿城桂花园", "保利花园", "龙湖天街", "御景湾", "书香门第", "滨江花园",
};
static const char *const offices[] = { "大厦", "科技园", "创业园", "商务中心", "写字楼" };

void ox_sim_person_name(struct ox_sim_rng *r, char *out, size_t cap)
{
	const char *a = surnames[ox_sim_below(r, OX_ARRAY_LEN(surnames))];
	const char *b = given[ox_sim_below(r, OX_ARRAY_LEN(given))];
	const char *c = ox_sim_chance(r, 0.6) ? given[ox_sim_below(r, OX_ARRAY_LEN(given))] : "";
	snprintf(out, cap, "%s%s%s", a, b, c);
}

void ox_sim_street_detail(struct ox_sim_rng *r, char *out, size_t cap)
{
	const char *st = streets[ox_sim_below(r, OX_ARRAY_LEN(streets))];
	int num = (int)ox_sim_range(r, 1, 999);
	if (ox_sim_chance(r, 0.8))
		snprintf(out, cap, "%s%d号%s%d栋%d单元%d%02d室", st, num,
			 estates[ox_sim_below(r, OX_ARRAY_LEN(estates))], (int)ox_sim_range(r, 1, 30),
			 (int)ox_sim_range(r, 1, 6), (int)ox_sim_range(r, 1, 33), (int)ox_sim_range(r, 1, 8));
	else
		snprintf(out, cap, "%s%d号%s%d楼%d室", st, num,
			 offices[ox_sim_below(r, OX_ARRAY_LEN(offices))], (int)ox_sim_range(r, 1, 28),
			 (int)ox_sim_range(r, 1, 30));
}

/* ---- where buyers live -------------------------------------------------- */

/* 7th national census (2020), ten thousands; the warehouse serving it. */
static const struct {
	const char *name;
	int pop;
	uint8_t warehouse;
} provinces[] = {
	{ "北京市", 2189, 0 },    { "天津市", 1387, 0 },   { "河北省", 7461, 0 },
	{ "山西省", 3492, 0 },    { "内蒙古自治区", 2405, 0 }, { "辽宁省", 4259, 1 },
	{ "吉林省", 2407, 1 },    { "黑龙江省", 3185, 1 }, { "上海市", 2487, 2 },
	{ "江苏省", 8475, 2 },    { "浙江省", 6457, 3 },   { "安徽省", 6103, 2 },
	{ "福建省", 4154, 3 },    { "江西省", 4519, 3 },   { "山东省", 10153, 2 },
	{ "河南省", 9937, 4 },    { "湖北省", 5775, 4 },   { "湖南省", 6644, 4 },
	{ "广东省", 12601, 5 },   { "广西壮族自治区", 5013, 5 }, { "海南省", 1008, 5 },
	{ "重庆市", 3205, 6 },    { "四川省", 8367, 6 },   { "贵州省", 3856, 6 },
	{ "云南省", 4721, 6 },    { "西藏自治区", 365, 6 }, { "陕西省", 3953, 7 },
	{ "甘肃省", 2502, 7 },    { "青海省", 592, 7 },    { "宁夏回族自治区", 720, 7 },
	{ "新疆维吾尔自治区", 2585, 7 },
};

struct ox_sim_geo {
	size_t n;          /* provinces in divisions.h */
	double *prov_w;    /* [p] */
	uint8_t *wh;       /* [p] */
	double **city_w;   /* [p][c]; 0 for cities buyers do not write */
};

static bool strcontains(const char *s, const char *needle)
{
	return strstr(s, needle) != NULL;
}

struct ox_sim_geo *ox_sim_geo_new(void)
{
	struct ox_sim_geo *g = ox_xcalloc(1, sizeof *g);
	g->n = ox_div_province_count();
	g->prov_w = ox_xcalloc(g->n, sizeof *g->prov_w);
	g->wh = ox_xcalloc(g->n, sizeof *g->wh);
	g->city_w = ox_xcalloc(g->n, sizeof *g->city_w);
	for (size_t p = 0; p < g->n; p++) {
		const char *name = ox_div_province_name(p);
		for (size_t i = 0; i < OX_ARRAY_LEN(provinces); i++)
			if (strcmp(provinces[i].name, name) == 0) {
				g->prov_w[p] = provinces[i].pop;
				g->wh[p] = provinces[i].warehouse;
			}
		size_t nc = ox_div_city_count(p);
		g->city_w[p] = ox_xcalloc(nc ? nc : 1, sizeof(double));
		double total = 0;
		for (size_t c = 0; c < nc; c++) {
			/* 省直辖县级行政区划 and the like are GB/T 2260 placeholders
			 * that nobody writes on a parcel */
			const char *cn = ox_div_city_name(p, c);
			size_t nd = ox_div_district_count(p, c);
			if (nd == 0 || (strcontains(cn, "直辖") && !ox_div_is_municipality(p)))
				continue;
			g->city_w[p][c] = (double)nd + (c == 0 ? 6.0 : 0.0); /* capitals are big */
			total += g->city_w[p][c];
		}
		if (total == 0)
			g->prov_w[p] = 0; /* outside the census table or no usable city */
	}
	return g;
}

void ox_sim_geo_free(struct ox_sim_geo *g)
{
	if (!g)
		return;
	for (size_t p = 0; p < g->n; p++)
		free(g->city_w[p]);
	free(g->city_w);
	free(g->prov_w);
	free(g->wh);
	free(g);
}

static void geo_pick(const struct ox_sim_geo *g, struct ox_sim_rng *r, uint16_t *p, uint16_t *c, uint16_t *d)
{
	*p = (uint16_t)ox_sim_pick(r, g->prov_w, g->n);
	*c = (uint16_t)ox_sim_pick(r, g->city_w[*p], ox_div_city_count(*p));
	*d = (uint16_t)ox_sim_below(r, ox_div_district_count(*p, *c));
}

uint8_t ox_sim_geo_warehouse(const struct ox_sim_geo *g, size_t p)
{
	return p < g->n ? g->wh[p] : 0;
}

/* A valid address: a municipality's city is mostly written as its own name
 * (北京市/北京市/朝阳区), sometimes as GB/T 2260 has it (市辖区). */
void ox_sim_geo_place(const struct ox_sim_geo *g, struct ox_sim_rng *r, struct ox_sim_place *out,
		      uint16_t *province)
{
	for (;;) {
		uint16_t p, c, d;
		geo_pick(g, r, &p, &c, &d);
		out->province = ox_div_province_name(p);
		out->city = ox_div_city_name(p, c);
		if (ox_div_is_municipality(p) && ox_sim_chance(r, 0.8))
			out->city = out->province;
		out->district = ox_div_district_name(p, c, d);
		ox_sim_street_detail(r, out->detail, sizeof out->detail);
		*province = p;
		if (ox_sim_place_valid(out))
			return;
	}
}

bool ox_sim_place_valid(const struct ox_sim_place *pl)
{
	struct ox_address a = { ox_str_z(pl->province), ox_str_z(pl->city), ox_str_z(pl->district),
				ox_str_z(pl->detail) };
	return ox_address_check(&a) == OX_ADDR_OK;
}

/* rules.h - the rule catalogue of ../shared/spec/rules.md as one table.
 *
 * X(code, category, severity 1..4, team, key kind, title zh-CN, title en).
 * Adding a rule adds a row here, its handlers in src/rules/<category>.c and its page in docs/rules/.
 */
#ifndef OX_RULES_H
#define OX_RULES_H

#include <stddef.h>

enum ox_key_kind { OX_KEY_ORDER, OX_KEY_SKU, OX_KEY_GROUP };

#define OX_RULE_TABLE(X)                                             \
	X(PAY_FAILED, "payment", 3, "payments", OX_KEY_ORDER, \
	  "支付失败未重试成功", "payment failed and not retried successfully") \
	X(PAY_DUPLICATE, "payment", 1, "payments", OX_KEY_ORDER, \
	  "重复支付", "duplicate payment") \
	X(PAY_AMOUNT_MISMATCH, "payment", 1, "payments", OX_KEY_ORDER, \
	  "支付金额与订单金额不符", "paid amount differs from the order total") \
	X(PAY_STATUS_STALE, "payment", 2, "payments", OX_KEY_ORDER, \
	  "支付已成功但订单未更新", "paid but the order status was not updated") \
	X(PAY_ON_CLOSED, "payment", 1, "payments", OX_KEY_ORDER, \
	  "订单已关闭但仍有已付款项", "money held on a closed order") \
	X(PAY_UNRECONCILED, "payment", 2, "payments", OX_KEY_ORDER, \
	  "订单显示已付款但支付渠道无记录", "order says paid, gateway has no payment") \
	X(INV_RESERVE_FAILED, "inventory", 3, "inventory", OX_KEY_ORDER, \
	  "库存占用失败", "stock reservation failed") \
	X(INV_OVERSOLD, "inventory", 1, "inventory", OX_KEY_ORDER, \
	  "超卖", "oversold") \
	X(INV_NEGATIVE_STOCK, "inventory", 1, "inventory", OX_KEY_SKU, \
	  "库存为负", "negative stock") \
	X(INV_DRIFT, "inventory", 2, "inventory", OX_KEY_SKU, \
	  "库存数据不一致", "stock levels drift apart") \
	X(INV_LOW_STOCK, "inventory", 2, "inventory", OX_KEY_SKU, \
	  "库存不足预警", "stock below its threshold") \
	X(LOG_SHIP_OVERDUE, "logistics", 2, "logistics", OX_KEY_ORDER, \
	  "超时未发货", "not shipped by the promised time") \
	X(LOG_STALLED, "logistics", 3, "logistics", OX_KEY_ORDER, \
	  "物流信息停滞", "tracking stalled") \
	X(LOG_DELIVERY_OVERDUE, "logistics", 2, "logistics", OX_KEY_ORDER, \
	  "派送延误", "delivery overdue") \
	X(LOG_LOST, "logistics", 1, "logistics", OX_KEY_ORDER, \
	  "包裹丢失", "parcel lost") \
	X(LOG_DAMAGED, "logistics", 2, "logistics", OX_KEY_ORDER, \
	  "包裹损毁", "parcel damaged") \
	X(LOG_REJECTED, "logistics", 2, "logistics", OX_KEY_ORDER, \
	  "客户拒收", "rejected by the customer") \
	X(LOG_FAILED_ATTEMPT, "logistics", 3, "logistics", OX_KEY_ORDER, \
	  "多次派送失败", "repeated failed delivery attempts") \
	X(LOG_CARRIER_EXCEPTION, "logistics", 2, "logistics", OX_KEY_ORDER, \
	  "快递疑难件", "carrier exception") \
	X(CUS_ADDRESS_INVALID, "customer", 3, "cs", OX_KEY_ORDER, \
	  "收货地址错误或不详", "invalid or incomplete address") \
	X(CUS_PHONE_INVALID, "customer", 3, "cs", OX_KEY_ORDER, \
	  "联系电话错误", "invalid phone number") \
	X(CUS_REMARK_ATTENTION, "customer", 4, "cs", OX_KEY_ORDER, \
	  "备注需要关注", "remark needs attention") \
	X(CUS_TICKET, "customer", 2, "cs", OX_KEY_ORDER, \
	  "客服反馈", "customer service ticket") \
	X(SYS_CREATE_FAILED, "system", 2, "tech", OX_KEY_ORDER, \
	  "订单创建失败", "order creation failed") \
	X(SYS_SYNC_FAILED, "system", 2, "tech", OX_KEY_ORDER, \
	  "数据同步失败", "downstream sync failed") \
	X(FRD_BLACKLIST, "fraud", 1, "risk", OX_KEY_ORDER, \
	  "命中黑名单", "blacklist hit") \
	X(FRD_SUSPECT, "fraud", 2, "risk", OX_KEY_ORDER, \
	  "疑似虚假订单或刷单", "suspected fake order") \
	X(INC_BURST, "incident", 1, "oncall", OX_KEY_GROUP, \
	  "同类异常集中爆发", "burst of one exception") \
	X(INC_PAYMENT_RATE, "incident", 1, "oncall", OX_KEY_GROUP, "支付成功率骤降", "payment success rate drop")

enum ox_rule {
#define X(code, cat, sev, team, key, zh, en) OX_R_##code,
	OX_RULE_TABLE(X)
#undef X
	OX_R__COUNT
};

struct ox_rule_info {
	const char *code;
	const char *category;
	int severity; /* default, 1..4 for P1..P4 */
	const char *team;
	enum ox_key_kind key;
	const char *title_zh; /* one line, for reports and the console */
	const char *title_en;
};

const struct ox_rule_info *ox_rule_info(enum ox_rule r);
/* Returns -1 for an unknown code. */
int ox_rule_by_code(const char *code, size_t len);

#endif

/* playbook.h - what a team does about a case, per rule: the seed's second
 * and third dimensions ("精准分析与定位", "妥善处理与解决") as data.
 *
 * A playbook belongs to one rule code and holds
 *   - the investigation checklist of the seed for its type (逐层排查): items
 *     with a stable id, in Chinese and English;
 *   - the suggested actions, kinds of calls on the merchant's systems
 *     (OX_PB_ACTIONS);
 *   - the auto-remediation settings: a mode (suggest, auto,
 *     auto_with_approval), the action sequence an automatic run makes and
 *     an amount limit;
 *   - the customer message templates of the seed's five steps (第一时间通知,
 *     解释原因, 告知进展, 提供解决方案, 表达歉意) in both languages, with
 *     {variables} from a fixed list (OX_PB_VARS).
 * And the resolution taxonomy a person closes a case with: resolution codes
 * per category and root causes.
 *
 * Every rule of OX_RULE_TABLE has a built-in playbook (src/playbook_data.c);
 * the `playbooks:` section of the daemon's YAML config file overrides parts
 * of them (docs/playbooks.md). A pure library: no I/O besides reading the
 * config file, no desk, no HTTP.
 *
 * Ownership: ox_playbooks_load() returns a set that ox_playbooks_free()
 * frees; it is read-only afterwards (any number of threads may read it),
 * and every pointer it hands out lives as long as the set. Running out of
 * memory aborts (util.h). Texts are NUL-terminated UTF-8.
 */
#ifndef OX_PLAYBOOK_H
#define OX_PLAYBOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rules.h"
#include "util.h"

/* ---- languages ------------------------------------------------------------------------- */

/* zh-CN first, English second, as everywhere. OX_PB_BOTH is for the JSON
 * writers only: both languages. */
enum ox_pb_lang { OX_PB_ZH, OX_PB_EN, OX_PB_BOTH };
#define OX_PB__NLANG 2
/* "zh" (also "zh-CN", "zh_CN", "zh-Hans") or "en" (also "en-US", ...); -1 otherwise. */
int ox_pb_lang_parse(const char *s, size_t n);
const char *ox_pb_lang_name(enum ox_pb_lang l); /* "zh", "en" */

/* ---- categories ------------------------------------------------------------------------ */

/* The rule families of rules.h, in table order.
 * X(enum suffix, name as in rules.h, label zh, label en) */
#define OX_PB_CATEGORIES(X)                                          \
	X(PAYMENT, "payment", "支付异常", "Payment")                 \
	X(INVENTORY, "inventory", "库存异常", "Inventory")           \
	X(LOGISTICS, "logistics", "物流异常", "Logistics")           \
	X(CUSTOMER, "customer", "客户信息异常", "Customer information") \
	X(SYSTEM, "system", "系统异常", "System")                    \
	X(FRAUD, "fraud", "恶意订单", "Malicious orders")            \
	X(INCIDENT, "incident", "集中爆发的异常", "Incidents")

enum ox_pb_category {
#define X(e, s, zh, en) OX_PB_CAT_##e,
	OX_PB_CATEGORIES(X)
#undef X
	OX_PB__NCAT
};
/* One bit per category, for the resolution table. */
enum {
#define X(e, s, zh, en) OX_PB_CM_##e = 1u << OX_PB_CAT_##e,
	OX_PB_CATEGORIES(X)
#undef X
	OX_PB_CM_ALL = (1u << OX_PB__NCAT) - 1
};
const char *ox_pb_category_name(enum ox_pb_category c);
const char *ox_pb_category_label(enum ox_pb_category c, enum ox_pb_lang l);
/* The category named s (n bytes), or -1. */
int ox_pb_category_by_name(const char *s, size_t n);
/* The category of rule r (ox_rule_info(r)->category), or -1 for a rule
 * out of range or a category this list lacks (a unit test keeps them in
 * step). */
int ox_pb_category_of(enum ox_rule r);

/* ---- actions --------------------------------------------------------------------------- */

/* The kinds of call ordex makes on the merchant's systems (issue 4): ordex
 * owns neither payments nor shipping. X(enum suffix, name, label zh,
 * label en) */
#define OX_PB_ACTIONS(X)                                                          \
	X(REFUND, "refund", "退款", "Refund")                                     \
	X(PARTIAL_REFUND, "partial_refund", "部分退款", "Partial refund")         \
	X(RESHIP, "reship", "补发", "Reship")                                     \
	X(CANCEL_ORDER, "cancel_order", "取消订单", "Cancel the order")           \
	X(MARK_PAID, "mark_paid", "标记为已付款", "Mark as paid")                 \
	X(UPDATE_ADDRESS, "update_address", "修改收货信息", "Update the delivery details") \
	X(INTERCEPT_SHIPMENT, "intercept_shipment", "拦截包裹", "Intercept the parcel") \
	X(ISSUE_COUPON, "issue_coupon", "发放优惠券", "Issue a coupon")           \
	X(ADD_POINTS, "add_points", "赠送积分", "Add points")                     \
	X(SEND_MESSAGE, "send_message", "发送客户消息", "Message the customer")   \
	X(CARRIER_CLAIM, "carrier_claim", "向快递公司索赔", "Claim from the carrier") \
	X(QUERY_PAYMENT, "query_payment", "查询支付状态", "Query the payment")    \
	X(QUERY_TRACKING, "query_tracking", "查询物流轨迹", "Query the tracking")     \
	X(SEND_GIFT, "send_gift", "赠送礼品", "Send a gift")

enum ox_pb_action {
#define X(e, s, zh, en) OX_PB_A_##e,
	OX_PB_ACTIONS(X)
#undef X
	OX_PB_A__COUNT
};
const char *ox_pb_action_name(enum ox_pb_action a);
const char *ox_pb_action_label(enum ox_pb_action a, enum ox_pb_lang l);
/* The action named s (n bytes), or -1. */
int ox_pb_action_by_name(const char *s, size_t n);

/* ---- auto-remediation ------------------------------------------------------------------ */

/* X(enum suffix, name, label zh, label en) */
#define OX_PB_MODES(X)                                                                \
	X(SUGGEST, "suggest", "仅建议,由人执行", "suggest: a person acts")           \
	X(AUTO, "auto", "自动执行", "automatic")                                      \
	X(AUTO_WITH_APPROVAL, "auto_with_approval", "限额内自动,超出需审批",          \
	  "automatic within the limit, approval above it")

enum ox_pb_mode {
#define X(e, s, zh, en) OX_PB_M_##e,
	OX_PB_MODES(X)
#undef X
	OX_PB_M__COUNT
};
const char *ox_pb_mode_name(enum ox_pb_mode m);
const char *ox_pb_mode_label(enum ox_pb_mode m, enum ox_pb_lang l);
int ox_pb_mode_by_name(const char *s, size_t n); /* or -1 */

struct ox_playbook;

/* What to do when a case of the rule opens (issue 4; the executor, its
 * kill switch and its rate limit are the desk's). */
enum ox_pb_decision {
	OX_PB_D_SUGGEST, /* show the actions; a person decides */
	OX_PB_D_RUN,     /* run the sequence now */
	OX_PB_D_APPROVE, /* run it once a supervisor approves */
};
/* amount: what the sequence would move, in fen (a refund, a coupon); < 0
 * when it moves no money (queries, mark_paid), which counts as 0.
 *   suggest, or no sequence: SUGGEST;
 *   auto: RUN when there is no limit or amount <= limit, else SUGGEST
 *         (above its limit an automatic rule leaves the case to a person);
 *   auto_with_approval: RUN when a limit is set and amount <= limit,
 *         else APPROVE. */
enum ox_pb_decision ox_pb_decide(const struct ox_playbook *pb, ox_money amount);

/* ---- message templates ----------------------------------------------------------------- */

/* The seed's five steps of talking to the customer ("主动、透明、有温度").
 * X(enum suffix, name, label zh, label en) */
#define OX_PB_STEPS(X)                                               \
	X(NOTIFY, "notify", "第一时间通知", "Notify at once")        \
	X(EXPLAIN, "explain", "解释原因", "Explain the cause")       \
	X(PROGRESS, "progress", "告知进展", "Report progress")       \
	X(SOLUTION, "solution", "提供解决方案", "Offer a solution")  \
	X(APOLOGY, "apology", "表达歉意", "Apologise")

enum ox_pb_step {
#define X(e, s, zh, en) OX_PB_S_##e,
	OX_PB_STEPS(X)
#undef X
	OX_PB__NSTEP
};
const char *ox_pb_step_name(enum ox_pb_step s);
const char *ox_pb_step_label(enum ox_pb_step s, enum ox_pb_lang l);
int ox_pb_step_by_name(const char *s, size_t n); /* or -1 */

/* The variables a template may use, written {name}; any other name is an
 * error. X(enum suffix, name, meaning zh, meaning en, sample value) */
#define OX_PB_VARS(X)                                                                       \
	X(CUSTOMER_NAME, "customer_name", "客户称呼", "how to address the customer", "王女士") \
	X(ORDER_ID, "order_id", "订单号", "order id", "TB20241111000123")                    \
	X(SHOP, "shop", "店铺名称", "shop name", "悦家生活旗舰店")                            \
	X(AGENT_NAME, "agent_name", "客服名称", "the agent's name", "小悦")                  \
	X(AMOUNT, "amount", "涉及金额(元)", "amount at stake, CNY", "119.80")                \
	X(COUPON_AMOUNT, "coupon_amount", "优惠券金额(元)", "coupon value, CNY", "20")       \
	X(POINTS, "points", "赠送积分", "points given", "200")                                \
	X(ETA, "eta", "预计完成时间", "expected time", "11月13日18:00")                      \
	X(CARRIER, "carrier", "快递公司", "carrier", "顺丰速运")                              \
	X(TRACKING_NO, "tracking_no", "快递单号", "tracking number", "SF1234567890123")      \
	X(SKU, "sku", "商品编码", "SKU", "SKU-10086")                                         \
	X(ITEM, "item", "商品名称", "item name", "保温杯 500ml")                              \
	X(ADDRESS, "address", "收货地址", "delivery address", "浙江省杭州市西湖区文三路 90 号")

enum ox_pb_var {
#define X(e, s, zh, en, sample) OX_PB_V_##e,
	OX_PB_VARS(X)
#undef X
	OX_PB_V__COUNT
};
_Static_assert(OX_PB_V__COUNT <= 32, "variable masks are uint32_t: widen them");
const char *ox_pb_var_name(enum ox_pb_var v);
const char *ox_pb_var_label(enum ox_pb_var v, enum ox_pb_lang l);
const char *ox_pb_var_sample(enum ox_pb_var v);
int ox_pb_var_by_name(const char *s, size_t n); /* or -1 */

/* Values for rendering: v[OX_PB_V_ETA] and so on; NULL or "" is no value. */
struct ox_pb_vars {
	const char *v[OX_PB_V__COUNT];
};
/* Every variable set to its sample value (for previews and tests). */
void ox_pb_vars_sample(struct ox_pb_vars *out);

/* ---- limits ---------------------------------------------------------------------------- */

#define OX_PB_TEXT_MAX 500     /* bytes of a checklist text or a template */
#define OX_PB_VALUE_MAX 500    /* bytes of one variable's value */
#define OX_PB_ID_MAX 48        /* bytes of a checklist item id, [a-z0-9_] */
#define OX_PB_CHECKLIST_MAX 16 /* items of one checklist (the built-ins have 3..7) */
#define OX_PB_LIMIT_MAX ((ox_money)100000000) /* 1,000,000.00 CNY, in fen */
#define OX_PB_NO_LIMIT ((ox_money)-1)
/* A rendered template of at most OX_PB_TEXT_MAX bytes never exceeds this:
 * every 5 bytes ("{eta}", the shortest reference) become at most a value. */
#define OX_PB_RENDER_MAX ((size_t)OX_PB_TEXT_MAX / 5 * OX_PB_VALUE_MAX + OX_PB_TEXT_MAX)

/* ---- playbooks ------------------------------------------------------------------------- */

struct ox_pb_item {
	const char *id;                 /* [a-z0-9_], 1..OX_PB_ID_MAX, unique in its checklist */
	const char *text[OX_PB__NLANG]; /* zh-CN, en: non-empty, <= OX_PB_TEXT_MAX bytes */
};

/* What the config file changed in a playbook (ox_playbook.customized). */
enum {
	OX_PB_SET_CHECKLIST = 1u << 0,
	OX_PB_SET_ACTIONS = 1u << 1,
	OX_PB_SET_AUTO = 1u << 2,      /* mode, sequence or limit */
	OX_PB_SET_TEMPLATES = 1u << 3, /* one of its templates, its own or its category's */
};

struct ox_playbook {
	enum ox_rule rule;
	int category;                          /* enum ox_pb_category (-1: see ox_pb_category_of) */
	const struct ox_pb_item *checklist;    /* the order to work in */
	size_t n_checklist;                    /* 1..OX_PB_CHECKLIST_MAX */
	enum ox_pb_action actions[OX_PB_A__COUNT]; /* suggested, distinct, most likely first */
	size_t n_actions;                      /* may be 0 (SKU rules have no customer) */
	enum ox_pb_mode mode;
	enum ox_pb_action sequence[OX_PB_A__COUNT]; /* an automatic run, in order, distinct */
	size_t n_sequence;                     /* >= 1 unless mode is suggest */
	ox_money limit;                        /* fen, or OX_PB_NO_LIMIT */
	/* The template of each step in each language, never NULL: the rule's
	 * own, else its category's. Precedence: the config's for the rule, the
	 * config's for the category, the built-in for the rule, the built-in
	 * for the category. */
	const char *templates[OX_PB__NSTEP][OX_PB__NLANG];
	unsigned customized;                   /* OX_PB_SET_* */
};

struct ox_playbooks;

/* Read the `playbooks:` section of the YAML file at path (the daemon's
 * config file; other sections are left to their readers). path NULL, or a
 * file without the section, gives the built-ins. On error: -1, "PATH:LINE:
 * reason" in err ("PATH: reason" when no line applies) and *out NULL, so a
 * failed reload keeps the running set. */
int ox_playbooks_load(const char *path, struct ox_playbooks **out, char *err, size_t errsz);
/* The same from memory; name stands for PATH in messages ("request" for an
 * API upload); text need not be NUL-terminated. */
int ox_playbooks_parse(const char *name, const char *text, size_t len, struct ox_playbooks **out,
		       char *err, size_t errsz);
void ox_playbooks_free(struct ox_playbooks *set); /* NULL is fine */

/* The playbook of rule r: never NULL for r in range (NULL otherwise, or
 * for set NULL). */
const struct ox_playbook *ox_playbook_get(const struct ox_playbooks *set, enum ox_rule r);
/* A category's template of a step: the config's, else the built-in. */
const char *ox_pb_category_template(const struct ox_playbooks *set, enum ox_pb_category c,
				    enum ox_pb_step s, enum ox_pb_lang l);
/* The index of the checklist item id (n bytes) in pb, or -1: for ticking
 * an item by id. */
int ox_pb_item_find(const struct ox_playbook *pb, const char *id, size_t n);

/* ---- rendering ------------------------------------------------------------------------- */

/* Check a template: valid UTF-8 text (ox_utf8_text_ok, no C1), 1..
 * OX_PB_TEXT_MAX bytes, braces balanced ("{{" and "}}" are literal braces),
 * every {name} a known variable. 0 and the variables it uses in *used
 * (bit 1u << OX_PB_V_*; used may be NULL), or -1 with the reason in why,
 * one line: "unknown variable {custmer_name} (did you mean
 * {customer_name}?)", "'{' at character 12 is not closed (write {{ for a
 * brace)". */
int ox_pb_template_check(const char *t, size_t n, uint32_t *used, char *why, size_t whysz);

/* Render the template tmpl (NUL-terminated) with vars, appending the text
 * to out. 0 on success. -1 with the reason in err when the template fails
 * ox_pb_template_check, a value is not valid text or longer than
 * OX_PB_VALUE_MAX, or out's maximum is reached: out is then as before.
 * -1 also when variables the template uses have no value: err reads "no
 * value for {eta}, {coupon_amount}" (table order), *missing (may be NULL)
 * gets their bits, and out gets the text with each of them left as
 * written ("{eta}"), for a preview that shows what is missing. Values are
 * inserted as they are (braces in a value are not read). */
int ox_pb_render(const char *tmpl, const struct ox_pb_vars *vars, struct ox_buf *out,
		 uint32_t *missing, char *err, size_t errsz);

/* ---- resolution taxonomy --------------------------------------------------------------- */

/* How a case ended ("记录与复盘"). false_positive (the rule was wrong),
 * no_action_needed and duplicate_case are valid for every category; the
 * rest for the categories given. X(enum suffix, code, label zh, label en,
 * categories as OX_PB_CM_* bits) */
#define OX_PB_RESOLUTIONS(X)                                                                         \
	X(PAYMENT_CONFIRMED, "payment_confirmed", "已确认到账", "payment confirmed", OX_PB_CM_PAYMENT)   \
	X(CUSTOMER_PAID, "customer_paid", "客户已重新付款", "customer paid again",                      \
	  OX_PB_CM_PAYMENT | OX_PB_CM_INCIDENT)                                                        \
	X(STATUS_CORRECTED, "status_corrected", "已更正订单状态", "order status corrected",              \
	  OX_PB_CM_PAYMENT | OX_PB_CM_SYSTEM)                                                          \
	X(DIFFERENCE_SETTLED, "difference_settled", "差额已结清", "difference settled", OX_PB_CM_PAYMENT) \
	X(REFUNDED, "refunded", "已退款", "refunded",                                                   \
	  OX_PB_CM_PAYMENT | OX_PB_CM_INVENTORY | OX_PB_CM_LOGISTICS | OX_PB_CM_CUSTOMER |              \
		  OX_PB_CM_SYSTEM | OX_PB_CM_FRAUD | OX_PB_CM_INCIDENT)                                \
	X(PARTIALLY_REFUNDED, "partially_refunded", "已部分退款", "partially refunded",                 \
	  OX_PB_CM_PAYMENT | OX_PB_CM_INVENTORY | OX_PB_CM_LOGISTICS | OX_PB_CM_CUSTOMER)              \
	X(ORDER_CANCELLED, "order_cancelled", "订单已取消", "order cancelled",                          \
	  OX_PB_CM_PAYMENT | OX_PB_CM_INVENTORY | OX_PB_CM_LOGISTICS | OX_PB_CM_CUSTOMER |              \
		  OX_PB_CM_SYSTEM | OX_PB_CM_FRAUD)                                                     \
	X(STOCK_REPLENISHED, "stock_replenished", "已补货", "stock replenished", OX_PB_CM_INVENTORY)     \
	X(STOCK_TRANSFERRED, "stock_transferred", "已从其他仓调货", "stock moved from another warehouse", \
	  OX_PB_CM_INVENTORY)                                                                          \
	X(STOCK_CORRECTED, "stock_corrected", "库存数据已校正", "stock levels corrected",                \
	  OX_PB_CM_INVENTORY | OX_PB_CM_SYSTEM)                                                        \
	X(BACKORDER_ACCEPTED, "backorder_accepted", "客户同意等待补货", "customer agreed to wait",       \
	  OX_PB_CM_INVENTORY)                                                                          \
	X(ITEM_SUBSTITUTED, "item_substituted", "已换款或升级", "item substituted or upgraded",          \
	  OX_PB_CM_INVENTORY | OX_PB_CM_LOGISTICS)                                                     \
	X(SHIPPED, "shipped", "已发货", "shipped", OX_PB_CM_INVENTORY | OX_PB_CM_LOGISTICS |            \
						      OX_PB_CM_PAYMENT | OX_PB_CM_SYSTEM)             \
	X(DELIVERED, "delivered", "已签收", "delivered", OX_PB_CM_LOGISTICS)                          \
	X(RESHIPPED, "reshipped", "已补发", "reshipped", OX_PB_CM_LOGISTICS | OX_PB_CM_CUSTOMER)       \
	X(CARRIER_CLAIMED, "carrier_claimed", "已向快递公司索赔", "claim filed with the carrier",         \
	  OX_PB_CM_LOGISTICS)                                                                          \
	X(RETURN_RECEIVED, "return_received", "退回包裹已入库", "returned parcel received",              \
	  OX_PB_CM_LOGISTICS)                                                                          \
	X(SHIPMENT_INTERCEPTED, "shipment_intercepted", "已拦截包裹", "parcel intercepted",              \
	  OX_PB_CM_LOGISTICS | OX_PB_CM_CUSTOMER | OX_PB_CM_FRAUD | OX_PB_CM_PAYMENT)                  \
	X(ADDRESS_CORRECTED, "address_corrected", "地址已更正", "address corrected",                    \
	  OX_PB_CM_CUSTOMER | OX_PB_CM_LOGISTICS)                                                      \
	X(PHONE_CORRECTED, "phone_corrected", "电话已更正", "phone corrected",                          \
	  OX_PB_CM_CUSTOMER | OX_PB_CM_LOGISTICS)                                                      \
	X(REQUEST_FULFILLED, "request_fulfilled", "已按客户要求处理", "customer's request carried out",  \
	  OX_PB_CM_CUSTOMER)                                                                           \
	X(CUSTOMER_ANSWERED, "customer_answered", "已答复客户", "customer answered", OX_PB_CM_CUSTOMER)  \
	X(COMPENSATED, "compensated", "已补偿客户", "customer compensated",                             \
	  OX_PB_CM_PAYMENT | OX_PB_CM_INVENTORY | OX_PB_CM_LOGISTICS | OX_PB_CM_CUSTOMER |              \
		  OX_PB_CM_SYSTEM | OX_PB_CM_INCIDENT)                                                  \
	X(ORDER_RECREATED, "order_recreated", "订单已重新创建", "order re-created", OX_PB_CM_SYSTEM)     \
	X(RESYNCED, "resynced", "已重新同步", "synced again", OX_PB_CM_SYSTEM)                          \
	X(SYSTEM_FIXED, "system_fixed", "系统问题已修复", "system fixed",                               \
	  OX_PB_CM_SYSTEM | OX_PB_CM_INCIDENT | OX_PB_CM_PAYMENT)                                      \
	X(FRAUD_CONFIRMED, "fraud_confirmed", "确认为恶意订单", "fraud confirmed", OX_PB_CM_FRAUD)       \
	X(BLACKLISTED, "blacklisted", "已加入黑名单", "added to the blacklist", OX_PB_CM_FRAUD)          \
	X(PROVIDER_RECOVERED, "provider_recovered", "支付渠道已恢复", "payment provider recovered",       \
	  OX_PB_CM_INCIDENT | OX_PB_CM_PAYMENT)                                                        \
	X(INCIDENT_MITIGATED, "incident_mitigated", "故障已缓解", "incident mitigated", OX_PB_CM_INCIDENT) \
	X(NO_ACTION_NEEDED, "no_action_needed", "核实无需处理", "checked, nothing to do", OX_PB_CM_ALL) \
	X(DUPLICATE_CASE, "duplicate_case", "与其他案件重复", "duplicate of another case", OX_PB_CM_ALL) \
	X(FALSE_POSITIVE, "false_positive", "误报", "false positive: the rule was wrong", OX_PB_CM_ALL)

enum ox_pb_resolution {
#define X(e, s, zh, en, cats) OX_PB_R_##e,
	OX_PB_RESOLUTIONS(X)
#undef X
	OX_PB_R__COUNT
};
const char *ox_pb_resolution_name(enum ox_pb_resolution r);
const char *ox_pb_resolution_label(enum ox_pb_resolution r, enum ox_pb_lang l);
unsigned ox_pb_resolution_categories(enum ox_pb_resolution r); /* OX_PB_CM_* bits */
/* Is code (n bytes) a resolution of category c? */
bool ox_pb_resolution_valid(enum ox_pb_category c, const char *code, size_t n);
/* The resolution code (n bytes) of category c, or -1 with a reason in why
 * (may be NULL): "unknown resolution 'refundd' (did you mean 'refunded'?)",
 * "'reshipped' is not a resolution of category payment". */
int ox_pb_resolution_parse(enum ox_pb_category c, const char *code, size_t n, char *why,
			   size_t whysz);

/* Who or what caused the exception. X(enum suffix, code, label zh, label en) */
#define OX_PB_ROOT_CAUSES(X)                                                      \
	X(CUSTOMER, "customer", "客户", "customer")                               \
	X(MERCHANT, "merchant", "商家", "merchant")                               \
	X(PLATFORM, "platform", "销售平台", "sales platform")                     \
	X(PAYMENT_PROVIDER, "payment_provider", "支付渠道", "payment provider")   \
	X(CARRIER, "carrier", "快递公司", "carrier")                              \
	X(WAREHOUSE, "warehouse", "仓库", "warehouse")                            \
	X(SYSTEM, "system", "系统故障", "system failure")                         \
	X(FRAUD, "fraud", "恶意行为", "fraud")

enum ox_pb_root_cause {
#define X(e, s, zh, en) OX_PB_RC_##e,
	OX_PB_ROOT_CAUSES(X)
#undef X
	OX_PB_RC__COUNT
};
const char *ox_pb_root_cause_name(enum ox_pb_root_cause c);
const char *ox_pb_root_cause_label(enum ox_pb_root_cause c, enum ox_pb_lang l);
/* The root cause s (n bytes), or -1 with "unknown root cause 'x' (did you
 * mean 'y'?)" in why (may be NULL). */
int ox_pb_root_cause_parse(const char *s, size_t n, char *why, size_t whysz);

/* ---- JSON ------------------------------------------------------------------------------ */

/* One playbook of ox_playbook_json() never exceeds this (every limit
 * reached and every byte of text escaped); a built-in one is ~5 KiB. */
#define OX_PB_JSON_MAX                                                                    \
	((size_t)OX_PB_CHECKLIST_MAX * (OX_PB_ID_MAX + 4 * OX_PB_TEXT_MAX + 64) +            \
	 (size_t)OX_PB__NSTEP * (4 * OX_PB_TEXT_MAX + 256) + (size_t)2 * OX_PB_A__COUNT * 160 + \
	 (size_t)OX_PB_R__COUNT * 24 + 2048)
/* ox_playbooks_json() for every rule, and ox_pb_taxonomy_json(). */
#define OX_PB_ALL_JSON_MAX ((size_t)OX_R__COUNT * (OX_PB_JSON_MAX + 1) + 32)
#define OX_PB_TAXONOMY_JSON_MAX ((size_t)(OX_PB_R__COUNT + OX_PB__NCAT) * 512 + 4096)

/* Append pb as a JSON object to out (docs/playbooks.md gives the shape):
 * rule, category, title, checklist (ids and texts), actions (kinds and
 * labels), auto (mode, sequence, limit as "200.00" or null), templates
 * (step, label and text per step), the resolutions of its category and
 * what the config changed. lang OX_PB_ZH or OX_PB_EN writes only that
 * language's key in each {"zh": ..., "en": ...} object, OX_PB_BOTH both.
 * -1 when out's maximum is reached (out may then hold a partial text). */
int ox_playbook_json(const struct ox_playbook *pb, enum ox_pb_lang lang, struct ox_buf *out);
/* {"playbooks":[...]}: every rule's playbook in table order. */
int ox_playbooks_json(const struct ox_playbooks *set, enum ox_pb_lang lang, struct ox_buf *out);
/* {"categories":[...],"resolutions":[...],"root_causes":[...]}: the
 * taxonomy with labels, for the resolve dialog. */
int ox_pb_taxonomy_json(enum ox_pb_lang lang, struct ox_buf *out);

#endif

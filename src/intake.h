/* intake.h - the checks an order's created fields go through, shared by the
 * CUS_* rules (src/rules/customer.c) and the intake validation service
 * (POST /api/v1/validate/order, src/api_prevent.c), so that both always
 * agree: an order the service calls valid opens no CUS_ADDRESS_INVALID or
 * CUS_PHONE_INVALID case, and the words of a problem are the words of the
 * case's reason.
 *
 * The rules call the three checks they need (address, phone, remark); the
 * service runs ox_intake_check(), which calls the same three and adds what
 * detection does not look at when an order is created: quantities, the
 * total against the items, and suggestions (the right province for a city,
 * the right city for a district, the usual typos of division names, a phone
 * written with separators or full-width digits).
 *
 * Everything here is stateless and thread-safe: the division tables are
 * immutable and the parameters are read only.
 */
#ifndef OX_INTAKE_H
#define OX_INTAKE_H

#include <stdbool.h>
#include <stddef.h>

#include "address.h"
#include "event.h"
#include "json.h"
#include "params.h"
#include "util.h"

/* X(enum suffix, code, field, zh-CN message, en message). The address codes
 * are those of address.h (same names, same messages: NULL here). In a
 * message, {phone} is the phone masked (mask.h), {remark} the remark cut to
 * 150 bytes, {keywords} the keywords found joined with 、 (cut to 200
 * bytes), {i} an item's index, {sku} its sku, {qty} its quantity, {max}
 * fraud.max_qty, {total} the total, {sum} what the items cost less the
 * coupon. In a field, {i} is the item's index. */
#define OX_INTAKE_PROBLEMS(X)                                                                  \
	X(EMPTY_PROVINCE, "empty_province", "customer.address.province", NULL, NULL)          \
	X(EMPTY_CITY, "empty_city", "customer.address.city", NULL, NULL)                      \
	X(EMPTY_DISTRICT, "empty_district", "customer.address.district", NULL, NULL)          \
	X(DETAIL_TOO_SHORT, "detail_too_short", "customer.address.detail", NULL, NULL)        \
	X(UNKNOWN_PROVINCE, "unknown_province", "customer.address.province", NULL, NULL)      \
	X(CITY_NOT_IN_PROVINCE, "city_not_in_province", "customer.address.city", NULL, NULL)  \
	X(DISTRICT_NOT_IN_CITY, "district_not_in_city", "customer.address.district", NULL, NULL) \
	X(PHONE_EMPTY, "phone_empty", "customer.phone", "联系电话为空", "the phone is empty")   \
	X(PHONE_INVALID, "phone_invalid", "customer.phone",                                    \
	  "联系电话“{phone}”不是有效的手机号或座机号",                                          \
	  "phone \"{phone}\" is neither a valid mobile nor a landline")                        \
	X(ITEMS_EMPTY, "items_empty", "items", "订单没有商品", "the order has no items")       \
	X(QTY_NOT_POSITIVE, "qty_not_positive", "items[{i}].qty",                              \
	  "商品“{sku}”的数量 {qty} 不是正数", "item \"{sku}\" has qty {qty}, not a positive number") \
	X(QTY_ABOVE_MAX, "qty_above_max", "items[{i}].qty",                                    \
	  "商品“{sku}”的数量 {qty} 达到上限 {max}", "item \"{sku}\" has qty {qty}, at or above the limit {max}") \
	X(TOTAL_ABOVE_ITEMS, "total_above_items", "total",                                     \
	  "应付金额 {total} 高于商品合计减优惠券 {sum}",                                        \
	  "total {total} is more than the items cost less the coupon, {sum}")                  \
	X(REMARK_ATTENTION, "remark_attention", "remark", "备注“{remark}”含关注词：{keywords}", \
	  "remark \"{remark}\" mentions: {keywords}")

enum ox_intake_code {
#define X(e, code, field, zh, en) OX_IN_##e,
	OX_INTAKE_PROBLEMS(X)
#undef X
	OX_IN__COUNT
};

/* "phone_invalid"; NULL for a value out of range. */
const char *ox_intake_code_name(enum ox_intake_code c);
/* The code of an address problem (OX_ADDR_OK has none: -1). */
int ox_intake_code_of_addr(enum ox_addr_problem pr);

#define OX_INTAKE_MSG_MAX 512 /* a message, NUL included (the case reason's size) */

/* ---- the checks the rules share ----------------------------------------- */

/* The first problem of a (ox_address_check), with its messages in zh and en
 * when there is one. */
enum ox_addr_problem ox_intake_address(const struct ox_address *a, char zh[OX_INTAKE_MSG_MAX],
				       char en[OX_INTAKE_MSG_MAX]);

/* OX_IN_PHONE_EMPTY, OX_IN_PHONE_INVALID with their messages (the phone
 * quoted masked: a reason reaches every role and chat channel), or -1 for a
 * valid phone. scratch is work space. */
int ox_intake_phone(struct ox_str phone, struct ox_buf *scratch, char zh[OX_INTAKE_MSG_MAX],
		    char en[OX_INTAKE_MSG_MAX]);

/* True when the remark contains one of the keywords (ASCII letters fold
 * case, other bytes must match exactly), with the messages naming every
 * keyword found. found is work space. */
bool ox_intake_remark(struct ox_str remark, const struct ox_name_list *keywords, struct ox_buf *found,
		      char zh[OX_INTAKE_MSG_MAX], char en[OX_INTAKE_MSG_MAX]);

/* ---- the order as the service receives it ------------------------------------ */

/* An order.created's fields from a JSON object, leniently: what the strict
 * event decoder would reject as a value (a qty of 0 or below, an empty
 * items list, an empty id) is left to the checks, which report it. The
 * envelope (id, type, ts, order_id, source) is optional. ev's strings point
 * into the parser's tokens and the body; items into the order. */
struct ox_intake_order {
	struct ox_event ev;
	struct ox_item *items; /* owned */
	size_t cap;
};

#define OX_INTAKE_ITEMS_MAX 1000

/* Parse body into o. Returns 0, or -1 with "field: reason" in err (the
 * body is not an object, a member has the wrong type, a money string or a
 * time is malformed, more than OX_INTAKE_ITEMS_MAX items). ev.ts is
 * OX_TIME_NONE when the body has no ts. */
int ox_intake_parse(struct ox_intake_order *o, struct ox_json *j, const char *body, size_t len, char *err,
		    size_t errsz);
void ox_intake_order_release(struct ox_intake_order *o);

/* ---- the service's verdict ------------------------------------------------ */

/* A fix for a problem, as a patch of the order: the members to set (empty
 * strings are members left alone). An address suggestion always gives the
 * three division parts, and they are a valid combination. */
struct ox_intake_fix {
	char province[128], city[128], district[128];
	char phone[32];
	char total[OX_MONEY_BUFSZ];
};

struct ox_intake_problem {
	enum ox_intake_code code;
	char field[32];
	char zh[OX_INTAKE_MSG_MAX], en[OX_INTAKE_MSG_MAX];
	bool has_fix;
	struct ox_intake_fix fix;
};

#define OX_INTAKE_PROBLEMS_MAX 64 /* more are counted, not listed */

struct ox_intake_report {
	bool valid; /* no problem but remark_attention (a request to read, not an error) */
	size_t n, more;
	struct ox_intake_problem p[OX_INTAKE_PROBLEMS_MAX];
};

/* Check an order's fields: the address, the phone, the items' quantities
 * (op->fraud_max_qty is the channel's limit: ox_params_for_channel), the
 * total, the remark. scratch is work space. */
void ox_intake_check(const struct ox_event *ev, const struct ox_params *p, struct ox_intake_report *rep,
		     struct ox_buf *scratch);

/* The report as JSON: {"valid":..,"problems":[{field,code,message_zh,
 * message_en,suggestion}],"problems_truncated"?:N}. */
void ox_intake_report_json(const struct ox_intake_report *rep, struct ox_buf *out);

/* The best valid division triple for a's province, city and district, for
 * an address with a division problem: false when no candidate matches the
 * district and one other part, or when two candidates match equally. */
bool ox_intake_suggest_address(const struct ox_address *a, struct ox_intake_fix *fix);

#endif

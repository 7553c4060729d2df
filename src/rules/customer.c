/* customer.c - CUS_* rules (rules.md, "Customer information"): address and
 * phone validity, remarks to read, customer-service tickets.
 */
#include <stdlib.h>

#include "address.h"
#include "engine_impl.h"
#include "mask.h"
#include "phone.h"

/* ---- the stored address: "province\0city\0district\0detail\0" ------------- */

static struct ox_address stored_address(const struct oxi_order *o)
{
	struct ox_address a = { OX_STR_NULL, OX_STR_NULL, OX_STR_NULL, OX_STR_NULL };
	struct ox_str *parts[] = { &a.province, &a.city, &a.district, &a.detail };
	const char *p = o->address;
	for (size_t i = 0; p && i < OX_ARRAY_LEN(parts); i++) {
		*parts[i] = ox_str_z(p);
		p += parts[i]->len + 1;
	}
	return a;
}

static char *pack_address(const struct ox_address *a)
{
	const struct ox_str parts[] = { a->province, a->city, a->district, a->detail };
	size_t n = 0;
	for (size_t i = 0; i < OX_ARRAY_LEN(parts); i++)
		n += parts[i].len + 1;
	char *buf = ox_xmalloc(n), *p = buf;
	for (size_t i = 0; i < OX_ARRAY_LEN(parts); i++) {
		if (parts[i].len)
			memcpy(p, parts[i].s, parts[i].len);
		p += parts[i].len;
		*p++ = '\0';
	}
	return buf;
}

static uint64_t text_hash(struct ox_str s)
{
	return s.s ? ox_hash64(s.s, s.len) : 0;
}

bool oxi_order_phone_valid(const struct oxi_order *o)
{
	return o->flags & OXI_O_PHONE_VALID;
}

/* ---- checks ------------------------------------------------------------------ */

static void check_address(struct ox_engine *e, struct oxi_order *o, const struct ox_event *ev)
{
	struct ox_address a = stored_address(o);
	enum ox_addr_problem prob = ox_address_check(&a);
	if (prob == OX_ADDR_OK) {
		oxi_resolve_order(e, OX_R_CUS_ADDRESS_INVALID, o, ev->ts, ev);
		return;
	}
	char zh[OXI_REASON_MAX], en[OXI_REASON_MAX];
	ox_addr_problem_zh(prob, &a, zh, sizeof zh);
	ox_addr_problem_en(prob, &a, en, sizeof en);
	struct oxi_fire f = { .rule = OX_R_CUS_ADDRESS_INVALID, .key = o->id, .at = ev->ts, .ev = ev };
	oxi_fire(e, &f, zh, en);
}

static void check_phone(struct ox_engine *e, struct oxi_order *o, const struct ox_event *ev)
{
	struct ox_str phone = ev->customer.phone;
	o->phone_hash = text_hash(phone);
	if (ox_phone_valid(phone)) {
		o->flags |= OXI_O_PHONE_VALID;
		oxi_resolve_order(e, OX_R_CUS_PHONE_INVALID, o, ev->ts, ev);
		return;
	}
	o->flags &= ~(uint32_t)OXI_O_PHONE_VALID;
	struct oxi_fire f = { .rule = OX_R_CUS_PHONE_INVALID, .key = o->id, .at = ev->ts, .ev = ev };
	if (phone.len) {
		/* Quoted masked: a reason reaches every role and chat channel, and
		 * a number one digit short is still somebody's number. The order
		 * picture shows it whole to those allowed. */
		ox_buf_reset(&e->scratch);
		ox_mask_phone(phone.s, phone.len, &e->scratch);
		oxi_firef(e, &f, "联系电话“%s”不是有效的手机号或座机号", "phone \"%s\" is neither a valid mobile nor a landline",
			  e->scratch.data ? e->scratch.data : "");
	} else
		oxi_fire(e, &f, "联系电话为空", "the phone is empty");
}

/* ASCII letters compare case-insensitively; other bytes exactly. */
static bool contains_folded(struct ox_str hay, const char *needle)
{
	size_t n = strlen(needle);
	for (size_t i = 0; n && i + n <= hay.len; i++) {
		size_t j = 0;
		while (j < n) {
			unsigned char a = (unsigned char)hay.s[i + j], b = (unsigned char)needle[j];
			if (a >= 'A' && a <= 'Z')
				a = (unsigned char)(a - 'A' + 'a');
			if (b >= 'A' && b <= 'Z')
				b = (unsigned char)(b - 'A' + 'a');
			if (a != b)
				break;
			j++;
		}
		if (j == n)
			return true;
	}
	return false;
}

static void check_remark(struct ox_engine *e, struct oxi_order *o, const struct ox_event *ev)
{
	o->remark_hash = text_hash(ev->remark);
	const struct ox_name_list *kw = &e->p->remark_keywords;
	struct ox_buf *found = &e->scratch;
	ox_buf_reset(found);
	for (size_t i = 0; i < kw->n; i++)
		if (contains_folded(ev->remark, kw->names[i]))
			ox_buf_addf(found, "%s%s", found->len ? "、" : "", kw->names[i]);
	if (!found->len)
		return;
	struct oxi_fire f = { .rule = OX_R_CUS_REMARK_ATTENTION, .key = o->id, .at = ev->ts, .ev = ev };
	int shown = (int)ox_utf8_clip(ev->remark.s, ev->remark.len, 150);
	int listed = (int)ox_utf8_clip(found->data, found->len, 200);
	oxi_firef(e, &f, "备注“%.*s”含关注词：%.*s", "remark \"%.*s\" mentions: %.*s", shown, ev->remark.s, listed,
		  found->data);
}

/* ---- events -------------------------------------------------------------- */

static void on_created(struct ox_engine *e, struct oxi_order *o, const struct ox_event *ev)
{
	o->address = pack_address(&ev->customer.address);
	check_address(e, o, ev);
	check_phone(e, o, ev);
	if (ev->has & OX_HAS_REMARK)
		check_remark(e, o, ev);
}

static void on_updated(struct ox_engine *e, struct oxi_order *o, const struct ox_event *ev)
{
	if (ev->has & OX_HAS_ADDRESS) {
		struct ox_address a = stored_address(o);
		const struct ox_address *u = &ev->customer.address;
		if (ev->has & OX_HAS_PROVINCE)
			a.province = u->province;
		if (ev->has & OX_HAS_CITY)
			a.city = u->city;
		if (ev->has & OX_HAS_DISTRICT)
			a.district = u->district;
		if (ev->has & OX_HAS_DETAIL)
			a.detail = u->detail;
		char *packed = pack_address(&a);
		struct ox_address old = stored_address(o);
		bool changed = !ox_str_eq(a.province, old.province) || !ox_str_eq(a.city, old.city) ||
			       !ox_str_eq(a.district, old.district) || !ox_str_eq(a.detail, old.detail);
		free(o->address);
		o->address = packed;
		if (changed)
			check_address(e, o, ev);
	}
	if ((ev->has & OX_HAS_PHONE) && text_hash(ev->customer.phone) != o->phone_hash)
		check_phone(e, o, ev);
	if ((ev->has & OX_HAS_REMARK) && text_hash(ev->remark) != o->remark_hash)
		check_remark(e, o, ev);
}

static void on_ticket(struct ox_engine *e, struct oxi_order *o, const struct ox_event *ev)
{
	int sev = e->p->rules[OX_R_CUS_TICKET].severity;
	if ((ev->ticket_kind == OX_TK_INQUIRY || ev->ticket_kind == OX_TK_OTHER) && sev < 4)
		sev++; /* rules.md: P3 for inquiries and other tickets */
	struct oxi_fire f = { .rule = OX_R_CUS_TICKET, .key = o->id, .at = ev->ts, .ev = ev, .severity = sev };
	const char *kind = ox_ticket_kind_name(ev->ticket_kind);
	const char *text = ev->text.s ? ev->text.s : "";
	int shown = (int)ox_utf8_clip(text, ev->text.len, 300);
	oxi_firef(e, &f, "客服工单 %s（%s）：%.*s", "ticket %s (%s): %.*s", ev->ticket_id.s, kind, shown, text);
}

const struct oxi_family oxi_customer_family = {
	.name = "customer",
	.on_event = {
		[OX_EV_ORDER_CREATED] = on_created,
		[OX_EV_ORDER_UPDATED] = on_updated,
		[OX_EV_CS_TICKET] = on_ticket,
	},
};

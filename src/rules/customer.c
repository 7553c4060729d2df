/* customer.c - CUS_* rules (rules.md, "Customer information"): address and
 * phone validity, remarks to read, customer-service tickets.
 *
 * The address, phone and remark checks and their words are in intake.c,
 * which the intake validation service (POST /api/v1/validate/order) calls
 * too: both always agree.
 */
#include <stdlib.h>

#include "address.h"
#include "engine_impl.h"
#include "intake.h"

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
	char zh[OX_INTAKE_MSG_MAX], en[OX_INTAKE_MSG_MAX];
	if (ox_intake_address(&a, zh, en) == OX_ADDR_OK) {
		oxi_resolve_order(e, OX_R_CUS_ADDRESS_INVALID, o, ev->ts, ev);
		return;
	}
	struct oxi_fire f = { .rule = OX_R_CUS_ADDRESS_INVALID, .key = o->id, .at = ev->ts, .ev = ev };
	oxi_fire(e, &f, zh, en);
}

static void check_phone(struct ox_engine *e, struct oxi_order *o, const struct ox_event *ev)
{
	struct ox_str phone = ev->customer.phone;
	o->phone_hash = text_hash(phone);
	char zh[OX_INTAKE_MSG_MAX], en[OX_INTAKE_MSG_MAX];
	if (ox_intake_phone(phone, &e->scratch, zh, en) < 0) {
		o->flags |= OXI_O_PHONE_VALID;
		oxi_resolve_order(e, OX_R_CUS_PHONE_INVALID, o, ev->ts, ev);
		return;
	}
	o->flags &= ~(uint32_t)OXI_O_PHONE_VALID;
	struct oxi_fire f = { .rule = OX_R_CUS_PHONE_INVALID, .key = o->id, .at = ev->ts, .ev = ev };
	oxi_fire(e, &f, zh, en);
}

static void check_remark(struct ox_engine *e, struct oxi_order *o, const struct ox_event *ev)
{
	o->remark_hash = text_hash(ev->remark);
	char zh[OX_INTAKE_MSG_MAX], en[OX_INTAKE_MSG_MAX];
	if (!ox_intake_remark(ev->remark, &e->p->remark_keywords, &e->scratch, zh, en))
		return;
	struct oxi_fire f = { .rule = OX_R_CUS_REMARK_ATTENTION, .key = o->id, .at = ev->ts, .ev = ev };
	oxi_fire(e, &f, zh, en);
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

/* case.c - the case store: one open case per (rule, key), firing again
 * appends to it, auto-resolution closes it (rules.md, "case key").
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>

#include "engine_impl.h"

static const char *const action_names[] = {
#define X(e, s) s,
	OX_CASE_ACTIONS(X)
#undef X
};

const char *ox_case_action_name(enum ox_case_action a)
{
	return action_names[a];
}

static const char *const status_names[] = {
#define X(e, s) [OX_CASE_##e] = s,
	OX_CASE_STATUSES(X)
#undef X
};

const char *ox_case_status_name(enum ox_case_status s)
{
	return status_names[s];
}

int ox_case_status_parse(const char *s, size_t n)
{
	for (int i = 0; i < OX_CASE__NSTATUS; i++)
		if (strlen(status_names[i]) == n && memcmp(status_names[i], s, n) == 0)
			return i;
	return -1;
}

bool ox_case_status_done(enum ox_case_status s)
{
	return s == OX_CASE_RESOLVED || s == OX_CASE_CLOSED || s == OX_CASE_AUTO_RESOLVED;
}

struct case_key {
	enum ox_rule rule;
	const char *key;
};

static uint64_t key_hash(enum ox_rule r, const char *key)
{
	return ox_hash64(key, strlen(key)) ^ ((uint64_t)r * 0x9E3779B97F4A7C15u);
}

static bool case_eq(const void *val, const void *key)
{
	const struct ox_case *c = val;
	const struct case_key *k = key;
	return c->rule == k->rule && strcmp(c->key, k->key) == 0;
}

struct ox_case *oxi_open_case(struct ox_engine *e, enum ox_rule r, const char *key)
{
	struct case_key k = { r, key };
	return ox_hmap_get(&e->open_cases, key_hash(r, key), case_eq, &k);
}

static void notify(struct ox_engine *e, const struct ox_case *c, enum ox_case_change what)
{
	if (e->listener.changed)
		e->listener.changed(e->listener.ctx, c, what);
}

static char *dup_or_null(const char *z)
{
	return z ? ox_xstrndup(z, strlen(z)) : NULL;
}

struct ox_timeline_entry *ox_case_add_timeline(struct ox_case *c, ox_time at, enum ox_case_action a,
					       const char *event_id, const char *note, const char *actor)
{
	OX_GROW(c->timeline, c->cap_timeline, c->n_timeline + 1);
	struct ox_timeline_entry *t = &c->timeline[c->n_timeline++];
	*t = (struct ox_timeline_entry){ .at = at, .action = a, .event_id = dup_or_null(event_id),
					 .note = dup_or_null(note), .actor = dup_or_null(actor),
					 .from = -1, .to = -1 };
	return t;
}

static void add_timeline(struct ox_case *c, ox_time at, enum ox_case_action a, const struct ox_event *ev,
			 const char *note)
{
	struct ox_timeline_entry *t = ox_case_add_timeline(c, at, a, NULL, note, NULL);
	if (ev)
		t->event_id = ox_xstrndup(ev->id.s, ev->id.len);
}

/* Length of s without a trailing incomplete UTF-8 sequence. */
static size_t clip_partial(const char *s)
{
	size_t n = strlen(s), lead = n;
	while (lead > 0 && ((unsigned char)s[lead - 1] & 0xC0) == 0x80)
		lead--;
	if (lead == 0)
		return n;
	unsigned char c = (unsigned char)s[lead - 1];
	size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
	return n - (lead - 1) >= need ? n : lead - 1;
}

void oxi_case_add_reason(struct ox_case *c, const char *zh, const char *en)
{
	/* formatting may have cut a character at the buffer's end */
	size_t zn = clip_partial(zh);
	for (size_t i = 0; i < c->n_reasons; i++)
		if (strlen(c->reasons[i].zh) == zn && memcmp(c->reasons[i].zh, zh, zn) == 0)
			return; /* the same words again add nothing */
	OX_GROW(c->reasons, c->cap_reasons, c->n_reasons + 1);
	c->reasons[c->n_reasons].zh = ox_xstrndup(zh, zn);
	c->reasons[c->n_reasons].en = ox_xstrndup(en, clip_partial(en));
	c->n_reasons++;
}

static void add_event_id(struct ox_case *c, const struct ox_event *ev)
{
	if (!ev)
		return;
	for (size_t i = 0; i < c->n_event_ids; i++)
		if (ox_str_eqz(ev->id, c->event_ids[i]))
			return;
	OX_GROW(c->event_ids, c->cap_event_ids, c->n_event_ids + 1);
	c->event_ids[c->n_event_ids++] = ox_xstrndup(ev->id.s, ev->id.len);
}

_Static_assert(OX_R__COUNT <= 32, "struct oxi_order's open_cases has 32 bits");

/* Keep the order's open-case bits in step with the store. */
static void mark_order(struct ox_engine *e, const struct ox_case *c, bool open)
{
	if (ox_rule_info(c->rule)->key != OX_KEY_ORDER)
		return;
	struct oxi_order *o = oxi_order_get(e, ox_str_z(c->key), false);
	if (!o)
		return;
	if (open)
		o->open_cases |= 1u << c->rule;
	else
		o->open_cases &= ~(1u << c->rule);
}

static char *name_or_null(const struct ox_engine *e, uint32_t id)
{
	const char *z = oxi_name(e, id);
	return id && z[0] ? ox_xstrndup(z, strlen(z)) : NULL;
}

/* The case's dimensions from its order (or its SKU) as they are now: the
 * event clock's state, so a replay captures the same. */
static void capture_dims(struct ox_engine *e, struct ox_case *c)
{
	const struct ox_rule_info *ri = ox_rule_info(c->rule);
	if (ri->key == OX_KEY_SKU)
		ox_case_add_sku(c, c->key, strlen(c->key));
	if (ri->key != OX_KEY_ORDER)
		return;
	const struct oxi_order *o = oxi_order_get(e, ox_str_z(c->key), false);
	if (!o)
		return;
	struct ox_case_dims *d = &c->dims;
	d->channel = name_or_null(e, o->channel);
	d->shop = name_or_null(e, o->shop);
	d->province = name_or_null(e, o->province);
	d->city = name_or_null(e, o->city);
	d->customer_id = name_or_null(e, o->customer);
	if (strcmp(ri->category, "payment") == 0)
		d->payment_method = name_or_null(e, o->pay_method);
	if (strcmp(ri->category, "logistics") == 0) /* the latest shipment with a carrier */
		for (uint32_t i = o->shipments.n; i-- > 0 && !d->carrier;)
			d->carrier = name_or_null(e, o->shipments.v[i].carrier);
	for (uint32_t i = 0; i < o->skus.n; i++) {
		const char *z = oxi_name(e, o->skus.v[i]);
		ox_case_add_sku(c, z, strlen(z));
	}
}

static void add_reasons(struct ox_case *c, const struct oxi_fire *f, const char *zh, const char *en)
{
	oxi_case_add_reason(c, zh, en);
	for (size_t i = 0; i < f->n_more; i++)
		oxi_case_add_reason(c, f->more_zh[i], f->more_en[i]);
}

struct ox_case *oxi_fire(struct ox_engine *e, const struct oxi_fire *f, const char *zh, const char *en)
{
	const struct ox_rule_setting *rs = &e->p->rules[f->rule];
	if (!rs->enabled)
		return NULL;
	int severity = f->severity ? f->severity : rs->severity;
	struct ox_case *c = oxi_open_case(e, f->rule, f->key);
	if (c) {
		add_timeline(c, f->at, OX_ACT_FIRED_AGAIN, f->ev, zh);
		add_reasons(c, f, zh, en);
		add_event_id(c, f->ev);
		if (severity < c->severity)
			c->severity = severity; /* a graver firing raises the case */
		notify(e, c, OX_CHANGE_UPDATED);
		return c;
	}
	c = ox_xcalloc(1, sizeof *c);
	c->seq = (uint64_t)e->cases.n + 1;
	snprintf(c->id, sizeof c->id, "C%08" PRIu64, c->seq);
	c->rule = f->rule;
	c->severity = severity;
	c->status = OX_CASE_OPEN;
	c->key = ox_xstrndup(f->key, strlen(f->key));
	c->opened_at = f->at;
	c->resolved_at = OX_TIME_NONE;
	c->respond_due = c->resolve_due = c->responded_at = c->paused_at = OX_TIME_NONE;
	c->respond_breached_at = c->resolve_breached_at = c->closed_at = OX_TIME_NONE;
	c->next_notice = OX_TIME_NONE;
	capture_dims(e, c);
	add_reasons(c, f, zh, en);
	add_event_id(c, f->ev);
	add_timeline(c, f->at, OX_ACT_OPENED, f->ev, NULL);
	*OXI_PUSH(e->cases) = c;
	ox_hmap_put(&e->open_cases, key_hash(c->rule, c->key), c);
	mark_order(e, c, true);
	e->n_open++;
	notify(e, c, OX_CHANGE_OPENED);
	oxi_case_opened_hooks(e, c);
	return c;
}

struct ox_case *oxi_firef(struct ox_engine *e, const struct oxi_fire *f, const char *zhfmt,
			  const char *enfmt, ...)
{
	char zh[OXI_REASON_MAX], en[OXI_REASON_MAX];
	va_list ap, ap2;
	va_start(ap, enfmt);
	va_copy(ap2, ap);
	vsnprintf(zh, sizeof zh, zhfmt, ap);
	vsnprintf(en, sizeof en, enfmt, ap2);
	va_end(ap2);
	va_end(ap);
	return oxi_fire(e, f, zh, en);
}

struct ox_case *oxi_order_case(struct ox_engine *e, enum ox_rule r, const struct oxi_order *o)
{
	return (o->open_cases & (1u << r)) ? oxi_open_case(e, r, o->id) : NULL;
}

bool oxi_resolve_order(struct ox_engine *e, enum ox_rule r, const struct oxi_order *o, ox_time at,
		       const struct ox_event *ev)
{
	return (o->open_cases & (1u << r)) && oxi_resolve(e, r, o->id, at, ev);
}

bool oxi_resolve(struct ox_engine *e, enum ox_rule r, const char *key, ox_time at, const struct ox_event *ev)
{
	struct ox_case *c = oxi_open_case(e, r, key);
	if (!c)
		return false;
	mark_order(e, c, false);
	if (at < c->opened_at)
		at = c->opened_at; /* a late event resolves "now", never before the opening */
	c->status = OX_CASE_AUTO_RESOLVED;
	c->resolved_at = at;
	add_timeline(c, at, OX_ACT_AUTO_RESOLVED, ev, NULL);
	add_event_id(c, ev);
	ox_hmap_del(&e->open_cases, key_hash(c->rule, c->key), c);
	e->n_open--;
	notify(e, c, OX_CHANGE_RESOLVED);
	return true;
}

void ox_engine_release_case(struct ox_engine *e, struct ox_case *c)
{
	if (oxi_open_case(e, c->rule, c->key) != c)
		return;
	mark_order(e, c, false);
	ox_hmap_del(&e->open_cases, key_hash(c->rule, c->key), c);
	e->n_open--;
}

bool ox_engine_reclaim_case(struct ox_engine *e, struct ox_case *c)
{
	if (oxi_open_case(e, c->rule, c->key))
		return false;
	ox_hmap_put(&e->open_cases, key_hash(c->rule, c->key), c);
	mark_order(e, c, true);
	e->n_open++;
	return true;
}

struct ox_case *ox_engine_case_by_id(struct ox_engine *e, const char *id)
{
	uint64_t seq = 0;
	if (id[0] != 'C' || strlen(id) != 9)
		return NULL;
	for (size_t i = 1; i < 9; i++) {
		if (id[i] < '0' || id[i] > '9')
			return NULL;
		seq = seq * 10 + (uint64_t)(id[i] - '0');
	}
	return seq >= 1 && seq <= e->cases.n ? e->cases.v[seq - 1] : NULL;
}

void oxi_case_link(struct ox_engine *e, struct ox_case *incident, struct ox_case *member, ox_time at)
{
	member->incident_seq = incident->seq;
	add_timeline(incident, at, OX_ACT_MEMBER_LINKED, NULL, member->id);
	notify(e, incident, OX_CHANGE_UPDATED);
	notify(e, member, OX_CHANGE_UPDATED);
}

void ox_case_release(struct ox_case *c)
{
	for (size_t i = 0; i < c->n_reasons; i++) {
		free(c->reasons[i].zh);
		free(c->reasons[i].en);
	}
	free(c->reasons);
	for (size_t i = 0; i < c->n_event_ids; i++)
		free(c->event_ids[i]);
	free(c->event_ids);
	for (size_t i = 0; i < c->n_timeline; i++) {
		free(c->timeline[i].event_id);
		free(c->timeline[i].note);
		free(c->timeline[i].actor);
	}
	free(c->timeline);
	for (size_t i = 0; i < c->n_checked; i++)
		free(c->checked[i]);
	free(c->checked);
	for (size_t i = 0; i < c->n_calls; i++)
		ox_call_release(&c->calls[i]);
	free(c->calls);
	free(c->calls_json);
	free(c->key);
	free(c->csat_comment);
#define X(f) free(c->dims.f);
	OX_CASE_DIMS(X)
#undef X
	for (size_t i = 0; i < c->dims.n_skus; i++)
		free(c->dims.skus[i]);
	free(c->dims.skus);
	memset(c, 0, sizeof *c);
}

void ox_case_copy(struct ox_case *dst, const struct ox_case *src)
{
	ox_case_copy_since(dst, src, 0);
}

void ox_case_copy_since(struct ox_case *dst, const struct ox_case *src, size_t from)
{
	*dst = *src;
	dst->key = dup_or_null(src->key);
	dst->reasons = ox_xcalloc(src->n_reasons ? src->n_reasons : 1, sizeof *dst->reasons);
	for (size_t i = 0; i < src->n_reasons; i++)
		dst->reasons[i] = (struct ox_reason){ dup_or_null(src->reasons[i].zh), dup_or_null(src->reasons[i].en) };
	dst->cap_reasons = src->n_reasons;
	dst->event_ids = ox_xcalloc(src->n_event_ids ? src->n_event_ids : 1, sizeof *dst->event_ids);
	for (size_t i = 0; i < src->n_event_ids; i++)
		dst->event_ids[i] = dup_or_null(src->event_ids[i]);
	dst->cap_event_ids = src->n_event_ids;
	if (from > src->n_timeline)
		from = src->n_timeline;
	const struct ox_timeline_entry *tl = src->timeline + from;
	size_t n = src->n_timeline - from;
	dst->timeline = ox_xcalloc(n ? n : 1, sizeof *dst->timeline);
	for (size_t i = 0; i < n; i++) {
		dst->timeline[i] = tl[i];
		dst->timeline[i].event_id = dup_or_null(tl[i].event_id);
		dst->timeline[i].note = dup_or_null(tl[i].note);
		dst->timeline[i].actor = dup_or_null(tl[i].actor);
	}
	dst->n_timeline = dst->cap_timeline = n;
	dst->timeline_from = src->timeline_from + from;
	/* most cases have no ticked item: no allocation for them on each copy */
	dst->checked = src->n_checked ? ox_xcalloc(src->n_checked, sizeof *dst->checked) : NULL;
	for (size_t i = 0; i < src->n_checked; i++)
		dst->checked[i] = dup_or_null(src->checked[i]);
	dst->cap_checked = src->n_checked;
	dst->calls = src->n_calls ? ox_xcalloc(src->n_calls, sizeof *dst->calls) : NULL;
	for (size_t i = 0; i < src->n_calls; i++)
		ox_call_copy(&dst->calls[i], &src->calls[i]);
	dst->cap_calls = src->n_calls;
	dst->calls_json = dup_or_null(src->calls_json);
	dst->csat_comment = dup_or_null(src->csat_comment);
#define X(f) dst->dims.f = dup_or_null(src->dims.f);
	OX_CASE_DIMS(X)
#undef X
	dst->dims.skus = src->dims.n_skus ? ox_xcalloc(src->dims.n_skus, sizeof *dst->dims.skus) : NULL;
	for (size_t i = 0; i < src->dims.n_skus; i++)
		dst->dims.skus[i] = dup_or_null(src->dims.skus[i]);
}

void ox_case_add_sku(struct ox_case *c, const char *sku, size_t n)
{
	for (size_t i = 0; i < c->dims.n_skus; i++)
		if (strlen(c->dims.skus[i]) == n && memcmp(c->dims.skus[i], sku, n) == 0)
			return;
	/* exact growth: a case's SKUs are set once, when it opens */
	c->dims.skus = ox_xrealloc(c->dims.skus, (c->dims.n_skus + 1) * sizeof *c->dims.skus);
	c->dims.skus[c->dims.n_skus++] = ox_xstrndup(sku, n);
}

void oxi_case_free(struct ox_case *c)
{
	ox_case_release(c);
	free(c);
}

/* ---- JSON ------------------------------------------------------------------ */

static void json_str_or_null(struct ox_buf *b, const char *s)
{
	if (s)
		ox_buf_add_json_str(b, s, strlen(s));
	else
		ox_buf_addz(b, "null");
}

void ox_case_to_json(const struct ox_case *c, const char *team, struct ox_buf *b)
{
	const struct ox_rule_info *ri = ox_rule_info(c->rule);
	ox_buf_addf(b, "{\"case_id\":\"%s\",\"rule\":\"%s\",\"category\":\"%s\",\"severity\":\"P%d\",\"team\":",
		    c->id, ri->code, ri->category, c->severity);
	json_str_or_null(b, team ? team : c->team[0] ? c->team : NULL);
	ox_buf_addz(b, ",\"assignee\":");
	json_str_or_null(b, c->assignee[0] ? c->assignee : NULL);
	ox_buf_addz(b, ",\"order_id\":");
	json_str_or_null(b, ri->key == OX_KEY_ORDER ? c->key : NULL);
	ox_buf_addz(b, ",\"sku\":");
	json_str_or_null(b, ri->key == OX_KEY_SKU ? c->key : NULL);
	ox_buf_addz(b, ",\"group\":");
	json_str_or_null(b, ri->key == OX_KEY_GROUP ? c->key : NULL);
	ox_buf_addz(b, ",\"opened_at\":");
	ox_time_json(b, c->opened_at);
	ox_buf_addf(b, ",\"status\":\"%s\",\"resolved_at\":", ox_case_status_name(c->status));
	ox_time_json(b, c->resolved_at);
	ox_buf_addz(b, ",\"closed_at\":");
	ox_time_json(b, c->closed_at);
	ox_buf_addf(b, ",\"escalation_level\":%d,\"sla\":{\"respond_due\":", c->esc_level);
	ox_time_json(b, c->respond_due);
	ox_buf_addz(b, ",\"resolve_due\":");
	ox_time_json(b, c->resolve_due);
	ox_buf_addz(b, ",\"responded_at\":");
	ox_time_json(b, c->responded_at);
	ox_buf_addz(b, ",\"paused_since\":");
	ox_time_json(b, c->paused_at);
	ox_buf_addz(b, ",\"respond_breached_at\":");
	ox_time_json(b, c->respond_breached_at);
	ox_buf_addz(b, ",\"resolve_breached_at\":");
	ox_time_json(b, c->resolve_breached_at);
	ox_buf_addf(b, ",\"breached\":%s}",
		    c->respond_breached_at != OX_TIME_NONE || c->resolve_breached_at != OX_TIME_NONE
			    ? "true" : "false");
	ox_buf_addz(b, ",\"reasons\":[");
	for (size_t i = 0; i < c->n_reasons; i++) {
		if (i)
			ox_buf_addz(b, ",");
		json_str_or_null(b, c->reasons[i].zh);
	}
	ox_buf_addz(b, "],\"reasons_en\":[");
	for (size_t i = 0; i < c->n_reasons; i++) {
		if (i)
			ox_buf_addz(b, ",");
		json_str_or_null(b, c->reasons[i].en);
	}
	ox_buf_addz(b, "],\"event_ids\":[");
	for (size_t i = 0; i < c->n_event_ids; i++) {
		if (i)
			ox_buf_addz(b, ",");
		json_str_or_null(b, c->event_ids[i]);
	}
	ox_buf_addz(b, "],\"incident\":");
	if (c->incident_seq)
		ox_buf_addf(b, "\"C%08" PRIu64 "\"", c->incident_seq);
	else
		ox_buf_addz(b, "null");
#define X(f)                                   \
	ox_buf_addz(b, ",\"" #f "\":");        \
	json_str_or_null(b, c->dims.f);
	OX_CASE_DIMS(X)
#undef X
	ox_buf_addz(b, ",\"skus\":[");
	for (size_t i = 0; i < c->dims.n_skus; i++) {
		if (i)
			ox_buf_addz(b, ",");
		json_str_or_null(b, c->dims.skus[i]);
	}
	ox_buf_addz(b, "],\"csat\":");
	if (c->csat_score) {
		ox_buf_addf(b, "{\"score\":%d,\"at\":", c->csat_score);
		ox_time_json(b, c->csat_at);
		ox_buf_addz(b, ",\"comment\":");
		json_str_or_null(b, c->csat_comment);
		ox_buf_addz(b, "}");
	} else {
		ox_buf_addz(b, "null");
	}
	ox_buf_addz(b, ",\"checked\":[");
	for (size_t i = 0; i < c->n_checked; i++) {
		if (i)
			ox_buf_addz(b, ",");
		json_str_or_null(b, c->checked[i]);
	}
	ox_buf_addz(b, "],\"resolution\":");
	if (c->resolution[0]) {
		ox_buf_addz(b, "{\"code\":");
		json_str_or_null(b, c->resolution);
		ox_buf_addz(b, ",\"root_cause\":");
		json_str_or_null(b, c->root_cause[0] ? c->root_cause : NULL);
		ox_buf_addz(b, "}");
	} else {
		ox_buf_addz(b, "null");
	}
	ox_buf_addz(b, ",\"calls\":");
	if (c->calls_json) {
		ox_buf_addz(b, c->calls_json);
	} else {
		ox_buf_addz(b, "[");
		for (size_t i = 0; i < c->n_calls; i++) {
			if (i)
				ox_buf_addz(b, ",");
			ox_call_json(&c->calls[i], b);
		}
		ox_buf_addz(b, "]");
	}
	ox_buf_addz(b, ",\"timeline\":[");
	for (size_t i = 0; i < c->n_timeline; i++) {
		const struct ox_timeline_entry *t = &c->timeline[i];
		ox_buf_addz(b, i ? ",{\"at\":" : "{\"at\":");
		ox_time_json(b, t->at);
		ox_buf_addf(b, ",\"action\":\"%s\",\"event_id\":", ox_case_action_name(t->action));
		json_str_or_null(b, t->event_id);
		ox_buf_addz(b, ",\"note\":");
		json_str_or_null(b, t->note);
		if (t->actor) {
			ox_buf_addz(b, ",\"actor\":");
			json_str_or_null(b, t->actor);
		}
		if (t->action == OX_ACT_STATUS_CHANGED)
			ox_buf_addf(b, ",\"from\":\"%s\",\"to\":\"%s\"", ox_case_status_name(t->from),
				    ox_case_status_name(t->to));
		ox_buf_addz(b, "}");
	}
	ox_buf_addz(b, "]}");
}

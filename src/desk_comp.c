/* desk_comp.c - the case desk's compensation ledger (comp.h,
 * docs/compensation.md): what each team gave away today against its daily
 * budget, and when each customer was compensated, to flag repeats. On the
 * writer thread and the event clock, like the rest of the desk, so a
 * replay of the log decides every compensation alike.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "desk_impl.h"
#include "snap.h"

/* One customer's compensations within the repeat window, oldest first. */
struct comp_customer {
	char *id;
	ox_time *at;
	size_t n, cap;
};

static const struct ox_comp_config *config(const struct ox_desk *d)
{
	return d->o.calls ? &d->o.calls->comp : &d->comp_default;
}

static struct comp_spend *spend_of(struct ox_desk *d, const char *team, int64_t day)
{
	for (size_t i = 0; i < d->n_spend; i++)
		if (strcmp(d->spend[i].team, team) == 0) {
			if (d->spend[i].day != day) { /* a new day: the budget starts again */
				d->spend[i].day = day;
				d->spend[i].spent = 0;
			}
			return &d->spend[i];
		}
	OX_GROW(d->spend, d->cap_spend, d->n_spend + 1);
	struct comp_spend *s = &d->spend[d->n_spend++];
	snprintf(s->team, sizeof s->team, "%s", team);
	s->day = day;
	s->spent = 0;
	return s;
}

enum ox_comp_wait desk_comp_check(struct ox_desk *d, const struct ox_case *c, struct ox_call *call,
				  ox_money limit, ox_time now)
{
	const struct ox_comp_config *cfg = config(d);
	call->comp = (int8_t)ox_comp_kind_of(call->kind);
	call->granted_at = OX_TIME_NONE;
	if (call->comp < 0)
		return OX_COMP_WAIT_NONE;
	call->value = ox_comp_value(cfg, call->kind, call->params, call->amount);
	snprintf(call->team, sizeof call->team, "%s", c->team);
	struct comp_spend *s = spend_of(d, call->team, ox_comp_day(now));
	return ox_comp_decide(call->value, limit, s->spent, ox_comp_team_budget(cfg, call->team));
}

static bool same_customer(const void *val, const void *key)
{
	return strcmp(((const struct comp_customer *)val)->id, key) == 0;
}

static struct comp_customer *customer(struct ox_desk *d, const char *id)
{
	uint64_t h = ox_hash64(id, strlen(id));
	struct comp_customer *k = ox_hmap_get(&d->comp_customers, h, same_customer, id);
	if (!k) {
		k = ox_xcalloc(1, sizeof *k);
		k->id = ox_xstrndup(id, strlen(id));
		ox_hmap_put(&d->comp_customers, h, k);
	}
	return k;
}

void desk_comp_grant(struct ox_desk *d, struct ox_case *c, struct ox_call *call, ox_time now)
{
	if (call->comp < 0)
		return;
	const struct ox_comp_config *cfg = config(d);
	call->granted_at = now;
	spend_of(d, call->team, ox_comp_day(now))->spent += call->value;
	const char *who = c->dims.customer_id;
	if (!who || !*who)
		return;
	struct comp_customer *k = customer(d, who);
	size_t old = 0;
	while (old < k->n && k->at[old] <= now - cfg->repeat_window)
		old++;
	if (old) {
		memmove(k->at, k->at + old, (k->n - old) * sizeof *k->at);
		k->n -= old;
	}
	OX_GROW(k->at, k->cap, k->n + 1);
	k->at[k->n++] = now;
	if (k->n < (size_t)cfg->repeat_after)
		return;
	call->repeat = k->n > UINT16_MAX ? UINT16_MAX : (uint16_t)k->n;
	char note[200];
	snprintf(note, sizeof note, "重复补偿: 该客户 %lld 天内第 %zu 次获得补偿 / repeat compensation: the customer's "
		 "compensation no. %zu in %lld days (%s)",
		 (long long)(cfg->repeat_window / OX_MS_DAY), k->n, k->n, (long long)(cfg->repeat_window / OX_MS_DAY),
		 call->id);
	ox_case_add_timeline(c, now, OX_ACT_NOTE, NULL, note, "ordex");
}

void desk_comp_failed(struct ox_desk *d, const struct ox_case *c, const struct ox_call *call)
{
	if (call->comp < 0 || call->granted_at == OX_TIME_NONE)
		return;
	int64_t day = ox_comp_day(call->granted_at);
	for (size_t i = 0; i < d->n_spend; i++)
		if (strcmp(d->spend[i].team, call->team) == 0 && d->spend[i].day == day)
			d->spend[i].spent -= call->value < d->spend[i].spent ? call->value : d->spend[i].spent;
	/* nor did the customer get anything: one entry of its time goes */
	const char *who = c->dims.customer_id;
	struct comp_customer *k = who && *who ? ox_hmap_get(&d->comp_customers, ox_hash64(who, strlen(who)),
							     same_customer, who)
					      : NULL;
	for (size_t i = k ? k->n : 0; i-- > 0;)
		if (k->at[i] == call->granted_at) {
			memmove(k->at + i, k->at + i + 1, (k->n - i - 1) * sizeof *k->at);
			k->n--;
			break;
		}
}

int desk_comp_may_approve(const struct ox_call *call, const struct ox_desk_action *a, char err[256])
{
	char v[OX_MONEY_BUFSZ], l[OX_MONEY_BUFSZ];
	if (call->comp < 0 || !a->limited || call->value <= a->limit)
		return 0;
	return desk_refuse(err, OX_DESK_EDENIED, "%s of %s is above your compensation limit of %s: someone with a higher "
			   "limit must approve it", call->id, ox_money_format(call->value, v),
			   ox_money_format(a->limit, l));
}

void desk_comp_free(struct ox_desk *d)
{
	OX_HMAP_FOREACH(&d->comp_customers, i) {
		struct comp_customer *k = d->comp_customers.slots[i].val;
		free(k->id);
		free(k->at);
		free(k);
	}
	ox_hmap_release(&d->comp_customers);
	free(d->spend);
}

/* ---- snapshots ---- */

void desk_comp_save(const struct ox_desk *d, struct ox_snap_w *w)
{
	ox_snap_tag(w, "CMP1");
	ox_snap_u64(w, d->n_spend);
	for (size_t i = 0; i < d->n_spend; i++) {
		ox_snap_str(w, d->spend[i].team);
		ox_snap_i64(w, d->spend[i].day);
		ox_snap_i64(w, d->spend[i].spent);
	}
	ox_snap_u64(w, d->comp_customers.count);
	OX_HMAP_FOREACH(&d->comp_customers, i) {
		const struct comp_customer *k = d->comp_customers.slots[i].val;
		ox_snap_str(w, k->id);
		ox_snap_u64(w, k->n);
		for (size_t j = 0; j < k->n; j++)
			ox_snap_i64(w, k->at[j]);
	}
}

int desk_comp_load(struct ox_desk *d, struct ox_snap_r *r)
{
	ox_snap_expect(r, "CMP1");
	uint64_t n = ox_snap_get_count(r, 20); /* a team, its day, its spend */
	for (uint64_t i = 0; i < n && ox_snap_r_ok(r); i++) {
		OX_GROW(d->spend, d->cap_spend, d->n_spend + 1);
		struct comp_spend *s = &d->spend[d->n_spend++];
		ox_snap_get_strbuf(r, s->team, sizeof s->team);
		s->day = ox_snap_get_i64(r);
		s->spent = ox_snap_get_i64(r);
	}
	n = ox_snap_get_count(r, 12); /* an id and a count */
	for (uint64_t i = 0; i < n && ox_snap_r_ok(r); i++) {
		size_t len;
		char *id = ox_snap_get_str(r, 256, &len);
		uint64_t m = ox_snap_get_count(r, 8);
		if (!id || !len || !ox_snap_r_ok(r)) {
			free(id);
			ox_snap_r_fail(r, "a compensated customer without an id");
			break;
		}
		struct comp_customer *k = customer(d, id);
		free(id);
		if (k->n) {
			ox_snap_r_fail(r, "a compensated customer twice");
			break;
		}
		if (m)
			OX_GROW(k->at, k->cap, m);
		for (uint64_t j = 0; j < m; j++)
			k->at[k->n++] = ox_snap_get_i64(r);
	}
	return ox_snap_r_ok(r) ? 0 : -1;
}

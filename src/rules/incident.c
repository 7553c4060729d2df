/* incident.c - INC_* rules (rules.md, "Incidents", the seed's 应急预案):
 * a burst of one rule's cases, and a drop of the payment success rate.
 */
#include <stdlib.h>

#include "engine_impl.h"

/* ---- INC_BURST ---------------------------------------------------------------- */

static bool is_incident(enum ox_rule r)
{
	return strcmp(ox_rule_info(r)->category, "incident") == 0;
}

/* Index of the first recent case with opened_at >= t (recent is sorted). */
static uint32_t first_at_or_after(const struct oxi_burst *b, ox_time t)
{
	uint32_t lo = 0, hi = b->recent.n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (b->recent.v[mid].at < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void join(struct ox_engine *e, struct oxi_burst *b, struct ox_case *incident, struct ox_case *member)
{
	oxi_case_link(e, incident, member, member->opened_at);
	if (b->last_member == OX_TIME_NONE || member->opened_at > b->last_member)
		b->last_member = member->opened_at;
	oxi_schedule_once(e, &b->dl_quiet, b->last_member + e->p->burst_quiet, OXI_DL_BURST_QUIET, NULL,
			  (uint32_t)member->rule);
}

static void on_case_opened(struct ox_engine *e, struct ox_case *c)
{
	if (is_incident(c->rule))
		return;
	const struct ox_params *p = e->p;
	struct oxi_burst *b = &e->burst[c->rule];
	const char *group = ox_rule_info(c->rule)->code;

	/* keep the recent cases sorted by opened_at; a late case can still
	 * complete a window, so keep a quiet period more than one window */
	uint32_t pos = b->recent.n;
	OXI_PUSH(b->recent);
	while (pos > 0 && b->recent.v[pos - 1].at > c->opened_at) {
		b->recent.v[pos] = b->recent.v[pos - 1];
		pos--;
	}
	b->recent.v[pos].at = c->opened_at;
	b->recent.v[pos].seq = c->seq;
	ox_time newest = b->recent.v[b->recent.n - 1].at;
	uint32_t drop = first_at_or_after(b, newest - p->burst_window - p->burst_quiet);
	if (drop) {
		memmove(b->recent.v, b->recent.v + drop, (b->recent.n - drop) * sizeof *b->recent.v);
		b->recent.n -= drop;
	}

	struct ox_case *incident = oxi_open_case(e, OX_R_INC_BURST, group);
	if (incident) {
		join(e, b, incident, c);
		return;
	}
	/* the windows holding this case end at a case in [at, at + window];
	 * the incident opens at the earliest end that counts enough */
	uint32_t lo = 0, hi = 0, end = first_at_or_after(b, c->opened_at);
	for (; end < b->recent.n && b->recent.v[end].at <= c->opened_at + p->burst_window; end++) {
		/* the last case sharing this opened_at closes the window */
		if (end + 1 < b->recent.n && b->recent.v[end + 1].at == b->recent.v[end].at)
			continue;
		lo = first_at_or_after(b, b->recent.v[end].at - p->burst_window);
		hi = end + 1;
		if (hi - lo >= (uint32_t)p->burst_count)
			break;
	}
	if (end >= b->recent.n || b->recent.v[end].at > c->opened_at + p->burst_window)
		return;
	char w[OX_DUR_BUFSZ];
	ox_time at = b->recent.v[end].at;
	struct oxi_fire f = { .rule = OX_R_INC_BURST, .key = group, .at = at };
	incident = oxi_firef(e, &f, "%s 内出现 %u 个 %s 异常", "within %s: %u %s cases",
			     ox_duration_format(p->burst_window, w), hi - lo, group);
	if (!incident)
		return;
	for (uint32_t i = lo; i < hi; i++) {
		struct ox_case *member = e->cases.v[b->recent.v[i].seq - 1];
		if (!member->incident_seq) /* a case stays with its first incident */
			join(e, b, incident, member);
	}
}

static void dl_burst_quiet(struct ox_engine *e, const struct ox_deadline *d)
{
	struct oxi_burst *b = &e->burst[d->aux];
	if (d->due != b->last_member + e->p->burst_quiet)
		return;
	oxi_resolve(e, OX_R_INC_BURST, ox_rule_info((enum ox_rule)d->aux)->code, d->due, NULL);
	b->last_member = b->dl_quiet = OX_TIME_NONE; /* the next incident counts afresh */
}

/* ---- INC_PAYMENT_RATE ------------------------------------------------------------ */

void oxi_payment_attempt(struct ox_engine *e, ox_time ts, bool ok)
{
	ox_time end = e->clock == OX_TIME_NONE || ts > e->clock ? ts : e->clock;
	if (ts <= end - e->p->rate_window)
		return; /* already out of the window */
	uint32_t pos = e->attempts.n;
	OXI_PUSH(e->attempts);
	while (pos > e->attempts_head && e->attempts.v[pos - 1].ts > ts) {
		e->attempts.v[pos] = e->attempts.v[pos - 1];
		pos--;
	}
	e->attempts.v[pos].ts = ts;
	e->attempts.v[pos].ok = ok;
	e->attempts_ok += ok;
}

static void on_clock(struct ox_engine *e)
{
	const struct ox_params *p = e->p;
	while (e->attempts_head < e->attempts.n && e->attempts.v[e->attempts_head].ts <= e->clock - p->rate_window)
		e->attempts_ok -= e->attempts.v[e->attempts_head++].ok;
	if (e->attempts_head > 1024 && e->attempts_head * 2 > e->attempts.n) {
		size_t live = e->attempts.n - e->attempts_head;
		memmove(e->attempts.v, e->attempts.v + e->attempts_head, live * sizeof *e->attempts.v);
		e->attempts.n = (uint32_t)live;
		e->attempts_head = 0;
	}
	size_t total = e->attempts.n - e->attempts_head;
	if (total < (size_t)p->rate_min_attempts || e->attempts_ok * 100 >= (size_t)p->rate_min_success_pct * total)
		return;
	e->rate_last_held = e->clock;
	if (!oxi_open_case(e, OX_R_INC_PAYMENT_RATE, "payment")) {
		char w[OX_DUR_BUFSZ];
		struct oxi_fire f = { .rule = OX_R_INC_PAYMENT_RATE, .key = "payment", .at = e->clock };
		oxi_firef(e, &f, "%s 内支付尝试 %zu 次，成功率 %zu%%，低于 %d%%",
			  "%s: %zu payment attempts, %zu%% succeeded, below %d%%", ox_duration_format(p->rate_window, w),
			  total, e->attempts_ok * 100 / total, p->rate_min_success_pct);
	}
	if (e->rate_dl == OX_TIME_NONE) {
		e->rate_dl = e->rate_last_held + p->rate_window;
		oxi_schedule(e, e->rate_dl, OXI_DL_RATE_QUIET, NULL, 0);
	}
}

/* Lazy re-arming: one pending deadline, moved on when the condition held
 * again meanwhile. */
static void dl_rate_quiet(struct ox_engine *e, const struct ox_deadline *d)
{
	e->rate_dl = OX_TIME_NONE;
	ox_time until = e->rate_last_held + e->p->rate_window;
	if (until > d->due) {
		e->rate_dl = until;
		oxi_schedule(e, until, OXI_DL_RATE_QUIET, NULL, 0);
		return;
	}
	oxi_resolve(e, OX_R_INC_PAYMENT_RATE, "payment", d->due, NULL);
}

const struct oxi_family oxi_incident_family = {
	.name = "incident",
	.deadlines = {
		{ OXI_DL_BURST_QUIET, dl_burst_quiet },
		{ OXI_DL_RATE_QUIET, dl_rate_quiet },
	},
	.on_case_opened = on_case_opened,
	.on_clock = on_clock,
};

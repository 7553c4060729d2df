/* metrics.c - see metrics.h. */
#include "metrics.h"

#include <inttypes.h>

static const uint64_t commit_le_us[OX_METRICS_COMMIT_BUCKETS] = {
	100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 1000000,
};

void ox_metrics_commit(struct ox_metrics *m, uint64_t us)
{
	int b = 0;
	while (b < OX_METRICS_COMMIT_BUCKETS && us > commit_le_us[b])
		b++;
	OX_METRIC_ADD(m, commit_bucket[b], 1);
	OX_METRIC_ADD(m, commit_us_sum, us);
}

static uint64_t get(_Atomic uint64_t *v)
{
	return atomic_load_explicit(v, memory_order_relaxed);
}

static void scalar(struct ox_buf *out, const char *name, const char *help, const char *type, uint64_t v)
{
	ox_buf_addf(out, "# HELP %s %s\n# TYPE %s %s\n%s %" PRIu64 "\n", name, help, name, type, name, v);
}

void ox_metrics_render(struct ox_metrics *m, struct ox_buf *out)
{
#define X(f, name, help) scalar(out, name, help, "counter", get(&m->f));
	OX_METRICS_COUNTERS(X)
#undef X
#define X(f, name, help) scalar(out, name, help, "gauge", get(&m->f));
	OX_METRICS_GAUGES(X)
#undef X
	ox_buf_addz(out, "# HELP ordex_cases_opened_total Cases opened, by rule.\n"
			 "# TYPE ordex_cases_opened_total counter\n");
	for (int r = 0; r < OX_R__COUNT; r++)
		ox_buf_addf(out, "ordex_cases_opened_total{rule=\"%s\"} %" PRIu64 "\n",
			    ox_rule_info((enum ox_rule)r)->code, get(&m->cases_opened[r]));

	/* Histogram buckets are cumulative; +Inf equals the count. */
	ox_buf_addz(out, "# HELP ordex_commit_seconds Event log group commit time (write + fdatasync + case store).\n"
			 "# TYPE ordex_commit_seconds histogram\n");
	uint64_t cum = 0;
	for (int b = 0; b <= OX_METRICS_COMMIT_BUCKETS; b++) {
		cum += get(&m->commit_bucket[b]);
		if (b < OX_METRICS_COMMIT_BUCKETS)
			ox_buf_addf(out, "ordex_commit_seconds_bucket{le=\"%g\"} %" PRIu64 "\n",
				    (double)commit_le_us[b] / 1e6, cum);
		else
			ox_buf_addf(out, "ordex_commit_seconds_bucket{le=\"+Inf\"} %" PRIu64 "\n", cum);
	}
	ox_buf_addf(out, "ordex_commit_seconds_sum %g\nordex_commit_seconds_count %" PRIu64 "\n",
		    (double)get(&m->commit_us_sum) / 1e6, cum);
}

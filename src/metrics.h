/* metrics.h - the daemon's counters and gauges, rendered for GET /metrics in
 * the Prometheus text format (version 0.0.4).
 *
 * Written by the writer and the HTTP threads at once: every field is a
 * relaxed atomic (a scrape needs no consistent snapshot, only no torn
 * values). Adding a counter is one row in OX_METRICS_COUNTERS.
 */
#ifndef OX_METRICS_H
#define OX_METRICS_H

#include <stdatomic.h>
#include <stdint.h>

#include "rules.h"
#include "util.h"

/* X(field, metric name, help) */
#define OX_METRICS_COUNTERS(X)                                                                        \
	X(events_accepted, "ordex_events_accepted_total", "Events accepted and durable.")             \
	X(events_duplicate, "ordex_events_duplicate_total", "Events dropped as duplicates by id.")    \
	X(events_rejected, "ordex_events_rejected_total", "Event lines rejected by validation.")      \
	X(requests_overloaded, "ordex_requests_overloaded_total",                                     \
	  "Ingest requests refused with 503 because the writer queue was full.")                     \
	X(requests_rate_limited, "ordex_requests_rate_limited_total",                                 \
	  "Requests refused with 429 by the per-client rate limit.")                                  \
	X(requests_too_large, "ordex_requests_too_large_total", "Requests refused with 413.")          \
	X(commits, "ordex_commits_total", "Group commits of the event log.")                          \
	X(ticks, "ordex_wall_ticks_total", "Wall-clock ticks logged to advance event time.")         \
	X(cases_updated, "ordex_case_changes_total", "Case changes written to the case store.")        \
	X(segments_removed, "ordex_log_segments_removed_total",                                       \
	  "Log segments removed by compaction (their kept orders' records archived).")              \
	X(orders_retired, "ordex_orders_retired_total",                                              \
	  "Orders retention let go of, finished or idle long enough (their cases stay).")

/* X(field, metric name, help) */
#define OX_METRICS_GAUGES(X)                                                                         \
	X(queue_events, "ordex_queue_events", "Events waiting for the writer.")                        \
	X(queue_requests, "ordex_queue_requests", "Requests waiting for the writer.")                  \
	X(durable_seq, "ordex_log_durable_seq", "Sequence number of the last durable log record.")     \
	X(orders, "ordex_orders", "Orders known to the engine.")                                       \
	X(event_id_bytes, "ordex_event_id_bytes", "Memory of the accepted event ids remembered for duplicates.") \
	X(cases_open, "ordex_cases_open", "Cases open in the engine.")                                 \
	X(deadlines_pending, "ordex_deadlines_pending", "Deadlines waiting in the engine's queue.")   \
	X(event_clock_ms, "ordex_event_clock_ms", "The engine's clock (event time), ms since the epoch.") \
	X(snapshot_seq, "ordex_snapshot_seq", "Log record of the newest snapshot (0: none).")          \
	X(log_bytes, "ordex_log_bytes", "Bytes of event log segments on disk.")                        \
	X(archive_bytes, "ordex_archive_bytes", "Bytes of the order archive in use (compacted history).")

/* Commit latency buckets, upper bounds in microseconds. */
#define OX_METRICS_COMMIT_BUCKETS 12

struct ox_metrics {
#define X(f, name, help) _Atomic uint64_t f;
	OX_METRICS_COUNTERS(X)
	OX_METRICS_GAUGES(X)
#undef X
	_Atomic uint64_t cases_opened[OX_R__COUNT];
	_Atomic uint64_t commit_bucket[OX_METRICS_COMMIT_BUCKETS + 1]; /* last: +Inf */
	_Atomic uint64_t commit_us_sum;
};

#define OX_METRIC_ADD(m, f, n) atomic_fetch_add_explicit(&(m)->f, (uint64_t)(n), memory_order_relaxed)
#define OX_METRIC_SET(m, f, v) atomic_store_explicit(&(m)->f, (uint64_t)(v), memory_order_relaxed)

/* Record one commit that took us microseconds. */
void ox_metrics_commit(struct ox_metrics *m, uint64_t us);
/* Append the Prometheus text of every metric to out. */
void ox_metrics_render(struct ox_metrics *m, struct ox_buf *out);

#endif

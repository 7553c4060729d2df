/* orderidx.h - which log records belong to an order: order_id -> the seqs of
 * its events in the event log, in append order.
 *
 * The writer thread adds every accepted event that has an order_id; the order
 * view (order_view.h) reads the seqs back to fetch the raw lines. It holds
 * millions of orders, so each order is one allocation (a small header, the
 * id inline and the seq vector) behind one ox_hmap slot; see orderidx.c for
 * the measured bytes per order. Single-threaded: one owner, no locks.
 */
#ifndef OX_ORDERIDX_H
#define OX_ORDERIDX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Order ids are 1..64 bytes (events.md). */
#define OX_ORDERIDX_ID_MAX 64

struct ox_orderidx;

struct ox_orderidx *ox_orderidx_new(void);
/* Frees the index and everything it holds; NULL is allowed. */
void ox_orderidx_free(struct ox_orderidx *x);

/* Record that the event at log seq belongs to order id (len bytes, any bytes,
 * 1..OX_ORDERIDX_ID_MAX). Seqs are appended as given: the caller adds them in
 * log order, so they grow. An id of another length is ignored (the decoder
 * never yields one). */
void ox_orderidx_add(struct ox_orderidx *x, const char *id, size_t len, uint64_t seq);

/* Forget order id and its seqs (the engine dropped the order: retention,
 * docs/retention.md). true when it was there. Compaction then leaves its
 * records out of the archives. */
bool ox_orderidx_remove(struct ox_orderidx *x, const char *id, size_t len);

/* Bring id's table slot into the cache ahead of an add (for a writer that
 * walks a batch: prefetch event i+1, add event i). A table of millions of
 * slots misses the cache on every add otherwise. */
void ox_orderidx_prefetch(const struct ox_orderidx *x, const char *id, size_t len);

/* The seqs of the order, oldest first, with *n set to their count; NULL and
 * *n = 0 for an unknown order. The array belongs to the index and stays
 * valid until the next ox_orderidx_add(), ox_orderidx_remove() or
 * ox_orderidx_free(). */
const uint64_t *ox_orderidx_get(const struct ox_orderidx *x, const char *id, size_t len, size_t *n);

/* Call fn for every order with its seqs (oldest first), in no particular
 * order. Allocates nothing (the compaction's forked child walks it). */
typedef void ox_orderidx_each_fn(void *ctx, const char *id, size_t len, const uint64_t *seqs, size_t n);
void ox_orderidx_each(const struct ox_orderidx *x, ox_orderidx_each_fn *fn, void *ctx);

/* Orders known. */
size_t ox_orderidx_orders(const struct ox_orderidx *x);
/* Memory held, for /metrics: the table plus every order's allocation as
 * malloc hands it out (rounded to 16 bytes, with its 8-byte header). */
size_t ox_orderidx_bytes(const struct ox_orderidx *x);

/* Snapshots (snap.h): every order's seqs. Load into an empty index; -1
 * when the reader went bad. */
struct ox_snap_w;
struct ox_snap_r;
void ox_orderidx_save(const struct ox_orderidx *x, struct ox_snap_w *w);
int ox_orderidx_load(struct ox_orderidx *x, struct ox_snap_r *r);

#endif

/* order_view.h - the whole picture of one order, folded from its raw events,
 * as GET /api/v1/orders/{order_id} serves it (the caller adds the cases).
 *
 * A pure function: the lines come from the event log (orderidx.h gives their
 * seqs), nothing is kept between calls.
 *
 * Output: one JSON object. Times are RFC 3339 in +08:00
 * ("2026-11-11T10:16:00.000+08:00"), money is a decimal string ("119.80"),
 * anything unknown is null, lists without entries are []. "Sorted" below
 * means by event ts, ties by seq.
 *
 *   {"order_id": the order_id argument,
 *    "status": the order.status with the greatest ts (ties: the greater seq),
 *              or null; "status_ts": its ts,
 *    "created_at", "channel", "shop", "total", "currency",
 *    "coupon": {"code","amount"} | null, "pay_by":
 *              from the order.created with the greatest ts (ties: seq); null
 *              when there is none or it leaves the field out (pay_by and
 *              ship_by are given as sent: the defaults of events.md depend on
 *              the configured windows),
 *    "remark", "ship_by", "deliver_by": the order.created's, then every
 *              order.updated carrying the field overlays it, sorted (an update
 *              overlays the created fields even with an earlier ts, as the
 *              engine applies an update that arrived before its order),
 *    "create_failed": [{"ts","code","message"}] sorted,
 *    "customer": {"id","name","phone","registered_at","ip","device_id",
 *                 "address": {"province","city","district","detail"} | null}
 *              | null, overlaid field by field like remark; null when no
 *              event carried a customer field,
 *    "items": [{"sku","qty","price"}] of that order.created (qty a number),
 *    "payments": [{"payment_id","ts","amount","method",
 *                  "status": "succeeded" | "failed","reason"}] sorted; a
 *              payment.succeeded whose payment_id came earlier is the same
 *              payment and is not listed again (events.md),
 *    "refunds": [{"refund_id","payment_id","ts","amount"}] sorted, one per
 *              refund_id,
 *    "status_history": [{"ts","status"}] every order.status, sorted,
 *    "inventory": [{"ts","sku","qty","warehouse",
 *                   "result": "reserved" | "reserve_failed","reason"}] sorted,
 *    "shipments": [{"shipment_id","carrier","tracking_no","created_at",
 *                   "last_status","tracks": [{"ts","status","location",
 *                   "description"}]}]: one per tracking_no (as the engine
 *              keys shipments), in order of its first event, sorted; the
 *              earliest shipment.created gives shipment_id, carrier and
 *              created_at (null for tracks without one); tracks sorted;
 *              last_status is the last track's status, or null,
 *    "syncs": [{"system","acks": count of sync.ack,"last_ack": the latest
 *               sync.ack ts | null,"failures": [{"ts","error"}] sorted}]
 *              one per system, in order of its first event,
 *    "tickets": [{"ticket_id","ts","kind","text"}] sorted,
 *    "events": [{"seq","type","ts","id","event": the line's JSON object
 *               verbatim}] sorted; a line that does not decode comes last
 *              (by seq) as {"seq","type":null,"ts":null,"id":null,
 *              "undecodable":true,"error":"the decoder's message",
 *              "event":null} and counts nowhere else.}
 *
 * Lines were validated when they were accepted, so they are decoded with the
 * loosest limits (any line length, item count and nesting the JSON parser
 * allows): a later change of configured limits never hides an old event.
 * Events of other types or another order_id are folded like the rest (the
 * caller chooses the lines).
 */
#ifndef OX_ORDER_VIEW_H
#define OX_ORDER_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* lines[i] is the raw JSON text of the event at log seq seqs[i], in log
 * order; n may be 0 (an unknown order: every field null or []). Appends one
 * JSON object to out. mask: personal data masked (customer name, phone,
 * address detail, remark and ticket texts; the raw events left out). Returns 0, or -1 when out's max would be exceeded (out
 * is left as it was: same len and content). */
int ox_order_view_json(struct ox_str order_id, const struct ox_str *lines, const uint64_t *seqs, size_t n,
		       bool mask, struct ox_buf *out);

#endif

/* risk.h - the FRD_SUSPECT risk score of an order against the engine's
 * current windows, changing nothing (src/rules/fraud.c).
 *
 * One function serves both: the rule records the order's uses in the fraud
 * index and then scores it with ox_risk_score() (so the order counts
 * itself), and the risk service (POST /api/v1/risk/score) scores an order
 * that is not in the index yet, on the writer thread (OX_JOB_RISK in
 * writer.h), counting it as one more use. The same features, windows,
 * weights and words, so the service's score is the score the rule would
 * give the order if it arrived now.
 *
 * Reads the engine: call it on the thread that owns it.
 */
#ifndef OX_RISK_H
#define OX_RISK_H

#include <stddef.h>

#include "event.h"

struct ox_engine;

/* X(enum suffix, code). The terms of rules.md's FRD_SUSPECT, then the
 * blacklist (FRD_BLACKLIST: reported with weight 0, it adds nothing). */
#define OX_RISK_TERMS(X)                   \
	X(ADDRESS, "shared_address")       \
	X(PHONE, "shared_phone")           \
	X(DEVICE, "shared_device")         \
	X(NEW_ACCOUNT, "new_account")      \
	X(MAX_QTY, "max_qty")              \
	X(COUPON, "shared_coupon")         \
	X(INVALID_PHONE, "invalid_phone")  \
	X(BLACKLIST, "blacklist")

enum ox_risk_term {
#define X(e, code) OX_RISK_##e,
	OX_RISK_TERMS(X)
#undef X
	OX_RISK__COUNT
};

/* "shared_address"; NULL for a value out of range. */
const char *ox_risk_term_name(enum ox_risk_term t);

#define OX_RISK_REASON_MAX 256 /* a reason's bytes, NUL included */

struct ox_risk_reason {
	enum ox_risk_term term;
	int weight; /* what it added to the score */
	char zh[OX_RISK_REASON_MAX], en[OX_RISK_REASON_MAX];
};

struct ox_risk {
	int score, threshold; /* FRD_SUSPECT opens at score >= threshold (the channel's) */
	size_t n;
	struct ox_risk_reason r[12]; /* the terms that counted, in rules.md's order */
};

enum {
	OX_RISK_WITH_BLACKLIST = 1u << 0, /* also list the blacklist hits (weight 0) */
};

/* Score ev, an order.created (ev->ts is the time it is scored at), against
 * the fraud index as it is. Writes *out; changes nothing. */
void ox_risk_score(const struct ox_engine *e, const struct ox_event *ev, unsigned flags, struct ox_risk *out);

#endif

/* call.h - calls on the merchant's systems (docs/actions.md).
 *
 * ordex owns neither payments nor shipping: to refund, reship, mark an
 * order paid or ask a gateway, it calls the merchant's endpoints, one per
 * action kind (playbook.h OX_PB_ACTIONS). This module is the pure part of
 * that: the `actions:` section of the config file (endpoints, secrets,
 * timeouts, retries, the dry-run and automation defaults), a call as a
 * case holds it (id, kind, state, who asked, params, outcome), the checks
 * of a call's params per kind, the request body and its signed request,
 * and how the merchant's answer reads. No I/O but reading the config file;
 * src/executor.c sends, src/desk.c decides.
 *
 * Ownership: ox_call_config_load() returns a config that
 * ox_call_config_free() frees, read-only afterwards (any thread). Running
 * out of memory aborts (util.h).
 */
#ifndef OX_CALL_H
#define OX_CALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "comp.h"
#include "playbook.h"
#include "timefmt.h"
#include "util.h"

struct ox_wh_request; /* webhook.h */

/* ---- limits ---------------------------------------------------------------------- */

#define OX_CALL_ID_MAX 40         /* "C00000042-3" and room to spare */
#define OX_CALL_PARAMS_MAX 8192   /* bytes of a call's params, as JSON */
#define OX_CALL_EXCERPT_MAX 512   /* bytes of the merchant's answer kept in the outcome */
#define OX_CALL_RESULT_MAX 4096   /* bytes of a query's answer kept as parsed JSON */
#define OX_CALL_OUTCOME_MAX 8192  /* bytes of an outcome object, as JSON */
#define OX_CALL_PARAM_KEYS_MAX 32 /* members of the params object */
#define OX_CALL_URL_MAX 2048
#define OX_CALL_SECRET_MAX 512

/* ---- states ---------------------------------------------------------------------- */

/* awaiting_approval -> requested (approved) or rejected; requested ->
 * running (first attempt) -> succeeded or failed. X(enum suffix, name) */
#define OX_CALL_STATES(X)                          \
	X(AWAITING_APPROVAL, "awaiting_approval")  \
	X(REQUESTED, "requested")                  \
	X(RUNNING, "running")                      \
	X(SUCCEEDED, "succeeded")                  \
	X(FAILED, "failed")                        \
	X(REJECTED, "rejected")

enum ox_call_state {
#define X(e, s) OX_CALL_##e,
	OX_CALL_STATES(X)
#undef X
	OX_CALL__NSTATES
};
const char *ox_call_state_name(enum ox_call_state s);
int ox_call_state_parse(const char *s, size_t n); /* or -1 */
/* succeeded, failed or rejected: nothing more will happen to it. */
bool ox_call_state_final(enum ox_call_state s);

/* ---- a call, as its case holds it ------------------------------------------------------ */

struct ox_call {
	char id[OX_CALL_ID_MAX];   /* "<case id>-<n>", n = 1, 2, ... per case: deterministic */
	enum ox_pb_action kind;
	enum ox_call_state state;
	bool automatic;            /* made by auto-remediation (actor "ordex:auto") */
	char actor[80];            /* who asked ("li.lei", "token:oms", "ordex:auto") */
	char approver[80];         /* who approved or rejected, "" when nobody */
	ox_time requested_at, done_at; /* event time; done_at OX_TIME_NONE until final */
	ox_money amount;           /* what it moves, fen; -1: no money (params.amount) */
	char *params;              /* the params object as JSON, never NULL */
	char *outcome;             /* the outcome object as JSON (executor), or NULL */
	/* A compensation (comp.h); comp is -1 for a call that gives nothing. */
	int8_t comp;               /* enum ox_comp_kind */
	uint8_t waited;            /* enum ox_comp_wait: why it awaited approval, kept after */
	uint16_t repeat;           /* flagged: the customer's nth compensation in the window; else 0 */
	ox_money value;            /* what it gives, fen (points at their price) */
	char team[OX_NAME_MAX];    /* whose daily budget it counts in */
	ox_time granted_at;        /* when it went ahead (at once or approved); OX_TIME_NONE before */
};
void ox_call_release(struct ox_call *c);
void ox_call_copy(struct ox_call *dst, const struct ox_call *src);
/* {"id","kind","state","automatic","requested_by","requested_at",
 * "approved_by","done_at","amount","params","outcome","compensation"}, the
 * last null or {"kind","value","team","waited","granted_at","repeat"}. */
void ox_call_json(const struct ox_call *c, struct ox_buf *out);

/* The calls of a case as JSON (an array of ox_call_json objects, or any
 * JSON value) with personal data masked for a role without pii (mask.h):
 * members named phone or mobile as phones, name, customer_name or
 * receiver as names, address (a string) and detail as address details,
 * every other string as free text (mobile numbers in it). Appended to out
 * as JSON again; -1 (out as before) when json is not JSON. */
int ox_call_json_mask(const char *json, size_t n, struct ox_buf *out);

/* ---- params ------------------------------------------------------------------------ */

/* Check a call's params (a JSON object, n bytes) for kind k: an object of at
 * most OX_CALL_PARAM_KEYS_MAX members and OX_CALL_PARAMS_MAX bytes, with
 * the members the kind needs (docs/actions.md: refund and partial_refund
 * an amount, update_address an address or a phone, send_message a text,
 * issue_coupon an amount, add_points points, ...); an `amount` must be a
 * CNY amount ("12.50" or 12.5, > 0) and goes to *amount in fen (-1 when
 * absent). 0, or -1 with the reason in why. */
int ox_call_params_check(enum ox_pb_action k, const char *json, size_t n, ox_money *amount, char *why,
			 size_t whysz);

/* ---- the config --------------------------------------------------------------------- */

struct ox_call_endpoint {
	char *url;               /* NULL: this kind is not configured */
	char *secret;            /* HMAC-SHA256 key; NULL: unsigned */
	int64_t timeout;         /* ms per attempt, connection included */
	int retries;             /* attempts after the first, on 5xx, timeouts, connection errors */
	int64_t backoff_initial; /* ms before the first retry; doubles each time ... */
	int64_t backoff_max;     /* ... up to this */
};

struct ox_call_config {
	bool dry_run;        /* a call that does not say dry_run is a dry run */
	bool auto_enabled;   /* the kill switch's position at start (PUT /api/v1/actions/auto moves it) */
	int rate_limit;      /* automatic calls per minute of event time; 0: none */
	int64_t progress_reminder; /* ms: remind the owner of a case waiting or in progress
				    * that nobody updated for this long; 0: never */
	struct ox_call_endpoint endpoints[OX_PB_A__COUNT];
	struct ox_comp_config comp; /* actions.compensation: limits, budgets, repeats */
	/* actions.survey ("售后回访"): when a person resolves an order's case,
	 * send the customer the survey by send_message (docs/actions.md) */
	struct {
		bool send;             /* true unless turned off (needs a send_message endpoint) */
		enum ox_pb_lang lang;  /* zh */
		char *text;            /* a template (playbook.h); NULL: the built-in of lang */
	} survey;
};
/* The built-in survey text of a language. */
const char *ox_call_survey_text(enum ox_pb_lang l);

/* Read the `actions:` section of the YAML file at path (other sections are
 * left to their readers). path NULL, or no section: nothing configured,
 * automation on, no dry run, 30 automatic calls a minute. Errors read
 * "PATH:LINE: reason". */
int ox_call_config_load(const char *path, struct ox_call_config **out, char *err, size_t errsz);
int ox_call_config_parse(const char *name, const char *text, size_t len, struct ox_call_config **out,
			 char *err, size_t errsz);
void ox_call_config_free(struct ox_call_config *c); /* NULL is fine */
/* The endpoint of kind k, or NULL when it is not configured (cfg NULL too). */
const struct ox_call_endpoint *ox_call_endpoint(const struct ox_call_config *cfg, enum ox_pb_action k);

/* ---- the request ---------------------------------------------------------------------- */

/* What a call is about, for its body. */
struct ox_call_subject {
	const char *case_id, *rule, *key; /* key: the order id (or SKU, group) */
};

/* The request body (docs/actions.md):
 * {"call_id","kind","case_id","rule","order_id","requested_by","automatic",
 *  "params":{...}}. Deterministic: the same call makes the same bytes. */
void ox_call_body(const struct ox_call *c, const struct ox_call_subject *s, struct ox_buf *out);

/* The signed request of one attempt at now_ms: POST to the endpoint's URL,
 * Content-Type, Idempotency-Key = the call id, X-Ordex-Timestamp (s) and
 * X-Ordex-Signature = "sha256=" hex HMAC-SHA256(secret, timestamp + "." +
 * body) when the endpoint has a secret. -1 when the call id cannot be a
 * header. */
int ox_call_request(const struct ox_call_endpoint *ep, const char *call_id, const char *body, size_t len,
		    int64_t now_ms, struct ox_wh_request *r);

/* ---- the answer ------------------------------------------------------------------------ */

enum ox_call_verdict {
	OX_CALL_DONE,    /* 2xx: it happened */
	OX_CALL_RETRY,   /* 408, 429, 5xx, a timeout, no connection: try again */
	OX_CALL_REFUSED, /* any other status: the merchant will never do it */
};
/* status 0: no answer (curl failed). */
enum ox_call_verdict ox_call_verdict(long status);

/* The outcome object the executor reports (one line of JSON, at most
 * OX_CALL_OUTCOME_MAX bytes): {"status":"succeeded"|"failed",
 * "http_status":N|null,"attempts":N,"error":"..."|null,"excerpt":"...",
 * "result":{...}|null}. excerpt: the answer's first OX_CALL_EXCERPT_MAX
 * bytes, cut between characters, invalid UTF-8 replaced. result: the
 * answer when it is a JSON object of at most OX_CALL_RESULT_MAX bytes. */
void ox_call_outcome(bool ok, long http_status, int attempts, const char *error, const char *answer,
		     size_t len, struct ox_buf *out);
/* Read an outcome back: *ok, and the string member name of its result into
 * out ("" when absent); for the desk's "did the payment succeed". -1 when
 * the outcome is not an object with a status. */
int ox_call_outcome_read(const char *outcome, size_t len, bool *ok, const char *name, char *out,
			 size_t outsz);

#endif

/* webhook.h - the chat and webhook channels of the alerting: how a group of
 * notices becomes the body one kind of receiver accepts, how each kind signs
 * a request, and how its answer reads. Pure functions (no I/O, no clock, no
 * globals), so every format and signature is unit-tested against fixed
 * vectors; src/alert.c does the sending. Formats and schemes: docs/alerts.md.
 *
 * Text from cases is the caller's (already masked personal data). It is
 * never trusted: every field is cleaned to valid UTF-8 (an invalid byte
 * becomes U+FFFD), control characters become spaces in chat text, markdown
 * and mention syntax is neutralised per format, and JSON is escaped, so a
 * summary can neither break a payload nor add a link, a mention or a heading.
 *
 * Memory: rendering appends to a caller's struct ox_buf; a request
 * (struct ox_wh_request) owns its buffers until ox_wh_request_release().
 * Running out of memory aborts, as everywhere (util.h).
 */
#ifndef OX_WEBHOOK_H
#define OX_WEBHOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "notice.h"
#include "util.h"

/* X(enum suffix, name in the config) */
#define OX_WH_TYPES(X)               \
	X(DINGTALK, "dingtalk")      \
	X(WECOM, "wecom")            \
	X(FEISHU, "feishu")          \
	X(SLACK, "slack")            \
	X(WEBHOOK, "webhook")

enum ox_wh_type {
#define X(e, s) OX_WH_##e,
	OX_WH_TYPES(X)
#undef X
	OX_WH__NTYPES
};
const char *ox_wh_type_name(enum ox_wh_type t);
/* The type named s (n bytes), or -1. */
int ox_wh_type_by_name(const char *s, size_t n);

enum ox_wh_lang { OX_WH_ZH, OX_WH_EN };

/* ---- signatures ---------------------------------------------------------------- */

#define OX_WH_SIGN_BUFSZ 96

/* DingTalk robot ("加签"): urlencode(base64(HMAC-SHA256(key = secret,
 * msg = ts_ms + "\n" + secret))), ready to go into the query string. */
void ox_wh_sign_dingtalk(const char *secret, int64_t ts_ms, char out[OX_WH_SIGN_BUFSZ]);
/* Feishu/Lark bot: base64(HMAC-SHA256(key = ts_s + "\n" + secret, msg = "")). */
void ox_wh_sign_feishu(const char *secret, int64_t ts_s, char out[OX_WH_SIGN_BUFSZ]);
/* Generic webhook: "sha256=" + lowercase hex of HMAC-SHA256(key = secret,
 * msg = ts_s + "." + body). */
void ox_wh_sign_webhook(const char *secret, int64_t ts_s, const char *body, size_t len,
			char out[OX_WH_SIGN_BUFSZ]);

/* ---- rendering ---------------------------------------------------------------------- */

/* At most this many notices go into one message (the generic webhook lists
 * them all; chat formats list as many as their size limit allows and say
 * how many more there are). */
#define OX_WH_GROUP_MAX 100
/* Largest body rendered (the generic webhook of OX_WH_GROUP_MAX notices). */
#define OX_WH_BODY_MAX (1024 * 1024)

struct ox_wh_group {
	const struct ox_notice *notices; /* n >= 1, in the order they arrived */
	size_t n;
	const char *receiver;    /* the channel's name */
	const char *group_key;   /* "rule=PAY_DUPLICATE,severity=P1", "" when not grouped */
	const char *idem;        /* the message's Idempotency-Key (in the generic body) */
	const char *console_url; /* "http://host:port" without a final '/', or NULL: no links */
	enum ox_wh_lang lang;
	bool feishu_text;        /* Feishu: a text message instead of a card */
};

/* Append the JSON body for a receiver of type t to body (unsigned: the
 * signature is added per attempt by ox_wh_prepare, since DingTalk and Feishu
 * refuse old timestamps). -1 with body unchanged when it would pass body's
 * maximum or g is empty. */
int ox_wh_render(enum ox_wh_type t, const struct ox_wh_group *g, struct ox_buf *body);

/* The console link of a case: console_url + "/cases/" + the case id
 * percent-encoded. Appends nothing when console_url is NULL or empty. */
void ox_wh_case_link(struct ox_buf *b, const char *console_url, const char *case_id);

/* ---- one request -------------------------------------------------------------------- */

#define OX_WH_HEADERS_MAX 8
#define OX_WH_HEADER_BUFSZ 192

struct ox_wh_target {
	enum ox_wh_type type;
	const char *url;
	const char *secret; /* NULL or "": unsigned */
};

struct ox_wh_request {
	struct ox_buf url, body;
	char headers[OX_WH_HEADERS_MAX][OX_WH_HEADER_BUFSZ]; /* "Name: value" */
	size_t n_headers;
};
void ox_wh_request_init(struct ox_wh_request *r);
void ox_wh_request_release(struct ox_wh_request *r);

/* Make the request for one attempt at now_ms (wall-clock milliseconds):
 * the URL (DingTalk: with &timestamp=&sign=), the body (Feishu: with the
 * "timestamp" and "sign" fields), and the headers: Content-Type, the
 * Idempotency-Key on every type, and for the generic webhook
 * X-Ordex-Timestamp and X-Ordex-Signature (when it has a secret). The
 * request is reset first. -1 when idem is too long for a header. */
int ox_wh_prepare(const struct ox_wh_target *t, const char *body, size_t len, const char *idem,
		  int64_t now_ms, struct ox_wh_request *r);

/* ---- the answer ---------------------------------------------------------------------- */

enum ox_wh_verdict {
	OX_WH_DELIVERED, /* 2xx, and no error code in the body */
	OX_WH_RETRY,     /* 408, 429, 5xx, another non-2xx, or a 2xx whose body says errcode != 0 */
	OX_WH_REJECTED,  /* any other 4xx: the receiver will never accept this message */
};

/* Read an HTTP answer (status and body) of a receiver of type t. why gets a
 * one-line reason for anything but OX_WH_DELIVERED ("HTTP 500: ...",
 * "errcode 310000: keywords not in content"), cut and cleaned. DingTalk and
 * WeCom answer 200 with {"errcode":N,"errmsg":...}; Feishu with
 * {"code":N,"msg":...} (older bots {"StatusCode":N}). */
enum ox_wh_verdict ox_wh_verdict(enum ox_wh_type t, long status, const char *body, size_t len,
				 char *why, size_t whysz);

/* Clean text to valid UTF-8 (each invalid byte becomes U+FFFD) and append
 * it: the helper every format uses, exposed for the tests and the outbox. */
void ox_wh_utf8_clean(struct ox_buf *b, const char *s, size_t n);

#endif

/* json.h - a strict, single-pass JSON tokenizer (RFC 8259).
 *
 * One call parses one complete JSON text into a flat array of tokens in
 * document order (like jsmn): a container token is followed by its children,
 * an object's children alternate key, value. Strictness is the point: RFC 8259
 * grammar only, valid UTF-8 only (no overlongs, no UTF-8-encoded surrogates,
 * nothing above U+10FFFF), no raw control characters in strings, no lone
 * surrogate escapes, no trailing garbage, a nesting limit. Duplicate keys are
 * the caller's business (RFC 8259 leaves them to the application).
 *
 * Memory: the token array and the escape arena belong to the parser and are
 * reused; tokens and decoded strings stay valid until the next
 * ox_json_parse() or ox_json_release(). Strings without escapes point into
 * the input, which must outlive the tokens.
 */
#ifndef OX_JSON_H
#define OX_JSON_H

#include <stddef.h>
#include <stdint.h>

enum ox_json_type {
	OX_JSON_NULL,
	OX_JSON_FALSE,
	OX_JSON_TRUE,
	OX_JSON_NUMBER,
	OX_JSON_STRING,
	OX_JSON_ARRAY,
	OX_JSON_OBJECT,
};

/* Token flags. */
enum {
	OX_JSON_F_INT = 1u << 0, /* number: no fraction and no exponent */
	OX_JSON_F_ESC = 1u << 1, /* string: had escapes; s is decoded into the
				  * arena and NUL-terminated */
	OX_JSON_F_NUL = 1u << 2, /* string: contains U+0000 (from \u0000) */
};

struct ox_json_tok {
	/* string: its bytes (decoded when F_ESC; otherwise in the input, between
	 * the quotes, not NUL-terminated); number: its text as written; other
	 * values: their first byte in the input. */
	const char *s;
	uint32_t len;  /* string, number: bytes of s; others: bytes of the
			* value's text in the input (a container's span) */
	uint32_t size; /* object: members; array: elements; else 0 */
	uint32_t end;  /* index of the first token after this value's subtree */
	uint8_t type;  /* enum ox_json_type */
	uint8_t flags; /* OX_JSON_F_* */
};

/* Hard cap on the nesting limit: the parser recurses once per level. */
#define OX_JSON_DEPTH_MAX 1024u
/* Inputs are limited to this many bytes so token fields fit 32 bits. */
#define OX_JSON_LEN_MAX ((size_t)UINT32_MAX - 1)

struct ox_json {
	struct ox_json_tok *toks; /* toks[0] is the top-level value */
	size_t n, cap;
	char *arena; /* decoded escaped strings */
	size_t arena_cap;
	unsigned max_depth;
	/* After a failed parse: what (a static string) and the 1-based byte
	 * column where it was found. */
	const char *err;
	size_t err_col;
};

/* Set up a parser (cannot fail; allocates on first use). max_depth counts
 * nested arrays and objects, the top-level one included; it is clamped to
 * 1..OX_JSON_DEPTH_MAX. */
void ox_json_init(struct ox_json *p, unsigned max_depth);
/* Free the parser's buffers; it can be used again after ox_json_init(). */
void ox_json_release(struct ox_json *p);

/* Parse exactly one JSON value surrounded by optional white space.
 * Returns 0 with p->toks[0 .. p->n) filled, or -1 with p->err and
 * p->err_col set. */
int ox_json_parse(struct ox_json *p, const char *in, size_t len);

#endif

/* auth.h - who may do what: users, roles, permissions, API tokens and
 * console sessions, in their own SQLite file (the daemon's DATA_DIR/auth.db).
 * Design, formats and the reasons behind them: docs/auth.md.
 *
 * Use, per HTTP request (each HTTP thread opens its own struct ox_auth):
 *	struct ox_principal p;
 *	if (bearer header)  rc = ox_auth_bearer(a, secret, &p);
 *	else if (cookie)    rc = ox_auth_session(a, session_id, &p);
 *	if (rc == OX_AUTH_EDENIED) reply 401;
 *	if (!(p.perms & OX_PERM_CASES_WORK)) reply 403;
 *	if (!ox_principal_in_team(&p, case_team)) reply 403;
 *	if (unsafe method && !ox_auth_csrf_ok(&p, x_csrf_token_header)) reply 403;
 *
 * Ownership and threads: ox_auth_open() returns an object that
 * ox_auth_close() frees. It holds one SQLite connection and is used by one
 * thread at a time; nothing here locks. Other threads and processes (the
 * `ordex user` command while the daemon runs) open their own on the same
 * file: WAL, and a busy timeout of 5 s for writers.
 *
 * Errors: every function returns 0 or a negative enum ox_auth_err; the
 * message of the last failure ("what: why", naming the field) is
 * ox_auth_errmsg(). A refused credential is OX_AUTH_EDENIED, whose message
 * never tells a client why (ox_auth_deny_reason() does, for the audit log).
 * Running out of memory aborts, as everywhere in ordex (util.h).
 */
#ifndef OX_AUTH_H
#define OX_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* X(enum suffix, value, message) */
#define OX_AUTH_ERRORS(X)                                         \
	X(OK, 0, "ok")                                            \
	X(EINVAL, -1, "invalid argument")                         \
	X(ENOTFOUND, -2, "not found")                             \
	X(EEXISTS, -3, "already exists")                          \
	X(EDENIED, -4, "access denied")                           \
	X(EDB, -5, "database error")                              \
	X(ESCHEMA, -6, "database schema is newer than this ordex") \
	X(ETOOBIG, -7, "result larger than the output buffer's maximum")

enum ox_auth_err {
#define X(e, v, msg) OX_AUTH_##e = v,
	OX_AUTH_ERRORS(X)
#undef X
};
/* The message of an enum ox_auth_err value. */
const char *ox_auth_strerror(int err);

/* ---- permissions and roles ------------------------------------------------ */

/* X(enum suffix, bit, name, what it allows). One bit each. */
#define OX_PERMS(X)                                                                        \
	X(EVENTS_WRITE, 0, "events:write", "send events (POST /api/v1/events)")           \
	X(CASES_READ, 1, "cases:read", "list and read cases and orders")                  \
	X(CASES_WORK, 2, "cases:work", "transitions, notes, ack (agents: their teams' cases)") \
	X(CASES_ASSIGN, 3, "cases:assign", "assign cases to anybody, resolve incidents in bulk") \
	X(PII, 4, "pii", "see personal data unmasked")                                     \
	X(SILENCES, 5, "silences", "create and delete alert silences")                     \
	X(ALERTS_READ, 6, "alerts:read", "read the alert outbox and dead letters")         \
	X(USERS, 7, "users", "manage users")                                               \
	X(TOKENS, 8, "tokens", "manage API tokens")                                        \
	X(AUDIT_READ, 9, "audit:read", "read the audit log")                               \
	X(METRICS, 10, "metrics", "read /metrics")                                         \
	X(PREVENT, 11, "prevent", "validate and risk-score orders before accepting them")   \
	X(INVENTORY, 12, "inventory", "reserve, confirm and release stock; set stock levels") \
	X(BLACKLIST, 13, "blacklist", "read, add, remove, import and export blacklist entries") \
	X(REPORTS, 14, "reports", "read the reports (GET /api/v1/reports/...)")              \
	X(ACTIONS_AUTO, 15, "actions:auto", "switch automatic calls on the merchant's systems on or off") \
	X(CONFIG_READ, 16, "config:read", "read the rule parameters (GET /api/v1/config/rules)")              \
	X(CONFIG_WRITE, 17, "config:write", "change the rule parameters live (PUT /api/v1/config/rules)")

enum ox_perm {
#define X(e, bit, name, what) OX_PERM_##e = 1u << (bit),
	OX_PERMS(X)
#undef X
};
#define OX_PERM__COUNT 18
#define OX_PERM_ALL ((1u << OX_PERM__COUNT) - 1)

/* X(enum suffix, name, permissions). The role -> permission-set table. */
#define OX_ROLES(X)                                                                              \
	X(ADMIN, "admin", OX_PERM_ALL)                                                           \
	X(SUPERVISOR, "supervisor",                                                              \
	  OX_PERM_CASES_READ | OX_PERM_CASES_WORK | OX_PERM_CASES_ASSIGN | OX_PERM_PII |        \
		  OX_PERM_SILENCES | OX_PERM_ALERTS_READ | OX_PERM_AUDIT_READ | OX_PERM_METRICS | \
		  OX_PERM_PREVENT | OX_PERM_INVENTORY | OX_PERM_BLACKLIST | OX_PERM_REPORTS |     \
		  OX_PERM_CONFIG_READ)                                                           \
	X(AGENT, "agent", OX_PERM_CASES_READ | OX_PERM_CASES_WORK)                               \
	X(VIEWER, "viewer", OX_PERM_CASES_READ | OX_PERM_METRICS | OX_PERM_REPORTS)              \
	X(INGEST, "ingest", OX_PERM_EVENTS_WRITE | OX_PERM_METRICS | OX_PERM_PREVENT | OX_PERM_INVENTORY)

enum ox_role {
#define X(e, name, perms) OX_ROLE_##e,
	OX_ROLES(X)
#undef X
	OX_ROLE__COUNT
};

/* "agent" -> OX_ROLE_AGENT; -1 for anything else (case-sensitive). */
int ox_role_parse(const char *name);
/* "agent"; NULL for a value out of range. */
const char *ox_role_name(enum ox_role role);
/* The permission bits of a role; 0 for a value out of range. */
unsigned ox_role_perms(enum ox_role role);
/* The name of one permission bit ("cases:work"); NULL unless exactly one
 * known bit is set. */
const char *ox_perm_name(unsigned perm);
/* "cases:work" -> OX_PERM_CASES_WORK; 0 for anything else. */
unsigned ox_perm_parse(const char *name);

/* ---- names and limits ---------------------------------------------------- */

#define OX_AUTH_ERRSZ 256
#define OX_AUTH_NAME_MAX 64      /* user and token names: [A-Za-z0-9._-], bytes */
#define OX_AUTH_DISPLAY_MAX 128  /* display name: UTF-8, bytes */
#define OX_AUTH_TEAM_MAX 63      /* team name: [A-Za-z0-9_.-], as teams in the config (OX_NAME_MAX - 1) */
#define OX_AUTH_TEAMS_MAX 16     /* teams per user */
#define OX_AUTH_PASSWORD_MIN 8   /* bytes */
#define OX_AUTH_PASSWORD_MAX 1024
#define OX_AUTH_SECRET_MIN 16    /* a bootstrap secret: printable ASCII, no space */
#define OX_AUTH_SECRET_MAX 256
#define OX_AUTH_SECRET_BUFSZ 48  /* "oxt_" + 43 base64url characters + NUL */
#define OX_AUTH_SESSION_BUFSZ 48 /* "oxs_" + 43 */
#define OX_AUTH_CSRF_BUFSZ 48    /* 43 */
#define OX_AUTH_PREFIX_BUFSZ 16  /* the displayable start of a token: "oxt_AbCd" */
#define OX_AUTH_LOCK_FAILURES 10 /* consecutive failed logins that lock a user */
#define OX_AUTH_LOCK_MS (15 * 60 * 1000)
#define OX_AUTH_LAST_USED_MS (60 * 1000) /* a token's last_used is written at most this often */
#define OX_AUTH_SESSION_TTL_MAX (30LL * 24 * 3600 * 1000)

struct ox_teams {
	size_t n;
	char name[OX_AUTH_TEAMS_MAX][OX_AUTH_TEAM_MAX + 1];
};

/* ---- the principal: who is calling ---------------------------------------- */

enum ox_principal_kind { OX_PRINCIPAL_USER, OX_PRINCIPAL_TOKEN };

/* Filled by ox_auth_bearer(), ox_auth_session() and ox_auth_login(); plain
 * data, nothing to free, fine on the stack. */
struct ox_principal {
	enum ox_principal_kind kind;
	bool from_session;                   /* a console session: CSRF applies */
	char name[OX_AUTH_NAME_MAX + 8];     /* "lihua", or "token:NAME" */
	char user[OX_AUTH_NAME_MAX + 1];     /* the user, also of a user's token; "" if none */
	enum ox_role role;
	unsigned perms;                      /* ox_role_perms(role) */
	struct ox_teams teams;               /* the user's teams (a token: its user's) */
	int64_t id;                          /* the token's id or the session's id (not secret) */
	char csrf[OX_AUTH_CSRF_BUFSZ];       /* from_session: the session's CSRF token; else "" */
};

/* May p work on a case of team? True for every role but agent; an agent
 * only for its own teams (NULL or "" is nobody's team). Permissions are
 * checked apart: this is only the team half of cases:work. */
bool ox_principal_in_team(const struct ox_principal *p, const char *team);

/* For unsafe methods: true when p did not come from a session (tokens need
 * no CSRF token), or header (X-CSRF-Token, NULL if absent) equals p->csrf;
 * compared in constant time. */
bool ox_auth_csrf_ok(const struct ox_principal *p, const char *header);

/* Append {"kind","name","user","role","perms":[...],"teams":[...]} (for an
 * endpoint such as GET /api/v1/me). -1 over out's maximum (out unchanged). */
int ox_principal_json(const struct ox_principal *p, struct ox_buf *out);

/* ---- open and the clock --------------------------------------------------- */

struct ox_auth;

/* Open or create the database at path (":memory:" works too): a new file
 * is created readable by its owner only; WAL, synchronous=FULL, foreign keys,
 * busy timeout 5 s, then the missing migrations in one transaction. On
 * failure *out is NULL and err holds the reason. */
int ox_auth_open(struct ox_auth **out, const char *path, char *err, size_t errsz);
void ox_auth_close(struct ox_auth *a); /* NULL is fine */
const char *ox_auth_errmsg(const struct ox_auth *a);
/* After OX_AUTH_EDENIED: why, for the audit log only ("unknown", "password",
 * "locked", "disabled", "no_password", "expired", "revoked", "role",
 * "format"); "" after anything else. Never show it to the client. */
const char *ox_auth_deny_reason(const struct ox_auth *a);

/* The clock, in milliseconds since the epoch: the wall clock unless a test
 * sets another (NULL restores the wall clock). */
typedef int64_t (*ox_auth_clock_fn)(void *ctx);
void ox_auth_set_clock(struct ox_auth *a, ox_auth_clock_fn now, void *ctx);

/* Argon2id cost of new password hashes: crypto_pwhash OPSLIMIT_INTERACTIVE
 * and MEMLIMIT_INTERACTIVE unless changed (tests use the minimum). A stored
 * hash made with other limits is re-made at its next successful login. */
void ox_auth_set_pwhash_limits(struct ox_auth *a, unsigned long long opslimit, size_t memlimit);

/* ---- users --------------------------------------------------------------- */

struct ox_auth_user {
	int64_t id;
	char name[OX_AUTH_NAME_MAX + 1];
	char display[OX_AUTH_DISPLAY_MAX + 1];
	enum ox_role role;
	struct ox_teams teams;
	bool disabled, has_password;
	int64_t created_at;   /* ms */
	int failed_logins;    /* consecutive */
	int64_t locked_until; /* ms; 0 = not locked */
};

/* A new user. name: 1..OX_AUTH_NAME_MAX of [A-Za-z0-9._-]; display: valid
 * UTF-8 without control characters, at most OX_AUTH_DISPLAY_MAX bytes (NULL
 * = ""); teams: n names of [a-z0-9_-]{1,32}, at most OX_AUTH_TEAMS_MAX,
 * duplicates dropped; password: OX_AUTH_PASSWORD_MIN.. bytes, or NULL for a
 * user who cannot log in until one is set (a token holder). EEXISTS when
 * the name is taken. */
int ox_auth_user_add(struct ox_auth *a, const char *name, const char *display, enum ox_role role,
		     const char *const *teams, size_t n_teams, const char *password);
/* Set the password (and end the user's sessions; clears a lockout). */
int ox_auth_user_set_password(struct ox_auth *a, const char *name, const char *password);
int ox_auth_user_set_role(struct ox_auth *a, const char *name, enum ox_role role);
int ox_auth_user_set_teams(struct ox_auth *a, const char *name, const char *const *teams, size_t n);
int ox_auth_user_set_display(struct ox_auth *a, const char *name, const char *display);
/* Disable (ends the user's sessions; the user's tokens stop working) or
 * enable (also clears a lockout). */
int ox_auth_user_set_disabled(struct ox_auth *a, const char *name, bool disabled);
/* ENOTFOUND when no user has that name. */
int ox_auth_user_get(struct ox_auth *a, const char *name, struct ox_auth_user *out);
/* Append {"users":[{"name","display","role","teams":[],"disabled",
 * "has_password","created_at","locked_until"}]} by name; never a hash.
 * On error out is unchanged. */
int ox_auth_user_list_json(struct ox_auth *a, struct ox_buf *out);

/* ---- API tokens ----------------------------------------------------------- */

/* A new token: secret_out receives "oxt_" + 32 random bytes in base64url,
 * the only time it exists outside the caller; the database keeps a hash and
 * the prefix "oxt_" + 4 characters. name as a user name, unique among the
 * tokens not revoked; user: NULL, or an enabled user whose role covers role
 * (the token acts as that user, with role's permissions, and stops working
 * if the user is disabled or moved to a role that no longer covers it);
 * expires_at: ms, 0 = never, else in the future. *id (may be NULL) gets its
 * id. */
int ox_auth_token_create(struct ox_auth *a, const char *name, enum ox_role role, const char *user,
			 int64_t expires_at, char secret_out[OX_AUTH_SECRET_BUFSZ], int64_t *id);
/* Revoke: the token stops working at once. ENOTFOUND for an unknown id;
 * revoking twice is fine (the first time stays). */
int ox_auth_token_revoke(struct ox_auth *a, int64_t id);
/* Append {"tokens":[{"id","name","prefix","role","user","status":
 * "active"|"expired"|"revoked","created_at","expires_at","last_used",
 * "revoked_at"}]} by id; never a secret or hash. */
int ox_auth_token_list_json(struct ox_auth *a, struct ox_buf *out);

/* At every start of `ordex serve --bootstrap-token SECRET`: if a token with
 * this secret exists, nothing (idempotent; a revoked one stays revoked);
 * else, if no admin user and no admin token exists yet, create the admin
 * token "bootstrap" with exactly this secret; else OX_AUTH_EDENIED (an admin
 * exists, and a new admin token would be a backdoor). The secret is
 * OX_AUTH_SECRET_MIN..OX_AUTH_SECRET_MAX bytes of printable ASCII without
 * space (0x21..0x7E). *created (may be NULL) tells whether it was made. */
int ox_auth_bootstrap(struct ox_auth *a, const char *secret, bool *created);

/* ---- authentication ------------------------------------------------------- */

/* The principal of an API token (the Authorization: Bearer value, without
 * "Bearer "). One hash and one indexed read; a write at most once a minute
 * per token (last_used). EDENIED: unknown, revoked, expired, its user
 * disabled or no longer covering its role. */
int ox_auth_bearer(struct ox_auth *a, const char *secret, struct ox_principal *out);

/* Check a password and open a console session of ttl_ms (1 .. 30 days):
 * session_out gets the session id (the cookie value), csrf_out the CSRF
 * token for the X-CSRF-Token header, *out the principal (may be NULL).
 * EDENIED for every refusal, with the same message and (an Argon2id
 * verification each time) the same time: unknown user, wrong password,
 * disabled, no password, locked. OX_AUTH_LOCK_FAILURES consecutive wrong
 * passwords lock the user for OX_AUTH_LOCK_MS; a right password while
 * locked is refused too. */
int ox_auth_login(struct ox_auth *a, const char *user, const char *password, int64_t ttl_ms,
		  char session_out[OX_AUTH_SESSION_BUFSZ], char csrf_out[OX_AUTH_CSRF_BUFSZ],
		  struct ox_principal *out);
/* The principal of a session id: EDENIED if unknown, expired, or its user
 * is disabled. The user's current role and teams apply. */
int ox_auth_session(struct ox_auth *a, const char *session_id, struct ox_principal *out);
/* End a session; an unknown one is fine (nothing to end). */
int ox_auth_logout(struct ox_auth *a, const char *session_id);

#endif

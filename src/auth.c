/* auth.c - users, roles, tokens and sessions in SQLite (auth.h, docs/auth.md).
 *
 * Secrets never reach the database: passwords as Argon2id strings
 * (crypto_pwhash_str), token and session ids as BLAKE2b-256 hashes
 * (crypto_generichash, one domain key each), looked up by an index on the
 * hash. Every statement is prepared once and takes its values bound.
 */
#include "auth.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "sqldb.h"
#include "timefmt.h"

/* ---- schema ---------------------------------------------------------------- */

/* Migration i+1. Append only: never edit a row that has shipped. Roles are
 * stored by name and checked in C (a CHECK list could not grow without
 * rebuilding the table). */
static const char *const migrations[] = {
	/* 1: users, API tokens, console sessions, failed logins */
	"CREATE TABLE users ("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" display TEXT NOT NULL,"
	" role TEXT NOT NULL,"
	" teams TEXT NOT NULL,"             /* comma-separated team names */
	" pw_hash TEXT,"                    /* Argon2id string, NULL: no password */
	" disabled INTEGER NOT NULL CHECK (disabled IN (0, 1)),"
	" created_at INTEGER NOT NULL);"    /* ms */
	"CREATE TABLE tokens ("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL,"
	" prefix TEXT NOT NULL,"            /* displayable start of the secret */
	" hash BLOB NOT NULL UNIQUE,"       /* BLAKE2b-256 of the secret */
	" role TEXT NOT NULL,"
	" user_id INTEGER REFERENCES users (id),"
	" created_at INTEGER NOT NULL,"
	" expires_at INTEGER,"              /* NULL: never */
	" last_used INTEGER,"
	" revoked_at INTEGER);"
	"CREATE UNIQUE INDEX tokens_live_name ON tokens (name) WHERE revoked_at IS NULL;"
	"CREATE TABLE sessions ("
	" id INTEGER PRIMARY KEY,"
	" hash BLOB NOT NULL UNIQUE,"       /* BLAKE2b-256 of the session id */
	" user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
	" csrf TEXT NOT NULL,"
	" created_at INTEGER NOT NULL,"
	" expires_at INTEGER NOT NULL);"
	"CREATE INDEX sessions_user ON sessions (user_id);"
	"CREATE INDEX sessions_expires ON sessions (expires_at);"
	/* by login name, whether or not such a user exists: refusing an
	 * unknown name costs the same write as refusing a known one */
	"CREATE TABLE login_failures ("
	" name TEXT PRIMARY KEY,"
	" failures INTEGER NOT NULL,"       /* consecutive, since the last lock */
	" locked_until INTEGER NOT NULL,"   /* ms, 0: never locked */
	" updated_at INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE INDEX login_failures_updated ON login_failures (updated_at);",
};

/* ---- statements -------------------------------------------------------------- */

#define USER_COLS                                                                             \
	"u.id, u.name, u.display, u.role, u.teams, u.pw_hash IS NOT NULL, u.disabled, u.created_at," \
	" coalesce(f.failures, 0), coalesce(f.locked_until, 0)"
#define USER_FROM " FROM users u LEFT JOIN login_failures f ON f.name = u.name"
enum { UC_ID, UC_NAME, UC_DISPLAY, UC_ROLE, UC_TEAMS, UC_HASPW, UC_DISABLED, UC_CREATED, UC_FAILURES,
       UC_LOCKED };

/* X(name, sql) */
#define AUTH_STMTS(X)                                                                               \
	X(BEGIN, "BEGIN IMMEDIATE")                                                                 \
	X(COMMIT, "COMMIT")                                                                         \
	X(USER_INSERT,                                                                              \
	  "INSERT INTO users (name, display, role, teams, pw_hash, disabled, created_at)"           \
	  " VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6)")                                                    \
	X(USER_GET, "SELECT " USER_COLS USER_FROM " WHERE u.name = ?1")                             \
	X(USER_LIST, "SELECT " USER_COLS USER_FROM " ORDER BY u.name")                              \
	X(USER_SET_PW, "UPDATE users SET pw_hash = ?2 WHERE name = ?1")                             \
	X(USER_SET_ROLE, "UPDATE users SET role = ?2 WHERE name = ?1")                              \
	X(USER_SET_TEAMS, "UPDATE users SET teams = ?2 WHERE name = ?1")                            \
	X(USER_SET_DISPLAY, "UPDATE users SET display = ?2 WHERE name = ?1")                        \
	X(USER_SET_DISABLED, "UPDATE users SET disabled = ?2 WHERE name = ?1")                      \
	X(USER_LOGIN, "SELECT id, name, role, teams, pw_hash, disabled FROM users WHERE name = ?1") \
	X(USER_REHASH, "UPDATE users SET pw_hash = ?2 WHERE id = ?1")                               \
	X(ADMIN_USER, "SELECT name FROM users WHERE role = 'admin' AND disabled = 0 LIMIT 1")       \
	X(SESSIONS_END_USER, "DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE name = ?1)") \
	X(FAIL_GET, "SELECT locked_until FROM login_failures WHERE name = ?1")                      \
	X(FAIL_RECORD,                                                                              \
	  "INSERT INTO login_failures (name, failures, locked_until, updated_at)"                   \
	  " VALUES (?1, 1, 0, ?2) ON CONFLICT (name) DO UPDATE SET"                                 \
	  " failures = CASE WHEN locked_until > ?2 THEN failures"                                   \
	  "  WHEN failures + 1 >= ?3 THEN 0 ELSE failures + 1 END,"                                 \
	  " locked_until = CASE WHEN locked_until > ?2 THEN locked_until"                           \
	  "  WHEN failures + 1 >= ?3 THEN ?2 + ?4 ELSE locked_until END,"                           \
	  " updated_at = ?2")                                                                       \
	X(FAIL_PURGE, "DELETE FROM login_failures WHERE updated_at < ?1 AND locked_until < ?2")    \
	X(FAIL_CLEAR, "DELETE FROM login_failures WHERE name = ?1")                                 \
	X(TOKEN_INSERT,                                                                             \
	  "INSERT INTO tokens (name, prefix, hash, role, user_id, created_at, expires_at)"          \
	  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")                                                   \
	X(TOKEN_AUTH,                                                                               \
	  "SELECT t.id, t.name, t.role, t.expires_at, t.revoked_at, t.last_used, u.id, u.name,"     \
	  " u.role, u.teams, u.disabled FROM tokens t LEFT JOIN users u ON u.id = t.user_id"        \
	  " WHERE t.hash = ?1")                                                                     \
	X(TOKEN_TOUCH, "UPDATE tokens SET last_used = ?2 WHERE id = ?1")                            \
	X(DATA_VERSION, "PRAGMA data_version")                                                      \
	X(TOKEN_REVOKE, "UPDATE tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL")  \
	X(TOKEN_EXISTS, "SELECT 1 FROM tokens WHERE id = ?1")                                       \
	X(TOKEN_BY_HASH, "SELECT id FROM tokens WHERE hash = ?1")                                   \
	X(ADMIN_TOKEN,                                                                              \
	  "SELECT name FROM tokens WHERE role = 'admin' AND revoked_at IS NULL"                     \
	  " AND (expires_at IS NULL OR expires_at > ?1) LIMIT 1")                                   \
	X(TOKEN_LIST,                                                                               \
	  "SELECT t.id, t.name, t.prefix, t.role, u.name, t.created_at, t.expires_at, t.last_used," \
	  " t.revoked_at FROM tokens t LEFT JOIN users u ON u.id = t.user_id ORDER BY t.id")        \
	X(SESSION_INSERT,                                                                           \
	  "INSERT INTO sessions (hash, user_id, csrf, created_at, expires_at)"                      \
	  " VALUES (?1, ?2, ?3, ?4, ?5)")                                                           \
	X(SESSION_GET,                                                                              \
	  "SELECT s.id, s.csrf, s.expires_at, u.name, u.role, u.teams, u.disabled"                  \
	  " FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.hash = ?1")                    \
	X(SESSION_DELETE, "DELETE FROM sessions WHERE hash = ?1")                                   \
	X(SESSION_PURGE, "DELETE FROM sessions WHERE expires_at <= ?1")

enum stmt_id {
#define X(name, sql) ST_##name,
	AUTH_STMTS(X)
#undef X
	ST__COUNT
};

static const char *const stmt_sql[] = {
#define X(name, sql) sql,
	AUTH_STMTS(X)
#undef X
};

/* Domain keys of the BLAKE2b hashes: not secret (a secret of 256 random bits
 * needs no pepper against a stolen database); they keep a token's hash from
 * ever equalling a session's. */
static const char token_key[] = "ordex.auth.token.v1";
static const char session_key[] = "ordex.auth.session.v1";
#define HASH_BYTES crypto_generichash_BYTES /* 32 */
#define RANDOM_BYTES 32
#define FAILURES_KEEP_MS (24LL * 3600 * 1000) /* forget a name's failures after a quiet day */

static const char *const pragmas[] = { "PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL",
				       "PRAGMA foreign_keys = ON", NULL };

static const struct ox_sqldb_opts db_opts = {
	.edb = OX_AUTH_EDB,
	.eschema = OX_AUTH_ESCHEMA,
	.stmts = stmt_sql,
	.n_stmts = ST__COUNT,
	.migrations = migrations,
	.n_migrations = OX_ARRAY_LEN(migrations),
	.pragmas = pragmas,
	.busy_ms = 5000,
	.private_file = true,
};

struct ox_auth {
	struct ox_sqldb db;
	ox_auth_clock_fn now;
	void *now_ctx;
	unsigned long long opslimit;
	size_t memlimit;
	/* verified against when the user is unknown or has no password, made
	 * with the current limits on the first login of the connection */
	char dummy[crypto_pwhash_STRBYTES];
	unsigned long long dummy_ops;
	size_t dummy_mem;
	const char *deny;      /* reason of the last EDENIED */
	unsigned long deny_at; /* db.failures when it was written: a later failure hides it */
	/* Tokens verified on this connection, trusted again while the file is
	 * as it was then (see token_cache_fresh). */
	struct token_hit {
		unsigned char hash[HASH_BYTES];
		bool used;
		int64_t expires, last_used;
		struct ox_principal p;
	} hits[8];
	size_t next_hit;
	int64_t hits_version, hits_changes; /* data_version, total changes when filled */
	/* inotify on the file and its -wal: while no write came, the cache is
	 * fresh without asking SQLite (a read transaction, two fcntl locks: 8%
	 * of the server's CPU on a reservation). -1: no watch, always ask. */
	int writes_fd;
};

/* ---- principal helpers -------------------------------------------------------------- */

bool ox_principal_in_team(const struct ox_principal *p, const char *team)
{
	if (p->role != OX_ROLE_AGENT)
		return true;
	if (!team || !*team)
		return false;
	for (size_t i = 0; i < p->teams.n; i++)
		if (strcmp(p->teams.name[i], team) == 0)
			return true;
	return false;
}

bool ox_auth_csrf_ok(const struct ox_principal *p, const char *header)
{
	if (!p->from_session)
		return true;
	if (!header)
		return false;
	size_t n = strlen(p->csrf);
	/* the length is public (always 43); the content is compared in constant time */
	return n > 0 && strlen(header) == n && sodium_memcmp(header, p->csrf, n) == 0;
}

int ox_principal_json(const struct ox_principal *p, struct ox_buf *out)
{
	size_t start = out->len;
	int bad = ox_buf_addf(out, "{\"kind\":\"%s\",\"name\":", p->kind == OX_PRINCIPAL_TOKEN ? "token" : "user") < 0 ||
		  ox_buf_add_json_str(out, p->name, strlen(p->name)) < 0 || ox_buf_addz(out, ",\"user\":") < 0 ||
		  (p->user[0] ? ox_buf_add_json_str(out, p->user, strlen(p->user)) : ox_buf_addz(out, "null")) < 0 ||
		  ox_buf_addf(out, ",\"role\":\"%s\",\"perms\":[", ox_role_name(p->role) ? ox_role_name(p->role) : "") < 0;
	const char *sep = "";
	for (unsigned b = 0; !bad && b < OX_PERM__COUNT; b++)
		if (p->perms & (1u << b)) {
			bad = ox_buf_addf(out, "%s\"%s\"", sep, ox_perm_name(1u << b)) < 0;
			sep = ",";
		}
	bad = bad || ox_buf_addz(out, "],\"teams\":[") < 0;
	for (size_t i = 0; !bad && i < p->teams.n; i++)
		bad = ox_buf_addf(out, "%s\"%s\"", i ? "," : "", p->teams.name[i]) < 0;
	bad = bad || ox_buf_addz(out, "]}") < 0;
	if (bad) {
		out->len = start;
		if (out->data)
			out->data[start] = '\0';
		return -1;
	}
	return 0;
}

/* ---- errors, clock, statements ------------------------------------------------------- */

const char *ox_auth_strerror(int err)
{
	static const struct ox_errmsg msgs[] = { OX_AUTH_ERRORS(OX_ERRMSG_ROW) };
	return ox_errmsg_find(msgs, OX_ARRAY_LEN(msgs), err);
}

const char *ox_auth_errmsg(const struct ox_auth *a)
{
	return a->db.err;
}

const char *ox_auth_deny_reason(const struct ox_auth *a)
{
	return a->deny && a->deny_at == a->db.failures ? a->deny : "";
}

/* A refusal: one message per kind of credential, the reason apart. */
static int deny(struct ox_auth *a, const char *reason, const char *msg)
{
	a->deny = reason;
	ox_sqldb_fail(&a->db, OX_AUTH_EDENIED, "%s", msg);
	a->deny_at = a->db.failures;
	return OX_AUTH_EDENIED;
}

static int64_t wall_ms(void *ctx)
{
	(void)ctx;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void ox_auth_set_clock(struct ox_auth *a, ox_auth_clock_fn now, void *ctx)
{
	a->now = now ? now : wall_ms;
	a->now_ctx = now ? ctx : NULL;
}

static int64_t now_ms(struct ox_auth *a)
{
	return a->now(a->now_ctx);
}

void ox_auth_set_pwhash_limits(struct ox_auth *a, unsigned long long opslimit, size_t memlimit)
{
	a->opslimit = opslimit;
	a->memlimit = memlimit;
}

/* ---- validation ------------------------------------------------------------------------ */

/* z for a message: at most 64 bytes, printable ASCII and whole UTF-8
 * characters kept, any other byte as '?'. */
static const char *quote(char out[72], const char *z)
{
	size_t o = 0;
	for (size_t i = 0; z[i] && o < 64;) {
		unsigned char c = (unsigned char)z[i];
		size_t k = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
		bool ok = k > 0 && (k > 1 || (c >= 0x20 && c != 0x7F));
		for (size_t j = 1; ok && j < k; j++)
			ok = ((unsigned char)z[i + j] & 0xC0) == 0x80;
		if (!ok || o + k > 64) {
			out[o++] = '?';
			i++;
			continue;
		}
		memcpy(out + o, z + i, k);
		o += k;
		i += k;
	}
	out[o] = '\0';
	return out;
}

static bool valid_name(const char *z)
{
	size_t n = z ? strlen(z) : 0;
	if (n < 1 || n > OX_AUTH_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = z[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
		      c == '_' || c == '-'))
			return false;
	}
	return true;
}

static bool valid_team(const char *z)
{
	size_t n = z ? strlen(z) : 0;
	if (n < 1 || n > OX_AUTH_TEAM_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((z[i] >= 'a' && z[i] <= 'z') || (z[i] >= 'A' && z[i] <= 'Z') || (z[i] >= '0' && z[i] <= '9') ||
		      z[i] == '_' || z[i] == '-' || z[i] == '.'))
			return false;
	return true;
}

/* Valid UTF-8 (no overlongs, surrogates or values above U+10FFFF) without
 * C0, DEL or C1 control characters. */
static bool valid_display(const char *z)
{
	size_t n = strlen(z);
	return n <= OX_AUTH_DISPLAY_MAX && ox_utf8_text_ok(z, n, true);
}

static int check_name(struct ox_auth *a, const char *field, const char *z)
{
	char qb[72];
	if (!valid_name(z))
		return ox_sqldb_fail(&a->db, OX_AUTH_EINVAL,
				     "%s: expected 1..%d characters of A-Z a-z 0-9 . _ -, got \"%s\"", field,
				     OX_AUTH_NAME_MAX, quote(qb, z ? z : ""));
	return 0;
}

static int check_role(struct ox_auth *a, enum ox_role role)
{
	if ((unsigned)role >= OX_ROLE__COUNT)
		return ox_sqldb_fail(&a->db, OX_AUTH_EINVAL,
				     "role: unknown role %d (admin, supervisor, agent, viewer, ingest)", (int)role);
	return 0;
}

static int check_password(struct ox_auth *a, const char *pw)
{
	size_t n = pw ? strlen(pw) : 0;
	if (n < OX_AUTH_PASSWORD_MIN)
		return ox_sqldb_fail(&a->db, OX_AUTH_EINVAL, "password: shorter than %d bytes", OX_AUTH_PASSWORD_MIN);
	if (n > OX_AUTH_PASSWORD_MAX)
		return ox_sqldb_fail(&a->db, OX_AUTH_EINVAL, "password: longer than %d bytes", OX_AUTH_PASSWORD_MAX);
	return 0;
}

static int check_display(struct ox_auth *a, const char *z)
{
	char qb[72];
	if (z && !valid_display(z))
		return ox_sqldb_fail(&a->db, OX_AUTH_EINVAL,
				     "display: expected at most %d bytes of UTF-8 without control characters, got \"%s\"",
				     OX_AUTH_DISPLAY_MAX, quote(qb, z));
	return 0;
}

/* Validate teams into t (duplicates dropped, order kept). */
static int check_teams(struct ox_auth *a, const char *const *teams, size_t n, struct ox_teams *t)
{
	char qb[72];
	t->n = 0;
	for (size_t i = 0; i < n; i++) {
		if (!valid_team(teams[i]))
			return ox_sqldb_fail(&a->db, OX_AUTH_EINVAL,
					     "teams: expected 1..%d characters of A-Z a-z 0-9 _ - ., got \"%s\"",
					     OX_AUTH_TEAM_MAX, quote(qb, teams[i] ? teams[i] : ""));
		bool dup = false;
		for (size_t j = 0; j < t->n && !dup; j++)
			dup = strcmp(t->name[j], teams[i]) == 0;
		if (dup)
			continue;
		if (t->n == OX_AUTH_TEAMS_MAX)
			return ox_sqldb_fail(&a->db, OX_AUTH_EINVAL, "teams: more than %d teams", OX_AUTH_TEAMS_MAX);
		snprintf(t->name[t->n++], sizeof t->name[0], "%s", teams[i]);
	}
	return 0;
}

static void teams_join(const struct ox_teams *t, char *out, size_t cap)
{
	size_t o = 0;
	out[0] = '\0';
	for (size_t i = 0; i < t->n; i++)
		o += (size_t)snprintf(out + o, cap - o, "%s%s", i ? "," : "", t->name[i]);
}

/* Stored "a,b" back into t; names that are not valid teams are skipped. */
static void teams_split(const char *z, struct ox_teams *t)
{
	t->n = 0;
	while (z && *z && t->n < OX_AUTH_TEAMS_MAX) {
		size_t k = strcspn(z, ",");
		if (k >= 1 && k <= OX_AUTH_TEAM_MAX) {
			memcpy(t->name[t->n], z, k);
			t->name[t->n][k] = '\0';
			if (valid_team(t->name[t->n]))
				t->n++;
		}
		z += k + (z[k] == ',');
	}
}
#define TEAMS_JOINED_MAX (OX_AUTH_TEAMS_MAX * (OX_AUTH_TEAM_MAX + 1) + 1)

/* ---- open, migrate, close ------------------------------------------------------------ */

/* A watch for writes to the database at path: every commit writes its -wal
 * (journal_mode WAL, which the connection holds open, so it is not deleted
 * under us) and a checkpoint the file itself. -1 when either cannot be
 * watched (":memory:", no inotify instance left): the cache then asks
 * SQLite each time. */
static int watch_writes(const char *path)
{
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0)
		return -1;
	const uint32_t mask = IN_MODIFY | IN_DELETE_SELF | IN_MOVE_SELF;
	char wal[4096];
	if (snprintf(wal, sizeof wal, "%s-wal", path) >= (int)sizeof wal || inotify_add_watch(fd, path, mask) < 0 ||
	    inotify_add_watch(fd, wal, mask) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* No write to the file since the last call? Reads what the watch saw, so
 * that a write after this call is seen by the next one. A watch the kernel
 * dropped (the file deleted or moved: IN_IGNORED) can see no more writes:
 * closed, and the cache asks SQLite from then on. */
static bool file_untouched(struct ox_auth *a)
{
	if (a->writes_fd < 0)
		return false;
	bool untouched = true;
	for (;;) {
		char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
		ssize_t n = read(a->writes_fd, buf, sizeof buf);
		if (n < 0 && errno == EAGAIN)
			return untouched;
		untouched = false;
		const struct inotify_event *e;
		bool dropped = n <= 0;
		for (ssize_t at = 0; at < n; at += (ssize_t)(sizeof *e + e->len)) {
			e = (const struct inotify_event *)(buf + at);
			dropped |= (e->mask & IN_IGNORED) != 0;
		}
		if (dropped) {
			close(a->writes_fd);
			a->writes_fd = -1;
			return false;
		}
	}
}

int ox_auth_open(struct ox_auth **out, const char *path, char *err, size_t errsz)
{
	*out = NULL;
	struct ox_auth *a = ox_xcalloc(1, sizeof *a);
	a->now = wall_ms;
	a->opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
	a->memlimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;
	int rc;
	if (sodium_init() < 0) {
		rc = ox_sqldb_fail(&a->db, OX_AUTH_EDB, "libsodium cannot be initialised");
		goto bad;
	}
	a->writes_fd = -1;
	a->hits_version = -1;
	if ((rc = ox_sqldb_open(&a->db, path, &db_opts)))
		goto bad;
	a->writes_fd = watch_writes(path);
	*out = a;
	return 0;
bad:
	if (err && errsz)
		snprintf(err, errsz, "%s: %s", path, a->db.err);
	ox_auth_close(a);
	return rc;
}

void ox_auth_close(struct ox_auth *a)
{
	if (!a)
		return;
	ox_sqldb_close(&a->db);
	if (a->writes_fd >= 0)
		close(a->writes_fd);
	sodium_memzero(a->dummy, sizeof a->dummy);
	free(a);
}

/* ---- passwords ------------------------------------------------------------------------- */

static void hash_password(struct ox_auth *a, const char *pw, char out[crypto_pwhash_STRBYTES])
{
	/* fails only when the memory for Argon2 cannot be had: out of memory */
	if (crypto_pwhash_str(out, pw, strlen(pw), a->opslimit, a->memlimit) != 0) {
		fprintf(stderr, "ordex: out of memory hashing a password (%zu bytes)\n", a->memlimit);
		abort();
	}
}

static void ensure_dummy(struct ox_auth *a)
{
	if (a->dummy[0] && a->dummy_ops == a->opslimit && a->dummy_mem == a->memlimit)
		return;
	unsigned char pw[16];
	char z[2 * sizeof pw + 1];
	randombytes_buf(pw, sizeof pw);
	sodium_bin2hex(z, sizeof z, pw, sizeof pw);
	hash_password(a, z, a->dummy);
	a->dummy_ops = a->opslimit;
	a->dummy_mem = a->memlimit;
}

/* ---- users ------------------------------------------------------------------------------- */

static bool is_unique_violation(struct ox_auth *a)
{
	int e = sqlite3_extended_errcode(a->db.conn);
	return e == SQLITE_CONSTRAINT_UNIQUE || e == SQLITE_CONSTRAINT_PRIMARYKEY;
}

int ox_auth_user_add(struct ox_auth *a, const char *name, const char *display, enum ox_role role,
		     const char *const *teams, size_t n_teams, const char *password)
{
	struct ox_teams t;
	int rc;
	if ((rc = check_name(a, "name", name)) || (rc = check_display(a, display)) || (rc = check_role(a, role)) ||
	    (rc = check_teams(a, teams, n_teams, &t)) || (password && (rc = check_password(a, password))))
		return rc;
	char joined[TEAMS_JOINED_MAX], hash[crypto_pwhash_STRBYTES];
	teams_join(&t, joined, sizeof joined);
	if (password)
		hash_password(a, password, hash);
	sqlite3_stmt *q = ox_sqldb_stmt(&a->db, ST_USER_INSERT);
	if (!q)
		return OX_AUTH_EDB;
	ox_sqldb_bind_text(q, 1, name);
	ox_sqldb_bind_text(q, 2, display ? display : "");
	ox_sqldb_bind_text(q, 3, ox_role_name(role));
	ox_sqldb_bind_text(q, 4, joined);
	ox_sqldb_bind_text(q, 5, password ? hash : NULL);
	sqlite3_bind_int64(q, 6, now_ms(a));
	rc = sqlite3_step(q);
	ox_sqldb_done(q);
	if (rc == SQLITE_DONE)
		return 0;
	if (is_unique_violation(a))
		return ox_sqldb_fail(&a->db, OX_AUTH_EEXISTS, "user \"%s\": already exists", name);
	return ox_sqldb_dberr(&a->db, "add user");
}

static int user_row(sqlite3_stmt *q, struct ox_auth_user *u)
{
	memset(u, 0, sizeof *u);
	int r = ox_role_parse(ox_sqldb_col_text(q, UC_ROLE));
	u->id = sqlite3_column_int64(q, UC_ID);
	snprintf(u->name, sizeof u->name, "%s", ox_sqldb_col_text(q, UC_NAME));
	snprintf(u->display, sizeof u->display, "%s", ox_sqldb_col_text(q, UC_DISPLAY));
	u->role = r < 0 ? OX_ROLE_VIEWER : (enum ox_role)r;
	teams_split(ox_sqldb_col_text(q, UC_TEAMS), &u->teams);
	u->has_password = sqlite3_column_int(q, UC_HASPW) != 0;
	u->disabled = sqlite3_column_int(q, UC_DISABLED) != 0;
	u->created_at = sqlite3_column_int64(q, UC_CREATED);
	u->failed_logins = sqlite3_column_int(q, UC_FAILURES);
	u->locked_until = sqlite3_column_int64(q, UC_LOCKED);
	return r;
}

int ox_auth_user_get(struct ox_auth *a, const char *name, struct ox_auth_user *out)
{
	int rc = check_name(a, "name", name);
	sqlite3_stmt *q = rc ? NULL : ox_sqldb_stmt(&a->db, ST_USER_GET);
	if (rc || !q)
		return rc ? rc : OX_AUTH_EDB;
	ox_sqldb_bind_text(q, 1, name);
	rc = sqlite3_step(q);
	int role = rc == SQLITE_ROW ? user_row(q, out) : 0;
	ox_sqldb_done(q);
	if (rc == SQLITE_DONE)
		return ox_sqldb_fail(&a->db, OX_AUTH_ENOTFOUND, "user \"%s\": not found", name);
	if (rc != SQLITE_ROW)
		return ox_sqldb_dberr(&a->db, "get user");
	if (role < 0)
		return ox_sqldb_fail(&a->db, OX_AUTH_EDB, "user \"%s\": stored role is unknown", name);
	return 0;
}

/* Run an UPDATE of one user by name (?1) with ?2 bound by the caller. */
static int update_user(struct ox_auth *a, sqlite3_stmt *q, const char *name, const char *what)
{
	ox_sqldb_bind_text(q, 1, name);
	int rc = ox_sqldb_run(&a->db, q, what);
	if (rc)
		return rc;
	if (sqlite3_changes(a->db.conn) == 0)
		return ox_sqldb_fail(&a->db, OX_AUTH_ENOTFOUND, "user \"%s\": not found", name);
	return 0;
}

/* Run fn inside BEGIN IMMEDIATE .. COMMIT. */
static int in_tx(struct ox_auth *a, int (*fn)(struct ox_auth *, void *), void *ctx)
{
	int rc = ox_sqldb_run_id(&a->db, ST_BEGIN);
	if (rc)
		return rc;
	if ((rc = fn(a, ctx)) || (rc = ox_sqldb_run_id(&a->db, ST_COMMIT)))
		return ox_sqldb_rollback(&a->db, rc);
	return 0;
}

struct user_change {
	const char *name;
	const char *text; /* password hash, role, teams or display */
	int flag;         /* disabled */
};

static int end_sessions(struct ox_auth *a, const char *name)
{
	sqlite3_stmt *q = ox_sqldb_stmt(&a->db, ST_SESSIONS_END_USER);
	if (!q)
		return OX_AUTH_EDB;
	ox_sqldb_bind_text(q, 1, name);
	return ox_sqldb_run(&a->db, q, "end sessions");
}

static int clear_failures(struct ox_auth *a, const char *name)
{
	sqlite3_stmt *q = ox_sqldb_stmt(&a->db, ST_FAIL_CLEAR);
	if (!q)
		return OX_AUTH_EDB;
	ox_sqldb_bind_text(q, 1, name);
	return ox_sqldb_run(&a->db, q, "clear failed logins");
}

static int tx_set_password(struct ox_auth *a, void *ctx)
{
	struct user_change *c = ctx;
	sqlite3_stmt *q = ox_sqldb_stmt(&a->db, ST_USER_SET_PW);
	if (!q)
		return OX_AUTH_EDB;
	ox_sqldb_bind_text(q, 2, c->text);
	int rc = update_user(a, q, c->name, "set password");
	return rc ? rc : (rc = end_sessions(a, c->name)) ? rc : clear_failures(a, c->name);
}

int ox_auth_user_set_password(struct ox_auth *a, const char *name, const char *password)
{
	int rc;
	if ((rc = check_name(a, "name", name)) || (rc = check_password(a, password)))
		return rc;
	char hash[crypto_pwhash_STRBYTES];
	hash_password(a, password, hash);
	struct user_change c = { .name = name, .text = hash };
	return in_tx(a, tx_set_password, &c);
}

static int set_column(struct ox_auth *a, enum stmt_id id, const char *name, const char *text)
{
	int rc = check_name(a, "name", name);
	sqlite3_stmt *q = rc ? NULL : ox_sqldb_stmt(&a->db, id);
	if (rc || !q)
		return rc ? rc : OX_AUTH_EDB;
	ox_sqldb_bind_text(q, 2, text);
	return update_user(a, q, name, stmt_sql[id]);
}

int ox_auth_user_set_role(struct ox_auth *a, const char *name, enum ox_role role)
{
	int rc = check_role(a, role);
	return rc ? rc : set_column(a, ST_USER_SET_ROLE, name, ox_role_name(role));
}

int ox_auth_user_set_teams(struct ox_auth *a, const char *name, const char *const *teams, size_t n)
{
	struct ox_teams t;
	char joined[TEAMS_JOINED_MAX];
	int rc = check_teams(a, teams, n, &t);
	if (rc)
		return rc;
	teams_join(&t, joined, sizeof joined);
	return set_column(a, ST_USER_SET_TEAMS, name, joined);
}

int ox_auth_user_set_display(struct ox_auth *a, const char *name, const char *display)
{
	int rc = check_display(a, display);
	return rc ? rc : set_column(a, ST_USER_SET_DISPLAY, name, display ? display : "");
}

static int tx_set_disabled(struct ox_auth *a, void *ctx)
{
	struct user_change *c = ctx;
	sqlite3_stmt *q = ox_sqldb_stmt(&a->db, ST_USER_SET_DISABLED);
	if (!q)
		return OX_AUTH_EDB;
	sqlite3_bind_int(q, 2, c->flag);
	int rc = update_user(a, q, c->name, "set disabled");
	if (rc)
		return rc;
	return c->flag ? end_sessions(a, c->name) : clear_failures(a, c->name);
}

int ox_auth_user_set_disabled(struct ox_auth *a, const char *name, bool disabled)
{
	int rc = check_name(a, "name", name);
	struct user_change c = { .name = name, .flag = disabled };
	return rc ? rc : in_tx(a, tx_set_disabled, &c);
}

static int add_time_or_null(struct ox_buf *b, int64_t t)
{
	return ox_time_json(b, t);
}

int ox_auth_user_list_json(struct ox_auth *a, struct ox_buf *out)
{
	sqlite3_stmt *q = ox_sqldb_stmt(&a->db, ST_USER_LIST);
	if (!q)
		return OX_AUTH_EDB;
	size_t start = out->len;
	int64_t now = now_ms(a);
	int rc = SQLITE_DONE, bad = ox_buf_addz(out, "{\"users\":[") < 0;
	size_t n = 0;
	while (!bad && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct ox_auth_user u;
		user_row(q, &u);
		bad = ox_buf_addz(out, n++ ? ",{\"name\":" : "{\"name\":") < 0 ||
		      ox_buf_add_json_str(out, u.name, strlen(u.name)) < 0 || ox_buf_addz(out, ",\"display\":") < 0 ||
		      ox_buf_add_json_str(out, u.display, strlen(u.display)) < 0 ||
		      ox_buf_addf(out, ",\"role\":\"%s\",\"teams\":[", ox_sqldb_col_text(q, UC_ROLE)) < 0;
		for (size_t i = 0; !bad && i < u.teams.n; i++)
			bad = ox_buf_addf(out, "%s\"%s\"", i ? "," : "", u.teams.name[i]) < 0;
		bad = bad ||
		      ox_buf_addf(out, "],\"disabled\":%s,\"has_password\":%s,\"created_at\":",
				  u.disabled ? "true" : "false", u.has_password ? "true" : "false") < 0 ||
		      add_time_or_null(out, u.created_at) < 0 || ox_buf_addz(out, ",\"locked_until\":") < 0 ||
		      add_time_or_null(out, u.locked_until > now ? u.locked_until : OX_TIME_NONE) < 0 ||
		      ox_buf_addz(out, "}") < 0;
	}
	if (!bad && rc != SQLITE_DONE)
		rc = ox_sqldb_dberr(&a->db, "list users");
	else
		rc = 0;
	ox_sqldb_done(q);
	if (!rc && (bad || ox_buf_addz(out, "]}") < 0))
		rc = ox_sqldb_fail(&a->db, OX_AUTH_ETOOBIG, "list users: over the output buffer's maximum of %zu bytes",
				   out->max);
	if (rc) {
		out->len = start;
		if (out->data)
			out->data[start] = '\0';
	}
	return rc;
}

/* ---- tokens ----------------------------------------------------------------------------- */

static void hash_secret(const char *key, const char *secret, unsigned char out[HASH_BYTES])
{
	crypto_generichash(out, HASH_BYTES, (const unsigned char *)secret, strlen(secret),
			   (const unsigned char *)key, strlen(key));
}

/* prefix + base64url of 32 random bytes */
static void random_secret(const char *prefix, char *out, size_t cap)
{
	unsigned char r[RANDOM_BYTES];
	size_t k = strlen(prefix);
	randombytes_buf(r, sizeof r);
	memcpy(out, prefix, k);
	sodium_bin2base64(out + k, cap - k, r, sizeof r, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(r, sizeof r);
}

static bool covers(enum ox_role user_role, enum ox_role token_role)
{
	unsigned t = ox_role_perms(token_role);
	return (ox_role_perms(user_role) & t) == t;
}

static int insert_token(struct ox_auth *a, const char *name, const char *prefix, const unsigned char *hash,
			enum ox_role role, int64_t user_id, int64_t expires_at, int64_t *id)
{
	sqlite3_stmt *q = ox_sqldb_stmt(&a->db, ST_TOKEN_INSERT);
	if (!q)
		return OX_AUTH_EDB;
	ox_sqldb_bind_text(q, 1, name);
	ox_sqldb_bind_text(q, 2, prefix);
	sqlite3_bind_blob(q, 3, hash, HASH_BYTES, SQLITE_STATIC);
	ox_sqldb_bind_text(q, 4, ox_role_name(role));
	if (user_id)
		sqlite3_bind_int64(q, 5, user_id);
	else
		sqlite3_bind_null(q, 5);
	sqlite3_bind_int64(q, 6, now_ms(a));
	if (expires_at)
		sqlite3_bind_int64(q, 7, expires_at);
	else
		sqlite3_bind_null(q, 7);
	int rc = sqlite3_step(q);
	ox_sqldb_done(q);
	if (rc == SQLITE_DONE) {
		if (id)
			*id = sqlite3_last_insert_rowid(a->db.conn);
		return 0;
	}
	if (is_unique_violation(a))
		return ox_sqldb_fail(&a->db, OX_AUTH_EEXISTS, "token \"%s\": a token that is not revoked has this name",
				     name);
	return ox_sqldb_dberr(&a->db, "create token");
}

int ox_auth_token_create(struct ox_auth *a, const char *name, enum ox_role role, const char *user,
			 int64_t expires_at, char secret_out[OX_AUTH_SECRET_BUFSZ], int64_t *id)
{
	int rc;
	if ((rc = check_name(a, "name", name)) || (rc = check_role(a, role)) || (user && (rc = check_name(a, "user", user))))
		return rc;
	if (expires_at < 0 || (expires_at && expires_at <= now_ms(a)))
		return ox_sqldb_fail(&a->db, OX_AUTH_EINVAL, "expires_at: %" PRId64 " is not in the future",
				     expires_at);
	int64_t user_id = 0;
	if (user) {
		struct ox_auth_user u;
		if ((rc = ox_auth_user_get(a, user, &u)))
			return rc;
		if (u.disabled)
			return ox_sqldb_fail(&a->db, OX_AUTH_EINVAL, "user: \"%s\" is disabled", user);
		if (!covers(u.role, role))
			return ox_sqldb_fail(&a->db, OX_AUTH_EINVAL,
					     "role: %s has permissions that user \"%s\" (%s) lacks", ox_role_name(role),
					     user, ox_role_name(u.role));
		user_id = u.id;
	}
	char secret[OX_AUTH_SECRET_BUFSZ], prefix[OX_AUTH_PREFIX_BUFSZ];
	unsigned char hash[HASH_BYTES];
	random_secret("oxt_", secret, sizeof secret);
	snprintf(prefix, sizeof prefix, "%.8s", secret);
	hash_secret(token_key, secret, hash);
	rc = insert_token(a, name, prefix, hash, role, user_id, expires_at, id);
	if (!rc)
		memcpy(secret_out, secret, strlen(secret) + 1);
	sodium_memzero(secret, sizeof secret);
	return rc;
}

int ox_auth_token_revoke(struct ox_auth *a, int64_t id)
{
	sqlite3_stmt *q = ox_sqldb_stmt(&a->db, ST_TOKEN_REVOKE);
	if (!q)
		return OX_AUTH_EDB;
	sqlite3_bind_int64(q, 1, id);
	sqlite3_bind_int64(q, 2, now_ms(a));
	int rc = ox_sqldb_run(&a->db, q, "revoke token");
	if (rc || sqlite3_changes(a->db.conn) > 0)
		return rc;
	if (!(q = ox_sqldb_stmt(&a->db, ST_TOKEN_EXISTS)))
		return OX_AUTH_EDB;
	sqlite3_bind_int64(q, 1, id);
	rc = sqlite3_step(q);
	ox_sqldb_done(q);
	if (rc == SQLITE_ROW)
		return 0; /* revoked before */
	if (rc == SQLITE_DONE)
		return ox_sqldb_fail(&a->db, OX_AUTH_ENOTFOUND, "token %" PRId64 ": not found", id);
	return ox_sqldb_dberr(&a->db, "revoke token");
}

int ox_auth_token_list_json(struct ox_auth *a, struct ox_buf *out)
{
	sqlite3_stmt *q = ox_sqldb_stmt(&a->db, ST_TOKEN_LIST);
	if (!q)
		return OX_AUTH_EDB;
	size_t start = out->len;
	int64_t now = now_ms(a);
	int rc = SQLITE_DONE, bad = ox_buf_addz(out, "{\"tokens\":[") < 0;
	size_t n = 0;
	while (!bad && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		int64_t expires = ox_sqldb_col_time(q, 6), revoked = ox_sqldb_col_time(q, 8);
		const char *status = revoked != OX_TIME_NONE			   ? "revoked"
				     : expires != OX_TIME_NONE && expires <= now ? "expired"
										   : "active";
		const char *user = (const char *)sqlite3_column_text(q, 4);
		bad = ox_buf_addf(out, "%s{\"id\":%" PRId64 ",\"name\":", n++ ? "," : "",
				  (int64_t)sqlite3_column_int64(q, 0)) < 0 ||
		      ox_buf_add_json_str(out, ox_sqldb_col_text(q, 1), strlen(ox_sqldb_col_text(q, 1))) < 0 ||
		      ox_buf_addz(out, ",\"prefix\":") < 0 ||
		      ox_buf_add_json_str(out, ox_sqldb_col_text(q, 2), strlen(ox_sqldb_col_text(q, 2))) < 0 ||
		      ox_buf_addf(out, ",\"role\":\"%s\",\"user\":", ox_sqldb_col_text(q, 3)) < 0 ||
		      (user ? ox_buf_add_json_str(out, user, strlen(user)) : ox_buf_addz(out, "null")) < 0 ||
		      ox_buf_addf(out, ",\"status\":\"%s\",\"created_at\":", status) < 0 ||
		      add_time_or_null(out, ox_sqldb_col_time(q, 5)) < 0 || ox_buf_addz(out, ",\"expires_at\":") < 0 ||
		      add_time_or_null(out, expires) < 0 || ox_buf_addz(out, ",\"last_used\":") < 0 ||
		      add_time_or_null(out, ox_sqldb_col_time(q, 7)) < 0 || ox_buf_addz(out, ",\"revoked_at\":") < 0 ||
		      add_time_or_null(out, revoked) < 0 || ox_buf_addz(out, "}") < 0;
	}
	if (!bad && rc != SQLITE_DONE)
		rc = ox_sqldb_dberr(&a->db, "list tokens");
	else
		rc = 0;
	ox_sqldb_done(q);
	if (!rc && (bad || ox_buf_addz(out, "]}") < 0))
		rc = ox_sqldb_fail(&a->db, OX_AUTH_ETOOBIG,
				   "list tokens: over the output buffer's maximum of %zu bytes", out->max);
	if (rc) {
		out->len = start;
		if (out->data)
			out->data[start] = '\0';
	}
	return rc;
}

/* ---- bootstrap ------------------------------------------------------------------------ */

static bool valid_secret(const char *z)
{
	size_t n = z ? strlen(z) : 0;
	if (n < OX_AUTH_SECRET_MIN || n > OX_AUTH_SECRET_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (z[i] < 0x21 || z[i] > 0x7E)
			return false;
	return true;
}

/* The first column of the first row of a statement, as text into out ("" if none). */
static int first_name(struct ox_auth *a, sqlite3_stmt *q, char *out, size_t cap, const char *what)
{
	int rc = sqlite3_step(q);
	snprintf(out, cap, "%s", rc == SQLITE_ROW ? ox_sqldb_col_text(q, 0) : "");
	ox_sqldb_done(q);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ox_sqldb_dberr(&a->db, what);
}

struct bootstrap {
	const char *secret;
	bool created;
};

static int tx_bootstrap(struct ox_auth *a, void *ctx)
{
	struct bootstrap *b = ctx;
	unsigned char hash[HASH_BYTES];
	hash_secret(token_key, b->secret, hash);
	sqlite3_stmt *q = ox_sqldb_stmt(&a->db, ST_TOKEN_BY_HASH);
	if (!q)
		return OX_AUTH_EDB;
	sqlite3_bind_blob(q, 1, hash, HASH_BYTES, SQLITE_STATIC);
	int rc = sqlite3_step(q);
	ox_sqldb_done(q);
	if (rc == SQLITE_ROW)
		return 0; /* made at an earlier start */
	if (rc != SQLITE_DONE)
		return ox_sqldb_dberr(&a->db, "bootstrap");
	char who[OX_AUTH_NAME_MAX + 1];
	if (!(q = ox_sqldb_stmt(&a->db, ST_ADMIN_USER)) || (rc = first_name(a, q, who, sizeof who, "bootstrap")))
		return q ? rc : OX_AUTH_EDB;
	if (who[0])
		return ox_sqldb_fail(&a->db, OX_AUTH_EDENIED,
			    "bootstrap token: refused, admin user \"%s\" exists and a second way in would be a backdoor;"
			    " remove the bootstrap token from the configuration",
			    who);
	if (!(q = ox_sqldb_stmt(&a->db, ST_ADMIN_TOKEN)))
		return OX_AUTH_EDB;
	sqlite3_bind_int64(q, 1, now_ms(a));
	if ((rc = first_name(a, q, who, sizeof who, "bootstrap")))
		return rc;
	if (who[0])
		return ox_sqldb_fail(&a->db, OX_AUTH_EDENIED,
			    "bootstrap token: refused, admin token \"%s\" exists and a second way in would be a backdoor;"
			    " remove the bootstrap token from the configuration",
			    who);
	if ((rc = insert_token(a, "bootstrap", "", hash, OX_ROLE_ADMIN, 0, 0, NULL)))
		return rc;
	b->created = true;
	return 0;
}

int ox_auth_bootstrap(struct ox_auth *a, const char *secret, bool *created)
{
	if (created)
		*created = false;
	if (!valid_secret(secret))
		return ox_sqldb_fail(&a->db, OX_AUTH_EINVAL,
				     "bootstrap token: expected %d..%d printable ASCII characters without space, got %zu bytes",
				     OX_AUTH_SECRET_MIN, OX_AUTH_SECRET_MAX, secret ? strlen(secret) : 0);
	struct bootstrap b = { .secret = secret };
	int rc = in_tx(a, tx_bootstrap, &b);
	a->deny = NULL;
	if (!rc && created)
		*created = b.created;
	return rc;
}

/* ---- authentication -------------------------------------------------------------------- */

static const char token_denied[] = "token: not valid (unknown, revoked or expired)";
static const char login_denied[] = "login: wrong user name or password";
static const char session_denied[] = "session: not valid (unknown, ended or expired)";

static bool plausible_secret(const char *z)
{
	size_t n = z ? strlen(z) : 0;
	return n >= 1 && n <= OX_AUTH_SECRET_MAX;
}

static void principal_init(struct ox_principal *p, enum ox_principal_kind kind)
{
	memset(p, 0, sizeof *p);
	p->kind = kind;
}

/* Is the file as it was when the token cache was filled? PRAGMA
 * data_version moves when another connection commits (this process's other
 * connections, the command line's), the connection's total changes when it
 * writes itself (a revoke, a role...): either empties the cache. Neither
 * can have moved while the watch saw no write (read before data_version,
 * so a write in between is seen next time). */
static bool token_cache_fresh(struct ox_auth *a)
{
	int64_t version = -1, changes = sqlite3_total_changes64(a->db.conn);
	bool untouched = file_untouched(a);
	if (untouched && a->hits_version >= 0 && changes == a->hits_changes)
		return true;
	sqlite3_stmt *q = ox_sqldb_stmt(&a->db, ST_DATA_VERSION);
	if (q && sqlite3_step(q) == SQLITE_ROW)
		version = sqlite3_column_int64(q, 0);
	if (q)
		ox_sqldb_done(q);
	if (version >= 0 && version == a->hits_version && changes == a->hits_changes)
		return true;
	memset(a->hits, 0, sizeof a->hits);
	a->hits_version = version;
	a->hits_changes = changes;
	return false;
}

/* A token verified before and still good: no expiry since, and no last_used
 * to write yet (that goes through the lookup). */
static const struct token_hit *token_cached(struct ox_auth *a, const unsigned char hash[HASH_BYTES], int64_t now)
{
	if (!token_cache_fresh(a))
		return NULL;
	for (size_t i = 0; i < OX_ARRAY_LEN(a->hits); i++) {
		const struct token_hit *h = &a->hits[i];
		if (!h->used || sodium_memcmp(h->hash, hash, HASH_BYTES) != 0)
			continue;
		bool expired = h->expires != OX_TIME_NONE && now >= h->expires;
		bool touch = now - h->last_used >= OX_AUTH_LAST_USED_MS || now < h->last_used;
		return expired || touch ? NULL : h;
	}
	return NULL;
}

static void token_remember(struct ox_auth *a, const unsigned char hash[HASH_BYTES], int64_t expires,
			   int64_t last_used, const struct ox_principal *p)
{
	if (a->hits_version < 0)
		return; /* no version: never trusted */
	struct token_hit *h = &a->hits[a->next_hit++ % OX_ARRAY_LEN(a->hits)];
	memcpy(h->hash, hash, HASH_BYTES);
	h->used = true;
	h->expires = expires;
	h->last_used = last_used;
	h->p = *p;
	a->hits_changes = sqlite3_total_changes64(a->db.conn); /* its own last_used write */
}

int ox_auth_bearer(struct ox_auth *a, const char *secret, struct ox_principal *out)
{
	a->deny = NULL;
	if (!plausible_secret(secret))
		return deny(a, "format", token_denied);
	unsigned char hash[HASH_BYTES];
	hash_secret(token_key, secret, hash);
	const struct token_hit *hit = token_cached(a, hash, now_ms(a));
	if (hit) {
		*out = hit->p;
		return 0;
	}
	sqlite3_stmt *q = ox_sqldb_stmt(&a->db, ST_TOKEN_AUTH);
	if (!q)
		return OX_AUTH_EDB;
	sqlite3_bind_blob(q, 1, hash, HASH_BYTES, SQLITE_STATIC);
	int rc = sqlite3_step(q);
	if (rc != SQLITE_ROW) {
		ox_sqldb_done(q);
		return rc == SQLITE_DONE ? deny(a, "unknown", token_denied) : ox_sqldb_dberr(&a->db, "token");
	}
	int64_t now = now_ms(a), id = sqlite3_column_int64(q, 0);
	int64_t expires = ox_sqldb_col_time(q, 3), revoked = ox_sqldb_col_time(q, 4);
	int64_t last_used = ox_sqldb_col_time(q, 5);
	bool has_user = sqlite3_column_type(q, 6) != SQLITE_NULL;
	int role = ox_role_parse(ox_sqldb_col_text(q, 2));
	int user_role = has_user ? ox_role_parse(ox_sqldb_col_text(q, 8)) : role;
	const char *why = NULL;
	if (role < 0 || user_role < 0)
		why = "role";
	else if (revoked != OX_TIME_NONE)
		why = "revoked";
	else if (expires != OX_TIME_NONE && now >= expires)
		why = "expired";
	else if (has_user && sqlite3_column_int(q, 10))
		why = "disabled";
	else if (!covers((enum ox_role)user_role, (enum ox_role)role))
		why = "role";
	if (!why) {
		principal_init(out, OX_PRINCIPAL_TOKEN);
		snprintf(out->name, sizeof out->name, "token:%.*s", OX_AUTH_NAME_MAX, ox_sqldb_col_text(q, 1));
		if (has_user) {
			snprintf(out->user, sizeof out->user, "%s", ox_sqldb_col_text(q, 7));
			teams_split(ox_sqldb_col_text(q, 9), &out->teams);
		}
		out->role = (enum ox_role)role;
		out->perms = ox_role_perms(out->role);
		out->id = id;
	}
	ox_sqldb_done(q);
	if (why)
		return deny(a, why, token_denied);
	if (last_used == OX_TIME_NONE || now - last_used >= OX_AUTH_LAST_USED_MS || now < last_used) {
		/* bookkeeping only: a busy database must not refuse the request */
		if ((q = ox_sqldb_stmt(&a->db, ST_TOKEN_TOUCH))) {
			sqlite3_bind_int64(q, 1, id);
			sqlite3_bind_int64(q, 2, now);
			if (sqlite3_step(q) == SQLITE_DONE)
				last_used = now;
			ox_sqldb_done(q);
		}
	}
	if (last_used != OX_TIME_NONE)
		token_remember(a, hash, expires, last_used, out);
	return 0;
}

/* One denied login: count it against the name (known or not) in one
 * transaction, which also forgets names quiet for a day. */
static void record_failure(struct ox_auth *a, const char *name, int64_t now)
{
	sqlite3_stmt *p = ox_sqldb_stmt(&a->db, ST_FAIL_PURGE), *q = ox_sqldb_stmt(&a->db, ST_FAIL_RECORD);
	if (!p || !q || ox_sqldb_run_id(&a->db, ST_BEGIN))
		return;
	sqlite3_bind_int64(p, 1, now - FAILURES_KEEP_MS);
	sqlite3_bind_int64(p, 2, now);
	ox_sqldb_bind_text(q, 1, name);
	sqlite3_bind_int64(q, 2, now);
	sqlite3_bind_int(q, 3, OX_AUTH_LOCK_FAILURES);
	sqlite3_bind_int64(q, 4, OX_AUTH_LOCK_MS);
	if (ox_sqldb_run(&a->db, p, "purge failed logins") || ox_sqldb_run(&a->db, q, "record failed login") ||
	    ox_sqldb_run_id(&a->db, ST_COMMIT))
		ox_sqldb_rollback(&a->db, 0);
}

struct login {
	int64_t user_id, now, ttl;
	const char *name, *rehash;
	unsigned char hash[HASH_BYTES];
	const char *csrf;
};

static int tx_login(struct ox_auth *a, void *ctx)
{
	struct login *l = ctx;
	sqlite3_stmt *q;
	int rc;
	if ((rc = clear_failures(a, l->name)))
		return rc;
	if (l->rehash) {
		if (!(q = ox_sqldb_stmt(&a->db, ST_USER_REHASH)))
			return OX_AUTH_EDB;
		sqlite3_bind_int64(q, 1, l->user_id);
		ox_sqldb_bind_text(q, 2, l->rehash);
		if ((rc = ox_sqldb_run(&a->db, q, "rehash password")))
			return rc;
	}
	if (!(q = ox_sqldb_stmt(&a->db, ST_SESSION_PURGE)))
		return OX_AUTH_EDB;
	sqlite3_bind_int64(q, 1, l->now);
	if ((rc = ox_sqldb_run(&a->db, q, "purge sessions")))
		return rc;
	if (!(q = ox_sqldb_stmt(&a->db, ST_SESSION_INSERT)))
		return OX_AUTH_EDB;
	sqlite3_bind_blob(q, 1, l->hash, HASH_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, l->user_id);
	ox_sqldb_bind_text(q, 3, l->csrf);
	sqlite3_bind_int64(q, 4, l->now);
	sqlite3_bind_int64(q, 5, l->now + l->ttl);
	return ox_sqldb_run(&a->db, q, "create session");
}

int ox_auth_login(struct ox_auth *a, const char *user, const char *password, int64_t ttl_ms,
		  char session_out[OX_AUTH_SESSION_BUFSZ], char csrf_out[OX_AUTH_CSRF_BUFSZ],
		  struct ox_principal *out)
{
	a->deny = NULL;
	if (ttl_ms < 1 || ttl_ms > OX_AUTH_SESSION_TTL_MAX)
		return ox_sqldb_fail(&a->db, OX_AUTH_EINVAL, "ttl_ms: expected 1..%lld, got %" PRId64,
				     OX_AUTH_SESSION_TTL_MAX, ttl_ms);
	ensure_dummy(a);
	if (!password)
		password = "";
	size_t pwlen = strnlen(password, OX_AUTH_PASSWORD_MAX + 1);
	int64_t now = now_ms(a);
	bool valid = valid_name(user);

	/* the user, and the lockout of the name */
	int64_t user_id = 0, locked_until = 0;
	int role = -1, disabled = 0;
	char stored[crypto_pwhash_STRBYTES] = "", teams[TEAMS_JOINED_MAX] = "";
	sqlite3_stmt *q;
	int rc;
	if (valid) {
		if (!(q = ox_sqldb_stmt(&a->db, ST_USER_LOGIN)))
			return OX_AUTH_EDB;
		ox_sqldb_bind_text(q, 1, user);
		rc = sqlite3_step(q);
		if (rc == SQLITE_ROW) {
			user_id = sqlite3_column_int64(q, 0);
			role = ox_role_parse(ox_sqldb_col_text(q, 2));
			snprintf(teams, sizeof teams, "%s", ox_sqldb_col_text(q, 3));
			snprintf(stored, sizeof stored, "%s", ox_sqldb_col_text(q, 4));
			disabled = sqlite3_column_int(q, 5);
		}
		ox_sqldb_done(q);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return ox_sqldb_dberr(&a->db, "login");
		if (!(q = ox_sqldb_stmt(&a->db, ST_FAIL_GET)))
			return OX_AUTH_EDB;
		ox_sqldb_bind_text(q, 1, user);
		rc = sqlite3_step(q);
		locked_until = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
		ox_sqldb_done(q);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return ox_sqldb_dberr(&a->db, "login");
	}

	/* one Argon2id verification whatever happens next */
	const char *hash = stored[0] ? stored : a->dummy;
	bool ok = pwlen <= OX_AUTH_PASSWORD_MAX && crypto_pwhash_str_verify(hash, password, pwlen) == 0;
	const char *why = !user_id ? "unknown"
			  : !stored[0]	      ? "no_password"
			  : disabled	      ? "disabled"
			  : locked_until > now ? "locked"
			  : !ok		      ? "password"
			  : role < 0	      ? "role"
					      : NULL;
	if (why) {
		if (valid)
			record_failure(a, user, now);
		return deny(a, why, login_denied);
	}

	char rehash[crypto_pwhash_STRBYTES];
	struct login l = { .user_id = user_id, .now = now, .ttl = ttl_ms, .name = user };
	if (crypto_pwhash_str_needs_rehash(stored, a->opslimit, a->memlimit) != 0) {
		hash_password(a, password, rehash);
		l.rehash = rehash;
	}
	char session[OX_AUTH_SESSION_BUFSZ], csrf[OX_AUTH_CSRF_BUFSZ];
	random_secret("oxs_", session, sizeof session);
	random_secret("", csrf, sizeof csrf);
	hash_secret(session_key, session, l.hash);
	l.csrf = csrf;
	if ((rc = in_tx(a, tx_login, &l))) {
		sodium_memzero(session, sizeof session);
		return rc;
	}
	memcpy(session_out, session, strlen(session) + 1);
	memcpy(csrf_out, csrf, strlen(csrf) + 1);
	sodium_memzero(session, sizeof session);
	if (out) {
		principal_init(out, OX_PRINCIPAL_USER);
		out->from_session = true;
		snprintf(out->name, sizeof out->name, "%s", user);
		snprintf(out->user, sizeof out->user, "%s", user);
		out->role = (enum ox_role)role;
		out->perms = ox_role_perms(out->role);
		teams_split(teams, &out->teams);
		out->id = sqlite3_last_insert_rowid(a->db.conn);
		snprintf(out->csrf, sizeof out->csrf, "%s", csrf);
	}
	return 0;
}

int ox_auth_session(struct ox_auth *a, const char *session_id, struct ox_principal *out)
{
	a->deny = NULL;
	if (!plausible_secret(session_id))
		return deny(a, "format", session_denied);
	unsigned char hash[HASH_BYTES];
	hash_secret(session_key, session_id, hash);
	sqlite3_stmt *q = ox_sqldb_stmt(&a->db, ST_SESSION_GET);
	if (!q)
		return OX_AUTH_EDB;
	sqlite3_bind_blob(q, 1, hash, HASH_BYTES, SQLITE_STATIC);
	int rc = sqlite3_step(q);
	if (rc != SQLITE_ROW) {
		ox_sqldb_done(q);
		return rc == SQLITE_DONE ? deny(a, "unknown", session_denied) : ox_sqldb_dberr(&a->db, "session");
	}
	int role = ox_role_parse(ox_sqldb_col_text(q, 4));
	const char *why = now_ms(a) >= sqlite3_column_int64(q, 2) ? "expired"
			  : sqlite3_column_int(q, 6)		   ? "disabled"
			  : role < 0				   ? "role"
								   : NULL;
	if (!why) {
		principal_init(out, OX_PRINCIPAL_USER);
		out->from_session = true;
		snprintf(out->name, sizeof out->name, "%.*s", OX_AUTH_NAME_MAX, ox_sqldb_col_text(q, 3));
		snprintf(out->user, sizeof out->user, "%s", ox_sqldb_col_text(q, 3));
		out->role = (enum ox_role)role;
		out->perms = ox_role_perms(out->role);
		teams_split(ox_sqldb_col_text(q, 5), &out->teams);
		out->id = sqlite3_column_int64(q, 0);
		snprintf(out->csrf, sizeof out->csrf, "%s", ox_sqldb_col_text(q, 1));
	}
	ox_sqldb_done(q);
	return why ? deny(a, why, session_denied) : 0;
}

int ox_auth_logout(struct ox_auth *a, const char *session_id)
{
	if (!plausible_secret(session_id))
		return 0;
	unsigned char hash[HASH_BYTES];
	hash_secret(session_key, session_id, hash);
	sqlite3_stmt *q = ox_sqldb_stmt(&a->db, ST_SESSION_DELETE);
	if (!q)
		return OX_AUTH_EDB;
	sqlite3_bind_blob(q, 1, hash, HASH_BYTES, SQLITE_STATIC);
	return ox_sqldb_run(&a->db, q, "logout");
}

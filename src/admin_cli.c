/* admin_cli.c - `ordex user|token|audit ...` (admin_cli.h): a table of
 * subcommands over auth.c and audit.c. Every change is written to the
 * audit log after it is made; a change that could not be audited is
 * reported and exits 1.
 */
#include "admin_cli.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "auth.h"
#include "json.h"
#include "timefmt.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

#define MAX_POS (OX_AUTH_TEAMS_MAX + 2)

/* The parsed command line of one subcommand. */
struct cli {
	const char *cmd; /* "user", "token", "audit" */
	const struct sub *sub;
	const char *data, *role, *display, *user, *expires, *actor, *action, *target, *limit;
	const char *teams[OX_AUTH_TEAMS_MAX + 1];
	size_t n_teams;
	bool password_stdin, json;
	const char *pos[MAX_POS];
	size_t n_pos;
	char who[80]; /* the audit actor: "cli:$USER" */
	struct ox_auth *auth;
	struct ox_audit *audit;
};

struct sub {
	const char *name;
	int (*run)(struct cli *c);
	const char *options; /* the options it takes, each between spaces */
	size_t min_pos, max_pos;
	const char *usage;
};

/* ---- messages, files ------------------------------------------------------------ */

__attribute__((format(printf, 2, 3))) static int usage_error(struct cli *c, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "ordex %s: ", c->cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: ordex %s %s\n", c->cmd, c->sub ? c->sub->usage : "...");
	return EXIT_USAGE;
}

__attribute__((format(printf, 2, 3))) static int failure(struct cli *c, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "ordex %s: ", c->cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_FAIL;
}

/* An auth error: invalid arguments are usage errors, the rest failures. */
static int auth_failed(struct cli *c, int rc)
{
	if (rc == OX_AUTH_EINVAL)
		return usage_error(c, "%s", ox_auth_errmsg(c->auth));
	return failure(c, "%s", ox_auth_errmsg(c->auth));
}

static void db_path(const struct cli *c, const char *file, char *out, size_t cap)
{
	snprintf(out, cap, "%s/%s", c->data, file);
}

/* Open auth.db and audit.db; create (the directory too) only when changing. */
static int open_dbs(struct cli *c, bool auth, bool audit, bool create)
{
	char path[4096], err[512];
	if (create && mkdir(c->data, 0700) < 0 && errno != EEXIST)
		return failure(c, "%s: %s", c->data, strerror(errno));
	if (auth) {
		db_path(c, "auth.db", path, sizeof path);
		if (!create && access(path, F_OK) < 0)
			return failure(c, "%s: %s (is --data right?)", path, strerror(errno));
		if (ox_auth_open(&c->auth, path, err, sizeof err))
			return failure(c, "%s", err);
	}
	if (audit) {
		db_path(c, "audit.db", path, sizeof path);
		if (!create && access(path, F_OK) < 0)
			return failure(c, "%s: %s (is --data right?)", path, strerror(errno));
		if (ox_audit_open(&c->audit, path, err, sizeof err))
			return failure(c, "%s", err);
	}
	return 0;
}

/* "cli:$USER", or "cli" when $USER is unset or not a plain name. */
static void set_who(struct cli *c)
{
	const char *u = getenv("USER");
	bool ok = u && *u && strlen(u) <= 64;
	for (const char *p = u; ok && *p; p++)
		ok = (unsigned char)*p > 0x20 && (unsigned char)*p < 0x7F;
	if (ok)
		snprintf(c->who, sizeof c->who, "cli:%s", u);
	else
		snprintf(c->who, sizeof c->who, "cli");
}

/* Write the change just made to the audit log. */
static int audited(struct cli *c, const char *action, const char *target, const struct ox_buf *detail)
{
	struct ox_audit_entry e = { .actor = c->who, .action = action, .target = target,
				    .detail = detail && detail->data ? detail->data : "{}" };
	if (ox_audit_append(c->audit, &e, NULL))
		return failure(c, "%s done, but the audit log could not record it: %s", action,
			       ox_audit_errmsg(c->audit));
	return EXIT_OK;
}

static void json_teams(struct ox_buf *b, const struct ox_teams *t)
{
	ox_buf_addz(b, "[");
	for (size_t i = 0; i < t->n; i++) {
		if (i)
			ox_buf_addz(b, ",");
		ox_buf_add_json_str(b, t->name[i], strlen(t->name[i]));
	}
	ox_buf_addz(b, "]");
}

/* ---- passwords -------------------------------------------------------------------- */

/* One line of f without its line end into buf; -1 at EOF or if too long. */
static int read_line(FILE *f, char *buf, size_t cap)
{
	if (!fgets(buf, (int)cap, f))
		return -1;
	size_t n = strlen(buf);
	if (n == cap - 1 && buf[n - 1] != '\n')
		return -1;
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	return 0;
}

/* Ask on the terminal with echo off. */
static int ask(FILE *tty, const char *prompt, char *buf, size_t cap)
{
	struct termios old, quiet;
	int fd = fileno(tty);
	bool restore = tcgetattr(fd, &old) == 0;
	if (restore) {
		quiet = old;
		quiet.c_lflag &= (tcflag_t)~ECHO;
		quiet.c_lflag |= ECHONL;
		tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	fputs(prompt, tty);
	fflush(tty);
	int rc = read_line(tty, buf, cap);
	if (restore)
		tcsetattr(fd, TCSAFLUSH, &old);
	return rc;
}

static int get_password(struct cli *c, const char *name, char *pw, size_t cap)
{
	if (c->password_stdin) {
		if (read_line(stdin, pw, cap) < 0 || !pw[0])
			return usage_error(c, "no password on standard input (one line, at most %d bytes)",
					   OX_AUTH_PASSWORD_MAX);
		return 0;
	}
	FILE *tty = fopen("/dev/tty", "r+");
	if (!tty)
		return usage_error(c, "no terminal to ask for the password on: use --password-stdin");
	char again[OX_AUTH_PASSWORD_MAX + 2], prompt[128];
	snprintf(prompt, sizeof prompt, "Password for %s: ", name);
	int rc = ask(tty, prompt, pw, cap);
	if (!rc)
		rc = ask(tty, "Again: ", again, sizeof again);
	fclose(tty);
	if (rc < 0)
		return failure(c, "no password read");
	bool same = strcmp(pw, again) == 0;
	memset(again, 0, sizeof again);
	return same ? 0 : failure(c, "the passwords do not match");
}

/* ---- JSON lists -> tables ------------------------------------------------------------------ */

/* The value of key in the object at toks[obj], or NULL. */
static const struct ox_json_tok *member(const struct ox_json *j, uint32_t obj, const char *key)
{
	const struct ox_json_tok *t = j->toks;
	for (uint32_t i = obj + 1; i < t[obj].end; i = t[i + 1].end)
		if (t[i].len == strlen(key) && memcmp(t[i].s, key, t[i].len) == 0)
			return &t[i + 1];
	return NULL;
}

/* A value as text: strings without quotes, null as "-", arrays joined by ",". */
static void text_of(const struct ox_json *j, const struct ox_json_tok *v, char *out, size_t cap)
{
	out[0] = '\0';
	if (!v || v->type == OX_JSON_NULL) {
		snprintf(out, cap, "-");
	} else if (v->type == OX_JSON_ARRAY) {
		size_t o = 0;
		for (uint32_t i = (uint32_t)(v - j->toks) + 1; i < v->end && o < cap; i = j->toks[i].end)
			o += (size_t)snprintf(out + o, cap - o, "%s%.*s", o ? "," : "", (int)j->toks[i].len, j->toks[i].s);
		if (!out[0])
			snprintf(out, cap, "-");
	} else {
		snprintf(out, cap, "%.*s", (int)v->len, v->s);
	}
}

static void cell(const char *v, int width, bool last)
{
	if (last)
		printf("%s\n", v);
	else
		printf("%-*s ", width, v);
}

/* Print the array under key of a list answer as a table of columns. */
static void print_table(const char *json, size_t len, const char *key, const char *const *cols, const int *widths,
			size_t ncols)
{
	struct ox_json j;
	ox_json_init(&j, 8);
	if (ox_json_parse(&j, json, len) < 0) {
		ox_json_release(&j);
		return;
	}
	for (size_t k = 0; k < ncols; k++)
		cell(cols[k], widths[k], k + 1 == ncols);
	const struct ox_json_tok *arr = member(&j, 0, key);
	for (uint32_t e = arr ? (uint32_t)(arr - j.toks) + 1 : 0; arr && e < arr->end; e = j.toks[e].end) {
		for (size_t k = 0; k < ncols; k++) {
			char v[512];
			text_of(&j, member(&j, e, cols[k]), v, sizeof v);
			cell(v, widths[k], k + 1 == ncols);
		}
	}
	ox_json_release(&j);
}

/* ---- user --------------------------------------------------------------------------------- */

static int parse_role(struct cli *c, const char *z, enum ox_role *role)
{
	int r = ox_role_parse(z);
	if (r < 0)
		return usage_error(c, "unknown role '%s' (admin, supervisor, agent, viewer, ingest)", z ? z : "");
	*role = (enum ox_role)r;
	return 0;
}

static int user_add(struct cli *c)
{
	const char *name = c->pos[0];
	enum ox_role role = OX_ROLE_VIEWER;
	char pw[OX_AUTH_PASSWORD_MAX + 2];
	int rc;
	if (!c->role)
		return usage_error(c, "--role is required");
	if ((rc = parse_role(c, c->role, &role)) || (rc = open_dbs(c, true, true, true)))
		return rc;
	struct ox_auth_user u;
	if (ox_auth_user_get(c->auth, name, &u) == 0) /* before asking for a password */
		return failure(c, "user \"%s\": already exists", name);
	if ((rc = get_password(c, name, pw, sizeof pw)))
		return rc;
	rc = ox_auth_user_add(c->auth, name, c->display, role, c->teams, c->n_teams, pw);
	memset(pw, 0, sizeof pw);
	if (rc)
		return auth_failed(c, rc);
	ox_auth_user_get(c->auth, name, &u);
	struct ox_buf d;
	ox_buf_init(&d, SIZE_MAX);
	ox_buf_addf(&d, "{\"role\":\"%s\",\"teams\":", ox_role_name(role));
	json_teams(&d, &u.teams);
	ox_buf_addz(&d, ",\"display\":");
	ox_buf_add_json_str(&d, u.display, strlen(u.display));
	ox_buf_addz(&d, "}");
	rc = audited(c, "user.create", name, &d);
	ox_buf_release(&d);
	if (!rc)
		printf("user %s added (%s)\n", name, ox_role_name(role));
	return rc;
}

static int user_list(struct cli *c)
{
	int rc = open_dbs(c, true, false, false);
	if (rc)
		return rc;
	struct ox_buf b;
	ox_buf_init(&b, SIZE_MAX);
	if ((rc = ox_auth_user_list_json(c->auth, &b))) {
		ox_buf_release(&b);
		return auth_failed(c, rc);
	}
	if (c->json) {
		puts(b.data);
	} else {
		static const char *const cols[] = { "name", "role", "teams", "disabled", "has_password", "locked_until",
						    "display" };
		static const int widths[] = { 16, 10, 24, 8, 12, 29, 0 };
		print_table(b.data, b.len, "users", cols, widths, OX_ARRAY_LEN(cols));
	}
	ox_buf_release(&b);
	return 0;
}

static int user_passwd(struct cli *c)
{
	const char *name = c->pos[0];
	char pw[OX_AUTH_PASSWORD_MAX + 2];
	struct ox_auth_user u;
	int rc = open_dbs(c, true, true, true);
	if (rc)
		return rc;
	if ((rc = ox_auth_user_get(c->auth, name, &u)))
		return auth_failed(c, rc);
	if ((rc = get_password(c, name, pw, sizeof pw)))
		return rc;
	rc = ox_auth_user_set_password(c->auth, name, pw);
	memset(pw, 0, sizeof pw);
	if (rc)
		return auth_failed(c, rc);
	if (!(rc = audited(c, "user.password", name, NULL)))
		printf("password of %s set; their sessions are ended\n", name);
	return rc;
}

static int user_role(struct cli *c)
{
	const char *name = c->pos[0];
	enum ox_role role = OX_ROLE_VIEWER;
	struct ox_auth_user u;
	int rc;
	if ((rc = parse_role(c, c->pos[1], &role)) || (rc = open_dbs(c, true, true, true)))
		return rc;
	if ((rc = ox_auth_user_get(c->auth, name, &u)) || (rc = ox_auth_user_set_role(c->auth, name, role)))
		return auth_failed(c, rc);
	struct ox_buf d;
	ox_buf_init(&d, SIZE_MAX);
	ox_buf_addf(&d, "{\"from\":\"%s\",\"to\":\"%s\"}", ox_role_name(u.role), ox_role_name(role));
	rc = audited(c, "user.role", name, &d);
	ox_buf_release(&d);
	if (!rc)
		printf("user %s: role %s (was %s)\n", name, ox_role_name(role), ox_role_name(u.role));
	return rc;
}

static int user_teams(struct cli *c)
{
	const char *name = c->pos[0];
	struct ox_auth_user before, after;
	int rc = open_dbs(c, true, true, true);
	if (rc)
		return rc;
	if ((rc = ox_auth_user_get(c->auth, name, &before)) ||
	    (rc = ox_auth_user_set_teams(c->auth, name, c->pos + 1, c->n_pos - 1)) ||
	    (rc = ox_auth_user_get(c->auth, name, &after)))
		return auth_failed(c, rc);
	struct ox_buf d;
	ox_buf_init(&d, SIZE_MAX);
	ox_buf_addz(&d, "{\"from\":");
	json_teams(&d, &before.teams);
	ox_buf_addz(&d, ",\"to\":");
	json_teams(&d, &after.teams);
	ox_buf_addz(&d, "}");
	rc = audited(c, "user.teams", name, &d);
	ox_buf_release(&d);
	if (!rc) {
		printf("user %s: teams", name);
		for (size_t i = 0; i < after.teams.n; i++)
			printf(" %s", after.teams.name[i]);
		printf(after.teams.n ? "\n" : " (none)\n");
	}
	return rc;
}

static int set_disabled(struct cli *c, bool disabled)
{
	const char *name = c->pos[0];
	int rc = open_dbs(c, true, true, true);
	if (rc)
		return rc;
	if ((rc = ox_auth_user_set_disabled(c->auth, name, disabled)))
		return auth_failed(c, rc);
	if (!(rc = audited(c, disabled ? "user.disable" : "user.enable", name, NULL)))
		printf(disabled ? "user %s disabled; their sessions and tokens stop working\n" : "user %s enabled\n",
		       name);
	return rc;
}

static int user_disable(struct cli *c)
{
	return set_disabled(c, true);
}

static int user_enable(struct cli *c)
{
	return set_disabled(c, false);
}

/* ---- token -------------------------------------------------------------------------------- */

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int token_create(struct cli *c)
{
	const char *name = c->pos[0];
	enum ox_role role = OX_ROLE_VIEWER;
	int64_t expires_at = 0, dur = 0, id = 0;
	int rc;
	if (!c->role)
		return usage_error(c, "--role is required");
	if ((rc = parse_role(c, c->role, &role)))
		return rc;
	if (c->expires) {
		if (ox_duration_parse(c->expires, strlen(c->expires), &dur) < 0 || dur <= 0)
			return usage_error(c, "--expires: expected a duration such as 30d, 12h or 90m, got '%s'",
					   c->expires);
		expires_at = wall_ms() + dur;
	}
	if ((rc = open_dbs(c, true, true, true)))
		return rc;
	char secret[OX_AUTH_SECRET_BUFSZ];
	if ((rc = ox_auth_token_create(c->auth, name, role, c->user, expires_at, secret, &id)))
		return auth_failed(c, rc);
	struct ox_buf d;
	ox_buf_init(&d, SIZE_MAX);
	ox_buf_addf(&d, "{\"id\":%" PRId64 ",\"role\":\"%s\",\"user\":", id, ox_role_name(role));
	if (c->user)
		ox_buf_add_json_str(&d, c->user, strlen(c->user));
	else
		ox_buf_addz(&d, "null");
	ox_buf_addz(&d, ",\"expires_at\":");
	ox_time_json(&d, expires_at ? expires_at : OX_TIME_NONE);
	ox_buf_addz(&d, "}");
	rc = audited(c, "token.create", name, &d);
	ox_buf_release(&d);
	/* the secret is made: show it even if the audit failed, or it is lost */
	printf("%s\n", secret);
	fflush(stdout);
	memset(secret, 0, sizeof secret);
	char tb[OX_TIME_BUFSZ];
	fprintf(stderr, "token %" PRId64 " \"%s\" (%s%s%s), %s%s: the secret above is shown only this once\n", id,
		name, ox_role_name(role), c->user ? ", user " : "", c->user ? c->user : "",
		expires_at ? "expires " : "never expires", expires_at ? ox_time_format(expires_at, OX_TZ_CST, tb) : "");
	return rc;
}

static int token_list(struct cli *c)
{
	int rc = open_dbs(c, true, false, false);
	if (rc)
		return rc;
	struct ox_buf b;
	ox_buf_init(&b, SIZE_MAX);
	if ((rc = ox_auth_token_list_json(c->auth, &b))) {
		ox_buf_release(&b);
		return auth_failed(c, rc);
	}
	if (c->json) {
		puts(b.data);
	} else {
		static const char *const cols[] = { "id", "name", "prefix", "role", "user", "status", "expires_at",
						    "last_used" };
		static const int widths[] = { 4, 16, 9, 10, 12, 8, 29, 0 };
		print_table(b.data, b.len, "tokens", cols, widths, OX_ARRAY_LEN(cols));
	}
	ox_buf_release(&b);
	return 0;
}

static int token_revoke(struct cli *c)
{
	char *end;
	errno = 0;
	long long id = strtoll(c->pos[0], &end, 10);
	if (errno || *end || end == c->pos[0] || id < 1)
		return usage_error(c, "expected a token id (see 'ordex token list'), got '%s'", c->pos[0]);
	int rc = open_dbs(c, true, true, true);
	if (rc)
		return rc;
	if ((rc = ox_auth_token_revoke(c->auth, id)))
		return auth_failed(c, rc);
	char target[32];
	snprintf(target, sizeof target, "%lld", id);
	if (!(rc = audited(c, "token.revoke", target, NULL)))
		printf("token %lld revoked\n", id);
	return rc;
}

/* ---- audit -------------------------------------------------------------------------------- */

static int audit_verify(struct cli *c)
{
	int rc = open_dbs(c, false, true, false);
	if (rc)
		return rc;
	struct ox_audit_report r;
	rc = ox_audit_verify(c->audit, &r);
	if (rc == OX_AUDIT_ECHAIN) {
		printf("audit: entry %" PRId64 " is bad: %s (%" PRId64 " entries before it are intact)\n", r.bad_id,
		       r.reason, r.count);
		return EXIT_FAIL;
	}
	if (rc)
		return failure(c, "%s", ox_audit_errmsg(c->audit));
	printf("audit: %" PRId64 " entries, chain intact, head %" PRId64 " %s\n", r.count, r.head_id,
	       r.count ? r.head_hash : "-");
	return 0;
}

static int audit_list(struct cli *c)
{
	int rc = open_dbs(c, false, true, false);
	if (rc)
		return rc;
	struct ox_audit_filter f = { .actor = c->actor, .action = c->action, .target = c->target, .limit = c->limit };
	struct ox_buf b;
	char err[OX_AUDIT_ERRSZ];
	ox_buf_init(&b, SIZE_MAX);
	if ((rc = ox_audit_query(c->audit, &f, &b, err))) {
		ox_buf_release(&b);
		return rc == OX_AUDIT_EINVAL ? usage_error(c, "%s", err) : failure(c, "%s", err);
	}
	if (c->json) {
		puts(b.data);
	} else {
		static const char *const cols[] = { "id", "at", "actor", "action", "target", "detail" };
		static const int widths[] = { 6, 29, 16, 16, 16, 0 };
		print_table(b.data, b.len, "entries", cols, widths, OX_ARRAY_LEN(cols));
	}
	ox_buf_release(&b);
	return 0;
}

/* ---- tables and the entry points ---------------------------------------------------------------- */

static const struct sub user_subs[] = {
	{ "add", user_add, " --data --role --team --display --password-stdin ", 1, 1,
	  "add NAME --role ROLE [--team T]... [--display NAME] [--password-stdin] [--data DIR]" },
	{ "list", user_list, " --data --json ", 0, 0, "list [--json] [--data DIR]" },
	{ "passwd", user_passwd, " --data --password-stdin ", 1, 1, "passwd NAME [--password-stdin] [--data DIR]" },
	{ "role", user_role, " --data ", 2, 2, "role NAME ROLE [--data DIR]" },
	{ "teams", user_teams, " --data ", 1, MAX_POS, "teams NAME [TEAM]... [--data DIR]" },
	{ "disable", user_disable, " --data ", 1, 1, "disable NAME [--data DIR]" },
	{ "enable", user_enable, " --data ", 1, 1, "enable NAME [--data DIR]" },
};

static const struct sub token_subs[] = {
	{ "create", token_create, " --data --role --user --expires ", 1, 1,
	  "create NAME --role ROLE [--user USER] [--expires 30d] [--data DIR]" },
	{ "list", token_list, " --data --json ", 0, 0, "list [--json] [--data DIR]" },
	{ "revoke", token_revoke, " --data ", 1, 1, "revoke ID [--data DIR]" },
};

static const struct sub audit_subs[] = {
	{ "verify", audit_verify, " --data ", 0, 0, "verify [--data DIR]" },
	{ "list", audit_list, " --data --actor --action --target --limit --json ", 0, 0,
	  "list [--actor A] [--action X] [--target T] [--limit N] [--json] [--data DIR]" },
};

static const char help_text[] =
	"  Roles: admin, supervisor, agent, viewer, ingest. Teams: [a-z0-9_-], e.g. payment,\n"
	"  warehouse, logistics, customer_service, tech, risk. Works on DIR/auth.db and\n"
	"  DIR/audit.db (--data, default ./data), also while `ordex serve` runs; every change\n"
	"  is written to the audit log as cli:$USER. Passwords are asked twice on the\n"
	"  terminal, or read as one line from standard input with --password-stdin.\n"
	"  Exit: 0 done, 1 failure (audit verify: a broken chain), 2 usage error.\n";

static void print_usage(FILE *f, const char *cmd, const struct sub *subs, size_t n)
{
	fprintf(f, "usage:\n");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "  ordex %s %s\n", cmd, subs[i].usage);
	fputs(help_text, f);
}

/* --name VALUE options: where each value goes */
static const char **value_slot(struct cli *c, const char *opt)
{
	static const struct {
		const char *name;
		size_t off;
	} slots[] = {
		{ "--data", offsetof(struct cli, data) },       { "--role", offsetof(struct cli, role) },
		{ "--display", offsetof(struct cli, display) }, { "--user", offsetof(struct cli, user) },
		{ "--expires", offsetof(struct cli, expires) }, { "--actor", offsetof(struct cli, actor) },
		{ "--action", offsetof(struct cli, action) },   { "--target", offsetof(struct cli, target) },
		{ "--limit", offsetof(struct cli, limit) },
	};
	for (size_t i = 0; i < OX_ARRAY_LEN(slots); i++)
		if (strcmp(opt, slots[i].name) == 0)
			return (const char **)(void *)((char *)c + slots[i].off);
	return NULL;
}

static bool takes(const struct sub *s, const char *opt)
{
	char key[64];
	snprintf(key, sizeof key, " %s ", opt);
	return strstr(s->options, key) != NULL;
}

static int parse(struct cli *c, int argc, char **argv)
{
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] != '-' || a[1] == '\0') {
			if (c->n_pos == MAX_POS || c->n_pos == c->sub->max_pos)
				return usage_error(c, "unexpected argument '%s'", a);
			c->pos[c->n_pos++] = a;
			continue;
		}
		if (strcmp(a, "--") == 0 || !takes(c->sub, a))
			return usage_error(c, "unknown option '%s'", a);
		if (strcmp(a, "--password-stdin") == 0) {
			c->password_stdin = true;
			continue;
		}
		if (strcmp(a, "--json") == 0) {
			c->json = true;
			continue;
		}
		if (i + 1 >= argc)
			return usage_error(c, "%s needs a value", a);
		const char *v = argv[++i];
		if (strcmp(a, "--team") == 0) {
			if (c->n_teams == OX_AUTH_TEAMS_MAX)
				return usage_error(c, "more than %d teams", OX_AUTH_TEAMS_MAX);
			c->teams[c->n_teams++] = v;
		} else {
			const char **slot = value_slot(c, a);
			if (!slot)
				return usage_error(c, "unknown option '%s'", a);
			*slot = v;
		}
	}
	if (c->n_pos < c->sub->min_pos)
		return usage_error(c, "missing argument");
	if (!*c->data)
		return usage_error(c, "--data: empty directory name");
	return 0;
}

static int dispatch(const char *cmd, const struct sub *subs, size_t n, int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		print_usage(argc < 2 ? stderr : stdout, cmd, subs, n);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	struct cli c = { .cmd = cmd, .data = "./data" };
	for (size_t i = 0; i < n && !c.sub; i++)
		if (strcmp(argv[1], subs[i].name) == 0)
			c.sub = &subs[i];
	if (!c.sub) {
		fprintf(stderr, "ordex %s: unknown subcommand '%s'\n", cmd, argv[1]);
		print_usage(stderr, cmd, subs, n);
		return EXIT_USAGE;
	}
	for (int i = 2; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			printf("usage: ordex %s %s\n%s", cmd, c.sub->usage, help_text);
			return EXIT_OK;
		}
	int rc = parse(&c, argc, argv);
	if (rc)
		return rc;
	set_who(&c);
	rc = c.sub->run(&c);
	ox_auth_close(c.auth);
	ox_audit_close(c.audit);
	return rc;
}

int ox_cmd_user(int argc, char **argv)
{
	return dispatch("user", user_subs, OX_ARRAY_LEN(user_subs), argc, argv);
}

int ox_cmd_token(int argc, char **argv)
{
	return dispatch("token", token_subs, OX_ARRAY_LEN(token_subs), argc, argv);
}

int ox_cmd_audit(int argc, char **argv)
{
	return dispatch("audit", audit_subs, OX_ARRAY_LEN(audit_subs), argc, argv);
}

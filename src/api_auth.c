/* api_auth.c - who is calling, and the endpoints for identity: login and
 * logout, the caller, users, tokens and the audit log (see api.h). */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sodium.h>
#include <time.h>

#include "api_impl.h"
#include "timefmt.h"

#define SESSION_COOKIE "ordex_session"

/* ---- shared pieces ------------------------------------------------------------ */

bool api_audit(struct ox_api *a, struct ox_http_req *r, const char *action, const char *target,
	       const char *detail)
{
	struct kit *k = api_kit_take(a);
	struct ox_audit *au = api_kit_audit(a, k, r);
	const struct ox_principal *p = api_who(r);
	struct ox_audit_entry e = { .actor = p ? p->name : "anonymous", .action = action,
				    .target = target ? target : "", .detail = detail };
	bool ok = au && ox_audit_append(au, &e, NULL) == 0;
	if (au && !ok)
		ox_http_error(r, 500, "audit log error", ox_audit_errmsg(au));
	api_kit_give(a, k);
	return ok;
}

bool api_body_object(struct kit *k, struct ox_http_req *r)
{
	const char *body = r->body.data ? r->body.data : "";
	if (ox_json_parse(&k->json, body, r->body.len) < 0) {
		char why[160];
		snprintf(why, sizeof why, "%s at byte %zu", k->json.err, k->json.err_col);
		ox_http_error(r, 400, "invalid body", why);
		return false;
	}
	if (k->json.toks[0].type != OX_JSON_OBJECT) {
		ox_http_error(r, 400, "invalid body", "expected a JSON object");
		return false;
	}
	return true;
}

const struct ox_json_tok *api_body_get(const struct kit *k, const char *key)
{
	const struct ox_json *j = &k->json;
	size_t kl = strlen(key);
	for (size_t i = 1; i + 1 < j->n; i = j->toks[i + 1].end)
		if (j->toks[i].len == kl && memcmp(j->toks[i].s, key, kl) == 0)
			return &j->toks[i + 1];
	return NULL;
}

bool api_body_str(const struct kit *k, struct ox_http_req *r, const char *key, char *dst, size_t size,
		  bool required)
{
	const struct ox_json_tok *v = api_body_get(k, key);
	char why[160];
	dst[0] = '\0';
	if (!v || v->type == OX_JSON_NULL) {
		if (!required)
			return true;
		snprintf(why, sizeof why, "%s: required", key);
	} else if (v->type != OX_JSON_STRING) {
		snprintf(why, sizeof why, "%s: expected a string", key);
	} else if (v->len >= size || (v->flags & OX_JSON_F_NUL)) {
		snprintf(why, sizeof why, "%s: longer than %zu bytes", key, size - 1);
	} else {
		memcpy(dst, v->s, v->len);
		dst[v->len] = '\0';
		return true;
	}
	ox_http_error(r, 400, "invalid body", why);
	return false;
}

/* A string list member ("teams": [...]) into names; false with a 400. */
static bool body_names(const struct kit *k, struct ox_http_req *r, const char *key,
		       char names[OX_AUTH_TEAMS_MAX][OX_AUTH_TEAM_MAX + 1], const char **ptrs, size_t *n)
{
	const struct ox_json_tok *v = api_body_get(k, key);
	*n = 0;
	if (!v || v->type == OX_JSON_NULL)
		return true;
	if (v->type != OX_JSON_ARRAY || v->size > OX_AUTH_TEAMS_MAX) {
		ox_http_error(r, 400, "invalid body", "teams: expected a list of at most 16 names");
		return false;
	}
	const struct ox_json_tok *t = v + 1;
	for (size_t i = 0; i < v->size; i++, t = &k->json.toks[t->end]) {
		if (t->type != OX_JSON_STRING || t->len > OX_AUTH_TEAM_MAX || (t->flags & OX_JSON_F_NUL)) {
			ox_http_error(r, 400, "invalid body", "teams: each is a name of at most 32 bytes");
			return false;
		}
		memcpy(names[i], t->s, t->len);
		names[i][t->len] = '\0';
		ptrs[i] = names[i];
	}
	*n = v->size;
	return true;
}

/* An auth error: 400 with the reason for invalid input, 404, 409, else 500. */
static void auth_error(struct ox_http_req *r, struct ox_auth *au, int rc)
{
	static const struct {
		int rc, status;
		const char *error;
	} map[] = {
		{ OX_AUTH_EINVAL, 400, "invalid request" },
		{ OX_AUTH_ENOTFOUND, 404, "not found" },
		{ OX_AUTH_EEXISTS, 409, "already exists" },
		{ OX_AUTH_EDENIED, 403, "forbidden" },
	};
	for (size_t i = 0; i < OX_ARRAY_LEN(map); i++)
		if (map[i].rc == rc) {
			ox_http_error(r, map[i].status, map[i].error, ox_auth_errmsg(au));
			return;
		}
	ox_http_error(r, 500, "user store error", ox_auth_errmsg(au));
}

/* ---- who is calling ------------------------------------------------------------------ */

static bool unsafe_method(const char *m)
{
	return strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0;
}

bool ox_api_authorize(void *ctx, struct ox_http_req *r)
{
	struct ox_api *a = ctx;
	struct kit *k = api_kit_take(a);
	struct ox_auth *au = api_kit_auth(a, k, r);
	if (!au) {
		api_kit_give(a, k);
		return false;
	}
	struct ox_principal *p = ox_xcalloc(1, sizeof *p);
	const char *bearer = ox_http_header(r, "Authorization");
	const char *session = ox_http_cookie(r, SESSION_COOKIE);
	int rc = OX_AUTH_EDENIED;
	const char *why = "send Authorization: Bearer TOKEN, or sign in (POST /api/v1/login)";
	if (bearer && strncasecmp(bearer, "Bearer ", 7) == 0) {
		rc = ox_auth_bearer(au, bearer + 7, p);
		why = "the token is unknown, revoked or expired";
	} else if (session) {
		rc = ox_auth_session(au, session, p);
		why = "the session is unknown or expired: sign in again";
	}
	api_kit_give(a, k);
	if (rc) {
		free(p);
		ox_http_error(r, 401, "unauthorized", why);
		ox_http_add_header(r, "WWW-Authenticate", "Bearer realm=\"ordex\"");
		return false;
	}
	/* a page of another site can make the browser send the cookie, not this */
	if (p->from_session && unsafe_method(r->method) && !ox_auth_csrf_ok(p, ox_http_header(r, "X-CSRF-Token"))) {
		free(p);
		ox_http_error(r, 403, "forbidden", "missing or wrong X-CSRF-Token for this session");
		return false;
	}
	unsigned need = r->route->perm & ~API_SIGNED_IN;
	if ((p->perms & need) != need) {
		char msg[160];
		snprintf(msg, sizeof msg, "role %s lacks the permission %s", ox_role_name(p->role),
			 ox_perm_name(need & ~p->perms & -(need & ~p->perms)));
		free(p);
		ox_http_error(r, 403, "forbidden", msg);
		return false;
	}
	r->who = p;
	return true;
}

/* ---- login, logout, me ----------------------------------------------------------- */

static void principal_reply(const struct ox_api *a, struct ox_http_req *r, const struct ox_principal *p,
			    const char *csrf)
{
	r->status = 200;
	ox_buf_addz(&r->out, "{\"principal\":");
	ox_principal_json(p, &r->out);
	if (csrf) {
		ox_buf_addz(&r->out, ",\"csrf_token\":");
		ox_buf_add_json_str(&r->out, csrf, strlen(csrf));
	}
	/* what the console offers without asking a supervisor (comp.h) */
	ox_money limit = api_comp_limit(a, p->role);
	char m[OX_MONEY_BUFSZ];
	if (limit == OX_COMP_NO_LIMIT)
		ox_buf_addz(&r->out, ",\"compensation_limit\":null}");
	else
		ox_buf_addf(&r->out, ",\"compensation_limit\":\"%s\"}", ox_money_format(limit, m));
}

/* A login costs ~165 ms of CPU and 64 MiB (argon2id): a few at a time. */
#define LOGINS_AT_ONCE 2

/* Best effort: a login that worked is not turned into a 500 by the log. */
static void audit_login(struct ox_api *a, struct kit *k, const char *user, int rc)
{
	char err[256];
	if (!k->audit && ox_audit_open(&k->audit, a->o.audit_path, err, sizeof err))
		fprintf(stderr, "ordex serve: audit: %s\n", err);
	struct ox_audit *lg = k->audit;
	char detail[96] = "{}";
	if (rc)
		snprintf(detail, sizeof detail, "{\"reason\":\"%s\"}", ox_auth_deny_reason(k->auth));
	/* a failed attempt's name is whatever was typed: the target, not the actor */
	struct ox_audit_entry e = { .actor = rc ? "anonymous" : user, .action = rc ? "login.failed" : "login",
				    .target = user, .detail = detail };
	if (lg && ox_audit_append(lg, &e, NULL))
		fprintf(stderr, "ordex serve: audit: %s\n", ox_audit_errmsg(lg));
}

enum ox_http_step api_login(void *ctx, struct ox_http_req *r)
{
	struct ox_api *a = ctx;
	if (atomic_fetch_add(&a->logins, 1) >= LOGINS_AT_ONCE) {
		atomic_fetch_sub(&a->logins, 1);
		ox_http_error(r, 503, "busy", "too many sign-ins at once; retry in a second");
		r->retry_after = 1;
		return OX_HTTP_DONE;
	}
	struct kit *k = api_kit_take(a);
	char user[OX_AUTH_NAME_MAX + 1], password[OX_AUTH_PASSWORD_MAX + 1];
	char session[OX_AUTH_SESSION_BUFSZ], csrf[OX_AUTH_CSRF_BUFSZ];
	struct ox_principal p;
	struct ox_auth *au;
	if (api_body_object(k, r) && api_body_str(k, r, "user", user, sizeof user, true) &&
	    api_body_str(k, r, "password", password, sizeof password, true) && (au = api_kit_auth(a, k, r))) {
		int64_t ttl = a->o.session_ttl_ms ? a->o.session_ttl_ms : 12 * 3600 * 1000LL;
		int rc = ox_auth_login(au, user, password, ttl, session, csrf, &p);
		sodium_memzero(password, sizeof password);
		if (rc == OX_AUTH_EDENIED) {
			ox_http_error(r, 401, "unauthorized", "wrong user name or password, or the user is locked");
			ox_http_add_header(r, "WWW-Authenticate", "Bearer realm=\"ordex\"");
		} else if (rc) {
			auth_error(r, au, rc);
		} else {
			char cookie[256];
			snprintf(cookie, sizeof cookie,
				 SESSION_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%lld", session,
				 (long long)(ttl / 1000));
			ox_http_add_header(r, "Set-Cookie", cookie);
			principal_reply(a, r, &p, csrf);
		}
		audit_login(a, k, user, rc);
	}
	api_kit_give(a, k);
	atomic_fetch_sub(&a->logins, 1);
	return OX_HTTP_DONE;
}

enum ox_http_step api_logout(void *ctx, struct ox_http_req *r)
{
	struct ox_api *a = ctx;
	const char *session = ox_http_cookie(r, SESSION_COOKIE);
	struct kit *k = api_kit_take(a);
	struct ox_auth *au = api_kit_auth(a, k, r);
	if (au) {
		if (session)
			ox_auth_logout(au, session);
		ox_http_add_header(r, "Set-Cookie", SESSION_COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
		r->status = 200;
		ox_buf_addz(&r->out, "{\"signed_out\":true}");
	}
	api_kit_give(a, k);
	return OX_HTTP_DONE;
}

enum ox_http_step api_me(void *ctx, struct ox_http_req *r)
{
	/* A session's CSRF token: a console reloaded by its user reads it here
	 * (another site's page cannot read this answer). */
	const struct ox_principal *p = api_who(r);
	principal_reply(ctx, r, p, p->from_session ? p->csrf : NULL);
	return OX_HTTP_DONE;
}

/* ---- users ---------------------------------------------------------------------------- */

enum ox_http_step api_users_list(void *ctx, struct ox_http_req *r)
{
	struct ox_api *a = ctx;
	struct kit *k = api_kit_take(a);
	struct ox_auth *au = api_kit_auth(a, k, r);
	int rc;
	if (au && (rc = ox_auth_user_list_json(au, &r->out)))
		auth_error(r, au, rc);
	else if (au)
		r->status = 200;
	api_kit_give(a, k);
	return OX_HTTP_DONE;
}

/* The user as GET /api/v1/users lists it. */
static void user_reply(struct ox_http_req *r, struct ox_auth *au, const char *name, int status)
{
	struct ox_auth_user u;
	if (ox_auth_user_get(au, name, &u)) {
		auth_error(r, au, OX_AUTH_ENOTFOUND);
		return;
	}
	r->status = status;
	ox_buf_addz(&r->out, "{\"name\":");
	ox_buf_add_json_str(&r->out, u.name, strlen(u.name));
	ox_buf_addz(&r->out, ",\"display\":");
	ox_buf_add_json_str(&r->out, u.display, strlen(u.display));
	ox_buf_addf(&r->out, ",\"role\":\"%s\",\"teams\":[", ox_role_name(u.role));
	for (size_t i = 0; i < u.teams.n; i++) {
		if (i)
			ox_buf_addz(&r->out, ",");
		ox_buf_add_json_str(&r->out, u.teams.name[i], strlen(u.teams.name[i]));
	}
	ox_buf_addf(&r->out, "],\"disabled\":%s}", u.disabled ? "true" : "false");
}

static bool body_role(const struct kit *k, struct ox_http_req *r, enum ox_role *role, bool required)
{
	char name[32];
	if (!api_body_str(k, r, "role", name, sizeof name, required))
		return false;
	if (!name[0])
		return true;
	int v = ox_role_parse(name);
	if (v < 0) {
		ox_http_error(r, 400, "invalid body", "role: one of admin, supervisor, agent, viewer, ingest");
		return false;
	}
	*role = (enum ox_role)v;
	return true;
}

enum ox_http_step api_users_add(void *ctx, struct ox_http_req *r)
{
	struct ox_api *a = ctx;
	struct kit *k = api_kit_take(a);
	char name[OX_AUTH_NAME_MAX + 1], display[OX_AUTH_DISPLAY_MAX + 1], password[OX_AUTH_PASSWORD_MAX + 1];
	char teams[OX_AUTH_TEAMS_MAX][OX_AUTH_TEAM_MAX + 1];
	const char *tp[OX_AUTH_TEAMS_MAX];
	size_t nt;
	enum ox_role role = OX_ROLE_VIEWER;
	struct ox_auth *au;
	if (api_body_object(k, r) && api_body_str(k, r, "name", name, sizeof name, true) &&
	    api_body_str(k, r, "display", display, sizeof display, false) &&
	    api_body_str(k, r, "password", password, sizeof password, true) && body_role(k, r, &role, true) &&
	    body_names(k, r, "teams", teams, tp, &nt) && (au = api_kit_auth(a, k, r))) {
		int rc = ox_auth_user_add(au, name, display, role, tp, nt, password);
		sodium_memzero(password, sizeof password);
		char detail[96];
		snprintf(detail, sizeof detail, "{\"role\":\"%s\"}", ox_role_name(role));
		if (rc)
			auth_error(r, au, rc);
		else if (api_audit(a, r, "user.create", name, detail))
			user_reply(r, au, name, 201);
	}
	api_kit_give(a, k);
	return OX_HTTP_DONE;
}

/* POST /api/v1/users/{name}: any of role, teams, display, password,
 * disabled, applied in that order. What was applied is audited even when a
 * later field is refused (the answer is then that refusal). */
enum ox_http_step api_user_update(void *ctx, struct ox_http_req *r)
{
	struct ox_api *a = ctx;
	struct kit *k = api_kit_take(a);
	char display[OX_AUTH_DISPLAY_MAX + 1], password[OX_AUTH_PASSWORD_MAX + 1];
	char teams[OX_AUTH_TEAMS_MAX][OX_AUTH_TEAM_MAX + 1];
	const char *tp[OX_AUTH_TEAMS_MAX];
	size_t nt;
	enum ox_role role = OX_ROLE__COUNT;
	struct ox_auth *au;
	struct ox_auth_user u;
	const char *name = r->param;
	if (!api_body_object(k, r) || !api_body_str(k, r, "display", display, sizeof display, false) ||
	    !api_body_str(k, r, "password", password, sizeof password, false) || !body_role(k, r, &role, false) ||
	    !body_names(k, r, "teams", teams, tp, &nt) || !(au = api_kit_auth(a, k, r))) {
		api_kit_give(a, k);
		return OX_HTTP_DONE;
	}
	if (ox_auth_user_get(au, name, &u)) {
		auth_error(r, au, OX_AUTH_ENOTFOUND);
		api_kit_give(a, k);
		return OX_HTTP_DONE;
	}
	const struct ox_json_tok *dis = api_body_get(k, "disabled");
	bool set_dis = dis && (dis->type == OX_JSON_TRUE || dis->type == OX_JSON_FALSE);
	const struct {
		const char *field;
		bool asked;
	} steps[] = {
		{ "role", role < OX_ROLE__COUNT },  { "teams", api_body_get(k, "teams") != NULL },
		{ "display", display[0] != '\0' }, { "password", password[0] != '\0' },
		{ "disabled", set_dis },
	};
	int rc = 0;
	struct ox_buf done;
	ox_buf_init(&done, 256);
	ox_buf_addz(&done, "{\"changed\":[");
	for (size_t i = 0; i < OX_ARRAY_LEN(steps) && !rc; i++) {
		if (!steps[i].asked)
			continue;
		switch (i) {
		case 0: rc = ox_auth_user_set_role(au, name, role); break;
		case 1: rc = ox_auth_user_set_teams(au, name, tp, nt); break;
		case 2: rc = ox_auth_user_set_display(au, name, display); break;
		case 3: rc = ox_auth_user_set_password(au, name, password); break;
		default: rc = ox_auth_user_set_disabled(au, name, dis->type == OX_JSON_TRUE); break;
		}
		if (!rc)
			ox_buf_addf(&done, "%s\"%s\"", done.data[done.len - 1] == '[' ? "" : ",", steps[i].field);
	}
	sodium_memzero(password, sizeof password);
	ox_buf_addz(&done, "]}");
	/* the audit names what changed, never the password itself */
	bool changed = done.data[done.len - 3] != '[';
	bool audited = !changed || api_audit(a, r, "user.update", name, done.data); /* else a 500 */
	if (audited && rc)
		auth_error(r, au, rc);
	else if (audited)
		user_reply(r, au, name, 200);
	ox_buf_release(&done);
	api_kit_give(a, k);
	return OX_HTTP_DONE;
}

/* ---- tokens ------------------------------------------------------------------------------ */

enum ox_http_step api_tokens_list(void *ctx, struct ox_http_req *r)
{
	struct ox_api *a = ctx;
	struct kit *k = api_kit_take(a);
	struct ox_auth *au = api_kit_auth(a, k, r);
	int rc;
	if (au && (rc = ox_auth_token_list_json(au, &r->out)))
		auth_error(r, au, rc);
	else if (au)
		r->status = 200;
	api_kit_give(a, k);
	return OX_HTTP_DONE;
}

enum ox_http_step api_tokens_add(void *ctx, struct ox_http_req *r)
{
	struct ox_api *a = ctx;
	struct kit *k = api_kit_take(a);
	char name[OX_AUTH_NAME_MAX + 1], user[OX_AUTH_NAME_MAX + 1], secret[OX_AUTH_SECRET_BUFSZ];
	enum ox_role role = OX_ROLE_INGEST;
	struct ox_auth *au;
	if (api_body_object(k, r) && api_body_str(k, r, "name", name, sizeof name, true) &&
	    api_body_str(k, r, "user", user, sizeof user, false) && body_role(k, r, &role, true) &&
	    (au = api_kit_auth(a, k, r))) {
		const struct ox_json_tok *exp = api_body_get(k, "expires_at");
		int64_t expires = 0, id = 0;
		if (exp && exp->type != OX_JSON_NULL &&
		    (exp->type != OX_JSON_STRING || ox_time_parse(exp->s, exp->len, &expires) < 0)) {
			ox_http_error(r, 400, "invalid body", "expires_at: an RFC 3339 time");
		} else {
			int rc = ox_auth_token_create(au, name, role, user[0] ? user : NULL, expires, secret, &id);
			if (rc == OX_AUTH_ENOTFOUND) /* the body named a user that is not there */
				rc = OX_AUTH_EINVAL;
			char detail[160];
			snprintf(detail, sizeof detail, "{\"id\":%" PRId64 ",\"role\":\"%s\"}", id, ox_role_name(role));
			if (rc) {
				auth_error(r, au, rc);
			} else if (api_audit(a, r, "token.create", name, detail)) {
				r->status = 201;
				ox_buf_addf(&r->out, "{\"id\":%" PRId64 ",\"name\":", id);
				ox_buf_add_json_str(&r->out, name, strlen(name));
				ox_buf_addf(&r->out, ",\"role\":\"%s\",\"secret\":\"%s\"}", ox_role_name(role), secret);
			}
			sodium_memzero(secret, sizeof secret);
		}
	}
	api_kit_give(a, k);
	return OX_HTTP_DONE;
}

enum ox_http_step api_token_revoke(void *ctx, struct ox_http_req *r)
{
	struct ox_api *a = ctx;
	char *end;
	long long id = strtoll(r->param, &end, 10);
	if (*end || id <= 0) {
		ox_http_error(r, 400, "invalid token id", r->param);
		return OX_HTTP_DONE;
	}
	struct kit *k = api_kit_take(a);
	struct ox_auth *au = api_kit_auth(a, k, r);
	int rc;
	if (au && (rc = ox_auth_token_revoke(au, id))) {
		auth_error(r, au, rc);
	} else if (au && api_audit(a, r, "token.revoke", r->param, NULL)) {
		r->status = 200;
		ox_buf_addf(&r->out, "{\"id\":%lld,\"revoked\":true}", id);
	}
	api_kit_give(a, k);
	return OX_HTTP_DONE;
}

/* ---- the audit log ---------------------------------------------------------------------------- */

enum ox_http_step api_audit_list(void *ctx, struct ox_http_req *r)
{
	struct ox_api *a = ctx;
	struct ox_audit_filter f = {
		.actor = ox_http_query(r, "actor"), .action = ox_http_query(r, "action"),
		.target = ox_http_query(r, "target"), .since = ox_http_query(r, "since"),
		.until = ox_http_query(r, "until"), .limit = ox_http_query(r, "limit"),
		.cursor = ox_http_query(r, "cursor"),
	};
	struct kit *k = api_kit_take(a);
	struct ox_audit *au = api_kit_audit(a, k, r);
	char err[OX_AUDIT_ERRSZ];
	int rc;
	if (au && (rc = ox_audit_query(au, &f, &r->out, err)) != 0) {
		if (rc == OX_AUDIT_EINVAL)
			ox_http_error(r, 400, "invalid query", err);
		else
			ox_http_error(r, 500, "audit log error", ox_audit_errmsg(au));
	} else if (au) {
		r->status = 200;
	}
	api_kit_give(a, k);
	return OX_HTTP_DONE;
}

/* test_desk.c - the case desk: routing, transitions, service levels and
 * escalation on the event clock, incidents, the playbook's checklist and
 * resolution record, and the action record. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "desk.h"
#include "engine.h"
#include "event.h"
#include "policy.h"

struct fx {
	struct ox_params p;
	struct ox_blacklist *bl;
	struct ox_engine *e;
	struct ox_decoder *d;
	struct ox_policy *pol;
	struct ox_desk *desk;
	ox_time t0;
	unsigned next_event;
	size_t changes;
};

static struct fx F;

static void count_change(void *ctx, const struct ox_case *c)
{
	(void)c;
	((struct fx *)ctx)->changes++;
}

/* A desk over a fresh engine; yaml (teams and routing) may be NULL. */
static void start(const char *yaml)
{
	char err[512];
	if (yaml && ox_policy_load_string("t.yaml", yaml, strlen(yaml), &F.p, &F.pol, err, sizeof err))
		fail_msg("%s", err);
	F.e = ox_engine_new(&F.p, F.bl);
	F.desk = ox_desk_new(&(struct ox_desk_opts){ .engine = F.e, .params = &F.p, .policy = F.pol,
						     .notify = true, .changed = count_change, .ctx = &F });
	ox_engine_set_listener(F.e, ox_desk_listener(F.desk));
}

static int setup(void **state)
{
	(void)state;
	memset(&F, 0, sizeof F);
	ox_params_init(&F.p);
	F.bl = ox_blacklist_new();
	struct ox_limits lim = ox_limits_default();
	F.d = ox_decoder_new(&lim);
	const char *t0 = "2026-11-11T10:00:00.000+08:00";
	ox_time_parse(t0, strlen(t0), &F.t0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ox_desk_free(F.desk);
	ox_engine_free(F.e);
	ox_policy_free(F.pol);
	ox_decoder_free(F.d);
	ox_blacklist_free(F.bl);
	ox_params_release(&F.p);
	return 0;
}

static ox_time at(int64_t minutes)
{
	return F.t0 + minutes * OX_MS_MINUTE;
}

static void feed(const char *line)
{
	struct ox_event ev;
	char err[OX_ERR_BUFSZ];
	if (ox_decode(F.d, line, strlen(line), &ev, err))
		fail_msg("%s\n  %s", err, line);
	ox_engine_apply(F.e, &ev);
}

/* An order with an empty phone: CUS_PHONE_INVALID opens at once. */
static struct ox_case *bad_order(const char *id, const char *channel, int64_t min)
{
	char line[1024], tb[OX_TIME_BUFSZ];
	snprintf(line, sizeof line,
		 "{\"id\":\"e%u\",\"type\":\"order.created\",\"ts\":\"%s\",\"order_id\":\"%s\","
		 "\"channel\":\"%s\",\"customer\":{\"id\":\"c1\",\"phone\":\"\",\"address\":{\"province\":\"浙江省\",\"city\":\"杭州市\",\"district\":\"西湖区\",\"detail\":\"文三路100号\"}},"
		 "\"items\":[{\"sku\":\"S\",\"qty\":1,\"price\":\"9.00\"}],\"total\":\"9.00\"}",
		 F.next_event++, ox_time_format(at(min), OX_TZ_CST, tb), id, channel);
	feed(line);
	struct ox_case *c = ox_engine_case_by_id(F.e, ox_engine_case(F.e, ox_engine_case_count(F.e) - 1)->id);
	assert_non_null(c);
	return c;
}

static void fix_phone(const char *id, int64_t min)
{
	char line[512], tb[OX_TIME_BUFSZ];
	snprintf(line, sizeof line,
		 "{\"id\":\"e%u\",\"type\":\"order.updated\",\"ts\":\"%s\",\"order_id\":\"%s\","
		 "\"customer\":{\"phone\":\"13812345678\"}}",
		 F.next_event++, ox_time_format(at(min), OX_TZ_CST, tb), id);
	feed(line);
}

static void tick(int64_t min)
{
	char line[256], tb[OX_TIME_BUFSZ];
	snprintf(line, sizeof line, "{\"id\":\"e%u\",\"type\":\"tick\",\"ts\":\"%s\"}", F.next_event++,
		 ox_time_format(at(min), OX_TZ_CST, tb));
	feed(line);
}

static int act(const struct ox_case *c, enum ox_desk_op op, const char *to, int64_t min, char err[256])
{
	struct ox_desk_action a = { .op = op };
	snprintf(a.case_id, sizeof a.case_id, "%s", c->id);
	snprintf(a.actor, sizeof a.actor, "lihua");
	if (to)
		a.to = (enum ox_case_status)ox_case_status_parse(to, strlen(to));
	snprintf(a.note, sizeof a.note, "n%lld", (long long)min);
	return ox_desk_apply(F.desk, &a, NULL, at(min), err);
}

static void move(const struct ox_case *c, const char *to, int64_t min)
{
	char err[256] = "";
	int rc = act(c, OX_DESK_TRANSITION, to, min, err);
	if (rc)
		fail_msg("%s -> %s: %s", c->id, to, err);
}

static size_t count_notices(enum ox_notice_kind kind, int level)
{
	size_t n, k = 0;
	const struct ox_notice *v = ox_desk_notices(F.desk, &n);
	for (size_t i = 0; i < n; i++)
		k += v[i].kind == kind && (level == 0 || v[i].level == level);
	return k;
}

static void test_routing_and_sla_start(void **state)
{
	(void)state;
	start("teams:\n"
	      "  cs_tmall: { lead: wang, members: [a1, a2], assign: round_robin }\n"
	      "routing:\n"
	      "  - match: { channel: tmall, category: customer }\n"
	      "    team: cs_tmall\n");
	struct ox_case *c1 = bad_order("O1", "tmall", 0), *c2 = bad_order("O2", "tmall", 1),
		       *c3 = bad_order("O3", "tmall", 2), *c4 = bad_order("O4", "jd", 3);
	assert_string_equal(c1->team, "cs_tmall");
	assert_string_equal(c1->assignee, "a1");
	assert_string_equal(c2->assignee, "a2");
	assert_string_equal(c3->assignee, "a1"); /* round robin wraps */
	assert_string_equal(c4->team, "cs");     /* no route: the rule's team */
	assert_string_equal(c4->assignee, "");
	assert_int_equal(c1->esc_level, 1);
	/* P3: respond 4h, resolve 48h from the opening */
	assert_int_equal(c1->respond_due, at(0) + 4 * OX_MS_HOUR);
	assert_int_equal(c1->resolve_due, at(0) + 48 * OX_MS_HOUR);
	assert_int_equal(count_notices(OX_NOTICE_OPENED, 0), 0); /* P3 cases do not page */
}

static void test_transition_table(void **state)
{
	(void)state;
	start(NULL);
	struct ox_case *c = bad_order("O1", "tmall", 0);
	char err[256];
	/* refused: open -> closed, and nothing changes */
	size_t n_tl = c->n_timeline;
	assert_int_equal(act(c, OX_DESK_TRANSITION, "closed", 1, err), OX_DESK_ECONFLICT);
	assert_non_null(strstr(err, "is open: it cannot become closed"));
	assert_int_equal(c->n_timeline, n_tl);
	move(c, "acknowledged", 1);
	assert_int_equal(c->responded_at, at(1));
	move(c, "in_progress", 2);
	assert_int_equal(act(c, OX_DESK_TRANSITION, "acknowledged", 3, err), OX_DESK_ECONFLICT);
	move(c, "resolved", 3);
	assert_int_equal(c->status, OX_CASE_RESOLVED);
	assert_int_equal(c->resolved_at, at(3));
	/* a person resolved it: detection lets go, a new firing is a new case */
	fix_phone("O1", 4);
	assert_int_equal(c->status, OX_CASE_RESOLVED);
	move(c, "closed", 5);
	assert_int_equal(act(c, OX_DESK_TRANSITION, "open", 6, err), OX_DESK_ECONFLICT);
	/* the timeline says who did what, from and to */
	const struct ox_timeline_entry *t = &c->timeline[c->n_timeline - 1];
	assert_int_equal(t->action, OX_ACT_STATUS_CHANGED);
	assert_string_equal(t->actor, "lihua");
	assert_int_equal(t->from, OX_CASE_RESOLVED);
	assert_int_equal(t->to, OX_CASE_CLOSED);
	assert_string_equal(t->note, "n5");
	assert_int_equal(act(c, OX_DESK_NOTE, NULL, 7, err), 0);
	assert_int_equal(c->timeline[c->n_timeline - 1].action, OX_ACT_NOTE);
	struct ox_desk_action bad = { .op = OX_DESK_TRANSITION, .case_id = "C09999999" };
	assert_int_equal(ox_desk_apply(F.desk, &bad, NULL, at(8), err), OX_DESK_ENOTFOUND);
}

/* Not acknowledged in time: breach, level 2 (the lead), told again every
 * repeat interval; not resolved in time: level 3. All on event time. */
static void test_escalation(void **state)
{
	(void)state;
	F.p.rules[OX_R_CUS_PHONE_INVALID].severity = 1; /* P1: respond 15m, resolve 4h */
	F.p.escalation_repeat = 30 * OX_MS_MINUTE;
	start("teams:\n  cs: { lead: wang, members: [a1] }\n");
	struct ox_case *c = bad_order("O1", "tmall", 0);
	assert_int_equal(count_notices(OX_NOTICE_OPENED, 1), 1);
	ox_desk_clear_notices(F.desk);
	tick(14);
	assert_int_equal(c->esc_level, 1);
	assert_int_equal(c->respond_breached_at, OX_TIME_NONE);
	tick(15);
	assert_int_equal(c->esc_level, 2);
	assert_int_equal(c->respond_breached_at, at(15));
	assert_int_equal(count_notices(OX_NOTICE_ESCALATED, 2), 1);
	const struct ox_timeline_entry *t = &c->timeline[c->n_timeline - 1];
	assert_int_equal(t->action, OX_ACT_ESCALATED);
	assert_string_equal(t->note, "level 2: wang");
	tick(44);
	assert_int_equal(count_notices(OX_NOTICE_ESCALATED, 2), 1);
	tick(45); /* repeat */
	assert_int_equal(count_notices(OX_NOTICE_ESCALATED, 2), 2);
	size_t n;
	const struct ox_notice *v = ox_desk_notices(F.desk, &n);
	assert_string_not_equal(v[0].idem, v[1].idem);
	move(c, "acknowledged", 50); /* the response came, late: the breach stays */
	assert_int_equal(c->respond_breached_at, at(15));
	tick(75);
	assert_int_equal(count_notices(OX_NOTICE_ESCALATED, 2), 2); /* met now: no more repeats */
	tick(240);
	assert_int_equal(c->esc_level, 3);
	assert_int_equal(c->resolve_breached_at, at(240));
	assert_int_equal(count_notices(OX_NOTICE_ESCALATED, 3), 1);
	move(c, "resolved", 250);
	tick(600);
	assert_int_equal(count_notices(OX_NOTICE_ESCALATED, 3), 1); /* resolved: quiet */
}

/* waiting_customer stops the resolve clock; leaving it moves the due time. */
static void test_pause(void **state)
{
	(void)state;
	F.p.rules[OX_R_CUS_PHONE_INVALID].severity = 1;
	start(NULL);
	struct ox_case *c = bad_order("O1", "tmall", 0);
	move(c, "waiting_customer", 10);
	assert_int_equal(c->responded_at, at(10));
	assert_int_equal(c->paused_at, at(10));
	tick(300); /* past the 4 h resolve time, but paused */
	assert_int_equal(c->resolve_breached_at, OX_TIME_NONE);
	assert_int_equal(c->esc_level, 1);
	move(c, "in_progress", 100);
	assert_int_equal(c->paused_at, OX_TIME_NONE);
	assert_int_equal(c->resolve_due, at(240 + 90));
	tick(329);
	assert_int_equal(c->resolve_breached_at, OX_TIME_NONE);
	tick(330);
	assert_int_equal(c->resolve_breached_at, at(330));
	assert_int_equal(c->esc_level, 3);
}

/* Reopening an auto-resolved case gives it back to detection, with a new
 * service level; not while a newer case of its key is open. */
static void test_reopen(void **state)
{
	(void)state;
	start(NULL);
	struct ox_case *c = bad_order("O1", "tmall", 0);
	fix_phone("O1", 5);
	assert_int_equal(c->status, OX_CASE_AUTO_RESOLVED);
	move(c, "open", 10);
	assert_int_equal(c->status, OX_CASE_OPEN);
	assert_int_equal(c->resolved_at, OX_TIME_NONE);
	assert_int_equal(c->resolve_due, at(10) + 48 * OX_MS_HOUR);
	move(c, "resolved", 11);
	struct ox_case *c2 = bad_order("O2", "tmall", 12);
	move(c2, "resolved", 13);
	move(c2, "open", 14);
	assert_int_equal(c2->status, OX_CASE_OPEN);
}

/* Resolving an incident with cascade resolves the members that can be. */
static void test_incident_cascade(void **state)
{
	(void)state;
	F.p.burst_count = 3;
	start(NULL);
	struct ox_case *m[3];
	for (int i = 0; i < 3; i++) {
		char id[16];
		snprintf(id, sizeof id, "O%d", i);
		m[i] = bad_order(id, "tmall", i);
	}
	struct ox_case *inc = NULL;
	for (size_t i = 0; i < ox_engine_case_count(F.e); i++)
		if (ox_engine_case(F.e, i)->rule == OX_R_INC_BURST)
			inc = ox_engine_case_by_id(F.e, ox_engine_case(F.e, i)->id);
	assert_non_null(inc);
	move(m[0], "resolved", 5);
	move(m[0], "closed", 6);
	char err[256];
	struct ox_desk_action a = { .op = OX_DESK_TRANSITION, .to = OX_CASE_RESOLVED, .cascade = true };
	snprintf(a.case_id, sizeof a.case_id, "%s", inc->id);
	snprintf(a.actor, sizeof a.actor, "boss");
	struct ox_desk_scope agent = { .any_team = false, .assign_others = false };
	assert_int_equal(ox_desk_apply(F.desk, &a, &agent, at(7), err), OX_DESK_EDENIED);
	assert_int_equal(ox_desk_apply(F.desk, &a, NULL, at(7), err), 0);
	assert_int_equal(inc->status, OX_CASE_RESOLVED);
	assert_int_equal(m[0]->status, OX_CASE_CLOSED); /* already done: left alone */
	assert_int_equal(m[1]->status, OX_CASE_RESOLVED);
	assert_int_equal(m[2]->status, OX_CASE_RESOLVED);
	assert_string_equal(m[1]->timeline[m[1]->n_timeline - 2].note, "C00000004 resolved");
	assert_int_equal(m[1]->timeline[m[1]->n_timeline - 1].action, OX_ACT_SURVEY_DUE); /* 售后回访 */
	a.cascade = true;
	snprintf(a.case_id, sizeof a.case_id, "%s", m[1]->id);
	assert_int_equal(ox_desk_apply(F.desk, &a, NULL, at(8), err), OX_DESK_EINVAL);
}

static void test_scope(void **state)
{
	(void)state;
	start(NULL);
	struct ox_case *c = bad_order("O1", "tmall", 0);
	const char *teams[] = { "payments" };
	struct ox_desk_scope agent = { .teams = teams, .n_teams = 1 };
	struct ox_desk_action a = { .op = OX_DESK_TRANSITION, .to = OX_CASE_ACKNOWLEDGED };
	snprintf(a.case_id, sizeof a.case_id, "%s", c->id);
	snprintf(a.actor, sizeof a.actor, "a1");
	char err[256];
	assert_int_equal(ox_desk_apply(F.desk, &a, &agent, at(1), err), OX_DESK_EDENIED);
	assert_non_null(strstr(err, "belongs to team cs"));
	teams[0] = "cs";
	assert_int_equal(ox_desk_apply(F.desk, &a, &agent, at(1), err), 0);
	struct ox_desk_action as = { .op = OX_DESK_ASSIGN, .assignee = "someone" };
	snprintf(as.case_id, sizeof as.case_id, "%s", c->id);
	snprintf(as.actor, sizeof as.actor, "a1");
	assert_int_equal(ox_desk_apply(F.desk, &as, &agent, at(2), err), OX_DESK_EDENIED);
	snprintf(as.assignee, sizeof as.assignee, "a1");
	assert_int_equal(ox_desk_apply(F.desk, &as, &agent, at(2), err), 0);
	assert_string_equal(c->assignee, "a1");
	/* a token acts as its user */
	struct ox_desk_scope via_token = { .self = "a1", .teams = teams, .n_teams = 1 };
	snprintf(as.actor, sizeof as.actor, "token:a1-laptop");
	as.assignee[0] = '\0';
	assert_int_equal(ox_desk_apply(F.desk, &as, &via_token, at(3), err), 0); /* gives its own back */
	assert_string_equal(c->assignee, "");
	snprintf(as.assignee, sizeof as.assignee, "a1");
	assert_int_equal(ox_desk_apply(F.desk, &as, &via_token, at(4), err), 0);
	/* nobody else's case can be unassigned by an agent */
	struct ox_desk_scope other = { .self = "a2", .teams = teams, .n_teams = 1 };
	as.assignee[0] = '\0';
	assert_int_equal(ox_desk_apply(F.desk, &as, &other, at(5), err), OX_DESK_EDENIED);
	assert_string_equal(c->assignee, "a1");
}

static void test_action_record(void **state)
{
	(void)state;
	struct ox_desk_action a = { .op = OX_DESK_TRANSITION, .case_id = "C00000042", .actor = "token:ci",
				    .at = 1762826400123, .to = OX_CASE_WAITING_CUSTOMER, .cascade = true,
				    .note = "已联系客户 \"quote\"\n" };
	struct ox_buf b;
	ox_buf_init(&b, SIZE_MAX);
	ox_desk_action_write(&a, &b);
	struct ox_desk_action back;
	char err[256];
	assert_int_equal(ox_desk_action_parse(&back, b.data, b.len, err), 0);
	assert_int_equal(back.op, a.op);
	assert_string_equal(back.case_id, a.case_id);
	assert_string_equal(back.actor, a.actor);
	assert_int_equal(back.at, a.at);
	assert_int_equal(back.to, a.to);
	assert_true(back.cascade);
	assert_string_equal(back.note, a.note);
	static const struct {
		const char *json, *err;
	} bad[] = {
		{ "[1]", "expected a JSON object" },
		{ "{\"op\":\"fly\"}", "op: unknown value \"fly\"" },
		{ "{\"to\":\"done\"}", "to: unknown value" },
		{ "{\"assignee\":\"a b\"}", "assignee: only letters" },
		{ "{\"cascade\":1}", "cascade: expected true or false" },
		{ "{\"at\":1.5}", "at: expected milliseconds" },
		{ "{\"whatever\":1}", "unknown field \"whatever\"" },
		{ "{\"note\":\"x", "not JSON" },
		/* found by fuzz_action: messages stay one line of UTF-8, keys match whole */
		{ "{\"op\":\"a\\nb\"}", "op: unknown value \"a?b\"" },
		{ "{\"aaaaaaaaaaaaaa中\":1}", "unknown field \"aaaaaaaaaaaaaa中\"" },
		{ "{\"op\\u0000x\":\"note\"}", "unknown field \"op?x\"" },
		{ "{\"at\":9999999999999999999}", "at: expected milliseconds" },
		{ "{\"at\":-1}", "at: expected milliseconds" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		assert_int_equal(ox_desk_action_parse(&back, bad[i].json, strlen(bad[i].json), err), OX_DESK_EINVAL);
		if (!strstr(err, bad[i].err))
			fail_msg("%s: \"%s\" lacks \"%s\"", bad[i].json, err, bad[i].err);
	}
	/* a case id with a quote is written escaped, and reads back */
	struct ox_desk_action q = { .op = OX_DESK_NOTE, .case_id = "C\"1", .actor = "li.na", .at = 1 };
	ox_buf_reset(&b);
	ox_desk_action_write(&q, &b);
	assert_int_equal(ox_desk_action_parse(&back, b.data, b.len, err), 0);
	assert_string_equal(back.case_id, "C\"1");
	/* the playbook's fields: a resolution and its root cause, a checklist item */
	struct ox_desk_action r = { .op = OX_DESK_TRANSITION, .case_id = "C00000007", .actor = "li.na", .at = 5,
				    .to = OX_CASE_RESOLVED, .resolution = "refunded", .root_cause = "payment_provider",
				    .note = "已原路退回" };
	ox_buf_reset(&b);
	ox_desk_action_write(&r, &b);
	assert_non_null(strstr(b.data, "\"resolution\":\"refunded\",\"root_cause\":\"payment_provider\""));
	assert_int_equal(ox_desk_action_parse(&back, b.data, b.len, err), 0);
	assert_string_equal(back.resolution, "refunded");
	assert_string_equal(back.root_cause, "payment_provider");
	assert_string_equal(back.note, "已原路退回");
	r.resolution[0] = r.root_cause[0] = '\0'; /* as before the rule: no keys at all */
	ox_buf_reset(&b);
	ox_desk_action_write(&r, &b);
	assert_null(strstr(b.data, "resolution"));
	assert_null(strstr(b.data, "root_cause"));
	for (int done = 0; done < 2; done++) {
		struct ox_desk_action k = { .op = OX_DESK_CHECK, .case_id = "C00000007", .actor = "li.na", .at = 6,
					    .item = "ask_payment_proof", .done = done };
		ox_buf_reset(&b);
		ox_desk_action_write(&k, &b);
		assert_int_equal(ox_desk_action_parse(&back, b.data, b.len, err), 0);
		assert_int_equal(back.op, OX_DESK_CHECK);
		assert_string_equal(back.item, "ask_payment_proof");
		assert_int_equal(back.done, done);
	}
	/* a request body that leaves done out ticks */
	const char *tick_body = "{\"item\":\"ask_payment_proof\"}";
	assert_int_equal(ox_desk_action_parse(&back, tick_body, strlen(tick_body), err), 0);
	assert_true(back.done);
	static const struct {
		const char *json, *err;
	} bad2[] = {
		{ "{\"item\":\"Ask\"}", "item: only a-z, 0-9 and _" },
		{ "{\"done\":\"yes\"}", "done: expected true or false" },
		{ "{\"resolution\":\"re fund\"}", "resolution: only a-z" },
		{ "{\"root_cause\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}", "root_cause: longer than 23 bytes" },
	};
	for (size_t i = 0; i < sizeof bad2 / sizeof bad2[0]; i++) {
		err[0] = '\0';
		assert_int_equal(ox_desk_action_parse(&back, bad2[i].json, strlen(bad2[i].json), err), OX_DESK_EINVAL);
		if (!strstr(err, bad2[i].err))
			fail_msg("%s: \"%s\" lacks \"%s\"", bad2[i].json, err, bad2[i].err);
	}
	char big[OX_DESK_NOTE_MAX + 64];
	int n = snprintf(big, sizeof big, "{\"note\":\"");
	memset(big + n, 'x', OX_DESK_NOTE_MAX + 1);
	snprintf(big + n + OX_DESK_NOTE_MAX + 1, sizeof big - (size_t)n - OX_DESK_NOTE_MAX - 1, "\"}");
	assert_int_equal(ox_desk_action_parse(&back, big, strlen(big), err), OX_DESK_EINVAL);
	ox_buf_release(&b);
}

/* Phone numbers never reach a notice. */
/* A person's action with a scope (live), as the API makes it. */
static struct ox_desk_scope boss = { .self = "boss", .any_team = true, .assign_others = true };

static int check(const struct ox_case *c, const char *item, bool done, const struct ox_desk_scope *scope,
		 int64_t min, char err[256])
{
	struct ox_desk_action a = { .op = OX_DESK_CHECK, .done = done };
	snprintf(a.case_id, sizeof a.case_id, "%s", c->id);
	snprintf(a.actor, sizeof a.actor, "lihua");
	snprintf(a.item, sizeof a.item, "%s", item);
	return ox_desk_apply(F.desk, &a, scope, at(min), err);
}

static int resolve(const struct ox_case *c, const char *resolution, const char *root_cause, const char *note,
		   const struct ox_desk_scope *scope, int64_t min, char err[256])
{
	struct ox_desk_action a = { .op = OX_DESK_TRANSITION, .to = OX_CASE_RESOLVED };
	snprintf(a.case_id, sizeof a.case_id, "%s", c->id);
	snprintf(a.actor, sizeof a.actor, "lihua");
	snprintf(a.resolution, sizeof a.resolution, "%s", resolution);
	snprintf(a.root_cause, sizeof a.root_cause, "%s", root_cause);
	snprintf(a.note, sizeof a.note, "%s", note);
	return ox_desk_apply(F.desk, &a, scope, at(min), err);
}

/* Checklist items are ticked by id, in tick order, each a timeline entry;
 * unticking removes; an id not on the playbook is refused live, with a
 * suggestion; a closed case's checklist is final. */
static void test_checklist(void **state)
{
	(void)state;
	start(NULL);
	struct ox_case *c = bad_order("O1", "tmall", 0); /* CUS_PHONE_INVALID */
	char err[256];
	assert_int_equal(check(c, "update_phone", true, &boss, 1, err), 0);
	assert_int_equal(check(c, "review_phone", true, &boss, 2, err), 0);
	assert_int_equal(c->n_checked, 2);
	assert_string_equal(c->checked[0], "update_phone"); /* tick order, not checklist order */
	assert_string_equal(c->checked[1], "review_phone");
	const struct ox_timeline_entry *t = &c->timeline[c->n_timeline - 1];
	assert_int_equal(t->action, OX_ACT_CHECKED);
	assert_string_equal(t->note, "review_phone");
	assert_string_equal(t->actor, "lihua");
	assert_int_equal(t->at, at(2));
	/* ticking again changes nothing */
	size_t n_tl = c->n_timeline;
	assert_int_equal(check(c, "review_phone", true, &boss, 3, err), 0);
	assert_int_equal(c->n_checked, 2);
	assert_int_equal(c->n_timeline, n_tl);
	assert_int_equal(check(c, "update_phone", false, &boss, 4, err), 0);
	assert_int_equal(c->n_checked, 1);
	assert_string_equal(c->checked[0], "review_phone");
	assert_int_equal(c->timeline[c->n_timeline - 1].action, OX_ACT_UNCHECKED);
	assert_string_equal(c->timeline[c->n_timeline - 1].note, "update_phone");

	/* unknown ids: a did-you-mean, or the ids there are */
	n_tl = c->n_timeline;
	assert_int_equal(check(c, "review_phon", true, &boss, 5, err), OX_DESK_EINVAL);
	assert_non_null(strstr(err, "did you mean 'review_phone'"));
	assert_int_equal(check(c, "zzzzzzzzzzzz", true, &boss, 5, err), OX_DESK_EINVAL);
	assert_non_null(strstr(err, "not on the checklist of CUS_PHONE_INVALID (review_phone, contact_other_channel"));
	assert_int_equal(check(c, "", true, &boss, 5, err), OX_DESK_EINVAL);
	assert_int_equal(c->n_timeline, n_tl);
	assert_int_equal(c->n_checked, 1);
	/* a replay takes what was logged: the checklist may have changed since */
	assert_int_equal(check(c, "old_item", true, NULL, 5, err), 0);
	assert_string_equal(c->checked[1], "old_item");

	/* the copy the store gets holds them too */
	struct ox_case copy;
	ox_case_copy(&copy, c);
	assert_int_equal(copy.n_checked, 2);
	assert_string_equal(copy.checked[1], "old_item");
	assert_ptr_not_equal(copy.checked[1], c->checked[1]);
	struct ox_buf b;
	ox_buf_init(&b, SIZE_MAX);
	ox_case_to_json(&copy, NULL, &b);
	assert_non_null(strstr(b.data, ",\"checked\":[\"review_phone\",\"old_item\"],\"resolution\":null,\"calls\":[],\"timeline\":["));
	ox_buf_release(&b);
	ox_case_release(&copy);

	/* resolved: still tickable (the record may come later); closed: final */
	assert_int_equal(resolve(c, "phone_corrected", "customer", "客户更正了电话", &boss, 6, err), 0);
	assert_int_equal(check(c, "contact_other_channel", true, &boss, 7, err), 0);
	move(c, "closed", 8);
	assert_int_equal(check(c, "update_phone", true, &boss, 9, err), OX_DESK_ECONFLICT);
	assert_non_null(strstr(err, "is closed"));
	/* an agent ticks on its own team's cases only, like a note */
	struct ox_case *c2 = bad_order("O2", "tmall", 10);
	const char *teams[] = { "payments" };
	struct ox_desk_scope agent = { .self = "a1", .teams = teams, .n_teams = 1 };
	assert_int_equal(check(c2, "review_phone", true, &agent, 11, err), OX_DESK_EDENIED);
	teams[0] = "cs";
	assert_int_equal(check(c2, "review_phone", true, &agent, 11, err), 0);
}

/* "记录与复盘": a person resolves with a resolution of the case's category,
 * a root cause and a note; a replay applies what was logged, old records
 * without them too; a reopen clears them. */
static void test_resolution(void **state)
{
	(void)state;
	start(NULL);
	struct ox_case *c = bad_order("O1", "tmall", 0); /* category customer */
	char err[256];
	static const struct {
		const char *resolution, *root_cause, *note, *err;
	} bad[] = {
		{ "", "customer", "n", "resolution: required to resolve case C00000001 (a code of category customer" },
		{ "phone_corected", "customer", "n", "unknown resolution 'phone_corected' (did you mean 'phone_corrected'?)" },
		{ "payment_confirmed", "customer", "n", "'payment_confirmed' is not a resolution of category customer" },
		{ "phone_corrected", "", "n", "root_cause: required" },
		{ "phone_corrected", "custmer", "n", "unknown root cause 'custmer' (did you mean 'customer'?)" },
		{ "phone_corrected", "customer", "", "note: required to resolve" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		assert_int_equal(resolve(c, bad[i].resolution, bad[i].root_cause, bad[i].note, &boss, 1, err),
				 OX_DESK_EINVAL);
		if (!strstr(err, bad[i].err))
			fail_msg("%zu: \"%s\" lacks \"%s\"", i, err, bad[i].err);
		assert_int_equal(c->status, OX_CASE_OPEN);
	}
	/* a move the table refuses is a conflict first */
	move(c, "acknowledged", 1);
	struct ox_case *done = bad_order("O9", "tmall", 1);
	fix_phone("O9", 2);
	move(done, "closed", 3);
	assert_int_equal(resolve(done, "", "", "", &boss, 4, err), OX_DESK_ECONFLICT);
	/* the resolution fields belong to resolving only */
	struct ox_desk_action a = { .op = OX_DESK_TRANSITION, .to = OX_CASE_IN_PROGRESS, .resolution = "refunded" };
	snprintf(a.case_id, sizeof a.case_id, "%s", c->id);
	assert_int_equal(ox_desk_apply(F.desk, &a, &boss, at(4), err), OX_DESK_EINVAL);
	assert_non_null(strstr(err, "only when resolving"));

	assert_int_equal(resolve(c, "phone_corrected", "customer", "客户在旺旺上给了新号码", &boss, 5, err), 0);
	assert_int_equal(c->status, OX_CASE_RESOLVED);
	assert_string_equal(c->resolution, "phone_corrected");
	assert_string_equal(c->root_cause, "customer");
	struct ox_buf b;
	ox_buf_init(&b, SIZE_MAX);
	ox_case_to_json(c, NULL, &b);
	assert_non_null(strstr(b.data, ",\"resolution\":{\"code\":\"phone_corrected\",\"root_cause\":\"customer\"},\"calls\":[],\"timeline\":["));
	/* reopened: no longer resolved, and so without a resolution */
	move(c, "open", 6);
	assert_string_equal(c->resolution, "");
	assert_string_equal(c->root_cause, "");
	ox_buf_reset(&b);
	ox_case_to_json(c, NULL, &b);
	assert_non_null(strstr(b.data, ",\"resolution\":null,"));
	ox_buf_release(&b);

	/* a replay (no scope) applies a record of before the rule as it was */
	struct ox_case *old = bad_order("O2", "tmall", 7);
	assert_int_equal(resolve(old, "", "", "", NULL, 8, err), 0);
	assert_int_equal(old->status, OX_CASE_RESOLVED);
	assert_string_equal(old->resolution, "");
	/* and one with them, without judging them again */
	struct ox_case *rec = bad_order("O3", "tmall", 9);
	assert_int_equal(resolve(rec, "some_old_code", "customer", "", NULL, 10, err), 0);
	assert_string_equal(rec->resolution, "some_old_code");
}

/* An incident's cascade gives its members its resolution and root cause. */
static void test_resolution_cascade(void **state)
{
	(void)state;
	F.p.burst_count = 3;
	start(NULL);
	struct ox_case *m[3];
	for (int i = 0; i < 3; i++) {
		char id[16];
		snprintf(id, sizeof id, "O%d", i);
		m[i] = bad_order(id, "tmall", i);
	}
	struct ox_case *inc = ox_engine_case_by_id(F.e, "C00000004");
	assert_non_null(inc);
	assert_int_equal(inc->rule, OX_R_INC_BURST);
	struct ox_desk_action a = { .op = OX_DESK_TRANSITION, .to = OX_CASE_RESOLVED, .cascade = true,
				    .resolution = "system_fixed", .root_cause = "system", .note = "接口已修复" };
	snprintf(a.case_id, sizeof a.case_id, "%s", inc->id);
	snprintf(a.actor, sizeof a.actor, "boss");
	char err[256];
	assert_int_equal(ox_desk_apply(F.desk, &a, &boss, at(5), err), 0);
	assert_string_equal(inc->resolution, "system_fixed");
	for (int i = 0; i < 3; i++) {
		assert_int_equal(m[i]->status, OX_CASE_RESOLVED);
		assert_string_equal(m[i]->resolution, "system_fixed");
		assert_string_equal(m[i]->root_cause, "system");
	}
}

static void test_notice_masks(void **state)
{
	(void)state;
	F.p.rules[OX_R_CUS_PHONE_INVALID].severity = 2;
	start(NULL);
	char line[1024], tb[OX_TIME_BUFSZ];
	snprintf(line, sizeof line,
		 "{\"id\":\"x1\",\"type\":\"order.created\",\"ts\":\"%s\",\"order_id\":\"O1\","
		 "\"channel\":\"tmall\",\"customer\":{\"id\":\"c1\",\"phone\":\"1381234567\",\"address\":{\"province\":\"浙江省\",\"city\":\"杭州市\",\"district\":\"西湖区\",\"detail\":\"文三路100号\"}},"
		 "\"items\":[{\"sku\":\"S\",\"qty\":1,\"price\":\"9.00\"}],\"total\":\"9.00\"}",
		 ox_time_format(at(0), OX_TZ_CST, tb));
	feed(line);
	size_t n;
	const struct ox_notice *v = ox_desk_notices(F.desk, &n);
	assert_int_equal(n, 1);
	assert_null(strstr(v[0].summary_zh, "1381234567"));
	assert_string_equal(v[0].case_id, "C00000001");
	assert_int_equal(v[0].severity, 2);
}

/* "售后回访": resolving makes the case due for a survey, once; an answer
 * needs a resolved or closed case and a score 1..5; a correction is a new
 * answer the case shows, both stay in the timeline; the record round-trips. */
static int csat(const struct ox_case *c, int score, const char *comment, int64_t min, char err[256])
{
	struct ox_desk_action a = { .op = OX_DESK_CSAT, .score = (uint8_t)score };
	snprintf(a.case_id, sizeof a.case_id, "%s", c->id);
	snprintf(a.actor, sizeof a.actor, "lihua");
	snprintf(a.note, sizeof a.note, "%s", comment);
	return ox_desk_apply(F.desk, &a, NULL, at(min), err);
}

static size_t count_actions(const struct ox_case *c, enum ox_case_action action)
{
	size_t n = 0;
	for (size_t i = 0; i < c->n_timeline; i++)
		n += c->timeline[i].action == action;
	return n;
}

static void test_csat(void **state)
{
	(void)state;
	start(NULL);
	struct ox_case *c = bad_order("O1", "tmall", 0);
	char err[256];
	assert_int_equal(csat(c, 4, "", 1, err), OX_DESK_ECONFLICT);
	assert_non_null(strstr(err, "resolved or closed"));
	assert_int_equal(count_actions(c, OX_ACT_SURVEY_DUE), 0);
	move(c, "resolved", 2);
	assert_int_equal(count_actions(c, OX_ACT_SURVEY_DUE), 1);
	assert_int_equal(c->timeline[c->n_timeline - 1].action, OX_ACT_SURVEY_DUE);
	assert_int_equal(csat(c, 0, "", 3, err), OX_DESK_EINVAL);
	assert_int_equal(csat(c, 6, "", 3, err), OX_DESK_EINVAL);
	assert_int_equal(c->csat_score, 0);
	assert_int_equal(csat(c, 2, "物流太慢", 3, err), 0);
	assert_int_equal(c->csat_score, 2);
	assert_string_equal(c->csat_comment, "物流太慢");
	assert_int_equal(csat(c, 5, "", 4, err), 0); /* the agent mis-keyed it */
	assert_int_equal(c->csat_score, 5);
	assert_null(c->csat_comment);
	assert_int_equal(c->csat_at, at(4));
	assert_int_equal(count_actions(c, OX_ACT_CSAT), 2);
	assert_string_equal(c->timeline[c->n_timeline - 2].note, "2 物流太慢");
	/* reopened and resolved again: still one survey */
	move(c, "open", 5);
	assert_int_equal(csat(c, 3, "", 6, err), OX_DESK_ECONFLICT);
	move(c, "resolved", 7);
	move(c, "closed", 8);
	assert_int_equal(count_actions(c, OX_ACT_SURVEY_DUE), 1);
	assert_int_equal(csat(c, 3, "", 9, err), 0);
	/* the record */
	struct ox_desk_action a = { .op = OX_DESK_CSAT, .score = 4, .at = at(9) }, back;
	snprintf(a.case_id, sizeof a.case_id, "%s", c->id);
	snprintf(a.actor, sizeof a.actor, "lihua");
	snprintf(a.note, sizeof a.note, "很满意");
	struct ox_buf b;
	ox_buf_init(&b, SIZE_MAX);
	ox_desk_action_write(&a, &b);
	assert_non_null(strstr(b.data, "\"op\":\"csat\""));
	assert_int_equal(ox_desk_action_parse(&back, b.data, b.len, err), 0);
	assert_int_equal(back.op, OX_DESK_CSAT);
	assert_int_equal(back.score, 4);
	assert_string_equal(back.note, "很满意");
	const char *bad[] = { "{\"score\":0}", "{\"score\":6}", "{\"score\":4.5}", "{\"score\":\"4\"}", "{\"score\":-1}" };
	for (size_t i = 0; i < OX_ARRAY_LEN(bad); i++)
		assert_int_equal(ox_desk_action_parse(&back, bad[i], strlen(bad[i]), err), OX_DESK_EINVAL);
	const char *answer = "{\"score\":3,\"comment\":\"ok\"}";
	assert_int_equal(ox_desk_action_parse(&back, answer, strlen(answer), err), 0);
	assert_string_equal(back.note, "ok");
	ox_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define U(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		U(test_routing_and_sla_start),
		U(test_transition_table),
		U(test_escalation),
		U(test_pause),
		U(test_reopen),
		U(test_incident_cascade),
		U(test_scope),
		U(test_action_record),
		U(test_checklist),
		U(test_resolution),
		U(test_resolution_cascade),
		U(test_notice_masks),
		U(test_csat),
#undef U
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* sim.c - `ordex sim`: options, the stages of sim_int.h, and the small
 * helpers every stage shares (random numbers, records, labels).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "sim.h"
#include "sim_int.h"

/* ---- random numbers ----------------------------------------------------- */

uint64_t ox_sim_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= UINT64_C(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64_C(0x94d049bb133111eb);
	return x ^ (x >> 31);
}

/* Streams are independent sequences, one per order and stage, so that a
 * change in one order's draws does not reshuffle every other order. */
void ox_sim_rng_seed(struct ox_sim_rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ ox_sim_mix(stream + UINT64_C(0x9e3779b97f4a7c15));
	for (int i = 0; i < 4; i++) {
		x += UINT64_C(0x9e3779b97f4a7c15);
		r->s[i] = ox_sim_mix(x);
	}
}

size_t ox_sim_pick(struct ox_sim_rng *r, const double *w, size_t n)
{
	double total = 0;
	for (size_t i = 0; i < n; i++)
		total += w[i];
	double x = ox_sim_unit(r) * total;
	for (size_t i = 0; i < n; i++) {
		if (x < w[i])
			return i;
		x -= w[i];
	}
	for (size_t i = n; i-- > 0;) /* rounding: the last non-zero weight */
		if (w[i] > 0)
			return i;
	return 0;
}

int64_t ox_sim_lognormal(struct ox_sim_rng *r, int64_t median, double sigma, int64_t lo, int64_t hi)
{
	/* Box-Muller; 1 - unit() keeps log() away from 0 */
	double z = sqrt(-2.0 * log(1.0 - ox_sim_unit(r))) * cos(2.0 * M_PI * ox_sim_unit(r));
	double v = (double)median * exp(sigma * z);
	if (v < (double)lo)
		return lo;
	if (v > (double)hi)
		return hi;
	return (int64_t)v;
}

/* ---- records, labels, tables ---------------------------------------------- */

#define OX_SIM_MAX_RECORDS (UINT32_MAX - 1)

/* A zeroed record at the end, with its sequence number. */
static struct ox_sim_rec *rec_push(struct ox_sim *s)
{
	if (s->n_recs >= OX_SIM_MAX_RECORDS) {
		fprintf(stderr, "ordex sim: more than %lu events\n", (unsigned long)OX_SIM_MAX_RECORDS);
		exit(2);
	}
	OX_GROW(s->recs, s->cap_recs, s->n_recs + 1);
	struct ox_sim_rec *rec = &s->recs[s->n_recs];
	memset(rec, 0, sizeof *rec);
	rec->seq = (uint32_t)s->n_recs++;
	return rec;
}

struct ox_sim_rec *ox_sim_rec_add(struct ox_sim *s, uint8_t type, ox_time ts, uint32_t ref)
{
	struct ox_sim_rec *rec = rec_push(s);
	rec->arrival = rec->ts = ts;
	rec->type = type;
	rec->ref = ref;
	rec->id = s->next_id++;
	ox_sim_horizon(s, ts);
	return rec;
}

struct ox_sim_rec *ox_sim_rec_resend(struct ox_sim *s, size_t i, bool same_id)
{
	struct ox_sim_rec copy = s->recs[i];
	struct ox_sim_rec *rec = rec_push(s);
	uint32_t seq = rec->seq;
	*rec = copy;
	rec->seq = seq;
	rec->flags = 0;
	if (!same_id)
		rec->id = s->next_id++;
	return rec;
}

void ox_sim_label(struct ox_sim *s, enum ox_rule rule, uint32_t ref, ox_time opened_at, int status)
{
	OX_GROW(s->labels, s->cap_labels, s->n_labels + 1);
	s->labels[s->n_labels++] = (struct ox_sim_label){ opened_at, ref, (uint8_t)rule, (uint8_t)status };
	ox_sim_horizon(s, opened_at);
}

void ox_sim_horizon(struct ox_sim *s, ox_time t)
{
	if (t != OX_TIME_NONE && t > s->horizon)
		s->horizon = t;
}

uint32_t ox_sim_add_update(struct ox_sim *s, uint8_t what)
{
	OX_GROW(s->upd, s->cap_upd, s->n_upd + 1);
	struct ox_sim_update *u = &s->upd[s->n_upd];
	memset(u, 0, sizeof *u);
	u->what = what;
	return (uint32_t)s->n_upd++;
}

uint32_t ox_sim_add_customer(struct ox_sim *s)
{
	OX_GROW(s->cust, s->cap_cust, s->n_cust + 1);
	struct ox_sim_customer *c = &s->cust[s->n_cust];
	memset(c, 0, sizeof *c);
	c->registered = OX_TIME_NONE;
	/* "u" + 9 digits: 7919 is prime to 9*10^8, so numbers never repeat */
	c->number = (uint32_t)(100000000u + ((uint64_t)s->n_cust * 7919u + 12345u) % 900000000u);
	return (uint32_t)s->n_cust++;
}

/* ---- options ------------------------------------------------------------ */

static const char usage[] =
	"usage: ordex sim [OPTIONS]\n"
	"\n"
	"Writes a realistic shop event stream (NDJSON, events.md) and, with --labels,\n"
	"the cases `ordex replay` must open on it (one JSON object per line) and\n"
	"LABELS.blacklist for `ordex replay --blacklist`. Same seed, same bytes.\n"
	"\n"
	"  --orders N          orders to create (default 1000)\n"
	"  --start TS          RFC 3339 start of the period\n"
	"                      (default 2026-11-10T20:00:00+08:00)\n"
	"  --hours H           hours over which orders are created (default 24); a\n"
	"                      Double 11 midnight peak when 11-11T00:00+08:00 is in it\n"
	"  --seed S            random seed, an unsigned integer (default 1)\n"
	"  --out FILE          the stream (default standard output)\n"
	"  --labels FILE       the ground truth; also writes FILE.blacklist\n"
	"  --anomaly-rate R    fraction of orders with an injected anomaly (default 0.05)\n"
	"  --rate RULE=P       weight of RULE among the anomalies (repeatable; 0 turns\n"
	"                      a rule off)\n"
	"  --no-noise          no late or reordered events, resends, split payments\n"
	"  --skus N            catalogue size (default 300)\n"
	"  --help              this text\n"
	"\n"
	"See docs/sim.md.\n";

static int bad_value(const char *opt, const char *val, const char *want)
{
	fprintf(stderr, "ordex sim: %s: expected %s, got '%s'\n", opt, want, val);
	return 2;
}

static bool parse_u64(const char *s, uint64_t *out)
{
	if (!*s || *s == '-' || *s == '+')
		return false;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

static bool parse_double(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v))
		return false;
	*out = v;
	return true;
}

/* ---- option setters: 0, or an exit code after a message --------------- */

static int set_orders(struct ox_sim_opts *o, const char *opt, const char *val)
{
	uint64_t u;
	if (!parse_u64(val, &u) || u < 1 || u > OX_SIM_MAX_ORDERS)
		return bad_value(opt, val, "an integer in 1..9999999");
	o->orders = (size_t)u;
	return 0;
}

static int set_skus(struct ox_sim_opts *o, const char *opt, const char *val)
{
	uint64_t u;
	if (!parse_u64(val, &u) || u < 10 || u > 1000000)
		return bad_value(opt, val, "an integer in 10..1000000");
	o->skus = (size_t)u;
	return 0;
}

static int set_seed(struct ox_sim_opts *o, const char *opt, const char *val)
{
	return parse_u64(val, &o->seed) ? 0 : bad_value(opt, val, "an unsigned integer");
}

static int set_hours(struct ox_sim_opts *o, const char *opt, const char *val)
{
	double d;
	if (!parse_double(val, &d) || d < 0.1 || d > 24 * 366)
		return bad_value(opt, val, "a number of hours in 0.1..8784");
	o->hours = (int64_t)(d * (double)OX_MS_HOUR);
	return 0;
}

static int set_start(struct ox_sim_opts *o, const char *opt, const char *val)
{
	return ox_time_parse(val, strlen(val), &o->start) == 0 ? 0
								  : bad_value(opt, val, "an RFC 3339 time with offset");
}

static int set_anomaly_rate(struct ox_sim_opts *o, const char *opt, const char *val)
{
	double d;
	if (!parse_double(val, &d) || d < 0 || d > 1)
		return bad_value(opt, val, "a fraction in 0..1");
	o->anomaly_rate = d;
	return 0;
}

static int set_rate(struct ox_sim_opts *o, const char *opt, const char *val)
{
	const char *eq = strchr(val, '=');
	double w;
	if (!eq || !parse_double(eq + 1, &w) || w < 0)
		return bad_value(opt, val, "RULE=WEIGHT with a weight >= 0");
	int r = ox_rule_by_code(val, (size_t)(eq - val));
	if (r < 0) {
		fprintf(stderr, "ordex sim: %s: unknown rule '%.*s'\n", opt, (int)(eq - val), val);
		return 2;
	}
	o->weight[r] = w;
	return 0;
}

static int set_out(struct ox_sim_opts *o, const char *opt, const char *val)
{
	(void)opt;
	o->out = val;
	return 0;
}

static int set_labels(struct ox_sim_opts *o, const char *opt, const char *val)
{
	(void)opt;
	o->labels = val;
	return 0;
}

static int set_no_noise(struct ox_sim_opts *o, const char *opt, const char *val)
{
	(void)opt;
	(void)val;
	o->noise = false;
	return 0;
}

static const struct option {
	const char *name;
	bool takes_value;
	int (*set)(struct ox_sim_opts *o, const char *opt, const char *val);
} options[] = {
	{ "--orders", true, set_orders },
	{ "--start", true, set_start },
	{ "--hours", true, set_hours },
	{ "--seed", true, set_seed },
	{ "--out", true, set_out },
	{ "--labels", true, set_labels },
	{ "--anomaly-rate", true, set_anomaly_rate },
	{ "--rate", true, set_rate },
	{ "--no-noise", false, set_no_noise },
	{ "--skus", true, set_skus },
};

/* Returns -1 to go on, else an exit code. */
static int parse_opts(struct ox_sim_opts *o, int argc, char **argv)
{
	o->orders = 1000;
	o->hours = 24 * OX_MS_HOUR;
	o->seed = 1;
	o->anomaly_rate = 0.05;
	o->noise = true;
	o->skus = 300;
	const char *start = "2026-11-10T20:00:00+08:00";
	ox_time_parse(start, strlen(start), &o->start);
	for (int r = 0; r < OX_R__COUNT; r++)
		o->weight[r] = ox_sim_injectors[r].weight;

	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			fputs(usage, stdout);
			return 0;
		}
		/* "--opt V" or "--opt=V" */
		const char *eq = strncmp(arg, "--", 2) == 0 ? strchr(arg, '=') : NULL;
		size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
		const struct option *opt = NULL;
		for (size_t k = 0; k < OX_ARRAY_LEN(options); k++)
			if (strlen(options[k].name) == len && memcmp(options[k].name, arg, len) == 0)
				opt = &options[k];
		if (!opt) {
			fprintf(stderr, "ordex sim: unknown option '%s' (try --help)\n", arg);
			return 2;
		}
		const char *val = eq ? eq + 1 : NULL;
		if (opt->takes_value && !val) {
			if (i + 1 >= argc) {
				fprintf(stderr, "ordex sim: %s needs a value (try --help)\n", opt->name);
				return 2;
			}
			val = argv[++i];
		} else if (!opt->takes_value && val) {
			fprintf(stderr, "ordex sim: %s takes no value\n", opt->name);
			return 2;
		}
		int rc = opt->set(o, opt->name, val);
		if (rc)
			return rc;
	}
	return -1;
}

/* ---- the stages ------------------------------------------------------------ */

static void ticks(struct ox_sim *s)
{
	ox_time first = s->opt.start - ((s->opt.start % OX_MS_HOUR) + OX_MS_HOUR) % OX_MS_HOUR + OX_MS_HOUR;
	ox_time last = s->horizon + 2 * OX_MS_HOUR;
	last -= ((last % OX_MS_HOUR) + OX_MS_HOUR) % OX_MS_HOUR;
	for (ox_time t = first; t <= last; t += OX_MS_HOUR)
		ox_sim_rec_add(s, OX_EV_TICK, t, 0);
}

static int rec_cmp(const void *a, const void *b)
{
	const struct ox_sim_rec *x = a, *y = b;
	if (x->arrival != y->arrival)
		return x->arrival < y->arrival ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void sim_release(struct ox_sim *s)
{
	ox_sim_geo_free(s->geo);
	free(s->skus);
	free(s->sku_cum);
	free(s->cust);
	free(s->orders);
	free(s->order_ids);
	free(s->items);
	free(s->upd);
	free(s->recs);
	free(s->labels);
	free(s->black);
	free(s->outages);
}

/* Write with `write` into path ("-" or NULL: standard output). */
static int write_file(struct ox_sim *s, const char *path, int (*write)(struct ox_sim *, FILE *))
{
	bool std = !path || strcmp(path, "-") == 0;
	FILE *f = std ? stdout : fopen(path, "w");
	if (!f) {
		fprintf(stderr, "ordex sim: cannot write '%s': %s\n", path, strerror(errno));
		return 2;
	}
	static char iobuf[1 << 20];
	setvbuf(f, iobuf, _IOFBF, sizeof iobuf);
	int rc = write(s, f);
	if (fflush(f) != 0 || ferror(f))
		rc = -1;
	if (!std && fclose(f) != 0)
		rc = -1;
	setvbuf(stdout, NULL, _IOFBF, BUFSIZ); /* iobuf is reused */
	if (rc < 0) {
		fprintf(stderr, "ordex sim: error writing '%s': %s\n", std ? "standard output" : path,
			strerror(errno));
		return 2;
	}
	return 0;
}

int ox_cmd_sim(int argc, char **argv)
{
	struct ox_sim s;
	memset(&s, 0, sizeof s);
	int rc = parse_opts(&s.opt, argc, argv);
	if (rc >= 0)
		return rc;
	s.horizon = s.opt.start;
	s.geo = ox_sim_geo_new();

	ox_sim_plan(&s);
	ox_sim_assign(&s);
	ox_sim_lives(&s);
	ox_sim_groups(&s, OX_SIM_AFTER);
	ox_sim_stock(&s);
	ticks(&s);
	qsort(s.recs, s.n_recs, sizeof *s.recs, rec_cmp);
	ox_sim_truth_orders(&s);
	ox_sim_truth_incidents(&s);
	ox_sim_order_ids(&s);

	rc = write_file(&s, s.opt.out, ox_sim_write_stream);
	if (!rc && s.opt.labels) {
		rc = write_file(&s, s.opt.labels, ox_sim_write_labels);
		if (!rc) {
			struct ox_buf path;
			ox_buf_init(&path, 4096);
			if (ox_buf_addf(&path, "%s.blacklist", s.opt.labels) < 0) {
				fprintf(stderr, "ordex sim: --labels: path too long\n");
				rc = 2;
			} else {
				rc = write_file(&s, path.data, ox_sim_write_blacklist);
			}
			ox_buf_release(&path);
		}
	}
	sim_release(&s);
	return rc;
}

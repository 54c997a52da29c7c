/* HEALTHCHECK's test and options (see instruction.h): NONE or CMD in exec or shell form, and
 * --interval --timeout --start-period --start-interval as Go durations (BuildKit reads them
 * with time.ParseDuration, so "1h2m3.5s" and "250ms" are right and "5" is not), --retries as
 * a 32-bit integer (strconv.ParseInt). */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "build/instruction.h"
#include "util/cleanup.h"
#include "util/err.h"

/* Go's time.ParseDuration, which HEALTHCHECK's durations follow: [-+]?([0-9]*(\.[0-9]*)?unit)+
 * with the units ns us µs μs ms s m h; "0" alone needs none. */
static uint64_t duration_unit(const char *u, size_t n)
{
	static const struct {
		const char *name;
		uint64_t ns;
	} units[] = {
	    {"ns", 1},       {"us", 1000},         {"\xc2\xb5s", 1000},   {"\xce\xbcs", 1000},
	    {"ms", 1000000}, {"s", 1000000000ull}, {"m", 60000000000ull}, {"h", 3600000000000ull}};
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strlen(units[i].name) == n && !memcmp(units[i].name, u, n))
			return units[i].ns;
	return 0;
}

/* The number before a unit, moving *sp past it (Go's leadingInt and leadingFraction): the
 * integer part into *out_v, the fraction as *out_f / *out_scale (digits beyond what fits are
 * dropped). False when the integer part exceeds 1<<63 or there is no digit at all. */
static bool duration_number(const char **sp, uint64_t *out_v, uint64_t *out_f, double *out_scale)
{
	const uint64_t lim = 1ull << 63;
	const char *s = *sp, *start = s;
	uint64_t v = 0, f = 0;
	double scale = 1;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > lim / 10 || (v = v * 10 + (uint64_t)(*s - '0')) > lim)
			return false;
	}
	bool digits = s != start;
	if (*s == '.') {
		bool overflow = false;
		for (start = ++s; *s >= '0' && *s <= '9'; s++) {
			uint64_t y = f * 10 + (uint64_t)(*s - '0');
			overflow = overflow || f > (lim - 1) / 10 || y > lim;
			if (!overflow) {
				f = y;
				scale *= 10;
			}
		}
		digits = digits || s != start;
	}
	*sp = s;
	*out_v = v;
	*out_f = f;
	*out_scale = scale;
	return digits;
}

static int go_duration(const char *orig, int64_t *out, struct berr **err)
{
	const uint64_t lim = 1ull << 63;
	const char *s = orig;
	uint64_t d = 0;
	bool neg = *s == '-';
	if (*s == '-' || *s == '+')
		s++;
	if (!strcmp(s, "0")) {
		*out = 0;
		return 0;
	}
	if (!*s)
		goto invalid;
	while (*s) {
		uint64_t v, f;
		double scale;
		if (*s != '.' && (*s < '0' || *s > '9'))
			goto invalid;
		if (!duration_number(&s, &v, &f, &scale))
			goto invalid;
		const char *u = s;
		while (*s && *s != '.' && (*s < '0' || *s > '9'))
			s++;
		if (s == u)
			return berr_plain(err, EINVAL, "time: missing unit in duration '%s'", orig);
		uint64_t unit = duration_unit(u, (size_t)(s - u));
		if (!unit)
			return berr_plain(err, EINVAL, "time: unknown unit '%.*s' in duration '%s'",
					  (int)(s - u), u, orig);
		if (v > lim / unit)
			goto invalid;
		v = v * unit + (uint64_t)((double)f * ((double)unit / scale));
		if (v > lim || (d += v) > lim)
			goto invalid;
	}
	if (!neg && d == lim)
		goto invalid;
	*out = d == lim ? INT64_MIN : neg ? -(int64_t)d : (int64_t)d;
	return 0;
invalid:
	return berr_plain(err, EINVAL, "time: invalid duration '%s'", orig);
}

/* parseOptInterval: not given or 0 means the default; otherwise at least a millisecond. */
static int health_interval(const struct bld_instr *in, const char *flag, int64_t *out,
			   struct berr **err)
{
	const char *v = bld_instr_flag(in, flag);
	*out = 0;
	if (!v || !*v)
		return 0;
	int r = go_duration(v, out, err);
	if (r < 0)
		return r;
	if (*out != 0 && *out < 1000000)
		return berr_plain(err, EINVAL, "Interval '%s' cannot be less than 1ms", flag);
	return 0;
}

static int health_retries(const struct bld_instr *in, int *out, struct berr **err)
{
	const char *v = bld_instr_flag(in, "retries");
	*out = 0;
	if (!v)
		return 0;
	/* strconv.ParseInt(v, 10, 32): an optional sign, decimal digits, 32 bits. */
	const char *p = v + (*v == '-' || *v == '+');
	char *end = NULL;
	errno = 0;
	long long n = *p >= '0' && *p <= '9' ? strtoll(v, &end, 10) : 0;
	if (!end || *end || errno || n < INT_MIN || n > INT_MAX)
		return berr_plain(err, EINVAL, "invalid --retries '%s': a 32-bit integer expected",
				  v);
	if (n < 0)
		return berr_plain(err, EINVAL, "--retries cannot be negative (%lld)", n);
	*out = (int)n;
	return 0;
}

int bld_health_check(struct bld_instr *in, struct berr **err)
{
	if (in->n_args == 0)
		return berr_plain(err, EINVAL, "HEALTHCHECK requires at least one argument");
	autofree char *type = in->args[0];
	memmove(in->args, in->args + 1, in->n_args-- * sizeof(char *));
	if (!strcasecmp(type, "NONE")) {
		if (in->n_args)
			return berr_plain(err, EINVAL, "HEALTHCHECK NONE takes no arguments");
		in->health.test = BLD_HEALTH_NONE;
		return 0;
	}
	if (strcasecmp(type, "CMD"))
		return berr_plain(err, EINVAL, "Unknown type '%s' in HEALTHCHECK (try CMD)", type);
	if (!in->n_args)
		return berr_plain(err, EINVAL, "Missing command after HEALTHCHECK CMD");
	in->health.test = in->exec_form ? BLD_HEALTH_CMD : BLD_HEALTH_CMD_SHELL;
	struct bld_health *h = &in->health;
	int r = health_interval(in, "interval", &h->interval_ns, err);
	if (r == 0)
		r = health_interval(in, "timeout", &h->timeout_ns, err);
	if (r == 0)
		r = health_interval(in, "start-period", &h->start_period_ns, err);
	if (r == 0)
		r = health_interval(in, "start-interval", &h->start_interval_ns, err);
	return r < 0 ? r : health_retries(in, &h->retries, err);
}

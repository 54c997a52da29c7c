/* Container prune (container_prune.h), as dockerd's ContainersPrune: the containers that do not
 * run, until and the labels as its filters read them, SpaceReclaimed from each one's own
 * layer. */
#include "engine/container_prune.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/container_view.h"
#include "engine/monitor.h"
#include "engine/pod.h"
#include "util/err.h"
#include "util/filter.h"
#include "util/json.h"
#include "util/timefmt.h"

/* Go's time.ParseDuration in seconds: [-+]?(N[.N](ns|us|µs|ms|s|m|h))+, or "0"; false when
 * it is not one. */
static bool go_duration(const char *v, double *out)
{
	static const struct {
		const char *unit;
		double secs;
	} units[] = {{"ns", 1e-9}, {"us", 1e-6}, {"\xc2\xb5s", 1e-6}, {"ms", 1e-3},
		     {"s", 1},     {"m", 60},    {"h", 3600}};
	double sign = 1, total = 0;
	if (*v == '-' || *v == '+')
		sign = *v++ == '-' ? -1 : 1;
	if (!strcmp(v, "0")) {
		*out = 0;
		return true;
	}
	if (!*v)
		return false;
	while (*v) {
		char *end = NULL;
		if (!(*v >= '0' && *v <= '9') && *v != '.')
			return false;
		double n = strtod(v, &end);
		if (end == v)
			return false;
		size_t k = 0, best = 0, nu = sizeof(units) / sizeof(units[0]);
		for (size_t i = 0; i < nu; i++)
			if (!strncmp(end, units[i].unit, strlen(units[i].unit)) &&
			    strlen(units[i].unit) > best) {
				best = strlen(units[i].unit);
				k = i;
			}
		if (!best)
			return false;
		total += n * units[k].secs;
		v = end + best;
	}
	*out = sign * total;
	return true;
}

double eng_prune_until(const char *value, time_t now)
{
	double d;
	if (!value || !*value)
		return -1;
	if (strcmp(value, "0") && go_duration(value, &d))
		return (double)now - d;
	time_t t = timefmt_parse(value);
	if (t)
		return (double)t;
	struct tm tm = {0};
	const char *end = strptime(value, "%Y-%m-%d", &tm);
	if (end && !*end)
		return (double)timegm(&tm);
	if (strchr(value, '-'))
		return -1;
	/* unix seconds, with a fraction of them */
	char *e = NULL;
	double secs = strtod(value, &e);
	return e && !*e && e != value && value[0] >= '0' && value[0] <= '9' ? secs : -1;
}

int eng_container_prune_check(json_t *filters, struct berr **err)
{
	static const char *const keys[] = {"until", "label", "label!", NULL};
	int r = filter_check(filters, keys, err);
	if (r < 0)
		return r;
	size_t i;
	json_t *v;
	json_array_foreach(filter_values(filters, "until"), i, v)
	{
		const char *s = json_string_value(v);
		if (eng_prune_until(s, time(NULL)) < 0)
			return berr_plain(err, EINVAL,
					  "failed to parse value as time or duration: \"%s\"", s);
	}
	return 0;
}

/* dockerd's matchLabels with until: created before it, every label=, not every label!. */
static bool passes(json_t *filters, json_t *rec, time_t now)
{
	json_t *labels = json_object_get(json_object_get(rec, "Config"), "Labels");
	const char *until = json_string_value(json_array_get(filter_values(filters, "until"), 0));
	if (until) {
		time_t created = timefmt_parse(json_string_value(json_object_get(rec, "Created")));
		if (!created || (double)created > eng_prune_until(until, now))
			return false;
	}
	if (!filter_labels(filters, "label", labels))
		return false;
	if (filter_values(filters, "label!") && filter_labels(filters, "label!", labels))
		return false;
	return true;
}

int eng_container_prune(const struct eng_store *s, json_t *filters, json_t *out_deleted,
			uint64_t *out_bytes, struct berr **err)
{
	char **ids = NULL;
	int r = eng_container_list(s, &ids, err);
	if (r < 0)
		return r;
	time_t now = time(NULL);
	int first = 0;
	for (size_t i = 0; ids[i]; i++) {
		json_t *st = eng_state_load(s, ids[i]);
		bool up = json_is_true(json_object_get(st, "Running"));
		json_decref(st);
		json_t *rec = up ? NULL : eng_container_load(s, ids[i], NULL);
		/* a pod's infra goes with its pod only (podman's prune passes over it) */
		if (!rec || !passes(filters, rec, now) || eng_pod_infra_guard(s, rec, NULL) < 0) {
			json_decref(rec);
			continue;
		}
		int64_t rw = 0, rootfs = 0;
		eng_container_size(s, rec, ids[i], &rw, &rootfs);
		json_decref(rec);
		struct berr *e = NULL;
		if (eng_container_destroy(s, ids[i], false, false, &e) < 0) {
			/* the first error goes up (its code with it); the rest are dropped */
			if (!first && err) {
				first = berr_code(e) ? -berr_code(e) : -EIO;
				*err = e;
			} else {
				berr_free(e);
			}
			continue;
		}
		json_array_append_new(out_deleted, json_string(ids[i]));
		*out_bytes += rw > 0 ? (uint64_t)rw : 0;
	}
	strv_free(ids);
	return first;
}

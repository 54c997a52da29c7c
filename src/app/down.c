/* compose down (down.h): containers (dependents first), then networks, then volumes. */
#include "app/down.h"

#include <errno.h>
#include <string.h>

#include "engine/container.h"
#include "engine/monitor.h"
#include "engine/network.h"
#include "engine/volume.h"
#include "util/err.h"
#include "util/json.h"
#include "util/xalloc.h"

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* The position of the container's service in the plan's order (orphans last: first down). */
static size_t rank(const struct app_plan *p, json_t *c)
{
	for (size_t i = 0; p && i < p->n_services; i++)
		if (!strcmp(p->services[i].name, str(c, "Service")))
			return i;
	return (size_t)-1;
}

static int containers(const struct eng_store *s, const struct app_plan *p, const char *project,
		      const struct app_down_opts *o, struct berr **err)
{
	json_t *all = app_containers(s, project, err);
	if (!all)
		return -EIO;
	int r = 0;
	/* dependents first: from the end of the plan's order */
	for (size_t n = json_array_size(all); n > 0 && r == 0; n--) {
		size_t best = 0;
		for (size_t i = 1; i < json_array_size(all); i++)
			if (rank(p, json_array_get(all, i)) + 1 >
			    rank(p, json_array_get(all, best)) + 1)
				best = i;
		json_t *c = json_incref(json_array_get(all, best));
		json_array_remove(all, best);
		const char *name = str(c, "Name"), *id = str(c, "Id");
		bool orphan = p && rank(p, c) == (size_t)-1;
		if (orphan && !o->remove_orphans) {
			json_decref(c);
			continue;
		}
		const char *state = str(c, "State");
		if (!strcmp(state, "running") || !strcmp(state, "paused") ||
		    !strcmp(state, "restarting")) {
			app_report(&o->progress, "Container", name, "Stopping");
			r = eng_container_stop(s, id, o->timeout_s, err);
			if (r == 0)
				app_report(&o->progress, "Container", name, "Stopped");
		}
		if (r == 0) {
			app_report(&o->progress, "Container", name, "Removing");
			r = eng_container_destroy(s, id, true, o->volumes, err);
		}
		if (r == 0)
			app_report(&o->progress, "Container", name, "Removed");
		else
			berr_wrap(err, "container %s", name);
		json_decref(c);
	}
	json_decref(all);
	return r;
}

/* The plan's own (not external) names and whatever the labels say the project made. */
static json_t *ours(const struct app_resource *res, size_t n, json_t *labelled)
{
	json_t *out = json_object();
	for (size_t i = 0; i < n; i++)
		if (!res[i].external)
			json_object_set_new(out, res[i].name, json_true());
	size_t i;
	json_t *v;
	json_array_foreach(labelled, i, v)
	{
		bool external = false;
		for (size_t j = 0; j < n; j++)
			if (res[j].external && !strcmp(res[j].name, json_string_value(v)))
				external = true;
		if (!external)
			json_object_set_new(out, json_string_value(v), json_true());
	}
	json_decref(labelled);
	return out;
}

static int networks(const struct eng_store *s, const struct app_plan *p, const char *project,
		    const struct app_down_opts *o, struct berr **err)
{
	json_t *names =
	    ours(p ? p->networks : NULL, p ? p->n_networks : 0, app_networks(s, project));
	int r = 0;
	const char *k;
	json_t *v;
	json_object_foreach(names, k, v)
	{
		json_t *rec = eng_network_load(s, k, NULL);
		json_decref(rec);
		if (!rec || r < 0)
			continue;
		app_report(&o->progress, "Network", k, "Removing");
		r = eng_network_remove(s, k, err);
		if (r == 0)
			app_report(&o->progress, "Network", k, "Removed");
		else
			berr_wrap(err, "network %s", k);
	}
	json_decref(names);
	return r;
}

static int volumes(const struct eng_store *s, const struct app_plan *p, const char *project,
		   const struct app_down_opts *o, struct berr **err)
{
	json_t *names = ours(p ? p->volumes : NULL, p ? p->n_volumes : 0, app_volumes(s, project));
	int r = 0;
	const char *k;
	json_t *v;
	json_object_foreach(names, k, v)
	{
		json_t *rec = eng_volume_load(s, k, NULL);
		json_decref(rec);
		if (!rec || r < 0)
			continue;
		char *quoted = xasprintf("\"%s\"", k);
		app_report(&o->progress, "Volume", quoted, "Removing");
		r = eng_volume_remove(s, k, false, err);
		if (r == 0)
			app_report(&o->progress, "Volume", quoted, "Removed");
		else
			berr_wrap(err, "volume %s", k);
		free(quoted);
	}
	json_decref(names);
	return r;
}

int app_down(const struct eng_store *s, const struct app_plan *p, const char *project,
	     const struct app_down_opts *o, struct berr **err)
{
	int r = containers(s, p, project, o, err);
	if (r == 0)
		r = networks(s, p, project, o, err);
	if (r == 0 && o->volumes)
		r = volumes(s, p, project, o, err);
	return r;
}

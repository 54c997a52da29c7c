/* compose down (down.h): containers (dependents first), then networks, then volumes. */
#include "app/down.h"

#include <errno.h>
#include <string.h>

#include "app/stop.h"
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

static int remove_level(const struct eng_store *s, json_t *level, const struct app_down_opts *o,
			struct berr **err)
{
	int r = app_stop_all(s, level, o->timeout_s, &o->progress, err);
	size_t i;
	json_t *c;
	json_array_foreach(level, i, c)
	{
		if (r < 0)
			break;
		const char *name = str(c, "Name");
		app_report(&o->progress, "Container", name, "Removing");
		r = eng_container_destroy(s, str(c, "Id"), true, o->volumes, err);
		if (r == 0)
			app_report(&o->progress, "Container", name, "Removed");
		else
			berr_wrap(err, "container %s", name);
	}
	return r;
}

/* Dependents first, each level's containers stopped at once (stop.h). */
static int containers(const struct eng_store *s, const struct app_plan *p, const char *project,
		      const struct app_down_opts *o, struct berr **err)
{
	json_t *all = app_containers(s, project, err);
	if (!all)
		return -EIO;
	json_t *ours = json_array();
	size_t i;
	json_t *c;
	json_array_foreach(all, i, c)
	{
		bool orphan = p && !app_plan_service(p, str(c, "Service"));
		if (!orphan || o->remove_orphans)
			json_array_append(ours, c);
	}
	json_t *levels = app_stop_levels(p, ours);
	int r = 0;
	json_array_foreach(levels, i, c)
	{
		if (r == 0)
			r = remove_level(s, c, o, err);
	}
	json_decref(levels);
	json_decref(ours);
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

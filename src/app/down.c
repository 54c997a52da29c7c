/* compose down (down.h): containers (dependents first), then networks, volumes with -v and
 * images with --rmi. A network or volume still in use (down of some services) is kept with
 * Compose v2's "Resource is still in use" warning. */
#include "app/down.h"

#include <errno.h>
#include <string.h>

#include "app/stop.h"
#include "engine/container.h"
#include "engine/monitor.h"
#include "engine/network.h"
#include "engine/volume.h"
#include "image/image.h"
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

/* Add service and, transitively, the plan's services that depend on it. */
static void with_dependents(const struct app_plan *p, const char *service, json_t *set, int depth)
{
	if (json_object_get(set, service) || depth > 64)
		return;
	json_object_set_new(set, service, json_true());
	for (size_t i = 0; p && i < p->n_services; i++)
		if (json_object_get(p->services[i].depends_on, service))
			with_dependents(p, p->services[i].name, set, depth + 1);
}

/* The services down takes: NULL for all. */
static json_t *selection(const struct app_plan *p, char *const *services)
{
	if (!services || !services[0])
		return NULL;
	json_t *set = json_object();
	for (size_t i = 0; services[i]; i++)
		with_dependents(p, services[i], set, 0);
	return set;
}

/* Dependents first, each level's containers stopped at once (stop.h). */
static int containers(const struct eng_store *s, const struct app_plan *p, const char *project,
		      const struct app_down_opts *o, struct berr **err)
{
	json_t *all = app_containers(s, project, err);
	if (!all)
		return berr_ret(err);
	json_t *ours = json_array(), *sel = selection(p, o->services);
	size_t i;
	json_t *c;
	json_array_foreach(all, i, c)
	{
		bool orphan = p && !app_plan_service(p, str(c, "Service"));
		bool named = !sel || json_object_get(sel, str(c, "Service"));
		if ((!orphan && named) || (orphan && o->remove_orphans))
			json_array_append(ours, c);
	}
	json_decref(sel);
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

/* A removal's r, or 1 when it was refused because the object is in use (a container of
 * another service still there): reported as Compose's warning, the error dropped. */
static int in_use(int r, const struct app_progress *pr, const char *kind, const char *name,
		  struct berr **err)
{
	if (r != -EBUSY)
		return r;
	berr_free(*err);
	*err = NULL;
	app_report(pr, kind, name, "Resource is still in use");
	return 1;
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
		r = in_use(eng_network_remove(s, k, err), &o->progress, "Network", k, err);
		if (r == 0)
			app_report(&o->progress, "Network", k, "Removed");
		else if (r > 0)
			r = 0;
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
		r = in_use(eng_volume_remove(s, k, false, err), &o->progress, "Volume", quoted,
			   err);
		if (r == 0)
			app_report(&o->progress, "Volume", quoted, "Removed");
		else if (r > 0)
			r = 0;
		else
			berr_wrap(err, "volume %s", k);
		free(quoted);
	}
	json_decref(names);
	return r;
}

/* --rmi's images (Compose v2's ImagePruner): "local" those built under the project's own name
 * (a build without image:), "all" every service's image; each once. */
static json_t *rmi_images(const struct app_plan *p, const char *mode)
{
	json_t *names = json_object();
	json_t *svcs = json_object_get(p->model, "services");
	for (size_t i = 0; i < p->n_services; i++) {
		const struct app_service *sv = &p->services[i];
		bool named = json_object_get(json_object_get(svcs, sv->name), "image") != NULL;
		if (sv->image && (!strcmp(mode, "all") || (sv->build && !named)))
			json_object_set_new(names, sv->image, json_true());
	}
	return names;
}

static int images(const struct eng_store *s, const struct app_plan *p,
		  const struct app_down_opts *o, struct berr **err)
{
	if (!p || !o->rmi || !o->images)
		return 0;
	json_t *names = rmi_images(p, o->rmi);
	int r = 0;
	const char *k;
	json_t *v;
	json_object_foreach(names, k, v)
	{
		if (r < 0)
			break;
		json_t *report = json_array();
		app_report(&o->progress, "Image", k, "Removing");
		r = img_image_remove(o->images, k, false, eng_image_use, (void *)s, report, err);
		if (r == 0) {
			app_report(&o->progress, "Image", k, "Removed");
		} else if (r == -ENOENT) {
			/* gone already (another service's, or removed by hand): as Compose */
			berr_clear(err);
			app_report(&o->progress, "Image", k,
				   "Warning: No resource found to remove");
			r = 0;
		} else if ((r = in_use(r, &o->progress, "Image", k, err)) > 0) {
			r = 0;
		} else {
			berr_wrap(err, "image %s", k);
		}
		json_decref(report);
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
	if (r == 0)
		r = images(s, p, o, err);
	return r;
}

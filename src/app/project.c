/* A project's objects found by their labels (project.h). */
#include "app/project.h"

#include <stdlib.h>
#include <string.h>

#include "app/plan.h"
#include "engine/container.h"
#include "engine/network.h"
#include "engine/volume.h"
#include "util/err.h"
#include "util/json.h"
#include "util/xalloc.h"

void app_report(const struct app_progress *p, const char *kind, const char *name,
		const char *status)
{
	if (p && p->fn)
		p->fn(p->ctx, kind, name, status);
}

static const char *label(json_t *labels, const char *key)
{
	return json_string_value(json_object_get(labels, key));
}

static json_t *container_labels(json_t *rec)
{
	return json_object_get(json_object_get(rec, "Config"), "Labels");
}

static json_t *entry(const char *id, json_t *rec, json_t *st)
{
	json_t *l = container_labels(rec);
	const char *name = json_string_value(json_object_get(rec, "Name"));
	const char *number = label(l, APP_LABEL_NUMBER);
	json_t *health = json_object_get(json_object_get(st, "Health"), "Status");
	return json_pack(
	    "{s:s, s:s, s:s, s:i, s:s, s:b, s:s, s:s, s:I, s:O, s:O}", "Id", id, "Name",
	    name ? (name[0] == '/' ? name + 1 : name) : "", "Service",
	    label(l, APP_LABEL_SERVICE) ? label(l, APP_LABEL_SERVICE) : "", "Number",
	    number ? atoi(number) : 0, "Hash",
	    label(l, APP_LABEL_HASH) ? label(l, APP_LABEL_HASH) : "", "OneOff",
	    label(l, APP_LABEL_ONEOFF) && !strcmp(label(l, APP_LABEL_ONEOFF), "True"), "State",
	    json_string_value(json_object_get(st, "Status"))
		? json_string_value(json_object_get(st, "Status"))
		: "created",
	    "Health", json_is_string(health) ? json_string_value(health) : "", "ExitCode",
	    json_integer_value(json_object_get(st, "ExitCode")), "Record", rec, "Stateful", st);
}

static int by_service(const void *a, const void *b)
{
	json_t *const *x = a, *const *y = b;
	int c = strcmp(json_string_value(json_object_get(*x, "Service")),
		       json_string_value(json_object_get(*y, "Service")));
	if (c)
		return c;
	return (int)(json_integer_value(json_object_get(*x, "Number")) -
		     json_integer_value(json_object_get(*y, "Number")));
}

json_t *app_containers(const struct eng_store *s, const char *project, struct berr **err)
{
	char **ids = NULL;
	if (eng_container_list(s, &ids, err) < 0)
		return NULL;
	size_t n = strv_len(ids), k = 0;
	json_t **items = xcalloc(n + 1, sizeof(*items));
	for (size_t i = 0; ids[i]; i++) {
		json_t *rec = eng_container_load(s, ids[i], NULL);
		const char *p = label(container_labels(rec), APP_LABEL_PROJECT);
		if (rec && p && !strcmp(p, project)) {
			json_t *st = eng_state_load(s, ids[i]);
			items[k++] = entry(ids[i], rec, st);
			json_decref(st);
		}
		json_decref(rec);
	}
	qsort(items, k, sizeof(*items), by_service);
	json_t *out = json_array();
	for (size_t i = 0; i < k; i++)
		json_array_append_new(out, items[i]);
	free(items);
	strv_free(ids);
	return out;
}

json_t *app_projects(const struct eng_store *s, struct berr **err)
{
	char **ids = NULL;
	if (eng_container_list(s, &ids, err) < 0)
		return NULL;
	json_t *out = json_object();
	for (size_t i = 0; ids[i]; i++) {
		json_t *rec = eng_container_load(s, ids[i], NULL);
		json_t *l = container_labels(rec);
		const char *p = label(l, APP_LABEL_PROJECT);
		if (p) {
			json_t *e = json_object_get(out, p);
			if (!e) {
				const char *files = label(l, APP_LABEL_FILES);
				e = json_pack("{s:i, s:i, s:s}", "running", 0, "total", 0, "files",
					      files ? files : "");
				json_object_set_new(out, p, e);
			}
			json_t *st = eng_state_load(s, ids[i]);
			const char *status = json_string_value(json_object_get(st, "Status"));
			if (status && !strcmp(status, "running"))
				json_object_set_new(
				    e, "running",
				    json_integer(json_integer_value(json_object_get(e, "running")) +
						 1));
			json_object_set_new(
			    e, "total",
			    json_integer(json_integer_value(json_object_get(e, "total")) + 1));
			json_decref(st);
		}
		json_decref(rec);
	}
	strv_free(ids);
	return out;
}

json_t *app_networks(const struct eng_store *s, const char *project)
{
	json_t *out = json_array();
	json_t *all = eng_network_list(s, NULL);
	size_t i;
	json_t *n;
	json_array_foreach(all, i, n)
	{
		const char *p = label(json_object_get(n, "Labels"), APP_LABEL_PROJECT);
		if (p && !strcmp(p, project))
			json_array_append(out, json_object_get(n, "Name"));
	}
	json_decref(all);
	return out;
}

json_t *app_volumes(const struct eng_store *s, const char *project)
{
	json_t *out = json_array();
	char **names = NULL;
	if (eng_volume_list(s, &names, NULL) < 0)
		return out;
	for (size_t i = 0; names[i]; i++) {
		json_t *v = eng_volume_load(s, names[i], NULL);
		const char *p = label(json_object_get(v, "Labels"), APP_LABEL_PROJECT);
		if (p && !strcmp(p, project))
			json_array_append_new(out, json_string(names[i]));
		json_decref(v);
	}
	strv_free(names);
	return out;
}

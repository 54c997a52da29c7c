/* Docker's events for what the engine does (see event.h). */
#include "engine/event.h"

#include <string.h>

#include "util/cleanup.h"
#include "util/eventlog.h"
#include "util/filter.h"
#include "util/xalloc.h"

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

void eng_event_container(const struct eng_store *s, const char *id, json_t *rec, const char *action,
			 json_t *more)
{
	json_t *attrs = json_object();
	json_t *labels = json_object_get(json_object_get(rec, "Config"), "Labels");
	const char *key;
	json_t *val;
	json_object_foreach(labels, key, val)
	{
		if (json_is_string(val))
			json_object_set(attrs, key, val);
	}
	const char *image = str(rec, "ImageName"), *name = str(rec, "Name");
	if (image)
		json_object_set_new(attrs, "image", json_string(image));
	if (name)
		json_object_set_new(attrs, "name", json_string(name + (*name == '/')));
	json_object_update(attrs, more);
	eventlog_append(s->root, "container", action, id, attrs);
	json_decref(attrs);
}

void eng_event_network(const struct eng_store *s, const char *net_id, const char *name,
		       const char *action, const char *container)
{
	json_t *attrs = json_pack("{s:s, s:s}", "name", name ? name : "", "type", "bridge");
	if (name && (!strcmp(name, "host") || !strcmp(name, "none")))
		json_object_set_new(attrs, "type", json_string(name));
	if (container)
		json_object_set_new(attrs, "container", json_string(container));
	eventlog_append(s->root, "network", action, net_id, attrs);
	json_decref(attrs);
}

void eng_event_volume(const struct eng_store *s, const char *name, const char *action,
		      const char *container, const char *destination)
{
	json_t *attrs = json_pack("{s:s}", "driver", "local");
	if (container)
		json_object_set_new(attrs, "container", json_string(container));
	if (destination)
		json_object_set_new(attrs, "destination", json_string(destination));
	eventlog_append(s->root, "volume", action, name, attrs);
	json_decref(attrs);
}

void eng_event_volume_mount(const struct eng_store *s, const char *name, const char *container,
			    const char *destination, bool rw)
{
	json_t *attrs = json_pack("{s:s, s:s, s:s, s:s, s:s}", "container", container,
				  "destination", destination, "driver", "local", "propagation", "",
				  "read/write", rw ? "true" : "false");
	eventlog_append(s->root, "volume", "mount", name, attrs);
	json_decref(attrs);
}

void eng_event_pod(const struct eng_store *s, const char *pod_id, const char *name,
		   const char *action)
{
	json_t *attrs = json_pack("{s:s}", "name", name ? name : "");
	eventlog_append(s->root, "pod", action, pod_id, attrs);
	json_decref(attrs);
}

/* ---- filters ---- */

int eng_event_filter_check(json_t *filters, struct berr **err)
{
	static const char *const keys[] = {"container", "event",   "image",  "label",  "network",
					   "type",      "volume",  "daemon", "scope",  "plugin",
					   "node",      "service", "secret", "config", NULL};
	return filter_check(filters, keys, err);
}

/* The key is not filtered on, or one of its values is source. */
static bool exact(json_t *filters, const char *key, const char *source)
{
	json_t *vals = filter_values(filters, key), *v;
	size_t i;
	if (!vals)
		return true;
	json_array_foreach(vals, i, v)
	{
		if (source && !strcmp(json_string_value(v), source))
			return true;
	}
	return false;
}

/* The same, where a value may also be source's prefix (an id's first digits). */
static bool fuzzy(json_t *filters, const char *key, const char *source)
{
	json_t *vals = filter_values(filters, key), *v;
	size_t i;
	if (!vals)
		return true;
	json_array_foreach(vals, i, v)
	{
		const char *want = json_string_value(v);
		if (source && !strncmp(source, want, strlen(want)))
			return true;
	}
	return false;
}

/* The actor's ID or its name attribute, for a filter key named by an event type. */
static bool named(json_t *filters, const char *key, json_t *ev)
{
	json_t *actor = json_object_get(ev, "Actor");
	return fuzzy(filters, key, str(actor, "ID")) ||
	       fuzzy(filters, key, str(json_object_get(actor, "Attributes"), "name"));
}

/* "name:tag" without its tag ("host:5000/a:1" → "host:5000/a"); a digest stays. */
static char *strip_tag(const char *ref)
{
	if (!ref)
		return NULL;
	const char *slash = strrchr(ref, '/'), *colon = strrchr(ref, ':');
	if (strchr(ref, '@') || !colon || (slash && colon < slash))
		return xstrdup(ref);
	return xstrndup(ref, (size_t)(colon - ref));
}

static bool image_matches(json_t *filters, json_t *ev)
{
	if (!filter_values(filters, "image"))
		return true;
	json_t *actor = json_object_get(ev, "Actor");
	const char *id = str(actor, "ID");
	bool is_image = !strcmp(str(ev, "Type") ?: "", "image");
	const char *name = str(json_object_get(actor, "Attributes"), is_image ? "name" : "image");
	autofree char *id_bare = strip_tag(id), *name_bare = strip_tag(name);
	return (id && exact(filters, "image", id)) || (name && exact(filters, "image", name)) ||
	       (id_bare && exact(filters, "image", id_bare)) ||
	       (name_bare && exact(filters, "image", name_bare));
}

static bool event_matches(json_t *filters, json_t *ev)
{
	const char *action = str(ev, "Action") ?: "";
	json_t *vals = filter_values(filters, "event"), *v;
	size_t i;
	bool loose = false; /* "health_status" takes "health_status: healthy", as dockerd */
	json_array_foreach(vals, i, v)
	{
		const char *w = json_string_value(v);
		loose |= !strcmp(w, "health_status") || !strcmp(w, "exec_create") ||
			 !strcmp(w, "exec_start");
	}
	return loose ? fuzzy(filters, "event", action) : exact(filters, "event", action);
}

bool eng_event_match(json_t *filters, json_t *ev)
{
	/* no daemon, plugin or swarm events here: a filter on them keeps nothing */
	static const char *const none[] = {"daemon",  "plugin", "node",
					   "service", "secret", "config"};
	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++)
		if (filter_values(filters, none[i]))
			return false;
	return event_matches(filters, ev) && exact(filters, "type", str(ev, "Type")) &&
	       exact(filters, "scope", str(ev, "scope")) && named(filters, "container", ev) &&
	       named(filters, "volume", ev) && named(filters, "network", ev) &&
	       image_matches(filters, ev) &&
	       filter_labels(filters, "label",
			     json_object_get(json_object_get(ev, "Actor"), "Attributes"));
}

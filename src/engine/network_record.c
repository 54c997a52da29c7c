/* Network records and their leases on disk (see network_record.h). */
#include "engine/network_record.h"

#include <dirent.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/json.h"
#include "util/xalloc.h"

#define NETWORKS_MAX 1000

char *eng_network_path(const struct eng_store *s, const char *id, const char *file)
{
	return file ? xasprintf("%s/networks/%s/%s", s->root, id, file)
		    : xasprintf("%s/networks/%s", s->root, id);
}

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

json_t *eng_network_read(const struct eng_store *s, const char *id)
{
	autofree char *p = eng_network_path(s, id, "network.json");
	return json_load_file(p, 0, NULL);
}

json_t *eng_network_all(const struct eng_store *s)
{
	json_t *a = json_array();
	autofree char *dir = xasprintf("%s/networks", s->root);
	autoclosedir DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d)) && json_array_size(a) < NETWORKS_MAX) {
		if (strlen(de->d_name) != 64)
			continue;
		json_t *n = eng_network_read(s, de->d_name);
		if (n)
			json_array_append_new(a, n);
	}
	return a;
}

json_t *eng_network_find(const struct eng_store *s, const char *ref)
{
	json_t *a = eng_network_all(s), *hit = NULL;
	size_t i, prefix_hits = 0;
	json_t *n, *by_prefix = NULL;
	json_array_foreach(a, i, n)
	{
		const char *id = str(n, "Id"), *name = str(n, "Name");
		if ((name && !strcmp(name, ref)) || (id && !strcmp(id, ref))) {
			hit = n;
			break;
		}
		if (id && strlen(ref) >= 1 && !strncmp(id, ref, strlen(ref))) {
			by_prefix = n;
			prefix_hits++;
		}
	}
	if (!hit && prefix_hits == 1)
		hit = by_prefix;
	if (hit)
		json_incref(hit);
	json_decref(a);
	return hit;
}

int eng_network_write(const struct eng_store *s, json_t *net, struct berr **err)
{
	autofree char *p = eng_network_path(s, str(net, "Id"), "network.json");
	return json_write_atomic(net, p, err);
}

json_t *eng_network_leases(const struct eng_store *s, const char *id)
{
	autofree char *p = eng_network_path(s, id, "leases.json");
	json_t *l = json_load_file(p, 0, NULL);
	return json_is_object(l) ? l : (json_decref(l), json_object());
}

int eng_network_leases_write(const struct eng_store *s, const char *id, json_t *l,
			     struct berr **err)
{
	autofree char *p = eng_network_path(s, id, "leases.json");
	return json_write_atomic(l, p, err);
}

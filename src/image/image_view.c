/* Docker's documents of an image: inspect and the list item (see image_view.h). Read only. */
#include "image/image_view.h"

#include <string.h>

#include "image/builtin.h"
#include "image/config.h"
#include "image/image.h"
#include "image/manifest.h"
#include "image/snapshot.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/json.h"
#include "util/timefmt.h"
#include "util/xalloc.h"

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

json_t *img_image_open(struct img_store *s, const char *name, struct img_config **out_cfg,
		       struct berr **err)
{
	if (img_builtin_is(name) && img_builtin_ensure(s, err) < 0)
		return NULL;
	json_t *rec = img_image_lookup(s, name, err);
	if (!rec)
		return NULL;
	autofree char *data = NULL;
	size_t len = 0;
	if (img_blob_read(s, str(rec, "id"), IMG_CONFIG_MAX, &data, &len, err) < 0 ||
	    img_config_parse(data, len, out_cfg, err) < 0) {
		json_decref(rec);
		berr_wrap(err, "image '%s'", name);
		return NULL;
	}
	return rec;
}

/* Docker fills every field of an image's Config; templates rely on them being there. */
static json_t *docker_config(json_t *cfg)
{
	json_t *c = json_pack("{s:s, s:s, s:s, s:b, s:b, s:b, s:b, s:b, s:b, s:n, s:n, s:s, s:n, "
			      "s:s, s:n, s:n, s:n}",
			      "Hostname", "", "Domainname", "", "User", "", "AttachStdin", 0,
			      "AttachStdout", 0, "AttachStderr", 0, "Tty", 0, "OpenStdin", 0,
			      "StdinOnce", 0, "Env", "Cmd", "Image", "", "Volumes", "WorkingDir",
			      "", "Entrypoint", "OnBuild", "Labels");
	if (json_is_object(cfg))
		json_object_update(c, cfg);
	return c;
}

static json_t *familiar_list(json_t *list)
{
	json_t *out = json_array();
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v)
	{
		autofree char *f = img_name_familiar(json_string_value(v));
		json_array_append_new(out, json_string(f));
	}
	return out;
}

json_t *img_image_inspect_of(struct img_store *s, json_t *rec, const struct img_config *c)
{
	json_t *layers = json_array();
	for (size_t i = 0; i < c->n_diff_ids; i++)
		json_array_append_new(layers, json_string(c->diff_ids[i]));
	size_t i;
	json_t *v;
	/* as dockerd's overlay2 shows an image: its top layer the UpperDir, those under it the
	 * LowerDir (top first, as overlayfs lists them; none for one layer); berth never mounts
	 * an image's top layer alone, so no MergedDir or WorkDir of its own ("") */
	json_t *layer_dirs = json_object_get(rec, "layers");
	size_t n = json_array_size(layer_dirs);
	autofree char *lowers = xstrdup("");
	json_array_foreach(layer_dirs, i, v)
	{
		if (i + 1 == n)
			break;
		char *next = xasprintf("%s/layers/%s/diff%s%s", s->root, json_string_value(v) + 7,
				       i ? ":" : "", lowers);
		free(lowers);
		lowers = next;
	}
	json_t *data = json_object();
	if (*lowers)
		json_object_set_new(data, "LowerDir", json_string(lowers));
	json_object_set_new(data, "MergedDir", json_string(""));
	json_object_set_new(
	    data, "UpperDir",
	    n ? json_sprintf("%s/layers/%s/diff", s->root,
			     json_string_value(json_array_get(layer_dirs, n - 1)) + 7)
	      : json_string(""));
	json_object_set_new(data, "WorkDir", json_string(""));
	const char *comment = "";
	if (c->n_history && c->history[c->n_history - 1].comment)
		comment = c->history[c->n_history - 1].comment;
	json_int_t size = json_integer_value(json_object_get(rec, "size"));
	json_t *j = json_pack(
	    "{s:s, s:o, s:o, s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:o, s:s, s:s, s:I, s:I, "
	    "s:{s:o, s:s}, s:{s:s, s:o}, s:{s:s}}",
	    "Id", str(rec, "id"), "RepoTags", familiar_list(json_object_get(rec, "names")),
	    "RepoDigests", familiar_list(json_object_get(rec, "digests")), "Parent", "", "Comment",
	    comment, "Created", c->created ? c->created : "", "Container", "", "ContainerConfig",
	    docker_config(NULL), "DockerVersion", "", "Author", c->author ? c->author : "",
	    "Config", docker_config(json_object_get(c->raw, "config")), "Architecture",
	    c->platform.arch, "Os", c->platform.os, "Size", size, "VirtualSize", size,
	    "GraphDriver", "Data", data, "Name", "overlay", "RootFS", "Type", "layers", "Layers",
	    layers, "Metadata", "LastTagTime", str(rec, "added"));
	if (c->platform.variant) {
		/* Docker puts Variant after Architecture; the order of keys is kept */
		json_t *copy = json_object();
		const char *k;
		json_object_foreach(j, k, v)
		{
			json_object_set(copy, k, v);
			if (!strcmp(k, "Architecture"))
				json_object_set_new(copy, "Variant",
						    json_string(c->platform.variant));
		}
		json_decref(j);
		j = copy;
	}
	return j;
}

json_t *img_image_inspect(struct img_store *s, const char *name, struct berr **err)
{
	struct img_config *c = NULL;
	json_auto_t *rec = img_image_open(s, name, &c, err);
	if (!rec)
		return NULL;
	json_t *out = img_image_inspect_of(s, rec, c);
	img_config_free(c);
	return out;
}

/* The image config's Labels, read without the checks a run needs. */
static json_t *labels_of(struct img_store *s, json_t *rec)
{
	autofree char *data = NULL;
	size_t len = 0;
	json_t *labels = NULL;
	if (img_blob_read(s, str(rec, "id"), IMG_CONFIG_MAX, &data, &len, NULL) == 0) {
		json_auto_t *c = json_load_text(data, len, NULL);
		labels = json_object_get(json_object_get(c, "config"), "Labels");
		labels = json_is_object(labels) ? json_incref(labels) : NULL;
	}
	return labels ? labels : json_object();
}

json_t *img_image_summary(struct img_store *s, json_t *rec)
{
	json_int_t size = json_integer_value(json_object_get(rec, "size"));
	json_t *tags = familiar_list(json_object_get(rec, "names"));
	json_t *digests = familiar_list(json_object_get(rec, "digests"));
	if (!json_array_size(tags) && !json_array_size(digests)) {
		/* what Docker 20.10 lists for an image without names (API 1.41) */
		json_array_append_new(tags, json_string("<none>:<none>"));
		json_array_append_new(digests, json_string("<none>@<none>"));
	}
	return json_pack("{s:s, s:s, s:o, s:o, s:I, s:I, s:i, s:I, s:o, s:i}", "Id", str(rec, "id"),
			 "ParentId", "", "RepoTags", tags, "RepoDigests", digests, "Created",
			 (json_int_t)timefmt_parse(str(rec, "created")), "Size", size, "SharedSize",
			 -1, "VirtualSize", size, "Labels", labels_of(s, rec), "Containers", -1);
}

json_t *img_image_history(struct img_store *s, json_t *rec, const struct img_config *c)
{
	json_t *items = json_array(), *chains = json_object_get(rec, "layers");
	/* history entries that made a layer take the layers in order */
	size_t layer = 0;
	for (size_t i = 0; i < c->n_history; i++) {
		const struct img_history *h = &c->history[i];
		int64_t size = 0;
		if (!h->empty_layer) {
			const char *chain = json_string_value(json_array_get(chains, layer++));
			size = chain ? img_snapshot_size(s, chain) : 0;
			size = size < 0 ? 0 : size; /* -1: its record unreadable */
		}
		bool top = i == c->n_history - 1;
		json_t *tags = json_null();
		if (top && json_array_size(json_object_get(rec, "names")))
			tags = familiar_list(json_object_get(rec, "names"));
		/* newest first */
		json_array_insert_new(items, 0,
				      json_pack("{s:s, s:I, s:s, s:o, s:I, s:s}", "Id",
						top ? str(rec, "id") : "<missing>", "Created",
						(json_int_t)timefmt_parse(h->created), "CreatedBy",
						h->created_by ? h->created_by : "", "Tags", tags,
						"Size", (json_int_t)size, "Comment",
						h->comment ? h->comment : ""));
	}
	return items;
}

/* /volumes/...: Docker's volume endpoints on the engine's functions and documents, as the
 * command line's `volume create`, `ls`, `inspect`, `rm` and `prune` use them
 * (engine/volume.h, engine/volume_view.h). Only the local driver exists. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "api/routes.h"
#include "engine/container.h"
#include "engine/volume.h"
#include "engine/volume_view.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/filter.h"
#include "util/json.h"
#include "util/xalloc.h"

int api_volumes_list(struct api_req *r)
{
	struct berr *err = NULL;
	json_auto_t *filters = filter_parse_json(api_query(r, "filters"), &err);
	if (!filters || eng_volume_filter_check(filters, &err) < 0)
		return api_reply_berr(r, err);
	char **names = NULL;
	if (eng_volume_list(&r->ctx->es, &names, &err) < 0)
		return api_reply_berr(r, err);
	json_t *list = json_array();
	for (size_t i = 0; names[i]; i++) {
		json_t *v = eng_volume_inspect(&r->ctx->es, names[i], false, NULL);
		if (v && eng_volume_filter(&r->ctx->es, filters, v))
			json_array_append(list, v);
		json_decref(v);
	}
	strv_free(names);
	return api_reply_json(r, 200, json_pack("{s:o, s:n}", "Volumes", list, "Warnings"));
}

/* Labels {"k": "v"} as the engine's "k=v" list (NULL when none); EINVAL for other shapes. */
static int labels_of(json_t *obj, char ***out, struct berr **err)
{
	*out = NULL;
	if (!obj || json_is_null(obj))
		return 0;
	if (!json_is_object(obj))
		return berr_plain(err, EINVAL, "Labels: an object of strings is expected");
	char **v = xcalloc(json_object_size(obj) + 1, sizeof(*v));
	size_t n = 0;
	const char *k;
	json_t *x;
	json_object_foreach(obj, k, x)
	{
		if (!json_is_string(x)) {
			strv_free(v);
			return berr_plain(err, EINVAL, "label '%s': a string is expected", k);
		}
		v[n++] = xasprintf("%s=%s", k, json_string_value(x));
	}
	*out = v;
	return 0;
}

int api_volume_create(struct api_req *r)
{
	struct berr *err = NULL;
	json_t *body = api_body_json(r, &err);
	if (!body)
		return api_reply_berr(r, err);
	json_t *name = json_object_get(body, "Name"), *driver = json_object_get(body, "Driver");
	json_t *opts = json_object_get(body, "DriverOpts");
	char **labels = NULL;
	int ret;
	if ((name && !json_is_string(name) && !json_is_null(name)) ||
	    (driver && !json_is_string(driver) && !json_is_null(driver)))
		ret = api_reply_error(r, 400, "Name and Driver must be strings");
	else if (json_string_value(driver) && *json_string_value(driver) &&
		 strcmp(json_string_value(driver), "local"))
		ret = api_reply_error(r, 400, "volume driver '%s' is not available: only local",
				      json_string_value(driver));
	else if (json_object_size(opts))
		ret = api_reply_error(r, 400,
				      "DriverOpts are not supported by berth's local "
				      "driver");
	else if (labels_of(json_object_get(body, "Labels"), &labels, &err) < 0)
		ret = api_reply_berr(r, err);
	else {
		const char *want = json_string_value(name);
		char made[ENG_ID_LEN + 1];
		json_t *doc = NULL;
		/* an existing name is that volume, as dockerd's local driver answers */
		if (eng_volume_create(&r->ctx->es, want && *want ? want : NULL, labels, false, true,
				      made, &err) == 0)
			doc = eng_volume_inspect(&r->ctx->es, made, false, &err);
		ret = doc ? api_reply_json(r, 201, doc) : api_reply_berr(r, err);
	}
	strv_free(labels);
	json_decref(body);
	return ret;
}

int api_volume_inspect(struct api_req *r)
{
	struct berr *err = NULL;
	json_t *doc = eng_volume_inspect(&r->ctx->es, r->param, false, &err);
	if (!doc && berr_code(err) == ENOENT) {
		berr_free(err);
		return api_reply_error(r, 404, "get %s: no such volume", r->param);
	}
	return doc ? api_reply_json(r, 200, doc) : api_reply_berr(r, err);
}

int api_volume_delete(struct api_req *r)
{
	struct berr *err = NULL;
	/* force forgives a volume that does not exist, not one in use (dockerd's) */
	if (eng_volume_remove(&r->ctx->es, r->param, false, &err) < 0) {
		if (berr_code(err) != ENOENT)
			return api_reply_berr(r, err);
		berr_free(err);
		if (!api_query_bool(r, "force", false))
			return api_reply_error(r, 404, "get %s: no such volume", r->param);
	}
	return api_reply_empty(r, 204);
}

/* label=k[=v] and label!=k[=v], as dockerd's prune reads them. */
static bool prune_match(void *ctx, json_t *vol)
{
	json_t *filters = ctx, *labels = json_object_get(vol, "Labels");
	if (!filter_labels(filters, "label", labels))
		return false;
	size_t i;
	json_t *v;
	json_array_foreach(filter_values(filters, "label!"), i, v)
	{
		json_t *one = json_pack("{s:[O]}", "l", v);
		bool has = filter_labels(one, "l", labels);
		json_decref(one);
		if (has)
			return false;
	}
	return true;
}

int api_volumes_prune(struct api_req *r)
{
	struct berr *err = NULL;
	json_auto_t *filters = filter_parse_json(api_query(r, "filters"), &err);
	static const char *const keys[] = {"label", "label!", NULL};
	if (!filters || filter_check(filters, keys, &err) < 0)
		return api_reply_berr(r, err);
	json_t *gone = json_array();
	uint64_t bytes = 0;
	/* API 1.41 prunes every unused volume; anonymous only came with 1.42's `all` */
	eng_volume_prune(&r->ctx->es, true, prune_match, filters, gone, &bytes);
	return api_reply_json(
	    r, 200,
	    json_pack("{s:o, s:I}", "VolumesDeleted", gone, "SpaceReclaimed", (json_int_t)bytes));
}

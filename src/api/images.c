/* /images/...: Docker's image endpoints on the image store, as the command line's `images`,
 * `image inspect`, `tag`, `rmi`, `history` and `image prune` use it (image/image_view.h,
 * image/image.h, engine/image.h). POST /images/create pulls (registry.c) or imports
 * (image_archive.c); push, auth and search are in registry.c, save and load in
 * image_archive.c. */
#include "api/images.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/routes.h"
#include "engine/container.h"
#include "engine/image.h"
#include "image/builtin.h"
#include "image/config.h"
#include "image/image.h"
#include "image/image_view.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/filter.h"
#include "util/timefmt.h"
#include "util/xalloc.h"

struct img_store *api_image_store(struct api_req *r, struct berr **err)
{
	struct img_store *s = NULL;
	if (img_store_open(r->ctx->es.root, &s, err) < 0)
		return NULL;
	s->roots = eng_image_roots;
	s->roots_ctx = (void *)&r->ctx->es;
	return s;
}

/* The reference dockerd's "No such image" names (daemon/images/errors.go,
 * ErrImageDoesNotExist): an id of 64 hex digits as its digest, a name as reference.TagNameOnly
 * and FamiliarString make it ("busybox" is "busybox:latest"). Caller frees. */
static char *missing_ref(const char *name)
{
	if (strlen(name) == 64 && strspn(name, "0123456789abcdef") == 64)
		return xasprintf("sha256:%s", name);
	return img_name_familiar(name);
}

int api_reply_image_berr(struct api_req *r, struct berr *err, const char *name)
{
	if (berr_code(err) != ENOENT)
		return api_reply_berr(r, err);
	berr_free(err);
	autofree char *ref = missing_ref(name);
	return api_reply_error(r, 404, "No such image: %s", ref);
}

/* reference.FamiliarMatch: a pattern (path.Match's) against "name:tag", or against the name. */
static bool ref_matches(json_t *patterns, const char *ref)
{
	const char *slash = strrchr(ref, '/');
	size_t name_len = strcspn(slash ? slash : ref, ":@") + (size_t)(slash ? slash - ref : 0);
	autofree char *name = xstrndup(ref, name_len);
	size_t i;
	json_t *p;
	json_array_foreach(patterns, i, p)
	{
		const char *pat = json_string_value(p);
		if (!fnmatch(pat, ref, FNM_PATHNAME) || !fnmatch(pat, name, FNM_PATHNAME))
			return true;
	}
	return false;
}

/* With reference filters, as dockerd lists: only the names that match stay in RepoTags and
 * RepoDigests, and an image with none of them is left out (false). */
static bool keep_references(json_t *sum, json_t *patterns)
{
	static const char *const keys[] = {"RepoTags", "RepoDigests"};
	size_t kept = 0;
	for (size_t k = 0; k < 2; k++) {
		json_t *out = json_array();
		size_t i;
		json_t *v;
		json_array_foreach(json_object_get(sum, keys[k]), i, v)
		{
			const char *ref = json_string_value(v);
			if (strncmp(ref, "<none>", 6) && ref_matches(patterns, ref))
				json_array_append(out, v);
		}
		kept += json_array_size(out);
		json_object_set_new(sum, keys[k], out);
	}
	return kept > 0;
}

int api_images_list(struct api_req *r)
{
	struct berr *err = NULL;
	json_auto_t *filters = filter_parse_json(api_query(r, "filters"), &err);
	static const char *const keys[] = {"dangling", "label", "reference", NULL};
	if (!filters || filter_check(filters, keys, &err) < 0)
		return api_reply_berr(r, err);
	autoptr(img_store) s = api_image_store(r, &err);
	json_auto_t *all = s ? img_store_images_view(s, &err) : NULL;
	if (!all)
		return api_reply_berr(r, err);
	bool every = api_query_bool(r, "all", false);
	json_t *dangling = filter_values(filters, "dangling");
	const char *want_dangling = json_string_value(json_array_get(dangling, 0));
	json_t *list = json_array();
	size_t i;
	json_t *rec;
	json_array_foreach(json_object_get(all, "images"), i, rec)
	{
		bool named = json_array_size(json_object_get(rec, "names")) > 0;
		if (!every && img_image_is_build_cache(rec))
			continue;
		if (want_dangling &&
		    (!strcmp(want_dangling, "true") || !strcmp(want_dangling, "1")) == named)
			continue;
		json_t *sum = img_image_summary(s, rec);
		json_t *refs = filter_values(filters, "reference");
		if ((refs && !keep_references(sum, refs)) ||
		    !filter_labels(filters, "label", json_object_get(sum, "Labels"))) {
			json_decref(sum);
			continue;
		}
		json_array_append_new(list, sum);
	}
	return api_reply_json(r, 200, list);
}

int api_image_inspect(struct api_req *r)
{
	struct berr *err = NULL;
	autoptr(img_store) s = api_image_store(r, &err);
	json_t *doc = s ? img_image_inspect(s, r->param, &err) : NULL;
	if (doc)
		return api_reply_json(r, 200, doc);
	if (berr_code(err) != ENOENT)
		return api_reply_berr(r, err);
	berr_free(err);
	/* dockerd's LookupImage wraps GetImage's error with the name as given */
	autofree char *ref = missing_ref(r->param);
	return api_reply_error(r, 404, "no such image: %s: No such image: %s", r->param, ref);
}

/* ---- tag, remove ---- */

int api_image_tag(struct api_req *r)
{
	const char *repo = api_query(r, "repo"), *tag = api_query(r, "tag");
	if (!repo || !*repo)
		return api_reply_error(r, 400, "repository name must have at least one component");
	autofree char *target = tag && *tag ? xasprintf("%s:%s", repo, tag) : xstrdup(repo);
	struct berr *err = NULL;
	autoptr(img_store) s = api_image_store(r, &err);
	if (!s || (img_builtin_is(r->param) && img_builtin_ensure(s, &err) < 0) ||
	    img_image_tag(s, r->param, target, &err) < 0)
		return api_reply_image_berr(r, err, r->param);
	return api_reply_empty(r, 201);
}

/* img_image_remove's "Untagged: x" / "Deleted: sha256:..." as Docker's
 * [{"Untagged": x}, {"Deleted": id}], names familiar as dockerd gives them ("mine:v2"). */
static json_t *report_items(json_t *report)
{
	json_t *out = json_array();
	size_t i;
	json_t *line;
	json_array_foreach(report, i, line)
	{
		const char *t = json_string_value(line);
		const char *colon = t ? strstr(t, ": ") : NULL;
		if (!colon)
			continue;
		autofree char *key = xstrndup(t, (size_t)(colon - t));
		autofree char *v =
		    strcmp(key, "Untagged") ? xstrdup(colon + 2) : img_name_familiar(colon + 2);
		json_array_append_new(out, json_pack("{s:s}", key, v));
	}
	return out;
}

int api_image_delete(struct api_req *r)
{
	struct berr *err = NULL;
	autoptr(img_store) s = api_image_store(r, &err);
	if (!s)
		return api_reply_berr(r, err);
	json_auto_t *report = json_array();
	struct eng_store es = r->ctx->es;
	if (img_image_remove(s, r->param, api_query_bool(r, "force", false), eng_image_use, &es,
			     report, &err) < 0)
		return api_reply_image_berr(r, err, r->param);
	return api_reply_json(r, 200, report_items(report));
}

int api_image_create(struct api_req *r)
{
	return api_query(r, "fromSrc") ? api_image_import(r) : api_image_pull(r);
}

/* ---- history, prune ---- */

int api_image_history(struct api_req *r)
{
	struct berr *err = NULL;
	struct img_config *c = NULL;
	autoptr(img_store) s = api_image_store(r, &err);
	json_t *rec = s ? img_image_open(s, r->param, &c, &err) : NULL;
	if (!rec)
		return api_reply_image_berr(r, err, r->param);
	json_t *items = img_image_history(s, rec, c);
	json_decref(rec);
	img_config_free(c);
	return api_reply_json(r, 200, items);
}

/* dockerd's until (timetypes.GetTimestamp): a Unix time (seconds, a fraction allowed), an
 * RFC 3339 time, or a Go duration back from now ("24h", "1h30m", "90s"); 0 when unreadable. */
static time_t until_time(const char *v)
{
	char *end = NULL;
	double secs = strtod(v, &end);
	if (isdigit((unsigned char)v[0]) && end != v && !*end)
		return (time_t)secs;
	time_t t = timefmt_parse(v);
	if (t)
		return t;
	double back = 0;
	for (const char *p = v; *p;) {
		double n = strtod(p, &end);
		if (end == p || !isdigit((unsigned char)*p))
			return 0;
		bool ms = !strncmp(end, "ms", 2);
		double unit = ms            ? 0.001
			      : *end == 'h' ? 3600
			      : *end == 'm' ? 60
			      : *end == 's' ? 1
					    : 0;
		if (unit == 0)
			return 0;
		back += n * unit;
		p = end + (ms ? 2 : 1);
	}
	return time(NULL) - (time_t)back;
}

/* until, label=k[=v] and label!=k[=v], as dockerd's image prune reads them. */
struct prune_ctx {
	json_t *filters;
	time_t until; /* 0: none */
};

static bool prune_match(void *cls, const char *created, json_t *labels)
{
	struct prune_ctx *p = cls;
	time_t t = timefmt_parse(created);
	if (p->until && (!t || t >= p->until))
		return false;
	if (!filter_labels(p->filters, "label", labels))
		return false;
	size_t i;
	json_t *v;
	json_array_foreach(filter_values(p->filters, "label!"), i, v)
	{
		json_t *one = json_pack("{s:[O]}", "l", v);
		bool has = filter_labels(one, "l", labels);
		json_decref(one);
		if (has)
			return false;
	}
	return true;
}

/* The prune the filters ask for; EINVAL for a filter dockerd does not take. */
static int prune_plan(struct api_req *r, struct prune_ctx *pc, struct eng_image_prune *p,
		      struct berr **err)
{
	static const char *const keys[] = {"dangling", "until", "label", "label!", NULL};
	pc->filters = filter_parse_json(api_query(r, "filters"), err);
	if (!pc->filters)
		return berr_ret(err);
	int rr = filter_check(pc->filters, keys, err);
	if (rr < 0)
		return rr;
	const char *d =
	    json_string_value(json_array_get(filter_values(pc->filters, "dangling"), 0));
	if (d && strcmp(d, "true") && strcmp(d, "1") && strcmp(d, "false") && strcmp(d, "0"))
		return berr_plain(err, EINVAL, "invalid filter 'dangling=%s'", d);
	const char *until =
	    json_string_value(json_array_get(filter_values(pc->filters, "until"), 0));
	if (until && !(pc->until = until_time(until)))
		return berr_plain(err, EINVAL, "invalid filter 'until=%s'", until);
	/* dangling=false: every unused image, as -a asks */
	*p = (struct eng_image_prune){
	    .all = d && (!strcmp(d, "false") || !strcmp(d, "0")), .match = prune_match, .ctx = pc};
	return 0;
}

int api_images_prune(struct api_req *r)
{
	struct prune_ctx pc = {0};
	struct eng_image_prune p;
	struct berr *err = NULL;
	int rr = prune_plan(r, &pc, &p, &err);
	json_auto_t *filters = pc.filters; /* pc's, released on return */
	if (rr < 0)
		return api_reply_berr(r, err);
	autoptr(img_store) s = api_image_store(r, &err);
	json_auto_t *report = json_array();
	int64_t freed = 0;
	if (!s || eng_image_prune(&r->ctx->es, s, &p, report, &freed, &err) < 0)
		return api_reply_berr(r, err);
	return api_reply_json(r, 200,
			      json_pack("{s:o, s:I}", "ImagesDeleted", report_items(report),
					"SpaceReclaimed", (json_int_t)freed));
}

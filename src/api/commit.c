/* POST /commit: a container's changes as a new image (docker commit), on eng_commit as
 * `berth commit` calls it. The body's container config (Cmd, Entrypoint, Env, Labels,
 * ExposedPorts, Volumes, WorkingDir, User, StopSignal) is turned into the Dockerfile
 * instructions `changes` carries, so one room (image/change.c) applies both. */
#include "engine/commit.h"

#include <errno.h>
#include <string.h>

#include "api/images.h"
#include "api/routes.h"
#include "engine/container.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/json.h"
#include "util/xalloc.h"

/* "a b" → "\"a b\"" with quotes and backslashes escaped (ENV and LABEL values). */
static char *quoted(const char *s)
{
	size_t n = strlen(s);
	char *q = xmalloc(2 * n + 3), *p = q;
	*p++ = '"';
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			*p++ = '\\';
		*p++ = *s;
	}
	*p++ = '"';
	*p = '\0';
	return q;
}

static void add(char ***list, size_t *n, char *line)
{
	*list = xrealloc(*list, (*n + 2) * sizeof(char *));
	(*list)[(*n)++] = line;
	(*list)[*n] = NULL;
}

/* The body's config as instructions; EINVAL for a field of the wrong type. */
static int config_changes(json_t *cfg, char ***list, size_t *n, struct berr **err)
{
	static const char *const arrays[][2] = {{"Cmd", "CMD"}, {"Entrypoint", "ENTRYPOINT"}};
	for (size_t i = 0; i < 2; i++) {
		json_t *v = json_object_get(cfg, arrays[i][0]);
		if (!v || json_is_null(v))
			continue;
		if (!json_is_array(v))
			return berr_plain(err, EINVAL, "%s: a list of strings", arrays[i][0]);
		autofree char *text = json_dumps(v, JSON_COMPACT);
		add(list, n, xasprintf("%s %s", arrays[i][1], text));
	}
	json_t *v;
	size_t i;
	json_array_foreach(json_object_get(cfg, "Env"), i, v)
	{
		const char *e = json_string_value(v), *eq = e ? strchr(e, '=') : NULL;
		if (!eq)
			return berr_plain(err, EINVAL, "Env: '%s' is not KEY=VALUE", e ? e : "");
		autofree char *val = quoted(eq + 1);
		add(list, n, xasprintf("ENV %.*s=%s", (int)(eq - e), e, val));
	}
	const char *k;
	json_object_foreach(json_object_get(cfg, "Labels"), k, v)
	{
		autofree char *key = quoted(k), *val = quoted(json_string_value(v) ?: "");
		add(list, n, xasprintf("LABEL %s=%s", key, val));
	}
	json_object_foreach(json_object_get(cfg, "ExposedPorts"), k, v)
	    add(list, n, xasprintf("EXPOSE %s", k));
	json_object_foreach(json_object_get(cfg, "Volumes"), k, v)
	{
		json_t *one = json_pack("[s]", k);
		autofree char *text = json_dumps(one, JSON_COMPACT);
		json_decref(one);
		add(list, n, xasprintf("VOLUME %s", text));
	}
	static const char *const plain[][2] = {
	    {"WorkingDir", "WORKDIR"}, {"User", "USER"}, {"StopSignal", "STOPSIGNAL"}};
	for (size_t j = 0; j < 3; j++) {
		const char *s = json_string_value(json_object_get(cfg, plain[j][0]));
		if (s && *s)
			add(list, n, xasprintf("%s %s", plain[j][1], s));
	}
	return 0;
}

/* The body: empty, null (the docker CLI's) or a container config. */
static json_t *body_config(struct api_req *r, struct berr **err)
{
	if (!r->body || !r->body_len || !strcmp(r->body, "null"))
		return json_object();
	return api_body_json(r, err);
}

int api_commit(struct api_req *r)
{
	const char *ref = api_query(r, "container");
	char id[ENG_ID_LEN + 1];
	struct berr *err = NULL;
	if (!ref || !*ref)
		return api_reply_error(r, 400, "No container specified");
	if (eng_container_resolve(&r->ctx->es, ref, id, &err) < 0) {
		berr_free(err);
		return api_reply_error(r, 404, "No such container: %s", ref);
	}
	const char *repo = api_query(r, "repo"), *tag = api_query(r, "tag");
	autofree char *name = repo && *repo ? xasprintf("%s%s%s", repo, tag && *tag ? ":" : "",
							tag && *tag ? tag : "")
					    : NULL;
	json_t *cfg = body_config(r, &err);
	if (!cfg)
		return api_reply_berr(r, err);
	char **changes = api_query_all(r, "changes");
	size_t n = strv_len(changes);
	int rr = config_changes(cfg, &changes, &n, &err);
	json_decref(cfg);
	struct eng_commit c = {.name = name,
			       .message = api_query(r, "comment"),
			       .author = api_query(r, "author"),
			       .changes = changes,
			       .pause = api_query_bool(r, "pause", true)};
	struct img_store *is = rr == 0 ? api_image_store(r, &err) : NULL;
	char image[80];
	if (rr == 0)
		rr = is ? eng_commit(&r->ctx->es, is, id, &c, image, &err) : -EIO;
	img_store_free(is);
	strv_free(changes);
	if (rr < 0)
		return api_reply_berr(r, err);
	return api_reply_json(r, 201, json_pack("{s:s}", "Id", image));
}

/* Image configuration parsing and chain ids (see config.h). */
#include "image/config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/digest.h"
#include "util/err.h"
#include "util/json.h"
#include "util/xalloc.h"

void img_config_free(struct img_config *c)
{
	if (!c)
		return;
	img_platform_clear(&c->platform);
	free(c->created);
	free(c->author);
	strv_free(c->env);
	strv_free(c->cmd);
	strv_free(c->entrypoint);
	strv_free(c->volumes);
	strv_free(c->exposed_ports);
	free(c->working_dir);
	free(c->user);
	free(c->stop_signal);
	json_decref(c->labels);
	strv_free(c->diff_ids);
	for (size_t i = 0; i < c->n_history; i++) {
		free(c->history[i].created);
		free(c->history[i].created_by);
		free(c->history[i].author);
		free(c->history[i].comment);
	}
	free(c->history);
	json_decref(c->raw);
	free(c);
}

static char *dup_opt(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* The keys of an object such as {"/data": {}} or {"80/tcp": {}}. */
static int object_keys(json_t *obj, const char *where, const char *key, char ***out,
		       struct berr **err)
{
	json_t *o = NULL;
	if (json_opt_object(obj, where, key, &o, err) < 0)
		return -EINVAL;
	if (!o)
		return 0;
	char **v = xcalloc(json_object_size(o) + 1, sizeof(char *));
	size_t n = 0;
	const char *k;
	json_t *val;
	json_object_foreach(o, k, val) v[n++] = xstrdup(k);
	*out = v;
	return 0;
}

static int parse_run_config(json_t *cfg, struct img_config *c, struct berr **err)
{
	const char *wd = NULL, *user = NULL, *stop = NULL;
	json_t *labels = NULL;
	const char *w = "config";
	if (json_opt_strv(cfg, w, "Env", &c->env, err) < 0 ||
	    json_opt_strv(cfg, w, "Cmd", &c->cmd, err) < 0 ||
	    json_opt_strv(cfg, w, "Entrypoint", &c->entrypoint, err) < 0 ||
	    json_opt_str(cfg, w, "WorkingDir", &wd, err) < 0 ||
	    json_opt_str(cfg, w, "User", &user, err) < 0 ||
	    json_opt_str(cfg, w, "StopSignal", &stop, err) < 0 ||
	    json_opt_object(cfg, w, "Labels", &labels, err) < 0 ||
	    object_keys(cfg, w, "Volumes", &c->volumes, err) < 0 ||
	    object_keys(cfg, w, "ExposedPorts", &c->exposed_ports, err) < 0)
		return -EINVAL;
	c->working_dir = dup_opt(wd);
	c->user = dup_opt(user);
	c->stop_signal = dup_opt(stop);
	c->labels = labels ? json_incref(labels) : NULL;
	return 0;
}

static int parse_rootfs(json_t *doc, struct img_config *c, struct berr **err)
{
	json_t *rootfs = NULL;
	if (json_opt_object(doc, "", "rootfs", &rootfs, err) < 0)
		return -EINVAL;
	if (!rootfs)
		return berr_plain(err, EINVAL, "rootfs: missing");
	const char *type = NULL;
	if (json_opt_str(rootfs, "rootfs", "type", &type, err) < 0)
		return -EINVAL;
	if (!type || strcmp(type, "layers"))
		return berr_plain(err, EINVAL, "rootfs.type: expected \"layers\"");
	if (json_opt_strv(rootfs, "rootfs", "diff_ids", &c->diff_ids, err) < 0)
		return -EINVAL;
	if (!c->diff_ids)
		c->diff_ids = xcalloc(1, sizeof(char *));
	c->n_diff_ids = strv_len(c->diff_ids);
	if (c->n_diff_ids > IMG_LAYERS_MAX)
		return berr_plain(err, E2BIG,
				  "rootfs.diff_ids: %zu layers, more than the %d allowed",
				  c->n_diff_ids, IMG_LAYERS_MAX);
	char hex[SHA256_HEX_LEN + 1];
	for (size_t i = 0; i < c->n_diff_ids; i++)
		if (digest_parse(c->diff_ids[i], hex, err) < 0)
			return berr_wrap(err, "rootfs.diff_ids[%zu]", i);
	return 0;
}

static int parse_history(json_t *doc, struct img_config *c, struct berr **err)
{
	json_t *arr = NULL;
	if (json_opt_array(doc, "", "history", &arr, err) < 0)
		return -EINVAL;
	if (!arr)
		return 0;
	size_t n = json_array_size(arr);
	c->history = xcalloc(n ? n : 1, sizeof(*c->history));
	for (size_t i = 0; i < n; i++) {
		json_t *h = json_array_get(arr, i);
		char w[32];
		snprintf(w, sizeof(w), "history[%zu]", i);
		if (!json_is_object(h))
			return berr_plain(err, EINVAL, "%s: expected object", w);
		const char *created = NULL, *by = NULL, *author = NULL, *comment = NULL;
		bool empty = false;
		if (json_opt_str(h, w, "created", &created, err) < 0 ||
		    json_opt_str(h, w, "created_by", &by, err) < 0 ||
		    json_opt_str(h, w, "author", &author, err) < 0 ||
		    json_opt_str(h, w, "comment", &comment, err) < 0 ||
		    json_opt_bool(h, w, "empty_layer", &empty, err) < 0)
			return -EINVAL;
		c->history[i] = (struct img_history){dup_opt(created), dup_opt(by), dup_opt(author),
						     dup_opt(comment), empty};
		c->n_history = i + 1;
	}
	return 0;
}

static int parse_doc(json_t *doc, struct img_config *c, struct berr **err)
{
	if (!json_is_object(doc))
		return berr_plain(err, EINVAL, "not a JSON object");
	const char *os = NULL, *arch = NULL, *variant = NULL, *created = NULL, *author = NULL;
	json_t *cfg = NULL;
	if (json_opt_str(doc, "", "os", &os, err) < 0 ||
	    json_opt_str(doc, "", "architecture", &arch, err) < 0 ||
	    json_opt_str(doc, "", "variant", &variant, err) < 0 ||
	    json_opt_str(doc, "", "created", &created, err) < 0 ||
	    json_opt_str(doc, "", "author", &author, err) < 0 ||
	    json_opt_object(doc, "", "config", &cfg, err) < 0)
		return -EINVAL;
	c->platform.os = xstrdup(os ? os : "linux");
	c->platform.arch = xstrdup(arch ? arch : "amd64");
	c->platform.variant = variant && *variant ? xstrdup(variant) : NULL;
	c->created = dup_opt(created);
	c->author = dup_opt(author);
	int r;
	if (cfg && (r = parse_run_config(cfg, c, err)) < 0)
		return r;
	if ((r = parse_rootfs(doc, c, err)) < 0 || (r = parse_history(doc, c, err)) < 0)
		return r;
	return 0;
}

int img_config_parse(const char *data, size_t len, struct img_config **out, struct berr **err)
{
	if (len > IMG_CONFIG_MAX)
		return berr_plain(err, EFBIG, "image config of %zu bytes, more than the %d allowed",
				  len, IMG_CONFIG_MAX);
	json_t *doc = json_load_text(data, len, err);
	if (!doc)
		return berr_wrap(err, "image config");
	autoptr(img_config) c = xzalloc(sizeof(*c));
	c->raw = doc;
	if (parse_doc(doc, c, err) < 0)
		return berr_wrap(err, "image config");
	*out = take_ptr(&c);
	return 0;
}

void img_chain_id(char *const *diff_ids, size_t n, char out[72])
{
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (i == 0) {
			snprintf(out, 72, "%s", diff_ids[0]);
			continue;
		}
		char buf[160];
		int len = snprintf(buf, sizeof(buf), "%s %s", out, diff_ids[i]);
		memcpy(out, "sha256:", 7);
		sha256_hex(buf, (size_t)len, out + 7);
	}
}

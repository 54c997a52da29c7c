/* One compose file to a normalized model (load.h): read with a size limit, YAML to JSON, each
 * value interpolated, the schema checked, short syntax expanded; then `include` (each entry
 * a project of its own: its files, its project_directory, its env_file; a resource it defines
 * that the including file defines too is an error, as in Compose v2) and `extends` (a service
 * laid over its base from this file or another one, whose relative paths stay relative to
 * that file). */
#include "compose/load.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compose/interp.h"
#include "compose/merge.h"
#include "compose/normalize.h"
#include "compose/schema.h"
#include "compose/variables.h"
#include "compose/yaml.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/xalloc.h"

static char *dir_of(const char *path)
{
	autofree char *copy = xstrdup(path);
	return xstrdup(dirname(copy));
}

int cmp_load_env_file(const char *path, json_t *vars, struct berr **err)
{
	autofree char *data = NULL;
	size_t len = 0;
	int r = fs_read_file(AT_FDCWD, path, 1 << 20, &data, &len, err);
	if (r < 0)
		return berr_wrap(err, "read env file '%s'", path);
	json_t *got = json_object();
	r = cmp_env_parse(data, len, path, vars, got, err);
	if (r == 0)
		json_object_update_missing(vars, got);
	json_decref(got);
	return r;
}

static json_t *parse_file(struct cmp_loader *l, const char *path, const char *display,
			  const char *dir, struct berr **err)
{
	autofree char *data = NULL;
	size_t len = 0;
	if (fs_read_file(AT_FDCWD, path, CMP_YAML_MAX_BYTES, &data, &len, err) < 0) {
		berr_wrap(err, "read '%s'", display);
		return NULL;
	}
	json_auto_t *pos = json_object();
	json_t *m = cmp_yaml_parse(data, len, display, pos, err);
	int r = m ? 0 : berr_ret(err);
	if (m && !json_is_object(m))
		r = berr_plain(err, EINVAL, "%s: the top level must be a mapping", display);
	if (r == 0 && l->variables) {
		cmp_variables_extract(m, l->variables);
		return m;
	}
	if (r == 0 && !l->no_interpolate)
		r = cmp_interpolate_tree(m, "", l->vars, pos, l->warnings, err);
	if (r == 0)
		r = cmp_schema_check(m, pos, err);
	if (r == 0)
		r = cmp_normalize_file(m, l->no_paths ? NULL : dir, l->no_interpolate, pos, err);
	json_object_update(l->pos, pos);
	if (r < 0) {
		json_decref(m);
		return NULL;
	}
	return m;
}

static int extend(struct cmp_loader *l, json_t *model, const char *name, const char *path,
		  const char *dir, int depth, struct berr **err);

/* The base service named by svc's extends, resolved itself (a new reference). */
static json_t *extends_base(struct cmp_loader *l, json_t *model, json_t *ext, const char *spath,
			    const char *path, const char *dir, int depth, struct berr **err)
{
	const char *base = json_string_value(json_object_get(ext, "service"));
	const char *file = json_string_value(json_object_get(ext, "file"));
	if (!base) {
		cmp_errf(err, l->pos, spath, "extends needs a service");
		return NULL;
	}
	autofree char *fpath = file ? cmp_abs_path(dir, file) : NULL;
	autofree char *fdir = file ? dir_of(fpath) : NULL;
	json_auto_t *from = file ? parse_file(l, fpath, fpath, fdir, err) : json_incref(model);
	if (!from)
		return NULL;
	json_t *svcs = json_object_get(from, "services");
	if (!json_object_get(svcs, base)) {
		cmp_errf(err, l->pos, spath, "extends: cannot find service '%s'%s%s", base,
			 file ? " in " : "", file ? file : "");
		return NULL;
	}
	if (extend(l, from, base, fpath ? fpath : path, fpath ? fdir : dir, depth + 1, err) < 0)
		return NULL;
	return json_deep_copy(json_object_get(svcs, base));
}

static int extend(struct cmp_loader *l, json_t *model, const char *name, const char *path,
		  const char *dir, int depth, struct berr **err)
{
	json_t *svcs = json_object_get(model, "services");
	json_t *svc = json_object_get(svcs, name);
	json_t *ext = json_object_get(svc, "extends");
	if (!ext)
		return 0;
	autofree char *spath = xasprintf("services.%s.extends", name);
	if (depth > CMP_MAX_NESTING)
		return cmp_errf(err, l->pos, spath, "extends nested deeper than %d (a cycle?)",
				CMP_MAX_NESTING);
	if (!json_is_object(ext))
		return cmp_errf(err, l->pos, spath, "must be a service's name or a mapping");
	json_t *base = extends_base(l, model, ext, spath, path, dir, depth, err);
	if (!base)
		return berr_ret(err);
	json_object_del(svc, "extends");
	cmp_merge(base, svc, name);
	json_object_set_new(svcs, name, base);
	return 0;
}

/* the entries of a mapping or a sequence (0 for anything else) */
static size_t json_size(json_t *v)
{
	return json_is_object(v) ? json_object_size(v) : json_array_size(v);
}

static int add_resources(json_t *model, json_t *inc, const char *ipath, json_t *pos,
			 struct berr **err)
{
	static const char *const sections[] = {"services", "networks", "volumes", "secrets",
					       "configs"};
	for (size_t i = 0; i < 5; i++) {
		json_t *src = json_object_get(inc, sections[i]);
		if (!json_size(src))
			continue;
		json_t *dst = json_object_get(model, sections[i]);
		if (!dst) {
			dst = json_object();
			json_object_set_new(model, sections[i], dst);
		}
		const char *k;
		json_t *v;
		json_object_foreach(src, k, v)
		{
			if (json_object_get(dst, k)) {
				autofree char *p = xasprintf("%s.%s", sections[i], k);
				return cmp_errf(err, pos, p,
						"imported compose file %s defines conflicting %s "
						"'%s'",
						ipath, sections[i], k);
			}
			json_object_set(dst, k, v);
		}
	}
	return 0;
}

static json_t *strings(json_t *v)
{
	return json_is_string(v) ? json_pack("[O]", v) : json_incref(v);
}

/* One include entry: {path, project_directory, env_file} or a path. */
static int include_one(struct cmp_loader *l, json_t *model, json_t *entry, const char *ipath,
		       const char *dir, struct berr **err)
{
	json_t *e = json_is_string(entry) ? json_pack("{sO}", "path", entry) : json_incref(entry);
	json_t *paths = strings(json_object_get(e, "path"));
	json_t *envs = strings(json_object_get(e, "env_file"));
	const char *pdir = json_string_value(json_object_get(e, "project_directory"));
	int r = 0;
	if (!json_is_array(paths) || !json_array_size(paths) ||
	    !json_is_string(json_array_get(paths, 0)))
		r = cmp_errf(err, l->pos, ipath, "needs a path");
	autofree char *first =
	    r ? NULL : cmp_abs_path(dir, json_string_value(json_array_get(paths, 0)));
	autofree char *idir = r ? NULL : pdir ? cmp_abs_path(dir, pdir) : dir_of(first);
	struct cmp_loader sub = *l;
	sub.vars = json_deep_copy(l->vars);
	size_t i;
	json_t *p;
	json_array_foreach(envs, i, p)
	{
		if (r == 0 && json_is_string(p)) {
			autofree char *ef = cmp_abs_path(dir, json_string_value(p));
			r = cmp_load_env_file(ef, sub.vars, err);
		}
	}
	if (r == 0 && !json_size(envs)) {
		autofree char *ef = xasprintf("%s/.env", idir);
		if (access(ef, F_OK) == 0)
			r = cmp_load_env_file(ef, sub.vars, err);
	}
	json_t *merged = NULL;
	json_array_foreach(paths, i, p)
	{
		if (r < 0 || !json_is_string(p))
			continue;
		autofree char *f = cmp_abs_path(dir, json_string_value(p));
		json_t *m = cmp_load_file(&sub, f, f, idir, err);
		if (!m) {
			r = berr_ret(err);
			continue;
		}
		if (merged) {
			cmp_merge(merged, m, "");
			json_decref(m);
		} else {
			merged = m;
		}
	}
	if (r == 0)
		r = add_resources(model, merged, ipath, l->pos, err);
	json_decref(merged);
	json_decref(sub.vars);
	json_decref(paths);
	json_decref(envs);
	json_decref(e);
	return r < 0 ? r : 0;
}

json_t *cmp_load_file(struct cmp_loader *l, const char *path, const char *display, const char *dir,
		      struct berr **err)
{
	size_t i;
	json_t *c;
	json_array_foreach(l->chain, i, c) if (!strcmp(json_string_value(c), path))
	{
		berr_plain(err, EINVAL, "%s: included by itself (an include cycle)", display);
		return NULL;
	}
	if (json_array_size(l->chain) > CMP_MAX_NESTING) {
		berr_plain(err, EINVAL, "%s: includes nested deeper than %d", display,
			   CMP_MAX_NESTING);
		return NULL;
	}
	json_t *m = parse_file(l, path, display, dir, err);
	if (!m)
		return NULL;
	json_array_append_new(l->chain, json_string(path));
	int r = 0;
	json_t *inc = json_object_get(m, "include");
	autofree char *fdir = dir_of(path);
	if (inc && !json_is_array(inc))
		r = cmp_errf(err, l->pos, "include", "must be a sequence");
	json_array_foreach(inc, i, c)
	{
		autofree char *ip = xasprintf("include[%zu]", i);
		if (r == 0)
			r = include_one(l, m, c, ip, fdir, err);
	}
	json_array_remove(l->chain, json_array_size(l->chain) - 1);
	json_object_del(m, "include");
	const char *name;
	json_t *svc;
	json_object_foreach(json_object_get(m, "services"), name, svc)
	{
		if (r == 0 && !l->variables)
			r = extend(l, m, name, path, dir, 0, err);
	}
	if (r < 0) {
		json_decref(m);
		return NULL;
	}
	return m;
}

/* The project (project.h): which files, which variables, which name, which profiles; the
 * files merged; then what needs the whole project: implicit dependencies (links,
 * network_mode/ipc/pid "service:x", volumes_from), the implicit `default` network,
 * env_file read into environment, project-scoped names, references checked (depends_on,
 * networks, volumes, secrets, configs, container_name, dependency cycles), resources no
 * service uses left out (compose-go's WithoutUnnecessaryResources, which `docker compose
 * config` applies), keys sorted. */
#include "compose/project.h"

#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compose/load.h"
#include "compose/merge.h"
#include "compose/normalize.h"
#include "compose/schema.h"
#include "compose/validate.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/xalloc.h"

extern char **environ;

void cmp_project_free(struct cmp_project *p)
{
	if (!p)
		return;
	free(p->name);
	free(p->dir);
	json_decref(p->model);
	json_decref(p->profiles);
	json_decref(p->warnings);
	json_decref(p->pos);
	json_decref(p->environment);
	free(p);
}

char *cmp_project_name_normalize(const char *s)
{
	char *out = xmalloc(strlen(s) + 1);
	size_t n = 0;
	for (; *s; s++) {
		char c = (char)tolower((unsigned char)*s);
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')
			out[n++] = c;
	}
	out[n] = 0;
	/* it must start with a letter or a digit */
	size_t skip = strspn(out, "_-");
	memmove(out, out + skip, n - skip + 1);
	return out;
}

static int name_check(const char *name, const char *from, struct berr **err)
{
	autofree char *norm = cmp_project_name_normalize(name);
	if (!*name)
		return berr_plain(err, EINVAL, "project name must not be empty");
	if (strcmp(norm, name))
		return berr_plain(err, EINVAL,
				  "invalid project name '%s' (%s): it must contain only characters "
				  "from [a-z0-9_-] and start with [a-z0-9]",
				  name, from);
	return 0;
}

/* The files to load, absolute, and how errors name them. */
static int find_files(const struct cmp_options *o, json_t *vars, const char *cwd, json_t *files,
		      json_t *shown, struct berr **err)
{
	if (o->files && o->files[0]) {
		for (size_t i = 0; o->files[i]; i++) {
			autofree char *abs = cmp_abs_path(cwd, o->files[i]);
			json_array_append_new(files, json_string(abs));
			json_array_append_new(shown, json_string(o->files[i]));
		}
		return 0;
	}
	const char *env = json_string_value(json_object_get(vars, "COMPOSE_FILE"));
	if (env && *env) {
		autofree char *copy = xstrdup(env);
		for (char *s = copy, *tok; (tok = strsep(&s, ":"));) {
			if (!*tok)
				continue;
			autofree char *abs = cmp_abs_path(cwd, tok);
			json_array_append_new(files, json_string(abs));
			json_array_append_new(shown, json_string(tok));
		}
		return 0;
	}
	static const char *const names[] = {"compose.yaml", "compose.yml", "docker-compose.yml",
					    "docker-compose.yaml"};
	static const char *const overrides[] = {"compose.override.yaml", "compose.override.yml",
						"docker-compose.override.yml",
						"docker-compose.override.yaml"};
	for (size_t set = 0; set < 2; set++)
		for (size_t i = 0; i < 4; i++) {
			const char *n = set ? overrides[i] : names[i];
			autofree char *abs = cmp_abs_path(cwd, n);
			if (access(abs, F_OK) == 0) {
				json_array_append_new(files, json_string(abs));
				json_array_append_new(shown, json_string(n));
				break;
			}
		}
	if (!json_array_size(files))
		return berr_plain(err, ENOENT, "no configuration file provided: not found");
	return 0;
}

static json_t *process_env(char *const *env)
{
	json_t *vars = json_object();
	for (; env && *env; env++) {
		const char *eq = strchr(*env, '=');
		if (!eq)
			continue;
		autofree char *k = xstrndup(*env, eq - *env);
		json_t *v = json_string(eq + 1);
		if (v)
			json_object_set_new(vars, k, v);
	}
	return vars;
}

/* -p, COMPOSE_PROJECT_NAME, the files' name:, the project directory's name. */
static int project_name(const struct cmp_options *o, json_t *vars, json_t *model, const char *dir,
			char **out, struct berr **err)
{
	const char *env = json_string_value(json_object_get(vars, "COMPOSE_PROJECT_NAME"));
	const char *top = json_string_value(json_object_get(model, "name"));
	int r = 0;
	if (o->project_name)
		r = name_check(o->project_name, "-p", err), *out = xstrdup(o->project_name);
	else if (env && *env)
		r = name_check(env, "COMPOSE_PROJECT_NAME", err), *out = xstrdup(env);
	else if (top)
		r = name_check(top, "name:", err), *out = xstrdup(top);
	else {
		autofree char *copy = xstrdup(dir);
		*out = cmp_project_name_normalize(basename(copy));
		if (!**out)
			r = berr_plain(err, EINVAL,
				       "project name must not be empty: the directory '%s' gives "
				       "none (use -p)",
				       dir);
	}
	return r;
}

static bool profile_active(json_t *active, const char *name)
{
	size_t i;
	json_t *a;
	json_array_foreach(active, i, a) if (!strcmp(json_string_value(a), name) ||
					     !strcmp(json_string_value(a), "*")) return true;
	return false;
}

/* Every profile named (sorted into p->profiles); services whose profiles are all inactive
 * dropped. */
static void profiles(struct cmp_project *p, const struct cmp_options *o, json_t *vars)
{
	json_t *active = json_array();
	for (size_t i = 0; o->profiles && o->profiles[i]; i++)
		json_array_append_new(active, json_string(o->profiles[i]));
	json_t *svcs = json_object_get(p->model, "services");
	for (size_t i = 0; o->services && o->services[i]; i++) {
		size_t k;
		json_t *pr;
		json_array_foreach(
		    json_object_get(json_object_get(svcs, o->services[i]), "profiles"), k, pr)
		    json_array_append(active, pr);
	}
	const char *env = json_string_value(json_object_get(vars, "COMPOSE_PROFILES"));
	autofree char *copy = xstrdup(env ? env : "");
	for (char *s = copy, *tok; (tok = strsep(&s, ","));)
		if (*tok)
			json_array_append_new(active, json_string(tok));
	json_t *all = json_object();
	const char *name;
	json_t *svc;
	void *tmp;
	json_object_foreach_safe(svcs, tmp, name, svc)
	{
		json_t *ps = json_object_get(svc, "profiles");
		if (!json_array_size(ps))
			continue;
		bool on = false;
		size_t i;
		json_t *pr;
		json_array_foreach(ps, i, pr)
		{
			json_object_set(all, json_string_value(pr), json_true());
			on = on || profile_active(active, json_string_value(pr));
		}
		if (!on)
			json_object_del(svcs, name);
	}
	p->profiles = json_array();
	const char *k;
	json_t *v;
	json_object_foreach(all, k, v) json_array_append_new(p->profiles, json_string(k));
	json_decref(all);
	json_decref(active);
	/* sorted, as Compose lists them */
	size_t n = json_array_size(p->profiles);
	for (size_t i = 1; i < n; i++)
		for (size_t j = i;
		     j > 0 && strcmp(json_string_value(json_array_get(p->profiles, j - 1)),
				     json_string_value(json_array_get(p->profiles, j))) > 0;
		     j--) {
			json_t *a = json_incref(json_array_get(p->profiles, j - 1));
			json_array_set(p->profiles, j - 1, json_array_get(p->profiles, j));
			json_array_set_new(p->profiles, j, a);
		}
}

/* --env-file's files, else the project directory's .env, into vars. */
static int load_env(const struct cmp_project *p, const struct cmp_options *o, const char *cwd,
		    json_t *vars, struct berr **err)
{
	int r = 0;
	for (size_t i = 0; r == 0 && o->env_files && o->env_files[i]; i++) {
		autofree char *ef = cmp_abs_path(cwd, o->env_files[i]);
		r = cmp_load_env_file(ef, vars, err);
	}
	if (r == 0 && !(o->env_files && o->env_files[0])) {
		autofree char *ef = xasprintf("%s/.env", p->dir);
		if (access(ef, F_OK) == 0)
			r = cmp_load_env_file(ef, vars, err);
	}
	return r;
}

/* Each file loaded and merged onto the first (--variables: only read). */
static int load_files(struct cmp_project *p, const struct cmp_options *o, struct cmp_loader *l,
		      json_t *files, json_t *shown, struct berr **err)
{
	size_t i;
	json_t *f;
	json_array_foreach(files, i, f)
	{
		json_t *m = cmp_load_file(l, json_string_value(f),
					  json_string_value(json_array_get(shown, i)), p->dir, err);
		if (!m)
			return berr_ret(err);
		if (p->model) {
			if (!o->variables)
				cmp_merge(p->model, m, "");
			json_decref(m);
		} else {
			p->model = m;
		}
	}
	return 0;
}

/* The merged model made the project's: its name, `version` dropped with v2's warning, profiles,
 * the defaults and checks of the whole (cmp_finalize). */
static int finish(struct cmp_project *p, const struct cmp_options *o, json_t *vars,
		  const char *first_shown, struct berr **err)
{
	int r = project_name(o, vars, p->model, p->dir, &p->name, err);
	if (r == 0 && json_object_get(p->model, "version")) {
		json_array_append_new(
		    p->warnings, json_sprintf("%s: the attribute `version` is obsolete, it will "
					      "be ignored, please remove it to avoid potential "
					      "confusion",
					      first_shown));
		json_object_del(p->model, "version");
	}
	if (r == 0) {
		profiles(p, o, vars);
		r = cmp_finalize(p->model, p->name, vars, p->pos,
				 (o->no_normalize ? CMP_NO_NORMALIZE : 0) |
				     (o->no_consistency ? CMP_NO_CONSISTENCY : 0) |
				     (o->no_env_resolution ? CMP_NO_ENV_RESOLUTION : 0),
				 err);
	}
	return r;
}

static int load(struct cmp_project *p, const struct cmp_options *o, const char *cwd,
		struct berr **err)
{
	json_t *vars = process_env(o->environ ? o->environ : environ);
	p->environment = vars;
	json_auto_t *files = json_array(), *shown = json_array(), *chain = json_array();
	struct cmp_loader l = {.vars = vars,
			       .pos = p->pos,
			       .warnings = p->warnings,
			       .chain = chain,
			       .workdir = cwd,
			       .no_interpolate = o->no_interpolate,
			       .no_paths = o->no_path_resolution,
			       .variables = o->variables};
	int r = find_files(o, vars, cwd, files, shown, err);
	if (r == 0) {
		autofree char *first = xstrdup(json_string_value(json_array_get(files, 0)));
		p->dir = xstrdup(dirname(first));
	}
	if (r == 0)
		r = load_env(p, o, cwd, vars, err);
	if (r == 0)
		r = load_files(p, o, &l, files, shown, err);
	if (r == 0 && !o->variables)
		r = finish(p, o, vars, json_string_value(json_array_get(shown, 0)), err);
	return r;
}

/* name and what it depends on into set, dependencies first into order (if not NULL). */
static void walk(json_t *svcs, const char *name, json_t *set, json_t *order)
{
	if (json_object_get(set, name))
		return;
	json_object_set_new(set, name, json_true());
	/* the model's keys are sorted (validate.c): depends_on's too */
	const char *k;
	json_t *v;
	json_object_foreach(json_object_get(json_object_get(svcs, name), "depends_on"), k, v)
	{
		if (json_object_get(svcs, k))
			walk(svcs, k, set, order);
	}
	if (order)
		json_array_append_new(order, json_string(name));
}

json_t *cmp_project_service_order(const struct cmp_project *p)
{
	json_t *svcs = json_object_get(p->model, "services");
	json_t *set = json_object(), *order = json_array();
	const char *k;
	json_t *v;
	json_object_foreach(svcs, k, v) walk(svcs, k, set, order);
	json_decref(set);
	return order;
}

int cmp_project_select(struct cmp_project *p, const char *const *services, struct berr **err)
{
	json_t *svcs = json_object_get(p->model, "services");
	for (size_t i = 0; services && services[i]; i++)
		if (!json_object_get(svcs, services[i]))
			return berr_plain(err, ENOENT, "no such service: %s", services[i]);
	if (!services || !services[0])
		return 0;
	json_t *set = json_object();
	for (size_t i = 0; services[i]; i++)
		walk(svcs, services[i], set, NULL);
	const char *k;
	json_t *v;
	void *tmp;
	json_object_foreach_safe(svcs, tmp, k, v)
	{
		if (!json_object_get(set, k))
			json_object_del(svcs, k);
	}
	json_decref(set);
	cmp_drop_unused(p->model);
	return 0;
}

int cmp_project_load(const struct cmp_options *o, struct cmp_project **out, struct berr **err)
{
	struct cmp_project *p = xzalloc(sizeof *p);
	p->pos = json_object();
	p->warnings = json_array();
	autofree char *cwd = o->workdir ? xstrdup(o->workdir) : getcwd(NULL, 0);
	if (!cwd) {
		cmp_project_free(p);
		return berr_set(err, errno, "getcwd");
	}
	int r = load(p, o, cwd, err);
	if (r < 0) {
		cmp_project_free(p);
		return r;
	}
	*out = p;
	return 0;
}

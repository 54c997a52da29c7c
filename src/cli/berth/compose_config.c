/* berth compose config: the project as compose/project.c decides it, printed as `docker
 * compose config` (v2) prints it: the model as YAML or JSON (every `$` written `$$`), or one
 * of its lists (--services, --volumes, --profiles, --images, --hash), or the variables the
 * files use (--variables) or the environment interpolation saw (--environment); the loader's
 * switches (--no-interpolate, --no-normalize, --no-path-resolution, --no-consistency,
 * --no-env-resolution) as compose-go's options of the same names. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/digests.h"
#include "app/project.h"
#include "cli/berth/compose.h"
#include "compose/yaml.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/json.h"
#include "util/xalloc.h"

static void print_keys(json_t *obj)
{
	const char *k;
	json_t *v;
	json_object_foreach(obj, k, v) printf("%s\n", k);
}

static void print_strings(json_t *arr)
{
	size_t i;
	json_t *s;
	json_array_foreach(arr, i, s) printf("%s\n", json_string_value(s));
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* --hash SERVICES|"*": "name hash" (the config hash in com.docker.compose.config-hash) of each,
 * in name order, as v2's; the plan is made for it. */
static int print_hashes(struct cmp_project *p, const char *which)
{
	struct app_plan_opts po = {.workdir = p->dir, .environment = p->environment};
	struct app_plan *plan = NULL;
	struct berr *err = NULL;
	if (app_plan_make(p->model, &po, &plan, &err) < 0)
		return cli_fail(err, 15);
	json_t *svcs = json_object_get(p->model, "services");
	size_t n = 0;
	char **names = xcalloc(json_object_size(svcs) + strlen(which) + 2, sizeof(*names));
	autofree char *copy = xstrdup(which);
	if (!strcmp(which, "*")) {
		const char *k;
		json_t *v;
		json_object_foreach(svcs, k, v) names[n++] = (char *)k;
	} else {
		for (char *c = copy, *tok; (tok = strsep(&c, ","));)
			names[n++] = tok;
	}
	qsort(names, n, sizeof(*names), str_cmp);
	int st = 0;
	for (size_t i = 0; i < n && !st; i++) {
		const struct app_service *s = app_plan_service(plan, names[i]);
		if (s)
			printf("%s %s\n", s->name, s->hash);
		else
			st = cli_error(1, "no such service: %s", names[i]);
	}
	free(names);
	app_plan_free(plan);
	return st;
}

/* The model as YAML or JSON into a string (caller frees). */
static int model_text(json_t *model, const char *format, char **out, size_t *len)
{
	FILE *m = open_memstream(out, len);
	if (!m)
		return cli_error(1, "open_memstream: %s", strerror(errno));
	struct berr *err = NULL;
	int st = 0;
	if (!strcmp(format, "json")) {
		if (json_dumpf(model, m, JSON_INDENT(2)) < 0 || fprintf(m, "\n") < 0)
			st = cli_error(1, "write: %s", strerror(errno));
	} else if (cmp_yaml_emit(model, m, &err) < 0) {
		st = cli_fail(err, 1);
	}
	if (fclose(m) != 0 && !st)
		st = cli_error(1, "write: %s", strerror(errno));
	return st;
}

/* The model, as YAML or JSON, to stdout or to output (-o); an interpolated model's every `$`
 * written `$$`, as v2's escapeDollarSign (and v1's) does, so that the output reads back as
 * the same model. */
static int print_model(struct cmp_project *p, const char *format, const char *output, bool escape)
{
	autofree char *text = NULL;
	size_t len = 0;
	int st = model_text(p->model, format, &text, &len);
	if (st)
		return st;
	FILE *f = output ? fopen(output, "we") : stdout;
	if (!f)
		return cli_error(1, "open '%s': %s", output, strerror(errno));
	for (size_t i = 0; i < len && !st; i++)
		if ((escape && text[i] == '$' && putc('$', f) == EOF) || putc(text[i], f) == EOF)
			st = cli_error(1, "write: %s", strerror(errno));
	if (output && fclose(f) != 0 && !st)
		st = cli_error(1, "write '%s': %s", output, strerror(errno));
	return st;
}

static int var_cmp(const void *a, const void *b)
{
	return strcmp(json_string_value(json_object_get(*(json_t *const *)a, "Name")),
		      json_string_value(json_object_get(*(json_t *const *)b, "Name")));
}

/* `config --variables`: v2's table (NAME REQUIRED DEFAULT VALUE ALTERNATE VALUE, Go's
 * tabwriter with compose's settings: minimum width 20, padding 3; rows by name, where v2's
 * follow its map's random order), `--format json` (its formatter's 4-space indent, then an
 * empty line) or yaml (yaml.v3's Marshal: lower-cased field names, 4 spaces). */
static int print_variables(json_t *vars, const char *format)
{
	size_t n = json_object_size(vars), i = 0;
	json_t **rows = xcalloc(n ? n : 1, sizeof(*rows));
	const char *k;
	json_t *v;
	json_object_foreach(vars, k, v) rows[i++] = v;
	qsort(rows, n, sizeof(*rows), var_cmp);
	int st = 0;
	if (format && !strcmp(format, "json")) {
		/* names sorted (Go's map), each one's fields in its struct's order */
		json_t *o = json_object();
		for (i = 0; i < n; i++)
			json_object_set(o, json_string_value(json_object_get(rows[i], "Name")),
					rows[i]);
		char *s = json_dumps(o, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
		printf("%s\n\n", s);
		free(s);
		json_decref(o);
		free(rows);
		return 0;
	}
	if (format && !strcmp(format, "yaml")) {
		json_t *y = json_object();
		for (i = 0; i < n; i++)
			json_object_set_new(
			    y, json_string_value(json_object_get(rows[i], "Name")),
			    json_pack("{sO sO sO sO}", "name", json_object_get(rows[i], "Name"),
				      "defaultvalue", json_object_get(rows[i], "DefaultValue"),
				      "presencevalue", json_object_get(rows[i], "PresenceValue"),
				      "required", json_object_get(rows[i], "Required")));
		struct berr *err = NULL;
		if (cmp_yaml_emit_indent(y, stdout, 4, &err) < 0)
			st = cli_fail(err, 1);
		json_decref(y);
		free(rows);
		return st;
	}
	static const char *const head[] = {"NAME", "REQUIRED", "DEFAULT VALUE", "ALTERNATE VALUE"};
	static const char *const keys[] = {"Name", "Required", "DefaultValue", "PresenceValue"};
	size_t w[3] = {strlen(head[0]), strlen(head[1]), strlen(head[2])};
	for (i = 0; i < n; i++)
		for (size_t c = 0; c < 3; c++) {
			json_t *cell = json_object_get(rows[i], keys[c]);
			size_t l = json_is_boolean(cell)
				       ? strlen(json_is_true(cell) ? "true" : "false")
				       : json_string_length(cell);
			w[c] = l > w[c] ? l : w[c];
		}
	for (size_t c = 0; c < 3; c++)
		w[c] = w[c] + 3 < 20 ? 20 : w[c] + 3;
	printf("%-*s%-*s%-*s%s\n", (int)w[0], head[0], (int)w[1], head[1], (int)w[2], head[2],
	       head[3]);
	for (i = 0; i < n; i++)
		printf("%-*s%-*s%-*s%s\n", (int)w[0],
		       json_string_value(json_object_get(rows[i], "Name")), (int)w[1],
		       json_is_true(json_object_get(rows[i], "Required")) ? "true" : "false",
		       (int)w[2], json_string_value(json_object_get(rows[i], "DefaultValue")),
		       json_string_value(json_object_get(rows[i], "PresenceValue")));
	free(rows);
	return 0;
}

/* `config --environment`: the variables interpolation saw, "NAME=value" sorted (compose-go's
 * Mapping.Values). */
static void print_environment(json_t *env)
{
	size_t n = json_object_size(env), i = 0;
	char **lines = xcalloc(n ? n : 1, sizeof(*lines));
	const char *k;
	json_t *v;
	json_object_foreach(env, k, v) lines[i++] = xasprintf("%s=%s", k, json_string_value(v));
	qsort(lines, n, sizeof(*lines), str_cmp);
	for (i = 0; i < n; i++) {
		printf("%s\n", lines[i]);
		free(lines[i]);
	}
	free(lines);
}

struct config_flags {
	bool services, volumes, profiles, images, quiet, variables, environment;
	bool no_interpolate, no_normalize, no_path_resolution, no_consistency, no_env_resolution;
	bool resolve_image_digests;
	const char *format, *hash, *output;
};

/* What config prints once the project is loaded (and, with services named, selected). */
static int config_print(struct cmp_project *p, const struct config_flags *cf)
{
	if (cf->quiet)
		return 0;
	if (cf->services) {
		json_t *order = cmp_project_service_order(p);
		print_strings(order);
		json_decref(order);
		return 0;
	}
	if (cf->volumes) {
		print_keys(json_object_get(p->model, "volumes"));
		return 0;
	}
	if (cf->hash)
		return print_hashes(p, cf->hash);
	if (cf->profiles) {
		print_strings(p->profiles);
		return 0;
	}
	if (cf->images) {
		/* image:, else the name a build gives it (app/service.c's), as v2's
		 * GetImageNameOrDefault */
		const char *k;
		json_t *v;
		json_object_foreach(json_object_get(p->model, "services"), k, v)
		{
			const char *img = json_string_value(json_object_get(v, "image"));
			if (img)
				printf("%s\n", img);
			else
				printf("%s-%s\n", p->name, k);
		}
		return 0;
	}
	if (cf->environment) {
		print_environment(p->environment);
		return 0;
	}
	struct berr *err = NULL;
	if (cf->resolve_image_digests && app_resolve_image_digests(p->model, &err) < 0)
		return cli_fail(err, 1);
	return print_model(p, cf->format ? cf->format : "yaml", cf->output, !cf->no_interpolate);
}

int compose_config(struct compose_opts *co, int argc, char **argv)
{
	struct config_flags cf = {0};
	const struct flag flags[] = {
	    {"services", 0, FLAG_BOOL, &cf.services, "Print the service names, one per line."},
	    {"volumes", 0, FLAG_BOOL, &cf.volumes, "Print the volume names, one per line."},
	    {"profiles", 0, FLAG_BOOL, &cf.profiles, "Print the profile names, one per line."},
	    {"images", 0, FLAG_BOOL, &cf.images, "Print the image names, one per line."},
	    {"hash", 0, FLAG_STRING, &cf.hash, "Print the service config hash, one per line.",
	     "string"},
	    {"quiet", 'q', FLAG_BOOL, &cf.quiet,
	     "Only validate the configuration, don't print anything"},
	    {"format", 0, FLAG_STRING, &cf.format, "Format the output. Values: [yaml | json]",
	     "string"},
	    {"output", 'o', FLAG_STRING, &cf.output, "Save to file (default to stdout)", "string"},
	    {"resolve-image-digests", 0, FLAG_BOOL, &cf.resolve_image_digests,
	     "Pin image tags to digests"},
	    {"no-interpolate", 0, FLAG_BOOL, &cf.no_interpolate,
	     "Don't interpolate environment variables"},
	    {"no-normalize", 0, FLAG_BOOL, &cf.no_normalize, "Don't normalize compose model"},
	    {"no-path-resolution", 0, FLAG_BOOL, &cf.no_path_resolution,
	     "Don't resolve file paths"},
	    {"no-consistency", 0, FLAG_BOOL, &cf.no_consistency,
	     "Don't check model consistency - warning: may produce invalid Compose output"},
	    {"no-env-resolution", 0, FLAG_BOOL, &cf.no_env_resolution,
	     "Don't resolve service env files"},
	    {"variables", 0, FLAG_BOOL, &cf.variables, "Print model variables and default values."},
	    {"environment", 0, FLAG_BOOL, &cf.environment,
	     "Print environment used for interpolation."},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth compose config",
				     "[OPTIONS] [SERVICE...]",
				     "Parse, resolve and render compose file in canonical format",
				     true,
				     FLAG_MIN_ARGS(0),
				     .cobra = true};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return flags_status(n);
	if (cf.format && strcmp(cf.format, "yaml") && strcmp(cf.format, "json"))
		return cli_error(16, "unsupported format '%s': yaml or json", cf.format);
	/* --services, --volumes and --hash are of the whole project, as v2's; --variables of
	 * the files as written (v2's ToModel without interpolation), unless one before it in
	 * v2's order is asked for */
	bool select = n > 0 && !cf.services && !cf.volumes && !cf.hash;
	bool vars =
	    cf.variables && !cf.services && !cf.volumes && !cf.hash && !cf.profiles && !cf.images;
	struct cmp_options o = {
	    .files = co->files.v,
	    .project_name = co->project_name,
	    .env_files = co->env_files.v,
	    .profiles = co->profiles.v,
	    .services = select ? pos : NULL,
	    .no_interpolate = cf.no_interpolate,
	    .no_normalize = cf.no_normalize,
	    .no_path_resolution = cf.no_path_resolution,
	    .no_consistency = cf.no_consistency,
	    .no_env_resolution = cf.no_env_resolution,
	    .variables = vars ? json_object() : NULL,
	};
	struct cmp_project *p = NULL;
	struct berr *err = NULL;
	if (cmp_project_load(&o, &p, &err) < 0) {
		json_decref(o.variables);
		return compose_load_fail(err);
	}
	compose_warnings(p->warnings);
	int status = 0;
	if (vars) {
		status = cf.quiet ? 0 : print_variables(o.variables, cf.format);
		json_decref(o.variables);
		cmp_project_free(p);
		return status;
	}
	if (select && cmp_project_select(p, pos, &err) < 0)
		status = cli_fail(err, 1);
	else
		status = config_print(p, &cf);
	cmp_project_free(p);
	return status;
}

/* The Compose Specification's keys and types (compose-spec.io, "Services top-level elements",
 * "Networks", "Volumes", "Configs", "Secrets" and the schema compose-spec.json), as tables. A
 * level's unknown key or a value of the wrong type is an error naming the file's line. */
#include "compose/schema.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose/interp.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/xalloc.h"

enum kind {
	K_ANY,     /* checked where it is normalized */
	K_STR,     /* string */
	K_INT,     /* integer (a numeric string converts) */
	K_BOOL,    /* bool ("true"/"false" convert) */
	K_NUMSTR,  /* number or string ("1g", 0.5) */
	K_STRLIST, /* sequence of strings */
	K_STR_OR_LIST,
	K_LIST_OR_MAP, /* ["A=1"] or {A: 1} */
	K_OBJ,         /* mapping, its keys not checked here */
	K_STR_OR_OBJ,
	K_BUILD,   /* string or the build table */
	K_HEALTH,  /* the healthcheck table */
	K_LOGGING, /* the logging table */
	K_MODE,    /* a file mode: a number, or a string read as octal ("0440"), 0 to 07777 */
};

struct key {
	const char *name;
	enum kind kind;
};

static const struct key service_keys[] = {
    {"annotations", K_LIST_OR_MAP},
    {"attach", K_BOOL},
    {"blkio_config", K_OBJ},
    {"build", K_BUILD},
    {"cap_add", K_STRLIST},
    {"cap_drop", K_STRLIST},
    {"cgroup", K_STR},
    {"cgroup_parent", K_STR},
    {"command", K_STR_OR_LIST},
    {"configs", K_ANY},
    {"container_name", K_STR},
    {"cpu_count", K_INT},
    {"cpu_percent", K_INT},
    {"cpu_period", K_NUMSTR},
    {"cpu_quota", K_NUMSTR},
    {"cpu_rt_period", K_NUMSTR},
    {"cpu_rt_runtime", K_NUMSTR},
    {"cpu_shares", K_NUMSTR},
    {"cpus", K_NUMSTR},
    {"cpuset", K_STR},
    {"credential_spec", K_OBJ},
    {"depends_on", K_ANY},
    {"deploy", K_OBJ},
    {"develop", K_OBJ},
    {"device_cgroup_rules", K_STRLIST},
    {"devices", K_ANY},
    {"dns", K_STR_OR_LIST},
    {"dns_opt", K_STRLIST},
    {"dns_search", K_STR_OR_LIST},
    {"domainname", K_STR},
    {"entrypoint", K_STR_OR_LIST},
    {"env_file", K_ANY},
    {"environment", K_LIST_OR_MAP},
    {"expose", K_ANY},
    {"extends", K_STR_OR_OBJ},
    {"external_links", K_STRLIST},
    {"extra_hosts", K_LIST_OR_MAP},
    {"gpus", K_ANY},
    {"group_add", K_ANY},
    {"healthcheck", K_HEALTH},
    {"hostname", K_STR},
    {"image", K_STR},
    {"init", K_BOOL},
    {"ipc", K_STR},
    {"isolation", K_STR},
    {"label_file", K_STR_OR_LIST},
    {"labels", K_LIST_OR_MAP},
    {"links", K_STRLIST},
    {"logging", K_LOGGING},
    {"mac_address", K_STR},
    {"mem_limit", K_NUMSTR},
    {"mem_reservation", K_NUMSTR},
    {"mem_swappiness", K_INT},
    {"memswap_limit", K_NUMSTR},
    {"network_mode", K_STR},
    {"networks", K_ANY},
    {"oom_kill_disable", K_BOOL},
    {"oom_score_adj", K_INT},
    {"pid", K_STR},
    {"pids_limit", K_NUMSTR},
    {"platform", K_STR},
    {"ports", K_ANY},
    {"post_start", K_ANY},
    {"pre_stop", K_ANY},
    {"privileged", K_BOOL},
    {"profiles", K_STRLIST},
    {"pull_policy", K_STR},
    {"read_only", K_BOOL},
    {"restart", K_STR},
    {"runtime", K_STR},
    {"scale", K_INT},
    {"secrets", K_ANY},
    {"security_opt", K_STRLIST},
    {"shm_size", K_NUMSTR},
    {"stdin_open", K_BOOL},
    {"stop_grace_period", K_STR},
    {"stop_signal", K_STR},
    {"storage_opt", K_OBJ},
    {"sysctls", K_LIST_OR_MAP},
    {"tmpfs", K_STR_OR_LIST},
    {"tty", K_BOOL},
    {"ulimits", K_OBJ},
    {"user", K_STR},
    {"userns_mode", K_STR},
    {"uts", K_STR},
    {"volumes", K_ANY},
    {"volumes_from", K_STRLIST},
    {"working_dir", K_STR},
    {NULL, K_ANY},
};

static const struct key build_keys[] = {
    {"context", K_STR},
    {"dockerfile", K_STR},
    {"dockerfile_inline", K_STR},
    {"args", K_LIST_OR_MAP},
    {"ssh", K_ANY},
    {"cache_from", K_STRLIST},
    {"cache_to", K_STRLIST},
    {"no_cache", K_BOOL},
    {"additional_contexts", K_LIST_OR_MAP},
    {"network", K_STR},
    {"target", K_STR},
    {"shm_size", K_NUMSTR},
    {"extra_hosts", K_LIST_OR_MAP},
    {"isolation", K_STR},
    {"privileged", K_BOOL},
    {"secrets", K_ANY},
    {"labels", K_LIST_OR_MAP},
    {"tags", K_STRLIST},
    {"ulimits", K_OBJ},
    {"platforms", K_STRLIST},
    {"pull", K_BOOL},
    {"entitlements", K_STRLIST},
    {NULL, K_ANY},
};

static const struct key health_keys[] = {
    {"test", K_STR_OR_LIST}, {"interval", K_STR},       {"timeout", K_STR},  {"retries", K_INT},
    {"start_period", K_STR}, {"start_interval", K_STR}, {"disable", K_BOOL}, {NULL, K_ANY},
};

static const struct key logging_keys[] = {
    {"driver", K_STR},
    {"options", K_OBJ},
    {NULL, K_ANY},
};

static const struct key network_keys[] = {
    {"name", K_STR},           {"driver", K_STR},       {"driver_opts", K_OBJ},
    {"ipam", K_OBJ},           {"external", K_ANY},     {"internal", K_BOOL},
    {"enable_ipv4", K_BOOL},   {"enable_ipv6", K_BOOL}, {"attachable", K_BOOL},
    {"labels", K_LIST_OR_MAP}, {NULL, K_ANY},
};

static const struct key volume_keys[] = {
    {"name", K_STR},     {"driver", K_STR},         {"driver_opts", K_OBJ},
    {"external", K_ANY}, {"labels", K_LIST_OR_MAP}, {NULL, K_ANY},
};

static const struct key secret_keys[] = {
    {"name", K_STR},    {"file", K_STR},        {"environment", K_STR},
    {"content", K_STR}, {"external", K_ANY},    {"labels", K_LIST_OR_MAP},
    {"driver", K_STR},  {"driver_opts", K_OBJ}, {"template_driver", K_STR},
    {NULL, K_ANY},
};

/* a service's secret or config in the long syntax */
static const struct key file_ref_keys[] = {
    {"source", K_STR}, {"target", K_STR}, {"uid", K_STR},
    {"gid", K_STR},    {"mode", K_MODE},  {NULL, K_ANY},
};

static const struct key top_keys[] = {
    {"version", K_ANY},  {"name", K_STR},    {"services", K_OBJ},
    {"networks", K_OBJ}, {"volumes", K_OBJ}, {"secrets", K_OBJ},
    {"configs", K_OBJ},  {"include", K_ANY}, {NULL, K_ANY},
};

int cmp_errf(struct berr **err, json_t *pos, const char *path, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	const char *w = cmp_where(pos, path);
	return berr_plain(err, EINVAL, "%s%s%s%s%s", w, *w ? ": " : "", path, *path ? ": " : "",
			  msg);
}

static const char *type_name(json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "a mapping";
	case JSON_ARRAY:
		return "a sequence";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

static int want(struct berr **err, json_t *pos, const char *path, const char *what, json_t *v)
{
	return cmp_errf(err, pos, path, "must be %s, not %s", what, type_name(v));
}

static bool scalar(json_t *v)
{
	return json_is_string(v) || json_is_number(v) || json_is_boolean(v) || json_is_null(v);
}

static int check_keys(json_t *obj, const struct key *keys, const char *path, json_t *pos,
		      struct berr **err);

/* A mode as compose-go's FileMode takes it: a number as it is, a string as octal. */
static int check_mode(json_t *obj, const char *key, json_t *v, const char *path, json_t *pos,
		      struct berr **err)
{
	long long n = json_is_integer(v) ? json_integer_value(v) : -1;
	if (json_is_string(v)) {
		char *end = NULL;
		n = strtoll(json_string_value(v), &end, 8);
		if (!*json_string_value(v) || *end)
			n = -1;
	} else if (!json_is_integer(v)) {
		return want(err, pos, path, "a number or an octal string", v);
	}
	if (n < 0 || n > 07777)
		return cmp_errf(err, pos, path, "must be a file mode from 0 to 07777");
	json_object_set_new(obj, key, json_integer(n));
	return 0;
}

/* A scalar kind: K_STR (a number's text taken, as yaml.v3 reads `hostname: 1234` as an int),
 * K_INT (a numeric string converted), K_BOOL ("true"/"false" converted), K_NUMSTR. */
static int check_scalar(json_t *obj, const char *key, enum kind kind, json_t *v, const char *path,
			json_t *pos, struct berr **err)
{
	const char *s = json_string_value(v);
	switch (kind) {
	case K_STR:
		if (json_is_number(v)) {
			char *text = json_dumps(v, JSON_ENCODE_ANY);
			json_object_set_new(obj, key, json_string(text));
			free(text);
			return 0;
		}
		return s ? 0 : want(err, pos, path, "a string", v);
	case K_INT:
		if (s) {
			char *end;
			long long n = strtoll(s, &end, 10);
			if (*s && !*end) {
				json_object_set_new(obj, key, json_integer(n));
				return 0;
			}
		}
		return json_is_integer(v) ? 0 : want(err, pos, path, "an integer", v);
	case K_BOOL:
		if (s && (!strcmp(s, "true") || !strcmp(s, "false"))) {
			json_object_set_new(obj, key, json_boolean(!strcmp(s, "true")));
			return 0;
		}
		return json_is_boolean(v) ? 0 : want(err, pos, path, "a boolean", v);
	default: /* K_NUMSTR */
		return s || json_is_number(v) ? 0 : want(err, pos, path, "a number or a string", v);
	}
}

/* Each entry of the sequence v a string (numbers too, when numbers_too). */
static int check_strings(json_t *v, bool numbers_too, const char *path, json_t *pos,
			 struct berr **err)
{
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e)
	{
		if (json_is_string(e) || (numbers_too && json_is_number(e)))
			continue;
		autofree char *p = xasprintf("%s[%zu]", path, i);
		return want(err, pos, p, "a string", e);
	}
	return 0;
}

/* ["A=1"] or {A: 1}: a sequence of strings, or a mapping of scalars. */
static int check_list_or_map(json_t *v, const char *path, json_t *pos, struct berr **err)
{
	if (json_is_array(v))
		return check_strings(v, false, path, pos, err);
	if (!json_is_object(v))
		return want(err, pos, path, "a mapping or a sequence", v);
	const char *k;
	json_t *e;
	json_object_foreach(v, k, e) if (!scalar(e))
	{
		autofree char *p = xasprintf("%s.%s", path, k);
		return want(err, pos, p, "a string, a number, a boolean or null", e);
	}
	return 0;
}

/* A mapping whose keys are checked against keys (K_BUILD also takes a string). */
static int check_table(json_t *v, enum kind kind, const char *path, json_t *pos, struct berr **err)
{
	if (kind == K_BUILD && json_is_string(v))
		return 0;
	if (!json_is_object(v))
		return want(err, pos, path, kind == K_BUILD ? "a string or a mapping" : "a mapping",
			    v);
	const struct key *keys = kind == K_BUILD    ? build_keys
				 : kind == K_HEALTH ? health_keys
						    : logging_keys;
	return check_keys(v, keys, path, pos, err);
}

/* Check (and where the type allows, convert) obj[key]. */
static int check_value(json_t *obj, const char *key, enum kind kind, const char *path, json_t *pos,
		       struct berr **err)
{
	json_t *v = json_object_get(obj, key);
	if (json_is_null(v) && kind != K_BOOL && kind != K_INT)
		return 0;
	switch (kind) {
	case K_ANY:
		return 0;
	case K_STR:
	case K_INT:
	case K_BOOL:
	case K_NUMSTR:
		return check_scalar(obj, key, kind, v, path, pos, err);
	case K_STR_OR_LIST:
		if (json_is_string(v))
			return 0;
		/* fall through */
	case K_STRLIST:
		if (!json_is_array(v))
			return want(err, pos, path, "a sequence of strings", v);
		return check_strings(v, true, path, pos, err);
	case K_LIST_OR_MAP:
		return check_list_or_map(v, path, pos, err);
	case K_OBJ:
		return json_is_object(v) ? 0 : want(err, pos, path, "a mapping", v);
	case K_STR_OR_OBJ:
		return json_is_string(v) || json_is_object(v)
			   ? 0
			   : want(err, pos, path, "a string or a mapping", v);
	case K_BUILD:
	case K_HEALTH:
	case K_LOGGING:
		return check_table(v, kind, path, pos, err);
	case K_MODE:
		return check_mode(obj, key, v, path, pos, err);
	}
	return 0;
}

static int check_keys(json_t *obj, const struct key *keys, const char *path, json_t *pos,
		      struct berr **err)
{
	const char *k;
	json_t *v;
	void *tmp;
	json_object_foreach_safe(obj, tmp, k, v)
	{
		if (!strncmp(k, "x-", 2))
			continue;
		const struct key *key = keys;
		while (key->name && strcmp(key->name, k))
			key++;
		autofree char *p = *path ? xasprintf("%s.%s", path, k) : xstrdup(k);
		if (!key->name)
			return cmp_errf(err, pos, p, "unknown key '%s'", k);
		int r = check_value(obj, k, key->kind, p, pos, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Each entry of a top-level section: a mapping (or null) with the section's keys. */
static int check_section(json_t *file, const char *name, const struct key *keys, json_t *pos,
			 struct berr **err)
{
	json_t *sec = json_object_get(file, name);
	const char *k;
	json_t *v;
	json_object_foreach(sec, k, v)
	{
		autofree char *p = xasprintf("%s.%s", name, k);
		if (json_is_null(v))
			continue;
		if (!json_is_object(v))
			return want(err, pos, p, "a mapping", v);
		int r = check_keys(v, keys, p, pos, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int cmp_schema_check(json_t *file, json_t *pos, struct berr **err)
{
	if (!json_is_object(file))
		return want(err, pos, "", "a mapping", file);
	int r = check_keys(file, top_keys, "", pos, err);
	if (r == 0)
		r = check_section(file, "services", service_keys, pos, err);
	if (r == 0)
		r = check_section(file, "networks", network_keys, pos, err);
	if (r == 0)
		r = check_section(file, "volumes", volume_keys, pos, err);
	if (r == 0)
		r = check_section(file, "secrets", secret_keys, pos, err);
	if (r == 0)
		r = check_section(file, "configs", secret_keys, pos, err);
	return r;
}

int cmp_schema_file_ref(json_t *ref, const char *path, json_t *pos, struct berr **err)
{
	return check_keys(ref, file_ref_keys, path, pos, err);
}

/* config.json: the top level, root, process and hooks. The linux section is in spec_linux.c,
 * mount options in mount_options.c. Every field is type-checked; errors name the field. */
#include "runtime/spec.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"
#include "util/xalloc.h"

int rt_spec_parse_linux(struct rt_spec *spec, json_t *linux_obj, struct berr **err);
int rt_spec_parse_mounts(struct rt_spec *spec, json_t *arr, struct berr **err);

static const struct {
	const char *name;
	int resource;
} rlimit_names[] = {
    {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},
    {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
};

int rt_rlimit_from_name(const char *name)
{
	for (size_t i = 0; i < sizeof(rlimit_names) / sizeof(rlimit_names[0]); i++)
		if (!strcmp(rlimit_names[i].name, name))
			return rlimit_names[i].resource;
	return -1;
}

static int parse_caps(struct rt_process *p, json_t *caps, struct berr **err)
{
	static const char *const sets[RT_CAP_SET_COUNT] = {"bounding", "effective", "inheritable",
							   "permitted", "ambient"};
	p->has_caps = true;
	for (int s = 0; s < RT_CAP_SET_COUNT; s++) {
		json_t *arr = NULL;
		if (json_opt_array(caps, "process.capabilities", sets[s], &arr, err) < 0)
			return -EINVAL;
		size_t i;
		json_t *v;
		json_array_foreach(arr, i, v)
		{
			if (!json_is_string(v))
				return berr_set(
				    err, EINVAL,
				    "process.capabilities.%s: expected array of strings", sets[s]);
			/* runtime-spec 1.1 (config.md, "capabilities"): a capability that
			 * cannot be mapped or granted is logged as a warning and the runtime
			 * does not fail; runc 1.2 and crun skip such names likewise */
			int cap = rt_cap_from_name(json_string_value(v));
			if (cap < 0 || cap > rt_cap_last()) {
				log_warn("process.capabilities.%s: capability '%s' %s, ignored",
					 sets[s], json_string_value(v),
					 cap < 0 ? "unknown" : "not known to this kernel");
				continue;
			}
			p->caps[s] |= 1ULL << cap;
		}
	}
	return 0;
}

static int parse_rlimits(struct rt_process *p, json_t *arr, struct berr **err)
{
	size_t n = json_array_size(arr), i;
	json_t *v;
	p->rlimits = xcalloc(n, sizeof(*p->rlimits));
	json_array_foreach(arr, i, v)
	{
		const char *type = NULL;
		uint64_t soft = 0, hard = 0;
		bool has_soft = false, has_hard = false;
		if (!json_is_object(v))
			return berr_set(err, EINVAL, "process.rlimits[%zu]: expected object", i);
		if (json_opt_str(v, "process.rlimits", "type", &type, err) < 0 ||
		    json_opt_u64(v, "process.rlimits", "soft", &soft, &has_soft, err) < 0 ||
		    json_opt_u64(v, "process.rlimits", "hard", &hard, &has_hard, err) < 0)
			return -EINVAL;
		if (!type || !has_soft || !has_hard)
			return berr_set(err, EINVAL,
					"process.rlimits[%zu]: type, soft and hard are required",
					i);
		int res = rt_rlimit_from_name(type);
		if (res < 0)
			return berr_set(err, EINVAL, "process.rlimits: unknown type '%s'", type);
		for (size_t j = 0; j < p->n_rlimits; j++)
			if (p->rlimits[j].resource == res)
				return berr_set(err, EINVAL, "process.rlimits: '%s' given twice",
						type);
		p->rlimits[p->n_rlimits++] = (struct rt_rlimit){res, soft, hard};
	}
	return 0;
}

static int parse_user(struct rt_process *p, json_t *user, const char *where, struct berr **err)
{
	int64_t v = 0;
	bool set = false;
	if (json_opt_i64(user, where, "uid", &v, &set, err) < 0)
		return -EINVAL;
	if (set && (v < 0 || v > UINT32_MAX - 1))
		return berr_set(err, EINVAL, "%s.uid: out of range", where);
	p->uid = (uid_t)v;
	v = 0;
	if (json_opt_i64(user, where, "gid", &v, &set, err) < 0)
		return -EINVAL;
	if (v < 0 || v > UINT32_MAX - 1)
		return berr_set(err, EINVAL, "%s.gid: out of range", where);
	p->gid = (gid_t)v;
	set = false;
	if (json_opt_i64(user, where, "umask", &v, &set, err) < 0)
		return -EINVAL;
	if (set) {
		if (v < 0 || v > 0777)
			return berr_set(err, EINVAL, "%s.umask: out of range", where);
		p->has_umask = true;
		p->umask = (mode_t)v;
	}
	json_t *gids = NULL;
	if (json_opt_array(user, where, "additionalGids", &gids, err) < 0)
		return -EINVAL;
	size_t i;
	json_t *g;
	p->additional_gids = xcalloc(json_array_size(gids) + 1, sizeof(gid_t));
	json_array_foreach(gids, i, g)
	{
		if (!json_is_integer(g) || json_integer_value(g) < 0 ||
		    json_integer_value(g) > UINT32_MAX - 1)
			return berr_set(err, EINVAL, "%s.additionalGids: expected array of ids",
					where);
		p->additional_gids[p->n_additional_gids++] = (gid_t)json_integer_value(g);
	}
	return 0;
}

struct rt_process *rt_process_parse(json_t *obj, const char *where, struct berr **err)
{
	autoptr(rt_process) p = xzalloc(sizeof(*p));
	json_t *sub = NULL;
	const char *s = NULL;

	if (!json_is_object(obj)) {
		berr_set(err, EINVAL, "%s: expected object", where);
		return NULL;
	}
	if (json_opt_bool(obj, where, "terminal", &p->terminal, err) < 0)
		return NULL;
	if (json_opt_object(obj, where, "consoleSize", &sub, err) < 0)
		return NULL;
	if (sub) {
		uint64_t h = 0, w = 0;
		if (json_opt_u64(sub, "process.consoleSize", "height", &h, NULL, err) < 0 ||
		    json_opt_u64(sub, "process.consoleSize", "width", &w, NULL, err) < 0)
			return NULL;
		p->console_height = (unsigned)h;
		p->console_width = (unsigned)w;
	}
	sub = NULL;
	if (json_opt_object(obj, where, "user", &sub, err) < 0)
		return NULL;
	if (sub && parse_user(p, sub, "process.user", err) < 0)
		return NULL;
	if (json_opt_strv(obj, where, "args", &p->args, err) < 0 ||
	    json_opt_strv(obj, where, "env", &p->env, err) < 0)
		return NULL;
	if (json_opt_str(obj, where, "cwd", &s, err) < 0)
		return NULL;
	p->cwd = xstrdup(s ? s : "/");
	if (p->cwd[0] != '/') {
		berr_set(err, EINVAL, "%s.cwd: '%s' is not an absolute path", where, p->cwd);
		return NULL;
	}
	sub = NULL;
	if (json_opt_object(obj, where, "capabilities", &sub, err) < 0)
		return NULL;
	if (sub && parse_caps(p, sub, err) < 0)
		return NULL;
	sub = NULL;
	if (json_opt_array(obj, where, "rlimits", &sub, err) < 0)
		return NULL;
	if (sub && parse_rlimits(p, sub, err) < 0)
		return NULL;
	if (json_opt_bool(obj, where, "noNewPrivileges", &p->no_new_privileges, err) < 0)
		return NULL;
	int64_t oom = 0;
	bool oom_set = false;
	if (json_opt_i64(obj, where, "oomScoreAdj", &oom, &oom_set, err) < 0)
		return NULL;
	if (oom_set && (oom < -1000 || oom > 1000)) {
		berr_set(err, EINVAL, "%s.oomScoreAdj: %lld is outside -1000..1000", where,
			 (long long)oom);
		return NULL;
	}
	p->has_oom_score_adj = oom_set;
	p->oom_score_adj = (int)oom;
	s = NULL;
	if (json_opt_str(obj, where, "apparmorProfile", &s, err) < 0)
		return NULL;
	p->apparmor_profile = s ? xstrdup(s) : NULL;
	s = NULL;
	if (json_opt_str(obj, where, "selinuxLabel", &s, err) < 0)
		return NULL;
	p->selinux_label = s ? xstrdup(s) : NULL;
	return take_ptr(&p);
}

void rt_process_free(struct rt_process *p)
{
	if (!p)
		return;
	int saved = errno;
	free(p->additional_gids);
	strv_free(p->args);
	strv_free(p->env);
	free(p->cwd);
	free(p->rlimits);
	free(p->apparmor_profile);
	free(p->selinux_label);
	free(p);
	errno = saved;
}

static int parse_hooks(struct rt_spec *spec, json_t *hooks, struct berr **err)
{
	static const char *const names[RT_HOOK_COUNT] = {"prestart",        "createRuntime",
							 "createContainer", "startContainer",
							 "poststart",       "poststop"};
	for (int k = 0; k < RT_HOOK_COUNT; k++) {
		json_t *arr = NULL;
		if (json_opt_array(hooks, "hooks", names[k], &arr, err) < 0)
			return -EINVAL;
		size_t n = json_array_size(arr), i;
		json_t *h;
		spec->hooks[k].list = xcalloc(n + 1, sizeof(struct rt_hook));
		json_array_foreach(arr, i, h)
		{
			struct rt_hook *hk = &spec->hooks[k].list[spec->hooks[k].n++];
			const char *path = NULL;
			int64_t timeout = 0;
			bool tset = false;
			if (!json_is_object(h))
				return berr_set(err, EINVAL, "hooks.%s[%zu]: expected object",
						names[k], i);
			if (json_opt_str(h, "hooks", "path", &path, err) < 0 ||
			    json_opt_strv(h, "hooks", "args", &hk->args, err) < 0 ||
			    json_opt_strv(h, "hooks", "env", &hk->env, err) < 0 ||
			    json_opt_i64(h, "hooks", "timeout", &timeout, &tset, err) < 0)
				return -EINVAL;
			if (!path || path[0] != '/')
				return berr_set(err, EINVAL,
						"hooks.%s[%zu].path: must be an absolute path",
						names[k], i);
			if (tset && timeout <= 0)
				return berr_set(err, EINVAL,
						"hooks.%s[%zu].timeout: must be positive", names[k],
						i);
			hk->path = xstrdup(path);
			hk->timeout_s = (int)timeout;
		}
	}
	return 0;
}

static int parse_root(struct rt_spec *spec, json_t *root, const char *bundle_dir, struct berr **err)
{
	const char *path = NULL;
	if (!root)
		return berr_set(err, EINVAL, "root: missing");
	if (!json_is_object(root))
		return berr_set(err, EINVAL, "root: expected object");
	if (json_opt_str(root, "root", "path", &path, err) < 0 ||
	    json_opt_bool(root, "root", "readonly", &spec->root_readonly, err) < 0)
		return -EINVAL;
	if (!path || !*path)
		return berr_set(err, EINVAL, "root.path: missing");
	if (path[0] == '/' || !bundle_dir)
		spec->root_path = xstrdup(path);
	else
		spec->root_path = xasprintf("%s/%s", bundle_dir, path);
	return 0;
}

struct rt_spec *rt_spec_parse(const char *text, size_t len, const char *bundle_dir,
			      struct berr **err)
{
	autoptr(rt_spec) spec = xzalloc(sizeof(*spec));
	const char *s = NULL;
	json_t *sub = NULL;

	if (len > RT_SPEC_MAX_BYTES) {
		berr_set(err, EFBIG, "config.json is larger than %u bytes", RT_SPEC_MAX_BYTES);
		return NULL;
	}
	spec->json = json_load_text(text, len, err);
	if (!spec->json)
		return NULL;
	if (!json_is_object(spec->json)) {
		berr_set(err, EINVAL, "config.json: expected an object");
		return NULL;
	}
	if (json_opt_str(spec->json, "", "ociVersion", &s, err) < 0)
		return NULL;
	if (!s) {
		berr_set(err, EINVAL, "ociVersion: missing");
		return NULL;
	}
	spec->oci_version = xstrdup(s);
	if (parse_root(spec, json_object_get(spec->json, "root"), bundle_dir, err) < 0)
		return NULL;
	s = NULL;
	if (json_opt_str(spec->json, "", "hostname", &s, err) < 0)
		return NULL;
	spec->hostname = s ? xstrdup(s) : NULL;
	s = NULL;
	if (json_opt_str(spec->json, "", "domainname", &s, err) < 0)
		return NULL;
	spec->domainname = s ? xstrdup(s) : NULL;
	if (json_opt_object(spec->json, "", "process", &sub, err) < 0)
		return NULL;
	if (sub) {
		spec->process = rt_process_parse(sub, "process", err);
		if (!spec->process)
			return NULL;
		if (!spec->process->args || !spec->process->args[0]) {
			berr_set(err, EINVAL, "process.args: must have at least one entry");
			return NULL;
		}
	}
	sub = NULL;
	if (json_opt_array(spec->json, "", "mounts", &sub, err) < 0)
		return NULL;
	if (sub && rt_spec_parse_mounts(spec, sub, err) < 0)
		return NULL;
	sub = NULL;
	if (json_opt_object(spec->json, "", "hooks", &sub, err) < 0)
		return NULL;
	if (sub && parse_hooks(spec, sub, err) < 0)
		return NULL;
	if (json_opt_object(spec->json, "", "annotations", &spec->annotations, err) < 0)
		return NULL;
	if (spec->annotations) {
		const char *key;
		json_t *v;
		json_object_foreach(spec->annotations, key, v)
		{
			if (!json_is_string(v)) {
				berr_set(err, EINVAL, "annotations.%s: expected string", key);
				return NULL;
			}
		}
	}
	sub = NULL;
	if (json_opt_object(spec->json, "", "linux", &sub, err) < 0)
		return NULL;
	if (sub && rt_spec_parse_linux(spec, sub, err) < 0)
		return NULL;
	return take_ptr(&spec);
}

struct rt_spec *rt_spec_load(const char *config_path, const char *bundle_dir, struct berr **err)
{
	autofree char *text = NULL;
	size_t len = 0;
	if (fs_read_file(AT_FDCWD, config_path, RT_SPEC_MAX_BYTES, &text, &len, err) < 0)
		return NULL;
	struct rt_spec *spec = rt_spec_parse(text, len, bundle_dir, err);
	if (!spec)
		berr_wrap(err, "load '%s'", config_path);
	return spec;
}

void rt_spec_free(struct rt_spec *spec)
{
	if (!spec)
		return;
	int saved = errno;
	free(spec->oci_version);
	free(spec->root_path);
	free(spec->hostname);
	free(spec->domainname);
	rt_process_free(spec->process);
	for (size_t i = 0; i < spec->n_mounts; i++) {
		struct rt_mount *m = &spec->mounts[i];
		free(m->destination);
		free(m->source);
		free(m->type);
		strv_free(m->options);
		free(m->data);
		free(m->idmap_option);
		free(m->uid_mappings);
		free(m->gid_mappings);
	}
	free(spec->mounts);
	for (int k = 0; k < RT_HOOK_COUNT; k++) {
		for (size_t i = 0; i < spec->hooks[k].n; i++) {
			free(spec->hooks[k].list[i].path);
			strv_free(spec->hooks[k].list[i].args);
			strv_free(spec->hooks[k].list[i].env);
		}
		free(spec->hooks[k].list);
	}
	for (int n = 0; n < RT_NS_COUNT; n++)
		free(spec->ns[n].path);
	free(spec->uid_mappings);
	free(spec->gid_mappings);
	for (size_t i = 0; i < spec->n_devices; i++)
		free(spec->devices[i].path);
	free(spec->devices);
	for (size_t i = 0; i < spec->n_sysctls; i++) {
		free(spec->sysctls[i].key);
		free(spec->sysctls[i].value);
	}
	free(spec->sysctls);
	strv_free(spec->masked_paths);
	strv_free(spec->readonly_paths);
	free(spec->cgroups_path);
	free(spec->mount_label);
	json_decref(spec->json);
	free(spec);
	errno = saved;
}

/* config.json's "linux" section: namespaces, id mappings, devices, sysctls, masked and read-only
 * paths, rootfs propagation, cgroups path. Resources and seccomp are kept as JSON for their
 * planners (cgroup.c, seccomp.c), which validate them. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "runtime/spec.h"
#include "util/err.h"
#include "util/json.h"
#include "util/xalloc.h"

int rt_spec_parse_linux(struct rt_spec *spec, json_t *linux_obj, struct berr **err);
int rt_spec_parse_idmaps(json_t *arr, const char *where, struct rt_idmap **out, size_t *out_n,
			 struct berr **err);

static int parse_namespaces(struct rt_spec *spec, json_t *arr, struct berr **err)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v)
	{
		const char *type = NULL, *path = NULL;
		if (!json_is_object(v))
			return berr_set(err, EINVAL, "linux.namespaces[%zu]: expected object", i);
		if (json_opt_str(v, "linux.namespaces", "type", &type, err) < 0 ||
		    json_opt_str(v, "linux.namespaces", "path", &path, err) < 0)
			return -EINVAL;
		if (!type)
			return berr_set(err, EINVAL, "linux.namespaces[%zu].type: missing", i);
		int kind = -1;
		for (int k = 0; k < RT_NS_COUNT; k++)
			if (!strcmp(rt_ns_name(k), type))
				kind = k;
		if (kind < 0)
			return berr_set(err, EINVAL, "linux.namespaces: unknown type '%s'", type);
		if (spec->ns[kind].enabled)
			return berr_set(err, EINVAL, "linux.namespaces: '%s' given twice", type);
		spec->ns[kind].enabled = true;
		if (path && *path) {
			if (path[0] != '/')
				return berr_set(
				    err, EINVAL,
				    "linux.namespaces: path '%s' of '%s' is not absolute", path,
				    type);
			spec->ns[kind].path = xstrdup(path);
		}
	}
	return 0;
}

int rt_spec_parse_idmaps(json_t *arr, const char *where, struct rt_idmap **out, size_t *out_n,
			 struct berr **err)
{
	size_t n = json_array_size(arr), i;
	json_t *v;
	/* The kernel takes at most 340 lines in uid_map (since 4.15). */
	if (n > 340)
		return berr_set(err, EINVAL, "%s: more than 340 entries", where);
	struct rt_idmap *maps = xcalloc(n + 1, sizeof(*maps));
	json_array_foreach(arr, i, v)
	{
		uint64_t c = 0, h = 0, s = 0;
		bool cs = false, hs = false, ss = false;
		if (!json_is_object(v) || json_opt_u64(v, where, "containerID", &c, &cs, err) < 0 ||
		    json_opt_u64(v, where, "hostID", &h, &hs, err) < 0 ||
		    json_opt_u64(v, where, "size", &s, &ss, err) < 0 || !cs || !hs || !ss ||
		    c > UINT32_MAX || h > UINT32_MAX || s > UINT32_MAX) {
			free(maps);
			if (err && *err)
				return -EINVAL;
			return berr_set(
			    err, EINVAL,
			    "%s[%zu]: containerID, hostID and size (32-bit) are required", where,
			    i);
		}
		maps[i] = (struct rt_idmap){(uint32_t)c, (uint32_t)h, (uint32_t)s};
	}
	*out = maps;
	*out_n = n;
	return 0;
}

static int parse_devices(struct rt_spec *spec, json_t *arr, struct berr **err)
{
	size_t n = json_array_size(arr), i;
	json_t *v;
	spec->devices = xcalloc(n + 1, sizeof(*spec->devices));
	json_array_foreach(arr, i, v)
	{
		struct rt_device *d = &spec->devices[spec->n_devices];
		const char *path = NULL, *type = NULL;
		int64_t mode = 0, uid = 0, gid = 0;
		bool ms = false, us = false, gs = false;
		if (!json_is_object(v))
			return berr_set(err, EINVAL, "linux.devices[%zu]: expected object", i);
		if (json_opt_str(v, "linux.devices", "path", &path, err) < 0 ||
		    json_opt_str(v, "linux.devices", "type", &type, err) < 0 ||
		    json_opt_i64(v, "linux.devices", "major", &d->major, NULL, err) < 0 ||
		    json_opt_i64(v, "linux.devices", "minor", &d->minor, NULL, err) < 0 ||
		    json_opt_i64(v, "linux.devices", "fileMode", &mode, &ms, err) < 0 ||
		    json_opt_i64(v, "linux.devices", "uid", &uid, &us, err) < 0 ||
		    json_opt_i64(v, "linux.devices", "gid", &gid, &gs, err) < 0)
			return -EINVAL;
		if (!path || path[0] != '/')
			return berr_set(err, EINVAL, "linux.devices[%zu].path: must be absolute",
					i);
		if (!type || strlen(type) != 1 || !strchr("cbup", type[0]))
			return berr_set(err, EINVAL,
					"linux.devices '%s': type must be c, b, u or p", path);
		if (type[0] != 'p' && (d->major < 0 || d->minor < 0))
			return berr_set(err, EINVAL, "linux.devices '%s': major and minor required",
					path);
		d->path = xstrdup(path);
		d->type = type[0];
		d->has_mode = ms;
		d->mode = (mode_t)(mode & 07777);
		d->has_uid = us;
		d->uid = (uid_t)uid;
		d->has_gid = gs;
		d->gid = (gid_t)gid;
		spec->n_devices++;
	}
	return 0;
}

/* A sysctl may only touch a namespace the container has of its own (runc and crun check the
 * same): otherwise it would change the host. */
static int check_sysctl(const struct rt_spec *spec, const char *key, struct berr **err)
{
	static const char *const ipc_keys[] = {
	    "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
	    "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced"};
	char k[256];
	snprintf(k, sizeof(k), "%s", key);
	for (char *c = k; *c; c++)
		if (*c == '/')
			*c = '.';
	enum rt_ns_kind need = RT_NS_COUNT;
	for (size_t i = 0; i < sizeof(ipc_keys) / sizeof(ipc_keys[0]); i++)
		if (!strcmp(k, ipc_keys[i]))
			need = RT_NS_IPC;
	if (!strncmp(k, "fs.mqueue.", 10))
		need = RT_NS_IPC;
	else if (!strncmp(k, "net.", 4))
		need = RT_NS_NET;
	else if (!strcmp(k, "kernel.domainname"))
		need = RT_NS_UTS;
	else if (!strcmp(k, "kernel.hostname"))
		return berr_set(err, EINVAL,
				"linux.sysctl.%s: not allowed, the hostname field sets it", key);
	if (need == RT_NS_COUNT)
		return berr_set(err, EINVAL,
				"linux.sysctl.%s: not in a namespace of the container's own", key);
	if (!spec->ns[need].enabled)
		return berr_set(
		    err, EINVAL,
		    "linux.sysctl.%s: needs its own %s namespace, the config shares the "
		    "host's",
		    key,
		    need == RT_NS_IPC   ? "ipc"
		    : need == RT_NS_NET ? "network"
					: "uts");
	return 0;
}

static int parse_sysctls(struct rt_spec *spec, json_t *obj, struct berr **err)
{
	const char *key;
	json_t *v;
	spec->sysctls = xcalloc(json_object_size(obj) + 1, sizeof(*spec->sysctls));
	json_object_foreach(obj, key, v)
	{
		if (!json_is_string(v))
			return berr_set(err, EINVAL, "linux.sysctl.%s: expected string", key);
		/* The key becomes a path under /proc/sys: no way out of it. */
		if (!*key || strstr(key, "..") || key[0] == '/' || key[0] == '.')
			return berr_set(err, EINVAL, "linux.sysctl: invalid key '%s'", key);
		if (check_sysctl(spec, key, err) < 0)
			return -EINVAL;
		spec->sysctls[spec->n_sysctls].key = xstrdup(key);
		spec->sysctls[spec->n_sysctls].value = xstrdup(json_string_value(v));
		spec->n_sysctls++;
	}
	return 0;
}

static int parse_propagation(const char *s, unsigned long *out, struct berr **err)
{
	static const struct {
		const char *name;
		unsigned long flags;
	} p[] = {{"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
		 {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
		 {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
		 {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC}};
	for (size_t i = 0; i < sizeof(p) / sizeof(p[0]); i++)
		if (!strcmp(p[i].name, s)) {
			*out = p[i].flags;
			return 0;
		}
	return berr_set(err, EINVAL, "linux.rootfsPropagation: unknown value '%s'", s);
}

static int check_paths(char **paths, const char *where, struct berr **err)
{
	for (char **p = paths; p && *p; p++)
		if ((*p)[0] != '/')
			return berr_set(err, EINVAL, "%s: '%s' is not an absolute path", where, *p);
	return 0;
}

int rt_spec_parse_linux(struct rt_spec *spec, json_t *lx, struct berr **err)
{
	json_t *sub = NULL;
	const char *s = NULL;
	if (json_opt_array(lx, "linux", "namespaces", &sub, err) < 0)
		return -EINVAL;
	if (sub && parse_namespaces(spec, sub, err) < 0)
		return -EINVAL;
	sub = NULL;
	if (json_opt_array(lx, "linux", "uidMappings", &sub, err) < 0 ||
	    (sub && rt_spec_parse_idmaps(sub, "linux.uidMappings", &spec->uid_mappings,
					 &spec->n_uid_mappings, err) < 0))
		return -EINVAL;
	sub = NULL;
	if (json_opt_array(lx, "linux", "gidMappings", &sub, err) < 0 ||
	    (sub && rt_spec_parse_idmaps(sub, "linux.gidMappings", &spec->gid_mappings,
					 &spec->n_gid_mappings, err) < 0))
		return -EINVAL;
	if ((spec->n_uid_mappings || spec->n_gid_mappings) && !spec->ns[RT_NS_USER].enabled)
		return berr_set(err, EINVAL, "linux.uidMappings: given without a user namespace");
	if (spec->ns[RT_NS_USER].enabled && !spec->ns[RT_NS_USER].path &&
	    (!spec->n_uid_mappings || !spec->n_gid_mappings))
		return berr_set(
		    err, EINVAL,
		    "linux.uidMappings: a new user namespace needs uid and gid mappings");
	sub = NULL;
	if (json_opt_array(lx, "linux", "devices", &sub, err) < 0)
		return -EINVAL;
	if (sub && parse_devices(spec, sub, err) < 0)
		return -EINVAL;
	sub = NULL;
	if (json_opt_object(lx, "linux", "sysctl", &sub, err) < 0)
		return -EINVAL;
	if (sub && parse_sysctls(spec, sub, err) < 0)
		return -EINVAL;
	if (json_opt_strv(lx, "linux", "maskedPaths", &spec->masked_paths, err) < 0 ||
	    json_opt_strv(lx, "linux", "readonlyPaths", &spec->readonly_paths, err) < 0 ||
	    check_paths(spec->masked_paths, "linux.maskedPaths", err) < 0 ||
	    check_paths(spec->readonly_paths, "linux.readonlyPaths", err) < 0)
		return -EINVAL;
	if (json_opt_str(lx, "linux", "rootfsPropagation", &s, err) < 0)
		return -EINVAL;
	if (s && *s && parse_propagation(s, &spec->rootfs_propagation, err) < 0)
		return -EINVAL;
	s = NULL;
	if (json_opt_str(lx, "linux", "cgroupsPath", &s, err) < 0)
		return -EINVAL;
	spec->cgroups_path = s && *s ? xstrdup(s) : NULL;
	if (spec->cgroups_path && strstr(spec->cgroups_path, ".."))
		return berr_set(err, EINVAL, "linux.cgroupsPath: '..' is not allowed");
	s = NULL;
	if (json_opt_str(lx, "linux", "mountLabel", &s, err) < 0)
		return -EINVAL;
	spec->mount_label = s && *s ? xstrdup(s) : NULL;
	if (json_opt_object(lx, "linux", "resources", &spec->resources, err) < 0 ||
	    json_opt_object(lx, "linux", "seccomp", &spec->seccomp, err) < 0 ||
	    json_opt_object(lx, "linux", "timeOffsets", &spec->time_offsets, err) < 0 ||
	    json_opt_object(lx, "linux", "personality", &spec->personality, err) < 0)
		return -EINVAL;
	if (spec->time_offsets && !spec->ns[RT_NS_TIME].enabled)
		return berr_set(err, EINVAL, "linux.timeOffsets: given without a time namespace");
	return 0;
}

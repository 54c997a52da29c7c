/* System containers: systemd mode (see systemd.h). What a cgroup systemd can run in looks like
 * on each host layout is explained at cgroup_mounts(). */
#include "engine/systemd.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "image/layers_find.h"
#include "runtime/cgroup.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/xalloc.h"
#include "vm/guestcfg.h"

int eng_systemd_decide(const char *value, json_t *args, bool *out_on, struct berr **err)
{
	if (!value || !strcmp(value, "true")) {
		size_t first = 0;
		/* a Containerfile's shell form: /bin/sh -c "/sbin/init" */
		if (json_array_size(args) > 2 &&
		    !strcmp(json_string_value(json_array_get(args, 0)) ?: "", "/bin/sh") &&
		    !strcmp(json_string_value(json_array_get(args, 1)) ?: "", "-c"))
			first = 2;
		*out_on = vm_is_init_command(json_string_value(json_array_get(args, first)) ?: "");
		return 0;
	}
	if (!strcmp(value, "false") || !strcmp(value, "always")) {
		*out_on = value[0] == 'a';
		return 0;
	}
	return berr_plain(err, EINVAL, "invalid --systemd '%s': true, false or always", value);
}

static void env_default(json_t *env, const char *key, const char *value)
{
	size_t klen = strlen(key);
	size_t i;
	json_t *e;
	json_array_foreach(env, i, e)
	{
		const char *s = json_string_value(e) ?: "";
		if (!strncmp(s, key, klen) && s[klen] == '=')
			return;
	}
	json_array_append_new(env, json_sprintf("%s=%s", key, value));
}

/* Where systemd keeps its runtime state, its locks, temporary files and the volatile journal:
 * podman's tmpfs list. Not noexec: /run and /tmp hold programs' helpers at times. */
static const struct {
	const char *dst, *mode;
} tmpfs_dirs[] = {{"/run", "mode=755"},
		  {"/run/lock", "mode=1777"},
		  {"/tmp", "mode=1777"},
		  {"/var/log/journal", "mode=2755"}};

static json_t *tmpfs_mount(const char *dst, const char *mode)
{
	return json_pack("{s:s, s:s, s:s, s:[s, s, s, s]}", "destination", dst, "type", "tmpfs",
			 "source", "tmpfs", "options", "rw", "nosuid", "nodev", mode);
}

static json_t *find_mount(json_t *mounts, const char *dst)
{
	size_t i;
	json_t *m;
	json_array_foreach(mounts, i, m)
	{
		if (!strcmp(json_string_value(json_object_get(m, "destination")) ?: "", dst))
			return m;
	}
	return NULL;
}

/* A v1 hierarchy (or the hybrid host's cgroup2 at "unified") mounted at /sys/fs/cgroup/NAME. */
static bool host_hierarchy(const char *name, long magic)
{
	autofree char *p = xasprintf("/sys/fs/cgroup/%s", name);
	struct statfs sf;
	return statfs(p, &sf) == 0 && sf.f_type == magic;
}

/* The cgroup systemd manages: its own subtree, writable, seen through the container's cgroup
 * namespace as the root (systemd moves itself to /init.scope and makes its slices there).
 * - pure v2 (most hosts): the cgroup2 mount the container gets anyway, read-write, as podman
 *   does (`cgroup` rw with a cgroup namespace).
 * - v1 and the v1/v2 hybrid (this project's machines): the v1 controllers stay read-only, and
 *   the container's own cgroup in the name=systemd hierarchy and in the hybrid host's cgroup2
 *   ("unified") is bound read-write over what the runtime bound read-only there, which is
 *   what systemd-nspawn and LXC give it on such a host (systemd 252 then runs in hybrid mode:
 *   it tracks units in name=systemd and watches them empty in cgroup2). The runtime creates
 *   the cgroup in every hierarchy before it mounts anything, so the sources exist by then. */
static void cgroup_mounts(json_t *spec)
{
	json_t *mounts = json_object_get(spec, "mounts");
	const char *cg =
	    json_string_value(json_object_get(json_object_get(spec, "linux"), "cgroupsPath"));
	json_t *m = find_mount(mounts, "/sys/fs/cgroup");
	if (rt_cgroup_mode() == RT_CGROUP_V2) {
		if (m)
			json_object_set_new(
			    m, "options",
			    json_pack("[s, s, s, s]", "nosuid", "noexec", "nodev", "rw"));
		return;
	}
	static const struct {
		const char *name;
		long magic;
	} own[] = {{"systemd", CGROUP_SUPER_MAGIC}, {"unified", CGROUP2_SUPER_MAGIC}};
	for (size_t i = 0; cg && i < sizeof(own) / sizeof(own[0]); i++) {
		if (!host_hierarchy(own[i].name, own[i].magic))
			continue;
		autofree char *dst = xasprintf("/sys/fs/cgroup/%s", own[i].name);
		autofree char *src = xasprintf("/sys/fs/cgroup/%s%s", own[i].name, cg);
		json_array_append_new(mounts,
				      json_pack("{s:s, s:s, s:s, s:[s, s, s, s, s]}", "destination",
						dst, "type", "bind", "source", src, "options",
						"bind", "rw", "nosuid", "nodev", "noexec"));
	}
}

void eng_systemd_spec(json_t *spec, const char *id, const char *dir, bool vm)
{
	if (vm) {
		json_t *a = json_object_get(spec, "annotations");
		if (!json_is_object(a))
			json_object_set_new(spec, "annotations", a = json_object());
		json_object_set_new(a, VM_SYSTEMD_ANNOTATION, json_string("true"));
		return;
	}
	json_t *env = json_object_get(json_object_get(spec, "process"), "env");
	/* systemd(1) "$container": which manager runs it (systemd-detect-virt says
	 * "container-other" for a name it does not know); "$container_uuid": the machine id it
	 * takes when /etc/machine-id is empty, 32 hex digits as podman takes them from the id */
	env_default(env, "container", "berth");
	char uuid[33];
	snprintf(uuid, sizeof(uuid), "%.32s", id);
	env_default(env, "container_uuid", uuid);
	json_t *mounts = json_object_get(spec, "mounts");
	for (size_t i = 0; i < sizeof(tmpfs_dirs) / sizeof(tmpfs_dirs[0]); i++)
		json_array_append_new(mounts, tmpfs_mount(tmpfs_dirs[i].dst, tmpfs_dirs[i].mode));
	autofree char *host = xasprintf("%s/host", dir);
	json_array_append_new(mounts,
			      json_pack("{s:s, s:s, s:s, s:[s, s, s, s, s]}", "destination",
					"/run/host", "type", "bind", "source", host, "options",
					"rbind", "ro", "nosuid", "nodev", "noexec"));
	cgroup_mounts(spec);
}

void eng_systemd_unshadow(json_t *spec, json_t *plan)
{
	json_t *mounts = json_object_get(spec, "mounts");
	size_t i;
	json_t *p;
	json_array_foreach(plan, i, p)
	{
		const char *dst = json_string_value(json_object_get(p, "Destination")) ?: "";
		for (size_t k = 0; k < sizeof(tmpfs_dirs) / sizeof(tmpfs_dirs[0]); k++) {
			if (strcmp(dst, tmpfs_dirs[k].dst))
				continue;
			for (size_t j = 0; j < json_array_size(mounts); j++) {
				json_t *m = json_array_get(mounts, j);
				if (!strcmp(json_string_value(json_object_get(m, "destination"))
						?: "",
					    dst) &&
				    !strcmp(json_string_value(json_object_get(m, "source")) ?: "",
					    "tmpfs")) {
					json_array_remove(mounts, j);
					break;
				}
			}
		}
	}
}

int eng_systemd_image(struct img_store *is, json_t *layers, const char *image, const char *value,
		      bool *inout_on, struct berr **err)
{
	/* the physical paths: a merged-/usr image (Debian 12) has /lib as a link to usr/lib,
	 * which the lookup does not follow */
	static const char *const where[] = {"usr/lib/systemd/systemd", "lib/systemd/systemd"};
	if (!*inout_on)
		return 0;
	for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		int r = img_layers_find(is, layers, where[i], err);
		if (r != 0)
			return r < 0 ? berr_wrap(err, "look for systemd in image '%s'", image) : 0;
	}
	if (value && !strcmp(value, "always"))
		return berr_plain(err, EINVAL,
				  "--systemd=always: image '%s' has no systemd (no "
				  "/usr/lib/systemd/systemd or /lib/systemd/systemd): use an image "
				  "with systemd as its init (scripts/system-image)",
				  image);
	*inout_on = false;
	return 0;
}

int eng_systemd_host_check(struct berr **err)
{
	if (rt_cgroup_mode() == RT_CGROUP_V2 || host_hierarchy("systemd", CGROUP_SUPER_MAGIC) ||
	    host_hierarchy("unified", CGROUP2_SUPER_MAGIC))
		return 0;
	return berr_plain(err, ENOTSUP,
			  "--systemd: this host has no cgroup systemd could be given (no cgroup2, "
			  "no name=systemd hierarchy at /sys/fs/cgroup/systemd)");
}

int eng_systemd_host_files(const char *dir, struct berr **err)
{
	autofree char *host = xasprintf("%s/host", dir);
	if (mkdir(host, 0755) < 0 && errno != EEXIST)
		return berr_set(err, errno, "mkdir '%s'", host);
	/* os-release(5): /etc/os-release, else /usr/lib/os-release */
	autofree char *data = NULL;
	size_t len = 0;
	int r = fs_read_file(AT_FDCWD, "/etc/os-release", 64 << 10, &data, &len, NULL);
	if (r < 0)
		r = fs_read_file(AT_FDCWD, "/usr/lib/os-release", 64 << 10, &data, &len, NULL);
	autofree char *os = xasprintf("%s/os-release", host);
	r = fs_replace_file(os, r < 0 ? "" : data, r < 0 ? 0 : len, 0644, err);
	if (r < 0)
		return r;
	autofree char *mgr = xasprintf("%s/container-manager", host);
	return fs_replace_file(mgr, "berth\n", 6, 0644, err);
}

/* berth-runtime-vm's systemd mode (see shim_systemd.h). A caller of the OCI runtime says
 * nothing of systemd: podman's --systemd shapes a container for systemd's container interface
 * (systemd's docs/CONTAINER_INTERFACE.md) and leaves a trace in config.json: podman 4.3's
 * setupSystemd adds container_uuid (the id's first 32 digits) to the environment, tmpfs on
 * /run, /run/lock, /tmp and /var/log/journal, on a v1 or hybrid host a bind of the host's
 * /sys/fs/cgroup/systemd, and the stop signal SIGRTMIN+3 (annotation
 * org.opencontainers.image.stopSignal "37"); no annotation of its own. containerd and CRI-O
 * leave none at all, so there the command decides, as podman's --systemd=true would.
 *
 * In a VM the same image is a machine, not a container: its systemd must not read
 * `container=podman` nor find podman's /run/.containerenv (either makes it a container's
 * systemd: it skips what a machine does, ignores the kernel's command line, so the machine id
 * berth gives there too, and systemd-detect-virt says podman), and the host's cgroup
 * directories are never shared into a guest (its kernel has cgroups of its own, which
 * systemd mounts). The tmpfs mounts stay: the guest makes them, and
 * systemd keeps a /run that is already a tmpfs. The stop signal needs nothing: the guest's
 * agent turns SIGRTMIN+3 into the machine's poweroff. */
#include "vm/shim_systemd.h"

#include <string.h>

#include "vm/guestcfg.h"

static const char *str(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* The index of env's entry KEY=..., or -1. */
static long env_find(json_t *env, const char *key)
{
	size_t klen = strlen(key), i;
	json_t *e;
	json_array_foreach(env, i, e)
	{
		const char *s = json_string_value(e);
		if (s && !strncmp(s, key, klen) && s[klen] == '=')
			return (long)i;
	}
	return -1;
}

static bool wanted(json_t *spec)
{
	json_t *a = json_object_get(spec, "annotations");
	json_t *process = json_object_get(spec, "process");
	const char *berth = str(a, VM_SYSTEMD_ANNOTATION);
	if (berth)
		return !strcmp(berth, "true");
	const char *manager = str(a, "io.container.manager");
	if (manager && !strcmp(manager, "libpod"))
		return env_find(json_object_get(process, "env"), "container_uuid") >= 0;
	const char *cmd = json_string_value(json_array_get(json_object_get(process, "args"), 0));
	return cmd && vm_is_init_command(cmd);
}

/* Whether a mount at d is a container's, not a machine's: at or below /sys/fs/cgroup, or
 * podman's /run/.containerenv (systemd's detect_container() takes that file for podman). */
static bool container_only(const char *d)
{
	static const char cg[] = "/sys/fs/cgroup";
	size_t n = strlen(cg);
	while (d[0] == '/' && d[1] == '/')
		d++;
	return (!strncmp(d, cg, n) && (d[n] == '\0' || d[n] == '/')) ||
	       !strcmp(d, "/run/.containerenv");
}

static void drop_container_mounts(json_t *mounts)
{
	for (size_t i = 0; i < json_array_size(mounts);) {
		if (container_only(str(json_array_get(mounts, i), "destination") ?: ""))
			json_array_remove(mounts, i);
		else
			i++;
	}
}

bool vm_rt_systemd(json_t *spec, const char *id)
{
	if (!json_is_object(spec) || !wanted(spec))
		return false;
	json_t *a = json_object_get(spec, "annotations");
	if (!json_is_object(a))
		json_object_set_new(spec, "annotations", a = json_object());
	json_object_set_new(a, VM_SYSTEMD_ANNOTATION, json_string("true"));
	if (!str(a, "org.berth.container.id") && id)
		json_object_set_new(a, "org.berth.container.id", json_string(id));
	json_t *env = json_object_get(json_object_get(spec, "process"), "env");
	static const char *const drop[] = {"container", "container_uuid"};
	for (size_t k = 0; k < sizeof(drop) / sizeof(drop[0]); k++) {
		long i = env_find(env, drop[k]);
		if (i >= 0)
			json_array_remove(env, (size_t)i);
	}
	drop_container_mounts(json_object_get(spec, "mounts"));
	return true;
}

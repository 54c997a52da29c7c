/* What a pod is to the kernel besides namespaces (see pod.h): its cgroup, the parent of its
 * containers' with the pod's limits (podman's --cgroup-parent, --cpus, --cpuset-cpus,
 * --memory on pod create), and the /dev/shm its containers share with its IPC namespace.
 *
 * The cgroup is "<CgroupParent>/<pod id>" (CgroupParent "/berth" unless --cgroup-parent, as
 * podman's cgroupfs manager puts pods under "/libpod_parent"), made by the runtime's own code
 * (rt_cgroup_create: every v1 hierarchy and the unified tree of a hybrid host, a cpuset level
 * given its parent's cpus and mems) at pod create and again before each of its containers
 * starts (after a reboot it is gone), and removed with the pod. A member's record keeps
 * HostConfig.CgroupParent, the pod's path, so its own cgroup is "<pod's>/<its id>": the pod's
 * memory and CPU limits bound all of them together (cgroup v1 and v2 are hierarchical).
 *
 * A shared IPC namespace is not a shared /dev/shm: POSIX shared memory is files in a tmpfs
 * each container mounts for itself. As podman (and Docker's --ipc container:X) does, the pod's
 * /dev/shm is one tmpfs on the host, <root>/pods/<id>/shm (--shm-size), mounted when the infra
 * starts and bound as /dev/shm into the infra and every member; it goes with the pod. A bind
 * from another mount namespace (/proc/<infra>/root/dev/shm) is not possible: mount(2) refuses
 * a source outside the caller's namespace. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "engine/bundle.h"
#include "engine/executor.h"
#include "engine/pod.h"
#include "engine/pod_vm.h"
#include "engine/shm.h"
#include "runtime/cgroup.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"

int eng_pod_cgroup_parent_check(const char *parent, struct berr **err)
{
	/* a path below the hierarchies' roots: no "..", no empty or control characters */
	bool bad = !*parent || strlen(parent) > 512 || strstr(parent, "..");
	for (const char *p = parent; *p && !bad; p++)
		bad = (unsigned char)*p < 0x20 || *p == 0x7f;
	return bad ? berr_plain(err, EINVAL, "invalid cgroup parent '%s'", parent) : 0;
}

/* "DEVICE:N" of --blkio-weight-device (key "Weight") or --device-*-bps (key "Rate", a size)
 * appended to *out as podman's inspect shows them: {"Path", key}. */
static int device_limits(char *const *v, const char *flag, const char *key, json_t *lim,
			 const char *field, struct berr **err)
{
	for (; v && *v; v++) {
		const char *colon = strrchr(*v, ':');
		autofree char *path = colon ? xstrndup(*v, (size_t)(colon - *v)) : NULL;
		char *end = NULL;
		int64_t n = !colon                 ? -1
			    : !strcmp(key, "Rate") ? eng_parse_bytes(colon + 1)
						   : strtoll(colon + 1, &end, 10);
		struct stat st;
		if (n < 0 || (end && (*end || n < 10 || n > 1000)) || !path || *path != '/')
			return berr_plain(err, EINVAL, "invalid value '%s' for --%s", *v, flag);
		if (stat(path, &st) < 0 || !S_ISBLK(st.st_mode))
			return berr_plain(err, EINVAL, "--%s: '%s' is not a block device", flag,
					  path);
		json_t *a = json_object_get(lim, field);
		if (!a)
			json_object_set_new(lim, field, a = json_array());
		json_array_append_new(a, json_pack("{s:s, s:I}", "Path", path, key, (json_int_t)n));
	}
	return 0;
}

/* --cpu-shares, --cpuset-mems, --memory-swap, the block I/O limits (podman's fields). */
static int more_limits(const struct eng_pod_create *c, json_t *lim, struct berr **err)
{
	if (c->cpu_shares < 0 || c->blkio_weight < 0 || c->memory_swap < -1)
		return berr_plain(err, EINVAL, "invalid pod resource limits: negative value");
	if (c->memory_swap && !c->memory)
		return berr_plain(err, EINVAL,
				  "you should always set the memory limit when using the "
				  "memoryswap limit");
	if (c->memory_swap > 0 && c->memory_swap < c->memory)
		return berr_plain(err, EINVAL,
				  "minimum memoryswap limit should be larger than memory limit");
	if (c->blkio_weight && (c->blkio_weight < 10 || c->blkio_weight > 1000))
		return berr_plain(err, EINVAL, "invalid --blkio-weight %lld: 10 to 1000",
				  (long long)c->blkio_weight);
	if (c->cpu_shares)
		json_object_set_new(lim, "cpu_shares", json_integer(c->cpu_shares));
	if (c->cpuset_mems && *c->cpuset_mems) {
		if (strspn(c->cpuset_mems, "0123456789,-") != strlen(c->cpuset_mems))
			return berr_plain(err, EINVAL, "invalid value '%s' for --cpuset-mems",
					  c->cpuset_mems);
		json_object_set_new(lim, "cpuset_mems", json_string(c->cpuset_mems));
	}
	if (c->blkio_weight)
		json_object_set_new(lim, "blkio_weight", json_integer(c->blkio_weight));
	int r = device_limits(c->blkio_weight_device, "blkio-weight-device", "Weight", lim,
			      "blkio_weight_device", err);
	if (r == 0)
		r = device_limits(c->device_read_bps, "device-read-bps", "Rate", lim,
				  "device_read_bps", err);
	if (r == 0)
		r = device_limits(c->device_write_bps, "device-write-bps", "Rate", lim,
				  "device_write_bps", err);
	return r;
}

json_t *eng_pod_limits(const struct eng_pod_create *c, struct berr **err)
{
	if (c->cpus < 0 || c->memory < 0) {
		berr_plain(err, EINVAL, "invalid pod resource limits: negative value");
		return NULL;
	}
	bool cpuset = c->cpuset_cpus && *c->cpuset_cpus;
	if (cpuset && strspn(c->cpuset_cpus, "0123456789,-") != strlen(c->cpuset_cpus)) {
		berr_plain(err, EINVAL, "invalid value '%s' for --cpuset-cpus", c->cpuset_cpus);
		return NULL;
	}
	json_t *lim = json_object();
	/* podman's fields and conversions: a period of 100 ms, swap twice the memory */
	if (c->cpus > 0) {
		json_object_set_new(lim, "cpu_period", json_integer(100000));
		json_object_set_new(lim, "cpu_quota", json_integer((json_int_t)(c->cpus * 100000)));
	}
	if (cpuset)
		json_object_set_new(lim, "cpuset_cpus", json_string(c->cpuset_cpus));
	if (c->memory > 0) {
		json_object_set_new(lim, "memory_limit", json_integer(c->memory));
		json_object_set_new(lim, "memory_swap",
				    json_integer(c->memory_swap ? c->memory_swap : 2 * c->memory));
	}
	if (more_limits(c, lim, err) < 0) {
		json_decref(lim);
		return NULL;
	}
	return lim;
}

/* A list of {"Path", key} as OCI's [{major, minor, oci_key}], the device numbers of now (a
 * device gone since is left out). */
static json_t *oci_devices(json_t *list, const char *key, const char *oci_key)
{
	json_t *out = json_array(), *d;
	size_t i;
	json_array_foreach(list, i, d)
	{
		struct stat st;
		if (stat(json_string_value(json_object_get(d, "Path")) ?: "", &st) < 0 ||
		    !S_ISBLK(st.st_mode))
			continue;
		json_array_append_new(out, json_pack("{s:I, s:I, s:O}", "major",
						     (json_int_t)major(st.st_rdev), "minor",
						     (json_int_t)minor(st.st_rdev), oci_key,
						     json_object_get(d, key)));
	}
	return out;
}

static json_t *blkio_resources(json_t *lim)
{
	json_t *bio = json_object(), *v;
	static const char *const lists[][4] = {
	    {"blkio_weight_device", "Weight", "weightDevice", "weight"},
	    {"device_read_bps", "Rate", "throttleReadBpsDevice", "rate"},
	    {"device_write_bps", "Rate", "throttleWriteBpsDevice", "rate"}};
	if ((v = json_object_get(lim, "blkio_weight")))
		json_object_set(bio, "weight", v);
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		if ((v = json_object_get(lim, lists[i][0])))
			json_object_set_new(bio, lists[i][2],
					    oci_devices(v, lists[i][1], lists[i][3]));
	return bio;
}

/* The pod's limits as OCI linux.resources, for the runtime's cgroup planner. */
static json_t *pod_resources(json_t *pod)
{
	json_t *lim = json_object_get(pod, "Limits"), *res = json_object(), *cpu = json_object();
	json_t *v;
	if ((v = json_object_get(lim, "cpu_period")))
		json_object_set(cpu, "period", v);
	if ((v = json_object_get(lim, "cpu_quota")))
		json_object_set(cpu, "quota", v);
	if ((v = json_object_get(lim, "cpuset_cpus")))
		json_object_set(cpu, "cpus", v);
	if ((v = json_object_get(lim, "cpuset_mems")))
		json_object_set(cpu, "mems", v);
	if ((v = json_object_get(lim, "cpu_shares")))
		json_object_set(cpu, "shares", v);
	if (json_object_size(cpu))
		json_object_set(res, "cpu", cpu);
	json_decref(cpu);
	if ((v = json_object_get(lim, "memory_limit")))
		json_object_set_new(res, "memory",
				    json_pack("{s:O, s:O}", "limit", v, "swap",
					      json_object_get(lim, "memory_swap")));
	json_t *bio = blkio_resources(lim);
	if (json_object_size(bio))
		json_object_set(res, "blockIO", bio);
	json_decref(bio);
	return res;
}

int eng_pod_cgroup_ensure(json_t *pod, struct berr **err)
{
	const char *path = json_string_value(json_object_get(pod, "CgroupPath"));
	if (!path || !*path)
		return 0;
	json_t *res = pod_resources(pod);
	int r = rt_cgroup_create(path, res, err);
	json_decref(res);
	if (r < 0)
		berr_wrap(err, "create the cgroup of pod %s",
			  json_string_value(json_object_get(pod, "Name")) ?: "");
	return r;
}

void eng_pod_cgroup_remove(json_t *pod)
{
	const char *path = json_string_value(json_object_get(pod, "CgroupPath"));
	if (!path || !*path || !rt_cgroup_exists(path))
		return;
	/* the members' processes are gone with their containers; a cgroup whose last task is
	 * still exiting refuses rmdir for a moment */
	for (int i = 0; i < 50 && rt_cgroup_destroy(path, NULL) < 0; i++)
		usleep(20000);
}

static char *shm_path(const struct eng_store *s, const char *pod_id)
{
	return xasprintf("%s/pods/%s/shm", s->root, pod_id);
}

void eng_pod_shm_remove(const struct eng_store *s, const char *pod_id)
{
	autofree char *path = shm_path(s, pod_id);
	eng_shm_unmount(path);
}

static bool has(json_t *pod, const char *ns)
{
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(pod, "SharedNamespaces"), i, v)
	{
		if (!strcmp(json_string_value(v) ?: "", ns))
			return true;
	}
	return false;
}

/* --no-hosts: the infra and the members in its network have the image's /etc/hosts, berth's
 * is not bound over it (podman's NoManageHosts). */
static void no_hosts(json_t *spec)
{
	json_t *mounts = json_object_get(spec, "mounts");
	for (size_t i = json_array_size(mounts); i-- > 0;)
		if (!strcmp(
			json_string_value(json_object_get(json_array_get(mounts, i), "destination"))
			    ?: "",
			"/etc/hosts"))
			json_array_remove(mounts, i);
}

/* --uts host: the infra is in the host's UTS namespace (the spec's left out) and so are the
 * members that share it; none of them may set the hostname, which would be the host's. */
static void uts_host(json_t *pod, json_t *rec, json_t *spec)
{
	bool infra = json_is_true(json_object_get(rec, "PodInfra"));
	if (!infra && !has(pod, "uts"))
		return; /* a UTS namespace of its own */
	json_object_del(spec, "hostname");
	json_object_del(spec, "domainname");
	json_t *ns = json_object_get(json_object_get(spec, "linux"), "namespaces");
	for (size_t i = json_array_size(ns); infra && i-- > 0;)
		if (!strcmp(json_string_value(json_object_get(json_array_get(ns, i), "type")) ?: "",
			    "uts"))
			json_array_remove(ns, i);
}

int eng_pod_bundle(const struct eng_store *s, const char *id, json_t *rec, json_t *spec,
		   struct berr **err)
{
	const char *pod_id = json_string_value(json_object_get(rec, "Pod"));
	if (!pod_id)
		return 0;
	json_t *pod = eng_pod_load(s, pod_id, NULL);
	if (!pod)
		return 0; /* its pod is gone: an ordinary container now */
	autofree char *cgroup = eng_container_cgroup(s, id);
	json_object_set_new(json_object_get(spec, "linux"), "cgroupsPath", json_string(cgroup));
	int r = eng_pod_cgroup_ensure(pod, err);
	const char *infra = json_string_value(json_object_get(pod, "InfraContainerId")) ?: "";
	bool vm = eng_is_vm(rec);
	/* a pod of one VM: its share, mounted before the VM's virtiofsd starts */
	if (r == 0 && eng_pod_is_vm(pod))
		r = eng_pod_vm_share_ensure(s, pod_id, err);
	if (r == 0 && !strcmp(json_string_value(json_object_get(pod, "UtsNs")) ?: "", "host"))
		uts_host(pod, rec, spec);
	if (r == 0 && json_is_true(json_object_get(pod, "NoHosts")) &&
	    (json_is_true(json_object_get(rec, "PodInfra")) || has(pod, "net")))
		no_hosts(spec);
	if (r == 0 && *infra && has(pod, "ipc") && !vm) {
		autofree char *path = shm_path(s, pod_id);
		autofree char *what =
		    xasprintf("the /dev/shm of pod %s",
			      json_string_value(json_object_get(pod, "Name")) ?: "");
		r = eng_shm_mount(path, json_integer_value(json_object_get(pod, "ShmSize")), what,
				  err);
		if (r == 0)
			eng_shm_bind(spec, path);
	}
	json_decref(pod);
	return r;
}

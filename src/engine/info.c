/* /version, /info and the store's counts (see info.h). Read only. */
#include "engine/info.h"

#include <fcntl.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "engine/container_view.h"
#include "engine/rootless.h"
#include "engine/volume.h"
#include "engine/volume_view.h"
#include "image/image.h"
#include "image/image_view.h"
#include "image/snapshot.h"
#include "image/store.h"
#include "runtime/cgroup.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/version.h"
#include "util/xalloc.h"
#include "vm/accel.h"

/* The bytes of the layers only the build cache has. */
static int64_t cache_bytes(struct img_store *is, json_t *images)
{
	json_t *theirs = json_object(), *ours = json_object();
	size_t i, j;
	json_t *rec, *chain;
	json_array_foreach(images, i, rec)
	{
		json_array_foreach(json_object_get(rec, "layers"), j, chain)
		{
			json_object_set(img_image_is_build_cache(rec) ? ours : theirs,
					json_string_value(chain) ?: "", json_true());
		}
	}
	int64_t bytes = 0;
	const char *k;
	json_t *v;
	json_object_foreach(ours, k, v)
	{
		if (!json_object_get(theirs, k) && img_snapshot_size(is, k) > 0)
			bytes += img_snapshot_size(is, k);
	}
	json_decref(theirs);
	json_decref(ours);
	return bytes;
}

static void count_containers(const struct eng_store *s, struct eng_counts *c)
{
	char **ids = NULL;
	if (eng_container_list(s, &ids, NULL) < 0)
		return;
	for (size_t i = 0; ids[i]; i++) {
		json_t *st = eng_state_load(s, ids[i]);
		const char *status = json_string_value(json_object_get(st, "Status"));
		c->containers++;
		if (status && !strcmp(status, "paused"))
			c->paused++;
		else if (json_is_true(json_object_get(st, "Running")))
			c->running++;
		else
			c->stopped++;
		json_decref(st);
		autofree char *diff = eng_container_path(s, ids[i], "diff");
		c->container_bytes += fs_disk_usage(AT_FDCWD, diff);
	}
	strv_free(ids);
}

static void count_images(const struct eng_store *s, struct eng_counts *c)
{
	autoptr(img_store) is = NULL;
	if (img_store_open(s->root, &is, NULL) < 0 || img_store_lock(is, false, NULL) < 0)
		return;
	json_t *all = img_store_load_images(is, NULL);
	img_store_unlock(is);
	size_t i;
	json_t *rec;
	json_array_foreach(json_object_get(all, "images"), i, rec)
	{
		if (img_image_is_build_cache(rec)) {
			c->cache++;
			continue;
		}
		c->images++;
		c->image_bytes += json_integer_value(json_object_get(rec, "size"));
	}
	c->cache_bytes = cache_bytes(is, json_object_get(all, "images"));
	json_decref(all);
}

void eng_system_count(const struct eng_store *s, struct eng_counts *out)
{
	memset(out, 0, sizeof(*out));
	count_containers(s, out);
	count_images(s, out);
	char **vols = NULL;
	if (eng_volume_list(s, &vols, NULL) == 0) {
		for (size_t i = 0; vols[i]; i++) {
			autofree char *data = eng_volume_data(s, vols[i]);
			out->volumes++;
			out->volume_bytes += fs_disk_usage(AT_FDCWD, data);
		}
		strv_free(vols);
	}
}

const char *eng_go_arch(const char *machine)
{
	const char *m[][2] = {{"x86_64", "amd64"},   {"aarch64", "arm64"},   {"i686", "386"},
			      {"armv7l", "arm"},     {"ppc64le", "ppc64le"}, {"s390x", "s390x"},
			      {"riscv64", "riscv64"}};
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (!strcmp(machine, m[i][0]))
			return m[i][1];
	return machine;
}

json_t *eng_system_version(void)
{
	struct utsname u;
	uname(&u);
	const char *arch = eng_go_arch(u.machine);
	json_t *engine = json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}}", "Name",
				   "Engine", "Version", BERTH_VERSION, "Details", "ApiVersion",
				   ENG_API_VERSION, "MinAPIVersion", ENG_API_MIN_VERSION,
				   "GitCommit", "", "GoVersion", "n/a (C11)", "Os", "linux", "Arch",
				   arch, "KernelVersion", u.release, "Experimental", "false");
	/* the OCI runtime, as Docker lists runc */
	json_t *runtime = json_pack("{s:s, s:s, s:{s:s}}", "Name", "berth-runtime", "Version",
				    BERTH_VERSION, "Details", "OciVersion", "1.1.0");
	return json_pack("{s:{s:s}, s:[o, o], s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s}",
			 "Platform", "Name", "berth", "Components", engine, runtime, "Version",
			 BERTH_VERSION, "ApiVersion", ENG_API_VERSION, "MinAPIVersion",
			 ENG_API_MIN_VERSION, "GitCommit", "", "GoVersion", "n/a (C11)", "Os",
			 "linux", "Arch", arch, "KernelVersion", u.release, "Experimental", 0,
			 "BuildTime", "");
}

/* VM isolation: the accelerator auto would choose (and why not), and the guest kernel. */
static void vm_fields(json_t *info)
{
	enum vm_accel accel;
	autofree char *why = NULL, *kernel = NULL, *modules = NULL;
	const char *name =
	    vm_accel_pick("auto", &accel, &why, NULL) == 0 ? vm_accel_name(accel) : "none";
	struct berr *kerr = NULL;
	if (vm_kernel_find(NULL, &kernel, &modules, &kerr) < 0)
		berr_free(kerr);
	json_object_set_new(info, "VmAccel", json_string(name));
	json_object_set_new(info, "VmAccelReason", json_string(why ? why : ""));
	json_object_set_new(info, "VmKernel", json_string(kernel ? kernel : ""));
}

json_t *eng_system_info(const struct eng_store *s)
{
	struct eng_counts c;
	eng_system_count(s, &c);
	struct utsname u;
	uname(&u);
	int64_t mem = (int64_t)sysconf(_SC_PHYS_PAGES) * (int64_t)sysconf(_SC_PAGESIZE);
	/* a v1 host with a cgroup2 tree beside (systemd's hybrid) still counts as v1 */
	const char *cgroup = rt_cgroup_mode() == RT_CGROUP_V2 ? "2" : "1";
	json_t *info = json_pack(
	    "{s:s, s:i, s:i, s:i, s:i, s:i, s:s, s:s, s:[], s:s, s:s, s:s, s:s, s:s, s:s, "
	    "s:i, s:I, s:s, s:s, s:s, s:s, s:{s:{s:s}}, s:s, s:[], s:b, s:s, s:{s:s, s:s, s:s, "
	    "s:b}, s:b, s:[s], s:[]}",
	    "ID", "", "Containers", c.containers, "ContainersRunning", c.running,
	    "ContainersPaused", c.paused, "ContainersStopped", c.stopped, "Images", c.images,
	    "ServerVersion", BERTH_VERSION, "Driver", "overlay", "DriverStatus", "CgroupDriver",
	    "cgroupfs", "CgroupVersion", cgroup, "KernelVersion", u.release, "OperatingSystem",
	    "linux", "OSType", "linux", "Architecture", u.machine, "NCPU",
	    (int)sysconf(_SC_NPROCESSORS_ONLN), "MemTotal", (json_int_t)mem, "DockerRootDir",
	    s->root, "RunRoot", s->runroot, "Name", u.nodename, "DefaultRuntime", "berth-runtime",
	    "Runtimes", "berth-runtime", "path", "berth-runtime", "Isolation", "container",
	    "Labels", "ExperimentalBuild", 0, "IndexServerAddress", "https://index.docker.io/v1/",
	    "Swarm", "NodeID", "", "NodeAddr", "", "LocalNodeState", "inactive", "ControlAvailable",
	    0, "LiveRestoreEnabled", 0, "SecurityOptions", "name=seccomp,profile=default",
	    "Warnings");
	/* Docker's rootless mode says so here, podman's as host.security.rootless */
	if (eng_rootless())
		json_array_append_new(json_object_get(info, "SecurityOptions"),
				      json_string("name=rootless"));
	vm_fields(info);
	return info;
}

/* Docker's Volume with its UsageData, as /system/df lists volumes. */
static json_t *df_volumes(const struct eng_store *s)
{
	json_t *out = json_array();
	char **names = NULL;
	if (eng_volume_list(s, &names, NULL) < 0)
		return out;
	for (size_t i = 0; names[i]; i++) {
		json_t *v = eng_volume_inspect(s, names[i], true, NULL);
		if (v)
			json_array_append_new(out, v);
	}
	strv_free(names);
	return out;
}

json_t *eng_system_df(const struct eng_store *s)
{
	json_t *containers = json_array(), *images = json_array();
	json_t *users = json_object(); /* image id -> containers made from it */
	char **ids = NULL;
	if (eng_container_list(s, &ids, NULL) == 0) {
		for (size_t i = 0; ids[i]; i++) {
			json_t *rec = eng_container_load(s, ids[i], NULL);
			if (!rec)
				continue;
			json_t *st = eng_state_load(s, ids[i]);
			json_array_append_new(containers,
					      eng_container_summary(s, rec, st, ids[i], true));
			const char *image = json_string_value(json_object_get(rec, "Image")) ?: "";
			json_object_set_new(
			    users, image,
			    json_integer(json_integer_value(json_object_get(users, image)) + 1));
			json_decref(st);
			json_decref(rec);
		}
		strv_free(ids);
	}
	int64_t layers = 0;
	autoptr(img_store) is = NULL;
	if (img_store_open(s->root, &is, NULL) == 0 && img_store_lock(is, false, NULL) == 0) {
		json_t *all = img_store_load_images(is, NULL);
		img_store_unlock(is);
		size_t i;
		json_t *rec;
		json_array_foreach(json_object_get(all, "images"), i, rec)
		{
			if (img_image_is_build_cache(rec))
				continue;
			json_t *sum = img_image_summary(is, rec);
			const char *id = json_string_value(json_object_get(rec, "id")) ?: "";
			json_object_set_new(
			    sum, "Containers",
			    json_integer(json_integer_value(json_object_get(users, id))));
			layers += json_integer_value(json_object_get(rec, "size"));
			json_array_append_new(images, sum);
		}
		json_decref(all);
	}
	json_decref(users);
	return json_pack("{s:I, s:o, s:o, s:o, s:[]}", "LayersSize", (json_int_t)layers, "Images",
			 images, "Containers", containers, "Volumes", df_volumes(s), "BuildCache");
}

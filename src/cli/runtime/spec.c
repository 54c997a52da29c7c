/* berth-runtime spec (a default config.json, as runc writes it) and features (runtime-spec
 * features.md: what this runtime understands). */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/runtime/args.h"
#include "cli/runtime/cli.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/xalloc.h"

int cmd_spec(struct cli_opts *o, int argc, char **argv);
int cmd_features(struct cli_opts *o, int argc, char **argv);

static const char default_spec[] =
    "{\n"
    "\t\"ociVersion\": \"1.1.0\",\n"
    "\t\"process\": {\n"
    "\t\t\"terminal\": true,\n"
    "\t\t\"user\": {\"uid\": 0, \"gid\": 0},\n"
    "\t\t\"args\": [\"sh\"],\n"
    "\t\t\"env\": [\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\", "
    "\"TERM=xterm\"],\n"
    "\t\t\"cwd\": \"/\",\n"
    "\t\t\"capabilities\": {\n"
    "\t\t\t\"bounding\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],\n"
    "\t\t\t\"effective\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],\n"
    "\t\t\t\"permitted\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],\n"
    "\t\t\t\"ambient\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"]\n"
    "\t\t},\n"
    "\t\t\"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 1024, \"soft\": 1024}],\n"
    "\t\t\"noNewPrivileges\": true\n"
    "\t},\n"
    "\t\"root\": {\"path\": \"rootfs\", \"readonly\": true},\n"
    "\t\"hostname\": \"berth\",\n"
    "\t\"mounts\": [\n"
    "\t\t{\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},\n"
    "\t\t{\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\", "
    "\"options\": [\"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\"]},\n"
    "\t\t{\"destination\": \"/dev/pts\", \"type\": \"devpts\", \"source\": \"devpts\", "
    "\"options\": [\"nosuid\", \"noexec\", \"newinstance\", \"ptmxmode=0666\", \"mode=0620\", "
    "\"gid=5\"]},\n"
    "\t\t{\"destination\": \"/dev/shm\", \"type\": \"tmpfs\", \"source\": \"shm\", "
    "\"options\": [\"nosuid\", \"noexec\", \"nodev\", \"mode=1777\", \"size=65536k\"]},\n"
    "\t\t{\"destination\": \"/dev/mqueue\", \"type\": \"mqueue\", \"source\": \"mqueue\", "
    "\"options\": [\"nosuid\", \"noexec\", \"nodev\"]},\n"
    "\t\t{\"destination\": \"/sys\", \"type\": \"sysfs\", \"source\": \"sysfs\", "
    "\"options\": [\"nosuid\", \"noexec\", \"nodev\", \"ro\"]},\n"
    "\t\t{\"destination\": \"/sys/fs/cgroup\", \"type\": \"cgroup\", \"source\": \"cgroup\", "
    "\"options\": [\"nosuid\", \"noexec\", \"nodev\", \"relatime\", \"ro\"]}\n"
    "\t],\n"
    "\t\"linux\": {\n"
    "\t\t\"resources\": {\"devices\": [{\"allow\": false, \"access\": \"rwm\"}]},\n"
    "\t\t\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"network\"}, {\"type\": \"ipc\"}, "
    "{\"type\": \"uts\"}, {\"type\": \"mount\"}, {\"type\": \"cgroup\"}],\n"
    "\t\t\"maskedPaths\": [\"/proc/acpi\", \"/proc/asound\", \"/proc/kcore\", \"/proc/keys\", "
    "\"/proc/latency_stats\", \"/proc/timer_list\", \"/proc/timer_stats\", "
    "\"/proc/sched_debug\", \"/sys/firmware\", \"/proc/scsi\"],\n"
    "\t\t\"readonlyPaths\": [\"/proc/bus\", \"/proc/fs\", \"/proc/irq\", \"/proc/sys\", "
    "\"/proc/sysrq-trigger\"]\n"
    "\t}\n"
    "}\n";

static const struct cli_flag spec_flags[] = {
    {"bundle", 'b', true, false}, {"rootless", 0, false, false}, {NULL, 0, false, false}};

/* runc's `spec --rootless` (specconv.ToRootless): a user namespace mapping the caller's own
 * uid and gid to 0, no network namespace (a user could not give it a link), uid=/gid= mount
 * options dropped (ids not in the map), /sys bound from the host (sysfs wants the network
 * namespace's owner), no resources (no cgroup to apply them to). */
static char *rootless_spec(void)
{
	json_t *spec = json_loads(default_spec, 0, NULL);
	json_t *lnx = json_object_get(spec, "linux");
	json_t *nss = json_array();
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(lnx, "namespaces"), i, v)
	{
		const char *t = json_string_value(json_object_get(v, "type"));
		if (t && strcmp(t, "network") && strcmp(t, "user"))
			json_array_append(nss, v);
	}
	json_array_append_new(nss, json_pack("{s:s}", "type", "user"));
	json_object_set_new(lnx, "namespaces", nss);
	json_object_set_new(lnx, "uidMappings",
			    json_pack("[{s:i,s:I,s:i}]", "containerID", 0, "hostID",
				      (json_int_t)geteuid(), "size", 1));
	json_object_set_new(lnx, "gidMappings",
			    json_pack("[{s:i,s:I,s:i}]", "containerID", 0, "hostID",
				      (json_int_t)getegid(), "size", 1));
	json_object_del(lnx, "resources");
	json_array_foreach(json_object_get(spec, "mounts"), i, v)
	{
		const char *dst = json_string_value(json_object_get(v, "destination"));
		if (dst && !strcmp(dst, "/sys")) {
			json_object_set_new(v, "type", json_string("none"));
			json_object_set_new(v, "source", json_string("/sys"));
			json_object_set_new(
			    v, "options",
			    json_pack("[s,s,s,s,s]", "rbind", "nosuid", "noexec", "nodev", "ro"));
			continue;
		}
		json_t *opts = json_object_get(v, "options");
		for (size_t k = json_array_size(opts); k-- > 0;) {
			const char *o = json_string_value(json_array_get(opts, k));
			if (o && (!strncmp(o, "uid=", 4) || !strncmp(o, "gid=", 4)))
				json_array_remove(opts, k);
		}
	}
	char *text = json_dumps(spec, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
	json_decref(spec);
	return text;
}

int cmd_spec(struct cli_opts *o, int argc, char **argv)
{
	struct cli_parsed p;
	struct berr *err = NULL;
	if (cli_parse("spec", spec_flags, argc, argv, &p) < 0)
		return 1;
	const char *bundle = cli_get(spec_flags, &p, "bundle");
	autofree char *path = xasprintf("%s/config.json", bundle ? bundle : ".");
	if (access(path, F_OK) == 0)
		return cli_usage_error("spec", "'%s' exists already; remove it first", path);
	autofree char *rootless = cli_has(spec_flags, &p, "rootless") ? rootless_spec() : NULL;
	const char *text = rootless ? rootless : default_spec;
	if (fs_write_file(AT_FDCWD, path, text, strlen(text), 0644, &err) < 0)
		return cli_fail(err);
	return 0;
}

int cmd_features(struct cli_opts *o, int argc, char **argv)
{
	printf("{\n"
	       "  \"ociVersionMin\": \"1.0.0\",\n"
	       "  \"ociVersionMax\": \"1.1.0\",\n"
	       "  \"hooks\": [\"prestart\", \"createRuntime\", \"createContainer\", "
	       "\"startContainer\", \"poststart\", \"poststop\"],\n"
	       "  \"mountOptions\": [\"async\", \"atime\", \"bind\", \"defaults\", \"dev\", "
	       "\"diratime\", \"dirsync\", \"exec\", \"iversion\", \"lazytime\", \"loud\", "
	       "\"mand\", \"noatime\", \"nodev\", \"nodiratime\", \"noexec\", \"noiversion\", "
	       "\"nolazytime\", \"nomand\", \"norelatime\", \"nostrictatime\", \"nosuid\", "
	       "\"nosymfollow\", \"private\", \"ratime\", \"rbind\", \"rdev\", \"rdiratime\", "
	       "\"relatime\", \"remount\", \"rexec\", \"rnoatime\", \"rnodev\", \"rnodiratime\", "
	       "\"rnoexec\", \"rnorelatime\", \"rnostrictatime\", \"rnosuid\", \"rnosymfollow\", "
	       "\"ro\", \"rprivate\", \"rrelatime\", \"rro\", \"rrw\", \"rshared\", \"rslave\", "
	       "\"rstrictatime\", \"rsuid\", \"rsymfollow\", \"runbindable\", \"rw\", \"shared\", "
	       "\"silent\", \"slave\", \"strictatime\", \"suid\", \"symfollow\", \"sync\", "
	       "\"unbindable\"],\n"
	       "  \"linux\": {\n"
	       "    \"namespaces\": [\"cgroup\", \"ipc\", \"mount\", \"network\", \"pid\", "
	       "\"time\", \"user\", \"uts\"],\n"
	       "    \"capabilities\": \"all known to the kernel (cap_last_cap)\",\n"
	       "    \"cgroup\": {\"v1\": true, \"v2\": true, \"systemd\": false, "
	       "\"systemdUser\": false},\n"
	       "    \"seccomp\": {\"enabled\": true, \"actions\": [\"SCMP_ACT_ALLOW\", "
	       "\"SCMP_ACT_ERRNO\", \"SCMP_ACT_KILL\", \"SCMP_ACT_KILL_PROCESS\", "
	       "\"SCMP_ACT_KILL_THREAD\", \"SCMP_ACT_LOG\", \"SCMP_ACT_NOTIFY\", "
	       "\"SCMP_ACT_TRACE\", \"SCMP_ACT_TRAP\"], \"operators\": [\"SCMP_CMP_EQ\", "
	       "\"SCMP_CMP_GE\", \"SCMP_CMP_GT\", \"SCMP_CMP_LE\", \"SCMP_CMP_LT\", "
	       "\"SCMP_CMP_MASKED_EQ\", \"SCMP_CMP_NE\"]},\n"
	       "    \"apparmor\": {\"enabled\": false},\n"
	       "    \"selinux\": {\"enabled\": false}\n"
	       "  }\n"
	       "}\n");
	return 0;
}

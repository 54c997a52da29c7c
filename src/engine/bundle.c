/* The container's config.json (see bundle.h). */
#include "engine/bundle.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "engine/container.h"
#include "engine/seccomp.h"
#include "engine/systemd.h"
#include "engine/user.h"
#include "engine/userns.h"
#include "image/config.h"
#include "runtime/cgroup_owner.h"
#include "runtime/spec.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/userns.h"
#include "util/xalloc.h"

/* moby's oci/caps/defaults.go */
const char *const eng_default_caps[] = {
    "CHOWN",  "DAC_OVERRIDE", "FSETID",  "FOWNER",           "MKNOD",      "NET_RAW", "SETGID",
    "SETUID", "SETFCAP",      "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL",    "AUDIT_WRITE",
    NULL};

/* moby's oci/defaults.go */
static const char *const masked_paths[] = {"/proc/asound",
					   "/proc/acpi",
					   "/proc/kcore",
					   "/proc/keys",
					   "/proc/latency_stats",
					   "/proc/timer_list",
					   "/proc/timer_stats",
					   "/proc/sched_debug",
					   "/proc/scsi",
					   "/sys/firmware",
					   "/sys/devices/virtual/powercap",
					   NULL};
static const char *const readonly_paths[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL};

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

char *eng_bundle_cgroup(const char *id)
{
	/* rootless (eng_rootless): below the user's delegated cgroup v2 subtree, if it has one */
	autofree char *base = !userns_is_initial() ? rt_cgroup_user_base(NULL) : NULL;
	return xasprintf("%s/berth/%s", base ? base : "", id);
}

char *eng_container_cgroup(const struct eng_store *s, const char *id)
{
	json_t *rec = eng_container_load(s, id, NULL);
	const char *parent =
	    json_string_value(json_object_get(json_object_get(rec, "HostConfig"), "CgroupParent"));
	char *path = parent && *parent ? xasprintf("%s/%s", parent, id) : eng_bundle_cgroup(id);
	json_decref(rec);
	return path;
}

int64_t eng_parse_bytes(const char *s)
{
	char *end = NULL;
	double v = strtod(s, &end);
	if (end == s || v < 0)
		return -1;
	int64_t mult = 1;
	switch (tolower((unsigned char)*end)) {
	case '\0':
		break;
	case 'b':
		break;
	case 'k':
		mult = 1024;
		break;
	case 'm':
		mult = 1024 * 1024;
		break;
	case 'g':
		mult = 1024LL * 1024 * 1024;
		break;
	case 't':
		mult = 1024LL * 1024 * 1024 * 1024;
		break;
	default:
		return -1;
	}
	if (*end && end[1] && !(tolower((unsigned char)end[1]) == 'b' && !end[2]) &&
	    !(tolower((unsigned char)end[1]) == 'i' && tolower((unsigned char)end[2]) == 'b' &&
	      !end[3]))
		return -1;
	return (int64_t)(v * (double)mult);
}

static json_t *strv_json(char *const *v)
{
	json_t *a = json_array();
	for (; v && *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

static void append_strv(json_t *a, char *const *v)
{
	for (; v && *v; v++)
		json_array_append_new(a, json_string(*v));
}

json_t *eng_bundle_args(const struct eng_run_opts *o, const struct img_config *c, struct berr **err)
{
	json_t *args = json_array();
	if (o->entrypoint) {
		if (*o->entrypoint) {
			json_array_append_new(args, json_string(o->entrypoint));
			append_strv(args, o->entrypoint_rest);
		}
	} else {
		append_strv(args, c->entrypoint);
	}
	/* --entrypoint drops the image's Cmd too, as Docker does */
	if (o->cmd && *o->cmd)
		append_strv(args, o->cmd);
	else if (!o->entrypoint)
		append_strv(args, c->cmd);
	if (!json_array_size(args)) {
		json_decref(args);
		berr_plain(err, EINVAL, "no command specified");
		return NULL;
	}
	return args;
}

/* Set "K=V" in env (an array), replacing K. */
static void env_set(json_t *env, const char *kv)
{
	size_t klen = strcspn(kv, "=");
	for (size_t i = 0; i < json_array_size(env); i++) {
		const char *e = json_string_value(json_array_get(env, i));
		if (!strncmp(e, kv, klen) && e[klen] == '=') {
			json_array_set_new(env, i, json_string(kv));
			return;
		}
	}
	json_array_append_new(env, json_string(kv));
}

/* "-e NAME=v" as given; "-e NAME" with the caller's value, or NULL when it has none. */
static char *user_env(const char *e)
{
	if (strchr(e, '='))
		return xstrdup(e);
	const char *v = getenv(e);
	return v ? xasprintf("%s=%s", e, v) : NULL;
}

json_t *eng_config_env(const struct eng_run_opts *o, const struct img_config *c)
{
	json_t *env = json_array();
	for (char *const *e = o->env; e && *e; e++) {
		autofree char *kv = user_env(*e);
		if (kv)
			env_set(env, kv);
	}
	for (char *const *e = c->env; e && *e; e++) {
		size_t klen = strcspn(*e, "=");
		bool set = false;
		for (size_t i = 0; i < json_array_size(env) && !set; i++) {
			const char *u = json_string_value(json_array_get(env, i));
			set = !strncmp(u, *e, klen) && u[klen] == '=';
		}
		if (!set)
			json_array_append_new(env, json_string(*e));
	}
	return env;
}

json_t *eng_bundle_env(const struct eng_run_opts *o, const struct img_config *c)
{
	json_t *env = json_array();
	json_array_append_new(env, json_string(DEFAULT_PATH));
	if (o->tty)
		env_set(env, "TERM=xterm");
	for (char *const *e = c->env; e && *e; e++)
		env_set(env, *e);
	for (char *const *e = o->env; e && *e; e++) {
		autofree char *kv = user_env(*e);
		if (kv)
			env_set(env, kv);
	}
	return env;
}

/* The capabilities we have ourselves (CapBnd of /proc/self/status): "all" can only mean
 * these; root without CAP_SYS_RESOURCE (as on some hosts) cannot hand it on. */
static uint64_t own_bounding(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	uint64_t caps = ~0ULL;
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "CapBnd:", 7))
			caps = strtoull(line + 7, NULL, 16);
	if (f)
		fclose(f);
	return caps;
}

static bool can_have(int cap)
{
	return cap >= 0 && cap < 64 && cap <= rt_cap_last() && rt_cap_name(cap) &&
	       (own_bounding() >> cap & 1);
}

static int caps_json(const struct eng_run_opts *o, bool root_user, json_t **out, struct berr **err)
{
	bool set[64] = {0};
	if (o->privileged) {
		for (int i = 0; i < 64; i++)
			set[i] = can_have(i);
	} else {
		for (const char *const *c = eng_default_caps; *c; c++) {
			autofree char *n = xasprintf("CAP_%s", *c);
			set[rt_cap_from_name(n)] = true;
		}
	}
	/* drops first, then adds: "--cap-drop ALL --cap-add CHOWN" keeps CHOWN, as Docker does */
	char *const *lists[2] = {o->cap_drop, o->cap_add};
	for (int k = 0; k < 2; k++)
		for (char *const *c = lists[k]; c && *c; c++) {
			if (!strcasecmp(*c, "ALL")) {
				for (int i = 0; i < 64; i++)
					set[i] = k == 1 && can_have(i);
				continue;
			}
			autofree char *n =
			    strncasecmp(*c, "CAP_", 4) ? xasprintf("CAP_%s", *c) : xstrdup(*c);
			int cap = rt_cap_from_name(n);
			if (cap < 0)
				return berr_plain(err, EINVAL, "unknown capability: \"%s\"", *c);
			set[cap] = k == 1;
		}
	json_t *names = json_array();
	for (int i = 0; i < 64; i++)
		if (set[i])
			json_array_append_new(names, json_string(rt_cap_name(i)));
	/* a non-root user keeps only the bounding set, as Docker does (moby #41030) */
	json_t *none = json_array();
	*out = json_pack("{s:O, s:O, s:O, s:O}", "bounding", names, "effective",
			 root_user ? names : none, "permitted", root_user ? names : none,
			 "inheritable", none);
	json_decref(names);
	json_decref(none);
	return 0;
}

static int rlimits_json(char *const *ulimits, json_t **out, struct berr **err)
{
	static const struct {
		const char *name;
		const char *oci;
	} map[] = {{"core", "RLIMIT_CORE"},         {"cpu", "RLIMIT_CPU"},
		   {"data", "RLIMIT_DATA"},         {"fsize", "RLIMIT_FSIZE"},
		   {"locks", "RLIMIT_LOCKS"},       {"memlock", "RLIMIT_MEMLOCK"},
		   {"msgqueue", "RLIMIT_MSGQUEUE"}, {"nice", "RLIMIT_NICE"},
		   {"nofile", "RLIMIT_NOFILE"},     {"nproc", "RLIMIT_NPROC"},
		   {"rss", "RLIMIT_RSS"},           {"rtprio", "RLIMIT_RTPRIO"},
		   {"rttime", "RLIMIT_RTTIME"},     {"sigpending", "RLIMIT_SIGPENDING"},
		   {"stack", "RLIMIT_STACK"},       {"as", "RLIMIT_AS"}};
	json_t *a = json_array();
	for (char *const *u = ulimits; u && *u; u++) {
		char name[32];
		long long soft = 0, hard = 0;
		int n = sscanf(*u, "%31[a-z]=%lld:%lld", name, &soft, &hard);
		if (n == 2)
			hard = soft;
		size_t i = 0;
		while (i < sizeof(map) / sizeof(map[0]) && strcmp(map[i].name, name))
			i++;
		if (n < 2 || i == sizeof(map) / sizeof(map[0]) || soft < -1 || hard < -1 ||
		    (hard != -1 && soft > hard)) {
			json_decref(a);
			return berr_plain(err, EINVAL, "invalid ulimit '%s'", *u);
		}
		json_array_append_new(a, json_pack("{s:s, s:I, s:I}", "type", map[i].oci, "soft",
						   (json_int_t)soft, "hard", (json_int_t)hard));
	}
	*out = a;
	return 0;
}

static json_t *mounts_json(const struct eng_run_opts *o, const char *dir)
{
	autofree char *shm = xasprintf("nosuid,noexec,nodev,mode=1777,size=%lld",
				       (long long)(o->shm_size > 0 ? o->shm_size : 64 << 20));
	json_t *m = json_pack(
	    "[{s:s, s:s, s:s, s:[s, s, s]}, {s:s, s:s, s:s, s:[s, s, s, s]},"
	    " {s:s, s:s, s:s, s:[s, s, s, s, s, s]}, {s:s, s:s, s:s, s:[s, s, s, s]},"
	    " {s:s, s:s, s:s, s:[s, s, s, s]}, {s:s, s:s, s:s, s:[s, s, s]},"
	    " {s:s, s:s, s:s, s:[s]}]",
	    "destination", "/proc", "type", "proc", "source", "proc", "options", "nosuid", "noexec",
	    "nodev", "destination", "/dev", "type", "tmpfs", "source", "tmpfs", "options", "nosuid",
	    "strictatime", "mode=755", "size=65536k", "destination", "/dev/pts", "type", "devpts",
	    "source", "devpts", "options", "nosuid", "noexec", "newinstance", "ptmxmode=0666",
	    "mode=0620", "gid=5", "destination", "/sys", "type", "sysfs", "source", "sysfs",
	    "options", "nosuid", "noexec", "nodev", o->privileged ? "rw" : "ro", "destination",
	    "/sys/fs/cgroup", "type", "cgroup", "source", "cgroup", "options", "nosuid", "noexec",
	    "nodev", o->privileged ? "rw" : "ro", "destination", "/dev/mqueue", "type", "mqueue",
	    "source", "mqueue", "options", "nosuid", "noexec", "nodev", "destination", "/dev/shm",
	    "type", "tmpfs", "source", "shm", "options", shm);
	/* the shm options are one string: split them as the runtime wants */
	json_t *shm_opts = json_array();
	autofree char *copy = xstrdup(shm);
	for (char *save = NULL, *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
		json_array_append_new(shm_opts, json_string(t));
	json_object_set_new(json_array_get(m, 6), "options", shm_opts);
	static const char *const files[] = {"hosts", "hostname", "resolv.conf"};
	for (size_t i = 0; i < 3; i++) {
		autofree char *src = xasprintf("%s/%s", dir, files[i]);
		autofree char *dst = xasprintf("/etc/%s", files[i]);
		json_array_append_new(m, json_pack("{s:s, s:s, s:s, s:[s, s]}", "destination", dst,
						   "type", "bind", "source", src, "options",
						   "rbind", "rprivate"));
	}
	if (o->init && o->init_path)
		json_array_append_new(m, json_pack("{s:s, s:s, s:s, s:[s, s]}", "destination",
						   "/sbin/berth-init", "type", "bind", "source",
						   o->init_path, "options", "bind", "ro"));
	return m;
}

static json_t *resources_json(const struct eng_run_opts *o)
{
	json_t *r = json_object();
	if (o->memory > 0 || o->memory_swap) {
		json_t *mem = json_object();
		if (o->memory > 0)
			json_object_set_new(mem, "limit", json_integer(o->memory));
		/* Docker: unset swap = twice the memory; -1 = unlimited */
		if (o->memory_swap)
			json_object_set_new(mem, "swap", json_integer(o->memory_swap));
		else if (o->memory > 0)
			json_object_set_new(mem, "swap", json_integer(2 * o->memory));
		json_object_set_new(r, "memory", mem);
	}
	if (o->pids_limit)
		json_object_set_new(r, "pids",
				    json_pack("{s:I}", "limit", (json_int_t)o->pids_limit));
	json_t *cpu = json_object();
	if (o->cpus > 0) {
		json_object_set_new(cpu, "period", json_integer(100000));
		json_object_set_new(cpu, "quota", json_integer((json_int_t)(o->cpus * 100000)));
	}
	if (o->cpu_shares > 0)
		json_object_set_new(cpu, "shares", json_integer(o->cpu_shares));
	if (o->cpuset_cpus)
		json_object_set_new(cpu, "cpus", json_string(o->cpuset_cpus));
	if (json_object_size(cpu))
		json_object_set_new(r, "cpu", cpu);
	else
		json_decref(cpu);
	/* Docker's default device rules: deny all, allow the usual nodes (runtime adds the
	 * default devices it makes) */
	json_object_set_new(r, "devices",
			    json_pack("[{s:b, s:s}]", "allow", o->privileged, "access", "rwm"));
	return r;
}

/* --device: the node made in the container (linux.devices) and allowed in its cgroup. */
static int devices_json(char *const *devices, json_t *nodes, json_t *rules, struct berr **err)
{
	for (char *const *d = devices; d && *d; d++) {
		autofree char *copy = xstrdup(*d);
		char *parts[3] = {copy, NULL, NULL};
		for (int i = 1; i < 3; i++) {
			char *colon = parts[i - 1] ? strchr(parts[i - 1], ':') : NULL;
			if (colon) {
				*colon = '\0';
				parts[i] = colon + 1;
			}
		}
		/* HOST:PERMS when the second part is only r, w and m */
		if (parts[1] && !parts[2] && parts[1][0] != '/') {
			parts[2] = parts[1];
			parts[1] = NULL;
		}
		const char *perms = parts[2] ? parts[2] : "rwm";
		struct stat st;
		if (stat(parts[0], &st) < 0 || !(S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)))
			return berr_plain(err, EINVAL, "--device '%s': %s is not a device", *d,
					  parts[0]);
		if (!*perms || strspn(perms, "rwm") != strlen(perms))
			return berr_plain(err, EINVAL, "--device '%s': bad permissions '%s'", *d,
					  perms);
		const char *type = S_ISCHR(st.st_mode) ? "c" : "b";
		json_array_append_new(nodes,
				      json_pack("{s:s, s:s, s:I, s:I, s:i, s:i, s:i}", "path",
						parts[1] ? parts[1] : parts[0], "type", type,
						"major", (json_int_t)major(st.st_rdev), "minor",
						(json_int_t)minor(st.st_rdev), "fileMode",
						(int)(st.st_mode & 0777), "uid", 0, "gid", 0));
		json_array_append_new(
		    rules, json_pack("{s:b, s:s, s:I, s:I, s:s}", "allow", 1, "type", type, "major",
				     (json_int_t)major(st.st_rdev), "minor",
				     (json_int_t)minor(st.st_rdev), "access", perms));
	}
	return 0;
}

static json_t *sysctls_json(char *const *sysctls, struct berr **err)
{
	json_t *o = json_object();
	for (char *const *s = sysctls; s && *s; s++) {
		const char *eq = strchr(*s, '=');
		if (!eq || eq == *s) {
			json_decref(o);
			berr_plain(err, EINVAL, "invalid sysctl '%s': expected name=value", *s);
			return NULL;
		}
		autofree char *k = xstrndup(*s, (size_t)(eq - *s));
		json_object_set_new(o, k, json_string(eq + 1));
	}
	return o;
}

static json_t *process_json(const struct eng_run_opts *o, const struct img_config *c,
			    const struct eng_user *u, const char *hostname, struct berr **err)
{
	json_t *args = eng_bundle_args(o, c, err);
	if (!args)
		return NULL;
	json_t *caps = NULL, *rlimits = NULL;
	if (caps_json(o, u->uid == 0, &caps, err) < 0 ||
	    rlimits_json(o->ulimits, &rlimits, err) < 0) {
		json_decref(args);
		json_decref(caps);
		return NULL;
	}
	json_t *groups = json_array();
	for (size_t i = 0; i < u->n_groups; i++)
		json_array_append_new(groups, json_integer(u->groups[i]));
	const char *cwd = o->workdir && *o->workdir           ? o->workdir
			  : c->working_dir && *c->working_dir ? c->working_dir
							      : "/";
	json_t *env = eng_bundle_env(o, c);
	autofree char *h = xasprintf("HOSTNAME=%s", hostname);
	env_set(env, h);
	autofree char *home = xasprintf("HOME=%s", u->home);
	bool has_home = false;
	for (size_t i = 0; i < json_array_size(env); i++)
		has_home |= !strncmp(json_string_value(json_array_get(env, i)), "HOME=", 5);
	if (!has_home)
		json_array_append_new(env, json_string(home));
	if (o->init) {
		json_array_insert_new(args, 0, json_string("--"));
		json_array_insert_new(args, 0, json_string("/sbin/berth-init"));
	}
	json_t *p =
	    json_pack("{s:b, s:{s:i, s:i, s:o}, s:o, s:o, s:s, s:o, s:o, s:b}", "terminal", o->tty,
		      "user", "uid", (int)u->uid, "gid", (int)u->gid, "additionalGids", groups,
		      "args", args, "env", env, "cwd", cwd, "capabilities", caps, "rlimits",
		      rlimits, "noNewPrivileges", o->no_new_privileges);
	if (o->tty && o->console_rows && o->console_cols)
		json_object_set_new(p, "consoleSize",
				    json_pack("{s:I, s:I}", "height", (json_int_t)o->console_rows,
					      "width", (json_int_t)o->console_cols));
	return p;
}

/* The namespaces a container gets: all but the network's with --network host; a user
 * namespace when it has ID mappings. */
static json_t *namespaces_json(bool host_net, bool userns)
{
	json_t *ns = json_pack("[{s:s}, {s:s}, {s:s}, {s:s}, {s:s}]", "type", "pid", "type", "ipc",
			       "type", "uts", "type", "mount", "type", "cgroup");
	if (!host_net)
		json_array_append_new(ns, json_pack("{s:s}", "type", "network"));
	if (userns)
		json_array_append_new(ns, json_pack("{s:s}", "type", "user"));
	return ns;
}

/* The container's id and its labels. */
static json_t *annotations_json(const struct eng_run_opts *o, const char *id)
{
	json_t *annotations = json_pack("{s:s}", "org.berth.container.id", id);
	for (char *const *l = o->labels; l && *l; l++) {
		const char *eq = strchr(*l, '=');
		autofree char *k = eq ? xstrndup(*l, (size_t)(eq - *l)) : xstrdup(*l);
		json_object_set_new(annotations, k, json_string(eq ? eq + 1 : ""));
	}
	return annotations;
}

/* The seccomp profile, which follows the capabilities the process ends up with;
 * --privileged and unconfined have none, as with Docker. */
static int add_seccomp(json_t *linux_, const struct eng_run_opts *o, json_t *process,
		       struct berr **err)
{
	if (o->privileged || (o->seccomp && !strcmp(o->seccomp, "unconfined")))
		return 0;
	uint64_t caps = 0;
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(json_object_get(process, "capabilities"), "bounding"), i,
			   v)
	{
		int cap = rt_cap_from_name(json_string_value(v));
		if (cap >= 0 && cap < 64)
			caps |= 1ULL << cap;
	}
	json_t *sc =
	    o->seccomp ? eng_seccomp_file(o->seccomp, caps, err) : eng_seccomp_default(caps);
	if (!sc)
		return berr_ret(err);
	json_object_set_new(linux_, "seccomp", sc);
	return 0;
}

/* config.json's "linux": namespaces, resources, sysctls, the cgroup, devices, the id maps
 * (*out_userns: there are), masked and read-only paths and the seccomp profile. */
static json_t *linux_json(const struct eng_run_opts *o, const char *id, json_t *process,
			  bool *out_userns, struct berr **err)
{
	json_auto_t *sysctl = sysctls_json(o->sysctls, err);
	if (!sysctl)
		return NULL;
	json_auto_t *res = resources_json(o), *nodes = json_array();
	if (devices_json(o->devices, nodes, json_object_get(res, "devices"), err) < 0)
		return NULL;
	bool host_net = o->network && !strcmp(o->network, "host");
	json_auto_t *uidmap = eng_userns_oci(json_object_get(o->idmappings, "UidMap"));
	json_auto_t *gidmap = eng_userns_oci(json_object_get(o->idmappings, "GidMap"));
	bool userns = json_array_size(uidmap) > 0;
	autofree char *cgroup = eng_bundle_cgroup(id);
	json_auto_t *linux_ =
	    json_pack("{s:o, s:O, s:O, s:s, s:O}", "namespaces", namespaces_json(host_net, userns),
		      "resources", res, "sysctl", sysctl, "cgroupsPath", cgroup, "devices", nodes);
	if (userns) {
		json_object_set(linux_, "uidMappings", uidmap);
		json_object_set(linux_, "gidMappings", gidmap);
	}
	if (!o->privileged) {
		json_object_set_new(linux_, "maskedPaths", strv_json((char *const *)masked_paths));
		json_object_set_new(linux_, "readonlyPaths",
				    strv_json((char *const *)readonly_paths));
	}
	if (add_seccomp(linux_, o, process, err) < 0)
		return NULL;
	*out_userns = userns;
	return take_ptr(&linux_);
}

json_t *eng_bundle_spec(const struct eng_run_opts *o, const struct img_config *c,
			const struct eng_user *u, const char *id, const char *rootfs,
			const char *dir, struct berr **err)
{
	char short_id[13];
	snprintf(short_id, sizeof(short_id), "%.12s", id);
	const char *hostname = o->hostname && *o->hostname ? o->hostname : short_id;
	json_auto_t *process = process_json(o, c, u, hostname, err);
	if (!process)
		return NULL;
	bool userns = false;
	json_t *linux_ = linux_json(o, id, process, &userns, err);
	if (!linux_)
		return NULL;
	bool host_net = o->network && !strcmp(o->network, "host");
	json_t *annotations = annotations_json(o, id);
	json_t *mounts = mounts_json(o, dir);
	/* sysfs can only be mounted by the owner of the network namespace: with the host's and
	 * a user namespace of its own, the container gets the host's /sys bound, as with runc */
	if (userns && host_net) {
		json_t *sys = json_array_get(mounts, 3);
		json_object_set_new(sys, "type", json_string("bind"));
		json_object_set_new(sys, "source", json_string("/sys"));
		json_object_set_new(sys, "options",
				    json_pack("[s, s, s, s, s]", "rbind", "nosuid", "noexec",
					      "nodev", o->privileged ? "rw" : "ro"));
	}
	json_t *spec = json_pack("{s:s, s:O, s:{s:s, s:b}, s:s, s:o, s:o, s:o}", "ociVersion",
				 "1.1.0", "process", process, "root", "path", rootfs, "readonly",
				 o->read_only, "hostname", hostname, "mounts", mounts, "linux",
				 linux_, "annotations", annotations);
	if (o->systemd)
		eng_systemd_spec(spec, id, dir, o->vm);
	return spec;
}

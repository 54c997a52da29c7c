/* Creating a pod (see pod.h): --share, the record added under pods.lock, the pod's cgroup and
 * its infra container, with what podman 4.3's pod create puts on the infra (its network, DNS
 * and hosts, sysctls, volumes, devices, security options) and what each member then inherits
 * of it (pod.c's member plan). The lifecycle is in pod_lifecycle.c, the documents in
 * pod_view.c, the cgroup in pod_cgroup.c. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/create.h"
#include "engine/event.h"
#include "engine/network.h"
#include "engine/pod.h"
#include "engine/pod_vm.h"
#include "engine/rootless.h"
#include "engine/userns.h"
#include "image/builtin.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/randid.h"
#include "util/timefmt.h"
#include "util/xalloc.h"
#include "vm/vm.h"

/* The namespaces a pod may share, podman's names. */
static const char *const shareable[] = {"cgroup", "ipc", "net", "pid", "uts", NULL};

/* --share, podman's: a list replacing the default "ipc,net,uts", or "+list" adding to it;
 * "none" (or "") shares nothing and makes no infra; "none" within a list shares nothing but
 * keeps the infra (podman 4.3 does both). Into an array of names; out_infra: whether the pod
 * gets an infra container. */
static json_t *share_parse(const struct eng_pod_create *c, bool *out_infra, struct berr **err)
{
	const char *share = c->share;
	bool nothing = share && (!*share || !strcmp(share, "none"));
	if (c->no_infra && share && !nothing) {
		berr_plain(err, EINVAL,
			   "cannot set share(%s) namespaces without an infra container", share);
		return NULL;
	}
	*out_infra = !c->no_infra && !nothing;
	json_t *out = json_array();
	if (!*out_infra)
		return out;
	autofree char *list = !share          ? xstrdup("ipc,net,uts")
			      : *share == '+' ? xasprintf("ipc,net,uts,%s", share + 1)
					      : xstrdup(share);
	bool none = false;
	for (char *save = NULL, *t = strtok_r(list, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		bool known = !strcmp(t, "none");
		none = none || known;
		for (const char *const *k = shareable; *k; k++)
			known = known || !strcmp(*k, t);
		if (!known) {
			json_decref(out);
			berr_plain(
			    err, EINVAL,
			    "invalid kernel namespace to share: %s. Options are: cgroup, ipc, "
			    "net, pid, uts or none",
			    t);
			return NULL;
		}
		bool dup = !strcmp(t, "none");
		size_t i;
		json_t *v;
		json_array_foreach(out, i, v) dup = dup || !strcmp(json_string_value(v), t);
		if (!dup)
			json_array_append_new(out, json_string(t));
	}
	if (none)
		json_array_clear(out);
	return out;
}

/* Under pods.lock: the record, its name free among pods. */
static int pod_add(const struct eng_store *s, json_t *rec, char out_id[ENG_ID_LEN + 1],
		   struct berr **err)
{
	autofree char *dir = xasprintf("%s/pods", s->root);
	int r = fs_mkdir_p(dir, 0700, err);
	if (r < 0)
		return r;
	autofree char *lockpath = xasprintf("%s/pods.lock", s->root);
	autoclose int lock = fs_lock(lockpath, err);
	if (lock < 0)
		return lock;
	const char *name = json_string_value(json_object_get(rec, "Name"));
	autofree char *owner = eng_pod_find_name(s, name);
	if (owner)
		return berr_plain(err, EEXIST, "name \"%s\" is in use: pod already exists", name);
	char id[ENG_ID_LEN + 1];
	r = rand_hex_id(id, ENG_ID_LEN, err);
	if (r < 0)
		return r;
	autofree char *pdir = eng_pod_path(s, id, NULL);
	if (mkdir(pdir, 0700) < 0)
		return berr_set(err, errno, "create '%s'", pdir);
	json_object_set_new(rec, "Id", json_string(id));
	r = eng_pod_save(s, id, rec, err);
	if (r < 0) {
		(void)fs_rm_rf(AT_FDCWD, pdir, NULL);
		return r;
	}
	memcpy(out_id, id, sizeof(id));
	return 0;
}

/* --infra-command: a JSON array of strings, or words split at white space (podman's). */
static char **infra_argv(const char *cmd, struct berr **err)
{
	json_t *j = *cmd == '[' ? json_loads(cmd, 0, NULL) : NULL;
	size_t n = 0, i;
	json_t *v;
	char **argv = xcalloc(strlen(cmd) / 2 + 2 + json_array_size(j), sizeof(char *));
	if (j) {
		json_array_foreach(j, i, v)
		{
			if (json_is_string(v))
				argv[n++] = xstrdup(json_string_value(v));
		}
		if (n != json_array_size(j))
			n = 0;
	} else {
		autofree char *copy = xstrdup(cmd);
		for (char *save = NULL, *t = strtok_r(copy, " \t\n", &save); t;
		     t = strtok_r(NULL, " \t\n", &save))
			argv[n++] = xstrdup(t);
	}
	json_decref(j);
	if (n == 0) {
		strv_free(argv);
		berr_plain(err, EINVAL, "invalid --infra-command '%s'", cmd);
		return NULL;
	}
	return argv;
}

static bool list_has(json_t *list, const char *name)
{
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v)
	{
		if (!strcmp(json_string_value(v) ?: "", name))
			return true;
	}
	return false;
}

static bool any(char *const *v)
{
	return v && *v;
}

static bool uts_host(const struct eng_pod_create *c)
{
	return c->uts && !strcmp(c->uts, "host");
}

/* --security-opt as run reads it: no-new-privileges and seccomp=PROFILE (berth has no
 * SELinux or AppArmor labels); out_nnp and out_seccomp set when given. */
static int security_parse(char *const *opts, bool *out_nnp, const char **out_seccomp,
			  struct berr **err)
{
	for (char *const *o = opts; o && *o; o++) {
		if (!strcmp(*o, "no-new-privileges") || !strcmp(*o, "no-new-privileges=true") ||
		    !strcmp(*o, "no-new-privileges:true"))
			*out_nnp = true;
		else if (!strncmp(*o, "seccomp=", 8) || !strncmp(*o, "seccomp:", 8))
			*out_seccomp = *o + 8;
		else
			return berr_plain(err, EINVAL, "unsupported --security-opt '%s'", *o);
	}
	return 0;
}

/* --userns (but "" and host), --uidmap, --gidmap: the pod has a user namespace, its infra's,
 * which every member joins (podman's: "user" among the pod's shared namespaces). */
static bool userns_wanted(const struct eng_pod_create *c)
{
	return (c->userns && *c->userns && strcmp(c->userns, "host")) || any(c->uidmap) ||
	       any(c->gidmap);
}

/* The pod's user namespace as the infra's --userns (engine/userns.h): keep-id and nomap map
 * the user running podman, root has none to map (podman's words); not without an infra, not
 * in a VM, not with a namespace of the host's, which a member could not join from inside the
 * pod's user namespace (the runtime joins that one first, as runc does). */
static int userns_check(const struct eng_pod_create *c, bool infra, struct berr **err)
{
	if (!userns_wanted(c))
		return 0;
	const char *m = c->userns ? c->userns : "";
	bool keep = !strcmp(m, "keep-id") || !strncmp(m, "keep-id:", 8);
	if ((keep || !strcmp(m, "nomap")) && !eng_rootless())
		return berr_plain(err, EINVAL, "%s is only supported in rootless mode",
				  keep ? "keep-id" : "nomap");
	if (!infra)
		return berr_plain(err, EINVAL,
				  "--userns, --uidmap, --gidmap: a pod's user namespace is its "
				  "infra container's: not with --infra=false or --share none");
	if (c->isolation && !strcmp(c->isolation, "vm"))
		return berr_plain(err, EINVAL,
				  "--isolation vm: --userns, --uidmap and --gidmap are a "
				  "container's, not a VM's");
	if ((c->network && !strcmp(c->network, "host")) || uts_host(c) ||
	    (c->pid && !strcmp(c->pid, "host")))
		return berr_plain(
		    err, EINVAL,
		    "--userns, --uidmap, --gidmap and --network, --pid or --uts host: "
		    "the pod's members join its user namespace first, and the host's "
		    "namespaces are not that namespace's to join");
	char *mode = NULL;
	json_t *maps = NULL;
	struct eng_userns_opts o = {.mode = c->userns, .uidmap = c->uidmap, .gidmap = c->gidmap};
	int r = eng_userns_plan(&o, &mode, &maps, err);
	free(mode);
	json_decref(maps);
	return r;
}

/* What goes on the infra: refused without one (nothing would hold it: podman's words for
 * --no-hosts), or where berth cannot do it. */
static int infra_flags_check(const struct eng_pod_create *c, bool infra, struct berr **err)
{
	bool nnp = false;
	const char *seccomp = NULL;
	int r = security_parse(c->security_opts, &nnp, &seccomp, err);
	if (r < 0)
		return r;
	if (c->exit_policy && *c->exit_policy && strcmp(c->exit_policy, "continue") &&
	    strcmp(c->exit_policy, "stop"))
		return berr_plain(err, EINVAL, "invalid pod exit policy: \"%s\"", c->exit_policy);
	if (c->no_hosts && !infra)
		return berr_plain(err, EINVAL,
				  "cannot specify --no-hosts without an infra container");
	if (c->no_hosts && any(c->add_hosts))
		return berr_plain(err, EINVAL, "--no-hosts and --add-host cannot be set together");
	if (c->uts && *c->uts && strcmp(c->uts, "private") && strcmp(c->uts, "host"))
		return berr_plain(err, EINVAL, "--uts '%s': a pod's is private or host", c->uts);
	if (uts_host(c) && c->hostname)
		return berr_plain(err, EINVAL,
				  "--hostname and --uts host: the pod's hostname is the host's");
	if (c->pid && *c->pid && strcmp(c->pid, "private") && strcmp(c->pid, "host"))
		return berr_plain(err, EINVAL, "--pid '%s': a pod's is private or host", c->pid);
	bool on_infra = any(c->add_hosts) || any(c->dns) || any(c->dns_search) ||
			any(c->dns_options) || any(c->aliases) || c->ip || c->mac ||
			any(c->volumes) || any(c->volumes_from) || any(c->devices) ||
			any(c->security_opts) || any(c->sysctls) ||
			(c->pid && !strcmp(c->pid, "host")) || uts_host(c) || c->no_hosts;
	if (on_infra && !infra)
		return berr_plain(
		    err, EINVAL,
		    "--add-host, --dns*, --ip, --mac-address, --network-alias, -v, "
		    "--volumes-from, --device, --security-opt, --sysctl, --pid and "
		    "--uts go on the pod's infra container: not with --infra=false or "
		    "--share none");
	if (on_infra && c->isolation && !strcmp(c->isolation, "vm"))
		return berr_plain(
		    err, EINVAL,
		    "--add-host, --dns*, --ip, --mac-address, --network-alias, -v, "
		    "--volumes-from, --device, --security-opt, --sysctl, --pid, --uts and "
		    "--no-hosts: not with --isolation vm yet");
	return 0;
}

/* The infra's network (the pod's), its names, sysctls, mounts, devices and security. */
static void infra_network(const struct eng_pod_create *c, struct eng_create *ic)
{
	ic->add_hosts = c->add_hosts;
	ic->dns = c->dns;
	ic->dns_search = c->dns_search;
	ic->dns_options = c->dns_options;
	ic->aliases = c->aliases;
	ic->ip = c->ip;
	ic->mac = c->mac;
	ic->run.sysctls = c->sysctls;
	ic->volumes_from = c->volumes_from;
	ic->run.devices = c->devices;
	ic->pid = c->pid && !strcmp(c->pid, "host") ? "host" : NULL;
	(void)security_parse(c->security_opts, &ic->run.no_new_privileges, &ic->run.seccomp, NULL);
}

static json_t *strv_or_null(char *const *v)
{
	if (!any(v))
		return json_null();
	json_t *a = json_array();
	for (; *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

/* podman's InfraConfig of pod inspect, less PortBindings (the infra's, pod_view.c). */
static json_t *infra_config(const struct eng_pod_create *c)
{
	return json_pack("{s:b, s:s, s:s, s:b, s:o, s:o, s:o, s:b, s:o, s:[s], s:n, s:s, s:s, "
			 "s:s}",
			 "HostNetwork", c->network && !strcmp(c->network, "host"), "StaticIP",
			 c->ip ? c->ip : "", "StaticMAC", c->mac ? c->mac : "",
			 "NoManageResolvConf", 0, "DNSServer", strv_or_null(c->dns), "DNSSearch",
			 strv_or_null(c->dns_search), "DNSOption", strv_or_null(c->dns_options),
			 "NoManageHosts", c->no_hosts, "HostAdd", strv_or_null(c->add_hosts),
			 "Networks", c->network ? c->network : ENG_NET_DEFAULT, "NetworkOptions",
			 "pid_ns", c->pid && !strcmp(c->pid, "host") ? "host" : "private", "userns",
			 !userns_wanted(c)         ? "host"
			 : c->userns && *c->userns ? c->userns
						   : "private",
			 "uts_ns", uts_host(c) ? "host" : "private");
}

/* What each member inherits of the infra (podman's InfraInherit), for pod.c's plan: its
 * mounts (Mounts: the infra's, as --volumes-from), devices, seccomp, no-new-privileges. */
static json_t *inherit_json(const struct eng_pod_create *c)
{
	bool nnp = false;
	const char *seccomp = NULL;
	(void)security_parse(c->security_opts, &nnp, &seccomp, NULL);
	json_t *o = json_pack("{s:b, s:o, s:b}", "Mounts", any(c->volumes) || any(c->volumes_from),
			      "Devices", strv_or_null(c->devices), "NoNewPrivileges", nnp);
	if (seccomp)
		json_object_set_new(o, "Seccomp", json_string(seccomp));
	return o;
}

/* A pod of one VM: the infra is the VM; the pod's limits size it: the guest gets what QEMU's
 * own leaves of --memory (the VM's cgroup is the guest's memory and that), vCPUs --cpus. */
static void infra_vm(const struct eng_pod_create *c, struct eng_create *ic)
{
	ic->isolation = "vm";
	ic->vm_init_path = c->vm_init_path;
	if (c->memory)
		ic->run.memory = c->memory - ((int64_t)VM_OVERHEAD_MB << 20);
	ic->run.cpus = c->cpus;
}

/* The infra's record as the pod's: its pod, the infra mark, --uts host, the pod's cgroup. */
static int infra_mark(const struct eng_store *s, const struct eng_pod_create *c, json_t *pod,
		      const char *infra_id, struct berr **err)
{
	json_auto_t *rec = eng_container_load(s, infra_id, err);
	if (!rec)
		return berr_ret(err);
	json_object_set_new(rec, "Pod", json_string(json_string_value(json_object_get(pod, "Id"))));
	json_object_set_new(rec, "PodInfra", json_true());
	if (uts_host(c))
		json_object_set_new(json_object_get(rec, "HostConfig"), "UTSMode",
				    json_string("host"));
	const char *cgroup = json_string_value(json_object_get(pod, "CgroupPath")) ?: "";
	if (*cgroup)
		json_object_set_new(json_object_get(rec, "HostConfig"), "CgroupParent",
				    json_string(cgroup));
	return eng_container_save(s, infra_id, rec, err);
}

/* The infra container: the built-in image (it is there offline) with berth-pause bound in
 * read-only as its only process, or --infra-image and --infra-command; the pod's network,
 * ports, hostname and cgroup. */
static int infra_create(const struct eng_store *s, struct img_store *is,
			const struct eng_pod_create *c, json_t *pod, char out_id[ENG_ID_LEN + 1],
			struct berr **err)
{
	if (!c->infra_image && !c->pause_path)
		return berr_plain(err, ENOENT, "berth's berth-pause is not installed");
	int r = c->infra_image ? 0 : img_builtin_ensure(is, err);
	if (r < 0)
		return r;
	char **argv = c->infra_command ? infra_argv(c->infra_command, err) : NULL;
	if (c->infra_command && !argv)
		return berr_ret(err);
	const char *id = json_string_value(json_object_get(pod, "Id"));
	autofree char *name = c->infra_name ? xstrdup(c->infra_name) : xasprintf("%.12s-infra", id);
	autofree char *bind = xasprintf("%s:/berth-pause:ro", c->pause_path);
	/* berth-pause's bind (none with --infra-image), then the pod's -v */
	size_t nv = 0;
	while (c->volumes && c->volumes[nv])
		nv++;
	autofree char **volumes = xcalloc(nv + 3, sizeof(char *));
	volumes[0] = bind;
	for (size_t i = 0; i < nv; i++)
		volumes[i + 1] = c->volumes[i];
	/* a pod of one VM: berth-pause's directory (a file that big is no bound file of a
	 * VM's) and the share its members' roots are bound into */
	bool vm = eng_pod_is_vm(pod);
	autofree char *share =
	    vm ? eng_pod_vm_share(s, json_string_value(json_object_get(pod, "Id"))) : NULL;
	autofree char *pause_dir = vm && c->pause_path ? xstrdup(c->pause_path) : NULL;
	if (pause_dir && strrchr(pause_dir, '/'))
		*strrchr(pause_dir, '/') = '\0';
	autofree char *bind_dir = pause_dir ? xasprintf("%s:/.berth:ro", pause_dir) : NULL;
	autofree char *bind_share = vm ? xasprintf("%s:%s", share, POD_VM_GUEST_DIR) : NULL;
	if (vm) {
		volumes[0] = c->infra_image ? bind_share : bind_dir;
		volumes[1] = c->infra_image ? NULL : bind_share;
	}
	struct eng_create ic = {.image = c->infra_image ? c->infra_image : "berth/default",
				.name = name,
				.stop_timeout = -1,
				.volumes = c->infra_image && !vm ? volumes + 1 : volumes,
				.publish = c->publish};
	infra_network(c, &ic);
	ic.userns =
	    (struct eng_userns_opts){.mode = c->userns, .uidmap = c->uidmap, .gidmap = c->gidmap};
	if (vm)
		infra_vm(c, &ic);
	ic.run.entrypoint = argv             ? argv[0]
			    : c->infra_image ? NULL
			    : vm             ? "/.berth/berth-pause"
					     : "/berth-pause";
	ic.run.entrypoint_rest = argv ? argv + 1 : NULL;
	ic.run.network = c->network; /* NULL: the engine's default (pasta as a user) */
	ic.run.shm_size = c->shm_size;
	/* with --uts host the host's hostname stays as it is (pod_cgroup.c's eng_pod_bundle
	 * leaves the spec's out) */
	if (eng_pod_shares(pod, "uts") && !uts_host(c))
		ic.run.hostname = json_string_value(json_object_get(pod, "Hostname"));
	r = eng_create(s, is, &ic, out_id, err);
	strv_free(argv);
	return r < 0 ? r : infra_mark(s, c, pod, out_id, err);
}

static json_t *labels_json(char *const *labels)
{
	json_t *o = json_object();
	for (char *const *l = labels; l && *l; l++) {
		const char *eq = strchr(*l, '=');
		autofree char *k = eq ? xstrndup(*l, (size_t)(eq - *l)) : xstrdup(*l);
		json_object_set_new(o, k, json_string(eq ? eq + 1 : ""));
	}
	return o;
}

/* --isolation: vm needs the infra (the VM) and its guest init. */
static int vm_check(const struct eng_pod_create *c, bool infra, struct berr **err)
{
	const char *iso = c->isolation;
	if (!iso || !strcmp(iso, "default") || !strcmp(iso, "process"))
		return 0;
	if (strcmp(iso, "vm"))
		return berr_plain(err, EINVAL, "invalid --isolation '%s': default, process or vm",
				  iso);
	if (!infra)
		return berr_plain(err, EINVAL,
				  "--isolation vm: the pod's VM is its infra container: not with "
				  "--infra=false or --share none");
	if (!c->vm_init_path)
		return berr_plain(err, ENOENT, "the guest init berth-vm-init is not installed");
	if (c->memory && c->memory < (int64_t)(VM_MEM_MIN_MB + VM_OVERHEAD_MB) << 20)
		return berr_plain(err, EINVAL,
				  "--isolation vm: a pod's VM needs --memory %um at least (%u MiB "
				  "for the guest, %u for QEMU)",
				  VM_MEM_MIN_MB + VM_OVERHEAD_MB, VM_MEM_MIN_MB, VM_OVERHEAD_MB);
	return 0;
}

/* What create checks before anything is made: the name, --share, --cgroup-parent, the limits,
 * ports without an infra. The namespaces and limits are returned. */
static int create_check(const struct eng_pod_create *c, json_t **out_ns, json_t **out_limits,
			bool *out_infra, struct berr **err)
{
	/* podman's rule for a pod's name (libpod's NameRegex: one character is a name) */
	if (c->name && !(isalnum((unsigned char)c->name[0]) && !c->name[1]) &&
	    !eng_name_valid(c->name))
		return berr_plain(err, EINVAL, "names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: '%s'",
				  c->name);
	if (c->infra_name && !eng_name_valid(c->infra_name))
		return berr_plain(err, EINVAL, "names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: '%s'",
				  c->infra_name);
	int vr = c->cgroup_parent ? eng_pod_cgroup_parent_check(c->cgroup_parent, err) : 0;
	if (vr < 0)
		return vr;
	json_t *ns = share_parse(c, out_infra, err);
	if (!ns)
		return berr_ret(err);
	vr = vm_check(c, *out_infra, err);
	if (vr == 0)
		vr = infra_flags_check(c, *out_infra, err);
	if (vr == 0)
		vr = userns_check(c, *out_infra, err);
	if (vr < 0) {
		json_decref(ns);
		return vr;
	}
	json_t *limits = eng_pod_limits(c, err);
	int r = limits ? 0 : berr_ret(err);
	if (r == 0 && list_has(ns, "cgroup") && !c->no_share_parent)
		r = berr_plain(err, EINVAL,
			       "cannot define the pod as the cgroup parent at the same time as "
			       "joining the infra container's cgroupNS");
	if (r == 0 && json_object_size(limits) && eng_rootless())
		r = berr_plain(err, EPERM,
			       "rootless: --cpus, --memory and the other limits of a pod need a "
			       "cgroup of the pod's, and berth makes none as a user");
	if (r == 0 && json_object_size(limits) && c->no_share_parent)
		r = berr_plain(err, EINVAL,
			       "--cpus, --cpuset-cpus, --memory and the other resource limits "
			       "limit the pod's cgroup: not with --share-parent=false");
	if (r == 0 && !*out_infra && c->publish && *c->publish)
		r = berr_plain(err, EINVAL,
			       "you must have an infra container to publish port bindings to the "
			       "host");
	if (r < 0) {
		json_decref(ns);
		json_decref(limits);
		return r;
	}
	*out_ns = ns;
	*out_limits = limits;
	return 0;
}

/* The record's cgroup, then the infra; the pod goes again when either fails. */
static int create_parts(const struct eng_store *s, struct img_store *is,
			const struct eng_pod_create *c, json_t *rec, bool infra, struct berr **err)
{
	const char *id = json_string_value(json_object_get(rec, "Id"));
	const char *parent = json_string_value(json_object_get(rec, "CgroupParent"));
	/* rootless (rootless.h): no cgroup of the pod's, as podman's with cgroupfs; a member's
	 * limits are refused as a container's are */
	if (!c->no_share_parent && !eng_rootless())
		json_object_set_new(rec, "CgroupPath",
				    json_sprintf("%s/%s", strcmp(parent, "/") ? parent : "", id));
	int r = eng_pod_cgroup_ensure(rec, err);
	char infra_id[ENG_ID_LEN + 1];
	if (r == 0 && infra && (r = infra_create(s, is, c, rec, infra_id, err)) == 0)
		json_object_set_new(rec, "InfraContainerId", json_string(infra_id));
	if (r == 0)
		r = eng_pod_save(s, id, rec, err);
	if (r < 0) {
		eng_pod_cgroup_remove(rec);
		autofree char *dir = eng_pod_path(s, id, NULL);
		(void)fs_rm_rf(AT_FDCWD, dir, NULL);
	}
	return r;
}

int eng_pod_create(const struct eng_store *s, struct img_store *is, const struct eng_pod_create *c,
		   char out_id[ENG_ID_LEN + 1], struct berr **err)
{
	json_t *ns = NULL, *limits = NULL;
	bool infra = false;
	int r = create_check(c, &ns, &limits, &infra, err);
	if (r < 0)
		return r;
	autofree char *old = c->replace && c->name ? eng_pod_find_name(s, c->name) : NULL;
	if (old && (r = eng_pod_remove(s, old, true, err)) < 0) {
		json_decref(ns);
		json_decref(limits);
		return r;
	}
	autofree char *name = c->name ? xstrdup(c->name) : eng_name_random();
	/* a relative parent is placed under the hierarchies' roots, as runc's cgroupfs does */
	autofree char *parent = !c->cgroup_parent          ? xstrdup("/berth")
				: *c->cgroup_parent == '/' ? xstrdup(c->cgroup_parent)
							   : xasprintf("/%s", c->cgroup_parent);
	char now[40];
	json_t *rec = json_pack("{s:s, s:s, s:s, s:o, s:o, s:s, s:s, s:s, s:I, s:o}", "Name", name,
				"Created", timefmt_now(now), "Hostname",
				c->hostname   ? c->hostname
				: uts_host(c) ? ""
					      : name,
				"Labels", labels_json(c->labels), "SharedNamespaces", ns,
				"InfraContainerId", "", "CgroupParent", parent, "CgroupPath", "",
				"ShmSize", (json_int_t)c->shm_size, "Limits", limits);
	if (c->isolation && !strcmp(c->isolation, "vm"))
		json_object_set_new(rec, "Isolation", json_string("vm"));
	json_object_set_new(
	    rec, "ExitPolicy",
	    json_string(c->exit_policy && *c->exit_policy ? c->exit_policy : "continue"));
	if (infra && uts_host(c))
		json_object_set_new(rec, "UtsNs", json_string("host"));
	/* the infra's user namespace is the members' (pod.c's eng_pod_member_record) */
	if (infra && userns_wanted(c))
		json_array_append_new(ns, json_string("user"));
	if (infra && c->no_hosts)
		json_object_set_new(rec, "NoHosts", json_true());
	if (infra) {
		json_object_set_new(rec, "InfraConfig", infra_config(c));
		json_object_set_new(rec, "Inherit", inherit_json(c));
		json_object_set_new(rec, "SecurityOpt", strv_or_null(c->security_opts));
		json_object_set_new(rec, "VolumesFrom", strv_or_null(c->volumes_from));
	}
	char id[ENG_ID_LEN + 1];
	r = pod_add(s, rec, id, err);
	if (r == 0)
		r = create_parts(s, is, c, rec, infra, err);
	if (r == 0) {
		eng_event_pod(s, id, name, "create");
		memcpy(out_id, id, sizeof(id));
	}
	json_decref(rec);
	return r;
}

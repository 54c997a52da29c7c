/* Container records from images and options, and bundles from records (see create.h). */
#include "engine/create.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/event.h"
#include "engine/executor.h"
#include "engine/hosts.h"
#include "engine/network.h"
#include "engine/pasta.h"
#include "engine/pod.h"
#include "engine/pod_vm.h"
#include "engine/port.h"
#include "engine/rootless.h"
#include "engine/share.h"
#include "engine/systemd.h"
#include "engine/user.h"
#include "engine/userns.h"
#include "engine/volume.h"
#include "image/config.h"
#include "image/image.h"
#include "image/manifest.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/timefmt.h"
#include "util/xalloc.h"
#include "vm/accel.h"
#include "vm/vm.h"

static json_t *strv_json(char *const *v)
{
	json_t *a = json_array();
	for (; v && *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

static json_t *json_or_null(json_t *v)
{
	return v ? v : json_null();
}

/* "on-failure:3" → {"Name": "on-failure", "MaximumRetryCount": 3} */
static json_t *restart_policy(const char *s, struct berr **err)
{
	if (!s || !*s)
		s = "no";
	const char *colon = strchr(s, ':');
	autofree char *name = colon ? xstrndup(s, (size_t)(colon - s)) : xstrdup(s);
	long max = 0;
	if (colon) {
		char *end = NULL;
		max = strtol(colon + 1, &end, 10);
		if (!*(colon + 1) || *end || max < 0 || strcmp(name, "on-failure")) {
			berr_plain(err, EINVAL, "invalid restart policy '%s'", s);
			return NULL;
		}
	}
	if (strcmp(name, "no") && strcmp(name, "always") && strcmp(name, "on-failure") &&
	    strcmp(name, "unless-stopped")) {
		berr_plain(err, EINVAL, "invalid restart policy '%s'", s);
		return NULL;
	}
	return json_pack("{s:s, s:i}", "Name", name, "MaximumRetryCount", (int)max);
}

/* The effective Config, as Docker stores it. */
static json_t *config_json(const struct eng_create *c, const struct img_config *ic, json_t *env,
			   json_t *entrypoint, json_t *cmd, bool systemd)
{
	const struct eng_run_opts *o = &c->run;
	json_t *labels = json_object();
	if (ic->labels)
		json_object_update(labels, ic->labels);
	for (char *const *l = o->labels; l && *l; l++) {
		const char *eq = strchr(*l, '=');
		autofree char *k = eq ? xstrndup(*l, (size_t)(eq - *l)) : xstrdup(*l);
		json_object_set_new(labels, k, json_string(eq ? eq + 1 : ""));
	}
	json_t *volumes = json_object(), *exposed = json_object();
	for (char *const *v = ic->volumes; v && *v; v++)
		json_object_set_new(volumes, *v, json_object());
	for (char *const *p = ic->exposed_ports; p && *p; p++)
		json_object_set_new(exposed, *p, json_object());
	/* --expose's and -p's ports are exposed too (checked by the caller already) */
	(void)eng_port_expose(c->expose, exposed, NULL);
	json_t *bindings = json_object();
	(void)eng_port_parse(c->publish, bindings, exposed, NULL);
	json_decref(bindings);
	/* the flag's, the image's, then systemd's shutdown request (podman's order) */
	const char *stop = o->stop_signal    ? o->stop_signal
			   : ic->stop_signal ? ic->stop_signal
			   : systemd         ? ENG_SYSTEMD_STOP_SIGNAL
					     : NULL;
	json_t *cfg = json_pack(
	    "{s:s, s:s, s:s, s:b, s:b, s:b, s:b, s:b, s:b, s:o, s:o, s:s, s:o, s:s, s:o, s:o, "
	    "s:o}",
	    "Hostname", o->hostname ? o->hostname : "", "Domainname", "", "User",
	    o->user    ? o->user
	    : ic->user ? ic->user
		       : "",
	    "AttachStdin", c->attach_stdin, "AttachStdout", c->attach_stdout, "AttachStderr",
	    c->attach_stderr, "Tty", o->tty, "OpenStdin", o->interactive, "StdinOnce",
	    o->interactive && c->attach_stdin, "Env", env, "Cmd", json_or_null(cmd), "Image",
	    c->image, "Volumes",
	    json_object_size(volumes) ? volumes : (json_decref(volumes), json_null()), "WorkingDir",
	    o->workdir        ? o->workdir
	    : ic->working_dir ? ic->working_dir
			      : "",
	    "Entrypoint", json_or_null(entrypoint), "Labels", labels, "ExposedPorts", exposed);
	if (stop)
		json_object_set_new(cfg, "StopSignal", json_string(stop));
	json_t *hc = c->healthcheck
			 ? c->healthcheck
			 : json_object_get(json_object_get(ic->raw, "config"), "Healthcheck");
	if (json_is_object(hc))
		json_object_set(cfg, "Healthcheck", hc);
	if (c->stop_timeout >= 0)
		json_object_set_new(cfg, "StopTimeout", json_integer(c->stop_timeout));
	if (c->mac) /* Docker's place for it before API 1.44; the endpoint's is the one used */
		json_object_set_new(cfg, "MacAddress", json_string(c->mac));
	if (systemd) {
		json_object_set_new(cfg, "SystemdMode", json_true()); /* podman's field */
		/* systemd as PID 1 points its stdio at /dev/null and writes its boot and shutdown
		 * to /dev/console (systemd's main.c, make_null_stdio): the console is a pty the
		 * monitor holds, as with -t, so its output is in `logs` and `attach` reaches the
		 * getty Debian starts there (console-getty.service) */
		json_object_set_new(cfg, "Tty", json_true());
		/* and a console takes input: attach (ours, docker's over the API) sends stdin
		 * where OpenStdin says so, and a login there needs it (lxc-console, incus
		 * console); the monitor writes it to the pty, nothing waits on it */
		json_object_set_new(cfg, "OpenStdin", json_true());
	}
	return cfg;
}

static json_t *host_config(const struct eng_create *c, json_t *restart, json_t *ports)
{
	const struct eng_run_opts *o = &c->run;
	json_t *ulimits = json_array();
	for (char *const *u = o->ulimits; u && *u; u++)
		json_array_append_new(ulimits, json_string(*u));
	json_t *sysctls = json_object();
	for (char *const *s = o->sysctls; s && *s; s++) {
		const char *eq = strchr(*s, '=');
		if (!eq)
			continue;
		autofree char *k = xstrndup(*s, (size_t)(eq - *s));
		json_object_set_new(sysctls, k, json_string(eq + 1));
	}
	json_t *hc = json_pack(
	    "{s:b, s:s, s:o, s:I, s:I, s:I, s:I, s:s, s:I, s:o, s:o, s:b, s:b, s:o, "
	    "s:o, s:I, s:b, s:b}",
	    "AutoRemove", c->auto_remove, "NetworkMode", o->network ? o->network : ENG_NET_DEFAULT,
	    "RestartPolicy", restart, "Memory", (json_int_t)o->memory, "MemorySwap",
	    (json_int_t)o->memory_swap, "NanoCpus", (json_int_t)(o->cpus * 1e9), "CpuShares",
	    (json_int_t)o->cpu_shares, "CpusetCpus", o->cpuset_cpus ? o->cpuset_cpus : "",
	    "PidsLimit", (json_int_t)o->pids_limit, "CapAdd", strv_json(o->cap_add), "CapDrop",
	    strv_json(o->cap_drop), "Privileged", o->privileged, "ReadonlyRootfs", o->read_only,
	    "Ulimits", ulimits, "Sysctls", sysctls, "ShmSize", (json_int_t)o->shm_size, "Init",
	    o->init, "NoNewPrivileges", o->no_new_privileges);
	/* where --init's reaper is on the host: the monitor, run from a sealed copy, could not
	 * find it beside its own binary */
	if (o->init && o->init_path)
		json_object_set_new(hc, "InitPath", json_string(o->init_path));
	json_object_set_new(
	    hc, "ConsoleSize",
	    json_pack("[I, I]", (json_int_t)o->console_rows, (json_int_t)o->console_cols));
	json_t *secopt = json_array();
	if (o->no_new_privileges)
		json_array_append_new(secopt, json_string("no-new-privileges"));
	if (o->seccomp)
		json_array_append_new(secopt, json_sprintf("seccomp=%s", o->seccomp));
	json_object_set_new(hc, "SecurityOpt", secopt);
	json_object_set_new(hc, "Devices", strv_json(o->devices));
	json_object_set(hc, "PortBindings", ports);
	json_object_set_new(hc, "PublishAllPorts", json_boolean(c->publish_all));
	json_object_set_new(hc, "Dns", strv_json(c->dns));
	json_object_set_new(hc, "DnsSearch", strv_json(c->dns_search));
	json_object_set_new(hc, "DnsOptions", strv_json(c->dns_options));
	json_object_set_new(hc, "ExtraHosts", strv_json(c->add_hosts));
	return hc;
}

/* What claim needs: the create, and the network mode check_network decided (the default
 * "bridge" for nothing asked as root, pasta for it as a user). */
struct claim_ctx {
	const struct eng_create *c;
	const char *mode;
};

/* Under the containers lock: the user namespace's ids, then the network's address. */
static int claim(const struct eng_store *s, json_t *rec, void *ctx, struct berr **err)
{
	const struct claim_ctx *x = ctx;
	const struct eng_create *c = x->c;
	if (eng_userns_claim(s, rec, NULL, err) < 0)
		return -ENOSPC;
	if (!eng_network_mode_is_net(x->mode))
		return 0;
	int r = eng_network_claim(s, rec, x->mode, c->ip, c->mac, c->aliases, err);
	for (char *const *n = c->more_networks; r == 0 && n && *n; n++)
		r = eng_network_claim(s, rec, *n, NULL, NULL, NULL, err);
	return r;
}

/* The default network (made when first used), or one that exists. */
static int network_exists(const struct eng_store *s, const char *name, struct berr **err)
{
	if (!strcmp(name, ENG_NET_DEFAULT))
		return 0;
	json_t *n = eng_network_load(s, name, err);
	json_decref(n);
	return n ? 0 : -ENOENT;
}

/* --network: a mode, or a network that exists; container:X names one that exists. The mode
 * to record (container:<full id>) in *out_mode. */
static int check_network(const struct eng_store *s, const struct eng_create *c, char **out_mode,
			 struct berr **err)
{
	/* run.network NULL is nothing asked: "bridge" as root, pasta as a user; "bridge" said
	 * is the default bridge network for both (rootless.h) */
	const char *mode = eng_rootless_network_asked(c->run.network);
	bool net = eng_network_mode_is_net(mode);
	if (!net && (c->ip || c->mac || (c->aliases && *c->aliases)))
		return berr_plain(
		    err, EINVAL, "--ip, --mac-address and --network-alias need a network, not '%s'",
		    mode);
	if (c->mac && eng_network_check_mac(c->mac, err) < 0)
		return -EINVAL;
	/* with the host's network they mean nothing, and Docker ignores them there */
	if (!net && strcmp(mode, "host") && !eng_pasta_mode(mode) &&
	    ((c->publish && *c->publish) || c->publish_all))
		return berr_plain(err, EINVAL,
				  "conflicting options: port publishing and the network mode '%s'",
				  mode);
	if (!strncmp(mode, "container:", 10)) {
		char id[ENG_ID_LEN + 1];
		if (eng_container_resolve(s, mode + 10, id, err) < 0)
			return berr_wrap(err, "--network");
		*out_mode = xasprintf("container:%s", id);
		return 0;
	}
	for (char *const *m = c->more_networks; m && *m; m++)
		if (!net || !eng_network_mode_is_net(*m))
			return berr_plain(err, EINVAL,
					  "conflicting options: cannot attach both user-defined "
					  "and non-user-defined network-modes");
	if (net && network_exists(s, mode, err) < 0)
		return -ENOENT;
	for (char *const *m = c->more_networks; m && *m; m++)
		if (network_exists(s, *m, err) < 0)
			return -ENOENT;
	*out_mode = xstrdup(mode);
	return 0;
}

/* --isolation vm: what a VM cannot do yet is refused now; the accelerator, kernel and QEMU
 * must be there. */
static int check_vm(const struct eng_create *c, struct berr **err)
{
	if (!c->isolation || !strcmp(c->isolation, "default") || !strcmp(c->isolation, "process"))
		return c->vm_accel || c->vm_kernel
			   ? berr_plain(err, EINVAL,
					"--vm-accel and --vm-kernel need --isolation vm")
			   : 0;
	if (strcmp(c->isolation, "vm"))
		return berr_plain(err, EINVAL, "invalid --isolation '%s': default, process or vm",
				  c->isolation);
	if (c->run.network &&
	    (!strcmp(c->run.network, "host") || !strncmp(c->run.network, "container:", 10)))
		return berr_plain(err, EINVAL,
				  "--isolation vm: a VM has a kernel and network stack of its own: "
				  "--network %s is a container's, not a VM's",
				  c->run.network);
	/* no user namespace in a guest (--uidmap's maps would only chown the rootfs, and
	 * virtiofs maps no ids) */
	bool maps =
	    (c->userns.uidmap && *c->userns.uidmap) || (c->userns.gidmap && *c->userns.gidmap);
	if (c->run.init || maps ||
	    (c->userns.mode && *c->userns.mode && strcmp(c->userns.mode, "host")))
		return berr_plain(err, EINVAL,
				  "--isolation vm: --init, --userns, --uidmap and --gidmap are a "
				  "container's, not a VM's");
	/* rootless (issue #22): a VM's network is passt's (engine/passt.h), none, or a user
	 * network's (a TAP on its bridge in the rootless network namespace); slirp4netns has no
	 * end for a VM */
	const char *vnet = eng_rootless() ? eng_rootless_network_asked(c->run.network) : "none";
	if (!strncmp(vnet, "slirp4netns", 11))
		return berr_plain(err, EPERM,
				  "--isolation vm as a user (rootless): network '%s' is a "
				  "container's; use the default network (passt, Debian's package "
				  "passt), a user network or --network none",
				  vnet);
	if (c->run.memory && c->run.memory < ((int64_t)VM_MEM_MIN_MB << 20))
		return berr_plain(err, EINVAL, "--isolation vm: a VM needs --memory %um at least",
				  VM_MEM_MIN_MB);
	enum vm_accel a;
	autofree char *warning = NULL, *kernel = NULL, *modules = NULL;
	if (vm_accel_pick(c->vm_accel, &a, &warning, err) < 0 ||
	    vm_kernel_find(c->vm_kernel, &kernel, &modules, err) < 0)
		return -EINVAL;
	if (!c->vm_init_path)
		return berr_plain(err, ENOENT, "the guest init berth-vm-init is not installed");
	if (!vm_hypervisor_available())
		return berr_plain(err, ENOENT,
				  "--isolation vm: no QEMU (qemu-system-x86_64; package "
				  "qemu-system-x86)");
	return 0;
}

/* What a create decided before anything is made. */
struct decisions {
	json_t *restart, *spec, *ports, *mounts, *idmaps;
	json_t *made; /* the volumes the plan made, removed again if the create fails */
	char *userns_mode, *net_mode;
	bool systemd;
	struct eng_share share; /* --ipc, --pid, --volumes-from */
};

/* --systemd: on for an init as the command (or always); systemd must then be PID 1 of the
 * container (or of the VM's guest), not under --init's reaper. */
static int decide_systemd(const struct eng_create *c, json_t *spec, bool *out_on, struct berr **err)
{
	json_t *args = json_object_get(json_object_get(spec, "process"), "args");
	json_t *cmd = json_array();
	for (size_t i = c->run.init ? 2 : 0; i < json_array_size(args); i++)
		json_array_append(cmd, json_array_get(args, i));
	bool on = false;
	int r = eng_systemd_decide(c->systemd, cmd, &on, err);
	json_decref(cmd);
	if (r < 0)
		return r;
	/* under --isolation vm, --init is refused anyway (check_vm) */
	if (on && c->run.init)
		return berr_plain(err, EINVAL,
				  "--init and --systemd: systemd must be the container's PID 1 "
				  "(use --systemd=false to run it under --init)");
	*out_on = on;
	return 0;
}

/* Whether the container runs in a VM's guest: --isolation vm, or a member of a pod of one VM
 * (whose record says so from eng_pod_member_record on). */
static bool in_guest(const struct eng_store *s, const struct eng_create *c)
{
	json_t *pod = c->pod ? eng_pod_load(s, c->pod, NULL) : NULL;
	bool vm = (c->isolation && !strcmp(c->isolation, "vm")) || (pod && eng_pod_is_vm(pod));
	json_decref(pod);
	return vm;
}

/* Every decision once now, with a stand-in user: bad input creates nothing. */
static int decide(const struct eng_store *s, struct img_store *is, json_t *img,
		  const struct eng_create *c, const struct img_config *ic, struct decisions *d,
		  struct berr **err)
{
	if (!(d->restart = restart_policy(c->restart, err)))
		return -EINVAL;
	/* dockerd's setWorkingDir, on the flag's or the image's: refused at create, not at start */
	const char *wd = c->run.workdir && *c->run.workdir ? c->run.workdir : ic->working_dir;
	if (wd && *wd && wd[0] != '/')
		return berr_plain(err, EINVAL,
				  "the working directory '%s' is invalid, it needs to be an "
				  "absolute path",
				  wd);
	struct eng_user probe = {0};
	snprintf(probe.home, sizeof(probe.home), "/");
	if (!(d->spec = eng_bundle_spec(&c->run, ic, &probe, "0", "/", "/", err)))
		return -EINVAL;
	int r = decide_systemd(c, d->spec, &d->systemd, err);
	if (r == 0 && d->systemd)
		r = eng_systemd_image(is, json_object_get(img, "layers"), c->image, c->systemd,
				      &d->systemd, err);
	if (r == 0)
		r = eng_userns_plan(&c->userns, &d->userns_mode, &d->idmaps, err);
	if (r == 0)
		r = check_vm(c, err);
	if (r == 0)
		r = eng_port_parse(c->publish, d->ports, NULL, err);
	if (r == 0) {
		json_t *exposed = json_object();
		r = eng_port_expose(c->expose, exposed, err);
		json_decref(exposed);
	}
	if (r == 0)
		r = check_network(s, c, &d->net_mode, err);
	/* a VM's -m and --cpus size its guest (its cgroup is skipped as a user, vm.c): only a
	 * container's limits need a delegated cgroup */
	bool vm = c->isolation && !strcmp(c->isolation, "vm");
	if (r == 0)
		r = eng_rootless_check(vm ? NULL : d->spec, d->net_mode, err);
	bool guest = in_guest(s, c); /* no idmap there (volume.h) */
	if (r == 0)                  /* before any volume is made */
		r = eng_share_decide(s, c, d->idmaps != NULL, &d->share, err);
	if (r == 0 && !(d->mounts = eng_mounts_plan(s, c->volumes, c->mounts, c->tmpfs, ic->volumes,
						    guest, d->made, err)))
		r = -EINVAL;
	if (r == 0)
		eng_share_mounts(&d->share, d->mounts);
	if (r == 0 && guest) /* --volumes-from's too */
		r = eng_mounts_guest_check(d->mounts, err);
	return r;
}

/* The container's record: Docker's inspect shape, of the decisions and the image. */
static json_t *new_record(const struct eng_create *c, const struct img_config *ic, json_t *img,
			  const struct decisions *d)
{
	json_t *process = json_object_get(d->spec, "process");
	json_t *args = json_object_get(process, "args");
	/* what the user's command and --entrypoint make of the image's */
	json_t *entry = c->run.entrypoint
			    ? (*c->run.entrypoint ? json_pack("[s]", c->run.entrypoint) : NULL)
			    : (ic->entrypoint ? strv_json(ic->entrypoint) : NULL);
	for (char *const *w = c->run.entrypoint ? c->run.entrypoint_rest : NULL; entry && w && *w;
	     w++)
		json_array_append_new(entry, json_string(*w));
	json_t *cmd = c->run.cmd && *c->run.cmd       ? strv_json(c->run.cmd)
		      : !c->run.entrypoint && ic->cmd ? strv_json(ic->cmd)
						      : NULL;
	char now[40];
	json_t *rec = json_pack(
	    "{s:s, s:s, s:o, s:s, s:s, s:s, s:o, s:o, s:O, s:s, s:s}", "Created", timefmt_now(now),
	    "Path", json_string_value(json_array_get(args, c->run.init ? 2 : 0)), "Args",
	    json_array(), "Image", json_string_value(json_object_get(img, "id")), "ImageName",
	    c->image, "Driver", "overlay", "Config",
	    config_json(c, ic, eng_config_env(&c->run, ic), entry, cmd, d->systemd), "HostConfig",
	    host_config(c, d->restart, d->ports), "Layers", json_object_get(img, "layers"),
	    "Platform", "linux", "MountLabel", "");
	json_t *rest = json_array();
	for (size_t i = (c->run.init ? 3 : 1); i < json_array_size(args); i++)
		json_array_append(rest, json_array_get(args, i));
	json_object_set_new(rec, "Args", rest);
	json_t *hc = json_object_get(rec, "HostConfig");
	json_object_set(hc, "Mounts", d->mounts);
	json_object_set_new(hc, "UsernsMode", json_string(d->userns_mode));
	json_object_set_new(hc, "NetworkMode", json_string(d->net_mode));
	eng_share_record(&d->share, hc);
	bool vm = c->isolation && !strcmp(c->isolation, "vm");
	json_object_set_new(hc, "Isolation", json_string(vm ? "vm" : "default"));
	if (vm) {
		json_object_set_new(hc, "VmInitPath", json_string(c->vm_init_path));
		if (c->vm_accel)
			json_object_set_new(hc, "VmAccel", json_string(c->vm_accel));
		if (c->vm_kernel)
			json_object_set_new(hc, "VmKernel", json_string(c->vm_kernel));
		/* decided here for every creator (CLI, API, compose, build, pods); a record
		 * made before this had the key only when true (executor.c: missing is false) */
		bool tpl = c->vm_template ? c->vm_template > 0 : eng_vm_template_default();
		json_object_set_new(hc, "VmTemplate", json_boolean(tpl));
	}
	json_object_set_new(rec, "NetworkSettings", json_pack("{s:{}}", "Networks"));
	if (d->idmaps)
		json_object_set(hc, "IDMappings", d->idmaps);
	return rec;
}

static int create(const struct eng_store *s, struct img_store *is, const struct eng_create *c,
		  char out_id[ENG_ID_LEN + 1], struct berr **err)
{
	json_t *img = img_image_lookup(is, c->image, err);
	if (!img)
		return -ENOENT;
	autofree char *cdata = NULL;
	size_t clen = 0;
	autoptr(img_config) ic = NULL;
	const char *image_id = json_string_value(json_object_get(img, "id"));
	int r = img_blob_read(is, image_id, IMG_CONFIG_MAX, &cdata, &clen, err);
	if (r == 0)
		r = img_config_parse(cdata, clen, &ic, err);
	struct decisions d = {.ports = json_object(), .made = json_array()};
	if (r == 0)
		r = decide(s, is, img, c, ic, &d, err);
	json_t *rec = NULL;
	if (r == 0) {
		rec = new_record(c, ic, img, &d);
		if (c->pod)
			eng_pod_member_record(s, c->pod, rec);
		struct claim_ctx x = {.c = c, .mode = d.net_mode};
		r = eng_container_add(s, rec, c->name, claim, &x, out_id, err);
		if (r == 0)
			eng_event_container(s, out_id, rec, "create", NULL);
		if (r < 0)
			eng_network_release(s, rec, NULL);
	}
	if (r < 0) /* every failure after the plan: nothing this create made stays */
		eng_volume_remove_made(s, d.made);
	json_decref(d.made);
	json_decref(d.mounts);
	json_decref(d.idmaps);
	json_decref(d.ports);
	if (!rec)
		json_decref(d.restart); /* host_config took it otherwise */
	json_decref(rec);
	json_decref(d.spec);
	free(d.userns_mode);
	free(d.net_mode);
	eng_share_clear(&d.share);
	json_decref(img);
	return r;
}

int eng_create(const struct eng_store *s, struct img_store *is, const struct eng_create *c,
	       char out_id[ENG_ID_LEN + 1], struct berr **err)
{
	if (!c->pod)
		return create(s, is, c, out_id, err);
	/* --pod: the pod decides the namespaces it shares and the ports (pod.h) */
	struct eng_create in_pod;
	char *keep[ENG_POD_KEEP] = {NULL};
	int r = eng_pod_member_plan(s, c, &in_pod, keep, err);
	if (r == 0)
		r = create(s, is, &in_pod, out_id, err);
	for (size_t i = 0; i < ENG_POD_KEEP; i++)
		free(keep[i]);
	return r;
}

void eng_host_config_limits(json_t *hc, struct eng_run_opts *o)
{
	o->read_only = json_is_true(json_object_get(hc, "ReadonlyRootfs"));
	o->privileged = json_is_true(json_object_get(hc, "Privileged"));
	o->memory = json_integer_value(json_object_get(hc, "Memory"));
	o->memory_swap = json_integer_value(json_object_get(hc, "MemorySwap"));
	o->pids_limit = json_integer_value(json_object_get(hc, "PidsLimit"));
	o->cpu_shares = json_integer_value(json_object_get(hc, "CpuShares"));
	o->shm_size = json_integer_value(json_object_get(hc, "ShmSize"));
	o->cpus = (double)json_integer_value(json_object_get(hc, "NanoCpus")) / 1e9;
	const char *cpuset = json_string_value(json_object_get(hc, "CpusetCpus"));
	o->cpuset_cpus = cpuset && *cpuset ? cpuset : NULL;
}

void eng_remove_anonymous_volumes(const struct eng_store *s, json_t *rec)
{
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(json_object_get(rec, "HostConfig"), "Mounts"), i, m)
	{
		const char *name = json_string_value(json_object_get(m, "Source"));
		/* a volume of --volumes-from is its donor's */
		if (strcmp(json_string_value(json_object_get(m, "Type")) ?: "", "volume") ||
		    json_object_get(m, "From"))
			continue;
		json_t *v = eng_volume_load(s, name, NULL);
		if (v && json_is_true(json_object_get(v, "Anonymous")))
			(void)eng_volume_remove(s, name, true, NULL);
		json_decref(v);
	}
}

/* ---- bundles from records ---- */

static char **strv_of(json_t *a)
{
	size_t n = json_array_size(a);
	char **v = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		v[i] = xstrdup(json_string_value(json_array_get(a, i)) ?: "");
	return v;
}

struct owned_opts {
	struct eng_run_opts o;
	char **cmd, **env, **cap_add, **cap_drop, **ulimits, **sysctls, **labels, **devices;
};

static void owned_clear(struct owned_opts *w)
{
	char **all[] = {w->cmd,     w->env,     w->cap_add, w->cap_drop,
			w->ulimits, w->sysctls, w->labels,  w->devices};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		strv_free(all[i]);
}

/* The options back from the record: Config holds the effective values, so the image adds
 * nothing now. */
static void opts_from_record(json_t *rec, struct owned_opts *w)
{
	json_t *cfg = json_object_get(rec, "Config"), *hc = json_object_get(rec, "HostConfig");
	struct eng_run_opts *o = &w->o;
	json_t *entry = json_object_get(cfg, "Entrypoint"), *cmd = json_object_get(cfg, "Cmd");
	/* the record's Entrypoint is the whole entrypoint: one string here, the rest in cmd */
	json_t *args = json_array();
	if (json_is_array(entry))
		json_array_extend(args, entry);
	if (json_is_array(cmd))
		json_array_extend(args, cmd);
	w->cmd = strv_of(args);
	json_decref(args);
	o->entrypoint = "";
	o->cmd = w->cmd;
	w->env = strv_of(json_object_get(cfg, "Env"));
	o->env = w->env;
	o->workdir = json_string_value(json_object_get(cfg, "WorkingDir"));
	o->user = json_string_value(json_object_get(cfg, "User"));
	o->hostname = json_string_value(json_object_get(cfg, "Hostname"));
	o->tty = json_is_true(json_object_get(cfg, "Tty"));
	o->interactive = json_is_true(json_object_get(cfg, "OpenStdin"));
	json_t *size = json_object_get(hc, "ConsoleSize");
	o->console_rows = (unsigned)json_integer_value(json_array_get(size, 0));
	o->console_cols = (unsigned)json_integer_value(json_array_get(size, 1));
	o->stop_signal = json_string_value(json_object_get(cfg, "StopSignal"));
	o->systemd = json_is_true(json_object_get(cfg, "SystemdMode"));
	o->vm = eng_is_vm(rec);
	w->labels = xcalloc(json_object_size(json_object_get(cfg, "Labels")) + 1, sizeof(char *));
	const char *k;
	json_t *v;
	size_t n = 0;
	json_object_foreach(json_object_get(cfg, "Labels"), k, v) w->labels[n++] =
	    xasprintf("%s=%s", k, json_string_value(v) ?: "");
	o->labels = w->labels;
	eng_host_config_limits(hc, o);
	o->no_new_privileges = json_is_true(json_object_get(hc, "NoNewPrivileges"));
	o->network = json_string_value(json_object_get(hc, "NetworkMode"));
	w->cap_add = strv_of(json_object_get(hc, "CapAdd"));
	w->cap_drop = strv_of(json_object_get(hc, "CapDrop"));
	w->ulimits = strv_of(json_object_get(hc, "Ulimits"));
	o->cap_add = w->cap_add;
	o->cap_drop = w->cap_drop;
	o->ulimits = w->ulimits;
	w->sysctls = xcalloc(json_object_size(json_object_get(hc, "Sysctls")) + 1, sizeof(char *));
	n = 0;
	json_object_foreach(json_object_get(hc, "Sysctls"), k, v) w->sysctls[n++] =
	    xasprintf("%s=%s", k, json_string_value(v) ?: "");
	o->sysctls = w->sysctls;
	o->init = json_is_true(json_object_get(hc, "Init"));
	o->init_path = json_string_value(json_object_get(hc, "InitPath"));
	w->devices = strv_of(json_object_get(hc, "Devices"));
	o->devices = w->devices;
	o->idmappings = json_object_get(hc, "IDMappings");
	size_t si;
	json_t *sv;
	json_array_foreach(json_object_get(hc, "SecurityOpt"), si, sv)
	{
		const char *opt = json_string_value(sv);
		if (opt && !strncmp(opt, "seccomp=", 8))
			o->seccomp = opt + 8;
	}
}

/* mode "container:X" (HostConfig's NetworkMode, or a pod member's IpcMode and UTSMode):
 * X's namespace of type (the OCI name; proc its /proc/<pid>/ns name), X running. Other modes
 * are left alone. */
static int join_ns(const struct eng_store *s, const char *mode, const char *type, const char *proc,
		   json_t *spec, struct berr **err)
{
	if (!mode || strncmp(mode, "container:", 10))
		return 0;
	const char *other = mode + 10;
	json_t *st = eng_state_load(s, other);
	pid_t pid = (pid_t)json_integer_value(json_object_get(st, "Pid"));
	bool running = json_is_true(json_object_get(st, "Running"));
	/* the pid must still be X's process (its start time), not a number the host has given
	 * to another process since X's ended: the runtime would join that one's namespace */
	autoclose int fd = running ? eng_state_proc_open(st, proc, O_RDONLY, NULL) : -1;
	json_decref(st);
	if (fd < 0)
		return berr_plain(err, EINVAL, "cannot join %s of a non running container: %.12s",
				  type, other);
	size_t i;
	json_t *ns;
	json_array_foreach(json_object_get(json_object_get(spec, "linux"), "namespaces"), i, ns)
	{
		if (!strcmp(json_string_value(json_object_get(ns, "type")) ?: "", type))
			json_object_set_new(ns, "path",
					    json_sprintf("/proc/%d/%s", (int)pid, proc));
	}
	return 0;
}

/* --network container:X: X's network namespace (it must be running), and its hosts and
 * resolv.conf, as Docker shares them; a pod member's IPC and UTS namespaces likewise. */
static int join_network(const struct eng_store *s, json_t *rec, json_t *spec, struct berr **err)
{
	json_t *hc = json_object_get(rec, "HostConfig");
	const char *mode = json_string_value(json_object_get(hc, "NetworkMode"));
	if (join_ns(s, json_string_value(json_object_get(hc, "UsernsMode")), "user", "ns/user",
		    spec, err) < 0 ||
	    join_ns(s, json_string_value(json_object_get(hc, "IpcMode")), "ipc", "ns/ipc", spec,
		    err) < 0 ||
	    join_ns(s, json_string_value(json_object_get(hc, "UTSMode")), "uts", "ns/uts", spec,
		    err) < 0 ||
	    join_ns(s, json_string_value(json_object_get(hc, "PidMode")), "pid", "ns/pid", spec,
		    err) < 0 ||
	    join_ns(s, json_string_value(json_object_get(hc, "CgroupnsMode")), "cgroup",
		    "ns/cgroup", spec, err) < 0 ||
	    join_ns(s, mode, "network", "ns/net", spec, err) < 0)
		return -EINVAL;
	if (!mode || strncmp(mode, "container:", 10))
		return 0;
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(spec, "mounts"), i, m)
	{
		const char *dst = json_string_value(json_object_get(m, "destination")) ?: "";
		if (!strcmp(dst, "/etc/hosts") || !strcmp(dst, "/etc/resolv.conf")) {
			autofree char *src = eng_container_path(s, mode + 10, dst + 5);
			json_object_set_new(m, "source", json_string(src));
		}
	}
	return 0;
}

int eng_bundle_write(const struct eng_store *s, const char *id, json_t *rec, const char *rootfs,
		     struct berr **err)
{
	autofree char *dir = eng_container_path(s, id, NULL);
	struct owned_opts w = {0};
	opts_from_record(rec, &w);
	autoclose int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct eng_user u;
	int r = rootfd < 0 ? berr_set(err, errno, "open '%s'", rootfs)
			   : eng_user_for(rootfd, w.o.user, w.o.idmappings, w.o.workdir, &u, err);
	struct img_config none = {0};
	json_t *spec = r == 0 ? eng_bundle_spec(&w.o, &none, &u, id, rootfs, dir, err) : NULL;
	if (r == 0 && !spec)
		r = -EINVAL;
	json_t *plan = json_object_get(json_object_get(rec, "HostConfig"), "Mounts");
	if (r == 0)
		r = join_network(s, rec, spec, err);
	if (r == 0)
		eng_share_spec(rec, spec); /* --ipc host|none, --pid host */
	if (r == 0)
		r = eng_share_shm(s, id, rec, spec, err); /* shareable, container:X */
	if (r == 0)
		r = eng_pod_bundle(s, id, rec, spec, err); /* a pod's cgroup and /dev/shm */
	/* a VM's guest has cgroups and /run/host of its own making */
	if (r == 0 && w.o.systemd && !w.o.vm) {
		eng_systemd_unshadow(spec, plan);
		r = eng_systemd_host_check(err);
		if (r == 0)
			r = eng_systemd_host_files(dir, err);
	}
	if (r == 0) {
		eng_mounts_spec(s, plan, w.o.idmappings != NULL && !eng_rootless(),
				json_object_get(spec, "mounts"));
		r = eng_mounts_populate(s, plan, rootfs, err);
	}
	int64_t uid = eng_userns_host_id(json_object_get(w.o.idmappings, "UidMap"), 0);
	int64_t gid = eng_userns_host_id(json_object_get(w.o.idmappings, "GidMap"), 0);
	if (r == 0)
		r = eng_hosts_write(s, id, rec,
				    json_string_value(json_object_get(spec, "hostname")),
				    uid < 0 ? 0 : (uid_t)uid, gid < 0 ? 0 : (gid_t)gid, err);
	if (r == 0) {
		autofree char *path = xasprintf("%s/config.json", dir);
		r = json_replace_file(spec, path, err);
	}
	json_decref(spec);
	owned_clear(&w);
	return r;
}

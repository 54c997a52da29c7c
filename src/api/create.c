/* Docker's create request as struct eng_create (see create.h). */
#include "api/create.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/err.h"
#include "util/json.h"
#include "util/xalloc.h"

static char **keep(struct api_create_owned *o, char **v)
{
	if (v && o->n < sizeof(o->v) / sizeof(o->v[0]))
		o->v[o->n++] = v;
	return v;
}

void api_create_owned_free(struct api_create_owned *o)
{
	for (size_t i = 0; i < o->n; i++)
		strv_free(o->v[i]);
	free(o->restart);
	*o = (struct api_create_owned){0};
}

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* An array of strings (NULL when absent or null); EINVAL when it is something else. */
static int strv_at(json_t *o, const char *where, const char *key, struct api_create_owned *own,
		   char ***out, struct berr **err)
{
	*out = NULL;
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v))
		return 0;
	char **s = NULL;
	if (json_is_string(v)) { /* Docker's strslice: a string is a list of one */
		s = xcalloc(2, sizeof(*s));
		s[0] = xstrdup(json_string_value(v));
	} else {
		int r = json_opt_strv(o, where, key, &s, err);
		if (r < 0)
			return r;
	}
	*out = keep(own, s);
	return 0;
}

/* {"k": "v", ...} as "k=v" strings. */
static char **pairs(json_t *obj, struct api_create_owned *own)
{
	if (!json_is_object(obj) || !json_object_size(obj))
		return NULL;
	char **v = xcalloc(json_object_size(obj) + 1, sizeof(*v));
	size_t n = 0;
	const char *k;
	json_t *x;
	json_object_foreach(obj, k, x) v[n++] =
	    xasprintf("%s=%s", k, json_is_string(x) ? json_string_value(x) : "");
	return keep(own, v);
}

/* Whether a bind ("src:dst[:opts]") or a --mount ("...,target=dst,...") already has dst. */
static bool mounted_at(char *const *binds, char *const *mounts, const char *dst)
{
	size_t n = strlen(dst);
	for (; binds && *binds; binds++) {
		const char *d = strchr(*binds, ':');
		if (d && !strncmp(d + 1, dst, n) && (d[1 + n] == '\0' || d[1 + n] == ':'))
			return true;
	}
	for (; mounts && *mounts; mounts++) {
		for (const char *f = *mounts; f; f = strchr(f, ',') ? strchr(f, ',') + 1 : NULL) {
			const char *eq = strchr(f, '=');
			size_t k = eq ? (size_t)(eq - f) : 0;
			bool key = (k == 6 && !strncmp(f, "target", 6)) ||
				   (k == 11 && !strncmp(f, "destination", 11)) ||
				   (k == 3 && !strncmp(f, "dst", 3));
			if (key && !strncmp(eq + 1, dst, n) &&
			    (eq[1 + n] == '\0' || eq[1 + n] == ','))
				return true;
		}
	}
	return false;
}

/* Config.Volumes {"/data": {}}: anonymous volumes, as `-v /data` (the docker CLI sends its
 * -v without a source there); a Bind or a Mount at the same place wins, as dockerd's. */
static char **volumes_of(json_t *vols, char *const *binds, char *const *mounts,
			 struct api_create_owned *own)
{
	size_t nb = 0;
	while (binds && binds[nb])
		nb++;
	if (!json_is_object(vols) || !json_object_size(vols))
		return (char **)binds;
	char **v = xcalloc(nb + json_object_size(vols) + 1, sizeof(*v));
	size_t n = 0;
	for (size_t i = 0; i < nb; i++)
		v[n++] = xstrdup(binds[i]);
	const char *dst;
	json_t *x;
	json_object_foreach(vols, dst, x)
	{
		if (!mounted_at(binds, mounts, dst))
			v[n++] = xstrdup(dst);
	}
	return keep(own, v);
}

/* PortBindings {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]} as -p's "ip:host:80/tcp". */
static char **publish_of(json_t *bindings, struct api_create_owned *own)
{
	size_t n = 0, cap = 0;
	char **v = NULL;
	const char *port;
	json_t *list;
	json_object_foreach(bindings, port, list)
	{
		size_t i;
		json_t *b;
		json_array_foreach(list, i, b)
		{
			const char *ip = str(b, "HostIp"), *hp = str(b, "HostPort");
			if (n + 2 > cap)
				v = xrealloc(v, (cap = cap * 2 + 4) * sizeof(*v));
			v[n++] = ip && *ip ? xasprintf("%s:%s:%s", ip, hp ? hp : "", port)
					   : xasprintf("%s:%s", hp ? hp : "", port);
			v[n] = NULL;
		}
	}
	return keep(own, v);
}

/* HostConfig.Mounts as --mount specs. */
static char **mounts_of(json_t *mounts, struct api_create_owned *own)
{
	size_t n = json_array_size(mounts);
	if (!n)
		return NULL;
	char **v = xcalloc(n + 1, sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		json_t *m = json_array_get(mounts, i);
		const char *type = str(m, "Type"), *src = str(m, "Source"), *dst = str(m, "Target");
		json_t *tmpfs = json_object_get(m, "TmpfsOptions");
		autofree char *extra =
		    json_integer_value(json_object_get(tmpfs, "SizeBytes"))
			? xasprintf(",tmpfs-size=%lld", (long long)json_integer_value(
							    json_object_get(tmpfs, "SizeBytes")))
			: xstrdup("");
		v[i] = xasprintf(
		    "type=%s%s%s,target=%s%s%s", type ? type : "volume",
		    src && *src ? ",source=" : "", src && *src ? src : "", dst ? dst : "",
		    json_is_true(json_object_get(m, "ReadOnly")) ? ",readonly" : "", extra);
	}
	return keep(own, v);
}

/* HostConfig.Tmpfs {"/run": "size=64m"} as --tmpfs's "/run:size=64m". */
static char **tmpfs_of(json_t *obj, struct api_create_owned *own)
{
	if (!json_object_size(obj))
		return NULL;
	char **v = xcalloc(json_object_size(obj) + 1, sizeof(*v));
	size_t n = 0;
	const char *k;
	json_t *x;
	json_object_foreach(obj, k, x)
	{
		const char *o = json_string_value(x);
		v[n++] = o && *o ? xasprintf("%s:%s", k, o) : xstrdup(k);
	}
	return keep(own, v);
}

/* Ulimits [{"Name", "Soft", "Hard"}] as "name=soft:hard". */
static char **ulimits_of(json_t *list, struct api_create_owned *own)
{
	size_t n = json_array_size(list);
	if (!n)
		return NULL;
	char **v = xcalloc(n + 1, sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		json_t *u = json_array_get(list, i);
		v[i] = xasprintf("%s=%lld:%lld", str(u, "Name") ? str(u, "Name") : "",
				 (long long)json_integer_value(json_object_get(u, "Soft")),
				 (long long)json_integer_value(json_object_get(u, "Hard")));
	}
	return keep(own, v);
}

/* Devices [{"PathOnHost", "PathInContainer", "CgroupPermissions"}] as --device's form. */
static char **devices_of(json_t *list, struct api_create_owned *own)
{
	size_t n = json_array_size(list);
	if (!n)
		return NULL;
	char **v = xcalloc(n + 1, sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		json_t *d = json_array_get(list, i);
		const char *h = str(d, "PathOnHost"), *c = str(d, "PathInContainer"),
			   *p = str(d, "CgroupPermissions");
		v[i] = xasprintf("%s:%s:%s", h ? h : "", c && *c ? c : (h ? h : ""),
				 p && *p ? p : "rwm");
	}
	return keep(own, v);
}

/* ExposedPorts {"80/tcp": {}} as --expose's "80/tcp". */
static char **keys_of(json_t *obj, struct api_create_owned *own)
{
	if (!json_object_size(obj))
		return NULL;
	char **v = xcalloc(json_object_size(obj) + 1, sizeof(*v));
	size_t n = 0;
	const char *k;
	json_t *x;
	json_object_foreach(obj, k, x) v[n++] = xstrdup(k);
	(void)x;
	return keep(own, v);
}

/* ContainerConfig: the command, its environment and the container's settings. */
static int decode_config(json_t *cfg, struct eng_create *c, struct api_create_owned *own,
			 struct berr **err)
{
	c->image = str(cfg, "Image");
	if (!c->image || !*c->image)
		return berr_plain(err, EINVAL, "config: Image is required");
	struct eng_run_opts *o = &c->run;
	char **entry = NULL;
	int r = strv_at(cfg, "", "Cmd", own, (char ***)&o->cmd, err);
	if (r == 0)
		r = strv_at(cfg, "", "Env", own, (char ***)&o->env, err);
	if (r == 0)
		r = strv_at(cfg, "", "Entrypoint", own, &entry, err);
	if (r < 0)
		return r;
	/* the first word as --entrypoint's, the rest as words of the same entrypoint */
	if (json_object_get(cfg, "Entrypoint") &&
	    !json_is_null(json_object_get(cfg, "Entrypoint"))) {
		o->entrypoint = entry && entry[0] ? entry[0] : "";
		o->entrypoint_rest = entry && entry[0] ? entry + 1 : NULL;
	}
	o->workdir =
	    str(cfg, "WorkingDir") && *str(cfg, "WorkingDir") ? str(cfg, "WorkingDir") : NULL;
	o->user = str(cfg, "User") && *str(cfg, "User") ? str(cfg, "User") : NULL;
	o->hostname = str(cfg, "Hostname") && *str(cfg, "Hostname") ? str(cfg, "Hostname") : NULL;
	o->tty = json_is_true(json_object_get(cfg, "Tty"));
	o->interactive = json_is_true(json_object_get(cfg, "OpenStdin"));
	o->labels = pairs(json_object_get(cfg, "Labels"), own);
	o->stop_signal = str(cfg, "StopSignal");
	c->attach_stdin = json_is_true(json_object_get(cfg, "AttachStdin"));
	c->attach_stdout = json_is_true(json_object_get(cfg, "AttachStdout"));
	c->attach_stderr = json_is_true(json_object_get(cfg, "AttachStderr"));
	json_t *timeout = json_object_get(cfg, "StopTimeout");
	c->stop_timeout = json_is_integer(timeout) ? (int)json_integer_value(timeout) : -1;
	c->expose = keys_of(json_object_get(cfg, "ExposedPorts"), own);
	json_t *health = json_object_get(cfg, "Healthcheck");
	c->healthcheck = json_is_object(health) ? health : NULL;
	return 0;
}

/* HostConfig's lists of strings, and what SecurityOpt asks (no-new-privileges, seccomp). */
static int host_lists(json_t *hc, struct eng_create *c, struct api_create_owned *own,
		      struct berr **err)
{
	struct eng_run_opts *o = &c->run;
	int r = strv_at(hc, "HostConfig", "Binds", own, (char ***)&c->volumes, err);
	if (r == 0)
		r = strv_at(hc, "HostConfig", "CapAdd", own, (char ***)&o->cap_add, err);
	if (r == 0)
		r = strv_at(hc, "HostConfig", "CapDrop", own, (char ***)&o->cap_drop, err);
	if (r == 0)
		r = strv_at(hc, "HostConfig", "Dns", own, (char ***)&c->dns, err);
	if (r == 0)
		r = strv_at(hc, "HostConfig", "DnsSearch", own, (char ***)&c->dns_search, err);
	if (r == 0)
		r = strv_at(hc, "HostConfig", "DnsOptions", own, (char ***)&c->dns_options, err);
	if (r == 0)
		r = strv_at(hc, "HostConfig", "ExtraHosts", own, (char ***)&c->add_hosts, err);
	if (r == 0)
		r = strv_at(hc, "HostConfig", "VolumesFrom", own, (char ***)&c->volumes_from, err);
	char **secopt = NULL;
	if (r == 0)
		r = strv_at(hc, "HostConfig", "SecurityOpt", own, &secopt, err);
	if (r < 0)
		return r;
	for (char **s = secopt; s && *s; s++) {
		if (!strncmp(*s, "no-new-privileges", 17))
			o->no_new_privileges =
			    strcmp(*s + 17, ":false") && strcmp(*s + 17, "=false");
		else if (!strncmp(*s, "seccomp=", 8) || !strncmp(*s, "seccomp:", 8))
			o->seccomp = *s + 8;
		else
			return berr_plain(err, EINVAL, "unsupported security option '%s'", *s);
	}
	return 0;
}

/* RestartPolicy, Isolation, berth's VmTemplate and the namespace modes. */
static void host_modes(json_t *hc, struct eng_create *c, struct api_create_owned *own)
{
	json_t *rp = json_object_get(hc, "RestartPolicy");
	const char *rname = str(rp, "Name");
	long long retries = json_integer_value(json_object_get(rp, "MaximumRetryCount"));
	if (rname && *rname) {
		own->restart = retries > 0 && !strcmp(rname, "on-failure")
				   ? xasprintf("%s:%lld", rname, retries)
				   : xstrdup(rname);
		c->restart = own->restart;
	}
	const char *iso = str(hc, "Isolation");
	c->isolation = iso && *iso && strcmp(iso, "default") ? iso : NULL;
	/* berth's own (inspect shows it): a VM from a template or cold; absent, the engine's
	 * default */
	json_t *tpl = json_object_get(hc, "VmTemplate");
	c->vm_template = json_is_boolean(tpl) ? (json_is_true(tpl) ? 1 : -1) : 0;
	/* "" is the daemon's default, as no --ipc/--pid (engine/share.h checks the rest) */
	const char *ipc = str(hc, "IpcMode"), *pid = str(hc, "PidMode");
	c->ipc = ipc && *ipc ? ipc : NULL;
	c->pid = pid && *pid ? pid : NULL;
	const char *userns = str(hc, "UsernsMode");
	c->userns.mode = userns && *userns ? userns : NULL;
}

/* HostConfig, and the endpoint of its NetworkMode's network in NetworkingConfig. */
static int decode_host(json_t *cfg, json_t *hc, struct eng_create *c, struct api_create_owned *own,
		       struct berr **err)
{
	struct eng_run_opts *o = &c->run;
	int r = host_lists(hc, c, own, err);
	if (r < 0)
		return r;
	const char *net = str(hc, "NetworkMode");
	/* "" and "default" are nothing asked: the engine's default (rootless.h) */
	o->network = net && *net && strcmp(net, "default") ? net : NULL;
	c->publish = publish_of(json_object_get(hc, "PortBindings"), own);
	c->publish_all = json_is_true(json_object_get(hc, "PublishAllPorts"));
	c->mounts = (char *const *)mounts_of(json_object_get(hc, "Mounts"), own);
	c->tmpfs = (char *const *)tmpfs_of(json_object_get(hc, "Tmpfs"), own);
	c->volumes =
	    (char *const *)volumes_of(json_object_get(cfg, "Volumes"), c->volumes, c->mounts, own);
	o->ulimits = ulimits_of(json_object_get(hc, "Ulimits"), own);
	o->sysctls = pairs(json_object_get(hc, "Sysctls"), own);
	o->devices = devices_of(json_object_get(hc, "Devices"), own);
	eng_host_config_limits(hc, o);
	o->init = json_is_true(json_object_get(hc, "Init"));
	c->auto_remove = json_is_true(json_object_get(hc, "AutoRemove"));
	host_modes(hc, c, own);
	/* NetworkingConfig: the aliases and address on the network of NetworkMode */
	json_t *ep = json_object_get(
	    json_object_get(json_object_get(cfg, "NetworkingConfig"), "EndpointsConfig"),
	    o->network ? o->network : "bridge");
	if (json_is_object(ep)) {
		r = strv_at(ep, "EndpointsConfig", "Aliases", own, (char ***)&c->aliases, err);
		const char *ip = str(json_object_get(ep, "IPAMConfig"), "IPv4Address");
		c->ip = ip && *ip ? ip : NULL;
	}
	return r;
}

int api_create_decode(json_t *cfg, struct eng_create *c, struct api_create_owned *own,
		      struct berr **err)
{
	/* dockerd has no systemd mode: an /sbin/init command gets none of it (nor the terminal
	 * systemd mode gives, which would change the attach and logs framing a client reads) */
	c->systemd = "false";
	int r = decode_config(cfg, c, own, err);
	json_t *hc = json_object_get(cfg, "HostConfig");
	return r < 0 || !json_is_object(hc) ? r : decode_host(cfg, hc, c, own, err);
}

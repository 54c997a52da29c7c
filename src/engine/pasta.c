/* pasta or slirp4netns for a container, pasta for the rootless network namespace (see
 * pasta.h). */
#include "engine/pasta.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/port.h"
#include "engine/portfwd.h"
#include "engine/slirp.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/pidfile.h"
#include "util/spawn.h"
#include "util/xalloc.h"

#define PASTA_ARGS_MAX 64

bool eng_pasta_mode(const char *mode)
{
	return mode && (!strcmp(mode, "pasta") || eng_slirp_mode(mode));
}

bool eng_pasta_available(void)
{
	return eng_usermode_available("pasta");
}

int eng_usermode_check(const char *mode, struct berr **err)
{
	struct eng_slirp_opts o;
	if (mode && !strncmp(mode, "pasta:", 6))
		return berr_plain(err, EINVAL,
				  "invalid network mode '%s': berth takes no options for pasta "
				  "(it forwards the ports of -p)",
				  mode);
	if (eng_slirp_mode(mode) && eng_slirp_parse(mode, &o, err) < 0)
		return berr_wrap(err, "--network %s", mode);
	return 0;
}

static char *dir_of(const struct eng_store *s, const char *id)
{
	return xasprintf("%s/%s", s->runroot, id);
}

/* The namespace at <runroot>/<id>/netns (a bind of /proc/PID/ns/net). */
static int bind_netns(const char *dir, pid_t pid, struct berr **err)
{
	if (fs_mkdir_p(dir, 0700, err) < 0)
		return -EIO;
	autofree char *file = xasprintf("%s/netns", dir);
	autofree char *src = xasprintf("/proc/%d/ns/net", (int)pid);
	(void)umount2(file, MNT_DETACH);
	autoclose int fd = open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0)
		return berr_set(err, errno, "create '%s'", file);
	if (mount(src, file, NULL, MS_BIND, NULL) < 0)
		return berr_set(err, errno, "bind the network namespace at '%s'", file);
	return 0;
}

/* Run pasta; it configures the namespace, forks its daemon (pid in pidfile) and returns.
 * Its complaint goes in the error. */
static int run_pasta(char *const argv[], struct berr **err)
{
	/* the daemon outlives us: nothing of ours but stdio (close_others), and not the
	 * monitor's blocked signals (SIGTERM, which stops it, among them: spawn clears them) */
	struct spawn_opts o = {
	    .argv = (const char *const *)argv, .err_max = 511, .close_others = true};
	struct spawn_result res;
	int r = spawn_run(&o, &res, NULL);
	if (r == 0) {
		spawn_result_free(&res);
		return 0;
	}
	if (res.not_found)
		r = berr_plain(err, ENOENT,
			       "--network pasta: pasta is not installed (Debian's package passt)");
	else /* its last line says why ("Failed to send ... to syslog" may come first) */
		r = berr_plain(err, EIO,
			       "--network pasta: %s (pasta copies the host's addresses and default "
			       "route into the container)",
			       *res.err ? spawn_last_line(res.err) : "pasta failed");
	spawn_result_free(&res);
	return r;
}

int eng_usermode_ports(json_t *rec, struct eng_port_hold **out, size_t *out_n,
		       json_t **out_settings, struct berr **err)
{
	json_t *hc = json_object_get(rec, "HostConfig");
	json_t *bindings = json_object_get(hc, "PortBindings");
	json_t *exposed = json_object_get(json_object_get(rec, "Config"), "ExposedPorts");
	bool all = json_is_true(json_object_get(hc, "PublishAllPorts"));
	*out = NULL;
	*out_n = 0;
	int r = 0;
	if (json_object_size(bindings) || all)
		r = eng_port_reserve(bindings, json_is_object(exposed) ? exposed : NULL, all, false,
				     out, out_n, err);
	/* Docker's rootless documentation names the same knob */
	if (r < 0 && berr_code(*err) == EACCES)
		return berr_wrap(err,
				 "publish ports: a port below 1024 needs privilege on the host "
				 "(as root, 'sysctl net.ipv4.ip_unprivileged_port_start=N' "
				 "lets users bind from N on)");
	if (r < 0)
		return r;
	*out_settings = eng_port_settings(exposed, bindings, *out, *out_n);
	return 0;
}

/* slirp4netns for the container, and berth's forwarder for its ports (podman's
 * port_handler=rootlesskit: a process that holds the host's ports and connects to the
 * container's 10.0.2.100 from inside its namespace). */
static int slirp_attach(const char *dir, const char *mode, pid_t pid, struct eng_port_hold *h,
			size_t n, struct berr **err)
{
	struct eng_slirp_opts o;
	int r = eng_slirp_parse(mode, &o, err);
	autofree char *ns = xasprintf("%s/netns", dir);
	autofree char *pidfile = xasprintf("%s/slirp4netns.pid", dir);
	autofree char *fwdfile = xasprintf("%s/portfwd.pid", dir);
	if (r == 0)
		r = bind_netns(dir, pid, err);
	if (r == 0)
		r = eng_slirp_start(ns, &o, pidfile, err);
	if (r < 0 || !n)
		return r < 0 ? berr_wrap(err, "--network %s", mode) : 0;
	char guest[48];
	eng_slirp_guest_addr(&o, guest);
	autoclose int nsfd = open(ns, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return berr_set(err, errno, "open '%s'", ns);
	return eng_portfwd_start(h, n, nsfd, guest, NULL, fwdfile, err);
}

int eng_pasta_attach(const struct eng_store *s, const char *id, json_t *rec, pid_t pid,
		     json_t **out_settings, struct berr **err)
{
	struct eng_port_hold *h = NULL;
	size_t n = 0;
	json_t *settings = NULL;
	/* the ports chosen (a free one where none is given), then let go for pasta to take */
	int r = eng_usermode_ports(rec, &h, &n, &settings, err);
	if (r < 0)
		return r;
	autofree char *dir = dir_of(s, id);
	const char *mode =
	    json_string_value(json_object_get(json_object_get(rec, "HostConfig"), "NetworkMode"));
	if (eng_slirp_mode(mode)) {
		r = slirp_attach(dir, mode, pid, h, n, err);
		eng_port_release(h, n);
		if (r < 0) {
			json_decref(settings);
			eng_pasta_detach(s, id);
			return r;
		}
		*out_settings = settings;
		return 0;
	}
	char tcp[1024], udp[1024];
	eng_port_specs(h, n, tcp, udp, sizeof(tcp));
	eng_port_release(h, n);
	autofree char *ns = xasprintf("%s/netns", dir);
	autofree char *pidfile = xasprintf("%s/pasta.pid", dir);
	r = bind_netns(dir, pid, err);
	char *argv[] = {
	    "pasta",       "--config-net", "--quiet", "--netns", ns,      "--netns-only",
	    "--no-map-gw", "-t",           tcp,       "-u",      udp,     "-T",
	    "none",        "-U",           "none",    "-P",      pidfile, NULL};
	if (r == 0)
		r = run_pasta(argv, err);
	if (r < 0) {
		json_decref(settings);
		eng_pasta_detach(s, id);
		return r;
	}
	*out_settings = settings;
	return 0;
}

void eng_pasta_detach(const struct eng_store *s, const char *id)
{
	autofree char *dir = dir_of(s, id);
	autofree char *pidfile = xasprintf("%s/pasta.pid", dir);
	autofree char *ns = xasprintf("%s/netns", dir);
	/* pasta's own pid file (or a rootless VM's passt's, engine/passt.c): it ends on
	 * SIGTERM; only while the number is still one of theirs */
	static const char *const names[] = {"pasta", "passt", NULL};
	pidfile_kill(pidfile, names, SIGTERM, false);
	autofree char *fwd = xasprintf("%s/portfwd.pid", dir);
	autofree char *slirp = xasprintf("%s/slirp4netns.pid", dir);
	eng_portfwd_stop(fwd);
	eng_slirp_stop(slirp);
	(void)umount2(ns, MNT_DETACH);
	(void)unlink(ns);
}

int eng_pasta_start_ns(const char *ns_path, const char *pidfile, struct berr **err)
{
	char *argv[] = {
	    "pasta",       "--config-net", "--quiet", "--netns", (char *)ns_path, "--netns-only",
	    "--no-map-gw", "-t",           "none",    "-u",      "none",          "-T",
	    "none",        "-U",           "none",    "-P",      (char *)pidfile, NULL};
	return run_pasta(argv, err);
}

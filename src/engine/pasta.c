/* pasta or slirp4netns for a container, pasta for the rootless network namespace (see
 * pasta.h). */
#include "engine/pasta.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/port.h"
#include "engine/portfwd.h"
#include "engine/slirp.h"
#include "net/netlink.h"
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

/* pasta's failure as our error: not installed, or its last line of stderr (the one that says
 * why: "Failed to send ... to syslog" may come first). */
static int pasta_failed(int r, struct spawn_result *res, struct berr **err)
{
	if (res->not_found)
		r = berr_plain(err, ENOENT,
			       "--network pasta: pasta is not installed (Debian's package passt)");
	else if (r < 0)
		r = berr_plain(err, EIO,
			       "--network pasta: %s (pasta copies the host's addresses and default "
			       "route into the container)",
			       *res->err ? spawn_last_line(res->err) : "pasta failed");
	spawn_result_free(res);
	return r;
}

/* Whether the host has a default route of family (not the loopback's "unreachable" one of
 * IPv6): pasta configures that family in the namespace when it has (--config-net). */
static bool host_default_route(int family)
{
	autofclose FILE *f =
	    fopen(family == AF_INET ? "/proc/net/route" : "/proc/net/ipv6_route", "re");
	char line[512], dev[64];
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		char dst[40];
		unsigned plen = 0;
		if (family == AF_INET && sscanf(line, "%63s %39s", dev, dst) == 2 &&
		    !strcmp(dst, "00000000"))
			return true;
		if (family == AF_INET6 &&
		    sscanf(line, "%39s %x %*s %*s %*s %*s %*s %*s %*s %63s", dst, &plen, dev) ==
			3 &&
		    plen == 0 && strspn(dst, "0") == 32 && strcmp(dev, "lo"))
			return true;
	}
	return false;
}

/* A route socket in the container's namespace, told of new routes (made there: net_ns_fd). */
static int route_socket(void *ctx)
{
	(void)ctx;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK,
				 .nl_groups = RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE};
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		(void)close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* The default routes that came on fd (bit 0: IPv4's, bit 1: IPv6's). */
static unsigned routes_seen(int fd)
{
	unsigned seen = 0;
	char buf[8192] __attribute__((aligned(4)));
	ssize_t n;
	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			const struct rtmsg *rt = NLMSG_DATA(h);
			if (h->nlmsg_type != RTM_NEWROUTE ||
			    h->nlmsg_len < NLMSG_LENGTH(sizeof(*rt)) || rt->rtm_dst_len ||
			    rt->rtm_table != RT_TABLE_MAIN)
				continue;
			seen |= rt->rtm_family == AF_INET    ? 1u
				: rt->rtm_family == AF_INET6 ? 2u
							     : 0;
		}
	}
	return seen;
}

/* Until pasta's first process ends (its daemon forked, or its failure), or, sooner, until
 * the namespace has the default routes pasta sets last in its configuration (want: the
 * families the host has): from there the container may run, its first packets waiting in
 * the TAP's queue for the daemon. What pasta does after (its socket pools and sandbox, about
 * half of its start) then overlaps the container's start. Its first process, not waited
 * for, is left for the caller's reaping (the monitor's waitpid(-1, ...)); pasta ignores
 * SIGPIPE, so the stderr pipe we close cannot kill it. */
static int wait_configured(struct spawn_proc *p, int nl, unsigned want, int *out_pidfd,
			   struct berr **err)
{
	unsigned seen = 0;
	for (int i = 0; i < 30 && p->pidfd >= 0; i++) {
		struct pollfd pf[2] = {{.fd = p->pidfd, .events = POLLIN},
				       {.fd = nl, .events = POLLIN}};
		if (poll(pf, 2, 1000) < 0 && errno != EINTR)
			break;
		if (pf[0].revents) /* it ended first: its status tells */
			break;
		seen |= routes_seen(nl);
		if ((seen & want) == want) {
			*out_pidfd = p->pidfd; /* for detach to wait on (pasta_starting) */
			p->pidfd = -1;
			spawn_proc_close(p);
			return 0;
		}
	}
	struct spawn_result res;
	int r = spawn_finish(p, &res, err);
	return pasta_failed(r, &res, err);
}

/* pasta's AVX2 build where the CPU has AVX2 (pasta.avx2, a link to passt.avx2 installed
 * beside pasta): pasta would exec it itself, a second exec and dynamic link before it
 * configures anything (about 2 ms of CPU before the routes here); pasta elsewhere. */
static const char *pasta_program(void)
{
#if defined(__x86_64__)
	if (__builtin_cpu_supports("avx2") && eng_usermode_available("pasta.avx2"))
		return "pasta.avx2";
#endif
	return "pasta";
}

/* Run pasta (argv[0] becomes pasta_program()'s name); it configures the namespace, forks its
 * daemon (pid in pidfile) and returns.
 * Its complaint goes in the error. With nsfd (>= 0, the namespace it configures, and no
 * ports of ours to bind: their failure comes after the routes), return once the routes are
 * there (wait_configured), *out_pidfd then pasta's first process, still at its start. */
static int run_pasta(char *argv[], int nsfd, int *out_pidfd, struct berr **err)
{
	argv[0] = (char *)pasta_program();
	/* the daemon outlives us: nothing of ours but stdio (close_others), and not the
	 * monitor's blocked signals (SIGTERM, which stops it, among them: spawn clears them) */
	struct spawn_opts o = {
	    .argv = (const char *const *)argv, .err_max = 511, .close_others = true};
	unsigned want =
	    (host_default_route(AF_INET) ? 1u : 0) | (host_default_route(AF_INET6) ? 2u : 0);
	autoclose int nl =
	    nsfd >= 0 && want ? net_ns_fd(nsfd, route_socket, NULL, "route socket", NULL) : -1;
	struct spawn_proc p;
	spawn_start(&o, &p);
	if (nl >= 0 && p.r == 0 && p.pidfd >= 0)
		return wait_configured(&p, nl, want, out_pidfd, err);
	struct spawn_result res;
	int r = spawn_finish(&p, &res, err);
	return pasta_failed(r, &res, err);
}

/* pasta's first process, when the monitor went on before it ended (wait_configured): detach
 * waits for it, the daemon's pid file being written at its end. One container per monitor. */
static struct {
	int pidfd;
	char dir[4096];
} starting = {.pidfd = -1};

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
	autoclose int nsfd = r == 0 && !n ? open(ns, O_RDONLY | O_CLOEXEC) : -1;
	char *argv[] = {
	    "pasta",       "--config-net", "--quiet", "--netns", ns,      "--netns-only",
	    "--no-map-gw", "-t",           tcp,       "-u",      udp,     "-T",
	    "none",        "-U",           "none",    "-P",      pidfile, NULL};
	if (r == 0)
		r = run_pasta(argv, nsfd, &starting.pidfd, err);
	if (r == 0 && starting.pidfd >= 0)
		snprintf(starting.dir, sizeof(starting.dir), "%s", dir);
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
	/* A pasta still at its start (wait_configured) is killed: what it had left to do (its
	 * socket pools, sandbox and daemon, 15 ms of CPU here) is for a container that is gone,
	 * and, let run, it could write its pid file after the directory was cleaned, which then
	 * stayed (after 5 of 100 run --rm on a busy machine). A daemon it forked already ends
	 * as the namespace's file goes (below), or on SIGTERM by its pid file. */
	if (starting.pidfd >= 0 && !strcmp(starting.dir, dir)) {
		(void)syscall(SYS_pidfd_send_signal, starting.pidfd, SIGKILL, NULL, 0);
		(void)close(starting.pidfd);
		starting.pidfd = -1;
	}
	/* The namespace's file goes first: pasta's daemon watches its directory and ends when
	 * the file goes (--netns without --no-netns-quit), but Debian 12's pasta looks at the
	 * first event of each read only, and the pid file's removal just before hid this one:
	 * a daemon whose pid file was not written yet then ran on for good. */
	(void)umount2(ns, MNT_DETACH);
	(void)unlink(ns);
	autofree char *fwd = xasprintf("%s/portfwd.pid", dir);
	autofree char *slirp = xasprintf("%s/slirp4netns.pid", dir);
	eng_portfwd_stop(fwd);
	eng_slirp_stop(slirp);
	/* pasta's own pid file (or a rootless VM's passt's, engine/passt.c): it ends on
	 * SIGTERM; only while the number is still one of theirs. Its end is not waited for:
	 * its namespaces and buffers torn down take it 40 to 60 ms here, which it spends
	 * while the container is removed (podman 5 leaves pasta to end on its own too). */
	static const char *const names[] = {"pasta", "passt", NULL};
	pidfile_kill(pidfile, names, SIGTERM, false);
}

int eng_pasta_start_ns(const char *ns_path, const char *pidfile, struct berr **err)
{
	char *argv[] = {
	    "pasta",       "--config-net", "--quiet", "--netns", (char *)ns_path, "--netns-only",
	    "--no-map-gw", "-t",           "none",    "-u",      "none",          "-T",
	    "none",        "-U",           "none",    "-P",      (char *)pidfile, NULL};
	int none = -1;
	return run_pasta(argv, -1, &none, err);
}

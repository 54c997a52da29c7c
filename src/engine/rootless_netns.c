/* The rootless network namespace (see rootless_netns.h). What keeps it safe: it is made by
 * the user inside the user's own user namespace, which owns it, so the capabilities berth has
 * there reach nothing of the host's; setns(2) refuses it to anyone else. The holder's pid
 * file is trusted only for a live process that started when the file says and whose network
 * namespace is the bound one. */
#include "engine/rootless_netns.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/container.h"
#include "engine/pasta.h"
#include "engine/port.h"
#include "engine/portfwd.h"
#include "engine/slirp.h"
#include "net/link.h"
#include "runtime/state.h"
#include "util/cleanup.h"
#include "util/daemon.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"

#define USERS_MAX 4096

static char *rl_path(const struct eng_store *s, const char *file)
{
	return file ? xasprintf("%s/rootless-netns/%s", s->runroot, file)
		    : xasprintf("%s/rootless-netns", s->runroot);
}

static int rl_lock(const struct eng_store *s, struct berr **err)
{
	autofree char *p = xasprintf("%s/rootless-netns.lock", s->runroot);
	return fs_lock(p, err);
}

bool eng_rlnet_possible(void)
{
	return eng_pasta_available() || eng_slirp_available();
}

/* ---- the holder ---- */

/* The holder the pid file names, if it is still that process (its start time as written). */
static pid_t holder_pid(const struct eng_store *s)
{
	autofree char *pidfile = rl_path(s, "holder.pid");
	autofree char *text = NULL;
	int pid;
	unsigned long long start;
	if (fs_read_file(AT_FDCWD, pidfile, 256, &text, NULL, NULL) < 0 ||
	    sscanf(text, "%d %llu", &pid, &start) != 2 || pid <= 0 ||
	    rt_proc_start_time(pid) != start)
		return 0;
	return pid;
}

/* The holder, if it is alive and holds the bound namespace (a pause process that was killed
 * took its mount namespace, and the bind, with it). */
static pid_t holder_alive(const struct eng_store *s)
{
	autofree char *ns = rl_path(s, "net");
	pid_t pid = holder_pid(s);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	struct stat a, b;
	if (!pid || stat(path, &a) < 0 || stat(ns, &b) < 0 || a.st_ino != b.st_ino ||
	    a.st_dev != b.st_dev)
		return 0;
	return pid;
}

/* The holder's life: its own network namespace, then asleep until killed, holding nothing of
 * its parent's (a test's pipe would stay open). */
static _Noreturn void holder(int sock)
{
	char c = unshare(CLONE_NEWNET) == 0 ? 'k' : 'E';
	int e = errno;
	if (write(sock, &c, 1) != 1 || c == 'E' || read(sock, &c, 1) != 1)
		_exit(e ? e : 1);
	if (daemon_detach() < 0)
		_exit(1);
	daemon_sleep("berth-netns");
}

/* The holder started and its namespace bound at ns; its pid file written. */
static int start_holder(const struct eng_store *s, const char *ns, struct berr **err)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return berr_set(err, errno, "socketpair");
	pid_t pid = fork();
	if (pid == 0) {
		(void)close(sv[0]);
		holder(sv[1]);
	}
	(void)close(sv[1]);
	autoclose int sock = sv[0];
	if (pid < 0)
		return berr_set(err, errno, "fork the rootless network namespace's holder");
	char c = 0;
	int r = read(sock, &c, 1) == 1 && c == 'k'
		    ? 0
		    : berr_plain(err, EIO, "the holder could not make a network namespace");
	autofree char *src = xasprintf("/proc/%d/ns/net", (int)pid);
	autoclose int fd = r == 0 ? open(ns, O_CREAT | O_WRONLY | O_CLOEXEC, 0600) : -1;
	if (r == 0 && (fd < 0 || mount(src, ns, NULL, MS_BIND, NULL) < 0))
		r = berr_set(err, errno, "bind the rootless network namespace at '%s'", ns);
	autofree char *pidfile = rl_path(s, "holder.pid");
	char text[64];
	int len = snprintf(text, sizeof(text), "%d %llu\n", (int)pid,
			   (unsigned long long)rt_proc_start_time(pid));
	if (r == 0)
		r = fs_write_file_atomic(pidfile, text, (size_t)len, 0600, err);
	if (r == 0 && write(sock, "g", 1) != 1)
		r = berr_set(err, errno, "tell the holder");
	if (r < 0) {
		(void)kill(pid, SIGKILL);
		(void)waitpid(pid, NULL, 0);
	}
	return r;
}

/* ---- the namespace ---- */

static void stop_helpers(const struct eng_store *s)
{
	autofree char *pasta = rl_path(s, "pasta.pid");
	autofree char *slirp = rl_path(s, "slirp4netns.pid");
	autofree char *text = NULL;
	int pid = 0;
	if (fs_read_file(AT_FDCWD, pasta, 64, &text, NULL, NULL) == 0 &&
	    sscanf(text, "%d", &pid) == 1 && pid > 1)
		(void)kill(pid, SIGTERM);
	(void)unlink(pasta);
	eng_slirp_stop(slirp);
}

/* Everything of the namespace's gone (under the lock). The firewall markers of the networks
 * (endpoint.c's) go too: a new namespace numbers its bridges from the start again. */
static void remove_ns(const struct eng_store *s)
{
	stop_helpers(s);
	pid_t pid = holder_pid(s);
	if (pid > 0)
		(void)kill(pid, SIGKILL);
	autofree char *ns = rl_path(s, "net");
	(void)umount2(ns, MNT_DETACH);
	autofree char *dir = rl_path(s, NULL);
	(void)fs_rm_rf(AT_FDCWD, dir, NULL);
	autofree char *markers = xasprintf("%s/networks", s->runroot);
	(void)fs_rm_rf(AT_FDCWD, markers, NULL);
}

/* Its way out: pasta, else slirp4netns (as podman 4's default). */
static int start_way_out(const struct eng_store *s, const char *ns, struct berr **err)
{
	if (eng_pasta_available()) {
		autofree char *pidfile = rl_path(s, "pasta.pid");
		return eng_pasta_start_ns(ns, pidfile, err);
	}
	struct eng_slirp_opts o = {.mtu = 65520};
	autofree char *pidfile = rl_path(s, "slirp4netns.pid");
	return eng_slirp_start(ns, &o, pidfile, err);
}

/* The namespace, made if it is not there (under the lock); its fd. */
static int ensure_ns(const struct eng_store *s, struct berr **err)
{
	autofree char *ns = rl_path(s, "net");
	if (holder_alive(s) > 0) {
		int fd = open(ns, O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			return fd;
	}
	/* what a holder that was killed (or a pause process that went) left */
	remove_ns(s);
	if (!eng_rlnet_possible())
		return berr_plain(err, ENOENT,
				  "rootless: user networks need pasta (Debian's passt) or "
				  "slirp4netns for their way out, and neither is installed");
	autofree char *users = rl_path(s, "users");
	int r = fs_mkdir_p(users, 0700, err);
	if (r < 0)
		return r;
	r = start_holder(s, ns, err);
	autoclose int fd = r == 0 ? open(ns, O_RDONLY | O_CLOEXEC) : -1;
	if (r == 0 && fd < 0)
		r = berr_set(err, errno, "open '%s'", ns);
	if (r == 0)
		r = net_loopback_up(fd, err);
	if (r == 0)
		r = start_way_out(s, ns, err);
	if (r < 0) {
		remove_ns(s);
		return berr_wrap(err, "rootless network namespace");
	}
	return take_fd(&fd);
}

/* Whether a container still uses the namespace: a mark of a container that exists and runs
 * (or is starting: its mark is made before its state says so) other than skip's. Marks of
 * containers that are gone are dropped. */
static bool in_use(const struct eng_store *s, const char *skip, bool only_running)
{
	autofree char *dir = rl_path(s, "users");
	autoclosedir DIR *d = opendir(dir);
	struct dirent *de;
	bool used = false;
	for (int n = 0; d && (de = readdir(d)) && n < USERS_MAX; n++) {
		if (de->d_name[0] == '.' || (skip && !strcmp(de->d_name, skip)))
			continue;
		autofree char *rec = eng_container_path(s, de->d_name, "container.json");
		bool live = access(rec, F_OK) == 0;
		if (live && only_running) {
			json_t *st = eng_state_load(s, de->d_name);
			live = json_is_true(json_object_get(st, "Running"));
			json_decref(st);
		}
		if (live) {
			used = true;
			continue;
		}
		(void)unlinkat(dirfd(d), de->d_name, 0);
	}
	return used;
}

/* ---- a container ---- */

/* rec without its published ports (the forwarder's, not the firewall's inside). */
static json_t *without_ports(json_t *rec)
{
	json_t *bare = json_deep_copy(rec);
	json_t *hc = json_object_get(bare, "HostConfig");
	json_object_del(hc, "PortBindings");
	json_object_del(hc, "PublishAllPorts");
	return bare;
}

/* inside(ctx) in a child that has joined nsfd; its error sent home. */
static int run_inside(int nsfd, eng_rlnet_inside_fn inside, void *ctx, json_t *rec,
		      struct berr **err)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return berr_set(err, errno, "pipe");
	pid_t pid = fork();
	if (pid == 0) {
		(void)close(p[0]);
		struct berr *e = NULL;
		char msg[512] = "";
		int r = setns(nsfd, CLONE_NEWNET) < 0
			    ? berr_set(&e, errno, "join the rootless network namespace")
			    : inside(ctx, rec, &e);
		if (r < 0) {
			autofree char *text = berr_string(e);
			snprintf(msg, sizeof(msg), "%s", text ? text : "");
		}
		int code = r < 0 ? -r : 0;
		(void)!write(p[1], &code, sizeof(code));
		(void)!write(p[1], msg, strlen(msg));
		_exit(r < 0);
	}
	(void)close(p[1]);
	autoclose int rd = p[0];
	if (pid < 0)
		return berr_set(err, errno, "fork");
	int code = EIO;
	char msg[512] = "";
	ssize_t got = read(rd, &code, sizeof(code));
	ssize_t len = got == sizeof(code) ? read(rd, msg, sizeof(msg) - 1) : 0;
	msg[len > 0 ? len : 0] = '\0';
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (got == sizeof(code) && code == 0)
		return 0;
	return berr_plain(err, code ? code : EIO, "%s", *msg ? msg : "inside the namespace");
}

/* The container's first address of each family, for the forwarder. */
static void first_addrs(json_t *rec, const char **a4, const char **a6)
{
	json_t *nets = json_object_get(json_object_get(rec, "NetworkSettings"), "Networks");
	const char *k;
	json_t *n;
	*a4 = *a6 = NULL;
	json_object_foreach(nets, k, n)
	{
		*a4 = json_string_value(json_object_get(n, "IPAddress"));
		*a6 = json_string_value(json_object_get(n, "GlobalIPv6Address"));
		break;
	}
}

static int forward_ports(const struct eng_store *s, const char *id, json_t *rec, int nsfd,
			 json_t **out_settings, struct berr **err)
{
	struct eng_port_hold *h = NULL;
	size_t n = 0;
	json_t *settings = NULL;
	int r = eng_usermode_ports(rec, &h, &n, &settings, err);
	if (r < 0)
		return r;
	const char *a4, *a6;
	first_addrs(rec, &a4, &a6);
	autofree char *rundir = xasprintf("%s/%s", s->runroot, id);
	autofree char *pidfile = xasprintf("%s/portfwd.pid", rundir);
	if (n && (r = fs_mkdir_p(rundir, 0700, err)) == 0)
		r = eng_portfwd_start(h, n, nsfd, a4, a6, pidfile, err);
	eng_port_release(h, n);
	if (r < 0) {
		json_decref(settings);
		return r;
	}
	*out_settings = settings;
	return 0;
}

/* Under the lock: fn(ctx, rec) inside the namespace for container id (made if need be when
 * make, and marked as used by id); a failure drops a mark it made, and the namespace when
 * that was its only use. */
static int run_locked(const struct eng_store *s, const char *id, bool make, eng_rlnet_inside_fn fn,
		      void *ctx, json_t *rec, int *out_nsfd, struct berr **err)
{
	autofree char *mark = xasprintf("%s/rootless-netns/users/%s", s->runroot, id);
	if (!make && holder_alive(s) <= 0)
		return 0;
	bool marked = access(mark, F_OK) == 0;
	int nsfd = ensure_ns(s, err);
	if (nsfd < 0)
		return nsfd;
	int r = marked ? 0 : fs_replace_file(mark, "", 0, 0600, err);
	if (r == 0)
		r = run_inside(nsfd, fn, ctx, rec, err);
	if (r < 0 && !marked) {
		(void)unlink(mark);
		if (!in_use(s, id, false))
			remove_ns(s);
	}
	if (r == 0 && out_nsfd)
		*out_nsfd = nsfd;
	else
		(void)close(nsfd);
	return r;
}

int eng_rlnet_run(const struct eng_store *s, const char *id, bool make, eng_rlnet_inside_fn fn,
		  void *ctx, json_t *rec, struct berr **err)
{
	autoclose int lock = rl_lock(s, err);
	if (lock < 0)
		return lock;
	return run_locked(s, id, make, fn, ctx, rec, NULL, err);
}

int eng_rlnet_attach(const struct eng_store *s, const char *id, json_t *rec,
		     eng_rlnet_inside_fn inside, void *ctx, json_t **out_settings,
		     struct berr **err)
{
	autoclose int lock = rl_lock(s, err);
	if (lock < 0)
		return lock;
	json_t *bare = without_ports(rec);
	autoclose int nsfd = -1;
	int r = run_locked(s, id, true, inside, ctx, bare, &nsfd, err);
	json_decref(bare);
	if (r == 0)
		r = forward_ports(s, id, rec, nsfd, out_settings, err);
	if (r < 0) {
		autofree char *mark = xasprintf("%s/rootless-netns/users/%s", s->runroot, id);
		(void)unlink(mark);
		if (!in_use(s, id, false))
			remove_ns(s);
	}
	return r;
}

void eng_rlnet_detach(const struct eng_store *s, const char *id)
{
	autofree char *pidfile = xasprintf("%s/%s/portfwd.pid", s->runroot, id);
	eng_portfwd_stop(pidfile);
	autofree char *mark = xasprintf("%s/rootless-netns/users/%s", s->runroot, id);
	if (access(mark, F_OK) < 0)
		return;
	autoclose int lock = rl_lock(s, NULL);
	(void)unlink(mark);
	if (!in_use(s, id, false))
		remove_ns(s);
}

int eng_rlnet_prune(const struct eng_store *s, struct berr **err)
{
	autofree char *dir = rl_path(s, NULL);
	if (access(dir, F_OK) < 0)
		return 0;
	autoclose int lock = rl_lock(s, err);
	if (lock < 0)
		return lock;
	if (!in_use(s, NULL, true))
		remove_ns(s);
	return 0;
}

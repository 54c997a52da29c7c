/* `--ssh` agents and RUN's ssh sockets (see ssh.h).
 *
 * Processes. The builder is single-threaded, so a relay is a forked child of its own: it
 * accepts on the step's socket and forks once more per connection, which pumps bytes both ways
 * between the container's client and the agent. Each dies with its parent (PR_SET_PDEATHSIG),
 * so a killed build leaves no relay. An agent for keys is openssh's ssh-agent, which is
 * set-group-id on Debian: exec clears PR_SET_PDEATHSIG for it, so it runs as the child of a
 * process that is the init of a PID namespace of its own (that init dies with the builder, and
 * the kernel then kills everything in its namespace, the agent with it).
 *
 * Socket paths. sun_path holds 108 bytes and a store's path may be longer: a socket is bound
 * and reached as "/proc/self/fd/N/name" through an O_PATH descriptor of its directory. */
#include "build/ssh.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "build/mount.h"
#include "build/step.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/spawn.h"
#include "util/xalloc.h"

#define SSH_PATHS_MAX   64   /* keys in one --ssh */
#define AGENT_START_MS  5000 /* ssh-agent's socket must answer within this */
#define RELAY_BUF       (16 << 10)
#define SSH_ADD_ERR_MAX (4 << 10) /* ssh-add's message kept for the error */

void bld_ssh_clear(struct bld_ssh *s)
{
	if (!s)
		return;
	free(s->id);
	strv_free(s->paths);
	*s = (struct bld_ssh){0};
}

/* docker's parseSSH (ID, then paths split at ','), with sshprovider's defaults: no ID is
 * "default", no path is $SSH_AUTH_SOCK. */
int bld_ssh_parse(const char *value, struct bld_ssh *out, struct berr **err)
{
	while (*value == ' ' || *value == '\t')
		value++;
	const char *eq = strchr(value, '=');
	size_t n = 0;
	char **paths = xcalloc(SSH_PATHS_MAX + 1, sizeof(*paths));
	if (eq && eq[1]) {
		autofree char *copy = xstrdup(eq + 1);
		for (char *save = NULL, *p = strtok_r(copy, ",", &save); p;
		     p = strtok_r(NULL, ",", &save)) {
			if (n == SSH_PATHS_MAX) {
				strv_free(paths);
				return berr_plain(err, EINVAL, "--ssh '%s': more than %d paths",
						  value, SSH_PATHS_MAX);
			}
			paths[n++] = xstrdup(p);
		}
	}
	if (!n) {
		const char *sock = getenv("SSH_AUTH_SOCK");
		if (!sock || !*sock) {
			strv_free(paths);
			return berr_plain(err, EINVAL,
					  "invalid empty ssh agent socket: make sure SSH_AUTH_SOCK "
					  "is set");
		}
		paths[n++] = xstrdup(sock);
	}
	size_t idlen = eq ? (size_t)(eq - value) : strlen(value);
	while (idlen && (value[idlen - 1] == ' ' || value[idlen - 1] == '\t'))
		idlen--;
	*out = (struct bld_ssh){.id = idlen ? xstrndup(value, idlen) : xstrdup("default"),
				.paths = paths};
	return 0;
}

/* ---- sockets ---- */

/* fill sa with "/proc/self/fd/<dirfd>/<base of path>"; *out_dirfd the directory, O_PATH. */
static int sock_addr(const char *path, struct sockaddr_un *sa, int *out_dirfd)
{
	autofree char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	const char *base = slash ? slash + 1 : path;
	if (slash == dir)
		dir[1] = '\0';
	else if (slash)
		*slash = '\0';
	int dfd = open(slash ? dir : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	*sa = (struct sockaddr_un){.sun_family = AF_UNIX};
	int n = snprintf(sa->sun_path, sizeof(sa->sun_path), "/proc/self/fd/%d/%s", dfd, base);
	if (n < 0 || (size_t)n >= sizeof(sa->sun_path)) {
		(void)close(dfd);
		return -ENAMETOOLONG;
	}
	*out_dirfd = dfd;
	return 0;
}

static int sock_connect(const char *path)
{
	struct sockaddr_un sa;
	autoclose int dfd = -1;
	int r = sock_addr(path, &sa, &dfd);
	if (r < 0)
		return r;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		(void)close(fd);
		return r;
	}
	return fd;
}

/* Every descriptor but keep closed: a relay must not hold the store's or the session's lock
 * (a flock lives as long as any copy of its descriptor). */
static void close_all_but(int keep)
{
#ifdef SYS_close_range
	if (keep > 3)
		(void)syscall(SYS_close_range, 3u, (unsigned)keep - 1, 0u);
	if (syscall(SYS_close_range, (unsigned)keep + 1, ~0u, 0u) == 0)
		return;
#endif
	for (int fd = 3; fd < 4096; fd++)
		if (fd != keep)
			(void)close(fd);
}

/* A child that dies with its parent (a parent already gone is caught: getppid is then
 * another's; 0 skips that check, for the init of a new PID namespace, whose parent is outside). */
static void die_with_parent(pid_t parent)
{
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (parent && getppid() != parent)
		_exit(1);
}

/* Bytes both ways until both sides are done (each end's EOF passed on as a half-close). */
static void pump(int a, int b)
{
	char buf[RELAY_BUF];
	struct pollfd pf[2] = {{.fd = a, .events = POLLIN}, {.fd = b, .events = POLLIN}};
	int open_ends = 2;
	while (open_ends > 0 && poll(pf, 2, -1) >= 0) {
		for (int i = 0; i < 2; i++) {
			if (pf[i].fd < 0 || !pf[i].revents)
				continue;
			ssize_t n = read(pf[i].fd, buf, sizeof(buf));
			int to = i ? a : b;
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 || (n > 0 && fs_write_all(to, buf, (size_t)n) < 0))
				return; /* the connection is over */
			if (n > 0)
				continue;
			(void)shutdown(to, SHUT_WR);
			pf[i].fd = -1;
			open_ends--;
		}
	}
}

static _Noreturn void relay_serve(pid_t parent, int lfd, const char *agent)
{
	die_with_parent(parent);
	struct sigaction dfl = {.sa_handler = SIG_DFL}, ign = {.sa_handler = SIG_IGN};
	sigaction(SIGINT, &dfl, NULL);
	sigaction(SIGTERM, &dfl, NULL);
	sigaction(SIGPIPE, &ign, NULL);
	sigaction(SIGCHLD, &ign, NULL); /* connections' children reaped by the kernel */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	close_all_but(lfd);
	pid_t self = getpid();
	for (;;) {
		int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0 && (errno == EINTR || errno == ECONNABORTED))
			continue;
		if (c < 0)
			_exit(1);
		pid_t p = fork();
		if (p == 0) {
			die_with_parent(self);
			(void)close(lfd);
			int a = sock_connect(agent);
			if (a >= 0)
				pump(c, a);
			_exit(0);
		}
		(void)close(c);
	}
}

void bld_ssh_relay_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	(void)kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

static const struct bld_ssh_agent *find_agent(const struct bld_build *b, const char *id)
{
	for (size_t i = 0; i < b->n_agents; i++)
		if (!strcmp(b->agents[i].id, id))
			return &b->agents[i];
	return NULL;
}

/* The listening socket dir/agent, mt's owner and mode. */
static int listen_socket(const char *dir, const struct bld_mount *mt, struct berr **err)
{
	autofree char *sock = xasprintf("%s/agent", dir);
	struct sockaddr_un sa;
	autoclose int dfd = -1, lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int r = lfd < 0 ? -errno : sock_addr(sock, &sa, &dfd);
	if (r == 0 && bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		r = -errno;
	/* the socket is the container's to use: its owner and mode, as BuildKit's (0600) */
	if (r == 0 && (fchownat(dfd, "agent", mt->uid, mt->gid, 0) < 0 ||
		       fchmodat(dfd, "agent", mt->mode ? mt->mode & 0777 : 0600, 0) < 0))
		r = -errno;
	if (r == 0 && listen(lfd, 64) < 0)
		r = -errno;
	if (r < 0)
		return berr_set(err, -r, "ssh agent socket '%s'", sock);
	return take_fd(&lfd);
}

const char *bld_ssh_agent_sock(const struct bld_build *b, const char *id)
{
	const struct bld_ssh_agent *a = find_agent(b, id);
	return a ? a->sock : NULL;
}

int bld_ssh_socket(struct bld_build *b, const struct bld_mount *mt, char **out_dir, pid_t *out_pid,
		   struct berr **err)
{
	const char *id = mt->id ? mt->id : "default";
	const struct bld_ssh_agent *a = find_agent(b, id);
	if (!a && !mt->required)
		return 0; /* BuildKit: an optional mount of an agent not given is left out */
	if (!a && !b->n_agents)
		return berr_plain(err, ENOENT, "no SSH key \"%s\" forwarded from the client", id);
	if (!a)
		return berr_plain(err, ENOENT, "unset ssh forward key %s", id);
	char *dir = bld_work_dir(b, "ssh", err);
	if (!dir)
		return berr_ret(err);
	int lfd = listen_socket(dir, mt, err);
	pid_t parent = getpid(), pid = lfd < 0 ? -1 : fork();
	if (pid == 0)
		relay_serve(parent, lfd, a->sock);
	int r = lfd < 0 ? lfd : pid < 0 ? berr_set(err, errno, "ssh agent relay for '%s'", id) : 1;
	if (lfd >= 0)
		(void)close(lfd);
	if (r < 0) {
		(void)fs_rm_rf(AT_FDCWD, dir, NULL);
		free(dir);
		return r;
	}
	*out_pid = pid;
	*out_dir = dir;
	return 1;
}

/* ---- the build's agents ---- */

/* The agent's socket answers (ssh-agent made it), or the wait is over. */
static int wait_socket(const char *path, pid_t pid)
{
	for (int ms = 0; ms < AGENT_START_MS; ms += 10) {
		int fd = sock_connect(path);
		if (fd >= 0) {
			(void)close(fd);
			return 0;
		}
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return -ECHILD;
		nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
	}
	return -ETIMEDOUT;
}

/* The init of a new PID namespace that runs ssh-agent -D in dir and lives as long as we do:
 * when it dies (with its parent, the builder), the agent goes with its namespace. */
static _Noreturn void agent_init(pid_t builder, const char *dir)
{
	die_with_parent(builder);
	if (unshare(CLONE_NEWPID) < 0)
		_exit(126);
	pid_t outer = getpid(), init = fork();
	if (init < 0)
		_exit(126);
	if (init > 0) {
		/* the outer process: the one the builder kills; its child is the namespace */
		while (waitpid(init, NULL, 0) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	(void)outer;
	die_with_parent(0);
	pid_t agent = fork();
	if (agent == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null < 0 || chdir(dir) < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 ||
		    dup2(null, 2) < 0)
			_exit(126);
		execlp("ssh-agent", "ssh-agent", "-D", "-a", "agent", (char *)NULL);
		_exit(127);
	}
	while (waitpid(agent, NULL, 0) < 0 && errno == EINTR)
		;
	_exit(0);
}

/* ssh-add of the keys into the agent at dir/agent; no passphrase is asked for (a session of
 * its own has no terminal to ask on, and no askpass program is tried). Its last line of output
 * is the error. */
static int add_keys(const char *dir, char *const *keys, const char *id, struct berr **err)
{
	size_t n = strv_len(keys);
	autofree const char **argv = xcalloc(n + 3, sizeof(*argv));
	argv[0] = "ssh-add";
	argv[1] = "-q";
	for (size_t i = 0; i < n; i++)
		argv[i + 2] = keys[i];
	char **env = spawn_env((const char *const[]){"SSH_AUTH_SOCK=agent",
						     "SSH_ASKPASS_REQUIRE=never", "DISPLAY", NULL});
	struct spawn_opts o = {.argv = argv,
			       .envp = env,
			       .dir = dir,
			       .out = SPAWN_OUT_STDERR,
			       .err_max = SSH_ADD_ERR_MAX,
			       .setsid = true};
	struct spawn_result res;
	int r = spawn_run(&o, &res, err);
	strv_free(env);
	if (r < 0 && res.not_found) {
		berr_clear(err);
		r = berr_plain(err, ENOENT,
			       "--ssh %s: keys need openssh's ssh-add, which is not installed", id);
	} else if (r == -EIO) {
		berr_clear(err);
		r = berr_plain(err, EINVAL, "--ssh %s: failed to load the keys: %s", id,
			       *res.err ? spawn_last_line(res.err) : "ssh-add failed");
	} else if (r < 0) {
		r = berr_wrap(err, "load ssh keys for '%s'", id);
	}
	spawn_result_free(&res);
	return r;
}

/* An agent of the build's own with keys (absolute paths) loaded. */
static int agent_spawn(struct bld_build *b, const struct bld_ssh *s, char **keys,
		       struct bld_ssh_agent *a, struct berr **err)
{
	char *dir = bld_work_dir(b, "ssh-agent", err);
	if (!dir)
		return berr_ret(err);
	a->sock = xasprintf("%s/agent", dir);
	pid_t builder = getpid(), pid = fork();
	if (pid == 0)
		agent_init(builder, dir);
	int r = pid < 0 ? -errno : 0;
	if (pid > 0)
		a->pid = pid;
	if (r == 0)
		r = wait_socket(a->sock, pid);
	if (r < 0) {
		free(dir);
		return berr_plain(err, -r == ECHILD ? ENOENT : -r,
				  "--ssh %s: keys need openssh's ssh-agent, which did not start%s",
				  s->id, -r == ECHILD ? " (is it installed?)" : "");
	}
	r = add_keys(dir, keys, s->id, err);
	free(dir);
	return r;
}

/* docker's toAgentSource: one socket, or keys (each a file that is not a socket). */
static int agent_source(struct bld_build *b, const struct bld_ssh *s, struct bld_ssh_agent *a,
			struct berr **err)
{
	size_t n = strv_len(s->paths);
	char **keys = xcalloc(n + 1, sizeof(*keys));
	int r = 0;
	bool socket_given = false;
	for (size_t i = 0; r == 0 && i < n; i++) {
		struct stat sb;
		if (socket_given)
			r = berr_plain(err, EINVAL, "only single socket allowed");
		else if (stat(s->paths[i], &sb) < 0)
			r = berr_set(err, errno, "stat %s", s->paths[i]);
		else if (S_ISSOCK(sb.st_mode) && i > 0)
			r = berr_plain(err, EINVAL, "invalid combination of keys and sockets");
		else if (S_ISSOCK(sb.st_mode))
			socket_given = true;
		else if (!(keys[i] = realpath(s->paths[i], NULL)))
			r = berr_set(err, errno, "failed to read %s", s->paths[i]);
	}
	if (r == 0 && socket_given)
		a->sock = xstrdup(s->paths[0]);
	else if (r == 0)
		r = agent_spawn(b, s, keys, a, err);
	strv_free(keys);
	return r;
}

int bld_ssh_agents_start(struct bld_build *b, struct berr **err)
{
	if (!b->o->n_ssh)
		return 0;
	b->agents = xcalloc(b->o->n_ssh, sizeof(*b->agents));
	for (size_t i = 0; i < b->o->n_ssh; i++) {
		const struct bld_ssh *s = &b->o->ssh[i];
		if (find_agent(b, s->id))
			return berr_plain(err, EINVAL, "invalid duplicate ID %s", s->id);
		struct bld_ssh_agent *a = &b->agents[b->n_agents++];
		a->id = s->id;
		if (agent_source(b, s, a, err) < 0)
			return berr_wrap(err, "--ssh %s", s->id);
	}
	return 0;
}

void bld_ssh_agents_stop(struct bld_build *b)
{
	for (size_t i = 0; i < b->n_agents; i++) {
		bld_ssh_relay_stop(b->agents[i].pid);
		free(b->agents[i].sock);
	}
	free(b->agents);
	b->agents = NULL;
	b->n_agents = 0;
}

/* Exec: the process `berth exec` and the API run in a container, and the API's exec records
 * (see exec.h). The command line runs the process itself in the foreground on its own stdio;
 * the API, whose create and start are separate requests, goes through a record and a runner
 * process that waits for the exec and writes down how it ended (the docker CLI reads the
 * ExitCode right after the stream ends, for its own exit status). */
#include "engine/exec.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "engine/attach.h"
#include "engine/event.h"
#include "engine/executor.h"
#include "engine/monitor.h"
#include "engine/user.h"
#include "runtime/console.h"
#include "runtime/container.h"
#include "runtime/spec.h"
#include "util/cleanup.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/randid.h"
#include "util/xalloc.h"
#include "vm/guestcfg.h"

#define EXEC_RECORD_MAX (1u << 20)

/* ---- the process ---- */

/* Each "K=V" of env over the list's own K, or added. */
static void env_set(struct rt_process *pr, const char *kv)
{
	size_t n = strv_len(pr->env), klen = strcspn(kv, "="), i = 0;
	while (i < n && !(!strncmp(pr->env[i], kv, klen) && pr->env[i][klen] == '='))
		i++;
	if (i == n) {
		pr->env = xrealloc(pr->env, (n + 2) * sizeof(char *));
		pr->env[n + 1] = NULL;
	} else {
		free(pr->env[i]);
	}
	pr->env[i] = xstrdup(kv);
}

static int set_user(const struct eng_store *s, const char *id, const char *user,
		    struct rt_process *pr, struct berr **err)
{
	autofree char *rootfs = eng_container_path(s, id, "rootfs");
	autoclose int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return berr_set(err, errno, "open '%s'", rootfs);
	struct eng_user u;
	int r = eng_user_resolve(rootfd, user, &u, err);
	if (r < 0)
		return r;
	pr->uid = u.uid;
	pr->gid = u.gid;
	free(pr->additional_gids);
	pr->additional_gids = xcalloc(u.n_groups + 1, sizeof(gid_t));
	memcpy(pr->additional_gids, u.groups, u.n_groups * sizeof(gid_t));
	pr->n_additional_gids = u.n_groups;
	/* as at run: a non-root user keeps only the bounding set */
	if (u.uid != 0)
		for (int k = 0; k < RT_CAP_SET_COUNT; k++)
			if (k != RT_CAP_BOUNDING)
				pr->caps[k] = 0;
	return 0;
}

int eng_exec_process(const struct eng_store *s, const char *id, const struct eng_exec_config *c,
		     struct rt_process **out, struct berr **err)
{
	autofree char *rtroot = eng_runtime_root(s);
	autofree char *config = eng_container_path(s, id, "config.json");
	autofree char *bundle = eng_container_path(s, id, "");
	/* a VM's is not the runtime's: its bundle's */
	autoptr(rt_spec) spec = eng_container_is_vm(s, id) ? rt_spec_load(config, bundle, err)
							   : rt_container_spec(rtroot, id, err);
	if (!spec || !spec->process)
		return spec ? berr_plain(err, EINVAL, "container %.12s has no process", id) : -EIO;
	autoptr(rt_process) pr = take_ptr(&spec->process);
	strv_free(pr->args);
	pr->args = strv_dup(c->cmd);
	pr->terminal = c->tty;
	for (char *const *e = c->env; e && *e; e++)
		env_set(pr, *e);
	size_t n_env = strv_len(pr->env), t = 0;
	while (c->tty && t < n_env && strncmp(pr->env[t], "TERM=", 5))
		t++;
	if (c->tty && t == n_env) /* as Docker's exec -t */
		env_set(pr, "TERM=xterm");
	if (c->workdir && *c->workdir) {
		free(pr->cwd);
		pr->cwd = xstrdup(c->workdir);
	}
	if (c->user && *c->user) {
		int r = set_user(s, id, c->user, pr, err);
		if (r < 0)
			return r;
	}
	if (c->privileged) { /* Docker's exec --privileged: every capability */
		int last = rt_cap_last();
		uint64_t all = last >= 63 ? ~0ULL : (1ULL << (last + 1)) - 1;
		pr->has_caps = true;
		for (int k = 0; k < RT_CAP_SET_COUNT; k++)
			if (k != RT_CAP_AMBIENT)
				pr->caps[k] = all;
	}
	*out = take_ptr(&pr);
	return 0;
}

/* ---- records ---- */

static bool exec_id_valid(const char *id)
{
	size_t n = 0;
	for (; id[n]; n++)
		if (!isxdigit((unsigned char)id[n]) || isupper((unsigned char)id[n]))
			return false;
	return n == ENG_ID_LEN;
}

static char *record_path(const struct eng_store *s, const char *cid, const char *exec_id,
			 const char *ext)
{
	autofree char *rel = xasprintf("execs/%s.%s", exec_id, ext);
	return eng_container_path(s, cid, rel);
}

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* dockerd's exec events: "exec_create: CMD ARGS", "exec_start: CMD ARGS" (the command and
 * its arguments joined by spaces, after a space: "exec_create: true " without any) and
 * exec_die, each with the execID */
static void exec_event(const struct eng_store *s, const char *cid, json_t *rec, const char *what)
{
	json_t *pc = json_object_get(rec, "ProcessConfig");
	char *action = xasprintf("%s: %s ", what, str(pc, "entrypoint") ?: "");
	json_t *arg;
	size_t i;
	json_array_foreach(json_object_get(pc, "arguments"), i, arg)
	{
		char *more =
		    xasprintf("%s%s%s", action, i ? " " : "", json_string_value(arg) ?: "");
		free(action);
		action = more;
	}
	json_t *more = json_pack("{s:s}", "execID", str(rec, "ID") ?: "");
	if (!strcmp(what, "exec_die")) {
		action[strlen(what)] = '\0';
		json_object_set_new(
		    more, "exitCode",
		    json_sprintf("%d", (int)json_integer_value(json_object_get(rec, "ExitCode"))));
	}
	eng_container_event(s, cid, action, more);
	json_decref(more);
	free(action);
}

int eng_exec_add(const struct eng_store *s, const char *cid, const struct eng_exec_config *c,
		 bool open_stdin, bool open_stdout, bool open_stderr, char out_id[ENG_ID_LEN + 1],
		 struct berr **err)
{
	if (!c->cmd || !c->cmd[0])
		return berr_plain(err, EINVAL, "No exec command specified");
	char id[ENG_ID_LEN + 1];
	int r = rand_hex_id(id, ENG_ID_LEN, err);
	if (r < 0)
		return r;
	autofree char *dir = eng_container_path(s, cid, "execs");
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return berr_set(err, errno, "create '%s'", dir);
	size_t n = strv_len(c->cmd);
	json_t *pc = json_pack("{s:b, s:s, s:o, s:b, s:s}", "tty", c->tty, "entrypoint", c->cmd[0],
			       "arguments", json_strv(c->cmd + 1, n - 1), "privileged",
			       c->privileged, "user", c->user ? c->user : "");
	json_t *rec =
	    json_pack("{s:s, s:s, s:b, s:n, s:i, s:o, s:b, s:b, s:b, s:b, s:s, s:o, s:s}", "ID", id,
		      "ContainerID", cid, "Running", 0, "ExitCode", "Pid", 0, "ProcessConfig", pc,
		      "OpenStdin", open_stdin, "OpenStdout", open_stdout, "OpenStderr", open_stderr,
		      "CanRemove", 0, "DetachKeys", "", "Env", json_strv(c->env, strv_len(c->env)),
		      "WorkingDir", c->workdir ? c->workdir : "");
	autofree char *path = record_path(s, cid, id, "json");
	r = json_replace_file(rec, path, err);
	if (r == 0)
		exec_event(s, cid, rec, "exec_create");
	json_decref(rec);
	if (r < 0)
		return r;
	memcpy(out_id, id, sizeof(id));
	return 0;
}

/* The pid the runtime wrote (0: none yet, or none at all). */
static pid_t pid_of(const struct eng_store *s, const char *cid, const char *exec_id)
{
	autofree char *path = record_path(s, cid, exec_id, "pid");
	autofree char *text = NULL;
	size_t len = 0;
	if (fs_read_file(AT_FDCWD, path, 32, &text, &len, NULL) < 0)
		return 0;
	long pid = strtol(text, NULL, 10);
	return pid > 0 ? (pid_t)pid : 0;
}

static json_t *load_in(const struct eng_store *s, const char *cid, const char *exec_id)
{
	autofree char *path = record_path(s, cid, exec_id, "json");
	json_t *rec = json_load_path(AT_FDCWD, path, EXEC_RECORD_MAX, NULL);
	if (!rec)
		return NULL;
	/* running: started, not ended, its process there */
	bool ended = json_is_integer(json_object_get(rec, "ExitCode"));
	pid_t pid = ended ? 0 : pid_of(s, cid, exec_id);
	bool running = pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
	json_object_set_new(rec, "Running", json_boolean(running));
	if (running)
		json_object_set_new(rec, "Pid", json_integer(pid));
	return rec;
}

json_t *eng_exec_load(const struct eng_store *s, const char *exec_id, char out_cid[ENG_ID_LEN + 1],
		      struct berr **err)
{
	if (exec_id_valid(exec_id)) { /* else no file name: the id is part of a path */
		char **ids = NULL;
		if (eng_container_list(s, &ids, err) < 0)
			return NULL;
		for (size_t i = 0; ids[i]; i++) {
			json_t *rec = load_in(s, ids[i], exec_id);
			if (rec) {
				memcpy(out_cid, ids[i], ENG_ID_LEN + 1);
				strv_free(ids);
				return rec;
			}
		}
		strv_free(ids);
	}
	berr_set(err, ENOENT, "No such exec instance: %s", exec_id);
	return NULL;
}

json_t *eng_exec_inspect(json_t *rec)
{
	json_t *doc = json_deep_copy(rec);
	json_object_del(doc, "Env");
	json_object_del(doc, "WorkingDir");
	return doc;
}

/* ---- running it ---- */

/* The record's config (pointing into rec). */
static void config_of(json_t *rec, struct eng_exec_config *c, char ***out_cmd, char ***out_env)
{
	json_t *pc = json_object_get(rec, "ProcessConfig");
	json_t *args = json_object_get(pc, "arguments");
	size_t n = json_array_size(args);
	char **cmd = xcalloc(n + 2, sizeof(*cmd));
	cmd[0] = xstrdup(json_string_value(json_object_get(pc, "entrypoint")) ?: "");
	for (size_t i = 0; i < n; i++)
		cmd[i + 1] = xstrdup(json_string_value(json_array_get(args, i)) ?: "");
	char **env = NULL;
	(void)json_opt_strv(rec, "exec", "Env", &env, NULL);
	*out_cmd = cmd;
	*out_env = env;
	c->cmd = cmd;
	c->env = env;
	c->workdir = json_string_value(json_object_get(rec, "WorkingDir"));
	c->user = json_string_value(json_object_get(pc, "user"));
	c->tty = json_is_true(json_object_get(pc, "tty"));
	c->privileged = json_is_true(json_object_get(pc, "privileged"));
}

int eng_exec_ready(const struct eng_store *s, const char *cid, struct berr **err)
{
	json_t *st = eng_state_load(s, cid);
	bool running = json_is_true(json_object_get(st, "Running"));
	bool paused = !strcmp(json_string_value(json_object_get(st, "Status")) ?: "", "paused");
	json_decref(st);
	if (paused)
		return berr_plain(err, EBUSY,
				  "Container %s is paused, unpause the container before exec", cid);
	if (!running)
		return berr_plain(err, EBUSY, "Container %s is not running", cid);
	return 0;
}

/* Put fd on target (-1: /dev/null, which open gives the lowest free number: so first). */
static void stdio_on(int fd, int target)
{
	if (fd < 0)
		fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd >= 0 && fd != target)
		(void)dup2(fd, target);
	else if (fd == target)
		(void)fcntl(fd, F_SETFD, 0);
}

/* The end of an exec, in its record: its status and its pid. */
static void record_end(const struct eng_store *s, const char *cid, const char *exec_id, int status)
{
	autofree char *path = record_path(s, cid, exec_id, "json");
	json_t *rec = json_load_path(AT_FDCWD, path, EXEC_RECORD_MAX, NULL);
	if (!rec)
		return; /* the container went, and its execs with it */
	json_object_set_new(rec, "ExitCode", json_integer(status));
	json_object_set_new(rec, "Pid", json_integer(pid_of(s, cid, exec_id)));
	(void)json_replace_file(rec, path, NULL);
	exec_event(s, cid, rec, "exec_die");
	json_decref(rec);
}

int eng_exec_announce(const struct eng_store *s, const char *cid, const struct eng_exec_config *c,
		      char out_id[ENG_ID_LEN + 1], struct berr **err)
{
	int r = eng_exec_add(s, cid, c, false, true, true, out_id, err);
	if (r < 0)
		return r;
	autofree char *path = record_path(s, cid, out_id, "json");
	json_t *rec = json_load_path(AT_FDCWD, path, EXEC_RECORD_MAX, NULL);
	if (rec)
		exec_event(s, cid, rec, "exec_start");
	json_decref(rec);
	return 0;
}

void eng_exec_finish(const struct eng_store *s, const char *cid, const char *exec_id, int status)
{
	record_end(s, cid, exec_id, status);
	autofree char *path = record_path(s, cid, exec_id, "json");
	(void)unlink(path);
}

/* The one start: the pid file is made here (O_EXCL), the runtime writes the pid into it. */
static int claim(const struct eng_store *s, const char *cid, const char *exec_id, bool ended,
		 struct berr **err)
{
	autofree char *pidfile = record_path(s, cid, exec_id, "pid");
	int fd = open(pidfile, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0)
		return close(fd), 0;
	if (errno == EEXIST)
		return berr_plain(err, EALREADY, "Error: Exec command %s %s", exec_id,
				  ended ? "has already run" : "is already running");
	return berr_set(err, errno, "create '%s'", pidfile);
}

/* The runner: the exec in the foreground, then its end in the record. Never returns. It
 * keeps only its stdio (and the console socket): a copy of the client's connection would
 * keep the client from seeing the end of its stream. */
/* A runner keeps only the exec's stdio on 0, 1 and 2 and the console socket on 3 (or none):
 * a copy of the client's connection, or of the write end of its own stdin, would keep an
 * end from being seen. Returns whether there is a console. */
static bool keep_stdio(const struct eng_exec_io *io)
{
	int fds[3] = {io->in, io->out, io->err}, console = io->console;
	/* move ours above 2 first, so that no dup2 below overwrites another's source */
	for (int i = 0; i < 3; i++)
		if (fds[i] >= 0)
			fds[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 10);
	if (console >= 0)
		console = fcntl(console, F_DUPFD_CLOEXEC, 10);
	for (int i = 0; i < 3; i++)
		stdio_on(fds[i], i);
	int keep = console >= 0 ? 3 : 2;
	if (console >= 0 && dup3(console, 3, O_CLOEXEC) < 0)
		_exit(126);
	(void)syscall(SYS_close_range, (unsigned)keep + 1, ~0U, 0);
	return console >= 0;
}

static void __attribute__((noreturn))
runner(const struct eng_store *s, const char *cid, const char *exec_id, struct rt_process *pr,
       const struct eng_exec_io *io)
{
	int console = keep_stdio(io) ? 3 : -1;
	sigset_t none;
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	autofree char *rtroot = eng_runtime_root(s);
	autofree char *pidfile = record_path(s, cid, exec_id, "pid");
	struct rt_exec_opts eo = {.root = rtroot,
				  .id = cid,
				  .process = pr,
				  .pid_file = pidfile,
				  .has_console_fd = console >= 0,
				  .console_fd = console >= 0 ? 3 : -1};
	int status = 0;
	struct berr *err = NULL;
	if (rt_container_exec(&eo, &status, &err) < 0) {
		autofree char *msg = berr_string(err);
		dprintf(2, "%s\n", msg);
		/* Docker's: 127 a command not found, 126 one that cannot run */
		status = berr_code(err) == ENOENT ? 127 : 126;
		berr_free(err);
	}
	record_end(s, cid, exec_id, status);
	_exit(status);
}

/* ---- a VM's exec: its monitor relays the process to the guest (vm/session.h) ---- */

/* The session's output to where the exec's stdio goes (from FRAME_STARTED on: *started,
 * frame_exec_early); 1 at the end (*status set). */
static int vm_output(int sock, int out, int errfd, char *buf, bool *started, int *status)
{
	enum frame_stream st;
	size_t len = 0;
	if (frame_read(sock, &st, buf, &len) <= 0) {
		if (errfd >= 0)
			(void)dprintf(errfd, "the container's monitor went away\n");
		*status = 126;
		return 1;
	}
	if (frame_exec_early(started, &st, buf, &len))
		return 0;
	if (st == FRAME_STDOUT && out >= 0)
		(void)fs_write_all(out, buf, len);
	else if (st == FRAME_STDERR && errfd >= 0)
		(void)fs_write_all(errfd, buf, len);
	else if (st == FRAME_EXIT || st == FRAME_ERROR) { /* ERROR: "CODE message" */
		char *msg = strchr(buf, ' ');
		*status = atoi(buf);
		if (st == FRAME_ERROR && errfd >= 0 && msg)
			(void)dprintf(errfd, "%s\n", msg + 1);
		if (st == FRAME_ERROR && *status <= 0)
			*status = 126;
		return 1;
	}
	return 0;
}

/* A VM's exec with a terminal: a pty of the host's stands for the guest's, so that the API
 * and resize see what a runtime exec gives them. Its master goes to the API on the console
 * socket (fd 3), its slave becomes our controlling terminal and stdio, raw (the guest's pty
 * does the line discipline and the echo). A size set on it (eng_exec_resize sets it on our fd
 * 0) sends SIGWINCH to us, the session's leader (tty_ioctl(4)), which the runner passes on
 * to the guest's pty as a RESIZE frame. SIGWINCH is blocked first, for a signalfd: a resize
 * that comes before the runner polls is pending, not lost. Returns that signalfd, -1 on
 * failure. */
static int vm_terminal(void)
{
	sigset_t winch;
	sigemptyset(&winch);
	sigaddset(&winch, SIGWINCH);
	(void)sigprocmask(SIG_BLOCK, &winch, NULL);
	struct rt_console con = {.rootfd = -1};
	if (setsid() < 0 || rt_console_setup(3, &con, NULL) < 0)
		return -1;
	(void)close(3);
	struct termios t;
	if (tcgetattr(0, &t) == 0) {
		cfmakeraw(&t);
		(void)tcsetattr(0, TCSANOW, &t);
	}
	return signalfd(-1, &winch, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* The terminal's size (our fd 0, the pty's slave) to the guest's process; none while unset. */
static void vm_send_size(int sock)
{
	struct winsize ws;
	if (ioctl(0, TIOCGWINSZ, &ws) < 0 || !ws.ws_row || !ws.ws_col)
		return;
	char text[32];
	int n = snprintf(text, sizeof(text), "%u %u", ws.ws_row, ws.ws_col);
	(void)frame_write(sock, FRAME_RESIZE, text, (size_t)n);
}

/* The runner of a VM's exec: the process goes to the container's monitor as its session's
 * first frame; then frames both ways until its end. With a terminal, the API gets the master
 * of a host pty whose size follows to the guest's (vm_terminal). The runner's own pid stands
 * for the process (Running, resize through its fd 0, and a client that leaves kills it: its
 * session ends, and the monitor ends the guest's process with it). Never returns. */
static void __attribute__((noreturn))
vm_runner(const struct eng_store *s, const char *cid, const char *exec_id, struct rt_process *pr,
	  const struct eng_exec_io *io)
{
	bool console = keep_stdio(io);
	int in = io->in >= 0 || console ? 0 : -1, winch = -1, status = 126;
	if (console && (winch = vm_terminal()) < 0)
		_exit(126);
	/* the pid once the terminal is our fd 0: a resize that finds it running finds the pty */
	autofree char *pidfile = record_path(s, cid, exec_id, "pid");
	char pid[16];
	int n = snprintf(pid, sizeof(pid), "%d", (int)getpid());
	(void)fs_replace_file(pidfile, pid, (size_t)n, 0600, NULL);
	size_t len = 0;
	autofree char *records = vm_guest_process(pr, &len);
	autofree char *buf = xmalloc(FRAME_MAX + 1);
	signal(SIGPIPE, SIG_IGN);
	autoclose int sock = eng_attach_connect(s, cid, NULL);
	bool open_in = in >= 0, started = false;
	if (sock < 0 || frame_exec_send(sock, records, len, open_in) < 0) {
		record_end(s, cid, exec_id, 126);
		_exit(126);
	}
	if (console)
		vm_send_size(sock);
	for (;;) {
		struct pollfd pf[3] = {{.fd = sock, .events = POLLIN},
				       {.fd = open_in ? in : -1, .events = POLLIN},
				       {.fd = winch, .events = POLLIN}};
		if (poll(pf, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pf[0].revents && vm_output(sock, 1, console ? 1 : 2, buf, &started, &status))
			break;
		struct signalfd_siginfo si;
		if (pf[2].revents && read(winch, &si, sizeof(si)) > 0)
			vm_send_size(sock);
		if (open_in && pf[1].revents) {
			ssize_t k = read(in, buf, FRAME_MAX);
			if (k > 0) {
				(void)frame_write(sock, FRAME_STDIN, buf, (size_t)k);
			} else if (k == 0 || errno != EINTR) {
				(void)frame_write(sock, FRAME_STDIN_EOF, NULL, 0);
				open_in = false;
			}
		}
	}
	record_end(s, cid, exec_id, status);
	_exit(status);
}

int eng_exec_start(const struct eng_store *s, const char *cid, const char *exec_id,
		   const struct eng_exec_io *io, bool detach, pid_t *out_runner, struct berr **err)
{
	json_t *rec = load_in(s, cid, exec_id);
	if (!rec)
		return berr_set(err, ENOENT, "No such exec instance: %s", exec_id);
	bool ended = json_is_integer(json_object_get(rec, "ExitCode"));
	int r = eng_exec_ready(s, cid, err);
	if (r == 0)
		r = claim(s, cid, exec_id, ended, err);
	if (r < 0) {
		json_decref(rec);
		return r;
	}
	exec_event(s, cid, rec, "exec_start");
	struct eng_exec_config c = {0};
	char **cmd = NULL, **env = NULL;
	config_of(rec, &c, &cmd, &env);
	/* a detached exec's terminal would have no reader: it runs without one */
	c.tty = c.tty && !detach;
	struct rt_process *pr = NULL;
	r = eng_exec_process(s, cid, &c, &pr, err);
	json_decref(rec);
	strv_free(cmd);
	strv_free(env);
	if (r < 0) { /* it ran and failed, as dockerd records an exec that could not start */
		record_end(s, cid, exec_id, 126);
		return r;
	}
	struct eng_exec_io none = {-1, -1, -1, -1};
	bool vm = eng_container_is_vm(s, cid);
	pid_t pid = fork();
	if (pid == 0) {
		if (!detach)
			(vm ? vm_runner : runner)(s, cid, exec_id, pr, io);
		/* detached: a runner of its own session that no one waits for */
		(void)setsid();
		pid_t again = fork();
		if (again == 0)
			(vm ? vm_runner : runner)(s, cid, exec_id, pr, &none);
		_exit(again < 0 ? 1 : 0);
	}
	rt_process_free(pr);
	if (pid < 0) {
		r = berr_set(err, errno, "fork");
		record_end(s, cid, exec_id, 126);
		return r;
	}
	if (detach) {
		int st = 0;
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		if (!WIFEXITED(st) || WEXITSTATUS(st)) {
			record_end(s, cid, exec_id, 126);
			return berr_plain(err, EAGAIN, "exec %s: could not start its runner",
					  exec_id);
		}
		pid = 0;
	}
	*out_runner = pid;
	return 0;
}

pid_t eng_exec_pid(const struct eng_store *s, const char *cid, const char *exec_id)
{
	json_t *rec = load_in(s, cid, exec_id);
	pid_t pid = (pid_t)json_integer_value(json_object_get(rec, "Pid"));
	bool running = json_is_true(json_object_get(rec, "Running"));
	json_decref(rec);
	return running ? pid : 0;
}

int eng_exec_resize(const struct eng_store *s, const char *cid, const char *exec_id, unsigned rows,
		    unsigned cols, struct berr **err)
{
	json_t *rec = load_in(s, cid, exec_id);
	bool tty = json_is_true(json_object_get(json_object_get(rec, "ProcessConfig"), "tty"));
	pid_t pid = (pid_t)json_integer_value(json_object_get(rec, "Pid"));
	bool running = json_is_true(json_object_get(rec, "Running"));
	json_decref(rec);
	if (!tty)
		return berr_plain(err, ENOTTY, "exec %s has no terminal", exec_id);
	if (!running)
		return berr_plain(err, ESRCH, "exec %s is not running", exec_id);
	/* its stdin is the pty's slave: a size set on it is the pair's, and its foreground
	 * group gets SIGWINCH (tty_ioctl(4)); opened through /proc as the process holds it */
	autofree char *path = xasprintf("/proc/%d/fd/0", (int)pid);
	autoclose int fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return berr_set(err, errno, "open '%s'", path);
	if (!isatty(fd))
		return berr_plain(err, ENOTTY, "exec %s: its stdin is no terminal", exec_id);
	struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
	if (ioctl(fd, TIOCSWINSZ, &ws) < 0)
		return berr_set(err, errno, "resize exec %s", exec_id);
	return 0;
}

/* /containers/{id}/exec and /exec/...: Docker's exec endpoints on engine/exec (the records
 * that carry an exec from its create to its start, inspect and resize, which come on other
 * connections). A start without Detach is a hijacked stream, as attach's: the process's
 * stdout and stderr to the client in Docker's frames (stream, size) without a terminal, raw
 * with one; the client's bytes to its stdin, whose end is the client's half-close. */
#include "engine/exec.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "api/routes.h"
#include "runtime/console.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"

#define RELAY_BUF (32u << 10)

int api_exec_create(struct api_req *r)
{
	struct berr *err = NULL;
	char cid[ENG_ID_LEN + 1];
	if (eng_container_resolve(&r->ctx->es, r->param, cid, &err) < 0) {
		berr_free(err);
		return api_reply_error(r, 404, "No such container: %s", r->param);
	}
	json_t *cfg = api_body_json(r, &err);
	if (!cfg)
		return api_reply_berr(r, err);
	char **cmd = NULL, **env = NULL;
	const char *user = NULL, *workdir = NULL;
	/* each gives 1 when present, 0 when not */
	int rr = json_opt_strv(cfg, "ExecConfig", "Cmd", &cmd, &err);
	if (rr >= 0)
		rr = json_opt_strv(cfg, "ExecConfig", "Env", &env, &err);
	if (rr >= 0)
		rr = json_opt_str(cfg, "ExecConfig", "User", &user, &err);
	if (rr >= 0)
		rr = json_opt_str(cfg, "ExecConfig", "WorkingDir", &workdir, &err);
	if (rr >= 0)
		rr = eng_exec_ready(&r->ctx->es, cid, &err);
	char id[ENG_ID_LEN + 1];
	struct eng_exec_config c = {.cmd = cmd,
				    .env = env,
				    .user = user,
				    .workdir = workdir,
				    .tty = json_is_true(json_object_get(cfg, "Tty")),
				    .privileged = json_is_true(json_object_get(cfg, "Privileged"))};
	if (rr == 0)
		rr = eng_exec_add(&r->ctx->es, cid, &c,
				  json_is_true(json_object_get(cfg, "AttachStdin")),
				  json_is_true(json_object_get(cfg, "AttachStdout")),
				  json_is_true(json_object_get(cfg, "AttachStderr")), id, &err);
	strv_free(cmd);
	strv_free(env);
	json_decref(cfg);
	if (rr < 0)
		return api_reply_berr(r, err);
	return api_reply_json(r, 201, json_pack("{s:s}", "Id", id));
}

/* The exec r names: its record and container; a 404 reply when there is none. */
static json_t *target(struct api_req *r, char out_cid[ENG_ID_LEN + 1])
{
	struct berr *err = NULL;
	json_t *rec = eng_exec_load(&r->ctx->es, r->param, out_cid, &err);
	if (!rec)
		api_reply_berr(r, err);
	return rec;
}

int api_exec_inspect(struct api_req *r)
{
	char cid[ENG_ID_LEN + 1];
	json_t *rec = target(r, cid);
	if (!rec)
		return 0;
	json_t *doc = eng_exec_inspect(rec);
	json_decref(rec);
	return api_reply_json(r, 200, doc);
}

/* ---- start: the hijacked stream ---- */

struct session {
	struct eng_store es;
	char cid[ENG_ID_LEN + 1], id[ENG_ID_LEN + 1];
	bool in, out, err, tty;
};

/* Docker's stream: a frame [stream, 0, 0, 0, size (big-endian u32)] without a terminal. */
static int to_client(int sock, bool tty, int stream, const char *data, size_t n)
{
	if (tty)
		return fs_write_all(sock, data, n);
	uint32_t len = (uint32_t)n;
	unsigned char h[8] = {(unsigned char)stream,
			      0,
			      0,
			      0,
			      (unsigned char)(len >> 24),
			      (unsigned char)(len >> 16),
			      (unsigned char)(len >> 8),
			      (unsigned char)len};
	return fs_write_all(sock, h, sizeof(h)) < 0 ? -1 : fs_write_all(sock, data, n);
}

/* The ends the connection keeps: the process's input (or its terminal's master, both
 * ways), its output and error; -1 when not attached. */
struct ends {
	int in, out, err, master;
};

static void close_end(int *fd)
{
	if (*fd >= 0)
		(void)close(*fd);
	*fd = -1;
}

/* Copy one read of *fd to the client (stream 1 or 2); its end (or a terminal's EIO: the
 * process is gone) closes it. False when there was nothing to read (non-blocking). */
static bool pump(int *fd, int sock, bool tty, int stream, char *buf)
{
	ssize_t k = read(*fd, buf, RELAY_BUF);
	if (k < 0 && (errno == EINTR || errno == EAGAIN))
		return false;
	if (k <= 0 || to_client(sock, tty, stream, buf, (size_t)k) < 0) {
		close_end(fd);
		return false;
	}
	return true;
}

/* After the runner's end: what is left in the pipes (a child the process left behind may
 * hold them open: not waited for). */
static void drain(struct ends *e, int sock, bool tty, char *buf)
{
	int *fds[] = {tty ? &e->master : &e->out, &e->err};
	for (int i = 0; i < 2; i++) {
		if (*fds[i] < 0)
			continue;
		(void)fcntl(*fds[i], F_SETFL, O_NONBLOCK);
		while (*fds[i] >= 0 && pump(fds[i], sock, tty, i + 1, buf))
			;
	}
}

/* Until the runner ends (pidfd readable): output to the client, the client's input to the
 * process. A client that leaves (a hang-up, not a half-close) ends the process. */
static void relay(struct session *x, struct ends *e, int sock, int pidfd, const char *extra,
		  size_t n)
{
	autofree char *buf = xmalloc(RELAY_BUF);
	int input = x->tty ? e->master : e->in;
	bool reading = x->in && input >= 0, killed = false;
	if (reading && n)
		(void)fs_write_all(input, extra, n);
	for (;;) {
		int outfd = x->tty ? e->master : e->out;
		struct pollfd pf[4] = {{.fd = pidfd, .events = POLLIN},
				       {.fd = sock, .events = reading ? POLLIN : 0},
				       {.fd = outfd, .events = POLLIN},
				       {.fd = x->tty ? -1 : e->err, .events = POLLIN}};
		if (poll(pf, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (pf[2].revents)
			(void)pump(x->tty ? &e->master : &e->out, sock, x->tty, 1, buf);
		if (pf[3].revents)
			(void)pump(&e->err, sock, false, 2, buf);
		if (reading && (pf[1].revents & POLLIN)) {
			ssize_t k = read(sock, buf, RELAY_BUF);
			if (k > 0 && fs_write_all(input, buf, (size_t)k) == 0)
				continue;
			reading = false; /* the client closed its input: the process's stdin ends */
			if (!x->tty)
				close_end(&e->in);
		} else if (!reading && (pf[1].revents & (POLLHUP | POLLERR)) && !killed) {
			pid_t pid = eng_exec_pid(&x->es, x->cid, x->id); /* the client left */
			if (pid > 0)
				(void)kill(pid, SIGKILL);
			killed = true;
		}
		if (pf[0].revents) {
			drain(e, sock, x->tty, buf);
			return;
		}
	}
}

/* The process's stdio: pipes (ours in e, the runner's in io), or a socket the runtime sends
 * its terminal's master on. */
static int make_ends(const struct session *x, struct ends *e, struct eng_exec_io *io)
{
	int p[3][2] = {{-1, -1}, {-1, -1}, {-1, -1}};
	if (x->tty)
		return socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p[0]) < 0
			   ? -errno
			   : (e->master = p[0][0], io->console = p[0][1], 0);
	bool want[3] = {x->in, x->out, x->err};
	for (int i = 0; i < 3; i++)
		if (want[i] && pipe2(p[i], O_CLOEXEC) < 0)
			return -errno;
	e->in = p[0][1], io->in = p[0][0];
	e->out = p[1][0], io->out = p[1][1];
	e->err = p[2][0], io->err = p[2][1];
	return 0;
}

static void close_io(struct eng_exec_io *io)
{
	close_end(&io->in);
	close_end(&io->out);
	close_end(&io->err);
	close_end(&io->console);
}

static void started(void *ctx, int sock, const char *extra, size_t n)
{
	struct session *x = ctx;
	struct ends e = {-1, -1, -1, -1};
	struct eng_exec_io io = {-1, -1, -1, -1};
	struct berr *err = NULL;
	pid_t runner = 0;
	int r = make_ends(x, &e, &io);
	if (r < 0)
		r = berr_set(&err, -r, "exec %s: its stdio", x->id);
	if (r == 0)
		r = eng_exec_start(&x->es, x->cid, x->id, &io, false, &runner, &err);
	close_io(&io);
	if (r == 0 && x->tty) { /* the master, sent before the process runs */
		int sock_in = e.master;
		e.master = rt_console_recv(sock_in, 0, &err);
		(void)close(sock_in);
		if (e.master < 0)
			r = e.master; /* its error's code */
	}
	if (r < 0) { /* as dockerd: the start's error in the stream */
		autofree char *msg = berr_string(err);
		autofree char *line = xasprintf("%s\r\n", msg);
		(void)to_client(sock, x->tty, 2, line, strlen(line));
		berr_free(err);
	} else {
		autoclose int pidfd = (int)syscall(SYS_pidfd_open, runner, 0);
		if (pidfd >= 0)
			relay(x, &e, sock, pidfd, extra, n);
	}
	if (runner > 0)
		while (waitpid(runner, NULL, 0) < 0 && errno == EINTR)
			;
	close_end(&e.in);
	close_end(&e.out);
	close_end(&e.err);
	close_end(&e.master);
	(void)shutdown(sock, SHUT_WR);
	free(x);
}

int api_exec_start(struct api_req *r)
{
	char cid[ENG_ID_LEN + 1];
	json_auto_t *rec = target(r, cid);
	if (!rec)
		return 0;
	struct berr *err = NULL;
	json_auto_t *body = api_body_json(r, &err);
	if (!body)
		return api_reply_berr(r, err);
	bool detach = json_is_true(json_object_get(body, "Detach"));
	struct session *x = xzalloc(sizeof(*x));
	x->es = r->ctx->es;
	memcpy(x->cid, cid, sizeof(cid));
	snprintf(x->id, sizeof(x->id), "%s", json_string_value(json_object_get(rec, "ID")) ?: "");
	x->in = json_is_true(json_object_get(rec, "OpenStdin"));
	x->out = json_is_true(json_object_get(rec, "OpenStdout"));
	x->err = json_is_true(json_object_get(rec, "OpenStderr"));
	x->tty = json_is_true(json_object_get(json_object_get(rec, "ProcessConfig"), "tty"));
	bool begun = json_is_integer(json_object_get(rec, "ExitCode")) ||
		     json_is_true(json_object_get(rec, "Running"));
	int rr = 0;
	pid_t runner = 0;
	if (detach)
		rr = eng_exec_start(&x->es, cid, x->id, NULL, true, &runner, &err);
	else if (begun) /* the stream is for one start: refused before it is opened */
		rr = berr_plain(&err, EALREADY, "Error: Exec command %s is already running", x->id);
	else
		rr = eng_exec_ready(&x->es, cid, &err);
	if (rr < 0 || detach) {
		free(x);
		return rr < 0 ? api_reply_berr(r, err) : api_reply_empty(r, 200);
	}
	return api_reply_upgrade(r, started, x);
}

/* ---- resize ---- */

int api_exec_resize(struct api_req *r)
{
	char cid[ENG_ID_LEN + 1];
	json_t *rec = target(r, cid);
	if (!rec)
		return 0;
	json_decref(rec);
	bool bad = false;
	long long h = api_query_int(r, "h", 0, &bad), w = api_query_int(r, "w", 0, &bad);
	if (bad || h < 0 || w < 0 || h > 65535 || w > 65535)
		return api_reply_error(r, 400, "invalid resize: h=%s w=%s", api_query(r, "h"),
				       api_query(r, "w"));
	/* the docker CLI sizes the terminal as the start begins: give the process a moment to
	 * run; one that has no terminal or has ended takes the size as nothing to do */
	for (int i = 0; i < 100; i++) {
		struct berr *err = NULL;
		int rr =
		    eng_exec_resize(&r->ctx->es, cid, r->param, (unsigned)h, (unsigned)w, &err);
		int code = rr < 0 ? berr_code(err) : 0;
		if (rr == 0 || code == ENOTTY)
			return berr_free(err), api_reply_empty(r, 200);
		if (code != ESRCH)
			return api_reply_berr(r, err);
		berr_free(err);
		json_t *now = eng_exec_load(&r->ctx->es, r->param, cid, NULL);
		bool ended = !now || json_is_integer(json_object_get(now, "ExitCode"));
		json_decref(now);
		if (ended)
			return api_reply_empty(r, 200);
		struct timespec t = {0, 20 * 1000000L};
		nanosleep(&t, NULL);
	}
	return api_reply_empty(r, 200);
}

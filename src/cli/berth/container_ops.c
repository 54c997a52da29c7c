/* stop, restart, kill, rm, rename, container prune, and the `container` group. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli/berth/attach.h"
#include "cli/berth/berth.h"
#include "cli/berth/flags.h"
#include "cli/berth/output.h"
#include "cli/berth/prune.h"
#include "engine/attach.h"
#include "engine/container.h"
#include "engine/container_prune.h"
#include "engine/exec.h"
#include "engine/executor.h"
#include "engine/monitor.h"
#include "runtime/container.h"
#include "runtime/spec.h"
#include "runtime/terminal.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/filter.h"
#include "util/json.h"
#include "util/log.h"
#include "util/signal.h"
#include "util/xalloc.h"
#include "vm/guestcfg.h"

int cli_each_container(struct cli_opts *o, int n, const char **pos,
		       int (*act)(struct eng_store *es, const char *id, void *ctx,
				  struct berr **err),
		       void *ctx, bool print)
{
	struct eng_store es = cli_engine(o);
	int status = 0;
	for (int i = 0; i < n; i++) {
		char id[ENG_ID_LEN + 1];
		struct berr *err = NULL;
		if (eng_container_resolve(&es, pos[i], id, &err) < 0 ||
		    act(&es, id, ctx, &err) < 0) {
			status = cli_fail(err, 1);
			continue;
		}
		if (print)
			printf("%s\n", pos[i]);
	}
	return status;
}

static int do_stop(struct eng_store *es, const char *id, void *ctx, struct berr **err)
{
	return eng_container_stop(es, id, (int)*(long *)ctx, err);
}

static int do_restart(struct eng_store *es, const char *id, void *ctx, struct berr **err)
{
	return eng_container_restart(es, id, (int)*(long *)ctx, err);
}

static int stop_or_restart(struct cli_opts *o, int argc, char **argv, bool restart)
{
	long timeout = -1;
	const struct flag flags[] = {{"time", 't', FLAG_INT, &timeout,
				      "Seconds to wait before killing the container", "int"},
				     {"timeout", 0, FLAG_INT, &timeout, NULL},
				     FLAG_END};
	const struct flag_cmd cmd = {
	    restart ? "berth restart" : "berth stop", "[OPTIONS] CONTAINER [CONTAINER...]",
	    restart ? "Restart one or more containers" : "Stop one or more running containers",
	    true, FLAG_MIN_ARGS(1)};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return flags_status(n);
	return cli_each_container(o, n, pos, restart ? do_restart : do_stop, &timeout, true);
}

int cmd_stop(struct cli_opts *o, int argc, char **argv)
{
	return stop_or_restart(o, argc, argv, false);
}

int cmd_restart(struct cli_opts *o, int argc, char **argv)
{
	return stop_or_restart(o, argc, argv, true);
}

static int do_kill(struct eng_store *es, const char *id, void *ctx, struct berr **err)
{
	return eng_container_kill(es, id, *(int *)ctx, err);
}

int cmd_kill(struct cli_opts *o, int argc, char **argv)
{
	const char *signal = "KILL";
	const struct flag flags[] = {
	    {"signal", 's', FLAG_STRING, &signal, "Signal to send to the container", "string"},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth kill", "[OPTIONS] CONTAINER [CONTAINER...]",
				     "Kill one or more running containers", true, FLAG_MIN_ARGS(1)};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return flags_status(n);
	int sig = sig_parse(signal);
	if (sig <= 0)
		return cli_error(125, "invalid signal: %s", signal);
	return cli_each_container(o, n, pos, do_kill, &sig, true);
}

static int do_rm(struct eng_store *es, const char *id, void *ctx, struct berr **err)
{
	bool *f = ctx; /* force, volumes */
	return eng_container_destroy(es, id, f[0], f[1], err);
}

int cmd_rm(struct cli_opts *o, int argc, char **argv)
{
	bool force = false, volumes = false;
	const struct flag flags[] = {
	    {"force", 'f', FLAG_BOOL, &force, "Force the removal of a running container"},
	    {"volumes", 'v', FLAG_BOOL, &volumes,
	     "Remove anonymous volumes associated with the container"},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth rm", "[OPTIONS] CONTAINER [CONTAINER...]",
				     "Remove one or more containers", true, FLAG_MIN_ARGS(1)};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return flags_status(n);
	bool f[2] = {force, volumes};
	return cli_each_container(o, n, pos, do_rm, f, true);
}

int cmd_rename(struct cli_opts *o, int argc, char **argv)
{
	const struct flag flags[] = {FLAG_END};
	const struct flag_cmd cmd = {"berth rename", "CONTAINER NEW_NAME", "Rename a container",
				     true, FLAG_EXACT_ARGS(2)};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return flags_status(n);
	struct eng_store es = cli_engine(o);
	char id[ENG_ID_LEN + 1];
	struct berr *err = NULL;
	if (eng_container_resolve(&es, pos[0], id, &err) < 0 ||
	    eng_container_rename(&es, id, pos[1], &err) < 0)
		return cli_fail(err, 1);
	return 0;
}

int cmd_container_prune(struct cli_opts *o, int argc, char **argv)
{
	bool force = false;
	struct flag_list filters = {0};
	const struct flag flags[] = {
	    {"force", 'f', FLAG_BOOL, &force, "Do not prompt for confirmation"},
	    {"filter", 0, FLAG_LIST, &filters, "Provide filter values (until=, label=, label!=)",
	     "filter"},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth container prune", "[OPTIONS]",
				     "Remove all stopped containers", true, FLAG_NO_ARGS};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	struct berr *err = NULL;
	/* the filters checked before the question: a bad one removes nothing */
	json_auto_t *f =
	    n < 0 ? NULL : filter_parse_args((char *const *)filters.v, filters.n, &err);
	flag_list_free(&filters);
	if (n < 0)
		return flags_status(n);
	if (!f || eng_container_prune_check(f, &err) < 0)
		return cli_fail(err, 125);
	if (!force && !prune_confirm("WARNING! This will remove all stopped containers."))
		return 0;
	struct eng_store es = cli_engine(o);
	json_auto_t *gone = json_array();
	uint64_t bytes = 0;
	int status = eng_container_prune(&es, f, gone, &bytes, &err) < 0 ? cli_fail(err, 1) : 0;
	size_t i;
	json_t *id;
	json_array_foreach(gone, i, id)
	    printf("%s%s\n", i ? "" : "Deleted Containers:\n", json_string_value(id));
	char size[32];
	printf("%sTotal reclaimed space: %s\n", json_array_size(gone) ? "\n" : "",
	       out_size((int64_t)bytes, size));
	return status;
}

int cmd_container(struct cli_opts *o, int argc, char **argv)
{
	static const struct cli_command sub[] = {
	    {"ls", "List containers", cmd_ps},
	    {"list", NULL, cmd_ps},
	    {"ps", NULL, cmd_ps},
	    {"run", "Create and run a new container from an image", cmd_run},
	    {"create", "Create a new container", cmd_create},
	    {"start", "Start one or more stopped containers", cmd_start},
	    {"stop", "Stop one or more running containers", cmd_stop},
	    {"restart", "Restart one or more containers", cmd_restart},
	    {"kill", "Kill one or more running containers", cmd_kill},
	    {"rm", "Remove one or more containers", cmd_rm},
	    {"remove", NULL, cmd_rm},
	    {"logs", "Fetch the logs of a container", cmd_logs},
	    {"exec", "Execute a command in a running container", cmd_exec},
	    {"attach", "Attach to a running container", cmd_attach},
	    {"pause", "Pause all processes within one or more containers", cmd_pause},
	    {"unpause", "Unpause all processes within one or more containers", cmd_unpause},
	    {"top", "Display the running processes of a container", cmd_top},
	    {"stats", "Display containers' resource usage", cmd_stats},
	    {"port", "List port mappings of a container", cmd_port},
	    {"update", "Update configuration of one or more containers", cmd_update},
	    {"cp", "Copy files between a container and the local filesystem", cmd_cp},
	    {"diff", "Inspect changes on a container's filesystem", cmd_diff},
	    {"export", "Export a container's filesystem as a tar archive", cmd_export},
	    {"commit", "Create a new image from a container's changes", cmd_commit},
	    {"inspect", "Display detailed information on one or more containers", cmd_inspect},
	    {"wait", "Block until one or more containers stop", cmd_wait},
	    {"rename", "Rename a container", cmd_rename},
	    {"prune", "Remove all stopped containers", cmd_container_prune},
	    {NULL, NULL, NULL}};
	return cli_group(o, "container", "Manage containers", sub, argc, argv);
}

static bool is_paused(struct eng_store *es, const char *id)
{
	json_t *st = eng_state_load(es, id);
	bool paused = !strcmp(json_string_value(json_object_get(st, "Status")) ?: "", "paused");
	json_decref(st);
	return paused;
}

/* exec into a VM: its monitor relays the process to the guest (vm/session.h). */
static int exec_vm(struct eng_store *es, const char *id, struct rt_process *pr, bool interactive)
{
	if (!cli_running(es, id))
		return cli_error(1, "container %.12s is not running", id);
	struct winsize ws;
	if (pr->terminal && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0) {
		pr->console_height = ws.ws_row;
		pr->console_width = ws.ws_col;
	}
	size_t len = 0;
	autofree char *records = vm_guest_process(pr, &len);
	struct berr *err = NULL;
	autoclose int sock = eng_attach_connect(es, id, &err);
	if (sock < 0)
		return cli_fail(err, 1);
	/* an exec that fails at once is answered and dropped before our next write: its answer
	 * is read all the same, and the write's EPIPE must not kill us */
	signal(SIGPIPE, SIG_IGN);
	if (frame_exec_send(sock, records, len, interactive) < 0)
		return cli_error(126, "exec: the container's monitor went away");
	struct cli_attach a = {.stdin_ = interactive,
			       .stdout_ = true,
			       .stderr_ = true,
			       .tty_raw = pr->terminal,
			       .sig_proxy = false,
			       .exec = true};
	int code = cli_attach_run(es, id, sock, &a);
	return code < 0 ? 0 : code;
}

/* exec -d: started now (a process that cannot start is our error, as with Docker), then
 * left to a runner that logs its end (engine/exec_detach.c). */
static int exec_detached(struct eng_store *es, const char *id, const char *exec_id,
			 struct rt_process *pr)
{
	bool up = cli_running(es, id);
	struct berr *err = NULL;
	int r = !up && eng_container_is_vm(es, id)
		    ? berr_plain(&err, EBUSY, "container %.12s is not running", id)
		    : eng_exec_detached(es, id, exec_id, pr, &err);
	rt_process_free(pr);
	if (r == 0)
		return 0;
	int status = r == -EBUSY ? 1 : berr_code(err) == ENOENT ? 127 : 126;
	if (*exec_id)
		eng_exec_finish(es, id, exec_id, status);
	return cli_fail(err, status);
}

/* exec into a VM in the foreground; its end recorded as the API's execs are. */
static int exec_in_vm(struct eng_store *es, const char *id, const char *exec_id,
		      struct rt_process *pr, bool interactive)
{
	int status = exec_vm(es, id, pr, interactive);
	rt_process_free(pr);
	if (exec_id[0])
		eng_exec_finish(es, id, exec_id, status);
	return status;
}

/* exec through the runtime (runc exec) in the foreground: its status is ours, Docker's 126
 * or 127 when it could not start. */
static int exec_runtime(struct eng_store *es, const char *id, const char *exec_id,
			struct rt_process *pr, bool tty, bool interactive)
{
	struct berr *err = NULL;
	int status = 0;
	/* without -i the command reads nothing, as with Docker */
	if (!interactive) {
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (null >= 0) {
			dup2(null, 0);
			close(null);
		}
	}
	autofree char *rtroot = eng_runtime_root(es);
	struct rt_exec_opts eo = {.root = rtroot, .id = id, .process = pr};
	struct rt_terminal term = {.sock = {-1, -1}, .master = -1};
	if (tty) {
		if (rt_terminal_open(&term, &err) < 0 || rt_terminal_start(&term, &err) < 0) {
			rt_terminal_close(&term);
			rt_process_free(pr);
			return cli_fail(err, 126);
		}
		eo.has_console_fd = true;
		eo.console_fd = term.sock[1];
	}
	int r = rt_container_exec(&eo, &status, &err);
	rt_terminal_close(&term);
	rt_process_free(pr);
	if (r < 0)
		status = berr_code(err) == ENOENT ? 127 : 126;
	if (exec_id[0])
		eng_exec_finish(es, id, exec_id, status);
	return r < 0 ? cli_fail(err, status) : status;
}

int cmd_exec(struct cli_opts *o, int argc, char **argv)
{
	bool interactive = false, tty = false, detach = false, privileged = false;
	const char *user = NULL, *workdir = NULL;
	struct flag_list env = {0};
	const struct flag flags[] = {
	    {"interactive", 'i', FLAG_BOOL, &interactive, "Keep STDIN open even if not attached"},
	    {"tty", 't', FLAG_BOOL, &tty, "Allocate a pseudo-TTY"},
	    {"detach", 'd', FLAG_BOOL, &detach, "Detached mode: run command in the background"},
	    {"env", 'e', FLAG_LIST, &env, "Set environment variables", "list"},
	    {"user", 'u', FLAG_STRING, &user, "Username or UID (format: <name|uid>[:<group|gid>])",
	     "string"},
	    {"workdir", 'w', FLAG_STRING, &workdir, "Working directory inside the container",
	     "string"},
	    {"privileged", 0, FLAG_BOOL, &privileged, NULL},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth exec", "[OPTIONS] CONTAINER COMMAND [ARG...]",
				     "Execute a command in a running container", false,
				     FLAG_MIN_ARGS(2)};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0) {
		flag_list_free(&env);
		return flags_status(n);
	}
	struct eng_store es = cli_engine(o);
	char id[ENG_ID_LEN + 1];
	struct berr *err = NULL;
	struct rt_process *pr = NULL;
	int status = 0;
	if (eng_container_resolve(&es, pos[0], id, &err) < 0)
		status = cli_fail(err, 1);
	else if (is_paused(&es, id))
		status = cli_error(1, "container %s is paused, unpause the container before exec",
				   pos[0]);
	const struct eng_exec_config ec = {.cmd = (char **)pos + 1,
					   .env = (char *const *)env.v,
					   .workdir = workdir,
					   .user = user,
					   .tty = tty,
					   .privileged = privileged};
	if (!status && eng_exec_process(&es, id, &ec, &pr, &err) < 0)
		status = cli_fail(err, 126);
	/* its record and events, as the API's execs (a failure to log is no failure to run) */
	char exec_id[ENG_ID_LEN + 1] = "";
	if (!status && eng_exec_announce(&es, id, &ec, exec_id, &err) < 0) {
		log_debug("exec events: %s", err->msg);
		berr_clear(&err);
		exec_id[0] = '\0';
	}
	flag_list_free(&env);
	if (status)
		return status;
	if (detach)
		return exec_detached(&es, id, exec_id, pr);
	if (eng_container_is_vm(&es, id))
		return exec_in_vm(&es, id, exec_id, pr, interactive);
	return exec_runtime(&es, id, exec_id, pr, tty, interactive);
}

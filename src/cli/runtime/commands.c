/* berth-runtime commands: argument handling and output only; the work is in runtime/. */
#include <errno.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "cli/runtime/args.h"
#include "cli/runtime/cli.h"
#include "image/builtin.h"
#include "runtime/container.h"
#include "runtime/state.h"
#include "runtime/terminal.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/json.h"
#include "util/signal.h"
#include "util/xalloc.h"
#include "vm/shim.h"

int cmd_exec(struct cli_opts *o, int argc, char **argv);
int cmd_spec(struct cli_opts *o, int argc, char **argv);
int cmd_features(struct cli_opts *o, int argc, char **argv);
int cmd_update(struct cli_opts *o, int argc, char **argv);
int cmd_events(struct cli_opts *o, int argc, char **argv);
int cmd_ps(struct cli_opts *o, int argc, char **argv);

int cli_parse_signal(const char *s)
{
	return sig_parse(s);
}

static const struct cli_flag create_flags[] = {{"bundle", 'b', true, false},
					       {"pid-file", 0, true, false},
					       {"console-socket", 0, true, false},
					       {"preserve-fds", 0, true, false},
					       {"no-pivot", 0, false, false},
					       {"no-new-keyring", 0, false, false},
					       {"config", 'f', true, false},
					       {"detach", 'd', false, false},
					       {"keep", 0, false, false},
					       {"no-subreaper", 0, false, false},
					       {NULL, 0, false, false}};

/* berth-runtime-vm's create and run (vm/shim.h). */
static int vm_create(struct cli_opts *o, const struct rt_create_opts *co, bool run, bool detach,
		     bool keep)
{
	struct berr *err = NULL;
	autofree char *init = getenv("BERTH_VM_INIT") ? xstrdup(getenv("BERTH_VM_INIT"))
						      : img_builtin_file("berth-vm-init", &err);
	if (!init)
		return cli_fail(err);
	struct vm_rt_create vc = {.root = o->root,
				  .id = co->id,
				  .bundle = co->bundle,
				  .config = co->config,
				  .pid_file = co->pid_file,
				  .console_socket = co->console_socket,
				  .init_path = init};
	if (run && !detach)
		(void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	if (vm_rt_create(&vc, &err) < 0)
		return cli_fail(err);
	if (!run)
		return 0;
	json_t *st = vm_rt_state(o->root, co->id, NULL);
	pid_t pid = (pid_t)json_integer_value(json_object_get(st, "pid"));
	json_decref(st);
	if (vm_rt_start(o->root, co->id, &err) < 0) {
		(void)vm_rt_delete(o->root, co->id, true, NULL);
		return cli_fail(err);
	}
	if (detach)
		return 0;
	int status = rt_wait_forward(pid);
	if (!keep)
		(void)vm_rt_delete(o->root, co->id, true, NULL);
	return status;
}

/* The container created, the console's master taken when we relay it, and started for run;
 * deleted again when a step after the create fails. */
static int create_started(struct cli_opts *o, const struct rt_create_opts *co,
			  struct rt_terminal *term, bool run, pid_t *pid, struct berr **err)
{
	int r = rt_container_create(co, pid, err);
	rt_terminal_handed_over(term);
	if (r < 0)
		return r;
	if (term->sock[0] >= 0)
		r = rt_terminal_adopt(term, err);
	if (r == 0 && run)
		r = rt_container_start(o->root, co->id, err);
	if (r < 0)
		(void)rt_container_delete(o->root, co->id, true, NULL);
	return r;
}

/* run in the foreground: we are the reaper of its init, our grandchild, and without a console
 * socket, a terminal the config asks for is relayed to our own stdio (term). */
static int foreground(struct rt_create_opts *co, struct rt_terminal *term, struct berr **err)
{
	(void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	if (co->console_socket)
		return 0;
	int r = rt_terminal_open(term, err);
	if (r < 0)
		return r;
	co->has_console_fd = true;
	co->console_fd = term->sock[1];
	return 0;
}

static int do_create(struct cli_opts *o, const char *cmd, int argc, char **argv, bool run)
{
	struct cli_parsed p;
	if (cli_parse(cmd, create_flags, argc, argv, &p) < 0)
		return 1;
	if (p.npos != 1)
		return cli_usage_error(cmd, "expects exactly one container id");
	const char *bundle = cli_get(create_flags, &p, "bundle");
	autofree char *abs_bundle = realpath(bundle ? bundle : ".", NULL);
	if (!abs_bundle) {
		fprintf(stderr, "berth-runtime: %s: bundle '%s': %s\n", cmd, bundle ? bundle : ".",
			strerror(errno));
		return 1;
	}
	const char *fds = cli_get(create_flags, &p, "preserve-fds");
	struct rt_create_opts co = {
	    .root = o->root,
	    .id = p.pos[0],
	    .bundle = abs_bundle,
	    .config = cli_get(create_flags, &p, "config"),
	    .pid_file = cli_get(create_flags, &p, "pid-file"),
	    .console_socket = cli_get(create_flags, &p, "console-socket"),
	    .preserve_fds = fds ? atoi(fds) : 0,
	    .listen_fds = getenv("LISTEN_FDS") ? atoi(getenv("LISTEN_FDS")) : 0,
	    .no_pivot = cli_has(create_flags, &p, "no-pivot"),
	    .no_new_keyring = cli_has(create_flags, &p, "no-new-keyring"),
	    .systemd_cgroup = o->systemd_cgroup,
	    .rootless = o->rootless,
	};
	bool detach = cli_has(create_flags, &p, "detach");
	struct berr *err = NULL;
	autofree char *config =
	    co.config ? xstrdup(co.config) : xasprintf("%s/config.json", abs_bundle);
	if (vm_rt_wanted(config, o->vm))
		return vm_create(o, &co, run, detach, cli_has(create_flags, &p, "keep"));
	struct rt_terminal term = {.sock = {-1, -1}, .master = -1};
	int r = run && !detach ? foreground(&co, &term, &err) : 0;
	pid_t pid;
	if (r == 0)
		r = create_started(o, &co, &term, run, &pid, &err);
	if (r < 0 || !run || detach) {
		rt_terminal_close(&term);
		return r < 0 ? cli_fail(err) : 0;
	}
	int status = rt_wait_forward(pid);
	if (!cli_has(create_flags, &p, "keep"))
		r = rt_container_delete(o->root, co.id, true, &err);
	rt_terminal_close(&term);
	return r < 0 ? cli_fail(err) : status;
}

static int cmd_create(struct cli_opts *o, int argc, char **argv)
{
	return do_create(o, "create", argc, argv, false);
}

static int cmd_run(struct cli_opts *o, int argc, char **argv)
{
	return do_create(o, "run", argc, argv, true);
}

static const struct cli_flag no_flags[] = {{NULL, 0, false, false}};

static int one_id(const char *cmd, const struct cli_flag *flags, int argc, char **argv,
		  struct cli_parsed *p)
{
	if (cli_parse(cmd, flags, argc, argv, p) < 0)
		return -1;
	if (p->npos != 1) {
		cli_usage_error(cmd, "expects exactly one container id");
		return -1;
	}
	return 0;
}

static int cmd_start(struct cli_opts *o, int argc, char **argv)
{
	struct cli_parsed p;
	struct berr *err = NULL;
	if (one_id("start", no_flags, argc, argv, &p) < 0)
		return 1;
	if (vm_rt_exists(o->root, p.pos[0]))
		return vm_rt_start(o->root, p.pos[0], &err) < 0 ? cli_fail(err) : 0;
	return rt_container_start(o->root, p.pos[0], &err) < 0 ? cli_fail(err) : 0;
}

static int cmd_state(struct cli_opts *o, int argc, char **argv)
{
	struct cli_parsed p;
	struct berr *err = NULL;
	if (one_id("state", no_flags, argc, argv, &p) < 0)
		return 1;
	json_t *s = vm_rt_exists(o->root, p.pos[0]) ? vm_rt_state(o->root, p.pos[0], &err)
						    : rt_container_state(o->root, p.pos[0], &err);
	if (!s)
		return cli_fail(err);
	char *text = json_dumps(s, JSON_INDENT(2));
	printf("%s\n", text);
	free(text);
	json_decref(s);
	return 0;
}

static const struct cli_flag kill_flags[] = {{"all", 'a', false, false}, {NULL, 0, false, false}};

static int cmd_kill(struct cli_opts *o, int argc, char **argv)
{
	struct cli_parsed p;
	struct berr *err = NULL;
	if (cli_parse("kill", kill_flags, argc, argv, &p) < 0)
		return 1;
	if (p.npos < 1 || p.npos > 2)
		return cli_usage_error("kill", "expects a container id and an optional signal");
	int sig = p.npos == 2 ? cli_parse_signal(p.pos[1]) : SIGTERM;
	if (sig < 0)
		return cli_usage_error("kill", "unknown signal '%s'", p.pos[1]);
	bool all = cli_has(kill_flags, &p, "all");
	if (vm_rt_exists(o->root, p.pos[0]))
		return vm_rt_kill(o->root, p.pos[0], sig, all, &err) < 0 ? cli_fail(err) : 0;
	return rt_container_kill(o->root, p.pos[0], sig, all, &err) < 0 ? cli_fail(err) : 0;
}

static const struct cli_flag delete_flags[] = {
    {"force", 'f', false, false}, {"regex", 'r', false, false}, {NULL, 0, false, false}};

static int delete_one(struct cli_opts *o, const char *id, bool force)
{
	struct berr *err = NULL;
	if ((vm_rt_exists(o->root, id) ? vm_rt_delete(o->root, id, force, &err)
				       : rt_container_delete(o->root, id, force, &err)) == 0)
		return 0;
	/* runc: a missing container is not an error with --force */
	if (force && berr_code(err) == ENOENT) {
		berr_clear(&err);
		return 0;
	}
	return cli_fail(err);
}

/* crun's `delete --regex RE`: every container whose id matches the extended regex. */
static int delete_matching(struct cli_opts *o, const char *pattern, bool force)
{
	regex_t re;
	if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
		return cli_usage_error("delete", "invalid regular expression '%s'", pattern);
	struct berr *err = NULL;
	json_t *arr = rt_container_list(o->root, &err);
	if (!arr) {
		regfree(&re);
		return cli_fail(err);
	}
	int rc = 0;
	size_t i;
	json_t *c;
	json_array_foreach(arr, i, c)
	{
		const char *id = json_string_value(json_object_get(c, "id"));
		if (id && regexec(&re, id, 0, NULL, 0) == 0 && delete_one(o, id, force) != 0)
			rc = 1;
	}
	json_decref(arr);
	regfree(&re);
	return rc;
}

static int cmd_delete(struct cli_opts *o, int argc, char **argv)
{
	struct cli_parsed p;
	if (cli_parse("delete", delete_flags, argc, argv, &p) < 0)
		return 1;
	bool force = cli_has(delete_flags, &p, "force");
	if (cli_has(delete_flags, &p, "regex")) {
		if (p.npos != 1)
			return cli_usage_error("delete", "--regex expects one pattern");
		return delete_matching(o, p.pos[0], force);
	}
	if (p.npos < 1)
		return cli_usage_error("delete", "expects at least one container id");
	int rc = 0;
	for (int i = 0; i < p.npos; i++)
		if (delete_one(o, p.pos[i], force) != 0)
			rc = 1;
	return rc;
}

static const struct cli_flag list_flags[] = {
    {"format", 'f', true, false}, {"quiet", 'q', false, false}, {NULL, 0, false, false}};

static int cmd_list(struct cli_opts *o, int argc, char **argv)
{
	struct cli_parsed p;
	struct berr *err = NULL;
	if (cli_parse("list", list_flags, argc, argv, &p) < 0)
		return 1;
	const char *format = cli_get(list_flags, &p, "format");
	json_auto_t *arr = rt_container_list(o->root, &err);
	if (!arr)
		return cli_fail(err);
	json_t *vms = vm_rt_list(o->root);
	json_array_extend(arr, vms);
	json_decref(vms);
	size_t i;
	json_t *c;
	if (format && !strcmp(format, "json")) {
		char *text = json_dumps(arr, JSON_COMPACT);
		printf("%s\n", json_array_size(arr) ? text : "null");
		free(text);
	} else if (format && strcmp(format, "table")) {
		return cli_usage_error("list", "unknown format '%s'", format);
	} else if (cli_has(list_flags, &p, "quiet")) {
		json_array_foreach(arr, i, c)
		    printf("%s\n", json_string_value(json_object_get(c, "id")));
	} else {
		printf("%-20s %-8s %-10s %-40s %-32s %s\n", "ID", "PID", "STATUS", "BUNDLE",
		       "CREATED", "OWNER");
		json_array_foreach(arr, i, c)
		{
			printf("%-20s %-8lld %-10s %-40s %-32s %s\n",
			       json_string_value(json_object_get(c, "id")),
			       (long long)json_integer_value(json_object_get(c, "pid")),
			       json_string_value(json_object_get(c, "status")),
			       json_string_value(json_object_get(c, "bundle")),
			       json_string_value(json_object_get(c, "created")), "root");
		}
	}
	return 0;
}

static int pause_resume(struct cli_opts *o, const char *cmd, int argc, char **argv, bool pause)
{
	struct cli_parsed p;
	struct berr *err = NULL;
	if (one_id(cmd, no_flags, argc, argv, &p) < 0)
		return 1;
	if (vm_rt_exists(o->root, p.pos[0]))
		return vm_rt_pause(o->root, p.pos[0], pause, &err) < 0 ? cli_fail(err) : 0;
	return rt_container_pause(o->root, p.pos[0], pause, &err) < 0 ? cli_fail(err) : 0;
}

static int cmd_pause(struct cli_opts *o, int argc, char **argv)
{
	return pause_resume(o, "pause", argc, argv, true);
}

static int cmd_resume(struct cli_opts *o, int argc, char **argv)
{
	return pause_resume(o, "resume", argc, argv, false);
}

const struct cli_command cli_commands[] = {
    {"create", "create a container from a bundle", cmd_create},
    {"start", "start the user process of a created container", cmd_start},
    {"run", "create and start a container", cmd_run},
    {"state", "print the state of a container", cmd_state},
    {"list", "list containers", cmd_list},
    {"kill", "send a signal to the container's init (or all its processes)", cmd_kill},
    {"delete", "delete a stopped container (--force: any; --regex RE: all matching)", cmd_delete},
    {"exec", "run a process in a container", cmd_exec},
    {"ps", "list processes of a container", cmd_ps},
    {"pause", "freeze all processes of a container", cmd_pause},
    {"resume", "thaw a paused container", cmd_resume},
    {"update", "change resource limits of a container", cmd_update},
    {"events", "print container stats (--stats) or events", cmd_events},
    {"spec", "write a default config.json", cmd_spec},
    {"features", "print what this runtime supports (JSON)", cmd_features},
    {NULL, NULL, NULL}};

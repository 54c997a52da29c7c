/* berth-runtime exec: the process comes from --process FILE, or from the container's own
 * process with the command line's changes (runc's semantics: env appended, args replaced). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/runtime/args.h"
#include "cli/runtime/cli.h"
#include "runtime/container.h"
#include "runtime/spec.h"
#include "runtime/terminal.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/json.h"
#include "util/log.h"
#include "util/xalloc.h"
#include "vm/shim.h"

int cmd_exec(struct cli_opts *o, int argc, char **argv);

static const struct cli_flag exec_flags[] = {{"process", 'p', true, false},
					     {"tty", 't', false, false},
					     {"cwd", 0, true, false},
					     {"env", 'e', true, true},
					     {"user", 'u', true, false},
					     {"cap", 'c', true, true},
					     {"no-new-privs", 0, false, false},
					     {"detach", 'd', false, false},
					     {"pid-file", 0, true, false},
					     {"console-socket", 0, true, false},
					     {"preserve-fds", 0, true, false},
					     {"additional-gids", 'g', true, true},
					     {"apparmor", 0, true, false},
					     {"process-label", 0, true, false},
					     {"ignore-paused", 0, false, false},
					     {"cgroup", 0, true, true},
					     {NULL, 0, false, false}};

/* --cap NAME, as runc and crun: bounding, effective and permitted; ambient only where the
 * process's inheritable set already has it (ambient needs inheritable). */
static void add_cap(struct rt_process *pr, const char *name)
{
	int c = rt_cap_from_name(name);
	pr->has_caps = true;
	if (c < 0 || c > rt_cap_last()) { /* as in config.json (runtime/spec.c) */
		log_warn("--cap: capability '%s' %s, ignored", name,
			 c < 0 ? "unknown" : "not known to this kernel");
		return;
	}
	uint64_t bit = 1ULL << c;
	pr->caps[RT_CAP_BOUNDING] |= bit;
	pr->caps[RT_CAP_EFFECTIVE] |= bit;
	pr->caps[RT_CAP_PERMITTED] |= bit;
	if (pr->caps[RT_CAP_INHERITABLE] & bit)
		pr->caps[RT_CAP_AMBIENT] |= bit;
}

/* --env K=V: the same name given again replaces the old value. */
static void set_env(struct rt_process *pr, const char *kv)
{
	size_t n = strv_len(pr->env);
	size_t klen = strcspn(kv, "=");
	for (size_t i = 0; i < n; i++)
		if (!strncmp(pr->env[i], kv, klen) && pr->env[i][klen] == '=') {
			free(pr->env[i]);
			pr->env[i] = xstrdup(kv);
			return;
		}
	pr->env = xrealloc(pr->env, (n + 2) * sizeof(char *));
	pr->env[n] = xstrdup(kv);
	pr->env[n + 1] = NULL;
}

static int apply_flags(struct rt_process *pr, const struct cli_parsed *p, struct berr **err)
{
	const char *v;
	if ((v = cli_get(exec_flags, p, "cwd"))) {
		free(pr->cwd);
		pr->cwd = xstrdup(v);
	}
	if (cli_has(exec_flags, p, "tty"))
		pr->terminal = true;
	if (cli_has(exec_flags, p, "no-new-privs"))
		pr->no_new_privileges = true;
	if ((v = cli_get(exec_flags, p, "user"))) {
		unsigned uid = 0, gid = 0;
		int n = sscanf(v, "%u:%u", &uid, &gid);
		if (n < 1)
			return berr_set(err, EINVAL, "--user '%s': expected UID[:GID]", v);
		pr->uid = uid;
		pr->gid = n == 2 ? gid : 0;
	}
	const char **gids = cli_list(exec_flags, p, "additional-gids");
	for (; gids && *gids; gids++) {
		pr->additional_gids =
		    xrealloc(pr->additional_gids, (pr->n_additional_gids + 1) * sizeof(gid_t));
		pr->additional_gids[pr->n_additional_gids++] = (gid_t)atoi(*gids);
	}
	const char **caps = cli_list(exec_flags, p, "cap");
	for (; caps && *caps; caps++)
		add_cap(pr, *caps);
	const char **env = cli_list(exec_flags, p, "env");
	for (; env && *env; env++)
		set_env(pr, *env);
	return 0;
}

static struct rt_process *load_process(struct cli_opts *o, const struct cli_parsed *p,
				       struct berr **err)
{
	const char *file = cli_get(exec_flags, p, "process");
	if (file) {
		json_t *j = json_load_path(AT_FDCWD, file, RT_SPEC_MAX_BYTES, err);
		if (!j)
			return NULL;
		struct rt_process *pr = rt_process_parse(j, "process", err);
		json_decref(j);
		if (pr && (!pr->args || !pr->args[0])) {
			rt_process_free(pr);
			berr_set(err, EINVAL, "process.args: must have at least one entry");
			return NULL;
		}
		return pr;
	}
	if (p->npos < 2) {
		berr_set(err, EINVAL, "exec: expects a container id and a command (or --process)");
		return NULL;
	}
	autoptr(rt_spec) spec = NULL;
	if (vm_rt_exists(o->root, p->pos[0])) {
		/* a VM's: the process of its bundle's config */
		json_t *st = vm_rt_state(o->root, p->pos[0], err);
		const char *bundle = json_string_value(json_object_get(st, "bundle"));
		autofree char *config = bundle ? xasprintf("%s/config.json", bundle) : NULL;
		spec = config ? rt_spec_load(config, bundle, err) : NULL;
		json_decref(st);
	} else {
		spec = rt_container_spec(o->root, p->pos[0], err);
	}
	if (!spec)
		return NULL;
	if (!spec->process) {
		berr_set(err, EINVAL, "container '%s' has no process to base exec on", p->pos[0]);
		return NULL;
	}
	struct rt_process *pr = take_ptr(&spec->process);
	strv_free(pr->args);
	pr->args = xcalloc((size_t)p->npos, sizeof(char *));
	for (int i = 1; i < p->npos; i++)
		pr->args[i - 1] = xstrdup(p->pos[i]);
	pr->terminal = false;
	return pr;
}

int cmd_exec(struct cli_opts *o, int argc, char **argv)
{
	autoparsed struct cli_parsed p = {0};
	struct berr *err = NULL;
	if (cli_parse_until_pos("exec", exec_flags, argc, argv, &p) < 0)
		return 1;
	if (p.npos < 1)
		return cli_usage_error("exec", "expects a container id");
	autoptr(rt_process) pr = load_process(o, &p, &err);
	if (!pr || apply_flags(pr, &p, &err) < 0)
		return cli_fail(err);
	if (vm_rt_exists(o->root, p.pos[0])) {
		struct vm_rt_exec vo = {.root = o->root,
					.id = p.pos[0],
					.process = pr,
					.console_socket = cli_get(exec_flags, &p, "console-socket"),
					.pid_file = cli_get(exec_flags, &p, "pid-file"),
					.detach = cli_has(exec_flags, &p, "detach")};
		int status = 0;
		return vm_rt_exec(&vo, &status, &err) < 0 ? cli_fail(err) : status;
	}
	const char *fds = cli_get(exec_flags, &p, "preserve-fds");
	struct rt_exec_opts eo = {.root = o->root,
				  .id = p.pos[0],
				  .process = pr,
				  .console_socket = cli_get(exec_flags, &p, "console-socket"),
				  .pid_file = cli_get(exec_flags, &p, "pid-file"),
				  .preserve_fds = fds ? atoi(fds) : 0,
				  .detach = cli_has(exec_flags, &p, "detach")};
	struct rt_terminal term = {.sock = {-1, -1}, .master = -1};
	if (pr->terminal && !eo.console_socket && !eo.detach) {
		if (rt_terminal_open(&term, &err) < 0 || rt_terminal_start(&term, &err) < 0) {
			rt_terminal_close(&term);
			return cli_fail(err);
		}
		eo.has_console_fd = true;
		eo.console_fd = term.sock[1];
	}
	int status = 0;
	int r = rt_container_exec(&eo, &status, &err);
	rt_terminal_close(&term);
	return r < 0 ? cli_fail(err) : status;
}

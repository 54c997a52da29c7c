/* berth-runtime entry point: global options (runc's), command dispatch, and running from a
 * sealed copy of ourselves. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/runtime/cli.h"
#include "image/builtin.h"
#include "runtime/rootless.h"
#include "util/err.h"
#include "util/log.h"
#include "util/selfexec.h"
#include "util/version.h"
#include "util/xalloc.h"

int cli_fail(struct berr *err)
{
	char *msg = berr_string(err);
	/* The log (containerd and podman read it) and the terminal both get it once. */
	if (log_get_fd() != 2)
		log_error("%s", msg);
	fprintf(stderr, "berth-runtime: %s\n", msg);
	free(msg);
	berr_free(err);
	return 1;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "berth-runtime: %s: ", cmd);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	return 1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: berth-runtime [global options] COMMAND [options] [args]\n\n"
		   "An OCI runtime with runc's command line.\n\nCommands:\n");
	for (const struct cli_command *c = cli_commands; c->name; c++)
		fprintf(f, "  %-10s %s\n", c->name, c->summary);
	fprintf(f,
		"\nGlobal options:\n"
		"  --root DIR              state directory (default /run/berth-runtime; as a\n"
		"                          user $XDG_RUNTIME_DIR/berth-runtime)\n"
		"  --rootless true|false|auto  skip cgroups the user cannot make (auto: when\n"
		"                          not root)\n"
		"  --log FILE              log to FILE (default stderr)\n"
		"  --log-format text|json  log format\n"
		"  --debug                 debug logging\n"
		"  --systemd-cgroup        use systemd's cgroup driver (needs systemd as PID 1)\n"
		"  --cgroup-manager cgroupfs|systemd   crun's spelling of the same\n"
		"  --version               print the version\n");
}

static int value_of(int *i, int argc, char **argv, const char *name, const char **out)
{
	size_t n = strlen(name);
	const char *a = argv[*i];
	if (a[1] == '-')
		a++;
	if (strncmp(a + 1, name, n) != 0)
		return 0;
	if (a[1 + n] == '=') {
		*out = a + 2 + n;
		return 1;
	}
	if (a[1 + n] != '\0')
		return 0;
	if (*i + 1 >= argc) {
		fprintf(stderr, "berth-runtime: flag '--%s' needs a value\n", name);
		exit(1);
	}
	*out = argv[++*i];
	return 1;
}

/* The global flags, as they come before the command. */
struct globals {
	const char *log_path, *log_format, *cgroup_manager, *rootless;
};

/* Reads the global flags into o and g: the index of the command, 0 when a flag was the whole
 * answer (--version, --help), -1 on an unknown flag. */
static int global_flags(struct cli_opts *o, struct globals *g, int argc, char **argv)
{
	const char *v = NULL;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (value_of(&i, argc, argv, "root", &v))
			o->root = v;
		else if (value_of(&i, argc, argv, "log", &v))
			g->log_path = v;
		else if (value_of(&i, argc, argv, "log-format", &v))
			g->log_format = v;
		else if (value_of(&i, argc, argv, "cgroup-manager", &v))
			g->cgroup_manager = v;
		else if (value_of(&i, argc, argv, "criu", &v))
			; /* accepted for runc compatibility; checkpointing is not supported */
		else if (!strcmp(a, "--debug"))
			o->debug = true;
		else if (!strcmp(a, "--systemd-cgroup"))
			o->systemd_cgroup = true;
		else if (!strncmp(a, "--rootless=", 11))
			g->rootless = a + 11;
		else if (!strcmp(a, "--rootless"))
			/* runc's flag takes a value; a bare one (as we used to accept) is true */
			g->rootless = i + 1 < argc && (!strcmp(argv[i + 1], "true") ||
						       !strcmp(argv[i + 1], "false") ||
						       !strcmp(argv[i + 1], "auto"))
					  ? argv[++i]
					  : "true";
		else if (!strcmp(a, "--version") || !strcmp(a, "-v")) {
			/* The feature line as crun prints it; clients (and crun's tests) read it.
			 * SYSTEMD_NOTIFY: the NOTIFY_SOCKET proxy, not the systemd cgroup
			 * driver. */
			printf("berth-runtime version %s\nspec: 1.1.0\n"
			       "+SECCOMP +SECCOMP_NOTIFY +CAP +SYSTEMD_NOTIFY +IDMAPPED_MOUNTS\n",
			       BERTH_VERSION);
			return 0;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "berth-runtime: unknown global flag '%s'\n", a);
			return -1;
		}
	}
	return i;
}

/* The log and the cgroup manager the global flags named: 0, or -1 (said). */
static int apply_globals(struct cli_opts *o, const struct globals *g)
{
	int log_fd = -1;
	if (g->log_path) {
		log_fd = open(g->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
		if (log_fd < 0) {
			fprintf(stderr, "berth-runtime: open log '%s': %s\n", g->log_path,
				strerror(errno));
			return -1;
		}
	}
	if (strcmp(g->log_format, "text") && strcmp(g->log_format, "json")) {
		fprintf(stderr, "berth-runtime: unknown log format '%s'\n", g->log_format);
		return -1;
	}
	const char *rl = g->rootless ? g->rootless : "auto";
	if (strcmp(rl, "true") && strcmp(rl, "false") && strcmp(rl, "auto")) {
		fprintf(stderr, "berth-runtime: --rootless: '%s' is not true, false or auto\n", rl);
		return -1;
	}
	o->rootless = !strcmp(rl, "auto") ? rt_rootless_detect() : !strcmp(rl, "true");
	log_setup(log_fd, !strcmp(g->log_format, "json") ? LOG_FORMAT_JSON : LOG_FORMAT_TEXT,
		  o->debug ? LOG_LEVEL_DEBUG : LOG_LEVEL_WARN);
	if (!g->cgroup_manager || !strcmp(g->cgroup_manager, "cgroupfs") ||
	    !strcmp(g->cgroup_manager, "disabled"))
		return 0;
	if (!strcmp(g->cgroup_manager, "systemd")) {
		o->systemd_cgroup = true;
		return 0;
	}
	fprintf(stderr, "berth-runtime: unknown cgroup manager '%s'\n", g->cgroup_manager);
	return -1;
}

/* Before a command that starts a process: the guest init found beside this binary, then a
 * sealed copy of it to run from (which has no directory). CVE-2019-5736: a container process
 * can reach the runtime's binary through /proc/PID/exe of a process that joined it, and write
 * to it; run from an anonymous memfd sealed against writes (util/selfexec), nothing on the
 * host can be overwritten through it. 0, or -1 (said). */
static int prepare_to_start(char **argv)
{
	char *init = getenv("BERTH_VM_INIT") ? NULL : img_builtin_file("berth-vm-init", NULL);
	if (init)
		setenv("BERTH_VM_INIT", init, 0);
	free(init);
	int r = selfexec_is_sealed() ? 0 : selfexec_sealed(argv);
	if (r < 0) {
		fprintf(stderr, "berth-runtime: cannot run from a sealed copy of itself: %s\n",
			strerror(-r));
		return -1;
	}
	return 0;
}

/* The state root when --root is not given. As root, /run/berth-runtime. As a user (runc's
 * rule: an effective uid other than 0), $XDG_RUNTIME_DIR/berth-runtime (runc:
 * $XDG_RUNTIME_DIR/runc), which pam_systemd makes per user with mode 0700; without it,
 * /tmp/berth-runtime-UID (as podman's /tmp/podman-run-UID), which another user may have made
 * first: it must be a directory of ours that no one else can enter, or we refuse it. Returns
 * a static string or a malloc'd one that lives as long as the process; NULL (said) when the
 * /tmp directory cannot be trusted. */
static const char *default_root(void)
{
	if (geteuid() == 0)
		return "/run/berth-runtime";
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	if (xdg && *xdg)
		return xasprintf("%s/berth-runtime", xdg);
	char *dir = xasprintf("/tmp/berth-runtime-%u", (unsigned)geteuid());
	struct stat st;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "berth-runtime: create state root '%s': %s\n", dir,
			strerror(errno));
		free(dir);
		return NULL;
	}
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 077)) {
		fprintf(stderr,
			"berth-runtime: state root '%s' is not a private directory of uid %u "
			"(someone else made it?): set XDG_RUNTIME_DIR or use --root\n",
			dir, (unsigned)geteuid());
		free(dir);
		return NULL;
	}
	return dir;
}

int main(int argc, char **argv)
{
	struct cli_opts o = {.root = NULL};
	struct globals g = {.log_format = "text"};
	/* berth-runtime-vm (a link to this binary): every container is a VM */
	const char *self = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	o.vm = !strcmp(self, "berth-runtime-vm") || getenv("BERTH_RUNTIME_VM");
	int i = global_flags(&o, &g, argc, argv);
	if (i <= 0)
		return i < 0;
	if (!o.root && !(o.root = default_root()))
		return 1;
	if (apply_globals(&o, &g) < 0)
		return 1;
	if (i >= argc) {
		usage(stderr);
		return 1;
	}
	const char *cmd = argv[i];
	for (const struct cli_command *c = cli_commands; c->name; c++) {
		if (strcmp(c->name, cmd))
			continue;
		if ((!strcmp(cmd, "create") || !strcmp(cmd, "run") || !strcmp(cmd, "exec")) &&
		    prepare_to_start(argv) < 0)
			return 1;
		return c->run(&o, argc - i - 1, argv + i + 1);
	}
	fprintf(stderr, "berth-runtime: unknown command '%s'\n", cmd);
	return 1;
}

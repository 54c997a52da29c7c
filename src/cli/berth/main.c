/* berth entry point: global options, the command table, and error printing. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/berth/berth.h"
#include "engine/container.h"
#include "engine/rootless.h"
#include "image/store.h"
#include "util/err.h"
#include "util/log.h"
#include "util/selfexec.h"
#include "util/version.h"

/* Order is the order of `berth --help`. */
static const struct cli_command commands[] = {
    {"run", "Create and run a new container from an image", cmd_run},
    {"create", "Create a new container", cmd_create},
    {"start", "Start one or more stopped containers", cmd_start},
    {"stop", "Stop one or more running containers", cmd_stop},
    {"restart", "Restart one or more containers", cmd_restart},
    {"kill", "Kill one or more running containers", cmd_kill},
    {"rm", "Remove one or more containers", cmd_rm},
    {"exec", "Execute a command in a running container", cmd_exec},
    {"attach", "Attach to a running container's standard streams", cmd_attach},
    {"pause", "Pause all processes within one or more containers", cmd_pause},
    {"unpause", "Unpause all processes within one or more containers", cmd_unpause},
    {"top", "Display the running processes of a container", cmd_top},
    {"stats", "Display a live stream of containers' resource usage", cmd_stats},
    {"port", "List port mappings of a container", cmd_port},
    {"update", "Update configuration of one or more containers", cmd_update},
    {"cp", "Copy files/folders between a container and the local filesystem", cmd_cp},
    {"diff", "Inspect changes to files or directories on a container's filesystem", cmd_diff},
    {"export", "Export a container's filesystem as a tar archive", cmd_export},
    {"commit", "Create a new image from a container's changes", cmd_commit},
    {"ps", "List containers", cmd_ps},
    {"logs", "Fetch the logs of a container", cmd_logs},
    {"inspect", "Return low-level information on containers or images", cmd_inspect},
    {"wait", "Block until one or more containers stop, then print their exit codes", cmd_wait},
    {"rename", "Rename a container", cmd_rename},
    {"container", "Manage containers", cmd_container},
    {"volume", "Manage volumes", cmd_volume},
    {"network", "Manage networks", cmd_network},
    {"pod", "Manage pods (create, ls, inspect, start, stop, rm, ...)", cmd_pod},
    {"kube", "Play, take down and generate Kubernetes YAML (play, down, generate)", cmd_kube},
    {"system", "Manage berth (df, prune, check, info)", cmd_system},
    {"info", "Display system-wide information", cmd_info},
    {"events", "Get real time events from the server", cmd_events},
    {"pull", "Download an image from a registry", cmd_pull},
    {"push", "Upload an image to a registry", cmd_push},
    {"build", "Build an image from a Containerfile", cmd_build},
    {"compose", "Define and run multi-container applications (compose config)", cmd_compose},
    {"builder", "Manage builds (prune)", cmd_builder},
    {"images", "List images", cmd_images},
    {"image", "Manage images (ls, rm, tag, inspect, history, save, load, import, prune, mount)",
     cmd_image},
    {"rmi", "Remove one or more images", cmd_rmi},
    {"tag", "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE", cmd_tag},
    {"history", "Show the history of an image", cmd_history},
    {"save", "Save one or more images to a tar archive (streamed to STDOUT by default)", cmd_save},
    {"load", "Load an image from a tar archive or STDIN", cmd_load},
    {"import", "Import the contents from a tarball to create a filesystem image", cmd_import},
    {"login", "Log in to a registry", cmd_login},
    {"logout", "Log out from a registry", cmd_logout},
    {"version", "Show the berth version", cmd_version},
    {"unshare", "Run a command in the rootless user's namespace (podman's)", cmd_unshare},
    {"container-monitor", NULL, cmd_container_monitor}, /* berth's own, not for users */
    {NULL, NULL, NULL},
};

int cli_fail(struct berr *err, int status)
{
	char *msg = berr_string(err);
	fprintf(stderr, "berth: %s\n", msg);
	free(msg);
	berr_free(err);
	return status;
}

int cli_rm_result(int r, struct berr *err, bool force, const char *name)
{
	if (r >= 0) {
		printf("%s\n", name);
		return 0;
	}
	if (force && berr_code(err) == ENOENT) {
		berr_free(err);
		return 0;
	}
	return cli_fail(err, 1);
}

int cli_error(int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "berth: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	return status;
}

int cli_group(struct cli_opts *o, const char *group, const char *what,
	      const struct cli_command *sub, int argc, char **argv)
{
	if (argc >= 1)
		for (const struct cli_command *c = sub; c->name; c++)
			if (!strcmp(c->name, argv[0]))
				return c->run(o, argc - 1, argv + 1);
	FILE *f = argc >= 1 && strcmp(argv[0], "--help") ? stderr : stdout;
	if (argc >= 1 && f == stderr)
		fprintf(f, "berth: '%s %s' is not a berth command.\n", group, argv[0]);
	fprintf(f, "\nUsage:  berth %s COMMAND\n\n%s\n\nCommands:\n", group, what);
	for (const struct cli_command *c = sub; c->name; c++)
		if (c->summary)
			fprintf(f, "  %-10s %s\n", c->name, c->summary);
	return f == stderr ? 125 : 0;
}

struct eng_store cli_engine(struct cli_opts *o)
{
	return (struct eng_store){(char *)o->root, (char *)o->runroot};
}

struct img_store *cli_store(struct cli_opts *o)
{
	struct img_store *s = NULL;
	struct berr *err = NULL;
	if (img_store_open(o->root, &s, &err) < 0) {
		cli_fail(err, 125);
		return NULL;
	}
	/* layers of containers stay while the containers do, whatever happens to images (es
	 * lives as long as the process, as the command line's options do) */
	static struct eng_store es;
	es = (struct eng_store){(char *)o->root, (char *)o->runroot};
	s->roots = eng_image_roots;
	s->roots_ctx = &es;
	return s;
}

static void usage(FILE *f)
{
	fprintf(f, "\nUsage:  berth [OPTIONS] COMMAND\n\n"
		   "A container platform: images, containers and virtual machines, no daemon.\n\n"
		   "Commands:\n");
	for (const struct cli_command *c = commands; c->name; c++)
		if (c->summary)
			fprintf(f, "  %-10s %s\n", c->name, c->summary);
	fprintf(f, "\nGlobal Options:\n"
		   "      --root string   where berth keeps its state (default /var/lib/berth, "
		   "or $BERTH_ROOT;\n"
		   "                      an ordinary user's: $XDG_DATA_HOME/berth)\n"
		   "      --runroot string  where running containers' state goes (default "
		   "/run/berth, or $BERTH_RUNROOT;\n"
		   "                      an ordinary user's: $XDG_RUNTIME_DIR/berth)\n"
		   "  -D, --debug         debug output\n"
		   "  -v, --version       print the version\n"
		   "\nRun 'berth COMMAND --help' for more information on a command.\n");
}

/* The store and run root not given: root's /var/lib/berth and /run/berth; an ordinary user's
 * own (engine/rootless.h), whose namespaces main enters next. */
static int default_roots(struct cli_opts *o, bool rootless, struct berr **err)
{
	if (!o->root || !*o->root)
		o->root = rootless ? eng_rootless_default_root() : "/var/lib/berth";
	if ((!o->runroot || !*o->runroot) && !rootless)
		o->runroot = "/run/berth";
	if (o->runroot && *o->runroot)
		return 0;
	char *runroot = NULL;
	int r = eng_rootless_default_runroot(&runroot, err);
	if (r < 0)
		return r;
	if (runroot)
		o->runroot = runroot;
	return 0;
}

int main(int argc, char **argv)
{
	struct cli_opts o = {.root = getenv("BERTH_ROOT"), .runroot = getenv("BERTH_RUNROOT")};
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--root") && i + 1 < argc)
			o.root = argv[++i];
		else if (!strncmp(a, "--root=", 7))
			o.root = a + 7;
		else if (!strcmp(a, "--runroot") && i + 1 < argc)
			o.runroot = argv[++i];
		else if (!strncmp(a, "--runroot=", 10))
			o.runroot = a + 10;
		else if (!strcmp(a, "-D") || !strcmp(a, "--debug"))
			o.debug = true;
		else if (!strcmp(a, "-v") || !strcmp(a, "--version"))
			return printf("berth version %s\n", BERTH_VERSION) < 0;
		else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "berth: unknown flag: %s\nSee 'berth --help'.\n", a);
			return 125;
		}
	}
	log_setup(-1, LOG_FORMAT_TEXT, o.debug ? LOG_LEVEL_DEBUG : LOG_LEVEL_WARN);
	if (i >= argc) {
		usage(stderr);
		return 125;
	}
	bool rootless = geteuid() != 0;
	struct berr *err = NULL;
	if (default_roots(&o, rootless, &err) < 0)
		return cli_fail(err, 125);
	/* exec enters a container's namespaces: from a sealed copy of ourselves, so the host's
	 * binary is out of the container's reach (CVE-2019-5736) */
	bool enters = !strcmp(argv[i], "exec") || (!strcmp(argv[i], "container") && i + 1 < argc &&
						   !strcmp(argv[i + 1], "exec"));
	if (enters && !selfexec_is_sealed()) {
		int r = selfexec_sealed(argv);
		fprintf(stderr, "berth: cannot run from a sealed copy of itself: %s\n",
			strerror(-r));
		return 125;
	}
	if (rootless && strcmp(argv[i], "version") && eng_rootless_enter(o.runroot, &err) < 0)
		return cli_fail(err, 125);
	for (const struct cli_command *c = commands; c->name; c++)
		if (!strcmp(c->name, argv[i]))
			return c->run(&o, argc - i - 1, argv + i + 1);
	fprintf(stderr, "berth: '%s' is not a berth command.\nSee 'berth --help'\n", argv[i]);
	return 125;
}

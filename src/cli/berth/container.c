/* run, create, start, and the hidden container-monitor: making containers and starting them
 * under their monitor. */
#include "engine/container.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli/berth/attach.h"
#include "cli/berth/berth.h"
#include "cli/berth/flags.h"
#include "cli/berth/progress.h"
#include "cli/berth/shared_flags.h"
#include "engine/attach.h"
#include "engine/container_view.h"
#include "engine/create.h"
#include "engine/executor.h"
#include "engine/health.h"
#include "engine/monitor.h"
#include "image/builtin.h"
#include "image/image.h"
#include "image/pull.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"

struct run_flags {
	struct eng_create c;
	bool detach, sig_proxy;
	const char *pull, *memory, *memory_swap, *shm_size;
	long pids_limit, cpu_shares, stop_timeout;
	double cpus;
	const char *cpus_s;
	struct flag_list env, env_file, labels, cap_add, cap_drop, ulimits, sysctls, security_opt,
	    attach, volumes, mounts, tmpfs, devices, uidmap, gidmap, publish, aliases, dns,
	    dns_search, dns_options, add_hosts, networks, expose, volumes_from;
	char **net_names; /* --network's values, each split at ',' (podman's a,b) */
	const char *ip, *ip6;
	char *vm_init_path;
	bool quiet, no_healthcheck;
	char *init_path;
	const char *health_cmd, *health_interval, *health_timeout, *health_start;
	long health_retries;
};

static void run_flags_clear(struct run_flags *f)
{
	struct flag_list *l[] = {&f->env,       &f->env_file, &f->labels,     &f->cap_add,
				 &f->cap_drop,  &f->ulimits,  &f->sysctls,    &f->security_opt,
				 &f->attach,    &f->volumes,  &f->mounts,     &f->tmpfs,
				 &f->devices,   &f->uidmap,   &f->gidmap,     &f->publish,
				 &f->aliases,   &f->dns,      &f->dns_search, &f->dns_options,
				 &f->add_hosts, &f->networks, &f->expose,     &f->volumes_from};
	for (size_t i = 0; i < sizeof(l) / sizeof(l[0]); i++)
		flag_list_free(l[i]);
	free(f->init_path);
	free(f->vm_init_path);
	strv_free(f->net_names);
	json_decref(f->c.healthcheck);
}

/* The flags run and create share, Docker's names. */
#define CREATE_FLAGS(f)                                                                             \
	{"name", 0, FLAG_STRING, &(f).c.name, "Assign a name to the container", "string"},          \
	    {"interactive", 'i', FLAG_BOOL, &(f).c.run.interactive,                                 \
	     "Keep STDIN open even if not attached"},                                               \
	    {"tty", 't', FLAG_BOOL, &(f).c.run.tty, "Allocate a pseudo-TTY"},                       \
	    {"rm", 0, FLAG_BOOL, &(f).c.auto_remove,                                                \
	     "Automatically remove the container when it exits"},                                   \
	    {"env", 'e', FLAG_LIST, &(f).env, "Set environment variables", "list"},                 \
	    {"env-file", 0, FLAG_LIST, &(f).env_file, "Read in a file of environment variables",    \
	     "list"},                                                                               \
	    {"workdir",                                                                             \
	     'w',                                                                                   \
	     FLAG_STRING,                                                                           \
	     &(f).c.run.workdir,                                                                    \
	     "Working directory inside the container",                                              \
	     "string"},                                                                             \
	    {"user",                                                                                \
	     'u',                                                                                   \
	     FLAG_STRING,                                                                           \
	     &(f).c.run.user,                                                                       \
	     "Username or UID (format: <name|uid>[:<group|gid>])",                                  \
	     "string"},                                                                             \
	    {"entrypoint",                                                                          \
	     0,                                                                                     \
	     FLAG_STRING,                                                                           \
	     &(f).c.run.entrypoint,                                                                 \
	     "Overwrite the default ENTRYPOINT of the image",                                       \
	     "string"},                                                                             \
	    {"hostname", 'h', FLAG_STRING, &(f).c.run.hostname, "Container host name", "string"},   \
	    {"label", 'l', FLAG_LIST, &(f).labels, "Set meta data on a container", "list"},         \
	    {"read-only", 0, FLAG_BOOL, &(f).c.run.read_only,                                       \
	     "Mount the container's root filesystem as read only"},                                 \
	    {"network",                                                                             \
	     0,                                                                                     \
	     FLAG_LIST,                                                                             \
	     &(f).networks,                                                                         \
	     "Connect a container to a network (bridge, none, host, container:NAME, networks)",     \
	     "network"},                                                                            \
	    {"net", 0, FLAG_LIST, &(f).networks, NULL},                                             \
	    {"publish", 'p', FLAG_LIST, &(f).publish, "Publish a container's port(s) to the host",  \
	     "list"},                                                                               \
	    {"publish-all", 'P', FLAG_BOOL, &(f).c.publish_all,                                     \
	     "Publish all exposed ports to random ports"},                                          \
	    {"expose", 0, FLAG_LIST, &(f).expose, "Expose a port or a range of ports", "list"},     \
	    {"ip", 0, FLAG_STRING, &(f).ip, "IPv4 address (e.g., 172.30.100.104)", "string"},       \
	    {"ip6", 0, FLAG_STRING, &(f).ip6, "IPv6 address (e.g., 2001:db8::33)", "string"},       \
	    {"mac-address",                                                                         \
	     0,                                                                                     \
	     FLAG_STRING,                                                                           \
	     &(f).c.mac,                                                                            \
	     "Container MAC address (e.g., 92:d0:c6:0a:29:33)",                                     \
	     "string"},                                                                             \
	    {"network-alias",                                                                       \
	     0,                                                                                     \
	     FLAG_LIST,                                                                             \
	     &(f).aliases,                                                                          \
	     "Add network-scoped alias for the "                                                    \
	     "container",                                                                           \
	     "list"},                                                                               \
	    {"dns", 0, FLAG_LIST, &(f).dns, "Set custom DNS servers", "list"},                      \
	    {"dns-search", 0, FLAG_LIST, &(f).dns_search, "Set custom DNS search domains", "list"}, \
	    {"dns-option", 0, FLAG_LIST, &(f).dns_options, "Set DNS options", "list"},              \
	    {"dns-opt", 0, FLAG_LIST, &(f).dns_options, NULL},                                      \
	    {"add-host", 0, FLAG_LIST, &(f).add_hosts, "Add a custom host-to-IP mapping (host:ip)", \
	     "list"},                                                                               \
	    FLAG_MEMORY((f).memory, "Memory limit"),                                                \
	    FLAG_MEMORY_SWAP(                                                                       \
		(f).memory_swap,                                                                    \
		"Swap limit equal to memory plus swap: '-1' to enable unlimited swap"),             \
	    FLAG_CPUS((f).cpus_s, "Number of CPUs"),                                                \
	    {"cpu-shares", 'c', FLAG_INT, &(f).cpu_shares, "CPU shares (relative weight)", "int"},  \
	    {"cpuset-cpus",                                                                         \
	     0,                                                                                     \
	     FLAG_STRING,                                                                           \
	     &(f).c.run.cpuset_cpus,                                                                \
	     "CPUs in which to allow execution (0-3, 0,1)",                                         \
	     "string"},                                                                             \
	    {"pids-limit",                                                                          \
	     0,                                                                                     \
	     FLAG_INT,                                                                              \
	     &(f).pids_limit,                                                                       \
	     "Tune container pids limit (-1 for unlimited)",                                        \
	     "int"},                                                                                \
	    {"cap-add", 0, FLAG_LIST, &(f).cap_add, "Add Linux capabilities", "list"},              \
	    {"cap-drop", 0, FLAG_LIST, &(f).cap_drop, "Drop Linux capabilities", "list"},           \
	    {"privileged", 0, FLAG_BOOL, &(f).c.run.privileged,                                     \
	     "Give extended privileges to this container"},                                         \
	    {"security-opt", 0, FLAG_LIST, &(f).security_opt, "Security Options", "list"},          \
	    {"ulimit", 0, FLAG_LIST, &(f).ulimits, "Ulimit options", "ulimit"},                     \
	    {"sysctl", 0, FLAG_LIST, &(f).sysctls, "Sysctl options", "map"},                        \
	    {"shm-size", 0, FLAG_STRING, &(f).shm_size, "Size of /dev/shm", "bytes"},               \
	    {"stop-signal", 0, FLAG_STRING, &(f).c.run.stop_signal, "Signal to stop the container", \
	     "string"},                                                                             \
	    {"stop-timeout",                                                                        \
	     0,                                                                                     \
	     FLAG_INT,                                                                              \
	     &(f).stop_timeout,                                                                     \
	     "Timeout (in seconds) to stop a container",                                            \
	     "int"},                                                                                \
	    {"restart",                                                                             \
	     0,                                                                                     \
	     FLAG_STRING,                                                                           \
	     &(f).c.restart,                                                                        \
	     "Restart policy to apply when a container exits",                                      \
	     "string"},                                                                             \
	    {"pull",                                                                                \
	     0,                                                                                     \
	     FLAG_STRING,                                                                           \
	     &(f).pull,                                                                             \
	     "Pull image before running (\"always\", \"missing\", \"never\")",                      \
	     "string"},                                                                             \
	    {"attach", 'a', FLAG_LIST, &(f).attach, "Attach to STDIN, STDOUT or STDERR", "list"},   \
	    FLAG_VOLUME((f).volumes, "Bind mount a volume"),                                        \
	    {"mount", 0, FLAG_LIST, &(f).mounts, "Attach a filesystem mount to the container",      \
	     "mount"},                                                                              \
	    {"tmpfs", 0, FLAG_LIST, &(f).tmpfs, "Mount a tmpfs directory", "list"},                 \
	    FLAG_VOLUMES_FROM((f).volumes_from),                                                    \
	    {"ipc", 0, FLAG_STRING, &(f).c.ipc, "IPC mode to use", "string"},                       \
	    {"pid", 0, FLAG_STRING, &(f).c.pid, "PID namespace to use", "string"},                  \
	    FLAG_DEVICE((f).devices, "Add a host device to the container"),                         \
	    {"health-cmd", 0, FLAG_STRING, &(f).health_cmd, "Command to run to check health",       \
	     "string"},                                                                             \
	    {"health-interval",                                                                     \
	     0,                                                                                     \
	     FLAG_STRING,                                                                           \
	     &(f).health_interval,                                                                  \
	     "Time between running the check (ms|s|m|h)",                                           \
	     "duration"},                                                                           \
	    {"health-timeout",                                                                      \
	     0,                                                                                     \
	     FLAG_STRING,                                                                           \
	     &(f).health_timeout,                                                                   \
	     "Maximum time to allow one check to run (ms|s|m|h)",                                   \
	     "duration"},                                                                           \
	    {"health-start-period",                                                                 \
	     0,                                                                                     \
	     FLAG_STRING,                                                                           \
	     &(f).health_start,                                                                     \
	     "Start period for the container to initialize (ms|s|m|h)",                             \
	     "duration"},                                                                           \
	    {"health-retries",                                                                      \
	     0,                                                                                     \
	     FLAG_INT,                                                                              \
	     &(f).health_retries,                                                                   \
	     "Consecutive failures needed to report unhealthy",                                     \
	     "int"},                                                                                \
	    {"no-healthcheck", 0, FLAG_BOOL, &(f).no_healthcheck,                                   \
	     "Disable any container-specified HEALTHCHECK"},                                        \
	    {"isolation",                                                                           \
	     0,                                                                                     \
	     FLAG_STRING,                                                                           \
	     &(f).c.isolation,                                                                      \
	     "Container isolation technology (default, process, vm)",                               \
	     "string"},                                                                             \
	    {"vm-accel", 0, FLAG_STRING, &(f).c.vm_accel, "Accelerator of a VM (auto, kvm, tcg)",   \
	     "string"},                                                                             \
	    {"vm-kernel", 0, FLAG_STRING, &(f).c.vm_kernel, "Guest kernel of a VM", "path"},        \
	    {"vm-template", 0, FLAG_TRISTATE, &(f).c.vm_template,                                   \
	     "Start a VM from a pre-booted template of its shape (default true)"},                  \
	    {"userns",                                                                              \
	     0,                                                                                     \
	     FLAG_STRING,                                                                           \
	     &(f).c.userns.mode,                                                                    \
	     "User namespace to use (host, auto[:size=N], private)",                                \
	     "string"},                                                                             \
	    {"uidmap",                                                                              \
	     0,                                                                                     \
	     FLAG_LIST,                                                                             \
	     &(f).uidmap,                                                                           \
	     "UID map for the user namespace (CONTAINER_ID:HOST_ID:SIZE)",                          \
	     "list"},                                                                               \
	    {"gidmap",                                                                              \
	     0,                                                                                     \
	     FLAG_LIST,                                                                             \
	     &(f).gidmap,                                                                           \
	     "GID map for the user namespace (CONTAINER_ID:HOST_ID:SIZE)",                          \
	     "list"},                                                                               \
	    {"pod", 0, FLAG_STRING, &(f).c.pod, "Run the container in an existing pod", "string"},  \
	    {"init", 0, FLAG_BOOL, &(f).c.run.init,                                                 \
	     "Run an init inside the container that forwards signals and reaps processes"},         \
	    {"systemd",                                                                             \
	     0,                                                                                     \
	     FLAG_STRING,                                                                           \
	     &(f).c.systemd,                                                                        \
	     "Run container in systemd mode (\"true\", \"false\", \"always\")",                     \
	     "string"},                                                                             \
	{                                                                                           \
		"quiet", 'q', FLAG_BOOL, &(f).quiet, "Suppress the pull output"                     \
	}

/* --env-file: KEY=VALUE lines, comments and blank lines skipped. */
/* --network a --network b,c: a, b and c, the first the container's mode or first network */
static void split_networks(struct run_flags *f)
{
	size_t n = 0;
	f->net_names = xcalloc(1, sizeof(char *));
	for (int i = 0; i < f->networks.n; i++) {
		autofree char *copy = xstrdup(f->networks.v[i]);
		/* a mode with options (slirp4netns:a=1,b=2) is one value, as podman's */
		const char *sep = strchr(copy, ':') ? "" : ",";
		for (char *save = NULL, *t = strtok_r(copy, sep, &save); t;
		     t = strtok_r(NULL, sep, &save)) {
			f->net_names = xrealloc(f->net_names, (n + 2) * sizeof(char *));
			f->net_names[n++] = xstrdup(t);
			f->net_names[n] = NULL;
		}
	}
}

static int read_env_files(struct run_flags *f, struct flag_list *out)
{
	for (int i = 0; i < f->env_file.n; i++) {
		FILE *fp = fopen(f->env_file.v[i], "re");
		if (!fp)
			return cli_error(125, "open env file '%s': %s", f->env_file.v[i],
					 strerror(errno));
		char *line = NULL;
		size_t cap = 0;
		while (getline(&line, &cap, fp) > 0) {
			line[strcspn(line, "\r\n")] = '\0';
			const char *p = line + strspn(line, " \t");
			if (!*p || *p == '#')
				continue;
			out->v = xrealloc(out->v, (size_t)(out->n + 2) * sizeof(char *));
			out->v[out->n++] = xstrdup(p);
			out->v[out->n] = NULL;
		}
		free(line);
		fclose(fp);
	}
	for (int i = 0; i < f->env.n; i++) {
		out->v = xrealloc(out->v, (size_t)(out->n + 2) * sizeof(char *));
		out->v[out->n++] = xstrdup(f->env.v[i]);
		out->v[out->n] = NULL;
	}
	return 0;
}

/* Values that need reading; 125 after an error message. */
/* --memory, --shm-size, --memory-swap, --cpus. */
static int check_resources(struct run_flags *f)
{
	struct eng_run_opts *o = &f->c.run;
	const char *sizes[] = {f->memory, f->shm_size};
	int64_t *into[] = {&o->memory, &o->shm_size};
	for (size_t i = 0; i < 2; i++)
		if (sizes[i] && (*into[i] = eng_parse_bytes(sizes[i])) < 0)
			return cli_error(125, "invalid size: '%s'", sizes[i]);
	if (f->memory_swap)
		o->memory_swap =
		    !strcmp(f->memory_swap, "-1") ? -1 : eng_parse_bytes(f->memory_swap);
	if (f->memory_swap && o->memory_swap < -1)
		return cli_error(125, "invalid size: '%s'", f->memory_swap);
	if (f->memory_swap && o->memory_swap > 0 && o->memory_swap < o->memory)
		return cli_error(125,
				 "minimum memoryswap limit should be larger than memory limit");
	if (f->cpus_s) {
		char *end = NULL;
		o->cpus = strtod(f->cpus_s, &end);
		if (*end || o->cpus <= 0)
			return cli_error(125, "invalid argument \"%s\" for \"--cpus\" flag",
					 f->cpus_s);
	}
	o->pids_limit = f->pids_limit;
	o->cpu_shares = f->cpu_shares;
	return 0;
}

/* --network (the first is the mode), --ip/--ip6, --add-host. */
static int check_network_flags(struct run_flags *f)
{
	split_networks(f);
	/* none given is NULL: the engine's default (pasta as a user, rootless.h) */
	f->c.run.network = f->net_names[0];
	f->c.more_networks = f->net_names[0] ? f->net_names + 1 : NULL;
	if (f->c.run.network && !strcmp(f->c.run.network, "host") &&
	    (f->publish.n || f->c.publish_all))
		fprintf(stderr, "WARNING: Published ports are discarded when using host network "
				"mode\n");
	if (f->ip && f->ip6)
		return cli_error(125, "one of --ip and --ip6, not both");
	f->c.ip = f->ip ? f->ip : f->ip6;
	for (int i = 0; i < f->add_hosts.n; i++)
		if (!strpbrk(f->add_hosts.v[i], ":="))
			return cli_error(125, "invalid argument \"%s\" for \"--add-host\" flag",
					 f->add_hosts.v[i]);
	return 0;
}

/* --health-* and --no-healthcheck: Docker's Config.Healthcheck. */
static int check_health(struct run_flags *f)
{
	if (f->no_healthcheck) {
		f->c.healthcheck = json_pack("{s:[s]}", "Test", "NONE");
		return 0;
	}
	if (!f->health_cmd)
		return 0;
	const char *durs[] = {f->health_interval, f->health_timeout, f->health_start};
	const char *keys[] = {"Interval", "Timeout", "StartPeriod"};
	f->c.healthcheck = json_pack("{s:[s, s], s:i}", "Test", "CMD-SHELL", f->health_cmd,
				     "Retries", (int)f->health_retries);
	for (size_t i = 0; i < 3; i++) {
		if (!durs[i])
			continue;
		int64_t ns = eng_duration_ns(durs[i]);
		if (ns < 0)
			return cli_error(125, "invalid duration '%s'", durs[i]);
		json_object_set_new(f->c.healthcheck, keys[i], json_integer(ns));
	}
	return 0;
}

static int check_flags(struct run_flags *f)
{
	struct eng_run_opts *o = &f->c.run;
	int r = check_resources(f);
	if (r == 0)
		r = check_network_flags(f);
	if (r == 0)
		r = check_health(f);
	if (r)
		return r;
	struct winsize ws;
	if (o->tty && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0) {
		/* as Docker's HostConfig.ConsoleSize: the process starts with our size */
		o->console_rows = ws.ws_row;
		o->console_cols = ws.ws_col;
	}
	if (f->c.isolation && !strcmp(f->c.isolation, "vm")) {
		struct berr *verr = NULL;
		f->vm_init_path = img_builtin_file("berth-vm-init", &verr);
		if (!f->vm_init_path)
			return cli_fail(verr, 125);
		f->c.vm_init_path = f->vm_init_path;
	}
	for (int i = 0; i < f->security_opt.n; i++) {
		const char *s = f->security_opt.v[i];
		if (!strcmp(s, "no-new-privileges") || !strcmp(s, "no-new-privileges=true") ||
		    !strcmp(s, "no-new-privileges:true"))
			o->no_new_privileges = true;
		else if (!strncmp(s, "seccomp=", 8) || !strncmp(s, "seccomp:", 8))
			o->seccomp = s + 8;
		else
			return cli_error(125, "unsupported --security-opt '%s'", s);
	}
	f->c.stop_timeout = (int)f->stop_timeout;
	if (o->init) {
		struct berr *err = NULL;
		f->init_path = img_builtin_file("berth-init", &err);
		if (!f->init_path)
			return cli_fail(err, 125);
		o->init_path = f->init_path;
	}
	return 0;
}

/* The image, from the store, the built-in archive or a registry, as --pull says. */
int cli_image_present(struct img_store *is, const char *name, const char *pull, struct berr **err)
{
	if (img_builtin_is(name))
		return img_builtin_ensure(is, err);
	pull = pull ? pull : "missing";
	if (strcmp(pull, "missing") && strcmp(pull, "always") && strcmp(pull, "never"))
		return berr_plain(err, EINVAL, "invalid pull policy '%s'", pull);
	json_t *rec = img_image_lookup(is, name, NULL);
	json_decref(rec);
	if (rec && strcmp(pull, "always"))
		return 0;
	if (!rec && !strcmp(pull, "never"))
		return berr_plain(err, ENOENT, "no such image: %s (and --pull=never)", name);
	if (!rec)
		fprintf(stderr, "Unable to find image '%s' locally\n", name);
	struct img_pull_opts po = {0};
	img_http_opts_default(&po.http);
	int r = img_pull(is, name, &po, NULL, NULL, err);
	return r < 0 ? r : 0;
}

static int ensure_image(struct cli_opts *o, struct img_store *is, const char *name,
			const char *pull, bool quiet)
{
	struct berr *err = NULL;
	return cli_image_present(is, name, pull, &err) < 0 ? cli_fail(err, 125) : 0;
}

static bool attached(const struct run_flags *f, const char *stream)
{
	for (int i = 0; i < f->attach.n; i++)
		if (!strcasecmp(f->attach.v[i], stream))
			return true;
	return false;
}

/* Parse, check and create; out_id gets the container. Returns 0 or an exit status. */
static int create_container(struct cli_opts *o, struct run_flags *f, int n, const char **pos,
			    char out_id[ENG_ID_LEN + 1])
{
	f->c.image = pos[0];
	f->c.run.cmd = n > 1 ? (char *const *)pos + 1 : NULL;
	struct flag_list env = {0};
	int st = read_env_files(f, &env);
	if (!st)
		st = check_flags(f);
	f->c.run.env = (char *const *)env.v;
	f->c.run.labels = (char *const *)f->labels.v;
	f->c.run.cap_add = (char *const *)f->cap_add.v;
	f->c.run.cap_drop = (char *const *)f->cap_drop.v;
	f->c.run.ulimits = (char *const *)f->ulimits.v;
	f->c.run.sysctls = (char *const *)f->sysctls.v;
	f->c.volumes = (char *const *)f->volumes.v;
	f->c.mounts = (char *const *)f->mounts.v;
	f->c.volumes_from = (char *const *)f->volumes_from.v;
	f->c.tmpfs = (char *const *)f->tmpfs.v;
	f->c.run.devices = (char *const *)f->devices.v;
	f->c.publish = (char *const *)f->publish.v;
	f->c.aliases = (char *const *)f->aliases.v;
	f->c.expose = (char *const *)f->expose.v;
	f->c.dns = (char *const *)f->dns.v;
	f->c.dns_search = (char *const *)f->dns_search.v;
	f->c.dns_options = (char *const *)f->dns_options.v;
	f->c.add_hosts = (char *const *)f->add_hosts.v;
	f->c.userns.uidmap = (char *const *)f->uidmap.v;
	f->c.userns.gidmap = (char *const *)f->gidmap.v;
	bool any = f->attach.n > 0;
	f->c.attach_stdin = any ? attached(f, "stdin") : f->c.run.interactive && !f->detach;
	f->c.attach_stdout = any ? attached(f, "stdout") : !f->detach;
	f->c.attach_stderr = any ? attached(f, "stderr") : !f->detach;
	autoptr(img_store) is = st ? NULL : cli_store(o);
	if (!st && !is)
		st = 125;
	if (!st)
		st = ensure_image(o, is, f->c.image, f->pull, f->quiet);
	if (!st) {
		struct eng_store es = cli_engine(o);
		struct berr *err = NULL;
		if (eng_create(&es, is, &f->c, out_id, &err) < 0)
			st = cli_fail(err, 125);
	}
	strv_free((char **)env.v);
	return st;
}

/* A monitor that could not start the process ends soon after (a VM takes a moment to go):
 * its report pipe closes then. Waited for, so that `run --rm` returns with the container
 * gone, as Docker's does. */
/* Start under a monitor; attached or not. Returns the exit status for the command. */
static int start_container(struct cli_opts *o, const char *id, const struct cli_attach *a,
			   bool attach, bool print_id)
{
	struct eng_store es = cli_engine(o);
	struct berr *err = NULL;
	int sock = -1, status = 125;
	if (eng_monitor_start(&es, id, attach, &sock, &status, &err) < 0)
		return cli_fail(err, status);
	if (print_id)
		printf("%s\n", id);
	if (sock < 0)
		return 0;
	fflush(stdout);
	int code = cli_attach_run(&es, id, sock, a);
	(void)close(sock);
	return code < 0 ? 0 : code;
}

static int run_or_create(struct cli_opts *o, int argc, char **argv, bool run)
{
	struct run_flags f = {.c = {.stop_timeout = -1}, .sig_proxy = true, .stop_timeout = -1};
	const struct flag run_flags[] = {
	    {"detach", 'd', FLAG_BOOL, &f.detach,
	     "Run container in background and print container ID"},
	    {"sig-proxy", 0, FLAG_BOOL, &f.sig_proxy, "Proxy received signals to the process"},
	    CREATE_FLAGS(f),
	    FLAG_END};
	const struct flag create_flags[] = {CREATE_FLAGS(f), FLAG_END};
	const struct flag_cmd cmd = {
	    run ? "berth run" : "berth create", "[OPTIONS] IMAGE [COMMAND] [ARG...]",
	    run ? "Create and run a new container from an image" : "Create a new container", false,
	    FLAG_MIN_ARGS(1)};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, run ? run_flags : create_flags, argc, argv, &pos);
	if (n < 0) {
		run_flags_clear(&f);
		return flags_status(n);
	}
	if (!run)
		f.detach = true;
	char id[ENG_ID_LEN + 1];
	int st = create_container(o, &f, n, pos, id);
	if (!st && !run)
		printf("%s\n", id);
	if (!st && run) {
		struct cli_attach a = {.stdin_ = f.c.attach_stdin,
				       .stdout_ = f.c.attach_stdout,
				       .stderr_ = f.c.attach_stderr,
				       .tty_raw = f.c.run.tty,
				       .sig_proxy = f.sig_proxy && !f.c.run.tty};
		st = start_container(o, id, &a, !f.detach, f.detach);
		if (st && f.c.auto_remove) {
			/* a container that never started is not left behind by --rm */
			struct eng_store es = cli_engine(o);
			json_t *state = eng_state_load(&es, id);
			if (!strcmp(json_string_value(json_object_get(state, "Status")) ?: "",
				    "created"))
				(void)eng_container_remove(&es, id, NULL);
			json_decref(state);
		}
	}
	run_flags_clear(&f);
	return st;
}

int cmd_run(struct cli_opts *o, int argc, char **argv)
{
	return run_or_create(o, argc, argv, true);
}

int cmd_create(struct cli_opts *o, int argc, char **argv)
{
	return run_or_create(o, argc, argv, false);
}

bool cli_running(struct eng_store *es, const char *id)
{
	json_auto_t *st = eng_state_load(es, id);
	return json_is_true(json_object_get(st, "Running"));
}

/* The stopped containers start --all names (those --filter keeps), as podman's. */
static const char **start_all(struct eng_store *es, json_t *filters, int *out_n)
{
	char **ids = NULL;
	const char **out = NULL;
	int n = 0;
	if (eng_container_list(es, &ids, NULL) < 0)
		return NULL;
	for (size_t i = 0; ids[i]; i++) {
		json_t *rec = eng_container_load(es, ids[i], NULL);
		json_t *st = eng_state_load(es, ids[i]);
		if (rec && !json_is_true(json_object_get(st, "Running")) &&
		    eng_container_filter(filters, rec, st, ids[i])) {
			out = xrealloc(out, (size_t)(n + 2) * sizeof(*out));
			out[n++] = xstrdup(ids[i]);
			out[n] = NULL;
		}
		json_decref(rec);
		json_decref(st);
	}
	strv_free(ids);
	*out_n = n;
	return out;
}

/* start's one container (a running one only named): 0 or the exit status. */
static int start_one(struct cli_opts *o, struct eng_store *es, const char *name, bool attach,
		     bool interactive)
{
	char id[ENG_ID_LEN + 1];
	struct berr *err = NULL;
	if (eng_container_resolve(es, name, id, &err) < 0)
		return cli_fail(err, 1);
	if (cli_running(es, id)) {
		if (!attach)
			printf("%s\n", name);
		return 0;
	}
	json_t *rec = eng_container_load(es, id, NULL);
	bool tty = json_is_true(json_object_get(json_object_get(rec, "Config"), "Tty"));
	json_decref(rec);
	struct cli_attach a = {.stdin_ = interactive,
			       .stdout_ = true,
			       .stderr_ = true,
			       .tty_raw = tty,
			       .sig_proxy = !tty};
	int r = start_container(o, id, &a, attach || interactive, false);
	if (!attach && !interactive && r == 0)
		printf("%s\n", name);
	return r;
}

int cmd_start(struct cli_opts *o, int argc, char **argv)
{
	bool attach = false, interactive = false, all = false;
	struct flag_list filters = {0};
	const struct flag flags[] = {
	    {"attach", 'a', FLAG_BOOL, &attach, "Attach STDOUT/STDERR and forward signals"},
	    {"interactive", 'i', FLAG_BOOL, &interactive, "Attach container's STDIN"},
	    {"all", 0, FLAG_BOOL, &all, "Start all containers regardless of their state"},
	    {"filter", 0, FLAG_LIST, &filters, "Filter the containers --all starts", "filter"},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth start", "[OPTIONS] CONTAINER [CONTAINER...]",
				     "Start one or more stopped containers", true,
				     FLAG_MIN_ARGS(0)};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0) {
		flag_list_free(&filters);
		return flags_status(n);
	}
	struct eng_store es = cli_engine(o);
	const char **named = NULL, **list = pos;
	if (all && n == 0 && !attach && !interactive) {
		json_t *map = NULL;
		int r = cli_container_filters(&es, &filters, &map);
		if (r) {
			flag_list_free(&filters);
			return r;
		}
		named = start_all(&es, map, &n);
		json_decref(map);
		list = named;
	} else if (all || filters.n) {
		n = -1;
	}
	flag_list_free(&filters);
	if (n < 0)
		return cli_error(125, "--all (with --filter) takes no containers, nor -a or -i");
	struct flag_cmd one = cmd; /* Docker's RequiresMinArgs(1), unless --all (podman's) */
	one.min_args = 1;
	if (!all && flags_check_args(&one, n) < 0)
		return flags_status(FLAGS_NARGS);
	int status = 0;
	for (int i = 0; i < n; i++) {
		int r = start_one(o, &es, list[i], attach, interactive);
		if (r)
			status = r;
	}
	for (int i = 0; named && i < n; i++)
		free((char *)named[i]);
	free(named);
	return status;
}

/* berth container-monitor [--wait-attach] ID: the monitor, started by eng_monitor_spawn with
 * its report pipe as fd 3. */
int cmd_container_monitor(struct cli_opts *o, int argc, char **argv)
{
	if (argc != 2)
		return 125;
	struct eng_store es = cli_engine(o);
	unsigned clients = !strcmp(argv[0], "--wait-attach")         ? 1
			   : !strncmp(argv[0], "--wait-attach=", 14) ? (unsigned)atoi(argv[0] + 14)
								     : 0;
	return eng_monitor_main(&es, argv[1], 3, clients);
}

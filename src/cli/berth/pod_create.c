/* berth pod create: podman 4.3's flags (issue #19) into the engine's eng_pod_create
 * (engine/pod.h): the pod's name, labels (--label-file too), network and its DNS and hosts,
 * shared namespaces, infra, volumes, devices, security options, cgroup limits, exit policy,
 * --pod-id-file. Errors exit 125, as podman's do. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/berth/berth.h"
#include "cli/berth/flags.h"
#include "cli/berth/pod.h"
#include "cli/berth/shared_flags.h"
#include "engine/bundle.h"
#include "engine/pod.h"
#include "image/builtin.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/json.h"
#include "util/xalloc.h"

/* pod create's flags that need reading or freeing. */
struct create_flags {
	struct eng_pod_create c;
	struct flag_list labels, label_files, publish, add_hosts, dns, dns_search, dns_options,
	    aliases, volumes, volumes_from, devices, security_opts, sysctls, uidmap, gidmap,
	    blkio_weight_device, read_bps, write_bps, gpus;
	bool infra, share_parent;
	const char *shm, *memory, *memory_swap, *cpus, *ip6, *pod_id_file;
	long cpu_shares, blkio_weight;
	char **all_labels;
};

static void create_flags_free(struct create_flags *f)
{
	struct flag_list *l[] = {
	    &f->labels,   &f->label_files,  &f->publish,     &f->add_hosts,
	    &f->dns,      &f->dns_search,   &f->dns_options, &f->aliases,
	    &f->volumes,  &f->volumes_from, &f->devices,     &f->security_opts,
	    &f->sysctls,  &f->uidmap,       &f->gidmap,      &f->blkio_weight_device,
	    &f->read_bps, &f->write_bps,    &f->gpus};
	for (size_t i = 0; i < sizeof(l) / sizeof(l[0]); i++)
		flag_list_free(l[i]);
	strv_free(f->all_labels);
}

/* --label-file's lines (blank ones and # comments skipped), then --label, as podman's
 * GetAllLabels reads them; 125 after an error message. */
static int create_labels(struct create_flags *f)
{
	size_t n = 0;
	f->all_labels = xcalloc(1, sizeof(char *));
	for (int i = 0; i < f->label_files.n + f->labels.n; i++) {
		bool file = i < f->label_files.n;
		FILE *fp = file ? fopen(f->label_files.v[i], "re") : NULL;
		if (file && !fp)
			return cli_error(125, "unable to process labels: open %s: %s",
					 f->label_files.v[i], strerror(errno));
		char *line = file ? NULL : xstrdup(f->labels.v[i - f->label_files.n]);
		size_t cap = 0;
		while (file ? getline(&line, &cap, fp) >= 0 : line != NULL) {
			line[strcspn(line, "\r\n")] = '\0';
			const char *l = line + strspn(line, " \t");
			if (*l && *l != '#') {
				f->all_labels = xrealloc(f->all_labels, (n + 2) * sizeof(char *));
				f->all_labels[n++] = xstrdup(l);
				f->all_labels[n] = NULL;
			}
			if (!file)
				break;
		}
		free(line);
		if (fp)
			fclose(fp);
	}
	return 0;
}

/* The sizes and numbers into c; 125 after an error message. */
static int create_sizes(struct create_flags *f)
{
	struct eng_pod_create *c = &f->c;
	if (f->shm && (c->shm_size = eng_parse_bytes(f->shm)) <= 0)
		return cli_error(125, "invalid size: '%s'", f->shm);
	if (f->memory && (c->memory = eng_parse_bytes(f->memory)) <= 0)
		return cli_error(125, "invalid size: '%s'", f->memory);
	if (f->memory_swap &&
	    (c->memory_swap =
		 !strcmp(f->memory_swap, "-1") ? -1 : eng_parse_bytes(f->memory_swap)) == 0)
		return cli_error(125, "invalid size: '%s'", f->memory_swap);
	if (f->memory_swap && c->memory_swap < -1)
		return cli_error(125, "invalid size: '%s'", f->memory_swap);
	char *end = NULL;
	if (f->cpus && ((c->cpus = strtod(f->cpus, &end)) <= 0 || *end))
		return cli_error(125, "invalid argument \"%s\" for \"--cpus\" flag", f->cpus);
	if (f->ip6 && c->ip)
		return cli_error(125, "one of --ip and --ip6, not both");
	if (f->gpus.n)
		return cli_error(125, "--gpus: berth has no GPU support");
	c->ip = c->ip ? c->ip : f->ip6;
	c->cpu_shares = f->cpu_shares;
	c->blkio_weight = f->blkio_weight;
	return 0;
}

static void create_lists(struct create_flags *f)
{
	struct eng_pod_create *c = &f->c;
	c->no_infra = !f->infra;
	c->no_share_parent = !f->share_parent;
	c->labels = f->all_labels;
#define LIST(field, list) (c->field = (char *const *)f->list.v)
	LIST(publish, publish);
	LIST(add_hosts, add_hosts);
	LIST(dns, dns);
	LIST(dns_search, dns_search);
	LIST(dns_options, dns_options);
	LIST(aliases, aliases);
	LIST(volumes, volumes);
	LIST(volumes_from, volumes_from);
	LIST(devices, devices);
	LIST(security_opts, security_opts);
	LIST(sysctls, sysctls);
	LIST(uidmap, uidmap);
	LIST(gidmap, gidmap);
	LIST(blkio_weight_device, blkio_weight_device);
	LIST(device_read_bps, read_bps);
	LIST(device_write_bps, write_bps);
#undef LIST
}

/* --pod-id-file: made before the pod (an existing one refused, podman's words); the id
 * written once the pod exists. 125 after an error message. */
static int id_file_open(const char *path, int *out_fd)
{
	*out_fd = -1;
	if (!path)
		return 0;
	*out_fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (*out_fd < 0 && errno == EEXIST)
		return cli_error(125,
				 "pod id file exists. Ensure another pod is not using it or "
				 "delete %s",
				 path);
	return *out_fd < 0 ? cli_error(125, "opening pod-id-file %s", path) : 0;
}

/* Create the pod of the flags parsed; its id printed (and written to --pod-id-file). */
static int create_run(struct cli_opts *o, struct create_flags *f)
{
	struct eng_pod_create *c = &f->c;
	struct berr *err = NULL;
	autofree char *pause = img_builtin_file("berth-pause", NULL);
	c->pause_path = pause;
	autofree char *vm_init = c->isolation && !strcmp(c->isolation, "vm")
				     ? img_builtin_file("berth-vm-init", NULL)
				     : NULL;
	c->vm_init_path = vm_init;
	autoclose int idfd = -1;
	int st = id_file_open(f->pod_id_file, &idfd);
	autoptr(img_store) is = st ? NULL : cli_store(o);
	struct eng_store es = cli_engine(o);
	char id[ENG_ID_LEN + 1];
	if (!st && !is)
		st = 125;
	/* an --infra-image not in the store is pulled, as run pulls its image */
	if (!st && f->infra && c->infra_image &&
	    cli_image_present(is, c->infra_image, NULL, &err) < 0)
		st = cli_fail(err, 125);
	if (!st && eng_pod_create(&es, is, c, id, &err) < 0)
		st = cli_fail(err, 125);
	if (!st && idfd >= 0 && (write(idfd, id, ENG_ID_LEN) != ENG_ID_LEN || fsync(idfd) < 0))
		st = cli_error(125, "failed to write pod ID to file: %s", strerror(errno));
	if (st && idfd >= 0)
		(void)unlink(f->pod_id_file);
	if (!st)
		printf("%s\n", id);
	return st;
}

/* podman's pod create flags of the infra's network, which its members share */
#define POD_NET_FLAGS(f)                                                                            \
	{"add-host", 0, FLAG_LIST, &(f).add_hosts, "Add a custom host-to-IP mapping (host:ip)",     \
	 "list"},                                                                                   \
	    {"dns", 0, FLAG_LIST, &(f).dns, "Set custom DNS servers", "list"},                      \
	    {"dns-option", 0, FLAG_LIST, &(f).dns_options, "Set custom DNS options", "list"},       \
	    {"dns-search", 0, FLAG_LIST, &(f).dns_search, "Set custom DNS search domains", "list"}, \
	    {"no-hosts", 0, FLAG_BOOL, &(f).c.no_hosts, "Do not create /etc/hosts for the pod"},    \
	    {"ip", 0, FLAG_STRING, &(f).c.ip, "Static IPv4 address of the pod", "string"},          \
	    {"ip6", 0, FLAG_STRING, &(f).ip6, "Static IPv6 address of the pod", "string"},          \
	    {"mac-address", 0, FLAG_STRING, &(f).c.mac, "Static MAC address of the pod", "string"}, \
	{                                                                                           \
		"network-alias", 0, FLAG_LIST, &(f).aliases, "Add a network-scoped alias", "list"   \
	}

/* ... the infra's own, which its members inherit (mounts, devices, security) or see */
#define POD_INFRA_FLAGS(f)                                                                         \
	FLAG_VOLUME((f).volumes, "Bind mount a volume into the pod"),                              \
	    FLAG_VOLUMES_FROM((f).volumes_from),                                                   \
	    FLAG_DEVICE((f).devices, "Add a host device to the pod"),                              \
	    {"security-opt", 0, FLAG_LIST, &(f).security_opts, "Security options", "list"},        \
	    {"sysctl", 0, FLAG_LIST, &(f).sysctls, "Sysctl options", "map"},                       \
	    {"pid",   0, FLAG_STRING, &(f).c.pid, "PID namespace of the pod (host, private)",      \
	     "string"},                                                                            \
	    {"uts", 0, FLAG_STRING, &(f).c.uts, "UTS namespace of the pod (private)", "string"},   \
	    {"userns", 0, FLAG_STRING, &(f).c.userns, "User namespace of the pod", "string"},      \
	    {"uidmap", 0, FLAG_LIST, &(f).uidmap, "UID map of the pod's user namespace", "list"},  \
	    {"gidmap", 0, FLAG_LIST, &(f).gidmap, "GID map of the pod's user namespace", "list"},  \
	{                                                                                          \
		"gpus", 0, FLAG_LIST, &(f).gpus, "GPU devices (not supported)", "list"             \
	}

/* ... the pod's cgroup's */
#define POD_RESOURCE_FLAGS(f)                                                                      \
	{"cpu-shares", 'c', FLAG_INT, &(f).cpu_shares, "CPU shares of the pod (relative weight)",  \
	 "int"},                                                                                   \
	    {"cpuset-mems",                                                                        \
	     0,                                                                                    \
	     FLAG_STRING,                                                                          \
	     &(f).c.cpuset_mems,                                                                   \
	     "Memory nodes in which the pod's containers may allocate (0-3, 0,1)",                 \
	     "string"},                                                                            \
	    FLAG_MEMORY_SWAP((f).memory_swap,                                                      \
			     "Memory plus swap limit of the pod ('-1': unlimited swap)"),          \
	    {"blkio-weight",                                                                       \
	     0,                                                                                    \
	     FLAG_INT,                                                                             \
	     &(f).blkio_weight,                                                                    \
	     "Block IO weight of the pod (10 to 1000)",                                            \
	     "int"},                                                                               \
	    {"blkio-weight-device",                                                                \
	     0,                                                                                    \
	     FLAG_LIST,                                                                            \
	     &(f).blkio_weight_device,                                                             \
	     "Block IO weight of a device (DEVICE:WEIGHT)",                                        \
	     "list"},                                                                              \
	    {"device-read-bps",                                                                    \
	     0,                                                                                    \
	     FLAG_LIST,                                                                            \
	     &(f).read_bps,                                                                        \
	     "Read rate limit of a device (DEVICE:RATE)",                                          \
	     "list"},                                                                              \
	{                                                                                          \
		"device-write-bps", 0, FLAG_LIST, &(f).write_bps,                                  \
		    "Write rate limit of a device (DEVICE:RATE)", "list"                           \
	}

int cmd_pod_create(struct cli_opts *o, int argc, char **argv)
{
	struct create_flags f = {.infra = true, .share_parent = true};
	struct eng_pod_create *c = &f.c;
	const struct flag flags[] = {
	    {"name", 'n', FLAG_STRING, &c->name, "Assign a name to the pod", "string"},
	    {"hostname", 0, FLAG_STRING, &c->hostname, "Set the pod's hostname", "string"},
	    {"label", 'l', FLAG_LIST, &f.labels, "Set metadata on the pod", "list"},
	    {"label-file", 0, FLAG_LIST, &f.label_files, "Read in a line delimited file of labels",
	     "list"},
	    {"publish", 'p', FLAG_LIST, &f.publish, "Publish a port of the pod to the host",
	     "list"},
	    {"network", 0, FLAG_STRING, &c->network, "Connect the pod to a network", "string"},
	    POD_NET_FLAGS(f),
	    {"share", 0, FLAG_STRING, &c->share,
	     "Namespaces the pod's containers share: cgroup, ipc, net, pid, uts, none (default "
	     "\"ipc,net,uts\"; \"+pid\" adds to it)",
	     "string"},
	    {"infra", 0, FLAG_BOOL, &f.infra, "Create an infra container (default true)"},
	    {"infra-image", 0, FLAG_STRING, &c->infra_image,
	     "Image of the infra container (default: berth's, running berth-pause)", "string"},
	    {"infra-command", 0, FLAG_STRING, &c->infra_command,
	     "Command of the infra container (a JSON array or words)", "string"},
	    {"infra-name", 0, FLAG_STRING, &c->infra_name, "Name of the infra container", "string"},
	    POD_INFRA_FLAGS(f),
	    {"shm-size", 0, FLAG_STRING, &f.shm, "Size of the pod's /dev/shm (default 64m)",
	     "bytes"},
	    {"cgroup-parent", 0, FLAG_STRING, &c->cgroup_parent,
	     "Parent cgroup of the pod's cgroup (default /berth)", "string"},
	    {"share-parent", 0, FLAG_BOOL, &f.share_parent,
	     "The pod's cgroup is its containers' parent (default true)"},
	    FLAG_CPUS(f.cpus, "Number of CPUs of the pod"),
	    {"cpuset-cpus", 0, FLAG_STRING, &c->cpuset_cpus,
	     "CPUs in which the pod's containers may run (0-3, 0,1)", "string"},
	    FLAG_MEMORY(f.memory, "Memory limit of the pod"),
	    POD_RESOURCE_FLAGS(f),
	    {"exit-policy", 0, FLAG_STRING, &c->exit_policy,
	     "Behaviour when the last container exits (continue, stop)", "string"},
	    {"pod-id-file", 0, FLAG_STRING, &f.pod_id_file, "Write the pod ID to the file",
	     "string"},
	    {"replace", 0, FLAG_BOOL, &c->replace,
	     "If a pod with the same name exists, replace it"},
	    {"isolation", 0, FLAG_STRING, &c->isolation,
	     "vm: the pod is one VM, which runs all its containers (default, process: none)",
	     "string"},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth pod create", "[OPTIONS] [NAME]",
				     "Create a new empty pod", true, FLAG_MAX_ARGS(1)};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0) { /* --help (0) too: nothing is made */
		create_flags_free(&f);
		return flags_status(n);
	}
	int st = create_sizes(&f);
	/* podman 4.3's positional NAME */
	if (!st && n == 1 && c->name)
		st = cli_error(125, "cannot specify --name and NAME at the same time");
	else if (!st && n == 1)
		c->name = pos[0];
	if (!st)
		st = create_labels(&f);
	create_lists(&f);
	if (!st)
		st = create_run(o, &f);
	create_flags_free(&f);
	return st;
}

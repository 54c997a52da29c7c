/* info, version, system df, system prune, system check: the whole store at once. The
 * documents of info and version are the engine's (engine/info.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "build/session.h"
#include "cli/berth/berth.h"
#include "cli/berth/flags.h"
#include "cli/berth/format.h"
#include "cli/berth/output.h"
#include "cli/berth/pod.h"
#include "cli/berth/prune.h"
#include "engine/container.h"
#include "engine/endpoint.h"
#include "engine/executor.h"
#include "engine/info.h"
#include "engine/layer_copies.h"
#include "engine/monitor.h"
#include "engine/network.h"
#include "engine/rootless_netns.h"
#include "engine/rootless_report.h"
#include "engine/volume.h"
#include "image/image.h"
#include "image/store.h"
#include "runtime/container.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/version.h"
#include "util/xalloc.h"

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

static long long num(json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

int cmd_version(struct cli_opts *o, int argc, char **argv)
{
	const char *format = NULL;
	const struct flag flags[] = {
	    {"format", 'f', FLAG_STRING, &format, "Format output using a Go template", "string"},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth version", "[OPTIONS]",
				     "Show the berth version information", true, FLAG_NO_ARGS};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return flags_status(n);
	json_t *doc = eng_system_version();
	json_t *details =
	    json_object_get(json_array_get(json_object_get(doc, "Components"), 1), "Details");
	/* daemonless: the client is all there is (as podman's without a remote) */
	json_t *v = json_pack("{s:{s:O, s:O, s:O, s:O, s:s, s:O}}", "Client", "Version",
			      json_object_get(doc, "Version"), "Os", json_object_get(doc, "Os"),
			      "Arch", json_object_get(doc, "Arch"), "KernelVersion",
			      json_object_get(doc, "KernelVersion"), "Runtime", "berth-runtime",
			      "OciVersion", json_object_get(details, "OciVersion"));
	json_decref(doc);
	json_t *client = json_object_get(v, "Client");
	int r = 0;
	if (format) {
		json_t *one = json_pack("[o]", v);
		r = fmt_each(format, one);
		json_decref(one);
		return r;
	}
	printf("Client:       berth\n Version:     %s\n OS/Arch:     %s/%s\n Kernel:      %s\n"
	       " OCI runtime: berth-runtime (runtime spec %s)\n",
	       str(client, "Version"), str(client, "Os"), str(client, "Arch"),
	       str(client, "KernelVersion"), str(client, "OciVersion"));
	json_decref(v);
	return r;
}

int cmd_info(struct cli_opts *o, int argc, char **argv)
{
	const char *format = NULL;
	const struct flag flags[] = {
	    {"format", 'f', FLAG_STRING, &format, "Format output using a Go template", "string"},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth info", "[OPTIONS]", "Display system-wide information",
				     true, FLAG_NO_ARGS};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return flags_status(n);
	struct eng_store es = cli_engine(o);
	json_t *info = eng_system_info(&es);
	if (format) {
		json_t *one = json_pack("[o]", info);
		int r = fmt_each(format, one);
		json_decref(one);
		return r;
	}
	char mem[32];
	snprintf(mem, sizeof(mem), "%.4gGiB", (double)num(info, "MemTotal") / (1 << 30));
	printf("Client: berth\n Version:    %s\n\nServer:\n Containers: %lld\n  Running: %lld\n"
	       "  Paused: %lld\n  Stopped: %lld\n Images: %lld\n Server Version: %s\n"
	       " Storage Driver: %s\n Cgroup Driver: %s\n Cgroup Version: %s\n"
	       " Runtimes: berth-runtime\n Default Runtime: %s\n Isolation: %s\n"
	       " Kernel Version: %s\n Operating System: %s\n Architecture: %s\n CPUs: %lld\n"
	       " Total Memory: %s\n Berth Root Dir: %s\n Run Root Dir: %s\n",
	       BERTH_VERSION, num(info, "Containers"), num(info, "ContainersRunning"),
	       num(info, "ContainersPaused"), num(info, "ContainersStopped"), num(info, "Images"),
	       str(info, "ServerVersion"), str(info, "Driver"), str(info, "CgroupDriver"),
	       str(info, "CgroupVersion"), str(info, "DefaultRuntime"), str(info, "Isolation"),
	       str(info, "KernelVersion"), str(info, "OperatingSystem"), str(info, "Architecture"),
	       num(info, "NCPU"), mem, str(info, "DockerRootDir"), str(info, "RunRoot"));
	const char *why = str(info, "VmAccelReason"), *kernel = str(info, "VmKernel");
	printf(" VM Isolation: %s%s%s%s\n VM Guest Kernel: %s\n", str(info, "VmAccel"),
	       *why ? " (" : "", why, *why ? ")" : "",
	       *kernel ? kernel : "none (linux-image-cloud-amd64)");
	json_decref(info);
	return 0;
}

static int system_df(struct cli_opts *o, int argc, char **argv)
{
	const char *format = NULL;
	const struct flag flags[] = {
	    {"format", 0, FLAG_STRING, &format, "Format output using a Go template", "string"},
	    {"verbose", 'v', FLAG_BOOL, &(bool){0}, NULL},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth system df", "[OPTIONS]", "Show berth disk usage", true,
				     FLAG_NO_ARGS};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return flags_status(n);
	struct eng_counts c;
	struct eng_store es = cli_engine(o);
	eng_system_count(&es, &c);
	char a[32], b[32], d[32], e[32], t[16], t2[16], t3[16], t4[16], ac[16], ac2[16], ac3[16];
	snprintf(t, sizeof(t), "%d", c.images);
	snprintf(t2, sizeof(t2), "%d", c.containers);
	snprintf(t3, sizeof(t3), "%d", c.volumes);
	snprintf(t4, sizeof(t4), "%d", c.cache);
	snprintf(ac, sizeof(ac), "%d", c.images ? (c.containers ? 1 : 0) : 0);
	snprintf(ac2, sizeof(ac2), "%d", c.running + c.paused);
	snprintf(ac3, sizeof(ac3), "%d", c.volumes);
	json_t *rows = json_pack(
	    "[{s:s, s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s, s:s},"
	    " {s:s, s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s, s:s}]",
	    "Type", "Images", "TotalCount", t, "Active", ac, "Size", out_size(c.image_bytes, a),
	    "Reclaimable", "0B", "Type", "Containers", "TotalCount", t2, "Active", ac2, "Size",
	    out_size(c.container_bytes, b), "Reclaimable", "0B", "Type", "Local Volumes",
	    "TotalCount", t3, "Active", ac3, "Size", out_size(c.volume_bytes, d), "Reclaimable",
	    "0B", "Type", "Build Cache", "TotalCount", t4, "Active", "0", "Size",
	    out_size(c.cache_bytes, e), "Reclaimable", e);
	json_t *headers =
	    json_pack("{s:s, s:s, s:s, s:s, s:s}", "Type", "TYPE", "TotalCount", "TOTAL", "Active",
		      "ACTIVE", "Size", "SIZE", "Reclaimable", "RECLAIMABLE");
	int r = fmt_rows(
	    format, "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}",
	    headers, rows);
	json_decref(rows);
	json_decref(headers);
	return r;
}

/* argv for a prune of one kind: "prune" when sub, -f, -a when all, each --filter. */
static char **prune_args(bool sub, bool all, const struct flag_list *filters, int *out_n)
{
	char **v = xcalloc((size_t)(4 + 2 * filters->n), sizeof(char *));
	int n = 0;
	if (sub)
		v[n++] = "prune";
	v[n++] = "-f";
	if (all)
		v[n++] = "-a";
	for (int i = 0; i < filters->n; i++) {
		v[n++] = "--filter";
		v[n++] = (char *)filters->v[i];
	}
	*out_n = n;
	return v;
}

/* The VM templates (made again on a VM's first start), by until as the build cache: what
 * went is said when anything did. */
static int prune_vm_templates(struct cli_opts *o, const struct flag_list *filters)
{
	struct prune_filter pf = {0};
	for (int i = 0; i < filters->n; i++)
		if (!strncmp(filters->v[i], "until=", 6))
			pf.until_ns = out_when_ns(filters->v[i] + 6);
	struct eng_store es = cli_engine(o);
	struct berr *err = NULL;
	int count = 0;
	int64_t bytes = 0;
	if (eng_vm_template_prune(&es, pf.until_ns, &count, &bytes, &err) < 0)
		return cli_fail(err, 1);
	char size[32];
	if (count)
		printf("Deleted VM templates: %d\nTotal reclaimed space: %s\n", count,
		       out_size(bytes, size));
	return 0;
}

/* The build cache, by its one filter (until). */
static int prune_build_cache(struct cli_opts *o, const struct flag_list *filters)
{
	autofree char **bv = xcalloc((size_t)filters->n * 2 + 3, sizeof(*bv));
	int nb = 0;
	bv[nb++] = "prune";
	bv[nb++] = "-f";
	for (int i = 0; i < filters->n; i++)
		if (!strncmp(filters->v[i], "until=", 6)) {
			bv[nb++] = "--filter";
			bv[nb++] = (char *)filters->v[i];
		}
	return cmd_builder(o, nb, bv);
}

/* system prune's prunes in podman's order: pods with no running container first. The
 * statuses or'ed. */
static int prune_each(struct cli_opts *o, const struct flag_list *filters, bool volumes, bool all)
{
	int r = cli_pod_prune_all(o);
	int k;
	autofree char **c = prune_args(false, false, filters, &k);
	r |= cmd_container_prune(o, k, c);
	if (volumes) {
		autofree char **v = prune_args(true, false, filters, &k);
		r |= cmd_volume(o, k, v);
	}
	autofree char **nv = prune_args(true, false, filters, &k);
	r |= cmd_network(o, k, nv);
	/* the default bridge and berth's table, when no container runs on them */
	struct eng_store es = cli_engine(o);
	struct berr *err = NULL;
	if (eng_network_prune_default(&es, &err) < 0)
		r |= cli_fail(err, 1);
	/* a user's rootless network namespace, when no running container uses it */
	struct berr *err2 = NULL;
	if (eng_rlnet_prune(&es, &err2) < 0)
		r |= cli_fail(err2, 1);
	/* layer copies with shifted owners that no container uses (image/layer_chown.h) */
	struct berr *err3 = NULL;
	if (eng_layer_copies_prune(&es, &err3) < 0)
		r |= cli_fail(err3, 1);
	autofree char **iv = prune_args(false, all, filters, &k);
	r |= cmd_image_prune(o, k, iv);
	r |= prune_build_cache(o, filters);
	r |= prune_vm_templates(o, filters);
	return r;
}

static int system_prune(struct cli_opts *o, int argc, char **argv)
{
	bool all = false, force = false, volumes = false;
	struct flag_list filters = {0};
	const struct flag flags[] = {
	    {"all", 'a', FLAG_BOOL, &all, "Remove all unused images not just dangling ones"},
	    {"force", 'f', FLAG_BOOL, &force, "Do not prompt for confirmation"},
	    {"volumes", 0, FLAG_BOOL, &volumes, "Prune anonymous volumes"},
	    {"filter", 0, FLAG_LIST, &filters, "Provide filter values (until=, label=, label!=)",
	     "filter"},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth system prune", "[OPTIONS]", "Remove unused data", true,
				     FLAG_NO_ARGS};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	/* every filter checked before anything goes (volumes have no until) */
	struct prune_filter pf = {0};
	int r = n < 0 ? flags_status(n) : prune_filter_parse(&filters, !volumes, &pf);
	prune_filter_free(&pf);
	if (n < 0 || r) {
		flag_list_free(&filters);
		return r;
	}
	autofree char *warning = xasprintf(
	    "WARNING! This will remove:\n  - all pods without a running container\n  - all "
	    "stopped containers\n  - all networks not used by "
	    "at least one container\n%s  - all %s\n  - all VM templates",
	    volumes ? "  - all anonymous volumes not used by at least one container\n" : "",
	    all ? "images without at least one container associated to them\n  - all build cache"
		: "dangling images\n  - all dangling build cache");
	if (!force && !prune_confirm(warning)) {
		flag_list_free(&filters);
		return 0;
	}
	r = prune_each(o, &filters, volumes, all);
	flag_list_free(&filters);
	return r;
}

struct finding {
	int found, repaired;
	bool repair;
};

static void report(struct finding *f, bool fixed, const char *fmt, const char *what)
    __attribute__((format(printf, 3, 0)));
static void report(struct finding *f, bool fixed, const char *fmt, const char *what)
{
	f->found++;
	f->repaired += fixed;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	printf(fmt, what); /* fmt is always one of ours, with one %s */
#pragma GCC diagnostic pop
	printf("%s\n", f->repair ? (fixed ? " (repaired)" : " (could not repair)") : "");
}

static bool mounted(const char *dir)
{
	struct stat a, b;
	autofree char *parent = xasprintf("%s/..", dir);
	return stat(dir, &a) == 0 && stat(parent, &b) == 0 && a.st_dev != b.st_dev;
}

/* Containers: half records, running ones whose monitor is gone, roots mounted without a
 * running container, runtime records and sockets nobody owns. */
/* The runtime's records of containers that are not running. */
static void check_runtime_records(struct eng_store *es, const char *rtroot, struct finding *f)
{
	json_auto_t *list = rt_container_list(rtroot, NULL);
	size_t i;
	json_t *c;
	json_array_foreach(list, i, c)
	{
		const char *id = json_string_value(json_object_get(c, "id"));
		if (!id || cli_running(es, id))
			continue;
		bool fixed = f->repair && rt_container_delete(rtroot, id, true, NULL) == 0;
		report(f, fixed, "runtime record %.12s: no running container", id);
	}
}

static void check_containers(struct cli_opts *o, struct finding *f)
{
	struct eng_store es = cli_engine(o);
	autofree char *rtroot = eng_runtime_root(&es);
	autofree char *dir = xasprintf("%s/containers", o->root);
	autoclosedir DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		const char *id = de->d_name;
		json_t *rec = eng_container_load(&es, id, NULL);
		if (!rec) {
			bool fixed = f->repair && eng_container_remove(&es, id, NULL) == 0;
			report(f, fixed, "container %s: no record (a create cut short)", id);
			continue;
		}
		json_decref(rec);
		json_t *st = eng_state_load(&es, id);
		bool running = json_is_true(json_object_get(st, "Running"));
		if (eng_state_monitor_lost(st)) {
			bool fixed = false;
			if (f->repair) {
				fixed = eng_container_reap(&es, id, 137,
							   "stopped by 'system check --repair': "
							   "its monitor was gone",
							   NULL) == 0;
				running = false;
			}
			report(f, fixed, "container %.12s: its monitor is gone", id);
		}
		const char *status = json_string_value(json_object_get(st, "Status")) ?: "";
		bool ended = !strcmp(status, "exited") || !strcmp(status, "created");
		if (ended && eng_container_cgroup_left(&es, id)) {
			bool fixed = f->repair && eng_container_cgroup_clear(&es, id, NULL) == 0;
			report(f, fixed, "container %.12s: its cgroup is left behind", id);
		}
		autofree char *rootfs = eng_container_path(&es, id, "rootfs");
		if (!running && mounted(rootfs)) {
			bool fixed = f->repair && umount2(rootfs, MNT_DETACH) == 0;
			report(f, fixed, "container %.12s: root still mounted", id);
		}
		json_decref(st);
	}
	check_runtime_records(&es, rtroot, f);
}

/* Images: leftovers the collector removes (unreferenced blobs and layers, temp files),
 * image mounts. */
static void check_images(struct cli_opts *o, struct finding *f)
{
	autofree char *tmp = xasprintf("%s/tmp", o->root);
	autoclosedir DIR *d = opendir(tmp);
	struct dirent *de;
	int leftovers = 0;
	while (d && (de = readdir(d)))
		leftovers += de->d_name[0] != '.';
	if (leftovers) {
		char what[32];
		snprintf(what, sizeof(what), "%d", leftovers);
		bool fixed = false;
		if (f->repair) {
			autoptr(img_store) is = cli_store(o);
			fixed = is && img_store_gc(is, NULL, NULL) == 0;
		}
		report(f, fixed, "image store: %s temporary files of interrupted pulls or loads",
		       what);
	}
	autofree char *mounts = xasprintf("%s/mounts", o->root);
	autoclosedir DIR *m = opendir(mounts);
	while (m && (de = readdir(m))) {
		if (de->d_name[0] == '.')
			continue;
		autofree char *p = xasprintf("%s/%s", mounts, de->d_name);
		if (!mounted(p))
			continue;
		bool fixed = f->repair && umount2(p, MNT_DETACH) == 0 && rmdir(p) == 0;
		report(f, fixed, "image %.12s: mounted by 'image mount'", de->d_name);
	}
}

/* Findings as the engine and the builder give them, [{"what", "fixed"}, ...] (taken). */
static void report_all(struct finding *f, json_t *found)
{
	size_t i;
	json_t *x;
	json_array_foreach(found, i, x)
	{
		report(f, json_is_true(json_object_get(x, "fixed")), "%s",
		       json_string_value(json_object_get(x, "what")));
	}
	json_decref(found);
}

/* Builds: what killed builds left (their containers, mounts and scratch files). */
static void check_builds(struct cli_opts *o, struct finding *f)
{
	struct eng_store es = cli_engine(o);
	autofree char *workdir = xasprintf("%s/build", o->root);
	report_all(f, bld_session_check(&es, workdir, f->repair));
}

/* Networks: interfaces, published ports and leases nothing owns. */
static void check_networks(struct cli_opts *o, struct finding *f)
{
	struct eng_store es = cli_engine(o);
	report_all(f, eng_network_check(&es, f->repair));
}

/* As a user (rootless): what it has and lacks, one line each; facts, not problems (the
 * findings below are what --repair can mend). */
static void rootless_facts(struct cli_opts *o)
{
	json_t *facts = eng_rootless_report(o->runroot);
	size_t i;
	json_t *x;
	json_array_foreach(facts, i, x)
	{
		printf("rootless: %s %s\n",
		       json_is_true(json_object_get(x, "Has")) ? "has" : "lacks",
		       json_string_value(json_object_get(x, "What")));
	}
	json_decref(facts);
}

static int system_check(struct cli_opts *o, int argc, char **argv)
{
	bool repair = false;
	const struct flag flags[] = {{"repair", 'r', FLAG_BOOL, &repair, "Repair what is found"},
				     FLAG_END};
	const struct flag_cmd cmd = {"berth system check", "[OPTIONS]",
				     "Check the store for what an interrupted berth left, and "
				     "repair it",
				     true, FLAG_NO_ARGS};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return flags_status(n);
	struct finding f = {.repair = repair};
	rootless_facts(o);
	check_builds(o, &f); /* first: a build's containers are its to remove */
	check_containers(o, &f);
	check_networks(o, &f); /* after: a repaired container leaves its interfaces */
	check_images(o, &f);
	if (!f.found)
		printf("No problems found\n");
	else if (!repair)
		printf("%d problems found; run 'berth system check --repair' to repair them\n",
		       f.found);
	return f.found > f.repaired ? 1 : 0;
}

/* What a Docker daemon does at its start, for the host's boot (share/berth/systemd): the
 * containers that were running when the host went down recorded as exited (255) and what
 * they left cleared, then those whose restart policy says so started again. */
static int system_boot(struct cli_opts *o, int argc, char **argv)
{
	const struct flag flags[] = {FLAG_END};
	const struct flag_cmd cmd = {"berth system boot", "",
				     "Start the containers whose restart policy brings them back "
				     "after the host went down",
				     true, FLAG_NO_ARGS};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return flags_status(n);
	struct eng_store es = cli_engine(o);
	char **ids = NULL;
	struct berr *err = NULL;
	if (eng_container_list(&es, &ids, &err) < 0)
		return cli_fail(err, 1);
	bool *start = xcalloc(strv_len(ids) + 1, sizeof(*start));
	for (size_t i = 0; ids[i]; i++) {
		json_t *rec = eng_container_load(&es, ids[i], NULL);
		json_t *st = eng_state_load(&es, ids[i]);
		if (eng_state_monitor_lost(st))
			(void)eng_container_reap(&es, ids[i], 255,
						 "the host went down while it ran (or its monitor "
						 "was killed)",
						 NULL);
		start[i] = rec && !json_is_true(json_object_get(st, "Running")) &&
			   eng_restart_at_boot(rec, st);
		json_decref(rec);
		json_decref(st);
	}
	struct finding f = {.repair = true};
	check_networks(o, &f); /* what the reaped ones left */
	int status = 0;
	for (size_t i = 0; ids[i]; i++) {
		char *args[] = {ids[i], NULL};
		if (start[i] && cmd_start(o, 1, args) != 0)
			status = 1;
	}
	free(start);
	strv_free(ids);
	return status;
}

int cmd_system(struct cli_opts *o, int argc, char **argv)
{
	static const struct cli_command sub[] = {
	    {"df", "Show berth disk usage", system_df},
	    {"prune", "Remove unused data", system_prune},
	    {"check", "Check the store and repair what an interruption left", system_check},
	    {"info", "Display system-wide information", cmd_info},
	    {"boot", "Start what the restart policies bring back after a reboot", system_boot},
	    {"service", "Run the API service (Docker Engine API 1.41)", cmd_system_service},
	    {"events", "Get real time events from the server", cmd_events},
	    {NULL, NULL, NULL}};
	return cli_group(o, "system", "Manage berth", sub, argc, argv);
}

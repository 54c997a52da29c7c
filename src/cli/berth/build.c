/* `berth build` / `berth image build` and `berth builder prune`: flags as docker build (and
 * podman build's spellings) take them, the context (a directory, or - for a tar or a
 * Containerfile on stdin), progress as BuildKit's plain output on stderr, the image id last on
 * stdout. The building is src/build/'s. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "build/builder.h"
#include "build/cache.h"
#include "build/context_tar.h"
#include "build/request.h"
#include "build/ssh.h"
#include "cli/berth/berth.h"
#include "cli/berth/build_progress.h"
#include "cli/berth/flags.h"
#include "cli/berth/output.h"
#include "cli/berth/prune.h"
#include "engine/bundle.h"
#include "image/builtin.h"
#include "image/image.h"
#include "image/layer.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"

#define STEP_LOG_MAX (64u << 10) /* output kept per step for an error with -q */

static volatile int interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

struct build_flags {
	struct flag_list tags, build_args, labels, secrets, add_hosts, ulimits, contexts, ssh,
	    allow;
	const char *file, *target, *pull, *platform, *iidfile, *network, *progress, *isolation;
	const char *output, *shm_size;
	long jobs;
	bool no_cache, quiet, pull_bool;
};

/* The base images' ids, by the --pull policy. */
struct image_ctx {
	struct img_store *is;
	const char *pull;
};

static int base_image(void *ctx, const char *ref, char *out_id, struct berr **err)
{
	struct image_ctx *c = ctx;
	if (cli_image_present(c->is, ref, c->pull, err) < 0)
		return -EIO;
	json_t *rec = img_image_lookup(c->is, ref, err);
	if (!rec)
		return -ENOENT;
	snprintf(out_id, IMG_DIGEST_LEN + 1, "%s", json_string_value(json_object_get(rec, "id")));
	json_decref(rec);
	return 0;
}

/* podman's --pull values, and docker's bare --pull (always). */
static const char *pull_policy(const struct build_flags *f)
{
	const char *p = f->pull ? f->pull : f->pull_bool ? "always" : "missing";
	if (!strcmp(p, "true"))
		return "always";
	if (!strcmp(p, "false"))
		return "missing";
	return p;
}

/* The default Containerfile of a context: Containerfile, else Dockerfile (podman's order). */
static char *default_file(const char *context)
{
	static const char *const names[] = {"Containerfile", "Dockerfile"};
	for (size_t i = 0; i < 2; i++) {
		char *p = xasprintf("%s/%s", context, names[i]);
		struct stat st;
		if (stat(p, &st) == 0)
			return p;
		free(p);
	}
	return xasprintf("%s/Dockerfile", context);
}

/* "-" as the context: a tar, maybe compressed (unpacked into a build session of its own:
 * build/context_tar.h), or a Containerfile (then there is no context). */
static int stdin_context(struct cli_opts *o, char **out_text, size_t *out_len,
			 struct bld_context_tar *out_tar, struct berr **err)
{
	if (fs_read_fd(STDIN_FILENO, 1u << 30, out_text, out_len, err) < 0)
		return -EIO;
	if (!bld_context_tar_is(*out_text, *out_len))
		return 0;
	autoclose int tarfd = memfd_create("context", MFD_CLOEXEC);
	int r = tarfd < 0 ? berr_set(err, errno, "the context from stdin") : 0;
	if (r == 0 &&
	    (fs_write_all(tarfd, *out_text, *out_len) < 0 || lseek(tarfd, 0, SEEK_SET) < 0))
		r = berr_set(err, errno, "the context from stdin");
	free(*out_text);
	*out_text = NULL;
	*out_len = 0;
	autofree char *workdir = xasprintf("%s/build", o->root);
	if (r == 0)
		r = bld_context_tar_open(workdir, tarfd, out_tar, err);
	return r;
}

/* --build-arg K=V, or K alone taken from our environment (left out when unset there). */
static struct bld_kv *build_args(const struct flag_list *l, size_t *out_n)
{
	struct bld_kv *v = xcalloc((size_t)l->n + 1, sizeof(*v));
	size_t n = 0;
	for (int i = 0; i < l->n; i++) {
		const char *eq = strchr(l->v[i], '=');
		const char *val = eq ? eq + 1 : getenv(l->v[i]);
		if (!val)
			continue;
		v[n].key = eq ? xstrndup(l->v[i], (size_t)(eq - l->v[i])) : xstrdup(l->v[i]);
		v[n].value = xstrdup(val);
		v[n].eq = true;
		n++;
	}
	*out_n = n;
	return v;
}

static void build_args_free(struct bld_kv *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].key);
		free(v[i].value);
	}
	free(v);
}

/* --secret id=ID,src=FILE | id=ID,env=VAR (type=file|env accepted) */
static int secrets(const struct flag_list *l, struct bld_secret **out, size_t *out_n)
{
	struct bld_secret *v = xcalloc((size_t)l->n + 1, sizeof(*v));
	size_t n = 0;
	int r = 0;
	for (int i = 0; i < l->n && r == 0; i++, n++) {
		autofree char *copy = xstrdup(l->v[i]);
		for (char *save = NULL, *kv = strtok_r(copy, ",", &save); kv;
		     kv = strtok_r(NULL, ",", &save)) {
			char *eq = strchr(kv, '=');
			const char *val = eq ? eq + 1 : "";
			if (eq)
				*eq = '\0';
			if (!strcmp(kv, "id"))
				v[n].id = xstrdup(val);
			else if (!strcmp(kv, "src") || !strcmp(kv, "source"))
				v[n].src = xstrdup(val);
			else if (!strcmp(kv, "env"))
				v[n].env = xstrdup(val);
			else if (strcmp(kv, "type"))
				r = cli_error(125, "invalid --secret '%s': unknown field '%s'",
					      l->v[i], kv);
		}
		if (r == 0 && (!v[n].id || (!v[n].src && !v[n].env)))
			r = cli_error(125, "invalid --secret '%s': id and src or env are needed",
				      l->v[i]);
	}
	*out = v;
	*out_n = n;
	return r;
}

static void secrets_free(struct bld_secret *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].id);
		free(v[i].src);
		free(v[i].env);
	}
	free(v);
}

/* --ssh default|ID[=SOCKET|KEY[,KEY...]] (build/ssh.h), checked before the build. */
static int ssh_agents(const struct flag_list *l, struct bld_ssh **out)
{
	struct bld_ssh *v = xcalloc((size_t)l->n + 1, sizeof(*v));
	*out = v;
	for (int i = 0; i < l->n; i++) {
		struct berr *err = NULL;
		if (bld_ssh_parse(l->v[i], &v[i], &err) < 0)
			return cli_fail(err, 125);
	}
	return 0;
}

static void ssh_agents_free(struct bld_ssh *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		bld_ssh_clear(&v[i]);
	free(v);
}

/* --allow: BuildKit's entitlements (network.host is always granted here, as dockerd grants
 * it); security.insecure lets RUN --security=insecure run privileged. */
static int entitlements(const struct flag_list *l, bool *out_insecure)
{
	for (int i = 0; i < l->n; i++) {
		if (!strcmp(l->v[i], "security.insecure"))
			*out_insecure = true;
		else if (strcmp(l->v[i], "network.host"))
			return cli_error(125, "unknown entitlement %s", l->v[i]);
	}
	return 0;
}

/* -t values as names the store takes; checked before the build. 125 said on a bad one. */
static int tag_names(const struct flag_list *l, char ***out)
{
	struct berr *err = NULL;
	*out = bld_tag_names((char *const *)l->v, (size_t)l->n, &err);
	return *out ? 0 : cli_fail(err, 125);
}

static int check_flags(const struct build_flags *f)
{
	struct berr *err = NULL;
	const char *network;
	if (bld_platform_check(f->platform, &err) < 0 ||
	    bld_network_mode(f->network, &network, &err) < 0)
		return cli_fail(err, 125);
	if (build_progress_mode(f->progress, false) < 0)
		return cli_error(125, "--progress '%s': auto, plain, tty or quiet", f->progress);
	if (f->isolation && strcmp(f->isolation, "vm") && strcmp(f->isolation, "default") &&
	    strcmp(f->isolation, "container"))
		return cli_error(125, "--isolation '%s': container or vm", f->isolation);
	for (int i = 0; i < f->add_hosts.n; i++)
		if (!strpbrk(f->add_hosts.v[i], ":="))
			return cli_error(125, "invalid argument \"%s\" for \"--add-host\" flag",
					 f->add_hosts.v[i]);
	if (f->shm_size && eng_parse_bytes(f->shm_size) <= 0)
		return cli_error(125, "invalid size: '%s'", f->shm_size);
	if (f->jobs < -1 || f->jobs > 1024)
		return cli_error(125, "--jobs %ld: 0 (no limit) to 1024", f->jobs);
	return 0;
}

/* --jobs: unset, the cores; 0, as many as the file has stages. */
static unsigned jobs_of(const struct build_flags *f)
{
	if (f->jobs == 0)
		return 1024;
	if (f->jobs > 0)
		return (unsigned)f->jobs;
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}

/* -o type=local,dest=DIR | type=tar,dest=FILE|- | DIR | - (docker's forms) */
struct output {
	bool set;
	enum bld_export type;
	char *dest;
};

static int parse_output(const char *spec, struct output *out)
{
	*out = (struct output){0};
	if (!spec)
		return 0;
	out->set = true;
	if (!strchr(spec, '=')) {
		out->type = strcmp(spec, "-") ? BLD_EXPORT_LOCAL : BLD_EXPORT_TAR;
		out->dest = xstrdup(spec);
		return 0;
	}
	autofree char *copy = xstrdup(spec);
	const char *type = NULL;
	for (char *save = NULL, *kv = strtok_r(copy, ",", &save); kv;
	     kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');
		if (!eq)
			return cli_error(125, "invalid --output '%s': '%s' is not key=value", spec,
					 kv);
		*eq = '\0';
		if (!strcmp(kv, "type"))
			type = eq + 1;
		else if (!strcmp(kv, "dest"))
			out->dest = xstrdup(eq + 1);
		else
			return cli_error(125, "invalid --output '%s': unknown field '%s'", spec,
					 kv);
	}
	if (!type || (strcmp(type, "local") && strcmp(type, "tar")))
		return cli_error(125, "invalid --output '%s': type local or tar", spec);
	if (!out->dest)
		return cli_error(125, "invalid --output '%s': dest is needed", spec);
	out->type = strcmp(type, "tar") ? BLD_EXPORT_LOCAL : BLD_EXPORT_TAR;
	return 0;
}

/* The build itself, everything read; the exit status. */
/* The built image: its names, its id in --iidfile, then its files (-o), or its id on stdout. */
static int deliver(struct img_store *is, const struct build_flags *f, const struct output *out,
		   char **tags, const char *id, bool quiet)
{
	struct berr *err = NULL;
	for (char **t = tags; t && *t; t++) {
		if (img_image_tag(is, id, *t, &err) < 0)
			return cli_fail(err, 1);
		if (!quiet)
			fprintf(stderr, "naming to %s done\n", *t);
	}
	if (f->iidfile && fs_write_file(AT_FDCWD, f->iidfile, id, strlen(id), 0644, &err) < 0)
		return cli_fail(err, 1);
	if (!out->set) {
		printf("%s\n", id);
		return 0;
	}
	/* the files, not an image id: a tar may be what stdout carries */
	bool tar = out->type == BLD_EXPORT_TAR, to_stdout = tar && !strcmp(out->dest, "-");
	autoclose int fd = !tar ? -1
			   : to_stdout
			       ? fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3)
			       : open(out->dest, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (tar && fd < 0)
		return cli_error(1, "open '%s': %s", out->dest, strerror(errno));
	if (bld_export(is, id, out->type, out->dest, fd, &err) < 0)
		return cli_fail(err, 1);
	if (!to_stdout)
		fprintf(stderr, "exported to %s\n", out->dest);
	return 0;
}

/* What the flags give the build besides its options, read and checked before it. */
struct build_inputs {
	char **tags;
	struct bld_secret *sec;
	size_t n_sec;
	struct bld_ssh *ssh;
	size_t n_ssh;
	bool insecure;
	struct bld_named_context *nc;
	size_t n_nc;
	struct bld_kv *args;
	size_t n_args;
};

/* 0, or the exit status after saying what is wrong. */
static int inputs_read(const struct build_flags *f, struct build_inputs *in)
{
	*in = (struct build_inputs){.n_ssh = (size_t)f->ssh.n, .n_nc = (size_t)f->contexts.n};
	int st = tag_names(&f->tags, &in->tags);
	if (!st)
		st = secrets(&f->secrets, &in->sec, &in->n_sec);
	if (!st)
		st = ssh_agents(&f->ssh, &in->ssh);
	if (!st)
		st = entitlements(&f->allow, &in->insecure);
	in->nc = xcalloc(in->n_nc + 1, sizeof(*in->nc));
	for (size_t i = 0; !st && i < in->n_nc; i++) {
		struct berr *err = NULL;
		if (bld_named_context_parse(f->contexts.v[i], &in->nc[i], &err) < 0)
			st = cli_fail(err, 125);
	}
	in->args = build_args(&f->build_args, &in->n_args);
	return st;
}

static void inputs_free(struct build_inputs *in)
{
	strv_free(in->tags);
	secrets_free(in->sec, in->n_sec);
	ssh_agents_free(in->ssh, in->n_ssh);
	for (size_t i = 0; i < in->n_nc; i++)
		bld_named_context_clear(&in->nc[i]);
	free(in->nc);
	build_args_free(in->args, in->n_args);
}

/* The build, its image's id in id; 0, or 1 after BuildKit's "ERROR: failed to solve". */
static int solve(struct eng_store *es, struct img_store *is, const struct bld_opts *bo,
		 struct build_progress *pr, char id[IMG_DIGEST_LEN + 1])
{
	struct berr *err = NULL;
	int r = bld_build(es, is, bo, id, &err);
	build_progress_end(pr, r == 0);
	if (r == 0)
		return 0;
	char *msg = berr_string(err);
	fprintf(stderr, "ERROR: failed to solve: %s\n", msg);
	free(msg);
	berr_free(err);
	return 1;
}

static int run_build(struct cli_opts *o, struct build_flags *f, const struct output *out,
		     const char *context, const char *file_path, const char *text, size_t len)
{
	autoptr(img_store) is = cli_store(o);
	if (!is)
		return 125;
	struct build_inputs in;
	int st = inputs_read(f, &in);
	enum build_progress_mode mode = build_progress_mode(f->progress, f->quiet);
	struct build_progress *pr = build_progress_new(mode);
	struct image_ctx ic = {.is = is, .pull = pull_policy(f)};
	const char *network = "bridge";
	(void)bld_network_mode(f->network, &network, NULL); /* checked before */
	struct eng_store es = cli_engine(o);
	const char *name = file_path ? strrchr(file_path, '/') : NULL;
	/* the guest init beside the binary first, as run's: an installed one may be another
	 * version's, and the host and the init speak one protocol (vm/proto.h) */
	autofree char *vm_init = img_builtin_file("berth-vm-init", NULL);
	struct bld_opts bo = {
	    .file_name = name        ? name + 1
			 : file_path ? file_path
				     : "Containerfile",
	    .text = text,
	    .len = len,
	    .context = context,
	    .dockerfile = file_path,
	    .build_args = in.args,
	    .n_build_args = in.n_args,
	    .target = f->target,
	    .contexts = in.nc,
	    .n_contexts = in.n_nc,
	    .no_cache = f->no_cache,
	    .labels = (char *const *)f->labels.v,
	    .network = network,
	    .isolation = f->isolation && !strcmp(f->isolation, "vm") ? "vm" : NULL,
	    .vm_init_path = vm_init ? vm_init : BERTH_DATADIR "/berth-vm-init",
	    .secrets = in.sec,
	    .n_secrets = in.n_sec,
	    .ssh = in.ssh,
	    .n_ssh = in.n_ssh,
	    .allow_insecure = in.insecure,
	    .image = base_image,
	    .image_ctx = &ic,
	    .event = build_progress_event,
	    .ctx = pr,
	    .interrupted = &interrupted,
	    .jobs = jobs_of(f),
	    .add_hosts = (char *const *)f->add_hosts.v,
	    .ulimits = (char *const *)f->ulimits.v,
	    .shm_size = f->shm_size ? eng_parse_bytes(f->shm_size) : 0,
	};
	char id[IMG_DIGEST_LEN + 1];
	if (!st)
		st = solve(&es, is, &bo, pr, id);
	if (!st)
		st = deliver(is, f, out, in.tags, id, mode == BUILD_PROGRESS_QUIET);
	inputs_free(&in);
	build_progress_free(pr);
	return st;
}

/* -f FILE (relative: to here, else to the context), -f - (stdin), or the context's own. */
static int read_containerfile(const struct build_flags *f, const char *context, char **out_text,
			      size_t *out_len, char **out_path)
{
	struct berr *err = NULL;
	if (f->file && !strcmp(f->file, "-"))
		return fs_read_fd(STDIN_FILENO, BLD_CONTAINERFILE_MAX, out_text, out_len, &err) < 0
			   ? cli_fail(err, 125)
			   : 0;
	*out_path = !f->file ? default_file(context)
		    : f->file[0] == '/' || !access(f->file, F_OK)
			? xstrdup(f->file)
			: xasprintf("%s/%s", context, f->file);
	if (fs_read_file(AT_FDCWD, *out_path, BLD_CONTAINERFILE_MAX, out_text, out_len, &err) < 0)
		return cli_fail(err, 125);
	return 0;
}

static void build_flags_free(struct build_flags *f)
{
	flag_list_free(&f->tags);
	flag_list_free(&f->build_args);
	flag_list_free(&f->labels);
	flag_list_free(&f->secrets);
	flag_list_free(&f->add_hosts);
	flag_list_free(&f->ulimits);
	flag_list_free(&f->contexts);
	flag_list_free(&f->ssh);
	flag_list_free(&f->allow);
}

/* docker's --pull is a boolean: bare, it means always (podman's takes a value). */
static int take_bare_pull(int argc, char **argv, struct build_flags *f)
{
	int n = 0;
	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], "--pull"))
			argv[n++] = argv[i];
		else
			f->pull_bool = true;
	return n;
}

int cmd_build(struct cli_opts *o, int argc, char **argv)
{
	struct build_flags f = {.jobs = -1};
	const struct flag flags[] = {
	    {"tag", 't', FLAG_LIST, &f.tags, "Name and optionally a tag (name:tag)"},
	    {"file", 'f', FLAG_STRING, &f.file, "Name of the Containerfile (- for stdin)"},
	    {"build-arg", 0, FLAG_LIST, &f.build_args, "Set build-time variables"},
	    {"target", 0, FLAG_STRING, &f.target, "Set the target build stage to build"},
	    {"no-cache", 0, FLAG_BOOL, &f.no_cache, "Do not use cache when building the image"},
	    {"pull", 0, FLAG_STRING, &f.pull, "Pull policy: always, missing, never (true, false)"},
	    {"platform", 0, FLAG_STRING, &f.platform, "Set platform (this host's only)"},
	    {"label", 0, FLAG_LIST, &f.labels, "Set metadata for an image"},
	    {"quiet", 'q', FLAG_BOOL, &f.quiet, "Suppress the build output and print image ID"},
	    {"iidfile", 0, FLAG_STRING, &f.iidfile, "Write the image ID to the file"},
	    {"secret", 0, FLAG_LIST, &f.secrets, "Secret to expose to the build (id=ID,src=FILE)"},
	    {"ssh", 0, FLAG_LIST, &f.ssh,
	     "SSH agent socket or keys to expose to the build "
	     "(default|<id>[=<socket>|<key>[,<key>]])"},
	    {"allow", 0, FLAG_LIST, &f.allow,
	     "Allow extra privileged entitlement (security.insecure, network.host)"},
	    {"network", 0, FLAG_STRING, &f.network,
	     "Networking mode for RUN (default, none, host)"},
	    {"progress", 0, FLAG_STRING, &f.progress, "Progress output: auto, plain, tty, quiet"},
	    {"jobs", 0, FLAG_INT, &f.jobs,
	     "Stages built at the same time (0: no limit; default: the cores)"},
	    {"isolation", 0, FLAG_STRING, &f.isolation, "RUN steps in containers or VMs (vm)"},
	    {"add-host", 0, FLAG_LIST, &f.add_hosts, "Add a custom host-to-IP mapping (host:ip)"},
	    {"build-context", 0, FLAG_LIST, &f.contexts,
	     "Additional build context (NAME=DIR | NAME=docker-image://REF)"},
	    {"ulimit", 0, FLAG_LIST, &f.ulimits, "Ulimit options for RUN"},
	    {"shm-size", 0, FLAG_STRING, &f.shm_size, "Size of /dev/shm for RUN"},
	    {"output", 'o', FLAG_STRING, &f.output,
	     "Output destination (type=local,dest=DIR | type=tar,dest=FILE | DIR | -)"},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth build", "[OPTIONS] PATH | -",
				     "Build an image from a Containerfile", true,
				     FLAG_EXACT_ARGS(1)};
	argc = take_bare_pull(argc, argv, &f);
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0) { /* --help, a bad flag, or not exactly one PATH */
		build_flags_free(&f);
		return flags_status(n);
	}
	int st = check_flags(&f);
	struct output out = {0};
	if (!st)
		st = parse_output(f.output, &out); /* a bad -o fails before the build */
	autofree char *text = NULL, *file_path = NULL;
	struct bld_context_tar tar = {.session = {.lock_fd = -1}};
	size_t len = 0;
	const char *context = pos[0];
	struct berr *err = NULL;
	if (!st && !strcmp(context, "-")) {
		if (stdin_context(o, &text, &len, &tar, &err) < 0)
			st = cli_fail(err, 125);
		context = tar.dir;
	}
	if (!st && context) {
		struct stat sb;
		if (stat(context, &sb) < 0 || !S_ISDIR(sb.st_mode))
			st = cli_error(125, "unable to prepare context: path \"%s\" not found",
				       context);
	}
	if (!st && !text)
		st = read_containerfile(&f, context, &text, &len, &file_path);
	if (!st) {
		struct sigaction sa = {.sa_handler = on_signal};
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		st = run_build(o, &f, &out, context, file_path, text, len);
	}
	bld_context_tar_close(&tar);
	free(out.dest);
	build_flags_free(&f);
	return st;
}

/* `builder prune`: the build cache's records (step images nobody named or uses). */
static bool goes(const char *added, void *ctx)
{
	return prune_filter_match(ctx, added, NULL);
}

static int cmd_builder_prune(struct cli_opts *o, int argc, char **argv)
{
	bool all = false, force = false;
	struct flag_list filters = {0};
	const struct flag flags[] = {
	    {"all", 'a', FLAG_BOOL, &all, "Remove all unused build cache, not just dangling ones"},
	    {"force", 'f', FLAG_BOOL, &force, "Do not prompt for confirmation"},
	    {"filter", 0, FLAG_LIST, &filters, "Provide filter values (until=)"},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth builder prune", "[OPTIONS]", "Remove build cache", true,
				     FLAG_NO_ARGS};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0) {
		flag_list_free(&filters);
		return flags_status(n);
	}
	struct prune_filter pf = {0};
	int st = prune_filter_parse(&filters, true, &pf);
	flag_list_free(&filters);
	if (!st && (pf.with || pf.without))
		st = cli_error(125, "builder prune takes the until filter only");
	if (!st && !force && !prune_confirm("WARNING! This will remove all dangling build cache."))
		st = 1;
	autoptr(img_store) is = st ? NULL : cli_store(o);
	if (!st && !is)
		st = 125;
	if (!st) {
		struct eng_store es = cli_engine(o);
		struct berr *err = NULL;
		int count = 0;
		long long freed = 0;
		if (bld_cache_prune(&es, is, goes, &pf, &count, &freed, &err) < 0)
			st = cli_fail(err, 1);
		char size[32];
		if (!st)
			printf("Deleted build cache objects: %d\nTotal reclaimed space: %s\n",
			       count, out_size(freed, size));
	}
	prune_filter_free(&pf);
	return st;
}

int cmd_builder(struct cli_opts *o, int argc, char **argv)
{
	static const struct cli_command sub[] = {
	    {"prune", "Remove build cache", cmd_builder_prune},
	    {"build", "Build an image from a Containerfile", cmd_build},
	    {NULL, NULL, NULL},
	};
	return cli_group(o, "builder", "Manage builds", sub, argc, argv);
}

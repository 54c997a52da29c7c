/* Image commands that read and change records: images, rmi, tag, image prune, image mount and
 * unmount, and the `image` group that names them all. */
#include "image/image.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/berth/berth.h"
#include "cli/berth/flags.h"
#include "cli/berth/format.h"
#include "cli/berth/output.h"
#include "cli/berth/prune.h"
#include "engine/container.h"
#include "engine/image.h"
#include "image/builtin.h"
#include "image/image_view.h"
#include "image/reference.h"
#include "image/snapshot.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"

static json_t *load_all(struct img_store *s, struct berr **err)
{
	if (img_store_lock(s, false, err) < 0)
		return NULL;
	json_t *all = img_store_load_images(s, err);
	img_store_unlock(s);
	return all;
}

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

/* The digest of a familiar repository ("busybox") among the summary's RepoDigests, or NULL. */
static const char *digest_for(json_t *sum, const char *repo)
{
	size_t i, n = strlen(repo);
	json_t *v;
	json_array_foreach(json_object_get(sum, "RepoDigests"), i, v)
	{
		const char *d = json_string_value(v);
		if (!strncmp(d, repo, n) && d[n] == '@')
			return d + n + 1;
	}
	return NULL;
}

struct images_opts {
	bool all, quiet, digests, no_trunc;
	const char *format;
	struct flag_list filters;
};

/* --filter: dangling=true|false, reference=PATTERN, label=KEY[=VALUE]. */
static bool keep_row(json_t *row, json_t *rec, const struct images_opts *io,
		     const char *repo_filter)
{
	bool dangling = !json_array_size(json_object_get(rec, "names"));
	autofree char *ref = xasprintf("%s:%s", str(row, "Repository"), str(row, "Tag"));
	if (repo_filter && fnmatch(repo_filter, ref, 0) &&
	    fnmatch(repo_filter, str(row, "Repository"), 0))
		return false;
	for (int i = 0; i < io->filters.n; i++) {
		const char *f = io->filters.v[i];
		if (!strncmp(f, "dangling=", 9) && dangling != !strcmp(f + 9, "true"))
			return false;
		if (!strncmp(f, "reference=", 10) && fnmatch(f + 10, ref, 0) &&
		    fnmatch(f + 10, str(row, "Repository"), 0))
			return false;
		if (!strncmp(f, "label=", 6)) {
			json_t *labels = json_object_get(row, "_labels");
			autofree char *key = xstrdup(f + 6);
			char *eq = strchr(key, '=');
			if (eq)
				*eq = '\0';
			json_t *v = json_object_get(labels, key);
			if (!v || (eq && strcmp(json_string_value(v), eq + 1)))
				return false;
		}
	}
	return true;
}

/* docker images' row of the image layer's ImageSummary for one of its names. */
static json_t *image_row(json_t *sum, const char *repo, const char *tag, const char *digest,
			 const struct images_opts *io)
{
	const char *id = str(sum, "Id");
	time_t created = (time_t)json_integer_value(json_object_get(sum, "Created"));
	char since[48], size[32], at[48];
	autofree char *short_id = xasprintf("%.12s", id + 7);
	return json_pack(
	    "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Repository", repo, "Tag",
	    tag, "Digest", digest ? digest : "<none>", "ID", io->no_trunc ? id : short_id,
	    "CreatedSince", created ? out_since(created, since) : "N/A", "CreatedAt",
	    created ? out_go_time(created, at) : "", "Size",
	    out_size(json_integer_value(json_object_get(sum, "Size")), size), "VirtualSize", size,
	    "SharedSize", "N/A", "UniqueSize", "N/A", "Containers", "N/A");
}

static void rows_of(json_t *rec, json_t *sum, const struct images_opts *io, const char *repo_filter,
		    json_t *rows)
{
	json_t *names = json_object_get(rec, "names");
	json_t *labels = json_object_get(sum, "Labels");
	size_t i;
	json_t *v;
	if (!json_array_size(names)) {
		/* a build step's image, kept as build cache: shown with -a only (as Docker hides
		 * intermediate images) */
		if (img_image_is_build_cache(rec) && !io->all)
			return;
		json_auto_t *row = image_row(sum, "<none>", "<none>", NULL, io);
		json_object_set(row, "_labels", labels);
		if (keep_row(row, rec, io, repo_filter))
			json_array_append(rows, row);
		return;
	}
	json_array_foreach(json_object_get(sum, "RepoTags"), i, v)
	{
		struct img_ref ref;
		if (img_ref_parse(json_string_value(v), &ref, NULL) < 0)
			continue;
		autofree char *fam = img_ref_familiar(&ref);
		json_auto_t *row =
		    image_row(sum, fam, ref.tag ? ref.tag : "<none>", digest_for(sum, fam), io);
		json_object_set(row, "_labels", labels);
		if (keep_row(row, rec, io, repo_filter))
			json_array_append(rows, row);
		img_ref_clear(&ref);
	}
}

static int by_created_desc(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	return strcmp(str(y, "created"), str(x, "created"));
}

/* The rows of every image in all's "images", newest first. */
static json_t *images_rows(struct img_store *s, json_t *all, const struct images_opts *io,
			   const char *repo_filter)
{
	json_t *images = json_object_get(all, "images");
	size_t count = json_array_size(images), i;
	autofree json_t **sorted = xcalloc(count + 1, sizeof(json_t *));
	for (i = 0; i < count; i++)
		sorted[i] = json_array_get(images, i);
	qsort(sorted, count, sizeof(json_t *), by_created_desc);
	json_t *rows = json_array();
	for (i = 0; i < count; i++) {
		json_auto_t *sum = img_image_summary(s, sorted[i]);
		rows_of(sorted[i], sum, io, repo_filter, rows);
	}
	return rows;
}

/* -q: each image id once; else the table or --format. The exit status. */
static int images_print(const struct images_opts *io, json_t *rows)
{
	size_t i;
	json_t *row;
	if (io->quiet) {
		json_auto_t *seen = json_object();
		json_array_foreach(rows, i, row)
		{
			const char *id = str(row, "ID");
			if (!json_object_get(seen, id))
				puts(id);
			json_object_set_new(seen, id, json_true());
		}
		return 0;
	}
	json_auto_t *headers = json_pack(
	    "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Repository", "REPOSITORY",
	    "Tag", "TAG", "Digest", "DIGEST", "ID", "IMAGE ID", "CreatedSince", "CREATED",
	    "CreatedAt", "CREATED AT", "Size", "SIZE", "VirtualSize", "VIRTUAL SIZE", "SharedSize",
	    "SHARED SIZE", "UniqueSize", "UNIQUE SIZE", "Containers", "CONTAINERS");
	json_array_foreach(rows, i, row) json_object_del(row, "_labels");
	return fmt_rows(io->format,
			io->digests ? "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}"
				      "\t{{.CreatedSince}}\t{{.Size}}"
				    : "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{."
				      "CreatedSince}}\t{{.Size}}",
			headers, rows);
}

int cmd_images(struct cli_opts *o, int argc, char **argv)
{
	struct images_opts io = {0};
	const struct flag flags[] = {
	    {"all", 'a', FLAG_BOOL, &io.all, "Show all images (default hides intermediate images)"},
	    {"quiet", 'q', FLAG_BOOL, &io.quiet, "Only show image IDs"},
	    {"digests", 0, FLAG_BOOL, &io.digests, "Show digests"},
	    {"no-trunc", 0, FLAG_BOOL, &io.no_trunc, "Don't truncate output"},
	    {"format", 0, FLAG_STRING, &io.format, "Format output using a Go template", "string"},
	    {"filter", 'f', FLAG_LIST, &io.filters, "Filter output based on conditions provided",
	     "filter"},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth images", "[OPTIONS] [REPOSITORY[:TAG]]", "List images",
				     true, FLAG_MAX_ARGS(1)};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0) {
		flag_list_free(&io.filters);
		return flags_status(n);
	}
	autoptr(img_store) s = cli_store(o);
	if (!s)
		return 125;
	struct berr *err = NULL;
	json_auto_t *all = load_all(s, &err);
	if (!all)
		return cli_fail(err, 1);
	/* a filter without a tag matches the repository's every tag */
	json_auto_t *rows = images_rows(s, all, &io, n == 1 ? pos[0] : NULL);
	int status = images_print(&io, rows);
	flag_list_free(&io.filters);
	return status;
}

int cmd_rmi(struct cli_opts *o, int argc, char **argv)
{
	bool force = false, no_prune = false;
	const struct flag flags[] = {
	    {"force", 'f', FLAG_BOOL, &force, "Force removal of the image"},
	    {"no-prune", 0, FLAG_BOOL, &no_prune, "Do not delete untagged parents"},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth rmi", "[OPTIONS] IMAGE [IMAGE...]",
				     "Remove one or more images", true, FLAG_MIN_ARGS(1)};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return flags_status(n);
	autoptr(img_store) s = cli_store(o);
	if (!s)
		return 125;
	int status = 0;
	for (int i = 0; i < n; i++) {
		json_t *report = json_array();
		struct berr *err = NULL;
		struct eng_store es = cli_engine(o);
		if (img_image_remove(s, pos[i], force, eng_image_use, &es, report, &err) < 0)
			status = cli_fail(err, 1);
		size_t k;
		json_t *line;
		json_array_foreach(report, k, line) puts(json_string_value(line));
		json_decref(report);
	}
	return status;
}

int cmd_tag(struct cli_opts *o, int argc, char **argv)
{
	const struct flag flags[] = {FLAG_END};
	const struct flag_cmd cmd = {"berth tag", "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
				     "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE", true,
				     FLAG_EXACT_ARGS(2)};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return flags_status(n);
	autoptr(img_store) s = cli_store(o);
	if (!s)
		return 125;
	struct berr *err = NULL;
	if (img_builtin_is(pos[0]) && img_builtin_ensure(s, &err) < 0)
		return cli_fail(err, 1);
	if (img_image_tag(s, pos[0], pos[1], &err) < 0)
		return cli_fail(err, 1);
	return 0;
}

static bool prune_match(void *ctx, const char *created, json_t *labels)
{
	return prune_filter_match(ctx, created, labels);
}

/* Prune's work (engine/image.h), with Docker's report. The exit status. */
static int prune_images(struct cli_opts *o, bool all, const struct prune_filter *pf)
{
	autoptr(img_store) s = cli_store(o);
	if (!s)
		return 125;
	struct berr *err = NULL;
	json_t *report = json_array();
	struct eng_store es = cli_engine(o);
	struct eng_image_prune p = {
	    .all = all, .match = prune_filter_empty(pf) ? NULL : prune_match, .ctx = (void *)pf};
	int64_t freed = 0;
	int status = 0;
	if (eng_image_prune(&es, s, &p, report, &freed, &err) < 0)
		status = cli_fail(err, 1);
	size_t i;
	if (json_array_size(report)) {
		printf("Deleted Images:\n");
		json_t *line;
		json_array_foreach(report, i, line)
		{
			const char *l = json_string_value(line);
			/* prune prints them in lower case, as Docker does */
			if (!strncmp(l, "Untagged: ", 10))
				printf("untagged: %s\n", l + 10);
			else
				printf("deleted: %s\n", l + 9);
		}
		printf("\n");
	}
	char size[32];
	printf("Total reclaimed space: %s\n", out_size(freed, size));
	json_decref(report);
	return status;
}

int cmd_image_prune(struct cli_opts *o, int argc, char **argv)
{
	bool all = false, force = false;
	struct flag_list filters = {0};
	const struct flag flags[] = {
	    {"all", 'a', FLAG_BOOL, &all, "Remove all unused images, not just dangling ones"},
	    {"force", 'f', FLAG_BOOL, &force, "Do not prompt for confirmation"},
	    {"filter", 0, FLAG_LIST, &filters, "Provide filter values (until=, label=, label!=)",
	     "filter"},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth image prune", "[OPTIONS]", "Remove unused images", true,
				     FLAG_NO_ARGS};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	struct prune_filter pf = {0};
	int r = n < 0 ? flags_status(n) : prune_filter_parse(&filters, true, &pf);
	flag_list_free(&filters);
	if (n >= 0 && r == 0 &&
	    (force ||
	     prune_confirm(all ? "WARNING! This will remove all images without at least one "
				 "container associated to them."
			       : "WARNING! This will remove all dangling images.")))
		r = prune_images(o, all, &pf);
	prune_filter_free(&pf);
	return r;
}

/* <root>/mounts/<id hex>: where `image mount` puts an image's layers, read-only. */
static char *mount_dir(struct cli_opts *o, const char *id)
{
	return xasprintf("%s/mounts/%s", o->root, id + 7);
}

static bool is_mounted(const char *dir)
{
	struct stat a, b;
	autofree char *parent = xasprintf("%s/..", dir);
	return stat(dir, &a) == 0 && stat(parent, &b) == 0 && a.st_dev != b.st_dev;
}

static int mount_one(struct cli_opts *o, struct img_store *s, const char *name, bool unmount)
{
	struct berr *err = NULL;
	if (!unmount && img_builtin_is(name) && img_builtin_ensure(s, &err) < 0)
		return cli_fail(err, 1);
	json_t *rec = img_image_lookup(s, name, &err);
	if (!rec)
		return cli_fail(err, 1);
	autofree char *dir = mount_dir(o, str(rec, "id"));
	int status = 0;
	if (unmount) {
		if (is_mounted(dir) && umount2(dir, MNT_DETACH) < 0)
			status = cli_error(1, "unmount '%s': %s", dir, strerror(errno));
		(void)rmdir(dir);
		if (status == 0)
			printf("%s\n", str(rec, "id") + 7);
	} else if (is_mounted(dir)) {
		printf("%s\n", dir);
	} else {
		json_t *layers = json_object_get(rec, "layers");
		size_t nl = json_array_size(layers);
		char **chains = xcalloc(nl + 1, sizeof(char *));
		for (size_t i = 0; i < nl; i++)
			chains[i] = (char *)json_string_value(json_array_get(layers, i));
		autofree char *parent = xasprintf("%s/mounts", o->root);
		if (fs_mkdir_p(dir, 0700, &err) < 0 ||
		    img_snapshot_mount(s, chains, nl, NULL, NULL, dir, &err) < 0) {
			(void)rmdir(dir);
			status = cli_fail(err, 1);
		} else {
			printf("%s\n", dir);
		}
		free(chains);
	}
	json_decref(rec);
	return status;
}

static int image_mount(struct cli_opts *o, int argc, char **argv, bool unmount)
{
	const struct flag flags[] = {FLAG_END};
	const struct flag_cmd cmd = {unmount ? "berth image unmount" : "berth image mount",
				     "IMAGE [IMAGE...]",
				     unmount ? "Unmount an image's root filesystem"
					     : "Mount an image's root filesystem read-only and "
					       "print where",
				     true, FLAG_MIN_ARGS(1)};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return flags_status(n);
	autoptr(img_store) s = cli_store(o);
	if (!s)
		return 125;
	int status = 0;
	for (int i = 0; i < n; i++)
		if (mount_one(o, s, pos[i], unmount))
			status = 1;
	return status;
}

int cmd_image_mount(struct cli_opts *o, int argc, char **argv)
{
	return image_mount(o, argc, argv, false);
}

int cmd_image_unmount(struct cli_opts *o, int argc, char **argv)
{
	return image_mount(o, argc, argv, true);
}

int cmd_image(struct cli_opts *o, int argc, char **argv)
{
	static const struct cli_command sub[] = {
	    {"ls", "List images", cmd_images},
	    {"build", "Build an image from a Containerfile", cmd_build},
	    {"pull", "Download an image from a registry", cmd_pull},
	    {"push", "Upload an image to a registry", cmd_push},
	    {"list", NULL, cmd_images},
	    {"rm", "Remove one or more images", cmd_rmi},
	    {"remove", NULL, cmd_rmi},
	    {"tag", "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE", cmd_tag},
	    {"inspect", "Display detailed information on one or more images", cmd_image_inspect},
	    {"history", "Show the history of an image", cmd_history},
	    {"save", "Save one or more images to a tar archive", cmd_save},
	    {"load", "Load an image from a tar archive or STDIN", cmd_load},
	    {"import", "Import the contents from a tarball to create a filesystem image",
	     cmd_import},
	    {"prune", "Remove unused images", cmd_image_prune},
	    {"mount", "Mount an image's root filesystem read-only", cmd_image_mount},
	    {"unmount", "Unmount an image's root filesystem", cmd_image_unmount},
	    {"umount", NULL, cmd_image_unmount},
	    {NULL, NULL, NULL}};
	return cli_group(o, "image", "Manage images", sub, argc, argv);
}

/* cp, diff, export: a container's files. Paths inside the container are resolved inside its
 * root (path_open_in_root: a symlink in the container cannot lead to the host), and copies go
 * through directory fds with O_NOFOLLOW (util/fs.h). */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/berth/berth.h"
#include "cli/berth/flags.h"
#include "engine/container.h"
#include "engine/rootfs.h"
#include "engine/tarball.h"
#include "image/layer.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/path.h"
#include "util/xalloc.h"

/* "name:/path" → container and path; NULL for a host path (Docker's rule: a colon before
 * any slash). */
static char *split_container(const char *arg, const char **out_path)
{
	const char *colon = strchr(arg, ':');
	const char *slash = strchr(arg, '/');
	if (!colon || (slash && slash < colon) || arg[0] == '.')
		return NULL;
	*out_path = colon + 1;
	return xstrndup(arg, (size_t)(colon - arg));
}

/* Directory and last name of a path ("/" → "/" and "."). */
static void split_path(const char *path, char **out_dir, char **out_base)
{
	autofree char *clean = path_clean(path);
	char *slash = strrchr(clean, '/');
	*out_base = xstrdup(slash[1] ? slash + 1 : ".");
	*slash = '\0';
	*out_dir = xstrdup(*clean ? clean : "/");
}

static int copy_out(const struct eng_view *v, const char *src, const char *dest, struct berr **err)
{
	autofree char *sdir = NULL, *sbase = NULL;
	split_path(src, &sdir, &sbase);
	autoclose int from = path_open_in_root(v->fd, sdir, O_RDONLY | O_DIRECTORY, 0, err);
	if (from < 0)
		return berr_wrap(err, "'%s'", src);
	struct stat st;
	if (strcmp(sbase, ".") && fstatat(from, sbase, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return berr_set(err, errno, "'%s'", src);
	/* into an existing directory under the same name, else as dest */
	struct stat dst;
	bool into = stat(dest, &dst) == 0 && S_ISDIR(dst.st_mode);
	autofree char *ddir = NULL, *dbase = NULL;
	if (into) {
		ddir = xstrdup(dest);
		dbase = xstrdup(sbase);
	} else {
		autofree char *copy = xstrdup(dest);
		ddir = xstrdup(dirname(copy));
		free(copy);
		copy = xstrdup(dest);
		dbase = xstrdup(basename(copy));
	}
	autoclose int to = open(ddir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (to < 0)
		return berr_set(err, errno, "'%s'", ddir);
	if (!strcmp(sbase, "."))
		return fs_copy_tree(from, to, true, v->out, err);
	return fs_copy_entry_as(from, sbase, to, dbase, true, v->out, err);
}

/* CONTAINER:SRC - : SRC as a tar on stdout, named by its last name. follow: a symbolic link
 * SRC is followed (inside the root). */
static int tar_out(const struct eng_view *v, const char *src, bool follow, struct berr **err)
{
	int rootfd = v->fd;
	autofree char *sdir = NULL, *sbase = NULL;
	split_path(src, &sdir, &sbase);
	if (follow) {
		autoclose int fd = path_open_in_root(rootfd, src, O_PATH, 0, err);
		if (fd < 0)
			return berr_wrap(err, "'%s'", src);
		return eng_tarball_write(fd, NULL, sbase, STDOUT_FILENO, v->out, err);
	}
	autoclose int from = path_open_in_root(rootfd, sdir, O_PATH | O_DIRECTORY, 0, err);
	if (from < 0)
		return berr_wrap(err, "'%s'", src);
	return eng_tarball_write(from, sbase, sbase, STDOUT_FILENO, v->out, err);
}

/* - CONTAINER:DEST : a tar from stdin extracted into the directory DEST. */
static int tar_in(const struct eng_view *v, const char *dest, struct berr **err)
{
	autoclose int to = path_open_in_root(v->fd, dest, O_RDONLY | O_DIRECTORY, 0, err);
	if (to < 0)
		return berr_wrap(err, "destination '%s' must be a directory", dest);
	return img_layer_untar(to, STDIN_FILENO, v->in, err);
}

static int copy_in(const struct eng_view *v, const char *src, const char *dest, struct berr **err)
{
	int rootfd = v->fd;
	autofree char *copy = xstrdup(src);
	autofree char *sdir = xstrdup(dirname(copy));
	free(copy);
	copy = xstrdup(src);
	autofree char *sbase = xstrdup(basename(copy));
	autoclose int from = open(sdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat st;
	if (from < 0 || fstatat(from, sbase, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return berr_set(err, errno, "'%s'", src);
	/* an existing directory in the container takes it by its name, else dest names it */
	autoclose int to = path_open_in_root(rootfd, dest, O_RDONLY | O_DIRECTORY, 0, NULL);
	if (to >= 0)
		return fs_copy_entry_as(from, sbase, to, sbase, true, v->in, err);
	autofree char *ddir = NULL, *dbase = NULL;
	split_path(dest, &ddir, &dbase);
	to = path_open_in_root(rootfd, ddir, O_RDONLY | O_DIRECTORY, 0, err);
	if (to < 0)
		return berr_wrap(err, "'%s'", dest);
	return fs_copy_entry_as(from, sbase, to, dbase, true, v->in, err);
}

/* Into a running container's idmapped view: entries are made as its root (an fsuid its
 * maps hold), owners translated by v->in. */
static int into(const struct eng_view *v, bool tar, const char *src, struct berr **err)
{
	struct idshift_creds c = {0};
	if (v->in && idshift_fs_enter(v->root_uid, v->root_gid, &c, err) < 0)
		return -EPERM;
	int r = tar ? tar_in(v, v->rel, err) : copy_in(v, src, v->rel, err);
	idshift_fs_leave(&c);
	return r;
}

int cmd_cp(struct cli_opts *o, int argc, char **argv)
{
	bool follow = false;
	const struct flag flags[] = {
	    {"archive", 'a', FLAG_BOOL, &(bool){0}, "Archive mode (copy all uid/gid information)"},
	    {"follow-link", 'L', FLAG_BOOL, &follow, "Always follow symbol link in SRC_PATH"},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth cp",
				     "CONTAINER:SRC_PATH DEST_PATH|SRC_PATH CONTAINER:DEST_PATH",
				     "Copy files/folders between a container and the local "
				     "filesystem",
				     true};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return n == -2 ? 0 : 125;
	if (n != 2)
		return cli_error(125, "\"berth cp\" requires exactly 2 arguments");
	const char *spath = NULL, *dpath = NULL;
	autofree char *sc = split_container(pos[0], &spath);
	autofree char *dc = split_container(pos[1], &dpath);
	bool tar = !strcmp(sc ? pos[1] : pos[0], "-");
	if ((sc != NULL) == (dc != NULL))
		return cli_error(125, "one of the paths must be CONTAINER:PATH, and only one");
	struct eng_store es = cli_engine(o);
	char id[ENG_ID_LEN + 1];
	struct berr *err = NULL;
	if (eng_container_resolve(&es, sc ? sc : dc, id, &err) < 0)
		return cli_fail(err, 1);
	struct eng_view v;
	if (eng_rootfs_view(&es, id, sc ? spath : dpath, &v, &err) < 0)
		return cli_fail(err, 1);
	int status = 0;
	if ((sc ? (tar ? tar_out(&v, v.rel, follow, &err) : copy_out(&v, v.rel, pos[1], &err))
		: into(&v, tar, pos[0], &err)) < 0)
		status = cli_fail(err, 1);
	eng_rootfs_view_release(&v);
	return status;
}

int cmd_diff(struct cli_opts *o, int argc, char **argv)
{
	const struct flag flags[] = {FLAG_END};
	const struct flag_cmd cmd = {"berth diff", "CONTAINER",
				     "Inspect changes to files or directories on a container's "
				     "filesystem",
				     true};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return n == -2 ? 0 : 125;
	if (n != 1)
		return cli_error(125, "\"berth diff\" requires exactly 1 argument");
	struct eng_store es = cli_engine(o);
	char id[ENG_ID_LEN + 1];
	struct berr *err = NULL;
	if (eng_container_resolve(&es, pos[0], id, &err) < 0)
		return cli_fail(err, 1);
	json_t *changes = eng_rootfs_changes(&es, id, &err);
	if (!changes)
		return cli_fail(err, 1);
	size_t i;
	json_t *c;
	json_array_foreach(changes, i, c) puts(json_string_value(c));
	json_decref(changes);
	return 0;
}

int cmd_export(struct cli_opts *o, int argc, char **argv)
{
	const char *output = NULL;
	const struct flag flags[] = {
	    {"output", 'o', FLAG_STRING, &output, "Write to a file, instead of STDOUT", "string"},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth export", "[OPTIONS] CONTAINER",
				     "Export a container's filesystem as a tar archive", true};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return n == -2 ? 0 : 125;
	if (n != 1)
		return cli_error(125, "\"berth export\" requires exactly 1 argument");
	if (!output && isatty(STDOUT_FILENO))
		return cli_error(1, "cowardly refusing to save to a terminal. Use the -o flag or "
				    "redirect");
	struct eng_store es = cli_engine(o);
	char id[ENG_ID_LEN + 1];
	struct berr *err = NULL;
	if (eng_container_resolve(&es, pos[0], id, &err) < 0)
		return cli_fail(err, 1);
	struct eng_rootfs r;
	if (eng_rootfs_acquire(&es, id, &r, &err) < 0)
		return cli_fail(err, 1);
	autoclose int fd = output ? open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)
				  : dup(STDOUT_FILENO);
	int status = 0;
	if (fd < 0)
		status = cli_error(1, "open '%s': %s", output ? output : "stdout", strerror(errno));
	else if (eng_tarball_write(AT_FDCWD, r.path, "", fd, NULL, &err) < 0)
		status = cli_fail(err, 1);
	eng_rootfs_release(&r);
	return status;
}

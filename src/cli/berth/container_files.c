/* cp, diff, export: a container's files, on engine/container_files (which the API's archive,
 * export and changes call too): this file parses the command line and prints. */
#include "engine/container_files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/berth/berth.h"
#include "cli/berth/flags.h"
#include "engine/container.h"
#include "engine/rootfs.h"
#include "image/layer.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/json.h"
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

int cmd_cp(struct cli_opts *o, int argc, char **argv)
{
	bool follow = false, archive = false;
	const struct flag flags[] = {
	    {"archive", 'a', FLAG_BOOL, &archive, "Archive mode (copy all uid/gid information)"},
	    {"follow-link", 'L', FLAG_BOOL, &follow, "Always follow symbol link in SRC_PATH"},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth cp",
				     "CONTAINER:SRC_PATH DEST_PATH|SRC_PATH CONTAINER:DEST_PATH",
				     "Copy files/folders between a container and the local "
				     "filesystem",
				     true, FLAG_EXACT_ARGS(2)};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return flags_status(n);
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
	/* -a into a container: what is copied is its User's (as docker cp -a); out of one, the
	 * owners are kept either way */
	struct img_owner owner;
	bool owned = false;
	if (archive && dc && eng_files_owner(&es, id, &owner, &owned, &err) < 0)
		return cli_fail(err, 1);
	struct eng_files f;
	if (eng_files_open(&es, id, sc ? spath : dpath, &f, &err) < 0)
		return cli_fail(err, 1);
	int r;
	if (sc)
		r = tar ? eng_files_tar_out(&f, follow, STDOUT_FILENO, &err)
			: eng_files_copy_out(&f, pos[1], &err);
	else
		r = tar ? eng_files_tar_in_owned(&f, STDIN_FILENO, owned ? &owner : NULL, &err)
			: eng_files_copy_in_owned(&f, pos[0], owned ? &owner : NULL, &err);
	eng_files_close(&f);
	return r < 0 ? cli_fail(err, 1) : 0;
}

int cmd_diff(struct cli_opts *o, int argc, char **argv)
{
	const struct flag flags[] = {FLAG_END};
	const struct flag_cmd cmd = {"berth diff", "CONTAINER",
				     "Inspect changes to files or directories on a container's "
				     "filesystem",
				     true, FLAG_EXACT_ARGS(1)};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return flags_status(n);
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
	json_array_foreach(changes, i, c)
	{
		json_int_t kind = json_integer_value(json_object_get(c, "Kind"));
		printf("%c %s\n",
		       kind == ENG_CHANGE_ADDED     ? 'A'
		       : kind == ENG_CHANGE_DELETED ? 'D'
						    : 'C',
		       json_string_value(json_object_get(c, "Path")));
	}
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
				     "Export a container's filesystem as a tar archive", true,
				     FLAG_EXACT_ARGS(1)};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return flags_status(n);
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
	else if (eng_files_export(&es, id, &r, fd, &err) < 0)
		status = cli_fail(err, 1);
	eng_rootfs_release(&r);
	return status;
}

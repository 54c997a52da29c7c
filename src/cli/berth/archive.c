/* save, load and import: images to and from tar archives. */
#include "image/archive.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/berth/berth.h"
#include "cli/berth/flags.h"
#include "image/builtin.h"
#include "image/manifest.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/xalloc.h"

int cmd_save(struct cli_opts *o, int argc, char **argv)
{
	const char *output = NULL, *format = "docker-archive";
	const struct flag flags[] = {
	    {"output", 'o', FLAG_STRING, &output, "Write to a file, instead of STDOUT", "string"},
	    {"format", 0, FLAG_STRING, &format,
	     "Archive format: docker-archive (default) or oci-archive", "string"},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth save", "[OPTIONS] IMAGE [IMAGE...]",
				     "Save one or more images to a tar archive (streamed to STDOUT "
				     "by default)",
				     true, FLAG_MIN_ARGS(1)};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return flags_status(n);
	enum img_archive_format f;
	if (!strcmp(format, "docker-archive") || !strcmp(format, "docker"))
		f = IMG_ARCHIVE_DOCKER;
	else if (!strcmp(format, "oci-archive") || !strcmp(format, "oci"))
		f = IMG_ARCHIVE_OCI;
	else
		return cli_error(125, "unknown archive format '%s' (docker-archive or oci-archive)",
				 format);
	if (!output && isatty(STDOUT_FILENO))
		return cli_error(1, "cowardly refusing to save to a terminal. Use the -o flag or "
				    "redirect");
	autoptr(img_store) s = cli_store(o);
	if (!s)
		return 125;
	struct berr *err = NULL;
	for (int i = 0; i < n; i++)
		if (img_builtin_is(pos[i]) && img_builtin_ensure(s, &err) < 0)
			return cli_fail(err, 1);
	/* into a temp file renamed at the end: a failed save leaves no half archive */
	autofree char *tmp = output ? xasprintf("%s.tmp-XXXXXX", output) : NULL;
	autoclose int fd = output ? mkostemp(tmp, O_CLOEXEC) : dup(STDOUT_FILENO);
	if (fd < 0)
		return cli_error(1, "open '%s': %s", output ? output : "stdout", strerror(errno));
	if (img_archive_save(s, (char *const *)pos, (size_t)n, f, fd, &err) < 0) {
		if (tmp)
			(void)unlink(tmp);
		return cli_fail(err, 1);
	}
	if (tmp && (fchmod(fd, 0644) < 0 || rename(tmp, output) < 0)) {
		int e = errno;
		(void)unlink(tmp);
		return cli_error(1, "write '%s': %s", output, strerror(e));
	}
	return 0;
}

int cmd_load(struct cli_opts *o, int argc, char **argv)
{
	const char *input = NULL, *platform = NULL;
	bool quiet = false;
	const struct flag flags[] = {
	    {"input", 'i', FLAG_STRING, &input, "Read from tar archive file, instead of STDIN",
	     "string"},
	    {"quiet", 'q', FLAG_BOOL, &quiet, "Suppress the load output"},
	    {"platform", 0, FLAG_STRING, &platform,
	     "Load the image of this platform from a multi-platform archive", "string"},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth load", "[OPTIONS]",
				     "Load an image from a tar archive or STDIN", true,
				     FLAG_NO_ARGS};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return flags_status(n);
	if (!input && isatty(STDIN_FILENO))
		return cli_error(1, "requested load from stdin, but stdin is empty");
	struct berr *err = NULL;
	struct img_platform p = {0};
	if (platform && img_platform_parse(platform, &p, &err) < 0)
		return cli_fail(err, 125);
	autoclose int fd = input ? open(input, O_RDONLY | O_CLOEXEC) : dup(STDIN_FILENO);
	if (fd < 0) {
		img_platform_clear(&p);
		return cli_error(1, "open '%s': %s", input ? input : "stdin", strerror(errno));
	}
	autoptr(img_store) s = cli_store(o);
	if (!s) {
		img_platform_clear(&p);
		return 125;
	}
	json_t *report = json_array();
	int status = 0;
	if (img_archive_load(s, fd, platform ? &p : NULL, report, &err) < 0)
		status = cli_fail(err, 1);
	size_t i;
	json_t *line;
	if (!quiet)
		json_array_foreach(report, i, line) puts(json_string_value(line));
	json_decref(report);
	img_platform_clear(&p);
	return status;
}

/* SOURCE_DATE_EPOCH (reproducible-builds.org) fixes the "created" time of the new image. */
static const char *source_date(char buf[40])
{
	const char *e = getenv("SOURCE_DATE_EPOCH");
	if (!e || !*e)
		return NULL;
	time_t t = (time_t)strtoll(e, NULL, 10);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, 40, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

int cmd_import(struct cli_opts *o, int argc, char **argv)
{
	struct flag_list changes = {0};
	const char *message = NULL, *platform = NULL;
	const struct flag flags[] = {{"change", 'c', FLAG_LIST, &changes,
				      "Apply Dockerfile instruction to the created image", "list"},
				     {"message", 'm', FLAG_STRING, &message,
				      "Set commit message for imported image", "string"},
				     {"platform", 0, FLAG_STRING, &platform,
				      "Set platform if server is multi-platform capable", "string"},
				     FLAG_END};
	const struct flag_cmd cmd = {"berth import", "[OPTIONS] file|- [REPOSITORY[:TAG]]",
				     "Import the contents from a tarball to create a filesystem "
				     "image",
				     true, FLAG_MIN_ARGS(1)};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	int status = 0;
	struct berr *err = NULL;
	struct img_platform p = {0};
	autoptr(img_store) s = NULL;
	autoclose int fd = -1;
	if (n < 0) {
		status = flags_status(n);
		goto out;
	}
	if (strstr(pos[0], "://")) {
		status = cli_error(1, "importing from a URL is not supported: download it first");
		goto out;
	}
	if (platform && img_platform_parse(platform, &p, &err) < 0) {
		status = cli_fail(err, 125);
		goto out;
	}
	fd = strcmp(pos[0], "-") ? open(pos[0], O_RDONLY | O_CLOEXEC) : dup(STDIN_FILENO);
	if (fd < 0) {
		status = cli_error(1, "open '%s': %s", pos[0], strerror(errno));
		goto out;
	}
	s = cli_store(o);
	if (!s) {
		status = 125;
		goto out;
	}
	char created[40], id[80];
	struct img_import in = {.name = n >= 2 ? pos[1] : NULL, /* Docker ignores any after */
				.message = message,
				.changes = (char *const *)changes.v,
				.created = source_date(created),
				.platform = platform ? &p : NULL};
	if (img_archive_import(s, fd, &in, id, &err) < 0)
		status = cli_fail(err, 1);
	else
		printf("%s\n", id);
out:
	img_platform_clear(&p);
	flag_list_free(&changes);
	return status;
}

/* The built-in default image (see builtin.h). */
#include "image/builtin.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/archive.h"
#include "image/image.h"
#include "image/reference.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/xalloc.h"

#ifndef BERTH_DATADIR
#define BERTH_DATADIR "/usr/local/share/berth"
#endif
#define ARCHIVE "default-image.tar"

bool img_builtin_is(const char *name)
{
	struct img_ref ref;
	if (img_ref_parse(name, &ref, NULL) < 0)
		return false;
	autofree char *s = img_ref_string(&ref);
	img_ref_clear(&ref);
	return !strcmp(s, IMG_BUILTIN_NAME);
}

char *img_builtin_file(const char *name, struct berr **err)
{
	/* beside the binary first (<dir>/../share/berth/), so a build tree works uninstalled */
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		char *p = xasprintf("%s/../share/berth/%s", dirname(self), name);
		if (access(p, R_OK) == 0)
			return p;
		free(p);
	}
	char *p = xasprintf(BERTH_DATADIR "/%s", name);
	if (access(p, R_OK) == 0)
		return p;
	free(p);
	berr_plain(err, ENOENT, "berth's '%s' is missing (looked beside the binary and in %s)",
		   name, BERTH_DATADIR);
	return NULL;
}

char *img_builtin_path(struct berr **err)
{
	const char *env = getenv("BERTH_DEFAULT_IMAGE");
	if (env && *env)
		return xstrdup(env);
	return img_builtin_file(ARCHIVE, err);
}

int img_builtin_ensure(struct img_store *s, struct berr **err)
{
	json_auto_t *rec = img_image_lookup(s, IMG_BUILTIN_NAME, NULL);
	if (rec)
		return 0;
	autofree char *path = img_builtin_path(err);
	if (!path)
		return berr_ret(err);
	autoclose int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return berr_set(err, errno, "open '%s'", path);
	json_auto_t *report = json_array();
	int r = img_archive_load_builtin(s, fd, report, err);
	return r < 0 ? berr_wrap(err, "built-in image '%s'", path) : 0;
}

/* A /dev/shm shared between containers (see shm.h). */
#include "engine/shm.h"

#include <errno.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/err.h"
#include "util/xalloc.h"

#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

bool eng_shm_mounted(const char *path)
{
	struct statfs sf;
	struct stat st, up;
	autofree char *parent = xasprintf("%s/..", path);
	return statfs(path, &sf) == 0 && sf.f_type == TMPFS_MAGIC && stat(path, &st) == 0 &&
	       stat(parent, &up) == 0 && st.st_dev != up.st_dev;
}

int eng_shm_mount(const char *path, int64_t size, const char *what, struct berr **err)
{
	if (eng_shm_mounted(path))
		return 0;
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return berr_set(err, errno, "create '%s'", path);
	autofree char *opts =
	    xasprintf("mode=1777,size=%lld", (long long)(size > 0 ? size : ENG_SHM_DEFAULT));
	if (mount("shm", path, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts) < 0)
		return berr_set(err, errno, "mount %s", what);
	return 0;
}

void eng_shm_unmount(const char *path)
{
	while (eng_shm_mounted(path) && umount2(path, MNT_DETACH) == 0)
		;
	(void)rmdir(path);
}

void eng_shm_bind(json_t *spec, const char *path)
{
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(spec, "mounts"), i, m)
	{
		if (strcmp(json_string_value(json_object_get(m, "destination")) ?: "", "/dev/shm"))
			continue;
		json_object_set_new(m, "type", json_string("bind"));
		json_object_set_new(m, "source", json_string(path));
		json_object_set_new(
		    m, "options",
		    json_pack("[s, s, s, s, s]", "rbind", "rprivate", "nosuid", "noexec", "nodev"));
	}
}

/* `--user` / the image's User as Docker resolves it, against the container's own /etc/passwd
 * and /etc/group (read through path_open_in_root: the files are the image's, not the host's):
 * "name", "uid", "name:group", "uid:gid"; a user found in passwd gets its primary group and
 * the groups that list it. Numeric ids need no entry. */
#ifndef BERTH_ENGINE_USER_H
#define BERTH_ENGINE_USER_H

#include <stddef.h>
#include <sys/types.h>

struct berr;

struct eng_user {
	uid_t uid;
	gid_t gid;
	gid_t groups[64];
	size_t n_groups;
	char home[256];
};

int eng_user_resolve(int rootfd, const char *spec, struct eng_user *out, struct berr **err);

#endif

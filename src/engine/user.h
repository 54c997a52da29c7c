/* `--user` / the image's User as Docker resolves it, against the container's own /etc/passwd
 * and /etc/group (read through path_open_in_root: the files are the image's, not the host's):
 * "name", "uid", "name:group", "uid:gid"; a user found in passwd gets its primary group and
 * the groups that list it. Numeric ids need no entry. */
#ifndef BERTH_ENGINE_USER_H
#define BERTH_ENGINE_USER_H

#include <jansson.h>
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

/* The process's user for a container with these IDMappings (userns.h): as eng_user_resolve,
 * but with rootless keep-id ("KeepId" in them) the user's passwd and group entries are added
 * to the container's files where missing (podman's, its home the user's where the container
 * has it, else workdir), and with no spec the process runs as the KeepId ids. */
int eng_user_for(int rootfd, const char *spec, json_t *idmappings, const char *workdir,
		 struct eng_user *out, struct berr **err);

#endif

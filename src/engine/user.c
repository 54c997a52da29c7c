/* User and group lookup in the container's files (see user.h). */
#include "engine/user.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/path.h"
#include "util/xalloc.h"

#define DB_MAX (4 << 20)

/* The container's /etc/<name>, or NULL when it has none. The image (or the running container)
 * decides what is there: a FIFO would block our open until a writer came, and `run`, `start`
 * and `exec -u` with it, a device would be read. Only a regular file is opened, anything else
 * is taken as no file, as a missing one is. */
static char *read_db(int rootfd, const char *name)
{
	autoclose int path = path_open_in_root(rootfd, name, O_PATH, 0, NULL);
	autoclose int fd = path >= 0 ? fs_open_regular(path, NULL, NULL, NULL) : -1;
	if (fd < 0)
		return NULL;
	char *data = NULL;
	size_t len = 0;
	if (fs_read_fd(fd, DB_MAX, &data, &len, NULL) < 0)
		return NULL;
	return data;
}

static bool numeric(const char *s, unsigned long *out)
{
	if (!*s)
		return false;
	for (const char *p = s; *p; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	*out = strtoul(s, NULL, 10);
	return true;
}

/* Field i (0-based) of a colon-separated line, copied into buf. */
static const char *field(const char *line, int i, char *buf, size_t n)
{
	const char *p = line;
	for (int k = 0; k < i && p; k++) {
		p = strchr(p, ':');
		if (p)
			p++;
	}
	if (!p)
		return NULL;
	size_t len = strcspn(p, ":\n");
	if (len >= n)
		len = n - 1;
	memcpy(buf, p, len);
	buf[len] = '\0';
	return buf;
}

/* The passwd or group line whose name (field 0) or id (field 2) matches. */
static const char *find_line(const char *db, const char *name, long id)
{
	char buf[256];
	for (const char *line = db; line && *line;
	     line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (*line == '#' || *line == '\n')
			continue;
		if (name && field(line, 0, buf, sizeof(buf)) && !strcmp(buf, name))
			return line;
		if (id >= 0 && field(line, 2, buf, sizeof(buf)) && strtol(buf, NULL, 10) == id)
			return line;
	}
	return NULL;
}

static int group_of(const char *groups, const char *g, gid_t *out, struct berr **err)
{
	unsigned long n;
	if (numeric(g, &n)) {
		*out = (gid_t)n;
		return 0;
	}
	const char *line = groups ? find_line(groups, g, -1) : NULL;
	char buf[32];
	if (!line || !field(line, 2, buf, sizeof(buf)))
		return berr_plain(err, ENOENT,
				  "unable to find group %s: no matching entries in "
				  "group file",
				  g);
	*out = (gid_t)strtoul(buf, NULL, 10);
	return 0;
}

/* The groups whose member list names user. */
static void supplementary(const char *groups, const char *user, struct eng_user *u)
{
	char members[4096], gid[32];
	for (const char *line = groups; line && *line;
	     line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (!field(line, 3, members, sizeof(members)) || !field(line, 2, gid, sizeof(gid)))
			continue;
		for (char *save = NULL, *m = strtok_r(members, ",", &save); m;
		     m = strtok_r(NULL, ",", &save))
			if (!strcmp(m, user) && u->n_groups < 64) {
				gid_t g = (gid_t)strtoul(gid, NULL, 10);
				bool have = g == u->gid;
				for (size_t i = 0; i < u->n_groups; i++)
					have |= u->groups[i] == g;
				if (!have)
					u->groups[u->n_groups++] = g;
			}
	}
}

int eng_user_resolve(int rootfd, const char *spec, struct eng_user *out, struct berr **err)
{
	struct eng_user u = {0};
	snprintf(u.home, sizeof(u.home), "/");
	autofree char *copy = xstrdup(spec && *spec ? spec : "0");
	char *colon = strchr(copy, ':');
	if (colon)
		*colon = '\0';
	const char *user = copy, *group = colon ? colon + 1 : NULL;
	autofree char *passwd = read_db(rootfd, "/etc/passwd");
	autofree char *groups = read_db(rootfd, "/etc/group");
	unsigned long n;
	bool is_num = numeric(user, &n);
	const char *line =
	    passwd ? find_line(passwd, is_num ? NULL : user, is_num ? (long)n : -1) : NULL;
	char buf[256];
	if (!line && !is_num)
		return berr_plain(err, ENOENT,
				  "unable to find user %s: no matching entries in "
				  "passwd file",
				  user);
	if (line) {
		u.uid = (uid_t)strtoul(field(line, 2, buf, sizeof(buf)), NULL, 10);
		u.gid = field(line, 3, buf, sizeof(buf)) ? (gid_t)strtoul(buf, NULL, 10) : 0;
		if (field(line, 5, buf, sizeof(buf)) && *buf)
			snprintf(u.home, sizeof(u.home), "%s", buf);
		char name[256];
		if (groups && field(line, 0, name, sizeof(name)))
			supplementary(groups, name, &u);
	} else {
		u.uid = (uid_t)n;
		u.gid = 0; /* a uid with no passwd entry gets group 0, as with Docker */
	}
	int r = group ? group_of(groups, group, &u.gid, err) : 0;
	if (r < 0)
		return r;
	*out = u;
	return 0;
}

/* The host id that this (the rootless engine's) user namespace maps its 0 to: the user's. */
static long own_id(const char *file)
{
	autofree char *data = NULL;
	size_t len = 0;
	if (fs_read_file(AT_FDCWD, file, 1 << 16, &data, &len, NULL) < 0)
		return -1;
	for (char *save = NULL, *line = strtok_r(data, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned long in, out, size;
		if (sscanf(line, "%lu %lu %lu", &in, &out, &size) == 3 && in == 0)
			return (long)out;
	}
	return -1;
}

/* Append line to the container's /etc/<name> (a regular file only; none: nothing). */
static int append_db(int rootfd, const char *name, const char *old, const char *line,
		     struct berr **err)
{
	autoclose int path = path_open_in_root(rootfd, name, O_PATH, 0, NULL);
	autoclose int fd = path >= 0 ? fs_open_regular(path, NULL, NULL, NULL) : -1;
	if (fd < 0)
		return 0;
	autofree char *p = xasprintf("/proc/self/fd/%d", fd);
	autoclose int w = open(p, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (w < 0)
		return berr_set(err, errno, "open '%s' in the container", name);
	size_t n = strlen(old);
	autofree char *text = xasprintf("%s%s", n && old[n - 1] != '\n' ? "\n" : "", line);
	if (fs_write_all(w, text, strlen(text)) < 0)
		return berr_set(err, errno, "write '%s' in the container", name);
	return 0;
}

/* podman's home for the entry: the user's home where the container has it (or a directory
 * above it, the nearest), else the working directory. */
static void keep_id_home(int rootfd, const char *home, const char *workdir, char *out, size_t n)
{
	snprintf(out, n, "%s", workdir && *workdir ? workdir : "/");
	autofree char *h = xstrdup(home && *home == '/' ? home : "/");
	while (strcmp(h, "/") && *h) {
		autoclose int fd = path_open_in_root(rootfd, h, O_PATH, 0, NULL);
		if (fd >= 0) {
			snprintf(out, n, "%s", h);
			return;
		}
		char *slash = strrchr(h, '/');
		if (slash == h)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
}

/* keep-id (podman's AddCurrentUserPasswdEntry): the user's passwd entry, with the ids inside,
 * and its group's, where the container's files have neither name nor id. */
static int keep_id_entries(int rootfd, uid_t uid, gid_t gid, const char *workdir, struct berr **err)
{
	long hu = own_id("/proc/self/uid_map"), hg = own_id("/proc/self/gid_map");
	struct passwd *pw = hu >= 0 ? getpwuid((uid_t)hu) : NULL;
	if (!pw)
		return 0;
	autofree char *name = xstrdup(pw->pw_name);
	autofree char *gecos = xstrdup(pw->pw_gecos ? pw->pw_gecos : "");
	char home[256];
	keep_id_home(rootfd, pw->pw_dir, workdir, home, sizeof(home));
	autofree char *passwd = read_db(rootfd, "/etc/passwd");
	int r = 0;
	if (passwd && !find_line(passwd, name, (long)uid)) {
		autofree char *line = xasprintf("%s:*:%u:%u:%s:%s:/bin/sh\n", name, (unsigned)uid,
						(unsigned)gid, gecos, home);
		r = append_db(rootfd, "/etc/passwd", passwd, line, err);
	}
	struct group *gr = r == 0 && hg >= 0 ? getgrgid((gid_t)hg) : NULL;
	autofree char *groups = gr ? read_db(rootfd, "/etc/group") : NULL;
	if (groups && !find_line(groups, gr->gr_name, (long)gid)) {
		autofree char *line = xasprintf("%s:x:%u:%s\n", gr->gr_name, (unsigned)gid, name);
		r = append_db(rootfd, "/etc/group", groups, line, err);
	}
	return r;
}

int eng_user_for(int rootfd, const char *spec, json_t *idmappings, const char *workdir,
		 struct eng_user *out, struct berr **err)
{
	const char *keep = json_string_value(json_object_get(idmappings, "KeepId"));
	unsigned uid, gid;
	if (!keep || sscanf(keep, "%u:%u", &uid, &gid) != 2)
		return eng_user_resolve(rootfd, spec, out, err);
	int r = keep_id_entries(rootfd, (uid_t)uid, (gid_t)gid, workdir, err);
	if (r < 0)
		return r;
	if (spec && *spec)
		return eng_user_resolve(rootfd, spec, out, err);
	r = eng_user_resolve(rootfd, keep, out, err);
	if (r == 0) /* the group given, not the entry's groups: podman's "UID:GID" user */
		out->n_groups = 0;
	return r;
}

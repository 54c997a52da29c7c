/* A build's session (see session.h). */
#include "build/session.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/monitor.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"

#define SESSION_PREFIX "session-"
#define NEW_PREFIX     ".new-" /* a session being made: locked before it takes its name */

int bld_session_open(const char *workdir, struct bld_session *out, struct berr **err)
{
	*out = (struct bld_session){.lock_fd = -1};
	int r = fs_mkdir_p(workdir, 0700, err);
	if (r < 0)
		return r;
	autofree char *tmp = xasprintf("%s/" NEW_PREFIX "XXXXXX", workdir);
	if (!mkdtemp(tmp))
		return berr_set(err, errno, "create '%s'", tmp);
	autofree char *lock = xasprintf("%s/lock", tmp);
	autoclose int fd = open(lock, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX) < 0)
		r = berr_set(err, errno, "lock '%s'", lock);
	/* the same random suffix, under the name a check looks at */
	const char *suffix = strrchr(tmp, '/') + 1 + strlen(NEW_PREFIX);
	autofree char *dir = xasprintf("%s/" SESSION_PREFIX "%s", workdir, suffix);
	if (r == 0 && rename(tmp, dir) < 0)
		r = berr_set(err, errno, "rename '%s'", tmp);
	if (r < 0) {
		(void)fs_rm_rf(AT_FDCWD, tmp, NULL);
		return r;
	}
	out->label = xasprintf(BLD_SESSION_LABEL "=" SESSION_PREFIX "%s", suffix);
	out->dir = take_ptr(&dir);
	out->lock_fd = take_fd(&fd);
	return 0;
}

void bld_session_close(struct bld_session *s)
{
	if (s->dir)
		(void)fs_rm_rf(AT_FDCWD, s->dir, NULL);
	if (s->lock_fd >= 0)
		(void)close(s->lock_fd);
	free(s->dir);
	free(s->label);
	*s = (struct bld_session){.lock_fd = -1};
}

/* ---- what killed builds left ---- */

/* Whether the session named name (a directory under workdir) is a build under way. */
static bool alive(const char *workdir, const char *name)
{
	autofree char *lock = xasprintf("%s/%s/lock", workdir, name);
	autoclose int fd = open(lock, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return false;
	return flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK;
}

static void add(json_t *found, bool fixed, char *what)
{
	json_array_append_new(found, json_pack("{s:s, s:b}", "what", what, "fixed", fixed));
	free(what);
}

/* A mountinfo path with its octal escapes (\040 for a space...) undone, in place. */
static void unescape(char *s)
{
	char *w = s;
	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') << 6 | (r[2] - '0') << 3 | (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

static int longer_first(const void *a, const void *b)
{
	size_t la = strlen(*(char *const *)a), lb = strlen(*(char *const *)b);
	return la < lb ? 1 : la > lb ? -1 : 0;
}

/* The mount points at or under dir, deepest first; NULL-terminated. */
static char **mounts_under(const char *dir, size_t *out_n)
{
	char **v = xcalloc(1, sizeof(*v));
	size_t n = 0, dlen = strlen(dir);
	autofclose FILE *f = fopen("/proc/self/mountinfo", "re");
	autofree char *line = NULL;
	size_t cap = 0;
	while (f && getline(&line, &cap, f) > 0) {
		/* id parent major:minor root mountpoint ... */
		char *save = NULL, *tok = strtok_r(line, " ", &save);
		for (int i = 0; tok && i < 4; i++)
			tok = strtok_r(NULL, " ", &save);
		if (!tok)
			continue;
		unescape(tok);
		if (strncmp(tok, dir, dlen) || (tok[dlen] && tok[dlen] != '/'))
			continue;
		v = xrealloc(v, (n + 2) * sizeof(*v));
		v[n++] = xstrdup(tok);
		v[n] = NULL;
	}
	qsort(v, n, sizeof(*v), longer_first);
	*out_n = n;
	return v;
}

/* A dead session: its mounts detached, then its directory removed. */
static bool clear_session(const char *dir)
{
	size_t n = 0;
	char **m = mounts_under(dir, &n);
	for (size_t i = 0; i < n; i++)
		(void)umount2(m[i], MNT_DETACH);
	strv_free(m);
	m = mounts_under(dir, &n);
	strv_free(m);
	return n == 0 && fs_rm_rf(AT_FDCWD, dir, NULL) == 0;
}

static void check_sessions(const char *workdir, bool repair, json_t *found)
{
	autoclosedir DIR *d = opendir(workdir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		const char *name = de->d_name;
		if (strncmp(name, SESSION_PREFIX, strlen(SESSION_PREFIX)) &&
		    strncmp(name, NEW_PREFIX, strlen(NEW_PREFIX)))
			continue;
		if (alive(workdir, name))
			continue;
		autofree char *dir = xasprintf("%s/%s", workdir, name);
		size_t n = 0;
		strv_free(mounts_under(dir, &n));
		bool fixed = repair && clear_session(dir);
		add(found, fixed,
		    xasprintf("build %s: left by a killed build (%zu mounts)", name, n));
	}
}

/* The label's value in a container record, or NULL. */
static const char *label(json_t *rec, const char *key)
{
	return json_string_value(
	    json_object_get(json_object_get(json_object_get(rec, "Config"), "Labels"), key));
}

static void check_containers(const struct eng_store *s, const char *workdir, bool repair,
			     json_t *found)
{
	char **ids = NULL;
	if (eng_container_list(s, &ids, NULL) < 0)
		return;
	for (char **id = ids; *id; id++) {
		json_t *rec = eng_container_load(s, *id, NULL);
		const char *build = label(rec, "org.berth.build");
		const char *session = label(rec, BLD_SESSION_LABEL);
		bool stale =
		    build && !strcmp(build, "1") &&
		    (!session || strncmp(session, SESSION_PREFIX, strlen(SESSION_PREFIX)) ||
		     strchr(session, '/') || !alive(workdir, session));
		json_decref(rec);
		if (!stale)
			continue;
		bool fixed = repair && eng_container_destroy(s, *id, true, true, NULL) == 0;
		add(found, fixed, xasprintf("build container %.12s: left by a killed build", *id));
	}
	strv_free(ids);
}

json_t *bld_session_check(const struct eng_store *s, const char *workdir, bool repair)
{
	json_t *found = json_array();
	check_containers(s, workdir, repair, found); /* first: they may use a session's files */
	check_sessions(workdir, repair, found);
	return found;
}

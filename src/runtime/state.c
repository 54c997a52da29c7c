/* Container records under the runtime root, and the status a record implies right now. */
#include "runtime/state.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"

int rt_state_validate_id(const char *id, struct berr **err)
{
	size_t n = strlen(id);
	if (n == 0 || n > RT_ID_MAX)
		return berr_set(err, EINVAL, "invalid container id '%s': length must be 1..%d", id,
				RT_ID_MAX);
	if (!strcmp(id, ".") || !strcmp(id, ".."))
		return berr_set(err, EINVAL, "invalid container id '%s'", id);
	/* runc's rule: ^[\w+-\.]+$ — and never a '/' that would leave the root. */
	for (const char *c = id; *c; c++) {
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || *c == '_' || *c == '+' || *c == '-' || *c == '.')
			continue;
		return berr_set(err, EINVAL,
				"invalid container id '%s': character '%c' not allowed", id, *c);
	}
	return 0;
}

int rt_state_create_dir(const char *root, const char *id, char **out_dir, struct berr **err)
{
	if (rt_state_validate_id(id, err) < 0)
		return -EINVAL;
	if (fs_mkdir_p(root, 0700, err) < 0)
		return berr_wrap(err, "create state root");
	char *dir = xasprintf("%s/%s", root, id);
	if (mkdir(dir, 0700) < 0) {
		int e = errno;
		free(dir);
		if (e == EEXIST)
			return berr_set(err, EEXIST, "container '%s' already exists", id);
		return berr_set(err, e, "create state directory for '%s'", id);
	}
	*out_dir = dir;
	return 0;
}

char *rt_state_stdio_descriptors(void)
{
	json_t *arr = json_array();
	for (int fd = 0; fd < 3; fd++) {
		char link[64], target[PATH_MAX];
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		ssize_t n = readlink(link, target, sizeof(target) - 1);
		target[n < 0 ? 0 : n] = '\0';
		json_array_append_new(arr, json_string(n < 0 ? "/dev/null" : target));
	}
	char *s = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	return s;
}

int rt_state_save(const struct rt_state *st, struct berr **err)
{
	json_t *o = json_pack("{s:s,s:I,s:I,s:s,s:s,s:s,s:s?,s:I,s:b,s:s?,s:s?}", "id", st->id,
			      "pid", (json_int_t)st->pid, "pid_start", (json_int_t)st->pid_start,
			      "bundle", st->bundle, "rootfs", st->rootfs, "created", st->created,
			      "cgroup_path", st->cgroup_path, "owner", (json_int_t)st->owner,
			      "systemd_cgroup", st->systemd_cgroup, "external_descriptors",
			      st->external_descriptors, "notify_socket", st->notify_socket);
	if (!o)
		return berr_set(err, ENOMEM, "encode state");
	autofree char *path = xasprintf("%s/" RT_STATE_FILE, st->dir);
	autofree char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!s)
		return berr_set(err, ENOMEM, "encode state");
	/* Replaced atomically but not fsynced: the state is gone after a reboot anyway (runc
	 * does the same), and two fsyncs were a tenth of a container start. */
	return fs_replace_file(path, s, strlen(s), 0600, err);
}

struct rt_state *rt_state_load(const char *root, const char *id, struct berr **err)
{
	if (rt_state_validate_id(id, err) < 0)
		return NULL;
	autofree char *dir = xasprintf("%s/%s", root, id);
	autofree char *path = xasprintf("%s/" RT_STATE_FILE, dir);
	if (access(dir, F_OK) < 0) {
		berr_set(err, ENOENT, "container '%s' does not exist", id);
		return NULL;
	}
	json_t *o = json_load_path(AT_FDCWD, path, 1 << 20, err);
	if (!o) {
		berr_wrap(err, "container '%s'", id);
		return NULL;
	}
	autoptr(rt_state) st = xzalloc(sizeof(*st));
	const char *sid = NULL, *bundle = NULL, *rootfs = NULL, *created = NULL, *cg = NULL,
		   *ext = NULL, *notify = NULL;
	int64_t pid = 0, owner = 0;
	uint64_t start = 0;
	bool sd = false;
	if (json_opt_str(o, "state", "id", &sid, err) < 0 ||
	    json_opt_i64(o, "state", "pid", &pid, NULL, err) < 0 ||
	    json_opt_u64(o, "state", "pid_start", &start, NULL, err) < 0 ||
	    json_opt_str(o, "state", "bundle", &bundle, err) < 0 ||
	    json_opt_str(o, "state", "rootfs", &rootfs, err) < 0 ||
	    json_opt_str(o, "state", "created", &created, err) < 0 ||
	    json_opt_str(o, "state", "cgroup_path", &cg, err) < 0 ||
	    json_opt_i64(o, "state", "owner", &owner, NULL, err) < 0 ||
	    json_opt_bool(o, "state", "systemd_cgroup", &sd, err) < 0 ||
	    json_opt_str(o, "state", "external_descriptors", &ext, err) < 0 ||
	    json_opt_str(o, "state", "notify_socket", &notify, err) < 0) {
		json_decref(o);
		return NULL;
	}
	st->id = xstrdup(id);
	st->dir = take_ptr(&dir);
	st->pid = (pid_t)pid;
	st->pid_start = start;
	st->bundle = xstrdup(bundle ? bundle : "");
	st->rootfs = xstrdup(rootfs ? rootfs : "");
	st->created = xstrdup(created ? created : "");
	st->cgroup_path = cg ? xstrdup(cg) : NULL;
	st->owner = (uid_t)owner;
	st->systemd_cgroup = sd;
	st->external_descriptors = ext ? xstrdup(ext) : NULL;
	st->notify_socket = notify ? xstrdup(notify) : NULL;
	json_decref(o);
	return take_ptr(&st);
}

void rt_state_free(struct rt_state *st)
{
	if (!st)
		return;
	int saved = errno;
	free(st->id);
	free(st->dir);
	free(st->bundle);
	free(st->rootfs);
	free(st->created);
	free(st->cgroup_path);
	free(st->external_descriptors);
	free(st->notify_socket);
	free(st);
	errno = saved;
}

uint64_t rt_proc_start_time(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* comm may hold spaces and parens: parse from the last ')'. */
	char *p = strrchr(buf, ')');
	if (!p || p[1] == '\0')
		return 0;
	char state = p[2];
	if (state == 'Z' || state == 'X')
		return 0;
	p += 2;
	for (int field = 3; field < 22 && p; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	return p ? strtoull(p, NULL, 10) : 0;
}

static bool frozen(const struct rt_state *st)
{
	if (!st->cgroup_path)
		return false;
	char buf[32] = "";
	autofree char *v1 = xasprintf("/sys/fs/cgroup/freezer%s/freezer.state", st->cgroup_path);
	int fd = open(v1, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		(void)close(fd);
		return n > 0 && !strncmp(buf, "FROZEN", 6);
	}
	autofree char *v2 = xasprintf("/sys/fs/cgroup%s/cgroup.freeze", st->cgroup_path);
	fd = open(v2, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		(void)close(fd);
		return n > 0 && buf[0] == '1';
	}
	return false;
}

enum rt_status rt_state_status(const struct rt_state *st)
{
	if (st->pid <= 0)
		return RT_STATUS_CREATING;
	uint64_t start = rt_proc_start_time(st->pid);
	if (start == 0 || start != st->pid_start)
		return RT_STATUS_STOPPED;
	autofree char *fifo = xasprintf("%s/exec.fifo", st->dir);
	if (access(fifo, F_OK) == 0)
		return RT_STATUS_CREATED;
	if (frozen(st))
		return RT_STATUS_PAUSED;
	return RT_STATUS_RUNNING;
}

const char *rt_status_name(enum rt_status s)
{
	static const char *const names[] = {"creating", "created", "running", "stopped", "paused"};
	return names[s];
}

char *rt_state_spec_json(const struct rt_state *st, enum rt_status status,
			 const char *annotations_json)
{
	json_t *ann = annotations_json ? json_loads(annotations_json, 0, NULL) : NULL;
	json_t *o = json_pack("{s:s,s:s,s:s,s:I,s:s}", "ociVersion", "1.1.0", "id", st->id,
			      "status", rt_status_name(status), "pid",
			      (json_int_t)(status == RT_STATUS_STOPPED ? 0 : st->pid), "bundle",
			      st->bundle);
	if (ann && json_object_size(ann))
		json_object_set(o, "annotations", ann);
	json_decref(ann);
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!s)
		s = xstrdup("{}");
	return s;
}

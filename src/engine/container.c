/* Container records (see container.h). */
#include "engine/container.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/event.h"
#include "engine/network.h"
#include "engine/record_cache.h"
#include "engine/shm.h"
#include "runtime/state.h"
#include "util/cleanup.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/randid.h"
#include "util/xalloc.h"

#define RECORD_MAX (8 << 20)

/* flock on <root>/containers.lock; returns the fd to close. */
static int lock_store(const struct eng_store *s, struct berr **err)
{
	autofree char *dir = xasprintf("%s/containers", s->root);
	int r = fs_mkdir_p(dir, 0700, err);
	if (r < 0)
		return r;
	autofree char *path = xasprintf("%s/containers.lock", s->root);
	return fs_lock(path, err);
}

static const char *name_of(json_t *rec)
{
	const char *n = json_string_value(json_object_get(rec, "Name"));
	return n ? (n[0] == '/' ? n + 1 : n) : "";
}

int eng_container_list(const struct eng_store *s, char ***out_ids, struct berr **err)
{
	autofree char *dir = xasprintf("%s/containers", s->root);
	autoclosedir DIR *d = opendir(dir);
	char **ids = xcalloc(1, sizeof(char *));
	size_t n = 0;
	if (!d) {
		*out_ids = ids;
		return errno == ENOENT ? 0 : berr_set(err, errno, "read '%s'", dir);
	}
	struct dirent *de;
	/* newest first: by the directory's birth (its change time where the file system keeps
	 * no birth time: a start changes it, so that order is only roughly the creation's) */
	struct {
		char *id;
		struct timespec t;
	} *v = NULL;
	while ((de = readdir(d))) {
		if (strlen(de->d_name) != ENG_ID_LEN)
			continue;
		struct statx sx;
		if (statx(dirfd(d), de->d_name, AT_SYMLINK_NOFOLLOW,
			  STATX_TYPE | STATX_MTIME | STATX_BTIME, &sx) < 0 ||
		    !S_ISDIR(sx.stx_mode))
			continue;
		struct statx_timestamp t =
		    (sx.stx_mask & STATX_BTIME) ? sx.stx_btime : sx.stx_mtime;
		v = xrealloc(v, (n + 1) * sizeof(*v));
		v[n].id = xstrdup(de->d_name);
		v[n].t = (struct timespec){.tv_sec = t.tv_sec, .tv_nsec = t.tv_nsec};
		n++;
	}
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && (v[j].t.tv_sec > v[j - 1].t.tv_sec ||
					     (v[j].t.tv_sec == v[j - 1].t.tv_sec &&
					      v[j].t.tv_nsec > v[j - 1].t.tv_nsec));
		     j--) {
			typeof(*v) tmp = v[j];
			v[j] = v[j - 1];
			v[j - 1] = tmp;
		}
	ids = xrealloc(ids, (n + 1) * sizeof(char *));
	for (size_t i = 0; i < n; i++)
		ids[i] = v[i].id;
	ids[n] = NULL;
	free(v);
	*out_ids = ids;
	return 0;
}

json_t *eng_container_load(const struct eng_store *s, const char *id, struct berr **err)
{
	autofree char *path = eng_container_path(s, id, "container.json");
	return json_load_path(AT_FDCWD, path, RECORD_MAX, err);
}

json_t *eng_container_peek(const struct eng_store *s, const char *id, struct berr **err)
{
	if (!s->records)
		return eng_container_load(s, id, err);
	autofree char *path = eng_container_path(s, id, "container.json");
	struct stat st;
	if (stat(path, &st) < 0)
		return eng_container_load(s, id, err);
	json_t *rec = eng_record_cache_get(s->records, id, &st);
	if (rec)
		return rec;
	/* the identity kept is that of the file read (fstat), whatever the path names now */
	autoclose int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	struct stat fst;
	if (fd < 0 || fstat(fd, &fst) < 0)
		return eng_container_load(s, id, err);
	autofree char *data = NULL;
	size_t len = 0;
	if (fs_read_fd(fd, RECORD_MAX, &data, &len, err) < 0 ||
	    !(rec = json_load_text(data, len, err))) {
		berr_wrap(err, "read '%s'", path);
		return NULL;
	}
	eng_record_cache_put(s->records, id, &fst, rec);
	return rec;
}

void eng_container_event(const struct eng_store *s, const char *id, const char *action,
			 json_t *more)
{
	json_auto_t *rec = eng_container_peek(s, id, NULL);
	eng_event_container(s, id, rec, action, more);
}

void eng_record_cache_refresh(const struct eng_store *s)
{
	char **ids = NULL;
	if (!s->records || eng_container_list(s, &ids, NULL) < 0)
		return;
	size_t n = 0;
	while (ids[n])
		n++;
	/* each record read through the cache (parsed again where changed), then only those kept */
	json_t **recs = xcalloc(n + 1, sizeof(*recs));
	for (size_t i = 0; i < n; i++)
		recs[i] = eng_container_peek(s, ids[i], NULL);
	eng_record_cache_keep(s->records, ids, recs, n);
	for (size_t i = 0; i < n; i++)
		json_decref(recs[i]);
	free(recs);
	strv_free(ids);
}

int eng_container_save(const struct eng_store *s, const char *id, json_t *record, struct berr **err)
{
	autofree char *path = eng_container_path(s, id, "container.json");
	/* a container that removes itself at its end (--rm) is not made durable: a crash loses
	 * what it was to remove anyway (podman's --rm containers are volatile the same way), and
	 * the fsync cost a flush of the disk, and forced the blocks that deleting the record then
	 * has to free again (a synchronous discard on a disk mounted with it) */
	if (json_is_true(json_object_get(json_object_get(record, "HostConfig"), "AutoRemove")))
		return json_replace_file(record, path, err);
	return json_write_atomic(record, path, err);
}

/* The id a name belongs to, or NULL. */
static char *find_name(const struct eng_store *s, const char *name)
{
	char **ids = NULL;
	if (eng_container_list(s, &ids, NULL) < 0)
		return NULL;
	char *found = NULL;
	for (size_t i = 0; ids[i] && !found; i++) {
		json_t *rec = eng_container_peek(s, ids[i], NULL);
		if (rec && !strcmp(name_of(rec), name))
			found = xstrdup(ids[i]);
		json_decref(rec);
	}
	strv_free(ids);
	return found;
}

/* Docker's generator: an adjective and a scientist. */
char *eng_name_random(void)
{
	static const char *const left[] = {
	    "admiring", "brave",   "busy",    "clever",  "dreamy",   "eager",   "elegant",
	    "epic",     "festive", "focused", "gallant", "happy",    "jolly",   "keen",
	    "kind",     "lucid",   "modest",  "nifty",   "peaceful", "quirky",  "relaxed",
	    "serene",   "sharp",   "stoic",   "tender",  "trusting", "vibrant", "zealous"};
	static const char *const right[] = {
	    "albattani", "babbage",  "curie",    "darwin",  "einstein", "feynman",
	    "galileo",   "hopper",   "hypatia",  "johnson", "kepler",   "lamport",
	    "lovelace",  "meitner",  "newton",   "noether", "pasteur",  "ritchie",
	    "shannon",   "thompson", "torvalds", "turing",  "wozniak",  "yalow"};
	unsigned r[2];
	if (rand_bytes(r, sizeof(r), NULL) < 0)
		r[0] = (unsigned)getpid(), r[1] = (unsigned)time(NULL);
	return xasprintf("%s_%s", left[r[0] % (sizeof(left) / sizeof(left[0]))],
			 right[r[1] % (sizeof(right) / sizeof(right[0]))]);
}

int eng_container_add(const struct eng_store *s, json_t *record, const char *name,
		      eng_claim_fn claim, void *ctx, char out_id[ENG_ID_LEN + 1], struct berr **err)
{
	if (name && !eng_name_valid(name))
		return berr_plain(err, EINVAL,
				  "invalid container name '%s': only [a-zA-Z0-9][a-zA-Z0-9_.-] "
				  "are allowed",
				  name);
	autoclose int lock = lock_store(s, err);
	if (lock < 0)
		return lock;
	autofree char *chosen = name ? xstrdup(name) : NULL;
	autofree char *owner = name ? find_name(s, name) : NULL;
	if (owner)
		return berr_plain(err, EEXIST,
				  "Conflict. The container name \"/%s\" is already in use by "
				  "container \"%s\". You have to remove (or rename) that container "
				  "to be able to reuse that name.",
				  name, owner);
	for (int tries = 0; !chosen; tries++) {
		char *candidate = eng_name_random();
		char *taken = find_name(s, candidate);
		if (!taken || tries > 20) {
			chosen = tries > 20 ? xasprintf("%s%d", candidate, tries) : candidate;
			if (tries > 20)
				free(candidate);
		} else {
			free(candidate);
		}
		free(taken);
	}
	char id[ENG_ID_LEN + 1];
	int r = rand_hex_id(id, ENG_ID_LEN, err);
	if (r < 0)
		return r;
	autofree char *dir = eng_container_path(s, id, NULL);
	if (mkdir(dir, 0700) < 0)
		return berr_set(err, errno, "create '%s'", dir);
	autofree char *full = xasprintf("/%s", chosen);
	json_object_set_new(record, "Id", json_string(id));
	json_object_set_new(record, "Name", json_string(full));
	if ((claim && (r = claim(s, record, ctx, err)) < 0) ||
	    (r = eng_container_save(s, id, record, err)) < 0) {
		(void)fs_rm_rf(AT_FDCWD, dir, NULL);
		return r;
	}
	memcpy(out_id, id, sizeof(id));
	return 0;
}

int eng_container_resolve(const struct eng_store *s, const char *ref, char out_id[ENG_ID_LEN + 1],
			  struct berr **err)
{
	const char *want = ref[0] == '/' ? ref + 1 : ref;
	char **ids = NULL;
	int r = eng_container_list(s, &ids, err);
	if (r < 0)
		return r;
	const char *by_prefix = NULL;
	int prefix_hits = 0;
	r = -ENOENT;
	for (size_t i = 0; ids[i]; i++) {
		if (!strcmp(ids[i], want)) {
			memcpy(out_id, ids[i], ENG_ID_LEN + 1);
			r = 0;
			break;
		}
		json_t *rec = eng_container_peek(s, ids[i], NULL);
		bool named = rec && !strcmp(name_of(rec), want);
		json_decref(rec);
		if (named) {
			memcpy(out_id, ids[i], ENG_ID_LEN + 1);
			r = 0;
			break;
		}
		if (!strncmp(ids[i], want, strlen(want))) {
			by_prefix = ids[i];
			prefix_hits++;
		}
	}
	if (r < 0 && prefix_hits == 1 && *want) {
		memcpy(out_id, by_prefix, ENG_ID_LEN + 1);
		r = 0;
	}
	if (r < 0 && prefix_hits > 1 && *want)
		r = berr_plain(err, EINVAL, "multiple containers match '%s'", ref);
	else if (r < 0)
		r = berr_plain(err, ENOENT, "no such container: %s", ref);
	strv_free(ids);
	return r;
}

int eng_container_remove(const struct eng_store *s, const char *id, struct berr **err)
{
	autoclose int lock = lock_store(s, err);
	if (lock < 0)
		return lock;
	autofree char *dir = eng_container_path(s, id, NULL);
	/* its addresses go back to their networks first: a lease without a record is found
	 * by system check, a record without its lease would be a lie */
	json_t *rec = eng_container_load(s, id, NULL);
	if (rec)
		eng_network_release(s, rec, NULL);
	json_decref(rec);
	/* an --ipc shareable container's /dev/shm (engine/share.c): a mount point in dir */
	autofree char *shm = eng_container_path(s, id, "shm");
	eng_shm_unmount(shm);
	return fs_rm_rf(AT_FDCWD, dir, err);
}

/* For network connect and disconnect: the lock around a record's change. */
int eng_container_lock(const struct eng_store *s, struct berr **err)
{
	return lock_store(s, err);
}

int eng_container_rename(const struct eng_store *s, const char *id, const char *name,
			 struct berr **err)
{
	if (!eng_name_valid(name))
		return berr_plain(err, EINVAL, "invalid container name '%s'", name);
	autoclose int lock = lock_store(s, err);
	if (lock < 0)
		return lock;
	autofree char *owner = find_name(s, name);
	if (owner)
		return berr_plain(err, EEXIST, "the name \"%s\" is already in use by container %s",
				  name, owner);
	json_t *rec = eng_container_load(s, id, err);
	if (!rec)
		return berr_ret(err);
	autofree char *full = xasprintf("/%s", name);
	json_t *old = json_pack("{s:O}", "oldName", json_object_get(rec, "Name"));
	json_object_set_new(rec, "Name", json_string(full));
	int r = eng_container_save(s, id, rec, err);
	if (r == 0) /* as dockerd: the new name, and the old one ("/old") */
		eng_event_container(s, id, rec, "rename", old);
	json_decref(old);
	json_decref(rec);
	return r;
}

int eng_state_save(const struct eng_store *s, const char *id, json_t *state, struct berr **err)
{
	autofree char *path = eng_container_path(s, id, "state.json");
	/* not fsynced: what a crash loses, eng_state_load corrects from what is alive (and
	 * MonitorLost is its finding of the moment, never the record's) */
	json_object_del(state, "MonitorLost");
	return json_replace_file(state, path, err);
}

static bool alive(json_t *st, const char *pid_key, const char *start_key)
{
	pid_t pid = (pid_t)json_integer_value(json_object_get(st, pid_key));
	uint64_t start = (uint64_t)json_integer_value(json_object_get(st, start_key));
	return pid > 0 && rt_proc_start_time(pid) == start && start != 0;
}

json_t *eng_state_peek(const struct eng_store *s, const char *id)
{
	if (!s->records)
		return eng_state_load(s, id);
	autofree char *path = eng_container_path(s, id, "state.json");
	struct stat st;
	bool absent = stat(path, &st) < 0;
	if (absent && errno != ENOENT)
		return eng_state_load(s, id);
	json_t *state = eng_record_cache_state(s->records, id, absent ? NULL : &st);
	if (state)
		return state;
	/* read after the stat: a rewrite in between is newer than the identity kept, and the
	 * next stat sees it */
	state = eng_state_load(s, id);
	const char *status = json_string_value(json_object_get(state, "Status"));
	if (status &&
	    (!strcmp(status, "created") || !strcmp(status, "exited") || !strcmp(status, "dead")) &&
	    !json_object_get(state, "MonitorLost"))
		eng_record_cache_set_state(s->records, id, absent ? NULL : &st, state);
	return state;
}

json_t *eng_state_load(const struct eng_store *s, const char *id)
{
	autofree char *path = eng_container_path(s, id, "state.json");
	json_t *st = json_load_path(AT_FDCWD, path, 1 << 20, NULL);
	if (!st)
		return json_pack("{s:s, s:b, s:b, s:b, s:i, s:i, s:s, s:s}", "Status", "created",
				 "Running", 0, "Paused", 0, "Restarting", 0, "Pid", 0, "ExitCode",
				 0, "StartedAt", "0001-01-01T00:00:00Z", "FinishedAt",
				 "0001-01-01T00:00:00Z");
	const char *status = json_string_value(json_object_get(st, "Status"));
	bool running = status && (!strcmp(status, "running") || !strcmp(status, "paused") ||
				  !strcmp(status, "restarting"));
	/* `pause` leaves a marker; the monitor's record says running */
	autofree char *paused = eng_container_path(s, id, "paused");
	if (running && !strcmp(status, "running") && access(paused, F_OK) == 0) {
		json_object_set_new(st, "Status", json_string("paused"));
		json_object_set_new(st, "Paused", json_true());
	}
	/* the monitor records the end; if it is gone without doing so, say what is known */
	if (running && !alive(st, "MonitorPid", "MonitorStart")) {
		bool proc = alive(st, "Pid", "PidStart");
		json_object_set_new(st, "MonitorLost", json_true());
		json_object_set_new(st, "Status", json_string(proc ? "running" : "exited"));
		json_object_set_new(st, "Running", json_boolean(proc));
		json_object_set_new(st, "Error",
				    json_string(proc
						    ? "the container's monitor is gone: its exit "
						      "will not be recorded"
						    : "the container's monitor died; its exit code "
						      "is unknown"));
		if (!proc) {
			json_object_set_new(st, "ExitCode", json_integer(255));
			json_object_set_new(st, "Pid", json_integer(0));
		}
	}
	return st;
}

int eng_state_proc_open(json_t *state, const char *what, int flags, struct berr **err)
{
	pid_t pid = (pid_t)json_integer_value(json_object_get(state, "Pid"));
	uint64_t start = (uint64_t)json_integer_value(json_object_get(state, "PidStart"));
	if (pid <= 0 || start == 0)
		return berr_plain(err, ESRCH, "the container has no process");
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, what);
	autoclose int fd = open(path, flags | O_CLOEXEC);
	if (fd < 0)
		return berr_set(err, errno, "open '%s'", path);
	/* checked after the open: the fd is that process's, whatever the number names later */
	if (rt_proc_start_time(pid) != start)
		return berr_plain(err, ESRCH, "the container's process %d has exited", (int)pid);
	return take_fd(&fd);
}

bool eng_state_monitor_lost(json_t *state)
{
	return json_is_true(json_object_get(state, "MonitorLost"));
}

void eng_image_roots(json_t *keep, void *ctx)
{
	const struct eng_store *s = ctx;
	char **ids = NULL;
	if (eng_container_list(s, &ids, NULL) < 0)
		return;
	for (size_t i = 0; ids[i]; i++) {
		json_t *rec = eng_container_peek(s, ids[i], NULL);
		size_t k;
		json_t *v;
		json_array_foreach(json_object_get(rec, "Layers"), k, v)
		    json_object_set_new(keep, json_string_value(v), json_true());
		json_decref(rec);
	}
	strv_free(ids);
}

enum img_use eng_image_use(const char *image_id, void *ctx, char *who)
{
	const struct eng_store *s = ctx;
	char **ids = NULL;
	if (eng_container_list(s, &ids, NULL) < 0)
		return IMG_UNUSED;
	enum img_use use = IMG_UNUSED;
	for (size_t i = 0; ids[i] && use != IMG_USED_RUNNING; i++) {
		json_t *rec = eng_container_peek(s, ids[i], NULL);
		const char *img = json_string_value(json_object_get(rec, "Image"));
		if (img && !strcmp(img, image_id)) {
			json_t *st = eng_state_peek(s, ids[i]);
			const char *status = json_string_value(json_object_get(st, "Status"));
			bool running =
			    status && (!strcmp(status, "running") || !strcmp(status, "paused") ||
				       !strcmp(status, "restarting"));
			if (running || use == IMG_UNUSED) {
				use = running ? IMG_USED_RUNNING : IMG_USED_STOPPED;
				snprintf(who, 65, "%s", ids[i]);
			}
			json_decref(st);
		}
		json_decref(rec);
	}
	strv_free(ids);
	return use;
}

bool eng_image_in_use(const char *image_id, void *ctx)
{
	char who[65];
	return eng_image_use(image_id, ctx, who) != IMG_UNUSED;
}

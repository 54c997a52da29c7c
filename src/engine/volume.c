/* Volumes and the mounts of -v, --mount and --tmpfs (see volume.h). */
#include "engine/volume.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/container.h"
#include "engine/event.h"
#include "util/cleanup.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/path.h"
#include "util/randid.h"
#include "util/xalloc.h"

static char *volume_dir(const struct eng_store *s, const char *name)
{
	return xasprintf("%s/volumes/%s", s->root, name);
}

char *eng_volume_data(const struct eng_store *s, const char *name)
{
	return xasprintf("%s/volumes/%s/_data", s->root, name);
}

int eng_volume_create(const struct eng_store *s, const char *name, char *const *labels,
		      bool anonymous, bool exist_ok, char *out_name, struct berr **err)
{
	char buf[ENG_ID_LEN + 1];
	if (!name) {
		int r = rand_hex_id(buf, ENG_ID_LEN, err);
		if (r < 0)
			return r;
		name = buf;
	} else if (!eng_name_valid(name)) {
		return berr_plain(err, EINVAL,
				  "invalid volume name '%s': only [a-zA-Z0-9][a-zA-Z0-9_.-] are "
				  "allowed",
				  name);
	}
	autofree char *dir = volume_dir(s, name);
	autofree char *data = eng_volume_data(s, name);
	autofree char *parent = xasprintf("%s/volumes", s->root);
	int r = fs_mkdir_p(parent, 0700, err);
	if (r < 0)
		return r;
	if (mkdir(dir, 0700) < 0) {
		if (errno != EEXIST)
			return berr_set(err, errno, "create volume '%s'", name);
		if (!exist_ok)
			return berr_plain(err, EEXIST, "volume '%s' exists", name);
		if (out_name)
			snprintf(out_name, ENG_ID_LEN + 1, "%s", name);
		return 0;
	}
	if (mkdir(data, 0755) < 0)
		return berr_set(err, errno, "create '%s'", data);
	json_t *lab = json_object();
	for (char *const *l = labels; l && *l; l++) {
		const char *eq = strchr(*l, '=');
		autofree char *k = eq ? xstrndup(*l, (size_t)(eq - *l)) : xstrdup(*l);
		json_object_set_new(lab, k, json_string(eq ? eq + 1 : ""));
	}
	char now[48];
	time_t t = time(NULL);
	struct tm tm;
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
	json_t *rec = json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:{}, s:b}", "CreatedAt", now,
				"Driver", "local", "Mountpoint", data, "Name", name, "Labels", lab,
				"Scope", "local", "Options", "Anonymous", anonymous);
	autofree char *path = xasprintf("%s/volume.json", dir);
	r = json_write_atomic(rec, path, err);
	json_decref(rec);
	if (r < 0) {
		(void)fs_rm_rf(AT_FDCWD, dir, NULL);
		return r;
	}
	eng_event_volume(s, name, "create", NULL, NULL);
	if (out_name)
		snprintf(out_name, ENG_ID_LEN + 1, "%s", name);
	return 0;
}

json_t *eng_volume_load(const struct eng_store *s, const char *name, struct berr **err)
{
	autofree char *dir = volume_dir(s, name);
	autofree char *path = xasprintf("%s/volume.json", dir);
	if (!eng_name_valid(name) || access(path, F_OK) < 0) {
		berr_plain(err, ENOENT, "no such volume: %s", name);
		return NULL;
	}
	return json_load_path(AT_FDCWD, path, 1 << 20, err);
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int eng_volume_list(const struct eng_store *s, char ***out, struct berr **err)
{
	autofree char *dir = xasprintf("%s/volumes", s->root);
	autoclosedir DIR *d = opendir(dir);
	size_t n = 0;
	char **v = xcalloc(1, sizeof(char *));
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		v = xrealloc(v, (n + 2) * sizeof(char *));
		v[n++] = xstrdup(de->d_name);
		v[n] = NULL;
	}
	qsort(v, n, sizeof(char *), cmp);
	*out = v;
	return 0;
}

/* The ids of the containers that mount volume name, as dockerd lists them (", " between)
 * in "volume is in use - [ID, ID]"; "" when none does. Caller frees. */
static char *volume_users(const struct eng_store *s, const char *name)
{
	char **ids = NULL;
	char *users = xstrdup("");
	if (eng_container_list(s, &ids, NULL) < 0)
		return users;
	for (size_t i = 0; ids[i]; i++) {
		bool used = false;
		json_t *rec = eng_container_load(s, ids[i], NULL);
		size_t k;
		json_t *m;
		json_array_foreach(json_object_get(json_object_get(rec, "HostConfig"), "Mounts"), k,
				   m)
		{
			const char *type = json_string_value(json_object_get(m, "Type"));
			const char *src = json_string_value(json_object_get(m, "Source"));
			used |= type && src && !strcmp(type, "volume") && !strcmp(src, name);
		}
		json_decref(rec);
		if (!used)
			continue;
		char *more = xasprintf("%s%s%s", users, *users ? ", " : "", ids[i]);
		free(users);
		users = more;
	}
	strv_free(ids);
	return users;
}

bool eng_volume_in_use(const struct eng_store *s, const char *name)
{
	autofree char *users = volume_users(s, name);
	return *users;
}

int eng_volume_remove(const struct eng_store *s, const char *name, bool force, struct berr **err)
{
	json_t *rec = eng_volume_load(s, name, err);
	if (!rec)
		return berr_ret(err);
	json_decref(rec);
	autofree char *users = force ? NULL : volume_users(s, name);
	if (users && *users)
		return berr_plain(err, EBUSY, "remove %s: volume is in use - [%s]", name, users);
	autofree char *dir = volume_dir(s, name);
	int r = fs_rm_rf(AT_FDCWD, dir, err);
	if (r == 0)
		eng_event_volume(s, name, "destroy", NULL, NULL);
	return r;
}

/* ---- the plan ---- */

static json_t *mount_entry(const char *type, const char *src, const char *dst, bool rw,
			   json_t *options)
{
	return json_pack("{s:s, s:s, s:s, s:b, s:o}", "Type", type, "Source", src ? src : "",
			 "Destination", dst, "RW", rw, "Options", options ? options : json_array());
}

static bool has_dest(json_t *plan, const char *dst)
{
	size_t i;
	json_t *m;
	json_array_foreach(
	    plan, i,
	    m) if (!strcmp(json_string_value(json_object_get(m, "Destination")), dst)) return true;
	return false;
}

/* -v SRC:DST[:OPTS] or -v DST. */
static int parse_volume(const struct eng_store *s, const char *spec, json_t *plan,
			struct berr **err)
{
	autofree char *copy = xstrdup(spec);
	char *parts[3] = {0};
	int n = 0;
	for (char *save = NULL, *p = strtok_r(copy, ":", &save); p && n < 4;
	     p = strtok_r(NULL, ":", &save), n++)
		if (n < 3)
			parts[n] = p;
	if (n < 1 || n > 3)
		return berr_plain(err, EINVAL, "invalid volume specification: '%s'", spec);
	const char *src = n >= 2 ? parts[0] : NULL, *dst = n >= 2 ? parts[1] : parts[0];
	bool rw = true;
	for (char *save = NULL, *o = n == 3 ? strtok_r(parts[2], ",", &save) : NULL; o;
	     o = strtok_r(NULL, ",", &save)) {
		if (!strcmp(o, "ro"))
			rw = false;
		else if (strcmp(o, "rw") && strcmp(o, "z") && strcmp(o, "Z") &&
			 strcmp(o, "rprivate") && strcmp(o, "private") && strcmp(o, "nocopy"))
			return berr_plain(err, EINVAL,
					  "invalid volume specification: '%s': "
					  "unknown option '%s'",
					  spec, o);
	}
	if (dst[0] != '/')
		return berr_plain(err, EINVAL,
				  "invalid volume specification: '%s': the destination must be "
				  "an absolute path",
				  spec);
	if (has_dest(plan, dst))
		return berr_plain(err, EINVAL, "duplicate mount point: %s", dst);
	char name[ENG_ID_LEN + 1];
	if (src && src[0] == '/') {
		struct stat st;
		int r = stat(src, &st) < 0 ? fs_mkdir_p(src, 0755, err) : 0; /* as Docker's -v */
		if (r < 0)
			return r;
		json_array_append_new(plan, mount_entry("bind", src, dst, rw, NULL));
		return 0;
	}
	int r = eng_volume_create(s, src, NULL, !src, true, name, err);
	if (r < 0)
		return r;
	json_array_append_new(plan, mount_entry("volume", name, dst, rw, NULL));
	return 0;
}

/* --mount type=bind|volume|tmpfs,source=,target=,readonly,tmpfs-size=,tmpfs-mode= */
/* A --mount's fields. */
struct mount_spec {
	const char *type, *src, *dst;
	bool rw;
	json_t *opts; /* tmpfs-size and tmpfs-mode as mount options */
};

/* --mount's key=value fields into m (copy, spec's copy, is cut in place). */
static int mount_fields(const char *spec, char *copy, struct mount_spec *m, struct berr **err)
{
	for (char *save = NULL, *kv = strtok_r(copy, ",", &save); kv;
	     kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');
		const char *v = eq ? eq + 1 : "true";
		if (eq)
			*eq = '\0';
		if (!strcmp(kv, "type"))
			m->type = v;
		else if (!strcmp(kv, "source") || !strcmp(kv, "src"))
			m->src = v;
		else if (!strcmp(kv, "target") || !strcmp(kv, "destination") || !strcmp(kv, "dst"))
			m->dst = v;
		else if (!strcmp(kv, "readonly") || !strcmp(kv, "ro"))
			m->rw = !strcmp(v, "false") || !strcmp(v, "0");
		else if (!strcmp(kv, "tmpfs-size"))
			json_array_append_new(m->opts, json_sprintf("size=%s", v));
		else if (!strcmp(kv, "tmpfs-mode"))
			json_array_append_new(m->opts, json_sprintf("mode=%s", v));
		else if (strcmp(kv, "bind-propagation") && strcmp(kv, "volume-nocopy") &&
			 strcmp(kv, "consistency"))
			return berr_plain(err, EINVAL, "invalid --mount '%s': unknown field '%s'",
					  spec, kv);
	}
	return 0;
}

static int parse_mount(const struct eng_store *s, const char *spec, json_t *plan, struct berr **err)
{
	autofree char *copy = xstrdup(spec);
	json_auto_t *opts = json_array();
	struct mount_spec m = {.type = "volume", .rw = true, .opts = opts};
	int r = mount_fields(spec, copy, &m, err);
	if (r < 0)
		return r;
	if (!m.dst || m.dst[0] != '/')
		return berr_plain(err, EINVAL, "invalid --mount '%s': target must be absolute",
				  spec);
	if (has_dest(plan, m.dst))
		return berr_plain(err, EINVAL, "duplicate mount point: %s", m.dst);
	if (!strcmp(m.type, "bind")) {
		struct stat st;
		if (!m.src || m.src[0] != '/' || stat(m.src, &st) < 0)
			return berr_plain(
			    err, ENOENT,
			    "invalid --mount '%s': bind source path does not exist: %s", spec,
			    m.src ? m.src : "");
		json_array_append_new(plan, mount_entry("bind", m.src, m.dst, m.rw, NULL));
		return 0;
	}
	if (!strcmp(m.type, "volume")) {
		char name[ENG_ID_LEN + 1];
		if ((r = eng_volume_create(s, m.src, NULL, !m.src, true, name, err)) < 0)
			return r;
		json_array_append_new(plan, mount_entry("volume", name, m.dst, m.rw, NULL));
		return 0;
	}
	if (!strcmp(m.type, "tmpfs")) {
		json_array_append_new(
		    plan, mount_entry("tmpfs", "tmpfs", m.dst, m.rw, json_incref(opts)));
		return 0;
	}
	return berr_plain(err, EINVAL, "invalid --mount '%s': unknown type '%s'", spec, m.type);
}

static int parse_tmpfs(const char *spec, json_t *plan, struct berr **err)
{
	autofree char *copy = xstrdup(spec);
	char *colon = strchr(copy, ':');
	if (colon)
		*colon = '\0';
	if (copy[0] != '/')
		return berr_plain(err, EINVAL, "invalid --tmpfs '%s': not an absolute path", spec);
	if (has_dest(plan, copy))
		return berr_plain(err, EINVAL, "duplicate mount point: %s", copy);
	json_t *opts = json_array();
	for (char *save = NULL, *o = colon ? strtok_r(colon + 1, ",", &save) : NULL; o;
	     o = strtok_r(NULL, ",", &save))
		json_array_append_new(opts, json_string(o));
	json_array_append_new(plan, mount_entry("tmpfs", "tmpfs", copy, true, opts));
	return 0;
}

json_t *eng_mounts_plan(const struct eng_store *s, char *const *volumes, char *const *mounts,
			char *const *tmpfs, char *const *image_volumes, struct berr **err)
{
	json_t *plan = json_array();
	int r = 0;
	for (char *const *v = volumes; r == 0 && v && *v; v++)
		r = parse_volume(s, *v, plan, err);
	for (char *const *m = mounts; r == 0 && m && *m; m++)
		r = parse_mount(s, *m, plan, err);
	for (char *const *t = tmpfs; r == 0 && t && *t; t++)
		r = parse_tmpfs(*t, plan, err);
	/* the image's VOLUMEs not mounted otherwise get anonymous volumes */
	for (char *const *v = image_volumes; r == 0 && v && *v; v++) {
		if (has_dest(plan, *v))
			continue;
		char name[ENG_ID_LEN + 1];
		r = eng_volume_create(s, NULL, NULL, true, false, name, err);
		if (r == 0)
			json_array_append_new(plan, mount_entry("volume", name, *v, true, NULL));
	}
	if (r < 0) {
		/* volumes made for this plan go again */
		size_t i;
		json_t *m;
		json_array_foreach(plan, i, m)
		{
			json_t *rec = eng_volume_load(
			    s, json_string_value(json_object_get(m, "Source")), NULL);
			if (rec && json_is_true(json_object_get(rec, "Anonymous")))
				(void)eng_volume_remove(
				    s, json_string_value(json_object_get(m, "Source")), true, NULL);
			json_decref(rec);
		}
		json_decref(plan);
		return NULL;
	}
	return plan;
}

void eng_mounts_spec(const struct eng_store *s, json_t *plan, bool idmap, json_t *mounts)
{
	size_t i;
	json_t *m;
	json_array_foreach(plan, i, m)
	{
		const char *type = json_string_value(json_object_get(m, "Type"));
		const char *src = json_string_value(json_object_get(m, "Source"));
		const char *dst = json_string_value(json_object_get(m, "Destination"));
		bool rw = json_is_true(json_object_get(m, "RW"));
		if (!strcmp(type, "tmpfs")) {
			json_t *opts = json_pack("[s, s, s]", "nosuid", "nodev", rw ? "rw" : "ro");
			json_array_extend(opts, json_object_get(m, "Options"));
			json_array_append_new(
			    mounts, json_pack("{s:s, s:s, s:s, s:o}", "destination", dst, "type",
					      "tmpfs", "source", "tmpfs", "options", opts));
			continue;
		}
		bool volume = !strcmp(type, "volume");
		autofree char *data = volume ? eng_volume_data(s, src) : xstrdup(src);
		json_t *opts = json_pack("[s, s, s]", "rbind", "rprivate", rw ? "rw" : "ro");
		/* a volume keeps its ids on disk: the container's root owns what root owns */
		if (idmap && volume)
			json_array_append_new(opts, json_string("idmap"));
		json_array_append_new(mounts,
				      json_pack("{s:s, s:s, s:s, s:o}", "destination", dst, "type",
						"bind", "source", data, "options", opts));
	}
}

/* ---- copy-up ---- */

int eng_mounts_populate(const struct eng_store *s, json_t *plan, const char *rootfs,
			struct berr **err)
{
	autoclose int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return berr_set(err, errno, "open '%s'", rootfs);
	size_t i;
	json_t *m;
	json_array_foreach(plan, i, m)
	{
		if (strcmp(json_string_value(json_object_get(m, "Type")), "volume"))
			continue;
		const char *name = json_string_value(json_object_get(m, "Source"));
		autofree char *dir = volume_dir(s, name);
		autofree char *marker = xasprintf("%s/populated", dir);
		if (access(marker, F_OK) == 0)
			continue;
		autofree char *data = eng_volume_data(s, name);
		autoclose int to = open(data, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		/* the image's content at that path, resolved inside the root */
		autoclose int from =
		    path_open_in_root(rootfd, json_string_value(json_object_get(m, "Destination")),
				      O_RDONLY | O_DIRECTORY, 0, NULL);
		bool empty = true;
		if (to >= 0) {
			int dup = fcntl(to, F_DUPFD_CLOEXEC, 3);
			DIR *d = dup >= 0 ? fdopendir(dup) : NULL;
			struct dirent *de;
			while (d && (de = readdir(d)))
				if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
					empty = false;
			if (d)
				closedir(d);
		}
		if (to >= 0 && from >= 0 && empty && fs_copy_tree(from, to, false, NULL, err) < 0)
			return berr_wrap(err, "copy the image's %s into volume %s",
					 json_string_value(json_object_get(m, "Destination")),
					 name);
		(void)fs_write_file(AT_FDCWD, marker, "", 0, 0600, NULL);
	}
	return 0;
}

void eng_volume_events(const struct eng_store *s, const char *cid, json_t *rec, bool mount)
{
	size_t k;
	json_t *m;
	json_array_foreach(json_object_get(json_object_get(rec, "HostConfig"), "Mounts"), k, m)
	{
		const char *type = json_string_value(json_object_get(m, "Type"));
		const char *src = json_string_value(json_object_get(m, "Source"));
		const char *dst = json_string_value(json_object_get(m, "Destination"));
		if (!type || strcmp(type, "volume") || !src || !dst)
			continue;
		if (mount)
			eng_event_volume_mount(s, src, cid, dst,
					       json_is_true(json_object_get(m, "RW")));
		else
			eng_event_volume(s, src, "unmount", cid, NULL);
	}
}

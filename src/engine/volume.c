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

/* eng_volume_create's; *out_made: this call made the volume (false: it existed). */
static int volume_make(const struct eng_store *s, const char *name, char *const *labels,
		       bool anonymous, bool exist_ok, char *out_name, bool *out_made,
		       struct berr **err)
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
		*out_made = false;
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
	*out_made = true;
	return 0;
}

int eng_volume_create(const struct eng_store *s, const char *name, char *const *labels,
		      bool anonymous, bool exist_ok, char *out_name, struct berr **err)
{
	bool made = false;
	return volume_make(s, name, labels, anonymous, exist_ok, out_name, &made, err);
}

void eng_volume_remove_made(const struct eng_store *s, json_t *made)
{
	size_t i;
	json_t *n;
	json_array_foreach(made, i, n)
	{
		/* not forced: a container that took it up since keeps it */
		(void)eng_volume_remove(s, json_string_value(n), false, NULL);
	}
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

/* One list of an idmap option's ranges, "[@]F-H-N[#[@]F-H-N...]" from p to end (crun's syntax,
 * which berth-runtime reads in runtime/mount_source.c; "@" ranges are resolved there against
 * the container's maps). Only the form is checked: 32-bit ids and a count above 0. */
static bool idmap_ranges_valid(const char *p, const char *end)
{
	for (;;) {
		if (*p == '@')
			p++;
		for (int i = 0; i < 3; i++) {
			if (i > 0 && *p++ != '-')
				return false;
			if (*p < '0' || *p > '9')
				return false;
			char *e;
			errno = 0;
			unsigned long v = strtoul(p, &e, 10);
			if (errno || v > UINT32_MAX || (i == 2 && v == 0))
				return false;
			p = e;
		}
		if (p == end)
			return true;
		if (*p++ != '#')
			return false;
	}
}

/* podman's idmap option of -v and --mount (podman-run(1) --mount; podman 4.3 passes -v's on
 * as well): "idmap" or "idmap=true" asks for a mount idmapped to the container's user
 * namespace, "idmap=false" for none, "idmap=uids=F-H-N[#...];gids=F-H-N[#...]" for one of
 * its own mapping. value: what follows "idmap=", NULL for a bare "idmap". *out_opt: the
 * runtime's option, or NULL for none. A container without a user namespace is no error here:
 * as with podman, its runtime refuses a bare idmap when the container starts. */
static int idmap_option(const char *value, char **out_opt, struct berr **err)
{
	if (!value || !strcmp(value, "true")) {
		*out_opt = xstrdup("idmap");
		return 0;
	}
	if (!strcmp(value, "false")) {
		*out_opt = NULL;
		return 0;
	}
	bool uids = false, gids = false, ok = *value;
	for (const char *p = value; ok && *p;) {
		const char *end = strchrnul(p, ';');
		bool *seen = !strncmp(p, "uids=", 5)   ? &uids
			     : !strncmp(p, "gids=", 5) ? &gids
						       : NULL;
		ok = seen && !*seen && idmap_ranges_valid(p + 5, end);
		if (seen)
			*seen = true;
		p = *end ? end + 1 : end;
	}
	if (!ok)
		return berr_plain(err, EINVAL,
				  "invalid idmap option 'idmap=%s': want idmap, idmap=true|false "
				  "or idmap=uids=F-H-N[#F-H-N...];gids=F-H-N[#F-H-N...]",
				  value);
	*out_opt = xasprintf("idmap=%s", value);
	return 0;
}

/* An idmap option o ("idmap" or "idmap=...") of a -v or --mount into opts, the plan entry's
 * Options; given twice, refused as podman does. */
static int idmap_add(json_t *opts, bool *seen, const char *value, struct berr **err)
{
	if (*seen)
		return berr_plain(err, EINVAL, "the 'idmap' option can only be set once");
	*seen = true;
	autofree char *opt = NULL;
	int r = idmap_option(value, &opt, err);
	if (r == 0 && opt)
		json_array_append_new(opts, json_string(opt));
	return r;
}

/* idmap in a VM (--isolation vm, a member of a pod of one VM): a VM has no user namespace
 * (--userns is refused with --isolation vm) for a bare idmap to map to, and an own mapping
 * (idmap=uids=...) has nowhere to be made either: a VM's mounts reach its guest over
 * virtiofs, and Debian 12's virtiofsd (QEMU 7.2's C one) has no option that translates ids
 * (--help: xattrmap maps xattr names only), while the guest's kernel (6.1) cannot idmap a
 * FUSE mount (FS_ALLOW_IDMAP came to FUSE in Linux 6.12). Left alone, the option would be
 * dropped without a word (the files showing the host's ids), so it is refused. */
int eng_mounts_guest_check(json_t *plan, struct berr **err)
{
	size_t i;
	json_t *m;
	json_array_foreach(plan, i, m)
	{
		const char *type = json_string_value(json_object_get(m, "Type")) ?: "";
		if (!strcmp(type, "tmpfs") || !json_array_size(json_object_get(m, "Options")))
			continue;
		const char *from = json_string_value(json_object_get(m, "From"));
		return berr_plain(err, EINVAL,
				  "mount '%s'%s%.12s: idmap is not possible in a VM: a VM has no "
				  "user namespace to map to, and its mounts reach the guest over "
				  "virtiofs, which maps no ids",
				  json_string_value(json_object_get(m, "Destination")),
				  from ? " of --volumes-from " : "", from ? from : "");
	}
	return 0;
}

/* One entry's idmap option (opts, its Options) refused for a guest before its volume is made. */
static int guest_idmap(bool guest, const char *dst, json_t *opts, struct berr **err)
{
	json_auto_t *one = json_pack("[{s:s, s:O}]", "Destination", dst, "Options", opts);
	return guest ? eng_mounts_guest_check(one, err) : 0;
}

/* A plan's volume src (NULL: an anonymous one), made now (its name appended to made) or one
 * that exists. */
static int plan_volume(const struct eng_store *s, const char *src, json_t *made,
		       char out_name[ENG_ID_LEN + 1], struct berr **err)
{
	bool now = false;
	int r = volume_make(s, src, NULL, !src, src != NULL, out_name, &now, err);
	if (r == 0 && now)
		json_array_append_new(made, json_string(out_name));
	return r;
}

/* -v's OPTS (comma-separated): *rw and the plan entry's opts. */
static int volume_options(char *text, bool *rw, json_t *opts, struct berr **err)
{
	bool idmap = false;
	for (char *save = NULL, *o = text ? strtok_r(text, ",", &save) : NULL; o;
	     o = strtok_r(NULL, ",", &save)) {
		int r = 0;
		if (!strcmp(o, "ro"))
			*rw = false;
		else if (!strcmp(o, "idmap") || !strncmp(o, "idmap=", 6))
			r = idmap_add(opts, &idmap, o[5] ? o + 6 : NULL, err);
		else if (strcmp(o, "rw") && strcmp(o, "z") && strcmp(o, "Z") &&
			 strcmp(o, "rprivate") && strcmp(o, "private") && strcmp(o, "nocopy"))
			r = berr_plain(err, EINVAL, "unknown option '%s'", o);
		if (r < 0)
			return r;
	}
	return 0;
}

/* -v SRC:DST[:OPTS] or -v DST. */
static int parse_volume(const struct eng_store *s, const char *spec, bool guest, json_t *plan,
			json_t *made, struct berr **err)
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
	json_auto_t *opts = json_array();
	int r = volume_options(n == 3 ? parts[2] : NULL, &rw, opts, err);
	if (r < 0) {
		berr_wrap(err, "invalid volume specification: '%s'", spec);
		return r;
	}
	if (dst[0] != '/')
		return berr_plain(err, EINVAL,
				  "invalid volume specification: '%s': the destination must be "
				  "an absolute path",
				  spec);
	if (has_dest(plan, dst))
		return berr_plain(err, EINVAL, "duplicate mount point: %s", dst);
	r = guest_idmap(guest, dst, opts, err);
	if (r < 0)
		return r;
	char name[ENG_ID_LEN + 1];
	if (src && src[0] == '/') {
		struct stat st;
		r = stat(src, &st) < 0 ? fs_mkdir_p(src, 0755, err) : 0; /* as Docker's -v */
		if (r < 0)
			return r;
		json_array_append_new(plan, mount_entry("bind", src, dst, rw, json_incref(opts)));
		return 0;
	}
	r = plan_volume(s, src, made, name, err);
	if (r < 0)
		return r;
	json_array_append_new(plan, mount_entry("volume", name, dst, rw, json_incref(opts)));
	return 0;
}

/* --mount type=bind|volume|tmpfs,source=,target=,readonly,tmpfs-size=,tmpfs-mode=,idmap */
/* A --mount's fields. */
struct mount_spec {
	const char *type, *src, *dst;
	bool rw;
	bool idmap;     /* an idmap field was given */
	json_t *opts;   /* tmpfs-size and tmpfs-mode as mount options */
	json_t *idmaps; /* a bind's or volume's idmap option, as -v's */
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
		int r = 0;
		if (!strcmp(kv, "type"))
			m->type = v;
		else if (!strcmp(kv, "source") || !strcmp(kv, "src"))
			m->src = v;
		else if (!strcmp(kv, "target") || !strcmp(kv, "destination") || !strcmp(kv, "dst"))
			m->dst = v;
		else if (!strcmp(kv, "readonly") || !strcmp(kv, "ro"))
			m->rw = !strcmp(v, "false") || !strcmp(v, "0");
		else if (!strcmp(kv, "idmap"))
			r = idmap_add(m->idmaps, &m->idmap, eq ? v : NULL, err);
		else if (!strcmp(kv, "tmpfs-size"))
			json_array_append_new(m->opts, json_sprintf("size=%s", v));
		else if (!strcmp(kv, "tmpfs-mode"))
			json_array_append_new(m->opts, json_sprintf("mode=%s", v));
		else if (strcmp(kv, "bind-propagation") && strcmp(kv, "volume-nocopy") &&
			 strcmp(kv, "consistency"))
			r = berr_plain(err, EINVAL, "unknown field '%s'", kv);
		if (r < 0) {
			berr_wrap(err, "invalid --mount '%s'", spec);
			return r;
		}
	}
	return 0;
}

static int parse_mount(const struct eng_store *s, const char *spec, bool guest, json_t *plan,
		       json_t *made, struct berr **err)
{
	autofree char *copy = xstrdup(spec);
	json_auto_t *opts = json_array();
	json_auto_t *idmaps = json_array();
	struct mount_spec m = {.type = "volume", .rw = true, .opts = opts, .idmaps = idmaps};
	int r = mount_fields(spec, copy, &m, err);
	if (r < 0)
		return r;
	if (!m.dst || m.dst[0] != '/')
		return berr_plain(err, EINVAL, "invalid --mount '%s': target must be absolute",
				  spec);
	if (has_dest(plan, m.dst))
		return berr_plain(err, EINVAL, "duplicate mount point: %s", m.dst);
	if (strcmp(m.type, "tmpfs") && (r = guest_idmap(guest, m.dst, idmaps, err)) < 0)
		return r;
	if (!strcmp(m.type, "bind")) {
		struct stat st;
		if (!m.src || m.src[0] != '/' || stat(m.src, &st) < 0)
			return berr_plain(
			    err, ENOENT,
			    "invalid --mount '%s': bind source path does not exist: %s", spec,
			    m.src ? m.src : "");
		json_array_append_new(plan,
				      mount_entry("bind", m.src, m.dst, m.rw, json_incref(idmaps)));
		return 0;
	}
	if (!strcmp(m.type, "volume")) {
		char name[ENG_ID_LEN + 1];
		if ((r = plan_volume(s, m.src, made, name, err)) < 0)
			return r;
		json_array_append_new(
		    plan, mount_entry("volume", name, m.dst, m.rw, json_incref(idmaps)));
		return 0;
	}
	if (!strcmp(m.type, "tmpfs") && m.idmap) /* podman's words; tmpfs has no ids to map */
		return berr_plain(err, EINVAL, "invalid --mount '%s': idmap: invalid mount option",
				  spec);
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
			char *const *tmpfs, char *const *image_volumes, bool guest, json_t *made,
			struct berr **err)
{
	json_t *plan = json_array();
	json_auto_t *mine = json_array();
	int r = 0;
	for (char *const *v = volumes; r == 0 && v && *v; v++)
		r = parse_volume(s, *v, guest, plan, mine, err);
	for (char *const *m = mounts; r == 0 && m && *m; m++)
		r = parse_mount(s, *m, guest, plan, mine, err);
	for (char *const *t = tmpfs; r == 0 && t && *t; t++)
		r = parse_tmpfs(*t, plan, err);
	/* the image's VOLUMEs not mounted otherwise get anonymous volumes */
	for (char *const *v = image_volumes; r == 0 && v && *v; v++) {
		if (has_dest(plan, *v))
			continue;
		char name[ENG_ID_LEN + 1];
		r = plan_volume(s, NULL, mine, name, err);
		if (r == 0)
			json_array_append_new(plan, mount_entry("volume", name, *v, true, NULL));
	}
	if (r < 0) {
		eng_volume_remove_made(s, mine); /* volumes made for this plan go again */
		json_decref(plan);
		return NULL;
	}
	json_array_extend(made, mine);
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
		/* the idmap option a -v or --mount asked for (bind or volume) */
		json_t *own = json_object_get(m, "Options");
		json_array_extend(opts, own);
		/* a volume keeps its ids on disk: the container's root owns what root owns */
		if (idmap && volume && !json_array_size(own))
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

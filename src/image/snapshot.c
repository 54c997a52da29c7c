/* Unpacked layers by chain id, and overlayfs mounts of them (see snapshot.h). */
#include "image/snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "image/config.h"
#include "image/fuse_overlay.h"
#include "image/idmap_refused.h"
#include "image/layer.h"
#include "image/layer_chown.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/idshift.h"
#include "util/json.h"
#include "util/log.h"
#include "util/userns.h"
#include "util/xalloc.h"

/* "layers/<hex>" for a checked chain id. */
static char *layer_dir(const char *chain, struct berr **err)
{
	char hex[SHA256_HEX_LEN + 1];
	if (digest_parse(chain, hex, err) < 0)
		return NULL;
	return xasprintf("layers/%s", hex);
}

static int ensure_layers_dir(struct img_store *s, struct berr **err)
{
	if (mkdirat(s->dirfd, "layers", 0700) < 0 && errno != EEXIST)
		return berr_set(err, errno, "create '%s/layers'", s->root);
	return 0;
}

bool img_snapshot_has(struct img_store *s, const char *chain)
{
	autofree char *dir = layer_dir(chain, NULL);
	if (!dir)
		return false;
	autofree char *rec = xasprintf("%s/layer.json", dir);
	return faccessat(s->dirfd, rec, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

static int64_t record_i64(struct img_store *s, const char *chain, const char *key)
{
	autofree char *dir = layer_dir(chain, NULL);
	if (!dir)
		return -1;
	autofree char *rec = xasprintf("%s/layer.json", dir);
	json_auto_t *j = json_load_path(s->dirfd, rec, 1 << 16, NULL);
	int64_t v = -1;
	bool set = false;
	if (j && json_opt_i64(j, "", key, &v, &set, NULL) < 0)
		set = false;
	return set ? v : -1;
}

int64_t img_snapshot_size(struct img_store *s, const char *chain)
{
	return record_i64(s, chain, "size");
}

int64_t img_snapshot_tar_size(struct img_store *s, const char *chain)
{
	return record_i64(s, chain, "tar_size");
}

/* A fresh "tmp/layer-XXXXXX" with an empty diff/ in it; its name goes to out_tmp. */
static int make_temp(struct img_store *s, char **out_tmp, struct berr **err)
{
	autofree char *abs = xasprintf("%s/tmp/layer-XXXXXX", s->root);
	if (!mkdtemp(abs))
		return berr_set(err, errno, "create a temp dir in '%s/tmp'", s->root);
	char *rel = xstrdup(abs + strlen(s->root) + 1);
	autofree char *diff = xasprintf("%s/diff", rel);
	if (mkdirat(s->dirfd, diff, 0755) < 0) {
		int e = errno;
		(void)fs_rm_rf(s->dirfd, rel, NULL);
		free(rel);
		return berr_set(err, e, "create '%s/%s'", s->root, diff);
	}
	*out_tmp = rel;
	return 0;
}

static int check_digests(const struct img_layer_stats *st, const char *expect_blob,
			 const char *expect_diff_id, struct berr **err)
{
	if (expect_blob && strcmp(expect_blob, st->blob_digest))
		return berr_plain(err, EIO, "layer blob digest %s does not match the expected %s",
				  st->blob_digest, expect_blob);
	if (expect_diff_id && strcmp(expect_diff_id, st->diff_id))
		return berr_plain(
		    err, EIO,
		    "layer content digest %s does not match the image config's diff id "
		    "%s",
		    st->diff_id, expect_diff_id);
	return 0;
}

static int write_record(struct img_store *s, const char *tmp, const struct img_layer_stats *st,
			const char *parent, struct berr **err)
{
	json_auto_t *rec =
	    json_pack("{s:s, s:s?, s:I, s:I, s:s, s:I}", "diff_id", st->diff_id, "parent", parent,
		      "size", (json_int_t)st->bytes, "tar_size", (json_int_t)st->diff_size, "blob",
		      st->blob_digest, "blob_size", (json_int_t)st->blob_size);
	autofree char *text = json_dumps(rec, JSON_COMPACT);
	autofree char *path = xasprintf("%s/layer.json", tmp);
	autoclose int fd = openat(s->dirfd, path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || fs_write_all(fd, text, strlen(text)) < 0 || fsync(fd) < 0)
		return berr_set(err, errno ? errno : EIO, "write '%s/%s'", s->root, path);
	return 0;
}

/* Rename tmp to layers/<chain>; someone else having put it there first is fine. */
static int publish(struct img_store *s, const char *tmp, const char *chain, struct berr **err)
{
	autofree char *dir = layer_dir(chain, err);
	if (!dir)
		return berr_ret(err);
	int r = ensure_layers_dir(s, err);
	if (r < 0)
		return r;
	if (renameat(s->dirfd, tmp, s->dirfd, dir) == 0)
		return 0;
	if ((errno == EEXIST || errno == ENOTEMPTY) && img_snapshot_has(s, chain))
		return 0;
	/* a directory without its record is a leftover of a crash: replace it */
	if (errno == EEXIST || errno == ENOTEMPTY) {
		if ((r = fs_rm_rf(s->dirfd, dir, err)) < 0)
			return r;
		if (renameat(s->dirfd, tmp, s->dirfd, dir) == 0)
			return 0;
	}
	return berr_set(err, errno, "store layer %s", chain);
}

int img_snapshot_unpack(struct img_store *s, const char *parent_chain, int fd,
			const char *expect_blob, const char *expect_diff_id,
			char out_chain[IMG_CHAIN_LEN + 1], struct berr **err)
{
	autofree char *tmp = NULL;
	int r = make_temp(s, &tmp, err);
	if (r < 0)
		return r;
	autofree char *diff = xasprintf("%s/diff", tmp);
	autoclose int rootfd = openat(s->dirfd, diff, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct img_layer_stats st;
	r = rootfd < 0 ? berr_set(err, errno, "open '%s'", diff) : 0;
	if (r == 0)
		r = img_layer_apply(rootfd, fd, &st, err);
	if (r == 0)
		r = check_digests(&st, expect_blob, expect_diff_id, err);
	char chain[IMG_CHAIN_LEN + 1];
	if (r == 0) {
		char *ids[2] = {(char *)parent_chain, st.diff_id};
		if (parent_chain)
			img_chain_id(ids, 2, chain);
		else
			snprintf(chain, sizeof(chain), "%s", st.diff_id);
		r = write_record(s, tmp, &st, parent_chain, err);
	}
	if (r == 0)
		r = publish(s, tmp, chain, err);
	if (r < 0) {
		(void)fs_rm_rf(s->dirfd, tmp, NULL);
		return r;
	}
	memcpy(out_chain, chain, sizeof(chain));
	return 0;
}

/* The top directory of a layer as unpacking makes it (make_temp's 0755 root:root, no xattrs). */
static int reset_top(int fd, struct berr **err)
{
	char list[4096];
	ssize_t n = flistxattr(fd, list, sizeof(list));
	for (ssize_t i = 0; n > 0 && i < n; i += (ssize_t)strlen(list + i) + 1)
		if (fremovexattr(fd, list + i) < 0 && errno != ENODATA)
			return berr_set(err, errno, "remove xattr %s", list + i);
	if (fchown(fd, 0, 0) < 0 || fchmod(fd, 0755) < 0)
		return berr_set(err, errno, "the layer's top directory");
	return 0;
}

int img_snapshot_adopt(struct img_store *s, const char *parent_chain, const char *dir,
		       const struct img_layer_stats *st, const char *chain, struct berr **err)
{
	if (img_snapshot_has(s, chain))
		return 0;
	autofree char *abs = xasprintf("%s/tmp/layer-XXXXXX", s->root);
	if (!mkdtemp(abs))
		return berr_set(err, errno, "create a temp dir in '%s/tmp'", s->root);
	const char *tmp = abs + strlen(s->root) + 1;
	autofree char *diff = xasprintf("%s/diff", abs);
	int r = 0;
	if (rename(dir, diff) < 0)
		r = berr_set(err, errno, "move '%s' into the store", dir);
	bool moved = r == 0;
	autoclose int fd =
	    r == 0 ? open(diff, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
	if (r == 0 && fd < 0)
		r = berr_set(err, errno, "open '%s'", diff);
	if (r == 0)
		r = reset_top(fd, err);
	if (r == 0)
		r = write_record(s, tmp, st, parent_chain, err);
	if (r == 0)
		r = publish(s, tmp, chain, err);
	if (r < 0 && moved)
		(void)rename(diff, dir);     /* given back: the caller's again */
	(void)fs_rm_rf(s->dirfd, tmp, NULL); /* gone when published; what is left otherwise */
	return r;
}

int img_snapshot_remove(struct img_store *s, const char *chain, struct berr **err)
{
	autofree char *dir = layer_dir(chain, err);
	if (!dir)
		return berr_ret(err);
	/* the record goes first: a half-removed layer is then not taken for a whole one */
	autofree char *rec = xasprintf("%s/layer.json", dir);
	if (unlinkat(s->dirfd, rec, 0) < 0 && errno != ENOENT)
		return berr_set(err, errno, "remove layer %s", chain);
	return fs_rm_rf(s->dirfd, dir, err);
}

/* The lower dirs are named relative to <root>/layers (mount(2) is called from there), so that
 * more of them fit in the one page mount(2) takes for options: 70 bytes a layer. Past a page
 * (about 55 layers) the options go one by one through fsconfig (mount_fsconfig). */
static char *mount_options(char *const *chains, size_t n, const char *upper, const char *work,
			   bool vol, struct berr **err)
{
	size_t cap = 64 + n * 72 + (upper ? strlen(upper) + strlen(work) + 32 : 0);
	char *opts = xmalloc(cap);
	size_t len = (size_t)snprintf(opts, cap, "lowerdir=");
	/* overlayfs lists the top layer first */
	for (size_t i = n; i-- > 0;)
		len += (size_t)snprintf(opts + len, cap - len, "%s%s/diff", i + 1 < n ? ":" : "",
					chains[i] + 7);
	/* without an upper dir overlayfs wants two lower dirs at least */
	if (n < 2)
		len += (size_t)snprintf(opts + len, cap - len, "%s.empty", n ? ":" : "");
	if (upper)
		len += (size_t)snprintf(opts + len, cap - len, ",upperdir=%s,workdir=%s%s", upper,
					work, vol ? ",volatile" : "");
	return opts;
}

static int check_chains(struct img_store *s, char *const *chains, size_t n, struct berr **err)
{
	char hex[SHA256_HEX_LEN + 1];
	int r;
	for (size_t i = 0; i < n; i++) {
		if ((r = digest_parse(chains[i], hex, err)) < 0)
			return r;
		if (!img_snapshot_has(s, chains[i]))
			return berr_plain(err, ENOENT, "layer %s is not in the store", chains[i]);
	}
	return ensure_layers_dir(s, err);
}

/* The overlay through the new mount API, each option on its own: with "lowerdir+" (Linux 6.8)
 * a lower dir at a time, so the page that mount(2) takes for all options is no limit (overlayfs
 * takes 500 layers). opts is mount_options' text: names without ':' or ','. */
static int mount_fsconfig(char *opts, bool rdonly, const char *target)
{
	autoclose int fs = (int)syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
	if (fs < 0)
		return -1;
	int r = 0;
	for (char *save = NULL, *o = strtok_r(opts, ",", &save); r == 0 && o;
	     o = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(o, '=');
		if (!eq) {
			r = (int)syscall(SYS_fsconfig, fs, FSCONFIG_SET_FLAG, o, NULL, 0);
			continue;
		}
		*eq = '\0';
		if (strcmp(o, "lowerdir")) {
			r = (int)syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, o, eq + 1, 0);
			continue;
		}
		for (char *s2 = NULL, *l = strtok_r(eq + 1, ":", &s2); r == 0 && l;
		     l = strtok_r(NULL, ":", &s2))
			r = (int)syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "lowerdir+", l, 0);
	}
	if (r == 0)
		r = (int)syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0);
	autoclose int m =
	    r == 0 ? (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, rdonly ? MOUNT_ATTR_RDONLY : 0)
		   : -1;
	if (m < 0)
		return -1;
	return (int)syscall(SYS_move_mount, m, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH);
}

/* mount(2) of the overlay with the cwd at dirfd, where the option's names are. Inside a user
 * namespace that is not the host's (rootless berth, engine/rootless.h), overlayfs keeps its
 * opaque and redirect marks in "user.overlay." xattrs ("userxattr", Linux 5.11): setting
 * trusted.* there needs CAP_SYS_ADMIN on the host, and without it removing a lower directory
 * fails with EIO. The layers' own marks are written the same way (layer.c). */
static int mount_from(int dirfd, const char *given, bool rdonly, const char *target,
		      struct berr **err)
{
	bool userns = !userns_is_initial();
	if (userns && img_fuse_overlay_forced())
		return img_fuse_overlay_mount(dirfd, given, rdonly, target, err);
	autofree char *userx = userns ? xasprintf("%s,userxattr", given) : NULL;
	const char *opts = userx ? userx : given;
	autoclose int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cwd < 0 || fchdir(dirfd) < 0)
		return berr_set(err, errno, "enter the overlay's layer directory");
	size_t len = strlen(opts);
	autofree char *copy = len >= 4096 ? xstrdup(opts) : NULL;
	int r = copy ? mount_fsconfig(copy, rdonly, target)
		     : mount("overlay", target, "overlay", rdonly ? MS_RDONLY : 0, opts);
	int e = errno;
	if (r < 0 && copy && e == EINVAL) {
		if (fchdir(cwd) < 0)
			abort();
		return berr_set(err, e,
				"mount overlay at '%s': more layers than fit in a page of mount "
				"options need Linux 6.8 or later (lowerdir+)",
				target);
	}
	if (fchdir(cwd) < 0)
		abort(); /* the directory we were in is still open: cannot fail */
	/* overlayfs refused in a user namespace (before Linux 5.11, or a file system it will not
	 * stack on there): fuse-overlayfs, as podman's rootless mount_program */
	if (r < 0 && userns && (e == EPERM || e == EINVAL || e == ENODEV || e == EOPNOTSUPP))
		return img_fuse_overlay_mount(dirfd, given, rdonly, target, err);
	if (r < 0)
		return berr_set(err, e, "mount overlay at '%s'", target);
	return 0;
}

/* This boot's id (random at each boot, proc(5)), or NULL. */
static char *boot_id(void)
{
	char *id = NULL;
	size_t len = 0;
	if (fs_read_file(AT_FDCWD, "/proc/sys/kernel/random/boot_id", 64, &id, &len, NULL) < 0)
		return NULL;
	return id;
}

/* A volatile overlay leaves work/incompat/volatile in its work dir, and overlayfs refuses any
 * later mount of that upper while it is there: after a crash the upper may have lost writes
 * (Documentation/filesystems/overlayfs.rst, "Volatile mount"). The boot id written beside the
 * work dir at a volatile mount tells whether the machine has gone down since: if not, the
 * mark is removed and the upper mounted again (a container's `cp` before its start, or its
 * restart); after a reboot it stays, and the mount fails. */
static int volatile_prepare(const char *work, bool vol, struct berr **err)
{
	autofree char *mark = xasprintf("%s/work/incompat/volatile", work);
	autofree char *boot_path = xasprintf("%s.boot", work);
	struct stat st;
	bool marked = lstat(mark, &st) == 0;
	autofree char *now = marked || vol ? boot_id() : NULL;
	int r;
	if (marked) {
		autofree char *then = NULL;
		size_t len = 0;
		if (!now || fs_read_file(AT_FDCWD, boot_path, 64, &then, &len, NULL) < 0 ||
		    strcmp(now, then))
			return berr_plain(err, EUCLEAN,
					  "the container's changes were mounted volatile (--rm) "
					  "before the machine went down: they may be incomplete, "
					  "remove the container");
		autofree char *incompat = xasprintf("%s/work/incompat", work);
		if ((r = fs_rm_rf(AT_FDCWD, incompat, err)) < 0)
			return r;
	}
	if (!vol)
		return 0;
	if (!now)
		return berr_plain(err, ENOENT, "read /proc/sys/kernel/random/boot_id");
	return fs_replace_file(boot_path, now, strlen(now), 0600, err);
}

static int snapshot_mount(struct img_store *s, char *const *chains, size_t n, const char *upper,
			  const char *work, bool vol, const char *target, struct berr **err)
{
	int r = check_chains(s, chains, n, err);
	if (r < 0)
		return r;
	if (mkdirat(s->dirfd, "layers/.empty", 0755) < 0 && errno != EEXIST)
		return berr_set(err, errno, "create '%s/layers/.empty'", s->root);
	if (upper && (r = volatile_prepare(work, vol, err)) < 0)
		return r;
	autofree char *opts = mount_options(chains, n, upper, work, vol, err);
	if (!opts)
		return berr_ret(err);
	autoclose int layers = openat(s->dirfd, "layers", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (layers < 0)
		return berr_set(err, errno, "open '%s/layers'", s->root);
	return mount_from(layers, opts, !upper, target, err);
}

int img_snapshot_mount(struct img_store *s, char *const *chains, size_t n, const char *upper,
		       const char *work, const char *target, struct berr **err)
{
	return snapshot_mount(s, chains, n, upper, work, false, target, err);
}

int img_snapshot_mount_volatile(struct img_store *s, char *const *chains, size_t n,
				const char *upper, const char *work, const char *target,
				struct berr **err)
{
	return snapshot_mount(s, chains, n, upper, work, true, target, err);
}

int img_snapshot_mount_mapped(struct img_store *s, char *const *chains, size_t n, const char *upper,
			      const char *work, const char *uidmapping, const char *gidmapping,
			      const char *target, struct berr **err)
{
	int r = check_chains(s, chains, n, err);
	if (r < 0)
		return r;
	if (mkdirat(s->dirfd, "layers/.empty", 0755) < 0 && errno != EEXIST)
		return berr_set(err, errno, "create '%s/layers/.empty'", s->root);
	if ((r = volatile_prepare(work, false, err)) < 0)
		return r;
	autofree char *opts = mount_options(chains, n, upper, work, false, err);
	if (!opts)
		return berr_ret(err);
	autofree char *all =
	    xasprintf("%s,uidmapping=%s,gidmapping=%s", opts, uidmapping, gidmapping);
	autoclose int layers = openat(s->dirfd, "layers", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (layers < 0)
		return berr_set(err, errno, "open '%s/layers'", s->root);
	return img_fuse_overlay_mount(layers, all, false, target, err);
}

/* A clone of dirfd/path with the idmapping (userns_fd -1: none), attached at scratchfd/name.
 * out_refused (or NULL): whether the file system refused the idmapping (mount_setattr(2)'s
 * EINVAL for a file system without FS_ALLOW_IDMAP). */
static int attach_idmapped(int dirfd, const char *path, int userns_fd, int scratchfd,
			   const char *name, bool *out_refused, struct berr **err)
{
	autoclose int fd =
	    (int)syscall(SYS_open_tree, dirfd, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (fd < 0)
		return berr_set(err, errno, "clone '%s' for an idmapped layer", path);
	/* private: a clone of a shared mount (a systemd host's) is its peer, so the overlay
	 * mounted on the store would propagate into it, and detaching the clone would then
	 * propagate the overlay's unmount back to the container's root */
	struct mount_attr attr = {.attr_set = userns_fd >= 0 ? MOUNT_ATTR_IDMAP : 0,
				  .propagation = MS_PRIVATE,
				  .userns_fd = (uint64_t)userns_fd};
	if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0) {
		int e = errno;
		if (out_refused)
			*out_refused = e == EINVAL;
		struct statfs sf;
		const char *why = e == EINVAL && fstatfs(fd, &sf) == 0
				      ? img_idmap_refused_hint((unsigned long)sf.f_type)
				      : NULL;
		if (why) /* the file system takes no idmapping */
			return berr_plain(err, e, "idmap '%s': %s", path, why);
		return berr_set(err, e, "idmap '%s'", path);
	}
	if (mkdirat(scratchfd, name, 0700) < 0 && errno != EEXIST)
		return berr_set(err, errno, "create idmap mount point '%s'", name);
	if (syscall(SYS_move_mount, fd, "", scratchfd, name, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return berr_set(err, errno, "attach idmapped '%s'", path);
	return 0;
}

/* Detach and remove what attach_idmapped put under scratch. */
static void detach_all(int scratchfd, const char *scratch, size_t n)
{
	for (size_t i = 0; i <= n; i++) {
		char name[24];
		snprintf(name, sizeof(name), i == n ? "u" : "%zu", i);
		autofree char *p = xasprintf("%s/%s", scratch, name);
		(void)umount2(p, MNT_DETACH);
		(void)unlinkat(scratchfd, name, AT_REMOVEDIR);
	}
}

/* mount(2) as the container's root: overlayfs does its work in the upper layer with the
 * mounter's credentials, and an idmapped upper only takes ids its mapping holds (creating
 * work/work as 0 fails with EOVERFLOW). */
static int mount_as(int dirfd, const char *opts, const char *target, uid_t uid, gid_t gid,
		    struct berr **err)
{
	struct idshift_creds c;
	int r = idshift_fs_enter(uid, gid, &c, err);
	if (r < 0)
		return r;
	r = mount_from(dirfd, opts, false, target, err);
	idshift_fs_leave(&c);
	return r;
}

/* Layer i idmapped at scratchfd/name or, where its file system refuses that and map is given,
 * its copy with the owners shifted (image/layer_chown.h, podman's answer there). */
static int attach_layer(struct img_store *s, const char *chain, int userns_fd,
			const struct idshift *map, int scratchfd, const char *name,
			struct berr **err)
{
	autofree char *dir = layer_dir(chain, err);
	if (!dir)
		return berr_ret(err);
	autofree char *diff = xasprintf("%s/diff", dir);
	bool refused = false;
	int r = attach_idmapped(s->dirfd, diff, userns_fd, scratchfd, name, &refused, err);
	if (r == 0 || !refused || !map)
		return r;
	autofree char *copy = NULL;
	bool made = false;
	struct berr *why = NULL;
	r = img_layer_chown_get(s, chain, map, &copy, &made, &why);
	autofree char *refusal = berr_string(*err);
	berr_clear(err);
	if (r < 0) { /* the refusal stays the first thing said, the copy's failure after it */
		*err = why;
		return berr_wrap(err, "%s, and a copy chowned to the container's ids failed",
				 refusal);
	}
	if (made)
		log_warn("layer %.12s: its file system takes no idmapped mount, using a copy "
			 "chowned to the container's ids",
			 chain + 7);
	return attach_idmapped(s->dirfd, copy, -1, scratchfd, name, NULL, err);
}

int img_snapshot_mount_idmapped(struct img_store *s, char *const *chains, size_t n,
				const char *upper_parent, int userns_fd, const struct idshift *map,
				uid_t uid, gid_t gid, const char *scratch, const char *target,
				struct berr **err)
{
	int r = check_chains(s, chains, n, err);
	if (r < 0)
		return r;
	if (mkdir(scratch, 0700) < 0 && errno != EEXIST)
		return berr_set(err, errno, "create '%s'", scratch);
	autoclose int scratchfd = open(scratch, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (scratchfd < 0)
		return berr_set(err, errno, "open '%s'", scratch);
	detach_all(scratchfd, scratch, n); /* what a killed monitor may have left */
	size_t cap = 64 + n * 12;
	autofree char *opts = xmalloc(cap);
	size_t len = (size_t)snprintf(opts, cap, "lowerdir=");
	/* a volatile mount of the same upper (the plain one that filled the volumes of a --rm
	 * container) left its mark in the work dir, which overlayfs refuses */
	autofree char *work = xasprintf("%s/work", upper_parent);
	r = volatile_prepare(work, false, err);
	/* the upper first: where it is refused too, no layer is copied for nothing */
	if (r == 0)
		r = attach_idmapped(AT_FDCWD, upper_parent, userns_fd, scratchfd, "u", NULL, err);
	for (size_t i = 0; r == 0 && i < n; i++) {
		char name[24];
		snprintf(name, sizeof(name), "%zu", i);
		r = attach_layer(s, chains[i], userns_fd, map, scratchfd, name, err);
		/* overlayfs lists the top layer first */
		len += (size_t)snprintf(opts + len, cap - len, "%zu%s", n - 1 - i,
					i + 1 < n ? ":" : "");
	}
	if (r == 0) {
		snprintf(opts + len, cap - len, ",upperdir=u/diff,workdir=u/work");
		r = mount_as(scratchfd, opts, target, uid, gid, err);
	}
	/* the overlay holds private clones of its layers: ours can go at once */
	detach_all(scratchfd, scratch, n);
	(void)rmdir(scratch);
	return r < 0 ? r : 0;
}

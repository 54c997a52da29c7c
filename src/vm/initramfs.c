/* The guest's initramfs (see initramfs.h). */
#include "vm/initramfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"
#include "vm/cpio.h"

#define MODULES_DEP_MAX (8 << 20)
#define MODULE_MAX      (64 << 20)
#define ORDER_MAX       64

/* virtio_balloon last: a VM's memory given back (vm/qemu.c), the init sets its reporting */
const char *const vm_modules_wanted[] = {"virtio_mmio", "virtio_console", "virtiofs",
					 "virtio_net",  "virtio_balloon", NULL};
/* virtio over PCI first: the rest probe their devices as they load. A clone's root may be a
 * read-only ext4 disk (ext4 is built in) under a tmpfs overlay: virtio_blk, overlay. */
const char *const vm_modules_wanted_pci[] = {
    "virtio_pci", "virtio_console", "virtiofs",       "virtio_net",
    "virtio_blk", "overlay",        "virtio_balloon", NULL};

/* The modules.dep line of module name ("virtio_mmio" matches ".../virtio_mmio.ko:"). */
static const char *dep_line(const char *dep, const char *name, size_t *out_len)
{
	size_t nl = strlen(name);
	for (const char *line = dep; *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		const char *colon = memchr(line, ':', len);
		if (colon) {
			const char *base = colon;
			while (base > line && base[-1] != '/')
				base--;
			size_t blen = (size_t)(colon - base);
			/* "name.ko" (also the compressed "name.ko.xz" ends there) */
			if (blen > nl + 2 && !strncmp(base, name, nl) &&
			    !strncmp(base + nl, ".ko", 3)) {
				*out_len = len;
				return line;
			}
		}
		line = end ? end + 1 : line + len;
	}
	return NULL;
}

static bool listed(char **v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

/* Add path (a modules.dep path) after what it needs. */
static int add_path(const char *dep, const char *path, char **out, size_t *n, int depth,
		    struct berr **err)
{
	if (depth > 16)
		return berr_plain(err, ELOOP, "modules.dep: dependencies nested too deep");
	if (listed(out, *n, path))
		return 0;
	/* the line of this path */
	size_t plen = strlen(path);
	const char *line = dep;
	while (line && *line && !(strncmp(line, path, plen) == 0 && line[plen] == ':')) {
		line = strchr(line, '\n');
		line = line ? line + 1 : NULL;
	}
	if (!line || !*line)
		return berr_plain(err, ENOENT, "modules.dep has no '%s'", path);
	const char *end = strchr(line, '\n');
	autofree char *deps = xstrndup(line + plen + 1, end ? (size_t)(end - line - plen - 1)
							    : strlen(line + plen + 1));
	/* modules.dep lists a module's dependencies deepest last: load them first, reversed */
	char *items[ORDER_MAX];
	size_t k = 0;
	for (char *save = NULL, *t = strtok_r(deps, " \t", &save); t && k < ORDER_MAX;
	     t = strtok_r(NULL, " \t", &save))
		items[k++] = t;
	for (size_t i = k; i-- > 0;) {
		int r = add_path(dep, items[i], out, n, depth + 1, err);
		if (r < 0)
			return r;
	}
	if (*n >= ORDER_MAX)
		return berr_plain(err, E2BIG, "more than %d modules", ORDER_MAX);
	out[(*n)++] = xstrdup(path);
	return 0;
}

char **vm_modules_order(const char *modules_dep, const char *const *wanted, struct berr **err)
{
	char **out = xcalloc(ORDER_MAX + 1, sizeof(char *));
	size_t n = 0;
	for (const char *const *w = wanted; *w; w++) {
		size_t len = 0;
		const char *line = dep_line(modules_dep, *w, &len);
		if (!line) {
			strv_free(out);
			berr_plain(
			    err, ENOENT,
			    "the guest kernel has no module %s (modules.dep): is it built in?", *w);
			return NULL;
		}
		autofree char *path =
		    xstrndup(line, (size_t)((const char *)memchr(line, ':', len) - line));
		if (add_path(modules_dep, path, out, &n, 0, err) < 0) {
			strv_free(out);
			return NULL;
		}
	}
	return out;
}

static int add_file(struct vm_cpio *c, const char *name, const char *path, mode_t mode, size_t max,
		    struct berr **err)
{
	autofree char *data = NULL;
	size_t len = 0;
	int r = fs_read_file(AT_FDCWD, path, max, &data, &len, err);
	if (r < 0)
		return r;
	vm_cpio_file(c, name, mode, data, len);
	return 0;
}

/* The key of a base archive: the init's and the modules' identity (size and time), and which
 * modules. */
static void base_key(const char *init_path, const char *modules_dir, const char *const *mods,
		     char out[65])
{
	struct stat a = {0}, b = {0};
	(void)stat(init_path, &a);
	autofree char *dep = xasprintf("%s/modules.dep", modules_dir);
	(void)stat(dep, &b);
	char wanted[256] = "";
	for (const char *const *m = mods; *m; m++)
		snprintf(wanted + strlen(wanted), sizeof(wanted) - strlen(wanted), " %s", *m);
	autofree char *id = xasprintf("%s %lld %lld %s %lld %lld%s", init_path,
				      (long long)a.st_size, (long long)a.st_mtime, modules_dir,
				      (long long)b.st_size, (long long)b.st_mtime, wanted);
	sha256_hex(id, strlen(id), out);
}

char *vm_initramfs_base(const char *cache_dir, const char *init_path, const char *modules_dir,
			const char *const *wanted, struct berr **err)
{
	char key[65];
	base_key(init_path, modules_dir, wanted, key);
	char *path = xasprintf("%s/initramfs-%.16s.cpio", cache_dir, key);
	if (access(path, R_OK) == 0)
		return path;
	autofree char *deppath = xasprintf("%s/modules.dep", modules_dir);
	autofree char *dep = NULL;
	size_t dlen = 0;
	char **order = NULL;
	struct vm_cpio c = {0};
	int r = fs_read_file(AT_FDCWD, deppath, MODULES_DEP_MAX, &dep, &dlen, err);
	if (r == 0 && !(order = vm_modules_order(dep, wanted, err)))
		r = berr_ret(err);
	static const char *const dirs[] = {"dev",         "proc", "sys",         "rootfs", "berth",
					   "berth/files", "lib",  "lib/modules", NULL};
	for (const char *const *d = dirs; r == 0 && *d; d++)
		vm_cpio_dir(&c, *d, 0755);
	if (r == 0)
		r = add_file(&c, "init", init_path, 0755, 16 << 20, err);
	autofree char *list = xstrdup("");
	for (size_t i = 0; r == 0 && order[i]; i++) {
		const char *base = strrchr(order[i], '/') ? strrchr(order[i], '/') + 1 : order[i];
		if (strcmp(base + strlen(base) - 3, ".ko")) {
			r = berr_plain(err, ENOTSUP, "compressed module %s is not supported",
				       order[i]);
			break;
		}
		autofree char *src = xasprintf("%s/%s", modules_dir, order[i]);
		autofree char *dst = xasprintf("lib/modules/%s", base);
		r = add_file(&c, dst, src, 0644, MODULE_MAX, err);
		char *next = xasprintf("%s/lib/modules/%s\n", list, base);
		free(list);
		list = next;
	}
	if (r == 0) {
		vm_cpio_file(&c, "modules", 0644, list, strlen(list));
		vm_cpio_trailer(&c);
		r = fs_mkdir_p(cache_dir, 0700, err) < 0
			? -EIO
			: fs_write_file_atomic(path, c.data, c.len, 0600, err);
	}
	vm_cpio_free(&c);
	strv_free(order);
	if (r < 0) {
		free(path);
		return NULL;
	}
	return path;
}

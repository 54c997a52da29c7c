/* A container's root as a read-only ext4 image (see rootimg.h). */
#include "vm/rootimg.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/log.h"
#include "util/spawn.h"
#include "util/xalloc.h"

struct tally {
	struct sha256 h;
	uint64_t entries, bytes;
};

/* Every entry below dir (rel its path) into the digest and the size, without following
 * links; 0, or -E2BIG past the bound, or -errno. */
static int walk(struct tally *t, int dir, const char *rel, int depth)
{
	if (depth > 256)
		return -ELOOP;
	autoclosedir DIR *d = fdopendir(dup(dir));
	if (!d)
		return -errno;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (++t->entries > VM_ROOTIMG_ENTRIES_MAX)
			return -E2BIG;
		struct stat st;
		if (fstatat(dir, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return -errno;
		char target[4096] = "";
		if (S_ISLNK(st.st_mode)) {
			ssize_t k = readlinkat(dir, de->d_name, target, sizeof(target) - 1);
			target[k > 0 ? k : 0] = '\0';
		}
		autofree char *path = xasprintf("%s/%s", rel, de->d_name);
		autofree char *line = xasprintf(
		    "%s\t%o %u %u %lld %lld.%09ld %lld.%09ld %llx\t%s\n", path, st.st_mode,
		    st.st_uid, st.st_gid, (long long)st.st_size, (long long)st.st_mtim.tv_sec,
		    st.st_mtim.tv_nsec, (long long)st.st_ctim.tv_sec, st.st_ctim.tv_nsec,
		    (unsigned long long)st.st_rdev, target);
		sha256_update(&t->h, line, strlen(line));
		t->bytes += ((uint64_t)st.st_size + 4095) & ~(uint64_t)4095;
		if (!S_ISDIR(st.st_mode))
			continue;
		autoclose int sub =
		    openat(dir, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			return -errno;
		int r = walk(t, sub, path, depth + 1);
		if (r < 0)
			return r;
	}
	return 0;
}

static int make(const char *root, const char *tmp, const struct tally *t, struct berr **err)
{
	/* the files' blocks, their inodes' and directories' room, and slack */
	uint64_t kib = (t->bytes + t->entries * 4096) / 1024 * 5 / 4 + 16384;
	char size[32], inodes[32];
	snprintf(size, sizeof(size), "%lluk", (unsigned long long)kib);
	snprintf(inodes, sizeof(inodes), "%llu", (unsigned long long)(t->entries + 1024));
	const char *mkfs = access("/usr/sbin/mkfs.ext4", X_OK) == 0 ? "/usr/sbin/mkfs.ext4"
			   : access("/sbin/mkfs.ext4", X_OK) == 0   ? "/sbin/mkfs.ext4"
								    : "mkfs.ext4";
	/* no journal: the guest mounts it read-only */
	const char *argv[] = {mkfs, "-q",   "-F", "-t",           "ext4", "-b", "4096", "-m", "0",
			      "-N", inodes, "-O", "^has_journal", "-d",   root, tmp,    size, NULL};
	struct spawn_opts o = {.argv = argv, .timeout_ms = 300000};
	struct spawn_result res;
	int r = spawn_run(&o, &res, err);
	spawn_result_free(&res);
	return r < 0
		   ? berr_wrap(err, "make the root image of '%s' (mkfs.ext4 from e2fsprogs)", root)
		   : 0;
}

char *vm_rootimg_get(const char *cache_dir, const char *root, struct berr **err)
{
	struct tally t = {0};
	sha256_init(&t.h);
	autoclose int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat st;
	int r = fd < 0 || fstat(fd, &st) < 0 ? -errno : walk(&t, fd, "", 0);
	if (r < 0) {
		berr_set(err, -r, "read the root '%s'", root);
		return NULL;
	}
	char head[96];
	snprintf(head, sizeof(head), "/\t%o %u %u\n", st.st_mode, st.st_uid, st.st_gid);
	sha256_update(&t.h, head, strlen(head));
	uint8_t sum[SHA256_LEN];
	sha256_final(&t.h, sum);
	char key[17];
	for (int i = 0; i < 8; i++)
		snprintf(key + 2 * i, 3, "%02x", sum[i]);
	char *path = xasprintf("%s/rootimg-%s.ext4", cache_dir, key);
	/* its time is when it was last used: what prune_unused and `system prune --filter
	 * until` go by */
	if (utimensat(AT_FDCWD, path, NULL, 0) == 0)
		return path;
	autofree char *tmp = xasprintf("%s/rootimg-%s.ext4.tmp-%d", cache_dir, key, getpid());
	(void)mkdir(cache_dir, 0700);
	if (make(root, tmp, &t, err) < 0 || rename(tmp, path) < 0) {
		if (err && !*err)
			berr_set(err, errno, "rename '%s'", tmp);
		(void)unlink(tmp);
		free(path);
		return NULL;
	}
	log_debug("VM root image '%s' made: %llu entries", path, (unsigned long long)t.entries);
	/* the roots of containers since removed or changed: none restores them again */
	int n = 0;
	int64_t bytes = 0;
	vm_rootimg_prune(cache_dir, ((int64_t)time(NULL) - VM_ROOTIMG_KEEP_S) * 1000000000, &n,
			 &bytes);
	return path;
}

void vm_rootimg_prune(const char *cache_dir, int64_t until_ns, int *count, int64_t *bytes)
{
	autoclosedir DIR *d = opendir(cache_dir);
	struct dirent *de;
	struct stat st;
	while (d && (de = readdir(d))) {
		if (strncmp(de->d_name, "rootimg-", 8) ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (until_ns && (int64_t)st.st_mtime * 1000000000 >= until_ns)
			continue;
		/* one being made now (its maker renames it when mkfs is done) */
		if (strstr(de->d_name, ".tmp-") && st.st_mtime > time(NULL) - 3600)
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) == 0) {
			(*count)++;
			*bytes += (int64_t)st.st_blocks * 512;
		}
	}
}

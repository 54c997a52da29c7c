/* libFuzzer: layer tars (any compression) applied into a directory. Besides not crashing, the
 * applier must never create anything outside the layer directory. The oracle: the harness
 * runs in a mount namespace of its own, chrooted into a fresh tmpfs (the room) that holds
 * only /layer, a read-only /proc (the applier chmods O_PATH fds through /proc/self/fd) and
 * the corpus directories and inputs libFuzzer was given, bound at their own paths (it reads
 * and writes them after the start). Wherever an escape would write (a "../" run past the top, an
 * absolute link followed, a hard link to a host file) lands in the room; each run checks that
 * the room holds nothing else, and aborts (a finding) if it does. Without the privilege to
 * make the room (not root) it falls back to watching the directory around the layer, which
 * sees only a one-level escape. A finding's input is in libFuzzer's log (its Base64 line):
 * an artifact written in the room goes with it. */
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/layer.h"
#include "util/err.h"
#include "util/fs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char base[64];   /* the room around the layer: "/" once chrooted */
static char *binds[16]; /* the corpus directories bound into the room */
static size_t n_binds;

/* Whether path is a bind point or a directory on the way to one. */
static bool on_a_bind_path(const char *path)
{
	size_t n = strlen(path);
	for (size_t i = 0; i < n_binds; i++)
		if (!strncmp(binds[i], path, n) && (binds[i][n] == '/' || !binds[i][n]))
			return true;
	return false;
}

static bool is_bind(const char *path)
{
	for (size_t i = 0; i < n_binds; i++)
		if (!strcmp(binds[i], path))
			return true;
	return false;
}

/* dir holds nothing but the layer, /proc and the ways to the binds; recursive along those */
static void only_layer_in(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		abort();
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", strcmp(dir, "/") ? dir : "", de->d_name);
		bool top = !strcmp(dir, base);
		if (top && (!strcmp(de->d_name, "layer") || !strcmp(de->d_name, "proc")))
			continue;
		if (!strcmp(base, "/") && on_a_bind_path(path)) {
			if (!is_bind(path))
				only_layer_in(path);
			continue;
		}
		fprintf(stderr, "fuzz_layer: '%s' appeared outside the layer\n", path);
		abort();
	}
	closedir(d);
}

static void apply(const char *dir, const uint8_t *data, size_t size)
{
	int rootfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int in = memfd_create("fuzz", MFD_CLOEXEC);
	if (rootfd < 0 || in < 0 || write(in, data, size) != (ssize_t)size ||
	    lseek(in, 0, SEEK_SET) != 0)
		abort();
	struct berr *err = NULL;
	(void)img_layer_apply(rootfd, in, NULL, &err);
	berr_free(err);
	close(in);
	close(rootfd);
}

static void bind_into_room(const char *dir, const char *path, bool is_dir)
{
	char at[4096];
	snprintf(at, sizeof(at), "%s%s", dir, path);
	char *slash = strrchr(at, '/');
	*slash = '\0';
	if (fs_mkdir_p(at, 0755, NULL) < 0)
		abort();
	*slash = '/';
	int made = is_dir ? mkdir(at, 0755) : close(open(at, O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
	if (made < 0 || mount(path, at, NULL, MS_BIND | MS_REC, NULL) < 0)
		abort();
	binds[n_binds++] = strdup(path);
}

/* The room described above; false when this process may not make it. */
static bool enter_room(const char *dir, int argc, char **argv)
{
	if (unshare(CLONE_NEWNS) < 0)
		return false;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		abort();
	char *real[16];
	bool is_dir[16];
	size_t n = 0;
	for (int i = 1; i < argc && n < 16; i++) { /* corpus directories and inputs to run */
		struct stat st;
		char *r = argv[i][0] != '-' ? realpath(argv[i], NULL) : NULL;
		if (r && stat(r, &st) == 0 && (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode))) {
			is_dir[n] = S_ISDIR(st.st_mode);
			real[n++] = r;
		} else {
			free(r);
		}
	}
	if (mount("tmpfs", dir, "tmpfs", 0, "mode=0755") < 0)
		abort();
	for (size_t i = 0; i < n; i++) {
		bind_into_room(dir, real[i], is_dir[i]);
		free(real[i]);
	}
	char proc[96];
	snprintf(proc, sizeof(proc), "%s/proc", dir);
	if (mkdir(proc, 0555) < 0 || mount("/proc", proc, NULL, MS_BIND | MS_REC, NULL) < 0 ||
	    mount(NULL, proc, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0 || chdir(dir) < 0 ||
	    chroot(".") < 0 || chdir("/") < 0)
		abort();
	return true;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	snprintf(base, sizeof(base), "/tmp/berth-fuzz-layer.XXXXXX");
	if (!mkdtemp(base))
		abort();
	/* libarchive is opened at its first use (util/dlib.h): before the room, which has no
	 * /usr/lib */
	apply(base, (const uint8_t *)"", 0);
	if (enter_room(base, *argc, *argv))
		strcpy(base, "/");
	else
		fprintf(stderr, "fuzz_layer: no mount namespace (not root?): the oracle sees only "
				"the directory around the layer\n");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char layer[96];
	snprintf(layer, sizeof(layer), "%s/layer", strcmp(base, "/") ? base : "");
	(void)fs_rm_rf(AT_FDCWD, layer, NULL);
	if (mkdir(layer, 0755) < 0)
		abort();
	apply(layer, data, size);
	only_layer_in(base);
	return 0;
}

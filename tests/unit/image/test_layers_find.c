/* img_layers_find: a path in an image's layers as overlayfs would show it, read from the
 * unpacked layers (issue #20: whether an image has systemd); img_layers_open reads it (issue
 * #22: the ids a rootless --userns auto needs). */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cmocka.h>
// clang-format on

#include "image/layers_find.h"
#include "image/store.h"
#include "util/err.h"
#include "util/fs.h"

#define L1 "1111111111111111111111111111111111111111111111111111111111111111"
#define L2 "2222222222222222222222222222222222222222222222222222222222222222"

struct fixture {
	char dir[64];
	struct img_store s;
};

static void put(struct fixture *f, const char *layer, const char *path, const char *kind)
{
	char p[512], cmd[700];
	snprintf(p, sizeof(p), "%s/layers/%s/diff/%s", f->dir, layer, path);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", p);
	assert_int_equal(system(cmd), 0);
	if (!strcmp(kind, "file"))
		assert_int_equal(close(open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0755)), 0);
	else if (!strcmp(kind, "dir"))
		assert_int_equal(mkdir(p, 0755), 0);
	else
		assert_int_equal(symlink(kind, p), 0);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	strcpy(f->dir, "/tmp/berth-layers-find.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	put(f, L1, "usr/lib/systemd/systemd", "file");
	put(f, L1, "lib", "usr/lib");
	put(f, L1, "etc/a/b", "file");
	put(f, L2, "usr/bin/x", "file");
	f->s.root = f->dir;
	f->s.dirfd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	close(f->s.dirfd);
	(void)fs_rm_rf(AT_FDCWD, f->dir, NULL);
	free(f);
	return 0;
}

static int find(struct fixture *f, const char *path)
{
	json_t *chains = json_pack("[s, s]", "sha256:" L1, "sha256:" L2);
	int r = img_layers_find(&f->s, chains, path, NULL);
	json_decref(chains);
	return r;
}

static void lower_layer_seen(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(find(f, "usr/lib/systemd/systemd"), 1);
	assert_int_equal(find(f, "usr/bin/x"), 1);
	assert_int_equal(find(f, "usr/lib/systemd/nothing"), 0);
	/* a link is found as itself, never followed on the way */
	assert_int_equal(find(f, "lib"), 1);
	assert_int_equal(find(f, "lib/systemd/systemd"), 0);
}

static void upper_hides(void **state)
{
	struct fixture *f = *state;
	/* a file where a directory was */
	put(f, L2, "etc/a", "file");
	assert_int_equal(find(f, "etc/a/b"), 0);
	/* a whiteout (a character device 0:0: needs CAP_MKNOD) and an opaque directory (a
	 * trusted xattr: needs CAP_SYS_ADMIN) */
	char p[512];
	snprintf(p, sizeof(p), "%s/layers/" L2 "/diff/usr/lib", f->dir);
	assert_int_equal(mkdir(p, 0755), 0);
	if (setxattr(p, "trusted.overlay.opaque", "y", 1, 0) == 0)
		assert_int_equal(find(f, "usr/lib/systemd/systemd"), 0);
	(void)removexattr(p, "trusted.overlay.opaque");
	assert_int_equal(find(f, "usr/lib/systemd/systemd"), 1);
	snprintf(p, sizeof(p), "%s/layers/" L2 "/diff/usr/lib/systemd", f->dir);
	if (mknod(p, S_IFCHR | 0, makedev(0, 0)) == 0)
		assert_int_equal(find(f, "usr/lib/systemd/systemd"), 0);
}

/* img_layers_open: the topmost layer's file, to read; no file or a link there is ENOENT */
static void open_reads_top(void **state)
{
	struct fixture *f = *state;
	char p[512];
	const char *texts[] = {L1 ":one", L2 ":two"};
	for (size_t i = 0; i < 2; i++) {
		snprintf(p, sizeof(p), "%s/layers/%.64s/diff/etc/passwd", f->dir, texts[i]);
		put(f, i ? L2 : L1, "etc/passwd", "file");
		FILE *fp = fopen(p, "we");
		assert_non_null(fp);
		fputs(texts[i] + 65, fp);
		fclose(fp);
	}
	json_t *chains = json_pack("[s, s]", "sha256:" L1, "sha256:" L2);
	struct berr *err = NULL;
	int fd = img_layers_open(&f->s, chains, "etc/passwd", &err);
	assert_true(fd >= 0);
	char buf[8] = "";
	assert_int_equal(read(fd, buf, sizeof(buf) - 1), 3);
	assert_string_equal(buf, "two");
	close(fd);
	assert_int_equal(img_layers_open(&f->s, chains, "etc/none", &err), -ENOENT);
	berr_free(err);
	err = NULL;
	assert_int_equal(img_layers_open(&f->s, chains, "lib", &err), -ENOENT);
	berr_free(err);
	json_decref(chains);
}

static void bad_input(void **state)
{
	struct fixture *f = *state;
	struct berr *err = NULL;
	json_t *chains = json_pack("[s]", "sha256:" L1);
	assert_int_equal(img_layers_find(&f->s, chains, "/usr", &err), -EINVAL);
	berr_free(err);
	err = NULL;
	assert_int_equal(img_layers_find(&f->s, chains, "usr/../etc", &err), -EINVAL);
	berr_free(err);
	err = NULL;
	json_decref(chains);
	chains = json_pack("[s]", "sha256:../x");
	assert_int_equal(img_layers_find(&f->s, chains, "usr", &err), -EINVAL);
	berr_free(err);
	err = NULL;
	json_decref(chains);
	/* a layer that is not there */
	chains = json_pack("[s]", "sha256:3333");
	assert_true(img_layers_find(&f->s, chains, "usr", &err) < 0);
	berr_free(err);
	json_decref(chains);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(lower_layer_seen, setup, teardown),
	    cmocka_unit_test_setup_teardown(upper_hides, setup, teardown),
	    cmocka_unit_test_setup_teardown(open_reads_top, setup, teardown),
	    cmocka_unit_test_setup_teardown(bad_input, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

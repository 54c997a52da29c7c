/* COPY and ADD (build/copy.c) from a context or a stage into a destination root, all in a
 * temporary directory: the directory contents rule, trailing slashes, wildcards, ignore and
 * --exclude, links, --chown, --chmod, --parents, ADD's archives, a destination path through
 * links in the destination root, and the content checksum. As root (CI) owners are checked;
 * otherwise the context's root owner is mapped to the caller and owner checks are skipped. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
// clang-format on

#include "build/context.h"
#include "build/copy.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/idshift.h"

static char base[64];
static int dstfd = -1;
static struct idshift_range uids, gids;
static struct idshift ids = {.uid = &uids, .gid = &gids, .n_uid = 1, .n_gid = 1};
static bool root;

static char *at(const char *rel)
{
	static char p[4][PATH_MAX];
	static int i;
	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s", base, rel);
	return p[i];
}

static void put_mode(const char *rel, const char *text, mode_t mode)
{
	assert_int_equal(fs_write_file(AT_FDCWD, at(rel), text, strlen(text), mode, NULL), 0);
	assert_int_equal(chmod(at(rel), mode), 0);
}

static void put(const char *rel, const char *text)
{
	put_mode(rel, text, 0644);
}

static void dir(const char *rel)
{
	assert_int_equal(mkdir(at(rel), 0755), 0);
}

static char *get(const char *rel)
{
	static char buf[4][256];
	static int i;
	i = (i + 1) % 4;
	char *data = NULL;
	size_t len = 0;
	if (fs_read_file(AT_FDCWD, at(rel), 255, &data, &len, NULL) < 0)
		return NULL;
	snprintf(buf[i], sizeof(buf[i]), "%s", data);
	free(data);
	return buf[i];
}

static struct stat lst(const char *rel)
{
	struct stat st;
	if (lstat(at(rel), &st) < 0)
		fail_msg("lstat %s: %s", rel, strerror(errno));
	return st;
}

static bool exists(const char *rel)
{
	struct stat st;
	return lstat(at(rel), &st) == 0;
}

static int setup(void **state)
{
	snprintf(base, sizeof(base), "/tmp/berth-unit-copy.XXXXXX");
	assert_non_null(mkdtemp(base));
	dir("ctx");
	dir("dst");
	dir("stage");
	dir("tmp");
	dstfd = open(at("dst"), O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(dstfd >= 0);
	root = geteuid() == 0;
	uids = (struct idshift_range){0, geteuid(), 1};
	gids = (struct idshift_range){0, getegid(), 1};
	return 0;
}

static int teardown(void **state)
{
	close(dstfd);
	(void)fs_rm_rf(AT_FDCWD, base, NULL);
	return 0;
}

/* One COPY/ADD: from the context (from NULL) or the directory from, into dst/. The error
 * message, or NULL. */
static char *run_opts(const char *from, struct bld_copy_opts *o, char *out_digest)
{
	static char msg[1024];
	struct bld_context *ctx = NULL;
	struct bld_root src = {0};
	struct berr *err = NULL;
	int fd = -1;
	if (!from) {
		assert_int_equal(bld_context_open(AT_FDCWD, at("ctx"), NULL, &ctx, NULL), 0);
		bld_context_root(ctx, &src);
	} else {
		fd = open(at(from), O_PATH | O_DIRECTORY | O_CLOEXEC);
		src.fd = fd;
	}
	struct bld_copy_plan *p = NULL;
	struct bld_copy_env env = {.ids = root || from ? NULL : &ids, .tmpdir = at("tmp")};
	int r = bld_copy_plan(&src, o, &p, &err);
	char digest[BLD_COPY_DIGEST_LEN + 1];
	if (r == 0)
		r = bld_copy_checksum(p, digest, &err);
	if (r == 0 && out_digest)
		strcpy(out_digest, digest);
	if (r == 0 && !out_digest)
		r = bld_copy_apply(p, dstfd, &env, &err);
	bld_copy_plan_free(p);
	bld_context_free(ctx);
	if (fd >= 0)
		close(fd);
	if (r == 0)
		return NULL;
	char *s = berr_string(err);
	snprintf(msg, sizeof(msg), "%s", s);
	free(s);
	berr_free(err);
	return msg;
}

static char *run_copy(const char *src, const char *dest)
{
	char *srcs[] = {(char *)src};
	struct bld_copy_opts o = {.srcs = srcs, .n_srcs = 1, .dest = dest, .workdir = "/work"};
	return run_opts(NULL, &o, NULL);
}

static void context_tree(void)
{
	put("ctx/a.txt", "a");
	put("ctx/b.txt", "b");
	dir("ctx/app");
	put("ctx/app/main.c", "main");
	dir("ctx/app/lib");
	put_mode("ctx/app/lib/run.sh", "#!/bin/sh", 0750);
	assert_int_equal(symlink("run.sh", at("ctx/app/lib/link")), 0);
}

static void directory_contents_rule(void **state)
{
	context_tree();
	assert_null(run_copy("app", "/srv"));
	assert_string_equal(get("dst/srv/main.c"), "main");
	assert_string_equal(get("dst/srv/lib/run.sh"), "#!/bin/sh");
	assert_false(exists("dst/srv/app"));
	/* into an existing directory: merged, still the contents */
	assert_null(run_copy("app/", "/srv/"));
	assert_false(exists("dst/srv/app"));
	/* the context root */
	assert_null(run_copy(".", "/all/"));
	assert_string_equal(get("dst/all/app/main.c"), "main");
	assert_string_equal(get("dst/all/a.txt"), "a");
	/* made directories: 0755; modes and times of what is copied kept */
	assert_int_equal(lst("dst/all").st_mode & 07777, 0755);
	assert_int_equal(lst("dst/srv/lib/run.sh").st_mode & 07777, 0750);
	assert_int_equal(lst("dst/srv/lib/run.sh").st_mtime, lst("ctx/app/lib/run.sh").st_mtime);
	if (root)
		assert_int_equal(lst("dst/srv/main.c").st_uid, 0);
}

static void trailing_slash_rules(void **state)
{
	context_tree();
	assert_null(run_copy("a.txt", "/x"));
	assert_true(S_ISREG(lst("dst/x").st_mode));
	assert_null(run_copy("a.txt", "/y/"));
	assert_string_equal(get("dst/y/a.txt"), "a");
	assert_null(run_copy("b.txt", "/y")); /* an existing directory */
	assert_string_equal(get("dst/y/b.txt"), "b");
	assert_null(run_copy("a.txt", "rel/")); /* relative to WORKDIR */
	assert_string_equal(get("dst/work/rel/a.txt"), "a");
	assert_null(run_copy("b.txt", "."));
	assert_string_equal(get("dst/work/b.txt"), "b");
	assert_null(run_copy("b.txt", "/x")); /* a file replaces a file */
	assert_string_equal(get("dst/x"), "b");
	/* a directory onto a file, a file onto a directory */
	assert_non_null(strstr(run_copy("app", "/x"), "cannot copy to non-directory"));
	dir("dst/z");
	dir("dst/z/a.txt");
	assert_non_null(strstr(run_copy("a.txt", "/z/"), "cannot replace directory"));
}

static void several_sources(void **state)
{
	context_tree();
	char *srcs[] = {"a.txt", "b.txt"};
	struct bld_copy_opts o = {.srcs = srcs, .n_srcs = 2, .dest = "/multi"};
	assert_string_equal(run_opts(NULL, &o, NULL),
			    "when using COPY with more than one source file, the destination must "
			    "be a directory and end with a /");
	o.dest = "/multi/";
	assert_null(run_opts(NULL, &o, NULL));
	assert_string_equal(get("dst/multi/b.txt"), "b");
	o.dest = "/multi"; /* now an existing directory */
	assert_null(run_opts(NULL, &o, NULL));
	/* a wildcard */
	assert_null(run_copy("*.txt", "/w/"));
	assert_string_equal(get("dst/w/a.txt"), "a");
	assert_string_equal(get("dst/w/b.txt"), "b");
	/* one match names the file */
	assert_null(run_copy("a.*", "/one"));
	assert_string_equal(get("dst/one"), "a");
	/* none: nothing done, no error */
	assert_null(run_copy("*.none", "/none/"));
	assert_false(exists("dst/none"));
}

static void ignore_and_exclude(void **state)
{
	context_tree();
	put("ctx/.dockerignore", "b.txt\napp/lib/link\n");
	assert_string_equal(run_copy("b.txt", "/"), "\"/b.txt\": not found");
	assert_null(run_copy(".", "/i/"));
	assert_false(exists("dst/i/b.txt"));
	assert_false(exists("dst/i/app/lib/link"));
	assert_true(exists("dst/i/app/lib/run.sh"));
	char *srcs[] = {"app"}, *ex[] = {"**/*.sh"};
	struct bld_copy_opts o = {
	    .srcs = srcs, .n_srcs = 1, .dest = "/e/", .exclude = ex, .n_exclude = 1};
	assert_null(run_opts(NULL, &o, NULL));
	assert_true(exists("dst/e/main.c"));
	assert_true(exists("dst/e/lib"));
	assert_false(exists("dst/e/lib/run.sh"));
}

static void links(void **state)
{
	context_tree();
	assert_int_equal(symlink("app/lib", at("ctx/cur")), 0);
	assert_int_equal(symlink(at("ctx/a.txt"), at("ctx/abs")), 0);
	/* inside a directory: a link */
	assert_null(run_copy("app", "/l/"));
	assert_true(S_ISLNK(lst("dst/l/lib/link").st_mode));
	/* named: followed inside the context, copied under its own name */
	assert_null(run_copy("app/lib/link", "/n/"));
	assert_true(S_ISREG(lst("dst/n/link").st_mode));
	assert_string_equal(get("dst/n/link"), "#!/bin/sh");
	assert_null(run_copy("cur", "/c/"));
	assert_string_equal(get("dst/c/run.sh"), "#!/bin/sh");
	/* named, absolute: resolved with the context as the root, never the host's path */
	assert_int_equal(symlink("/app/lib/run.sh", at("ctx/absin")), 0);
	assert_null(run_copy("absin", "/a/"));
	assert_string_equal(get("dst/a/absin"), "#!/bin/sh");
	assert_non_null(strstr(run_copy("abs", "/"), "not found"));
	assert_non_null(strstr(run_copy("../ctx/a.txt", "/"), "leads outside the build context"));
}

static void fifo_refused(void **state)
{
	context_tree();
	assert_int_equal(mkfifo(at("ctx/app/pipe"), 0644), 0);
	assert_non_null(
	    strstr(run_copy("app", "/f/"), "'app/pipe' in the build context is a FIFO"));
	assert_false(exists("dst/f/main.c")); /* refused while planning: nothing written */
}

static void chown_by_name_and_number(void **state)
{
	context_tree();
	dir("dst/etc");
	put("dst/etc/passwd", "root:x:0:0::/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n");
	put("dst/etc/group", "root:x:0:\napp:x:1001:\nstaff:x:50:\n");
	char *srcs[] = {"app"};
	struct bld_copy_opts o = {.srcs = srcs, .n_srcs = 1, .dest = "/o/n/"};
	o.chown = "nobody";
	assert_string_equal(run_opts(NULL, &o, NULL),
			    "--chown 'nobody': unable to find user nobody: no matching entries in "
			    "passwd file");
	o.chown = "app:nogroup";
	assert_non_null(strstr(run_opts(NULL, &o, NULL), "unable to find group nogroup"));
	o.chown = "app:";
	assert_non_null(strstr(run_opts(NULL, &o, NULL), "invalid --chown"));
	if (!root) {
		skip(); /* chown to others needs root */
		return;
	}
	o.chown = "app";
	assert_null(run_opts(NULL, &o, NULL));
	assert_int_equal(lst("dst/o/n/lib/run.sh").st_uid, 1000);
	assert_int_equal(lst("dst/o/n/lib/run.sh").st_gid, 1001); /* its passwd group */
	assert_int_equal(lst("dst/o/n/lib/link").st_uid, 1000);
	assert_int_equal(lst("dst/o").st_uid, 1000); /* made on the way */
	o.dest = "/o/u/";
	o.chown = "42";
	assert_null(run_opts(NULL, &o, NULL));
	assert_int_equal(lst("dst/o/u/main.c").st_uid, 42);
	assert_int_equal(lst("dst/o/u/main.c").st_gid, 42); /* gid = uid */
	o.chown = "42:staff";
	assert_null(run_opts(NULL, &o, NULL));
	assert_int_equal(lst("dst/o/u/main.c").st_gid, 50);
	o.chown = "root:7";
	assert_null(run_opts(NULL, &o, NULL));
	assert_int_equal(lst("dst/o/u/main.c").st_uid, 0);
	assert_int_equal(lst("dst/o/u/main.c").st_gid, 7);
}

static void chmod_modes(void **state)
{
	static const struct {
		const char *spec;
		mode_t in, out;
	} t[] = {
	    {"755", S_IFREG | 0600, 0755},
	    {"4755", S_IFREG | 0600, 04755},
	    {"+x", S_IFREG | 0640, 0751},
	    {"u=rwX,go=rX", S_IFREG | 0600, 0644}, /* the reference's example */
	    {"u=rwX,go=rX", S_IFREG | 0700, 0755},
	    {"u=rwX,go=rX", S_IFDIR | 0700, 0755},
	    {"g=u", S_IFREG | 0640, 0660},
	    {"o=", S_IFREG | 0777, 0770},
	    {"u+s", S_IFREG | 0755, 04755},
	    {"+t", S_IFDIR | 0777, 01777},
	    {"=rw,+X", S_IFREG | 0100, 0777},
	    {"u=rw-w", S_IFREG | 0, 0400},
	    {"u+", S_IFREG | 0421, 0421},
	    {"-X", S_IFDIR | 0777, 0666}, /* the vendored fork: as -x */
	    /* tonistiigi/dchapes-mode mode_test.go TestApply, umask 0 */
	    {"=", S_IFREG | 0777, 0},
	    {"+", S_IFREG | 0421, 0421},
	    {"u+X", S_IFREG | 0001, 0101},
	    {"u+X", S_IFDIR | 0, 0100},
	    {"g+X", S_IFREG | 0, 0},
	    {"u=g", S_IFREG | 0042, 0442},
	    {"u=g-w", S_IFREG | 0722, 0022},
	    {"u=g-w", S_IFREG | 0762, 0462},
	    {"u=g-w", S_IFREG | 0772, 0572},
	    {"u+o", S_IFREG | 0021, 0121},
	    {"u+go", S_IFREG | 0021, 0321},
	    {"a=r,ug=rw,u+x", S_IFREG | 0, 0764},
	    {"o+r,g+w,a+t,g-s,u+og", S_IFREG | 0, 01624},
	    {"o+r,g+w,a+t,g-s,u+og", S_IFREG | 02100, 01724},
	    {"go-w", S_IFREG | 0777, 0755},
	    {"u=rwx,go=u-w", S_IFREG | 0, 0755},
	    {"go=", S_IFREG | 0777, 0700},
	    {"go=u-w", S_IFREG | 0670, 0644},
	    {"go=u-w", S_IFREG | 0370, 0311},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *srcs[] = {"x"};
		struct bld_copy_opts o = {
		    .srcs = srcs, .n_srcs = 0, .dest = "/", .chmod = t[i].spec};
		struct bld_root src = {.fd = dstfd};
		struct bld_copy_plan *p = NULL;
		assert_int_equal(bld_copy_plan(&src, &o, &p, NULL), 0);
		mode_t m = bld_copy_mode(p, t[i].in);
		if (m != t[i].out)
			fail_msg("%s on %o: %o, want %o", t[i].spec, t[i].in, m, t[i].out);
		bld_copy_plan_free(p);
	}
	static const char *const bad[] = {"8",  "07778", "017777", "rwx", "q+r", "u",
					  "go", "u+x,",  ",",      "",    "0x1"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct bld_copy_opts o = {.dest = "/", .chmod = bad[i]};
		struct bld_root src = {.fd = dstfd};
		struct bld_copy_plan *p = NULL;
		if (bld_copy_plan(&src, &o, &p, NULL) >= 0)
			fail_msg("--chmod=%s accepted", bad[i]);
	}
	/* applied to files and directories copied, not to links */
	context_tree();
	char *srcs[] = {"app"};
	struct bld_copy_opts o = {.srcs = srcs, .n_srcs = 1, .dest = "/m/", .chmod = "640"};
	assert_null(run_opts(NULL, &o, NULL));
	assert_int_equal(lst("dst/m/main.c").st_mode & 07777, 0640);
	assert_int_equal(lst("dst/m/lib").st_mode & 07777, 0640);
	assert_int_equal(lst("dst/m").st_mode & 07777, 0755);
	o.chmod = "u=rwX,go=rX";
	o.dest = "/s/";
	assert_null(run_opts(NULL, &o, NULL));
	assert_int_equal(lst("dst/s/lib/run.sh").st_mode & 07777, 0755);
	assert_int_equal(lst("dst/s/main.c").st_mode & 07777, 0644);
}

static void parents(void **state)
{
	context_tree();
	dir("ctx/x");
	dir("ctx/x/y");
	put("ctx/x/y/a.txt", "xa");
	put("ctx/x/y/b.md", "xb");
	char *srcs[] = {"./x/y/a.txt", "app/main.c"};
	struct bld_copy_opts o = {.srcs = srcs, .n_srcs = 2, .dest = "/p/", .parents = true};
	assert_null(run_opts(NULL, &o, NULL));
	assert_string_equal(get("dst/p/x/y/a.txt"), "xa");
	assert_string_equal(get("dst/p/app/main.c"), "main");
	assert_false(exists("dst/p/x/y/b.md"));
	assert_false(exists("dst/p/app/lib"));
	char *pivot[] = {"x/./y/*.txt"};
	o = (struct bld_copy_opts){.srcs = pivot, .n_srcs = 1, .dest = "/q/", .parents = true};
	assert_null(run_opts(NULL, &o, NULL));
	assert_string_equal(get("dst/q/y/a.txt"), "xa");
	char *missing[] = {"x/nope.txt"};
	o = (struct bld_copy_opts){.srcs = missing, .n_srcs = 1, .dest = "/r/", .parents = true};
	assert_string_equal(run_opts(NULL, &o, NULL), "\"/x/nope.txt\": not found");
}

/* A tar at rel with entries d/ (0750), d/f ("hello") and d/l -> f, through filter. */
static void make_tar(const char *rel, int filter)
{
	struct archive *a = archive_write_new();
	assert_int_equal(archive_write_add_filter(a, filter), ARCHIVE_OK);
	assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_filename(a, at(rel)), ARCHIVE_OK);
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, "d/");
	archive_entry_set_filetype(e, AE_IFDIR);
	archive_entry_set_perm(e, 0750);
	archive_entry_set_uid(e, geteuid());
	archive_entry_set_gid(e, getegid());
	assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
	archive_entry_clear(e);
	archive_entry_set_pathname(e, "d/f");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0640);
	archive_entry_set_size(e, 5);
	archive_entry_set_uid(e, geteuid());
	archive_entry_set_gid(e, getegid());
	assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
	assert_int_equal(archive_write_data(a, "hello", 5), 5);
	archive_entry_clear(e);
	archive_entry_set_pathname(e, "d/l");
	archive_entry_set_filetype(e, AE_IFLNK);
	archive_entry_set_symlink(e, "f");
	archive_entry_set_perm(e, 0777);
	archive_entry_set_uid(e, geteuid());
	archive_entry_set_gid(e, getegid());
	assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
	archive_entry_free(e);
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
}

static char *run_add(const char *src, const char *dest, bool no_unpack, const char *chown)
{
	char *srcs[] = {(char *)src};
	struct bld_copy_opts o = {.srcs = srcs,
				  .n_srcs = 1,
				  .dest = dest,
				  .add = true,
				  .no_unpack = no_unpack,
				  .chown = chown};
	return run_opts(NULL, &o, NULL);
}

static void add_archives(void **state)
{
	make_tar("ctx/t.tar.gz", ARCHIVE_FILTER_GZIP);
	make_tar("ctx/t.tar", ARCHIVE_FILTER_NONE);
	make_tar("ctx/t.tar.bz2", ARCHIVE_FILTER_BZIP2);
	make_tar("ctx/t.tar.xz", ARCHIVE_FILTER_XZ);
	put("ctx/notes.tar.gz", "not an archive\n");
	put("ctx/empty.tar", "");
	assert_null(run_add("t.tar.gz", "/gz", false, NULL)); /* a directory, slash or not */
	assert_string_equal(get("dst/gz/d/f"), "hello");
	assert_int_equal(lst("dst/gz/d").st_mode & 07777, 0750);
	assert_true(S_ISLNK(lst("dst/gz/d/l").st_mode));
	assert_null(run_add("t.tar", "/plain/", false, NULL));
	assert_string_equal(get("dst/plain/d/f"), "hello");
	assert_null(run_add("t.tar.bz2", "/bz2/", false, NULL));
	assert_string_equal(get("dst/bz2/d/f"), "hello");
	assert_null(run_add("t.tar.xz", "/xz/", false, NULL));
	assert_string_equal(get("dst/xz/d/f"), "hello");
	/* not archives, whatever the name: copied */
	assert_null(run_add("notes.tar.gz", "/n/", false, NULL));
	assert_string_equal(get("dst/n/notes.tar.gz"), "not an archive\n");
	assert_null(run_add("empty.tar", "/n/", false, NULL));
	assert_true(S_ISREG(lst("dst/n/empty.tar").st_mode));
	/* --unpack=false; COPY never unpacks */
	assert_null(run_add("t.tar.gz", "/k/", true, NULL));
	assert_true(S_ISREG(lst("dst/k/t.tar.gz").st_mode));
	assert_null(run_copy("t.tar", "/c/"));
	assert_true(S_ISREG(lst("dst/c/t.tar").st_mode));
	/* --chown owns what the archive holds */
	assert_null(run_add("t.tar.gz", "/o/", false, "4242:4343"));
	assert_string_equal(get("dst/o/d/f"), "hello");
	if (root) {
		assert_int_equal(lst("dst/o/d/f").st_uid, 4242);
		assert_int_equal(lst("dst/o/d/l").st_gid, 4343);
		assert_int_equal(lst("dst/o/d").st_uid, 4242);
	}
	assert_int_equal(lst("dst/o/d/f").st_mode & 07777, 0640);
}

/* The destination root is an image: links in it resolve inside it, never out of it. */
static void destination_links_stay_inside(void **state)
{
	context_tree();
	put("victim", "host file");
	assert_int_equal(symlink("/real", at("dst/abs")), 0);
	assert_int_equal(symlink("../../../../..", at("dst/up")), 0);
	assert_int_equal(symlink(at("victim"), at("dst/out")), 0);
	assert_null(run_copy("a.txt", "/abs/"));
	assert_string_equal(get("dst/real/a.txt"), "a");
	assert_null(run_copy("a.txt", "/up/tmp/"));
	assert_string_equal(get("dst/tmp/a.txt"), "a");
	assert_null(run_copy("app", "/up/srv"));
	assert_string_equal(get("dst/srv/main.c"), "main");
	/* a link as the file to write: replaced in the root, the host file untouched */
	assert_null(run_copy("b.txt", "/out"));
	assert_string_equal(get("victim"), "host file");
	assert_string_equal(get("dst/out"), "b");
}

/* From another stage: owners and special files kept. */
static void from_stage(void **state)
{
	dir("stage/usr");
	put("stage/usr/tool", "bin");
	assert_int_equal(mkfifo(at("stage/usr/fifo"), 0640), 0);
	if (root)
		assert_int_equal(chown(at("stage/usr/tool"), 123, 456), 0);
	char *srcs[] = {"/usr"};
	struct bld_copy_opts o = {.srcs = srcs, .n_srcs = 1, .dest = "/u/"};
	assert_null(run_opts("stage", &o, NULL));
	assert_true(S_ISFIFO(lst("dst/u/fifo").st_mode));
	assert_int_equal(lst("dst/u/fifo").st_mode & 07777, 0640);
	if (root) {
		assert_int_equal(lst("dst/u/tool").st_uid, 123);
		assert_int_equal(lst("dst/u/tool").st_gid, 456);
	}
	char *up[] = {"../../usr/tool"}; /* clamped at the stage's root, as BuildKit does */
	o = (struct bld_copy_opts){.srcs = up, .n_srcs = 1, .dest = "/t"};
	assert_null(run_opts("stage", &o, NULL));
	assert_string_equal(get("dst/t"), "bin");
}

/* Hard links inside a source stay links; the checksum tells them from copies. */
static void hard_links(void **state)
{
	context_tree();
	assert_int_equal(link(at("ctx/app/main.c"), at("ctx/app/lib/same.c")), 0);
	assert_null(run_copy("app", "/h/"));
	assert_int_equal(lst("dst/h/main.c").st_ino, lst("dst/h/lib/same.c").st_ino);
	assert_int_equal(lst("dst/h/main.c").st_nlink, 2);
	char *srcs[] = {"app"};
	struct bld_copy_opts o = {.srcs = srcs, .n_srcs = 1, .dest = "/h/"};
	char d1[BLD_COPY_DIGEST_LEN + 1], d2[BLD_COPY_DIGEST_LEN + 1];
	assert_null(run_opts(NULL, &o, d1));
	assert_int_equal(unlink(at("ctx/app/lib/same.c")), 0);
	put("ctx/app/lib/same.c", "main");
	assert_null(run_opts(NULL, &o, d2));
	assert_string_not_equal(d1, d2);
}

/* Whether o's checksum is still want. */
static bool same_sum(struct bld_copy_opts *o, const char *want)
{
	char d[BLD_COPY_DIGEST_LEN + 1];
	assert_null(run_opts(NULL, o, d));
	return !strcmp(d, want);
}

static void relink(const char *rel, const char *target)
{
	assert_int_equal(unlink(at(rel)), 0);
	assert_int_equal(symlink(target, at(rel)), 0);
}

static void checksum(void **state)
{
	context_tree();
	char *srcs[] = {"app"};
	struct bld_copy_opts o = {.srcs = srcs, .n_srcs = 1, .dest = "/app/"};
	char d1[BLD_COPY_DIGEST_LEN + 1];
	assert_null(run_opts(NULL, &o, d1));
	assert_int_equal(strncmp(d1, "sha256:", 7), 0);
	assert_int_equal(strlen(d1), BLD_COPY_DIGEST_LEN);
	/* times do not count */
	struct timespec t[2] = {{1000, 0}, {2000, 0}};
	assert_int_equal(utimensat(AT_FDCWD, at("ctx/app/main.c"), t, 0), 0);
	assert_int_equal(utimensat(AT_FDCWD, at("ctx/app/lib"), t, 0), 0);
	assert_true(same_sum(&o, d1));
	/* nor the context's owners */
	if (root) {
		assert_int_equal(lchown(at("ctx/app/main.c"), 1234, 5678), 0);
		assert_true(same_sum(&o, d1));
	}
	/* content does */
	put("ctx/app/main.c", "mainx");
	assert_false(same_sum(&o, d1));
	put("ctx/app/main.c", "main");
	assert_true(same_sum(&o, d1));
	/* and the mode, a link's target, an option, a new file */
	assert_int_equal(chmod(at("ctx/app/main.c"), 0600), 0);
	assert_false(same_sum(&o, d1));
	assert_int_equal(chmod(at("ctx/app/main.c"), 0644), 0);
	relink("ctx/app/lib/link", "main.c");
	assert_false(same_sum(&o, d1));
	relink("ctx/app/lib/link", "run.sh");
	assert_true(same_sum(&o, d1));
	o.chmod = "755";
	assert_false(same_sum(&o, d1));
	o.chmod = NULL;
	o.dest = "/other/";
	assert_false(same_sum(&o, d1));
	o.dest = "/app/";
	put("ctx/app/new", "");
	assert_false(same_sum(&o, d1));
	/* ignored files do not count */
	put("ctx/.dockerignore", "app/new\n");
	assert_true(same_sum(&o, d1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(directory_contents_rule, setup, teardown),
	    cmocka_unit_test_setup_teardown(trailing_slash_rules, setup, teardown),
	    cmocka_unit_test_setup_teardown(several_sources, setup, teardown),
	    cmocka_unit_test_setup_teardown(ignore_and_exclude, setup, teardown),
	    cmocka_unit_test_setup_teardown(links, setup, teardown),
	    cmocka_unit_test_setup_teardown(fifo_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(chown_by_name_and_number, setup, teardown),
	    cmocka_unit_test_setup_teardown(chmod_modes, setup, teardown),
	    cmocka_unit_test_setup_teardown(parents, setup, teardown),
	    cmocka_unit_test_setup_teardown(add_archives, setup, teardown),
	    cmocka_unit_test_setup_teardown(destination_links_stay_inside, setup, teardown),
	    cmocka_unit_test_setup_teardown(from_stage, setup, teardown),
	    cmocka_unit_test_setup_teardown(hard_links, setup, teardown),
	    cmocka_unit_test_setup_teardown(checksum, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The build context (build/context.c): which ignore file, what a COPY source selects (Go's
 * filepath.Match, the ignore file, --exclude, --parents' include), and the context's walls:
 * ".." refused, links followed only inside, FIFOs refused without being opened. Trees are made
 * in a temporary directory; nothing needs root. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
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
#include "build/context_tar.h"
#include "build/ignore.h"
#include "util/err.h"
#include "util/fs.h"

static char base[64];
static int ctxfd = -1;

static char *at(const char *rel)
{
	static char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", base, rel);
	return p;
}

static void put(const char *rel, const char *text)
{
	assert_int_equal(fs_write_file(AT_FDCWD, at(rel), text, strlen(text), 0644, NULL), 0);
}

static void dir(const char *rel)
{
	assert_int_equal(mkdir(at(rel), 0755), 0);
}

static void link_to(const char *rel, const char *target)
{
	assert_int_equal(symlink(target, at(rel)), 0);
}

static int setup(void **state)
{
	snprintf(base, sizeof(base), "/tmp/berth-unit-ctx.XXXXXX");
	assert_non_null(mkdtemp(base));
	dir("ctx");
	dir("stage");
	put("outside", "secret");
	ctxfd = open(at("ctx"), O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(ctxfd >= 0);
	return 0;
}

static int teardown(void **state)
{
	close(ctxfd);
	(void)fs_rm_rf(AT_FDCWD, base, NULL);
	return 0;
}

/* The context as bld_context_open finds it (Containerfile in ctx/). */
static struct bld_context *open_ctx(void)
{
	struct bld_context *ctx = NULL;
	char dockerfile[PATH_MAX];
	snprintf(dockerfile, sizeof(dockerfile), "%s", at("ctx/Containerfile"));
	struct bld_context_opts o = {.dockerfile = dockerfile};
	struct berr *err = NULL;
	int r = bld_context_open(AT_FDCWD, at("ctx"), &o, &ctx, &err);
	if (r < 0) {
		char *s = berr_string(err);
		fail_msg("open context: %s", s);
	}
	return ctx;
}

/* What src selects in the context ("a b c" paths, match by match: "name:path,path"), or the
 * error message. */
static char *select_str(struct bld_context *ctx, const char *src, const char *exclude)
{
	struct bld_root root;
	bld_context_root(ctx, &root);
	struct bld_ignore *ex = NULL;
	char *pats[] = {(char *)exclude};
	if (exclude)
		assert_int_equal(bld_ignore_compile(pats, 1, &ex, NULL), 0);
	struct bld_select_opts o = {.exclude = ex};
	struct bld_selection sel = {0};
	struct berr *err = NULL;
	static char out[4096];
	if (bld_select(&root, src, &o, &sel, &err) < 0) {
		char *s = berr_string(err);
		snprintf(out, sizeof(out), "error: %s", s);
		free(s);
		berr_free(err);
	} else {
		out[0] = '\0';
		for (size_t i = 0; i < sel.n; i++) {
			size_t n = strlen(out);
			snprintf(out + n, sizeof(out) - n, "%s%s:", i ? " " : "", sel.v[i].name);
			for (size_t j = 1; j < sel.v[i].n; j++) {
				n = strlen(out);
				snprintf(out + n, sizeof(out) - n, "%s%s", j > 1 ? "," : "",
					 sel.v[i].v[j].path);
			}
		}
	}
	bld_selection_clear(&sel);
	bld_ignore_free(ex);
	return out;
}

static void tree(void)
{
	put("ctx/a.txt", "a");
	put("ctx/b.txt", "b");
	put("ctx/c.md", "c");
	dir("ctx/src");
	put("ctx/src/main.c", "int main;");
	dir("ctx/src/lib");
	put("ctx/src/lib/x.c", "x");
	put("ctx/src/lib/y.h", "y");
	dir("ctx/docs");
	put("ctx/docs/x.c", "not code");
}

static void ignore_file_order(void **state)
{
	struct bld_context *ctx = open_ctx();
	assert_null(bld_context_ignore(ctx)); /* none */
	bld_context_free(ctx);

	put("ctx/.dockerignore", "a\n");
	ctx = open_ctx();
	assert_string_equal(bld_context_ignore_name(ctx), ".dockerignore");
	bld_context_free(ctx);

	put("ctx/.containerignore", "b\n"); /* buildah reads it before .dockerignore */
	ctx = open_ctx();
	assert_string_equal(bld_context_ignore_name(ctx), ".containerignore");
	assert_string_equal(bld_ignore_pattern(bld_context_ignore(ctx), 0, NULL), "b");
	bld_context_free(ctx);

	put("ctx/Containerfile.containerignore", "c\n");
	ctx = open_ctx();
	assert_string_equal(bld_context_ignore_name(ctx), "Containerfile.containerignore");
	bld_context_free(ctx);

	put("ctx/Containerfile.dockerignore", ""); /* BuildKit's first; empty still wins */
	ctx = open_ctx();
	assert_string_equal(bld_context_ignore_name(ctx), "Containerfile.dockerignore");
	assert_null(bld_ignore_pattern(bld_context_ignore(ctx), 0, NULL));
	bld_context_free(ctx);
}

/* A FIFO named .dockerignore: refused, never opened (an open would wait for a writer). */
static void ignore_file_fifo_refused(void **state)
{
	assert_int_equal(mkfifo(at("ctx/.dockerignore"), 0644), 0);
	struct bld_context *ctx = NULL;
	struct berr *err = NULL;
	assert_true(bld_context_open(AT_FDCWD, at("ctx"), NULL, &ctx, &err) < 0);
	char *s = berr_string(err);
	assert_non_null(strstr(s, "not a regular file"));
	free(s);
	berr_free(err);
}

static void ignore_file_bad_pattern(void **state)
{
	put("ctx/.dockerignore", "ok\n!\n");
	struct bld_context *ctx = NULL;
	struct berr *err = NULL;
	assert_true(bld_context_open(AT_FDCWD, at("ctx"), NULL, &ctx, &err) < 0);
	char *s = berr_string(err);
	assert_non_null(strstr(s, ".dockerignore"));
	assert_non_null(strstr(s, "line 2"));
	free(s);
	berr_free(err);
}

static void select_files_and_dirs(void **state)
{
	tree();
	struct bld_context *ctx = open_ctx();
	assert_string_equal(select_str(ctx, "a.txt", NULL), "a.txt:");
	assert_string_equal(select_str(ctx, "/a.txt", NULL), "a.txt:");
	assert_string_equal(select_str(ctx, "./src/", NULL), "src:lib,lib/x.c,lib/y.h,main.c");
	assert_string_equal(select_str(ctx, "src/lib/../main.c", NULL), "src/main.c:");
	assert_string_equal(select_str(ctx, "nope", NULL), "error: \"/nope\": not found");
	assert_string_equal(select_str(ctx, "a.txt/x", NULL), "error: \"/a.txt/x\": not found");
	bld_context_free(ctx);
}

static void select_wildcards(void **state)
{
	tree();
	struct bld_context *ctx = open_ctx();
	assert_string_equal(select_str(ctx, "*.txt", NULL), "a.txt: b.txt:");
	assert_string_equal(select_str(ctx, "?.md", NULL), "c.md:");
	assert_string_equal(select_str(ctx, "[ab].*", NULL), "a.txt: b.txt:");
	assert_string_equal(select_str(ctx, "[^ab].*", NULL), "c.md:");
	assert_string_equal(select_str(ctx, "*/*.c", NULL), "docs/x.c: src/main.c:");
	assert_string_equal(select_str(ctx, "src/*", NULL), "src/lib:x.c,y.h src/main.c:");
	assert_string_equal(select_str(ctx, "s*", NULL), "src:lib,lib/x.c,lib/y.h,main.c");
	/* nothing matching is no error (BuildKit's AllowEmptyWildcard) */
	assert_string_equal(select_str(ctx, "*.none", NULL), "");
	/* a malformed pattern is refused (Go would match nothing, silently) */
	assert_string_equal(select_str(ctx, "[a", NULL), "error: syntax error in pattern '[a'");
	/* under a missing directory: not found, as BuildKit's walk fails */
	assert_string_equal(select_str(ctx, "nope/*.c", NULL), "error: \"/nope\": not found");
	/* escaped: a literal name */
	put("ctx/x[1].txt", "1");
	assert_string_equal(select_str(ctx, "x[[]1].txt", NULL), "x[1].txt:");
	bld_context_free(ctx);
}

/* Go's filepath.Match, from its match_test.go. */
static void glob_table(void **state)
{
	static const struct {
		const char *pattern, *s;
		int match; /* -1: ErrBadPattern */
	} t[] = {
	    {"abc", "abc", 1},
	    {"*", "abc", 1},
	    {"*c", "abc", 1},
	    {"a*", "a", 1},
	    {"a*", "abc", 1},
	    {"a*", "ab/c", 0},
	    {"a*/b", "abc/b", 1},
	    {"a*/b", "a/c/b", 0},
	    {"a*b*c*d*e*/f", "axbxcxdxe/f", 1},
	    {"a*b*c*d*e*/f", "axbxcxdxexxx/f", 1},
	    {"a*b*c*d*e*/f", "axbxcxdxe/xxx/f", 0},
	    {"a*b*c*d*e*/f", "axbxcxdxexxx/fff", 0},
	    {"a*b?c*x", "abxbbxdbxebxczzx", 1},
	    {"a*b?c*x", "abxbbxdbxebxczzy", 0},
	    {"ab[c]", "abc", 1},
	    {"ab[b-d]", "abc", 1},
	    {"ab[e-g]", "abc", 0},
	    {"ab[^c]", "abc", 0},
	    {"ab[^b-d]", "abc", 0},
	    {"ab[^e-g]", "abc", 1},
	    {"a\\*b", "a*b", 1},
	    {"a\\*b", "ab", 0},
	    {"a?b", "a☺b", 1},
	    {"a[^a]b", "a☺b", 1},
	    {"a???b", "a☺b", 0},
	    {"a[^a][^a][^a]b", "a☺b", 0},
	    {"[a-ζ]*", "α", 1},
	    {"*[a-ζ]", "A", 0},
	    {"a?b", "a/b", 0},
	    {"a*b", "a/b", 0},
	    {"[\\]a]", "]", 1},
	    {"[\\-]", "-", 1},
	    {"[x\\-]", "x", 1},
	    {"[x\\-]", "-", 1},
	    {"[x\\-]", "z", 0},
	    {"[\\-x]", "x", 1},
	    {"[\\-x]", "-", 1},
	    {"[\\-x]", "a", 0},
	    {"[]a]", "]", -1},
	    {"[-]", "-", -1},
	    {"[x-]", "x", -1},
	    {"[x-]", "-", -1},
	    {"[x-]", "z", -1},
	    {"[-x]", "x", -1},
	    {"[-x]", "-", -1},
	    {"[-x]", "a", -1},
	    {"\\", "a", -1},
	    {"[a-b-c]", "a", -1},
	    {"[", "a", -1},
	    {"[^", "a", -1},
	    {"[^bc", "a", -1},
	    {"a[", "a", -1},
	    {"a[", "ab", -1},
	    {"a[", "x", -1},
	    {"a/b[", "x", -1},
	    {"*x", "xxx", 1},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		bool m = false;
		int r = bld_glob_match(t[i].pattern, t[i].s, &m, NULL);
		if (t[i].match < 0 ? r >= 0 : (r < 0 || m != (t[i].match == 1)))
			fail_msg("Match(%s, %s): r=%d m=%d, want %d", t[i].pattern, t[i].s, r, m,
				 t[i].match);
	}
}

static void ignored_paths_invisible(void **state)
{
	tree();
	put("ctx/.dockerignore", "*.md\nsrc/lib\n!src/lib/y.h\ndocs\n");
	struct bld_context *ctx = open_ctx();
	assert_string_equal(select_str(ctx, "c.md", NULL), "error: \"/c.md\": not found");
	assert_string_equal(select_str(ctx, "*", NULL),
			    ".dockerignore: a.txt: b.txt: src:lib,lib/y.h,main.c");
	/* an excluded directory stays for what an exception keeps in it */
	assert_string_equal(select_str(ctx, "src/lib", NULL), "src/lib:y.h");
	assert_string_equal(select_str(ctx, "src/lib/x.c", NULL),
			    "error: \"/src/lib/x.c\": not found");
	assert_string_equal(select_str(ctx, "docs/x.c", NULL), "error: \"/docs/x.c\": not found");
	assert_string_equal(select_str(ctx, "docs", NULL), "error: \"/docs\": not found");
	/* a link to an ignored file leads nowhere */
	link_to("ctx/to-md", "c.md");
	assert_string_equal(select_str(ctx, "to-md", NULL), "error: \"/to-md\": not found");
	bld_context_free(ctx);
}

static void exclude_below_each_match(void **state)
{
	tree();
	struct bld_context *ctx = open_ctx();
	assert_string_equal(select_str(ctx, "src", "*.c"), "src:lib,lib/x.c,lib/y.h");
	assert_string_equal(select_str(ctx, "src", "**/*.c"), "src:lib,lib/y.h");
	assert_string_equal(select_str(ctx, "src", "lib"), "src:main.c");
	/* the match itself is not excluded (BuildKit, moby/buildkit#5489) */
	assert_string_equal(select_str(ctx, "*.txt", "*.txt"), "a.txt: b.txt:");
	bld_context_free(ctx);
}

static void parent_refs_refused(void **state)
{
	tree();
	struct bld_context *ctx = open_ctx();
	assert_string_equal(select_str(ctx, "../outside", NULL),
			    "error: '../outside' leads outside the build context");
	assert_string_equal(select_str(ctx, "/../outside", NULL),
			    "error: '/../outside' leads outside the build context");
	assert_string_equal(select_str(ctx, "src/../../outside", NULL),
			    "error: 'src/../../outside' leads outside the build context");
	assert_string_equal(select_str(ctx, "src/../a.txt", NULL), "a.txt:");
	bld_context_free(ctx);
}

static void links_in_the_context(void **state)
{
	tree();
	link_to("ctx/cur", "src/lib");
	link_to("ctx/src/up", "../a.txt");
	link_to("ctx/abs", at("outside"));
	link_to("ctx/absin", "/src/lib/x.c");
	link_to("ctx/esc", "../outside");
	link_to("ctx/src/esc2", "../../outside");
	link_to("ctx/src/esc3", "../../../a.txt");
	link_to("ctx/loop", "loop");
	struct bld_context *ctx = open_ctx();
	/* named: followed inside the context */
	assert_string_equal(select_str(ctx, "cur", NULL), "cur:x.c,y.h");
	assert_string_equal(select_str(ctx, "src/up", NULL), "src/up:");
	/* named, with the context as the root (BuildKit's scoped resolution): an absolute
	 * target starts at the context's top, ".." stops there; what the host holds at those
	 * paths is never reached */
	assert_string_equal(select_str(ctx, "absin", NULL), "absin:");
	assert_string_equal(select_str(ctx, "src/esc3", NULL), "src/esc3:");
	char *s = select_str(ctx, "abs", NULL);
	assert_non_null(strstr(s, "not found"));
	s = select_str(ctx, "esc", NULL);
	assert_non_null(strstr(s, "not found"));
	s = select_str(ctx, "src/esc2", NULL);
	assert_non_null(strstr(s, "not found"));
	s = select_str(ctx, "loop", NULL);
	assert_non_null(strstr(s, "too many levels of symbolic links"));
	/* met inside a directory: listed as links, never followed */
	assert_string_equal(select_str(ctx, "src", NULL),
			    "src:esc2,esc3,lib,lib/x.c,lib/y.h,main.c,up");
	bld_context_free(ctx);
}

static void special_files_refused(void **state)
{
	tree();
	assert_int_equal(mkfifo(at("ctx/src/pipe"), 0644), 0);
	struct bld_context *ctx = open_ctx();
	assert_string_equal(select_str(ctx, "src", NULL),
			    "error: 'src/pipe' in the build context is a FIFO: only files, "
			    "directories and symbolic links can be copied");
	assert_string_equal(select_str(ctx, "src/pipe", NULL),
			    "error: 'src/pipe' in the build context is a FIFO: only files, "
			    "directories and symbolic links can be copied");
	/* excluded or ignored, it is no matter */
	assert_string_equal(select_str(ctx, "src", "pipe"), "src:lib,lib/x.c,lib/y.h,main.c");
	bld_context_free(ctx);
	put("ctx/.dockerignore", "**/pipe\n");
	ctx = open_ctx();
	assert_string_equal(select_str(ctx, "src/l*", NULL), "src/lib:x.c,y.h");
	assert_string_equal(select_str(ctx, "src", NULL), "src:lib,lib/x.c,lib/y.h,main.c");
	bld_context_free(ctx);
}

static void limits(void **state)
{
	tree();
	struct bld_context *ctx = open_ctx();
	struct bld_root root;
	bld_context_root(ctx, &root);
	struct bld_selection sel = {0};
	struct berr *err = NULL;
	struct bld_select_opts o = {.limits = {.entries = 3}};
	assert_int_equal(bld_select(&root, "src", &o, &sel, &err), -E2BIG);
	char *s = berr_string(err);
	assert_string_equal(s, "more than 3 files and directories selected");
	free(s);
	berr_free(err);
	err = NULL;
	bld_selection_clear(&sel);
	o = (struct bld_select_opts){.limits = {.bytes = 3}};
	assert_int_equal(bld_select(&root, "*.txt", &o, &sel, NULL), 0);
	assert_int_equal(bld_select(&root, "src", &o, &sel, &err), -E2BIG);
	bld_selection_clear(&sel);
	berr_free(err);
	err = NULL;
	o = (struct bld_select_opts){.limits = {.depth = 1}};
	assert_int_equal(bld_select(&root, "/", &o, &sel, &err), -ELOOP);
	bld_selection_clear(&sel);
	berr_free(err);
	bld_context_free(ctx);
}

/* --parents: an include pattern below a pivot, parents kept. */
static void include_pattern(void **state)
{
	tree();
	struct bld_context *ctx = open_ctx();
	struct bld_root root;
	bld_context_root(ctx, &root);
	struct bld_ignore *inc = NULL;
	char *pat[] = {"src/**/*.h"};
	assert_int_equal(bld_ignore_compile(pat, 1, &inc, NULL), 0);
	struct bld_select_opts o = {.include = inc};
	struct bld_selection sel = {0};
	assert_int_equal(bld_select(&root, "/", &o, &sel, NULL), 0);
	assert_int_equal(sel.n, 1);
	assert_int_equal(sel.v[0].n, 4);
	assert_string_equal(sel.v[0].v[1].path, "src");
	assert_string_equal(sel.v[0].v[2].path, "src/lib");
	assert_string_equal(sel.v[0].v[3].path, "src/lib/y.h");
	bld_selection_clear(&sel);
	bld_ignore_free(inc);
	/* a required path that is not there */
	char *pat2[] = {"src/nope.c"};
	assert_int_equal(bld_ignore_compile(pat2, 1, &inc, NULL), 0);
	o = (struct bld_select_opts){.include = inc, .required = "src/nope.c"};
	struct berr *err = NULL;
	assert_int_equal(bld_select(&root, "/", &o, &sel, &err), -ENOENT);
	char *s = berr_string(err);
	assert_string_equal(s, "\"/src/nope.c\": not found");
	free(s);
	berr_free(err);
	bld_selection_clear(&sel);
	bld_ignore_free(inc);
	bld_context_free(ctx);
}

/* A stage's root: links resolve inside it, ".." clamps, FIFOs are files like others. */
static void stage_root(void **state)
{
	dir("stage/etc");
	put("stage/etc/passwd", "root:x:0:0::/:/bin/sh\n");
	link_to("stage/abs", "/etc/passwd");
	link_to("stage/up", "../../../../etc");
	assert_int_equal(mkfifo(at("stage/etc/fifo"), 0600), 0);
	int fd = open(at("stage"), O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct bld_root root = {.fd = fd};
	struct bld_select_opts o = {0};
	struct bld_selection sel = {0};
	assert_int_equal(bld_select(&root, "abs", &o, &sel, NULL), 0);
	assert_int_equal(bld_select(&root, "../up/passwd", &o, &sel, NULL), 0);
	assert_int_equal(bld_select(&root, "etc", &o, &sel, NULL), 0);
	assert_int_equal(sel.n, 3);
	assert_int_equal(sel.v[0].v[0].size, 22);
	assert_string_equal(sel.v[1].name, "up/passwd");
	assert_int_equal(sel.v[2].n, 3);
	assert_true(S_ISFIFO(sel.v[2].v[1].mode));
	bld_selection_clear(&sel);
	close(fd);
}

/* Reading a selection again: each entry must still be the one listed. */
static void walk_again(void **state)
{
	tree();
	struct bld_context *ctx = open_ctx();
	struct bld_root root;
	bld_context_root(ctx, &root);
	struct bld_select_opts o = {0};
	struct bld_selection sel = {0};
	assert_int_equal(bld_select(&root, "src", &o, &sel, NULL), 0);
	struct bld_walk w;
	const struct bld_entry *e;
	int fd, n = 0;
	assert_int_equal(bld_walk_start(&w, &root, &sel.v[0], NULL), 0);
	while (bld_walk_next(&w, &e, &fd, NULL) > 0) {
		struct stat st;
		assert_int_equal(fstat(fd, &st), 0);
		assert_int_equal(st.st_ino, e->ino);
		n++;
	}
	bld_walk_end(&w);
	assert_int_equal(n, 5);
	/* replaced since the plan (made first: another inode) */
	put("ctx/src/lib/x.new", "new");
	char from[PATH_MAX];
	snprintf(from, sizeof(from), "%s", at("ctx/src/lib/x.new"));
	assert_int_equal(rename(from, at("ctx/src/lib/x.c")), 0);
	struct berr *err = NULL;
	int r = 1;
	assert_int_equal(bld_walk_start(&w, &root, &sel.v[0], NULL), 0);
	while (r > 0)
		r = bld_walk_next(&w, &e, &fd, &err);
	bld_walk_end(&w);
	assert_int_equal(r, -ESTALE);
	berr_free(err);
	bld_selection_clear(&sel);
	bld_context_free(ctx);
}

/* DESIGN's error rule: a session or tar context that cannot be made returns the code its
 * callee set (a work directory under a regular file: ENOTDIR), not a fixed -EIO. */
static void session_error_code(void **state)
{
	struct berr *err = NULL;
	struct bld_session s;
	assert_int_equal(bld_session_open(at("outside/build"), &s, &err), -ENOTDIR);
	assert_int_equal(berr_code(err), ENOTDIR);
	berr_free(err);
	err = NULL;
	struct bld_context_tar t;
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(bld_context_tar_open(at("outside/build"), fd, &t, &err), -ENOTDIR);
	assert_int_equal(berr_code(err), ENOTDIR);
	berr_free(err);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(ignore_file_order, setup, teardown),
	    cmocka_unit_test_setup_teardown(ignore_file_fifo_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(ignore_file_bad_pattern, setup, teardown),
	    cmocka_unit_test_setup_teardown(select_files_and_dirs, setup, teardown),
	    cmocka_unit_test_setup_teardown(select_wildcards, setup, teardown),
	    cmocka_unit_test(glob_table),
	    cmocka_unit_test_setup_teardown(ignored_paths_invisible, setup, teardown),
	    cmocka_unit_test_setup_teardown(exclude_below_each_match, setup, teardown),
	    cmocka_unit_test_setup_teardown(parent_refs_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(links_in_the_context, setup, teardown),
	    cmocka_unit_test_setup_teardown(special_files_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(limits, setup, teardown),
	    cmocka_unit_test_setup_teardown(include_pattern, setup, teardown),
	    cmocka_unit_test_setup_teardown(stage_root, setup, teardown),
	    cmocka_unit_test_setup_teardown(walk_again, setup, teardown),
	    cmocka_unit_test_setup_teardown(session_error_code, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* RUN --mount, --network and --security (build/mount.c). Cases come from BuildKit:
 * frontend/dockerfile/dockerfile_mount_test.go (testMountInvalid, testMountRWCache,
 * testCacheMountUser, testCacheMountDefaultID, testMountArg, testMountEnvAcrossStages,
 * testMountMetaArg, testMountFromError, testMountTmpfsSize), dockerfile_secrets_test.go and
 * dockerfile_ssh_test.go for the secret and ssh forms, the defaults from
 * dockerfile2llb/convert_{runmount,secrets,ssh}.go, go-csvvalue's and go-units' rules, and the
 * examples of Docker's Dockerfile reference ("RUN --mount"). Every error path of the parser has
 * a row in parse_errors. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
// clang-format on

#include "build/dockerfile.h"
#include "build/expand.h"
#include "build/mount.h"
#include "util/err.h"

/* The variables the expanding cases see (testMountArg, testMountEnvAcrossStages,
 * testMountMetaArg), and one holding a comma, which must not start a field. */
static struct bld_env test_env(void)
{
	struct bld_env env = {0};
	bld_env_set(&env, "MNT_TYPE", "cache");
	bld_env_set(&env, "MNT_ID", "mycache");
	bld_env_set(&env, "META_PATH", "/tmp/meta");
	bld_env_set(&env, "COMMA", "a,b");
	bld_env_set(&env, "MODE", "0700");
	return env;
}

/* A parsed mount written back as one line, every field, for table comparison. */
static char *show(const struct bld_mount *m)
{
	static const char *const types[] = {"bind", "cache", "tmpfs", "secret", "ssh"};
	static const char *const sharing[] = {"shared", "private", "locked"};
	char *s = NULL;
	if (asprintf(&s,
		     "%s target=%s source=%s from=%s id=%s env=%s sharing=%s %s%s size=%lld "
		     "mode=%o uid=%u gid=%u%s",
		     types[m->type], m->target ? m->target : "-", m->source ? m->source : "-",
		     m->from ? m->from : "-", m->id ? m->id : "-", m->env ? m->env : "-",
		     sharing[m->sharing], m->readonly ? "ro" : "rw", m->required ? " required" : "",
		     (long long)m->size, m->mode, m->uid, m->gid, m->owner_set ? " owner" : "") < 0)
		fail();
	return s;
}

static const struct {
	const char *in, *want;
} parse_cases[] = {
    /* bind: read-only by default; the reference's table, testMountContext, testMountRWCache */
    {"target=/context",
     "bind target=/context source=- from=- id=- env=- sharing=shared ro size=0 mode=0 uid=0 "
     "gid=0"},
    {"from=build,src=out,target=/out,rw",
     "bind target=/out source=out from=build id=- env=- sharing=shared rw size=0 mode=0 uid=0 "
     "gid=0"},
    {"type=bind,source=b.txt,dst=/tmp/b.txt,readwrite=true",
     "bind target=/tmp/b.txt source=b.txt from=- id=- env=- sharing=shared rw size=0 mode=0 "
     "uid=0 gid=0"},
    {"type=bind,target=/x,rw=false",
     "bind target=/x source=- from=- id=- env=- sharing=shared ro size=0 mode=0 uid=0 gid=0"},
    {"type=bind,target=/x,ro=0",
     "bind target=/x source=- from=- id=- env=- sharing=shared rw size=0 mode=0 uid=0 gid=0"},
    {"type=bind,destination=/x,readonly=F",
     "bind target=/x source=- from=- id=- env=- sharing=shared rw size=0 mode=0 uid=0 gid=0"},
    {"from=stage$,target=/x",
     "bind target=/x source=- from=stage$ id=- env=- sharing=shared ro size=0 mode=0 uid=0 "
     "gid=0"},
    /* cache: writable, id defaults to path.Clean(target), mode 0755 (testCacheMountDefaultID) */
    {"type=cache,target=/root/.cache/go-build",
     "cache target=/root/.cache/go-build source=- from=- id=/root/.cache/go-build env=- "
     "sharing=shared rw size=0 mode=755 uid=0 gid=0"},
    {"type=cache,target=/foo//bar/./",
     "cache target=/foo//bar/./ source=- from=- id=/foo/bar env=- sharing=shared rw size=0 "
     "mode=755 uid=0 gid=0"},
    {"type=cache,target=cache/../../x",
     "cache target=cache/../../x source=- from=- id=x env=- sharing=shared rw size=0 mode=755 "
     "uid=0 gid=0"},
    {"type=cache",
     "cache target=- source=- from=- id=. env=- sharing=shared rw size=0 mode=755 uid=0 gid=0"},
    {"type=cache,id=mycache,target=/abcabc,id=",
     "cache target=/abcabc source=- from=- id=/abcabc env=- sharing=shared rw size=0 mode=755 "
     "uid=0 gid=0"},
    {"type=cache,target=/var/cache/apt,sharing=locked",
     "cache target=/var/cache/apt source=- from=- id=/var/cache/apt env=- sharing=locked rw "
     "size=0 mode=755 uid=0 gid=0"},
    {"type=cache,target=/c,sharing=PRIVATE,ro",
     "cache target=/c source=- from=- id=/c env=- sharing=private ro size=0 mode=755 uid=0 "
     "gid=0"},
    {"type=cache,target=/mycache,uid=1001,gid=1002,mode=0751",
     "cache target=/mycache source=- from=- id=/mycache env=- sharing=shared rw size=0 mode=751 "
     "uid=1001 gid=1002 owner"},
    {"type=cache,target=/c,uid=7",
     "cache target=/c source=- from=- id=/c env=- sharing=shared rw size=0 mode=755 uid=7 "
     "gid=0 owner"},
    {"type=cache,target=/c,from=base,source=/sub",
     "cache target=/c source=/sub from=base id=/c env=- sharing=shared rw size=0 mode=755 "
     "uid=0 gid=0"},
    {"TYPE=CACHE,Target=/x,SHARING=Shared",
     "cache target=/x source=- from=- id=/x env=- sharing=shared rw size=0 mode=755 uid=0 "
     "gid=0"},
    /* tmpfs: writable, size as go-units RAMInBytes (testMountTmpfs, testMountTmpfsSize) */
    {"target=/mytmp,type=tmpfs",
     "tmpfs target=/mytmp source=- from=- id=- env=- sharing=shared rw size=0 mode=0 uid=0 "
     "gid=0"},
    {"type=tmpfs,target=/dev/shm,size=128m",
     "tmpfs target=/dev/shm source=- from=- id=- env=- sharing=shared rw size=134217728 mode=0 "
     "uid=0 gid=0"},
    /* secret: read-only, id from source, id or the target's base; target /run/secrets/<id>
     * unless env is given; mode 0400 (the reference's examples, convert_secrets.go) */
    {"type=secret,id=aws,target=/root/.aws/credentials",
     "secret target=/root/.aws/credentials source=- from=- id=aws env=- sharing=shared ro "
     "size=0 mode=400 uid=0 gid=0"},
    {"type=secret,id=API_KEY,env=API_KEY",
     "secret target=- source=- from=- id=API_KEY env=API_KEY sharing=shared ro size=0 mode=400 "
     "uid=0 gid=0"},
    {"type=secret,id=mysecret",
     "secret target=/run/secrets/mysecret source=- from=- id=mysecret env=- sharing=shared ro "
     "size=0 mode=400 uid=0 gid=0"},
    {"type=secret,id=dir/key",
     "secret target=/run/secrets/key source=- from=- id=dir/key env=- sharing=shared ro size=0 "
     "mode=400 uid=0 gid=0"},
    {"type=secret,target=/run/foo/bar/",
     "secret target=/run/foo/bar/ source=- from=- id=bar env=- sharing=shared ro size=0 "
     "mode=400 uid=0 gid=0"},
    {"type=secret,src=abc,required",
     "secret target=/run/secrets/abc source=abc from=- id=abc env=- sharing=shared ro required "
     "size=0 mode=400 uid=0 gid=0"},
    {"type=secret,id=k,target=/k,env=K,required=false,mode=0440,uid=1,gid=2,rw",
     "secret target=/k source=- from=- id=k env=K sharing=shared rw size=0 mode=440 uid=1 gid=2 "
     "owner"},
    /* ssh: id "default", mode 0600; the target comes from bld_run_flags_parse */
    {"type=ssh",
     "ssh target=- source=- from=- id=default env=- sharing=shared ro size=0 mode=600 uid=0 "
     "gid=0"},
    {"type=ssh,id=key,target=/s,required=true",
     "ssh target=/s source=- from=- id=key env=- sharing=shared ro required size=0 mode=600 "
     "uid=0 gid=0"},
    /* CSV quoting: a quoted field may hold commas and "" (go-csvvalue) */
    {"\"target=/a,b\",type=cache,id=x",
     "cache target=/a,b source=- from=- id=x env=- sharing=shared rw size=0 mode=755 uid=0 "
     "gid=0"},
    {"type=bind,\"target=/a,\"\"b\"\"\"",
     "bind target=/a,b source=- from=- id=- env=- sharing=shared ro size=0 mode=0 uid=0 gid=0"},
    /* values expanded, keys and words not; a comma from a variable stays in its field */
    {"type=$MNT_TYPE,id=$MNT_ID,target=$META_PATH",
     "cache target=/tmp/meta source=- from=- id=mycache env=- sharing=shared rw size=0 "
     "mode=755 uid=0 gid=0"},
    {"type=cache,target=/x$COMMA,mode=$MODE",
     "cache target=/xa,b source=- from=- id=/xa,b env=- sharing=shared rw size=0 mode=700 "
     "uid=0 gid=0 owner"},
    {"target='/quoted dir',source=\\$HOME",
     "bind target=/quoted dir source=$HOME from=- id=- env=- sharing=shared ro size=0 mode=0 "
     "uid=0 gid=0"},
};

static void parse_table(void **state)
{
	(void)state;
	struct bld_env env = test_env();
	struct bld_expand x = {.escape = '\\', .lookup = bld_env_lookup, .ctx = &env};
	for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		struct bld_mount m;
		struct berr *err = NULL;
		if (bld_mount_parse(parse_cases[i].in, &x, &m, &err) < 0) {
			char *msg = berr_string(err);
			fail_msg("'%s': %s", parse_cases[i].in, msg);
		}
		char *got = show(&m);
		if (strcmp(got, parse_cases[i].want))
			fail_msg("'%s'\n gave %s\n want %s", parse_cases[i].in, got,
				 parse_cases[i].want);
		free(got);
		bld_mount_clear(&m);
	}
	bld_env_clear(&env);
}

static const struct {
	const char *in, *want;
} error_cases[] = {
    /* go-csvvalue */
    {"", "failed to parse csv mounts: EOF"},
    {"\n", "failed to parse csv mounts: EOF"},
    {"target=/a\"b", "failed to parse csv mounts: parse error on line 1, column 10: bare \" in "
		     "non-quoted-field"},
    {"\"target=/a", "failed to parse csv mounts: parse error on line 1, column 2: extraneous or "
		    "missing \" in quoted-field"},
    {"\"target=/a\"x", "failed to parse csv mounts: parse error on line 1, column 11: "
		       "extraneous or missing \" in quoted-field"},
    /* parseMount (testMountInvalid for the suggestions) */
    {"typ=tmpfs", "unexpected key 'typ' in 'typ=tmpfs' (did you mean type?)"},
    {"type=tmp", "unsupported mount type 'tmp' (did you mean tmpfs?)"},
    {"type=volume", "unsupported mount type 'volume'"},
    {"type=cache,sharing=lockd", "unsupported sharing value 'lockd' (did you mean locked?)"},
    {"type=cache,sharing=all", "unsupported sharing value 'all'"},
    {"target=/x,", "invalid field '' must be a key=value pair"},
    {"target=/x,foo", "invalid field 'foo' must be a key=value pair"},
    {"foo=bar", "unexpected key 'foo' in 'foo=bar' (did you mean from?)"},
    {"bogus=1", "unexpected key 'bogus' in 'bogus=1'"},
    {"required", "unexpected key 'required' for mount type 'bind'"},
    {"required=true,type=secret,id=x", "unexpected key 'required' for mount type 'bind'"},
    {"type=secret,id=x,required=maybe", "invalid value for required: maybe"},
    {"type=cache,size=1g", "unexpected key 'size' for mount type 'cache'"},
    {"type=tmpfs,size=1q", "invalid value for size: 1q"},
    {"ro=maybe", "invalid value for ro: maybe"},
    {"rw=yes", "invalid value for rw: yes"},
    {"type=cache,mode=0789", "invalid value 0789 for mode"},
    {"type=cache,mode=", "invalid value  for mode"},
    {"type=cache,uid=-1", "invalid value -1 for uid"},
    {"type=cache,gid=4294967296", "invalid value 4294967296 for gid"},
    {"target=/x,mode=0755", "mode not allowed for 'bind' type mounts"},
    {"type=tmpfs,target=/x,uid=1", "uid not allowed for 'tmpfs' type mounts"},
    {"target=/x,gid=1", "gid not allowed for 'bind' type mounts"},
    {"type=secret,id=x,from=y", "secret mount should not have a from"},
    {"type=secret,id=x,sharing=shared", "secret mount should not define sharing"},
    {"type=secret", "invalid secret mount. one of source, target required"},
    {"type=secret,id=", "invalid secret mount. one of source, target required"},
    {"type=secret,source=a,id=b", "both source and id can't be set"},
    {"target=/x,sharing=shared", "invalid cache sharing set for bind mount"},
    {"type=tmpfs,target=/x,sharing=locked", "invalid cache sharing set for tmpfs mount"},
    {"type=ssh,source=x", "ssh does not support source"},
    {"type=secret,id=x,env=", "invalid value for env: a name is needed"},
    /* testMountFromError: from is never expanded */
    {"from=$ttt,type=cache,target=/tmp",
     "'from' doesn't support variable expansion, define alias stage instead"},
    /* expansion errors, reported as the lexer words them: a quote the CSV kept is a quote */
    {"type=bind,\"target=/a\"\"b\"",
     "failed to process '/a\"b': unexpected end of statement while looking for matching "
     "double-quote"},
    {"target=${NOPE:?not set}", "failed to process '${NOPE:?not set}': NOPE: not set"},
};

static void parse_errors(void **state)
{
	(void)state;
	struct bld_env env = test_env();
	struct bld_expand x = {.escape = '\\', .lookup = bld_env_lookup, .ctx = &env};
	for (size_t i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
		struct bld_mount m = {0};
		struct berr *err = NULL;
		if (bld_mount_parse(error_cases[i].in, &x, &m, &err) == 0) {
			char *got = show(&m);
			fail_msg("'%s' gave %s, want an error", error_cases[i].in, got);
		}
		char *msg = berr_string(err);
		if (strcmp(msg, error_cases[i].want))
			fail_msg("'%s'\n gave %s\n want %s", error_cases[i].in, msg,
				 error_cases[i].want);
		assert_int_equal(berr_code(err), EINVAL);
		free(msg);
		berr_free(err);
	}
	bld_env_clear(&env);
}

/* go-units RAMInBytes through size=, which BuildKit uses for tmpfs. */
static void tmpfs_sizes(void **state)
{
	(void)state;
	static const struct {
		const char *size;
		long long want; /* -1: an error */
	} cases[] = {
	    {"128m", 128ll << 20},
	    {"1.5k", 1536},
	    {"10 MB", 10ll << 20},
	    {"1GiB", 1ll << 30},
	    {"1gb", 1ll << 30},
	    {"2T", 2ll << 40},
	    {"1p", 1ll << 50},
	    {"100", 100},
	    {"100b", 100},
	    {"100B", 100},
	    {"1e3", 1000},
	    {".5k", 512},
	    {"5.", 5},
	    {"+7", 7},
	    {"1kib", 1024},
	    {"0", 0},
	    {"", -1},
	    {"k", -1},
	    {"1kk", -1},
	    {"1kbb", -1},
	    {"1kibb", -1},
	    {"1x", -1},
	    {"1bk", -1},
	    {"-1", -1},
	    {"1 0", -1},
	    {"1e", -1},
	    {"e3", -1},
	    {".", -1},
	    {"9999999999999999999999", -1},
	    {"8192p", -1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *value = NULL;
		if (asprintf(&value, "type=tmpfs,target=/t,size=%s", cases[i].size) < 0)
			fail();
		struct bld_expand x = {.escape = '\\'};
		struct bld_mount m = {0};
		struct berr *err = NULL;
		int r = bld_mount_parse(value, &x, &m, &err);
		if (cases[i].want < 0 && r == 0)
			fail_msg("size '%s' gave %lld, want an error", cases[i].size,
				 (long long)m.size);
		if (cases[i].want >= 0 && (r < 0 || m.size != cases[i].want))
			fail_msg("size '%s' gave %lld, want %lld", cases[i].size,
				 r < 0 ? -1 : (long long)m.size, cases[i].want);
		bld_mount_clear(&m);
		berr_free(err);
		free(value);
	}
}

/* The plan's read: only from=, and only CSV errors and variables in it stop it. */
static void from_at_plan_time(void **state)
{
	(void)state;
	static const struct {
		const char *in, *want, *error;
	} cases[] = {
	    {"type=cache,target=/x", NULL, NULL},
	    {"from=build,target=/x", "build", NULL},
	    {"FROM=Build,target=/x", "Build", NULL},
	    {"from=a,from=b", "b", NULL},
	    {"from=,target=/x", "", NULL},
	    {"type=nonsense,mode=x,from=img:1", "img:1", NULL}, /* the rest is read at run time */
	    {"from=x$", "x$", NULL},
	    {"from=$", "$", NULL},
	    {"from=$x", NULL,
	     "'from' doesn't support variable expansion, define alias stage instead"},
	    {"from=a${b}", NULL,
	     "'from' doesn't support variable expansion, define alias stage instead"},
	    {"target=/a\"", NULL,
	     "failed to parse csv mounts: parse error on line 1, column 10: bare \" in "
	     "non-quoted-field"},
	    {"", NULL, "failed to parse csv mounts: EOF"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *from = (char *)"unset";
		struct berr *err = NULL;
		int r = bld_mount_from(cases[i].in, &from, &err);
		if (cases[i].error) {
			assert_true(r < 0);
			char *msg = berr_string(err);
			assert_string_equal(msg, cases[i].error);
			free(msg);
			berr_free(err);
			continue;
		}
		if (r < 0) {
			char *msg = berr_string(err);
			fail_msg("'%s': %s", cases[i].in, msg);
		}
		if (cases[i].want)
			assert_string_equal(from, cases[i].want);
		else
			assert_null(from);
		free(from);
	}
}

static void destinations(void **state)
{
	(void)state;
	static const struct {
		const char *target, *workdir, *want; /* want NULL: an error */
	} cases[] = {
	    {"/x/", "/app", "/x"},
	    {"/a//b/../c", NULL, "/a/c"},
	    {"rel", "/app", "/app/rel"},
	    {"./rel/", "/app/", "/app/rel"},
	    {"../up", "/app/src", "/app/up"},
	    {"x", NULL, "/x"},
	    {NULL, "/app", "/app"},
	    {"", "/work", "/work"},
	    {"", "/", NULL},
	    {NULL, NULL, NULL},
	    {"/", "/app", NULL},
	    {"/a/..", "/app", NULL},
	    {"..", "/", NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bld_mount m = {.target = (char *)cases[i].target};
		char *dest = NULL;
		struct berr *err = NULL;
		int r = bld_mount_dest(&m, cases[i].workdir, &dest, &err);
		if (!cases[i].want) {
			assert_true(r < 0);
			char *msg = berr_string(err);
			assert_string_equal(msg, "invalid mount target '/'");
			free(msg);
			berr_free(err);
			continue;
		}
		assert_int_equal(r, 0);
		assert_string_equal(dest, cases[i].want);
		free(dest);
	}
}

/* --network and --security as the parser keeps them; ssh mounts numbered as llb does. */
static void run_flags(void **state)
{
	(void)state;
	const char *text = "FROM scratch\n"
			   "RUN --mount=type=ssh --mount=type=cache,target=/c \\\n"
			   "    --mount=type=ssh,id=b --mount=type=ssh,target=/own \\\n"
			   "    --network=none --security=insecure true\n"
			   "RUN --network=host true\n"
			   "RUN true\n";
	struct berr *err = NULL;
	struct bld_file *f = bld_file_parse("Containerfile", text, strlen(text), &err);
	assert_non_null(f);
	struct bld_expand x = {.escape = '\\'};
	struct bld_run_flags fl;
	assert_int_equal(bld_run_flags_parse(&f->stages[0].instrs[0], &x, &fl, &err), 0);
	assert_int_equal(fl.n_mounts, 4);
	assert_string_equal(fl.mounts[0].target, "/run/buildkit/ssh_agent.0");
	assert_int_equal(fl.mounts[1].type, BLD_MOUNT_CACHE);
	assert_string_equal(fl.mounts[2].target, "/run/buildkit/ssh_agent.1");
	assert_string_equal(fl.mounts[2].id, "b");
	assert_string_equal(fl.mounts[3].target, "/own");
	assert_int_equal(fl.network, BLD_RUN_NET_NONE);
	assert_int_equal(fl.security, BLD_RUN_INSECURE);
	bld_run_flags_clear(&fl);
	assert_int_equal(bld_run_flags_parse(&f->stages[0].instrs[1], &x, &fl, &err), 0);
	assert_int_equal(fl.network, BLD_RUN_NET_HOST);
	assert_int_equal(fl.security, BLD_RUN_SANDBOX);
	bld_run_flags_clear(&fl);
	assert_int_equal(bld_run_flags_parse(&f->stages[0].instrs[2], &x, &fl, &err), 0);
	assert_int_equal(fl.n_mounts, 0);
	assert_int_equal(fl.network, BLD_RUN_NET_DEFAULT);
	bld_run_flags_clear(&fl);
	bld_run_flags_clear(NULL);
	bld_mount_clear(NULL);
	bld_file_free(f);
}

/* Values the parser refuses already can still reach us (a hand-made instruction, an ONBUILD
 * trigger from an image): each is refused again, and a bad --mount leaves nothing behind. */
static void run_flag_errors(void **state)
{
	(void)state;
	static const struct {
		const char *name, *value, *want;
	} cases[] = {
	    {"network", "bridge", "invalid network mode 'bridge'"},
	    {"network", "NONE", "invalid network mode 'NONE'"},
	    {"security", "privileged", "security 'privileged' is not valid"},
	    {"mount", "type=tmp", "unsupported mount type 'tmp' (did you mean tmpfs?)"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bld_flag flags[] = {{(char *)"mount", (char *)"type=cache,target=/ok"},
					   {(char *)cases[i].name, (char *)cases[i].value}};
		struct bld_instr in = {.kind = BLD_RUN, .flags = flags, .n_flags = 2};
		struct bld_expand x = {.escape = '\\'};
		struct bld_run_flags fl = {0};
		struct berr *err = NULL;
		assert_true(bld_run_flags_parse(&in, &x, &fl, &err) < 0);
		assert_null(fl.mounts);
		char *msg = berr_string(err);
		assert_string_equal(msg, cases[i].want);
		free(msg);
		berr_free(err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(parse_table),     cmocka_unit_test(parse_errors),
	    cmocka_unit_test(tmpfs_sizes),     cmocka_unit_test(from_at_plan_time),
	    cmocka_unit_test(destinations),    cmocka_unit_test(run_flags),
	    cmocka_unit_test(run_flag_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

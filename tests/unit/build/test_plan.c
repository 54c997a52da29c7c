/* The build plan (build/plan.c): ARG scoping, stage resolution, the stage graph, platforms.
 * Cases come from the examples of Docker's Dockerfile reference (BuildKit's
 * frontend/dockerfile/docs/reference.md: "Understand how ARG and FROM interact", "Scope",
 * "Using ARG variables", "Predefined ARGs", "Automatic platform ARGs in the global scope"),
 * from BuildKit's frontend/dockerfile/dockerfile_args_test.go (testGlobalArg,
 * testGlobalArgErrors, testArgDefaultExpansion, testMultiArgs, testQuotedMetaArgs,
 * testTargetStageNameArg, testBuiltinArgs, testDefaultEnvWithArgs, testEmptyStringArgInEnv),
 * dockerfile2llb/convert_test.go (TestDockerfileCircularDependencies,
 * TestProxyEnvFromBuildArgsDeterministicOrder) and platform_test.go, and from containerd's
 * platforms/platforms_test.go for the specifiers. Every error path has a row in plan_errors. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
// clang-format on

#include "build/dockerfile.h"
#include "build/expand.h"
#include "build/plan.h"
#include "build/text.h"
#include "util/err.h"
#include "util/json.h"
#include "util/strbuf.h"

static const struct bld_platform amd64 = {"linux", "amd64", ""};

static struct bld_file *parse_file(const char *text)
{
	struct berr *err = NULL;
	struct bld_file *f = bld_file_parse("Containerfile", text, strlen(text), &err);
	if (!f) {
		char *msg = berr_string(err);
		fail_msg("%s", msg);
	}
	return f;
}

/* "K=V" strings (NULL-terminated, or NULL) as build args. */
static struct bld_plan_opts opts_of(const char *const *args, struct bld_kv *kv, const char *target)
{
	size_t n = 0;
	for (; args && args[n]; n++) {
		const char *eq = strchr(args[n], '=');
		kv[n] = (struct bld_kv){.key = strndup(args[n], (size_t)(eq - args[n])),
					.value = (char *)eq + 1};
	}
	return (struct bld_plan_opts){
	    .build_args = kv, .n_build_args = n, .target = target, .host = amd64};
}

static void free_keys(struct bld_kv *kv, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(kv[i].key);
}

static struct bld_plan *plan_of(const struct bld_file *f, const char *const *args,
				const char *target)
{
	struct bld_kv kv[16];
	struct bld_plan_opts o = opts_of(args, kv, target);
	struct bld_plan *p = NULL;
	struct berr *err = NULL;
	if (bld_plan_make(f, &o, &p, &err) < 0) {
		char *msg = berr_string(err);
		fail_msg("%s", msg);
	}
	free_keys(kv, o.n_build_args);
	return p;
}

static void add_line(struct strbuf *b, const char *a, const char *c)
{
	strbuf_add(b, a, strlen(a));
	strbuf_add(b, c, strlen(c));
	strbuf_addc(b, '\n');
}

/* The executor's walk of one stage, as far as variables go: ARG and ENV change vars; USER,
 * WORKDIR and the like are expanded as the builder does; a RUN's command is expanded with its
 * environment, as the shell in the container would (quotes go). One line per instruction. */
static int walk(const struct bld_plan *p, size_t stage, struct bld_vars *v, struct strbuf *out,
		struct berr **err)
{
	const struct bld_plan_stage *ps = &p->stages[stage];
	struct bld_expand x;
	bld_vars_expander(v, &x);
	for (size_t i = 0; i < ps->n_steps; i++) {
		const struct bld_instr *in = ps->steps[i].instr;
		if (in->kind == BLD_ARG) {
			for (size_t k = 0; k < in->n_pairs; k++)
				if (bld_vars_arg(v, &in->pairs[k], err) < 0)
					return -1;
			continue;
		}
		if (in->kind == BLD_RUN) {
			struct bld_env env = {.vars = bld_vars_run_env(v)};
			env.n = strv_len(env.vars);
			struct bld_expand sh = {
			    .escape = '\\', .lookup = bld_env_lookup, .ctx = &env};
			char *cmd = NULL;
			if (bld_expand_word(&sh, in->args[0], &cmd, err) < 0)
				fail();
			add_line(out, "RUN ", cmd);
			free(cmd);
			bld_env_clear(&env);
			continue;
		}
		struct bld_instr o;
		if (bld_instr_expand(in, &x, &o, err) < 0)
			return -1;
		for (size_t k = 0; in->kind == BLD_ENV && k < o.n_pairs; k++)
			bld_vars_env(v, o.pairs[k].key, o.pairs[k].value);
		if (o.n_args) {
			strbuf_add(out, bld_kind_name(o.kind), strlen(bld_kind_name(o.kind)));
			add_line(out, " ", o.args[0]);
		}
		bld_instr_clear(&o);
	}
	return 0;
}

/* The text of walking the target stage (from a fresh scope: its base is an image), after
 * walking the stages it is built FROM. */
static char *walk_target(const struct bld_plan *p)
{
	struct strbuf out = {0};
	struct bld_vars vars[8];
	size_t chain[8], n = 0;
	for (size_t s = p->target;; s = p->stages[s].base.stage) {
		chain[n++] = s;
		if (p->stages[s].base.kind != BLD_REF_STAGE)
			break;
	}
	struct berr *err = NULL;
	for (size_t i = n; i-- > 0;) {
		if (i == n - 1)
			bld_vars_init(&vars[i], p, NULL);
		else
			bld_vars_copy(&vars[i], &vars[i + 1]);
		if (walk(p, chain[i], &vars[i], &out, &err) < 0) {
			char *msg = berr_string(err);
			add_line(&out, "error: ", msg);
			free(msg);
			berr_free(err);
			err = NULL;
		}
	}
	for (size_t i = 0; i < n; i++)
		bld_vars_clear(&vars[i]);
	return strbuf_take(&out);
}

static const struct {
	const char *name, *file, *args[4], *target, *want;
} scope_cases[] = {
    {"reference: Understand how ARG and FROM interact",
     "ARG VERSION=latest\nFROM busybox:$VERSION\nARG VERSION\nRUN echo $VERSION > image_version\n",
     {NULL},
     NULL,
     "RUN echo latest > image_version\n"},
    {"a meta arg is not seen in a stage that does not declare it",
     "ARG VERSION=latest\nFROM busybox:$VERSION\nRUN echo [$VERSION]\n",
     {NULL},
     NULL,
     "RUN echo []\n"},
    {"reference: Scope",
     "FROM busybox\nUSER ${username:-some_user}\nARG username\nUSER $username\n",
     {"username=what_user"},
     NULL,
     "USER some_user\nUSER what_user\n"},
    {"reference: Using ARG variables, ENV after ARG wins",
     "FROM ubuntu\nARG CONT_IMG_VER\nENV CONT_IMG_VER=v1.0.0\nRUN echo $CONT_IMG_VER\n",
     {"CONT_IMG_VER=v2.0.1"},
     NULL,
     "RUN echo v1.0.0\n"},
    {"reference: Using ARG variables, ENV from ARG, no build arg",
     "FROM ubuntu\nARG CONT_IMG_VER\nENV CONT_IMG_VER=${CONT_IMG_VER:-v1.0.0}\n"
     "RUN echo $CONT_IMG_VER\n",
     {NULL},
     NULL,
     "RUN echo v1.0.0\n"},
    {"reference: Using ARG variables, ENV from ARG, build arg",
     "FROM ubuntu\nARG CONT_IMG_VER\nENV CONT_IMG_VER=${CONT_IMG_VER:-v1.0.0}\n"
     "RUN echo $CONT_IMG_VER\n",
     {"CONT_IMG_VER=v2.0.1"},
     NULL,
     "RUN echo v2.0.1\n"},
    {"BuildKit: an ARG with a value after ENV wins (one state env)",
     "FROM ubuntu\nENV A=env\nARG A=arg\nRUN echo $A\nWORKDIR /$A\n",
     {NULL},
     NULL,
     "RUN echo arg\nWORKDIR /arg\n"},
    {"BuildKit: an ARG without a value leaves ENV alone",
     "FROM ubuntu\nENV A=env\nARG A\nRUN echo $A\n",
     {NULL},
     NULL,
     "RUN echo env\n"},
    {"reference: Predefined ARGs are in RUN without ARG",
     "FROM ubuntu\nRUN echo $HTTPS_PROXY $https_proxy\n",
     {"HTTPS_PROXY=https://my-proxy.example.com"},
     NULL,
     "RUN echo https://my-proxy.example.com https://my-proxy.example.com\n"},
    {"reference: Automatic platform ARGs, declared in the stage",
     "FROM alpine\nARG TARGETPLATFORM\nRUN echo \"I'm building for $TARGETPLATFORM\"\n",
     {NULL},
     NULL,
     "RUN echo I'm building for linux/amd64\n"},
    {"reference: Automatic platform ARGs, not declared",
     "FROM alpine\nRUN echo [$TARGETPLATFORM$BUILDARCH]\n",
     {NULL},
     NULL,
     "RUN echo []\n"},
    {"platform ARGs all",
     "FROM alpine\nARG TARGETOS TARGETARCH TARGETVARIANT BUILDPLATFORM BUILDOS BUILDARCH \\\n"
     "  BUILDVARIANT TARGETOSVERSION\nRUN echo $TARGETOS/$TARGETARCH/$TARGETVARIANT "
     "$BUILDPLATFORM $BUILDOS $BUILDARCH [$BUILDVARIANT$TARGETOSVERSION]\n",
     {NULL},
     NULL,
     "RUN echo linux/amd64/ linux/amd64 linux amd64 []\n"},
    {"a --build-arg replaces a platform ARG",
     "FROM alpine\nARG TARGETARCH\nRUN echo $TARGETARCH\n",
     {"TARGETARCH=riscv64"},
     NULL,
     "RUN echo riscv64\n"},
    {"a default hides the meta arg's value",
     "ARG V=meta\nFROM alpine\nARG V=stage\nRUN echo $V\n",
     {NULL},
     NULL,
     "RUN echo stage\n"},
    {"a default is expanded with the stage's variables, not the global scope",
     "ARG G=global\nFROM alpine\nENV E=env\nARG A=\"$E-$G\"\nRUN echo $A\n",
     {NULL},
     NULL,
     "RUN echo env-\n"},
    {"a build arg is not expanded",
     "FROM alpine\nARG A=x\nRUN echo \"$A\"\n",
     {"A=$HOME"},
     NULL,
     "RUN echo $HOME\n"},
    {"a later --build-arg of a name wins",
     "FROM alpine\nARG A\nRUN echo $A\n",
     {"A=1", "A=2"},
     NULL,
     "RUN echo 2\n"},
    {"testMultiArgs",
     "ARG a1=\"foo bar\" a2=box\nARG a3=\"$a2-foo\"\nFROM busy$a2 AS build\n"
     "ARG a3 a4=\"123 456\" a1\nRUN echo -n \"$a1:$a3:$a4\" > /out\n",
     {NULL},
     NULL,
     "RUN echo -n foo bar:box-foo:123 456 > /out\n"},
    {"testQuotedMetaArgs",
     "ARG a1=\"box\"\nARG a2=\"$a1-foo\"\nFROM busy$a1 AS build\nARG a2\nARG a3=\"bar-$a2\"\n"
     "RUN echo -n $a3 > /out\n",
     {NULL},
     NULL,
     "RUN echo -n bar-box-foo > /out\n"},
    {"testBuiltinArgs",
     "FROM busybox AS build\nARG FOO\nARG BAR\nARG BAZ=bazcontent\n"
     "RUN echo -n $HTTP_PROXY::$NO_PROXY::$FOO::$BAR::$BAZ > /out\n",
     {"FOO=foocontents", "http_proxy=hpvalue", "NO_PROXY=npvalue"},
     NULL,
     "RUN echo -n hpvalue::npvalue::foocontents::::bazcontent > /out\n"},
    {"testDefaultEnvWithArgs nil",
     "ARG image=idlebox\nFROM busy${image#idle} AS build\nARG my_arg\n"
     "ENV my_arg \"my_arg=${my_arg:-def_val}\"\nENV my_trimmed_arg \"${my_arg%%e*}\"\n"
     "RUN ./myscript.sh $my_arg $my_trimmed_arg\n",
     {NULL},
     NULL,
     "RUN ./myscript.sh my_arg=def_val my_arg=d\n"},
    {"testDefaultEnvWithArgs empty",
     "FROM busybox\nARG my_arg\nENV my_arg \"my_arg=${my_arg:-def_val}\"\n"
     "ENV my_trimmed_arg \"${my_arg%%e*}\"\nRUN ./myscript.sh $my_arg $my_trimmed_arg\n",
     {"my_arg="},
     NULL,
     "RUN ./myscript.sh my_arg=def_val my_arg=d\n"},
    {"testDefaultEnvWithArgs override",
     "FROM busybox\nARG my_arg\nENV my_arg \"my_arg=${my_arg:-def_val}\"\n"
     "ENV my_trimmed_arg \"${my_arg%%e*}\"\nRUN ./myscript.sh $my_arg $my_trimmed_arg\n",
     {"my_arg=override"},
     NULL,
     "RUN ./myscript.sh my_arg=override my_arg=ov\n"},
    {"testTargetStageNameArg, --target foo",
     "FROM alpine AS base\nRUN echo -n value:$TARGETSTAGE\nARG TARGETSTAGE\n"
     "RUN echo -n value:$TARGETSTAGE\nFROM base AS foo\nFROM scratch\n",
     {NULL},
     "foo",
     "RUN echo -n value:\nRUN echo -n value:foo\n"},
    {"testTargetStageNameArg, no target: the last stage has no name",
     "FROM alpine AS base\nARG TARGETSTAGE\nRUN echo -n value:$TARGETSTAGE\nFROM base\n",
     {NULL},
     NULL,
     "RUN echo -n value:default\n"},
    {"testArgDefaultExpansion",
     "FROM scratch\nARG FOO\nARG BAR=${FOO:?\"foo missing\"}\n",
     {NULL},
     NULL,
     "error: failed to process '${FOO:?\"foo missing\"}': FOO: foo missing\n"},
    {"testArgDefaultExpansion FOO given",
     "FROM scratch\nARG FOO\nARG BAR=${FOO:?\"foo missing\"}\nRUN echo $BAR\n",
     {"FOO=123"},
     NULL,
     "RUN echo 123\n"},
    {"testArgDefaultExpansion BAR given: its default is never expanded",
     "FROM scratch\nARG FOO\nARG BAR=${FOO:?\"foo missing\"}\nRUN echo $BAR\n",
     {"BAR=123"},
     NULL,
     "RUN echo 123\n"},
    {"reference: an ARG is inherited by a stage built FROM it",
     "FROM busybox AS base\nARG A=1\nENV E=e\nFROM base AS next\nRUN echo $A $E\n",
     {NULL},
     NULL,
     "RUN echo 1 e\n"},
    {"unrelated stages do not share ARGs",
     "FROM busybox AS one\nARG A=1\nFROM busybox AS two\nRUN echo [$A]\n",
     {NULL},
     NULL,
     "RUN echo []\n"},
    {"an ONBUILD ARG runs in the stage built FROM it",
     "FROM busybox AS base\nONBUILD ARG A=trigger\nFROM base\nRUN echo $A\n",
     {NULL},
     NULL,
     "RUN echo trigger\n"},
};

static void scope(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(scope_cases) / sizeof(scope_cases[0]); i++) {
		struct bld_file *f = parse_file(scope_cases[i].file);
		struct bld_plan *p = plan_of(f, scope_cases[i].args, scope_cases[i].target);
		char *got = walk_target(p);
		if (strcmp(got, scope_cases[i].want))
			fail_msg("%s:\n gave %s\n want %s", scope_cases[i].name, got,
				 scope_cases[i].want);
		free(got);
		bld_plan_free(p);
		bld_file_free(f);
	}
}

static char *joined(char *const *v)
{
	struct strbuf b = {0};
	for (size_t i = 0; v && v[i]; i++) {
		if (i)
			strbuf_addc(&b, ' ');
		strbuf_add(&b, v[i], strlen(v[i]));
	}
	return strbuf_take(&b);
}

static void expect_joined(char *const *v, const char *want)
{
	char *s = joined(v);
	assert_string_equal(s, want);
	free(s);
}

/* What goes where: the image config (ENV only), RUN's environment (ENV, ARG values, proxies),
 * RUN's history and cache key (declared ARGs only, testEmptyStringArgInEnv). */
static void run_environment(void **state)
{
	(void)state;
	struct bld_file *f = parse_file("FROM busybox\n"
					"ARG FOO\n"
					"ARG BAR=\n"
					"ENV E=1\n"
					"ARG HTTP_PROXY\n"
					"ARG E=2 FOO\n");
	const char *args[] = {"http_proxy=h", "HTTP_PROXY=H", "NO_PROXY=", NULL};
	struct bld_plan *p = plan_of(f, args, NULL);
	char *const image_env[] = {"PATH=/bin", "NOVALUE", NULL};
	struct bld_vars v;
	bld_vars_init(&v, p, image_env);
	struct berr *err = NULL;
	for (size_t i = 0; i < f->stages[0].n_instrs; i++) {
		const struct bld_instr *in = &f->stages[0].instrs[i];
		for (size_t k = 0; k < in->n_pairs; k++) {
			if (in->kind == BLD_ARG)
				assert_int_equal(bld_vars_arg(&v, &in->pairs[k], &err), 0);
			else
				bld_vars_env(&v, in->pairs[k].key, in->pairs[k].value);
		}
	}
	expect_joined(v.config.vars, "PATH=/bin NOVALUE= E=1");
	char **run = bld_vars_run_env(&v);
	expect_joined(run, "PATH=/bin NOVALUE= BAR= E=2 HTTP_PROXY=H http_proxy=h");
	strv_free(run);
	char **hist = bld_vars_run_args(&v);
	expect_joined(hist, "FOO= BAR= HTTP_PROXY=H E=2");
	strv_free(hist);
	assert_string_equal(bld_vars_lookup(&v, "E"), "2");
	assert_null(bld_vars_lookup(&v, "FOO"));
	bld_vars_clear(&v);
	bld_vars_clear(NULL);

	/* nothing declared: empty lists, the proxies only in RUN */
	bld_vars_init(&v, p, NULL);
	char **none = bld_vars_run_args(&v);
	assert_null(none[0]);
	strv_free(none);
	run = bld_vars_run_env(&v);
	expect_joined(run, "HTTP_PROXY=h http_proxy=h");
	strv_free(run);
	bld_vars_clear(&v);
	bld_plan_free(p);
	bld_file_free(f);
}

/* proxyEnvFromBuildArgs: any case, the last in sorted key order wins, empty left out
 * (TestProxyEnvFromBuildArgsDeterministicOrder); the unused build args, sorted. */
static void proxies_and_unused(void **state)
{
	(void)state;
	struct bld_file *f = parse_file("ARG META\n"
					"FROM busybox AS skipped\n"
					"ARG IN_SKIPPED\n"
					"ONBUILD ARG IN_TRIGGER\n"
					"FROM busybox\n"
					"ARG USED=1 other\n");
	const char *args[] = {"Https_Proxy=a", "HTTPS_PROXY=b", "zzz=1",        "USED=2",
			      "META=m",        "IN_SKIPPED=s",  "FTP_PROXY=",   "AAA=1",
			      "IN_TRIGGER=t",  "TARGETOS=x",    "all_proxy=ap", NULL};
	struct bld_plan *p = plan_of(f, args, NULL);
	expect_joined(p->proxy.vars, "HTTPS_PROXY=a https_proxy=a ALL_PROXY=ap all_proxy=ap");
	expect_joined(p->unused_args, "AAA zzz");
	assert_int_equal(p->n_unused_args, 2);
	assert_false(p->stages[0].needed);
	bld_plan_free(p);

	p = plan_of(f, NULL, NULL);
	assert_int_equal(p->proxy.n, 0);
	assert_null(p->unused_args);
	bld_plan_free(p);
	bld_file_free(f);
}

/* "K=V" of one name in the global scope. */
static void expect_global(const struct bld_plan *p, const char *key, const char *want)
{
	const char *v = bld_env_lookup((void *)&p->global, key);
	if (!want) {
		assert_null(v);
		return;
	}
	assert_non_null(v);
	assert_string_equal(v, want);
}

/* FROM lines see the global scope (reference: "Understand how ARG and FROM interact",
 * "Automatic platform ARGs in the global scope"; testGlobalArg). */
static void from_lines(void **state)
{
	(void)state;
	struct bld_file *f =
	    parse_file("ARG  CODE_VERSION=latest\n"
		       "ARG tag=nosuchtag\n"
		       "ARG EMPTY NOVALUE\n"
		       "FROM base:${CODE_VERSION}\n"
		       "CMD  /code/run-app\n"
		       "FROM extras:${CODE_VERSION}\n"
		       "CMD  /code/run-extras\n"
		       "FROM --platform=$BUILDPLATFORM busybox:${tag} AS build\n"
		       "FROM --platform=${TARGETOS}/${TARGETARCH} img:$TARGETARCH\n");
	const char *args[] = {"tag=latest", "EMPTY=", NULL};
	struct bld_plan *p = plan_of(f, args, NULL);
	assert_string_equal(p->stages[0].base.image, "base:latest");
	assert_string_equal(p->stages[1].base.image, "extras:latest");
	assert_string_equal(p->stages[2].base.image, "busybox:latest");
	assert_string_equal(p->stages[3].base.image, "img:amd64");
	char buf[3 * BLD_PLATFORM_PART_MAX];
	assert_string_equal(bld_platform_format(&p->stages[2].platform, buf, sizeof(buf)),
			    "linux/amd64");
	expect_global(p, "CODE_VERSION", "latest");
	expect_global(p, "EMPTY", "");
	expect_global(p, "NOVALUE", NULL);
	expect_global(p, "TARGETPLATFORM", "linux/amd64");
	expect_global(p, "BUILDOSVERSION", "");
	expect_global(p, "TARGETSTAGE", "default");
	expect_global(p, "HOME", NULL);
	assert_string_equal(p->stages[0].name, "stage-0");
	assert_string_equal(p->stages[2].name, "build");
	bld_plan_free(p);
	bld_file_free(f);

	/* testGlobalArgErrors: with the build arg, the default is never expanded */
	f = parse_file("ARG FOO=${FOO:?\"custom error\"}\nFROM busybox\n");
	const char *foo[] = {"FOO=bar", NULL};
	p = plan_of(f, foo, NULL);
	expect_global(p, "FOO", "bar");
	bld_plan_free(p);
	bld_file_free(f);

	/* an arm host: TARGETVARIANT, and --platform=linux/arm64/v8 is arm64 */
	f = parse_file("FROM --platform=linux/arm64/v8 a\nFROM --platform=arm64 b\n");
	struct bld_plan_opts o = {.host = {"linux", "armhf", ""}};
	struct berr *err = NULL;
	assert_int_equal(bld_plan_make(f, &o, &p, &err), 0);
	expect_global(p, "TARGETPLATFORM", "linux/arm/v7");
	expect_global(p, "TARGETVARIANT", "v7");
	assert_string_equal(p->stages[0].platform.variant, "v8");
	assert_true(bld_platform_same(&p->stages[0].platform, &p->stages[1].platform));
	bld_plan_free(p);
	bld_file_free(f);
}

/* How names resolve: FROM sees earlier stages only (case-insensitive), COPY --from every stage
 * and indexes, mounts names only; scratch; images as written. */
static void resolution(void **state)
{
	(void)state;
	struct bld_file *f =
	    parse_file("FROM alpine AS base\n"                    /* 0 */
		       "FROM base AS b2\n"                        /* 1 */
		       "FROM Base\n"                              /* 2 */
		       "FROM later AS x\n"                        /* 3 */
		       "FROM busybox AS later\n"                  /* 4 */
		       "FROM scratch AS self\n"                   /* 5 */
		       "FROM self AS again\n"                     /* 6 */
		       "FROM final AS final\n"                    /* 7 */
		       "COPY --from=BASE /a /a\n"                 /* its steps: */
		       "COPY --from=1 /a /a\n"                    /* stage 1 */
		       "COPY --from=+4 /a /a\n"                   /* stage 4 */
		       "COPY --from=alpine:3 /a /a\n"             /* image */
		       "COPY --from=scratch /a /a\n"              /* scratch */
		       "COPY --from= /a /a\n"                     /* context */
		       "COPY /a /a\n"                             /* context */
		       "COPY --from=99999999999999999999 /a /a\n" /* image */
		       "RUN --mount=from=later,target=/l --mount=type=cache,target=/c "
		       "--mount=from=0,target=/0 --mount=from=,target=/e true\n");
	struct bld_plan *p = plan_of(f, NULL, NULL);
	const struct bld_plan_stage *s = p->stages;
	assert_int_equal(s[0].base.kind, BLD_REF_IMAGE);
	assert_int_equal(s[1].base.kind, BLD_REF_STAGE);
	assert_int_equal(s[1].base.stage, 0);
	assert_int_equal(s[2].base.stage, 0);
	assert_int_equal(s[3].base.kind, BLD_REF_IMAGE);
	assert_string_equal(s[3].base.image, "later");
	assert_int_equal(s[5].base.kind, BLD_REF_SCRATCH);
	assert_int_equal(s[6].base.stage, 5);
	assert_string_equal(s[7].base.image, "final");
	const struct bld_plan_step *st = s[7].steps;
	assert_int_equal(s[7].n_steps, 9);
	assert_int_equal(st[0].from.stage, 0);
	assert_int_equal(st[1].from.stage, 1);
	assert_int_equal(st[2].from.stage, 4);
	assert_string_equal(st[3].from.image, "alpine:3");
	assert_int_equal(st[4].from.kind, BLD_REF_SCRATCH);
	assert_int_equal(st[5].from.kind, BLD_REF_NONE);
	assert_int_equal(st[6].from.kind, BLD_REF_NONE);
	assert_int_equal(st[7].from.kind, BLD_REF_IMAGE);
	assert_int_equal(st[8].n_mount_from, 4);
	assert_int_equal(st[8].mount_from[0].stage, 4);
	assert_int_equal(st[8].mount_from[1].kind, BLD_REF_NONE);
	assert_string_equal(st[8].mount_from[2].image, "0");
	assert_int_equal(st[8].mount_from[3].kind, BLD_REF_NONE);
	assert_true(st[0].instr == &f->stages[7].instrs[0]);
	assert_false(st[0].onbuild);

	/* the same rules for names the plan could not see (an image's ONBUILD) */
	struct bld_ref r;
	struct berr *err = NULL;
	assert_int_equal(bld_plan_resolve(p, 7, "4", true, &r, &err), 0);
	assert_int_equal(r.stage, 4);
	assert_int_equal(bld_plan_resolve(p, 7, "later", false, &r, &err), 0);
	assert_int_equal(r.stage, 4);
	assert_int_equal(bld_plan_resolve(p, 7, "4", false, &r, &err), 0);
	assert_string_equal(r.image, "4");
	bld_ref_clear(&r);
	bld_ref_clear(NULL);
	static const struct {
		size_t at;
		const char *name;
		int copy;
		const char *want;
	} bad[] = {
	    {3, "later", 1,
	     "cannot copy from stage 'later', it needs to be defined before current stage 'x'"},
	    {3, "later", 0,
	     "cannot mount from stage 'later', it needs to be defined before current stage 'x'"},
	    {4, "LATER", 1, "circular dependency detected on stage: later"},
	    {4, "8", 1, "invalid stage index 8"},
	    {4, "$X", 1,
	     "variable expansion is not supported for --from, define a new stage with FROM using "
	     "ARG from global scope as a workaround"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_true(bld_plan_resolve(p, bad[i].at, bad[i].name, bad[i].copy, &r, &err) < 0);
		char *msg = berr_string(err);
		assert_string_equal(msg, bad[i].want);
		free(msg);
		berr_clear(&err);
	}
	bld_plan_free(p);
	bld_file_free(f);
}

static char *list(const size_t *v, size_t n)
{
	struct strbuf b = {0};
	for (size_t i = 0; i < n; i++) {
		char num[24];
		snprintf(num, sizeof(num), "%s%zu", i ? " " : "", v[i]);
		strbuf_add(&b, num, strlen(num));
	}
	return strbuf_take(&b);
}

/* --build-context: a named context comes before stages, images and scratch; an image one
 * stands for its reference; a directory one is a context, needing no stage. */
static void named_contexts(void **state)
{
	(void)state;
	struct bld_named_context c[4];
	struct berr *err = NULL;
	const char *specs[] = {"src=./dir", "Base=docker-image://alpine:3", "scratch=/d",
			       "7=/seven"};
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(bld_named_context_parse(specs[i], &c[i], &err), 0);
	assert_string_equal(c[0].name, "src");
	assert_int_equal(c[0].kind, BLD_NAMED_DIR);
	assert_string_equal(c[0].value, "./dir");
	assert_int_equal(c[1].kind, BLD_NAMED_IMAGE);
	assert_string_equal(c[1].value, "alpine:3");
	const char *bad[] = {"novalue",
			     "=x",
			     "x=",
			     "a/b=x",
			     "x=https://h/c.tar",
			     "x=target:t",
			     "x=oci-layout://d",
			     "x=docker-image://",
			     "x=git@h:r.git"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct bld_named_context none;
		assert_true(bld_named_context_parse(bad[i], &none, &err) < 0);
		berr_clear(&err);
	}
	struct bld_file *f = parse_file("FROM busybox AS src\n" /* 0, replaced */
					"FROM base AS b\n"      /* 1: the image */
					"FROM scratch\n"        /* 2: the directory */
					"COPY --from=src /a /a\n"
					"COPY --from=7 /a /a\n" /* a name before an index */
					"RUN --mount=from=SRC,target=/s true\n");
	struct bld_kv kv[1];
	struct bld_plan_opts o = opts_of(NULL, kv, NULL);
	o.contexts = c;
	o.n_contexts = 4;
	struct bld_plan *p = NULL;
	assert_int_equal(bld_plan_make(f, &o, &p, &err), 0);
	assert_int_equal(p->stages[1].base.kind, BLD_REF_IMAGE);
	assert_string_equal(p->stages[1].base.image, "alpine:3");
	assert_int_equal(p->stages[2].base.kind, BLD_REF_CONTEXT);
	assert_int_equal(p->stages[2].base.stage, 2);
	const struct bld_plan_step *st = p->stages[2].steps;
	assert_int_equal(st[0].from.kind, BLD_REF_CONTEXT);
	assert_int_equal(st[0].from.stage, 0);
	assert_int_equal(st[1].from.kind, BLD_REF_CONTEXT);
	assert_int_equal(st[1].from.stage, 3);
	assert_int_equal(st[2].mount_from[0].kind, BLD_REF_CONTEXT);
	/* the stage the context replaced is not needed */
	assert_false(p->stages[0].needed);
	assert_int_equal(p->n_order, 1);
	bld_plan_free(p);
	bld_file_free(f);
	for (size_t i = 0; i < 4; i++)
		bld_named_context_clear(&c[i]);
}

static void expect_list(const size_t *v, size_t n, const char *want)
{
	char *s = list(v, n);
	assert_string_equal(s, want);
	free(s);
}

/* Which stages run, in what order, each waiting for which: two independent stages and a final
 * one (the issue's benchmark shape), a skipped stage, --target, ONBUILD triggers. */
static void graph(void **state)
{
	(void)state;
	struct bld_file *f = parse_file("FROM gcc AS lib\n" /* 0 */
					"RUN make lib\n"
					"FROM gcc AS app\n" /* 1 */
					"RUN --mount=from=lib,target=/lib make\n"
					"FROM alpine AS docs\n" /* 2 */
					"ONBUILD COPY --from=lib /doc /doc\n"
					"FROM gcc AS tools\n"    /* 3 */
					"FROM docs AS site\n"    /* 4 */
					"FROM debian AS final\n" /* 5 */
					"COPY --from=app /app /\n"
					"COPY --from=0 /lib /\n"
					"COPY --from=tools /t /\n"
					"COPY --from=app /again /\n");
	struct bld_plan *p = plan_of(f, NULL, NULL);
	assert_int_equal(p->target, 5);
	expect_list(p->order, p->n_order, "0 1 3 5");
	expect_list(p->stages[5].wait_for, p->stages[5].n_wait_for, "0 1 3");
	expect_list(p->stages[1].wait_for, p->stages[1].n_wait_for, "0");
	expect_list(p->stages[0].wait_for, p->stages[0].n_wait_for, "");
	assert_false(p->stages[2].needed);
	assert_false(p->stages[4].needed);
	bld_plan_free(p);

	/* --target, case-insensitive: the ONBUILD line of docs runs in site, first */
	p = plan_of(f, NULL, "SITE");
	assert_int_equal(p->target, 4);
	expect_list(p->order, p->n_order, "0 2 4");
	expect_list(p->stages[4].wait_for, p->stages[4].n_wait_for, "0 2");
	assert_int_equal(p->stages[4].n_steps, 1);
	assert_true(p->stages[4].steps[0].onbuild);
	assert_int_equal(p->stages[4].steps[0].instr->kind, BLD_COPY);
	assert_int_equal(p->stages[4].steps[0].instr->line, 6);
	assert_int_equal(p->stages[4].steps[0].from.stage, 0);
	/* ONBUILD lines do not run in the stage that has them */
	assert_int_equal(p->stages[2].n_steps, 1);
	assert_int_equal(p->stages[2].steps[0].instr->kind, BLD_ONBUILD);
	assert_int_equal(p->stages[2].steps[0].from.kind, BLD_REF_NONE);
	bld_plan_free(p);

	/* a later stage referenced by a stage that is skipped is no error (BuildKit) */
	bld_file_free(f);
	f = parse_file("FROM busybox AS a\nCOPY --from=b / /\nFROM busybox AS b\n");
	p = plan_of(f, NULL, NULL);
	expect_list(p->order, p->n_order, "1");
	bld_plan_free(p);
	bld_file_free(f);
}

static const struct {
	const char *file, *args[3], *target, *want;
} error_cases[] = {
    /* TestDockerfileCircularDependencies */
    {"FROM busybox AS stage0\nCOPY --from=stage0 f1 /sub/\n",
     {NULL},
     NULL,
     "Containerfile:2: circular dependency detected on stage: stage0"},
    {"FROM busybox AS stage0\nCOPY --from=stage2 f1 /sub/\nFROM busybox AS stage1\n"
     "COPY --from=stage0 f2 /sub/\nFROM busybox AS stage2\nCOPY --from=stage1 f2 /sub/\n",
     {NULL},
     NULL,
     "Containerfile:2: circular dependency detected on stage: stage0"},
    {"FROM busybox AS a\nRUN --mount=from=b,target=/b true\nFROM a AS b\n",
     {NULL},
     NULL,
     "Containerfile:2: circular dependency detected on stage: a"},
    {"FROM busybox AS a\nRUN true\nFROM busybox\nCOPY --from=1 / /\n",
     {NULL},
     NULL,
     "Containerfile:4: circular dependency detected on stage: stage-1"},
    /* a later stage in a stage that runs */
    {"FROM busybox AS a\nCOPY --from=b / /\nFROM busybox AS b\n",
     {NULL},
     "a",
     "Containerfile:2: cannot copy from stage 'b', it needs to be defined before current "
     "stage 'a'"},
    {"FROM busybox AS a\nCOPY --from=1 / /\nFROM busybox AS b\n",
     {NULL},
     "A",
     "Containerfile:2: cannot copy from stage 'b', it needs to be defined before current "
     "stage 'a'"},
    {"FROM busybox AS a\nRUN --mount=type=bind,from=b true\nFROM busybox AS b\n",
     {NULL},
     "a",
     "Containerfile:2: cannot mount from stage 'b', it needs to be defined before current "
     "stage 'a'"},
    {"FROM busybox AS a\nONBUILD COPY --from=c / /\nFROM a AS b\nFROM busybox AS c\n",
     {NULL},
     "b",
     "Containerfile:2: cannot copy from stage 'c', it needs to be defined before current "
     "stage 'b'"},
    /* names */
    {"FROM busybox AS a\nFROM busybox\n",
     {NULL},
     "nope",
     "Containerfile: target stage 'nope' could not be found"},
    {"FROM busybox\nFROM busybox\n",
     {NULL},
     "stage-0",
     "Containerfile: target stage 'stage-0' could not be found"},
    {"FROM busybox\nCOPY --from=5 / /\n", {NULL}, NULL, "Containerfile:2: invalid stage index 5"},
    {"FROM busybox\nCOPY --from=-1 / /\n", {NULL}, NULL, "Containerfile:2: invalid stage index -1"},
    {"FROM busybox\nONBUILD COPY --from=7 / /\n", {NULL}, NULL, NULL}, /* a trigger not run */
    {"FROM busybox AS a\nONBUILD COPY --from=7 / /\nFROM a\n",
     {NULL},
     NULL,
     "Containerfile:2: invalid stage index 7"},
    {"FROM busybox\nCOPY --from=$X / /\n",
     {NULL},
     NULL,
     "Containerfile:2: variable expansion is not supported for --from, define a new stage "
     "with FROM using ARG from global scope as a workaround"},
    {"FROM busybox\nCOPY --from=${X:?x} / /\n",
     {NULL},
     NULL,
     "Containerfile:2: failed to process '${X:?x}': X: x"},
    {"FROM busybox\nENV ttt=test\nRUN --mount=from=$ttt,type=cache,target=/tmp ls\n",
     {NULL},
     NULL,
     "Containerfile:3: 'from' doesn't support variable expansion, define alias stage instead"},
    {"FROM busybox\nRUN --mount=target=/a\\\"b ls\n",
     {NULL},
     NULL,
     "Containerfile:2: failed to parse csv mounts: parse error on line 1, column 10: bare \" "
     "in non-quoted-field"},
    /* FROM lines */
    {"ARG X\nFROM $X\n", {NULL}, NULL, "Containerfile:2: base name ($X) should not be blank"},
    {"FROM ${X:?nobase}\n",
     {NULL},
     NULL,
     "Containerfile:1: failed to process '${X:?nobase}': X: nobase"},
    /* testGlobalArgErrors */
    {"\nARG FOO=${FOO:?\"custom error\"}\nFROM busybox\n",
     {NULL},
     NULL,
     "Containerfile:2: failed to process '${FOO:?\"custom error\"}': FOO: custom error"},
    {"FROM --platform=$NOPE alpine\n",
     {NULL},
     NULL,
     "Containerfile:1: empty platform value from expression '$NOPE'"},
    {"FROM --platform=${P:?unset} alpine\n",
     {NULL},
     NULL,
     "Containerfile:1: failed to process arguments for platform '${P:?unset}': failed to "
     "process '${P:?unset}': P: unset"},
    {"ARG P=linux/amd64/v1/x\nFROM --platform=$P alpine\n",
     {NULL},
     NULL,
     "Containerfile:2: failed to parse platform '$P': 'linux/amd64/v1/x': cannot parse "
     "platform specifier"},
    {"ARG P\nFROM --platform=$P alpine\n",
     {"P=beos"},
     NULL,
     "Containerfile:2: failed to parse platform '$P': 'beos': unknown operating system or "
     "architecture"},
    /* a --build-arg reaches FROM only through an ARG before it */
    {"FROM --platform=$P alpine\n",
     {"P=linux/amd64"},
     NULL,
     "Containerfile:1: empty platform value from expression '$P'"},
    /* build args */
    {"FROM busybox\n", {"=x"}, NULL, "invalid build arg name ''"},
    {"FROM busybox\n", {"A=B=C"}, NULL, NULL}, /* a value may hold '=' */
};

static void plan_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
		struct bld_file *f = parse_file(error_cases[i].file);
		struct bld_kv kv[4];
		struct bld_plan_opts o = opts_of(error_cases[i].args, kv, error_cases[i].target);
		struct bld_plan *p = NULL;
		struct berr *err = NULL;
		int r = bld_plan_make(f, &o, &p, &err);
		if (!error_cases[i].want) {
			assert_int_equal(r, 0);
			bld_plan_free(p);
		} else {
			if (r == 0)
				fail_msg("case %zu: no error, want %s", i, error_cases[i].want);
			assert_null(p);
			char *msg = berr_string(err);
			if (strcmp(msg, error_cases[i].want))
				fail_msg("case %zu:\n gave %s\n want %s", i, msg,
					 error_cases[i].want);
			assert_int_equal(-r, berr_code(err));
			free(msg);
			berr_free(err);
		}
		free_keys(kv, o.n_build_args);
		bld_file_free(f);
	}
	bld_plan_free(NULL);
}

/* containerd's platforms.Parse on the specifiers a Containerfile names. */
static void platforms(void **state)
{
	(void)state;
	static const struct {
		const char *in, *want; /* want: the formatted result or the error */
	} cases[] = {
	    {"linux/amd64", "linux/amd64"},
	    {"Linux/AMD64", "linux/amd64"},
	    {"linux/x86_64", "linux/amd64"},
	    {"linux/x86-64/v1", "linux/amd64"},
	    {"linux/amd64/v3", "linux/amd64/v3"},
	    {"linux/aarch64", "linux/arm64"},
	    {"linux/arm64/v8", "linux/arm64/v8"},
	    {"linux/arm64/8", "linux/arm64/v8"},
	    {"linux/arm64/9", "linux/arm64/v9"},
	    {"linux/arm", "linux/arm"},
	    {"linux/arm/7", "linux/arm/v7"},
	    {"linux/arm/v6", "linux/arm/v6"},
	    {"linux/arm/5", "linux/arm/v5"},
	    {"linux/armhf", "linux/arm"},
	    {"linux/armel", "linux/arm/v6"},
	    {"linux/i386", "linux/386"},
	    {"macos/arm64", "darwin/arm64"},
	    {"windows/amd64", "windows/amd64"},
	    {"linux", "linux/amd64"},
	    {"arm64", "linux/arm64"},
	    {"armhf", "linux/arm"},
	    {"s390x", "linux/s390x"},
	    {"linux/", "'' is an invalid component of 'linux/': platform specifier component must "
		       "match '^[A-Za-z0-9_-]+$'"},
	    {"", "'' is an invalid component of '': platform specifier component must match "
		 "'^[A-Za-z0-9_-]+$'"},
	    {"linux/*", "'*' is an invalid component of 'linux/*': platform specifier component "
			"must match '^[A-Za-z0-9_-]+$'"},
	    {"linux/amd64/v1/x", "'linux/amd64/v1/x': cannot parse platform specifier"},
	    {"beos", "'beos': unknown operating system or architecture"},
	    {"linux/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	     "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' is an invalid "
	     "component of "
	     "'linux/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa': "
	     "platform specifier component must match '^[A-Za-z0-9_-]+$'"},
	};
	const struct bld_platform host = {"linux", "amd64", ""};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bld_platform p;
		struct berr *err = NULL;
		char buf[3 * BLD_PLATFORM_PART_MAX];
		char *got = bld_platform_parse(cases[i].in, &host, &p, &err) < 0
				? berr_string(err)
				: strdup(bld_platform_format(&p, buf, sizeof(buf)));
		if (strcmp(got, cases[i].want))
			fail_msg("'%s' gave %s, want %s", cases[i].in, got, cases[i].want);
		free(got);
		berr_free(err);
	}
	static const struct bld_platform a64 = {"linux", "arm64", ""},
					 a64v8 = {"linux", "arm64", "v8"},
					 arm = {"linux", "arm", ""}, armv7 = {"linux", "arm", "v7"},
					 armv6 = {"linux", "arm", "v6"};
	assert_true(bld_platform_same(&a64, &a64v8));
	assert_true(bld_platform_same(&arm, &armv7));
	assert_false(bld_platform_same(&arm, &armv6));
	assert_false(bld_platform_same(&a64, &host));
	assert_true(bld_platform_same(&host, &amd64));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(scope),
	    cmocka_unit_test(run_environment),
	    cmocka_unit_test(proxies_and_unused),
	    cmocka_unit_test(from_lines),
	    cmocka_unit_test(resolution),
	    cmocka_unit_test(named_contexts),
	    cmocka_unit_test(graph),
	    cmocka_unit_test(plan_errors),
	    cmocka_unit_test(platforms),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

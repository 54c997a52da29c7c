/* Manifests, indexes, platforms, image configs and chain ids: what a registry or an archive
 * may send, good and bad. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it: keep this order. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
// clang-format on

#include "image/config.h"
#include "image/manifest.h"
#include "util/err.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define D3 "sha256:3333333333333333333333333333333333333333333333333333333333333333"

static const char docker_manifest[] =
    "{\"schemaVersion\":2,\"mediaType\":\"" IMG_MT_DOCKER_MANIFEST "\","
    "\"config\":{\"mediaType\":\"" IMG_MT_DOCKER_CONFIG "\",\"digest\":\"" D1 "\",\"size\":7},"
    "\"layers\":[{\"mediaType\":\"" IMG_MT_DOCKER_LAYER "\",\"digest\":\"" D2 "\",\"size\":10},"
    "{\"mediaType\":\"" IMG_MT_OCI_LAYER_ZSTD "\",\"digest\":\"" D3 "\",\"size\":20}]}";

static const char index_doc[] =
    "{\"schemaVersion\":2,\"manifests\":["
    "{\"mediaType\":\"" IMG_MT_OCI_MANIFEST "\",\"digest\":\"" D1 "\",\"size\":1,"
    "\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v7\"}},"
    "{\"mediaType\":\"" IMG_MT_OCI_MANIFEST "\",\"digest\":\"" D2 "\",\"size\":1,"
    "\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\"}},"
    "{\"mediaType\":\"" IMG_MT_OCI_MANIFEST "\",\"digest\":\"" D3 "\",\"size\":1,"
    "\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}]}";

static void expect_error(const char *doc, const char *mt, const char *what)
{
	struct img_manifest *m = NULL;
	struct berr *err = NULL;
	assert_true(img_manifest_parse(doc, strlen(doc), mt, &m, &err) < 0);
	assert_null(m);
	char *msg = berr_string(err);
	if (!strstr(msg, what))
		fail_msg("'%s' does not say '%s'", msg, what);
	free(msg);
	berr_free(err);
}

static void docker_schema2(void **state)
{
	struct img_manifest *m = NULL;
	assert_int_equal(
	    img_manifest_parse(docker_manifest, strlen(docker_manifest), NULL, &m, NULL), 0);
	assert_int_equal(m->kind, IMG_KIND_MANIFEST);
	assert_string_equal(m->media_type, IMG_MT_DOCKER_MANIFEST);
	assert_string_equal(m->config.digest, D1);
	assert_int_equal(m->config.size, 7);
	assert_int_equal(m->n_layers, 2);
	assert_string_equal(m->layers[1].media_type, IMG_MT_OCI_LAYER_ZSTD);
	img_manifest_free(m);
	/* the registry's Content-Type agrees: fine; "application/json" says nothing */
	assert_int_equal(img_manifest_parse(docker_manifest, strlen(docker_manifest),
					    "application/json", &m, NULL),
			 0);
	img_manifest_free(m);
	expect_error(docker_manifest, IMG_MT_OCI_MANIFEST, "but was served as");
}

static void index_and_platforms(void **state)
{
	struct img_manifest *m = NULL;
	assert_int_equal(img_manifest_parse(index_doc, strlen(index_doc), NULL, &m, NULL), 0);
	assert_int_equal(m->kind, IMG_KIND_INDEX);
	assert_int_equal(m->n_manifests, 3);
	struct img_platform p = {0};
	assert_int_equal(img_platform_parse("linux/amd64", &p, NULL), 0);
	assert_int_equal(img_index_select(m, &p, NULL), 2);
	img_platform_clear(&p);
	/* arm64 without a variant is v8 */
	assert_int_equal(img_platform_parse("linux/arm64/v8", &p, NULL), 0);
	assert_int_equal(img_index_select(m, &p, NULL), 1);
	img_platform_clear(&p);
	assert_int_equal(img_platform_parse("arm", &p, NULL), 0);
	assert_string_equal(p.os, "linux");
	assert_int_equal(img_index_select(m, &p, NULL), 0);
	img_platform_clear(&p);
	assert_int_equal(img_platform_parse("linux/arm/v6", &p, NULL), 0);
	struct berr *err = NULL;
	assert_int_equal(img_index_select(m, &p, &err), -ENOENT);
	char *msg = berr_string(err);
	assert_string_equal(msg, "no image for platform linux/arm/v6 in the index (it has: "
				 "linux/arm/v7, linux/arm64, linux/amd64)");
	free(msg);
	berr_free(err);
	img_platform_clear(&p);
	assert_true(img_platform_parse("a/b/c/d", &p, NULL) < 0);
	img_manifest_free(m);
}

static void refused(void **state)
{
	expect_error("{\"schemaVersion\":1,\"name\":\"x\",\"fsLayers\":[]}", NULL, "schema 1");
	expect_error("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.foo\"}", NULL,
		     "unsupported manifest media type");
	expect_error("[1,2]", NULL, "not a JSON object");
	expect_error(
	    "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":\"sha256:ab\","
	    "\"size\":1},\"layers\":[]}",
	    NULL, "config.digest");
	expect_error("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":\"" D1
		     "\",\"size\":-1},\"layers\":[]}",
		     NULL, "negative");
	expect_error("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":\"" D1
		     "\",\"size\":1},\"layers\":[{\"mediaType\":\"text/html\",\"digest\":\"" D2
		     "\",\"size\":1}]}",
		     NULL, "unsupported media type 'text/html'");
	expect_error("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":\"" D1
		     "\",\"size\":1}}",
		     NULL, "no layers");
	expect_error("{\"schemaVersion\":2,\"schemaVersion\":2}", NULL, "invalid JSON");
	/* more layers than overlayfs stacks */
	size_t cap = 256 + 200 * 160;
	char *doc = malloc(cap);
	int n = snprintf(doc, cap,
			 "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":\"" D1
			 "\",\"size\":1},\"layers\":[");
	for (int i = 0; i < 200; i++)
		n += snprintf(doc + n, cap - (size_t)n,
			      "%s{\"mediaType\":\"" IMG_MT_OCI_LAYER "\",\"digest\":\"" D2
			      "\",\"size\":1}",
			      i ? "," : "");
	snprintf(doc + n, cap - (size_t)n, "]}");
	expect_error(doc, NULL, "more than the 127 allowed");
	free(doc);
	/* over the size limit, whatever it holds */
	char *big = malloc(IMG_MANIFEST_MAX + 2);
	memset(big, ' ', IMG_MANIFEST_MAX + 1);
	big[IMG_MANIFEST_MAX + 1] = '\0';
	expect_error(big, NULL, "more than the");
	free(big);
}

static void config_and_chain(void **state)
{
	static const char cfg[] =
	    "{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\","
	    "\"created\":\"2026-01-01T00:00:00Z\",\"config\":{\"Env\":[\"A=1\"],"
	    "\"Cmd\":[\"sh\"],\"WorkingDir\":\"/w\",\"User\":\"1:2\",\"Volumes\":{\"/data\":{}},"
	    "\"ExposedPorts\":{\"80/tcp\":{}},\"Labels\":{\"k\":\"v\"},\"StopSignal\":\"SIGINT\"},"
	    "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" D1 "\",\"" D2 "\"]},"
	    "\"history\":[{\"created_by\":\"a\"},{\"created_by\":\"b\",\"empty_layer\":true},"
	    "{\"created_by\":\"c\",\"comment\":\"z\"}]}";
	struct img_config *c = NULL;
	assert_int_equal(img_config_parse(cfg, strlen(cfg), &c, NULL), 0);
	assert_string_equal(c->platform.arch, "arm64");
	assert_string_equal(c->platform.variant, "v8");
	assert_string_equal(c->env[0], "A=1");
	assert_string_equal(c->cmd[0], "sh");
	assert_null(c->entrypoint);
	assert_string_equal(c->working_dir, "/w");
	assert_string_equal(c->user, "1:2");
	assert_string_equal(c->volumes[0], "/data");
	assert_string_equal(c->exposed_ports[0], "80/tcp");
	assert_string_equal(c->stop_signal, "SIGINT");
	assert_int_equal(c->n_diff_ids, 2);
	assert_int_equal(c->n_history, 3);
	assert_true(c->history[1].empty_layer);
	assert_string_equal(c->history[2].comment, "z");
	/* chain(L0) = diff(L0); chain(L1) = sha256(chain(L0) + " " + diff(L1)) */
	char chain[72];
	img_chain_id(c->diff_ids, 1, chain);
	assert_string_equal(chain, D1);
	img_chain_id(c->diff_ids, 2, chain);
	assert_string_equal(
	    chain, "sha256:9932074217c35353d2e03a3f5a86549f7c67bfeb0ba53e23d69f4d4c8f7958f5");
	img_config_free(c);
	struct berr *err = NULL;
	static const char bad[] = "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"md5:x\"]}}";
	assert_true(img_config_parse(bad, strlen(bad), &c, &err) < 0);
	berr_clear(&err);
	static const char notype[] = "{\"rootfs\":{\"diff_ids\":[]}}";
	assert_true(img_config_parse(notype, strlen(notype), &c, &err) < 0);
	berr_clear(&err);
	static const char badenv[] =
	    "{\"config\":{\"Env\":\"A=1\"},\"rootfs\":{\"type\":\"layers\"}}";
	assert_true(img_config_parse(badenv, strlen(badenv), &c, &err) < 0);
	char *msg = berr_string(err);
	assert_non_null(strstr(msg, "config.Env: expected array"));
	free(msg);
	berr_free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(docker_schema2),
	    cmocka_unit_test(index_and_platforms),
	    cmocka_unit_test(refused),
	    cmocka_unit_test(config_and_chain),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Instructions applied to an image config (build/config.c): each instruction's effect as
 * BuildKit's dispatchers give it, checked on the JSON, and the history entries. */
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

#include "build/config.h"
#include "build/dockerfile.h"
#include "build/expand.h"
#include "util/err.h"

/* Apply every instruction of the file's only stage, expanded with no variables set. */
static json_t *apply_text(const char *text, struct berr **err)
{
	struct bld_file *f = bld_file_parse("Containerfile", text, strlen(text), err);
	if (!f)
		return NULL;
	json_t *cfg = json_pack("{s:{}}", "config");
	struct bld_config_state st = {0};
	struct bld_expand x = {.escape = f->escape};
	int r = 0;
	for (size_t i = 0; r == 0 && i < f->stages[0].n_instrs; i++) {
		struct bld_instr in = {0};
		r = bld_instr_expand(&f->stages[0].instrs[i], &x, &in, err);
		if (r == 0)
			r = bld_config_apply(cfg, &st, &in, err);
		bld_instr_clear(&in);
	}
	bld_file_free(f);
	if (r < 0) {
		json_decref(cfg);
		return NULL;
	}
	return cfg;
}

static void assert_config(const char *text, const char *want_json)
{
	struct berr *err = NULL;
	json_t *cfg = apply_text(text, &err);
	if (!cfg) {
		char *msg = berr_string(err);
		fail_msg("'%s': %s", text, msg);
	}
	json_t *want = json_loads(want_json, 0, NULL);
	assert_non_null(want);
	if (!json_equal(json_object_get(cfg, "config"), want)) {
		char *got = json_dumps(json_object_get(cfg, "config"), JSON_SORT_KEYS);
		fail_msg("'%s': got %s, want %s", text, got, want_json);
	}
	json_decref(want);
	json_decref(cfg);
}

static void assert_refused(const char *text, const char *want_msg)
{
	struct berr *err = NULL;
	json_t *cfg = apply_text(text, &err);
	if (cfg)
		fail_msg("'%s' was accepted", text);
	char *msg = berr_string(err);
	if (!strstr(msg, want_msg))
		fail_msg("'%s': '%s' does not say '%s'", text, msg, want_msg);
	free(msg);
	berr_free(err);
}

static void test_env_label_user(void **state)
{
	assert_config("FROM x\nENV A=1 B=\"two words\"\nENV A 3\n",
		      "{\"Env\": [\"A=3\", \"B=two words\"]}");
	assert_config("FROM x\nLABEL a=b \"c d\"=e\n",
		      "{\"Labels\": {\"a\": \"b\", \"c d\": \"e\"}}");
	assert_config("FROM x\nUSER 1000:1000\nSTOPSIGNAL SIGKILL\n",
		      "{\"User\": \"1000:1000\", \"StopSignal\": \"SIGKILL\"}");
}

static void test_workdir(void **state)
{
	assert_config("FROM x\nWORKDIR /a\nWORKDIR b\nWORKDIR ../c/./d/\n",
		      "{\"WorkingDir\": \"/a/c/d\"}");
	assert_config("FROM x\nWORKDIR rel\n", "{\"WorkingDir\": \"/rel\"}");
}

static void test_expose_volume(void **state)
{
	assert_config("FROM x\nEXPOSE 80 53/UDP 8000-8002/tcp\n",
		      "{\"ExposedPorts\": {\"80/tcp\": {}, \"53/udp\": {}, \"8000/tcp\": {}, "
		      "\"8001/tcp\": {}, \"8002/tcp\": {}}}");
	assert_config("FROM x\nVOLUME /a /b\nVOLUME [\"/c\"]\n",
		      "{\"Volumes\": {\"/a\": {}, \"/b\": {}, \"/c\": {}}}");
	assert_refused("FROM x\nEXPOSE http\n", "invalid port 'http'");
	assert_refused("FROM x\nEXPOSE 80/xyz\n", "invalid protocol");
	assert_refused("FROM x\nEXPOSE 0\n", "invalid port");
	assert_refused("FROM x\nEXPOSE 90-80\n", "invalid port range");
	assert_refused("FROM x\nVOLUME [\"\"]\n", "can not be an empty string");
}

static void test_cmd_entrypoint_shell(void **state)
{
	assert_config("FROM x\nCMD echo hi\n", "{\"Cmd\": [\"/bin/sh\", \"-c\", \"echo hi\"]}");
	assert_config("FROM x\nSHELL [\"/bin/bash\", \"-ec\"]\nCMD echo hi\n",
		      "{\"Shell\": [\"/bin/bash\", \"-ec\"], \"Cmd\": [\"/bin/bash\", \"-ec\", "
		      "\"echo hi\"]}");
	/* an ENTRYPOINT after this stage's CMD keeps it; without one, the base's Cmd goes */
	assert_config("FROM x\nCMD [\"a\"]\nENTRYPOINT [\"e\"]\n",
		      "{\"Cmd\": [\"a\"], \"Entrypoint\": [\"e\"]}");
	assert_config("FROM x\nENTRYPOINT [\"e\"]\n", "{\"Cmd\": null, \"Entrypoint\": [\"e\"]}");
}

static void test_healthcheck_onbuild_maintainer(void **state)
{
	assert_config(
	    "FROM x\nHEALTHCHECK --interval=5s --retries=2 CMD [\"/bin/check\", \"-q\"]\n",
	    "{\"Healthcheck\": {\"Test\": [\"CMD\", \"/bin/check\", \"-q\"], "
	    "\"Interval\": 5000000000, \"Retries\": 2}}");
	assert_config("FROM x\nHEALTHCHECK CMD curl -f http://x/\n",
		      "{\"Healthcheck\": {\"Test\": [\"CMD-SHELL\", \"curl -f http://x/\"]}}");
	assert_config("FROM x\nHEALTHCHECK NONE\n", "{\"Healthcheck\": {\"Test\": [\"NONE\"]}}");
	assert_config("FROM x\nONBUILD RUN make\nONBUILD COPY . /src\n",
		      "{\"OnBuild\": [\"RUN make\", \"COPY . /src\"]}");
	struct berr *err = NULL;
	json_t *cfg = apply_text("FROM x\nMAINTAINER Someone <s@x>\n", &err);
	assert_non_null(cfg);
	assert_string_equal(json_string_value(json_object_get(cfg, "author")), "Someone <s@x>");
	json_decref(cfg);
}

/* A failed instruction leaves the config as it was. */
static void test_failure_changes_nothing(void **state)
{
	json_t *cfg = json_pack("{s:{s:[s]}}", "config", "Env", "A=1");
	json_t *before = json_deep_copy(cfg);
	struct berr *err = NULL;
	struct bld_file *f = bld_file_parse("Containerfile", "FROM x\nEXPOSE 80 bad\n", 20, &err);
	assert_non_null(f);
	struct bld_config_state st = {0};
	assert_true(bld_config_apply(cfg, &st, &f->stages[0].instrs[0], &err) < 0);
	assert_true(json_equal(cfg, before));
	berr_free(err);
	bld_file_free(f);
	json_decref(cfg);
	json_decref(before);
}

static void test_created_by_and_history(void **state)
{
	struct berr *err = NULL;
	const char *text = "FROM x\nRUN make -j2\nCOPY --chown=1:1 a b /dst/\nENV A=1\n"
			   "CMD [\"a\", \"b c\"]\nRUN [\"echo\", \"x\"]\n";
	struct bld_file *f = bld_file_parse("Containerfile", text, strlen(text), &err);
	assert_non_null(f);
	json_t *shell = json_pack("[s,s]", "/bin/sh", "-c");
	static const char *const want[] = {"RUN /bin/sh -c make -j2 # buildkit",
					   "COPY --chown=1:1 a b /dst/ # buildkit", "ENV A=1",
					   "CMD [\"a\" \"b c\"]", "RUN echo x # buildkit"};
	for (size_t i = 0; i < f->stages[0].n_instrs; i++) {
		char *got = bld_config_created_by(&f->stages[0].instrs[i], shell);
		assert_string_equal(got, want[i]);
		free(got);
	}
	json_t *cfg = json_object();
	bld_config_history(cfg, "ENV A=1", true);
	json_t *h = json_array_get(json_object_get(cfg, "history"), 0);
	assert_string_equal(json_string_value(json_object_get(h, "created_by")), "ENV A=1");
	assert_true(json_is_true(json_object_get(h, "empty_layer")));
	assert_non_null(json_string_value(json_object_get(h, "created")));
	json_decref(cfg);
	json_decref(shell);
	bld_file_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_env_label_user),
	    cmocka_unit_test(test_workdir),
	    cmocka_unit_test(test_expose_volume),
	    cmocka_unit_test(test_cmd_entrypoint_shell),
	    cmocka_unit_test(test_healthcheck_onbuild_maintainer),
	    cmocka_unit_test(test_failure_changes_nothing),
	    cmocka_unit_test(test_created_by_and_history),
	};
	return cmocka_run_group_tests_name("build/config", tests, NULL, NULL);
}

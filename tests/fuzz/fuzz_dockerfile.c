/* libFuzzer: a Containerfile as build/dockerfile.c parses it; then every word of every
 * instruction expanded as the builder would (bld_instr_expand) and as the shell lexer reads
 * any word (build/expand.c), with a fixed set of variables; and the same bytes read as a
 * .dockerignore (build/ignore.c) and matched against paths taken from them. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "build/dockerfile.h"
#include "build/expand.h"
#include "build/ignore.h"
#include "util/err.h"
#include "util/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void word(const struct bld_expand *x, const char *w)
{
	struct berr *err = NULL;
	char *out = NULL;
	char **words = NULL;
	if (bld_expand_word(x, w, &out, &err) == 0)
		free(out);
	berr_clear(&err);
	if (bld_expand_words(x, w, &words, &err) == 0)
		strv_free(words);
	berr_clear(&err);
}

static void instr(const struct bld_expand *x, const struct bld_instr *in)
{
	struct berr *err = NULL;
	struct bld_instr out;
	if (bld_instr_expand(in, x, &out, &err) == 0)
		bld_instr_clear(&out);
	berr_clear(&err);
	for (size_t i = 0; i < in->n_args; i++)
		word(x, in->args[i]);
	for (size_t i = 0; i < in->n_flags; i++)
		word(x, in->flags[i].value);
	for (size_t i = 0; i < in->n_pairs; i++) {
		word(x, in->pairs[i].key);
		if (in->pairs[i].value)
			word(x, in->pairs[i].value);
	}
	struct bld_expand body = *x;
	body.escape = '\\';
	body.flags = BLD_EXPAND_NO_QUOTES;
	for (size_t i = 0; i < in->n_heredocs; i++)
		word(&body, in->heredocs[i].content);
	if (in->trigger)
		instr(x, in->trigger);
}

static void ignore(const uint8_t *data, size_t size)
{
	struct berr *err = NULL;
	struct bld_ignore *ign = NULL;
	if (bld_ignore_parse((const char *)data, size, &ign, &err) < 0) {
		berr_free(err);
		return;
	}
	static const char *const paths[] = {
	    "a", "a/b", "src/main.c", "docs/README.md", "node_modules/x/y", ".git", "x/temp1"};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		(void)bld_ignore_match(ign, paths[i], true);
		(void)bld_ignore_match(ign, paths[i], false);
	}
	/* each line of the input as a path too */
	char *copy = strndup((const char *)data, size);
	for (char *line = copy, *next; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		(void)bld_ignore_match(ign, line, next != NULL);
	}
	free(copy);
	bld_ignore_free(ign);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct berr *err = NULL;
	struct bld_file *f = bld_file_parse("Containerfile", (const char *)data, size, &err);
	berr_clear(&err);
	if (f) {
		struct bld_env env = {0};
		bld_env_set(&env, "A", "a b");
		bld_env_set(&env, "EMPTY", "");
		bld_env_set(&env, "PATH", "/usr/local/bin:/usr/bin");
		bld_env_set(&env, "GLOB", "*?\\*");
		bld_env_set(&env, "DOLLAR", "$0 $$ ${1}");
		struct bld_expand x = {.escape = f->escape, .lookup = bld_env_lookup, .ctx = &env};
		for (size_t i = 0; i < f->n_meta_args; i++)
			instr(&x, &f->meta_args[i]);
		for (size_t s = 0; s < f->n_stages; s++) {
			instr(&x, &f->stages[s].from);
			for (size_t i = 0; i < f->stages[s].n_instrs; i++)
				instr(&x, &f->stages[s].instrs[i]);
		}
		bld_env_clear(&env);
		bld_file_free(f);
	}
	ignore(data, size);
	return 0;
}

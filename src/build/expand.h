/* Variable substitution in Containerfile words, as BuildKit's shell lexer
 * (frontend/dockerfile/shell/lex.go) does it, and which words of which instruction the builder
 * substitutes (frontend/dockerfile/instructions/commands.go, dockerfile2llb/convert.go).
 *
 * Forms: $name, ${name}, and
 *   ${name:-word} ${name-word} ${name:+word} ${name+word}   the reference's stable list
 *   ${name#pat} ${name##pat} ${name%pat} ${name%%pat}        the reference's newer list; pat is a
 *   ${name/pat/repl} ${name//pat/repl}                      glob: ? one character, * any run,
 *                                                            \* \? \\ literal (no brackets)
 *   ${name:?msg} ${name?msg}                                 what BuildKit's lexer also accepts:
 *                                                            an error when unset (or empty)
 * Anything else in ${...} is an error (${name:=w}, ${:-w}, ${}). Names are [A-Za-z0-9_]+
 * (ASCII: BuildKit also takes other Unicode letters), a run of digits, or one of @*#?-$!;
 * positional and special parameters are looked up like any name, so they are normally unset.
 * Quotes: '...' is literal, "..." allows $ and escapes of " $ and the escape character; both are
 * removed. The escape character (the file's: \ or `) makes the next character literal.
 * BuildKit quirks kept on purpose: in patterns * and ? do not match a newline (they become
 * Go's `.`); once r is expanded, ${x//p/r} reads a $0 that came from a value as the matched
 * text and other $names as empty (Go's Regexp.ReplaceAllString), while ${x/p/r} inserts r
 * literally; "" alone makes no word.
 *
 * The builder expands ADD COPY ENV EXPOSE FROM LABEL STOPSIGNAL USER VOLUME WORKDIR (and ARG
 * defaults); RUN, CMD, ENTRYPOINT, SHELL and HEALTHCHECK are left to the shell in the container,
 * ONBUILD triggers to the build that runs them. */
#ifndef BERTH_BUILD_EXPAND_H
#define BERTH_BUILD_EXPAND_H

#include <stdbool.h>
#include <stddef.h>

struct berr;
struct bld_instr;

#define BLD_EXPAND_MAX   (1u << 20) /* bytes of one expanded word */
#define BLD_EXPAND_DEPTH 64         /* ${...} inside ${...} */

/* The value of variable name, or NULL when it is unset. */
typedef const char *(*bld_lookup_fn)(void *ctx, const char *name);

enum {
	BLD_EXPAND_RAW_QUOTES = 1 << 0,  /* keep quote characters in the result */
	BLD_EXPAND_RAW_ESCAPES = 1 << 1, /* keep escape characters in the result */
	BLD_EXPAND_NO_QUOTES = 1 << 2,   /* quotes are ordinary characters (here-document bodies) */
	BLD_EXPAND_KEEP_UNSET = 1 << 3,  /* an unset variable stays as written */
};

struct bld_expand {
	char escape;          /* the file's escape character: '\\' or '`' */
	unsigned flags;       /* BLD_EXPAND_*; 0 for instruction words */
	bld_lookup_fn lookup; /* NULL: every variable is unset */
	void *ctx;
};

/* One word, quotes removed, white space kept (BuildKit's ProcessWord). */
int bld_expand_word(const struct bld_expand *x, const char *word, char **out, struct berr **err);
/* Words split on unquoted white space after expansion (ProcessWords); NULL-terminated. */
int bld_expand_words(const struct bld_expand *x, const char *word, char ***out, struct berr **err);

/* A small variable set: "KEY=value" strings, setting a key again replaces it. */
struct bld_env {
	char **vars;
	size_t n;
};
void bld_env_set(struct bld_env *env, const char *key, const char *value);
void bld_env_clear(struct bld_env *env);
/* A bld_lookup_fn over a struct bld_env. */
const char *bld_env_lookup(void *env, const char *name);

/* in with the words the builder substitutes replaced by their values, into *out (clear it with
 * bld_instr_clear). x->escape is the file's. Per instruction, as BuildKit's dispatch does:
 *   ADD COPY     sources and destination, --chown --chmod (--checksum for ADD); here-document
 *                bodies whose delimiter was not quoted (quotes kept there); COPY --from may not
 *                use variables at all
 *   ENV LABEL    keys and values;  ARG  default values (a --build-arg replaces them later)
 *   EXPOSE       each word, split again (EXPOSE $PORTS gives several)
 *   FROM         the base and --platform (with only the ARGs before the first FROM in x)
 *   STOPSIGNAL USER WORKDIR VOLUME  each argument
 *   others       copied unchanged; RUN --mount values are substituted field by field by the
 *                --mount parser that is still to come (TODO(#17)). */
int bld_instr_expand(const struct bld_instr *in, const struct bld_expand *x, struct bld_instr *out,
		     struct berr **err);

#endif

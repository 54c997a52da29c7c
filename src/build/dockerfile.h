/* src/build/: the Containerfile front end of `berth build` (issue #17). It turns untrusted text
 * into plans and decides nothing about images, stores or processes; engine/ will run the plans.
 * It uses only util/ (and jansson for exec-form arrays).
 *   dockerfile  the file: parser directives, comments, line continuations, here-documents, one
 *               struct bld_instr per instruction, stages (this header)
 *   instr       one instruction as data: struct bld_instr, its copy and release (instr.h)
 *   instruction one instruction line: flags, shell or exec form, per-instruction arguments and
 *               the checks BuildKit makes when it reads them (instruction.h, internal);
 *               healthcheck its HEALTHCHECK part (Go durations)
 *   expand      variable substitution and word splitting as BuildKit's shell lexer does them,
 *               and which words of which instruction the builder expands (expand.h)
 *   shpattern   the glob patterns of ${x#p}, ${x%p} and ${x/p/r} (shpattern.h, internal)
 *   ignore      .dockerignore / .containerignore patterns and matching (ignore.h)
 *   text        white space and growing strings shared by the above (text.h, internal)
 * The reference is Docker's Dockerfile reference for frontend 1.x and BuildKit's
 * frontend/dockerfile/{parser,instructions,shell}: where the two disagree BuildKit's code wins,
 * since that is what `docker build` runs. Nothing is expanded here: arguments are kept as written
 * so that build args and ENV can be applied per stage later (bld_instr_expand in expand.h).
 *
 * Errors read as Docker's do, with our file name and the instruction's first line:
 *   "Containerfile:7: unknown instruction: FOO". Every input size has a limit (BLD_*_MAX). */
#ifndef BERTH_BUILD_DOCKERFILE_H
#define BERTH_BUILD_DOCKERFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "build/instr.h"

struct berr;

#define BLD_FILE_MAX       (8u << 20) /* bytes of a Containerfile */
#define BLD_LINE_MAX       65535      /* bytes of one physical line, as BuildKit's scanner */
#define BLD_LINES_MAX      200000     /* physical lines */
#define BLD_INSTR_TEXT_MAX (1u << 20) /* bytes of one instruction, continuations joined */
#define BLD_HEREDOC_MAX    (4u << 20) /* bytes of one here-document body */
#define BLD_INSTRS_MAX     10000      /* instructions in a file */
#define BLD_STAGES_MAX     1000       /* FROM lines */

struct bld_stage {
	char *name;     /* lower-cased `AS` name, or NULL */
	char *base;     /* the image or stage reference, unexpanded ("scratch", "${BASE}") */
	char *platform; /* --platform, unexpanded, or NULL */
	unsigned line;
	struct bld_instr from; /* the FROM instruction itself */
	struct bld_instr *instrs;
	size_t n_instrs;
};

struct bld_file {
	char *name;   /* as given for messages: "Containerfile" */
	char *syntax; /* "# syntax=" value, noted (berth has one frontend), or NULL */
	char *check;  /* "# check=" value, kept but not acted on, or NULL */
	char escape;  /* '\\' or '`' (# escape=) */
	struct bld_instr *meta_args; /* ARG instructions before the first FROM */
	size_t n_meta_args;
	struct bld_stage *stages;
	size_t n_stages;
};

/* Parse a Containerfile; name is only used in messages. NULL with err on bad input. */
struct bld_file *bld_file_parse(const char *name, const char *text, size_t len, struct berr **err);
void bld_file_free(struct bld_file *f);

#endif

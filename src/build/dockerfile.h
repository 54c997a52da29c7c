/* src/build/: the Containerfile front end of `berth build` (issue #17). It turns untrusted text
 * into plans and decides nothing about images, stores or processes; engine/ will run the plans.
 * It uses only util/ (and jansson for exec-form arrays).
 *   dockerfile  the file: parser directives, comments, line continuations, here-documents, one
 *               struct bld_instr per instruction, stages (this header)
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

struct berr;

#define BLD_FILE_MAX       (8u << 20) /* bytes of a Containerfile */
#define BLD_LINE_MAX       65535      /* bytes of one physical line, as BuildKit's scanner */
#define BLD_LINES_MAX      200000     /* physical lines */
#define BLD_INSTR_TEXT_MAX (1u << 20) /* bytes of one instruction, continuations joined */
#define BLD_HEREDOC_MAX    (4u << 20) /* bytes of one here-document body */
#define BLD_INSTRS_MAX     10000      /* instructions in a file */
#define BLD_STAGES_MAX     1000       /* FROM lines */
#define BLD_ARGS_MAX       4096       /* arguments, flags, pairs or here-documents of one line */

enum bld_kind {
	BLD_FROM,
	BLD_RUN,
	BLD_CMD,
	BLD_LABEL,
	BLD_MAINTAINER,
	BLD_EXPOSE,
	BLD_ENV,
	BLD_ADD,
	BLD_COPY,
	BLD_ENTRYPOINT,
	BLD_VOLUME,
	BLD_USER,
	BLD_WORKDIR,
	BLD_ARG,
	BLD_ONBUILD,
	BLD_STOPSIGNAL,
	BLD_HEALTHCHECK,
	BLD_SHELL,
};

/* "--name=value" before the arguments. Boolean flags are stored as "true" or "false"; a flag
 * that may repeat (--mount, --exclude) appears once per use, in order. */
struct bld_flag {
	char *name;
	char *value;
};

/* A here-document: `RUN <<EOF`, `COPY <<-'EOF' /path`. */
struct bld_heredoc {
	char *name;      /* the delimiter, quotes removed */
	char *content;   /* the body, with leading tabs removed for <<- */
	unsigned fd;     /* "3<<EOF" → 3; 0 when not given */
	bool strip_tabs; /* <<- */
	bool expand;     /* no part of the delimiter was quoted: variables are expanded */
};

/* ENV and LABEL pairs (eq false for the old "ENV key value" form), ARG declarations (value NULL
 * for "ARG name"). Key and value as written: quotes go when they are expanded. */
struct bld_kv {
	char *key;
	char *value;
	bool eq;
};

enum bld_health_test {
	BLD_HEALTH_NONE,      /* HEALTHCHECK NONE */
	BLD_HEALTH_CMD,       /* exec form: args are the command */
	BLD_HEALTH_CMD_SHELL, /* shell form: args[0] is the command line */
};

struct bld_health {
	enum bld_health_test test;
	int64_t interval_ns, timeout_ns, start_period_ns, start_interval_ns; /* 0: not given */
	int retries;                                                         /* 0: not given */
};

struct bld_instr {
	enum bld_kind kind;
	unsigned line, end_line; /* 1-based; end_line includes continuations and here-documents */
	char *original;          /* the instruction as written, continuations joined, trimmed */
	struct bld_flag *flags;
	size_t n_flags;
	/* Arguments as BuildKit's parser splits them, unexpanded:
	 *   RUN CMD ENTRYPOINT SHELL HEALTHCHECK  one shell command line, or the exec-form array
	 *   ADD COPY VOLUME                       the JSON array, or words split on blanks
	 *   FROM EXPOSE                           words split on blanks ("image", "AS", "name")
	 *   MAINTAINER USER WORKDIR STOPSIGNAL     the rest of the line, one argument
	 *   ENV LABEL ARG ONBUILD                 none: see pairs and trigger */
	char **args; /* NULL-terminated */
	size_t n_args;
	bool exec_form;   /* args came from a JSON array */
	int *arg_heredoc; /* ADD/COPY: per argument, the index of its here-document or -1 */
	struct bld_heredoc *heredocs;
	size_t n_heredocs;
	struct bld_kv *pairs; /* ENV LABEL ARG */
	size_t n_pairs;
	struct bld_health health;  /* HEALTHCHECK */
	struct bld_instr *trigger; /* ONBUILD: the instruction it registers */
	char *trigger_text;        /* ONBUILD: the text for the image's OnBuild list */
};

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

/* "RUN", "COPY", ... */
const char *bld_kind_name(enum bld_kind kind);
/* The value of the last --name flag of in, or NULL when not given. */
const char *bld_instr_flag(const struct bld_instr *in, const char *name);
/* A deep copy of in into *out. */
void bld_instr_copy(struct bld_instr *out, const struct bld_instr *in);
/* Release what in holds (not in itself); in is zeroed. */
void bld_instr_clear(struct bld_instr *in);

#endif

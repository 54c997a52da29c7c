/* One Containerfile instruction as data (internal to src/build/, and what dockerfile.h's file is
 * made of): its kind, flags, arguments, here-documents and pairs as BuildKit's parser splits
 * them, unexpanded, with the helpers every room that reads one shares. The line parser that
 * fills one is instruction.h; the file that holds them, dockerfile.h. */
#ifndef BERTH_BUILD_INSTR_H
#define BERTH_BUILD_INSTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BLD_ARGS_MAX 4096 /* arguments, flags, pairs or here-documents of one line */

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

/* "RUN", "COPY", ... */
const char *bld_kind_name(enum bld_kind kind);
/* The value of the last --name flag of in, or NULL when not given. */
const char *bld_instr_flag(const struct bld_instr *in, const char *name);
/* A deep copy of in into *out. */
void bld_instr_copy(struct bld_instr *out, const struct bld_instr *in);
/* Release what in holds (not in itself); in is zeroed. */
void bld_instr_clear(struct bld_instr *in);

#endif

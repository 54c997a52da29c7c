/* One instruction as data (instr.h): the kinds' names, and a copy and a release that know
 * every field. */
#include "build/instr.h"

#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/xalloc.h"

static const char *const kind_names[] = {
    [BLD_FROM] = "FROM",
    [BLD_RUN] = "RUN",
    [BLD_CMD] = "CMD",
    [BLD_LABEL] = "LABEL",
    [BLD_MAINTAINER] = "MAINTAINER",
    [BLD_EXPOSE] = "EXPOSE",
    [BLD_ENV] = "ENV",
    [BLD_ADD] = "ADD",
    [BLD_COPY] = "COPY",
    [BLD_ENTRYPOINT] = "ENTRYPOINT",
    [BLD_VOLUME] = "VOLUME",
    [BLD_USER] = "USER",
    [BLD_WORKDIR] = "WORKDIR",
    [BLD_ARG] = "ARG",
    [BLD_ONBUILD] = "ONBUILD",
    [BLD_STOPSIGNAL] = "STOPSIGNAL",
    [BLD_HEALTHCHECK] = "HEALTHCHECK",
    [BLD_SHELL] = "SHELL",
};

const char *bld_kind_name(enum bld_kind kind)
{
	return (size_t)kind < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[kind] : "?";
}

const char *bld_instr_flag(const struct bld_instr *in, const char *name)
{
	const char *v = NULL;
	for (size_t i = 0; i < in->n_flags; i++)
		if (!strcmp(in->flags[i].name, name))
			v = in->flags[i].value;
	return v;
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void bld_instr_copy(struct bld_instr *out, const struct bld_instr *in)
{
	*out = *in;
	out->original = dup_or_null(in->original);
	out->flags = in->n_flags ? xmalloc(in->n_flags * sizeof(*in->flags)) : NULL;
	for (size_t i = 0; i < in->n_flags; i++)
		out->flags[i] =
		    (struct bld_flag){xstrdup(in->flags[i].name), xstrdup(in->flags[i].value)};
	out->args = in->args ? strv_dup(in->args) : NULL;
	if (in->arg_heredoc) {
		out->arg_heredoc = xmalloc(in->n_args * sizeof(int));
		memcpy(out->arg_heredoc, in->arg_heredoc, in->n_args * sizeof(int));
	}
	out->heredocs = in->n_heredocs ? xmalloc(in->n_heredocs * sizeof(*in->heredocs)) : NULL;
	for (size_t i = 0; i < in->n_heredocs; i++) {
		out->heredocs[i] = in->heredocs[i];
		out->heredocs[i].name = xstrdup(in->heredocs[i].name);
		out->heredocs[i].content = dup_or_null(in->heredocs[i].content);
	}
	out->pairs = in->n_pairs ? xmalloc(in->n_pairs * sizeof(*in->pairs)) : NULL;
	for (size_t i = 0; i < in->n_pairs; i++)
		out->pairs[i] = (struct bld_kv){xstrdup(in->pairs[i].key),
						dup_or_null(in->pairs[i].value), in->pairs[i].eq};
	if (in->trigger) {
		out->trigger = xmalloc(sizeof(*out->trigger));
		bld_instr_copy(out->trigger, in->trigger);
	}
	out->trigger_text = dup_or_null(in->trigger_text);
}

void bld_instr_clear(struct bld_instr *in)
{
	if (!in)
		return;
	free(in->original);
	for (size_t i = 0; i < in->n_flags; i++) {
		free(in->flags[i].name);
		free(in->flags[i].value);
	}
	free(in->flags);
	strv_free(in->args);
	free(in->arg_heredoc);
	for (size_t i = 0; i < in->n_heredocs; i++) {
		free(in->heredocs[i].name);
		free(in->heredocs[i].content);
	}
	free(in->heredocs);
	for (size_t i = 0; i < in->n_pairs; i++) {
		free(in->pairs[i].key);
		free(in->pairs[i].value);
	}
	free(in->pairs);
	if (in->trigger) {
		bld_instr_clear(in->trigger);
		free(in->trigger);
	}
	free(in->trigger_text);
	*in = (struct bld_instr){0};
}

/* One Containerfile instruction line → struct bld_instr (internal to src/build/). The file
 * level (dockerfile.c) joins continuation lines, drops comments and reads here-document bodies;
 * this room splits the instruction word, its flags and its arguments the way BuildKit's
 * parser/line_parsers.go and instructions/parse.go do, and makes their checks. */
#ifndef BERTH_BUILD_INSTRUCTION_H
#define BERTH_BUILD_INSTRUCTION_H

#include "build/instr.h"

struct berr;

/* Parse one logical line (continuations joined, no comments) into *out. Everything but line
 * numbers and here-document bodies is filled in: the here-documents the line names are listed
 * with content NULL, on out itself or, for ONBUILD, on out->trigger. The error message is the
 * bare reason ("unknown instruction: FOO"); the caller adds file and line. */
int bld_instr_parse(const char *line, char escape, struct bld_instr *out, struct berr **err);

/* The here-document a word names ("<<EOF", "3<<-'EOF'", BuildKit's ParseHeredoc): 1 with
 * name, fd, strip_tabs and expand filled, 0 when the word names none, < 0 when it is malformed
 * (an unbalanced quote). */
int bld_heredoc_word(const char *word, struct bld_heredoc *out, struct berr **err);

/* HEALTHCHECK's checks (healthcheck.c): in->args[0] is the type word, taken out here; the
 * flags are already known good. Fills in->health. */
int bld_health_check(struct bld_instr *in, struct berr **err);

#endif

/* `berth build`'s progress, as BuildKit's printers show it, on stderr:
 *   plain  "#N [stage i/n] INSTRUCTION", the step's output line by line with the seconds since
 *          it began ("#N 0.123 text"), then "#N CACHED", "#N DONE 0.4s", "#N ERROR: ..." or
 *          "#N CANCELED"; steps of stages built side by side interleave, each line named;
 *   tty    a view redrawn in place: "[+] Building 1.2s (7/15)", a line a step
 *          ("=> [app 2/5] RUN make   0.8s", "=> CACHED [...]"), the last lines of the
 *          output of each step under way; "FINISHED" or "ERROR" at the end, then the failed
 *          step's output between "------" lines, as BuildKit prints it;
 *   quiet  nothing but the failed step's output.
 * "auto" is tty when stderr is a terminal (and TERM is not "dumb"), else plain;
 * BUILDKIT_PROGRESS chooses when --progress does not. */
#ifndef BERTH_CLI_BERTH_BUILD_PROGRESS_H
#define BERTH_CLI_BERTH_BUILD_PROGRESS_H

#include <stdbool.h>

#include "build/builder.h"

enum build_progress_mode { BUILD_PROGRESS_PLAIN, BUILD_PROGRESS_TTY, BUILD_PROGRESS_QUIET };

struct build_progress;

/* The mode for --progress (NULL: unset), -q, and the terminal; -1 for an unknown name. */
int build_progress_mode(const char *flag, bool quiet);
struct build_progress *build_progress_new(enum build_progress_mode mode);
/* The builder's event callback (ctx: the struct build_progress). */
void build_progress_event(void *ctx, const struct bld_event *e);
/* The end: the tty view's last frame (FINISHED or ERROR) and the failed step's output. */
void build_progress_end(struct build_progress *p, bool ok);
void build_progress_free(struct build_progress *p);

#endif

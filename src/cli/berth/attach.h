/* Being attached to a container: see attach.c. */
#ifndef BERTH_CLI_BERTH_ATTACH_H
#define BERTH_CLI_BERTH_ATTACH_H

#include <stdbool.h>

struct berr;
struct eng_store;

struct cli_attach {
	bool stdin_, stdout_, stderr_;
	bool tty_raw;   /* the container has a terminal: ours goes raw, sizes follow */
	bool sig_proxy; /* signals we receive go to the container */
	bool exec;      /* an exec's connection (FRAME_EXEC sent): frame_exec_early's */
};

/* Relay until the container ends: its exit status; -1 when the user detached. */
int cli_attach_run(const struct eng_store *s, const char *id, int sock, const struct cli_attach *a);

#endif

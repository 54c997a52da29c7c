/* berth-runtime: shared state of the command line (the one struct cli_opts STYLE.md allows). */
#ifndef BERTH_CLI_RUNTIME_H
#define BERTH_CLI_RUNTIME_H

#include <stdbool.h>

struct berr;

struct cli_opts {
	const char *root;
	bool systemd_cgroup;
	bool debug;
	bool vm;       /* called as berth-runtime-vm: every container a VM */
	bool rootless; /* --rootless true|false|auto (auto: not root on the host) */
};

struct cli_command {
	const char *name;
	const char *summary;
	int (*run)(struct cli_opts *o, int argc, char **argv);
};

extern const struct cli_command cli_commands[];

/* Print "berth-runtime: <err>" once (also to the log) and return exit status 1. */
int cli_fail(struct berr *err);
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int cli_parse_signal(const char *s);

#endif

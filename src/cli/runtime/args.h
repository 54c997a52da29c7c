/* A small option parser for runc's command line: long options with "=" or a separate value,
 * single-dash short aliases, booleans, "--" ending options. Options may follow positionals. */
#ifndef BERTH_CLI_ARGS_H
#define BERTH_CLI_ARGS_H

#include <stdbool.h>

struct cli_flag {
	const char *name; /* "pid-file" */
	char short_name;  /* 'd' or 0 */
	bool takes_value;
	bool repeat; /* value may be given several times (collected) */
};

struct cli_parsed {
	const char *values[32]; /* per flag index: last value, or "1" for booleans */
	const char **lists[32]; /* repeatable flags: NULL-terminated */
	int list_len[32];
	const char *pos[64];
	int npos;
};

/* Free the lists of repeatable flags (the strings are argv's). */
void cli_parsed_clear(struct cli_parsed *p);
#define autoparsed __attribute__((cleanup(cli_parsed_clear)))

/* Returns 0, or -1 with a message on stderr for an unknown flag or missing value. */
int cli_parse(const char *cmd, const struct cli_flag *flags, int argc, char **argv,
	      struct cli_parsed *out);
/* The same, but everything after the first positional is positional too (exec's command). */
int cli_parse_until_pos(const char *cmd, const struct cli_flag *flags, int argc, char **argv,
			struct cli_parsed *out);
/* Index of a flag by name, for reading values. */
const char *cli_get(const struct cli_flag *flags, const struct cli_parsed *p, const char *name);
bool cli_has(const struct cli_flag *flags, const struct cli_parsed *p, const char *name);
const char **cli_list(const struct cli_flag *flags, const struct cli_parsed *p, const char *name);

#endif

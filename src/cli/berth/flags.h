/* Flags as Docker's command line (spf13/pflag) takes them: "--name value", "--name=value",
 * "-n value", "-nvalue", grouped booleans ("-it"), "--bool=false", repeated list flags,
 * "--" ending flags. Each flag writes into a field of the command's own options struct. */
#ifndef BERTH_CLI_BERTH_FLAGS_H
#define BERTH_CLI_BERTH_FLAGS_H

#include <stdbool.h>

enum flag_kind {
	FLAG_BOOL,   /* bool * */
	FLAG_STRING, /* const char ** (the argv string) */
	FLAG_LIST,   /* struct flag_list * (each occurrence appended) */
	FLAG_INT,    /* long * */
};

struct flag_list {
	const char **v; /* NULL-terminated, NULL when never given */
	int n;
};

struct flag {
	const char *name; /* "detach" */
	char short_name;  /* 'd' or 0 */
	enum flag_kind kind;
	void *target;
	const char *help;  /* for --help; NULL hides the flag */
	const char *value; /* the value's name in --help ("string", "list") */
};

#define FLAG_END                                                                                   \
	{                                                                                          \
		NULL, 0, FLAG_BOOL, NULL, NULL, NULL                                               \
	}

struct flag_cmd {
	const char *name;  /* "berth images" (for messages) */
	const char *usage; /* "[OPTIONS] [REPOSITORY[:TAG]]" */
	const char *summary;
	bool interspersed; /* flags may follow positionals (not for run/exec: the command's own
			      args follow the image) */
};

/* Parse argv (without the command name). On success the positionals are in out_pos (argv's
 * strings, NULL-terminated, freed by the caller with free()) and the return value is their
 * count. -1: an error was printed (exit 125, as Docker's flag errors do); -2: --help was
 * printed (exit 0). */
int flags_parse(const struct flag_cmd *cmd, const struct flag *flags, int argc, char **argv,
		const char ***out_pos);
void flag_list_free(struct flag_list *l);

#endif

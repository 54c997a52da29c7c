/* Flags as Docker's command line (spf13/pflag) takes them: "--name value", "--name=value",
 * "-n value", "-nvalue", grouped booleans ("-it"), "--bool=false", repeated list flags,
 * "--" ending flags. Each flag writes into a field of the command's own options struct. */
#ifndef BERTH_CLI_BERTH_FLAGS_H
#define BERTH_CLI_BERTH_FLAGS_H

#include <limits.h>
#include <stdbool.h>

enum flag_kind {
	FLAG_BOOL,   /* bool * */
	FLAG_STRING, /* const char ** (the argv string) */
	FLAG_LIST,   /* struct flag_list * (each occurrence appended) */
	FLAG_INT,    /* long * */
	/* int *: a boolean whose absence is its own value: untouched when not given (the caller's
	 * 0), 1 true, -1 false (--vm-template: the engine decides when unsaid) */
	FLAG_TRISTATE,
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

/* max_args beside a count: */
#define FLAG_ARGS_NONE (-1)    /* no positional at all (Docker's cli.NoArgs) */
#define FLAG_ARGS_ANY  INT_MAX /* no upper bound */
/* The bounds in a flag_cmd's initializer, named as Docker's cli/required.go names them:
 * {"berth rename", "CONTAINER NEW_NAME", "Rename a container", true, FLAG_EXACT_ARGS(2)} */
#define FLAG_NO_ARGS          .min_args = 0, .max_args = FLAG_ARGS_NONE
#define FLAG_MIN_ARGS(n)      .min_args = (n), .max_args = FLAG_ARGS_ANY
#define FLAG_MAX_ARGS(n)      .min_args = 0, .max_args = (n)
#define FLAG_RANGE_ARGS(a, b) .min_args = (a), .max_args = (b)
#define FLAG_EXACT_ARGS(n)    .min_args = (n), .max_args = (n)

struct flag_cmd {
	const char *name;  /* "berth images" (for messages) */
	const char *usage; /* "[OPTIONS] [REPOSITORY[:TAG]]" */
	const char *summary;
	bool interspersed; /* flags may follow positionals (not for run/exec: the command's own
			      args follow the image) */
	/* How many positionals the command takes, as Docker's command declares it (set with the
	 * FLAG_*_ARGS above). max_args 0: no upper bound checked (a command that has not stated
	 * its bounds yet). */
	int min_args;
	int max_args;
	/* Compose v2's usage errors instead of Docker's (a cobra command in a CLI plugin): cobra's
	 * own messages for the positional count ("requires at least 2 arg(s), only received 1"),
	 * without the usage after them, and exit status 1 for a bad flag as for a bad count. */
	bool cobra;
};

/* What flags_parse returns besides a count. */
enum {
	FLAGS_ERROR = -1, /* a bad flag: exit 125, as Docker's flag errors do */
	FLAGS_HELP = -2,  /* --help was printed: exit 0 */
	FLAGS_NARGS = -3, /* the positional count is outside the command's bounds: exit 1 */
	FLAGS_USAGE = -4, /* a bad flag of a cobra command (Compose v2's): exit 1 */
};

/* Parse argv (without the command name). On success the positionals are in out_pos (argv's
 * strings, NULL-terminated, freed by the caller with free()) and the return value is their
 * count. Otherwise a FLAGS_* value < 0, with the message printed (help to stdout, errors to
 * stderr) and out_pos untouched. */
int flags_parse(const struct flag_cmd *cmd, const struct flag *flags, int argc, char **argv,
		const char ***out_pos);
/* n positionals against cmd's bounds: n, or FLAGS_NARGS with Docker's message printed. For a
 * command whose bounds depend on a flag (start --all): parse with the loose bounds, then check
 * a copy with the strict ones. */
int flags_check_args(const struct flag_cmd *cmd, int n);
/* The exit status for a flags_parse result < 0: 0 for --help, 125 for a flag error, 1 for a
 * wrong number of arguments (Docker's statuses) or a cobra command's flag error. */
int flags_status(int r);
void flag_list_free(struct flag_list *l);

#endif

/* Docker-style flag parsing (see flags.h). */
#include "cli/berth/flags.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

void flag_list_free(struct flag_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* "\nUsage:  berth rename CONTAINER NEW_NAME\n\nRename a container\n" */
static void usage(FILE *f, const struct flag_cmd *cmd)
{
	fprintf(f, "\nUsage:  %s%s%s\n\n%s\n", cmd->name, *cmd->usage ? " " : "", cmd->usage,
		cmd->summary);
}

/* A flag that takes no value unless with "=" (--detach, --vm-template=false). */
static bool is_bool(const struct flag *f)
{
	return f->kind == FLAG_BOOL || f->kind == FLAG_TRISTATE;
}

static void help(const struct flag_cmd *cmd, const struct flag *flags)
{
	usage(stdout, cmd);
	bool any = false;
	for (const struct flag *f = flags; f->name; f++)
		any |= f->help != NULL;
	if (!any)
		return;
	printf("\nOptions:\n");
	for (const struct flag *f = flags; f->name; f++) {
		if (!f->help)
			continue;
		char left[64];
		const char *val = is_bool(f) ? "" : f->value ? f->value : "string";
		if (f->short_name)
			snprintf(left, sizeof(left), "-%c, --%s %s", f->short_name, f->name, val);
		else
			snprintf(left, sizeof(left), "    --%s %s", f->name, val);
		printf("  %-28s %s\n", left, f->help);
	}
}

static int fail(const struct flag_cmd *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int fail(const struct flag_cmd *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "berth: ");
	vfprintf(stderr, fmt, ap);
	/* a cobra plugin's flag error is its StatusError: the message alone */
	if (cmd->cobra)
		fprintf(stderr, "\n");
	else
		fprintf(stderr, "\nSee '%s --help'.\n", cmd->name);
	va_end(ap);
	return -1;
}

static const struct flag *find_long(const struct flag *flags, const char *name, size_t len)
{
	for (const struct flag *f = flags; f->name; f++)
		if (strlen(f->name) == len && !strncmp(f->name, name, len))
			return f;
	return NULL;
}

static const struct flag *find_short(const struct flag *flags, char c)
{
	for (const struct flag *f = flags; f->name; f++)
		if (f->short_name == c)
			return f;
	return NULL;
}

static int set(const struct flag_cmd *cmd, const struct flag *f, const char *value)
{
	switch (f->kind) {
	case FLAG_BOOL:
	case FLAG_TRISTATE: {
		bool b;
		if (!value || !strcmp(value, "true") || !strcmp(value, "1"))
			b = true;
		else if (!strcmp(value, "false") || !strcmp(value, "0"))
			b = false;
		else
			return fail(cmd, "invalid boolean value '%s'", value);
		if (f->kind == FLAG_BOOL)
			*(bool *)f->target = b;
		else
			*(int *)f->target = b ? 1 : -1;
		return 0;
	}
	case FLAG_STRING:
		*(const char **)f->target = value;
		return 0;
	case FLAG_LIST: {
		struct flag_list *l = f->target;
		l->v = xrealloc(l->v, (size_t)(l->n + 2) * sizeof(char *));
		l->v[l->n++] = value;
		l->v[l->n] = NULL;
		return 0;
	}
	case FLAG_INT: {
		char *end = NULL;
		errno = 0;
		long v = strtol(value, &end, 10);
		if (!*value || *end || errno)
			return fail(cmd, "invalid number '%s'", value);
		*(long *)f->target = v;
		return 0;
	}
	}
	return -1;
}

/* "--name[=value]"; *i moves past a separate value. */
static int parse_long(const struct flag_cmd *cmd, const struct flag *flags, int argc, char **argv,
		      int *i)
{
	const char *name = argv[*i] + 2;
	const char *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const struct flag *f = find_long(flags, name, len);
	if (!f)
		return fail(cmd, "unknown flag: %s", argv[*i]);
	if (is_bool(f) || eq)
		return set(cmd, f, eq ? eq + 1 : NULL);
	if (*i + 1 >= argc)
		return fail(cmd, "flag needs an argument: --%s", f->name);
	return set(cmd, f, argv[++*i]);
}

/* "-abc", "-nvalue", "-n value". */
static int parse_short(const struct flag_cmd *cmd, const struct flag *flags, int argc, char **argv,
		       int *i)
{
	const char *a = argv[*i];
	for (size_t k = 1; a[k]; k++) {
		const struct flag *f = find_short(flags, a[k]);
		if (!f)
			return fail(cmd, "unknown shorthand flag: '%c' in %s", a[k], a);
		if (is_bool(f)) {
			if (a[k + 1] == '=')
				return set(cmd, f, a + k + 2);
			if (set(cmd, f, NULL) < 0)
				return -1;
			continue;
		}
		if (a[k + 1])
			return set(cmd, f, a[k + 1] == '=' ? a + k + 2 : a + k + 1);
		if (*i + 1 >= argc) {
			char s[2] = {a[k], 0};
			return fail(cmd, "flag needs an argument: '%s'", s);
		}
		return set(cmd, f, argv[++*i]);
	}
	return 0;
}

int flags_status(int r)
{
	return r == FLAGS_HELP ? 0 : r == FLAGS_NARGS || r == FLAGS_USAGE ? 1 : 125;
}

static const char *arguments(int n)
{
	return n == 1 ? "argument" : "arguments";
}

/* cobra's args.go messages (NoArgs, MinimumNArgs, MaximumNArgs, ExactArgs, RangeArgs), as
 * Compose v2 prints them: the error alone, status 1. */
static int cobra_args(const struct flag_cmd *cmd, int n, int max, const char *first)
{
	fprintf(stderr, "berth: ");
	if (max == 0 && first)
		fprintf(stderr, "unknown command \"%s\" for \"%s\"\n", first, cmd->name);
	else if (cmd->min_args == max)
		fprintf(stderr, "accepts %d arg(s), received %d\n", max, n);
	else if (max == INT_MAX)
		fprintf(stderr, "requires at least %d arg(s), only received %d\n", cmd->min_args,
			n);
	else if (cmd->min_args == 0)
		fprintf(stderr, "accepts at most %d arg(s), received %d\n", max, n);
	else
		fprintf(stderr, "accepts between %d and %d arg(s), received %d\n", cmd->min_args,
			max, n);
	return FLAGS_NARGS;
}

/* Docker's cli/required.go messages, and its usage line and summary after them (first: the
 * first positional, for cobra's NoArgs message, or NULL). */
static int check_args(const struct flag_cmd *cmd, int n, const char *first)
{
	int max = cmd->max_args == FLAG_ARGS_NONE ? 0 : cmd->max_args ? cmd->max_args : INT_MAX;
	if (n >= cmd->min_args && n <= max)
		return n;
	if (cmd->cobra)
		return cobra_args(cmd, n, max, first);
	fprintf(stderr, "\"%s\" ", cmd->name);
	if (max == 0)
		fprintf(stderr, "accepts no arguments");
	else if (cmd->min_args == max)
		fprintf(stderr, "requires exactly %d %s", max, arguments(max));
	else if (max == INT_MAX)
		fprintf(stderr, "requires at least %d %s", cmd->min_args, arguments(cmd->min_args));
	else if (cmd->min_args == 0)
		fprintf(stderr, "requires at most %d %s", max, arguments(max));
	else
		fprintf(stderr, "requires at least %d and at most %d %s", cmd->min_args, max,
			arguments(max));
	fprintf(stderr, ".\nSee '%s --help'.\n", cmd->name);
	usage(stderr, cmd);
	return FLAGS_NARGS;
}

int flags_check_args(const struct flag_cmd *cmd, int n)
{
	return check_args(cmd, n, NULL);
}

int flags_parse(const struct flag_cmd *cmd, const struct flag *flags, int argc, char **argv,
		const char ***out_pos)
{
	const char **pos = xcalloc((size_t)argc + 1, sizeof(char *));
	int npos = 0;
	bool only_pos = false;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (only_pos || a[0] != '-' || !a[1]) {
			pos[npos++] = a;
			if (!cmd->interspersed)
				only_pos = true;
			continue;
		}
		if (!strcmp(a, "--")) {
			only_pos = true;
			continue;
		}
		/* -h is help unless the command has a -h of its own (run's --hostname) */
		if (!strcmp(a, "--help") || (!strcmp(a, "-h") && !find_short(flags, 'h'))) {
			help(cmd, flags);
			free(pos);
			return FLAGS_HELP;
		}
		int r = a[1] == '-' ? parse_long(cmd, flags, argc, argv, &i)
				    : parse_short(cmd, flags, argc, argv, &i);
		if (r < 0) {
			free(pos);
			return cmd->cobra ? FLAGS_USAGE : FLAGS_ERROR;
		}
	}
	if (check_args(cmd, npos, pos[0]) < 0) {
		free(pos);
		return FLAGS_NARGS;
	}
	*out_pos = pos;
	return npos;
}

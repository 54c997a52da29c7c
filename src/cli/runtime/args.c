/* Option parsing for berth-runtime (runc's flag spellings). */
#include "cli/runtime/args.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

static int find(const struct cli_flag *flags, const char *name, size_t len, char short_name)
{
	for (int i = 0; flags[i].name; i++) {
		if (short_name && flags[i].short_name == short_name)
			return i;
		if (!short_name && strlen(flags[i].name) == len &&
		    !strncmp(flags[i].name, name, len))
			return i;
	}
	return -1;
}

void cli_parsed_clear(struct cli_parsed *p)
{
	for (int i = 0; i < 32; i++) {
		free(p->lists[i]);
		p->lists[i] = NULL;
	}
}

static int parse(const char *cmd, const struct cli_flag *flags, int argc, char **argv,
		 struct cli_parsed *out, bool stop_at_pos)
{
	memset(out, 0, sizeof(*out));
	bool only_pos = false;
	for (int i = 0; i < argc; i++) {
		char *a = argv[i];
		if (only_pos || a[0] != '-' || a[1] == '\0') {
			if (out->npos < 64)
				out->pos[out->npos++] = a;
			only_pos |= stop_at_pos;
			continue;
		}
		if (!strcmp(a, "--")) {
			only_pos = true;
			continue;
		}
		int idx;
		const char *value = NULL;
		if (a[1] == '-' || strlen(a) > 2) {
			/* --name, --name=value, and Go-style -name */
			const char *name = a + (a[1] == '-' ? 2 : 1);
			const char *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);
			idx = find(flags, name, len, 0);
			if (eq)
				value = eq + 1;
		} else {
			idx = find(flags, NULL, 0, a[1]);
		}
		if (idx < 0) {
			fprintf(stderr, "berth-runtime: %s: unknown flag '%s'\n", cmd, a);
			return -1;
		}
		if (flags[idx].takes_value && !value) {
			if (i + 1 >= argc) {
				fprintf(stderr, "berth-runtime: %s: flag '%s' needs a value\n", cmd,
					a);
				return -1;
			}
			value = argv[++i];
		}
		if (!flags[idx].takes_value) {
			if (value && !strcmp(value, "false"))
				continue;
			value = "1";
		}
		out->values[idx] = value;
		if (flags[idx].repeat) {
			int n = out->list_len[idx];
			out->lists[idx] =
			    xrealloc(out->lists[idx], (size_t)(n + 2) * sizeof(char *));
			out->lists[idx][n] = value;
			out->lists[idx][n + 1] = NULL;
			out->list_len[idx] = n + 1;
		}
	}
	return 0;
}

int cli_parse(const char *cmd, const struct cli_flag *flags, int argc, char **argv,
	      struct cli_parsed *out)
{
	return parse(cmd, flags, argc, argv, out, false);
}

int cli_parse_until_pos(const char *cmd, const struct cli_flag *flags, int argc, char **argv,
			struct cli_parsed *out)
{
	return parse(cmd, flags, argc, argv, out, true);
}

static int index_of(const struct cli_flag *flags, const char *name)
{
	for (int i = 0; flags[i].name; i++)
		if (!strcmp(flags[i].name, name))
			return i;
	abort(); /* a typo in our own tables */
}

const char *cli_get(const struct cli_flag *flags, const struct cli_parsed *p, const char *name)
{
	return p->values[index_of(flags, name)];
}

bool cli_has(const struct cli_flag *flags, const struct cli_parsed *p, const char *name)
{
	return p->values[index_of(flags, name)] != NULL;
}

const char **cli_list(const struct cli_flag *flags, const struct cli_parsed *p, const char *name)
{
	return p->lists[index_of(flags, name)];
}

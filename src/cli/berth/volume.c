/* volume create, ls, inspect, rm, prune: the `volume` group. */
#include "engine/volume.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/berth/berth.h"
#include "cli/berth/flags.h"
#include "cli/berth/format.h"
#include "cli/berth/prune.h"
#include "engine/container.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/json.h"
#include "util/xalloc.h"

static int volume_create(struct cli_opts *o, int argc, char **argv)
{
	struct flag_list labels = {0};
	const char *driver = "local";
	const struct flag flags[] = {
	    {"label", 'l', FLAG_LIST, &labels, "Set metadata for a volume", "list"},
	    {"driver", 'd', FLAG_STRING, &driver, "Specify volume driver name (local)", "string"},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth volume create", "[OPTIONS] [VOLUME]", "Create a volume",
				     true};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	int status = 0;
	if (n < 0)
		status = n == -2 ? 0 : 125;
	else if (n > 1)
		status = cli_error(125, "\"berth volume create\" requires at most 1 argument");
	else if (strcmp(driver, "local"))
		status = cli_error(125, "volume driver '%s' is not available: only local", driver);
	if (n < 0 || status) {
		flag_list_free(&labels);
		return status;
	}
	struct eng_store es = cli_engine(o);
	char name[ENG_ID_LEN + 1];
	struct berr *err = NULL;
	if (eng_volume_create(&es, n ? pos[0] : NULL, (char *const *)labels.v, false, true, name,
			      &err) < 0)
		status = cli_fail(err, 1);
	else
		printf("%s\n", name);
	flag_list_free(&labels);
	return status;
}

static int volume_ls(struct cli_opts *o, int argc, char **argv)
{
	bool quiet = false;
	const char *format = NULL;
	struct flag_list filters = {0};
	const struct flag flags[] = {
	    {"quiet", 'q', FLAG_BOOL, &quiet, "Only display volume names"},
	    {"format", 0, FLAG_STRING, &format, "Format output using a Go template", "string"},
	    {"filter", 'f', FLAG_LIST, &filters, "Provide filter values (dangling=, name=, label=)",
	     "filter"},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth volume ls", "[OPTIONS]", "List volumes", true};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0) {
		flag_list_free(&filters);
		return n == -2 ? 0 : 125;
	}
	struct eng_store es = cli_engine(o);
	char **names = NULL;
	eng_volume_list(&es, &names, NULL);
	json_t *rows = json_array();
	for (size_t i = 0; names[i]; i++) {
		json_t *v = eng_volume_load(&es, names[i], NULL);
		if (!v)
			continue;
		bool keep = true;
		for (int k = 0; k < filters.n; k++) {
			const char *f = filters.v[k];
			if (!strncmp(f, "dangling=", 9))
				keep &= eng_volume_in_use(&es, names[i]) != !strcmp(f + 9, "true");
			else if (!strncmp(f, "name=", 5))
				keep &= strstr(names[i], f + 5) != NULL;
			else if (!strncmp(f, "label=", 6)) {
				autofree char *key = xstrdup(f + 6);
				char *eq = strchr(key, '=');
				if (eq)
					*eq = '\0';
				json_t *lv = json_object_get(json_object_get(v, "Labels"), key);
				keep &= lv && (!eq || !strcmp(json_string_value(lv), eq + 1));
			}
		}
		if (keep)
			json_array_append_new(
			    rows, json_pack("{s:s, s:s, s:s, s:s}", "Driver", "local", "Name",
					    names[i], "Mountpoint",
					    json_string_value(json_object_get(v, "Mountpoint")),
					    "Scope", "local"));
		json_decref(v);
	}
	strv_free(names);
	int status = 0;
	if (quiet) {
		size_t i;
		json_t *r;
		json_array_foreach(rows, i, r) puts(json_string_value(json_object_get(r, "Name")));
	} else {
		json_t *headers =
		    json_pack("{s:s, s:s, s:s, s:s}", "Driver", "DRIVER", "Name", "VOLUME NAME",
			      "Mountpoint", "MOUNTPOINT", "Scope", "SCOPE");
		status = fmt_rows(format, "table {{.Driver}}\t{{.Name}}", headers, rows);
		json_decref(headers);
	}
	json_decref(rows);
	flag_list_free(&filters);
	return status;
}

static int volume_inspect(struct cli_opts *o, int argc, char **argv)
{
	const char *format = NULL;
	const struct flag flags[] = {
	    {"format", 'f', FLAG_STRING, &format, "Format output using a Go template", "string"},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth volume inspect", "[OPTIONS] VOLUME [VOLUME...]",
				     "Display detailed information on one or more volumes", true};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return n == -2 ? 0 : 125;
	if (n < 1)
		return cli_error(125, "\"berth volume inspect\" requires at least 1 argument");
	struct eng_store es = cli_engine(o);
	json_t *out = json_array();
	int status = 0;
	for (int i = 0; i < n; i++) {
		struct berr *err = NULL;
		json_t *v = eng_volume_load(&es, pos[i], &err);
		if (!v) {
			status = cli_fail(err, 1);
			continue;
		}
		json_object_del(v, "Anonymous");
		json_array_append_new(out, v);
	}
	if (format && json_array_size(out)) {
		if (fmt_each(format, out))
			status = 1;
	} else if (json_array_size(out)) {
		char *text = json_dumps(out, JSON_INDENT(4));
		puts(text);
		free(text);
	}
	json_decref(out);
	return status;
}

static int volume_rm(struct cli_opts *o, int argc, char **argv)
{
	bool force = false;
	const struct flag flags[] = {
	    {"force", 'f', FLAG_BOOL, &force, "Force the removal of one or more volumes"},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth volume rm", "[OPTIONS] VOLUME [VOLUME...]",
				     "Remove one or more volumes", true};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return n == -2 ? 0 : 125;
	if (n < 1)
		return cli_error(125, "\"berth volume rm\" requires at least 1 argument");
	struct eng_store es = cli_engine(o);
	int status = 0;
	for (int i = 0; i < n; i++) {
		struct berr *err = NULL;
		/* -f removes what does not exist silently, not what is in use */
		if (eng_volume_remove(&es, pos[i], false, &err) < 0) {
			if (force && berr_code(err) == ENOENT)
				berr_free(err);
			else
				status = cli_fail(err, 1);
			continue;
		}
		printf("%s\n", pos[i]);
	}
	return status;
}

static int volume_prune(struct cli_opts *o, int argc, char **argv)
{
	bool force = false, all = false;
	struct flag_list filters = {0};
	const struct flag flags[] = {
	    {"force", 'f', FLAG_BOOL, &force, "Do not prompt for confirmation"},
	    {"all", 'a', FLAG_BOOL, &all, "Remove all unused volumes, not just anonymous ones"},
	    {"filter", 0, FLAG_LIST, &filters, "Provide filter values (label=, label!=)", "filter"},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth volume prune", "[OPTIONS]", "Remove unused volumes",
				     true};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	struct prune_filter pf = {0};
	int bad = n < 0 ? 0 : prune_filter_parse(&filters, false, &pf);
	flag_list_free(&filters);
	if (n < 0)
		return n == -2 ? 0 : 125;
	if (bad)
		return bad;
	if (!force && !prune_confirm("WARNING! This will remove anonymous local volumes not used "
				     "by at least one container.")) {
		prune_filter_free(&pf);
		return 0;
	}
	struct eng_store es = cli_engine(o);
	char **names = NULL;
	eng_volume_list(&es, &names, NULL);
	bool any = false;
	for (size_t i = 0; names[i]; i++) {
		json_t *v = eng_volume_load(&es, names[i], NULL);
		bool anon = v && json_is_true(json_object_get(v, "Anonymous"));
		bool in = v && prune_filter_match(&pf, NULL, json_object_get(v, "Labels"));
		json_decref(v);
		if (!in)
			continue;
		if ((!anon && !all) || eng_volume_in_use(&es, names[i]) ||
		    eng_volume_remove(&es, names[i], false, NULL) < 0)
			continue;
		if (!any)
			printf("Deleted Volumes:\n");
		any = true;
		printf("%s\n", names[i]);
	}
	strv_free(names);
	prune_filter_free(&pf);
	printf("%sTotal reclaimed space: 0B\n", any ? "\n" : "");
	return 0;
}

int cmd_volume(struct cli_opts *o, int argc, char **argv)
{
	static const struct cli_command sub[] = {
	    {"create", "Create a volume", volume_create},
	    {"ls", "List volumes", volume_ls},
	    {"list", NULL, volume_ls},
	    {"inspect", "Display detailed information on one or more volumes", volume_inspect},
	    {"rm", "Remove one or more volumes", volume_rm},
	    {"remove", NULL, volume_rm},
	    {"prune", "Remove unused volumes", volume_prune},
	    {NULL, NULL, NULL}};
	return cli_group(o, "volume", "Manage volumes", sub, argc, argv);
}

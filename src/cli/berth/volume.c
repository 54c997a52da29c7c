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
#include "engine/volume_view.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/filter.h"
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
				     true, FLAG_MAX_ARGS(1)};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	int status = 0;
	if (n < 0)
		status = flags_status(n);
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
	const struct flag_cmd cmd = {"berth volume ls", "[OPTIONS]", "List volumes", true,
				     FLAG_NO_ARGS};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0) {
		flag_list_free(&filters);
		return flags_status(n);
	}
	struct berr *err = NULL;
	json_auto_t *fm = filter_parse_args((char *const *)filters.v, filters.n, &err);
	flag_list_free(&filters);
	if (!fm || eng_volume_filter_check(fm, &err) < 0)
		return cli_fail(err, 125);
	struct eng_store es = cli_engine(o);
	char **names = NULL;
	eng_volume_list(&es, &names, NULL);
	json_t *rows = json_array();
	for (size_t i = 0; names[i]; i++) {
		json_t *v = eng_volume_inspect(&es, names[i], false, NULL);
		if (v && eng_volume_filter(&es, fm, v))
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
	return status;
}

static int volume_inspect(struct cli_opts *o, int argc, char **argv)
{
	const char *format = NULL;
	const struct flag flags[] = {
	    {"format", 'f', FLAG_STRING, &format, "Format output using a Go template", "string"},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth volume inspect", "[OPTIONS] VOLUME [VOLUME...]",
				     "Display detailed information on one or more volumes", true,
				     FLAG_MIN_ARGS(1)};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return flags_status(n);
	struct eng_store es = cli_engine(o);
	json_t *out = json_array();
	int status = 0;
	for (int i = 0; i < n; i++) {
		struct berr *err = NULL;
		json_t *v = eng_volume_inspect(&es, pos[i], false, &err);
		if (!v) {
			status = cli_fail(err, 1);
			continue;
		}
		json_array_append_new(out, v);
	}
	if (fmt_inspect(format, out))
		status = 1;
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
				     "Remove one or more volumes", true, FLAG_MIN_ARGS(1)};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return flags_status(n);
	struct eng_store es = cli_engine(o);
	int status = 0;
	for (int i = 0; i < n; i++) {
		struct berr *err = NULL;
		/* -f removes what does not exist silently, not what is in use */
		int r = eng_volume_remove(&es, pos[i], false, &err);
		status = cli_rm_result(r, err, force, pos[i]) ?: status;
	}
	return status;
}

static bool prune_match(void *ctx, json_t *vol)
{
	return prune_filter_match(ctx, NULL, json_object_get(vol, "Labels"));
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
				     true, FLAG_NO_ARGS};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	struct prune_filter pf = {0};
	int bad = n < 0 ? 0 : prune_filter_parse(&filters, false, &pf);
	flag_list_free(&filters);
	if (n < 0)
		return flags_status(n);
	if (bad)
		return bad;
	if (!force && !prune_confirm("WARNING! This will remove anonymous local volumes not used "
				     "by at least one container.")) {
		prune_filter_free(&pf);
		return 0;
	}
	struct eng_store es = cli_engine(o);
	json_t *gone = json_array();
	eng_volume_prune(&es, all, prune_match, &pf, gone, NULL);
	bool any = json_array_size(gone) > 0;
	if (any)
		printf("Deleted Volumes:\n");
	size_t i;
	json_t *name;
	json_array_foreach(gone, i, name) printf("%s\n", json_string_value(name));
	json_decref(gone);
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

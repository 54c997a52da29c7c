/* `image inspect` (the image layer's document, image/image_view.h) and `history`. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/berth/berth.h"
#include "cli/berth/flags.h"
#include "cli/berth/format.h"
#include "cli/berth/output.h"
#include "image/builtin.h"
#include "image/config.h"
#include "image/image.h"
#include "image/image_view.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/json.h"
#include "util/xalloc.h"

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

int cmd_image_inspect(struct cli_opts *o, int argc, char **argv)
{
	const char *format = NULL;
	const struct flag flags[] = {
	    {"format", 'f', FLAG_STRING, &format, "Format output using a Go template", "string"},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth image inspect", "[OPTIONS] IMAGE [IMAGE...]",
				     "Display detailed information on one or more images", true,
				     FLAG_MIN_ARGS(1)};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return flags_status(n);
	autoptr(img_store) s = cli_store(o);
	if (!s)
		return 125;
	json_t *out = json_array();
	int status = 0;
	for (int i = 0; i < n; i++) {
		struct berr *err = NULL;
		json_t *j = img_image_inspect(s, pos[i], &err);
		if (!j) {
			status = cli_fail(err, 1);
			continue;
		}
		json_array_append_new(out, j);
	}
	if (format) {
		if (fmt_each(format, out))
			status = 1;
	} else if (json_array_size(out) || status == 0) {
		char *text = json_dumps(out, JSON_INDENT(4));
		puts(text);
		free(text);
	}
	json_decref(out);
	return status;
}

/* Docker's stringutils.Ellipsis: at most n characters, the last one "…" when cut. */
static char *ellipsis(const char *s, size_t n)
{
	if (strlen(s) <= n)
		return xstrdup(s);
	return xasprintf("%.*s…", (int)(n - 1), s);
}

/* history's rows from the image layer's document (one item per config history entry, newest
 * first); the dates as the config wrote them. */
static json_t *history_rows(struct img_store *s, json_t *rec, struct img_config *c, bool human,
			    bool no_trunc)
{
	json_t *rows = json_array(), *items = img_image_history(s, rec, c);
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it)
	{
		const struct img_history *h = &c->history[c->n_history - 1 - i];
		const char *item_id = str(it, "Id");
		time_t created = (time_t)json_integer_value(json_object_get(it, "Created"));
		long long bytes = (long long)json_integer_value(json_object_get(it, "Size"));
		char since[48], size[32];
		autofree char *id = !strcmp(item_id, "<missing>") || no_trunc
					? xstrdup(item_id)
					: xasprintf("%.12s", item_id + 7);
		autofree char *by =
		    no_trunc ? xstrdup(str(it, "CreatedBy")) : ellipsis(str(it, "CreatedBy"), 45);
		if (human)
			out_size(bytes > 0 ? bytes : 0, size);
		else
			snprintf(size, sizeof(size), "%lld", bytes);
		json_array_append_new(
		    rows,
		    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "ID", id, "CreatedSince",
			      created ? (human ? out_since(created, since) : h->created) : "N/A",
			      "CreatedAt", h->created ? h->created : "", "CreatedBy", by, "Size",
			      size, "Comment", str(it, "Comment")));
	}
	json_decref(items);
	return rows;
}

int cmd_history(struct cli_opts *o, int argc, char **argv)
{
	bool human = true, no_trunc = false, quiet = false;
	const char *format = NULL;
	const struct flag flags[] = {
	    {"human", 'H', FLAG_BOOL, &human, "Print sizes and dates in human readable format"},
	    {"no-trunc", 0, FLAG_BOOL, &no_trunc, "Don't truncate output"},
	    {"quiet", 'q', FLAG_BOOL, &quiet, "Only show image IDs"},
	    {"format", 0, FLAG_STRING, &format, "Format output using a Go template", "string"},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth history", "[OPTIONS] IMAGE",
				     "Show the history of an image", true, FLAG_EXACT_ARGS(1)};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0)
		return flags_status(n);
	autoptr(img_store) s = cli_store(o);
	if (!s)
		return 125;
	struct berr *err = NULL;
	struct img_config *c = NULL;
	json_t *rec = img_image_open(s, pos[0], &c, &err);
	if (!rec)
		return cli_fail(err, 1);
	json_t *rows = history_rows(s, rec, c, human, no_trunc);
	int status = 0;
	if (quiet) {
		size_t i;
		json_t *row;
		json_array_foreach(rows, i, row) puts(str(row, "ID"));
	} else {
		json_t *headers =
		    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "ID", "IMAGE", "CreatedSince",
			      "CREATED", "CreatedAt", "CREATED AT", "CreatedBy", "CREATED BY",
			      "Size", "SIZE", "Comment", "COMMENT");
		status = fmt_rows(format,
				  "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{."
				  "Comment}}",
				  headers, rows);
		json_decref(headers);
	}
	json_decref(rows);
	json_decref(rec);
	img_config_free(c);
	return status;
}

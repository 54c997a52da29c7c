/* Printing rows the way docker's formatter does: a default table, `--format "table ..."` (a
 * header made by running the template over the column names, then aligned rows), a plain
 * template (one line per row, no header), or `--format json` (one JSON object per line). */
#ifndef BERTH_CLI_BERTH_FORMAT_H
#define BERTH_CLI_BERTH_FORMAT_H

#include <jansson.h>

/* format: the user's --format or NULL; table: the default ("table {{.A}}\t{{.B}}");
 * headers: field → column name ("ID" → "IMAGE ID"). Returns 0, or an exit status after
 * printing the template's error. */
int fmt_rows(const char *format, const char *table, json_t *headers, json_t *rows);
/* One value per template (inspect's --format): each result on its own line. */
int fmt_each(const char *format, json_t *values);
/* inspect's output of docs: each by --format, or the list as JSON; nothing when it is empty.
 * 0, or 1 when the template failed (said). */
int fmt_inspect(const char *format, json_t *docs);

#endif

/* Rows through templates and tables (see format.h). */
#include "cli/berth/format.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/berth/berth.h"
#include "cli/berth/output.h"
#include "cli/berth/template.h"
#include "util/cleanup.h"
#include "util/err.h"

static int json_lines(json_t *rows)
{
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row)
	{
		char *s = json_dumps(row, JSON_COMPACT | JSON_PRESERVE_ORDER);
		puts(s);
		free(s);
	}
	return 0;
}

int fmt_rows(const char *format, const char *table, json_t *headers, json_t *rows)
{
	if (format && !strcmp(format, "json"))
		return json_lines(rows);
	const char *f = format && *format && strcmp(format, "table") ? format : table;
	bool is_table = !strncmp(f, "table", 5);
	if (is_table)
		f += 5;
	while (*f == ' ')
		f++;
	struct berr *err = NULL;
	struct tmpl *t = tmpl_parse(f, &err);
	if (!t)
		return cli_fail(err, 125);
	struct table *tab = is_table ? table_new() : NULL;
	int status = 0;
	if (is_table) {
		autofree char *h = tmpl_exec(t, headers, &err);
		if (h)
			table_row(tab, h);
	}
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row)
	{
		if (err)
			break;
		autofree char *line = tmpl_exec(t, row, &err);
		if (!line)
			break;
		if (tab)
			table_row(tab, line);
		else
			puts(line);
	}
	if (tab)
		table_flush(tab, stdout);
	if (err)
		status = cli_fail(err, 125);
	tmpl_free(t);
	return status;
}

int fmt_each(const char *format, json_t *values)
{
	struct berr *err = NULL;
	struct tmpl *t = tmpl_parse(format, &err);
	if (!t)
		return cli_fail(err, 125);
	size_t i;
	json_t *v;
	int status = 0;
	json_array_foreach(values, i, v)
	{
		char *line = tmpl_exec(t, v, &err);
		if (!line) {
			status = cli_fail(err, 125);
			break;
		}
		puts(line);
		free(line);
	}
	tmpl_free(t);
	return status;
}

int fmt_inspect(const char *format, json_t *docs)
{
	if (!json_array_size(docs))
		return 0;
	if (format)
		return fmt_each(format, docs) ? 1 : 0;
	char *text = json_dumps(docs, JSON_INDENT(4));
	puts(text);
	free(text);
	return 0;
}

/* Docker's prune filters (see prune.h). */
#include "cli/berth/prune.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/berth/output.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/xalloc.h"

static void push(char ***v, const char *s)
{
	size_t n = 0;
	while (*v && (*v)[n])
		n++;
	*v = xrealloc(*v, (n + 2) * sizeof(char *));
	(*v)[n] = xstrdup(s);
	(*v)[n + 1] = NULL;
}

int prune_filter_parse(const struct flag_list *l, bool until_ok, struct prune_filter *f)
{
	*f = (struct prune_filter){0};
	for (int i = 0; i < l->n; i++) {
		const char *v = l->v[i];
		if (!strncmp(v, "label=", 6) && v[6]) {
			push(&f->with, v + 6);
		} else if (!strncmp(v, "label!=", 7) && v[7]) {
			push(&f->without, v + 7);
		} else if (until_ok && !strncmp(v, "until=", 6)) {
			f->until_ns = out_when_ns(v + 6);
			if (f->until_ns <= 0) {
				fprintf(stderr,
					"berth: invalid filter 'until=%s': a time or a "
					"duration (10m, 1h30m)\n",
					v + 6);
				prune_filter_free(f);
				return 125;
			}
		} else {
			fprintf(stderr, "berth: invalid filter '%.*s'\n", (int)strcspn(v, "!="), v);
			prune_filter_free(f);
			return 125;
		}
	}
	return 0;
}

/* "key" or "key=value" in labels. */
static bool has_label(json_t *labels, const char *want)
{
	const char *eq = strchr(want, '=');
	autofree char *key = eq ? xstrndup(want, (size_t)(eq - want)) : xstrdup(want);
	const char *v = json_string_value(json_object_get(labels, key));
	return v && (!eq || !strcmp(v, eq + 1));
}

bool prune_filter_match(const struct prune_filter *f, const char *created, json_t *labels)
{
	if (f->until_ns) {
		time_t t = created ? out_parse_time(created) : 0;
		if (!t || (int64_t)t * 1000000000LL >= f->until_ns)
			return false;
	}
	for (char **w = f->with; w && *w; w++)
		if (!has_label(labels, *w))
			return false;
	for (char **w = f->without; w && *w; w++)
		if (has_label(labels, *w))
			return false;
	return true;
}

bool prune_filter_empty(const struct prune_filter *f)
{
	return !f->until_ns && !f->with && !f->without;
}

void prune_filter_free(struct prune_filter *f)
{
	strv_free(f->with);
	strv_free(f->without);
	*f = (struct prune_filter){0};
}

bool prune_confirm(const char *warning)
{
	printf("%s\nAre you sure you want to continue? [y/N] ", warning);
	fflush(stdout);
	char line[16] = "";
	return fgets(line, sizeof(line), stdin) && (line[0] == 'y' || line[0] == 'Y');
}

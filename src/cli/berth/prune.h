/* Docker's prune filters, for container, image, network, volume and system prune:
 * until=<RFC 3339 time or duration back from now> (what was created before it),
 * label=<key>[=<value>] and label!=<key>[=<value>] (what has, or has not, that label). Every
 * filter given must hold; a filter Docker does not have is refused before anything goes. */
#ifndef BERTH_CLI_BERTH_PRUNE_H
#define BERTH_CLI_BERTH_PRUNE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "cli/berth/flags.h"

struct prune_filter {
	int64_t until_ns;       /* 0: none */
	char **with, **without; /* "key" or "key=value" */
};

/* From --filter values; until_ok false where Docker has no until (volumes). 0, or 125 with
 * the error said. */
int prune_filter_parse(const struct flag_list *l, bool until_ok, struct prune_filter *f);
/* Whether something created at `created` (RFC 3339) with `labels` (an object or NULL) goes. */
bool prune_filter_match(const struct prune_filter *f, const char *created, json_t *labels);
bool prune_filter_empty(const struct prune_filter *f);
/* Docker's question before a prune: warning, then "Are you sure ...? [y/N]"; true on y. */
bool prune_confirm(const char *warning);
void prune_filter_free(struct prune_filter *f);

#endif

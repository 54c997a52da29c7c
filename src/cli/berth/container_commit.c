/* commit: a container's changes as a new image. */
#include <stdio.h>
#include <stdlib.h>

#include "cli/berth/berth.h"
#include "cli/berth/flags.h"
#include "engine/commit.h"
#include "engine/container.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/err.h"

int cmd_commit(struct cli_opts *o, int argc, char **argv)
{
	struct flag_list changes = {0};
	struct eng_commit c = {0};
	bool pause = true;
	const struct flag flags[] = {
	    {"author", 'a', FLAG_STRING, &c.author, "Author", "string"},
	    {"message", 'm', FLAG_STRING, &c.message, "Commit message", "string"},
	    {"change", 'c', FLAG_LIST, &changes,
	     "Apply Dockerfile instruction to the created image", "list"},
	    {"pause", 'p', FLAG_BOOL, &pause, "Pause container during commit"},
	    FLAG_END};
	const struct flag_cmd cmd = {"berth commit", "[OPTIONS] CONTAINER [REPOSITORY[:TAG]]",
				     "Create a new image from a container's changes", true,
				     FLAG_RANGE_ARGS(1, 2)};
	autofree const char **pos = NULL;
	int n = flags_parse(&cmd, flags, argc, argv, &pos);
	if (n < 0) {
		flag_list_free(&changes);
		return flags_status(n);
	}
	int status = 0;
	c.name = n == 2 ? pos[1] : NULL;
	c.changes = (char *const *)changes.v;
	c.pause = pause;
	struct eng_store es = cli_engine(o);
	char id[ENG_ID_LEN + 1], image[80];
	struct berr *err = NULL;
	autoptr(img_store) is = cli_store(o);
	if (!is)
		status = 125;
	else if (eng_container_resolve(&es, pos[0], id, &err) < 0 ||
		 eng_commit(&es, is, id, &c, image, &err) < 0)
		status = cli_fail(err, 1);
	else
		printf("%s\n", image);
	flag_list_free(&changes);
	return status;
}

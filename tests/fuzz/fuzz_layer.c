/* libFuzzer: layer tars (any compression) applied into a directory. Besides not crashing, the
 * applier must never create anything outside the layer directory: each run checks that the
 * directory around it still holds only the layer, and aborts (a finding) if not. */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/layer.h"
#include "util/err.h"
#include "util/fs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char base[64];

static void only_layer_left(void)
{
	DIR *d = opendir(base);
	if (!d)
		abort();
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    strcmp(de->d_name, "layer")) {
			fprintf(stderr, "fuzz_layer: '%s' appeared outside the layer\n",
				de->d_name);
			abort();
		}
	closedir(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!base[0]) {
		snprintf(base, sizeof(base), "/tmp/berth-fuzz-layer.XXXXXX");
		if (!mkdtemp(base))
			abort();
	}
	char layer[96];
	snprintf(layer, sizeof(layer), "%s/layer", base);
	(void)fs_rm_rf(AT_FDCWD, layer, NULL);
	if (mkdir(layer, 0755) < 0)
		abort();
	int rootfd = open(layer, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int in = memfd_create("fuzz", MFD_CLOEXEC);
	if (rootfd < 0 || in < 0 || write(in, data, size) != (ssize_t)size ||
	    lseek(in, 0, SEEK_SET) != 0)
		abort();
	struct berr *err = NULL;
	(void)img_layer_apply(rootfd, in, NULL, &err);
	berr_free(err);
	close(in);
	close(rootfd);
	only_layer_left();
	return 0;
}

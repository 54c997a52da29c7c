/* libFuzzer: arbitrary bytes as a compose file, through the whole loader (compose/project.c:
 * YAML, anchors and merge keys, interpolation, the schema, normalization, merging it over
 * itself as a second -f file, extends within it, the project's checks), and the result
 * written back as YAML. Files go to a private temporary directory made once. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose/project.h"
#include "compose/yaml.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!dir[0]) {
		snprintf(dir, sizeof dir, "/tmp/berth-fuzz-compose.XXXXXX");
		if (!mkdtemp(dir))
			abort();
	}
	char path[96];
	snprintf(path, sizeof path, "%s/compose.yaml", dir);
	FILE *f = fopen(path, "w");
	if (!f)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
	static char *const env[] = {"A=1", "EMPTY=", NULL};
	const char *files[] = {"compose.yaml", "compose.yaml", NULL};
	struct cmp_options o = {.files = files, .workdir = dir, .environ = env};
	struct cmp_project *p = NULL;
	struct berr *err = NULL;
	if (cmp_project_load(&o, &p, &err) == 0) {
		FILE *null = fopen("/dev/null", "w");
		if (null) {
			if (cmp_yaml_emit(p->model, null, &err) < 0)
				berr_clear(&err);
			fclose(null);
		}
		cmp_project_free(p);
	}
	berr_clear(&err);
	return 0;
}

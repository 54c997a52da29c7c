/* libFuzzer: what a client of the API service sends that is decoded before the engine sees
 * it: a create request's JSON (api/create.c) and a filters parameter (util/filter.c). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/create.h"
#include "util/err.h"
#include "util/filter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *cfg = json_loadb((const char *)data, size, 0, NULL);
	if (json_is_object(cfg)) {
		struct eng_create c = {.stop_timeout = -1};
		struct api_create_owned own = {0};
		struct berr *err = NULL;
		(void)api_create_decode(cfg, &c, &own, &err);
		berr_free(err);
		api_create_owned_free(&own);
	}
	json_decref(cfg);
	char *text = strndup((const char *)data, size);
	struct berr *err = NULL;
	json_t *f = text ? filter_parse_json(text, &err) : NULL;
	json_decref(f);
	berr_free(err);
	free(text);
	return 0;
}

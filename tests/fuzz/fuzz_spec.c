/* libFuzzer: config.json as the runtime parses it (runtime/spec.c). */
#include <stddef.h>
#include <stdint.h>

#include "runtime/spec.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct berr *err = NULL;
	struct rt_spec *s = rt_spec_parse((const char *)data, size, "/nonexistent", &err);
	rt_spec_free(s);
	berr_free(err);
	return 0;
}

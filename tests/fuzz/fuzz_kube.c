/* libFuzzer: arbitrary bytes as a file of Kubernetes documents, through the whole model
 * (kube/kube.h: documents split and parsed, every kind checked, ConfigMaps and Secrets
 * resolved into env and volume files, Services' ports), once as kube play reads it and once
 * as kube down does, and the model written back as YAML; the base64 and quantity readers on
 * the same bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose/yaml.h"
#include "kube/kube.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	for (int down = 0; down < 2; down++) {
		struct kube_opts o = {
		    .file = "fuzz.yaml", .vm_runtime_classes = true, .for_down = down};
		json_t *m = NULL;
		struct berr *err = NULL;
		if (kube_model(text, size, &o, &m, &err) == 0) {
			FILE *null = fopen("/dev/null", "w");
			if (null) {
				struct berr *e2 = NULL;
				(void)cmp_yaml_emit(m, null, &e2);
				berr_free(e2);
				fclose(null);
			}
			json_decref(m);
		}
		berr_free(err);
	}
	size_t n;
	free(kube_base64_decode(text, &n));
	(void)kube_quantity_bytes(text);
	(void)kube_quantity_cpus(text);
	free(text);
	return 0;
}

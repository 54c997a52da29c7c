/* What the whole store and host are, as Docker's documents show them: /version
 * (SystemVersion), /info (SystemInfo), and the counts behind them and `system df`. Both front
 * ends (`berth version`, `berth info`, `system df`; the API service) print these. */
#ifndef BERTH_ENGINE_INFO_H
#define BERTH_ENGINE_INFO_H

#include <jansson.h>
#include <stdint.h>

#include "engine/container.h"

/* The Docker Engine API berth speaks (issue #18): the highest, and the oldest accepted. */
#define ENG_API_VERSION     "1.41"
#define ENG_API_MIN_VERSION "1.24"

struct eng_counts {
	int containers, running, paused, stopped, images, volumes, cache;
	int64_t image_bytes, volume_bytes, cache_bytes; /* cache: layers only build cache has */
	int64_t container_bytes;                        /* the containers' own upper dirs */
};

/* Containers by state, images (build cache apart) and volumes, with their bytes. What cannot
 * be read counts as nothing. */
void eng_system_count(const struct eng_store *s, struct eng_counts *out);
/* Docker's SystemVersion: Platform, Components (Engine, berth-runtime), Version, ApiVersion,
 * MinAPIVersion, GitCommit, GoVersion ("n/a (C11)"), Os, Arch (Go's name), KernelVersion,
 * Experimental, BuildTime. */
json_t *eng_system_version(void);
/* Go's GOARCH for a uname machine ("x86_64" -> "amd64"). */
const char *eng_go_arch(const char *machine);
/* Docker's SystemInfo (the fields berth has: counts, Driver, Cgroup*, kernel and OS, NCPU,
 * MemTotal in bytes, DockerRootDir, Runtimes, ...) and berth's own (RunRoot, VmAccel,
 * VmAccelReason, VmKernel). */
json_t *eng_system_info(const struct eng_store *s);
/* Docker's /system/df: LayersSize, Images (ImageSummary, Containers counted), Containers
 * (ContainerSummary with sizes), Volumes (with UsageData), BuildCache (empty: berth's build
 * cache is images, `builder prune`'s). */
json_t *eng_system_df(const struct eng_store *s);

#endif

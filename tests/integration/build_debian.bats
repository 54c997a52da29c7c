#!/usr/bin/env bats
# berth build of real software (issue #17): a C program of two files and a header compiled
# with Debian's gcc in one stage, a data file made by shell loops in another, independent
# one, both copied into a final stage of the built-in image; the result run and its answer
# checked against awk's. Then the cache: nothing changed is all CACHED; one .c file changed
# runs the compile and what follows it, and nothing of the other stage.
#
# The base is a Debian 12 minbase root with gcc (scripts/debian-image, which scripts/setup
# runs: the suite has no network); without it the tests are skipped.

load helpers

DEBIAN_TAR=${BERTH_DEBIAN_IMAGE:-/var/cache/berth/debian-bookworm-gcc.tar}
# importing 300 MB and compiling take more than the suite's 60 s on a busy machine
BATS_TEST_TIMEOUT=$((${BATS_TEST_TIMEOUT:-60} > 150 ? ${BATS_TEST_TIMEOUT:-60} : 150))

setup() {
	[ -s "$DEBIAN_TAR" ] ||
		skip "no Debian image at $DEBIAN_TAR: run scripts/debian-image (needs the network)"
	store_setup
	CTX="$WORK/ctx"
	mkdir -p "$CTX"
	write_sources
	berth import "$DEBIAN_TAR" debian:gcc >/dev/null
}

teardown() {
	[ -z "${STORE:-}" ] || store_teardown
}

# The program: numbers in, count, range, sum, mean and median out (stats.c does the sums,
# main.c reads and prints); --self-test checks the sums on a known list.
write_sources() {
	cat >"$CTX/stats.h" <<'END'
#ifndef STATS_H
#define STATS_H
#include <stddef.h>

struct stats {
	size_t n;
	long min, max, sum;
	double mean, median;
};

/* Sorts v in place. Returns 0, or -1 for an empty list. */
int stats_compute(long *v, size_t n, struct stats *out);
int stats_self_test(void);
#endif
END
	cat >"$CTX/stats.c" <<'END'
#include "stats.h"
#include <stdio.h>
#include <stdlib.h>

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return (x > y) - (x < y);
}

int stats_compute(long *v, size_t n, struct stats *out)
{
	if (n == 0)
		return -1;
	qsort(v, n, sizeof(*v), cmp_long);
	out->n = n;
	out->min = v[0];
	out->max = v[n - 1];
	out->sum = 0;
	for (size_t i = 0; i < n; i++)
		out->sum += v[i];
	out->mean = (double)out->sum / (double)n;
	out->median = n % 2 ? (double)v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
	return 0;
}

int stats_self_test(void)
{
	long v[] = {9, -2, 7, 4, 4, 10};
	struct stats s;
	if (stats_compute(v, 6, &s) || s.n != 6 || s.min != -2 || s.max != 10 || s.sum != 32 ||
	    s.median != 5.5) {
		fprintf(stderr, "self-test: failed\n");
		return 1;
	}
	printf("self-test: ok\n");
	return 0;
}
END
	cat >"$CTX/main.c" <<'END'
#include "stats.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VERSION "1"

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--self-test"))
		return stats_self_test();
	FILE *f = argc == 2 ? fopen(argv[1], "r") : stdin;
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	size_t n = 0, cap = 16;
	long *v = malloc(cap * sizeof(*v)), x;
	while (v && fscanf(f, "%ld", &x) == 1) {
		if (n == cap)
			v = realloc(v, (cap *= 2) * sizeof(*v));
		if (v)
			v[n++] = x;
	}
	struct stats s;
	if (!v || stats_compute(v, n, &s)) {
		fprintf(stderr, "stats: no numbers\n");
		return 1;
	}
	printf("stats %s: n=%zu min=%ld max=%ld sum=%ld mean=%.3f median=%.1f\n", VERSION, s.n,
	       s.min, s.max, s.sum, s.mean, s.median);
	free(v);
	return 0;
}
END
	cat >"$CTX/Containerfile" <<'END'
FROM debian:gcc AS build
WORKDIR /src
COPY stats.h stats.c main.c ./
RUN gcc -std=c11 -O2 -Wall -Wextra -Werror -static -o stats main.c stats.c
RUN ./stats --self-test

FROM debian:gcc AS data
RUN mkdir /data && i=1 && \
    while [ $i -le 1000 ]; do echo $(( (i * 7919) % 1009 )); i=$((i + 1)); done > /data/numbers

FROM berth/default
COPY --from=data /data /data
COPY --from=build /src/stats /usr/local/bin/stats
ENTRYPOINT ["/usr/local/bin/stats"]
CMD ["/data/numbers"]
END
}

# What the program must say for the data stage's numbers, as awk computes it.
expected() {
	seq 1000 | awk '{ print ($1 * 7919) % 1009 }' | sort -n | awk -v ver="$1" '
		{ v[NR] = $1; s += $1 }
		END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		      printf "stats %s: n=%d min=%d max=%d sum=%d mean=%.3f median=%.1f\n",
			ver, NR, v[1], v[NR], s, s / NR, m }'
}

# The steps in a build's progress, in order: "[stage i/n] INSTRUCTION CACHED|ran".
steps() {
	awk '/^#[0-9]+ \[/ { n = $1; sub(/^#[0-9]+ /, ""); step[n] = $0; order[++k] = n }
	     /^#[0-9]+ CACHED/ { cached[$1] = 1 }
	     END { for (i = 1; i <= k; i++)
		     print step[order[i]], (cached[order[i]] ? "CACHED" : "ran") }' <<<"$1"
}

@test "build_debian: a multi-stage build compiles a C program with Debian's gcc; the result runs" {
	run berth build -t stats "$CTX"
	assert_success
	assert_output --partial 'self-test: ok'
	run berth run --rm --network none stats
	assert_success
	assert_output "$(expected 1)"
	# a static binary of Debian's glibc, in the built-in image: what the final stage holds
	run berth run --rm --network none --entrypoint sh stats \
		-c 'ls /data; ls -l /usr/local/bin/stats | cut -c1-10; wc -l < /data/numbers'
	assert_output "numbers
-rwxr-xr-x
1000"
}

@test "build_debian: nothing changed is all CACHED; one .c file changed runs the compile and what follows" {
	berth build -q -t stats "$CTX" >"$WORK/id1"
	run berth build -t stats "$CTX"
	assert_success
	[ "$(tail -1 <<<"$output")" = "$(cat "$WORK/id1")" ]
	steps "$output" >"$WORK/warm"
	# every step with a cache key (FROM has none) was taken from the cache
	run grep -v ' FROM ' "$WORK/warm"
	refute_line --regexp ' ran$'
	[ "$(grep -c ' CACHED$' "$WORK/warm")" -eq 9 ]

	sed -i 's/#define VERSION "1"/#define VERSION "2"/' "$CTX/main.c"
	run berth build -t stats "$CTX"
	assert_success
	steps "$output" >"$WORK/changed"
	run grep -v ' FROM ' "$WORK/changed"
	# the build stage: WORKDIR cached, the COPY of the sources and both RUNs again
	assert_line --regexp '^\[build 2/5\] WORKDIR /src CACHED$'
	assert_line --regexp '^\[build 3/5\] COPY .* ran$'
	assert_line --regexp '^\[build 4/5\] RUN gcc .* ran$'
	assert_line --regexp '^\[build 5/5\] RUN ./stats --self-test ran$'
	# the data stage untouched; the final stage's data cached, the binary and after again
	assert_line --regexp '^\[data 2/2\] RUN mkdir /data .* CACHED$'
	assert_line --regexp '^\[stage-2 2/5\] COPY --from=data .* CACHED$'
	assert_line --regexp '^\[stage-2 3/5\] COPY --from=build .* ran$'
	assert_line --regexp '^\[stage-2 4/5\] ENTRYPOINT .* ran$'
	assert_line --regexp '^\[stage-2 5/5\] CMD .* ran$'
	run berth run --rm --network none stats
	assert_output "$(expected 2)"
}

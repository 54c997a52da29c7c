/* Docker's `search`: the v1 search API (GET /v1/search?q=TERM&n=LIMIT) of the index a term
 * names, as dockerd asks it: Docker Hub's index.docker.io for a plain term ("busybox",
 * "library/busybox"), the registry a term starts with otherwise ("host:5000/app"). A
 * registry of the distribution spec alone (docker-registry) has no such API: it answers 404,
 * which is said as dockerd says it. Then the filters `docker search --filter` takes. */
#ifndef BERTH_IMAGE_SEARCH_H
#define BERTH_IMAGE_SEARCH_H

#include <jansson.h>
#include <stdbool.h>

struct berr;
struct img_http_opts;

#define IMG_SEARCH_LIMIT 25 /* dockerd's default */

/* At most limit (1..100) results into *out: Docker's SearchResult items {star_count,
 * is_official, name, is_automated, description}. Errors in dockerd's words: EINVAL "Limit N
 * is outside the range of [1, 100]", "Invalid repository name (ex: "registry.domain.tld/
 * myrepo")" for a term with a scheme; EIO 'Get "URL": REASON' when the index cannot be
 * reached, "Unexpected status code N" when it answers otherwise than 200. */
int img_search(const char *term, long limit, const struct img_http_opts *o, json_t **out,
	       struct berr **err);

/* The filters (util/filter.h's map): is-automated and is-official (true|false), stars (a
 * minimum). EINVAL "invalid filter 'KEY'" / "invalid filter 'KEY=V'". */
int img_search_filter_check(json_t *filters, struct berr **err);
/* Whether a result passes the checked filters. */
bool img_search_filter(json_t *filters, json_t *result);

#endif

/* Registry search (see search.h). */
#include "image/search.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "image/http.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/filter.h"
#include "util/json.h"
#include "util/xalloc.h"

#define SEARCH_BODY_MAX (4 << 20)

/* dockerd's splitReposSearchTerm: the index and the term it is asked. */
static void split_term(const char *term, char **out_index, char **out_rest)
{
	const char *slash = strchr(term, '/');
	size_t n = slash ? (size_t)(slash - term) : 0;
	if (!slash || (!memchr(term, '.', n) && !memchr(term, ':', n) &&
		       (n != 9 || strncmp(term, "localhost", 9)))) {
		*out_index = xstrdup("docker.io");
		/* Docker Hub's index keeps official images without library/ */
		*out_rest = xstrdup(!strncmp(term, "library/", 8) ? term + 8 : term);
		return;
	}
	*out_index = xstrndup(term, n);
	*out_rest = xstrdup(slash + 1);
}

/* q=TERM&n=LIMIT, the term escaped. */
static char *search_query(const char *term, long limit)
{
	char *q = curl_easy_escape(NULL, term, 0);
	char *out = xasprintf("search?q=%s&n=%ld", q ? q : "", limit);
	curl_free(q);
	return out;
}

/* img_http's error for a request that got no answer, said as Go's client says it. */
static int unreachable(struct img_http *h, const char *url, struct berr **err)
{
	autofree char *text = berr_string(*err);
	autofree char *prefix = xasprintf("GET %s: ", h->host);
	const char *reason = !strncmp(text, prefix, strlen(prefix)) ? text + strlen(prefix) : text;
	struct berr *e = NULL;
	berr_plain(&e, berr_code(*err) ? berr_code(*err) : EIO, "Get \"%s\": %s", url, reason);
	berr_clear(err);
	*err = e;
	return -berr_code(e);
}

static int search_at(struct img_http *h, const char *url, json_t **out, struct berr **err)
{
	struct img_http_req rq = {
	    .method = "GET", .url = url, .body_fd = -1, .max_body = SEARCH_BODY_MAX};
	struct img_http_resp resp;
	if (img_http_do(h, &rq, &resp, err) < 0)
		return unreachable(h, url, err);
	int r = 0;
	json_auto_t *doc = NULL;
	if (resp.status != 200) {
		r = berr_plain(err, EIO, "Unexpected status code %ld", resp.status);
	} else {
		doc = json_loadb(resp.body ? resp.body : "", resp.body_len, 0, NULL);
		if (!json_is_array(json_object_get(doc, "results")))
			r = berr_plain(err, EIO, "error decoding registry search results");
	}
	img_http_resp_clear(&resp);
	if (r == 0) {
		json_t *list = json_array();
		size_t i;
		json_t *v;
		json_array_foreach(json_object_get(doc, "results"), i, v)
		{
			const char *name = json_string_value(json_object_get(v, "name"));
			const char *desc = json_string_value(json_object_get(v, "description"));
			json_array_append_new(
			    list, json_pack("{s:I, s:b, s:s, s:b, s:s}", "star_count",
					    json_integer_value(json_object_get(v, "star_count")),
					    "is_official",
					    json_is_true(json_object_get(v, "is_official")), "name",
					    name ? name : "", "is_automated",
					    json_is_true(json_object_get(v, "is_automated")),
					    "description", desc ? desc : ""));
		}
		*out = list;
	}
	return r;
}

int img_search(const char *term, long limit, const struct img_http_opts *o, json_t **out,
	       struct berr **err)
{
	if (strstr(term, "://"))
		return berr_plain(err, EINVAL,
				  "Invalid repository name (ex: \"registry.domain.tld/myrepo\")");
	if (limit < 1 || limit > 100)
		return berr_plain(err, EINVAL, "Limit %ld is outside the range of [1, 100]", limit);
	autofree char *index = NULL, *rest = NULL;
	split_term(term, &index, &rest);
	struct img_http *h = NULL;
	int r = img_http_open(index, o, &h, err);
	if (r < 0)
		return r;
	autofree char *query = search_query(rest, limit);
	/* Docker Hub's search is on its index, not on the registry pulls go to */
	autofree char *url = !strcmp(index, "docker.io")
				 ? xasprintf("https://index.docker.io/v1/%s", query)
				 : xasprintf("/v1/%s", query);
	r = search_at(h, url, out, err);
	img_http_free(h);
	return r;
}

static const char *first(json_t *filters, const char *key)
{
	return json_string_value(json_array_get(filter_values(filters, key), 0));
}

static bool is_bool(const char *v)
{
	return !strcmp(v, "true") || !strcmp(v, "false") || !strcmp(v, "1") || !strcmp(v, "0");
}

int img_search_filter_check(json_t *filters, struct berr **err)
{
	static const char *const keys[] = {"is-automated", "is-official", "stars", NULL};
	int r = filter_check(filters, keys, err);
	if (r < 0)
		return r;
	static const char *const bools[] = {"is-automated", "is-official"};
	for (size_t i = 0; i < 2; i++) {
		const char *v = first(filters, bools[i]);
		if (v && !is_bool(v))
			return berr_plain(err, EINVAL, "invalid filter '%s=%s'", bools[i], v);
	}
	const char *stars = first(filters, "stars");
	if (stars) {
		char *end = NULL;
		(void)strtol(stars, &end, 10);
		if (!*stars || *end)
			return berr_plain(err, EINVAL, "invalid filter 'stars=%s'", stars);
	}
	return 0;
}

static bool want(json_t *filters, const char *key, json_t *result)
{
	const char *v = first(filters, key);
	if (!v)
		return true;
	bool yes = !strcmp(v, "true") || !strcmp(v, "1");
	return json_is_true(
		   json_object_get(result, key[3] == 'a' ? "is_automated" : "is_official")) == yes;
}

bool img_search_filter(json_t *filters, json_t *result)
{
	const char *stars = first(filters, "stars");
	if (stars && json_integer_value(json_object_get(result, "star_count")) < atol(stars))
		return false;
	return want(filters, "is-automated", result) && want(filters, "is-official", result);
}

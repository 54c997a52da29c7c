/* Typed JSON access for configs we do not trust: every type mismatch is an error naming the field.
 */
#include "util/json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/xalloc.h"

json_t *json_load_text(const char *text, size_t len, struct berr **err)
{
	json_error_t je;
	json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!j) {
		berr_plain(err, EINVAL, "invalid JSON at line %d column %d: %s", je.line, je.column,
			   je.text);
		return NULL;
	}
	return j;
}

json_t *json_load_path(int dirfd, const char *path, size_t max, struct berr **err)
{
	autofree char *data = NULL;
	size_t len = 0;
	if (fs_read_file(dirfd, path, max, &data, &len, err) < 0)
		return NULL;
	json_t *j = json_load_text(data, len, err);
	if (!j)
		berr_wrap(err, "parse '%s'", path);
	return j;
}

static json_t *get(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_null(v) ? NULL : v;
}

static int type_err(struct berr **err, const char *where, const char *key, const char *want)
{
	return berr_plain(err, EINVAL, "%s%s%s: expected %s", where, *where ? "." : "", key, want);
}

int json_opt_str(json_t *obj, const char *where, const char *key, const char **out,
		 struct berr **err)
{
	json_t *v = get(obj, key);
	if (!v)
		return 0;
	if (!json_is_string(v))
		return type_err(err, where, key, "string");
	*out = json_string_value(v);
	return 1;
}

int json_opt_bool(json_t *obj, const char *where, const char *key, bool *out, struct berr **err)
{
	json_t *v = get(obj, key);
	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return type_err(err, where, key, "boolean");
	*out = json_is_true(v);
	return 1;
}

int json_opt_i64(json_t *obj, const char *where, const char *key, int64_t *out, bool *out_set,
		 struct berr **err)
{
	json_t *v = get(obj, key);
	if (!v)
		return 0;
	if (!json_is_integer(v))
		return type_err(err, where, key, "integer");
	*out = json_integer_value(v);
	if (out_set)
		*out_set = true;
	return 1;
}

int json_opt_u64(json_t *obj, const char *where, const char *key, uint64_t *out, bool *out_set,
		 struct berr **err)
{
	json_t *v = get(obj, key);
	if (!v)
		return 0;
	/* jansson stores integers as long long: values above INT64_MAX arrive as reals. */
	if (json_is_real(v) && json_real_value(v) >= 9.2e18 && json_real_value(v) <= 1.85e19) {
		*out = (uint64_t)json_real_value(v);
	} else if (!json_is_integer(v) || json_integer_value(v) < 0) {
		return type_err(err, where, key, "non-negative integer");
	} else {
		*out = (uint64_t)json_integer_value(v);
	}
	if (out_set)
		*out_set = true;
	return 1;
}

int json_opt_array(json_t *obj, const char *where, const char *key, json_t **out, struct berr **err)
{
	json_t *v = get(obj, key);
	if (!v)
		return 0;
	if (!json_is_array(v))
		return type_err(err, where, key, "array");
	*out = v;
	return 1;
}

int json_opt_object(json_t *obj, const char *where, const char *key, json_t **out,
		    struct berr **err)
{
	json_t *v = get(obj, key);
	if (!v)
		return 0;
	if (!json_is_object(v))
		return type_err(err, where, key, "object");
	*out = v;
	return 1;
}

void strv_free(char **v)
{
	if (!v)
		return;
	int saved = errno;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
	errno = saved;
}

size_t strv_len(char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

char **strv_dup(char *const *v)
{
	if (!v)
		return NULL;
	size_t n = strv_len(v);
	char **out = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		out[i] = xstrdup(v[i]);
	return out;
}

int json_opt_strv(json_t *obj, const char *where, const char *key, char ***out, struct berr **err)
{
	json_t *arr = NULL;
	int r = json_opt_array(obj, where, key, &arr, err);
	if (r <= 0)
		return r;
	size_t n = json_array_size(arr);
	char **v = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		json_t *s = json_array_get(arr, i);
		if (!json_is_string(s)) {
			strv_free(v);
			return type_err(err, where, key, "array of strings");
		}
		v[i] = xstrdup(json_string_value(s));
	}
	*out = v;
	return 1;
}

json_t *json_strv(char *const *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static int write_json(json_t *obj, const char *path, bool durable, struct berr **err)
{
	autofree char *s = json_dumps(obj, JSON_COMPACT);
	if (!s)
		return berr_set(err, ENOMEM, "encode JSON for '%s'", path);
	return durable ? fs_write_file_atomic(path, s, strlen(s), 0600, err)
		       : fs_replace_file(path, s, strlen(s), 0600, err);
}

int json_write_atomic(json_t *obj, const char *path, struct berr **err)
{
	return write_json(obj, path, true, err);
}

int json_replace_file(json_t *obj, const char *path, struct berr **err)
{
	return write_json(obj, path, false, err);
}

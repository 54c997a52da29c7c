/* JSON on jansson: bounded loading and typed getters whose errors name the field
 * ("process.args: expected array of strings"). Absent optional fields leave *out untouched. */
#ifndef BERTH_UTIL_JSON_H
#define BERTH_UTIL_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct berr;

json_t *json_load_path(int dirfd, const char *path, size_t max, struct berr **err);
json_t *json_load_text(const char *text, size_t len, struct berr **err);

/* `where` is the dotted name of obj, used in errors ("" for the top level). */
int json_opt_str(json_t *obj, const char *where, const char *key, const char **out,
		 struct berr **err);
int json_opt_bool(json_t *obj, const char *where, const char *key, bool *out, struct berr **err);
int json_opt_i64(json_t *obj, const char *where, const char *key, int64_t *out, bool *out_set,
		 struct berr **err);
int json_opt_u64(json_t *obj, const char *where, const char *key, uint64_t *out, bool *out_set,
		 struct berr **err);
int json_opt_array(json_t *obj, const char *where, const char *key, json_t **out,
		   struct berr **err);
int json_opt_object(json_t *obj, const char *where, const char *key, json_t **out,
		    struct berr **err);
/* A NULL-terminated, xmalloc'd copy of an array of strings (NULL if absent). */
int json_opt_strv(json_t *obj, const char *where, const char *key, char ***out, struct berr **err);
void strv_free(char **v);
/* The n strings of v as a JSON array. */
json_t *json_strv(char *const *v, size_t n);
size_t strv_len(char *const *v);
char **strv_dup(char *const *v);
/* Write compact JSON atomically. */
int json_write_atomic(json_t *obj, const char *path, struct berr **err);
/* The same without fsync (fs_replace_file): for files made again from records. */
int json_replace_file(json_t *obj, const char *path, struct berr **err);

#endif

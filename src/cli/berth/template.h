/* `--format` templates: the part of Go's text/template that docker and podman users write,
 * over JSON data. Actions: {{.}}, {{.A.B}}, pipelines with "|", {{if X}}..{{else}}..{{end}},
 * {{with X}} (dot is X inside), {{range X}}..{{end}} (over a list or an object's values),
 * variables ({{$x := X}}, {{range $k, $v := X}}, {{with $x := X}}, $ the data, $x.A.B; a
 * block's own go at its end), "{{-"/"-}}" trimming, and the
 * functions json, index, join, len, upper, lower, title, split, println, printf (%s %d %v %q).
 * Values print as Go prints them: lists "[a b]", objects "map[k:v]", a missing key
 * "<no value>". Docker's "\t" and "\n" in the format are turned into tab and newline. */
#ifndef BERTH_CLI_BERTH_TEMPLATE_H
#define BERTH_CLI_BERTH_TEMPLATE_H

#include <jansson.h>

struct berr;
struct tmpl;

struct tmpl *tmpl_parse(const char *text, struct berr **err);
/* The text for data (caller frees), or NULL with err ("template: executing: ..."). */
char *tmpl_exec(const struct tmpl *t, json_t *data, struct berr **err);
void tmpl_free(struct tmpl *t);

#endif

/* A subset of Go's text/template over JSON (see template.h). Parsing builds a tree of text,
 * actions, if and range, and checks every pipeline as Go's parser does (a syntax error or an
 * unknown function in a branch never taken is still an error); a pipeline is tokenised again
 * when it runs. */
#include "cli/berth/template.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/berth/template_value.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#define DEPTH_MAX 32

enum node_kind { N_TEXT, N_ACTION, N_IF, N_WITH, N_RANGE };

struct node {
	enum node_kind kind;
	char *text; /* text, or the pipeline */
	struct node *body, *alt;
	size_t n_body, n_alt;
};

struct tmpl {
	struct node *nodes;
	size_t n;
};

/* ---- parsing ---- */

struct lexer {
	const char *p;
	bool trim_next; /* the last action ended with "-}}" */
};

/* The next piece: text (is_action false) or an action's inside; NULL at the end. */
static char *next_piece(struct lexer *lx, bool *is_action, struct berr **err)
{
	if (!*lx->p)
		return NULL;
	if (lx->p[0] == '{' && lx->p[1] == '{') {
		const char *start = lx->p + 2, *end = strstr(start, "}}");
		if (!end) {
			berr_plain(err, EINVAL, "template: unclosed action");
			return NULL;
		}
		lx->p = end + 2;
		if (*start == '-' && isspace((unsigned char)start[1]))
			start++;
		lx->trim_next = end > start && end[-1] == '-' && isspace((unsigned char)end[-2]);
		if (lx->trim_next)
			end--;
		*is_action = true;
		return xstrndup(start, (size_t)(end - start));
	}
	const char *end = strstr(lx->p, "{{");
	if (!end)
		end = lx->p + strlen(lx->p);
	const char *start = lx->p;
	lx->p = end;
	if (lx->trim_next)
		while (start < end && isspace((unsigned char)*start))
			start++;
	lx->trim_next = false;
	/* "{{- " trims the text before it */
	if (end[0] == '{' && end[2] == '-' && isspace((unsigned char)end[3]))
		while (end > start && isspace((unsigned char)end[-1]))
			end--;
	*is_action = false;
	return xstrndup(start, (size_t)(end - start));
}

static void nodes_free(struct node *n, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		free(n[i].text);
		nodes_free(n[i].body, n[i].n_body);
		nodes_free(n[i].alt, n[i].n_alt);
	}
	free(n);
}

static char *trimmed(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return xstrndup(s, n);
}

static bool keyword(const char *a, const char *kw)
{
	size_t n = strlen(kw);
	return !strncmp(a, kw, n) && (!a[n] || isspace((unsigned char)a[n]));
}

/* Nodes until "end" or "else" (returned in *stop) or the end of input. */
static int parse_list(struct lexer *lx, int depth, struct node **out, size_t *out_n, char **stop,
		      struct berr **err)
{
	if (depth > DEPTH_MAX)
		return berr_plain(err, EINVAL, "template: nested too deeply");
	struct node *nodes = NULL;
	size_t n = 0;
	*stop = NULL;
	int r = 0;
	bool is_action;
	char *piece;
	while ((piece = next_piece(lx, &is_action, err))) {
		autofree char *a = is_action ? trimmed(piece) : NULL;
		if (is_action)
			free(piece);
		if (is_action && (!strcmp(a, "end") || !strcmp(a, "else"))) {
			*stop = take_ptr(&a);
			break;
		}
		if (is_action && !strncmp(a, "/*", 2))
			continue; /* a comment */
		nodes = xrealloc(nodes, (n + 1) * sizeof(*nodes));
		struct node *nd = &nodes[n++];
		memset(nd, 0, sizeof(*nd));
		if (!is_action) {
			nd->kind = N_TEXT;
			nd->text = piece;
			continue;
		}
		if (!keyword(a, "if") && !keyword(a, "with") && !keyword(a, "range")) {
			nd->kind = N_ACTION;
			nd->text = take_ptr(&a);
			continue;
		}
		nd->kind = keyword(a, "if") ? N_IF : keyword(a, "with") ? N_WITH : N_RANGE;
		nd->text = trimmed(a + (nd->kind == N_IF ? 2 : nd->kind == N_WITH ? 4 : 5));
		autofree char *s1 = NULL, *s2 = NULL;
		r = parse_list(lx, depth + 1, &nd->body, &nd->n_body, &s1, err);
		if (r == 0 && s1 && !strcmp(s1, "else"))
			r = parse_list(lx, depth + 1, &nd->alt, &nd->n_alt, &s2, err);
		if (r == 0 && !(s1 && !strcmp(s1, "end")) && !(s2 && !strcmp(s2, "end")))
			r = berr_plain(err, EINVAL, "template: unexpected EOF (missing {{end}})");
		if (r < 0)
			goto fail;
	}
	if (err && *err) {
		r = berr_ret(err);
		goto fail;
	}
	*out = nodes;
	*out_n = n;
	return 0;
fail:
	nodes_free(nodes, n);
	return r;
}

/* Docker's formatter turns the two-character "\t" and "\n" into the real ones first. */
static char *unescape(const char *s)
{
	char *out = xmalloc(strlen(s) + 1), *o = out;
	for (; *s; s++) {
		if (s[0] == '\\' && (s[1] == 't' || s[1] == 'n')) {
			*o++ = s[1] == 't' ? '\t' : '\n';
			s++;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
	return out;
}

static int check_nodes(const struct node *nodes, size_t n, struct berr **err);

struct tmpl *tmpl_parse(const char *text, struct berr **err)
{
	autofree char *src = unescape(text);
	struct lexer lx = {.p = src};
	struct tmpl *t = xzalloc(sizeof(*t));
	autofree char *stop = NULL;
	if (parse_list(&lx, 0, &t->nodes, &t->n, &stop, err) < 0) {
		free(t);
		return NULL;
	}
	if (stop) {
		berr_plain(err, EINVAL, "template: unexpected {{%s}}", stop);
		tmpl_free(t);
		return NULL;
	}
	if (check_nodes(t->nodes, t->n, err) < 0) {
		tmpl_free(t);
		return NULL;
	}
	return t;
}

void tmpl_free(struct tmpl *t)
{
	if (!t)
		return;
	nodes_free(t->nodes, t->n);
	free(t);
}

/* ---- pipelines ---- */

/* Hand an inner error up unless one is already set. */
static void pass_err(struct berr **err, struct berr *e)
{
	if (err && !*err)
		*err = e;
	else
		berr_free(e);
}

enum tok_kind { T_FIELD, T_VAR, T_STRING, T_NUMBER, T_IDENT, T_PIPE, T_PAREN, T_END };

struct tok {
	enum tok_kind kind;
	char *text;
	char *fields; /* T_PAREN: ".A.B" after the ')', or NULL */
};

/* "(pipeline).A.B": the pipeline's text, and the fields after it. */
static int lex_paren(const char **pp, struct tok *t, struct berr **err)
{
	const char *p = *pp + 1, *start = p;
	int depth = 1;
	char q = 0;
	for (; *p && depth; p++) {
		if (q) {
			if (*p == '\\' && q == '"' && p[1])
				p++;
			else if (*p == q)
				q = 0;
		} else if (*p == '"' || *p == '`') {
			q = *p;
		} else if (*p == '(') {
			depth++;
		} else if (*p == ')') {
			depth--;
		}
	}
	if (depth)
		return berr_plain(err, EINVAL, "template: unclosed left paren");
	t->kind = T_PAREN;
	t->text = xstrndup(start, (size_t)(p - 1 - start));
	const char *f = p;
	while (*p && (isalnum((unsigned char)*p) || *p == '_' || *p == '.'))
		p++;
	t->fields = p > f && *f == '.' ? xstrndup(f, (size_t)(p - f)) : NULL;
	*pp = p;
	return 0;
}

static int lex_token(const char **pp, struct tok *t, struct berr **err)
{
	const char *p = *pp;
	while (isspace((unsigned char)*p))
		p++;
	const char *start = p;
	t->text = NULL;
	t->fields = NULL;
	if (!*p) {
		t->kind = T_END;
	} else if (*p == '(') {
		*pp = p;
		return lex_paren(pp, t, err);
	} else if (*p == '|') {
		t->kind = T_PIPE;
		p++;
	} else if (*p == '"' || *p == '`') {
		char q = *p++;
		struct strbuf b = {0};
		strbuf_adds(&b, "");
		for (; *p && *p != q; p++) {
			if (q == '"' && *p == '\\' && p[1]) {
				p++;
				char c = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p;
				strbuf_add(&b, &c, 1);
			} else {
				strbuf_add(&b, p, 1);
			}
		}
		if (*p != q) {
			free(b.s);
			return berr_plain(err, EINVAL, "template: unterminated string");
		}
		p++;
		t->kind = T_STRING;
		t->text = b.s;
	} else if (*p == '.' || *p == '$' || isalpha((unsigned char)*p) || *p == '_') {
		p++;
		while (*p && (isalnum((unsigned char)*p) || *p == '_' || *p == '.'))
			p++;
		t->kind = *start == '.' ? T_FIELD : *start == '$' ? T_VAR : T_IDENT;
		t->text = xstrndup(start, (size_t)(p - start));
	} else if (isdigit((unsigned char)*p) || (*p == '-' && isdigit((unsigned char)p[1]))) {
		p++;
		while (isdigit((unsigned char)*p))
			p++;
		t->kind = T_NUMBER;
		t->text = xstrndup(start, (size_t)(p - start));
	} else {
		return berr_plain(err, EINVAL, "template: unexpected '%c' in action", *p);
	}
	*pp = p;
	return 0;
}

/* The variables in scope: "$" (the data) first, then those declared, the innermost last. A
 * block's own go when it ends. */
#define VARS_MAX 32
struct scope {
	char *name[VARS_MAX]; /* without the '$': "" is "$" */
	json_t *val[VARS_MAX];
	size_t n;
};

/* Takes the reference v. */
static int scope_push(struct scope *sc, const char *name, json_t *v, struct berr **err)
{
	if (sc->n == VARS_MAX) {
		json_decref(v);
		return berr_plain(err, E2BIG, "template: too many variables");
	}
	sc->name[sc->n] = xstrdup(name);
	sc->val[sc->n++] = v;
	return 0;
}

static void scope_pop_to(struct scope *sc, size_t n)
{
	while (sc->n > n) {
		sc->n--;
		free(sc->name[sc->n]);
		json_decref(sc->val[sc->n]);
	}
}

/* "{{$x := pipeline}}", "{{range $k, $v := pipeline}}": the names (without '$') into
 * v1 and v2 (NULL when one), and the pipeline after ":="; NULL when text declares nothing. */
static const char *declaration(const char *text, char **v1, char **v2)
{
	const char *p = text;
	char *names[2] = {NULL, NULL};
	for (int i = 0; i < 2; i++) {
		while (isspace((unsigned char)*p))
			p++;
		if (*p != '$')
			break;
		const char *start = ++p;
		while (isalnum((unsigned char)*p) || *p == '_')
			p++;
		names[i] = xstrndup(start, (size_t)(p - start));
		while (isspace((unsigned char)*p))
			p++;
		if (*p != ',')
			break;
		p++;
	}
	if (!names[0] || p[0] != ':' || p[1] != '=') {
		free(names[0]);
		free(names[1]);
		return NULL;
	}
	*v1 = names[0];
	*v2 = names[1];
	return p + 2;
}

/* What Go's parser rejects in a pipeline, before anything runs: a lexing error, an empty
 * command, a name that is no function (in parentheses too). */
static int check_pipeline(const char *text, int depth, struct berr **err)
{
	if (depth > DEPTH_MAX)
		return berr_plain(err, EINVAL, "template: nested too deeply");
	char *v1 = NULL, *v2 = NULL;
	const char *decl = declaration(text, &v1, &v2);
	free(v1);
	free(v2);
	const char *p = decl ? decl : text;
	for (size_t n = 0;;) {
		struct tok t;
		int r = lex_token(&p, &t, err);
		if (r < 0)
			return r;
		if (t.kind == T_PIPE || t.kind == T_END) {
			if (n == 0)
				return berr_plain(err, EINVAL,
						  "template: missing value for command");
			if (t.kind == T_END)
				return 0;
			n = 0;
			continue;
		}
		if (t.kind == T_IDENT && strcmp(t.text, "true") && strcmp(t.text, "false") &&
		    strcmp(t.text, "nil") && !tmpl_func_defined(t.text))
			r = berr_plain(err, EINVAL, "template: function \"%s\" not defined",
				       t.text);
		else if (t.kind == T_PAREN)
			r = check_pipeline(t.text, depth + 1, err);
		free(t.text);
		free(t.fields);
		if (r < 0)
			return r;
		n++;
	}
}

static int check_nodes(const struct node *nodes, size_t n, struct berr **err)
{
	for (size_t i = 0; i < n; i++) {
		const struct node *nd = &nodes[i];
		if (nd->kind == N_TEXT)
			continue;
		int r = check_pipeline(nd->text, 0, err);
		if (r == 0)
			r = check_nodes(nd->body, nd->n_body, err);
		if (r == 0)
			r = check_nodes(nd->alt, nd->n_alt, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ".A.B" on dot: a new reference, NULL for a missing key. */
static json_t *field(json_t *dot, const char *path, struct berr **err)
{
	json_t *v = dot;
	autofree char *copy = xstrdup(path + 1);
	for (char *save = NULL, *k = strtok_r(copy, ".", &save); k;
	     k = strtok_r(NULL, ".", &save)) {
		if (!v)
			return NULL;
		if (!json_is_object(v)) {
			berr_plain(err, EINVAL, "template: can't evaluate field %s in a non-object",
				   k);
			return NULL;
		}
		v = json_object_get(v, k);
	}
	return json_incref(v);
}

/* "$x.A.B": the variable's value, then its fields; an unknown variable is an error. */
static json_t *var_value(const struct scope *sc, const char *text, struct berr **err)
{
	size_t len = strcspn(text + 1, ".");
	for (size_t i = sc->n; i-- > 0;)
		if (strlen(sc->name[i]) == len && !strncmp(sc->name[i], text + 1, len))
			return text[1 + len] ? field(sc->val[i], text + 1 + len, err)
					     : json_incref(sc->val[i]);
	berr_plain(err, EINVAL, "template: undefined variable: $%.*s", (int)len, text + 1);
	return NULL;
}

static json_t *pipeline(const char *text, json_t *dot, struct scope *sc, bool *ok,
			struct berr **err);

/* A parenthesized pipeline's value, then its fields. */
static json_t *paren_value(struct tok *t, json_t *dot, struct scope *sc, struct berr **err)
{
	bool ok;
	json_t *v = pipeline(t->text, dot, sc, &ok, err);
	if (!ok || !t->fields)
		return v;
	json_t *f = field(v, t->fields, err);
	json_decref(v);
	return f;
}

/* One argument's value; NULL with *err set when it has none. */
static json_t *arg_value(struct tok *t, json_t *dot, struct scope *sc, struct berr **err)
{
	struct berr *e = NULL;
	json_t *v = NULL;
	if (t->kind == T_FIELD)
		v = field(dot, t->text, &e);
	else if (t->kind == T_VAR)
		v = var_value(sc, t->text, &e);
	else if (t->kind == T_PAREN)
		v = paren_value(t, dot, sc, &e);
	else if (t->kind == T_STRING)
		return json_string(t->text);
	else if (t->kind == T_NUMBER)
		return json_integer(strtoll(t->text, NULL, 10));
	else if (!strcmp(t->text, "true") || !strcmp(t->text, "false"))
		return json_boolean(!strcmp(t->text, "true"));
	else if (!strcmp(t->text, "nil"))
		return json_null();
	else
		return berr_plain(err, EINVAL, "template: '%s' is not a value", t->text), NULL;
	if (e) {
		json_decref(v);
		pass_err(err, e);
		return NULL;
	}
	return v;
}

static void args_free(json_t **args, size_t n)
{
	for (size_t k = 0; k < n; k++)
		json_decref(args[k]);
}

/* One command: a value, or a function with arguments (and the piped value last). */
static json_t *run_command(struct tok *toks, size_t n, json_t *dot, struct scope *sc, json_t *piped,
			   bool has_piped, struct berr **err)
{
	json_t *args[16];
	size_t na = 0;
	bool fn = toks[0].kind == T_IDENT && strcmp(toks[0].text, "true") &&
		  strcmp(toks[0].text, "false") && strcmp(toks[0].text, "nil");
	if (n > 15)
		return berr_plain(err, E2BIG, "template: too many arguments"), NULL;
	for (size_t i = fn ? 1 : 0; i < n; i++) {
		struct berr *e = NULL;
		json_t *v = arg_value(&toks[i], dot, sc, &e);
		if (e) {
			args_free(args, na);
			pass_err(err, e);
			return NULL;
		}
		args[na++] = v;
	}
	if (has_piped)
		args[na++] = json_incref(piped);
	if (!fn && na != 1) {
		args_free(args, na);
		berr_plain(err, EINVAL, "template: can't give an argument to a non-function");
		return NULL;
	}
	if (!fn)
		return args[0];
	json_t *r = tmpl_call(toks[0].text, args, na, err);
	args_free(args, na);
	return r;
}

/* A pipeline's value; *ok is false on error. */
static json_t *pipeline(const char *text, json_t *dot, struct scope *sc, bool *ok,
			struct berr **err)
{
	struct tok toks[64];
	size_t n = 0;
	const char *p = text;
	*ok = false;
	json_t *val = NULL;
	bool has_val = false;
	for (;;) {
		if (n == 64 || lex_token(&p, &toks[n], err) < 0) {
			if (n == 64)
				berr_plain(err, E2BIG, "template: action too long");
			break;
		}
		enum tok_kind k = toks[n].kind;
		if (k != T_PIPE && k != T_END) {
			n++;
			continue;
		}
		if (n == 0) {
			berr_plain(err, EINVAL, "template: missing value for command");
			break;
		}
		struct berr *e = NULL;
		json_t *v = run_command(toks, n, dot, sc, val, has_val, &e);
		for (size_t i = 0; i < n; i++) {
			free(toks[i].text);
			free(toks[i].fields);
		}
		n = 0;
		if (e) {
			pass_err(err, e);
			json_decref(v);
			json_decref(val);
			return NULL;
		}
		json_decref(val);
		val = v;
		has_val = true;
		if (k == T_END) {
			*ok = true;
			return val;
		}
	}
	for (size_t i = 0; i < n; i++) {
		free(toks[i].text);
		free(toks[i].fields);
	}
	json_decref(val);
	return NULL;
}

static int exec_nodes(const struct node *nodes, size_t n, json_t *dot, struct scope *sc,
		      struct strbuf *b, struct berr **err);

/* The body once for each element of v (an object's in key order), its variables k and e
 * (either NULL) the key or index and the element; the else part when v is empty. */
static int exec_range(const struct node *nd, json_t *v, const char *k, const char *e, json_t *dot,
		      struct scope *sc, struct strbuf *b, struct berr **err)
{
	size_t count = json_is_array(v)    ? json_array_size(v)
		       : json_is_object(v) ? json_object_size(v)
					   : 0;
	if (count == 0)
		return exec_nodes(nd->alt, nd->n_alt, dot, sc, b, err);
	const char **keys = NULL;
	if (json_is_object(v)) {
		keys = xcalloc(count, sizeof(char *));
		const char *key;
		json_t *val;
		size_t i = 0;
		json_object_foreach(v, key, val) keys[i++] = key;
		qsort(keys, count, sizeof(char *), tmpl_cmp_keys);
	}
	int r = 0;
	size_t base = sc->n;
	for (size_t i = 0; i < count && r == 0; i++) {
		json_t *el = keys ? json_object_get(v, keys[i]) : json_array_get(v, i);
		if (k)
			r = scope_push(
			    sc, k, keys ? json_string(keys[i]) : json_integer((json_int_t)i), err);
		if (r == 0 && e)
			r = scope_push(sc, e, json_incref(el), err);
		if (r == 0)
			r = exec_nodes(nd->body, nd->n_body, el, sc, b, err);
		scope_pop_to(sc, base);
	}
	free(keys);
	return r;
}

/* An if or with: the body (dot the value, for with) when the value is true, else the else
 * part. */
static int exec_branch(const struct node *nd, json_t *v, json_t *dot, struct scope *sc,
		       struct strbuf *b, struct berr **err)
{
	if (tmpl_truthy(v))
		return exec_nodes(nd->body, nd->n_body, nd->kind == N_WITH ? v : dot, sc, b, err);
	return exec_nodes(nd->alt, nd->n_alt, dot, sc, b, err);
}

/* One action, if, with or range, with the variables it declares: an action's stay to the
 * end of its block, the others' are their body's. */
static int exec_node(const struct node *nd, json_t *dot, struct scope *sc, struct strbuf *b,
		     struct berr **err)
{
	autofree char *v1 = NULL, *v2 = NULL;
	const char *text = declaration(nd->text, &v1, &v2);
	if (v2 && nd->kind != N_RANGE)
		return berr_plain(err, EINVAL, "template: too many declarations in %s", nd->text);
	bool ok;
	json_t *v = pipeline(text ? text : nd->text, dot, sc, &ok, err);
	if (!ok)
		return berr_ret(err);
	int r = 0;
	size_t base = sc->n;
	if (nd->kind == N_RANGE) /* one variable is the element; two, the key and the element */
		r = exec_range(nd, v, v2 ? v1 : NULL, v2 ? v2 : v1, dot, sc, b, err);
	else if (v1 && nd->kind == N_ACTION)
		return scope_push(sc, v1, v, err); /* prints nothing */
	else if (nd->kind == N_ACTION)
		tmpl_print(b, v);
	else if (!v1 || (r = scope_push(sc, v1, json_incref(v), err)) == 0)
		r = exec_branch(nd, v, dot, sc, b, err);
	scope_pop_to(sc, base);
	json_decref(v);
	return r;
}

/* A list of nodes: what it declares goes when it ends. */
static int exec_nodes(const struct node *nodes, size_t n, json_t *dot, struct scope *sc,
		      struct strbuf *b, struct berr **err)
{
	size_t base = sc->n;
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		if (nodes[i].kind == N_TEXT)
			strbuf_adds(b, nodes[i].text);
		else
			r = exec_node(&nodes[i], dot, sc, b, err);
	}
	scope_pop_to(sc, base);
	return r < 0 ? r : 0;
}

char *tmpl_exec(const struct tmpl *t, json_t *data, struct berr **err)
{
	struct strbuf b = {0};
	strbuf_adds(&b, "");
	struct scope sc = {.n = 0};
	(void)scope_push(&sc, "", json_incref(data), NULL);
	int r = exec_nodes(t->nodes, t->n, data, &sc, &b, err);
	scope_pop_to(&sc, 0);
	if (r < 0) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

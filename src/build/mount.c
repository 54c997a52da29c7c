/* RUN --mount, --network and --security (see mount.h). parse_field is BuildKit's parseMount
 * switch, check what follows its loop, defaults what dockerfile2llb fills in later, so that
 * the two can be read side by side. BuildKit quirks kept on purpose: a field is judged against
 * the type known so far, so "required,type=secret" and "size=1g,type=tmpfs" are errors
 * ("unexpected key ... for mount type 'bind'") while the other order is fine; keys are
 * case-insensitive, type and sharing values too, other values are not. */
#include "build/mount.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "build/dockerfile.h"
#include "build/expand.h"
#include "build/text.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/json.h"
#include "util/path.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

static const char *const type_names[] = {
    [BLD_MOUNT_BIND] = "bind",     [BLD_MOUNT_CACHE] = "cache", [BLD_MOUNT_TMPFS] = "tmpfs",
    [BLD_MOUNT_SECRET] = "secret", [BLD_MOUNT_SSH] = "ssh",
};
static const char *const sharing_names[] = {
    [BLD_SHARING_SHARED] = "shared",
    [BLD_SHARING_PRIVATE] = "private",
    [BLD_SHARING_LOCKED] = "locked",
};
/* parseMount's allKeys, in its order (the order decides between equally near suggestions). */
static const char *const all_keys[] = {
    "type", "from", "source", "target", "readonly",    "id", "sharing", "required",  "size", "mode",
    "uid",  "gid",  "src",    "dst",    "destination", "ro", "rw",      "readwrite", "env",
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Levenshtein distance of two short strings (insert, delete, substitute: 1 each). */
static size_t distance(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	autofree size_t *row = xcalloc(nb + 1, sizeof(*row));
	for (size_t j = 0; j <= nb; j++)
		row[j] = j;
	for (size_t i = 1; i <= na; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= nb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[nb];
}

/* BuildKit's util/suggest: the first option nearer than 3 edits, as "(did you mean X?)". An error
 * is set with msg, then the suggestion if there is one. */
static int suggest(struct berr **err, const char *msg, const char *val, const char *const *opts,
		   size_t n)
{
	const char *match = NULL;
	size_t best = 3;
	if (strlen(val) > 64)
		n = 0; /* nothing we offer is that long: no need to compare */
	for (size_t i = 0; i < n; i++) {
		size_t d = distance(val, opts[i]);
		if (d < best) {
			best = d;
			match = opts[i];
		}
	}
	if (match)
		return berr_plain(err, EINVAL, "%s (did you mean %s?)", msg, match);
	return berr_plain(err, EINVAL, "%s", msg);
}

static int csv_error(struct berr **err, size_t pos, bool bare)
{
	return berr_plain(
	    err, EINVAL, "failed to parse csv mounts: parse error on line 1, column %zu: %s",
	    pos + 1,
	    bare ? "bare \" in non-quoted-field" : "extraneous or missing \" in quoted-field");
}

/* One CSV record as Go's encoding/csv reads it (go-csvvalue.Fields, comma ','): a field that
 * starts with '"' is quoted ("" inside is one quote) and must end at ',' or the end; a quote
 * in an unquoted field is an error. An empty value is io.EOF to BuildKit. */
static int csv_fields(const char *s, char ***out, struct berr **err)
{
	size_t len = strlen(s), pos = 0, n = 0;
	char **v = NULL;
	if (len && s[len - 1] == '\n')
		len -= 1 + (len > 1 && s[len - 2] == '\r');
	if (len == 0)
		return berr_plain(err, EINVAL, "failed to parse csv mounts: EOF");
	for (;;) {
		if (pos >= len || s[pos] != '"') {
			const char *comma = memchr(s + pos, ',', len - pos);
			size_t end = comma ? (size_t)(comma - s) : len;
			const char *q = memchr(s + pos, '"', end - pos);
			if (q) {
				strv_free(v);
				return csv_error(err, (size_t)(q - s), true);
			}
			bld_strv_push(&v, &n, xstrndup(s + pos, end - pos));
			if (!comma)
				break;
			pos = end + 1;
			continue;
		}
		struct strbuf b = {0};
		pos++;
		for (;;) {
			const char *q = memchr(s + pos, '"', len - pos);
			if (!q) {
				strbuf_clear(&b);
				strv_free(v);
				return csv_error(err, pos, false);
			}
			strbuf_add(&b, s + pos, (size_t)(q - (s + pos)));
			pos = (size_t)(q - s) + 1;
			if (pos < len && s[pos] == '"') {
				strbuf_addc(&b, '"');
				pos++;
				continue;
			}
			if (pos < len && s[pos] != ',') {
				strbuf_clear(&b);
				strv_free(v);
				return csv_error(err, pos - 1, false);
			}
			break;
		}
		bld_strv_push(&v, &n, strbuf_take(&b));
		if (pos >= len)
			break;
		pos++; /* the comma */
	}
	*out = v;
	return 0;
}

/* Go's strconv.ParseBool. */
static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
	static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False"};
	for (size_t i = 0; i < N_OF(yes); i++) {
		if (!strcmp(s, yes[i]) || !strcmp(s, no[i])) {
			*out = !strcmp(s, yes[i]);
			return 0;
		}
	}
	return -1;
}

/* strconv.ParseUint(s, base, 32) for base 8 or 10: digits only, no sign, no prefix. */
static int parse_u32(const char *s, unsigned base, uint32_t *out)
{
	uint64_t v = 0;
	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s >= (char)('0' + base))
			return -1;
		v = v * base + (uint64_t)(*s - '0');
		if (v > UINT32_MAX)
			return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

/* go-units RAMInBytes: a decimal number, an optional blank, then an optional k m g t p
 * (powers of 1024) with an optional "b" or "ib"; "b" alone is bytes. Case-insensitive. */
static int parse_size(const char *s, int64_t *out)
{
	const char *sep = NULL;
	for (const char *c = s; *c; c++)
		if (strchr("0123456789. ", *c))
			sep = c;
	if (!sep)
		return -1;
	autofree char *num = xstrndup(s, (size_t)(sep - s) + (*sep != ' '));
	const char *sfx = sep + 1;
	/* What Go's ParseFloat takes from these characters: [+-]digits[.digits][e[+-]digits]. */
	const char *c = num + (*num == '+' || *num == '-');
	size_t digits = strspn(c, "0123456789");
	c += digits;
	if (*c == '.') {
		size_t frac = strspn(c + 1, "0123456789");
		digits += frac;
		c += 1 + frac;
	}
	if (digits && (*c == 'e' || *c == 'E')) {
		c += 1 + (c[1] == '+' || c[1] == '-');
		size_t exp = strspn(c, "0123456789");
		if (!exp)
			return -1;
		c += exp;
	}
	if (!digits || *c)
		return -1;
	double v = strtod(num, NULL);
	if (v < 0 || isnan(v))
		return -1;
	size_t n = strlen(sfx);
	if (n > 3)
		return -1;
	if (n && (sfx[0] | 0x20) != 'b') {
		const char *units = "kmgtp", *u = strchr(units, sfx[0] | 0x20);
		if (!u)
			return -1;
		if ((n == 2 && (sfx[1] | 0x20) != 'b') ||
		    (n == 3 && strcasecmp(sfx + 1, "ib") != 0))
			return -1;
		v = ldexp(v, 10 * (int)(u - units + 1));
	} else if (n > 1) {
		return -1;
	}
	if (v >= 0x1p63)
		return -1; /* Go would wrap to a negative size */
	*out = (int64_t)v;
	return 0;
}

/* The index of value in names (in any case when icase: BuildKit lower-cases type and sharing
 * values, not network or security), or -1. */
static int name_index(const char *value, const char *const *names, size_t n, bool icase)
{
	for (size_t i = 0; i < n; i++)
		if (icase ? !strcasecmp(value, names[i]) : !strcmp(value, names[i]))
			return (int)i;
	return -1;
}

/* type= and sharing=: the value's index into names, or BuildKit's error with a suggestion. */
static int parse_choice(const char *value, const char *what, const char *const *names, size_t n,
			struct berr **err)
{
	int i = name_index(value, names, n, true);
	if (i >= 0)
		return i;
	autofree char *msg = xasprintf("unsupported %s '%s'", what, value);
	return suggest(err, msg, value, names, n);
}

static void set_str(char **slot, const char *value)
{
	free(*slot);
	*slot = xstrdup(value);
}

/* What parseMount carries between fields besides the mount itself. */
struct field_state {
	bool ro_auto;     /* neither ro nor rw was given: the type decides */
	bool sharing_set; /* sharing was given (an error for all but cache) */
	bool id_set;      /* a non-empty id was given (BuildKit tests CacheID != "") */
	bool mode_set, uid_set, gid_set;
};

/* 1 for readonly/ro, 0 for readwrite/rw, -1 for other keys. */
static int ro_key(const char *key)
{
	if (!strcmp(key, "readonly") || !strcmp(key, "ro"))
		return 1;
	if (!strcmp(key, "readwrite") || !strcmp(key, "rw"))
		return 0;
	return -1;
}

static int unexpected_for_type(struct berr **err, const char *key, const struct bld_mount *m)
{
	return berr_plain(err, EINVAL, "unexpected key '%s' for mount type '%s'", key,
			  type_names[m->type]);
}

static int invalid_value(struct berr **err, const char *key, const char *value)
{
	return berr_plain(err, EINVAL, "invalid value for %s: %s", key, value);
}

/* A field without '=': the flags ro, rw and required; anything else needs a value. */
static int parse_word(const char *key, const char *field, struct bld_mount *m,
		      struct field_state *st, struct berr **err)
{
	int ro = ro_key(key);
	if (ro >= 0) {
		m->readonly = ro;
		st->ro_auto = false;
		return 0;
	}
	if (!strcmp(key, "required")) {
		if (m->type != BLD_MOUNT_SECRET && m->type != BLD_MOUNT_SSH)
			return unexpected_for_type(err, key, m);
		m->required = true;
		return 0;
	}
	return berr_plain(err, EINVAL, "invalid field '%s' must be a key=value pair", field);
}

static int parse_owner(const char *key, const char *value, struct bld_mount *m,
		       struct field_state *st, struct berr **err)
{
	bool mode = key[0] == 'm', uid = key[0] == 'u';
	uint32_t *slot = mode ? &m->mode : uid ? &m->uid : &m->gid;
	if (parse_u32(value, mode ? 8 : 10, slot) < 0)
		return berr_plain(err, EINVAL, "invalid value %s for %s", value, key);
	*(mode ? &st->mode_set : uid ? &st->uid_set : &st->gid_set) = true;
	return 0;
}

/* A key=value field, value already expanded: BuildKit's switch. */
static int parse_field(const char *key, const char *value, const char *field, struct bld_mount *m,
		       struct field_state *st, struct berr **err)
{
	int ro = ro_key(key);
	bool b;
	if (!strcmp(key, "type") || !strcmp(key, "sharing")) {
		bool type = key[0] == 't';
		int i = type ? parse_choice(value, "mount type", type_names, N_OF(type_names), err)
			     : parse_choice(value, "sharing value", sharing_names,
					    N_OF(sharing_names), err);
		if (i < 0)
			return i;
		if (type)
			m->type = (enum bld_mount_type)i;
		else
			m->sharing = (enum bld_mount_sharing)i;
		st->sharing_set |= !type;
		return 0;
	}
	if (!strcmp(key, "mode") || !strcmp(key, "uid") || !strcmp(key, "gid"))
		return parse_owner(key, value, m, st, err);
	if (!strcmp(key, "from")) {
		set_str(&m->from, value);
	} else if (!strcmp(key, "source") || !strcmp(key, "src")) {
		set_str(&m->source, value);
	} else if (!strcmp(key, "target") || !strcmp(key, "dst") || !strcmp(key, "destination")) {
		set_str(&m->target, value);
	} else if (ro >= 0) {
		if (parse_bool(value, &b) < 0)
			return invalid_value(err, key, value);
		m->readonly = ro ? b : !b;
		st->ro_auto = false;
	} else if (!strcmp(key, "required")) {
		if (m->type != BLD_MOUNT_SECRET && m->type != BLD_MOUNT_SSH)
			return unexpected_for_type(err, key, m);
		if (parse_bool(value, &m->required) < 0)
			return invalid_value(err, key, value);
	} else if (!strcmp(key, "size")) {
		if (m->type != BLD_MOUNT_TMPFS)
			return unexpected_for_type(err, key, m);
		if (parse_size(value, &m->size) < 0)
			return invalid_value(err, key, value);
	} else if (!strcmp(key, "id")) {
		set_str(&m->id, value);
		st->id_set = *value != '\0';
	} else if (!strcmp(key, "env")) {
		/* BuildKit takes "env=" and then sets a variable without a name ("=secret"). */
		if (!*value)
			return berr_plain(err, EINVAL, "invalid value for env: a name is needed");
		set_str(&m->env, value);
	} else {
		autofree char *msg = xasprintf("unexpected key '%s' in '%s'", key, field);
		return suggest(err, msg, key, all_keys, N_OF(all_keys));
	}
	return 0;
}

/* Go's path.Base: the last element, trailing slashes ignored; "." for "", "/" for "///". */
static char *go_base(const char *p)
{
	size_t n = strlen(p);
	if (n == 0)
		return xstrdup(".");
	while (n > 1 && p[n - 1] == '/')
		n--;
	size_t start = n;
	while (start > 0 && p[start - 1] != '/')
		start--;
	if (start == n)
		return xstrdup("/");
	return xstrndup(p + start, n - start);
}

static bool given(const char *s)
{
	return s && *s;
}

/* parseMount's checks after its loop. */
static int check(const struct bld_mount *m, const struct field_state *st, struct berr **err)
{
	const char *type = type_names[m->type];
	if (m->type == BLD_MOUNT_BIND || m->type == BLD_MOUNT_TMPFS) {
		const char *bad = st->mode_set ? "mode" : st->uid_set ? "uid" : "gid";
		if (st->mode_set || st->uid_set || st->gid_set)
			return berr_plain(err, EINVAL, "%s not allowed for '%s' type mounts", bad,
					  type);
	}
	if (m->type == BLD_MOUNT_SECRET) {
		if (given(m->from))
			return berr_plain(err, EINVAL, "secret mount should not have a from");
		if (st->sharing_set)
			return berr_plain(err, EINVAL, "secret mount should not define sharing");
		if (!given(m->source) && !given(m->target) && !st->id_set)
			return berr_plain(err, EINVAL,
					  "invalid secret mount. one of source, target required");
		if (given(m->source) && st->id_set)
			return berr_plain(err, EINVAL, "both source and id can't be set");
	}
	if (st->sharing_set && m->type != BLD_MOUNT_CACHE)
		return berr_plain(err, EINVAL, "invalid cache sharing set for %s mount", type);
	/* dispatchSSH's check, made here where the others are. */
	if (m->type == BLD_MOUNT_SSH && given(m->source))
		return berr_plain(err, EINVAL, "ssh does not support source");
	return 0;
}

/* The defaults: parseMount's read-only rule, then those of dispatchRunMounts (cache id),
 * dispatchSecret (id, target), dispatchSSH (id), setCacheUIDGID and llb (modes). */
static void defaults(struct bld_mount *m, const struct field_state *st)
{
	if (st->ro_auto)
		m->readonly = m->type != BLD_MOUNT_CACHE && m->type != BLD_MOUNT_TMPFS;
	m->owner_set = st->mode_set || st->uid_set || st->gid_set;
	static const uint32_t modes[] = {
	    [BLD_MOUNT_CACHE] = 0755, [BLD_MOUNT_SECRET] = 0400, [BLD_MOUNT_SSH] = 0600};
	if (!st->mode_set)
		m->mode = modes[m->type];
	switch (m->type) {
	case BLD_MOUNT_CACHE:
		if (!st->id_set) {
			/* path.Clean(target). A relative target keeps no leading "..": "../x" and
			 * "x" share one cache, where BuildKit would keep two (ids are berth's own).
			 */
			const char *t = m->target ? m->target : "";
			autofree char *clean = path_clean(t);
			set_str(&m->id, *t == '/' ? clean : clean[1] ? clean + 1 : ".");
		}
		break;
	case BLD_MOUNT_SECRET:
		if (given(m->source))
			set_str(&m->id, m->source);
		else if (!st->id_set) {
			free(m->id);
			m->id = go_base(m->target);
		}
		if (!m->env && !given(m->target)) {
			autofree char *base = go_base(m->id);
			free(m->target);
			m->target = xasprintf(BLD_MOUNT_SECRETS "%s", base);
		}
		break;
	case BLD_MOUNT_SSH:
		if (!st->id_set)
			set_str(&m->id, "default");
		break;
	default:
		free(m->id);
		m->id = NULL;
		break;
	}
}

/* A `from` may not use variables, except for a '$' at its very end (BuildKit's test). */
static int check_from(const char *value, struct berr **err)
{
	const char *dollar = strchr(value, '$');
	if (dollar && dollar[1] != '\0')
		return berr_plain(
		    err, EINVAL,
		    "'from' doesn't support variable expansion, define alias stage instead");
	return 0;
}

static void lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

int bld_mount_from(const char *value, char **out_from, struct berr **err)
{
	char **fields = NULL;
	int r = csv_fields(value, &fields, err);
	if (r < 0)
		return r;
	const char *from = NULL;
	for (size_t i = 0; r == 0 && fields[i]; i++) {
		char *eq = strchr(fields[i], '=');
		if (!eq)
			continue;
		*eq = '\0';
		lower(fields[i]);
		if (strcmp(fields[i], "from"))
			continue;
		r = check_from(eq + 1, err);
		from = eq + 1;
	}
	if (r == 0)
		*out_from = from ? xstrdup(from) : NULL;
	strv_free(fields);
	return r;
}

static int parse_one(char *field, const struct bld_expand *x, struct bld_mount *m,
		     struct field_state *st, struct berr **err)
{
	autofree char *orig = xstrdup(field);
	char *eq = strchr(field, '=');
	if (eq)
		*eq = '\0';
	lower(field);
	if (!eq)
		return parse_word(field, orig, m, st, err);
	if (!strcmp(field, "from")) {
		int r = check_from(eq + 1, err);
		return r < 0 ? r : parse_field(field, eq + 1, orig, m, st, err);
	}
	autofree char *value = NULL;
	int r = bld_expand_word(x, eq + 1, &value, err);
	return r < 0 ? r : parse_field(field, value, orig, m, st, err);
}

int bld_mount_parse(const char *value, const struct bld_expand *x, struct bld_mount *out,
		    struct berr **err)
{
	char **fields = NULL;
	int r = csv_fields(value, &fields, err);
	if (r < 0)
		return r;
	struct bld_mount m = {.type = BLD_MOUNT_BIND};
	struct field_state st = {.ro_auto = true};
	for (size_t i = 0; r == 0 && fields[i]; i++)
		r = parse_one(fields[i], x, &m, &st, err);
	strv_free(fields);
	if (r == 0)
		r = check(&m, &st, err);
	if (r < 0) {
		bld_mount_clear(&m);
		return r;
	}
	defaults(&m, &st);
	*out = m;
	return 0;
}

void bld_mount_clear(struct bld_mount *m)
{
	if (!m)
		return;
	free(m->target);
	free(m->source);
	free(m->from);
	free(m->id);
	free(m->env);
	*m = (struct bld_mount){0};
}

int bld_mount_dest(const struct bld_mount *m, const char *workdir, char **out, struct berr **err)
{
	const char *t = m->target ? m->target : "";
	autofree char *joined =
	    *t == '/' ? xstrdup(t) : xasprintf("%s/%s", workdir ? workdir : "", t);
	char *dest = path_clean(joined);
	if (!strcmp(dest, "/")) {
		free(dest);
		return berr_plain(err, EINVAL, "invalid mount target '/'");
	}
	*out = dest;
	return 0;
}

static const char *const network_names[] = {
    [BLD_RUN_NET_DEFAULT] = "default", [BLD_RUN_NET_NONE] = "none", [BLD_RUN_NET_HOST] = "host"};
static const char *const security_names[] = {
    [BLD_RUN_SANDBOX] = "sandbox", [BLD_RUN_INSECURE] = "insecure"};

static int run_flag(const struct bld_flag *f, const struct bld_expand *x, struct bld_run_flags *o,
		    size_t *n_ssh, struct berr **err)
{
	if (!strcmp(f->name, "network")) {
		int i = name_index(f->value, network_names, N_OF(network_names), false);
		if (i < 0)
			return berr_plain(err, EINVAL, "invalid network mode '%s'", f->value);
		o->network = (enum bld_run_network)i;
	} else if (!strcmp(f->name, "security")) {
		int i = name_index(f->value, security_names, N_OF(security_names), false);
		if (i < 0)
			return berr_plain(err, EINVAL, "security '%s' is not valid", f->value);
		o->security = (enum bld_run_security)i;
	} else if (!strcmp(f->name, "mount")) {
		struct bld_mount m;
		int r = bld_mount_parse(f->value, x, &m, err);
		if (r < 0)
			return r;
		/* llb's ExecState: an ssh mount without target gets the agent path by its index. */
		if (m.type == BLD_MOUNT_SSH && !given(m.target)) {
			free(m.target);
			m.target = xasprintf(BLD_MOUNT_SSH_TARGET, *n_ssh);
		}
		*n_ssh += m.type == BLD_MOUNT_SSH;
		o->mounts = xrealloc(o->mounts, (o->n_mounts + 1) * sizeof(*o->mounts));
		o->mounts[o->n_mounts++] = m;
	}
	return 0;
}

int bld_run_flags_parse(const struct bld_instr *run, const struct bld_expand *x,
			struct bld_run_flags *out, struct berr **err)
{
	struct bld_run_flags o = {0};
	size_t n_ssh = 0;
	for (size_t i = 0; i < run->n_flags; i++) {
		int r = run_flag(&run->flags[i], x, &o, &n_ssh, err);
		if (r < 0) {
			bld_run_flags_clear(&o);
			return r;
		}
	}
	*out = o;
	return 0;
}

void bld_run_flags_clear(struct bld_run_flags *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n_mounts; i++)
		bld_mount_clear(&f->mounts[i]);
	free(f->mounts);
	*f = (struct bld_run_flags){0};
}

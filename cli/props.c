/*
 * cli/props.c - QEMU's "key=value,key=value" option syntax, and the small
 * helpers every option handler uses (errors, owned strings).
 */
#include "cli/cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int cli_error(struct cli *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	return -1;
}

char *cli_own(struct cli *c, char *s)
{
	if (!s)
		return NULL;
	if (c->nowned == c->owned_cap) {
		unsigned cap = c->owned_cap ? c->owned_cap * 2 : 16;
		char **n = realloc(c->owned, cap * sizeof(*n));

		if (!n)
			abort();        /* out of memory while parsing a command line */
		c->owned = n;
		c->owned_cap = cap;
	}
	c->owned[c->nowned++] = s;
	return s;
}

/*
 * Split text in place: ",," becomes ',' and a single ',' ends an item. Returns the
 * number of items; items[] point into buf.
 */
static unsigned props_split(char *buf, char **items, unsigned max, bool *too_many)
{
	unsigned n = 0;
	char *r = buf, *w = buf;

	*too_many = false;
	items[n++] = w;
	for (; *r; r++) {
		if (*r == ',' && r[1] == ',') {
			*w++ = ',';
			r++;
		} else if (*r == ',') {
			*w++ = '\0';
			if (n == max) {
				*too_many = true;
				return n;
			}
			items[n++] = w;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
	return n;
}

int cli_props_parse(struct cli_props *ps, const char *text, const char *implied_key,
		    char *err, size_t errlen)
{
	char *items[CLI_MAX_PROPS];
	unsigned n;
	bool too_many;

	memset(ps, 0, sizeof(*ps));
	if (!*text) {
		snprintf(err, errlen, implied_key ? "missing %s" : "empty argument", implied_key);
		return -1;
	}
	ps->buf = strdup(text);
	if (!ps->buf)
		abort();
	n = props_split(ps->buf, items, CLI_MAX_PROPS, &too_many);
	if (too_many) {
		snprintf(err, errlen, "too many properties (at most %d)", CLI_MAX_PROPS);
		goto out_free;
	}
	for (unsigned i = 0; i < n; i++) {
		char *eq = strchr(items[i], '=');
		struct device_prop *p = &ps->p[ps->n];

		if (!eq && i == 0 && implied_key) {
			p->key = implied_key;
			p->value = items[i];
			if (!*items[i]) {
				snprintf(err, errlen, "missing %s", implied_key);
				goto out_free;
			}
		} else if (!eq) {
			p->key = items[i];
			p->value = "on";
			ps->bare[ps->n] = true;
		} else {
			*eq = '\0';
			p->key = items[i];
			p->value = eq + 1;
		}
		if (!*p->key) {
			snprintf(err, errlen, i + 1 == n && !eq ? "trailing ','" : "empty property name");
			goto out_free;
		}
		for (unsigned j = 0; j < ps->n; j++) {
			if (!strcmp(ps->p[j].key, p->key)) {
				snprintf(err, errlen, "duplicate property '%s'", p->key);
				goto out_free;
			}
		}
		ps->n++;
	}
	return 0;

out_free:
	cli_props_free(ps);
	return -1;
}

void cli_props_free(struct cli_props *ps)
{
	free(ps->buf);
	memset(ps, 0, sizeof(*ps));
}

const char *cli_props_get(const struct cli_props *ps, const char *key)
{
	for (unsigned i = 0; i < ps->n; i++)
		if (!strcmp(ps->p[i].key, key))
			return ps->p[i].value;
	return NULL;
}

/* Is value one of the '|'-separated words in choices? */
static bool choice_ok(const char *choices, const char *value)
{
	size_t n = strlen(value);

	for (const char *p = choices; *p;) {
		size_t m = strcspn(p, "|");

		if (m == n && !strncmp(p, value, n))
			return true;
		p += m + (p[m] == '|');
	}
	return false;
}

int cli_props_check(struct cli *c, const char *opt, const struct cli_props *ps,
		    const struct cli_prop_rule *rules, unsigned nrules)
{
	for (unsigned i = 0; i < ps->n; i++) {
		const struct device_prop *p = &ps->p[i];
		const struct cli_prop_rule *r = NULL;
		uint64_t v;
		bool b;

		for (unsigned j = 0; j < nrules && !r; j++)
			if (!strcmp(rules[j].key, p->key))
				r = &rules[j];
		if (!r)
			return cli_error(c, "%s: unknown property '%s'", opt, p->key);
		if (!r->choices)
			continue;
		if (!strcmp(r->choices, "#")) {
			if (parse_uint(p->value, &v))
				return cli_error(c, "%s: %s: invalid number '%s'", opt, p->key, p->value);
		} else if (!strcmp(r->choices, "?")) {
			if (parse_bool(p->value, &b))
				return cli_error(c, "%s: %s: invalid value '%s' (on or off)", opt, p->key,
						 p->value);
		} else if (!choice_ok(r->choices, p->value)) {
			return cli_error(c, "%s: %s: invalid value '%s' (%s)", opt, p->key, p->value,
					 r->choices);
		}
	}
	return 0;
}

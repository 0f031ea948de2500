/*
 * tests/unit/cli/test_props.c - QEMU's "key=value,..." syntax and the property rules.
 */
#include "tests/unit/common/check_run.h"
#include "cli/cli.h"

#include <check.h>
#include <stdlib.h>

START_TEST(test_props_basic)
{
	struct cli_props ps;
	char err[128];

	ck_assert_int_eq(cli_props_parse(&ps, "isa-debug-exit,iobase=0xf4,iosize=4", "driver", err,
					 sizeof(err)), 0);
	ck_assert_uint_eq(ps.n, 3);
	ck_assert_str_eq(ps.p[0].key, "driver");
	ck_assert_str_eq(ps.p[0].value, "isa-debug-exit");
	ck_assert_str_eq(cli_props_get(&ps, "iobase"), "0xf4");
	ck_assert_str_eq(cli_props_get(&ps, "iosize"), "4");
	ck_assert_ptr_null(cli_props_get(&ps, "nosuch"));
	ck_assert(!ps.bare[1]);
	cli_props_free(&ps);
}
END_TEST

START_TEST(test_props_escapes_and_bare)
{
	struct cli_props ps;
	char err[128];

	/* ",," is a literal comma; a bare item is key=on */
	ck_assert_int_eq(cli_props_parse(&ps, "path=/a,,b,,,server,nowait", NULL, err, sizeof(err)), 0);
	ck_assert_uint_eq(ps.n, 3);
	ck_assert_str_eq(cli_props_get(&ps, "path"), "/a,b,");
	ck_assert_str_eq(cli_props_get(&ps, "server"), "on");
	ck_assert(ps.bare[1] && ps.bare[2]);
	cli_props_free(&ps);

	/* the implied key only applies to the first item, and only without '=' */
	ck_assert_int_eq(cli_props_parse(&ps, "size=1G,2", "size", err, sizeof(err)), 0);
	ck_assert_str_eq(ps.p[0].key, "size");
	ck_assert_str_eq(ps.p[1].key, "2");
	cli_props_free(&ps);

	/* a value may contain '=' */
	ck_assert_int_eq(cli_props_parse(&ps, "a=b=c", NULL, err, sizeof(err)), 0);
	ck_assert_str_eq(cli_props_get(&ps, "a"), "b=c");
	cli_props_free(&ps);
}
END_TEST

static const struct {
	const char *text, *implied, *msg;
} bad_props[] = {
	{ "a=1,", NULL, "trailing ','" },
	{ "a=1,,,", NULL, "trailing ','" },
	{ "=1", NULL, "empty property name" },
	{ "a=1,=2", NULL, "empty property name" },
	{ "a=1,,b=2,a=3", NULL, "duplicate property 'a'" },
	{ "", "driver", "missing driver" },
	{ "", NULL, "empty argument" },
	{ "x,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32",
	  "driver", "too many properties (at most 32)" },
};

START_TEST(test_props_bad)
{
	struct cli_props ps;
	char err[128];

	ck_assert_int_eq(cli_props_parse(&ps, bad_props[_i].text, bad_props[_i].implied, err,
					 sizeof(err)), -1);
	ck_assert_str_eq(err, bad_props[_i].msg);
	ck_assert_ptr_null(ps.buf);
}
END_TEST

START_TEST(test_props_check)
{
	static const struct cli_prop_rule rules[] = {
		{ "any", NULL }, { "n", "#" }, { "b", "?" }, { "mode", "a|bb|c" },
	};
	struct cli c;
	struct cli_props ps;
	char err[128];

	cli_init(&c);
	ck_assert_int_eq(cli_props_parse(&ps, "any=x,n=0x10,b=yes,mode=bb", NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(cli_props_check(&c, "-t", &ps, rules, 4), 0);
	cli_props_free(&ps);

	ck_assert_int_eq(cli_props_parse(&ps, "mode=b", NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(cli_props_check(&c, "-t", &ps, rules, 4), -1);
	ck_assert_str_eq(c.err, "-t: mode: invalid value 'b' (a|bb|c)");
	cli_props_free(&ps);

	ck_assert_int_eq(cli_props_parse(&ps, "n=1k", NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(cli_props_check(&c, "-t", &ps, rules, 4), -1);
	ck_assert_str_eq(c.err, "-t: n: invalid number '1k'");
	cli_props_free(&ps);

	ck_assert_int_eq(cli_props_parse(&ps, "zz=1", NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(cli_props_check(&c, "-t", &ps, rules, 4), -1);
	ck_assert_str_eq(c.err, "-t: unknown property 'zz'");
	cli_props_free(&ps);
	cli_free(&c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cli_props");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_props_basic);
	tcase_add_test(tc, test_props_escapes_and_bare);
	tcase_add_loop_test(tc, test_props_bad, 0, sizeof(bad_props) / sizeof(bad_props[0]));
	tcase_add_test(tc, test_props_check);
	suite_add_tcase(s, tc);
	return check_run(s);
}

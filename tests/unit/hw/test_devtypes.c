/*
 * tests/unit/hw/test_devtypes.c - the device type table and the value syntax
 * (numbers, sizes, booleans) shared by the command line and devices.
 */
#include "tests/unit/common/check_run.h"
#include "hw/hw.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

START_TEST(test_parse_uint)
{
	uint64_t v;

	ck_assert_int_eq(parse_uint("0", &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(parse_uint("244", &v), 0);
	ck_assert_uint_eq(v, 244);
	ck_assert_int_eq(parse_uint("0xf4", &v), 0);
	ck_assert_uint_eq(v, 0xf4);
	ck_assert_int_eq(parse_uint("0XF4", &v), 0);
	ck_assert_uint_eq(v, 0xf4);
	ck_assert_int_eq(parse_uint("010", &v), 0);          /* octal, as strtoul base 0 */
	ck_assert_uint_eq(v, 8);
	ck_assert_int_eq(parse_uint("18446744073709551615", &v), 0);
	ck_assert_uint_eq(v, UINT64_MAX);
	ck_assert_int_eq(parse_uint("18446744073709551616", &v), -ERANGE);
	ck_assert_int_eq(parse_uint("", &v), -EINVAL);
	ck_assert_int_eq(parse_uint("0x", &v), -EINVAL);
	ck_assert_int_eq(parse_uint("08", &v), -EINVAL);
	ck_assert_int_eq(parse_uint("-1", &v), -EINVAL);
	ck_assert_int_eq(parse_uint("+1", &v), -EINVAL);
	ck_assert_int_eq(parse_uint(" 1", &v), -EINVAL);
	ck_assert_int_eq(parse_uint("12abc", &v), -EINVAL);
}
END_TEST

START_TEST(test_parse_size)
{
	uint64_t v;

	ck_assert_int_eq(parse_size("4096", 1, &v), 0);
	ck_assert_uint_eq(v, 4096);
	ck_assert_int_eq(parse_size("128", 1ull << 20, &v), 0);
	ck_assert_uint_eq(v, 128ull << 20);
	ck_assert_int_eq(parse_size("4k", 1, &v), 0);
	ck_assert_uint_eq(v, 4096);
	ck_assert_int_eq(parse_size("0.5K", 1, &v), 0);
	ck_assert_uint_eq(v, 512);
	ck_assert_int_eq(parse_size("1.25G", 1, &v), 0);
	ck_assert_uint_eq(v, 5ull << 28);
	ck_assert_int_eq(parse_size("1E", 1, &v), 0);
	ck_assert_uint_eq(v, 1ull << 60);
	ck_assert_int_eq(parse_size("0x10M", 1, &v), 0);
	ck_assert_uint_eq(v, 16ull << 20);
	ck_assert_int_eq(parse_size("16E", 1, &v), -ERANGE);
	ck_assert_int_eq(parse_size("1.5", 1, &v), -EINVAL);       /* no fractional bytes */
	ck_assert_int_eq(parse_size("1.5B", 1, &v), -EINVAL);
	ck_assert_int_eq(parse_size("", 1, &v), -EINVAL);
	ck_assert_int_eq(parse_size("G", 1, &v), -EINVAL);
	ck_assert_int_eq(parse_size("1Z", 1, &v), -EINVAL);
	ck_assert_int_eq(parse_size("1 G", 1, &v), -EINVAL);
	ck_assert_int_eq(parse_size("1.", 1, &v), -EINVAL);
	ck_assert_int_eq(parse_size("0x", 1, &v), -EINVAL);
}
END_TEST

START_TEST(test_parse_bool)
{
	static const char *const on[] = { "on", "yes", "true", "y" };
	static const char *const off[] = { "off", "no", "false", "n" };
	bool b;

	for (unsigned i = 0; i < 4; i++) {
		ck_assert_int_eq(parse_bool(on[i], &b), 0);
		ck_assert(b);
		ck_assert_int_eq(parse_bool(off[i], &b), 0);
		ck_assert(!b);
	}
	ck_assert_int_eq(parse_bool("1", &b), -EINVAL);
	ck_assert_int_eq(parse_bool("ON", &b), -EINVAL);
	ck_assert_int_eq(parse_bool("", &b), -EINVAL);
}
END_TEST

/* Every row is well formed: unique names, defaults that pass their own check. */
START_TEST(test_table_consistent)
{
	char err[160];

	ck_assert_uint_gt(devtype_count(), 0);
	ck_assert_ptr_null(devtype_at(devtype_count()));
	for (unsigned i = 0; i < devtype_count(); i++) {
		const struct devtype *t = devtype_at(i);

		ck_assert_ptr_eq(devtype_find(t->name), t);
		ck_assert_ptr_nonnull(t->desc);
		for (unsigned j = 0; j < t->nprops; j++) {
			const struct devprop_desc *p = &t->props[j];

			ck_assert_ptr_eq(devtype_prop(t, p->name), p);
			ck_assert_ptr_nonnull(p->help);
			ck_assert_str_ne(p->name, "id");        /* the command line's, for every type */
			if (p->def)
				ck_assert_msg(devprop_check(p, p->def, err, sizeof(err)) == 0, "%s.%s: %s",
					      t->name, p->name, err);
		}
	}
	/* the types the issues and kvm-unit-tests name */
	ck_assert(devtype_find("isa-debug-exit")->implemented);
	ck_assert_ptr_nonnull(devtype_find("pc-testdev"));
	ck_assert_ptr_nonnull(devtype_find("pci-testdev"));
	ck_assert_ptr_nonnull(devtype_prop(devtype_find("virtio-blk-pci"), "drive"));
	ck_assert_ptr_nonnull(devtype_find("isa-serial"));
	ck_assert_ptr_null(devtype_find("nosuch"));
}
END_TEST

START_TEST(test_prop_check)
{
	const struct devtype *t = devtype_find("isa-debug-exit");
	char err[160];

	ck_assert_int_eq(devprop_check(devtype_prop(t, "iobase"), "0xf4", err, sizeof(err)), 0);
	ck_assert_int_eq(devprop_check(devtype_prop(t, "iobase"), "65536", err, sizeof(err)), -1);
	ck_assert_str_eq(err, "property 'iobase': value '65536' out of range [0, 0xffff]");
	ck_assert_int_eq(devprop_check(devtype_prop(t, "iobase"), "99999999999999999999", err,
				       sizeof(err)), -1);
	ck_assert_str_eq(err, "property 'iobase': value '99999999999999999999' out of range [0, 0xffff]");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hw_devtypes");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_parse_uint);
	tcase_add_test(tc, test_parse_size);
	tcase_add_test(tc, test_parse_bool);
	tcase_add_test(tc, test_table_consistent);
	tcase_add_test(tc, test_prop_check);
	suite_add_tcase(s, tc);
	return check_run(s);
}

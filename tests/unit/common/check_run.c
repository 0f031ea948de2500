/*
 * tests/unit/common/check_run.c - the common tail of every unit test's main().
 */
#include "tests/unit/common/check_run.h"

#include <stdlib.h>

int check_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

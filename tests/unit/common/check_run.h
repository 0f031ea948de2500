/*
 * tests/unit/common/check_run.h - run a Check suite and turn its result into the
 * test program's exit status (linked into every unit test).
 */
#ifndef ELZERO_TESTS_CHECK_RUN_H
#define ELZERO_TESTS_CHECK_RUN_H

#include <check.h>

/* Runs every test of s (forked, CK_NORMAL output), frees the runner; returns
 * EXIT_SUCCESS when none failed, else EXIT_FAILURE. */
int check_run(Suite *s);

#endif

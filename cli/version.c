/*
 * cli/version.c - version text.
 */
#include "cli/cli.h"

const char *elzero_version(void)
{
	return ELZERO_VERSION;
}

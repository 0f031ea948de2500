/*
 * cli/main.c - the elzero command.
 */
#include <stdio.h>

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("elzero %s\n", ELZERO_VERSION);
	return 0;
}

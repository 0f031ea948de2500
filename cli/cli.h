/*
 * cli/cli.h - the command line.
 */
#ifndef ELZERO_CLI_CLI_H
#define ELZERO_CLI_CLI_H

const char *elzero_version(void);

#endif

/*
 * cli/main.c - the elzero command: parse the command line (cli/options.c), then
 * print what was asked for or run the machine (hw/pc.c).
 */
#include "cli/cli.h"

#include <stdio.h>

int main(int argc, char **argv)
{
	struct cli c;
	int status;

	cli_init(&c);
	if (cli_parse(&c, argc, argv) || (c.action == CLI_RUN && cli_setup_log(&c))) {
		fprintf(stderr, "elzero: %s\n", c.err);
		cli_free(&c);
		return 1;
	}
	if (c.action != CLI_RUN) {
		cli_print_info(&c, stdout);
		cli_free(&c);
		return 0;
	}
	status = machine_run(&c.cfg);
	cli_free(&c);
	return status < 0 ? 1 : status;
}

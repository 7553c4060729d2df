/* main.c - ordex: one executable, a table of subcommands. */
#include <stdio.h>
#include <string.h>

#include "admin_cli.h"
#include "bench.h"
#include "push.h"
#include "replay.h"
#include "report_cli.h"
#include "serve.h"
#include "sim.h"

#define OX_VERSION "0.1.0"

static int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	puts("ordex " OX_VERSION);
	return 0;
}

static int cmd_help(int argc, char **argv);

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "serve", ox_cmd_serve, "run the daemon: HTTP ingest, detection, cases, query API" },
	{ "push", ox_cmd_push, "send an event stream to a running daemon, optionally paced" },
	{ "replay", ox_cmd_replay, "run detection over an event stream, print the cases" },
	{ "sim", ox_cmd_sim, "generate a realistic shop event stream with ground truth" },
	{ "bench", ox_cmd_bench, "measure decoding and detection throughput on an event file" },
	{ "user", ox_cmd_user, "add, list and change users (roles, teams, passwords)" },
	{ "token", ox_cmd_token, "create, list and revoke API tokens" },
	{ "audit", ox_cmd_audit, "verify the audit log's hash chain, list its entries" },
	{ "report", ox_cmd_report, "print a report of the case store: the review of a period, ..." },
	{ "version", cmd_version, "print the version" },
	{ "help", cmd_help, "list the commands" },
};

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("ordex %s - order exception center\n\nusage: ordex COMMAND [ARGS]\n\ncommands:\n", OX_VERSION);
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		printf("  %-10s %s\n", commands[i].name, commands[i].help);
	printf("\n'ordex COMMAND --help' tells more.\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		cmd_help(argc, argv);
		return 2;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return cmd_help(argc, argv);
	fprintf(stderr, "ordex: unknown command '%s' (try 'ordex help')\n", argv[1]);
	return 2;
}

/* report_cli.h - `ordex report NAME ...` (report_cli.c, docs/reports.md). */
#ifndef OX_REPORT_CLI_H
#define OX_REPORT_CLI_H

int ox_cmd_report(int argc, char **argv);

#endif

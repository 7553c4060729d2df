/* admin_cli.h - `ordex user`, `ordex token`, `ordex audit`: users, API
 * tokens and the audit log from the shell (docs/auth.md, "Commands").
 *
 * Each works on DIR/auth.db and DIR/audit.db (--data DIR, default ./data),
 * also while `ordex serve` runs on them, and writes every change to the
 * audit log as "cli:$USER". Exit: 0 done, 1 failure, 2 usage error.
 */
#ifndef OX_ADMIN_CLI_H
#define OX_ADMIN_CLI_H

int ox_cmd_user(int argc, char **argv);
int ox_cmd_token(int argc, char **argv);
int ox_cmd_audit(int argc, char **argv);

#endif

/* serve.h - `ordex serve`: the daemon (docs/serve.md). */
#ifndef OX_SERVE_H
#define OX_SERVE_H

int ox_cmd_serve(int argc, char **argv);

#endif

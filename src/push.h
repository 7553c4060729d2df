/* push.h - `ordex push`: send an NDJSON event stream to a daemon. */
#ifndef OX_PUSH_H
#define OX_PUSH_H

int ox_cmd_push(int argc, char **argv);

#endif

/* sim.h - `ordex sim`: a realistic shop event stream (events.md) with the
 * ground truth of the cases it must open (rules.md). See docs/sim.md. */
#ifndef OX_SIM_H
#define OX_SIM_H

/* argv[0] is "sim". Returns the process exit code: 0, or 2 for a usage or
 * I/O error. */
int ox_cmd_sim(int argc, char **argv);

#endif

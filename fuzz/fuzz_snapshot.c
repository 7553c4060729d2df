/* fuzz_snapshot.c - libFuzzer harness for reading snapshots (src/snap.h):
 * one input is the body of a snapshot as the daemon writes it (without the
 * header and the trailer, whose CRC would turn nearly every input away
 * before the body is read): the writer's section, the live parameter
 * changes (rebuilding a fresh copy of the parameters), then the engine, the
 * desk, the inventory, the blacklist and the order index, each read into a
 * fresh part by its load function. An input that starts with '2' is the
 * body of a snapshot of format 2, which a start after an upgrade reads.
 *
 * Besides what ASan and UBSan catch (a count or a length believed, a
 * pointer left dangling), it checks the reader's promises: a load either
 * reads the body to its end or says why it stopped (a non-empty reason),
 * and never allocates by a count larger than the rest of the input could
 * hold. A body that loads whole is then run: the engine's clock is moved
 * far ahead, so every restored deadline fires against its restored order,
 * SKU or case, retention lets go of the orders, and the inventory's and
 * the desk's timers fire too.
 */
#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "blacklist.h"
#include "desk.h"
#include "engine.h"
#include "inventory.h"
#include "orderidx.h"
#include "params.h"
#include "params_live.h"
#include "snap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ox_params params;
static bool ready;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!ready) {
		ox_params_init(&params);
		ready = true;
	}
	/* a leading '2' reads the rest as a body of format 2 (an upgrade) */
	uint32_t version = OX_SNAP_VERSION;
	if (size && data[0] == '2') {
		version = 2;
		data++;
		size--;
	}
	struct ox_snap_r r = { .p = data, .end = data + size, .version = version };
	/* live parameter changes rebuild the parameters: a fresh copy each time */
	struct ox_params p = params;
	char err[256];
	struct ox_live *live = ox_live_new(NULL, &p, err, sizeof err);
	assert(live);
	struct ox_blacklist *bl = ox_blacklist_new();
	struct ox_engine *e = ox_engine_new(&p, bl);
	struct ox_desk *desk = ox_desk_new(&(struct ox_desk_opts){ .engine = e, .params = &params });
	ox_engine_set_listener(e, ox_desk_listener(desk));
	struct ox_inventory *inv = ox_inventory_new();
	struct ox_orderidx *idx = ox_orderidx_new();

	ox_snap_expect(&r, "WRT1");
	(void)ox_snap_get_i64(&r);
	if (ox_live_load(live, &r) == 0 && ox_engine_load(e, &r) == 0 && ox_desk_load(desk, &r) == 0 && ox_inventory_load(inv, &r) == 0 &&
	    ox_blacklist_load_snapshot(bl, &r) == 0)
		ox_orderidx_load(idx, &r);
	if (!ox_snap_r_ok(&r))
		assert(r.why[0] != '\0');
	if (ox_snap_r_done(&r)) {
		ox_time far = (ox_time)4102444800000; /* 2100-01-01 */
		ox_engine_advance(e, far);
		struct ox_buf made;
		ox_buf_init(&made, SIZE_MAX);
		ox_inventory_advance(inv, far, &made);
		ox_buf_release(&made);
		ox_blacklist_expire(bl, far);
	}
	ox_orderidx_free(idx);
	ox_inventory_free(inv);
	ox_desk_free(desk);
	ox_engine_free(e);
	ox_blacklist_free(bl);
	ox_live_free(live);
	ox_params_release(&p); /* the channel table the changes built */
	return 0;
}

// chaos-stream.mjs SEED N - a random but valid event stream (events.md) for
// robustness tests: few orders, SKUs, payments and tracking numbers, every
// event type, timestamps scattered over a week in any order, resent ids,
// empty and invalid addresses and phones, long Chinese text. Deterministic
// for a seed. No expectations: the engine must only survive it, under the
// sanitizers, and print valid JSON.
const [seedArg, nArg] = process.argv.slice(2);
let state = BigInt(seedArg ?? 1) || 1n;
function rnd() { // xorshift64*
  state ^= state >> 12n; state ^= (state << 25n) & 0xffffffffffffffffn; state ^= state >> 27n;
  return Number(((state * 0x2545f4914f6cdd1dn) & 0xffffffffffffffffn) >> 11n) / 2 ** 53;
}
const int = (lo, hi) => lo + Math.floor(rnd() * (hi - lo + 1));
const pick = (a) => a[int(0, a.length - 1)];
const base = Date.UTC(2026, 10, 10, 16, 0, 0); // 2026-11-11T00:00+08:00
function ts() {
  const d = new Date(base + int(0, 7 * 86400) * 1000 + int(0, 999));
  return d.toISOString().replace('Z', '+00:00');
}
const money = () => `${int(0, 300)}.${pick(['00', '50', '99'])}`;
const addrs = [['浙江省', '杭州市', '西湖区', '文三路100号'], ['北京市', '北京市', '朝阳区', '建国路88号'],
  ['', '', '', ''], ['浙江省', '广州市', '天河区', 'x'], ['重庆市', '县', '城口县', '某某路1号']];
const phones = ['13812345678', '010-62345678', '', '123', '+86 139 1234 5678'];
const types = ['order.created', 'order.create_failed', 'order.status', 'order.updated', 'payment.succeeded',
  'payment.failed', 'payment.refunded', 'inventory.reserved', 'inventory.reserve_failed', 'inventory.level',
  'inventory.low_stock', 'shipment.created', 'shipment.track', 'sync.ack', 'sync.failed', 'cs.ticket', 'tick'];
const n = Number(nArg ?? 20000);
const out = [];
for (let i = 0; i < n; i++) {
  const type = pick(types);
  const e = { id: `e${int(0, n)}`, type, ts: ts() };
  const skuEvent = type === 'inventory.level' || type === 'inventory.low_stock';
  // an inventory.low_stock may still carry an order_id: it belongs to no order
  if ((!skuEvent && type !== 'tick') || (type === 'inventory.low_stock' && rnd() < 0.2)) e.order_id = `O${int(0, 39)}`;
  const a = pick(addrs);
  const address = { province: a[0], city: a[1], district: a[2], detail: a[3] };
  switch (type) {
  case 'order.created':
    Object.assign(e, { channel: pick(['tmall', 'pdd']),
      customer: { id: `c${int(0, 5)}`, phone: pick(phones), address, device_id: pick(['d1', 'd2', '']),
        ip: pick(['1.1.1.1', '']), registered_at: ts() },
      items: [{ sku: `S${int(0, 5)}`, qty: pick([1, 2, 60]), price: money() }], total: money(),
      remark: pick(['', '加急 urgent', '发票']) });
    if (rnd() < 0.3) e.deliver_by = ts();
    if (rnd() < 0.3) e.coupon = { code: 'K1', amount: '5.00' };
    break;
  case 'order.create_failed': e.error = { code: 'E1', message: 'boom' }; break;
  case 'order.status':
    e.status = pick(['pending_payment', 'paid', 'shipped', 'delivered', 'completed', 'cancelled', 'closed', 'refunded']);
    break;
  case 'order.updated':
    e.customer = { address: { province: a[0] }, phone: pick(phones) };
    if (rnd() < 0.5) e.ship_by = ts();
    if (rnd() < 0.3) e.remark = '改地址';
    break;
  case 'payment.succeeded': case 'payment.failed': case 'payment.refunded':
    Object.assign(e, { payment_id: `P${int(0, 3)}`, amount: money() });
    if (type === 'payment.failed') e.reason = 'timeout';
    if (type === 'payment.refunded') e.refund_id = `R${int(0, 3)}`;
    break;
  case 'inventory.reserved': case 'inventory.reserve_failed':
    Object.assign(e, { sku: `S${int(0, 5)}`, qty: 1 });
    if (type === 'inventory.reserve_failed') e.reason = pick(['insufficient', 'timeout']);
    break;
  case 'inventory.level':
    Object.assign(e, { sku: `S${int(0, 5)}`, source: pick(['oms', 'wms', 'tmall']), available: int(-5, 100) });
    break;
  case 'inventory.low_stock':
    Object.assign(e, { sku: `S${int(0, 5)}`, available: int(-5, 30), threshold: int(0, 20) });
    if (rnd() < 0.5) e.warehouse = pick(['W1', 'W2']);
    break;
  case 'shipment.created':
    Object.assign(e, { shipment_id: 'SH', carrier: pick(['sf', 'zto']), tracking_no: `T${int(0, 2)}` });
    break;
  case 'shipment.track':
    Object.assign(e, { tracking_no: `T${int(0, 2)}`, status: pick(['collected', 'in_transit', 'out_for_delivery',
      'delivered', 'failed_attempt', 'exception', 'rejected', 'returning', 'returned', 'lost', 'damaged']) });
    break;
  case 'sync.ack': case 'sync.failed':
    e.system = pick(['wms', 'erp', 'crm']);
    if (type === 'sync.failed') e.error = 'x';
    break;
  case 'cs.ticket':
    Object.assign(e, { ticket_id: `K${i}`, kind: pick(['complaint', 'inquiry', 'address_change', 'not_received',
      'damaged', 'other']), text: '客户说' + '很'.repeat(int(0, 200)) + '急' });
    break;
  }
  out.push(JSON.stringify(e));
}
process.stdout.write(out.join('\n') + '\n');

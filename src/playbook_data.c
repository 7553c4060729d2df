/* playbook_data.c - the built-in playbooks: for each rule the seed's
 * investigation steps for its type (逐层排查, 定位根源), the actions that
 * solve it, and for each rule family the five customer messages
 * (主动、透明、有温度), with the rule's own wording where the family's
 * would not fit. Everything here can be overridden in the config file
 * (docs/playbooks.md); the unit test holds every text to the limits and
 * variables the config loader enforces.
 *
 * Messages speak to the customer: no blame, no internal jargon, a concrete
 * next step and time, an apology whoever was at fault (the seed: "无论过错
 * 方是谁,真诚的歉意都能有效安抚客户情绪"). Checklists speak to the agent.
 */
#include "playbook_impl.h"

#include <string.h>

#define CHECKLIST(a) .checklist = (a), .n_checklist = OX_ARRAY_LEN(a)
#define A(x) OX_PB_A_##x
#define ACTIONS(...)                                           \
	.actions = (const enum ox_pb_action[]){ __VA_ARGS__ }, \
	.n_actions = OX_ARRAY_LEN(((const enum ox_pb_action[]){ __VA_ARGS__ }))
#define SEQUENCE(...)                                           \
	.sequence = (const enum ox_pb_action[]){ __VA_ARGS__ }, \
	.n_sequence = OX_ARRAY_LEN(((const enum ox_pb_action[]){ __VA_ARGS__ }))
#define SUGGEST .mode = OX_PB_M_SUGGEST, .limit = OX_PB_NO_LIMIT
#define AUTO(...) .mode = OX_PB_M_AUTO, .limit = OX_PB_NO_LIMIT, SEQUENCE(__VA_ARGS__)
/* automatic up to fen, a supervisor's approval above */
#define AUTO_WITH_APPROVAL(fen, ...) .mode = OX_PB_M_AUTO_WITH_APPROVAL, .limit = (fen), SEQUENCE(__VA_ARGS__)
#define T(step) [OX_PB_S_##step] =

/* ---- payment: 联系客户提供支付凭证, 与支付平台/银行核对流水, 检查支付接口日志 ---------- */

static const struct ox_pb_item pay_failed[] = {
	{ "read_failure_reason",
	  { "查看支付渠道返回的失败原因(余额不足、银行限额、支付密码错误、网络超时)",
	    "Read the failure reason the payment provider returned (balance, bank limit, wrong password, timeout)" } },
	{ "check_provider_health",
	  { "查看同一时段该支付渠道的成功率,排除渠道故障",
	    "Check the provider's success rate at that time to rule out an outage" } },
	{ "contact_customer_retry",
	  { "联系客户,引导重试或更换支付方式,必要时发送新的支付链接",
	    "Contact the customer: suggest a retry or another payment method, send a new payment link if needed" } },
	{ "keep_order_valid",
	  { "确认订单的库存占用和优惠在客户重试时仍然有效",
	    "Make sure the order's stock hold and discounts are still valid when the customer retries" } },
};

static const struct ox_pb_item pay_duplicate[] = {
	{ "ask_payment_proof",
	  { "请客户提供付款凭证(支付截图或银行流水)",
	    "Ask the customer for proof of payment (screenshots or a bank statement)" } },
	{ "reconcile_with_provider",
	  { "与支付平台或银行逐笔核对流水,确认重复扣款的支付单号和金额",
	    "Reconcile with the payment provider or bank one by one: which payments were charged twice, for how much" } },
	{ "read_callback_log",
	  { "检查支付回调日志,确认是客户重复提交还是回调重复",
	    "Read the payment callback log: did the customer pay twice, or was a callback repeated?" } },
	{ "refund_extra_payment",
	  { "保留一笔,把多付的款项原路退回,记录退款单号",
	    "Keep one payment, refund the extra one to where it came from, note the refund id" } },
	{ "tell_refund_eta",
	  { "告知客户退款金额和预计到账时间",
	    "Tell the customer the refund amount and when it will arrive" } },
};

static const struct ox_pb_item pay_amount_mismatch[] = {
	{ "compare_amounts",
	  { "核对订单金额、优惠、运费与实付金额,算出差额",
	    "Compare the order total, discounts and shipping with the amount paid; work out the difference" } },
	{ "reconcile_with_provider",
	  { "与支付平台核对该订单每一笔支付和退款",
	    "Reconcile every payment and refund of the order with the payment provider" } },
	{ "check_price_change",
	  { "检查下单后是否改过价,优惠券是否重复计算或漏算",
	    "Check whether the price changed after ordering, or a coupon was counted twice or not at all" } },
	{ "read_callback_log",
	  { "检查支付回调日志里的金额字段(分与元、币种)",
	    "Read the amounts in the callback log (fen or yuan, currency)" } },
	{ "settle_difference",
	  { "多付的退还差额;少付的与客户商量补款或调整订单",
	    "Overpaid: refund the difference. Underpaid: agree with the customer on paying the rest or changing the order" } },
};

static const struct ox_pb_item pay_status_stale[] = {
	{ "query_payment_status",
	  { "向支付平台查询支付单状态,确认款项确已到账",
	    "Query the payment provider: has the money really arrived?" } },
	{ "read_callback_log",
	  { "检查支付回调日志,找出回调延迟或失败的原因",
	    "Read the callback log: why was the notification late or lost?" } },
	{ "mark_order_paid",
	  { "确认到账后把订单改为已付款,并安排发货",
	    "Once confirmed, mark the order paid and get it shipped" } },
	{ "check_other_orders",
	  { "排查同一时段是否还有其他订单受影响",
	    "Check whether other orders of the same period are affected" } },
};

static const struct ox_pb_item pay_on_closed[] = {
	{ "find_close_reason",
	  { "查明订单关闭的原因(超时关单、客户取消、风控拦截)",
	    "Find out why the order was closed (timed out, cancelled by the customer, stopped by risk control)" } },
	{ "reconcile_with_provider",
	  { "与支付平台核对该订单的全部收款和退款",
	    "Reconcile every payment and refund of the order with the payment provider" } },
	{ "ask_customer_intent",
	  { "联系客户,确认是恢复订单发货还是退款",
	    "Ask the customer: ship the order after all, or refund?" } },
	{ "refund_or_reopen",
	  { "按客户的选择原路退款,或重新建单发货",
	    "Refund to where the money came from, or re-create the order and ship, as the customer chose" } },
};

static const struct ox_pb_item pay_unreconciled[] = {
	{ "query_provider",
	  { "按订单号和时间向支付平台查询收款记录",
	    "Query the payment provider by order id and time for the payment" } },
	{ "ask_payment_proof",
	  { "请客户提供付款凭证(支付截图、交易单号)",
	    "Ask the customer for proof of payment (a screenshot, the transaction number)" } },
	{ "check_manual_change",
	  { "查看操作日志,确认是否有人工或脚本把订单改成了已付款",
	    "Check the operation log: did a person or a script mark the order paid?" } },
	{ "hold_shipment",
	  { "核实前暂缓发货;已经发出的评估是否拦截",
	    "Hold the shipment until it is verified; if it has left, decide whether to intercept it" } },
};

/* ---- inventory: 核对系统库存与实际库存, 检查出入库记录, 查看其他订单占用 --------------- */

static const struct ox_pb_item inv_reserve_failed[] = {
	{ "check_real_stock",
	  { "核对系统库存与仓库实际库存",
	    "Compare the system's stock with what the warehouse really holds" } },
	{ "check_other_holds",
	  { "查看是否有其他订单或渠道占用了该 SKU 的库存",
	    "See which other orders or channels hold the SKU's stock" } },
	{ "retry_reservation",
	  { "重新占用库存;仍然失败的,看能否从其他仓库调货",
	    "Retry the reservation; if it fails again, see whether another warehouse can supply" } },
	{ "tell_customer_wait",
	  { "需要等待补货的,告知客户预计发货时间",
	    "If the customer must wait for stock, tell them when it will ship" } },
};

static const struct ox_pb_item inv_oversold[] = {
	{ "confirm_shortfall",
	  { "核对系统库存、仓库实物和在途采购,确认缺口数量",
	    "Confirm the shortfall: system stock, the warehouse's count, purchases on the way" } },
	{ "urgent_restock",
	  { "联系采购或供应商紧急补货,确认到货时间",
	    "Ask purchasing or the supplier for an urgent restock and its arrival date" } },
	{ "transfer_stock",
	  { "看其他仓库或渠道能否调货,高价值订单和老客户优先",
	    "See whether another warehouse or channel can supply; serve high-value orders and loyal customers first" } },
	{ "offer_wait_or_refund",
	  { "联系客户,提供两个方案:等待补货(附优惠券)或退款(附补偿)",
	    "Offer the customer a choice: wait for the restock (with a coupon) or a refund (with compensation)" } },
	{ "find_oversell_cause",
	  { "查明超卖原因(多平台库存不同步、预售设置不当、并发占用失败)",
	    "Find the cause (channels out of sync, presale settings, concurrent reservations)" } },
};

static const struct ox_pb_item inv_negative_stock[] = {
	{ "check_recent_moves",
	  { "检查该 SKU 近期的入库、出库和调拨记录",
	    "Check the SKU's recent receipts, shipments and transfers" } },
	{ "count_physical_stock",
	  { "安排仓库实物盘点",
	    "Have the warehouse count it" } },
	{ "find_affected_orders",
	  { "找出占用了该 SKU 但可能无货可发的订单",
	    "Find the orders holding the SKU that may have nothing to ship" } },
	{ "correct_levels",
	  { "按盘点结果校正 OMS 和 WMS 的库存",
	    "Correct the OMS and WMS levels from the count" } },
	{ "pause_listings",
	  { "必要时暂停该 SKU 在各渠道的销售",
	    "Pause the SKU's listings on the channels if needed" } },
};

static const struct ox_pb_item inv_drift[] = {
	{ "compare_sources",
	  { "对比 WMS、OMS 和各渠道的库存数量,确认差异",
	    "Compare the WMS, OMS and channel levels; confirm the difference" } },
	{ "check_sync_jobs",
	  { "检查库存同步任务和接口日志,是否失败或延迟",
	    "Check the stock sync jobs and API logs for failures or delays" } },
	{ "check_unsynced_changes",
	  { "检查是否有下架、盘点调整没有同步到各渠道",
	    "Look for delistings or count adjustments that never reached the channels" } },
	{ "resync_from_warehouse",
	  { "以仓库实物为准,重新同步各渠道库存",
	    "Resync every channel to the warehouse's real count" } },
};

static const struct ox_pb_item inv_low_stock[] = {
	{ "check_sales_rate",
	  { "查看该 SKU 近期的销量,估算现有库存还能卖多久",
	    "Look at the SKU's recent sales: how long will the stock last?" } },
	{ "check_inbound_stock",
	  { "查看在途采购和其他仓库的库存",
	    "Check purchases on the way and stock in other warehouses" } },
	{ "reorder_or_transfer",
	  { "发起补货或调拨,确认到货时间",
	    "Reorder or move stock; confirm when it arrives" } },
	{ "adjust_channel_quotas",
	  { "必要时调整各渠道配额或暂停低优先级渠道,避免超卖",
	    "Adjust channel quotas or pause low-priority channels so nothing is oversold" } },
};

/* ---- logistics: 联系物流公司客服, 查询物流信息, 与派送网点沟通 ---------------------------- */

static const struct ox_pb_item log_ship_overdue[] = {
	{ "ask_warehouse",
	  { "联系仓库,确认订单卡在哪一步(拣货、打包、待揽收)",
	    "Ask the warehouse where the order is stuck (picking, packing, waiting for pickup)" } },
	{ "check_stock_and_sync",
	  { "确认有货,且订单已同步到 WMS",
	    "Check there is stock and that the order reached the WMS" } },
	{ "expedite_shipping",
	  { "协调优先发货,定下新的发货时间",
	    "Get it shipped first and set a new shipping time" } },
	{ "tell_customer_delay",
	  { "在客户询问之前,主动告知延迟原因和预计发货时间",
	    "Tell the customer the reason and the new time before they have to ask" } },
};

static const struct ox_pb_item log_stalled[] = {
	{ "query_tracking",
	  { "查询最新物流轨迹,确认最后一个节点",
	    "Query the tracking: where was the last scan?" } },
	{ "contact_carrier",
	  { "联系快递公司客服,确认包裹的实际状态",
	    "Call the carrier's service line for the parcel's real status" } },
	{ "contact_outlet",
	  { "与派送网点沟通,确认派送计划",
	    "Talk to the delivery outlet about when it will deliver" } },
	{ "update_customer",
	  { "把查到的情况告知客户",
	    "Tell the customer what you found" } },
	{ "handle_as_lost",
	  { "确认丢件的,转为丢件处理(补发或退款,并向快递索赔)",
	    "If it is lost, handle it as a lost parcel (reship or refund, and claim from the carrier)" } },
};

static const struct ox_pb_item log_delivery_overdue[] = {
	{ "query_tracking",
	  { "查询最新物流轨迹,确认包裹到了哪里",
	    "Query the tracking: where is the parcel now?" } },
	{ "urge_outlet",
	  { "联系快递网点催促派送",
	    "Ask the delivery outlet to hurry" } },
	{ "find_delay_cause",
	  { "确认延误原因(爆仓、天气、线路故障)",
	    "Find the cause of the delay (backlog, weather, route failure)" } },
	{ "update_customer",
	  { "及时告知客户最新进展",
	    "Keep the customer updated" } },
	{ "offer_small_coupon",
	  { "视情况发放小额优惠券安抚",
	    "Offer a small coupon where it helps" } },
};

static const struct ox_pb_item log_lost[] = {
	{ "confirm_loss_with_carrier",
	  { "联系快递公司,书面确认包裹丢失",
	    "Get the carrier to confirm the loss in writing" } },
	{ "check_stock_to_reship",
	  { "确认是否有货可以补发",
	    "Check there is stock to reship" } },
	{ "reship_or_refund",
	  { "与客户确认补发或全额退款,并立即安排",
	    "Agree on a reship or a full refund with the customer, and do it at once" } },
	{ "file_carrier_claim",
	  { "向快递公司索赔,不因索赔耽误对客户的处理",
	    "Claim from the carrier, without letting the claim delay the customer" } },
	{ "record_claim",
	  { "记录索赔单号和金额,跟进到赔付到账",
	    "Record the claim number and amount; follow it until it is paid" } },
};

static const struct ox_pb_item log_damaged[] = {
	{ "ask_photos",
	  { "请客户提供外包装和商品损坏处的照片",
	    "Ask the customer for photos of the package and of the damage" } },
	{ "check_packing_record",
	  { "核对出库包装记录,判断是运输还是包装造成的",
	    "Check the packing record: transport or packing?" } },
	{ "agree_remedy",
	  { "与客户确认补发、部分退款或全额退款",
	    "Agree with the customer on a reship, a partial refund or a full refund" } },
	{ "file_carrier_claim",
	  { "运输造成的损坏,向快递公司索赔",
	    "If transport caused it, claim from the carrier" } },
};

static const struct ox_pb_item log_rejected[] = {
	{ "ask_reject_reason",
	  { "联系客户,了解拒收原因(改变主意、地址有误、商品质量)",
	    "Ask the customer why (changed their mind, wrong address, quality)" } },
	{ "track_return",
	  { "跟踪退回的包裹,直到入库",
	    "Follow the return until it is back in the warehouse" } },
	{ "inspect_returned_goods",
	  { "退回入库后检查商品状态",
	    "Inspect the goods once they are back" } },
	{ "refund_by_policy",
	  { "非质量问题扣除运费后退款;质量问题按退货流程处理",
	    "Not a quality problem: refund less shipping. A quality problem: follow the return process" } },
};

static const struct ox_pb_item log_failed_attempt[] = {
	{ "read_failure_reason",
	  { "查看派送失败的原因(联系不上、地址不详、无人签收)",
	    "Read why delivery failed (unreachable, unclear address, nobody home)" } },
	{ "confirm_contact",
	  { "联系客户,核实电话、地址和方便收货的时间",
	    "Confirm the phone, the address and a good time with the customer" } },
	{ "arrange_redelivery",
	  { "与网点约定再次派送,或改投快递柜、驿站",
	    "Arrange another attempt with the outlet, or a parcel locker or station" } },
	{ "correct_delivery_details",
	  { "信息有误的,通知快递修改派送信息",
	    "If the details were wrong, have the carrier change them" } },
};

static const struct ox_pb_item log_carrier_exception[] = {
	{ "read_exception_reason",
	  { "查询疑难件原因(地址不详、电话错误、超区、破损)",
	    "Find the reason of the exception (address, phone, out of area, damage)" } },
	{ "contact_carrier",
	  { "联系快递公司客服处理疑难件",
	    "Work the exception out with the carrier's service line" } },
	{ "confirm_with_customer",
	  { "需要时联系客户核实收货信息",
	    "Check the delivery details with the customer when needed" } },
	{ "return_and_reship",
	  { "无法继续派送的,安排退回并补发",
	    "If it cannot be delivered, have it returned and reship" } },
};

/* ---- customer: 通过其他联系方式(短信、邮件)联系客户, 核实信息 --------------------------- */

static const struct ox_pb_item cus_address_invalid[] = {
	{ "review_address",
	  { "查看地址哪一部分有问题(省市区不匹配、详细地址太短)",
	    "See which part of the address is wrong (divisions that do not match, detail too short)" } },
	{ "contact_customer",
	  { "通过电话、短信或平台消息联系客户核实地址",
	    "Confirm the address with the customer by phone, SMS or the platform's messages" } },
	{ "check_shipped",
	  { "确认包裹是否已经发出",
	    "Check whether the parcel has left" } },
	{ "fix_or_intercept",
	  { "未发出的立即修改;已发出的联系快递拦截或改派,产生费用先与客户协商",
	    "Not shipped: correct it now. Shipped: have the carrier intercept or redirect it, agreeing any fee with the customer first" } },
};

static const struct ox_pb_item cus_phone_invalid[] = {
	{ "review_phone",
	  { "查看号码的问题(位数不对、格式错误)",
	    "See what is wrong with the number (length, format)" } },
	{ "contact_other_channel",
	  { "通过短信、邮件或平台消息联系客户",
	    "Reach the customer by SMS, e-mail or the platform's messages" } },
	{ "update_phone",
	  { "拿到正确号码后更新订单,已发货的同步给快递",
	    "Update the order with the right number; tell the carrier if it has shipped" } },
	{ "hold_if_unreachable",
	  { "联系不上的暂缓发货,并记录尝试过的方式",
	    "If unreachable, hold the shipment and note every attempt" } },
};

static const struct ox_pb_item cus_remark_attention[] = {
	{ "read_remark",
	  { "完整阅读备注,确认客户的具体要求(加急、发票、礼品、指定快递)",
	    "Read the whole remark: what exactly does the customer ask for (rush, invoice, gift, carrier)?" } },
	{ "check_feasible",
	  { "与仓库、快递或财务确认要求能否满足",
	    "Check with the warehouse, carrier or finance that it can be done" } },
	{ "confirm_with_customer",
	  { "有歧义或做不到的,联系客户确认",
	    "If it is unclear or cannot be done, check with the customer" } },
	{ "pass_to_warehouse",
	  { "把要求写入发货备注并通知仓库",
	    "Put the request in the shipping notes and tell the warehouse" } },
};

static const struct ox_pb_item cus_ticket[] = {
	{ "read_ticket",
	  { "阅读工单和沟通记录,确认客户反映的问题和已采取的措施",
	    "Read the ticket and the conversation: the problem, and what was already done" } },
	{ "gather_order_facts",
	  { "收集订单、支付、物流和商品信息",
	    "Gather the order, payment, tracking and item details" } },
	{ "reply_in_time",
	  { "在承诺的时间内答复客户",
	    "Answer the customer within the promised time" } },
	{ "resolve_or_route",
	  { "能处理的直接处理,需要其他部门的转交并跟进",
	    "Solve it, or hand it to the right team and follow up" } },
	{ "follow_up",
	  { "处理完成后回访客户满意度",
	    "Ask the customer afterwards whether they are satisfied" } },
};

/* ---- system: 联系技术团队, 查看系统日志、服务器状态 ------------------------------------- */

static const struct ox_pb_item sys_create_failed[] = {
	{ "read_error_log",
	  { "查看订单创建失败的错误日志和接口返回",
	    "Read the error log and the API's response" } },
	{ "check_customer_charged",
	  { "确认客户是否已经被扣款",
	    "Check whether the customer was charged" } },
	{ "check_service_health",
	  { "检查服务器、数据库和依赖服务的状态",
	    "Check the servers, the database and the services it depends on" } },
	{ "recreate_order",
	  { "修复后补建订单,或联系客户重新下单",
	    "Once fixed, re-create the order or ask the customer to order again" } },
};

static const struct ox_pb_item sys_sync_failed[] = {
	{ "identify_system",
	  { "确认是哪个系统(WMS、ERP、CRM)同步失败,错误信息是什么",
	    "Which system (WMS, ERP, CRM) failed, with what error?" } },
	{ "check_interface",
	  { "检查接口调用日志和网络",
	    "Check the API call logs and the network" } },
	{ "resync_order",
	  { "修复后重新推送订单,确认对方已接收",
	    "Push the order again once fixed; confirm it was received" } },
	{ "check_same_batch",
	  { "排查同一时段是否还有其他订单同步失败",
	    "Look for other orders that failed at the same time" } },
};

/* ---- fraud: 收货地址雷同、联系方式异常、购买数量异常、新注册账号大量下单 ----------------- */

static const struct ox_pb_item frd_blacklist[] = {
	{ "review_hit",
	  { "查看命中的黑名单条目(客户、手机号、设备、IP、地址)和当初加入的原因",
	    "See which entry matched (customer, phone, device, IP, address) and why it was listed" } },
	{ "check_false_match",
	  { "排除误伤(共用地址、手机号换了主人)",
	    "Rule out a false match (a shared address, a reassigned number)" } },
	{ "check_payment_state",
	  { "确认订单是否已经付款、是否已经发货",
	    "Check whether the order is paid and whether it has shipped" } },
	{ "cancel_or_hold",
	  { "未付款的取消订单;已付款的暂缓发货并退款",
	    "Unpaid: cancel the order. Paid: hold the shipment and refund" } },
};

static const struct ox_pb_item frd_suspect[] = {
	{ "review_score",
	  { "查看风险分每一项的原因",
	    "Review each reason behind the risk score" } },
	{ "check_related_orders",
	  { "核对同地址、同手机号、同设备的其他订单",
	    "Check other orders of the same address, phone and device" } },
	{ "verify_customer",
	  { "必要时联系客户核实购买意图",
	    "Check with the customer when needed" } },
	{ "decide",
	  { "确认刷单的取消订单、收回优惠并加入黑名单;确认正常的放行",
	    "Fake: cancel, take back the discount and blacklist. Genuine: release the order" } },
	{ "keep_evidence",
	  { "情节严重的保留证据,必要时报警",
	    "In serious cases keep the evidence and report it to the police" } },
};

/* ---- incidents: 对于紧急异常(如大面积系统故障),启动应急预案 ---------------------------- */

static const struct ox_pb_item inc_burst[] = {
	{ "find_common_cause",
	  { "查看成员案件的共同点(渠道、仓库、快递、SKU、时间段)",
	    "Find what the member cases share (channel, warehouse, carrier, SKU, time)" } },
	{ "check_systems",
	  { "请技术团队检查系统日志和服务器状态",
	    "Have the tech team check the logs and the servers" } },
	{ "start_contingency_plan",
	  { "必要时启动应急预案,通知相关团队",
	    "Start the contingency plan if needed and tell the teams involved" } },
	{ "decide_bulk_message",
	  { "评估是否需要批量通知受影响的客户",
	    "Decide whether the affected customers need a message" } },
	{ "close_members",
	  { "根因解决后一并处理成员案件",
	    "Once the cause is fixed, handle the member cases together" } },
};

static const struct ox_pb_item inc_payment_rate[] = {
	{ "check_provider_status",
	  { "查看支付渠道的状态公告,联系对接人",
	    "Check the payment provider's status page and call its contact" } },
	{ "split_failures",
	  { "按支付方式和银行拆分失败率",
	    "Split the failures by payment method and bank" } },
	{ "check_our_side",
	  { "检查我们的支付接口和回调服务",
	    "Check our own payment API and callback service" } },
	{ "switch_method",
	  { "必要时切换通道,或引导客户使用备用支付方式",
	    "Switch the channel, or point customers to another payment method, if needed" } },
	{ "notify_affected",
	  { "通知受影响的客户稍后重试",
	    "Tell the affected customers to try again later" } },
};

/* ---- the rules --------------------------------------------------------------------------- */

const struct oxp_builtin oxp_builtins[] = {
	{
		.code = "PAY_FAILED",
		CHECKLIST(pay_failed),
		ACTIONS(A(SEND_MESSAGE), A(QUERY_PAYMENT), A(CANCEL_ORDER)),
		SUGGEST,
		.templates = {
			T(NOTIFY) { "{customer_name}您好,我是{shop}的客服{agent_name}。看到您的订单 {order_id} 付款没有成功,特地来问问是不是遇到了什么问题,我们随时可以帮您。",
				    "Hello {customer_name}, this is {agent_name} from {shop}. We saw that the payment for your order {order_id} did not go through, and wanted to ask whether something got in the way. We are happy to help." },
			T(PROGRESS) { "{customer_name}您好,您的订单 {order_id} 还为您保留着,保留到 {eta}。重新支付成功后我们会第一时间为您发货。",
				      "Hello {customer_name}, your order {order_id} is still reserved for you, until {eta}. Once the payment goes through, we ship it right away." },
			T(EXPLAIN) { "{customer_name}您好,您的订单 {order_id} 付款没有成功,钱没有被扣走。常见的原因是银行单笔限额、余额不足、支付密码输错或网络中断,您的订单本身没有问题。",
				     "Hello {customer_name}, the payment for your order {order_id} did not go through, and no money was taken. This usually comes from a bank limit, the balance, a mistyped password or a dropped connection; nothing is wrong with your order." },
			T(SOLUTION) { "您可以直接重新支付,或者换一种支付方式(其他银行卡或支付工具)。订单和优惠我们为您保留到 {eta},需要的话我马上把新的支付链接发给您。",
				      "You can simply pay again, or use another card or payment method. We keep your order and its discounts for you until {eta}, and I can send you a new payment link right away if that helps." },
		},
	},
	{
		.code = "PAY_DUPLICATE",
		CHECKLIST(pay_duplicate),
		ACTIONS(A(REFUND), A(QUERY_PAYMENT), A(SEND_MESSAGE)),
		/* the seed: 重复支付, 核实后立即安排原路退回; a person approves large ones */
		AUTO_WITH_APPROVAL(20000, A(REFUND)),
		.templates = {
			T(EXPLAIN) { "经核实,您的订单 {order_id} 被重复扣款了一次,多扣的金额是 {amount} 元。这通常是付款时网络卡顿、重复提交造成的,请您放心,多付的钱一定会退还给您。",
				     "We checked: your order {order_id} was charged twice, so CNY {amount} was taken in excess. This usually happens when a slow connection sends a payment twice. Rest assured, the extra money will come back to you." },
			T(SOLUTION) { "多扣的 {amount} 元已经按原路退回,预计 {eta} 前到账,订单照常为您发货。到账后如有任何问题,直接回复这条消息就能找到我。",
				      "The extra CNY {amount} is on its way back to where you paid from and should arrive by {eta}; your order ships as usual. If anything looks wrong once it arrives, just reply to this message." },
		},
	},
	{
		.code = "PAY_AMOUNT_MISMATCH",
		CHECKLIST(pay_amount_mismatch),
		ACTIONS(A(PARTIAL_REFUND), A(QUERY_PAYMENT), A(SEND_MESSAGE), A(CANCEL_ORDER)),
		SUGGEST,
		.templates = {
			T(EXPLAIN) { "经核对,您的订单 {order_id} 实付金额与订单金额相差 {amount} 元,原因是下单时的价格或优惠没有正确计算。这是我们的疏忽,不是您的问题。",
				     "We checked order {order_id}: the amount paid differs from the order total by CNY {amount}, because a price or a discount was not applied correctly when you ordered. That was our mistake, not yours." },
			T(SOLUTION) { "如果您多付了,差额 {amount} 元会在 {eta} 前原路退回;如果是少付,我们会和您商量补款或调整订单,在您同意之前不会产生任何扣款。",
				      "If you paid too much, the CNY {amount} difference goes back to you by {eta}. If you paid too little, we will agree with you on how to settle it, and nothing is charged without your consent." },
		},
	},
	{
		.code = "PAY_STATUS_STALE",
		CHECKLIST(pay_status_stale),
		ACTIONS(A(QUERY_PAYMENT), A(MARK_PAID), A(SEND_MESSAGE)),
		/* the seed's 自动化处理脚本: 支付已成功但订单未更新 */
		AUTO(A(QUERY_PAYMENT), A(MARK_PAID)),
		.templates = {
			T(EXPLAIN) { "您的订单 {order_id} 已经付款成功({amount} 元),但我们的系统没有及时收到支付通知,所以订单一直显示未付款。这是我们系统的问题,您不需要重复付款。",
				     "Your payment of CNY {amount} for order {order_id} went through, but our system missed the payment notice, so the order still showed as unpaid. That was our system's fault; please do not pay again." },
			T(SOLUTION) { "我们已确认收到您的付款,订单已更新为已付款,会优先为您发货,预计 {eta} 前发出。",
				      "We have confirmed your payment and updated the order, and it will ship with priority, by {eta}." },
		},
	},
	{
		.code = "PAY_ON_CLOSED",
		CHECKLIST(pay_on_closed),
		ACTIONS(A(REFUND), A(QUERY_PAYMENT), A(SEND_MESSAGE)),
		SUGGEST,
		.templates = {
			T(EXPLAIN) { "您的订单 {order_id} 已经关闭,但我们发现还有一笔 {amount} 元的付款留在这笔订单上。这笔钱我们一定会妥善处理,不会让您有任何损失。",
				     "Your order {order_id} was closed, but a payment of CNY {amount} is still held on it. We will take care of that money; you will not lose anything." },
			T(SOLUTION) { "您可以选择:我们为您重新建单、照常发货;或者把 {amount} 元原路退回,预计 {eta} 前到账。回复这条消息告诉我您的选择就好。",
				      "It is your choice: we re-create the order and ship it as usual, or we return the CNY {amount} to where you paid from, by {eta}. Just reply to tell me which you prefer." },
		},
	},
	{
		.code = "PAY_UNRECONCILED",
		CHECKLIST(pay_unreconciled),
		ACTIONS(A(QUERY_PAYMENT), A(INTERCEPT_SHIPMENT), A(CANCEL_ORDER), A(SEND_MESSAGE)),
		SUGGEST,
		.templates = {
			T(EXPLAIN) { "您的订单 {order_id} 显示已付款,但我们暂时没有在支付渠道查到这笔 {amount} 元的付款记录,需要和您一起核实一下,给您添麻烦了。",
				     "Your order {order_id} shows as paid, but we cannot find the CNY {amount} payment at the payment provider yet, so we need to check it with you. Sorry for the bother." },
			T(SOLUTION) { "麻烦您把付款截图或交易单号发给我们,核实后我们会在 {eta} 前答复您;核实期间订单为您保留,不会被取消。",
				      "Could you send us a screenshot of the payment or its transaction number? We will get back to you by {eta}, and your order stays reserved while we check." },
		},
	},
	{
		.code = "INV_RESERVE_FAILED",
		CHECKLIST(inv_reserve_failed),
		ACTIONS(A(SEND_MESSAGE), A(CANCEL_ORDER), A(REFUND)),
		SUGGEST,
		.templates = {
			T(EXPLAIN) { "您订购的{item}(订单 {order_id})下单时正赶上抢购高峰,库存没能及时为您锁定。我们正在确认现货,这不是您的问题。",
				     "You ordered the {item} (order {order_id}) right in a buying rush, and its stock could not be reserved for you in time. We are checking what is on hand; this is not your doing." },
		},
	},
	{
		.code = "INV_OVERSOLD",
		CHECKLIST(inv_oversold),
		ACTIONS(A(REFUND), A(ISSUE_COUPON), A(CANCEL_ORDER), A(SEND_MESSAGE), A(ADD_POINTS)),
		SUGGEST,
	},
	{
		.code = "INV_NEGATIVE_STOCK",
		CHECKLIST(inv_negative_stock),
		ACTIONS(A(SEND_MESSAGE), A(CANCEL_ORDER)),
		SUGGEST,
	},
	{
		.code = "INV_DRIFT",
		CHECKLIST(inv_drift),
		SUGGEST, /* a SKU's numbers: nothing to do on an order */
	},
	{
		.code = "INV_LOW_STOCK",
		CHECKLIST(inv_low_stock),
		SUGGEST, /* before any order is hurt: reorder, no customer to talk to */
	},
	{
		.code = "LOG_SHIP_OVERDUE",
		CHECKLIST(log_ship_overdue),
		ACTIONS(A(SEND_MESSAGE), A(ISSUE_COUPON), A(CANCEL_ORDER), A(REFUND)),
		SUGGEST,
		.templates = {
			T(NOTIFY) { "{customer_name}您好,我是{shop}的客服{agent_name}。您的订单 {order_id} 没能在承诺的时间内发货,我们正在和仓库确认,会尽快告诉您准确的发货时间。",
				    "Hello {customer_name}, this is {agent_name} from {shop}. Your order {order_id} did not ship by the time we promised. We are checking with the warehouse and will give you an exact shipping time shortly." },
			T(EXPLAIN) { "订单 {order_id} 延迟发货,是因为仓库出现了积压,您的订单排在了后面。这是我们安排不周,和您没有关系。",
				     "Order {order_id} is late because of a backlog at our warehouse, and yours ended up waiting in line. That is our planning, not anything you did." },
			T(PROGRESS) { "{customer_name}您好,您的订单 {order_id} 正在打包,预计 {eta} 前交给快递,发出后我们第一时间把快递单号发给您。",
				      "Hello {customer_name}, your order {order_id} is being packed and will be handed to the carrier by {eta}; we will send you the tracking number as soon as it leaves." },
			T(SOLUTION) { "我们已安排您的订单优先发货,预计 {eta} 前发出;如果您不想再等,也可以随时申请全额退款,我们马上为您办理。",
				      "Your order now ships first, by {eta}. If you would rather not wait, you can ask for a full refund at any time and we will do it at once." },
		},
	},
	{
		.code = "LOG_STALLED",
		CHECKLIST(log_stalled),
		ACTIONS(A(QUERY_TRACKING), A(SEND_MESSAGE), A(RESHIP), A(CARRIER_CLAIM)),
		/* asking the carrier again harms no one */
		AUTO(A(QUERY_TRACKING)),
	},
	{
		.code = "LOG_DELIVERY_OVERDUE",
		CHECKLIST(log_delivery_overdue),
		ACTIONS(A(QUERY_TRACKING), A(SEND_MESSAGE), A(ISSUE_COUPON)),
		SUGGEST,
	},
	{
		.code = "LOG_LOST",
		CHECKLIST(log_lost),
		ACTIONS(A(RESHIP), A(REFUND), A(CARRIER_CLAIM), A(SEND_MESSAGE), A(ISSUE_COUPON)),
		SUGGEST,
		.templates = {
			T(PROGRESS) { "{customer_name}您好,补发的{item}已经在打包,预计 {eta} 前发出,发出后马上把新的快递单号告诉您;选择退款的话,退款也会在 {eta} 前到账。",
				      "Hello {customer_name}, the replacement {item} is being packed and leaves by {eta}; we will send you the new tracking number as soon as it does. If you chose a refund, it arrives by {eta} too." },
			T(EXPLAIN) { "很遗憾,经{carrier}确认,您的包裹(单号 {tracking_no})在运输途中丢失了。这是快递环节的意外,和您没有任何关系。",
				     "We are sorry to say that {carrier} has confirmed your parcel (tracking number {tracking_no}) was lost in transit. It happened on the carrier's side and has nothing to do with you." },
			T(SOLUTION) { "我们会立即为您补发一件,预计 {eta} 前发出;如果您更希望退款,{amount} 元会全额原路退回。向快递索赔由我们处理,不会耽误您。",
				      "We will send you a new one at once, leaving by {eta}; if you prefer a refund, the full CNY {amount} goes back to where you paid from. We handle the claim with the carrier; it will not hold you up." },
		},
	},
	{
		.code = "LOG_DAMAGED",
		CHECKLIST(log_damaged),
		ACTIONS(A(RESHIP), A(PARTIAL_REFUND), A(REFUND), A(CARRIER_CLAIM), A(SEND_MESSAGE)),
		SUGGEST,
		.templates = {
			T(PROGRESS) { "{customer_name}您好,您的售后已经在处理:补发的{item}预计 {eta} 前发出,选择退款的话预计 {eta} 前到账。有任何变化我们会第一时间告诉您。",
				      "Hello {customer_name}, your claim is being handled: a replacement {item} leaves by {eta}, or your refund arrives by {eta} if you chose one. We will tell you at once if anything changes." },
			T(APOLOGY) { "{customer_name},满心期待却收到损坏的商品,一定很扫兴,真的很抱歉。我们送您一张 {coupon_amount} 元优惠券表达歉意,也会改进包装,不让这样的事再发生。",
				     "{customer_name}, we know how disappointing it is to open a damaged parcel, and we are truly sorry. A CNY {coupon_amount} coupon is in your account as an apology, and we are improving our packing so it does not happen again." },
			T(EXPLAIN) { "很抱歉,您的{item}在运输途中受损了。麻烦您拍一下外包装和损坏处的照片发给我们,方便我们尽快处理。",
				     "We are so sorry that your {item} was damaged on the way. Could you send us photos of the package and the damage, so we can sort it out quickly?" },
			T(SOLUTION) { "您可以选择:免费补发一件新的,预计 {eta} 前发出;或者按损坏程度部分退款,或全额退款 {amount} 元。需要寄回的话运费由我们承担。",
				      "Your choice: a free replacement, leaving by {eta}; a partial refund for the damage; or a full refund of CNY {amount}. If anything needs to come back, we pay the postage." },
		},
	},
	{
		.code = "LOG_REJECTED",
		CHECKLIST(log_rejected),
		ACTIONS(A(REFUND), A(PARTIAL_REFUND), A(RESHIP), A(QUERY_TRACKING), A(SEND_MESSAGE)),
		SUGGEST,
		.templates = {
			T(PROGRESS) { "{customer_name}您好,退回的包裹正在返回仓库的途中(单号 {tracking_no}),预计 {eta} 前入库,入库后我们马上为您办理退款。",
				      "Hello {customer_name}, the returned parcel is on its way back to our warehouse (tracking number {tracking_no}) and should arrive by {eta}; we refund you as soon as it does." },
			T(APOLOGY) { "{customer_name},这次购物没能让您满意,我们真的很抱歉。您的意见我们都认真记下了,希望下次能给您更好的体验。",
				     "{customer_name}, we are truly sorry this order did not work out for you. We have taken your feedback to heart and hope to do better next time." },
			T(NOTIFY) { "{customer_name}您好,我是{shop}的客服{agent_name}。快递告诉我们订单 {order_id} 的包裹被拒收了,想了解一下原因,看看怎么帮您处理。",
				    "Hello {customer_name}, this is {agent_name} from {shop}. The carrier told us the parcel of order {order_id} was refused, and we would like to know why and how we can help." },
			T(EXPLAIN) { "包裹正由{carrier}退回我们的仓库(单号 {tracking_no})。如果是地址、商品或服务哪里让您不满意,请告诉我们,我们会认真改进。",
				     "{carrier} is bringing the parcel back to our warehouse (tracking number {tracking_no}). If the address, the item or our service let you down, please tell us; we take it seriously." },
			T(SOLUTION) { "包裹退回入库后我们会为您退款:商品质量问题全额退还 {amount} 元,其他原因扣除往返运费,预计 {eta} 前到账。如果您其实还想要这件商品,我们也可以重新寄出。",
				      "Once the parcel is back we refund you: the full CNY {amount} if the item was faulty, otherwise less the postage both ways, by {eta}. If you still want the item after all, we can send it again." },
		},
	},
	{
		.code = "LOG_FAILED_ATTEMPT",
		CHECKLIST(log_failed_attempt),
		ACTIONS(A(QUERY_TRACKING), A(UPDATE_ADDRESS), A(SEND_MESSAGE)),
		SUGGEST,
		.templates = {
			T(EXPLAIN) { "{carrier}已经几次尝试派送您的包裹(单号 {tracking_no}),但没能联系上您或找到收货地址,所以还没有送到。",
				     "{carrier} has tried several times to deliver your parcel (tracking number {tracking_no}) but could not reach you or find the address, so it has not arrived yet." },
			T(SOLUTION) { "请回复您方便收货的时间和联系方式,我们请快递再次派送;也可以改为送到附近的快递柜或驿站,预计 {eta} 前送达。",
				      "Reply with a good time and a way to reach you, and we will have it delivered again; or we can send it to a parcel locker or station near you, arriving by {eta}." },
		},
	},
	{
		.code = "LOG_CARRIER_EXCEPTION",
		CHECKLIST(log_carrier_exception),
		ACTIONS(A(QUERY_TRACKING), A(UPDATE_ADDRESS), A(INTERCEPT_SHIPMENT), A(RESHIP), A(SEND_MESSAGE)),
		SUGGEST,
		.templates = {
			T(EXPLAIN) { "您的包裹(单号 {tracking_no})被{carrier}标记为需要特别处理,常见原因是收货信息不完整、超出派送范围或外包装破损。我们正在和快递一起处理。",
				     "{carrier} has flagged your parcel (tracking number {tracking_no}) for special handling, usually because of incomplete delivery details, an address out of its area or a damaged package. We are working it out with them." },
		},
	},
	{
		.code = "CUS_ADDRESS_INVALID",
		CHECKLIST(cus_address_invalid),
		ACTIONS(A(UPDATE_ADDRESS), A(INTERCEPT_SHIPMENT), A(SEND_MESSAGE)),
		SUGGEST,
	},
	{
		.code = "CUS_PHONE_INVALID",
		CHECKLIST(cus_phone_invalid),
		ACTIONS(A(SEND_MESSAGE), A(UPDATE_ADDRESS), A(INTERCEPT_SHIPMENT)),
		SUGGEST,
		.templates = {
			T(EXPLAIN) { "订单 {order_id} 留的联系电话似乎有误(位数或格式不对),快递送货时可能联系不上您,所以想和您确认一个能联系到您的号码。",
				     "The phone number on order {order_id} seems wrong (its length or format), and the carrier may not be able to reach you, so we would like a number that works." },
		},
	},
	{
		.code = "CUS_REMARK_ATTENTION",
		CHECKLIST(cus_remark_attention),
		ACTIONS(A(SEND_MESSAGE), A(UPDATE_ADDRESS)),
		SUGGEST,
		.templates = {
			T(PROGRESS) { "{customer_name}您好,您在订单 {order_id} 备注里的要求正在安排中,预计 {eta} 前随订单发出,有任何变化会先告诉您。",
				      "Hello {customer_name}, the request in the note of order {order_id} is being taken care of and goes out with your order by {eta}; you will hear from us first if anything changes." },
			T(NOTIFY) { "{customer_name}您好,我是{shop}的客服{agent_name}。您在订单 {order_id} 的备注里提到了特别的要求,我们已经看到了,想和您确认一下细节。",
				    "Hello {customer_name}, this is {agent_name} from {shop}. We saw the special request in the note of order {order_id} and would like to check the details with you." },
			T(EXPLAIN) { "为了确保完全按您的意思处理,我们想先和您确认备注里的要求,避免理解偏差。",
				     "We would rather check your request with you first than guess and get it wrong." },
			T(SOLUTION) { "您的要求我们已经记下并交代给仓库,会按您确认的方式安排,预计 {eta} 前发出。如有做不到的地方,我们会提前和您商量。",
				      "Your request is noted and passed to the warehouse, and your order will be handled as you confirmed, leaving by {eta}. If any part cannot be done, we will talk it over with you first." },
		},
	},
	{
		.code = "CUS_TICKET",
		CHECKLIST(cus_ticket),
		ACTIONS(A(SEND_MESSAGE), A(REFUND), A(PARTIAL_REFUND), A(RESHIP), A(ISSUE_COUPON), A(ADD_POINTS)),
		SUGGEST,
		.templates = {
			T(PROGRESS) { "{customer_name}您好,您反馈的订单 {order_id} 的问题正在处理中,预计 {eta} 前给您结果,有任何进展都会第一时间告诉您。",
				      "Hello {customer_name}, what you told us about order {order_id} is being worked on, and we expect to have an answer for you by {eta}; you will hear of any progress right away." },
			T(NOTIFY) { "{customer_name}您好,我是{shop}的客服{agent_name}。您反馈的订单 {order_id} 的问题我们已经收到,正在为您处理。",
				    "Hello {customer_name}, this is {agent_name} from {shop}. We have received what you told us about order {order_id} and are on it." },
			T(EXPLAIN) { "我们查看了订单 {order_id} 的付款、发货和物流记录,已经弄清楚问题出在哪里,下面把情况和处理方案如实告诉您。",
				     "We went through the payment, shipping and tracking records of order {order_id} and found where it went wrong; here is what happened and what we will do." },
			T(SOLUTION) { "我们会按您希望的方式处理(补发、退款或补偿),预计 {eta} 前完成,完成后第一时间通知您。",
				      "We will settle it the way you prefer (a replacement, a refund or compensation) by {eta}, and tell you as soon as it is done." },
		},
	},
	{
		.code = "SYS_CREATE_FAILED",
		CHECKLIST(sys_create_failed),
		ACTIONS(A(QUERY_PAYMENT), A(REFUND), A(SEND_MESSAGE)),
		SUGGEST,
		.templates = {
			T(EXPLAIN) { "您下单时我们的系统出了故障,订单没有创建成功。如果您已经付款,这 {amount} 元一定会为您补建订单或全额退还。",
				     "Our system failed while you were placing your order, so it was not created. If you have already paid, the CNY {amount} will either go to a re-created order or be refunded in full." },
			T(SOLUTION) { "我们已为您补建订单 {order_id},价格和优惠与您下单时一致,预计 {eta} 前发货;如果您不再需要,已付的 {amount} 元会原路退回。",
				      "We have re-created your order as {order_id} at the price and discounts you ordered with, shipping by {eta}. If you no longer want it, the CNY {amount} you paid goes back to you." },
		},
	},
	{
		.code = "SYS_SYNC_FAILED",
		CHECKLIST(sys_sync_failed),
		ACTIONS(A(SEND_MESSAGE)),
		SUGGEST,
	},
	{
		.code = "FRD_BLACKLIST",
		CHECKLIST(frd_blacklist),
		ACTIONS(A(CANCEL_ORDER), A(REFUND), A(INTERCEPT_SHIPMENT), A(SEND_MESSAGE)),
		SUGGEST,
	},
	{
		.code = "FRD_SUSPECT",
		CHECKLIST(frd_suspect),
		ACTIONS(A(CANCEL_ORDER), A(INTERCEPT_SHIPMENT), A(REFUND), A(SEND_MESSAGE)),
		SUGGEST,
	},
	{
		.code = "INC_BURST",
		CHECKLIST(inc_burst),
		ACTIONS(A(SEND_MESSAGE)),
		SUGGEST,
	},
	{
		.code = "INC_PAYMENT_RATE",
		CHECKLIST(inc_payment_rate),
		ACTIONS(A(SEND_MESSAGE), A(QUERY_PAYMENT)),
		SUGGEST,
		.templates = {
			T(EXPLAIN) { "刚才支付渠道出现了故障,一批付款没能成功,并不是您的操作或银行卡有问题。没有成功的付款不会扣款。",
				     "Our payment provider had an outage just now and a number of payments failed. It was not your card or anything you did, and a failed payment takes no money." },
			T(SOLUTION) { "支付已经恢复,您可以重新支付订单 {order_id},订单和优惠为您保留到 {eta};如果发现被扣了款,多扣的钱会原路退回。",
				      "Payments work again: you can pay for order {order_id} now, and we keep it and its discounts for you until {eta}. If you were charged anyway, that money goes back to you." },
		},
	},
};

const size_t oxp_n_builtins = OX_ARRAY_LEN(oxp_builtins);

const struct oxp_builtin *oxp_builtin_find(const char *code)
{
	for (size_t i = 0; i < oxp_n_builtins; i++)
		if (strcmp(oxp_builtins[i].code, code) == 0)
			return &oxp_builtins[i];
	return NULL;
}

const struct ox_pb_item oxp_generic_checklist[] = {
	{ "collect_facts",
	  { "收集关键信息:订单号、客户、支付、物流、商品和客服沟通记录",
	    "Collect the facts: order id, customer, payment, tracking, items and the conversation so far" } },
	{ "find_root_cause",
	  { "逐层排查,定位根源,需要时联系相关部门",
	    "Narrow it down to the root cause, with the teams concerned" } },
	{ "record_outcome",
	  { "记录处理过程、原因、结果和客户反馈",
	    "Record what was done, the cause, the outcome and the customer's feedback" } },
};
const size_t oxp_n_generic_checklist = OX_ARRAY_LEN(oxp_generic_checklist);

/* ---- the five messages of each family ---------------------------------------------------- */

const char *const oxp_category_templates[OX_PB__NCAT][OX_PB__NSTEP][OX_PB__NLANG] = {
	[OX_PB_CAT_PAYMENT] = {
		T(NOTIFY) { "{customer_name}您好,我是{shop}的客服{agent_name}。我们发现您的订单 {order_id} 的付款有些异常,已经第一时间开始核实。请您放心,您付的每一分钱都有明确的去向,有结果我们马上告诉您。",
			    "Hello {customer_name}, this is {agent_name} from {shop}. We noticed something unusual with the payment for your order {order_id} and started checking right away. Every yuan you paid is accounted for, and we will tell you as soon as we know more." },
		T(EXPLAIN) { "{customer_name}您好,订单 {order_id} 的情况已经查清:支付渠道和我们系统之间的付款信息没有对上,涉及金额 {amount} 元。这是我们需要处理的问题,您不需要再次付款。",
			     "Hello {customer_name}, we found what happened with order {order_id}: the payment provider's records and ours did not match, for CNY {amount}. It is ours to fix; please do not pay again." },
		T(PROGRESS) { "{customer_name}您好,订单 {order_id} 的付款问题正在处理:我们已经和支付渠道对完账,预计 {eta} 前处理完毕。有任何变化,我们会第一时间告诉您。",
			      "Hello {customer_name}, an update on order {order_id}: we have reconciled the payment with the provider and expect to be done by {eta}. If anything changes, you will hear from us first." },
		T(SOLUTION) { "{customer_name}您好,订单 {order_id} 的付款已经为您更正,涉及的 {amount} 元会在 {eta} 前处理到位,需要退还的款项按原路退回。有疑问随时回复这条消息找我({agent_name})。",
			      "Hello {customer_name}, the payment of order {order_id} has been put right, and the CNY {amount} involved will be settled by {eta}; anything owed to you goes back to where you paid from. Reply any time to reach me, {agent_name}." },
		T(APOLOGY) { "{customer_name},这次付款问题给您添了麻烦、让您担心了,真的很抱歉。我们为您准备了一张 {coupon_amount} 元的优惠券,已经放入您的账户。感谢您对{shop}的理解!",
			     "{customer_name}, we are truly sorry for the trouble and worry this payment problem caused you. A CNY {coupon_amount} coupon is waiting in your account as an apology. Thank you for your understanding, from all of us at {shop}." },
	},
	[OX_PB_CAT_INVENTORY] = {
		T(NOTIFY) { "{customer_name}您好,我是{shop}的客服{agent_name}。您订购的{item}(订单 {order_id})库存出现了异常,我们正在第一时间核实,有结果马上告诉您。",
			    "Hello {customer_name}, this is {agent_name} from {shop}. Something went wrong with the stock of the {item} you ordered (order {order_id}). We are checking it now and will let you know as soon as we can." },
		T(EXPLAIN) { "很抱歉,因为各个销售平台的库存没有及时同步,您下单的{item}实际已经售完,系统却仍显示有货,所以订单 {order_id} 暂时不能按时发货。这是我们的问题。",
			     "We are sorry: our sales channels' stock was not synced in time, so the {item} you ordered had already sold out while still showing as available, and order {order_id} cannot ship on time. That is our fault." },
		T(PROGRESS) { "{customer_name}您好,订单 {order_id} 的{item}正在补货:我们已经联系供应商,预计 {eta} 到货,到货后第一时间为您发出。",
			      "Hello {customer_name}, an update on order {order_id}: we have asked our supplier for more {item}, expected by {eta}, and yours ships first when it arrives." },
		T(SOLUTION) { "我们为您准备了两个方案,任您选择:一是等待补货,预计 {eta} 前发货,并送您一张 {coupon_amount} 元优惠券;二是全额退款 {amount} 元,原路退回,优惠券同样送给您。回复 1 或 2 即可。",
			      "Two options, whichever suits you: 1) wait for the restock, shipping by {eta}, with a CNY {coupon_amount} coupon; 2) a full refund of CNY {amount} to where you paid from, with the coupon as well. Just reply 1 or 2." },
		T(APOLOGY) { "{customer_name},让您的期待落空了,真的很抱歉。我们已经在改进库存同步,不让这样的事再发生。感谢您的耐心和理解!",
			     "{customer_name}, we are truly sorry to have let you down. We are fixing how our stock is synced so this does not happen again. Thank you for your patience and understanding." },
	},
	[OX_PB_CAT_LOGISTICS] = {
		T(NOTIFY) { "{customer_name}您好,我是{shop}的客服{agent_name}。您的订单 {order_id} 的包裹({carrier},单号 {tracking_no})在运输中出现了异常,我们已经第一时间联系快递核实。",
			    "Hello {customer_name}, this is {agent_name} from {shop}. The parcel of your order {order_id} ({carrier}, tracking number {tracking_no}) has run into a problem on the way, and we have already contacted the carrier." },
		T(EXPLAIN) { "经与{carrier}核实,您的包裹(单号 {tracking_no})在中转环节耽误了,所以物流信息一直没有更新。这不是您的问题,我们会一直跟进,直到包裹送到您手上。",
			     "We checked with {carrier}: your parcel (tracking number {tracking_no}) was held up at a transit hub, which is why its tracking has not moved. This is not your doing, and we will follow it until it is in your hands." },
		T(PROGRESS) { "{customer_name}您好,包裹的最新进展:{carrier}已经安排派送(单号 {tracking_no}),预计 {eta} 前送达。我们会继续盯着,有变化随时告诉您。",
			      "Hello {customer_name}, the latest on your parcel: {carrier} has scheduled it for delivery (tracking number {tracking_no}), expected by {eta}. We keep watching it and will tell you of any change." },
		T(SOLUTION) { "我们已经督促{carrier}优先派送,预计 {eta} 前送达;如果到时仍未收到,我们会立即为您补发或全额退款,由您选择。",
			      "We have asked {carrier} to deliver it first, expected by {eta}. If it has not reached you by then, we will reship or refund you in full at once, whichever you prefer." },
		T(APOLOGY) { "{customer_name},让您久等了,非常抱歉。我们送您一张 {coupon_amount} 元优惠券表达歉意,已经放入您的账户。感谢您的耐心!",
			     "{customer_name}, we are very sorry to have kept you waiting. As an apology, a CNY {coupon_amount} coupon is now in your account. Thank you for your patience!" },
	},
	[OX_PB_CAT_CUSTOMER] = {
		T(NOTIFY) { "{customer_name}您好,我是{shop}的客服{agent_name}。为了让您的订单 {order_id} 顺利送达,我们需要和您核实一下收货信息,麻烦您抽空回复。",
			    "Hello {customer_name}, this is {agent_name} from {shop}. To make sure order {order_id} reaches you, we need to check your delivery details with you. Could you reply when you have a moment?" },
		T(EXPLAIN) { "订单 {order_id} 的收货地址「{address}」似乎不完整或有误,快递可能无法送达,所以想先和您确认,免得耽误您收货。",
			     "The delivery address of order {order_id}, \"{address}\", looks incomplete or incorrect, and the carrier may not find it. We would rather check with you now than have your parcel delayed." },
		T(PROGRESS) { "{customer_name}您好,您的收货信息正在更新,订单 {order_id} 会按更新后的信息发货,预计 {eta} 前发出。",
			      "Hello {customer_name}, your delivery details are being updated, and order {order_id} will ship to them by {eta}." },
		T(SOLUTION) { "订单 {order_id} 的收货信息已按您确认的内容更新。如果包裹已经发出,我们会联系快递改派,可能产生的费用会先和您商量。",
			      "The delivery details of order {order_id} now read as you confirmed. If the parcel has already left, we will have the carrier redirect it, and talk any fee over with you first." },
		T(APOLOGY) { "{customer_name},给您添麻烦了,感谢您的配合!有任何需要,随时回复这条消息找我({agent_name})。",
			     "{customer_name}, sorry for the trouble, and thank you for your help! If you need anything, just reply to this message to reach me, {agent_name}." },
	},
	[OX_PB_CAT_SYSTEM] = {
		T(NOTIFY) { "{customer_name}您好,我是{shop}的客服{agent_name}。我们的系统刚才出现了故障,您的订单 {order_id} 可能受到了影响,技术同事正在第一时间处理。",
			    "Hello {customer_name}, this is {agent_name} from {shop}. Our system had a fault just now that may have affected your order {order_id}, and our engineers are already on it." },
		T(EXPLAIN) { "经排查,是我们的订单系统在处理订单 {order_id} 时出错,订单信息没有及时传到仓库。这完全是我们的问题,您的付款和订单都是安全的。",
			     "We found the cause: our order system made an error with order {order_id}, and it did not reach the warehouse in time. This is entirely our fault; your payment and your order are safe." },
		T(PROGRESS) { "{customer_name}您好,系统问题已经修复,订单 {order_id} 正在重新处理,预计 {eta} 前恢复正常。",
			      "Hello {customer_name}, the fault is fixed and order {order_id} is being processed again, back on track by {eta}." },
		T(SOLUTION) { "订单 {order_id} 已经恢复,并为您优先安排发货,预计 {eta} 前发出;如果您已经不想要这笔订单,我们也可以为您全额退款。",
			      "Order {order_id} is back on track and ships with priority, by {eta}. If you no longer want it, we can refund you in full instead." },
		T(APOLOGY) { "{customer_name},因为我们的系统问题让您久等了,非常抱歉。我们送您一张 {coupon_amount} 元优惠券表达歉意,已经放入您的账户。",
			     "{customer_name}, we are very sorry our system kept you waiting. As an apology, a CNY {coupon_amount} coupon is now in your account." },
	},
	[OX_PB_CAT_FRAUD] = {
		T(NOTIFY) { "{customer_name}您好,我是{shop}的客服{agent_name}。为了保障您的账户和交易安全,订单 {order_id} 需要做一次例行核实,核实期间暂缓发货。",
			    "Hello {customer_name}, this is {agent_name} from {shop}. To keep your account and payment safe, order {order_id} needs a routine check, and it will ship once that is done." },
		T(EXPLAIN) { "我们的安全系统发现订单 {order_id} 有些信息需要确认(例如收货信息或下单方式与平常不同)。这是保护每一位买家的例行措施,并不是对您有任何怀疑。",
			     "Our security checks found a few details of order {order_id} to confirm (for example delivery details or an ordering pattern that differ from the usual). We do this to protect every buyer; it is not a suspicion of you." },
		T(PROGRESS) { "{customer_name}您好,订单 {order_id} 的核实正在进行,预计 {eta} 前完成,完成后马上告诉您结果。",
			      "Hello {customer_name}, the check of order {order_id} is under way and should be done by {eta}; we will tell you the result right away." },
		T(SOLUTION) { "核实通过的订单会立即为您发货,预计 {eta} 前发出;如果无法完成核实,订单将被取消,已付的 {amount} 元全额原路退回。",
			      "Once the check passes, your order ships at once, by {eta}. If it cannot be completed, the order is cancelled and the CNY {amount} you paid is refunded in full." },
		T(APOLOGY) { "{customer_name},核实给您带来了不便,非常抱歉,也感谢您的理解和配合。我们会一直守护每一位买家的交易安全。",
			     "{customer_name}, we are sorry for the inconvenience of the check, and thank you for bearing with us. Keeping every buyer safe matters to us." },
	},
	[OX_PB_CAT_INCIDENT] = {
		T(NOTIFY) { "{customer_name}您好,我是{shop}的客服{agent_name}。我们的服务刚刚出现了较大范围的异常,您的订单 {order_id} 可能受到影响。我们已经启动应急处理,请您放心。",
			    "Hello {customer_name}, this is {agent_name} from {shop}. Our service just had a wide disruption that may have affected your order {order_id}. Our emergency response is under way." },
		T(EXPLAIN) { "这次异常是我们的订单或支付服务出现故障造成的,同一时间有一批订单受到影响。这不是您的操作问题,您不会因此有任何损失。",
			     "The disruption came from a fault in our order or payment service, and many orders were affected at the same time. Nothing you did caused it, and you will not lose anything because of it." },
		T(PROGRESS) { "{customer_name}您好,故障正在修复,预计 {eta} 前恢复。恢复后会优先处理您的订单 {order_id}。",
			      "Hello {customer_name}, the fault is being fixed, and service should be back by {eta}; your order {order_id} will be handled first." },
		T(SOLUTION) { "服务已经恢复,我们逐一核对了订单 {order_id}:需要重新付款的请直接支付,订单为您保留到 {eta};多扣的款项会原路退回。",
			      "Service is back, and we have checked order {order_id}: if it still needs paying, you can pay now, and it stays reserved until {eta}; anything charged in error goes back to you." },
		T(APOLOGY) { "{customer_name},这次故障给您带来了不便,我们深感抱歉。我们送您一张 {coupon_amount} 元优惠券表达歉意,已经放入您的账户。",
			     "{customer_name}, we are deeply sorry for the trouble this disruption caused. As an apology, a CNY {coupon_amount} coupon is now in your account." },
	},
};

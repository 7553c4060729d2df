// i18n.js - every text of the console in a table per language (zh-CN
// first), the chosen language remembered in localStorage, and times shown
// in Asia/Shanghai whatever the browser's zone.

const MSG = {
	zh: {
		app: "ordex 订单异常中心", skip: "跳到正文", loading: "加载中…", lang_switch: "English", lang_label: "切换语言",
		nav_queue: "工单队列", nav_dash: "数据分析", nav_blacklist: "黑名单", nav_users: "用户与令牌", nav_alerts: "告警",
		nav_audit: "审计日志", logout: "退出", signed_in_as: "当前用户",
		login_title: "登录", login_user: "用户名", login_password: "密码", login_submit: "登录",
		login_failed: "用户名或密码错误，或账号已被锁定", login_expired: "登录已过期，请重新登录", login_busy: "登录繁忙，请稍后重试",
		f_category: "类别", f_rule: "规则", f_severity: "严重度", f_status: "状态", f_team: "团队", f_assignee: "处理人",
		f_sla: "SLA", f_order: "订单号", f_channel: "渠道", f_shop: "店铺", f_call_state: "商家调用", f_sort: "排序", any: "全部", apply: "筛选", reset: "清除筛选",
		sort_due: "按 SLA 到期时间", sort_new: "最新创建", sla_breached: "已超时", sla_due_soon: "即将超时",
		all_statuses: "全部状态", refresh: "刷新", updated_at: "更新于", new_cases: "有新工单", load_more: "加载更多",
		no_cases: "没有符合条件的工单", shown: "已显示", of_total: "共",
		col_select: "选择", col_case: "工单", col_sev: "级别", col_rule: "异常", col_key: "订单 / SKU", col_team: "团队",
		col_assignee: "处理人", col_status: "状态", col_due: "SLA 到期", col_opened: "创建时间", col_esc: "升级",
		select_all: "全选本页", selected: "已选", bulk_assign: "批量分派", bulk_to: "批量转为", bulk_go: "执行",
		assign_to_me: "分派给我", bulk_done: "完成 {ok} 个，失败 {fail} 个", unassigned: "未分派",
		back_queue: "返回队列", reasons: "异常原因", sla: "服务时限", respond_due: "响应截止", resolve_due: "解决截止",
		responded_at: "已响应", paused_since: "暂停自", breached_at: "超时于", esc_level: "升级级别", level: "{n} 级",
		overdue: "已超时 {d}", remaining: "剩余 {d}", status_actions: "处理", transition_to: "转为",
		assign: "分派", assignee: "处理人", team: "团队", save: "保存", note: "备注", add_note: "添加备注",
		checklist: "处理清单", checklist_none: "此规则没有清单", resolve_form: "解决工单", resolution: "解决方式",
		root_cause: "根本原因", resolve_note: "处理说明", resolve_submit: "标记为已解决", choose: "请选择",
		composer: "客户消息", template: "模板", msg_lang: "消息语言", preview: "预览", preview_missing: "待填写：{v}",
		preview_none: "此规则没有消息模板", actions_panel: "商家动作",
		playbook_actions: "本规则的建议动作", calls: "调用记录", calls_none: "还没有调用", call_id: "调用号", call_kind: "动作",
		call_state: "状态", call_by: "发起人", call_approver: "审批人", call_outcome: "结果", call_auto: "自动",
		call_request: "发起调用", call_params: "参数", call_note: "说明（可选）", call_dry_run: "预览 / 试运行", call_submit: "发起",
		call_requested: "已发起 {id}", call_would_send: "将发送的请求（未发送）", approve: "批准", reject: "驳回",
		call_approved: "已批准 {id}", call_rejected: "已驳回 {id}", call_attempts: "{n} 次尝试", call_closed: "工单已关闭，不能再发起调用",
		comp_title: "补偿客户", comp_limit: "您每次可直接补偿 {limit} 元，超出需主管审批", comp_no_limit: "您的补偿额度不限",
		comp_none_allowed: "您的角色不能直接补偿，每次补偿都需主管审批", comp_value: "补偿", comp_repeat: "重复补偿（第 {n} 次）",
		comp_gift: "赠品（是什么）", comp_reason: "原因（发给商家）", comp_submit: "补偿", comp_would_wait: "将提交审批：{why}",
		comp_goes_now: "在额度与预算之内，将立即执行", comp_waits: "已提交审批 {id}：{why}", comp_check: "预览补偿",
		order: "订单", order_none: "此工单不涉及单个订单", items: "商品", sku: "SKU",
		qty: "数量", price: "单价", total: "合计", customer: "客户", name: "姓名", phone: "电话", address: "地址",
		payments: "支付", refunds: "退款", amount: "金额", method: "方式", time: "时间", shipments: "物流",
		carrier: "快递", tracking_no: "运单号", tracking: "物流轨迹", syncs: "系统同步", system: "系统", acks: "确认数",
		last_ack: "最近确认", failures: "失败", tickets: "客服工单", none: "无", timeline: "时间线", actor: "操作人",
		channel: "渠道", shop: "店铺", order_status: "订单状态", remark: "备注", created: "下单时间", masked: "已脱敏",
		done: "已完成", saved: "已保存", error: "出错了", forbidden: "没有权限", not_found: "找不到", retry: "重试",
		dash_title: "数据分析", dash_from: "开始日期", dash_to: "结束日期（含）", dash_period: "{from} 至 {to}（北京时间）",
		dash_kpis: "关键指标", kpi_open: "未完结工单", kpi_opened: "期间新增", kpi_resolved: "期间解决", kpi_mttr: "平均解决时长",
		kpi_sla: "SLA 达成率", kpi_auto: "自动解决率", kpi_pay: "支付成功率", kpi_ship: "按时发货率", kpi_orders: "期间订单",
		dash_trend: "工单趋势（按类别）", dash_trend_alt: "共 {n} 个工单，{top}最多（{m} 个）。", dash_regions: "高发区域",
		dash_skus: "高发商品", dash_heatmap: "高发时段（星期 × 小时）", dash_heat_alt: "最高峰：{day} {hour} 时，{n} 个工单。",
		dash_carriers: "承运商表现", dash_payments: "支付方式成功率", dash_comp: "补偿支出", dash_no_data: "暂无数据",
		dash_empty_alt: "期间没有工单。", dash_data: "查看数据表", dash_csv: "导出 CSV", dash_bucket: "时间",
		province: "省份", cases: "工单数", orders: "订单数", cases_per_order: "工单/订单", weekday: "星期", hour: "小时",
		shipments_n: "发货数", delivered: "签收数", lost_rate: "丢件率", late_rate: "延误率", stalled_rate: "停滞率",
		pay_attempts: "支付次数", pay_succeeded: "成功次数", success_rate: "成功率", comp_kind: "补偿方式", comp_count: "次数",
		comp_total: "合计", minutes: "{n} 分钟",
		bl_title: "黑名单", bl_kind: "类型", bl_value: "值", bl_reason: "原因", bl_expires: "过期时间", bl_added_by: "添加人",
		bl_added_at: "添加时间", bl_source: "来源", bl_ttl: "有效期（如 72h、30d，留空为永久）", bl_add: "加入黑名单",
		bl_remove: "移除", bl_search: "搜索", bl_export: "导出 CSV", bl_import: "导入 CSV", bl_import_file: "CSV 文件",
		bl_imported: "已导入 {n} 条", never: "永久", confirm_remove: "确定移除 {v}？",
		users_title: "用户", user_name: "用户名", display: "显示名", role: "角色", teams: "团队（逗号分隔）",
		password: "密码（至少 8 位）", disabled: "已停用", enable: "启用", disable: "停用", create_user: "创建用户",
		tokens_title: "API 令牌", token_name: "令牌名", token_user: "所属用户（可选）", token_expires: "过期时间（可选）",
		create_token: "创建令牌", revoke: "吊销", token_secret: "新令牌（只显示这一次，请立即保存）：", last_used: "最近使用",
		token_status: "状态", created_at: "创建时间",
		alerts_title: "告警", silences: "静默", silence_rule: "规则", silence_sev: "严重度", silence_team: "团队",
		silence_duration: "时长（如 2h）", silence_comment: "说明", create_silence: "创建静默", expire: "结束",
		starts_at: "开始", ends_at: "结束", state: "状态", outbox: "发件箱", dead: "死信", receiver: "渠道",
		channels: "通知渠道", channels_none: "未配置通知渠道（配置文件 alerts: 一节）", channel_type: "类型", endpoint: "地址（不含密钥）",
		signed: "签名", routes: "路由", route_match: "匹配", route_group: "分组", route_repeat: "重复间隔", route_continue: "继续匹配",
		yes: "是", no: "否",
		attempts: "尝试次数", last_error: "最近错误", retry_send: "重新发送",
		audit_title: "审计日志", audit_action: "动作", audit_target: "对象", audit_detail: "详情", filter: "筛选",
		prev: "上一页", next: "下一页",
		// 规则与阈值 (views/rules.js)
		nav_rules: "规则与阈值", cfg_title: "规则与阈值", cfg_rules: "规则", cfg_rule: "规则", cfg_enabled: "启用",
		cfg_on: "启用", cfg_off: "停用", cfg_default: "缺省值", cfg_params: "参数", cfg_key: "参数键", cfg_value: "当前值",
		cfg_unit: "单位", cfg_bounds: "范围", cfg_channel: "可按渠道", cfg_live: "运行中修改", cfg_changed: "已修改",
		cfg_global: "全局值", cfg_channels: "渠道覆盖", cfg_add_override: "添加渠道覆盖", cfg_added: "已加入待保存：{k}",
		cfg_overrides: "运行中修改的参数（在配置文件之上）", cfg_no_overrides: "没有运行中修改，全部为配置文件的值",
		cfg_unset: "恢复文件值", cfg_note: "修改说明", cfg_pending: "{n} 项待保存", cfg_nothing: "没有修改",
		cfg_readonly: "只读：你的角色不能修改规则与阈值（需要 config:write 权限）。",
		cfg_intro: "修改在保存后立即生效，无需重启；全部生效或全部不生效，并记入事件日志与审计日志。时长写作 90s、15m、72h、2d；名称列表用逗号分隔。",
		cfg_file_only: "（只能在配置文件中修改）", cfg_carriers_hint: "（用 logistics.carriers.<承运商> 修改）",
		cfg_unit_duration: "时长", cfg_unit_names: "名称列表",
		cfg_sec_payment: "支付", cfg_sec_logistics: "物流", cfg_sec_sync: "系统同步", cfg_sec_inventory: "库存",
		cfg_sec_fraud: "风控评分", cfg_sec_customer: "客户", cfg_sec_incident: "突发事件", cfg_sec_sla: "服务时限（SLA）",
		cfg_sec_escalation: "升级", cfg_sec_retention: "数据保留",
	},
	en: {
		app: "ordex order exceptions", skip: "Skip to content", loading: "Loading…", lang_switch: "中文", lang_label: "Switch language",
		nav_queue: "Queue", nav_dash: "Analytics", nav_blacklist: "Blacklist", nav_users: "Users & tokens", nav_alerts: "Alerts",
		nav_audit: "Audit log", logout: "Sign out", signed_in_as: "Signed in as",
		login_title: "Sign in", login_user: "User name", login_password: "Password", login_submit: "Sign in",
		login_failed: "Wrong user name or password, or the user is locked", login_expired: "Your session has expired: sign in again", login_busy: "Too many sign-ins at once: retry in a moment",
		f_category: "Category", f_rule: "Rule", f_severity: "Severity", f_status: "Status", f_team: "Team", f_assignee: "Assignee",
		f_sla: "SLA", f_order: "Order id", f_channel: "Channel", f_shop: "Shop", f_call_state: "Merchant call", f_sort: "Sort", any: "Any", apply: "Filter", reset: "Clear filters",
		sort_due: "SLA due time", sort_new: "Newest first", sla_breached: "Breached", sla_due_soon: "Due soon",
		all_statuses: "All statuses", refresh: "Refresh", updated_at: "Updated", new_cases: "New cases", load_more: "Load more",
		no_cases: "No case matches", shown: "Shown", of_total: "of",
		col_select: "Select", col_case: "Case", col_sev: "Sev.", col_rule: "Exception", col_key: "Order / SKU", col_team: "Team",
		col_assignee: "Assignee", col_status: "Status", col_due: "SLA due", col_opened: "Opened", col_esc: "Esc.",
		select_all: "Select the page", selected: "Selected", bulk_assign: "Assign to", bulk_to: "Move to", bulk_go: "Apply",
		assign_to_me: "Assign to me", bulk_done: "{ok} done, {fail} failed", unassigned: "Unassigned",
		back_queue: "Back to the queue", reasons: "Reasons", sla: "Service level", respond_due: "Respond by", resolve_due: "Resolve by",
		responded_at: "Responded", paused_since: "Paused since", breached_at: "Breached at", esc_level: "Escalation", level: "level {n}",
		overdue: "overdue by {d}", remaining: "{d} left", status_actions: "Work", transition_to: "Move to",
		assign: "Assign", assignee: "Assignee", team: "Team", save: "Save", note: "Note", add_note: "Add note",
		checklist: "Checklist", checklist_none: "This rule has no checklist", resolve_form: "Resolve", resolution: "Resolution",
		root_cause: "Root cause", resolve_note: "What was done", resolve_submit: "Mark resolved", choose: "Choose…",
		composer: "Customer message", template: "Template", msg_lang: "Message language", preview: "Preview", preview_missing: "To fill in: {v}",
		preview_none: "This rule has no message templates", actions_panel: "Merchant actions",
		playbook_actions: "Suggested actions of this rule", calls: "Calls", calls_none: "No call yet", call_id: "Call", call_kind: "Action",
		call_state: "State", call_by: "Asked by", call_approver: "Approver", call_outcome: "Outcome", call_auto: "automatic",
		call_request: "Call the merchant", call_params: "Params", call_note: "Note (optional)", call_dry_run: "Preview / dry run", call_submit: "Call",
		call_requested: "{id} requested", call_would_send: "The request that would be sent (not sent)", approve: "Approve", reject: "Reject",
		call_approved: "{id} approved", call_rejected: "{id} rejected", call_attempts: "{n} attempts", call_closed: "The case is closed: no more calls",
		comp_title: "Compensate the customer", comp_limit: "You may give up to CNY {limit} at once; above, a supervisor approves",
		comp_no_limit: "Your compensation has no limit", comp_none_allowed: "Your role gives nothing at once: every compensation waits for a supervisor",
		comp_value: "Compensation", comp_repeat: "repeat (no. {n})", comp_gift: "Gift (what it is)", comp_reason: "Reason (sent to the merchant)",
		comp_submit: "Compensate", comp_would_wait: "Would wait for approval: {why}", comp_goes_now: "Within the limit and the budget: it runs at once",
		comp_waits: "{id} waits for approval: {why}", comp_check: "Check first",
		order: "Order", order_none: "This case is not about one order", items: "Items", sku: "SKU",
		qty: "Qty", price: "Price", total: "Total", customer: "Customer", name: "Name", phone: "Phone", address: "Address",
		payments: "Payments", refunds: "Refunds", amount: "Amount", method: "Method", time: "Time", shipments: "Shipments",
		carrier: "Carrier", tracking_no: "Tracking no.", tracking: "Tracking", syncs: "System sync", system: "System", acks: "Acks",
		last_ack: "Last ack", failures: "Failures", tickets: "Support tickets", none: "None", timeline: "Timeline", actor: "By",
		channel: "Channel", shop: "Shop", order_status: "Order status", remark: "Remark", created: "Ordered", masked: "masked",
		done: "Done", saved: "Saved", error: "Something went wrong", forbidden: "Not allowed", not_found: "Not found", retry: "Retry",
		dash_title: "Analytics", dash_from: "From", dash_to: "To (included)", dash_period: "{from} to {to} (Beijing time)",
		dash_kpis: "Key figures", kpi_open: "Open cases", kpi_opened: "Opened", kpi_resolved: "Resolved", kpi_mttr: "Mean time to resolve",
		kpi_sla: "SLA compliance", kpi_auto: "Auto-resolve rate", kpi_pay: "Payment success", kpi_ship: "On-time shipping", kpi_orders: "Orders",
		dash_trend: "Cases over time, by category", dash_trend_alt: "{n} cases in all; most in {top} ({m}).", dash_regions: "Cases by province",
		dash_skus: "Top SKUs", dash_heatmap: "Cases by weekday and hour", dash_heat_alt: "Peak: {day} {hour}:00, {n} cases.",
		dash_carriers: "Carrier scorecard", dash_payments: "Payment methods", dash_comp: "Compensation spend", dash_no_data: "No data yet",
		dash_empty_alt: "No case in the period.", dash_data: "Show the data", dash_csv: "Export CSV", dash_bucket: "Time",
		province: "Province", cases: "Cases", orders: "Orders", cases_per_order: "Cases per order", weekday: "Weekday", hour: "Hour",
		shipments_n: "Shipments", delivered: "Delivered", lost_rate: "Lost", late_rate: "Late", stalled_rate: "Stalled",
		pay_attempts: "Attempts", pay_succeeded: "Succeeded", success_rate: "Success rate", comp_kind: "Kind", comp_count: "Count",
		comp_total: "Total", minutes: "{n} min",
		bl_title: "Blacklist", bl_kind: "Kind", bl_value: "Value", bl_reason: "Reason", bl_expires: "Expires", bl_added_by: "Added by",
		bl_added_at: "Added", bl_source: "Source", bl_ttl: "Valid for (e.g. 72h, 30d; empty: forever)", bl_add: "Add to the blacklist",
		bl_remove: "Remove", bl_search: "Search", bl_export: "Export CSV", bl_import: "Import CSV", bl_import_file: "CSV file",
		bl_imported: "{n} imported", never: "never", confirm_remove: "Remove {v}?",
		users_title: "Users", user_name: "User name", display: "Display name", role: "Role", teams: "Teams (comma-separated)",
		password: "Password (8 or more)", disabled: "Disabled", enable: "Enable", disable: "Disable", create_user: "Create user",
		tokens_title: "API tokens", token_name: "Token name", token_user: "For user (optional)", token_expires: "Expires (optional)",
		create_token: "Create token", revoke: "Revoke", token_secret: "New token (shown only this once: save it now):", last_used: "Last used",
		token_status: "Status", created_at: "Created",
		alerts_title: "Alerts", silences: "Silences", silence_rule: "Rule", silence_sev: "Severity", silence_team: "Team",
		silence_duration: "Duration (e.g. 2h)", silence_comment: "Comment", create_silence: "Create silence", expire: "End",
		starts_at: "Starts", ends_at: "Ends", state: "State", outbox: "Outbox", dead: "Dead letters", receiver: "Channel",
		channels: "Channels", channels_none: "No channel configured (the config file's alerts: section)", channel_type: "Type",
		endpoint: "Endpoint (no secret)", signed: "Signed", routes: "Routes", route_match: "Matches", route_group: "Grouped by",
		route_repeat: "Repeat every", route_continue: "Continue", yes: "yes", no: "no",
		attempts: "Attempts", last_error: "Last error", retry_send: "Send again",
		audit_title: "Audit log", audit_action: "Action", audit_target: "Target", audit_detail: "Detail", filter: "Filter",
		prev: "Previous", next: "Next",
		// Rules and thresholds (views/rules.js)
		nav_rules: "Rules and thresholds", cfg_title: "Rules and thresholds", cfg_rules: "Rules", cfg_rule: "Rule", cfg_enabled: "Enabled",
		cfg_on: "on", cfg_off: "off", cfg_default: "Default", cfg_params: "Parameters", cfg_key: "Key", cfg_value: "Value",
		cfg_unit: "Unit", cfg_bounds: "Range", cfg_channel: "Per channel", cfg_live: "Changed live", cfg_changed: "changed",
		cfg_global: "Global value", cfg_channels: "Channel overrides", cfg_add_override: "Add a channel override", cfg_added: "To save: {k}",
		cfg_overrides: "Changed live (on top of the config file)", cfg_no_overrides: "Nothing changed live: all values are the config file's",
		cfg_unset: "Back to the file's value", cfg_note: "Note", cfg_pending: "{n} to save", cfg_nothing: "Nothing changed",
		cfg_readonly: "Read only: your role may not change rules and thresholds (config:write).",
		cfg_intro: "A change applies as soon as it is saved, without a restart, all or nothing, and goes into the event log and the audit log. Durations read 90s, 15m, 72h, 2d; name lists are comma-separated.",
		cfg_file_only: "(only in the config file)", cfg_carriers_hint: "(change with logistics.carriers.<carrier>)",
		cfg_unit_duration: "duration", cfg_unit_names: "names",
		cfg_sec_payment: "Payment", cfg_sec_logistics: "Logistics", cfg_sec_sync: "System sync", cfg_sec_inventory: "Inventory",
		cfg_sec_fraud: "Fraud scoring", cfg_sec_customer: "Customer", cfg_sec_incident: "Incidents", cfg_sec_sla: "Service levels (SLA)",
		cfg_sec_escalation: "Escalation", cfg_sec_retention: "Retention",
	},
};

/* Names of the API's enumerations. */
const ENUMS = {
	status: {
		open: ["待处理", "Open"], acknowledged: ["已确认", "Acknowledged"], in_progress: ["处理中", "In progress"],
		waiting_customer: ["等待客户", "Waiting for customer"], resolved: ["已解决", "Resolved"], closed: ["已关闭", "Closed"],
		auto_resolved: ["自动恢复", "Auto-resolved"],
	},
	category: {
		payment: ["支付异常", "Payment"], inventory: ["库存异常", "Inventory"], logistics: ["物流异常", "Logistics"],
		customer: ["客户信息异常", "Customer information"], system: ["系统异常", "System"], fraud: ["风控", "Fraud"],
		incident: ["突发事件", "Incident"],
	},
	role: {
		admin: ["管理员", "Admin"], supervisor: ["主管", "Supervisor"], agent: ["客服/专员", "Agent"], viewer: ["只读", "Viewer"],
		ingest: ["数据接入", "Ingest"],
	},
	team: {
		payments: ["支付组", "Payments"], inventory: ["仓储组", "Warehouse"], logistics: ["物流组", "Logistics"], cs: ["客服组", "Customer service"],
		tech: ["技术组", "Tech"], risk: ["风控组", "Risk"], oncall: ["值班", "On call"],
	},
	action: {
		opened: ["创建", "opened"], fired_again: ["再次触发", "fired again"], auto_resolved: ["自动恢复", "auto-resolved"],
		member_linked: ["关联", "member linked"], routed: ["分配团队", "routed"], status_changed: ["状态变更", "status changed"],
		assigned: ["分派", "assigned"], note: ["备注", "note"], escalated: ["升级", "escalated"], sla_breached: ["超时", "SLA breached"],
		checked: ["勾选", "checked"], unchecked: ["取消勾选", "unchecked"], survey_due: ["待回访", "survey due"],
		csat: ["回访评分", "survey answer"], call: ["商家调用", "merchant call"], auto: ["自动处理", "automation"],
		reminded: ["进展提醒", "progress reminder"],
	},
	/* timeline notes: which deadline was breached, the steps of a call */
	sla_kind: { respond: ["响应超时", "respond time"], resolve: ["解决超时", "resolve time"] },
	call_step: {
		requested: ["已发起", "requested"], "awaits approval": ["待审批", "awaits approval"], approved: ["已批准", "approved"],
		rejected: ["已驳回", "rejected"], running: ["执行中", "running"], succeeded: ["成功", "succeeded"], failed: ["失败", "failed"],
		"awaits approval (above_limit)": ["待审批（超出发起人额度）", "awaits approval (above the requester's limit)"],
		"awaits approval (over_budget)": ["待审批（超出团队当日预算）", "awaits approval (over the team's budget for the day)"],
		"requested (survey)": ["已发起（回访问卷）", "requested (the survey)"],
	},
	/* compensation (docs/compensation.md) */
	comp_kind: {
		coupon: ["优惠券", "Coupon"], points: ["积分", "Points"], partial_refund: ["部分退款", "Partial refund"], gift: ["赠品", "Gift"],
	},
	comp_wait: { above_limit: ["超出发起人额度", "above the requester's limit"], over_budget: ["超出团队当日预算", "over the team's budget for the day"] },
	/* merchant calls (docs/actions.md) */
	call_kind: { /* the names of src/playbook.h */
		refund: ["退款", "Refund"], partial_refund: ["部分退款", "Partial refund"], reship: ["补发", "Reship"],
		cancel_order: ["取消订单", "Cancel the order"], mark_paid: ["标记为已付款", "Mark as paid"],
		update_address: ["修改收货信息", "Update the delivery details"], intercept_shipment: ["拦截包裹", "Intercept the parcel"],
		issue_coupon: ["发放优惠券", "Issue a coupon"], add_points: ["赠送积分", "Add points"], send_message: ["发送客户消息", "Message the customer"],
		carrier_claim: ["向快递公司索赔", "Claim from the carrier"], query_payment: ["查询支付状态", "Query the payment"],
		query_tracking: ["查询物流轨迹", "Query the tracking"], send_gift: ["赠送礼品", "Send a gift"],
	},
	call_state: {
		awaiting_approval: ["待审批", "awaiting approval"], requested: ["已发起", "requested"], running: ["执行中", "running"],
		succeeded: ["成功", "succeeded"], failed: ["失败", "failed"], rejected: ["已驳回", "rejected"],
	},
	param: {
		amount: ["金额（元）", "amount (CNY)"], payment_id: ["支付单号", "payment id"], reason: ["原因", "reason"], address: ["地址", "address"],
		phone: ["电话", "phone"], name: ["收件人", "name"], note: ["备注", "note"], tracking_no: ["运单号", "tracking number"],
		coupon_type: ["券类型", "coupon type"], expires_at: ["过期时间", "expires at"], points: ["积分", "points"], text: ["消息内容", "text"],
		gift: ["赠品", "gift"],
	},
	order_status: {
		pending_payment: ["待付款", "pending payment"], paid: ["已付款", "paid"], shipped: ["已发货", "shipped"],
		delivered: ["已签收", "delivered"], completed: ["已完成", "completed"], cancelled: ["已取消", "cancelled"],
		closed: ["已关闭", "closed"], refunded: ["已退款", "refunded"],
	},
	payment_status: { succeeded: ["成功", "succeeded"], failed: ["失败", "failed"] },
	pay_method: { alipay: ["支付宝", "Alipay"], wechatpay: ["微信支付", "WeChat Pay"], unionpay: ["银联", "UnionPay"], card: ["银行卡", "card"] },
	weekday: { 1: ["周一", "Mon"], 2: ["周二", "Tue"], 3: ["周三", "Wed"], 4: ["周四", "Thu"], 5: ["周五", "Fri"], 6: ["周六", "Sat"], 7: ["周日", "Sun"] },
	/* message template variables */
	var: {
		customer_name: ["客户称呼", "customer's name"], order_id: ["订单号", "order id"], shop: ["店铺", "shop"],
		agent_name: ["客服名", "agent's name"], carrier: ["快递公司", "carrier"], tracking_no: ["运单号", "tracking number"],
		eta: ["预计时间", "expected by"], amount: ["金额", "amount"], sku: ["SKU", "SKU"],
	},
	/* tokens, silences and alert messages */
	state: {
		active: ["生效中", "active"], revoked: ["已吊销", "revoked"], expired: ["已过期", "expired"], pending: ["待发送", "pending"],
		sent: ["已送达", "sent"], dead: ["已放弃", "dead"], silenced: ["已静默", "silenced"],
	},
	bl_kind: {
		customer: ["客户", "Customer"], phone: ["电话", "Phone"], device: ["设备", "Device"], ip: ["IP", "IP"], address: ["地址", "Address"],
	},
};

const KEY = "ordex.lang";
let lang = localStorage.getItem(KEY) === "en" ? "en" : "zh";

export const getLang = () => lang;
export function setLang(l) {
	lang = l === "en" ? "en" : "zh";
	localStorage.setItem(KEY, lang);
	document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
}
setLang(lang);

/* t("overdue", {d: "3h"}) */
export function t(key, vars) {
	let s = MSG[lang][key] ?? MSG.zh[key];
	if (s === undefined) throw new Error(`i18n: no text ${key}`);
	for (const [k, v] of Object.entries(vars ?? {})) s = s.replaceAll(`{${k}}`, String(v));
	return s;
}

/* The name of an enumeration value, the value itself when unknown. */
export function en(kind, value) {
	const row = ENUMS[kind]?.[value];
	return row ? row[lang === "zh" ? 0 : 1] : value ?? "";
}
export const enumValues = (kind) => Object.keys(ENUMS[kind]);

/* A {"zh": ..., "en": ...} object of the API in the current language. */
export const pick = (o) => (o ? o[lang] ?? o.zh ?? o.en ?? "" : "");

const ZONE = "Asia/Shanghai";
const fmtCache = new Map();
function fmt(opts) {
	const k = lang + JSON.stringify(opts);
	if (!fmtCache.has(k)) fmtCache.set(k, new Intl.DateTimeFormat(lang === "zh" ? "zh-CN" : "en-GB", { timeZone: ZONE, hour12: false, ...opts }));
	return fmtCache.get(k);
}

/* "2026-11-11 10:05" (full) or "11-11 10:05" (short), Beijing time. */
export function time(iso, short = false) {
	if (!iso) return "";
	const d = new Date(iso);
	if (Number.isNaN(d.getTime())) return iso;
	const parts = Object.fromEntries(fmt({ year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" })
		.formatToParts(d).map((p) => [p.type, p.value]));
	const hour = parts.hour === "24" ? "00" : parts.hour;
	return short ? `${parts.month}-${parts.day} ${hour}:${parts.minute}` : `${parts.year}-${parts.month}-${parts.day} ${hour}:${parts.minute}:${parts.second}`;
}

/* A duration in ms as "2天3小时" / "2d 3h". */
export function duration(ms) {
	const m = Math.max(0, Math.round(Math.abs(ms) / 60000));
	const d = Math.floor(m / 1440), hr = Math.floor((m % 1440) / 60), mi = m % 60;
	const u = lang === "zh" ? ["天", "小时", "分"] : ["d ", "h ", "m"];
	if (d) return `${d}${u[0]}${hr}${u[1]}`.trim();
	if (hr) return `${hr}${u[1]}${mi}${u[2]}`.trim();
	return `${mi}${u[2]}`.trim();
}

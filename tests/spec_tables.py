"""SPEC §2 transcribed by hand: (sheet, header, key) per sheet, so schema drift fails a test."""

SPEC_SHEETS = {
    "客户": [("客户编号", "customer_id"), ("客户名称", "customer_name"), ("统一社会信用代码", "credit_code"),
             ("行业", "industry"), ("细分领域", "segment"), ("负责销售", "owner"), ("开发阶段", "stage"),
             ("客户层级", "tier"), ("地址", "address"), ("建档日期", "created_on")],
    "价值评估": [("客户编号", "customer_id"), ("份额", "share"), ("经营价值", "business_value"), ("投入", "effort"),
                 ("成交风险", "deal_risk"), ("付款风险", "payment_risk"), ("供货难度", "delivery_difficulty"),
                 ("评估日期", "assessed_on"), ("价值分", "value_score"), ("难度分", "difficulty_score"),
                 ("等级", "grade"), ("建议", "advice"), ("说明", "explanation")],
    "关键人": [("客户编号", "customer_id"), ("姓名", "name"), ("购买角色", "role"), ("职务", "title"),
               ("手机", "mobile"), ("生日", "birthday"), ("历法", "calendar"), ("性格类型", "personality"),
               ("影响力", "influence"), ("支持度", "support"), ("接触度", "contact_level"),
               ("我方对接人", "our_contact"), ("上级", "reports_to")],
    "开发记录": [("记录日期", "recorded_on"), ("客户编号", "customer_id"), ("销售人员", "sales_rep"),
                 ("决策人", "decision_maker"), ("决策人职务", "dm_title"), ("决策人电话", "dm_phone"),
                 ("联系人", "contact"), ("联系人职务", "contact_title"), ("联系人电话", "contact_phone"),
                 ("项目现状", "project_status"), ("启动时间", "project_start"), ("方案制作人", "proposal_author"),
                 ("方案实施人", "implementer"), ("跟进情况", "our_progress"), ("竞争对手", "competitors"),
                 ("下周对策", "next_week_plan"), ("开发结果", "result"), ("累计接触次数", "contact_count"),
                 ("开发总时间(天)", "total_days"), ("原因总结", "reason_summary"), ("备注", "notes")],
    "拜访记录": [("拜访日期", "visit_date"), ("客户编号", "customer_id"), ("拜访人", "visitor"),
                 ("被访人", "visitee"), ("拜访方式", "method"), ("地点", "location"), ("拜访目的", "purpose"), ("谈话要点", "key_points"),
                 ("客户想法", "customer_view"), ("发现问题", "issues_found"), ("下一步", "next_steps"),
                 ("跟进期限", "follow_up_due"), ("跟进完成", "follow_up_done"), ("处理结果", "resolution"),
                 ("负责人意见", "manager_comment")],
    "设置": [("参数", "key"), ("值", "value")],
}

SPEC_REQUIRED = {
    "customers": {"customer_id", "customer_name", "owner"},
    "assessment": {"customer_id"},
    "contacts": {"customer_id", "name"},
    "development": {"recorded_on", "customer_id", "sales_rep"},
    "visits": {"visit_date", "customer_id", "visitor", "method", "key_points"},
}

SPEC_ENUMS = {
    "industry": ["教育", "医疗", "政府", "企业", "其他"],
    "stage": ["确定对象", "信息收集", "价值评估", "关系建立", "促成成交", "已成交", "已终止"],
    "tier": ["战略级", "死党级", "紧密型", "松散型"],
    "role": ["决策者", "技术把关者", "使用者", "教练"],
    "calendar": ["公历", "农历"],
    "personality": ["老虎", "孔雀", "猫头鹰", "无尾熊"],
    "influence": ["高", "中", "低"],
    "support": ["支持", "中立", "反对"],
    "contact_level": ["高", "中", "低"],
    "result": ["进行中", "成功", "失败"],
    "method": ["面访", "电话", "视频", "微信", "短信", "邮件", "信函", "活动"],
}

SPEC_SETTINGS = {
    "权重.份额": ("weight.share", 0.5), "权重.经营价值": ("weight.business_value", 0.5),
    "权重.投入": ("weight.effort", 0.25), "权重.成交风险": ("weight.deal_risk", 0.25),
    "权重.付款风险": ("weight.payment_risk", 0.25), "权重.供货难度": ("weight.delivery_difficulty", 0.25),
    "价值门槛": ("value_threshold", 3.5), "难度门槛": ("difficulty_threshold", 3.0),
    "放弃价值线": ("abandon_value", 1.5), "放弃难度线": ("abandon_difficulty", 4.5),
    "跟进天数": ("follow_up_days", 7), "重叠天数": ("overlap_days", 7),
    "A级拜访间隔": ("a_visit_interval_days", 30), "生日提前天数": ("birthday_window_days", 30),
    "评估有效天数": ("assessment_valid_days", 180), "月度审核": ("monthly_review", True),
    "回访天数": ("callback_days", 7),
}

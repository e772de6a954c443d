"""Every sentence kam shows a user, in Chinese (default) and English, keyed by a stable id."""

from __future__ import annotations

from collections.abc import Iterable

LANGS = ("zh", "en")

#: key -> (Chinese, English). Placeholders use str.format names.
MESSAGES: dict[str, tuple[str, str]] = {
    # files that cannot be read (exit 2)
    "file.missing": ("找不到文件 {file}：请检查路径。", "{file} does not exist: check the path."),
    "file.not_file": ("{file} 不是文件：请给出一个 .xlsx 或 .xlsm 工作簿。", "{file} is not a file: give an .xlsx or .xlsm workbook."),
    "file.empty": ("{file} 是空文件（0 字节）：请重新保存或从备份恢复。", "{file} is empty (0 bytes): save it again or restore it from a backup."),
    "file.not_zip": ("{file} 不是 Excel 工作簿（.xlsx/.xlsm）：请在 Excel 中另存为 .xlsx 后再试。",
                     "{file} is not an Excel workbook (.xlsx/.xlsm): save it as .xlsx in Excel and try again."),
    "file.corrupt": ("{file} 已损坏或不完整（{detail}）：请从备份恢复或在 Excel 中重新保存。",
                     "{file} is damaged or incomplete ({detail}): restore it from a backup or save it again in Excel."),
    "file.no_workbook": ("{file} 里找不到工作簿部件（_rels/.rels 没有指向它，也没有 xl/workbook.xml）：文件不完整或不是电子表格。",
                         "{file} holds no workbook part (neither _rels/.rels nor xl/workbook.xml points at one): the file is incomplete or not a spreadsheet."),
    "file.too_many_parts": ("{file} 包含 {count} 个部件，超过上限 {limit}：文件异常，已拒绝读取。",
                            "{file} has {count} parts, more than the limit of {limit}: refused as abnormal."),
    "file.bomb": ("{file} 的 {part} 解压后异常巨大（{detail}）：疑似压缩炸弹，已拒绝读取。",
                  "{file}: part {part} inflates abnormally ({detail}); refused as a likely zip bomb."),
    "file.doctype": ("{file} 的 {part} 含有 DOCTYPE/实体声明，Excel 不会这样保存：已拒绝读取。",
                     "{file}: part {part} declares a DOCTYPE or entities, which Excel never writes; refused."),
    "file.bad_xml": ("{file} 的 {part} 不是有效的 XML（{detail}）：请在 Excel 中重新保存。",
                     "{file}: part {part} is not valid XML ({detail}); save the file again in Excel."),
    "file.far_cell": ("{file} 的工作表“{sheet}”在 {cell} 有内容，离表格太远（共 {cells} 个单元格范围）：请删除该单元格后再试。",
                      "{file}, sheet '{sheet}': cell {cell} holds something far outside the table ({cells} cells in range); delete it and try again."),
    "file.unreadable": ("无法读取 {file}（{detail}）：请在 Excel 中打开并重新保存后再试。",
                        "Could not read {file} ({detail}): open it in Excel, save it again and retry."),
    "file.exists": ("{file} 已存在：请换一个文件名，或加 --force 覆盖。", "{file} already exists: choose another name or add --force to overwrite."),
    "file.bad_ext": ("{file} 的扩展名应为 .xlsx：kam new 生成不含宏的工作簿。", "{file} should end in .xlsx: kam new makes a workbook without macros."),
    "file.bad_ext_xlsm": ("{file} 的扩展名应为 .xlsm（带宏的工作簿）。", "{file} should end in .xlsm (a macro workbook)."),
    "file.bad_ext_xlam": ("{file} 的扩展名应为 .xlam（Excel 加载项）。", "{file} should end in .xlam (an Excel add-in)."),
    "file.cannot_write": ("无法写入 {file}（{detail}）。", "Could not write {file} ({detail})."),
    "write.locked": ("{file} 正在被 Excel 打开（存在锁文件 {lock}）：请先在 Excel 中保存并关闭，再运行 kam。", "{file} is open in Excel (lock file {lock} exists): save and close it in Excel, then run kam again."),
    "write.changed": ("{file} 在 kam 读取之后被修改过：为免覆盖别人的改动，未写入；请重新运行。", "{file} changed on disk after kam read it: nothing was written so no one's edits are lost; run kam again."),
    "write.no_sheet": ("{file} 中没有工作表“{sheet}”，无法写入。", "{file} has no sheet '{sheet}' to write into."),
    "write.unsupported": ("{file} 的工作表“{sheet}”格式特殊（{detail}），kam 无法安全写入：请在 Excel 中另存一次后再试。", "{file}, sheet '{sheet}' uses an unusual form ({detail}) kam cannot write safely: save it once in Excel and retry."),
    "write.verify": ("写入 {file} 后校验失败（{detail}）：原文件未改动。", "Checking the new {file} failed ({detail}): the original is untouched."),
    "write.done": ("已写入 {file}（{cells} 个单元格）。", "Wrote {file} ({cells} cells)."),
    "write.backup": ("原文件备份在 {backup}。", "The previous version is kept as {backup}."),
    "write.kept_formulas": ("这些单元格含公式，未覆盖：{cells}", "These cells hold formulas and were left alone: {cells}"),
    "arg.bad_date": ("--today 的值“{value}”不是日期：请写成 YYYY-MM-DD。", "--today '{value}' is not a date: write YYYY-MM-DD."),
    # kam new / kam demo
    "new.done": ("已生成空白工作簿 {file}：先看“说明”表，再从“客户”表填起。",
                 "Wrote the blank workbook {file}: read the Instructions sheet, then start with Customers."),
    "demo.written": ("示例工作簿：{file}", "Sample workbook: {file}"),
    "demo.rows": ("读回各表行数：{counts}", "Rows read back: {counts}"),
    "demo.graded": ("评级（已写入“{sheet}”表）：{spread}", "Grades (written into '{sheet}'): {spread}"),
    "demo.validated": ("校验：错误 {errors} 条，警告 {warnings} 条；已在工作簿中标出，清单见“{sheet}”表：", "Validation: {errors} errors, {warnings} warnings, marked in the workbook and listed on sheet '{sheet}':"),
    "demo.planted": ("（故意埋的：{what}）", " (planted: {what})"),
    "demo.briefs": ("已为每个客户生成拜访简报：{count} 份，在 {folder}", "Wrote a briefing per customer: {count} files in {folder}"),
    "demo.birthdays": ("未来 {days} 天内有 {count} 位关键人过生日（kam birthdays 查看）。", "{count} key people have a birthday in the next {days} days (see kam birthdays)."),
    "demo.next": ("用 Excel 打开 {file} 看看（价值评估表已写入等级，问题已标出），也可以接着运行 kam validate / kam brief / kam birthdays。",
                  "Open {file} in Excel (grades are filled in and problems marked), or run kam validate / brief / birthdays on it."),
    # findings (SPEC §4): every message names the value found and what is expected
    "finding.missing-sheet": ("缺少工作表“{sheet}”：请按模板添加这张表（kam new 可生成模板）。", "Sheet '{sheet}' is missing: add it as in the template (kam new makes one)."),
    "finding.missing-column": ("工作表“{sheet}”缺少“{header}”列：请在表头行加上这一列。", "Sheet '{sheet}' has no '{header}' column: add it to the header row."),
    "finding.duplicate-column": ("“{header}”和“{other}”是同一列（{field}）：请删除或改名其中一列。", "'{header}' and '{other}' are the same column ({field}): delete or rename one."),
    "finding.required": ("“{header}”不能为空：请填写。", "'{header}' must not be empty: fill it in."),
    "finding.required.formula": ("“{header}”是一个还没算出结果的公式（文件由程序生成后没在 Excel 中打开过）：请用 Excel 打开并保存一次，或直接填写值。", "'{header}' holds a formula that was never calculated (a program wrote the file and nobody opened it in Excel since): open and save it in Excel once, or type the value."),
    "finding.bad-date": ("“{header}”的值“{value}”不是日期：请写成 2026-11-03、2026/11/3、2026年11月3日或 2026.11.3（年份在前，11/3/2026 这种写法分不清月和日）。", "'{header}' holds '{value}', which is not a date: write 2026-11-03, 2026/11/3, 2026年11月3日 or 2026.11.3 (year first: in 11/3/2026 month and day cannot be told apart)."),
    "finding.bad-number": ("“{header}”的值“{value}”不是数字：应为{expected}。", "'{header}' holds '{value}', which is not a number: expected {expected}."),
    "finding.out-of-range": ("“{header}”的值 {value} 超出范围：应为{expected}。", "'{header}' is {value}, out of range: expected {expected}."),
    "finding.bad-enum": ("“{header}”的值“{value}”不在可选范围内：应为 {expected} 之一。", "'{header}' holds '{value}', which is not allowed: expected one of {expected}."),
    "finding.future-date": ("“{header}”是 {value}，晚于今天（{today}）：这里记录的是已经发生的事，请改正日期。", "'{header}' is {value}, after today ({today}): it records something that happened, so fix the date."),
    "finding.bad-phone": ("“{header}”的号码“{value}”既不是大陆手机号也不是座机号：请核对。", "'{header}' number '{value}' is neither a mainland mobile nor a landline: check it."),
    "finding.bad-credit-code": ("统一社会信用代码“{value}”无效：{reason}。请对照营业执照核对。", "Unified social credit code '{value}' is invalid: {reason}. Check it against the business licence."),
    "credit.length": ("应为 18 位，实际 {length} 位", "it must have 18 characters, not {length}"),
    "credit.chars": ("含有代码中不允许的字符（I、O、Z、S、V 不会出现）", "it holds a character codes never use (I, O, Z, S, V)"),
    "credit.check": ("最后一位校验码应为 {check}", "the last (check) character should be {check}"),
    "finding.bad-setting.not_number": ("设置“{key}”的值“{value}”不是数字：请填写数字。", "Setting '{key}' is '{value}', not a number: enter a number."),
    "finding.bad-setting.negative": ("设置“{key}”的权重 {value} 是负数：权重应不小于 0。", "Setting '{key}' has a negative weight {value}: weights must be 0 or more."),
    "finding.bad-setting.axis_zero": ("{axis}的各项权重之和为 0：至少要有一项权重大于 0。", "The {axis} weights add up to 0: at least one must be above 0."),
    "finding.bad-setting.threshold": ("设置“{key}”的值 {value} 不在 1–5 之间：门槛应在 1 到 5 之间。", "Setting '{key}' is {value}, outside 1-5: thresholds must lie between 1 and 5."),
    "finding.bad-setting.days": ("设置“{key}”的值 {value} 不是不小于 0 的整数天数。", "Setting '{key}' is {value}: it must be a whole number of days, 0 or more."),
    "finding.bad-setting.unknown": ("设置中的参数“{key}”无法识别：请使用模板里的参数名（如 权重.份额）。", "Setting '{key}' is not known: use a name from the template (such as weight.share)."),
    "finding.bad-setting.duplicate": ("设置“{key}”出现了两次（另见第 {other} 行）：请只保留一行。", "Setting '{key}' appears twice (see also row {other}): keep one row."),
    "finding.duplicate-key": ("客户编号“{value}”在本表重复（第 {first} 行已有）：每个客户只能有一行。", "Customer ID '{value}' is repeated in this sheet (already in row {first}): one row per account."),
    "finding.unknown-customer": ("客户编号“{value}”在客户表中不存在：请先在客户表登记，或改正编号。", "Customer ID '{value}' is not in the Customers sheet: add the account there first, or fix the ID."),
    "finding.duplicate-row": ("这条拜访与第 {first} 行完全相同（日期、客户、拜访人、方式、谈话要点）：可能录了两遍。", "This visit is identical to row {first} (date, customer, visitor, method, key points): probably entered twice."),
    "finding.location-required": ("面访必须填写地点。", "An in-person visit needs a location."),
    "finding.follow-up-missing": ("发现了问题“{value}”，但没有填写跟进期限。", "A problem was found ('{value}') but no follow-up due date is set."),
    "finding.follow-up-late": ("跟进期限 {due} 比拜访日期 {visit} 晚 {days} 天，超过了 {limit} 天。", "Follow-up due {due} is {days} days after the visit on {visit}, more than {limit}."),
    "finding.follow-up-before-visit": ("“{header}”是 {value}，早于拜访日期 {visit}。", "'{header}' is {value}, before the visit date {visit}."),
    "finding.follow-up-overdue": ("跟进期限 {due} 已过（今天 {today}），跟进完成仍为空。", "Follow-up was due {due} (today is {today}) and is not marked done."),
    "finding.visit-overlap": ("{visitor} 于 {visit} 拜访该客户，而 {other_visitor} 在 {other_date} 刚拜访过（{limit} 天内）：请先互相沟通，避免重复拜访。", "{visitor} visited on {visit}, only days after {other_visitor} on {other_date} (within {limit} days): talk first to avoid double visits."),
    "finding.result-reason-missing": ("开发结果为“{value}”，但没有填写原因总结。", "The result is '{value}' but no reason summary is given."),
    "finding.contact-count-low": ("累计接触次数为 {value}，少于截至 {date} 拜访记录中的 {visits} 次。", "Contact count is {value}, below the {visits} visits logged up to {date}."),
    "finding.insufficient-info.no_row": ("客户“{name}”还没有价值评估：无法评级。", "Account '{name}' has no assessment row: it cannot be graded."),
    "finding.insufficient-info.empty": ("客户“{name}”的评估缺少 {factors}：无法评级。", "Account '{name}' lacks {factors} in its assessment: it cannot be graded."),
    "finding.role-missing": ("{grade} 级客户“{name}”还没有找到{role}。", "Grade {grade} account '{name}' has no {role} yet."),
    "finding.danger-zone": ("关键人 {name} 影响力高但接触度低：处于危险区，需要尽快加强接触。", "{name} has high influence but low contact: a danger zone, step up contact soon."),
    "finding.opposed-influencer": ("关键人 {name} 影响力高却反对我方：需要制定应对策略。", "{name} has high influence and opposes us: plan how to handle it."),
    "finding.stale-account": ("A 级客户“{name}”已 {days} 天没有拜访（最近一次 {last}），超过 {limit} 天。", "A account '{name}' has not been visited for {days} days (last on {last}), more than {limit}."),
    "finding.stale-account.never": ("A 级客户“{name}”还没有任何拜访记录。", "A account '{name}' has no visit logged at all."),
    # grading explanations
    "grade.expl.insufficient": ("缺少 {factors}，补齐后才能评级", "{factors} missing: fill in to grade"),
    "grade.expl.driver_low": ("{factor}（{value}）拖累最大", "{factor} ({value}) holds it back most"),
    "grade.expl.driver_high": ("{factor}（{value}）支撑最大", "{factor} ({value}) carries it most"),
    "grade.expl.lift": ("{factor} {old}→{new} 即可升为 {grade}", "{factor} {old}→{new} would lift it to {grade}"),
    "grade.expl.no_lift": ("单项调整无法升级：价值分要达到 {vt} 且难度分不超过 {dt}", "no single change lifts it: the value score must reach {vt} and difficulty stay at or below {dt}"),
    "grade.expl.top": ("已是最高等级", "already the top grade"),
    "grade.expl.drop": ("{factor} 若 {old}→{new} 将降为 {grade}", "{factor} {old}→{new} would drop it to {grade}"),
    "grade.expl.abandon": ("价值分 ≤ {av} 或难度分 ≥ {ad}：考虑放弃或降低接触", "value ≤ {av} or difficulty ≥ {ad}: consider dropping or reducing contact"),
    "grade.expl.bad_settings": ("设置有误，未评级：请先修正设置表", "settings are broken, not graded: fix the Settings sheet first"),
    "grade.expl.bad_factor": ("{factors} 填写有误，未评级", "{factors} invalid, not graded"),
    "grade.expl.duplicate": ("与第 {first} 行重复，未评级", "duplicate of row {first}, not graded"),
    "axis.value": ("价值", "value"),
    "axis.difficulty": ("难度", "difficulty"),
    "expected.factor": ("1–5 之间的数字", "a number from 1 to 5"),
    "expected.integer": ("不小于 0 的整数", "a whole number, 0 or more"),
    "expected.number": ("数字", "a number"),
    # report columns and summaries
    "col.cell": ("单元格", "Cell"),
    "col.severity": ("级别", "Severity"),
    "col.code": ("代码", "Code"),
    "col.customer": ("客户编号", "Customer"),
    "col.message": ("说明", "Message"),
    "col.name": ("客户名称", "Name"),
    "col.value": ("价值分", "Value"),
    "col.difficulty": ("难度分", "Difficulty"),
    "col.grade": ("等级", "Grade"),
    "col.advice": ("建议", "Advice"),
    "col.why": ("说明", "Why"),
    "sev.error": ("错误", "error"),
    "sev.warning": ("警告", "warning"),
    "validate.checked": ("已检查 {file}（按 {today}）：{checked} 行。", "Checked {file} (as of {today}): {checked} rows."),
    "validate.summary": ("错误 {errors} 条，警告 {warnings} 条。", "{errors} errors, {warnings} warnings."),
    "mark.done": ("已在 {file} 中标出 {cells} 个单元格、添加 {notes} 条批注，问题清单见“{sheet}”表。", "Marked {cells} cells and added {notes} notes in {file}; the list is on sheet '{sheet}'."),
    "mark.kept_notes": ("这些单元格已有你自己的批注，未覆盖（问题仍列在清单中）：{cells}", "These cells already hold your own notes, left as they are (the findings are still listed): {cells}"),
    "mark.col.severity": ("级别", "Severity"),
    "mark.col.code": ("代码", "Code"),
    "mark.col.sheet": ("工作表", "Sheet"),
    "mark.col.cell": ("单元格", "Cell"),
    "mark.col.row": ("行", "Row"),
    "mark.col.customer": ("客户编号", "Customer ID"),
    "mark.col.message": ("说明", "Message"),
    "report.more": ("……本表还有 {count} 条未显示（加 --all 显示全部，或用 --format json / --mark）。", "... {count} more on this sheet not shown (add --all, or use --format json / --mark)."),
    "col.next_date": ("生日", "Birthday on"),
    "col.days_until": ("还有几天", "Days"),
    "col.person": ("姓名", "Person"),
    "col.role": ("角色", "Role"),
    "col.calendar": ("历法", "Calendar"),
    "col.birthday": ("出生日期", "Born"),
    "birthdays.title": ("{today} 起 {days} 天内的生日", "Birthdays within {days} days from {today}"),
    "finding.bad-setting.flag": ("设置“{key}”的值“{value}”应为“是”或“否”。", "Setting '{key}' holds '{value}': expected yes or no."),
    "birthdays.unreadable": ("生日无法识别：“{value}”", "birthday not readable: '{value}'"),
    "birthdays.unreadable_line": ("{count} 位关键人的生日无法识别（见表末，校验会标出）。", "{count} contacts have a birthday kam cannot read (listed at the end; validate marks them)."),
    "birthdays.written": ("已把 {count} 位关键人的生日写入 {file} 的“{sheet}”表。", "Wrote {count} birthdays to sheet '{sheet}' of {file}."),
    "birthdays.summary": ("共 {count} 位。", "{count} in all."),
    "brief.template_unreadable": ("无法读取模板 {file}（{detail}）：请检查文件。", "Could not read template {file} ({detail}): check the file."),
    "brief.template_syntax": ("模板 {file} 第 {line} 行（“{text}”）写法有误：{detail_zh}。", "Template {file}, line {line} (\"{text}\"): {detail_en}."),
    "brief.template_syntax.paragraph": ("模板 {file} 的段落“{text}”写法有误：{detail_zh}。", "Template {file}, in the paragraph \"{text}\": {detail_en}."),
    "brief.unknown_var.line": ("{name}（第 {line} 行：“{text}”）", "{name} (line {line}: \"{text}\")"),
    "brief.unknown_var.paragraph": ("{name}（段落“{text}”）", "{name} (in the paragraph \"{text}\")"),
    "brief.unknown_vars": ("模板 {file} 用了简报中没有的变量：{names}。可用变量见 docs/templates.md。", "Template {file} uses variables a briefing does not have: {names}. See docs/templates.md for the list."),
    "brief.template_unsafe": ("模板 {file} 用了不允许的写法（{detail}）：模板只能使用简报中的变量。", "Template {file} uses something not allowed ({detail}): templates may only use the briefing's variables."),
    "brief.template_ext": ("模板 {file} 应为 {ext} 文件，才能生成 {fmt} 格式。", "Template {file} must be a {ext} file for --format {fmt}."),
    "brief.no_libreoffice": ("生成 PDF 需要 LibreOffice，但本机没有安装：请安装 LibreOffice（Debian/Ubuntu：apt-get install libreoffice-writer-nogui），或改用 --format docx。", "PDF needs LibreOffice, which is not installed here: install it (Debian/Ubuntu: apt-get install libreoffice-writer-nogui) or use --format docx."),
    "brief.written": ("已生成 {file}", "Wrote {file}"),
    "brief.failed": ("失败 {customer}：{error}", "Failed {customer}: {error}"),
    "brief.skipped": ("跳过 {customer}：客户表中没有这个编号", "Skipped {customer}: no such customer in Customers"),
    "brief.progress": ("正在生成 {total} 份简报", "Writing {total} briefings"),
    "brief.summary": ("简报：生成 {written} 份，跳过 {skipped} 个，失败 {failed} 个（{folder}）。", "Briefings: {written} written, {skipped} skipped, {failed} failed ({folder})."),
    "brief.none": ("没有符合条件的客户。", "No customer matches."),
    "excel.status.grade": ("kam：正在评级……", "kam: grading..."),
    "excel.status.validate": ("kam：正在校验……", "kam: validating..."),
    "excel.status.brief": ("kam：正在生成简报……", "kam: writing briefings..."),
    "excel.status.brief_n": ("kam：正在生成简报 {done}/{total}", "kam: writing briefings {done}/{total}"),
    "excel.status.birthdays": ("kam：正在整理生日……", "kam: listing birthdays..."),
    "excel.graded": ("已评级 {rows} 行：{spread}。", "Graded {rows} rows: {spread}."),
    "excel.validated": ("校验完成：错误 {errors} 条，警告 {warnings} 条；已标出 {cells} 个单元格，清单见“{sheet}”表。", "Checked: {errors} errors, {warnings} warnings; {cells} cells marked, listed on sheet '{sheet}'."),
    "excel.no_sheet": ("工作簿中没有“{sheet}”表。", "The workbook has no '{sheet}' sheet."),
    "excel.assessment": ("价值评估", "Assessment"),
    "excel.needs_excel": ("生成宏工作簿或加载项需要在装有 Excel 的 Windows 电脑上进行（macOS 版 Excel 不允许程序导入 VBA）；本机是 {system}。", "Building the macro workbook or the add-in needs Excel on Windows (Excel for Mac lets no program import VBA); this machine runs {system}."),
    "brief.no_writer": ("已安装 LibreOffice，但缺少把 .docx 转成 PDF 的 Writer 组件：请安装它（Debian/Ubuntu：libreoffice-writer-nogui），或改用 --format docx。", "LibreOffice is installed but without Writer, which turns .docx into PDF: install it (Debian/Ubuntu: libreoffice-writer-nogui), or use --format docx."),
    "file.ole": ("{file} 是旧版 .xls 文件：请在 Excel 中另存为 .xlsx 后再试。", "{file} is an old .xls file: save it as .xlsx in Excel and try again."),
    "file.encrypted": ("{file} 设置了打开密码（已加密）：kam 读不了加密的工作簿。请在 Excel 中取消密码（文件 → 信息 → 保护工作簿 → 用密码进行加密，清空密码）后再试。", "{file} is protected with an open password (encrypted): kam cannot read an encrypted workbook. Remove the password in Excel (File → Info → Protect Workbook → Encrypt with Password, clear it) and try again."),
    "progress.write": ("正在写回 {file}……", "Writing {file}..."),
    "progress.mark": ("正在标注 {file}……", "Marking {file}..."),
    "file.os_error": ("无法处理 {path}：{reason}。", "Cannot use {path}: {reason}."),
    "arg.no_such_option": ("没有选项 {option}：用 --help 查看可用的选项。", "There is no option {option}: see --help for the options."),
    "arg.missing": ("缺少 {name}：用 --help 查看用法。", "{name} is missing: see --help for the usage."),
    "arg.bad": ("{name} 的值不对：{expected}。", "The value of {name} is not valid: {expected}."),
    "arg.other": ("命令行参数有误：{detail}", "The command line is not valid: {detail}"),
    "arg.expected.choice": ("应为 {choices} 之一", "expected one of {choices}"),
    "arg.expected.int_min": ("应为不小于 {min} 的整数", "expected a whole number of at least {min}"),
    "arg.expected.file": ("应为一个文件，不能是文件夹", "expected a file, not a folder"),
    "arg.expected.folder": ("应为一个文件夹，不能是文件", "expected a folder, not a file"),
    "write.read_only": ("{file} 是只读文件：kam 不会替换它。如需写入，请先取消只读属性。", "{file} is read-only: kam will not replace it. Clear the read-only flag to let kam write."),
    "demo.exists": ("{file} 已存在：kam demo 不会覆盖它。换一个文件夹，或加 --force（旧文件保存为 {backup}）。", "{file} already exists: kam demo will not overwrite it. Choose another folder, or add --force (the old file is kept as {backup})."),
    "excel.no_xlwings_addin": ("没有找到 xlwings 加载项 {path}：请先运行 xlwings addin install，或改用 --standalone。", "The xlwings add-in {path} was not found: run xlwings addin install first, or use --standalone."),
    "excel.addin_built": ("已生成 kam 加载项 {file}：在 Excel 的“文件 → 选项 → 加载项”中加载它，单元格函数即可在任何工作簿中使用。", "Wrote the kam add-in {file}: load it in Excel (File → Options → Add-ins) and the cell functions work in every workbook."),
    "excel.built": ("已生成带按钮的工作簿 {file}。", "Wrote the macro workbook {file}."),
    "grade.none": ("未评级", "not graded"),
    "grade.title": ("评级结果（{sheet}）", "Grades ({sheet})"),
    "grade.summary": ("共评估 {rows} 行：{spread}；错误 {errors} 条，警告 {warnings} 条。", "{rows} rows graded: {spread}; {errors} errors, {warnings} warnings."),
    "internal": ("kam 遇到意外错误（{detail}）：请把这条信息和文件发给维护人员；设置 KAM_DEBUG=1 可看到详情。",
                 "kam hit an unexpected error ({detail}): send this line and the file to the maintainers; set KAM_DEBUG=1 for details."),
}


class Phrase:
    """A message key to render later, in whatever language the output uses (e.g. an axis name)."""

    __slots__ = ("key",)

    def __init__(self, key: str) -> None:
        self.key = key

    def text(self, lang: str) -> str:
        return t(self.key, lang)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Phrase) and other.key == self.key

    def __hash__(self) -> int:
        return hash(self.key)

    def __repr__(self) -> str:
        return f"Phrase({self.key!r})"


def join(items: Iterable[str], lang: str) -> str:
    """A list in running text: 、 between Chinese items, a comma in English."""
    return ("、" if lang == "zh" else ", ").join(items)


def t(key: str, lang: str = "zh", /, **params: object) -> str:
    """The message `key` in `lang` with `params` filled in (params may themselves be called `key`)."""
    zh, en = MESSAGES[key]
    return (en if lang == "en" else zh).format(**params)

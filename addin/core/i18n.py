"""Every sentence kam shows a user, in Chinese (default) and English, keyed by a stable id."""

from __future__ import annotations

LANGS = ("zh", "en")

#: key -> (Chinese, English). Placeholders use str.format names.
MESSAGES: dict[str, tuple[str, str]] = {
    # files that cannot be read (exit 2)
    "file.missing": ("找不到文件 {file}：请检查路径。", "{file} does not exist: check the path."),
    "file.not_file": ("{file} 不是文件：请给出一个 .xlsx 或 .xlsm 工作簿。", "{file} is not a file: give an .xlsx or .xlsm workbook."),
    "file.empty": ("{file} 是空文件（0 字节）：请重新保存或从备份恢复。", "{file} is empty (0 bytes): save it again or restore it from a backup."),
    "file.ole": ("{file} 是旧版 .xls 文件或设置了打开密码：请在 Excel 中取消密码并另存为 .xlsx 后再试。",
                 "{file} is an old .xls file or is password-protected: remove the password in Excel and save it as .xlsx."),
    "file.not_zip": ("{file} 不是 Excel 工作簿（.xlsx/.xlsm）：请在 Excel 中另存为 .xlsx 后再试。",
                     "{file} is not an Excel workbook (.xlsx/.xlsm): save it as .xlsx in Excel and try again."),
    "file.corrupt": ("{file} 已损坏或不完整（{detail}）：请从备份恢复或在 Excel 中重新保存。",
                     "{file} is damaged or incomplete ({detail}): restore it from a backup or save it again in Excel."),
    "file.no_workbook": ("{file} 里没有工作簿内容（缺少 xl/workbook.xml）：它不是 Excel 保存的文件。",
                         "{file} holds no workbook (xl/workbook.xml is missing): it was not saved by Excel."),
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
    "file.cannot_write": ("无法写入 {file}（{detail}）。", "Could not write {file} ({detail})."),
    "arg.bad_date": ("--today 的值“{value}”不是日期：请写成 YYYY-MM-DD。", "--today '{value}' is not a date: write YYYY-MM-DD."),
    # kam new / kam demo
    "new.done": ("已生成空白工作簿 {file}：先看“说明”表，再从“客户”表填起。",
                 "Wrote the blank workbook {file}: read the Instructions sheet, then start with Customers."),
    "demo.written": ("示例工作簿：{file}", "Sample workbook: {file}"),
    "demo.rows": ("读回各表行数：{counts}", "Rows read back: {counts}"),
    "demo.mistakes": ("其中故意埋了 {count} 类常见错误：", "It carries {count} kinds of common mistakes on purpose:"),
    "demo.next": ("用 Excel 打开 {file} 看看，或在它上面运行 kam 的其他命令。",
                  "Open {file} in Excel, or run the other kam commands on it."),
    "internal": ("kam 遇到意外错误（{detail}）：请把这条信息和文件发给维护人员；设置 KAM_DEBUG=1 可看到详情。",
                 "kam hit an unexpected error ({detail}): send this line and the file to the maintainers; set KAM_DEBUG=1 for details."),
}


def t(key: str, lang: str = "zh", **params: object) -> str:
    """The message `key` in `lang` with `params` filled in."""
    zh, en = MESSAGES[key]
    return (en if lang == "en" else zh).format(**params)

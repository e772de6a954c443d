"""What `kam excel build` and `kam excel addin` put into Excel files, as data (tested on Linux): the VBA
modules, the 操作 sheet and its buttons with their captions, positions and macros, and what each build takes
from xlwings' own files. The COM calls live in `build.py`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Button:
    """A form button on the 操作 sheet: caption, the VBA Sub it runs, position and size in points."""

    caption: str
    macro: str
    left: float
    top: float
    width: float = 120
    height: float = 36


CONTROL_SHEET = "操作"
MODULES = ("kam.bas",)
BUTTONS: tuple[Button, ...] = (
    Button("评级", "KamGrade", 30, 60),
    Button("校验", "KamValidate", 170, 60),
    Button("生成简报", "KamBrief", 30, 110),
    Button("生日提醒", "KamBirthdays", 170, 110),
    Button("日程", "KamAgenda", 30, 160),
    Button("汇总", "KamConsolidate", 170, 160),
)
HELP_LINES = (
    "kam 操作面板",
    "评级：按价值评估表给每个客户评 A/B/C/D，并写回价值分、难度分、等级、建议和说明。",
    "校验：检查各表，把有问题的单元格标红（错误）或标黄（警告）并加批注，清单见“校验结果”表。",
    "生成简报：先在“客户”表选中要做简报的行，再回到本页点按钮；没选就为全部客户生成 Word 拜访简报，"
    "放在工作簿旁边的文件夹。",
    "生日提醒：把未来 30 天内过生日的关键人（农历已换算）列在“生日提醒”表。",
    "日程：把未来 30 天要做的事（生日、节日问候、跟进、回访、A 级拜访、月度审核）列在“日程”表。",
    "汇总（经理用）：选择放有各位销售工作簿的文件夹，全部载入本工作簿旁边的团队库 kam-team.sqlite，"
    "并把本月的团队报告写进以“团队-”开头的几张表（每次重新生成）。",
)
#: xlwings.conf: the UDF module the add-in imports for this workbook.
XLWINGS_CONF = (("UDF Modules", "addin.excel.udfs"),)
#: The UDF module whose functions the kam add-in carries.
UDF_MODULE = "addin.excel.udfs"

#: xlwings' own files each build starts from or takes modules from (they ship inside the xlwings package, so
#: the VBA always matches the installed xlwings version).
STANDALONE_SOURCE = "quickstart_standalone.xlsm"  # `xlwings quickstart --standalone`
ADDIN_SOURCE = "quickstart_addin_ribbon.xlam"  # `xlwings quickstart --addin --ribbon`: kam's tab replaces its own
#: The add-in's own config sheet: "_" + PROJECT_NAME (a constant of the add-in's xlwings module) + ".conf".
ADDIN_CONF_SHEET = "_myaddin.conf"
#: The modules of xlwings' standalone quickstart that a standalone macro workbook needs (RunPython and the
#: Dictionary class its macOS branch uses); the quickstart's sample Module1 is not taken.
STANDALONE_MODULES = ("xlwings", "Dictionary")
#: The xlwings add-in a non-standalone macro workbook references (`xlwings addin install` puts it into
#: Excel's XLSTART folder); its VBA project is called "xlwings".
XLWINGS_ADDIN = "xlwings.xlam"

#: the defined name a built workbook or add-in keeps the xlwings version it was built with in ("=\"0.37.8\""):
#: its VBA and DLL belong to that version, so a button checks it against the xlwings Python has
STAMP_NAME = "kam_xlwings"

#: The kam tab on Excel's ribbon (kam.xlam): a button per macro, its id the Sub's name, each calling KamRibbon.
RIBBON_ICONS = {"KamGrade": "SortUp", "KamValidate": "ReviewTrackChanges", "KamBrief": "FileSave",
                "KamBirthdays": "CalendarMonthDetailsSplitButton", "KamAgenda": "CalendarToolSelectDate",
                "KamConsolidate": "ConsolidateMenu"}
RIBBON_TIPS = {"KamGrade": "Grade", "KamValidate": "Validate", "KamBrief": "Briefings", "KamBirthdays": "Birthdays",
               "KamAgenda": "Agenda", "KamConsolidate": "Consolidate (managers)"}


def ribbon_xml() -> bytes:
    """customUI.xml of kam.xlam: one tab "kam", one group, the six buttons of BUTTONS."""
    from xml.sax.saxutils import quoteattr

    buttons = "".join(
        f'<button id="{b.macro}" label={quoteattr(b.caption)} screentip={quoteattr(RIBBON_TIPS[b.macro])} '
        f'size="large" imageMso="{RIBBON_ICONS[b.macro]}" onAction="KamRibbon"/>' for b in BUTTONS)
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<customUI xmlns="http://schemas.microsoft.com/office/2006/01/customui"><ribbon><tabs>'
            '<tab id="kamTab" label="kam 大客户"><group id="kamGroup" label="kam">' + buttons +
            "</group></tab></tabs></ribbon></customUI>").encode("utf-8")

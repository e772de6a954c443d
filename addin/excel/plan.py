"""What `kam excel build` puts in the macro workbook, as data (tested on Linux): the VBA modules, the 操作
sheet and its buttons with their captions, positions and macros. The COM calls live in `build.py`."""

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
)
HELP_LINES = (
    "kam 操作面板",
    "评级：按价值评估表给每个客户评 A/B/C/D，并写回价值分、难度分、等级、建议和说明。",
    "校验：检查各表，把有问题的单元格标红（错误）或标黄（警告）并加批注，清单见“校验结果”表。",
    "生成简报：为“客户”表中选中的客户（没选就全部）生成 Word 拜访简报，放在工作簿旁边的文件夹。",
    "生日提醒：把未来 30 天内过生日的关键人（农历已换算）列在“生日提醒”表。",
)
#: xlwings.conf: the UDF module the add-in imports for this workbook.
XLWINGS_CONF = (("UDF Modules", "addin.excel.udfs"),)

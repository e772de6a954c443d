Attribute VB_Name = "kam"
' kam: the manager's buttons. Each Sub is one RunPython call into the installed `addin` package, so it works
' whatever the workbook's file name is. Needs the xlwings add-in (or its standalone VBA module) and the kam
' package installed in the Python that xlwings is set to use.
Option Explicit

Sub KamGrade()
    RunPython "import addin.excel.macros as m; m.grade()"
End Sub

Sub KamValidate()
    RunPython "import addin.excel.macros as m; m.validate()"
End Sub

Sub KamBrief()
    RunPython "import addin.excel.macros as m; m.brief()"
End Sub

Sub KamBirthdays()
    RunPython "import addin.excel.macros as m; m.birthdays()"
End Sub

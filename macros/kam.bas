Attribute VB_Name = "kam"
' kam: the manager's buttons. Each Sub is one RunPython call into the installed `addin` package, so it works
' whatever the workbook's file name is. Needs the xlwings add-in (a reference to it), or xlwings' own VBA
' modules in the workbook (--standalone) or in the kam add-in, and the kam package installed in the Python
' that xlwings is set to use. Kept with CRLF line endings and ASCII only, as Excel's VBA import expects.
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

Sub KamAgenda()
    RunPython "import addin.excel.macros as m; m.agenda()"
End Sub

Sub KamConsolidate()
    RunPython "import addin.excel.macros as m; m.consolidate()"
End Sub

' The kam ribbon tab of kam.xlam: each button's id is the name of the Sub above that it runs.
Sub KamRibbon(control As Object)
    Select Case control.Id
        Case "KamGrade": KamGrade
        Case "KamValidate": KamValidate
        Case "KamBrief": KamBrief
        Case "KamBirthdays": KamBirthdays
        Case "KamAgenda": KamAgenda
        Case "KamConsolidate": KamConsolidate
    End Select
End Sub

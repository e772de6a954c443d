"""Excel front: xlwings UDFs (cells), button macros (live workbook) and the macro-workbook build plan."""

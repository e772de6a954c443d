"""The rep workbook template: `builder` makes it from the schema; the built files are committed here."""

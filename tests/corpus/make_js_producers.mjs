// Writes the corpus files of two JavaScript producers from files/grid-<lang>.json (see build.py):
//   npm install exceljs xlsx && node tests/corpus/make_js_producers.mjs
// exceljs writes shared strings and its own styles; SheetJS (xlsx) writes a minimal package.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(join(process.cwd(), "package.json"));
const ExcelJS = require("exceljs");
const XLSX = require("xlsx");
const files = join(dirname(fileURLToPath(import.meta.url)), "files");

const value = (v) => (v && typeof v === "object" && "d" in v ? new Date(v.d + "T00:00:00Z") : v);

for (const lang of ["zh", "en"]) {
  const grid = JSON.parse(readFileSync(join(files, `grid-${lang}.json`), "utf8"));
  const book = new ExcelJS.Workbook();
  book.creator = "exceljs";
  for (const [name, rows] of Object.entries(grid)) {
    const sheet = book.addWorksheet(name);
    for (const row of rows) sheet.addRow(row.map(value));
    sheet.eachRow((r) => r.eachCell((c) => { if (c.value instanceof Date) c.numFmt = "yyyy-mm-dd"; }));
  }
  await book.xlsx.writeFile(join(files, `exceljs-${lang}.xlsx`));

  const wb = XLSX.utils.book_new();
  for (const [name, rows] of Object.entries(grid)) {
    const ws = XLSX.utils.aoa_to_sheet(rows.map((r) => r.map(value)), { cellDates: true, dateNF: "yyyy-mm-dd" });
    XLSX.utils.book_append_sheet(wb, ws, name);
  }
  XLSX.writeFile(wb, join(files, `sheetjs-${lang}.xlsx`), { cellDates: true });
}

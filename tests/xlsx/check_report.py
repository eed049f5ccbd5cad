#!/usr/bin/python3
"""Print what a reader sees in an svy-report workbook, for the goldens.

Usage: /usr/bin/python3 check_report.py REPORT.xlsx

Uses openpyxl (Debian's python3-openpyxl), an independent reader: sheet
names, then per sheet its merged ranges, frozen panes, print setup,
column A width, charts, and every non-empty cell with its type, number
format (when not General), font marks (b bold, i italic, the colour when
not black) and hyperlink target.
"""
import sys

import openpyxl


def main():
    wb = openpyxl.load_workbook(sys.argv[1])
    print("sheets:", " | ".join(wb.sheetnames))
    print("title:", wb.properties.title)
    print("created:", wb.properties.created)
    for ws in wb.worksheets:
        print("== sheet", ws.title)
        merged = sorted(str(r) for r in ws.merged_cells.ranges)
        if merged:
            print("merged:", " ".join(merged))
        if ws.freeze_panes:
            print("freeze:", ws.freeze_panes)
        ps = ws.page_setup
        if ps.orientation or ws.print_title_rows:
            fit = ws.sheet_properties.pageSetUpPr
            print("print: %s, paper %s, fit %s wide x %s tall (%s), "
                  "repeat rows %s" % (ps.orientation, ps.paperSize,
                                      ps.fitToWidth if ps.fitToWidth is not None else 1,
                                      ps.fitToHeight,
                                      "on" if fit and fit.fitToPage
                                      else "off", ws.print_title_rows))
        print("charts:", len(ws._charts))
        print("width A:", round(ws.column_dimensions["A"].width or 0, 2))
        for row in ws.iter_rows():
            for c in row:
                if c.value is None:
                    continue
                v = c.value
                if isinstance(v, float):
                    v = repr(round(v, 10))
                line = "%s %s %s" % (c.coordinate, c.data_type, v)
                if c.number_format != "General":
                    line += " fmt=" + c.number_format
                marks = ("b" if c.font.b else "") + ("i" if c.font.i else "")
                rgb = c.font.color.rgb if c.font.color is not None else None
                if isinstance(rgb, str) and rgb not in ("FF000000",):
                    marks += " " + rgb
                if marks:
                    line += " font=" + marks.strip()
                if c.hyperlink is not None:
                    line += " link=" + str(c.hyperlink.location or
                                           c.hyperlink.target)
                print(line)


main()

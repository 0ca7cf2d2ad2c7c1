"""Reads the county table (全省各地区首台（套）装备数量统计表) of seed 000 into region rows.

Used once to write accounts/data/regions.csv (committed) and by a test that checks the CSV still
matches the seed. The data migration loads the CSV, so a deployment needs no seed file.
"""

import re

TABLE_TITLE = "全省各地区首台（套）装备数量统计表"
CITY_CODES = {
    "杭州市": "3301", "宁波市": "3302", "温州市": "3303", "嘉兴市": "3304", "湖州市": "3305", "绍兴市": "3306",
    "金华市": "3307", "衢州市": "3308", "舟山市": "3309", "台州市": "3310", "丽水市": "3311",
}


def parse_seed_table(text):
    """Return [(code, name, level, parent_code)] for the province, its cities and counties, in table order."""
    lines = text.split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith(TABLE_TITLE))
    cells, rows = [], []
    for raw in lines[start + 1 :]:
        # A blank line ends a row; a cell holding only a full-width space is an empty cell.
        line = raw.strip(" \t")
        if not line:
            if cells:
                rows.append(cells)
                cells = []
            if rows and len(rows) > 2 and rows[-1][0].isdigit() is False:
                break
            continue
        cells.append(line.strip("\u3000 "))
    result = [("33", "浙江省", "province", "")]
    city, county_no = None, 0
    for row in rows:
        if len(row) < 2 or not row[0].isdigit() or row[1] == "全省":
            continue
        name = re.sub(r"\(.*\)|（.*）", "", row[1]).strip()
        if name in CITY_CODES:
            city, county_no = CITY_CODES[name], 0
            result.append((city, name, "city", "33"))
        elif city:
            county_no += 1
            result.append((f"{city}{county_no:02d}", name, "county", city))
    return result

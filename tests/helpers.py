"""Small factories for test data: moments on the service's clock, valid identifiers, import
rows, and real files."""

from __future__ import annotations

import csv
import io
import re
import threading
import zipfile
from datetime import date, datetime, time, timedelta
from pathlib import Path

from openpyxl import Workbook

from matcher.core import clock
from matcher.people.identifiers import check_character

ROOT = Path(__file__).resolve().parent.parent  # the checkout

SEEKER_HEADERS = [
    "编号",
    "姓名",
    "身份证号",
    "残疾人证号",
    "残疾类别",
    "残疾等级",
    "学历",
    "专业",
    "是否高校毕业生",
    "技能",
    "常住地",
    "意向地区",
    "求职意向",
    "联系电话",
    "同意授权",
]
POSTING_HEADERS = [
    "岗位编号",
    "用人单位",
    "单位性质",
    "岗位名称",
    "岗位职责",
    "任职要求",
    "技能要求",
    "学历要求",
    "工作地点",
    "工作方式",
    "月薪下限",
    "月薪上限",
    "招聘人数",
    "截止日期",
    "便利条件",
]


# The test session's day in Beijing: the real date when the tests were collected (under
# faketime, the shifted one). Tests place their data and their frozen clocks relative to it,
# never at a fixed calendar date, so the suite passes on any day; a session that runs past
# midnight still sees one day.
TODAY = clock.today()


def noon(days: int = 0) -> datetime:
    """12:00 in the service's timezone, ``days`` after the session's day."""
    return datetime.combine(TODAY + timedelta(days=days), time(12), tzinfo=clock.service_zone())


def monday_noon(weeks: int = 0) -> datetime:
    """12:00 on the Monday of the session's week, ``weeks`` later."""
    return noon(7 * weeks - TODAY.weekday())


def id_number(n: int, *, area: str = "520102", birth: date = date(2001, 5, 17)) -> str:
    """A valid national ID number, different for each ``n`` (up to 999)."""
    first17 = f"{area}{birth:%Y%m%d}{n % 1000:03d}"
    return first17 + check_character(first17)


def seeker_row(n: int, **changes: str) -> dict[str, str]:
    number = id_number(n)
    row = {
        "编号": f"T-S{n:04d}",
        "姓名": f"测试{n}",
        "身份证号": number,
        "残疾人证号": number + "43",
        "残疾类别": "肢体",
        "残疾等级": "三级",
        "学历": "本科",
        "专业": "会计学",
        "是否高校毕业生": "是",
        "技能": "Excel、用友",
        "常住地": "贵阳市南明区",
        "意向地区": "贵阳市",
        "求职意向": "会计",
        "联系电话": f"1390000{n:04d}",
        "同意授权": "是",
    }
    row.update(changes)
    return row


def posting_row(n: int, **changes: str) -> dict[str, str]:
    titles = ["在线客服专员", "会计", "数据标注员", "保健按摩师", "仓库管理员", "平面设计师"]
    row = {
        "岗位编号": f"T-P{n:04d}",
        "用人单位": f"测试单位{n % 7}有限公司",
        "单位性质": "民营企业",
        "岗位名称": f"{titles[n % len(titles)]}{n}号",
        "岗位职责": f"第{n}号岗位的日常工作。",
        "任职要求": "工作认真负责。",
        "技能要求": "办公软件",
        "学历要求": "大专",
        "工作地点": "贵阳市南明区",
        "工作方式": "全职",
        "月薪下限": "3000",
        "月薪上限": "4500",
        "招聘人数": "2",
        "截止日期": (TODAY + timedelta(days=60)).isoformat(),
        "便利条件": "无障碍通道",
    }
    row.update(changes)
    return row


def write_csv(
    path: Path,
    rows: list[dict[str, str]],
    *,
    encoding: str = "utf-8-sig",
    headers: list[str] | None = None,
) -> Path:
    headers = headers or list(rows[0])
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row.get(h, "") for h in headers])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[dict[str, str]], *, headers: list[str] | None = None) -> Path:
    headers = headers or list(rows[0])
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h, "") for h in headers])
    workbook.save(path)
    return path


def run_together(*targets) -> list[BaseException]:
    """Run each target in its own thread at once; the exceptions they raised."""
    failures: list[BaseException] = []

    def guarded(target) -> None:
        try:
            target()
        except BaseException as exc:  # reported to the test
            failures.append(exc)

    threads = [threading.Thread(target=guarded, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return failures


def dimension_bomb(path, rows, *, last_row: int = 1_048_576):
    """A small workbook whose sheet claims ``A1:XFD<last_row>`` and has one space in its last
    row: openpyxl would pad every row up to it to 16,384 cells."""
    write_xlsx(path, rows)
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    sheet = members["xl/worksheets/sheet1.xml"].decode("utf-8")
    sheet = re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="A1:XFD{last_row}"', sheet)
    cell = '<is><t xml:space="preserve"> </t></is>'
    last = f'<row r="{last_row}"><c r="XFD{last_row}" t="inlineStr">{cell}</c></row>'
    members["xl/worksheets/sheet1.xml"] = sheet.replace(
        "</sheetData>", last + "</sheetData>"
    ).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path

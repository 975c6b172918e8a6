"""The independent benchmark set: seekers and postings as offices and job boards write them,
from a vocabulary the ranker's data files do not share (``vocabulary.yaml``, README.md).

    python -m bench.independent.generate [--seekers 1500] [--postings 700] [--seed 17] OUT

writes into OUT the two import files ``seekers.csv`` and ``postings.csv`` and ``truth.json``:
each seeker's trained occupation, its half (train or test), each posting's occupation, and
the gains (2 the seeker's own occupation, 1 a neighbour of it). The ranker reads only the
import files, through the same import as any office's file; the truth stays here.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from matcher.people.identifiers import check_character

HERE = Path(__file__).parent
# 贵阳市 and its counties, with their division codes (GB/T 2260): every person and posting
# of the set lives in one city, so that the area constraint does not decide the ranking.
COUNTIES = {
    "520102": "南明区",
    "520103": "云岩区",
    "520111": "花溪区",
    "520112": "乌当区",
    "520113": "白云区",
    "520115": "观山湖区",
    "520121": "开阳县",
    "520122": "息烽县",
    "520123": "修文县",
    "520181": "清镇市",
}
# The disability of a person, the grade's share, and what it rules out of the jobs the
# person would train for: the demands (vocabulary ``demands``) above these levels.
DISABILITIES = {
    "视力": ("1", {"sight": 0, "driving": 0}),
    "听力": ("2", {"hearing": 0}),
    "言语": ("3", {"speech": 0}),
    "肢体": ("4", {"mobility": 1, "lifting": 0}),
    "智力": ("5", {}),
    "精神": ("6", {}),
}
TYPE_WEIGHTS = {"视力": 22, "听力": 26, "言语": 6, "肢体": 38, "智力": 4, "精神": 4}
GRADES = {"一级": 1, "二级": 2, "三级": 3, "四级": 4}
EDUCATION = ["初中", "高中", "中专", "大专", "本科", "硕士"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
GIVEN = "明华建国丽娜静伟芳敏军洋勇艳杰娟涛超霞平刚桂英兰秀玉凤云飞鹏宇轩浩然欣怡雨晨思琪子涵梓萱"
PERKS = ["五险一金", "双休", "包午餐", "节日福利", "带薪年假", "年终奖", "交通补贴", "定期体检"]
BLURBS = [
    "我司成立于2012年，是一家专注本地服务的成长型企业，团队氛围融洽。",
    "公司为市级助残就业示范单位，欢迎残疾人朋友投递。",
    "本单位办公环境整洁，交通便利，地铁直达。",
]
CONTACTS = [
    "联系人：刘女士",
    "联系电话：0851-8xxxxxx",
    "有意者请投递简历至hr@xxx.com",
    "联系人：周先生",
]
EMPLOYERS = [
    f"贵阳{first}{second}{kind}有限公司"
    for first, second in zip("恒金安远新博德明瑞华", "信诚泰航城雅润光丰盛", strict=True)
    for kind in ("科技", "商贸", "实业", "服务")
]
SALARIES = [
    "3000-4500元/月",
    "3-4千/月",
    "4-6千",
    "3500以上",
    "面议",
    "150元/天",
    "4k-6k",
    "18元/小时",
]


@dataclass(frozen=True)
class Occupation:
    key: str
    titles: list[str]
    wishes: list[str]
    majors: list[str]
    skills: list[str]
    duties: list[str]
    requirements: list[str]
    experience: list[str]
    neighbours: list[str]
    demands: dict[str, int]


@cache
def vocabulary() -> tuple[dict[str, Occupation], list[str], dict[str, str]]:
    raw = yaml.safe_load((HERE / "vocabulary.yaml").read_text(encoding="utf-8"))
    fields = Occupation.__dataclass_fields__
    found = {
        row["key"]: Occupation(
            **{name: row.get(name, [] if name != "demands" else {}) for name in fields}
        )
        for row in raw["occupations"]
    }
    return found, list(raw["generic_wishes"]), dict(raw.get("typos") or {})


class Writer:
    def __init__(self, seed: int, today: date) -> None:
        self.rng = random.Random(seed)
        self.today = today
        self.occupations, self.generic, self.typos = vocabulary()
        self.keys = sorted(self.occupations)
        self.used: set[str] = set()

    def typo(self, text: str, share: float = 0.1) -> str:
        """Now and then a misspelling that résumés and boards really show."""
        if self.rng.random() >= share:
            return text
        for right, wrong in self.typos.items():
            if right in text:
                return text.replace(right, wrong, 1)
        return text

    def some(self, items: list[str], low: int, high: int) -> list[str]:
        return self.rng.sample(items, k=min(len(items), self.rng.randint(low, high)))

    def fits(self, occupation: Occupation, limits: dict[str, int]) -> bool:
        return all(occupation.demands.get(dim, 0) <= level for dim, level in limits.items())

    def id_number(self, county: str, birth: date, male: bool) -> str:
        while True:
            sequence = self.rng.randrange(0, 500) * 2 + (1 if male else 0)
            first17 = f"{county}{birth:%Y%m%d}{sequence:03d}"
            number = first17 + check_character(first17)
            if number not in self.used:
                self.used.add(number)
                return number

    def seeker(self, number: int) -> tuple[dict[str, str], str]:
        rng = self.rng
        kind = rng.choices(list(TYPE_WEIGHTS), weights=list(TYPE_WEIGHTS.values()))[0]
        type_digit, limits = DISABILITIES[kind]
        grade_name = rng.choices(list(GRADES), weights=[1, 2, 3, 4])[0]
        grade = GRADES[grade_name]
        if grade >= 3:  # a milder disability rules out less
            limits = {dim: min(2, level + 1) for dim, level in limits.items()}
        choices = [k for k in self.keys if self.fits(self.occupations[k], limits)]
        trained = rng.choice(choices)
        job = self.occupations[trained]
        graduate = rng.random() < 0.5
        education = rng.choice(EDUCATION[3:5] if graduate else EDUCATION[:5])
        male = rng.random() < 0.55
        age = rng.randint(21, 26) if graduate else rng.randint(18, 55)
        birth = date(self.today.year - age, rng.randint(1, 12), rng.randint(1, 28))
        county = rng.choice(list(COUNTIES))
        id_number = self.id_number(county, birth, male)
        major = ""
        if EDUCATION.index(education) >= 3 and job.majors:
            # one in six studied something else than the job they now want
            source = job if rng.random() > 1 / 6 else self.occupations[rng.choice(self.keys)]
            major = rng.choice(source.majors or job.majors)
        wishes = [self.typo(w) for w in self.some(job.wishes, 1, 2)]
        if rng.random() < 0.4:  # a generic wish, alone or beside a specific one
            generic = self.some(self.generic, 1, 2)
            wishes = generic if rng.random() < 0.5 else wishes[:1] + generic
        skills = [self.typo(s) for s in self.some(job.skills, 2, 5)]
        if rng.random() < 0.2:
            skills.append(rng.choice(self.occupations[rng.choice(self.keys)].skills))
        experience = (
            "" if graduate and rng.random() < 0.4 else "；".join(self.some(job.experience, 1, 2))
        )
        row = {
            "编号": f"IND-S{number:05d}",
            "姓名": rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2)))),
            "性别": "男" if male else "女",
            "出生年份": str(birth.year),
            "身份证号": id_number,
            "残疾人证号": f"{id_number}{type_digit}{grade}",
            "残疾类别": kind,
            "残疾等级": grade_name,
            "学历": education,
            "专业": major,
            "是否高校毕业生": "是" if graduate else "否",
            "毕业年份": str(self.today.year - rng.choice((0, 0, 1))) if graduate else "",
            "技能": "、".join(skills),
            "工作经历": experience,
            "常住地": f"贵阳市{COUNTIES[county]}",
            "意向地区": "贵阳市",
            "求职意向": "、".join(dict.fromkeys(wishes)),
            "同意授权": "是",
            "就业状态": "未就业",
        }
        return row, trained

    def posting(self, number: int) -> tuple[dict[str, str], str]:
        rng = self.rng
        key = rng.choice(self.keys)
        job = self.occupations[key]
        duties = self.some(job.duties, 3, 8)
        needs = self.some(job.requirements, 2, 5)
        style = rng.random()
        if style < 0.5:  # numbered sections, as the big boards show them
            text = "岗位职责：" + "".join(f"{i}.{d}；" for i, d in enumerate(duties, 1))
            text += " 任职要求：" + "".join(f"{i}、{r} " for i, r in enumerate(needs, 1))
        elif style < 0.8:  # spaces for punctuation
            text = " ".join(duties + needs)
        else:  # one short line
            text = "，".join(duties[:2] + needs[:1]) + "。"
        if rng.random() < 0.5:
            text += " 福利待遇：" + "、".join(self.some(PERKS, 2, 4))
        if rng.random() < 0.3:
            text = rng.choice(BLURBS) + text
        if rng.random() < 0.6:
            text += " " + rng.choice(CONTACTS)
        county = rng.choice(list(COUNTIES))
        row = {
            "岗位编号": f"IND-P{number:05d}",
            "用人单位": rng.choice(EMPLOYERS),
            "岗位名称": self.typo(rng.choice(job.titles)),
            "岗位描述": self.typo(text, 0.2),
            "学历要求": rng.choice(["不限", "中专及以上", "大专以上", "本科", "高中以上学历"]),
            "薪资": rng.choice(SALARIES),
            "工作地点": f"贵阳市{COUNTIES[county]}",
            "招聘人数": str(rng.choice((1, 1, 2, 2, 3, 5))),
            "截止日期": (self.today + timedelta(days=rng.randint(30, 120))).isoformat(),
        }
        return row, key


def write(folder: Path, *, seekers: int, postings: int, seed: int, today: date) -> dict[str, Any]:
    """Write the two import files and the truth into ``folder``; the truth."""
    writer = Writer(seed, today)
    folder.mkdir(parents=True, exist_ok=True)
    seeker_rows, trained = zip(*(writer.seeker(n) for n in range(1, seekers + 1)), strict=True)
    posting_rows, posted = zip(*(writer.posting(n) for n in range(1, postings + 1)), strict=True)
    for name, rows in (("seekers.csv", seeker_rows), ("postings.csv", posting_rows)):
        with (folder / name).open("w", encoding="utf-8-sig", newline="") as handle:
            out = csv.DictWriter(handle, fieldnames=list(rows[0]))
            out.writeheader()
            out.writerows(rows)
    halves = random.Random(seed + 1)
    truth = {
        "seekers": {
            row["编号"]: {"occupation": key, "half": halves.choice(("train", "test"))}
            for row, key in zip(seeker_rows, trained, strict=True)
        },
        "postings": {row["岗位编号"]: key for row, key in zip(posting_rows, posted, strict=True)},
        "neighbours": {key: o.neighbours for key, o in writer.occupations.items()},
    }
    (folder / "truth.json").write_text(json.dumps(truth, ensure_ascii=False), encoding="utf-8")
    return truth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--seekers", type=int, default=1500)
    parser.add_argument("--postings", type=int, default=700)
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    truth = write(
        args.out, seekers=args.seekers, postings=args.postings, seed=args.seed, today=date.today()
    )
    print(f"{len(truth['seekers'])} seekers, {len(truth['postings'])} postings in {args.out}")


if __name__ == "__main__":
    main()

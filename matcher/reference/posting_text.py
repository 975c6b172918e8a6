"""Reading a posting's text as job boards write it: its title without decorations, and its
body in clauses, each in the section it belongs to.

Boards mix the job with everything around it: numbered duty lists, 任职要求 sections, perks
(五险一金, 下午茶, 咖啡), contact lines (联系人：王老师), company blurbs, spaces for punctuation.
What the job is and what it demands is read from the duties and the requirements; the perks,
the blurb and the contact say nothing about the job, so a coffee among the perks does not
make a barista, nor 王老师 a teacher.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["JOB_SECTIONS", "Clause", "clauses", "clean_title", "job_text"]

JOB_SECTIONS = frozenset({"duties", "requirements", "other"})

# Section headings, as boards write them, and the section each opens.
_HEADINGS = (
    ("duties", "岗位职责|工作职责|工作内容|职位描述|岗位描述|主要职责|职责描述|工作任务|岗位内容|"
     "职位职责|你将负责|Responsibilities|Job description|What you.ll do"),
    ("requirements", "任职要求|任职资格|岗位要求|职位要求|应聘要求|招聘要求|应聘条件|报名条件|"
     "招聘条件|我们希望你|Requirements|Qualifications"),
    ("perks", "福利待遇|薪资福利|薪酬福利|员工福利|福利|待遇|我们提供|薪资待遇|薪资|工作时间|"
     "上班时间|Benefits"),
    ("company", "公司简介|公司介绍|企业简介|单位简介|关于我们|公司概况|About us"),
    ("contact", "联系方式|联系人|联系电话|报名方式|投递方式|简历投递|应聘方式|面试地址|联系地址"),
)  # fmt: skip
# A heading is a heading word followed by a colon, a space, a number or nothing (福利院 is
# no heading; 福利： is).
_HEADING = re.compile(
    "(?:" + "|".join(f"(?P<{kind}>{words})" for kind, words in _HEADINGS) + ")"
    r"(?:\s*[:：]\s*|\s+|(?=\d)|$)",
    re.IGNORECASE,
)
# A heading with its colon in the middle of a line starts a clause (… 福利待遇：五险一金).
_INLINE_HEADING = re.compile(
    "(?<=\\S)\\s*(?:" + "|".join(words for _, words in _HEADINGS) + ")\\s*[:：]", re.IGNORECASE
)
_CLAUSE_END = re.compile(r"[。；;！!？?\n]+|(?<=\S)\s{2,}|\s+(?=\d{1,2}\s*[、.．)）])")
_NUMBER = re.compile(r"^\s*(?:\d{1,2}|[一二三四五六七八九十])\s*[、.．)）]\s*")
# Lines that are not about the job, wherever they stand.
_CONTACT = re.compile(
    r"1[3-9][\dx×*]{9}|\d{3,4}-\d{7,8}|电话|手机|微信|邮箱|@|联系|咨询热线|"
    r"[赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜戚谢邹喻柏水窦章"
    r"云苏潘葛奚范彭郎鲁韦昌马苗凤花方俞任袁柳鲍史唐费廉岑薛雷贺倪汤罗毕郝邬安常乐于时傅皮卞"
    r"齐康伍余元顾孟平黄和穆萧尹姚邵汪祁毛禹狄米贝明臧计伏成戴谈宋庞熊纪舒屈项祝董梁杜阮蓝闵"
    r"席季麻强贾路娄危江童颜郭梅盛林钟徐邱骆高夏蔡田樊胡凌霍虞万柯卢莫房丁邓洪包石崔龚程邢"
    r"裴陆荣翁荀羊惠甄曲家封储靳邴松段富巫乌焦巴牧山谷车侯宓全班仰秋仲伊宫宁仇栾暴甘厉戎祖"
    r"武符刘景詹龙叶幸司黎薄印宿白怀蒲邰从鄂索咸籍赖卓蔺屠蒙池乔阴胥苍双闻莘党翟谭贡劳姬申"
    r"扶堵冉宰郦雍桑桂濮牛寿通边扈燕冀尚农温别庄晏柴瞿阎充慕连茹习宦艾鱼容向古易慎戈廖庾终"
    r"居衡步都耿满弘匡国文寇广禄阙东欧沃利蔚越夔隆师巩聂晁勾敖融冷辛阚那简饶空曾毋沙乜养鞠"
    r"须丰巢关蒯相查后荆红游竺权逯盖益桓公](?:老师|经理|主任|先生|女士|小姐|姐|哥|总|老板)"
)
_PERKS = re.compile(
    r"五险一金|六险一金|五险|社保|公积金|包吃|包住|食宿|宿舍|年假|带薪|节日福利|节假日|"
    r"下午茶|零食|茶歇|咖啡|团建|旅游|体检|补贴|餐补|饭补|班车|年终奖|周末双休|双休|单休|"
    r"月休|做六休一|底薪|提成|薪资面议|包三餐|生日福利|福利待遇|员工福利"
)
_COMPANY = re.compile(r"公司成立于|成立于\d{4}|是一家|我司|本公司|旗下|致力于|总部位于|集团公司")
_DECORATION = re.compile(
    r"[【\[（(][^】\]）)]{0,20}[】\]）)]|急招|急聘|直招|高薪|诚聘|招聘|五险一金|包吃住|双休|"
    r"\d+(?:\.\d+)?\s*[-~至]\s*\d+(?:\.\d+)?\s*[kK千万]?(?:元)?(?:/[月天时年])?(?:·\d+薪)?|"
    r"\d+(?:\.\d+)?\s*[kK千万]?元?/(?:月|天|日|小时|时|年)|薪资面议|面议|[!！]+"
)


@dataclass(frozen=True)
class Clause:
    text: str
    section: str  # duties, requirements, perks, company, contact, or other


def clean_title(title: str) -> str:
    """The job in a board's title: without 【急招】, salaries, perks and exclamation marks
    (a title of nothing but those is kept as it is)."""
    text = unicodedata.normalize("NFKC", title)
    cleaned = _DECORATION.sub(" ", text).strip(" -_/|·,，")
    return re.sub(r"\s+", " ", cleaned) or text.strip()


@lru_cache(maxsize=32768)
def clauses(text: str) -> tuple[Clause, ...]:
    """The body in clauses, each with its section: the heading before it, else what the
    clause itself is (a contact line, a perk, a company blurb), else ``other``."""
    found: list[Clause] = []
    section = "other"
    normal = unicodedata.normalize("NFKC", text)
    normal = _INLINE_HEADING.sub(lambda m: "\n" + m.group(), normal)
    for part in _CLAUSE_END.split(normal):
        rest = part.strip()
        while rest:
            heading = _HEADING.match(rest)
            if heading is None:
                heading = next(
                    (
                        h
                        for h in _HEADING.finditer(rest)
                        if h.start() <= 2 and h.group().endswith(("：", ":"))
                    ),
                    None,
                )
            if heading is not None and heading.group().strip():
                section = heading.lastgroup or section
                rest = rest[heading.end() :].strip(" ：:")
                continue
            body = _NUMBER.sub("", rest).strip()
            if body:
                found.append(Clause(body, _kind(body, section)))
            break
    return tuple(found)


def _kind(clause: str, section: str) -> str:
    if _CONTACT.search(clause):
        return "contact"
    if section in {"perks", "company", "contact"}:
        return section
    if _COMPANY.search(clause):
        return "company"
    if _PERKS.search(clause) and len(clause) < 60:
        return "perks" if section == "other" else section
    return section


def job_text(text: str) -> str:
    """The clauses that say what the job is and demands (duties, requirements and the
    clauses under no heading that are not perks, blurbs or contacts), one per line."""
    return "\n".join(c.text for c in clauses(text) if c.section in JOB_SECTIONS)

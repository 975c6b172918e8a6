"""Campaigns: the service (create, edit, stale saves, validation), the pages (by role), and
uploading a postings file into a campaign: preview, confirm, and the screening flags."""

from __future__ import annotations

import re
import secrets
from datetime import date
from pathlib import Path

import pytest
from markupsafe import escape
from sqlalchemy import func, select
from sqlmodel import Session, col

from matcher.core.db import make_engine, read_session, write_session
from matcher.core.models import AuditLog, Campaign, Posting, PostingCampaign, User
from matcher.fairs import campaigns
from matcher.intake import import_file, uploads
from matcher.intake.columns import REASONS_NOTE
from matcher.intake.reader import read_table
from matcher.people.access import Viewer
from matcher.people.identifiers import Vault
from matcher.people.passwords import hash_password
from matcher.reference.screening import rules
from tests.helpers import posting_row, write_csv, write_xlsx
from tests.webapp import Client, make_app, signed_in

# --- the service -------------------------------------------------------------------------


def add_user(engine, username: str, role: str) -> Viewer:
    with write_session(engine) as session:
        user = User(username=username, role=role, display_name=username, password_hash="x")
        session.add(user)
        session.flush()
        return Viewer.of(user)


def same_job(n: int, like: dict[str, str]) -> dict[str, str]:
    """Row ``n``: the job of ``like`` again under another posting number."""
    return posting_row(n, **{k: like[k] for k in ("用人单位", "岗位名称", "岗位职责")})


def fair(**changes: str) -> campaigns.CampaignInput:
    values = {
        "name": "2026年第二季度贵阳市残疾人专场招聘会",
        "kind": "quarterly_fair",
        "organizer": "贵阳市残疾人联合会",
        "starts_on": "2026-05-18",
        "venue": "贵阳市人力资源市场",
        "venue_accessibility": "无障碍通道\n无障碍卫生间\n手语翻译",
        "area": "贵阳市",
    }
    return campaigns.CampaignInput(**(values | changes))


def audit_rows(engine, action: str) -> list[AuditLog]:
    with Session(engine) as session:
        return list(
            session.execute(
                select(AuditLog).where(
                    col(AuditLog.action) == action, col(AuditLog.object_type) == "campaign"
                )
            ).scalars()
        )


def test_create_and_edit_a_campaign(engine):
    organizer = add_user(engine, "org", "organizer")
    with write_session(engine) as session:
        created = campaigns.create(session, viewer=organizer, data=fair())
        campaign_id = created.id
    with read_session(engine) as session:
        stored = campaigns.get(session, campaign_id=campaign_id)
        assert (stored.kind, stored.area_code, stored.starts_on) == (
            "quarterly_fair",
            "520100",
            date(2026, 5, 18),
        )
        assert stored.created_by == organizer.id and stored.version == 1
    with write_session(engine) as session:
        campaigns.edit(
            session,
            viewer=organizer,
            campaign_id=campaign_id,
            data=fair(venue="贵阳国际会议展览中心", area="520102"),
            version=1,
        )
    with read_session(engine) as session:
        stored = campaigns.get(session, campaign_id=campaign_id)
        assert (stored.venue, stored.area_code, stored.version) == (
            "贵阳国际会议展览中心",
            "520102",
            2,
        )
    [made] = audit_rows(engine, "create")
    [changed] = audit_rows(engine, "change")
    assert made.object_id == str(campaign_id) and made.actor == "org"
    assert changed.detail == {"fields": ["area_code", "venue"]}


def test_a_stale_save_is_refused_and_changes_nothing(engine):
    organizer = add_user(engine, "org", "organizer")
    admin = add_user(engine, "adm", "admin")
    with write_session(engine) as session:
        campaign_id = campaigns.create(session, viewer=organizer, data=fair()).id
    with write_session(engine) as session:  # the admin saves first, from version 1
        campaigns.edit(
            session, viewer=admin, campaign_id=campaign_id, data=fair(venue="A"), version=1
        )
    with pytest.raises(campaigns.Stale), write_session(engine) as session:
        campaigns.edit(
            session, viewer=organizer, campaign_id=campaign_id, data=fair(venue="B"), version=1
        )
    with read_session(engine) as session:
        stored = campaigns.get(session, campaign_id=campaign_id)
        assert (stored.venue, stored.version) == ("A", 2)
    assert len(audit_rows(engine, "change")) == 1


def test_bad_fields_are_named_with_their_reason(engine):
    organizer = add_user(engine, "org", "organizer")
    with write_session(engine) as session:
        campaigns.create(session, viewer=organizer, data=fair())
    with pytest.raises(campaigns.Invalid) as refused, write_session(engine) as session:
        campaigns.create(
            session,
            viewer=organizer,
            data=fair(kind="street_party", starts_on="18/05/2026", area="火星市"),
        )
    problems = {p.field: p.en for p in refused.value.problems}
    assert set(problems) == {"name", "kind", "starts_on", "area"}
    assert problems["name"] == "Another campaign has this name"
    assert "YYYY-MM-DD" in problems["starts_on"] and "Not a known area" in problems["area"]
    with pytest.raises(campaigns.Invalid) as refused, write_session(engine) as session:
        campaigns.create(session, viewer=organizer, data=fair(name=" ", venue="馆" * 201))
    assert {p.field for p in refused.value.problems} == {"name", "venue"}
    with Session(engine) as session:
        assert session.execute(select(func.count()).select_from(Campaign)).scalar_one() == 1


def test_only_organizers_and_admins_change_campaigns(engine):
    worker = add_user(engine, "cw", "case_worker")
    with pytest.raises(campaigns.NotFound), write_session(engine) as session:
        campaigns.create(session, viewer=worker, data=fair())


def test_the_list_filters_by_kind_and_area_newest_first(engine, vault, tmp_path):
    organizer = add_user(engine, "org", "organizer")
    with write_session(engine) as session:
        for name, kind, starts_on, area in (
            ("省级网络招聘会", "online_fair", "2026-03-01", "贵州省"),
            ("贵阳专场", "quarterly_fair", "2026-05-18", "贵阳市"),
            ("南明区专场", "quarterly_fair", "", "520102"),
            ("遵义专场", "quarterly_fair", "2026-06-01", "遵义市"),
        ):
            campaigns.create(
                session,
                viewer=organizer,
                data=fair(name=name, kind=kind, starts_on=starts_on, area=area),
            )
    import_file(
        engine,
        vault,
        kind="postings",
        path=write_csv(tmp_path / "p.csv", [posting_row(1), posting_row(2)]),
        campaign="贵阳专场",
    )
    with read_session(engine) as session:
        every = campaigns.list_campaigns(session)
        assert [r.campaign.name for r in every] == [
            "遵义专场",
            "贵阳专场",
            "省级网络招聘会",
            "南明区专场",
        ]
        assert {r.campaign.name: r.postings for r in every}["贵阳专场"] == 2
        # Nanming lies in Guiyang in Guizhou: the province's, the city's and its own
        nanming = campaigns.list_campaigns(session, area="南明区")
        assert [r.campaign.name for r in nanming] == ["贵阳专场", "省级网络招聘会", "南明区专场"]
        guiyang = campaigns.list_campaigns(session, area="520100", kind="quarterly_fair")
        assert [r.campaign.name for r in guiyang] == ["贵阳专场", "南明区专场"]
        with pytest.raises(campaigns.Invalid):
            campaigns.list_campaigns(session, area="火星市")


def test_a_preview_shows_outcomes_duplicates_and_findings(engine, vault, tmp_path):
    import_file(
        engine, vault, kind="postings", path=write_csv(tmp_path / "a.csv", [posting_row(1)])
    )
    flagged = posting_row(2, 任职要求="身高165cm以上，身体健康。")
    twin = same_job(3, flagged)
    rows = [posting_row(1, 月薪上限="5000"), flagged, twin, posting_row(4)]
    report = import_file(
        engine,
        vault,
        kind="postings",
        path=write_csv(tmp_path / "b.csv", rows),
        dry_run=True,
        file_name="春季岗位.csv",
    )
    assert report.ok and report.file_name == "春季岗位.csv"
    assert "records" not in report.to_dict() and len(report.to_dict()["outcomes"]) == 4
    preview = campaigns.preview(report)
    by_row = {row.row: row for row in preview.rows}
    assert {n: r.outcome for n, r in by_row.items()} == {
        2: "changed",
        3: "new",
        4: "duplicate",
        5: "new",
    }
    assert by_row[4].duplicate is not None and by_row[4].duplicate.same_as == "row 3"
    assert by_row[3].label == flagged["岗位名称"] and by_row[3].key == "T-P0002"
    phrases = {f.flag.phrase: f for f in by_row[3].findings}
    assert {"身高", "身体健康"} <= set(phrases)
    height = phrases["身高"]
    assert height.is_flag and height.where == "requirements"
    assert height.rule_zh == {r.key: r for r in rules()}[height.flag.rule].name_zh
    assert preview.flagged == 1 and [row.row for row in preview.screened] == [3]


# --- held uploads ------------------------------------------------------------------------


def test_an_upload_stranded_by_a_crash_mid_confirm_comes_back(tmp_path):
    """A confirm that died holding the file (kill -9 mid-import) leaves it claimed: the next
    read puts it back, unless its claimant still runs."""
    import json
    import os
    import socket
    import subprocess
    import sys

    folder = tmp_path / "uploads"
    source = write_csv(tmp_path / "p.csv", [posting_row(1)])
    with source.open("rb") as stream:
        held = uploads.store(
            folder, source=stream, file_name="p.csv", kind="postings", campaign_id=7, user_id=3
        )
    claimed = held.path.with_name(f"{held.token}.claimed{held.path.suffix}")
    note = held.path.with_name(f"{held.token}.claimed.json")

    def strand(pid: int) -> None:  # as import_held leaves it while it runs
        os.rename(held.path, claimed)
        note.write_text(json.dumps({"host": socket.gethostname(), "pid": pid, "at": 1e12}))

    strand(os.getpid())  # a live claimant: an import under way
    uploads.find(folder, held.token, campaign_id=7, user_id=3)
    assert claimed.exists() and not held.path.exists()
    os.rename(claimed, held.path)
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    strand(int(gone.stdout))  # a claimant that died
    found = uploads.find(folder, held.token, campaign_id=7, user_id=3)
    assert found.path.read_bytes() == source.read_bytes() and not claimed.exists()
    assert not note.exists()
    uploads.check(found)  # the same file, ready to confirm again


def test_uploads_are_held_by_token_checked_and_swept(tmp_path, frozen_clock):
    folder = tmp_path / "uploads"
    source = write_csv(tmp_path / "p.csv", [posting_row(1)])
    with source.open("rb") as stream:
        held = uploads.store(
            folder,
            source=stream,
            file_name="C:\\下载\\岗位.csv",
            kind="postings",
            campaign_id=7,
            user_id=3,
        )
    assert held.file_name == "岗位.csv" and held.path.read_bytes() == source.read_bytes()
    assert uploads.find(folder, held.token, campaign_id=7, user_id=3) == held
    for token, campaign_id, user_id in (
        (held.token, 8, 3),  # another campaign
        (held.token, 7, 4),  # another person
        ("../" + held.token, 7, 3),
        (secrets.token_hex(16), 7, 3),
    ):
        with pytest.raises(uploads.UploadGone):
            uploads.find(folder, token, campaign_id=campaign_id, user_id=user_id)
    held.path.write_bytes(held.path.read_bytes() + b"x")
    with pytest.raises(uploads.UploadChanged):
        uploads.check(held)
    assert list(folder.iterdir()) == []  # a changed file is not kept
    with pytest.raises(ValueError), source.open("rb") as stream:
        uploads.store(
            folder, source=stream, file_name="岗位.xls", kind="postings", campaign_id=7, user_id=3
        )
    with source.open("rb") as stream:
        old = uploads.store(
            folder, source=stream, file_name="a.csv", kind="postings", campaign_id=7, user_id=3
        )
    stray = folder / f"{secrets.token_hex(16)}.csv"  # a file whose record is gone
    stray.write_bytes(b"x")
    frozen_clock.advance(seconds=uploads.MAX_AGE_SECONDS - 60)
    assert uploads.sweep(folder) == 1 and not stray.exists()  # the old upload is kept
    frozen_clock.advance(seconds=120)  # a day after it was stored, on the service's clock
    with source.open("rb") as stream:
        new = uploads.store(
            folder, source=stream, file_name="b.csv", kind="postings", campaign_id=7, user_id=3
        )
    assert sorted(p.name for p in folder.iterdir()) == sorted([new.path.name, f"{new.token}.json"])
    with pytest.raises(uploads.UploadGone):
        uploads.find(folder, old.token, campaign_id=7, user_id=3)


# --- the pages ---------------------------------------------------------------------------


@pytest.fixture
def app(monkeypatch, demo_database_url):
    app = make_app(monkeypatch, demo_database_url)
    yield app
    app.extensions["jobbridge.engine"].dispose()


def count(app, model) -> int:
    with Session(app.extensions["jobbridge.engine"]) as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def new_campaign(client: Client, name: str, **fields: str) -> int:
    client.get("/campaigns/new")
    form = {"name": name, "kind": "quarterly_fair", "area": "520100"} | fields
    response = client.post("/campaigns/new", form)
    assert response.status_code == 303, response.get_data(as_text=True)
    found = re.fullmatch(r"/campaigns/(\d+)", response.headers["Location"])
    assert found is not None
    return int(found.group(1))


def upload(client: Client, campaign_id: int, path: Path, kind: str = "postings"):
    client.get(f"/campaigns/{campaign_id}/upload")
    with path.open("rb") as stream:
        response = client.post(
            f"/campaigns/{campaign_id}/upload",
            {"kind": kind, "file": (stream, path.name)},
            content_type="multipart/form-data",
        )
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.headers["Location"]


def esc(text: str) -> str:
    """``text`` as a page shows it, escaped."""
    return str(escape(text))


def english(client: Client) -> Client:
    client.http.set_cookie("jb_lang", "en")
    return client


def test_an_organizer_creates_and_edits_a_campaign(app):
    organizer = english(signed_in(app, "organizer"))
    form = organizer.get("/campaigns/new").get_data(as_text=True)
    assert 'for="venue_accessibility"' in form and "sign-language interpreting" in form
    bad = organizer.post("/campaigns/new", {"name": "", "kind": "party", "starts_on": "soon"})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 400 and 'href="#kind"' in page and 'href="#starts_on"' in page
    assert 'aria-invalid="true"' in page and "Give the campaign a name" in page
    campaign_id = new_campaign(
        organizer,
        "编辑测试专场",
        venue_accessibility="无障碍通道\n手语翻译",
        starts_on="2026-05-18",
    )
    shown = organizer.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert "<p>手语翻译</p>" in shown and f"/campaigns/{campaign_id}/edit" in shown
    edit = organizer.get(f"/campaigns/{campaign_id}/edit").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', edit)
    assert version is not None and version.group(1) == "1"
    fields = {"name": "编辑测试专场", "kind": "quarterly_fair", "area": "520100"}
    saved = organizer.post(
        f"/campaigns/{campaign_id}/edit", fields | {"venue": "南明区会场", "version": "1"}
    )
    assert saved.status_code == 303
    stale = organizer.post(
        f"/campaigns/{campaign_id}/edit", fields | {"venue": "别处", "version": "1"}
    )
    assert stale.status_code == 409
    assert "Someone else saved this campaign" in stale.get_data(as_text=True)
    with Session(app.extensions["jobbridge.engine"]) as session:
        stored = session.get(Campaign, campaign_id)
        assert stored is not None and (stored.venue, stored.version) == ("南明区会场", 2)
    listed = organizer.get("/campaigns/?kind=quarterly_fair&area=南明区").get_data(as_text=True)
    assert "编辑测试专场" in listed
    assert organizer.get("/campaigns/?area=nowhere").status_code == 400


def test_who_may_read_and_who_may_change_campaigns(app):
    with Session(app.extensions["jobbridge.engine"]) as session:
        campaign_id = session.execute(select(func.min(Campaign.id))).scalar_one()
    for role in ("supervisor", "caseworker"):
        reader = signed_in(app, role)
        assert reader.get("/campaigns/").status_code == 200
        page = reader.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
        assert "/edit" not in page and "/upload" not in page
        for url in (
            "/campaigns/new",
            f"/campaigns/{campaign_id}/edit",
            f"/campaigns/{campaign_id}/upload",
            f"/campaigns/{campaign_id}/upload/{secrets.token_hex(16)}",
            f"/campaigns/{campaign_id}/upload/{secrets.token_hex(16)}/rejected",
        ):
            assert reader.get(url).status_code == 403, url
        assert reader.post("/campaigns/new", {"name": "x", "kind": "other"}).status_code == 403
    graduate = signed_in(app, "graduate")
    assert graduate.get("/campaigns/").status_code == 403
    assert graduate.get("/campaigns/templates/postings.xlsx").status_code == 403
    organizer = signed_in(app, "organizer")
    assert organizer.get("/campaigns/999999").status_code == 404
    assert organizer.get("/campaigns/999999/upload").status_code == 404
    for name, start in (("postings.xlsx", b"PK"), ("employers.csv", "单位名称".encode())):
        template = organizer.http.get(f"/campaigns/templates/{name}")
        body = template.get_data()
        template.close()  # a file is streamed from an open file
        assert template.status_code == 200 and body.lstrip(b"\xef\xbb\xbf").startswith(start)
        assert f"attachment; filename={name}" in template.headers["Content-Disposition"]
    assert organizer.get("/campaigns/templates/secrets.csv").status_code == 404
    assert "/campaigns/" in organizer.get("/postings/").get_data(as_text=True)  # the nav link


def test_upload_preview_confirm_and_the_flags(app, tmp_path):
    engine = app.extensions["jobbridge.engine"]
    vault_app = app.config["JOBBRIDGE_SETTINGS"]
    organizer = english(signed_in(app, "organizer"))
    campaign_id = new_campaign(organizer, "上传测试专场")
    # T-P0801 is stored before, so that the file changes it
    import_file(
        engine,
        Vault(vault_app.data_key),
        kind="postings",
        path=write_csv(tmp_path / "before.csv", [posting_row(801)]),
    )
    flagged = posting_row(802, 任职要求="身高165cm以上，五官端正。")
    twin = posting_row(
        803,
        用人单位=flagged["用人单位"],
        岗位名称=flagged["岗位名称"],
        岗位职责=flagged["岗位职责"],
    )
    fixed = [posting_row(801, 月薪上限="5200"), flagged, twin]
    broken = [posting_row(801, 截止日期="2026-13-45"), flagged, posting_row(803, 招聘人数="许多")]
    postings, links = count(app, Posting), count(app, PostingCampaign)

    # a file with errors: every problem named, nothing written, no way to confirm
    preview_url = upload(organizer, campaign_id, write_xlsx(tmp_path / "岗位.xlsx", broken))
    page = organizer.get(preview_url)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "The file cannot be imported yet" in text
    problems = re.findall(r"<tr>\s*<th scope=\"row\">(\d+)</th>\s*<td>([^<]+)</td>", text)
    assert ("2", "截止日期") in problems and ("4", "招聘人数") in problems
    assert "2026-13-45" in text and "许多" in text
    # no import of the whole file, only the explicit choice of its valid rows
    assert "Import, keeping the flags visible" not in text
    assert text.count('method="post" action="/campaigns') == 1
    assert 'name="rows" value="valid"' in text and "Import the 1 valid rows, leave out 2" in text
    refused = organizer.post(preview_url)  # confirming without that choice writes nothing
    assert refused.status_code == 409
    assert (count(app, Posting), count(app, PostingCampaign)) == (postings, links)

    # the corrected file: new, changed and duplicate rows, the flags, and a confirm button
    preview_url = upload(organizer, campaign_id, write_xlsx(tmp_path / "岗位.xlsx", fixed))
    text = organizer.get(preview_url).get_data(as_text=True)
    assert "Preview of 岗位.xlsx" in text
    assert re.search(r"T-P0801</span></th>\s*<td>Changed", text)
    assert re.search(r"T-P0802</span></th>\s*<td>New", text)
    assert "Duplicate, not imported" in text and "Same as row 3" in text
    height = next(r for r in rules() if r.key == "height")
    assert "“身高”" in text and height.name_en in text
    assert esc(height.explanation_en) in text
    assert esc(height.citations[0].clause_en) in text
    assert "Import, keeping the flags visible" in text
    assert (count(app, Posting), count(app, PostingCampaign)) == (postings, links)

    # confirming writes it all and links the postings to the campaign
    done = organizer.post(preview_url)
    assert done.status_code == 303 and done.headers["Location"] == f"/campaigns/{campaign_id}"
    assert count(app, Posting) == postings + 1
    campaign_page = organizer.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert "Imported 岗位.xlsx: 1 new, 1 changed, 0 unchanged, 1 duplicates" in campaign_page
    with Session(engine) as session:
        ids = dict(
            session.execute(
                select(col(Posting.external_id), col(Posting.id))
                .join(PostingCampaign, col(PostingCampaign.posting_id) == col(Posting.id))
                .where(col(PostingCampaign.campaign_id) == campaign_id)
            ).all()
        )
        imported = (
            session.execute(
                select(AuditLog)
                .where(col(AuditLog.action) == "import")
                .order_by(col(AuditLog.id).desc())
            )
            .scalars()
            .first()
        )
    assert set(ids) == {"T-P0801", "T-P0802"}
    assert imported is not None and imported.detail["file"] == "岗位.xlsx"
    assert imported.actor == "organizer" and imported.detail["campaign"] == "上传测试专场"
    for posting_id in ids.values():
        assert f'href="/postings/{posting_id}"' in campaign_page
    assert "Flags: 3" in campaign_page

    # confirming again changes nothing
    again = organizer.post(preview_url)
    assert again.status_code == 303
    assert "already imported" in organizer.get(again.headers["Location"]).get_data(as_text=True)
    assert count(app, Posting) == postings + 1

    # the flags stay on the posting's page
    posting_page = organizer.get(f"/postings/{ids['T-P0802']}").get_data(as_text=True)
    assert "Requirements to take up with the employer" in posting_page
    assert "Flag:" in posting_page and "“身高”" in posting_page
    assert esc(height.citations[0].document_en) in posting_page
    zh = signed_in(app, "caseworker").get(f"/postings/{ids['T-P0802']}").get_data(as_text=True)
    assert esc(height.explanation_zh) in zh and height.name_zh in zh


def test_the_valid_rows_alone_import_when_chosen_and_the_rejected_come_back(app, tmp_path):
    organizer = english(signed_in(app, "organizer"))
    campaign_id = new_campaign(organizer, "部分导入专场")
    rows = [
        posting_row(811),
        posting_row(812, 招聘人数="许多"),
        posting_row(813, 任职要求="限男性，身体健康。"),  # held for review, still imported
        posting_row(814, 截止日期="2026-13-45"),
    ]
    postings = count(app, Posting)
    preview_url = upload(organizer, campaign_id, write_xlsx(tmp_path / "部分.xlsx", rows))
    text = organizer.get(preview_url).get_data(as_text=True)
    assert "Import the 2 valid rows, leave out 2" in text
    assert re.search(r"Rows with errors</dt><dd>2<", text)
    assert re.search(r"Held for review \(imported[^<]*</dt><dd>1<", text)

    # the rejected rows, as uploaded, each with its reasons first
    download = organizer.get(f"{preview_url}/rejected?format=xlsx")
    assert download.status_code == 200
    assert "%E9%83%A8%E5%88%86-rejected.xlsx" in download.headers["Content-Disposition"]
    back = tmp_path / "back.xlsx"
    back.write_bytes(download.data)
    table = read_table(back)
    assert table.headers[0] == REASONS_NOTE
    by_id = {cells[1]: cells for _, cells in table.rows}
    assert set(by_id) == {"T-P0812", "T-P0814"}
    assert "招聘人数" in by_id["T-P0812"][0] and "许多" in by_id["T-P0812"]
    assert "截止日期" in by_id["T-P0814"][0]
    as_csv = organizer.get(f"{preview_url}/rejected?format=csv")
    assert as_csv.status_code == 200 and "T-P0812" in as_csv.get_data(as_text=True)

    done = organizer.post(preview_url, {"rows": "valid"})
    assert done.status_code == 303
    assert count(app, Posting) == postings + 2
    page = organizer.get(done.headers["Location"]).get_data(as_text=True)
    assert "Imported 部分.xlsx: 2 new" in page
    assert "Postings held for review: 1." in page
    assert "Rows left out because of their errors: 2" in page

    # the fixed rejected rows import as they come back, the reasons column ignored
    mended = []
    for _, cells in table.rows:
        row = dict(zip(table.headers, cells, strict=True))
        row["招聘人数"] = "3"
        row["截止日期"] = posting_row(814)["截止日期"]
        mended.append(row)
    again = upload(organizer, campaign_id, write_xlsx(tmp_path / "fixed.xlsx", mended))
    assert organizer.post(again).status_code == 303
    assert count(app, Posting) == postings + 4


def test_uploads_have_a_folder_of_their_own_a_quota_and_refused_files_go(
    monkeypatch, demo_database_url, tmp_path
):
    folder = tmp_path / "waiting"
    monkeypatch.setenv("JOBBRIDGE_UPLOADS_DIR", str(folder))
    monkeypatch.setenv("JOBBRIDGE_UPLOAD_QUOTA_MB", "1")
    app = make_app(monkeypatch, demo_database_url)
    organizer = english(signed_in(app, "organizer"))
    campaign_id = new_campaign(organizer, "配额测试专场")
    # files under 500 KB each, which the test client sends from memory
    big = write_csv(
        tmp_path / "big.csv", [posting_row(n, 岗位职责="很长的职责" * 50) for n in range(420)]
    )
    assert 2**20 / 3 < big.stat().st_size < 500_000
    upload(organizer, campaign_id, big)
    upload(organizer, campaign_id, big)
    assert len(list(folder.glob("*.csv"))) == 2  # kept in the configured folder
    organizer.get(f"/campaigns/{campaign_id}/upload")
    with big.open("rb") as stream:
        refused = organizer.post(
            f"/campaigns/{campaign_id}/upload",
            {"kind": "postings", "file": (stream, big.name)},
            content_type="multipart/form-data",
        )
    assert refused.status_code == 400 and "more than 1 MB" in refused.get_data(as_text=True)
    assert len(list(folder.glob("*.csv"))) == 2  # the third one was not kept
    # a file the reader refuses outright is removed once its preview has said why
    for path in folder.iterdir():
        path.unlink()
    damaged = tmp_path / "damaged.xlsx"
    damaged.write_bytes(b"PK\x03\x04 not really a workbook")
    preview_url = upload(organizer, campaign_id, damaged)
    page = organizer.get(preview_url)
    assert "The file cannot be imported yet" in page.get_data(as_text=True)
    assert list(folder.iterdir()) == []
    app.extensions["jobbridge.engine"].dispose()


def test_a_missing_tampered_or_changed_upload_is_refused(app, tmp_path):
    organizer = english(signed_in(app, "organizer"))
    campaign_id = new_campaign(organizer, "篡改测试专场")
    before = count(app, Posting)
    for token in (secrets.token_hex(16), "not-a-token"):
        refused = organizer.post(f"/campaigns/{campaign_id}/upload/{token}")
        assert refused.status_code == 303
        assert refused.headers["Location"] == f"/campaigns/{campaign_id}/upload"
        assert "not there any more" in organizer.get(refused.headers["Location"]).get_data(
            as_text=True
        )
    preview_url = upload(organizer, campaign_id, write_csv(tmp_path / "p.csv", [posting_row(901)]))
    # another campaign's or another organizer's confirmation finds nothing
    other = new_campaign(organizer, "另一个专场")
    token = preview_url.rsplit("/", 1)[1]
    assert organizer.post(f"/campaigns/{other}/upload/{token}").status_code == 303
    admin = signed_in(app, "admin")
    assert admin.post(preview_url).status_code == 303
    assert count(app, Posting) == before
    # the stored file changed after its upload
    stored = Path(app.instance_path) / "uploads" / f"{token}.csv"
    stored.write_bytes(write_csv(tmp_path / "q.csv", [posting_row(902)]).read_bytes())
    changed = organizer.post(preview_url)
    assert changed.status_code == 303
    assert "changed after it was uploaded" in organizer.get(changed.headers["Location"]).get_data(
        as_text=True
    )
    assert count(app, Posting) == before and not stored.exists()


def test_an_upload_must_be_a_spreadsheet(app, tmp_path):
    organizer = english(signed_in(app, "organizer"))
    campaign_id = new_campaign(organizer, "文件类型测试专场")
    organizer.get(f"/campaigns/{campaign_id}/upload")
    bad = tmp_path / "岗位.xls"
    bad.write_bytes(b"\xd0\xcf\x11\xe0")
    with bad.open("rb") as stream:
        refused = organizer.post(
            f"/campaigns/{campaign_id}/upload",
            {"kind": "postings", "file": (stream, bad.name)},
            content_type="multipart/form-data",
        )
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Choose a .xlsx or .csv file" in text
    assert not (Path(app.instance_path) / "uploads").exists() or not any(
        (Path(app.instance_path) / "uploads").iterdir()
    )


def test_an_employers_file_previews_and_imports(app, tmp_path):
    organizer = english(signed_in(app, "organizer"))
    campaign_id = new_campaign(organizer, "单位名录测试")
    rows = [
        {"单位名称": "贵阳测试科技有限公司", "单位性质": "民营企业", "所在地区": "贵阳市南明区"},
        {"单位名称": "贵阳测试科技有限公司", "单位性质": "民营企业", "所在地区": "贵阳市南明区"},
    ]
    preview_url = upload(
        organizer, campaign_id, write_csv(tmp_path / "单位.csv", rows), kind="employers"
    )
    text = organizer.get(preview_url).get_data(as_text=True)
    assert "the same employer twice in the file" in text and "New" in text
    assert "Requirements to take up with the employer" not in text
    done = organizer.post(preview_url)
    assert done.status_code == 303
    assert "1 new" in organizer.get(done.headers["Location"]).get_data(as_text=True)


def test_campaign_pages_use_the_database(database_url, monkeypatch):
    """An empty database (no demo): the list says so, and the create form works."""
    app = make_app(monkeypatch, database_url)
    engine = make_engine(database_url)
    with write_session(engine) as session:
        session.add(
            User(
                username="organizer",
                role="organizer",
                display_name="o",
                password_hash=hash_password("jobbridge-demo"),
            )
        )
    engine.dispose()
    organizer = english(signed_in(app, "organizer"))
    assert "No campaigns found." in organizer.get("/campaigns/").get_data(as_text=True)
    campaign_id = new_campaign(organizer, "空库测试")
    assert "No postings yet." in organizer.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    app.extensions["jobbridge.engine"].dispose()

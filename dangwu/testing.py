"""Test helpers shared by every app's tests: a small province, members with valid ID numbers, users with roles.

Fixtures write directly (they set up the world a test starts from); tests of behaviour go
through services and pages.
"""

from __future__ import annotations

import functools
import itertools
from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.db.models import Count
from django.db.models.functions import ExtractYear
from stdnum.cn import ric

from dangwu.core import registries
from dangwu.core.models import RoleAssignment
from dangwu.members import rollups, rules
from dangwu.members.models import Member, SubtreeStat
from dangwu.orgs.models import Organization

PASSWORD = "test-pass-2026!"
_serial = itertools.count(1)


def make_id_number(birth: date, *, male: bool = True, region: str = "430102", serial: int | None = None) -> str:
    """A valid 18-digit ID number for the birth date and gender."""
    n = (serial if serial is not None else next(_serial)) % 500
    seq = 2 * n + (1 if male else 0)
    seq = seq % 1000
    if (seq % 2 == 1) != male:
        seq = (seq + 1) % 1000
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


def make_member(org: Organization, *, name: str = "张三", birth: date = date(1985, 6, 15), male: bool = True,
                member_type: str = "full", user=None, **fields) -> Member:
    number = make_id_number(birth, male=male)
    member = Member(
        organization=org, name=name, gender="male" if male else "female", birth_date=birth,
        member_type=member_type, joined_on=fields.pop("joined_on", date(2010, 7, 1)),
        converted_on=fields.pop("converted_on", date(2011, 7, 1) if member_type == "full" else None),
        user=user, **fields,
    )
    member.name_pinyin, member.name_initials = rules.pinyin_keys(name)
    member.set_id_number(number)
    member.set_phone(fields.get("phone", "13800138000"))
    with transaction.atomic():
        member.save()
        rollups.apply_member_changes(before=[None], after=[member])  # the structure statistics stay exact
    return member


@dataclass
class World:
    province: Organization
    city_a: Organization
    county_a: Organization
    branch_a: Organization
    branch_a2: Organization
    city_b: Organization
    branch_b: Organization


def make_world() -> World:
    add = Organization.objects.add_child
    province = Organization.objects.add_root({"code": "43", "name": "中共湖南省委", "org_type": "committee"})
    city_a = add(province, {"code": "4301", "name": "中共长沙市委", "org_type": "committee"})
    county_a = add(city_a, {"code": "430102", "name": "中共芙蓉区委", "org_type": "committee"})
    branch_a = add(county_a, {"code": "430102001", "name": "芙蓉区第一党支部", "org_type": "branch"})
    branch_a2 = add(county_a, {"code": "430102002", "name": "芙蓉区第二党支部", "org_type": "branch"})
    city_b = add(province, {"code": "4302", "name": "中共株洲市委", "org_type": "committee"})
    branch_b = add(city_b, {"code": "430202001", "name": "荷塘区第一党支部", "org_type": "branch"})
    orgs = [Organization.objects.get(pk=o.pk) for o in (province, city_a, county_a, branch_a, branch_a2, city_b, branch_b)]
    with transaction.atomic():
        # as the organization services do: every roll-up kept over the tree (structure, what branches owe) stays exact
        registries.organizations_changed(before=[None] * len(orgs), after=orgs)
    return World(*orgs)


def make_user(username: str, *roles: tuple[str, Organization]):
    user = get_user_model().objects.create_user(username=username, password=PASSWORD)
    for role, org in roles:
        RoleAssignment.objects.create(user=user, role=role, organization=org)
    return user


def make_people(w: World) -> dict:
    """Callers at every distance from branch A: its secretary and a plain member, the
    secretary of the sibling branch, the organization departments of city A, city B and
    the province, discipline inspection, and the three administrators; with the members
    of branch A (the secretary's and the plain member's records), of branch A2 and of branch B."""
    secretary = make_user("sec_a", ("branch_secretary", w.branch_a))
    plain = make_user("member_a")
    sibling = make_user("sec_a2", ("branch_secretary", w.branch_a2))
    city_a = make_user("org_city_a", ("org_department", w.city_a))
    city_b = make_user("org_city_b", ("org_department", w.city_b))
    province = make_user("org_prov", ("org_department", w.province))
    discipline = make_user("disc_prov", ("discipline", w.province))
    sysadmin = make_user("sys_prov", ("system_admin", w.province))
    auditor = make_user("audit_prov", ("audit_admin", w.province))
    security = make_user("sec_admin_prov", ("security_admin", w.province))
    m_sec = make_member(w.branch_a, name="李书记", user=secretary)
    m_plain = make_member(w.branch_a, name="张三", user=plain)
    m_other = make_member(w.branch_a2, name="王五", male=False, birth=date(1990, 3, 3))
    m_b = make_member(w.branch_b, name="赵六")
    return {
        "secretary": secretary, "plain": plain, "sibling": sibling, "city_a": city_a, "city_b": city_b,
        "province": province, "discipline": discipline, "sysadmin": sysadmin, "auditor": auditor,
        "security": security, "m_sec": m_sec, "m_plain": m_plain, "m_other": m_other, "m_b": m_b,
    }


# --- structure statistics: the roll-ups against a direct count ---------------------------

_PLAIN_DIMENSIONS = {"member_type": "member_type", "gender": "gender", "ethnicity": "ethnicity",
                     "education": "education", "occupation": "occupation"}
_FLAG_FIELDS = {"outflow": "is_outflow", "inflow": "is_inflow", "lost_contact": "lost_contact",
                "hardship": "in_hardship"}


def direct_structure_counts(org: Organization) -> dict[tuple[str, str], int]:
    """Every roll-up dimension of the organization's subtree, counted with the ORM straight from
    the member and organization tables (independently of `members.rollups`); zeros left out."""
    out: Counter[tuple[str, str]] = Counter()
    members = Member.objects.filter(organization__path__startswith=org.path).order_by()
    for standing, n in members.values_list("standing").annotate(n=Count("id")):
        out[("standing", standing)] += n
    normal = members.in_good_standing()
    for dimension, field in _PLAIN_DIMENSIONS.items():
        for key, n in normal.values_list(field).annotate(n=Count("id")):
            out[(dimension, key)] += n
    for dimension, field in (("birth_year", "birth_date"), ("join_year", "joined_on")):
        for year, n in normal.annotate(y=ExtractYear(field)).values_list("y").annotate(n=Count("id")):
            out[(dimension, str(year))] += n
    for key, field in _FLAG_FIELDS.items():
        out[("flag", key)] += normal.filter(**{field: True}).count()
    orgs = Organization.objects.filter(path__startswith=org.path, dissolved_on__isnull=True).order_by()
    for org_type, n in orgs.values_list("org_type").annotate(n=Count("id")):
        out[("org_type", org_type)] += n
    return {k: n for k, n in out.items() if n}


def stored_structure_counts(org: Organization) -> dict[tuple[str, str], int]:
    """The organization's stored roll-ups, zeros left out."""
    rows = SubtreeStat.objects.filter(organization=org).exclude(count=0).values_list("dimension", "key", "count")
    return {(d, k): n for d, k, n in rows}


def assert_rollups_exact() -> int:
    """Assert that the roll-ups of EVERY organization equal a direct count; return how many were compared."""
    orgs = list(Organization.objects.order_by("path"))
    for org in orgs:
        assert stored_structure_counts(org) == direct_structure_counts(org), \
            f"structure roll-ups of {org.name} ({org.code}) differ from a direct count"
    assert not SubtreeStat.objects.filter(count__lt=0).exists()
    return len(orgs)


class Snapshot:
    """Row counts of the tables a write touches, to prove that a refused write left nothing
    behind (`unchanged()`) or that a write added exactly what it should (`delta()`)."""

    def __init__(self, **tables):
        self.tables = tables  # name → manager or queryset
        self.values = self.take()

    def take(self) -> dict[str, int]:
        return {name: table.count() for name, table in self.tables.items()}

    def unchanged(self) -> bool:
        return self.take() == self.values

    def delta(self) -> dict[str, int]:
        now = self.take()
        return {name: now[name] - self.values[name] for name in now}


def last_audit_entry():
    from dangwu.core.models import AuditEntry

    return AuditEntry.objects.order_by("-seq").first()


def api_client(user):
    """A DRF client authenticated as the user (token login is tested on its own)."""
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client


def result_ids(response) -> set[int]:
    """The ids on one page of a paginated API answer."""
    return {row["id"] for row in response.json()["results"]}


# --- dues: the report's roll-ups against a direct count --------------------------------------

def make_assessment(member: Member, month: date, amount: Decimal, *, organization: Organization | None = None,
                    payment=None):
    """An assessment row written directly (a test's set-up), with the dues roll-ups kept exact
    as the services keep them."""
    from django.utils import timezone

    from dangwu.dues import rollups as dues_rollups
    from dangwu.dues.models import Assessment

    organization = organization or member.organization
    with transaction.atomic():
        row = Assessment.objects.create(member=member, organization=organization, month=month, amount_due=amount,
                                        payment=payment, created_at=timezone.now())
        dues_rollups.apply({(organization.pk, month): dues_rollups.row_delta(
            Decimal(amount), payment.pk if payment else None)})
    return row


def direct_dues_figures() -> dict[tuple[int, date], tuple[Decimal, Decimal, int, int]]:
    """(due, collected, assessed, paid) of every organization's subtree and month, counted in
    Python straight from the assessment rows (independently of `dues.rollups`); empty ones left out."""
    from dangwu.dues.models import Assessment

    paths = dict(Organization.objects.values_list("pk", "path"))
    by_path = {path: pk for pk, path in paths.items()}
    out: dict[tuple[int, date], list] = {}
    step = Organization.steplen
    for org_id, month, amount, payment_id in Assessment.objects.values_list(
            "organization_id", "month", "amount_due", "payment_id"):
        paid = payment_id is not None or not amount
        path = paths[org_id]
        for k in range(1, len(path) // step + 1):
            figures = out.setdefault((by_path[path[: step * k]], month), [Decimal("0"), Decimal("0"), 0, 0])
            figures[0] += amount
            figures[1] += amount if paid else Decimal("0")
            figures[2] += 1
            figures[3] += 1 if paid else 0
    fen = Decimal("0.01")
    return {k: (v[0].quantize(fen), v[1].quantize(fen), v[2], v[3]) for k, v in out.items()}


def stored_dues_figures() -> dict[tuple[int, date], tuple[Decimal, Decimal, int, int]]:
    from dangwu.dues.models import DuesStat

    fen = Decimal("0.01")
    out = {}
    for org_id, month, due, collected, n, paid in DuesStat.objects.values_list(
            "organization_id", "month", "due", "collected", "members", "paid_members"):
        figures = (Decimal(due).quantize(fen), Decimal(collected).quantize(fen), n, paid)
        if any(figures):
            out[(org_id, month)] = figures
    return out


def assert_dues_rollups_exact() -> int:
    """Assert that the dues roll-ups of every organization and month equal a direct count, that
    none is negative, and that a recount (`rollups.drift`) finds nothing; return how many rows."""
    from dangwu.dues import rollups as dues_rollups
    from dangwu.dues.models import DuesStat

    stored, direct = stored_dues_figures(), direct_dues_figures()
    assert stored == direct, {k: (stored.get(k), direct.get(k)) for k in set(stored) | set(direct)
                              if stored.get(k) != direct.get(k)}
    assert not DuesStat.objects.filter(members__lt=0).exists()
    assert not DuesStat.objects.filter(paid_members__gt=models.F("members")).exists()
    assert dues_rollups.drift() == {}
    return len(stored)


# --- files as people upload them (the 密级 guard reads them with real parsers) --------------------

def docx_with(text: str, *, header: str = "", table: str = "", title: str = "") -> bytes:
    """A real Word file (python-docx) with `text` as a paragraph, optionally a header, a table cell
    and a title in its properties."""
    import io

    import docx

    document = docx.Document()
    document.add_paragraph(text)
    if table:
        document.add_table(rows=1, cols=1).cell(0, 0).text = table
    if header:
        document.sections[0].header.paragraphs[0].text = header
    if title:
        document.core_properties.title = title
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx_with(rows: list[list], *, sheet_title: str = "Sheet", hidden: list[list] | None = None) -> bytes:
    """A real workbook (openpyxl): `rows` on the first sheet, `hidden` on a hidden second one."""
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title
    for row in rows:
        sheet.append(row)
    if hidden:
        other = book.create_sheet("附表")
        other.sheet_state = "hidden"
        for row in hidden:
            other.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@functools.cache
def pdf_with(text: str) -> bytes:
    """A PDF as the platform makes its own (core.pdf: fpdf2 with the embedded CJK font), with `text`.
    Skips the calling test when this machine has no CJK font. Kept per text: a second costs a second."""
    import pytest

    from dangwu.core.pdf import ChinesePDF, FontMissing

    try:
        pdf = ChinesePDF(title="材料")
    except FontMissing as missing:
        pytest.skip(str(missing))
    pdf.add_page()
    pdf.paragraph(text)
    return bytes(pdf.output())


# --- a copy of the database's rows, loaded again and again (the demo province of the tests) ----

# Written by `migrate` and again after each flush of a transactional test, under new ids: left
# out of a copy (and a copy that points at them is refused).
_WRITTEN_BY_MIGRATE = ("contenttypes.contenttype", "auth.permission")


@dataclass
class _TableRows:
    model: type[models.Model]
    columns: list[str]
    rows: list[list]  # each row's parameters as the database takes them (`get_db_prep_save`)
    values: list[tuple]  # the same rows as the ORM reads them, to compare a loaded copy with


@dataclass
class RowsCopy:
    """Every row of the database, taken once and loaded again into an empty database as it was:
    the same ids, the same values, the same audit chain, without running the code that wrote them.

    The rows are written with plain INSERTs (no `save()`, no signal, no `auto_now`), each table
    after the tables it points to (the database's triggers, such as the one that copies an
    organization's path onto its members, find what they read), inside one transaction; the
    PostgreSQL sequences are then set past the copied ids. The first load of a copy compares what
    the database then holds with what was taken, table by table.
    """

    tables: list[_TableRows]
    checked: bool = False

    @classmethod
    def take(cls, using: str = "default") -> RowsCopy:
        from django.apps import apps
        from django.db import connections

        connection = connections[using]
        chosen = [m for m in apps.get_models(include_auto_created=True)
                  if m._meta.managed and not m._meta.proxy and m._meta.label_lower not in _WRITTEN_BY_MIGRATE]
        tables = []
        for model in _insert_order(chosen):
            objs = list(model._base_manager.using(using).order_by("pk"))
            if not objs:
                continue
            fields = model._meta.local_concrete_fields
            for f in fields:
                if f.is_relation and f.related_model._meta.label_lower in _WRITTEN_BY_MIGRATE and any(
                        getattr(o, f.attname) is not None for o in objs):
                    raise RuntimeError(f"{model._meta.label}.{f.name} points at rows that `migrate` writes: "
                                       "a copy of it would not load after a flush")
            tables.append(_TableRows(
                model=model, columns=[f.column for f in fields],
                rows=[[f.get_db_prep_save(getattr(o, f.attname), connection) for f in fields] for o in objs],
                values=_values(model, using),
            ))
        return cls(tables)

    def load(self, using: str = "default") -> None:
        from django.core.management.color import no_style
        from django.db import connections

        connection = connections[using]
        q = connection.ops.quote_name
        with transaction.atomic(using=using):
            for table in self.tables:
                if table.model._base_manager.using(using).exists():
                    raise RuntimeError(f"{table.model._meta.label} already holds rows: a copy loads into an empty database")
            with connection.cursor() as cursor:
                for table in self.tables:
                    cursor.executemany(
                        f"INSERT INTO {q(table.model._meta.db_table)} ({', '.join(map(q, table.columns))}) "
                        f"VALUES ({', '.join(['%s'] * len(table.columns))})", table.rows)
                for sql in connection.ops.sequence_reset_sql(no_style(), [t.model for t in self.tables]):
                    cursor.execute(sql)
            if not self.checked:
                for table in self.tables:
                    assert _values(table.model, using) == table.values, \
                        f"the copy of {table.model._meta.label} differs from the rows it was taken from"
                self.checked = True


def _values(model: type[models.Model], using: str) -> list[tuple]:
    names = [f.attname for f in model._meta.local_concrete_fields]
    return list(model._base_manager.using(using).order_by("pk").values_list(*names))


def _insert_order(chosen: list[type[models.Model]]) -> list[type[models.Model]]:
    """The models, each after the ones it points to (in their given order otherwise); a cycle is
    left to the deferred foreign-key checks of the transaction."""
    chosen_set = set(chosen)
    needs = {m: {f.related_model for f in m._meta.local_concrete_fields
                 if f.is_relation and f.related_model in chosen_set and f.related_model is not m}
             for m in chosen}
    ordered: list[type[models.Model]] = []
    while needs:
        ready = [m for m, before in needs.items() if not before - set(ordered)] or list(needs)[:1]
        for m in ready:
            ordered.append(m)
            del needs[m]
    return ordered


# --- browser tests (Playwright) -------------------------------------------------------------

SHOTS = __import__("pathlib").Path(__file__).resolve().parents[1] / "test-artifacts"
DEMO_ACCOUNTS_PASSWORD = "dangwu-demo-2026"  # the README's demo accounts (dangwu.demo.accounts; no app imports demo)


def browser_login(page, username: str, password: str | None = None) -> None:
    """Log in through the login page as a person does, and wait for the home page (the demo
    accounts' password unless another is given)."""
    import re

    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password or DEMO_ACCOUNTS_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/$"))


def screenshot(page, name: str) -> None:
    """A full-page screenshot in test-artifacts/ (ignored by git), for a person to look at."""
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


# --- many callers at the same instant (concurrency tests on PostgreSQL) --------------------------

@dataclass
class AtOnce:
    """What `at_once` saw: the calls' results, the (arguments, ValidationError) of refused calls, and
    any other exception (a test asserts it is empty)."""

    results: list
    refused: list
    errors: list


def at_once(fn, calls: list[tuple], *, timeout: float = 180) -> AtOnce:
    """Call `fn(*args)` for every tuple of `calls`, each in a thread of its own, all released at the
    same instant by a barrier; each thread closes its database connection. Fails when a call hangs."""
    import threading

    from django.core.exceptions import ValidationError
    from django.db import connection

    barrier = threading.Barrier(len(calls))
    outcome = AtOnce([], [], [])

    def call(*args):
        try:
            barrier.wait(timeout=60)
            outcome.results.append(fn(*args))
        except ValidationError as exc:
            outcome.refused.append((args, exc))
        except BaseException as exc:  # reported to the test
            outcome.errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=call, args=args) for args in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=timeout)
    assert not any(t.is_alive() for t in threads), f"a call of {fn.__name__} hung"
    return outcome



def browser_context(chromium, live_server, username: str, viewport: dict):
    """A new browser context (zh-CN, `viewport`) with a test account (`PASSWORD`) logged in:
    (context, page), the page on the home page."""
    context = chromium.new_context(locale="zh-CN", viewport=viewport, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15000)
    browser_login(page, username, PASSWORD)
    return context, page

"""The typed contracts of every write (issue 10, decision 0015), checked over the whole platform:

- every public function of a services module (`services.py`, `*_services.py`, a module of a
  `services` package, or any other module that records audit entries itself) declares its one audit action with `core.audit.audited`, an action of its
  app's `AuditAction` enum named one way (`<domain>.<object>_<verb>` or `<domain>.<verb>`);
- it takes its arguments by keyword, `actor`/`user` typed as the user model (never Any), and no
  `request` (the origin of a write is an `audit.Origin` value);
- and at run time (`DANGWU_AUDIT_CONTRACT = "raise"` in the test settings) a call that records
  other entries than the declared one fails, so every service test of the suite checks it too.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import typing

import pytest
from django.contrib.auth.models import User
from django.db import transaction

import dangwu
from dangwu.core import audit
from dangwu.core.audit import AuditContractError, audited

ACTION_NAME = re.compile(r"^[a-z]+\.[a-z]+(_[a-z]+)*$")


# Modules that record audit entries and are not services: the chain itself, and the audited
# refusal of an out-of-scope read (a read, not a write).
NOT_SERVICES = {"dangwu.core.audit", "dangwu.core.access"}


def _service_modules():
    for info in pkgutil.walk_packages(dangwu.__path__, "dangwu."):
        name = info.name
        if ".tests" in name or ".migrations" in name or name in NOT_SERVICES or info.ispkg:
            continue
        last = name.rsplit(".", 1)[-1]
        module = importlib.import_module(name)
        named = last == "services" or last.endswith("_services") or ".services." in name
        if named or "audit.record(" in inspect.getsource(module):
            yield module


def _public_services():
    for module in _service_modules():
        for name, fn in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(fn):
                continue
            if getattr(fn, "__module__", None) != module.__name__ and not hasattr(fn, "audit_action"):
                continue  # imported helpers
            if inspect.unwrap(fn).__module__ != module.__name__:
                continue
            yield module.__name__, name, fn


SERVICES = sorted(_public_services(), key=lambda item: (item[0], item[1]))


def test_the_services_are_found():
    modules = {module for module, _name, _fn in SERVICES}
    assert {"dangwu.core.services", "dangwu.orgs.services", "dangwu.members.services",
            "dangwu.members.transfers.services", "dangwu.members.transfers.mobility_services",
            "dangwu.members.roster_services", "dangwu.development.services", "dangwu.dues.services",
            "dangwu.demo.loader"} <= modules
    assert len(SERVICES) > 45


@pytest.mark.parametrize(("module", "name", "fn"), SERVICES, ids=[f"{m}.{n}" for m, n, _f in SERVICES])
def test_each_service_declares_one_action_of_its_app(module, name, fn):
    action = getattr(fn, "audit_action", None)
    assert action is not None, f"{module}.{name} does not declare its audit action (@audited)"
    assert ACTION_NAME.match(str(action)), f"{module}.{name}: {action!r} is not named <domain>.<object>_<verb>"
    app = module.split(".")[1]
    enum_module = importlib.import_module(f"dangwu.{app}.models")
    assert str(action) in {m.value for m in enum_module.AuditAction}, f"{action!r} is not in dangwu.{app}'s AuditAction"


@pytest.mark.parametrize(("module", "name", "fn"), SERVICES, ids=[f"{m}.{n}" for m, n, _f in SERVICES])
def test_each_service_takes_keywords_typed_actors_and_no_request(module, name, fn):
    signature = inspect.signature(inspect.unwrap(fn))
    hints = typing.get_type_hints(inspect.unwrap(fn))
    for parameter in signature.parameters.values():
        assert parameter.kind == parameter.KEYWORD_ONLY, f"{module}.{name}({parameter.name}) is not keyword-only"
        assert parameter.name != "request", f"{module}.{name} takes the request: pass origin=audit.origin_of(request)"
        if parameter.name in {"actor", "user"}:
            hint = hints.get(parameter.name)
            allowed = {User, User | None}
            assert hint in allowed, f"{module}.{name}({parameter.name}: {hint}) is not typed as the user model"


@pytest.mark.django_db
def test_a_service_that_records_another_action_fails():
    @audited("test.declared")
    def records_two():
        audit.record(actor=None, action="test.declared")
        audit.record(actor=None, action="test.other")

    @audited("test.declared")
    def records_none():
        return None

    @audited("test.declared", noop_allowed=True)
    def may_do_nothing():
        return None

    for service in (records_two, records_none):
        with pytest.raises(AuditContractError), transaction.atomic():
            service()
    may_do_nothing()


@pytest.mark.django_db
def test_nested_services_count_for_themselves():
    @audited("test.inner")
    def inner():
        audit.record(actor=None, action="test.inner")

    @audited("test.outer")
    def outer():
        inner()
        audit.record(actor=None, action="test.outer")

    outer()


@pytest.mark.django_db
def test_a_standing_entry_outlives_the_refused_service_and_stays_out_of_its_contract():
    """`audit.record_standing`: a refused look-up found while checking input stands when the service
    then refuses the input (its transaction rolls back), and does not count as the service's entry."""
    from dangwu.core.models import AuditEntry

    class Refused(Exception):
        pass

    @audited("test.declared")
    def refuses():
        audit.record_standing(actor=None, action="test.looked_up", summary={"n": 1})
        raise Refused

    @audited("test.declared")
    def succeeds():
        audit.record_standing(actor=None, action="test.looked_up", summary={"n": 2})
        audit.record(actor=None, action="test.declared")

    @audited("test.outer")
    def calls_a_refusing_service():
        with pytest.raises(Refused), transaction.atomic():
            refuses()
        audit.record(actor=None, action="test.outer")

    with pytest.raises(Refused):
        refuses()
    assert list(AuditEntry.objects.values_list("action", "summary")) == [("test.looked_up", {"n": 1})]
    succeeds()  # one entry of its own and the standing one, without AuditContractError
    assert list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))[1:] == [
        "test.declared", "test.looked_up"]
    calls_a_refusing_service()  # the inner service's standing entry waits for the outer one's end
    assert list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))[3:] == [
        "test.outer", "test.looked_up"]

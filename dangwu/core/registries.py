"""The ground floor's sockets: small registries that every app fills in its `AppConfig.ready()`.

Core imports no app of the project (decision 0015). An app appears on the platform by
registering what it offers here, and the floors that show those things (the home app's menu,
home page and to-do list, an organization's page, the dashboards, the demo loader, the rebuild
command) read the registries without knowing which apps exist:

- `menu`: entries of the main navigation;
- `shortcuts`: links of the home page's "常用功能" card;
- `home_cards`: cards on a person's home page;
- `todo_sources`: to-do items (待办) — what waits for this person, with a count and a link; each
  item names the menu entry it belongs to, which then shows the count as a badge;
- `org_sections`: sections of an organization's page (its members, its statistics, transfers …);
- `dashboard_panels`: panels of the decision-support dashboards above an organization;
- `warning_rules`: rules that find what is wrong with an organization (too few full members …);
- `demo_seeders`: the steps of the demo loader, in order;
- `dissolve_checks`: answers to "may this organization be dissolved?";
- `org_change_listeners`: told when organizations are created, changed or moved;
- `rollup_specs`: the roll-up tables of sums over each organization's subtree (structure
  statistics, dues figures …) that `core.rollups` keeps, rebuilds and checks;
- `rollup_repairs`: other derived copies the rebuild command checks and repairs beside a roll-up
  (the members' copy of their organization's path);
- `record_field_keepers`: fields of the member record that another app keeps in step with its
  rows (党费交至, 党费标准), and why a hand edit may not set them to a value;
- `consistency_checks`: the checks that the data obey the platform's own rules (roll-ups and
  the copies beside them, recruitment histories …), run by `manage.py check_consistency`;
- `membership` (a slot, one provider): the member record linked to a user's account, if any —
  a person sees their own record and organization even without a role there;
- `person_names`, `accounts_named` (slots): the names of people behind accounts, so that pages
  name a person as people know them (`core.people`), never by a login name;
- `audit_fields`: how the audit log names and shows the keys of entries' summaries (`months` →
  月份, shown as 2026年3月); the actions' own labels are no registry: every app's `AuditAction`
  subclasses `core.models.AuditActionChoices` and carries them, and `core.auditlog` finds them.
- `dues_arrears` (a slot, one provider): the months a member owes dues for (a transfer letter
  warns of them).
- `notification_kinds`: the kinds of notice apps send through `core.notifications.notify` (a
  meeting notice, an urgent notice …): label, default channels, whether a person may turn them off;
- `phone_numbers` (a slot, one provider): the mobile numbers of accounts, for the SMS channel;
- `background_runs`: the kinds of background run (roster imports and exports, dues assessments …)
  whose interrupted runs `manage.py recover_interrupted_work` fails and whose left-over files it
  deletes (`core.runs`, decision 0021).

Each item has a `key` (unique in its registry) and an `order` (smaller first). Registering the
same key twice replaces the earlier item, so that a re-run `ready()` (tests, autoreload) is
harmless. Callables receive keyword arguments only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar


class _Keyed(Protocol):
    @property
    def key(self) -> str: ...

    @property
    def order(self) -> int: ...


T = TypeVar("T", bound=_Keyed)


class Registry(Generic[T]):
    """An ordered set of items keyed by `item.key`."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._items: dict[str, T] = {}

    def register(self, item: T) -> T:
        self._items[item.key] = item
        return item

    def unregister(self, key: str) -> None:
        self._items.pop(key, None)

    def __iter__(self) -> Iterator[T]:
        return iter(sorted(self._items.values(), key=lambda item: (item.order, item.key)))

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def get(self, key: str) -> T | None:
        return self._items.get(key)

    def __repr__(self) -> str:
        return f"<Registry {self.name}: {', '.join(self._items)}>"


# --- what the items look like ---------------------------------------------------------------

@dataclass(frozen=True)
class AuditField:
    """How the audit log shows one key of the summaries of some actions (`core.auditlog`).

    `name` is the summary's key; `prefix` the actions it applies to (`dues.` every action of the
    dues, `member.standing` one, "" every action: the longest matching prefix wins, and a field
    of the entry's target model, with its verbose_name and choices, comes before the generic
    ones). `kind` says how its value reads: text, date, datetime, month, money, bool, count, org
    (an organization's id → its name), member (a member's id → the name), account (a login name →
    the person's name, the login beside it), model (a model's label → its name), fields (names of the
    target's fields → their labels), changes ({field: [before, after]}), pair (before → after),
    choice (`choices`: value → label)."""

    name: str
    label: Any
    kind: str = "text"
    prefix: str = ""
    choices: Any = None
    order: int = 100

    @property
    def key(self) -> str:
        return f"{self.prefix}:{self.name}"


@dataclass(frozen=True)
class Link:
    """A link as the navigation and the home page show it."""

    label: Any
    url: str
    icon: str  # a Bootstrap icon name, without "bi-"
    key: str = ""
    badge: int = 0  # a menu entry: how many to-do items wait in that app (`menu_badges`)
    badge_urgent: bool = False  # one of them is overdue


@dataclass(frozen=True)
class MenuEntry:
    """A link of the main navigation. `url(user=…)` gives the link, or None to hide the entry for
    this user (no capability, nothing to show)."""

    key: str
    label: Any  # a lazy translation
    icon: str  # a Bootstrap icon name, without "bi-"
    url: Callable[..., str | None]
    order: int = 100

    def link(self, *, user: Any) -> Link | None:
        url = self.url(user=user)
        return Link(self.label, url, self.icon, self.key) if url else None


@dataclass(frozen=True)
class Shortcut:
    """Links of the home page's "常用功能" card: `links(user=…)` answers zero or more."""

    key: str
    links: Callable[..., list[Link]]
    order: int = 100


@dataclass(frozen=True)
class HomeCard:
    """A card on the home page: `context(request=…)` answers the template's context, or None to
    leave the card out for this person. `wide` cards span the page above the half-width ones."""

    key: str
    template: str
    context: Callable[..., dict[str, Any] | None]
    order: int = 100
    wide: bool = False


@dataclass(frozen=True)
class TodoItem:
    """One line of a to-do list: what waits, how many, where to do it.

    `url` opens a list of exactly those things (a list page with a filter), so that the count and
    the list agree. `menu` is the key of the menu entry of the app where the work is done: that
    entry shows the sum of its items' counts as a badge (发展党员 3). Sources count with a few
    scoped COUNT queries — they run on every page that shows the menu."""

    label: Any
    count: int
    url: str
    urgent: bool = False  # overdue or past a deadline
    menu: str = ""  # the `MenuEntry.key` whose badge counts this item ("" for none)
    key: str = ""  # names the item in the page (`data-todo`), for tests and styles


@dataclass(frozen=True)
class TodoSource:
    """What waits for a person in one app: `items(user=…)` answers zero or more to-do items."""

    key: str
    items: Callable[..., list[TodoItem]]
    order: int = 100


@dataclass(frozen=True)
class OrgSection:
    """A section of an organization's page: `context(request=…, organization=…, facts=…)` answers
    the template's context, or None to leave it out (the caller may not see it). `slot` says where
    it goes: "actions" (buttons of the header), "alerts" (above the page), "side" (left column),
    "main" (right column) or "bottom" (below both)."""

    key: str
    template: str
    context: Callable[..., dict[str, Any] | None]
    order: int = 100
    slot: str = "main"


@dataclass(frozen=True)
class DashboardPanel:
    """A panel of the dashboards above an organization (决策支持): `context(actor=…, organization=…)`."""

    key: str
    title: Any
    template: str
    context: Callable[..., dict[str, Any] | None]
    capability: str | None = None
    order: int = 100


@dataclass(frozen=True)
class Finding:
    """What a warning rule found about one organization."""

    code: str
    message: str
    level: str = "warning"  # "warning" or "danger"


@dataclass(frozen=True)
class WarningRule:
    """A rule that looks at one organization: `check(organization=…, facts=…)` answers findings.
    `facts` is a dict shared by the rules of one page, so that one rule's query serves the next."""

    key: str
    check: Callable[..., list[Finding]]
    order: int = 100


@dataclass(frozen=True)
class DemoSeeder:
    """One step of the demo loader. `seed(context=…)` writes its part of the demo province through
    the services; `context` is the loader's shared state (the tree, the people, the random source)."""

    key: str
    seed: Callable[..., None]
    order: int = 100
    description: str = ""


@dataclass(frozen=True)
class DissolveCheck:
    """`problem(organization=…)` answers why the organization may not be dissolved, or None."""

    key: str
    problem: Callable[..., str | None]
    order: int = 100


@dataclass(frozen=True)
class RecordFieldKeeper:
    """An app that keeps fields of the member record in step with its own rows (the dues keep
    党费交至 and 党费标准): `problem(member=…, name=…, value=…)` answers why a hand edit may not set
    the field `name` (one of `fields`) to `value`, or None. The members' edit service asks before
    it writes, so that a hand edit cannot make the record contradict the rows it copies."""

    key: str
    fields: tuple[str, ...]
    problem: Callable[..., str | None]
    order: int = 100


@dataclass(frozen=True)
class OrgChangeListener:
    """Told, inside the writing transaction, that organizations changed: `changed(before=…, after=…)`
    with two lists of the same length (None in `before` for a new organization)."""

    key: str
    changed: Callable[..., None]
    order: int = 100


@dataclass(frozen=True)
class RollupSpec:
    """A roll-up table of sums over each organization's WHOLE subtree (the organization and all
    below it), kept by `core.rollups`: the app says which table, which key and sum columns, and
    how to compute an organization's own figures; the engine spreads deltas over the ancestors,
    rebuilds and checks.

    - `stat_model`: the roll-up table, "app_label.ModelName" (or the model class itself): a column
      `organization_id`, the `keys` and the `sums`, and a unique constraint over
      (organization_id, *keys) for the upsert;
    - `fill_own(fill=…)`: inserts each organization's OWN figures (not its subtree's) into the
      rebuild's work table with one or more set-based statements, for the organizations `o` the
      `fill.where_org` condition matches (see `core.rollups.Fill`);
    - `describe_key(key=…)`: the keys of one row as a person reads them (`rebuild_rollups --check`);
    - `audit_action`: what a rebuild records in the audit chain (one entry a rebuild).
    """

    key: str
    label: str
    stat_model: Any
    keys: tuple[str, ...]
    sums: tuple[str, ...]
    fill_own: Callable[..., None]
    audit_action: str
    org_model: str = "orgs.Organization"  # the tree (treebeard materialized path: path, depth, steplen)
    describe_key: Callable[..., str] | None = None
    order: int = 100


@dataclass(frozen=True)
class RollupRepair:
    """Another derived copy that the rebuild command checks and repairs together with the roll-up
    `rollup` (run before it, in the same transaction): `count(organization=…)` answers how many
    records are wrong, `repair(organization=…)` puts them right and answers how many were wrong.
    `problem` and `repaired` are the messages, with `{n}` for that number; the count is added to
    the roll-up's audit summary under `summary_key`."""

    key: str
    rollup: str
    count: Callable[..., int]
    repair: Callable[..., int]
    problem: str
    repaired: str
    summary_key: str
    order: int = 100


@dataclass(frozen=True)
class ConsistencyCheck:
    """One of the platform's consistency checks (`manage.py check_consistency`): `run(organization=…)`
    answers what is wrong — one sentence each, naming where — within the organization's subtree
    (the whole platform when None), changing nothing; [] when everything agrees. The demo
    province must pass every one (`demo/tests/test_consistency.py`)."""

    key: str
    label: str
    run: Callable[..., list[str]]
    order: int = 100


@dataclass(frozen=True)
class BackgroundRun:
    """A kind of background run — a model subclassing `core.models.TaskRun`, run by a task wrapped in
    `core.runs.heartbeat` and enqueued by `core.runs.enqueue` — that `manage.py
    recover_interrupted_work` watches (`core.runs`, decision 0021):

    - a queued or running run whose task died (no heartbeat for `DANGWU_TASK_STALE_SECONDS`, its
      task result finished or gone, its worker restarted) is failed with `interrupted` as its
      message, and the files of its `uploads` (file fields that hold what a person uploaded) are
      deleted; `fail(run=…, reason=…, actor=…, origin=…)` replaces that default (to audit it, say) and
      answers whether it failed the run (False: it had finished meanwhile); `reason` is
      "interrupted" or "cancelled";
    - `failed(run=…, reason=…)` records (audits) a failed run in the transaction that fails it:
      one that ended on its own — bad rows ("rows"), an unreadable file ("file"), an unexpected
      error ("error"; `core.uploads.finish`) — and, where `fail` is not given, one the default
      fails ("interrupted", "cancelled");
    - the `uploads` of a finished run are deleted unless `keeps_upload(run=…)` says it still needs
      them (a check that passed keeps its roster to be imported);
    - `prune()` removes what has expired (old export files …) and answers how many;
    - files under the `folders` of MEDIA_ROOT that no row of any registered model names are
      deleted (once older than `DANGWU_ORPHAN_MIN_AGE_SECONDS`).
    """

    key: str
    model: str  # "app_label.ModelName"
    interrupted: Any  # the message of a run whose task died (a lazy translation)
    uploads: tuple[str, ...] = ()
    folders: tuple[str, ...] = ()
    fail: Callable[..., bool] | None = None
    failed: Callable[..., None] | None = None
    keeps_upload: Callable[..., bool] | None = None
    prune: Callable[..., int] | None = None
    order: int = 100


@dataclass(frozen=True)
class NotificationKind:
    """A kind of notice an app sends through `core.notifications.notify` (会议通知, 紧急通知 …).

    `channels` are the channels a person gets it on unless they choose otherwise on their
    preferences page ("email", "sms", "wechat"; the in-app inbox always): `optional` False means
    a person may add channels but not turn the default ones off (an urgent notice)."""

    key: str
    label: Any  # a lazy translation
    channels: tuple[str, ...] = ()
    optional: bool = True
    description: Any = ""
    order: int = 100


menu: Registry[MenuEntry] = Registry("menu")
shortcuts: Registry[Shortcut] = Registry("shortcuts")
home_cards: Registry[HomeCard] = Registry("home_cards")
todo_sources: Registry[TodoSource] = Registry("todo_sources")
org_sections: Registry[OrgSection] = Registry("org_sections")
dashboard_panels: Registry[DashboardPanel] = Registry("dashboard_panels")
warning_rules: Registry[WarningRule] = Registry("warning_rules")
demo_seeders: Registry[DemoSeeder] = Registry("demo_seeders")
dissolve_checks: Registry[DissolveCheck] = Registry("dissolve_checks")
org_change_listeners: Registry[OrgChangeListener] = Registry("org_change_listeners")
rollup_specs: Registry[RollupSpec] = Registry("rollup_specs")
rollup_repairs: Registry[RollupRepair] = Registry("rollup_repairs")
audit_fields: Registry[AuditField] = Registry("audit_fields")
consistency_checks: Registry[ConsistencyCheck] = Registry("consistency_checks")
record_field_keepers: Registry[RecordFieldKeeper] = Registry("record_field_keepers")
background_runs: Registry[BackgroundRun] = Registry("background_runs")
notification_kinds: Registry[NotificationKind] = Registry("notification_kinds")


class Slot:
    """A question exactly one app answers (the provider registers in its `ready()`); asked before
    any provider registered, it answers `default`."""

    def __init__(self, name: str, default: Any = None) -> None:
        self.name = name
        self.default = default
        self._provider: Callable[..., Any] | None = None

    def provide(self, provider: Callable[..., Any]) -> Callable[..., Any]:
        self._provider = provider
        return provider

    def __call__(self, **kwargs: Any) -> Any:
        if self._provider is None:
            return self.default
        return self._provider(**kwargs)


@dataclass(frozen=True)
class Membership:
    """What the floors need to know of a user's own member record."""

    member_id: int
    organization_id: int
    organization_name: str


# `membership(user=…)`: the user's Membership, or None (provided by the members app).
membership = Slot("membership", default=None)
# `member_counts(organization=…)`: {"full", "probationary", "all"} of the organization's own
# members in good standing, or None where no app keeps members (provided by the members app).
member_counts = Slot("member_counts", default=None)
# `appointable_members(actor=…, organization=…)`: who may be seated on its committee (a queryset).
appointable_members = Slot("appointable_members", default=None)
# `subtree_member_totals(user=…, organizations=…)`: {organization id: members in good standing of its
# whole subtree} for the organizations whose members the user may view (the others are left out), from
# the roll-ups in one query for the whole list — the tree shows them beside each node (members app).
subtree_member_totals = Slot("subtree_member_totals", default={})
# `openable_members(user=…, member_ids=…)`: the ids among `member_ids` whose member records the user
# may open — the member page's own rule, for a whole list at once — so that a page links a name only
# when the link opens (provided by the members app; no links where no app keeps members).
openable_members = Slot("openable_members", default=frozenset())
# `person_names(user_ids=…)`: {user id: the name on the member record linked to that account} for
# those accounts that have one, in one query (provided by the members app; `core.people` asks it).
person_names = Slot("person_names", default=None)
# `member_names(member_ids=…)`: {member id: name} (provided by the members app; the audit log shows
# the members its summaries name by id).
member_names = Slot("member_names", default=None)
# `accounts_named(text=…)`: the ids of the accounts whose member record's name contains the text,
# as a subquery (provided by the members app; the audit log's person filter asks it).
accounts_named = Slot("accounts_named", default=None)
# `dues_arrears(member=…)`: the months (first days, oldest first) the member has been assessed
# for and not paid, up to this month — what a transfer letter warns of before it is issued; empty
# where no app keeps dues (provided by the dues app: members stand below dues and cannot ask it).
dues_arrears = Slot("dues_arrears", default=())
# `phone_numbers(user_ids=…)`: {user id: mobile number} of those accounts whose member record has one,
# for the SMS channel of notices (`core.notify_delivery`); an account without one is skipped there.
phone_numbers = Slot("phone_numbers", default={})
# `wechat_openids(user_ids=…)`: {user id: WeChat openid} of the accounts bound to the province's
# official account, for WeChat template messages (no provider yet: those deliveries are skipped).
wechat_openids = Slot("wechat_openids", default={})


# --- how the floors above use them ------------------------------------------------------------

def todo_items(*, user: Any) -> list[TodoItem]:
    """Everything that waits for the user, from every app, in the sources' order (the floor above
    asks once a request: see `home.selectors.todo_of`)."""
    items: list[TodoItem] = []
    for source in todo_sources:
        items.extend(item for item in source.items(user=user) if item.count)
    return items


def menu_badges(items: list[TodoItem]) -> dict[str, tuple[int, bool]]:
    """menu entry key → (the sum of its items' counts, whether one of them is urgent)."""
    badges: dict[str, tuple[int, bool]] = {}
    for item in items:
        if item.menu and item.count:
            count, urgent = badges.get(item.menu, (0, False))
            badges[item.menu] = (count + item.count, urgent or item.urgent)
    return badges


def warnings_of(*, organization: Any, facts: dict[str, Any] | None = None) -> list[Finding]:
    """The findings of every warning rule about one organization."""
    facts = {} if facts is None else facts
    found: list[Finding] = []
    for rule in warning_rules:
        found.extend(rule.check(organization=organization, facts=facts))
    return found


def dissolve_problems(*, organization: Any) -> list[str]:
    """Why the organization may not be dissolved (empty: it may)."""
    return [p for check in dissolve_checks if (p := check.problem(organization=organization))]


def organizations_changed(*, before: list[Any], after: list[Any]) -> None:
    """Tell every listener (inside the writer's transaction) that organizations changed."""
    for listener in org_change_listeners:
        listener.changed(before=before, after=after)

"""The demo's notices (通知): a welcome in every demo account's inbox, so that the bell and the
inbox show what a person meets (sent through `core.notifications.notify`, like any app's notice)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dangwu.core.notifications import notify

if TYPE_CHECKING:
    from ..context import DemoContext


def seed_notices(*, context: DemoContext) -> None:
    notify(kind="core.system", recipients=list(context.users.values()), title="欢迎使用电子党务平台（演示）",
           body="这是演示省份的平台消息。各项业务的通知（会议、党费、发展党员等）也会出现在“我的通知”中；"
                "在“接收方式”里可以选择同时用电子邮件、短信或微信接收。",
           url="/notifications/preferences/", organization=context.root)

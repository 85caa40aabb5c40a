"""The demo app keeps no tables; its one audit action is named here, as every app's are."""

from enum import StrEnum


class AuditAction(StrEnum):
    DEMO_SEED = "demo.seed"  # 加载演示数据

"""What the review loop keeps: billing fixes an admin promised, and usage an admin declared not billable.

Acknowledgements are exceptions (`reconcile.tables.VarianceException`); these are the other two
decisions of the report thread's buttons. It shares `reconcile.tables.Base` (which imports this
module); migration 0015 creates both tables.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from reconcile.tables import Amount, Base, UTCDateTime, now


class BillingFix(Base):
    """"The next invoice corrects it": the variance as it was, the day it should be billed right by, and what came of it.

    `state` is `pending` until a sync after the decision shows the billed quantity changed and the
    result matched (`resolved`, with `billed_after` and the monthly money `recovered`), or the day
    passed first (`reopened`: the fix did not arrive; a later correct bill still resolves it).
    """

    __tablename__ = "billing_fixes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    check_id: Mapped[int] = mapped_column(ForeignKey("checks.id"))
    billed_before: Mapped[Decimal] = mapped_column(Amount)
    actual_before: Mapped[Decimal] = mapped_column(Amount)
    unit_price: Mapped[Decimal | None] = mapped_column(Amount)
    expected_by: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(120))
    created_via: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    state: Mapped[str] = mapped_column(String(20), default="pending")  # pending | resolved | reopened | withdrawn
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    billed_after: Mapped[Decimal | None] = mapped_column(Amount)
    recovered: Mapped[Decimal | None] = mapped_column(Amount)  # money per month the fix corrected


class NotBillable(Base):
    """One usage account, or one asset of it, that no longer counts in one check's actual.

    An asset is kept by the vendor's own id (`asset_id`), which survives syncs; `asset_id` is None
    when the whole account is excluded. Permanent until revoked.
    """

    __tablename__ = "not_billable"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    check_id: Mapped[int] = mapped_column(ForeignKey("checks.id"))
    integration_id: Mapped[int] = mapped_column(ForeignKey("integrations.id"))
    account_id: Mapped[str] = mapped_column(String(200))
    account_name: Mapped[str] = mapped_column(String(300), default="")
    asset_id: Mapped[str | None] = mapped_column(String(200))
    asset_name: Mapped[str] = mapped_column(String(300), default="")
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

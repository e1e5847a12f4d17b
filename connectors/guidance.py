"""The six facts of the setup guide that every connector declares, for every face that shows them.

The connect modal, `billrec kinds` and docs/integrations.md (`connectors/guide.py`) all read the
same declaration, so what an admin is told before pasting a key cannot drift between them.
"""

from __future__ import annotations

from dataclasses import dataclass

# What every integration's disconnect does on our side; a vendor's guidance adds where to revoke.
DISCONNECT = ("`/billrec disconnect NAME` (or `billrec disconnect NAME`) deletes the stored credentials "
              "and stops future syncs; synced data and snapshots stay (`billrec purge NAME` then deletes "
              "the synced data, for a deletion request).")


@dataclass(frozen=True)
class Guidance:
    """What an admin reads before pasting a key, one fact per heading of the seed's setup guide.

    `revoke` says where in the vendor's console to revoke the key; `disconnect` puts our side
    (`DISCONNECT`) in front of it.
    """

    reads: str
    why: str
    never_reads: str
    writes_back: str
    revoke: str
    permission: str

    @property
    def disconnect(self) -> str:
        return f"{DISCONNECT} Then revoke the key: {self.revoke}"

    def facts(self) -> list[tuple[str, str, str]]:
        """(short label, the guide's heading, text), in the guide's order, for every face."""
        return [(label, heading, getattr(self, attribute)) for attribute, label, heading in FACTS]


# attribute, the label the modal and `billrec kinds` show, the heading on docs/integrations.md
FACTS = (
    ("reads", "Reads", "What BillingReconcile reads"),
    ("why", "Why", "Why this permission is needed"),
    ("never_reads", "Never reads", "What BillingReconcile does not read"),
    ("writes_back", "Writes back", "Whether BillingReconcile writes back"),
    ("disconnect", "How to disconnect", "How to disconnect"),
    ("permission", "Recommended permission level", "Recommended permission level"),
)

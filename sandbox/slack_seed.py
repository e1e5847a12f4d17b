"""The standard small workspace the demo and the end-to-end tests start from.

It matches `SlackDriver`'s defaults (team T0001, user U_ADMIN, channel C_BILLING), so
`driver.command("status")` needs no ids:

    T0001 "Acme MSP"   bot U_BOT / B_BOT, token BOT_TOKEN, the manifest's scopes
    #billing  C_BILLING  public   bot, U_ADMIN, U_TECH
    #general  C_GENERAL  public   U_ADMIN, U_TECH          (bot not invited)
    #finance  C_FINANCE  private  U_ADMIN                  (bot not invited)
    U_ADMIN "dana" (workspace admin, dana@acme-msp.example), U_TECH "sam" (sam@acme-msp.example)
"""

from __future__ import annotations

from sandbox.slack import FakeSlack
from sandbox.slack_state import Team

TEAM_ID = "T0001"
BOT_TOKEN = "xoxb-T0001-fake-bot-token"
BOT_USER_ID = "U_BOT"
ADMIN_ID = "U_ADMIN"
TECH_ID = "U_TECH"
BILLING = "C_BILLING"
GENERAL = "C_GENERAL"
FINANCE = "C_FINANCE"


def seed_workspace(fake: FakeSlack) -> Team:
    """Add the standard team, users and channels to `fake`; returns the team."""
    team = fake.add_team(TEAM_ID, BOT_TOKEN, name="Acme MSP", domain="acme-msp", bot_user_id=BOT_USER_ID)
    fake.add_user(ADMIN_ID, "dana", is_admin=True, team_id=TEAM_ID, real_name="Dana Admin",
                  email="dana@acme-msp.example")
    fake.add_user(TECH_ID, "sam", team_id=TEAM_ID, real_name="Sam Tech", email="sam@acme-msp.example")
    fake.add_channel(BILLING, "billing", members=[BOT_USER_ID, ADMIN_ID, TECH_ID])
    fake.add_channel(GENERAL, "general", members=[ADMIN_ID, TECH_ID])
    fake.add_channel(FINANCE, "finance", members=[ADMIN_ID], is_private=True)
    return team

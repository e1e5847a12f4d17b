"""Block Kit, built by pure functions from `reconcile` values: no Slack calls, no database.

One module per screen (`report`, `links`, `connect`, `home`, `lists`, `status`), `schedule` for
when scheduled work comes next; `format` holds the escaping and the small text helpers they
share, and `limits` Slack's numbers.
"""

"""End-to-end tests of the Slack face: the real app over HTTP against the fake Slack Web API."""

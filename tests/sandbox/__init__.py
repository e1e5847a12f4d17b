"""Tests of the sandbox itself: the seeded world, the fake vendor APIs, and the connectors against them."""

"""Repository-wide pytest set-up: record which hooks the suite really calls (hub.testing.hookcalls)."""

pytest_plugins = ["hub.testing.hookcalls"]

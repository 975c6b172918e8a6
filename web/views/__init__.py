"""The blueprints: one module per page family, each view thin over a ``matcher`` service."""

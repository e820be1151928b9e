"""Command groups of the `jiceng` CLI; each module defines register(app, schema_app)."""

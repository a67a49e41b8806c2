"""Validation: schema, semantic and cross-object checks that turn objects into findings."""

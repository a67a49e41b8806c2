"""Renderers: turn results into text or JSON. No decisions are made here."""

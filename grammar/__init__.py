"""Lark grammars, shipped inside the wheel as package data (``kspec.grammar``)."""

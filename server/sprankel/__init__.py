"""Sprankel: a self-hostable server for remote brainstorming."""

__version__ = "0.1.0"

"""The audit trail: who did what with consequences, to which object, and when.

`trail.py` keeps the entries in the store (a kind keyed by the session, numbered in one
order across processes) and writes each one to the operator's sink (`sink.py`).
"""

from __future__ import annotations

from .sink import AuditSink
from .trail import ACTIONS, AUDIT, AUDIT_SEQUENCE, SYSTEM, Actor, AuditTrail, Entry, actor

__all__ = ["ACTIONS", "AUDIT", "AUDIT_SEQUENCE", "SYSTEM", "Actor", "AuditSink", "AuditTrail",
           "Entry", "actor"]

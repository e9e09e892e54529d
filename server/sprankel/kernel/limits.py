"""Field limits that more than one feature checks, so a name or an id that one part
accepts is accepted everywhere. A limit of one feature stays with it (a round's prompt
in facilitation/validation.py, a chat message in koffiehoek/spaces.py).
"""

from __future__ import annotations

MAX_NAME = 80  # a person's display name: a participant, a facilitator, a space member
MAX_ID = 64  # ids travel in URLs and document names (new_id gives 16 characters)

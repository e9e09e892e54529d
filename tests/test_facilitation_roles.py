"""Who may open and write which document of a session."""

from __future__ import annotations

from sprankel.facilitation.roles import may_open_document, may_write_document


def test_everyone_in_the_session_reads_board_and_control() -> None:
    for role in ("facilitator", "participant", "observer"):
        assert may_open_document("board", role, "p", None)
        assert may_open_document("control", role, "p", None)


def test_nobody_writes_the_control_document() -> None:
    for role in ("facilitator", "participant", "observer"):
        assert not may_write_document("control", role, "p", None, locked=False, ended=False)


def test_drafts_belong_to_their_participant_and_the_facilitator_reads_them() -> None:
    assert may_open_document("drafts", "participant", "p", "p")
    assert not may_open_document("drafts", "participant", "p", "q")
    assert not may_open_document("drafts", "observer", "p", "p")
    assert may_open_document("drafts", "facilitator", "f", "p")
    assert may_write_document("drafts", "participant", "p", "p", locked=False, ended=False,
                              drafts_open=True)
    # Outside a running hidden round drafts are frozen (what was reviewed is what is revealed).
    assert not may_write_document("drafts", "participant", "p", "p", locked=False, ended=False)
    assert not may_write_document("drafts", "facilitator", "f", "p", locked=False, ended=False)


def test_observers_only_read_the_board() -> None:
    assert not may_write_document("board", "observer", "o", None, locked=False, ended=False)


def test_a_lock_stops_participants_but_not_the_facilitator() -> None:
    assert may_write_document("board", "participant", "p", None, locked=False, ended=False)
    assert not may_write_document("board", "participant", "p", None, locked=True, ended=False)
    assert may_write_document("board", "facilitator", "f", None, locked=True, ended=False)
    assert not may_write_document("drafts", "participant", "p", "p", locked=True, ended=False)


def test_an_ended_session_is_read_only_for_everyone() -> None:
    assert not may_write_document("board", "facilitator", "f", None, locked=False, ended=True)
    assert not may_write_document("drafts", "participant", "p", "p", locked=False, ended=True)

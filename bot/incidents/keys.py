"""Dedupe keys of incident notices, built in one place so a cancel's prefix always matches.

    incident:<id>:announce
    incident:<id>:refresh:<event> and incident:<id>:thread:<event>
    incident:<id>:r<round>:remind:<n>
    incident:<id>:r<round>:escalate:<plan>:<step>:<n>   (a page of an escalation policy)

A round is the incident's life between (re)openings: resolving cancels the round's follow-ups
by its prefix, acknowledging cancels its escalation.
"""

from __future__ import annotations


def incident(incident_id: int) -> str:
    """The prefix of every key of the incident."""
    return f"incident:{incident_id}:"


def announce(incident_id: int) -> str:
    return f"{incident(incident_id)}announce"


def refresh(incident_id: int, event_id: int) -> str:
    return f"{incident(incident_id)}refresh:{event_id}"


def thread(incident_id: int, event_id: int) -> str:
    return f"{incident(incident_id)}thread:{event_id}"


def followups(incident_id: int, round_: int) -> str:
    """The prefix of one round's reminders and escalation."""
    return f"{incident(incident_id)}r{round_}:"


def remind(incident_id: int, round_: int, n: int) -> str:
    return f"{followups(incident_id, round_)}remind:{n}"


def escalate(incident_id: int, round_: int) -> str:
    """The prefix of one round's escalation pages: acknowledging cancels them by it."""
    return f"{followups(incident_id, round_)}escalate:"


def page(incident_id: int, round_: int, plan: int, step: int, n: int) -> str:
    """One page of an escalation: ``plan`` is the timeline event that started the escalation
    (raised, reopened, a new severity), ``step`` counts from 0 and ``n`` is the repeat (0: the
    step itself), so each page has one row whoever plans it and however often."""
    return f"{escalate(incident_id, round_)}{plan}:{step}:{n}"

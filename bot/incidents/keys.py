"""Dedupe keys of incident notices, built in one place so a cancel's prefix always matches.

    incident:<id>:announce
    incident:<id>:refresh:<event> and incident:<id>:thread:<event>
    incident:<id>:r<round>:remind:<n>
    incident:<id>:r<round>:escalate:<plan>:<step>:<n>   (a page of an escalation policy)
    incident:<id>:invite:<why>, incident:<id>:archive:<round>, incident:<id>:postmortem:<who>:<at>

A round is the incident's life between (re)openings: resolving cancels the round's follow-ups
by its prefix, acknowledging cancels its escalation. Reopening cancels the incident channel's
archiving (``archives``); its rounds are apart from the reminders', which resolving cancels.
"""

from __future__ import annotations


def incident(incident_id: int) -> str:
    """The prefix of every key of the incident."""
    return f"incident:{incident_id}:"


def announce(incident_id: int) -> str:
    return f"{incident(incident_id)}announce"


def refresh(incident_id: int, event_id: int) -> str:
    return f"{incident(incident_id)}refresh:{event_id}"


def reedit(incident_id: int, event_id: int) -> str:
    """An edit made again because the incident changed while an older edit was on its way."""
    return f"{refresh(incident_id, event_id)}:again"


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


def invite(incident_id: int, why: str) -> str:
    """Inviting people to the incident channel because of ``why`` (an event id, a page)."""
    return f"{incident(incident_id)}invite:{why}"


def archives(incident_id: int) -> str:
    """The prefix of the incident channel's archiving, whatever the round."""
    return f"{incident(incident_id)}archive:"


def archive(incident_id: int, round_: int) -> str:
    return f"{archives(incident_id)}{round_}"


def postmortem(incident_id: int, requester: str, at: str) -> str:
    return f"{incident(incident_id)}postmortem:{requester}:{at}"

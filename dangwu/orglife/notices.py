"""Notices of organizational life — NOT SENT YET.

The platform's notification service is being built in core at the same time as this app; until it
lands, orglife sends nothing and fakes no sender. When it does, these are the notices to send, each
from the service named, inside its transaction (the notification service queues the delivery):

- `services.plan_meeting`, `services.plan_recurring`: to every expected attendee
  (`selectors.expected_attendees`) — the meeting's kind, title, time, place, online link and agenda,
  with an ICS invitation (`icalendar`, UID from the meeting's id) and a reminder before the start;
- `services.cancel_meeting`: to the same attendees — cancelled, with the reason (ICS CANCEL);
- `services.request_leave`: to those who may decide it (orglife.manage at the meeting's organization);
- `services.decide_leave`: to the member — approved or refused;
- `services.sign_off_minutes`: to the attendees — the minutes are signed off and may be read.
"""

"""Domain signals of the claims app, for apps that build on it (publishing, webhooks) without the
claims app knowing them.

`ticket_transitioned` is sent by claims.services.ticket_transition inside the transaction that
moved the ticket, after its audit event: receivers that write rows take part in that transaction
(a failure rolls the transition back); receivers that talk to the outside world register
`transaction.on_commit` callbacks. Arguments: `ticket` (saved, at its new version), `action`,
`from_state`, `to_state`, `actor`."""

from django.dispatch import Signal

ticket_transitioned = Signal()

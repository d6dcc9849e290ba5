"""Domain signals of the claims app, for apps that build on it (publishing, webhooks) without the
claims app knowing them.

`ticket_transitioned` is sent by claims.services.ticket_transition inside the transaction that
moved the ticket, after its audit event: receivers that write rows take part in that transaction
(a failure rolls the transition back); receivers that talk to the outside world register
`transaction.on_commit` callbacks. Arguments: `ticket` (saved, at its new version), `action`,
`from_state`, `to_state`, `actor`.

`ticket_opened` is sent by claims.services.ticket_open (and by any bulk path that opens tickets)
inside the transaction that created them, after their audit events, with `tickets` (a list of
saved tickets: one for ticket_open, a batch for a bulk import) and `actor` (the user, or None for
the system). The same rules hold: talk to the outside world from `transaction.on_commit`."""

from django.dispatch import Signal

ticket_transitioned = Signal()
ticket_opened = Signal()

from claims.services import ticket_open


def test_opening_a_ticket_records_the_opening(fact_checker):
    ticket = ticket_open(
        opened_by=fact_checker,
        claim={"text": "t", "claimant": "c", "claimed_at": "2025-12-29"},
    )
    assert ticket.events.filter(action="opened").count() == 1

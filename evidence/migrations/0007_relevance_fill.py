"""Fill the relevance fields (distance_km, in_window, offset_hours) of the evidence stored before
the services computed them. Reversing leaves the figures in place: they are derived data."""

from django.db import migrations

BATCH = 500


def fill(apps, schema_editor):
    from evidence.relevance import claim_geometry, item_relevance

    Ticket = apps.get_model("claims", "Ticket")
    Evidence = apps.get_model("evidence", "Evidence")
    fields = ("distance_km", "in_window", "offset_hours")
    tickets = Ticket.objects.filter(evidence__isnull=False).distinct().select_related("claim")
    for ticket in tickets.iterator(chunk_size=200):
        claim = ticket.claim
        place = claim_geometry(claim)
        items = list(Evidence.objects.filter(ticket_id=ticket.pk))
        for item in items:
            found = item_relevance(item, place=place, start=claim.event_start, end=claim.event_end)
            item.distance_km = found.distance_km
            item.in_window = found.in_window
            item.offset_hours = found.offset_hours
        Evidence.objects.bulk_update(items, fields, batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [
        ("evidence", "0006_relevance_thumbnail_warnings"),
        ("claims", "0013_claim_geocoded"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=True)]

"""Weekly leadership packets: asked for on each subscriber's weekday, and the subscriber
told when the packet is ready (or why it failed)."""

from django.db import transaction
from django.utils import timezone

from briefs import jobs
from briefs.models import Packet, Subscription
from core import permissions
from core.notifications import notify


def send_due(today=None):
    """Ask for the packets due today, once each whatever the number of workers running
    this at once: a subscription is taken under a row lock and marked sent in the same
    transaction. Returns the packets asked for."""
    today = today or timezone.localdate()
    due = Subscription.objects.filter(weekday=today.weekday()).exclude(last_sent_on=today)
    asked = []
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            subscription = (
                due.select_for_update(skip_locked=True, of=("self",))
                .select_related("user")
                .filter(pk=pk)
                .first()
            )
            if subscription is None:
                continue  # another worker has it, or sent it already
            subscription.last_sent_on = today
            subscription.save(update_fields=["last_sent_on"])
            user = subscription.user
            if not (user.is_active and permissions.can_add(user, Packet)):
                continue  # the role went: nothing is made in their name
            asked.append(
                jobs.request_packet(
                    user,
                    Packet.Kind.LEADERSHIP,
                    subscription.title,
                    subscription.parameters,
                    subscription=subscription,
                )
            )
    return asked


def tell(packet_id):
    """Notify the subscriber of a weekly packet that it is ready, or why it failed."""
    packet = Packet.objects.select_related("requested_by").get(pk=packet_id)
    if packet.subscription_id is None:
        return
    if packet.status == Packet.Status.DONE:
        subject, body = f"Your weekly packet is ready: {packet.title}", ""
    else:
        subject, body = f"Your weekly packet failed: {packet.title}", packet.error
    notify(
        [packet.requested_by],
        subject,
        body,
        url=packet.get_absolute_url(),
        key=f"briefs-weekly-{packet.pk}-{packet.status}-{packet.attempts}",
    )

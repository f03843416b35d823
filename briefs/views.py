"""Briefs pages: ask for a brief, watch it render, download it, cancel or re-run it.

Every packet is read through core.permissions: only its requester (and Portal Admin)
sees it; anyone else gets 404 on every URL.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views import View
from django.views.decorators.http import require_POST

from briefs import jobs
from briefs.forms import PacketRequestForm, SubscriptionForm
from briefs.models import Packet, Subscription
from core import permissions
from core.auth import record_event
from core.models import SecurityEvent

PAGE_SIZE = 25


def packet_for(request, pk, action="view"):
    """The packet if the user may see it (else 404) and may `action` it (else 403)."""
    return permissions.get_object_or_404(
        Packet.objects.select_related("requested_by"), request.user, action, pk=pk
    )


def check_may_request(user):
    if not permissions.can_add(user, Packet):
        raise PermissionDenied("Your role cannot ask for briefs.")


class PacketListView(View):
    """/briefs/: the user's packets, newest first, and the forms to ask for one."""

    template_name = "briefs/packet_list.html"

    def get(self, request):
        return self.render(request, self.forms(request))

    def forms(self, request, bound=None):
        """One form per kind; `bound` replaces the one that was posted (with its errors)."""
        initial = {
            "country": (request.GET.get("country") or "").upper() or None,
            "programs": request.GET.getlist("programs"),
            "forum": request.GET.get("forum"),
        }
        forms = {}
        for kind in Packet.Kind.values:
            if bound is not None and bound.data.get("kind") == kind:
                form = bound
            else:
                form = PacketRequestForm(user=request.user, initial={**initial, "kind": kind})
            if kind in dict(form.fields["kind"].choices):  # no forum kind without fora
                form.auto_id = f"{kind}-%s"  # four forms on one page: distinct field ids
                forms[kind] = form
        return forms

    def render(self, request, forms, status=200):
        # Everything the user may see: their own packets (a Portal Admin sees everyone's).
        packets = permissions.restrict(
            Packet.objects.select_related("requested_by"), request.user, "view"
        )
        page = Paginator(packets, PAGE_SIZE).get_page(request.GET.get("page"))
        context = {
            "page": page,
            "packets": page.object_list,
            "show_requester": any(p.requested_by_id != request.user.pk for p in page.object_list),
            "any_active": any(p.is_active for p in page.object_list),
            "forms": forms,
            "can_request": permissions.can_add(request.user, Packet),
            "chosen_kind": request.GET.get("kind") or "",
        }
        if request.htmx and request.GET.get("partial") == "table":
            return render(request, "briefs/_packet_table.html", context)
        return render(request, self.template_name, context, status=status)


class PacketRequestView(PacketListView):
    """POST /briefs/request/: create a packet and go to its progress page at once.

    GET shows the request forms with the query's choice filled in, so other pages can
    link to it, e.g. /briefs/request/?kind=country&country=GBR.
    """

    template_name = "briefs/packet_request.html"

    def get(self, request):
        check_may_request(request.user)
        return self.render(request, self.forms(request))

    def post(self, request):
        check_may_request(request.user)
        form = PacketRequestForm(request.POST, user=request.user)
        if not form.is_valid():
            messages.error(request, "The brief was not requested: see the message below.")
            return self.render(request, self.forms(request, bound=form), status=400)
        title, parameters = form.describe()
        packet = jobs.request_packet(request.user, form.cleaned_data["kind"], title, parameters)
        report(request, packet)
        return redirect(packet.get_absolute_url())


class WeeklyView(View):
    """/briefs/weekly/: a leadership packet every week, on a chosen day; change or stop."""

    def get(self, request):
        check_may_request(request.user)
        current = Subscription.objects.filter(user=request.user).first()
        initial = SubscriptionForm.initial_of(current) if current else {}
        return self.render(request, SubscriptionForm(user=request.user, initial=initial))

    def post(self, request):
        check_may_request(request.user)
        form = SubscriptionForm(request.POST, user=request.user)
        if not form.is_valid():
            messages.error(request, "The weekly packet was not saved: see the message below.")
            return self.render(request, form, status=400)
        title, parameters = form.describe()
        subscription, _ = Subscription.objects.update_or_create(
            user=request.user,
            defaults={
                "title": title.replace("Leadership packet", "Weekly leadership packet", 1),
                "parameters": parameters,
                "weekday": form.cleaned_data["weekday"],
            },
        )
        messages.success(
            request,
            f"“{subscription.title}” will be made every {subscription.get_weekday_display()} "
            "morning; you will be notified when it is ready.",
        )
        return redirect("briefs:weekly")

    def render(self, request, form, status=200):
        current = Subscription.objects.filter(user=request.user).first()
        return render(
            request,
            "briefs/weekly.html",
            {"form": form, "current": current, "title": "Weekly leadership packet"},
            status=status,
        )


@require_POST
def weekly_stop(request):
    deleted, _ = Subscription.objects.filter(user=request.user).delete()
    if deleted:
        messages.success(request, "The weekly packet is stopped.")
    return redirect("briefs:weekly")


def report(request, packet):
    """A message saying what happened to a packet just sent on its way."""
    packet.refresh_from_db()
    if packet.status == Packet.Status.FAILED:
        messages.error(request, packet.error)
    elif packet.status == Packet.Status.DONE:
        messages.success(request, f"“{packet}” is ready.")
    else:
        messages.info(request, f"“{packet}” is on its way. You can leave this page and come back.")


def packet_detail(request, pk):
    packet = packet_for(request, pk)
    return render(
        request,
        "briefs/packet_detail.html",
        {"packet": packet, "page_marking": packet.marking or None, **actions(request, packet)},
    )


def packet_progress(request, pk):
    """The progress fragment the detail page polls every second (htmx)."""
    packet = packet_for(request, pk)
    return render(request, "briefs/_progress.html", {"packet": packet, **actions(request, packet)})


def actions(request, packet):
    may_change = permissions.can(request.user, "change", packet)
    return {
        "can_cancel": may_change and packet.can_cancel,
        "can_rerun": may_change
        and packet.can_rerun
        and permissions.can_add(packet.requested_by, Packet),
        "can_delete": permissions.can(request.user, "delete", packet) and not packet.is_active,
    }


@require_POST
def packet_cancel(request, pk):
    packet = packet_for(request, pk, "change")
    if jobs.cancel(packet):
        messages.success(request, f"“{packet}” was cancelled.")
    else:
        messages.info(request, f"“{packet}” had already finished.")
    return redirect(packet.get_absolute_url())


@require_POST
def packet_rerun(request, pk):
    packet = packet_for(request, pk, "change")
    check_may_request(packet.requested_by)
    if not jobs.rerun(packet):
        messages.error(request, "Only a finished, failed or cancelled brief can be run again.")
        return redirect(packet.get_absolute_url())
    report(request, packet)
    return redirect(packet.get_absolute_url())


def packet_delete(request, pk):
    """GET asks to confirm; POST deletes the packet and its PDF."""
    packet = packet_for(request, pk, "delete")
    if request.method != "POST":
        return render(request, "core/object_delete.html", {"object": packet, "model_name": "brief"})
    if packet.is_active:
        messages.error(request, "Cancel the brief before deleting it.")
        return redirect(packet.get_absolute_url())
    packet.delete()  # its PDF goes with it (post_delete)
    messages.success(request, f"“{packet}” was deleted.")
    return redirect("briefs:list")


def packet_download(request, pk):
    """The PDF, to its requester or a Portal Admin only; every download is audited."""
    packet = packet_for(request, pk)
    return download_response(request, packet)


def download_response(request, packet):
    if not packet.is_downloadable:
        raise Http404("This brief has no PDF (yet).")
    try:
        handle = packet.file.open("rb")
    except OSError:
        raise Http404("The PDF of this brief is no longer in storage; run it again.") from None
    record_event(
        SecurityEvent.Kind.PDF_DOWNLOADED,
        request,
        user=request.user,
        packet=packet.pk,
        title=packet.title,
        requested_by=packet.requested_by.get_username(),
        marking=packet.marking,
        size=packet.size,
    )
    response = FileResponse(
        handle, as_attachment=True, filename=packet.download_name, content_type="application/pdf"
    )
    response["Cache-Control"] = "no-store"
    return response

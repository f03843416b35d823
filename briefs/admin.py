from django.contrib import admin

from briefs.models import Packet, Subscription


@admin.register(Packet)
class PacketAdmin(admin.ModelAdmin):
    """Packets for support: who asked for what, how it went. PDFs are downloaded on the site
    (audited), not here; rows are not edited by hand."""

    list_display = ("id", "title", "kind", "requested_by", "status", "progress", "queued_at")
    list_filter = ("status", "kind")
    search_fields = ("title", "requested_by__username")
    date_hierarchy = "queued_at"
    exclude = ("file", "run_token")
    readonly_fields = [
        f.name for f in Packet._meta.fields if f.name not in ("file", "run_token", "id")
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    """Weekly leadership packets, for support: a Portal Admin may stop one (delete); the
    selection is the user's own, set on /briefs/weekly/."""

    list_display = ("user", "title", "weekday", "last_sent_on", "created_at")
    list_filter = ("weekday",)
    search_fields = ("user__username", "title")
    readonly_fields = ("user", "title", "parameters", "weekday", "last_sent_on", "created_at")

    def has_add_permission(self, request):
        return False

"""The global search index (read only through core.search)."""

from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.search import SearchVectorField
from django.db import models


class SearchEntry(models.Model):
    """The text of one searchable record. Rebuilt on save; read only through core.search,
    which joins it with the permission layer so nobody finds what they may not see."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    title = models.CharField(max_length=300)
    text = models.TextField()
    url = models.CharField(max_length=300)
    updated_at = models.DateTimeField(auto_now=True)
    # The parsed text, kept by a PostgreSQL trigger on every insert and update (migration
    # 0009), so a search never re-parses the text of the rows it filters. Unused on SQLite.
    vector = SearchVectorField(null=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id"], name="search_entry_once")
        ]
        verbose_name_plural = "search entries"

    def __str__(self):
        return self.title

"""The forum read-ahead: the fora app's read-ahead (fora.readahead) as print sections."""

from briefs.content.base import Brief, BriefError, Section, visible
from fora.links import visible_links
from fora.models import AgendaItem, Forum, Meeting
from fora.readahead import read_ahead


def forum_readahead(user, parameters, as_of):
    """The fora app's read-ahead (fora.readahead.read_ahead), as print sections."""
    forum = visible(Forum.objects.filter(pk=parameters.get("forum") or 0), user).first()
    if forum is None:
        raise BriefError(
            "The forum of this read-ahead is no longer available to you, so there was "
            "nothing to put in it."
        )
    data = read_ahead(forum, user)
    records = forum_records(forum, user)
    name = data["forum"]["acronym"] or data["forum"]["name"]
    sections = [
        Section(
            key="forum",
            title=f"Read-ahead: {data['forum']['name']}",
            template="briefs/print/_forum.html",
            context=data,
            records=records,
        )
    ]
    if data.get("last_meeting"):
        sections.append(
            Section(
                key="last-meeting",
                title=f"Last meeting: {data['last_meeting']['title']}",
                template="briefs/print/_forum_last.html",
                context={"meeting": data["last_meeting"]},
                records=records,
            )
        )
    sections.append(
        Section(
            key="action-items",
            title="Open action items",
            template="briefs/print/_forum_actions.html",
            context=data,
            records=records,
        )
    )
    meeting = data.get("next_meeting")
    return Brief(
        kind="forum",
        title=f"Read-ahead: {name}" + (f", {meeting['title']}" if meeting else ""),
        subject=f"Agenda, delegations and open action items of {data['forum']['name']}",
        sections=sections,
        data_as_of=as_of,
    )


def forum_records(forum, user):
    """Every marked record a read-ahead can show: the forum, its meetings the user may see,
    and the records their agenda items link to (when visible). A superset of what is
    printed, so the page marking is never lower than the content."""
    meetings = list(visible(Meeting.objects.filter(forum=forum), user))
    items = list(AgendaItem.objects.filter(meeting__in=meetings))
    linked = visible_links(items, user).values()
    return [forum, *meetings, *(r for r in linked if hasattr(r, "classification"))]

"""Join separately rendered parts of a brief into one tagged PDF.

WeasyPrint writes each part as a complete PDF/UA document: a structure tree whose one
Document element holds the tagged content, a parent tree mapping each page and link
annotation to its structure elements, named destinations for every element id, and an
outline from the headings. Joining keeps all four whole:

- the pages of every later part are appended to the first part (which keeps the
  catalog: language, metadata, viewer preferences);
- each later part's top-level structure elements move under the first part's Document
  element, and its parent-tree keys (the pages' /StructParents and the annotations'
  /StructParent) are shifted past the keys already used, so no two pages share a key;
- named destinations are merged, a later part's winning over the first part's: the
  first part carries empty placeholder anchors for the sheets that follow (so its
  links to them are kept), and the real anchors arrive with the sheets;
- outline entries of later parts are appended; the entries of a part that continues
  the previous part's section go under that section's entry.

Page labels give the front matter 1, 2, 3 … and every page of annex sheet n "A-n", so a
viewer shows the same numbers as the printed footers.
"""

import logging
from io import BytesIO

import pikepdf
from pikepdf import Array, Dictionary, Name, OutlineItem, Pdf, String

logging.getLogger("pikepdf").setLevel(logging.WARNING)  # one INFO line at first use


def _nums(tree):
    """A parent tree's (key, value) pairs; WeasyPrint writes one flat /Nums array."""
    nums = tree.get("/Nums", Array())
    return [(int(nums[i]), nums[i + 1]) for i in range(0, len(nums), 2)]


def _dests(pdf):
    names = pdf.Root.get("/Names")
    if names is None or "/Dests" not in names:
        return {}
    return {str(name): dest for name, dest in pikepdf.NameTree(names.Dests).items()}


def _copy(out, value):
    """`value` from another PDF, as it must be in `out` (direct arrays copied item by item)."""
    if isinstance(value, Array) and not value.is_indirect:
        return Array([_copy(out, item) for item in value])
    if isinstance(value, pikepdf.Object) and value.is_indirect:
        return out.copy_foreign(value)
    return value


def _outline(items, page_of):
    """OutlineItems (recursively) pointing at the joined document's pages."""
    result = []
    for item in items:
        target = page_of(item)
        copy = OutlineItem(str(item.title), target if target is not None else 0)
        copy.children.extend(_outline(item.children, page_of))
        result.append(copy)
    return result


def join(parts, continues=(), sheets=None):
    """One PDF (bytes) from the parts' PDFs (bytes), in order.

    Part i in `continues` continues the previous part's section: its top-level outline
    entries go under the last top-level entry so far (a later chunk of the annex).
    `sheets` maps the anchor of each annex sheet to its number, for the page labels.
    """
    out = Pdf.open(BytesIO(parts[0]))
    root = out.Root.StructTreeRoot
    document = root.K[0]
    parent_tree = root.ParentTree
    nums = Array()
    for key, value in _nums(parent_tree):
        nums.extend([key, value])
    next_key = max((int(nums[i]) for i in range(0, len(nums), 2)), default=-1) + 1
    dests = dict(_dests(out))
    outline_items = []
    for index, data in enumerate(parts[1:], start=1):
        part = Pdf.open(BytesIO(data))
        first = len(out.pages)
        for page in part.pages:
            out.pages.append(page)
        offset = next_key
        # Pages and annotations: their parent-tree keys move past the keys in use.
        for page in out.pages[first:]:
            if "/StructParents" in page.obj:
                page.obj.StructParents = int(page.obj.StructParents) + offset
            for annotation in page.obj.get("/Annots", Array()):
                if "/StructParent" in annotation:
                    annotation.StructParent = int(annotation.StructParent) + offset
        # Structure: the part's top-level elements join the first part's Document.
        part_document = part.Root.StructTreeRoot.K[0]
        kids = list(part_document.K)
        for kid in kids:
            del kid.P  # not the part's Document (copying it would copy its whole tree)
        for kid in kids:
            copied = out.copy_foreign(kid)
            copied.P = document
            document.K.append(copied)
        keys = []
        for key, value in _nums(part.Root.StructTreeRoot.ParentTree):
            nums.extend([key + offset, _copy(out, value)])
            keys.append(key + offset)
        next_key = max(keys, default=next_key - 1) + 1
        for name, dest in _dests(part).items():
            dests[name] = _copy(out, dest)
        part_pages = {page.objgen: i for i, page in enumerate(part.pages)}

        def page_of(item, first=first, part_pages=part_pages):
            dest = item.destination
            if isinstance(dest, Array) and len(dest) and dest[0].is_indirect:
                return first + part_pages.get(dest[0].objgen, 0)
            return None

        with part.open_outline() as part_outline:
            items = _outline(part_outline.root, page_of)
        outline_items.append((index in continues, items))
    parent_tree.Nums = nums
    if "/Kids" in parent_tree:
        del parent_tree.Kids
    root.ParentTreeNextKey = next_key
    _write_dests(out, dests)
    with out.open_outline() as outline:
        for continuing, items in outline_items:
            if continuing and len(outline.root):
                outline.root[-1].children.extend(items)
            else:
                outline.root.extend(items)
    if sheets:
        _label_pages(out, dests, sheets)
    buffer = BytesIO()
    # Object streams: the structure tree is thousands of small objects.
    out.save(buffer, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return buffer.getvalue()


def _write_dests(out, dests):
    flat = Array()
    for name in sorted(dests):
        flat.extend([String(name), dests[name]])
    if "/Names" not in out.Root:
        out.Root.Names = Dictionary()
    out.Root.Names.Dests = out.make_indirect(Dictionary(Names=flat))


def _label_pages(out, dests, sheets):
    """Front pages 1, 2, 3 …; every page of annex sheet n labelled "A-n"."""
    index = {page.objgen: i for i, page in enumerate(out.pages)}
    starts = sorted(
        (index[dests[anchor][0].objgen], number)
        for anchor, number in sheets.items()
        if anchor in dests and dests[anchor][0].objgen in index
    )
    labels = Array([0, Dictionary(S=Name.D)])
    for first, number in starts:
        labels.extend([first, Dictionary(P=String(f"A-{number}"))])
    out.Root.PageLabels = Dictionary(Nums=labels)

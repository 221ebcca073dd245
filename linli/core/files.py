"""Serving stored uploads (case attachments, care and inspection photos) the one way FU-02 asks: only after the
caller checked the viewer may see the file's owner, as a download under its original name that the browser never
runs, never cached; an image may be shown in the page when asked with ?inline=1."""

from django.http import FileResponse


def serve_stored_file(request, stored) -> FileResponse:
    """`stored` has file, content_type and original_name; the caller has already checked access."""
    inline = stored.content_type.startswith("image/") and request.GET.get("inline") == "1"
    response = FileResponse(
        stored.file.open("rb"),
        content_type=stored.content_type,
        as_attachment=not inline,
        filename=stored.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response

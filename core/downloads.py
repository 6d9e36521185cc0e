"""Downloads of stored files (certificates, exports), wherever the storage keeps them.

On the local disk (the embedded default) the file is streamed from MEDIA_ROOT. In an
S3-compatible object store (AWS_STORAGE_BUCKET_NAME, django-storages) the web process that
serves a file is usually not the worker that wrote it, so nothing is read from a local
folder: the object's body is streamed from the store as it arrives, or, with
CME_DOWNLOAD_REDIRECT, the browser is sent to a signed URL of the store that names the
download (valid CME_DOWNLOAD_URL_SECONDS).
"""

from django.conf import settings
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpResponseRedirect
from django.utils.http import content_disposition_header


def respond_with_stored_file(
    stored: FieldFile, *, filename: str, content_type: str | None = None
) -> FileResponse | HttpResponseRedirect:
    """The response that downloads `stored` as an attachment named `filename`.

    Shapes: `stored` is a model's FileField value with a name; `content_type` defaults to
    the one guessed from `filename`. Returns a FileResponse that streams the file (with its
    length), or a 302 to a signed URL of the object store when CME_DOWNLOAD_REDIRECT is on
    and the storage is one (django-storages' S3Storage). Raises FileNotFoundError when the
    storage has no such file."""
    storage = stored.storage
    in_object_store = hasattr(storage, "bucket")
    if in_object_store and settings.CME_DOWNLOAD_REDIRECT:
        parameters = {"ResponseContentDisposition": content_disposition_header(True, filename)}
        if content_type:
            parameters["ResponseContentType"] = content_type
        return HttpResponseRedirect(storage.url(stored.name, parameters=parameters))
    if in_object_store:
        # S3File would copy the whole object into a temporary file before the first byte
        # goes out; its object's body streams instead.
        s3_file = storage.open(stored.name, "rb")
        body = s3_file.obj.get()["Body"]
        response = FileResponse(
            body, as_attachment=True, filename=filename, content_type=content_type
        )
        response["Content-Length"] = str(s3_file.obj.content_length)
        return response
    return FileResponse(
        stored.open("rb"), as_attachment=True, filename=filename, content_type=content_type
    )

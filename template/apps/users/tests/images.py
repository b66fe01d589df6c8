"""In-memory image uploads for the avatar tests."""

import io
import os

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def image_upload(
    name: str = "avatar.png", *, image_format: str = "PNG", size=(8, 8), noise: bool = False
) -> SimpleUploadedFile:
    """Return a real image file; ``noise`` makes it incompressible, hence large."""
    if noise:
        image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        image = Image.new("RGB", size, "teal")
    buffer = io.BytesIO()
    image.save(buffer, format=image_format)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{image_format.lower()}")

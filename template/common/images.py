"""Uploaded images, decoded and encoded anew before they are stored.

That Pillow can open a file does not make it harmless. Bytes appended after the image (an
HTML page, a script) would be stored and served as they are, as would a misleading name
(GIF bytes called ``.png``) and metadata (a photo's GPS position). And Pillow decodes
whatever size the header claims: a 12 KB PNG can announce 10,000 x 10,000 pixels, 400 MB
once decoded. So the size in the header is checked first, then only the pixels are
written into a new file, in the format the content really has, under a random name: the
client's file name (which may hold an e-mail address) is not kept anywhere.
"""

import uuid
from io import BytesIO

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from PIL import Image, ImageOps

# Formats accepted, by Pillow's name for them, and the extension each is stored with.
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
NOT_AN_IMAGE = "Upload a valid image: a JPEG, PNG or WebP file."
TOO_MANY_PIXELS = (
    "The image is too large (%(width)s x %(height)s pixels); the limit is %(limit)s pixels."
)
# Lossy formats are encoded again at this quality (Pillow's default, 75, shows artefacts).
QUALITY = 90


def reencoded_image(file: File, *, max_pixels: int) -> ContentFile:
    """Return the image in ``file`` encoded anew, in its own format, with a random name.

    Raises ``ValidationError`` for a file that is not a JPEG, PNG or WebP image (whatever
    its name says), or one with more than ``max_pixels`` pixels (checked before decoding).
    """
    try:
        # Pillow reads the file from its start, wherever a validator left it.
        with Image.open(file) as image:
            image_format = image.format
            if image_format not in EXTENSIONS:
                raise ValidationError(NOT_AN_IMAGE, code="invalid_image")
            width, height = image.size
            if width * height > max_pixels:
                raise ValidationError(
                    TOO_MANY_PIXELS,
                    code="too_many_pixels",
                    params={"width": width, "height": height, "limit": max_pixels},
                )
            # Turned upright as the camera meant; the EXIF data itself is left behind.
            pixels = ImageOps.exif_transpose(image)
            encoded = BytesIO()
            pixels.save(encoded, format=image_format, quality=QUALITY)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        # What Pillow raises for a truncated or malformed file.
        raise ValidationError(NOT_AN_IMAGE, code="invalid_image") from error
    return ContentFile(encoded.getvalue(), name=f"{uuid.uuid4().hex}.{EXTENSIONS[image_format]}")

"""Calls to file storage, whose failures are answered 503 instead of 500.

File storage is a service of its own (S3, or a disk that fills up): when it fails, the
request could not be done, but nothing is wrong with the request or with the code. The
client gets a 503 in the error envelope and may try again later; the error is logged
with its traceback (and reaches error reporting) for whoever runs the service.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from common.exceptions import ServiceUnavailableError

logger = logging.getLogger(__name__)

STORAGE_UNAVAILABLE = "File storage is unavailable; please try again later."


@contextmanager
def storage_call(operation: str) -> Iterator[None]:
    """Turn any error of the storage calls inside into ``ServiceUnavailableError``.

    Any, not only ``OSError``: each backend raises its own (botocore's for S3), and the
    block holds storage calls alone, so whatever escapes it is a storage failure.
    """
    try:
        yield
    except Exception:
        logger.exception("File storage failed to %s", operation)
        raise ServiceUnavailableError(STORAGE_UNAVAILABLE) from None

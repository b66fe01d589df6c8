"""Write operations on users; views call these with validated, plain values."""

from contextlib import suppress

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction

from apps.users.addresses import canonical_email
from apps.users.emails import send_registration_attempt_email, send_welcome_email
from apps.users.models import AVATAR_MAX_PIXELS, EMAIL_TAKEN, User
from apps.users.selectors import user_get_by_email
from common.exceptions import ServiceError, ServiceUnavailableError
from common.images import reencoded_image
from common.services import model_update, recheck_on_conflict
from common.storage import storage_call

EMAIL_TAKEN_CODE = "email_taken"


@transaction.atomic
def user_create(
    *,
    email: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    phone_number: str = "",
) -> User:
    """Register a user; e-mail addresses are unique in their canonical form."""
    email = canonical_email(email)
    _ensure_email_free(email)
    user = User(
        email=email,
        first_name=first_name,
        last_name=last_name,
        phone_number=phone_number,
    )
    user.set_password(password)
    # Uniqueness is _ensure_email_free's, before and after the write: Django's own check
    # would answer a concurrent registration with a ValidationError, not "email_taken".
    user.full_clean(validate_unique=False, validate_constraints=False)
    with recheck_on_conflict(check=lambda: _ensure_email_free(email)):
        user.save()
    return user


def _ensure_email_free(email: str, *, exclude: User | None = None) -> None:
    """Refuse an address another user has, in any spelling (see ``apps.users.addresses``)."""
    owner = user_get_by_email(email=email)
    if owner is not None and (exclude is None or owner.pk != exclude.pk):
        raise ServiceError(EMAIL_TAKEN, code=EMAIL_TAKEN_CODE)


@transaction.atomic
def user_register(
    *,
    email: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    phone_number: str = "",
) -> User | None:
    """Register a user, or tell the owner of the address; the caller cannot see which.

    Answering "already registered" would let anyone find out who has an account. Instead
    the address's owner learns the outcome by e-mail: a new user gets a welcome, an
    existing one a note that someone tried to register their address. Returns the new
    user, or ``None`` when the address was taken (for the caller's logs, not its answer).
    """
    existing = user_get_by_email(email=email)
    if existing is not None:
        # Hash the password all the same: both outcomes take the same time.
        make_password(password)
        _tell_owner_of_attempt(existing)
        return None
    try:
        user = user_create(
            email=email,
            password=password,
            first_name=first_name,
            last_name=last_name,
            phone_number=phone_number,
        )
    except ServiceError as error:
        if error.code != EMAIL_TAKEN_CODE:
            raise
        # A concurrent registration took the address after the check above: the same
        # outcome as if it had come first, so the answer still does not tell.
        existing = user_get_by_email(email=email)
        if existing is not None:
            _tell_owner_of_attempt(existing)
        return None
    # robust: a mail server that is down must not turn a registration into a 500.
    transaction.on_commit(lambda: send_welcome_email(user=user), robust=True)
    return user


def _tell_owner_of_attempt(user: User) -> None:
    """Tell ``user``, once the transaction commits, that someone tried their address."""
    transaction.on_commit(lambda: send_registration_attempt_email(user=user), robust=True)


@transaction.atomic
def user_update(
    *,
    user: User,
    first_name: str | None = None,
    last_name: str | None = None,
    phone_number: str | None = None,
) -> User:
    """Change the given profile fields; ``None`` leaves a field as it is."""
    model_update(
        instance=user,
        data={"first_name": first_name, "last_name": last_name, "phone_number": phone_number},
    )
    return user


@transaction.atomic
def user_update_by_staff(  # noqa: PLR0913 (keyword-only: one argument per field)
    *,
    user: User,
    email: str,
    first_name: str,
    last_name: str,
    phone_number: str,
    is_active: bool,
    is_staff: bool,
    is_superuser: bool,
) -> User:
    """Change what staff edit on a user's admin page: the address, the profile, the flags.

    The address stays unique in its canonical form, checked before and after the write as
    in ``user_create``. Groups and permissions are the admin form's to save; the avatar is
    ``user_set_avatar``'s, which deletes the old file.
    """
    email = canonical_email(email)
    _ensure_email_free(email, exclude=user)
    with recheck_on_conflict(check=lambda: _ensure_email_free(email, exclude=user)):
        model_update(
            instance=user,
            data={
                "email": email,
                "first_name": first_name,
                "last_name": last_name,
                "phone_number": phone_number,
                "is_active": is_active,
                "is_staff": is_staff,
                "is_superuser": is_superuser,
            },
            # Uniqueness is _ensure_email_free's, before and after the write, as in
            # user_create.
            validate_unique=False,
            validate_constraints=False,
        )
    return user


@transaction.atomic
def user_set_avatar(*, user: User, avatar: File | None) -> User:
    """Replace the user's avatar (``None`` removes it) and delete the old file.

    The image is decoded and encoded anew under a random name (``common.images``), so what
    is stored is an image of the right format and nothing the client named. Both storage
    calls, storing the new file and deleting the old one, run before the transaction
    commits: if the storage fails, the row is left as it was and the caller gets
    ``ServiceUnavailableError`` (503). A file stored before a later failure is deleted again.
    """
    old_avatar = user.avatar.name
    storage = user.avatar.storage
    if avatar is None:
        user.avatar = ""
    else:
        # The upload as sent meets the field's validators (size, extension); then only
        # its re-encoded pixels are kept.
        user.avatar = avatar
        user.full_clean()
        try:
            user.avatar = reencoded_image(avatar, max_pixels=AVATAR_MAX_PIXELS)
        except ValidationError as error:
            raise ValidationError({"avatar": error.error_list}) from error
        with storage_call("store an avatar"):
            user.avatar.save(user.avatar.name, user.avatar.file, save=False)
    user.save(update_fields=["avatar", "updated_at"])
    if old_avatar and old_avatar != user.avatar.name:
        try:
            with storage_call("delete a replaced avatar"):
                storage.delete(old_avatar)
        except ServiceUnavailableError:
            if user.avatar:
                # The row keeps the old file: the new one must not stay behind, unused.
                with suppress(ServiceUnavailableError), storage_call("delete an unused avatar"):
                    storage.delete(user.avatar.name)
            raise
    return user

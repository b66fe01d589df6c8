"""Write operations on users; views call these with validated, plain values."""

from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from apps.users.emails import send_registration_attempt_email, send_welcome_email
from apps.users.models import User
from apps.users.selectors import user_get_by_email
from common.exceptions import ServiceError
from common.services import model_update

EMAIL_TAKEN = "An account with this e-mail address already exists."


@transaction.atomic
def user_create(
    *,
    email: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    phone_number: str = "",
) -> User:
    """Register a user; e-mail addresses are unique regardless of case."""
    if user_get_by_email(email=email) is not None:
        raise ServiceError(EMAIL_TAKEN, code="email_taken")
    user = User(
        email=User.objects.normalize_email(email).lower(),
        first_name=first_name,
        last_name=last_name,
        phone_number=phone_number,
    )
    user.set_password(password)
    user.full_clean()
    user.save()
    return user


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
        transaction.on_commit(
            lambda: send_registration_attempt_email(user=existing),
            robust=True,
        )
        return None
    user = user_create(
        email=email,
        password=password,
        first_name=first_name,
        last_name=last_name,
        phone_number=phone_number,
    )
    # robust: a mail server that is down must not turn a registration into a 500.
    transaction.on_commit(lambda: send_welcome_email(user=user), robust=True)
    return user


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
def user_set_avatar(*, user: User, avatar: UploadedFile | None) -> User:
    """Replace the user's avatar (``None`` removes it) and delete the old file."""
    old_avatar = user.avatar.name
    if avatar is None:
        user.avatar = ""
    else:
        user.avatar = avatar
        user.full_clean()
    user.save(update_fields=["avatar", "updated_at"])
    if old_avatar and old_avatar != user.avatar.name:
        storage = user.avatar.storage
        transaction.on_commit(lambda: storage.delete(old_avatar))
    return user

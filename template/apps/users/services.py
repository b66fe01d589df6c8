"""Write operations on users; views call these with validated, plain values."""

from contextlib import suppress

from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import F

from apps.users.addresses import canonical_email
from apps.users.emails import (
    send_password_reset_email,
    send_registration_attempt_email,
    send_verification_email,
)
from apps.users.models import AVATAR_MAX_PIXELS, EMAIL_TAKEN, User
from apps.users.selectors import user_get_by_email, user_get_by_uid
from apps.users.sessions import sessions_end
from apps.users.tokens import email_verification_user, password_reset_token_is_valid
from common.exceptions import ConflictError, ServiceError, ServiceUnavailableError
from common.images import reencoded_image
from common.services import model_update, recheck_on_conflict
from common.storage import storage_call

EMAIL_TAKEN_CODE = "email_taken"
INVALID_LINK = "This link is invalid or has expired; ask for a new one."
INVALID_LINK_CODE = "invalid_link"
WRONG_CURRENT = "The current password is wrong."
WRONG_CURRENT_CODE = "wrong_password"


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
        raise ConflictError(EMAIL_TAKEN, code=EMAIL_TAKEN_CODE)


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
    the address's owner learns the outcome by e-mail: a new user gets the link that
    verifies the address (the account cannot sign in before), an existing one a note that
    someone tried to register their address. Returns the new user, or ``None`` when the
    address was taken (for the caller's logs, not its answer).

    Someone who registers another person's address gets an account that never opens: only
    the address's owner receives the link, and a password reset (which the owner can ask
    for) verifies the address and replaces the squatter's password.
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
    transaction.on_commit(lambda: send_verification_email(user=user), robust=True)
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


@transaction.atomic
def user_verify_email(*, token: str) -> User:
    """Mark the address a verification link was sent to as verified; the account opens.

    Following the link again is harmless; a forged, expired or stale one (the address
    changed since) is refused.
    """
    user = email_verification_user(token=token)
    if user is None:
        raise ServiceError(INVALID_LINK, code=INVALID_LINK_CODE)
    if not user.email_verified:
        model_update(instance=user, data={"email_verified": True})
    return user


@transaction.atomic
def user_resend_verification(*, email: str) -> None:
    """Send the verification link again, if ``email`` belongs to an unverified account.

    The caller answers the same whatever happened: whether the address has an account,
    verified or not, is never told.
    """
    user = user_get_by_email(email=email)
    if user is not None and not user.email_verified:
        transaction.on_commit(lambda: send_verification_email(user=user), robust=True)


@transaction.atomic
def user_end_sessions(*, user: User) -> User:
    """Sign ``user`` out everywhere: every token and browser session issued so far ends."""
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    user.refresh_from_db(fields=["session_generation"])
    sessions_end(user=user)
    return user


@transaction.atomic
def user_change_password(*, user: User, current_password: str, new_password: str) -> User:
    """Replace the password of a signed-in user, who must know the current one.

    Every session ends, the caller's too; the view starts a new one for the caller.
    """
    if not user.check_password(current_password):
        # A business rule, not malformed input: a code of its own, which clients can tell
        # from the validators' ``validation_error`` on the new password.
        raise ServiceError(
            WRONG_CURRENT,
            code=WRONG_CURRENT_CODE,
            details={"current_password": [WRONG_CURRENT]},
        )
    return _set_password(user=user, password=new_password)


@transaction.atomic
def user_request_password_reset(*, email: str) -> None:
    """E-mail a one-time reset link to the owner of ``email``, if it has an account.

    The caller answers the same whatever happened. Unverified accounts get the link too:
    following it proves the address (see ``user_reset_password``).
    """
    user = user_get_by_email(email=email)
    if user is not None and user.is_active:
        transaction.on_commit(lambda: send_password_reset_email(user=user), robust=True)


@transaction.atomic
def user_reset_password(*, uid: str, token: str, new_password: str) -> User:
    """Set a new password from a reset link; the link then stops working.

    The link reached the address's inbox, so the address counts as verified: this is how
    the owner of an address someone else registered takes the account over.
    """
    user = user_get_by_uid(uid=uid)
    if (
        user is None
        or not user.is_active
        or not password_reset_token_is_valid(user=user, token=token)
    ):
        raise ServiceError(INVALID_LINK, code=INVALID_LINK_CODE)
    user.email_verified = True
    return _set_password(user=user, password=new_password)


def _set_password(*, user: User, password: str) -> User:
    """Check ``password`` against the validators, store it and end every session."""
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as error:
        raise ValidationError({"new_password": error.messages}) from error
    user.set_password(password)
    user.save(update_fields=["password", "email_verified", "updated_at"])
    return user_end_sessions(user=user)

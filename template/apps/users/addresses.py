"""The one canonical form of an e-mail address, which every part of the project compares.

Two spellings of one address must meet the same account everywhere: at registration, in
the database's unique index, at login, in the login throttle's key and in a password reset.
They did not while each part normalised in its own way: Django's ``clean()`` applies NFKC,
Python's ``lower()`` leaves the dotless i (U+0131) alone, PostgreSQL's ``UPPER()`` maps it
to ``I``. So ``canonical_email`` alone decides, and the database stores and compares only
its result (``User.email`` is unique as stored; lookups are exact).

The canonical form:

- surrounding whitespace removed;
- the local part NFKC-normalised, then case-folded, then NFKC-normalised again (Unicode's
  ``NFKC_Casefold`` in effect): ``\\uff45`` (fullwidth e) is ``e``, the Kelvin sign ``K``
  is ``k``, the long s ``\\u017f`` is ``s``, and an NFD spelling equals the NFC one. The
  dotless i stays a dotless i: it is a different letter, and mail servers deliver it to a
  different mailbox, so it is a different address (that it also is a different account
  everywhere is what closes the throttle bypass);
- the domain put through IDNA (``nameprep``: the same mapping, plus IDNA's own, such as
  the ideographic full stop as a dot) and back to Unicode, so ``B\\u00fccher.example``,
  its NFD spelling and ``xn--bcher-kva.example`` are one domain, shown as ``bücher.example``.

Strictly, the local part of an address is case-sensitive (RFC 5321); in practice no
provider treats it so, and a user who typed a capital letter expects to log in without it.
"""

import unicodedata

__all__ = ["canonical_email"]


def canonical_email(address: str) -> str:
    """Return the canonical form of ``address``; never raises for any string.

    A value that is not an address (no ``@``, a domain IDNA refuses) is still folded, so a
    throttle or a lookup given it is as strict as for a real address; the serializers
    refuse it.
    """
    local, at, domain = _fold(address.strip()).rpartition("@")
    if not at:
        return domain
    return f"{local}@{_canonical_domain(domain)}"


def _fold(text: str) -> str:
    """Apply NFKC and case folding (close to Unicode's ``NFKC_Casefold``)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def _canonical_domain(domain: str) -> str:
    """Return the domain's IDNA form, in Unicode; the folded domain if IDNA refuses it."""
    try:
        return domain.encode("idna").decode("idna")
    except UnicodeError:
        return domain

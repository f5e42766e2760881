"""The VAPID key pair: generated once into instance/, or given in the environment. Never rotated
silently: a new key would orphan every existing subscription."""
import base64
import os
import re
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid02

SUBJECT = re.compile(r"^(mailto:[^@\s]+@[^@\s]+\.[A-Za-z]{2,}|https://[A-Za-z0-9.-]+\.[A-Za-z]{2,}(/\S*)?)$")


class VapidError(RuntimeError):
    """Push is not configured well enough to send."""


def key_path(instance: Path) -> Path:
    return instance / "vapid_private.pem"


def generate(instance: Path) -> tuple[Path, str]:
    """Create the key pair once; refuse when one exists (rotating would break every subscription)."""
    path = key_path(instance)
    if path.exists() or os.environ.get("VAPID_PRIVATE_KEY"):
        raise VapidError(f"A VAPID key already exists ({path if path.exists() else 'VAPID_PRIVATE_KEY'}); "
                         "it is kept, because a new key would end every push subscription.")
    instance.mkdir(parents=True, exist_ok=True)
    vapid = Vapid02()
    vapid.generate_keys()
    path.write_bytes(vapid.private_pem())
    path.chmod(0o600)
    return path, public_key_b64(vapid)


def load(app) -> Vapid02 | None:
    """The key from the VAPID_PRIVATE_KEY setting or environment (PEM text), or
    instance/vapid_private.pem; None when there is none."""
    instance = Path(app.instance_path)
    pem = app.config.get("VAPID_PRIVATE_KEY") or os.environ.get("VAPID_PRIVATE_KEY")
    if pem:
        return Vapid02.from_pem(pem.replace("\\n", "\n").encode())
    path = key_path(instance)
    if path.exists():
        return Vapid02.from_file(str(path))
    return None


def public_key_b64(vapid: Vapid02) -> str:
    """The application server key as the browser's pushManager.subscribe() wants it."""
    raw = vapid.public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def check_subject(subject: str | None) -> str:
    """The contact claim must be a real mailto: or https: address (Apple refuses others)."""
    if not subject or not SUBJECT.match(subject) or "example" in subject or "localhost" in subject:
        raise VapidError("Set VAPID_SUBJECT to a real contact address, e.g. mailto:beheer@uwgemeente.nl")
    return subject

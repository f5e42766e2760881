"""Web Push message encryption (RFC 8291 with the aes128gcm coding of RFC 8188), with `cryptography`
directly: pywebpush's WebPusher parses the subscription keys again and builds several cipher
objects per message, which cost more CPU than the elliptic-curve work itself.

Every message gets a new ephemeral P-256 key and a new random 16-byte salt, as the RFC requires;
only the parsed public key of a subscription is reused."""
import base64
import hmac
import os
import struct

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

RECORD_SIZE = 4096
# One record holds the payload, the padding delimiter and the 16-byte tag.
MAX_PLAINTEXT = RECORD_SIZE - 17
_CURVE = ec.SECP256R1()
_ECDH = ec.ECDH()
_KEY_INFO = b"WebPush: info\x00"
_CEK_INFO = b"Content-Encoding: aes128gcm\x00\x01"
_NONCE_INFO = b"Content-Encoding: nonce\x00\x01"
_RECORD_SIZE = struct.pack("!L", RECORD_SIZE)


def _b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _hmac(key: bytes, message: bytes) -> bytes:
    return hmac.digest(key, message, "sha256")


class SubscriptionKeys:
    """A subscription's p256dh (the browser's public key) and auth secret, parsed once.
    Raises ValueError for a key that is no P-256 point or an auth secret that is not 16 bytes."""

    __slots__ = ("public_key", "public_bytes", "auth")

    def __init__(self, p256dh: str, auth: str):
        self.public_bytes = _b64(p256dh)
        self.public_key = ec.EllipticCurvePublicKey.from_encoded_point(_CURVE, self.public_bytes)
        self.auth = _b64(auth)
        if len(self.auth) != 16:
            raise ValueError(f"auth secret is {len(self.auth)} bytes, not 16")


def encrypt(plaintext: bytes, keys: SubscriptionKeys) -> bytes:
    """The aes128gcm request body: salt, record size, our ephemeral public key, one record."""
    if len(plaintext) > MAX_PLAINTEXT:
        raise ValueError(f"payload of {len(plaintext)} bytes does not fit one record")
    ephemeral = ec.generate_private_key(_CURVE)
    ours = ephemeral.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    shared = ephemeral.exchange(_ECDH, keys.public_key)
    # HKDF-SHA-256 written out (one block each): IKM from the shared secret and the auth secret,
    # then the content key and nonce from the salt.
    ikm = _hmac(_hmac(keys.auth, shared), _KEY_INFO + keys.public_bytes + ours + b"\x01")
    salt = os.urandom(16)
    prk = _hmac(salt, ikm)
    cek, nonce = _hmac(prk, _CEK_INFO)[:16], _hmac(prk, _NONCE_INFO)[:12]
    # 0x02: the padding delimiter of the last (here: only) record.
    record = AESGCM(cek).encrypt(nonce, plaintext + b"\x02", None)
    return salt + _RECORD_SIZE + bytes((len(ours),)) + ours + record

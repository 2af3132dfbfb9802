"""The body's Ed25519 signing keys: one active key, older public keys kept to verify with.

`KeyRing.load(directory)` reads a key directory (lifecycle.keys.ring); `key_directory`
says where it is for a given set of settings (lifecycle.keys.location).
"""

from lifecycle.keys.location import key_directory
from lifecycle.keys.ring import KeyRing, KeyRingError, PublicKey, key_id_of

__all__ = ["KeyRingError", "KeyRing", "PublicKey", "key_directory", "key_id_of"]

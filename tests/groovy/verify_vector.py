#!/usr/bin/env python3
"""Checks the companion's protocol-1 test vector with Python's `cryptography`, independently of
the Java side (tests/groovy/VectorTests.groovy): the encrypted key unwraps to the vector's AES key
(RSA-OAEP, SHA-256 digest and MGF1), AES-256-GCM of the plaintext under the vector's key, IV and
additional data is the vector's ciphertext, the envelope opens to the plaintext, and every key
pair of the plaintext is a PKCS#12 that opens with its password and holds the fixture's key.

Usage: verify_vector.py tests/fixtures/companion/vector.json
"""

import base64
import json
import pathlib
import sys

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import pkcs12


def check(condition, what):
    if not condition:
        raise SystemExit(f"test vector: {what}")


def main(path):
    vector_file = pathlib.Path(path)
    folder = vector_file.parent
    vector = json.loads(vector_file.read_text(encoding="utf-8"))
    envelope = vector["envelope"]
    check(vector["protocol"] == 1 and envelope["protocol"] == 1, "protocol is not 1")
    check(vector["alg"] == envelope["alg"] == "RSA-OAEP-256+A256GCM", "unexpected algorithm")
    check(vector["aad"] == "cpi-gitops-companion/1", "unexpected additional data")

    private_key = serialization.load_pem_private_key(
        (folder / vector["rsa_private_key_file"]).read_bytes(), password=None)
    public_der = private_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    check(base64.b64decode(vector["public_key"]) == public_der,
          "public_key is not the DER SubjectPublicKeyInfo of the private key")

    oaep = padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    aes_key = private_key.decrypt(base64.b64decode(envelope["encrypted_key"]), oaep)
    check(aes_key.hex() == vector["aes_key_hex"], "encrypted_key does not unwrap to aes_key_hex")

    iv = bytes.fromhex(vector["iv_hex"])
    check(len(iv) == 12 and base64.b64decode(envelope["iv"]) == iv, "iv differs from iv_hex")
    aad = vector["aad"].encode("ascii")
    plaintext = vector["plaintext"].encode("utf-8")
    sealed = AESGCM(aes_key).encrypt(iv, plaintext, aad)
    check(base64.b64encode(sealed).decode("ascii") == envelope["ciphertext"],
          "AES-256-GCM of the plaintext is not the envelope's ciphertext")
    check(AESGCM(aes_key).decrypt(iv, base64.b64decode(envelope["ciphertext"]), aad) == plaintext,
          "the ciphertext does not open to the plaintext")

    fixture = json.loads((folder / "secure-store.json").read_text(encoding="utf-8"))
    items = json.loads(vector["plaintext"])["items"]
    pairs = [i for i in items if i.get("kind") == "key-pair" and i.get("status") == "ok"]
    check(len(pairs) == 2, "the plaintext should hold two key pairs")
    for item in pairs:
        key, certificate, chain = pkcs12.load_key_and_certificates(
            base64.b64decode(item["pkcs12"]), item["pkcs12_password"].encode("utf-8"))
        entry = fixture["keystore"][item["name"]]
        expected = serialization.load_pem_private_key((folder / entry["key"]).read_bytes(), password=None)
        der = serialization.PrivateFormat.PKCS8
        check(key.private_bytes(serialization.Encoding.DER, der, serialization.NoEncryption())
              == expected.private_bytes(serialization.Encoding.DER, der, serialization.NoEncryption()),
              f"the PKCS#12 of {item['name']} does not hold the fixture's key")
        check(certificate is not None and 1 + len(chain) == item["certificates"],
              f"the PKCS#12 of {item['name']} does not hold its {item['certificates']} certificates")

    print(f"test vector ok: {len(items)} items, {len(pairs)} PKCS#12 key pairs "
          f"(Python {sys.version.split()[0]}, cryptography {__import__('cryptography').__version__})")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    main(sys.argv[1])

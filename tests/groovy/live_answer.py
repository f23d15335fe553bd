#!/usr/bin/env python3
"""A live answer of the real security-material script, opened with Python's `cryptography`: makes
a one-time RSA key, asks tests/groovy/respond.groovy for every kind the fixture can reveal, and
checks the decrypted values against tests/fixtures/companion/secure-store.json. The same round
trip an exporter makes, with nothing of the Java side in the decryption.

Usage (from the repository's root, after .ci/groovy-tests compiled the stand-ins):
    live_answer.py target/groovy-tests/standins
"""

import base64
import json
import subprocess
import sys

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import pkcs12


def main(standins):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    items = [
        {"kind": "user-credential", "name": "ERP_Basic"},
        {"kind": "secure-parameter", "name": "Bank_API_Key"},
        {"kind": "oauth2-client-credential", "name": "S4_OAuth"},
        {"kind": "user-credential-parameter", "pid": "ACME", "id": "sftp"},
        {"kind": "key-pair", "name": "cpigitops_signing"},
        {"kind": "user-credential", "name": "Nobody_Has_This"},
    ]
    request = json.dumps({"protocol": 1, "public_key": base64.b64encode(public).decode(), "items": items})
    done = subprocess.run(
        ["groovy", "-cp", f"{standins}:tests/groovy", "tests/groovy/respond.groovy", "security-material"],
        input=request.encode(), capture_output=True, check=True)
    answer = json.loads(done.stdout)
    assert answer["status"] == 200, answer
    assert answer["headers"] == {"Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store"}, answer
    envelope = json.loads(answer["body"])
    aes_key = key.decrypt(base64.b64decode(envelope["encrypted_key"]),
                          padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None))
    plaintext = AESGCM(aes_key).decrypt(base64.b64decode(envelope["iv"]), base64.b64decode(envelope["ciphertext"]),
                                        b"cpi-gitops-companion/%d" % envelope["protocol"])
    answers = json.loads(plaintext)["items"]

    credentials = json.load(open("tests/fixtures/companion/secure-store.json", encoding="utf-8"))["credentials"]
    assert [a["status"] for a in answers] == ["ok"] * 5 + ["not_found"], answers
    assert answers[0]["password"] == credentials["ERP_Basic"]["password"]
    assert answers[1]["value"] == credentials["Bank_API_Key"]["password"]
    assert answers[2]["client_secret"] == credentials["S4_OAuth"]["password"]
    assert answers[3]["password"] == credentials["pd:ACME:sftp:UserCredential"]["password"]
    private, certificate, chain = pkcs12.load_key_and_certificates(
        base64.b64decode(answers[4]["pkcs12"]), answers[4]["pkcs12_password"].encode())
    expected = serialization.load_pem_private_key(
        open("tests/fixtures/companion/keystore/cpigitops_signing.key.pem", "rb").read(), password=None)
    assert private.private_numbers() == expected.private_numbers()
    assert certificate is not None and len(chain) == 1
    print(f"live answer ok: {len(answers)} items decrypted with Python's cryptography")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    main(sys.argv[1])

/*
 * Writes tests/fixtures/companion/vector.json: the protocol-1 test vector, made by the real
 * security-material script (its answer(), seal() and encryptBody()) from the fixture's secure
 * store, a fixed AES key and IV, and the test-only RSA key vector-rsa-private.pem.
 *
 * Not run by CI (the RSA-OAEP encryption is randomized, so every run writes another
 * encrypted_key); CI checks the committed vector instead (VectorTests, verify_vector.py). Run it
 * from the repository's root only to change the vector:
 *
 *   javac --release 8 -d target/groovy-tests/standins $(find tests/groovy/standins -name '*.java')
 *   groovy -cp target/groovy-tests/standins:tests/groovy tests/groovy/make-vector.groovy
 *
 * The key pair cpigitops_signing is stored as this JVM stores PKCS#12 by default (Java 17:
 * PBES2 with AES-256 and an HmacSHA256 MAC, as Java 8u301 and later do); cpigitops_ec as older
 * Java 8 updates do (keys with PBEWithSHA1AndDESede, certificates with PBEWithSHA1AndRC2_40, an
 * HmacPBESHA1 MAC), so a reader of the vector proves it reads what any tenant JVM writes.
 */

import groovy.json.JsonOutput

import java.nio.charset.StandardCharsets
import java.security.KeyFactory
import java.security.interfaces.RSAPrivateCrtKey
import java.security.spec.RSAPublicKeySpec

File vectorFile = new File(Harness.fixtures, 'vector.json')
def key = (RSAPrivateCrtKey) Harness.privateKey(new File(Harness.fixtures, 'vector-rsa-private.pem'))
def publicKey = KeyFactory.getInstance('RSA').generatePublic(new RSAPublicKeySpec(key.modulus, key.publicExponent))
byte[] aesKey = Harness.unhex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f')
byte[] iv = Harness.unhex('cafebabefacedbaddecaf888')

Harness.installServices(Harness.fixture())
def script = Harness.load(SecurityMaterialTests.SCRIPT, new RecordingLogFactory())
def services = [:]
def items = [
    [kind: 'user-credential', name: 'ERP_Basic'],
    [kind: 'secure-parameter', name: 'Bank_API_Key'],
    [kind: 'oauth2-client-credential', name: 'S4_OAuth'],
    [kind: 'user-credential-parameter', pid: 'ACME', id: 'sftp'],
    [kind: 'key-pair', name: 'cpigitops_signing'],
].collect { script.answer(it, services) }

['keystore.pkcs12.keyProtectionAlgorithm': 'PBEWithSHA1AndDESede',
 'keystore.pkcs12.certProtectionAlgorithm': 'PBEWithSHA1AndRC2_40',
 'keystore.pkcs12.macAlgorithm'          : 'HmacPBESHA1'].each { k, v -> System.setProperty(k, v) }
items << script.answer([kind: 'key-pair', name: 'cpigitops_ec'], services)
['keystore.pkcs12.keyProtectionAlgorithm', 'keystore.pkcs12.certProtectionAlgorithm', 'keystore.pkcs12.macAlgorithm'].each {
    System.clearProperty(it)
}

items += [
    [kind: 'user-credential', name: 'Nobody_Has_This'],
    [kind: 'oauth2-client-credential', name: 'Hidden_OAuth'],
    [kind: 'secure-parameter', name: 'ERP_Basic'],
    [kind: 'key-pair', name: 'cpigitops_broken'],
    [kind: 'certificate', name: 'cpigitops_test_ca'],
    [kind: 'user-credential'],
].collect { script.answer(it, services) }
assert items*.status == ['ok'] * 6 + ['not_found', 'unreadable', 'wrong_kind', 'error', 'unsupported_kind', 'invalid']

String plaintext = JsonOutput.toJson([items: items])
Map envelope = script.seal(plaintext.getBytes(StandardCharsets.UTF_8), publicKey, aesKey, iv)

Map vector = [
    about               : 'Protocol-1 test vector of the cpi-gitops companion (docs/companion.md, "The test vector"). Test-only keys; the secrets are the canaries of secure-store.json.',
    protocol            : 1,
    alg                 : 'RSA-OAEP-256+A256GCM',
    aad                 : 'cpi-gitops-companion/1',
    rsa_private_key_file: 'vector-rsa-private.pem',
    public_key          : Base64.encoder.encodeToString(publicKey.encoded),
    aes_key_hex         : Harness.hex(aesKey),
    iv_hex              : Harness.hex(iv),
    plaintext           : plaintext,
    envelope            : envelope,
]
vectorFile.setText(JsonOutput.prettyPrint(JsonOutput.toJson(vector)) + '\n', 'UTF-8')
println "wrote $vectorFile"

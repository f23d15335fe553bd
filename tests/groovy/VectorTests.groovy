import groovy.json.JsonSlurper

import java.nio.charset.StandardCharsets
import java.security.KeyFactory
import java.security.KeyStore
import java.security.PrivateKey
import java.security.interfaces.RSAPrivateCrtKey
import java.security.spec.X509EncodedKeySpec

/**
 * The committed test vector (tests/fixtures/companion/vector.json) against the real script and
 * Java's crypto; tests/groovy/verify_vector.py checks the same vector with Python's
 * `cryptography`, and the Rust side checks it with its own crypto.
 */
class VectorTests {

    static Map vector() { new JsonSlurper().parse(new File(Harness.fixtures, 'vector.json'), 'UTF-8') as Map }

    static RSAPrivateCrtKey privateKey(Map vector) {
        (RSAPrivateCrtKey) Harness.privateKey(new File(Harness.fixtures, vector.rsa_private_key_file as String))
    }

    void testTheEncryptedKeyUnwrapsToTheVectorsAesKey() {
        Map v = vector()
        byte[] key = Harness.unwrap(Base64.decoder.decode(v.envelope.encrypted_key as String), privateKey(v))
        assert Harness.hex(key) == v.aes_key_hex
        def publicKey = KeyFactory.getInstance('RSA').generatePublic(new X509EncodedKeySpec(Base64.decoder.decode(v.public_key as String)))
        assert publicKey.modulus == privateKey(v).modulus
    }

    void testTheScriptEncryptsThePlaintextToTheVectorsCiphertext() {
        Map v = vector()
        def script = Harness.load(SecurityMaterialTests.SCRIPT, new RecordingLogFactory())
        byte[] sealed = script.encryptBody((v.plaintext as String).getBytes(StandardCharsets.UTF_8),
                Harness.unhex(v.aes_key_hex as String), Harness.unhex(v.iv_hex as String))
        assert Base64.encoder.encodeToString(sealed) == v.envelope.ciphertext
        assert Harness.hex(script.additionalData()) == Harness.hex((v.aad as String).getBytes(StandardCharsets.US_ASCII))
        assert v.envelope.iv == Base64.encoder.encodeToString(Harness.unhex(v.iv_hex as String))
    }

    void testTheEnvelopeOpensToThePlaintext() {
        Map v = vector()
        Map opened = Harness.open(v.envelope as Map, privateKey(v))
        assert opened == new JsonSlurper().parseText(v.plaintext as String)
        assert v.envelope.keySet() == ['protocol', 'companion_version', 'alg', 'encrypted_key', 'iv', 'ciphertext'] as Set
        assert [v.envelope.protocol, v.envelope.alg] == [v.protocol, v.alg]
    }

    void testTheSealOfTheScriptOpensWithTheVectorsKey() {
        Map v = vector()
        def script = Harness.load(SecurityMaterialTests.SCRIPT, new RecordingLogFactory())
        def publicKey = KeyFactory.getInstance('RSA').generatePublic(new X509EncodedKeySpec(Base64.decoder.decode(v.public_key as String)))
        Map envelope = script.seal((v.plaintext as String).getBytes(StandardCharsets.UTF_8), publicKey,
                Harness.unhex(v.aes_key_hex as String), Harness.unhex(v.iv_hex as String))
        assert envelope.ciphertext == v.envelope.ciphertext
        assert envelope.encrypted_key != v.envelope.encrypted_key: 'RSA-OAEP is randomized'
        assert Harness.open(envelope, privateKey(v)) == new JsonSlurper().parseText(v.plaintext as String)
    }

    void testTheVectorsKeyPairsAreReadablePkcs12OfTheFixtureKeys() {
        Map v = vector()
        List<Map> pairs = (new JsonSlurper().parseText(v.plaintext as String).items as List<Map>).findAll { it.kind == 'key-pair' && it.status == 'ok' }
        assert pairs*.name == ['cpigitops_signing', 'cpigitops_ec']
        pairs.each { item ->
            char[] password = (item.pkcs12_password as String).toCharArray()
            KeyStore pkcs12 = KeyStore.getInstance('PKCS12')
            pkcs12.load(new ByteArrayInputStream(Base64.decoder.decode(item.pkcs12 as String)), password)
            PrivateKey key = (PrivateKey) pkcs12.getKey(item.name as String, password)
            Map entry = Harness.fixture().keystore[item.name] as Map
            assert key.encoded == Harness.privateKey(new File(Harness.fixtures, entry.key as String)).encoded
            assert pkcs12.getCertificateChain(item.name as String).length == item.certificates
        }
    }
}

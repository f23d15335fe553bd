import com.sap.it.api.keystore.KeystoreService
import com.sap.it.api.securestore.SecureStoreService
import cpigitops.standins.RecordingMessage
import cpigitops.standins.Services
import groovy.json.JsonSlurper

import javax.crypto.Cipher
import javax.crypto.spec.GCMParameterSpec
import javax.crypto.spec.OAEPParameterSpec
import javax.crypto.spec.PSource
import javax.crypto.spec.SecretKeySpec
import java.nio.charset.StandardCharsets
import java.security.KeyFactory
import java.security.PrivateKey
import java.security.cert.Certificate
import java.security.cert.CertificateFactory
import java.security.spec.MGF1ParameterSpec
import java.security.spec.PKCS8EncodedKeySpec

/**
 * What the tests of the companion scripts share: the repository's paths, the production scripts
 * loaded as a tenant loads them, fixtures behind the stand-ins of SAP's script API, a recording
 * message, the decryption of an answer (Java's own crypto), and the search for leaked canaries.
 */
class Harness {

    static File root = new File('.').canonicalFile
    static File companion = new File(root, 'companion')
    static File fixtures = new File(root, 'tests/fixtures/companion')

    static File flow(String id) { new File(companion, "flows/$id") }

    static File script(String flowId, String name) {
        new File(flow(flowId), "src/main/resources/script/$name")
    }

    /** A production script, parsed as the tenant does, with a recording messageLogFactory bound. */
    static Script load(File file, RecordingLogFactory logs) {
        Binding binding = new Binding()
        binding.setVariable('messageLogFactory', logs)
        new GroovyShell(binding).parse(file)
    }

    /** The canary secure store of the tests (tests/fixtures/companion/secure-store.json). */
    static Map fixture() { store(new File(fixtures, 'secure-store.json')) }

    static Map store(File file) {
        new JsonSlurper().parse(file, 'UTF-8') as Map
    }

    /** Puts a secure-store fixture behind ITApiFactory (its PEM paths relative to `folder`). */
    static void installServices(Map store, File folder = fixtures) {
        Services.clear()
        Services.put(SecureStoreService, new FixtureSecureStore(store.credentials as Map ?: [:]))
        Services.put(KeystoreService, new FixtureKeystore(store.keystore as Map ?: [:], folder))
    }

    /**
     * Runs a script's processData on a message as the tenant does: the script freshly parsed, a
     * recording messageLogFactory bound, the console captured. What the script sent out.
     */
    static Map run(File script, RecordingMessage message) {
        def logs = new RecordingLogFactory()
        def parsed = load(script, logs)
        def console = new ByteArrayOutputStream()
        PrintStream out = System.out, err = System.err
        System.setOut(new PrintStream(console, true, 'UTF-8'))
        System.setErr(new PrintStream(console, true, 'UTF-8'))
        def returned
        try {
            returned = parsed.invokeMethod('processData', message)
        } finally {
            System.setOut(out)
            System.setErr(err)
        }
        assert returned.is(message): 'processData returns the message it was given'
        [message: message, logs: logs, console: console.toString('UTF-8')]
    }

    static PrivateKey privateKey(File pem) {
        byte[] der = pemBlocks(pem.getText('US-ASCII'), 'PRIVATE KEY')[0]
        for (String algorithm : ['RSA', 'EC']) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der))
            } catch (Exception ignored) {
                // try the next algorithm
            }
        }
        throw new IllegalStateException("$pem holds no RSA or EC private key")
    }

    static Certificate[] chain(File pem) {
        CertificateFactory.getInstance('X.509').generateCertificates(new ByteArrayInputStream(pem.bytes)) as Certificate[]
    }

    static List<byte[]> pemBlocks(String text, String label) {
        def matcher = text =~ /(?s)-----BEGIN ${label}-----(.*?)-----END ${label}-----/
        matcher.collect { m -> Base64.mimeDecoder.decode(((List) m)[1].toString()) }
    }

    /** Decrypts an answer envelope with Java's crypto: the plaintext document. */
    static Map open(Map envelope, PrivateKey recipient) {
        assert envelope.protocol == 1
        assert envelope.alg == 'RSA-OAEP-256+A256GCM'
        byte[] aesKey = unwrap(Base64.decoder.decode(envelope.encrypted_key as String), recipient)
        byte[] plaintext = decryptBody(Base64.decoder.decode(envelope.ciphertext as String), aesKey,
                Base64.decoder.decode(envelope.iv as String), "cpi-gitops-companion/${envelope.protocol}")
        new JsonSlurper().parseText(new String(plaintext, StandardCharsets.UTF_8)) as Map
    }

    static byte[] unwrap(byte[] encryptedKey, PrivateKey recipient) {
        Cipher rsa = Cipher.getInstance('RSA/ECB/OAEPPadding')
        rsa.init(Cipher.DECRYPT_MODE, recipient,
                new OAEPParameterSpec('SHA-256', 'MGF1', MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT))
        rsa.doFinal(encryptedKey)
    }

    static byte[] decryptBody(byte[] sealed, byte[] aesKey, byte[] iv, String aad) {
        Cipher aes = Cipher.getInstance('AES/GCM/NoPadding')
        aes.init(Cipher.DECRYPT_MODE, new SecretKeySpec(aesKey, 'AES'), new GCMParameterSpec(128, iv))
        aes.updateAAD(aad.getBytes(StandardCharsets.US_ASCII))
        aes.doFinal(sealed)
    }

    static String hex(byte[] bytes) { bytes.encodeHex().toString() }

    static byte[] unhex(String text) { text.decodeHex() }
}

import cpigitops.standins.RecordingMessage
import cpigitops.standins.Services
import com.sap.it.api.securestore.SecureStoreService
import groovy.json.JsonOutput
import groovy.json.JsonSlurper

import javax.crypto.AEADBadTagException
import java.nio.charset.StandardCharsets
import java.security.KeyPair
import java.security.KeyPairGenerator
import java.security.KeyStore
import java.security.PrivateKey
import java.security.cert.Certificate
import java.security.spec.ECGenParameterSpec

/** The security-material flow's script (CPIGitOps_SecurityMaterial), run as the tenant runs it. */
class SecurityMaterialTests {

    static final File SCRIPT = Harness.script('CPIGitOps_SecurityMaterial', 'SecurityMaterial.groovy')
    static final KeyPair EXPORTER = rsa(2048)

    /** Every kind the exporter asks for, one name each that the fixture can reveal. */
    static final List<Map> READABLE = [
        [kind: 'user-credential', name: 'ERP_Basic'],
        [kind: 'user-credential', name: 'SuccessFactors_Basic'],
        [kind: 'secure-parameter', name: 'Bank_API_Key'],
        [kind: 'oauth2-client-credential', name: 'S4_OAuth'],
        [kind: 'user-credential-parameter', pid: 'ACME', id: 'sftp'],
        [kind: 'key-pair', name: 'cpigitops_signing'],
        [kind: 'key-pair', name: 'cpigitops_ec'],
    ]

    /** Names the fixture cannot reveal, each for another reason. */
    static final List<Map> UNREADABLE = [
        [kind: 'user-credential', name: 'Nobody_Has_This'],
        [kind: 'oauth2-client-credential', name: 'Hidden_OAuth'],
        [kind: 'user-credential', name: 'Broken_Entry'],
        [kind: 'secure-parameter', name: 'ERP_Basic'],
        [kind: 'oauth2-client-credential', name: 'Bank_API_Key'],
        [kind: 'user-credential-parameter', pid: 'ACME', id: 'nothing'],
        [kind: 'key-pair', name: 'nobody_has_this'],
        [kind: 'key-pair', name: 'cpigitops_test_ca'],
        [kind: 'key-pair', name: 'cpigitops_secret_key'],
        [kind: 'key-pair', name: 'cpigitops_broken'],
        [kind: 'certificate', name: 'cpigitops_test_ca'],
        [kind: 'user-credential'],
        [kind: 'user-credential-parameter', pid: 'ACME'],
        [name: 'no kind'],
        'not an object',
    ]

    void testEveryKindDecryptsToTheSecretsOfTheSecureStore() {
        Map fixture = Harness.fixture()
        Map credentials = fixture.credentials as Map
        def run = post(request(READABLE))
        assert run.message.headers.CamelHttpResponseCode == null: 'a successful answer keeps the adapter\'s 200'
        assert run.message.headers['Content-Type'] == 'application/json; charset=utf-8'
        Map envelope = new JsonSlurper().parseText(run.message.bodyText()) as Map
        assert envelope.keySet() == ['protocol', 'companion_version', 'alg', 'encrypted_key', 'iv', 'ciphertext'] as Set
        assert envelope.protocol == 1
        assert envelope.companion_version == new JsonSlurper().parse(new File(Harness.companion, 'package.json')).Version
        assert Base64.decoder.decode(envelope.iv as String).length == 12
        assert Base64.decoder.decode(envelope.encrypted_key as String).length == 256

        List<Map> items = Harness.open(envelope, EXPORTER.private).items as List<Map>
        assert items.size() == READABLE.size()
        assert items*.status == ['ok'] * READABLE.size()
        assert items[0] == [kind: 'user-credential', name: 'ERP_Basic', status: 'ok',
                            user: credentials.ERP_Basic.user, password: credentials.ERP_Basic.password]
        assert items[1].password == credentials.SuccessFactors_Basic.password
        assert items[2] == [kind: 'secure-parameter', name: 'Bank_API_Key', status: 'ok', value: credentials.Bank_API_Key.password]
        assert items[3] == [kind: 'oauth2-client-credential', name: 'S4_OAuth', status: 'ok',
                            client_id: credentials.S4_OAuth.user, client_secret: credentials.S4_OAuth.password]
        assert items[4] == [kind: 'user-credential-parameter', pid: 'ACME', id: 'sftp', name: 'pd:ACME:sftp:UserCredential',
                            status: 'ok', user: credentials['pd:ACME:sftp:UserCredential'].user,
                            password: credentials['pd:ACME:sftp:UserCredential'].password]
        checkKeyPair(items[5], 'cpigitops_signing', 'RSA', 2)
        checkKeyPair(items[6], 'cpigitops_ec', 'EC', 1)
    }

    void testNamesItCannotReadAreReportedPerItemAndNeverFailTheRequest() {
        List<Object> asked = UNREADABLE + [[kind: 'user-credential', name: 'ERP_Basic']]
        def run = post(request(asked))
        assert run.message.headers.CamelHttpResponseCode == null
        List<Map> items = Harness.open(json(run.message), EXPORTER.private).items as List<Map>
        assert items.collect { [it.kind, it.name, it.status] } == [
            ['user-credential', 'Nobody_Has_This', 'not_found'],
            ['oauth2-client-credential', 'Hidden_OAuth', 'unreadable'],
            ['user-credential', 'Broken_Entry', 'error'],
            ['secure-parameter', 'ERP_Basic', 'wrong_kind'],
            ['oauth2-client-credential', 'Bank_API_Key', 'wrong_kind'],
            ['user-credential-parameter', 'pd:ACME:nothing:UserCredential', 'not_found'],
            ['key-pair', 'nobody_has_this', 'not_found'],
            ['key-pair', 'cpigitops_test_ca', 'unreadable'],
            ['key-pair', 'cpigitops_secret_key', 'unreadable'],
            ['key-pair', 'cpigitops_broken', 'error'],
            ['certificate', 'cpigitops_test_ca', 'unsupported_kind'],
            ['user-credential', null, 'invalid'],
            ['user-credential-parameter', null, 'invalid'],
            [null, 'no kind', 'invalid'],
            [null, null, 'invalid'],
            ['user-credential', 'ERP_Basic', 'ok'],
        ]
        items.findAll { it.status != 'ok' }.each { item ->
            assert item.reason instanceof String && !item.reason.isEmpty(): "$item has no reason"
            assert !item.containsKey('password') && !item.containsKey('value') && !item.containsKey('client_secret')
        }
        assert items[2].reason.contains('could not decrypt this entry'): 'an exception of the script API is named inside the envelope'
        assert items[3].stored_kind == 'default'
        assert items[12].pid == 'ACME'
        assert items.last().password == Harness.fixture().credentials.ERP_Basic.password
        assertNoLeak(run, items)
    }

    void testNothingSecretLeavesTheScriptUnencrypted() {
        def run = post(request(READABLE + UNREADABLE))
        List<Map> items = Harness.open(json(run.message), EXPORTER.private).items as List<Map>
        assert items.count { it.status == 'ok' } == READABLE.size()
        assert run.message.properties.isEmpty(): 'the script sets no exchange property'
        assert run.message.headers.keySet() == ['CamelHttpMethod', 'Content-Type', 'Cache-Control'] as Set
        assert run.logs.entries.isEmpty(): 'the script writes nothing to the message log'
        assert run.console.isEmpty(): 'the script prints nothing'
        assertNoLeak(run, items)
    }

    void testRefusalsNameTheProblemAndReadNothing() {
        Map good = request(READABLE)
        Map<String, Object> cases = [
            'an empty body'            : '',
            'a body that is not JSON'  : '{"protocol": 1,',
            'a JSON array'             : '[]',
            'no protocol'              : JsonOutput.toJson(good.findAll { it.key != 'protocol' }),
            'protocol 2'               : JsonOutput.toJson(good + [protocol: 2]),
            'protocol as text'         : JsonOutput.toJson(good + [protocol: '1']),
            'protocol 1.5'             : JsonOutput.toJson(good + [protocol: 1.5]),
            'no items'                 : JsonOutput.toJson(good.findAll { it.key != 'items' }),
            'items not a list'         : JsonOutput.toJson(good + [items: [kind: 'user-credential', name: 'ERP_Basic']]),
            'no public key'            : JsonOutput.toJson(good.findAll { it.key != 'public_key' }),
            'a public key not base64'  : JsonOutput.toJson(good + [public_key: 'not base64!']),
            'a public key not a key'   : JsonOutput.toJson(good + [public_key: Base64.encoder.encodeToString('nonsense'.bytes)]),
            'an EC public key'         : JsonOutput.toJson(good + [public_key: Base64.encoder.encodeToString(ec().public.encoded)]),
            'an RSA key of 1024 bits'  : JsonOutput.toJson(good + [public_key: Base64.encoder.encodeToString(rsa(1024).public.encoded)]),
        ]
        Map<String, String> expected = [
            'protocol 2': 'unsupported_protocol', 'protocol as text': 'unsupported_protocol', 'protocol 1.5': 'unsupported_protocol',
            'no protocol': 'unsupported_protocol', 'no public key': 'bad_public_key', 'a public key not base64': 'bad_public_key',
            'a public key not a key': 'bad_public_key', 'an EC public key': 'bad_public_key', 'an RSA key of 1024 bits': 'bad_public_key',
        ]
        cases.each { what, body ->
            def run = post(body as String)
            assert run.message.headers.CamelHttpResponseCode == 400: what
            Map answer = json(run.message)
            assert answer.error == expected.get(what, 'bad_request'): what
            assert answer.protocol == 1 && answer.message: what
            assert run.store.asked.isEmpty(): "$what: refused before reading the secure store"
            assertNoLeak(run, [])
        }
        def get = post(JsonOutput.toJson(good), 'GET')
        assert get.message.headers.CamelHttpResponseCode == 405
        assert json(get.message).error == 'method_not_allowed'
    }

    void testWithoutTheScriptApiEveryItemIsReportedAsAnError() {
        def run = post(request(READABLE), 'POST', false)
        List<Map> items = Harness.open(json(run.message), EXPORTER.private).items as List<Map>
        assert items*.status == ['error'] * READABLE.size()
        assert items[0].reason.contains('secure store is not available')
        assert items[5].reason.contains('keystore is not available')
    }

    void testEveryAnswerHasItsOwnKeyAndIv() {
        Map first = json(post(request(READABLE.take(1))).message)
        Map second = json(post(request(READABLE.take(1))).message)
        assert first.encrypted_key != second.encrypted_key
        assert first.iv != second.iv
        assert first.ciphertext != second.ciphertext
    }

    void testTheCiphertextIsBoundToTheProtocolOfItsEnvelope() {
        Map envelope = json(post(request(READABLE.take(1))).message)
        byte[] key = Harness.unwrap(Base64.decoder.decode(envelope.encrypted_key as String), EXPORTER.private)
        byte[] sealed = Base64.decoder.decode(envelope.ciphertext as String)
        byte[] iv = Base64.decoder.decode(envelope.iv as String)
        assert Harness.decryptBody(sealed, key, iv, 'cpi-gitops-companion/1').length > 0
        try {
            Harness.decryptBody(sealed, key, iv, 'cpi-gitops-companion/2')
            assert false: 'a ciphertext opened under another protocol number'
        } catch (AEADBadTagException expected) {
            // the additional data binds the protocol
        }
    }

    // ---- helpers

    static KeyPair rsa(int bits) {
        KeyPairGenerator generator = KeyPairGenerator.getInstance('RSA')
        generator.initialize(bits)
        generator.generateKeyPair()
    }

    static KeyPair ec() {
        KeyPairGenerator generator = KeyPairGenerator.getInstance('EC')
        generator.initialize(new ECGenParameterSpec('secp256r1'))
        generator.generateKeyPair()
    }

    static Map request(List items) {
        [protocol: 1, public_key: Base64.encoder.encodeToString(EXPORTER.public.encoded), items: items]
    }

    static Map json(RecordingMessage message) { new JsonSlurper().parseText(message.bodyText()) as Map }

    /** Runs processData on a request as the HTTPS sender adapter hands it over. */
    static Map post(Object request, String method = 'POST', boolean services = true) {
        Harness.installServices(Harness.fixture())
        if (!services) {
            Services.clear()
        }
        def message = new RecordingMessage()
        String text = request instanceof Map ? JsonOutput.toJson(request) : request as String
        message.setBody(text.getBytes(StandardCharsets.UTF_8))
        message.setHeader('CamelHttpMethod', method)
        Harness.run(SCRIPT, message) + [store: services ? Services.lookup(SecureStoreService) : new FixtureSecureStore([:])]
    }

    /** Every secret of the fixture, and every secret of this answer, is absent from what left. */
    static void assertNoLeak(Map run, List<Map> items) {
        Map fixture = Harness.fixture()
        Map<String, byte[]> secrets = [:]
        (fixture.credentials as Map).each { name, entry ->
            if (entry.password) {
                secrets["password of $name".toString()] = (entry.password as String).getBytes(StandardCharsets.UTF_8)
            }
        }
        (fixture.keystore as Map).each { alias, entry ->
            if (entry.key) {
                secrets["private key $alias".toString()] = Harness.privateKey(new File(Harness.fixtures, entry.key as String)).encoded
            }
            if (entry.secret_key_hex) {
                secrets["secret key $alias".toString()] = Harness.unhex(entry.secret_key_hex as String)
            }
        }
        items.findAll { it instanceof Map && it.pkcs12 }.each { item ->
            secrets["pkcs12 of ${item.name}".toString()] = Base64.decoder.decode(item.pkcs12 as String)
            secrets["pkcs12 password of ${item.name}".toString()] = (item.pkcs12_password as String).getBytes(StandardCharsets.UTF_8)
        }
        if (run.message.headers.CamelHttpResponseCode == null) {
            Map envelope = json(run.message)
            secrets['the answer\'s AES key'] = Harness.unwrap(Base64.decoder.decode(envelope.encrypted_key as String), EXPORTER.private)
        }
        List<String> leaks = Leaks.find(Leaks.outgoing(run.message, run.logs, run.console), secrets)
        assert leaks.isEmpty(): "secrets left the script unencrypted: $leaks"
    }

    static void checkKeyPair(Map item, String alias, String algorithm, int certificates) {
        Map entry = Harness.fixture().keystore[alias] as Map
        assert item.kind == 'key-pair' && item.name == alias && item.status == 'ok'
        assert item.key_algorithm == algorithm
        assert item.certificates == certificates
        KeyStore pkcs12 = KeyStore.getInstance('PKCS12')
        char[] password = (item.pkcs12_password as String).toCharArray()
        assert password.length >= 24
        pkcs12.load(new ByteArrayInputStream(Base64.decoder.decode(item.pkcs12 as String)), password)
        assert pkcs12.aliases().toList() == [alias]
        PrivateKey key = (PrivateKey) pkcs12.getKey(alias, password)
        assert key.encoded == Harness.privateKey(new File(Harness.fixtures, entry.key as String)).encoded
        Certificate[] chain = pkcs12.getCertificateChain(alias)
        assert chain*.encoded == Harness.chain(new File(Harness.fixtures, entry.chain as String))*.encoded
    }
}

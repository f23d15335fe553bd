/*
 * cpi-gitops companion, flow CPIGitOps_SecurityMaterial: the flow's only step.
 *
 * The exporter POSTs the names of the security material it listed through the API and a
 * one-time RSA public key; this script reads each name through SAP's script API and answers
 * every value encrypted to that key (protocol 1, described field by field in docs/companion.md
 * of the cpi-gitops repository):
 *
 *   request {"protocol": 1, "public_key": "<base64 DER SubjectPublicKeyInfo, RSA, >= 2048 bits>",
 *            "items": [{"kind": "user-credential", "name": "ERP_Basic"}, ...]}
 *   answer  {"protocol": 1, "companion_version": "1.0.0", "alg": "RSA-OAEP-256+A256GCM",
 *            "encrypted_key": "<base64>", "iv": "<base64>", "ciphertext": "<base64>"}
 *
 * The ciphertext is AES-256-GCM (12-byte IV, 128-bit tag appended, additional data
 * "cpi-gitops-companion/1") of the UTF-8 JSON document {"items": [...]}, one answer per
 * requested item in request order; the AES key is encrypted with RSA-OAEP, SHA-256 as digest
 * and as MGF1 digest, empty label. A name that cannot be read is answered with its status and
 * a reason; it never fails the request.
 *
 * Nothing secret leaves this script unencrypted: it writes nothing to the message processing
 * log, sets no exchange property, and sets only fixed headers (Content-Type, Cache-Control,
 * and CamelHttpResponseCode for refusals). Texts outside the envelope are fixed or name an
 * exception's class, never its message.
 *
 * Groovy 2.4 syntax and Java 8 API only; every method is statically compiled.
 */

import com.sap.gateway.ip.core.customdev.util.Message
import com.sap.it.api.ITApi
import com.sap.it.api.ITApiFactory
import com.sap.it.api.keystore.KeystoreService
import com.sap.it.api.securestore.SecureStoreService
import com.sap.it.api.securestore.UserCredential
import groovy.json.JsonOutput
import groovy.json.JsonSlurper
import groovy.transform.CompileStatic
import groovy.transform.Field

import javax.crypto.Cipher
import javax.crypto.spec.GCMParameterSpec
import javax.crypto.spec.OAEPParameterSpec
import javax.crypto.spec.PSource
import javax.crypto.spec.SecretKeySpec
import java.nio.charset.StandardCharsets
import java.security.Key
import java.security.KeyFactory
import java.security.KeyStore
import java.security.PrivateKey
import java.security.PublicKey
import java.security.SecureRandom
import java.security.cert.Certificate
import java.security.interfaces.RSAPublicKey
import java.security.spec.MGF1ParameterSpec
import java.security.spec.X509EncodedKeySpec
import java.util.Base64

/** The protocol this script speaks; a request naming another one is refused. */
@Field final int PROTOCOL = 1
/** The companion package's version (CPIGitOps, package.json). */
@Field final String COMPANION_VERSION = '1.0.0'
/** The one algorithm of protocol 1: RSA-OAEP (SHA-256, MGF1 SHA-256) wrapping AES-256-GCM. */
@Field final String ALGORITHM = 'RSA-OAEP-256+A256GCM'
/** The weakest recipient key accepted, in bits. */
@Field final int MIN_RSA_BITS = 2048
/** The strongest recipient key accepted, in bits (bounds the work a request can cause). */
@Field final int MAX_RSA_BITS = 16384

@CompileStatic
Message processData(Message message) {
    String method = message.getHeader('CamelHttpMethod', String)
    if (method != null && method.toUpperCase(Locale.ROOT) != 'POST') {
        return refuse(message, 405, 'method_not_allowed', 'POST a JSON request (protocol 1).')
    }
    byte[] raw = message.getBody(byte[])
    if (raw == null || raw.length == 0) {
        return refuse(message, 400, 'bad_request', 'The request body is empty; POST a JSON request (protocol 1).')
    }
    Object parsed
    try {
        parsed = new JsonSlurper().parseText(new String(raw, StandardCharsets.UTF_8))
    } catch (Exception e) {
        return refuse(message, 400, 'bad_request', 'The request body is not JSON.')
    }
    if (!(parsed instanceof Map)) {
        return refuse(message, 400, 'bad_request', 'The request must be a JSON object.')
    }
    Map request = (Map) parsed
    Object protocol = request.get('protocol')
    if (!(protocol instanceof Number) || ((Number) protocol).intValue() != PROTOCOL
            || ((Number) protocol).doubleValue() != (double) PROTOCOL) {
        return refuse(message, 400, 'unsupported_protocol', 'This companion speaks protocol 1 only.')
    }
    Object items = request.get('items')
    if (!(items instanceof List)) {
        return refuse(message, 400, 'bad_request', 'The request needs "items", a list.')
    }
    PublicKey recipient
    try {
        recipient = recipientKey(request.get('public_key'))
    } catch (IllegalArgumentException e) {
        return refuse(message, 400, 'bad_public_key', e.getMessage())
    }

    Map<Class, Object> services = new HashMap<Class, Object>()
    List<Map<String, Object>> answers = new ArrayList<Map<String, Object>>()
    for (Object item : (List) items) {
        answers.add(answer(item, services))
    }
    Map<String, Object> document = new LinkedHashMap<String, Object>()
    document.put('items', answers)
    byte[] plaintext = JsonOutput.toJson(document).getBytes(StandardCharsets.UTF_8)

    Map<String, Object> envelope
    try {
        envelope = seal(plaintext, recipient, randomBytes(32), randomBytes(12))
    } catch (Exception e) {
        return refuse(message, 500, 'encryption_failed',
                'The tenant could not encrypt the answer (' + e.getClass().getName() + ').')
    }
    message.setHeader('Content-Type', 'application/json; charset=utf-8')
    message.setHeader('Cache-Control', 'no-store')
    message.setBody(JsonOutput.toJson(envelope))
    return message
}

/** The recipient's RSA key from the request's "public_key"; the exception's text is safe to show. */
@CompileStatic
PublicKey recipientKey(Object encoded) {
    if (!(encoded instanceof String) || ((String) encoded).isEmpty()) {
        throw new IllegalArgumentException('The request needs "public_key": base64 of an RSA public key (DER SubjectPublicKeyInfo).')
    }
    byte[] der
    try {
        der = Base64.getDecoder().decode((String) encoded)
    } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException('"public_key" is not standard base64.')
    }
    PublicKey key
    try {
        key = KeyFactory.getInstance('RSA').generatePublic(new X509EncodedKeySpec(der))
    } catch (Exception e) {
        throw new IllegalArgumentException('"public_key" is not an RSA public key in DER SubjectPublicKeyInfo form.')
    }
    if (!(key instanceof RSAPublicKey)) {
        throw new IllegalArgumentException('"public_key" is not an RSA public key.')
    }
    int bits = ((RSAPublicKey) key).getModulus().bitLength()
    if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS) {
        throw new IllegalArgumentException('"public_key" has ' + bits + ' bits; use 2048 to 16384.')
    }
    return key
}

/** One requested item's answer: its identity, a status, and the values or a reason. */
@CompileStatic
Map<String, Object> answer(Object item, Map<Class, Object> services) {
    Map<String, Object> out = new LinkedHashMap<String, Object>()
    if (!(item instanceof Map)) {
        out.put('status', 'invalid')
        out.put('reason', 'An item must be a JSON object with "kind" and "name" (or "pid" and "id").')
        return out
    }
    Map request = (Map) item
    Object kind = request.get('kind')
    out.put('kind', kind)
    for (String field : ['name', 'pid', 'id']) {
        if (request.containsKey(field)) {
            out.put(field, request.get(field))
        }
    }
    if (!(kind instanceof String)) {
        return fail(out, 'invalid', 'The item has no "kind".')
    }
    String name = text(request, 'name')
    try {
        switch ((String) kind) {
            case 'user-credential':
            case 'secure-parameter':
            case 'oauth2-client-credential':
                return name == null ? fail(out, 'invalid', 'The item has no "name".')
                        : credential(out, services, name, (String) kind)
            case 'user-credential-parameter':
                String pid = text(request, 'pid')
                String id = text(request, 'id')
                if (pid == null || id == null) {
                    return fail(out, 'invalid', 'The item needs "pid" and "id".')
                }
                String alias = 'pd:' + pid + ':' + id + ':UserCredential'
                out.put('name', alias)
                return credential(out, services, alias, (String) kind)
            case 'key-pair':
                return name == null ? fail(out, 'invalid', 'The item has no "name".')
                        : keyPair(out, services, name)
            default:
                return fail(out, 'unsupported_kind', 'This companion (protocol 1) does not read "' + kind + '".')
        }
    } catch (Exception e) {
        return fail(out, 'error', describe(e))
    }
}

/**
 * A credential of the secure store, all read with getUserCredential: user credentials, secure
 * parameters (value = password), OAuth2 client credentials (client id = user name, client secret
 * = password; SAP documents no script API for them, so this is tried and reported when it fails)
 * and Partner Directory credentials ("pd:<Pid>:<Id>:UserCredential").
 */
@CompileStatic
Map<String, Object> credential(Map<String, Object> out, Map<Class, Object> services, String alias, String kind) {
    Object service = service(services, SecureStoreService)
    if (!(service instanceof SecureStoreService)) {
        return fail(out, 'error', 'The secure store is not available to scripts (' + service + ').')
    }
    UserCredential found
    try {
        found = ((SecureStoreService) service).getUserCredential(alias)
    } catch (Exception e) {
        return fail(out, 'error', describe(e))
    }
    if (found == null) {
        return fail(out, 'not_found', 'The secure store has no credential named "' + alias + '".')
    }
    Map<String, String> properties = found.getCredentialProperties()
    String stored = properties == null ? null : properties.get('sec:credential.kind')
    String mismatch = kindMismatch(kind, stored)
    if (mismatch != null) {
        fail(out, 'wrong_kind', mismatch)
        out.put('stored_kind', stored)
        return out
    }
    char[] password = found.getPassword()
    if (password == null) {
        return fail(out, 'unreadable', 'The script API returns no secret for "' + alias + '".')
    }
    String secret = new String(password)
    out.put('status', 'ok')
    switch (kind) {
        case 'secure-parameter':
            out.put('value', secret)
            break
        case 'oauth2-client-credential':
            out.put('client_id', found.getUsername())
            out.put('client_secret', secret)
            break
        default:
            out.put('user', found.getUsername())
            out.put('password', secret)
    }
    return out
}

/**
 * Why a stored credential is not of the requested kind, or null. A missing
 * "sec:credential.kind" property is trusted: names are unique across a tenant's credentials.
 */
@CompileStatic
String kindMismatch(String requested, String stored) {
    if (stored == null || stored.isEmpty()) {
        return null
    }
    boolean secureParameter = stored == 'secure_param'
    boolean oauth2 = stored.startsWith('oauth2')
    boolean expected
    switch (requested) {
        case 'secure-parameter':
            expected = secureParameter
            break
        case 'oauth2-client-credential':
            expected = oauth2
            break
        default:
            expected = !secureParameter && !oauth2
    }
    return expected ? null : 'The credential is stored as kind "' + stored + '", not as a ' + requested + '.'
}

/** A key pair of the tenant keystore as PKCS#12, protected by a fresh random password. */
@CompileStatic
Map<String, Object> keyPair(Map<String, Object> out, Map<Class, Object> services, String alias) {
    Object service = service(services, KeystoreService)
    if (!(service instanceof KeystoreService)) {
        return fail(out, 'error', 'The keystore is not available to scripts (' + service + ').')
    }
    KeystoreService keystore = (KeystoreService) service
    Key key
    try {
        key = keystore.getKey(alias)
    } catch (Exception e) {
        return fail(out, 'error', describe(e))
    }
    if (key == null) {
        return keystore.getCertificate(alias) == null
                ? fail(out, 'not_found', 'The keystore has no entry named "' + alias + '".')
                : fail(out, 'unreadable', 'The keystore entry "' + alias + '" holds a certificate but no private key.')
    }
    if (!(key instanceof PrivateKey)) {
        return fail(out, 'unreadable', 'The keystore entry "' + alias + '" holds no private key.')
    }
    Certificate[] chain = keystore.getCertificateChain(alias)
    if (chain == null || chain.length == 0) {
        Certificate single = keystore.getCertificate(alias)
        chain = single == null ? null : ([single] as Certificate[])
    }
    if (chain == null) {
        return fail(out, 'unreadable', 'The keystore entry "' + alias + '" has no certificate.')
    }
    char[] password = Base64.getUrlEncoder().withoutPadding().encodeToString(randomBytes(18)).toCharArray()
    KeyStore pkcs12 = KeyStore.getInstance('PKCS12')
    pkcs12.load(null, null)
    pkcs12.setKeyEntry(alias, key, password, chain)
    ByteArrayOutputStream bytes = new ByteArrayOutputStream()
    pkcs12.store(bytes, password)
    out.put('status', 'ok')
    out.put('pkcs12', Base64.getEncoder().encodeToString(bytes.toByteArray()))
    out.put('pkcs12_password', new String(password))
    out.put('key_algorithm', key.getAlgorithm())
    out.put('certificates', chain.length)
    return out
}

/**
 * Encrypts the plaintext answer to the recipient: a fresh AES-256 key encrypted with RSA-OAEP
 * (SHA-256, MGF1 SHA-256), and the plaintext with AES-256-GCM under that key.
 */
@CompileStatic
Map<String, Object> seal(byte[] plaintext, PublicKey recipient, byte[] aesKey, byte[] iv) {
    Cipher rsa = Cipher.getInstance('RSA/ECB/OAEPPadding')
    rsa.init(Cipher.ENCRYPT_MODE, recipient,
            new OAEPParameterSpec('SHA-256', 'MGF1', MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT))
    byte[] encryptedKey = rsa.doFinal(aesKey)
    Map<String, Object> envelope = new LinkedHashMap<String, Object>()
    envelope.put('protocol', PROTOCOL)
    envelope.put('companion_version', COMPANION_VERSION)
    envelope.put('alg', ALGORITHM)
    envelope.put('encrypted_key', Base64.getEncoder().encodeToString(encryptedKey))
    envelope.put('iv', Base64.getEncoder().encodeToString(iv))
    envelope.put('ciphertext', Base64.getEncoder().encodeToString(encryptBody(plaintext, aesKey, iv)))
    return envelope
}

/** AES-256-GCM of the plaintext: ciphertext with the 16-byte tag appended. */
@CompileStatic
byte[] encryptBody(byte[] plaintext, byte[] aesKey, byte[] iv) {
    if (aesKey.length != 32 || iv.length != 12) {
        throw new IllegalArgumentException('AES-256-GCM needs a 32-byte key and a 12-byte IV')
    }
    Cipher aes = Cipher.getInstance('AES/GCM/NoPadding')
    aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(aesKey, 'AES'), new GCMParameterSpec(128, iv))
    aes.updateAAD(additionalData())
    return aes.doFinal(plaintext)
}

/** The GCM additional data: binds the ciphertext to the envelope's protocol number. */
@CompileStatic
byte[] additionalData() {
    return ('cpi-gitops-companion/' + PROTOCOL).getBytes(StandardCharsets.US_ASCII)
}

@CompileStatic
byte[] randomBytes(int count) {
    byte[] bytes = new byte[count]
    new SecureRandom().nextBytes(bytes)
    return bytes
}

/** The script API service of `type`, asked once per request; an exception when unavailable. */
@CompileStatic
Object service(Map<Class, Object> services, Class<? extends ITApi> type) {
    if (!services.containsKey(type)) {
        Object found
        try {
            found = ITApiFactory.getService(type, null)
        } catch (Exception e) {
            found = describe(e)
        }
        services.put(type, found == null ? 'no implementation' : found)
    }
    return services.get(type)
}

@CompileStatic
String text(Map request, String field) {
    Object value = request.get(field)
    return (value instanceof String && !((String) value).isEmpty()) ? (String) value : null
}

@CompileStatic
Map<String, Object> fail(Map<String, Object> out, String status, String reason) {
    out.put('status', status)
    out.put('reason', reason)
    return out
}

/** An exception as a reason; only ever written inside the encrypted answer. */
@CompileStatic
String describe(Exception e) {
    return e.getMessage() == null ? e.getClass().getName() : e.getClass().getName() + ': ' + e.getMessage()
}

/** A refusal outside the envelope: fixed texts only, never a value of the secure store. */
@CompileStatic
Message refuse(Message message, int status, String code, String text) {
    Map<String, Object> body = new LinkedHashMap<String, Object>()
    body.put('protocol', PROTOCOL)
    body.put('companion_version', COMPANION_VERSION)
    body.put('error', code)
    body.put('message', text)
    message.setHeader('CamelHttpResponseCode', status)
    message.setHeader('Content-Type', 'application/json; charset=utf-8')
    message.setHeader('Cache-Control', 'no-store')
    message.setBody(JsonOutput.toJson(body))
    return message
}

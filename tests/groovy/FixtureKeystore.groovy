import com.sap.it.api.keystore.KeystoreService
import com.sap.it.api.keystore.exception.KeystoreException

import javax.crypto.spec.SecretKeySpec
import javax.net.ssl.KeyManager
import javax.net.ssl.TrustManager
import java.security.Key
import java.security.KeyPair
import java.security.PrivateKey
import java.security.cert.Certificate

/** The tenant keystore of a secure-store fixture ("keystore"; PEM paths relative to `folder`). */
class FixtureKeystore implements KeystoreService {
    Map entries
    File folder

    FixtureKeystore(Map entries, File folder) {
        this.entries = entries
        this.folder = folder
    }

    private Map entry(String alias) throws KeystoreException {
        Map entry = entries.get(alias) as Map
        if (entry?.throws) {
            throw new KeystoreException(entry.throws as String)
        }
        entry
    }

    Key getKey(String alias) throws KeystoreException {
        Map entry = entry(alias)
        if (entry?.key) {
            return Harness.privateKey(new File(folder, entry.key as String))
        }
        if (entry?.secret_key_hex) {
            return new SecretKeySpec(Harness.unhex(entry.secret_key_hex as String), 'AES')
        }
        null
    }

    KeyPair getKeyPair(String alias) throws KeystoreException {
        Key key = getKey(alias)
        Certificate certificate = getCertificate(alias)
        key instanceof PrivateKey && certificate != null ? new KeyPair(certificate.publicKey, (PrivateKey) key) : null
    }

    Certificate getCertificate(String alias) throws KeystoreException {
        Certificate[] chain = getCertificateChain(alias)
        chain ? chain[0] : null
    }

    Certificate[] getCertificateChain(String alias) throws KeystoreException {
        Map entry = entry(alias)
        entry?.chain ? Harness.chain(new File(folder, entry.chain as String)) : null
    }

    KeyManager getKeyManager() throws KeystoreException { throw new KeystoreException('not in the stand-in') }

    KeyManager getKeyManager(String alias) throws KeystoreException { throw new KeystoreException('not in the stand-in') }

    KeyManager[] getKeyManagers() throws KeystoreException { throw new KeystoreException('not in the stand-in') }

    KeyManager[] getKeyManagers(String alias) throws KeystoreException { throw new KeystoreException('not in the stand-in') }

    TrustManager[] getTrustManagers() throws KeystoreException { throw new KeystoreException('not in the stand-in') }
}

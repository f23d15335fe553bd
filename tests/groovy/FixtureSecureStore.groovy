import com.sap.it.api.securestore.SecureStoreService
import com.sap.it.api.securestore.UserCredential
import com.sap.it.api.securestore.exception.SecureStoreException

/** The secure store of a secure-store fixture ("credentials"). */
class FixtureSecureStore implements SecureStoreService {
    Map credentials
    List<String> asked = []

    FixtureSecureStore(Map credentials) { this.credentials = credentials }

    UserCredential getUserCredential(String alias) throws SecureStoreException {
        asked << alias
        Map entry = credentials.get(alias) as Map
        if (entry == null) {
            return null
        }
        if (entry.throws) {
            throw new SecureStoreException(entry.throws as String)
        }
        Map<String, String> properties = ['sec:credential.kind': entry.kind as String]
        if (entry.grant_type) {
            properties['sec:grant.type'] = entry.grant_type as String
        }
        if (entry.token_url) {
            properties['sec:server.url'] = entry.token_url as String
        }
        String user = entry.user
        char[] password = entry.password == null ? null : (entry.password as String).toCharArray()
        [
            getUsername            : { user },
            getPassword            : { password },
            getCredentialProperties: { properties },
        ] as UserCredential
    }
}

package com.sap.it.api.securestore;

import com.sap.it.api.ITApi;
import com.sap.it.api.securestore.exception.SecureStoreException;

/** Stand-in of SAP's access to the deployed credentials of a tenant's secure store. */
public interface SecureStoreService extends ITApi {

    /** The deployed credential named {@code alias}. */
    UserCredential getUserCredential(String alias) throws SecureStoreException;
}

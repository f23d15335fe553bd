package com.sap.it.api.securestore;

import java.util.Map;

/** Stand-in of SAP's deployed credential: user name, password and the credential's properties. */
public interface UserCredential {

    String getUsername();

    char[] getPassword();

    Map<String, String> getCredentialProperties();
}

package com.sap.it.api.keystore.exception;

/** Stand-in: thrown when access to the keystore fails. */
public class KeystoreException extends Exception {

    private static final long serialVersionUID = 1L;

    public KeystoreException() {
        super();
    }

    public KeystoreException(String message) {
        super(message);
    }

    public KeystoreException(String message, Exception cause) {
        super(message, cause);
    }

    public KeystoreException(Exception cause) {
        super(cause);
    }
}

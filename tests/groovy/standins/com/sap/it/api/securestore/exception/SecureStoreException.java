package com.sap.it.api.securestore.exception;

/** Stand-in: thrown when access to the secure store fails. */
public class SecureStoreException extends Exception {

    private static final long serialVersionUID = 1L;

    public SecureStoreException() {
        super();
    }

    public SecureStoreException(String message) {
        super(message);
    }

    public SecureStoreException(String message, Exception cause) {
        super(message, cause);
    }

    public SecureStoreException(Exception cause) {
        super(cause);
    }
}

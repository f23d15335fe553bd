package com.sap.it.api.exception;

/** Stand-in: thrown by {@code ITApiFactory} when no implementation of a service is available. */
public class InvalidContextException extends Exception {

    private static final long serialVersionUID = 1L;

    public InvalidContextException() {
        super();
    }

    public InvalidContextException(String message) {
        super(message);
    }

    public InvalidContextException(String message, Exception cause) {
        super(message, cause);
    }

    public InvalidContextException(Exception cause) {
        super(cause);
    }
}

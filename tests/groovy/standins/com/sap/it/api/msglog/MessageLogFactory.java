package com.sap.it.api.msglog;

/**
 * Stand-in of the factory a tenant binds to {@code messageLogFactory} in every script. The
 * companion scripts never log; the tests bind a recording one to prove it.
 */
public interface MessageLogFactory {

    MessageLog getMessageLog(Object context);
}

package com.sap.gateway.ip.core.customdev.util;

import java.util.Map;

/**
 * Stand-in of SAP Cloud Integration's script API message (the argument of a script's
 * {@code processData}). Declares the methods SAP documents for body, headers and properties;
 * attachments are left out because the companion scripts never touch them.
 */
public interface Message {

    Object getBody();

    <T> T getBody(Class<T> type);

    void setBody(Object body);

    Map<String, Object> getHeaders();

    <T> T getHeader(String name, Class<T> type);

    void setHeaders(Map<String, Object> headers);

    void setHeader(String name, Object value);

    Map<String, Object> getProperties();

    Object getProperty(String name);

    void setProperties(Map<String, Object> properties);

    void setProperty(String name, Object value);

    long getBodySize();
}

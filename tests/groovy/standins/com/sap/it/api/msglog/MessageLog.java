package com.sap.it.api.msglog;

import java.util.Date;

/** Stand-in of the message processing log a script can write to. */
public interface MessageLog {

    void setStringProperty(String name, String value);

    void setIntegerProperty(String name, Integer value);

    void setLongProperty(String name, Long value);

    void setBooleanProperty(String name, Boolean value);

    void setFloatProperty(String name, Float value);

    void setDoubleProperty(String name, Double value);

    void setDateProperty(String name, Date value);

    void addAttachmentAsString(String name, String text, String mediaType);

    void addCustomHeaderProperty(String name, String value);
}

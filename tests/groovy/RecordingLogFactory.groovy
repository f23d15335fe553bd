import com.sap.it.api.msglog.MessageLog
import com.sap.it.api.msglog.MessageLogFactory

/** The tenant's messageLogFactory, recording whatever a script would write to the message log. */
class RecordingLogFactory implements MessageLogFactory {
    List<String> entries = []

    MessageLog getMessageLog(Object context) {
        def record = { String what, Object... values -> entries << "$what ${values.toList()}".toString() }
        [
            setStringProperty     : { String n, String v -> record('string', n, v) },
            setIntegerProperty    : { String n, Integer v -> record('integer', n, v) },
            setLongProperty       : { String n, Long v -> record('long', n, v) },
            setBooleanProperty    : { String n, Boolean v -> record('boolean', n, v) },
            setFloatProperty      : { String n, Float v -> record('float', n, v) },
            setDoubleProperty     : { String n, Double v -> record('double', n, v) },
            setDateProperty       : { String n, Date v -> record('date', n, v) },
            addAttachmentAsString : { String n, String t, String m -> record('attachment', n, t, m) },
            addCustomHeaderProperty: { String n, String v -> record('custom header', n, v) },
        ] as MessageLog
    }
}

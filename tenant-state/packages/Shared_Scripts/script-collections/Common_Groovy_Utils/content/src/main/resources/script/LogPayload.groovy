import com.sap.gateway.ip.core.customdev.util.Message
import java.util.HashMap

def Message processData(Message message) {
    def log = messageLogFactory.getMessageLog(message)
    log?.addAttachmentAsString("payload", message.getBody(String), "text/plain")
    return message
}

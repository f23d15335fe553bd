import com.sap.gateway.ip.core.customdev.util.Message
import java.util.HashMap

def Message processData(Message message) {
    message.getHeaders().each { k, v -> message.setProperty("hdr_" + k, v) }
    return message
}
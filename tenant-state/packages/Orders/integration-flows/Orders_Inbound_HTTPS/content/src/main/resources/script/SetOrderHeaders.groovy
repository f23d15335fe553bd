import com.sap.gateway.ip.core.customdev.util.Message
import java.util.HashMap

def Message processData(Message message) {
    def headers = message.getHeaders()
    message.setHeader("X-Order-Source", "webshop")
    return message
}
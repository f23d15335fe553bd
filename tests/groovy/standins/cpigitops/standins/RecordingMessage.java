package cpigitops.standins;

import com.sap.gateway.ip.core.customdev.util.Message;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Not SAP's: the message a test hands to a script, recording what the script sets. Written in
 * Java like the tenant's own implementation, so that Groovy's property syntax ({@code
 * message.headers}) resolves to the getters as it does on a tenant (a Groovy class would route
 * it through the interface's {@code getProperty(String)}).
 */
public final class RecordingMessage implements Message {

    private Object body;
    private Map<String, Object> headers = new LinkedHashMap<String, Object>();
    private Map<String, Object> properties = new LinkedHashMap<String, Object>();

    @Override
    public Object getBody() {
        return body;
    }

    /** Converts the body as the tenant's type converters do for these types. */
    @Override
    @SuppressWarnings("unchecked")
    public <T> T getBody(Class<T> type) {
        if (body == null) {
            return null;
        }
        byte[] bytes = bytes();
        if (type == byte[].class) {
            return (T) bytes;
        }
        if (type == String.class || type == Object.class) {
            return (T) new String(bytes, StandardCharsets.UTF_8);
        }
        if (type == InputStream.class) {
            return (T) new ByteArrayInputStream(bytes);
        }
        if (type == Reader.class) {
            return (T) new InputStreamReader(new ByteArrayInputStream(bytes), StandardCharsets.UTF_8);
        }
        throw new IllegalArgumentException("the stand-in converts bodies to byte[], String, InputStream and Reader, not " + type);
    }

    @Override
    public void setBody(Object body) {
        this.body = body;
    }

    @Override
    public Map<String, Object> getHeaders() {
        return headers;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T getHeader(String name, Class<T> type) {
        Object value = headers.get(name);
        if (value == null || type.isInstance(value)) {
            return (T) value;
        }
        if (type == String.class) {
            return (T) value.toString();
        }
        throw new IllegalArgumentException("the stand-in converts headers to String only, not " + type);
    }

    @Override
    public void setHeaders(Map<String, Object> headers) {
        this.headers = new LinkedHashMap<String, Object>(headers);
    }

    @Override
    public void setHeader(String name, Object value) {
        headers.put(name, value);
    }

    @Override
    public Map<String, Object> getProperties() {
        return properties;
    }

    @Override
    public Object getProperty(String name) {
        return properties.get(name);
    }

    @Override
    public void setProperties(Map<String, Object> properties) {
        this.properties = new LinkedHashMap<String, Object>(properties);
    }

    @Override
    public void setProperty(String name, Object value) {
        properties.put(name, value);
    }

    @Override
    public long getBodySize() {
        return body == null ? 0 : bytes().length;
    }

    /** The body as text (UTF-8), for assertions. */
    public String bodyText() {
        return getBody(String.class);
    }

    private byte[] bytes() {
        return body instanceof byte[] ? (byte[]) body : body.toString().getBytes(StandardCharsets.UTF_8);
    }
}

import cpigitops.standins.RecordingMessage
import groovy.json.JsonOutput

import java.nio.charset.StandardCharsets

/**
 * Searches what a script sends out (body, headers, properties, message log, console) for
 * secrets in every form they could leak in: raw bytes, JSON-escaped, base64 (standard and URL
 * alphabets, at each of the three alignments a secret can have inside a longer base64 text),
 * hex in both cases, and URL-encoded. Everything is compared as bytes (ISO-8859-1 strings).
 */
class Leaks {

    /** A secret's name and the forms to look for. */
    static Map<String, String> forms(byte[] secret) {
        Map<String, String> forms = [:]
        forms.raw = latin1(secret)
        String text = utf8(secret)
        if (text != null) {
            String json = JsonOutput.toJson(text)
            forms.json = latin1(json.substring(1, json.length() - 1).getBytes(StandardCharsets.UTF_8))
            forms.json_ascii = asciiJson(text)
            String url = URLEncoder.encode(text, 'UTF-8')
            forms.url = url
            forms.url_percent20 = url.replace('+', '%20')
        }
        forms.hex = secret.encodeHex().toString()
        forms.HEX = forms.hex.toUpperCase()
        for (int align = 0; align < 3; align++) {
            int usable = (secret.length - align).intdiv(3) * 3
            if (usable < 6) {
                continue
            }
            byte[] part = Arrays.copyOfRange(secret, align, align + usable)
            forms["base64@$align".toString()] = Base64.encoder.encodeToString(part)
            forms["base64url@$align".toString()] = Base64.urlEncoder.encodeToString(part)
        }
        forms
    }

    /**
     * Every leak: "<where>: <secret> as <form>". `outgoing` maps a place (body, header X, ...) to
     * what was sent there; `secrets` maps a secret's label to its bytes.
     */
    static List<String> find(Map<String, Object> outgoing, Map<String, byte[]> secrets) {
        List<String> found = []
        Map<String, String> haystacks = outgoing.collectEntries { where, value -> [(where): latin1(bytes(value))] }
        secrets.each { label, secret ->
            assert secret.length >= 8: "canary $label is too short to search for"
            forms(secret).each { form, needle ->
                haystacks.each { where, haystack ->
                    if (haystack.contains(needle)) {
                        found << "$where: $label as $form".toString()
                    }
                }
            }
        }
        found
    }

    /** What a script sent out through a message, its message log and the console. */
    static Map<String, Object> outgoing(RecordingMessage message, RecordingLogFactory logs, String console) {
        Map<String, Object> out = [body: message.body]
        message.headers.each { k, v -> out["header $k".toString()] = "$k: $v".toString() }
        message.properties.each { k, v -> out["property $k".toString()] = "$k: $v".toString() }
        logs.entries.eachWithIndex { e, i -> out["message log entry $i".toString()] = e }
        out.console = console
        out
    }

    static byte[] bytes(Object value) {
        if (value == null) {
            return new byte[0]
        }
        value instanceof byte[] ? (byte[]) value : value.toString().getBytes(StandardCharsets.UTF_8)
    }

    static String latin1(byte[] bytes) { new String(bytes, StandardCharsets.ISO_8859_1) }

    static String utf8(byte[] bytes) {
        def decoder = StandardCharsets.UTF_8.newDecoder()
        try {
            decoder.decode(java.nio.ByteBuffer.wrap(bytes)).toString()
        } catch (java.nio.charset.CharacterCodingException ignored) {
            null
        }
    }

    static String asciiJson(String text) {
        StringBuilder out = new StringBuilder()
        text.each { String c ->
            char ch = c.charAt(0)
            if (c == '"' || c == '\\') {
                out << '\\' << c
            } else if (ch < 0x20 || ch > 0x7e) {
                out << String.format('\\u%04x', (int) ch)
            } else {
                out << c
            }
        }
        out.toString()
    }
}

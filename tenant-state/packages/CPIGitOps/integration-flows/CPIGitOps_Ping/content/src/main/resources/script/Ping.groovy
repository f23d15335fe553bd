/*
 * cpi-gitops companion, flow CPIGitOps_Ping: the flow's only step.
 *
 * Answers the health probe (the traffic manager's and `cpi-gitops probe`'s) with a small JSON
 * document, described in docs/companion.md of the cpi-gitops repository:
 *
 *   {"status": "UP", "tenant": "<name>", "tenant_source": "env:TENANT_NAME",
 *    "time": "2024-05-01T12:00:00.000Z", "companion_version": "1.0.0"}
 *
 * The tenant's name comes from where the runtime gives it: the environment variable TENANT_NAME
 * (Cloud Foundry), else HC_ACCOUNT (Neo), else the host the request was sent to (the header
 * CamelHttpUrl), else "unknown". "tenant_source" says which one answered.
 *
 * Groovy 2.4 syntax and Java 8 API only; every method is statically compiled.
 */

import com.sap.gateway.ip.core.customdev.util.Message
import groovy.json.JsonOutput
import groovy.transform.CompileStatic
import groovy.transform.Field

import java.text.SimpleDateFormat

/** The companion package's version (CPIGitOps, package.json). */
@Field final String COMPANION_VERSION = '1.0.0'

@CompileStatic
Message processData(Message message) {
    Map<String, String> tenant = tenant(System.getenv(), message.getHeader('CamelHttpUrl', String))
    Map<String, Object> answer = new LinkedHashMap<String, Object>()
    answer.put('status', 'UP')
    answer.put('tenant', tenant.get('name'))
    answer.put('tenant_source', tenant.get('source'))
    answer.put('time', utc(new Date()))
    answer.put('companion_version', COMPANION_VERSION)
    message.setHeader('Content-Type', 'application/json; charset=utf-8')
    message.setHeader('Cache-Control', 'no-store')
    message.setBody(JsonOutput.toJson(answer))
    return message
}

/** The tenant's name and where it came from: the environment first, then the request's host. */
@CompileStatic
Map<String, String> tenant(Map<String, String> environment, String requestUrl) {
    Map<String, String> found = new LinkedHashMap<String, String>()
    for (String variable : ['TENANT_NAME', 'HC_ACCOUNT']) {
        String value = environment == null ? null : environment.get(variable)
        if (value != null && !value.trim().isEmpty()) {
            found.put('name', value.trim())
            found.put('source', 'env:' + variable)
            return found
        }
    }
    String host = null
    if (requestUrl != null) {
        try {
            host = new URI(requestUrl).getHost()
        } catch (URISyntaxException e) {
            host = null
        }
    }
    if (host != null && !host.isEmpty()) {
        found.put('name', host)
        found.put('source', 'request_host')
    } else {
        found.put('name', 'unknown')
        found.put('source', 'none')
    }
    return found
}

/** An instant as RFC 3339 in UTC with milliseconds, e.g. 2024-05-01T12:00:00.000Z. */
@CompileStatic
String utc(Date instant) {
    SimpleDateFormat format = new SimpleDateFormat("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT)
    format.setTimeZone(TimeZone.getTimeZone('UTC'))
    return format.format(instant)
}

/*
 * Runs one companion script on one request as a tenant would (stand-ins of SAP's script API
 * serving a secure-store fixture) and prints what it answered, for tests outside Groovy: the
 * Python check in .ci/groovy-tests, and the Rust test comparing the emulator's native endpoint
 * with the real script. From the repository's root, after .ci/groovy-tests compiled the stand-ins:
 *
 *   groovy -cp target/groovy-tests/standins:tests/groovy tests/groovy/respond.groovy \
 *       security-material|ping [--store FILE] [--method POST] [--url URL] < request-body
 *
 * --store: a secure-store fixture (format: docs/companion.md, "The test vector"; default
 * tests/fixtures/companion/secure-store.json), its PEM paths relative to its folder. Prints one
 * JSON object: {"status": 200, "headers": {"Content-Type": "..."}, "body": "<the body>"}, where
 * status is what CamelHttpResponseCode says (200 when the script sets none) and headers are those
 * the script set. Exit 0 whenever the script ran.
 */

import cpigitops.standins.RecordingMessage
import groovy.json.JsonOutput

import java.nio.charset.StandardCharsets

Map<String, File> flows = ['security-material': Harness.script('CPIGitOps_SecurityMaterial', 'SecurityMaterial.groovy'),
                           'ping'             : Harness.script('CPIGitOps_Ping', 'Ping.groovy')]
List<String> arguments = args.toList()
String flow = arguments ? arguments.remove(0) : null
Map<String, String> options = [:]
while (arguments) {
    String option = arguments.remove(0)
    if (!(option in ['--store', '--method', '--url']) || !arguments) {
        flow = null
        break
    }
    options[option] = arguments.remove(0)
}
if (!(flow in flows.keySet())) {
    System.err.println('usage: respond.groovy security-material|ping [--store FILE] [--method POST] [--url URL] < request-body')
    System.exit(2)
}

File store = new File(options['--store'] ?: new File(Harness.fixtures, 'secure-store.json').path)
Harness.installServices(Harness.store(store), store.canonicalFile.parentFile)
def message = new RecordingMessage()
message.setBody(System.in.bytes)
message.setHeader('CamelHttpMethod', options['--method'] ?: (flow == 'ping' ? 'GET' : 'POST'))
if (options['--url']) {
    message.setHeader('CamelHttpUrl', options['--url'])
}
Set<String> request = message.headers.keySet().collect() as Set
def run = Harness.run(flows[flow], message)
Map<String, Object> headers = message.headers.findAll { k, v -> !(k in request) && k != 'CamelHttpResponseCode' }
Object body = message.body
String text = body instanceof byte[] ? new String((byte[]) body, StandardCharsets.UTF_8) : body as String
println JsonOutput.toJson([status: message.headers.CamelHttpResponseCode ?: 200, headers: headers, body: text])
if (run.console) {
    System.err.print(run.console)
}

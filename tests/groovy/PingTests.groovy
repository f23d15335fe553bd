import cpigitops.standins.RecordingMessage
import groovy.json.JsonSlurper

/** The ping flow's script (CPIGitOps_Ping), run as the tenant runs it. */
class PingTests {

    static final File SCRIPT = Harness.script('CPIGitOps_Ping', 'Ping.groovy')

    void testAnswersStatusTenantTimeAndTheCompanionVersion() {
        def message = new RecordingMessage()
        message.setHeader('CamelHttpMethod', 'GET')
        message.setHeader('CamelHttpUrl', 'https://mytenant.it-cpi018-rt.cfapps.eu10-003.hana.ondemand.com/http/cpi-gitops/ping')
        def run = Harness.run(SCRIPT, message)
        assert message.headers.CamelHttpResponseCode == null
        assert message.headers['Content-Type'] == 'application/json; charset=utf-8'
        assert message.properties.isEmpty() && run.logs.entries.isEmpty() && run.console.isEmpty()
        Map answer = new JsonSlurper().parseText(message.bodyText()) as Map
        assert answer.keySet() == ['status', 'tenant', 'tenant_source', 'time', 'companion_version'] as Set
        assert answer.status == 'UP'
        assert answer.companion_version == new JsonSlurper().parse(new File(Harness.companion, 'package.json')).Version
        assert answer.time ==~ /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/
        String environment = System.getenv('TENANT_NAME') ?: System.getenv('HC_ACCOUNT')
        if (environment) {
            assert answer.tenant == environment.trim()
        } else {
            assert answer == answer + [tenant: 'mytenant.it-cpi018-rt.cfapps.eu10-003.hana.ondemand.com', tenant_source: 'request_host']
        }
    }

    void testTheTenantNameComesFromTheRuntimeFirstThenFromTheRequest() {
        def script = Harness.load(SCRIPT, new RecordingLogFactory())
        String url = 'https://tenant-a.example.com/http/cpi-gitops/ping'
        assert script.tenant([TENANT_NAME: 'cf-tenant', HC_ACCOUNT: 'neo-account'], url) == [name: 'cf-tenant', source: 'env:TENANT_NAME']
        assert script.tenant([TENANT_NAME: '  ', HC_ACCOUNT: 'neo-account'], url) == [name: 'neo-account', source: 'env:HC_ACCOUNT']
        assert script.tenant([:], url) == [name: 'tenant-a.example.com', source: 'request_host']
        assert script.tenant([:], 'not a url at all') == [name: 'unknown', source: 'none']
        assert script.tenant(null, null) == [name: 'unknown', source: 'none']
    }

    void testTimesAreUtcWithMilliseconds() {
        def script = Harness.load(SCRIPT, new RecordingLogFactory())
        assert script.utc(new Date(1714564800123L)) == '2024-05-01T12:00:00.123Z'
    }
}

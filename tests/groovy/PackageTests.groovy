import groovy.json.JsonOutput
import groovy.json.JsonSlurper
import groovy.util.slurpersupport.GPathResult

import java.nio.charset.StandardCharsets

/**
 * The package source (companion/) is content a tenant accepts and the tool can zip as it is:
 * every flow folder is the root of the flow's zip (artifact-format.md), its manifest and files
 * agree with each other and with the package's metadata, and the flow XML is one HTTPS sender,
 * one start event, one script step calling processData, one end event.
 */
class PackageTests {

    static final Map<String, Map<String, String>> FLOWS = [
        CPIGitOps_SecurityMaterial: [script: 'SecurityMaterial.groovy', address: '/cpi-gitops/security-material',
                                     role  : 'CPIGitOps.SecurityMaterial'],
        CPIGitOps_Ping            : [script: 'Ping.groovy', address: '/cpi-gitops/ping', role: 'CPIGitOps.Ping'],
    ]

    void testThePackageMetadataIsCanonicalJsonWithTheFieldsTheApiNeeds() {
        File file = new File(Harness.companion, 'package.json')
        Map pkg = canonical(file)
        assert pkg.Id == 'CPIGitOps'
        assert pkg.Version ==~ /\d+\.\d+\.\d+/
        ['Name', 'ShortText', 'Description', 'Vendor', 'SupportedPlatform'].each { assert pkg[it]: "package.json needs $it" }
        assert pkg.keySet() == ['Id', 'Name', 'ShortText', 'Description', 'Version', 'Vendor', 'SupportedPlatform'] as Set
    }

    void testTheFolderHoldsExactlyTheTwoFlowsAndTheirMetadata() {
        def names = new File(Harness.companion, 'flows').list().toList().sort()
        assert names == FLOWS.keySet().collectMany { [it, "${it}.json".toString()] }.sort()
        assert new File(Harness.companion, '.gitattributes').text.readLines().contains('* -text')
    }

    void testEveryFlowFolderIsTheZipOfItsFlow() {
        Map pkg = canonical(new File(Harness.companion, 'package.json'))
        FLOWS.each { id, expected ->
            File root = Harness.flow(id)
            Map meta = canonical(new File(Harness.companion, "flows/${id}.json"))
            assert meta.keySet() == ['Id', 'Name', 'Description', 'PackageId', 'Version'] as Set
            assert meta.Id == id && meta.PackageId == pkg.Id
            assert meta.Name ==~ /[A-Za-z_][A-Za-z0-9 .\-]*[^.]/: 'the API\'s rule for artifact names'
            assert meta.Version == pkg.Version: "$id: a flow's version follows the package's"
            assert files(root) == [
                '.project', 'META-INF/MANIFEST.MF', 'src/main/resources/parameters.prop',
                'src/main/resources/parameters.propdef',
                "src/main/resources/scenarioflows/integrationflow/${id}.iflw".toString(),
                "src/main/resources/script/${expected.script}".toString(),
            ].sort()

            Map<String, String> manifest = manifest(new File(root, 'META-INF/MANIFEST.MF'))
            assert manifest.keySet().first() == 'Manifest-Version' && manifest['Manifest-Version'] == '1.0'
            assert manifest['Bundle-SymbolicName'].split(';')[0].trim() == id
            assert manifest['Bundle-Name'] == meta.Name
            assert manifest['Bundle-Version'] == meta.Version
            assert manifest['SAP-BundleType'] == 'IntegrationFlow'
            assert manifest['Bundle-ManifestVersion'] == '2'

            def project = new XmlSlurper().parse(new File(root, '.project'))
            assert project.name.text() == id
        }
    }

    void testEachFlowIsAnHttpsSenderAStartEventOneScriptStepAndAnEndEvent() {
        FLOWS.each { id, expected ->
            File root = Harness.flow(id)
            GPathResult flow = new XmlSlurper(false, true).parse(new File(root, "src/main/resources/scenarioflows/integrationflow/${id}.iflw"))
            def participants = flow.collaboration.participant
            def sender = participants.find { it.@'ifl:type' == 'EndpointSender' }
            def process = participants.find { it.@'ifl:type' == 'IntegrationProcess' }
            assert participants.size() == 2 && sender.size() == 1 && process.size() == 1
            assert flow.process.@id == process.@processRef.text()

            def channel = flow.collaboration.messageFlow
            assert channel.size() == 1
            Map<String, String> https = properties(channel)
            assert channel.@sourceRef == sender.@id.text()
            assert https.ComponentType == 'HTTPS' && https.direction == 'Sender' && https.TransportProtocol == 'HTTPS'
            assert https.urlPath == '{{SenderAddress}}'
            assert https.userRole == '{{SenderRole}}'
            assert https.senderAuthType == 'RoleBased'
            assert https.xsrfProtection == '0': "$id: CSRF protection is off (the exporter and the probe send no token)"
            assert https.cmdVariantUri.startsWith('ctype::AdapterVariant/cname::sap:HTTPS/tp::HTTPS/mp::None/direction::Sender/version::')

            def starts = flow.process.startEvent, steps = flow.process.callActivity, ends = flow.process.endEvent
            assert starts.size() == 1 && steps.size() == 1 && ends.size() == 1
            assert starts.messageEventDefinition.size() == 1 && ends.messageEventDefinition.size() == 1
            assert channel.@targetRef == starts.@id.text()
            Map<String, String> step = properties(steps)
            assert step.activityType == 'Script' && step.subActivityType == 'GroovyScript'
            assert step.script == expected.script && step.scriptFunction == 'processData' && step.scriptBundleId == ''
            assert flow.process.children().findAll { !(it.name() in ['extensionElements', 'startEvent', 'callActivity', 'endEvent', 'sequenceFlow']) }.isEmpty()
            def sequence = flow.process.sequenceFlow.collect { [it.@sourceRef.text(), it.@targetRef.text()] }
            assert sequence == [[starts.@id.text(), steps.@id.text()], [steps.@id.text(), ends.@id.text()]]

            Set<String> elements = (flow.'**'.findAll { it.@id.text() } *.@id*.text()) as Set
            def shapes = flow.BPMNDiagram.BPMNPlane.children()
            assert shapes.size() == 8
            shapes.each { assert it.@bpmnElement.text() in elements }
        }
    }

    void testTheAddressAndTheRoleAreExternalizedWithTheirDefaults() {
        FLOWS.each { id, expected ->
            File resources = new File(Harness.flow(id), 'src/main/resources')
            Properties defaults = new Properties()
            new File(resources, 'parameters.prop').withInputStream { defaults.load(it) }
            assert defaults == [SenderAddress: expected.address, SenderRole: expected.role]
            assert defaults.SenderRole != 'ESBMessaging.send': 'a dedicated role, never the shared one'

            def propdef = new XmlSlurper().parse(new File(resources, 'parameters.propdef'))
            assert propdef.parameter*.name*.text() == ['SenderAddress', 'SenderRole']
            propdef.parameter.each { assert it.type.text() == 'xsd:string' && it.description.text() }
            Map references = propdef.param_references.reference.collectEntries { [(it.@attribute_id.text()): it.@param_key.text()] }
            assert references == ['/attrId::urlPath': 'SenderAddress', '/attrId::userRole': 'SenderRole']

            String flow = new File(resources, "scenarioflows/integrationflow/${id}.iflw").getText('UTF-8')
            assert (flow =~ /\{\{([^}]*)\}\}/).collect { ((List) it)[1] }.toSet() == defaults.keySet()
        }
    }

    void testManifestsAreCrlfWrappedAt72BytesAndEndWithAnEmptyLine() {
        FLOWS.keySet().each { id ->
            byte[] bytes = new File(Harness.flow(id), 'META-INF/MANIFEST.MF').bytes
            String text = new String(bytes, StandardCharsets.UTF_8)
            assert text.endsWith('\r\n\r\n')
            assert !text.replace('\r\n', '').contains('\n') && !text.replace('\r\n', '').contains('\r'): "$id: CRLF only"
            text.split('\r\n').each { line ->
                assert line.getBytes(StandardCharsets.UTF_8).length <= 72: "$id: manifest line longer than 72 bytes: $line"
            }
        }
    }

    void testTheScriptsAnswerTheVersionOfThePackage() {
        String version = canonical(new File(Harness.companion, 'package.json')).Version
        FLOWS.each { id, expected ->
            String script = Harness.script(id, expected.script).getText('UTF-8')
            assert script.contains("@Field final String COMPANION_VERSION = '${version}'"): "$id: the script's COMPANION_VERSION is the package's Version"
        }
    }

    // ---- helpers

    /** A JSON file that is canonical as the state layout writes it: sorted keys, 2 spaces, final newline. */
    static Map canonical(File file) {
        String text = file.getText('UTF-8')
        Map value = new JsonSlurper().parseText(text) as Map
        String expected = '{\n' + new TreeMap(value).collect { k, v -> '  ' + JsonOutput.toJson(k) + ': ' + JsonOutput.toJson(v) }.join(',\n') + '\n}\n'
        assert text == expected: "$file is not canonical JSON (flat object, keys sorted, 2 spaces, final newline)"
        value
    }

    static List<String> files(File root) {
        List<String> found = []
        root.eachFileRecurse(groovy.io.FileType.FILES) { found << root.toPath().relativize(it.toPath()).toString().replace('\\', '/') }
        found.sort()
    }

    /** A manifest's headers in order, continuation lines joined. */
    static Map<String, String> manifest(File file) {
        Map<String, String> headers = new LinkedHashMap<String, String>()
        String last = null
        new String(file.bytes, StandardCharsets.UTF_8).split('\r\n').each { line ->
            if (line.startsWith(' ')) {
                headers[last] = headers[last] + line.substring(1)
            } else if (line) {
                int colon = line.indexOf(': ')
                last = line.substring(0, colon)
                headers[last] = line.substring(colon + 2)
            }
        }
        headers
    }

    static Map<String, String> properties(GPathResult element) {
        element.extensionElements.property.collectEntries { [(it.key.text()): it.value.text()] }
    }
}

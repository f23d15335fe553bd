/*
 * Tests of the companion package (companion/) under a real Groovy 2.4 with stand-ins of SAP's
 * script API (tests/groovy/standins). Run by .ci/groovy-tests from the repository's root:
 *
 *   groovy -cp <compiled stand-ins>:tests/groovy tests/groovy/run.groovy [filter]
 *
 * Runs every public method named test* of the suites below (only those whose "Suite.method"
 * contains the filter, when one is given), prints one line per test, and exits 1 if any failed.
 */

if (!GroovySystem.version.startsWith('2.4.')) {
    System.err.println("the companion scripts must be tested under Groovy 2.4 (the classic Cloud Integration runtime); this is Groovy ${GroovySystem.version}")
    System.exit(1)
}

String filter = args ? args[0] : ''
def suites = [new PackageTests(), new SecurityMaterialTests(), new PingTests(), new VectorTests(), new Java8ApiTests()]
int passed = 0
List<String> failed = []
for (suite in suites) {
    String suiteName = suite.getClass().simpleName
    def tests = suite.getClass().declaredMethods.findAll { it.name.startsWith('test') && it.parameterTypes.length == 0 }
            .sort { it.name }
    for (test in tests) {
        String name = "$suiteName.${test.name}"
        if (!name.contains(filter)) {
            continue
        }
        try {
            test.invoke(suite)
            passed++
            println "ok    $name"
        } catch (java.lang.reflect.InvocationTargetException e) {
            failed << name
            println "FAIL  $name"
            Throwable cause = e.cause
            List<String> lines = cause.toString().readLines().collect { it.length() > 240 ? it.take(240) + ' ...' : it }
            println lines.take(120).collect { '      ' + it }.join('\n') + (lines.size() > 120 ? '\n      ...' : '')
            cause.stackTrace.findAll { it.fileName?.endsWith('.groovy') }.take(4).each { println "        at $it" }
        }
    }
}
println ''
println "companion Groovy tests: ${passed} passed, ${failed.size()} failed (Groovy ${GroovySystem.version}, Java ${System.getProperty('java.version')})"
if (failed) {
    failed.each { println "  failed: $it" }
    System.exit(1)
}
if (passed == 0) {
    println "no test matches \"$filter\""
    System.exit(1)
}

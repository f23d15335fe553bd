import org.codehaus.groovy.control.CompilationUnit
import org.codehaus.groovy.control.CompilerConfiguration

/**
 * The scripts use only classes and members Java 8 has: Debian has no Java 8 to run them on, so
 * the scripts are compiled (every method is @CompileStatic, so every call is a constant-pool
 * reference) and every java.* / javax.* class, constructor, method and field their bytecode
 * references, with its exact descriptor, must be listed in tests/groovy/java8-allowlist.txt,
 * whose every entry was checked against the Java 8 API documentation
 * (https://docs.oracle.com/javase/8/docs/api/). A descriptor matters: compiled against a newer
 * JDK, `buffer.flip()` references ByteBuffer.flip() : ByteBuffer, which Java 8 does not have.
 */
class Java8ApiTests {

    static final File ALLOWLIST = new File(Harness.root, 'tests/groovy/java8-allowlist.txt')
    static final List<File> SCRIPTS = [
        Harness.script('CPIGitOps_SecurityMaterial', 'SecurityMaterial.groovy'),
        Harness.script('CPIGitOps_Ping', 'Ping.groovy'),
    ]
    /** Methods Groovy generates with dynamic calls of its own (the script launcher). */
    static final Set<String> GENERATED_DYNAMIC = ['main'] as Set

    void testEveryScriptCallIsStaticallyCompiled() {
        compiled().each { File classFile ->
            String owner = null
            javap('-c', '-p', classFile).eachLine { line ->
                def method = line =~ /^  [^ ].*?([\w$<>]+)\(.*\)(?: throws .*)?;$/
                if (method) {
                    owner = method[0][1]
                } else if (line.contains('org/codehaus/groovy/runtime/callsite/CallSite.call')) {
                    assert owner in GENERATED_DYNAMIC: "${classFile.name}: $owner makes a dynamic call; annotate it @CompileStatic so the Java 8 check sees every call"
                }
            }
        }
    }

    void testEveryJavaApiTheScriptsUseIsInTheJava8Allowlist() {
        Set<String> used = new TreeSet<String>()
        compiled().each { used.addAll(references(javap('-v', '-p', it))) }
        Set<String> allowed = allowlist()
        Set<String> missing = used - allowed
        Set<String> stale = allowed - used
        assert missing.isEmpty(): "not in ${ALLOWLIST.name} (check each against the Java 8 API docs, then add it):\n" + missing.join('\n')
        assert stale.isEmpty(): "${ALLOWLIST.name} lists what no script uses any more; remove:\n" + stale.join('\n')
    }

    // ---- helpers

    static List<File> compiledFiles

    /** The scripts compiled by this Groovy, as a tenant compiles them. */
    static synchronized List<File> compiled() {
        if (compiledFiles == null) {
            File out = File.createTempDir('companion-classes', '')
            out.deleteOnExit()
            CompilerConfiguration config = new CompilerConfiguration()
            config.targetDirectory = out
            CompilationUnit unit = new CompilationUnit(config, null, new GroovyClassLoader(Java8ApiTests.classLoader))
            SCRIPTS.each { unit.addSource(it) }
            unit.compile()
            compiledFiles = out.listFiles().findAll { it.name.endsWith('.class') }.sort { it.name }
            assert compiledFiles*.name.containsAll(['SecurityMaterial.class', 'Ping.class'])
        }
        compiledFiles
    }

    static String javap(String... options) {
        String home = System.getenv('JAVA_HOME')
        String tool = home && new File(home, 'bin/javap').exists() ? new File(home, 'bin/javap').path : 'javap'
        def command = [tool] + options.toList()
        Process process = new ProcessBuilder(command*.toString()).redirectErrorStream(true).start()
        String output = process.inputStream.getText('UTF-8')
        assert process.waitFor() == 0: "javap failed: $output"
        output
    }

    static String javap(String option1, String option2, File classFile) { javap(option1, option2, classFile.path) }

    /** The java.* and javax.* classes and members a class's constant pool references. */
    static Set<String> references(String verbose) {
        Set<String> found = new TreeSet<String>()
        verbose.eachLine { line ->
            def entry = line =~ /^\s+#\d+ = (Class|Methodref|InterfaceMethodref|Fieldref)\s+\S+\s+\/\/\s+(.*)$/
            if (entry) {
                String kind = entry[0][1], target = entry[0][2]
                if (kind == 'Class') {
                    String name = target.replace('"', '')
                    name = name.startsWith('[') ? elementClass(name) : name
                    if (name != null) {
                        addClass(found, name)
                    }
                } else {
                    def member = target =~ /^([\w\/$]+)\.("?[\w$<>]+"?):(.*)$/
                    assert member: "cannot read the constant $target"
                    String owner = member[0][1], name = member[0][2].replace('"', ''), descriptor = member[0][3]
                    if (isJava(owner)) {
                        found << (kind == 'Fieldref' ? field(owner, name, descriptor) : method(owner, name, descriptor))
                    }
                    typesOf(descriptor).each { addClass(found, it) }
                    addClass(found, owner)
                }
            }
            def utf8 = line =~ /^\s+#\d+ = Utf8\s+(.*)$/
            if (utf8) {
                (utf8[0][1] =~ /L((?:java|javax)\/[\w\/$]+);/).each { addClass(found, ((List) it)[1] as String) }
            }
        }
        found
    }

    static boolean isJava(String internalName) { internalName.startsWith('java/') || internalName.startsWith('javax/') }

    static void addClass(Set<String> found, String internalName) {
        if (isJava(internalName)) {
            found << "class ${dotted(internalName)}".toString()
        }
    }

    static String elementClass(String arrayDescriptor) {
        String element = arrayDescriptor.replaceAll(/^\[+/, '')
        element.startsWith('L') ? element.substring(1, element.length() - 1) : null
    }

    static String dotted(String internalName) { internalName.replace('/', '.') }

    static String field(String owner, String name, String descriptor) {
        "field ${dotted(owner)}.$name : ${readable(parse(descriptor, new int[1]))}".toString()
    }

    static String method(String owner, String name, String descriptor) {
        int[] at = [1] as int[]
        List<String> parameters = []
        while (descriptor.charAt(at[0]) != (char) ')') {
            parameters << readable(parse(descriptor, at))
        }
        at[0]++
        String returns = readable(parse(descriptor, at))
        name == '<init>'
                ? "constructor ${dotted(owner)}(${parameters.join(', ')})".toString()
                : "method ${dotted(owner)}.$name(${parameters.join(', ')}) : $returns".toString()
    }

    static List<String> typesOf(String descriptor) {
        (descriptor =~ /L([\w\/$]+);/).collect { ((List) it)[1] as String }
    }

    /** One type of a descriptor, starting at at[0] (which moves past it), in JVM notation. */
    static String parse(String descriptor, int[] at) {
        int start = at[0]
        while (descriptor.charAt(at[0]) == (char) '[') {
            at[0]++
        }
        if (descriptor.charAt(at[0]) == (char) 'L') {
            at[0] = descriptor.indexOf(';', at[0]) + 1
        } else {
            at[0]++
        }
        descriptor.substring(start, at[0])
    }

    static String readable(String type) {
        int dimensions = 0
        while (type.charAt(dimensions) == (char) '[') {
            dimensions++
        }
        String element = type.substring(dimensions)
        Map<String, String> primitives = [B: 'byte', C: 'char', D: 'double', F: 'float', I: 'int', J: 'long', S: 'short', Z: 'boolean', V: 'void']
        String name = element.startsWith('L') ? dotted(element.substring(1, element.length() - 1)) : primitives[element]
        name + ('[]' * dimensions)
    }

    static Set<String> allowlist() {
        Set<String> entries = new TreeSet<String>()
        ALLOWLIST.getText('UTF-8').eachLine { line ->
            String entry = line.contains('#') ? line.substring(0, line.indexOf('#')) : line
            entry = entry.trim()
            if (entry) {
                assert entries.add(entry): "${ALLOWLIST.name} lists twice: $entry"
            }
        }
        entries
    }
}

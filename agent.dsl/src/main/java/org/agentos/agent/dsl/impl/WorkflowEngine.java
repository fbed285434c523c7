package org.agentos.agent.dsl.impl;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.agentos.agent.dsl.Problem;
import org.agentos.agent.dsl.WorkflowCheck;
import org.agentos.kernel.api.security.CapabilitySet;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.ToolDescriptor;

/**
 * Stubs of the current syscall table (regenerated when it changed), workflows compiled against
 * them (cached by source and table), their checks, and the loaded classes of those that passed.
 * Plain Java: the OSGi component and the tests both drive it.
 */
final class WorkflowEngine {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([^}]+)}");
    /** A workflow of more than this is refused before javac sees it. */
    static final int MAX_SOURCE_CHARS = 256 * 1024;
    private static final int MAX_CACHED = 256;

    private final WorkflowCompiler compiler;
    private final Supplier<List<ToolDescriptor>> table;
    private final ClassLoader parent;
    private volatile Stubs current;
    private final Map<String, Entry> cache = new ConcurrentHashMap<>();

    /** The stubs of one table: sources, classes, and the loader their classes live in. */
    record Stubs(StubGenerator.StubSet set, Map<String, byte[]> classes, StubLoader loader) {}

    /** A compiled workflow: what its check said, and (when it passed) its classes. */
    record Entry(WorkflowCheck check, WorkflowCompiler.Compiled compiled, Stubs stubs) {}

    /**
     * @param classPath the bundles' classes (null: the JVM's class path)
     * @param table     the syscall table's descriptors, now
     * @param parent    the loader the stubs' own dependencies come from (the runtime API, Jackson)
     */
    WorkflowEngine(ClassPath classPath, Supplier<List<ToolDescriptor>> table, ClassLoader parent) {
        this.compiler = new WorkflowCompiler(classPath);
        this.table = table;
        this.parent = parent;
    }

    /** The stubs of the syscall table as it is now (compiled again only when it changed). */
    Stubs stubs() {
        List<ToolDescriptor> tools = table.get();
        String fingerprint = StubGenerator.fingerprint(tools); // the sources are generated only when it changed
        Stubs s = current;
        if (s != null && s.set().fingerprint().equals(fingerprint)) return s;
        synchronized (this) {
            s = current;
            if (s != null && s.set().fingerprint().equals(fingerprint)) return s;
            StubGenerator.StubSet set = StubGenerator.generate(tools);
            Map<String, byte[]> classes = compiler.compileStubs(set);
            s = new Stubs(set, classes, new StubLoader(classes, parent));
            current = s;
            return s;
        }
    }

    /** Compiles (or finds compiled) and checks {@code source} as if spawned with {@code capabilities}. */
    Entry check(String file, String source, List<String> capabilities) throws SyscallException {
        CapabilitySet caps = CapabilitySet.of(capabilities == null ? List.of() : capabilities);
        if (source.length() > MAX_SOURCE_CHARS) {
            Problem p = new Problem(file, 0, 0, "error", "the workflow has " + source.length() + " characters; at most "
                    + MAX_SOURCE_CHARS);
            return new Entry(new WorkflowCheck(null, null, Map.of(), List.of(), List.of(), List.of(p)), null, null);
        }
        Stubs stubs = stubs();
        String key = sha256(source) + ":" + stubs.set().fingerprint();
        Entry compiled = cache.get(key);
        if (compiled == null) {
            WorkflowCompiler.Compiled c = compiler.compile(file, source, stubs.set(), stubs.classes());
            compiled = new Entry(null, c, stubs);
            if (cache.size() >= MAX_CACHED) cache.clear();
            cache.put(key, compiled);
        }
        return new Entry(verdict(file, source, compiled.compiled(), stubs.set(), caps), compiled.compiled(), stubs);
    }

    /** The check's findings for this spawn: the compiler's and the allow-list's, then capabilities. */
    private static WorkflowCheck verdict(String file, String source, WorkflowCompiler.Compiled c,
                                         StubGenerator.StubSet stubs, CapabilitySet caps) {
        List<Problem> problems = new ArrayList<>(c.problems());
        Map<String, String> tools = new LinkedHashMap<>();
        Set<String> needs = new LinkedHashSet<>();
        Set<String> late = new LinkedHashSet<>();
        List<String> missing = new ArrayList<>();
        for (SourceChecker.ToolUse u : c.uses()) {
            ToolDescriptor d = stubs.byTool().get(u.tool()).descriptor();
            tools.put(d.name(), d.version());
            for (String template : d.capabilities()) {
                String cap = fill(template, u.literals());
                if (cap == null) {
                    late.add(template);
                } else {
                    needs.add(cap);
                    if (!caps.permits(cap)) {
                        if (!missing.contains(cap)) missing.add(cap);
                        problems.add(new Problem(file, u.line(), u.column(), "capability", d.name() + " needs capability '"
                                + cap + "', which the workflow would not hold"));
                    }
                }
            }
        }
        if (!missing.isEmpty()) {
            problems.add(new Problem(file, 0, 0, "capability", "the workflow needs more than it would be spawned with; "
                    + "missing: " + String.join(", ", missing)));
        }
        String program = c.mainClass() == null ? null : programName(c.mainClass(), source);
        return new WorkflowCheck(c.mainClass(), problems.isEmpty() ? program : null, tools, List.copyOf(needs),
                List.copyOf(late), problems);
    }

    /** The template with its placeholders filled from literal arguments, or null when one is not literal. */
    static String fill(String template, Map<String, String> literals) {
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String v = literals.get(m.group(1));
            if (v == null) return null;
            m.appendReplacement(out, Matcher.quoteReplacement(v));
        }
        m.appendTail(out);
        return out.toString();
    }

    /**
     * Why a workflow compiled against {@code tools} (name to version) may not start on the table as
     * {@code describe} reads it now, or null: a tool that is gone ({@code ENOSYS}), or one whose
     * version is not compatible with the one it was compiled against ({@code EINVAL}: another
     * major version, or for 0.x another minor one, as semantic versioning has it).
     */
    static String refusal(String program, Map<String, String> tools,
                          java.util.function.Function<String, java.util.Optional<ToolDescriptor>> describe) {
        for (Map.Entry<String, String> t : tools.entrySet()) {
            var now = describe.apply(t.getKey());
            if (now.isEmpty()) {
                return "ENOSYS: " + program + " calls " + t.getKey() + " " + t.getValue()
                        + ", which is not in the syscall table now (installed again, the workflow can start)";
            }
            if (!compatible(t.getValue(), now.get().version())) {
                return "EINVAL: " + program + " was compiled against " + t.getKey() + " " + t.getValue() + ", which is "
                        + now.get().version() + " now: check and run the workflow again (dsl:run)";
            }
        }
        return null;
    }

    static boolean compatible(String was, String now) {
        String[] a = was.split("\\.");
        String[] b = now.split("\\.");
        if (!a[0].equals(b[0])) return false;
        return !a[0].equals("0") || (a.length > 1 && b.length > 1 && a[1].equals(b[1]));
    }

    /** {@code <class>-<8 hex of the source's hash>}: the same source is the same program. */
    static String programName(String mainClass, String source) {
        String simple = mainClass.substring(mainClass.lastIndexOf('.') + 1).replace('$', '-');
        return simple.toLowerCase(Locale.ROOT) + "-" + sha256(source).substring(0, 8);
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The stubs' classes, defined once per table; their dependencies from {@code parent}. */
    static final class StubLoader extends ClassLoader {
        private final Map<String, byte[]> classes;

        StubLoader(Map<String, byte[]> classes, ClassLoader parent) {
            super("agentos-workflow-stubs", parent);
            this.classes = classes;
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            byte[] b = classes.get(name);
            if (b == null) throw new ClassNotFoundException(name);
            return defineClass(name, b, 0, b.length);
        }
    }
}

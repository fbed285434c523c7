package org.agentos.agent.dsl.impl;

import com.sun.source.util.JavacTask;
import com.sun.source.util.TaskEvent;
import com.sun.source.util.TaskListener;
import com.sun.source.util.Trees;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.agentos.agent.dsl.Problem;

/**
 * javac, in memory: the stubs once per syscall table, each workflow against them. The JDK's own
 * compiler (javax.tools), as the distribution runs on a JDK: no second compiler to ship, and its
 * tree API (com.sun.source) attributes the source for the allow-list check with exact positions.
 */
final class WorkflowCompiler {
    private static final List<String> OPTIONS = List.of("--release", "17", "-g", "-proc:none", "-Xlint:none",
            "-implicit:none", "-encoding", "UTF-8");

    /** What compiling a workflow gave: its classes (binary name to bytes), problems, tool calls, contract. */
    record Compiled(Map<String, byte[]> classes, List<Problem> problems, List<SourceChecker.ToolUse> uses,
                    String mainClass, String inputType) {}

    private final JavaCompiler javac;
    private final ClassPath classPath;

    /** @param classPath the bundles' classes, or null: the JVM's class path (outside OSGi) */
    WorkflowCompiler(ClassPath classPath) {
        this.javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null) {
            throw new IllegalStateException("no Java compiler in this JVM: workflows need a JDK (java.home "
                    + System.getProperty("java.home") + " is a JRE)");
        }
        this.classPath = classPath;
    }

    /** The stubs' classes; a stub that does not compile is a bug of the generator, reported whole. */
    Map<String, byte[]> compileStubs(StubGenerator.StubSet stubs) {
        List<JavaFileObject> sources = new ArrayList<>();
        stubs.sources().forEach((name, text) -> sources.add(MemoryFileManager.source(name, text)));
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (MemoryFileManager files = files(diagnostics, Map.of())) {
            boolean ok = javac.getTask(null, files, diagnostics, OPTIONS, null, sources).call();
            if (!ok) throw new IllegalStateException("the generated stubs do not compile: " + diagnostics.getDiagnostics());
            return Map.copyOf(files.output);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Compiles and checks one workflow ({@code file} names it in problems) against the stubs. */
    Compiled compile(String file, String source, StubGenerator.StubSet stubs, Map<String, byte[]> stubClasses) {
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        List<SourceChecker> checkers = new ArrayList<>();
        try (MemoryFileManager files = files(diagnostics, stubClasses)) {
            JavacTask task = (JavacTask) javac.getTask(null, files, diagnostics, OPTIONS, null,
                    List.of(new WorkflowSource(source)));
            Trees trees = Trees.instance(task);
            task.addTaskListener(new TaskListener() {
                @Override
                public void finished(TaskEvent e) {
                    if (e.getKind() == TaskEvent.Kind.ANALYZE && checkers.isEmpty()) {
                        SourceChecker c = new SourceChecker(trees, task.getElements(), e.getCompilationUnit(), file, stubs);
                        c.check();
                        checkers.add(c);
                    }
                }
            });
            boolean compiled = task.call();
            List<Problem> problems = new ArrayList<>();
            for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
                if (d.getKind() == Diagnostic.Kind.ERROR) problems.add(problem(file, d));
            }
            SourceChecker c = checkers.isEmpty() ? null : checkers.get(0);
            if (c != null) problems.addAll(c.problems);
            Map<String, byte[]> classes = new HashMap<>(files.output);
            if (compiled && problems.isEmpty()) problems.addAll(BytecodeChecker.check(file, classes));
            return new Compiled(classes, problems, c == null ? List.of() : c.uses, c == null ? null : c.mainClass,
                    c == null ? null : c.inputType);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private MemoryFileManager files(DiagnosticCollector<JavaFileObject> diagnostics, Map<String, byte[]> library)
            throws IOException {
        StandardJavaFileManager standard = javac.getStandardFileManager(diagnostics, Locale.ROOT, StandardCharsets.UTF_8);
        return new MemoryFileManager(standard, classPath, library);
    }

    /** javac's message, on one line, with a hint where javac's own words are about the stubs. */
    private static Problem problem(String file, Diagnostic<? extends JavaFileObject> d) {
        String message = d.getMessage(Locale.ROOT).replaceAll("\\s*\\n\\s*", "; ").trim();
        if (message.startsWith("cannot find symbol") && message.contains("Tools")) {
            message += " (no such tool here: dsl:stubs lists the tools and their arguments)";
        } else if (message.contains("in class " + StubGenerator.TOOLS + " cannot be applied to given types")) {
            message += " (dsl:stubs <tool> shows its arguments)";
        }
        long line = d.getLineNumber() == Diagnostic.NOPOS ? 0 : d.getLineNumber();
        long col = d.getColumnNumber() == Diagnostic.NOPOS ? 0 : d.getColumnNumber();
        return new Problem(file, line, col, "error", message);
    }

    /** The workflow's source; any name fits it, so its public class need not match a file name. */
    private static final class WorkflowSource extends SimpleJavaFileObject {
        private final String text;

        WorkflowSource(String text) {
            super(URI.create("mem:///Workflow.java"), Kind.SOURCE);
            this.text = text;
        }

        @Override
        public boolean isNameCompatible(String simpleName, Kind kind) {
            return kind == Kind.SOURCE;
        }

        @Override
        public CharSequence getCharContent(boolean ignoreEncodingErrors) {
            return text;
        }
    }
}

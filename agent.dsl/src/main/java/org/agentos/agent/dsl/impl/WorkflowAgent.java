package org.agentos.agent.dsl.impl;

import com.fasterxml.jackson.databind.JsonNode;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Map;
import org.agentos.agent.runtime.Agent;
import org.agentos.agent.runtime.Sys;

/**
 * A workflow that passed its check, as an {@link Agent}: its classes in a loader of their own
 * that gives them nothing beyond the allow-list (defence in depth behind the checks), its
 * {@code run(Tools, input)} called through a method handle so that what it throws (a syscall
 * failure, the runtime's unwinding) goes through unwrapped.
 */
final class WorkflowAgent implements Agent<Object> {
    private final String program;
    private final String description;
    private final Class<?> inputType;
    private final MethodHandle construct;
    private final MethodHandle run;
    private final MethodHandle tools;
    /** Why it may not start now (its tools changed), or null. */
    volatile String refusal;

    WorkflowAgent(String program, String description, WorkflowCompiler.Compiled compiled, WorkflowEngine.Stubs stubs)
            throws ReflectiveOperationException {
        this.program = program;
        this.description = description;
        WorkflowLoader loader = new WorkflowLoader(LoopGuard.instrument(compiled.classes()), stubs.loader());
        Class<?> main = loader.loadClass(compiled.mainClass());
        Class<?> toolsClass = stubs.loader().loadClass(StubGenerator.TOOLS);
        this.inputType = compiled.inputType().equals(JsonNode.class.getName()) ? JsonNode.class
                : loader.loadClass(compiled.inputType());
        MethodHandles.Lookup lookup = MethodHandles.publicLookup();
        this.construct = lookup.findConstructor(main, MethodType.methodType(void.class));
        this.run = lookup.findVirtual(main, "run", MethodType.methodType(String.class, toolsClass, inputType));
        this.tools = lookup.findConstructor(toolsClass, MethodType.methodType(void.class, Object.class));
    }

    @Override
    public String name() {
        return program;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public String refusesSpawn() {
        return refusal;
    }

    @Override
    @SuppressWarnings("unchecked")
    public Class<Object> inputType() {
        return (Class<Object>) inputType;
    }

    @Override
    public String run(Sys sys, Object input) throws Exception {
        try {
            Object workflow = construct.invoke();
            return (String) run.invoke(workflow, tools.invoke((Object) sys), input);
        } catch (Exception | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** A workflow's classes; everything else only when the allow-list has it. */
    static final class WorkflowLoader extends ClassLoader {
        private final Map<String, byte[]> classes;
        private final ClassLoader stubs;

        WorkflowLoader(Map<String, byte[]> classes, ClassLoader stubs) {
            super("agentos-workflow", null);
            this.classes = classes;
            this.stubs = stubs;
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c != null) return c;
                byte[] b = classes.get(name);
                if (b != null) return defineClass(name, b, 0, b.length);
                // the JDK (the checks already kept the workflow to its allow-list), the allow-list,
                // never another bundle's classes
                // jdk.internal.reflect: the accessors the JVM generates once Jackson has built a record
                // input by reflection a few times load through the record's loader
                if (name.startsWith("java.") || name.startsWith("jdk.internal.reflect.") || AllowList.allowsClass(name)
                        || name.startsWith("org.agentos.agent.dsl.WorkflowGuard")) { // the guard LoopGuard inserts
                    return stubs.loadClass(name); // the stubs' loader reaches the runtime API, Jackson and the JDK
                }
                throw new ClassNotFoundException(name + " is not available to workflows");
            }
        }
    }
}

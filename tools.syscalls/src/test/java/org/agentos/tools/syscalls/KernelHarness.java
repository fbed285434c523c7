package org.agentos.tools.syscalls;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.agentos.hal.linux.LinuxHal;
import org.agentos.kernel.api.process.ProcessInfo;
import org.agentos.kernel.api.process.Quotas;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.program.Program;
import org.agentos.kernel.api.program.Step;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.agentos.kernel.api.syscall.Tool;
import org.agentos.kernel.impl.Kernel;
import org.agentos.kernel.impl.KernelSettings;

/**
 * A real kernel with the tools under test in its syscall table, and processes that hold given
 * capabilities: calls go through the whole mediation path (schema, capabilities, quotas, errors).
 * No scheduler is bound, so the processes stay READY and only make the calls a test makes for them.
 */
final class KernelHarness implements AutoCloseable {
    final Kernel kernel;

    KernelHarness(Tool... tools) {
        kernel = new Kernel(new LinuxHal(), KernelSettings.defaults(null).withWorkers(1));
        kernel.start();
        for (Tool t : tools) assertTrue(kernel.addTool(t, "test-bundle"), t.descriptor().name());
        kernel.addProgram(new Idle(), "test");
    }

    /** A process of {@code owner} holding {@code capabilities}, without quotas. */
    long spawn(String owner, String... capabilities) throws SyscallException {
        return spawn(owner, Quotas.NONE, capabilities);
    }

    long spawn(String owner, Quotas quotas, String... capabilities) throws SyscallException {
        return kernel.spawn(new SpawnSpec(Idle.NAME, Args.none(), owner, 0, List.of(capabilities), quotas));
    }

    SyscallResult call(long pid, String syscall, JsonNode args) {
        return kernel.call(pid, syscall, args);
    }

    ProcessInfo info(long pid) {
        return kernel.info(pid).orElseThrow();
    }

    @Override
    public void close() {
        kernel.stop();
    }

    /** A program that would sleep for a day; without a scheduler it never runs a step. */
    static final class Idle implements Program<Idle.State> {
        static final String NAME = "idle";

        record State(int steps) {}

        @Override
        public String name() {
            return NAME;
        }

        @Override
        public Class<State> stateType() {
            return State.class;
        }

        @Override
        public State init(JsonNode args) {
            return new State(0);
        }

        @Override
        public Step<State> step(State state, SyscallResult last) {
            return Step.call(new State(state.steps() + 1), "proc.sleep", Args.of("ms", 86_400_000L));
        }
    }
}

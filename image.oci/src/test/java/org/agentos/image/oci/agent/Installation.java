package org.agentos.image.oci.agent;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.agentos.hal.jvm.JvmHal;
import org.agentos.kernel.api.fs.FsCaller;
import org.agentos.kernel.api.memory.MemCaller;
import org.agentos.kernel.api.process.ExitStatus;
import org.agentos.kernel.api.program.Program;
import org.agentos.kernel.api.program.Step;
import org.agentos.kernel.api.security.CapabilityCeilings;
import org.agentos.kernel.api.security.CapabilitySet;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.agentos.kernel.impl.Kernel;
import org.agentos.kernel.impl.KernelSettings;
import org.agentos.kernel.impl.cpu.RoundRobinScheduler;
import org.agentos.memory.hierarchical.HierarchicalMemory;
import org.agentos.vfs.versioned.VersionedFileSystem;

/**
 * One installation for tests: a kernel with its data directory, a memory manager, a versioned
 * filesystem and the image store, as the distribution wires them.
 */
final class Installation implements AutoCloseable {
    /** Console users other than administrators may grant this much: their own home. */
    static final CapabilityCeilings HOMES = (op, caps) -> {
        if (op.isAdmin()) return;
        var beyond = CapabilitySet.of(List.of("fs:*:/home/" + op.name() + "/**")).firstUncovered(CapabilitySet.of(List.copyOf(caps)));
        if (beyond.isPresent()) throw new SyscallException(Errno.EPERM, op.name() + " may not grant '" + beyond.get() + "'");
    };

    final Kernel kernel;
    final VersionedFileSystem fs;
    final AgentImageStore images;

    Installation(Path dir) throws Exception {
        kernel = new Kernel(new JvmHal(), KernelSettings.defaults(Files.createDirectories(dir.resolve("kernel"))).withWorkers(2));
        kernel.setScheduler(new RoundRobinScheduler(), "test");
        kernel.start();
        kernel.mem.bind(HierarchicalMemory.standalone(null, 256L << 20, 1L << 30), "test");
        kernel.addProgram(summer(), "test");
        kernel.addProgram(producer(), "test");
        kernel.addProgram(consumer(), "test");
        kernel.addProgram(taker(), "test");
        fs = VersionedFileSystem.open(Files.createDirectories(dir.resolve("vfs")));
        kernel.images.setCeilings(HOMES);
        kernel.images.setFiles(() -> fs); // a fork gets its own workspace, as in the distribution
        images = new AgentImageStore(kernel.images, kernel, fs);
    }

    /** Adds up the "v" of what arrives in its mailbox, keeping the sum in memory too; exits after {@code limit} messages. */
    record Sum(long sum, long n, long limit, boolean stored) {}

    static Program<Sum> summer() {
        return new Program<>() {
            @Override
            public String name() {
                return "summer";
            }

            @Override
            public Class<Sum> stateType() {
                return Sum.class;
            }

            @Override
            public Sum init(com.fasterxml.jackson.databind.JsonNode a) {
                return new Sum(0, 0, a.path("limit").asLong(3), true);
            }

            @Override
            public Step<Sum> step(Sum s, SyscallResult last) {
                if (!s.stored()) {
                    long v = last.value().path("messages").path(0).path("payload").path("v").asLong();
                    Sum next = new Sum(s.sum() + v, s.n() + 1, s.limit(), true);
                    return Step.call(next, "mem.put", Args.of("key", "sum", "value", Args.of("sum", next.sum())));
                }
                if (s.n() >= s.limit()) return Step.exit(s, 0, "sum=" + s.sum());
                return Step.call(new Sum(s.sum(), s.n(), s.limit(), false), "ipc.recv", Args.of("timeoutMs", 60_000));
            }
        };
    }

    /** Sends 1..limit to queue jobs, one a step. */
    record Sent(long next, long limit) {}

    static Program<Sent> producer() {
        return program("producer", Sent.class, a -> new Sent(1, a.path("limit").asLong()), (s, last) -> {
            if (last != null && !last.isOk()) return Step.exit(s, 1, "send failed: " + last);
            if (s.next() > s.limit()) return Step.exit(s, 0, "sent " + s.limit());
            return Step.call(new Sent(s.next() + 1, s.limit()), "ipc.send", Args.of("queue", "jobs", "payload", Args.of("i", s.next())));
        });
    }

    /** Receives from jobs, counts and sums what it got, acks it; exits after limit messages. */
    record Got(long count, long sum, long limit, long ackId) {}

    static Program<Got> consumer() {
        return program("consumer", Got.class, a -> new Got(0, 0, a.path("limit").asLong(), 0), (s, last) -> {
            if (last != null && !last.isOk()) return Step.exit(s, 1, "failed: " + last);
            if (s.ackId() == 0 && last != null && last.value().has("messages")) {
                var m = last.value().path("messages").path(0);
                Got got = new Got(s.count() + 1, s.sum() + m.path("payload").path("i").asLong(), s.limit(), m.path("id").asLong());
                return Step.call(got, "ipc.ack", Args.of("queue", "jobs", "ids", Args.none().arrayNode().add(got.ackId())));
            }
            Got acked = new Got(s.count(), s.sum(), s.limit(), 0);
            if (s.count() >= s.limit()) return Step.exit(acked, 0, "count=" + s.count() + " sum=" + s.sum());
            return Step.call(acked, "ipc.recv", Args.of("queue", "jobs", "timeoutMs", 60_000));
        });
    }

    /** Receives one message from jobs, holds it unacked for a while (a sleep), then acks it and says how many were acked. */
    record Taking(int phase, long id) {}

    static Program<Taking> taker() {
        return program("taker", Taking.class, a -> new Taking(0, 0), (s, last) -> switch (s.phase()) {
            case 0 -> Step.call(new Taking(1, 0), "ipc.recv", Args.of("queue", "jobs", "timeoutMs", 60_000));
            case 1 -> Step.call(new Taking(2, last.value().path("messages").path(0).path("id").asLong()), "proc.sleep", Args.of("ms", 1500));
            case 2 -> Step.call(new Taking(3, s.id()), "ipc.ack", Args.of("queue", "jobs", "ids", Args.none().arrayNode().add(s.id())));
            default -> Step.exit(s, 0, "acked=" + last.value().path("acked").asInt() + " stale=" + last.value().path("stale"));
        });
    }

    static <S> Program<S> program(String name, Class<S> type, java.util.function.Function<com.fasterxml.jackson.databind.JsonNode, S> init,
                                  java.util.function.BiFunction<S, SyscallResult, Step<S>> step) {
        return new Program<>() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Class<S> stateType() {
                return type;
            }

            @Override
            public S init(com.fasterxml.jackson.databind.JsonNode args) {
                return init.apply(args);
            }

            @Override
            public Step<S> step(S state, SyscallResult last) {
                return step.apply(state, last);
            }
        };
    }

    void send(long pid, long v) throws SyscallException {
        kernel.ipc.send("@" + pid, Args.of("v", v), null);
    }

    long storedSum(long pid) {
        try {
            return kernel.mem.manager().get(MemCaller.kernel(), "user/" + pid, "sum").json().path("sum").asLong(-1);
        } catch (SyscallException e) {
            return -1;
        }
    }

    ExitStatus exit(long pid) throws Exception {
        return kernel.awaitExit(pid).toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
    }

    void write(String path, String content) throws SyscallException {
        fs.write(FsCaller.operator("root", "test"), path, new java.io.ByteArrayInputStream(content.getBytes()));
    }

    String read(String path) throws Exception {
        try (var in = fs.read(FsCaller.operator("root", "test"), path, 0)) {
            return new String(in.readAllBytes());
        }
    }

    static void await(String what, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for: " + what);
            java.util.concurrent.locks.LockSupport.parkNanos(2_000_000);
        }
    }

    @Override
    public void close() {
        kernel.stop();
        fs.close();
    }
}
